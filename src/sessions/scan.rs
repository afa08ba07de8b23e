//! One ordered scan of every logged-in event, customer by customer in `(ts_us, id)` order,
//! from the covering index `events_by_customer_time`: what a full rebuild of the sessions and
//! the sensitivity sweep beside it (`Both`) read. The scan reads ids; `texts` gives their texts.

use crate::queries;
use anyhow::Result;
use rusqlite::{Connection, Row};

use super::sessionizer::SessionEvent;
use super::texts::{EventIds, Texts};

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
    let mut select = conn.prepare(queries::sessions::ALL_CUSTOMER_EVENTS)?;
    let mut texts = Texts::new(conn)?;
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
        work.push(customer, state, &texts.event(&event_ids(row, 1)?)?)?;
    }
    if let Some((customer, state)) = current {
        work.finish(customer, state)?;
    }
    Ok(customers)
}

/// Two jobs fed by one scan: a full rebuild and the sensitivity sweep read the same events in
/// the same order, and reading them once saves a scan of every event (0.07 s per 1M lines).
pub struct Both<'a, A, B>(pub &'a mut A, pub &'a mut B);

impl<A: PerCustomer, B: PerCustomer> PerCustomer for Both<'_, A, B> {
    type State = (A::State, B::State);

    fn start(&mut self) -> Self::State {
        (self.0.start(), self.1.start())
    }

    fn push(&mut self, customer: i64, state: &mut Self::State, event: &SessionEvent) -> Result<()> {
        self.0.push(customer, &mut state.0, event)?;
        self.1.push(customer, &mut state.1, event)
    }

    fn finish(&mut self, customer: i64, state: Self::State) -> Result<()> {
        self.0.finish(customer, state.0)?;
        self.1.finish(customer, state.1)
    }
}

/// No second job: for a scan that only rebuilds.
pub struct NothingElse;

impl PerCustomer for NothingElse {
    type State = ();

    fn start(&mut self) {}

    fn push(&mut self, _: i64, _: &mut (), _: &SessionEvent) -> Result<()> {
        Ok(())
    }

    fn finish(&mut self, _: i64, _: ()) -> Result<()> {
        Ok(())
    }
}

/// The ids of an event, read from the row; `first` is the column of the event's id.
pub fn event_ids(row: &Row, first: usize) -> Result<EventIds> {
    Ok(EventIds {
        id: row.get(first)?,
        ts_us: row.get(first + 1)?,
        type_id: row.get(first + 2)?,
        page_id: row.get(first + 3)?,
        referrer_id: row.get(first + 4)?,
    })
}
