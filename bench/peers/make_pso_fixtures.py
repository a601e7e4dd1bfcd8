#!/usr/bin/python3
"""Write tests/fixtures/pso_pyswarms.json: pyswarms 1.3 GlobalBestPSO runs
whose randomness is recorded, so credo's PSO core can replay them
(tests/spec/pso_spec.lua checks positions to 1e-9) without Python at test
time.

Usage: /usr/bin/python3 bench/peers/make_pso_fixtures.py [OUT.json]

Each case runs GlobalBestPSO(n_particles, dimensions, options, bounds,
bh_strategy, velocity_clamp) under np.random.seed(seed) for 10 iterations
on a pyswarms objective.  Recorded:
  x0, v0      the initial swarm (optimizer.swarm.position / .velocity)
  r1, r2      every np.random.uniform(0, 1, (n, d)) draw the velocity
              update makes (recorded by wrapping np.random.uniform while
              optimize runs; pyswarms draws r1 then r2 each iteration)
  positions   the positions evaluated at iterations 1..10 (pos_history),
              then the final positions after the last move
  velocities  the velocities at iterations 1..10 (velocity_history)
  cost_history, best_cost, best_pos
Matrices are nested lists (n rows of d floats); floats use Python's repr
(shortest round-trip), so Lua's tonumber reads the exact float64.
"""
import json
import os
import sys

import numpy as np
import pyswarms
from pyswarms.single.global_best import GlobalBestPSO
from pyswarms.utils.functions import single_obj as fx

ITERS = 10

CASES = [
    # name, objective, n, d, w, c1, c2, lb, ub, bh_strategy, clamp, seed
    ("sphere_periodic", "sphere", 8, 4, 0.7298, 1.49618, 1.49618, -5.12, 5.12,
     "periodic", None, 7),
    ("sphere_reflective", "sphere", 8, 4, 0.9, 2.0, 2.0, -1.0, 1.0,
     "reflective", None, 11),
    ("rosenbrock_nearest", "rosenbrock", 10, 3, 0.5, 1.5, 1.7, -2.0, 2.0,
     "nearest", (-0.5, 0.5), 3),
    ("rastrigin_reflective_clamp", "rastrigin", 12, 5, 0.7, 1.2, 1.9, -5.12,
     5.12, "reflective", (-1.0, 1.0), 5),
    ("sphere_periodic_clamp", "sphere", 6, 2, 1.1, 2.1, 2.1, -0.5, 0.5,
     "periodic", (-0.8, 0.8), 13),
]


def tolist(a):
    return np.asarray(a, dtype=np.float64).tolist()


def run_case(name, obj, n, d, w, c1, c2, lo, hi, bh, clamp, seed):
    np.random.seed(seed)
    bounds = (np.full(d, lo), np.full(d, hi))
    opt = GlobalBestPSO(n_particles=n, dimensions=d,
                        options={"c1": c1, "c2": c2, "w": w}, bounds=bounds,
                        bh_strategy=bh, velocity_clamp=clamp)
    x0 = opt.swarm.position.copy()
    v0 = opt.swarm.velocity.copy()
    draws = []
    real_uniform = np.random.uniform

    def recording_uniform(*args, **kw):
        out = real_uniform(*args, **kw)
        draws.append(np.array(out, dtype=np.float64, copy=True))
        return out

    np.random.uniform = recording_uniform
    try:
        best_cost, best_pos = opt.optimize(getattr(fx, obj), iters=ITERS,
                                           verbose=False)
    finally:
        np.random.uniform = real_uniform
    assert len(draws) == 2 * ITERS, len(draws)
    assert all(r.shape == (n, d) for r in draws)
    positions = [tolist(p) for p in opt.pos_history] + [tolist(opt.swarm.position)]
    return {
        "name": name, "objective": obj, "n": n, "d": d, "w": w, "c1": c1,
        "c2": c2, "lb": lo, "ub": hi, "bounds": bh,
        "vmin": None if clamp is None else clamp[0],
        "vmax": None if clamp is None else clamp[1],
        "seed": seed, "iters": ITERS,
        "x0": tolist(x0), "v0": tolist(v0),
        "r1": [tolist(draws[2 * t]) for t in range(ITERS)],
        "r2": [tolist(draws[2 * t + 1]) for t in range(ITERS)],
        "positions": positions,
        "velocities": [tolist(v) for v in opt.velocity_history],
        "cost_history": [float(c) for c in opt.cost_history],
        "best_cost": float(best_cost), "best_pos": tolist(best_pos),
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "tests", "fixtures", "pso_pyswarms.json")
    doc = {
        "_about": {"script": "bench/peers/make_pso_fixtures.py",
                   "pyswarms": pyswarms.__version__, "numpy": np.__version__},
        "cases": [run_case(*c) for c in CASES],
    }
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
