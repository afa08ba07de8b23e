//! `xcc metrics`: one metric as JSON on stdout, the same JSON the server returns.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};

use crate::cli::MetricsArgs;
use crate::metrics::{self, Filter};
use crate::store;

pub fn run(args: MetricsArgs) -> Result<ExitCode> {
    let filter = filter(&args)?;
    crate::interrupt::install();
    let value = store::harden::within(args.time_limit, || {
        let conn = store::open_for_read(&args.db.db)?;
        metrics::compute(&conn, args.metric, &filter)
    })?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &value)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}

/// The filter of --from, --to and --referrer, checked as the server checks its parameters.
fn filter(args: &MetricsArgs) -> Result<Filter> {
    let given = [&args.from, &args.to, &args.referrer];
    if given.iter().any(|v| v.is_some()) && !args.metric.takes_filter() {
        bail!(
            "metrics {} takes no --from, --to or --referrer; they apply to orders, orders-detail, referrers, daily and distributions",
            args.metric.name()
        );
    }
    filter_of_options(&args.from, &args.to, &args.referrer)
}

/// The filter of the options --from, --to and --referrer (`xcc metrics`, `xcc report`).
pub(super) fn filter_of_options(
    from: &Option<String>,
    to: &Option<String>,
    referrer: &Option<String>,
) -> Result<Filter> {
    let pairs: Vec<(&str, &str)> = [("from", from), ("to", to), ("referrer", referrer)]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.as_deref()?)))
        .collect();
    // The sentences name the parameters; here they are options.
    Filter::from_pairs(pairs)
        .map_err(|e| anyhow!("--{}", e.replace(" after to (", " after --to (")))
}
