//! What a new file is made of: `schema.sql`, the analyst views and the dictionary, the schema
//! version they make, and the indexes that bulk writes drop and build again in one sort.

use crate::queries;
use anyhow::{anyhow, Context, Result};
use rusqlite::Connection;

use super::meta::{self, TOOL_VERSION};

/// The version `schema.sql` makes. Raised by one with every step appended to the list of
/// migrations (`upgrade::steps`), which brings older files up to it.
pub const SCHEMA_VERSION: i64 = 9;
pub const DEFAULT_TIMEOUT_SECONDS: i64 = 30 * 60;

/// The indexes on `events` that a load into an empty table builds afterwards in one pass.
pub const DEFERRABLE_EVENT_INDEXES: [&str; 2] = ["events_by_id", "events_by_customer_time"];

/// What `xcc share` leaves out of every file it writes: the indexes that serve sessionizing
/// (a shared file is never sessionized) and the ones that speed up the metrics and look-ups of
/// a working file but do not pay for their bytes at a shared file's size, where a full scan of
/// its tables takes milliseconds (measured on 680,000 real-shaped lines: 3.8 MB of a 14.8 MB
/// file without events, 6.1 MB of 36.7 MB with them).
pub const SHARED_LEAVES_OUT: [&str; 6] = [
    "events_by_id",
    "events_by_customer_time",
    "sessions_ordering",
    "sessions_by_referrer_host",
    "order_visits_by_visits",
    "first_orders_by_minutes",
];

/// The secondary indexes of `sessions`, which a full rebuild builds after writing.
pub const SESSION_INDEXES: [&str; 3] = [
    "sessions_by_customer",
    "sessions_ordering",
    "sessions_by_referrer_host",
];

/// Page cache while SQLite sorts for `CREATE INDEX`: its sorter sizes its in-memory runs by
/// the cache, and runs that fit the CPU's caches sort faster. Measured on a 1M-line first
/// load (both event indexes, one sorter helper, two runs each): 2 MiB 0.51 s, 4 MiB 0.54 s,
/// 32 MiB 0.90 s.
const INDEX_BUILD_CACHE_KIB: i64 = 2048;
/// Helper threads of SQLite's sorter during `CREATE INDEX`. Indexes are built after the
/// parser thread has finished, so its core is free; one helper sorts runs while the writer
/// reads the table. Measured on a 1M-line first load with a 4 MiB cache: the two event
/// indexes in 0.54 s against 0.68 s without.
const INDEX_BUILD_THREADS: i64 = 1;
/// The writer's page cache, 32 MiB: measured, more buys nothing for a bulk load and costs memory.
pub const WRITER_CACHE_KIB: i64 = 32768;

/// Makes a new, empty file into an xcc database of the current version, in one transaction.
pub fn create(conn: &Connection) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    create_objects(&tx)?;
    tx.execute_batch(queries::schema::DICTIONARY)?;
    let written_by = format!("xcc {TOOL_VERSION}");
    for (key, value) in [
        ("application", "xcc"),
        ("schema_version", &SCHEMA_VERSION.to_string()),
        ("created_by", &written_by),
        (
            "session_timeout_seconds",
            &DEFAULT_TIMEOUT_SECONDS.to_string(),
        ),
        ("data_generation", "0"),
        ("last_written_by", &written_by),
    ] {
        meta::set(&tx, key, value)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// The tables, indexes and views of the current version, without a row: what the check of a
/// file's objects compares with (`objects.rs`), which every command that opens a file runs, so
/// the dictionary's rows are not parsed for it.
pub fn create_objects(conn: &Connection) -> Result<()> {
    conn.execute_batch(queries::schema::TABLES)?;
    create_views(conn)
}

/// The analyst views: `queries/views.sql`, and `v_metrics_orders` made from the query of
/// `GET /metrics/orders`, so that the file and the API share one definition of the medians.
/// Its last arm types its columns, as in every view that computes them (queries/views.sql);
/// the API's query itself has none, since it also runs on files older than `column_types`.
pub fn views_sql() -> String {
    format!(
        "{}\n-- The two medians of GET /metrics/orders, as one row (queries/orders.sql).\nCREATE VIEW v_metrics_orders AS\nSELECT * FROM (\n{}\nUNION ALL\nSELECT real_value, real_value FROM column_types WHERE 1 = 0\n) AS typed;\n",
        queries::schema::VIEWS,
        queries::metrics::ORDERS.trim_end().trim_end_matches(';')
    )
}

/// Creates the analyst views.
pub fn create_views(conn: &Connection) -> Result<()> {
    conn.execute_batch(&views_sql())?;
    Ok(())
}

/// Builds one index of `schema.sql` with the settings that make SQLite's sort fast.
pub fn create_index(conn: &Connection, name: &str) -> Result<()> {
    conn.pragma_update(None, "cache_size", -INDEX_BUILD_CACHE_KIB)?;
    conn.pragma_update(None, "threads", INDEX_BUILD_THREADS)?;
    let built = conn
        .execute_batch(index_sql(name)?)
        .with_context(|| format!("cannot build the index {name}"));
    conn.pragma_update(None, "threads", 0)?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    built
}

/// Drops an index of `schema.sql` before a bulk write; [`create_index`] brings it back.
pub fn drop_index(conn: &Connection, name: &str) -> Result<()> {
    // Only names of schema.sql come here, so formatting one into the statement is safe.
    index_sql(name)?;
    conn.execute_batch(&format!("DROP INDEX {name};"))
        .with_context(|| format!("cannot drop the index {name}"))
}

/// An index's statement as `schema.sql` defines it.
fn index_sql(name: &str) -> Result<&'static str> {
    statement(
        &[
            format!("CREATE INDEX {name} "),
            format!("CREATE UNIQUE INDEX {name} "),
        ],
        name,
    )
}

/// The statement of `schema.sql` that starts with one of `heads`, up to its semicolon.
fn statement(heads: &[String], name: &str) -> Result<&'static str> {
    let start = heads
        .iter()
        .find_map(|head| queries::schema::TABLES.find(head.as_str()))
        .ok_or_else(|| anyhow!("schema.sql does not define {name}"))?;
    let end = start
        + queries::schema::TABLES[start..]
            .find(';')
            .unwrap_or(queries::schema::TABLES.len() - start - 1);
    Ok(&queries::schema::TABLES[start..=end])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The views render an instant (v_sessions.started_at and ended_at, v_events.timestamp
    /// when the input's text was not kept) exactly as `format_micros` does, over the whole range the timestamp parser accepts
    /// (0000-01-01 to 9999-12-31) and at its ends: an independent computation in SQL
    /// against the one in Rust.
    #[test]
    fn the_views_render_times_as_rust_does() {
        use crate::format::calendar::format_micros;
        use proptest::prelude::*;
        let conn = Connection::open_in_memory().unwrap();
        create(&conn).unwrap();
        const FIRST: i64 = -62_167_219_200_000_000; // 0000-01-01T00:00:00Z
        const LAST: i64 = 253_402_300_799_999_999; // 9999-12-31T23:59:59.999999Z
                                                   // The events need no ingest row here: only their rendered time is read.
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        let read = || -> (String, String, String) {
            conn.query_row(
                "SELECT started_at, ended_at, (SELECT timestamp FROM v_events) FROM v_sessions",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &prop_oneof![
                    Just(FIRST),
                    Just(LAST),
                    Just(-1i64),
                    Just(0i64),
                    FIRST..=LAST
                ],
                |us| {
                    // Before 1970 the integer division truncates towards zero: the expression
                    // must floor, which -1 and the first instant check.
                    conn.execute_batch("DELETE FROM sessions; DELETE FROM events;")
                        .unwrap();
                    conn.execute(
                    "INSERT INTO sessions (id, customer_id, session_number, started_us, ended_us,
                        duration_seconds, event_count, page_view_count, order_count)
                     VALUES (1, 1, 1, ?1, ?1, 0, 1, 1, 0)",
                    [us],
                )
                .unwrap();
                    conn.execute(
                        "INSERT INTO events (id, type_id, customer_id, ts_us, ingest_id)
                     VALUES (1, 1, 1, ?1, 1)",
                        [us],
                    )
                    .unwrap();
                    // The day's date from SQLite's own date(), not from xcc's calendar.
                    conn.execute_batch(&format!(
                        "DELETE FROM calendar;
                         INSERT INTO calendar (day, date)
                         SELECT day, date(day * 86400, 'unixepoch')
                         FROM (SELECT ({us} - ({us} % 86400000000 + 86400000000) % 86400000000) / 86400000000 AS day);"
                    ))
                    .unwrap();
                    let (started, ended, event) = read();
                    prop_assert_eq!(&started, &format_micros(us));
                    prop_assert_eq!(&ended, &format_micros(us));
                    prop_assert_eq!(&event, &format_micros(us));
                    Ok(())
                },
            )
            .unwrap();
    }

    #[test]
    fn every_named_index_is_in_schema_sql() {
        for name in DEFERRABLE_EVENT_INDEXES
            .iter()
            .chain(&SESSION_INDEXES)
            .chain(&SHARED_LEAVES_OUT)
        {
            let sql = index_sql(name).unwrap();
            assert!(sql.ends_with(';'), "{sql}");
            assert!(sql.contains(&format!(" {name} ON ")), "{sql}");
        }
        assert!(index_sql("no_such_index").is_err());
    }
}
