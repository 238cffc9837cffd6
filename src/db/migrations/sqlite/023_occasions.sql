-- 15 (issue 20 part A, numbered 023 in the plan; renumber at merge):
-- occasions (DOMAIN D8). A party may hold a lunar birthday
-- {"month", "day", "leap"}; key dates (anniversaries, maturities, custom
-- dates, the company's events) are records of their own; an occasion rule
-- makes a task N days ahead, once per (rule, party, occasion day).
ALTER TABLE party ADD COLUMN lunar_birthday TEXT;
CREATE TABLE key_date (
  id INTEGER PRIMARY KEY,
  party_id INTEGER REFERENCES party(id),
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  date TEXT NOT NULL,
  yearly INTEGER NOT NULL DEFAULT 1,
  notes TEXT,
  owner_id INTEGER REFERENCES app_user(id),
  team_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX key_date_party ON key_date(party_id);
CREATE INDEX key_date_owner ON key_date(owner_id);
CREATE INDEX key_date_team ON key_date(team_id);
CREATE TABLE occasion_rule (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  occasion TEXT NOT NULL,
  festival TEXT,
  key_kind TEXT,
  segment TEXT,
  days_ahead INTEGER NOT NULL,
  channel TEXT,
  activity TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  owner_id INTEGER REFERENCES app_user(id),
  team_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX occasion_rule_owner ON occasion_rule(owner_id);
CREATE INDEX occasion_rule_team ON occasion_rule(team_id);
CREATE TABLE occasion_rule_hit (
  rule_id INTEGER NOT NULL REFERENCES occasion_rule(id) ON DELETE CASCADE,
  party_id INTEGER NOT NULL,
  occasion_on TEXT NOT NULL,
  interaction_id INTEGER,
  PRIMARY KEY (rule_id, party_id, occasion_on));
INSERT INTO schedule(name, kind, at_time, enabled, updated_at)
  VALUES ('occasion_rules.daily', 'occasion_rules_run', '06:10', 1, '2026-12-06T00:00:00Z');
