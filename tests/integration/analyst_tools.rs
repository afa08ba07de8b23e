//! A shared file opens in the tools analysts use, each run here: the sqlite3 shell, Python's
//! sqlite3 with pandas' read_sql, and DuckDB (over the pandas frames: the DuckDB package reads
//! SQLite files only through its sqlite extension, which is a download). Each gives the medians
//! of `xcc metrics orders` and sees the session times that v_sessions renders from the stored
//! microseconds (schema version 6 stores no text that only renders an integer). The Python comes from scripts/test (.venv-analysts) or
//! XCC_ANALYSTS_PYTHON (`needs::analysts_python`); without it the test fails and says how to get it.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use xcc::format::calendar::format_micros;

use crate::analysts::tool;
use crate::util::{run, Workspace, REAL_HEAD};

/// The real sample, shared with its logged-in events.
fn shared_sample() -> (Workspace, PathBuf, Value) {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let out = w.path("analysts.db");
    let shared = run(
        &[
            "share",
            "--db",
            &w.db_str(),
            "--out",
            out.to_str().unwrap(),
            "--events",
            "logged-in",
        ],
        b"",
    );
    assert_eq!(shared.code, 0, "{}", shared.stderr);
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

#[test]
fn pandas_and_duckdb_give_the_medians_of_a_shared_file() {
    let (w, out, xcc) = shared_sample();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/integration/analyst_tools.py"
    );
    let python = crate::needs::analysts_python(
        "analyst_tools::pandas_and_duckdb_give_the_medians_of_a_shared_file",
        &["pandas", "duckdb"],
    );
    let result = Command::new(&python)
        .arg(script)
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let got: Value = serde_json::from_slice(&result.stdout).unwrap();
    same_medians("the view read by pandas", &got["view"], &xcc);
    // pandas and DuckDB take the medians themselves, over the rows of the two order views.
    same_medians("pandas", &got["pandas"], &xcc);
    same_medians("DuckDB", &got["duckdb"], &xcc);

    let conn = w.conn();
    let sessions: i64 = conn
        .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert!(sessions > 0);
    assert_eq!(got["pandas"]["sessions"], sessions);
    assert_eq!(got["duckdb"]["sessions"], sessions);
    let columns: Vec<&str> = got["pandas"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for column in [
        "started_at",
        "ended_at",
        "first_order_at",
        "duration_minutes",
    ] {
        assert!(columns.contains(&column), "{columns:?}");
    }
    let first_us = got["pandas"]["first_started_us"].as_i64().unwrap();
    assert_eq!(got["pandas"]["first_started_at"], format_micros(first_us));
}
