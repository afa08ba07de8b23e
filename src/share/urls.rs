//! URLs without what identifies a visitor, for a shared file (sessions.referrer and
//! landing_page, events.page and referrer). Pure. The rules:
//!
//! - the user name and password before the host go (`https://bob:pw@shop.example/` →
//!   `https://shop.example/`); a value without `://` whose first part has an `@`
//!   (`bob@example.com`, `mailto:bob@example.com`) keeps what follows the last `@`;
//! - the fragment goes (`#…`);
//! - of the query, only the parameters named `utm_*`, `ref` and `source` stay (as Plausible
//!   keeps them; names in any case), in their order; with none left the `?` goes too;
//! - e-mail addresses in the path and in the kept parameters become `[email]`;
//! - scheme, host, port (IPv6 hosts too) and path stay as written; so does a value that is
//!   no URL at all, unless one of the rules applies to it.
//!
//! The host stays what [`referrer_host`] reads from the original, so that the referrer
//! metrics of a shared file are the working file's and `xcc verify` finds the sessions of
//! its events: a value where the rules would change it (`/go?to=http://shop.example`, whose
//! host is read after the `://` of its query) becomes `//host/` (or `/` for none). A value
//! that is not blank never becomes blank (`#top` → `#`), since sessions skip blank referrers.

use crate::sessions::sessionizer::referrer_host;

use super::text::redact_emails;

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
        |n| redact_emails(&n.to_string_lossy()),
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
    let host = referrer_host(trimmed);
    if referrer_host(&redacted) == host {
        redacted
    } else {
        host_only(host)
    }
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
    out.push_str(&redact_emails(path));
    let kept: Vec<String> = query
        .split('&')
        .filter(|p| kept_parameter(p.split('=').next().unwrap_or_default()))
        .map(redact_emails)
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
