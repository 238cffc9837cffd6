-- 3: access control — permissions per role, entity and action with a record
-- scope (none / own / team / all), field security, explicit sharing, team
-- managers, and a hash chain over the audit trail.
CREATE TABLE role_permission (
  role TEXT NOT NULL,
  entity TEXT NOT NULL,
  action TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('none', 'own', 'team', 'all')),
  PRIMARY KEY (role, entity, action)) WITHOUT ROWID;
CREATE TABLE field_permission (
  role TEXT NOT NULL,
  entity TEXT NOT NULL,
  field TEXT NOT NULL,
  access TEXT NOT NULL CHECK (access IN ('hidden', 'read', 'write')),
  PRIMARY KEY (role, entity, field)) WITHOUT ROWID;
CREATE TABLE record_share (
  id INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  record_id INTEGER NOT NULL,
  user_id INTEGER REFERENCES app_user(id),
  team_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL,
  CHECK ((user_id IS NULL) <> (team_id IS NULL)));
CREATE INDEX record_share_user ON record_share(user_id, entity, record_id);
CREATE INDEX record_share_team ON record_share(team_id, entity, record_id);
CREATE INDEX record_share_record ON record_share(entity, record_id);
ALTER TABLE team ADD COLUMN manager_id INTEGER REFERENCES app_user(id);
CREATE INDEX app_user_team ON app_user(team_id);
CREATE INDEX party_team ON party(team_id);
ALTER TABLE audit ADD COLUMN prev_hash BLOB;
ALTER TABLE audit ADD COLUMN hash BLOB;

-- Defaults an admin can change (PUT /api/v1/permissions). Record-owning
-- entities: parties and everything attached to a party.
INSERT INTO role_permission (role, entity, action, scope)
SELECT r.role, e.entity, a.action,
  CASE
    WHEN r.role = 'admin' THEN 'all'
    WHEN e.entity IN ('users', 'teams', 'permissions') THEN
      CASE WHEN a.action = 'read' THEN 'all' ELSE 'none' END
    WHEN e.entity = 'audit' THEN
      CASE WHEN r.role = 'manager' AND a.action IN ('read', 'export') THEN 'team' ELSE 'none' END
    WHEN e.entity = 'products' THEN
      CASE WHEN a.action IN ('read', 'export') THEN 'all'
           WHEN r.role = 'manager' AND a.action IN ('create', 'update', 'delete') THEN 'all' ELSE 'none' END
    WHEN r.role = 'manager' THEN CASE WHEN a.action = 'create' THEN 'all' ELSE 'team' END
    WHEN r.role = 'sales' THEN
      CASE a.action WHEN 'read' THEN 'team' WHEN 'create' THEN 'all' WHEN 'update' THEN 'own'
                    WHEN 'delete' THEN 'own' WHEN 'export' THEN 'own' ELSE 'none' END
    WHEN r.role = 'service' THEN
      CASE a.action WHEN 'read' THEN 'all' WHEN 'create' THEN 'all' WHEN 'update' THEN 'team' ELSE 'none' END
    WHEN r.role = 'marketing' THEN
      CASE a.action WHEN 'read' THEN 'all' WHEN 'create' THEN 'all' WHEN 'update' THEN 'own'
                    WHEN 'export' THEN 'all' ELSE 'none' END
    WHEN r.role = 'read_only' THEN CASE WHEN a.action = 'read' THEN 'all' ELSE 'none' END
    ELSE 'none'
  END
FROM (SELECT 'admin' AS role UNION ALL SELECT 'manager' UNION ALL SELECT 'sales' UNION ALL SELECT 'service'
      UNION ALL SELECT 'marketing' UNION ALL SELECT 'read_only') r,
     (SELECT 'parties' AS entity UNION ALL SELECT 'links' UNION ALL SELECT 'interactions'
      UNION ALL SELECT 'transactions' UNION ALL SELECT 'notes' UNION ALL SELECT 'products'
      UNION ALL SELECT 'users' UNION ALL SELECT 'teams' UNION ALL SELECT 'permissions' UNION ALL SELECT 'audit') e,
     (SELECT 'read' AS action UNION ALL SELECT 'create' UNION ALL SELECT 'update' UNION ALL SELECT 'delete'
      UNION ALL SELECT 'export' UNION ALL SELECT 'assign') a;

-- Money that reveals margins is for managers: cost of goods and cost to serve.
INSERT INTO field_permission (role, entity, field, access) VALUES
  ('sales', 'transactions', 'cost', 'hidden'),
  ('service', 'transactions', 'cost', 'hidden'),
  ('marketing', 'transactions', 'cost', 'hidden'),
  ('read_only', 'transactions', 'cost', 'hidden'),
  ('read_only', 'interactions', 'cost', 'hidden'),
  ('service', 'interactions', 'cost', 'read'),
  ('sales', 'interactions', 'cost', 'read');
