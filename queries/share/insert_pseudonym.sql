INSERT INTO temp.pseudonyms (customer_id, pseudonym) VALUES (?1, ?2)
