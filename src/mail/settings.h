/* settings (mail): where and as whom marketing e-mail is sent — the rows
 * mail.smtp_url, mail.from, mail.public_url and company.name of the setting
 * table, set by an admin (PUT /api/v1/settings/mail). RAPPORT_SMTP_URL, when
 * set, wins over mail.smtp_url (a deployment's relay, tests' loopback
 * server); RAPPORT_PUBLIC_URL likewise over mail.public_url. */
#ifndef RAPPORT_MAIL_SETTINGS_H
#define RAPPORT_MAIL_SETTINGS_H
#include "db/db.h"
#include <stdbool.h>

struct mail_settings {
    char smtp_url[512];      /* "" when none is configured */
    bool smtp_from_env;      /* smtp_url came from RAPPORT_SMTP_URL */
    char from[320];          /* the From address */
    char public_url[512];    /* base of the unsubscribe and tracking links, no trailing / */
    char company[200];       /* {{company}} */
};

void mail_settings_load(db *c, struct mail_settings *s);
/* The public address set for links (RAPPORT_PUBLIC_URL, else mail.public_url)
 * without a trailing /, into out; "" when neither is set. */
void mail_public_url(db *c, char *out, size_t cap);
#endif
