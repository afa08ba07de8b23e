//! `xcc ingest` as a user runs it: files, stdin, downloads, bad lines, re-ingests, failures.

use std::ffi::CStr;
use std::fs::File;
use std::io::{self, Read, Write};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{http_server, run, thousands, xcc, Reply, Workspace, REAL_HEAD};

fn real_head() -> Vec<u8> {
    std::fs::read(REAL_HEAD).unwrap()
}

fn line(id: i64, customer: &str, ts: &str) -> String {
    format!(
        r#"{{"id": {id}, "type": "page_view", "event": {{"user-agent": "UA", "ip": "1.2.3.4", "customer-id": {customer}, "timestamp": "{ts}", "page": "https://xcc-webshop.com/"}}}}"#
    )
}

#[test]
fn real_head_from_file_stdin_and_http_gives_the_same_rows() {
    let from_file = Workspace::new();
    let (out, report) = from_file.ingest(REAL_HEAD, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = report.unwrap();
    assert_eq!(report["lines_read"], 1152);
    assert_eq!(report["stored"], 1152);
    assert_eq!(report["rejected"], 0);
    assert_eq!(from_file.count("SELECT count(*) FROM events"), 1152);
    let expected = from_file.event_rows();

    // A first load uses a rollback journal for speed; with no other process holding the
    // file, it stays in that mode at rest, complete on its own (no -wal, no -shm).
    assert_eq!(
        from_file.rows("PRAGMA journal_mode"),
        vec!["Text(\"delete\")"]
    );

    let from_stdin = Workspace::new();
    let (out, report) = from_stdin.ingest("-", &real_head());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(report.unwrap()["stored"], 1152);
    assert_eq!(from_stdin.event_rows(), expected);
    assert_eq!(
        from_stdin.rows("SELECT source FROM ingests"),
        vec!["Text(\"stdin\")"]
    );

    let (url, _) = http_server(vec![Reply::Ok(real_head())]);
    let from_http = Workspace::new();
    let (out, report) = from_http.ingest(&url, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = report.unwrap();
    assert_eq!(report["stored"], 1152);
    assert_eq!(report["bytes"], real_head().len());
    assert_eq!(from_http.event_rows(), expected);
}

#[test]
fn one_json_array_gives_the_same_rows_as_json_lines() {
    let lines = Workspace::new();
    lines.ingest(REAL_HEAD, b"");
    let text = String::from_utf8(real_head()).unwrap();
    let array = format!("[\n{}\n]\n", text.lines().collect::<Vec<_>>().join(",\n"));
    let arrays = Workspace::new();
    let (out, report) = arrays.ingest("-", array.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(report.unwrap()["stored"], 1152);
    assert_eq!(arrays.event_rows(), lines.event_rows());
    assert_eq!(arrays.session_rows(), lines.session_rows());
}

#[test]
fn bom_crlf_and_blank_lines_are_fine() {
    let w = Workspace::new();
    let input = format!(
        "\u{feff}{}\r\n\r\n{}\r\n   \n",
        line(1, "7", "2022-05-25T05:44:03.648681"),
        line(2, "null", "2022-05-25T05:44:18.648681")
    );
    let (out, report) = w.ingest("-", input.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = report.unwrap();
    assert_eq!(report["lines_read"], 2);
    assert_eq!(report["stored"], 2);
}

#[test]
fn every_bad_line_is_recorded_with_its_reason_and_the_good_lines_around_it_stored() {
    let good = |id: i64| line(id, "1", "2022-05-25T05:44:03.648681");
    let bad = [
        (
            r#"{"id": 100, "type": "page_view", "event": {"timestamp": "2022-05-25T05:44:03""#.to_string(),
            "invalid JSON at column 77: EOF while parsing an object",
        ),
        (
            r#"{"id": 101, "type": "search", "event": {"timestamp": "yesterday"}}"#.to_string(),
            "timestamp 'yesterday' is not ISO-8601",
        ),
        (
            r#"{"id": 102, "type": "search", "event": {"customer-id": 1.0, "timestamp": "2022-05-25T05:44:03"}}"#.to_string(),
            "customer-id must be an integer or null, not a number that is not a 64-bit integer",
        ),
        (
            r#"{"id": 103, "type": "search", "event": {"customer-id": "12", "timestamp": "2022-05-25T05:44:03"}}"#.to_string(),
            "customer-id must be an integer or null, not a string",
        ),
        (
            r#"{"id": 104, "type": "search", "event": {"customer-id": true, "timestamp": "2022-05-25T05:44:03"}}"#.to_string(),
            "customer-id must be an integer or null, not a boolean",
        ),
        (
            r#"{"id": 105, "type": "search", "event": {"ip": "1.2.3.4"}}"#.to_string(),
            "missing field event.timestamp",
        ),
        (
            r#"{"type": "search", "event": {"timestamp": "2022-05-25T05:44:03"}}"#.to_string(),
            "missing field id",
        ),
        (
            r#"{"id": 106, "event": {"timestamp": "2022-05-25T05:44:03"}}"#.to_string(),
            "missing field type",
        ),
        (
            r#"{"id": 107, "type": "search", "event": {"timestamp": "2022-02-30T00:00:00"}}"#.to_string(),
            "timestamp '2022-02-30T00:00:00' is not a real date and time",
        ),
        ("not json at all".to_string(), "invalid JSON at column 2: expected ident"),
    ];
    let mut input = String::new();
    let mut expected = Vec::new();
    let mut n = 0;
    for (i, (text, reason)) in bad.iter().enumerate() {
        input.push_str(&good(i as i64 + 1));
        input.push('\n');
        input.push_str(text);
        input.push('\n');
        n += 2;
        expected.push(format!("Integer({n})|Text({reason:?})|Text({text:?})"));
    }
    input.push_str(&good(99));
    input.push('\n');

    let w = Workspace::new();
    let (out, report) = w.ingest("-", input.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = report.unwrap();
    assert_eq!(report["rejected"], bad.len());
    assert_eq!(report["stored"], bad.len() + 1);
    assert_eq!(
        w.rows("SELECT line_number, reason, raw FROM rejects ORDER BY line_number"),
        expected
    );
    assert_eq!(
        w.rows("SELECT DISTINCT source FROM rejects"),
        vec!["Text(\"stdin\")"]
    );
}

#[test]
fn invalid_utf8_is_kept_byte_for_byte_in_the_rejects() {
    let w = Workspace::new();
    let mut input = line(1, "1", "2022-05-25T05:44:03").into_bytes();
    input.extend_from_slice(b"\n{\"id\": 2, \"type\": \"x\xff\"}\n");
    let (out, report) = w.ingest("-", &input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(report.unwrap()["rejected"], 1);
    let raw: Vec<u8> = w
        .conn()
        .query_row("SELECT raw FROM rejects", [], |r| r.get(0))
        .unwrap();
    assert_eq!(raw, b"{\"id\": 2, \"type\": \"x\xff\"}");
}

#[test]
fn re_ingest_stores_nothing_new_and_overlap_stores_only_the_new() {
    let w = Workspace::new();
    let text = String::from_utf8(real_head()).unwrap();
    let all: Vec<&str> = text.lines().collect();
    let first = w.write("first.jsonl", all[..700].join("\n").as_bytes());
    let second = w.write("second.jsonl", all[500..].join("\n").as_bytes());

    let (_, r) = w.ingest(&first, b"");
    assert_eq!(r.unwrap()["stored"], 700);
    let sessions_before = w.session_rows();

    let (_, r) = w.ingest(&first, b"");
    let r = r.unwrap();
    assert_eq!(
        (r["stored"].as_u64(), r["duplicates"].as_u64()),
        (Some(0), Some(700))
    );
    assert_eq!(w.session_rows(), sessions_before);

    let (_, r) = w.ingest(&second, b"");
    let r = r.unwrap();
    assert_eq!(r["stored"], 1152 - 700);
    assert_eq!(r["duplicates"], 200);
    assert_eq!(w.count("SELECT count(*) FROM events"), 1152);

    let once = Workspace::new();
    once.ingest(REAL_HEAD, b"");
    assert_eq!(w.event_rows(), once.event_rows());
    assert_eq!(w.session_rows(), once.session_rows());
}

#[test]
fn same_id_with_different_content_keeps_the_first() {
    let w = Workspace::new();
    let original = line(42, "7", "2022-05-25T05:44:03.648681");
    let changed = line(42, "8", "2022-05-25T05:44:03.648681");
    // Within one input: the earlier line stays.
    let input = format!("{original}\n{changed}\n{original}\n");
    let (_, r) = w.ingest("-", input.as_bytes());
    let r = r.unwrap();
    assert_eq!(
        (
            r["stored"].as_u64(),
            r["duplicates"].as_u64(),
            r["rejected"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(
        w.rows("SELECT line_number, reason, raw FROM rejects"),
        vec![format!(
            "Integer(2)|Text(\"id 42 already stored with different content\")|Text({changed:?})"
        )]
    );
    // Across ingests: the stored event stays.
    let (_, r) = w.ingest("-", changed.as_bytes());
    assert_eq!(r.unwrap()["rejected"], 1);
    assert_eq!(w.count("SELECT customer_id FROM events WHERE id = 42"), 7);
    // The same instant written with an offset is the same content.
    let same = line(42, "7", "2022-05-25T07:44:03.648681+02:00");
    let (_, r) = w.ingest("-", same.as_bytes());
    assert_eq!(r.unwrap()["duplicates"], 1);
}

#[test]
fn unknown_fields_and_types_are_kept() {
    let w = Workspace::new();
    let input = r#"{"id": 1, "type": "WISHLIST_ADD", "channel": "app", "event": {"timestamp": "2022-05-25T05:44:03Z", "customer-id": 3, "wish": {"product": 9}}}"#;
    let (_, r) = w.ingest("-", input.as_bytes());
    assert_eq!(r.unwrap()["stored"], 1);
    assert_eq!(
        w.rows("SELECT type, extra FROM v_events"),
        vec![
            r#"Text("wishlist_add")|Text("{\"channel\":\"app\",\"event\":{\"wish\":{\"product\":9}}}")"#
        ]
    );
}

fn assert_failed_and_unchanged(w: &Workspace, source: &str, message: &str) {
    let before = w.snapshot();
    let (out, _) = w.ingest(source, b"");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.trim(), message);
    assert!(!out.stderr.contains("panicked"));
    assert_eq!(w.snapshot(), before);
}

#[test]
fn http_failures_exit_non_zero_with_a_clear_message_and_change_nothing() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");

    let (url, _) = http_server(vec![Reply::Status(404)]);
    assert_failed_and_unchanged(
        &w,
        &url,
        &format!("xcc: download of {url} failed: HTTP 404 Not Found"),
    );

    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{closed}/events.json");
    let out = run(
        &[
            "ingest",
            &url,
            "--db",
            &w.db_str(),
            "--retries",
            "1",
            "--quiet",
        ],
        b"",
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(&format!(
            "xcc: download of {url} failed: the connection was refused"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.trim_end().ends_with("(after 2 attempts)"),
        "{}",
        out.stderr
    );

    // A body cut off halfway: the lines before the cut must not be committed.
    let body = b"{\"id\": 900001, \"type\": \"page_view\", \"event\": {\"customer-id\": 5, \"timestamp\": \"2022-05-25T05:44:03\"}}\n".repeat(2000);
    let (url, _) = http_server(vec![Reply::CutAfter(body.clone(), body.len() / 2)]);
    let before = w.snapshot();
    let (out, _) = w.ingest(&url, b"");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(&format!("xcc: reading {url}: ")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("of {} bytes", body.len())),
        "{}",
        out.stderr
    );
    assert_eq!(w.snapshot(), before);
}

#[test]
fn server_errors_are_retried_before_anything_is_stored() {
    let (url, served) = http_server(vec![
        Reply::Status(503),
        Reply::Status(503),
        Reply::Ok(real_head()),
    ]);
    let w = Workspace::new();
    let (out, r) = w.ingest(&url, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(r.unwrap()["stored"], 1152);
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[test]
fn a_stalled_download_times_out() {
    let body = real_head();
    let (url, _) = http_server(vec![Reply::Stall(body.clone(), 1000, 30)]);
    let w = Workspace::new();
    let out = run(
        &[
            "ingest",
            &url,
            "--db",
            &w.db_str(),
            "--read-timeout",
            "1s",
            "--quiet",
        ],
        b"",
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the server stopped sending after 1000 bytes"),
        "{}",
        out.stderr
    );
    assert!(
        !w.db().exists(),
        "a failed first ingest leaves no file behind"
    );
}

#[test]
fn missing_file_and_bad_database_are_one_sentence() {
    let w = Workspace::new();
    let out = run(
        &["ingest", "/nonexistent/events.json", "--db", &w.db_str()],
        b"",
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        "xcc: cannot open /nonexistent/events.json: No such file or directory (os error 2)"
    );
    assert!(!w.db().exists());

    let not_db = w.write(
        "notes.db",
        b"these are my notes, not a database, but long enough",
    );
    let out = run(&["ingest", REAL_HEAD, "--db", &not_db, "--quiet"], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!("xcc: {not_db} is not an xcc database (it is not an SQLite file)")
    );
    assert_eq!(
        std::fs::read(&not_db).unwrap(),
        b"these are my notes, not a database, but long enough"
    );
}

/// JSON lines that are all rejected for what they hold are kept as rejects, with exit status
/// 3. (Lines that are not JSON at all are refused instead: see wrong_input.rs.)
#[test]
fn a_body_of_only_bad_lines_says_so_in_the_exit_status() {
    let w = Workspace::new();
    let (out, r) = w.ingest("-", b"{\"id\": \"one\"}\n{\"type\": 1}\n{}\n");
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(r.unwrap()["rejected"], 3);
    assert_eq!(w.count("SELECT count(*) FROM rejects"), 3);
}

#[test]
fn on_a_pipe_only_the_summary_goes_to_stderr_and_quiet_silences_it() {
    let w = Workspace::new();
    let out = run(&["ingest", REAL_HEAD, "--db", &w.db_str()], b"");
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, "");
    // One line: no progress on a pipe for work this short (a plain line every 10 s).
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("1,152 lines from"), "{}", out.stderr);
    assert!(out
        .stderr
        .contains("1,152 stored, 0 duplicates, 0 rejected"));
    let out = run(&["ingest", REAL_HEAD, "--db", &w.db_str(), "--quiet"], b"");
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
}

/// A pseudo-terminal (master, slave) by POSIX's posix_openpt, grantpt, unlockpt and
/// ptsname, which Linux and macOS both have (unlike `script`'s flags or openpty's library).
fn pseudo_terminal() -> (File, File) {
    use std::os::fd::FromRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    // SAFETY: plain calls on a descriptor we own; ptsname's buffer is copied at once.
    let (master, name) = unsafe {
        let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(fd >= 0, "posix_openpt: {}", io::Error::last_os_error());
        assert_eq!(
            libc::grantpt(fd),
            0,
            "grantpt: {}",
            io::Error::last_os_error()
        );
        assert_eq!(
            libc::unlockpt(fd),
            0,
            "unlockpt: {}",
            io::Error::last_os_error()
        );
        let name = libc::ptsname(fd);
        assert!(!name.is_null(), "ptsname: {}", io::Error::last_os_error());
        let name = CStr::from_ptr(name).to_str().unwrap().to_string();
        (File::from_raw_fd(fd), name)
    };
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(&name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    (master, slave)
}

/// With stderr on a terminal (progress.rs asks `is_terminal`), the progress line is drawn
/// in place (`\r`, erase line), the phases after reading replace it, and it is erased before
/// the summary. The input is fed until a progress line shows (one every 200 ms).
#[test]
fn on_a_terminal_progress_is_redrawn_in_place_and_erased_before_the_summary() {
    let w = Workspace::new();
    let (mut master, slave) = pseudo_terminal();
    let mut child = xcc()
        .args(["ingest", "-", "--db", &w.db_str()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(slave)
        .spawn()
        .unwrap();
    let screen = Arc::new(Mutex::new(Vec::new()));
    let seen = screen.clone();
    // Until the child's end closes the terminal (EIO on Linux, 0 on macOS).
    let reader = thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = master.read(&mut buf) {
            seen.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let shows = |text: &str| String::from_utf8_lossy(&screen.lock().unwrap()).contains(text);
    let head = real_head();
    let mut stdin = child.stdin.take().unwrap();
    let (deadline, mut copies) = (Instant::now() + Duration::from_secs(30), 0);
    while !shows("\r\x1b[2Kread ") {
        assert!(
            Instant::now() < deadline,
            "no progress line on the terminal after {copies} copies of the input in 30 s: {:?}",
            String::from_utf8_lossy(&screen.lock().unwrap())
        );
        stdin.write_all(&head).unwrap();
        copies += 1;
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    reader.join().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let screen = String::from_utf8_lossy(&screen.lock().unwrap()).into_owned();
    // The copies after the first are duplicates: the same 288 customers.
    for drawn in [
        "\r\x1b[2Ksessionizing 288 customers…",
        "\r\x1b[2Kcommitting…\r\x1b[2Kxcc: ",
    ] {
        assert!(screen.contains(drawn), "{drawn:?} in {screen:?}");
    }
    // The summary alone on its line, after the erased progress (the terminal adds \r).
    let summary = screen.rsplit("\x1b[2K").next().unwrap();
    let lines = 1152 * copies;
    assert!(
        summary.starts_with(&format!("xcc: {} lines from stdin in ", thousands(lines)))
            && summary.ends_with(&format!(
                ": 1,152 stored, {} duplicates, 0 rejected; 308 sessions rebuilt for 288 customers\r\n",
                thousands(lines - 1152)
            )),
        "{summary:?}"
    );
}

#[test]
fn a_newer_database_is_refused_with_both_versions() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    w.conn().pragma_update(None, "user_version", 99).unwrap();
    let out = run(&["ingest", REAL_HEAD, "--db", &w.db_str(), "--quiet"], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "xcc: {} was written by a newer xcc (schema version 99; this xcc {} reads version {})",
            w.db_str(),
            env!("CARGO_PKG_VERSION"),
            xcc::store::schema::SCHEMA_VERSION
        )
    );
}

#[test]
fn sparse_ids_in_a_first_ingest_are_all_kept_and_still_deduplicated() {
    use xcc::store::events::ID_SET_PAGES;
    // Ids 65,536 apart take a page each of the in-memory id set of a first ingest: the
    // page budget plus 52 more, so the ingest must switch to the indexed path midway, at
    // the first id past the budget (k = ID_SET_PAGES), before any id is seen twice.
    let sparse = ID_SET_PAGES as i64 + 52;
    let id = |k: i64| k * 65_536 - 1_000_000;
    let mut input = String::new();
    for k in 0..sparse {
        input.push_str(&line(id(k), "3", "2022-05-25T05:44:03"));
        input.push('\n');
    }
    input.push_str(&line(id(0), "3", "2022-05-25T05:44:03"));
    input.push('\n');
    input.push_str(&line(id(1), "4", "2022-05-25T05:44:03"));
    input.push('\n');
    let w = Workspace::new();
    let path = w.write("sparse.jsonl", input.as_bytes());
    // A debug build says when the id set gives up (store::events, XCC_TEST_SAY_ID_SET_FULL).
    let out = xcc()
        .args(["ingest", &path, "--db", &w.db_str(), "--json", "--quiet"])
        .env("XCC_TEST_SAY_ID_SET_FULL", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "xcc: test: the id set is full at event {}\n",
            id(ID_SET_PAGES as i64)
        ),
        "the fallback ran once, at the first id past the budget"
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            r["stored"].as_i64(),
            r["duplicates"].as_i64(),
            r["rejected"].as_i64()
        ),
        (Some(sparse), Some(1), Some(1))
    );
    assert_eq!(w.count("SELECT count(DISTINCT id) FROM events"), sparse);
    assert_eq!(
        w.rows("SELECT sql IS NOT NULL FROM sqlite_schema WHERE name = 'events_by_id'"),
        vec!["Integer(1)"]
    );
}
