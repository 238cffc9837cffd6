/*
 * an_result.h — result codes and fit report shared by the model modules
 * (btyd.h, spend.h). 0 is success, as everywhere in Rapport.
 */
#ifndef RAPPORT_ANALYTICS_AN_RESULT_H
#define RAPPORT_ANALYTICS_AN_RESULT_H

#include <stddef.h>

typedef enum {
    AN_OK = 0,
    AN_EINVAL = 1, /* input outside the model's domain (row in bad_row) */
    AN_ENOMEM = 2,
    AN_ENOFIT = 3  /* optimiser failed or no usable rows */
} an_rc;

typedef struct {
    double log_likelihood; /* at the returned parameters, summed over rows */
    size_t n;              /* rows used in the fit */
    size_t groups;         /* distinct rows after compression */
    int evaluations;       /* likelihood passes (each over all groups) */
    int nlopt_status;      /* nlopt_result of the optimiser (> 0 success) */
    size_t bad_row;        /* with AN_EINVAL: first offending row */
    /* Bit k set: parameter k (in the order of the model's params struct)
     * runs to +infinity at the supremum of the likelihood. The returned
     * point is then finite, with its log-likelihood within 0.01 of the
     * supremum (issue 16): e.g. BG/NBD a, b -> inf with a/(a+b) fixed is
     * "every customer drops out with the same probability". */
    unsigned at_boundary;
    const char *message; /* with AN_ENOFIT: why, in one sentence (static) */
} an_fit_info;

#endif
