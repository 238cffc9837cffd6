/* pdf_draw: A4 pages in one embedded CJK font (see pdf_draw.h). */
#include "lib/pdf_draw.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const font_paths[] = {
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
    NULL,
};

const char *pdf_draw_font(void)
{
    const char *env = getenv("RAPPORT_PDF_FONT");
    if (env && *env) return env;
    for (int i = 0; font_paths[i]; i++) {
        FILE *f = fopen(font_paths[i], "rb");
        if (f) { fclose(f); return font_paths[i]; }
    }
    return NULL;
}

static void on_error(HPDF_STATUS no, HPDF_STATUS detail, void *user)
{
    (void)no;
    (void)detail;
    ((struct pdf_draw *)user)->failed = true;
}

int pdf_draw_open(struct pdf_draw *p, bool landscape)
{
    *p = (struct pdf_draw){.landscape = landscape};
    const char *path = pdf_draw_font();
    if (!path || lazy_hpdf_load(NULL, 0) != 0) return -1;
    p->doc = lz_hpdf.HPDF_New(on_error, p);
    if (!p->doc) return -1;
    lz_hpdf.HPDF_UseUTFEncodings(p->doc);
    lz_hpdf.HPDF_SetCurrentEncoder(p->doc, "UTF-8");
    lz_hpdf.HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
    const char *name = lz_hpdf.HPDF_LoadTTFontFromFile(p->doc, path, HPDF_TRUE);
    p->font = name ? lz_hpdf.HPDF_GetFont(p->doc, name, "UTF-8") : NULL;
    if (!p->font || p->failed) {
        lz_hpdf.HPDF_Free(p->doc);
        p->doc = NULL;
        return -1;
    }
    return 0;
}

void pdf_draw_page(struct pdf_draw *p)
{
    p->page = lz_hpdf.HPDF_AddPage(p->doc);
    lz_hpdf.HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, p->landscape ? HPDF_PAGE_LANDSCAPE : HPDF_PAGE_PORTRAIT);
    p->y = lz_hpdf.HPDF_Page_GetHeight(p->page) - 50;
    p->pages++;
}

void pdf_draw_text(struct pdf_draw *p, float x, float size, const char *s)
{
    if (!s || !*s) return;
    lz_hpdf.HPDF_Page_BeginText(p->page);
    lz_hpdf.HPDF_Page_SetFontAndSize(p->page, p->font, size);
    lz_hpdf.HPDF_Page_TextOut(p->page, x, p->y, s);
    lz_hpdf.HPDF_Page_EndText(p->page);
}

float pdf_draw_width(struct pdf_draw *p, float size, const char *s)
{
    lz_hpdf.HPDF_Page_SetFontAndSize(p->page, p->font, size);
    return lz_hpdf.HPDF_Page_TextWidth(p->page, s);
}

void pdf_draw_text_right(struct pdf_draw *p, float x, float size, const char *s)
{
    if (!s || !*s) return;
    pdf_draw_text(p, x - pdf_draw_width(p, size, s), size, s);
}

void pdf_draw_fit(struct pdf_draw *p, const char *s, float size, float width, char *out, size_t cap)
{
    snprintf(out, cap, "%s", s ? s : "");
    size_t n = strlen(out);
    if (pdf_draw_width(p, size, out) <= width) return;
    while (n > 0) {
        do n--; while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80);
        if (n + 4 > cap) continue;
        memcpy(out + n, "\xE2\x80\xA6", 4);   /* … */
        if (pdf_draw_width(p, size, out) <= width) return;
    }
}

void pdf_draw_rule(struct pdf_draw *p, float x0, float x1, float width)
{
    lz_hpdf.HPDF_Page_SetLineWidth(p->page, width);
    lz_hpdf.HPDF_Page_MoveTo(p->page, x0, p->y);
    lz_hpdf.HPDF_Page_LineTo(p->page, x1, p->y);
    lz_hpdf.HPDF_Page_Stroke(p->page);
}

int pdf_draw_finish(struct pdf_draw *p, char **out, size_t *len)
{
    int rc = -1;
    if (!p->failed && lz_hpdf.HPDF_SaveToStream(p->doc) == HPDF_OK) {
        HPDF_UINT32 size = lz_hpdf.HPDF_GetStreamSize(p->doc);
        char *data = malloc(size ? size : 1);
        HPDF_UINT32 got = size;
        if (data && lz_hpdf.HPDF_ReadFromStream(p->doc, (HPDF_BYTE *)data, &got) != HPDF_OK && got == 0) { free(data); data = NULL; }
        if (data) { *out = data; *len = got; rc = 0; }
    }
    lz_hpdf.HPDF_Free(p->doc);
    p->doc = NULL;
    return rc;
}
