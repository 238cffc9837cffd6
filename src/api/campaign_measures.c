/* campaign_measures: GET /api/v1/campaigns/{id}/measures (issue 20, D6's
 * "measure the effect" and the Check of PDCA). From the frozen member list:
 * sent, delivered, opened, clicked, unsubscribed, bounced, skipped;
 * responded (an interaction of the member for this campaign — its
 * `campaign` is the campaign's id — that is inbound or records a
 * response); converted (a purchase in the window); revenue attributed to
 * the campaign; and the rates: response, conversion, the control group's
 * conversion and the uplift over it, cost per response, ROI.
 *
 * The window runs from the campaign's activation for attribution_days
 * (default 30). Conversion compares like with like: every treated member
 * (sent or not: intent to treat) against every held-out one, in the same
 * window. Revenue is the purchases of delivered members after their
 * delivery and within the window, each purchase attributed to one
 * campaign: last_touch (default) — to this one unless another campaign
 * reached the party after it and before the purchase; first_touch — unless
 * another reached the party before it within the window's length before
 * this campaign started. Revenue is counted in the cost's currency (else
 * the currency with most revenue). */
#include "api/api.h"
#include "http/authz.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include <stdio.h>
#include <string.h>

extern struct resource campaign_resource;

struct counts { long n, sent, delivered, opened, clicked, unsubscribed, bounced, skipped, converted; };

static json_t *rate(long num, long den) { return den > 0 ? json_real((double)num / (double)den) : json_null(); }

static json_t *money(long long amount, const char *cur) { return json_pack("{s:I, s:s}", "amount", (json_int_t)amount, "currency", cur); }

static void campaign_measures(struct req *rq, struct resp *rs)
{
    int64_t id = rq->path_ids[0];
    db *r = db_reader();
    json_t *c = res_load(r, &campaign_resource, id);
    if (c && !authz_record_in_scope(r, &rq->user, registry_by_type("campaign"), id, authz_scope(&rq->user, "campaigns", "read") & ~SCOPE_WRITE)) {
        json_decref(c);
        c = NULL;
    }
    if (!c) { resp_error(rs, 404, "not_found", "id", "no campaign with id %lld", (long long)id); return; }
    const char *start = json_string_value(json_object_get(c, "activated_at"));
    json_t *dj = json_object_get(c, "attribution_days");
    long days = json_is_integer(dj) ? (long)json_integer_value(dj) : 30;
    char model[16], cost_text[4] = "";
    snprintf(model, sizeof model, "%s", json_string_value(json_object_get(c, "attribution_model")) ? json_string_value(json_object_get(c, "attribution_model")) : "last_touch");
    json_t *cost = json_object_get(c, "cost");
    if (json_string_value(json_object_get(cost, "currency"))) snprintf(cost_text, sizeof cost_text, "%s", json_string_value(json_object_get(cost, "currency")));
    const char *cost_cur = cost_text[0] ? cost_text : NULL;
    long long cost_amount = json_is_object(cost) ? (long long)json_integer_value(json_object_get(cost, "amount")) : 0;
    char from[21] = "", to[21] = "", back[21] = "";
    int64_t t0;
    if (start && !time_parse(start, &t0)) {   /* used before c is released below */
        snprintf(from, sizeof from, "%s", start);
        time_format(t0 + (int64_t)days * 86400, to);
        time_format(t0 - (int64_t)days * 86400, back);
    }
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%lld", (long long)id);
    struct counts g[2] = {{0}};   /* [0] treated, [1] control */
    long responded = 0;
    char rev_cur[4] = "";
    long long revenue = 0;
    bool ok = true;
    db_stmt *s = db_prepare(r, "SELECT control, count(*),"
                               " sum(CASE WHEN sent_at IS NOT NULL OR state = 'uncertain' THEN 1 ELSE 0 END),"
                               " sum(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END), sum(CASE WHEN opened_at IS NOT NULL THEN 1 ELSE 0 END),"
                               " sum(CASE WHEN clicked_at IS NOT NULL THEN 1 ELSE 0 END), sum(CASE WHEN unsubscribed_at IS NOT NULL THEN 1 ELSE 0 END),"
                               " sum(CASE WHEN state = 'bounced' THEN 1 ELSE 0 END), sum(CASE WHEN state = 'skipped' THEN 1 ELSE 0 END)"
                               " FROM campaign_member WHERE campaign_id = ? GROUP BY control");
    if (!s) ok = false;
    else {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW) {
            struct counts *k = &g[db_column_int64(s, 0) ? 1 : 0];
            k->n = (long)db_column_int64(s, 1);
            k->sent = (long)db_column_int64(s, 2);
            k->delivered = (long)db_column_int64(s, 3);
            k->opened = (long)db_column_int64(s, 4);
            k->clicked = (long)db_column_int64(s, 5);
            k->unsubscribed = (long)db_column_int64(s, 6);
            k->bounced = (long)db_column_int64(s, 7);
            k->skipped = (long)db_column_int64(s, 8);
        }
        db_done(s);
    }
    s = ok ? db_prepare(r, "SELECT count(*) FROM campaign_member m WHERE m.campaign_id = ? AND m.control = 0 AND EXISTS (SELECT 1 FROM interaction i"
                           " WHERE i.party_id = m.party_id AND i.campaign = ? AND (i.direction = 'inbound' OR (i.response IS NOT NULL AND i.response <> '')))")
           : NULL;
    if (s) {
        db_bind_int64(s, 1, id);
        db_bind_text(s, 2, id_text);
        if (db_step(s) == DB_ROW) responded = (long)db_column_int64(s, 0);
        db_done(s);
    } else ok = false;
    if (ok && from[0]) {
        s = db_prepare(r, "SELECT m.control, count(*) FROM campaign_member m WHERE m.campaign_id = ? AND EXISTS (SELECT 1 FROM txn t"
                          " WHERE t.party_id = m.party_id AND t.occurred_at >= ? AND t.occurred_at <= ? AND t.amount > 0) GROUP BY m.control");
        if (s) {
            db_bind_int64(s, 1, id);
            db_bind_text(s, 2, from);
            db_bind_text(s, 3, to);
            while (db_step(s) == DB_ROW) g[db_column_int64(s, 0) ? 1 : 0].converted = (long)db_column_int64(s, 1);
            db_done(s);
        } else ok = false;
        bool last = strcmp(model, "first_touch") != 0;
        s = db_prepare(r, last ? "SELECT t.currency, sum(t.amount) FROM campaign_member m JOIN txn t ON t.party_id = m.party_id"
                                 " WHERE m.campaign_id = ? AND m.control = 0 AND m.delivered_at IS NOT NULL AND t.occurred_at >= m.delivered_at"
                                 " AND t.occurred_at <= ? AND NOT EXISTS (SELECT 1 FROM campaign_member o WHERE o.party_id = m.party_id"
                                 " AND o.campaign_id <> m.campaign_id AND o.delivered_at IS NOT NULL AND o.delivered_at > m.delivered_at"
                                 " AND o.delivered_at <= t.occurred_at) GROUP BY t.currency ORDER BY sum(t.amount) DESC"
                               : "SELECT t.currency, sum(t.amount) FROM campaign_member m JOIN txn t ON t.party_id = m.party_id"
                                 " WHERE m.campaign_id = ? AND m.control = 0 AND m.delivered_at IS NOT NULL AND t.occurred_at >= m.delivered_at"
                                 " AND t.occurred_at <= ? AND NOT EXISTS (SELECT 1 FROM campaign_member o WHERE o.party_id = m.party_id"
                                 " AND o.campaign_id <> m.campaign_id AND o.delivered_at IS NOT NULL AND o.delivered_at < m.delivered_at"
                                 " AND o.delivered_at >= ?) GROUP BY t.currency ORDER BY sum(t.amount) DESC");
        if (s) {
            db_bind_int64(s, 1, id);
            db_bind_text(s, 2, to);
            if (!last) db_bind_text(s, 3, back);
            while (db_step(s) == DB_ROW) {
                const char *cur = db_column_text(s, 0);
                if (!cur) continue;
                bool pick = cost_cur ? !strcmp(cur, cost_cur) : !rev_cur[0];
                if (pick) { snprintf(rev_cur, sizeof rev_cur, "%s", cur); revenue = db_column_int64(s, 1); }
            }
            db_done(s);
        } else ok = false;
    }
    json_decref(c);
    if (!ok) { resp_error(rs, 503, "storage_error", NULL, "the measures could not be read"); return; }
    if (!rev_cur[0] && cost_cur) snprintf(rev_cur, sizeof rev_cur, "%s", cost_cur);
    json_t *conv = rate(g[0].converted, g[0].n), *ctl = rate(g[1].converted, g[1].n);
    json_t *uplift = json_is_real(conv) && json_is_real(ctl) ? json_real(json_real_value(conv) - json_real_value(ctl)) : json_null();
    json_t *incremental = json_is_real(uplift) ? json_real(json_real_value(uplift) * (double)g[0].n) : json_null();
    json_t *cpr = cost_cur && responded > 0 ? money(cost_amount / responded, cost_cur) : json_null();
    json_t *roi = cost_cur && cost_amount > 0 && rev_cur[0] && !strcmp(rev_cur, cost_cur) ? json_real((double)(revenue - cost_amount) / (double)cost_amount)
                                                                                         : json_null();
    json_t *out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "campaign_id", (json_int_t)id,
        "members", (json_int_t)g[0].n, "control", (json_int_t)g[1].n, "sent", (json_int_t)g[0].sent, "delivered", (json_int_t)g[0].delivered,
        "opened", (json_int_t)g[0].opened, "clicked", (json_int_t)g[0].clicked, "unsubscribed", (json_int_t)g[0].unsubscribed,
        "bounced", (json_int_t)g[0].bounced, "skipped", (json_int_t)g[0].skipped, "responded", (json_int_t)responded,
        "converted", (json_int_t)g[0].converted, "control_converted", (json_int_t)g[1].converted);
    json_object_set_new(out, "window", json_pack("{s:o, s:o, s:I, s:s}", "from", from[0] ? json_string(from) : json_null(),
                                                 "to", to[0] ? json_string(to) : json_null(), "days", (json_int_t)days, "model", model));
    json_object_set_new(out, "revenue", rev_cur[0] ? money(revenue, rev_cur) : json_null());
    json_object_set_new(out, "cost", cost_cur ? money(cost_amount, cost_cur) : json_null());
    json_object_set_new(out, "open_rate", rate(g[0].opened, g[0].delivered));
    json_object_set_new(out, "click_rate", rate(g[0].clicked, g[0].delivered));
    json_object_set_new(out, "response_rate", rate(responded, g[0].n));
    json_object_set_new(out, "conversion_rate", conv);
    json_object_set_new(out, "control_conversion_rate", ctl);
    json_object_set_new(out, "uplift", uplift);
    json_object_set_new(out, "incremental_conversions", incremental);
    json_object_set_new(out, "cost_per_response", cpr);
    json_object_set_new(out, "roi", roi);
    resp_json(rs, 200, out);
}

#define NUM_OR_NULL "{'type':'number','nullable':true}"
#define MONEY_OR_NULL "{'type':'object','nullable':true,'additionalProperties':false,'required':['amount','currency'],'properties':{" \
                      "'amount':{'type':'integer','format':'int64'},'currency':{'type':'string','pattern':'^[A-Z]{3}$'}}}"
static const struct route_doc measures_doc = {
    .id = "getCampaignMeasures", .tag = "campaigns",
    .response = "{'type':'object','additionalProperties':false,'required':['campaign_id','members','control','sent','delivered','opened','clicked',"
                "'unsubscribed','bounced','skipped','responded','converted','control_converted','window','revenue','cost','open_rate','click_rate',"
                "'response_rate','conversion_rate','control_conversion_rate','uplift','incremental_conversions','cost_per_response','roi'],'properties':{"
                "'campaign_id':{'type':'integer','format':'int64'},"
                "'members':{'type':'integer','description':'treated members (the control group excluded)'},"
                "'control':{'type':'integer','description':'members held out'},"
                "'sent':{'type':'integer'},'delivered':{'type':'integer','description':'accepted by the relay'},'opened':{'type':'integer'},"
                "'clicked':{'type':'integer'},'unsubscribed':{'type':'integer'},'bounced':{'type':'integer'},'skipped':{'type':'integer'},"
                "'responded':{'type':'integer'},'converted':{'type':'integer','description':'treated members who bought in the window'},"
                "'control_converted':{'type':'integer'},"
                "'window':{'type':'object','additionalProperties':false,'required':['from','to','days','model'],'properties':{"
                "'from':{'type':'string','nullable':true},'to':{'type':'string','nullable':true},'days':{'type':'integer'},"
                "'model':{'type':'string','enum':['first_touch','last_touch']}}},"
                "'revenue':" MONEY_OR_NULL ",'cost':" MONEY_OR_NULL ","
                "'open_rate':" NUM_OR_NULL ",'click_rate':" NUM_OR_NULL ",'response_rate':" NUM_OR_NULL ",'conversion_rate':" NUM_OR_NULL ","
                "'control_conversion_rate':" NUM_OR_NULL ",'uplift':{'type':'number','nullable':true,'description':'conversion rate minus the control group'},"
                "'incremental_conversions':" NUM_OR_NULL ","
                "'cost_per_response':" MONEY_OR_NULL ","
                "'roi':{'type':'number','nullable':true,'description':'(revenue - cost) / cost'}}}",
    .response_name = "CampaignMeasures",
};

static const struct route measures_routes[] = {
    {"GET", "/api/v1/campaigns/{id}/measures", 0, "campaigns", "read", campaign_measures,
     "A campaign's measures: delivery, opens, clicks, responses, conversions, attributed revenue, uplift over the control group, ROI", NULL,
     &measures_doc},
};

void campaign_measures_register(void) { routes_register(measures_routes, 1); }
