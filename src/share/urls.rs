//! URLs without what identifies a visitor, for a shared file (sessions.referrer and
//! landing_page, events.page and referrer). Pure. The rules:
//!
//! - the user name and password before the host go (`https://bob:pw@shop.example/` →
//!   `https://shop.example/`); a value without `://` whose first part has an `@`
//!   (`bob@example.com`, `mailto:bob@example.com`) keeps what follows the last `@`;
//! - the fragment goes (`#…`);
//! - of the query, only the parameters named `utm_*`, `ref` and `source` stay (as Plausible
//!   keeps them; names in any case), in their order; with none left the `?` goes too;
//! - the path and each kept parameter's value are read as a browser shows them (percent-decoded
//!   until nothing changes, so `%2540` is `@`; fullwidth forms folded, so `＠` is `@`); where
//!   that shows an e-mail address, a phone-like, card-like or long number, or a token (a run
//!   of 20 or more letters and digits with both, as a base64 or hex secret is; a
//!   `;jsessionid=` value), the shown form with `[email]`, `[phone]`, `[card]`, `[number]` or
//!   `[token]` in its place stands instead; otherwise the part stays as written;
//! - a host that shows such a thing (`frank.f%40example.com`, a referrer without a scheme)
//!   becomes `redacted.invalid`, in the URL and in `sessions.referrer_host` alike
//!   ([`redact_host`]);
//! - scheme, host, port (IPv6 hosts too) and path stay as written; so does a value that is
//!   no URL at all, unless one of the rules applies to it.
//!
//! The host stays what [`referrer_host`] reads from the original, so that the referrer
//! metrics of a shared file are the working file's and `xcc verify` finds the sessions of
//! its events: a value where the rules would change it (`/go?to=http://shop.example`, whose
//! host is read after the `://` of its query) becomes `//host/` (or `/` for none). A value
//! that is not blank never becomes blank (`#top` → `#`), since sessions skip blank referrers.

use crate::sessions::sessionizer::referrer_host;

use super::text::redact_text;

/// Where an ingest read its lines (`ingests.source`), for a shared file: a URL by
/// [`redact_url`] (a download's credentials and tokens go), a file by its name alone (the
/// folder names the user who read it: `/home/alice/…`), anything else (`stdin`) as it is.
pub fn redact_source(source: &str) -> String {
    let lower = source.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return redact_url(source);
    }
    if source == "stdin" {
        return source.to_string();
    }
    std::path::Path::new(source).file_name().map_or_else(
        || source.to_string(),
        |n| {
            let name = n.to_string_lossy();
            redacted_part(&name).unwrap_or_else(|| name.into_owned())
        },
    )
}

/// `url` by the rules of the module's comment.
pub fn redact_url(url: &str) -> String {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return url.to_string();
    }
    let mut redacted = by_the_rules(trimmed);
    if redacted.trim().is_empty() {
        redacted = "#".to_string();
    }
    let host = referrer_host(trimmed).map(|h| redact_host(&h));
    if referrer_host(&redacted) == host {
        redacted
    } else {
        host_only(host)
    }
}

/// A referrer host as a shared file keeps it: as it is, unless it shows something personal
/// (see the module's comment), then `redacted.invalid` (a name that can be no real host,
/// RFC 2606), which a URL of it reads back as.
pub fn redact_host(host: &str) -> String {
    match redacted_part(host) {
        Some(_) => REDACTED_HOST.to_string(),
        None => host.to_string(),
    }
}

const REDACTED_HOST: &str = "redacted.invalid";

/// `part` (a path, a parameter's value, a host) redacted as it is shown, or `None` when what
/// it shows holds nothing personal (then it stays as written).
fn redacted_part(part: &str) -> Option<String> {
    let shown = as_shown(part);
    let redacted = redact_tokens(&redact_text(&shown));
    (redacted != shown).then_some(redacted)
}

/// `part` as a browser shows it: percent-decoded until nothing changes (four rounds at most:
/// `%252540` is `%2540` is `%40` is `@`), then fullwidth forms (U+FF01 to U+FF5E) folded to
/// their ASCII letters.
fn as_shown(part: &str) -> String {
    let mut shown = part.to_string();
    for _ in 0..4 {
        let decoded = percent_encoding::percent_decode_str(&shown)
            .decode_utf8_lossy()
            .into_owned();
        if decoded == shown {
            break;
        }
        shown = decoded;
    }
    shown
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// `text` with its tokens as `[token]`: a `;jsessionid=` value, and every run of 20 or more
/// ASCII letters, digits and `+=_` with at least one letter and one digit.
fn redact_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let token = run.len() >= 20
            && run.bytes().any(|b| b.is_ascii_digit())
            && run.bytes().any(|b| b.is_ascii_alphabetic());
        out.push_str(if token { "[token]" } else { run.as_str() });
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '+' | '=' | '_') {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    redact_session_ids(&out)
}

/// `;jsessionid=…` (any case) up to the next `/`, `?`, `#` or `;` as `;jsessionid=[token]`.
fn redact_session_ids(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let Some(at) = lower.find(";jsessionid=") else {
        return text.to_string();
    };
    let start = at + ";jsessionid=".len();
    let end = text[start..]
        .find(['/', '?', '#', ';'])
        .map_or(text.len(), |i| start + i);
    if start == end || &text[start..end] == "[token]" {
        return text.to_string();
    }
    format!(
        "{}[token]{}",
        &text[..start],
        redact_session_ids(&text[end..])
    )
}

fn by_the_rules(url: &str) -> String {
    let authority_start =
        scheme_end(url).map_or_else(|| if url.starts_with("//") { 2 } else { 0 }, |end| end + 3);
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| authority_start + i);
    let authority = &url[authority_start..authority_end];
    let host_and_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let rest = &url[authority_end..];
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut out = String::with_capacity(url.len());
    out.push_str(&url[..authority_start]);
    out.push_str(host_and_port);
    out.push_str(&redacted_part(path).unwrap_or_else(|| path.to_string()));
    let kept: Vec<String> = query
        .split('&')
        .filter(|p| kept_parameter(p.split('=').next().unwrap_or_default()))
        .map(redact_parameter)
        .collect();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    out
}

/// Where the `://` after the scheme starts: the first one, as [`referrer_host`] reads it,
/// when no `/`, `?` or `#` comes before it (`https`, `android-app`; not `/go?to=http`).
fn scheme_end(url: &str) -> Option<usize> {
    let end = url.find("://")?;
    (!url[..end].contains(['/', '?', '#'])).then_some(end)
}

/// `name=value` with its value redacted as it is shown (the name stays as written).
fn redact_parameter(parameter: &str) -> String {
    match parameter.split_once('=') {
        Some((name, value)) => match redacted_part(value) {
            Some(value) => format!("{name}={value}"),
            None => parameter.to_string(),
        },
        None => parameter.to_string(),
    }
}

/// Campaign tags and referral names, as Plausible keeps them.
fn kept_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_") || name == "ref" || name == "source"
}

/// A URL of the host alone, which [`referrer_host`] reads back as that host.
fn host_only(host: Option<String>) -> String {
    match host {
        Some(h) if h.contains(':') => format!("//[{h}]/"),
        Some(h) => format!("//{h}/"),
        None => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 36's cases: what a browser shows is what the rules read (each expected value
    /// written by hand from the rules of the module's comment).
    #[test]
    fn encoded_personal_details_are_redacted_as_they_are_shown() {
        for (url, redacted) in [
            // %40 is @: the referrer without a scheme is its own host, so the host goes too.
            ("frank.f%40example.com", "//redacted.invalid/"),
            (
                "https://shop.example/u/ursula%40example%2Ecom/",
                "https://shop.example/u/[email]/",
            ),
            // A phone in the path, a card number after it.
            (
                "https://shop.example/call/+44-20-7946-0958/",
                "https://shop.example/call/[phone]/",
            ),
            (
                "https://shop.example/card/4111111111111111",
                "https://shop.example/card/[card]",
            ),
            // Kept parameters: a card, a phone written %2B1%20415…, an e-mail encoded twice
            // (%2540 is %40 is @), a fullwidth ＠.
            (
                "https://s.example/?utm_source=4111-1111-1111-1111",
                "https://s.example/?utm_source=[card]",
            ),
            (
                "https://s.example/?ref=%2B1%20415%20555%201234",
                "https://s.example/?ref=[phone]",
            ),
            (
                "https://s.example/?utm_campaign=gina%2540example.com",
                "https://s.example/?utm_campaign=[email]",
            ),
            (
                "https://s.example/?ref=quinn\u{FF20}example.com",
                "https://s.example/?ref=[email]",
            ),
            // Tokens: a session id, an e-mail in base64 (24 letters and digits).
            (
                "https://s.example/cart;jsessionid=0A1B2C3D",
                "https://s.example/cart;jsessionid=[token]",
            ),
            (
                "https://s.example/reset/ZnJhbmtAZXhhbXBsZS5jb20=/",
                "https://s.example/reset/[token]/",
            ),
        ] {
            assert_eq!(redact_url(url), redacted, "{url}");
        }
        // Nothing personal shown: the part stays as written, encoding and all.
        for url in [
            "https://xcc-webshop.com/products/1509",
            "https://s.example/caf%C3%A9/2022-05-25?utm_source=news%20letter",
            "https://s.example/a-long-product-slug-with-words-2022",
        ] {
            assert_eq!(redact_url(url), url);
        }
        assert_eq!(redact_host("frank.f%40example.com"), "redacted.invalid");
        assert_eq!(redact_host("www.google.com"), "www.google.com");
        // A URL of the redacted host reads back as it, so a shared file's sessions stay what
        // sessionizing its events gives.
        assert_eq!(
            referrer_host(&redact_url("frank.f%40example.com")).as_deref(),
            Some("redacted.invalid")
        );
        // The domain runs on to `.jsonl`, a label of letters: the whole name is the address.
        assert_eq!(
            redact_source("/home/x/alice%40example.com.jsonl"),
            "[email]"
        );
    }

    #[test]
    fn user_names_and_passwords_go() {
        assert_eq!(
            redact_url("https://bob:hunter2@shop.example/cart"),
            "https://shop.example/cart"
        );
        assert_eq!(
            redact_url("ftp://bob@files.example:21/a"),
            "ftp://files.example:21/a"
        );
        // The last @ ends them, as browsers read it.
        assert_eq!(redact_url("http://a@b@c.example/"), "http://c.example/");
        assert_eq!(redact_url("//token@cdn.example/x"), "//cdn.example/x");
        // Without a scheme: what follows the last @ of the first part.
        assert_eq!(redact_url("bob@example.com"), "example.com");
        assert_eq!(redact_url("mailto:bob@example.com"), "example.com");
    }

    #[test]
    fn the_fragment_goes() {
        assert_eq!(
            redact_url("https://shop.example/p#access_token=abc"),
            "https://shop.example/p"
        );
        assert_eq!(
            redact_url("https://shop.example/p?utm_source=x#y"),
            "https://shop.example/p?utm_source=x"
        );
        // Never blank: sessions skip blank referrers.
        assert_eq!(redact_url("#top"), "#");
    }

    #[test]
    fn only_campaign_and_referral_parameters_stay() {
        assert_eq!(
            redact_url("https://shop.example/?utm_source=news&email=bob%40example.com&ref=friend&card=4111111111111111&source=app&UTM_Campaign=spring"),
            "https://shop.example/?utm_source=news&ref=friend&source=app&UTM_Campaign=spring"
        );
        assert_eq!(
            redact_url("https://shop.example/search?q=shoes&token=s3cr3t"),
            "https://shop.example/search"
        );
        assert_eq!(
            redact_url("https://shop.example/?"),
            "https://shop.example/"
        );
        assert_eq!(
            redact_url("https://shop.example/?&&=x&"),
            "https://shop.example/"
        );
        // Parameters whose names only start like kept ones go.
        assert_eq!(
            redact_url("https://shop.example/?referrer=a&sources=b&utm=c"),
            "https://shop.example/"
        );
        // E-mail addresses in what stays become a marker.
        assert_eq!(
            redact_url("https://shop.example/u/bob@example.com?ref=ann%40example.org"),
            "https://shop.example/u/[email]?ref=[email]"
        );
    }

    #[test]
    fn relative_paths_lose_the_same() {
        assert_eq!(
            redact_url("/product/1?email=bob%40example.com&utm_medium=mail"),
            "/product/1?utm_medium=mail"
        );
        assert_eq!(
            redact_url("/product/1?email=bob%40example.com"),
            "/product/1"
        );
        assert_eq!(redact_url("?token=abc"), "#");
        assert_eq!(redact_url("shop.example/x?sid=1"), "shop.example/x");
    }

    #[test]
    fn hosts_ports_and_ipv6_stay() {
        assert_eq!(
            redact_url("http://[2001:db8::1]:8080/a?sid=9#f"),
            "http://[2001:db8::1]:8080/a"
        );
        assert_eq!(redact_url("http://user:pw@[::1]/"), "http://[::1]/");
        assert_eq!(
            redact_url("HTTPS://WWW.Google.COM:443/search?q=bob"),
            "HTTPS://WWW.Google.COM:443/search"
        );
        assert_eq!(
            redact_url("android-app://com.google.android.gm/"),
            "android-app://com.google.android.gm/"
        );
        // Whatever comes before the first `://` is the scheme, as for referrer_host.
        assert_eq!(redact_url("1http://x@y/?a=1"), "1http://y/");
    }

    #[test]
    fn values_that_are_no_urls_stay_unless_a_rule_applies() {
        for value in [
            "",
            "   ",
            "(direct)",
            "not a url",
            "javascript:void(0)",
            "%zz",
            "::::",
        ] {
            assert_eq!(redact_url(value), value);
        }
        // Malformed: a bracket never closed, nothing after the scheme, a space in the host.
        assert_eq!(redact_url("http://[::1/p?x=1"), "http://[::1/p");
        assert_eq!(redact_url("http://"), "http://");
        assert_eq!(redact_url("http://a b.example/?x"), "http://a b.example/");
    }

    #[test]
    fn the_host_stays_what_referrer_host_reads() {
        // Its host is read after the :// of its query: kept as the host alone.
        assert_eq!(
            redact_url("/go?to=http://bob:pw@shop.example/x"),
            "//shop.example/"
        );
        assert_eq!(redact_url("/go?to=http://[::1]/"), "//[::1]/");
        for url in [
            "https://bob:pw@Shop.Example:8080/a?b=1#c",
            "/go?to=http://bob@shop.example/x",
            "weird:// x?y",
            "a://b://c@d/e",
            "1http://x@y/",
            "  https://x.example/?q=1  ",
            "#a://b",
        ] {
            assert_eq!(referrer_host(&redact_url(url)), referrer_host(url), "{url}");
        }
    }

    #[test]
    fn a_source_keeps_its_file_name_and_loses_a_downloads_secrets() {
        assert_eq!(
            redact_source("/home/alice/data/events.jsonl"),
            "events.jsonl"
        );
        assert_eq!(redact_source("events.jsonl.gz"), "events.jsonl.gz");
        assert_eq!(redact_source("stdin"), "stdin");
        assert_eq!(
            redact_source("https://bob:pw@storage.example/events.json?token=T0K&utm_source=x"),
            "https://storage.example/events.json?utm_source=x"
        );
    }
}
