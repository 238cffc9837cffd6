-- 8: the search index gets one column per party field it holds, named as the
-- field. It had three (name, contacts, body), so a search by a user from
-- whom field security hides notes, needs or e-mails still matched the hidden
-- text and gave it away a letter at a time. With a column per field, such a
-- search is restricted to the readable columns ({name title …} : (…)); a
-- user who may read every field searches the whole row as before.
-- Rebuilt from the party rows with the values party_reindex writes: list
-- fields as words, each phone as written and in canonical digits
-- (phone_key, the writer's phone_normalize), deleted parties left out.
DROP TABLE party_fts;
CREATE VIRTUAL TABLE party_fts USING fts5(name, emails, phones, external_id, website, title, industry, city,
  country, needs, characteristics, notes, tags, tokenize='rapport');
INSERT INTO party_fts(rowid, name, emails, phones, external_id, website, title, industry, city, country, needs,
  characteristics, notes, tags)
SELECT p.id, p.name,
  (SELECT group_concat(value, ' ') FROM json_each(p.emails)),
  (SELECT group_concat(value || ' ' || phone_key(value), ' ') FROM json_each(p.phones) WHERE phone_key(value) IS NOT NULL),
  p.external_id, p.website, p.title, p.industry, p.city, p.country, p.needs, p.characteristics, p.notes,
  (SELECT group_concat(value, ' ') FROM json_each(p.tags))
FROM party p WHERE p.deleted_at IS NULL;
