//! Re-ingesting: blocks an earlier ingest read byte for byte are recognised instead of
//! parsed. Every test compares with the same ingests made with `--parse-all`, which parses
//! every line: the two must leave the same rows in every table but the timings.

use crate::util::{generated, run, Workspace};

/// Generated lines with rejects of every kind mixed in: lines that are not JSON, an id
/// repeated with other content (a conflict) and a line repeated as it is (a duplicate).
fn with_rejects(events: u64, seed: u64, offset: i64) -> Vec<u8> {
    let input = generated(events, seed, offset);
    let lines: Vec<&[u8]> = input
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        out.extend_from_slice(line);
        out.push(b'\n');
        if i % 1500 == 7 {
            out.extend_from_slice(b"{\"id\": 1, \"type\": \n");
        }
        if i % 2000 == 11 {
            // The line before with its type changed: same id, other content.
            let changed =
                String::from_utf8_lossy(line).replacen("\"type\": \"", "\"type\": \"x", 1);
            out.extend_from_slice(changed.as_bytes());
            out.push(b'\n');
        }
        if i % 2500 == 13 {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out
}

/// Where the blocks of `bytes` end: at the first line break at or after 1 MiB from each
/// block's start, or at the end (the rule of src/input/blocks.rs, written out again here).
fn block_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let at = (start + (1 << 20)).min(bytes.len());
        let end = bytes[at..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(bytes.len(), |i| at + i + 1);
        ends.push(end);
        start = end;
    }
    ends
}

/// Everything an ingest leaves in the file, but its timings.
fn contents(w: &Workspace) -> Vec<String> {
    let mut rows = w.rows(
        "SELECT id, source, tool_version, lines_read, stored, duplicates, rejected, bytes,
                first_event_at, last_event_at, max_line_bytes FROM ingests ORDER BY id",
    );
    rows.extend(w.rows("SELECT * FROM rejects ORDER BY id"));
    rows.extend(w.rows("SELECT * FROM ingest_blocks ORDER BY ingest_id, block"));
    rows.extend(w.rows("SELECT * FROM events ORDER BY id"));
    rows.extend(w.session_rows());
    rows.extend(w.rows("SELECT * FROM v_order_visits"));
    rows.extend(w.rows("SELECT * FROM v_first_order"));
    rows
}

/// Ingests `inputs` in turn into a new file, as they are and with `--parse-all`; asserts that
/// both files end equal and returns the reports of the first.
fn ingest_both_ways(inputs: &[(&str, &[&str])]) -> Vec<serde_json::Value> {
    let recognising = Workspace::new();
    let parsing = Workspace::new();
    let mut reports = Vec::new();
    for (source, extra) in inputs {
        for (w, parse_all) in [(&recognising, false), (&parsing, true)] {
            let db = w.db_str();
            let mut args = vec!["ingest", source, "--db", &db, "--json", "--quiet"];
            args.extend_from_slice(extra);
            if parse_all {
                args.push("--parse-all");
            }
            let out = run(&args, b"");
            assert_eq!(out.code, 0, "{}", out.stderr);
            let report = out.json();
            if parse_all {
                assert_eq!(report["recognised"], 0);
            } else {
                reports.push(report);
            }
        }
    }
    assert_eq!(contents(&recognising), contents(&parsing));
    assert_eq!(recognising.rows("PRAGMA integrity_check"), ["Text(\"ok\")"]);
    reports
}

fn n(report: &serde_json::Value, key: &str) -> u64 {
    report[key].as_u64().unwrap()
}

#[test]
fn the_same_file_again_is_recognised_to_its_end_with_the_same_rejects() {
    let files = Workspace::new();
    let input = files.write("events.jsonl", &with_rejects(12_000, 5, 0));
    let reports = ingest_both_ways(&[(&input, &[]), (&input, &[])]);
    let (first, again) = (&reports[0], &reports[1]);
    assert_eq!(n(first, "recognised"), 0);
    // 12,000 events, 8 lines that are not JSON (i = 7, 1507, … 10507), 6 conflicts
    // (i = 11, 2011, … 10011) and 5 repeated lines (i = 13, 2513, … 10013).
    assert_eq!(n(first, "lines_read"), 12_000 + 8 + 6 + 5);
    assert_eq!(n(first, "rejected"), 8 + 6);
    assert_eq!(n(first, "duplicates"), 5);
    assert_eq!(n(again, "recognised"), n(first, "lines_read"));
    assert_eq!(n(again, "stored"), 0);
    assert_eq!(n(again, "rejected"), 8 + 6);
    assert_eq!(n(again, "duplicates"), 12_000 + 5);
}

#[test]
fn blocks_cover_the_input_and_its_lines() {
    let w = Workspace::new();
    let bytes = with_rejects(12_000, 5, 0);
    let input = w.write("events.jsonl", &bytes);
    w.ingest(&input, b"");
    // Blocks end at the first line break at or after 1 MiB from their start, or at the end.
    let ends: Vec<i64> = w
        .rows("SELECT end_offset FROM ingest_blocks ORDER BY block")
        .iter()
        .map(|r| {
            r.trim_start_matches("Integer(")
                .trim_end_matches(')')
                .parse()
                .unwrap()
        })
        .collect();
    let expected: Vec<i64> = block_ends(&bytes).into_iter().map(|e| e as i64).collect();
    assert!(expected.len() >= 2, "the input should span several blocks");
    assert_eq!(ends, expected);
    assert_eq!(
        w.count("SELECT sum(records) FROM ingest_blocks"),
        w.count("SELECT lines_read FROM ingests")
    );
    let lines = bytes.iter().filter(|&&c| c == b'\n').count() as i64;
    assert_eq!(w.count("SELECT max(end_line) FROM ingest_blocks"), lines);
}

#[test]
fn appended_lines_are_parsed_and_the_unchanged_start_is_not() {
    let files = Workspace::new();
    let old = with_rejects(12_000, 5, 0);
    let mut grown = old.clone();
    // New events for the same customers, late ones included, and new rejects.
    grown.extend_from_slice(&with_rejects(3_000, 6, 5_000_000));
    let old_file = files.write("old.jsonl", &old);
    let grown_file = files.write("grown.jsonl", &grown);
    let reports = ingest_both_ways(&[(&old_file, &[]), (&grown_file, &[])]);
    let again = &reports[1];
    // Every full block of the old file is recognised; its last block, which ended with the
    // old file, is parsed again with the new lines.
    let w = Workspace::new();
    w.ingest(&old_file, b"");
    let before_last_block = w.count(
        "SELECT sum(records) FROM ingest_blocks
         WHERE block < (SELECT max(block) FROM ingest_blocks)",
    ) as u64;
    assert!(before_last_block > 0);
    assert_eq!(n(again, "recognised"), before_last_block);
    assert!(n(again, "stored") > 2_900);
    assert!(n(again, "customers_resessionized") > 0);
}

#[test]
fn a_changed_line_is_parsed_from_its_block_on() {
    let files = Workspace::new();
    let old = with_rejects(12_000, 5, 0);
    // One line in the middle of the file with another type: a conflict with its stored self.
    let mut changed = old.clone();
    let at = old.len() / 2
        + old[old.len() / 2..]
            .iter()
            .position(|&c| c == b'\n')
            .unwrap()
        + 1;
    let line_end = at + changed[at..].iter().position(|&c| c == b'\n').unwrap();
    let line = String::from_utf8(changed[at..line_end].to_vec()).unwrap();
    let edited = line.replacen("\"type\": \"", "\"type\": \"y", 1);
    assert_ne!(line, edited);
    changed.splice(at..line_end, edited.into_bytes());
    let old_file = files.write("old.jsonl", &old);
    let changed_file = files.write("changed.jsonl", &changed);
    let reports = ingest_both_ways(&[(&old_file, &[]), (&changed_file, &[])]);
    let again = &reports[1];
    assert!(n(again, "recognised") > 0);
    assert!(n(again, "recognised") < n(again, "lines_read"));
    assert_eq!(n(again, "rejected"), n(&reports[0], "rejected") + 1);
}

#[test]
fn another_line_limit_or_an_array_is_not_recognised() {
    let files = Workspace::new();
    let input = files.write("events.jsonl", &with_rejects(6_000, 5, 0));
    let reports = ingest_both_ways(&[
        (&input, &[]),
        (&input, &["--max-line-bytes", "100000"]),
        (&input, &["--max-line-bytes", "100000"]),
    ]);
    assert_eq!(n(&reports[1], "recognised"), 0);
    assert_eq!(n(&reports[2], "recognised"), n(&reports[2], "lines_read"));

    // A JSON array is read element by element, not line by line: no blocks.
    let lines = generated(3_000, 9, 9_000_000);
    let text = String::from_utf8(lines).unwrap();
    let array = format!("[{}]", text.trim_end().replace('\n', ",\n"));
    let array_file = files.write("array.json", array.as_bytes());
    let w = Workspace::new();
    w.ingest(&array_file, b"");
    w.ingest(&array_file, b"");
    assert_eq!(w.count("SELECT count(*) FROM ingest_blocks"), 0);
    assert_eq!(
        w.count("SELECT duplicates FROM ingests WHERE id = 2"),
        3_000
    );
}

#[test]
fn rejects_on_the_first_and_last_lines_of_blocks_are_recorded_again() {
    // Lines replaced by garbage of the same length keep every line break where it was, so
    // the blocks stay where they are: the garbage sits on each block's first and last line.
    let mut bytes = generated(12_000, 5, 0);
    let mut start = 0;
    let mut replaced = 0;
    for end in block_ends(&bytes) {
        let first_end = start + bytes[start..].iter().position(|&c| c == b'\n').unwrap();
        let last_start = bytes[..end - 1].iter().rposition(|&c| c == b'\n').unwrap() + 1;
        for (from, to) in [(start, first_end), (last_start, end - 1)] {
            bytes[from..to].fill(b'#');
            replaced += 1;
        }
        start = end;
    }
    let files = Workspace::new();
    let input = files.write("events.jsonl", &bytes);
    let reports = ingest_both_ways(&[(&input, &[]), (&input, &[])]);
    assert_eq!(n(&reports[0], "rejected"), replaced);
    assert_eq!(n(&reports[1], "rejected"), replaced);
    assert_eq!(n(&reports[1], "recognised"), n(&reports[1], "lines_read"));
}
