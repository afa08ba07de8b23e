//! Where PostgreSQL's SQL differs from SQLite's in what xcc shares between the two: the views
//! of queries/views.sql (and v_metrics_orders) are written once, portably, and these are the
//! only rewrites the PostgreSQL dump applies to them. A test checks that each one applies.

/// `(SQLite, PostgreSQL)`: text is ordered byte by byte in SQLite (BINARY); PostgreSQL's
/// byte-order collation is called "C" (its default follows the database's locale).
pub const DIFFERENCES: [(&str, &str); 1] = [("COLLATE BINARY", "COLLATE \"C\"")];

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
