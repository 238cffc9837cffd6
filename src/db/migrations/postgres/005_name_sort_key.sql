-- 5 (PostgreSQL): names sort in the order a Chinese reader expects. SQLite
-- stores ICU's "zh" sort key (collation_key(), a function of the process);
-- here the key column is the name itself in the server's ICU "zh"
-- collation, so ORDER BY name_key and the list's keyset comparisons sort by
-- pinyin (db_sql_sort_key_param is a plain parameter on this engine).
ALTER TABLE party ADD COLUMN name_key text COLLATE "zh-x-icu";
UPDATE party SET name_key = name;
-- Every write path keeps the key right without knowing about it (SQLite:
-- triggers after the write; here one before it, which costs no second update).
CREATE FUNCTION party_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.name_key := NEW.name;
  RETURN NEW;
END $$;
CREATE TRIGGER party_name_key BEFORE INSERT OR UPDATE OF name, name_key ON party
  FOR EACH ROW EXECUTE FUNCTION party_name_key();
CREATE INDEX party_name_key ON party(name_key, id);
DROP INDEX party_name;
