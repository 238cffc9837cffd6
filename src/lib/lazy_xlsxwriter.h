/* lazy_xlsxwriter: libxlsxwriter loaded on first use (see lazylib.h), for
 * XLSX exports. */
#ifndef RAPPORT_LIB_LAZY_XLSXWRITER_H
#define RAPPORT_LIB_LAZY_XLSXWRITER_H

#include <xlsxwriter.h>
#include "lib/lazylib.h"

#define LAZY_XLSXWRITER_FNS(X) X(workbook_new_opt) X(workbook_add_worksheet) X(workbook_close) \
    X(worksheet_write_number) X(worksheet_write_string)

struct lazy_xlsxwriter { LAZY_XLSXWRITER_FNS(LAZYLIB_FIELD) };
extern struct lazy_xlsxwriter lz_xlsxwriter;
int lazy_xlsxwriter_load(char *err, size_t errlen);

#endif
