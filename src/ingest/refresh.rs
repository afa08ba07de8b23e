//! A refresh of a URL: the validators of the last body read from it, looked up before the
//! download, and the transaction of an ingest whose server answered 304 Not Modified, which
//! reads nothing and changes nothing but the ledger and the history.

use std::time::Instant;

use anyhow::{Context, Result};

use super::{IngestOptions, IngestReport, Unchanged};
use crate::format::calendar::format_micros;
use crate::store::ingests::{self, EarlierDownload};
use crate::store::schema::SCHEMA_VERSION;
use crate::store::{self, history, meta};

/// The earlier download of the source, when it is a `url`, that a GET of it may be made
/// conditional on (see [`ingests::earlier_download`]); none with --parse-all, which reads
/// every byte. Read before anything is written, as the download is made before the file is
/// touched. None also when the file is missing, of another schema version (an older one kept
/// no validators; the writer upgrades it) or cannot be read: the writer, which opens it next,
/// says what is wrong with it, and the body is only downloaded whole.
pub fn earlier_download(opts: &IngestOptions, url: Option<&str>) -> Option<EarlierDownload> {
    let url = url.filter(|_| !opts.parse_all)?;
    if !opts.db.is_file() {
        return None;
    }
    let conn = store::open_for_read(&opts.db).ok()?;
    if store::user_version(&conn).ok()? != SCHEMA_VERSION {
        return None;
    }
    ingests::earlier_download(&conn, url, opts.max_record_bytes)
        .ok()
        .flatten()
}

/// Records an ingest of `label` whose server said the body is `earlier`'s (304 Not Modified):
/// its ledger row, which read no line, and its row of the history, with the figures alike
/// before and after, in one transaction. The events, sessions and every row they give stay
/// as they are; the data generation moves, as the ledger did (the summary counts ingests).
pub fn record_unchanged(
    opts: &IngestOptions,
    label: &str,
    earlier: &EarlierDownload,
    started: Instant,
) -> Result<IngestReport> {
    let mut conn = crate::upgrade::open_for_write(&opts.db, opts.wait)?;
    let tx = store::begin_write(&mut conn, &opts.db, opts.wait)?;
    let figures = history::figures(&tx)?;
    let finished_at = format_micros(opts.started_us + started.elapsed().as_micros() as i64);
    let ingest_id = ingests::unchanged(
        &tx,
        label,
        &format_micros(opts.started_us),
        &finished_at,
        opts.max_record_bytes,
        earlier.ingest_id,
    )?;
    history::record(
        &tx,
        &history::Change {
            command: "ingest",
            ingest_id: Some(ingest_id),
            finished_at: &finished_at,
            timeout_seconds: meta::session_timeout_seconds(&tx)?,
            before: figures.clone(),
            after: figures,
            new_events: 0,
            late_events: 0,
            customers_touched: 0,
            sessions_rebuilt: 0,
        },
    )?;
    meta::bump_generation(&tx)?;
    tx.commit()
        .with_context(|| format!("cannot commit to {}", opts.db.display()))?;
    store::leave_at_rest(&conn, &opts.db)?;
    Ok(IngestReport {
        source: label.to_string(),
        ingest_id,
        unchanged_since: Some(Unchanged {
            ingest_id: earlier.ingest_id,
            finished_at: earlier.finished_at.clone(),
        }),
        ..IngestReport::default()
    })
}
