//! One test per break found when xcc was tried as an attacker would (reliability, second
//! round), each named after what it proves. RELIABILITY.md lists them.

use std::path::Path;

use rusqlite::Connection;

use crate::needs::{rss_kb, wait_with_peak_rss};
use crate::util::{
    as_nobody, generated, http_server, raise_own_descriptor_limit, run, thousands,
    with_read_only_folder, Reply, Served, Workspace, REAL_HEAD,
};

/// Regression: `xcc ingest` set the page size and WAL mode on another program's SQLite file
/// before refusing it. Now such a file, and any file that is not ours, is unchanged.
#[test]
fn a_file_that_is_not_ours_is_refused_byte_for_byte_unchanged() {
    let w = Workspace::new();
    let cases: [(&str, &str, &str); 3] = [
        (
            "other-tables.db",
            "CREATE TABLE t (x); INSERT INTO t VALUES (1);",
            "is not an xcc database (it is an SQLite file with other tables)",
        ),
        (
            "versioned.db",
            "PRAGMA user_version = 3; CREATE TABLE meta (key, value);",
            "is not an xcc database (no xcc marker in its meta table)",
        ),
        (
            "versioned-empty.db",
            "PRAGMA user_version = 2; CREATE TABLE notes (x);",
            "is not an xcc database (no xcc marker in its meta table)",
        ),
    ];
    for (name, sql, reason) in cases {
        let path = w.path(name);
        Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        let before = std::fs::read(&path).unwrap();
        let db = path.to_str().unwrap();
        for args in [
            vec!["ingest", REAL_HEAD, "--db", db, "--quiet"],
            vec!["sessionize", "--db", db],
        ] {
            let out = run(&args, b"");
            assert_eq!(out.code, 1, "{}", out.stderr);
            assert_eq!(out.stderr.trim(), format!("xcc: {db} {reason}"));
            assert_eq!(std::fs::read(&path).unwrap(), before, "{name} changed");
            assert!(!w.path(&format!("{name}-wal")).exists());
        }
    }
}

/// Regression: a file left in WAL mode (a server was running when the last ingest ended)
/// could not be read from a folder its reader cannot write: SQLite cannot make the `-shm`.
#[test]
fn a_file_left_in_wal_mode_is_read_from_a_read_only_folder() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let expected = run(&["metrics", "orders", "--db", &w.db_str()], b"").stdout;
    let dir = w.path("outbox");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("wal.db");
    std::fs::copy(w.db(), &file).unwrap();
    Connection::open(&file)
        .unwrap()
        .pragma_update(None, "journal_mode", "WAL")
        .unwrap();
    let path = file.to_str().unwrap();
    let read = |args: &[&str]| {
        as_nobody(env!("CARGO_BIN_EXE_xcc"))
            .args(args)
            .output()
            .unwrap()
    };
    with_read_only_folder(&dir, || {
        let out = read(&["metrics", "orders", "--db", path]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            format!("xcc: note: {path} was left in WAL mode and its folder is not writable; reading it as immutable (it must not change while this runs)")
        );
        let out = read(&["export", "sessions", "--db", path]);
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).lines().count() > 300);
    });
    // With data in a -wal beside it, reading the file alone would miss it: one sentence.
    std::fs::write(dir.join("wal.db-wal"), b"not empty").unwrap();
    with_read_only_folder(&dir, || {
        let out = read(&["metrics", "orders", "--db", path]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            format!("xcc: {path} is in WAL mode with {path}-wal beside it, and its folder is not writable, so SQLite cannot read them; copy both files to a folder you can write, or let any xcc command that writes finish there first")
        );
    });
}

/// Regression: `--timeout 99999999999h` was accepted and stored, giving one session per event.
#[test]
fn a_duration_beyond_366_days_is_refused_for_every_flag() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let before = w.snapshot();
    let db = w.db_str();
    for (args, flag) in [
        (
            vec!["sessionize", "--db", &db, "--timeout", "99999999999h"],
            "--timeout",
        ),
        (
            vec!["ingest", REAL_HEAD, "--db", &db, "--wait", "367d"],
            "--wait",
        ),
        (
            vec!["ingest", REAL_HEAD, "--db", &db, "--read-timeout", "366d1s"],
            "--read-timeout",
        ),
    ] {
        let value = args.last().unwrap().to_string();
        let out = run(&args, b"");
        assert_eq!(out.code, 2, "{}", out.stderr);
        // One sentence, as every error (issue 17), naming the help of the command.
        let command = args[0];
        assert_eq!(
            out.stderr,
            format!("xcc: invalid value '{value}' for '{flag} <DURATION>': '{value}' is longer than the longest duration xcc takes, 366d; see xcc {command} --help\n")
        );
    }
    assert_eq!(w.snapshot(), before);
    assert_eq!(
        w.rows("SELECT value FROM meta WHERE key = 'session_timeout_seconds'"),
        vec!["Text(\"1800\")"]
    );
}

/// Regression: a missing folder and a folder given as --db both said "the file or its
/// directory is read-only", and `serve --db FOLDER` said "disk I/O error".
#[test]
fn a_missing_folder_and_a_folder_as_db_each_get_their_own_sentence() {
    let w = Workspace::new();
    let missing = w.path("no/such/folder/x.db");
    let missing_str = missing.to_str().unwrap();
    let out = run(&["ingest", REAL_HEAD, "--db", missing_str, "--quiet"], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "xcc: cannot create {missing_str}: the folder {} does not exist",
            missing.parent().unwrap().display()
        )
    );
    let folder = w.path("");
    let folder_str = folder.to_str().unwrap().trim_end_matches('/').to_string();
    let sentence = format!(
        "xcc: {folder_str} is a folder, not a database file; give a file name, e.g. --db {folder_str}/sessions.db"
    );
    for args in [
        vec!["ingest", REAL_HEAD, "--db", &folder_str, "--quiet"],
        vec!["sessionize", "--db", &folder_str],
        vec!["metrics", "orders", "--db", &folder_str],
        vec!["serve", "--db", &folder_str, "--addr", "127.0.0.1:0"],
    ] {
        let out = run(&args, b"");
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.trim(), sentence, "{args:?}");
    }
}

/// Regression: `/metrics/orders?` (an empty query string) answered 200 while any other
/// query string got 400.
#[test]
fn an_empty_query_string_is_refused_like_any_other() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let served = Served::start(&w.db(), &["--quiet"]);
    // (The metrics that take from, to and referrer read an empty query string as none.)
    for path in ["/metrics/summary?", "/metrics/summary?x=1", "/health?"] {
        let (status, _, body) = served.request("GET", path);
        assert_eq!(status, 400, "{path}");
        assert_eq!(
            body,
            r#"{"error":"this endpoint takes no query parameters"}"#
        );
    }
    assert_eq!(served.request("GET", "/metrics/summary").0, 200);
}

/// Regression: a redirect loop was followed, then retried 4 times.
#[test]
fn a_redirect_loop_is_one_sentence_without_retries() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let before = w.snapshot();
    let (url, served) = http_server(vec![Reply::RedirectToSelf]);
    let out = run(&["ingest", &url, "--db", &w.db_str(), "--quiet"], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "xcc: download of {url} failed: the server kept redirecting (5 redirects, a loop?)"
        )
    );
    // 5 requests, each answered with a redirect, once: no retry (3 retries would make 20).
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 5);
    assert_eq!(w.snapshot(), before);
}

/// Regression: one 300 MB line peaked at 2.07 GB of memory. Now a line over the maximum
/// (16 MiB by default) is rejected with its length and first bytes, never held, and the
/// count identity holds. The line is streamed into stdin; peak RSS is the kernel's own
/// figure for the child (wait4).
#[test]
// The child is waited for with wait4, which also gives its peak memory; clippy sees no wait().
#[allow(clippy::zombie_processes)]
fn a_300_mb_line_is_rejected_without_being_held() {
    let w = Workspace::new();
    let mut child = crate::util::xcc()
        .args(["ingest", "-", "--db", &w.db_str(), "--json", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let real = std::fs::read_to_string(REAL_HEAD).unwrap();
    let first_two: Vec<&str> = real.lines().take(2).collect();
    let mut stdin = child.stdin.take().unwrap();
    let lines = (first_two[0].to_string(), first_two[1].to_string());
    let feeder = std::thread::spawn(move || {
        use std::io::Write;
        writeln!(stdin, "{}", lines.0).unwrap();
        stdin.write_all(PREFIX.as_bytes()).unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..300 {
            stdin.write_all(&chunk).unwrap();
        }
        writeln!(stdin, "\"}}}}\n{}", lines.1).unwrap();
    });
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    feeder.join().unwrap();
    let (status, peak_kb) = wait_with_peak_rss(child.id() as i32);
    assert_eq!(status, 0);
    assert!(peak_kb < 200 * 1024, "peak RSS {peak_kb} KB");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (
            report["lines_read"].as_u64(),
            report["stored"].as_u64(),
            report["rejected"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
    // The prefix, 300 MiB of x, and `"}}` before the newline.
    let length = (PREFIX.len() + 300 * (1 << 20) + 3) as u64;
    let start: String = format!("{PREFIX}{}", "x".repeat(60))
        .chars()
        .take(60)
        .collect();
    let (line, reason, raw): (i64, String, i64) = w
        .conn()
        .query_row(
            "SELECT line_number, reason, length(raw) FROM rejects",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((line, raw), (2, 200));
    assert_eq!(
        reason,
        format!(
            "line of {} bytes is longer than the maximum of 16,777,216 bytes (--max-line-bytes); it starts with '{start}…'",
            thousands(length)
        )
    );
}

/// The start of the long line: a page view whose page never seems to end.
const PREFIX: &str = r#"{"id": 1, "type": "page_view", "event": {"page": ""#;

/// Regression: tiny_http buffered a request head without limit: a 400 MB header took the
/// server from 131 MB to 731 MB, for good. Now the head is cut at 16 KiB with a 431.
#[test]
fn a_100_mb_header_gets_431_and_grows_the_server_by_under_20_mb() {
    use std::io::{Read, Write};
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let served = Served::start(&w.db(), &["--quiet"]);
    let pid = served.child.id();
    assert_eq!(served.request("GET", "/metrics/summary").0, 200);
    let before = rss_kb(pid);
    let mut stream =
        std::net::TcpStream::connect(served.base.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        .unwrap();
    let chunk = vec![b'h'; 1 << 20];
    // The server stops reading and closes after 16 KiB: sending fails somewhere on the way.
    for _ in 0..100 {
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
        "{answer}"
    );
    let after = rss_kb(pid);
    assert!(
        after < before + 20 * 1024,
        "RSS {before} KB before, {after} KB after"
    );
    assert_eq!(served.request("GET", "/health").0, 200);
}

/// Regression: under `ulimit -n 1024`, about 505 connections made tiny_http's accept loop
/// panic or stop (EMFILE), and the server refused every later connection for good. Now
/// connections are capped by the descriptor limit, accept errors back off, and it goes on.
#[test]
fn running_out_of_descriptors_never_stops_the_server_accepting() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    // This test's own 600 sockets need room, whatever the rest of the suite holds open.
    raise_own_descriptor_limit();
    let served = Served::start_with_descriptor_limit(&w.db(), 256);
    let address = served.base.trim_start_matches("http://").to_string();
    let sockets: Vec<std::net::TcpStream> = (0..600)
        .filter_map(|_| std::net::TcpStream::connect(&address).ok())
        .collect();
    assert!(
        sockets.len() > 256,
        "only {} connections opened",
        sockets.len()
    );
    drop(sockets);
    let started = std::time::Instant::now();
    let (status, _, body) = served.request("GET", "/health");
    assert_eq!(status, 200, "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
}

/// Regression: unknown fields were stored through f64: `123456789012345678901234567890`
/// became `1.2345678901234568e+29` and `-0` became `-0.0`. Now their number text is kept.
#[test]
fn unknown_fields_keep_their_numbers_as_written() {
    let w = Workspace::new();
    let line = r#"{"id": 7, "type": "page_view", "big": 123456789012345678901234567890, "event": {"timestamp": "2022-05-25T05:44:03", "zero": -0, "list": [1.50, 2e3]}}"#;
    let (out, _) = w.ingest("-", line.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        w.rows("SELECT extra FROM events"),
        vec![
            r#"Text("{\"big\":123456789012345678901234567890,\"event\":{\"list\":[1.50,2e3],\"zero\":-0}}")"#
        ]
    );
    // The same line again is a duplicate, not a conflict.
    let (out, report) = w.ingest("-", line.as_bytes());
    assert_eq!(out.code, 0);
    assert_eq!(report.unwrap()["duplicates"], 1);
}

/// Leaves a hot journal beside `db`: a writer that updates every order row (visits 51) and
/// every session, spills the change into the file (a one-page cache) and dies before its
/// commit, as kill -9 does. SQLite's own Python module, a writer that is not xcc.
fn die_mid_write(db: &std::path::Path) {
    let script = r#"
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA cache_size = 1")
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE order_visits SET visits_before_order = 51")
c.execute("UPDATE sessions SET duration_seconds = duration_seconds + 1")
os._exit(0)
"#;
    let status = std::process::Command::new("python3")
        .args(["-c", script, db.to_str().unwrap()])
        .status()
        .expect("python3 runs (scripts/test installs it)");
    assert!(status.success());
    let mut journal = db.as_os_str().to_owned();
    journal.push("-journal");
    assert!(
        std::fs::metadata(&journal).is_ok_and(|m| m.len() > 0),
        "a hot journal beside the file"
    );
}

/// Regression (issue 36): a reader opened the file read-only, met SQLite's
/// SQLITE_READONLY_ROLLBACK, took it for a WAL file in a read-only folder ("left in WAL
/// mode"), reopened it immutable and answered the uncommitted write: 51 visits, exit 0, and
/// `verify` passed. Now a reader that may write rolls the journal back first and says so; one
/// that may not refuses the file; the WAL note comes only for a file in WAL mode.
#[test]
fn a_hot_journal_is_rolled_back_or_refused_never_read_past() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    // The committed answer, before any broken write.
    let committed = run(&["metrics", "orders", "--db", &w.db_str()], b"");
    assert_eq!(committed.code, 0, "{}", committed.stderr);
    let label = w.db_str();
    let journal = format!("{label}-journal");

    die_mid_write(&w.db());
    let out = run(&["metrics", "orders", "--db", &label], b"");
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, committed.stdout.as_str())
    );
    assert_eq!(
        out.stderr,
        format!("xcc: note: {label} held an unfinished write ({journal}, from a writer that stopped in the middle); rolled it back, as SQLite does, so the file is what its last commit left\n")
    );
    assert!(!Path::new(&journal).exists(), "the journal is rolled back");
    let verified = run(&["verify", "--db", &label], b"");
    assert_eq!(verified.code, 0, "{}", verified.stderr);

    // Where nothing may write, the file is refused, and left as it is.
    die_mid_write(&w.db());
    let before = std::fs::read(&journal).unwrap();
    with_read_only_folder(w.dir.path(), || {
        for args in [
            vec!["metrics", "orders", "--db", &label],
            vec!["verify", "--db", &label],
        ] {
            let out = as_nobody(env!("CARGO_BIN_EXE_xcc"))
                .args(&args)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
            assert_eq!(out.stdout, b"", "{args:?}: no answer");
            assert_eq!(
                stderr.trim_end().lines().last().unwrap(),
                format!("xcc: {label} holds an unfinished write ({journal} beside it is from a writer that stopped in the middle), and it cannot be rolled back here because the file or its folder is read-only; run any xcc command that writes (e.g. `xcc sessionize --db {label}`) where it can write, or copy both files to a folder you can write"),
                "{args:?}"
            );
            assert!(!stderr.contains("WAL"), "{args:?}: {stderr}");
        }
    });
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        before,
        "the journal as it was"
    );
}

/// Regression (issue 36): a trigger on `EVENTS` passed the check of xcc's objects, which
/// compared names case-sensitively, while SQLite fires it on `events`: an ingest said "3,000
/// stored" and the trigger deleted every one. Now the file is refused before any write, as
/// the same trigger on `events` always was, and nothing changes.
#[test]
fn a_trigger_on_xccs_table_in_another_case_is_refused() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    w.conn()
        .execute_batch(
            "CREATE TRIGGER t AFTER INSERT ON EVENTS BEGIN DELETE FROM events WHERE id = new.id; END;",
        )
        .unwrap();
    let before = w.snapshot();
    let sentence = format!(
        "xcc: {} was changed after xcc wrote it: trigger t on EVENTS is not xcc's\n",
        w.db_str()
    );
    for args in [
        vec!["ingest", "-", "--db", &w.db_str()],
        vec!["verify", "--db", &w.db_str()],
        vec!["metrics", "orders", "--db", &w.db_str()],
    ] {
        let out = run(&args, &generated(3_000, 7, 5_000_000));
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(out.stderr.ends_with(&sentence), "{args:?}: {}", out.stderr);
    }
    assert_eq!(w.snapshot(), before, "nothing written");
}

/// Regression (issue 36): a FIFO as `--db` hung `metrics`, `verify`, `ingest` and `serve`;
/// `ingest --db /dev/null` said "disk I/O error" and left `/dev/null-journal`; `/dev/zero` was
/// "empty"; `--out /dev/null --force` (as root) turned /dev/null into a regular file, and a
/// symbolic link or a FIFO at `--out` was replaced. Now each is one sentence at once, exit 1,
/// and nothing is made or replaced. (`--out` is tried on a FIFO and a link the test makes,
/// never on /dev/null: a regression would replace the machine's.)
#[test]
fn special_files_as_db_or_out_get_one_sentence_and_are_never_replaced() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let fifo = w.path("pipe.db");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap().to_string();
    let db = w.db_str();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["metrics", "orders", "--db", &fifo], format!("xcc: {fifo} is a FIFO (a named pipe), not a database file; give the path of an SQLite file\n")),
        (vec!["verify", "--db", &fifo], format!("xcc: {fifo} is a FIFO (a named pipe), not a database file; give the path of an SQLite file\n")),
        (vec!["ingest", "-", "--db", &fifo], format!("xcc: {fifo} is a FIFO (a named pipe), not a database file; give the path of an SQLite file\n")),
        (vec!["serve", "--db", &fifo, "--addr", "127.0.0.1:0"], format!("xcc: {fifo} is a FIFO (a named pipe), not a database file; give the path of an SQLite file\n")),
        (vec!["ingest", "-", "--db", "/dev/null"], "xcc: /dev/null is a character device, not a database file; give the path of an SQLite file\n".to_string()),
        (vec!["metrics", "orders", "--db", "/dev/zero"], "xcc: /dev/zero is a character device, not a database file; give the path of an SQLite file\n".to_string()),
        (vec!["share", "--db", &db, "--out", &fifo, "--force"], format!("xcc: --out {fifo} is a FIFO (a named pipe); xcc writes only a new file or, with --force, over a regular file\n")),
        (vec!["report", "--db", &db, "--out", &fifo, "--force"], format!("xcc: --out {fifo} is a FIFO (a named pipe); xcc writes only a new file or, with --force, over a regular file\n")),
    ];
    for (args, sentence) in cases {
        let started = std::time::Instant::now();
        let out = run(&args, REAL_HEAD.as_bytes());
        assert_eq!(
            (out.code, out.stderr.as_str()),
            (1, sentence.as_str()),
            "{args:?}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{args:?}: at once"
        );
    }
    assert!(!Path::new("/dev/null-journal").exists());
    // A symbolic link at --out is refused, and the file it points to is left alone.
    let target = w.path("target.html");
    std::fs::write(&target, "mine").unwrap();
    let link = w.path("link.html");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = run(
        &[
            "report",
            "--db",
            &db,
            "--out",
            link.to_str().unwrap(),
            "--force",
        ],
        b"",
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!("xcc: --out {} is a symbolic link; xcc writes only a new file or, with --force, over a regular file\n", link.display())
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
}

/// Regression (issue 36): a session timeout of `'abc'`, `-5` or `99999999999999999999` in
/// `meta` made `metrics summary` say 0 or i64's maximum with exit 0 (only `verify` refused
/// the file). Every command now refuses it in one sentence, and nothing is written.
#[test]
fn a_session_timeout_xcc_could_not_have_stored_is_refused_by_every_command() {
    for planted in ["abc", "-5", "0", "99999999999999999999", "31622401"] {
        let w = Workspace::new();
        w.ingest(REAL_HEAD, b"");
        w.conn()
            .execute(
                "UPDATE meta SET value = ?1 WHERE key = 'session_timeout_seconds'",
                [planted],
            )
            .unwrap();
        let before = w.snapshot();
        let db = w.db_str();
        let sentence = format!("xcc: {db} was changed after xcc wrote it: the stored session timeout '{planted}' is not a whole number of seconds from 1 to 31622400 (366 days)\n");
        for args in [
            vec!["metrics", "summary", "--db", &db],
            vec!["metrics", "orders", "--db", &db],
            vec!["export", "sessions", "--db", &db],
            vec!["ingest", "-", "--db", &db],
            vec!["sessionize", "--db", &db],
        ] {
            let out = run(&args, &generated(100, 3, 9_000_000));
            assert_eq!(
                (out.code, out.stderr.as_str()),
                (1, sentence.as_str()),
                "{planted}: {args:?}"
            );
            assert_eq!(out.stdout, "", "{planted}: {args:?}");
        }
        assert_eq!(w.snapshot(), before, "{planted}: nothing written");
    }
}

/// Regression (issue 36): an edited `order_visits` (51 visits) made `metrics` and `report`
/// print 51 with exit 0, where `serve` and `verify` refused the file. Every reader of a file of
/// up to the page-check size now checks the derived rows against the sessions.
#[test]
fn every_reader_refuses_order_rows_its_sessions_do_not_give() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    w.conn()
        .execute_batch("UPDATE order_visits SET visits_before_order = 51")
        .unwrap();
    let db = w.db_str();
    let report = w.path("r.html");
    for args in [
        vec!["metrics", "orders", "--db", &db],
        vec!["export", "v_order_visits", "--db", &db],
        vec!["query", "SELECT 1", "--db", &db],
        vec!["report", "--db", &db, "--out", report.to_str().unwrap()],
    ] {
        let out = run(&args, b"");
        assert_eq!(out.code, 1, "{args:?}: {}", out.stdout);
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(
            out.stderr.starts_with(&format!(
                "xcc: {db} does not add up: order_visits has a row its sessions do not give ("
            )),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert!(!report.exists());
}

/// Regression (issue 36): a planted `sqlite_stat1` made `metrics distributions` 14× slower
/// (0.08 → 1.10 s at 220k events): SQLite plans every query by it. xcc never runs ANALYZE,
/// so every command now refuses a file with statistics tables, with the way to remove them.
#[test]
fn planted_planner_statistics_are_refused_by_every_command() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    w.conn()
        .execute_batch(
            "ANALYZE; DROP TABLE sqlite_stat4;
             UPDATE sqlite_stat1 SET stat = '100000000 1 1' WHERE idx = 'sessions_ordering';",
        )
        .unwrap();
    let before = w.snapshot();
    let db = w.db_str();
    let sentence = format!(
        "xcc: {db} holds query-planner statistics that xcc did not write (sqlite_stat1), which could make its queries slow; remove them with: sqlite3 {db} 'DROP TABLE sqlite_stat1;'\n"
    );
    let out_file = w.path("out.html");
    let out = out_file.to_str().unwrap();
    for args in [
        vec!["metrics", "distributions", "--db", &db],
        vec!["query", "SELECT 1", "--db", &db],
        vec!["export", "sessions", "--db", &db],
        vec!["verify", "--db", &db],
        vec!["report", "--db", &db, "--out", out],
        vec!["share", "--db", &db, "--out", out],
        vec!["dump", "--dialect", "postgres", "--db", &db],
        vec!["sessionize", "--db", &db],
        vec!["ingest", "-", "--db", &db],
        vec!["serve", "--db", &db, "--addr", "127.0.0.1:0"],
    ] {
        let out = run(&args, &generated(100, 7, 5_000_000));
        assert_eq!(
            (out.code, out.stderr.ends_with(&sentence)),
            (1, true),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(out.stdout, "", "{args:?}");
    }
    assert!(!out_file.exists());
    assert_eq!(w.snapshot(), before, "nothing written");
    // The way the sentence gives works: without the table the file is xcc's again.
    w.conn().execute_batch("DROP TABLE sqlite_stat1;").unwrap();
    assert_eq!(run(&["verify", "--db", &db], b"").code, 0);
}
