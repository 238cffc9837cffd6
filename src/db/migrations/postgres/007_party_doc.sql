-- 7 (PostgreSQL): a party's record as GET /api/v1/parties/{id} answers it
-- (see SQLite's 007); any change of the party row removes its document.
CREATE TABLE party_doc (
  party_id bigint PRIMARY KEY,
  version bigint NOT NULL,
  doc TEXT NOT NULL);
CREATE FUNCTION party_doc_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM party_doc WHERE party_id = OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER party_doc_update AFTER UPDATE ON party FOR EACH ROW EXECUTE FUNCTION party_doc_forget();
CREATE TRIGGER party_doc_delete AFTER DELETE ON party FOR EACH ROW EXECUTE FUNCTION party_doc_forget();
