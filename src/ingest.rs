//! `xcc ingest`: a source's records into the database in one transaction, with the sessions
//! of every customer who received new events rebuilt inside that same transaction.
//!
//! Reading and parsing run on their own thread and hand batches to the SQLite writer, so the
//! two overlap on two cores; the bounded channel keeps memory flat whatever the input size.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::event::{parse_event, Event};
use crate::id_set::{IdSet, Insert};
use crate::progress::{self, Progress};
use crate::records::RecordReader;
use crate::source::{self, HttpPolicy, Source};
use crate::{session_store, store, timestamp};

const BATCH: usize = 1024;
/// Batches in flight between the parser and the writer: enough to smooth out pauses,
/// few enough that memory stays small.
const BATCHES_IN_FLIGHT: usize = 8;
const READ_BUFFER: usize = 1 << 20;

pub struct IngestOptions {
    pub source: Source,
    pub db: PathBuf,
    pub quiet: bool,
    pub http: HttpPolicy,
    /// The clock, read once at the edge: the ledger's start time.
    pub started_at: String,
    /// How long to wait for another writer of the same file.
    pub wait: std::time::Duration,
}

/// What one ingest did; `lines_read = stored + duplicates + rejected`.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct IngestReport {
    pub source: String,
    pub ingest_id: i64,
    pub lines_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub bytes: u64,
    pub customers_resessionized: u64,
    pub sessions_written: u64,
    /// Wall-clock seconds of each phase, for benchmarks: reading, parsing and storing the
    /// lines; rebuilding sessions; committing and checkpointing.
    pub load_seconds: f64,
    pub sessionize_seconds: f64,
    pub commit_seconds: f64,
}

struct Parsed {
    line_number: u64,
    /// The record as read, kept until written in case it has to be rejected.
    raw: Vec<u8>,
    /// The event, or why the record is rejected.
    outcome: Result<Event, String>,
}

type Batch = Result<Vec<Parsed>>;

pub fn run(opts: &IngestOptions) -> Result<IngestReport> {
    let label = opts.source.label();
    // The source is opened before the database is touched, so a 404 or a missing file
    // leaves no trace.
    let opened = source::open(&opts.source, &opts.http)?;
    let existed = opts.db.exists();
    let result = ingest_into(opts, &label, opened).map_err(|e| store::explain(&opts.db, e));
    if result.is_err() && !existed {
        remove_database_files(&opts.db);
    }
    result
}

fn ingest_into(opts: &IngestOptions, label: &str, opened: source::Opened) -> Result<IngestReport> {
    let mut conn = store::open_for_write(&opts.db, opts.wait)?;
    let timeout_us = store::session_timeout_seconds(&conn)? * 1_000_000;
    let bytes_read = opened.bytes_read.clone();
    let mut progress = Progress::new(opts.quiet, opened.total_bytes);

    let (sender, batches) = sync_channel::<Batch>(BATCHES_IN_FLIGHT);
    let reader_label = label.to_string();
    let parser = thread::Builder::new()
        .name("xcc-parse".into())
        .spawn(move || {
            let reader = BufReader::with_capacity(READ_BUFFER, opened.reader);
            if let Err(e) = parse_records(reader, &sender) {
                let _ = sender.send(Err(e.context(format!("reading {reader_label}"))));
            }
        })
        .context("cannot start the parser thread")?;

    let rollback_journal = store::use_rollback_journal_if_empty(&conn);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| store::busy_or(e, &opts.db, opts.wait))?;
    let outcome = write_all(
        &tx,
        opts,
        label,
        batches,
        timeout_us,
        &mut progress,
        &bytes_read,
    );
    // On error the transaction is dropped, which rolls everything back.
    let report = match outcome {
        Ok(report) => report,
        Err(e) => {
            progress.clear();
            let _ = parser.join();
            return Err(e);
        }
    };
    let commit_started = Instant::now();
    progress.phase("committing…");
    tx.commit()
        .with_context(|| format!("cannot commit to {}", opts.db.display()))?;
    progress.clear();
    let _ = parser.join();
    if rollback_journal {
        store::use_wal(&conn);
    }
    // Fold the write-ahead log into the file so that a database e-mailed right after an
    // ingest is complete on its own.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
    let mut report = report;
    report.commit_seconds = commit_started.elapsed().as_secs_f64();
    Ok(report)
}

fn parse_records(
    reader: impl std::io::BufRead,
    sender: &std::sync::mpsc::SyncSender<Batch>,
) -> Result<()> {
    let mut records = RecordReader::new(reader);
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(record) = records.next_record()? {
        batch.push(Parsed {
            line_number: record.line_number,
            outcome: parse_event(&record.bytes),
            raw: record.bytes,
        });
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if sender.send(Ok(full)).is_err() {
                // The writer stopped (it failed); its error is the one to report.
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        let _ = sender.send(Ok(batch));
    }
    Ok(())
}

const INSERT_EVENT: &str = "INSERT INTO events (id, type, customer_id, timestamp, ts_us,
     user_agent, ip, page, referrer, query, product, position, extra, ingest_id)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
     ON CONFLICT (id) DO NOTHING";
/// For an id known to be new while the unique index is deferred (see `IdSet`).
const APPEND_EVENT: &str = "INSERT INTO events (id, type, customer_id, timestamp, ts_us,
     user_agent, ip, page, referrer, query, product, position, extra, ingest_id)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
/// 2,048 pages of 8 KiB: dense ids up to 134 million, at most 16 MiB.
const ID_SET_PAGES: usize = 2048;
const STORED_EVENT: &str = "SELECT id, type, customer_id, timestamp, ts_us, user_agent, ip,
     page, referrer, query, product, position, extra FROM events WHERE id = ?1";
const INSERT_REJECT: &str = "INSERT INTO rejects (ingest_id, source, line_number, reason, raw)
     VALUES (?1, ?2, ?3, ?4, ?5)";

fn write_all(
    tx: &Connection,
    opts: &IngestOptions,
    label: &str,
    batches: Receiver<Batch>,
    timeout_us: i64,
    progress: &mut Progress,
    bytes_read: &Arc<std::sync::atomic::AtomicU64>,
) -> Result<IngestReport> {
    tx.execute(
        "INSERT INTO ingests (source, started_at, finished_at, tool_version, lines_read,
             stored, duplicates, rejected, bytes)
         VALUES (?1, ?2, ?2, ?3, 0, 0, 0, 0, 0)",
        params![label, opts.started_at, store::TOOL_VERSION],
    )?;
    let ingest_id = tx.last_insert_rowid();
    let load_started = Instant::now();
    // Into an empty file, the indexes are built once after loading (a sort) instead of
    // taking a random insert per event. Meanwhile `ids` tells new ids from repeated ones;
    // at the first repeat (or when it runs out of room) the id index is built on the spot
    // and the ordinary path, which compares with the stored event, takes over.
    let deferred_index = store::defer_indexes(tx)?;
    let mut ids = deferred_index.then(|| IdSet::new(ID_SET_PAGES));
    let mut report = IngestReport {
        source: label.to_string(),
        ingest_id,
        ..IngestReport::default()
    };
    let mut stored_event = tx.prepare_cached(STORED_EVENT)?;
    let mut append = tx.prepare(APPEND_EVENT)?;
    let mut upsert = None;
    let mut insert_reject = tx.prepare_cached(INSERT_REJECT)?;
    // Customers with new events, and the earliest new event of each.
    let mut touched: BTreeMap<i64, i64> = BTreeMap::new();
    let mut first_us = i64::MAX;
    let mut last_us = i64::MIN;

    for batch in batches {
        for parsed in batch? {
            report.lines_read += 1;
            let reason = match parsed.outcome {
                Ok(e) => {
                    let known_new = match ids.as_mut().map(|set| set.insert(e.id)) {
                        None => false,
                        Some(Insert::New) => true,
                        Some(Insert::Seen | Insert::Full) => {
                            store::create_index(tx, "events_by_id")?;
                            ids = None;
                            false
                        }
                    };
                    let statement = if known_new {
                        &mut append
                    } else {
                        // Prepared only once the unique index exists: ON CONFLICT needs it.
                        match &mut upsert {
                            Some(s) => s,
                            none => none.insert(tx.prepare(INSERT_EVENT)?),
                        }
                    };
                    let inserted = statement.execute(params![
                        e.id,
                        e.kind,
                        e.customer_id,
                        e.timestamp,
                        e.ts_us,
                        e.user_agent,
                        e.ip,
                        e.page,
                        e.referrer,
                        e.query,
                        e.product,
                        e.position,
                        e.extra,
                        ingest_id
                    ])?;
                    if inserted == 1 {
                        report.stored += 1;
                        first_us = first_us.min(e.ts_us);
                        last_us = last_us.max(e.ts_us);
                        if let Some(c) = e.customer_id {
                            let earliest = touched.entry(c).or_insert(e.ts_us);
                            *earliest = (*earliest).min(e.ts_us);
                        }
                        continue;
                    }
                    let existing = stored_event
                        .query_row([e.id], event_from_row)
                        .optional()?
                        .ok_or_else(|| anyhow!("event {} vanished during the ingest", e.id))?;
                    if existing == e {
                        report.duplicates += 1;
                        continue;
                    }
                    format!("id {} already stored with different content", e.id)
                }
                Err(reason) => reason,
            };
            let raw = parsed.raw;
            report.rejected += 1;
            let line = parsed.line_number as i64;
            match std::str::from_utf8(&raw) {
                Ok(text) => insert_reject.execute(params![ingest_id, label, line, reason, text])?,
                Err(_) => insert_reject.execute(params![ingest_id, label, line, reason, raw])?,
            };
        }
        report.bytes = bytes_read.load(std::sync::atomic::Ordering::Relaxed);
        progress.update(report.bytes, report.lines_read);
    }
    report.bytes = bytes_read.load(std::sync::atomic::Ordering::Relaxed);

    if ids.is_some() {
        store::create_index(tx, "events_by_id")?;
    }
    if deferred_index {
        store::create_index(tx, "events_by_customer_time")?;
    }
    report.load_seconds = load_started.elapsed().as_secs_f64();
    let sessionize_started = Instant::now();
    progress.phase(&format!(
        "sessionizing {} customers…",
        progress::thousands(touched.len() as u64)
    ));
    report.customers_resessionized = touched.len() as u64;
    // Into an empty file every customer is new: one ordered scan beats a query per customer.
    report.sessions_written = if deferred_index {
        session_store::rebuild_all(tx, timeout_us)?
    } else {
        session_store::resessionize_customers(
            tx,
            touched.iter().map(|(c, t)| (*c, *t)),
            timeout_us,
        )?
    };
    report.sessionize_seconds = sessionize_started.elapsed().as_secs_f64();
    store::bump_generation(tx)?;

    let (first, last) = if report.stored > 0 {
        (
            Some(timestamp::format_micros(first_us)),
            Some(timestamp::format_micros(last_us)),
        )
    } else {
        (None, None)
    };
    tx.execute(
        "UPDATE ingests SET finished_at = ?2, lines_read = ?3, stored = ?4, duplicates = ?5,
             rejected = ?6, bytes = ?7, first_event_at = ?8, last_event_at = ?9
         WHERE id = ?1",
        params![
            ingest_id,
            crate::clock::now_iso(),
            report.lines_read as i64,
            report.stored as i64,
            report.duplicates as i64,
            report.rejected as i64,
            report.bytes as i64,
            first,
            last
        ],
    )?;
    Ok(report)
}

fn event_from_row(row: &rusqlite::Row) -> rusqlite::Result<Event> {
    Ok(Event {
        id: row.get(0)?,
        kind: row.get(1)?,
        customer_id: row.get(2)?,
        timestamp: row.get(3)?,
        ts_us: row.get(4)?,
        user_agent: row.get(5)?,
        ip: row.get(6)?,
        page: row.get(7)?,
        referrer: row.get(8)?,
        query: row.get(9)?,
        product: row.get(10)?,
        position: row.get(11)?,
        extra: row.get(12)?,
    })
}

fn remove_database_files(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// The one-line summary printed after an ingest.
pub fn describe(r: &IngestReport, elapsed: std::time::Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-9);
    format!(
        "xcc: {} lines from {} in {:.1} s ({} lines/s): {} stored, {} duplicates, {} rejected; {} sessions rebuilt for {} customers",
        progress::thousands(r.lines_read),
        r.source,
        secs,
        progress::thousands((r.lines_read as f64 / secs) as u64),
        progress::thousands(r.stored),
        progress::thousands(r.duplicates),
        progress::thousands(r.rejected),
        progress::thousands(r.sessions_written),
        progress::thousands(r.customers_resessionized),
    )
}
