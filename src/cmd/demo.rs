//! `xcc demo`: the whole product in one command, offline — synthetic events generated
//! in-process, ingested into a file, a note on where to look, then the server.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::cli::DemoArgs;
use crate::format::thousands;
use crate::generate::{self, GenerateOptions};
use crate::ingest::{self, IngestOptions};
use crate::input::records::DEFAULT_MAX_RECORD_BYTES;
use crate::input::source::{HttpPolicy, Source};
use crate::serve::{self, ServeOptions};
use crate::store::{self, WRITE_WAIT};

pub fn run(args: DemoArgs) -> Result<ExitCode> {
    crate::interrupt::install();
    // The port first: a busy one is said before a minute of generating, not after.
    let bound = serve::bind(&args.server.addr)?;
    let label = format!("generated:events={},seed={}", args.events, args.seed);
    if already_holds(&args.db, &label) {
        eprintln!(
            "xcc demo: {} already holds the {} synthetic events of seed {}; serving it as it is",
            args.db.display(),
            thousands(args.events),
            args.seed
        );
    } else {
        load(&args, label)?;
    }
    let db = args.db.display();
    let opts = ServeOptions {
        db: args.db.clone(),
        addr: args.server.addr.clone(),
        threads: args.server.threads as usize,
        quiet: false,
        time_limit: args.server.time_limit,
        allowed_hosts: args.server.allow_host.clone(),
    };
    serve::serve(bound, &opts, |url| {
        format!(
            "\nReady. Where to look:\n  {url}                      the dashboard, in a browser\n  curl {url}metrics/orders    the two medians of the brief\n  sqlite3 {db} 'SELECT * FROM about'        the file describes itself (see also: dictionary)\n  xcc export v_sessions --format csv --db {db} | head\nPress Ctrl-C to stop; the file stays.\n"
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Whether the file is an xcc file that an earlier demo filled with these very events (the
/// same number, the same seed), so that a re-run serves it without generating them again.
fn already_holds(db: &Path, label: &str) -> bool {
    db.exists()
        && store::open_for_read(db)
            .and_then(|conn| store::ingests::ingested_from(&conn, label))
            .unwrap_or(false)
}

fn load(args: &DemoArgs, label: String) -> Result<()> {
    eprintln!(
        "xcc demo: generating {} synthetic events (seed {}) and ingesting them into {}",
        thousands(args.events),
        args.seed,
        args.db.display()
    );
    let events = generate::reader(GenerateOptions {
        events: args.events,
        seed: args.seed,
        customers: None,
        realistic: false,
        visit_events: None,
    })
    .context("cannot start the generator thread")?;
    let source = Source::Stream {
        label,
        reader: Box::new(events),
    };
    let started = Instant::now();
    let report = ingest::run(
        source,
        &IngestOptions {
            db: args.db.clone(),
            quiet: false,
            http: HttpPolicy::default(),
            started_us: super::now_us(),
            wait: WRITE_WAIT,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            parse_all: false,
        },
    )?;
    eprintln!("{}", report.describe(started.elapsed()));
    Ok(())
}
