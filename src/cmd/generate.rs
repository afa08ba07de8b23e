//! `xcc generate`: synthetic events as JSON lines on stdout.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::GenerateArgs;
use crate::generate::{write_events, GenerateOptions};

pub fn run(args: GenerateArgs) -> Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let options = GenerateOptions {
        events: args.events,
        seed: args.seed,
        customers: args.customers,
        realistic: args.realistic,
        visit_events: args.visit_events,
    };
    write_events(&mut out, &options)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
