//! The fields without a column, kept as canonical JSON text: what an event holds beyond the
//! known fields survives an ingest, and the same content compares equal however it was written.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::json_error_reason;

/// The unknown fields as canonical compact JSON (keys sorted, no spaces), so that the same
/// content written with other spacing or key order compares equal when an id is seen again.
/// Numbers keep the text they came with (`123456789012345678901234567890`, `-0`, `1.50`):
/// going through `f64` would change them.
pub(super) fn extra_json(
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
