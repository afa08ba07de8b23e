//! `xcc share`: a file for analysts, then what it holds, on stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{default_time_limit, ShareArgs};
use crate::format::duration::parse_duration;
use crate::format::{escape_controls, human_bytes, thousands};
use crate::metrics::Filter;
use crate::report::{self, ReportOptions};
use crate::share::{self, ShareOptions};
use crate::store;

pub fn run(args: ShareArgs) -> Result<ExitCode> {
    let pseudonym_seed = if args.pseudonymize {
        Some(random_seed()?)
    } else {
        None
    };
    let opts = ShareOptions {
        db: args.db.db,
        out: args.out,
        events: args.events,
        keep_personal_data: args.keep_personal_data,
        pseudonym_seed,
        force: args.force,
        now_us: super::now_us(),
    };
    let shared = share::share(&opts)?;
    let report = match &args.report {
        Some(out) => Some(write_report(&opts, out)?),
        None => None,
    };
    if !args.quiet {
        let personal = match (opts.keep_personal_data, args.pseudonymize) {
            (true, _) => "ip and user_agent KEPT, URLs and search text unredacted (--keep-personal-data): this file identifies visitors",
            (false, false) => "no ip, user_agent or unknown fields; URLs, search text and reject reasons redacted",
            (false, true) => "no ip, user_agent or unknown fields; URLs, search text and reject reasons redacted; customer ids pseudonymized",
        };
        eprintln!(
            "xcc: shared {} as {} ({}): {} sessions, {} events ({personal}), {} rejected lines counted under {} reasons",
            opts.db.display(),
            opts.out.display(),
            human_bytes(shared.bytes),
            thousands(shared.sessions as u64),
            thousands(shared.events as u64),
            thousands(shared.rejected_lines as u64),
            thousands(shared.reject_reasons as u64),
        );
        match (&args.report, report) {
            (Some(out), Some(bytes)) => eprintln!(
                "xcc: wrote the report of {} to {} ({}, self-contained, loads nothing)",
                opts.out.display(),
                out.display(),
                human_bytes(bytes)
            ),
            _ => eprintln!(
                "xcc: next, the answers as one HTML page for those who read no SQL: xcc report --db {} --out {}",
                shell_word(&escape_controls(&opts.out.display().to_string())),
                shell_word(&escape_controls(&report_beside(&opts.out).display().to_string())),
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The report of the file just shared, over all its data; its size in bytes.
fn write_report(shared: &ShareOptions, out: &Path) -> Result<u64> {
    let opts = ReportOptions {
        db: shared.out.clone(),
        out: out.to_path_buf(),
        filter: Filter::default(),
        force: shared.force,
        now_us: shared.now_us,
    };
    crate::interrupt::install();
    // `xcc report`'s default --time-limit (the table in cli.rs): the file is the one just
    // written, but its reading is bounded all the same.
    let limit = parse_duration(default_time_limit("report")).map_err(anyhow::Error::msg)?;
    let written = store::harden::within(limit, || report::write(&opts))?;
    Ok(written.bytes)
}

/// The suggested report's name: the shared file's, with `.html`.
fn report_beside(shared: &Path) -> PathBuf {
    shared.with_extension("html")
}

/// `word` as one word of a POSIX shell: as it is when it has only characters no shell reads
/// specially, else in single quotes (with a quote inside written '\'').
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "._/-+,:@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// 32 bytes from the operating system's random source: the seed of the pseudonyms, used
/// once and kept nowhere.
fn random_seed() -> Result<[u8; 32]> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)
        .map_err(|e| anyhow::anyhow!("cannot draw random numbers for --pseudonymize: {e}"))?;
    Ok(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_quoted_only_when_a_shell_would_read_it_otherwise() {
        assert_eq!(shell_word("out/analysts.db"), "out/analysts.db");
        assert_eq!(shell_word("my file.db"), "'my file.db'");
        // it's → 'it'\''s': the quote closes, an escaped quote, the quote opens again.
        assert_eq!(shell_word("it's.db"), r"'it'\''s.db'");
        assert_eq!(shell_word("$HOME.db"), "'$HOME.db'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn the_suggested_report_is_named_after_the_shared_file() {
        assert_eq!(
            report_beside(Path::new("x/analysts.db")),
            Path::new("x/analysts.html")
        );
        assert_eq!(
            report_beside(Path::new("analysts")),
            Path::new("analysts.html")
        );
    }
}
