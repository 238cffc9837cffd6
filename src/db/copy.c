/* copy: the rows of one table from a database to another, any engine to
 * any (rapport copy). The rows come from the source's table scan
 * (db_prepare_table_scan) and go in with an INSERT … ON CONFLICT DO NOTHING
 * assembled from the scan's column names (identifiers the catalog gave,
 * checked to be plain), values bound by their type, in transactions of a
 * batch of rows each. A key the target already has is left as it is, so a
 * copy that stopped (killed, a full disk) is resumed by running it again.
 *
 * The checksum of a table is the sum (mod 2^64) of a hash of each row's
 * values, so it does not depend on the order rows come in (the engines'
 * scans order composite keys differently). A value hashes as its type
 * class and bytes: integers as their decimal text, reals as %.17g of the
 * double, texts and blobs as their bytes; so 5 in SQLite and 5 in
 * PostgreSQL hash alike. */
#include "db/copy.h"
#include "lib/strbuf.h"
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The INSERT texts of the tables copied: the target's statement cache is
 * keyed by the text's address, so they live until copy_release (after the
 * target connection is closed). */
#define MAX_KEPT 256
static char *g_kept[MAX_KEPT];
static int g_nkept;

static bool plain_name(const char *s)
{
    if (!s || !*s || strlen(s) > 63) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return false;
    return true;
}

/* Columns each engine computes in its own way, written again by
 * copy_finish: party.name_key is ICU's sort key (a blob) in SQLite, the
 * name in the zh-x-icu collation in PostgreSQL. */
static bool derived_column(const char *table, const char *column)
{
    return !strcmp(table, "party") && !strcmp(column, "name_key");
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static uint64_t row_hash(db_stmt *s, int ncols, const char *table)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < ncols; i++) {
        if (derived_column(table, db_column_name(s, i))) continue;
        int type = db_column_type(s, i);
        char num[40];
        const void *p = NULL;
        size_t n = 0;
        unsigned char tag;
        switch (type) {
        case DB_NULL: tag = 'n'; break;
        case DB_INTEGER:
            tag = 'i';
            n = (size_t)snprintf(num, sizeof num, "%" PRId64, db_column_int64(s, i));
            p = num;
            break;
        case DB_FLOAT:
            tag = 'f';
            n = (size_t)snprintf(num, sizeof num, "%.17g", db_column_double(s, i));
            p = num;
            break;
        case DB_BLOB: tag = 'b'; p = db_column_blob(s, i, &n); break;
        default: tag = 't'; p = db_column_bytes(s, i, &n); break;
        }
        h = hash_bytes(h, &tag, 1);
        if (p) h = hash_bytes(h, p, n);
        h = hash_bytes(h, "|", 1);
    }
    return h;
}

int copy_checksum(db *c, const char *table, int64_t *rows, uint64_t *sum)
{
    *rows = 0;
    *sum = 0;
    if (db_begin_read(c) != 0) return -1;
    db_stmt *s = db_prepare_table_scan(c, table);
    if (!s) { db_rollback(c); return -1; }
    int n = db_column_count(s), rc;
    while ((rc = db_step(s)) == DB_ROW) {
        (*rows)++;
        *sum += row_hash(s, n, table);
    }
    db_done(s);
    db_commit(c);
    return rc == DB_DONE ? 0 : -1;
}

static void bind_like(db_stmt *to, int idx, db_stmt *from, int col)
{
    size_t n;
    const void *p;
    switch (db_column_type(from, col)) {
    case DB_NULL: db_bind_null(to, idx); break;
    case DB_INTEGER: db_bind_int64(to, idx, db_column_int64(from, col)); break;
    case DB_FLOAT: db_bind_double(to, idx, db_column_double(from, col)); break;
    case DB_BLOB:
        p = db_column_blob(from, col, &n);
        db_bind_blob(to, idx, p ? p : "", n);
        break;
    default:
        p = db_column_bytes(from, col, &n);
        db_bind_textn(to, idx, p ? p : "", n);
        break;
    }
}

int copy_table(db *src, db *dst, const char *table, int batch, struct copy_table_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!plain_name(table)) { snprintf(err, errlen, "%s: not a plain table name", table); return -1; }
    if (db_begin_read(src) != 0) { snprintf(err, errlen, "%s: %s", table, db_errmsg(src)); return -1; }
    db_stmt *s = db_prepare_table_scan(src, table);
    if (!s) { snprintf(err, errlen, "%s: %s", table, db_errmsg(src)); db_rollback(src); return -1; }
    int ncols = db_column_count(s), rc = db_step(s);
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, "INSERT INTO ");
    sb_append(&sql, table, strlen(table));
    bool take[256];
    int ntake = 0;
    if (ncols > 256) { snprintf(err, errlen, "%s: too many columns", table); goto fail; }
    for (int i = 0; i < ncols; i++) {
        const char *column = db_column_name(s, i);
        if (!plain_name(column)) { snprintf(err, errlen, "%s: column %d has no plain name", table, i); goto fail; }
        take[i] = !derived_column(table, column);
        if (!strcmp(column, "id")) out->has_id = true;
        if (!take[i]) continue;
        sb_puts(&sql, ntake++ ? ", " : "(");
        sb_append(&sql, column, strlen(column));
    }
    sb_puts(&sql, ") VALUES (");
    for (int i = 0; i < ntake; i++) sb_puts(&sql, i ? ", ?" : "?");
    sb_puts(&sql, ") ON CONFLICT DO NOTHING");
    if (sql.failed || g_nkept >= MAX_KEPT) { snprintf(err, errlen, "out of memory"); goto fail; }
    sb_str(&sql);
    char *insert = g_kept[g_nkept++] = sb_take(&sql);
    int in_batch = 0;
    while (rc == DB_ROW) {
        if (!in_batch && db_begin_write(dst) != 0) { snprintf(err, errlen, "%s: %s", table, db_errmsg(dst)); goto fail; }
        db_stmt *ins = db_prepare(dst, insert);
        if (!ins) { snprintf(err, errlen, "%s: %s", table, db_errmsg(dst)); db_rollback(dst); goto fail; }
        for (int i = 0, k = 1; i < ncols; i++)
            if (take[i]) bind_like(ins, k++, s, i);
        int irc = db_step(ins);
        db_done(ins);
        if (irc != DB_DONE) { snprintf(err, errlen, "%s: %s", table, db_errmsg(dst)); db_rollback(dst); goto fail; }
        out->copied += db_changes(dst);
        if (++in_batch >= batch) {
            if (db_commit(dst) != 0) { snprintf(err, errlen, "%s: commit: %s", table, db_errmsg(dst)); goto fail; }
            in_batch = 0;
        }
        rc = db_step(s);
    }
    if (in_batch && db_commit(dst) != 0) { snprintf(err, errlen, "%s: commit: %s", table, db_errmsg(dst)); goto fail; }
    db_done(s);
    db_commit(src);
    sb_free(&sql);
    if (rc != DB_DONE) { snprintf(err, errlen, "%s: reading: %s", table, db_errmsg(src)); return -1; }
    if (copy_checksum(src, table, &out->src_rows, &out->src_sum) || copy_checksum(dst, table, &out->dst_rows, &out->dst_sum)) {
        snprintf(err, errlen, "%s: cannot checksum: %s / %s", table, db_errmsg(src), db_errmsg(dst));
        return -1;
    }
    return 0;
fail:
    db_done(s);
    db_rollback(src);
    sb_free(&sql);
    return -1;
}

int copy_fix_identity(db *dst, const char *table)
{
    if (strcmp(db_dialect_of(dst), "postgres") != 0 || !plain_name(table)) return 0;
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, "SELECT setval(pg_get_serial_sequence(?, 'id'), max(id)) FROM ");
    sb_append(&sql, table, strlen(table));
    sb_puts(&sql, " WHERE pg_get_serial_sequence(?, 'id') IS NOT NULL");
    db_stmt *s = sql.failed ? NULL : db_prepare_once(dst, sb_str(&sql));
    int rc = -1;
    if (s) {
        db_bind_text(s, 1, table);
        db_bind_text(s, 2, table);
        int st = db_step(s);
        rc = st == DB_ROW || st == DB_DONE ? 0 : -1;
        db_done(s);
    }
    sb_free(&sql);
    return rc;
}

int copy_start(db *dst)
{
    /* Rows go in table by table, in name order, while the tables refer to
     * each other (team and app_user both ways): the target checks no
     * foreign key and runs no trigger while copying (PostgreSQL: the
     * replication role, which needs a superuser or the database owner with
     * that right; SQLite: foreign_keys off). The source was consistent. */
    if (!strcmp(db_dialect_of(dst), "postgres")) return db_exec(dst, "SET session_replication_role = replica");
    return db_exec(dst, "PRAGMA foreign_keys = OFF");
}

int copy_finish(db *dst)
{
    int rc = 0;
    if (!strcmp(db_dialect_of(dst), "postgres")) {
        rc = db_exec(dst, "UPDATE party SET name_key = name WHERE name_key IS NULL");
        if (db_exec(dst, "SET session_replication_role = DEFAULT") != 0) rc = -1;
    } else {
        rc = db_exec(dst, "UPDATE party SET name_key = collation_key(name) WHERE name_key IS NULL");
        if (db_exec(dst, "PRAGMA foreign_keys = ON") != 0) rc = -1;
    }
    return rc;
}

void copy_release(void)
{
    for (int i = 0; i < g_nkept; i++) free(g_kept[i]);
    g_nkept = 0;
}
