//! `xcc dump --dialect postgres`: the file as one SQL script for `psql`, in the style of
//! pg_dump: one transaction that replaces a schema with the same tables (PostgreSQL types),
//! their rows loaded with COPY, the indexes, and the same analyst views. Streamed row by
//! row, so memory stays flat whatever the size.

mod copy_text;
pub mod dialect;

use crate::queries;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Result};
use rusqlite::Connection;

use crate::sessions::sensitivity;
use crate::store::{self, schema};

/// The tables of the file in the order they are loaded (a row's references come first).
pub const DUMPED_TABLES: [&str; 11] = [
    "meta",
    "ingests",
    "ingest_blocks",
    "events",
    "rejects",
    "sessions",
    "order_visits",
    "first_orders",
    "sensitivity",
    "history",
    "dictionary",
];

/// The tables whose rows are not dumped as they are: the texts of event_types and urls are
/// the events' own columns in PostgreSQL (type, page, referrer), filled from v_events.
pub const TEXTS_IN_EVENTS: [&str; 2] = ["event_types", "urls"];

/// Tables only SQLite's views need, left out of the dump: PostgreSQL's tables hold the
/// readable times (`calendar`), and its views have their tables' types (`column_types`).
pub const FOR_SQLITE_ONLY: [&str; 2] = ["calendar", "column_types"];

/// Which events go into the dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DumpedEvents {
    /// Every event.
    All,
    /// The events of logged-in customers (the ones the sessions are made of).
    LoggedIn,
    /// No event rows: the sessions, the metrics and everything else.
    None,
}

pub struct DumpOptions {
    pub db: PathBuf,
    /// The PostgreSQL schema the script replaces.
    pub schema: String,
    pub events: DumpedEvents,
}

/// Rows written per table, in the order of [`DUMPED_TABLES`].
pub struct Dumped {
    pub rows: Vec<(&'static str, u64)>,
}

/// Writes the script to `out`.
pub fn dump(opts: &DumpOptions, out: &mut impl Write) -> Result<Dumped> {
    check_schema_name(&opts.schema)?;
    let conn = store::open_for_read(&opts.db)?;
    let version = store::user_version(&conn)?;
    if version != schema::SCHEMA_VERSION {
        bail!(
            "{} has schema version {version}; xcc dump reads version {} (any write upgrades it: `xcc sessionize --db {}`)",
            opts.db.display(),
            schema::SCHEMA_VERSION,
            opts.db.display()
        );
    }
    // One read transaction: the script is a snapshot even while an ingest commits.
    conn.execute_batch("BEGIN")?;
    let schema_name = &opts.schema;
    write!(
        out,
        "-- xcc dump of {db} (schema version {version}) for PostgreSQL, by xcc {tool}.\n\
         -- Load it with: psql -X -q -f dump.sql \"$DATABASE_URL\" (or pipe it into psql).\n\
         -- One transaction: it replaces the schema \"{schema_name}\" as a whole, or changes nothing.\n\
         \\set ON_ERROR_STOP on\n\
         BEGIN;\n\
         SET LOCAL client_min_messages = warning;\n\
         SET LOCAL maintenance_work_mem = '256MB';\n\
         DROP SCHEMA IF EXISTS \"{schema_name}\" CASCADE;\n\
         CREATE SCHEMA \"{schema_name}\";\n\
         SET LOCAL search_path TO \"{schema_name}\";\n\n",
        db = file_name(&opts.db),
        tool = store::meta::TOOL_VERSION,
    )?;
    out.write_all(queries::dump::POSTGRES_TABLES.as_bytes())?;
    let mut rows = Vec::new();
    for table in DUMPED_TABLES {
        if table == "sensitivity" {
            // The answer's rows, swept from the file's events: the dump carries them, as a
            // shared file does, whichever events it holds.
            let count = copy_sensitivity(&conn, out)?;
            rows.push((table, count));
            continue;
        }
        let count = match select_of(table, opts.events) {
            Some(sql) => copy_rows(&conn, table, &sql, out)?,
            None => 0,
        };
        rows.push((table, count));
    }
    writeln!(out)?;
    out.write_all(queries::dump::POSTGRES_CONSTRAINTS.as_bytes())?;
    writeln!(out)?;
    out.write_all(queries::dump::POSTGRES_INDEXES.as_bytes())?;
    writeln!(out)?;
    out.write_all(dialect::postgres(&schema::views_sql()).as_bytes())?;
    writeln!(out, "\nCOMMIT;")?;
    out.flush()?;
    conn.execute_batch("COMMIT")?;
    Ok(Dumped { rows })
}

/// The statement whose rows are the COPY block of `table`, in the columns of PostgreSQL's table;
/// `None` for no rows.
fn select_of(table: &str, events: DumpedEvents) -> Option<String> {
    match (table, events) {
        ("events", DumpedEvents::None) => None,
        ("events", DumpedEvents::LoggedIn) => Some(queries::dump::LOGGED_IN_EVENTS.to_string()),
        ("events", DumpedEvents::All) => Some(queries::dump::ALL_EVENTS.to_string()),
        ("sessions", _) => Some(queries::dump::SESSIONS.to_string()),
        ("rejects", _) => Some(queries::dump::REJECTS.to_string()),
        // The names are this module's own constants, never input.
        _ => Some(format!("SELECT * FROM {table}")),
    }
}

/// One table's rows as a COPY block; returns how many.
fn copy_rows(conn: &Connection, table: &str, sql: &str, out: &mut impl Write) -> Result<u64> {
    let mut select = conn.prepare(sql)?;
    let columns: Vec<String> = select.column_names().map(|c| format!("\"{c}\"")).collect();
    // Not WITH (FREEZE): it spares a later vacuum, but made the load of 5M events 12%
    // slower (paired runs), and the load is what users wait for.
    writeln!(out, "\nCOPY {table} ({}) FROM stdin;", columns.join(", "))?;
    let mut rows = select.query([])?;
    let mut line = String::new();
    let mut count = 0;
    while let Some(row) = rows.next()? {
        line.clear();
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            copy_text::push_field(&mut line, row.get_ref(i)?).map_err(|why| {
                anyhow::anyhow!(
                    "cannot dump row {} of table {table}: its column {column} {why}",
                    count + 1
                )
            })?;
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        count += 1;
    }
    writeln!(out, "\\.")?;
    Ok(count)
}

/// The rows of `GET /metrics/sensitivity` as the COPY block of table `sensitivity`.
fn copy_sensitivity(conn: &Connection, out: &mut impl Write) -> Result<u64> {
    use rusqlite::types::Value;
    let rows = sensitivity::rows(conn)?;
    writeln!(
        out,
        "\nCOPY sensitivity (\"timeout_seconds\", \"sessions\", \"ordering_sessions\", \"median_visits_before_order\", \"median_session_duration_minutes_before_order\") FROM stdin;"
    )?;
    let mut line = String::new();
    for row in &rows {
        line.clear();
        let fields = [
            Value::Integer(row.timeout_seconds),
            Value::Integer(row.sessions),
            Value::Integer(row.ordering_sessions),
            row.median_visits_before_order
                .map_or(Value::Null, Value::Real),
            row.median_session_duration_minutes_before_order
                .map_or(Value::Null, Value::Real),
        ];
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            copy_text::push_field(&mut line, field.into())
                .map_err(|why| anyhow::anyhow!("cannot dump the sensitivity rows: {why}"))?;
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    writeln!(out, "\\.")?;
    Ok(rows.len() as u64)
}

/// A schema name is written into the script as it is: only lower-case letters, digits and
/// underscores, starting with a letter or underscore, at most 63 bytes (PostgreSQL's limit).
fn check_schema_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if !ok {
        bail!("--schema '{}' is not a plain PostgreSQL name: use lower-case letters, digits and _ (at most 63), not starting with a digit", crate::format::shorten(name, 70));
    }
    Ok(())
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        for good in ["xcc", "_x", "shop_2022", &"a".repeat(63)] {
            assert!(check_schema_name(good).is_ok(), "{good}");
        }
        for bad in ["", "2x", "Xcc", "a-b", "x\"; DROP", &"a".repeat(64)] {
            assert!(check_schema_name(bad).is_err(), "{bad}");
        }
    }

    /// The PostgreSQL tables have the columns of the statements the dump copies them from, in
    /// the same order (which the COPY column lists rely on): schema.sql's columns, but for the
    /// readable times that SQLite renders from the *_us integers (sessions' started_at,
    /// ended_at and first_order_at, events' timestamp, which SQLite keeps only when the input
    /// wrote it otherwise).
    #[test]
    fn postgres_tables_have_the_sqlite_columns_in_order() {
        let conn = Connection::open_in_memory().unwrap();
        schema::create(&conn).unwrap();
        for table in DUMPED_TABLES {
            let select = select_of(table, DumpedEvents::All).unwrap();
            let sqlite: Vec<String> = conn
                .prepare(&select)
                .unwrap()
                .column_names()
                .map(str::to_string)
                .collect();
            let start = queries::dump::POSTGRES_TABLES
                .find(&format!("CREATE TABLE {table} ("))
                .unwrap_or_else(|| panic!("tables.sql has no {table}"));
            let body = &queries::dump::POSTGRES_TABLES[start
                ..start
                    + queries::dump::POSTGRES_TABLES[start..]
                        .find("\n);")
                        .unwrap()];
            let postgres: Vec<String> = body
                .lines()
                .skip(1)
                .map(|l| l.split_whitespace().next().unwrap().to_string())
                .filter(|w| w != "CHECK")
                .collect();
            assert_eq!(postgres, sqlite, "{table}");
        }
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut dumped: Vec<&str> = DUMPED_TABLES
            .iter()
            .chain(&TEXTS_IN_EVENTS)
            .chain(&FOR_SQLITE_ONLY)
            .copied()
            .collect();
        dumped.sort();
        assert_eq!(tables, dumped, "every table of a new file is dumped");
    }
}
