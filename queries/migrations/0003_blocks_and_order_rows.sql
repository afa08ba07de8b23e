-- Schema version 2 -> 3: what makes a re-ingest and GET /metrics/orders cheap.
-- * ingests.max_line_bytes and ingest_blocks: the blocks of each input, which a later ingest of
--   the same bytes recognises instead of parsing them (older ingests have none; their inputs
--   are parsed once more and recorded then). rejects_by_ingest_line finds a block's rejects.
-- * order_visits and first_orders: the two order metrics per row, kept with the sessions; the
--   step fills them from the stored sessions (src/migrations.rs). The views v_order_visits and
--   v_first_order, made again after every step, read them.
-- * history: the figures before and after every later ingest and sessionize (v_history).
-- Frozen: a later schema change is a new step, never an edit of this one.

ALTER TABLE ingests ADD COLUMN max_line_bytes INTEGER;

CREATE TABLE ingest_blocks (
    ingest_id  INTEGER NOT NULL REFERENCES ingests(id),
    block      INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    end_line   INTEGER NOT NULL,
    records    INTEGER NOT NULL,
    hash       BLOB    NOT NULL,
    PRIMARY KEY (ingest_id, block)
) WITHOUT ROWID;

CREATE INDEX rejects_by_ingest_line ON rejects (ingest_id, line_number);

CREATE TABLE order_visits (
    customer_id         INTEGER NOT NULL,
    order_number        INTEGER NOT NULL,
    session_id          INTEGER NOT NULL,
    session_number      INTEGER NOT NULL,
    visits_before_order INTEGER NOT NULL,
    PRIMARY KEY (customer_id, order_number)
) WITHOUT ROWID;
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
