//! The answer of `GET /metrics/sensitivity`: the rows a file carries in its table
//! `sensitivity`, or else one ordered scan of the stored events swept at every timeout
//! (`sweep.rs`). Every writer sweeps once and carries the rows (since schema version 8); a
//! shared file or a dump carries them because it may have no events. Nothing is kept per
//! customer.

use crate::queries;
use anyhow::Result;
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use super::scan::PerCustomer;
use super::sessionizer::{SessionEvent, PLACED_ORDER};
use super::sweep::{timeouts_seconds, Sensitivity, TimeoutRow};
use crate::store::meta;

/// The rows swept from the file's events; the rows it carries when it has no events (a
/// shared file without them). Rows carried beside events are for the view v_sensitivity and
/// for `verify`, which compares them with a sweep; the answer never takes them on trust.
pub fn rows(conn: &Connection) -> Result<Vec<TimeoutRow>> {
    if !crate::store::events_empty(conn)? {
        return swept(conn);
    }
    match carried(conn)? {
        Some(rows) => Ok(rows),
        None => swept(conn),
    }
}

/// The rows of the table `sensitivity`; None when it is empty or the file predates it.
pub fn carried(conn: &Connection) -> Result<Option<Vec<TimeoutRow>>> {
    let has_table: i64 =
        conn.query_row(queries::sessions::HAS_SENSITIVITY_TABLE, [], |r| r.get(0))?;
    if has_table == 0 {
        return Ok(None);
    }
    let mut select = conn.prepare_cached(queries::sessions::SENSITIVITY_ROWS)?;
    let rows = select
        .query_map([], |r| {
            Ok(TimeoutRow {
                timeout_seconds: r.get(0)?,
                sessions: r.get(1)?,
                ordering_sessions: r.get(2)?,
                median_visits_before_order: r.get(3)?,
                median_session_duration_minutes_before_order: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((!rows.is_empty()).then_some(rows))
}

/// Every logged-in event swept at the timeouts of the answer, in one ordered scan that reads
/// only what the sweep needs.
pub fn swept(conn: &Connection) -> Result<Vec<TimeoutRow>> {
    let Sweeping(mut sweep) = Sweeping::for_file(conn)?;
    let mut select = conn.prepare_cached(queries::sessions::SWEEP_EVENTS)?;
    let mut rows = select.query([PLACED_ORDER])?;
    let mut current = None;
    while let Some(row) = rows.next()? {
        let customer: i64 = row.get(0)?;
        if current.is_some_and(|c| c != customer) {
            sweep.end_customer();
        }
        current = Some(customer);
        sweep.push_event(row.get(1)?, row.get(2)?);
    }
    Ok(sweep.rows())
}

/// The sweep as a job of an ordered scan, which a full rebuild of the sessions can share.
pub struct Sweeping(Sensitivity);

impl Sweeping {
    /// A sweep at the timeouts of the answer for the file's own session timeout.
    pub fn for_file(conn: &Connection) -> Result<Self> {
        let timeouts = timeouts_seconds(meta::session_timeout_seconds(conn)?);
        Ok(Sweeping(Sensitivity::new(&timeouts)))
    }

    /// The rows, once the scan has fed every event.
    pub fn rows(self) -> Vec<TimeoutRow> {
        self.0.rows()
    }
}

impl PerCustomer for Sweeping {
    type State = ();

    fn start(&mut self) {}

    fn push(&mut self, _: i64, _: &mut (), event: &SessionEvent) -> Result<()> {
        self.0.push(event.ts_us, event.kind);
        Ok(())
    }

    fn finish(&mut self, _: i64, _: ()) -> Result<()> {
        self.0.end_customer();
        Ok(())
    }
}

/// Carries the rows swept from the events anew, in a writer's transaction after its change
/// to the sessions: so that a working file, like a shared one, answers from carried rows, and
/// v_sensitivity reads them instead of sweeping the events in SQL (5.5 s on 1M lines, past a
/// reader's limit such as datasette's 1 s).
pub fn refresh(conn: &Connection) -> Result<()> {
    replace(conn, &swept(conn)?)
}

/// Carries `rows`, swept from every event of the file, instead of the rows it carried.
pub fn replace(conn: &Connection, rows: &[TimeoutRow]) -> Result<()> {
    conn.execute(queries::sessions::SENSITIVITY_CLEAR, [])?;
    carry(conn, rows)
}

/// Writes the rows into the (empty) table `sensitivity` of a file being written.
pub fn carry(conn: &Connection, rows: &[TimeoutRow]) -> Result<()> {
    let mut insert = conn.prepare_cached(queries::sessions::SENSITIVITY_INSERT)?;
    for row in rows {
        insert.execute(params![
            row.timeout_seconds,
            row.sessions,
            row.ordering_sessions,
            row.median_visits_before_order,
            row.median_session_duration_minutes_before_order,
        ])?;
    }
    Ok(())
}

/// The answer as JSON: `{"timeouts": [...]}`, each timeout in minutes (a whole number when it
/// is one, e.g. 30, else 1.5), with the names of `GET /metrics/orders`.
pub fn to_json(rows: &[TimeoutRow]) -> Value {
    let timeouts: Vec<Value> = rows
        .iter()
        .map(|row| {
            let minutes = if row.timeout_seconds % 60 == 0 {
                json!(row.timeout_seconds / 60)
            } else {
                json!(row.timeout_seconds as f64 / 60.0)
            };
            json!({
                "timeout_minutes": minutes,
                "sessions": row.sessions,
                "ordering_sessions": row.ordering_sessions,
                "median_visits_before_order": row.median_visits_before_order,
                "median_session_duration_minutes_before_order":
                    row.median_session_duration_minutes_before_order,
            })
        })
        .collect();
    json!({ "timeouts": timeouts })
}
