-- 28: a refund names the purchase it refunds (issue 21). A partial refund
-- entered as its own negative transaction carries refunds_transaction_id;
-- the points and referral revenue its purchase earned are taken back in
-- proportion, by the refund's own postings (see src/domain/refund.c). An
-- earning is therefore reversed once per refunding transaction — by each
-- partial refund, or by the purchase itself when it is deleted or set to
-- zero — instead of once in all.
ALTER TABLE txn ADD COLUMN refunds_transaction_id INTEGER REFERENCES txn(id);
CREATE INDEX txn_refunds ON txn(refunds_transaction_id) WHERE refunds_transaction_id IS NOT NULL;
DROP INDEX points_reverse_once;
CREATE UNIQUE INDEX points_reverse_once ON points_ledger(reverses_id, txn_id) WHERE kind = 'reverse';
