//! The order rows: `order_visits` (one per ordering session) and `first_orders` (one per
//! ordering customer), derived from a customer's sessions by window functions and written
//! again whenever those sessions are, in the same transaction, so that the medians of
//! `GET /metrics/orders` read two small indexes instead of windows over every session.

use anyhow::Result;
use rusqlite::{CachedStatement, Connection};

const ORDER_VISITS: &str = include_str!("../../queries/sessions/order_visits.sql");
const FIRST_ORDERS: &str = include_str!("../../queries/sessions/first_orders.sql");
const DELETE_ORDER_VISITS: &str = include_str!("../../queries/sessions/delete_order_visits.sql");
const DELETE_FIRST_ORDERS: &str = include_str!("../../queries/sessions/delete_first_orders.sql");

/// The statements of this module, for the test that prepares every statement.
#[cfg(test)]
pub const STATEMENTS: [(&str, &str); 4] = [
    ("sessions/order_visits.sql", ORDER_VISITS),
    ("sessions/first_orders.sql", FIRST_ORDERS),
    ("sessions/delete_order_visits.sql", DELETE_ORDER_VISITS),
    ("sessions/delete_first_orders.sql", DELETE_FIRST_ORDERS),
];

/// Writes the order rows of customers again from their sessions.
pub struct OrderRows<'c> {
    statements: [CachedStatement<'c>; 4],
}

impl<'c> OrderRows<'c> {
    pub fn new(conn: &'c Connection) -> Result<Self> {
        Ok(OrderRows {
            // Deletes first: the inserts write every row of the customers anew.
            statements: [
                conn.prepare_cached(DELETE_ORDER_VISITS)?,
                conn.prepare_cached(DELETE_FIRST_ORDERS)?,
                conn.prepare_cached(ORDER_VISITS)?,
                conn.prepare_cached(FIRST_ORDERS)?,
            ],
        })
    }

    /// The order rows of one customer, after their sessions changed.
    pub fn refresh(&mut self, customer: i64) -> Result<()> {
        self.refresh_range(customer, customer)
    }

    /// The order rows of every customer, after all sessions were rebuilt.
    pub fn refresh_all(&mut self) -> Result<()> {
        self.refresh_range(i64::MIN, i64::MAX)
    }

    fn refresh_range(&mut self, from: i64, to: i64) -> Result<()> {
        for statement in &mut self.statements {
            statement.execute([from, to])?;
        }
        Ok(())
    }
}
