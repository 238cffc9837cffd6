/* report_pdf: tables to PDF with libhpdf (see report_pdf.h). It calls only
 * the libhpdf functions the quote's PDF (quote_pdf.c) calls, and takes its
 * font from there, so both draw with one font and one set of library
 * entry points. */
#include "domain/report_pdf.h"
#include "domain/quote.h"
#include "lib/lazy_hpdf.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEFT 50.0f
#define RIGHT 792.0f   /* A4 landscape: 842 points wide */
#define BOTTOM 60.0f
#define MAX_COLS 12

struct page {
    HPDF_Doc doc;
    HPDF_Page page;
    HPDF_Font font;
    float y;
    int pages;
    bool failed;
};

static void on_error(HPDF_STATUS no, HPDF_STATUS detail, void *user)
{
    (void)no;
    (void)detail;
    ((struct page *)user)->failed = true;
}

static void new_page(struct page *p)
{
    p->page = lz_hpdf.HPDF_AddPage(p->doc);
    lz_hpdf.HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE);
    p->y = lz_hpdf.HPDF_Page_GetHeight(p->page) - 50;
    p->pages++;
}

static void text_at(struct page *p, float x, float size, const char *s)
{
    if (!s || !*s) return;
    lz_hpdf.HPDF_Page_BeginText(p->page);
    lz_hpdf.HPDF_Page_SetFontAndSize(p->page, p->font, size);
    lz_hpdf.HPDF_Page_TextOut(p->page, x, p->y, s);
    lz_hpdf.HPDF_Page_EndText(p->page);
}

static float width_of(struct page *p, float size, const char *s)
{
    lz_hpdf.HPDF_Page_SetFontAndSize(p->page, p->font, size);
    return lz_hpdf.HPDF_Page_TextWidth(p->page, s);
}

/* s cut on a character boundary to fit width at size (with "…"), into out. */
static void fit(struct page *p, const char *s, float size, float width, char *out, size_t cap)
{
    snprintf(out, cap, "%s", s ? s : "");
    size_t n = strlen(out);
    if (width_of(p, size, out) <= width) return;
    while (n > 0) {
        do n--; while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80);
        if (n + 4 > cap) continue;
        memcpy(out + n, "\xE2\x80\xA6", 4);   /* … */
        if (width_of(p, size, out) <= width) return;
    }
}

static void rule(struct page *p, float w)
{
    lz_hpdf.HPDF_Page_SetLineWidth(p->page, w);
    lz_hpdf.HPDF_Page_MoveTo(p->page, LEFT, p->y);
    lz_hpdf.HPDF_Page_LineTo(p->page, RIGHT, p->y);
    lz_hpdf.HPDF_Page_Stroke(p->page);
}

struct cols {
    int n;
    float x[MAX_COLS], w[MAX_COLS];
    bool num[MAX_COLS];
};

/* One row of cells: text left-aligned, numbers right-aligned in their column. */
static void draw_row(struct page *p, const struct cols *c, const json_t *cells, float size)
{
    for (int i = 0; i < c->n; i++) {
        char buf[512];
        fit(p, json_string_value(json_array_get(cells, (size_t)i)), size, c->w[i] - 6, buf, sizeof buf);
        if (c->num[i]) text_at(p, c->x[i] + c->w[i] - 3 - width_of(p, size, buf), size, buf);
        else text_at(p, c->x[i] + 3, size, buf);
    }
}

/* The column heads: "中文 English" on two lines, the Chinese above. */
static void table_head(struct page *p, const struct cols *c, const json_t *heads)
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

static void draw_table(struct page *p, const json_t *t)
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
    if (p->y < BOTTOM + 60) new_page(p);
    text_at(p, LEFT, 12, json_string_value(json_object_get(t, "title")));
    p->y -= 20;
    table_head(p, &c, heads);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(t, "rows"), i, row) {
        if (p->y < BOTTOM) {
            new_page(p);
            table_head(p, &c, heads);
        }
        draw_row(p, &c, row, 9.5f);
        p->y -= 15;
    }
    if (!json_array_size(json_object_get(t, "rows"))) {
        text_at(p, LEFT + 3, 9.5f, "\xE6\x97\xA0 None");   /* 无 */
        p->y -= 15;
    }
    p->y -= 16;
}

int report_pdf_render(const json_t *doc, char **out, size_t *len)
{
    const char *path = quote_pdf_font();
    if (!path || lazy_hpdf_load(NULL, 0) != 0) return -1;
    struct page p = {0};
    p.doc = lz_hpdf.HPDF_New(on_error, &p);
    if (!p.doc) return -1;
    lz_hpdf.HPDF_UseUTFEncodings(p.doc);
    lz_hpdf.HPDF_SetCurrentEncoder(p.doc, "UTF-8");
    lz_hpdf.HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL);
    const char *fname = lz_hpdf.HPDF_LoadTTFontFromFile(p.doc, path, HPDF_TRUE);
    p.font = fname ? lz_hpdf.HPDF_GetFont(p.doc, fname, "UTF-8") : NULL;
    if (!p.font || p.failed) { lz_hpdf.HPDF_Free(p.doc); return -1; }
    new_page(&p);
    const char *company = json_string_value(json_object_get(doc, "company"));
    if (company && *company) {
        text_at(&p, LEFT, 14, company);
        p.y -= 8;
        rule(&p, 0.8f);
        p.y -= 26;
    }
    text_at(&p, LEFT, 18, json_string_value(json_object_get(doc, "title")));
    p.y -= 22;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(doc, "lines"), i, x) {
        text_at(&p, LEFT, 10, json_string_value(x));
        p.y -= 14;
    }
    p.y -= 12;
    json_array_foreach(json_object_get(doc, "tables"), i, x) draw_table(&p, x);
    int rc = -1;
    if (!p.failed && lz_hpdf.HPDF_SaveToStream(p.doc) == HPDF_OK) {
        HPDF_UINT32 size = lz_hpdf.HPDF_GetStreamSize(p.doc);
        char *data = malloc(size ? size : 1);
        HPDF_UINT32 got = size;
        if (data && lz_hpdf.HPDF_ReadFromStream(p.doc, (HPDF_BYTE *)data, &got) != HPDF_OK && got == 0) { free(data); data = NULL; }
        if (data) { *out = data; *len = got; rc = 0; }
    }
    lz_hpdf.HPDF_Free(p.doc);
    return rc;
}
