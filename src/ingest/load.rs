//! The writer's side of an ingest: every parsed record into the events table or the rejects
//! table, counted, with what sessionizing needs to know afterwards.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use rusqlite::Connection;

use super::parse::{Input, Parsed, Parser};
use super::progress::Progress;
use crate::input::blocks::{CountedBlock, KnownBlock};
use crate::input::event::Event;
use crate::input::sniff::Sniffer;
use crate::store::blocks;
use crate::store::events::{EventWriter, Written};
use crate::store::rejects::RejectWriter;

/// What loading the records did; `lines_read = stored + duplicates + rejected`.
#[derive(Debug, Default)]
pub struct Loaded {
    pub lines_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub bytes: u64,
    /// Customers with new events, and the earliest new event of each.
    pub touched: BTreeMap<i64, i64>,
    /// The earliest and latest timestamp among the events stored.
    pub time_range: Option<(i64, i64)>,
    /// Whether this was the first load into an empty file.
    pub bulk_load: bool,
    /// Records in blocks an earlier ingest read byte for byte, which were not parsed.
    pub recognised: u64,
    /// Events stored that are older than the latest event stored before this load.
    pub late: u64,
    /// That latest event, in microseconds.
    latest_before: Option<i64>,
    /// The blocks of the input, known ones first; `None` when it was not JSON lines.
    pub blocks: Option<Vec<CountedBlock>>,
}

impl Loaded {
    fn note_stored(&mut self, e: &Event) {
        self.stored += 1;
        if self.latest_before.is_some_and(|latest| e.ts_us < latest) {
            self.late += 1;
        }
        let (first, last) = self.time_range.get_or_insert((e.ts_us, e.ts_us));
        *first = (*first).min(e.ts_us);
        *last = (*last).max(e.ts_us);
        if let Some(customer) = e.customer_id {
            let earliest = self.touched.entry(customer).or_insert(e.ts_us);
            *earliest = (*earliest).min(e.ts_us);
        }
    }
}

/// Writes every record the parser hands over, inside the caller's transaction, until the
/// parser reports the end of the input.
pub fn load(
    conn: &Connection,
    ingest_id: i64,
    source: &str,
    parser: &mut Parser,
    progress: &mut Progress,
    latest_before: Option<i64>,
) -> Result<Loaded> {
    let mut events = EventWriter::new(conn, ingest_id)?;
    let mut rejects = RejectWriter::new(conn, ingest_id, source)?;
    let mut loaded = Loaded {
        bulk_load: events.is_bulk_load(),
        latest_before,
        ..Loaded::default()
    };
    let mut known = Vec::new();
    let mut sniffer = Sniffer::default();
    while let Some(input) = parser.next()? {
        match input {
            Input::Parsed(batch) => {
                for parsed in &batch {
                    sniffer.look(&parsed.raw, parsed.outcome.is_err());
                    write_one(parsed, &mut events, &mut rejects, &mut loaded)?;
                }
                parser.recycle(batch);
            }
            Input::Known(block) => {
                sniffer.look_at_known();
                note_known(conn, ingest_id, source, &block, &mut loaded)?;
                known.push(block.counted);
            }
        }
        refuse_if_not_json(source, sniffer.not_json())?;
        super::stop::stop_if_interrupted()?;
        progress.update(parser.bytes_read(), loaded.lines_read);
    }
    refuse_if_not_json(source, sniffer.not_json_at_end())?;
    loaded.bytes = parser.bytes_read();
    loaded.blocks = parser.take_blocks().map(|parsed| {
        known.extend(parsed);
        known
    });
    events.finish()?;
    Ok(loaded)
}

/// Stops the ingest (its transaction rolls back) when the input is not JSON lines at all.
fn refuse_if_not_json(source: &str, not_json: Option<String>) -> Result<()> {
    if let Some(why) = not_json {
        bail!("{source} is not JSON lines: {why}; nothing was written");
    }
    Ok(())
}

/// A block read byte for byte by an earlier ingest: its records are what they were then,
/// with every stored event now a duplicate, and its rejects are recorded again.
fn note_known(
    conn: &Connection,
    ingest_id: i64,
    source: &str,
    block: &KnownBlock,
    loaded: &mut Loaded,
) -> Result<()> {
    let records = block.counted.records;
    let rejected = blocks::copy_rejects(
        conn,
        ingest_id,
        source,
        block.ingest_id,
        block.first_line,
        block.counted.block.end_line,
    )?;
    let duplicates = records.checked_sub(rejected).with_context(|| {
        format!(
            "ingest {} recorded more rejects in lines {}-{} than it read lines",
            block.ingest_id, block.first_line, block.counted.block.end_line
        )
    })?;
    loaded.lines_read += records;
    loaded.rejected += rejected;
    loaded.duplicates += duplicates;
    loaded.recognised += records;
    Ok(())
}

/// One record ends in exactly one place: stored, counted as a duplicate, or rejected.
fn write_one(
    parsed: &Parsed,
    events: &mut EventWriter,
    rejects: &mut RejectWriter,
    loaded: &mut Loaded,
) -> Result<()> {
    loaded.lines_read += 1;
    let conflict;
    let reason = match &parsed.outcome {
        Ok(event) => match events.write(event)? {
            Written::Stored => {
                loaded.note_stored(event);
                return Ok(());
            }
            Written::Duplicate => {
                loaded.duplicates += 1;
                return Ok(());
            }
            Written::Conflict => {
                conflict = format!("id {} already stored with different content", event.id);
                &conflict
            }
        },
        Err(reason) => reason,
    };
    loaded.rejected += 1;
    rejects.record(parsed.line_number, reason, &parsed.raw)
}
