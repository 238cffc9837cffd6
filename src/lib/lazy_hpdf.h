/* lazy_hpdf: libhpdf loaded on first use (see lazylib.h), for quote PDFs. */
#ifndef RAPPORT_LIB_LAZY_HPDF_H
#define RAPPORT_LIB_LAZY_HPDF_H

#include <hpdf.h>
#include "lib/lazylib.h"

#define LAZY_HPDF_FNS(X) X(HPDF_New) X(HPDF_Free) X(HPDF_AddPage) X(HPDF_GetFont) X(HPDF_GetStreamSize) \
    X(HPDF_Image_GetHeight) X(HPDF_Image_GetWidth) X(HPDF_LoadJpegImageFromMem) X(HPDF_LoadPngImageFromMem) \
    X(HPDF_LoadTTFontFromFile) X(HPDF_Page_BeginText) X(HPDF_Page_DrawImage) X(HPDF_Page_EndText) \
    X(HPDF_Page_GetHeight) X(HPDF_Page_LineTo) X(HPDF_Page_MoveTo) X(HPDF_Page_SetFontAndSize) \
    X(HPDF_Page_SetLineWidth) X(HPDF_Page_SetSize) X(HPDF_Page_Stroke) X(HPDF_Page_TextOut) X(HPDF_Page_TextWidth) \
    X(HPDF_ReadFromStream) X(HPDF_ResetError) X(HPDF_SaveToStream) X(HPDF_SetCompressionMode) \
    X(HPDF_SetCurrentEncoder) X(HPDF_UseUTFEncodings)

struct lazy_hpdf { LAZY_HPDF_FNS(LAZYLIB_FIELD) };
extern struct lazy_hpdf lz_hpdf;
int lazy_hpdf_load(char *err, size_t errlen);

#endif
