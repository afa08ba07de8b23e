//! `xcc query`: one ad-hoc SQL statement that only reads, its rows on stdout. What "only
//! reads" allows is `store::read_only`'s policy.

use std::process::ExitCode;

use anyhow::{anyhow, Result};

use crate::cli::QueryArgs;
use crate::rows::{self, Budget};
use crate::store::read_only;

pub fn run(args: QueryArgs) -> Result<ExitCode> {
    crate::interrupt::install();
    if let Some(refusal) = read_only::refused_keyword(&args.sql) {
        return Err(refusal);
    }
    let mut budget = Budget::new(Some(args.time_limit));
    let mut conn = budget.run(|| crate::verify::open_checked(&args.db.db))?;
    let refused = read_only::only_reads(&mut conn)?;
    // A refusal can come while preparing or, for a pragma's table (pragma_journal_mode),
    // at the first step.
    let explain = |e: anyhow::Error| match refused.what(&args.sql) {
        Some(what) => read_only::refusal(&what),
        None => sqlite_sentence(e),
    };
    let mut stmt = budget
        .run(|| Ok(conn.prepare(&args.sql)?))
        .map_err(explain)?;
    if !stmt.readonly() {
        return Err(read_only::refusal(&read_only::leading_keyword(&args.sql)));
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let Err(e) = rows::write(&conn, &mut stmt, args.format, &mut out, &mut budget) {
        if refused.what(&args.sql).is_some() {
            // Refused at the first step: the header held in the buffer is dropped unwritten.
            let _ = out.into_parts();
        }
        return Err(explain(e));
    }
    Ok(ExitCode::SUCCESS)
}

/// SQLite's own message in xcc's sentence; any other error (a time limit, Ctrl-C, a write to
/// stdout) as it is.
fn sqlite_sentence(e: anyhow::Error) -> anyhow::Error {
    match e.downcast::<rusqlite::Error>() {
        Ok(sqlite) => anyhow!("cannot run the query: {sqlite}"),
        Err(other) => other,
    }
}
