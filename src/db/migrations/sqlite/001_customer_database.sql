-- 1: the customer database (D1–D3), users and sessions, audit.
CREATE TABLE team (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, parent_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE TABLE app_user (
  id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL, team_id INTEGER REFERENCES team(id), password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1);
CREATE TABLE session (
  id_hash BLOB PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX session_user ON session(user_id);
CREATE TABLE api_token (
  id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '', token_hash BLOB NOT NULL UNIQUE, created_at TEXT NOT NULL,
  revoked_at TEXT);
CREATE TABLE party (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
  roles TEXT NOT NULL DEFAULT '[]', external_id TEXT,
  emails TEXT NOT NULL DEFAULT '[]', phones TEXT NOT NULL DEFAULT '[]',
  addresses TEXT NOT NULL DEFAULT '[]', website TEXT, title TEXT,
  industry TEXT, source TEXT, city TEXT, country TEXT, birthday TEXT,
  needs TEXT, characteristics TEXT, communication TEXT NOT NULL DEFAULT '{}', contact_plan TEXT,
  relationship_to_company TEXT, importance TEXT, loyalty_class TEXT, value_class TEXT,
  customer_type TEXT, relationship_level TEXT,
  tags TEXT NOT NULL DEFAULT '[]', custom TEXT NOT NULL DEFAULT '{}', notes TEXT,
  owner_id INTEGER REFERENCES app_user(id), team_id INTEGER REFERENCES team(id),
  merged_into INTEGER REFERENCES party(id), deleted_at TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE UNIQUE INDEX party_external ON party(external_id) WHERE external_id IS NOT NULL;
CREATE INDEX party_name ON party(name, id);
CREATE INDEX party_updated ON party(updated_at, id);
CREATE INDEX party_created ON party(created_at, id);
CREATE INDEX party_owner ON party(owner_id);
CREATE TABLE contact_point (
  kind TEXT NOT NULL, normalized TEXT NOT NULL,
  party_id INTEGER NOT NULL REFERENCES party(id) ON DELETE CASCADE,
  PRIMARY KEY (kind, normalized, party_id)) WITHOUT ROWID;
CREATE INDEX contact_point_party ON contact_point(party_id);
CREATE VIRTUAL TABLE party_fts USING fts5(name, contacts, body, tokenize='rapport');
CREATE TABLE party_link (
  id INTEGER PRIMARY KEY, from_id INTEGER NOT NULL REFERENCES party(id),
  to_id INTEGER NOT NULL REFERENCES party(id), kind TEXT NOT NULL, decision_role TEXT,
  title TEXT, notes TEXT, since TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX link_from ON party_link(from_id, id);
CREATE INDEX link_to ON party_link(to_id, id);
CREATE TABLE interaction (
  id INTEGER PRIMARY KEY, party_id INTEGER NOT NULL REFERENCES party(id),
  channel TEXT NOT NULL, direction TEXT, subject TEXT, notes TEXT, outcome TEXT, response TEXT,
  status TEXT NOT NULL DEFAULT 'done', due_at TEXT, occurred_at TEXT,
  user_id INTEGER REFERENCES app_user(id), campaign TEXT, cost_amount INTEGER, cost_currency TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX interaction_party ON interaction(party_id, occurred_at);
CREATE INDEX interaction_due ON interaction(status, due_at);
CREATE TABLE txn (
  id INTEGER PRIMARY KEY, party_id INTEGER NOT NULL REFERENCES party(id), external_id TEXT,
  occurred_at TEXT NOT NULL, amount INTEGER NOT NULL, currency TEXT NOT NULL, cost INTEGER, cost_currency TEXT,
  items TEXT NOT NULL DEFAULT '[]', channel TEXT, description TEXT,
  competitor_id INTEGER REFERENCES party(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX txn_party ON txn(party_id, occurred_at);
CREATE INDEX txn_occurred ON txn(occurred_at, id);
CREATE UNIQUE INDEX txn_external ON txn(external_id) WHERE external_id IS NOT NULL;
CREATE TABLE product (
  id INTEGER PRIMARY KEY, sku TEXT, name TEXT NOT NULL, description TEXT, category TEXT,
  price_amount INTEGER, price_currency TEXT, active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE UNIQUE INDEX product_sku ON product(sku) WHERE sku IS NOT NULL;
CREATE TABLE note (
  id INTEGER PRIMARY KEY, party_id INTEGER NOT NULL REFERENCES party(id), body TEXT NOT NULL,
  user_id INTEGER REFERENCES app_user(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX note_party ON note(party_id, id);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY, at TEXT NOT NULL, user_id INTEGER, address TEXT,
  entity TEXT NOT NULL, entity_id INTEGER, action TEXT NOT NULL, changes TEXT,
  party_id INTEGER);
CREATE INDEX audit_party ON audit(party_id, id);
CREATE INDEX audit_entity ON audit(entity, entity_id, id);
CREATE TABLE idempotency (
  user_id INTEGER NOT NULL, key TEXT NOT NULL, request_hash BLOB NOT NULL,
  status INTEGER NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)) WITHOUT ROWID;
CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
