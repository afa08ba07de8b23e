//! The file's journal: WAL while a writer works (readers never wait), and a rollback journal
//! for a first load and at rest (one file, complete on its own, that opens read-only
//! anywhere). Reading a file left in WAL mode is `open`'s.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, Result};
use rusqlite::Connection;

use super::events::events_empty;
use super::identity::not_ours;
use super::writing::{busy_or, is_busy};

/// Writers work in WAL mode, so that readers never wait for them. A file at rest is in
/// rollback-journal mode (see [`leave_at_rest`]); switching needs the file to ourselves for a
/// moment, and SQLite does not wait for that on its own, so this waits up to `wait` for
/// another process's write to end, as a write transaction would.
pub(crate) fn use_wal(conn: &Connection, db: &Path, wait: Duration) -> Result<()> {
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

pub(crate) fn incomplete_without_log(db: &Path, e: rusqlite::Error) -> anyhow::Error {
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
