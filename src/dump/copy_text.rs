//! PostgreSQL's COPY text format: one row a line, fields separated by tabs, `\N` for NULL,
//! and backslash escapes for the bytes that would break a line or a field. Pure.
//! <https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.2>

use std::fmt::Write as _;

use rusqlite::types::ValueRef;

/// Why a value cannot go into PostgreSQL as it is.
#[derive(Debug, PartialEq, Eq)]
pub enum Unfit {
    /// PostgreSQL text cannot hold the NUL character.
    Nul,
    /// PostgreSQL text must be valid UTF-8.
    NotUtf8,
}

impl std::fmt::Display for Unfit {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match self {
            Unfit::Nul => "holds a NUL character, which PostgreSQL text cannot",
            Unfit::NotUtf8 => "is not valid UTF-8, which PostgreSQL text must be",
        })
    }
}

/// Appends one field in COPY text format. Text is escaped; a BLOB becomes bytea's hex
/// form (`\\x…` once the backslash is escaped), which holds any byte; a REAL is written with
/// the fewest digits that read back as the same double.
pub fn push_field(line: &mut String, value: ValueRef) -> Result<(), Unfit> {
    match value {
        ValueRef::Null => line.push_str("\\N"),
        ValueRef::Integer(n) => push_integer(line, n),
        ValueRef::Real(x) => {
            let _ = write!(line, "{x:?}");
        }
        ValueRef::Text(bytes) => {
            let text = std::str::from_utf8(bytes).map_err(|_| Unfit::NotUtf8)?;
            push_text(line, text)?;
        }
        ValueRef::Blob(bytes) => {
            line.push_str("\\\\x");
            for b in bytes {
                let _ = write!(line, "{b:02x}");
            }
        }
    }
    Ok(())
}

/// `itoa`, not `write!`: the formatting machinery costs more than the digits where a dump
/// writes millions of numbers.
fn push_integer(line: &mut String, n: i64) {
    line.push_str(itoa::Buffer::new().format(n));
}

fn push_text(line: &mut String, text: &str) -> Result<(), Unfit> {
    // The bytes to escape are ASCII, so the text is copied in runs between them.
    let mut rest = text;
    while let Some(at) = rest
        .bytes()
        .position(|b| matches!(b, b'\\' | b'\n' | b'\r' | b'\t' | 0))
    {
        line.push_str(&rest[..at]);
        line.push_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            _ => return Err(Unfit::Nul),
        });
        rest = &rest[at + 1..];
    }
    line.push_str(rest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(value: ValueRef) -> Result<String, Unfit> {
        let mut line = String::new();
        push_field(&mut line, value).map(|()| line)
    }

    #[test]
    fn text_escapes_what_would_end_a_field_or_a_line() {
        // From the COPY documentation: backslash, newline, carriage return and tab are
        // written as \\, \n, \r and \t; everything else as it is.
        assert_eq!(
            field(ValueRef::Text("a\\b\nc\rd\te é ✓".as_bytes())).unwrap(),
            "a\\\\b\\nc\\rd\\te é ✓"
        );
        assert_eq!(field(ValueRef::Text(b"\\N")).unwrap(), "\\\\N");
        assert_eq!(field(ValueRef::Null).unwrap(), "\\N");
    }

    #[test]
    fn blobs_are_bytea_hex_with_every_byte() {
        // NUL, backslash, tab, newline and bytes that are not UTF-8.
        assert_eq!(
            field(ValueRef::Blob(b"\0\\\t\n\xff\xfe")).unwrap(),
            "\\\\x005c090aff fe".replace(' ', "")
        );
        assert_eq!(field(ValueRef::Blob(b"")).unwrap(), "\\\\x");
    }

    #[test]
    fn numbers_read_back_as_the_same_value() {
        assert_eq!(field(ValueRef::Integer(-42)).unwrap(), "-42");
        assert_eq!(
            field(ValueRef::Integer(i64::MIN)).unwrap(),
            "-9223372036854775808"
        );
        for x in [0.1, 930.0, 47.5, 1.0 / 3.0, 2.5e-8, 1.7976931348623157e308] {
            let text = field(ValueRef::Real(x)).unwrap();
            assert_eq!(text.parse::<f64>().unwrap(), x, "{text}");
        }
    }

    #[test]
    fn text_postgresql_cannot_hold_is_refused() {
        assert_eq!(field(ValueRef::Text(b"a\0b")), Err(Unfit::Nul));
        assert_eq!(field(ValueRef::Text(b"\xff")), Err(Unfit::NotUtf8));
    }
}
