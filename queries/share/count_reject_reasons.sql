-- The working file's reasons and their lines; src/share.rs counts them again by template
-- (unless --keep-personal-data) and writes them with insert_reject_reason.sql.
SELECT reason, count(*) FROM source.rejects GROUP BY reason
