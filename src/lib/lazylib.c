/* lazylib: the dlopen loader and the tables of the lazily loaded libraries
 * (see lazylib.h). */
#include "lib/lazylib.h"
#include "lib/lazy_curl.h"
#include "lib/lazy_pq.h"
#include "lib/lazy_hpdf.h"
#include "lib/lazy_ical.h"
#include "lib/lazy_lunar.h"
#include "lib/lazy_xlsxread.h"
#include "lib/lazy_xlsxwriter.h"
#include "lib/log.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

void *lazylib_sym(void *handle, const char *soname, const char *name, char *err, size_t errlen)
{
    void *p = dlsym(handle, name);
    if (!p) snprintf(err, errlen, "%s has no symbol %s", soname, name);
    return p;
}

int lazylib_load(struct lazylib *l, char *err, size_t errlen)
{
    int st = __atomic_load_n(&l->state, __ATOMIC_ACQUIRE);
    if (st == 0) {
        pthread_mutex_lock(&g_mu);
        st = l->state;
        if (st == 0) {
            /* RTLD_LOCAL: the library's symbols are reached through our
             * table only; RTLD_NOW: a broken install fails here, once. */
            void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
            if (!h) {
                const char *why = dlerror();
                snprintf(l->err, sizeof l->err, "%s needs %s, which cannot be loaded (%s)", l->what, l->soname,
                         why ? why : "not found");
                st = -1;
            } else {
                st = l->resolve(h, l->err, sizeof l->err) == 0 ? 1 : -1;
            }
            if (st < 0) log_error("%s", l->err);
            __atomic_store_n(&l->state, st, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&g_mu);
    }
    if (st < 0) {
        if (err && errlen) snprintf(err, errlen, "%s", l->err);
        return -1;
    }
    return 0;
}

/* The table entry is written through memcpy: ISO C has no conversion from
 * dlsym's void * to a function pointer (POSIX guarantees it works). */
#define LAZYLIB_RESOLVE(tab, so, fn)                                      \
    {                                                                     \
        void *p_ = lazylib_sym(h, so, #fn, err, errlen);                  \
        if (!p_) return -1;                                               \
        memcpy(&tab.fn, &p_, sizeof p_);                                  \
    }

/* One library: its table, its resolver and its loader. The sonames are
 * the files of Debian 12's runtime packages, which the -dev packages in
 * scripts/install-deps.sh depend on. */
#define LAZYLIB_DEFINE(lib, so, what_, LIST)                              \
    struct lazy_##lib lz_##lib;                                           \
    static int resolve_##lib(void *h, char *err, size_t errlen)          \
    {                                                                     \
        LIST(RESOLVE_##lib)                                               \
        return 0;                                                         \
    }                                                                     \
    static struct lazylib g_##lib = {.soname = so, .what = what_, .resolve = resolve_##lib};

#define RESOLVE_curl(fn) LAZYLIB_RESOLVE(lz_curl, "libcurl.so.4", fn)
LAZYLIB_DEFINE(curl, "libcurl.so.4", "sending e-mail", LAZY_CURL_FNS)
int lazy_curl_load(char *err, size_t errlen) { return lazylib_load(&g_curl, err, errlen); }

#define RESOLVE_lunar(fn) LAZYLIB_RESOLVE(lz_lunar, "liblunar-date-3.0.so.1", fn)
LAZYLIB_DEFINE(lunar, "liblunar-date-3.0.so.1", "the lunar calendar", LAZY_LUNAR_FNS)
int lazy_lunar_load(char *err, size_t errlen) { return lazylib_load(&g_lunar, err, errlen); }

#define RESOLVE_ical(fn) LAZYLIB_RESOLVE(lz_ical, "libical.so.3", fn)
LAZYLIB_DEFINE(ical, "libical.so.3", "the calendar feed", LAZY_ICAL_FNS)
int lazy_ical_load(char *err, size_t errlen) { return lazylib_load(&g_ical, err, errlen); }

#define RESOLVE_hpdf(fn) LAZYLIB_RESOLVE(lz_hpdf, "libhpdf-2.3.0.so", fn)
LAZYLIB_DEFINE(hpdf, "libhpdf-2.3.0.so", "a quote's PDF", LAZY_HPDF_FNS)
int lazy_hpdf_load(char *err, size_t errlen) { return lazylib_load(&g_hpdf, err, errlen); }

#define RESOLVE_xlsxwriter(fn) LAZYLIB_RESOLVE(lz_xlsxwriter, "libxlsxwriter.so.4", fn)
LAZYLIB_DEFINE(xlsxwriter, "libxlsxwriter.so.4", "an XLSX export", LAZY_XLSXWRITER_FNS)
int lazy_xlsxwriter_load(char *err, size_t errlen) { return lazylib_load(&g_xlsxwriter, err, errlen); }

#define RESOLVE_zip(fn) LAZYLIB_RESOLVE(lz_zip, "libzip.so.4", fn)
LAZYLIB_DEFINE(zip, "libzip.so.4", "reading an .xlsx workbook", LAZY_ZIP_FNS)
#define RESOLVE_expat(fn) LAZYLIB_RESOLVE(lz_expat, "libexpat.so.1", fn)
LAZYLIB_DEFINE(expat, "libexpat.so.1", "reading an .xlsx workbook", LAZY_EXPAT_FNS)
int lazy_xlsxread_load(char *err, size_t errlen)
{
    return lazylib_load(&g_zip, err, errlen) == 0 && lazylib_load(&g_expat, err, errlen) == 0 ? 0 : -1;
}

#define RESOLVE_pq(fn) LAZYLIB_RESOLVE(lz_pq, "libpq.so.5", fn)
LAZYLIB_DEFINE(pq, "libpq.so.5", "a PostgreSQL database", LAZY_PQ_FNS)
int lazy_pq_load(char *err, size_t errlen) { return lazylib_load(&g_pq, err, errlen); }
