//! Whether session duration differs by referrer (issue 38): every number of the
//! `difference` object, of each referrer row's `median_minutes_ci95` and `vs_direct`, and of
//! `p50_ci95` in the orders' detail equals SciPy's, computed from the file's own rows by
//! tests/integration/statistics.py (`scipy.stats.kruskal`, `scipy.stats.mannwhitneyu` with
//! `method="asymptotic"`, Holm's correction in the script, `scipy.stats.binom`), to 1e-9
//! relative. Twice, on generated data: with each session's referrer drawn anew, apart from
//! the session (no real difference), and as generated with one referrer's sessions made
//! longer. The Python is `needs::analysts_python` with SciPy.

use std::process::Command;

use serde_json::{json, Value};
use time::macros::format_description;
use time::PrimitiveDateTime;

use std::collections::BTreeMap;

use crate::util::{generated, run, Rng, Workspace};

/// How close every number must be to SciPy's: the bound.
const RELATIVE: f64 = 1e-9;
/// The host whose sessions the planted data makes longer: the third most frequent referrer of
/// the generated data (71 of its 857 sessions).
const PLANTED: &str = "smith.org";

/// `xcc metrics NAME --db FILE ARGS…` as JSON.
fn metric(w: &Workspace, name: &str, args: &[&str]) -> Value {
    let db = w.db_str();
    let mut all = vec!["metrics", name, "--db", &db];
    all.extend_from_slice(args);
    let out = run(&all, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
}

/// SciPy's answers for the file, over the sessions that started in `[from_us, to_us)`.
fn scipy(w: &Workspace, range: Option<(i64, i64)>) -> Value {
    let python = crate::needs::analysts_python("statistics::(the SciPy comparisons)", &["scipy"]);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/integration/statistics.py"
    );
    let mut command = Command::new(&python);
    command.arg(script).arg(w.db());
    if let Some((from, to)) = range {
        command.args([from.to_string(), to.to_string()]);
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every number of `xcc`'s JSON against SciPy's (both `null`, or both numbers within
/// [`RELATIVE`]); the largest relative difference seen.
fn compare(what: &str, xcc: &Value, scipy: &Value, worst: &mut f64) {
    match (xcc, scipy) {
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{what}: {xcc} vs SciPy's {scipy}");
            for (i, (x, s)) in a.iter().zip(b).enumerate() {
                compare(&format!("{what}[{i}]"), x, s, worst);
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            for (key, s) in b {
                compare(&format!("{what}.{key}"), &a[key], s, worst);
            }
        }
        _ => match (xcc.as_f64(), scipy.as_f64()) {
            (Some(x), Some(s)) => {
                let relative = if x == s {
                    0.0
                } else {
                    (x - s).abs() / x.abs().max(s.abs())
                };
                assert!(relative <= RELATIVE, "{what}: xcc {x}, SciPy {s}");
                *worst = worst.max(relative);
            }
            _ => assert_eq!(xcc, scipy, "{what}"),
        },
    }
}

/// xcc's referrers (and, over the whole file, its orders' detail) against SciPy's: every
/// host, every number. The largest relative difference.
fn same_as_scipy(w: &Workspace, args: &[&str], range: Option<(i64, i64)>) -> (Value, Value) {
    let answer = metric(w, "referrers", args);
    let want = scipy(w, range);
    let mut worst = 0.0;
    compare(
        "difference",
        &answer["difference"],
        &want["difference"],
        &mut worst,
    );
    assert_eq!(answer["difference"]["test"], "kruskal-wallis");
    let groups = want["difference"]["groups"].as_u64().unwrap();
    assert_eq!(answer["difference"]["df"], json!(groups - 1));
    let rows = answer["referrers"].as_array().unwrap();
    assert_eq!(rows.len() as u64, groups, "{args:?}");
    for row in rows {
        let host = row["referrer_host"].as_str().unwrap();
        compare(host, row, &want["referrers"][host], &mut worst);
    }
    if range.is_none() {
        let detail = metric(w, "orders-detail", &[]);
        for (key, interval) in want["p50_ci95"].as_object().unwrap() {
            assert!(
                detail[key]["n"].as_u64().unwrap() >= 6,
                "{key}: an interval to compare"
            );
            compare(key, &detail[key]["p50_ci95"], interval, &mut worst);
        }
    }
    eprintln!(
        "{args:?}: Kruskal–Wallis p = {}; the largest relative difference from SciPy is {worst:e}",
        want["difference"]["p_value"]
    );
    (answer, want)
}

#[test]
fn without_a_real_difference_every_number_is_scipys() {
    let w = Workspace::new();
    let input = referrers_apart_from_sessions(&generated(20_000, 3, 0));
    let (out, _) = w.ingest("-", input.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (answer, want) = same_as_scipy(&w, &[], None);
    // Nothing ties a referrer to a duration here, and SciPy finds no difference.
    assert!(
        want["difference"]["p_value"].as_f64().unwrap() > 0.05,
        "{want}"
    );
    assert_eq!(want["difference"]["groups"], 5, "{want}");
    // Ties: far fewer distinct durations than sessions (the 15-second grid).
    let distinct = w.count("SELECT count(DISTINCT duration_seconds) FROM sessions");
    assert!(distinct * 4 < answer["difference"]["sessions"].as_i64().unwrap());
    // Hosts of a few sessions and hosts of hundreds, all with an interval (n ≥ 6).
    assert!(answer["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["median_minutes_ci95"].is_array()));
}

#[test]
fn with_one_referrer_made_slower_every_number_is_scipys_and_it_differs() {
    let w = Workspace::new();
    let (out, _) = w.ingest("-", planted(&generated(20_000, 3, 0)).as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (answer, want) = same_as_scipy(&w, &[], None);
    assert!(
        want["difference"]["p_value"].as_f64().unwrap() < 0.001,
        "{want}"
    );
    let slow = &want["referrers"][PLANTED]["vs_direct"];
    assert!(slow["p_value_holm"].as_f64().unwrap() < 0.001, "{slow}");
    // Longer: U of the planted host above half of its pairs with direct sessions.
    let sessions = |host: &str| {
        answer["referrers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["referrer_host"] == host)
            .unwrap()["sessions"]
            .as_f64()
            .unwrap()
    };
    assert!(slow["u"].as_f64().unwrap() > sessions(PLANTED) * sessions("(direct)") / 2.0);

    // The same over a range of days: the sessions that started in it, and only those.
    let (from, to) = ("2022-04-25", "2022-05-04");
    let micros = |day: &str| {
        let midnight = PrimitiveDateTime::parse(
            &format!("{day}T00:00:00"),
            format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        )
        .unwrap();
        midnight.assume_utc().unix_timestamp() * 1_000_000
    };
    let range = (micros(from), micros(to) + 86_400_000_000);
    let (part, _) = same_as_scipy(&w, &["--from", from, "--to", to], Some(range));
    let fewer = part["difference"]["sessions"].as_i64().unwrap();
    assert!(0 < fewer && fewer < answer["difference"]["sessions"].as_i64().unwrap());
}

/// The hosts of [`referrers_apart_from_sessions`] and how many in 100 sessions come from each;
/// the rest are direct.
const DRAWN: [(&str, u64); 4] = [
    ("www.google.com", 25),
    ("bing.com", 12),
    ("news.example.org", 8),
    ("partner.example", 5),
];

/// The generated events with every session's referrer drawn anew, whatever the session: the
/// generator also gives a page view in mid-visit a referrer now and then, so that a longer
/// session more often has one (a small, real difference, which 200,000 generated events show).
/// Here the customers' events are cut into sessions by the 30-minute rule (a gap of 30:00 or
/// more starts one; in (timestamp, id) order), every referrer is taken away, and each
/// session's first event gets one of [`DRAWN`] or none, by a seeded draw.
fn referrers_apart_from_sessions(events: &[u8]) -> String {
    let form =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]");
    let mut lines: Vec<Value> = std::str::from_utf8(events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut by_customer: BTreeMap<i64, Vec<(i64, i64, usize)>> = BTreeMap::new();
    for (i, e) in lines.iter_mut().enumerate() {
        e["event"].as_object_mut().unwrap().remove("referrer");
        let Some(customer) = e["event"]["customer-id"].as_i64() else {
            continue;
        };
        let at = PrimitiveDateTime::parse(e["event"]["timestamp"].as_str().unwrap(), form).unwrap();
        let micros = (at.assume_utc().unix_timestamp_nanos() / 1_000) as i64;
        by_customer
            .entry(customer)
            .or_default()
            .push((micros, e["id"].as_i64().unwrap(), i));
    }
    let mut rng = Rng(38);
    for events in by_customer.values_mut() {
        events.sort();
        let mut previous = i64::MIN;
        for &(micros, _, i) in events.iter() {
            let starts = micros.saturating_sub(previous) >= 30 * 60 * 1_000_000;
            previous = micros;
            if !starts {
                continue;
            }
            let mut draw = rng.below(100);
            let host = DRAWN.iter().find(|(_, share)| {
                let here = draw < *share;
                draw = draw.saturating_sub(*share);
                here
            });
            if let Some((host, _)) = host {
                lines[i]["event"]["referrer"] = json!(format!("https://{host}/landing"));
            }
        }
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The generated events with the sessions of [`PLANTED`] made longer: after each event of a
/// logged-in customer that came from it, one more page view 8 minutes later (a session runs
/// on while its gaps are under 30 minutes).
fn planted(events: &[u8]) -> String {
    let form =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]");
    let mut out = String::new();
    let mut added = 0;
    for line in std::str::from_utf8(events).unwrap().lines() {
        out.push_str(line);
        out.push('\n');
        let e: Value = serde_json::from_str(line).unwrap();
        let event = &e["event"];
        let from_planted = event["referrer"]
            .as_str()
            .is_some_and(|r| r.contains(&format!("//{PLANTED}")));
        if !from_planted || event["customer-id"].is_null() {
            continue;
        }
        let at = PrimitiveDateTime::parse(event["timestamp"].as_str().unwrap(), form).unwrap();
        let later = (at + time::Duration::minutes(8)).format(form).unwrap();
        let more = json!({"id": e["id"].as_i64().unwrap() + 10_000_000, "type": "page_view",
                          "event": {"customer-id": event["customer-id"], "timestamp": later}});
        out.push_str(&format!("{more}\n"));
        added += 1;
    }
    assert!(
        added > 50,
        "{PLANTED} is in the generated data: {added} events"
    );
    out
}
