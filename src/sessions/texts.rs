//! The texts behind the ids an ordered scan of the events reads: the type's name, the page's
//! and the referrer's URL. The scans read the ids from the covering index and look the texts
//! up here, from memory after the first time, instead of joining `event_types` and `urls`
//! for every event: a few types and a few thousand URLs serve hundreds of thousands of
//! events (measured on 1M real-shaped lines: a full rebuild's scan 0.04 s of ids against
//! 0.12 s with the joins).
//!
//! The memory is bounded as `store::codes` bounds it: past `REMEMBERED` texts of one table
//! it starts afresh and asks the table again.

use crate::queries;
use anyhow::{anyhow, Context, Result};
use foldhash::{HashMap, HashMapExt};
use rusqlite::{Connection, OptionalExtension, Statement};

use super::sessionizer::SessionEvent;

/// Texts remembered per table: at about 100 bytes each, at most some 10 MB.
const REMEMBERED: usize = 100_000;

/// The ids of one event as a scan reads them.
#[derive(Debug, Clone, Copy)]
pub struct EventIds {
    pub id: i64,
    pub ts_us: i64,
    pub type_id: i64,
    pub page_id: Option<i64>,
    pub referrer_id: Option<i64>,
}

/// The event types' and the URLs' texts, looked up inside the caller's transaction.
pub struct Texts<'c> {
    types: Remembered<'c>,
    urls: Remembered<'c>,
}

impl<'c> Texts<'c> {
    pub fn new(conn: &'c Connection) -> Result<Self> {
        Ok(Texts {
            types: Remembered::new(conn, "event_types", queries::sessions::EVENT_TYPE_NAME)?,
            urls: Remembered::new(conn, "urls", queries::sessions::URL_TEXT)?,
        })
    }

    /// The event as the sessionizer needs it, its texts borrowed from here. A type id with no
    /// row is an error (events.type_id is NOT NULL and references event_types); a URL id
    /// with no row reads as no URL, as the LEFT JOIN of `v_events` shows it.
    pub fn event(&mut self, ids: &EventIds) -> Result<SessionEvent<'_>> {
        self.types.learn(&[Some(ids.type_id)])?;
        self.urls.learn(&[ids.page_id, ids.referrer_id])?;
        let kind = self.types.text(Some(ids.type_id)).ok_or_else(|| {
            anyhow!(
                "event {} names event type {}, which event_types lacks",
                ids.id,
                ids.type_id
            )
        })?;
        Ok(SessionEvent {
            id: ids.id,
            ts_us: ids.ts_us,
            kind,
            page: self.urls.text(ids.page_id),
            referrer: self.urls.text(ids.referrer_id),
        })
    }
}

/// One table's texts by id; `None` remembers an id the table lacks.
struct Remembered<'c> {
    table: &'static str,
    texts: HashMap<i64, Option<String>>,
    find: Statement<'c>,
}

impl<'c> Remembered<'c> {
    fn new(conn: &'c Connection, table: &'static str, find: &str) -> Result<Self> {
        Ok(Remembered {
            table,
            texts: HashMap::new(),
            find: conn.prepare(find)?,
        })
    }

    /// Makes sure every id of one event is remembered; starting afresh, when it must, before
    /// any of them is added, so that all of them are there together.
    fn learn(&mut self, ids: &[Option<i64>]) -> Result<()> {
        let missing = || {
            ids.iter()
                .flatten()
                .filter(|id| !self.texts.contains_key(id))
        };
        if missing().next().is_none() {
            return Ok(());
        }
        if self.texts.len() + ids.len() > REMEMBERED {
            self.texts.clear();
        }
        for &id in ids.iter().flatten() {
            if self.texts.contains_key(&id) {
                continue;
            }
            let text = self
                .find
                .query_row([id], |row| row.get(0))
                .optional()
                .with_context(|| format!("cannot look up id {id} in {}", self.table))?;
            self.texts.insert(id, text);
        }
        Ok(())
    }

    fn text(&self, id: Option<i64>) -> Option<&str> {
        self.texts.get(&id?)?.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    fn file() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        schema::create(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO event_types (id, name) VALUES (1, 'page_view'), (2, 'placed_order');
             INSERT INTO urls (id, url) VALUES (7, 'https://xcc-webshop.com/cart'),
                                               (8, 'https://google.com');",
        )
        .unwrap();
        conn
    }

    fn ids(type_id: i64, page_id: Option<i64>, referrer_id: Option<i64>) -> EventIds {
        EventIds {
            id: 42,
            ts_us: 1_000,
            type_id,
            page_id,
            referrer_id,
        }
    }

    #[test]
    fn an_event_reads_the_texts_of_its_ids() {
        let conn = file();
        let mut texts = Texts::new(&conn).unwrap();
        let event = texts.event(&ids(1, Some(7), Some(8))).unwrap();
        assert_eq!(
            event,
            SessionEvent {
                id: 42,
                ts_us: 1_000,
                kind: "page_view",
                page: Some("https://xcc-webshop.com/cart"),
                referrer: Some("https://google.com"),
            }
        );
        let event = texts.event(&ids(2, None, None)).unwrap();
        assert_eq!(
            (event.kind, event.page, event.referrer),
            ("placed_order", None, None)
        );
    }

    #[test]
    fn a_url_id_without_a_row_is_no_url_and_a_type_id_without_one_is_an_error() {
        let conn = file();
        let mut texts = Texts::new(&conn).unwrap();
        let event = texts.event(&ids(1, Some(99), Some(8))).unwrap();
        assert_eq!(
            (event.page, event.referrer),
            (None, Some("https://google.com"))
        );
        let err = texts.event(&ids(5, None, None)).unwrap_err().to_string();
        assert_eq!(err, "event 42 names event type 5, which event_types lacks");
    }

    #[test]
    fn past_the_bound_it_starts_afresh_and_keeps_the_ids_of_the_event_at_hand() {
        let conn = file();
        let mut texts = Texts::new(&conn).unwrap();
        // Fill the memory to one below the bound with ids the table lacks.
        for id in 1_000..1_000 + REMEMBERED as i64 - 1 {
            texts.urls.learn(&[Some(id)]).unwrap();
        }
        assert_eq!(texts.urls.texts.len(), REMEMBERED - 1);
        // Two new ids do not fit: the memory starts afresh and holds both.
        let event = texts.event(&ids(1, Some(7), Some(8))).unwrap();
        assert_eq!(event.page, Some("https://xcc-webshop.com/cart"));
        assert_eq!(event.referrer, Some("https://google.com"));
        assert_eq!(texts.urls.texts.len(), 2);
    }
}
