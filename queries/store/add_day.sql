-- A day of the table calendar: its number (days since 1970-01-01, UTC) and its date.
INSERT INTO calendar (day, date) VALUES (?1, ?2) ON CONFLICT (day) DO NOTHING
