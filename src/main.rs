//! The `xcc` binary: parse the arguments, run the command, exit with its status. Everything
//! else is the library (`src/lib.rs`).

use std::process::ExitCode;

use clap::Parser;

// The parser thread allocates each event's strings and the writer thread frees them, also
// when the writer hands a batch's buffers back to the parser to be reused; glibc's malloc
// serialises such cross-thread frees on an arena lock, mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    xcc::prepare_process();
    match xcc::cli::Cli::try_parse() {
        Ok(cli) => xcc::run(cli),
        Err(e) => xcc::cli::refuse_arguments(e),
    }
}
