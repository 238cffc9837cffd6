-- 18: price lists and quotes (issue 18, D10 proposal automation), declared
-- in the registry (src/records/registry.c). A price list holds its items
-- (product, unit price in minor units) as a JSON list; a quote owns itself
-- (owner_id / team_id), keeps its lines with their prices and the server's
-- totals, and each earlier revision whole in quote_revision.
CREATE TABLE price_list (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  currency TEXT NOT NULL,
  customer_group TEXT,
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  items TEXT NOT NULL DEFAULT '[]',
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX price_list_valid ON price_list(valid_from, id);
CREATE INDEX price_list_currency ON price_list(currency, valid_from);
-- The items again, one row each, kept by the write path's hook
-- (price_list.c): the price of a product is looked up by product, not by
-- reading every list's JSON.
CREATE TABLE price_list_item (
  list_id INTEGER NOT NULL REFERENCES price_list(id) ON DELETE CASCADE,
  product_id INTEGER NOT NULL REFERENCES product(id),
  unit_price INTEGER NOT NULL,
  PRIMARY KEY (list_id, product_id));
CREATE INDEX price_list_item_product ON price_list_item(product_id, list_id);

CREATE TABLE quote (
  id INTEGER PRIMARY KEY,
  party_id INTEGER NOT NULL REFERENCES party(id),
  opportunity_id INTEGER,
  title TEXT,
  currency TEXT NOT NULL,
  quote_date TEXT,
  valid_until TEXT,
  lines TEXT NOT NULL DEFAULT '[]',
  discount_bp INTEGER,
  tax_bp INTEGER,
  subtotal_amount INTEGER, subtotal_currency TEXT,
  discount_amount INTEGER, discount_currency TEXT,
  tax_amount INTEGER, tax_currency TEXT,
  total_amount INTEGER, total_currency TEXT,
  revision INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'draft',
  sent_at TEXT,
  sent_by INTEGER REFERENCES app_user(id),
  decided_at TEXT,
  decided_by INTEGER REFERENCES app_user(id),
  order_id INTEGER,
  notes TEXT,
  owner_id INTEGER REFERENCES app_user(id),
  team_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX quote_party ON quote(party_id, id);
CREATE INDEX quote_owner ON quote(owner_id);
CREATE INDEX quote_team ON quote(team_id);
CREATE INDEX quote_status ON quote(status, id);
CREATE INDEX quote_date ON quote(quote_date, id);

CREATE TABLE quote_revision (
  quote_id INTEGER NOT NULL REFERENCES quote(id) ON DELETE CASCADE,
  revision INTEGER NOT NULL,
  doc TEXT NOT NULL,
  saved_at TEXT NOT NULL,
  PRIMARY KEY (quote_id, revision));
