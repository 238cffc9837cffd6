/* pdf_draw: the drawing the PDFs share (the quote, domain/quote_pdf.c, and
 * the tabular reports, domain/report_pdf.c): an A4 document in one embedded
 * CJK TrueType font, text placed on a moving baseline, rules, text cut to a
 * width, and the finished bytes. Through libhpdf, loaded on first use
 * (lib/lazy_hpdf.h).
 *
 * The font: the text is Chinese and English, so the PDF embeds a TrueType
 * CJK font. Debian's Noto CJK fonts are OpenType with CFF outlines, which
 * libhpdf cannot embed (it reads TrueType glyf outlines only), and its
 * built-in CID fonts (SimSun, …) are not embedded and need GBK text and a
 * viewer with the Adobe-GB1 resources. Debian's fonts-droid-fallback
 * (DroidSansFallbackFull.ttf, Apache 2.0) is TrueType with the CJK
 * ideographs, Latin letters and digits, so it draws the whole page. libhpdf
 * embeds only the glyphs a PDF uses; RAPPORT_PDF_FONT names another
 * TrueType font. */
#ifndef RAPPORT_PDF_DRAW_H
#define RAPPORT_PDF_DRAW_H
#include "lib/lazy_hpdf.h"
#include <stdbool.h>
#include <stddef.h>

struct pdf_draw {
    HPDF_Doc doc;
    HPDF_Page page;
    HPDF_Font font;
    float y;          /* the baseline of the next text, from the page's bottom */
    int pages;
    bool landscape;
    bool failed;      /* libhpdf reported an error (its handler sets it) */
};

/* The TrueType font the PDFs embed (a static string), or NULL when none is
 * installed. */
const char *pdf_draw_font(void);

/* Starts a document (no page yet) in the font: 0, or -1 when libhpdf or the
 * font cannot be loaded (nothing to free then). */
int pdf_draw_open(struct pdf_draw *p, bool landscape);

/* A new A4 page; the baseline 50 points below its top. */
void pdf_draw_page(struct pdf_draw *p);

void pdf_draw_text(struct pdf_draw *p, float x, float size, const char *s);
void pdf_draw_text_right(struct pdf_draw *p, float x, float size, const char *s);
float pdf_draw_width(struct pdf_draw *p, float size, const char *s);

/* s cut on a character boundary to fit width at size (with "…"), into out. */
void pdf_draw_fit(struct pdf_draw *p, const char *s, float size, float width, char *out, size_t cap);

/* A horizontal line from x0 to x1 on the baseline. */
void pdf_draw_rule(struct pdf_draw *p, float x0, float x1, float width);

/* Saves the document and frees it: *out (malloc'd, the caller's to free)
 * and *len, 0; or -1 (nothing to free). */
int pdf_draw_finish(struct pdf_draw *p, char **out, size_t *len);
#endif
