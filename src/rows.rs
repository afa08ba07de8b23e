//! The rows of a statement on stdout, streamed row by row: CSV (RFC 4180), JSON lines, one
//! JSON array, or a table aligned for a terminal. `xcc export` and `xcc query` write with it,
//! within a [`Budget`] of time.
//!
//! CSV and JSON are data and keep every value exact; the table is for a terminal and shows
//! control characters escaped (`\n`, `\u{1b}`; see `format::escape_controls`), so that a
//! value from the file cannot steer the terminal that shows it.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Result;
use rusqlite::types::ValueRef;
use rusqlite::{Row, Rows, Statement};

use crate::format::escape_controls;
use crate::metrics;
use crate::store::harden::{self, TimedOut};

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

/// Runs `stmt` and writes its rows to `out`, its steps within `budget`; returns the number of
/// rows.
pub fn write(
    stmt: &mut Statement,
    format: Format,
    out: &mut impl Write,
    budget: &mut Budget,
) -> Result<u64> {
    let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let mut rows = budget.run(|| Ok(stmt.query([])?))?;
    let mut count = 0u64;
    let mut table = Table::new(&columns);
    if format == Format::Csv {
        let header: Vec<&[u8]> = columns.iter().map(|c| c.as_bytes()).collect();
        write_csv_record(out, &header)?;
    }
    if format == Format::Json {
        out.write_all(b"[")?;
    }
    let mut fields: Vec<Vec<u8>> = vec![Vec::new(); columns.len()];
    while let Some(row) = budget.next_row(&mut rows)? {
        match format {
            Format::Csv | Format::Table => {
                for (i, field) in fields.iter_mut().enumerate() {
                    field.clear();
                    csv_text(row.get_ref(i)?, field);
                }
                if format == Format::Csv {
                    let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
                    write_csv_record(out, &refs)?;
                } else {
                    table.row(&fields, out)?;
                }
            }
            Format::Jsonl | Format::Json => {
                let mut object = serde_json::Map::new();
                for (i, column) in columns.iter().enumerate() {
                    object.insert(column.clone(), metrics::json_of(row.get_ref(i)?));
                }
                if format == Format::Json && count > 0 {
                    out.write_all(b",")?;
                }
                if format == Format::Json {
                    out.write_all(b"\n")?;
                }
                serde_json::to_writer(&mut *out, &object)?;
                if format == Format::Jsonl {
                    out.write_all(b"\n")?;
                }
            }
        }
        count += 1;
    }
    match format {
        Format::Json => out.write_all(b"\n]\n")?,
        Format::Table => table.finish(out)?,
        _ => {}
    }
    out.flush()?;
    Ok(count)
}

/// The aligned table: the first rows are held to measure the columns, then everything is
/// written with those widths, so that memory stays bounded whatever the result's size.
struct Table {
    header: Vec<String>,
    widths: Vec<usize>,
    held: Vec<Vec<String>>,
    measured: bool,
}

impl Table {
    fn new(columns: &[String]) -> Self {
        Table {
            header: columns
                .iter()
                .map(|c| escape_controls(c).into_owned())
                .collect(),
            widths: columns.iter().map(|c| width(&escape_controls(c))).collect(),
            held: Vec::new(),
            measured: false,
        }
    }

    fn row(&mut self, fields: &[Vec<u8>], out: &mut impl Write) -> std::io::Result<()> {
        let cells: Vec<String> = fields.iter().map(|f| cell(f)).collect();
        if self.measured {
            return self.write_row(&cells, out);
        }
        for (w, c) in self.widths.iter_mut().zip(&cells) {
            *w = (*w).max(width(c));
        }
        self.held.push(cells);
        if self.held.len() == TABLE_SAMPLE_ROWS {
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

/// A field as a table cell: one line, control characters escaped, at most
/// [`TABLE_MAX_WIDTH`] characters.
fn cell(field: &[u8]) -> String {
    let text = escape_controls(&String::from_utf8_lossy(field)).into_owned();
    if width(&text) <= TABLE_MAX_WIDTH {
        return text;
    }
    let mut cut: String = text.chars().take(TABLE_MAX_WIDTH - 1).collect();
    cut.push('…');
    cut
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// A value as CSV field text: NULL is empty, numbers as SQLite would print them, text and
/// blobs byte for byte.
fn csv_text(value: ValueRef, out: &mut Vec<u8>) {
    match value {
        ValueRef::Null => {}
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(f) => out.extend_from_slice(format_real(f).as_bytes()),
        ValueRef::Text(t) | ValueRef::Blob(t) => out.extend_from_slice(t),
    }
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

fn write_csv_record(out: &mut impl Write, fields: &[&[u8]]) -> std::io::Result<()> {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if field
            .iter()
            .any(|c| matches!(c, b',' | b'"' | b'\r' | b'\n'))
        {
            out.write_all(b"\"")?;
            for chunk in field.split(|&c| c == b'"').enumerate() {
                if chunk.0 > 0 {
                    out.write_all(b"\"\"")?;
                }
                out.write_all(chunk.1)?;
            }
            out.write_all(b"\"")?;
        } else {
            out.write_all(field)?;
        }
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn csv_quoting_follows_rfc_4180() {
        let mut out = Vec::new();
        write_csv_record(
            &mut out,
            &[b"plain", b"a,b", b"say \"hi\"", b"two\nlines", b""],
        )
        .unwrap();
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
        write(&mut stmt, format, &mut out, &mut Budget::new(None)).unwrap();
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
        let err = write(&mut stmt, Format::Csv, &mut std::io::sink(), &mut budget).unwrap_err();
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
}
