//! `xcc serve`'s server. N request threads share one listening socket: each checks a
//! request's `Host` (see [`hosts`]) and answers at once what needs no query (the page and
//! its files, `/health`, `/openapi.json`, every refusal). A metric goes on to one of N query
//! threads, each with its own read-only SQLite connection opened at start (so a bad file
//! fails before the first request), which computes it within the time limit. So `/health`
//! answers while every connection is busy with a slow query. WAL lets an `xcc ingest` commit
//! meanwhile; the next request sees the new data.

mod cache;
pub mod hosts;
mod routes;

use std::io::Cursor;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use tiny_http::{ConnectionLimits, HTTPVersion, Header, Request, Response, Server, StatusCode};

use crate::format::shorten;
use crate::metrics::{Filter, Metric};
use crate::store;
use cache::Cache;
use hosts::{HostName, Hosts};
use routes::{Answer, Queries, Route};
pub use routes::{CONTENT_SECURITY_POLICY, OPENAPI};

pub struct ServeOptions {
    pub db: PathBuf,
    pub addr: String,
    pub threads: usize,
    pub quiet: bool,
    /// How long a metric's statements may run before they are stopped (a 503).
    pub time_limit: Duration,
    /// Names the server answers to beside its own (`--allow-host`).
    pub allowed_hosts: Vec<HostName>,
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
    no_huge_pages();
    let connections = open_connections(opts)?;
    let schema_version = store::user_version(&connections[0])?;
    let max_connections = bound.max_connections;
    let server = Arc::new(bound.server);
    let local: SocketAddr = server
        .server_addr()
        .to_ip()
        .with_context(|| format!("cannot tell the address {} listens on", opts.addr))?;
    let metrics: Vec<String> = Metric::ALL.iter().map(|m| m.path()).collect();
    eprintln!(
        "xcc: serving {} on http://{local}/ with {} threads and at most {} connections (dashboard at /, JSON at {}, /health, /openapi.json)",
        opts.db.display(),
        connections.len(),
        crate::format::thousands(max_connections as u64),
        metrics.join(", ")
    );
    let front = Arc::new(Front {
        hosts: Hosts::new(local, &opts.allowed_hosts),
        health: routes::health(&opts.db, schema_version),
        quiet: opts.quiet,
    });
    if !opts.quiet {
        eprintln!(
            "xcc: answering to {} (--allow-host adds a name); a metric's queries are stopped after {} (--time-limit)",
            front.hosts.describe(),
            describe_limit(opts.time_limit)
        );
    }
    let banner = banner(&format!("http://{local}/"));
    if !banner.is_empty() {
        eprintln!("{banner}");
    }
    let threads = start_threads(connections, &server, &front, opts.time_limit)?;
    wait_for_interrupt(threads);
    eprintln!("xcc: stopped (Ctrl-C); {} is as it was", opts.db.display());
    Ok(())
}

/// One read-only connection per query thread. A file from anyone: its schema and (if small)
/// its pages are checked as it is opened; here every page of any size, and the derived rows
/// against the sessions, once, before anything is served. The other connections skip the
/// page check just made.
fn open_connections(opts: &ServeOptions) -> Result<Vec<rusqlite::Connection>> {
    let first = store::open_for_read(&opts.db)?;
    let label = opts.db.display().to_string();
    store::check_pages(&first, &label)?;
    crate::verify::derived_rows(&first, &label, false)?;
    let mut connections = vec![first];
    for _ in 1..opts.threads.max(1) {
        connections.push(store::open_for_read_again(&opts.db)?);
    }
    Ok(connections)
}

/// A query thread for each connection, taking jobs from one queue, and as many HTTP threads
/// reading requests and answering what needs no query.
fn start_threads(
    connections: Vec<rusqlite::Connection>,
    server: &Arc<Server>,
    front: &Arc<Front>,
    time_limit: Duration,
) -> Result<Vec<thread::JoinHandle<()>>> {
    let cache = Cache::default();
    let (jobs, waiting) = mpsc::channel::<Job>();
    let waiting = Arc::new(Mutex::new(waiting));
    let mut threads = Vec::new();
    for (i, conn) in connections.into_iter().enumerate() {
        let queries = Queries {
            conn,
            cache: cache.clone(),
            time_limit,
        };
        let (waiting, front) = (waiting.clone(), front.clone());
        threads.push(
            thread::Builder::new()
                .name(format!("xcc-query-{i}"))
                .spawn(move || query_loop(&queries, &waiting, &front)),
        );
    }
    for i in 0..threads.len() {
        let (server, jobs, front) = (server.clone(), jobs.clone(), front.clone());
        threads.push(
            thread::Builder::new()
                .name(format!("xcc-http-{i}"))
                .spawn(move || front.serve(&server, &jobs)),
        );
    }
    threads
        .into_iter()
        .collect::<std::io::Result<Vec<_>>>()
        .context("cannot start the worker threads")
}

/// A time limit as `--time-limit` takes it: `2s`, `500ms`.
fn describe_limit(limit: Duration) -> String {
    crate::format::duration::format_duration(limit)
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

/// Connections the system may hold, complete, until the server accepts them (std listens
/// with 128). Past it the system drops a new connection's first packet, and the client tries
/// again only a second later: under a burst of connections (a flood, or a page's fetches) a
/// larger queue keeps `/health` from waiting that second. nginx and Apache listen with 511;
/// the system caps it (Linux `net.core.somaxconn`, 4,096 since 5.4; macOS `kern.ipc.somaxconn`).
const LISTEN_BACKLOG: i32 = 1024;

/// File descriptors kept for all but the connections: the database connections and their
/// journals, the listener, stdio.
const RESERVED_DESCRIPTORS: u64 = 64;
/// At most this many connections at once, whatever the descriptor limit: each has a thread of
/// its own (tiny_http reads each connection on one), which costs about 50 KB while it waits
/// for a head and up to about 120 KB with a whole head of 100 fields (measured, docs/http.md),
/// so that even at the cap the server stays near 300 MB; and 2,000 clients that never finish
/// their request leave room for `/health` and a browser.
const MOST_CONNECTIONS: u64 = 2_500;

/// A request's head must have arrived whole this long after the connection opened (its first
/// request) or after its first byte (a later one), however slowly it trickles in; else 408 and
/// the connection is closed. Each connection holds a thread, so this bounds how long a client
/// that never finishes can hold one. A head is a packet or two, so any real client is done in
/// well under a second; Apache's mod_reqtimeout gives 20 s (nginx 60 s, for an event loop).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A kept-alive connection with no next request begun within this is closed, without an
/// answer: Apache's `KeepAliveTimeout` (nginx's 75 s suits an event loop, not a thread each).
/// A browser opens a new connection when it needs one.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Each 64 KiB of a response must be taken by the client within this, else the connection is
/// closed. Responses are written by the connection's own thread, so a client that does not
/// read holds only that thread, and only for this long.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections may be open at once: each takes two descriptors (tiny_http reads and
/// writes through two handles), the rest is reserved, and there are at most
/// [`MOST_CONNECTIONS`]. Past the cap a new connection is closed at once, so that the
/// server never runs out of descriptors and stops accepting.
fn max_connections(descriptor_limit: u64) -> usize {
    let by_descriptors = descriptor_limit.saturating_sub(RESERVED_DESCRIPTORS) / 2;
    by_descriptors.clamp(1, MOST_CONNECTIONS) as usize
}

/// macOS refuses a soft limit of open files over OPEN_MAX (10240, in <sys/syslimits.h>),
/// even when the hard limit is RLIM_INFINITY, as it is there by default.
#[cfg(target_os = "macos")]
const OPEN_MAX: Option<u64> = Some(10240);
#[cfg(not(target_os = "macos"))]
const OPEN_MAX: Option<u64> = None;

/// The soft limit to ask for: the hard limit, but no more than the system takes
/// ([`OPEN_MAX`]) or the server can use ([`MOST_CONNECTIONS`] connections, two descriptors
/// each, plus the reserve); never lower than the limit in force.
fn descriptor_target(current: u64, hard: u64, open_max: Option<u64>) -> u64 {
    let useful = MOST_CONNECTIONS * 2 + RESERVED_DESCRIPTORS;
    hard.min(open_max.unwrap_or(u64::MAX))
        .min(useful)
        .max(current)
}

/// Raises the soft limit of open files towards the hard one (see [`descriptor_target`]);
/// returns the limit in force.
#[cfg(unix)]
fn raise_descriptor_limit() -> u64 {
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        let current = limit.rlim_cur as u64;
        let target = descriptor_target(current, limit.rlim_max as u64, OPEN_MAX);
        if target > current {
            let raised = libc::rlimit {
                rlim_cur: target as libc::rlim_t,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return target;
            }
        }
        current
    }
}

#[cfg(not(unix))]
fn raise_descriptor_limit() -> u64 {
    // Windows has no such per-process limit worth raising; the thread bound rules.
    MOST_CONNECTIONS * 2 + RESERVED_DESCRIPTORS
}

/// Transparent huge pages off for the rest of this process. mimalloc asks for them on its
/// arenas (`MADV_HUGEPAGE`), and each connection's thread touches small pages of its own
/// there: the kernel then backs each touched 2 MiB range with a whole huge page, which made an
/// idle connection cost about 170 KB instead of 50 KB. A server's memory is many small
/// scattered pieces, where huge pages only waste; the ingest keeps them. macOS has none.
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process; a failure (an old kernel)
    // leaves things as they were, which is no worse.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}

fn listen(addr: &str, max_connections: usize) -> Result<Server> {
    let listener = std::net::TcpListener::bind(addr).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow!(
            "cannot listen on {addr}: the address is already in use (is another xcc serve running? choose another port with --addr)"
        ),
        _ => anyhow!("cannot listen on {addr}: {e}"),
    })?;
    // tiny_http writes headers and a body over 1 KiB in two segments; with Nagle's algorithm
    // the second waits for the client's delayed ACK (40 ms). Accepted sockets inherit this.
    let socket = socket2::SockRef::from(&listener);
    socket
        .set_nodelay(true)
        .and_then(|()| socket.listen(LISTEN_BACKLOG))
        .with_context(|| format!("cannot configure the socket on {addr}"))?;
    let limits = ConnectionLimits {
        max_connections,
        head_timeout: Some(HEAD_TIMEOUT),
        idle_timeout: Some(IDLE_TIMEOUT),
        write_timeout: Some(WRITE_TIMEOUT),
    };
    Server::from_listener_capped(listener, None, limits)
        .map_err(|e| anyhow!("cannot listen on {addr}: {e}"))
}

/// What the request threads share: the names to answer to and the body of `/health`.
struct Front {
    hosts: Hosts,
    health: String,
    quiet: bool,
}

/// A request for a metric, on its way to a query thread.
struct Job {
    request: Request,
    metric: Metric,
    filter: Filter,
    started: Instant,
}

impl Front {
    fn serve(&self, server: &Server, jobs: &mpsc::Sender<Job>) {
        // An explicit loop: `incoming_requests()` would end quietly on the first error.
        loop {
            match server.recv() {
                Ok(request) => self.take(request, jobs),
                Err(e) => {
                    eprintln!("xcc: could not accept a request: {e}");
                    thread::sleep(Duration::from_millis(10));
                }
            }
        }
    }

    fn take(&self, request: Request, jobs: &mpsc::Sender<Job>) {
        let started = Instant::now();
        let named: Vec<&str> = request
            .headers()
            .iter()
            .filter(|h| h.field.equiv("Host"))
            .map(|h| h.value.as_str())
            .collect();
        // HTTP/1.0 has no Host header; a request that names a host is checked whatever its version.
        let unnamed_1_0 = named.is_empty() && *request.http_version() == HTTPVersion(1, 0);
        if !unnamed_1_0 && !self.hosts.admit(&named) {
            let answer = Answer::error(421, &hosts::misdirected(&self.hosts, &named));
            return self.respond(request, answer, started);
        }
        match routes::route(request.method(), request.url(), &self.health) {
            Route::Now(answer) => self.respond(request, answer, started),
            Route::Metric(metric, filter) => {
                let job = Job {
                    request,
                    metric,
                    filter,
                    started,
                };
                if let Err(mpsc::SendError(job)) = jobs.send(job) {
                    // Only when every query thread has ended, which they never do.
                    let answer = Answer::error(503, "the server's query threads have stopped");
                    self.respond(job.request, answer, job.started);
                }
            }
        }
    }

    /// Writes `answer` and logs the request (method, path, status, milliseconds).
    fn respond(&self, request: Request, mut answer: Answer, started: Instant) {
        let method = request.method().clone();
        let url = request.url().to_string();
        let status = answer.status;
        // What the body holds of the memory budget is given back once it has been written.
        let held = std::mem::take(&mut answer.held);
        let sent = request.respond(response(answer));
        drop(held);
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

/// A query thread: takes the next metric's request and answers it, until the request
/// threads are gone (never, while the process runs).
fn query_loop(queries: &Queries, waiting: &Mutex<mpsc::Receiver<Job>>, front: &Front) {
    loop {
        // The lock is held only while waiting for the next job, not while computing it.
        let job = match waiting.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let answer = queries.answer(job.metric, &job.filter);
        front.respond(job.request, answer, job.started);
    }
}

/// The response of `answer`: its status, Content-Type, the headers every answer has
/// (`X-Content-Type-Options: nosniff`: a browser takes the type as said, never guesses one)
/// and its own. No CORS header: no page elsewhere may read an answer.
fn response(answer: Answer) -> Response<Cursor<Vec<u8>>> {
    let length = answer.body.len();
    let mut headers = vec![
        header("Content-Type", answer.content_type),
        header("X-Content-Type-Options", "nosniff"),
    ];
    headers.extend(
        answer
            .headers
            .iter()
            .map(|(name, value)| header(name, value)),
    );
    // A known length rather than chunked encoding: simpler for every client. tiny_http
    // would switch to chunks from 32 KiB on (the dashboard's script is larger), so never.
    Response::new(
        StatusCode(answer.status),
        headers,
        Cursor::new(answer.body.into_bytes()),
        Some(length),
        None,
    )
    .with_chunked_threshold(usize::MAX)
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_descriptor_limit_asked_for_is_one_the_system_grants() {
        // Linux: a hard limit of 1,048,576 is more than 2,500 connections need (2 × 2,500
        // + 64 reserved = 5,064); a hard limit of 4,096 is taken whole, and serves
        // (4,096 − 64) / 2 = 2,016 connections.
        assert_eq!(descriptor_target(1024, 1_048_576, None), 5_064);
        assert_eq!(max_connections(5_064), 2_500);
        assert_eq!(descriptor_target(1024, 4096, None), 4096);
        assert_eq!(max_connections(4096), 2_016);
        // macOS: the hard limit is RLIM_INFINITY (u64::MAX) and the soft 256; setrlimit
        // takes at most OPEN_MAX (10,240), more than the 5,064 asked for; were it less, it
        // would be what is asked for.
        assert_eq!(descriptor_target(256, u64::MAX, Some(10_240)), 5_064);
        assert_eq!(descriptor_target(256, u64::MAX, Some(4_000)), 4_000);
        // A soft limit already higher is never lowered.
        assert_eq!(descriptor_target(30_000, u64::MAX, Some(10_240)), 30_000);
    }
}
