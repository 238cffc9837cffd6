-- 14 (issue 20 part A, numbered 022 in the plan; renumber at merge): contact plans per tier or segment (DOMAIN D8). A plan owns itself
-- (owner_id / team_id); the contacts it generates are planned interactions,
-- one per (plan, party, slot): the primary key of contact_plan_slot is what
-- keeps a re-run, or a second server process, from making one twice.
CREATE TABLE contact_plan (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  segment TEXT,
  every_days INTEGER NOT NULL,
  channel TEXT,
  activity TEXT,
  activities TEXT,
  owner_rule TEXT NOT NULL DEFAULT 'customer_owner',
  assignee_team_id INTEGER REFERENCES team(id),
  starts_on TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  notes TEXT,
  owner_id INTEGER REFERENCES app_user(id),
  team_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX contact_plan_owner ON contact_plan(owner_id);
CREATE INDEX contact_plan_team ON contact_plan(team_id);
CREATE TABLE contact_plan_slot (
  plan_id INTEGER NOT NULL REFERENCES contact_plan(id) ON DELETE CASCADE,
  party_id INTEGER NOT NULL,
  slot INTEGER NOT NULL,
  due_at TEXT NOT NULL,
  interaction_id INTEGER,
  PRIMARY KEY (plan_id, party_id, slot));
CREATE INDEX contact_plan_slot_party ON contact_plan_slot(party_id, due_at);
CREATE INDEX contact_plan_slot_interaction ON contact_plan_slot(interaction_id);
-- Every plan generates its contacts each morning (company time).
INSERT INTO schedule(name, kind, at_time, enabled, updated_at)
  VALUES ('contact_plans.daily', 'contact_plans_run', '06:00', 1, '2026-12-06T00:00:00Z');
