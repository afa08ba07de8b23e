//! `xcc verify`: everything about a file that can be checked, in order, each said as it
//! passes: the schema is xcc's, SQLite finds no damaged page, the sessions are what
//! sessionizing the events gives (where the file has the events), the order rows and the
//! carried sensitivity rows are what the sessions give, and the ledger adds up. The first
//! disagreement is an error. `xcc serve` runs the checks of the derived rows at start.
//!
//! What it cannot prove: a file whose sessions were rewritten consistently (sessions, order
//! rows and sensitivity rows together) and that has no events to check them against.

use crate::queries;
use std::path::Path;

use anyhow::{bail, Result};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Statement};

use crate::format::thousands;
use crate::metrics::{self, Filter, Metric};
use crate::sessions::scan::{scan_all, PerCustomer};
use crate::sessions::sensitivity;
use crate::sessions::sessionizer::{Session, SessionEvent, Sessionizer};
use crate::store::schema::SCHEMA_VERSION;
use crate::store::{self, meta};

/// Opens `db` to read as every command that answers from it does (`metrics`, `report`,
/// `export`, `query`): the schema is checked as it is opened, and, in a file of at most
/// [`store::QUICK_CHECK_BYTES`], the pages and the derived rows too, so that an edited
/// `order_visits` (or a planted `-wal`, which SQLite reads as part of the file) is refused
/// rather than answered. `serve` checks them at start, whatever the size.
pub fn open_checked(db: &Path) -> Result<Connection> {
    let conn = store::open_for_read(db)?;
    // A file of an older schema is read as it is; its derived rows, if it has them yet, are
    // checked once the first writer has upgraded it.
    let current = store::user_version(&conn)? == SCHEMA_VERSION;
    if current && std::fs::metadata(db).is_ok_and(|m| m.len() <= store::QUICK_CHECK_BYTES) {
        derived_rows(&conn, &db.display().to_string(), false)?;
    }
    Ok(conn)
}

/// Runs every check on `db`, telling `passed` what each one checked.
pub fn verify(db: &Path, passed: &mut impl FnMut(String)) -> Result<()> {
    let label = db.display().to_string();
    // Opening checks the schema (and, for a small file, the pages).
    let conn = store::open_for_read(db)?;
    let version = store::user_version(&conn)?;
    passed(format!(
        "schema: every table, index and view xcc relies on is its own (schema version {version})"
    ));
    store::check_pages(&conn, &label)?;
    passed("pages: SQLite's quick_check finds no damage".to_string());
    references(&conn, &label)?;
    passed("references: every id names a row of its table (types, URLs, ingests)".to_string());
    if version >= 8 {
        calendar(&conn, &label)?;
        passed(
            "calendar: every day of the events and sessions is there, with its date".to_string(),
        );
    }
    match sessions_against_events(&conn, &label)? {
        Some((sessions, events)) => passed(format!(
            "sessions: the {} sessions are what sessionizing the {} logged-in events gives",
            thousands(sessions),
            thousands(events)
        )),
        None => passed(
            "sessions: not checked, the file holds no events to check them against (shared with --events none)"
                .to_string(),
        ),
    }
    passed(derived_rows(&conn, &label, true)?);
    passed(ledger(&conn, &label)?);
    Ok(())
}

/// Every foreign key of the file names a row: an ingest writes them without SQLite's check
/// on each insert (store::trust_own_references).
fn references(conn: &Connection, label: &str) -> Result<()> {
    let dangling: Option<(String, i64, String)> = conn
        .query_row(queries::verify::REFERENCES, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    if let Some((table, rowid, parent)) = dangling {
        bail!("{label} does not add up: row {rowid} of {table} names a row of {parent} that does not exist");
    }
    Ok(())
}

/// The table calendar, by which the views render times: each date is SQLite's own date() of
/// its day (the writer's come from the `time` crate), and no event or session lacks its day.
fn calendar(conn: &Connection, label: &str) -> Result<()> {
    let wrong: Option<(i64, Option<String>)> = conn
        .query_row(queries::verify::CALENDAR, [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match wrong {
        None => Ok(()),
        Some((day, Some(date))) => {
            bail!("{label} does not add up: the calendar says day {day} is {date}, which it is not")
        }
        Some((day, None)) => bail!(
            "{label} does not add up: the calendar lacks day {day}, which a stored time falls on"
        ),
    }
}

/// The order rows and the sensitivity rows against the sessions they derive from; what was
/// checked, in a line. `xcc serve` runs this at start with `sweep` false: it checks the
/// rows a file carries, and sweeps no events for rows that a working file does not keep.
pub fn derived_rows(conn: &Connection, label: &str, sweep: bool) -> Result<String> {
    for (table, sql) in [
        ("order_visits", queries::verify::ORDER_VISITS),
        ("first_orders", queries::verify::FIRST_ORDERS),
    ] {
        let mismatch = conn
            .prepare(sql)?
            .query_map([], row_text)?
            .next()
            .transpose()?;
        if let Some(row) = mismatch {
            let (side, values) = row.split_once(", ").unwrap_or((&row, ""));
            let whose = if side == "file" {
                format!("{table} has a row its sessions do not give")
            } else {
                format!("{table} lacks a row its sessions give")
            };
            bail!("{label} does not add up: {whose} ({values})");
        }
    }
    sensitivity_against_sessions(conn, label, sweep)?;
    Ok("derived rows: order_visits, first_orders and the sensitivity rows are what the sessions give".to_string())
}

/// The carried sensitivity rows: the one at the file's own timeout must be what its sessions
/// and `metrics orders` give, and, where the file has events, every one what sweeping them
/// gives (for a working file, with `sweep` only).
fn sensitivity_against_sessions(conn: &Connection, label: &str, sweep: bool) -> Result<()> {
    let stored = sensitivity::carried(conn)?;
    let carried = match &stored {
        Some(rows) => rows.clone(),
        None if sweep => sensitivity::swept(conn)?,
        None => return Ok(()),
    };
    let own = meta::session_timeout_seconds(conn)?;
    let held = &mut store::memory::Reservation::default();
    let orders = metrics::compute(conn, Metric::Orders, &Filter::default(), held)?;
    let (sessions, ordering): (i64, i64) =
        conn.query_row(queries::verify::SESSION_COUNTS, [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let Some(row) = carried.iter().find(|r| r.timeout_seconds == own) else {
        bail!("{label} does not add up: the sensitivity rows have no row for the file's own timeout of {own} s");
    };
    let same = row.sessions == sessions
        && row.ordering_sessions == ordering
        && row.median_visits_before_order == orders["median_visits_before_order"].as_f64()
        && row.median_session_duration_minutes_before_order
            == orders["median_session_duration_minutes_before_order"].as_f64();
    if !same {
        bail!(
            "{label} does not add up: the sensitivity row at the file's own timeout says {} sessions, {} ordering and medians {:?} and {:?}; the sessions give {sessions}, {ordering}, {} and {}",
            row.sessions,
            row.ordering_sessions,
            row.median_visits_before_order,
            row.median_session_duration_minutes_before_order,
            orders["median_visits_before_order"],
            orders["median_session_duration_minutes_before_order"]
        );
    }
    // A working file's rows are written by xcc in the transaction that changes its events;
    // sweeping them again on every read (a fifth of a reader's time on a 64 MB file) is left
    // to `verify`. A shared file's come from elsewhere and are cheap to sweep: every reader
    // checks them.
    let shared = meta::get(conn, "shared_at")?.is_some();
    if stored.is_some() && (sweep || shared) && has_events(conn)? {
        let swept = sensitivity::swept(conn)?;
        if let Some((c, s)) = carried.iter().zip(&swept).find(|(c, s)| c != s) {
            bail!("{label} does not add up: the sensitivity row at {} s is not what its events give ({c:?} against {s:?})", c.timeout_seconds);
        }
        if carried.len() != swept.len() {
            bail!(
                "{label} does not add up: it carries {} sensitivity rows, its events give {}",
                carried.len(),
                swept.len()
            );
        }
    }
    Ok(())
}

fn has_events(conn: &Connection) -> Result<bool> {
    Ok(!store::events_empty(conn)?)
}

/// Sessionizes the logged-in events again and compares every session with the stored one;
/// the numbers of sessions and events compared, or None when the file has no events.
fn sessions_against_events(conn: &Connection, label: &str) -> Result<Option<(u64, u64)>> {
    if !has_events(conn)? {
        return Ok(None);
    }
    let timeout_us = meta::session_timeout_seconds(conn)? * 1_000_000;
    let mut stored = conn.prepare(queries::verify::STORED_SESSIONS)?;
    let mut compare = Compare {
        label,
        timeout_us,
        stored: stored.raw_query(),
        sessions: 0,
        events: 0,
    };
    scan_all(conn, &mut compare)?;
    if let Some(extra) = compare.stored.next()? {
        bail!(
            "{label} does not add up: it has a session its events do not give (customer {}, session {})",
            extra.get::<_, i64>(0)?,
            extra.get::<_, i64>(1)?
        );
    }
    Ok(Some((compare.sessions, compare.events)))
}

struct Compare<'a, 's> {
    label: &'a str,
    timeout_us: i64,
    stored: rusqlite::Rows<'s>,
    sessions: u64,
    events: u64,
}

impl Compare<'_, '_> {
    fn check(&mut self, customer: i64, made: Option<Session>) -> Result<()> {
        let Some(s) = made else { return Ok(()) };
        self.sessions += 1;
        let label = self.label;
        let Some(row) = self.stored.next()? else {
            bail!("{label} does not add up: its events give a session it lacks (customer {customer}, session {})", s.session_number);
        };
        let want: [Value; 12] = [
            customer.into(),
            s.session_number.into(),
            s.id.into(),
            s.started_us.into(),
            s.ended_us.into(),
            s.event_count.into(),
            s.page_view_count.into(),
            s.order_count.into(),
            s.first_order_us.into(),
            s.referrer.clone().into(),
            s.referrer_host().into(),
            s.landing_page.clone().into(),
        ];
        for (i, want) in want.iter().enumerate() {
            let have: Value = row.get(i)?;
            if &have != want {
                let column = row.as_ref().column_name(i)?.to_string();
                bail!(
                    "{label} does not add up: session {} of customer {customer} has {column} {}, its events give {}",
                    s.session_number,
                    shown(&have),
                    shown(want)
                );
            }
        }
        Ok(())
    }
}

impl PerCustomer for Compare<'_, '_> {
    type State = Sessionizer;

    fn start(&mut self) -> Sessionizer {
        Sessionizer::new(self.timeout_us)
    }

    fn push(
        &mut self,
        customer: i64,
        sessionizer: &mut Sessionizer,
        event: &SessionEvent,
    ) -> Result<()> {
        self.events += 1;
        let made = sessionizer.push(event);
        self.check(customer, made)
    }

    fn finish(&mut self, customer: i64, sessionizer: Sessionizer) -> Result<()> {
        let made = sessionizer.finish();
        self.check(customer, made)
    }
}

/// The ledger against the rows: every ingest's lines add up, and a working file holds the
/// events and rejects its ingests say they stored and rejected.
fn ledger(conn: &Connection, label: &str) -> Result<String> {
    let (stored, rejected, events, rejects, shared): (i64, i64, i64, i64, i64) =
        conn.query_row(queries::verify::LEDGER, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
    let unbalanced: i64 = conn.query_row(queries::verify::UNBALANCED_INGESTS, [], |r| r.get(0))?;
    if unbalanced > 0 {
        bail!("{label} does not add up: {unbalanced} ingests of its ledger read more or fewer lines than they stored, counted as duplicates and rejected");
    }
    if shared == 0 {
        if events != stored {
            bail!(
                "{label} does not add up: its ingests stored {} events, it holds {}",
                thousands(stored as u64),
                thousands(events as u64)
            );
        }
        if rejects != rejected {
            bail!("{label} does not add up: its ingests rejected {} lines, its rejects table holds {}", thousands(rejected as u64), thousands(rejects as u64));
        }
        return Ok(format!(
            "ledger: the ingests' {} stored events and {} rejected lines are all in the file",
            thousands(stored as u64),
            thousands(rejected as u64)
        ));
    }
    Ok("ledger: every ingest's lines read are its stored, duplicate and rejected lines (a shared file keeps the events and rejects it was shared with)".to_string())
}

/// A row's values joined by ", ", for the sentence of a disagreement.
fn row_text(r: &Row) -> rusqlite::Result<String> {
    let stmt: &Statement = r.as_ref();
    let n = stmt.column_count();
    let mut parts = Vec::with_capacity(n);
    for i in 0..n {
        let v: Value = r.get(i)?;
        parts.push(if i == 0 {
            match v {
                Value::Text(t) => t,
                other => shown(&other),
            }
        } else {
            format!("{} {}", stmt.column_name(i)?, shown(&v))
        });
    }
    Ok(parts.join(", "))
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(t) => format!("'{}'", crate::format::shorten(t, 60)),
        Value::Blob(b) => format!("a blob of {} bytes", b.len()),
    }
}
