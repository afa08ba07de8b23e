-- The working file's calendar, every day of it: the views render the shared sessions' (and
-- events') times with it, and a few hundred rows cost nothing.
INSERT INTO main.calendar (day, date) SELECT day, date FROM source.calendar ORDER BY day
