-- 14 (024 in the plan): campaigns with frozen member lists and control groups (issue 20,
-- DOMAIN D6/D10). A campaign now names its segment (a party-list query
-- string), its e-mail template, the share held out as a control group, its
-- attribution window and model, its cost and its PDCA record. When it
-- becomes active the segment is resolved once into campaign_member (the
-- frozen list; control = 1 for the held-out members) and each member's
-- sending state and measures are kept there.
CREATE TABLE email_template (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  language TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
ALTER TABLE campaign ADD COLUMN segment TEXT;
ALTER TABLE campaign ADD COLUMN template_id INTEGER REFERENCES email_template(id);
ALTER TABLE campaign ADD COLUMN control_share REAL;
ALTER TABLE campaign ADD COLUMN attribution_days INTEGER;
ALTER TABLE campaign ADD COLUMN attribution_model TEXT;
ALTER TABLE campaign ADD COLUMN cost_amount INTEGER;
ALTER TABLE campaign ADD COLUMN cost_currency TEXT;
ALTER TABLE campaign ADD COLUMN pdca_plan TEXT;
ALTER TABLE campaign ADD COLUMN pdca_do TEXT;
ALTER TABLE campaign ADD COLUMN pdca_check TEXT;
ALTER TABLE campaign ADD COLUMN pdca_act TEXT;
ALTER TABLE campaign ADD COLUMN members_frozen_at TEXT;
ALTER TABLE campaign ADD COLUMN member_count INTEGER;
ALTER TABLE campaign ADD COLUMN control_count INTEGER;
CREATE INDEX campaign_template ON campaign(template_id);
-- state: pending → sending → sent | bounced | failed; skipped (no consent,
-- no address, suppressed); a member left in sending by a crash is never
-- sent again (uncertain). token_hash: SHA-256 (hex) of the member's secret
-- token for the unsubscribe, open and click URLs; the token itself is only
-- in the message.
CREATE TABLE campaign_member (
  campaign_id INTEGER NOT NULL,
  party_id INTEGER NOT NULL,
  control INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'pending',
  address TEXT,
  token_hash TEXT,
  sent_at TEXT,
  delivered_at TEXT,
  opened_at TEXT,
  clicked_at TEXT,
  unsubscribed_at TEXT,
  detail TEXT,
  PRIMARY KEY (campaign_id, party_id)) WITHOUT ROWID;
-- No foreign keys and no full index but the key, on purpose: freezing a million
-- members is one append to this table without a look-up per row (the rows
-- come from the campaign and the party table in the same statement;
-- parties are only ever soft-deleted; deleting a campaign deletes its
-- members, campaign.c). The sender walks it in key order.
-- Deliveries by party, for attribution across campaigns (partial: a frozen
-- list has none yet, so freezing writes nothing here).
CREATE INDEX campaign_member_delivered ON campaign_member(party_id, delivered_at) WHERE delivered_at IS NOT NULL;
CREATE UNIQUE INDEX campaign_member_token ON campaign_member(token_hash) WHERE token_hash IS NOT NULL;
