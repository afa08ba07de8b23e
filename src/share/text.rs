//! Free text without the personal details people type into it, for a shared file: e-mail
//! addresses become `[email]`, phone-like numbers `[phone]`, card-like numbers `[card]` and
//! longer runs of digits `[number]`. Pure. What counts as which:
//!
//! - an e-mail address: `local@domain.tld` (also with `@` written `%40`): letters (any
//!   alphabet), digits and `._%+-` before the `@`, a domain with a dot after it whose last
//!   label has two letters or more;
//! - a number: digits, possibly grouped by one or two of ` -.()` between them and led by
//!   `+` or `(` (`+44 20 7946 0958`, `(555) 123-4567`, `4111 1111 1111 1111`). With 7 to 12
//!   digits (or up to 15 when it starts with `+`) it is phone-like, with 13 to 19 card-like,
//!   with more a `[number]`. Shorter numbers (`iphone 13`, `55 inch`) and dates written
//!   `2022-05-25` or `25.05.2022` stay as they are.

/// `text` with e-mail addresses and phone-like, card-like and long numbers replaced.
pub fn redact_text(text: &str) -> String {
    redact_numbers(&redact_emails(text))
}

/// `text` with its e-mail addresses replaced by `[email]` (numbers are left alone).
pub fn redact_emails(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut i) = (0, 0);
    while i < b.len() {
        let at = if b[i] == b'@' {
            1
        } else if b[i..].starts_with(b"%40") {
            3
        } else {
            0
        };
        if at > 0 {
            let mut start = i;
            while start > copied && is_local(b[start - 1]) {
                start -= 1;
            }
            let mut end = i + at;
            while end < b.len() && is_domain(b[end]) {
                end += 1;
            }
            while end > i + at && matches!(b[end - 1], b'.' | b'-') {
                end -= 1;
            }
            if start < i && is_domain_name(&text[i + at..end]) {
                out.push_str(&text[copied..start]);
                out.push_str("[email]");
                copied = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// Bytes of an address's local part. Those of characters beyond ASCII are all taken or all
/// left, so the address never starts or ends inside a character.
fn is_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || !c.is_ascii() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain(c: u8) -> bool {
    c.is_ascii_alphanumeric() || !c.is_ascii() || matches!(c, b'.' | b'-')
}

/// `shop.example.com`: labels separated by dots, the last of two letters or more.
fn is_domain_name(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic()))
}

/// `text` with phone-like, card-like and long numbers replaced (see the module's comment).
fn redact_numbers(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut i) = (0, 0);
    while i < b.len() {
        let leader = matches!(b[i], b'+' | b'(') && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !(b[i].is_ascii_digit() || leader) {
            i += 1;
            continue;
        }
        let end = number_end(b, if leader { i + 1 } else { i });
        let run = &text[i..end];
        let digits = run.bytes().filter(u8::is_ascii_digit).count();
        let marker = match digits {
            _ if is_date(run) => None,
            7..=15 if b[i] == b'+' => Some("[phone]"),
            0..=6 => None,
            7..=12 => Some("[phone]"),
            13..=19 => Some("[card]"),
            _ => Some("[number]"),
        };
        if let Some(marker) = marker {
            out.push_str(&text[copied..i]);
            out.push_str(marker);
            copied = end;
        }
        i = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Where the number whose first digit is at `start` ends: after its last digit, or after
/// the `)` that closes a group.
fn number_end(b: &[u8], start: usize) -> usize {
    let mut end = start;
    loop {
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        // One or two separators, then a digit: the number goes on.
        let separators = b[end..]
            .iter()
            .take(2)
            .take_while(|c| matches!(c, b' ' | b'-' | b'.' | b'(' | b')'))
            .count();
        match (1..=separators).find(|&n| b.get(end + n).is_some_and(u8::is_ascii_digit)) {
            Some(n) => end += n,
            None => break,
        }
    }
    end
}

/// `2022-05-25`, `2022.05.25`, `25-05-2022`, `25.05.2022`.
fn is_date(run: &str) -> bool {
    let groups: Vec<usize> = run.split(['-', '.']).map(str::len).collect();
    let one_separator = !run.contains(['-']) || !run.contains(['.']);
    let digits_only = run
        .bytes()
        .all(|c| c.is_ascii_digit() || c == b'-' || c == b'.');
    digits_only && one_separator && (groups == [4, 2, 2] || groups == [2, 2, 4])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_become_a_marker() {
        assert_eq!(
            redact_text("mail alice.smith+shop@example.co.uk now"),
            "mail [email] now"
        );
        assert_eq!(redact_text("bob%40example.com"), "[email]");
        assert_eq!(redact_text("<a@b.io>, c_d@x-y.org."), "<[email]>, [email].");
        // Not addresses: no domain, no dot, a numeric top-level label, nothing before the @.
        assert_eq!(redact_text("@home"), "@home");
        assert_eq!(redact_text("shoes @ 50% off"), "shoes @ 50% off");
        assert_eq!(redact_text("me@localhost"), "me@localhost");
        assert_eq!(redact_text("v1@2.3"), "v1@2.3");
        // Beyond ASCII: never cut inside a character.
        assert_eq!(redact_text("café@été"), "café@été");
        assert_eq!(redact_text("für müller@bücher.de"), "für [email]");
    }

    #[test]
    fn phone_like_numbers_become_a_marker() {
        assert_eq!(
            redact_text("call +44 20 7946 0958 please"),
            "call [phone] please"
        );
        assert_eq!(redact_text("(555) 123-4567"), "[phone]");
        assert_eq!(redact_text("tel:0612345678"), "tel:[phone]");
        assert_eq!(redact_text("555.123.4567"), "[phone]");
        assert_eq!(redact_text("06 12 34 56 78"), "[phone]");
        // Short numbers and dates stay.
        assert_eq!(redact_text("iphone 13 pro 256gb"), "iphone 13 pro 256gb");
        assert_eq!(redact_text("tv 55 inch"), "tv 55 inch");
        assert_eq!(redact_text("123456"), "123456");
        assert_eq!(redact_text("since 2022-05-25"), "since 2022-05-25");
        assert_eq!(redact_text("25.05.2022"), "25.05.2022");
        // A separator at the end is not part of the number.
        assert_eq!(redact_text("1234567- x"), "[phone]- x");
        assert_eq!(redact_text("+ 1"), "+ 1");
    }

    #[test]
    fn card_like_and_longer_numbers_become_a_marker() {
        assert_eq!(redact_text("card 4111111111111111"), "card [card]");
        assert_eq!(redact_text("4111 1111 1111 1111!"), "[card]!");
        assert_eq!(redact_text("4111-1111-1111-1111"), "[card]");
        assert_eq!(redact_text("x12345678901234567890123"), "x[number]");
    }

    #[test]
    fn text_without_personal_details_is_unchanged() {
        for text in ["", "red running shoes", "größe 42", "50% off!", "a-b.c (d)"] {
            assert_eq!(redact_text(text), text);
        }
        assert_eq!(redact_text("bob@example.com 0612345678"), "[email] [phone]");
        assert_eq!(
            redact_emails("bob@example.com 0612345678"),
            "[email] 0612345678"
        );
    }
}
