//! Where PostgreSQL's SQL differs from SQLite's in what xcc shares between the two: the views
//! of queries/views.sql (and v_metrics_orders) are written once, portably, and these are the
//! only rewrites the PostgreSQL dump applies to them. A test checks that each one applies.

/// `(SQLite, PostgreSQL)`: text is ordered byte by byte in SQLite (BINARY, its default);
/// PostgreSQL's byte-order collation is called "C" (its default follows the database's
/// locale). The readable times that SQLite's views render from the `*_us` integers and the
/// table calendar are columns of PostgreSQL's tables (queries/postgres/tables.sql), which the
/// dump fills, and so are the event's type, page and referrer that v_events looks up in
/// event_types and urls.
pub fn differences() -> [(String, String); 14] {
    let sessions_from = "FROM sessions AS s";
    [
        (
            "ORDER BY sessions DESC, referrer_host;".to_string(),
            "ORDER BY sessions DESC, referrer_host COLLATE \"C\";".to_string(),
        ),
        (
            "d.name,\n         CASE".to_string(),
            "d.name COLLATE \"C\",\n         CASE".to_string(),
        ),
        (
            "d.column_name;".to_string(),
            "d.column_name COLLATE \"C\";".to_string(),
        ),
        (rendered("s.started_us", "sd"), "s.started_at".to_string()),
        (rendered("s.ended_us", "ed"), "s.ended_at".to_string()),
        (
            rendered("s.first_order_us", "fd"),
            "s.first_order_at".to_string(),
        ),
        (
            format!(
                "{sessions_from}\n{}\n{}\n{}",
                on_day("sd", "s.started_us"),
                on_day("ed", "s.ended_us"),
                on_day("fd", "s.first_order_us")
            ),
            sessions_from.to_string(),
        ),
        (
            format!("coalesce(e.timestamp_given, {})", rendered("e.ts_us", "c")),
            "e.\"timestamp\"".to_string(),
        ),
        ("t.name AS type".to_string(), "e.type".to_string()),
        (
            "coalesce(e.ip, (e.ip_v4 >> 24) || '.' || ((e.ip_v4 >> 16) & 255) || '.' || \
             ((e.ip_v4 >> 8) & 255) || '.' || (e.ip_v4 & 255)) AS ip"
                .to_string(),
            "e.ip".to_string(),
        ),
        (
            "e.type_id = (SELECT id FROM event_types WHERE name = 'placed_order')".to_string(),
            "e.type = 'placed_order'".to_string(),
        ),
        ("p.url AS page".to_string(), "e.page".to_string()),
        ("r.url AS referrer".to_string(), "e.referrer".to_string()),
        (
            format!(
                "FROM events AS e\n\
                 LEFT JOIN event_types AS t ON t.id = e.type_id\n\
                 LEFT JOIN urls AS p ON p.id = e.page_id\n\
                 LEFT JOIN urls AS r ON r.id = e.referrer_id\n{}",
                on_day("c", "e.ts_us")
            ),
            "FROM events AS e".to_string(),
        ),
    ]
}

/// How queries/views.sql renders the microseconds in `column` as YYYY-MM-DDTHH:MM:SS.ffffffZ:
/// the date of the calendar row `day` and the time of day, from remainders that are never
/// negative (`(x % m + m) % m`), each exact division made an integer for printf.
fn rendered(column: &str, day: &str) -> String {
    let rem = |m: u64| format!("({column} % {m} + {m}) % {m}");
    format!(
        "{day}.date || printf('T%02d:%02d:%02d.%06dZ',\n           \
         CAST(({} - {}) / 3600000000 AS BIGINT),\n           \
         CAST(({} - {}) / 60000000 AS BIGINT),\n           \
         CAST(({} - {}) / 1000000 AS BIGINT),\n           \
         CAST({} AS BIGINT))",
        rem(86_400_000_000),
        rem(3_600_000_000),
        rem(3_600_000_000),
        rem(60_000_000),
        rem(60_000_000),
        rem(1_000_000),
        rem(1_000_000)
    )
}

/// The join of queries/views.sql that finds the calendar row `day` of the time in `column`.
fn on_day(day: &str, column: &str) -> String {
    format!(
        "LEFT JOIN calendar AS {day} ON {day}.day = ({column} - ({column} % 86400000000 + 86400000000) % 86400000000) / 86400000000"
    )
}

/// The views without their arms of `column_types` (`UNION ALL SELECT … FROM column_types
/// WHERE 1 = 0`): they add no row and type the columns for readers of SQLite's declarations
/// only, and PostgreSQL's views have the types of their tables.
fn without_type_arms(sql: &str) -> String {
    const ARM_END: &str = "FROM column_types WHERE 1 = 0";
    let mut out = sql.to_string();
    while let Some(end) = out.find(ARM_END) {
        let start = out[..end].rfind("\nUNION ALL\n").unwrap_or(end);
        out.replace_range(start..end + ARM_END.len(), "");
    }
    out
}

/// The views' SQL as PostgreSQL reads it.
pub fn postgres(sqlite: &str) -> String {
    differences()
        .iter()
        .fold(without_type_arms(sqlite), |sql, (from, to)| {
            sql.replace(from, to)
        })
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
            assert!(pg.contains(&postgres));
        }
        assert!(views.contains("FROM column_types") && !pg.contains("FROM column_types"));
        assert!(!pg.contains("JOIN calendar") && !pg.contains("printf"));
    }
}
