//! Every file xcc writes opens in the tools analysts use, each run here: the sqlite3 shell;
//! DuckDB with its SQLite reader, through `ATTACH … (TYPE sqlite)` and through `sqlite_scan`,
//! row for row as SQLite reads it, numbers as numbers; pandas, polars, DuckDB and SQLite's
//! date functions parsing the views' times; and datasette serving every view of a 1M-line
//! working file within its time limit. The Python comes from scripts/test (.venv-analysts,
//! scripts/analysts-requirements.txt, pinned) or XCC_ANALYSTS_PYTHON; without it the tests
//! fail and say how to get it.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use xcc::format::calendar::format_micros;

use crate::analysts::tool;
use crate::util::{raw_request, run, Workspace, REAL_HEAD};

/// The Python with the analysts' tools (scripts/analysts-requirements.txt).
fn analysts_python() -> PathBuf {
    crate::needs::analysts_python(
        "the analysts' tools tests",
        &[
            "pandas",
            "polars",
            "duckdb",
            "duckdb_extensions",
            "datasette",
        ],
    )
}

/// The real sample, shared with its logged-in events.
fn shared_sample() -> (Workspace, PathBuf, Value) {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let out = w.share("analysts.db", &["--events", "logged-in"]);
    let metrics = run(&["metrics", "orders", "--db", out.to_str().unwrap()], b"");
    assert_eq!(metrics.code, 0, "{}", metrics.stderr);
    (w, out, metrics.json())
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn same_medians(tool: &str, got: &Value, xcc: &Value) {
    for key in [
        "median_visits_before_order",
        "median_session_duration_minutes_before_order",
    ] {
        let (a, b) = (number(&got[key]), number(&xcc[key]));
        assert!((a - b).abs() < 1e-9, "{tool}: {key} is {a}, xcc says {b}");
    }
}

#[test]
fn the_sqlite3_shell_reads_the_medians_and_the_computed_times_of_a_shared_file() {
    let (w, out, xcc) = shared_sample();
    let shell = tool("sqlite3")
        .args([
            "-readonly",
            "-json",
            out.to_str().unwrap(),
            "SELECT median_visits_before_order, median_session_duration_minutes_before_order \
             FROM v_metrics_orders",
        ])
        .output()
        .unwrap();
    assert!(
        shell.status.success(),
        "{}",
        String::from_utf8_lossy(&shell.stderr)
    );
    let rows: Value = serde_json::from_slice(&shell.stdout).unwrap();
    same_medians("sqlite3", &rows[0], &xcc);

    let times = tool("sqlite3")
        .args([
            "-readonly",
            "-separator",
            "|",
            out.to_str().unwrap(),
            "SELECT s.started_us, v.started_at, s.ended_us, v.ended_at \
             FROM sessions AS s JOIN v_sessions AS v ON v.session_id = s.id",
        ])
        .output()
        .unwrap();
    assert!(
        times.status.success(),
        "{}",
        String::from_utf8_lossy(&times.stderr)
    );
    let text = String::from_utf8(times.stdout).unwrap();
    let sessions = w
        .conn()
        .query_row("SELECT count(*) FROM sessions", [], |r| r.get::<_, i64>(0))
        .unwrap();
    assert_eq!(text.lines().count() as i64, sessions);
    for line in text.lines() {
        let f: Vec<&str> = line.split('|').collect();
        // The shell's rendering of each integer is the one xcc writes everywhere else.
        assert_eq!(f[1], format_micros(f[0].parse().unwrap()), "{line}");
        assert_eq!(f[3], format_micros(f[2].parse().unwrap()), "{line}");
    }
}

/// The three kinds of file an analyst gets: the working file, a shared file with the
/// logged-in events, and one without events.
fn three_files() -> (Workspace, Vec<PathBuf>) {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let files = vec![
        w.db(),
        w.share("logged-in.db", &["--events", "logged-in"]),
        w.share("no-events.db", &["--events", "none"]),
    ];
    (w, files)
}

#[test]
fn duckdb_reads_every_table_and_view_as_sqlite_does_and_every_tool_parses_the_times() {
    let (_w, files) = three_files();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/integration/analyst_read.py"
    );
    let python = analysts_python();
    for file in &files {
        let result = Command::new(&python)
            .arg(script)
            .arg(file)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(result.status.success(), "{}: {stderr}", file.display());
        let got: Value = serde_json::from_slice(&result.stdout).unwrap();
        let objects = got["objects"].as_object().unwrap();
        // Every table and view of schema.sql and the shared file's own (at least these).
        assert!(objects.len() >= 25, "{objects:?}");
        for (name, read) in objects {
            for how in ["attach", "scan"] {
                assert_eq!(read[how], "ok", "{}: {name} through {how}", file.display());
            }
        }
        let xcc = run(&["metrics", "orders", "--db", file.to_str().unwrap()], b"").json();
        same_medians("DuckDB's v_metrics_orders", &got["medians"], &xcc);
        let times = &got["times"];
        assert!(times["sessions"].as_i64().unwrap() > 0);
        assert_eq!(times["pandas_dtype"], "datetime64[us, UTC]");
        let utc = "Datetime(time_unit='us', time_zone='UTC')";
        assert_eq!(times["polars_dtype"], utc);
        assert_eq!(times["polars_expr_dtype"], utc);
        for wrong in [
            "pandas_wrong",
            "polars_wrong",
            "duckdb_wrong",
            "sqlite_wrong_seconds",
        ] {
            assert_eq!(times[wrong], 0, "{}: {wrong}", file.display());
        }
    }
}

/// datasette's default limit for one SQL query is 1 s (`sql_time_limit_ms`); past it a page
/// is an error, not a 200.
#[test]
fn datasette_serves_every_table_and_view_of_a_million_line_file_within_its_time_limit() {
    let python = analysts_python();
    let w = Workspace::new();
    // Real-shaped (an own user agent and address on every line), streamed from the
    // generator into the ingest as a user would pipe them.
    let xcc = env!("CARGO_BIN_EXE_xcc");
    let made = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{xcc}' generate --events 1000000 --realistic | '{xcc}' ingest - --db '{}' --quiet",
            w.db_str()
        ))
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let names: Vec<String> = w
        .conn()
        .prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(names.len() >= 20, "{names:?}");
    let port = free_port();
    let mut datasette = Datasette(
        Command::new(python)
            .args([
                "-m",
                "datasette",
                "serve",
                "-i",
                &w.db_str(),
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start datasette"),
    );
    let base = format!("http://127.0.0.1:{port}");
    datasette.wait_until_listening(port);
    let db = w.db().file_stem().unwrap().to_str().unwrap().to_string();
    for name in names {
        let (status, _, body) = raw_request(&base, "GET", &format!("/{db}/{name}.json?_size=5"));
        assert_eq!(status, 200, "{name}: {}", &body[..body.len().min(300)]);
    }
}

/// A port no one listens on now (the kernel's pick; datasette takes it a moment later).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// datasette, stopped when the test ends.
struct Datasette(Child);

impl Datasette {
    /// Waits until it accepts connections (evidence, not a sleep), at most 60 s.
    fn wait_until_listening(&mut self, port: u16) {
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = self.0.try_wait().unwrap() {
                let mut stderr = String::new();
                std::io::Read::read_to_string(self.0.stderr.as_mut().unwrap(), &mut stderr)
                    .unwrap();
                panic!("datasette ended ({status}): {stderr}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "datasette did not listen within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Datasette {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Each ```python block of docs/analysts.md and the ```text block under it, in order.
fn python_examples(text: &str) -> Vec<(String, String)> {
    let mut examples = Vec::new();
    let mut blocks = text.split("```python\n").skip(1);
    for block in blocks.by_ref() {
        let (code, rest) = block.split_once("```").unwrap();
        let shown = rest
            .trim_start()
            .strip_prefix("```text\n")
            .and_then(|r| r.split_once("```"))
            .map_or("", |(shown, _)| shown);
        examples.push((code.to_string(), shown.to_string()));
    }
    examples
}

#[test]
fn the_python_examples_of_the_analysts_guide_print_what_it_shows() {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/analysts.md")).unwrap();
    let examples = python_examples(&guide);
    assert!(examples.len() >= 3, "{} Python examples", examples.len());
    // The guide's files: the real sample (sessions.db) and its shared file (analysts.db).
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    w.share("analysts.db", &["--events", "none"]);
    let dir = w.db().parent().unwrap().to_path_buf();
    for (i, (code, shown)) in examples.iter().enumerate() {
        let script = dir.join(format!("example{i}.py"));
        std::fs::write(&script, code).unwrap();
        let ran = Command::new(analysts_python())
            .arg(&script)
            .current_dir(&dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&ran.stderr);
        assert!(ran.status.success(), "example {i}:\n{code}\n{stderr}");
        assert_eq!(
            String::from_utf8_lossy(&ran.stdout).trim_end(),
            shown.trim_end(),
            "example {i}:\n{code}"
        );
    }
}
