//! xcc: a webshop's clickstream → sessions in one SQLite file → answers over HTTP.

mod cli;
mod clock;
mod demo;
mod duration_arg;
mod event;
mod export;
mod generate;
mod id_set;
mod ingest;
mod metrics;
mod progress;
mod rebuild;
mod records;
mod server;
mod session_store;
mod sessionize;
mod source;
mod store;
mod text;
mod timestamp;
mod upgrade;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command};

// The parser thread allocates each event's strings and the writer thread frees them;
// glibc's malloc serialises such cross-thread frees on an arena lock, mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Lines were read but every one of them was rejected.
const EXIT_ALL_REJECTED: u8 = 3;

fn main() -> ExitCode {
    // With a file-size limit (`ulimit -f`) the kernel would kill us with SIGXFSZ mid-write;
    // ignored, the write fails with EFBIG instead, SQLite rolls back and we can say why.
    // SAFETY: called before any thread starts; SIG_IGN is a valid disposition.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("xcc: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    // A reader that stops early (`xcc export … | head`) is not an error.
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .map(|io| io.kind())
            .or_else(|| c.downcast_ref::<serde_json::Error>()?.io_error_kind())
            == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Ingest(args) => {
            let opts = ingest::IngestOptions {
                source: source::Source::from_arg(&args.source),
                db: args.db.db,
                quiet: args.quiet,
                http: source::HttpPolicy {
                    read_timeout: Duration::from_secs(args.read_timeout as u64),
                    retries: args.retries,
                    ..source::HttpPolicy::default()
                },
                started_at: clock::now_iso(),
                wait: Duration::from_secs(args.wait as u64),
            };
            let started = std::time::Instant::now();
            let report = ingest::run(&opts)?;
            if !args.quiet {
                eprintln!("{}", ingest::describe(&report, started.elapsed()));
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
        }
        Command::Sessionize(args) => {
            let report = rebuild::run(&args.db.db, args.timeout)?;
            if !args.quiet {
                eprintln!("{}", rebuild::describe(&report));
            }
        }
        Command::Metrics(args) => {
            let conn = store::open_for_read(&args.db.db)?;
            let value = metrics::compute(&conn, args.metric)?;
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        Command::Generate(args) => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            generate::write_events(
                &mut out,
                &generate::GenerateOptions {
                    events: args.events,
                    seed: args.seed,
                    customers: args.customers,
                },
            )?;
            out.flush()?;
        }
        Command::Export(args) => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            export::run(&args.db.db, &args.name, args.format, &mut out)?;
        }
        Command::Demo(args) => {
            demo::run(&demo::DemoOptions {
                db: args.db,
                events: args.events,
                seed: args.seed,
                addr: args.addr,
                threads: args.threads as usize,
            })?;
        }
        Command::Serve(args) => {
            server::run(&server::ServeOptions {
                db: args.db.db,
                addr: args.addr,
                threads: args.threads as usize,
                quiet: args.quiet,
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
