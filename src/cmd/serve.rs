//! `xcc serve`: the metrics over HTTP until stopped.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ServeArgs;
use crate::serve::{self, ServeOptions};

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let opts = ServeOptions {
        db: args.db.db,
        addr: args.server.addr,
        threads: args.server.threads as usize,
        quiet: args.quiet,
        time_limit: args.server.time_limit,
        allowed_hosts: args.server.allow_host,
    };
    crate::interrupt::install();
    serve::run(&opts, |_| String::new())?;
    Ok(ExitCode::SUCCESS)
}
