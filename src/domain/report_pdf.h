/* report_pdf: a tabular report drawn as a PDF (issue 18: the sales reports)
 * with the company's letterhead name and the CJK font of the quotes
 * (domain/quote_pdf.c), through libhpdf. */
#ifndef RAPPORT_REPORT_PDF_H
#define RAPPORT_REPORT_PDF_H
#include <jansson.h>
#include <stddef.h>

/* Draws doc into a new PDF: *out (malloc'd, the caller's to free) and
 * *len; 0, or -1 when the font is missing or drawing failed. doc is
 *   {"company": "…", "title": "…", "lines": ["period …", …],
 *    "tables": [{"title": "…", "columns": ["…", …], "numeric": [false, true, …],
 *                "widths": [3, 1, …], "rows": [["…", …], …]}, …]}
 * (texts UTF-8, Chinese included; a cell too wide is cut with "…"; rows
 * go on to further A4 landscape pages with the column heads repeated). */
int report_pdf_render(const json_t *doc, char **out, size_t *len);
#endif
