//! xcc's objects are xcc's. Before a file is read (or written), every table, index and view
//! xcc relies on must be exactly its own definition for the file's schema version: a file
//! whose `v_first_order` returns a constant, or that lacks a table, is refused with one
//! sentence naming the object, and a trigger on one of xcc's tables is refused before any
//! write. Objects that analysts add themselves (their own tables, views, indexes) are fine.
//!
//! The definitions: for the current version, a new file made in memory from `schema.sql`;
//! for older versions, the frozen schema of the last xcc of that version
//! (`queries/schemas/vN.sql`, read off `tests/data/schema-vN.db`).

use std::collections::HashMap;

use anyhow::{bail, Result};
use rusqlite::Connection;

use super::schema::{self, SCHEMA_VERSION, SHARED_LEAVES_OUT};
use crate::queries;
use crate::queries::schemas::{V1, V2, V3, V4, V5, V6, V7, V8};

/// The frozen schema of each older version, version 1 first.
const FROZEN: [&str; 8] = [V1, V2, V3, V4, V5, V6, V7, V8];

/// One entry of `sqlite_schema`.
#[derive(Debug, Clone, PartialEq)]
struct Object {
    kind: String,
    name: String,
    table: String,
    sql: Option<String>,
}

fn objects(conn: &Connection) -> Result<Vec<Object>> {
    let mut select = conn.prepare(queries::store::OBJECTS)?;
    let rows = select.query_map([], |r| {
        Ok(Object {
            kind: r.get(0)?,
            name: r.get(1)?,
            table: r.get(2)?,
            sql: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// xcc's own objects at `version`, as a new (or migrated) file of that version has them,
/// and the extra ones of a shared file.
fn expected(version: i64) -> Result<(Vec<Object>, Vec<Object>)> {
    let conn = Connection::open_in_memory()?;
    if version == SCHEMA_VERSION {
        schema::create_objects(&conn)?;
    } else {
        let frozen = usize::try_from(version - 1)
            .ok()
            .and_then(|i| FROZEN.get(i))
            .copied();
        let Some(frozen) = frozen else {
            bail!("xcc has no definitions of schema version {version}");
        };
        conn.execute_batch(frozen)?;
    }
    let own = objects(&conn)?;
    conn.execute_batch(queries::share::SCHEMA)?;
    let shared = objects(&conn)?
        .into_iter()
        .filter(|o| !own.iter().any(|e| e.name == o.name))
        .collect();
    Ok((own, shared))
}

/// A name as SQLite compares names: without regard to ASCII case (`EVENTS` is `events`), so
/// that a trigger or an object named in another case is found as the one SQLite runs.
fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Refuses a file whose objects are not xcc's own at `version` (see the module's comment).
/// `label` names the file in the sentence.
pub fn check(conn: &Connection, label: &str, version: i64) -> Result<()> {
    let (own, shared) = expected(version)?;
    let found: HashMap<String, Object> = objects(conn)?
        .into_iter()
        .map(|o| (name_key(&o.name), o))
        .collect();
    let changed = |what: String| {
        let hint = if version < SCHEMA_VERSION {
            format!(" (or by an xcc of schema version {version} older than the last one; a writer such as `xcc sessionize --db {label}` upgrades it)")
        } else {
            String::new()
        };
        anyhow::anyhow!("{label} was changed after xcc wrote it{hint}: {what}")
    };
    refuse_statistics(found.values(), label)?;
    let shared_file = shared
        .iter()
        .all(|e| found.contains_key(&name_key(&e.name)));
    for e in &own {
        match found.get(&name_key(&e.name)) {
            None if shared_file && SHARED_LEAVES_OUT.contains(&e.name.as_str()) => {}
            None => return Err(changed(format!("{} {} is missing", e.kind, e.name))),
            Some(f) if f != e => {
                return Err(changed(format!("{} {} is not xcc's", e.kind, e.name)))
            }
            Some(_) => {}
        }
    }
    for e in &shared {
        if found.get(&name_key(&e.name)).is_some_and(|f| f != e) {
            return Err(changed(format!("{} {} is not xcc's", e.kind, e.name)));
        }
    }
    let xccs = |name: &str| {
        own.iter()
            .chain(&shared)
            .any(|e| e.name.eq_ignore_ascii_case(name))
    };
    let mut triggers: Vec<&Object> = found
        .values()
        .filter(|o| o.kind == "trigger" && xccs(&o.table))
        .collect();
    triggers.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(t) = triggers.first() {
        return Err(changed(format!(
            "trigger {} on {} is not xcc's",
            t.name, t.table
        )));
    }
    Ok(())
}

/// Refuses query-planner statistics (`sqlite_stat1`, `sqlite_stat4`, …): xcc never runs
/// ANALYZE, and SQLite reads these tables when it opens the file and plans every query by
/// them, so planted figures can make xcc's own queries pick plans many times slower (a
/// planted `sqlite_stat1` made `/metrics/distributions` 14× slower). The sentence says how
/// to remove them, which any SQLite client may do.
fn refuse_statistics<'a>(found: impl Iterator<Item = &'a Object>, label: &str) -> Result<()> {
    let mut names: Vec<&str> = found
        .filter(|o| o.kind == "table" && name_key(&o.name).starts_with("sqlite_stat"))
        .map(|o| o.name.as_str())
        .collect();
    names.sort_unstable();
    if names.is_empty() {
        return Ok(());
    }
    let drops: Vec<String> = names.iter().map(|n| format!("DROP TABLE {n};")).collect();
    bail!(
        "{label} holds query-planner statistics that xcc did not write ({}), which could make its queries slow; remove them with: sqlite3 {label} '{}'",
        names.join(", "),
        drops.join(" ")
    )
}

/// The names of xcc's own views at `version` (a migration drops them, and only them: an
/// analyst's own views stay).
pub fn view_names(version: i64) -> Result<Vec<String>> {
    let (own, _) = expected(version)?;
    Ok(own
        .into_iter()
        .filter(|o| o.kind == "view")
        .map(|o| o.name)
        .collect())
}

/// Refuses a trigger on any of xcc's tables or views before a writer touches an older file
/// (whose objects are checked in full after its migration).
pub fn check_triggers(conn: &Connection, label: &str) -> Result<()> {
    let (own, shared) = expected(SCHEMA_VERSION)?;
    let old: Vec<String> = FROZEN
        .iter()
        .flat_map(|sql| sql.split("CREATE "))
        .filter_map(|s| s.split_whitespace().nth(1).map(str::to_string))
        .collect();
    let xccs = |name: &str| {
        own.iter()
            .chain(&shared)
            .any(|e| e.name.eq_ignore_ascii_case(name))
            || old.iter().any(|n| n.eq_ignore_ascii_case(name))
    };
    if let Some(t) = objects(conn)?
        .iter()
        .find(|o| o.kind == "trigger" && xccs(&o.table))
    {
        bail!(
            "{label} was changed after xcc wrote it: trigger {} on {} is not xcc's",
            t.name,
            t.table
        );
    }
    Ok(())
}

/// Every table and view of the file, tables first.
pub fn tables_and_views(conn: &Connection) -> Result<Vec<String>> {
    Ok(conn
        .prepare(queries::store::TABLES_AND_VIEWS)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_file() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        schema::create(&conn).unwrap();
        conn
    }

    #[test]
    fn a_new_file_passes_and_an_analysts_own_objects_are_fine() {
        let conn = new_file();
        check(&conn, "x.db", SCHEMA_VERSION).unwrap();
        conn.execute_batch(
            "CREATE TABLE my_notes (t TEXT); CREATE VIEW my_view AS SELECT 1;
             CREATE INDEX my_index ON sessions (landing_page);",
        )
        .unwrap();
        check(&conn, "x.db", SCHEMA_VERSION).unwrap();
    }

    #[test]
    fn a_redefined_view_a_missing_table_and_a_trigger_are_refused() {
        let conn = new_file();
        conn.execute_batch("DROP VIEW v_first_order; CREATE VIEW v_first_order AS SELECT 42 AS minutes_before_first_order")
            .unwrap();
        let err = check(&conn, "x.db", SCHEMA_VERSION).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.db was changed after xcc wrote it: view v_first_order is not xcc's"
        );

        let conn = new_file();
        conn.execute_batch("DROP TABLE history").unwrap();
        let err = check(&conn, "x.db", SCHEMA_VERSION).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.db was changed after xcc wrote it: table history is missing"
        );

        let conn = new_file();
        conn.execute_batch("CREATE TRIGGER t AFTER INSERT ON sessions BEGIN SELECT 1; END;")
            .unwrap();
        let err = check(&conn, "x.db", SCHEMA_VERSION).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.db was changed after xcc wrote it: trigger t on sessions is not xcc's"
        );
        assert!(check_triggers(&conn, "x.db").is_err());
    }

    #[test]
    fn statistics_tables_are_refused_with_the_way_to_remove_them() {
        let conn = new_file();
        // The bundled SQLite is built with SQLITE_ENABLE_STAT4: ANALYZE writes both tables.
        conn.execute_batch("ANALYZE").unwrap();
        let err = check(&conn, "x.db", SCHEMA_VERSION).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.db holds query-planner statistics that xcc did not write (sqlite_stat1, sqlite_stat4), which could make its queries slow; remove them with: sqlite3 x.db 'DROP TABLE sqlite_stat1; DROP TABLE sqlite_stat4;'"
        );
        conn.execute_batch("DROP TABLE sqlite_stat1; DROP TABLE sqlite_stat4;")
            .unwrap();
        check(&conn, "x.db", SCHEMA_VERSION).unwrap();
    }

    /// SQLite matches names without regard to ASCII case: a trigger on `EVENTS` fires on
    /// `events` (issue 36: it passed the check and deleted every new event).
    #[test]
    fn names_in_another_case_are_xccs_names() {
        let conn = new_file();
        conn.execute_batch(
            "CREATE TRIGGER t AFTER INSERT ON EVENTS BEGIN DELETE FROM events WHERE id = new.id; END;",
        )
        .unwrap();
        let err = check(&conn, "x.db", SCHEMA_VERSION).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.db was changed after xcc wrote it: trigger t on EVENTS is not xcc's"
        );
        let err = check_triggers(&conn, "x.db").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.db was changed after xcc wrote it: trigger t on EVENTS is not xcc's"
        );

        // xcc's view made again under its name in capitals, with its own text.
        let conn = new_file();
        let sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE name = 'v_first_order'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        conn.execute_batch(&format!(
            "DROP VIEW v_first_order; {}",
            sql.replacen("v_first_order", "V_FIRST_ORDER", 1)
        ))
        .unwrap();
        let err = check(&conn, "x.db", SCHEMA_VERSION).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.db was changed after xcc wrote it: view v_first_order is not xcc's"
        );
    }

    /// Every frozen older schema makes the objects its fixture has (they were read off it).
    #[test]
    fn every_older_version_has_its_definitions() {
        for version in 1..SCHEMA_VERSION {
            let (own, _) = expected(version).unwrap();
            assert!(own.iter().any(|o| o.name == "sessions"), "{version}");
        }
    }
}
