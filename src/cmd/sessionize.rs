//! `xcc sessionize`: every session rebuilt from the stored events in one transaction,
//! with the timeout stored for later ingests.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::cli::SessionizeArgs;
use crate::format::calendar::format_micros;
use crate::format::{duration::format_seconds, thousands};
use crate::migrations::MIGRATIONS;
use crate::sessions::rebuild;
use crate::store::{self, history, meta, WRITE_WAIT};

pub fn run(args: SessionizeArgs) -> Result<ExitCode> {
    let db = &args.db.db;
    let (timeout_seconds, sessions) =
        rebuild_all(db, args.timeout).map_err(|e| store::explain(db, e))?;

    if !args.quiet {
        eprintln!(
            "xcc: rebuilt {} sessions with a {} timeout",
            thousands(sessions),
            format_seconds(timeout_seconds)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Rebuilds every session with `timeout_seconds`, or the stored timeout; returns the timeout
/// used and the number of sessions.
fn rebuild_all(db: &Path, timeout_seconds: Option<i64>) -> Result<(i64, u64)> {
    if !db.exists() {
        bail!(
            "database {} does not exist (create it with `xcc ingest --db {}`)",
            db.display(),
            db.display()
        );
    }
    let mut conn = store::open_for_write(db, WRITE_WAIT, MIGRATIONS)?;
    let tx = store::begin_write(&mut conn, db, WRITE_WAIT)?;
    let timeout_seconds = match timeout_seconds {
        Some(t) => {
            meta::set(&tx, "session_timeout_seconds", &t.to_string())?;
            t
        }
        None => meta::session_timeout_seconds(&tx)?,
    };
    let before = history::figures(&tx)?;
    let sessions = rebuild::rebuild_all(&tx, timeout_seconds * 1_000_000)?;
    meta::bump_generation(&tx)?;
    let after = history::figures(&tx)?;
    history::record(
        &tx,
        &history::Change {
            command: "sessionize",
            ingest_id: None,
            finished_at: &format_micros(super::now_us()),
            timeout_seconds,
            customers_touched: after.customers as u64,
            before,
            after,
            new_events: 0,
            late_events: 0,
            sessions_rebuilt: sessions,
        },
    )?;
    tx.commit()
        .with_context(|| format!("cannot commit to {}", db.display()))?;
    store::leave_at_rest(&conn, db)?;
    Ok((timeout_seconds, sessions))
}
