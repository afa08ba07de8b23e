//! A refresh of a URL (issue 39): the second ingest of a URL is a conditional GET with the
//! validators its server sent last time, and an unchanged file crosses the network no more.
//! The server is a [`Resource`] on 127.0.0.1 that honours If-None-Match and If-Modified-Since
//! and counts the body bytes it sends.

use std::sync::Arc;

use xcc::ingest::{unchanged_sentence, Unchanged};

use crate::util::{http_server, run, Reply, Resource, ResourceState, Workspace, REAL_HEAD};

const MAY_25: &str = "Wed, 25 May 2022 05:44:03 GMT";
const MAY_26: &str = "Thu, 26 May 2022 07:00:00 GMT";

fn real_head() -> Vec<u8> {
    std::fs::read(REAL_HEAD).unwrap()
}

/// The first `n` lines of the real sample, each with its line break.
fn head_lines(n: usize) -> Vec<u8> {
    let text = String::from_utf8(real_head()).unwrap();
    text.lines()
        .take(n)
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes()
}

/// A server of `body` with these validators that honours conditional GETs.
fn serving(
    body: Vec<u8>,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> (String, Arc<Resource>) {
    let resource = Resource::new(ResourceState {
        body,
        etag: etag.map(str::to_string),
        last_modified: last_modified.map(str::to_string),
        honours_conditions: true,
        ..ResourceState::default()
    });
    let (url, _) = http_server(vec![Reply::Resource(resource.clone())]);
    (url, resource)
}

/// Every row the file offers but the ledger's own (the `ingests` table, the history and the
/// two views that list them): the events, sessions, rejects, blocks, order and sensitivity
/// rows, and every other view.
fn offered_rows(w: &Workspace) -> Vec<String> {
    let mut rows = w.event_rows();
    rows.extend(w.session_rows());
    for table in [
        "rejects",
        "ingest_blocks",
        "order_visits",
        "first_orders",
        "sensitivity",
        "calendar",
        "event_types",
        "urls",
        "v_sessions",
        "v_order_visits",
        "v_first_order",
        "v_referrers",
        "v_sensitivity",
        "v_dictionary",
    ] {
        rows.push(format!("-- {table}"));
        rows.extend(w.rows(&format!("SELECT * FROM {table}")));
    }
    rows
}

/// The ledger row of ingest `id`: counts, bytes, events' times, validators, unchanged_since.
fn ledger_row(w: &Workspace, id: i64) -> String {
    w.rows(&format!(
        "SELECT source, lines_read, stored, duplicates, rejected, bytes, first_event_at,
                last_event_at, etag, last_modified, unchanged_since
         FROM ingests WHERE id = {id}"
    ))
    .join("\n")
}

/// `xcc ingest URL --db DB --json` without --quiet, so that its summary shows.
fn refresh(w: &Workspace, url: &str, extra: &[&str]) -> crate::util::Output {
    let db = w.db_str();
    let mut args = vec!["ingest", url, "--db", &db, "--json"];
    args.extend_from_slice(extra);
    run(&args, b"")
}

#[test]
fn a_refresh_of_an_unchanged_url_sends_no_body_and_changes_no_row() {
    let body = real_head();
    let (url, server) = serving(body.clone(), Some("\"v1\""), Some(MAY_25));
    let w = Workspace::new();
    let (out, first) = w.ingest(&url, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let first = first.unwrap();
    assert_eq!(first["stored"], 1152);
    assert_eq!(first["unchanged_since"], serde_json::Value::Null);
    assert_eq!(server.state().body_bytes_sent, body.len());
    assert_eq!(
        ledger_row(&w, 1).split('|').skip(8).collect::<Vec<_>>(),
        ["Text(\"\\\"v1\\\"\")", &format!("Text({MAY_25:?})"), "Null"]
    );
    let offered = offered_rows(&w);
    let finished_at = w.rows("SELECT finished_at FROM ingests WHERE id = 1")[0].clone();

    // Twice: each refresh is unchanged since ingest 1, the last one that read a body.
    for ingest_id in [2, 3] {
        let out = refresh(&w, &url, &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let finished = finished_at
            .trim_start_matches("Text(\"")
            .trim_end_matches("\")");
        let since = Unchanged {
            ingest_id: 1,
            finished_at: finished.to_string(),
        };
        assert_eq!(
            out.stderr,
            format!("{}\n", unchanged_sentence(&url, &since))
        );
        assert!(
            out.stderr
                .contains("is unchanged since ingest 1, finished 20"),
            "{}",
            out.stderr
        );
        let report = out.json();
        assert_eq!(report["ingest_id"], ingest_id);
        assert_eq!(report["unchanged_since"]["ingest_id"], 1);
        assert_eq!(report["unchanged_since"]["finished_at"], finished);
        for count in [
            "lines_read",
            "stored",
            "duplicates",
            "rejected",
            "bytes",
            "recognised",
        ] {
            assert_eq!(report[count], 0, "{count}");
        }
        // Nothing crossed the network but the answer's head.
        let state = server.state();
        assert_eq!(state.body_bytes_sent, body.len());
        assert_eq!(
            state.conditions.last().unwrap(),
            &(Some("\"v1\"".to_string()), Some(MAY_25.to_string())),
            "both validators sent"
        );
        assert_eq!(state.statuses.last(), Some(&304));
        assert_eq!(
            ledger_row(&w, ingest_id),
            format!("Text({url:?})|Integer(0)|Integer(0)|Integer(0)|Integer(0)|Integer(0)|Null|Null|Null|Null|Integer(1)")
        );
    }
    // Each refresh has its row of the history, where nothing moved.
    assert_eq!(
        w.rows(
            "SELECT ingest_id, events_before, events_after, sessions_before, sessions_after,
                    new_events, customers_touched, sessions_rebuilt
             FROM history WHERE ingest_id > 1 ORDER BY ingest_id"
        ),
        [2, 3].map(|id| format!(
            "Integer({id})|Integer(1152)|Integer(1152)|Integer(308)|Integer(308)|Integer(0)|Integer(0)|Integer(0)"
        ))
    );
    assert_eq!(offered_rows(&w), offered);
    // The file at a glance says what each refresh was.
    let about = w.rows("SELECT value FROM about WHERE item = 'ingest 2'");
    assert!(
        about[0].ends_with(
            ": unchanged since ingest 1 (the server answered 304 Not Modified), nothing read\")"
        ),
        "{about:?}"
    );
    let verified = run(&["verify", "--db", &w.db_str()], b"");
    assert_eq!(verified.code, 0, "{}", verified.stderr);
}

#[test]
fn a_changed_body_is_downloaded_and_its_new_lines_stored() {
    let first_body = head_lines(700);
    let (url, server) = serving(first_body.clone(), Some("\"a\""), Some(MAY_25));
    let w = Workspace::new();
    let (_, r) = w.ingest(&url, b"");
    assert_eq!(r.unwrap()["stored"], 700);

    let second_body = real_head();
    server.change(|s| {
        s.body = second_body.clone();
        s.etag = Some("\"b\"".to_string());
        s.last_modified = Some(MAY_26.to_string());
    });
    let (out, r) = w.ingest(&url, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = r.unwrap();
    assert_eq!(
        (r["stored"].as_u64(), r["duplicates"].as_u64()),
        (Some(452), Some(700))
    );
    assert_eq!(r["unchanged_since"], serde_json::Value::Null);
    let state = server.state();
    assert_eq!(
        state.conditions[1],
        (Some("\"a\"".to_string()), Some(MAY_25.to_string()))
    );
    assert_eq!(state.statuses, [200, 200]);
    assert_eq!(state.body_bytes_sent, first_body.len() + second_body.len());
    assert_eq!(
        w.rows("SELECT etag, last_modified FROM ingests WHERE id = 2"),
        [format!("Text(\"\\\"b\\\"\")|Text({MAY_26:?})")]
    );
    // The same rows as one ingest of the whole sample.
    let once = Workspace::new();
    once.ingest(REAL_HEAD, b"");
    assert_eq!(w.event_rows(), once.event_rows());
    assert_eq!(w.session_rows(), once.session_rows());

    // And the next refresh asks with the new validators.
    let (_, r) = w.ingest(&url, b"");
    assert_eq!(r.unwrap()["unchanged_since"]["ingest_id"], 2);
    assert_eq!(
        server.state().body_bytes_sent,
        first_body.len() + second_body.len()
    );
}

#[test]
fn a_server_with_only_last_modified_is_asked_if_modified_since() {
    let (url, server) = serving(head_lines(500), None, Some(MAY_25));
    let w = Workspace::new();
    w.ingest(&url, b"");
    let (out, r) = w.ingest(&url, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(r.unwrap()["unchanged_since"]["ingest_id"], 1);
    assert_eq!(
        server.state().conditions[1],
        (None, Some(MAY_25.to_string()))
    );
    assert_eq!(server.state().statuses, [200, 304]);

    // Published again a day later: modified since, so sent whole.
    server.change(|s| {
        s.body = real_head();
        s.last_modified = Some(MAY_26.to_string());
    });
    let (_, r) = w.ingest(&url, b"");
    let r = r.unwrap();
    assert_eq!(r["stored"], 1152 - 500);
    assert_eq!(server.state().statuses, [200, 304, 200]);
}

#[test]
fn a_weak_etag_is_sent_back_as_it_came() {
    let (url, server) = serving(head_lines(100), Some("W/\"5c1a-17f0b2\""), None);
    let w = Workspace::new();
    w.ingest(&url, b"");
    let (_, r) = w.ingest(&url, b"");
    assert_eq!(r.unwrap()["unchanged_since"]["ingest_id"], 1);
    assert_eq!(
        server.state().conditions[1],
        (Some("W/\"5c1a-17f0b2\"".to_string()), None)
    );
}

#[test]
fn a_server_that_ignores_the_conditions_is_read_as_before() {
    let body = real_head();
    let (url, server) = serving(body.clone(), Some("\"v1\""), Some(MAY_25));
    server.change(|s| s.honours_conditions = false);
    let w = Workspace::new();
    w.ingest(&url, b"");
    let (out, r) = w.ingest(&url, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = r.unwrap();
    // Asked conditionally, answered whole: read as a re-ingest of the same bytes.
    let state = server.state();
    assert_eq!(
        state.conditions[1],
        (Some("\"v1\"".to_string()), Some(MAY_25.to_string()))
    );
    assert_eq!(state.statuses, [200, 200]);
    assert_eq!(state.body_bytes_sent, 2 * body.len());
    assert_eq!(r["unchanged_since"], serde_json::Value::Null);
    assert_eq!(
        (
            r["stored"].as_u64(),
            r["duplicates"].as_u64(),
            r["recognised"].as_u64()
        ),
        (Some(0), Some(1152), Some(1152))
    );
    assert_eq!(r["bytes"], body.len());
}

#[test]
fn a_refresh_asks_conditionally_only_to_read_the_body_as_the_earlier_ingest_did() {
    let body = real_head();
    let (url, server) = serving(body.clone(), Some("\"v1\""), Some(MAY_25));
    let w = Workspace::new();
    w.ingest(&url, b"");
    // --parse-all parses every line, so it downloads every byte.
    let out = refresh(&w, &url, &["--parse-all", "--quiet"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["duplicates"], 1152);
    // Another --max-line-bytes may keep or reject other lines than ingest 2 did.
    let out = refresh(&w, &url, &["--max-line-bytes", "100000", "--quiet"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["duplicates"], 1152);
    // Back to the default: the latest body, ingest 3's, was read with another limit.
    let (_, r) = w.ingest(&url, b"");
    assert_eq!(r.unwrap()["duplicates"], 1152);
    let state = server.state();
    assert_eq!(
        state.conditions[1..],
        [(None, None), (None, None), (None, None)]
    );
    assert_eq!(state.body_bytes_sent, 4 * body.len());
    // Ingest 4 read it as a refresh with the defaults reads it.
    let (_, r) = w.ingest(&url, b"");
    assert_eq!(r.unwrap()["unchanged_since"]["ingest_id"], 4);
    assert_eq!(server.state().body_bytes_sent, 4 * body.len());
}

#[test]
fn validators_go_along_a_redirect_and_belong_to_the_url_asked_for() {
    let (target, server) = serving(real_head(), Some("\"v1\""), None);
    let (url, asked) = http_server(vec![Reply::RedirectTo(target.clone())]);
    let w = Workspace::new();
    w.ingest(&url, b"");
    assert_eq!(
        w.rows("SELECT source, etag FROM ingests"),
        [format!("Text({url:?})|Text(\"\\\"v1\\\"\")")]
    );
    let (_, r) = w.ingest(&url, b"");
    assert_eq!(r.unwrap()["unchanged_since"]["ingest_id"], 1);
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(
        server.state().conditions[1],
        (Some("\"v1\"".to_string()), None)
    );
    // The target itself was never ingested: it is asked for whole.
    let (_, r) = w.ingest(&target, b"");
    assert_eq!(r.unwrap()["duplicates"], 1152);
    assert_eq!(server.state().conditions[2], (None, None));
}

#[test]
fn validators_that_are_not_plain_header_values_are_neither_kept_nor_sent() {
    // Longer than xcc keeps (input::validators::MAX_VALIDATOR_BYTES).
    let long = format!(
        "\"{}\"",
        "a".repeat(xcc::input::validators::MAX_VALIDATOR_BYTES)
    );
    let (url, server) = serving(head_lines(100), Some(&long), None);
    let w = Workspace::new();
    w.ingest(&url, b"");
    assert_eq!(w.rows("SELECT etag FROM ingests"), ["Null"]);
    w.ingest(&url, b"");
    assert_eq!(server.state().conditions[1], (None, None));

    // A file from anyone: a ledger whose ETag would add a header to the request, and whose
    // time would steer the terminal.
    let (url, server) = serving(head_lines(100), Some("\"v1\""), Some(MAY_25));
    let w = Workspace::new();
    w.ingest(&url, b"");
    w.conn()
        .execute(
            "UPDATE ingests SET etag = '\"v1\"' || char(13, 10) || 'X-Injected: 1',
                                finished_at = '2022' || char(27) || ']0;owned' || char(7)",
            [],
        )
        .unwrap();
    let out = refresh(&w, &url, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The date alone was sent, and met.
    assert_eq!(
        server.state().conditions[1],
        (None, Some(MAY_25.to_string()))
    );
    assert!(
        out.stderr
            .contains("finished 2022\\u{1b}]0;owned\\u{7} (the server"),
        "{:?}",
        out.stderr
    );
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    // The JSON has the file's text as it is: it is data.
    assert_eq!(
        out.json()["unchanged_since"]["finished_at"],
        "2022\u{1b}]0;owned\u{7}"
    );
}

#[test]
fn a_304_to_a_request_without_validators_is_an_error() {
    let (url, _) = http_server(vec![Reply::Status(304)]);
    let w = Workspace::new();
    let (out, _) = w.ingest(&url, b"");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim(),
        format!("xcc: download of {url} failed: the server answered 304 Not Modified to a request that asked for the whole body")
    );
    assert!(!w.db().exists(), "nothing was written");
}
