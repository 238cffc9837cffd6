-- 12: relationship-marketing campaigns (DOMAIN D6/D7), the first record type
-- declared only in the registry (src/records/registry.c): its routes,
-- permissions and their default rows, audit, timeline and export all come
-- from that declaration. A campaign owns itself (owner_id / team_id) and
-- moves through planned → active → completed, or to cancelled.
CREATE TABLE campaign (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  channel TEXT,
  objective TEXT,
  starts_on TEXT,
  ends_on TEXT,
  budget_amount INTEGER,
  budget_currency TEXT,
  status TEXT NOT NULL DEFAULT 'planned',
  activated_at TEXT,
  activated_by INTEGER REFERENCES app_user(id),
  completed_at TEXT,
  owner_id INTEGER REFERENCES app_user(id),
  team_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX campaign_owner ON campaign(owner_id);
CREATE INDEX campaign_team ON campaign(team_id);
CREATE INDEX campaign_status ON campaign(status, id);
CREATE INDEX campaign_starts ON campaign(starts_on, id);
