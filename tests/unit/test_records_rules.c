/* Unit tests of the record kernel's pure parts, without a server or a
 * database: the rules of the types (plain functions of actor, old, new)
 * and the workflow engine (src/records/workflow.c) on the campaign
 * workflow, and the registry's derived lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "domain/campaign.h"
#include "http/authz.h"
#include "records/registry.h"
#include "records/workflow.h"

#define NOW "2027-01-02T03:04:05Z"

static json_t *camp(const char *status)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "name", "c", "status", status, "starts_on", "2027-01-01", "ends_on", "2027-01-31");
}

static void test_rule_dates(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(5);
    struct verr e = {0};
    json_t *c = camp("planned");
    assert_int_equal(campaign_rule(&a, NULL, c, &e), 0);
    json_object_set_new(c, "ends_on", json_string("2027-01-01"));   /* the same day is fine */
    assert_int_equal(campaign_rule(&a, NULL, c, &e), 0);
    json_object_set_new(c, "ends_on", json_string("2026-12-31"));
    assert_int_equal(campaign_rule(&a, NULL, c, &e), -1);
    assert_int_equal(e.status, 422);
    assert_string_equal(e.code, "invalid_value");
    assert_string_equal(e.field, "ends_on");
    json_object_del(c, "starts_on");                               /* open-ended: nothing to compare */
    assert_int_equal(campaign_rule(&a, NULL, c, &e), 0);
    json_decref(c);
}

static void test_workflow_create(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(5);
    struct verr e = {0};
    json_t *c = json_pack("{s:s}", "name", "c");
    assert_int_equal(workflow_apply(&campaign_workflow, &a, NULL, c, NOW, &e), 0);
    assert_string_equal(json_string_value(json_object_get(c, "status")), "planned");
    json_decref(c);
    c = camp("active");
    assert_int_equal(workflow_apply(&campaign_workflow, &a, NULL, c, NOW, &e), -1);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.code, "invalid_transition");
    assert_string_equal(e.to, "active");
    json_decref(c);
}

static void test_workflow_moves(void **state)
{
    (void)state;
    struct actor mgr = ACTOR_USER(7), mkt = ACTOR_USER(8), sys = ACTOR_SYSTEM("scheduler");
    mgr.role = "manager";
    mkt.role = "marketing";
    struct verr e = {0};
    json_t *old = camp("planned"), *neu = camp("active");
    /* The guard: marketing may not activate, a manager may, and the move stamps who and when. */
    assert_int_equal(workflow_apply(&campaign_workflow, &mkt, old, neu, NOW, &e), -1);
    assert_int_equal(e.status, 403);
    assert_string_equal(e.field, "status");
    assert_int_equal(workflow_apply(&campaign_workflow, &mgr, old, neu, NOW, &e), 0);
    assert_string_equal(json_string_value(json_object_get(neu, "activated_at")), NOW);
    assert_int_equal(json_integer_value(json_object_get(neu, "activated_by")), 7);
    json_decref(old);
    json_decref(neu);
    /* Not a transition: from and to named, whoever asks. */
    old = camp("planned");
    neu = camp("completed");
    assert_int_equal(workflow_apply(&campaign_workflow, &sys, old, neu, NOW, &e), -1);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.from, "planned");
    assert_string_equal(e.to, "completed");
    json_decref(old);
    json_decref(neu);
    /* A system job completes an active campaign: stamped, no user. */
    old = camp("active");
    neu = camp("completed");
    assert_int_equal(workflow_apply(&campaign_workflow, &sys, old, neu, NOW, &e), 0);
    assert_string_equal(json_string_value(json_object_get(neu, "completed_at")), NOW);
    assert_null(json_object_get(neu, "activated_by"));
    json_decref(old);
    json_decref(neu);
    /* No move, no stamp; clearing the state is refused. */
    old = camp("active");
    neu = camp("active");
    assert_int_equal(workflow_apply(&campaign_workflow, &mkt, old, neu, NOW, &e), 0);
    assert_null(json_object_get(neu, "completed_at"));
    json_object_set_new(neu, "status", json_null());
    assert_int_equal(workflow_apply(&campaign_workflow, &mkt, old, neu, NOW, &e), -1);
    assert_string_equal(e.code, "invalid_transition");
    json_decref(old);
    json_decref(neu);
}

/* Every type is a permission entity, exactly once, and has a descriptor
 * whose back-pointer leads to it. */
static void test_registry_derived(void **state)
{
    (void)state;
    const char *const *ents = authz_entity_list();
    int ntypes = 0;
    for (const struct rtype *const *t = registry_types(); *t; t++, ntypes++) {
        int seen = 0;
        for (int i = 0; ents[i]; i++) seen += !strcmp(ents[i], (*t)->res->name);
        assert_int_equal(seen, 1);
        assert_ptr_equal(registry_of((*t)->res), *t);
        assert_ptr_equal(registry_by_type((*t)->type), *t);
        if ((*t)->flags & RT_AUDIT) assert_ptr_equal(audit_entity_resource((*t)->type), (*t)->res);
        if ((*t)->own == OWN_PARENT) assert_non_null((*t)->res->party_field);
    }
    assert_true(ntypes >= 8);
    assert_non_null(registry_by_name("campaigns"));
}

/* References name their target by the registry's type name: every
 * declared FT_REF names a record type or a target beside the registry
 * ("user"), and a misspelt one is caught with the type, field and name. */
static void test_registry_refs(void **state)
{
    (void)state;
    char msg[256];
    int nrefs = 0;
    for (const struct rtype *const *t = registry_types(); *t; t++) {
        assert_int_equal(registry_check_refs((*t)->res, msg, sizeof msg), 0);
        for (int i = 0; i < (*t)->res->nfields; i++) nrefs += (*t)->res->fields[i].type == FT_REF;
    }
    assert_true(nrefs >= 20);
    assert_true(registry_ref_known("party"));
    assert_true(registry_ref_known("user"));
    assert_true(registry_ref_known("email_template"));
    assert_false(registry_ref_known("parties"));   /* the URL segment is not the type name */
    assert_false(registry_ref_known("pipline"));
    assert_false(registry_ref_known(NULL));
    static const struct field typo[] = {
        {"name", "name", NULL, FT_TEXT, 0, 80, NULL, 0, NULL, NULL, "a name"},
        {"pipeline_id", "pipeline_id", NULL, FT_REF, 0, 0, NULL, 0, "pipline", NULL, "its pipeline"},
    };
    struct resource r = {.name = "widgets", .table = "widget", .entity = "widget", .fields = typo, .nfields = 2};
    assert_int_equal(registry_check_refs(&r, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "widgets.pipeline_id"));
    assert_non_null(strstr(msg, "\"pipline\""));
    static const struct field unnamed[] = {{"owner_id", "owner_id", NULL, FT_REF, 0, 0, NULL, 0, NULL, NULL, "who"}};
    r.fields = unnamed;
    r.nfields = 1;
    assert_int_equal(registry_check_refs(&r, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "widgets.owner_id"));
    static const struct field stray[] = {{"count", "count", NULL, FT_INT, 0, 0, NULL, 0, "party", NULL, "a number"}};
    r.fields = stray;
    assert_int_equal(registry_check_refs(&r, msg, sizeof msg), -1);
    static const struct field good[] = {{"pipeline_id", "pipeline_id", NULL, FT_REF, 0, 0, NULL, 0, "pipeline", NULL, "its pipeline"}};
    r.fields = good;
    assert_int_equal(registry_check_refs(&r, msg, sizeof msg), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_dates),
        cmocka_unit_test(test_workflow_create),
        cmocka_unit_test(test_workflow_moves),
        cmocka_unit_test(test_registry_derived),
        cmocka_unit_test(test_registry_refs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
