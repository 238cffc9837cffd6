/* lazylib: shared libraries that only a few rarely used features need,
 * loaded with dlopen when a feature is first used instead of at start.
 *
 * Linked normally, libcurl (with OpenSSL, Kerberos, LDAP …), liblunar-date
 * (with GLib/GIO/GObject), libical, libhpdf, libxlsxwriter, libzip and
 * expat cost an idle server about 7 MB of resident pages (relocations and
 * initialisers) although most servers never send mail, draw a PDF or read
 * a workbook (issue 17: RSS under 64 MB with 1 M parties).
 *
 * Each library has a header src/lib/lazy_<lib>.h that includes the
 * library's own -dev header (so every call is type-checked against it),
 * lists the functions we use in an X-macro and declares a table of
 * pointers `lz_<lib>` with the functions' own names as fields, typed with
 * __typeof__ of the library's declaration. A module calls
 * `lazy_<lib>_load(err, errlen)` at its entry points (0, or -1 with a
 * message naming the missing library or symbol), then calls through the
 * table: `lz_curl.curl_easy_init()`. Loading happens once per process
 * (later calls cost one atomic load); a library is never unloaded. The
 * tables and loaders are defined in lazylib.c. */
#ifndef RAPPORT_LIB_LAZYLIB_H
#define RAPPORT_LIB_LAZYLIB_H

#include <stddef.h>

/* A field of a library's table: a pointer typed like the declaration. */
#define LAZYLIB_FIELD(fn) __typeof__(fn) *fn;

/* A library loaded on first use. `state`: 0 not tried, 1 loaded, -1 failed. */
struct lazylib {
    const char *soname;   /* e.g. "libcurl.so.4" (the runtime package's file) */
    const char *what;     /* what needs it, for the message: "sending e-mail" */
    int (*resolve)(void *handle, char *err, size_t errlen);
    int state;
    char err[256];        /* why loading failed, kept for later callers */
};

/* Loads `l` once (thread-safe). 0, or -1 with err filled. */
int lazylib_load(struct lazylib *l, char *err, size_t errlen);

/* dlsym that names the symbol in err when it is missing. */
void *lazylib_sym(void *handle, const char *soname, const char *name, char *err, size_t errlen);

#endif
