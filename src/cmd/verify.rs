//! `xcc verify`: every check of a file, each printed as it passes; the first disagreement is
//! the error.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::VerifyArgs;

pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    crate::interrupt::install();
    let mut out = std::io::stdout().lock();
    let mut failed_to_print = None;
    let result = crate::verify::verify(&args.db.db, &mut |line| {
        if let Err(e) = writeln!(out, "ok  {line}") {
            failed_to_print.get_or_insert(e);
        }
    });
    result?;
    if let Some(e) = failed_to_print {
        return Err(e.into());
    }
    writeln!(
        out,
        "{} is consistent: every check passed",
        args.db.db.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
