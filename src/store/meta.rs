//! The `meta` table: key/value facts about the file (what wrote it, the session timeout, the
//! data generation that tells servers when their cached answers are stale).

use crate::format::duration::MAX_SECONDS;
use crate::queries;
use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension};

/// The version of xcc that writes, recorded as `created_by`, `last_written_by`, `upgraded_by`.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(queries::store::META_GET)?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(queries::store::META_SET)?
        .execute([key, value])?;
    Ok(())
}

/// The session timeout the file's sessions were made with: a whole number of seconds from 1
/// to the longest duration xcc takes (366 days). Anything else (text, 0, a negative or huge
/// number) is refused: read as a number, it would give 0 or i64's maximum as the answer.
pub fn session_timeout_seconds(conn: &Connection) -> Result<i64> {
    let value = get(conn, "session_timeout_seconds")?
        .context("the database has no session timeout in its meta table")?;
    value
        .parse::<i64>()
        .ok()
        .filter(|t| (1..=MAX_SECONDS).contains(t))
        .with_context(|| {
            format!(
                "the stored session timeout '{}' is not a whole number of seconds from 1 to {MAX_SECONDS} (366 days)",
                crate::format::shorten(&value, 40)
            )
        })
}

/// Marks a change of the data. Called inside every writing transaction.
pub fn bump_generation(conn: &Connection) -> Result<()> {
    conn.prepare_cached(queries::store::BUMP_GENERATION)?
        .execute([])?;
    set(conn, "last_written_by", &format!("xcc {TOOL_VERSION}"))
}

/// The current data generation (see [`bump_generation`]).
pub fn generation(conn: &Connection) -> Result<i64> {
    let value = get(conn, "data_generation")?.unwrap_or_default();
    Ok(value.parse().unwrap_or(0))
}
