-- Every stored session in (customer_id, session_number) order, with the columns the
-- sessionizer makes, to compare with sessionizing the events again.
SELECT customer_id, session_number, id, started_us, ended_us, event_count, page_view_count,
       order_count, first_order_us, referrer, referrer_host, landing_page
FROM sessions
ORDER BY customer_id, session_number
