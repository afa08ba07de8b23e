//! Whether an input is JSON lines at all. An input whose first 1,000 non-blank lines (or all
//! of them, when it has fewer) are all rejected, and mostly do not even look like JSON, is a
//! wrong file — a binary, a README, a server's HTML error page — and storing it line by line
//! as rejects would only bury the mistake in a large file. "Mostly": a README may quote a
//! line of JSON. A JSON file whose lines are all rejected for what they hold (a missing field,
//! a bad timestamp) is not this: its rejects are kept as always. Pure: records in, a verdict
//! out.

/// How many records decide.
pub const LOOKED_AT: u64 = 1_000;

/// What the first records of an input say about it.
#[derive(Debug, Default)]
pub struct Sniffer {
    looked_at: u64,
    /// Records that look like JSON (an object), stored or not.
    json_like: u64,
    /// A record was stored: the input is JSON, whatever else it holds.
    stored: bool,
    /// Some record had a NUL byte or bytes that are not UTF-8.
    binary: bool,
    /// The start of the first record, to describe the input by.
    first: Option<Vec<u8>>,
}

impl Sniffer {
    /// Takes the next record, and whether it was rejected.
    pub fn look(&mut self, raw: &[u8], rejected: bool) {
        if self.stored || self.looked_at >= LOOKED_AT {
            return;
        }
        self.looked_at += 1;
        if !rejected {
            self.stored = true;
            return;
        }
        if looks_like_json(raw) {
            self.json_like += 1;
        }
        self.binary |= raw.contains(&0) || std::str::from_utf8(raw).is_err();
        if self.first.is_none() {
            self.first = Some(raw[..raw.len().min(200)].to_vec());
        }
    }

    /// Takes records an earlier ingest read and accepted as they are.
    pub fn look_at_known(&mut self) {
        self.stored = true;
    }

    /// What the input looks like, once the first `LOOKED_AT` records are all rejected and none
    /// looks like JSON; `None` otherwise (or while fewer have been seen).
    pub fn not_json(&self) -> Option<String> {
        (self.looked_at >= LOOKED_AT)
            .then(|| self.describe())
            .flatten()
    }

    /// At the end of the input: the same verdict over however many records there were.
    pub fn not_json_at_end(&self) -> Option<String> {
        (self.looked_at > 0).then(|| self.describe()).flatten()
    }

    fn describe(&self) -> Option<String> {
        // Half or more look like JSON: a JSON file with bad lines, whose rejects are kept.
        if self.stored || 2 * self.json_like >= self.looked_at {
            return None;
        }
        let its = if self.looked_at >= LOOKED_AT {
            format!("its first {} lines", crate::format::thousands(LOOKED_AT))
        } else {
            format!("its {} lines", self.looked_at)
        };
        let lines = match (self.looked_at, self.json_like) {
            (1, _) => "its one line is not JSON".to_string(),
            (_, 0) => format!("none of {its} is JSON"),
            (_, 1) => format!("only 1 of {its} looks like JSON, and none could be stored"),
            (_, n) => format!("only {n} of {its} look like JSON, and none could be stored"),
        };
        let first = self.first.as_deref().unwrap_or_default();
        let text = String::from_utf8_lossy(first).trim().to_string();
        let lower = text.to_ascii_lowercase();
        let looks = if self.binary {
            "binary data, not text".to_string()
        } else if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
            "an HTML page (a server's error page, perhaps)".to_string()
        } else if lower.starts_with("<?xml") || lower.starts_with('<') {
            "XML or HTML".to_string()
        } else {
            let start: String = text.chars().take(40).collect();
            let more = if text.chars().count() > 40 { "…" } else { "" };
            format!("text beginning {:?}", format!("{start}{more}"))
        };
        Some(format!("{lines}; it looks like {looks}"))
    }
}

/// Whether a record could be meant as an event: its first byte that is not white space
/// (after a byte order mark) opens a JSON object.
fn looks_like_json(raw: &[u8]) -> bool {
    let raw = raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw);
    raw.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(records: &[(&[u8], bool)]) -> (Option<String>, Option<String>) {
        let mut s = Sniffer::default();
        for (raw, rejected) in records {
            s.look(raw, *rejected);
        }
        (s.not_json(), s.not_json_at_end())
    }

    #[test]
    fn a_thousand_rejected_lines_that_are_not_json_are_a_wrong_file() {
        let line: &[u8] = b"# xcc: a README, not events";
        let records = vec![(line, true); 1000];
        let (early, _) = verdict(&records);
        assert_eq!(
            early.as_deref(),
            Some("none of its first 1,000 lines is JSON; it looks like text beginning \"# xcc: a README, not events\"")
        );
        // 999 are not enough to stop before the end.
        assert_eq!(verdict(&records[..999]).0, None);
    }

    #[test]
    fn binaries_and_html_pages_are_named() {
        let binary: &[u8] = b"\x7fELF\x02\x01\x01\x00\x00";
        assert_eq!(
            verdict(&[(binary, true)]).1.as_deref(),
            Some("its one line is not JSON; it looks like binary data, not text")
        );
        let html: &[&[u8]] = &[
            b"<!DOCTYPE html>",
            b"<html><body>",
            b"<h1>404 Not Found</h1>",
        ];
        let records: Vec<_> = html.iter().map(|r| (*r, true)).collect();
        assert_eq!(
            verdict(&records).1.as_deref(),
            Some("none of its 3 lines is JSON; it looks like an HTML page (a server's error page, perhaps)")
        );
    }

    #[test]
    fn json_rejected_for_what_it_holds_is_still_json() {
        // Every line rejected, but each one is JSON: its rejects are kept as always.
        let records = vec![(&b"{\"id\": \"one\"}"[..], true); 1500];
        assert_eq!(verdict(&records), (None, None));
        // One stored event among garbage: a JSON file with bad lines.
        let mut mixed = vec![(&b"garbage"[..], true); 500];
        mixed.push((b"{\"id\": 1}", false));
        mixed.extend(vec![(&b"garbage"[..], true); 600]);
        assert_eq!(verdict(&mixed), (None, None));
        // Cut short, so not valid JSON: still a JSON file with bad lines.
        let cut = vec![(&b"{\"id\": 1, \"type\": \"page_"[..], true); 1000];
        assert_eq!(verdict(&cut), (None, None));
        // A byte order mark and white space before the brace.
        assert!(looks_like_json(b"\xef\xbb\xbf  {\"id\": 1"));
        assert!(!looks_like_json(b"[a markdown link](x)"));
        assert!(!looks_like_json(b"id,type,timestamp"));
    }

    /// A README that quotes a line of JSON is still a README.
    #[test]
    fn a_few_json_lines_among_text_do_not_make_it_json() {
        let mut records = vec![(&b"Some prose about events."[..], true); 460];
        records.insert(7, (b"{\"error\": \"not found\"}", true));
        records.insert(0, (b"# xcc", true));
        assert_eq!(
            verdict(&records).1.as_deref(),
            Some("only 1 of its 462 lines looks like JSON, and none could be stored; it looks like text beginning \"# xcc\"")
        );
    }

    #[test]
    fn an_empty_input_says_nothing() {
        assert_eq!(verdict(&[]), (None, None));
    }
}
