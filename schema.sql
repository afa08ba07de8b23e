-- xcc database schema, version 9 (older files are migrated in place: see src/upgrade/).
-- Applied once to a new file; `PRAGMA user_version` records the version so that a
-- database written by another xcc version is refused instead of misread.
-- Times: `*_us` columns are microseconds since 1970-01-01T00:00:00Z (sortable integers),
-- and the views show them as readable ISO-8601 UTC text (v_sessions.started_at, v_events.
-- timestamp). A text that only renders its integer is not stored (about 27 bytes a row,
-- measured on 680,000 real-shaped lines: the working file 13% smaller, a shared file 40 to
-- 50%). Generated columns would keep the text in the tables, but SQLite computes them on
-- every insert, which made a first ingest a third slower.

-- Every table has a rowid (none is WITHOUT ROWID): DuckDB's SQLite reader scans a table by
-- its rowid, and cannot read one without.

-- Key/value facts about the file itself (session timeout, schema version, tool version).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per `xcc ingest` run that committed. lines_read = stored + duplicates + rejected.
-- max_line_bytes is the --max-line-bytes the input was read with (NULL before schema version
-- 3). etag and last_modified are the validators a server sent with the body of a download
-- (NULL when it sent none, for a file or stdin, and before schema version 9): the next
-- ingest of the same URL sends them back, and a server that answers 304 Not Modified sends
-- no body. That ingest reads nothing, and unchanged_since names the ingest whose body is
-- unchanged. The columns sit where `ALTER TABLE … ADD COLUMN` put them in files made by older
-- versions, so that a migrated file's schema reads exactly like a new one's.
CREATE TABLE ingests (
    id           INTEGER PRIMARY KEY,
    source       TEXT    NOT NULL,
    started_at   TEXT    NOT NULL,
    finished_at  TEXT    NOT NULL,
    tool_version TEXT    NOT NULL,
    lines_read   INTEGER NOT NULL,
    stored       INTEGER NOT NULL,
    duplicates   INTEGER NOT NULL,
    rejected     INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    -- the earliest and latest timestamp among the events this ingest stored
    first_event_at TEXT,
    last_event_at  TEXT, max_line_bytes INTEGER, etag TEXT, last_modified TEXT, unchanged_since INTEGER REFERENCES ingests(id),
    CHECK (lines_read = stored + duplicates + rejected)
);

-- The input of each ingest of JSON lines, cut into blocks by its content: a block ends at
-- the first line break at or after 1 MiB from its start, or with the input. Inputs that begin
-- with the same bytes begin with the same blocks, so a later ingest of the same file, or of
-- the same file with lines appended, recognises those blocks by their hashes and does not
-- parse them again (src/input/blocks.rs).
CREATE TABLE ingest_blocks (
    ingest_id  INTEGER NOT NULL REFERENCES ingests(id),
    block      INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    end_line   INTEGER NOT NULL,
    records    INTEGER NOT NULL,
    hash       BLOB    NOT NULL,
    PRIMARY KEY (ingest_id, block)
);

-- The event types and the URLs (pages and referrers) of the events, each text stored once:
-- events holds their ids. The real file has 9 types and a few thousand URLs, most of them the
-- shop's own pages, against a million events; measured on 1M real-shaped lines, events and
-- their covering index take 46 MB less (v_events gives the text, exactly as written).
CREATE TABLE event_types (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
);

CREATE TABLE urls (
    id  INTEGER PRIMARY KEY,
    url TEXT    NOT NULL UNIQUE
);

-- Every accepted event. Fields without a column of their own are kept in `extra`.
-- The input's instant as UTC text with its fraction digits as given is v_events.timestamp:
-- `timestamp_given` when it differs from the rendering of ts_us as YYYY-MM-DDTHH:MM:SS.ffffffZ
-- (six digits, as in the real file), and NULL when it is that rendering, the usual case.
-- type_id, page_id and referrer_id name rows of event_types and urls; v_events gives the
-- event with its type, page and referrer as text. An IPv4 address written the usual way
-- (four numbers 0-255, no leading zeros) is the number ip_v4 (a·2^24 + b·2^16 + c·2^8 + d),
-- any other address the text ip as written; v_events.ip gives the text either way (measured
-- on 1M real-shaped lines, an address on every line: 7 MB less).
-- `id` has a unique index rather than being the rowid: input arrives in random id order, and
-- appending rows while only the small id index takes random inserts is several times faster.
CREATE TABLE events (
    id          INTEGER NOT NULL,
    type_id     INTEGER NOT NULL REFERENCES event_types(id),
    customer_id INTEGER,
    timestamp_given TEXT,
    ts_us       INTEGER NOT NULL,
    user_agent  TEXT,
    ip_v4       INTEGER,
    ip          TEXT,
    page_id     INTEGER REFERENCES urls(id),
    referrer_id INTEGER REFERENCES urls(id),
    query       TEXT,
    product     INTEGER,
    position    INTEGER,
    extra       TEXT,
    ingest_id   INTEGER NOT NULL REFERENCES ingests(id)
);

-- Sessionizing streams one customer's events in (timestamp, id) order from this index.
CREATE UNIQUE INDEX events_by_id ON events (id);

-- Covering, so that sessionizing never visits the table itself.
CREATE INDEX events_by_customer_time ON events
    (customer_id, ts_us, id, type_id, page_id, referrer_id)
    WHERE customer_id IS NOT NULL;

-- Lines that could not be stored, with why; nothing of the input is lost.
CREATE TABLE rejects (
    id          INTEGER PRIMARY KEY,
    ingest_id   INTEGER NOT NULL REFERENCES ingests(id),
    source      TEXT    NOT NULL,
    line_number INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    raw         BLOB    NOT NULL
);
-- A recognised block's rejects are copied from the ingest that read it first.
CREATE INDEX rejects_by_ingest_line ON rejects (ingest_id, line_number);

-- One row per session of a logged-in customer (see README: Sessions).
-- `id` is not the rowid: sessions are written in (customer_id, session_number) order, which
-- appends to the table and to sessions_by_customer, where keying the rows by their first
-- event's id would scatter every insert across the table.
CREATE TABLE sessions (
    id               INTEGER NOT NULL,
    customer_id      INTEGER NOT NULL,
    session_number   INTEGER NOT NULL,
    started_us       INTEGER NOT NULL,
    ended_us         INTEGER NOT NULL,
    duration_seconds REAL    NOT NULL,
    event_count      INTEGER NOT NULL,
    page_view_count  INTEGER NOT NULL,
    order_count      INTEGER NOT NULL,
    first_order_us   INTEGER,
    referrer         TEXT,
    referrer_host    TEXT,
    landing_page     TEXT
);
CREATE UNIQUE INDEX sessions_by_customer ON sessions (customer_id, session_number);

-- Covering indexes for the window functions of the order rows (queries/sessions/
-- order_visits.sql) and of the referrer figures, so that they read only index pages, in the
-- order the windows need. Up to version 6 a third one covered the sessions' times
-- (sessions_timeline); since the medians are read from the order rows, only the look-up of a
-- customer's session at an incremental ingest used it, which sessions_by_customer does as
-- fast, and it was 3 MB per 1M lines.
CREATE INDEX sessions_ordering ON sessions (customer_id, session_number) WHERE order_count > 0;
CREATE INDEX sessions_by_referrer_host ON sessions (referrer_host, duration_seconds, order_count);

-- The two order metrics per ordering session and per ordering customer: what the window
-- functions of queries/sessions/order_visits.sql and first_orders.sql give over `sessions`,
-- written again for a customer whenever their sessions are, in the same transaction. The
-- medians of GET /metrics/orders then read two small indexes in order instead of computing
-- windows over every session. v_order_visits and v_first_order show them.
CREATE TABLE order_visits (
    customer_id         INTEGER NOT NULL,
    order_number        INTEGER NOT NULL,
    session_id          INTEGER NOT NULL,
    session_number      INTEGER NOT NULL,
    visits_before_order INTEGER NOT NULL,
    PRIMARY KEY (customer_id, order_number)
);
CREATE INDEX order_visits_by_visits ON order_visits (visits_before_order);

CREATE TABLE first_orders (
    customer_id                INTEGER PRIMARY KEY,
    session_id                 INTEGER NOT NULL,
    sessions_until_first_order INTEGER NOT NULL,
    minutes_before_first_order REAL    NOT NULL
);
CREATE INDEX first_orders_by_minutes ON first_orders (minutes_before_first_order);

-- One row per `xcc ingest` or `xcc sessionize` that committed: the figures before and after
-- it (both medians of GET /metrics/orders, sessions, ordering sessions, customers, events)
-- and what changed, so that a number that moved can be explained. v_history shows it.
CREATE TABLE history (
    id                        INTEGER PRIMARY KEY,
    command                   TEXT    NOT NULL CHECK (command IN ('ingest', 'sessionize')),
    ingest_id                 INTEGER REFERENCES ingests(id),
    finished_at               TEXT    NOT NULL,
    timeout_seconds           INTEGER NOT NULL,
    median_visits_before      REAL,
    median_visits_after       REAL,
    median_minutes_before     REAL,
    median_minutes_after      REAL,
    sessions_before           INTEGER NOT NULL,
    sessions_after            INTEGER NOT NULL,
    ordering_sessions_before  INTEGER NOT NULL,
    ordering_sessions_after   INTEGER NOT NULL,
    customers_before          INTEGER NOT NULL,
    customers_after           INTEGER NOT NULL,
    events_before             INTEGER NOT NULL,
    events_after              INTEGER NOT NULL,
    new_events                INTEGER NOT NULL,
    late_events               INTEGER NOT NULL,
    customers_touched         INTEGER NOT NULL,
    sessions_rebuilt          INTEGER NOT NULL
);

-- GET /metrics/sensitivity as it was when xcc share or xcc dump wrote the file: one row per
-- session timeout, what `xcc sessionize --timeout T` and `xcc metrics orders` would give. A
-- working file keeps none (empty): xcc sweeps its events for the answer (src/sessions/sweep.rs)
-- and v_sensitivity computes it from them; a shared file, which may have no events, carries
-- the rows.
CREATE TABLE sensitivity (
    timeout_seconds                              INTEGER PRIMARY KEY,
    sessions                                     INTEGER NOT NULL,
    ordering_sessions                            INTEGER NOT NULL,
    median_visits_before_order                   REAL,
    median_session_duration_minutes_before_order REAL
);

-- What every table, view and column means, for people who open this file without the README.
-- kind is 'table', 'view' or 'column'; column_name is NULL on the rows about a whole table/view.
CREATE TABLE dictionary (
    name        TEXT NOT NULL,
    column_name TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('table', 'view', 'column')),
    description TEXT NOT NULL,
    UNIQUE (name, column_name)
);

-- One row per day (UTC) that a stored event falls on: its number of days since 1970-01-01
-- and its date. The views render a time from its microseconds as this date and the time of
-- day, which is arithmetic, because SQLite, DuckDB and PostgreSQL share no date function and
-- DuckDB reads a view of this file by running the view's SQL itself. Written with the events.
CREATE TABLE calendar (
    day  INTEGER PRIMARY KEY,
    date TEXT    NOT NULL
);

-- Never any row. Each view that computes a column ends with an arm
-- `UNION ALL SELECT … FROM column_types WHERE 1 = 0`, which adds no row: a reader that takes a
-- view's column types from its declaration (DuckDB's sqlite_scan, through the PRAGMA
-- table_info of its SQLite 3.38) gives a computed column no type, but takes a compound
-- view's types from its last arm, and so sees INTEGER, REAL and TEXT.
CREATE TABLE column_types (
    integer_value BIGINT,
    real_value    DOUBLE,
    text_value    TEXT
);
