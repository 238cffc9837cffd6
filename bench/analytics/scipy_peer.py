#!/usr/bin/python3
"""bench/analytics/scipy_peer.py — the scipy reference for `rapport model fit`
(issue 16): reads the same summary CSV and fits BG/NBD and Gamma-Gamma the
way a Python analyst would with numpy/scipy (the lifetimes formulas,
vectorised over customers, no grouping; L-BFGS-B on log parameters with
scipy's finite-difference gradient). Debian's python3-scipy.

usage: scipy_peer.py SUMMARY.csv   (header customer_id,frequency,recency,T,monetary_value)
prints: scipy_read, scipy_bgnbd, scipy_gg, scipy_total lines (seconds) and the
log-likelihoods, to check both sides reach the same optimum.
"""
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln


def read(path):
    # The fastest plain numpy reader: the whole file parsed by numpy's C
    # tokenizer as one comma/newline-separated float vector.
    with open(path, "rb") as f:
        f.readline()
        data = f.read()
    v = np.fromstring(data.replace(b"\n", b","), sep=",")
    v = v.reshape(-1, 5)
    return v[:, 1].copy(), v[:, 2].copy(), v[:, 3].copy(), v[:, 4].copy()


def bgnbd_nll(th, x, tx, T):
    r, alpha, a, b = np.exp(th)
    A1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A2 = betaln(a, b + x) - betaln(a, b)
    A3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        A4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return -np.sum(A1 + A2 + np.logaddexp(A3, A4)) / len(x)


def gg_nll(th, x, m):
    p, q, g = np.exp(th)
    px = p * x
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1) * np.log(m) + px * np.log(x)
          - (px + q) * np.log(g + m * x))
    return -np.sum(ll) / len(x)


def main():
    t0 = time.perf_counter()
    x, tx, T, m = read(sys.argv[1])
    t1 = time.perf_counter()
    rb = minimize(bgnbd_nll, np.zeros(4), args=(x, tx, T), method="L-BFGS-B", bounds=[(-14, 16)] * 4)
    t2 = time.perf_counter()
    keep = x > 0
    xm, mm = x[keep], m[keep]
    g0 = np.log([2.0, 2.0, mm.mean() / 2])
    rg = minimize(gg_nll, g0, args=(xm, mm), method="L-BFGS-B", bounds=[(-14, 18)] * 3)
    t3 = time.perf_counter()
    print("scipy_read %.3f s rows=%d" % (t1 - t0, len(x)))
    print("scipy_bgnbd %.3f s ll=%.3f params=%s nit=%d" % (t2 - t1, -rb.fun * len(x), np.round(np.exp(rb.x), 4), rb.nit))
    print("scipy_gg %.3f s ll=%.3f params=%s nit=%d" % (t3 - t2, -rg.fun * len(xm), np.round(np.exp(rg.x), 4), rg.nit))
    print("scipy_total %.3f s" % (t3 - t0))


if __name__ == "__main__":
    main()
