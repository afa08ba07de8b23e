//! One input record (a JSON line or an array element) to a validated [`Event`] or the reason
//! it is rejected. Pure: bytes in, value out.
//!
//! The JSON is read in one pass with borrowing visitors that accept any value in every field
//! (`raw`), so that type problems are judged afterwards by [`validate`] with messages in the
//! shop's words ("customer-id must be an integer or null") rather than serde's; the fields
//! without a column are kept as canonical JSON (`extra`).

mod extra;
mod raw;

use super::timestamp;
use crate::format::calendar::format_micros;
use extra::extra_json;
use raw::{RawEvent, Scalar};

/// A stored event: the typed columns of the `events` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    /// The event type, lower case.
    pub kind: String,
    pub customer_id: Option<i64>,
    /// The instant in UTC as `YYYY-MM-DDTHH:MM:SS[.fraction]Z` when its fraction is not the
    /// six digits that [`format_micros`] of `ts_us` writes; `None` in the usual case. It is
    /// what the events table stores (`timestamp_given`); [`Event::timestamp`] gives it either way.
    pub timestamp_given: Option<String>,
    pub ts_us: i64,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub page: Option<String>,
    pub referrer: Option<String>,
    pub query: Option<String>,
    pub product: Option<i64>,
    pub position: Option<i64>,
    /// Fields without a column, as a compact JSON object in the input's own shape
    /// (unknown top-level keys at the top, unknown `event` keys under `"event"`).
    pub extra: Option<String>,
}

impl Event {
    /// The instant in UTC with its fraction digits as written.
    pub fn timestamp(&self) -> String {
        self.timestamp_given
            .clone()
            .unwrap_or_else(|| format_micros(self.ts_us))
    }
}

/// Parses and validates one record; `Err` is the reject reason.
pub fn parse_event(bytes: &[u8]) -> Result<Event, String> {
    match serde_json::from_slice::<RawEvent>(bytes) {
        Ok(raw) => validate(raw),
        Err(e) => Err(json_error_reason(&e)),
    }
}

fn json_error_reason(e: &serde_json::Error) -> String {
    let full = e.to_string();
    // serde_json appends " at line L column C"; the column is what a user needs, the line
    // is always 1 within a record.
    let message = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(m, _)| m);
    match e.classify() {
        serde_json::error::Category::Data => {
            format!("not an event object: {message}")
        }
        _ => format!("invalid JSON at column {}: {message}", e.column()),
    }
}

fn validate(raw: RawEvent) -> Result<Event, String> {
    if let Some(key) = &raw.duplicate_key {
        return Err(format!("duplicate key '{key}'"));
    }
    let id = match raw.id {
        None => return Err("missing field id".into()),
        Some(Scalar::Int(id)) => id,
        Some(other) => return Err(format!("id must be an integer, not {}", other.kind())),
    };
    let kind = match raw.kind {
        None => return Err("missing field type".into()),
        Some(Scalar::Str(s)) if !s.trim().is_empty() => s.to_lowercase(),
        Some(Scalar::Str(_)) => return Err("type must not be empty".into()),
        Some(other) => return Err(format!("type must be a string, not {}", other.kind())),
    };
    let body = match raw.event {
        None => return Err("missing field event".into()),
        Some(b) => b,
    };
    if let Some(kind) = body.not_object {
        return Err(format!("event must be an object, not {kind}"));
    }
    if let Some(key) = &body.duplicate_key {
        return Err(format!("duplicate key '{key}'"));
    }
    let ts = event_timestamp(body.timestamp)?;
    let customer_id = match body.customer_id {
        None | Some(Scalar::Null) => None,
        Some(Scalar::Int(c)) => Some(c),
        Some(other) => {
            return Err(format!(
                "customer-id must be an integer or null, not {}",
                other.kind()
            ))
        }
    };
    Ok(Event {
        id,
        kind,
        customer_id,
        timestamp_given: ts.given,
        ts_us: ts.micros,
        user_agent: optional_text(body.user_agent, "event.user-agent")?,
        ip: optional_text(body.ip, "event.ip")?,
        page: optional_text(body.page, "event.page")?,
        referrer: optional_text(body.referrer, "event.referrer")?,
        query: optional_text(body.query, "event.query")?,
        product: optional_integer(body.product, "event.product")?,
        position: optional_integer(body.position, "event.position")?,
        extra: extra_json(&raw.extra, &body.extra)?,
    })
}

/// `event.timestamp`, which is required and must be a string in the accepted shape.
fn event_timestamp(value: Option<Scalar>) -> Result<timestamp::Timestamp, String> {
    match value {
        None => Err("missing field event.timestamp".into()),
        Some(Scalar::Str(s)) => timestamp::parse(&s).map_err(|e| e.describe(&s)),
        Some(other) => Err(format!(
            "event.timestamp must be a string, not {}",
            other.kind()
        )),
    }
}

fn optional_text(value: Option<Scalar>, name: &str) -> Result<Option<String>, String> {
    match value {
        None | Some(Scalar::Null) => Ok(None),
        Some(Scalar::Str(s)) => Ok(Some(s.into_owned())),
        Some(other) => Err(format!(
            "{name} must be a string or null, not {}",
            other.kind()
        )),
    }
}

fn optional_integer(value: Option<Scalar>, name: &str) -> Result<Option<i64>, String> {
    match value {
        None | Some(Scalar::Null) => Ok(None),
        Some(Scalar::Int(n)) => Ok(Some(n)),
        Some(other) => Err(format!(
            "{name} must be an integer or null, not {}",
            other.kind()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL_LINE: &str = r#"{"id": 334538, "type": "remove_product_from_cart", "event": {"user-agent": "Mozilla/5.0 (compatible; MSIE 8.0)", "ip": "108.138.185.11", "customer-id": 1490, "timestamp": "2022-05-25T05:20:18.648681", "product": 1060}}"#;

    fn reason(line: &str) -> String {
        parse_event(line.as_bytes()).unwrap_err()
    }

    fn with_event_field(field: &str) -> String {
        format!(
            r#"{{"id": 1, "type": "page_view", "event": {{"timestamp": "2022-05-25T05:20:18", {field}}}}}"#
        )
    }

    #[test]
    fn parses_a_real_line() {
        let e = parse_event(REAL_LINE.as_bytes()).unwrap();
        assert_eq!(e.id, 334538);
        assert_eq!(e.kind, "remove_product_from_cart");
        assert_eq!(e.customer_id, Some(1490));
        assert_eq!(e.timestamp(), "2022-05-25T05:20:18.648681Z");
        assert_eq!(e.ip.as_deref(), Some("108.138.185.11"));
        assert_eq!(e.product, Some(1060));
        assert_eq!(e.page, None);
        assert_eq!(e.extra, None);
    }

    #[test]
    fn type_is_stored_lower_case_and_unknown_types_are_kept() {
        let line =
            r#"{"id": 1, "type": "PAGE_VIEW", "event": {"timestamp": "2022-05-25T05:20:18"}}"#;
        assert_eq!(parse_event(line.as_bytes()).unwrap().kind, "page_view");
        let line =
            r#"{"id": 1, "type": "Wishlist_Add", "event": {"timestamp": "2022-05-25T05:20:18"}}"#;
        assert_eq!(parse_event(line.as_bytes()).unwrap().kind, "wishlist_add");
    }

    #[test]
    fn missing_or_null_customer_id_is_anonymous() {
        let line = r#"{"id": 1, "type": "search", "event": {"timestamp": "2022-05-25T05:20:18"}}"#;
        assert_eq!(parse_event(line.as_bytes()).unwrap().customer_id, None);
        let e = parse_event(with_event_field(r#""customer-id": null"#).as_bytes()).unwrap();
        assert_eq!(e.customer_id, None);
    }

    #[test]
    fn customer_id_must_be_an_integer() {
        assert_eq!(
            reason(&with_event_field(r#""customer-id": 1.0"#)),
            "customer-id must be an integer or null, not a number that is not a 64-bit integer"
        );
        assert_eq!(
            reason(&with_event_field(r#""customer-id": true"#)),
            "customer-id must be an integer or null, not a boolean"
        );
        assert_eq!(
            reason(&with_event_field(r#""customer-id": "12""#)),
            "customer-id must be an integer or null, not a string"
        );
    }

    #[test]
    fn unknown_fields_are_kept_canonically() {
        let line = r#"{"id": 1, "type": "x", "source": "app", "event": {"timestamp": "2022-05-25T05:20:18", "b": [1, 2], "a": {"z": 1}}}"#;
        let e = parse_event(line.as_bytes()).unwrap();
        assert_eq!(
            e.extra.as_deref(),
            Some(r#"{"event":{"a":{"z":1},"b":[1,2]},"source":"app"}"#)
        );
    }

    #[test]
    fn unknown_numbers_keep_their_text() {
        let line = r#"{"id": 1, "type": "x", "big": 123456789012345678901234567890, "event": {"timestamp": "2022-05-25T05:20:18", "z": -0, "a": [1.50, 1e5, {"k": "\u00e9\n"}]}}"#;
        let e = parse_event(line.as_bytes()).unwrap();
        assert_eq!(
            e.extra.as_deref(),
            Some(
                r#"{"big":123456789012345678901234567890,"event":{"a":[1.50,1e5,{"k":"é\n"}],"z":-0}}"#
            )
        );
    }

    #[test]
    fn specific_reasons() {
        assert_eq!(
            reason(r#"{"id": 1, "type": "x", "event": {"timestamp": "2022-05-25T05:20:18"}"#),
            "invalid JSON at column 68: EOF while parsing an object"
        );
        assert_eq!(
            reason(r#"{"id": 1, "type": "x", "event": {"timestamp": "yesterday"}}"#),
            "timestamp 'yesterday' is not ISO-8601"
        );
        assert_eq!(
            reason(r#"{"id": 1, "type": "x", "event": {"ip": "1.2.3.4"}}"#),
            "missing field event.timestamp"
        );
        assert_eq!(
            reason(r#"{"type": "x", "event": {"timestamp": "2022-05-25T05:20:18"}}"#),
            "missing field id"
        );
        assert_eq!(
            reason(r#"{"id": "7", "type": "x", "event": {"timestamp": "2022-05-25T05:20:18"}}"#),
            "id must be an integer, not a string"
        );
        assert_eq!(
            reason(
                r#"{"id": 18446744073709551616, "type": "x", "event": {"timestamp": "2022-05-25T05:20:18"}}"#
            ),
            "id must be an integer, not a number that is not a 64-bit integer"
        );
        assert_eq!(
            reason(
                r#"{"id": 9223372036854775808, "type": "x", "event": {"timestamp": "2022-05-25T05:20:18"}}"#
            ),
            "id must be an integer, not an integer beyond 64 bits"
        );
        assert_eq!(
            reason(r#"{"id": 1, "type": 3, "event": {"timestamp": "2022-05-25T05:20:18"}}"#),
            "type must be a string, not an integer"
        );
        assert_eq!(
            reason(r#"{"id": 1, "type": "x", "event": []}"#),
            "event must be an object, not an array"
        );
        assert_eq!(
            reason(
                r#"{"id": 1, "id": 2, "type": "x", "event": {"timestamp": "2022-05-25T05:20:18"}}"#
            ),
            "duplicate key 'id'"
        );
        assert_eq!(
            reason(&with_event_field(r#""timestamp": "2022-05-25T05:20:19""#)),
            "duplicate key 'event.timestamp'"
        );
        assert_eq!(
            reason(&with_event_field(r#""product": "12""#)),
            "event.product must be an integer or null, not a string"
        );
        assert_eq!(
            reason(&with_event_field(r#""page": 5"#)),
            "event.page must be a string or null, not an integer"
        );
        assert_eq!(
            reason("[1, 2]"),
            "not an event object: invalid type: sequence, expected an event object"
        );
        assert!(reason("{\"id\": 1, \"type\": \"\u{0}\"}").starts_with("invalid JSON at column"));
    }

    #[test]
    fn deep_nesting_and_bad_utf8_are_rejected_not_panics() {
        let deep = format!(
            r#"{{"id": 1, "type": "x", "event": {{"timestamp": "2022-05-25T05:20:18", "n": {}{}}}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert_eq!(
            reason(&deep),
            "event.n cannot be kept: invalid JSON at column 128: recursion limit exceeded"
        );
        let deep_known = format!(r#"{{"id": {}1{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(reason(&deep_known), "id must be an integer, not an array");
        let mut bad = br#"{"id": 1, "type": "x"#.to_vec();
        bad.extend_from_slice(&[0xff, 0xfe]);
        bad.extend_from_slice(br#"", "event": {"timestamp": "2022-05-25T05:20:18"}}"#);
        assert!(parse_event(&bad)
            .unwrap_err()
            .starts_with("invalid JSON at column"));
    }

    mod fuzz {
        use super::super::parse_event;
        use proptest::prelude::*;

        /// Pieces of real lines, so that random combinations get deep into the parser
        /// instead of failing at the first byte.
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"id\"",
            "\"type\"",
            "\"event\"",
            "\"timestamp\"",
            "\"customer-id\"",
            "\"page\"",
            "\"2022-05-25T05:44:03.648681\"",
            "1",
            "-0",
            "1.0",
            "1e999",
            "99999999999999999999",
            "null",
            "true",
            "\"\\u0000\"",
            "\"\\ud800\"",
            "\"x\"",
            " ",
            "\\",
            "\"",
            "\u{0}",
            "Z",
            "+02:00",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]

            #[test]
            fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
                let _ = parse_event(&bytes);
            }

            #[test]
            fn arbitrary_json_fragments_never_panic(
                parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..60)
            ) {
                let line = parts.concat();
                if let Ok(event) = parse_event(line.as_bytes()) {
                    // Whatever is accepted must be a consistent event.
                    prop_assert!(!event.kind.is_empty());
                    prop_assert!(event.timestamp().ends_with('Z'));
                }
            }
        }
    }
}
