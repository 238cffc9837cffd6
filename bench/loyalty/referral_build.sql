-- bench/loyalty/referral.sh: a referral programme of @FIRST@ first-level
-- members, each heading 6 + 36 + 216 more (the seed's four levels, 6 cards
-- each), with the aggregates the server keeps (referral_agg per member and
-- level, referral_level_agg per programme), computed level by level from
-- the deepest up.
INSERT INTO referral_program(id, name, status, levels, budget_cap_amount, budget_cap_currency, created_at, updated_at)
VALUES (1, 'bench', 'active',
 '[{"level":1,"card_quota":6,"benefit":"machine","benefit_cost":{"amount":300000,"currency":"CNY"},"expected_spend":{"amount":600000,"currency":"CNY"}},'
 || '{"level":2,"card_quota":6,"benefit":"half","benefit_cost":{"amount":150000,"currency":"CNY"},"expected_spend":{"amount":300000,"currency":"CNY"}},'
 || '{"level":3,"card_quota":6,"benefit":"third","benefit_cost":{"amount":100000,"currency":"CNY"},"expected_spend":{"amount":200000,"currency":"CNY"}},'
 || '{"level":4,"card_quota":0,"benefit":"quarter","benefit_cost":{"amount":75000,"currency":"CNY"},"expected_spend":{"amount":150000,"currency":"CNY"}}]',
 1000000000000, 'CNY', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z');
CREATE TEMP TABLE lv(level INTEGER PRIMARY KEY, base INTEGER, n INTEGER, cost INTEGER);
INSERT INTO lv VALUES (1, 0, @FIRST@, 300000), (2, @FIRST@, @FIRST@ * 6, 150000),
  (3, @FIRST@ * 7, @FIRST@ * 36, 100000), (4, @FIRST@ * 43, @FIRST@ * 216, 75000);
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < @FIRST@ * 259)
INSERT INTO party(id, kind, name, created_at, updated_at) SELECT i, 'person', 'member ' || i, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z' FROM seq;
-- Member id = party id; a member of level L at position k (from 0) has the
-- parent at position k / 6 of level L - 1.
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < @FIRST@ * 259)
INSERT INTO referral_member(id, program_id, party_id, level, ordinary, parent_id, member_card, benefit_cost, enrolled_at, enrolled_by)
SELECT seq.i, 1, seq.i, lv.level, 0,
       CASE WHEN lv.level = 1 THEN NULL ELSE (SELECT p.base FROM lv p WHERE p.level = lv.level - 1) + (seq.i - lv.base - 1) / 6 + 1 END,
       'B' || seq.i, lv.cost, '2026-12-01T00:00:00Z', 'system:bench'
FROM seq JOIN lv ON seq.i > lv.base AND seq.i <= lv.base + lv.n;
INSERT INTO referral_agg(member_id, level, ordinary, members, cost, revenue) SELECT id, level, 0, 1, benefit_cost, 0 FROM referral_member;
INSERT INTO referral_agg(member_id, level, ordinary, members, cost, revenue)
SELECT m.parent_id, a.level, a.ordinary, sum(a.members), sum(a.cost), 0 FROM referral_agg a JOIN referral_member m ON m.id = a.member_id
WHERE m.level = 4 GROUP BY m.parent_id, a.level, a.ordinary
ON CONFLICT(member_id, level, ordinary) DO UPDATE SET members = members + excluded.members, cost = cost + excluded.cost;
INSERT INTO referral_agg(member_id, level, ordinary, members, cost, revenue)
SELECT m.parent_id, a.level, a.ordinary, sum(a.members), sum(a.cost), 0 FROM referral_agg a JOIN referral_member m ON m.id = a.member_id
WHERE m.level = 3 GROUP BY m.parent_id, a.level, a.ordinary
ON CONFLICT(member_id, level, ordinary) DO UPDATE SET members = members + excluded.members, cost = cost + excluded.cost;
INSERT INTO referral_agg(member_id, level, ordinary, members, cost, revenue)
SELECT m.parent_id, a.level, a.ordinary, sum(a.members), sum(a.cost), 0 FROM referral_agg a JOIN referral_member m ON m.id = a.member_id
WHERE m.level = 2 GROUP BY m.parent_id, a.level, a.ordinary
ON CONFLICT(member_id, level, ordinary) DO UPDATE SET members = members + excluded.members, cost = cost + excluded.cost;
INSERT INTO referral_level_agg(program_id, level, ordinary, members, cost, revenue)
SELECT 1, level, ordinary, count(*), sum(benefit_cost), 0 FROM referral_member GROUP BY level, ordinary;
