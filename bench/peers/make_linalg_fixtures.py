#!/usr/bin/python3
"""Write tests/fixtures/linalg.json: small numpy linear-algebra results that
credo's C test (tests/c/test_linalg.c) and busted spec
(tests/spec/linalg_spec.lua) compare against, so no Python runs at test time.

Usage: /usr/bin/python3 bench/peers/make_linalg_fixtures.py [OUT.json]

Format: one JSON object; "_about" records numpy version, seed and script;
every other entry is {"shape": [..], "data": [..]} with
the data flat in row-major order (a scalar has shape []).  Floats are written
with Python's repr (shortest string that round-trips a float64), so parsing
them with strtod / Lua's tonumber gives the exact numpy values.  Float32
inputs ("f32_*") are stored as the exact float64 value of each float32; their
product "f32_ab" is computed in float64 from those values.

Eigenvectors and singular vectors are numpy's raw output (LAPACK's arbitrary
signs): tests compare them up to the sign of each vector.
"""
import json
import os
import sys

import numpy as np

SEED = 20240601


def entry(x):
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": [float(v) for v in x.ravel()]}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "tests", "fixtures", "linalg.json")
    out = os.path.normpath(out)
    rng = np.random.default_rng(SEED)
    r = lambda *shape: np.round(rng.standard_normal(shape), 6)
    fx = {}

    # products (float64)
    a, b = r(4, 3), r(3, 5)
    fx["mm_a"], fx["mm_b"], fx["mm_ab"] = a, b, a @ b
    v, v2, w = r(3), r(3), r(4)
    fx["mv_v"], fx["mv_av"] = v, a @ v
    fx["vm_w"], fx["vm_wa"] = w, w @ a
    fx["dot_v2"], fx["dot"] = v2, np.dot(v, v2)
    fx["outer"] = np.outer(w, v)
    ba, bb = r(2, 4, 3), r(2, 3, 5)
    fx["bmm_a"], fx["bmm_b"], fx["bmm_ab"] = ba, bb, ba @ bb
    ca, cb = r(3, 1, 2, 3), r(4, 3, 2)           # batch dims (3,1) and (4,)
    fx["bc_a"], fx["bc_b"], fx["bc_ab"] = ca, cb, np.matmul(ca, cb)
    c = r(5)
    fx["addmm_c"], fx["addmm_out"] = c, 0.5 * c + 2.0 * (a @ b)  # beta .5, alpha 2

    # float32 product: inputs are float32 values, reference in float64
    fa = rng.standard_normal((6, 7)).astype(np.float32).astype(np.float64)
    fb = rng.standard_normal((7, 5)).astype(np.float32).astype(np.float64)
    fx["f32_a"], fx["f32_b"], fx["f32_ab"] = fa, fb, fa @ fb

    # solve / inv / det on a well-conditioned matrix
    sa = r(4, 4) + 4 * np.eye(4)
    sb, sbm = r(4), r(4, 2)
    fx["solve_a"], fx["solve_b"], fx["solve_x"] = sa, sb, np.linalg.solve(sa, sb)
    fx["solve_bm"], fx["solve_xm"] = sbm, np.linalg.solve(sa, sbm)
    fx["inv"] = np.linalg.inv(sa)
    fx["det"] = np.linalg.det(sa)
    da = r(4, 4)
    sign, logabs = np.linalg.slogdet(da)
    fx["det_a"], fx["det_a_det"] = da, np.linalg.det(da)
    fx["det_a_sign"], fx["det_a_logabs"] = sign, logabs

    # cholesky of a symmetric positive definite matrix
    m = r(4, 4)
    pd = m @ m.T + np.eye(4)
    fx["chol_a"], fx["chol_l"] = pd, np.linalg.cholesky(pd)

    # eigh of a symmetric matrix (distinct eigenvalues)
    s = r(5, 5)
    s = s + s.T
    ew, ev = np.linalg.eigh(s)
    fx["eigh_a"], fx["eigh_w"], fx["eigh_v"] = s, ew, ev

    # thin svd, tall and wide
    for name, shape in (("svd", (5, 3)), ("svdw", (3, 5))):
        x = r(*shape)
        u, sv, vt = np.linalg.svd(x, full_matrices=False)
        fx[name + "_a"], fx[name + "_u"] = x, u
        fx[name + "_s"], fx[name + "_vt"] = sv, vt

    doc = {k: entry(v) for k, v in fx.items()}
    doc = {"_about": {"numpy": np.__version__, "seed": SEED,
                      "script": "bench/peers/make_linalg_fixtures.py"}} | doc
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d entries, %d bytes)" % (out, len(doc), os.path.getsize(out)))


if __name__ == "__main__":
    main()
