-- A party's record as GET /api/v1/parties/{id} answers it (compact JSON,
-- every field), written in the transaction that writes the row, so that a
-- read sends it as it is instead of decoding forty columns and writing them
-- out again. In a table of its own: the party table, which lists, searches
-- and exports read, keeps its size, and a GET reads this table alone. A
-- party without a row here is read from its columns, as before, and a
-- background pass (api/party_docs.c) fills it in.
-- The triggers keep it honest: any change of the party row, by any path or
-- process, removes its document; the record engine writes the new one after
-- writing the row, in the same transaction. A stored document is therefore
-- always the row's current state.
CREATE TABLE party_doc (
  party_id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  doc TEXT NOT NULL);
CREATE TRIGGER party_doc_update AFTER UPDATE ON party
BEGIN
  DELETE FROM party_doc WHERE party_id = OLD.id;
END;
CREATE TRIGGER party_doc_delete AFTER DELETE ON party
BEGIN
  DELETE FROM party_doc WHERE party_id = OLD.id;
END;
