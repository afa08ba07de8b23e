//! Brings a file written by an older xcc up to the current schema, in place and in one
//! transaction, the first time a writer opens it: the steps of an append-only list
//! ([`steps::MIGRATIONS`]), chosen by `PRAGMA user_version`, the way cargo's
//! `util/sqlite.rs` does it. The engine and its steps live here together, above both the
//! store and the sessions (a step may sessionize again), so that every writer opens through
//! [`open_for_write`] and no call runs from the store back up. Readers need no migration:
//! every older version still has the tables, columns and views they read.
//!
//! A new version appends a step to `steps.rs` (and raises `store::schema::SCHEMA_VERSION`);
//! a step that has shipped is never edited.

pub mod steps;

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::Connection;

use crate::queries;
use crate::store::meta::{self, TOOL_VERSION};
use crate::store::open::check_meta;
use crate::store::schema::{self, SCHEMA_VERSION};
use crate::store::{begin_write, objects, open_for_write_as_found, user_version};
use steps::MIGRATIONS;

/// One step of the schema's history.
pub struct Migration {
    /// The version this step brings a file to, from the one before.
    pub to: i64,
    /// Changes the tables inside the migration's transaction (views are dropped before and
    /// made again after every step); returns what it did, in a few words for the user.
    pub apply: fn(&Connection) -> Result<String>,
}

/// Opens (creating if needed) a database to write to; a file of an older schema version is
/// brought up to date first.
pub fn open_for_write(path: &Path, wait: Duration) -> Result<Connection> {
    let (mut conn, version) = open_for_write_as_found(path, wait)?;
    if version < SCHEMA_VERSION {
        migrate(&mut conn, path, wait, MIGRATIONS)?;
    }
    check_meta(&conn, &path.display().to_string())?;
    Ok(conn)
}

/// Applies the steps of `migrations` after the file's version, then makes the views and the
/// dictionary anew from this xcc's, so that a migrated file reads exactly like a new one.
/// Says so on stderr in one line. Nothing happens when another writer migrated it first.
fn migrate(
    conn: &mut Connection,
    db: &Path,
    wait: Duration,
    migrations: &[Migration],
) -> Result<()> {
    let label = db.display();
    let tx = begin_write(conn, db, wait)?;
    // Read again under the write lock: a concurrent writer may have migrated meanwhile.
    let from = user_version(&tx)?;
    if from == SCHEMA_VERSION {
        return Ok(());
    }
    let Some(steps) = steps_after(migrations, from) else {
        bail!("{label} has schema version {from}, which this xcc cannot upgrade");
    };
    drop_views(&tx, from)?;
    let mut done = Vec::new();
    for step in steps {
        let what = (step.apply)(&tx).with_context(|| {
            format!("cannot upgrade {label} from schema version {}", step.to - 1)
        })?;
        done.push(what);
    }
    schema::create_views(&tx)?;
    tx.execute(queries::migrations::CLEAR_DICTIONARY, [])?;
    tx.execute_batch(queries::schema::DICTIONARY)?;
    meta::set(&tx, "schema_version", &SCHEMA_VERSION.to_string())?;
    meta::set(&tx, "upgraded_by", &format!("xcc {TOOL_VERSION}"))?;
    meta::bump_generation(&tx)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    // What came in was checked for triggers only: the upgraded file must now be exactly
    // xcc's, or nothing of the upgrade is kept.
    objects::check(&tx, &label.to_string(), SCHEMA_VERSION)?;
    tx.commit()
        .with_context(|| format!("cannot commit the upgrade of {label}"))?;
    eprintln!(
        "xcc: upgraded {label} from schema version {from} to {SCHEMA_VERSION} ({})",
        done.join("; ")
    );
    Ok(())
}

/// The steps from version `from` up to [`SCHEMA_VERSION`]; None unless they are all there.
fn steps_after(migrations: &[Migration], from: i64) -> Option<Vec<&Migration>> {
    let steps: Vec<&Migration> = migrations.iter().filter(|m| m.to > from).collect();
    let complete = steps
        .iter()
        .enumerate()
        .all(|(i, m)| m.to == from + 1 + i as i64)
        && from + steps.len() as i64 == SCHEMA_VERSION;
    complete.then_some(steps)
}

/// Drops xcc's views of version `from` (made anew after the steps); an analyst's own stay.
fn drop_views(conn: &Connection, from: i64) -> Result<()> {
    for view in objects::view_names(from)? {
        // The names are xcc's own, never the file's.
        conn.execute_batch(&format!("DROP VIEW IF EXISTS \"{view}\""))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop(_: &Connection) -> Result<String> {
        Ok(String::new())
    }

    #[test]
    fn steps_must_reach_the_current_version_without_gaps() {
        let list: Vec<Migration> = (2..=SCHEMA_VERSION)
            .map(|to| Migration { to, apply: noop })
            .collect();
        assert_eq!(steps_after(&list, 1).unwrap().len(), list.len());
        assert_eq!(steps_after(&list, SCHEMA_VERSION).unwrap().len(), 0);
        // The last step missing, or a gap after the file's version.
        assert!(steps_after(&list[..list.len() - 1], 1).is_none());
        assert!(steps_after(&[Migration { to: 3, apply: noop }], 1).is_none());
    }
}
