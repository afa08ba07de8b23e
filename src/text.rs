//! Small text helpers shared by error messages.

/// `s` cut to at most `max` characters, with `…` where it was cut, so a 10 MB value never
/// ends up inside an error message.
/// Control characters are shown escaped (`\u{0}`), so a message stays one printable line.
pub fn shorten(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn cuts_on_character_boundaries() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc…");
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(shorten("a\u{0}b\n", 9), "a\\u{0}b\\n");
    }
}
