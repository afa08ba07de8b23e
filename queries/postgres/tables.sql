-- The tables of schema.sql for PostgreSQL (`xcc dump --dialect postgres`): the same names and
-- columns in the same order (a test checks it), with PostgreSQL's types. The `*_us` columns
-- stay microseconds since 1970 (bigint); the readable times beside them, text in SQLite,
-- are timestamptz here. events.timestamp stays text: it keeps every digit of the input
-- (up to 9 fraction digits), and ts_us is the instant. Unknown fields (`extra`) are json,
-- which keeps the text as written (key order, numbers). Run inside the dump's schema.
-- Keys and references are added after the rows are loaded (constraints.sql), as pg_restore
-- does: checked once over the table instead of once per row.

CREATE TABLE meta (
    key   text NOT NULL,
    value text NOT NULL
);

CREATE TABLE ingests (
    id             bigint      NOT NULL,
    source         text        NOT NULL,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz NOT NULL,
    tool_version   text        NOT NULL,
    lines_read     bigint      NOT NULL,
    stored         bigint      NOT NULL,
    duplicates     bigint      NOT NULL,
    rejected       bigint      NOT NULL,
    bytes          bigint      NOT NULL,
    first_event_at timestamptz,
    last_event_at  timestamptz,
    max_line_bytes bigint,
    etag           text,
    last_modified  text,
    unchanged_since bigint,
    CHECK (lines_read = stored + duplicates + rejected)
);

CREATE TABLE ingest_blocks (
    ingest_id  bigint NOT NULL,
    block      bigint NOT NULL,
    end_offset bigint NOT NULL,
    end_line   bigint NOT NULL,
    records    bigint NOT NULL,
    hash       bytea  NOT NULL
);

CREATE TABLE events (
    id          bigint NOT NULL,
    type        text   NOT NULL,
    customer_id bigint,
    timestamp   text   NOT NULL,
    ts_us       bigint NOT NULL,
    user_agent  text,
    ip          text,
    page        text,
    referrer    text,
    query       text,
    product     bigint,
    position    bigint,
    extra       json,
    ingest_id   bigint NOT NULL
);

CREATE TABLE rejects (
    id          bigint NOT NULL,
    ingest_id   bigint NOT NULL,
    source      text   NOT NULL,
    line_number bigint NOT NULL,
    reason      text   NOT NULL,
    raw         bytea  NOT NULL
);

CREATE TABLE sessions (
    id               bigint           NOT NULL,
    customer_id      bigint           NOT NULL,
    session_number   bigint           NOT NULL,
    started_at       timestamptz      NOT NULL,
    ended_at         timestamptz      NOT NULL,
    started_us       bigint           NOT NULL,
    ended_us         bigint           NOT NULL,
    duration_seconds double precision NOT NULL,
    event_count      bigint           NOT NULL,
    page_view_count  bigint           NOT NULL,
    order_count      bigint           NOT NULL,
    first_order_at   timestamptz,
    first_order_us   bigint,
    referrer         text,
    referrer_host    text,
    landing_page     text
);

CREATE TABLE order_visits (
    customer_id         bigint NOT NULL,
    order_number        bigint NOT NULL,
    session_id          bigint NOT NULL,
    session_number      bigint NOT NULL,
    visits_before_order bigint NOT NULL
);

CREATE TABLE first_orders (
    customer_id                bigint           NOT NULL,
    session_id                 bigint           NOT NULL,
    sessions_until_first_order bigint           NOT NULL,
    minutes_before_first_order double precision NOT NULL
);

CREATE TABLE sensitivity (
    timeout_seconds                              bigint NOT NULL,
    sessions                                     bigint NOT NULL,
    ordering_sessions                            bigint NOT NULL,
    median_visits_before_order                   double precision,
    median_session_duration_minutes_before_order double precision
);

CREATE TABLE history (
    id                       bigint      NOT NULL,
    command                  text        NOT NULL CHECK (command IN ('ingest', 'sessionize')),
    ingest_id                bigint,
    finished_at              timestamptz NOT NULL,
    timeout_seconds          bigint      NOT NULL,
    median_visits_before     double precision,
    median_visits_after      double precision,
    median_minutes_before    double precision,
    median_minutes_after     double precision,
    sessions_before          bigint      NOT NULL,
    sessions_after           bigint      NOT NULL,
    ordering_sessions_before bigint      NOT NULL,
    ordering_sessions_after  bigint      NOT NULL,
    customers_before         bigint      NOT NULL,
    customers_after          bigint      NOT NULL,
    events_before            bigint      NOT NULL,
    events_after             bigint      NOT NULL,
    new_events               bigint      NOT NULL,
    late_events              bigint      NOT NULL,
    customers_touched        bigint      NOT NULL,
    sessions_rebuilt         bigint      NOT NULL
);

CREATE TABLE dictionary (
    name        text NOT NULL,
    column_name text,
    kind        text NOT NULL CHECK (kind IN ('table', 'view', 'column')),
    description text NOT NULL
);
