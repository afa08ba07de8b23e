DELETE FROM sessions WHERE customer_id = ?1 AND session_number >= ?2
