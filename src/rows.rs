//! The rows of a statement on stdout, streamed row by row: CSV (RFC 4180), JSON lines, one
//! JSON array, or a table aligned for a terminal. `xcc export` and `xcc query` write with it,
//! within a [`Budget`] of time and the process's memory budget (`store::memory`): a row
//! costs xcc no copy of its values (see `RowWriter`).
//!
//! CSV and JSON are data and keep every value exact; the table is for a terminal and shows
//! control characters escaped (`\n`, `\u{1b}`; see `format::escape_controls`), so that a
//! value from the file cannot steer the terminal that shows it.

use std::io::Write;
use std::time::{Duration, Instant};

use std::fmt::{self, Write as _};

use anyhow::Result;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row, Rows, Statement};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::format::escape_controls;
use crate::store::harden::{self, TimedOut};
use crate::store::memory::{OutOfMemory, Reservation};

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// RFC 4180: a header row, CRLF line ends, fields quoted when they need it.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// One JSON array of objects.
    Json,
    /// Columns aligned for a terminal; a cell over 60 characters is cut with `…`.
    Table,
}

/// The rows the table format measures before it writes; later rows keep those widths.
const TABLE_SAMPLE_ROWS: usize = 1000;
const TABLE_MAX_WIDTH: usize = 60;

/// How long a command's statements may work in all (`--time-limit`), counted over SQLite's
/// own work only: the time spent waiting for whoever reads stdout (a pager, a slow pipe) does
/// not count, so `xcc export events | less` is never stopped while someone reads. Each piece
/// of work runs inside `store::harden::within` with what is left; past the limit it fails
/// with [`TimedOut`] naming the whole limit, on Ctrl-C with `harden::Stopped`.
pub struct Budget {
    limit: Option<Duration>,
    spent: Duration,
}

/// What "no limit" runs within: longer than anything runs, short of overflowing an `Instant`.
const NO_LIMIT: Duration = Duration::from_secs(crate::format::duration::MAX_SECONDS as u64);

impl Budget {
    /// A budget of `limit`, or none (Ctrl-C still stops a statement).
    pub fn new(limit: Option<Duration>) -> Self {
        Budget {
            limit,
            spent: Duration::ZERO,
        }
    }

    /// Runs `work` (statements on this thread) with what is left of the budget.
    pub fn run<T>(&mut self, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let left = self
            .limit
            .map_or(NO_LIMIT, |limit| limit.saturating_sub(self.spent));
        let started = Instant::now();
        let result = harden::within(left, work);
        self.spent += started.elapsed();
        result.map_err(|e| match self.limit {
            Some(limit) if e.downcast_ref::<TimedOut>().is_some() => TimedOut(limit).into(),
            _ => e,
        })
    }

    /// The next row of `rows`, stepped within the budget.
    fn next_row<'r, 's>(&mut self, rows: &'r mut Rows<'s>) -> Result<Option<&'r Row<'s>>> {
        self.run(move || {
            let rows = rows;
            Ok(rows.next()?)
        })
    }
}

/// Runs `stmt`, a statement of `conn`, and writes its rows to `out`, its steps within
/// `budget`; returns the number of rows.
pub fn write(
    conn: &Connection,
    stmt: &mut Statement,
    format: Format,
    out: &mut impl Write,
    budget: &mut Budget,
) -> Result<u64> {
    let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let mut rows = budget.run(|| Ok(stmt.query([])?))?;
    let mut writer = RowWriter::new(format, &columns)?;
    writer.start(&columns, out)?;
    let mut count = 0u64;
    while let Some(row) = budget.next_row(&mut rows)? {
        let values = values_of(conn, row, columns.len())?;
        writer.row(&values, count, out)?;
        count += 1;
    }
    writer.finish(out)?;
    out.flush()?;
    Ok(count)
}

/// The values of `row`, each a view of SQLite's own copy. Reading one can still make SQLite
/// allocate (a zeroblob is made whole when it is read); when that fails at the memory budget,
/// SQLite hands out an empty value and marks the connection. That mark is checked here, so
/// that an empty value is never written in the place of one that did not fit.
fn values_of<'r>(conn: &Connection, row: &'r Row, n: usize) -> Result<Vec<ValueRef<'r>>> {
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        values.push(row.get_ref(i)?);
    }
    // SAFETY: sqlite3_errcode only reads the connection's last result code.
    if unsafe { rusqlite::ffi::sqlite3_errcode(conn.handle()) } == rusqlite::ffi::SQLITE_NOMEM {
        return Err(OutOfMemory::now().into());
    }
    Ok(values)
}

/// How each format writes a row. CSV and JSON write every value straight from SQLite's copy to
/// `out`, so xcc holds no copy of a value and a row costs it nothing beyond `out`'s buffer,
/// however long its values: the memory budget (`store::memory`) is then SQLite's alone.
/// (Before, each value was copied before it was written, as text up to three times its size
/// for JSON, and escaped whole for a table, a NUL as six bytes: 28 values of 16 MB took
/// 1.27 GB.) The table holds a cell of a few hundred bytes per value, and the rows it
/// measures within a reservation (see [`Table`]).
enum RowWriter {
    Csv,
    Json {
        keys: Vec<(String, usize)>,
        lines: bool,
    },
    Table(Table),
}

impl RowWriter {
    fn new(format: Format, columns: &[String]) -> Result<Self> {
        Ok(match format {
            Format::Csv => RowWriter::Csv,
            Format::Json | Format::Jsonl => RowWriter::Json {
                keys: json_keys(columns),
                lines: format == Format::Jsonl,
            },
            Format::Table => RowWriter::Table(Table::new(columns)?),
        })
    }

    fn start(&self, columns: &[String], out: &mut impl Write) -> std::io::Result<()> {
        match self {
            RowWriter::Csv => {
                for (i, column) in columns.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    write_csv_field(out, column.as_bytes())?;
                }
                out.write_all(b"\r\n")
            }
            RowWriter::Json { lines: false, .. } => out.write_all(b"["),
            _ => Ok(()),
        }
    }

    /// Writes the row `values`, the `index`th of the result (from 0).
    fn row(&mut self, values: &[ValueRef], index: u64, out: &mut impl Write) -> Result<()> {
        match self {
            RowWriter::Csv => write_csv_row(out, values)?,
            RowWriter::Json { keys, lines } => {
                if !*lines {
                    out.write_all(if index > 0 { b",\n" } else { b"\n" })?;
                }
                serde_json::to_writer(&mut *out, &JsonRow { keys, values })?;
                if *lines {
                    out.write_all(b"\n")?;
                }
            }
            RowWriter::Table(table) => table.row(values, out)?,
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        match self {
            RowWriter::Json { lines: false, .. } => out.write_all(b"\n]\n"),
            RowWriter::Table(table) => table.finish(out),
            _ => Ok(()),
        }
    }
}

/// The keys of a row's JSON object, each with the column its value comes from, as
/// serde_json's map made them: a name given twice keeps its first place and its last value.
fn json_keys(columns: &[String]) -> Vec<(String, usize)> {
    let mut keys: Vec<(String, usize)> = Vec::new();
    for (i, name) in columns.iter().enumerate() {
        match keys.iter_mut().find(|(key, _)| key == name) {
            Some(key) => key.1 = i,
            None => keys.push((name.clone(), i)),
        }
    }
    keys
}

/// A row as one JSON object, serialized from SQLite's values as they are.
struct JsonRow<'a> {
    keys: &'a [(String, usize)],
    values: &'a [ValueRef<'a>],
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_map(Some(self.keys.len()))?;
        for (key, column) in self.keys {
            object.serialize_entry(key, &JsonValue(self.values[*column]))?;
        }
        object.end()
    }
}

/// A value as JSON, as `metrics::json_of` makes it (text and blobs as text, invalid UTF-8
/// replaced), but written piece by piece as it is escaped instead of copied first.
struct JsonValue<'a>(ValueRef<'a>);

impl Serialize for JsonValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            ValueRef::Null => serializer.serialize_unit(),
            ValueRef::Integer(i) => serializer.serialize_i64(i),
            ValueRef::Real(f) if f.is_finite() => serializer.serialize_f64(f),
            // JSON has no NaN or infinity: null, as serde_json's own numbers have them.
            ValueRef::Real(_) => serializer.serialize_unit(),
            ValueRef::Text(t) | ValueRef::Blob(t) => serializer.collect_str(&Lossy(t)),
        }
    }
}

/// Bytes as text, read as `String::from_utf8_lossy` reads them (each invalid sequence one
/// U+FFFD), without making the text: serde_json escapes each piece as it comes.
struct Lossy<'a>(&'a [u8]);

impl fmt::Display for Lossy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_char(char::REPLACEMENT_CHARACTER)?;
            }
        }
        Ok(())
    }
}

/// The most memory a cell takes while it is made and held: at most 244 bytes read (or their
/// text with each invalid sequence as U+FFFD), their escapes, the cut cell and its `String`,
/// with room to spare.
const CELL_BYTES: usize = 1024;

/// The most the table's measured rows may hold: 1,000 rows of short cells fit, as do about 80
/// of 200 full cells; past it the rows held so far set the widths.
const TABLE_SAMPLE_BYTES: usize = 4 << 20;

/// The aligned table: the first rows are held to measure the columns (up to
/// [`TABLE_SAMPLE_ROWS`] rows or [`TABLE_SAMPLE_BYTES`]), then everything is written with
/// those widths, so that memory stays bounded whatever the result's size. That memory is
/// reserved of the process's budget before the first row.
struct Table {
    header: Vec<String>,
    widths: Vec<usize>,
    held: Vec<Vec<String>>,
    held_bytes: usize,
    measured: bool,
    _reserved: Reservation,
}

impl Table {
    fn new(columns: &[String]) -> Result<Self> {
        let mut reserved = Reservation::default();
        // The rows held, the row being made and the padded copy of one being written.
        reserved.grow(TABLE_SAMPLE_BYTES + 2 * columns.len() * CELL_BYTES)?;
        Ok(Table {
            header: columns
                .iter()
                .map(|c| escape_controls(c).into_owned())
                .collect(),
            widths: columns.iter().map(|c| width(&escape_controls(c))).collect(),
            held: Vec::new(),
            held_bytes: 0,
            measured: false,
            _reserved: reserved,
        })
    }

    fn row(&mut self, values: &[ValueRef], out: &mut impl Write) -> std::io::Result<()> {
        let cells: Vec<String> = values.iter().map(|v| cell(*v)).collect();
        if self.measured {
            return self.write_row(&cells, out);
        }
        for (w, c) in self.widths.iter_mut().zip(&cells) {
            *w = (*w).max(width(c));
        }
        self.held_bytes += cells
            .iter()
            .map(|c| c.capacity() + std::mem::size_of::<String>())
            .sum::<usize>();
        self.held.push(cells);
        if self.held.len() == TABLE_SAMPLE_ROWS || self.held_bytes >= TABLE_SAMPLE_BYTES {
            self.flush_held(out)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        if !self.measured {
            self.flush_held(out)?;
        }
        Ok(())
    }

    fn flush_held(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        self.measured = true;
        let header = self.header.clone();
        self.write_row(&header, out)?;
        let rule: Vec<String> = self.widths.iter().map(|w| "-".repeat(*w)).collect();
        writeln!(out, "{}", rule.join("-+-"))?;
        for cells in std::mem::take(&mut self.held) {
            self.write_row(&cells, out)?;
        }
        Ok(())
    }

    fn write_row(&self, cells: &[String], out: &mut impl Write) -> std::io::Result<()> {
        let padded: Vec<String> = cells
            .iter()
            .zip(&self.widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(width(c)))))
            .collect();
        writeln!(out, "{}", padded.join(" | ").trim_end())
    }
}

/// A value as a table cell: one line, control characters escaped, at most
/// [`TABLE_MAX_WIDTH`] characters. Only the first characters of a long value are read: one
/// more than fits tells whether it is cut, and escaping only lengthens text. They lie in its
/// first 4 bytes a character (an invalid sequence, read as one U+FFFD, has at most 3); a
/// character cut at the end of those bytes comes after them.
fn cell(value: ValueRef) -> String {
    let number;
    let bytes: &[u8] = match value {
        ValueRef::Null => b"",
        ValueRef::Integer(i) => {
            number = i.to_string();
            number.as_bytes()
        }
        ValueRef::Real(f) => {
            number = format_real(f);
            number.as_bytes()
        }
        ValueRef::Text(t) | ValueRef::Blob(t) => t,
    };
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4 * (TABLE_MAX_WIDTH + 1))]);
    // Up to 60 bytes are at most 60 characters, all of them read (the usual cell).
    let end = match bytes.len() {
        0..=TABLE_MAX_WIDTH => head.len(),
        _ => head
            .char_indices()
            .nth(TABLE_MAX_WIDTH + 1)
            .map_or(head.len(), |(i, _)| i),
    };
    let text = escape_controls(&head[..end]);
    if width(&text) <= TABLE_MAX_WIDTH {
        return text.into_owned();
    }
    let mut cut: String = text.chars().take(TABLE_MAX_WIDTH - 1).collect();
    cut.push('…');
    cut
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Shortest text that reads back as the same number, with a `.0` on whole numbers so that
/// the column stays recognisably decimal.
fn format_real(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

/// A row as a CSV record: NULL is empty, numbers as SQLite would print them, text and blobs
/// byte for byte.
fn write_csv_row(out: &mut impl Write, values: &[ValueRef]) -> std::io::Result<()> {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        match *value {
            ValueRef::Null => {}
            ValueRef::Integer(n) => out.write_all(itoa::Buffer::new().format(n).as_bytes())?,
            ValueRef::Real(f) => out.write_all(format_real(f).as_bytes())?,
            ValueRef::Text(t) | ValueRef::Blob(t) => write_csv_field(out, t)?,
        }
    }
    out.write_all(b"\r\n")
}

/// One field, quoted when it holds a comma, a quote or a line end (RFC 4180), written in
/// pieces between its quotes.
fn write_csv_field(out: &mut impl Write, field: &[u8]) -> std::io::Result<()> {
    if !field
        .iter()
        .any(|c| matches!(c, b',' | b'"' | b'\r' | b'\n'))
    {
        return out.write_all(field);
    }
    out.write_all(b"\"")?;
    for (i, piece) in field.split(|&c| c == b'"').enumerate() {
        if i > 0 {
            out.write_all(b"\"\"")?;
        }
        out.write_all(piece)?;
    }
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn csv_quoting_follows_rfc_4180() {
        let fields: [&[u8]; 5] = [b"plain", b"a,b", b"say \"hi\"", b"two\nlines", b""];
        let values: Vec<ValueRef> = fields.iter().map(|f| ValueRef::Text(f)).collect();
        let mut out = Vec::new();
        write_csv_row(&mut out, &values).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n"
        );
    }

    #[test]
    fn reals_keep_their_precision() {
        assert_eq!(format_real(47.5), "47.5");
        assert_eq!(format_real(2.0), "2.0");
        assert_eq!(format_real(0.1 + 0.2), "0.30000000000000004");
    }

    fn written(sql: &str, format: Format) -> String {
        let conn = Connection::open_in_memory().unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let mut out = Vec::new();
        write(&conn, &mut stmt, format, &mut out, &mut Budget::new(None)).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A table shows control characters escaped, in values and in column names; CSV and JSON
    /// keep them exact.
    #[test]
    fn a_table_escapes_controls_and_data_formats_keep_them() {
        let sql = "SELECT char(27) || ']0;t' || char(7) AS \"a\u{1b}b\", \
                   'x' || char(10) || 'y' || char(9) || char(155) || char(8238) AS c";
        assert_eq!(
            written(sql, Format::Table),
            "a\\u{1b}b        | c\n\
             ----------------+---------------------\n\
             \\u{1b}]0;t\\u{7} | x\\ny\\t\\u{9b}\\u{202e}\n"
        );
        assert_eq!(
            written(sql, Format::Csv),
            "a\u{1b}b,c\r\n\u{1b}]0;t\u{7},\"x\ny\t\u{9b}\u{202e}\"\r\n"
        );
        let json: serde_json::Value = serde_json::from_str(&written(sql, Format::Json)).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"a\u{1b}b": "\u{1b}]0;t\u{7}", "c": "x\ny\t\u{9b}\u{202e}"}])
        );
    }

    /// The budget counts SQLite's work: an endless statement stops at the limit, with the
    /// sentence naming the whole limit, and time spent outside it (waiting for a reader of
    /// stdout) does not count.
    #[test]
    fn a_budget_stops_an_endless_statement_and_counts_only_its_work() {
        let mut conn = Connection::open_in_memory().unwrap();
        harden::harden(&mut conn, 1 << 20, 0).unwrap();
        let mut stmt = conn
            .prepare(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n",
            )
            .unwrap();
        let mut budget = Budget::new(Some(Duration::from_millis(300)));
        let started = Instant::now();
        let mut sink = std::io::sink();
        let err = write(&conn, &mut stmt, Format::Csv, &mut sink, &mut budget).unwrap_err();
        assert_eq!(
            err.to_string(),
            TimedOut(Duration::from_millis(300)).to_string()
        );
        assert!(started.elapsed() < Duration::from_secs(2));

        // 40 rows, each followed by a wait of 10 ms outside SQLite: 400 ms in all, over a
        // budget of 300 ms that the statement's own work stays far below.
        let mut stmt = conn
            .prepare("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 40) SELECT i FROM n")
            .unwrap();
        let mut budget = Budget::new(Some(Duration::from_millis(300)));
        let mut rows = stmt.query([]).unwrap();
        let mut n = 0;
        while budget.next_row(&mut rows).unwrap().is_some() {
            std::thread::sleep(Duration::from_millis(10));
            n += 1;
        }
        assert_eq!(n, 40);
    }

    #[test]
    fn a_table_is_aligned_and_cuts_long_cells() {
        let long = "x".repeat(70);
        let sql = format!("SELECT 1 AS n, 'ab' AS name UNION ALL SELECT 22, '{long}'");
        // The name column is 60 wide: 59 x and the ellipsis.
        let cut = format!("{}…", "x".repeat(59));
        assert_eq!(
            written(&sql, Format::Table),
            format!("n  | name\n---+-{}\n1  | ab\n22 | {cut}\n", "-".repeat(60))
        );
    }

    #[test]
    fn json_is_one_array_and_empty_results_are_valid() {
        let out = written(
            "SELECT 1 AS a, NULL AS b UNION ALL SELECT 2, 'x'",
            Format::Json,
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"a": 1, "b": null}, {"a": 2, "b": "x"}])
        );
        let empty = written("SELECT 1 AS a WHERE 0", Format::Json);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&empty).unwrap(),
            serde_json::json!([])
        );
        assert_eq!(written("SELECT 1 AS a WHERE 0", Format::Table), "a\n-\n");
    }

    /// JSON written from SQLite's values is what serde_json wrote of the map that
    /// `metrics::json_of` made before (the oracle): invalid UTF-8, a NUL, reals, infinities,
    /// the extreme integers and a name given twice (first place, last value).
    #[test]
    fn json_is_written_as_serde_json_wrote_the_map_of_the_values() {
        let sql = "SELECT x'ff00c328' AS b, 'a' || char(0) || '\"\\' AS t, 1e999 AS inf, \
                   -0.0 AS z, 0.1 + 0.2 AS r, 9223372036854775807 AS big, \
                   -9223372036854775808 AS small, NULL AS n, 'first' AS t";
        let conn = Connection::open_in_memory().unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
        let oracle = stmt
            .query_row([], |row| {
                let mut object = serde_json::Map::new();
                for (i, name) in names.iter().enumerate() {
                    object.insert(name.clone(), crate::metrics::json_of(row.get_ref(i)?));
                }
                Ok(serde_json::to_string(&object).unwrap())
            })
            .unwrap();
        assert_eq!(written(sql, Format::Jsonl), format!("{oracle}\n"));
        assert_eq!(written(sql, Format::Json), format!("[\n{oracle}\n]\n"));
    }

    /// The table's rows measured stop at 4 MiB of cells: 100 cells of 59 characters take at
    /// least 100 × (59 + 24) = 8,300 bytes a row, so 4 MiB hold at most 506 rows, and the
    /// wider cell of row 600 is not measured (its line is one character longer than the rule).
    #[test]
    fn the_table_measures_at_most_its_bytes_of_rows() {
        let columns: Vec<String> = (0..100)
            .map(|c| format!("CASE WHEN i = 600 AND {c} = 0 THEN printf('%.60c', 'y') ELSE printf('%.59c', 'x') END AS c{c}"))
            .collect();
        let sql = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 700) SELECT {} FROM n",
            columns.join(", ")
        );
        let out = written(&sql, Format::Table);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[1].starts_with(&format!("{}-+-", "-".repeat(59))),
            "{}",
            &lines[1][..80]
        );
        let wide = lines[1 + 600];
        assert!(wide.starts_with(&format!("{} | ", "y".repeat(60))));
        assert_eq!(wide.chars().count(), lines[1].chars().count() + 1);
    }

    /// The old cell, made of the whole value: the oracle of [`cell`], which reads only its
    /// first characters.
    fn whole_cell(bytes: &[u8]) -> String {
        let text = escape_controls(&String::from_utf8_lossy(bytes)).into_owned();
        if width(&text) <= TABLE_MAX_WIDTH {
            return text;
        }
        let mut cut: String = text.chars().take(TABLE_MAX_WIDTH - 1).collect();
        cut.push('…');
        cut
    }

    proptest::proptest! {
        /// Any bytes (controls, invalid UTF-8, cut characters): the cell and the JSON text are
        /// the ones made of the whole value.
        #[test]
        fn cells_and_text_are_as_made_of_the_whole_value(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::any::<u8>(),
                    proptest::sample::select(vec![0u8, 10, 27, b'x', 0xc3, 0xa9, 0xe2, 0x80, 0xae]),
                ],
                0..200,
            )
        ) {
            proptest::prop_assert_eq!(cell(ValueRef::Blob(&bytes)), whole_cell(&bytes));
            proptest::prop_assert_eq!(
                Lossy(&bytes).to_string(),
                String::from_utf8_lossy(&bytes).into_owned()
            );
        }
    }
}
