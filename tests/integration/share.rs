//! `xcc share` and the working file at rest: the file people e-mail to analysts.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use crate::util::{as_nobody, run, with_read_only_folder, Served, Workspace, REAL_HEAD};

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
            assert_eq!(metric(&shared, m), metric(&w.db(), m), "{events}: {m}");
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
            assert_eq!(answer(&analysts, path), answer(&working, path), "{path}");
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
        "SELECT user_agent FROM events UNION SELECT ip FROM events",
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
    let logged_in = texts(
        &w,
        "SELECT DISTINCT ip FROM events WHERE customer_id IS NOT NULL",
    );
    assert!(logged_in.len() > 5000, "{}", logged_in.len());
    assert_eq!(found_in(&bytes, &logged_in).len(), logged_in.len());
    let kept = Workspace::new();
    std::fs::copy(w.path("kept.db"), kept.db()).unwrap();
    assert_eq!(
        kept.rows("SELECT value FROM meta WHERE key = 'shared_personal_data'"),
        vec!["Text(\"kept: ip and user_agent of the shared events (--keep-personal-data)\")"]
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
        a.count("SELECT count(*) FROM events WHERE ip IS NOT NULL OR user_agent IS NOT NULL"),
        0
    );
    assert_eq!(a.count("SELECT count(*) FROM rejects"), 0);
    // The rejects counted by reason, independently of the shared file's own table.
    assert_eq!(
        a.rows("SELECT reason, lines FROM reject_reasons ORDER BY reason"),
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
    assert_eq!(about.len(), 4, "{about:?}");
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
