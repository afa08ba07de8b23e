//! The .db file as analysts meet it: the sqlite3 shell, Python's sqlite3 module, exports,
//! the data dictionary, the views, and the offline demo.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::util::{run, Served, Workspace, REAL_HEAD};
use serde_json::Value;

fn sample() -> Workspace {
    let w = Workspace::new();
    let mut input = std::fs::read(REAL_HEAD).unwrap();
    // One bad line, so that the rejects table has something to show.
    input
        .extend_from_slice(b"{\"id\": 1, \"type\": \"x\", \"event\": {\"timestamp\": \"soon\"}}\n");
    let (out, _) = w.ingest("-", &input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    w
}

fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{name} is not installed; the analysts' clients are part of the test (apt-get install sqlite3 python3)"
    );
    Command::new(name)
}

#[test]
fn the_dictionary_describes_every_table_view_and_column_and_nothing_else() {
    let w = sample();
    let conn = w.conn();
    let mut objects: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view')
             AND name NOT LIKE 'sqlite_%'",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    objects.sort();
    let mut expected = Vec::new();
    for (name, kind) in &objects {
        expected.push(format!("{name}||{kind}"));
        let mut stmt = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{name}')"))
            .unwrap();
        for column in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            expected.push(format!("{name}|{}|column", column.unwrap()));
        }
    }
    expected.sort();
    let mut described: Vec<String> = conn
        .prepare("SELECT name || '|' || COALESCE(column_name, '') || '|' || kind FROM dictionary")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    described.sort();
    assert_eq!(described, expected);
    assert_eq!(
        w.count("SELECT count(*) FROM dictionary WHERE length(description) < 5"),
        0
    );
}

/// Analysts read the dictionary first: its first 20 rows, as the sqlite3 shell shows them,
/// are about the views they start with, not the bookkeeping; v_dictionary guarantees the
/// order, about first, then the two metrics' views, and the bookkeeping tables last.
#[test]
fn the_dictionary_starts_with_what_analysts_read() {
    let w = sample();
    let names = |sql: &str| -> Vec<String> {
        let out = tool("sqlite3")
            .args(["-readonly", &w.db_str(), sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.split('|').next().unwrap().to_string())
            .collect()
    };
    let first = names("SELECT * FROM dictionary LIMIT 20;");
    assert_eq!(first.len(), 20);
    assert!(
        first.iter().all(|n| n == "about" || n.starts_with("v_")),
        "{first:?}"
    );
    let mut order = names("SELECT name FROM v_dictionary;");
    order.dedup();
    assert_eq!(
        order[..4],
        [
            "about",
            "v_metrics_orders",
            "v_order_visits",
            "v_first_order"
        ]
    );
    assert_eq!(
        order[order.len() - 5..],
        ["meta", "ingests", "rejects", "ingest_blocks", "dictionary"]
    );
    // Every row of the dictionary, once.
    assert_eq!(
        w.count("SELECT count(*) FROM v_dictionary"),
        w.count("SELECT count(*) FROM dictionary")
    );
}

#[test]
fn the_sqlite3_shell_reads_the_file() {
    let w = sample();
    let out = tool("sqlite3")
        .args([
            "-readonly",
            "-separator",
            "|",
            &w.db_str(),
            "SELECT value FROM about WHERE item = 'events stored';",
            "SELECT count(*) FROM dictionary WHERE kind = 'view';",
            "SELECT count(*) FROM v_sessions;",
            "SELECT count(*) FROM v_order_visits;",
            "SELECT count(*) FROM v_first_order;",
            "SELECT count(*) FROM v_referrers;",
            "SELECT reason FROM rejects;",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "1152");
    assert_eq!(lines[1], "9", "about + eight analyst views");
    assert_eq!(
        lines[2],
        w.count("SELECT count(*) FROM sessions").to_string()
    );
    assert_eq!(
        lines[3],
        w.count("SELECT count(*) FROM sessions WHERE order_count > 0")
            .to_string()
    );
    assert_eq!(
        lines[4],
        w.count("SELECT count(DISTINCT customer_id) FROM sessions WHERE order_count > 0")
            .to_string()
    );
    assert_eq!(lines[6], "timestamp 'soon' is not ISO-8601");

    // The metrics' own SQL runs as is in the shell and agrees with `xcc metrics`.
    let sql = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/queries/orders.sql"))
        .unwrap();
    // As the README shows it: `sqlite3 sessions.db < queries/orders.sql`.
    let mut shell = tool("sqlite3")
        .args(["-readonly", "-json", &w.db_str()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut shell.stdin.take().unwrap(), sql.as_bytes()).unwrap();
    let out = shell.wait_with_output().unwrap();
    let shell: Value = serde_json::from_slice(&out.stdout).unwrap();
    let api = run(&["metrics", "orders", "--db", &w.db_str()], b"").json();
    assert_eq!(shell[0], api);
}

#[test]
fn pythons_sqlite3_module_reads_the_dictionary_and_every_view() {
    let w = sample();
    let script = r#"
import json, sqlite3, sys
con = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
views = [r[0] for r in con.execute("SELECT name FROM dictionary WHERE kind = 'view' ORDER BY name")]
out = {"views": {}}
for v in views:
    cur = con.execute(f'SELECT * FROM "{v}"')
    out["views"][v] = {"columns": [d[0] for d in cur.description], "rows": len(cur.fetchall())}
out["dictionary_rows"] = con.execute("SELECT count(*) FROM dictionary").fetchone()[0]
print(json.dumps(out))
"#;
    let out = tool("python3")
        .args(["-c", script, &w.db_str()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let views = v["views"].as_object().unwrap();
    assert_eq!(
        views.keys().collect::<Vec<_>>(),
        [
            "about",
            "v_dictionary",
            "v_first_order",
            "v_history",
            "v_metrics_orders",
            "v_order_visits",
            "v_referrers",
            "v_sensitivity",
            "v_sessions"
        ]
    );
    assert_eq!(
        views["v_sessions"]["rows"],
        w.count("SELECT count(*) FROM sessions")
    );
    assert_eq!(
        views["v_first_order"]["columns"],
        serde_json::json!([
            "customer_id",
            "session_id",
            "sessions_until_first_order",
            "minutes_before_first_order"
        ])
    );
    assert_eq!(
        v["dictionary_rows"],
        w.count("SELECT count(*) FROM dictionary")
    );
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

#[test]
fn the_api_and_the_views_agree() {
    let w = Workspace::new();
    let generated = run(&["generate", "--events", "20000", "--seed", "3"], b"");
    let (out, _) = w.ingest("-", generated.stdout.as_bytes());
    assert_eq!(out.code, 0);
    let server = Served::start(&w.db(), &["--quiet"]);

    let column = |sql: &str| -> Vec<f64> {
        let conn = w.conn();
        let mut stmt = conn.prepare(sql).unwrap();
        let values: Vec<f64> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        values
    };
    let orders = server.get_json("/metrics/orders");
    assert_eq!(
        orders["median_visits_before_order"].as_f64(),
        median(column("SELECT visits_before_order FROM v_order_visits"))
    );
    let minutes = median(column(
        "SELECT minutes_before_first_order FROM v_first_order",
    ))
    .unwrap();
    assert!(
        (orders["median_session_duration_minutes_before_order"]
            .as_f64()
            .unwrap()
            - minutes)
            .abs()
            < 1e-9
    );

    let referrers = server.get_json("/metrics/referrers");
    let view = run(
        &[
            "export",
            "v_referrers",
            "--format",
            "jsonl",
            "--db",
            &w.db_str(),
        ],
        b"",
    );
    let rows = view.json_lines();
    assert_eq!(referrers["referrers"].as_array().unwrap(), &rows);
    assert!(rows.len() > 3);
}

#[test]
fn export_writes_rfc_4180_csv_and_json_lines() {
    let w = sample();
    let out = run(&["export", "rejects", "--db", &w.db_str()], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out
        .stdout
        .starts_with("id,ingest_id,source,line_number,reason,raw\r\n"));

    // Python's csv module, an independent reader, gets the fields back exactly.
    let csv = run(&["export", "v_sessions", "--db", &w.db_str()], b"");
    let path = w.write("sessions.csv", csv.stdout.as_bytes());
    let out = tool("python3")
        .args([
            "-c",
            "import csv,json,sys; r=list(csv.reader(open(sys.argv[1], newline=''))); print(json.dumps([len(r), r[0], r[1]]))",
            &path,
        ])
        .output()
        .unwrap();
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed[0], w.count("SELECT count(*) FROM sessions") + 1);
    assert_eq!(parsed[1][0], "session_id");
    assert_eq!(parsed[1][13], "landing_page");
    let first = w.rows("SELECT session_id, started_at FROM v_sessions LIMIT 1");
    assert_eq!(
        first[0],
        format!(
            "Integer({})|Text({:?})",
            parsed[2][0].as_str().unwrap(),
            parsed[2][3].as_str().unwrap()
        )
    );

    // A value with a comma, quotes and a newline survives the round trip.
    let tricky = r#"{"id": 5, "type": "search", "event": {"timestamp": "2022-05-25T05:44:03", "query": "a, \"b\"\nc"}}"#;
    let t = Workspace::new();
    t.ingest("-", tricky.as_bytes());
    let csv = run(&["export", "events", "--db", &t.db_str()], b"");
    assert!(csv.stdout.contains("\"a, \"\"b\"\"\nc\""), "{}", csv.stdout);

    let jsonl = run(
        &["export", "events", "--format", "jsonl", "--db", &w.db_str()],
        b"",
    );
    let lines = jsonl.json_lines();
    assert_eq!(lines.len(), 1152);
    assert!(lines
        .iter()
        .all(|l| l["id"].is_i64() && l["type"].is_string()));

    let out = run(&["export", "secrets", "--db", &w.db_str()], b"");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(&format!(
            "xcc: {} has no table or view named 'secrets'; choose one of: about,",
            w.db_str()
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn the_demo_runs_offline_in_one_command() {
    let w = Workspace::new();
    let db = w.path("demo.db");
    let mut child = crate::util::xcc()
        .args(["demo", "--events", "5000", "--addr", "127.0.0.1:0", "--db"])
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut url = None;
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        if line.contains("Ready. Where to look:") {
            break;
        }
        if let Some(i) = line.find("on http://") {
            url = line[i + 3..].split_whitespace().next().map(str::to_string);
        }
        line.clear();
    }
    let base = url.unwrap_or_else(|| panic!("no address in: {seen}"));
    assert!(seen.contains("5,000 stored"), "{seen}");
    let (status, _, body) =
        crate::util::raw_request(base.trim_end_matches('/'), "GET", "/metrics/orders");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(v["median_visits_before_order"].as_f64().unwrap() >= 1.0);
    assert!(db.exists());
}

#[test]
fn query_runs_read_only_sql_in_every_format() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let db = w.db_str();
    let query =
        |sql: &str, format: &str| run(&["query", sql, "--db", &db, "--format", format], b"");
    let sessions = w.count("SELECT count(*) FROM sessions");

    let out = query("SELECT count(*) AS sessions FROM sessions", "table");
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A header padded to the widest cell, a rule, the value.
    let width = "sessions".len().max(sessions.to_string().len());
    assert_eq!(
        out.stdout,
        format!("sessions\n{}\n{sessions}\n", "-".repeat(width))
    );
    let out = query(
        "SELECT session_id, customer_id FROM v_sessions ORDER BY session_id LIMIT 3",
        "csv",
    );
    let lines: Vec<&str> = out.stdout.split("\r\n").collect();
    assert_eq!(lines[0], "session_id,customer_id");
    assert_eq!(
        lines.len(),
        5,
        "header, 3 rows and the empty rest: {:?}",
        out.stdout
    );
    let out = query("SELECT * FROM v_metrics_orders", "json");
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let api = run(&["metrics", "orders", "--db", &db], b"").json();
    assert_eq!(
        json[0]["median_visits_before_order"],
        api["median_visits_before_order"]
    );
    let out = query(
        "SELECT name FROM dictionary WHERE kind = 'view' ORDER BY name",
        "jsonl",
    );
    // about, v_dictionary, v_first_order, v_history, v_metrics_orders, v_order_visits,
    // v_referrers, v_sensitivity, v_sessions.
    assert_eq!(out.stdout.lines().count(), 9);

    // Writing is refused by SQLite itself, in one sentence, and changes nothing.
    let before = w.snapshot();
    for sql in [
        "DELETE FROM events",
        "DROP VIEW v_sessions",
        "UPDATE meta SET value = 'x'",
    ] {
        let out = query(sql, "table");
        assert_eq!(out.code, 1, "{sql}");
        assert_eq!(
            out.stderr.trim(),
            "xcc: cannot run the query: attempt to write a readonly database",
            "{sql}"
        );
    }
    assert_eq!(w.snapshot(), before);
    let out = query("SELEC 1", "table");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("xcc: cannot run the query: near \"SELEC\": syntax error"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.trim().lines().count(), 1);
}
