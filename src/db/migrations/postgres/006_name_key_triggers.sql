-- 6 (PostgreSQL): SQLite's 006 made its triggers of 005 cheaper; the
-- trigger of this engine's 005 already sets the key before the write, once.
SELECT 1;
