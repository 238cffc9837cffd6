-- 17: per-user iCalendar feeds (issue 18): the secret of the feed's URL is
-- kept only as its hash; a new one replaces the old, which stops working.
CREATE TABLE calendar_feed (
  user_id INTEGER PRIMARY KEY REFERENCES app_user(id),
  secret_hash BLOB NOT NULL UNIQUE,
  created_at TEXT NOT NULL);
