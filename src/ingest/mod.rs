//! An ingest: a source's records into the database in one transaction, with the sessions of
//! every customer who received new events rebuilt inside that same transaction.
//!
//! Reading and parsing run on their own thread (`parse`) and hand batches to the writer
//! (`load`), so the two overlap on two cores; the bounded channel keeps memory flat whatever
//! the input size. A URL downloaded before is asked for conditionally (`refresh`), and a
//! server that says it is unchanged sends nothing to read.

mod load;
mod parse;
mod progress;
pub mod reasons;
mod refresh;
pub mod sessionize;
mod stop;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rusqlite::Connection;
use serde::Serialize;

use crate::format::{calendar::format_micros, escape_controls, thousands};
use crate::input::source::{self, HttpPolicy, Source};
use crate::sessions::{rebuild, sensitivity};
use crate::store::{self, history, ingests, meta};
use load::Loaded;
use parse::Parser;
use progress::Progress;
use reasons::ReasonCount;

/// How an ingest reads its source and writes the file.
pub struct IngestOptions {
    pub db: PathBuf,
    pub quiet: bool,
    pub http: HttpPolicy,
    /// The wall clock, read once at the edge: when the ingest started, in microseconds since
    /// the epoch. Its end is this plus the time measured since.
    pub started_us: i64,
    /// How long to wait for another writer of the same file.
    pub wait: Duration,
    /// The longest line (or array element) held and parsed; longer ones are rejected.
    pub max_record_bytes: usize,
    /// Parse every line, even in blocks an earlier ingest read byte for byte; and so download
    /// a URL whole, even when its server would say it is unchanged since an earlier ingest.
    pub parse_all: bool,
}

/// What one ingest did; `lines_read = stored + duplicates + rejected`.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct IngestReport {
    pub source: String,
    /// Whether the source was gzip, read decompressed.
    pub gzip: bool,
    pub ingest_id: i64,
    pub lines_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub bytes: u64,
    pub customers_resessionized: u64,
    pub sessions_written: u64,
    /// Lines (of those read) in blocks an earlier ingest had read byte for byte, which were
    /// therefore not parsed: duplicates, or rejects recorded again.
    pub recognised: u64,
    /// The three most frequent reasons for rejecting lines, with how many lines each.
    pub top_reject_reasons: Vec<ReasonCount>,
    /// Wall-clock seconds of each phase, for benchmarks: reading, parsing and storing the
    /// lines; rebuilding sessions; committing and checkpointing.
    pub load_seconds: f64,
    pub sessionize_seconds: f64,
    pub commit_seconds: f64,
    /// For a URL whose server answered 304 Not Modified: the ingest whose download is
    /// unchanged, and nothing was read (every count 0). None when a body was read.
    pub unchanged_since: Option<Unchanged>,
}

/// The earlier ingest that a refresh of a URL found unchanged.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unchanged {
    pub ingest_id: i64,
    /// When it committed, as the ledger has it (UTC text).
    pub finished_at: String,
}

pub fn run(source: Source, opts: &IngestOptions) -> Result<IngestReport> {
    // Taken with the wall clock's reading in `opts.started_us`, so that the two give the end.
    let started = Instant::now();
    let label = source.label();
    let url = match &source {
        Source::Url(url) => Some(url.clone()),
        _ => None,
    };
    let earlier = refresh::earlier_download(opts, url.as_deref());
    // The source is opened before the database is touched, so a 404 or a missing file
    // leaves no trace.
    let known = earlier.as_ref().map(|e| &e.validators);
    let Some(opened) = source::open(source, &opts.http, known)? else {
        // Only a conditional GET is answered as unchanged (input::http), and only an
        // earlier download makes one.
        let earlier = earlier.context("a download was unchanged since no earlier one")?;
        return refresh::record_unchanged(opts, &label, &earlier, started)
            .map_err(|e| not_committed(opts, e));
    };
    if let (false, Some(url)) = (opts.quiet, &url) {
        eprintln!("{}", announce_download(url, opened.total_bytes));
    }
    let gzip = opened.gzip;
    let existed = opts.db.exists();
    let (mut report, conn) = match ingest_into(opts, &label, opened, started) {
        Ok(done) => done,
        Err(e) => {
            if !existed {
                store::remove_database_files(&opts.db);
            }
            return Err(not_committed(opts, e));
        }
    };
    report.gzip = gzip;
    // Committed: from here on nothing is removed, whatever happens.
    let resting = Instant::now();
    store::leave_at_rest(&conn, &opts.db)?;
    report.commit_seconds += resting.elapsed().as_secs_f64();
    Ok(report)
}

/// The error of an ingest that did not commit, as the user reads it. Ctrl-C also stops a
/// running statement (the store's progress handler): the ingest says it stopped, whichever
/// step it was in.
fn not_committed(opts: &IngestOptions, e: anyhow::Error) -> anyhow::Error {
    if crate::interrupt::requested() {
        return anyhow::anyhow!("{}", stop::STOPPED);
    }
    store::explain(&opts.db, e)
}

/// What a download is, said before it starts (on a terminal and in a log alike): its URL and
/// size, and whether it is the default source, so that nobody fetches 195 MB unawares.
fn announce_download(url: &str, size: Option<u64>) -> String {
    let size = size.map_or(
        "size not given by the server".to_string(),
        crate::format::human_bytes,
    );
    let default = if url == source::DEFAULT_URL {
        "; the public events file, read when no source is given (give a file, or - for stdin, to read another)"
    } else {
        ""
    };
    format!("xcc: downloading {url} ({size}){default}")
}

fn ingest_into(
    opts: &IngestOptions,
    label: &str,
    opened: source::Opened,
    started: Instant,
) -> Result<(IngestReport, Connection)> {
    let mut conn = crate::upgrade::open_for_write(&opts.db, opts.wait)?;
    let mut progress = Progress::new(opts.quiet, opened.total_bytes);
    let earlier = if opts.parse_all {
        Vec::new()
    } else {
        store::blocks::earlier_inputs(&conn, opts.max_record_bytes)?
    };
    let mut parser = Parser::spawn(opened, label, opts.max_record_bytes, earlier)?;
    store::use_rollback_journal_if_empty(&conn);
    store::trust_own_references(&conn)?;
    let tx = store::begin_write(&mut conn, &opts.db, opts.wait)?;
    // On error the transaction is dropped, which rolls everything back.
    let written = write(&tx, opts, label, &mut parser, &mut progress, started);
    let mut report = match written {
        Ok(report) => report,
        Err(e) => {
            progress.clear();
            // Rolled back; the file goes back to the mode it rests in.
            drop(tx);
            let _ = store::leave_at_rest(&conn, &opts.db);
            return Err(e);
        }
    };
    let commit_started = Instant::now();
    progress.phase("committing…");
    tx.commit()
        .with_context(|| format!("cannot commit to {}", opts.db.display()))?;
    progress.clear();
    report.commit_seconds = commit_started.elapsed().as_secs_f64();
    Ok((report, conn))
}

/// Everything an ingest writes, inside its transaction: the ledger row, the events and
/// rejects, the sessions of the customers touched.
fn write(
    tx: &Connection,
    opts: &IngestOptions,
    label: &str,
    parser: &mut Parser,
    progress: &mut Progress,
    started: Instant,
) -> Result<IngestReport> {
    let before = history::figures(tx)?;
    let latest_before = history::latest_event(tx)?
        .map(|text| crate::input::timestamp::parse(&text).map(|t| t.micros))
        .transpose()
        .map_err(|e| anyhow::anyhow!("the ledger's latest event time cannot be read: {e:?}"))?;
    let started_at = format_micros(opts.started_us);
    let ingest_id = ingests::start(
        tx,
        label,
        &started_at,
        opts.max_record_bytes,
        &parser.validators,
    )?;
    let load_started = Instant::now();
    let loaded = load::load(tx, ingest_id, label, parser, progress, latest_before)?;
    if let Some(blocks) = &loaded.blocks {
        store::blocks::record(tx, ingest_id, blocks)?;
    }
    let load_seconds = load_started.elapsed().as_secs_f64();

    let sessionize_started = Instant::now();
    progress.phase(&format!(
        "sessionizing {} customers…",
        thousands(loaded.touched.len() as u64)
    ));
    let sessions_written = sessionize(tx, &loaded, progress)?;
    let sessionize_seconds = sessionize_started.elapsed().as_secs_f64();
    // A Ctrl-C while the sessions were rebuilt still stops the ingest: nothing is committed.
    stop::stop_if_interrupted()?;
    let mut report = IngestReport::of(label, ingest_id, &loaded, sessions_written);
    if loaded.rejected > 0 {
        report.top_reject_reasons =
            reasons::most_frequent(store::rejects::reasons(tx, ingest_id)?, 3);
    }
    meta::bump_generation(tx)?;
    let finished_us = opts.started_us + started.elapsed().as_micros() as i64;
    ingests::finish(tx, ingest_id, &ledger(&loaded, finished_us))?;
    record_change(tx, &report, &loaded, before, finished_us)?;
    report.load_seconds = load_seconds;
    report.sessionize_seconds = sessionize_seconds;
    Ok(report)
}

/// The ingest's row of the history: the figures before and after it, and what it changed.
fn record_change(
    tx: &Connection,
    report: &IngestReport,
    loaded: &Loaded,
    before: history::Figures,
    finished_us: i64,
) -> Result<()> {
    history::record(
        tx,
        &history::Change {
            command: "ingest",
            ingest_id: Some(report.ingest_id),
            finished_at: &format_micros(finished_us),
            timeout_seconds: meta::session_timeout_seconds(tx)?,
            before,
            after: history::figures(tx)?,
            new_events: loaded.stored,
            late_events: loaded.late,
            customers_touched: loaded.touched.len() as u64,
            sessions_rebuilt: report.sessions_written,
        },
    )
}

impl IngestReport {
    /// What an ingest of `label` loaded and sessionized; its phases' times and the most
    /// frequent reject reasons are filled in after.
    fn of(label: &str, ingest_id: i64, loaded: &Loaded, sessions_written: u64) -> IngestReport {
        IngestReport {
            source: label.to_string(),
            gzip: false,
            ingest_id,
            lines_read: loaded.lines_read,
            stored: loaded.stored,
            duplicates: loaded.duplicates,
            rejected: loaded.rejected,
            bytes: loaded.bytes,
            customers_resessionized: loaded.touched.len() as u64,
            sessions_written,
            recognised: loaded.recognised,
            top_reject_reasons: Vec::new(),
            load_seconds: 0.0,
            sessionize_seconds: 0.0,
            commit_seconds: 0.0,
            unchanged_since: None,
        }
    }
}

/// The sessions of the customers with new events, their order rows, and the sensitivity
/// rows the file carries (swept from every event).
fn sessionize(tx: &Connection, loaded: &Loaded, progress: &mut Progress) -> Result<u64> {
    let timeout_us = meta::session_timeout_seconds(tx)? * 1_000_000;
    // Into an empty file every customer is new: one ordered scan beats a query per customer,
    // and the sweep reads the same scan.
    if loaded.bulk_load {
        return rebuild::rebuild_all(tx, timeout_us);
    }
    let written = rebuild::resessionize_customers(
        tx,
        loaded.touched.iter().map(|(c, t)| (*c, *t)),
        timeout_us,
    )?;
    // No event stored, no session changed: the rows carried are the sweep's already.
    if loaded.stored > 0 || sensitivity::carried(tx)?.is_none() {
        progress.phase("sweeping the other session timeouts…");
        sensitivity::refresh(tx)?;
    }
    Ok(written)
}

fn ledger(loaded: &Loaded, finished_us: i64) -> ingests::Finished {
    ingests::Finished {
        finished_at: format_micros(finished_us),
        lines_read: loaded.lines_read,
        stored: loaded.stored,
        duplicates: loaded.duplicates,
        rejected: loaded.rejected,
        bytes: loaded.bytes,
        first_event_at: loaded.time_range.map(|(first, _)| format_micros(first)),
        last_event_at: loaded.time_range.map(|(_, last)| format_micros(last)),
    }
}

impl IngestReport {
    /// The one-line summary printed after an ingest.
    pub fn describe(&self, elapsed: Duration) -> String {
        if let Some(since) = &self.unchanged_since {
            return unchanged_sentence(&self.source, since);
        }
        let secs = elapsed.as_secs_f64().max(1e-9);
        let recognised = if self.recognised > 0 {
            format!(
                " ({} of them recognised unchanged from an earlier ingest, not parsed again)",
                thousands(self.recognised)
            )
        } else {
            String::new()
        };
        format!(
            "xcc: {} lines from {}{} in {:.1} s ({} lines/s){recognised}: {} stored, {} duplicates, {} rejected; {} sessions rebuilt for {} customers",
            thousands(self.lines_read),
            self.source,
            if self.gzip { " (gzip)" } else { "" },
            secs,
            thousands((self.lines_read as f64 / secs) as u64),
            thousands(self.stored),
            thousands(self.duplicates),
            thousands(self.rejected),
            thousands(self.sessions_written),
            thousands(self.customers_resessionized),
        ) + &self.describe_reasons()
    }

    /// A second line when lines were rejected: the most frequent reasons, so that nobody has
    /// to open the file to learn why.
    fn describe_reasons(&self) -> String {
        if self.top_reject_reasons.is_empty() {
            return String::new();
        }
        let reasons: Vec<String> = self
            .top_reject_reasons
            .iter()
            .map(|r| format!("{} × {}", thousands(r.lines), r.reason))
            .collect();
        let shown: u64 = self.top_reject_reasons.iter().map(|r| r.lines).sum();
        let others = if shown < self.rejected {
            format!("; {} for other reasons", thousands(self.rejected - shown))
        } else {
            String::new()
        };
        format!(
            "\nxcc: rejected: {}{others} (every line and its reason is in the rejects table)",
            reasons.join("; ")
        )
    }
}

/// What an ingest of a URL whose server answered 304 Not Modified says. The time comes from
/// the file, which anyone may have written: it is shown escaped.
pub fn unchanged_sentence(source: &str, since: &Unchanged) -> String {
    format!(
        "xcc: {source} is unchanged since ingest {}, finished {} (the server answered 304 Not Modified): nothing to ingest",
        since.ingest_id,
        escape_controls(&since.finished_at)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_download_says_what_it_is() {
        assert_eq!(
            announce_download(source::DEFAULT_URL, Some(195_293_411)),
            format!("xcc: downloading {} (195.3 MB); the public events file, read when no source is given (give a file, or - for stdin, to read another)", source::DEFAULT_URL)
        );
        assert_eq!(
            announce_download("http://127.0.0.1:9/e.json", None),
            "xcc: downloading http://127.0.0.1:9/e.json (size not given by the server)"
        );
    }
}
