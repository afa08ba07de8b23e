INSERT INTO main.reject_reasons (reason, lines)
SELECT reason, count(*) FROM source.rejects GROUP BY reason ORDER BY count(*) DESC, reason
