//! For bench/run.sh: SQLite's own ceiling for the rows xcc stores, with the SQLite xcc bundles
//! and xcc's settings. Copies the events (and the ingests, event types and URLs they name) of
//! a file xcc wrote into memory, untimed; then, into a new file made from schema.sql with
//! xcc's writer settings for a first load (16 KiB pages, a rollback journal, as xcc uses for
//! an empty file, synchronous=NORMAL, xcc's cache, foreign keys unchecked as xcc's ingest
//! leaves them, the events' two indexes dropped as xcc's first load drops them), times one
//! `INSERT … SELECT` of every row and the build of both indexes with xcc's own index builder,
//! in one transaction as xcc's ingest is. What xcc's load phase does beyond that (reading,
//! parsing, checking, binding one row at a time) is its own cost.
//! An example, not a subcommand: it is never part of the binary people install.
//!
//!   cargo run --release --example sqlite_ceiling -- XCC.db OUT.db
//!
//! Prints `{"rows": N, "insert_s": …, "index_s": …, "commit_s": …}`: the first two are what
//! xcc's load phase does, the last what its commit phase does.

use std::time::Instant;

use anyhow::{bail, Result};
use rusqlite::Connection;
use xcc::store;
use xcc::store::schema::{self, DEFERRABLE_EVENT_INDEXES, WRITER_CACHE_KIB};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, source, out] = args.as_slice() else {
        bail!("usage: sqlite_ceiling XCC.db OUT.db");
    };
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{out}{suffix}"));
    }
    let conn = Connection::open(out)?;
    conn.pragma_update(None, "page_size", 16384)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    schema::create(&conn)?;
    store::trust_own_references(&conn)?;
    for name in DEFERRABLE_EVENT_INDEXES {
        schema::drop_index(&conn, name)?;
    }
    conn.execute(
        "ATTACH DATABASE ?1 AS x",
        [format!("file:{source}?mode=ro")],
    )?;
    conn.execute_batch(
        "INSERT INTO main.ingests SELECT * FROM x.ingests;
         INSERT INTO main.event_types SELECT * FROM x.event_types;
         INSERT INTO main.urls SELECT * FROM x.urls;
         CREATE TEMP TABLE src AS SELECT * FROM x.events ORDER BY rowid;
         DETACH DATABASE x;",
    )?;
    let rows: i64 = conn.query_row("SELECT count(*) FROM temp.src", [], |r| r.get(0))?;

    let tx = conn.unchecked_transaction()?;
    let start = Instant::now();
    tx.execute("INSERT INTO main.events SELECT * FROM temp.src", [])?;
    let inserted = start.elapsed();
    for name in DEFERRABLE_EVENT_INDEXES {
        schema::create_index(&tx, name)?;
    }
    let indexed = start.elapsed();
    tx.commit()?;
    let total = start.elapsed();
    println!(
        "{{\"rows\": {rows}, \"insert_s\": {:.6}, \"index_s\": {:.6}, \"commit_s\": {:.6}}}",
        inserted.as_secs_f64(),
        (indexed - inserted).as_secs_f64(),
        (total - indexed).as_secs_f64()
    );
    Ok(())
}
