/* report_pdf: tables to PDF (see report_pdf.h), drawn with the quote's
 * font and page set-up (lib/pdf_draw.h). */
#include "domain/report_pdf.h"
#include "lib/pdf_draw.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEFT 50.0f
#define RIGHT 792.0f   /* A4 landscape: 842 points wide */
#define BOTTOM 60.0f
#define MAX_COLS 12

static void rule(struct pdf_draw *p, float w) { pdf_draw_rule(p, LEFT, RIGHT, w); }

struct cols {
    int n;
    float x[MAX_COLS], w[MAX_COLS];
    bool num[MAX_COLS];
};

/* One row of cells: text left-aligned, numbers right-aligned in their column. */
static void draw_row(struct pdf_draw *p, const struct cols *c, const json_t *cells, float size)
{
    for (int i = 0; i < c->n; i++) {
        char buf[512];
        pdf_draw_fit(p, json_string_value(json_array_get(cells, (size_t)i)), size, c->w[i] - 6, buf, sizeof buf);
        if (c->num[i]) pdf_draw_text(p, c->x[i] + c->w[i] - 3 - pdf_draw_width(p, size, buf), size, buf);
        else pdf_draw_text(p, c->x[i] + 3, size, buf);
    }
}

/* The column heads: "中文 English" on two lines, the Chinese above. */
static void table_head(struct pdf_draw *p, const struct cols *c, const json_t *heads)
{
    json_t *top = json_array(), *bottom = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(heads, i, x) {
        const char *s = json_string_value(x), *sp = s ? strchr(s, ' ') : NULL;
        json_array_append_new(top, sp ? json_stringn(s, (size_t)(sp - s)) : json_string(s ? s : ""));
        json_array_append_new(bottom, json_string(sp ? sp + 1 : ""));
    }
    draw_row(p, c, top, 8.5f);
    p->y -= 11;
    draw_row(p, c, bottom, 8.5f);
    json_decref(top);
    json_decref(bottom);
    p->y -= 5;
    rule(p, 0.4f);
    p->y -= 13;
}

static void draw_table(struct pdf_draw *p, const json_t *t)
{
    const json_t *heads = json_object_get(t, "columns"), *num = json_object_get(t, "numeric"), *wt = json_object_get(t, "widths");
    struct cols c = {.n = (int)json_array_size(heads)};
    if (c.n > MAX_COLS) c.n = MAX_COLS;
    double total = 0;
    for (int i = 0; i < c.n; i++) {
        double w = json_number_value(json_array_get(wt, (size_t)i));
        total += w > 0 ? w : 1;
    }
    float x = LEFT;
    for (int i = 0; i < c.n; i++) {
        double w = json_number_value(json_array_get(wt, (size_t)i));
        c.x[i] = x;
        c.w[i] = (float)((w > 0 ? w : 1) / total * (RIGHT - LEFT));
        c.num[i] = json_is_true(json_array_get(num, (size_t)i));
        x += c.w[i];
    }
    if (p->y < BOTTOM + 60) pdf_draw_page(p);
    pdf_draw_text(p, LEFT, 12, json_string_value(json_object_get(t, "title")));
    p->y -= 20;
    table_head(p, &c, heads);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(t, "rows"), i, row) {
        if (p->y < BOTTOM) {
            pdf_draw_page(p);
            table_head(p, &c, heads);
        }
        draw_row(p, &c, row, 9.5f);
        p->y -= 15;
    }
    if (!json_array_size(json_object_get(t, "rows"))) {
        pdf_draw_text(p, LEFT + 3, 9.5f, "\xE6\x97\xA0 None");   /* 无 */
        p->y -= 15;
    }
    p->y -= 16;
}

int report_pdf_render(const json_t *doc, char **out, size_t *len)
{
    struct pdf_draw p;
    if (pdf_draw_open(&p, true) != 0) return -1;
    pdf_draw_page(&p);
    const char *company = json_string_value(json_object_get(doc, "company"));
    if (company && *company) {
        pdf_draw_text(&p, LEFT, 14, company);
        p.y -= 8;
        rule(&p, 0.8f);
        p.y -= 26;
    }
    pdf_draw_text(&p, LEFT, 18, json_string_value(json_object_get(doc, "title")));
    p.y -= 22;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(doc, "lines"), i, x) {
        pdf_draw_text(&p, LEFT, 10, json_string_value(x));
        p.y -= 14;
    }
    p.y -= 12;
    json_array_foreach(json_object_get(doc, "tables"), i, x) draw_table(&p, x);
    return pdf_draw_finish(&p, out, len);
}
