//! The SQLite file: creating it from `schema.sql`, refusing files that are not ours or are
//! from another schema version, and the connection settings of writers and readers.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::upgrade;

pub const SCHEMA_SQL: &str = include_str!("../schema.sql");
pub const VIEWS_SQL: &str = include_str!("../queries/views.sql");
pub const DICTIONARY_SQL: &str = include_str!("../queries/dictionary.sql");
/// Bumped whenever `schema.sql` or `queries/views.sql` changes shape; src/upgrade.rs brings
/// older files up to it.
pub const SCHEMA_VERSION: i64 = 2;
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
/// How long a writer waits by default for another writer (a concurrent ingest).
pub const WRITE_WAIT: Duration = Duration::from_secs(60);

pub const DEFAULT_TIMEOUT_SECONDS: i64 = 30 * 60;

/// Opens (creating if needed) a database to write to.
pub fn open_for_write(path: &Path, wait: Duration) -> Result<Connection> {
    let mut conn = Connection::open(path)
        .with_context(|| format!("cannot open or create {}", path.display()))?;
    conn.busy_timeout(wait)?;
    let label = path.display();
    // journal_mode is the first statement to touch the file, so it is where a non-SQLite
    // file shows itself.
    // Must precede the first write to take effect; on an existing file it is a no-op.
    // Larger pages mean fewer b-tree splits and WAL frames for a bulk load (measured:
    // 16 KiB ingests about 20% faster than 4 KiB).
    conn.pragma_update(None, "page_size", 16384)
        .map_err(|e| not_ours(&label.to_string(), e))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| not_ours(&label.to_string(), e))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;",
    )?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    let version = check_version(&conn, &label.to_string())?;
    if version == 0 {
        create_schema(&conn).with_context(|| format!("cannot create the schema in {label}"))?;
    } else if version < SCHEMA_VERSION {
        if let Some(done) = upgrade::run(&mut conn, path, wait)? {
            eprintln!(
                "xcc: upgraded {label} from schema version {} to {SCHEMA_VERSION} ({} sessions rebuilt)",
                done.from,
                crate::progress::thousands(done.sessions)
            );
        }
    }
    Ok(conn)
}

/// Opens an existing database read-only, as the server and `xcc metrics` do.
pub fn open_for_read(path: &Path) -> Result<Connection> {
    let label = path.display().to_string();
    if !path.exists() {
        bail!("database {label} does not exist (create it with `xcc ingest --db {label}`)");
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open {label}"))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let version = check_version(&conn, &label)?;
    if version == 0 {
        bail!("{label} is empty: it holds no xcc data yet (run `xcc ingest --db {label}`)");
    }
    Ok(conn)
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

fn not_ours(label: &str, e: rusqlite::Error) -> anyhow::Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.code == rusqlite::ErrorCode::NotADatabase {
            return anyhow!("{label} is not an xcc database (it is not an SQLite file)");
        }
    }
    anyhow!(e).context(format!("cannot read {label}"))
}

/// The schema version of the file; 0 for a new, empty file. Anything we cannot read is refused.
fn check_version(conn: &Connection, label: &str) -> Result<i64> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| not_ours(label, e))?;
    if version == 0 {
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| not_ours(label, e))?;
        if tables > 0 {
            bail!("{label} is not an xcc database (it is an SQLite file with other tables)");
        }
        return Ok(0);
    }
    let app: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'application'",
            [],
            |r| r.get(0),
        )
        .optional()
        .ok()
        .flatten();
    if app.as_deref() != Some("xcc") {
        bail!("{label} is not an xcc database (no xcc marker in its meta table)");
    }
    if version > SCHEMA_VERSION {
        bail!(
            "{label} was written by a newer xcc (schema version {version}; this xcc {TOOL_VERSION} reads version {SCHEMA_VERSION})"
        );
    }
    // Older versions are read as they are (their tables and views read the same) and
    // upgraded by the first writer.
    Ok(version)
}

fn create_schema(conn: &Connection) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch(SCHEMA_SQL)?;
    tx.execute_batch(VIEWS_SQL)?;
    tx.execute_batch(DICTIONARY_SQL)?;
    let mut put = tx.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
    put.execute(["application", "xcc"])?;
    put.execute(["schema_version", &SCHEMA_VERSION.to_string()])?;
    put.execute(["created_by", &format!("xcc {TOOL_VERSION}")])?;
    put.execute([
        "session_timeout_seconds",
        &DEFAULT_TIMEOUT_SECONDS.to_string(),
    ])?;
    put.execute(["data_generation", "0"])?;
    put.execute(["last_written_by", &format!("xcc {TOOL_VERSION}")])?;
    drop(put);
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

pub fn session_timeout_seconds(conn: &Connection) -> Result<i64> {
    let value: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'session_timeout_seconds'",
            [],
            |r| r.get(0),
        )
        .context("the database has no session timeout in its meta table")?;
    value
        .parse()
        .with_context(|| format!("the stored session timeout '{value}' is not a number"))
}

/// The indexes on `events` that a load into an empty table builds afterwards in one pass.
pub const DEFERRABLE_INDEXES: [&str; 2] = ["events_by_id", "events_by_customer_time"];

/// The secondary indexes of `sessions`, which a full rebuild builds after writing.
pub const SESSION_INDEXES: [&str; 4] = [
    "sessions_by_customer",
    "sessions_ordering",
    "sessions_timeline",
    "sessions_by_referrer_host",
];

/// An index's statement as `schema.sql` defines it.
fn index_sql(name: &str) -> Result<&'static str> {
    statement(
        &[
            format!("CREATE INDEX {name} "),
            format!("CREATE UNIQUE INDEX {name} "),
        ],
        name,
    )
}

/// A table's statement as `schema.sql` defines it.
pub fn table_sql(name: &str) -> Result<&'static str> {
    statement(&[format!("CREATE TABLE {name} (")], name)
}

/// The statement of `schema.sql` that starts with one of `heads`, up to its semicolon.
fn statement(heads: &[String], name: &str) -> Result<&'static str> {
    let start = heads
        .iter()
        .find_map(|head| SCHEMA_SQL.find(head.as_str()))
        .ok_or_else(|| anyhow!("schema.sql does not define {name}"))?;
    let end = start
        + SCHEMA_SQL[start..]
            .find(';')
            .unwrap_or(SCHEMA_SQL.len() - start - 1);
    Ok(&SCHEMA_SQL[start..=end])
}

/// Whether no event is stored yet: the first load, which takes the bulk-load path.
fn events_empty(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM events)", [], |r| r.get(0))?)
}

/// Drops the deferrable indexes when the events table is empty, so that a first bulk load
/// can build them in one pass afterwards; returns whether it did. Inside the caller's
/// transaction, so a failed load gets them back by rolling back.
pub fn defer_indexes(conn: &Connection) -> Result<bool> {
    let empty = events_empty(conn)?;
    if empty {
        for name in DEFERRABLE_INDEXES {
            conn.execute_batch(&format!("DROP INDEX {name};"))?;
        }
    }
    Ok(empty)
}

/// Page cache while SQLite sorts for `CREATE INDEX`: its sorter sizes its in-memory runs by
/// the cache, and runs that fit the CPU's caches sort faster. Measured on a 1M-line first
/// load (both event indexes, one sorter helper, two runs each): 2 MiB 0.51 s, 4 MiB 0.54 s,
/// 32 MiB 0.90 s.
const INDEX_BUILD_CACHE_KIB: i64 = 2048;
/// Helper threads of SQLite's sorter during `CREATE INDEX`. Indexes are built after the
/// parser thread has finished, so its core is free; one helper sorts runs while the writer
/// reads the table. Measured on a 1M-line first load with a 4 MiB cache: the two event
/// indexes in 0.54 s against 0.68 s without.
const INDEX_BUILD_THREADS: i64 = 1;
/// The writer's page cache, 32 MiB: measured, more buys nothing for a bulk load and costs memory.
const CACHE_KIB: i64 = 32768;

pub fn create_index(conn: &Connection, name: &str) -> Result<()> {
    conn.pragma_update(None, "cache_size", -INDEX_BUILD_CACHE_KIB)?;
    conn.pragma_update(None, "threads", INDEX_BUILD_THREADS)?;
    let built = conn
        .execute_batch(index_sql(name)?)
        .with_context(|| format!("cannot build the index {name}"));
    conn.pragma_update(None, "threads", 0)?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    built
}

pub fn busy_or(e: rusqlite::Error, db: &Path, wait: Duration) -> anyhow::Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.code == rusqlite::ErrorCode::DatabaseBusy {
            return anyhow!(
                "{} is busy: another process kept writing to it for {}; try again when it has finished",
                db.display(),
                crate::duration_arg::format_seconds(wait.as_secs() as i64)
            );
        }
    }
    anyhow!(e).context(format!("cannot start writing to {}", db.display()))
}

/// A first load into an empty file writes every page once with a rollback journal (new pages
/// need no journal entry), where WAL writes it twice: into the log, then back into the file.
/// Switching needs the file to ourselves; if anyone else has it open, WAL stays, which is
/// only slower. Returns whether the switch happened.
pub fn use_rollback_journal_if_empty(conn: &Connection) -> bool {
    events_empty(conn).unwrap_or(false)
        && conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            })
            .is_ok_and(|mode| mode.eq_ignore_ascii_case("delete"))
}

/// Back to WAL after a first load, so that readers never wait for the next writer. Every
/// writer's open sets WAL as well, so a failure here (someone opened the file meanwhile) is
/// repaired by the next ingest.
pub fn use_wal(conn: &Connection) {
    let _ = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
}

/// Counts committed changes of the data, so that servers know when cached answers are stale.
/// Called inside every writing transaction.
pub fn bump_generation(conn: &Connection) -> Result<()> {
    conn.execute(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_generation'",
        [],
    )?;
    set_meta(conn, "last_written_by", &format!("xcc {TOOL_VERSION}"))
}

/// The current data generation (see [`bump_generation`]).
pub fn generation(conn: &Connection) -> Result<i64> {
    let value: String = conn
        .prepare_cached("SELECT value FROM meta WHERE key = 'data_generation'")?
        .query_row([], |r| r.get(0))?;
    Ok(value.parse().unwrap_or(0))
}

pub fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
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
        let conn = open_for_write(&db, WRITE_WAIT).unwrap();
        assert_eq!(session_timeout_seconds(&conn).unwrap(), 1800);
        drop(conn);
        // Opening again is fine; a newer version is refused with both versions named.
        let conn = open_for_write(&db, WRITE_WAIT).unwrap();
        conn.pragma_update(None, "user_version", 7).unwrap();
        drop(conn);
        let err = open_for_read(&db).unwrap_err().to_string();
        assert!(err.contains("newer xcc (schema version 7"), "{err}");

        let text = dir.join("b.db");
        std::fs::write(
            &text,
            "this is not sqlite, just text long enough to be read",
        )
        .unwrap();
        let err = open_for_write(&text, WRITE_WAIT).unwrap_err().to_string();
        assert!(
            err.ends_with("is not an xcc database (it is not an SQLite file)"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
