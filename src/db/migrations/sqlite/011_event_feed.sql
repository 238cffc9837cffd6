-- 11: the event feed. Every committed change of a record appends one row in
-- the same transaction (src/records/events.c): which record, what was done,
-- which fields changed, by whom. Consumers (caches, the analytics store,
-- later webhooks, tasks, SLA clocks, points) follow it by id, in any
-- process on the database.
CREATE TABLE event (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  type TEXT NOT NULL,            -- record type, e.g. 'party', 'transaction'
  record_id INTEGER,
  action TEXT NOT NULL,          -- 'create', 'update', 'delete', 'merge', 'transfer', ...
  fields TEXT,                   -- JSON array of the changed fields' names, or NULL
  actor TEXT NOT NULL,           -- 'user:12' or 'system:scheduler'
  party_id INTEGER);
CREATE INDEX event_at ON event(at);
