//! Every connection xcc opens treats the file as someone else's, as SQLite's security page
//! ("Defense Against the Dark Arts") advises for database files from elsewhere: defensive
//! mode, an untrusted schema, cell size checks, lowered limits, a heap limit for the process,
//! and a deadline for every statement, checked by a progress handler that Ctrl-C ends too.
//! The .db travels by e-mail; a view in it can be made to loop or to eat memory.

use std::cell::Cell;
use std::fmt;
use std::time::{Duration, Instant};

use anyhow::Result;
use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::Connection;

/// What SQLite may allocate in a process that only reads: far above what xcc's statements
/// need (a few MiB of page cache per connection, sorts that spill to temporary files), far
/// below a machine's memory, so that a statement that wants more (a view in a hostile file)
/// fails with one sentence instead of taking the machine.
pub const READER_HEAP_LIMIT_BYTES: i64 = 512 << 20;

/// A writer's: room for its 32 MiB page cache and a raw line of the largest
/// `--max-line-bytes` (1 GiB) held twice while it is stored.
pub const WRITER_HEAP_LIMIT_BYTES: i64 = 3 << 30;

/// The progress handler runs every this many virtual machine steps: about every 10 µs to
/// 100 µs of work, so a deadline or a Ctrl-C is noticed at once, for a cost lost in noise.
const STEPS_PER_CHECK: i32 = 1000;

/// The value a file or an input may hold at most, beside `--max-line-bytes`: a margin for
/// what xcc stores around a raw line (its JSON of unknown fields, reasons).
const VALUE_MARGIN_BYTES: usize = 64 << 10;

/// The limits every connection gets, below SQLite's defaults and above what xcc's own
/// statements need (the analyst views are the largest: about 15 terms in a UNION, expressions
/// a few levels deep). `LENGTH` is set per connection from the longest value it may read.
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

/// Sets SQLite's hard heap limit for the process to `bytes`, unless a higher one is set
/// (a command that both reads and writes, like `xcc share`, keeps the writer's).
pub fn raise_heap_limit(bytes: i64) {
    // SAFETY: sqlite3_hard_heap_limit64 only reads (with -1) or sets a process-wide number.
    unsafe {
        let current = rusqlite::ffi::sqlite3_hard_heap_limit64(-1);
        if current == 0 || current < bytes {
            rusqlite::ffi::sqlite3_hard_heap_limit64(bytes);
        }
    }
}

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
/// server answers 503 for it); one stopped by Ctrl-C, [`Stopped`].
pub fn within<T>(limit: Duration, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let at = Instant::now() + limit;
    let outer = DEADLINE.with(|d| d.replace(Some(at)));
    let result = work();
    DEADLINE.with(|d| d.set(outer));
    result.map_err(|e| {
        if !was_interrupted(&e) {
            e
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
