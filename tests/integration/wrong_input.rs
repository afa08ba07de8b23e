//! Input that is not what `ingest` expects, recognised early and said plainly: gzip read
//! decompressed (found by its bytes, not its name), a file that is not JSON lines refused
//! without leaving a file behind or changing one, the most frequent reject reasons in the
//! summary, and a download that says what it fetches.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::util::{generated, http_server, run, Reply, Workspace, REAL_HEAD};

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_is_read_decompressed_from_a_file_stdin_and_a_download() {
    let plain = std::fs::read(REAL_HEAD).unwrap();
    let expected = Workspace::new();
    expected.ingest(REAL_HEAD, b"");
    let packed = gz(&plain);

    // A file, named without .gz: the bytes decide.
    let w = Workspace::new();
    let file = w.write("events.json", &packed);
    let out = run(&["ingest", &file, "--db", &w.db_str()], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("1,152 lines from {file} (gzip)")),
        "{}",
        out.stderr
    );
    assert_eq!(w.event_rows(), expected.event_rows());
    assert_eq!(w.session_rows(), expected.session_rows());
    // The ledger counts the bytes read from the source: the compressed ones.
    assert_eq!(w.count("SELECT bytes FROM ingests"), packed.len() as i64);

    // Stdin.
    let w = Workspace::new();
    let (out, report) = w.ingest("-", &packed);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(report.unwrap()["gzip"], true);
    assert_eq!(w.event_rows(), expected.event_rows());

    // A download whose body is a gzip file.
    let (url, _) = http_server(vec![Reply::Ok(packed.clone())]);
    let w = Workspace::new();
    let (out, _) = w.ingest(&url, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(w.event_rows(), expected.event_rows());
}

#[test]
fn damaged_gzip_is_one_sentence_and_leaves_no_file() {
    let mut cut = gz(&generated(5_000, 1, 0));
    cut.truncate(cut.len() / 2);
    let w = Workspace::new();
    let file = w.write("events.json.gz", &cut);
    let out = run(&["ingest", &file, "--db", &w.db_str()], b"");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(&format!(
            "xcc: reading {file}: the gzip data is damaged or cut short"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(!w.db().exists());
}

/// A binary, a README and a server's HTML error page: refused with what they look like; a
/// new file is not left behind, an existing one is left as it was.
#[test]
fn an_input_that_is_not_json_lines_is_refused_and_changes_nothing() {
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let binary = env!("CARGO_BIN_EXE_xcc");
    let html = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>502 Bad Gateway</h1></body>\n</html>\n";
    for existing in [false, true] {
        let w = Workspace::new();
        if existing {
            w.ingest(REAL_HEAD, b"");
        }
        let before = w.snapshot();
        for (source, stdin, looks) in [
            // (How many of a binary's "lines" happen to start with a brace depends on the build.)
            (binary, &b""[..], "of its first 1,000 lines"),
            (binary, &b""[..], "it looks like binary data, not text"),
            (readme, &b""[..], "it looks like text beginning \"# xcc\""),
            ("-", &html[..], "none of its 4 lines is JSON; it looks like an HTML page (a server's error page, perhaps)"),
        ] {
            let out = run(&["ingest", source, "--db", &w.db_str()], stdin);
            assert_eq!(out.code, 1, "{source}: {}", out.stderr);
            let label = if source == "-" { "stdin" } else { source };
            let sentence = out.stderr.trim_end();
            assert!(sentence.starts_with(&format!("xcc: {label} is not JSON lines: ")), "{sentence}");
            assert!(sentence.contains(looks), "{sentence}");
            assert!(sentence.ends_with("; nothing was written"), "{sentence}");
            assert_eq!(out.stderr.lines().count(), 1);
            assert_eq!(w.db().exists(), existing, "{source}");
            assert_eq!(w.snapshot(), before, "{source}");
        }
    }
}

/// JSON lines rejected for what they hold are kept and counted as always, and the summary
/// says the three most frequent reasons: numbers and quoted values do not split a reason.
#[test]
fn the_summary_names_the_most_frequent_reject_reasons() {
    let good = r#"{"id": 1, "type": "page_view", "event": {"customer-id": 1, "timestamp": "2022-05-01T10:00:00"}}"#;
    let mut lines = vec![good.to_string()];
    // 3 lines cut short at different columns, 2 bad timestamps, 1 id that is text, 1 with no
    // type.
    lines.push(r#"{"id": 2, "type": "page_view""#.to_string());
    lines.push(r#"{"id": 3, "type": "page_view", "event": {"#.to_string());
    lines.push(r#"{"id": 4"#.to_string());
    lines.push(r#"{"id": 5, "type": "a", "event": {"timestamp": "May 1st"}}"#.to_string());
    lines.push(r#"{"id": 6, "type": "a", "event": {"timestamp": "yesterday"}}"#.to_string());
    lines.push(
        r#"{"id": "seven", "type": "a", "event": {"timestamp": "2022-05-01T10:00:00"}}"#
            .to_string(),
    );
    lines.push(r#"{"id": 8, "event": {"timestamp": "2022-05-01T10:00:00"}}"#.to_string());
    let w = Workspace::new();
    let input = lines.join("\n");
    let out = run(&["ingest", "-", "--db", &w.db_str()], input.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let second = out.stderr.lines().nth(1).unwrap_or_default();
    assert_eq!(
        second,
        "xcc: rejected: 3 × invalid JSON at column N: EOF while parsing an object; 2 × timestamp '…' is not ISO-8601; 1 × id must be an integer, not a string; 1 for other reasons (every line and its reason is in the rejects table)"
    );
    assert_eq!(w.count("SELECT count(*) FROM rejects"), 7);
    let (_, report) = Workspace::new().ingest("-", input.as_bytes());
    let top = &report.unwrap()["top_reject_reasons"];
    assert_eq!(top[0]["lines"], 3);
    assert_eq!(top[1]["reason"], "timestamp '…' is not ISO-8601");
    assert_eq!(top.as_array().unwrap().len(), 3);
}

/// A download says what it fetches and how big it is before the lines come.
#[test]
fn a_download_says_its_url_and_size_first() {
    let body = std::fs::read(REAL_HEAD).unwrap();
    let (url, _) = http_server(vec![Reply::Ok(body.clone())]);
    let w = Workspace::new();
    let out = run(&["ingest", &url, "--db", &w.db_str()], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let first = out.stderr.lines().next().unwrap();
    let kb = body.len() as f64 / 1e3;
    assert_eq!(first, format!("xcc: downloading {url} ({kb:.1} kB)"));
    // --quiet is quiet.
    let out = run(&["ingest", &url, "--db", &w.db_str(), "--quiet"], b"");
    assert_eq!(out.stderr, "");
}
