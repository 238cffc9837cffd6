-- A party's record as GET /api/v1/parties/{id} answers it (compact JSON,
-- every field), written in the transaction that writes the row, so that a
-- read sends it as it is instead of decoding forty columns and writing them
-- out again. NULL when missing: the read then writes the record from the
-- columns, as before, and a background pass (api/party_docs.c) fills it in.
-- The trigger keeps it honest: any UPDATE that changes the row without
-- writing a new document (another path, another process, a migration)
-- clears it, so a stored document is always the row's current state.
ALTER TABLE party ADD COLUMN doc TEXT;
CREATE INDEX party_doc_missing ON party(id) WHERE doc IS NULL AND deleted_at IS NULL;
CREATE TRIGGER party_doc_stale AFTER UPDATE ON party
  WHEN NEW.doc IS OLD.doc AND OLD.doc IS NOT NULL
BEGIN
  UPDATE party SET doc = NULL WHERE id = NEW.id;
END;
