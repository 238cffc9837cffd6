/* lazy_curl: libcurl loaded on first use (see lazylib.h), for SMTP. */
#ifndef RAPPORT_LIB_LAZY_CURL_H
#define RAPPORT_LIB_LAZY_CURL_H

/* The type-checking macros of curl/typecheck-gcc.h would expand
 * `lz_curl.curl_easy_setopt(` as a macro call. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include "lib/lazylib.h"

#define LAZY_CURL_FNS(X) X(curl_global_init) X(curl_easy_init) X(curl_easy_setopt) X(curl_easy_getinfo) \
    X(curl_easy_strerror) X(curl_easy_cleanup) X(curl_multi_init) X(curl_multi_setopt) X(curl_multi_add_handle) \
    X(curl_multi_perform) X(curl_multi_info_read) X(curl_multi_poll) X(curl_multi_remove_handle) \
    X(curl_multi_cleanup) X(curl_slist_append) X(curl_slist_free_all)

struct lazy_curl { LAZY_CURL_FNS(LAZYLIB_FIELD) };
extern struct lazy_curl lz_curl;
int lazy_curl_load(char *err, size_t errlen);

#endif
