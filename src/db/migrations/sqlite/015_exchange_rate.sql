-- 15: dated exchange rates (issue 18, multi-currency). One row says that on
-- valid_on one unit of currency is worth rate units of to_currency (a
-- decimal kept as text, so what was entered is what is shown). A total in
-- another currency uses the rate of the document's date: the latest row on
-- or before it (src/domain/fx.c); none is reported as missing, never guessed.
CREATE TABLE exchange_rate (
  id INTEGER PRIMARY KEY,
  currency TEXT NOT NULL,
  to_currency TEXT NOT NULL,
  valid_on TEXT NOT NULL,
  rate TEXT NOT NULL,
  source TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE UNIQUE INDEX exchange_rate_day ON exchange_rate(currency, to_currency, valid_on);
