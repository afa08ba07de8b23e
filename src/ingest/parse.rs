//! The parser thread: reads the source, splits it into records and parses each into an event
//! or a reject reason, handing batches to the writer over a bounded channel, so that parsing
//! and writing overlap on two cores and memory stays flat whatever the input size.
//!
//! First the thread skips the blocks at the start of the input that an earlier ingest read
//! byte for byte (`input::blocks`), handing each over as known, then it parses the rest.
//!
//! The end of the input is a message of its own. A channel that closes without it means the
//! thread died (a panic, or a reader that ended early), which is an error, never a shorter
//! ingest: the writer commits only after [`Parser::next_batch`] has seen the end and the
//! thread has been joined cleanly.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

use crate::format::{shorten, thousands};
use crate::input::blocks::RecordCounter;
use crate::input::blocks::{self, CountedBlock, Cutter, CuttingReader, EarlierInput, KnownBlock};
use crate::input::event::{parse_event, Event};
use crate::input::records::RecordReader;
use crate::input::source::Opened;
use crate::input::validators::Validators;

const BATCH: usize = 1024;
/// Batches in flight between the parser and the writer: enough to smooth out pauses,
/// few enough that memory stays small.
const BATCHES_IN_FLIGHT: usize = 8;
const READ_BUFFER: usize = 1 << 20;
/// How often the writer, waiting for the next batch, looks whether Ctrl-C was pressed: the
/// parser thread may be waiting for input that does not come (a stalled pipe or download).
const INTERRUPT_POLL: Duration = Duration::from_millis(100);

/// One record of the input, parsed.
pub struct Parsed {
    pub line_number: u64,
    /// The record as read, kept until written in case it has to be rejected.
    pub raw: Vec<u8>,
    /// The event, or why the record is rejected.
    pub outcome: Result<Event, String>,
}

/// What the parser hands over next.
pub enum Input {
    Parsed(Vec<Parsed>),
    /// A block at the start of the input that an earlier ingest read byte for byte.
    Known(KnownBlock),
}

enum Message {
    Input(Input),
    /// The input was read to its end: its blocks when it was JSON lines.
    End(Option<Vec<CountedBlock>>),
    /// Reading the input failed (a broken download, an unreadable file).
    Failed(anyhow::Error),
}

/// The running parser thread and the receiving end of its batches.
pub struct Parser {
    label: String,
    messages: Receiver<Message>,
    /// Batches the writer is done with, sent back to be freed by the thread that allocated
    /// them: freeing another thread's memory costs the allocator more, on the busier core.
    done: SyncSender<Vec<Parsed>>,
    thread: Option<JoinHandle<()>>,
    bytes_read: Arc<AtomicU64>,
    /// The blocks of the parsed part of the input, once it has ended.
    blocks: Option<Vec<CountedBlock>>,
    /// What the server of a URL said identifies the body read (none for other sources), for
    /// the ledger.
    pub validators: Validators,
}

impl Parser {
    /// Starts parsing `opened` on its own thread; `label` names the source in errors.
    /// Records longer than `max_record_bytes` are rejected without being held. Blocks at the
    /// start that are blocks of one of the `earlier` inputs are handed over unparsed.
    pub fn spawn(
        opened: Opened,
        label: &str,
        max_record_bytes: usize,
        earlier: Vec<EarlierInput>,
    ) -> Result<Parser> {
        let (sender, messages) = sync_channel(BATCHES_IN_FLIGHT);
        let (done, to_free) = sync_channel(BATCHES_IN_FLIGHT);
        let bytes_read = opened.bytes_read.clone();
        let validators = opened.validators.clone();
        let context = format!("reading {label}");
        let thread = thread::Builder::new()
            .name("xcc-parse".into())
            .spawn(move || {
                let out = Output {
                    sender: &sender,
                    to_free: &to_free,
                };
                let last = match read_all(opened.reader, &earlier, max_record_bytes, &out) {
                    Ok(blocks) => Message::End(blocks),
                    Err(e) => Message::Failed(e.context(context)),
                };
                // A writer that stopped has its own error to report.
                let _ = sender.send(last);
            })
            .context("cannot start the parser thread")?;
        Ok(Parser {
            label: label.to_string(),
            messages,
            done,
            thread: Some(thread),
            bytes_read,
            blocks: None,
            validators,
        })
    }

    /// The next known block or batch of records; `None` only at the end of the input, once
    /// the thread has said so and ended cleanly.
    pub fn next(&mut self) -> Result<Option<Input>> {
        let message = loop {
            match self.messages.recv_timeout(INTERRUPT_POLL) {
                Ok(message) => break Ok(message),
                Err(RecvTimeoutError::Timeout) => super::stop::stop_if_interrupted()?,
                Err(RecvTimeoutError::Disconnected) => break Err(()),
            }
        };
        match message {
            Ok(Message::Input(input)) => Ok(Some(input)),
            Ok(Message::Failed(e)) => Err(e),
            Ok(Message::End(blocks)) => {
                self.join()?;
                self.blocks = blocks;
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

    /// Hands a written batch back to the parser thread to be freed there.
    pub fn recycle(&self, batch: Vec<Parsed>) {
        // A full channel or an ended thread: freed here instead.
        let _ = self.done.try_send(batch);
    }

    /// The blocks of the input after the known ones, with their records counted; `None`
    /// before the end, or when the input was not JSON lines.
    pub fn take_blocks(&mut self) -> Option<Vec<CountedBlock>> {
        self.blocks.take()
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

/// The parser thread's ends of its two channels.
struct Output<'a> {
    sender: &'a SyncSender<Message>,
    to_free: &'a Receiver<Vec<Parsed>>,
}

impl Output<'_> {
    fn send(&self, message: Message) -> Result<()> {
        // The batches the writer is done with are freed here, on the thread that made them.
        while self.to_free.try_recv().is_ok() {}
        self.sender
            .send(message)
            .map_err(|_| anyhow!("the writer stopped"))
    }
}

/// Everything the thread does: skips the known blocks, then parses the rest while cutting it
/// into blocks of its own; returns those blocks when the input was JSON lines.
fn read_all(
    mut reader: Box<dyn Read + Send>,
    earlier: &[EarlierInput],
    max_record_bytes: usize,
    out: &Output,
) -> Result<Option<Vec<CountedBlock>>> {
    let resume = blocks::skip_known(&mut reader, earlier, |known| {
        out.send(Message::Input(Input::Known(known)))
    })?;
    let cutting = CuttingReader::new(
        Cursor::new(resume.pending).chain(reader),
        Cutter::new(resume.offset, resume.lines),
    );
    let closed = cutting.blocks();
    let buffered = BufReader::with_capacity(READ_BUFFER, cutting);
    let mut records = if resume.blocks > 0 {
        RecordReader::lines_from(buffered, max_record_bytes, resume.lines + 1)
    } else {
        RecordReader::with_max(buffered, max_record_bytes)
    };
    let mut counter = RecordCounter::default();
    parse_records(&mut records, max_record_bytes, out, |line| {
        counter.record(line, &mut closed.borrow_mut())
    })?;
    let blocks = counter.finish(&mut closed.borrow_mut());
    Ok(records.only_lines().then_some(blocks))
}

/// Parses every record and sends them in batches; `on_record` sees each record's line.
fn parse_records(
    records: &mut RecordReader<impl BufRead>,
    max_record_bytes: usize,
    out: &Output,
    mut on_record: impl FnMut(u64),
) -> Result<()> {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(record) = records.next_record()? {
        on_record(record.line_number);
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
            out.send(Message::Input(Input::Parsed(full)))?;
        }
    }
    if !batch.is_empty() {
        out.send(Message::Input(Input::Parsed(batch)))?;
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
