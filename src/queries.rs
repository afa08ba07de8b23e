//! Every SQL file the binary embeds, named once: the code takes each statement from here
//! (`queries::store::INSERT_EVENT`), and the test below prepares every one of them against a
//! fresh schema and finds every `.sql` file of the repository here. A new file is one line in
//! [`registry!`]'s list; nothing else names its path.
//!
//! Not here: `queries/spark/` (read by `scripts/spark_metrics.py`, run by Spark in
//! tests/integration/spark.rs) and `queries/postgres/sessionize.sql` (run by `psql` as the
//! docs show, and by tests/integration/postgres.rs): the binary never runs them.

/// How a file is run, and so how the test checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One statement, prepared (and cached) by the code: the test prepares it on a fresh
    /// schema, with a working file attached as `source` for the share statements.
    Statement,
    /// Several statements run as one script on a fresh file (the schema, the views, the
    /// dictionary, the shared file's tables): the test runs it.
    Script,
    /// A step of a migration, run on a file of the version before it: the integration tests
    /// migrate a real file of each old version (tests/data/schema-v*.db).
    Migration,
    /// The frozen schema of an older version, never run: compared with an old file's objects.
    Frozen,
    /// PostgreSQL's dialect, sent by `xcc dump`: run by a real server in the PostgreSQL test.
    Postgres,
}

/// One SQL file: its path from the repository's top, its text, and how it is run.
#[derive(Clone, Copy, Debug)]
pub struct Sql {
    /// The group of the registry it is listed in (`store`, `share`, …).
    pub group: &'static str,
    pub path: &'static str,
    pub text: &'static str,
    pub kind: Kind,
}

/// Declares each group's constants (`pub const NAME: &str`, the file's text) and [`ALL`],
/// from one list of `NAME = Kind "path";`, so that the path is written once.
macro_rules! registry {
    ($( $(#[$group_doc:meta])* $group:ident {
        $( $name:ident = $kind:ident $path:literal; )*
    } )*) => {
        $(
            $(#[$group_doc])*
            pub mod $group {
                $(
                    #[doc = concat!("`", $path, "`")]
                    pub const $name: &str =
                        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path));
                )*
            }
        )*
        /// Every file of the registry, in the order of the list.
        pub const ALL: &[Sql] = &[
            $( $( Sql { group: stringify!($group), path: $path, text: $group::$name, kind: Kind::$kind }, )* )*
        ];
    };
}

/// The path of a registered statement's text, for a message that names the file (an error
/// path only: it compares texts); `"?"` for a text that is not one of the registry's.
pub fn path_of(text: &str) -> &'static str {
    ALL.iter()
        .find(|sql| sql.text == text)
        .map_or("?", |sql| sql.path)
}

registry! {
    /// The tables, views and dictionary of a new file.
    schema {
        TABLES = Script "schema.sql";
        VIEWS = Script "queries/views.sql";
        DICTIONARY = Script "queries/dictionary.sql";
    }
    /// The frozen schema of each older version (`store::objects` checks old files by them).
    schemas {
        V1 = Frozen "queries/schemas/v1.sql";
        V2 = Frozen "queries/schemas/v2.sql";
        V3 = Frozen "queries/schemas/v3.sql";
        V4 = Frozen "queries/schemas/v4.sql";
        V5 = Frozen "queries/schemas/v5.sql";
        V6 = Frozen "queries/schemas/v6.sql";
        V7 = Frozen "queries/schemas/v7.sql";
        V8 = Frozen "queries/schemas/v8.sql";
    }
    /// The steps of the schema's history (`upgrade`).
    migrations {
        SESSIONS_IN_CUSTOMER_ORDER = Migration "queries/migrations/0002_sessions_in_customer_order.sql";
        BLOCKS_AND_ORDER_ROWS = Migration "queries/migrations/0003_blocks_and_order_rows.sql";
        SENSITIVITY = Migration "queries/migrations/0004_sensitivity.sql";
        SENSITIVITY_ROWS = Migration "queries/migrations/0005_sensitivity_rows.sql";
        RENDERED_TIMES = Migration "queries/migrations/0006_rendered_times.sql";
        EVENT_TEXTS_ONCE = Migration "queries/migrations/0007_event_texts_once.sql";
        EVENT_TEXTS_COUNTS = Statement "queries/migrations/0007_counts.sql";
        READABLE_EVERYWHERE = Migration "queries/migrations/0008_readable_everywhere.sql";
        DOWNLOAD_VALIDATORS = Migration "queries/migrations/0009_download_validators.sql";
        CLEAR_DICTIONARY = Statement "queries/store/clear_dictionary.sql";
    }
    /// What the file holds, read and written by `store`.
    store {
        TABLE_COUNT = Statement "queries/store/table_count.sql";
        EVENTS_EMPTY = Statement "queries/store/events_empty.sql";
        TABLES_AND_VIEWS = Statement "queries/store/tables_and_views.sql";
        QUICK_CHECK = Statement "queries/store/quick_check.sql";
        OBJECTS = Statement "queries/store/objects.sql";
        META_GET = Statement "queries/store/meta_get.sql";
        META_SET = Statement "queries/store/meta_set.sql";
        BUMP_GENERATION = Statement "queries/store/bump_generation.sql";
        EVENT_TYPE_ID = Statement "queries/store/event_type_id.sql";
        ADD_EVENT_TYPE = Statement "queries/store/add_event_type.sql";
        URL_ID = Statement "queries/store/url_id.sql";
        ADD_URL = Statement "queries/store/add_url.sql";
        INSERT_EVENT = Statement "queries/store/insert_event.sql";
        INSERT_EVENT_IF_NEW = Statement "queries/store/insert_event_if_new.sql";
        STORED_EVENT = Statement "queries/store/stored_event.sql";
        INSERT_REJECT = Statement "queries/store/insert_reject.sql";
        REJECT_REASONS = Statement "queries/store/reject_reasons.sql";
        INGEST_STARTED = Statement "queries/store/ingest_started.sql";
        INGEST_FINISHED = Statement "queries/store/ingest_finished.sql";
        INGESTED_FROM = Statement "queries/store/ingested_from.sql";
        INGEST_UNCHANGED = Statement "queries/store/ingest_unchanged.sql";
        LATEST_DOWNLOAD = Statement "queries/store/latest_download.sql";
        EARLIER_BLOCKS = Statement "queries/store/earlier_blocks.sql";
        INSERT_BLOCK = Statement "queries/store/insert_block.sql";
        COPY_REJECTS = Statement "queries/store/copy_rejects.sql";
        HISTORY_FIGURES = Statement "queries/store/history_figures.sql";
        INSERT_HISTORY = Statement "queries/store/insert_history.sql";
        LATEST_EVENT = Statement "queries/store/latest_event.sql";
        ADD_DAY = Statement "queries/store/add_day.sql";
    }
    /// Sessionizing and the order rows (`sessions`).
    sessions {
        ALL_CUSTOMER_EVENTS = Statement "queries/sessions/all_customer_events.sql";
        CUSTOMER_EVENTS_FROM = Statement "queries/sessions/customer_events_from.sql";
        INSERT_SESSION = Statement "queries/sessions/insert_session.sql";
        ANCHOR_SESSION = Statement "queries/sessions/anchor_session.sql";
        DELETE_SESSIONS_FROM = Statement "queries/sessions/delete_sessions_from.sql";
        DELETE_ALL_SESSIONS = Statement "queries/sessions/delete_all_sessions.sql";
        EVENT_TYPE_NAME = Statement "queries/sessions/event_type_name.sql";
        URL_TEXT = Statement "queries/sessions/url_text.sql";
        ORDER_VISITS = Statement "queries/sessions/order_visits.sql";
        FIRST_ORDERS = Statement "queries/sessions/first_orders.sql";
        DELETE_ORDER_VISITS = Statement "queries/sessions/delete_order_visits.sql";
        DELETE_FIRST_ORDERS = Statement "queries/sessions/delete_first_orders.sql";
        SENSITIVITY_ROWS = Statement "queries/sessions/sensitivity_rows.sql";
        SWEEP_EVENTS = Statement "queries/sessions/sweep_events.sql";
        SENSITIVITY_CLEAR = Statement "queries/sessions/sensitivity_clear.sql";
        SENSITIVITY_INSERT = Statement "queries/sessions/sensitivity_insert.sql";
        HAS_SENSITIVITY_TABLE = Statement "queries/sessions/has_sensitivity_table.sql";
    }
    /// The answers (`metrics`, `report`).
    metrics {
        ORDERS = Statement "queries/orders.sql";
        ORDERS_DETAIL = Statement "queries/orders_detail.sql";
        REFERRERS = Statement "queries/referrers.sql";
        REFERRERS_IN_RANGE = Statement "queries/referrers_in_range.sql";
        REFERRER_DURATIONS = Statement "queries/referrer_durations.sql";
        ORDERS_DETAIL_VALUES = Statement "queries/orders_detail_values.sql";
        SUMMARY = Statement "queries/summary.sql";
        DAILY = Statement "queries/daily.sql";
        HISTORY = Statement "queries/history.sql";
        VISITS_HISTOGRAM = Statement "queries/visits_histogram.sql";
        MINUTES_HISTOGRAM = Statement "queries/minutes_histogram.sql";
        REPORT_LEDGER = Statement "queries/report_ledger.sql";
        REFERRER_SEEN = Statement "queries/referrer_seen.sql";
    }
    /// `xcc verify`'s independent recomputations.
    verify {
        CALENDAR = Statement "queries/verify/calendar.sql";
        ORDER_VISITS = Statement "queries/verify/order_visits.sql";
        FIRST_ORDERS = Statement "queries/verify/first_orders.sql";
        STORED_SESSIONS = Statement "queries/verify/stored_sessions.sql";
        LEDGER = Statement "queries/verify/ledger.sql";
        REFERENCES = Statement "queries/verify/references.sql";
        SESSION_COUNTS = Statement "queries/verify/session_counts.sql";
        UNBALANCED_INGESTS = Statement "queries/verify/unbalanced_ingests.sql";
    }
    /// The file for analysts (`share`): run on the new file with the working file attached
    /// as `source`.
    share {
        SCHEMA = Script "queries/share/schema.sql";
        TEXT_MAPS = Script "queries/share/text_maps.sql";
        COPY_META = Statement "queries/share/copy_meta.sql";
        COPY_CALENDAR = Statement "queries/share/copy_calendar.sql";
        COPY_INGESTS = Statement "queries/share/copy_ingests.sql";
        COPY_SESSIONS = Statement "queries/share/copy_sessions.sql";
        COPY_ORDER_VISITS = Statement "queries/share/copy_order_visits.sql";
        COPY_FIRST_ORDERS = Statement "queries/share/copy_first_orders.sql";
        COPY_HISTORY = Statement "queries/share/copy_history.sql";
        COPY_LOGGED_IN_EVENTS = Statement "queries/share/copy_logged_in_events.sql";
        MAP_EVENT_TYPES = Statement "queries/share/map_event_types.sql";
        MAP_URLS = Statement "queries/share/map_urls.sql";
        COPY_EVENT_TYPES = Statement "queries/share/copy_event_types.sql";
        COPY_URLS = Statement "queries/share/copy_urls.sql";
        COUNT_REJECT_REASONS = Statement "queries/share/count_reject_reasons.sql";
        INSERT_REJECT_REASON = Statement "queries/share/insert_reject_reason.sql";
        PSEUDONYMS = Statement "queries/share/pseudonyms.sql";
        CUSTOMERS = Statement "queries/share/customers.sql";
        INSERT_PSEUDONYM = Statement "queries/share/insert_pseudonym.sql";
        NOTE_IN_DICTIONARY = Statement "queries/share/note_in_dictionary.sql";
        CONTENTS = Statement "queries/share/contents.sql";
    }
    /// `xcc dump`: the rows read from the file, and PostgreSQL's definitions.
    dump {
        LOGGED_IN_EVENTS = Statement "queries/dump/logged_in_events.sql";
        ALL_EVENTS = Statement "queries/dump/all_events.sql";
        SESSIONS = Statement "queries/dump/sessions.sql";
        REJECTS = Statement "queries/dump/rejects.sql";
        POSTGRES_TABLES = Postgres "queries/postgres/tables.sql";
        POSTGRES_INDEXES = Postgres "queries/postgres/indexes.sql";
        POSTGRES_CONSTRAINTS = Postgres "queries/postgres/constraints.sql";
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use rusqlite::Connection;

    use super::{Kind, ALL};
    use crate::{share, store};

    /// Files the binary does not run (see the module's comment): who runs them instead.
    const RUN_ELSEWHERE: [(&str, &str); 2] = [
        ("queries/spark/", "Spark, in tests/integration/spark.rs"),
        (
            "queries/postgres/sessionize.sql",
            "psql, in tests/integration/postgres.rs",
        ),
    ];

    #[test]
    fn every_statement_prepares_on_a_fresh_schema() {
        // The share statements read a working file attached as `source` and write a shared
        // one, with the share's own SQL functions registered.
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.db");
        store::schema::create(&Connection::open(&source).unwrap()).unwrap();
        let conn = Connection::open_in_memory().unwrap();
        store::schema::create(&conn).unwrap();
        conn.execute_batch(super::share::SCHEMA).unwrap();
        conn.execute("ATTACH DATABASE ?1 AS source", [source.to_str().unwrap()])
            .unwrap();
        share::prepare(&conn).unwrap();
        let statements = ALL.iter().filter(|sql| sql.kind == Kind::Statement);
        for sql in statements {
            if let Err(e) = conn.prepare(sql.text) {
                panic!("{} does not prepare: {e}", sql.path);
            }
        }
    }

    #[test]
    fn every_script_runs_on_a_fresh_file() {
        // The schema's scripts make a new file together, in the order listed; every other
        // group's scripts run in order on such a file (the shared file's tables are added
        // to a copy of the working file's, then its text maps).
        let groups: BTreeSet<&str> = ALL.iter().map(|sql| sql.group).collect();
        for group in groups {
            let conn = Connection::open_in_memory().unwrap();
            if group != "schema" {
                store::schema::create(&conn).unwrap();
            }
            let scripts = ALL
                .iter()
                .filter(|sql| sql.group == group && sql.kind == Kind::Script);
            for sql in scripts {
                if let Err(e) = conn.execute_batch(sql.text) {
                    panic!("{} does not run on a fresh file: {e}", sql.path);
                }
            }
        }
    }

    #[test]
    fn every_sql_file_is_registered_once_with_its_own_text() {
        let top = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut registered = BTreeSet::new();
        for sql in ALL {
            assert!(registered.insert(sql.path), "{} is listed twice", sql.path);
            let on_disk = std::fs::read_to_string(top.join(sql.path)).unwrap();
            assert_eq!(sql.text, on_disk, "{} is not the file's text", sql.path);
        }
        let mut files = sql_files(top, &top.join("queries"));
        files.push("schema.sql".to_string());
        let missing: Vec<&String> = files
            .iter()
            .filter(|f| !registered.contains(f.as_str()))
            .filter(|f| {
                !RUN_ELSEWHERE
                    .iter()
                    .any(|(prefix, _)| f.starts_with(prefix))
            })
            .collect();
        assert!(missing.is_empty(), "not in the registry: {missing:?}");
    }

    #[test]
    fn a_statement_is_found_by_its_text() {
        assert_eq!(super::path_of(super::metrics::ORDERS), "queries/orders.sql");
        assert_eq!(super::path_of("SELECT 1"), "?");
    }

    fn sql_files(top: &Path, dir: &Path) -> Vec<String> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(sql_files(top, &path));
            } else if path.extension().is_some_and(|e| e == "sql") {
                let relative = path.strip_prefix(top).unwrap();
                files.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
        files
    }
}
