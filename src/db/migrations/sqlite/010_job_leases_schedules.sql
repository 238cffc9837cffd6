-- 10: jobs are claimed with a lease (the process that runs one renews it; a
-- job whose lease expired was left by a process that died), and timed work
-- lives in schedule rows that any server process may fire, exactly once per
-- occurrence (see src/jobs/scheduler.c).
ALTER TABLE job ADD COLUMN lease_owner TEXT;
ALTER TABLE job ADD COLUMN lease_until TEXT;
CREATE TABLE schedule (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  params TEXT NOT NULL DEFAULT '{}',
  every_seconds INTEGER CHECK (every_seconds IS NULL OR every_seconds >= 1),
  at_time TEXT CHECK (at_time IS NULL OR length(at_time) = 5),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  next_run_at TEXT,
  last_run_at TEXT, last_job_id INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  updated_at TEXT NOT NULL,
  CHECK ((every_seconds IS NULL) <> (at_time IS NULL)));
-- The company's time zone: an at_time schedule fires at that wall-clock time there.
INSERT INTO setting(key, value) VALUES ('company.time_zone', 'Asia/Shanghai') ON CONFLICT(key) DO NOTHING;
-- Every customer's scores recomputed each night; off until an admin turns it on.
INSERT INTO schedule(name, kind, at_time, enabled, updated_at)
  VALUES ('analytics.nightly', 'analytics_run', '02:00', 0, '2026-12-06T00:00:00Z');
