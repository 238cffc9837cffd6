/* authz: role × action decisions (see authz.h). */
#include "http/authz.h"
#include <string.h>

const char *const role_names[] = {"admin", "manager", "sales", "service", "marketing", "read_only", NULL};

bool role_valid(const char *role)
{
    for (int i = 0; role_names[i]; i++)
        if (strcmp(role, role_names[i]) == 0) return true;
    return false;
}

bool authz_allowed(const struct auth_user *u, const struct route *r)
{
    if (r->flags & R_PUBLIC) return true;
    if (strcmp(u->role, "admin") == 0) return true;
    if (r->flags & R_ADMIN) return false;
    if (!r->action || strcmp(r->action, "read") == 0) return true;
    /* Everyone may manage their own session and tokens. */
    if (r->resource && (strcmp(r->resource, "session") == 0 || strcmp(r->resource, "tokens") == 0)) return true;
    return strcmp(u->role, "read_only") != 0;
}
