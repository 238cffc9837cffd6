/* registry: the record types and what is derived from them (see registry.h). */
#include "records/registry.h"
#include "api/api.h"
#include "domain/campaign.h"
#include "domain/exchange_rate.h"
#include "domain/opportunity.h"
#include "domain/pipeline.h"
#include "domain/assign.h"
#include "domain/lead.h"
#include "domain/order.h"
#include "domain/price_list.h"
#include "domain/quote.h"
#include "domain/service.h"
#include "domain/contact_plan.h"
#include "domain/occasion.h"
#include "domain/mail_types.h"
#include "domain/clubs.h"
#include "domain/loyalty.h"
#include "domain/points.h"
#include "domain/referral.h"
#include "http/authz.h"
#include "lib/strbuf.h"
#include "records/workflow.h"
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern struct resource link_resource, interaction_resource, transaction_resource, product_resource, note_resource,
    team_resource;
extern struct resource lead_form_resource;

/* ---- default permissions (the rows migration 003 wrote for the types it
 * knew; a type added later gets its rows from here at the first start) ---- */

/* Parties and what hangs on a party. */
static const struct perm_default perms_customer[] = {
    {"manager", "read", "team"}, {"manager", "create", "all"}, {"manager", "update", "team"},
    {"manager", "delete", "team"}, {"manager", "export", "team"}, {"manager", "assign", "team"},
    {"sales", "read", "team"}, {"sales", "create", "all"}, {"sales", "update", "own"},
    {"sales", "delete", "own"}, {"sales", "export", "own"},
    {"service", "read", "all"}, {"service", "create", "all"}, {"service", "update", "team"},
    {"marketing", "read", "all"}, {"marketing", "create", "all"}, {"marketing", "update", "own"},
    {"marketing", "export", "all"},
    {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};

static const struct perm_default perms_catalogue[] = {
    {"manager", "read", "all"}, {"manager", "export", "all"}, {"manager", "create", "all"},
    {"manager", "update", "all"}, {"manager", "delete", "all"},
    {"sales", "read", "all"}, {"sales", "export", "all"}, {"service", "read", "all"}, {"service", "export", "all"},
    {"marketing", "read", "all"}, {"marketing", "export", "all"}, {"read_only", "read", "all"}, {"read_only", "export", "all"},
    {NULL, NULL, NULL},
};

static const struct perm_default perms_directory[] = {
    {"manager", "read", "all"}, {"sales", "read", "all"}, {"service", "read", "all"},
    {"marketing", "read", "all"}, {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};

/* Campaigns are marketing's work: everyone reads them, marketing and
 * managers run them; only managers (and admins) may hand them to others. */
static const struct perm_default perms_campaign[] = {
    {"manager", "read", "all"}, {"manager", "create", "all"}, {"manager", "update", "team"},
    {"manager", "delete", "team"}, {"manager", "export", "all"}, {"manager", "assign", "team"},
    {"marketing", "read", "all"}, {"marketing", "create", "all"}, {"marketing", "update", "own"},
    {"marketing", "delete", "own"}, {"marketing", "export", "all"},
    {"sales", "read", "all"}, {"service", "read", "all"}, {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};

/* Leads are sales' and marketing's: like parties, a salesperson works their
 * own, a manager their team's. */
static const struct perm_default perms_lead[] = {
    {"manager", "read", "team"}, {"manager", "create", "all"}, {"manager", "update", "team"},
    {"manager", "delete", "team"}, {"manager", "export", "team"}, {"manager", "assign", "team"},
    {"sales", "read", "own"}, {"sales", "create", "all"}, {"sales", "update", "own"}, {"sales", "export", "own"},
    {"marketing", "read", "all"}, {"marketing", "create", "all"}, {"marketing", "update", "own"},
    {"marketing", "export", "all"},
    {"service", "read", "team"}, {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};

/* Assignment rules and web-to-lead forms are set up by admins; managers
 * read them to see how leads arrive. */
static const struct perm_default perms_lead_setup[] = {
    {"manager", "read", "all"},
    {NULL, NULL, NULL},
};

/* Quotes and orders are sales' work on their customers: the customer
 * permissions, and service, who deliver, move an order's steps too. */
static const struct perm_default perms_sales_docs[] = {
    {"manager", "read", "team"}, {"manager", "create", "all"}, {"manager", "update", "team"},
    {"manager", "delete", "team"}, {"manager", "export", "team"}, {"manager", "assign", "team"},
    {"sales", "read", "team"}, {"sales", "create", "all"}, {"sales", "update", "own"},
    {"sales", "delete", "own"}, {"sales", "export", "own"},
    {"service", "read", "all"}, {"service", "update", "team"},
    {"marketing", "read", "all"}, {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};

/* Service set-up (calendars, SLA policies, escalation rules): everyone
 * reads it, admins (all by default) write it. */
static const struct perm_default perms_service_setup[] = {
    {"manager", "read", "all"}, {"sales", "read", "all"}, {"service", "read", "all"},
    {"marketing", "read", "all"}, {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};

/* Cases are service's work: service reads all and works its team's;
 * managers run their team's; sales open cases for their customers. */
static const struct perm_default perms_case[] = {
    {"manager", "read", "all"}, {"manager", "create", "all"}, {"manager", "update", "team"},
    {"manager", "delete", "team"}, {"manager", "export", "team"}, {"manager", "assign", "team"},
    {"service", "read", "all"}, {"service", "create", "all"}, {"service", "update", "team"},
    {"service", "export", "team"}, {"service", "assign", "team"},
    {"sales", "read", "team"}, {"sales", "create", "all"}, {"sales", "update", "own"},
    {"marketing", "read", "all"}, {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};

/* Contact plans (D8): managers and marketing set them; sales and service
 * read them (their contacts are their work). */
static const struct perm_default perms_contact_plan[] = {
    {"manager", "read", "all"}, {"manager", "create", "all"}, {"manager", "update", "team"},
    {"manager", "delete", "team"}, {"manager", "export", "all"}, {"manager", "assign", "team"},
    {"marketing", "read", "all"}, {"marketing", "create", "all"}, {"marketing", "update", "own"},
    {"marketing", "delete", "own"}, {"marketing", "export", "all"},
    {"sales", "read", "all"}, {"service", "read", "all"}, {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};

/* E-mail marketing (issue 20): templates are marketing's catalogue; a
 * consent is recorded by whoever hears it and never changed (no update). */
static const struct perm_default perms_email_template[] = {
    {"manager", "read", "all"}, {"manager", "create", "all"}, {"manager", "update", "all"}, {"manager", "delete", "all"},
    {"marketing", "read", "all"}, {"marketing", "create", "all"}, {"marketing", "update", "all"}, {"marketing", "delete", "all"},
    {"sales", "read", "all"}, {"service", "read", "all"}, {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};
static const struct perm_default perms_consent[] = {
    {"manager", "read", "team"}, {"manager", "create", "team"}, {"manager", "export", "team"},
    {"sales", "read", "team"}, {"sales", "create", "team"},
    {"service", "read", "all"}, {"service", "create", "all"},
    {"marketing", "read", "all"}, {"marketing", "create", "all"}, {"marketing", "export", "all"},
    {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};
static const struct merge_move merge_consents[] = {{"UPDATE consent SET party_id = ? WHERE party_id = ?", "td"}, {NULL, NULL}};

/* Loyalty programmes (issue 21): marketing and managers set them up,
 * everyone reads them. */
static const struct perm_default perms_loyalty[] = {
    {"manager", "read", "all"}, {"manager", "create", "all"}, {"manager", "update", "all"},
    {"manager", "delete", "all"}, {"manager", "export", "all"},
    {"marketing", "read", "all"}, {"marketing", "create", "all"}, {"marketing", "update", "all"}, {"marketing", "export", "all"},
    {"sales", "read", "all"}, {"service", "read", "all"}, {"read_only", "read", "all"},
    {NULL, NULL, NULL},
};

/* ---- what a merge moves (t the survivor, d the duplicate) ---- */

static const struct merge_move merge_links[] = {
    /* A link between the two would become a link of the survivor to itself. */
    {"DELETE FROM party_link WHERE (from_id = ? AND to_id = ?) OR (from_id = ? AND to_id = ?)", "tddt"},
    {"UPDATE party_link SET from_id = ? WHERE from_id = ?", "td"},
    {"UPDATE party_link SET to_id = ? WHERE to_id = ?", "td"},
    {NULL, NULL},
};
static const struct merge_move merge_interactions[] = {{"UPDATE interaction SET party_id = ? WHERE party_id = ?", "td"}, {NULL, NULL}};
static const struct merge_move merge_transactions[] = {
    {"UPDATE txn SET party_id = ? WHERE party_id = ?", "td"},
    {"UPDATE txn SET competitor_id = ? WHERE competitor_id = ?", "td"},
    {NULL, NULL},
};
/* An opportunity (issue 18) follows its customer; one fought against the
 * duplicate as a competitor names the survivor. */
static const struct merge_move merge_opportunities[] = {
    {"UPDATE opportunity SET party_id = ? WHERE party_id = ?", "td"},
    {"UPDATE opportunity SET competitor_id = ? WHERE competitor_id = ?", "td"},
    {NULL, NULL},
};
static const struct merge_move merge_notes[] = {{"UPDATE note SET party_id = ? WHERE party_id = ?", "td"}, {NULL, NULL}};
static const struct merge_move merge_quotes[] = {{"UPDATE quote SET party_id = ? WHERE party_id = ?", "td"}, {NULL, NULL}};
static const struct merge_move merge_orders[] = {{"UPDATE sales_order SET party_id = ? WHERE party_id = ?", "td"}, {NULL, NULL}};
static const struct merge_move merge_cases[] = {
    {"UPDATE service_case SET party_id = ? WHERE party_id = ?", "td"},
    {"UPDATE service_case SET contact_id = ? WHERE contact_id = ?", "td"},
    {"UPDATE survey SET party_id = ? WHERE party_id = ?", "td"},
    {NULL, NULL},
};

/* issue 21: loyalty. An attendance of the duplicate at an event the
 * survivor also attends would break the one-per-event index: it goes. */
static const struct merge_move merge_club_members[] = {{"UPDATE club_member SET party_id = ? WHERE party_id = ?", "td"}, {NULL, NULL}};
static const struct merge_move merge_attendances[] = {
    {"DELETE FROM event_attendance WHERE party_id = ? AND event_id IN (SELECT event_id FROM event_attendance WHERE party_id = ?)", "dt"},
    {"UPDATE event_attendance SET party_id = ? WHERE party_id = ?", "td"},
    {NULL, NULL},
};
/* A duplicate's referral memberships move to the survivor unless the
 * survivor is a member of that programme already (then the duplicate's
 * stays, under the merged party, and the tree is not changed). */
static const struct merge_move merge_referral[] = {
    {"UPDATE referral_member SET party_id = ? WHERE party_id = ? AND program_id NOT IN"
     " (SELECT program_id FROM referral_member WHERE party_id = ?)", "tdt"},
    {NULL, NULL},
};
static const struct merge_move merge_structural[] = {{"UPDATE structural_service SET party_id = ? WHERE party_id = ?", "td"}, {NULL, NULL}};

/* ---- the types ---- */

static struct rtype g_types[] = {
    {.type = "party", .res = &party_resource, .noun = "a party", .own = OWN_SELF,
     .flags = RT_ROUTES | RT_AUDIT | RT_IMPORT | RT_EXPORT, .perms = perms_customer},
    {.type = "link", .res = &link_resource, .noun = "a link between parties", .own = OWN_PARENT, .parent = "party",
     .parent_field = "from_id", .flags = RT_ROUTES | RT_AUDIT | RT_MERGE, .merge = merge_links, .perms = perms_customer},
    {.type = "interaction", .res = &interaction_resource, .noun = "an interaction", .own = OWN_PARENT, .parent = "party",
     .parent_field = "party_id", .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_MERGE | RT_IMPORT | RT_EXPORT,
     .timeline_at = "COALESCE(occurred_at, due_at, created_at)", .merge = merge_interactions, .perms = perms_customer},
    {.type = "transaction", .res = &transaction_resource, .noun = "a transaction", .own = OWN_PARENT, .parent = "party",
     .parent_field = "party_id", .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_MERGE | RT_IMPORT | RT_EXPORT,
     .timeline_at = "occurred_at", .merge = merge_transactions, .perms = perms_customer},
    {.type = "note", .res = &note_resource, .noun = "a note", .own = OWN_PARENT, .parent = "party",
     .parent_field = "party_id", .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_MERGE,
     .timeline_at = "created_at", .merge = merge_notes, .perms = perms_customer},
    {.type = "product", .res = &product_resource, .noun = "a product", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_IMPORT | RT_EXPORT, .perms = perms_catalogue},
    {.type = "team", .res = &team_resource, .noun = "a team", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT, .perms = perms_directory},
    {.type = "campaign", .res = &campaign_resource, .noun = "a campaign", .own = OWN_SELF,
     .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_EXPORT, .workflow = &campaign_workflow, .perms = perms_campaign},
    /* Issue 18: pipelines, opportunities (their changes also show in their
     * party's timeline: audit rows name the party), exchange rates. */
    {.type = "pipeline", .res = &pipeline_resource, .noun = "a pipeline", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_EXPORT, .perms = perms_catalogue},
    {.type = "opportunity", .res = &opportunity_resource, .noun = "an opportunity", .own = OWN_SELF,
     .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_MERGE | RT_IMPORT | RT_EXPORT, .merge = merge_opportunities,
     .workflow = &opportunity_workflow, .perms = perms_customer},
    {.type = "exchange_rate", .res = &exchange_rate_resource, .noun = "an exchange rate", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_IMPORT | RT_EXPORT, .perms = perms_catalogue},
    /* Issue 18: leads, their assignment rules and web-to-lead forms. */
    {.type = "lead", .res = &lead_resource, .noun = "a lead", .own = OWN_SELF,
     .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_IMPORT | RT_EXPORT, .workflow = &lead_workflow, .perms = perms_lead},
    {.type = "assignment_rule", .res = &assignment_rule_resource, .noun = "an assignment rule", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT, .perms = perms_lead_setup},
    {.type = "lead_form", .res = &lead_form_resource, .noun = "a web-to-lead form", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT, .perms = perms_lead_setup},
    /* issue 18: price lists, quotes, orders (src/domain/). */
    {.type = "price_list", .res = &price_list_resource, .noun = "a price list", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_EXPORT, .perms = perms_catalogue},
    {.type = "quote", .res = &quote_resource, .noun = "a quote", .own = OWN_SELF,
     .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_MERGE | RT_EXPORT, .merge = merge_quotes, .workflow = &quote_workflow,
     .perms = perms_sales_docs},
    {.type = "order", .res = &order_resource, .noun = "an order", .own = OWN_SELF,
     .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_MERGE | RT_EXPORT, .merge = merge_orders, .workflow = &order_workflow,
     .perms = perms_sales_docs},
    /* service (issue 19) */
    /* Importable: issue 19 has an admin import a year's calendar (holidays, 调休) as data. */
    {.type = "business_calendar", .res = &calendar_resource, .noun = "a business calendar", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_IMPORT | RT_EXPORT, .perms = perms_service_setup},
    {.type = "sla_policy", .res = &sla_policy_resource, .noun = "an SLA policy", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_EXPORT, .perms = perms_service_setup},
    {.type = "escalation_rule", .res = &escalation_rule_resource, .noun = "an escalation rule", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT, .perms = perms_service_setup},
    {.type = "case", .res = &case_resource, .noun = "a case", .own = OWN_SELF,
     .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_EXPORT | RT_MERGE, .workflow = &case_workflow, .merge = merge_cases,
     .perms = perms_case},
    {.type = "contact_plan", .res = &contact_plan_resource, .noun = "a contact plan", .own = OWN_SELF,
     .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_EXPORT, .perms = perms_contact_plan},
    {.type = "key_date", .res = &key_date_resource, .noun = "a key date", .own = OWN_SELF,
     .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_EXPORT, .perms = perms_customer},
    {.type = "occasion_rule", .res = &occasion_rule_resource, .noun = "an occasion rule", .own = OWN_SELF,
     .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_EXPORT, .perms = perms_contact_plan},
    /* issue 20 (mail) */
    {.type = "email_template", .res = &email_template_resource, .noun = "an e-mail template", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_EXPORT, .perms = perms_email_template},
    {.type = "consent", .res = &consent_resource, .noun = "a consent", .own = OWN_PARENT, .parent = "party",
     .parent_field = "party_id", .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_MERGE | RT_EXPORT,
     .timeline_at = "given_at", .merge = merge_consents, .perms = perms_consent},
    /* issue 21: loyalty */
    {.type = "loyalty_program", .res = &loyalty_program_resource, .noun = "a loyalty programme", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_EXPORT, .perms = perms_loyalty},
    {.type = "referral_program", .res = &referral_program_resource, .noun = "a referral programme", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_EXPORT | RT_MERGE, .merge = merge_referral, .perms = perms_loyalty},
    {.type = "club", .res = &club_resource, .noun = "a club", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_EXPORT, .perms = perms_loyalty},
    {.type = "club_member", .res = &club_member_resource, .noun = "a club membership", .own = OWN_PARENT, .parent = "party",
     .parent_field = "party_id", .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_MERGE | RT_EXPORT, .timeline_at = "joined_on || 'T00:00:00Z'",
     .merge = merge_club_members, .perms = perms_customer},
    {.type = "club_event", .res = &club_event_resource, .noun = "a club event", .own = OWN_NONE,
     .flags = RT_ROUTES | RT_AUDIT | RT_EXPORT, .perms = perms_loyalty},
    {.type = "event_attendance", .res = &event_attendance_resource, .noun = "an event invitation", .own = OWN_PARENT,
     .parent = "party", .parent_field = "party_id", .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_MERGE,
     .timeline_at = "COALESCE(attended_at, registered_at, invited_at, created_at)", .merge = merge_attendances,
     .workflow = &attendance_workflow, .perms = perms_customer},
    {.type = "structural_service", .res = &structural_service_resource, .noun = "a structural service", .own = OWN_PARENT,
     .parent = "party", .parent_field = "party_id", .flags = RT_ROUTES | RT_AUDIT | RT_TIMELINE | RT_MERGE | RT_EXPORT,
     .timeline_at = "delivered_on || 'T00:00:00Z'", .merge = merge_structural, .perms = perms_customer},
};
#define NTYPES (sizeof g_types / sizeof g_types[0])

/* Permission entities that are not record types. */
static const char *const other_entities[] = {"users", "permissions", "audit", "imports", "jobs"};
#define NOTHER (sizeof other_entities / sizeof other_entities[0])

/* Reference targets that are not record types: an FT_REF field may name
 * one of these beside the types above. Users belong to the access layer
 * (src/api/users.c); the write path checks a reference to one against the
 * writer's user scope (records/write.c). */
static const char *const other_ref_targets[] = {"user"};
#define NOTHER_REFS (sizeof other_ref_targets / sizeof other_ref_targets[0])

static const struct rtype *g_list[NTYPES + 1];
static const char *g_entities[NTYPES + NOTHER + 1];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void type_timeline(struct req *rq, struct resp *rs);

/* Reads only the static tables, so init_once may call it. */
bool registry_ref_known(const char *name)
{
    for (size_t i = 0; name && i < NTYPES; i++)
        if (!strcmp(g_types[i].type, name)) return true;
    for (size_t i = 0; name && i < NOTHER_REFS; i++)
        if (!strcmp(other_ref_targets[i], name)) return true;
    return false;
}

int registry_check_refs(const struct resource *r, char *msg, size_t n)
{
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        if (f->type == FT_REF && !registry_ref_known(f->ref)) {
            snprintf(msg, n, "%s.%s references \"%s\", which is neither a record type nor a reference target", r->name,
                     f->name, f->ref ? f->ref : "(nothing)");
            return -1;
        }
        if (f->type != FT_REF && f->ref) {
            snprintf(msg, n, "%s.%s names a reference target but is not FT_REF", r->name, f->name);
            return -1;
        }
    }
    return 0;
}

/* The answer of a type's own timeline: its changes, as audit rows. */
#define RECORD_TIMELINE_SCHEMA                                                                                               \
    "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"                              \
    "'items':{'type':'array','items':{'type':'object','required':['type','at','item'],'additionalProperties':false,"        \
    "'properties':{'type':{'type':'string','enum':['change']},'at':{'type':'string','format':'date-time'},"                 \
    "'item':{'$ref':'#/components/schemas/AuditRow'}}}},'next':{'type':'string','nullable':true}}}"

static void init_once(void)
{
    size_t ne = 0;
    for (size_t i = 0; i < NTYPES; i++) {
        struct rtype *t = &g_types[i];
        g_list[i] = t;
        g_entities[ne++] = t->res->name;
        t->res->type = t;
        if (!t->res->sql_insert) resource_init(t->res);
        /* A child takes its parent's ownership through the field the
         * descriptor names as its party. */
        assert(t->own != OWN_PARENT || (t->parent_field && t->res->party_field && !strcmp(t->parent_field, t->res->party_field)));
        if (t->own == OWN_SELF && strcmp(t->type, "party")) authz_type_predicates(t);
        int n = 0;
        if (t->flags & RT_ROUTES) {
            static const struct { const char *method, *suffix, *action, *verb; void (*h)(struct req *, struct resp *); } crud[] = {
                {"GET", "", "read", "List", res_list}, {"POST", "", "create", "Create", res_create},
                {"GET", "/{id}", "read", "Get", res_get}, {"PATCH", "/{id}", "update", "Update", res_patch},
                {"DELETE", "/{id}", "delete", "Delete", res_delete},
            };
            for (size_t k = 0; k < sizeof crud / sizeof crud[0]; k++) {
                char path[128], summary[160];
                snprintf(path, sizeof path, "/api/v1/%s%s", t->res->name, crud[k].suffix);
                snprintf(summary, sizeof summary, "%s %s%s", crud[k].verb, k == 0 ? "" : t->noun,
                         k == 0 ? t->res->name : "");
                /* The record engine's routes: their OpenAPI shapes come from
                 * the handler and the resource (src/api/openapi.c). */
                t->routes[n++] = (struct route){crud[k].method, strdup(path), 0, t->res->name, crud[k].action, crud[k].h,
                                                strdup(summary), t->res, NULL};
            }
        }
        /* A type that owns itself has a timeline of its own changes; a
         * party child's shows in its party's (parties.c). */
        if ((t->flags & RT_TIMELINE) && t->own == OWN_SELF) {
            char path[128], summary[160];
            snprintf(path, sizeof path, "/api/v1/%s/{id}/timeline", t->res->name);
            snprintf(summary, sizeof summary, "Timeline of %s: its changes, newest first", t->noun);
            /* getCampaignTimeline, getContactPlanTimeline: the type in camel case. */
            char id[96];
            size_t k = snprintf(id, sizeof id, "get");
            for (const char *p = t->type; *p && k + 10 < sizeof id; p++) {
                if (*p == '_') continue;
                id[k++] = p == t->type || p[-1] == '_' ? (char)(*p - 'a' + 'A') : *p;
            }
            snprintf(id + k, sizeof id - k, "Timeline");
            t->timeline_doc = (struct route_doc){
                .id = strdup(id), .tag = t->res->name,
                .params = "[{'name':'limit','in':'query','schema':{'type':'integer','minimum':1,'maximum':500,'default':50}},"
                          "{'name':'before','in':'query','schema':{'type':'string','maxLength':24},'description':'the next of the previous page'}]",
                .response = RECORD_TIMELINE_SCHEMA, .response_name = "RecordTimeline",
            };
            t->routes[n++] = (struct route){"GET", strdup(path), 0, t->res->name, "read", type_timeline, strdup(summary), NULL,
                                            &t->timeline_doc};
        }
        t->nroutes = n;
    }
    for (size_t i = 0; i < NOTHER; i++) g_entities[ne++] = other_entities[i];
    /* Every reference names a known type: a misspelt one would otherwise
     * refuse every write of the field as a 500 (or, worse, pass). */
    for (size_t i = 0; i < NTYPES; i++) {
        char msg[256];
        if (registry_check_refs(g_types[i].res, msg, sizeof msg)) {
            fprintf(stderr, "rapport: registry: %s\n", msg);
            abort();
        }
    }
    /* Purchases earn loyalty points in their own write transaction, whoever
     * writes them (HTTP, imports, jobs): the feed's in-transaction hook. */
    points_subscribe();
    referral_subscribe();
    g_entities[ne] = NULL;
}

void registry_init(void) { pthread_once(&g_once, init_once); }

const struct rtype *const *registry_types(void)
{
    registry_init();
    return g_list;
}

const char *const *registry_entities(void)
{
    registry_init();
    return g_entities;
}

const struct rtype *registry_by_type(const char *type)
{
    registry_init();
    for (size_t i = 0; type && i < NTYPES; i++)
        if (!strcmp(g_types[i].type, type)) return &g_types[i];
    return NULL;
}

const struct rtype *registry_by_name(const char *name)
{
    registry_init();
    for (size_t i = 0; name && i < NTYPES; i++)
        if (!strcmp(g_types[i].res->name, name)) return &g_types[i];
    return NULL;
}

const struct rtype *registry_of(const struct resource *r)
{
    registry_init();
    return r ? r->type : NULL;
}

int registry_seed(db *w)
{
    static const char *const roles[] = {"admin", "manager", "sales", "service", "marketing", "read_only"};
    int rc = 0;
    registry_init();
    /* Every role × action gets a row (none when not declared), as the
     * migrations wrote them, so the permission table lists the type whole. */
    for (size_t i = 0; i < NTYPES && rc == 0; i++)
        for (size_t r = 0; r < sizeof roles / sizeof roles[0] && rc == 0; r++)
            for (int a = 0; authz_actions[a] && rc == 0; a++) {
                const char *scope = r == 0 ? "all" : "none";
                for (const struct perm_default *p = g_types[i].perms; p && p->role; p++)
                    if (!strcmp(p->role, roles[r]) && !strcmp(p->action, authz_actions[a])) scope = p->scope;
                db_stmt *s = db_prepare(w, "INSERT INTO role_permission(role, entity, action, scope) VALUES (?, ?, ?, ?)"
                               " ON CONFLICT(role, entity, action) DO NOTHING");
                if (!s) return -1;
                db_bind_text(s, 1, roles[r]);
                db_bind_text(s, 2, g_types[i].res->name);
                db_bind_text(s, 3, authz_actions[a]);
                db_bind_text(s, 4, scope);
                if (db_step(s) != DB_DONE) rc = -1;
                db_done(s);
            }
    return rc;
}

json_t *registry_json(void)
{
    static const char *const own_names[] = {"none", "own", "parent"};
    static const struct { unsigned flag; const char *name; } flags[] = {
        {RT_ROUTES, "routes"}, {RT_TIMELINE, "timeline"}, {RT_MERGE, "merge"}, {RT_IMPORT, "import"},
        {RT_EXPORT, "export"}, {RT_AUDIT, "audit"},
    };
    registry_init();
    json_t *types = json_array();
    for (size_t i = 0; i < NTYPES; i++) {
        const struct rtype *t = &g_types[i];
        json_t *fl = json_object(), *fields = json_array(), *refs = json_object();
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) json_object_set_new(fl, flags[k].name, json_boolean(t->flags & flags[k].flag));
        for (int k = 0; k < t->res->nfields; k++) {
            const struct field *f = &t->res->fields[k];
            json_array_append_new(fields, json_string(f->name));
            if (f->type == FT_REF) json_object_set_new(refs, f->name, json_string(f->ref));
        }
        json_array_append_new(types, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "type", t->type, "name", t->res->name,
            "table", t->res->table, "ownership", json_string(own_names[t->own]),
            "parent", t->parent ? json_pack("{s:s, s:s}", "type", t->parent, "field", t->parent_field) : json_null(),
            "flags", fl, "fields", fields, "refs", refs, "workflow", t->workflow ? workflow_json(t->workflow) : json_null()));
    }
    json_t *ents = json_array(), *acts = json_array();
    for (int i = 0; g_entities[i]; i++) json_array_append_new(ents, json_string(g_entities[i]));
    for (int i = 0; authz_actions[i]; i++) json_array_append_new(acts, json_string(authz_actions[i]));
    return json_pack("{s:o, s:o, s:o}", "types", types, "entities", ents, "actions", acts);
}

/* GET /api/v1/record-types: what the UI draws its permission and
 * field-security pages from. */
static void record_types(struct req *rq, struct resp *rs)
{
    (void)rq;
    resp_json(rs, 200, registry_json());
}

/* GET /api/v1/<name>/{id}/timeline of a type that owns itself: the
 * record's changes (audit rows), newest first, hidden fields left out. */
static void type_timeline(struct req *rq, struct resp *rs)
{
    const struct rtype *t = registry_by_name(rq->route->resource);
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    if (!t || !authz_record_in_scope(c, &rq->user, t, id, authz_scope(&rq->user, t->res->name, "read"))) {
        resp_error(rs, 404, "not_found", "id", "no %s with id %lld", t ? t->type : "record", (long long)id);
        return;
    }
    long limit = 50;
    int64_t before = INT64_MAX;
    const char *ls = req_query(rq, "limit"), *bs = req_query(rq, "before");
    char *end;
    if (ls && ((limit = strtol(ls, &end, 10)) < 1 || limit > 500 || *end)) {
        resp_error(rs, 400, "invalid_parameter", "limit", "limit must be an integer from 1 to 500");
        return;
    }
    if (bs && ((before = strtoll(bs, &end, 10)) < 1 || *end)) {
        resp_error(rs, 400, "invalid_parameter", "before", "before must be a cursor from a previous page");
        return;
    }
    db_stmt *s = db_prepare(c, "SELECT id, at, user_id, action, changes FROM audit WHERE entity = ? AND entity_id = ? AND id < ?"
                               " ORDER BY id DESC LIMIT ?");
    if (!s) { resp_error(rs, 500, "internal", NULL, "timeline query failed"); return; }
    db_bind_text(s, 1, t->type);
    db_bind_int64(s, 2, id);
    db_bind_int64(s, 3, before);
    db_bind_int64(s, 4, limit + 1);
    json_t *items = json_array();
    int64_t last = 0;
    long n = 0;
    bool more = false;
    while (db_step(s) == DB_ROW) {
        if (n++ == limit) { more = true; break; }
        last = db_column_int64(s, 0);
        json_t *changes = db_column_text(s, 4) ? json_loads(db_column_text(s, 4), 0, NULL) : NULL;
        audit_redact(&rq->user, t->type, changes);
        json_t *item = json_pack("{s:I, s:s, s:o, s:s, s:I, s:s, s:o}", "id", (json_int_t)last, "at", db_column_text(s, 1),
                                 "user_id", db_column_type(s, 2) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 2)),
                                 "entity", t->type, "entity_id", (json_int_t)id, "action", db_column_text(s, 3),
                                 "changes", changes ? changes : json_null());
        json_array_append_new(items, json_pack("{s:s, s:s, s:o}", "type", "change", "at", db_column_text(s, 1), "item", item));
    }
    db_done(s);
    char cur[24];
    snprintf(cur, sizeof cur, "%lld", (long long)last);
    resp_json(rs, 200, json_pack("{s:o, s:o}", "items", items, "next", more ? json_string(cur) : json_null()));
}

static const struct route_doc record_types_doc = {
    .id = "listRecordTypes", .tag = "system",
    .response = "{'type':'object','required':['types','entities','actions'],'additionalProperties':false,'properties':{"
                "'types':{'type':'array','items':{'type':'object','required':['type','name','table','ownership','parent','flags','fields','refs','workflow'],"
                "'properties':{'type':{'type':'string'},'name':{'type':'string'},'table':{'type':'string'},"
                "'ownership':{'type':'string','enum':['none','own','parent']},"
                "'parent':{'type':'object','nullable':true,'properties':{'type':{'type':'string'},'field':{'type':'string'}}},"
                "'flags':{'type':'object','additionalProperties':{'type':'boolean'}},"
                "'fields':{'type':'array','items':{'type':'string'}},"
                "'refs':{'type':'object','description':'each reference field and the type it points at','additionalProperties':{'type':'string'}},"
                "'workflow':{'type':'object','nullable':true,'properties':{'field':{'type':'string'},'initial':{'type':'string'},"
                "'initials':{'type':'array','items':{'type':'string'}},'transitions':{'type':'array','items':{'type':'object',"
                "'properties':{'from':{'type':'string'},'to':{'type':'string'},'roles':{'type':'array','nullable':true,'items':{'type':'string'}},"
                "'stamps':{'type':'array','items':{'type':'string'}}}}}}}}}},"
                "'entities':{'type':'array','items':{'type':'string'}},'actions':{'type':'array','items':{'type':'string'}}}}",
    .response_name = "RecordTypes",
};

static const struct route registry_routes[] = {
    {"GET", "/api/v1/record-types", 0, NULL, NULL, record_types,
     "The record types: fields, ownership, parent, flags, workflow, and the permission entities and actions", NULL,
     &record_types_doc},
};

void registry_register_routes(void)
{
    registry_init();
    routes_register(registry_routes, 1);
    for (size_t i = 0; i < NTYPES; i++) routes_register(g_types[i].routes, (size_t)g_types[i].nroutes);
}
