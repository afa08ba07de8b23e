-- The id of a URL in urls, if it is there.
SELECT id FROM urls WHERE url = ?1
