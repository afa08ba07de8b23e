//! `xcc sessionize`'s transaction, beside the ingest's: every session rebuilt from the stored
//! events in one write, with the timeout stored for later ingests and the change recorded in
//! the history.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::format::calendar::format_micros;
use crate::format::{duration::format_seconds, thousands};
use crate::sessions::rebuild;
use crate::store::{self, history, meta};
use crate::upgrade;

/// What a rebuild changed: the timeout and the number of sessions, before and after.
pub struct Rebuilt {
    old_timeout_seconds: i64,
    timeout_seconds: i64,
    sessions_before: i64,
    sessions_after: i64,
}

impl Rebuilt {
    /// `xcc: sessions rebuilt with a 45m timeout (was 30m): 1,234 sessions (was 1,300)`.
    pub fn describe(&self) -> String {
        let timeout = format_seconds(self.timeout_seconds);
        let was_timeout = if self.old_timeout_seconds == self.timeout_seconds {
            "unchanged".to_string()
        } else {
            format!("was {}", format_seconds(self.old_timeout_seconds))
        };
        let sessions = |n: i64| {
            let word = if n == 1 { "session" } else { "sessions" };
            format!("{} {word}", thousands(n as u64))
        };
        let was_sessions = if self.sessions_before == self.sessions_after {
            "as before".to_string()
        } else {
            format!("was {}", thousands(self.sessions_before as u64))
        };
        format!(
            "xcc: sessions rebuilt with a {timeout} timeout ({was_timeout}): {} ({was_sessions})",
            sessions(self.sessions_after)
        )
    }
}

/// Rebuilds every session with `timeout_seconds`, or the stored timeout, at `now_us` (the
/// time the history records), after waiting up to `wait` for another writer to finish.
pub fn rebuild_all(
    db: &Path,
    timeout_seconds: Option<i64>,
    wait: Duration,
    now_us: i64,
) -> Result<Rebuilt> {
    if !db.exists() {
        bail!("{}", store::missing_database(db));
    }
    let mut conn = upgrade::open_for_write(db, wait)?;
    let tx = store::begin_write(&mut conn, db, wait)?;
    let old_timeout_seconds = meta::session_timeout_seconds(&tx)?;
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
    let rebuilt = Rebuilt {
        old_timeout_seconds,
        timeout_seconds,
        sessions_before: before.sessions,
        sessions_after: after.sessions,
    };
    history::record(
        &tx,
        &history::Change {
            command: "sessionize",
            ingest_id: None,
            finished_at: &format_micros(now_us),
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
    Ok(rebuilt)
}
