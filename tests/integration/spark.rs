//! The sessions and metrics of queries/spark/ on Spark (local mode, two cores), proven equal to
//! xcc's on the same files: the sessions row by row at two timeouts, both medians, every
//! referrer row, and the lines read, stored, counted as duplicates and rejected by reason.
//! Spark starts once (about 20 s) for all of it. It runs scripts/spark_metrics.py with the
//! Python that `scripts/test` prepares (.venv-spark, pyspark from PyPI); without it the test
//! fails and says how to get it, it never skips.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{close, generated, iso, run, Workspace};

/// The Python with pyspark: XCC_SPARK_PYTHON, or the virtualenv scripts/test makes.
fn spark_python() -> PathBuf {
    if let Ok(python) = std::env::var("XCC_SPARK_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-spark/bin/python");
    assert!(
        venv.exists(),
        "the Spark test needs pyspark: run scripts/test, which makes {} (or set XCC_SPARK_PYTHON to a Python that has pyspark 3.5)",
        venv.display()
    );
    venv
}

/// An event line at `seconds` after 2022-05-01T00:00:00Z, or at a timestamp given as text.
fn line(id: i64, customer: i64, kind: &str, timestamp: &str, referrer: Option<&str>) -> String {
    let referrer = referrer.map_or(String::new(), |r| format!(r#", "referrer": "{r}""#));
    format!(
        r#"{{"id": {id}, "type": "{kind}", "event": {{"customer-id": {customer}, "timestamp": "{timestamp}"{referrer}}}}}"#
    )
}

fn at(seconds: i64) -> String {
    iso(1_651_363_200 + seconds)
}

/// The cases the rules are about, for customers of their own.
fn edge_cases() -> Vec<String> {
    let m = 60;
    vec![
        // A gap of exactly 30:00 starts a session at 30m; 29:59.999999 does not.
        line(8_000_001, 900_001, "page_view", &at(0), None),
        line(8_000_002, 900_001, "page_view", &at(30 * m), None),
        line(
            8_000_003,
            900_001,
            "page_view",
            &format!("{}.999999", at(60 * m - 1)),
            None,
        ),
        // The type in any case.
        line(8_000_004, 900_001, "Placed_Order", &at(61 * m), None),
        line(
            8_000_005,
            900_001,
            "PAGE_VIEW",
            &at(62 * m),
            Some("https://Shop.Example/x"),
        ),
        // Equal timestamps: taken in id order, whatever the line order.
        line(
            8_000_007,
            900_002,
            "placed_order",
            &at(3_600),
            Some("HTTPS://user:pw@News.Example.org:8080/a?b#c"),
        ),
        line(8_000_006, 900_002, "page_view", &at(3_600), None),
        // Offsets and nine fraction digits (truncated to the microsecond).
        line(
            8_000_008,
            900_003,
            "page_view",
            "2022-05-01T12:00:00.123456789+02:00",
            Some("//cdn.example./a"),
        ),
        line(
            8_000_009,
            900_003,
            "page_view",
            "2022-05-01T10:29:00Z",
            Some("http://[::1]:80/"),
        ),
        line(
            8_000_010,
            900_003,
            "placed_order",
            "2022-05-01T06:20:00.5-04:00",
            None,
        ),
        // A duplicate (the same event again) and a conflict (the same id, other content).
        line(8_000_011, 900_004, "page_view", &at(7_200), None),
        line(8_000_011, 900_004, "page_view", &at(7_200), None),
        line(8_000_011, 900_004, "search", &at(7_200), None),
        // Lines xcc rejects, and why.
        r#"{"id": 8000012, "type": "page_view""#.to_string(),
        r#"{"id": 8000013, "type": "page_view", "event": {"customer-id": 900005}}"#.to_string(),
        line(8_000_014, 900_005, "page_view", "yesterday", None),
        line(8_000_015, 900_005, "page_view", "2022-02-30T00:00:00", None),
    ]
}

/// xcc's reasons as kinds Spark can tell apart.
fn kind_of(reason: &str) -> &'static str {
    if reason.starts_with("invalid JSON") {
        "invalid JSON"
    } else if reason == "missing field event.timestamp" {
        "missing field event.timestamp"
    } else if reason.ends_with("is not ISO-8601") {
        "timestamp is not ISO-8601"
    } else if reason.ends_with("is not a real date and time") {
        "timestamp is not a real date and time"
    } else if reason.ends_with("already stored with different content") {
        "id already stored with different content"
    } else {
        panic!("a reason the Spark test has no kind for: {reason}")
    }
}

#[test]
fn spark_gives_the_sessions_and_metrics_of_xcc() {
    let w = Workspace::new();
    let input = w.path("events");
    std::fs::create_dir(&input).unwrap();
    // Later parts hold events older than the first part's latest (late events), and one
    // part holds the edge cases. xcc ingests them in name order, Spark reads the glob.
    let parts = [
        ("part-1.jsonl", generated(20_000, 91, 0)),
        ("part-2.jsonl", generated(3_000, 92, 1_000_000)),
        (
            "part-3.jsonl",
            (edge_cases().join("\n") + "\n").into_bytes(),
        ),
    ];
    for (name, bytes) in &parts {
        let path = input.join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = run(
            &[
                "ingest",
                path.to_str().unwrap(),
                "--db",
                &w.db_str(),
                "--quiet",
            ],
            b"",
        );
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
    }

    let csv = w.path("spark-{timeout}.csv");
    let out = Command::new(spark_python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/spark_metrics.py"
        ))
        .arg(input.join("*.jsonl"))
        .args(["--timeout", "30m,10m", "--sessions-csv"])
        .arg(&csv)
        .env("XCC_SPARK_MASTER", "local[2]")
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "spark_metrics.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 2, "{stdout}");

    // The lines: read, stored, duplicates, and the rejects by kind.
    let ledger = w.rows("SELECT sum(lines_read), sum(stored), sum(duplicates) FROM ingests");
    let spark = &answers[0];
    assert_eq!(
        ledger[0],
        format!(
            "Integer({})|Integer({})|Integer({})",
            spark["lines_read"], spark["stored"], spark["duplicates"]
        )
    );
    let mut rejected: BTreeMap<String, i64> = BTreeMap::new();
    for reason in w.rows("SELECT reason FROM rejects") {
        let reason = reason.trim_start_matches("Text(\"").trim_end_matches("\")");
        *rejected.entry(kind_of(reason).to_string()).or_default() += 1;
    }
    assert_eq!(rejected.len(), 5, "{rejected:?}");
    assert_eq!(
        serde_json::to_value(&rejected).unwrap(),
        spark["rejected"],
        "rejects by kind"
    );

    for (answer, timeout) in answers.iter().zip(["30m", "10m"]) {
        assert_eq!(answer["timeout"], timeout);
        let copy = Workspace::new();
        std::fs::copy(w.db(), copy.db()).unwrap();
        let out = run(
            &[
                "sessionize",
                "--db",
                &copy.db_str(),
                "--timeout",
                timeout,
                "--quiet",
            ],
            b"",
        );
        assert_eq!(out.code, 0, "{}", out.stderr);

        // The sessions, row by row: the same CSV, byte for byte.
        let xcc = run(
            &[
                "export",
                "sessions",
                "--format",
                "csv",
                "--db",
                &copy.db_str(),
            ],
            b"",
        );
        let spark_csv =
            std::fs::read_to_string(csv.to_str().unwrap().replace("{timeout}", timeout)).unwrap();
        assert!(xcc.stdout.lines().count() > 1000, "{timeout}");
        if xcc.stdout != spark_csv {
            let first = xcc
                .stdout
                .lines()
                .zip(spark_csv.lines())
                .find(|(a, b)| a != b);
            panic!("{timeout}: the sessions differ, first at {first:?}");
        }

        let orders = run(&["metrics", "orders", "--db", &copy.db_str()], b"").json();
        for key in [
            "median_visits_before_order",
            "median_session_duration_minutes_before_order",
        ] {
            assert!(
                close(&orders[key], &answer["orders"][key]),
                "{timeout} {key}: xcc {} spark {}",
                orders[key],
                answer["orders"][key]
            );
        }
        let referrers = run(&["metrics", "referrers", "--db", &copy.db_str()], b"").json();
        let (xcc_rows, spark_rows) = (
            referrers["referrers"].as_array().unwrap(),
            answer["referrers"]["referrers"].as_array().unwrap(),
        );
        assert_eq!(xcc_rows.len(), spark_rows.len(), "{timeout}");
        // Every field Spark computes; the rank tests and intervals are xcc's alone (computed
        // in Rust, checked against SciPy in tests/integration/statistics.rs).
        for (a, b) in xcc_rows.iter().zip(spark_rows) {
            let fields = b.as_object().unwrap();
            assert_eq!(fields.len(), 7, "{timeout}: {b}");
            for (key, value) in fields {
                assert!(close(&a[key], value), "{timeout} {key}: {a} vs {b}");
            }
        }
    }
}
