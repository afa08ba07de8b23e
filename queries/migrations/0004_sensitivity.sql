-- Schema version 3 -> 4: the figures of GET /metrics/sensitivity, per customer and timeout
-- (sensitivity_customers) and per ordering session and timeout (sensitivity_orders). The step
-- fills them by sweeping every customer's stored events (src/migrations.rs); the view
-- v_sensitivity, made again after every step, reads them.
-- Frozen: a later schema change is a new step, never an edit of this one.

CREATE TABLE sensitivity_customers (
    customer_id                INTEGER NOT NULL,
    timeout_minutes            INTEGER NOT NULL,
    sessions                   INTEGER NOT NULL,
    ordering_sessions          INTEGER NOT NULL,
    minutes_before_first_order REAL,
    last_event_us              INTEGER NOT NULL,
    session_started_us         INTEGER NOT NULL,
    session_ordering           INTEGER NOT NULL,
    last_ordering_session      INTEGER NOT NULL,
    closed_us                  INTEGER NOT NULL,
    before_first_order_us      INTEGER,
    PRIMARY KEY (customer_id, timeout_minutes)
) WITHOUT ROWID;

-- One row per ordering session at each timeout of sensitivity_customers: the visits before
-- that order, as order_visits has them at the file's own timeout.
CREATE TABLE sensitivity_orders (
    customer_id         INTEGER NOT NULL,
    timeout_minutes     INTEGER NOT NULL,
    order_number        INTEGER NOT NULL,
    visits_before_order INTEGER NOT NULL,
    PRIMARY KEY (customer_id, timeout_minutes, order_number)
) WITHOUT ROWID;
