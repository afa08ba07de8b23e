-- GET /metrics/referrers: one row per referrer host (and '(direct)'), most sessions first.
SELECT referrer_host,
       sessions,
       ordering_sessions,
       ordering_share,
       median_minutes,
       mean_minutes,
       p90_minutes
FROM v_referrers;
