-- 4: customer value analytics (issue 5): each party's computed scores with
-- explanations, the history of its label changes, and the log of runs with
-- the fitted model parameters. Money is integer minor units in the
-- analytics currency (setting analytics.currency). Settings live in `setting`
-- under keys "analytics.*" (defaults in src/analytics/service.c).
CREATE TABLE score (
  party_id INTEGER PRIMARY KEY REFERENCES party(id),
  computed_at TEXT NOT NULL, run_id INTEGER,
  first_purchase TEXT, last_purchase TEXT,
  transactions INTEGER NOT NULL, repeat_purchases INTEGER NOT NULL,
  recency_days INTEGER, tenure_days INTEGER,
  revenue INTEGER NOT NULL, cost INTEGER NOT NULL, profit INTEGER NOT NULL,
  cost_to_serve INTEGER NOT NULL, net_profit INTEGER NOT NULL, mean_spend INTEGER,
  competitor_amount INTEGER NOT NULL, competitor_share REAL,
  r INTEGER, f INTEGER, m INTEGER, rfm_segment TEXT,
  tier TEXT, p_alive REAL, expected_purchases REAL, expected_spend INTEGER,
  clv_historical INTEGER, clv_current INTEGER, clv_potential INTEGER, clv INTEGER,
  value_quadrant TEXT, value_strategy TEXT, future_matrix TEXT, profit_matrix TEXT,
  lifecycle TEXT, lifecycle_since TEXT, loyalty TEXT, attitude TEXT, behaviour TEXT,
  strategy TEXT, priority TEXT, prospect_score INTEGER, service_tier INTEGER,
  explanation TEXT NOT NULL DEFAULT '{}');
CREATE INDEX score_tier ON score(tier);
CREATE INDEX score_lifecycle ON score(lifecycle);
CREATE INDEX score_rfm ON score(rfm_segment);
CREATE INDEX score_strategy ON score(strategy);
CREATE INDEX score_priority ON score(priority);
CREATE INDEX score_clv ON score(clv);
CREATE INDEX score_p_alive ON score(p_alive);
CREATE TABLE score_history (
  id INTEGER PRIMARY KEY, party_id INTEGER NOT NULL REFERENCES party(id),
  at TEXT NOT NULL, field TEXT NOT NULL, old TEXT, new TEXT);
CREATE INDEX score_history_party ON score_history(party_id, field, id);
CREATE TABLE analytics_run (
  id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
  status TEXT NOT NULL, parties INTEGER, transactions INTEGER,
  state TEXT, result TEXT);
