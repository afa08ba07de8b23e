//! `xcc metrics`: one metric as JSON on stdout, the same JSON the server returns.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::MetricsArgs;
use crate::{metrics, store};

pub fn run(args: MetricsArgs) -> Result<ExitCode> {
    let conn = store::open_for_read(&args.db.db)?;
    let value = metrics::compute(&conn, args.metric)?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &value)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}
