//! Every connection xcc opens treats the file as someone else's, as SQLite's security page
//! ("Defense Against the Dark Arts") advises for database files from elsewhere: defensive
//! mode, an untrusted schema, cell size checks, lowered limits, a memory budget for the process
//! (`memory`), and a deadline for every statement, checked by a progress handler that Ctrl-C
//! ends too.
//! The .db travels by e-mail; a view in it can be made to loop or to eat memory.

use std::cell::Cell;
use std::fmt;
use std::time::{Duration, Instant};

use anyhow::Result;
use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::Connection;

use super::memory;
use crate::input::records::DEFAULT_MAX_RECORD_BYTES;

/// The progress handler runs every this many virtual machine steps: about every 10 µs to
/// 100 µs of work, so a deadline or a Ctrl-C is noticed at once, for a cost lost in noise.
const STEPS_PER_CHECK: i32 = 1000;

/// The value a file or an input may hold at most, beside `--max-line-bytes`: a margin for
/// what xcc stores around a raw line (its JSON of unknown fields, reasons).
const VALUE_MARGIN_BYTES: usize = 64 << 10;

/// The longest value a connection that reads may make or read: the default `--max-line-bytes`
/// and the margin. A constant, never a number in the file: a planted ledger value
/// (`max_line_bytes`) once raised it to 1 GiB for every reader. A reject kept by an ingest
/// with a larger `--max-line-bytes` is then too long to read here (`memory::TooLong` says so).
pub const READER_LENGTH_LIMIT: usize = DEFAULT_MAX_RECORD_BYTES + VALUE_MARGIN_BYTES;

/// The limits every connection gets, below SQLite's defaults and above what xcc's own
/// statements need (the analyst views are the largest: about 15 terms in a UNION, expressions
/// a few levels deep). `LENGTH` is set per connection: a writer's from the largest
/// `--max-line-bytes`, a reader's is [`READER_LENGTH_LIMIT`].
const LIMITS: [(Limit, i32); 9] = [
    (Limit::SQLITE_LIMIT_SQL_LENGTH, 1_000_000),
    (Limit::SQLITE_LIMIT_COLUMN, 200),
    (Limit::SQLITE_LIMIT_EXPR_DEPTH, 100),
    (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 50),
    (Limit::SQLITE_LIMIT_VDBE_OP, 250_000),
    (Limit::SQLITE_LIMIT_FUNCTION_ARG, 32),
    (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000),
    (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 100),
    (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 10),
];

/// Hardens a new connection: defensive mode, no trust in the file's schema (its views and
/// defaults may call only innocuous functions), cell size checks on every page read, the
/// limits above with values of at most `longest_value` bytes (plus a margin) and up to
/// `attached` attached files, and the deadline of [`within`] checked every few steps.
pub fn harden(conn: &mut Connection, longest_value: usize, attached: i32) -> Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.pragma_update(None, "cell_size_check", "ON")?;
    let length = longest_value
        .saturating_add(VALUE_MARGIN_BYTES)
        .min(i32::MAX as usize) as i32;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, length)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, attached)?;
    for (limit, value) in LIMITS {
        conn.set_limit(limit, value)?;
    }
    conn.progress_handler(STEPS_PER_CHECK, Some(should_stop))?;
    Ok(())
}

thread_local! {
    /// The deadline of the statements this thread runs, if any (see [`within`]).
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The progress handler: true (stop the statement) after the thread's deadline or Ctrl-C.
fn should_stop() -> bool {
    crate::interrupt::requested()
        || DEADLINE.with(|d| d.get().is_some_and(|at| Instant::now() >= at))
}

/// Runs `work` with a deadline of `limit` on every statement this thread runs meanwhile.
/// A statement stopped by it makes the result an error whose cause is [`TimedOut`] (the
/// server answers 503 for it); one stopped by Ctrl-C, [`Stopped`]; one stopped at the
/// memory budget or the length limit, `memory`'s sentences.
pub fn within<T>(limit: Duration, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let at = Instant::now() + limit;
    let outer = DEADLINE.with(|d| d.replace(Some(at)));
    let result = work();
    DEADLINE.with(|d| d.set(outer));
    result.map_err(|e| {
        if !was_interrupted(&e) {
            memory::explain(e)
        } else if crate::interrupt::requested() {
            anyhow::Error::new(Stopped)
        } else {
            anyhow::Error::new(TimedOut(limit))
        }
    })
}

/// Whether SQLite stopped a statement of this error through the progress handler.
fn was_interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::OperationInterrupted
        )
    })
}

/// A statement ran past its time limit and was stopped.
#[derive(Debug)]
pub struct TimedOut(pub Duration);

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let limit = if self.0.subsec_millis() == 0 {
            crate::format::duration::format_seconds(self.0.as_secs() as i64)
        } else {
            format!("{} ms", self.0.as_millis())
        };
        write!(
            f,
            "the query took longer than its time limit of {limit} and was stopped (--time-limit sets another)"
        )
    }
}

impl std::error::Error for TimedOut {}

/// A statement was stopped by Ctrl-C.
#[derive(Debug)]
pub struct Stopped;

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "stopped (Ctrl-C)")
    }
}

impl std::error::Error for Stopped {}

#[cfg(test)]
mod tests {
    use super::*;

    fn hardened() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        harden(&mut conn, 1 << 20, 0).unwrap();
        conn
    }

    /// An endless recursive query is stopped at its deadline, with the sentence of TimedOut.
    #[test]
    fn an_endless_statement_stops_at_its_deadline() {
        let conn = hardened();
        let started = Instant::now();
        let err = within(Duration::from_millis(200), || {
            Ok(conn.query_row(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
                [],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .unwrap_err();
        assert!(err.downcast_ref::<TimedOut>().is_some(), "{err:#}");
        assert!(started.elapsed() < Duration::from_secs(2));
        // The deadline ended with `within`: the connection works as before.
        let one: i64 = conn.query_row("SELECT 1", [], |r| r.get(0)).unwrap();
        assert_eq!(one, 1);
    }

    /// A value over the length limit is refused by SQLite before it is made.
    #[test]
    fn a_value_over_the_length_limit_is_refused() {
        let conn = hardened();
        let err = conn
            .query_row("SELECT length(zeroblob(900000000))", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_err();
        assert!(err.to_string().contains("too big"), "{err}");
    }

    /// Defensive mode refuses what could corrupt the file from SQL.
    #[test]
    fn writing_the_schema_by_hand_is_refused() {
        let conn = hardened();
        conn.execute_batch("CREATE TABLE t (x)").unwrap();
        assert!(conn
            .execute_batch("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'x'")
            .is_err());
    }
}
