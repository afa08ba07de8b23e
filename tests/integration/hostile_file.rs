//! A file from anyone: the .db travels by e-mail, so each test builds the hostile file an
//! attacker (or a damaged disk) would send, and checks that xcc refuses it in one sentence
//! instead of showing forged numbers, hanging, eating memory or writing to it; and that
//! `xcc verify` finds what can be found.

use std::process::Stdio;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::needs::wait_with_peak_rss;
use crate::util::{generated, run, shared_sample, xcc, Rng, Workspace, REAL_HEAD};

fn metrics_orders(db: &str) -> crate::util::Output {
    run(&["metrics", "orders", "--db", db], b"")
}

fn changed(db: &str, what: &str) -> String {
    format!("xcc: {db} was changed after xcc wrote it: {what}\n")
}

/// The 12 KB forgery of the issue: the schema version, a meta table (here even with xcc's
/// own definition) saying application=xcc, and two constant views. Before: the medians 7
/// and 42, exit 0.
#[test]
fn a_forged_file_with_constant_views_is_refused() {
    let w = Workspace::new();
    let db = w.db_str();
    let conn = Connection::open(&db).unwrap();
    let sql = xcc::queries::schema::TABLES;
    let start = sql.find("CREATE TABLE meta").unwrap();
    let meta = &sql[start..start + sql[start..].find(';').unwrap()];
    conn.execute_batch(&format!(
        "{meta};
         INSERT INTO meta VALUES ('application', 'xcc'), ('session_timeout_seconds', '1800');
         CREATE VIEW v_order_visits AS SELECT 7 AS visits_before_order;
         CREATE VIEW v_first_order AS SELECT 42 AS minutes_before_first_order;
         PRAGMA user_version = {};",
        xcc::store::schema::SCHEMA_VERSION
    ))
    .unwrap();
    drop(conn);
    let out = metrics_orders(&db);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr, changed(&db, "table ingests is missing"));
    assert!(out.stdout.is_empty());
}

/// A real shared file whose v_order_visits says 99: before, served as 99 while its own
/// order_visits rows say otherwise.
#[test]
fn a_shared_file_with_a_redefined_view_is_refused_by_every_reader() {
    let (_w, shared) = shared_sample();
    Connection::open(&shared)
        .unwrap()
        .execute_batch(
            "DROP VIEW v_order_visits;
             CREATE VIEW v_order_visits AS
             SELECT customer_id, session_id, session_number, order_number, 99 AS visits_before_order
             FROM order_visits;",
        )
        .unwrap();
    let refused = changed(&shared, "view v_order_visits is not xcc's");
    for args in [
        vec!["metrics", "orders", "--db", &shared],
        vec!["export", "v_order_visits", "--db", &shared],
        vec!["query", "SELECT 1", "--db", &shared],
        vec!["serve", "--db", &shared, "--addr", "127.0.0.1:0"],
        vec!["verify", "--db", &shared],
    ] {
        let out = run(&args, b"");
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr, refused, "{args:?}");
    }
}

/// Views that never end or that eat memory, put in the place of xcc's: refused at once,
/// before any query. Before: `metrics orders` ran until killed, or reached 7 GB.
#[test]
fn an_endless_or_hungry_view_in_xccs_place_is_refused_at_once() {
    for (view, body) in [
        (
            "v_first_order",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i AS minutes_before_first_order FROM n",
        ),
        ("v_order_visits", "SELECT zeroblob(900000000) AS visits_before_order"),
    ] {
        let (_w, shared) = shared_sample();
        Connection::open(&shared)
            .unwrap()
            .execute_batch(&format!("DROP VIEW {view}; CREATE VIEW {view} AS {body};"))
            .unwrap();
        let started = Instant::now();
        let out = metrics_orders(&shared);
        assert_eq!(out.code, 1);
        assert_eq!(out.stderr, changed(&shared, &format!("view {view} is not xcc's")));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

/// An analyst's own view that wants 900 MB: the length limit refuses it in one sentence
/// naming the limit, and the process stays small (peak RSS by wait4, not /proc).
#[test]
fn a_hungry_view_of_the_analysts_own_fails_in_one_sentence_and_stays_small() {
    let (_w, shared) = shared_sample();
    Connection::open(&shared)
        .unwrap()
        .execute_batch("CREATE VIEW hungry AS SELECT zeroblob(900000000) AS b;")
        .unwrap();
    // Reaped by wait_with_peak_rss (wait4), which std's Child cannot do.
    #[allow(clippy::zombie_processes)]
    let child = xcc()
        .args(["query", "SELECT length(b) FROM hungry", "--db", &shared])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let mut stderr = child.stderr.unwrap();
    let (code, peak_kb) = wait_with_peak_rss(pid);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
    assert_eq!(code, 1, "{text}");
    assert_eq!(text, format!("xcc: {}\n", xcc::store::memory::TooLong));
    assert!(peak_kb < 200 * 1024, "peak RSS {peak_kb} KB");
}

/// A trigger on one of xcc's tables is refused before any write, and the file is left as it
/// was, byte for byte.
#[test]
fn a_trigger_on_xccs_tables_is_refused_before_any_write() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    w.conn()
        .execute_batch(
            "CREATE TABLE stolen (id INTEGER);
             CREATE TRIGGER t AFTER INSERT ON events BEGIN INSERT INTO stolen VALUES (new.id); END;",
        )
        .unwrap();
    let before = std::fs::read(w.db()).unwrap();
    let more = w.write("more.jsonl", &generated(100, 5, 9_000_000));
    let out = run(&["ingest", &more, "--db", &w.db_str(), "--quiet"], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        changed(&w.db_str(), "trigger t on events is not xcc's")
    );
    assert_eq!(std::fs::read(w.db()).unwrap(), before);
}

/// Damage, by byte flips over a real shared file (a seeded, bounded loop): every run is one
/// sentence or an answer, never a panic; never exit 0 where SQLite's own quick_check (run
/// here by the test) fails; an answer is the undamaged file's answer, byte for byte (a flip
/// inside a value that quick_check cannot see must not change it); and a file quick_check
/// finds damaged is never called "not an xcc database". (A flip that changes what the file
/// says, such as its marker, makes it not what xcc wrote, and it may be refused so.)
#[test]
fn byte_flips_give_one_sentence_and_never_an_answer_from_a_damaged_file() {
    let (w, shared) = shared_sample();
    let original = std::fs::read(&shared).unwrap();
    let undamaged = metrics_orders(&shared);
    assert_eq!(undamaged.code, 0, "{}", undamaged.stderr);
    let mut rng = Rng(20_261_202);
    let mut answered = 0;
    let mut refused_as_damaged = 0;
    let mut damaged = 0;
    for round in 0..60 {
        let mut bytes = original.clone();
        for _ in 0..1 + rng.below(8) {
            // Mostly past the 100-byte header, sometimes inside it (after the signature).
            let at = if rng.below(5) == 0 {
                16 + rng.below(84)
            } else {
                100 + rng.below(bytes.len() as u64 - 100)
            } as usize;
            bytes[at] ^= 1 << rng.below(8);
        }
        let path = w.path(&format!("flipped-{round}.db"));
        std::fs::write(&path, &bytes).unwrap();
        let db = path.display().to_string();
        let quick_check_ok =
            Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| c.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)))
                .is_ok_and(|v| v == "ok");
        let out = metrics_orders(&db);
        assert_ne!(out.code, 101, "round {round}: {}", out.stderr);
        if out.code == 0 {
            assert!(
                quick_check_ok,
                "round {round}: answered from a damaged file: {}",
                out.stdout
            );
            assert_eq!(
                out.stdout, undamaged.stdout,
                "round {round}: an answer from a flipped file differs from the undamaged file's"
            );
            answered += 1;
            continue;
        }
        assert_eq!(
            out.stderr.lines().count(),
            1,
            "round {round}: {}",
            out.stderr
        );
        assert!(
            out.stderr.starts_with("xcc: "),
            "round {round}: {}",
            out.stderr
        );
        if !quick_check_ok {
            damaged += 1;
            assert!(
                !out.stderr.contains("not an xcc database"),
                "round {round}: a damaged xcc file: {}",
                out.stderr
            );
        }
        if out.stderr.contains(" is damaged: ") {
            refused_as_damaged += 1;
            // SQLite's words once, not twice.
            assert_eq!(
                out.stderr.matches("malformed").count().min(1),
                out.stderr.matches("malformed").count()
            );
        }
    }
    // The interesting branch ran: many flips damaged the file, and were said as damage.
    assert!(damaged >= 10, "{damaged} damaged files");
    // And the other branch: flips quick_check cannot see, answered (each as undamaged).
    assert!(answered >= 10, "{answered} answered");
    assert!(
        refused_as_damaged >= 10,
        "{refused_as_damaged} said as damage"
    );
}

/// `xcc verify` on good files: each check said, exit 0.
#[test]
fn verify_passes_a_working_and_a_shared_file_and_says_what_it_checked() {
    let (w, shared) = shared_sample();
    for db in [w.db_str(), shared.clone()] {
        let out = run(&["verify", "--db", &db], b"");
        assert_eq!(out.code, 0, "{}", out.stderr);
        for check in [
            "ok  schema:",
            "ok  pages:",
            "ok  sessions:",
            "ok  derived rows:",
            "ok  ledger:",
        ] {
            assert!(out.stdout.contains(check), "{check}: {}", out.stdout);
        }
        assert!(
            out.stdout.ends_with(" is consistent: every check passed\n"),
            "{}",
            out.stdout
        );
    }
    let out = run(&["verify", "--db", &w.db_str()], b"");
    // The real sample: 308 sessions of 288 customers from its 1,152 lines (README).
    assert!(
        out.stdout
            .contains("the 308 sessions are what sessionizing the "),
        "{}",
        out.stdout
    );
}

/// `xcc verify` finds rows that do not add up, each in one sentence naming the row; `xcc
/// serve` checks the derived rows at start.
#[test]
fn verify_finds_rows_that_do_not_add_up() {
    // An order row that its sessions do not give (the numbers of the first metric).
    let (w, shared) = shared_sample();
    let (customer, number): (i64, i64) = Connection::open(&shared)
        .unwrap()
        .query_row(
            "SELECT customer_id, order_number FROM order_visits ORDER BY 1, 2 LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    Connection::open(&shared)
        .unwrap()
        .execute(
            "UPDATE order_visits SET visits_before_order = 99 WHERE customer_id = ?1 AND order_number = ?2",
            [customer, number],
        )
        .unwrap();
    let does_not_add_up = format!(
        "xcc: {shared} does not add up: order_visits has a row its sessions do not give (customer_id {customer}, order_number {number}, "
    );
    // xcc verify finds it, and xcc serve refuses to start on it.
    for args in [
        vec!["verify", "--db", &shared],
        vec!["serve", "--db", &shared, "--addr", "127.0.0.1:0"],
    ] {
        let out = run(&args, b"");
        assert_eq!(out.code, 1, "{args:?}");
        assert!(
            out.stderr.starts_with(&does_not_add_up),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }

    // A session whose events say otherwise, in the working file.
    let (customer, session): (i64, i64) = w
        .conn()
        .query_row(
            "SELECT customer_id, session_number FROM sessions ORDER BY 1, 2 LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let count: i64 = w.count(&format!(
        "SELECT event_count FROM sessions WHERE customer_id = {customer} AND session_number = {session}"
    ));
    w.conn()
        .execute(
            "UPDATE sessions SET event_count = event_count + 1 WHERE customer_id = ?1 AND session_number = ?2",
            [customer, session],
        )
        .unwrap();
    let out = run(&["verify", "--db", &w.db_str()], b"");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "xcc: {} does not add up: session {session} of customer {customer} has event_count {}, its events give {count}\n",
            w.db_str(),
            count + 1
        )
    );
}
