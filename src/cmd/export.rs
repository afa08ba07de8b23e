//! `xcc export`: any table or view of the file to stdout as CSV (RFC 4180) or JSON lines,
//! streamed row by row.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Result};
use rusqlite::types::ValueRef;

use crate::cli::{ExportArgs, Format};
use crate::format::shorten;
use crate::{metrics, store};

pub fn run(args: ExportArgs) -> Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    export(&args.db.db, &args.name, args.format, &mut out)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the table or view `name` of `db` to `out`; returns the number of rows.
fn export(db: &Path, name: &str, format: Format, out: &mut impl Write) -> Result<u64> {
    let conn = store::open_for_read(db)?;
    let names = store::tables_and_views(&conn)?;
    if !names.iter().any(|n| n == name) {
        bail!(
            "{} has no table or view named '{}'; choose one of: {}",
            db.display(),
            shorten(name, 60),
            names.join(", ")
        );
    }
    // The name was checked against the schema above, so quoting it cannot change the query.
    let sql = format!("SELECT * FROM \"{}\"", name.replace('"', "\"\""));
    let mut stmt = conn.prepare(&sql)?;
    let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
    if format == Format::Csv {
        let header: Vec<&[u8]> = columns.iter().map(|c| c.as_bytes()).collect();
        write_csv_record(out, &header)?;
    }
    let mut rows = stmt.query([])?;
    let mut count = 0;
    let mut fields: Vec<Vec<u8>> = vec![Vec::new(); columns.len()];
    while let Some(row) = rows.next()? {
        match format {
            Format::Csv => {
                for (i, field) in fields.iter_mut().enumerate() {
                    field.clear();
                    csv_text(row.get_ref(i)?, field);
                }
                let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
                write_csv_record(out, &refs)?;
            }
            Format::Jsonl => {
                let mut object = serde_json::Map::new();
                for (i, column) in columns.iter().enumerate() {
                    object.insert(column.clone(), metrics::json_of(row.get_ref(i)?));
                }
                serde_json::to_writer(&mut *out, &object)?;
                out.write_all(b"\n")?;
            }
        }
        count += 1;
    }
    out.flush()?;
    Ok(count)
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
}
