-- The URL with an id.
SELECT url FROM urls WHERE id = ?1
