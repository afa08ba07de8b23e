//! xcc: a webshop's clickstream → sessions in one SQLite file → answers over HTTP.
//!
//! The library behind the `xcc` binary (`src/main.rs` only parses the arguments, calls
//! [`run`] and prints the error). The folders follow the data: `input` (where events come
//! from, parsed and validated) → `store` (the SQLite file) → `sessions` → `metrics` →
//! `serve`; `ingest` drives the first three in one transaction, `cmd` has one module per
//! subcommand, `cli` every flag. The integration tests import the names, sentences, tables
//! and assets they check from here instead of copying them.

pub mod cli;
pub mod cmd;
pub mod dashboard;
pub mod dump;
pub mod format;
pub mod generate;
pub mod ingest;
pub mod input;
pub mod interrupt;
pub mod metrics;
pub mod out_file;
pub mod queries;
pub mod report;
pub mod rows;
pub mod serve;
pub mod sessions;
pub mod share;
pub mod store;
pub mod upgrade;
pub mod verify;

use std::process::ExitCode;

/// Runs one parsed command line: the exit status, or the error to print as `xcc: {error:#}`.
/// A reader that stops early (`xcc export … | head`) is not an error.
pub fn run(cli: cli::Cli) -> ExitCode {
    match cmd::run(cli.command) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        // A mistake in the flags that clap could not see alone: exit status 2, as clap's.
        Err(e) if e.is::<cli::FlagMistake>() => {
            eprintln!("{}", error_sentence(&e));
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("{}", error_sentence(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error as the line printed for it: `xcc: ` and the error with its causes, with every
/// control character escaped (`format::escape_controls`). A sentence may quote the file
/// (a view's name) or the input (a redirect's Location): an ESC there must not reach the
/// terminal, and a newline must not make two lines of one.
pub fn error_sentence(e: &anyhow::Error) -> String {
    format!("xcc: {}", format::escape_controls(&format!("{e:#}")))
}

/// What a process running xcc sets up before anything else: SIGXFSZ ignored, panics in one
/// line.
pub fn prepare_process() {
    ignore_file_size_signal();
    report_panics_in_one_line();
}

/// With a file-size limit (`ulimit -f`) the kernel would kill us with SIGXFSZ mid-write;
/// ignored, the write fails with EFBIG instead, SQLite rolls back and we can say why.
#[cfg(unix)]
fn ignore_file_size_signal() {
    // SAFETY: called before any thread starts; SIG_IGN is a valid disposition.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

#[cfg(not(unix))]
fn ignore_file_size_signal() {}

/// A panic is a bug, never an expected failure: one line on stderr instead of Rust's default
/// report. A panicking worker thread is then turned into an error by whoever joins it.
fn report_panics_in_one_line() {
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let line = format!(
            "internal error: thread '{}' panicked{location}: {message}",
            thread.name().unwrap_or("unnamed")
        );
        eprintln!("xcc: {}", format::escape_controls(&line));
    }));
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .map(|io| io.kind())
            .or_else(|| c.downcast_ref::<serde_json::Error>()?.io_error_kind())
            == Some(std::io::ErrorKind::BrokenPipe)
    })
}
