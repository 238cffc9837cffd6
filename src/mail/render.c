/* render: merge fields of e-mail templates (see render.h). */
#include "mail/render.h"
#include "lib/strbuf.h"
#include <stdio.h>
#include <string.h>

const char *const mail_merge_fields[] = {"name", "company", "owner", "unsubscribe_url", NULL};

/* The index of the field named by [p, p + n), trimmed of spaces, or -1. */
static int field_index(const char *p, size_t n)
{
    while (n && *p == ' ') { p++; n--; }
    while (n && p[n - 1] == ' ') n--;
    for (int i = 0; mail_merge_fields[i]; i++)
        if (strlen(mail_merge_fields[i]) == n && !memcmp(mail_merge_fields[i], p, n)) return i;
    return -1;
}

int mail_template_check(const char *text, char *bad, size_t cap)
{
    for (const char *p = strstr(text, "{{"); p; p = strstr(p, "{{")) {
        const char *end = strstr(p + 2, "}}");
        if (!end) { snprintf(bad, cap, "{{ without }}"); return -1; }
        if (field_index(p + 2, (size_t)(end - p - 2)) < 0) {
            snprintf(bad, cap, "%.*s", (int)(end - p - 2 > 60 ? 60 : end - p - 2), p + 2);
            return -1;
        }
        p = end + 2;
    }
    return 0;
}

static void put_value(strbuf *out, const char *v, bool html)
{
    if (html) { sb_put_html(out, v); return; }
    for (; v && *v; v++) sb_append(out, *v == '\r' || *v == '\n' ? " " : v, 1);
}

char *mail_render(const char *text, const struct mail_merge *m, bool html)
{
    strbuf out;
    sb_init(&out, 4u << 20);   /* a template is at most 100,000 characters */
    const char *p = text;
    for (const char *open = strstr(p, "{{"); open; open = strstr(p, "{{")) {
        const char *end = strstr(open + 2, "}}");
        if (!end) break;
        int i = field_index(open + 2, (size_t)(end - open - 2));
        sb_append(&out, p, (size_t)(open - p));
        if (i >= 0) put_value(&out, m->v[i], html);
        else sb_append(&out, open, (size_t)(end + 2 - open));   /* not a field: left as written */
        p = end + 2;
    }
    sb_append(&out, p, strlen(p));
    if (out.failed) { sb_free(&out); return NULL; }
    char *r = sb_take(&out);
    return r ? r : strdup("");
}
