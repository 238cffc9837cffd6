/* email_template: the e-mail templates of campaigns (issue 20) — a name, a
 * language (zh-CN or en), a subject and an HTML body with merge fields
 * {{name}}, {{company}}, {{owner}}, {{unsubscribe_url}} (mail/render.h).
 * A field that is not one of them is refused when the template is saved,
 * not found out when a campaign sends it. */
#include "domain/mail_types.h"
#include "mail/render.h"
#include <stdio.h>

static const char *const template_languages[] = {"zh-CN", "en", NULL};

static const struct field email_template_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT | F_FILTER, 200, NULL, 0, 0, NULL, "template name"},
    {"language", "language", NULL, FT_ENUM, F_REQUIRED | F_FILTER, 0, template_languages, 0, 0, NULL, "zh-CN or en"},
    {"subject", "subject", NULL, FT_TEXT, F_REQUIRED, 300, NULL, 0, 0, NULL, "subject line, with merge fields"},
    {"body", "body", NULL, FT_TEXT, F_REQUIRED, 100000, NULL, 0, 0, NULL,
     "HTML body with merge fields {{name}}, {{company}}, {{owner}}, {{unsubscribe_url}} (values are HTML-escaped)"},
};

static int email_template_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    static const char *const texts[] = {"subject", "body", NULL};
    for (int i = 0; texts[i]; i++) {
        const char *t = json_string_value(json_object_get(rec, texts[i]));
        char bad[80];
        if (t && mail_template_check(t, bad, sizeof bad)) {
            verr_set(e, 422, "invalid_value", texts[i], "%s: {{%s}} is not a merge field (name, company, owner, unsubscribe_url)",
                     texts[i], bad);
            return -1;
        }
    }
    return 0;
}

struct resource email_template_resource = {
    .name = "email-templates", .table = "email_template", .entity = "email_template",
    .fields = email_template_fields, .nfields = sizeof email_template_fields / sizeof email_template_fields[0],
    .rule = email_template_rule,
};
