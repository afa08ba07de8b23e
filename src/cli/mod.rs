//! The whole command-line surface; doc comments are the help text.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};

use crate::format::duration::parse_duration;
use crate::metrics::Metric;
use crate::share::SharedEvents;

mod mistakes;
mod values;

pub use mistakes::{one_sentence, FlagMistake};
use values::address;
pub use values::{
    default_time_limit, time_limit_help, time_limits_markdown, TimeLimit, TIME_LIMITS,
};

#[derive(Parser, Debug)]
#[command(
    name = "xcc",
    version,
    about = "Turns a webshop's raw clickstream into sessions in one SQLite file and answers the shop's questions about them.",
    after_help = "Quick start:\n  xcc demo                          # offline: synthetic data, dashboard at http://127.0.0.1:8000/\n  xcc ingest events.json --db sessions.db\n  xcc metrics orders --db sessions.db\n  xcc serve --db sessions.db      # then: curl http://127.0.0.1:8000/metrics/orders"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Load events (JSON lines or one JSON array) from a URL, a file or stdin into the database
    /// and sessionize the customers that received new events, all in one transaction.
    ///
    /// Every input line ends up stored, counted as a duplicate (same id, same content) or
    /// recorded in the `rejects` table with its line number and reason; the ingest goes on
    /// past bad lines. Re-ingesting the same input stores nothing new. A URL ingested before
    /// is asked for only if it changed (the ledger keeps the ETag and Last-Modified its server
    /// sent): when the server says it is unchanged, nothing is downloaded or read.
    #[command(
        after_help = "Examples:\n  xcc ingest                                   # the public events.json\n  xcc ingest events.json --db sessions.db\n  zcat events.json.gz | xcc ingest - --db sessions.db\n  xcc ingest http://127.0.0.1:9000/events.json --read-timeout 10s\n  xcc ingest events.json --db sessions.db      # again, grown: only the new end is parsed\n  xcc ingest --db sessions.db                  # a refresh: nothing downloaded if unchanged\n  xcc ingest --db sessions.db --parse-all      # download and parse every line anyway\n\nExit status: 0 when the ingest committed, 1 when nothing could be read or written (the\ndatabase is left as it was), 3 when lines were read but every one was rejected."
    )]
    Ingest(IngestArgs),

    /// Rebuild every session from the stored events, optionally with another inactivity timeout.
    ///
    /// The timeout is stored in the database; later ingests use it.
    #[command(
        after_help = "Examples:\n  xcc sessionize --db sessions.db                 # rebuild with the stored timeout\n  xcc sessionize --db sessions.db --timeout 45m   # 45m, 1h, 900s or 1h30m: every number with its unit\n  xcc sessionize --db sessions.db --wait 5m       # while a long ingest holds the file"
    )]
    Sessionize(SessionizeArgs),

    /// Print a metric as JSON on stdout, the same JSON `xcc serve` returns.
    ///
    /// orders, orders-detail, referrers, daily and distributions can be computed over a range of
    /// UTC dates (both inclusive) and for one referrer host, like the server's `from`, `to` and
    /// `referrer` parameters: an ordering session counts when its first order is in range (its
    /// visits before the order still count earlier sessions), a customer counts for the
    /// minutes before the first order when that order is; for referrers, daily and
    /// distributions, a session counts when it started in range.
    #[command(
        after_help = "Examples:\n  xcc metrics orders --db sessions.db\n  xcc metrics orders --db sessions.db --from 2022-04-01 --to 2022-04-30\n  xcc metrics orders-detail --db sessions.db --referrer www.google.com\n  xcc metrics referrers --db sessions.db --from 2022-05-01\n  xcc metrics sensitivity --db sessions.db\n  xcc metrics summary --db sessions.db"
    )]
    Metrics(MetricsArgs),

    /// Write synthetic events as JSON lines on stdout, shaped like the public events.json.
    ///
    /// Deterministic for a given seed: the same options give the same bytes. Shuffled order,
    /// a 15-second grid, about 28% logged in, customers with several sessions over 30 days.
    #[command(
        after_help = "Examples:\n  xcc generate --events 1000000 > events.jsonl\n  xcc generate --events 50000 --seed 7 --customers 300 | xcc ingest - --db sample.db\n  xcc generate --events 1000000 --realistic > real-shaped.jsonl   # a user agent and ip per line\n  xcc generate --events 680000 --realistic --visit-events 3.25 > many-sessions.jsonl"
    )]
    Generate(GenerateArgs),

    /// Run one read-only SQL statement on the database and print its rows.
    ///
    /// The file is opened read-only and the statement may only read: one that would write or
    /// change anything (VACUUM INTO, ATTACH, CREATE TEMP TABLE, BEGIN, a pragma given a
    /// value, …) is refused before it runs, in one sentence. Start with
    /// `SELECT * FROM dictionary` to see what there is.
    #[command(
        after_help = "Examples:\n  xcc query 'SELECT * FROM v_metrics_orders' --db sessions.db\n  xcc query 'SELECT referrer_host, sessions FROM v_referrers LIMIT 5' --db sessions.db\n  xcc query 'SELECT * FROM v_sessions WHERE customer_id = 42' --format csv --db sessions.db > c42.csv"
    )]
    Query(QueryArgs),

    /// Write a table or view of the database to stdout as CSV, JSON lines, JSON or a table.
    #[command(
        after_help = "Examples:\n  xcc export v_sessions --db sessions.db > sessions.csv\n  xcc export rejects --format jsonl --db sessions.db\n  xcc export dictionary --db sessions.db        # what every table, view and column means"
    )]
    Export(ExportArgs),

    /// See the whole product work, offline: generate synthetic events, ingest them into a
    /// file, and serve the dashboard and the API.
    ///
    /// Re-running it on the same file adds nothing new (same seed, same events): the file is
    /// served as it is.
    #[command(
        after_help = "Examples:\n  xcc demo                                     # demo.db, 200,000 events, http://127.0.0.1:8000/\n  xcc demo --events 1000000 --addr 127.0.0.1:9000"
    )]
    Demo(DemoArgs),

    /// Write a new SQLite file for analysts: small enough to e-mail, without personal data,
    /// complete on its own.
    ///
    /// It holds the sessions, the analyst views, the dictionary, the ingests ledger and the
    /// rejects counted by reason; events only with --events logged-in. Nothing personal is in
    /// any field unless --keep-personal-data: no IP address, user agent or unknown field of
    /// any event; URLs without user name, password, fragment and query parameters other than
    /// utm_*, ref and source; e-mail addresses, phone-like and card-like numbers in search
    /// text as [email], [phone], [card]; reject reasons without the input they quoted.
    /// --pseudonymize also replaces the customer ids. `xcc metrics` and `xcc serve` give the
    /// same numbers from it as from the working file.
    #[command(
        after_help = "Examples:\n  xcc share --db sessions.db --out analysts.db\n  xcc share --db sessions.db --out analysts.db --events logged-in --force\n  xcc share --db sessions.db --out analysts.db --events logged-in --pseudonymize\n  xcc share --db sessions.db --out analysts.db --report answers.html   # and the answers as one page\n  sqlite3 analysts.db 'SELECT * FROM about'"
    )]
    Share(ShareArgs),

    /// Write the database as one SQL script for PostgreSQL, to load with psql.
    ///
    /// In the style of pg_dump: one transaction that replaces a schema (default xcc) with the
    /// same tables in PostgreSQL types, their rows loaded with COPY, the indexes, and the same
    /// analyst views, including v_metrics_orders with the two medians of GET
    /// /metrics/orders. Streamed: memory stays flat at any size. Re-run it after each ingest
    /// to keep the server's copy current.
    #[command(
        after_help = "Examples:\n  xcc dump --db sessions.db --dialect postgres | psql -X -q \"$DATABASE_URL\"\n  xcc dump --db sessions.db --dialect postgres --schema shop --events logged-in > shop.sql\n  psql -X \"$DATABASE_URL\" -c 'SELECT * FROM xcc.v_metrics_orders'"
    )]
    Dump(DumpArgs),

    /// Check everything about a file that can be checked: its tables, indexes and views are
    /// xcc's own, SQLite's quick_check finds no damage, the sessions are what sessionizing
    /// its events gives (where it has them), the order and sensitivity rows are what the
    /// sessions give, and the ledger adds up.
    ///
    /// Prints each check as it passes (stdout) and the first disagreement as one sentence
    /// (stderr, exit status 1). Run it on a file you received before you trust it. It cannot
    /// catch sessions rewritten consistently in a file without events.
    #[command(
        after_help = "Examples:\n  xcc verify --db analysts.db\n  xcc verify --db sessions.db && xcc serve --db sessions.db"
    )]
    Verify(VerifyArgs),

    /// Write the dashboard's answers as one HTML file that anyone can open, offline: both
    /// medians with their explanations, the counts, every chart and the referrer table, and
    /// where the numbers come from.
    ///
    /// The page is self-contained (its script, style and data inside it) and loads nothing
    /// from anywhere: its Content-Security-Policy allows nothing else. It holds aggregates
    /// only (no customer id, event or IP address), the same JSON as `xcc metrics NAME` for
    /// the file and the filter, and prints on A4.
    #[command(
        after_help = "Examples:\n  xcc report --db sessions.db --out report.html\n  xcc report --db sessions.db --out may.html --from 2022-05-01 --to 2022-05-31 --force\n  xcc report --db analysts.db --out google.html --referrer www.google.com"
    )]
    Report(ReportArgs),

    /// Serve the metrics over HTTP as JSON.
    ///
    /// Endpoints: GET / (the dashboard), /metrics/orders, /metrics/orders/detail,
    /// /metrics/referrers, /metrics/daily, /metrics/distributions (these five take
    /// ?from=YYYY-MM-DD&to=YYYY-MM-DD&referrer=HOST), /metrics/summary, /metrics/history,
    /// /metrics/sensitivity, /health, /openapi.json (every endpoint described), /favicon.ico,
    /// /dashboard.js and /dashboard.css (the page's script and style sheet).
    /// Each worker thread has its own read-only connection; an `xcc ingest` into the same
    /// file while serving shows up in the next response.
    ///
    /// Safe to run on a file from anyone: it answers only requests whose Host header is one
    /// of its own names (127.0.0.1, localhost or [::1] with its port, the address it is bound
    /// to, and each --allow-host), any other with 421, so that no web page can reach it
    /// through a name of its own (DNS rebinding); and a metric whose queries run past
    /// --time-limit is stopped and answered with 503, its thread free for the next request.
    #[command(
        after_help = "Examples:\n  xcc serve --db sessions.db\n  xcc serve --db sessions.db --addr 0.0.0.0:8000 --threads 8 --allow-host stats.example.com   # reachable from other machines, on purpose, as http://stats.example.com:8000/\n  xcc serve --db analysts.db --time-limit 500ms   # stop any metric's queries after half a second\n  curl http://127.0.0.1:8000/metrics/orders\n  curl 'http://127.0.0.1:8000/metrics/orders?from=2022-04-01&to=2022-04-30&referrer=(direct)'\n  curl http://127.0.0.1:8000/metrics/sensitivity"
    )]
    Serve(ServeArgs),

    /// Print the completion script of a shell for xcc on stdout, made from these very flags.
    #[command(
        after_help = "Examples:\n  xcc completions bash > ~/.local/share/bash-completion/completions/xcc\n  xcc completions zsh > ~/.zfunc/_xcc      # with fpath+=(~/.zfunc) before compinit in ~/.zshrc\n  xcc completions fish > ~/.config/fish/completions/xcc.fish\n  xcc completions powershell >> $PROFILE"
    )]
    Completions(CompletionsArgs),

    /// Print xcc's manual page (roff) on stdout, made from these very flags: every
    /// subcommand with its options.
    #[command(
        after_help = "Examples:\n  xcc man > xcc.1 && man ./xcc.1\n  xcc man > ~/.local/share/man/man1/xcc.1      # then: man xcc"
    )]
    Man,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct DbArg {
    /// The SQLite database file.
    #[arg(long, default_value = "sessions.db", value_name = "PATH")]
    pub db: PathBuf,
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// An http(s):// URL, a file path, or `-` for stdin.
    #[arg(value_name = "SOURCE", default_value = crate::input::source::DEFAULT_URL)]
    pub source: String,
    #[command(flatten)]
    pub db: DbArg,
    /// Say nothing on stderr but errors: no progress, summary or request log.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also print the ingest's counts as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Give up on a download that sends nothing for this long (e.g. 30s, 2m).
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = parse_duration)]
    pub read_timeout: Duration,
    #[command(flatten)]
    pub wait: WaitArg,
    /// The longest line (or array element) read; a longer one is rejected with its length
    /// and first bytes, without being held in memory.
    #[arg(long, default_value_t = crate::input::records::DEFAULT_MAX_RECORD_BYTES, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..=1 << 30).map(|n| n as usize))]
    pub max_line_bytes: usize,
    /// Parse every line, even where the input starts with the same bytes as an earlier
    /// ingest's (which are otherwise recognised by their hashes and not parsed again); a URL
    /// is then downloaded whole, even if its server would say it is unchanged since the last
    /// ingest of it.
    #[arg(long)]
    pub parse_all: bool,
    /// Extra attempts for a download that fails to connect or answers 5xx.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub retries: u32,
}

/// `--wait`, of every command that writes: `ingest` and `sessionize` take the same lock.
#[derive(Args, Debug)]
pub struct WaitArg {
    /// How long to wait for another ingest or sessionize of the same file to finish (e.g.
    /// 30s, 5m).
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Duration,
}

#[derive(Args, Debug)]
pub struct SessionizeArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub wait: WaitArg,
    /// The inactivity gap that starts a new session (default: the one stored in the database,
    /// 30m in a new one).
    #[arg(long, value_name = "DURATION", value_parser = crate::format::duration::parse_seconds, allow_hyphen_values = true)]
    pub timeout: Option<i64>,
    /// Say nothing on stderr but errors: no progress, summary or request log.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct MetricsArgs {
    /// Which metric.
    #[arg(value_enum)]
    pub metric: Metric,
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[arg(long, default_value = default_time_limit("metrics"), value_name = "DURATION", value_parser = parse_duration, help = time_limit_help())]
    pub time_limit: std::time::Duration,
}

/// `--from`, `--to` and `--referrer` of `metrics` and `report`, each value checked here, as
/// the server checks its parameters `from`, `to` and `referrer`.
#[derive(Args, Debug)]
pub struct FilterArgs {
    /// The first UTC day to count, like 2022-04-01.
    #[arg(long, value_name = "DATE", value_parser = crate::metrics::filter::check_date)]
    pub from: Option<String>,
    /// The last UTC day to count (included), like 2022-04-30.
    #[arg(long, value_name = "DATE", value_parser = crate::metrics::filter::check_date)]
    pub to: Option<String>,
    /// Only sessions of this referrer host (like www.google.com), or (direct) for none. A
    /// host that no session has gets a note on stderr.
    #[arg(long, value_name = "HOST", value_parser = crate::metrics::filter::check_referrer_host)]
    pub referrer: Option<String>,
}

#[derive(Args, Debug)]
pub struct ShareArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// The file to write (see above); an existing one is kept unless --force.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Which events to include; the sessions, the figures and everything else are included
    /// whichever you choose.
    #[arg(long, value_enum, default_value = "none")]
    pub events: SharedEvents,
    /// Keep every field as in the working file: the IP address, user agent and unknown fields
    /// of the events included, URLs, search text and reject reasons unredacted (they
    /// identify visitors).
    #[arg(long)]
    pub keep_personal_data: bool,
    /// Replace every customer id by a number from 1 to the number of customers, in a random
    /// order drawn for this file alone: the same customer has the same number throughout the
    /// file, so every metric stays the same, but a copy cannot be joined back to the shop's
    /// customer table.
    #[arg(long)]
    pub pseudonymize: bool,
    /// Also write the answers of the shared file as one HTML page (what `xcc report` writes),
    /// for the people who read no SQL.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Replace the files to write (--out, and --report of share) if they exist.
    #[arg(long)]
    pub force: bool,
    /// Say nothing on stderr but errors: no progress, summary or request log.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct DumpArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// The SQL dialect of the script; PostgreSQL (15 and later) is the one there is.
    #[arg(long, value_enum)]
    pub dialect: Dialect,
    /// The schema the script creates, replacing one of that name.
    #[arg(long, default_value = "xcc", value_name = "NAME")]
    pub schema: String,
    /// Which events to include; the sessions, the figures and everything else are included
    /// whichever you choose.
    #[arg(long, value_enum, default_value = "all")]
    pub events: crate::dump::DumpedEvents,
    /// Say nothing on stderr but errors: no progress, summary or request log.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Postgres,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub server: ServerArgs,
    /// Say nothing on stderr but errors: no progress, summary or request log.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The flags of the HTTP server, the same in `serve` and `demo`.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Address to listen on; 127.0.0.1 keeps it private to this machine.
    #[arg(long, default_value = "127.0.0.1:8000", value_name = "HOST:PORT", value_parser = address)]
    pub addr: String,
    /// Query threads, each with its own read-only database connection; as many again take
    /// the requests and answer at once what needs no query (/health, the page, refusals).
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: u16,
    /// Also answer requests for this name (repeatable), e.g. with --addr 0.0.0.0:8000:
    /// without a port (stats.example.com) it is taken on the server's port and without one
    /// (as a proxy in front on port 80 or 443 passes it on); with a port
    /// (stats.example.com:8443), with that port only.
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_host: Vec<crate::serve::hosts::HostName>,
    #[arg(long, default_value = default_time_limit("serve"), value_name = "DURATION", value_parser = parse_duration, help = time_limit_help())]
    pub time_limit: Duration,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// How many synthetic events (lines) to make.
    #[arg(long, value_name = "N")]
    pub events: u64,
    /// Seed of the random generator: the same seed, the same events.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// How many distinct customers (default: one per 150 events).
    #[arg(long, value_name = "C")]
    pub customers: Option<u64>,
    /// Give every line its own Faker-style user agent and random ip, as in the real file,
    /// instead of one of 32 user agents and one ip per visitor or device. For size and
    /// speed measurements; all other bytes are the same as without it.
    #[arg(long)]
    pub realistic: bool,
    /// Mean events of a logged-in customer's visit (default: the real file's, about 6.35).
    /// Fewer give customers more, shorter sessions for the same lines: 3.25 gives about
    /// 58,000 sessions in 680,000 lines instead of about 30,000.
    #[arg(long, value_name = "E", value_parser = visit_events)]
    pub visit_events: Option<f64>,
}

/// --visit-events: a number of at least 2 (a landing page and one more event).
fn visit_events(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(events) if events.is_finite() && events >= 2.0 => Ok(events),
        _ => Err(format!("{text} is not a number of at least 2")),
    }
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The table or view, e.g. v_sessions, sessions, events, rejects, dictionary.
    pub name: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: crate::rows::Format,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help = time_limit_help())]
    pub time_limit: Option<std::time::Duration>,
}

#[derive(Args, Debug)]
pub struct QueryArgs {
    /// One SQL statement, run read-only.
    pub sql: String,
    #[command(flatten)]
    pub db: DbArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::rows::Format,
    #[arg(long, default_value = default_time_limit("query"), value_name = "DURATION", value_parser = parse_duration, help = time_limit_help())]
    pub time_limit: std::time::Duration,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub db: DbArg,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// The file to write (see above); an existing one is kept unless --force.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Replace the files to write (--out, and --report of share) if they exist.
    #[arg(long)]
    pub force: bool,
    #[arg(long, default_value = default_time_limit("report"), value_name = "DURATION", value_parser = parse_duration, help = time_limit_help())]
    pub time_limit: std::time::Duration,
    /// Say nothing on stderr but errors: no progress, summary or request log.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The SQLite database file.
    #[arg(long, default_value = "demo.db", value_name = "PATH")]
    pub db: PathBuf,
    /// How many synthetic events (lines) to make.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub events: u64,
    /// Seed of the random generator: the same seed, the same events.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Help and the version as clap prints them; a mistake in the arguments as one sentence,
/// like every other error, naming the help to read, with exit status 2.
pub fn refuse_arguments(e: clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let args: Vec<String> = std::env::args().collect();
    eprintln!("{}", one_sentence(&e, subcommand_in(&args)));
    ExitCode::from(2)
}

/// The subcommand named in the arguments, if any: the first one that is a subcommand's name.
pub fn subcommand_in<S: AsRef<str>>(args: &[S]) -> Option<&str> {
    use clap::CommandFactory;
    let command = Cli::command();
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    args.iter()
        .skip(1)
        .map(AsRef::as_ref)
        .find(|a| names.iter().any(|n| n == a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::collections::BTreeMap;

    /// The rule "the same flag has the same words everywhere", read from clap's own tree:
    /// every argument that several subcommands have has one help text (short and long).
    /// `--events` has two meanings, kept apart by whether it takes named values: a count in
    /// generate and demo, a choice of events in share and dump; each has its own words.
    #[test]
    fn a_flag_has_the_same_words_in_every_subcommand() {
        type Words = (Option<String>, Option<String>);
        let mut seen: BTreeMap<(String, bool), Vec<(String, Words)>> = BTreeMap::new();
        for sub in Cli::command().get_subcommands() {
            // clap's own --help, whose long text depends on whether a command has any.
            for arg in sub.get_arguments().filter(|a| a.get_id() != "help") {
                let key = (
                    arg.get_id().to_string(),
                    arg.get_possible_values().is_empty(),
                );
                let words = (
                    arg.get_help().map(ToString::to_string),
                    arg.get_long_help().map(ToString::to_string),
                );
                seen.entry(key)
                    .or_default()
                    .push((sub.get_name().to_string(), words));
            }
        }
        let mut shared = Vec::new();
        for ((id, _), uses) in seen.iter().filter(|(_, uses)| uses.len() > 1) {
            let (first, words) = &uses[0];
            for (other, other_words) in &uses[1..] {
                assert_eq!(words, other_words, "--{id} of {first} and of {other}");
            }
            shared.push(id.as_str());
        }
        // The flags shared now, listed by hand from cli.rs: a flag that is no longer shared,
        // or a newly shared one, shows here, so the test cannot pass by seeing none.
        assert_eq!(
            shared,
            [
                "addr",
                "allow_host",
                "db",
                "events",
                "events",
                "force",
                "format",
                "from",
                "out",
                "quiet",
                "referrer",
                "seed",
                "threads",
                "time_limit",
                "to",
                "wait"
            ]
        );
    }

    /// Every default of the table is taken by its flag: each command's --time-limit shows
    /// the table's value, and export's has none.
    #[test]
    fn each_time_limit_default_is_the_table_s() {
        let command = Cli::command();
        for limit in TIME_LIMITS {
            for name in std::iter::once(limit.command)
                .chain((!limit.also.is_empty() && !limit.also.contains(' ')).then_some(limit.also))
            {
                let sub = command.find_subcommand(name).unwrap();
                let arg = sub
                    .get_arguments()
                    .find(|a| a.get_id() == "time_limit")
                    .unwrap();
                let defaults: Vec<String> = arg
                    .get_default_values()
                    .iter()
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect();
                let expected: Vec<String> = limit.default.map(String::from).into_iter().collect();
                assert_eq!(defaults, expected, "{name}");
                assert_eq!(
                    arg.get_help().unwrap().to_string(),
                    time_limit_help(),
                    "{name}"
                );
            }
        }
        assert_eq!(
            time_limit_help(),
            "Stop, with one sentence, when SQLite has worked this long in all (e.g. 500ms, 10s, 2m; waiting for whoever reads stdout does not count): a file from elsewhere can be made to compute for ever. Defaults: metrics 30s, query 60s, report (and share --report) 60s, serve (and demo) 2s, export none."
        );
    }

    #[test]
    fn an_address_is_a_host_and_a_port() {
        for good in [
            "127.0.0.1:8000",
            "0.0.0.0:0",
            "[::1]:8000",
            "localhost:8000",
            "stats.example.com:80",
        ] {
            assert_eq!(address(good), Ok(good.to_string()), "{good}");
        }
        for bad in [
            "nonsense",
            "127.0.0.1",
            ":8000",
            "localhost:http",
            "127.0.0.1:70000",
            "::1:8000",
            "http://x:80",
            "",
        ] {
            assert_eq!(
                address(bad),
                Err("not an address like 127.0.0.1:8000 (HOST:PORT)".to_string()),
                "{bad}"
            );
        }
    }

    /// The real parser's errors, each as the sentence worked out by hand from clap's words.
    #[test]
    fn argument_mistakes_are_one_sentence() {
        let cases: [(&[&str], &str); 6] = [
            (
                &["xcc", "serve", "--port", "1"],
                "xcc: unexpected argument '--port' found; see xcc serve --help",
            ),
            (
                &["xcc", "metrics"],
                "xcc: the following required arguments were not provided: <METRIC>; see xcc metrics --help",
            ),
            (
                &["xcc", "frobnicate"],
                "xcc: unrecognized subcommand 'frobnicate'; see xcc --help",
            ),
            (
                &["xcc", "ingest", "--retries", "many"],
                "xcc: invalid value 'many' for '--retries <N>': invalid digit found in string; see xcc ingest --help",
            ),
            (
                &["xcc", "export", "sessions", "--format", "xml"],
                "xcc: invalid value 'xml' for '--format <FORMAT>' [possible values: csv, jsonl, json, table]; see xcc export --help",
            ),
            (
                &["xcc", "ingest", "--db"],
                "xcc: a value is required for '--db <PATH>' but none was supplied; see xcc ingest --help",
            ),
        ];
        for (args, sentence) in cases {
            let e = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(one_sentence(&e, subcommand_in(args)), sentence, "{args:?}");
        }
    }
}
