/* lead_form_frame: where the public web-to-lead form may be embedded
 * (issue 18). A company puts its form on its own site in an <iframe>; every
 * other page of Rapport refuses to be framed (http/server.c: X-Frame-Options
 * DENY and frame-ancestors 'none'), which stops click-jacking of the app.
 * The form's HTML answers (the page, the thank-you page, the page naming a
 * field to correct) instead carry frame-ancestors with the origins an admin
 * configured in the setting lead_forms.frame_origins (space-separated); with
 * none configured they refuse frames like the rest.
 *   GET /api/v1/settings/lead-form-origins   {"origins": [...]}
 *   PUT /api/v1/settings/lead-form-origins   {"origins": [...]} (admin)
 * An origin is scheme://host[:port] (http or https; a host may start with
 * "*." for its subdomains): nothing that could end the directive or add
 * another one reaches the header. */
#include "api/lead_form_frame.h"
#include "api/api.h"
#include "db/writer.h"
#include "db/setting.h"
#include "lib/strbuf.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ORIGINS 20
#define ORIGINS_KEY "lead_forms.frame_origins"

/* The page policy of http/server.c with only frame-ancestors changed. */
#define FORM_CSP                                                                                           \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "

/* True when s is scheme://host[:port] as described above; its lower-case
 * form (no trailing slash) into out. */
static bool origin_ok(const char *s, char *out, size_t cap)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 10 || n >= cap || n > 200) return false;
    const char *host;
    if (!strncasecmp(s, "https://", 8)) host = s + 8;
    else if (!strncasecmp(s, "http://", 7)) host = s + 7;
    else return false;
    for (size_t i = 0; i < n; i++) out[i] = (char)tolower((unsigned char)s[i]);
    out[n] = '\0';
    if (out[n - 1] == '/') out[--n] = '\0';
    const char *h = out + (host - s);
    if (!strncmp(h, "*.", 2)) h += 2;
    /* Labels of a-z 0-9 -, dots between, then an optional port. */
    const char *p = h;
    bool label_start = true;
    for (; *p && *p != ':'; p++) {
        if (*p == '.') {
            if (label_start) return false;
            label_start = true;
            continue;
        }
        if (!(isalnum((unsigned char)*p) || (*p == '-' && !label_start))) return false;
        label_start = false;
    }
    if (label_start) return false;
    if (*p == ':') {
        char *end;
        long port = strtol(p + 1, &end, 10);
        if (!isdigit((unsigned char)p[1]) || *end || port < 1 || port > 65535) return false;
    }
    return true;
}

/* The stored origins as a space-separated text into out ("" when none). */
static void origins_text(db *c, char *out, size_t cap)
{
    setting_get(c, ORIGINS_KEY, out, cap);
}

void lead_form_frame_headers(struct resp *rs)
{
    char origins[MAX_ORIGINS * 202];
    origins_text(db_reader(), origins, sizeof origins);
    if (!origins[0]) return;   /* the server's default: no frames */
    strbuf csp;
    sb_init(&csp, 0);
    sb_puts(&csp, FORM_CSP);
    sb_puts(&csp, origins);
    resp_header(rs, "Content-Security-Policy", sb_str(&csp));
    sb_free(&csp);
    /* Browsers that know frame-ancestors ignore X-Frame-Options; one too
     * old for it keeps refusing other sites, which is the safe side. */
    resp_header(rs, "X-Frame-Options", "SAMEORIGIN");
}

static json_t *origins_json(const char *text)
{
    json_t *a = json_array();
    char buf[MAX_ORIGINS * 202];
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) json_array_append_new(a, json_string(t));
    return a;
}

static void origins_get(struct req *rq, struct resp *rs)
{
    (void)rq;
    char origins[MAX_ORIGINS * 202];
    origins_text(db_reader(), origins, sizeof origins);
    resp_json(rs, 200, json_pack("{s:o}", "origins", origins_json(origins)));
}

static int put_origins(db *w, void *arg)
{
    return setting_put(w, ORIGINS_KEY, arg) ? 1 : 0;
}

static void origins_put(struct req *rq, struct resp *rs)
{
    json_t *a = json_object_get(rq->json, "origins"), *x;
    static const char *const known[] = {"origins", NULL};
    if (!body_keys_known(rq->json, known, "the lead forms' origins", rs)) return;
    if (!json_is_array(a)) { resp_error(rs, 422, "required", "origins", "origins is a list of https://host[:port]"); return; }
    if (json_array_size(a) > MAX_ORIGINS) { resp_error(rs, 422, "invalid_value", "origins", "at most %d origins", MAX_ORIGINS); return; }
    strbuf text;
    sb_init(&text, 0);
    size_t i;
    json_array_foreach(a, i, x) {
        char o[256];
        if (!origin_ok(json_string_value(x), o, sizeof o)) {
            sb_free(&text);
            resp_error(rs, 422, "invalid_value", "origins", "origin %zu is not scheme://host[:port] (http or https, e.g. https://www.example.com)", i + 1);
            return;
        }
        if (strstr(sb_str(&text), o)) {   /* a repeat, or a prefix of one: compare whole words */
            bool dup = false;
            char buf[MAX_ORIGINS * 202], *save = NULL;
            snprintf(buf, sizeof buf, "%s", sb_str(&text));
            for (char *t = strtok_r(buf, " ", &save); t && !dup; t = strtok_r(NULL, " ", &save)) dup = !strcmp(t, o);
            if (dup) continue;
        }
        if (text.len) sb_puts(&text, " ");
        sb_puts(&text, o);
    }
    int rc = db_write(put_origins, (void *)sb_str(&text));
    if (rc) { sb_free(&text); resp_error(rs, 503, "storage_error", NULL, "the origins could not be stored"); return; }
    resp_json(rs, 200, json_pack("{s:o}", "origins", origins_json(sb_str(&text))));
    sb_free(&text);
}

#define ORIGINS_SCHEMA                                                                                              \
    "{'type':'object','required':['origins'],'additionalProperties':false,'properties':{'origins':{'type':'array',"   \
    "'maxItems':20,'items':{'type':'string','example':'https://www.example.com'},"                                     \
    "'description':'sites (scheme://host[:port]; *.host for its subdomains) whose pages may embed the web-to-lead forms in a frame'}}}"

static const struct route_doc origins_get_doc = {.id = "getLeadFormOrigins", .tag = "lead-forms", .response = ORIGINS_SCHEMA,
                                                 .response_name = "LeadFormOrigins"};
static const struct route_doc origins_put_doc = {.id = "setLeadFormOrigins", .tag = "lead-forms", .request = ORIGINS_SCHEMA,
                                                 .request_name = "LeadFormOriginsInput", .response = ORIGINS_SCHEMA,
                                                 .response_name = "LeadFormOrigins"};

static const struct route frame_routes[] = {
    {"GET", "/api/v1/settings/lead-form-origins", 0, "lead-forms", "read", origins_get,
     "The sites whose pages may embed the web-to-lead forms in a frame", NULL, &origins_get_doc},
    {"PUT", "/api/v1/settings/lead-form-origins", R_ADMIN, "lead-forms", "update", origins_put,
     "Set the sites whose pages may embed the web-to-lead forms in a frame (admin)", NULL, &origins_put_doc},
};

void lead_form_frame_register(void)
{
    routes_register(frame_routes, sizeof frame_routes / sizeof frame_routes[0]);
}
