//! Keeps the `sessions` table equal to what sessionizing every stored event would give:
//! a customer's sessions are always rebuilt from all of that customer's events, streamed in
//! `(ts_us, id)` order from the `events_by_customer_time` index, one customer at a time.

use anyhow::Result;
use rusqlite::{params, CachedStatement, Connection, OptionalExtension, Row};

use super::orders::OrderRows;
use super::sensitivity::SensitivityRows;
use super::sessionizer::{Session, SessionEvent, Sessionizer};
use super::sweep::CustomerSweeps;
use crate::format::calendar::format_micros;
use crate::store::schema::{self, SESSION_INDEXES};

const CUSTOMER_EVENTS_FROM: &str = include_str!("../../queries/sessions/customer_events_from.sql");
const ALL_CUSTOMER_EVENTS: &str = include_str!("../../queries/sessions/all_customer_events.sql");
const INSERT_SESSION: &str = include_str!("../../queries/sessions/insert_session.sql");
const ANCHOR_SESSION: &str = include_str!("../../queries/sessions/anchor_session.sql");
const DELETE_SESSIONS_FROM: &str = include_str!("../../queries/sessions/delete_sessions_from.sql");
const DELETE_ALL_SESSIONS: &str = include_str!("../../queries/sessions/delete_all_sessions.sql");

/// The statements of this module, for the test that prepares every statement.
#[cfg(test)]
pub const STATEMENTS: [(&str, &str); 6] = [
    ("sessions/customer_events_from.sql", CUSTOMER_EVENTS_FROM),
    ("sessions/all_customer_events.sql", ALL_CUSTOMER_EVENTS),
    ("sessions/insert_session.sql", INSERT_SESSION),
    ("sessions/anchor_session.sql", ANCHOR_SESSION),
    ("sessions/delete_sessions_from.sql", DELETE_SESSIONS_FROM),
    ("sessions/delete_all_sessions.sql", DELETE_ALL_SESSIONS),
];

/// Rebuilds the sessions of the given customers from the earliest new event on: given each
/// customer's earliest new timestamp `t`, every session before the last one that started at
/// or before `t` is unchanged (new events all come after its start, so no gap before it
/// changes), so only that session and the ones after it are deleted and sessionized again,
/// numbered on from it. The customer's order rows follow. Runs inside the caller's
/// transaction.
pub fn resessionize_customers(
    conn: &Connection,
    customers: impl IntoIterator<Item = (i64, i64)>,
    timeout_us: i64,
) -> Result<u64> {
    let mut anchor = conn.prepare_cached(ANCHOR_SESSION)?;
    let mut delete = conn.prepare_cached(DELETE_SESSIONS_FROM)?;
    let mut select = conn.prepare_cached(CUSTOMER_EVENTS_FROM)?;
    let mut writer = SessionWriter::new(conn)?;
    let mut order_rows = OrderRows::new(conn)?;
    let mut sensitivity = SensitivityRows::new(conn)?;
    for (customer, earliest_new_us) in customers {
        let (first_number, from_us) = anchor
            .query_row([customer, earliest_new_us], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((1, i64::MIN));
        delete.execute([customer, first_number])?;
        let mut sessionizer = Sessionizer::numbered_from(timeout_us, first_number);
        // The new events all come in this stream (it starts at or before the earliest), so
        // the customer's sweeps continue on it unless an event came late.
        let mut sweeps = sensitivity.resume(customer, earliest_new_us)?;
        let mut rows = select.query([customer, from_us])?;
        while let Some(row) = rows.next()? {
            let event = session_event(row, 0)?;
            if let Some(sweeps) = &mut sweeps {
                sweeps.push(event.ts_us, event.kind);
            }
            writer.write(customer, sessionizer.push(&event))?;
        }
        writer.write(customer, sessionizer.finish())?;
        order_rows.refresh(customer)?;
        match sweeps {
            Some(sweeps) => sensitivity.save(customer, &sweeps)?,
            None => sensitivity.sweep_again(customer)?,
        }
    }
    Ok(writer.written)
}

/// Rebuilds every session with one ordered scan, then every order row, for a new timeout.
/// The sensitivity rows stay: they do not depend on the file's timeout. Runs inside the
/// caller's transaction.
pub fn rebuild_all(conn: &Connection, timeout_us: i64) -> Result<u64> {
    let written = rebuild_sessions(conn, timeout_us, None)?;
    OrderRows::new(conn)?.refresh_all()?;
    Ok(written)
}

/// Makes every session, every sweep of the sensitivity rows and every order row with one
/// ordered scan, after the first load into an empty file. Runs inside the caller's
/// transaction.
pub fn make_all(conn: &Connection, timeout_us: i64) -> Result<u64> {
    let mut sensitivity = SensitivityRows::new(conn)?;
    sensitivity.delete_all()?;
    let written = rebuild_sessions(conn, timeout_us, Some(&mut sensitivity))?;
    OrderRows::new(conn)?.refresh_all()?;
    Ok(written)
}

/// Rebuilds every session, and only the sessions: as the migration to schema version 2 did,
/// before the order rows and the sensitivity rows existed.
pub fn rebuild_all_sessions(conn: &Connection, timeout_us: i64) -> Result<u64> {
    rebuild_sessions(conn, timeout_us, None)
}

/// Sweeps every customer's events into the sensitivity rows, made anew: as the migration to
/// schema version 4 does, without touching the sessions. Returns the customers swept.
pub fn sweep_all(conn: &Connection) -> Result<u64> {
    let mut sensitivity = SensitivityRows::new(conn)?;
    sensitivity.delete_all()?;
    scan_all(conn, &mut SweepsOnly(&mut sensitivity))
}

fn rebuild_sessions(
    conn: &Connection,
    timeout_us: i64,
    sensitivity: Option<&mut SensitivityRows>,
) -> Result<u64> {
    conn.execute(DELETE_ALL_SESSIONS, [])?;
    // Every session is written anew: its secondary indexes are built once afterwards (a sort)
    // instead of taking a random insert per session.
    for name in SESSION_INDEXES {
        schema::drop_index(conn, name)?;
    }
    let written = write_all_sessions(conn, timeout_us, sensitivity)?;
    for name in SESSION_INDEXES {
        schema::create_index(conn, name)?;
    }
    Ok(written)
}

/// Sessionizes every stored event with one ordered scan, and, when `sensitivity` is given,
/// sweeps the same events into it.
fn write_all_sessions(
    conn: &Connection,
    timeout_us: i64,
    sensitivity: Option<&mut SensitivityRows>,
) -> Result<u64> {
    let mut work = SessionsAndSweeps {
        writer: SessionWriter::new(conn)?,
        timeout_us,
        sensitivity,
    };
    scan_all(conn, &mut work)?;
    Ok(work.writer.written)
}

/// What an ordered scan of every customer's events does with them, one customer at a time.
trait PerCustomer {
    /// What is kept about the customer whose events are streaming.
    type State;
    fn start(&mut self) -> Self::State;
    fn push(&mut self, customer: i64, state: &mut Self::State, event: &SessionEvent) -> Result<()>;
    fn finish(&mut self, customer: i64, state: Self::State) -> Result<()>;
}

/// Streams every logged-in event through `work`, customer by customer in `(ts_us, id)`
/// order, from the covering index; returns the number of customers.
fn scan_all(conn: &Connection, work: &mut impl PerCustomer) -> Result<u64> {
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

/// A full rebuild: sessions written, and sweeps kept when asked for.
struct SessionsAndSweeps<'c, 's, 'r> {
    writer: SessionWriter<'c>,
    timeout_us: i64,
    sensitivity: Option<&'s mut SensitivityRows<'r>>,
}

impl PerCustomer for SessionsAndSweeps<'_, '_, '_> {
    type State = (Sessionizer, CustomerSweeps);

    fn start(&mut self) -> Self::State {
        (Sessionizer::new(self.timeout_us), CustomerSweeps::fresh())
    }

    fn push(
        &mut self,
        customer: i64,
        (sessionizer, sweeps): &mut Self::State,
        event: &SessionEvent,
    ) -> Result<()> {
        if self.sensitivity.is_some() {
            sweeps.push(event.ts_us, event.kind);
        }
        self.writer.write(customer, sessionizer.push(event))
    }

    fn finish(&mut self, customer: i64, (sessionizer, sweeps): Self::State) -> Result<()> {
        self.writer.write(customer, sessionizer.finish())?;
        if let Some(rows) = self.sensitivity.as_deref_mut() {
            rows.save(customer, &sweeps)?;
        }
        Ok(())
    }
}

/// The sweeps alone, for the migration that adds them.
struct SweepsOnly<'c, 's>(&'s mut SensitivityRows<'c>);

impl PerCustomer for SweepsOnly<'_, '_> {
    type State = CustomerSweeps;

    fn start(&mut self) -> Self::State {
        CustomerSweeps::fresh()
    }

    fn push(&mut self, _: i64, sweeps: &mut Self::State, event: &SessionEvent) -> Result<()> {
        sweeps.push(event.ts_us, event.kind);
        Ok(())
    }

    fn finish(&mut self, customer: i64, sweeps: Self::State) -> Result<()> {
        self.0.save(customer, &sweeps)
    }
}

/// An event as the sessionizer needs it, borrowed from the row; `first` is the column of its id.
fn session_event<'r>(row: &'r Row, first: usize) -> Result<SessionEvent<'r>> {
    Ok(SessionEvent {
        id: row.get(first)?,
        ts_us: row.get(first + 1)?,
        kind: row.get_ref(first + 2)?.as_str()?,
        page: row.get_ref(first + 3)?.as_str_or_null()?,
        referrer: row.get_ref(first + 4)?.as_str_or_null()?,
    })
}

/// Inserts finished sessions and counts them.
struct SessionWriter<'c> {
    insert: CachedStatement<'c>,
    written: u64,
}

impl<'c> SessionWriter<'c> {
    fn new(conn: &'c Connection) -> Result<Self> {
        Ok(SessionWriter {
            insert: conn.prepare_cached(INSERT_SESSION)?,
            written: 0,
        })
    }

    /// Writes the session the sessionizer closed, if it closed one.
    fn write(&mut self, customer: i64, session: Option<Session>) -> Result<()> {
        let Some(s) = session else {
            return Ok(());
        };
        self.insert.execute(params![
            s.id,
            customer,
            s.session_number,
            format_micros(s.started_us),
            format_micros(s.ended_us),
            s.started_us,
            s.ended_us,
            s.duration_us() as f64 / 1e6,
            s.event_count,
            s.page_view_count,
            s.order_count,
            s.first_order_us.map(format_micros),
            s.first_order_us,
            s.referrer,
            s.referrer_host(),
            s.landing_page,
        ])?;
        self.written += 1;
        Ok(())
    }
}
