-- The triggers of 005 computed the name's key once more on every write to
-- check it. The record engine's INSERT and UPDATE (API, merge, imports, demo
-- data) now write name_key = collation_key(name) themselves, so the triggers
-- only fill in for a statement that does not: an insert without a key, a
-- rename that leaves the key as it was. name_key is only ever written as
-- collation_key(name).
DROP TRIGGER party_name_key_insert;
DROP TRIGGER party_name_key_update;
CREATE TRIGGER party_name_key_insert AFTER INSERT ON party
  WHEN NEW.name_key IS NULL
BEGIN
  UPDATE party SET name_key = collation_key(NEW.name) WHERE id = NEW.id;
END;
CREATE TRIGGER party_name_key_update AFTER UPDATE OF name ON party
  WHEN NEW.name IS NOT OLD.name AND NEW.name_key IS OLD.name_key
BEGIN
  UPDATE party SET name_key = collation_key(NEW.name) WHERE id = NEW.id;
END;
