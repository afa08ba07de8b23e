use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::digits::{date, START_DAY};
use super::{default_customers, write_events, GenerateOptions, WINDOW};

fn generate(events: u64, seed: u64) -> Vec<u8> {
    generate_with(events, seed, false)
}

fn generate_with(events: u64, seed: u64, realistic: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let opts = GenerateOptions {
        events,
        seed,
        customers: None,
        realistic,
        visit_events: None,
    };
    write_events(&mut out, &opts).unwrap();
    out
}

struct Event {
    id: u64,
    kind: String,
    customer: Option<u64>,
    timestamp: String,
    /// Seconds since 2022-04-20T00:00:00.
    secs: i64,
    page: Option<String>,
}

fn seconds(ts: &str) -> i64 {
    let n = |a: usize, b: usize| ts[a..b].parse::<u32>().unwrap();
    let date = time::Date::from_calendar_date(
        n(0, 4) as i32,
        time::Month::try_from(n(5, 7) as u8).unwrap(),
        n(8, 10) as u8,
    )
    .unwrap();
    #[rustfmt::skip] // rustfmt would space the date macro as a subtraction
    let day = (date - time::macros::date!(2022-04-20)).whole_days();
    let clock = n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19);
    day * 86_400 + clock as i64
}

/// One line as JSON. With serde_json's `preserve_order` feature (see Cargo.toml) an
/// object keeps its keys in the order of the line, so the key order can be checked.
fn parse_line(line: &str) -> Value {
    let v = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    // The generator never escapes; an escape in the output would be a bug (serde_json
    // already rejects control characters in strings).
    assert!(!line.contains('\\'), "escape in string: {line}");
    v
}

/// The keys of an object in the order of the line; none for anything else.
fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn string(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// A number as an integer; `None` for anything else, such as the null customer-id of
/// an anonymous event.
fn int(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => Some(n.as_u64().expect("an integer")),
        _ => None,
    }
}

fn parse_all(bytes: &[u8]) -> Vec<Event> {
    let text = std::str::from_utf8(bytes).unwrap();
    text.lines()
        .map(|line| {
            let v = parse_line(line);
            let ev = v.get("event").unwrap();
            let timestamp = string(ev.get("timestamp").unwrap()).to_string();
            Event {
                id: int(v.get("id").unwrap()).unwrap(),
                kind: string(v.get("type").unwrap()).to_string(),
                customer: int(ev.get("customer-id").unwrap()),
                secs: seconds(&timestamp),
                timestamp,
                page: ev.get("page").map(|p| string(p).to_string()),
            }
        })
        .collect()
}

/// Each customer's events in `(timestamp, id)` order.
fn by_customer(events: &[Event]) -> HashMap<u64, Vec<&Event>> {
    let mut map: HashMap<u64, Vec<&Event>> = HashMap::new();
    for e in events {
        if let Some(c) = e.customer {
            map.entry(c).or_default().push(e);
        }
    }
    for list in map.values_mut() {
        list.sort_by_key(|e| (e.secs, e.id));
    }
    map
}

#[test]
fn same_seed_gives_identical_bytes() {
    let a = generate(20_000, 7);
    assert!(!a.is_empty());
    assert_eq!(a, generate(20_000, 7));
}

#[test]
fn different_seeds_give_different_bytes() {
    assert_ne!(generate(20_000, 7), generate(20_000, 8));
    assert_ne!(generate(5, 1), generate(5, 2));
}

#[test]
fn writes_exactly_the_requested_number_of_lines() {
    for n in [0u64, 1, 7, 10_000] {
        let out = generate(n, 3);
        let lines = out.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(lines as u64, n, "for {n} events");
        assert!(n == 0 || out.ends_with(b"}}\n"));
        assert!(!out.windows(2).any(|w| w == b"\n\n"), "no blank lines");
    }
}

#[test]
fn more_lines_than_the_shuffle_window_stream_through() {
    let n = WINDOW as u64 + 10_000;
    let out = generate(n, 11);
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count() as u64, n);
    let events = parse_all(&out);
    let ids: HashSet<u64> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids.len() as u64, n);
    assert_eq!(ids.iter().max(), Some(&n), "ids are 1..=n");
}

#[test]
fn every_line_is_json_with_the_real_files_key_order() {
    let out = generate(50_000, 5);
    let text = std::str::from_utf8(&out).unwrap();
    let mut seen_types = HashSet::new();
    for line in text.lines() {
        seen_types.insert(check_real_shape(line));
    }
    assert_eq!(seen_types.len(), 9, "all types occur: {seen_types:?}");
}

/// Asserts that `line` has the real file's keys, key order and value shapes; returns
/// its type.
fn check_real_shape(line: &str) -> String {
    assert!(line.starts_with("{\"id\": "), "{line}");
    assert!(line.contains(", \"type\": \""), "{line}");
    assert!(
        line.contains("\", \"event\": {\"user-agent\": \""),
        "{line}"
    );
    let v = parse_line(line);
    assert_eq!(keys(&v), ["id", "type", "event"], "{line}");
    let kind = string(v.get("type").unwrap());
    let ev = v.get("event").unwrap();
    let keys = keys(ev);
    assert_eq!(
        keys[..4],
        ["user-agent", "ip", "customer-id", "timestamp"],
        "{line}"
    );
    let extra: &[&str] = match kind {
        "page_view" if ev.get("referrer").is_some() => &["page", "referrer"],
        "page_view" => &["page"],
        "search" => &["query"],
        "add_product_to_cart" | "remove_product_from_cart" => &["product"],
        "visit_personal_recommendation"
        | "visit_related_product"
        | "visit_recently_visited_product" => &["product", "position"],
        "placed_order" | "sign_up_success" => &[],
        other => panic!("unexpected type {other}"),
    };
    assert_eq!(keys[4..], *extra, "{line}");
    let ip: Vec<u32> = string(ev.get("ip").unwrap())
        .split('.')
        .map(|p| p.parse().unwrap())
        .collect();
    assert!(ip.len() == 4 && ip.iter().all(|&o| o <= 255), "{line}");
    if let Some(page) = ev.get("page") {
        assert!(
            string(page).starts_with("https://xcc-webshop.com"),
            "{line}"
        );
    }
    kind.to_string()
}

#[test]
fn ids_are_unique_and_grow_with_time() {
    let mut events = parse_all(&generate(50_000, 9));
    let ids: HashSet<u64> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), events.len());
    events.sort_by_key(|e| e.id);
    assert!(events.windows(2).all(|w| w[0].secs <= w[1].secs));
}

/// The real file's head has a customer id on 319 of its 1,152 lines (27.7%, counted from
/// tests/data/real-events-head.jsonl below); the generator is calibrated to that share.
/// One seed's 50,000 events come in about 2,200 customer visits and 6,500 anonymous ones,
/// whose lengths vary about as much as their mean: the share's spread from seed to seed is
/// then about 0.28 × √2 / √2,200 ≈ 0.0085 from the customers and as much from the others,
/// so about 0.012; over 8 seeds the mean's spread is about 0.012 / √8 ≈ 0.0042, and 0.02 is
/// nearly five of those.
#[test]
fn about_28_percent_of_events_have_a_customer_as_in_the_real_file() {
    let real = include_str!("../../tests/data/real-events-head.jsonl");
    let with_customer = real
        .lines()
        .filter(|line| {
            serde_json::from_str::<serde_json::Value>(line)
                .is_ok_and(|v| !v["event"]["customer-id"].is_null())
        })
        .count();
    assert_eq!((with_customer, real.lines().count()), (319, 1152));
    let real_share = with_customer as f64 / 1152.0;
    let shares: Vec<f64> = (1..=8)
        .map(|seed| {
            let events = parse_all(&generate(50_000, seed));
            let with = events.iter().filter(|e| e.customer.is_some()).count();
            with as f64 / events.len() as f64
        })
        .collect();
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    assert!(
        (mean - real_share).abs() <= 0.02,
        "mean customer share {mean:.4} over seeds 1 to 8 ({shares:.3?}), real {real_share:.4}"
    );
}

#[test]
fn timestamps_are_on_the_15_second_grid_with_one_fraction() {
    let events = parse_all(&generate(50_000, 17));
    for e in &events {
        let t = e.timestamp.as_bytes();
        assert_eq!(t.len(), 26, "{}", e.timestamp);
        assert_eq!(
            (t[4], t[7], t[10], t[13], t[16]),
            (b'-', b'-', b'T', b':', b':')
        );
        assert!(e.timestamp.ends_with(".648681"), "{}", e.timestamp);
        assert_eq!(e.secs % 15, 3, "{}", e.timestamp);
        assert!(e.secs >= 0, "{}", e.timestamp);
    }
}

#[test]
fn spans_about_30_days_from_2022_04_20_at_any_size() {
    for n in [20_000, 200_000] {
        let events = parse_all(&generate(n, 19));
        let first = events.iter().map(|e| e.secs).min().unwrap();
        let last = events.iter().map(|e| e.secs).max().unwrap();
        assert!(first < 86_400, "starts on 2022-04-20 for {n}");
        let days = (last - first) as f64 / 86_400.0;
        assert!((26.0..=34.0).contains(&days), "{days} days for {n}");
    }
}

#[test]
fn output_is_not_in_time_order() {
    let events = parse_all(&generate(50_000, 23));
    let descents = events.windows(2).filter(|w| w[1].secs < w[0].secs).count();
    // A random order has a descent at about every second pair.
    assert!(descents > events.len() / 3, "{descents} descents");
}

#[test]
fn every_order_shares_its_timestamp_with_a_checkout_view_of_the_customer() {
    let events = parse_all(&generate(50_000, 29));
    let checkouts: HashSet<(u64, i64)> = events
        .iter()
        .filter(|e| e.kind == "page_view")
        .filter(|e| e.page.as_deref() == Some("https://xcc-webshop.com/checkout"))
        .filter_map(|e| Some((e.customer?, e.secs)))
        .collect();
    let orders: Vec<&Event> = events.iter().filter(|e| e.kind == "placed_order").collect();
    assert!(orders.len() > 100, "{} orders", orders.len());
    for o in orders {
        let c = o.customer.expect("orders come from customers");
        assert!(checkouts.contains(&(c, o.secs)), "order {} alone", o.id);
    }
}

#[test]
fn customers_return_and_order_zero_one_or_more_times() {
    let events = parse_all(&generate(50_000, 31));
    let customers = by_customer(&events);
    let mut returning = 0;
    let mut never = 0;
    let mut repeat = 0;
    for list in customers.values() {
        let sessions = 1 + list
            .windows(2)
            .filter(|w| w[1].secs - w[0].secs >= 30 * 60)
            .count();
        let orders = list.iter().filter(|e| e.kind == "placed_order").count();
        returning += usize::from(sessions >= 2);
        never += usize::from(orders == 0);
        repeat += usize::from(orders >= 2);
    }
    assert!(returning > 0 && never > 0 && repeat > 0);
    // Not just one of each: these are the shapes the metrics are about.
    assert!(
        returning * 2 > customers.len(),
        "{returning} of {}",
        customers.len()
    );
}

#[test]
fn visits_have_short_gaps_between_their_events() {
    let events = parse_all(&generate(50_000, 37));
    let mut gaps = 0;
    let mut short = 0;
    for list in by_customer(&events).values() {
        for w in list.windows(2) {
            gaps += 1;
            short += usize::from(w[1].secs - w[0].secs < 30 * 60);
        }
    }
    // Most consecutive events of a customer lie inside one visit.
    assert!(short * 10 > gaps * 7, "{short} of {gaps} gaps are short");
}

#[test]
fn customer_pool_is_respected() {
    let mut out = Vec::new();
    let opts = GenerateOptions {
        events: 30_000,
        seed: 41,
        customers: Some(50),
        realistic: false,
        visit_events: None,
    };
    write_events(&mut out, &opts).unwrap();
    let events = parse_all(&out);
    assert_eq!(events.len(), 30_000);
    let ids: HashSet<u64> = events.iter().filter_map(|e| e.customer).collect();
    assert!(ids.iter().all(|&c| (1..=50).contains(&c)), "{ids:?}");
    assert!(ids.len() > 40);

    let opts = GenerateOptions {
        events: 5_000,
        seed: 41,
        customers: Some(0),
        realistic: false,
        visit_events: None,
    };
    let mut out = Vec::new();
    write_events(&mut out, &opts).unwrap();
    let events = parse_all(&out);
    assert_eq!(events.len(), 5_000);
    assert!(events.iter().all(|e| e.customer.is_none()));
}

#[test]
fn default_customers_scales_with_events() {
    assert_eq!(default_customers(0), 1);
    assert_eq!(default_customers(149), 1);
    assert_eq!(default_customers(150_000), 1_000);
    assert_eq!(default_customers(680_000), 4_533);
}

#[test]
fn dates_are_written_from_days_since_1970() {
    // 2022-04-20 is day 19,102: 52 × 365 + 13 leap days (1972 to 2020) = 18,993 to
    // 2022-01-01, + 31 + 28 + 31 + 19.
    assert_eq!(START_DAY, 19_102);
    assert_eq!(&date(START_DAY), b"2022-04-20");
    assert_eq!(&date(START_DAY + 11), b"2022-05-01");
    assert_eq!(&date(0), b"1970-01-01");
    assert_eq!(&date(-1), b"1969-12-31");
    // 2024-01-01 is day 19,723 (54 × 365 + 13); + 31 + 28 is the leap day.
    assert_eq!(&date(19_723 + 59), b"2024-02-29");
    assert_eq!(&date(19_723 + 60), b"2024-03-01");
}

/// The user agent and ip of every line, as written.
fn agents_and_ips(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    let text = std::str::from_utf8(bytes).unwrap();
    text.lines()
        .map(|line| {
            let ev = parse_line(line).get("event").unwrap().clone();
            let ua = string(ev.get("user-agent").unwrap()).to_string();
            (ua, string(ev.get("ip").unwrap()).to_string())
        })
        .unzip()
}

/// The real file's first 1,152 lines have 990 user agents and 1,048 ips.
#[test]
fn realistic_lines_have_a_user_agent_and_ip_almost_each() {
    let out = generate_with(1_152, 1, true);
    let text = std::str::from_utf8(&out).unwrap();
    for line in text.lines() {
        check_real_shape(line);
    }
    let (agents, ips) = agents_and_ips(&out);
    assert_eq!(agents.len(), 1_152);
    let distinct_agents = agents.iter().collect::<HashSet<_>>().len();
    let distinct_ips = ips.iter().collect::<HashSet<_>>().len();
    assert!(distinct_agents >= 900, "{distinct_agents} user agents");
    assert!(distinct_ips >= 1_000, "{distinct_ips} ips");
    // Every browser of the templates occurs, not just one that happens to vary a lot.
    for browser in [
        "Chrome/", "CriOS/", "Firefox/", "FxiOS/", "MSIE ", "Opera/", "Version/",
    ] {
        assert!(agents.iter().any(|a| a.contains(browser)), "no {browser}");
    }
}

#[test]
fn realistic_changes_only_user_agent_and_ip() {
    for (events, seed) in [(5_000, 1), (WINDOW as u64 + 3_000, 43)] {
        let plain = generate_with(events, seed, false);
        let real = generate_with(events, seed, true);
        let plain = std::str::from_utf8(&plain).unwrap().lines();
        let real = std::str::from_utf8(&real).unwrap().lines();
        assert_eq!(plain.clone().count(), real.clone().count());
        let mut differ = 0;
        for (a, b) in plain.zip(real) {
            let (mut a, mut b) = (parse_line(a), parse_line(b));
            differ += usize::from(a["event"]["user-agent"] != b["event"]["user-agent"]);
            for v in [&mut a, &mut b] {
                let ev = v["event"].as_object_mut().unwrap();
                ev.shift_remove("user-agent");
                ev.shift_remove("ip");
            }
            // As text, so that the key order counts too.
            assert_eq!(a.to_string(), b.to_string());
        }
        assert!(
            differ as u64 > events * 9 / 10,
            "{differ} of {events} differ"
        );
    }
}

#[test]
fn realistic_is_deterministic() {
    assert_eq!(generate_with(3_000, 7, true), generate_with(3_000, 7, true));
    assert_ne!(generate_with(3_000, 7, true), generate_with(3_000, 8, true));
}
