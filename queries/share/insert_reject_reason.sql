INSERT INTO main.reject_reasons (reason, lines) VALUES (?1, ?2)
