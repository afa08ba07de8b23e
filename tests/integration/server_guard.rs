//! `xcc serve` on a file from anyone: it answers only to its own names (421 otherwise, against
//! DNS rebinding), every answer says nosniff and none allows another origin, the page has a
//! Content-Security-Policy without unsafe-inline, /health names the file and not its folder,
//! and a metric past `--time-limit` is stopped with a 503 while /health answers meanwhile.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::{generated, run, Demo, Served, Workspace, REAL_HEAD};

/// A request's answer: status, headers (names in lower case) and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `head` (a request line and headers, without the blank line that ends them) as is.
fn exchange(base: &str, head: &str) -> Answer {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .write_all(format!("{head}\r\n\r\n").as_bytes())
        .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// GET `path` with `Host: host` (HTTP/1.1).
fn get_as(base: &str, host: &str, path: &str) -> Answer {
    exchange(
        base,
        &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close"),
    )
}

fn port(base: &str) -> u16 {
    base.rsplit(':').next().unwrap().parse().unwrap()
}

/// The 421's sentence for a server on `port` with no --allow-host, about `what`.
fn misdirected(port: u16, what: &str) -> String {
    json!({
        "error": format!(
            "misdirected request: this server answers to 127.0.0.1:{port}, localhost:{port} and [::1]:{port} only, not to {what} (a page elsewhere may not reach it through a name of its own; start it with --allow-host NAME to answer to another name)"
        )
    })
    .to_string()
}

fn small_file() -> Workspace {
    let w = Workspace::new();
    let (out, _) = w.ingest(REAL_HEAD, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    w
}

#[test]
fn the_server_answers_only_to_its_own_names() {
    let w = small_file();
    let server = Served::start(&w.db(), &["--quiet"]);
    let (base, p) = (server.base.as_str(), port(&server.base));
    for host in [
        format!("127.0.0.1:{p}"),
        format!("localhost:{p}"),
        format!("LocalHost:{p}"),
        format!("[::1]:{p}"),
    ] {
        for path in ["/health", "/metrics/orders", "/"] {
            let a = get_as(base, &host, path);
            assert_eq!(a.status, 200, "Host: {host}, {path}: {}", a.body);
        }
    }
    // A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) sends its own
    // name: refused on every path and method, before anything else is looked at.
    let attacker = misdirected(p, "the Host \"attacker.example\"");
    for (method, path) in [
        ("GET", "/metrics/orders"),
        ("GET", "/"),
        ("GET", "/health"),
        ("GET", "/nope"),
        ("POST", "/metrics/orders"),
        ("GET", "/metrics/orders?from=May"),
    ] {
        let a = exchange(
            base,
            &format!("{method} {path} HTTP/1.1\r\nHost: attacker.example\r\nConnection: close"),
        );
        assert_eq!(a.status, 421, "{method} {path}");
        assert_eq!(a.body, attacker, "{method} {path}");
        assert_eq!(a.header("content-type"), Some("application/json"));
    }
    for host in [
        format!("attacker.example:{p}"),
        format!("localhost:{}", p.wrapping_add(1).max(1)),
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        format!("127.0.0.2:{p}"),
        format!("localhost.:{p}"),
    ] {
        let a = get_as(base, &host, "/health");
        assert_eq!(a.status, 421, "Host: {host}");
        assert_eq!(
            a.body,
            misdirected(p, &format!("the Host \"{host}\"")),
            "Host: {host}"
        );
    }
    // HTTP/1.1 requires a Host; HTTP/1.0 has none, and is answered without one.
    let a = exchange(base, "GET /health HTTP/1.1\r\nConnection: close");
    assert_eq!(a.status, 421);
    assert_eq!(a.body, misdirected(p, "a request without a Host header"));
    let a = exchange(base, "GET /health HTTP/1.0");
    assert_eq!(a.status, 200, "{}", a.body);
    let a = exchange(base, "GET /health HTTP/1.0\r\nHost: attacker.example");
    assert_eq!(a.status, 421);
    let a = exchange(
        base,
        &format!("GET /health HTTP/1.1\r\nHost: localhost:{p}\r\nHost: localhost:{p}\r\nConnection: close"),
    );
    assert_eq!(a.status, 421);
    assert_eq!(
        a.body,
        misdirected(p, "a request with several Host headers")
    );
}

#[test]
fn allow_host_adds_a_name_with_or_without_its_port() {
    let w = small_file();
    let server = Served::start(
        &w.db(),
        &[
            "--quiet",
            "--allow-host",
            "Stats.Example.com",
            "--allow-host",
            "proxy.example:8443",
        ],
    );
    let (base, p) = (server.base.as_str(), port(&server.base));
    for host in [
        "stats.example.com".to_string(),
        format!("stats.example.com:{p}"),
        format!("STATS.EXAMPLE.COM:{p}"),
        "proxy.example:8443".to_string(),
        format!("localhost:{p}"),
    ] {
        let a = get_as(base, &host, "/metrics/summary");
        assert_eq!(a.status, 200, "Host: {host}: {}", a.body);
    }
    for host in [
        "stats.example.com:9999",
        "proxy.example",
        "evil.stats.example.com",
        "attacker.example",
    ] {
        let a = get_as(base, host, "/metrics/summary");
        assert_eq!(a.status, 421, "Host: {host}");
        let sentence = serde_json::from_str::<Value>(&a.body).unwrap()["error"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            sentence.starts_with(&format!(
                "misdirected request: this server answers to 127.0.0.1:{p}, localhost:{p}, [::1]:{p}, proxy.example:8443 and stats.example.com only, not to the Host \"{host}\""
            )),
            "{sentence}"
        );
    }
    // A value that is no host is a mistake in the arguments, said at once.
    let out = run(
        &["serve", "--db", &w.db_str(), "--allow-host", "http://x"],
        b"",
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "xcc: invalid value 'http://x' for '--allow-host <NAME>': 'http://x' is not a host name; give a name or an address, with or without a port, like stats.example.com, 192.168.1.5:8000 or [::1]:8000; see xcc serve --help"
    );
    let out = run(&["serve", "--db", &w.db_str(), "--time-limit", "2"], b"");
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "xcc: invalid value '2' for '--time-limit <DURATION>': give a unit: 2s or 2m; see xcc serve --help"
    );
}

/// Every path the document names, and every kind of refusal: the answer says nosniff and
/// has no CORS header, even to a request from another origin; the page has its policy.
#[test]
fn every_answer_says_nosniff_and_none_allows_another_origin() {
    let w = small_file();
    let server = Served::start(&w.db(), &["--quiet"]);
    let (base, p) = (server.base.as_str(), port(&server.base));
    let host = format!("127.0.0.1:{p}");
    let document: Value = serde_json::from_str(xcc::serve::OPENAPI).unwrap();
    let mut requests: Vec<(u16, String)> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|path| (200, format!("GET {path} HTTP/1.1\r\nHost: {host}")))
        .collect();
    requests.extend([
        (200, format!("HEAD /metrics/orders HTTP/1.1\r\nHost: {host}")),
        (404, format!("GET /nope HTTP/1.1\r\nHost: {host}")),
        (405, format!("POST /metrics/orders HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0")),
        (
            405,
            format!(
                "OPTIONS /metrics/orders HTTP/1.1\r\nHost: {host}\r\nOrigin: http://attacker.example\r\nAccess-Control-Request-Method: GET"
            ),
        ),
        (400, format!("GET /metrics/orders?from=May HTTP/1.1\r\nHost: {host}")),
        (400, format!("GET /health?x HTTP/1.1\r\nHost: {host}")),
        (421, "GET /metrics/orders HTTP/1.1\r\nHost: attacker.example".to_string()),
        // The HTTP layer's own answers, made before xcc sees the request.
        (
            431,
            format!(
                "GET /health HTTP/1.1\r\nHost: {host}\r\nX-Big: {}",
                "h".repeat(70 * 1024)
            ),
        ),
        (414, format!("GET /{} HTTP/1.1\r\nHost: {host}", "a".repeat(70 * 1024))),
        (400, "NONSENSE\r\nHost: x".to_string()),
    ]);
    for (want, head) in requests {
        // A page of another origin asking: no answer lets it read anything.
        let head = format!("{head}\r\nOrigin: http://attacker.example\r\nConnection: close");
        let a = exchange(base, &head);
        let what = &head[..head.len().min(80)];
        assert_eq!(a.status, want, "{what}: {}", a.body);
        assert_eq!(
            a.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        let cors: Vec<_> = a
            .headers
            .iter()
            .filter(|(name, _)| name.starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{what}: {cors:?}");
        let page = head.starts_with("GET / HTTP/1.1");
        assert_eq!(
            a.header("content-security-policy").is_some(),
            page,
            "{what}: only the page has a policy"
        );
        if page {
            let policy = a.header("content-security-policy").unwrap();
            assert_eq!(policy, xcc::serve::CONTENT_SECURITY_POLICY);
            for directive in [
                "default-src 'none'",
                "script-src 'self'",
                "style-src 'self'",
                "frame-ancestors 'none'",
            ] {
                assert!(policy.contains(directive), "{policy}");
            }
            assert!(!policy.contains("unsafe"), "{policy}");
            assert_eq!(a.header("referrer-policy"), Some("no-referrer"));
        }
    }
    // The page holds no script or style of its own for such a policy to block: they are
    // the two files it names, served with their types.
    let page = xcc::dashboard::PAGE;
    assert_eq!(page.matches("<script").count(), 1);
    assert!(page.contains("<script src=\"/dashboard.js\"></script>"));
    assert!(page.contains("<link rel=\"stylesheet\" href=\"/dashboard.css\">"));
    for inline in [
        "<style",
        " style=",
        " onclick=",
        " onload=",
        " onsubmit=",
        "javascript:",
    ] {
        assert!(!page.contains(inline), "{inline}");
    }
    for (path, body, content_type) in [
        (
            "/dashboard.js",
            xcc::dashboard::SCRIPT,
            "text/javascript; charset=utf-8",
        ),
        (
            "/dashboard.css",
            xcc::dashboard::STYLE,
            "text/css; charset=utf-8",
        ),
    ] {
        let a = get_as(base, &host, path);
        assert_eq!(a.status, 200);
        assert_eq!(a.header("content-type"), Some(content_type));
        assert_eq!(a.body, body);
    }
}

#[test]
fn health_names_the_file_not_its_folder() {
    let w = Workspace::new();
    let db = w.path("analysts.db");
    let (out, _) = w.ingest(REAL_HEAD, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::rename(w.db(), &db).unwrap();
    let server = Served::start(&db, &["--quiet"]);
    let (status, _, body) = server.request("GET", "/health");
    assert_eq!(status, 200, "{body}");
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["database"], "analysts.db");
    assert_eq!(health["status"], "ok");
    assert!(health["schema_version"].as_i64().unwrap() >= 1);
    let folder = w.dir.path().to_str().unwrap();
    assert!(!body.contains(folder), "{body}");
}

/// The exact sentence of a 503 for a time limit of `limit` (as TimedOut says it).
fn timed_out(limit: &str) -> String {
    json!({
        "error": format!(
            "the query took longer than its time limit of {limit} and was stopped (--time-limit sets another)"
        )
    })
    .to_string()
}

/// On 200,000 events the referrers' window functions over every session take tens of
/// milliseconds (the timeouts' sweep, once the slowest, is now read from rows every writer
/// keeps): with
/// `--time-limit 1ms` it is stopped, a 503 with the sentence, and the one query thread is
/// free at once for the next request; /health answers meanwhile, and is never queued behind
/// slow queries; the same file with the default limit answers 200.
#[test]
fn a_metric_past_the_time_limit_is_a_503_and_health_still_answers() {
    let w = Workspace::new();
    let (out, _) = w.ingest("-", &generated(200_000, 1, 0));
    assert_eq!(out.code, 0, "{}", out.stderr);

    let server = Served::start(
        &w.db(),
        &["--quiet", "--threads", "1", "--time-limit", "1ms"],
    );
    for _ in 0..3 {
        let started = Instant::now();
        let (status, headers, body) = server.request("GET", "/metrics/referrers");
        assert_eq!(status, 503, "{body}");
        assert_eq!(body, timed_out("1 ms"));
        assert!(headers.contains(&("content-type".into(), "application/json".into())));
        assert!(headers.contains(&("x-content-type-options".into(), "nosniff".into())));
        // Stopped at once: the statement does not run on to its end.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let (status, _, body) = server.request("GET", "/health");
        assert_eq!(status, 200, "{body}");
    }
    // A range is computed for each request: stopped too.
    let (status, _, body) = server.request("GET", "/metrics/referrers?from=2022-01-01");
    assert_eq!(status, 503);
    assert_eq!(body, timed_out("1 ms"));
    drop(server);

    // With the default limit the same file answers, the whole and the range alike.
    let server = Served::start(&w.db(), &["--quiet"]);
    let referrers = server.get_json("/metrics/referrers");
    assert!(!referrers["referrers"].as_array().unwrap().is_empty());
    server.get_json("/metrics/referrers?from=2022-01-01");
    drop(server);

    // One query thread busy with a queue of slow requests (ranges are never cached):
    // /health does not wait for them.
    let server = Served::start(
        &w.db(),
        &["--quiet", "--threads", "1", "--time-limit", "60s"],
    );
    let base = server.base.clone();
    let (sent, requests_sent) = std::sync::mpsc::channel();
    let slow: Vec<_> = (0..12)
        .map(|i| {
            let (base, sent) = (base.clone(), sent.clone());
            thread::spawn(move || {
                let path = format!("/metrics/referrers?from=2022-01-{:02}", i + 1);
                let host = base.trim_start_matches("http://");
                let mut stream = TcpStream::connect(host).unwrap();
                write!(
                    stream,
                    "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
                sent.send(()).unwrap();
                let mut answer = String::new();
                stream.read_to_string(&mut answer).unwrap();
                assert!(answer.starts_with("HTTP/1.1 200 "), "{path}: {answer}");
                Instant::now()
            })
        })
        .collect();
    // All 12 are sent before /health is asked. Were it queued behind them on the one query
    // thread, it would be answered after 11 of them at least (at most 1 still busy; a
    // rendezvous channel in place of the queue gave 1 or 2). Answered at once, only the one
    // being computed and perhaps the next end before it (10 or more still busy). Half of 12
    // parts the two.
    for _ in 0..12 {
        requests_sent
            .recv_timeout(Duration::from_secs(20))
            .expect("the slow requests are sent");
    }
    let (status, _, body) = server.request("GET", "/health");
    let health_answered = Instant::now();
    assert_eq!(status, 200, "{body}");
    let done: Vec<Instant> = slow.into_iter().map(|t| t.join().unwrap()).collect();
    let still_busy = done.iter().filter(|at| **at > health_answered).count();
    assert!(
        still_busy >= 6,
        "/health waited for the slow requests: only {still_busy} of 12 were still running when it answered"
    );
}

/// `xcc demo` takes the same flags and serves the same way.
#[test]
fn the_demo_answers_only_to_its_names_too() {
    let w = Workspace::new();
    let db = w.path("demo.db");
    let mut demo = Demo::start(
        &db,
        "2000",
        &["--allow-host", "demo.example", "--time-limit", "5s"],
    );
    let base = demo.base();
    let p = port(&base);
    for host in ["demo.example".to_string(), format!("localhost:{p}")] {
        let a = get_as(&base, &host, "/metrics/orders");
        assert_eq!(a.status, 200, "Host: {host}: {}", a.body);
    }
    let a = get_as(&base, "attacker.example", "/");
    assert_eq!(a.status, 421);
    let a = get_as(&base, &format!("localhost:{p}"), "/");
    assert_eq!(
        a.header("content-security-policy"),
        Some(xcc::serve::CONTENT_SECURITY_POLICY)
    );
}
