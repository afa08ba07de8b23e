//! One input record (a JSON line or an array element) to a validated [`Event`] or the reason
//! it is rejected. Pure: bytes in, value out.
//!
//! The JSON is read in one pass with borrowing visitors that accept any value in every field,
//! so that type problems are judged afterwards by [`validate`] with messages in the shop's words
//! ("customer-id must be an integer or null") rather than serde's.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::timestamp;
use crate::format::calendar::format_micros;

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

/// Any JSON value, as far as validation needs to know it.
#[derive(Debug, Default)]
enum Scalar<'a> {
    #[default]
    Null,
    Bool,
    Int(i64),
    BigInt,
    Float,
    Str(Cow<'a, str>),
    Array,
    Object,
}

impl Scalar<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool => "a boolean",
            Scalar::Int(_) => "an integer",
            Scalar::BigInt => "an integer beyond 64 bits",
            Scalar::Float => "a number that is not a 64-bit integer",
            Scalar::Str(_) => "a string",
            Scalar::Array => "an array",
            Scalar::Object => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Bool)
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(i64::try_from(v).map_or(Scalar::BigInt, Scalar::Int))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Scalar::Float)
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Object)
            }
        }
        d.deserialize_any(V)
    }
}

/// An object key, borrowed where the input has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The record as read, before any judgement.
#[derive(Default)]
struct RawEvent<'a> {
    id: Option<Scalar<'a>>,
    kind: Option<Scalar<'a>>,
    event: Option<RawBody<'a>>,
    extra: Vec<(Cow<'a, str>, &'a RawValue)>,
    duplicate_key: Option<String>,
}

#[derive(Default)]
struct RawBody<'a> {
    /// `Some(kind)` when `event` was not an object.
    not_object: Option<&'static str>,
    timestamp: Option<Scalar<'a>>,
    customer_id: Option<Scalar<'a>>,
    user_agent: Option<Scalar<'a>>,
    ip: Option<Scalar<'a>>,
    page: Option<Scalar<'a>>,
    referrer: Option<Scalar<'a>>,
    query: Option<Scalar<'a>>,
    product: Option<Scalar<'a>>,
    position: Option<Scalar<'a>>,
    extra: Vec<(Cow<'a, str>, &'a RawValue)>,
    duplicate_key: Option<String>,
}

/// Stores `value` in `slot`, remembering the first key that appears twice: duplicate keys
/// make a line ambiguous, so it is rejected rather than silently resolved.
fn fill<T>(slot: &mut Option<T>, value: T, key: &str, duplicate: &mut Option<String>) {
    if slot.is_some() {
        duplicate.get_or_insert_with(|| key.to_string());
    }
    *slot = Some(value);
}

fn push_extra<'a>(
    extra: &mut Vec<(Cow<'a, str>, &'a RawValue)>,
    key: Cow<'a, str>,
    value: &'a RawValue,
    duplicate: &mut Option<String>,
) {
    if extra.iter().any(|(k, _)| *k == key) {
        duplicate.get_or_insert_with(|| key.to_string());
    }
    extra.push((key, value));
}

impl<'de> Deserialize<'de> for RawEvent<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEvent<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut raw = RawEvent::default();
                while let Some(Key(key)) = map.next_key::<Key>()? {
                    let dup = &mut raw.duplicate_key;
                    match key.as_ref() {
                        "id" => fill(&mut raw.id, map.next_value()?, "id", dup),
                        "type" => fill(&mut raw.kind, map.next_value()?, "type", dup),
                        "event" => fill(&mut raw.event, map.next_value()?, "event", dup),
                        _ => push_extra(&mut raw.extra, key, map.next_value()?, dup),
                    }
                }
                Ok(raw)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for RawBody<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawBody<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut b = RawBody::default();
                while let Some(Key(key)) = map.next_key::<Key>()? {
                    let dup = &mut b.duplicate_key;
                    let slot = match key.as_ref() {
                        "timestamp" => &mut b.timestamp,
                        "customer-id" => &mut b.customer_id,
                        "user-agent" => &mut b.user_agent,
                        "ip" => &mut b.ip,
                        "page" => &mut b.page,
                        "referrer" => &mut b.referrer,
                        "query" => &mut b.query,
                        "product" => &mut b.product,
                        "position" => &mut b.position,
                        _ => {
                            push_extra(&mut b.extra, key, map.next_value()?, dup);
                            continue;
                        }
                    };
                    if slot.is_some() {
                        dup.get_or_insert_with(|| format!("event.{key}"));
                    }
                    *slot = Some(map.next_value()?);
                }
                Ok(b)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(not_object("null"))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(not_object("a boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(not_object("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(not_object("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(not_object("a number"))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(not_object("a string"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(not_object("an array"))
            }
        }
        d.deserialize_any(V)
    }
}

fn not_object(kind: &'static str) -> RawBody<'static> {
    RawBody {
        not_object: Some(kind),
        ..RawBody::default()
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
    let ts = match body.timestamp {
        None => return Err("missing field event.timestamp".into()),
        Some(Scalar::Str(s)) => timestamp::parse(&s).map_err(|e| e.describe(&s))?,
        Some(other) => {
            return Err(format!(
                "event.timestamp must be a string, not {}",
                other.kind()
            ))
        }
    };
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

/// The unknown fields as canonical compact JSON (keys sorted, no spaces), so that the same
/// content written with other spacing or key order compares equal when an id is seen again.
/// Numbers keep the text they came with (`123456789012345678901234567890`, `-0`, `1.50`):
/// going through `f64` would change them.
fn extra_json(
    top: &[(Cow<str>, &RawValue)],
    body: &[(Cow<str>, &RawValue)],
) -> Result<Option<String>, String> {
    if top.is_empty() && body.is_empty() {
        return Ok(None);
    }
    let mut fields: BTreeMap<&str, String> = BTreeMap::new();
    for (k, v) in top {
        fields.insert(k, keep(k, v)?);
    }
    if !body.is_empty() {
        let mut inner: BTreeMap<&str, String> = BTreeMap::new();
        for (k, v) in body {
            inner.insert(k, keep(&format!("event.{k}"), v)?);
        }
        fields.insert("event", object_text(inner));
    }
    Ok(Some(object_text(fields)))
}

/// One unknown field's value as canonical text, or why it cannot be kept. Raw values were
/// only skimmed so far: a value nested beyond serde_json's recursion limit shows when it is
/// parsed once as a plain value (which enforces the limit; skipping a value does not), and is
/// refused rather than stored as something else; below the limit, [`canonical`]'s recursion
/// is bounded by it too.
fn keep(name: &str, raw: &RawValue) -> Result<String, String> {
    let cannot_keep =
        |e: serde_json::Error| format!("{name} cannot be kept: {}", json_error_reason(&e));
    serde_json::from_str::<serde_json::Value>(raw.get()).map_err(cannot_keep)?;
    canonical(raw).map_err(cannot_keep)
}

/// One JSON value as canonical text, numbers as written.
fn canonical(raw: &RawValue) -> Result<String, serde_json::Error> {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'{') => {
            let map: BTreeMap<String, &RawValue> = serde_json::from_str(text)?;
            let mut fields = BTreeMap::new();
            for (k, v) in &map {
                fields.insert(k.as_str(), canonical(v)?);
            }
            Ok(object_text(fields))
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            let items: Vec<String> = items.into_iter().map(canonical).collect::<Result<_, _>>()?;
            Ok(format!("[{}]", items.join(",")))
        }
        // Strings re-escaped the one canonical way.
        Some(b'"') => serde_json::to_string(&serde_json::from_str::<String>(text)?),
        // Numbers, true, false, null: exactly as written.
        _ => Ok(text.to_string()),
    }
}

/// `{"key":value,…}` in the map's (sorted) order; the values are canonical text already.
fn object_text(fields: BTreeMap<&str, String>) -> String {
    let fields: Vec<String> = fields
        .into_iter()
        .map(|(k, v)| format!("{}:{v}", serde_json::Value::from(k)))
        .collect();
    format!("{{{}}}", fields.join(","))
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
