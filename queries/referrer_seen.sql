-- Whether any session has the referrer host :referrer ('(direct)': no referrer), in the whole
-- file whatever the range: a host no session has gets a note instead of a silent null.
-- Two EXISTS so that each one is a lookup in the index sessions_by_referrer_host.
SELECT CASE
           WHEN :referrer = '(direct)'
               THEN EXISTS (SELECT 1 FROM sessions WHERE referrer_host IS NULL)
           ELSE EXISTS (SELECT 1 FROM sessions WHERE referrer_host = :referrer)
       END AS seen
