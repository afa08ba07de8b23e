//! `xcc serve`'s server: N worker threads share one listening socket, each with its own
//! read-only SQLite connection opened at start, so a bad file fails before the first request
//! and requests never wait on each other. WAL lets an `xcc ingest` commit meanwhile; the next
//! request sees the new data.

mod cache;
mod routes;

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use tiny_http::{Header, Request, Response, Server, StatusCode};

use crate::format::shorten;
use crate::metrics::Metric;
use crate::store;
use cache::Cache;
use routes::Endpoints;

pub struct ServeOptions {
    pub db: PathBuf,
    pub addr: String,
    pub threads: usize,
    pub quiet: bool,
}

/// A listening socket, bound before anything else is done (`xcc demo` binds it before it
/// generates its data, so that a busy port is said at once).
pub struct Bound {
    server: Server,
    max_connections: usize,
}

/// Binds `addr`: a busy port is one sentence.
pub fn bind(addr: &str) -> Result<Bound> {
    let max_connections = max_connections(raise_descriptor_limit());
    Ok(Bound {
        server: listen(addr, max_connections)?,
        max_connections,
    })
}

/// Serves until Ctrl-C (see `crate::interrupt`) or until killed, printing `banner(url)` on
/// stderr once the socket is listening.
pub fn run(opts: &ServeOptions, banner: impl Fn(&str) -> String) -> Result<()> {
    serve(bind(&opts.addr)?, opts, banner)
}

/// Serves on a socket bound already.
pub fn serve(bound: Bound, opts: &ServeOptions, banner: impl Fn(&str) -> String) -> Result<()> {
    let connections = (0..opts.threads.max(1))
        .map(|_| store::open_for_read(&opts.db))
        .collect::<Result<Vec<_>>>()?;
    let max_connections = bound.max_connections;
    let server = Arc::new(bound.server);
    let shown = server
        .server_addr()
        .to_ip()
        .map_or(opts.addr.clone(), |a| a.to_string());
    let metrics: Vec<String> = Metric::ALL.iter().map(|m| m.path()).collect();
    eprintln!(
        "xcc: serving {} on http://{shown}/ with {} threads and at most {} connections (dashboard at /, JSON at {}, /health, /openapi.json)",
        opts.db.display(),
        connections.len(),
        crate::format::thousands(max_connections as u64),
        metrics.join(", ")
    );
    let banner = banner(&format!("http://{shown}/"));
    if !banner.is_empty() {
        eprintln!("{banner}");
    }
    let cache = Cache::default();
    let workers: Vec<_> = connections
        .into_iter()
        .enumerate()
        .map(|(i, conn)| {
            let server = server.clone();
            let worker = Worker {
                endpoints: Endpoints {
                    conn,
                    db: opts.db.clone(),
                    cache: cache.clone(),
                },
                quiet: opts.quiet,
            };
            thread::Builder::new()
                .name(format!("xcc-http-{i}"))
                .spawn(move || worker.serve(&server))
        })
        .collect::<std::io::Result<_>>()
        .context("cannot start the worker threads")?;
    wait_for_interrupt(workers);
    eprintln!("xcc: stopped (Ctrl-C); {} is as it was", opts.db.display());
    Ok(())
}

/// The workers serve until the process ends; this thread waits for Ctrl-C. The workers'
/// connections only read, from a file at rest, so ending the process leaves nothing behind.
fn wait_for_interrupt(workers: Vec<thread::JoinHandle<()>>) {
    while !crate::interrupt::requested() {
        if workers.iter().all(|w| w.is_finished()) {
            return;
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// File descriptors kept for all but the connections: the database connections and their
/// journals, the listener, stdio.
const RESERVED_DESCRIPTORS: u64 = 64;
/// More connections than this would mean as many threads (tiny_http reads each connection on
/// a thread of its own).
const MOST_CONNECTIONS: u64 = 10_000;

/// How many connections may be open at once: each takes two descriptors (tiny_http reads and
/// writes through two handles), the rest is reserved, and there are at most
/// [`MOST_CONNECTIONS`]. Past the cap a new connection is closed at once, so that the
/// server never runs out of descriptors and stops accepting.
fn max_connections(descriptor_limit: u64) -> usize {
    let by_descriptors = descriptor_limit.saturating_sub(RESERVED_DESCRIPTORS) / 2;
    by_descriptors.clamp(1, MOST_CONNECTIONS) as usize
}

/// Raises the soft limit of open files to the hard one, as far as it goes; returns the limit
/// in force.
#[cfg(unix)]
fn raise_descriptor_limit() -> u64 {
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return raised.rlim_cur as u64;
            }
        }
        limit.rlim_cur as u64
    }
}

#[cfg(not(unix))]
fn raise_descriptor_limit() -> u64 {
    // Windows has no such per-process limit worth raising; the thread bound rules.
    MOST_CONNECTIONS * 2 + RESERVED_DESCRIPTORS
}

fn listen(addr: &str, max_connections: usize) -> Result<Server> {
    let listener = std::net::TcpListener::bind(addr).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow!(
            "cannot listen on {addr}: the address is already in use (is another xcc serve running? choose another port with --addr)"
        ),
        _ => anyhow!("cannot listen on {addr}: {e}"),
    })?;
    // tiny_http writes headers and a body over 1 KiB in two segments; with Nagle's algorithm
    // the second waits for the client's delayed ACK (40 ms). Accepted sockets inherit this.
    socket2::SockRef::from(&listener)
        .set_nodelay(true)
        .with_context(|| format!("cannot configure the socket on {addr}"))?;
    Server::from_listener_capped(listener, None, max_connections)
        .map_err(|e| anyhow!("cannot listen on {addr}: {e}"))
}

struct Worker {
    endpoints: Endpoints,
    quiet: bool,
}

impl Worker {
    fn serve(&self, server: &Server) {
        // An explicit loop: `incoming_requests()` would end quietly on the first error.
        loop {
            match server.recv() {
                Ok(request) => self.answer(request),
                Err(e) => {
                    eprintln!("xcc: could not accept a request: {e}");
                    thread::sleep(Duration::from_millis(10));
                }
            }
        }
    }

    fn answer(&self, request: Request) {
        let started = Instant::now();
        let method = request.method().clone();
        let url = request.url().to_string();
        let answer = self.endpoints.route(&method, &url);
        let status = answer.status;
        let length = answer.body.len();
        // A known length rather than chunked encoding: simpler for every client. tiny_http
        // would switch to chunks from 32 KiB on (the dashboard is larger), so never.
        let mut response = Response::new(
            StatusCode(answer.status),
            vec![header("Content-Type", answer.content_type)],
            Cursor::new(answer.body.into_bytes()),
            Some(length),
            None,
        )
        .with_chunked_threshold(usize::MAX);
        if answer.allow {
            response.add_header(header("Allow", "GET, HEAD"));
        }
        let sent = request.respond(response);
        if !self.quiet {
            // The path is logged shortened: a 100 KB URL should not flood the log.
            eprintln!(
                "{method} {} {status} {:.1}ms{}",
                shorten(&url, 200),
                started.elapsed().as_secs_f64() * 1000.0,
                sent.map_or_else(|e| format!(" (not sent: {e})"), |_| String::new())
            );
        }
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}
