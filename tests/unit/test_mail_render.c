/*
 * test_mail_render.c — e-mail templates and messages (issue 20): merge
 * fields checked and rendered (values HTML-escaped in the body, line
 * breaks removed in the subject, unknown {{…}} left as written), links
 * rewritten through the click URL with the open pixel appended, and the
 * message's RFC 8058 headers and RFC 2047 subject; the control-group hash
 * is reproducible and holds out close to the share asked for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/campaign_members.h"
#include "mail/message.h"
#include "mail/render.h"

static void check_fields(void **state)
{
    (void)state;
    char bad[80];
    assert_int_equal(mail_template_check("Hi {{name}}, from {{ company }} — {{owner}} {{unsubscribe_url}}", bad, sizeof bad), 0);
    assert_int_equal(mail_template_check("no fields at all", bad, sizeof bad), 0);
    assert_int_equal(mail_template_check("Hi {{nmae}}", bad, sizeof bad), -1);
    assert_string_equal(bad, "nmae");
    assert_int_equal(mail_template_check("Hi {{name", bad, sizeof bad), -1);
}

static void render_escapes(void **state)
{
    (void)state;
    struct mail_merge m = {{"王<b>芳</b> & \"co\" 'x'", "春风", NULL, "https://h/u/T"}};
    char *html = mail_render("<p>{{name}} / {{company}} / [{{owner}}] <a href=\"{{unsubscribe_url}}\">x</a> {{other}}</p>", &m, true);
    assert_string_equal(html, "<p>王&lt;b&gt;芳&lt;/b&gt; &amp; &quot;co&quot; &#39;x&#39; / 春风 / [] <a href=\"https://h/u/T\">x</a> {{other}}</p>");
    free(html);
    struct mail_merge n = {{"line\r\nBcc: evil@x", NULL, NULL, NULL}};
    char *subject = mail_render("Hi {{name}}", &n, false);
    assert_null(strchr(subject, '\n'));
    assert_null(strchr(subject, '\r'));
    free(subject);
}

static void track_links(void **state)
{
    (void)state;
    strbuf out;
    sb_init(&out, 1 << 20);
    mail_track(&out, "<a href=\"https://s.example/o?a=1&amp;b=2\">o</a><a href=\"mailto:x@y\">m</a>", "https://crm", "TOK");
    assert_string_equal(sb_str(&out), "<a href=\"https://crm/api/v1/t/c/TOK?u=https%3A%2F%2Fs.example%2Fo%3Fa%3D1%26b%3D2\">o</a>"
                                      "<a href=\"mailto:x@y\">m</a><img src=\"https://crm/api/v1/t/o/TOK\" alt=\"\" width=\"1\" height=\"1\">");
    sb_free(&out);
}

static void message_headers(void **state)
{
    (void)state;
    strbuf out;
    sb_init(&out, 1 << 20);
    struct mail_parts p = {.from = "news@shop.test", .to = "a@x.test", .subject = "春季优惠 Spring", .html = "<p>hi</p>",
                           .base_url = "https://crm.test", .token = "abc", .message_id = "<m@rapport>", .campaign_id = 7};
    assert_int_equal(mail_message(&out, &p), 0);
    const char *m = sb_str(&out);
    assert_non_null(strstr(m, "\r\nList-Unsubscribe: <https://crm.test/api/v1/u/abc>\r\n"));
    assert_non_null(strstr(m, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    assert_non_null(strstr(m, "Subject: =?UTF-8?B?"));
    assert_null(strstr(m, "春季"));   /* never raw UTF-8 in a header */
    assert_non_null(strstr(m, "\r\n\r\n"));
    sb_free(&out);
}

static void control_hash(void **state)
{
    (void)state;
    assert_int_equal(campaign_control_hash(3, 1000), campaign_control_hash(3, 1000));
    long held = 0, n = 100000;
    int64_t threshold = (int64_t)(0.2 * 2147483647.0);
    for (long i = 1; i <= n; i++) {
        int64_t h = campaign_control_hash(42, i);
        assert_true(h >= 0 && h < 2147483647);
        held += h < threshold;
    }
    assert_true(held > 19000 && held < 21000);
    /* Another campaign holds out other parties. */
    long same = 0;
    for (long i = 1; i <= 10000; i++) same += (campaign_control_hash(42, i) < threshold) == (campaign_control_hash(43, i) < threshold);
    assert_true(same < 9000);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_fields), cmocka_unit_test(render_escapes), cmocka_unit_test(track_links),
        cmocka_unit_test(message_headers), cmocka_unit_test(control_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
