-- The keys and references of schema.sql for PostgreSQL, added once the rows are loaded.
ALTER TABLE meta ADD PRIMARY KEY (key);
ALTER TABLE ingests ADD PRIMARY KEY (id);
ALTER TABLE ingest_blocks ADD PRIMARY KEY (ingest_id, block);
ALTER TABLE rejects ADD PRIMARY KEY (id);
ALTER TABLE order_visits ADD PRIMARY KEY (customer_id, order_number);
ALTER TABLE first_orders ADD PRIMARY KEY (customer_id);
ALTER TABLE sensitivity ADD PRIMARY KEY (timeout_seconds);
ALTER TABLE history ADD PRIMARY KEY (id);
ALTER TABLE dictionary ADD UNIQUE (name, column_name);
ALTER TABLE ingest_blocks ADD FOREIGN KEY (ingest_id) REFERENCES ingests (id);
ALTER TABLE events ADD FOREIGN KEY (ingest_id) REFERENCES ingests (id);
ALTER TABLE rejects ADD FOREIGN KEY (ingest_id) REFERENCES ingests (id);
ALTER TABLE history ADD FOREIGN KEY (ingest_id) REFERENCES ingests (id);
ALTER TABLE ingests ADD FOREIGN KEY (unchanged_since) REFERENCES ingests (id);
