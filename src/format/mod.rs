//! Formatting shared by messages, summaries and stored text: numbers and sizes for people,
//! durations typed by people, and the calendar behind every UTC timestamp xcc writes.

pub mod calendar;
pub mod duration;

/// `s` cut to at most `max` characters, with `…` where it was cut, so a 10 MB value never
/// ends up inside an error message.
/// Control characters are shown escaped (`\u{0}`, see [`escape_controls`]), so a message
/// stays one printable line.
pub fn shorten(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// Whether `c` would steer a terminal rather than be shown by it: a C0 control (U+0000 to
/// U+001F, newline and tab included), DEL (U+007F), a C1 control (U+0080 to U+009F; U+009B
/// is CSI, which starts an escape sequence on its own), or a bidirectional embedding,
/// override or isolate (U+202A to U+202E, U+2066 to U+2069), which reorder the text after
/// them so that what is shown is not what is there.
pub fn steers_a_terminal(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every character that [steers a terminal](steers_a_terminal) shown escaped:
/// `\n`, `\r` and `\t` as such, any other as its code point in Rust's form (`\u{1b}`,
/// `\u{9b}`, `\u{202e}`). For text from a file or an input that reaches a terminal (error
/// sentences, `table` output): an ESC in a view's name must not retitle the window or move
/// the cursor. Data written as data (CSV, JSON) keeps its exact bytes and never passes here.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(steers_a_terminal) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    std::borrow::Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if steers_a_terminal(c) => out.extend(c.escape_unicode()),
        c => out.push(c),
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count in decimal units, e.g. `12.3 MB`.
pub fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.2} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_character_boundaries() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc…");
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(shorten("a\u{0}b\n", 9), "a\\u{0}b\\n");
    }

    #[test]
    fn controls_are_escaped_by_class() {
        // Plain text, and text that only looks unusual, is returned as it is, unallocated.
        for kept in [
            "",
            "plain",
            "ééé … 日本",
            "back\\slash",
            "\u{a0}\u{200b}\u{2029}",
        ] {
            assert!(
                matches!(escape_controls(kept), std::borrow::Cow::Borrowed(_)),
                "{kept:?}"
            );
        }
        // C0: newline, return and tab readable; NUL, BEL, ESC and the rest as code points.
        assert_eq!(escape_controls("a\nb\rc\td"), "a\\nb\\rc\\td");
        assert_eq!(
            escape_controls("\u{0}\u{7}\u{1b}]0;title\u{7}\u{1f}"),
            "\\u{0}\\u{7}\\u{1b}]0;title\\u{7}\\u{1f}"
        );
        // DEL.
        assert_eq!(escape_controls("x\u{7f}y"), "x\\u{7f}y");
        // C1: the whole range, CSI (U+009B) among it.
        assert_eq!(escape_controls("\u{80}"), "\\u{80}");
        assert_eq!(escape_controls("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape_controls("\u{9f}"), "\\u{9f}");
        // Bidirectional embeddings, overrides and isolates, both ranges, ends included.
        for c in ['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}'] {
            assert_eq!(
                escape_controls(&format!("a{c}b")),
                format!("a\\u{{{:x}}}b", c as u32)
            );
        }
        for c in ['\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'] {
            assert_eq!(
                escape_controls(&c.to_string()),
                format!("\\u{{{:x}}}", c as u32)
            );
        }
        // Their neighbours are ordinary characters.
        for c in [
            '\u{20}', '\u{7e}', '\u{a0}', '\u{2029}', '\u{202f}', '\u{2065}', '\u{206a}',
        ] {
            assert!(!steers_a_terminal(c), "{c:?}");
        }
        // shorten escapes the same characters.
        assert_eq!(shorten("\u{202e}abc", 2), "\\u{202e}a…");
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(45_000_000), "45.0 MB");
    }
}
