/* setting: the setting table's rows (see setting.h). */
#include "db/setting.h"
#include <stdio.h>

void setting_get(db *c, const char *key, char *out, size_t cap)
{
    out[0] = '\0';
    db_stmt *s = db_prepare(c, "SELECT value FROM setting WHERE key = ?");
    if (!s) return;
    db_bind_text(s, 1, key);
    if (db_step(s) == DB_ROW && db_column_text(s, 0)) snprintf(out, cap, "%s", db_column_text(s, 0));
    db_done(s);
}

int setting_put(db *w, const char *key, const char *value)
{
    return db_run(w, "INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", "tt", key,
                  value);
}
