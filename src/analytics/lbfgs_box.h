/* lbfgs_box: nlopt's L-BFGS on log-parameters within a box, set up the one
 * way the analytics fits use it (relative tolerances 1e-10 on x, 1e-15 on
 * f). Shared by the Gamma-Gamma fit (spend.c), the ridge fits at a boundary
 * (boundary.c) and the Pareto/NBD limit model (pnbd_limit.c). */
#ifndef RAPPORT_LBFGS_BOX_H
#define RAPPORT_LBFGS_BOX_H
#include <nlopt.h>
#include <stdbool.h>

/* Minimises f (nlopt's objective, with ctx) over th[0..n) within [lb, ub]:
 * th is first moved into the box, and holds the end point. restart: run a
 * second time from where the first stopped when it succeeded (L-BFGS may
 * stop on a stale curvature model). *fmin gets the last value. Returns
 * nlopt's status, NLOPT_OUT_OF_MEMORY when no optimiser could be made. */
int lbfgs_box(nlopt_func f, void *ctx, int n, const double *lb, const double *ub, double *th, int maxeval, bool restart,
              double *fmin);
#endif
