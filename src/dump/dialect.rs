//! Where PostgreSQL's SQL differs from SQLite's in what xcc shares between the two: the views
//! of queries/views.sql (and v_metrics_orders) are written once, portably, and these are the
//! only rewrites the PostgreSQL dump applies to them. A test checks that each one applies.

/// `(SQLite, PostgreSQL)`: text is ordered byte by byte in SQLite (BINARY); PostgreSQL's
/// byte-order collation is called "C" (its default follows the database's locale). The
/// readable times that SQLite's views render from the `*_us` integers are columns of
/// PostgreSQL's tables (queries/postgres/tables.sql), which the dump fills, and so are the
/// event's type, page and referrer that v_events looks up in event_types and urls.
pub fn differences() -> [(String, &'static str); 11] {
    [
        ("COLLATE BINARY".to_string(), "COLLATE \"C\""),
        (rendered("started_us"), "started_at"),
        (rendered("ended_us"), "ended_at"),
        (rendered("first_order_us"), "first_order_at"),
        (
            format!("coalesce(e.timestamp_given, {})", rendered("e.ts_us")),
            "e.\"timestamp\"",
        ),
        ("t.name AS type".to_string(), "e.type"),
        (
            "coalesce(e.ip, (e.ip_v4 >> 24) || '.' || ((e.ip_v4 >> 16) & 255) || '.' || \
             ((e.ip_v4 >> 8) & 255) || '.' || (e.ip_v4 & 255)) AS ip"
                .to_string(),
            "e.ip",
        ),
        (
            "e.type_id = (SELECT id FROM event_types WHERE name = 'placed_order')".to_string(),
            "e.type = 'placed_order'",
        ),
        ("p.url AS page".to_string(), "e.page"),
        ("r.url AS referrer".to_string(), "e.referrer"),
        (
            "FROM events AS e\n\
             LEFT JOIN event_types AS t ON t.id = e.type_id\n\
             LEFT JOIN urls AS p ON p.id = e.page_id\n\
             LEFT JOIN urls AS r ON r.id = e.referrer_id"
                .to_string(),
            "FROM events AS e",
        ),
    ]
}

/// How queries/views.sql renders the microseconds in `column` as YYYY-MM-DDTHH:MM:SS.ffffffZ
/// (the integer division truncates, so one second is taken off before 1970 to floor it).
fn rendered(column: &str) -> String {
    format!(
        "strftime('%Y-%m-%dT%H:%M:%S', {column} / 1000000 - ({column} % 1000000 < 0), 'unixepoch') \
         || printf('.%06dZ', ({column} % 1000000 + 1000000) % 1000000)"
    )
}

/// The views' SQL as PostgreSQL reads it.
pub fn postgres(sqlite: &str) -> String {
    differences()
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
        for (sqlite, _) in differences() {
            assert!(views.contains(&sqlite), "{sqlite} is not used: remove it");
        }
        let pg = postgres(&views);
        for (sqlite, postgres) in differences() {
            assert!(!pg.contains(&sqlite));
            assert!(pg.contains(postgres));
        }
    }
}
