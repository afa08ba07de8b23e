//! `xcc report`: the dashboard's answers as one HTML file, then what it holds, on stderr.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ReportArgs;
use crate::format::{human_bytes, thousands};
use crate::report::{self, ReportOptions};
use crate::store;

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let opts = ReportOptions {
        filter: super::metrics::filter_of_options(&args.filter)?,
        db: args.db.db,
        out: args.out,
        force: args.force,
        now_us: super::now_us(),
    };
    crate::interrupt::install();
    let written = store::harden::within(args.time_limit, || report::write(&opts))?;
    if !args.quiet {
        super::metrics::say_note(&written.data["detail"]["note"]);
        let summary = &written.data["summary"];
        let orders = written.data["detail"]["visits_before_order"]["n"]
            .as_u64()
            .unwrap_or(0);
        eprintln!(
            "xcc: wrote the report of {} to {} ({}, self-contained, loads nothing): {} sessions, {} ordering sessions counted{}; open it in any browser, send it, or print it",
            opts.db.display(),
            opts.out.display(),
            human_bytes(written.bytes),
            thousands(summary["sessions"].as_u64().unwrap_or(0)),
            thousands(orders),
            if opts.filter.is_empty() { "" } else { " in the filter's range" },
        );
    }
    Ok(ExitCode::SUCCESS)
}
