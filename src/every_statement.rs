//! Every SQL statement xcc embeds, prepared against a fresh schema, so that a typo or a
//! renamed column fails here and not for a user; and every `.sql` file of `queries/` is
//! accounted for, so that none is left out of this check.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::Connection;

use crate::{dump, metrics, report, sessions, share, store, verify};

/// `(file under queries/, statement)` of every statement run as one prepared statement.
fn statements() -> Vec<(&'static str, &'static str)> {
    let mut all = Vec::new();
    all.extend(store::STATEMENTS);
    all.extend(store::meta::STATEMENTS);
    all.extend(store::objects::STATEMENTS);
    all.extend(store::migrate::STATEMENTS);
    all.extend(store::codes::STATEMENTS);
    all.extend(store::events::STATEMENTS);
    all.extend(store::rejects::STATEMENTS);
    all.extend(store::ingests::STATEMENTS);
    all.extend(store::blocks::STATEMENTS);
    all.extend(store::history::STATEMENTS);
    all.extend(sessions::rebuild::STATEMENTS);
    all.extend(sessions::scan::STATEMENTS);
    all.extend(sessions::texts::STATEMENTS);
    all.extend(sessions::orders::STATEMENTS);
    all.extend(sessions::sensitivity::STATEMENTS);
    all.extend(metrics::STATEMENTS);
    all.extend(report::STATEMENTS);
    all.extend(share::STATEMENTS);
    all.extend(dump::STATEMENTS);
    all.extend(verify::STATEMENTS);
    all
}

/// Files run as a whole script rather than prepared: the views and the dictionary (run by
/// `store::schema::create` in the test below), the migrations (tested on a real old file
/// by the integration tests), PostgreSQL's (run by a real server in
/// tests/integration/postgres.rs) and Spark's (run by Spark in tests/integration/spark.rs).
const SCRIPTS: [&str; 8] = [
    "schemas/",
    "views.sql",
    "dictionary.sql",
    "migrations/",
    "share/schema.sql",
    "share/text_maps.sql",
    "postgres/",
    "spark/",
];

#[test]
fn every_statement_prepares_on_a_fresh_schema() {
    // The share statements read a working file attached as `source` and write a shared one.
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.db");
    store::schema::create(&Connection::open(&source).unwrap()).unwrap();
    let conn = Connection::open_in_memory().unwrap();
    store::schema::create(&conn).unwrap();
    conn.execute_batch(share::SCHEMA_SQL).unwrap();
    conn.execute("ATTACH DATABASE ?1 AS source", [source.to_str().unwrap()])
        .unwrap();
    share::prepare(&conn).unwrap();
    for (file, sql) in statements() {
        if let Err(e) = conn.prepare(sql) {
            panic!("queries/{file} does not prepare: {e}");
        }
    }
}

#[test]
fn every_file_of_queries_is_checked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let checked: BTreeSet<&str> = statements().into_iter().map(|(file, _)| file).collect();
    let mut unchecked = Vec::new();
    for file in sql_files(&root, &root) {
        let script = SCRIPTS.iter().any(|s| file.starts_with(s));
        if !script && !checked.contains(file.as_str()) {
            unchecked.push(file);
        }
    }
    assert!(
        unchecked.is_empty(),
        "not in any STATEMENTS list: {unchecked:?}"
    );
}

fn sql_files(root: &Path, dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sql_files(root, &path));
        } else if path.extension().is_some_and(|e| e == "sql") {
            let relative = path.strip_prefix(root).unwrap();
            files.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    files
}
