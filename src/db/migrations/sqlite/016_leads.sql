-- 16: leads (issue 18): prospects not yet customers, captured through the
-- API, imports and the public web-to-lead form, checked for duplicates,
-- assigned by rules and converted into parties. Declared in the registry
-- (src/records/registry.c); the assignment engine (src/domain/assign.c)
-- keeps its rotation cursor and its log here, in the database, so a
-- restart or a second process continues the rotation where it stopped.
CREATE TABLE lead (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  company TEXT,
  title TEXT,
  emails TEXT NOT NULL DEFAULT '[]',
  phones TEXT NOT NULL DEFAULT '[]',
  source TEXT,
  territory TEXT,
  industry TEXT,
  notes TEXT,
  status TEXT NOT NULL DEFAULT 'new',
  disqualify_reason TEXT,
  consent_text TEXT,
  consent_at TEXT,
  form_id INTEGER,
  duplicates TEXT NOT NULL DEFAULT '[]',
  assignment_rule_id INTEGER,
  assigned_at TEXT,
  worked_at TEXT,
  disqualified_at TEXT,
  converted_at TEXT,
  converted_by INTEGER REFERENCES app_user(id),
  converted_party_id INTEGER REFERENCES party(id),
  converted_opportunity_id INTEGER,
  owner_id INTEGER REFERENCES app_user(id),
  team_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX lead_owner ON lead(owner_id);
CREATE INDEX lead_team ON lead(team_id);
CREATE INDEX lead_status ON lead(status, id);
CREATE INDEX lead_name ON lead(LOWER(name));
-- The lead's e-mail addresses and phone numbers in their matching form
-- (lower-cased address, canonical digits), as contact_point is the
-- parties': duplicate detection looks both up by equality.
CREATE TABLE lead_contact (
  kind TEXT NOT NULL, normalized TEXT NOT NULL,
  lead_id INTEGER NOT NULL REFERENCES lead(id) ON DELETE CASCADE,
  PRIMARY KEY (kind, normalized, lead_id)) WITHOUT ROWID;
CREATE INDEX lead_contact_lead ON lead_contact(lead_id);
CREATE INDEX party_name_lower ON party(LOWER(name));

-- Assignment rules: the first enabled rule (by position, then id) whose
-- territory / industry / source (null: any) match the record gives it to a
-- team, and within the team by round robin to a member with capacity left
-- (at most capacity records per period: day, week or month; null: no limit).
CREATE TABLE assignment_rule (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT 'lead',
  position INTEGER NOT NULL DEFAULT 0,
  territory TEXT,
  industry TEXT,
  source TEXT,
  team_id INTEGER NOT NULL REFERENCES team(id),
  capacity INTEGER,
  period TEXT NOT NULL DEFAULT 'day',
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX assignment_rule_order ON assignment_rule(subject, enabled, position, id);
-- The rotation's cursor: the last user given a record of subject in team.
CREATE TABLE assignment_cursor (
  subject TEXT NOT NULL, team_id INTEGER NOT NULL REFERENCES team(id),
  last_user_id INTEGER NOT NULL, rotations INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (subject, team_id)) WITHOUT ROWID;
-- Every assignment the engine made.
CREATE TABLE assignment_log (
  id INTEGER PRIMARY KEY,
  subject TEXT NOT NULL, record_id INTEGER,
  user_id INTEGER NOT NULL REFERENCES app_user(id), team_id INTEGER NOT NULL,
  rule_id INTEGER, at TEXT NOT NULL);
CREATE INDEX assignment_log_user ON assignment_log(subject, user_id, at);
CREATE INDEX assignment_log_unlinked ON assignment_log(subject) WHERE record_id IS NULL;
-- How many records of subject each user was given in each day, week and
-- month (period_start: its first instant, UTC): the capacity check reads
-- one row instead of counting the log.
CREATE TABLE assignment_load (
  subject TEXT NOT NULL, user_id INTEGER NOT NULL REFERENCES app_user(id),
  period TEXT NOT NULL, period_start TEXT NOT NULL, assigned INTEGER NOT NULL,
  PRIMARY KEY (subject, user_id, period, period_start)) WITHOUT ROWID;

-- Public web-to-lead forms: an admin chooses the key of the URL /forms/{key}.
CREATE TABLE lead_form (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  consent_text TEXT NOT NULL,
  source TEXT,
  territory TEXT,
  industry TEXT,
  thank_you TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
