SELECT * FROM events WHERE id = ?1
