//! `xcc export`: any table or view of the file to stdout as CSV (RFC 4180), JSON lines, JSON
//! or an aligned table, streamed row by row.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::cli::ExportArgs;
use crate::format::shorten;
use crate::rows::{self, Budget, Format};
use crate::store;

pub fn run(args: ExportArgs) -> Result<ExitCode> {
    crate::interrupt::install();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut budget = Budget::new(args.time_limit);
    export(&args.db.db, &args.name, args.format, &mut out, &mut budget)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the table or view `name` of `db` to `out`, its statements within `budget`; returns
/// the number of rows.
fn export(
    db: &Path,
    name: &str,
    format: Format,
    out: &mut impl Write,
    budget: &mut Budget,
) -> Result<u64> {
    let conn = budget.run(|| crate::verify::open_checked(db))?;
    let names = budget.run(|| store::tables_and_views(&conn))?;
    if !names.iter().any(|n| n == name) {
        bail!(
            "{} has no table or view named '{}'; choose one of: {}",
            db.display(),
            shorten(name, 60),
            names.join(", ")
        );
    }
    // The name was checked against the schema above, so quoting it cannot change the query.
    let sql = format!("SELECT * FROM \"{}\"", name.replace('"', "\"\""));
    let mut stmt = budget.run(|| Ok(conn.prepare(&sql)?))?;
    rows::write(&conn, &mut stmt, format, out, budget)
}
