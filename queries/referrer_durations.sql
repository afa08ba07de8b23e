-- The rank tests and the medians' intervals of GET /metrics/referrers (src/metrics/stats.rs):
-- how many sessions of each referrer host ('(direct)' for none) lasted each duration, over
-- the sessions the answer's rows count: those that started in [:from_us, :to_us) and are of
-- referrer host :referrer (NULL: no bound), as queries/referrers_in_range.sql selects them.
-- Each row is one set of tied durations of one host; xcc ranks them in Rust from these counts
-- (a few thousand rows where there are millions of sessions: durations lie on a grid).
SELECT COALESCE(referrer_host, '(direct)') AS referrer_host,
       duration_seconds,
       COUNT(*) AS sessions
FROM sessions
WHERE (:from_us IS NULL OR started_us >= :from_us)
  AND (:to_us IS NULL OR started_us < :to_us)
  AND (:referrer IS NULL OR COALESCE(referrer_host, '(direct)') = :referrer)
GROUP BY 1, 2
