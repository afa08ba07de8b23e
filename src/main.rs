//! xcc: a webshop's clickstream → sessions in one SQLite file → answers over HTTP.
//!
//! The folders follow the data: `input` (where events come from, parsed and validated) →
//! `store` (the SQLite file) → `sessions` → `metrics` → `serve`; `ingest` drives the first
//! three in one transaction, `cmd` has one module per subcommand, `cli` every flag.

mod cli;
mod cmd;
mod dump;
#[cfg(test)]
mod every_statement;
mod format;
mod generate;
mod ingest;
mod input;
mod interrupt;
mod metrics;
mod migrations;
mod rows;
mod serve;
mod sessions;
mod share;
mod store;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;

// The parser thread allocates each event's strings and the writer thread frees them;
// glibc's malloc serialises such cross-thread frees on an arena lock, mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ignore_file_size_signal();
    report_panics_in_one_line();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return refuse_arguments(e),
    };
    match cmd::run(cli.command) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xcc: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Help and the version as clap prints them; a mistake in the arguments as one sentence,
/// like every other error, naming the help to read, with exit status 2.
fn refuse_arguments(e: clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let args: Vec<String> = std::env::args().collect();
    eprintln!(
        "{}",
        cli::one_sentence(&e.render().to_string(), cli::subcommand_in(&args))
    );
    ExitCode::from(2)
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
        eprintln!(
            "xcc: internal error: thread '{}' panicked{location}: {message}",
            thread.name().unwrap_or("unnamed")
        );
    }));
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
