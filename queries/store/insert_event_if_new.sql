-- As insert_event.sql, but an id already stored inserts nothing (the writer then compares).
INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
ON CONFLICT (id) DO NOTHING
