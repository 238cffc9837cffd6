-- 28 (given 029 for the merge): what issue 19 still lacked.
-- (1) Satisfaction surveys sent by themselves: a case resolved or a sales
-- order delivered puts one row here, in the write transaction that makes
-- the change (UNIQUE: once per case or order, whatever reopens and
-- restarts follow). The job "survey_send" (schedule surveys.send) makes
-- the survey link and mails it: pending → sending → sent | skipped |
-- failed; a sender killed mid-send leaves "sending", which the next run
-- marks "uncertain" and does not send again.
CREATE TABLE survey_dispatch (
  id INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,
  record_id INTEGER NOT NULL,
  party_id INTEGER NOT NULL REFERENCES party(id),
  contact_id INTEGER REFERENCES party(id),
  state TEXT NOT NULL DEFAULT 'pending',
  survey_id INTEGER REFERENCES survey(id),
  address TEXT,
  detail TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  UNIQUE (subject, record_id));
CREATE INDEX survey_dispatch_state ON survey_dispatch(state, id);
-- A survey about a sales order (issue 18); order_id stays the transaction's.
ALTER TABLE survey ADD COLUMN sales_order_id INTEGER;
INSERT INTO schedule(name, kind, every_seconds, enabled, updated_at)
  VALUES ('surveys.send', 'survey_send', 60, 1, '2026-12-06T00:00:00Z');
-- (2) The service measures in business minutes of the case's calendar
-- (pauses left out), set when the first response and the resolution happen.
ALTER TABLE service_case ADD COLUMN first_response_minutes INTEGER;
ALTER TABLE service_case ADD COLUMN resolution_minutes INTEGER;
-- "Breaching soon" in business time: the instant from which at most 240
-- business minutes are left before the resolution target (the queue's view).
ALTER TABLE service_case ADD COLUMN resolution_warn_at TEXT;
CREATE INDEX service_case_warn ON service_case(status, resolution_warn_at);
CREATE INDEX service_case_team_warn ON service_case(team_id, status, resolution_warn_at);
-- (3) Cases assigned by the rules of the assignment engine (subject 'case'):
-- matched on category, priority, the party's value tier and the product.
ALTER TABLE assignment_rule ADD COLUMN category TEXT;
ALTER TABLE assignment_rule ADD COLUMN priority TEXT;
ALTER TABLE assignment_rule ADD COLUMN tier TEXT;
ALTER TABLE assignment_rule ADD COLUMN product_id INTEGER REFERENCES product(id);
ALTER TABLE service_case ADD COLUMN assignment_rule_id INTEGER;
ALTER TABLE service_case ADD COLUMN assigned_at TEXT;
