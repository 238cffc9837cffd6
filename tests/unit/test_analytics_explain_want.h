/*
 * test_analytics_explain_want.h — the pinned output of sc_explain for the
 * parties of test_analytics_explain.c, printed by that test with
 * RAPPORT_EXPLAIN_PRINT=1 against sc_explain before it was split (issue 17).
 */
#define WANT_UNFITTED \
    "summary|summary.purchases|6 transactions on 4 purchase days from 2023-12-09 to 2024-09-24 (3 repeat); revenue 75.00, cost 39.50, profit 35.50, cost to serve 7.00, net profit 28.50; competitors' share 57.1%\n" \
    " int transactions=6\n" \
    " int purchase_days=4\n" \
    " date first_purchase=19700\n" \
    " date last_purchase=19990\n" \
    " int repeat=3\n" \
    " money revenue=7500\n" \
    " money cost=3950\n" \
    " money profit=3550\n" \
    " money cost_to_serve=700\n" \
    " money net_profit=2850\n" \
    " real competitor_share_pct=57.1\n" \
    "rfm|rfm.quintiles|last purchase 10 days ago: R 5; 4 purchase days: F 4; mean spend 18.75: M 4 (quintiles of 3 buyers, 5 = best fifth); RFM 544: champions (rule R>=4, F>=4, M>=4)\n" \
    " int recency_days=10\n" \
    " int r=5\n" \
    " int purchase_days=4\n" \
    " int f=4\n" \
    " money mean_spend=1875\n" \
    " int m=4\n" \
    " int buyers=3\n" \
    " label segment=rfm:champions\n" \
    "tier|tier.customers|net profit (revenue - cost - cost to serve) profit 28.50: gold (platinum >= 1000.00, gold >= 20.00, iron > 0, lead <= 0); shares of customers\n" \
    " money net_profit=2850\n" \
    " money platinum_min=100000\n" \
    " money gold_min=2000\n" \
    " label tier=tier:gold\n" \
    "model|model.unfitted|no purchase model fitted yet (too few buyers): P(alive) and expectations unknown\n" \
    "clv|clv.parts|CLV 28.50 = historical 28.50 (net profit) + current 0.00 (next 52 weeks) + potential 0.00 (to week 156); expected purchases x spend 18.75 x margin 0.30, discounted 10%/year\n" \
    " money total=2850\n" \
    " money historical=2850\n" \
    " money current=0\n" \
    " real current_weeks=52\n" \
    " money potential=0\n" \
    " real horizon_weeks=156\n" \
    " money spend=1875\n" \
    " real margin=0.3\n" \
    " real discount_pct=10\n" \
    "value_quadrant|value_quadrant.cuts|current 0.00 < 10.00, potential 0.00 < 10.00: lead (abandon)\n" \
    " money current=0\n" \
    " money current_cut=1000\n" \
    " money potential=0\n" \
    " money potential_cut=1000\n" \
    " label quadrant=tier:lead\n" \
    " label strategy=value_strategy:abandon\n" \
    "future_matrix|future_matrix.cuts|current 28.50 >= 10.00, future 0.00 < 10.00: retain\n" \
    " money historical=2850\n" \
    " money historical_cut=1000\n" \
    " money future=0\n" \
    " money future_cut=1000\n" \
    " label cell=future_matrix:retain\n" \
    "profit_matrix|profit_matrix.cuts|profit 35.50 < 50.00, cost to serve 7.00 >= 5.00: unprofitable\n" \
    " money profit=3550\n" \
    " money profit_cut=5000\n" \
    " money cost_to_serve=700\n" \
    " money cost_cut=500\n" \
    " label cell=profit_matrix:unprofitable\n" \
    "lifecycle|lifecycle.trend|2 purchase days in the last 26 weeks, 2 in the 26 weeks before; rate 0.077/week recent vs 0.119/week before (trend -0.35; formation >= +0.25, decline <= -0.50), P(alive) nan, tenure 42.9 weeks: stability\n" \
    " int recent_days=2\n" \
    " int prior_days=2\n" \
    " real window_weeks=26\n" \
    " real p_alive=nan\n" \
    " real decline_p_alive=0.5\n" \
    " real tenure_weeks=42.9\n" \
    " real exploration_weeks=13\n" \
    " real repeat=3\n" \
    " real rate_recent=0.077\n" \
    " real rate_prior=0.119\n" \
    " real trend=-0.35\n" \
    " real growth=0.25\n" \
    " real drop=0.5\n" \
    " label stage=lifecycle:stability\n" \
    "strategy|strategy.of_tier|tier gold: caring (关怀型)\n" \
    " label tier=tier:gold\n" \
    " label strategy=strategy:caring\n" \
    "priority|priority.cuts|revenue of the last 52 weeks and potential value against their 80% quantiles: revenue 75.00 >= 1.00, potential 0.00 < 1.00: A\n" \
    " real weeks=52\n" \
    " real quantile_pct=80\n" \
    " money revenue=7500\n" \
    " money revenue_cut=100\n" \
    " money potential=0\n" \
    " money potential_cut=100\n" \
    " text priority=A\n" \
    "loyalty|loyalty.class|4 purchases, tenure 42.9 weeks (new below 26), 3 repeat (loyal from 3), P(alive) nan (loyal from 0.70): old\n" \
    " int purchase_days=4\n" \
    " real tenure_weeks=42.9\n" \
    " real new_weeks=26\n" \
    " real repeat=3\n" \
    " real loyal_repeat=3\n" \
    " real p_alive=nan\n" \
    " real loyal_p_alive=0.7\n" \
    " label loyalty=loyalty_class:old\n" \
    "behaviour|behaviour.high_attitude|attitude high (satisfaction 5.0, NPS -1; high: satisfaction >= 4 or NPS >= 9), repeat 3 >= 2: loyal (loyalty programme)\n" \
    " real satisfaction=5\n" \
    " real nps=nan\n" \
    " real repeat=3\n" \
    " real repeat_cut=2\n" \
    " label behaviour=behaviour:loyal\n" \
    "service_tier|service_tier.above|assets 1500000.00 >= 1000000.00: tier 2: personal_wealth\n" \
    " money assets=150000000\n" \
    " money threshold=100000000\n" \
    " int level=2\n" \
    " label service_tier=service_tier:personal_wealth\n" \
    "prospect|prospect.worksheet|prospect worksheet: 5 of 7 criteria met\n" \
    " int score=5\n"

#define WANT_BGNBD \
    "summary|summary.purchases|6 transactions on 4 purchase days from 2023-12-09 to 2024-09-24 (3 repeat); revenue 75.00, cost 39.50, profit 35.50, cost to serve 2.50, net profit 33.00; competitors' share 57.1%\n" \
    " int transactions=6\n" \
    " int purchase_days=4\n" \
    " date first_purchase=19700\n" \
    " date last_purchase=19990\n" \
    " int repeat=3\n" \
    " money revenue=7500\n" \
    " money cost=3950\n" \
    " money profit=3550\n" \
    " money cost_to_serve=250\n" \
    " money net_profit=3300\n" \
    " real competitor_share_pct=57.1\n" \
    "rfm|rfm.quintiles|last purchase 10 days ago: R 5; 4 purchase days: F 4; mean spend 18.75: M 4 (quintiles of 3 buyers, 5 = best fifth); RFM 544: champions (rule R>=4, F>=4, M>=4)\n" \
    " int recency_days=10\n" \
    " int r=5\n" \
    " int purchase_days=4\n" \
    " int f=4\n" \
    " money mean_spend=1875\n" \
    " int m=4\n" \
    " int buyers=3\n" \
    " label segment=rfm:champions\n" \
    "tier|tier.customers|net profit (revenue - cost - cost to serve) profit 33.00: gold (platinum >= 1000.00, gold >= 20.00, iron > 0, lead <= 0); shares of customers\n" \
    " money net_profit=3300\n" \
    " money platinum_min=100000\n" \
    " money gold_min=2000\n" \
    " label tier=tier:gold\n" \
    "model|model.gamma_gamma|BG/NBD r 0.243, alpha 4.414, a 0.793, b 2.426 with x 3 repeat purchases, t_x 41.43, T 42.86 weeks: P(alive) 0.835, 2.36 expected purchases in 52 weeks; expected spend 30.67 per purchase (Gamma-Gamma)\n" \
    " text model=BG/NBD\n" \
    " text params=r 0.243, alpha 4.414, a 0.793, b 2.426\n" \
    " label boundary=model_boundary:none\n" \
    " label spend_boundary=spend_boundary:none\n" \
    " real repeat=3\n" \
    " real t_x=41.43\n" \
    " real T=42.86\n" \
    " real p_alive=0.835\n" \
    " real expected=2.36\n" \
    " real weeks=52\n" \
    " money spend=3067\n" \
    "clv|clv.parts|CLV 76.79 = historical 33.00 (net profit) + current 20.81 (next 52 weeks) + potential 22.98 (to week 156); expected purchases x spend 30.67 x margin 0.30, discounted 10%/year\n" \
    " money total=7679\n" \
    " money historical=3300\n" \
    " money current=2081\n" \
    " real current_weeks=52\n" \
    " money potential=2298\n" \
    " real horizon_weeks=156\n" \
    " money spend=3067\n" \
    " real margin=0.3\n" \
    " real discount_pct=10\n" \
    "value_quadrant|value_quadrant.cuts|current 20.81 >= 10.00, potential 22.98 >= 10.00: platinum (pursue)\n" \
    " money current=2081\n" \
    " money current_cut=1000\n" \
    " money potential=2298\n" \
    " money potential_cut=1000\n" \
    " label quadrant=tier:platinum\n" \
    " label strategy=value_strategy:pursue\n" \
    "future_matrix|future_matrix.cuts|current 33.00 >= 10.00, future 43.79 >= 10.00: best\n" \
    " money historical=3300\n" \
    " money historical_cut=1000\n" \
    " money future=4379\n" \
    " money future_cut=1000\n" \
    " label cell=future_matrix:best\n" \
    "profit_matrix|profit_matrix.cuts|profit 35.50 < 50.00, cost to serve 2.50 < 5.00: profitable_low\n" \
    " money profit=3550\n" \
    " money profit_cut=5000\n" \
    " money cost_to_serve=250\n" \
    " money cost_cut=500\n" \
    " label cell=profit_matrix:profitable_low\n" \
    "lifecycle|lifecycle.trend|2 purchase days in the last 26 weeks, 2 in the 26 weeks before; rate 0.077/week recent vs 0.119/week before (trend -0.35; formation >= +0.25, decline <= -0.50), P(alive) 0.835, tenure 42.9 weeks: stability\n" \
    " int recent_days=2\n" \
    " int prior_days=2\n" \
    " real window_weeks=26\n" \
    " real p_alive=0.835\n" \
    " real decline_p_alive=0.5\n" \
    " real tenure_weeks=42.9\n" \
    " real exploration_weeks=13\n" \
    " real repeat=3\n" \
    " real rate_recent=0.077\n" \
    " real rate_prior=0.119\n" \
    " real trend=-0.35\n" \
    " real growth=0.25\n" \
    " real drop=0.5\n" \
    " label stage=lifecycle:stability\n" \
    "strategy|strategy.of_tier|tier gold: caring (关怀型)\n" \
    " label tier=tier:gold\n" \
    " label strategy=strategy:caring\n" \
    "priority|priority.cuts|revenue of the last 52 weeks and potential value against their 80% quantiles: revenue 75.00 >= 1.00, potential 22.98 >= 1.00: A+\n" \
    " real weeks=52\n" \
    " real quantile_pct=80\n" \
    " money revenue=7500\n" \
    " money revenue_cut=100\n" \
    " money potential=2298\n" \
    " money potential_cut=100\n" \
    " text priority=A+\n" \
    "loyalty|loyalty.class|4 purchases, tenure 42.9 weeks (new below 26), 3 repeat (loyal from 3), P(alive) 0.835 (loyal from 0.70): loyal\n" \
    " int purchase_days=4\n" \
    " real tenure_weeks=42.9\n" \
    " real new_weeks=26\n" \
    " real repeat=3\n" \
    " real loyal_repeat=3\n" \
    " real p_alive=0.835\n" \
    " real loyal_p_alive=0.7\n" \
    " label loyalty=loyalty_class:loyal\n" \
    "behaviour|behaviour.low_attitude|attitude low (satisfaction -1.0, NPS 3; high: satisfaction >= 4 or NPS >= 9), repeat 3 >= 2: inertia (retention programme)\n" \
    " real satisfaction=nan\n" \
    " real nps=3\n" \
    " real repeat=3\n" \
    " real repeat_cut=2\n" \
    " label behaviour=behaviour:inertia\n" \
    "service_tier|service_tier.below|assets 50000.00 below the first threshold 200000.00: tier 0: standard\n" \
    " money assets=5000000\n" \
    " money threshold=20000000\n" \
    " int level=0\n" \
    " label service_tier=service_tier:standard\n"

#define WANT_PNBD_BOUNDARY \
    "summary|summary.purchases|6 transactions on 4 purchase days from 2023-12-09 to 2024-09-24 (3 repeat); revenue 75.00, cost 39.50, profit 35.50, cost to serve 0.00, net profit 35.50; competitors' share 57.1%\n" \
    " int transactions=6\n" \
    " int purchase_days=4\n" \
    " date first_purchase=19700\n" \
    " date last_purchase=19990\n" \
    " int repeat=3\n" \
    " money revenue=7500\n" \
    " money cost=3950\n" \
    " money profit=3550\n" \
    " money cost_to_serve=0\n" \
    " money net_profit=3550\n" \
    " real competitor_share_pct=57.1\n" \
    "rfm|rfm.quintiles|last purchase 10 days ago: R 5; 4 purchase days: F 4; mean spend 18.75: M 4 (quintiles of 3 buyers, 5 = best fifth); RFM 544: champions (rule R>=4, F>=4, M>=4)\n" \
    " int recency_days=10\n" \
    " int r=5\n" \
    " int purchase_days=4\n" \
    " int f=4\n" \
    " money mean_spend=1875\n" \
    " int m=4\n" \
    " int buyers=3\n" \
    " label segment=rfm:champions\n" \
    "tier|tier.profit|net profit (revenue - cost - cost to serve) profit 35.50: gold (platinum >= 1000.00, gold >= 20.00, iron > 0, lead <= 0); profit shares of total profit\n" \
    " money net_profit=3550\n" \
    " money platinum_min=100000\n" \
    " money gold_min=2000\n" \
    " label tier=tier:gold\n" \
    "model|model.gamma_gamma|Pareto/NBD r 0.553, alpha 10.58, s 0.606, beta 11.67; r, alpha and s, beta at the boundary: every customer has the same purchase rate and the same drop-out rate with x 3 repeat purchases, t_x 41.43, T 42.86 weeks: P(alive) 0.983, 2.73 expected purchases in 52 weeks; expected spend 30.67 per purchase (Gamma-Gamma with q, gamma at the boundary: the same spend rate for every customer)\n" \
    " text model=Pareto/NBD\n" \
    " text params=r 0.553, alpha 10.58, s 0.606, beta 11.67\n" \
    " label boundary=model_boundary:purchase_rate_dropout_rate\n" \
    " label spend_boundary=spend_boundary:spend_rate\n" \
    " real repeat=3\n" \
    " real t_x=41.43\n" \
    " real T=42.86\n" \
    " real p_alive=0.983\n" \
    " real expected=2.73\n" \
    " real weeks=52\n" \
    " money spend=3067\n" \
    "clv|clv.parts|CLV 87.33 = historical 35.50 (net profit) + current 24.04 (next 52 weeks) + potential 27.79 (to week 156); expected purchases x spend 30.67 x margin 0.30, discounted 10%/year\n" \
    " money total=8733\n" \
    " money historical=3550\n" \
    " money current=2404\n" \
    " real current_weeks=52\n" \
    " money potential=2779\n" \
    " real horizon_weeks=156\n" \
    " money spend=3067\n" \
    " real margin=0.3\n" \
    " real discount_pct=10\n" \
    "value_quadrant|value_quadrant.cuts|current 24.04 >= 10.00, potential 27.79 >= 10.00: platinum (pursue)\n" \
    " money current=2404\n" \
    " money current_cut=1000\n" \
    " money potential=2779\n" \
    " money potential_cut=1000\n" \
    " label quadrant=tier:platinum\n" \
    " label strategy=value_strategy:pursue\n" \
    "future_matrix|future_matrix.cuts|current 35.50 >= 10.00, future 51.83 >= 10.00: best\n" \
    " money historical=3550\n" \
    " money historical_cut=1000\n" \
    " money future=5183\n" \
    " money future_cut=1000\n" \
    " label cell=future_matrix:best\n" \
    "profit_matrix|profit_matrix.cuts|profit 35.50 < 50.00, cost to serve 0.00 < 5.00: profitable_low\n" \
    " money profit=3550\n" \
    " money profit_cut=5000\n" \
    " money cost_to_serve=0\n" \
    " money cost_cut=500\n" \
    " label cell=profit_matrix:profitable_low\n" \
    "lifecycle|lifecycle.trend|2 purchase days in the last 26 weeks, 2 in the 26 weeks before; rate 0.077/week recent vs 0.119/week before (trend -0.35; formation >= +0.25, decline <= -0.50), P(alive) 0.983, tenure 42.9 weeks: stability\n" \
    " int recent_days=2\n" \
    " int prior_days=2\n" \
    " real window_weeks=26\n" \
    " real p_alive=0.983\n" \
    " real decline_p_alive=0.5\n" \
    " real tenure_weeks=42.9\n" \
    " real exploration_weeks=13\n" \
    " real repeat=3\n" \
    " real rate_recent=0.077\n" \
    " real rate_prior=0.119\n" \
    " real trend=-0.35\n" \
    " real growth=0.25\n" \
    " real drop=0.5\n" \
    " label stage=lifecycle:stability\n" \
    "strategy|strategy.of_tier|tier gold: caring (关怀型)\n" \
    " label tier=tier:gold\n" \
    " label strategy=strategy:caring\n" \
    "priority|priority.cuts|revenue of the last 52 weeks and potential value against their 80% quantiles: revenue 75.00 >= 1.00, potential 27.79 >= 1.00: A+\n" \
    " real weeks=52\n" \
    " real quantile_pct=80\n" \
    " money revenue=7500\n" \
    " money revenue_cut=100\n" \
    " money potential=2779\n" \
    " money potential_cut=100\n" \
    " text priority=A+\n" \
    "loyalty|loyalty.class|4 purchases, tenure 42.9 weeks (new below 26), 3 repeat (loyal from 3), P(alive) 0.983 (loyal from 0.70): loyal\n" \
    " int purchase_days=4\n" \
    " real tenure_weeks=42.9\n" \
    " real new_weeks=26\n" \
    " real repeat=3\n" \
    " real loyal_repeat=3\n" \
    " real p_alive=0.983\n" \
    " real loyal_p_alive=0.7\n" \
    " label loyalty=loyalty_class:loyal\n" \
    "behaviour|behaviour.high_attitude|attitude high (satisfaction 2.0, NPS 10; high: satisfaction >= 4 or NPS >= 9), repeat 3 >= 2: loyal (loyalty programme)\n" \
    " real satisfaction=2\n" \
    " real nps=10\n" \
    " real repeat=3\n" \
    " real repeat_cut=2\n" \
    " label behaviour=behaviour:loyal\n" \
    "service_tier|service_tier.above|assets 20000000.00 >= 10000000.00: tier 4: private_banking\n" \
    " money assets=2000000000\n" \
    " money threshold=1000000000\n" \
    " int level=4\n" \
    " label service_tier=service_tier:private_banking\n" \
    "prospect|prospect.worksheet|prospect worksheet: 0 of 7 criteria met\n" \
    " int score=0\n"

#define WANT_YOUNG \
    "summary|summary.purchases|2 transactions on 2 purchase days from 2024-09-14 to 2024-10-01 (1 repeat); revenue 3750.50, cost 1875.35, profit 1875.15, cost to serve 0.00, net profit 1875.15; competitors' share 0.0%\n" \
    " int transactions=2\n" \
    " int purchase_days=2\n" \
    " date first_purchase=19980\n" \
    " date last_purchase=19997\n" \
    " int repeat=1\n" \
    " money revenue=375050\n" \
    " money cost=187535\n" \
    " money profit=187515\n" \
    " money cost_to_serve=0\n" \
    " money net_profit=187515\n" \
    " real competitor_share_pct=0\n" \
    "rfm|rfm.quintiles|last purchase 3 days ago: R 5; 2 purchase days: F 2; mean spend 1875.25: M 5 (quintiles of 3 buyers, 5 = best fifth); RFM 525: potential_loyalist (rule R>=4, F=2..3)\n" \
    " int recency_days=3\n" \
    " int r=5\n" \
    " int purchase_days=2\n" \
    " int f=2\n" \
    " money mean_spend=187525\n" \
    " int m=5\n" \
    " int buyers=3\n" \
    " label segment=rfm:potential_loyalist\n" \
    "tier|tier.customers|net profit (revenue - cost - cost to serve) profit 1875.15: platinum (platinum >= 1000.00, gold >= 20.00, iron > 0, lead <= 0); shares of customers\n" \
    " money net_profit=187515\n" \
    " money platinum_min=100000\n" \
    " money gold_min=2000\n" \
    " label tier=tier:platinum\n" \
    "model|model.own_spend|BG/NBD r 0.243, alpha 4.414, a 0.793, b 2.426; r, alpha at the boundary: every customer has the same purchase rate with x 1 repeat purchases, t_x 2.43, T 2.86 weeks: P(alive) 0.739, 3.35 expected purchases in 52 weeks; expected spend 1875.25 per purchase (own mean spend, no Gamma-Gamma fit)\n" \
    " text model=BG/NBD\n" \
    " text params=r 0.243, alpha 4.414, a 0.793, b 2.426\n" \
    " label boundary=model_boundary:purchase_rate\n" \
    " label spend_boundary=spend_boundary:none\n" \
    " real repeat=1\n" \
    " real t_x=2.43\n" \
    " real T=2.86\n" \
    " real p_alive=0.739\n" \
    " real expected=3.35\n" \
    " real weeks=52\n" \
    " money spend=187525\n" \
    "clv|clv.parts|CLV 5028.38 = historical 1875.15 (net profit) + current 1813.68 (next 52 weeks) + potential 1339.55 (to week 156); expected purchases x spend 1875.25 x margin 0.30, discounted 10%/year\n" \
    " money total=502838\n" \
    " money historical=187515\n" \
    " money current=181368\n" \
    " real current_weeks=52\n" \
    " money potential=133955\n" \
    " real horizon_weeks=156\n" \
    " money spend=187525\n" \
    " real margin=0.3\n" \
    " real discount_pct=10\n" \
    "value_quadrant|value_quadrant.cuts|current 1813.68 >= 10.00, potential 1339.55 >= 10.00: platinum (pursue)\n" \
    " money current=181368\n" \
    " money current_cut=1000\n" \
    " money potential=133955\n" \
    " money potential_cut=1000\n" \
    " label quadrant=tier:platinum\n" \
    " label strategy=value_strategy:pursue\n" \
    "future_matrix|future_matrix.cuts|current 1875.15 >= 10.00, future 3153.23 >= 10.00: best\n" \
    " money historical=187515\n" \
    " money historical_cut=1000\n" \
    " money future=315323\n" \
    " money future_cut=1000\n" \
    " label cell=future_matrix:best\n" \
    "profit_matrix|profit_matrix.cuts|profit 1875.15 >= 50.00, cost to serve 0.00 < 5.00: most_profitable\n" \
    " money profit=187515\n" \
    " money profit_cut=5000\n" \
    " money cost_to_serve=0\n" \
    " money cost_cut=500\n" \
    " label cell=profit_matrix:most_profitable\n" \
    "lifecycle|lifecycle.young|2 purchase days in the last 26 weeks, 0 in the 26 weeks before; tenure 2.9 weeks (exploration below 13), 1 repeat purchases: exploration\n" \
    " int recent_days=2\n" \
    " int prior_days=0\n" \
    " real window_weeks=26\n" \
    " real p_alive=0.739\n" \
    " real decline_p_alive=0.5\n" \
    " real tenure_weeks=2.9\n" \
    " real exploration_weeks=13\n" \
    " real repeat=1\n" \
    " label stage=lifecycle:exploration\n" \
    "strategy|strategy.of_tier|tier platinum: submissive (屈从型)\n" \
    " label tier=tier:platinum\n" \
    " label strategy=strategy:submissive\n" \
    "priority|priority.cuts|revenue of the last 52 weeks and potential value against their 80% quantiles: revenue 3750.50 >= 1.00, potential 1339.55 >= 1.00: A+\n" \
    " real weeks=52\n" \
    " real quantile_pct=80\n" \
    " money revenue=375050\n" \
    " money revenue_cut=100\n" \
    " money potential=133955\n" \
    " money potential_cut=100\n" \
    " text priority=A+\n" \
    "loyalty|loyalty.class|2 purchases, tenure 2.9 weeks (new below 26), 1 repeat (loyal from 3), P(alive) 0.739 (loyal from 0.70): new\n" \
    " int purchase_days=2\n" \
    " real tenure_weeks=2.9\n" \
    " real new_weeks=26\n" \
    " real repeat=1\n" \
    " real loyal_repeat=3\n" \
    " real p_alive=0.739\n" \
    " real loyal_p_alive=0.7\n" \
    " label loyalty=loyalty_class:new\n" \
    "behaviour|behaviour.unknown|attitude unknown: no satisfaction or NPS answer (custom fields satisfaction / nps, or a recognised interaction response)\n"

#define WANT_LAPSED \
    "summary|summary.purchases|5 transactions on 5 purchase days from 2020-08-26 to 2022-10-05 (4 repeat); revenue 290.00, cost 115.00, profit 175.00, cost to serve 0.00, net profit 175.00; competitors' share 0.0%\n" \
    " int transactions=5\n" \
    " int purchase_days=5\n" \
    " date first_purchase=18500\n" \
    " date last_purchase=19270\n" \
    " int repeat=4\n" \
    " money revenue=29000\n" \
    " money cost=11500\n" \
    " money profit=17500\n" \
    " money cost_to_serve=0\n" \
    " money net_profit=17500\n" \
    " real competitor_share_pct=0\n" \
    "rfm|rfm.quintiles|last purchase 730 days ago: R 1; 5 purchase days: F 5; mean spend 58.00: M 5 (quintiles of 3 buyers, 5 = best fifth); RFM 155: cannot_lose (rule R<=2, F>=4, M>=4)\n" \
    " int recency_days=730\n" \
    " int r=1\n" \
    " int purchase_days=5\n" \
    " int f=5\n" \
    " money mean_spend=5800\n" \
    " int m=5\n" \
    " int buyers=3\n" \
    " label segment=rfm:cannot_lose\n" \
    "tier|tier.customers|net profit (revenue - cost - cost to serve) profit 175.00: gold (platinum >= 1000.00, gold >= 20.00, iron > 0, lead <= 0); shares of customers\n" \
    " money net_profit=17500\n" \
    " money platinum_min=100000\n" \
    " money gold_min=2000\n" \
    " label tier=tier:gold\n" \
    "model|model.gamma_gamma|BG/NBD r 0.243, alpha 4.414, a 0.793, b 2.426; a, b at the boundary: every customer has the same drop-out probability with x 4 repeat purchases, t_x 110.00, T 214.29 weeks: P(alive) 0.305, 0.29 expected purchases in 52 weeks; expected spend 57.55 per purchase (Gamma-Gamma)\n" \
    " text model=BG/NBD\n" \
    " text params=r 0.243, alpha 4.414, a 0.793, b 2.426\n" \
    " label boundary=model_boundary:dropout_probability\n" \
    " label spend_boundary=spend_boundary:none\n" \
    " real repeat=4\n" \
    " real t_x=110\n" \
    " real T=214.29\n" \
    " real p_alive=0.305\n" \
    " real expected=0.29\n" \
    " real weeks=52\n" \
    " money spend=5755\n" \
    "clv|clv.parts|CLV 186.76 = historical 175.00 (net profit) + current 4.75 (next 52 weeks) + potential 7.00 (to week 156); expected purchases x spend 57.55 x margin 0.30, discounted 10%/year\n" \
    " money total=18676\n" \
    " money historical=17500\n" \
    " money current=475\n" \
    " real current_weeks=52\n" \
    " money potential=700\n" \
    " real horizon_weeks=156\n" \
    " money spend=5755\n" \
    " real margin=0.3\n" \
    " real discount_pct=10\n" \
    "value_quadrant|value_quadrant.cuts|current 4.75 < 10.00, potential 7.00 < 10.00: lead (abandon)\n" \
    " money current=475\n" \
    " money current_cut=1000\n" \
    " money potential=700\n" \
    " money potential_cut=1000\n" \
    " label quadrant=tier:lead\n" \
    " label strategy=value_strategy:abandon\n" \
    "future_matrix|future_matrix.cuts|current 175.00 >= 10.00, future 11.76 >= 10.00: best\n" \
    " money historical=17500\n" \
    " money historical_cut=1000\n" \
    " money future=1176\n" \
    " money future_cut=1000\n" \
    " label cell=future_matrix:best\n" \
    "profit_matrix|profit_matrix.cuts|profit 175.00 >= 50.00, cost to serve 0.00 < 5.00: most_profitable\n" \
    " money profit=17500\n" \
    " money profit_cut=5000\n" \
    " money cost_to_serve=0\n" \
    " money cost_cut=500\n" \
    " label cell=profit_matrix:most_profitable\n" \
    "lifecycle|lifecycle.inactive|0 purchase days in the last 26 weeks, 0 in the 26 weeks before; P(alive) 0.305 < 0.50: decline\n" \
    " int recent_days=0\n" \
    " int prior_days=0\n" \
    " real window_weeks=26\n" \
    " real p_alive=0.305\n" \
    " real decline_p_alive=0.5\n" \
    " real tenure_weeks=214.3\n" \
    " real exploration_weeks=13\n" \
    " real repeat=4\n" \
    " label stage=lifecycle:decline\n" \
    "strategy|strategy.of_tier|tier gold: caring (关怀型)\n" \
    " label tier=tier:gold\n" \
    " label strategy=strategy:caring\n" \
    "priority|priority.cuts|revenue of the last 52 weeks and potential value against their 80% quantiles: revenue 0.00 < 1.00, potential 7.00 >= 1.00: B\n" \
    " real weeks=52\n" \
    " real quantile_pct=80\n" \
    " money revenue=0\n" \
    " money revenue_cut=100\n" \
    " money potential=700\n" \
    " money potential_cut=100\n" \
    " text priority=B\n" \
    "loyalty|loyalty.class|5 purchases, tenure 214.3 weeks (new below 26), 4 repeat (loyal from 3), P(alive) 0.305 (loyal from 0.70): old\n" \
    " int purchase_days=5\n" \
    " real tenure_weeks=214.3\n" \
    " real new_weeks=26\n" \
    " real repeat=4\n" \
    " real loyal_repeat=3\n" \
    " real p_alive=0.305\n" \
    " real loyal_p_alive=0.7\n" \
    " label loyalty=loyalty_class:old\n" \
    "behaviour|behaviour.high_attitude|attitude high (satisfaction 4.0, NPS -1; high: satisfaction >= 4 or NPS >= 9), repeat 4 >= 2: loyal (loyalty programme)\n" \
    " real satisfaction=4\n" \
    " real nps=nan\n" \
    " real repeat=4\n" \
    " real repeat_cut=2\n" \
    " label behaviour=behaviour:loyal\n"

#define WANT_COMPETITOR_ONLY \
    "summary|summary.no_purchase|no purchase of our own yet (0 transactions); bought 10.00 from competitors\n" \
    " int transactions=0\n" \
    " money competitor_amount=1000\n" \
    "loyalty|loyalty.no_purchase|0 purchases, tenure 0.0 weeks (new below 26), 0 repeat (loyal from 3), P(alive) nan (loyal from 0.70): potential\n" \
    " label loyalty=loyalty_class:potential\n" \
    "behaviour|behaviour.unknown|attitude unknown: no satisfaction or NPS answer (custom fields satisfaction / nps, or a recognised interaction response)\n"

#define WANT_COMPETITOR_CRM \
    "summary|summary.no_purchase|no purchase of our own yet (0 transactions); bought 10.00 from competitors\n" \
    " int transactions=0\n" \
    " money competitor_amount=1000\n" \
    "loyalty|loyalty.no_purchase|0 purchases, tenure 0.0 weeks (new below 26), 0 repeat (loyal from 3), P(alive) nan (loyal from 0.70): potential\n" \
    " label loyalty=loyalty_class:potential\n" \
    "behaviour|behaviour.high_attitude|attitude high (satisfaction -1.0, NPS 9; high: satisfaction >= 4 or NPS >= 9), repeat 0 < 2: latent (attraction programme)\n" \
    " real satisfaction=nan\n" \
    " real nps=9\n" \
    " real repeat=0\n" \
    " real repeat_cut=2\n" \
    " label behaviour=behaviour:latent\n" \
    "service_tier|service_tier.above|assets 200000.00 >= 200000.00: tier 1: ordinary\n" \
    " money assets=20000000\n" \
    " money threshold=20000000\n" \
    " int level=1\n" \
    " label service_tier=service_tier:ordinary\n" \
    "prospect|prospect.worksheet|prospect worksheet: 7 of 7 criteria met\n" \
    " int score=7\n"
