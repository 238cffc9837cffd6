/* lazy_lunar: liblunar-date (and through it GLib) loaded on first use
 * (see lazylib.h), for lunar dates. */
#ifndef RAPPORT_LIB_LAZY_LUNAR_H
#define RAPPORT_LIB_LAZY_LUNAR_H

#include <lunar-date/lunar-date.h>
#include "lib/lazylib.h"

/* g_free and g_error_free come from GLib, which liblunar-date depends on:
 * dlsym on its handle finds them there. */
#define LAZY_LUNAR_FNS(X) X(lunar_date_new) X(lunar_date_set_solar_date) X(lunar_date_set_lunar_date) \
    X(lunar_date_strftime) X(g_free) X(g_error_free)

struct lazy_lunar { LAZY_LUNAR_FNS(LAZYLIB_FIELD) };
extern struct lazy_lunar lz_lunar;
int lazy_lunar_load(char *err, size_t errlen);

#endif
