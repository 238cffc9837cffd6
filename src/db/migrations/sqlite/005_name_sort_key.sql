-- Names sort in the order a Chinese reader expects (pinyin; Latin names
-- interleaved by the same alphabet): party.name_key holds the ICU "zh" sort
-- key of the name, made by collation_key() (src/db/collate.c, registered on
-- every connection). `GET /parties?sort=name` orders by (name_key, id).
ALTER TABLE party ADD COLUMN name_key BLOB;
UPDATE party SET name_key = collation_key(name);
-- Every write path (API, merge, imports, demo data, anything later) keeps the
-- key right without knowing about it: the triggers recompute it whenever the
-- name changes or the key is written with anything else.
CREATE TRIGGER party_name_key_insert AFTER INSERT ON party
  WHEN NEW.name_key IS NOT collation_key(NEW.name)
BEGIN
  UPDATE party SET name_key = collation_key(NEW.name) WHERE id = NEW.id;
END;
CREATE TRIGGER party_name_key_update AFTER UPDATE OF name, name_key ON party
  WHEN NEW.name_key IS NOT collation_key(NEW.name)
BEGIN
  UPDATE party SET name_key = collation_key(NEW.name) WHERE id = NEW.id;
END;
CREATE INDEX party_name_key ON party(name_key, id);
-- Nothing orders or looks up parties by the name's bytes any more.
DROP INDEX party_name;
