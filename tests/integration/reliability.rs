//! Faults, load and hostile input: each test is a promise of RELIABILITY.md.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{
    generated, locked_by, percentile, raw_request, run, xcc, Rng, Served, Workspace, REAL_HEAD,
};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

/// Everything that an ingest changes, condensed.
fn digest(w: &Workspace) -> String {
    w.rows(
        "SELECT (SELECT count(*) FROM events), (SELECT total(id) FROM events),
                (SELECT total(ts_us) FROM events), (SELECT count(*) FROM sessions),
                (SELECT total(duration_seconds) FROM sessions),
                (SELECT total(session_number) FROM sessions), (SELECT count(*) FROM ingests),
                (SELECT count(*) FROM rejects),
                (SELECT value FROM meta WHERE key = 'data_generation')",
    )
    .join("")
}

/// The whole file as SQL text, by the sqlite3 shell.
fn dump(w: &Workspace) -> Vec<u8> {
    let out = std::process::Command::new("sqlite3")
        .arg(w.db())
        .arg(".dump")
        .output()
        .unwrap();
    assert!(out.status.success() && out.stdout.len() > 100_000);
    out.stdout
}

fn integrity_ok(w: &Workspace) {
    assert_eq!(w.rows("PRAGMA integrity_check"), vec!["Text(\"ok\")"]);
}

/// SQLite's WAL locks, bytes of the `-shm` file (wal.c of SQLite): the write lock, and the
/// five read marks after it (a reader holds one of them for as long as it reads).
const WAL_WRITE_LOCK: i64 = 120;
const WAL_READ_MARKS: i64 = 123;

/// What shows, from outside, that the ingest `pid` into `db` is inside its write
/// transaction; None while nothing does.
/// - Rollback journal (into an empty file): a `-journal` of more than two pages. The
///   switches of journal mode before the transaction journal page 1 alone.
/// - WAL (into a file with events): a read mark and then the WAL write lock, as a write
///   transaction holds them. Its pages stay in the cache until a spill or the commit, so
///   the `-wal` stays empty for most of the ingest. The write lock alone is also taken for
///   a moment by the first read after the switch to WAL (to build the log's index), but
///   before its read mark: after a read mark, only a write transaction (or the checkpoint
///   after its commit) takes it, so the two are looked at in that order.
fn writing_evidence(db: &std::path::Path, pid: u32, page_size: u64) -> Option<String> {
    let beside = |suffix: &str| {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        std::path::PathBuf::from(p)
    };
    if let Ok(m) = std::fs::metadata(beside("-journal")) {
        if m.len() > 2 * page_size {
            return Some(format!("a -journal of {} bytes", m.len()));
        }
    }
    let shm = beside("-shm");
    if locked_by(&shm, WAL_READ_MARKS, 5, pid) && locked_by(&shm, WAL_WRITE_LOCK, 1, pid) {
        return Some("the WAL write lock and a read mark held".to_string());
    }
    None
}

#[test]
fn kill_9_during_an_ingest_leaves_the_state_before_it_and_a_rerun_completes() {
    use std::os::unix::process::ExitStatusExt;
    // Odd rounds ingest into a file holding events (WAL, indexes maintained row by row);
    // even rounds into an empty one (rollback journal, indexes built at the end).
    let inputs = [Vec::new(), generated(5_000, 1, 0)];
    let second = generated(60_000, 2, 1_000_000);
    // How long a whole ingest of `second` takes, into each kind of file: first the reference
    // ingest's time, then the latest one seen (the load of the machine changes as the other
    // tests run). Each kill lands at a random moment in the first half of that long after the
    // ingest is seen writing.
    let mut took = Vec::new();
    let references: Vec<Workspace> = inputs
        .iter()
        .map(|first| {
            let reference = Workspace::new();
            reference.ingest("-", first);
            let started = Instant::now();
            reference.ingest("-", &second);
            took.push(started.elapsed());
            reference
        })
        .collect();

    let mut rng = Rng(20_261_123);
    let mut killed_midway = [0; 2];
    let enough = |k: &[i32; 2]| k.iter().sum::<i32>() >= 3 && k.iter().all(|&n| n >= 1);
    // Six rounds, and up to four more while too few kills landed mid-ingest.
    for round in 0..10 {
        if round >= 6 && enough(&killed_midway) {
            break;
        }
        let (first, reference) = (&inputs[round % 2], &references[round % 2]);
        let kind = ["into an empty file", "into a file with events"][round % 2];
        let after = digest(reference);
        let w = Workspace::new();
        w.ingest("-", first);
        let before = digest(&w);
        let page_size = w.count("PRAGMA page_size") as u64;
        let path = w.write("second.jsonl", &second);
        let started = Instant::now();
        let mut child = xcc()
            .args(["ingest", &path, "--db", &w.db_str(), "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the ingest is visibly writing inside its transaction (or has ended),
        // then kill it a random while later: a kill before that proves nothing.
        let mut evidence = None;
        while evidence.is_none() && child.try_wait().unwrap().is_none() {
            evidence = writing_evidence(&w.db(), child.id(), page_size);
            if started.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                panic!("round {round}: the ingest showed no sign of writing in 120 s");
            }
            thread::sleep(Duration::from_millis(1));
        }
        let seen_at = started.elapsed();
        let delay =
            Duration::from_millis(rng.below((took[round % 2].as_millis() as u64 / 2).max(1)));
        let deadline = Instant::now() + delay;
        while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
            thread::sleep(Duration::from_millis(1));
        }
        let alive = child.try_wait().unwrap().is_none();
        if !alive {
            // It finished first: now it is known how long a whole ingest takes.
            took[round % 2] = started.elapsed();
        }
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        integrity_ok(&w);
        let now = digest(&w);
        let outcome = if status.success() {
            assert_eq!(now, after, "round {round}: finished before the kill");
            "it had finished"
        } else {
            assert_eq!(
                status.signal(),
                Some(libc::SIGKILL),
                "round {round}: {status}"
            );
            if now == after {
                // The kill came after the commit, while the file was being put at rest:
                // exactly the state after, as promised.
                "killed after its commit"
            } else {
                assert_eq!(
                    now, before,
                    "round {round} ({kind}): killed {delay:?} after {evidence:?} at {seen_at:?}: neither the state before nor after"
                );
                "killed mid-ingest: the state before"
            }
        };
        let midway = evidence.is_some() && alive && now == before && !status.success();
        if midway {
            killed_midway[round % 2] += 1;
        }
        eprintln!(
            "round {round} ({kind}): {} after {seen_at:?}, killed {delay:?} later: {outcome}",
            evidence.as_deref().unwrap_or("no sign of writing")
        );
        let rerun = Instant::now();
        let (out, _) = w.ingest(&path, b"");
        assert_eq!(out.code, 0, "{}", out.stderr);
        if midway {
            // The whole ingest again, from the state before it.
            took[round % 2] = rerun.elapsed();
        }
        // Whatever mode a kill left, a writer that finishes alone leaves the file at rest.
        assert_eq!(w.rows("PRAGMA journal_mode"), vec!["Text(\"delete\")"]);
        assert_eq!(w.session_rows(), reference.session_rows(), "round {round}");
        assert_eq!(
            w.count("SELECT count(*) FROM events"),
            reference.count("SELECT count(*) FROM events")
        );
    }
    // Real mid-ingest kills: seen writing inside its transaction, still running when killed,
    // and the file as before it; of each kind of file.
    assert!(
        enough(&killed_midway),
        "the kills should land mid-ingest, while it writes (into an empty file, into a file with events): {killed_midway:?}"
    );
}

/// The endpoints whose answers an ingest changes, each compared whole below. The server
/// keeps a whole-data answer for one data generation; an answer with a range is computed
/// from the file at every request, so those show what the file holds at that moment.
const CHANGING: [&str; 10] = [
    "/metrics/summary",
    "/metrics/orders",
    "/metrics/referrers",
    "/metrics/daily",
    "/metrics/distributions",
    "/metrics/history",
    "/metrics/orders?from=2000-01-01",
    "/metrics/referrers?from=2000-01-01",
    "/metrics/daily?from=2000-01-01",
    "/metrics/distributions?from=2000-01-01",
];

/// One answer a client got: which of [`CHANGING`], its body, and when it was asked and came.
struct Seen {
    path: usize,
    body: String,
    asked: Instant,
    answered: Instant,
}

/// The answers of every endpoint of [`CHANGING`], in order.
fn answers(base: &str) -> Vec<String> {
    CHANGING
        .iter()
        .map(|path| {
            let (status, _, body) = raw_request(base, "GET", path);
            assert_eq!(status, 200, "{path}: {body}");
            body
        })
        .collect()
}

/// Clients that ask for [`CHANGING`] in turn until `done`, each answer kept in `reads`.
fn clients(
    base: &str,
    done: &Arc<AtomicBool>,
    reads: &Arc<Mutex<Vec<Seen>>>,
) -> Vec<thread::JoinHandle<()>> {
    (0..4)
        .map(|i| {
            let (base, done, reads) = (base.to_string(), done.clone(), reads.clone());
            thread::spawn(move || {
                let mut k = i;
                while !done.load(Ordering::SeqCst) {
                    let path = k % CHANGING.len();
                    k += 1;
                    let asked = Instant::now();
                    let (status, _, body) = raw_request(&base, "GET", CHANGING[path]);
                    assert_eq!(status, 200, "{}: {body}", CHANGING[path]);
                    let answered = Instant::now();
                    reads.lock().unwrap().push(Seen {
                        path,
                        body,
                        asked,
                        answered,
                    });
                }
            })
        })
        .collect()
}

/// When the ingest `pid` into `w` is first seen writing inside its transaction.
fn seen_writing(w: &Workspace, pid: u32, page_size: u64) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(120);
    while writing_evidence(&w.db(), pid, page_size).is_none() {
        assert!(
            Instant::now() < deadline,
            "the ingest showed no sign of writing in 120 s"
        );
        thread::sleep(Duration::from_millis(1));
    }
    Instant::now()
}

/// Every answer is the old or the new one, whole, and none asked after a new one is old.
fn assert_old_or_new(reads: &[Seen], old: &[String], new: &[String]) {
    for (p, path) in CHANGING.iter().enumerate() {
        assert_ne!(old[p], new[p], "{path}: the ingest changes its answer");
    }
    for r in reads.iter() {
        let p = r.path;
        assert!(
            r.body == old[p] || r.body == new[p],
            "{}: neither the old nor the new answer:\n{}\nold: {}\nnew: {}",
            CHANGING[p],
            r.body,
            old[p],
            new[p]
        );
    }
    // Once one answer was new, every answer asked after it is new: the ingest's data
    // (events, sessions, the generation, the ledger) becomes visible at once.
    let first_new = reads
        .iter()
        .filter(|r| r.body == new[r.path])
        .map(|r| r.answered)
        .min()
        .unwrap();
    for r in reads.iter().filter(|r| r.asked > first_new) {
        assert!(
            r.body == new[r.path],
            "{}: the old answer, asked after a new one was given",
            CHANGING[r.path]
        );
    }
}

/// Every answer, while an ingest writes into the file, is the whole old answer or the whole
/// new one: a mix (new events with old sessions, one part of a metric from before the
/// commit and one from after) equals neither.
#[test]
fn clients_during_an_ingest_see_the_old_or_the_new_data_never_a_mix() {
    let w = Workspace::new();
    w.ingest("-", &generated(20_000, 1, 0));
    let page_size = w.count("PRAGMA page_size") as u64;
    let server = Served::start(&w.db(), &["--quiet", "--threads", "4"]);
    let old = answers(&server.base);
    let (done, reads) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(Mutex::new(Vec::new())),
    );
    let clients = clients(&server.base, &done, &reads);
    let path = w.write("new.jsonl", &generated(80_000, 2, 1_000_000));
    let ingest = xcc()
        .args(["ingest", &path, "--db", &w.db_str(), "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let writing = seen_writing(&w, ingest.id(), page_size);
    let out = ingest.wait_with_output().unwrap();
    let ended = Instant::now();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The new answers, from a server started now, whose cache is empty.
    let new = answers(&Served::start(&w.db(), &["--quiet"]).base);
    // The clients go on until each endpoint was seen new by one of them.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(0..CHANGING.len()).all(|p| {
        reads
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.path == p && r.body == new[p])
    }) {
        assert!(
            Instant::now() < deadline,
            "the server still answers old data 60 s after the ingest"
        );
        thread::sleep(Duration::from_millis(10));
    }
    done.store(true, Ordering::SeqCst);
    clients.into_iter().for_each(|c| c.join().unwrap());
    let reads = reads.lock().unwrap();
    assert_old_or_new(&reads, &old, &new);
    // Asked after the ingest was seen writing, answered before it ended.
    let during = reads
        .iter()
        .filter(|r| r.asked >= writing && r.answered <= ended)
        .count();
    assert!(
        during >= 1,
        "no read overlapped the ingest's write ({} reads)",
        reads.len()
    );
}

#[test]
fn two_ingests_into_one_file_at_once_lose_nothing() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let a = w.write("a.jsonl", &generated(40_000, 1, 1_000_000));
    let b = w.write("b.jsonl", &generated(40_000, 2, 2_000_000));
    let db = w.db_str();
    let spawn = |path: &str| {
        xcc()
            .args(["ingest", path, "--db", &db, "--json", "--quiet"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(&a), spawn(&b));
    let outputs = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["stored"], 40_000);
    }
    integrity_ok(&w);
    assert_eq!(w.count("SELECT count(*) FROM events"), 1152 + 80_000);
    assert_eq!(w.count("SELECT count(*) FROM ingests"), 3);
    // Sessions are still exactly a rebuild's.
    let before = w.session_rows();
    let out = run(&["sessionize", "--db", &db, "--quiet"], b"");
    assert_eq!(out.code, 0);
    assert_eq!(w.session_rows(), before);
}

#[test]
fn a_second_writer_that_waits_too_long_is_refused_in_one_sentence() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    // Hold the write lock from outside, as a long ingest would.
    let conn = w.conn();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let out = run(
        &[
            "ingest",
            REAL_HEAD,
            "--db",
            &w.db_str(),
            "--quiet",
            "--wait",
            "2s",
        ],
        b"",
    );
    assert!(started.elapsed() >= Duration::from_secs(2), "it waited");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "xcc: {} is busy: another process kept writing to it for 2s; try again when it has finished",
            w.db_str()
        )
    );
    conn.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn the_nasty_corpus_is_accounted_for_line_by_line() {
    let w = Workspace::new();
    let mut input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/nasty.jsonl"
    ))
    .unwrap();
    // A 10 MB line, made here rather than checked in.
    let big = format!(
        r#"{{"id": 77, "type": "search", "event": {{"timestamp": "2022-05-25T05:44:03", "query": "{}"}}}}"#,
        "q".repeat(10 << 20)
    );
    input.extend_from_slice(big.as_bytes());
    input.push(b'\n');
    let (out, report) = w.ingest("-", &input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = report.unwrap();
    assert_eq!(report["lines_read"], 24);
    let expected_rejects = [
        (1, "event.nested cannot be kept: invalid JSON at column 128: recursion limit exceeded"),
        (2, "invalid JSON at column 76: invalid unicode code point"),
        (3, "invalid JSON at column 21: control character (\\u0000-\\u001F) found while parsing a string"),
        (4, "id must be an integer, not a number that is not a 64-bit integer"),
        (5, "id must be an integer, not an integer beyond 64 bits"),
        (8, "timestamp '2022-02-30T00:00:00' is not a real date and time"),
        (11, "duplicate key 'event.timestamp'"),
        (12, "duplicate key 'id'"),
        (13, "customer-id must be an integer or null, not a number that is not a 64-bit integer"),
        (14, "customer-id must be an integer or null, not a boolean"),
        (15, "customer-id must be an integer or null, not a string"),
        (16, "customer-id must be an integer or null, not a number that is not a 64-bit integer"),
        (17, "timestamp '2022-05-25T05:44:03\\u{0}' is not ISO-8601"),
        (18, "invalid JSON at column 1: expected value"),
        (19, "invalid JSON at column 94: unexpected end of hex escape"),
        (20, "missing field id"),
        (21, "not an event object: invalid type: null, expected an event object"),
        (22, "not an event object: invalid type: string \"just a string\", expected an event object"),
    ];
    let got = w.rows("SELECT line_number, reason FROM rejects ORDER BY line_number");
    let want: Vec<String> = expected_rejects
        .iter()
        .map(|(n, r)| format!("Integer({n})|Text({r:?})"))
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        w.rows("SELECT id, timestamp FROM v_events ORDER BY id"),
        vec![
            "Integer(-7)|Text(\"2022-05-25T05:44:03Z\")",
            "Integer(0)|Text(\"2022-05-25T05:44:03Z\")",
            "Integer(5)|Text(\"0000-01-01T00:00:00Z\")",
            "Integer(6)|Text(\"9999-12-31T23:59:59.999999999Z\")",
            "Integer(16)|Text(\"2022-05-25T05:44:03Z\")",
            "Integer(77)|Text(\"2022-05-25T05:44:03Z\")",
        ]
    );
    assert_eq!(
        w.count("SELECT length(query) FROM events WHERE id = 77"),
        10 << 20
    );
    // Raw bytes of the invalid UTF-8 line are kept exactly.
    let raw: Vec<u8> = w
        .conn()
        .query_row("SELECT raw FROM rejects WHERE line_number = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(raw.windows(2).any(|p| p == [0xff, 0xfe]));
}

#[test]
fn random_garbage_lines_are_all_accounted_for() {
    let mut rng = Rng(77);
    for _ in 0..5 {
        let mut input = Vec::new();
        let mut non_blank = 0;
        for _ in 0..200 {
            let len = rng.below(80) as usize;
            // Each line opens an object, so that the input is taken for broken JSON lines (its
            // lines rejected one by one) rather than refused as a whole as not JSON.
            let line: Vec<u8> = std::iter::once(b'{')
                .chain((0..len).map(|_| match rng.below(255) as u8 {
                    b'\n' => b'x',
                    c => c,
                }))
                .collect();
            let mut trimmed = line.clone();
            while matches!(trimmed.last(), Some(b'\r')) {
                trimmed.pop();
            }
            if !trimmed.iter().all(|c| matches!(c, b' ' | b'\t' | b'\r')) {
                non_blank += 1;
            }
            input.extend_from_slice(&line);
            input.push(b'\n');
        }
        // Keep JSON-lines mode: a first byte of `[` would make it an array.
        input.insert(0, b'#');
        let w = Workspace::new();
        let (out, report) = w.ingest("-", &input);
        assert!(out.code == 0 || out.code == 3, "{}", out.stderr);
        let lines = report.unwrap()["lines_read"].as_u64().unwrap();
        assert!(
            lines == non_blank || lines == non_blank + 1,
            "{lines} vs {non_blank}"
        );
    }
}

fn can_drop_privileges() -> bool {
    std::process::Command::new("setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            "true",
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn a_read_only_directory_is_one_sentence_and_changes_nothing() {
    let w = Workspace::new();
    let dir = w.path("ro");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("x.db");
    let db_str = db.to_str().unwrap().to_string();
    let out = run(&["ingest", REAL_HEAD, "--db", &db_str, "--quiet"], b"");
    assert_eq!(out.code, 0);
    let before = std::fs::read(&db).unwrap();
    let mut perms = std::fs::metadata(&dir).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(&dir, perms.clone()).unwrap();
    // root ignores permissions; run xcc as nobody then (setpriv, util-linux).
    let is_root = unsafe { libc::geteuid() } == 0;
    assert!(
        !is_root || can_drop_privileges(),
        "setpriv is needed to test as root"
    );
    let mut command = if is_root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_xcc"));
        c
    } else {
        xcc()
    };
    let out = command
        .args(["ingest", REAL_HEAD, "--db", &db_str, "--quiet"])
        .output()
        .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&dir, perms).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!("xcc: cannot write to {db_str}: the file or its directory is read-only (nothing of this run was kept)")
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn a_full_disk_is_one_sentence_and_changes_nothing() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let before = digest(&w);
    let bytes_before = std::fs::read(w.db()).unwrap();
    let input = w.write("big.jsonl", &generated(60_000, 3, 1_000_000));
    // A file-size limit makes every write past it fail, as a full disk does.
    let script = format!(
        "ulimit -f {}; exec {} ingest {} --db {} --quiet",
        bytes_before.len() / 1024 + 2048,
        env!("CARGO_BIN_EXE_xcc"),
        input,
        w.db_str()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!("xcc: cannot write to {}: the disk is full or a file size limit was reached (nothing of this run was kept)", w.db_str())
    );
    integrity_ok(&w);
    assert_eq!(digest(&w), before);
}

/// Sends `request` raw and returns the status code, or None when the server closed the
/// connection without an answer.
fn raw_status(base: &str, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    if stream.write_all(request).is_err() {
        return None;
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace().nth(1).and_then(|s| s.parse().ok())
}

fn assert_still_answering(base: &str, bound: Duration) {
    let started = Instant::now();
    let (status, _, _) = raw_request(base, "GET", "/metrics/orders");
    assert_eq!(status, 200);
    assert!(started.elapsed() < bound, "took {:?}", started.elapsed());
}

#[test]
fn hostile_http_gets_the_right_status_and_everyone_else_is_still_served() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let server = Served::start(&w.db(), &["--quiet", "--threads", "4"]);
    let base = server.base.as_str();
    let bound = Duration::from_secs(1);

    let big_header = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "h".repeat(1 << 20)
    );
    // docs/http.md: a request head over 16 KiB gets 431, and the server lingers before it
    // closes, so that the client's write of the rest succeeds and the answer can be read.
    let status = raw_status(base, big_header.as_bytes());
    assert_eq!(
        status,
        Some(431),
        "a 1 MiB header: the request head is capped at 16 KiB with 431 Request Header Fields Too Large"
    );
    assert_still_answering(base, bound);

    // ... and 414 when the request line alone is over it.
    let long_url = format!("/metrics/{}", "a".repeat(100 * 1024));
    let (status, _, body) = raw_request(base, "GET", &long_url);
    assert_eq!(
        status, 414,
        "a 100 KiB URL: a request line over 16 KiB gets 414 URI Too Long: {body}"
    );
    assert_still_answering(base, bound);

    for (method, path, want) in [
        ("HEAD", "/metrics/orders", 200),
        ("OPTIONS", "/metrics/orders", 405),
        ("POST", "/metrics/orders", 405),
        ("DELETE", "/metrics/orders", 405),
        ("GET", "/..%2f..%2fetc/passwd", 404),
        ("GET", "/../../etc/passwd", 404),
        ("GET", "/metrics/%zz", 404),
        ("GET", "/metrics/orders%3B%20DROP%20TABLE%20events", 404),
        ("GET", "/metrics/orders?q=1%27%20OR%201=1", 400),
    ] {
        let (status, headers, body) = raw_request(base, method, path);
        assert_eq!(status, want, "{method} {path}: {body}");
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        // Every answer is JSON, errors included (README, HTTP API).
        assert_eq!(
            header("content-type"),
            Some("application/json"),
            "{method} {path}: {headers:?}"
        );
        if method == "HEAD" {
            assert_eq!(body, "", "HEAD has no body");
            continue;
        }
        // Errors are `{"error": "…"}`, one sentence; a 405 names the methods allowed.
        let error: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{method} {path}: the error is not JSON ({e}): {body}"));
        let sentence = error["error"].as_str().unwrap_or_default();
        assert!(
            error.as_object().map(|o| o.len()) == Some(1) && !sentence.is_empty(),
            "{method} {path}: the answer is not {{\"error\": \"…\"}}: {body}"
        );
        match want {
            405 => assert_eq!(
                header("allow"),
                Some("GET, HEAD"),
                "{method} {path}: {headers:?}"
            ),
            400 => assert_eq!(
                sentence,
                xcc::metrics::Filter::from_pairs([("q", "1' OR 1=1")]).unwrap_err(),
                "{method} {path}"
            ),
            _ => {}
        }
    }
    assert_eq!(w.count("SELECT count(*) FROM events"), 1152);

    // A client that sends one byte a second does not hold up the others: they are
    // answered after its first bytes were sent and before its last.
    let slow_base = base.to_string();
    let (sent, bytes_sent) = std::sync::mpsc::channel();
    let slow = thread::spawn(move || {
        let mut stream = TcpStream::connect(slow_base.trim_start_matches("http://")).unwrap();
        for (i, b) in b"GET /he".iter().enumerate() {
            if stream.write_all(&[*b]).is_err() {
                break;
            }
            let _ = sent.send(i + 1);
            thread::sleep(Duration::from_secs(1));
        }
    });
    // Two bytes: the server has the connection and a request begun.
    while bytes_sent
        .recv_timeout(Duration::from_secs(10))
        .expect("the slow client sends")
        < 2
    {}
    for _ in 0..5 {
        assert_still_answering(base, bound);
    }
    let more: Vec<usize> = bytes_sent.try_iter().collect();
    assert!(
        more.last().copied().unwrap_or(2) < 7,
        "the slow client had sent its whole request before the others were answered"
    );

    // 1,000 idle connections at once.
    let idle: Vec<TcpStream> = (0..1000)
        .filter_map(|_| TcpStream::connect(base.trim_start_matches("http://")).ok())
        .collect();
    assert!(idle.len() >= 900, "only {} connections opened", idle.len());
    for _ in 0..5 {
        assert_still_answering(base, Duration::from_secs(2));
    }
    drop(idle);
    slow.join().unwrap();
    assert_still_answering(base, bound);
}

/// `clients` clients asking for three cached answers in turn for `for_how_long` (and at
/// most 20,000 requests each): every latency, in milliseconds, and the count of errors.
fn load(base: &str, clients: usize, for_how_long: Duration) -> (Vec<f64>, usize) {
    let deadline = Instant::now() + for_how_long;
    let errors = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..clients)
        .map(|i| {
            let base = base.to_string();
            let errors = errors.clone();
            thread::spawn(move || {
                let paths = ["/metrics/orders", "/metrics/referrers", "/metrics/summary"];
                let mut latencies = Vec::new();
                let mut k = i;
                while Instant::now() < deadline && latencies.len() < 20_000 {
                    let started = Instant::now();
                    let (status, _, _) = raw_request(&base, "GET", paths[k % 3]);
                    latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                    if status != 200 {
                        errors.fetch_add(1, Ordering::SeqCst);
                    }
                    k += 1;
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<f64> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort_by(f64::total_cmp);
    let errors = errors.load(Ordering::SeqCst);
    (all, errors)
}

/// 16 clients for 3 s against one client alone for 1 s, on the same server and answers.
/// The bounds, derived:
/// - Every answer is cached (one data generation), so a request costs the same work alone
///   or under load; under load it can only wait for the others. At most 16 requests are in
///   the server at once, so even on one core a request waits for the 15 others: 16 × the
///   lone request's time. The 16 client threads compete with the server for the cores as
///   the lone client did not: × 2. So p50 and p99 under load ≤ 32 × the lone p50.
/// - Below 50 ms that bound is lost in the scheduler's noise on a machine busy with other
///   work (Linux lets 8 runnable threads per core wait up to a 24 ms period each), so the
///   bound is at least 50 ms; and RELIABILITY.md promises p99 under 1 s whatever the lone time.
/// - Throughput: 16 clients get at least half the requests one client gets alone in the same
///   time (the same work per request, shared by the same cores, × 2 for the client threads).
///
/// The other tests of the suite run beside this one (a JVM starting, a browser), so a round
/// measured while they hog the cores says nothing of the server: up to three rounds are
/// measured, and one within the bounds passes. A server that is slow every time (a tail
/// added to every 20th answer) fails all three.
#[test]
fn under_load_16_clients_get_no_errors_and_latencies_within_32_times_one_clients() {
    let w = Workspace::new();
    w.ingest("-", &generated(20_000, 5, 0));
    let server = Served::start(&w.db(), &["--quiet", "--threads", "4"]);
    let mut rounds = Vec::new();
    for _ in 0..3 {
        match load_round(&server.base) {
            Ok(()) => return,
            Err(why) => rounds.push(why),
        }
    }
    panic!("no round within the bounds: {rounds:#?}");
}

/// One round of [`under_load_16_clients_get_no_errors_and_latencies_within_32_times_one_clients`]:
/// `Err` with the figures when a bound is missed.
fn load_round(base: &str) -> Result<(), String> {
    let (alone, errors_alone) = load(base, 1, Duration::from_secs(1));
    let (all, errors) = load(base, 16, Duration::from_secs(3));
    let p = |v: &[f64], q: f64| percentile(v, q);
    let figures = format!(
        "alone: {} requests in 1 s, p50 {:.2} ms, p99 {:.2} ms; 16 clients: {} requests in 3 s, \
         p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        alone.len(),
        p(&alone, 0.5),
        p(&alone, 0.99),
        all.len(),
        p(&all, 0.5),
        p(&all, 0.9),
        p(&all, 0.99),
        all[all.len() - 1]
    );
    // Errors are never noise: they fail at once.
    assert_eq!((errors_alone, errors), (0, 0), "{figures}");
    let bound = (32.0 * p(&alone, 0.5)).clamp(50.0, 1000.0);
    if p(&all, 0.5) > bound || p(&all, 0.99) > bound {
        return Err(format!(
            "p50 and p99 under load should be at most {bound:.2} ms: {figures}"
        ));
    }
    if (all.len() as f64) < 3.0 * alone.len() as f64 / 2.0 {
        return Err(format!(
            "16 clients should get at least half the requests per second of one: {figures}"
        ));
    }
    Ok(())
}

#[test]
fn two_writers_opening_a_version_1_file_at_once_upgrade_it_once() {
    let w = Workspace::with_version_1_file();
    let more = w.write("more.jsonl", &generated(20_000, 3, 3_000_000));
    let db = w.db_str();
    let spawn = |args: &[&str]| {
        xcc()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let ingest = spawn(&["ingest", &more, "--db", &db]);
    let sessionize = spawn(&["sessionize", "--db", &db]);
    let outputs = [
        ingest.wait_with_output().unwrap(),
        sessionize.wait_with_output().unwrap(),
    ];
    let version = xcc::store::schema::SCHEMA_VERSION;
    let mut upgrades = 0;
    for out in &outputs {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        upgrades += stderr
            .matches(&format!("from schema version 1 to {version}"))
            .count();
    }
    assert_eq!(upgrades, 1);
    integrity_ok(&w);
    assert_eq!(w.count("PRAGMA user_version"), version);
    assert_eq!(w.count("SELECT count(*) FROM events"), 1152 + 20_000);
    let before = w.session_rows();
    let out = run(&["sessionize", "--db", &db, "--quiet"], b"");
    assert_eq!(out.code, 0);
    assert_eq!(w.session_rows(), before);
}

/// Regression: the writer used to commit when the parser's channel closed, so a parser thread
/// that panicked halfway committed a truncated ingest and exited 0. The source's reader is
/// made to panic after 1 MB (a test-only hook), three batches of lines into a 6 MB input.
#[test]
fn a_parser_that_panics_halfway_commits_nothing() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let before = digest(&w);
    let dump_before = dump(&w);
    let input = w.write("more.jsonl", &generated(20_000, 5, 1_000_000));
    assert!(std::fs::metadata(&input).unwrap().len() > 3_000_000);
    let ingest_with_fault = |db: &str| {
        xcc()
            .env("XCC_TEST_PANIC_AFTER_BYTES", "1000000")
            .args(["ingest", &input, "--db", db, "--quiet"])
            .output()
            .unwrap()
    };
    let expected = format!(
        "xcc: reading {input} failed: the parser thread panicked (XCC_TEST_PANIC_AFTER_BYTES: the test's fault in the source reader); nothing was stored"
    );

    // Into a file that holds events: exit 1, one sentence last, the file as it was: every
    // row and schema entry (the writer's switch to WAL mode and back only moves SQLite's
    // change counters in the header), in the mode it rests in.
    let out = ingest_with_fault(&w.db_str());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().last(), Some(expected.as_str()), "{stderr}");
    assert_eq!(digest(&w), before);
    assert!(dump(&w) == dump_before, "the .dump of the file changed");
    assert_eq!(w.rows("PRAGMA journal_mode"), vec!["Text(\"delete\")"]);
    integrity_ok(&w);

    // Into a new file (the bulk-load path): exit 1 and no file left behind.
    let fresh = w.path("fresh.db");
    let out = ingest_with_fault(&fresh.display().to_string());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().last(), Some(expected.as_str()), "{stderr}");
    assert!(!fresh.exists());
}

/// Unmounts a test's tmpfs when the test ends, whichever way.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Regression: a disk that filled while the final checkpoint copied the log into the file
/// exited 0 and left a `.db` that is corrupt on its own. On an 8 MB tmpfs, a first ingest,
/// a filler file, and a second ingest whose log fits but whose copy into the file does not
/// (the filler's size is tried until the copy fails: file sizes vary with the data).
#[test]
fn a_disk_that_fills_at_the_final_checkpoint_is_said_and_the_next_writer_finishes_it() {
    const CHECK: &str =
        "a_disk_that_fills_at_the_final_checkpoint_is_said_and_the_next_writer_finishes_it";
    let w = Workspace::new();
    let disk = w.path("small-disk");
    std::fs::create_dir(&disk).unwrap();
    // A disk that really fills: an 8 MB tmpfs, which only root can mount, and only on Linux
    // (macOS has no tmpfs to mount). Where it cannot be made the test fails, saying what it
    // needs, unless XCC_SKIP_FULL_DISK=1 skips it (and the skip report says so).
    let mount = if cfg!(target_os = "linux") {
        std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
            .arg(&disk)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))
            .and_then(|out| {
                if out.status.success() {
                    Ok(())
                } else {
                    Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
                }
            })
    } else {
        Err("this is not Linux, and the test mounts a Linux tmpfs".to_string())
    };
    if let Err(why) = mount {
        if crate::needs::skipped(
            "XCC_SKIP_FULL_DISK",
            CHECK,
            &format!("no 8 MB tmpfs could be mounted here: {why}"),
        ) {
            return;
        }
        panic!(
            "{CHECK} needs an 8 MB tmpfs, and mounting one failed ({why}): run the tests as root \
             on Linux (CI does), or set XCC_SKIP_FULL_DISK=1 to skip this check"
        );
    }
    let _unmount = Mounted(disk.clone());
    let first = w.write("first.jsonl", &generated(8_000, 4, 0));
    let second = w.write("second.jsonl", &generated(4_000, 5, 1_000_000));
    let db = disk.join("x.db");
    let db_str = db.to_str().unwrap().to_string();
    let filler = disk.join("filler");
    let expected = format!(
        "xcc: the data is committed and safe in {db_str}-wal, but {db_str} is incomplete without it: the disk filled up while the log was copied into the file; keep the two files together, free some space, and run any xcc command that writes (e.g. `xcc sessionize --db {db_str}`) to finish the copy"
    );
    let mut reproduced = false;
    for filler_kb in [3600, 3900, 3300, 4200, 3000, 4500] {
        for entry in std::fs::read_dir(&disk).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        std::fs::write(&filler, vec![7u8; filler_kb * 1024]).unwrap();
        let out = run(&["ingest", &first, "--db", &db_str, "--quiet"], b"");
        assert_eq!(out.code, 0, "{}", out.stderr);
        let out = run(&["ingest", &second, "--db", &db_str, "--quiet"], b"");
        if out.stderr.trim() == expected {
            assert_eq!(out.code, 1);
            reproduced = true;
            break;
        }
    }
    assert!(reproduced, "no filler size made the final checkpoint fail");

    // Committed and readable together with the log (read-only: closing a writable connection
    // would checkpoint, doing the next writer's work).
    let with_log = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let count: i64 = with_log
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 12_000);
    drop(with_log);
    // Space freed, the next writer finishes the copy: the file alone is whole.
    std::fs::remove_file(&filler).unwrap();
    let out = run(&["sessionize", "--db", &db_str, "--quiet"], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!disk.join("x.db-wal").exists());
    let alone = Workspace::new();
    std::fs::copy(&db, alone.db()).unwrap();
    integrity_ok(&alone);
    assert_eq!(alone.count("SELECT count(*) FROM events"), 12_000);
}
