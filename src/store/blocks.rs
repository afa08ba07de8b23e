//! The `ingest_blocks` table: the blocks each ingest's input was cut into (see
//! `input::blocks`), which a later ingest of the same bytes recognises instead of parsing.

use crate::queries;
use anyhow::{Context, Result};
use rusqlite::{params, Connection};

use super::meta::TOOL_VERSION;
use crate::input::blocks::{Block, CountedBlock, EarlierInput};

/// The inputs of earlier ingests that an ingest reading lines of at most `max_line_bytes`
/// may recognise, newest first.
pub fn earlier_inputs(conn: &Connection, max_line_bytes: usize) -> Result<Vec<EarlierInput>> {
    let mut select = conn.prepare(queries::store::EARLIER_BLOCKS)?;
    let mut rows = select.query(params![TOOL_VERSION, max_line_bytes as i64])?;
    let mut inputs: Vec<EarlierInput> = Vec::new();
    while let Some(row) = rows.next()? {
        let ingest_id: i64 = row.get(0)?;
        let hash: Vec<u8> = row.get(4)?;
        let counted = CountedBlock {
            block: Block {
                end_offset: row.get::<_, i64>(1)? as u64,
                end_line: row.get::<_, i64>(2)? as u64,
                hash: hash.try_into().ok().with_context(|| {
                    format!("ingest {ingest_id} has a block hash that is not 32 bytes")
                })?,
            },
            records: row.get::<_, i64>(3)? as u64,
        };
        match inputs.last_mut() {
            Some(input) if input.ingest_id == ingest_id => input.blocks.push(counted),
            _ => inputs.push(EarlierInput {
                ingest_id,
                blocks: vec![counted],
            }),
        }
    }
    Ok(inputs)
}

/// Records the blocks of an ingest's input, in order.
pub fn record(conn: &Connection, ingest_id: i64, blocks: &[CountedBlock]) -> Result<()> {
    let mut insert = conn.prepare(queries::store::INSERT_BLOCK)?;
    for (i, counted) in blocks.iter().enumerate() {
        let b = &counted.block;
        insert.execute(params![
            ingest_id,
            i as i64,
            b.end_offset as i64,
            b.end_line as i64,
            counted.records as i64,
            &b.hash[..],
        ])?;
    }
    Ok(())
}

/// Records again for ingest `ingest_id` the lines that ingest `from_ingest` rejected between
/// `first_line` and `last_line`; returns how many.
pub fn copy_rejects(
    conn: &Connection,
    ingest_id: i64,
    source: &str,
    from_ingest: i64,
    first_line: u64,
    last_line: u64,
) -> Result<u64> {
    let copied = conn
        .prepare_cached(queries::store::COPY_REJECTS)?
        .execute(params![
            ingest_id,
            source,
            from_ingest,
            first_line as i64,
            last_line as i64
        ])?;
    Ok(copied as u64)
}
