//! The validators of a download (RFC 9110 §8.8): the `ETag` and `Last-Modified` a server sends
//! with a body. The ledger keeps them, so that the next ingest of the same URL asks for the
//! body only if it changed (`If-None-Match`, `If-Modified-Since`) and a server that answers
//! 304 Not Modified sends no body at all.
//!
//! They come from a server, and back from a file that anyone may have written, so a value is
//! kept only when it is a plain header value: printable ASCII and inner spaces, at most
//! [`MAX_VALIDATOR_BYTES`]. Such a value can neither break the request it is sent back in
//! (a CR LF would add a header) nor steer a terminal.

/// The longest validator kept. Real ones are short (a quoted hash of 34 bytes from Google
/// Cloud Storage, an HTTP date of 29); a longer one is not kept, and the next ingest of the
/// URL downloads the body as if there were none.
pub const MAX_VALIDATOR_BYTES: usize = 512;

/// What a server said identifies the body it sent: either, both or neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag`, as sent (a weak one with its `W/`): `If-None-Match` sends it back as it is.
    pub etag: Option<String>,
    /// The `Last-Modified` date, as sent: `If-Modified-Since` sends it back as it is, which
    /// RFC 9110 §13.1.3 recommends over a date of the client's own.
    pub last_modified: Option<String>,
}

impl Validators {
    /// The plain header values among `etag` and `last_modified`; any other is dropped.
    pub fn new(etag: Option<&str>, last_modified: Option<&str>) -> Validators {
        Validators {
            etag: etag.and_then(plain),
            last_modified: last_modified.and_then(plain),
        }
    }

    /// Whether there is nothing to make a request conditional with.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// `value` when it is a header value a request can carry as it is: 1 to
/// [`MAX_VALIDATOR_BYTES`] bytes of printable ASCII (U+0021 to U+007E) and spaces, neither
/// first nor last (a server's header is read trimmed).
fn plain(value: &str) -> Option<String> {
    let printable = value.bytes().all(|b| (b' '..=b'~').contains(&b));
    let trimmed = !value.starts_with(' ') && !value.ends_with(' ');
    (!value.is_empty() && value.len() <= MAX_VALIDATOR_BYTES && printable && trimmed)
        .then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_validators_are_kept_as_sent() {
        let v = Validators::new(
            Some("W/\"5c1a-17f0b2\""),
            Some("Wed, 25 May 2022 05:44:03 GMT"),
        );
        assert_eq!(v.etag.as_deref(), Some("W/\"5c1a-17f0b2\""));
        assert_eq!(
            v.last_modified.as_deref(),
            Some("Wed, 25 May 2022 05:44:03 GMT")
        );
        assert!(!v.is_empty());
    }

    #[test]
    fn values_that_are_not_plain_header_values_are_dropped() {
        let long = format!("\"{}\"", "a".repeat(MAX_VALIDATOR_BYTES - 1));
        for bad in [
            "",
            "\"a\"\r\nX-Injected: 1",
            "\"tab\there\"",
            "\"\u{1b}[2J\"",
            "\"é\"",
            " \"padded\"",
            "\"padded\" ",
            long.as_str(),
        ] {
            assert_eq!(
                Validators::new(Some(bad), Some(bad)),
                Validators::default(),
                "{bad:?}"
            );
        }
        assert!(Validators::new(None, None).is_empty());
        // The longest kept: MAX_VALIDATOR_BYTES exactly (quotes included).
        let longest = format!("\"{}\"", "a".repeat(MAX_VALIDATOR_BYTES - 2));
        assert_eq!(Validators::new(Some(&longest), None).etag, Some(longest));
    }
}
