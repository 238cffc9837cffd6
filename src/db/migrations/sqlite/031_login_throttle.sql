-- 28: login throttling in the database (issue 22). Failed logins were
-- counted in one process's memory, so behind a load balancer every server
-- allowed its own 5 tries; now the counts are rows every server reads.
-- throttle_key is 'a:<email>|<address>' (an account from one address) or
-- 'i:<address>'; first_at (seconds since 1970) starts the 15-minute window,
-- after which the row is spent and swept.
CREATE TABLE login_throttle (
  throttle_key TEXT PRIMARY KEY,
  fails INTEGER NOT NULL,
  first_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX login_throttle_first ON login_throttle(first_at);
