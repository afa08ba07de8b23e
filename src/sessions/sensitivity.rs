//! The rows of `sensitivity_customers` and `sensitivity_orders`: each customer's sweeps
//! (`sweep.rs`) stored where they stand, continued by an ingest of later events, swept again
//! from the customer's first event after a late one, and all made anew by a full rebuild.
//! Runs inside the caller's transaction, next to the sessions it follows.

use anyhow::Result;
use rusqlite::{params, CachedStatement, Connection, Row};

use super::sweep::{CustomerSweeps, Sweep};

const SWEEPS: &str = include_str!("../../queries/sessions/sensitivity_sweeps.sql");
const SAVE_SWEEP: &str = include_str!("../../queries/sessions/sensitivity_save_sweep.sql");
const INSERT_ORDER: &str = include_str!("../../queries/sessions/sensitivity_insert_order.sql");
const DELETE_CUSTOMER: &str =
    include_str!("../../queries/sessions/sensitivity_delete_customer.sql");
const DELETE_CUSTOMER_ORDERS: &str =
    include_str!("../../queries/sessions/sensitivity_delete_customer_orders.sql");
const DELETE_ALL: &str = include_str!("../../queries/sessions/sensitivity_delete_all.sql");
const DELETE_ALL_ORDERS: &str =
    include_str!("../../queries/sessions/sensitivity_delete_all_orders.sql");
const CUSTOMER_EVENTS_FROM: &str = include_str!("../../queries/sessions/customer_events_from.sql");

/// The statements of this module, for the test that prepares every statement.
#[cfg(test)]
pub const STATEMENTS: [(&str, &str); 7] = [
    ("sessions/sensitivity_sweeps.sql", SWEEPS),
    ("sessions/sensitivity_save_sweep.sql", SAVE_SWEEP),
    ("sessions/sensitivity_insert_order.sql", INSERT_ORDER),
    ("sessions/sensitivity_delete_customer.sql", DELETE_CUSTOMER),
    (
        "sessions/sensitivity_delete_customer_orders.sql",
        DELETE_CUSTOMER_ORDERS,
    ),
    ("sessions/sensitivity_delete_all.sql", DELETE_ALL),
    (
        "sessions/sensitivity_delete_all_orders.sql",
        DELETE_ALL_ORDERS,
    ),
];

/// Reads and writes the stored sweeps.
pub struct SensitivityRows<'c> {
    conn: &'c Connection,
    sweeps: CachedStatement<'c>,
    save: CachedStatement<'c>,
    insert_order: CachedStatement<'c>,
}

impl<'c> SensitivityRows<'c> {
    pub fn new(conn: &'c Connection) -> Result<Self> {
        Ok(SensitivityRows {
            conn,
            sweeps: conn.prepare_cached(SWEEPS)?,
            save: conn.prepare_cached(SAVE_SWEEP)?,
            insert_order: conn.prepare_cached(INSERT_ORDER)?,
        })
    }

    /// Deletes every stored sweep, before a full rebuild sweeps every customer.
    pub fn delete_all(&self) -> Result<()> {
        self.conn.execute(DELETE_ALL, [])?;
        self.conn.execute(DELETE_ALL_ORDERS, [])?;
        Ok(())
    }

    /// The customer's stored sweeps, continued from where they stand when every new event
    /// (the earliest at `earliest_new_us`) comes after the events they swept; fresh sweeps
    /// for a customer without any. `None` when the customer must be swept from the start:
    /// see [`SensitivityRows::sweep_again`].
    pub fn resume(
        &mut self,
        customer: i64,
        earliest_new_us: i64,
    ) -> Result<Option<CustomerSweeps>> {
        let stored = self
            .sweeps
            .query_map([customer], stored_sweep)?
            .collect::<rusqlite::Result<Vec<Sweep>>>()?;
        if stored.is_empty() {
            return Ok(Some(CustomerSweeps::fresh()));
        }
        Ok(CustomerSweeps::resume(stored, earliest_new_us))
    }

    /// Sweeps all of a customer's events again, from the first, and stores the result in
    /// place of the old rows.
    pub fn sweep_again(&mut self, customer: i64) -> Result<()> {
        self.conn
            .prepare_cached(DELETE_CUSTOMER)?
            .execute([customer])?;
        self.conn
            .prepare_cached(DELETE_CUSTOMER_ORDERS)?
            .execute([customer])?;
        let mut sweeps = CustomerSweeps::fresh();
        let mut select = self.conn.prepare_cached(CUSTOMER_EVENTS_FROM)?;
        let mut rows = select.query([customer, i64::MIN])?;
        while let Some(row) = rows.next()? {
            sweeps.push(row.get(1)?, row.get_ref(2)?.as_str()?);
        }
        self.save(customer, &sweeps)
    }

    /// Stores where the customer's sweeps stand and the orders they found.
    pub fn save(&mut self, customer: i64, sweeps: &CustomerSweeps) -> Result<()> {
        for s in &sweeps.sweeps {
            self.save.execute(params![
                customer,
                s.timeout_minutes,
                s.sessions,
                s.ordering_sessions,
                s.minutes_before_first_order(),
                s.last_event_us,
                s.session_started_us,
                s.session_ordering,
                s.last_ordering_session,
                s.closed_us,
                s.before_first_order_us,
            ])?;
        }
        for o in &sweeps.orders {
            self.insert_order.execute(params![
                customer,
                o.timeout_minutes,
                o.order_number,
                o.visits
            ])?;
        }
        Ok(())
    }
}

/// A sweep as `sensitivity_sweeps.sql` reads it back.
fn stored_sweep(r: &Row) -> rusqlite::Result<Sweep> {
    Ok(Sweep {
        timeout_minutes: r.get(0)?,
        sessions: r.get(1)?,
        ordering_sessions: r.get(2)?,
        last_event_us: r.get(3)?,
        session_started_us: r.get(4)?,
        session_ordering: r.get(5)?,
        last_ordering_session: r.get(6)?,
        closed_us: r.get(7)?,
        before_first_order_us: r.get(8)?,
    })
}
