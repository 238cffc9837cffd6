-- 8 (PostgreSQL): the search index, one column per party field as SQLite's
-- FTS5 table (see its 008), each a tsvector of the terms the SQLite
-- tokenizer makes of the field (single CJK characters and bigrams, words,
-- digit-run suffixes: src/db/sql_pg.c), and terms: all of them, which the
-- GIN index serves for a search of the whole row. A new database has no
-- parties yet; `rapport copy` fills the index of a copied one.
DROP TABLE party_fts;
CREATE TABLE party_fts (
  rowid bigint PRIMARY KEY,
  terms tsvector NOT NULL,
  name tsvector, emails tsvector, phones tsvector, external_id tsvector, website tsvector, title tsvector,
  industry tsvector, city tsvector, country tsvector, needs tsvector, characteristics tsvector, notes tsvector,
  tags tsvector);
CREATE INDEX party_fts_terms ON party_fts USING gin (terms);
