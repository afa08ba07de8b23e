//! One prepared statement driven through SQLite's C API, for the events' INSERT of an ingest:
//! its texts are bound with `SQLITE_STATIC`, so SQLite reads them where they lie instead of
//! copying each one first, as rusqlite's binding (`SQLITE_TRANSIENT`) always does.
//!
//! Why: the writer thread is the bound of a first ingest, and binding 15 values a row through
//! rusqlite was 7% of its samples, a third of that the copies (issue 39's profile).
//! `SQLITE_STATIC` promises that a bound text stays valid until the statement no longer
//! needs it; [`StaticInsert::execute`] keeps that promise by binding, stepping and resetting
//! inside one call that borrows the values, and by binding every parameter each time.

use std::ffi::{c_int, CStr};
use std::ptr;

use anyhow::{bail, Context, Result};
use rusqlite::ffi;
use rusqlite::types::ValueRef;
use rusqlite::Connection;

/// A statement of xcc's own that changes rows and returns none, prepared on `conn`.
pub struct StaticInsert<'c> {
    conn: &'c Connection,
    stmt: ptr::NonNull<ffi::sqlite3_stmt>,
    parameters: usize,
}

impl<'c> StaticInsert<'c> {
    pub fn new(conn: &'c Connection, sql: &str) -> Result<Self> {
        let mut stmt = ptr::null_mut();
        let length = c_int::try_from(sql.len()).context("a statement longer than 2 GiB")?;
        // SAFETY: the connection is open for as long as `conn` is borrowed, the text is
        // valid for `length` bytes, and `stmt` is a place for the result.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                conn.handle(),
                sql.as_ptr().cast(),
                length,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(last_error(conn, rc)).context("cannot prepare an INSERT of xcc's own");
        }
        let Some(stmt) = ptr::NonNull::new(stmt) else {
            bail!("an INSERT of xcc's own is an empty statement");
        };
        // SAFETY: `stmt` is the statement just prepared.
        let parameters = unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) } as usize;
        Ok(StaticInsert {
            conn,
            stmt,
            parameters,
        })
    }

    /// Binds `values` to the parameters in order (there must be as many), runs the
    /// statement to its end and resets it; returns the rows it changed.
    pub fn execute(&mut self, values: &[ValueRef<'_>]) -> Result<usize> {
        if values.len() != self.parameters {
            bail!(
                "the statement takes {} values, not {}",
                self.parameters,
                values.len()
            );
        }
        for (i, value) in values.iter().enumerate() {
            self.bind(i as c_int + 1, value)?;
        }
        let stmt = self.stmt.as_ptr();
        // SAFETY: every parameter was bound just now, from values borrowed for this call;
        // the reset below ends the statement's use of them before the call returns.
        let stepped = unsafe { ffi::sqlite3_step(stmt) };
        // SAFETY: `stmt` is this connection's prepared statement.
        let reset = unsafe { ffi::sqlite3_reset(stmt) };
        if stepped != ffi::SQLITE_DONE {
            return Err(last_error(self.conn, reset).into());
        }
        // SAFETY: the connection is open; the count is of the statement just run.
        Ok(unsafe { ffi::sqlite3_changes64(self.conn.handle()) } as usize)
    }

    fn bind(&mut self, index: c_int, value: &ValueRef<'_>) -> Result<()> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: `index` is in 1..=parameters; a text's or blob's bytes stay valid until
        // `execute` resets the statement (SQLITE_STATIC: SQLite does not copy them).
        let rc = unsafe {
            match *value {
                ValueRef::Null => ffi::sqlite3_bind_null(stmt, index),
                ValueRef::Integer(n) => ffi::sqlite3_bind_int64(stmt, index, n),
                ValueRef::Real(x) => ffi::sqlite3_bind_double(stmt, index, x),
                ValueRef::Text(bytes) => ffi::sqlite3_bind_text64(
                    stmt,
                    index,
                    bytes.as_ptr().cast(),
                    bytes.len() as u64,
                    ffi::SQLITE_STATIC(),
                    ffi::SQLITE_UTF8 as u8,
                ),
                ValueRef::Blob(bytes) => ffi::sqlite3_bind_blob64(
                    stmt,
                    index,
                    bytes.as_ptr().cast(),
                    bytes.len() as u64,
                    ffi::SQLITE_STATIC(),
                ),
            }
        };
        if rc != ffi::SQLITE_OK {
            return Err(last_error(self.conn, rc).into());
        }
        Ok(())
    }
}

impl Drop for StaticInsert<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared by `new` and is finalized once, here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The connection's last error as rusqlite gives it, so that callers recognise SQLite's codes
/// (a full disk, an interrupted statement, no memory) as they do for every other statement.
fn last_error(conn: &Connection, rc: c_int) -> rusqlite::Error {
    // SAFETY: the connection is open; SQLite's message is copied before any other call.
    let (code, message) = unsafe {
        let handle = conn.handle();
        let code = ffi::sqlite3_extended_errcode(handle);
        let message = CStr::from_ptr(ffi::sqlite3_errmsg(handle))
            .to_string_lossy()
            .into_owned();
        (if code == ffi::SQLITE_OK { rc } else { code }, message)
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a INTEGER PRIMARY KEY, b, c, d, e)")
            .unwrap();
        conn
    }

    #[test]
    fn every_kind_of_value_is_stored_as_bound_and_the_rows_changed_are_counted() {
        let conn = table();
        let mut insert =
            StaticInsert::new(&conn, "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)").unwrap();
        for a in [1, 2] {
            // Each row's text lives only for this iteration: SQLite must not keep it.
            let text = format!("row {a} ✓");
            let blob = vec![0u8, 255, a as u8];
            let values = [
                ValueRef::Integer(a),
                ValueRef::Text(text.as_bytes()),
                ValueRef::Blob(&blob),
                ValueRef::Real(0.5),
                ValueRef::Null,
            ];
            assert_eq!(insert.execute(&values).unwrap(), 1);
        }
        let mut read = conn.prepare("SELECT * FROM t ORDER BY a").unwrap();
        let rows: Vec<Vec<Value>> = read
            .query_map([], |r| (0..5).map(|i| r.get(i)).collect())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected = |a: i64| {
            vec![
                Value::Integer(a),
                Value::Text(format!("row {a} ✓")),
                Value::Blob(vec![0, 255, a as u8]),
                Value::Real(0.5),
                Value::Null,
            ]
        };
        assert_eq!(rows, [expected(1), expected(2)]);
    }

    #[test]
    fn an_empty_text_is_a_text_not_null() {
        let conn = table();
        let mut insert = StaticInsert::new(&conn, "INSERT INTO t (a, b) VALUES (?1, ?2)").unwrap();
        insert
            .execute(&[ValueRef::Integer(1), ValueRef::Text(b"")])
            .unwrap();
        let kind: String = conn
            .query_row("SELECT typeof(b) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kind, "text");
    }

    #[test]
    fn a_constraint_fails_with_sqlites_own_code_and_the_statement_runs_again() {
        let conn = table();
        let mut insert = StaticInsert::new(&conn, "INSERT INTO t (a) VALUES (?1)").unwrap();
        let ignored = "INSERT OR IGNORE INTO t (a) VALUES (?1)";
        let mut insert_if_new = StaticInsert::new(&conn, ignored).unwrap();
        insert.execute(&[ValueRef::Integer(7)]).unwrap();
        let error = insert.execute(&[ValueRef::Integer(7)]).unwrap_err();
        match error.downcast_ref::<rusqlite::Error>() {
            Some(rusqlite::Error::SqliteFailure(e, Some(message))) => {
                assert_eq!(e.extended_code, ffi::SQLITE_CONSTRAINT_PRIMARYKEY);
                assert!(message.contains("UNIQUE constraint failed"), "{message}");
            }
            other => panic!("not SQLite's error: {other:?}"),
        }
        // Reset after the failure, it stores the next row; a row ignored changes none.
        assert_eq!(insert.execute(&[ValueRef::Integer(8)]).unwrap(), 1);
        assert_eq!(insert_if_new.execute(&[ValueRef::Integer(8)]).unwrap(), 0);
    }

    #[test]
    fn too_few_or_too_many_values_are_refused_before_anything_is_bound() {
        let conn = table();
        let mut insert = StaticInsert::new(&conn, "INSERT INTO t (a, b) VALUES (?1, ?2)").unwrap();
        for values in [&[ValueRef::Integer(1)][..], &[ValueRef::Null; 3][..]] {
            let error = insert.execute(values).unwrap_err().to_string();
            assert!(error.contains("takes 2 values"), "{error}");
        }
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
    }

    #[test]
    fn a_statement_that_does_not_prepare_says_why() {
        let conn = table();
        let error = StaticInsert::new(&conn, "INSERT INTO nowhere VALUES (?1)")
            .err()
            .unwrap();
        assert!(
            format!("{error:#}").contains("no such table: nowhere"),
            "{error:#}"
        );
    }
}
