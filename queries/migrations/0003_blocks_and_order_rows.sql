-- Schema version 2 -> 3: what makes a re-ingest and GET /metrics/orders cheap.
-- * ingests.max_line_bytes and ingest_blocks: the blocks of each input, which a later ingest of
--   the same bytes recognises instead of parsing them (older ingests have none; their inputs
--   are parsed once more and recorded then). rejects_by_ingest_line finds a block's rejects.
-- * order_visits and first_orders: the two order metrics per row, kept with the sessions; the
--   step fills them from the stored sessions (src/migrations.rs). The views v_order_visits and
--   v_first_order, made again after every step, read them.
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
