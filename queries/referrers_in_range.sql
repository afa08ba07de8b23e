-- GET /metrics/referrers with from, to or referrer: the rows of the view v_referrers (which
-- answers without them: queries/referrers.sql), over the sessions that started in
-- [:from_us, :to_us) and are of referrer host :referrer ('(direct)' for none); NULL: no bound.
-- The same expressions as the view; a test checks that without bounds both give the same rows.
WITH ranked AS (
    SELECT COALESCE(referrer_host, '(direct)') AS referrer_host,
           duration_seconds / 60.0 AS minutes,
           CASE WHEN order_count > 0 THEN 1 ELSE 0 END AS ordering,
           ROW_NUMBER() OVER (PARTITION BY referrer_host ORDER BY duration_seconds) AS rn,
           COUNT(*) OVER (PARTITION BY referrer_host) AS n
    FROM sessions
    WHERE (:from_us IS NULL OR started_us >= :from_us)
      AND (:to_us IS NULL OR started_us < :to_us)
      AND (:referrer IS NULL OR COALESCE(referrer_host, '(direct)') = :referrer)
)
SELECT referrer_host,
       COUNT(*) AS sessions,
       SUM(ordering) AS ordering_sessions,
       1.0 * SUM(ordering) / COUNT(*) AS ordering_share,
       AVG(minutes) FILTER (WHERE 2 * rn BETWEEN n AND n + 2) AS median_minutes,
       AVG(minutes) AS mean_minutes,
       SUM(CASE
               WHEN 10 * (rn - 1) <= 9 * (n - 1) AND 9 * (n - 1) < 10 * rn
                   THEN minutes * (1 - (9 * (n - 1) - 10 * (rn - 1)) / 10.0)
               WHEN 10 * (rn - 2) <= 9 * (n - 1) AND 9 * (n - 1) < 10 * (rn - 1)
                   THEN minutes * ((9 * (n - 1) - 10 * (rn - 2)) / 10.0)
               ELSE 0
           END) AS p90_minutes
FROM ranked
GROUP BY referrer_host
ORDER BY sessions DESC, referrer_host COLLATE BINARY
