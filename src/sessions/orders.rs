//! The order rows: `order_visits` (one per ordering session) and `first_orders` (one per
//! ordering customer), derived from a customer's sessions by window functions and written
//! again whenever those sessions are, in the same transaction, so that the medians of
//! `GET /metrics/orders` read two small indexes instead of windows over every session.

use crate::queries;
use anyhow::Result;
use rusqlite::{CachedStatement, Connection};

/// Writes the order rows of customers again from their sessions.
pub struct OrderRows<'c> {
    statements: [CachedStatement<'c>; 4],
}

impl<'c> OrderRows<'c> {
    pub fn new(conn: &'c Connection) -> Result<Self> {
        Ok(OrderRows {
            // Deletes first: the inserts write every row of the customers anew.
            statements: [
                conn.prepare_cached(queries::sessions::DELETE_ORDER_VISITS)?,
                conn.prepare_cached(queries::sessions::DELETE_FIRST_ORDERS)?,
                conn.prepare_cached(queries::sessions::ORDER_VISITS)?,
                conn.prepare_cached(queries::sessions::FIRST_ORDERS)?,
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
