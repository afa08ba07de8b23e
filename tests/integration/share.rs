//! `xcc share` and the working file at rest: the file people e-mail to analysts.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::Connection;
use xcc::ingest::reasons::template;

use crate::util::{
    as_nobody, event, http_server, run, with_read_only_folder, Reply, Served, Workspace, REAL_HEAD,
};

/// Every metric: its name on the command line and its path.
const METRICS: [(&str, &str); 8] = [
    ("orders", "/metrics/orders"),
    ("orders-detail", "/metrics/orders/detail"),
    ("referrers", "/metrics/referrers"),
    ("summary", "/metrics/summary"),
    ("daily", "/metrics/daily"),
    ("distributions", "/metrics/distributions"),
    ("history", "/metrics/history"),
    ("sensitivity", "/metrics/sensitivity"),
];

/// A working file with the real sample (real user agents and IPs, nearly one per event), the
/// nasty corpus (rejects) and generated events in the real file's shape.
fn working_file() -> Workspace {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    w.ingest(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/nasty.jsonl"),
        b"",
    );
    let generated = run(
        &[
            "generate",
            "--events",
            "20000",
            "--seed",
            "3",
            "--realistic",
        ],
        b"",
    );
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    // Ids after the sample's, so that nothing collides.
    let shifted: String = generated
        .stdout
        .lines()
        .map(|l| l.replacen("{\"id\": ", "{\"id\": 10", 1) + "\n")
        .collect();
    w.ingest("-", shifted.as_bytes());
    w
}

fn share(w: &Workspace, out: &str, extra: &[&str]) -> crate::util::Output {
    let (db, out_path) = (w.db_str(), w.path(out));
    let mut args = vec!["share", "--db", &db, "--out", out_path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let result = run(&args, b"");
    assert_eq!(result.code, 0, "{}", result.stderr);
    result
}

fn metric(db: &Path, name: &str) -> String {
    let out = run(&["metrics", name, "--db", db.to_str().unwrap()], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

/// `xcc metrics NAME` on the working file `db` as the shared file `shared` made from it
/// answers: the same, but for the summary's last_ingest_source, which a shared file has
/// redacted (a file by its name alone, a URL without its secrets), and its shared_at and
/// shared_events, null in a working file.
fn metric_as_shared(db: &Path, name: &str, shared: &Path) -> String {
    let answer = metric(db, name);
    if name != "summary" {
        return answer;
    }
    let mut summary: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let source = summary["last_ingest_source"].as_str().unwrap();
    summary["last_ingest_source"] = xcc::share::urls::redact_source(source).into();
    serde_json::to_string_pretty(&summary_as_shared(summary, shared)).unwrap() + "\n"
}

/// A working file's summary as the shared file `shared` gives it: shared_at and shared_events
/// are that file's meta facts (null in the working file's summary).
fn summary_as_shared(mut summary: serde_json::Value, shared: &Path) -> serde_json::Value {
    assert!(summary["shared_at"].is_null() && summary["shared_events"].is_null());
    let conn = Connection::open(shared).unwrap();
    for key in ["shared_at", "shared_events"] {
        let value: String = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .unwrap();
        summary[key] = value.into();
    }
    summary
}

/// `xcc metrics NAME` on `db` run as user nobody, which must succeed.
fn metric_as_nobody(db: &Path, name: &str) -> String {
    let out = as_nobody(env!("CARGO_BIN_EXE_xcc"))
        .args(["metrics", name, "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every user agent and IP of the input lines, read with serde_json.
fn personal_values(lines: &[u8]) -> Vec<String> {
    let mut values = Vec::new();
    for line in lines.split(|&b| b == b'\n') {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        for key in ["user-agent", "ip"] {
            if let Some(s) = v["event"][key].as_str() {
                values.push(s.to_string());
            }
        }
    }
    values.sort();
    values.dedup();
    values
}

/// The text values of a one-column query on the working file.
fn texts(w: &Workspace, sql: &str) -> Vec<String> {
    let conn = w.conn();
    let mut statement = conn.prepare(sql).unwrap();
    let rows = statement.query_map([], |r| r.get::<_, Option<String>>(0));
    rows.unwrap().filter_map(|r| r.unwrap()).collect()
}

/// The values of `needles` that occur anywhere in `bytes`. A plain search per value would
/// take minutes (tens of thousands of values in megabytes), so IPs are looked up among the
/// runs of digits and dots of the file, and user agents at the places where one of their
/// first six bytes occurs.
fn found_in<'a>(bytes: &[u8], needles: &'a [String]) -> Vec<&'a String> {
    let is_ip_char = |c: &u8| c.is_ascii_digit() || *c == b'.';
    let (ips, agents): (Vec<&String>, Vec<&String>) = needles
        .iter()
        .partition(|n| n.bytes().all(|c| is_ip_char(&c)));
    let ips: HashSet<&[u8]> = ips.iter().map(|n| n.as_bytes()).collect();
    let agents: HashSet<&[u8]> = agents.iter().map(|n| n.as_bytes()).collect();
    let mut found: HashSet<&[u8]> = HashSet::new();
    // Every substring of every run of digits and dots.
    for run in bytes.split(|c| !is_ip_char(c)).filter(|r| r.len() >= 7) {
        for start in 0..run.len() {
            for end in start + 7..=run.len().min(start + 15) {
                found.extend(ips.get(&run[start..end]));
            }
        }
    }
    let lengths: BTreeSet<usize> = agents.iter().map(|a| a.len()).collect();
    let prefixes: HashSet<&[u8]> = agents.iter().map(|a| &a[..6.min(a.len())]).collect();
    for start in 0..bytes.len() {
        if !prefixes.contains(&bytes[start..(start + 6).min(bytes.len())]) {
            continue;
        }
        for &len in lengths.iter().filter(|&&l| start + l <= bytes.len()) {
            found.extend(agents.get(&bytes[start..start + len]));
        }
    }
    needles
        .iter()
        .filter(|n| found.contains(n.as_bytes()))
        .collect()
}

#[test]
fn a_shared_file_gives_the_same_numbers_from_the_cli_and_every_endpoint() {
    let w = working_file();
    for events in ["none", "logged-in"] {
        let name = format!("analysts-{events}.db");
        share(&w, &name, &["--events", events]);
        let shared = w.path(&name);
        for (m, _) in METRICS {
            assert_eq!(
                metric(&shared, m),
                metric_as_shared(&w.db(), m, &shared),
                "{events}: {m}"
            );
        }
        let working = Served::start(&w.db(), &["--quiet"]);
        let analysts = Served::start(&shared, &["--quiet"]);
        // Status, content type and body (the Date header may tick between the two).
        let answer = |served: &Served, path: &str| {
            let (status, headers, body) = served.request("GET", path);
            let content_type = headers.into_iter().find(|(k, _)| k == "content-type");
            (status, content_type, body)
        };
        for (_, path) in METRICS {
            let (status, content_type, body) = answer(&working, path);
            let body = if path == "/metrics/summary" {
                let summary = serde_json::from_str(&body).unwrap();
                summary_as_shared(summary, &shared).to_string()
            } else {
                body
            };
            assert_eq!(
                answer(&analysts, path),
                (status, content_type, body),
                "{path}"
            );
        }
        // The dashboard comes from the same binary.
        assert_eq!(answer(&analysts, "/"), answer(&working, "/"));
        // /health names the file it serves, by its name only (not the folder it lies in).
        let health = analysts.get_json("/health");
        assert_eq!(
            health["database"],
            shared.file_name().unwrap().to_str().unwrap()
        );
        assert_eq!(health["status"], "ok");
    }
}

#[test]
fn a_shared_file_holds_no_ip_or_user_agent_of_the_input() {
    let w = working_file();
    // Every user agent and IP of the real sample, read from the input with serde_json, and
    // every one the working file stored (the generated ones among them).
    let mut personal = personal_values(&std::fs::read(REAL_HEAD).unwrap());
    assert!(personal.len() > 2000, "{} values", personal.len());
    personal.extend(texts(
        &w,
        "SELECT user_agent FROM v_events UNION SELECT ip FROM v_events",
    ));
    personal.sort();
    personal.dedup();
    assert!(personal.len() > 30_000, "{} values", personal.len());

    share(&w, "none.db", &[]);
    share(&w, "logged-in.db", &["--events", "logged-in"]);
    for name in ["none.db", "logged-in.db"] {
        // The whole file, free pages included.
        let bytes = std::fs::read(w.path(name)).unwrap();
        let found = found_in(&bytes, &personal);
        assert!(
            found.is_empty(),
            "{name} holds {} of them: {:?}",
            found.len(),
            &found[..found.len().min(3)]
        );
        // An IPv4 address is stored as a number (events.ip_v4), which a search for its text
        // cannot find: the column itself must be empty.
        let shared = Workspace::new();
        std::fs::copy(w.path(name), shared.db()).unwrap();
        assert_eq!(
            shared.count("SELECT count(*) FROM events WHERE ip_v4 IS NOT NULL OR ip IS NOT NULL"),
            0,
            "{name}"
        );
    }

    // The search finds them when they are there: kept on request, for logged-in events.
    let out = share(
        &w,
        "kept.db",
        &["--events", "logged-in", "--keep-personal-data"],
    );
    assert!(
        out.stderr.contains("ip and user_agent KEPT"),
        "{}",
        out.stderr
    );
    let bytes = std::fs::read(w.path("kept.db")).unwrap();
    let agents = texts(
        &w,
        "SELECT DISTINCT user_agent FROM events WHERE customer_id IS NOT NULL",
    );
    assert!(agents.len() > 5000, "{}", agents.len());
    assert_eq!(found_in(&bytes, &agents).len(), agents.len());
    let kept = Workspace::new();
    std::fs::copy(w.path("kept.db"), kept.db()).unwrap();
    // The addresses, most of them numbers in the file, read back through v_events.
    let ips = "SELECT DISTINCT ip FROM v_events WHERE customer_id IS NOT NULL ORDER BY ip";
    let logged_in = texts(&w, ips);
    assert!(logged_in.len() > 5000, "{}", logged_in.len());
    assert_eq!(texts(&kept, ips), logged_in);
    let personal = kept.rows("SELECT value FROM meta WHERE key = 'shared_personal_data'");
    assert!(
        personal[0]
            .starts_with("Text(\"kept (--keep-personal-data): every field as in the working file"),
        "{personal:?}"
    );
}

#[test]
fn a_shared_file_holds_sessions_views_dictionary_and_reject_reasons() {
    let w = working_file();
    share(&w, "a.db", &["--events", "logged-in"]);
    let a = Workspace::new();
    std::fs::copy(w.path("a.db"), a.db()).unwrap();
    assert_eq!(a.session_rows(), w.session_rows());
    assert_eq!(
        a.count("SELECT count(*) FROM events"),
        w.count("SELECT count(*) FROM events WHERE customer_id IS NOT NULL")
    );
    assert_eq!(
        a.count("SELECT count(*) FROM events WHERE ip IS NOT NULL OR ip_v4 IS NOT NULL OR user_agent IS NOT NULL"),
        0
    );
    assert_eq!(a.count("SELECT count(*) FROM rejects"), 0);
    // The rejects counted by their reasons' templates, independently of the shared file's
    // own table.
    let mut by_template: std::collections::BTreeMap<String, i64> = Default::default();
    for (reason, lines) in w
        .conn()
        .prepare("SELECT reason, count(*) FROM rejects GROUP BY reason")
        .unwrap()
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
        .map(Result::unwrap)
    {
        *by_template.entry(template(&reason)).or_default() += lines;
    }
    let by_template: Vec<String> = by_template
        .into_iter()
        .map(|(reason, lines)| format!("{:?}|{:?}", Value::Text(reason), Value::Integer(lines)))
        .collect();
    assert_eq!(
        a.rows("SELECT reason, lines FROM reject_reasons ORDER BY reason"),
        by_template
    );
    assert!(
        a.count("SELECT count(*) FROM reject_reasons WHERE reason GLOB '*[''\"]*' AND reason NOT LIKE 'duplicate key %'") == 0,
        "{:?}",
        a.rows("SELECT reason FROM reject_reasons")
    );
    // With --keep-personal-data, the working file's reasons as they are.
    share(&w, "kept.db", &["--keep-personal-data"]);
    let kept = Workspace::new();
    std::fs::copy(w.path("kept.db"), kept.db()).unwrap();
    assert_eq!(
        kept.rows("SELECT reason, lines FROM reject_reasons ORDER BY reason"),
        w.rows("SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY reason")
    );
    assert!(a.count("SELECT sum(lines) FROM reject_reasons") > 0);
    for view in [
        "v_sessions",
        "v_order_visits",
        "v_first_order",
        "v_referrers",
        "about",
    ] {
        assert!(
            a.count(&format!("SELECT count(*) FROM {view}")) > 0,
            "{view}"
        );
    }
    // Every table and column is in the dictionary, and it says what was left out.
    let undescribed = a.count(
        "SELECT count(*) FROM sqlite_schema s, pragma_table_info(s.name) c
         WHERE s.type = 'table' AND NOT EXISTS (
             SELECT 1 FROM dictionary d WHERE d.name = s.name AND d.column_name = c.name)",
    );
    assert_eq!(undescribed, 0);
    let note =
        a.rows("SELECT description FROM dictionary WHERE name = 'rejects' AND column_name IS NULL");
    assert!(
        note[0].contains("In this shared file it has no rows"),
        "{note:?}"
    );
    let about = a.rows("SELECT item || ': ' || value FROM about WHERE item LIKE 'shared%'");
    assert_eq!(about.len(), 6, "{about:?}");
}

#[test]
fn a_shared_file_is_complete_on_its_own_and_opens_read_only_as_another_user() {
    let w = working_file();
    share(&w, "a.db", &[]);
    let dir = w.path("outbox");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("a.db");
    std::fs::rename(w.path("a.db"), &file).unwrap();
    assert!(!w.path("a.db-wal").exists() && !w.path("a.db-shm").exists());
    let check = Workspace::new();
    std::fs::copy(&file, check.db()).unwrap();
    assert_eq!(check.rows("PRAGMA journal_mode"), vec!["Text(\"delete\")"]);
    assert_eq!(check.rows("PRAGMA integrity_check"), vec!["Text(\"ok\")"]);
    assert_eq!(check.count("PRAGMA freelist_count"), 0, "VACUUMed");

    // A read-only folder, read by another user: the shell, Python, xcc itself.
    with_read_only_folder(&dir, || {
        let path = file.to_str().unwrap();
        let sessions = check.count("SELECT count(*) FROM sessions").to_string();
        // What a command run as nobody prints, with its stderr if it fails.
        let printed = |program: &str, args: &[&str]| {
            let out = as_nobody(program).args(args).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            (
                String::from_utf8_lossy(&out.stdout).trim().to_string(),
                stderr,
            )
        };
        let count = "SELECT count(*) FROM sessions";
        let uri = format!("file:{path}?immutable=1");
        for mut args in [vec!["-readonly", path], vec![uri.as_str()]] {
            args.push(count);
            let (stdout, stderr) = printed("sqlite3", &args);
            assert_eq!(stdout, sessions, "{stderr}");
        }
        // Debian's python3: the one on root's PATH may live where nobody cannot read.
        let python = ["/usr/bin/python3", "python3"]
            .into_iter()
            .find(|p| Path::new(p).exists());
        let script = format!("import sqlite3; print(sqlite3.connect('file:{path}?mode=ro', uri=True).execute('{count}').fetchone()[0])");
        let (stdout, stderr) = printed(python.unwrap_or("python3"), &["-c", &script]);
        assert_eq!(stdout, sessions, "{stderr}");
        assert_eq!(metric_as_nobody(&file, "orders"), metric(&w.db(), "orders"));
    });
}

#[test]
fn the_working_file_at_rest_opens_read_only_as_another_user() {
    let w = working_file();
    let db = w.db();
    assert!(!w.path("sessions.db-wal").exists() && !w.path("sessions.db-shm").exists());
    assert_eq!(w.rows("PRAGMA journal_mode"), vec!["Text(\"delete\")"]);
    let dir = w.path("ro");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("sessions.db");
    std::fs::copy(&db, &file).unwrap();
    with_read_only_folder(&dir, || {
        assert_eq!(metric_as_nobody(&file, "summary"), metric(&db, "summary"));
    });
}

#[test]
fn share_refuses_to_overwrite_a_file_without_force() {
    let w = working_file();
    let target = w.write("analysts.db", b"an analyst's own notes");
    let out = run(&["share", "--db", &w.db_str(), "--out", &target], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "xcc: {target} already exists; choose another --out, or give --force to replace it"
        )
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"an analyst's own notes");
    // Not even --force replaces the working file with a share of itself.
    let db = w.db_str();
    let out = run(&["share", "--db", &db, "--out", &db, "--force"], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!("xcc: --out {db} is the working file itself; choose another --out")
    );
    assert!(w.count("SELECT count(*) FROM events") > 0);
    let missing = w.path("no/such/folder/a.db");
    let out = run(
        &["share", "--db", &db, "--out", missing.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "xcc: cannot write {}: the folder {} does not exist",
            missing.display(),
            missing.parent().unwrap().display()
        )
    );
    let out = run(
        &[
            "share",
            "--db",
            &w.db_str(),
            "--out",
            &target,
            "--force",
            "--quiet",
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        metric(Path::new(&target), "orders"),
        metric(&w.db(), "orders")
    );
    // Nothing is left beside it: the temporary file was renamed.
    let left: Vec<_> = std::fs::read_dir(w.path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_shared_file_is_never_written_to() {
    let w = working_file();
    share(&w, "a.db", &[]);
    let path = w.path("a.db");
    let target = path.to_str().unwrap();
    let before = std::fs::read(&path).unwrap();
    // Sessionizing it again would lose every session: its events are not there.
    for args in [
        vec!["sessionize", "--db", target],
        vec!["ingest", REAL_HEAD, "--db", target],
    ] {
        let out = run(&args, b"");
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert_eq!(
            out.stderr.trim(),
            format!("xcc: {target} is a file shared for analysts (made by xcc share) and is never written to; ingest into the working file it was made from, then share again")
        );
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

/// Personal values planted in every text field of the input, each a needle to look for in
/// the bytes of a shared file.
const PLANTED: [&str; 22] = [
    "203.0.113.77",                 // ip (stored as the number events.ip_v4)
    "PlantedAgent/7.1",             // user agent
    "secret-device-8812",           // user agent
    "alice:s3cretpw",               // credentials in a page URL
    "bob%40example.com",            // a query parameter of a page URL
    "4111111111111111",             // a query parameter of a page URL
    "tok3nfrag",                    // the fragment of a page URL
    "carol:pa55word",               // credentials in a referrer URL
    "r3fT0ken",                     // a query parameter of a referrer URL
    "mallory%40example.org",        // a query parameter of a relative referrer
    "alice@example.com",            // an unknown field
    "198.51.100.23",                // an unknown field under "event"
    "dave@example.net",             // search text
    "+44 20 7946 0958",             // search text
    "eve@example.com",              // a bad timestamp: a reject reason
    "192.0.2.55",                   // the start of an over-long line: a reject reason
    "frank@example.com",            // a bad timestamp of an anonymous event
    "4242-4242-4242-4242",          // search text
    "utm_content=grace@example.io", // a kept parameter's value
    "dl-user:pl4ntedpw",            // a download's credentials: the ingest's source
    "D0wnl0adT0ken",                // a download's token: the ingest's source
    "plantedhome",                  // the folder of a file read: the ingest's source
];

/// A working file of a few lines with [`PLANTED`] in every text field, read with
/// --max-line-bytes 600 so that the over-long line is rejected.
fn planted_file() -> Workspace {
    let w = Workspace::new();
    let ua = "PlantedAgent/7.1 (Linux; secret-device-8812)";
    let page = "https://alice:s3cretpw@xcc-webshop.com/product/1?email=bob%40example.com&card=4111111111111111&utm_source=news#session=tok3nfrag";
    let referrer = "https://carol:pa55word@mail.example.org/inbox?token=r3fT0ken&ref=mail";
    let lines = [
        format!(r#"{{"id": 1, "type": "page_view", "email": "alice@example.com", "event": {{"customer-id": 4242, "timestamp": "2022-05-25T10:00:00", "ip": "203.0.113.77", "user-agent": "{ua}", "page": "{page}", "referrer": "{referrer}", "x-forwarded-for": "198.51.100.23"}}}}"#),
        format!(r#"{{"id": 2, "type": "search", "event": {{"customer-id": 4242, "timestamp": "2022-05-25T10:01:00", "ip": "203.0.113.77", "user-agent": "{ua}", "query": "call dave@example.net or +44 20 7946 0958, card 4242-4242-4242-4242"}}}}"#),
        format!(r#"{{"id": 3, "type": "page_view", "event": {{"customer-id": 4242, "timestamp": "2022-05-25T12:00:00", "ip": "203.0.113.77", "user-agent": "{ua}", "page": "/product/2?email=bob%40example.com", "referrer": "/mail?to=mallory%40example.org&utm_content=grace@example.io"}}}}"#),
        format!(r#"{{"id": 4, "type": "placed_order", "event": {{"customer-id": 4242, "timestamp": "2022-05-25T12:05:00", "ip": "203.0.113.77", "user-agent": "{ua}"}}}}"#),
        r#"{"id": 5, "type": "page_view", "event": {"customer-id": 4242, "timestamp": "eve@example.com"}}"#.to_string(),
        r#"{"id": 6, "type": "page_view", "event": {"customer-id": null, "timestamp": "frank@example.com"}}"#.to_string(),
        format!("192.0.2.55 - - [25/May/2022:10:00:00] {}", "x".repeat(700)),
    ];
    std::fs::create_dir(w.path("plantedhome")).unwrap();
    let input = w.write(
        "plantedhome/planted.jsonl",
        (lines.join("\n") + "\n").as_bytes(),
    );
    let out = run(
        &[
            "ingest",
            &input,
            "--db",
            &w.db_str(),
            "--max-line-bytes",
            "600",
            "--quiet",
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // One more event, downloaded from a URL with credentials and a token.
    let more = r#"{"id": 7, "type": "page_view", "event": {"customer-id": 4242, "timestamp": "2022-05-25T12:06:00"}}"#;
    let (url, _) = http_server(vec![Reply::Ok(format!("{more}\n").into_bytes())]);
    let url = url.replacen("http://", "http://dl-user:pl4ntedpw@", 1) + "?token=D0wnl0adT0ken";
    let out = run(&["ingest", &url, "--db", &w.db_str(), "--quiet"], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(w.count("SELECT count(*) FROM events"), 5);
    assert_eq!(w.count("SELECT count(*) FROM rejects"), 3);
    w
}

/// The needles that occur somewhere in `bytes`: as text, or, for an IPv4 address, as the
/// number events.ip_v4 stores (xcc::store::ip), in the big-endian bytes of SQLite's record
/// (4 bytes below 2^31, else 6), which a search of so few bytes finds reliably.
fn planted_in(bytes: &[u8]) -> Vec<&'static str> {
    let occurs = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    PLANTED
        .into_iter()
        .filter(|n| {
            let packed = xcc::store::ip::packed(n).map(|number| {
                let be = number.to_be_bytes();
                if number < 1 << 31 {
                    be[4..].to_vec()
                } else {
                    be[2..].to_vec()
                }
            });
            occurs(n.as_bytes()) || packed.is_some_and(|p| occurs(&p))
        })
        .collect()
}

#[test]
fn a_shared_file_holds_no_personal_value_of_any_field() {
    let w = planted_file();
    // The search can fail: every needle is in the working file.
    assert_eq!(planted_in(&std::fs::read(w.db()).unwrap()), PLANTED);
    for events in ["none", "logged-in"] {
        let name = format!("{events}.db");
        share(&w, &name, &["--events", events]);
        // The whole file as written, free pages included.
        let bytes = std::fs::read(w.path(&name)).unwrap();
        assert_eq!(planted_in(&bytes), Vec::<&str>::new(), "--events {events}");
        let verified = run(&["verify", "--db", w.path(&name).to_str().unwrap()], b"");
        assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    }

    // What stays, and what it says.
    let a = Workspace::new();
    std::fs::copy(w.path("logged-in.db"), a.db()).unwrap();
    assert_eq!(
        a.rows("SELECT referrer, referrer_host, landing_page FROM sessions ORDER BY id"),
        [
            r#"Text("https://mail.example.org/inbox?ref=mail")|Text("mail.example.org")|Text("https://xcc-webshop.com/product/1?utm_source=news")"#,
            r#"Text("/mail?utm_content=[email]")|Null|Text("/product/2")"#,
        ]
    );
    assert_eq!(
        w.rows("SELECT referrer_host FROM sessions ORDER BY id"),
        a.rows("SELECT referrer_host FROM sessions ORDER BY id")
    );
    assert_eq!(
        a.rows("SELECT query FROM events WHERE query IS NOT NULL"),
        [r#"Text("call [email] or [phone], card [card]")"#]
    );
    assert_eq!(
        a.count("SELECT count(*) FROM events WHERE extra IS NOT NULL OR ip IS NOT NULL OR ip_v4 IS NOT NULL OR user_agent IS NOT NULL"),
        0
    );
    assert_eq!(
        a.rows("SELECT reason, lines FROM reject_reasons ORDER BY reason"),
        [
            r#"Text("line of N bytes is longer than --max-line-bytes")|Integer(1)"#,
            r#"Text("timestamp is not ISO-8601")|Integer(2)"#,
        ]
    );
    let about =
        |key: &str| a.rows(&format!("SELECT value FROM about WHERE item = '{key}'"))[0].clone();
    let personal = about("shared_personal_data");
    assert!(
        personal.contains(
            "left out: the anonymous events, the ip, user_agent and unknown fields (extra)"
        ),
        "{personal}"
    );
    assert!(
        personal.contains("Still here: the shop's own customer ids"),
        "{personal}"
    );
    let redactions = about("shared_redactions");
    assert!(
        redactions.contains("every query parameter but utm_*, ref and source"),
        "{redactions}"
    );
    let ids = about("shared_customer_ids");
    assert!(ids.contains("give --pseudonymize"), "{ids}");
    let noted = a
        .rows("SELECT description FROM dictionary WHERE name = 'events' AND column_name = 'extra'");
    assert!(
        noted[0].contains("In this shared file: left empty (NULL)."),
        "{noted:?}"
    );

    // Kept on request: the same search finds every one of them.
    share(
        &w,
        "kept.db",
        &["--events", "logged-in", "--keep-personal-data"],
    );
    let bytes = std::fs::read(w.path("kept.db")).unwrap();
    let mut kept = planted_in(&bytes);
    // The anonymous event's bad timestamp is a reject reason, kept as it is.
    kept.sort();
    let mut all = PLANTED.to_vec();
    all.sort();
    assert_eq!(kept, all);
}

/// `lines` with every customer id moved to 10,000,000 and above, so that no number from 1 to
/// the number of customers is a real id.
fn with_large_customer_ids(lines: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let mut v: serde_json::Value = serde_json::from_slice(line).unwrap();
        if let Some(c) = v["event"]["customer-id"].as_i64() {
            v["event"]["customer-id"] = (c + 10_000_000).into();
        }
        out.extend(serde_json::to_vec(&v).unwrap());
        out.push(b'\n');
    }
    out
}

/// The customer ids of every table that has them, in one list.
fn customer_ids(w: &Workspace) -> Vec<i64> {
    let sql = "SELECT customer_id FROM sessions UNION ALL SELECT customer_id FROM order_visits
               UNION ALL SELECT customer_id FROM first_orders
               UNION ALL SELECT customer_id FROM events WHERE customer_id IS NOT NULL";
    let conn = w.conn();
    let mut statement = conn.prepare(sql).unwrap();
    let ids = statement.query_map([], |r| r.get(0)).unwrap();
    ids.map(Result::unwrap).collect()
}

#[test]
fn a_pseudonymized_file_gives_the_same_numbers_without_the_customer_ids() {
    let w = Workspace::new();
    let input = w.write(
        "large-ids.jsonl",
        &with_large_customer_ids(&std::fs::read(REAL_HEAD).unwrap()),
    );
    w.ingest(&input, b"");
    let real: HashSet<i64> = customer_ids(&w).into_iter().collect();
    let customers = w.count("SELECT count(DISTINCT customer_id) FROM sessions");
    assert!(customers > 100, "{customers}");
    assert!(real.iter().all(|&c| c >= 10_000_000));

    for events in ["none", "logged-in"] {
        let name = format!("pseudonymized-{events}.db");
        let out = share(&w, &name, &["--events", events, "--pseudonymize"]);
        assert!(
            out.stderr.contains("customer ids pseudonymized"),
            "{}",
            out.stderr
        );
        let shared = w.path(&name);
        for (m, _) in METRICS {
            assert_eq!(
                metric(&shared, m),
                metric_as_shared(&w.db(), m, &shared),
                "{events}: {m}"
            );
        }
        let verified = run(&["verify", "--db", shared.to_str().unwrap()], b"");
        assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);

        let a = Workspace::new();
        std::fs::copy(&shared, a.db()).unwrap();
        let ids = customer_ids(&a);
        assert!(!ids.is_empty());
        assert!(
            ids.iter().all(|c| !real.contains(c)),
            "{events}: a real customer id"
        );
        let distinct: BTreeSet<i64> = ids.into_iter().collect();
        assert_eq!(
            distinct,
            (1..=customers).collect::<BTreeSet<i64>>(),
            "{events}"
        );
        assert_eq!(a.session_rows().len(), w.session_rows().len());
        let about = a.rows("SELECT value FROM about WHERE item = 'shared_customer_ids'");
        assert!(
            about[0].starts_with("Text(\"pseudonymized (--pseudonymize)"),
            "{about:?}"
        );
    }

    // The numbers follow neither the real ids' order nor another share's: the pseudonym of
    // each real customer, by the id of the customer's first session.
    let numbering = |name: &str| -> Vec<i64> {
        let a = Workspace::new();
        std::fs::copy(w.path(name), a.db()).unwrap();
        let shared: std::collections::HashMap<i64, i64> = a
            .conn()
            .prepare("SELECT id, customer_id FROM sessions WHERE session_number = 1")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        w.conn()
            .prepare("SELECT id FROM sessions WHERE session_number = 1 ORDER BY customer_id")
            .unwrap()
            .query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|id| shared[&id.unwrap()])
            .collect()
    };
    let first = numbering("pseudonymized-none.db");
    let second = numbering("pseudonymized-logged-in.db");
    assert_ne!(
        first,
        (1..=customers).collect::<Vec<i64>>(),
        "not in the real ids' order"
    );
    assert_ne!(first, second, "each share numbers anew");
}

/// Issue 36: personal details written encoded (`%40`, `%2540`, `%2B…`, fullwidth `＠`, base64)
/// or as tokens survived in a shared file, in `sessions.referrer` and `referrer_host` and in
/// `urls.url`. Each planted value, in every form it was written, is in no byte of the shared
/// files (with logged-in events, with and without pseudonyms), and `verify` still finds the
/// sessions to be what sessionizing the shared events gives.
#[test]
fn encoded_personal_details_are_in_no_byte_of_a_shared_file() {
    let planted = [
        (
            "frank.f%40example.com",
            vec!["frank.f%40example.com", "frank.f"],
        ),
        (
            "https://shop.example/u/ursula%40example%2Ecom/",
            vec!["ursula"],
        ),
        ("https://shop.example/call/+44-20-7946-0958/", vec!["7946"]),
        (
            "https://shop.example/card/4111111111111111",
            vec!["4111111111111111"],
        ),
        (
            "https://s.example/?utm_source=4111-1111-1111-1111",
            vec!["4111-1111"],
        ),
        (
            "https://s.example/?ref=%2B1%20415%20555%201234",
            vec!["415%20555", "555 1234"],
        ),
        (
            "https://s.example/?utm_campaign=gina%2540example.com",
            vec!["gina"],
        ),
        (
            "https://s.example/?ref=quinn\u{FF20}example.com",
            vec!["quinn"],
        ),
        (
            "https://s.example/cart;jsessionid=0A1B2C3D4E",
            vec!["0A1B2C3D4E"],
        ),
        (
            "https://s.example/reset/ZnJhbmtAZXhhbXBsZS5jb20=/",
            vec!["ZnJhbmtAZXhhbXBsZS5jb20"],
        ),
    ];
    // Each referrer starts a session of its own customer (an hour apart), with an order.
    let mut lines = String::new();
    for (i, (referrer, _)) in planted.iter().enumerate() {
        let (id, customer, at) = (i as i64 * 2 + 1, 100 + i as i64, i as i64 * 3600);
        lines.push_str(&event(id, customer, at, "page_view", Some(referrer)));
        lines.push('\n');
        lines.push_str(&event(id + 1, customer, at + 60, "placed_order", None));
        lines.push('\n');
    }
    let w = Workspace::new();
    let (out, _) = w.ingest("-", lines.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    for extra in [
        &["--events", "logged-in"][..],
        &["--events", "logged-in", "--pseudonymize"],
    ] {
        let name = format!("encoded{}.db", extra.len());
        share(&w, &name, extra);
        let bytes = std::fs::read(w.path(&name)).unwrap();
        for (referrer, needles) in &planted {
            for needle in needles {
                assert!(
                    !bytes
                        .windows(needle.len())
                        .any(|win| win == needle.as_bytes()),
                    "{extra:?}: '{needle}' of {referrer} is in the shared file"
                );
            }
        }
        let verified = run(&["verify", "--db", w.path(&name).to_str().unwrap()], b"");
        assert_eq!(verified.code, 0, "{extra:?}: {}", verified.stderr);
        let hosts = metric(&w.path(&name), "referrers");
        assert!(hosts.contains("\"redacted.invalid\""), "{hosts}");
    }
}
