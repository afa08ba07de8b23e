//! `xcc sessionize`: every session rebuilt from the stored events in one transaction,
//! with the timeout stored for later ingests.

use std::path::Path;

use anyhow::{bail, Context, Result};
use rusqlite::TransactionBehavior;

use crate::{duration_arg, session_store, store};

pub struct RebuildReport {
    pub timeout_seconds: i64,
    pub sessions: u64,
}

pub fn run(db: &Path, timeout_seconds: Option<i64>) -> Result<RebuildReport> {
    rebuild(db, timeout_seconds).map_err(|e| store::explain(db, e))
}

fn rebuild(db: &Path, timeout_seconds: Option<i64>) -> Result<RebuildReport> {
    if !db.exists() {
        bail!(
            "database {} does not exist (create it with `xcc ingest --db {}`)",
            db.display(),
            db.display()
        );
    }
    let mut conn = store::open_for_write(db, store::WRITE_WAIT)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| store::busy_or(e, db, store::WRITE_WAIT))?;
    let timeout_seconds = match timeout_seconds {
        Some(t) => {
            store::set_meta(&tx, "session_timeout_seconds", &t.to_string())?;
            t
        }
        None => store::session_timeout_seconds(&tx)?,
    };
    let sessions = session_store::rebuild_all(&tx, timeout_seconds * 1_000_000)?;
    store::bump_generation(&tx)?;
    tx.commit()
        .with_context(|| format!("cannot commit to {}", db.display()))?;
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
    Ok(RebuildReport {
        timeout_seconds,
        sessions,
    })
}

pub fn describe(report: &RebuildReport) -> String {
    format!(
        "xcc: rebuilt {} sessions with a {} timeout",
        crate::progress::thousands(report.sessions),
        duration_arg::format_seconds(report.timeout_seconds)
    )
}
