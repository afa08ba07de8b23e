//! Blocks of an input, cut by its content and hashed, so that a later ingest can recognise
//! bytes an earlier one has already read and skip parsing them.
//!
//! The public file is republished whole with new lines at its end, so the everyday ingest
//! reads hundreds of megabytes of which all but the end are unchanged. A block ends at the
//! first line break at or after [`BLOCK_BYTES`] from its start (or at the end of the input),
//! so the cut points depend on the bytes alone: two inputs that begin with the same bytes
//! begin with the same blocks, and the first block that differs (or that an earlier input
//! ended in) is where parsing has to resume.

use std::cell::RefCell;
use std::io::{self, Read};
use std::rc::Rc;

/// The least size of a block: 1 MiB, some 3,600 lines of the real file. Small enough that a
/// changed or appended tail costs little to parse again, large enough that hashing runs at
/// full speed and the table of blocks stays small (about 280 rows per 1M lines).
pub const BLOCK_BYTES: u64 = 1 << 20;
/// Bytes asked of the input at a time while looking for known blocks.
const CHUNK: usize = 1 << 16;

/// One block of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Bytes from the start of the input to the end of the block.
    pub end_offset: u64,
    /// The number of the block's last line (1-based).
    pub end_line: u64,
    /// BLAKE3 of the block's bytes.
    pub hash: [u8; 32],
}

/// A block with the number of records (non-blank lines) in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedBlock {
    pub block: Block,
    pub records: u64,
}

/// The blocks of an input an earlier ingest read as JSON lines.
#[derive(Debug, Clone)]
pub struct EarlierInput {
    pub ingest_id: i64,
    pub blocks: Vec<CountedBlock>,
}

/// A block at the start of this input that is byte for byte a block of an earlier ingest's:
/// its records are what they were then, so nothing in it needs parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownBlock {
    pub ingest_id: i64,
    pub first_line: u64,
    pub counted: CountedBlock,
}

/// Cuts a stream of bytes into blocks and hashes them, fed in pieces as they are read.
pub struct Cutter {
    hasher: blake3::Hasher,
    /// Bytes and line breaks from the start of the input through what was fed.
    offset: u64,
    newlines: u64,
    /// Bytes of the block being cut.
    in_block: u64,
    last_byte: Option<u8>,
}

impl Cutter {
    /// A cutter for an input read from `offset` on, where `lines` lines have ended before it.
    pub fn new(offset: u64, lines: u64) -> Self {
        Cutter {
            hasher: blake3::Hasher::new(),
            offset,
            newlines: lines,
            in_block: 0,
            last_byte: None,
        }
    }

    /// Hashes `bytes` up to the end of the block they end, if they end one: returns how many
    /// bytes were taken and the block that was closed; the caller feeds the rest again.
    pub fn feed(&mut self, bytes: &[u8]) -> (usize, Option<Block>) {
        let before_minimum = (BLOCK_BYTES - self.in_block.min(BLOCK_BYTES)) as usize;
        let (head, tail) = bytes.split_at(before_minimum.min(bytes.len()));
        self.take(head);
        // Past the minimum, the block ends with the next line break.
        let Some(end) = tail.iter().position(|&c| c == b'\n') else {
            self.take(tail);
            return (bytes.len(), None);
        };
        self.take(&tail[..=end]);
        (head.len() + end + 1, Some(self.close()))
    }

    /// Closes the last block at the end of the input, unless it is empty.
    pub fn finish(&mut self) -> Option<Block> {
        (self.in_block > 0).then(|| {
            let unfinished_line = self.last_byte != Some(b'\n');
            let mut block = self.close();
            block.end_line += u64::from(unfinished_line);
            block
        })
    }

    fn take(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.hasher.update(bytes);
        self.offset += bytes.len() as u64;
        self.in_block += bytes.len() as u64;
        self.newlines += count_newlines(bytes);
        self.last_byte = bytes.last().copied();
    }

    fn close(&mut self) -> Block {
        let block = Block {
            end_offset: self.offset,
            end_line: self.newlines,
            hash: *self.hasher.finalize().as_bytes(),
        };
        self.hasher.reset();
        self.in_block = 0;
        block
    }
}

/// Line breaks in `bytes`, counted in runs of 255 bytes whose sums fit a byte, a shape the
/// compiler turns into vector instructions (twice the speed of a plain filter-count here).
fn count_newlines(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|run| u64::from(run.iter().map(|&c| u8::from(c == b'\n')).sum::<u8>()))
        .sum()
}

/// A reader that cuts and hashes what passes through it; the blocks it closed wait in
/// [`CuttingReader::blocks`] for the parser to count their records.
pub struct CuttingReader<R> {
    inner: R,
    cutter: Cutter,
    blocks: Rc<RefCell<Vec<Block>>>,
    ended: bool,
}

impl<R: Read> CuttingReader<R> {
    pub fn new(inner: R, cutter: Cutter) -> Self {
        CuttingReader {
            inner,
            cutter,
            blocks: Rc::default(),
            ended: false,
        }
    }

    /// The blocks closed so far, shared with whoever reads through this reader.
    pub fn blocks(&self) -> Rc<RefCell<Vec<Block>>> {
        self.blocks.clone()
    }
}

impl<R: Read> Read for CuttingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let (taken, closed) = self.cutter.feed(rest);
            self.blocks.borrow_mut().extend(closed);
            rest = &rest[taken..];
        }
        if n == 0 && !buf.is_empty() && !self.ended {
            self.ended = true;
            self.blocks.borrow_mut().extend(self.cutter.finish());
        }
        Ok(n)
    }
}

/// Gives each closed block its count of records, as records arrive in line order: a block
/// is counted once a record after its last line arrives, or at the end of the input.
#[derive(Default)]
pub struct RecordCounter {
    counted: Vec<CountedBlock>,
    records: u64,
    records_before: u64,
}

impl RecordCounter {
    /// Notes a record starting on `line`; `closed` are the blocks cut so far, oldest first.
    pub fn record(&mut self, line: u64, closed: &mut Vec<Block>) {
        let done = closed.iter().take_while(|b| b.end_line < line).count();
        for block in closed.drain(..done) {
            self.count(block);
        }
        self.records += 1;
    }

    /// Counts the blocks left at the end of the input: the records not yet counted belong to
    /// the first of them; any after it hold only blank lines.
    pub fn finish(mut self, closed: &mut Vec<Block>) -> Vec<CountedBlock> {
        for block in closed.drain(..) {
            self.count(block);
        }
        self.counted
    }

    fn count(&mut self, block: Block) {
        self.counted.push(CountedBlock {
            block,
            records: self.records - self.records_before,
        });
        self.records_before = self.records;
    }
}

/// Where the input stands after its known blocks: the bytes read past them (to be parsed
/// first), the offset those bytes start at, and the lines before it.
pub struct Resume {
    pub pending: Vec<u8>,
    pub offset: u64,
    pub lines: u64,
    /// How many blocks were known, to number the ones that follow.
    pub blocks: u64,
}

/// Reads the blocks at the start of `input` for as long as each is byte for byte the block
/// at the same place in one of the `earlier` inputs, and hands each to `known`; stops at the
/// first block that differs from all of them, or that none of them has. At most one block
/// (plus a chunk) is held in memory.
pub fn skip_known(
    input: &mut impl Read,
    earlier: &[EarlierInput],
    mut known: impl FnMut(KnownBlock) -> anyhow::Result<()>,
) -> anyhow::Result<Resume> {
    let mut candidates: Vec<&EarlierInput> = earlier.iter().collect();
    let mut resume = Resume {
        pending: Vec::new(),
        offset: 0,
        lines: 0,
        blocks: 0,
    };
    let mut cutter = Cutter::new(0, 0);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let index = resume.blocks as usize;
        candidates.retain(|c| c.blocks.len() > index);
        // No earlier input goes this far, or this block is longer than all of theirs.
        let Some(longest) = candidates
            .iter()
            .map(|c| c.blocks[index].block.end_offset - resume.offset)
            .max()
        else {
            return Ok(resume);
        };
        let Some(closed) = next_cut(input, &mut cutter, &mut resume, longest, &mut chunk)? else {
            return Ok(resume);
        };
        candidates.retain(|c| c.blocks[index].block == closed);
        let Some(matched) = candidates.first() else {
            return Ok(resume);
        };
        let counted = matched.blocks[index].clone();
        let block_bytes = (closed.end_offset - resume.offset) as usize;
        known(KnownBlock {
            ingest_id: matched.ingest_id,
            first_line: resume.lines + 1,
            counted,
        })?;
        resume.pending.drain(..block_bytes);
        resume.offset = closed.end_offset;
        resume.lines = closed.end_line;
        resume.blocks += 1;
        // The bytes read past this block belong to the next one: hashed from its start.
        cutter = Cutter::new(resume.offset, resume.lines);
        let (taken, closed) = cutter.feed(&resume.pending);
        debug_assert!(closed.is_none() && taken == resume.pending.len());
    }
}

/// Reads until `cutter` closes a block (or the input ends), keeping every byte read in
/// `resume.pending`; `None` when the input ended without a byte of a new block, or when the
/// block grew longer than `longest` bytes, which no earlier input's block at this place is.
fn next_cut(
    input: &mut impl Read,
    cutter: &mut Cutter,
    resume: &mut Resume,
    longest: u64,
    chunk: &mut [u8],
) -> io::Result<Option<Block>> {
    let pending = &mut resume.pending;
    loop {
        if pending.len() as u64 > longest {
            return Ok(None);
        }
        let n = match input.read(chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(cutter.finish());
        }
        pending.extend_from_slice(&chunk[..n]);
        let (taken, closed) = cutter.feed(&chunk[..n]);
        if let Some(block) = closed {
            // The rest of the chunk starts the next block; the caller hashes it anew.
            debug_assert!(taken <= n);
            return Ok(Some(block));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of `width` bytes (newline included), numbered, `count` of them.
    fn lines(count: usize, width: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..count {
            let body = format!("{{\"id\": {i}}}");
            out.extend_from_slice(body.as_bytes());
            out.resize(out.len() + width - body.len() - 1, b' ');
            out.push(b'\n');
        }
        out
    }

    fn cut_all(bytes: &[u8], piece: usize) -> Vec<Block> {
        let mut reader = CuttingReader::new(bytes, Cutter::new(0, 0));
        let blocks = reader.blocks();
        let mut buf = vec![0; piece];
        while reader.read(&mut buf).unwrap() > 0 {}
        let out = blocks.borrow().clone();
        out
    }

    #[test]
    fn a_block_ends_at_the_first_line_break_at_or_after_the_minimum() {
        // 100-byte lines: the minimum (1,048,576 bytes) falls inside line 10,486, whose
        // break is at byte 1,048,600; the second block ends with the input (20,000 lines).
        let input = lines(20_000, 100);
        let blocks = cut_all(&input, 4096);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].end_offset, 1_048_600);
        assert_eq!(blocks[0].end_line, 10_486);
        assert_eq!(
            blocks[0].hash,
            *blake3::hash(&input[..1_048_600]).as_bytes()
        );
        assert_eq!(blocks[1].end_offset, 2_000_000);
        assert_eq!(blocks[1].end_line, 20_000);
        assert_eq!(
            blocks[1].hash,
            *blake3::hash(&input[1_048_600..]).as_bytes()
        );
    }

    #[test]
    fn the_cuts_do_not_depend_on_how_the_input_is_read() {
        let input = lines(30_000, 77);
        let whole = cut_all(&input, 1 << 22);
        assert_eq!(whole.len(), 3);
        for piece in [1, 7, 4096, 65_536] {
            assert_eq!(
                cut_all(&input, piece),
                whole,
                "read {piece} bytes at a time"
            );
        }
    }

    #[test]
    fn line_breaks_are_counted_across_runs() {
        let mut bytes = vec![b'x'; 1000];
        for i in (0..1000).step_by(3) {
            bytes[i] = b'\n';
        }
        // 0, 3, …, 999: 334 breaks.
        assert_eq!(count_newlines(&bytes), 334);
        assert_eq!(count_newlines(&[b'\n'; 600]), 600);
        assert_eq!(count_newlines(b""), 0);
    }

    #[test]
    fn a_last_line_without_a_break_still_counts_as_a_line() {
        let blocks = cut_all(b"a\nb\nc", 2);
        assert_eq!(blocks.len(), 1);
        assert_eq!((blocks[0].end_offset, blocks[0].end_line), (5, 3));
        assert!(cut_all(b"", 2).is_empty());
    }

    #[test]
    fn records_are_counted_into_the_block_that_holds_their_line() {
        let block = |end_line| Block {
            end_offset: 0,
            end_line,
            hash: [0; 32],
        };
        let mut closed = vec![block(3), block(6), block(9)];
        let mut counter = RecordCounter::default();
        // Lines 1-3 hold records on 1 and 3; lines 4-6 only blank lines; 7-9 records on 7, 8.
        for line in [1, 3, 7, 8] {
            counter.record(line, &mut closed);
        }
        let counts: Vec<u64> = counter
            .finish(&mut closed)
            .iter()
            .map(|c| c.records)
            .collect();
        assert_eq!(counts, [2, 0, 2]);
    }

    fn earlier(ingest_id: i64, bytes: &[u8]) -> EarlierInput {
        // Every line of `lines()` is a record.
        let mut previous_line = 0;
        let blocks = cut_all(bytes, 65_536)
            .into_iter()
            .map(|block| {
                let records = block.end_line - previous_line;
                previous_line = block.end_line;
                CountedBlock { block, records }
            })
            .collect();
        EarlierInput { ingest_id, blocks }
    }

    fn skip(input: &[u8], earlier: &[EarlierInput]) -> (Vec<KnownBlock>, Resume) {
        let mut known = Vec::new();
        let mut reader = input;
        let resume = skip_known(&mut reader, earlier, |k| {
            known.push(k);
            Ok(())
        })
        .unwrap();
        // What was not skipped is still there to parse, in order.
        let mut rest = resume.pending.clone();
        rest.extend_from_slice(reader);
        assert_eq!(rest, &input[resume.offset as usize..]);
        (known, resume)
    }

    #[test]
    fn the_same_input_is_known_to_its_end() {
        let input = lines(25_000, 100); // blocks end at lines 10,486, 20,972 and 25,000
        let (known, resume) = skip(&input, &[earlier(7, &input)]);
        assert_eq!(known.len(), 3);
        assert!(known.iter().all(|k| k.ingest_id == 7));
        assert_eq!(
            known.iter().map(|k| k.first_line).collect::<Vec<_>>(),
            [1, 10_487, 20_973]
        );
        assert_eq!(known.iter().map(|k| k.counted.records).sum::<u64>(), 25_000);
        assert_eq!(
            (resume.offset, resume.lines, resume.blocks),
            (2_500_000, 25_000, 3)
        );
    }

    #[test]
    fn appended_lines_are_parsed_from_the_last_full_block_on() {
        let old = lines(25_000, 100);
        let new = lines(40_000, 100);
        let (known, resume) = skip(&new, &[earlier(1, &old)]);
        // The old input's last block ended with the input; in the new one it goes on.
        assert_eq!(known.len(), 2);
        assert_eq!((resume.offset, resume.lines), (2_097_200, 20_972));
    }

    #[test]
    fn a_changed_byte_stops_the_skipping_at_its_block() {
        let old = lines(40_000, 100);
        let mut new = old.clone();
        new[2_500_000] = b'x'; // in the third block (bytes 2,097,200 to 3,145,800)
        let (known, resume) = skip(&new, &[earlier(1, &old)]);
        assert_eq!(known.len(), 2);
        assert_eq!(resume.offset, 2_097_200);
    }

    #[test]
    fn any_earlier_input_with_the_same_start_serves() {
        let full = lines(40_000, 100);
        let other = lines(3_000, 90);
        let (known, _) = skip(&full, &[earlier(2, &other), earlier(1, &full)]);
        assert_eq!(known.len(), 4);
        assert!(known.iter().all(|k| k.ingest_id == 1));
        let (known, resume) = skip(&other, &[]);
        assert!(known.is_empty());
        assert_eq!(resume.offset, 0);
    }
}
