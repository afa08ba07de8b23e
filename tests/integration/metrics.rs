//! The metrics over HTTP and on the command line: the brief's worked example, edge cases,
//! random data against a straightforward computation written here, and the server's errors.

use std::collections::BTreeMap;
use std::thread;

use crate::util::{
    brief_picture, close, event, generated, median, median_ci95, percentile, raw_request, run, Rng,
    Served, Workspace, REAL_HEAD,
};
use serde_json::{json, Value};

fn ingest_lines(w: &Workspace, lines: &[String]) {
    let (out, _) = w.ingest("-", lines.join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn the_brief_picture_over_http() {
    let w = Workspace::new();
    ingest_lines(&w, &brief_picture());
    let server = Served::start(&w.db(), &[]);
    let (status, headers, body) = server.request("GET", "/metrics/orders");
    assert_eq!(status, 200);
    assert!(headers.contains(&("content-type".into(), "application/json".into())));
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["median_visits_before_order"].as_f64(), Some(2.0));
    assert_eq!(
        v["median_session_duration_minutes_before_order"].as_f64(),
        Some(47.5)
    );
    assert_eq!(
        v.as_object().unwrap().len(),
        2,
        "exactly the two fields: {body}"
    );
    // The command line prints the same JSON.
    let out = run(&["metrics", "orders", "--db", &w.db_str()], b"");
    assert_eq!(out.json(), v);
}

#[test]
fn no_orders_gives_nulls_and_an_order_in_the_first_session_counts_one_visit() {
    let w = Workspace::new();
    ingest_lines(
        &w,
        &[
            event(1, 1, 0, "page_view", None),
            event(2, 1, 600, "search", None),
        ],
    );
    let out = run(&["metrics", "orders", "--db", &w.db_str()], b"");
    let v = out.json();
    assert_eq!(v["median_visits_before_order"], Value::Null);
    assert_eq!(
        v["median_session_duration_minutes_before_order"],
        Value::Null
    );

    let w = Workspace::new();
    ingest_lines(
        &w,
        &[
            event(1, 1, 0, "page_view", None),
            event(2, 1, 450, "page_view", None),
            event(3, 1, 450, "placed_order", None),
            event(4, 1, 900, "page_view", None),
        ],
    );
    let v = run(&["metrics", "orders", "--db", &w.db_str()], b"").json();
    assert_eq!(v["median_visits_before_order"].as_f64(), Some(1.0));
    assert_eq!(
        v["median_session_duration_minutes_before_order"].as_f64(),
        Some(7.5)
    );
}

/// The definitions, computed the plain way from the same events.
struct Expected {
    visits: Option<f64>,
    minutes: Option<f64>,
    /// host → (sessions, ordering sessions, durations in minutes)
    referrers: BTreeMap<String, (usize, usize, Vec<f64>)>,
}

/// (customer, microseconds, id, is_order, referrer)
type Ev = (i64, i64, i64, bool, Option<String>);

fn expected(events: &[Ev]) -> Expected {
    let mut by_customer: BTreeMap<i64, Vec<&Ev>> = BTreeMap::new();
    for e in events {
        by_customer.entry(e.0).or_default().push(e);
    }
    let mut visits = Vec::new();
    let mut minutes = Vec::new();
    let mut referrers: BTreeMap<String, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for evs in by_customer.values_mut() {
        evs.sort_by_key(|e| (e.1, e.2));
        // Sessions as lists of events.
        let mut sessions: Vec<Vec<&Ev>> = Vec::new();
        for e in evs.iter() {
            match sessions.last_mut() {
                Some(s) if e.1 - s.last().unwrap().1 < 1_800_000_000 => s.push(e),
                _ => sessions.push(vec![e]),
            }
        }
        let mut since_last_order = 0;
        let mut before_first = 0.0;
        let mut first_found = false;
        for s in &sessions {
            since_last_order += 1;
            let duration = (s.last().unwrap().1 - s[0].1) as f64 / 60e6;
            let first_order = s.iter().find(|e| e.3);
            if let Some(order) = first_order {
                visits.push(since_last_order as f64);
                since_last_order = 0;
                if !first_found {
                    minutes.push(before_first + (order.1 - s[0].1) as f64 / 60e6);
                    first_found = true;
                }
            } else if !first_found {
                before_first += duration;
            }
            let host = s
                .iter()
                .find_map(|e| e.4.clone())
                .map_or("(direct)".to_string(), |r| {
                    r.trim_start_matches("https://")
                        .split('/')
                        .next()
                        .unwrap()
                        .to_lowercase()
                });
            let entry = referrers.entry(host).or_default();
            entry.0 += 1;
            entry.1 += first_order.is_some() as usize;
            entry.2.push(duration);
        }
    }
    Expected {
        visits: median(visits),
        minutes: median(minutes),
        referrers,
    }
}

#[test]
fn sql_equals_a_plain_computation_on_random_data() {
    let hosts = [
        "https://www.google.com/a",
        "https://Google.com",
        "https://bing.com/x",
    ];
    for seed in 1..=8u64 {
        let mut rng = Rng(seed * 104_729);
        let mut events: Vec<Ev> = Vec::new();
        let mut lines = Vec::new();
        let customers = 1 + rng.below(12) as i64;
        let mut id = 1;
        for customer in 1..=customers {
            let mut t = rng.below(3600) as i64;
            for _ in 0..rng.below(30) {
                t += (rng.below(50 * 4) * 15) as i64;
                let order = rng.below(9) == 0;
                let referrer = (rng.below(7) == 0).then(|| hosts[rng.below(3) as usize]);
                let kind = if order { "placed_order" } else { "page_view" };
                lines.push(event(id, customer, t, kind, referrer));
                events.push((
                    customer,
                    t * 1_000_000,
                    id,
                    order,
                    referrer.map(str::to_string),
                ));
                id += 1;
            }
        }
        rng.shuffle(&mut lines);
        let w = Workspace::new();
        ingest_lines(&w, &lines);
        let want = expected(&events);

        let orders = run(&["metrics", "orders", "--db", &w.db_str()], b"").json();
        assert!(
            close(&orders["median_visits_before_order"], &json!(want.visits)),
            "seed {seed}: {orders} vs {:?}",
            want.visits
        );
        assert!(
            close(
                &orders["median_session_duration_minutes_before_order"],
                &json!(want.minutes)
            ),
            "seed {seed}: {orders} vs {:?}",
            want.minutes
        );

        let referrers = run(&["metrics", "referrers", "--db", &w.db_str()], b"").json();
        let rows = referrers["referrers"].as_array().unwrap();
        assert_eq!(rows.len(), want.referrers.len(), "seed {seed}");
        for row in rows {
            let host = row["referrer_host"].as_str().unwrap();
            let (sessions, ordering, durations) = &want.referrers[host];
            assert_eq!(row["sessions"].as_u64(), Some(*sessions as u64), "{host}");
            assert_eq!(row["ordering_sessions"].as_u64(), Some(*ordering as u64));
            let mean = durations.iter().sum::<f64>() / durations.len() as f64;
            assert!(close(&row["mean_minutes"], &json!(mean)), "{row}");
            assert!(close(
                &row["median_minutes"],
                &json!(median(durations.clone()))
            ));
            assert!(
                close(&row["p90_minutes"], &json!(percentile(durations, 0.9))),
                "seed {seed} {host}: {row} vs {}",
                percentile(durations, 0.9)
            );
        }
    }
}

#[test]
fn every_endpoint_and_every_error_status_over_a_real_socket() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let server = Served::start(&w.db(), &[]);

    let summary = server.get_json("/metrics/summary");
    assert_eq!(summary["events_stored"], 1152);
    assert_eq!(summary["session_timeout_seconds"], 1800);
    assert_eq!(summary["first_event_at"], "2022-05-14T12:53:33.648681Z");
    let referrers = server.get_json("/metrics/referrers");
    assert!(referrers["referrers"].as_array().unwrap().len() > 1);
    assert_eq!(server.get_json("/health")["status"], "ok");
    let openapi = server.get_json("/openapi.json");
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3."));
    // Every endpoint the server answers is described, with its parameters where it has any.
    let help = run(&["serve", "--help"], b"").stdout;
    let documented: Vec<&String> = openapi["paths"].as_object().unwrap().keys().collect();
    assert_eq!(documented.len(), 14, "{documented:?}");
    for path in [
        "/",
        "/health",
        "/openapi.json",
        "/favicon.ico",
        "/dashboard.js",
        "/dashboard.css",
        "/metrics/summary",
        "/metrics/history",
        "/metrics/sensitivity",
        "/metrics/orders",
        "/metrics/orders/detail",
        "/metrics/referrers",
        "/metrics/daily",
        "/metrics/distributions",
    ] {
        let get = &openapi["paths"][path]["get"];
        assert!(get["responses"]["200"].is_object(), "{path}");
        let filtered = path.starts_with("/metrics/")
            && ![
                "/metrics/summary",
                "/metrics/history",
                "/metrics/sensitivity",
            ]
            .contains(&path);
        assert_eq!(
            get["parameters"].as_array().map(Vec::len),
            filtered.then_some(3),
            "{path}"
        );
        // A 400 everywhere but on the page, which takes any query string (for its script).
        assert_eq!(get["responses"]["400"].is_object(), path != "/", "{path}");
        for status in ["414", "421", "431"] {
            assert!(get["responses"][status].is_object(), "{path} {status}");
        }
        assert_eq!(
            get["responses"]["503"].is_object(),
            path.starts_with("/metrics/"),
            "{path}"
        );
        assert_eq!(server.request("GET", path).0, 200, "{path}");
        assert!(help.contains(path), "serve --help does not name {path}");
    }

    let cases = [
        ("GET", "/nope", 404),
        ("GET", "/metrics", 404),
        ("GET", "/metrics/orders?x=1", 400),
        ("POST", "/metrics/orders", 405),
        ("DELETE", "/health", 405),
    ];
    for (method, path, want) in cases {
        let (status, headers, body) = server.request(method, path);
        assert_eq!(status, want, "{method} {path}: {body}");
        assert!(
            headers.contains(&("content-type".into(), "application/json".into())),
            "{method} {path}"
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert!(v["error"].is_string(), "{body}");
        if want == 405 {
            assert!(headers.contains(&("allow".into(), "GET, HEAD".into())));
        }
    }
}

#[test]
fn many_concurrent_requests_are_all_answered_correctly() {
    let w = Workspace::new();
    ingest_lines(&w, &brief_picture());
    let server = Served::start(&w.db(), &["--threads", "4", "--quiet"]);
    let base = server.base.clone();
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let base = base.clone();
            thread::spawn(move || {
                for _ in 0..50 {
                    let (status, _, body) = raw_request(&base, "GET", "/metrics/orders");
                    assert_eq!(status, 200);
                    let v: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(v["median_session_duration_minutes_before_order"], 47.5);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
}

#[test]
fn an_ingest_while_serving_shows_in_the_next_response() {
    let w = Workspace::new();
    let picture = brief_picture();
    // user-1 only: one ordering session, 2 visits, 50 minutes.
    ingest_lines(&w, &picture[..8]);
    let server = Served::start(&w.db(), &["--quiet"]);
    let before = server.get_json("/metrics/orders");
    assert_eq!(before["median_session_duration_minutes_before_order"], 50.0);
    ingest_lines(&w, &picture[8..]);
    let after = server.get_json("/metrics/orders");
    assert_eq!(after["median_session_duration_minutes_before_order"], 47.5);
    assert_eq!(server.get_json("/metrics/summary")["ingests"], 2);
}

#[test]
fn start_up_failures_are_one_sentence() {
    let w = Workspace::new();
    let out = run(&["serve", "--db", &w.db_str()], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!("xcc: {}", xcc::store::missing_database(&w.db()))
    );

    let other = w.path("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let out = run(&["serve", "--db", other.to_str().unwrap()], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "xcc: {} is not an xcc database (it is an SQLite file with other tables)",
            other.display()
        )
    );

    w.ingest(REAL_HEAD, b"");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = run(&["serve", "--db", &w.db_str(), "--addr", &addr], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!("xcc: cannot listen on {addr}: the address is already in use (is another xcc serve running? choose another port with --addr)")
    );

    let out = run(
        &[
            "metrics",
            "orders",
            "--db",
            &w.path("none.db").to_string_lossy(),
        ],
        b"",
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("xcc: database "), "{}", out.stderr);
}

/// The order rows as schema version 2 computed them on every read: window functions over
/// all sessions (the definitions of the README), written out here independently of
/// queries/sessions/.
const ORDER_VISITS_BY_WINDOWS: &str = "
    SELECT customer_id, id, session_number,
           ROW_NUMBER() OVER w,
           session_number - COALESCE(LAG(session_number) OVER w, 0)
    FROM sessions WHERE order_count > 0
    WINDOW w AS (PARTITION BY customer_id ORDER BY session_number)
    ORDER BY customer_id, session_number";
const FIRST_ORDER_BY_WINDOWS: &str = "
    SELECT customer_id, id, session_number,
           (COALESCE(earlier, 0) + (first_order_us - started_us)) / 60000000.0
    FROM (SELECT *,
                 SUM(ended_us - started_us) OVER (PARTITION BY customer_id ORDER BY session_number
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier,
                 MIN(CASE WHEN order_count > 0 THEN session_number END)
                     OVER (PARTITION BY customer_id) AS first_ordering
          FROM sessions)
    WHERE session_number = first_ordering
    ORDER BY customer_id";

fn assert_order_rows_match_windows(w: &Workspace) {
    assert_eq!(
        w.rows("SELECT customer_id, session_id, session_number, order_number, visits_before_order FROM v_order_visits ORDER BY customer_id, order_number"),
        w.rows(ORDER_VISITS_BY_WINDOWS)
    );
    assert_eq!(
        w.rows("SELECT * FROM v_first_order ORDER BY customer_id"),
        w.rows(FIRST_ORDER_BY_WINDOWS)
    );
}

#[test]
fn the_order_rows_equal_window_functions_over_all_sessions_after_every_change() {
    let w = Workspace::new();
    let parts = [
        generated(20_000, 11, 0),
        // The same customers again, with ids of their own: late and new events for them.
        generated(3_000, 12, 1_000_000),
        generated(500, 13, 2_000_000),
    ];
    for (i, part) in parts.iter().enumerate() {
        let file = w.write(&format!("part{i}.jsonl"), part);
        let (_, report) = w.ingest(&file, b"");
        assert!(report.unwrap()["customers_resessionized"].as_u64().unwrap() > 0);
        assert!(w.count("SELECT count(*) FROM order_visits") > 100);
        assert_order_rows_match_windows(&w);
    }
    for timeout in ["10m", "2h"] {
        let out = run(
            &[
                "sessionize",
                "--db",
                &w.db_str(),
                "--timeout",
                timeout,
                "--quiet",
            ],
            b"",
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_order_rows_match_windows(&w);
    }
}

#[test]
fn the_view_v_metrics_orders_gives_the_two_medians_of_the_api() {
    // The brief's picture: visits per ordering session 2 (user-1), 1 and 2 (user-2), median
    // 2; minutes before the first order 30 + 20 = 50 and 45, median 47.5.
    let w = Workspace::new();
    ingest_lines(&w, &brief_picture());
    assert_eq!(
        w.rows("SELECT * FROM v_metrics_orders"),
        ["Real(2.0)|Real(47.5)"]
    );
    // Random data: the view and `xcc metrics orders` both give the medians computed here,
    // from the generated lines, by `expected` (the spec's definitions written out in Rust).
    let w = Workspace::new();
    let input = generated(5_000, 21, 0);
    let file = w.write("events.jsonl", &input);
    w.ingest(&file, b"");
    let want = expected(&events_of(&input));
    assert!(want.visits.is_some() && want.minutes.is_some());
    let out = run(&["metrics", "orders", "--db", &w.db_str()], b"");
    let api = out.json();
    let (visits, minutes): (f64, f64) = w
        .conn()
        .query_row("SELECT * FROM v_metrics_orders", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    for (what, got) in [
        ("view", (Some(visits), Some(minutes))),
        (
            "api",
            (
                api["median_visits_before_order"].as_f64(),
                api["median_session_duration_minutes_before_order"].as_f64(),
            ),
        ),
    ] {
        assert!(
            close(&json!(got.0), &json!(want.visits)) && close(&json!(got.1), &json!(want.minutes)),
            "{what}: {got:?} vs {:?}",
            (want.visits, want.minutes)
        );
    }
}

/// The events of generated JSON lines that have a customer (the others are not
/// sessionized), their timestamps read by `time`, not by xcc.
fn events_of(input: &[u8]) -> Vec<Ev> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]"
    );
    let mut events = Vec::new();
    for line in std::str::from_utf8(input).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let Some(customer) = v["event"]["customer-id"].as_i64() else {
            continue;
        };
        let at = time::PrimitiveDateTime::parse(v["event"]["timestamp"].as_str().unwrap(), format)
            .unwrap_or_else(|e| panic!("{e}: {line}"))
            .assume_utc();
        events.push((
            customer,
            (at.unix_timestamp_nanos() / 1_000) as i64,
            v["id"].as_i64().unwrap(),
            v["type"] == "placed_order",
            v["event"]["referrer"].as_str().map(str::to_string),
        ));
    }
    events
}

#[test]
fn orders_detail_gives_the_spread_of_the_brief_picture() {
    let w = Workspace::new();
    ingest_lines(&w, &brief_picture());
    let server = Served::start(&w.db(), &[]);
    let detail = server.get_json("/metrics/orders/detail");
    // Visits per ordering session: 2 (user-1), 1 and 2 (user-2), sorted 1, 2, 2.
    // p25: h = 0.5 → 1 + 0.5 · (2 - 1) = 1.5; p50: h = 1 → 2; p75: h = 1.5 → 2; p90: h = 1.8 → 2.
    // Under 6 values no interval of the median: P(B ≤ 0) = 2⁻³ > 0.025.
    assert_eq!(
        detail["visits_before_order"],
        serde_json::json!({"n": 3, "p25": 1.5, "p50": 2.0, "p75": 2.0, "p90": 2.0,
                           "mean": 5.0 / 3.0, "min": 1, "max": 2, "p50_ci95": null})
    );
    // Minutes before the first order: 45 (user-2) and 50 (user-1).
    // p25: h = 0.25 → 45 + 0.25 · 5 = 46.25; p50 47.5; p75 48.75; p90: h = 0.9 → 49.5.
    assert_eq!(
        detail["minutes_before_first_order"],
        serde_json::json!({"n": 2, "p25": 46.25, "p50": 47.5, "p75": 48.75, "p90": 49.5,
                           "mean": 47.5, "min": 45.0, "max": 50.0, "p50_ci95": null})
    );
}

#[test]
fn orders_detail_equals_percentiles_computed_here_and_p50_is_the_median() {
    let w = Workspace::new();
    let file = w.write("events.jsonl", &generated(30_000, 41, 0));
    w.ingest(&file, b"");
    let db = w.db_str();
    let detail = run(&["metrics", "orders-detail", "--db", &db], b"").json();
    let orders = run(&["metrics", "orders", "--db", &db], b"").json();
    for (key, sql, median) in [
        (
            "visits_before_order",
            "SELECT CAST(visits_before_order AS REAL) FROM v_order_visits ORDER BY 1",
            "median_visits_before_order",
        ),
        (
            "minutes_before_first_order",
            "SELECT minutes_before_first_order FROM v_first_order ORDER BY 1",
            "median_session_duration_minutes_before_order",
        ),
    ] {
        let values: Vec<f64> = w
            .conn()
            .prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(values.len() > 50, "{key}: {} values", values.len());
        let got = &detail[key];
        assert_eq!(got["n"], values.len());
        for (p, q) in [("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9)] {
            let want = percentile(&values, q);
            assert!(
                (got[p].as_f64().unwrap() - want).abs() <= 1e-9,
                "{key} {p}: {got} vs {want}"
            );
        }
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((got["mean"].as_f64().unwrap() - mean).abs() <= 1e-9);
        assert_eq!(got["min"].as_f64().unwrap(), values[0]);
        assert_eq!(got["max"].as_f64().unwrap(), *values.last().unwrap());
        assert_eq!(got["p50"].as_f64(), orders[median].as_f64(), "{key}");
        let (low, high) = median_ci95(&values).unwrap();
        assert_eq!(got["p50_ci95"], json!([low, high]), "{key}");
    }
    // No orders at all: n 0, every other field null.
    let empty = Workspace::new();
    ingest_lines(&empty, &[event(1, 7, 0, "page_view", None)]);
    let detail = run(&["metrics", "orders-detail", "--db", &empty.db_str()], b"").json();
    assert_eq!(
        detail["visits_before_order"],
        serde_json::json!({"n": 0, "p25": null, "p50": null, "p75": null, "p90": null,
                           "mean": null, "min": null, "max": null, "p50_ci95": null})
    );
}

#[test]
fn history_keeps_the_figures_before_and_after_every_change() {
    let w = Workspace::new();
    let db = w.db_str();
    let figures = |w: &Workspace| -> (Value, i64, i64, i64, i64) {
        let orders = run(&["metrics", "orders", "--db", &w.db_str()], b"").json();
        (
            orders,
            w.count("SELECT count(*) FROM sessions"),
            w.count("SELECT count(*) FROM sessions WHERE order_count > 0"),
            w.count("SELECT count(DISTINCT customer_id) FROM sessions"),
            w.count("SELECT count(*) FROM events"),
        )
    };
    let first = w.write("first.jsonl", &generated(5_000, 51, 0));
    w.ingest(&first, b"");
    let after_first = figures(&w);
    // Second ingest, by hand: customer 1 gets two events before and one after the latest
    // event so far (late: 2), and a new customer 777 one event at that latest second rounded
    // up, so not older than it (not late).
    let latest: i64 =
        (w.count("SELECT max(ts_us) FROM events") + 999_999) / 1_000_000 - 1_651_363_200;
    let lines = [
        event(9_000_001, 1, latest - 3600, "page_view", None),
        event(9_000_002, 1, latest - 10, "placed_order", None),
        event(9_000_003, 1, latest + 60, "page_view", None),
        event(9_000_004, 777, latest, "page_view", None),
    ];
    let (_, report) = w.ingest("-", lines.join("\n").as_bytes());
    let report = report.unwrap();
    let after_second = figures(&w);
    let out = run(
        &["sessionize", "--db", &db, "--timeout", "10m", "--quiet"],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after_third = figures(&w);

    let history = run(&["metrics", "history", "--db", &db], b"").json();
    let rows = history["history"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let check = |row: &Value, side: &str, f: &(Value, i64, i64, i64, i64)| {
        assert_eq!(
            row[format!("median_visits_{side}")],
            f.0["median_visits_before_order"],
            "{row}"
        );
        assert_eq!(
            row[format!("median_minutes_{side}")],
            f.0["median_session_duration_minutes_before_order"],
            "{row}"
        );
        assert_eq!(row[format!("sessions_{side}")], f.1, "{row}");
        assert_eq!(row[format!("ordering_sessions_{side}")], f.2, "{row}");
        assert_eq!(row[format!("customers_{side}")], f.3, "{row}");
        assert_eq!(row[format!("events_{side}")], f.4, "{row}");
    };
    // An empty file before the first ingest: no medians, nothing counted.
    assert_eq!(rows[0]["median_visits_before"], Value::Null);
    assert_eq!(rows[0]["events_before"], 0);
    assert_eq!(rows[0]["new_events"], 5_000);
    check(&rows[0], "after", &after_first);
    check(&rows[1], "before", &after_first);
    check(&rows[1], "after", &after_second);
    assert_eq!(rows[1]["command"], "ingest");
    assert_eq!(rows[1]["ingest_id"], 2);
    assert_eq!(rows[1]["new_events"], 4);
    assert_eq!(rows[1]["late_events"], 2);
    assert_eq!(rows[1]["customers_touched"], 2);
    assert_eq!(
        rows[1]["customers_touched"],
        report["customers_resessionized"]
    );
    assert_eq!(rows[1]["sessions_rebuilt"], report["sessions_written"]);
    check(&rows[2], "before", &after_second);
    check(&rows[2], "after", &after_third);
    assert_eq!(rows[2]["command"], "sessionize");
    assert_eq!(rows[2]["ingest_id"], Value::Null);
    assert_eq!(rows[2]["timeout_seconds"], 600);
    assert_eq!(rows[2]["sessions_rebuilt"], after_third.1);
    // The view says the same.
    assert_eq!(w.count("SELECT count(*) FROM v_history"), 3);
}

#[test]
fn minutes_before_the_first_order_come_in_bins_of_equal_width() {
    // The brief's picture: 45 minutes (user-2) and 50 (user-1): one customer in [40, 50) and
    // one in [50, 60); 10-minute bins up to 120, then one open bin.
    let w = Workspace::new();
    ingest_lines(&w, &brief_picture());
    let d = run(&["metrics", "distributions", "--db", &w.db_str()], b"").json();
    let bins: Vec<(i64, Option<i64>, i64)> = d["minutes_before_first_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["from_minutes"].as_i64().unwrap(),
                b["to_minutes"].as_i64(),
                b["customers"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut expected: Vec<(i64, Option<i64>, i64)> =
        (0..12).map(|i| (i * 10, Some(i * 10 + 10), 0)).collect();
    expected.push((120, None, 0));
    expected[4].2 = 1;
    expected[5].2 = 1;
    assert_eq!(bins, expected);

    // Random data: the bins count what a floor division of each customer's minutes gives.
    let w = Workspace::new();
    let file = w.write("events.jsonl", &generated(30_000, 61, 0));
    w.ingest(&file, b"");
    let d = run(&["metrics", "distributions", "--db", &w.db_str()], b"").json();
    let mut counts = [0i64; 13];
    for m in w.rows("SELECT minutes_before_first_order FROM v_first_order") {
        let m: f64 = m
            .trim_start_matches("Real(")
            .trim_end_matches(')')
            .parse()
            .unwrap();
        counts[((m / 10.0).floor() as usize).min(12)] += 1;
    }
    let got: Vec<i64> = d["minutes_before_first_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["customers"].as_i64().unwrap())
        .collect();
    assert_eq!(got, counts);
    assert!(counts.iter().filter(|&&c| c > 0).count() >= 5, "{counts:?}");
}

#[test]
fn the_day_the_data_ends_is_partial_until_it_is_over() {
    // Day 1 (2022-05-01) and day 2: the data ends at 10:00 on day 2, so day 2 is partial.
    let w = Workspace::new();
    ingest_lines(
        &w,
        &[
            event(1, 7, 3600, "page_view", None),
            event(2, 7, 86_400 + 36_000, "page_view", None),
        ],
    );
    let days = run(&["metrics", "daily", "--db", &w.db_str()], b"").json();
    let partial: Vec<(&str, i64)> = days["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["day"].as_str().unwrap(), d["partial"].as_i64().unwrap()))
        .collect();
    assert_eq!(partial, [("2022-05-01", 0), ("2022-05-02", 1)]);
    // An event in the last microsecond of day 2: the day is whole.
    ingest_lines(
        &w,
        &[r#"{"id": 3, "type": "page_view", "event": {"customer-id": 8, "timestamp": "2022-05-02T23:59:59.999999Z"}}"#
            .to_string()],
    );
    let days = run(&["metrics", "daily", "--db", &w.db_str()], b"").json();
    assert!(
        days["days"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["partial"] == 0),
        "{days}"
    );
}
