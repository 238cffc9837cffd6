-- 14: sales pipelines and opportunities (issue 18, DOMAIN D6/D10). A
-- pipeline holds its ordered stages as JSON (key, both names, default
-- probability, rotting limit in days). An opportunity owns itself
-- (owner_id / team_id), names its pipeline and stage, and its status moves
-- open → won | lost and back by a reopen (the workflow in
-- src/domain/opportunity.c). opportunity_stage keeps each stretch of time an
-- opportunity spent in a stage (and status): written by the write path's
-- hook, so every writer — API, lead conversion, import — leaves one.
CREATE TABLE pipeline (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  name_zh TEXT,
  description TEXT,
  stages TEXT NOT NULL DEFAULT '[]',
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);

CREATE TABLE opportunity (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  party_id INTEGER NOT NULL REFERENCES party(id),
  pipeline_id INTEGER NOT NULL REFERENCES pipeline(id),
  stage TEXT NOT NULL,
  amount_amount INTEGER,
  amount_currency TEXT,
  expected_close_on TEXT,
  probability INTEGER,
  status TEXT NOT NULL DEFAULT 'open',
  lost_reason TEXT,
  competitor_id INTEGER REFERENCES party(id),
  source TEXT,
  stage_entered_at TEXT,
  closed_at TEXT,
  closed_by INTEGER REFERENCES app_user(id),
  reopened_at TEXT,
  reopened_by INTEGER REFERENCES app_user(id),
  owner_id INTEGER REFERENCES app_user(id),
  team_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
-- The deal board: one column's cards of one salesperson, in id order.
CREATE INDEX opportunity_board ON opportunity(pipeline_id, status, stage, owner_id);
-- One salesperson's board totals without touching the rows (covering).
CREATE INDEX opportunity_owner_board ON opportunity(owner_id, pipeline_id, status, stage, amount_currency, amount_amount);
-- The forecast: open opportunities by expected close month (covering).
CREATE INDEX opportunity_forecast ON opportunity(status, expected_close_on, amount_currency, amount_amount, probability, owner_id, team_id);
CREATE INDEX opportunity_party ON opportunity(party_id);
CREATE INDEX opportunity_team ON opportunity(team_id);
-- Won and lost by close day (forecast actuals, reports; covering).
CREATE INDEX opportunity_closed ON opportunity(status, closed_at, amount_currency, amount_amount, owner_id, team_id);

CREATE TABLE opportunity_stage (
  id INTEGER PRIMARY KEY,
  opportunity_id INTEGER NOT NULL REFERENCES opportunity(id) ON DELETE CASCADE,
  stage TEXT NOT NULL,
  status TEXT NOT NULL,
  entered_at TEXT NOT NULL,
  left_at TEXT);
CREATE INDEX opportunity_stage_opp ON opportunity_stage(opportunity_id, id);

-- The two pipelines Rapport ships. The relationship-marketing process of
-- D6: collect information → identify needs → plan → transaction → build the
-- relationship; and a classic B2B one.
INSERT INTO pipeline(name, name_zh, description, stages, created_at, updated_at) VALUES
 ('Relationship marketing', '关系营销流程', 'DOMAIN D6: the relationship-marketing process',
  '[{"key":"collect_information","name_en":"Collect information","name_zh":"收集信息","probability":10,"rotting_days":14},'
  || '{"key":"identify_needs","name_en":"Identify needs","name_zh":"识别需求","probability":25,"rotting_days":14},'
  || '{"key":"plan","name_en":"Plan","name_zh":"制定计划","probability":50,"rotting_days":21},'
  || '{"key":"transaction","name_en":"Transaction","name_zh":"交易","probability":80,"rotting_days":14},'
  || '{"key":"build_relationship","name_en":"Build the relationship","name_zh":"建立关系","probability":90,"rotting_days":30}]',
  '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
 ('B2B sales', 'B2B 销售', 'A classic business-to-business pipeline',
  '[{"key":"qualification","name_en":"Qualification","name_zh":"资格审查","probability":10,"rotting_days":14},'
  || '{"key":"discovery","name_en":"Needs analysis","name_zh":"需求分析","probability":20,"rotting_days":14},'
  || '{"key":"proposal","name_en":"Proposal","name_zh":"方案报价","probability":50,"rotting_days":10},'
  || '{"key":"negotiation","name_en":"Negotiation","name_zh":"商务谈判","probability":75,"rotting_days":10},'
  || '{"key":"commit","name_en":"Commit","name_zh":"签约确认","probability":90,"rotting_days":7}]',
  '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
