//! What a new file is made of: `schema.sql`, the analyst views and the dictionary, the schema
//! version they make, and the indexes that bulk writes drop and build again in one sort.

use anyhow::{anyhow, Context, Result};
use rusqlite::Connection;

use super::meta::{self, TOOL_VERSION};

pub const SCHEMA_SQL: &str = include_str!("../../schema.sql");
pub const VIEWS_SQL: &str = include_str!("../../queries/views.sql");
/// The query of `GET /metrics/orders`, which is also the view `v_metrics_orders`.
pub const ORDERS_SQL: &str = include_str!("../../queries/orders.sql");
pub const DICTIONARY_SQL: &str = include_str!("../../queries/dictionary.sql");

/// The version `schema.sql` makes. Raised by one with every step appended to the list of
/// migrations (`crate::migrations`), which brings older files up to it.
pub const SCHEMA_VERSION: i64 = 5;
pub const DEFAULT_TIMEOUT_SECONDS: i64 = 30 * 60;

/// The indexes on `events` that a load into an empty table builds afterwards in one pass.
pub const DEFERRABLE_EVENT_INDEXES: [&str; 2] = ["events_by_id", "events_by_customer_time"];

/// The secondary indexes of `sessions`, which a full rebuild builds after writing.
pub const SESSION_INDEXES: [&str; 4] = [
    "sessions_by_customer",
    "sessions_ordering",
    "sessions_timeline",
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
    tx.execute_batch(SCHEMA_SQL)?;
    create_views(&tx)?;
    tx.execute_batch(DICTIONARY_SQL)?;
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

/// The analyst views: `queries/views.sql`, and `v_metrics_orders` made from the query of
/// `GET /metrics/orders`, so that the file and the API share one definition of the medians.
pub fn views_sql() -> String {
    format!("{VIEWS_SQL}\n-- The two medians of GET /metrics/orders, as one row (queries/orders.sql).\nCREATE VIEW v_metrics_orders AS\n{};\n", ORDERS_SQL.trim_end().trim_end_matches(';'))
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
        .find_map(|head| SCHEMA_SQL.find(head.as_str()))
        .ok_or_else(|| anyhow!("schema.sql does not define {name}"))?;
    let end = start
        + SCHEMA_SQL[start..]
            .find(';')
            .unwrap_or(SCHEMA_SQL.len() - start - 1);
    Ok(&SCHEMA_SQL[start..=end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_index_is_in_schema_sql() {
        for name in DEFERRABLE_EVENT_INDEXES.iter().chain(&SESSION_INDEXES) {
            let sql = index_sql(name).unwrap();
            assert!(sql.ends_with(';'), "{sql}");
            assert!(sql.contains(&format!(" {name} ON ")), "{sql}");
        }
        assert!(index_sql("no_such_index").is_err());
    }
}
