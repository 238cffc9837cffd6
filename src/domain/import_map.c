/* import_map: which column of the file goes to which field. Owns the
 * targets of a kind (its fields and the extra ones: customer, lines,
 * company …), the file's columns, --map and the automatic mapping, and
 * saved mappings (import_mapping_save / _load). */
#include "domain/import_internal.h"
#include "db/writer.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_COLS 1000

static void add_target(struct imp *m, const char *name, enum xtarget x, const struct field *f)
{
    if (m->nt >= (int)(sizeof m->t / sizeof m->t[0])) return;
    m->t[m->nt] = (struct target){name, x, f, -1};
    if (x != X_FIELD && x != X_CURRENCY2) m->tx[x] = m->nt;
    m->nt++;
}

struct target *imp_target_find(struct imp *m, const char *name)
{
    for (int i = 0; i < m->nt; i++)
        if (!strcasecmp(m->t[i].name, name)) return &m->t[i];
    if (m->txn || m->inter) {
        if (!strcasecmp(name, "date")) return imp_target_find(m, "occurred_at");
    }
    if (m->txn && !strcasecmp(name, "sku")) return imp_target_find(m, "product");
    return NULL;
}

void imp_build_targets(struct imp *m)
{
    for (int i = 0; i < X_NTARGETS; i++) m->tx[i] = -1;
    for (int i = 0; i < m->r->nfields; i++) {
        const struct field *f = &m->r->fields[i];
        if (f->flags & F_SERVER) continue;
        add_target(m, f->name, X_FIELD, f);
        if (f->type == FT_MONEY) add_target(m, f->column2, X_CURRENCY2, f);
    }
    add_target(m, "id", X_ID, NULL);
    add_target(m, "created_at", X_CREATED_AT, NULL);
    /* A person's organisation, by name: matched or created, and linked
     * (works_at) — the decision unit of D1. */
    if (m->r == &party_resource) add_target(m, "company", X_COMPANY, NULL);
    if (m->txn || m->inter) {
        add_target(m, "party_external_id", X_PARTY_EXT, NULL);
        add_target(m, "party_name", X_PARTY_NAME, NULL);
        add_target(m, "country", X_COUNTRY, NULL);
    }
    if (m->txn) {
        add_target(m, "quantity", X_QUANTITY, NULL);
        add_target(m, "unit_price", X_UNIT_PRICE, NULL);
        add_target(m, "product", X_PRODUCT, NULL);
        add_target(m, "product_name", X_PRODUCT_NAME, NULL);
        add_target(m, "cancelled", X_CANCELLED, NULL);
    }
}

static int column_find(struct imp *m, const char *name)
{
    for (int i = 0; i < m->ncols; i++)
        if (!strcasecmp(m->cols[i], name)) return i;
    char *end;
    long n = strtol(name[0] == '#' ? name + 1 : name, &end, 10);
    if (!m->jsonl && *end == '\0' && n >= 1 && n <= m->ncols) return (int)n - 1;
    return -1;
}

char *imp_trimdup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    return strndup(s, n);
}

static void column_list(struct imp *m, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < m->ncols && used + 4 < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "", m->cols[i]);
}

static int add_jsonl_column(struct imp *m, const char *name)
{
    for (int i = 0; i < m->ncols; i++) if (!strcmp(m->cols[i], name)) return i;
    if (m->ncols >= MAX_COLS) return -1;
    char **p = realloc(m->cols, sizeof *p * (size_t)(m->ncols + 1));
    if (!p) return -1;
    m->cols = p;
    m->cols[m->ncols] = strdup(name);
    return m->ncols++;
}

/* Applies --map and the automatic mapping (a column named like a target). */
int imp_apply_mapping(struct imp *m)
{
    const char *spec = m->o->map ? m->o->map : "";
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq) { imp_fatal(m, "--map: '%.*s' is not field=Column", (int)n, p); return -1; }
        char *field = imp_trimdup(p, (size_t)(eq - p)), *col = imp_trimdup(eq + 1, n - (size_t)(eq - p) - 1);
        struct target *t = imp_target_find(m, field);
        int rc = 0;
        if (!t) {
            strbuf sb;
            sb_init(&sb, 4096);
            for (int i = 0; i < m->nt; i++) sb_printf(&sb, "%s%s", i ? ", " : "", m->t[i].name);
            imp_fatal(m, "--map: %s is not a field of %s (fields: %s)", field, m->o->kind, sb_str(&sb));
            sb_free(&sb);
            rc = -1;
        } else {
            int c = m->jsonl ? add_jsonl_column(m, col) : column_find(m, col);
            if (c < 0) {
                char list[1500];
                column_list(m, list, sizeof list);
                imp_fatal(m, "row 1, column %s: the file has no column '%s' (mapped to %s); its columns are: %s", col, col, field, list);
                rc = -1;
            }
            t->col = c;
        }
        free(field);
        free(col);
        if (rc) return -1;
        p = end ? end + 1 : p + n;
    }
    /* Automatic: a column named like a target, unless that column or target is mapped. */
    for (int i = 0; i < m->nt; i++) {
        if (m->t[i].col >= 0) continue;
        /* JSON Lines records carry their items whole: line targets only when mapped. */
        enum xtarget x = m->t[i].x;
        if (m->jsonl && (x == X_QUANTITY || x == X_UNIT_PRICE || x == X_PRODUCT || x == X_PRODUCT_NAME)) continue;
        int c = m->jsonl ? add_jsonl_column(m, m->t[i].name) : column_find(m, m->t[i].name);
        if (c < 0 || (!m->jsonl && strcasecmp(m->cols[c], m->t[i].name) != 0)) continue;
        bool taken = false;
        for (int k = 0; k < m->nt; k++) if (m->t[k].col == c) taken = true;
        if (!taken) m->t[i].col = c;
    }
    if (m->txn) {
        m->c_ext = imp_target_find(m, "external_id")->col;
        m->c_party_id = imp_target_find(m, "party_id")->col;
        m->c_amount = imp_target_find(m, "amount")->col;
        m->c_currency = imp_target_find(m, "currency")->col;
        m->c_description = imp_target_find(m, "description")->col;
        m->lines_mode = m->t[m->tx[X_QUANTITY]].col >= 0 || m->t[m->tx[X_UNIT_PRICE]].col >= 0 || m->t[m->tx[X_PRODUCT]].col >= 0;
        bool party = imp_target_find(m, "party_id")->col >= 0 || m->t[m->tx[X_PARTY_EXT]].col >= 0;
        bool amount = imp_target_find(m, "amount")->col >= 0 || m->t[m->tx[X_UNIT_PRICE]].col >= 0;
        if (!party) { imp_fatal(m, "no column is mapped to the customer: use --map party_external_id=Column (or party_id)"); return -1; }
        if (!amount) { imp_fatal(m, "no column is mapped to the amount: use --map amount=Column, or quantity= and unit_price="); return -1; }
        if (imp_target_find(m, "occurred_at")->col < 0) { imp_fatal(m, "no column is mapped to the date: use --map date=Column"); return -1; }
        return 0;
    }
    for (int i = 0; i < m->r->nfields; i++) {
        const struct field *f = &m->r->fields[i];
        if (!(f->flags & F_REQUIRED) || imp_target_find(m, f->name)->col >= 0) continue;
        if (m->r == &party_resource && !strcmp(f->name, "kind")) continue;   /* defaults to person */
        if (m->inter && !strcmp(f->name, "party_id") && m->t[m->tx[X_PARTY_EXT]].col >= 0) continue;
        imp_fatal(m, "no column is mapped to %s, which is required: use --map %s=Column", f->name, f->name);
        return -1;
    }
    return 0;
}

/* ---- saved mappings ---- */

struct map_ctx { const char *name, *kind, *spec; };

static int map_save_job(db *w, void *arg)
{
    struct map_ctx *c = arg;
    char now[21];
    now_text(now);
    db_stmt *s = db_prepare(w, "INSERT INTO import_mapping(name, kind, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
                               " ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, spec = excluded.spec, updated_at = excluded.updated_at");
    if (!s) return 1;
    db_bind_text(s, 1, c->name);
    db_bind_text(s, 2, c->kind);
    db_bind_text(s, 3, c->spec);
    db_bind_text(s, 4, now);
    db_bind_text(s, 5, now);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : 1;
}

int import_mapping_save(const char *name, const char *kind, const char *spec)
{
    struct map_ctx c = {name, kind, spec};
    return db_write(map_save_job, &c) == 0 ? 0 : -1;
}

char *import_mapping_load(const char *name, const char *kind)
{
    db_stmt *s = db_prepare(db_reader(), "SELECT spec FROM import_mapping WHERE name = ? AND kind = ?");
    if (!s) return NULL;
    db_bind_text(s, 1, name);
    db_bind_text(s, 2, kind);
    char *out = db_step(s) == DB_ROW ? strdup(db_column_text(s, 0)) : NULL;
    db_done(s);
    return out;
}
