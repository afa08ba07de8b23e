//! One rule for every flag (issue 35): a bad value exits 2 with one sentence naming the flag,
//! every duration has one grammar, the time-limit defaults are one table, `sessionize` waits
//! for the lock as `ingest` does, and a referrer no session has gets a note; and the
//! completion scripts and the manual page, made from the same flags.

use std::time::{Duration, Instant};

use clap::{CommandFactory, ValueEnum};
use serde_json::json;

use crate::needs;
use crate::util::{event, run, Served, Workspace, REAL_HEAD};

/// Two customers, each with one session and a referrer: one from www.google.com that orders,
/// one from bing.com that does not. No session is (direct).
fn shop() -> Workspace {
    let lines = [
        event(
            1,
            1,
            0,
            "page_view",
            Some("https://www.google.com/search?q=x"),
        ),
        event(2, 1, 60, "placed_order", None),
        event(3, 2, 0, "page_view", Some("https://bing.com/")),
        event(4, 2, 120, "page_view", None),
    ];
    let w = Workspace::new();
    let (out, _) = w.ingest("-", lines.join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    w
}

/// The subcommands, from the clap definitions the binary is made of.
fn subcommands() -> Vec<String> {
    xcc::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn every_bad_value_exits_2_with_one_sentence_naming_the_flag() {
    let w = shop();
    let db = w.db_str();
    let out = w.path("report.html");
    let out = out.to_str().unwrap();
    let before = w.snapshot();
    let date = "not a date like 2022-04-01 (UTC)";
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["metrics", "orders", "--db", &db, "--from", "2022-4-1"],
            format!("xcc: invalid value '2022-4-1' for '--from <DATE>': {date}; see xcc metrics --help"),
        ),
        (
            vec!["metrics", "orders", "--db", &db, "--to", "May"],
            format!("xcc: invalid value 'May' for '--to <DATE>': {date}; see xcc metrics --help"),
        ),
        (
            vec!["report", "--db", &db, "--out", out, "--from", "2022-13-01"],
            format!("xcc: invalid value '2022-13-01' for '--from <DATE>': {date}; see xcc report --help"),
        ),
        (
            vec!["serve", "--db", &db, "--addr", "nonsense"],
            "xcc: invalid value 'nonsense' for '--addr <HOST:PORT>': not an address like 127.0.0.1:8000 (HOST:PORT); see xcc serve --help".to_string(),
        ),
        (
            vec!["demo", "--db", &db, "--addr", "127.0.0.1"],
            "xcc: invalid value '127.0.0.1' for '--addr <HOST:PORT>': not an address like 127.0.0.1:8000 (HOST:PORT); see xcc demo --help".to_string(),
        ),
        (
            vec!["metrics", "orders", "--db", &db, "--referrer", "https://www.google.com/search"],
            "xcc: invalid value 'https://www.google.com/search' for '--referrer <HOST>': give the host alone, like www.google.com, or (direct); see xcc metrics --help".to_string(),
        ),
        (
            vec!["report", "--db", &db, "--out", out, "--referrer", "bing.com:443"],
            "xcc: invalid value 'bing.com:443' for '--referrer <HOST>': give the host alone, like bing.com, or (direct); see xcc report --help".to_string(),
        ),
        (
            vec!["metrics", "orders", "--db", &db, "--referrer", " "],
            "xcc: invalid value ' ' for '--referrer <HOST>': give a host like www.google.com, or (direct); see xcc metrics --help".to_string(),
        ),
        // Two values that are each fine but disagree: exit 2 all the same.
        (
            vec!["metrics", "orders", "--db", &db, "--from", "2022-05-02", "--to", "2022-05-01"],
            "xcc: --from (2022-05-02) is after --to (2022-05-01)".to_string(),
        ),
        (
            vec!["report", "--db", &db, "--out", out, "--from", "2022-05-02", "--to", "2022-05-01"],
            "xcc: --from (2022-05-02) is after --to (2022-05-01)".to_string(),
        ),
        (
            vec!["metrics", "summary", "--db", &db, "--referrer", "www.google.com"],
            "xcc: metrics summary takes no --from, --to or --referrer; they apply to orders, orders-detail, referrers, daily and distributions".to_string(),
        ),
    ];
    for (args, sentence) in cases {
        let out = run(&args, b"");
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr, format!("{sentence}\n"), "{args:?}");
        assert_eq!(out.stdout, "", "{args:?}");
    }
    assert_eq!(w.snapshot(), before);
    assert!(!w.path("report.html").exists());
}

/// A bare number was minutes for three flags and refused for the fourth; now every duration
/// flag refuses it the same way, showing both readings, and takes the same units.
#[test]
fn every_duration_flag_refuses_a_bare_number_with_the_fix() {
    let w = shop();
    let db = w.db_str();
    let out = w.path("report.html");
    let out = out.to_str().unwrap();
    let before = w.snapshot();
    for (args, flag) in [
        (
            vec!["sessionize", "--db", &db, "--timeout", "30"],
            "--timeout",
        ),
        (vec!["sessionize", "--db", &db, "--wait", "30"], "--wait"),
        (
            vec!["ingest", REAL_HEAD, "--db", &db, "--wait", "30"],
            "--wait",
        ),
        (
            vec!["ingest", REAL_HEAD, "--db", &db, "--read-timeout", "30"],
            "--read-timeout",
        ),
        (
            vec!["metrics", "orders", "--db", &db, "--time-limit", "30"],
            "--time-limit",
        ),
        (
            vec!["query", "SELECT 1", "--db", &db, "--time-limit", "30"],
            "--time-limit",
        ),
        (
            vec!["export", "sessions", "--db", &db, "--time-limit", "30"],
            "--time-limit",
        ),
        (
            vec!["report", "--db", &db, "--out", out, "--time-limit", "30"],
            "--time-limit",
        ),
        (
            vec!["serve", "--db", &db, "--time-limit", "30"],
            "--time-limit",
        ),
        (
            vec!["demo", "--db", &db, "--time-limit", "30"],
            "--time-limit",
        ),
    ] {
        let command = args[0];
        let out = run(&args, b"");
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_eq!(
            out.stderr,
            format!("xcc: invalid value '30' for '{flag} <DURATION>': give a unit: 30s or 30m; see xcc {command} --help\n"),
        );
    }
    // A session timeout is stored in whole seconds: a part of one is refused, not rounded.
    let out = run(&["sessionize", "--db", &db, "--timeout", "1500ms"], b"");
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "xcc: invalid value '1500ms' for '--timeout <DURATION>': '1500ms' is not a whole number of seconds; see xcc sessionize --help\n"
    );
    assert_eq!(w.snapshot(), before);
    // The same units everywhere: milliseconds for a wait, minutes for a time limit.
    for args in [
        vec![
            "ingest",
            REAL_HEAD,
            "--db",
            &db,
            "--quiet",
            "--wait",
            "1500ms",
            "--read-timeout",
            "2m",
        ],
        vec![
            "sessionize",
            "--db",
            &db,
            "--quiet",
            "--wait",
            "500ms",
            "--timeout",
            "1h30m",
        ],
        vec!["metrics", "orders", "--db", &db, "--time-limit", "1m"],
    ] {
        let out = run(&args, b"");
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    }
}

/// `sessionize` takes the lock `ingest` takes, so it waits for it the same way.
#[test]
fn sessionize_waits_for_another_writer_as_long_as_wait_says() {
    let w = shop();
    let conn = w.conn();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let db = w.db_str();
    let sessionize = || {
        run(
            &["sessionize", "--db", &db, "--quiet", "--wait", "1500ms"],
            b"",
        )
    };
    let started = Instant::now();
    let out = sessionize();
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "it waited"
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "xcc: {} is busy: another process kept writing to it for 1500ms; try again when it has finished\n",
            w.db_str()
        )
    );
    conn.execute_batch("ROLLBACK").unwrap();
    // The lock free, the same command goes through.
    let out = sessionize();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_referrer_no_session_has_gets_a_note_never_a_silent_null() {
    let w = shop();
    let db = w.db_str();
    let hint = "xcc metrics referrers lists the hosts there are";
    let out = run(
        &[
            "metrics",
            "orders",
            "--db",
            &db,
            "--referrer",
            "nosuch.example",
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!("xcc: no session has the referrer host nosuch.example; {hint}\n")
    );
    // The fields as before, and the note with them: the JSON the server returns.
    assert_eq!(
        out.json(),
        json!({
            "median_visits_before_order": null,
            "median_session_duration_minutes_before_order": null,
            "note": "no session has the referrer host nosuch.example"
        })
    );
    let out = run(
        &["metrics", "daily", "--db", &db, "--referrer", "(direct)"],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!("xcc: no session is (direct): every one has a referrer; {hint}\n")
    );
    assert_eq!(
        out.json()["note"],
        "no session is (direct): every one has a referrer"
    );
    // A host there is, in any case: no note.
    let out = run(
        &[
            "metrics",
            "orders",
            "--db",
            &db,
            "--referrer",
            "WWW.Google.com",
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_eq!(out.json().get("note"), None);
    // The report says it too, before what it wrote.
    let page = w.path("r.html");
    let out = run(
        &[
            "report",
            "--db",
            &db,
            "--out",
            page.to_str().unwrap(),
            "--referrer",
            "nosuch.example",
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.lines().next(),
        Some(format!("xcc: no session has the referrer host nosuch.example; {hint}").as_str())
    );
    // Over HTTP, the note is a field of each filtered answer; a host there is has none.
    let served = Served::start(&w.db(), &["--quiet"]);
    for path in [
        "/metrics/orders",
        "/metrics/orders/detail",
        "/metrics/referrers",
        "/metrics/daily",
        "/metrics/distributions",
    ] {
        let answer = served.get_json(&format!("{path}?referrer=nosuch.example"));
        assert_eq!(
            answer["note"], "no session has the referrer host nosuch.example",
            "{path}"
        );
        let answer = served.get_json(&format!("{path}?referrer=bing.com"));
        assert_eq!(answer.get("note"), None, "{path}");
    }
}

/// The defaults are one table in the code (`xcc::cli::TIME_LIMITS`): every --help of
/// --time-limit shows all of it, and docs/time-limits.md holds the same table.
#[test]
fn the_time_limit_defaults_are_one_table_in_every_help_and_the_docs() {
    let defaults =
        "Defaults: metrics 30s, query 60s, report (and share --report) 60s, serve (and demo) 2s, export none.";
    for command in ["metrics", "query", "report", "serve", "demo", "export"] {
        let help = run(&[command, "--help"], b"");
        assert_eq!(help.code, 0);
        assert!(help.stdout.contains(defaults), "xcc {command} --help");
    }
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/time-limits.md"))
        .unwrap();
    assert!(
        page.contains(&xcc::cli::time_limits_markdown()),
        "docs/time-limits.md does not hold the table of xcc::cli::TIME_LIMITS:\n{}",
        xcc::cli::time_limits_markdown()
    );
}

#[test]
fn completions_for_every_shell_name_every_subcommand() {
    let names = subcommands();
    // 12 subcommands, completions and man.
    assert_eq!(names.len(), 14, "{names:?}");
    for shell in clap_complete::Shell::value_variants() {
        let shell = shell.to_possible_value().unwrap();
        let out = run(&["completions", shell.get_name()], b"");
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stderr, "");
        assert!(!out.stdout.is_empty(), "{}", shell.get_name());
        for name in &names {
            assert!(
                out.stdout.contains(name.as_str()),
                "{}: no {name}",
                shell.get_name()
            );
        }
        // And the flags added here, down to a subcommand's.
        assert!(out.stdout.contains("time-limit"), "{}", shell.get_name());
    }
    let out = run(&["completions", "tcsh"], b"");
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("xcc: invalid value 'tcsh' for '<SHELL>' [possible values: bash, elvish, fish, powershell, zsh]"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_manual_page_is_roff_with_a_section_for_every_subcommand() {
    let out = run(&["man"], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let page = &out.stdout;
    assert!(
        page.starts_with(".TH") || page.starts_with(".ie"),
        "{page:.80}"
    );
    for name in subcommands() {
        let heading = format!(".SH \"XCC {}\"", name.to_uppercase());
        assert!(page.contains(&heading), "no {heading}");
    }
    // Each flag of each subcommand is on the page (roff writes a - as \-).
    for sub in xcc::cli::Cli::command().get_subcommands() {
        for long in sub.get_arguments().filter_map(|a| a.get_long()) {
            let roff = format!("\\-\\-{}", long.replace('-', "\\-"));
            assert!(page.contains(&roff), "xcc {} --{long}", sub.get_name());
        }
    }
    // No page of its own is named for a subcommand: they are sections of this one.
    assert!(!page.contains("xcc\\-ingest(1)"));
    let Some(man) =
        needs::man("flags::the_manual_page_is_roff_with_a_section_for_every_subcommand")
    else {
        return;
    };
    let w = Workspace::new();
    let file = w.write("xcc.1", page.as_bytes());
    let shown = std::process::Command::new(man)
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let text = String::from_utf8_lossy(&shown.stdout);
    for heading in [
        "NAME",
        "SYNOPSIS",
        "XCC SESSIONIZE",
        "XCC COMPLETIONS",
        "XCC MAN",
    ] {
        assert!(text.contains(heading), "man shows no {heading}:\n{text}");
    }
}

/// scripts/spark_metrics.py takes xcc's durations, so a bare number is refused there too,
/// before Spark starts (argparse's exit status 2).
#[test]
fn the_spark_script_refuses_a_bare_number_as_xcc_does() {
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/spark_metrics.py"
        ))
        .args(["events.json", "--timeout", "30m,30"])
        .output()
        .expect("python3 runs (scripts/test installs it)");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.ends_with("spark_metrics.py: error: give a unit: 30s or 30m\n"),
        "{stderr}"
    );
}
