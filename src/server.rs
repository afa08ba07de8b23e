//! `xcc serve`: the metrics over HTTP. N worker threads share one listening socket, each with
//! its own read-only SQLite connection opened at start, so a bad file fails before the first
//! request and requests never wait on each other. WAL lets an `xcc ingest` commit meanwhile;
//! the next request sees the new data.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use rusqlite::Connection;
use serde_json::json;
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

use crate::metrics::{self, Metric};
use crate::store;

pub const OPENAPI: &str = include_str!("openapi.json");
pub const DASHBOARD: &str = include_str!("dashboard.html");

pub struct ServeOptions {
    pub db: PathBuf,
    pub addr: String,
    pub threads: usize,
    pub quiet: bool,
}

pub fn run(opts: &ServeOptions) -> Result<()> {
    run_with_banner(opts, |_| String::new())
}

/// Serves, printing `banner(url)` on stderr once the socket is listening.
pub fn run_with_banner(opts: &ServeOptions, banner: impl Fn(&str) -> String) -> Result<()> {
    let connections = (0..opts.threads.max(1))
        .map(|_| store::open_for_read(&opts.db))
        .collect::<Result<Vec<_>>>()?;
    let server = listen(&opts.addr)?;
    let server = Arc::new(server);
    let shown = server
        .server_addr()
        .to_ip()
        .map_or(opts.addr.clone(), |a| a.to_string());
    eprintln!(
        "xcc: serving {} on http://{shown}/ with {} threads (dashboard at /, JSON at /metrics/orders, /metrics/referrers, /metrics/summary, /metrics/daily, /metrics/distributions, /health, /openapi.json)",
        opts.db.display(),
        connections.len()
    );
    let banner = banner(&format!("http://{shown}/"));
    if !banner.is_empty() {
        eprintln!("{banner}");
    }
    let cache: Cache = Arc::default();
    let workers: Vec<_> = connections
        .into_iter()
        .enumerate()
        .map(|(i, conn)| {
            let server = server.clone();
            let mut worker = Worker {
                conn,
                db: opts.db.clone(),
                cache: cache.clone(),
                quiet: opts.quiet,
            };
            thread::Builder::new()
                .name(format!("xcc-http-{i}"))
                .spawn(move || worker.serve(&server))
        })
        .collect::<std::io::Result<_>>()
        .context("cannot start the worker threads")?;
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

fn listen(addr: &str) -> Result<Server> {
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
    Server::from_listener(listener, None).map_err(|e| anyhow!("cannot listen on {addr}: {e}"))
}

/// Answers shared by all workers, keyed by metric and valid for one data generation (see
/// `store::bump_generation`): the first request after an ingest pays for the query, the
/// rest are served from memory.
type Cache = Arc<Mutex<HashMap<Metric, (i64, String)>>>;

struct Worker {
    conn: Connection,
    db: PathBuf,
    cache: Cache,
    quiet: bool,
}

/// A finished answer before it is written to the socket.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub allow: bool,
}

impl Answer {
    fn json(status: u16, body: String) -> Answer {
        Answer {
            status,
            content_type: "application/json",
            body,
            allow: false,
        }
    }

    fn error(status: u16, message: &str) -> Answer {
        Answer::json(status, json!({ "error": message }).to_string())
    }
}

impl Worker {
    fn serve(&mut self, server: &Server) {
        // An explicit loop: `incoming_requests()` would end quietly on the first error.
        loop {
            match server.recv() {
                Ok(request) => self.answer(request),
                Err(e) => {
                    eprintln!("xcc: could not accept a request: {e}");
                    thread::sleep(std::time::Duration::from_millis(10));
                }
            }
        }
    }

    fn answer(&mut self, request: Request) {
        let started = Instant::now();
        let method = request.method().clone();
        let url = request.url().to_string();
        let answer = self.route(&method, &url);
        let status = answer.status;
        let length = answer.body.len();
        // A known length rather than chunked encoding: simpler for every client.
        let mut response = Response::new(
            StatusCode(answer.status),
            vec![header("Content-Type", answer.content_type)],
            Cursor::new(answer.body.into_bytes()),
            Some(length),
            None,
        );
        if answer.allow {
            response.add_header(header("Allow", "GET, HEAD"));
        }
        let sent = request.respond(response);
        if !self.quiet {
            // The path is logged shortened: a 100 KB URL should not flood the log.
            eprintln!(
                "{method} {} {status} {:.1}ms{}",
                crate::text::shorten(&url, 200),
                started.elapsed().as_secs_f64() * 1000.0,
                sent.map_or_else(|e| format!(" (not sent: {e})"), |_| String::new())
            );
        }
    }

    fn route(&mut self, method: &Method, url: &str) -> Answer {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let metric = Metric::ALL.into_iter().find(|m| m.path() == path);
        let known = metric.is_some() || matches!(path, "/" | "/health" | "/openapi.json");
        if !known {
            return Answer::error(404, "not found: see GET /openapi.json for the endpoints");
        }
        if !matches!(method, Method::Get | Method::Head) {
            let mut a = Answer::error(405, "method not allowed: use GET");
            a.allow = true;
            return a;
        }
        if !query.is_empty() {
            return Answer::error(400, "this endpoint takes no query parameters");
        }
        let result = match (metric, path) {
            (Some(metric), _) => self.metric(metric),
            (None, "/health") => self.health(),
            (None, "/openapi.json") => Ok(Answer::json(200, OPENAPI.to_string())),
            _ => Ok(Answer {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: DASHBOARD.to_string(),
                allow: false,
            }),
        };
        result.unwrap_or_else(|e| {
            eprintln!("xcc: {path}: {e:#}");
            Answer::error(500, &format!("the database could not answer: {e:#}"))
        })
    }

    fn health(&self) -> Result<Answer> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok(Answer::json(
            200,
            json!({
                "status": "ok",
                "database": self.db.display().to_string(),
                "schema_version": version,
                "tool_version": store::TOOL_VERSION,
            })
            .to_string(),
        ))
    }

    fn metric(&mut self, metric: Metric) -> Result<Answer> {
        let generation = store::generation(&self.conn)?;
        if let Some((g, body)) = self.cached(metric) {
            if g == generation {
                return Ok(Answer::json(200, body));
            }
        }
        let body = metrics::compute(&self.conn, metric)?.to_string();
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(metric, (generation, body.clone()));
        }
        Ok(Answer::json(200, body))
    }

    fn cached(&self, metric: Metric) -> Option<(i64, String)> {
        // A poisoned lock only means another worker panicked mid-insert; skip the cache.
        self.cache.lock().ok()?.get(&metric).cloned()
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}
