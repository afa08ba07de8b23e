//! The `history` table: for every ingest and sessionize, the figures before and after it
//! (both medians, sessions, ordering sessions, customers, events) and what changed, so that
//! a moved number can be explained from the file alone.

use crate::queries;
use anyhow::Result;
use rusqlite::{params, Connection};

/// The figures of the file at one moment.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub median_visits: Option<f64>,
    pub median_minutes: Option<f64>,
    pub sessions: i64,
    pub ordering_sessions: i64,
    pub customers: i64,
    pub events: i64,
}

/// What one command changed.
pub struct Change<'a> {
    pub command: &'a str,
    pub ingest_id: Option<i64>,
    pub finished_at: &'a str,
    pub timeout_seconds: i64,
    pub before: Figures,
    pub after: Figures,
    pub new_events: u64,
    /// New events older than the latest event stored before the change.
    pub late_events: u64,
    pub customers_touched: u64,
    pub sessions_rebuilt: u64,
}

pub fn figures(conn: &Connection) -> Result<Figures> {
    Ok(conn.query_row(queries::store::HISTORY_FIGURES, [], |r| {
        Ok(Figures {
            median_visits: r.get(0)?,
            median_minutes: r.get(1)?,
            sessions: r.get(2)?,
            ordering_sessions: r.get(3)?,
            customers: r.get(4)?,
            events: r.get(5)?,
        })
    })?)
}

/// The latest event stored so far, as UTC text; `None` in an empty file.
pub fn latest_event(conn: &Connection) -> Result<Option<String>> {
    // MAX() always answers one row: NULL when there is no ingest.
    Ok(conn.query_row(queries::store::LATEST_EVENT, [], |r| r.get(0))?)
}

pub fn record(conn: &Connection, c: &Change) -> Result<()> {
    conn.execute(
        queries::store::INSERT_HISTORY,
        params![
            c.command,
            c.ingest_id,
            c.finished_at,
            c.timeout_seconds,
            c.before.median_visits,
            c.after.median_visits,
            c.before.median_minutes,
            c.after.median_minutes,
            c.before.sessions,
            c.after.sessions,
            c.before.ordering_sessions,
            c.after.ordering_sessions,
            c.before.customers,
            c.after.customers,
            c.before.events,
            c.after.events,
            c.new_events as i64,
            c.late_events as i64,
            c.customers_touched as i64,
            c.sessions_rebuilt as i64,
        ],
    )?;
    Ok(())
}
