//! Damage said as damage: SQLite's page check of small files on every read, and SQLite's own
//! word for a damaged file as the sentence, never "not an xcc database".

use anyhow::{anyhow, bail, Result};
use rusqlite::Connection;

use crate::queries;

/// Files up to this size are checked page by page (`quick_check`) by every command that
/// reads them: every shared file, in tens of milliseconds. `serve` and `verify` check any.
pub const QUICK_CHECK_BYTES: u64 = 64 << 20;

/// SQLite's `quick_check` of every page: a damaged file is refused, not answered.
pub fn check_pages(conn: &Connection, label: &str) -> Result<()> {
    let problems: Vec<String> = conn
        .prepare(queries::store::QUICK_CHECK)
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| damaged_or(anyhow!(e), label))?;
    if problems.len() == 1 && problems[0] == "ok" {
        return Ok(());
    }
    bail!(
        "{label} is damaged: {} (sqlite3 {label} 'pragma integrity_check' lists where)",
        problems
            .first()
            .map(String::as_str)
            .unwrap_or("quick_check found problems")
    )
}

/// SQLite's own word for a damaged file, once, as the sentence; other errors as they are.
pub(crate) fn damaged_or(e: anyhow::Error, label: &str) -> anyhow::Error {
    let corrupt = e
        .chain()
        .find_map(|c| match c.downcast_ref::<rusqlite::Error>() {
            Some(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseCorrupt =>
            {
                Some(rusqlite::Error::SqliteFailure(*f, None).to_string())
            }
            _ => None,
        });
    match corrupt {
        Some(why) => anyhow!(
            "{label} is damaged: {why} (sqlite3 {label} 'pragma integrity_check' lists where)"
        ),
        None => e,
    }
}

pub(crate) fn is_corrupt(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(c.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DatabaseCorrupt)
    })
}
