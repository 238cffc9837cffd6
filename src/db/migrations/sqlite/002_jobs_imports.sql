-- 2: jobs (long work with progress, surviving restarts) and import bookkeeping
-- (what each import created or updated, so that it can be undone).
CREATE TABLE job (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'undone')),
  progress_done INTEGER NOT NULL DEFAULT 0, progress_total INTEGER NOT NULL DEFAULT 0,
  created_by INTEGER REFERENCES app_user(id), created_at TEXT NOT NULL,
  started_at TEXT, finished_at TEXT,
  params TEXT NOT NULL DEFAULT '{}', result TEXT, error TEXT);
CREATE INDEX job_status ON job(status, id);
CREATE INDEX job_kind ON job(kind, id);
CREATE TABLE import_item (
  job_id INTEGER NOT NULL REFERENCES job(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL, entity TEXT NOT NULL, entity_id INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('created', 'updated')), before TEXT,
  PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
CREATE TABLE import_mapping (
  name TEXT PRIMARY KEY, kind TEXT NOT NULL, spec TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
-- Deleting a party (undoing an import) checks every foreign key that points
-- at it: these two had no index, which made each delete scan a whole table.
CREATE INDEX party_merged_into ON party(merged_into);
CREATE INDEX txn_competitor ON txn(competitor_id);
