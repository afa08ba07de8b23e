//! The SQLite file: opening it to read or to write, refusing files that are not ours or are
//! from a newer xcc, and the connection settings of writers and readers. What the file holds
//! is written by the modules below: events, rejects, the ingests ledger, meta facts.

pub mod blocks;
pub mod codes;
pub mod events;
pub mod harden;
pub mod history;
pub mod id_set;
pub mod ingests;
pub mod ip;
pub mod meta;
pub mod migrate;
pub mod objects;
pub mod read_only;
pub mod rejects;
pub mod schema;

use crate::queries;
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use rusqlite::{Connection, OpenFlags};

use crate::input::records::DEFAULT_MAX_RECORD_BYTES;
use meta::TOOL_VERSION;
use migrate::Migration;
use schema::SCHEMA_VERSION;

/// The largest `--max-line-bytes`: no value xcc writes is longer.
pub const MAX_LINE_BYTES: usize = 1 << 30;

/// How long a writer waits by default for another writer (a concurrent ingest).
pub const WRITE_WAIT: Duration = Duration::from_secs(60);

/// Opens (creating if needed) a database to write to. A file of an older schema version is
/// brought up to date by `migrations` first.
pub fn open_for_write(path: &Path, wait: Duration, migrations: &[Migration]) -> Result<Connection> {
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
    } else if version < SCHEMA_VERSION {
        migrate::migrate(&mut conn, path, wait, migrations)?;
    }
    Ok(conn)
}

/// A writer runs only xcc's own statements on the file, which may store a raw line of up to
/// the largest `--max-line-bytes` (1 GiB): its heap limit leaves room for that.
/// Turns off SQLite's check of every foreign key on insert, for an ingest: the ingest makes
/// each reference of the rows it writes itself (the type, page and referrer ids of
/// `codes`, its own ingest id), so the check only repeats it, at three index lookups per
/// event (measured on 1M real-shaped lines: 5% of a first ingest). `xcc verify` checks every
/// reference of the file.
pub fn trust_own_references(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    Ok(())
}

pub fn harden_writer(conn: &mut Connection) -> Result<()> {
    harden::raise_heap_limit(harden::WRITER_HEAP_LIMIT_BYTES);
    harden::harden(conn, MAX_LINE_BYTES, 1)
}

fn configure_writer(conn: &Connection, path: &Path, wait: Duration) -> Result<()> {
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
fn check_path(path: &Path, creating: bool) -> Result<()> {
    let label = path.display();
    if path.is_dir() {
        bail!(
            "{label} is a folder, not a database file; give a file name, e.g. --db {}",
            path.join("sessions.db").display()
        );
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

/// Makes sure an existing file is ours before a writer touches it, through a read-only
/// connection: another program's SQLite file, or anything else, is refused unchanged, byte
/// for byte (setting the page size or the journal mode would already write to it). A file
/// made by `xcc share` is refused too: it holds sessions without (all) their events, so
/// sessionizing it again would lose them.
fn identify(path: &Path) -> Result<()> {
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

/// Writers work in WAL mode, so that readers never wait for them. A file at rest is in
/// rollback-journal mode (see [`leave_at_rest`]); switching needs the file to ourselves for a
/// moment, and SQLite does not wait for that on its own, so this waits up to `wait` for
/// another process's write to end, as a write transaction would.
fn use_wal(conn: &Connection, db: &Path, wait: Duration) -> Result<()> {
    let deadline = std::time::Instant::now() + wait;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Ok(()) => return Ok(()),
            Err(e) if !is_busy(&e) => return Err(not_ours(&db.display().to_string(), e)),
            Err(e) if std::time::Instant::now() >= deadline => return Err(busy_or(e, db, wait)),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy)
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

fn open_reader(path: &Path, check_small_files: bool) -> Result<Connection> {
    let label = path.display().to_string();
    check_path(path, false)?;
    if !path.exists() {
        bail!("{}", missing_database(path));
    }
    let mut conn = open_read_only(path, &label, false)?;
    if needs_shared_memory_it_cannot_make(&conn) {
        conn = read_immutable(path, &label)?;
    }
    let version = check_version(&conn, &label)?;
    if version == 0 {
        bail!("{label} is empty: it holds no xcc data yet (run `xcc ingest --db {label}`)");
    }
    if check_small_files && std::fs::metadata(path).is_ok_and(|m| m.len() <= QUICK_CHECK_BYTES) {
        check_pages(&conn, &label)?;
    }
    objects::check(&conn, &label, version).map_err(|e| damaged_or(e, &label))?;
    Ok(conn)
}

/// Files up to this size are checked page by page (`quick_check`) by every command that
/// reads them: every shared file, in tens of milliseconds. `serve` and `verify` check any.
pub const QUICK_CHECK_BYTES: u64 = 64 << 20;

/// SQLite's `quick_check` of every page: a damaged file is refused, not answered.
pub fn check_pages(conn: &Connection, label: &str) -> Result<()> {
    let problems: Vec<String> = conn
        .prepare(queries::store::QUICK_CHECK)
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| damaged_or(anyhow!(e), label))?;
    if problems.len() == 1 && problems[0] == "ok" {
        return Ok(());
    }
    bail!(
        "{label} is damaged: {} (sqlite3 {label} 'pragma integrity_check' lists where)",
        problems
            .first()
            .map(String::as_str)
            .unwrap_or("quick_check found problems")
    )
}

/// SQLite's own word for a damaged file, once, as the sentence; other errors as they are.
fn damaged_or(e: anyhow::Error, label: &str) -> anyhow::Error {
    let corrupt = e
        .chain()
        .find_map(|c| match c.downcast_ref::<rusqlite::Error>() {
            Some(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseCorrupt =>
            {
                Some(rusqlite::Error::SqliteFailure(*f, None).to_string())
            }
            _ => None,
        });
    match corrupt {
        Some(why) => anyhow!(
            "{label} is damaged: {why} (sqlite3 {label} 'pragma integrity_check' lists where)"
        ),
        None => e,
    }
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
    harden::raise_heap_limit(harden::READER_HEAP_LIMIT_BYTES);
    // Values as long as the longest line an ingest of the file kept (a reject), no longer.
    harden::harden(&mut conn, DEFAULT_MAX_RECORD_BYTES, 0)?;
    let longest = longest_line(&conn);
    if longest > DEFAULT_MAX_RECORD_BYTES {
        harden::harden(&mut conn, longest.min(MAX_LINE_BYTES), 0)?;
    }
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

/// The longest `--max-line-bytes` the file's ingests used; the default when it has none (or
/// cannot say: a file before schema version 3, or not ours, which is refused next).
fn longest_line(conn: &Connection) -> usize {
    conn.query_row(queries::store::LONGEST_LINE, [], |r| {
        r.get::<_, Option<i64>>(0)
    })
    .ok()
    .flatten()
    .map_or(DEFAULT_MAX_RECORD_BYTES, |n| n.max(0) as usize)
}

/// A file left in WAL mode needs a `-shm` file beside it even to be read; in a folder the
/// reader cannot write, SQLite cannot make one and refuses to read ("attempt to write a
/// readonly database", or "unable to open" when a `-wal` is there too).
fn needs_shared_memory_it_cannot_make(conn: &Connection) -> bool {
    use rusqlite::ErrorCode::{CannotOpen, ReadOnly};
    matches!(
        user_version(conn),
        Err(rusqlite::Error::SqliteFailure(f, _)) if matches!(f.code, ReadOnly | CannotOpen)
    )
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

/// The schema version of an open file (`PRAGMA user_version`).
pub fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// The schema version of the file; 0 for a new, empty file. Anything we cannot read is refused.
fn check_version(conn: &Connection, label: &str) -> Result<i64> {
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
    // Older versions are read as they are (their tables and views read the same) and
    // migrated by the first writer.
    Ok(version)
}

/// Whether the file named `label` (a path as displayed) starts with SQLite's 16-byte signature.
fn has_sqlite_signature(label: &str) -> bool {
    let mut start = [0u8; 16];
    std::fs::File::open(label)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut start))
        .is_ok_and(|()| &start == b"SQLite format 3\0")
}

fn is_corrupt(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(c.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DatabaseCorrupt)
    })
}

fn not_ours(label: &str, e: rusqlite::Error) -> anyhow::Error {
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

/// Every table and view of the file, tables first.
pub fn tables_and_views(conn: &Connection) -> Result<Vec<String>> {
    Ok(conn
        .prepare(queries::store::TABLES_AND_VIEWS)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Whether no event is stored yet: the first load, which takes the bulk-load path.
pub fn events_empty(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(queries::store::EVENTS_EMPTY, [], |r| r.get(0))?)
}

/// Starts the one IMMEDIATE transaction of a write, waiting up to the connection's busy
/// timeout (`wait`) for another writer.
pub fn begin_write<'c>(
    conn: &'c mut Connection,
    db: &Path,
    wait: Duration,
) -> Result<rusqlite::Transaction<'c>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| busy_or(e, db, wait))
}

fn busy_or(e: rusqlite::Error, db: &Path, wait: Duration) -> anyhow::Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.code == rusqlite::ErrorCode::DatabaseBusy {
            return anyhow!(
                "{} is busy: another process kept writing to it for {}; try again when it has finished",
                db.display(),
                crate::format::duration::format_seconds(wait.as_secs() as i64)
            );
        }
    }
    anyhow!(e).context(format!("cannot start writing to {}", db.display()))
}

/// Replaces an error whose cause is a full disk or a read-only file with one plain sentence
/// naming the database; other errors pass through unchanged.
pub fn explain(db: &Path, e: anyhow::Error) -> anyhow::Error {
    let failure = e
        .chain()
        .find_map(|c| match c.downcast_ref::<rusqlite::Error>() {
            Some(rusqlite::Error::SqliteFailure(f, _)) => Some(*f),
            _ => None,
        });
    let label = db.display();
    match failure.map(|f| (f.code, f.extended_code)) {
        // SQLITE_FULL, or SQLITE_IOERR_WRITE (778), which is what a write past a file-size
        // limit or onto a full device turns into.
        Some((rusqlite::ErrorCode::DiskFull, _)) | Some((_, 778)) => anyhow!(
            "cannot write to {label}: the disk is full or a file size limit was reached (nothing of this run was kept)"
        ),
        Some((rusqlite::ErrorCode::ReadOnly, _))
        | Some((rusqlite::ErrorCode::CannotOpen, _))
        | Some((rusqlite::ErrorCode::PermissionDenied, _)) => anyhow!(
            "cannot write to {label}: the file or its directory is read-only (nothing of this run was kept)"
        ),
        _ => e,
    }
}

/// A first load into an empty file writes every page once with a rollback journal (new pages
/// need no journal entry), where WAL writes it twice: into the log, then back into the file.
/// Switching needs the file to ourselves; if anyone else has it open, WAL stays, which is
/// only slower. The file stays in that mode after the load (see [`leave_at_rest`]).
pub fn use_rollback_journal_if_empty(conn: &Connection) {
    if events_empty(conn).unwrap_or(false) {
        let _ = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        });
    }
}

/// Leaves the file at rest after a write: the write-ahead log folded back into the file and,
/// when no other connection has it open, the file returned to rollback-journal mode, so that
/// it is complete on its own (no `-wal`, no `-shm`) and opens read-only from a read-only
/// folder, as another user, or e-mailed. While a server or another writer has the file open
/// the switch fails at once (no waiting) and the file stays in WAL mode, where readers never
/// wait for a writer; the next writer to finish alone completes it.
///
/// A checkpoint that fails (a full disk while the log is copied into the file) is an error:
/// what was committed is safe in the log, but the file alone is incomplete, and the sentence
/// says so. SQLite finishes the copy at the next writer's end.
pub fn leave_at_rest(conn: &Connection, db: &Path) -> Result<()> {
    let checkpoint = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    });
    match checkpoint {
        Err(e) => return Err(incomplete_without_log(db, e)),
        // Readers (a running server) still use the log: the file stays in WAL mode.
        Ok(busy) if busy != 0 => return Ok(()),
        Ok(_) => {}
    }
    let _ = conn.busy_timeout(Duration::ZERO);
    let _ = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| {
        r.get::<_, String>(0)
    });
    Ok(())
}

fn incomplete_without_log(db: &Path, e: rusqlite::Error) -> anyhow::Error {
    let db = db.display();
    let why = match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::DiskFull || f.extended_code == 778 =>
        {
            "the disk filled up".to_string()
        }
        other => other.to_string(),
    };
    anyhow!(
        "the data is committed and safe in {db}-wal, but {db} is incomplete without it: {why} while the log was copied into the file; keep the two files together, free some space, and run any xcc command that writes (e.g. `xcc sessionize --db {db}`) to finish the copy"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_file_gets_schema_and_refuses_other_files() {
        let dir = std::env::temp_dir().join(format!("xcc-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("a.db");
        let _ = std::fs::remove_file(&db);
        let conn = open_for_write(&db, WRITE_WAIT, &[]).unwrap();
        assert_eq!(meta::session_timeout_seconds(&conn).unwrap(), 1800);
        drop(conn);
        // Opening again is fine; a newer version is refused with both versions named.
        let conn = open_for_write(&db, WRITE_WAIT, &[]).unwrap();
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
        let err = open_for_write(&text, WRITE_WAIT, &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("is not an xcc database (it is not an SQLite file)"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
