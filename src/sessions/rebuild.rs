//! Keeps the `sessions` table equal to what sessionizing every stored event would give:
//! a customer's sessions are always rebuilt from all of that customer's events, streamed in
//! `(ts_us, id)` order from the `events_by_customer_time` index, one customer at a time.

use crate::queries;
use anyhow::Result;
use rusqlite::{params, CachedStatement, Connection, OptionalExtension};

use super::orders::OrderRows;
use super::scan::{event_ids, scan_all, Both, PerCustomer};
use super::sensitivity::{self, Sweeping};
use super::sessionizer::{Session, SessionEvent, Sessionizer};
use super::texts::Texts;
use crate::store::schema::{self, SESSION_INDEXES};

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
    let mut anchor = conn.prepare_cached(queries::sessions::ANCHOR_SESSION)?;
    let mut delete = conn.prepare_cached(queries::sessions::DELETE_SESSIONS_FROM)?;
    let mut select = conn.prepare_cached(queries::sessions::CUSTOMER_EVENTS_FROM)?;
    let mut writer = SessionWriter::new(conn)?;
    let mut order_rows = OrderRows::new(conn)?;
    let mut texts = Texts::new(conn)?;
    for (customer, earliest_new_us) in customers {
        let (first_number, from_us) = anchor
            .query_row([customer, earliest_new_us], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((1, i64::MIN));
        delete.execute([customer, first_number])?;
        let mut sessionizer = Sessionizer::numbered_from(timeout_us, first_number);
        let mut rows = select.query([customer, from_us])?;
        while let Some(row) = rows.next()? {
            writer.write(
                customer,
                sessionizer.push(&texts.event(&event_ids(row, 0)?)?),
            )?;
        }
        writer.write(customer, sessionizer.finish())?;
        order_rows.refresh(customer)?;
    }
    Ok(writer.written)
}

/// Rebuilds every session with one ordered scan, then every order row, and carries the
/// sensitivity rows swept in the same scan: after the first load into an empty file, and for a
/// new timeout. Runs inside the caller's transaction.
pub fn rebuild_all(conn: &Connection, timeout_us: i64) -> Result<u64> {
    let mut sweep = Sweeping::for_file(conn)?;
    let written = rebuild_all_sessions(conn, timeout_us, &mut sweep)?;
    OrderRows::new(conn)?.refresh_all()?;
    sensitivity::replace(conn, &sweep.rows())?;
    Ok(written)
}

/// Rebuilds every session, and only the sessions: as the migration to schema version 2 did,
/// before the order rows existed. `also` sees every event of the scan.
pub fn rebuild_all_sessions(
    conn: &Connection,
    timeout_us: i64,
    also: &mut impl PerCustomer,
) -> Result<u64> {
    conn.execute(queries::sessions::DELETE_ALL_SESSIONS, [])?;
    // Every session is written anew: its secondary indexes are built once afterwards (a sort)
    // instead of taking a random insert per session.
    for name in SESSION_INDEXES {
        schema::drop_index(conn, name)?;
    }
    let mut work = AllSessions {
        writer: SessionWriter::new(conn)?,
        timeout_us,
    };
    scan_all(conn, &mut Both(&mut work, also))?;
    for name in SESSION_INDEXES {
        schema::create_index(conn, name)?;
    }
    Ok(work.writer.written)
}

/// A full rebuild: every customer's sessions written.
struct AllSessions<'c> {
    writer: SessionWriter<'c>,
    timeout_us: i64,
}

impl PerCustomer for AllSessions<'_> {
    type State = Sessionizer;

    fn start(&mut self) -> Self::State {
        Sessionizer::new(self.timeout_us)
    }

    fn push(
        &mut self,
        customer: i64,
        sessionizer: &mut Sessionizer,
        event: &SessionEvent,
    ) -> Result<()> {
        self.writer.write(customer, sessionizer.push(event))
    }

    fn finish(&mut self, customer: i64, sessionizer: Sessionizer) -> Result<()> {
        self.writer.write(customer, sessionizer.finish())
    }
}

/// Inserts finished sessions and counts them.
struct SessionWriter<'c> {
    insert: CachedStatement<'c>,
    written: u64,
}

impl<'c> SessionWriter<'c> {
    fn new(conn: &'c Connection) -> Result<Self> {
        Ok(SessionWriter {
            insert: conn.prepare_cached(queries::sessions::INSERT_SESSION)?,
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
            s.started_us,
            s.ended_us,
            s.duration_us() as f64 / 1e6,
            s.event_count,
            s.page_view_count,
            s.order_count,
            s.first_order_us,
            s.referrer,
            s.referrer_host(),
            s.landing_page,
        ])?;
        self.written += 1;
        Ok(())
    }
}
