//! `xcc dump`: the database as a SQL script for another engine, on stdout.

use std::io::BufWriter;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Dialect, DumpArgs};
use crate::dump::{self, DumpOptions};
use crate::format::thousands;

pub fn run(args: DumpArgs) -> Result<ExitCode> {
    let Dialect::Postgres = args.dialect;
    let opts = DumpOptions {
        db: args.db.db,
        schema: args.schema,
        events: args.events,
    };
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let dumped = dump::dump(&opts, &mut out)?;
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
