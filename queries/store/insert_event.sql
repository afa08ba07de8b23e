-- The values of one event in the order of the columns of `events` in schema.sql, which is the
-- one place that lists them (src/store/events.rs binds them in that order; a test checks it).
INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
