//! The record as read, before any judgement: one pass of serde_json with borrowing visitors
//! that accept any value in every field, remembering duplicate keys and keeping unknown
//! fields as raw JSON, so that [`super::validate`] can say what is wrong in the shop's words.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Any JSON value, as far as validation needs to know it.
#[derive(Debug, Default)]
pub(super) enum Scalar<'a> {
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
    pub(super) fn kind(&self) -> &'static str {
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
pub(super) struct RawEvent<'a> {
    pub(super) id: Option<Scalar<'a>>,
    pub(super) kind: Option<Scalar<'a>>,
    pub(super) event: Option<RawBody<'a>>,
    pub(super) extra: Vec<(Cow<'a, str>, &'a RawValue)>,
    pub(super) duplicate_key: Option<String>,
}

#[derive(Default)]
pub(super) struct RawBody<'a> {
    /// `Some(kind)` when `event` was not an object.
    pub(super) not_object: Option<&'static str>,
    pub(super) timestamp: Option<Scalar<'a>>,
    pub(super) customer_id: Option<Scalar<'a>>,
    pub(super) user_agent: Option<Scalar<'a>>,
    pub(super) ip: Option<Scalar<'a>>,
    pub(super) page: Option<Scalar<'a>>,
    pub(super) referrer: Option<Scalar<'a>>,
    pub(super) query: Option<Scalar<'a>>,
    pub(super) product: Option<Scalar<'a>>,
    pub(super) position: Option<Scalar<'a>>,
    pub(super) extra: Vec<(Cow<'a, str>, &'a RawValue)>,
    pub(super) duplicate_key: Option<String>,
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
