//! The answers to the shop's questions: the raw SQL in `queries/`, run as written, each row
//! turned into JSON without touching a number.

use anyhow::{Context, Result};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde_json::{Map, Value};

pub const ORDERS_SQL: &str = include_str!("../queries/orders.sql");
pub const REFERRERS_SQL: &str = include_str!("../queries/referrers.sql");
pub const SUMMARY_SQL: &str = include_str!("../queries/summary.sql");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Metric {
    /// The two medians of GET /metrics/orders.
    Orders,
    /// Session duration by referrer host.
    Referrers,
    /// What the file holds.
    Summary,
}

impl Metric {
    #[cfg(test)]
    pub const ALL: [Metric; 3] = [Metric::Orders, Metric::Referrers, Metric::Summary];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Orders => "orders",
            Metric::Referrers => "referrers",
            Metric::Summary => "summary",
        }
    }

    pub fn sql(self) -> &'static str {
        match self {
            Metric::Orders => ORDERS_SQL,
            Metric::Referrers => REFERRERS_SQL,
            Metric::Summary => SUMMARY_SQL,
        }
    }
}

/// Runs a metric's query: one-row queries give an object, `referrers` gives
/// `{"referrers": [...]}`.
pub fn compute(conn: &Connection, metric: Metric) -> Result<Value> {
    let mut stmt = conn
        .prepare_cached(metric.sql())
        .with_context(|| format!("cannot prepare queries/{}.sql", metric.name()))?;
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    let mut rows = stmt.query([])?;
    let mut objects = Vec::new();
    while let Some(row) = rows.next()? {
        let mut object = Map::new();
        for (i, name) in names.iter().enumerate() {
            object.insert(name.clone(), json_of(row.get_ref(i)?));
        }
        objects.push(Value::Object(object));
    }
    Ok(match metric {
        Metric::Referrers => {
            let mut wrapper = Map::new();
            wrapper.insert("referrers".into(), Value::Array(objects));
            Value::Object(wrapper)
        }
        _ => objects.into_iter().next().unwrap_or(Value::Null),
    })
}

fn json_of(value: ValueRef) -> Value {
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

    /// Every query prepares against a fresh schema, so a typo fails here and not for a user.
    #[test]
    fn every_query_prepares_on_a_fresh_database() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::store::SCHEMA_SQL).unwrap();
        conn.execute_batch(crate::store::VIEWS_SQL).unwrap();
        conn.execute_batch("INSERT INTO meta VALUES ('session_timeout_seconds', '1800')")
            .unwrap();
        for metric in Metric::ALL {
            let v = compute(&conn, metric).unwrap();
            assert!(v.is_object(), "{}", metric.name());
        }
        let orders = compute(&conn, Metric::Orders).unwrap();
        assert_eq!(orders["median_visits_before_order"], Value::Null);
        assert_eq!(
            orders["median_session_duration_minutes_before_order"],
            Value::Null
        );
    }
}
