//! Keeps the `sessions` table equal to what sessionizing every stored event would give:
//! a customer's sessions are always rebuilt from all of that customer's events, streamed in
//! `(ts_us, id)` order from the `events_by_customer_time` index, one customer at a time.

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::sessionize::{Session, SessionEvent, Sessionizer};
use crate::store;
use crate::timestamp::format_micros;

const CUSTOMER_EVENTS_FROM: &str = "SELECT id, ts_us, type, page, referrer FROM events
     WHERE customer_id = ?1 AND ts_us >= ?2 ORDER BY ts_us, id";
const ALL_CUSTOMER_EVENTS: &str = "SELECT customer_id, id, ts_us, type, page, referrer
     FROM events WHERE customer_id IS NOT NULL ORDER BY customer_id, ts_us, id";
const INSERT_SESSION: &str = "INSERT INTO sessions (id, customer_id, session_number,
     started_at, ended_at, started_us, ended_us, duration_seconds, event_count,
     page_view_count, order_count, first_order_at, first_order_us, referrer, referrer_host,
     landing_page)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

/// Rebuilds the sessions of the given customers from the earliest new event on: given each
/// customer's earliest new timestamp `t`, every session before the last one that started at
/// or before `t` is unchanged (new events all come after its start, so no gap before it
/// changes), so only that session and the ones after it are deleted and sessionized again,
/// numbered on from it. Runs inside the caller's transaction.
pub fn resessionize_customers(
    conn: &Connection,
    customers: impl IntoIterator<Item = (i64, i64)>,
    timeout_us: i64,
) -> Result<u64> {
    let mut anchor = conn.prepare_cached(
        "SELECT session_number, started_us FROM sessions
         WHERE customer_id = ?1 AND started_us <= ?2
         ORDER BY session_number DESC LIMIT 1",
    )?;
    let mut delete = conn
        .prepare_cached("DELETE FROM sessions WHERE customer_id = ?1 AND session_number >= ?2")?;
    let mut select = conn.prepare_cached(CUSTOMER_EVENTS_FROM)?;
    let mut insert = conn.prepare_cached(INSERT_SESSION)?;
    let mut written = 0;
    for (customer, earliest_new_us) in customers {
        let (first_number, from_us) = anchor
            .query_row([customer, earliest_new_us], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((1, i64::MIN));
        delete.execute([customer, first_number])?;
        let mut sessionizer = Sessionizer::numbered_from(timeout_us, first_number);
        let mut rows = select.query([customer, from_us])?;
        while let Some(row) = rows.next()? {
            if let Some(done) = sessionizer.push(&session_event(row, 0)?) {
                write_session(&mut insert, customer, &done)?;
                written += 1;
            }
        }
        if let Some(done) = sessionizer.finish() {
            write_session(&mut insert, customer, &done)?;
            written += 1;
        }
    }
    Ok(written)
}

/// Rebuilds every session with one ordered scan. Runs inside the caller's transaction.
pub fn rebuild_all(conn: &Connection, timeout_us: i64) -> Result<u64> {
    conn.execute("DELETE FROM sessions", [])?;
    // Every session is written anew: its secondary indexes are built once afterwards (a sort)
    // instead of taking a random insert per session.
    for name in store::SESSION_INDEXES {
        conn.execute_batch(&format!("DROP INDEX {name};"))?;
    }
    let written = write_all_sessions(conn, timeout_us)?;
    for name in store::SESSION_INDEXES {
        store::create_index(conn, name)?;
    }
    Ok(written)
}

fn write_all_sessions(conn: &Connection, timeout_us: i64) -> Result<u64> {
    let mut select = conn.prepare(ALL_CUSTOMER_EVENTS)?;
    let mut insert = conn.prepare_cached(INSERT_SESSION)?;
    let mut rows = select.query([])?;
    let mut current: Option<(i64, Sessionizer)> = None;
    let mut written = 0;
    while let Some(row) = rows.next()? {
        let customer: i64 = row.get(0)?;
        if current.as_ref().map(|(c, _)| *c) != Some(customer) {
            if let Some((previous, sessionizer)) = current.take() {
                if let Some(done) = sessionizer.finish() {
                    write_session(&mut insert, previous, &done)?;
                    written += 1;
                }
            }
            current = Some((customer, Sessionizer::new(timeout_us)));
        }
        if let Some((_, sessionizer)) = current.as_mut() {
            if let Some(done) = sessionizer.push(&session_event(row, 1)?) {
                write_session(&mut insert, customer, &done)?;
                written += 1;
            }
        }
    }
    if let Some((customer, sessionizer)) = current {
        if let Some(done) = sessionizer.finish() {
            write_session(&mut insert, customer, &done)?;
            written += 1;
        }
    }
    Ok(written)
}

fn session_event<'r>(row: &'r Row, first: usize) -> Result<SessionEvent<'r>> {
    Ok(SessionEvent {
        id: row.get(first)?,
        ts_us: row.get(first + 1)?,
        kind: row.get_ref(first + 2)?.as_str()?,
        page: row.get_ref(first + 3)?.as_str_or_null()?,
        referrer: row.get_ref(first + 4)?.as_str_or_null()?,
    })
}

fn write_session(insert: &mut rusqlite::CachedStatement, customer: i64, s: &Session) -> Result<()> {
    insert.execute(params![
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
    Ok(())
}
