-- 13 (PostgreSQL): SQLite re-tokenised its index for the digit-run suffixes;
-- this engine's index was written with them from the start (sql_pg.c).
SELECT 1;
