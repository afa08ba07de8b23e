//! Splits an input stream into records: the lines of JSON lines, or the elements of one JSON
//! array. Streaming and generic over `BufRead`, so memory holds one record at a time.
//!
//! Ctrl-C is checked wherever reading one record can go on without end (a line or an
//! element without an end, a run of blank lines or whitespace): the ingest waits for a
//! record to check it, and an endless line from a hostile stream would otherwise hold it.

use std::io::{self, BufRead};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The longest record read whole by default: 16 MiB, some 50,000 times a real line. Longer
/// ones are never held: only their first bytes are kept, for the reject reason.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 16 << 20;
/// How much of an overlong record is kept to show what it was.
const PREVIEW_BYTES: usize = 200;

/// Ctrl-C as an error of reading, for the ingest to turn into its sentence (it checks
/// `interrupt::requested` itself). Checked once per buffer of a record that goes on, never
/// per byte.
fn stop_if_interrupted() -> io::Result<()> {
    if crate::interrupt::requested() {
        return Err(io::Error::other("stopped (Ctrl-C)"));
    }
    Ok(())
}

/// One record of the input, numbered by the line it starts on (1-based).
pub struct Record {
    pub line_number: u64,
    /// The record, or only its first bytes when it is `oversized`.
    pub bytes: Vec<u8>,
    /// The record's length in bytes when it was longer than the maximum.
    pub oversized: Option<u64>,
}

/// The bytes of one record as they are read: all of them up to the maximum, past it only
/// counted, so that an endless line costs no memory.
struct Capped {
    bytes: Vec<u8>,
    total: u64,
    max: usize,
}

impl Capped {
    fn new(max: usize) -> Self {
        // Most lines of the real data are 250-350 bytes: one allocation, no regrowth.
        Capped {
            bytes: Vec::with_capacity(512.min(max + 1)),
            total: 0,
            max,
        }
    }

    fn extend(&mut self, chunk: &[u8]) {
        self.total += chunk.len() as u64;
        if self.total <= self.max as u64 {
            self.bytes.extend_from_slice(chunk);
            return;
        }
        // Over the maximum: only the first bytes stay, to show what the record was.
        let room = PREVIEW_BYTES.saturating_sub(self.bytes.len());
        self.bytes
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
        if self.bytes.len() > PREVIEW_BYTES {
            self.bytes.truncate(PREVIEW_BYTES);
            self.bytes.shrink_to_fit();
        }
    }

    fn push(&mut self, c: u8) {
        self.extend(&[c]);
    }

    fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The record, without the trailing `trim` bytes unless it was too long to hold.
    fn record(mut self, line_number: u64, trim: &[u8]) -> Record {
        let oversized = (self.total > self.max as u64).then_some(self.total);
        if oversized.is_none() {
            while self.bytes.last().is_some_and(|c| trim.contains(c)) {
                self.bytes.pop();
            }
        }
        Record {
            line_number,
            bytes: self.bytes,
            oversized,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Unknown,
    Lines,
    Array,
}

pub struct RecordReader<R> {
    input: R,
    mode: Mode,
    /// The line the reader's position is on.
    line: u64,
    /// The longest record held whole.
    max_bytes: usize,
    /// Whether the input started as a JSON array.
    array_seen: bool,
}

impl<R: BufRead> RecordReader<R> {
    #[cfg(test)]
    pub fn new(input: R) -> Self {
        Self::with_max(input, DEFAULT_MAX_RECORD_BYTES)
    }

    /// A reader that holds records of at most `max_bytes` whole.
    pub fn with_max(input: R, max_bytes: usize) -> Self {
        RecordReader {
            input,
            mode: Mode::Unknown,
            line: 1,
            max_bytes,
            array_seen: false,
        }
    }

    /// A reader for the rest of a JSON-lines input whose next line is `line`.
    pub fn lines_from(input: R, max_bytes: usize, line: u64) -> Self {
        RecordReader {
            mode: Mode::Lines,
            line,
            ..Self::with_max(input, max_bytes)
        }
    }

    /// Whether every record so far was a line of JSON lines (no top-level array).
    pub fn only_lines(&self) -> bool {
        !self.array_seen
    }

    /// The next record, skipping blank lines; `None` at the end of the input.
    pub fn next_record(&mut self) -> io::Result<Option<Record>> {
        if self.mode == Mode::Unknown {
            self.detect_mode()?;
        }
        match self.mode {
            Mode::Array => self.next_array_element(),
            _ => self.next_line(),
        }
    }

    /// A BOM is accepted at the start only; the first non-blank byte being `[` means the
    /// whole input is one JSON array.
    fn detect_mode(&mut self) -> io::Result<()> {
        let buf = self.input.fill_buf()?;
        if buf.starts_with(BOM) {
            self.input.consume(BOM.len());
        }
        self.skip_whitespace()?;
        let buf = self.input.fill_buf()?;
        self.mode = if buf.first() == Some(&b'[') {
            self.input.consume(1);
            self.array_seen = true;
            Mode::Array
        } else {
            Mode::Lines
        };
        Ok(())
    }

    fn skip_whitespace(&mut self) -> io::Result<()> {
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            let n = buf
                .iter()
                .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
                .count();
            self.line += buf[..n].iter().filter(|&&c| c == b'\n').count() as u64;
            let all = n == buf.len();
            self.input.consume(n);
            if !all {
                return Ok(());
            }
            stop_if_interrupted()?;
        }
    }

    fn next_line(&mut self) -> io::Result<Option<Record>> {
        let whitespace = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        loop {
            let mut line = Capped::new(self.max_bytes);
            let mut blank = true;
            let mut read_any = false;
            loop {
                let buf = self.input.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                read_any = true;
                let newline = memchr::memchr(b'\n', buf);
                let mut chunk = &buf[..newline.unwrap_or(buf.len())];
                if newline.is_some() {
                    // CRLF: the CR is not part of the record (nor of its length).
                    while let [rest @ .., b'\r'] = chunk {
                        chunk = rest;
                    }
                }
                blank = blank && chunk.iter().all(whitespace);
                line.extend(chunk);
                let used = newline.map_or(buf.len(), |i| i + 1);
                self.input.consume(used);
                if newline.is_some() {
                    break;
                }
                // The line goes on past what was buffered: it may never end.
                stop_if_interrupted()?;
            }
            if !read_any {
                return Ok(None);
            }
            let line_number = self.line;
            self.line += 1;
            if !blank {
                return Ok(Some(line.record(line_number, b"\r")));
            }
            // Blank lines are not handed over, so an endless run of them is checked here.
            stop_if_interrupted()?;
        }
    }

    /// One element of the top-level array: bytes up to the next `,` or `]` outside strings
    /// and nested values. After the closing `]` the rest of the input is read as lines, so
    /// that nothing after the array is silently dropped.
    fn next_array_element(&mut self) -> io::Result<Option<Record>> {
        self.skip_whitespace()?;
        let line_number = self.line;
        let mut element = Capped::new(self.max_bytes);
        let mut scan = ElementEnd::default();
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                // An unterminated array: what was read so far is still a record to judge.
                self.mode = Mode::Lines;
                return Ok(if element.is_empty() {
                    None
                } else {
                    Some(element.record(line_number, b""))
                });
            }
            let mut used = 0;
            let mut end: Option<u8> = None;
            for &c in buf {
                used += 1;
                if c == b'\n' {
                    self.line += 1;
                }
                if scan.ends_at(c) {
                    end = Some(c);
                    break;
                }
                element.push(c);
            }
            self.input.consume(used);
            if end.is_none() {
                // The element goes on past what was buffered: it may never end.
                stop_if_interrupted()?;
            }
            if let Some(terminator) = end {
                let record = element.record(line_number, b" \t\r\n");
                if terminator == b']' {
                    self.mode = Mode::Lines;
                    if record.bytes.is_empty() {
                        // `[]` or the end after a trailing element: nothing more in the array.
                        return self.next_line();
                    }
                }
                return Ok(Some(record));
            }
        }
    }
}

/// Where an element of the top-level array ends: at a `,` or `]` outside strings and nested
/// values, which is all a splitter needs to know of JSON (the element itself is judged later).
#[derive(Default)]
struct ElementEnd {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl ElementEnd {
    /// Whether `c`, the element's next byte, ends it.
    fn ends_at(&mut self, c: u8) -> bool {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if c == b'\\' {
                self.escaped = true;
            } else if c == b'"' {
                self.in_string = false;
            }
            return false;
        }
        match c {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' if self.depth > 0 => self.depth -= 1,
            b',' | b']' if self.depth == 0 => return true,
            _ => {}
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &str) -> Vec<(u64, String)> {
        let mut reader = RecordReader::new(input.as_bytes());
        let mut out = Vec::new();
        while let Some(r) = reader.next_record().unwrap() {
            out.push((r.line_number, String::from_utf8(r.bytes).unwrap()));
        }
        out
    }

    /// `(line, bytes kept, length if oversized)` of every record, with a maximum of `max`.
    fn capped(input: &str, max: usize) -> Vec<(u64, String, Option<u64>)> {
        let mut reader = RecordReader::with_max(input.as_bytes(), max);
        let mut out = Vec::new();
        while let Some(r) = reader.next_record().unwrap() {
            out.push((
                r.line_number,
                String::from_utf8(r.bytes).unwrap(),
                r.oversized,
            ));
        }
        out
    }

    #[test]
    fn a_record_over_the_maximum_is_counted_not_held() {
        let long = "y".repeat(1000);
        // Lines: 10 bytes are kept whole, 11 are over; the line after is read as usual.
        let input = format!("0123456789\r\n0123456789A\n{long}\n{{}}\n");
        assert_eq!(
            capped(&input, 10),
            vec![
                (1, "0123456789".to_string(), None),
                (2, "0123456789A".to_string(), Some(11)),
                (3, "y".repeat(PREVIEW_BYTES), Some(1000)),
                (4, "{}".to_string(), None),
            ]
        );
        // An array element likewise.
        let input = format!("[1, \"{long}\", 2]");
        assert_eq!(
            capped(&input, 10),
            vec![
                (1, "1".to_string(), None),
                (
                    1,
                    format!("\"{}", "y".repeat(PREVIEW_BYTES - 1)),
                    Some(1002)
                ),
                (1, "2".to_string(), None),
            ]
        );
    }

    #[test]
    fn lines_with_bom_crlf_and_blank_lines() {
        assert_eq!(
            records("\u{feff}{\"a\":1}\r\n\r\n   \n{\"b\":2}\n{\"c\":3}"),
            vec![
                (1, "{\"a\":1}".to_string()),
                (4, "{\"b\":2}".to_string()),
                (5, "{\"c\":3}".to_string())
            ]
        );
    }

    #[test]
    fn bom_after_the_start_stays_in_the_record() {
        let got = records("{\"a\":1}\n\u{feff}{\"b\":2}\n");
        assert_eq!(got[1].1, "\u{feff}{\"b\":2}");
    }

    #[test]
    fn array_elements_with_their_line_numbers() {
        let input = "\n[\n  {\"a\": \"x,]}\\\"\"},\n  {\"b\": [1, {\"c\": 2}]}\n]\n";
        assert_eq!(
            records(input),
            vec![
                (3, "{\"a\": \"x,]}\\\"\"}".to_string()),
                (4, "{\"b\": [1, {\"c\": 2}]}".to_string())
            ]
        );
    }

    #[test]
    fn empty_array_and_content_after_the_array() {
        assert!(records("[]").is_empty());
        assert_eq!(
            records("[{\"a\":1}]\n{\"b\":2}\n"),
            vec![(1, "{\"a\":1}".to_string()), (2, "{\"b\":2}".to_string())]
        );
    }

    #[test]
    fn unterminated_array_keeps_the_partial_element() {
        assert_eq!(
            records("[{\"a\":1}, {\"b\":"),
            vec![(1, "{\"a\":1}".to_string()), (1, "{\"b\":".to_string())]
        );
    }

    #[test]
    fn empty_element_is_a_record_to_reject() {
        assert_eq!(
            records("[{\"a\":1},,{\"b\":2}]"),
            vec![
                (1, "{\"a\":1}".to_string()),
                (1, String::new()),
                (1, "{\"b\":2}".to_string())
            ]
        );
    }

    #[test]
    fn small_buffer_reads_give_the_same_records() {
        let input = "[{\"a\": \"long string value\"},\n {\"b\": 2}]";
        let reader = io::BufReader::with_capacity(3, input.as_bytes());
        let mut r = RecordReader::new(reader);
        let mut got = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            got.push(String::from_utf8(rec.bytes).unwrap());
        }
        assert_eq!(got, vec!["{\"a\": \"long string value\"}", "{\"b\": 2}"]);
    }

    mod fuzz {
        use super::super::RecordReader;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// In JSON-lines mode every non-blank line is exactly one record, in order, with
            /// its own line number: nothing is dropped or merged.
            #[test]
            fn every_non_blank_line_is_one_record(
                lines in proptest::collection::vec(
                    proptest::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..40),
                    0..30,
                )
            ) {
                let mut input = b"{}\n".to_vec();
                for line in &lines {
                    input.extend_from_slice(line);
                    input.push(b'\n');
                }
                let mut reader = RecordReader::new(&input[..]);
                let mut got = Vec::new();
                while let Some(r) = reader.next_record().unwrap() {
                    got.push((r.line_number, r.bytes));
                }
                let mut expected = vec![(1u64, b"{}".to_vec())];
                for (i, line) in lines.iter().enumerate() {
                    let mut trimmed = line.clone();
                    while matches!(trimmed.last(), Some(b'\r')) {
                        trimmed.pop();
                    }
                    if !trimmed.iter().all(|c| matches!(c, b' ' | b'\t' | b'\r')) {
                        expected.push((i as u64 + 2, trimmed));
                    }
                }
                prop_assert_eq!(got, expected);
            }

            #[test]
            fn arbitrary_arrays_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
                let mut input = b"[".to_vec();
                input.extend_from_slice(&bytes);
                let mut reader = RecordReader::new(&input[..]);
                let mut n = 0;
                while reader.next_record().unwrap().is_some() {
                    n += 1;
                    prop_assert!(n <= input.len() + 1);
                }
            }
        }
    }
}
