//! `xcc query`: one ad-hoc, read-only SQL statement, its rows on stdout.

use std::process::ExitCode;

use anyhow::{anyhow, Result};

use crate::cli::QueryArgs;
use crate::rows;
use crate::store;

pub fn run(args: QueryArgs) -> Result<ExitCode> {
    // Read-only: SQLite itself refuses any statement that would write.
    let conn = store::open_for_read(&args.db.db)?;
    let mut stmt = conn
        .prepare(&args.sql)
        .map_err(|e| anyhow!("cannot run the query: {e}"))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    rows::write(&mut stmt, args.format, &mut out).map_err(|e| {
        match e.downcast::<rusqlite::Error>() {
            Ok(sqlite) => anyhow!("cannot run the query: {sqlite}"),
            Err(other) => other,
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
