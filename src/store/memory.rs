//! One memory bound for the process. A file from anyone, or a statement an analyst runs on
//! it, may ask for any amount of memory; SQLite's heap and what xcc itself holds of the data
//! count against one budget, so that whatever is asked, the process stays within it and a
//! statement that needs more fails with one sentence ([`OutOfMemory`]).
//!
//! The design, measured first (a 241 KB file drove `xcc query` to 2.36 GB: a ledger value
//! raised the length limit, and xcc copied each value while formatting it, a NUL as the six
//! bytes of its escape, outside SQLite's heap limit):
//! - the longest value SQLite may make or read in a process that reads is xcc's constant
//!   (`store::open`), never a number in the file;
//! - SQLite's hard heap limit is the budget less what xcc has reserved, so SQLite alone can
//!   never pass it and fails a statement that would with SQLITE_NOMEM;
//! - xcc reserves before it holds anything that grows with the data (a metric's answer, a
//!   cached answer, the table format's measured rows): a reservation that does not fit beside
//!   what SQLite uses now (`sqlite3_memory_used`) and what is reserved already is refused;
//! - CSV and JSON rows are written straight from SQLite's copy of each value (`rows`), so a
//!   value costs xcc no copy of its own.
//!
//! A process that writes (an ingest holds a raw line of up to 1 GiB twice) gets the writer's
//! budget instead; it runs only xcc's own statements.

use std::fmt;
use std::sync::Mutex;

/// The budget of a process that only reads (`query`, `export`, `metrics`, `report`, `serve`,
/// `verify`, `dump`): SQLite's heap and what xcc reserves together. Chosen so that the peak
/// resident size stays under 512 MB with the program itself, its stacks and allocators: a
/// `query` stopped at this limit peaked at 401 MiB (420 MB) of RSS.
pub const READER_BUDGET_BYTES: i64 = 384 << 20;

/// A writer's: room for its 32 MiB page cache and a raw line of the largest
/// `--max-line-bytes` (1 GiB) held twice while it is stored.
pub const WRITER_BUDGET_BYTES: i64 = 3 << 30;

/// The process's budget and what xcc has reserved of it: the arithmetic, apart from SQLite
/// so that it is tested alone.
#[derive(Debug, Default)]
struct Ledger {
    /// 0 until a file is opened: no limit (tests of the library, `xcc generate`).
    budget: i64,
    reserved: i64,
}

impl Ledger {
    /// Raises the budget to `bytes` unless it is higher already (`xcc share` reads and writes:
    /// it keeps the writer's); returns SQLite's limit after it.
    fn raise(&mut self, bytes: i64) -> i64 {
        self.budget = self.budget.max(bytes);
        self.sqlite_limit()
    }

    /// Reserves `bytes` if they fit beside `sqlite_used` and what is reserved; SQLite's new
    /// limit if so.
    fn reserve(&mut self, sqlite_used: i64, bytes: i64) -> Option<i64> {
        if self.budget > 0 && sqlite_used + self.reserved + bytes > self.budget {
            return None;
        }
        self.reserved += bytes;
        Some(self.sqlite_limit())
    }

    /// Gives `bytes` back; SQLite's limit after it.
    fn release(&mut self, bytes: i64) -> i64 {
        self.reserved -= bytes;
        self.sqlite_limit()
    }

    /// SQLite's hard heap limit: what the budget leaves beside xcc's reservations (0: none).
    fn sqlite_limit(&self) -> i64 {
        if self.budget == 0 {
            0
        } else {
            (self.budget - self.reserved).max(1)
        }
    }
}

static LEDGER: Mutex<Ledger> = Mutex::new(Ledger {
    budget: 0,
    reserved: 0,
});

fn ledger() -> std::sync::MutexGuard<'static, Ledger> {
    // The ledger is two numbers, consistent after every statement: a panic elsewhere while
    // it was held leaves nothing half done.
    LEDGER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn set_sqlite_limit(bytes: i64) {
    if bytes > 0 {
        // SAFETY: sqlite3_hard_heap_limit64 only sets a process-wide number.
        unsafe {
            rusqlite::ffi::sqlite3_hard_heap_limit64(bytes);
        }
    }
}

fn sqlite_used() -> i64 {
    // SAFETY: sqlite3_memory_used only reads SQLite's memory statistics.
    unsafe { rusqlite::ffi::sqlite3_memory_used() }
}

/// Sets the process's budget to `bytes` (and SQLite's hard heap limit with it), unless a
/// higher one is set.
pub fn raise_budget(bytes: i64) {
    let mut ledger = ledger();
    set_sqlite_limit(ledger.raise(bytes));
}

/// The budget in force; 0 for none.
pub fn budget() -> i64 {
    ledger().budget
}

/// Memory xcc holds of the budget, given back when dropped. Starts empty; [`grow`](Self::grow)
/// before holding more.
#[derive(Debug, Default)]
pub struct Reservation {
    bytes: i64,
}

impl Reservation {
    /// Reserves `bytes` more, or refuses them with the sentence of [`OutOfMemory`] when they
    /// do not fit beside what SQLite uses and what is reserved already.
    pub fn grow(&mut self, bytes: usize) -> Result<(), OutOfMemory> {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX / 2);
        let mut ledger = ledger();
        match ledger.reserve(sqlite_used(), bytes) {
            Some(limit) => {
                set_sqlite_limit(limit);
                self.bytes += bytes;
                Ok(())
            }
            None => Err(OutOfMemory(ledger.budget)),
        }
    }

    /// What is reserved.
    pub fn bytes(&self) -> usize {
        self.bytes as usize
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.bytes != 0 {
            set_sqlite_limit(ledger().release(self.bytes));
        }
    }
}

/// A statement, or what xcc would hold of its rows, needs more memory than the budget.
#[derive(Debug)]
pub struct OutOfMemory(pub i64);

impl OutOfMemory {
    /// The error for the budget in force.
    pub fn now() -> Self {
        OutOfMemory(budget())
    }
}

impl fmt::Display for OutOfMemory {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "the statement needs more memory than xcc allows itself ({} MiB, SQLite's and xcc's own together); ask for fewer or shorter values",
            self.0 >> 20
        )
    }
}

impl std::error::Error for OutOfMemory {}

/// A value longer than a reader's connection may make or read
/// ([`READER_LENGTH_LIMIT`](super::harden::READER_LENGTH_LIMIT)).
#[derive(Debug)]
pub struct TooLong;

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a value is longer than the {} bytes xcc reads or makes in one value (16 MiB, the default --max-line-bytes, and a margin); a longer line kept by an ingest with a larger --max-line-bytes can be read with sqlite3",
            crate::format::thousands(super::harden::READER_LENGTH_LIMIT as u64)
        )
    }
}

impl std::error::Error for TooLong {}

/// `e` in xcc's words when SQLite stopped its statement at a limit of this module: the heap
/// (SQLITE_NOMEM) or the length of a value (SQLITE_TOOBIG, "string or blob too big"; a
/// statement's text over its own limit keeps SQLite's words, "statement too long").
pub fn explain(e: anyhow::Error) -> anyhow::Error {
    let code = e
        .chain()
        .find_map(|c| match c.downcast_ref::<rusqlite::Error>() {
            Some(rusqlite::Error::SqliteFailure(f, message)) => Some((f.code, message.clone())),
            _ => None,
        });
    match code {
        Some((rusqlite::ErrorCode::OutOfMemory, _)) => OutOfMemory::now().into(),
        Some((rusqlite::ErrorCode::TooBig, message))
            if message
                .as_deref()
                .is_none_or(|m| m == "string or blob too big") =>
        {
            TooLong.into()
        }
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100 bytes of budget: SQLite uses 60; 30 more fit, 11 more do not (60 + 30 + 11 > 100),
    /// and SQLite's limit is what the reservations leave.
    #[test]
    fn a_reservation_fits_beside_what_sqlite_uses_or_is_refused() {
        let mut ledger = Ledger::default();
        assert_eq!(ledger.raise(100), 100);
        assert_eq!(ledger.reserve(60, 30), Some(70));
        assert_eq!(ledger.reserve(60, 11), None);
        assert_eq!(ledger.reserve(60, 10), Some(60));
        assert_eq!(ledger.release(30), 90);
        assert_eq!(ledger.release(10), 100);
    }

    /// No budget (nothing opened yet): anything is reserved and SQLite gets no limit; a lower
    /// budget never replaces a higher one (a command that reads and writes keeps the
    /// writer's).
    #[test]
    fn without_a_budget_nothing_is_refused_and_a_budget_is_only_raised() {
        let mut ledger = Ledger::default();
        assert_eq!(ledger.reserve(1 << 40, 1 << 40), Some(0));
        assert_eq!(ledger.release(1 << 40), 0);
        assert_eq!(ledger.raise(WRITER_BUDGET_BYTES), WRITER_BUDGET_BYTES);
        assert_eq!(ledger.raise(READER_BUDGET_BYTES), WRITER_BUDGET_BYTES);
    }

    #[test]
    fn the_sentences_name_the_limits() {
        assert_eq!(
            OutOfMemory(384 << 20).to_string(),
            "the statement needs more memory than xcc allows itself (384 MiB, SQLite's and xcc's own together); ask for fewer or shorter values"
        );
        // 16 MiB and 64 KiB: 16,777,216 + 65,536.
        assert!(TooLong
            .to_string()
            .starts_with("a value is longer than the 16,842,752 bytes xcc reads"));
    }

    /// SQLite's own errors at a limit become the sentences; a statement too long keeps its.
    #[test]
    fn sqlite_errors_at_a_limit_are_said_in_xccs_words() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH, 1000)
            .unwrap();
        let long = conn
            .query_row("SELECT zeroblob(2000)", [], |r| r.get::<_, Vec<u8>>(0))
            .unwrap_err();
        let e = explain(long.into());
        assert!(e.downcast_ref::<TooLong>().is_some(), "{e}");
        let sql = format!("SELECT '{}'", "x".repeat(2000));
        conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_SQL_LENGTH, 1000)
            .unwrap();
        let statement = conn.prepare(&sql).map(|_| ()).unwrap_err();
        let e = explain(statement.into());
        assert!(e.to_string().contains("too long"), "{e}");
        assert!(e.downcast_ref::<TooLong>().is_none());
    }
}
