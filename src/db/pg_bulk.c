/* pg_bulk: COPY for the rows of a bulk write on PostgreSQL (db_bulk_begin
 * in db.h; the import engine's batches use it).
 *
 * Row by row, every INSERT of an import is a round trip (three statements:
 * the driver's savepoint, the INSERT, its release), and a party row makes
 * several (the party, its contact points, its search terms, its event, the
 * import's undo item). While a bulk write is open on a write transaction,
 * an INSERT of the plain shape `INSERT INTO t (c1, …) VALUES ($1, …)` into
 * one of the tables the caller named is not sent: its values are appended
 * to a buffer in COPY's text format, and the rows go to the server with one
 * `COPY t (c1, …) FROM STDIN` per table and column list when
 *  - a statement that names such a table is about to run (a read of the
 *    rows, an UPDATE of them, a trigger-free check: the caller sees its own
 *    rows exactly as it would have);
 *  - the transaction commits (a failed COPY fails the COMMIT, which rolls
 *    back, so no row of a batch is kept without the others);
 *  - the buffer holds BULK_FLUSH_BYTES.
 * An INSERT with an ON CONFLICT clause (a contact point met twice, the
 * search index row of a record) is copied into a temporary table of its
 * columns and moved with `INSERT … SELECT … ON CONFLICT …` in the same
 * round trip as the staging table's TRUNCATE.
 * A rollback drops the buffer. Shapes are flushed in the order of their
 * tables in the caller's list (parents first: a party reaches the server
 * before the contact points and transactions that refer to it, whichever
 * row came first since the last flush), and of their first held rows
 * within a table.
 *
 * An INSERT the driver would have appended "RETURNING id" to (an identity
 * id, for db_last_insert_id) gets its id from the table's sequence, taken
 * a block at a time (`nextval` over generate_series: one round trip for up
 * to BULK_IDS_MAX rows), and the id goes in the COPY row. Ids taken and not
 * used are a gap, as a rolled-back INSERT leaves one.
 *
 * What a held row cannot do is fail alone: a constraint the caller did not
 * check first (the import checks references, duplicates and required
 * fields before writing) fails the COPY, and with it the transaction. */
#include "db/pg_bulk.h"
#include "lib/lazy_pq.h"
#include "lib/strbuf.h"
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BULK_TABLES 16
#define BULK_SHAPES 32
#define BULK_FLUSH_BYTES (8u << 20)
#define BULK_IDS_MAX 4096
#define BULK_MAX_COLS 200

/* One INSERT text the bulk holds rows of. */
struct shape {
    char *sql;                /* the driver's statement text (with $n, maybe RETURNING id) */
    int table;                /* index into bulk.tables */
    char *copy;               /* "COPY t (id, c1, …) FROM STDIN" */
    int ncols;
    int param[BULK_MAX_COLS]; /* the 0-based parameter of each column */
    bool with_id;             /* an id from the sequence goes first */
    char *merge;              /* ON CONFLICT …: COPY goes to a temporary table, then this */
    char *stage;              /* the CREATE of that table */
    strbuf rows;              /* COPY text of the held rows */
    unsigned long order;      /* when its first held row came (flush order) */
};

struct id_pool { int64_t next, end; int block; };

struct pg_bulk {
    char tables[BULK_TABLES][64];
    int ntables;
    struct id_pool ids[BULK_TABLES];
    struct shape shapes[BULK_SHAPES];
    int nshapes;
    unsigned long clock;
    size_t held_bytes;
    long held_rows, copies;
    bool pending[BULK_TABLES];
    int strikes[BULK_TABLES];   /* flushes for a read of few held rows */
    bool off[BULK_TABLES];      /* read back row by row: not held any more */
};

struct pg_bulk *pg_bulk_new(const char *const *tables)
{
    struct pg_bulk *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    for (int i = 0; tables && tables[i] && b->ntables < BULK_TABLES; i++)
        snprintf(b->tables[b->ntables++], sizeof b->tables[0], "%s", tables[i]);
    return b;
}

void pg_bulk_free(struct pg_bulk *b)
{
    if (!b) return;
    for (int i = 0; i < b->nshapes; i++) {
        free(b->shapes[i].sql);
        free(b->shapes[i].copy);
        free(b->shapes[i].merge);
        free(b->shapes[i].stage);
        sb_free(&b->shapes[i].rows);
    }
    free(b);
}

bool pg_bulk_holds(const struct pg_bulk *b) { return b && b->held_rows > 0; }

/* FNV-1a over the staging table's identity: its table, columns and
 * conflict clause (a NUL between them). */
static uint64_t stage_key(const char *table, const char *cols, const char *conflict)
{
    uint64_t h = 14695981039346656037ull;
    const char *parts[] = {table, cols, conflict};
    for (int i = 0; i < 3; i++) {
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) h = (h ^ *p) * 1099511628211ull;
        h = (h ^ 0) * 1099511628211ull;
    }
    return h;
}

/* ---- the shape of an INSERT ---- */

static const char *skip_ws(const char *p)
{
    while (*p && isspace((unsigned char)*p)) p++;
    return p;
}

static bool word(const char **p, const char *w)
{
    const char *q = skip_ws(*p);
    size_t n = strlen(w);
    if (strncasecmp(q, w, n) != 0 || isalnum((unsigned char)q[n]) || q[n] == '_') return false;
    *p = q + n;
    return true;
}

/* An identifier, plain or double-quoted, into out (unquoted). */
static bool ident(const char **p, char *out, size_t cap)
{
    const char *q = skip_ws(*p);
    size_t n = 0;
    if (*q == '"') {
        q++;
        while (*q && *q != '"') { if (n + 1 < cap) out[n++] = *q; q++; }
        if (*q != '"') return false;
        q++;
    } else {
        if (!isalpha((unsigned char)*q) && *q != '_') return false;
        while (isalnum((unsigned char)*q) || *q == '_') { if (n + 1 < cap) out[n++] = *q; q++; }
    }
    out[n] = '\0';
    *p = q;
    return n > 0 && n + 1 < cap;
}

static int table_index(const struct pg_bulk *b, const char *name)
{
    for (int i = 0; i < b->ntables; i++)
        if (strcmp(b->tables[i], name) == 0) return i;
    return -1;
}

/* Parses sql into sh; false when it is not a plain INSERT of a held table
 * (then the statement runs as it is). */
static bool parse_shape(struct pg_bulk *b, const char *sql, bool implicit_id, struct shape *sh)
{
    const char *p = sql;
    char name[64], col[64];
    if (!word(&p, "INSERT") || !word(&p, "INTO") || !ident(&p, name, sizeof name)) return false;
    int t = table_index(b, name);
    if (t < 0) return false;
    p = skip_ws(p);
    if (*p++ != '(') return false;
    strbuf cols;
    sb_init(&cols, 0);
    if (implicit_id) sb_puts(&cols, "id");
    int n = 0;
    for (;;) {
        if (n >= BULK_MAX_COLS || !ident(&p, col, sizeof col)) { sb_free(&cols); return false; }
        if (implicit_id && strcmp(col, "id") == 0) { sb_free(&cols); return false; }
        sb_printf(&cols, "%s\"%s\"", cols.len ? ", " : "", col);
        n++;
        p = skip_ws(p);
        if (*p == ',') { p++; continue; }
        if (*p == ')') { p++; break; }
        sb_free(&cols);
        return false;
    }
    if (!word(&p, "VALUES")) { sb_free(&cols); return false; }
    p = skip_ws(p);
    if (*p++ != '(') { sb_free(&cols); return false; }
    for (int i = 0; i < n; i++) {
        p = skip_ws(p);
        /* $n, with at most a cast to a plain type ($n::t, CAST($n AS t)):
         * COPY reads the text with the column type's input function, as
         * the cast would */
        const char *q = p;
        bool cast = word(&q, "CAST") && *(q = skip_ws(q)) == '(';
        if (cast) p = skip_ws(q + 1);
        if (*p != '$' || !isdigit((unsigned char)p[1])) { sb_free(&cols); return false; }
        sh->param[i] = (int)strtol(p + 1, (char **)&p, 10) - 1;
        p = skip_ws(p);
        if (cast) {
            if (!word(&p, "AS") || !ident(&p, col, sizeof col) || *(p = skip_ws(p)) != ')') { sb_free(&cols); return false; }
            p = skip_ws(p + 1);
        } else if (p[0] == ':' && p[1] == ':') {
            p += 2;
            if (!ident(&p, col, sizeof col)) { sb_free(&cols); return false; }
            p = skip_ws(p);
        }
        if (*p != (i + 1 < n ? ',' : ')')) { sb_free(&cols); return false; }
        p++;
    }
    /* nothing after it but an ON CONFLICT clause (through a staging
     * table) or the driver's RETURNING id */
    bool nothing = false;
    const char *q = p, *conflict = NULL;
    if (word(&q, "ON") && word(&q, "CONFLICT")) {
        /* the clause as it is, after INSERT … SELECT from the staging table
         * (DO UPDATE: the driver's search index rows; each key once per
         * flush, or the COPY fails) */
        conflict = skip_ws(p);
        nothing = true;
        p += strlen(p);
        if (strcasestr(conflict, "RETURNING") || strchr(conflict, ';')) { sb_free(&cols); return false; }
    }
    p = skip_ws(p);
    if (*p == ';') p = skip_ws(p + 1);
    if (*p && !(implicit_id && word(&p, "RETURNING") && word(&p, "id") && !*skip_ws(p))) { sb_free(&cols); return false; }
    if (nothing && implicit_id) { sb_free(&cols); return false; }   /* an id for a row that may not be kept */
    strbuf copy, merge, stage;
    sb_init(&copy, 0);
    sb_init(&merge, 0);
    sb_init(&stage, 0);
    /* identifiers of the driver's own statement text (ident: no quote in them) */
    const char *bulk_table = name, *bulk_cols = sb_str(&cols), *bulk_conflict = conflict;
    if (nothing) {
        /* The temporary table outlives the transaction (the session keeps
         * it), and the next bulk on this connection may meet its shapes in
         * another order: the name comes from what the table holds, not
         * from the shape's place (named by place, a later batch found
         * party_fts's table where contact_point's was expected). */
        char bulk_stage[96];
        snprintf(bulk_stage, sizeof bulk_stage, "rapport_bulk_%016llx",
                 (unsigned long long)stage_key(bulk_table, bulk_cols, bulk_conflict));
        sb_printf(&stage, "CREATE TEMPORARY TABLE IF NOT EXISTS %s ON COMMIT DELETE ROWS AS SELECT %s FROM \"%s\" WITH NO DATA",
                  bulk_stage, bulk_cols, bulk_table);
        sb_printf(&copy, "COPY %s (%s) FROM STDIN", bulk_stage, bulk_cols);
        sb_printf(&merge, "INSERT INTO \"%s\" (%s) SELECT %s FROM %s %s; TRUNCATE %s", bulk_table,
                  bulk_cols, bulk_cols, bulk_stage, bulk_conflict, bulk_stage);
    } else sb_printf(&copy, "COPY \"%s\" (%s) FROM STDIN", bulk_table, bulk_cols);
    sb_free(&cols);
    if (copy.failed || merge.failed || stage.failed) { sb_free(&copy); sb_free(&merge); sb_free(&stage); return false; }
    sh->copy = sb_take(&copy);
    sh->merge = nothing ? sb_take(&merge) : NULL;
    sh->stage = nothing ? sb_take(&stage) : NULL;
    sb_free(&merge);
    sb_free(&stage);
    sh->table = t;
    sh->ncols = n;
    sh->with_id = implicit_id;
    return true;
}

/* The shape of sql: found, made, or NULL (not held). A text that is not
 * held is remembered too (table -1), so it is parsed once. */
static struct shape *shape_of(struct pg_bulk *b, const char *sql, bool implicit_id)
{
    for (int i = 0; i < b->nshapes; i++)
        if (strcmp(b->shapes[i].sql, sql) == 0) return b->shapes[i].table >= 0 ? &b->shapes[i] : NULL;
    if (b->nshapes >= BULK_SHAPES) return NULL;
    struct shape *sh = &b->shapes[b->nshapes];
    memset(sh, 0, sizeof *sh);
    sb_init(&sh->rows, 0);
    if (!(sh->sql = strdup(sql))) return NULL;
    if (!parse_shape(b, sql, implicit_id, sh)) sh->table = -1;
    b->nshapes++;
    return sh->table >= 0 ? sh : NULL;
}

/* ---- rows ---- */

static void put_text(strbuf *sb, const char *v)
{
    const char *run = v;
    for (const char *p = v; *p; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '\\': esc = "\\\\"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        default: continue;
        }
        sb_append(sb, run, (size_t)(p - run));
        sb_puts(sb, esc);
        run = p + 1;
    }
    sb_puts(sb, run);
}

static void put_bytea(strbuf *sb, const unsigned char *v, int n)
{
    static const char hex[] = "0123456789abcdef";
    sb_puts(sb, "\\\\x");   /* \x, its backslash escaped for COPY */
    for (int i = 0; i < n; i++) {
        char two[2] = {hex[v[i] >> 4], hex[v[i] & 15]};
        sb_append(sb, two, 2);
    }
}

/* The next id of table t's sequence; 0 and err set on failure. */
static int64_t next_id(struct pg_bulk *b, PGconn *h, int t, char *err, size_t errlen)
{
    struct id_pool *pool = &b->ids[t];
    if (pool->next < pool->end) return pool->next++;
    pool->block = pool->block ? pool->block * 2 : 64;
    if (pool->block > BULK_IDS_MAX) pool->block = BULK_IDS_MAX;
    char sql[256];
    const char *bulk_table = b->tables[t];
    int bulk_block = pool->block;
    snprintf(sql, sizeof sql, "SELECT nextval(pg_get_serial_sequence('\"%s\"', 'id')) FROM generate_series(1, %d)",
             bulk_table, bulk_block);
    PGresult *r = lz_pq.PQexec(h, sql);
    int n = lz_pq.PQresultStatus(r) == PGRES_TUPLES_OK ? lz_pq.PQntuples(r) : 0;
    if (n < 1) {
        snprintf(err, errlen, "bulk ids of %s: %s", b->tables[t], lz_pq.PQresultErrorMessage(r));
        lz_pq.PQclear(r);
        return 0;
    }
    /* nextval over one statement is consecutive unless another session
     * takes values in between: then only the first run is used */
    int64_t first = strtoll(lz_pq.PQgetvalue(r, 0, 0), NULL, 10);
    int k = 1;
    while (k < n && strtoll(lz_pq.PQgetvalue(r, k, 0), NULL, 10) == first + k) k++;
    lz_pq.PQclear(r);
    pool->next = first + 1;
    pool->end = first + k;
    return first;
}

int pg_bulk_take(struct pg_bulk *b, PGconn *h, const char *sql, bool implicit_id, int nparams,
                 char *const *vals, const int *lens, const int *fmts, int64_t *id, char *err, size_t errlen)
{
    struct shape *sh = shape_of(b, sql, implicit_id);
    if (!sh || b->off[sh->table]) return 1;
    for (int i = 0; i < sh->ncols; i++)
        if (sh->param[i] < 0 || sh->param[i] >= nparams) return 1;
    *id = 0;
    if (sh->with_id && !(*id = next_id(b, h, sh->table, err, errlen))) return -1;
    strbuf *sb = &sh->rows;
    size_t before = sb->len;
    if (sh->with_id) sb_printf(sb, "%lld\t", (long long)*id);
    for (int i = 0; i < sh->ncols; i++) {
        int k = sh->param[i];
        if (i) sb_append(sb, "\t", 1);
        if (!vals[k]) sb_puts(sb, "\\N");
        else if (fmts[k] == 1) put_bytea(sb, (const unsigned char *)vals[k], lens[k]);
        else put_text(sb, vals[k]);
    }
    sb_append(sb, "\n", 1);
    if (sb->failed) { snprintf(err, errlen, "bulk rows of %s: out of memory", b->tables[sh->table]); return -1; }
    if (before == 0) sh->order = ++b->clock;
    b->held_bytes += sb->len - before;
    b->held_rows++;
    b->pending[sh->table] = true;
    return 0;
}

bool pg_bulk_full(const struct pg_bulk *b) { return b->held_bytes >= BULK_FLUSH_BYTES; }

/* Whether sql names table as a word (an identifier of its own). */
static bool names(const char *sql, const char *table)
{
    size_t n = strlen(table);
    for (const char *p = sql; (p = strcasestr(p, table)) != NULL; p += n) {
        char before = p > sql ? p[-1] : ' ', after = p[n];
        if ((isalnum((unsigned char)before) || before == '_') || isalnum((unsigned char)after) || after == '_') continue;
        return true;
    }
    return false;
}

/* A table whose rows are read back after nearly every row (a transaction
 * import's hooks total the party's transactions) gains nothing from COPY:
 * a flush per row is a COPY per row. After BULK_STRIKES flushes for a read
 * when fewer than BULK_FEW rows were held, the table's rows are written as
 * they come for the rest of the transaction. */
#define BULK_STRIKES 3
#define BULK_FEW 16
bool pg_bulk_touches(struct pg_bulk *b, const char *sql)
{
    if (!b || !b->held_rows) return false;
    bool touches = false;
    for (int t = 0; t < b->ntables; t++) {
        if (!b->pending[t] || !names(sql, b->tables[t])) continue;
        touches = true;
        if (b->held_rows < BULK_FEW && ++b->strikes[t] >= BULK_STRIKES) b->off[t] = true;
    }
    return touches;
}

/* One shape's rows through COPY; NULL, or the failing result (caller clears). */
static PGresult *copy_shape(PGconn *h, struct shape *sh)
{
    PGresult *r;
    if (sh->stage) {
        r = lz_pq.PQexec(h, sh->stage);
        if (lz_pq.PQresultStatus(r) != PGRES_COMMAND_OK) return r;
        lz_pq.PQclear(r);
    }
    r = lz_pq.PQexec(h, sh->copy);
    if (lz_pq.PQresultStatus(r) != PGRES_COPY_IN) return r;
    lz_pq.PQclear(r);
    /* the buffer is sent in pieces: libpq queues what it is given */
    int ok = 1;
    for (size_t off = 0; ok == 1 && off < sh->rows.len; off += 1u << 20) {
        size_t k = sh->rows.len - off < (1u << 20) ? sh->rows.len - off : (1u << 20);
        ok = lz_pq.PQputCopyData(h, sh->rows.data + off, (int)k);
    }
    lz_pq.PQputCopyEnd(h, ok == 1 ? NULL : "the rows could not be sent");
    PGresult *fail = NULL;
    while ((r = lz_pq.PQgetResult(h)) != NULL) {
        if (lz_pq.PQresultStatus(r) != PGRES_COMMAND_OK && !fail) fail = r;
        else lz_pq.PQclear(r);
    }
    if (!fail && sh->merge) {
        r = lz_pq.PQexec(h, sh->merge);
        if (lz_pq.PQresultStatus(r) != PGRES_COMMAND_OK) return r;
        lz_pq.PQclear(r);
    }
    return fail;
}

PGresult *pg_bulk_flush(struct pg_bulk *b, PGconn *h)
{
    if (!b || !b->held_rows) return NULL;
    PGresult *fail = NULL;
    for (;;) {
        struct shape *first = NULL;
        for (int i = 0; i < b->nshapes; i++) {
            const struct shape *sh = &b->shapes[i];
            if (sh->rows.len && (!first || sh->table < first->table || (sh->table == first->table && sh->order < first->order)))
                first = &b->shapes[i];
        }
        if (!first) break;
        if (!fail) fail = copy_shape(h, first);
        if (!fail) b->copies++;
        sb_reset(&first->rows);
    }
    b->held_bytes = 0;
    b->held_rows = 0;
    memset(b->pending, 0, sizeof b->pending);
    return fail;
}

void pg_bulk_drop(struct pg_bulk *b)
{
    if (!b) return;
    for (int i = 0; i < b->nshapes; i++) sb_reset(&b->shapes[i].rows);
    for (int t = 0; t < b->ntables; t++) b->ids[t].next = b->ids[t].end = 0;
    b->held_bytes = 0;
    b->held_rows = 0;
    memset(b->pending, 0, sizeof b->pending);
}

const char *pg_bulk_held(struct pg_bulk *b, const char *sql, const char **copy)
{
    *copy = NULL;
    for (int i = 0; b && i < b->nshapes; i++)
        if (strcmp(b->shapes[i].sql, sql) == 0 && b->shapes[i].table >= 0) {
            *copy = b->shapes[i].copy;
            return sb_str(&b->shapes[i].rows);
        }
    return NULL;
}
