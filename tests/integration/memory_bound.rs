//! One memory bound for the process (issue 36, items 3 and 4): whatever a file or a statement
//! asks for, `query` and `export` stay under 512 MB of peak RSS (by wait4, not /proc), and a
//! statement that needs more fails with one sentence naming the limit, exit status 1 as any
//! failed statement. Each test builds its file itself; the sentences come from the library.

use std::io::{BufRead, Read};
use std::process::{ChildStdout, Stdio};

use rusqlite::Connection;

use crate::needs::wait_with_peak_rss;
use crate::util::{shared_sample, xcc, Workspace};
use xcc::store::memory::{OutOfMemory, TooLong, READER_BUDGET_BYTES};

/// The bound every run here is held to, in KB as wait4 gives it.
const PEAK_KB: i64 = 512 * 1024;

/// The shared file with the attacker's plant: the ledger says an ingest kept lines of 1 GiB
/// (which once raised every reader's length limit to that), and `sql` adds the analyst's views.
fn planted(sql: &str) -> (Workspace, String) {
    let (w, shared) = shared_sample();
    Connection::open(&shared)
        .unwrap()
        .execute_batch(&format!(
            "UPDATE ingests SET max_line_bytes = 1073741824; {sql}"
        ))
        .unwrap();
    (w, shared)
}

/// What a run of xcc did: its exit status, peak RSS in KB and stderr.
struct Peak {
    code: i32,
    peak_kb: i64,
    stderr: String,
}

/// Runs xcc with `args`, hands its stdout to `read` (on a thread of its own) and reaps it
/// with wait4 for its peak RSS.
///
/// The test process must stay small: on Linux a child's peak RSS, as wait4 gives it, counts
/// the spawning process's own resident memory (the child shares or copies it until it
/// execs; measured: `true` spawned from a process of 600 MB peaks at 613 MB). A large output
/// is therefore compared as it is read ([`is_exactly`]), never held: held, it would be
/// counted in every process any test spawns after it.
fn peak_with<T: Send + 'static>(
    args: &[&str],
    read: impl FnOnce(ChildStdout) -> T + Send + 'static,
) -> (Peak, T) {
    // Reaped by wait_with_peak_rss (wait4), which std's Child cannot do.
    #[allow(clippy::zombie_processes)]
    let mut child = xcc()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || read(stdout));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let read = reader.join().unwrap();
    let (code, peak_kb) = wait_with_peak_rss(child.id() as i32);
    let run = Peak {
        code,
        peak_kb,
        stderr,
    };
    (run, read)
}

/// [`peak_with`], stdout read whole (a short one).
fn peak(args: &[&str]) -> (Peak, Vec<u8>) {
    peak_with(args, |mut out| {
        let mut stdout = Vec::new();
        out.read_to_end(&mut stdout).unwrap();
        stdout
    })
}

/// Whether `out`, read to its end, is exactly `pieces`: each text repeated its number of
/// times, in order. Compared block by block as it is read, never held (see [`peak_with`]).
fn is_exactly(mut out: impl Read, pieces: &[(&str, usize)]) -> Result<(), String> {
    let mut got = Vec::new();
    let mut at = 0;
    for (text, times) in pieces {
        let per_block = ((1 << 16) / text.len()).max(1);
        let block = text.repeat(per_block);
        let mut left = *times;
        while left > 0 {
            let n = left.min(per_block);
            got.resize(n * text.len(), 0);
            out.read_exact(&mut got)
                .map_err(|e| format!("the output ends within bytes {at}.. ({e})"))?;
            if got != block.as_bytes()[..got.len()] {
                return Err(format!("the output differs within bytes {at}.."));
            }
            at += got.len();
            left -= n;
        }
    }
    match out.read(&mut [0]) {
        Ok(0) => Ok(()),
        _ => Err(format!("the output goes on after byte {at}")),
    }
}

fn too_long() -> String {
    format!("xcc: {TooLong}\n")
}

fn out_of_memory() -> String {
    format!("xcc: {}\n", OutOfMemory(READER_BUDGET_BYTES))
}

/// `SELECT randomblob(16000000) AS c0, …, randomblob(16000000) AS c27`: 448 MB in one row.
fn twenty_eight_values_of_16_mb(value: &str) -> String {
    let columns: Vec<String> = (0..28).map(|i| format!("{value} AS c{i}")).collect();
    format!("SELECT {}", columns.join(", "))
}

/// Regression (issue 36, item 3): a 241 KB file whose ledger says max_line_bytes = 1 GiB, and
/// the analyst's own view `SELECT zeroblob(200000000)`. Before: `xcc query` raised the length
/// limit from the ledger, copied the value while formatting it, and exited 0 at 2.36 GB.
#[test]
fn a_planted_line_length_and_a_zeroblob_view_get_one_sentence_from_query() {
    let (_w, shared) = planted("CREATE VIEW big AS SELECT zeroblob(200000000) AS z;");
    let (run, stdout) = peak(&["query", "SELECT * FROM big", "--db", &shared]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, too_long());
    assert!(stdout.is_empty());
    assert!(run.peak_kb < PEAK_KB, "peak RSS {} KB", run.peak_kb);
}

/// Regression (issue 36, item 3): the same planted file with a view of `randomblob(250000000)`.
/// Before: `xcc export --format table` reached 2.2 GB with exit 0.
#[test]
fn a_planted_line_length_and_a_randomblob_view_get_one_sentence_from_export_as_a_table() {
    let (_w, shared) = planted("CREATE VIEW noise AS SELECT randomblob(250000000) AS r;");
    let (run, stdout) = peak(&["export", "noise", "--format", "table", "--db", &shared]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, too_long());
    assert!(stdout.is_empty());
    assert!(run.peak_kb < PEAK_KB, "peak RSS {} KB", run.peak_kb);
}

/// Regression (issue 36, item 4): one statement on a genuine shared file, 28 values of 16 MB
/// (each under the length limit, 448 MB together). Before: exit 0 at 1.27 GB as JSON, 908 MB
/// as CSV, 1.0 GB as a table. Now SQLite stops at the budget, in one sentence.
#[test]
fn twenty_eight_values_of_16_mb_get_one_sentence_in_every_format() {
    let (_w, shared) = shared_sample();
    let sql = twenty_eight_values_of_16_mb("randomblob(16000000)");
    for format in ["json", "csv", "table", "jsonl"] {
        let (run, _) = peak(&["query", &sql, "--format", format, "--db", &shared]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert_eq!(run.stderr, out_of_memory(), "{format}");
        assert!(
            run.peak_kb < PEAK_KB,
            "{format}: peak RSS {} KB",
            run.peak_kb
        );
    }
}

/// A zeroblob is made whole only when it is read, so SQLite reaches the budget while xcc reads
/// the row's values; SQLite then hands out an empty value. Before the check of that, the row
/// was written with its last three values empty (400,000,146 bytes of CSV), then the error
/// came. Now nothing of the row is written: stdout is the header alone.
#[test]
fn values_that_do_not_fit_as_they_are_read_are_never_written_empty() {
    let (_w, shared) = shared_sample();
    // random() keeps SQLite from making the values once, before the row, as it would a constant.
    let sql = twenty_eight_values_of_16_mb("zeroblob(16000000 + abs(random() % 2))");
    let (run, stdout) = peak(&["query", &sql, "--format", "csv", "--db", &shared]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, out_of_memory());
    let header: Vec<String> = (0..28).map(|i| format!("c{i}")).collect();
    assert_eq!(
        String::from_utf8_lossy(&stdout),
        format!("{}\r\n", header.join(","))
    );
    assert!(run.peak_kb < PEAK_KB, "peak RSS {} KB", run.peak_kb);
}

/// A large value within the budget still comes out whole and exact: 16,000,000 x (under the
/// 16 MiB length limit), 16,000,000 NUL bytes (six bytes each in JSON) and a number, in
/// every format, each run under the bound.
#[test]
fn a_large_value_within_the_budget_comes_out_whole_in_every_format() {
    let (_w, shared) = shared_sample();
    Connection::open(&shared)
        .unwrap()
        .execute_batch(
            "CREATE VIEW large AS SELECT printf('%.*c', 16000000, 'x') AS x, \
             zeroblob(16000000) AS z, 7 AS n;",
        )
        .unwrap();
    let n = 16_000_000;
    // The table's cells: 59 characters and an ellipsis. A NUL is shown as \u{0} (5
    // characters): 11 of them and the first 4 characters of the twelfth make 59.
    let cut_x = format!("{}…", "x".repeat(59));
    let cut_z = format!("{}\\u{{0…", "\\u{0}".repeat(11));
    let table = format!(
        "x{} | z{} | n\n{}-+-{}-+--\n{cut_x} | {cut_z} | 7\n",
        " ".repeat(59),
        " ".repeat(59),
        "-".repeat(60),
        "-".repeat(60)
    );
    // JSON: a NUL is \u0000, six bytes.
    let object = |before: &'static str, after: &'static str| {
        vec![
            (before, 1),
            ("x", n),
            ("\",\"z\":\"", 1),
            ("\\u0000", n),
            (after, 1),
        ]
    };
    for (format, expected) in [
        (
            "csv",
            vec![
                ("x,z,n\r\n", 1),
                ("x", n),
                (",", 1),
                ("\0", n),
                (",7\r\n", 1),
            ],
        ),
        ("json", object("[\n{\"x\":\"", "\",\"n\":7}\n]\n")),
        ("jsonl", object("{\"x\":\"", "\",\"n\":7}\n")),
        ("table", vec![(table.as_str(), 1)]),
    ] {
        let pieces: Vec<(String, usize)> =
            expected.iter().map(|(t, k)| (t.to_string(), *k)).collect();
        let args = ["export", "large", "--format", format, "--db", &shared];
        let (run, same) = peak_with(&args, move |out| {
            let pieces: Vec<(&str, usize)> = pieces.iter().map(|(t, k)| (t.as_str(), *k)).collect();
            is_exactly(out, &pieces)
        });
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert_eq!(same, Ok(()), "{format}");
        assert!(
            run.peak_kb < PEAK_KB,
            "{format}: peak RSS {} KB",
            run.peak_kb
        );
    }
}

/// A GET over its own connection, with a timeout for the large answers of a debug build;
/// the body [`squeezed`].
fn get(base: &str, path: &str) -> (u16, String) {
    use std::io::Write;
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = std::io::BufReader::new(stream);
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        assert!(response.read_line(&mut head).unwrap() > 0, "{head}");
    }
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, squeezed(response))
}

/// A body with each run of the JSON escape `\u0001` written as `#N#` (N escapes): an answer
/// of 126 MB is checked as it is read, never held (see [`peak_with`]).
fn squeezed(mut body: impl Read) -> String {
    const ESCAPE: &[u8] = b"\\u0001";
    let mut out = Vec::new();
    let (mut run, mut matched) = (0, 0);
    let mut chunk = vec![0; 1 << 16];
    loop {
        let n = body.read(&mut chunk).unwrap();
        for &b in &chunk[..n] {
            if b == ESCAPE[matched] {
                matched += 1;
                if matched == ESCAPE.len() {
                    (run, matched) = (run + 1, 0);
                }
                continue;
            }
            if run > 0 {
                out.extend_from_slice(format!("#{run}#").as_bytes());
                run = 0;
            }
            // What was held back as the start of an escape was text after all.
            out.extend_from_slice(&ESCAPE[..matched]);
            matched = usize::from(b == ESCAPE[0]);
            if matched == 0 {
                out.push(b);
            }
        }
        if n == 0 {
            break;
        }
    }
    if run > 0 {
        out.extend_from_slice(format!("#{run}#").as_bytes());
    }
    out.extend_from_slice(&ESCAPE[..matched]);
    String::from_utf8(out).unwrap()
}

/// A shared file of 21 MB whose first 20 sessions have a referrer host of 1 MiB of control
/// characters (each six bytes of JSON: a 126 MB answer), read by a server with 4 query
/// threads asked for 4 referrer answers at once. Before: 850 MiB of peak RSS, every answer
/// made, copied into the cache and copied again for each request. Now each answer reserves
/// its memory before it is made: those that do not fit the budget beside the others are a
/// 500 with the budget's sentence, the server stays under the bound, and once they are done
/// the answer is made whole. Answers are checked as they are read (see `peak_with`).
#[test]
fn huge_answers_at_once_keep_the_server_under_the_bound() {
    let (_w, shared) = shared_sample();
    Connection::open(&shared)
        .unwrap()
        .execute_batch(
            "UPDATE sessions SET referrer_host = printf('%.*c', 1048576, char(1)) || rowid \
             WHERE rowid <= 20;",
        )
        .unwrap();
    // Reaped by wait_with_peak_rss (wait4), which std's Child cannot do.
    #[allow(clippy::zombie_processes)]
    let mut child = xcc()
        .args(["serve", "--db", &shared, "--addr", "127.0.0.1:0", "--quiet"])
        .args(["--threads", "4", "--time-limit", "300s"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut first).unwrap();
    let base = first[first.find("http://").unwrap()..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let drain = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
        rest
    });
    let paths = [
        "/metrics/referrers",
        "/metrics/referrers?from=2022-01-01",
        "/metrics/referrers?to=2023-01-01",
        "/metrics/referrers?from=2022-01-02",
    ];
    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let asked: Vec<_> = paths.iter().map(|p| s.spawn(|| get(&base, p))).collect();
        asked.into_iter().map(|a| a.join().unwrap()).collect()
    });
    let refused = serde_json::json!({
        "error": format!("the database could not answer: {}", OutOfMemory(READER_BUDGET_BYTES))
    });
    for (path, (status, body)) in paths.iter().zip(&answers) {
        match status {
            200 => check_huge_referrers(body),
            500 => assert_eq!(
                serde_json::from_str::<serde_json::Value>(body).unwrap(),
                refused
            ),
            _ => panic!("{path}: {status} {body}"),
        }
    }
    // Alone, the answer fits: it is made whole (too large to be cached, it is made again).
    let (status, body) = get(&base, "/metrics/referrers");
    assert_eq!(status, 200, "{body}");
    check_huge_referrers(&body);
    assert_eq!(get(&base, "/health").0, 200);
    // SAFETY: kill only sends SIGINT (Ctrl-C) to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let (code, peak_kb) = wait_with_peak_rss(child.id() as i32);
    let log = drain.join().unwrap();
    assert_eq!(code, 0, "{log}");
    assert!(peak_kb < PEAK_KB, "peak RSS {peak_kb} KB");
}

/// The referrers answer, [`squeezed`], holds the 20 hosts of 1 MiB of U+0001 followed by
/// their session's number, 1 to 20.
fn check_huge_referrers(body: &str) {
    let answer: serde_json::Value = serde_json::from_str(body).unwrap();
    let controls = format!("#{}#", 1 << 20);
    let mut numbers: Vec<u32> = answer["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["referrer_host"].as_str()?.strip_prefix(&controls))
        .map(|number| number.parse().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=20).collect::<Vec<u32>>());
}

/// A shared file rebuilt with UTF-16 text (`PRAGMA encoding = 'UTF-16le'` and sqlite3's
/// `.dump`). SQLite converts each of its values as xcc reads it, and a conversion that failed
/// at the memory budget made rusqlite panic: 22 values of 8,000,000 characters gave
/// `internal error: … unexpected SQLITE_TEXT column type with NULL data`, exit 101. xcc
/// writes UTF-8 only, and a file keeps its encoding: such a file is refused as it is opened.
#[test]
fn a_file_of_utf16_text_is_refused_before_a_value_is_read() {
    use std::io::Write;
    let (w, shared) = shared_sample();
    let version: i64 = Connection::open(&shared)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let dump = crate::analysts::tool("sqlite3")
        .args([&shared, ".dump"])
        .output()
        .unwrap();
    assert!(dump.status.success());
    let copy = w.path("utf16.db").display().to_string();
    let mut rebuild = crate::analysts::tool("sqlite3")
        .arg(&copy)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut script = rebuild.stdin.take().unwrap();
    script
        .write_all(b"PRAGMA encoding = 'UTF-16le';\n")
        .unwrap();
    script.write_all(&dump.stdout).unwrap();
    writeln!(script, "PRAGMA user_version = {version};").unwrap();
    drop(script);
    assert!(rebuild.wait().unwrap().success());
    let columns: Vec<String> = (0..22)
        .map(|i| format!("printf('%.*c', 8000000 + abs(random() % 2), 'x') AS c{i}"))
        .collect();
    let sql = format!("SELECT {}", columns.join(", "));
    let (run, stdout) = peak(&["query", &sql, "--format", "csv", "--db", &copy]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!("xcc: {copy} was changed after xcc wrote it: its text is UTF-16le, and xcc writes UTF-8\n")
    );
    assert!(stdout.is_empty());
    assert!(run.peak_kb < PEAK_KB, "peak RSS {} KB", run.peak_kb);
}
