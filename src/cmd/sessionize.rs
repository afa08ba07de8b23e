//! `xcc sessionize`: every session rebuilt from the stored events in one transaction
//! (`ingest::sessionize`, beside the ingest's), with the timeout stored for later ingests.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::SessionizeArgs;
use crate::ingest::sessionize;
use crate::store;

pub fn run(args: SessionizeArgs) -> Result<ExitCode> {
    let db = &args.db.db;
    let rebuilt = sessionize::rebuild_all(db, args.timeout, args.wait.wait, super::now_us())
        .map_err(|e| store::explain(db, e))?;
    if !args.quiet {
        eprintln!("{}", rebuilt.describe());
    }
    Ok(ExitCode::SUCCESS)
}
