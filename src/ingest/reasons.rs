//! The most frequent reasons an ingest rejected lines for, for its summary. Reasons that
//! differ only in a number or a quoted value (`invalid JSON at column 68: …`, `timestamp
//! '2022-13-01' is not …`) are one kind of mistake and are counted together. Pure.

use serde::Serialize;

/// One kind of reason and how many lines were rejected for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub lines: u64,
}

/// The `n` most frequent kinds among `(reason, lines)`, most first (ties by reason).
pub fn most_frequent(
    reasons: impl IntoIterator<Item = (String, u64)>,
    n: usize,
) -> Vec<ReasonCount> {
    let mut counted = counted_by(reasons, kind_of);
    counted.truncate(n);
    counted
}

/// `(reason, lines)` added up by what `key` makes of each reason (its kind for a summary,
/// its template for a shared file), most first (ties by reason).
pub fn counted_by(
    reasons: impl IntoIterator<Item = (String, u64)>,
    key: impl Fn(&str) -> String,
) -> Vec<ReasonCount> {
    let mut kinds: std::collections::BTreeMap<String, u64> = Default::default();
    for (reason, lines) in reasons {
        *kinds.entry(key(&reason)).or_default() += lines;
    }
    let mut counted: Vec<ReasonCount> = kinds
        .into_iter()
        .map(|(reason, lines)| ReasonCount { reason, lines })
        .collect();
    counted.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.reason.cmp(&b.reason)));
    counted
}

/// A reason with its numbers as `N` and its quoted values as `'…'`. A number is a run of
/// digits after a space (`column 68`), not digits inside a word (`ISO-8601`).
fn kind_of(reason: &str) -> String {
    let mut kind = String::with_capacity(reason.len());
    let mut chars = reason.chars().peekable();
    let mut after_space = true;
    while let Some(c) = chars.next() {
        let at_word_start = after_space;
        after_space = c == ' ';
        if c == '\'' {
            // A quoted value: up to the closing quote, or the end.
            for q in chars.by_ref() {
                if q == '\'' {
                    break;
                }
            }
            kind.push_str("'…'");
        } else if c.is_ascii_digit() && at_word_start {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            kind.push('N');
        } else {
            kind.push(c);
        }
    }
    kind
}

/// The fields xcc knows by name (a duplicate of one of them is named in its template).
const KNOWN_KEYS: [&str; 12] = [
    "id",
    "type",
    "event",
    "event.timestamp",
    "event.customer-id",
    "event.user-agent",
    "event.ip",
    "event.page",
    "event.referrer",
    "event.query",
    "event.product",
    "event.position",
];

/// What the reasons for a bad timestamp say after the quoted timestamp.
const TIMESTAMP_REASONS: [&str; 3] = [
    "is not ISO-8601",
    "is not a real date and time",
    "is outside the years 0000-9999 in UTC",
];

/// A reason without anything of the input it quotes, for a shared file: its template, with
/// numbers as `N` (`timestamp is not ISO-8601`, `line of N bytes is longer than
/// --max-line-bytes`, `duplicate key of an unknown field`, `an unknown field cannot be kept:
/// …`, `not an event object: invalid type: string, expected an event object`). A reason of
/// another shape (an older xcc's) is cut at its first quote. Pure.
pub fn template(reason: &str) -> String {
    if let Some(rest) = reason.strip_prefix("timestamp '") {
        if let Some(t) = TIMESTAMP_REASONS
            .iter()
            .find(|t| rest.strip_suffix(**t).is_some_and(|v| v.ends_with("' ")))
        {
            return format!("timestamp {t}");
        }
    }
    if reason.starts_with("line of ") && reason.contains(" bytes is longer than the maximum of ") {
        return "line of N bytes is longer than --max-line-bytes".to_string();
    }
    if let Some(key) = reason
        .strip_prefix("duplicate key '")
        .and_then(|r| r.strip_suffix('\''))
    {
        return match KNOWN_KEYS.contains(&key) {
            true => format!("duplicate key '{key}'"),
            false => "duplicate key of an unknown field".to_string(),
        };
    }
    let invalid_type = reason
        .strip_prefix("not an event object: invalid type: ")
        .and_then(|r| r.strip_suffix(", expected an event object"));
    if let Some(unexpected) = invalid_type {
        let kind = if unexpected.starts_with("floating point") {
            "floating point"
        } else {
            unexpected.split([' ', '`', '"']).next().unwrap_or_default()
        };
        let kind = if kind.bytes().all(|c| c.is_ascii_lowercase() || c == b' ') {
            kind
        } else {
            "…"
        };
        return format!("not an event object: invalid type: {kind}, expected an event object");
    }
    // "{name} cannot be kept: {why}", the name an unknown field's.
    if let Some((_, why)) = reason.rsplit_once(" cannot be kept: ") {
        return format!("an unknown field cannot be kept: {}", template(why));
    }
    // serde_json's syntax errors are its own sentences.
    if reason.starts_with("invalid JSON at column ") {
        return numbers_as_n(reason);
    }
    match reason.find(['\'', '"', '`']) {
        None => numbers_as_n(reason),
        Some(i) => format!("{} …", numbers_as_n(reason[..i].trim_end())),
    }
}

/// Runs of digits after a space (or at the start) as `N`, thousands separators included
/// (`line of 1,234 bytes` → `line of N bytes`); digits inside a word (`ISO-8601`) stay.
fn numbers_as_n(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut chars = reason.chars().peekable();
    let mut after_space = true;
    while let Some(c) = chars.next() {
        let at_word_start = after_space;
        after_space = c == ' ';
        if c.is_ascii_digit() && at_word_start {
            loop {
                match chars.peek() {
                    Some(d) if d.is_ascii_digit() => {
                        chars.next();
                    }
                    Some(',') => {
                        let mut ahead = chars.clone();
                        ahead.next();
                        if !ahead.peek().is_some_and(char::is_ascii_digit) {
                            break;
                        }
                        chars.next();
                    }
                    _ => break,
                }
            }
            out.push('N');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_keeps_nothing_of_the_input() {
        let cases = [
            ("timestamp 'bob@example.com' is not ISO-8601", "timestamp is not ISO-8601"),
            ("timestamp 'it's 5' is not ISO-8601", "timestamp is not ISO-8601"),
            (
                "timestamp '2022-02-30T00:00:00' is not a real date and time",
                "timestamp is not a real date and time",
            ),
            (
                "timestamp '99999-01-01T00:00:00' is outside the years 0000-9999 in UTC",
                "timestamp is outside the years 0000-9999 in UTC",
            ),
            (
                "line of 1,234 bytes is longer than the maximum of 60 bytes (--max-line-bytes); it starts with '198.51.100.23 - - [25/May/2022…'",
                "line of N bytes is longer than --max-line-bytes",
            ),
            ("duplicate key 'event.timestamp'", "duplicate key 'event.timestamp'"),
            ("duplicate key 'alice@example.com'", "duplicate key of an unknown field"),
            (
                "not an event object: invalid type: string \"alice@example.com\", expected an event object",
                "not an event object: invalid type: string, expected an event object",
            ),
            (
                "not an event object: invalid type: integer `4111111111111111`, expected an event object",
                "not an event object: invalid type: integer, expected an event object",
            ),
            (
                "not an event object: invalid type: floating point `1.5`, expected an event object",
                "not an event object: invalid type: floating point, expected an event object",
            ),
            (
                "not an event object: invalid type: sequence, expected an event object",
                "not an event object: invalid type: sequence, expected an event object",
            ),
            (
                "event.alice@example.com cannot be kept: invalid JSON at column 128: recursion limit exceeded",
                "an unknown field cannot be kept: invalid JSON at column N: recursion limit exceeded",
            ),
            (
                "invalid JSON at column 21: control character (\\u0000-\\u001F) found while parsing a string",
                "invalid JSON at column N: control character (\\u0000-\\u001F) found while parsing a string",
            ),
            ("invalid JSON at column 9: expected `,` or `}`", "invalid JSON at column N: expected `,` or `}`"),
            ("id 42 already stored with different content", "id N already stored with different content"),
            ("customer-id must be an integer or null, not a string", "customer-id must be an integer or null, not a string"),
            ("missing field event.timestamp", "missing field event.timestamp"),
            // Another shape: cut at its first quote.
            ("bad value 'alice@example.com' somewhere", "bad value …"),
        ];
        for (reason, want) in cases {
            assert_eq!(template(reason), want, "{reason}");
        }
    }

    #[test]
    fn reasons_that_differ_in_a_number_or_a_value_are_counted_together() {
        let reasons = [
            ("invalid JSON at column 68: EOF while parsing an object", 5),
            ("invalid JSON at column 7: EOF while parsing an object", 2),
            ("timestamp '2022-13-01' is not a real date and time", 1),
            ("timestamp '2022-02-30' is not a real date and time", 3),
            ("id must be an integer, not a string", 4),
            ("duplicate key 'id'", 1),
            ("timestamp 'May' is not ISO-8601", 1),
        ];
        let top = most_frequent(reasons.iter().map(|(r, n)| (r.to_string(), *n)), 3);
        assert_eq!(
            top,
            [
                ReasonCount {
                    reason: "invalid JSON at column N: EOF while parsing an object".into(),
                    lines: 7
                },
                ReasonCount {
                    reason: "id must be an integer, not a string".into(),
                    lines: 4
                },
                ReasonCount {
                    reason: "timestamp '…' is not a real date and time".into(),
                    lines: 4
                },
            ]
        );
        assert_eq!(most_frequent(Vec::new(), 3), []);
        assert_eq!(
            kind_of("timestamp 'May' is not ISO-8601"),
            "timestamp '…' is not ISO-8601"
        );
        assert_eq!(kind_of("id 12 already stored"), "id N already stored");
    }
}
