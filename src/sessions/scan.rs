//! One ordered scan of every logged-in event, customer by customer in `(ts_us, id)` order,
//! from the covering index `events_by_customer_time`: what a full rebuild of the sessions and
//! the sensitivity sweep both read.

use anyhow::Result;
use rusqlite::{Connection, Row};

use super::sessionizer::SessionEvent;

const ALL_CUSTOMER_EVENTS: &str = include_str!("../../queries/sessions/all_customer_events.sql");

/// The statements of this module, for the test that prepares every statement.
#[cfg(test)]
pub const STATEMENTS: [(&str, &str); 1] =
    [("sessions/all_customer_events.sql", ALL_CUSTOMER_EVENTS)];

/// What an ordered scan of every customer's events does with them, one customer at a time.
pub trait PerCustomer {
    /// What is kept about the customer whose events are streaming.
    type State;
    fn start(&mut self) -> Self::State;
    fn push(&mut self, customer: i64, state: &mut Self::State, event: &SessionEvent) -> Result<()>;
    fn finish(&mut self, customer: i64, state: Self::State) -> Result<()>;
}

/// Streams every logged-in event through `work`, customer by customer in `(ts_us, id)`
/// order, from the covering index; returns the number of customers.
pub fn scan_all(conn: &Connection, work: &mut impl PerCustomer) -> Result<u64> {
    let mut select = conn.prepare(ALL_CUSTOMER_EVENTS)?;
    let mut rows = select.query([])?;
    let mut current = None;
    let mut customers = 0;
    while let Some(row) = rows.next()? {
        let customer: i64 = row.get(0)?;
        let state = match &mut current {
            Some((c, state)) if *c == customer => state,
            _ => {
                if let Some((previous, state)) = current.take() {
                    work.finish(previous, state)?;
                }
                customers += 1;
                &mut current.insert((customer, work.start())).1
            }
        };
        work.push(customer, state, &session_event(row, 1)?)?;
    }
    if let Some((customer, state)) = current {
        work.finish(customer, state)?;
    }
    Ok(customers)
}

/// An event as the sessionizer needs it, borrowed from the row; `first` is the column of its id.
pub fn session_event<'r>(row: &'r Row, first: usize) -> Result<SessionEvent<'r>> {
    Ok(SessionEvent {
        id: row.get(first)?,
        ts_us: row.get(first + 1)?,
        kind: row.get_ref(first + 2)?.as_str()?,
        page: row.get_ref(first + 3)?.as_str_or_null()?,
        referrer: row.get_ref(first + 4)?.as_str_or_null()?,
    })
}
