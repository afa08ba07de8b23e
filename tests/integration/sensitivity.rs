//! GET /metrics/sensitivity (swept from the events in Rust) and the view v_sensitivity (the
//! same in SQL): customers worked by hand at every timeout, and each row against what
//! `xcc sessionize --timeout T` and `xcc metrics orders` give on a copy of the file, after a
//! first ingest, ingests of later and of late events, a change of the file's timeout and a
//! migration.

use serde_json::{json, Value};

use crate::util::{event, generated, iso, run, Served, Workspace};

fn ingest_lines(w: &Workspace, lines: &[String]) {
    let (out, _) = w.ingest("-", lines.join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
}

fn sensitivity(w: &Workspace) -> Vec<Value> {
    let out = run(&["metrics", "sensitivity", "--db", &w.db_str()], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()["timeouts"].as_array().unwrap().clone()
}

/// The rows of the view v_sensitivity, as `xcc export` writes them, each whole timeout as
/// the endpoint writes it: the view's column is REAL (a file's own timeout may be 1.5
/// minutes), so SQLite gives 10.0 where the JSON of the endpoint says 10.
fn view(w: &Workspace) -> Vec<Value> {
    let out = run(
        &[
            "export",
            "v_sensitivity",
            "--format",
            "json",
            "--db",
            &w.db_str(),
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut rows = out.json().as_array().unwrap().clone();
    for row in &mut rows {
        let minutes = row["timeout_minutes"].as_f64().unwrap();
        if minutes.fract() == 0.0 {
            row["timeout_minutes"] = json!(minutes as i64);
        }
    }
    rows
}

fn sessionize(db: &str, timeout: &str) {
    let out = run(
        &["sessionize", "--db", db, "--timeout", timeout, "--quiet"],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// What a rebuild of a copy of the file at `minutes` gives: its sessions, ordering sessions
/// and the two medians of `xcc metrics orders`, as a row of /metrics/sensitivity.
fn rebuilt_at(w: &Workspace, minutes: i64) -> Value {
    let copy = Workspace::new();
    std::fs::copy(w.db(), copy.db()).unwrap();
    sessionize(&copy.db_str(), &format!("{minutes}m"));
    let orders = run(&["metrics", "orders", "--db", &copy.db_str()], b"").json();
    json!({
        "timeout_minutes": minutes,
        "sessions": copy.count("SELECT count(*) FROM sessions"),
        "ordering_sessions": copy.count("SELECT count(*) FROM sessions WHERE order_count > 0"),
        "median_visits_before_order": orders["median_visits_before_order"],
        "median_session_duration_minutes_before_order":
            orders["median_session_duration_minutes_before_order"],
    })
}

const LISTED: [i64; 8] = [10, 15, 20, 30, 45, 60, 90, 120];

/// Every row of the endpoint equals a rebuild at its timeout, and the view's rows equal the
/// endpoint's.
fn assert_every_row_equals_a_rebuild(w: &Workspace) {
    assert_every_row_equals_a_rebuild_at(w, &LISTED);
}

/// As above, for a file whose rows are at the timeouts `timeouts` (minutes).
fn assert_every_row_equals_a_rebuild_at(w: &Workspace, timeouts: &[i64]) {
    let rows = sensitivity(w);
    assert_eq!(view(w), rows, "v_sensitivity against /metrics/sensitivity");
    assert_eq!(
        rows.iter()
            .map(|r| r["timeout_minutes"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        timeouts
    );
    for (row, &minutes) in rows.iter().zip(timeouts) {
        assert_eq!(row, &rebuilt_at(w, minutes), "at {minutes} minutes");
    }
}

/// Customer 1 (minutes): view 0, view 12, order 20, view 45, view 58, order 70, view 130; its
/// gaps are 12, 8, 25, 13, 12 and 60. Customer 2: view 0, order 5.
/// - 10 min (gaps ≥ 10: 12, 25, 13, 12, 60): customer 1 has sessions [0] [12 20] [45] [58]
///   [70] [130]; ordering are session 2 (2 visits) and 5 (3 visits); before the first order
///   0 + (20 − 12) = 8 minutes. With customer 2 (1 session, 1 visit, 5 minutes): 7
///   sessions, 3 ordering, visits [1, 2, 3] → median 2, minutes [5, 8] → 6.5.
/// - 15 and 20 min (gaps 25, 60): [0 12 20] [45 58 70] [130], both first sessions ordering
///   with 1 visit each, 20 minutes: 3 + 1 = 4 sessions, 3 ordering, visits [1, 1, 1] → 1,
///   minutes [5, 20] → 12.5. 25 min is the same (a gap of exactly 25 starts a session).
/// - 30, 45 and 60 min (gap 60): [0 … 70] [130]: 3 sessions, 2 ordering, 1, 12.5.
/// - 90 and 120 min: one session each: 2 sessions, 2 ordering, 1, 12.5.
#[test]
fn sensitivity_of_two_customers_worked_by_hand() {
    let m = 60;
    let w = Workspace::new();
    ingest_lines(
        &w,
        &[
            event(1, 1, 0, "page_view", None),
            event(2, 1, 12 * m, "page_view", None),
            event(3, 1, 20 * m, "placed_order", None),
            event(4, 1, 45 * m, "page_view", None),
            event(5, 1, 58 * m, "page_view", None),
            event(6, 1, 70 * m, "Placed_Order", None),
            event(7, 1, 130 * m, "page_view", None),
            event(8, 2, 0, "page_view", None),
            event(9, 2, 5 * m, "placed_order", None),
        ],
    );
    let row = |t: f64, sessions: i64, ordering: i64, visits: f64, minutes: f64| {
        let t = if t.fract() == 0.0 {
            json!(t as i64)
        } else {
            json!(t)
        };
        json!({
            "timeout_minutes": t,
            "sessions": sessions,
            "ordering_sessions": ordering,
            "median_visits_before_order": visits,
            "median_session_duration_minutes_before_order": minutes,
        })
    };
    let expected = vec![
        row(10.0, 7, 3, 2.0, 6.5),
        row(15.0, 4, 3, 1.0, 12.5),
        row(20.0, 4, 3, 1.0, 12.5),
        row(30.0, 3, 2, 1.0, 12.5),
        row(45.0, 3, 2, 1.0, 12.5),
        row(60.0, 3, 2, 1.0, 12.5),
        row(90.0, 2, 2, 1.0, 12.5),
        row(120.0, 2, 2, 1.0, 12.5),
    ];
    assert_eq!(sensitivity(&w), expected);

    // The file's own timeout joins the list when it is not in it, in order. 90 seconds is
    // 1.5 minutes, and every gap is 5 minutes or more: each event is a session of its own,
    // 9 sessions; customer 1 orders in sessions 3 and 6 (3 visits each), customer 2 in
    // session 2 (2 visits) → median 3; sessions last 0 and the orders start theirs → 0.
    sessionize(&w.db_str(), "25m");
    let mut with_own = expected.clone();
    with_own.insert(3, row(25.0, 4, 3, 1.0, 12.5));
    assert_eq!(sensitivity(&w), with_own);
    sessionize(&w.db_str(), "90s");
    let mut with_own = expected.clone();
    with_own.insert(0, row(1.5, 9, 3, 3.0, 0.0));
    assert_eq!(sensitivity(&w), with_own);

    // The server, the view and the command give the same rows.
    let served = Served::start(&w.db(), &[]);
    assert_eq!(
        served.get_json("/metrics/sensitivity")["timeouts"],
        json!(with_own)
    );
    assert_eq!(view(&w), with_own);
    assert_eq!(
        w.rows("SELECT timeout_minutes, sessions FROM v_sensitivity")[0],
        "Real(1.5)|Integer(9)"
    );
}

/// Events for `customers` customers, `days` after `from_unix`: each gets a page view, and
/// every third an order 20 minutes later, so that these events come after all the
/// customer's stored ones.
fn later_events(customers: &[i64], from_unix: i64, first_id: i64) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, customer) in customers.iter().enumerate() {
        let t = from_unix + i as i64 * 97;
        let id = first_id + 2 * i as i64;
        lines.push(format!(
            r#"{{"id": {id}, "type": "page_view", "event": {{"customer-id": {customer}, "timestamp": "{}"}}}}"#,
            iso(t)
        ));
        if i % 3 == 0 {
            lines.push(format!(
                r#"{{"id": {}, "type": "placed_order", "event": {{"customer-id": {customer}, "timestamp": "{}"}}}}"#,
                id + 1,
                iso(t + 20 * 60)
            ));
        }
    }
    lines
}

#[test]
fn every_row_equals_a_rebuild_at_its_timeout_after_every_change() {
    let w = Workspace::new();
    let first = w.write("first.jsonl", &generated(30_000, 71, 0));
    w.ingest(&first, b"");
    // The interesting rows are there: many ordering sessions at 10 minutes.
    assert!(sensitivity(&w)[0]["ordering_sessions"].as_i64().unwrap() > 150);
    assert_every_row_equals_a_rebuild(&w);

    // Later events for customers who have events. The gap after their last event varies by
    // customer, so some start a session and some do not.
    let (customers, last_unix): (Vec<i64>, i64) = {
        let conn = w.conn();
        let customers = conn
            .prepare("SELECT DISTINCT customer_id FROM sessions ORDER BY customer_id LIMIT 200")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let last: i64 = conn
            .query_row("SELECT max(ts_us) / 1000000 FROM events", [], |r| r.get(0))
            .unwrap();
        (customers, last)
    };
    ingest_lines(&w, &later_events(&customers, last_unix + 60, 5_000_000));
    assert_every_row_equals_a_rebuild(&w);

    // The same customers again, with events all over the month: late events.
    let late = w.write("late.jsonl", &generated(3_000, 72, 1_000_000));
    let (_, report) = w.ingest(&late, b"");
    assert!(report.unwrap()["customers_resessionized"].as_u64().unwrap() >= 15);
    let late_events: i64 = w.count("SELECT late_events FROM history ORDER BY id DESC LIMIT 1");
    assert!(late_events > 100, "{late_events}");
    assert_every_row_equals_a_rebuild(&w);

    // A new timeout for the file changes its sessions, not the rows at the listed timeouts.
    let before = sensitivity(&w);
    sessionize(&w.db_str(), "45m");
    assert_eq!(sensitivity(&w), before);
    assert_every_row_equals_a_rebuild(&w);

    // A timeout that is not one of the answer's adds its row. Then the first lines again:
    // nothing is stored, so the rows carried are not swept again, and still equal a rebuild.
    sessionize(&w.db_str(), "50m");
    let with_50 = [10, 15, 20, 30, 45, 50, 60, 90, 120];
    assert_every_row_equals_a_rebuild_at(&w, &with_50);
    let (_, report) = w.ingest(&first, b"");
    assert_eq!(report.unwrap()["stored"].as_u64(), Some(0));
    assert_every_row_equals_a_rebuild_at(&w, &with_50);
}

#[test]
fn a_migrated_file_answers_as_a_new_one() {
    let old = Workspace::with_version_1_file();
    let fresh = Workspace::new();
    fresh.ingest(crate::util::REAL_HEAD, b"");
    let (out, _) = old.ingest("-", b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        old.count("PRAGMA user_version"),
        xcc::store::schema::SCHEMA_VERSION
    );
    // Nothing is kept per customer; the answer's rows are carried, as a new file's are.
    assert_eq!(
        old.rows("SELECT * FROM sensitivity"),
        fresh.rows("SELECT * FROM sensitivity")
    );
    assert_eq!(old.count("SELECT count(*) FROM sensitivity"), 8);
    assert_eq!(sensitivity(&old), sensitivity(&fresh));
    assert_eq!(view(&old), sensitivity(&fresh));
}

#[test]
fn an_ingest_that_stores_nothing_carries_the_rows_again_when_they_are_gone() {
    // The rows are kept, not swept again, by an ingest that stores no event; but only when
    // the file carries them. Emptied by hand, the same lines again bring them back.
    let w = Workspace::new();
    let lines = w.write("lines.jsonl", &generated(3_000, 73, 0));
    w.ingest(&lines, b"");
    let carried = w.rows("SELECT * FROM sensitivity");
    assert_eq!(carried.len(), 8);
    w.conn().execute("DELETE FROM sensitivity", []).unwrap();
    let (out, report) = w.ingest(&lines, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(report.unwrap()["stored"].as_u64(), Some(0));
    assert_eq!(w.rows("SELECT * FROM sensitivity"), carried);
    assert_every_row_equals_a_rebuild(&w);
}
