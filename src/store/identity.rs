//! Telling xcc's files from others before anything is read or written: another program's
//! SQLite file, a file that is not SQLite, a file from a newer xcc, a shared file (never
//! written to), each refused with its own sentence and left byte for byte as it was.

use std::path::Path;

use anyhow::{anyhow, bail, Result};
use rusqlite::{Connection, OpenFlags};

use super::damage::{check_pages, damaged_or, is_corrupt};
use super::meta::{self, TOOL_VERSION};
use super::schema::SCHEMA_VERSION;
use super::{harden, objects};
use crate::input::records::DEFAULT_MAX_RECORD_BYTES;
use crate::queries;

/// Makes sure an existing file is ours before a writer touches it, through a read-only
/// connection: another program's SQLite file, or anything else, is refused unchanged, byte
/// for byte (setting the page size or the journal mode would already write to it). A file
/// made by `xcc share` is refused too: it holds sessions without (all) their events, so
/// sessionizing it again would lose them.
pub(crate) fn identify(path: &Path) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let label = path.display().to_string();
    let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| not_ours(&label, e))?;
    harden::harden(&mut conn, DEFAULT_MAX_RECORD_BYTES, 0)?;
    let version = check_version(&conn, &label)?;
    // An older file is checked in full after its migration, inside the same transaction.
    match version {
        0 => Ok(()),
        SCHEMA_VERSION => objects::check(&conn, &label, version),
        _ => objects::check_triggers(&conn, &label),
    }
    .map_err(|e| damaged_or(e, &label))?;
    if meta::get(&conn, "shared_at").ok().flatten().is_some() {
        bail!(
            "{} is a file shared for analysts (made by xcc share) and is never written to; ingest into the working file it was made from, then share again",
            path.display()
        );
    }
    Ok(())
}

/// The schema version of an open file (`PRAGMA user_version`).
pub fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// The schema version of the file; 0 for a new, empty file. Anything we cannot read is refused.
pub(crate) fn check_version(conn: &Connection, label: &str) -> Result<i64> {
    let version = user_version(conn).map_err(|e| not_ours(label, e))?;
    if version == 0 {
        let tables: i64 = conn
            .query_row(queries::store::TABLE_COUNT, [], |r| r.get(0))
            .map_err(|e| not_ours(label, e))?;
        if tables > 0 {
            bail!("{label} is not an xcc database (it is an SQLite file with other tables)");
        }
        return Ok(0);
    }
    // A meta table that cannot be read is damage, said as such, never "not ours".
    let app = match meta::get(conn, "application") {
        Ok(app) => app,
        Err(e) if is_corrupt(&e) => return Err(damaged_or(e, label)),
        Err(_) => None,
    };
    if app.as_deref() != Some("xcc") {
        // A damaged page can hide the marker: damage is said as damage.
        check_pages(conn, label)?;
        bail!("{label} is not an xcc database (no xcc marker in its meta table)");
    }
    if version > SCHEMA_VERSION {
        bail!(
            "{label} was written by a newer xcc (schema version {version}; this xcc {TOOL_VERSION} reads version {SCHEMA_VERSION})"
        );
    }
    // xcc makes every file in UTF-8, SQLite's default, and a file keeps its encoding for
    // good: one of UTF-16 text was rebuilt elsewhere. SQLite would convert each of its values
    // as it is read, a copy that can fail at the memory budget where rusqlite cannot return
    // an error (it panics).
    let encoding: String = conn
        .pragma_query_value(None, "encoding", |r| r.get(0))
        .map_err(|e| not_ours(label, e))?;
    if encoding != "UTF-8" {
        bail!(
            "{label} was changed after xcc wrote it: its text is {encoding}, and xcc writes UTF-8"
        );
    }
    // Older versions are read as they are (their tables and views read the same) and
    // migrated by the first writer.
    Ok(version)
}

/// Whether the file named `label` (a path as displayed) starts with SQLite's 16-byte signature.
pub(crate) fn has_sqlite_signature(label: &str) -> bool {
    let mut start = [0u8; 16];
    std::fs::File::open(label)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut start))
        .is_ok_and(|()| &start == b"SQLite format 3\0")
}

pub(crate) fn not_ours(label: &str, e: rusqlite::Error) -> anyhow::Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.code == rusqlite::ErrorCode::NotADatabase {
            if !has_sqlite_signature(label) {
                return anyhow!("{label} is not an xcc database (it is not an SQLite file)");
            }
            // SQLite's signature, then a header it cannot read: a damaged SQLite file.
            return anyhow!(
                "{label} is damaged: {} (its header after the SQLite signature cannot be read)",
                rusqlite::Error::SqliteFailure(*f, None)
            );
        }
    }
    damaged_or(anyhow!(e).context(format!("cannot read {label}")), label)
}
