//! The parser thread: reads the source, splits it into records and parses each into an event
//! or a reject reason, handing batches to the writer over a bounded channel, so that parsing
//! and writing overlap on two cores and memory stays flat whatever the input size.
//!
//! The end of the input is a message of its own. A channel that closes without it means the
//! thread died (a panic, or a reader that ended early), which is an error, never a shorter
//! ingest: the writer commits only after [`Parser::next_batch`] has seen the end and the
//! thread has been joined cleanly.

use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use anyhow::{anyhow, bail, Context, Result};

use crate::format::{shorten, thousands};
use crate::input::event::{parse_event, Event};
use crate::input::records::RecordReader;
use crate::input::source::Opened;

const BATCH: usize = 1024;
/// Batches in flight between the parser and the writer: enough to smooth out pauses,
/// few enough that memory stays small.
const BATCHES_IN_FLIGHT: usize = 8;
const READ_BUFFER: usize = 1 << 20;

/// One record of the input, parsed.
pub struct Parsed {
    pub line_number: u64,
    /// The record as read, kept until written in case it has to be rejected.
    pub raw: Vec<u8>,
    /// The event, or why the record is rejected.
    pub outcome: Result<Event, String>,
}

enum Message {
    Batch(Vec<Parsed>),
    /// The input was read to its end.
    End,
    /// Reading the input failed (a broken download, an unreadable file).
    Failed(anyhow::Error),
}

/// The running parser thread and the receiving end of its batches.
pub struct Parser {
    label: String,
    messages: Receiver<Message>,
    thread: Option<JoinHandle<()>>,
    bytes_read: Arc<AtomicU64>,
}

impl Parser {
    /// Starts parsing `opened` on its own thread; `label` names the source in errors.
    /// Records longer than `max_record_bytes` are rejected without being held.
    pub fn spawn(opened: Opened, label: &str, max_record_bytes: usize) -> Result<Parser> {
        let (sender, messages) = sync_channel(BATCHES_IN_FLIGHT);
        let bytes_read = opened.bytes_read.clone();
        let context = format!("reading {label}");
        let thread = thread::Builder::new()
            .name("xcc-parse".into())
            .spawn(move || {
                let reader = BufReader::with_capacity(READ_BUFFER, opened.reader);
                let records = RecordReader::with_max(reader, max_record_bytes);
                let last = match parse_records(records, max_record_bytes, &sender) {
                    Ok(()) => Message::End,
                    Err(e) => Message::Failed(e.context(context)),
                };
                // A writer that stopped has its own error to report.
                let _ = sender.send(last);
            })
            .context("cannot start the parser thread")?;
        Ok(Parser {
            label: label.to_string(),
            messages,
            thread: Some(thread),
            bytes_read,
        })
    }

    /// The next batch of records; `None` only at the end of the input, once the thread has
    /// said so and ended cleanly.
    pub fn next_batch(&mut self) -> Result<Option<Vec<Parsed>>> {
        match self.messages.recv() {
            Ok(Message::Batch(batch)) => Ok(Some(batch)),
            Ok(Message::Failed(e)) => Err(e),
            Ok(Message::End) => {
                self.join()?;
                Ok(None)
            }
            Err(_) => {
                self.join()?;
                bail!(
                    "reading {} failed: the parser stopped before the end of the input; nothing was stored",
                    self.label
                )
            }
        }
    }

    /// Bytes of the source read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::Relaxed)
    }

    fn join(&mut self) -> Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        thread.join().map_err(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            anyhow!(
                "reading {} failed: the parser thread panicked ({why}); nothing was stored",
                self.label
            )
        })
    }
}

fn parse_records(
    mut records: RecordReader<impl BufRead>,
    max_record_bytes: usize,
    sender: &SyncSender<Message>,
) -> Result<()> {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(record) = records.next_record()? {
        let outcome = match record.oversized {
            None => parse_event(&record.bytes),
            Some(length) => Err(too_long(length, max_record_bytes, &record.bytes)),
        };
        batch.push(Parsed {
            line_number: record.line_number,
            outcome,
            raw: record.bytes,
        });
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if sender.send(Message::Batch(full)).is_err() {
                bail!("the writer stopped");
            }
        }
    }
    if !batch.is_empty() && sender.send(Message::Batch(batch)).is_err() {
        bail!("the writer stopped");
    }
    Ok(())
}

/// The reject reason of a record too long to hold; its first bytes are the raw text kept.
fn too_long(length: u64, max: usize, start: &[u8]) -> String {
    format!(
        "line of {} bytes is longer than the maximum of {} bytes (--max-line-bytes); it starts with '{}'",
        thousands(length),
        thousands(max as u64),
        shorten(&String::from_utf8_lossy(start), 60)
    )
}
