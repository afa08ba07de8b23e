//! The `ingests` table: the ledger row of each committed ingest, whose counts keep
//! `lines_read = stored + duplicates + rejected` (a CHECK in schema.sql).

use crate::input::validators::Validators;
use crate::queries;
use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

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

/// Writes the ledger row of an ingest that starts, reading lines of at most `max_line_bytes`
/// of a body its server sent with `validators`; returns its id.
pub fn start(
    conn: &Connection,
    source: &str,
    started_at: &str,
    max_line_bytes: usize,
    validators: &Validators,
) -> Result<i64> {
    conn.execute(
        queries::store::INGEST_STARTED,
        params![
            source,
            started_at,
            TOOL_VERSION,
            max_line_bytes as i64,
            validators.etag,
            validators.last_modified
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The ingest whose body a 304 Not Modified would stand for, and the validators to ask with.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlierDownload {
    pub ingest_id: i64,
    /// When it committed (UTC text, as the file holds it).
    pub finished_at: String,
    pub validators: Validators,
}

/// The latest ingest of the URL `source` that read a body, when this xcc reading lines of at
/// most `max_line_bytes` would have read it the same way: the same xcc version and
/// --max-line-bytes, as for recognising its blocks (`blocks::earlier_inputs`), because a 304
/// stands for the lines that ingest stored and rejected, not for the bytes alone. None when
/// there is no such ingest, or its server sent no validator that is a plain header value
/// (the file may come from anyone: each is checked again, as when it was received).
pub fn earlier_download(
    conn: &Connection,
    source: &str,
    max_line_bytes: usize,
) -> Result<Option<EarlierDownload>> {
    let latest = conn
        .query_row(queries::store::LATEST_DOWNLOAD, [source], |r| {
            let etag: Option<String> = r.get(4)?;
            let last_modified: Option<String> = r.get(5)?;
            Ok((
                EarlierDownload {
                    ingest_id: r.get(0)?,
                    finished_at: r.get(1)?,
                    validators: Validators::new(etag.as_deref(), last_modified.as_deref()),
                },
                r.get::<_, String>(2)? == TOOL_VERSION,
                r.get::<_, Option<i64>>(3)? == Some(max_line_bytes as i64),
            ))
        })
        .optional()?;
    Ok(latest
        .filter(|(earlier, same_version, same_limit)| {
            *same_version && *same_limit && !earlier.validators.is_empty()
        })
        .map(|(earlier, _, _)| earlier))
}

/// Writes the ledger row of an ingest of `source` whose server answered 304 Not Modified to
/// the validators of ingest `unchanged_since`: no line and no byte read. Returns its id.
pub fn unchanged(
    conn: &Connection,
    source: &str,
    started_at: &str,
    finished_at: &str,
    max_line_bytes: usize,
    unchanged_since: i64,
) -> Result<i64> {
    conn.execute(
        queries::store::INGEST_UNCHANGED,
        params![
            source,
            started_at,
            finished_at,
            TOOL_VERSION,
            max_line_bytes as i64,
            unchanged_since
        ],
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
