/* import_txn: a transactions import. Owns grouping rows that share an
 * external id into one transaction with lines (invoice lines), amounts
 * from the amount column or quantity × unit price, cancellations, and
 * items given whole (our own exports). */
#include "domain/import_internal.h"
#include "domain/import_values.h"
#include "lib/textcheck.h"
#include "lib/timeutil.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ITEMS 5000             /* lines of one imported transaction */

void imp_group_reset(struct group *g)
{
    free(g->ext); free(g->party_ext); free(g->party_name); free(g->country);
    json_decref(g->head);
    strbuf items = g->items;
    memset(g, 0, sizeof *g);
    sb_reset(&items);
    g->items = items;
}

static void json_str(strbuf *sb, const char *s)
{
    sb_append(sb, "\"", 1);
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20) continue;
        sb_append(sb, run, (size_t)((const char *)p - run));
        if (*p < 0x20) sb_printf(sb, "\\u%04x", *p);
        else { char esc[2] = {'\\', (char)*p}; sb_append(sb, esc, 2); }
        run = (const char *)p + 1;
    }
    sb_append(sb, run, strlen(run));
    sb_append(sb, "\"", 1);
}

int imp_group_flush(struct imp *m, db *w)
{
    struct group *g = &m->g;
    if (!g->active) return 0;
    int rc = 0;
    if (g->nocust || g->bad) goto out;
    json_t *rec = json_deep_copy(g->head);
    int64_t amount = g->amount;
    bool cancel = g->marked || g->neg || amount < 0;
    if (g->marked && amount > 0) amount = -amount;
    json_object_set_new(rec, "amount", json_pack("{s:I, s:s}", "amount", (json_int_t)amount, "currency", g->cur));
    if (!json_is_integer(json_object_get(rec, "party_id"))) {
        int64_t pid = imp_party_for(m, w, g->party_ext, g->party_name, g->country, g->line);
        if (pid < 0) { json_decref(rec); rc = -1; goto out; }
        if (pid == 0) { json_decref(rec); goto out; }
        json_object_set_new(rec, "party_id", json_integer(pid));
        m->party_known = pid;
    }
    sb_puts(&g->items, "]");
    if (g->items.failed) {
        imp_report(m, g->line, imp_col_name(m, "quantity"), "error", "transaction %s has too many lines", g->ext ? g->ext : "");
        m->res->errors++;
        json_decref(rec);
        goto out;
    }
    long before = m->res->created;
    m->appended = false;
    int64_t id = imp_write_record(m, w, &transaction_resource, rec, g->want_id, g->created_at, g->nitems ? sb_str(&g->items) : NULL, g->line);
    m->party_known = 0;
    json_decref(rec);
    if (id < 0) { rc = -1; goto out; }
    if (m->appended) m->res->lines += g->nitems;
    if (m->res->created > before) {
        m->res->lines += g->nitems;
        if (cancel) m->res->cancellations++;
    }
out:
    imp_group_reset(g);
    return rc;
}

int imp_txn_row(struct imp *m, db *w, long line)
{
    json_t *jv;
    const char *ext = imp_cell(m, m->c_ext, &jv);
    if (jv) ext = NULL;
    struct group *g = &m->g;
    if (g->active && (!ext || !g->ext || strcmp(ext, g->ext) != 0))
        if (imp_group_flush(m, w)) return -1;
    /* The customer. */
    const char *pext = imp_xcell(m, X_PARTY_EXT, &jv);
    char pbuf[64];
    if (jv && json_is_integer(jv)) { snprintf(pbuf, sizeof pbuf, "%lld", (long long)json_integer_value(jv)); pext = pbuf; }
    const char *pid_s = imp_cell(m, m->c_party_id, &jv);
    bool have_party = pext || pid_s;
    if (!g->active) {
        g->active = true;
        g->ext = ext ? strdup(ext) : NULL;
        g->line = line;
        g->nocust = !have_party;
        g->items.max = 8u << 20;
        sb_puts(&g->items, "[");
    }
    if (!have_party) {
        imp_report(m, line, imp_col_name(m, m->t[m->tx[X_PARTY_EXT]].col >= 0 ? "party_external_id" : "party_id"), "no_customer",
               "the row has no customer; not imported");
        m->res->no_customer++;
        return 0;
    }
    if (g->nocust || g->bad) return 0;
    if (!g->head) {
        /* In invoice lines, description names the product unless product_name is mapped. */
        static const char *const skip_lines[] = {"amount", "items", "description", NULL};
        static const char *const skip[] = {NULL};
        bool desc_is_item = m->lines_mode && m->t[m->tx[X_PRODUCT_NAME]].col < 0;
        static const char *const skip_keep[] = {"amount", "items", NULL};
        g->head = imp_row_record(m, line, !m->lines_mode ? skip : desc_is_item ? skip_lines : skip_keep);
        if (!g->head) { g->bad = true; m->res->errors++; return 0; }
        json_t *items = json_object_get(g->head, "items");
        if (items) {
            /* Items given whole (our own exports): written as they are. */
            size_t k; json_t *it;
            bool ok = json_is_array(items) && json_array_size(items) <= MAX_ITEMS;
            json_array_foreach(items, k, it) if (!json_is_object(it)) ok = false;
            if (!ok) {
                imp_report(m, line, imp_col_name(m, "items"), "error", "items must be a JSON array of at most %d objects", MAX_ITEMS);
                m->res->errors++;
                g->bad = true;
                return 0;
            }
            /* The lines are bound as text (insert_new): the type's rule
             * checks them here, as it would have in the record. */
            struct writer wr = import_writer(m);
            struct verr ve = {0};
            json_t *probe = json_pack("{s:O}", "items", items);
            int refused = transaction_resource.rule && transaction_resource.rule(&wr.actor, NULL, probe, &ve);
            json_decref(probe);
            if (refused) {
                imp_report(m, line, imp_col_name(m, "items"), "error", "%s", ve.message);
                m->res->errors++;
                g->bad = true;
                return 0;
            }
            char *text = json_dumps(items, JSON_COMPACT);
            sb_reset(&g->items);
            sb_puts(&g->items, text);
            sb_reset(&g->items);
            sb_append(&g->items, text, strlen(text) - 1);   /* without the closing bracket */
            free(text);
            g->nitems = (long)json_array_size(items);
            json_object_del(g->head, "items");
        }
        if (!m->lines_mode) json_object_del(g->head, "amount");
        if (pext) g->party_ext = strdup(pext);
        const char *s = imp_xcell(m, X_PARTY_NAME, &jv);
        if (s && !jv) g->party_name = strdup(s);
        s = imp_xcell(m, X_COUNTRY, &jv);
        if (s && !jv) g->country = strdup(s);
        s = imp_xcell(m, X_ID, &jv);
        int64_t id;
        if (jv && json_is_integer(jv)) g->want_id = json_integer_value(jv);
        else if (s && !jv && parse_int(s, &id) == 0) g->want_id = id;
        s = imp_xcell(m, X_CREATED_AT, &jv);
        int64_t t;
        if (s && !jv && parse_when(s, NULL, &t) == 0) time_format(t, g->created_at);
        s = imp_cell(m, m->c_currency, &jv);
        snprintf(g->cur, sizeof g->cur, "%s", s && !jv && strlen(s) == 3 ? s : m->cur);
        const char *c = imp_xcell(m, X_CANCELLED, &jv);
        bool b = false;
        if (c && !jv && parse_bool(c, &b) == 0 && b) g->marked = true;
        if (c && !jv && !strcasecmp(c, "cancelled")) g->marked = true;
        if (m->o->cancel_prefix && g->ext && !strncmp(g->ext, m->o->cancel_prefix, strlen(m->o->cancel_prefix))) g->marked = true;
    }
    /* The amount of this row: the amount column, or quantity × unit price. */
    int64_t q = 1, price_micro = 0, line_amount = 0;
    bool have_price = false;
    const char *s = imp_xcell(m, X_QUANTITY, &jv);
    if (s && (jv ? (json_is_integer(jv) ? (q = json_integer_value(jv), 0) : -1) : parse_int(s, &q))) {
        imp_report(m, line, imp_col_name(m, "quantity"), "error", "quantity: '%.80s' is not a whole number; its transaction is not imported", s);
        m->res->errors++;
        g->bad = true;
        return 0;
    }
    const char *amount_col_s = imp_cell(m, m->c_amount, &jv);
    json_t *amount_jv = jv;
    char cur[4] = "";
    s = imp_xcell(m, X_UNIT_PRICE, &jv);
    if (s) {
        if (jv ? (json_is_number(jv) && fabs(json_number_value(jv)) < 9e12 ? (price_micro = (int64_t)(json_number_value(jv) * 1e6), 0) : -1)
               : parse_amount_micro(s, &price_micro, cur)) {
            imp_report(m, line, imp_col_name(m, "unit_price"), "error", "unit_price: '%.80s' is not an amount; its transaction is not imported", s);
            m->res->errors++;
            g->bad = true;
            return 0;
        }
        have_price = true;
    }
    if (amount_col_s) {
        int64_t micro;
        if (amount_jv && json_is_object(amount_jv)) {
            line_amount = json_integer_value(json_object_get(amount_jv, "amount"));
            const char *c = json_string_value(json_object_get(amount_jv, "currency"));
            if (c) snprintf(g->cur, sizeof g->cur, "%s", c);
        } else if (amount_jv ? (json_is_number(amount_jv) && fabs(json_number_value(amount_jv)) < 9e12
                                    ? (micro = (int64_t)(json_number_value(amount_jv) * 1e6), 0) : -1)
                             : parse_amount_micro(amount_col_s, &micro, cur)) {
            imp_report(m, line, imp_col_name(m, "amount"), "error", "amount: '%.80s' is not an amount; its transaction is not imported", amount_col_s);
            m->res->errors++;
            g->bad = true;
            return 0;
        } else {
            if (cur[0] && g->nitems == 0 && !g->amount) snprintf(g->cur, sizeof g->cur, "%s", cur);
            line_amount = micro_to_minor(micro, g->cur);
        }
    } else if (have_price) {
        if (cur[0] && g->nitems == 0) snprintf(g->cur, sizeof g->cur, "%s", cur);
        /* exact: q × price in millionths, rounded once */
        int64_t total;
        if (__builtin_mul_overflow(q, price_micro, &total)) {
            imp_report(m, line, imp_col_name(m, "quantity"), "error", "quantity × unit_price is out of range; its transaction is not imported");
            m->res->errors++;
            g->bad = true;
            return 0;
        }
        line_amount = micro_to_minor(total, g->cur);
    }
    if (__builtin_add_overflow(g->amount, line_amount, &g->amount) || g->amount > 1000000000000000LL || g->amount < -1000000000000000LL) {
        imp_report(m, line, imp_col_name(m, "amount"), "error", "the transaction's amount is out of range; it is not imported");
        m->res->errors++;
        g->bad = true;
        return 0;
    }
    if (q < 0) g->neg = true;
    if (m->lines_mode) {
        if (g->nitems >= MAX_ITEMS) {
            if (g->nitems == MAX_ITEMS) {
                imp_report(m, line, imp_col_name(m, "quantity"), "error", "transaction %s has more than %d lines; not imported", g->ext ? g->ext : "", MAX_ITEMS);
                m->res->errors++;
            }
            g->bad = true;
            return 0;
        }
        strbuf *sb = &g->items;
        sb_puts(sb, g->nitems ? ",{" : "{");
        bool first = true;
        const char *prod = imp_xcell(m, X_PRODUCT, &jv);
        if (prod && !jv) { sb_puts(sb, "\"sku\":"); json_str(sb, prod); first = false; }
        const char *name = imp_xcell(m, X_PRODUCT_NAME, &jv);
        if (!name && m->t[m->tx[X_PRODUCT_NAME]].col < 0) name = imp_cell(m, m->c_description, &jv);
        if (name && !jv) {
            if (utf8_length(name) > 500) { imp_report(m, line, imp_col_name(m, "product_name"), "error", "the product name has more than 500 characters"); m->res->errors++; g->bad = true; return 0; }
            sb_puts(sb, first ? "\"name\":" : ",\"name\":");
            json_str(sb, name);
            first = false;
        }
        char tail[200];
        int n = snprintf(tail, sizeof tail, "%s\"quantity\":%lld", first ? "" : ",", (long long)q);
        if (have_price)
            n += snprintf(tail + n, sizeof tail - (size_t)n, ",\"unit_price\":{\"amount\":%lld,\"currency\":\"%s\"}",
                          (long long)micro_to_minor(price_micro, g->cur), g->cur);
        n += snprintf(tail + n, sizeof tail - (size_t)n, ",\"amount\":%lld}", (long long)line_amount);
        sb_append(sb, tail, (size_t)n);
        g->nitems++;
    }
    return 0;
}
