//! `xcc demo`: the whole product in one command, offline — synthetic events generated
//! in-process, ingested into a file, a note on where to look, then the server.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;

use crate::{clock, ingest, server, source};

pub struct DemoOptions {
    pub db: PathBuf,
    pub events: u64,
    pub seed: u64,
    pub addr: String,
    pub threads: usize,
}

pub fn run(opts: &DemoOptions) -> Result<()> {
    eprintln!(
        "xcc demo: generating {} synthetic events (seed {}) and ingesting them into {}",
        crate::progress::thousands(opts.events),
        opts.seed,
        opts.db.display()
    );
    let started = Instant::now();
    let report = ingest::run(&ingest::IngestOptions {
        source: source::Source::Generated {
            events: opts.events,
            seed: opts.seed,
        },
        db: opts.db.clone(),
        quiet: false,
        http: source::HttpPolicy::default(),
        started_at: clock::now_iso(),
        wait: crate::store::WRITE_WAIT,
    })?;
    eprintln!("{}", ingest::describe(&report, started.elapsed()));
    let db = opts.db.display();
    server::run_with_banner(
        &server::ServeOptions {
            db: opts.db.clone(),
            addr: opts.addr.clone(),
            threads: opts.threads,
            quiet: false,
        },
        |url| {
            format!(
                "\nReady. Where to look:\n  {url}                      the dashboard, in a browser\n  curl {url}metrics/orders    the two medians of the brief\n  sqlite3 {db} 'SELECT * FROM about'        the file describes itself (see also: dictionary)\n  xcc export v_sessions --format csv --db {db} | head\nPress Ctrl-C to stop; the file stays.\n"
            )
        },
    )
}
