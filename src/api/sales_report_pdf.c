/* sales_report_pdf: the sales report (sales_reports.c) as a PDF for print
 * and mail — GET /api/v1/reports/sales/export?format=pdf. The same rows as
 * the JSON, with salespeople and teams by name, amounts in the company
 * currency, and the labels in Chinese and English at once (like the quote
 * PDF: one file for every reader), drawn by domain/report_pdf.c. */
#include "api/api.h"
#include "api/sales.h"
#include "domain/import_values.h"
#include "domain/quote.h"
#include "domain/report_pdf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name of user or team id (the row key), or the key itself. */
static json_t *key_name(db *c, const char *by, const char *key)
{
    bool user = !strcmp(by, "user"), team = !strcmp(by, "team");
    if (!strcmp(key, "none")) return json_string(user ? "\xE6\x9C\xAA\xE5\x88\x86\xE9\x85\x8D Unassigned" : "\xE2\x80\x94");   /* 未分配 */
    if (!user && !team) return json_string(key);
    db_stmt *s = db_prepare(c, user ? "SELECT CASE WHEN name <> '' THEN name ELSE email END FROM app_user WHERE id = ?"
                                    : "SELECT name FROM team WHERE id = ?");
    json_t *v = NULL;
    if (s) {
        db_bind_int64(s, 1, strtoll(key, NULL, 10));
        if (db_step(s) == DB_ROW && db_column_text(s, 0)) v = json_string(db_column_text(s, 0));
        db_done(s);
    }
    return v ? v : json_sprintf("#%s", key);
}

static json_t *count_text(const json_t *o, const char *k)
{
    return json_sprintf("%lld", (long long)json_integer_value(json_object_get(o, k)));
}

static json_t *ratio_text(const json_t *v)
{
    return json_is_number(v) ? json_sprintf("%.1f%%", json_number_value(v) * 100.0) : json_string("\xE2\x80\x94");
}

/* The won amount: converted to the company currency, or per currency when
 * a rate is missing (never a sum of different currencies). */
static json_t *amount_text(const json_t *total)
{
    const json_t *conv = json_object_get(total, "converted");
    char a[64];
    if (json_is_integer(json_object_get(conv, "amount"))) {
        const char *cur = json_string_value(json_object_get(conv, "currency"));
        minor_to_text(json_integer_value(json_object_get(conv, "amount")), cur, a, sizeof a);
        return json_sprintf("%s %s", a, cur ? cur : "");
    }
    strbuf sb;
    sb_init(&sb, 0);
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(total, "by_currency"), i, x) {
        const char *cur = json_string_value(json_object_get(x, "currency"));
        minor_to_text(json_integer_value(json_object_get(x, "amount")), cur, a, sizeof a);
        sb_printf(&sb, "%s%s %s", i ? " + " : "", a, cur ? cur : "");
    }
    json_t *v = json_string(sb.len ? sb_str(&sb) : "0");
    sb_free(&sb);
    return v;
}

static const char *by_label(const char *by)
{
    return !strcmp(by, "stage")    ? "\xE9\x98\xB6\xE6\xAE\xB5 Stage"                   /* 阶段 */
           : !strcmp(by, "source") ? "\xE6\x9D\xA5\xE6\xBA\x90 Source"                  /* 来源 */
           : !strcmp(by, "team")   ? "\xE5\x9B\xA2\xE9\x98\x9F Team"                    /* 团队 */
                                   : "\xE9\x94\x80\xE5\x94\xAE\xE5\x91\x98 Salesperson"; /* 销售员 */
}

void sales_report_pdf(struct resp *rs, const char *by, const char *from, const char *to, const char *currency, const json_t *rows,
                      const json_t *rates,
                      const json_t *acts, struct verr *e)
{
    db *c = db_reader();
    bool stage = !strcmp(by, "stage");
    json_t *table = json_array(), *x;
    size_t i;
    json_array_foreach(rows, i, x) {
        const char *key = json_string_value(json_object_get(x, "key"));
        json_t *r = json_pack("[o]", key_name(c, by, key ? key : "none"));
        if (stage) {
            json_array_append_new(r, count_text(x, "entered"));
            json_array_append_new(r, count_text(x, "open"));
            json_array_append_new(r, count_text(x, "won"));
            json_array_append_new(r, count_text(x, "lost"));
            json_array_append_new(r, ratio_text(json_object_get(x, "win_rate")));
            json_array_append_new(r, ratio_text(json_object_get(x, "conversion")));
        } else {
            json_t *cy = json_object_get(x, "cycle_days");
            json_array_append_new(r, count_text(x, "open"));
            json_array_append_new(r, count_text(x, "won"));
            json_array_append_new(r, count_text(x, "lost"));
            json_array_append_new(r, ratio_text(json_object_get(x, "win_rate")));
            json_array_append_new(r, amount_text(json_object_get(x, "won_amount")));
            json_array_append_new(r, json_is_number(cy) ? json_sprintf("%.1f", json_number_value(cy)) : json_string("\xE2\x80\x94"));
        }
        json_array_append_new(table, r);
    }
    json_t *cols = stage ? json_pack("[s, s, s, s, s, s, s]", by_label(by), "\xE8\xBF\x9B\xE5\x85\xA5 Entered",   /* 进入 */
                                     "\xE8\xBF\x9B\xE8\xA1\x8C\xE4\xB8\xAD Open",                               /* 进行中 */
                                     "\xE8\xB5\xA2\xE5\x8D\x95 Won", "\xE8\xBE\x93\xE5\x8D\x95 Lost",            /* 赢单, 输单 */
                                     "\xE8\x83\x9C\xE7\x8E\x87 Win rate", "\xE8\xBD\xAC\xE5\x8C\x96\xE7\x8E\x87 Conversion")   /* 胜率, 转化率 */
                         : json_pack("[s, s, s, s, s, s, s]", by_label(by), "\xE8\xBF\x9B\xE8\xA1\x8C\xE4\xB8\xAD Open",
                                     "\xE8\xB5\xA2\xE5\x8D\x95 Won", "\xE8\xBE\x93\xE5\x8D\x95 Lost", "\xE8\x83\x9C\xE7\x8E\x87 Win rate",
                                     "\xE8\xB5\xA2\xE5\x8D\x95\xE9\x87\x91\xE9\xA2\x9D Won amount",             /* 赢单金额 */
                                     "\xE5\x91\xA8\xE6\x9C\x9F(\xE5\xA4\xA9) Cycle (days)");                    /* 周期(天) */
    json_t *numeric = json_pack("[b, b, b, b, b, b, b]", 0, 1, 1, 1, 1, 1, 1);
    json_t *widths = stage ? json_pack("[f, f, f, f, f, f, f]", 2.4, 1.2, 1.1, 1.0, 1.0, 1.5, 1.8)
                           : json_pack("[f, f, f, f, f, f, f]", 2.2, 1.1, 1.1, 1.1, 1.5, 2.4, 1.9);
    json_t *act = json_array();
    json_array_foreach(acts, i, x) {
        json_t *uid = json_object_get(x, "user_id");
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(uid));
        strbuf ch;
        sb_init(&ch, 0);
        const char *k;
        json_t *n;
        json_object_foreach(json_object_get(x, "by_channel"), k, n) sb_printf(&ch, "%s%s %lld", ch.len ? ", " : "", k, (long long)json_integer_value(n));
        json_array_append_new(act, json_pack("[o, o, s]", key_name(c, "user", json_is_integer(uid) ? key : "none"), count_text(x, "count"),
                                             ch.len ? sb_str(&ch) : ""));
        sb_free(&ch);
    }
    json_t *head = letterhead_get(c);
    json_t *doc = json_pack("{s:O, s:s, s:[o, o], s:[{s:s, s:o, s:o, s:o, s:o}, {s:s, s:[s, s, s], s:[b, b, b], s:[i, i, i], s:o}]}",
        "company", json_object_get(head, "name"), "title", "\xE9\x94\x80\xE5\x94\xAE\xE6\x8A\xA5\xE8\xA1\xA8 Sales report",   /* 销售报表 */
        "lines", json_sprintf("\xE6\x9C\x9F\xE9\x97\xB4 Period: %s \xE2\x80\x93 %s", from, to),                                   /* 期间 */
        json_sprintf("\xE5\x88\x86\xE7\xBB\x84 Grouped by: %s   \xE5\xB8\x81\xE7\xA7\x8D Currency: %s", by_label(by), currency),   /* 分组, 币种 */
        "tables",
        "title", stage ? "\xE5\x90\x84\xE9\x98\xB6\xE6\xAE\xB5\xE8\xBD\xAC\xE5\x8C\x96 Conversion by stage"                          /* 各阶段转化 */
                       : "\xE8\xB5\xA2\xE5\x8D\x95\xE4\xB8\x8E\xE8\xBE\x93\xE5\x8D\x95 Won and lost",                                  /* 赢单与输单 */
        "columns", cols, "numeric", numeric, "widths", widths, "rows", table,
        "title", "\xE6\xB4\xBB\xE5\x8A\xA8 Activities",   /* 活动 */
        "columns", "\xE9\x94\x80\xE5\x94\xAE\xE5\x91\x98 Salesperson", "\xE4\xBA\x92\xE5\x8A\xA8 Interactions", "\xE6\xB8\xA0\xE9\x81\x93 By channel",   /* 互动, 渠道 */
        "numeric", 0, 1, 0, "widths", 3, 2, 4, "rows", act);
    json_decref(head);
    /* The rates the won amounts were converted at (fx_rates_json), each
     * entry once: which rate, of which day, or that there was none. */
    json_t *used = json_array();
    json_array_foreach(rates, i, x) {
        const char *cur = json_string_value(json_object_get(x, "currency")), *rate = json_string_value(json_object_get(x, "rate"));
        const char *on = json_string_value(json_object_get(x, rate ? "rate_on" : "on"));
        json_t *row = json_pack("[s++, s, s]", cur ? cur : "", " \xE2\x86\x92 ", json_string_value(json_object_get(x, "to")),   /* → */
                                rate ? rate : "\xE6\x97\xA0\xE6\xB1\x87\xE7\x8E\x87 no rate",   /* 无汇率 */
                                on ? on : "");
        bool seen = false;
        size_t k;
        json_t *y;
        json_array_foreach(used, k, y) seen |= json_equal(y, row);
        if (!row || seen) json_decref(row);
        else json_array_append_new(used, row);
    }
    if (doc && json_array_size(used))
        json_array_append_new(json_object_get(doc, "tables"),
            json_pack("{s:s, s:[s, s, s], s:[b, b, b], s:[i, i, i], s:o}", "title", "\xE6\xB1\x87\xE7\x8E\x87 Exchange rates used",   /* 汇率 */
                      "columns", "\xE5\xB8\x81\xE7\xA7\x8D Currency", "\xE6\xB1\x87\xE7\x8E\x87 Rate",   /* 币种, 汇率 */
                      "\xE6\x97\xA5\xE6\x9C\x9F Of the day", "numeric", 0, 1, 0, "widths", 3, 2, 3, "rows", used));   /* 日期 */
    else json_decref(used);
    char *data = NULL;
    size_t len = 0;
    int rc = doc ? report_pdf_render(doc, &data, &len) : -1;
    json_decref(doc);
    if (rc) { verr_set(e, 503, "pdf_unavailable", NULL, "the PDF could not be drawn (is the font of fonts-droid-fallback installed?)"); return; }
    rs->status = 200;
    rs->body = data;
    rs->body_len = len;
    rs->content_type = "application/pdf";
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"sales-by-%s.pdf\"", by);
    resp_header(rs, "Content-Disposition", disp);
}
