-- 26: the loyalty points ledger (DOMAIN D7, the financial level of
-- relationship marketing). A loyalty programme is a record type (earn rules,
-- expiry, redemption); points live in an append-only ledger: each row is one
-- posting (earn, redeem, expire, adjust, reverse) with the party's balance
-- after it, so the balance is the newest row's balance_after and never goes
-- below zero (CHECK). Positive postings are lots that later negative ones
-- spend, nearest expiry first: points_use says which lot paid for which
-- posting (append-only too), points_lot keeps each lot's unspent rest (a
-- cache rebuilt from points_use by the check).
CREATE TABLE loyalty_program (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active',
  earn_unit_amount INTEGER,
  earn_unit_currency TEXT,
  earn_points INTEGER,
  product_rules TEXT NOT NULL DEFAULT '[]',
  tier_multipliers TEXT NOT NULL DEFAULT '[]',
  frequency_purchases INTEGER,
  frequency_days INTEGER,
  frequency_bonus INTEGER,
  expiry_days INTEGER,
  point_value_amount INTEGER,
  point_value_currency TEXT,
  min_redeem INTEGER,
  starts_on TEXT,
  ends_on TEXT,
  description TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX loyalty_program_status ON loyalty_program(status, id);

CREATE TABLE points_ledger (
  id INTEGER PRIMARY KEY,
  party_id INTEGER NOT NULL REFERENCES party(id),
  program_id INTEGER REFERENCES loyalty_program(id),
  kind TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'adjust', 'reverse')),
  points INTEGER NOT NULL CHECK (points <> 0 OR kind = 'reverse'),
  balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
  expires_at TEXT,
  txn_id INTEGER,
  reverses_id INTEGER REFERENCES points_ledger(id),
  order_id INTEGER,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL);
CREATE INDEX points_ledger_party ON points_ledger(party_id, id);
-- A transaction earns once per programme; an earning is taken back once.
CREATE UNIQUE INDEX points_earn_once ON points_ledger(txn_id, program_id) WHERE kind = 'earn';
CREATE UNIQUE INDEX points_reverse_once ON points_ledger(reverses_id) WHERE kind = 'reverse';
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;
CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;

CREATE TABLE points_use (
  spend_id INTEGER NOT NULL REFERENCES points_ledger(id),
  lot_id INTEGER NOT NULL REFERENCES points_ledger(id),
  points INTEGER NOT NULL CHECK (points > 0),
  PRIMARY KEY (spend_id, lot_id));
CREATE INDEX points_use_lot ON points_use(lot_id);
CREATE TRIGGER points_use_no_update BEFORE UPDATE ON points_use
BEGIN SELECT RAISE(ABORT, 'points_use is append-only'); END;
CREATE TRIGGER points_use_no_delete BEFORE DELETE ON points_use
BEGIN SELECT RAISE(ABORT, 'points_use is append-only'); END;

CREATE TABLE points_lot (
  lot_id INTEGER PRIMARY KEY REFERENCES points_ledger(id),
  party_id INTEGER NOT NULL REFERENCES party(id),
  expires_at TEXT,
  remaining INTEGER NOT NULL CHECK (remaining >= 0));
CREATE INDEX points_lot_open ON points_lot(party_id, expires_at) WHERE remaining > 0;
CREATE INDEX points_lot_expiry ON points_lot(expires_at) WHERE remaining > 0;
