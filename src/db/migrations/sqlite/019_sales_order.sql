-- 19: sales orders with the member order flow of DOMAIN D9 on status (see
-- src/domain/order.c): each step's time and user, the transaction the
-- payment created, and who works on it. Table sales_order: ORDER is a
-- keyword in SQL.
CREATE TABLE sales_order (
  id INTEGER PRIMARY KEY,
  party_id INTEGER NOT NULL REFERENCES party(id),
  quote_id INTEGER REFERENCES quote(id),
  currency TEXT NOT NULL,
  lines TEXT NOT NULL DEFAULT '[]',
  total_amount INTEGER NOT NULL, total_currency TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'confirmed',
  confirmed_at TEXT,
  confirmed_by INTEGER REFERENCES app_user(id),
  file_created_at TEXT,
  file_created_by INTEGER REFERENCES app_user(id),
  shipped_at TEXT,
  shipped_by INTEGER REFERENCES app_user(id),
  delivered_at TEXT,
  delivered_by INTEGER REFERENCES app_user(id),
  paid_at TEXT,
  paid_by INTEGER REFERENCES app_user(id),
  identity_verified_at TEXT,
  identity_verified_by INTEGER REFERENCES app_user(id),
  goods_inspected_at TEXT,
  goods_inspected_by INTEGER REFERENCES app_user(id),
  card_handed_over_at TEXT,
  card_handed_over_by INTEGER REFERENCES app_user(id),
  file_confirmed_at TEXT,
  file_confirmed_by INTEGER REFERENCES app_user(id),
  payment_collected_at TEXT,
  payment_collected_by INTEGER REFERENCES app_user(id),
  deal_confirmed_at TEXT,
  deal_confirmed_by INTEGER REFERENCES app_user(id),
  transaction_id INTEGER REFERENCES txn(id),
  assignee_id INTEGER REFERENCES app_user(id),
  notes TEXT,
  owner_id INTEGER REFERENCES app_user(id),
  team_id INTEGER REFERENCES team(id),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX sales_order_party ON sales_order(party_id, id);
CREATE INDEX sales_order_owner ON sales_order(owner_id);
CREATE INDEX sales_order_team ON sales_order(team_id);
CREATE INDEX sales_order_assignee ON sales_order(assignee_id);
CREATE INDEX sales_order_status ON sales_order(status, id);
CREATE UNIQUE INDEX sales_order_quote ON sales_order(quote_id) WHERE quote_id IS NOT NULL;
