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
    let mut kinds: std::collections::BTreeMap<String, u64> = Default::default();
    for (reason, lines) in reasons {
        *kinds.entry(kind_of(&reason)).or_default() += lines;
    }
    let mut counted: Vec<ReasonCount> = kinds
        .into_iter()
        .map(|(reason, lines)| ReasonCount { reason, lines })
        .collect();
    counted.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.reason.cmp(&b.reason)));
    counted.truncate(n);
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

#[cfg(test)]
mod tests {
    use super::*;

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
