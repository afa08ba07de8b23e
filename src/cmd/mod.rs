//! One module per subcommand, each turning its parsed arguments into work and its result into
//! output and an exit status. The edge of the program: the only place that reads the clock.

mod completions;
mod demo;
mod dump;
mod export;
mod generate;
mod ingest;
mod man;
mod metrics;
mod query;
mod report;
mod serve;
mod sessionize;
mod share;
mod verify;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::Command;

pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Ingest(args) => ingest::run(args),
        Command::Sessionize(args) => sessionize::run(args),
        Command::Metrics(args) => metrics::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Export(args) => export::run(args),
        Command::Query(args) => query::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Share(args) => share::run(args),
        Command::Dump(args) => dump::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Report(args) => report::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man => man::run(),
    }
}

/// The wall clock in microseconds since the epoch, read once per command at this edge and
/// passed down, so that nothing that decides a number reads it.
fn now_us() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_micros() as i64
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// `demo` ingests with `store::WRITE_WAIT`; `--wait` of the commands that write has the
    /// same default.
    #[test]
    fn the_default_wait_is_the_store_s() {
        let command = crate::cli::Cli::command();
        for name in ["ingest", "sessionize"] {
            let wait = command
                .find_subcommand(name)
                .unwrap()
                .get_arguments()
                .find(|a| a.get_id() == "wait")
                .unwrap();
            let default = wait.get_default_values()[0].to_str().unwrap();
            assert_eq!(
                crate::format::duration::parse_duration(default),
                Ok(crate::store::WRITE_WAIT),
                "{name}"
            );
        }
    }
}
