//! The console examples of README.md and docs/ run as written, so that the docs cannot go
//! stale. Each ```console block is a list of `$ command` lines, each followed by the output it
//! prints (stdout and stderr together); in the output, `[..]` stands for any text within a
//! line and a line `...` for any number of lines. The blocks of one file run in order in one
//! temporary folder that holds `events.jsonl` (the real sample); the guides' folders also hold
//! the `sessions.db` that the README's quick start makes from it. Examples that need a
//! server, PostgreSQL or Spark are ```sh or ```text blocks: their features have tests of their
//! own.

use std::path::Path;
use std::process::Command;

use crate::util::REAL_HEAD;

/// The documents whose console blocks run, and whether their folder starts with the quick
/// start's `sessions.db`.
const DOCUMENTS: [(&str, bool); 7] = [
    ("README.md", false),
    ("docs/guide.md", true),
    ("docs/analysts.md", true),
    ("docs/http.md", true),
    ("docs/security.md", true),
    ("docs/postgres.md", true),
    ("docs/spark.md", true),
];

/// One `$ command` of a console block and the lines it is documented to print.
struct Example {
    line: usize,
    command: String,
    expected: Vec<String>,
}

#[test]
fn every_console_example_of_the_docs_prints_what_it_shows() {
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut wrong = Vec::new();
    let mut ran = 0;
    for (document, with_sessions) in DOCUMENTS {
        let text = std::fs::read_to_string(top.join(document)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(REAL_HEAD, dir.path().join("events.jsonl")).unwrap();
        if with_sessions {
            let made = shell(
                dir.path(),
                "xcc ingest events.jsonl --db sessions.db --quiet",
            );
            assert!(made.is_empty(), "{made}");
        }
        for example in examples(&text) {
            ran += 1;
            let printed = shell(dir.path(), &example.command);
            if !matches(&example.expected, &printed) {
                wrong.push(format!(
                    "{document}:{}: $ {}\nshown:\n{}\nprinted:\n{printed}",
                    example.line,
                    example.command,
                    example.expected.join("\n")
                ));
            }
        }
    }
    assert!(ran >= 10, "only {ran} console examples found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// Runs `command` with `sh` in `dir`, the xcc under test first on PATH; stdout and stderr
/// together, as a terminal shows them.
fn shell(dir: &Path, command: &str) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_xcc")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1; {command}"))
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The examples of every ```console block of a markdown text, in order.
fn examples(text: &str) -> Vec<Example> {
    let mut found: Vec<Example> = Vec::new();
    let mut in_console = false;
    // The examples found before the current block: output belongs to this block's own.
    let mut before_block = 0;
    // The fence's indentation (a block inside a list item), which its lines share.
    let mut indent = 0;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_console = !in_console && trimmed == "```console";
            before_block = found.len();
            indent = line.len() - trimmed.len();
            continue;
        }
        if !in_console {
            continue;
        }
        let trimmed = line.get(indent..).unwrap_or(trimmed);
        if let Some(command) = trimmed.strip_prefix("$ ") {
            found.push(Example {
                line: i + 1,
                command: command.to_string(),
                expected: Vec::new(),
            });
        } else if found.len() > before_block {
            if let Some(example) = found.last_mut() {
                example.expected.push(trimmed.to_string());
            }
        }
    }
    found
}

/// Whether `printed` is what `expected` shows: line by line, `[..]` any text within a line,
/// `...` any number of lines, trailing blanks ignored.
fn matches(expected: &[String], printed: &str) -> bool {
    let printed: Vec<&str> = printed.lines().map(str::trim_end).collect();
    let expected: Vec<&str> = expected.iter().map(|l| l.trim_end()).collect();
    lines_match(&expected, &printed)
}

fn lines_match(expected: &[&str], printed: &[&str]) -> bool {
    match expected.split_first() {
        None => printed.is_empty(),
        Some((&"...", rest)) => (0..=printed.len()).any(|skip| lines_match(rest, &printed[skip..])),
        Some((line, rest)) => {
            !printed.is_empty()
                && line_matches(line, printed[0])
                && lines_match(rest, &printed[1..])
        }
    }
}

/// One line against its pattern, where `[..]` stands for any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split("[..]");
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

#[test]
fn the_patterns_of_the_docs_match_what_they_say() {
    assert!(line_matches(
        "in [..]: 5 stored",
        "in 0.2 s (4,753 lines/s): 5 stored"
    ));
    assert!(!line_matches("in [..]: 5 stored", "in 0.2 s: 6 stored"));
    assert!(line_matches("a", "a") && !line_matches("a", "ab"));
    let shown = ["{".to_string(), "...".to_string(), "}".to_string()];
    assert!(matches(&shown, "{\n  \"a\": 1,\n  \"b\": 2\n}\n"));
    assert!(!matches(&shown, "{\n  \"a\": 1\n"));
}
