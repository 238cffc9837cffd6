/* authz: the one place that decides whether a user may perform an action on
 * a resource. Every route passes through authz_allowed before its handler
 * runs; record-level visibility (own / team / all) and field security come
 * with the access-control issue and will be decided here too. */
#ifndef RAPPORT_AUTHZ_H
#define RAPPORT_AUTHZ_H
#include "http/http.h"
#include <stdbool.h>

extern const char *const role_names[];   /* NULL-terminated */
bool role_valid(const char *role);
bool authz_allowed(const struct auth_user *u, const struct route *r);
#endif
