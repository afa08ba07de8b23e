//! Metrics over a range of dates and for one referrer host (`from`, `to`, `referrer`): each
//! definition pinned on a hand-worked example, then random data against a plain computation
//! written here, the whole range against the unfiltered answers, and the errors.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::util::{close, generated, iso, median, median_ci95, run, Rng, Served, Workspace};

/// An event at `minutes` after 2022-05-01T00:00:00Z.
fn at(id: i64, customer: i64, minutes: i64, kind: &str, referrer: Option<&str>) -> String {
    let referrer = referrer.map_or(String::new(), |r| format!(r#", "referrer": "{r}""#));
    format!(
        r#"{{"id": {id}, "type": "{kind}", "event": {{"customer-id": {customer}, "timestamp": "{}"{referrer}}}}}"#,
        iso(1_651_363_200 + minutes * 60)
    )
}

fn metric(w: &Workspace, name: &str, args: &[&str]) -> Value {
    let db = w.db_str();
    let mut all = vec!["metrics", name, "--db", &db];
    all.extend_from_slice(args);
    let out = run(&all, b"");
    assert_eq!(out.code, 0, "{all:?}: {}", out.stderr);
    out.json()
}

const DAY: i64 = 24 * 60;

/// The example of the tests below (times are day and minute of May 2022, UTC):
/// - customer 1: session 1 on the 1st, 10:00–10:20, no order, no referrer; session 2 from
///   the 2nd 23:40 (referrer www.google.com) to its order on the 3rd at 00:05; session 3 on
///   the 5th, 12:00, referrer bing.com, order 12:05.
/// - customer 2: one direct session on the 3rd, 08:00, order 08:20.
/// - customer 3: one direct session on the 4th, 09:00, no order.
///
/// So: visits before each order: 2 (customer 1, session 2), 1 (customer 1, session 3), 1
/// (customer 2); minutes before the first order: 20 + 25 = 45 (customer 1), 20 (customer 2).
fn example() -> Workspace {
    let w = Workspace::new();
    let lines = [
        at(1, 1, 10 * 60, "page_view", None),
        at(2, 1, 10 * 60 + 20, "page_view", None),
        at(
            3,
            1,
            DAY + 23 * 60 + 40,
            "page_view",
            Some("https://www.google.com/search"),
        ),
        at(4, 1, 2 * DAY + 5, "placed_order", None),
        at(
            5,
            1,
            4 * DAY + 12 * 60,
            "page_view",
            Some("https://bing.com/"),
        ),
        at(6, 1, 4 * DAY + 12 * 60 + 5, "placed_order", None),
        at(7, 2, 2 * DAY + 8 * 60, "page_view", None),
        at(8, 2, 2 * DAY + 8 * 60 + 20, "placed_order", None),
        at(9, 3, 3 * DAY + 9 * 60, "page_view", None),
    ];
    let (out, _) = w.ingest("-", lines.join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    w
}

fn medians(visits: Value, minutes: Value) -> Value {
    json!({
        "median_visits_before_order": visits,
        "median_session_duration_minutes_before_order": minutes,
    })
}

#[test]
fn orders_count_an_ordering_session_by_its_first_order_and_keep_earlier_visits() {
    let w = example();
    // Orders on the 3rd: customer 1's session 2 (its order at 00:05, though it started on the
    // 2nd) with 2 visits, the first counting session 1 outside the range, and customer 2's
    // with 1 → 1.5. Both customers' first orders are on the 3rd: 45 and 20 → 32.5.
    assert_eq!(
        metric(
            &w,
            "orders",
            &["--from", "2022-05-03", "--to", "2022-05-03"]
        ),
        medians(json!(1.5), json!(32.5))
    );
    // No order was placed on the 2nd: no values, null medians, not an error.
    assert_eq!(
        metric(
            &w,
            "orders",
            &["--from", "2022-05-02", "--to", "2022-05-02"]
        ),
        medians(Value::Null, Value::Null)
    );
    // From the 4th on: customer 1's third session (1 visit); no first order is that late.
    assert_eq!(
        metric(&w, "orders", &["--from", "2022-05-04"]),
        medians(json!(1.0), Value::Null)
    );
    // Up to the 4th: the orders of the 3rd.
    assert_eq!(
        metric(&w, "orders", &["--to", "2022-05-04"]),
        medians(json!(1.5), json!(32.5))
    );
    // By referrer: the ordering session's own host; for the minutes, the host of the
    // customer's first ordering session.
    assert_eq!(
        metric(&w, "orders", &["--referrer", "www.google.com"]),
        medians(json!(2.0), json!(45.0))
    );
    assert_eq!(
        metric(&w, "orders", &["--referrer", "(direct)"]),
        medians(json!(1.0), json!(20.0))
    );
    assert_eq!(
        metric(&w, "orders", &["--referrer", "bing.com"]),
        medians(json!(1.0), Value::Null)
    );
    // The spread follows the same rows: on the 3rd, visits [1, 2].
    let detail = metric(
        &w,
        "orders-detail",
        &["--from", "2022-05-03", "--to", "2022-05-03"],
    );
    assert_eq!(detail["visits_before_order"]["n"], 2);
    assert_eq!(detail["visits_before_order"]["max"], 2);
    assert_eq!(detail["minutes_before_first_order"]["min"], 20.0);
}

#[test]
fn referrers_daily_and_distributions_count_a_session_by_its_start() {
    let w = example();
    // Sessions that started on the 1st or the 2nd: customer 1's first (direct, 20 minutes)
    // and second (www.google.com, 23:40 to 00:05, 25 minutes, ordering).
    let referrers = metric(
        &w,
        "referrers",
        &["--from", "2022-05-01", "--to", "2022-05-02"],
    );
    let rows: Vec<(String, i64, i64, f64)> = referrers["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["referrer_host"].as_str().unwrap().to_string(),
                r["sessions"].as_i64().unwrap(),
                r["ordering_sessions"].as_i64().unwrap(),
                r["median_minutes"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("(direct)".to_string(), 1, 0, 20.0),
            ("www.google.com".to_string(), 1, 1, 25.0)
        ]
    );
    let one = metric(&w, "referrers", &["--referrer", "(direct)"]);
    // Direct sessions: customer 1's first, customer 2's and customer 3's.
    assert_eq!(one["referrers"].as_array().unwrap().len(), 1);
    assert_eq!(one["referrers"][0]["sessions"], 3);

    let daily = metric(&w, "daily", &["--from", "2022-05-02", "--to", "2022-05-03"]);
    let days: Vec<(String, i64, i64)> = daily["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["day"].as_str().unwrap().to_string(),
                d["sessions"].as_i64().unwrap(),
                d["ordering_sessions"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2022-05-02".to_string(), 1, 1),
            ("2022-05-03".to_string(), 1, 1)
        ]
    );

    // Ordering sessions that started on the 2nd: customer 1's second (2 visits), though its
    // order is on the 3rd; customer 1 is counted for minutes (45, bin 40–50) because that
    // session, their first ordering one, started on the 2nd.
    let d = metric(
        &w,
        "distributions",
        &["--from", "2022-05-02", "--to", "2022-05-02"],
    );
    assert_eq!(
        d["visits_before_order"],
        json!([{"visits": 2, "ordering_sessions": 1}])
    );
    let bins: Vec<(i64, i64)> = d["minutes_before_first_order"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["customers"].as_i64().unwrap() > 0)
        .map(|b| {
            (
                b["from_minutes"].as_i64().unwrap(),
                b["customers"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(bins, [(40, 1)]);
}

#[test]
fn parameters_over_http_are_decoded_checked_and_bound() {
    let w = example();
    let served = Served::start(&w.db(), &["--quiet"]);
    assert_eq!(
        served.get_json("/metrics/orders?from=2022-05-03&to=2022-05-03"),
        medians(json!(1.5), json!(32.5))
    );
    // Percent-encoded as browsers send it.
    assert_eq!(
        served.get_json("/metrics/orders?referrer=%28direct%29"),
        medians(json!(1.0), json!(20.0))
    );
    assert_eq!(
        served.get_json("/metrics/orders?referrer=WWW.Google.com")["median_visits_before_order"],
        json!(2.0)
    );
    // A quote in a value is a value, never SQL.
    assert_eq!(
        served.get_json("/metrics/referrers?referrer=x%27%20OR%20%271%27%3D%271")["referrers"],
        json!([])
    );
    for path in [
        "/metrics/orders/detail?from=2022-05-03",
        "/metrics/referrers?to=2022-05-03",
        "/metrics/daily?referrer=bing.com",
        "/metrics/distributions?from=2022-05-01&to=2022-05-31",
        "/metrics/orders?",
    ] {
        assert_eq!(served.request("GET", path).0, 200, "{path}");
    }
    for (path, sentence) in [
        (
            "/metrics/orders?from=2022-5-3",
            "from must be a date like 2022-04-01 (UTC), not \"2022-5-3\"",
        ),
        (
            "/metrics/orders?from=2022-05-04&to=2022-05-03",
            "from (2022-05-04) is after to (2022-05-03)",
        ),
        (
            "/metrics/daily?day=2022-05-03",
            "unknown parameter \"day\": the parameters are from, to and referrer",
        ),
        (
            "/metrics/orders?to=2022-05-03&to=2022-05-04",
            "to is given twice",
        ),
        (
            "/metrics/referrers?referrer=",
            "referrer is empty: give a host like www.google.com, or (direct)",
        ),
        (
            "/metrics/summary?from=2022-05-03",
            "this endpoint takes no query parameters",
        ),
        (
            "/metrics/sensitivity?from=2022-05-03",
            "this endpoint takes no query parameters",
        ),
    ] {
        let (status, _, body) = served.request("GET", path);
        assert_eq!(status, 400, "{path}");
        assert_eq!(body, json!({ "error": sentence }).to_string(), "{path}");
    }
    // The dashboard keeps its range in its own URL.
    assert_eq!(
        served.request("GET", "/?from=2022-05-03&to=2022-05-04").0,
        200
    );
}

#[test]
fn command_line_mistakes_are_one_sentence() {
    let w = example();
    let db = w.db_str();
    for (args, sentence) in [
        (
            vec!["metrics", "orders", "--db", &db, "--to", "May"],
            "xcc: invalid value 'May' for '--to <DATE>': not a date like 2022-04-01 (UTC); see xcc metrics --help",
        ),
        (
            vec!["metrics", "history", "--db", &db, "--from", "2022-05-01"],
            "xcc: metrics history takes no --from, --to or --referrer; they apply to orders, orders-detail, referrers, daily and distributions",
        ),
    ] {
        let out = run(&args, b"");
        // A bad flag or value: exit status 2 (issue 35), as clap's own mistakes.
        assert_eq!(out.code, 2, "{args:?}");
        assert_eq!(out.stderr.trim(), sentence);
        assert_eq!(out.stdout, "");
    }
}

/// A session as the plain computation below makes it.
struct PlainSession {
    start: i64,
    first_order: Option<i64>,
    host: String,
    duration_minutes: f64,
    /// Visits before its order, when it has one.
    visits: Option<i64>,
    /// Minutes before the customer's first order, on their first ordering session.
    minutes: Option<f64>,
}

/// (customer, seconds, id, is_order, referrer host)
type Ev<'a> = (i64, i64, i64, bool, Option<&'a str>);

/// Sessions of the events with a 30-minute timeout.
fn plain_sessions(events: &[Ev]) -> Vec<PlainSession> {
    let mut by_customer: BTreeMap<i64, Vec<_>> = BTreeMap::new();
    for e in events {
        by_customer.entry(e.0).or_default().push(*e);
    }
    let mut out = Vec::new();
    for evs in by_customer.values_mut() {
        evs.sort_by_key(|e| (e.1, e.2));
        let mut groups: Vec<Vec<Ev>> = Vec::new();
        for e in evs.iter() {
            match groups.last_mut() {
                Some(g) if e.1 - g.last().unwrap().1 < 1800 => g.push(*e),
                _ => groups.push(vec![*e]),
            }
        }
        let (mut since, mut before, mut first_found) = (0, 0, false);
        for g in &groups {
            since += 1;
            let (start, end) = (g[0].1, g.last().unwrap().1);
            let first_order = g.iter().find(|e| e.3).map(|e| e.1);
            let mut s = PlainSession {
                start,
                first_order,
                host: g.iter().find_map(|e| e.4).unwrap_or("(direct)").to_string(),
                duration_minutes: (end - start) as f64 / 60.0,
                visits: None,
                minutes: None,
            };
            if let Some(order) = first_order {
                s.visits = Some(since);
                since = 0;
                if !first_found {
                    s.minutes = Some((before + order - start) as f64 / 60.0);
                    first_found = true;
                }
            } else if !first_found {
                before += end - start;
            }
            out.push(s);
        }
    }
    out
}

#[test]
fn filtered_metrics_equal_a_plain_computation_on_random_data() {
    let hosts = ["www.google.com", "bing.com", "shop.example"];
    // 2022-05-01T00:00:00Z
    let epoch = 1_651_363_200;
    let mut checked_orders = 0;
    for seed in 1..=6u64 {
        let mut rng = Rng(seed * 7_919);
        let mut events = Vec::new();
        let mut lines = Vec::new();
        let mut id = 1;
        for customer in 1..=20 {
            // Over six days, gaps from seconds to a day and a half.
            let mut t = epoch + rng.below(DAY as u64 * 60) as i64;
            for _ in 0..1 + rng.below(25) {
                t += match rng.below(4) {
                    0 => rng.below(36 * 3600) as i64,
                    _ => rng.below(25 * 60) as i64,
                };
                let order = rng.below(6) == 0;
                let host = (rng.below(4) == 0).then(|| hosts[rng.below(3) as usize]);
                let referrer = host.map(|h| format!(r#", "referrer": "https://{h}/x""#));
                lines.push(format!(
                    r#"{{"id": {id}, "type": "{}", "event": {{"customer-id": {customer}, "timestamp": "{}"{}}}}}"#,
                    if order { "placed_order" } else { "page_view" },
                    iso(t),
                    referrer.unwrap_or_default()
                ));
                events.push((customer, t, id, order, host));
                id += 1;
            }
        }
        rng.shuffle(&mut lines);
        let w = Workspace::new();
        let (out, _) = w.ingest("-", lines.join("\n").as_bytes());
        assert_eq!(out.code, 0, "{}", out.stderr);
        let sessions = plain_sessions(&events);

        for _ in 0..6 {
            let from_day = rng.below(5) as i64;
            let to_day = from_day + rng.below(4) as i64;
            let host =
                [None, Some("(direct)"), Some(hosts[0]), Some(hosts[1])][rng.below(4) as usize];
            let day = |d: i64| iso(epoch + d * 86_400)[..10].to_string();
            let (from, to) = (day(from_day), day(to_day));
            let (lo, hi) = (epoch + from_day * 86_400, epoch + (to_day + 1) * 86_400);
            let mut args = vec!["--from", &from, "--to", &to];
            if let Some(h) = host {
                args.extend(["--referrer", h]);
            }
            let of_host = |s: &&PlainSession| host.is_none_or(|h| s.host == h);
            let in_range = |t: i64| lo <= t && t < hi;

            let ordering: Vec<&PlainSession> = sessions
                .iter()
                .filter(of_host)
                .filter(|s| s.first_order.is_some_and(in_range))
                .collect();
            let visits: Vec<f64> = ordering.iter().map(|s| s.visits.unwrap() as f64).collect();
            let minutes: Vec<f64> = ordering.iter().filter_map(|s| s.minutes).collect();
            checked_orders += visits.len();
            let orders = metric(&w, "orders", &args);
            let want = medians(
                json!(median(visits.clone())),
                json!(median(minutes.clone())),
            );
            for key in [
                "median_visits_before_order",
                "median_session_duration_minutes_before_order",
            ] {
                assert!(
                    close(&orders[key], &want[key]),
                    "seed {seed} {args:?}: {orders} vs {want}"
                );
            }
            let detail = metric(&w, "orders-detail", &args);
            assert_eq!(detail["visits_before_order"]["n"], visits.len());
            assert_eq!(detail["minutes_before_first_order"]["n"], minutes.len());
            // The medians' intervals over the same values (computed in util, not by xcc).
            for (key, values) in [
                ("visits_before_order", &visits),
                ("minutes_before_first_order", &minutes),
            ] {
                assert_eq!(
                    detail[key]["p50_ci95"],
                    json!(median_ci95(values)),
                    "seed {seed} {args:?} {key}"
                );
            }

            let started: Vec<&PlainSession> = sessions
                .iter()
                .filter(of_host)
                .filter(|s| in_range(s.start))
                .collect();
            let mut want_referrers: BTreeMap<&str, (i64, i64, Vec<f64>)> = BTreeMap::new();
            for s in &started {
                let e = want_referrers.entry(&s.host).or_default();
                e.0 += 1;
                e.1 += s.first_order.is_some() as i64;
                e.2.push(s.duration_minutes);
            }
            let referrers = metric(&w, "referrers", &args);
            let rows = referrers["referrers"].as_array().unwrap();
            assert_eq!(rows.len(), want_referrers.len(), "seed {seed} {args:?}");
            for row in rows {
                let (n, ordering, durations) =
                    &want_referrers[row["referrer_host"].as_str().unwrap()];
                assert_eq!(row["sessions"], *n);
                assert_eq!(row["ordering_sessions"], *ordering);
                assert!(
                    close(&row["median_minutes"], &json!(median(durations.clone()))),
                    "{row}"
                );
                // To 1e-9: the file's durations are seconds over 60, these the same from
                // whole seconds.
                let interval = json!(median_ci95(durations));
                let got = &row["median_minutes_ci95"];
                assert_eq!(got.is_null(), interval.is_null(), "{row}");
                for end in 0..2 {
                    assert!(close(&got[end], &interval[end]), "{row} vs {interval}");
                }
            }
            // The test across hosts counts the sessions the rows count.
            let difference = &referrers["difference"];
            assert_eq!(
                difference["sessions"],
                started.len(),
                "seed {seed} {args:?}"
            );
            assert_eq!(
                difference["groups"],
                want_referrers.len(),
                "seed {seed} {args:?}"
            );

            let daily = metric(&w, "daily", &args);
            let total: i64 = daily["days"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["sessions"].as_i64().unwrap())
                .sum();
            assert_eq!(total, started.len() as i64, "seed {seed} {args:?}");

            let d = metric(&w, "distributions", &args);
            let histogram_total: i64 = d["visits_before_order"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["ordering_sessions"].as_i64().unwrap())
                .sum();
            let ordering_started = started.iter().filter(|s| s.visits.is_some()).count();
            assert_eq!(histogram_total, ordering_started as i64);
            let customers: i64 = d["minutes_before_first_order"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["customers"].as_i64().unwrap())
                .sum();
            let first_started = started.iter().filter(|s| s.minutes.is_some()).count();
            assert_eq!(customers, first_started as i64);
        }
    }
    // The interesting branch ran: ranges with orders in them, not only empty ones.
    assert!(checked_orders > 100, "{checked_orders}");
}

/// A range that holds every day gives what no range gives, through the other queries
/// (the view v_referrers, queries/orders.sql).
#[test]
fn the_whole_range_gives_the_unfiltered_answers() {
    let w = Workspace::new();
    let file = w.write("events.jsonl", &generated(20_000, 81, 0));
    w.ingest(&file, b"");
    let whole = ["--from", "2000-01-01", "--to", "2099-12-31"];
    for name in [
        "orders",
        "orders-detail",
        "referrers",
        "daily",
        "distributions",
    ] {
        let unfiltered = metric(&w, name, &[]);
        assert_eq!(metric(&w, name, &whole), unfiltered, "{name}");
        // Not vacuous: a range without data answers otherwise.
        let nothing = metric(&w, name, &["--from", "1999-01-01", "--to", "1999-12-31"]);
        assert_ne!(nothing, unfiltered, "{name}");
    }
}
