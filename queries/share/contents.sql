SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM events),
       (SELECT count(*) FROM reject_reasons), (SELECT COALESCE(sum(lines), 0) FROM reject_reasons)
