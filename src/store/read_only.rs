//! The policy of a connection that only reads what anyone may ask (`xcc query`'s statement),
//! beside the mechanism that hardens every connection (`harden`).
//!
//! The file is opened read-only, but that alone does not make a statement harmless: SQLite
//! lets a read-only connection run `VACUUM INTO '/any/path.db'` (a new file), `ATTACH` a new
//! file, create temporary tables, start transactions and set pragmas. So the statement is
//! checked twice before it runs: an authorizer allows reading only (SELECT, reading columns,
//! functions, recursive queries and the pragmas of [`READ_ONLY_PRAGMAS`]), and a statement
//! SQLite does not call read-only (`sqlite3_stmt_readonly`, which is how VACUUM shows) is
//! refused too, as are VACUUM, REINDEX and ANALYZE by their first word ([`refused_keyword`]).
//! Each way the answer is one sentence naming what was refused.

use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Result};
use rusqlite::hooks::{AuthAction, AuthContext, Authorization, TransactionOperation};
use rusqlite::Connection;

use crate::format::shorten;

/// Pragmas that only read, and whether each may be given an argument: `table_info(events)`
/// names what to read, while `user_version = 5` would write, so the pragmas that can set a
/// value are allowed only without one.
pub const READ_ONLY_PRAGMAS: [(&str, bool); 23] = [
    ("table_info", true),
    ("table_xinfo", true),
    ("table_list", true),
    ("index_list", true),
    ("index_info", true),
    ("index_xinfo", true),
    ("foreign_key_list", true),
    ("foreign_key_check", true),
    ("integrity_check", true),
    ("quick_check", true),
    ("user_version", false),
    ("schema_version", false),
    ("application_id", false),
    ("data_version", false),
    ("page_count", false),
    ("page_size", false),
    ("encoding", false),
    ("freelist_count", false),
    ("function_list", false),
    ("pragma_list", false),
    ("collation_list", false),
    ("database_list", false),
    ("compile_options", false),
];

/// Statements refused by their first word, whatever SQLite would make of them: without
/// arguments REINDEX and ANALYZE ask the authorizer nothing, and write only when there is
/// something to rebuild, which depends on the file.
const REFUSED_KEYWORDS: [&str; 3] = ["VACUUM", "REINDEX", "ANALYZE"];

/// The sentence for a statement refused by its first word, before any file is opened.
pub fn refused_keyword(sql: &str) -> Option<anyhow::Error> {
    let keyword = leading_keyword(sql);
    REFUSED_KEYWORDS
        .contains(&keyword.as_str())
        .then(|| refusal(&keyword))
}

/// The sentence for a statement that would change something.
pub fn refusal(what: &str) -> anyhow::Error {
    anyhow!(
        "xcc query only reads: {what} is refused (the file is opened read-only; use sqlite3 to change it)"
    )
}

/// What the authorizer refused while a statement was prepared (SQLite stops at the first).
#[derive(Clone, Default)]
pub struct Refused(Arc<Mutex<Option<String>>>);

impl Refused {
    fn note(&self, what: String) {
        if let Ok(mut first) = self.0.lock() {
            first.get_or_insert(what);
        }
    }

    /// What the sentence names for `sql`; `None` when nothing was refused. A write to
    /// SQLite's own schema table is how some statements start (CREATE TEMP TABLE first asks
    /// to insert into sqlite_temp_master): the statement's own words name those.
    pub fn what(&self, sql: &str) -> Option<String> {
        let first = self.0.lock().ok()?.clone()?;
        let bookkeeping = ["INSERT INTO ", "UPDATE ", "DELETE FROM "]
            .iter()
            .any(|verb| {
                first.strip_prefix(verb).is_some_and(|table| {
                    [
                        "sqlite_master",
                        "sqlite_temp_master",
                        "sqlite_schema",
                        "sqlite_temp_schema",
                    ]
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(table))
                })
            });
        Some(if bookkeeping {
            statement_kind(sql)
        } else {
            first
        })
    }
}

/// Installs the authorizer that allows reading only; what it refused is noted in the
/// returned [`Refused`], for the sentence.
pub fn only_reads(conn: &mut Connection) -> Result<Refused> {
    let refused = Refused::default();
    let note = refused.clone();
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        match refused_action(&ctx.action) {
            None => Authorization::Allow,
            Some(what) => {
                note.note(what);
                Authorization::Deny
            }
        }
    }))
    .map_err(|e| anyhow!("cannot prepare the read-only connection: {e}"))?;
    Ok(refused)
}

/// `None` when the action only reads; otherwise what it is, as the sentence names it.
fn refused_action(action: &AuthAction<'_>) -> Option<String> {
    use AuthAction::*;
    match action {
        Select | Read { .. } | Function { .. } | Recursive => None,
        Pragma {
            pragma_name,
            pragma_value,
        } => refused_pragma(pragma_name, *pragma_value),
        Transaction { .. } | Savepoint { .. } => Some(transaction_words(action)),
        _ => Some(change_words(action)),
    }
}

/// `None` for a pragma of [`READ_ONLY_PRAGMAS`] given as it only reads; otherwise its words.
fn refused_pragma(pragma: &str, value: Option<&str>) -> Option<String> {
    let allowed = READ_ONLY_PRAGMAS.iter().any(|(known, takes_argument)| {
        known.eq_ignore_ascii_case(pragma) && (*takes_argument || value.is_none())
    });
    if allowed {
        return None;
    }
    Some(match value {
        Some(value) => format!("PRAGMA {} = {}", name(pragma), name(value)),
        None => format!("PRAGMA {}", name(pragma)),
    })
}

/// A name from the statement, cut short for the sentence.
fn name(s: &str) -> String {
    shorten(s, 60)
}

/// The words of a transaction or savepoint action.
fn transaction_words(action: &AuthAction<'_>) -> String {
    match action {
        AuthAction::Transaction { operation } => match operation {
            TransactionOperation::Begin => "BEGIN",
            TransactionOperation::Rollback => "ROLLBACK",
            // SQLite names COMMIT and END alike.
            _ => "COMMIT",
        }
        .to_string(),
        AuthAction::Savepoint {
            operation,
            savepoint_name,
        } => match operation {
            TransactionOperation::Release => format!("RELEASE {}", name(savepoint_name)),
            TransactionOperation::Rollback => format!("ROLLBACK TO {}", name(savepoint_name)),
            _ => format!("SAVEPOINT {}", name(savepoint_name)),
        },
        _ => "this statement".to_string(),
    }
}

/// The words of an action that changes rows, objects or attached files.
fn change_words(action: &AuthAction<'_>) -> String {
    use AuthAction::*;
    match action {
        Insert { table_name } => format!("INSERT INTO {}", name(table_name)),
        Update { table_name, .. } => format!("UPDATE {}", name(table_name)),
        Delete { table_name } => format!("DELETE FROM {}", name(table_name)),
        CreateTable { table_name } => format!("CREATE TABLE {}", name(table_name)),
        CreateTempTable { table_name } => format!("CREATE TEMP TABLE {}", name(table_name)),
        CreateView { view_name } => format!("CREATE VIEW {}", name(view_name)),
        CreateTempView { view_name } => format!("CREATE TEMP VIEW {}", name(view_name)),
        CreateIndex { index_name, .. } => format!("CREATE INDEX {}", name(index_name)),
        CreateTempIndex { index_name, .. } => format!("CREATE TEMP INDEX {}", name(index_name)),
        CreateTrigger { trigger_name, .. } => format!("CREATE TRIGGER {}", name(trigger_name)),
        CreateTempTrigger { trigger_name, .. } => {
            format!("CREATE TEMP TRIGGER {}", name(trigger_name))
        }
        CreateVtable { table_name, .. } => format!("CREATE VIRTUAL TABLE {}", name(table_name)),
        DropTable { table_name } | DropTempTable { table_name } => {
            format!("DROP TABLE {}", name(table_name))
        }
        DropView { view_name } | DropTempView { view_name } => {
            format!("DROP VIEW {}", name(view_name))
        }
        DropIndex { index_name, .. } | DropTempIndex { index_name, .. } => {
            format!("DROP INDEX {}", name(index_name))
        }
        DropTrigger { trigger_name, .. } | DropTempTrigger { trigger_name, .. } => {
            format!("DROP TRIGGER {}", name(trigger_name))
        }
        DropVtable { table_name, .. } => format!("DROP TABLE {}", name(table_name)),
        AlterTable { table_name, .. } => format!("ALTER TABLE {}", name(table_name)),
        Attach { .. } => "ATTACH".to_string(),
        Detach { .. } => "DETACH".to_string(),
        Reindex { .. } => "REINDEX".to_string(),
        Analyze { .. } => "ANALYZE".to_string(),
        // An action this list does not know (a newer SQLite's) is not a read it knows.
        _ => "this statement".to_string(),
    }
}

/// What kind of statement `sql` is, from its first words: up to the kind of object it is
/// about (`CREATE TEMP TABLE`, `DROP VIEW`), else its first keyword.
fn statement_kind(sql: &str) -> String {
    let words: Vec<String> = after_comments(sql)
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .take(4)
        .map(str::to_ascii_uppercase)
        .collect();
    let object = words
        .iter()
        .position(|w| ["TABLE", "VIEW", "INDEX", "TRIGGER"].contains(&w.as_str()));
    match object {
        Some(i) => words[..=i].join(" "),
        None => leading_keyword(sql),
    }
}

/// The statement's first keyword, upper-cased, after blanks and comments: `VACUUM` for
/// `/* x */ vacuum INTO 'y'`; "this statement" when it starts otherwise.
pub fn leading_keyword(sql: &str) -> String {
    let word: String = after_comments(sql)
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .take(20)
        .collect();
    if word.is_empty() {
        "this statement".to_string()
    } else {
        word.to_ascii_uppercase()
    }
}

/// `sql` after the blanks, comments and empty statements (`;`) it starts with.
fn after_comments(sql: &str) -> &str {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            return rest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `sql` gives on a connection that only reads: its rows as text, or the sentence.
    fn outcome(sql: &str) -> Result<Vec<String>, String> {
        if let Some(refusal) = refused_keyword(sql) {
            return Err(refusal.to_string());
        }
        let keyword = leading_keyword(sql);
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE sessions (id INTEGER PRIMARY KEY, n); CREATE VIEW v AS SELECT 1",
        )
        .unwrap();
        let refused = only_reads(&mut conn).unwrap();
        let explain = |e: rusqlite::Error| {
            refused
                .what(sql)
                .map(|what| refusal(&what).to_string())
                .unwrap_or_else(|| e.to_string())
        };
        let mut stmt = conn.prepare(sql).map_err(explain)?;
        if !stmt.readonly() {
            return Err(refusal(&keyword).to_string());
        }
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|v| v.join("|"))
            })
            .map_err(explain)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(explain)
    }

    fn refused(what: &str) -> Result<Vec<String>, String> {
        Err(format!("xcc query only reads: {what} is refused (the file is opened read-only; use sqlite3 to change it)"))
    }

    #[test]
    fn every_kind_of_write_is_refused_by_name() {
        let cases = [
            ("VACUUM INTO '/tmp/never.db'", "VACUUM"),
            ("  -- a comment\n/* another */ vacuum", "VACUUM"),
            ("; ;VACUUM INTO '/tmp/never.db'", "VACUUM"),
            ("ATTACH 'x.db' AS x", "ATTACH"),
            ("DETACH x", "DETACH"),
            ("CREATE TEMP TABLE t (x)", "CREATE TEMP TABLE"),
            ("create temporary table t (x)", "CREATE TEMPORARY TABLE"),
            ("CREATE TEMP VIEW v AS SELECT 1", "CREATE TEMP VIEW"),
            (
                "CREATE TEMP TRIGGER tr AFTER INSERT ON sessions BEGIN SELECT 1; END",
                "CREATE TEMP TRIGGER tr",
            ),
            ("CREATE TABLE t (x)", "CREATE TABLE"),
            ("INSERT INTO sessions VALUES (1, 2)", "INSERT INTO sessions"),
            ("UPDATE sessions SET n = 1", "UPDATE sessions"),
            ("DELETE FROM sessions", "DELETE FROM sessions"),
            (
                "WITH x AS (SELECT 1) DELETE FROM sessions",
                "DELETE FROM sessions",
            ),
            ("DROP TABLE sessions", "DROP TABLE"),
            ("DROP VIEW v", "DROP VIEW"),
            ("ALTER TABLE sessions ADD COLUMN m", "ALTER TABLE sessions"),
            ("REINDEX", "REINDEX"),
            ("REINDEX sessions", "REINDEX"),
            ("ANALYZE", "ANALYZE"),
            ("ANALYZE sessions", "ANALYZE"),
            ("BEGIN", "BEGIN"),
            ("COMMIT", "COMMIT"),
            ("ROLLBACK", "ROLLBACK"),
            ("SAVEPOINT s", "SAVEPOINT s"),
            ("PRAGMA user_version = 5", "PRAGMA user_version = 5"),
            ("PRAGMA journal_mode = WAL", "PRAGMA journal_mode = WAL"),
            ("PRAGMA journal_mode", "PRAGMA journal_mode"),
            ("PRAGMA page_size = 512", "PRAGMA page_size = 512"),
            ("PRAGMA writable_schema = ON", "PRAGMA writable_schema = ON"),
            ("SELECT * FROM pragma_journal_mode", "PRAGMA journal_mode"),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter(|(sql, what)| outcome(sql) != refused(what))
            .map(|(sql, _)| format!("{sql}: {:?}", outcome(sql)))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn reading_is_allowed() {
        assert_eq!(outcome("SELECT 1 + 1"), Ok(vec!["Integer(2)".to_string()]));
        assert_eq!(
            outcome("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 3) SELECT sum(i) FROM n"),
            Ok(vec!["Integer(6)".to_string()])
        );
        assert_eq!(
            outcome("PRAGMA table_info(sessions)").map(|r| r.len()),
            Ok(2)
        );
        assert_eq!(
            outcome("SELECT name FROM pragma_table_info('sessions') ORDER BY cid"),
            Ok(vec!["Text(\"id\")".to_string(), "Text(\"n\")".to_string()])
        );
        for sql in [
            "PRAGMA user_version",
            "PRAGMA main.schema_version",
            "PRAGMA page_size",
            "PRAGMA ENCODING",
            "PRAGMA page_count",
            "PRAGMA freelist_count",
            "PRAGMA integrity_check",
            "PRAGMA quick_check(sessions)",
            "PRAGMA index_list(sessions)",
            "PRAGMA table_list",
            "PRAGMA function_list",
            "PRAGMA compile_options",
            "PRAGMA database_list",
            "SELECT name FROM sqlite_schema",
            "EXPLAIN SELECT 1",
        ] {
            assert!(outcome(sql).is_ok(), "{sql}: {:?}", outcome(sql));
        }
    }

    #[test]
    fn the_leading_keyword() {
        assert_eq!(leading_keyword("vacuum"), "VACUUM");
        assert_eq!(leading_keyword("-- x"), "this statement");
        assert_eq!(leading_keyword("/* unclosed"), "this statement");
        assert_eq!(leading_keyword("(SELECT 1)"), "this statement");
        assert_eq!(
            statement_kind("/**/ create temp\n view v AS SELECT 1"),
            "CREATE TEMP VIEW"
        );
        assert_eq!(statement_kind("INSERT INTO t VALUES (1)"), "INSERT");
    }
}
