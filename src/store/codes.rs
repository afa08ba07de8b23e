//! The ids of the texts that `event_types` and `urls` store once for many events: the writer
//! asks for the id of each event's type, page and referrer, and a text seen for the first
//! time gets a new row.
//!
//! The ids already asked for are remembered, so that an ingest of the real file looks up
//! a handful of types and a few thousand URLs once each. The memory is bounded: an input
//! whose URLs never repeat would otherwise keep every one of them; past `REMEMBERED` texts
//! it starts afresh and asks the table again (through its unique index).

use crate::queries;
use anyhow::{Context, Result};
use foldhash::{HashMap, HashMapExt};
use rusqlite::{Connection, OptionalExtension, Statement};

/// Texts remembered with their ids: at about 100 bytes each, at most some 10 MB.
const REMEMBERED: usize = 100_000;

/// One table of texts stored once.
pub struct Codes<'c> {
    table: &'static str,
    remembered: HashMap<String, i64>,
    find: Statement<'c>,
    add: Statement<'c>,
}

impl<'c> Codes<'c> {
    /// The event types, inside the caller's transaction.
    pub fn event_types(conn: &'c Connection) -> Result<Self> {
        Codes::new(
            conn,
            "event_types",
            queries::store::EVENT_TYPE_ID,
            queries::store::ADD_EVENT_TYPE,
        )
    }

    /// The page and referrer URLs, inside the caller's transaction.
    pub fn urls(conn: &'c Connection) -> Result<Self> {
        Codes::new(
            conn,
            "urls",
            queries::store::URL_ID,
            queries::store::ADD_URL,
        )
    }

    fn new(conn: &'c Connection, table: &'static str, find: &str, add: &str) -> Result<Self> {
        Ok(Codes {
            table,
            remembered: HashMap::new(),
            find: conn.prepare(find)?,
            add: conn.prepare(add)?,
        })
    }

    /// The id of `text`, which gets a row of its own if it has none yet.
    pub fn id(&mut self, text: &str) -> Result<i64> {
        if let Some(&id) = self.remembered.get(text) {
            return Ok(id);
        }
        let found = self
            .find
            .query_row([text], |row| row.get(0))
            .optional()
            .with_context(|| format!("cannot look up a text in {}", self.table))?;
        let id = match found {
            Some(id) => id,
            None => self
                .add
                .insert([text])
                .with_context(|| format!("cannot add a text to {}", self.table))?,
        };
        if self.remembered.len() >= REMEMBERED {
            self.remembered.clear();
        }
        self.remembered.insert(text.to_owned(), id);
        Ok(id)
    }

    /// The id of an optional text; NULL stays NULL.
    pub fn optional_id(&mut self, text: Option<&str>) -> Result<Option<i64>> {
        text.map(|t| self.id(t)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    #[test]
    fn a_text_gets_one_id_however_often_and_however_long_ago_it_was_asked_for() {
        let conn = Connection::open_in_memory().unwrap();
        schema::create(&conn).unwrap();
        let mut urls = Codes::urls(&conn).unwrap();
        let first = urls.id("https://xcc-webshop.com/cart").unwrap();
        let other = urls.id("https://google.com").unwrap();
        assert_ne!(first, other);
        assert_eq!(urls.id("https://xcc-webshop.com/cart").unwrap(), first);
        // Forgotten (as past REMEMBERED texts), the table still knows it.
        urls.remembered.clear();
        assert_eq!(urls.id("https://xcc-webshop.com/cart").unwrap(), first);
        // Another writer of the same file (the next ingest) finds the same ids.
        let mut again = Codes::urls(&conn).unwrap();
        assert_eq!(again.id("https://google.com").unwrap(), other);
        assert_eq!(again.optional_id(None).unwrap(), None);
        let count: i64 = conn
            .query_row("SELECT count(*) FROM urls", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 2);
    }

    #[test]
    fn the_memory_is_bounded() {
        let conn = Connection::open_in_memory().unwrap();
        schema::create(&conn).unwrap();
        let mut types = Codes::event_types(&conn).unwrap();
        for i in 0..REMEMBERED + 10 {
            types.id(&format!("type {i}")).unwrap();
        }
        assert!(types.remembered.len() <= REMEMBERED);
        // Every text kept its first id: ids are 1.. in the order of first sight.
        assert_eq!(types.id("type 0").unwrap(), 1);
        assert_eq!(
            types.id(&format!("type {}", REMEMBERED + 9)).unwrap(),
            REMEMBERED as i64 + 10
        );
    }
}
