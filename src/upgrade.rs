//! Brings a file written by an older xcc up to the current schema, in place and in one
//! transaction, the first time a writer opens it. Readers need no upgrade: every older
//! version still has the tables, columns and views they read.
//!
//! Version 1 → 2: `sessions` was keyed by its first event's id (the rowid), which scattered
//! every insert of a rebuild across the table; version 2 appends rows in
//! (customer_id, session_number) order under a named unique index. Sessions are derived data,
//! so the upgrade recreates the table from `schema.sql` and sessionizes the stored events
//! again rather than copying rows.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, TransactionBehavior};

use crate::{session_store, store};

/// What an upgrade did, for the one line the caller prints.
pub struct Upgraded {
    pub from: i64,
    pub sessions: u64,
}

/// Upgrades the open file to `store::SCHEMA_VERSION`. Returns None when another writer
/// upgraded it first.
pub fn run(conn: &mut Connection, db: &Path, wait: Duration) -> Result<Option<Upgraded>> {
    let label = db.display();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| store::busy_or(e, db, wait))?;
    // Read again under the write lock: a concurrent writer may have upgraded meanwhile.
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == store::SCHEMA_VERSION {
        return Ok(None);
    }
    if version != 1 {
        bail!("{label} has schema version {version}, which this xcc cannot upgrade");
    }
    let sessions = sessions_v1_to_v2(&tx)
        .with_context(|| format!("cannot upgrade {label} from schema version 1"))?;
    store::set_meta(&tx, "schema_version", &store::SCHEMA_VERSION.to_string())?;
    store::set_meta(&tx, "upgraded_by", &format!("xcc {}", store::TOOL_VERSION))?;
    store::bump_generation(&tx)?;
    tx.pragma_update(None, "user_version", store::SCHEMA_VERSION)?;
    tx.commit()
        .with_context(|| format!("cannot commit the upgrade of {label}"))?;
    Ok(Some(Upgraded {
        from: version,
        sessions,
    }))
}

fn sessions_v1_to_v2(conn: &Connection) -> Result<u64> {
    // Views and dictionary come back from this xcc's queries/views.sql and dictionary.sql, so
    // that an upgraded file reads exactly like a new one (a test compares their schemas).
    let views: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'view'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for view in views {
        conn.execute_batch(&format!("DROP VIEW \"{view}\";"))?;
    }
    conn.execute_batch("DROP TABLE sessions;")?;
    conn.execute_batch(store::table_sql("sessions")?)?;
    // rebuild_all drops these around its writes and builds them again afterwards.
    for name in store::SESSION_INDEXES {
        store::create_index(conn, name)?;
    }
    conn.execute_batch(store::VIEWS_SQL)?;
    conn.execute_batch("DELETE FROM dictionary;")?;
    conn.execute_batch(store::DICTIONARY_SQL)?;
    let timeout_us = store::session_timeout_seconds(conn)? * 1_000_000;
    session_store::rebuild_all(conn, timeout_us)
}
