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

-- Clubs and member events (DOMAIN D7, the social level): a club has
-- membership levels and a fee; a member joins and leaves on given days at a
-- level and pays a fee; an event has a cost and invitations that move
-- invited → registered → attended | no_show (or declined). Members and
-- attendances belong to their party (its timeline shows them).
CREATE TABLE club (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT,
  description TEXT,
  membership_levels TEXT NOT NULL DEFAULT '[]',
  annual_fee_amount INTEGER,
  annual_fee_currency TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE TABLE club_member (
  id INTEGER PRIMARY KEY,
  club_id INTEGER NOT NULL REFERENCES club(id),
  party_id INTEGER NOT NULL REFERENCES party(id),
  level TEXT,
  joined_on TEXT NOT NULL,
  left_on TEXT,
  fee_amount INTEGER,
  fee_currency TEXT,
  notes TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX club_member_club ON club_member(club_id, id);
CREATE INDEX club_member_party ON club_member(party_id, joined_on);
CREATE TABLE club_event (
  id INTEGER PRIMARY KEY,
  club_id INTEGER REFERENCES club(id),
  name TEXT NOT NULL,
  starts_at TEXT,
  ends_at TEXT,
  location TEXT,
  cost_amount INTEGER,
  cost_currency TEXT,
  capacity INTEGER,
  status TEXT NOT NULL DEFAULT 'planned',
  description TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX club_event_club ON club_event(club_id, starts_at);
CREATE TABLE event_attendance (
  id INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL REFERENCES club_event(id),
  party_id INTEGER NOT NULL REFERENCES party(id),
  status TEXT NOT NULL DEFAULT 'invited',
  invited_at TEXT,
  registered_at TEXT,
  attended_at TEXT,
  notes TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE UNIQUE INDEX event_attendance_once ON event_attendance(event_id, party_id);
CREATE INDEX event_attendance_party ON event_attendance(party_id, id);

-- Structural ties (DOMAIN D7): services delivered to a channel partner that
-- it could not get elsewhere, with their value; they count in the partner's
-- relationship level.
CREATE TABLE structural_service (
  id INTEGER PRIMARY KEY,
  party_id INTEGER NOT NULL REFERENCES party(id),
  kind TEXT NOT NULL,
  delivered_on TEXT NOT NULL,
  value_amount INTEGER,
  value_currency TEXT,
  description TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX structural_service_party ON structural_service(party_id, delivered_on);

-- The relationship-level grid (D3.6, Kotler): margin × customers of the
-- kind, configurable in settings.
INSERT INTO setting(key, value) VALUES ('relationship.grid',
  '{"margin_low":0.1,"margin_high":0.3,"customers_few":100,"customers_many":1000}');
