//! `xcc dump`: the database as a SQL script for another engine, on stdout.

use std::io::BufWriter;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Dialect, DumpArgs};
use crate::dump::{self, DumpOptions};
use crate::format::thousands;
use crate::store;

pub fn run(args: DumpArgs) -> Result<ExitCode> {
    let Dialect::Postgres = args.dialect;
    let opts = DumpOptions {
        db: args.db.db,
        schema: args.schema,
        events: args.events,
    };
    widen_stdout_pipe();
    yield_to_the_server();
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    // A value over a reader's length limit (a reject kept by an ingest with a larger
    // --max-line-bytes) or the memory budget is said in xcc's words, not SQLite's code.
    let dumped = dump::dump(&opts, &mut out).map_err(store::memory::explain)?;
    if !args.quiet {
        let rows: Vec<String> = dumped
            .rows
            .iter()
            .map(|(table, n)| format!("{} {table}", thousands(*n)))
            .collect();
        eprintln!(
            "xcc: dumped {} for PostgreSQL schema {}: {}",
            opts.db.display(),
            opts.schema,
            rows.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A pipe to psql holds 64 KiB; at 1 MiB the dump runs ahead in longer stretches and the
/// two processes wake each other far less often, which leaves the cores to the server
/// (loading 1M events: 0.90x the time, 4 paired runs).
#[cfg(target_os = "linux")]
fn widen_stdout_pipe() {
    // Fails harmlessly when stdout is not a pipe, or above the system's limit for pipes.
    unsafe {
        libc::fcntl(libc::STDOUT_FILENO, libc::F_SETPIPE_SZ, 1 << 20);
    }
}

/// The load's pace is set by the PostgreSQL server, which on a laptop shares the cores with
/// the dump and psql: the dump lowers its own priority (nice 10), so that it only takes CPU
/// the server leaves (loading 1M events locally: from 1.10x pg_restore's time to 1.01x).
#[cfg(target_os = "linux")]
fn yield_to_the_server() {
    // Fails harmlessly; only ever lowers this process's own priority.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

#[cfg(not(target_os = "linux"))]
fn widen_stdout_pipe() {}

#[cfg(not(target_os = "linux"))]
fn yield_to_the_server() {}
