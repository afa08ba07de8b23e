UPDATE ingests SET finished_at = ?2, lines_read = ?3, stored = ?4, duplicates = ?5,
    rejected = ?6, bytes = ?7, first_event_at = ?8, last_event_at = ?9
WHERE id = ?1
