-- 27: the VIP referral-card programme (DOMAIN D9). A programme (record
-- type referral-programs) has levels 1..n with a card quota, a benefit and
-- its cost, and the expected spending per member, a budget cap, a quota
-- growth rule and the level from which members refer ordinary members.
-- Members form a referral tree (parent_id); every enrolment adds itself to
-- the subtree aggregates of the member and each ancestor (referral_agg, per
-- level and kind) and to the programme's per-level totals
-- (referral_level_agg), so any member's subtree counts, cost and revenue
-- and the per-level report are a handful of indexed rows at any size.
CREATE TABLE referral_program (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'planned',
  levels TEXT NOT NULL DEFAULT '[]',
  budget_cap_amount INTEGER,
  budget_cap_currency TEXT,
  starts_on TEXT,
  ends_on TEXT,
  growth_every INTEGER,
  growth_cards INTEGER,
  growth_up_to_level INTEGER,
  open_from_level INTEGER,
  description TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);

CREATE TABLE referral_member (
  id INTEGER PRIMARY KEY,
  program_id INTEGER NOT NULL REFERENCES referral_program(id),
  party_id INTEGER NOT NULL REFERENCES party(id),
  level INTEGER NOT NULL,
  ordinary INTEGER NOT NULL DEFAULT 0,
  parent_id INTEGER REFERENCES referral_member(id),
  card_id INTEGER,
  member_card TEXT NOT NULL,
  benefit TEXT,
  benefit_cost INTEGER NOT NULL DEFAULT 0,
  order_id INTEGER,
  own_revenue INTEGER NOT NULL DEFAULT 0,
  enrolled_at TEXT NOT NULL,
  enrolled_by TEXT NOT NULL);
CREATE UNIQUE INDEX referral_member_party ON referral_member(program_id, party_id);
CREATE UNIQUE INDEX referral_member_card ON referral_member(member_card);
CREATE INDEX referral_member_parent ON referral_member(parent_id, id);
CREATE INDEX referral_member_roots ON referral_member(program_id, level, id);
CREATE INDEX referral_member_of_party ON referral_member(party_id);

-- The identities a programme has enrolled (ID number, phone, e-mail): one
-- person enrols once.
CREATE TABLE referral_identity (
  program_id INTEGER NOT NULL REFERENCES referral_program(id),
  kind TEXT NOT NULL CHECK (kind IN ('id_number', 'phone', 'email')),
  value TEXT NOT NULL,
  member_id INTEGER NOT NULL REFERENCES referral_member(id),
  PRIMARY KEY (program_id, kind, value));

CREATE TABLE referral_card (
  id INTEGER PRIMARY KEY,
  program_id INTEGER NOT NULL REFERENCES referral_program(id),
  issuer_id INTEGER NOT NULL REFERENCES referral_member(id),
  level INTEGER NOT NULL,
  code TEXT NOT NULL,
  code_key TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'redeemed')),
  issued_at TEXT NOT NULL,
  redeemed_at TEXT,
  redeemed_by INTEGER REFERENCES referral_member(id));
CREATE UNIQUE INDEX referral_card_key ON referral_card(code_key);
CREATE INDEX referral_card_issuer ON referral_card(issuer_id, id);

CREATE TABLE referral_agg (
  member_id INTEGER NOT NULL REFERENCES referral_member(id),
  level INTEGER NOT NULL,
  ordinary INTEGER NOT NULL,
  members INTEGER NOT NULL DEFAULT 0,
  cost INTEGER NOT NULL DEFAULT 0,
  revenue INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (member_id, level, ordinary));

CREATE TABLE referral_level_agg (
  program_id INTEGER NOT NULL REFERENCES referral_program(id),
  level INTEGER NOT NULL,
  ordinary INTEGER NOT NULL,
  members INTEGER NOT NULL DEFAULT 0,
  cost INTEGER NOT NULL DEFAULT 0,
  revenue INTEGER NOT NULL DEFAULT 0,
  cards_issued INTEGER NOT NULL DEFAULT 0,
  cards_redeemed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (program_id, level, ordinary));

-- What each purchase added to a member's revenue, so a refund takes back
-- exactly that, once.
CREATE TABLE referral_revenue (
  txn_id INTEGER NOT NULL,
  member_id INTEGER NOT NULL REFERENCES referral_member(id),
  amount INTEGER NOT NULL,
  PRIMARY KEY (txn_id, member_id));
