//! Helpers shared by the integration tests: run the real binary, read the database it wrote,
//! and play HTTP peers on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use rusqlite::Connection;

pub const REAL_HEAD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/real-events-head.jsonl"
);

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout as JSON lines.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// `program` run as user nobody when the tests run as root (root ignores file permissions),
/// through setpriv (util-linux); as it is otherwise.
pub fn as_nobody(program: &str) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Command::new(program);
    }
    let mut c = Command::new("setpriv");
    c.args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(program);
    c
}

pub fn xcc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xcc"))
}

/// Runs xcc with `args` and `stdin`, waiting for it to end.
pub fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = xcc()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xcc starts");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A temporary directory with a database path in it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("sessions.db")
    }

    /// A workspace whose database is a copy of tests/data/schema-v1.db: real-events-head.jsonl
    /// ingested by xcc at commit 536400c, schema version 1 (sessions keyed by first event id).
    pub fn with_version_1_file() -> Self {
        Self::with_version_file(1)
    }

    /// A workspace whose database is tests/data/schema-v{version}.db: the real sample
    /// ingested by the last xcc of that schema version (tests/data/make-schema-fixtures.sh).
    pub fn with_version_file(version: i64) -> Self {
        let w = Workspace::new();
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/schema-v{version}.db"));
        std::fs::copy(&fixture, w.db()).unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
        w
    }

    pub fn db_str(&self) -> String {
        self.db().to_str().unwrap().to_string()
    }

    /// `xcc share` of this workspace's file into `name` beside it, with `extra` flags (such as
    /// `--events logged-in`); it must succeed.
    pub fn share(&self, name: &str, extra: &[&str]) -> PathBuf {
        let (db, out) = (self.db_str(), self.path(name));
        let mut args = vec![
            "share",
            "--db",
            &db,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let shared = run(&args, b"");
        assert_eq!(shared.code, 0, "{}", shared.stderr);
        out
    }

    pub fn write(&self, name: &str, content: &[u8]) -> String {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p.to_str().unwrap().to_string()
    }

    /// `xcc ingest SOURCE --db <db> --json --quiet`, asserting the count identity on its report
    /// and on the ledger row it wrote.
    pub fn ingest(&self, source: &str, stdin: &[u8]) -> (Output, Option<serde_json::Value>) {
        let out = run(
            &[
                "ingest",
                source,
                "--db",
                &self.db_str(),
                "--json",
                "--quiet",
            ],
            stdin,
        );
        let report = if out.code == 0 || out.code == 3 {
            let r = out.json();
            let n = |k: &str| r[k].as_u64().unwrap();
            assert_eq!(
                n("lines_read"),
                n("stored") + n("duplicates") + n("rejected"),
                "count identity: {r}"
            );
            let conn = self.conn();
            let (read, stored, dups, rejected): (i64, i64, i64, i64) = conn
                .query_row(
                    "SELECT lines_read, stored, duplicates, rejected FROM ingests WHERE id = ?1",
                    [r["ingest_id"].as_i64().unwrap()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .unwrap();
            assert_eq!(read, stored + dups + rejected);
            assert_eq!(
                (read as u64, stored as u64, dups as u64, rejected as u64),
                (n("lines_read"), n("stored"), n("duplicates"), n("rejected"))
            );
            Some(r)
        } else {
            None
        };
        (out, report)
    }

    pub fn conn(&self) -> Connection {
        Connection::open(self.db()).unwrap()
    }

    /// Every stored event as text rows, without the ingest that stored it.
    pub fn event_rows(&self) -> Vec<String> {
        self.rows(
            "SELECT id, type, customer_id, timestamp, ts_us, user_agent, ip, page, referrer,
                    query, product, position, extra FROM v_events ORDER BY id",
        )
    }

    /// The sessions in the columns every schema version has (version 6 stores no text that
    /// only renders a time: v_sessions renders it).
    pub fn session_rows(&self) -> Vec<String> {
        self.rows(
            "SELECT id, customer_id, session_number, started_us, ended_us, duration_seconds,
                    event_count, page_view_count, order_count, first_order_us, referrer,
                    referrer_host, landing_page FROM sessions ORDER BY id",
        )
    }

    pub fn rows(&self, sql: &str) -> Vec<String> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                let mut parts = Vec::new();
                for i in 0..n {
                    let v: rusqlite::types::Value = row.get(i)?;
                    parts.push(format!("{v:?}"));
                }
                Ok(parts.join("|"))
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// The database file's bytes plus its WAL, to prove a failed run changed nothing.
    pub fn snapshot(&self) -> Vec<String> {
        if !self.db().exists() {
            return vec![];
        }
        let mut rows = self.event_rows();
        rows.extend(self.session_rows());
        rows.extend(self.rows("SELECT * FROM ingests ORDER BY id"));
        rows.extend(self.rows("SELECT * FROM rejects ORDER BY id"));
        rows
    }
}

/// Generated events with ids shifted by `offset`, so that several inputs never collide.
pub fn generated(events: u64, seed: u64, offset: i64) -> Vec<u8> {
    let out = run(
        &[
            "generate",
            "--events",
            &events.to_string(),
            "--seed",
            &seed.to_string(),
        ],
        b"",
    );
    assert_eq!(out.code, 0);
    if offset == 0 {
        return out.stdout.into_bytes();
    }
    let mut shifted = String::with_capacity(out.stdout.len());
    for line in out.stdout.lines() {
        let rest = line.strip_prefix("{\"id\": ").unwrap();
        let (id, tail) = rest.split_once(',').unwrap();
        let id: i64 = id.parse().unwrap();
        shifted.push_str(&format!("{{\"id\": {},{tail}\n", id + offset));
    }
    shifted.into_bytes()
}

/// One scripted answer of the test HTTP server.
#[derive(Clone)]
pub enum Reply {
    Ok(Vec<u8>),
    Status(u16),
    /// Claims the full length, sends `sent` bytes of the body, then closes.
    CutAfter(Vec<u8>, usize),
    /// Sends headers and `sent` bytes of the body, then sends nothing for `seconds`.
    Stall(Vec<u8>, usize, u64),
    /// 302 to the same URL again: a redirect loop.
    RedirectToSelf,
    /// 302 to this URL.
    RedirectTo(String),
    /// The file a [`Resource`] is, answered as it is when the request comes.
    Resource(Arc<Resource>),
}

/// A file behind the test server, served as a static file server or a bucket serves one: with
/// its ETag and Last-Modified when it has them, and with 304 Not Modified and no body to a GET
/// whose validators it meets (RFC 9110 §13.2.2: If-None-Match, weakly compared, decides when
/// it is sent; If-Modified-Since only when it is not). It counts the body bytes it sends and
/// notes each request's conditions; the test changes it between ingests.
pub struct Resource(Mutex<ResourceState>);

#[derive(Clone, Debug, Default)]
pub struct ResourceState {
    pub body: Vec<u8>,
    pub etag: Option<String>,
    /// An HTTP date (`Wed, 25 May 2022 05:44:03 GMT`).
    pub last_modified: Option<String>,
    /// Whether If-None-Match and If-Modified-Since are looked at: a server that ignores them
    /// answers 200 with the body every time.
    pub honours_conditions: bool,
    /// The body bytes sent so far, every answer's.
    pub body_bytes_sent: usize,
    /// Each request's If-None-Match and If-Modified-Since, in order.
    pub conditions: Vec<(Option<String>, Option<String>)>,
    /// Each answer's status, in order.
    pub statuses: Vec<u16>,
}

impl Resource {
    pub fn new(state: ResourceState) -> Arc<Resource> {
        Arc::new(Resource(Mutex::new(state)))
    }

    /// What the resource is and has done so far.
    pub fn state(&self) -> ResourceState {
        self.0.lock().unwrap().clone()
    }

    /// Changes the resource, as a new file published in its place.
    pub fn change(&self, change: impl FnOnce(&mut ResourceState)) {
        change(&mut self.0.lock().unwrap());
    }

    fn answer(&self, headers: &[String], stream: &mut TcpStream) -> std::io::Result<()> {
        let mut state = self.0.lock().unwrap();
        let header = |name: &str| {
            headers.iter().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_string())
            })
        };
        let asked = (header("If-None-Match"), header("If-Modified-Since"));
        let unchanged = state.honours_conditions && state.unchanged_for(&asked);
        state.conditions.push(asked);
        let mut head = String::new();
        for (name, value) in [
            ("ETag", &state.etag),
            ("Last-Modified", &state.last_modified),
        ] {
            if let Some(value) = value {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        if unchanged {
            state.statuses.push(304);
            return stream.write_all(
                format!("HTTP/1.1 304 Not Modified\r\n{head}Connection: close\r\n\r\n").as_bytes(),
            );
        }
        state.statuses.push(200);
        stream.write_all(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{head}Connection: close\r\n\r\n",
                state.body.len()
            )
            .as_bytes(),
        )?;
        stream.write_all(&state.body)?;
        state.body_bytes_sent += state.body.len();
        Ok(())
    }
}

impl ResourceState {
    /// Whether a GET with these If-None-Match and If-Modified-Since gets 304.
    fn unchanged_for(
        &self,
        (if_none_match, if_modified_since): &(Option<String>, Option<String>),
    ) -> bool {
        if let Some(tags) = if_none_match {
            let weak = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
            return self.etag.as_ref().is_some_and(|etag| {
                tags.split(',')
                    .any(|tag| tag.trim() == "*" || weak(tag) == weak(etag))
            });
        }
        match (if_modified_since, &self.last_modified) {
            (Some(since), Some(modified)) => match (http_date(since), http_date(modified)) {
                (Some(since), Some(modified)) => modified <= since,
                // A date that is not one is ignored (RFC 9110 §13.1.3).
                _ => false,
            },
            _ => false,
        }
    }
}

/// An HTTP date (IMF-fixdate: `Wed, 25 May 2022 05:44:03 GMT`), read by `time`.
pub fn http_date(text: &str) -> Option<time::PrimitiveDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text, format).ok()
}

/// A tiny HTTP/1.1 server on 127.0.0.1 answering requests with `replies` in turn (the last
/// one repeats). Returns its URL and a counter of requests served.
pub fn http_server(replies: Vec<Reply>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let i = counter.fetch_add(1, Ordering::SeqCst);
            let reply = replies[i.min(replies.len() - 1)].clone();
            thread::spawn(move || answer(stream, reply));
        }
    });
    (format!("http://127.0.0.1:{port}/events.json"), served)
}

fn answer(mut stream: TcpStream, reply: Reply) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut headers = Vec::new();
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        if line == "\r\n" {
            break;
        }
        headers.push(std::mem::take(&mut line));
    }
    let head = |status: &str, len: usize| {
        format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    let _ = match reply {
        Reply::Ok(body) => stream
            .write_all(head("200 OK", body.len()).as_bytes())
            .and_then(|_| stream.write_all(&body)),
        Reply::Status(code) => {
            let reason = match code {
                404 => "Not Found",
                503 => "Service Unavailable",
                500 => "Internal Server Error",
                _ => "Status",
            };
            stream.write_all(head(&format!("{code} {reason}"), 0).as_bytes())
        }
        Reply::RedirectToSelf => stream.write_all(
            b"HTTP/1.1 302 Found\r\nLocation: /events.json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        Reply::RedirectTo(url) => stream.write_all(
            format!("HTTP/1.1 302 Found\r\nLocation: {url}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
        ),
        Reply::Resource(resource) => resource.answer(&headers, &mut stream),
        Reply::CutAfter(body, sent) => stream
            .write_all(head("200 OK", body.len()).as_bytes())
            .and_then(|_| stream.write_all(&body[..sent])),
        Reply::Stall(body, sent, seconds) => {
            let r = stream
                .write_all(head("200 OK", body.len()).as_bytes())
                .and_then(|_| stream.write_all(&body[..sent]));
            thread::sleep(Duration::from_secs(seconds));
            r
        }
    };
    let _ = stream.flush();
}

/// A running `xcc serve` on a free port, stopped when dropped.
pub struct Served {
    pub child: Child,
    pub base: String,
}

impl Served {
    pub fn start(db: &Path, extra: &[&str]) -> Served {
        let mut command = xcc();
        command
            .args([
                "serve",
                "--db",
                db.to_str().unwrap(),
                "--addr",
                "127.0.0.1:0",
            ])
            .args(extra);
        Served::from_command(command)
    }

    /// `xcc serve` under `ulimit -n limit` (soft and hard), through bash.
    pub fn start_with_descriptor_limit(db: &Path, limit: u32) -> Served {
        let mut command = Command::new("bash");
        command.arg("-c").arg(format!(
            "ulimit -n {limit} && exec {} serve --db {} --addr 127.0.0.1:0 --quiet",
            env!("CARGO_BIN_EXE_xcc"),
            db.to_str().unwrap()
        ));
        Served::from_command(command)
    }

    fn from_command(mut command: Command) -> Served {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        let start = first
            .find("http://")
            .unwrap_or_else(|| panic!("no address in: {first}"));
        let base = first[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_string();
        // Keep draining the request log so the server never blocks on a full pipe.
        thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stderr.read_to_end(&mut sink);
        });
        Served { child, base }
    }

    /// GET (or another method) `path`; returns status, headers of interest and body.
    pub fn request(&self, method: &str, path: &str) -> (u16, Vec<(String, String)>, String) {
        raw_request(&self.base, method, path)
    }

    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let (status, _, body) = self.request("GET", path);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 request over a socket, so that any method and path can be sent as is.
pub fn raw_request(base: &str, method: &str, path: &str) -> (u16, Vec<(String, String)>, String) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// Raises this test process's soft limit of open files towards the hard one (at most 65,536),
/// so that a test's own hundreds or thousands of sockets fit, whatever the rest of the suite
/// holds open.
pub fn raise_own_descriptor_limit() {
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max.min(65_536).max(limit.rlim_cur);
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
    }
}

/// A small deterministic random generator for the property tests (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// An event for the tests: customer, seconds since 2022-05-01T00:00:00Z, type, referrer.
pub fn event(id: i64, customer: i64, seconds: i64, kind: &str, referrer: Option<&str>) -> String {
    let referrer = referrer.map_or(String::new(), |r| format!(r#", "referrer": "{r}""#));
    format!(
        r#"{{"id": {id}, "type": "{kind}", "event": {{"customer-id": {customer}, "timestamp": "{}"{referrer}}}}}"#,
        iso(1_651_363_200 + seconds)
    )
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SS` (UTC, no offset), formatted with `time`,
/// independently of xcc's own timestamp code.
pub fn iso(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The brief's picture (brief/metrics.png): user-1 has sessions of 30, 20 (order at its end)
/// and 12 minutes; user-2 of 45 (order at its end), 20 and 10.5 (order at its end).
pub fn brief_picture() -> Vec<String> {
    let m = 60;
    vec![
        event(1, 1, 0, "page_view", None),
        event(2, 1, 15 * m, "page_view", None),
        event(3, 1, 30 * m, "page_view", None),
        event(4, 1, 120 * m, "page_view", None),
        event(5, 1, 130 * m, "page_view", None),
        event(6, 1, 140 * m, "placed_order", None),
        event(7, 1, 300 * m, "page_view", None),
        event(8, 1, 312 * m, "page_view", None),
        event(9, 2, 0, "page_view", None),
        event(10, 2, 20 * m, "page_view", None),
        event(11, 2, 45 * m, "placed_order", None),
        event(12, 2, 100 * m, "page_view", None),
        event(13, 2, 110 * m, "page_view", None),
        event(14, 2, 120 * m, "page_view", None),
        event(15, 2, 400 * m, "page_view", None),
        event(16, 2, 410 * m + 30, "placed_order", None),
    ]
}

/// Runs `check` with the folders above `dir` traversable by anyone and `dir` and its files
/// read-only (for another user too), then makes `dir` writable again, however `check` ends.
pub fn with_read_only_folder(dir: &Path, check: impl FnOnce()) {
    use std::os::unix::fs::PermissionsExt;
    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    for folder in dir.ancestors().skip(1).take_while(|p| *p != Path::new("/")) {
        set(
            folder,
            std::fs::metadata(folder).unwrap().permissions().mode() | 0o755,
        );
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        set(&entry.unwrap().path(), 0o444);
    }
    set(dir, 0o555);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check));
    set(dir, 0o755);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// `n` with a comma every three digits, as xcc writes counts (1,152), written here.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether process `pid` holds a lock on bytes `start..start + len` of `file`. fcntl(F_GETLK)
/// names a lock that would stop us from taking a write lock there, without taking one
/// (POSIX: Linux and macOS alike); the test has no connection to the file meanwhile, so
/// closing this descriptor releases nothing.
pub fn locked_by(file: &std::path::Path, start: i64, len: i64, pid: u32) -> bool {
    use std::os::unix::io::AsRawFd;
    let Ok(f) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(file)
    else {
        return false;
    };
    // SAFETY: flock is plain data; fcntl(F_GETLK) only reads and writes it.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as _;
    lock.l_whence = libc::SEEK_SET as _;
    lock.l_start = start as _;
    lock.l_len = len as _;
    let r = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_GETLK, &mut lock) };
    r == 0 && i32::from(lock.l_type) != libc::F_UNLCK && lock.l_pid == pid as libc::pid_t
}

/// The median of `values` (any order): the middle value, or the mean of the two middle ones;
/// None for no values.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    (n > 0).then(|| (values[(n - 1) / 2] + values[n / 2]) / 2.0)
}

/// The value at quantile `q` of `values` (any order), interpolated between neighbours as
/// PostgreSQL's `percentile_cont` and pandas' `quantile` do: at rank h = (n - 1) · q, between
/// the values at floor(h) and floor(h) + 1 (0-based).
pub fn percentile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let h = (sorted.len() - 1) as f64 * q;
    let k = h.floor() as usize;
    let next = sorted.get(k + 1).copied().unwrap_or(sorted[k]);
    sorted[k] + (h - h.floor()) * (next - sorted[k])
}

/// The exact, distribution-free 95% confidence interval of the median of `values` (any
/// order), computed here apart from xcc's statrs: [x(k), x(n + 1 − k)] of the sorted values
/// with k the largest integer such that P(B ≤ k − 1) ≤ 0.025 for B ~ Binomial(n, ½), the
/// binomial's terms summed in logarithms (C(n, i + 1) = C(n, i) · (n − i) / (i + 1)); None
/// when there is no such k (n < 6).
pub fn median_ci95(values: &[f64]) -> Option<(f64, f64)> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let (mut log_choose, mut below, mut k) = (0.0f64, 0.0f64, 0);
    // P(B ≤ k) for k = 0, 1, …: while it is at most 0.025, k + 1 qualifies.
    while k < n {
        below += (log_choose - n as f64 * std::f64::consts::LN_2).exp();
        if below > 0.025 {
            break;
        }
        log_choose += ((n - k) as f64).ln() - ((k + 1) as f64).ln();
        k += 1;
    }
    (k > 0).then(|| (sorted[k - 1], sorted[n - k]))
}

/// Whether two JSON values agree: numbers to within 1e-9 (engines sum in their own order),
/// anything else (null, text) exactly.
pub fn close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9,
        _ => a == b,
    }
}

/// An `xcc demo` on a free port, its stderr read line by line; killed when dropped.
pub struct Demo {
    pub child: Child,
    stderr: BufReader<std::process::ChildStderr>,
    /// stderr so far.
    pub seen: String,
}

impl Demo {
    /// `xcc demo --events EVENTS --addr 127.0.0.1:0 --db DB EXTRA…`.
    pub fn start(db: &Path, events: &str, extra: &[&str]) -> Demo {
        let mut child = xcc()
            .args(["demo", "--events", events, "--addr", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        Demo {
            child,
            stderr,
            seen: String::new(),
        }
    }

    /// Reads stderr up to and including the first line that contains `text`.
    pub fn wait_for(&mut self, text: &str) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            if self.stderr.read_line(&mut line).unwrap() == 0 {
                panic!("the demo ended before {text:?}: {}", self.seen);
            }
            self.seen.push_str(&line);
            if line.contains(text) {
                return line;
            }
        }
    }

    /// The server's URL, from the line that says where it answers (`… on http://…/`).
    pub fn base(&mut self) -> String {
        let serving = self.wait_for("on http://");
        serving[serving.find("http://").unwrap()..]
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_string()
    }

    /// Sends Ctrl-C (SIGINT); returns the exit code and the rest of stderr.
    pub fn interrupt(mut self) -> (i32, String) {
        // SAFETY: kill only sends a signal to our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        let mut rest = String::new();
        let mut line = String::new();
        while self.stderr.read_line(&mut line).unwrap() > 0 {
            rest.push_str(&line);
            line.clear();
        }
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), rest)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The names of the files in `dir`, sorted: to show what a command left beside a database.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A shared file of the real sample (`analysts.db`, made without events, as analysts receive
/// one by default), and the working file it was made from.
pub fn shared_sample() -> (Workspace, String) {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let shared = w.share("analysts.db", &[]).display().to_string();
    (w, shared)
}
