//! The table `calendar`: one row per day that a stored event falls on, with its date. The
//! views render a time as that date and its time of day, because SQLite, DuckDB and
//! PostgreSQL share no date function (see schema.sql); the dates come from the `time` crate.

use std::collections::BTreeSet;

use anyhow::{anyhow, Result};
use rusqlite::{params, Connection};

use crate::format::calendar::{date_of_day, day_of_micros};
use crate::queries;

/// The days of the events a writer stored, to be written with them.
#[derive(Debug, Default)]
pub struct Days(BTreeSet<i64>);

impl Days {
    /// Notes the day of a time in microseconds since the epoch.
    pub fn note(&mut self, micros: i64) {
        self.0.insert(day_of_micros(micros));
    }

    /// Adds the days the table lacks.
    pub fn write(&self, conn: &Connection) -> Result<()> {
        let mut insert = conn.prepare_cached(queries::store::ADD_DAY)?;
        for &day in &self.0 {
            // The parser lets in only the years 0 to 9999, which `time` dates.
            let date = date_of_day(day).ok_or_else(|| anyhow!("day {day} has no date"))?;
            insert.execute(params![day, date])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Days are written once each, with their dates (2022-04-20 is day 19,102: see
    /// `format::calendar`'s test), and a day already there stays as it is.
    #[test]
    fn each_day_is_written_once_with_its_date() {
        let conn = Connection::open_in_memory().unwrap();
        crate::store::schema::create(&conn).unwrap();
        let mut days = Days::default();
        let day_us = 86_400_000_000_i64;
        for micros in [19_102 * day_us, 19_102 * day_us + 5, -1] {
            days.note(micros);
        }
        days.write(&conn).unwrap();
        days.write(&conn).unwrap();
        let rows: Vec<(i64, String)> = conn
            .prepare("SELECT day, date FROM calendar ORDER BY day")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (-1, "1969-12-31".to_string()),
                (19_102, "2022-04-20".to_string())
            ]
        );
    }
}
