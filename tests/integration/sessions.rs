//! Sessions in the database: always what a rebuild from scratch gives, whatever the order and
//! chunking of the input, and matching an independent computation on the real sample.

use std::collections::BTreeMap;

use crate::util::{iso, run, Rng, Workspace, REAL_HEAD};
use time::macros::format_description;
use time::PrimitiveDateTime;

/// Random events for a few customers: bursts of activity with gaps around the 30-minute
/// boundary, equal timestamps, anonymous events, orders and referrers.
fn random_events(rng: &mut Rng, customers: u64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut id = 1;
    for customer in 1..=customers {
        let mut seconds: i64 = rng.below(600) as i64 * 60;
        for _ in 0..(5 + rng.below(40)) {
            // Gaps of 0..45 minutes in 15 s steps: many fall just below or at 30:00.
            seconds += rng.below(45 * 4) as i64 * 15;
            let ts = 1_650_000_000 + seconds; // 2022-04-15
            let kind = match rng.below(10) {
                0 => "placed_order",
                1 | 2 => "search",
                _ => "page_view",
            };
            let customer_field = if rng.below(8) == 0 {
                "null".to_string()
            } else {
                customer.to_string()
            };
            let referrer = match rng.below(6) {
                0 => r#", "referrer": "https://www.google.com/x""#,
                1 => r#", "referrer": "https://bing.com""#,
                _ => "",
            };
            lines.push(format!(
                r#"{{"id": {id}, "type": "{kind}", "event": {{"customer-id": {customer_field}, "timestamp": "{}.648681", "page": "https://xcc-webshop.com/p/{id}"{referrer}}}}}"#,
                iso(ts)
            ));
            id += 1;
            // Sometimes a second event at the very same timestamp.
            if rng.below(5) == 0 {
                lines.push(format!(
                    r#"{{"id": {id}, "type": "placed_order", "event": {{"customer-id": {customer}, "timestamp": "{}.648681"}}}}"#,
                    iso(ts)
                ));
                id += 1;
            }
        }
    }
    lines
}

#[test]
fn chunks_in_random_order_give_exactly_what_one_ingest_and_a_rebuild_give() {
    for seed in 1u64..=10 {
        let mut rng = Rng(seed * 7919);
        let mut lines = random_events(&mut rng, 4);
        rng.shuffle(&mut lines);

        let whole = Workspace::new();
        let (out, _) = whole.ingest("-", lines.join("\n").as_bytes());
        assert_eq!(out.code, 0, "{}", out.stderr);
        let expected = whole.session_rows();
        assert!(
            expected.len() > 4,
            "seed {seed}: too few sessions to mean anything"
        );

        let pieces = Workspace::new();
        let mut rest = lines.clone();
        rng.shuffle(&mut rest);
        while !rest.is_empty() {
            let take = (1 + rng.below(rest.len() as u64 / 2 + 1)) as usize;
            let chunk: Vec<String> = rest.drain(..take.min(rest.len())).collect();
            // Overlap: a few lines of the chunk again, which must count as duplicates.
            let mut input = chunk.clone();
            input.extend(chunk.iter().take(2).cloned());
            let (out, _) = pieces.ingest("-", input.join("\n").as_bytes());
            assert_eq!(out.code, 0, "{}", out.stderr);
        }
        assert_eq!(pieces.session_rows(), expected, "seed {seed}: incremental");
        assert_eq!(pieces.event_rows(), whole.event_rows());

        let out = run(&["sessionize", "--db", &pieces.db_str()], b"");
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(pieces.session_rows(), expected, "seed {seed}: rebuild");
    }
}

/// Customers and sessions of the real sample, computed here from the JSON text with `time`,
/// independently of xcc's parser and sessionizer.
#[test]
fn real_sample_matches_an_independent_count() {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]");
    let mut by_customer: BTreeMap<i64, Vec<(PrimitiveDateTime, i64)>> = BTreeMap::new();
    for line in std::fs::read_to_string(REAL_HEAD).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(c) = v["event"]["customer-id"].as_i64() {
            let ts = PrimitiveDateTime::parse(v["event"]["timestamp"].as_str().unwrap(), &format)
                .unwrap();
            by_customer
                .entry(c)
                .or_default()
                .push((ts, v["id"].as_i64().unwrap()));
        }
    }
    let mut sessions = 0;
    let mut logged_in_events = 0;
    for events in by_customer.values_mut() {
        events.sort();
        sessions += 1;
        for pair in events.windows(2) {
            if pair[1].0 - pair[0].0 >= time::Duration::minutes(30) {
                sessions += 1;
            }
        }
        logged_in_events += events.len();
    }

    let w = Workspace::new();
    let (out, report) = w.ingest(REAL_HEAD, b"");
    assert_eq!(out.code, 0);
    assert_eq!(
        w.count("SELECT count(DISTINCT customer_id) FROM sessions"),
        by_customer.len() as i64
    );
    assert_eq!(w.count("SELECT count(*) FROM sessions"), sessions);
    assert_eq!(
        w.count("SELECT sum(event_count) FROM sessions"),
        logged_in_events as i64
    );
    assert_eq!(
        report.unwrap()["customers_resessionized"],
        by_customer.len()
    );
    // session_number counts 1, 2, … per customer in time order.
    assert_eq!(
        w.count(
            "SELECT count(*) FROM (SELECT customer_id, max(session_number) AS m, count(*) AS n
             FROM sessions GROUP BY customer_id) WHERE m != n"
        ),
        0
    );
}

#[test]
fn sessionize_with_another_timeout_is_stored_and_used_by_later_ingests() {
    let lines = [
        r#"{"id": 1, "type": "page_view", "event": {"customer-id": 1, "timestamp": "2022-05-01T10:00:00"}}"#,
        r#"{"id": 2, "type": "page_view", "event": {"customer-id": 1, "timestamp": "2022-05-01T10:40:00"}}"#,
        r#"{"id": 3, "type": "page_view", "event": {"customer-id": 1, "timestamp": "2022-05-01T11:30:00"}}"#,
    ];
    let w = Workspace::new();
    w.ingest("-", lines[..2].join("\n").as_bytes());
    assert_eq!(w.count("SELECT count(*) FROM sessions"), 2);

    let out = run(
        &["sessionize", "--db", &w.db_str(), "--timeout", "45m"],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The old and the new timeout, and the sessions before and after.
    assert_eq!(
        out.stderr.trim(),
        "xcc: sessions rebuilt with a 45m timeout (was 30m): 1 session (was 2)"
    );
    let again = run(&["sessionize", "--db", &w.db_str()], b"");
    assert_eq!(
        again.stderr.trim(),
        "xcc: sessions rebuilt with a 45m timeout (unchanged): 1 session (as before)"
    );
    assert_eq!(w.count("SELECT count(*) FROM sessions"), 1);
    assert_eq!(
        w.rows("SELECT value FROM meta WHERE key = 'session_timeout_seconds'"),
        vec!["Text(\"2700\")"]
    );
    // 50 minutes after the last event: a new session under 45m.
    w.ingest("-", lines[2].as_bytes());
    assert_eq!(
        w.rows("SELECT session_number, event_count FROM sessions ORDER BY id"),
        vec!["Integer(1)|Integer(2)", "Integer(2)|Integer(1)"]
    );
    let out = run(&["sessionize", "--db", &w.db_str(), "--timeout", "1h"], b"");
    assert_eq!(out.code, 0);
    assert_eq!(w.count("SELECT count(*) FROM sessions"), 1);
    let out = run(
        &["sessionize", "--db", &w.db_str(), "--timeout", "900s"],
        b"",
    );
    assert_eq!(out.code, 0);
    assert_eq!(w.count("SELECT count(*) FROM sessions"), 3);
}

#[test]
fn nonsense_timeouts_are_refused() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    for (value, message) in [
        ("0", "a duration must be more than zero, not '0'"),
        (
            "-5m",
            "'-5m' is not a duration; give numbers with units, like 500ms, 30s, 45m or 1h30m",
        ),
        (
            "soon",
            "'soon' is not a duration; give numbers with units, like 500ms, 30s, 45m or 1h30m",
        ),
    ] {
        let out = run(
            &["sessionize", "--db", &w.db_str(), "--timeout", value],
            b"",
        );
        assert_eq!(out.code, 2, "{value}");
        assert!(out.stderr.contains(message), "{value}: {}", out.stderr);
    }
    assert_eq!(
        w.rows("SELECT value FROM meta WHERE key = 'session_timeout_seconds'"),
        vec!["Text(\"1800\")"]
    );
}

#[test]
fn sessionize_of_a_missing_database_is_one_sentence() {
    let w = Workspace::new();
    let out = run(&["sessionize", "--db", &w.db_str()], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!("xcc: {}", xcc::store::missing_database(&w.db()))
    );
}

#[test]
fn session_columns_are_readable() {
    let w = Workspace::new();
    let lines = [
        r#"{"id": 10, "type": "search", "event": {"customer-id": 1, "timestamp": "2022-05-01T10:00:00.5"}}"#,
        r#"{"id": 11, "type": "page_view", "event": {"customer-id": 1, "timestamp": "2022-05-01T10:05:00", "page": "https://xcc-webshop.com/checkout", "referrer": "https://WWW.Google.com/q"}}"#,
        r#"{"id": 12, "type": "placed_order", "event": {"customer-id": 1, "timestamp": "2022-05-01T10:05:00"}}"#,
    ];
    w.ingest("-", lines.join("\n").as_bytes());
    assert_eq!(
        w.rows(
            "SELECT s.id, s.customer_id, s.session_number, v.started_at, v.ended_at,
                    s.duration_seconds, s.event_count, s.page_view_count, s.order_count,
                    v.first_order_at, s.referrer, s.referrer_host, s.landing_page
             FROM sessions AS s JOIN v_sessions AS v ON v.session_id = s.id"
        ),
        vec![
            "Integer(10)|Integer(1)|Integer(1)|Text(\"2022-05-01T10:00:00.500000Z\")|\
             Text(\"2022-05-01T10:05:00.000000Z\")|Real(299.5)|Integer(3)|Integer(1)|Integer(1)|\
             Text(\"2022-05-01T10:05:00.000000Z\")|Text(\"https://WWW.Google.com/q\")|\
             Text(\"www.google.com\")|Text(\"https://xcc-webshop.com/checkout\")"
        ]
    );
}

#[test]
fn a_late_event_that_bridges_two_sessions_merges_them_and_renumbers_the_rest() {
    let at = |id: i64, minute: i64| {
        format!(
            r#"{{"id": {id}, "type": "page_view", "event": {{"customer-id": 9, "timestamp": "2022-05-01T{:02}:{:02}:00"}}}}"#,
            minute / 60,
            minute % 60
        )
    };
    let w = Workspace::new();
    // Sessions at 0-10, 50-55 and 120: three sessions.
    w.ingest(
        "-",
        [at(1, 0), at(2, 10), at(3, 50), at(4, 55), at(5, 120)]
            .join("\n")
            .as_bytes(),
    );
    assert_eq!(w.count("SELECT count(*) FROM sessions"), 3);
    // An event at minute 30 bridges the first two (gaps of 20 minutes each).
    let (_, r) = w.ingest("-", at(6, 30).as_bytes());
    assert_eq!(r.unwrap()["sessions_written"], 2);
    assert_eq!(
        w.rows("SELECT id, session_number, event_count FROM sessions ORDER BY session_number"),
        vec![
            "Integer(1)|Integer(1)|Integer(5)",
            "Integer(5)|Integer(2)|Integer(1)"
        ]
    );
    // An event after everything touches only the last session.
    let (_, r) = w.ingest("-", at(7, 130).as_bytes());
    assert_eq!(r.unwrap()["sessions_written"], 1);
    let rebuilt = Workspace::new();
    rebuilt.ingest(
        "-",
        [
            at(1, 0),
            at(2, 10),
            at(3, 50),
            at(4, 55),
            at(5, 120),
            at(6, 30),
            at(7, 130),
        ]
        .join("\n")
        .as_bytes(),
    );
    assert_eq!(w.session_rows(), rebuilt.session_rows());
}

#[test]
fn a_version_1_file_is_read_as_it_is_and_upgraded_by_the_first_writer() {
    let w = Workspace::with_version_1_file();
    assert_eq!(w.count("PRAGMA user_version"), 1);
    let db = w.db_str();
    let read_v1 = run(&["metrics", "orders", "--db", &db], b"");
    assert_eq!(read_v1.code, 0, "{}", read_v1.stderr);
    let sessions_v1 = w.session_rows();

    // The same events into a new file, to compare against.
    let fresh = Workspace::new();
    fresh.ingest(REAL_HEAD, b"");
    assert_eq!(sessions_v1, fresh.session_rows());
    let read_fresh = run(&["metrics", "orders", "--db", &fresh.db_str()], b"");
    assert_eq!(read_v1.stdout, read_fresh.stdout);

    // A customer of the sample, 20 minutes after their last event, and a new customer.
    let (customer, last_us): (i64, i64) = w
        .conn()
        .query_row(
            "SELECT customer_id, max(ts_us) FROM events WHERE customer_id IS NOT NULL
             GROUP BY customer_id ORDER BY customer_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let late = last_us / 1_000_000 + 20 * 60 - 1_651_363_200;
    let more = [
        crate::util::event(900_000_001, customer, late, "placed_order", None),
        crate::util::event(
            900_000_002,
            77_777_777,
            0,
            "page_view",
            Some("https://a.example/"),
        ),
    ]
    .join("\n");
    let out = run(&["ingest", "-", "--db", &db], more.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "xcc: upgraded {db} from schema version 1 to 9 (sessions in customer order; order rows filled from the sessions; tables of the figures at other session timeouts made; per-customer figures at other session timeouts dropped; times that only render their integers no longer stored; event types and URLs stored once: 9 types, 232 URLs, 308 sessions rebuilt; every table with a rowid, the calendar of the events' days made; the ledger keeps each download's ETag and Last-Modified)"
        )),
        "{}",
        out.stderr
    );
    fresh.ingest("-", more.as_bytes());

    let version = xcc::store::schema::SCHEMA_VERSION;
    assert_eq!(w.count("PRAGMA user_version"), version);
    assert_eq!(
        w.rows("SELECT value FROM meta WHERE key = 'schema_version'"),
        vec![format!("Text(\"{version}\")")]
    );
    assert_eq!(
        w.rows("SELECT name FROM pragma_index_list('sessions') ORDER BY name"),
        fresh.rows("SELECT name FROM pragma_index_list('sessions') ORDER BY name")
    );
    assert_eq!(
        w.rows("SELECT type, name, sql FROM sqlite_schema ORDER BY name"),
        fresh.rows("SELECT type, name, sql FROM sqlite_schema ORDER BY name")
    );
    assert_eq!(w.session_rows(), fresh.session_rows());
    assert_eq!(w.event_rows(), fresh.event_rows());
    assert_eq!(
        w.rows("SELECT * FROM dictionary"),
        fresh.rows("SELECT * FROM dictionary")
    );
    assert_eq!(w.rows("PRAGMA integrity_check"), vec!["Text(\"ok\")"]);
    // The late order joined the customer's last session: one session more than before, for
    // the new customer only.
    assert_eq!(w.count("SELECT count(*) FROM sessions"), 309);

    // Upgraded once: the next writer says nothing about it.
    let out = run(&["sessionize", "--db", &db], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("upgraded"), "{}", out.stderr);
    assert_eq!(w.session_rows(), fresh.session_rows());
}

/// One source of truth for the schema: a new file is made from schema.sql, an older one by
/// the migrations; a file of every older version (the real sample ingested by the last xcc
/// of that version, tests/data/make-schema-fixtures.sh) migrated by the first writer has
/// exactly the tables, indexes, views and their SQL of a new file, the same dictionary, and
/// the same answers.
#[test]
fn every_older_version_migrates_to_exactly_the_schema_of_a_new_file() {
    let fresh = Workspace::new();
    fresh.ingest(REAL_HEAD, b"");
    let schema = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name";
    for version in 1..xcc::store::schema::SCHEMA_VERSION {
        let w = Workspace::with_version_file(version);
        assert_eq!(w.count("PRAGMA user_version"), version);
        let (out, _) = w.ingest("-", b"");
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "from schema version {version} to {}",
                xcc::store::schema::SCHEMA_VERSION
            )),
            "{}",
            out.stderr
        );
        assert_eq!(w.rows(schema), fresh.rows(schema), "from version {version}");
        assert_eq!(
            w.rows("SELECT * FROM dictionary ORDER BY name, column_name"),
            fresh.rows("SELECT * FROM dictionary ORDER BY name, column_name"),
            "from version {version}"
        );
        assert_eq!(
            w.session_rows(),
            fresh.session_rows(),
            "from version {version}"
        );
        for metric in ["orders", "referrers", "sensitivity", "summary"] {
            let got = run(&["metrics", metric, "--db", &w.db_str()], b"").json();
            let want = run(&["metrics", metric, "--db", &fresh.db_str()], b"").json();
            let comparable = |mut v: serde_json::Value| {
                // What the file holds says when it was made and by how many ingests.
                if let Some(o) = v.as_object_mut() {
                    o.retain(|k, _| !k.contains("ingest") && !k.ends_with("_at"));
                }
                v
            };
            assert_eq!(
                comparable(got),
                comparable(want),
                "{metric} from version {version}"
            );
        }
    }
}
