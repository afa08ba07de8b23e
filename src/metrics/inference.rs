//! The statistics two answers carry beside their rows: whether session duration differs by
//! referrer (`difference`, and `vs_direct` on each row of GET /metrics/referrers) and the 95%
//! interval of every median (`median_minutes_ci95`; `p50_ci95` of GET /metrics/orders/detail).
//! SQL counts the values (queries/referrer_durations.sql, queries/orders_detail_values.sql,
//! with the answer's own filter); `stats` ranks them and computes the numbers; this module
//! puts them into the JSON.

use std::collections::HashMap;

use anyhow::{Context, Result};
use rusqlite::Connection;
use serde_json::{json, Map, Value};

use super::filter::{Filter, DIRECT};
use super::stats::{holm, KruskalWallis, Samples};
use crate::queries;

/// The name of the test across hosts, as the answer gives it.
const TEST_NAME: &str = "kruskal-wallis";

/// Adds to the referrers' answer its `difference` (the Kruskal–Wallis test across hosts), and
/// to each row the median's interval in minutes and its Mann–Whitney test against
/// `(direct)` with Holm's correction over the hosts compared.
pub(super) fn add_referrer_tests(
    conn: &Connection,
    filter: &Filter,
    answer: &mut Map<String, Value>,
) -> Result<()> {
    let sql = queries::metrics::REFERRER_DURATIONS;
    let counts = value_counts(conn, sql, filter).with_context(|| queries::path_of(sql))?;
    let rows = match answer.get_mut("referrers") {
        Some(Value::Array(rows)) => rows,
        _ => return Ok(()),
    };
    // The groups are the rows' hosts, in order. Both queries read one snapshot of the same
    // sessions (`metrics::in_one_read`), so every host counted has its row; a host that had
    // none would still be a group of its own, so that the test counts every session it read.
    let mut hosts: Vec<String> = rows
        .iter()
        .map(|r| r["referrer_host"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut group_of: HashMap<String, usize> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| (h.clone(), i))
        .collect();
    let mut triples = Vec::with_capacity(counts.len());
    for (host, seconds, sessions) in counts {
        let group = *group_of.entry(host).or_insert_with_key(|host| {
            hosts.push(host.clone());
            hosts.len() - 1
        });
        triples.push((group, seconds, sessions));
    }
    let samples = Samples::from_counts(hosts.len(), triples);
    let vs_direct = versus_direct(&samples, &hosts);
    for (i, row) in rows.iter_mut().enumerate() {
        let Value::Object(fields) = row else { continue };
        let minutes = samples
            .median_ci95(i)
            .map(|(low, high)| json!([low / 60.0, high / 60.0]));
        fields.insert("median_minutes_ci95".into(), minutes.into());
        fields.insert("vs_direct".into(), vs_direct[i].clone());
    }
    answer.insert("difference".into(), difference(&samples.kruskal_wallis()));
    Ok(())
}

/// Each host's Mann–Whitney test against `(direct)`, `{"u", "p_value_holm"}`, with Holm's
/// correction for the hosts that have a p-value; null for `(direct)` itself and for every
/// host when no session is direct.
fn versus_direct(samples: &Samples, hosts: &[String]) -> Vec<Value> {
    let Some(direct) = hosts.iter().position(|h| h == DIRECT) else {
        return vec![Value::Null; hosts.len()];
    };
    let tests: Vec<_> = (0..hosts.len())
        .map(|g| {
            (g != direct)
                .then(|| samples.mann_whitney(g, direct))
                .flatten()
        })
        .collect();
    let p_values: Vec<Option<f64>> = tests
        .iter()
        .map(|t| t.as_ref().and_then(|t| t.p_value))
        .collect();
    let adjusted = holm(&p_values);
    tests
        .iter()
        .zip(adjusted)
        .map(|(test, p)| match test {
            Some(test) => json!({"u": test.u, "p_value_holm": p}),
            None => Value::Null,
        })
        .collect()
}

/// The `difference` object: null where the test cannot be made.
fn difference(test: &KruskalWallis) -> Value {
    json!({
        "test": TEST_NAME,
        "groups": test.groups,
        "sessions": test.observations,
        "h": test.h,
        "df": test.df,
        "p_value": test.p_value,
    })
}

/// Adds to each metric of the orders' detail its median's 95% interval, `p50_ci95`.
pub(super) fn add_median_intervals(
    conn: &Connection,
    filter: &Filter,
    answer: &mut Map<String, Value>,
) -> Result<()> {
    let sql = queries::metrics::ORDERS_DETAIL_VALUES;
    let counts = value_counts(conn, sql, filter).with_context(|| queries::path_of(sql))?;
    for (metric, spread) in answer.iter_mut() {
        let Value::Object(fields) = spread else {
            continue;
        };
        let values = counts
            .iter()
            .filter(|(m, _, _)| m == metric)
            .map(|(_, x, n)| (0, *x, *n));
        let interval = Samples::from_counts(1, values)
            .median_ci95(0)
            .map(|(low, high)| json!([low, high]));
        fields.insert("p50_ci95".into(), interval.into());
    }
    Ok(())
}

/// The rows of a counting query: a group's name, a value, and how many times it occurs.
fn value_counts(conn: &Connection, sql: &str, filter: &Filter) -> Result<Vec<(String, f64, u64)>> {
    let mut stmt = conn.prepare_cached(sql)?;
    super::bind_filter(&mut stmt, filter)?;
    let mut rows = stmt.raw_query();
    let mut counts = Vec::new();
    while let Some(row) = rows.next()? {
        // COUNT(*) is at least 1.
        let count: i64 = row.get(2)?;
        counts.push((row.get(0)?, row.get(1)?, count.unsigned_abs()));
    }
    Ok(counts)
}
