//! The `meta` table: key/value facts about the file (what wrote it, the session timeout, the
//! data generation that tells servers when their cached answers are stale).

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension};

/// The version of xcc that writes, recorded as `created_by`, `last_written_by`, `upgraded_by`.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

const GET: &str = include_str!("../../queries/store/meta_get.sql");
const SET: &str = include_str!("../../queries/store/meta_set.sql");
const BUMP_GENERATION: &str = include_str!("../../queries/store/bump_generation.sql");

/// The statements of this module, for the test that prepares every statement.
#[cfg(test)]
pub const STATEMENTS: [(&str, &str); 3] = [
    ("store/meta_get.sql", GET),
    ("store/meta_set.sql", SET),
    ("store/bump_generation.sql", BUMP_GENERATION),
];

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(GET)?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(SET)?.execute([key, value])?;
    Ok(())
}

pub fn session_timeout_seconds(conn: &Connection) -> Result<i64> {
    let value = get(conn, "session_timeout_seconds")?
        .context("the database has no session timeout in its meta table")?;
    value
        .parse()
        .with_context(|| format!("the stored session timeout '{value}' is not a number"))
}

/// Marks a change of the data. Called inside every writing transaction.
pub fn bump_generation(conn: &Connection) -> Result<()> {
    conn.prepare_cached(BUMP_GENERATION)?.execute([])?;
    set(conn, "last_written_by", &format!("xcc {TOOL_VERSION}"))
}

/// The current data generation (see [`bump_generation`]).
pub fn generation(conn: &Connection) -> Result<i64> {
    let value = get(conn, "data_generation")?.unwrap_or_default();
    Ok(value.parse().unwrap_or(0))
}
