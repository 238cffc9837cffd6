/* render: e-mail templates' merge fields (issue 20). A template's subject
 * and body hold fields written {{name}}; rendering puts each field's value
 * in, HTML-escaped in the body (which is HTML), and in the subject with
 * line breaks removed (a header must stay one line). Pure functions: no
 * database, unit-tested (tests/unit/test_mail_render.c). */
#ifndef RAPPORT_MAIL_RENDER_H
#define RAPPORT_MAIL_RENDER_H
#include <stdbool.h>
#include <stddef.h>

/* The merge fields a template may use, NULL-terminated:
 * name, company, owner, unsubscribe_url. */
extern const char *const mail_merge_fields[];

/* The values, in the order of mail_merge_fields (NULL: empty). */
struct mail_merge { const char *v[4]; };

/* Checks that every {{…}} in text names a merge field. Returns 0, or -1
 * with the offending name (or the unclosed "{{") copied into bad. */
int mail_template_check(const char *text, char *bad, size_t cap);

/* Renders text with m's values; html: escape them for HTML (& < > " '),
 * else remove CR and LF from them. Returns a new string (the caller frees
 * it), or NULL when memory is short. */
char *mail_render(const char *text, const struct mail_merge *m, bool html);
#endif
