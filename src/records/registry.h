/* registry: the one list of record types. Each type is declared once — its
 * descriptor (fields, table: api/resource.h), how its ownership is decided,
 * its parent, its flags (routes, timeline, merge, import, export, audit),
 * its workflow and the permission rows a new database starts with — and
 * everything that lists record types is derived from this table instead of
 * copying the list: the permission entities and their seed rows (authz.c),
 * audit redaction (audit.c), the party timeline and the merge (parties.c),
 * import and export kinds, the CRUD routes (and so the OpenAPI description)
 * the reference checks (an FT_REF field names its target by the type name
 * declared here), and GET /api/v1/record-types, from which the UI's
 * permission and field-security pages are drawn. Adding a plain type is its declaration
 * here, one migration and its catalogue strings. */
#ifndef RAPPORT_REGISTRY_H
#define RAPPORT_REGISTRY_H
#include "api/resource.h"
#include "db/db.h"
#include "http/http.h"
#include <jansson.h>
#include <stdbool.h>

struct workflow;

/* Whose ownership decides who may see and change a record:
 *  OWN_SELF   — its own owner_id / team_id columns (parties, campaigns);
 *  OWN_PARENT — its parent's, through the parent field (a transaction
 *               takes its party's; a link its from-party's);
 *  OWN_NONE   — no record-level scope: the role's scope is all or none
 *               (catalogue and directory records: products, teams). */
enum own_kind { OWN_NONE, OWN_SELF, OWN_PARENT };

enum {
    RT_ROUTES = 1,      /* list / create / get / patch / delete under /api/v1/<name> */
    RT_TIMELINE = 2,    /* shows in its party's timeline (OWN_PARENT of a party), or
                         * has GET /api/v1/<name>/{id}/timeline of its own changes */
    RT_MERGE = 4,       /* moves to the survivor when its party is merged */
    RT_IMPORT = 8,      /* an import kind (POST /api/v1/imports?kind=<name>) */
    RT_EXPORT = 16,     /* GET /api/v1/exports/<name> */
    RT_AUDIT = 32,      /* its changes are audit rows, redacted by field security */
};

/* One default row of role_permission: role, action, scope. Roles and
 * actions not listed start at none; an admin always has every scope. */
struct perm_default { const char *role, *action, *scope; };

struct rtype {
    const char *type;              /* "party": audit entity, event type, OpenAPI schema */
    struct resource *res;          /* res->name ("parties") is the URL segment and permission entity */
    const char *noun;              /* "a party", for route summaries */
    enum own_kind own;
    const char *parent;            /* OWN_PARENT: the parent's type ("party") */
    const char *parent_field;      /* OWN_PARENT: the field naming the parent */
    unsigned flags;
    const char *timeline_at;       /* RT_TIMELINE of a party child: SQL expression of its time */
    /* RT_MERGE: statements moving its rows from the duplicate party to the
     * survivor; binds says what each ? is: t the survivor, d the duplicate
     * (NULL-sql terminated). */
    const struct merge_move { const char *sql, *binds; } *merge;
    const struct perm_default *perms;  /* NULL-role terminated */
    const struct workflow *workflow;   /* its state field's workflow, or NULL */
    /* Set by registry_init. */
    struct route routes[6];
    int nroutes;
    struct route_doc timeline_doc;     /* OpenAPI shape of its own timeline route */
    /* OWN_SELF types other than the party: the access predicates over
     * alias t, built once from the type's table and name (authz.c). */
    char *pred_own, *pred_team, *sql_in[4];
};

/* Builds every type's SQL, routes and predicates; idempotent. Call before
 * serving, importing or exporting. */
void registry_init(void);
/* The types in declaration order, NULL-terminated. */
const struct rtype *const *registry_types(void);
/* The type of a singular name ("party"), of a resource name ("parties"),
 * or of a descriptor; NULL when none. */
const struct rtype *registry_by_type(const char *type);
const struct rtype *registry_by_name(const char *name);
const struct rtype *registry_of(const struct resource *r);
/* Whether name is a reference target an FT_REF field may name: a record
 * type's type name ("party", "pipeline"), or one of the targets declared
 * beside the registry that are not record types ("user"). */
bool registry_ref_known(const char *name);
/* Checks that every FT_REF field of r names a known reference target (and
 * that no other field names one): 0, or -1 with a message naming the type,
 * field and name in msg. registry_init runs it on every type and stops the
 * process on a failure, so a misspelt reference cannot start a server. */
int registry_check_refs(const struct resource *r, char *msg, size_t n);
/* Every permission entity: the record types' names, then the entities that
 * are not record types (users, permissions, audit, imports, jobs).
 * NULL-terminated; static storage. */
const char *const *registry_entities(void);
/* Inserts the declared permission rows that the database does not have yet
 * (a new type's, on the first start after its migration), in the caller's
 * write transaction. An admin's later changes are rows and stay. 0 or -1. */
int registry_seed(db *w);
/* The registry as JSON for GET /api/v1/record-types (a new object). */
json_t *registry_json(void);
/* Registers the routes of RT_ROUTES types and GET /api/v1/record-types. */
void registry_register_routes(void);
#endif
