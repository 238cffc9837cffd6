/* settings (mail): see settings.h. */
#include "mail/settings.h"
#include "db/setting.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mail_settings_load(db *c, struct mail_settings *s)
{
    memset(s, 0, sizeof *s);
    const char *env = getenv("RAPPORT_SMTP_URL");
    if (env && env[0]) { snprintf(s->smtp_url, sizeof s->smtp_url, "%s", env); s->smtp_from_env = true; }
    else setting_get(c, "mail.smtp_url", s->smtp_url, sizeof s->smtp_url);
    setting_get(c, "mail.from", s->from, sizeof s->from);
    if (!s->from[0]) snprintf(s->from, sizeof s->from, "marketing@localhost");
    mail_public_url(c, s->public_url, sizeof s->public_url);
    if (!s->public_url[0]) snprintf(s->public_url, sizeof s->public_url, "https://localhost");
    setting_get(c, "company.name", s->company, sizeof s->company);
}

void mail_public_url(db *c, char *out, size_t cap)
{
    const char *env = getenv("RAPPORT_PUBLIC_URL");
    if (env && env[0]) snprintf(out, cap, "%s", env);
    else setting_get(c, "mail.public_url", out, cap);
    size_t n = strlen(out);
    while (n && out[n - 1] == '/') out[--n] = '\0';
}
