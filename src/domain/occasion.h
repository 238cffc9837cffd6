/* occasion: the dates to contact a customer on (DOMAIN D8) — birthdays
 * (solar, or lunar for customers who celebrate that way: a party's
 * lunar_birthday {"month", "day", "leap"}), first-purchase anniversaries
 * (from the analytics' score.first_purchase), the key dates of the
 * key-dates type (membership and other anniversaries, maturities of a
 * deposit or a policy payment, custom dates, the company's events) and the
 * festivals of both calendars (lib/lunar.h) — listed over a date range
 * (occasion.c), and the occasion-rules type that turns them into tasks N
 * days ahead (occasion_rules.c). */
#ifndef RAPPORT_OCCASION_H
#define RAPPORT_OCCASION_H
#include "api/resource.h"
#include "db/db.h"
#include "http/http.h"
#include <stdint.h>

extern struct resource key_date_resource;
extern struct resource occasion_rule_resource;
extern const char *const key_date_kinds[];
extern const char *const occasion_kinds[];

/* The party's lunar_birthday check (the party rule calls it): absent, {} or
 * null, or {"month": 1…12, "day": 1…30, "leap": bool}. 0 or -1 with e. */
int occasion_check_lunar_birthday(const json_t *party, struct verr *e);

/* One occasion on a day. */
struct occasion {
    char date[11];               /* YYYY-MM-DD */
    const char *kind;            /* occasion_kinds: birthday, lunar_birthday, first_purchase, key_date, festival */
    const char *sub;             /* the festival id or the key date's kind, or NULL */
    int64_t party_id;            /* 0: everyone's (a festival, a company event) */
    char party_name[201];
    char title[201];
    int64_t key_date_id;
    int years;                   /* the anniversary's number, or 0 */
};
/* Calls cb for every occasion from `from` to `to` (YYYY-MM-DD, at most 366
 * days) of the parties of segment (a party-list query, NULL: all) within
 * u's read scope, plus the festivals and company events; kind (NULL: all)
 * narrows to one occasion kind. Unordered. 0, or -1 with e (the date
 * fields named). cb returns non-zero to stop. */
int occasions_each(db *c, const struct auth_user *u, const char *segment, const char *from, const char *to,
                   const char *kind, int (*cb)(void *ctx, const struct occasion *o), void *ctx, struct verr *e);

/* Registers the job kinds occasion_rules_run (every rule, daily) and
 * occasion_rule_run ({"rule_id", "on"}) (occasion_rules.c). */
void occasion_rules_jobs_register(void);
/* Registers GET /api/v1/occasions and POST /api/v1/occasion-rules/{id}/run
 * with the job kinds (api/occasions.c). */
void occasions_register(void);
#endif
