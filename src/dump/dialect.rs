//! Where PostgreSQL's SQL differs from SQLite's in what xcc shares between the two: the views
//! of queries/views.sql (and v_metrics_orders) are written once, portably, and these are the
//! only rewrites the PostgreSQL dump applies to them. A test checks that each one applies.

/// `(SQLite, PostgreSQL)`: text is ordered byte by byte in SQLite (BINARY); PostgreSQL's
/// byte-order collation is called "C" (its default follows the database's locale). The
/// readable times that SQLite's views render from the `*_us` integers are columns of
/// PostgreSQL's tables (queries/postgres/tables.sql), which the dump fills.
pub const DIFFERENCES: [(&str, &str); 5] = [
    ("COLLATE BINARY", "COLLATE \"C\""),
    (
        "strftime('%Y-%m-%dT%H:%M:%S', started_us / 1000000 - (started_us % 1000000 < 0), 'unixepoch') || printf('.%06dZ', (started_us % 1000000 + 1000000) % 1000000)",
        "started_at",
    ),
    (
        "strftime('%Y-%m-%dT%H:%M:%S', ended_us / 1000000 - (ended_us % 1000000 < 0), 'unixepoch') || printf('.%06dZ', (ended_us % 1000000 + 1000000) % 1000000)",
        "ended_at",
    ),
    (
        "strftime('%Y-%m-%dT%H:%M:%S', first_order_us / 1000000 - (first_order_us % 1000000 < 0), 'unixepoch') || printf('.%06dZ', (first_order_us % 1000000 + 1000000) % 1000000)",
        "first_order_at",
    ),
    (
        "coalesce(timestamp_given, strftime('%Y-%m-%dT%H:%M:%S', ts_us / 1000000 - (ts_us % 1000000 < 0), 'unixepoch') || printf('.%06dZ', (ts_us % 1000000 + 1000000) % 1000000))",
        "\"timestamp\"",
    ),
];

/// The views' SQL as PostgreSQL reads it.
pub fn postgres(sqlite: &str) -> String {
    DIFFERENCES
        .iter()
        .fold(sqlite.to_string(), |sql, (from, to)| sql.replace(from, to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema::views_sql;

    #[test]
    fn every_difference_occurs_in_the_views_and_none_is_left() {
        let views = views_sql();
        for (sqlite, _) in DIFFERENCES {
            assert!(views.contains(sqlite), "{sqlite} is not used: remove it");
        }
        let pg = postgres(&views);
        for (sqlite, postgres) in DIFFERENCES {
            assert!(!pg.contains(sqlite));
            assert!(pg.contains(postgres));
        }
    }
}
