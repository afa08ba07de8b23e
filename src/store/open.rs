//! Opening the file: a writer's connection (created with the schema when new), a reader's
//! (read-only, its objects checked, a small file's pages too), the paths and URIs they take.
//! Migrating an older file is `upgrade`'s: writers open through `upgrade::open_for_write`.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, OpenFlags};

use super::damage::{check_pages, damaged_or, QUICK_CHECK_BYTES};
use super::identity::user_version;
use super::identity::{check_version, identify, not_ours};
use super::journal::use_wal;
use super::schema::{self, SCHEMA_VERSION};
use super::{harden, memory, meta, objects};
use crate::input::records::DEFAULT_MAX_RECORD_BYTES;

/// The largest `--max-line-bytes`: no value xcc writes is longer.
pub const MAX_LINE_BYTES: usize = 1 << 30;

/// Opens (creating if needed) a database to write to, with its schema version (a new file is
/// made the current version). A file of an older version is returned as it is: writers open
/// through `upgrade::open_for_write`, which brings it up to date first.
pub fn open_for_write_as_found(path: &Path, wait: Duration) -> Result<(Connection, i64)> {
    let label = path.display().to_string();
    check_path(path, true)?;
    identify(path)?;
    let mut conn =
        Connection::open(path).with_context(|| format!("cannot open or create {label}"))?;
    harden_writer(&mut conn)?;
    conn.busy_timeout(wait)?;
    configure_writer(&conn, path, wait)?;
    let version = check_version(&conn, &label)?;
    if version == 0 {
        schema::create(&conn).with_context(|| format!("cannot create the schema in {label}"))?;
        return Ok((conn, SCHEMA_VERSION));
    }
    Ok((conn, version))
}

/// Turns off SQLite's check of every foreign key on insert, for an ingest: the ingest makes
/// each reference of the rows it writes itself (the type, page and referrer ids of
/// `codes`, its own ingest id), so the check only repeats it, at three index lookups per
/// event (measured on 1M real-shaped lines: 5% of a first ingest). `xcc verify` checks every
/// reference of the file.
pub fn trust_own_references(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    Ok(())
}

/// A writer runs only xcc's own statements on the file, which may store a raw line of up to
/// the largest `--max-line-bytes` (1 GiB): its memory budget leaves room for that.
pub fn harden_writer(conn: &mut Connection) -> Result<()> {
    memory::raise_budget(memory::WRITER_BUDGET_BYTES);
    harden::harden(conn, MAX_LINE_BYTES, 1)
}

pub(crate) fn configure_writer(conn: &Connection, path: &Path, wait: Duration) -> Result<()> {
    let label = &path.display().to_string();
    // page_size must precede the first write to take effect; on an existing file it is a
    // no-op. Larger pages mean fewer b-tree splits and WAL frames for a bulk load (measured:
    // 16 KiB ingests about 20% faster than 4 KiB). It is also the first statement to touch
    // the file, so it is where a non-SQLite file shows itself.
    conn.pragma_update(None, "page_size", 16384)
        .map_err(|e| not_ours(label, e))?;
    use_wal(conn, path, wait)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -schema::WRITER_CACHE_KIB)?;
    Ok(())
}

/// A folder given as the database, or (for a writer, which may create the file) a file in a
/// folder that does not exist, each in a sentence of its own rather than SQLite's "unable
/// to open" or "disk I/O error".
pub(crate) fn check_path(path: &Path, creating: bool) -> Result<()> {
    let label = path.display();
    if path.is_dir() {
        bail!(
            "{label} is a folder, not a database file; give a file name, e.g. --db {}",
            path.join("sessions.db").display()
        );
    }
    // Opened by SQLite, a FIFO would hang the command and a device would get files made
    // beside it (`/dev/null-journal`): refused before anything opens them.
    if let Some(kind) = special_kind(path, true) {
        bail!("{label} is {kind}, not a database file; give the path of an SQLite file");
    }
    if let Err(e) = std::fs::File::open(path) {
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            bail!("cannot read {label}: permission denied (this user may not read the file)");
        }
    }
    let folder = folder_of(path);
    if creating && !folder.is_dir() {
        bail!(
            "cannot create {label}: the folder {} does not exist",
            folder.display()
        );
    }
    Ok(())
}

/// What `path` is when it is there and not a regular file or a folder, in words ("a FIFO (a
/// named pipe)", "a character device"…); `None` for a regular file, a folder or nothing.
/// `follow_links`: whether a symbolic link counts as what it points to, or as a link.
pub fn special_kind(path: &Path, follow_links: bool) -> Option<&'static str> {
    let meta = if follow_links {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    }
    .ok()?;
    let kind = meta.file_type();
    if kind.is_file() || kind.is_dir() {
        return None;
    }
    if kind.is_symlink() {
        return Some("a symbolic link");
    }
    Some(unix_kind(&kind))
}

#[cfg(unix)]
fn unix_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO (a named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn unix_kind(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

/// Removes a database file that a failed run created, with whatever SQLite made beside it.
pub fn remove_database_files(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
}

/// The folder a file is (or would be) in; `.` for a bare file name.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The sentence for a database that does not exist: how to make one, from a file of events,
/// from synthetic data, or from the public file (a large download, so named last).
pub fn missing_database(path: &Path) -> String {
    let db = path.display();
    format!(
        "database {db} does not exist; make it from a file of events with `xcc ingest events.jsonl --db {db}`, try xcc on synthetic data with `xcc demo`, or download the public file (195 MB) with `xcc ingest --db {db}`"
    )
}

/// Opens an existing database read-only, as the server and `xcc metrics` do: its objects
/// are checked, and its pages too when it is small (see [`QUICK_CHECK_BYTES`]).
pub fn open_for_read(path: &Path) -> Result<Connection> {
    open_reader(path, true)
}

/// Another reader of a file that was just opened with [`open_for_read`] and whose pages were
/// checked: its objects are checked again, its pages not.
pub fn open_for_read_again(path: &Path) -> Result<Connection> {
    open_reader(path, false)
}

pub(crate) fn open_reader(path: &Path, check_small_files: bool) -> Result<Connection> {
    let label = path.display().to_string();
    check_path(path, false)?;
    if !path.exists() {
        bail!("{}", missing_database(path));
    }
    let mut conn = open_read_only(path, &label, false)?;
    match first_read(&conn, path) {
        FirstRead::Fine => {}
        FirstRead::HotJournal => {
            drop(conn);
            roll_back_hot_journal(path, &label)?;
            conn = open_read_only(path, &label, false)?;
        }
        FirstRead::NeedsSharedMemory => conn = read_immutable(path, &label)?,
    }
    let version = check_version(&conn, &label)?;
    if version == 0 {
        bail!("{label} is empty: it holds no xcc data yet (run `xcc ingest --db {label}`)");
    }
    if check_small_files && std::fs::metadata(path).is_ok_and(|m| m.len() <= QUICK_CHECK_BYTES) {
        check_pages(&conn, &label)?;
    }
    objects::check(&conn, &label, version).map_err(|e| damaged_or(e, &label))?;
    check_meta(&conn, &label)?;
    Ok(conn)
}

/// The meta facts every command reads, checked as they are read: a file whose session
/// timeout is not one xcc could have stored was changed after xcc wrote it.
pub fn check_meta(conn: &Connection, label: &str) -> Result<()> {
    meta::session_timeout_seconds(conn)
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("{label} was changed after xcc wrote it: {e}"))
}

fn open_read_only(path: &Path, label: &str, immutable: bool) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = if immutable {
        let uri = format!("{}?immutable=1", file_uri(path)?);
        Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
    } else {
        Connection::open_with_flags(path, flags)
    }
    .with_context(|| format!("cannot open {label}"))?;
    memory::raise_budget(memory::READER_BUDGET_BYTES);
    // Values of at most harden::READER_LENGTH_LIMIT, whatever the file says of its ingests.
    harden::harden(&mut conn, DEFAULT_MAX_RECORD_BYTES, 0)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

/// What the first read of a read-only connection says about the file's state.
enum FirstRead {
    /// Read, or failed for a reason the checks after it say.
    Fine,
    /// A hot journal lies beside the file: a writer stopped in the middle of a transaction,
    /// and the file holds part of it until the journal is rolled back. A read-only connection
    /// cannot roll it back, and SQLite refuses to read past it (SQLITE_READONLY_ROLLBACK).
    HotJournal,
    /// The file is in WAL mode and needs a `-shm` file beside it even to be read; in a folder
    /// the reader cannot write, SQLite cannot make one and refuses to read ("attempt to write
    /// a readonly database", or "unable to open" when a `-wal` is there too).
    NeedsSharedMemory,
}

fn first_read(conn: &Connection, path: &Path) -> FirstRead {
    use rusqlite::ErrorCode::{CannotOpen, ReadOnly};
    match user_version(conn) {
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK =>
        {
            FirstRead::HotJournal
        }
        Err(rusqlite::Error::SqliteFailure(f, _))
            if matches!(f.code, ReadOnly | CannotOpen) && header_says_wal(path) =>
        {
            FirstRead::NeedsSharedMemory
        }
        _ => FirstRead::Fine,
    }
}

/// Whether the file's header says WAL mode: bytes 18 and 19 (the file format's write and read
/// versions) are 2 in WAL mode, 1 with a rollback journal (SQLite's file format, 1.3.2).
fn header_says_wal(path: &Path) -> bool {
    let mut header = [0u8; 20];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
        .is_ok_and(|()| header[18] == 2 && header[19] == 2)
}

/// Rolls back the hot journal beside `path`, as any SQLite connection that may write does
/// when it first reads the file (the sqlite3 shell, or xcc's next ingest): what the stopped
/// writer had begun is undone, and the file is again what its last commit left. Said on
/// stderr. Where the file or its folder is read-only, nothing can roll it back here, and the
/// file is refused: read past the journal, it would show an uncommitted write as data.
fn roll_back_hot_journal(path: &Path, label: &str) -> Result<()> {
    let refused = || {
        anyhow::anyhow!(
            "{label} holds an unfinished write ({label}-journal beside it is from a writer that stopped in the middle), and it cannot be rolled back here because the file or its folder is read-only; run any xcc command that writes (e.g. `xcc sessionize --db {label}`) where it can write, or copy both files to a folder you can write"
        )
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|_| refused())?;
    harden::harden(&mut conn, DEFAULT_MAX_RECORD_BYTES, 0)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // The first read takes the file to itself and rolls the journal back (pager.c).
    match user_version(&conn) {
        Ok(_) => {
            eprintln!(
                "xcc: note: {label} held an unfinished write ({label}-journal, from a writer that stopped in the middle); rolled it back, as SQLite does, so the file is what its last commit left"
            );
            Ok(())
        }
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK =>
        {
            Err(refused())
        }
        Err(e) => Err(not_ours(label, e)),
    }
}

/// Reads a WAL-mode file that cannot get its `-shm` as immutable: safe when no `-wal` file
/// with data sits beside it (the checkpoint after every xcc write empties it), which is
/// checked; otherwise the data in the log would be invisible, and that is said instead.
fn read_immutable(path: &Path, label: &str) -> Result<Connection> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        bail!(
            "{label} is in WAL mode with {label}-wal beside it, and its folder is not writable, so SQLite cannot read them; copy both files to a folder you can write, or let any xcc command that writes finish there first"
        );
    }
    static NOTE: std::sync::Once = std::sync::Once::new();
    NOTE.call_once(|| {
        eprintln!(
            "xcc: note: {label} was left in WAL mode and its folder is not writable; reading it as immutable (it must not change while this runs)"
        )
    });
    open_read_only(path, label, true)
}

/// `path` as an SQLite `file:` URI, with the characters a URI would read as syntax escaped.
pub fn file_uri(path: &Path) -> Result<String> {
    let absolute =
        std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))?;
    let mut uri = String::from("file:");
    for c in absolute.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => uri.push_str(&format!("%{:02X}", c as u32)),
            _ => uri.push(c),
        }
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{meta, WRITE_WAIT};

    #[test]
    fn new_file_gets_schema_and_refuses_other_files() {
        let dir = std::env::temp_dir().join(format!("xcc-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("a.db");
        let _ = std::fs::remove_file(&db);
        let conn = open_for_write_as_found(&db, WRITE_WAIT).unwrap().0;
        assert_eq!(meta::session_timeout_seconds(&conn).unwrap(), 1800);
        drop(conn);
        // Opening again is fine; a newer version is refused with both versions named.
        let conn = open_for_write_as_found(&db, WRITE_WAIT).unwrap().0;
        conn.pragma_update(None, "user_version", schema::SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = open_for_read(&db).unwrap_err().to_string();
        let newer = format!("newer xcc (schema version {}", schema::SCHEMA_VERSION + 1);
        assert!(err.contains(&newer), "{err}");

        let text = dir.join("b.db");
        std::fs::write(
            &text,
            "this is not sqlite, just text long enough to be read",
        )
        .unwrap();
        let err = open_for_write_as_found(&text, WRITE_WAIT)
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("is not an xcc database (it is not an SQLite file)"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
