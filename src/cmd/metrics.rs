//! `xcc metrics`: one metric as JSON on stdout, the same JSON the server returns.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{FilterArgs, FlagMistake, MetricsArgs};
use crate::metrics::{self, Filter};
use crate::store;

pub fn run(args: MetricsArgs) -> Result<ExitCode> {
    let filter = filter(&args)?;
    crate::interrupt::install();
    // What the answer holds of the memory budget, until the process ends.
    let mut held = store::memory::Reservation::default();
    let value = store::harden::within(args.time_limit, || {
        let conn = crate::verify::open_checked(&args.db.db)?;
        metrics::compute(&conn, args.metric, &filter, &mut held)
    })?;
    say_note(&value["note"]);
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &value)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}

/// The note of an answer (a referrer host no session has), on stderr: stdout keeps the JSON
/// the server returns, which carries it as `note`.
pub(super) fn say_note(note: &serde_json::Value) {
    if let Some(note) = note.as_str() {
        eprintln!("xcc: {note}; xcc metrics referrers lists the hosts there are");
    }
}

/// The filter of --from, --to and --referrer, checked as the server checks its parameters.
fn filter(args: &MetricsArgs) -> Result<Filter> {
    let f = &args.filter;
    let given = [&f.from, &f.to, &f.referrer];
    if given.iter().any(|v| v.is_some()) && !args.metric.takes_filter() {
        return Err(FlagMistake(format!(
            "metrics {} takes no --from, --to or --referrer; they apply to orders, orders-detail, referrers, daily and distributions",
            args.metric.name()
        ))
        .into());
    }
    filter_of_options(f)
}

/// The filter of the options --from, --to and --referrer (`xcc metrics`, `xcc report`),
/// each value checked already by clap; what is left is how they go together.
pub(super) fn filter_of_options(f: &FilterArgs) -> Result<Filter> {
    let pairs: Vec<(&str, &str)> = [("from", &f.from), ("to", &f.to), ("referrer", &f.referrer)]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.as_deref()?)))
        .collect();
    // The sentences name the parameters; here they are options.
    Filter::from_pairs(pairs)
        .map_err(|e| FlagMistake(format!("--{}", e.replace(" after to (", " after --to ("))).into())
}
