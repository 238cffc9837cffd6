/* lbfgs_box: bounded L-BFGS for the analytics fits (see lbfgs_box.h). */
#include "analytics/lbfgs_box.h"
#include <math.h>

int lbfgs_box(nlopt_func f, void *ctx, int n, const double *lb, const double *ub, double *th, int maxeval, bool restart,
              double *fmin)
{
    for (int k = 0; k < n; k++)
        th[k] = th[k] < lb[k] ? lb[k] : th[k] > ub[k] ? ub[k] : th[k];
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, (unsigned)n);
    if (!opt)
        return NLOPT_OUT_OF_MEMORY;
    nlopt_set_lower_bounds(opt, lb);
    nlopt_set_upper_bounds(opt, ub);
    nlopt_set_min_objective(opt, f, ctx);
    nlopt_set_xtol_rel(opt, 1e-10);
    nlopt_set_ftol_rel(opt, 1e-15);
    nlopt_set_maxeval(opt, maxeval);
    *fmin = HUGE_VAL;
    int rc = nlopt_optimize(opt, th, fmin);
    if (restart && rc > 0)
        rc = nlopt_optimize(opt, th, fmin);
    nlopt_destroy(opt);
    return rc;
}
