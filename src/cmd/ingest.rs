//! `xcc ingest`: load a source into the database, then say what happened.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use crate::cli::IngestArgs;
use crate::ingest::{self, IngestOptions};
use crate::input::source::{HttpPolicy, Source};

/// Lines were read but every one of them was rejected.
const EXIT_ALL_REJECTED: u8 = 3;

pub fn run(args: IngestArgs) -> Result<ExitCode> {
    let opts = IngestOptions {
        db: args.db.db,
        quiet: args.quiet,
        http: HttpPolicy {
            read_timeout: args.read_timeout,
            retries: args.retries,
            ..HttpPolicy::default()
        },
        started_us: super::now_us(),
        wait: args.wait.wait,
        max_record_bytes: args.max_line_bytes,
        parse_all: args.parse_all,
    };
    let started = Instant::now();
    crate::interrupt::install();
    let report = ingest::run(Source::from_arg(&args.source), &opts)?;
    if !args.quiet {
        eprintln!("{}", report.describe(started.elapsed()));
    }
    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    }
    if report.lines_read > 0 && report.rejected == report.lines_read {
        eprintln!(
            "xcc: every line of {} was rejected; see the rejects table for why",
            report.source
        );
        return Ok(ExitCode::from(EXIT_ALL_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}
