//! The `ingests` table: the ledger row of each committed ingest, whose counts keep
//! `lines_read = stored + duplicates + rejected` (a CHECK in schema.sql).

use crate::queries;
use anyhow::Result;
use rusqlite::{params, Connection};

use super::meta::TOOL_VERSION;

/// What an ingest did, as its ledger row records it.
pub struct Finished {
    /// UTC text, like every time in the file.
    pub finished_at: String,
    pub lines_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub bytes: u64,
    /// The earliest and latest timestamp among the events stored, as UTC text.
    pub first_event_at: Option<String>,
    pub last_event_at: Option<String>,
}

/// Writes the ledger row of an ingest that starts, reading lines of at most `max_line_bytes`;
/// returns its id.
pub fn start(
    conn: &Connection,
    source: &str,
    started_at: &str,
    max_line_bytes: usize,
) -> Result<i64> {
    conn.execute(
        queries::store::INGEST_STARTED,
        params![source, started_at, TOOL_VERSION, max_line_bytes as i64],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Completes the ledger row, in the transaction that started it.
pub fn finish(conn: &Connection, ingest_id: i64, done: &Finished) -> Result<()> {
    conn.execute(
        queries::store::INGEST_FINISHED,
        params![
            ingest_id,
            done.finished_at,
            done.lines_read as i64,
            done.stored as i64,
            done.duplicates as i64,
            done.rejected as i64,
            done.bytes as i64,
            done.first_event_at,
            done.last_event_at
        ],
    )?;
    Ok(())
}

/// Whether an ingest of `source` (its label) committed to this file.
pub fn ingested_from(conn: &Connection, source: &str) -> Result<bool> {
    Ok(conn.query_row(queries::store::INGESTED_FROM, [source], |r| r.get(0))?)
}
