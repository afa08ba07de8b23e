//! The `events` table: the writer that stores one validated event and says whether it was
//! new, a duplicate of the stored event with that id, or a conflict with it.
//!
//! Into an empty file, the writer drops the table's indexes and builds them once at the end
//! (a sort) instead of taking a random insert per event. Meanwhile an [`IdSet`] tells new ids
//! from repeated ones; at the first repeat (or when the set runs out of room) the id index is
//! built on the spot and the ordinary path, which compares with the stored event, takes over.

use crate::queries;
use anyhow::{anyhow, Result};
use rusqlite::types::ValueRef;
use rusqlite::{CachedStatement, Connection, OptionalExtension};

use super::calendar::Days;
use super::codes::Codes;
use super::id_set::{IdSet, Insert};
use super::ip;
use super::schema::{self, DEFERRABLE_EVENT_INDEXES};
use super::static_insert::StaticInsert;
use crate::input::event::Event;

/// 2,048 pages of 8 KiB: dense ids up to 134 million, at most 16 MiB.
pub const ID_SET_PAGES: usize = 2048;
/// The columns of `events` that hold the event itself; `ingest_id` follows them.
const EVENT_COLUMNS: usize = 14;

/// What became of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Stored,
    /// The same id with the same content is already stored.
    Duplicate,
    /// The same id with different content is already stored; it stays.
    Conflict,
}

/// Stores the events of one ingest, inside the caller's transaction.
pub struct EventWriter<'c> {
    conn: &'c Connection,
    ingest_id: i64,
    /// Whether the table was empty and its indexes were dropped for a bulk load.
    bulk_load: bool,
    /// The ids seen so far while the unique id index is deferred; None once it exists.
    new_ids: Option<IdSet>,
    append: StaticInsert<'c>,
    /// Prepared only once the unique id index exists: `ON CONFLICT` needs it.
    insert_if_new: Option<StaticInsert<'c>>,
    stored: CachedStatement<'c>,
    /// The ids of the types and of the page and referrer URLs.
    types: Codes<'c>,
    urls: Codes<'c>,
    /// Whether the last event that took the ordinary path was already stored.
    in_repeats: bool,
    /// The days the events fall on, for the table `calendar`.
    days: Days,
}

impl<'c> EventWriter<'c> {
    /// A writer for the ingest `ingest_id`. Into an empty table it takes the bulk-load path;
    /// inside the caller's transaction, so a failed load gets the indexes back by rolling back.
    pub fn new(conn: &'c Connection, ingest_id: i64) -> Result<Self> {
        let bulk_load = super::events_empty(conn)?;
        if bulk_load {
            for name in DEFERRABLE_EVENT_INDEXES {
                schema::drop_index(conn, name)?;
            }
        }
        Ok(EventWriter {
            conn,
            ingest_id,
            bulk_load,
            new_ids: bulk_load.then(|| IdSet::new(ID_SET_PAGES)),
            append: StaticInsert::new(conn, queries::store::INSERT_EVENT)?,
            insert_if_new: None,
            stored: conn.prepare_cached(queries::store::STORED_EVENT)?,
            types: Codes::event_types(conn)?,
            urls: Codes::urls(conn)?,
            in_repeats: false,
            days: Days::default(),
        })
    }

    /// Whether this is the first load into an empty table.
    pub fn is_bulk_load(&self) -> bool {
        self.bulk_load
    }

    pub fn write(&mut self, event: &Event) -> Result<Written> {
        let ids = Ids {
            type_id: self.types.id(&event.kind)?,
            ip_v4: event.ip.as_deref().and_then(ip::packed),
            page_id: self.urls.optional_id(event.page.as_deref())?,
            referrer_id: self.urls.optional_id(event.referrer.as_deref())?,
        };
        // Every event's day, stored or not: a day already in the calendar costs nothing.
        self.days.note(event.ts_us);
        let values = row_values(event, &ids, self.ingest_id);
        if self.known_new(event.id)? {
            self.append.execute(&values)?;
            return Ok(Written::Stored);
        }
        let content = &values[..EVENT_COLUMNS];
        // In a run of repeated events (a file read again), looking the id up first saves
        // the insert that would fail; in a run of new ones, inserting first saves the lookup.
        if self.in_repeats {
            match self.compare_with_stored(event.id, content)? {
                Some(same) => return Ok(same_or_conflict(same)),
                None => {
                    self.in_repeats = false;
                    self.append.execute(&values)?;
                    return Ok(Written::Stored);
                }
            }
        }
        if self.insert_if_new()?.execute(&values)? == 1 {
            return Ok(Written::Stored);
        }
        self.in_repeats = true;
        match self.compare_with_stored(event.id, content)? {
            Some(same) => Ok(same_or_conflict(same)),
            None => Err(anyhow!("event {} vanished during the ingest", event.id)),
        }
    }

    /// Writes the days of the calendar and builds the indexes a bulk load deferred.
    pub fn finish(self) -> Result<()> {
        self.days.write(self.conn)?;
        if self.new_ids.is_some() {
            schema::create_index(self.conn, "events_by_id")?;
        }
        if self.bulk_load {
            schema::create_index(self.conn, "events_by_customer_time")?;
        }
        Ok(())
    }

    /// Whether `id` is certainly not stored yet, which only the bulk-load path can tell.
    fn known_new(&mut self, id: i64) -> Result<bool> {
        match self.new_ids.as_mut().map(|set| set.insert(id)) {
            None => Ok(false),
            Some(Insert::New) => Ok(true),
            Some(Insert::Seen) => self.index_ids_from_now(),
            Some(Insert::Full) => {
                // Debug builds only (the ones `cargo test` runs): a test asks to see this
                // fallback, which otherwise shows only in speed and memory.
                #[cfg(debug_assertions)]
                if std::env::var_os("XCC_TEST_SAY_ID_SET_FULL").is_some() {
                    eprintln!("xcc: test: the id set is full at event {id}");
                }
                self.index_ids_from_now()
            }
        }
    }

    /// Builds the unique id index that the bulk load deferred, and stops using the id set.
    fn index_ids_from_now(&mut self) -> Result<bool> {
        schema::create_index(self.conn, "events_by_id")?;
        self.new_ids = None;
        Ok(false)
    }

    fn insert_if_new(&mut self) -> Result<&mut StaticInsert<'c>> {
        Ok(match &mut self.insert_if_new {
            Some(statement) => statement,
            none => none.insert(StaticInsert::new(
                self.conn,
                queries::store::INSERT_EVENT_IF_NEW,
            )?),
        })
    }

    /// Compares the stored event with the id column by column, without reading it into
    /// owned values; `None` when no event with the id is stored.
    fn compare_with_stored(&mut self, id: i64, values: &[ValueRef]) -> Result<Option<bool>> {
        Ok(self
            .stored
            .query_row([id], |row| {
                for (i, value) in values.iter().enumerate() {
                    if row.get_ref(i)? != *value {
                        return Ok(false);
                    }
                }
                Ok(true)
            })
            .optional()?)
    }
}

fn same_or_conflict(same: bool) -> Written {
    if same {
        Written::Duplicate
    } else {
        Written::Conflict
    }
}

/// The ids of an event's texts in event_types and urls, and its packed IPv4 address.
struct Ids {
    type_id: i64,
    ip_v4: Option<i64>,
    page_id: Option<i64>,
    referrer_id: Option<i64>,
}

/// One row of `events`, in the order of the table's columns in schema.sql.
fn row_values<'e>(e: &'e Event, ids: &Ids, ingest_id: i64) -> [ValueRef<'e>; EVENT_COLUMNS + 1] {
    fn text(s: &Option<String>) -> ValueRef<'_> {
        s.as_deref().map_or(ValueRef::Null, ValueRef::from)
    }
    fn integer<'a>(n: Option<i64>) -> ValueRef<'a> {
        n.map_or(ValueRef::Null, ValueRef::Integer)
    }
    [
        ValueRef::Integer(e.id),
        ValueRef::Integer(ids.type_id),
        integer(e.customer_id),
        // NULL when the input's text is what v_events renders from ts_us anyway (schema.sql).
        text(&e.timestamp_given),
        ValueRef::Integer(e.ts_us),
        text(&e.user_agent),
        integer(ids.ip_v4),
        // Only an address that ip_v4 does not hold (store/ip.rs).
        if ids.ip_v4.is_some() {
            ValueRef::Null
        } else {
            text(&e.ip)
        },
        integer(ids.page_id),
        integer(ids.referrer_id),
        text(&e.query),
        integer(e.product),
        integer(e.position),
        text(&e.extra),
        ValueRef::Integer(ingest_id),
    ]
}

/// Whether no event is stored yet: the first load, which takes the bulk-load path.
pub fn events_empty(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(queries::store::EVENTS_EMPTY, [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ingests, schema};

    fn event(id: i64) -> Event {
        Event {
            id,
            kind: "page_view".into(),
            customer_id: Some(7),
            timestamp_given: None,
            ts_us: 1_653_457_443_648_681,
            user_agent: Some("UA".into()),
            ip: None,
            page: Some("https://xcc-webshop.com/".into()),
            referrer: Some("https://google.com/".into()),
            query: Some("shoes".into()),
            product: Some(12),
            position: Some(3),
            extra: Some(r#"{"event":{"colour":"red"}}"#.into()),
        }
    }

    /// A new file with one ingest row, and one event already stored in it.
    fn store_with_one_event(conn: &Connection) -> i64 {
        schema::create(conn).unwrap();
        let ingest = ingests::start(
            conn,
            "test",
            "2026-01-01T00:00:00.000000Z",
            1 << 20,
            &Default::default(),
        )
        .unwrap();
        let mut writer = EventWriter::new(conn, ingest).unwrap();
        assert!(writer.is_bulk_load());
        assert_eq!(writer.write(&event(1)).unwrap(), Written::Stored);
        writer.finish().unwrap();
        ingest
    }

    #[test]
    fn values_land_in_the_columns_of_their_names() {
        use rusqlite::types::Value;
        let conn = Connection::open_in_memory().unwrap();
        let ingest = store_with_one_event(&conn);
        let e = event(1);
        let text = |s: &str| Value::Text(s.to_string());
        let expected = [
            ("id", Value::Integer(1)),
            // The first type and the first two URLs of a new file: ids 1, 1 and 2.
            ("type_id", Value::Integer(1)),
            ("customer_id", Value::Integer(7)),
            // 2022-05-25T05:44:03.648681Z is the six-digit rendering of its ts_us
            // (1,653,457,443 s = 19,137 days after 1970-01-01 = 2022-05-25, plus 20,643 s =
            // 05:44:03): v_events renders it, nothing is stored.
            ("timestamp_given", Value::Null),
            ("ts_us", Value::Integer(e.ts_us)),
            ("user_agent", text("UA")),
            ("ip_v4", Value::Null),
            ("ip", Value::Null),
            ("page_id", Value::Integer(1)),
            ("referrer_id", Value::Integer(2)),
            ("query", text("shoes")),
            ("product", Value::Integer(12)),
            ("position", Value::Integer(3)),
            ("extra", text(r#"{"event":{"colour":"red"}}"#)),
            ("ingest_id", Value::Integer(ingest)),
        ];
        for (column, value) in expected {
            let stored: Value = conn
                .query_row(&format!("SELECT {column} FROM events"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(stored, value, "{column}");
        }
        for (column, value) in [
            ("type", text(&e.kind)),
            ("page", text("https://xcc-webshop.com/")),
            ("referrer", text("https://google.com/")),
        ] {
            let shown: Value = conn
                .query_row(&format!("SELECT {column} FROM v_events"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(shown, value, "v_events.{column}");
        }
    }

    #[test]
    fn an_ipv4_address_written_the_usual_way_is_a_number_and_reads_back_as_written() {
        use rusqlite::types::Value;
        let conn = Connection::open_in_memory().unwrap();
        let ingest = store_with_one_event(&conn);
        let mut writer = EventWriter::new(&conn, ingest).unwrap();
        for (id, text, packed) in [
            // 5·2^24 + 108·2^16 + 1·2^8 + 50
            (2, "5.108.1.50", Value::Integer(90_964_274)),
            (3, "010.1.1.1", Value::Null),
            (4, "2001:db8::1", Value::Null),
        ] {
            let e = Event {
                ip: Some(text.into()),
                ..event(id)
            };
            assert_eq!(writer.write(&e).unwrap(), Written::Stored);
            let (shown, v4, kept): (String, Value, Value) = conn
                .query_row(
                    "SELECT e.ip, s.ip_v4, s.ip
                     FROM v_events AS e JOIN events AS s USING (id) WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            assert_eq!(shown, text);
            let kept_text = if packed == Value::Null {
                Value::Text(text.into())
            } else {
                Value::Null
            };
            assert_eq!((v4, kept), (packed, kept_text));
            assert_eq!(writer.write(&e).unwrap(), Written::Duplicate);
        }
    }

    #[test]
    fn a_timestamp_with_other_digits_is_stored_and_read_back_as_written() {
        use rusqlite::types::Value;
        let conn = Connection::open_in_memory().unwrap();
        let ingest = store_with_one_event(&conn);
        let mut writer = EventWriter::new(&conn, ingest).unwrap();
        for (id, text, ts_us) in [
            // Three digits and none: the same instants as six digits would render otherwise.
            (2, "2022-05-25T05:44:03.648Z", 1_653_457_443_648_000),
            (3, "2022-05-25T05:44:03Z", 1_653_457_443_000_000),
        ] {
            let e = Event {
                timestamp_given: Some(text.into()),
                ts_us,
                ..event(id)
            };
            assert_eq!(writer.write(&e).unwrap(), Written::Stored);
            let (timestamp, given): (String, Value) = conn
                .query_row(
                    "SELECT e.timestamp, s.timestamp_given
                     FROM v_events AS e JOIN events AS s USING (id) WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!(timestamp, text);
            assert_eq!(given, Value::Text(text.into()));
            // Read again, it is the same event.
            assert_eq!(writer.write(&e).unwrap(), Written::Duplicate);
        }
    }

    #[test]
    fn a_repeated_id_is_a_duplicate_or_a_conflict() {
        let conn = Connection::open_in_memory().unwrap();
        let ingest = store_with_one_event(&conn);
        let mut writer = EventWriter::new(&conn, ingest).unwrap();
        assert!(!writer.is_bulk_load());
        assert_eq!(writer.write(&event(1)).unwrap(), Written::Duplicate);
        let mut changed = event(1);
        changed.ip = Some("1.2.3.4".into());
        assert_eq!(writer.write(&changed).unwrap(), Written::Conflict);
        assert_eq!(writer.write(&event(2)).unwrap(), Written::Stored);
    }

    #[test]
    fn runs_of_new_and_repeated_ids_in_any_order_are_told_apart() {
        // Each switch between a new id and a stored one crosses from one way of checking
        // (insert first, look up first) to the other; every answer must stay right.
        let conn = Connection::open_in_memory().unwrap();
        let ingest = store_with_one_event(&conn);
        let mut writer = EventWriter::new(&conn, ingest).unwrap();
        let mut changed = event(1);
        changed.query = None;
        let steps = [
            (event(2), Written::Stored),
            (event(1), Written::Duplicate),
            (event(2), Written::Duplicate),
            (changed.clone(), Written::Conflict),
            (event(3), Written::Stored),
            (event(4), Written::Stored),
            (changed, Written::Conflict),
            (event(5), Written::Stored),
            (event(3), Written::Duplicate),
        ];
        for (i, (e, expected)) in steps.iter().enumerate() {
            assert_eq!(writer.write(e).unwrap(), *expected, "step {i}");
        }
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM events ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_repeat_within_a_bulk_load_is_recognised() {
        let conn = Connection::open_in_memory().unwrap();
        schema::create(&conn).unwrap();
        let ingest = ingests::start(
            &conn,
            "test",
            "2026-01-01T00:00:00.000000Z",
            1 << 20,
            &Default::default(),
        )
        .unwrap();
        let mut writer = EventWriter::new(&conn, ingest).unwrap();
        assert_eq!(writer.write(&event(5)).unwrap(), Written::Stored);
        assert_eq!(writer.write(&event(5)).unwrap(), Written::Duplicate);
        assert_eq!(writer.write(&event(6)).unwrap(), Written::Stored);
        writer.finish().unwrap();
        let count: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 2);
    }
}
