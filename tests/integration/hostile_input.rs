//! Input from anyone: the .db travels by e-mail, a statement for `xcc query` is typed from a
//! recipe found somewhere, a download can be redirected anywhere, a stream can send one line
//! without end. Each test builds its hostile input itself and checks the exact sentence and
//! exit status, and that nothing was written where nothing should be.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::util::{files_in, locked_by, run, xcc, Output, Workspace, REAL_HEAD};

/// A workspace with the real sample ingested.
fn sample() -> Workspace {
    let w = Workspace::new();
    let (out, _) = w.ingest(REAL_HEAD, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    w
}

/// The files in the workspace's folder, to prove that a refused statement made none.
fn files(w: &Workspace) -> Vec<String> {
    files_in(w.dir.path())
}

fn query(w: &Workspace, sql: &str, format: &str) -> Output {
    run(
        &["query", sql, "--db", &w.db_str(), "--format", format],
        b"",
    )
}

/// `sql` is refused with the sentence naming `what`, exit status 1, and leaves the file and
/// its folder as they were (`made` must not exist afterwards).
fn assert_refused(sql: &str, what: &str, made: Option<&Path>) {
    let w = sample();
    let before = (w.snapshot(), files(&w), std::fs::read(w.db()).unwrap());
    let out = query(&w, sql, "table");
    assert_eq!(
        (out.code, out.stderr.as_str(), out.stdout.as_str()),
        (
            1,
            format!("xcc: xcc query only reads: {what} is refused (the file is opened read-only; use sqlite3 to change it)\n").as_str(),
            ""
        ),
        "{sql}"
    );
    if let Some(path) = made {
        assert!(!path.exists(), "{sql} made {}", path.display());
    }
    let after = (w.snapshot(), files(&w), std::fs::read(w.db()).unwrap());
    assert!(before == after, "{sql} changed the file or its folder");
}

/// Before: `VACUUM INTO` wrote a whole copy of the file wherever it was told, although the
/// file was opened read-only (SQLite lets a read-only connection do that).
#[test]
fn query_refuses_vacuum_into_a_path() {
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("copy.db");
    let sql = format!("VACUUM INTO '{}'", target.display());
    assert_refused(&sql, "VACUUM", Some(&target));
    assert_refused(
        &format!("/* a copy */ vacuum main into '{}'", target.display()),
        "VACUUM",
        Some(&target),
    );
}

#[test]
fn query_refuses_attach_of_a_new_file() {
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("new.db");
    let sql = format!("ATTACH '{}' AS x", target.display());
    assert_refused(&sql, "ATTACH", Some(&target));
}

#[test]
fn query_refuses_create_temp_table() {
    assert_refused(
        "CREATE TEMP TABLE t AS SELECT * FROM events",
        "CREATE TEMP TABLE",
        None,
    );
}

#[test]
fn query_refuses_insert() {
    assert_refused(
        "INSERT INTO meta (key, value) VALUES ('x', 'y')",
        "INSERT INTO meta",
        None,
    );
}

#[test]
fn query_refuses_setting_user_version() {
    assert_refused("PRAGMA user_version=5", "PRAGMA user_version = 5", None);
}

#[test]
fn query_refuses_setting_journal_mode() {
    assert_refused("PRAGMA journal_mode=WAL", "PRAGMA journal_mode = WAL", None);
}

#[test]
fn query_refuses_begin() {
    assert_refused("BEGIN", "BEGIN", None);
}

/// Reading still works, pragmas that only read included.
#[test]
fn query_still_reads_and_reads_pragmas() {
    let w = sample();
    let sessions = w.count("SELECT count(*) FROM sessions");
    let out = query(&w, "SELECT count(*) AS n FROM sessions", "csv");
    assert_eq!(
        (out.code, out.stdout, out.stderr),
        (0, format!("n\r\n{sessions}\r\n"), String::new())
    );
    let out = query(&w, "PRAGMA table_info(sessions)", "csv");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let names: Vec<String> = w.rows("SELECT name FROM pragma_table_info('sessions') ORDER BY cid");
    let lines: Vec<&str> = out.stdout.split("\r\n").collect();
    assert_eq!(lines[0], "cid,name,type,notnull,dflt_value,pk");
    assert_eq!(lines.len(), names.len() + 2, "{}", out.stdout);
    assert!(lines[1].starts_with("0,id,"), "{}", out.stdout);
    for sql in [
        "PRAGMA user_version",
        "PRAGMA index_list(events)",
        "PRAGMA quick_check",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 5) SELECT sum(i) FROM n",
    ] {
        let out = query(&w, sql, "table");
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{sql}");
    }
}

const ENDLESS: &str =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";

/// Before: no deadline; the statement ran until someone killed it.
#[test]
fn an_endless_query_stops_at_its_time_limit() {
    let w = sample();
    let started = Instant::now();
    let out = run(
        &["query", ENDLESS, "--db", &w.db_str(), "--time-limit", "1s"],
        b"",
    );
    let took = started.elapsed();
    assert_eq!(
        (out.code, out.stderr.as_str(), out.stdout.as_str()),
        (
            1,
            "xcc: the query took longer than its time limit of 1s and was stopped (--time-limit sets another)\n",
            ""
        )
    );
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

/// A view of the file that never ends, exported with a time limit (export has none by
/// default): stopped with the same sentence.
#[test]
fn an_endless_view_stops_an_export_at_its_time_limit() {
    let w = sample();
    w.conn()
        .execute_batch(&format!("CREATE VIEW endless AS {ENDLESS}"))
        .unwrap();
    let started = Instant::now();
    let out = run(
        &[
            "export",
            "endless",
            "--db",
            &w.db_str(),
            "--time-limit",
            "500ms",
        ],
        b"",
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "xcc: the query took longer than its time limit of 500 ms and was stopped (--time-limit sets another)\n"
        )
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Sends SIGINT to `child` and waits for it: its output and how long it took to end.
fn interrupt(child: Child) -> (Output, Duration) {
    // SAFETY: kill with a child's pid and SIGINT has no other effect.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0);
    let at = Instant::now();
    let out = child.wait_with_output().unwrap();
    let took = at.elapsed();
    (
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        took,
    )
}

/// Before: Ctrl-C killed `xcc query` without a word; a statement in SQLite ignores signals.
#[test]
fn ctrl_c_ends_a_running_query_at_once_with_one_line() {
    let w = sample();
    // Endless too, but it reads the file first, so its statement holds a read lock on it for
    // as long as it runs: the evidence that the query is under way.
    let endless_on_the_file = ENDLESS.replace(
        "SELECT 1 UNION",
        "SELECT (SELECT count(*) FROM events) UNION",
    );
    let mut child = xcc()
        .args(["query", &endless_on_the_file, "--db", &w.db_str()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // SQLite's shared lock on a file at rest (os_unix.c): 510 bytes from PENDING_BYTE + 2.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !locked_by(&w.db(), 0x4000_0002, 510, child.id()) {
        assert!(child.try_wait().unwrap().is_none(), "the query ended");
        assert!(
            Instant::now() < deadline,
            "the query took no read lock in 60 s"
        );
        thread::sleep(Duration::from_millis(5));
    }
    let (out, took) = interrupt(child);
    assert_eq!(
        (out.code, out.stderr.as_str(), out.stdout.as_str()),
        (1, "xcc: stopped (Ctrl-C)\n", "")
    );
    assert!(took < Duration::from_millis(500), "took {took:?}");
}

/// Before: a referrer with ESC, CSI (U+009B) or RIGHT-TO-LEFT OVERRIDE reached the terminal
/// raw in `xcc query`'s table (only newlines and tabs were replaced).
#[test]
fn controls_in_a_value_are_escaped_in_a_table_and_exact_in_csv_and_json() {
    let w = Workspace::new();
    let line = r#"{"id": 1, "type": "page_view", "event": {"customer-id": 7, "timestamp": "2022-05-01T10:00:00", "referrer": "\u001b]0;owned\u0007\u001b[2J\u009b31m\u202etxt.exe"}}"#;
    let (out, _) = w.ingest("-", format!("{line}\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let raw = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{202e}txt.exe";
    let sql = "SELECT referrer FROM v_events";

    let table = query(&w, sql, "table");
    let shown = r"\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{202e}txt.exe";
    assert_eq!(
        (table.code, table.stdout.as_str(), table.stderr.as_str()),
        (
            0,
            format!("referrer\n{}\n{shown}\n", "-".repeat(shown.chars().count())).as_str(),
            ""
        )
    );
    let csv = query(&w, sql, "csv");
    assert_eq!(csv.stdout, format!("referrer\r\n{raw}\r\n"));
    let json = query(&w, sql, "json");
    assert_eq!(json.json(), serde_json::json!([{ "referrer": raw }]));
    let jsonl = query(&w, sql, "jsonl");
    assert_eq!(
        jsonl.json_lines(),
        vec![serde_json::json!({ "referrer": raw })]
    );
    // `xcc export --format table` shows it escaped too.
    let out = run(
        &[
            "export",
            "v_events",
            "--format",
            "table",
            "--db",
            &w.db_str(),
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(shown), "{}", out.stdout);
    assert!(!out
        .stdout
        .contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}']));
}

/// Before: a view named `ESC ]0;title BEL` in a file from elsewhere retitled the terminal
/// of whoever ran `xcc export` with a name it does not have, whose sentence lists the names.
#[test]
fn a_name_with_controls_never_reaches_stderr_raw() {
    let w = sample();
    let copy = w.path("from-elsewhere.db");
    std::fs::copy(w.db(), &copy).unwrap();
    let hostile = "\u{1b}]0;title\u{7}";
    Connection::open(&copy)
        .unwrap()
        .execute_batch(&format!("CREATE VIEW \"{hostile}\" AS SELECT 1 AS one"))
        .unwrap();
    let copy = copy.display().to_string();
    let names: Vec<String> = {
        let conn = Connection::open(&copy).unwrap();
        let mut stmt = conn
            .prepare(include_str!("../../queries/store/tables_and_views.sql"))
            .unwrap();
        let names = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        names.map(Result::unwrap).collect()
    };
    assert!(names.iter().any(|n| n == hostile));
    let shown: Vec<String> = names
        .iter()
        .map(|n| n.replace(hostile, r"\u{1b}]0;title\u{7}"))
        .collect();

    let out = run(&["export", "nope", "--db", &copy], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "xcc: {copy} has no table or view named 'nope'; choose one of: {}\n",
            shown.join(", ")
        )
    );
    assert!(!out.stderr.contains(['\u{1b}', '\u{7}']));
}

/// A local HTTP server answering every request with a 302 to `location`, or, for the path
/// `/events`, with the real sample; returns its base URL.
fn redirecting_server(location: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                reader.read_line(&mut request).unwrap_or(0);
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    line.clear();
                }
                let reply = if request.starts_with("GET /events ") {
                    let body = std::fs::read(REAL_HEAD).unwrap();
                    let mut reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    reply.extend(body);
                    reply
                } else {
                    format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
                };
                let _ = stream.write_all(&reply);
            });
        }
    });
    base
}

/// Before: a redirect to `file:///etc/passwd` panicked inside ureq (exit status 101 and a
/// panic's line).
#[test]
fn a_download_redirected_to_a_file_url_is_one_sentence() {
    let base = redirecting_server("file:///etc/passwd");
    let url = format!("{base}/events.json");
    let w = Workspace::new();
    let out = run(&["ingest", &url, "--db", &w.db_str(), "--quiet"], b"");
    assert_eq!(
        (out.code, out.stderr.as_str(), out.stdout.as_str()),
        (
            1,
            format!("xcc: download of {url} failed: the server redirected to file:///etc/passwd, and a download follows only http and https URLs\n").as_str(),
            ""
        )
    );
    assert!(files(&w).is_empty(), "{:?}", files(&w));
}

/// Redirects within http are still followed, a relative Location resolved against the URL
/// that sent it.
#[test]
fn a_download_redirected_within_http_is_followed() {
    let base = redirecting_server("/events");
    let w = Workspace::new();
    let (out, report) = w.ingest(&format!("{base}/events.json"), b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(report.unwrap()["stored"], 1152);
}

/// Before: the first Ctrl-C was noticed only between batches of records, so one endless line
/// held it until the stream ended.
#[test]
fn ctrl_c_stops_an_ingest_in_the_middle_of_an_endless_line() {
    let w = Workspace::new();
    let mut child = xcc()
        .args(["ingest", "-", "--db", &w.db_str(), "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let counted = sent.clone();
    let writer = thread::spawn(move || {
        let chunk = vec![b'a'; 1 << 16];
        // Until xcc ends and the pipe breaks: a line without end.
        while stdin.write_all(&chunk).is_ok() {
            counted.fetch_add(chunk.len() as u64, Ordering::SeqCst);
        }
    });
    // More than any pipe holds (64 KiB by default on Linux and macOS, 1 MiB at most on
    // Linux): xcc is reading the line.
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent.load(Ordering::SeqCst) <= 1 << 20 {
        assert!(Instant::now() < deadline, "xcc read under 1 MiB in 60 s");
        thread::sleep(Duration::from_millis(5));
    }
    let (out, took) = interrupt(child);
    assert_eq!(
        (out.code, out.stderr.as_str(), out.stdout.as_str()),
        (
            1,
            "xcc: stopped (Ctrl-C) before the end of the input; nothing was written\n",
            ""
        )
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    writer.join().unwrap();
    assert!(files(&w).is_empty(), "{:?}", files(&w));
}

/// The stream stalls in the middle of a line (nothing more comes, the pipe stays open):
/// Ctrl-C still stops the ingest at once.
#[test]
fn ctrl_c_stops_an_ingest_whose_input_stalls() {
    let w = Workspace::new();
    // A pipe of our own, so that the test can see, from its read end, when xcc has read
    // what was sent (FIONREAD: the bytes waiting in the pipe).
    let (reader, mut stdin) = std::io::pipe().unwrap();
    let probe = reader.try_clone().unwrap();
    let child = xcc()
        .args(["ingest", "-", "--db", &w.db_str(), "--quiet"])
        .stdin(reader)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    stdin.write_all(br#"{"id": 1, "type": "#).unwrap();
    let waiting = || {
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int.
        let r = unsafe { libc::ioctl(probe.as_raw_fd(), libc::FIONREAD, &mut n) };
        assert_eq!(r, 0, "FIONREAD: {}", std::io::Error::last_os_error());
        n
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while waiting() > 0 {
        assert!(
            Instant::now() < deadline,
            "xcc did not read the line's start in 60 s"
        );
        thread::sleep(Duration::from_millis(5));
    }
    let (out, took) = interrupt(child);
    drop(stdin);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "xcc: stopped (Ctrl-C) before the end of the input; nothing was written\n"
        )
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(files(&w).is_empty(), "{:?}", files(&w));
}
