//! `xcc share`: a file for analysts, then what it holds, on stderr.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ShareArgs;
use crate::format::{human_bytes, thousands};
use crate::share::{self, ShareOptions};

pub fn run(args: ShareArgs) -> Result<ExitCode> {
    let opts = ShareOptions {
        db: args.db.db,
        out: args.out,
        events: args.events,
        keep_personal_data: args.keep_personal_data,
        force: args.force,
        now_us: super::now_us(),
    };
    let shared = share::share(&opts)?;
    if !args.quiet {
        let personal = if opts.keep_personal_data {
            "ip and user_agent KEPT (--keep-personal-data): this file identifies visitors"
        } else {
            "no ip or user_agent"
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
    }
    Ok(ExitCode::SUCCESS)
}
