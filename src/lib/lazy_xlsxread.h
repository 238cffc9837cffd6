/* lazy_xlsxread: libzip and expat loaded on first use (see lazylib.h), for
 * reading .xlsx workbooks in imports. */
#ifndef RAPPORT_LIB_LAZY_XLSXREAD_H
#define RAPPORT_LIB_LAZY_XLSXREAD_H

#include <expat.h>
#include <zip.h>
#include "lib/lazylib.h"

#define LAZY_ZIP_FNS(X) X(zip_open) X(zip_discard) X(zip_error_init_with_code) X(zip_error_strerror) \
    X(zip_error_fini) X(zip_fopen) X(zip_fread) X(zip_fclose) X(zip_file_strerror)
#define LAZY_EXPAT_FNS(X) X(XML_ParserCreateNS) X(XML_ParserFree) X(XML_Parse) X(XML_StopParser) \
    X(XML_ErrorString) X(XML_GetCurrentLineNumber) X(XML_GetErrorCode) X(XML_SetCharacterDataHandler) \
    X(XML_SetElementHandler) X(XML_SetStartDoctypeDeclHandler) X(XML_SetUserData)

struct lazy_zip { LAZY_ZIP_FNS(LAZYLIB_FIELD) };
struct lazy_expat { LAZY_EXPAT_FNS(LAZYLIB_FIELD) };
extern struct lazy_zip lz_zip;
extern struct lazy_expat lz_expat;
/* Loads both. */
int lazy_xlsxread_load(char *err, size_t errlen);

#endif
