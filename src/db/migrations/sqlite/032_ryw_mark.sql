-- 32: read-your-writes across servers (issue 22). A server with a read
-- replica (--db-replica) counts each user's committed writes here, in the
-- transaction that makes them; a GET of that user goes to the replica only
-- when the replica's copy of the row has caught up with the primary's, so
-- a write through one server is seen by the same user's next read through
-- any other. SQLite has no replica: the table stays empty there.
CREATE TABLE ryw_mark (
  user_id INTEGER PRIMARY KEY,
  writes INTEGER NOT NULL);
