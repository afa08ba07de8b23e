//! Starting a write and saying why one failed: the one IMMEDIATE transaction, the wait for
//! another writer, and one sentence for a busy, full or read-only file.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, Result};
use rusqlite::Connection;

/// How long a writer waits by default for another writer (a concurrent ingest).
pub const WRITE_WAIT: Duration = Duration::from_secs(60);

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

pub(crate) fn busy_or(e: rusqlite::Error, db: &Path, wait: Duration) -> anyhow::Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.code == rusqlite::ErrorCode::DatabaseBusy {
            return anyhow!(
                "{} is busy: another process kept writing to it for {}; try again when it has finished",
                db.display(),
                crate::format::duration::format_duration(wait)
            );
        }
    }
    anyhow!(e).context(format!("cannot start writing to {}", db.display()))
}

pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy)
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
