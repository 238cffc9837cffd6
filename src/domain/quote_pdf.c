/* quote_pdf: a quote drawn as a PDF with the company's letterhead (the
 * settings letterhead.*), with libhpdf (Haru, zlib licence); served by
 * api/quotes.c (GET /api/v1/quotes/{id}/pdf, /api/v1/settings/letterhead).
 * The page set-up and the embedded CJK font are lib/pdf_draw.h's. */
#include "domain/quote.h"
#include "lib/pdf_draw.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- letterhead settings ---- */

const char *const letterhead_keys[] = {"name", "address", "phone", "email", "website", "logo", NULL};

/* The letterhead as {"name": …, …} (a new object; absent keys are ""). */
json_t *letterhead_get(db *c)
{
    json_t *o = json_object();
    for (int i = 0; letterhead_keys[i]; i++) {
        char key[64];
        snprintf(key, sizeof key, "letterhead.%s", letterhead_keys[i]);
        db_stmt *s = db_prepare(c, "SELECT value FROM setting WHERE key = ?");
        const char *v = NULL;
        if (s) {
            db_bind_text(s, 1, key);
            if (db_step(s) == DB_ROW) v = db_column_text(s, 0);
        }
        json_object_set_new(o, letterhead_keys[i], json_string(v ? v : ""));
        if (s) db_done(s);
    }
    return o;
}

/* ---- the logo: a PNG or JPEG as a data: URL ---- */

/* The image bytes of a "data:image/png;base64,…" or "data:image/jpeg;…"
 * URL into a new buffer (*out, *len; the caller frees) and whether it is a
 * PNG; -1 when it is neither or not base64. */
static int logo_bytes(const char *url, unsigned char **out, size_t *len, bool *png)
{
    static const char png_head[] = "data:image/png;base64,", jpg_head[] = "data:image/jpeg;base64,";
    const char *b64;
    if (!strncmp(url, png_head, sizeof png_head - 1)) { *png = true; b64 = url + sizeof png_head - 1; }
    else if (!strncmp(url, jpg_head, sizeof jpg_head - 1)) { *png = false; b64 = url + sizeof jpg_head - 1; }
    else return -1;
    size_t n = strlen(b64);
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) return -1;
    if (sodium_base642bin(buf, n, b64, n, NULL, len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || *len == 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}

static void quiet_error(HPDF_STATUS no, HPDF_STATUS detail, void *user)
{
    (void)no;
    (void)detail;
    *(bool *)user = true;
}

static HPDF_Image load_logo(HPDF_Doc doc, const unsigned char *data, size_t len, bool png)
{
    return png ? lz_hpdf.HPDF_LoadPngImageFromMem(doc, data, (HPDF_UINT)len) : lz_hpdf.HPDF_LoadJpegImageFromMem(doc, data, (HPDF_UINT)len);
}

int letterhead_logo_check(const char *url)
{
    unsigned char *data;
    size_t len;
    bool png, bad = false;
    if (lazy_hpdf_load(NULL, 0) != 0 || logo_bytes(url, &data, &len, &png)) return -1;
    HPDF_Doc doc = lz_hpdf.HPDF_New(quiet_error, &bad);
    HPDF_Image img = doc ? load_logo(doc, data, len, png) : NULL;
    int rc = img && !bad ? 0 : -1;
    if (doc) lz_hpdf.HPDF_Free(doc);
    free(data);
    return rc;
}

/* ---- drawing ---- */

static void line_down(struct pdf_draw *p, float by)
{
    p->y -= by;
    if (p->y < 60) pdf_draw_page(p);
}

/* Minor units as "1,234.56" (two decimals; none for JPY and KRW). */
static void amount_text(int64_t v, const char *cur, char *out, size_t cap)
{
    int dec = cur && (!strcmp(cur, "JPY") || !strcmp(cur, "KRW")) ? 0 : 2;
    bool neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t scale = dec ? 100 : 1, whole = u / scale, frac = u % scale;
    char digits[32], grouped[48];
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)whole);
    size_t n = strlen(digits), j = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) grouped[j++] = ',';
        grouped[j++] = digits[i];
    }
    grouped[j] = 0;
    if (dec) snprintf(out, cap, "%s%s.%02llu", neg ? "-" : "", grouped, (unsigned long long)frac);
    else snprintf(out, cap, "%s%s", neg ? "-" : "", grouped);
}

static void percent_text(int64_t bp, char *out, size_t cap)
{
    if (bp % 100 == 0) snprintf(out, cap, "%lld%%", (long long)(bp / 100));
    else snprintf(out, cap, "%lld.%02lld%%", (long long)(bp / 100), (long long)(bp % 100));
}

static void money_text_row(struct pdf_draw *p, const char *label, const char *amount)
{
    pdf_draw_text_right(p, 440, 10, label);
    pdf_draw_text_right(p, 545, 10, amount);
    line_down(p, 16);
}

static void money_row(struct pdf_draw *p, const char *label, const json_t *m, const char *cur)
{
    char a[64];
    amount_text(json_integer_value(json_object_get(m, "amount")), cur, a, sizeof a);
    money_text_row(p, label, a);
}

/* Draws quote q for party name into a new PDF; *out (malloc'd) and *len,
 * or -1. */
int quote_render(const json_t *q, const char *party, const json_t *head, char **out, size_t *len)
{
    struct pdf_draw p;
    if (pdf_draw_open(&p, false) != 0) return -1;
    const char *cur = json_string_value(json_object_get(q, "currency"));
    char buf[512], a[64], b[64];
    pdf_draw_page(&p);

    /* The logo, top right, 48 points high (checked when it was stored; one
     * that still fails to load is left out, not the PDF). */
    const char *logo = json_string_value(json_object_get(head, "logo"));
    unsigned char *img_data = NULL;
    size_t img_len = 0;
    bool png;
    if (logo && *logo && logo_bytes(logo, &img_data, &img_len, &png) == 0) {
        HPDF_Image img = load_logo(p.doc, img_data, img_len, png);
        if (img && !p.failed) {
            float w = (float)lz_hpdf.HPDF_Image_GetWidth(img), hgt = (float)lz_hpdf.HPDF_Image_GetHeight(img);
            float dh = 48, dw = hgt > 0 ? w * dh / hgt : 0;
            if (dw > 160) { dh = dh * 160 / dw; dw = 160; }
            lz_hpdf.HPDF_Page_DrawImage(p.page, img, 545 - dw, p.y - dh + 16, dw, dh);
        } else {
            lz_hpdf.HPDF_ResetError(p.doc);
            p.failed = false;
        }
    }

    /* Letterhead. */
    pdf_draw_text(&p, 50, 16, json_string_value(json_object_get(head, "name")));
    line_down(&p, 18);
    const char *addr = json_string_value(json_object_get(head, "address"));
    if (addr && *addr) { pdf_draw_text(&p, 50, 9, addr); line_down(&p, 12); }
    const char *keys[] = {"phone", "email", "website"};
    buf[0] = 0;
    for (int i = 0; i < 3; i++) {
        const char *v = json_string_value(json_object_get(head, keys[i]));
        if (v && *v) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", buf[0] ? "   " : "", v);
    }
    if (buf[0]) { pdf_draw_text(&p, 50, 9, buf); line_down(&p, 12); }
    pdf_draw_rule(&p, 50, 545, 0.8f);
    line_down(&p, 28);

    /* Title and the quote's facts. */
    pdf_draw_text(&p, 50, 18, "\xE6\x8A\xA5\xE4\xBB\xB7\xE5\x8D\x95 Quotation");   /* 报价单 */
    line_down(&p, 24);
    snprintf(buf, sizeof buf, "\xE7\xBC\x96\xE5\x8F\xB7 No. Q-%lld   \xE7\x89\x88\xE6\x9C\xAC Revision %lld",   /* 编号, 版本 */
             (long long)json_integer_value(json_object_get(q, "id")), (long long)json_integer_value(json_object_get(q, "revision")));
    pdf_draw_text(&p, 50, 10, buf);
    line_down(&p, 14);
    snprintf(buf, sizeof buf, "\xE5\xAE\xA2\xE6\x88\xB7 Customer: %s", party ? party : "");   /* 客户 */
    pdf_draw_text(&p, 50, 10, buf);
    line_down(&p, 14);
    const char *qd = json_string_value(json_object_get(q, "quote_date")), *vu = json_string_value(json_object_get(q, "valid_until"));
    snprintf(buf, sizeof buf, "\xE6\x97\xA5\xE6\x9C\x9F Date: %s   \xE6\x9C\x89\xE6\x95\x88\xE6\x9C\x9F\xE8\x87\xB3 Valid until: %s   "
             "\xE5\xB8\x81\xE7\xA7\x8D Currency: %s", qd ? qd : "", vu ? vu : "-", cur ? cur : "");   /* 日期, 有效期至, 币种 */
    pdf_draw_text(&p, 50, 10, buf);
    line_down(&p, 14);
    const char *title = json_string_value(json_object_get(q, "title"));
    if (title && *title) { pdf_draw_text(&p, 50, 11, title); line_down(&p, 14); }
    line_down(&p, 12);

    /* Lines. */
    pdf_draw_text(&p, 50, 9, "#");
    pdf_draw_text(&p, 70, 9, "\xE5\x93\x81\xE5\x90\x8D Item");   /* 品名 */
    pdf_draw_text_right(&p, 330, 9, "\xE6\x95\xB0\xE9\x87\x8F Qty");   /* 数量 */
    pdf_draw_text_right(&p, 420, 9, "\xE5\x8D\x95\xE4\xBB\xB7 Unit price");   /* 单价 */
    pdf_draw_text_right(&p, 470, 9, "\xE6\x8A\x98\xE6\x89\xA3 Disc.");   /* 折扣 */
    pdf_draw_text_right(&p, 545, 9, "\xE9\x87\x91\xE9\xA2\x9D Amount");   /* 金额 */
    line_down(&p, 6);
    pdf_draw_rule(&p, 50, 545, 0.4f);
    line_down(&p, 14);
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(q, "lines"), i, line) {
        snprintf(buf, sizeof buf, "%zu", i + 1);
        pdf_draw_text(&p, 50, 10, buf);
        pdf_draw_fit(&p, json_string_value(json_object_get(line, "description")), 10, 200, buf, sizeof buf);
        pdf_draw_text(&p, 70, 10, buf);
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(json_object_get(line, "quantity")));
        pdf_draw_text_right(&p, 330, 10, buf);
        amount_text(json_integer_value(json_object_get(line, "unit_price")), cur, a, sizeof a);
        pdf_draw_text_right(&p, 420, 10, a);
        int64_t bp = json_integer_value(json_object_get(line, "discount_bp"));
        if (bp) { percent_text(bp, b, sizeof b); pdf_draw_text_right(&p, 470, 10, b); }
        amount_text(json_integer_value(json_object_get(line, "net")), cur, a, sizeof a);
        pdf_draw_text_right(&p, 545, 10, a);
        line_down(&p, 16);
    }
    line_down(&p, 8);

    /* Totals. */
    money_row(&p, "\xE5\xB0\x8F\xE8\xAE\xA1 Subtotal", json_object_get(q, "subtotal"), cur);   /* 小计 */
    int64_t dbp = json_integer_value(json_object_get(q, "discount_bp")), tbp = json_integer_value(json_object_get(q, "tax_bp"));
    if (dbp) {
        percent_text(dbp, b, sizeof b);
        snprintf(buf, sizeof buf, "\xE6\x95\xB4\xE5\x8D\x95\xE6\x8A\x98\xE6\x89\xA3 Discount %s", b);   /* 整单折扣 */
        char neg[80];
        json_t *d = json_object_get(q, "discount");
        amount_text(-json_integer_value(json_object_get(d, "amount")), cur, neg, sizeof neg);
        pdf_draw_text_right(&p, 440, 10, buf);
        pdf_draw_text_right(&p, 545, 10, neg);
        line_down(&p, 16);
    }
    percent_text(tbp, b, sizeof b);
    snprintf(buf, sizeof buf, "\xE7\xA8\x8E\xE9\xA2\x9D Tax %s", b);   /* 税额 */
    money_row(&p, buf, json_object_get(q, "tax"), cur);
    snprintf(buf, sizeof buf, "\xE5\x90\x88\xE8\xAE\xA1 Total %s", cur ? cur : "");   /* 合计 */
    money_row(&p, buf, json_object_get(q, "total"), cur);
    /* In another currency than the company's: what it comes to, and at
     * which rate of which day (the quote's date; doc_fx.h). */
    const json_t *fx = json_object_get(q, "fx");
    const char *to = json_string_value(json_object_get(fx, "to"));
    if (to && cur && strcmp(to, cur)) {
        const json_t *ct = json_object_get(q, "company_total");
        const char *rate = json_string_value(json_object_get(fx, "rate")), *on = json_string_value(json_object_get(fx, "rate_on"));
        snprintf(buf, sizeof buf, "\xE6\x8A\x98\xE5\x90\x88 In %s", to);   /* 折合 */
        if (json_is_object(ct)) amount_text(json_integer_value(json_object_get(ct, "amount")), to, a, sizeof a);
        else snprintf(a, sizeof a, "-");
        money_text_row(&p, buf, a);
        if (rate && on)
            snprintf(buf, sizeof buf, "\xE6\xB1\x87\xE7\x8E\x87 Rate 1 %s = %s %s (%s)", cur, rate, to, on);   /* 汇率 */
        else
            snprintf(buf, sizeof buf, "\xE6\x97\xA0\xE6\xB1\x87\xE7\x8E\x87 No rate %s to %s on or before %s", cur, to,   /* 无汇率 */
                     json_string_value(json_object_get(fx, "on")) ? json_string_value(json_object_get(fx, "on")) : "");
        pdf_draw_text_right(&p, 545, 9, buf);
        line_down(&p, 14);
    }
    line_down(&p, 10);

    /* Notes, wrapped by width. */
    const char *notes = json_string_value(json_object_get(q, "notes"));
    while (notes && *notes) {
        pdf_draw_fit(&p, notes, 9, 490, buf, sizeof buf);
        size_t n = strlen(buf);
        if (n >= 3 && !strcmp(buf + n - 3, "\xE2\x80\xA6")) n -= 3;
        char *nl = memchr(notes, '\n', n);
        if (nl) n = (size_t)(nl - notes);
        /* Nothing fits (cannot happen at this width): one whole character. */
        if (n == 0 && *notes != '\n')
            do n++; while (notes[n] && ((unsigned char)notes[n] & 0xC0) == 0x80);
        snprintf(buf, sizeof buf, "%.*s", (int)n, notes);
        pdf_draw_text(&p, 50, 9, buf);
        line_down(&p, 12);
        notes += n;
        if (*notes == '\n') notes++;
    }

    int rc = pdf_draw_finish(&p, out, len);
    free(img_data);
    return rc;
}
