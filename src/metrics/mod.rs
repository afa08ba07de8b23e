//! The answers to the shop's questions: the raw SQL in `queries/`, run as written with the
//! filter's bounds bound as parameters, each row turned into JSON without touching a number;
//! the rank tests and the medians' intervals beside them, computed in Rust from values SQL
//! counts (`inference`, `stats`); and the sensitivity to the timeout, swept from the events
//! (`sessions::sensitivity`).

pub mod filter;
mod inference;
pub mod stats;

use crate::queries;
use anyhow::{Context, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Statement};
use serde_json::{Map, Value};

pub use filter::Filter;

use crate::sessions::sensitivity;
use crate::store::memory::Reservation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Metric {
    /// The two medians of GET /metrics/orders.
    Orders,
    /// The spread of those two metrics: n, p25, p50, p75, p90, mean, min, max, and the
    /// median's 95% interval.
    OrdersDetail,
    /// Session duration by referrer host, and whether it differs beyond chance.
    Referrers,
    /// What the file holds.
    Summary,
    /// Sessions per day.
    Daily,
    /// Visits before an order and minutes before the first order, as histograms.
    Distributions,
    /// Every ingest and sessionize: the figures before and after it, and what changed.
    History,
    /// Sessions and both medians at session timeouts from 10 to 120 minutes.
    Sensitivity,
}

/// How a query's rows become JSON.
enum Shape {
    /// The first row is the answer.
    Row,
    /// All rows, as an array under this key of the answer.
    Rows(&'static str),
    /// Each row as an object under the value of its first column.
    Keyed,
    /// The p50 of the rows of orders_detail.sql, under the names of GET /metrics/orders.
    Medians,
}

impl Metric {
    pub const ALL: [Metric; 8] = [
        Metric::Orders,
        Metric::OrdersDetail,
        Metric::Referrers,
        Metric::Summary,
        Metric::Daily,
        Metric::Distributions,
        Metric::History,
        Metric::Sensitivity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Orders => "orders",
            Metric::OrdersDetail => "orders-detail",
            Metric::Referrers => "referrers",
            Metric::Summary => "summary",
            Metric::Daily => "daily",
            Metric::Distributions => "distributions",
            Metric::History => "history",
            Metric::Sensitivity => "sensitivity",
        }
    }

    pub fn path(self) -> String {
        match self {
            // A part of /metrics/orders, so under it.
            Metric::OrdersDetail => "/metrics/orders/detail".to_string(),
            _ => format!("/metrics/{}", self.name()),
        }
    }

    /// Whether the metric can be computed over part of the data (`from`, `to`, `referrer`).
    pub fn takes_filter(self) -> bool {
        matches!(
            self,
            Metric::Orders
                | Metric::OrdersDetail
                | Metric::Referrers
                | Metric::Daily
                | Metric::Distributions
        )
    }

    fn parts(self, filtered: bool) -> &'static [(Shape, &'static str)] {
        use crate::queries::metrics as sql;
        match self {
            Metric::Orders if filtered => &[(Shape::Medians, sql::ORDERS_DETAIL)],
            Metric::Orders => &[(Shape::Row, sql::ORDERS)],
            Metric::OrdersDetail => &[(Shape::Keyed, sql::ORDERS_DETAIL)],
            Metric::Summary => &[(Shape::Row, sql::SUMMARY)],
            Metric::Referrers if filtered => &[(Shape::Rows("referrers"), sql::REFERRERS_IN_RANGE)],
            Metric::Referrers => &[(Shape::Rows("referrers"), sql::REFERRERS)],
            Metric::Daily => &[(Shape::Rows("days"), sql::DAILY)],
            Metric::History => &[(Shape::Rows("history"), sql::HISTORY)],
            // Swept from the events in Rust, not a query: see `compute`.
            Metric::Sensitivity => &[],
            Metric::Distributions => &[
                (Shape::Rows("visits_before_order"), sql::VISITS_HISTOGRAM),
                (
                    Shape::Rows("minutes_before_first_order"),
                    sql::MINUTES_HISTOGRAM,
                ),
            ],
        }
    }
}

/// Runs a metric's queries over the data `filter` selects (see [`Metric::takes_filter`]). A
/// one-row query is the answer itself; multi-row queries become arrays under their keys,
/// e.g. `{"referrers": [...]}`. `held` reserves what the answer takes in memory, the JSON
/// text made of it included (see [`answer_bytes`]): keep it as long as either lives.
pub fn compute(
    conn: &Connection,
    metric: Metric,
    filter: &Filter,
    held: &mut Reservation,
) -> Result<Value> {
    if metric == Metric::Sensitivity {
        // A dozen rows of numbers, one per timeout swept: nothing that grows with the file.
        let rows = sensitivity::rows(conn).context("the sensitivity sweep")?;
        return Ok(sensitivity::to_json(&rows));
    }
    in_one_read(conn, || answer_of(conn, metric, filter, held))
}

/// Runs `work` on one snapshot of the file. An answer of several statements (the referrers'
/// rows and their statistics, the two histograms) must not mix the data before an ingest's
/// commit with the data after it: in WAL mode a reader sees one snapshot for as long as its
/// transaction lasts. Inside a caller's transaction, that one is the snapshot already.
fn in_one_read<T>(conn: &Connection, work: impl FnOnce() -> Result<T>) -> Result<T> {
    if !conn.is_autocommit() {
        return work();
    }
    let read = conn.unchecked_transaction()?;
    let value = work()?;
    // Nothing was written: the commit only ends the read.
    read.commit()?;
    Ok(value)
}

/// The answer of `compute`, but for the sensitivity sweep.
fn answer_of(
    conn: &Connection,
    metric: Metric,
    filter: &Filter,
    held: &mut Reservation,
) -> Result<Value> {
    let note = referrer_note(conn, filter)?;
    let mut answer = Map::new();
    for (shape, sql) in metric.parts(!filter.is_empty()) {
        let rows = query_objects(conn, sql, filter, held).with_context(|| queries::path_of(sql))?;
        match shape {
            Shape::Row => return Ok(rows.into_iter().next().unwrap_or(Value::Null)),
            Shape::Rows(key) => {
                answer.insert(key.to_string(), Value::Array(rows));
            }
            Shape::Keyed => {
                for row in rows {
                    let Value::Object(mut fields) = row else {
                        continue;
                    };
                    let key = fields.shift_remove("metric").unwrap_or_default();
                    answer.insert(
                        key.as_str().unwrap_or_default().to_string(),
                        Value::Object(fields),
                    );
                }
            }
            Shape::Medians => {
                for (row, name) in rows.iter().zip([
                    "median_visits_before_order",
                    "median_session_duration_minutes_before_order",
                ]) {
                    answer.insert(name.to_string(), row["p50"].clone());
                }
            }
        }
    }
    // The statistics beside the rows, over the same filter (see `inference`).
    match metric {
        Metric::Referrers => inference::add_referrer_tests(conn, filter, &mut answer)?,
        Metric::OrdersDetail => inference::add_median_intervals(conn, filter, &mut answer)?,
        _ => {}
    }
    if let Some(note) = note {
        answer.insert("note".to_string(), note.into());
    }
    Ok(Value::Object(answer))
}

/// A sentence when the filter names a referrer host that no session of the file has (at any
/// date): its answers are empty or null, and the note says why rather than leave a silent
/// null (a mistyped host looks like one without orders). The JSON carries it as `note`.
pub fn referrer_note(conn: &Connection, filter: &Filter) -> Result<Option<String>> {
    let Some(host) = &filter.referrer else {
        return Ok(None);
    };
    let sql = queries::metrics::REFERRER_SEEN;
    let mut held = Reservation::default();
    let rows =
        query_objects(conn, sql, filter, &mut held).with_context(|| queries::path_of(sql))?;
    if rows.first().and_then(|r| r["seen"].as_i64()) == Some(1) {
        return Ok(None);
    }
    Ok(Some(if host == filter::DIRECT {
        "no session is (direct): every one has a referrer".to_string()
    } else {
        format!("no session has the referrer host {host}")
    }))
}

/// Every row of `sql` as a JSON object keyed by column name, values as SQLite typed them;
/// the filter's bounds are bound to the parameters `:from_us`, `:to_us` and `:referrer`
/// that the statement has (NULL for a bound not asked for). Each row is reserved in `held`
/// before it is made: an answer that would not fit the memory budget is refused with its
/// sentence instead of growing (a file may hold any number of referrer hosts, each up to
/// the length limit).
pub fn query_objects(
    conn: &Connection,
    sql: &str,
    filter: &Filter,
    held: &mut Reservation,
) -> Result<Vec<Value>> {
    let mut stmt = conn.prepare_cached(sql)?;
    bind_filter(&mut stmt, filter)?;
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    let mut rows = stmt.raw_query();
    let mut objects = Vec::new();
    while let Some(row) = rows.next()? {
        held.grow(answer_bytes(row, &names)?)?;
        let mut object = Map::new();
        for (i, name) in names.iter().enumerate() {
            object.insert(name.clone(), json_of(row.get_ref(i)?));
        }
        objects.push(Value::Object(object));
    }
    Ok(objects)
}

/// What a row takes in the array of an answer: its `Value` (72 bytes, the header of
/// indexmap's ordered map inside it), doubled while the array grows, and room to spare.
const ROW_BYTES: usize = 256;
/// What a field takes in its object: indexmap's entry (hash, name, `Value`: 104 bytes) and
/// its index (9 bytes), doubled while the object grows.
const FIELD_BYTES: usize = 256;

/// Memory an answer row takes, at most, with the JSON text made of it (the body the server
/// sends and caches, or the page of `xcc report`): the row; each field with its name (in the
/// object, and in the JSON text); each value's text as the `Value` holds it and its JSON,
/// counted twice because the JSON text doubles its buffer while it grows. A number's JSON is
/// at most 24 characters.
fn answer_bytes(row: &rusqlite::Row, names: &[String]) -> Result<usize> {
    let mut bytes = ROW_BYTES;
    for (i, name) in names.iter().enumerate() {
        let (text, json) = match row.get_ref(i)? {
            ValueRef::Text(t) | ValueRef::Blob(t) => text_and_json_bytes(t),
            _ => (0, 24),
        };
        bytes += FIELD_BYTES + 3 * name.len() + text + 2 * json;
    }
    Ok(bytes)
}

/// The bytes of `value` as [`json_of`] makes it into text (an invalid sequence becomes
/// U+FFFD, 3 bytes) and as serde_json writes that text: between quotes, `"` and `\` and the
/// controls with a short escape (`\n`) in 2 bytes, any other control as `\u00XX` in 6.
fn text_and_json_bytes(value: &[u8]) -> (usize, usize) {
    let (mut text, mut json) = (0, 2);
    for chunk in value.utf8_chunks() {
        text += chunk.valid().len();
        for &b in chunk.valid().as_bytes() {
            json += match b {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
                0..=0x1f => 6,
                _ => 1,
            };
        }
        if !chunk.invalid().is_empty() {
            text += 3;
            json += 3;
        }
    }
    (text, json)
}

fn bind_filter(stmt: &mut Statement, filter: &Filter) -> Result<()> {
    for (name, value) in [
        (":from_us", filter.start_us().into()),
        (":to_us", filter.end_us().into()),
        (":referrer", filter.referrer.clone().into()),
    ] {
        if let Some(index) = stmt.parameter_index(name)? {
            let value: rusqlite::types::Value = value;
            stmt.raw_bind_parameter(index, value)?;
        }
    }
    Ok(())
}

pub fn json_of(value: ValueRef) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reservation of an answer row covers serde_json's layout, measured here.
    #[test]
    fn an_answer_row_reserves_at_least_its_layout() {
        use std::mem::size_of;
        let entry = size_of::<(u64, String, Value)>() + size_of::<usize>() + 1;
        assert!(2 * entry <= FIELD_BYTES, "{entry}");
        // A row's object is a Value in the array, its map's header inside it.
        assert!(2 * size_of::<Value>() <= ROW_BYTES);
    }

    proptest::proptest! {
        /// The text and JSON sizes counted are those of json_of's text and serde_json's JSON.
        #[test]
        fn text_and_json_bytes_are_counted_as_made(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::any::<u8>(),
                    proptest::sample::select(vec![0u8, 8, 9, 10, 12, 13, 31, b'"', b'\\', 0x7f, 0xc3, 0xa9]),
                ],
                0..100,
            )
        ) {
            let value = json_of(ValueRef::Blob(&bytes));
            let text = value.as_str().unwrap().len();
            let json = serde_json::to_string(&value).unwrap().len();
            proptest::prop_assert_eq!(text_and_json_bytes(&bytes), (text, json));
        }
    }

    /// Every query prepares against a fresh schema, so a typo fails here and not for a user.
    #[test]
    fn every_query_prepares_on_a_fresh_database() {
        let conn = Connection::open_in_memory().unwrap();
        crate::store::schema::create(&conn).unwrap();
        let april = Filter::from_pairs([("from", "2022-04-01"), ("to", "2022-04-30")]).unwrap();
        for metric in Metric::ALL {
            let held = &mut Reservation::default();
            let v = compute(&conn, metric, &Filter::default(), held).unwrap();
            assert!(v.is_object(), "{}", metric.name());
            if metric.takes_filter() {
                assert!(compute(&conn, metric, &april, held).unwrap().is_object());
            }
        }
        // No sessions: the statistics are there, and null where nothing can be computed.
        let held = &mut Reservation::default();
        let referrers = compute(&conn, Metric::Referrers, &Filter::default(), held).unwrap();
        assert_eq!(
            referrers["difference"],
            serde_json::json!({"test": "kruskal-wallis", "groups": 0, "sessions": 0,
                               "h": null, "df": null, "p_value": null})
        );
        let detail = compute(&conn, Metric::OrdersDetail, &april, held).unwrap();
        assert_eq!(detail["visits_before_order"]["p50_ci95"], Value::Null);
        assert_eq!(
            detail["minutes_before_first_order"]["p50_ci95"],
            Value::Null
        );
        let held = &mut Reservation::default();
        let orders = compute(&conn, Metric::Orders, &Filter::default(), held).unwrap();
        assert_eq!(orders["median_visits_before_order"], Value::Null);
        assert_eq!(
            orders["median_session_duration_minutes_before_order"],
            Value::Null
        );
    }
}
