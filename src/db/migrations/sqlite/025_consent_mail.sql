-- 15 (025 in the plan): consent per party and channel (issue 20; China's PIPL asks for the
-- source, the time and the wording agreed to), the suppression list of
-- e-mail addresses (hard bounces, complaints) and the mail settings.
-- Consents are never changed in place: each grant or withdrawal is a new
-- row, and the latest per party and channel (given_at, then id) decides.
CREATE TABLE consent (
  id INTEGER PRIMARY KEY,
  party_id INTEGER NOT NULL REFERENCES party(id),
  channel TEXT NOT NULL,
  granted INTEGER NOT NULL,
  source TEXT,
  wording TEXT,
  given_at TEXT NOT NULL,
  notes TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX consent_latest ON consent(party_id, channel, given_at, id);
CREATE TABLE mail_suppression (
  address TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  detail TEXT,
  created_at TEXT NOT NULL);
-- Channels other than e-mail for which marketing needs no recorded consent
-- (a JSON array; e-mail always needs it).
INSERT INTO setting(key, value) VALUES ('marketing.consent_optional', '[]') ON CONFLICT(key) DO NOTHING;
