-- What a shared file has beyond a working file's schema (src/share.rs): the rejects summed
-- up by reason, because the rejected lines themselves are raw input and stay behind.
CREATE TABLE reject_reasons (
    reason TEXT    NOT NULL,
    lines  INTEGER NOT NULL
);

INSERT INTO dictionary (name, column_name, kind, description) VALUES
    ('reject_reasons', NULL, 'table', 'In a shared file, the rejected input lines counted by reason; the lines themselves are left out (they are raw input).'),
    ('reject_reasons', 'reason', 'column', 'Why the lines were rejected, as the rejects table of the working file says it.'),
    ('reject_reasons', 'lines', 'column', 'How many lines were rejected for that reason.');
