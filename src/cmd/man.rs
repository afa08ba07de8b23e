//! `xcc man`: the manual page, made at run time from the clap definitions (`clap_mangen`):
//! xcc's own page, then a section for each subcommand with its synopsis, description,
//! options and examples, so that `man` shows every flag on one page.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;

pub fn run() -> Result<ExitCode> {
    let page = page()?;
    let mut out = std::io::stdout().lock();
    out.write_all(&page)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The whole page as roff.
fn page() -> Result<Vec<u8>> {
    let mut command = Cli::command();
    command.build();
    let mut top = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut top)?;
    let mut top = String::from_utf8_lossy(&top).into_owned();
    let subcommands: Vec<&clap::Command> = command
        .get_subcommands()
        .filter(|s| s.get_name() != "help")
        .collect();
    // The list names a page per subcommand (xcc-ingest(1)); here each is a section below.
    for sub in &subcommands {
        let name = sub.get_name();
        top = top.replace(&format!("xcc\\-{name}(1)"), &format!("xcc {name}"));
    }
    let mut page = top.into_bytes();
    for sub in subcommands {
        let man = clap_mangen::Man::new(sub.clone());
        let mut sections = Vec::new();
        man.render_synopsis_section(&mut sections)?;
        man.render_description_section(&mut sections)?;
        man.render_options_section(&mut sections)?;
        if sub.get_after_help().is_some() {
            man.render_extra_section(&mut sections)?;
        }
        writeln!(page, ".SH \"XCC {}\"", sub.get_name().to_uppercase())?;
        // The subcommand's sections become subsections of its own.
        for line in String::from_utf8_lossy(&sections).lines() {
            match line.strip_prefix(".SH ") {
                Some(heading) => writeln!(page, ".SS {heading}")?,
                None => writeln!(page, "{line}")?,
            }
        }
    }
    Ok(page)
}
