//! The `rejects` table: every line that could not be stored, with its source, line number,
//! reason and raw bytes, so that nothing of the input is lost.

use crate::queries;
use anyhow::Result;
use rusqlite::{params, CachedStatement, Connection};

/// The reasons of one ingest's rejects, each with how many lines it rejected.
pub fn reasons(conn: &Connection, ingest_id: i64) -> Result<Vec<(String, u64)>> {
    let mut stmt = conn.prepare(queries::store::REJECT_REASONS)?;
    let rows = stmt.query_map([ingest_id], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records the rejected lines of one ingest.
pub struct RejectWriter<'c> {
    insert: CachedStatement<'c>,
    ingest_id: i64,
    source: &'c str,
}

impl<'c> RejectWriter<'c> {
    pub fn new(conn: &'c Connection, ingest_id: i64, source: &'c str) -> Result<Self> {
        Ok(RejectWriter {
            insert: conn.prepare_cached(queries::store::INSERT_REJECT)?,
            ingest_id,
            source,
        })
    }

    /// Keeps `raw` byte for byte: as text when it is UTF-8 (readable in any SQLite client),
    /// as a blob otherwise.
    pub fn record(&mut self, line_number: u64, reason: &str, raw: &[u8]) -> Result<()> {
        let (id, source, line) = (self.ingest_id, self.source, line_number as i64);
        match std::str::from_utf8(raw) {
            Ok(text) => self
                .insert
                .execute(params![id, source, line, reason, text])?,
            Err(_) => self
                .insert
                .execute(params![id, source, line, reason, raw])?,
        };
        Ok(())
    }
}
