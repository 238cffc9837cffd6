-- 28 here, 031 in the plan (issue 20, the rest; renumber at merge): an occasion rule may send an e-mail from a
-- template instead of making a task (action 'email'). Each such message is
-- a row of occasion_mail, keyed once per party, occasion and year (the
-- occasion: 'birthday', 'lunar_birthday', 'first_purchase',
-- 'festival:<id>', 'key_date:<key date id>'), whichever rule or run makes
-- it — two rules on the same birthday send one message. Its state moves as
-- a campaign member's does: pending → sending → sent | bounced | failed;
-- skipped (no consent, no address, suppressed); a row left in sending by a
-- crash is never sent again (uncertain). token_hash: SHA-256 (hex) of the
-- secret token of its unsubscribe, open and click URLs.
ALTER TABLE occasion_rule ADD COLUMN action TEXT;
ALTER TABLE occasion_rule ADD COLUMN template_id INTEGER REFERENCES email_template(id);
CREATE TABLE occasion_mail (
  party_id INTEGER NOT NULL,
  occasion TEXT NOT NULL,
  year INTEGER NOT NULL,
  rule_id INTEGER NOT NULL,
  occasion_on TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  address TEXT,
  token_hash TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  opened_at TEXT,
  clicked_at TEXT,
  unsubscribed_at TEXT,
  detail TEXT,
  PRIMARY KEY (party_id, occasion, year));
-- The sender walks a rule's rows by state in party order.
CREATE INDEX occasion_mail_rule ON occasion_mail(rule_id, state, party_id);
CREATE UNIQUE INDEX occasion_mail_token ON occasion_mail(token_hash) WHERE token_hash IS NOT NULL;
