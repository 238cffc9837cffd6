-- 15 (issue 19, service): cases (the four key moments of D8 and the
-- requests of D10) with their SLA clocks (sla_stale: a calendar or policy
-- they follow changed, and the escalation sweep recomputes them), the thread of messages, the
-- admin's escalation rules and the steps taken (one per case, rule, target
-- and cycle — the case's reopen count —: the unique key is what makes a step
-- happen once for a breach, whichever process sweeps, whatever restarts), and satisfaction surveys (only a hash of the link's
-- token is kept).
CREATE TABLE service_case (
  id INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,
  kind TEXT NOT NULL,
  priority TEXT NOT NULL DEFAULT 'normal',
  category TEXT,
  channel TEXT,
  party_id INTEGER NOT NULL REFERENCES party(id),
  contact_id INTEGER REFERENCES party(id),
  product_id INTEGER REFERENCES product(id),
  order_id INTEGER,
  description TEXT,
  status TEXT NOT NULL DEFAULT 'new',
  opened_at TEXT NOT NULL,
  sla_policy_id INTEGER REFERENCES sla_policy(id),
  first_response_at TEXT,
  first_response_due_at TEXT,
  first_response_met INTEGER,
  resolution_due_at TEXT,
  resolved_at TEXT,
  resolved_by INTEGER REFERENCES app_user(id),
  resolution_met INTEGER,
  closed_at TEXT,
  sla_pauses TEXT NOT NULL DEFAULT '[]',
  reopen_count INTEGER NOT NULL DEFAULT 0,
  escalation_level INTEGER NOT NULL DEFAULT 0,
  sla_stale INTEGER NOT NULL DEFAULT 0,
  remedy TEXT,
  remedy_cost_amount INTEGER,
  remedy_cost_currency TEXT,
  csat INTEGER,
  nps INTEGER,
  owner_id INTEGER REFERENCES app_user(id),
  team_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX service_case_party ON service_case(party_id);
-- The queues: mine / my team's, by id or by the resolution due time.
CREATE INDEX service_case_owner ON service_case(owner_id, status, id);
CREATE INDEX service_case_team ON service_case(team_id, status, id);
CREATE INDEX service_case_team_all ON service_case(team_id);
CREATE INDEX service_case_owner_due ON service_case(owner_id, status, resolution_due_at);
CREATE INDEX service_case_team_due ON service_case(team_id, status, resolution_due_at);
CREATE INDEX service_case_status ON service_case(status, id);
CREATE INDEX service_case_fr_due ON service_case(first_response_due_at) WHERE first_response_at IS NULL;
CREATE INDEX service_case_res_due ON service_case(resolution_due_at) WHERE resolved_at IS NULL;
-- Cases whose calendar or policy changed: the sweep recomputes their due times.
CREATE INDEX service_case_stale ON service_case(id) WHERE sla_stale = 1;
CREATE TABLE case_message (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES service_case(id),
  direction TEXT NOT NULL,
  body TEXT NOT NULL,
  author_id INTEGER REFERENCES app_user(id),
  at TEXT NOT NULL);
CREATE INDEX case_message_case ON case_message(case_id, id);
CREATE TABLE escalation_rule (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  target TEXT NOT NULL,
  moment TEXT NOT NULL,
  minutes_before INTEGER NOT NULL DEFAULT 0,
  priorities TEXT NOT NULL DEFAULT '[]',
  notify INTEGER NOT NULL DEFAULT 1,
  reassign INTEGER NOT NULL DEFAULT 0,
  raise_priority INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE TABLE escalation_step (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES service_case(id),
  rule_id INTEGER NOT NULL REFERENCES escalation_rule(id),
  target TEXT NOT NULL,
  cycle INTEGER NOT NULL,
  due_at TEXT NOT NULL,
  at TEXT NOT NULL,
  actions TEXT NOT NULL,
  UNIQUE (case_id, rule_id, target, cycle));
CREATE TABLE survey (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  case_id INTEGER REFERENCES service_case(id),
  order_id INTEGER,
  party_id INTEGER REFERENCES party(id),
  created_by INTEGER REFERENCES app_user(id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  answered_at TEXT,
  csat INTEGER,
  nps INTEGER,
  comment TEXT);
CREATE INDEX survey_case ON survey(case_id);
CREATE INDEX survey_party ON survey(party_id, answered_at);
