#!/usr/bin/python3
"""Write tests/fixtures/rl_torch.json: PyTorch 1.13 reference values for one
native Q-network training step of credo.rl (natives/rl: forward, DQN or
Double-DQN target, MSE or Huber loss with importance weights, backward,
Adam, soft target update), which tests/spec/rl_spec.lua compares against.

Usage: /usr/bin/python3 bench/peers/make_rl_fixtures.py [OUT.json]

Format: one JSON object.
  "_about":  torch version, seed, this script.
  "cases":   a list of {"name", "dtype" ("float32"/"float64"), "sizes"
             (layer widths, inputs first), "double" (bool), "loss"
             ("mse"/"huber"), "delta", "gamma", "lr", "tau", "betas",
             "eps", "S", "S2" (replay states, (N, n_in) row-major lists),
             "A" (1-based actions), "R", "D" (0/1), "idx" (1-based rows,
             one per batch element), "w" (importance weights or null),
             "online0", "target0" (the parameters W1, b1, W2, ... as flat
             row-major lists, W as torch's (out, in)), and "steps": for each
             of two consecutive steps on the same batch {"loss", "td"
             (y - Q(s, a)), "grads", "online", "target"} after the step}.
Every input value is a float32 number, so the float32 and float64 runs
start from the same values.  The step is torch's
  q = online(s)[i, a];  with no_grad: a* = online(s').argmax(1) (double) or
  the max of target(s') (vanilla);  y = r + gamma (1 - done) target(s')[a*]
  loss = (w * l(q - y)).mean(),  l = (q - y)^2 or HuberLoss(delta, 'none')
  zero_grad; backward; Adam(lr, betas, eps).step(); target.lerp_(online, tau)
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20261126


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def make_net(sizes, dtype):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers).to(dtype)


def flat_params(net):
    return [p.detach().to(torch.float64).reshape(-1).tolist() for p in net.parameters()]


def case(name, rng, dtype, sizes, double, loss, weights, dones, N=10, B=8):
    tdt = torch.float32 if dtype == "float32" else torch.float64
    torch.manual_seed(int(rng.integers(0, 2**31)))
    online = make_net(sizes, tdt)
    target = make_net(sizes, tdt)
    with torch.no_grad():                     # float32-representable start
        for p in list(online.parameters()) + list(target.parameters()):
            p.copy_(torch.from_numpy(f32(p.detach().to(torch.float64).numpy())).to(tdt))
    n_in, n_a = sizes[0], sizes[-1]
    S = f32(rng.normal(size=(N, n_in)))
    S2 = f32(rng.normal(size=(N, n_in)))
    A = rng.integers(0, n_a, size=N)
    R = f32(rng.uniform(size=N) < 0.5)
    D = f32(rng.uniform(size=N) < 0.3) if dones else np.zeros(N)
    idx = rng.integers(0, N, size=B)
    w = f32(0.3 + rng.uniform(size=B)) if weights else None
    gamma, lr, tau, betas, eps, delta = 0.9, 0.01, 0.05, (0.9, 0.999), 1e-8, 0.5
    rec = {"name": name, "dtype": dtype, "sizes": sizes, "double": double, "loss": loss,
           "delta": delta, "gamma": gamma, "lr": lr, "tau": tau, "betas": list(betas),
           "eps": eps, "S": S.reshape(-1).tolist(), "S2": S2.reshape(-1).tolist(),
           "A": (A + 1).tolist(), "R": R.tolist(), "D": D.tolist(),
           "idx": (idx + 1).tolist(), "w": None if w is None else w.tolist(),
           "online0": flat_params(online), "target0": flat_params(target), "steps": []}
    opt = torch.optim.Adam(online.parameters(), lr=lr, betas=betas, eps=eps, foreach=False)
    t = lambda x: torch.from_numpy(np.asarray(x)).to(tdt)
    sb, s2b = t(S[idx]), t(S2[idx])
    ab = torch.from_numpy(A[idx])
    rb, db = t(R[idx]), t(D[idx])
    ar = torch.arange(B)
    for _ in range(2):
        q = online(sb)[ar, ab]
        with torch.no_grad():
            if double:
                a_star = online(s2b).argmax(dim=1)
                nxt = target(s2b)[ar, a_star]
            else:
                nxt = target(s2b).max(dim=1).values
            y = rb + gamma * (1 - db) * nxt
        if loss == "mse":
            per = F.mse_loss(q, y, reduction="none")
        else:
            per = F.huber_loss(q, y, reduction="none", delta=delta)
        if w is not None:
            per = t(w) * per
        L = per.mean()
        opt.zero_grad(set_to_none=True)
        L.backward()
        grads = [p.grad.detach().to(torch.float64).reshape(-1).tolist()
                 for p in online.parameters()]
        opt.step()
        with torch.no_grad():
            for pt, po in zip(target.parameters(), online.parameters()):
                pt.lerp_(po, tau)
        rec["steps"].append({"loss": float(L), "td": (y - q).detach().to(torch.float64).tolist(),
                             "grads": grads, "online": flat_params(online),
                             "target": flat_params(target)})
    return rec


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "tests", "fixtures", "rl_torch.json")
    rng = np.random.default_rng(SEED)
    cases = []
    for dtype in ("float64", "float32"):
        cases.append(case("double mse weights dones " + dtype, rng, dtype, [6, 8, 5, 3],
                          True, "mse", True, True))
        cases.append(case("double huber " + dtype, rng, dtype, [6, 8, 5, 3],
                          True, "huber", False, True))
        cases.append(case("dqn mse " + dtype, rng, dtype, [4, 7, 2],
                          False, "mse", False, False))
        cases.append(case("dqn huber weights " + dtype, rng, dtype, [5, 6, 6, 4, 3],
                          False, "huber", True, True))
    doc = {"_about": {"torch": torch.__version__, "seed": SEED,
                      "script": "bench/peers/make_rl_fixtures.py"}, "cases": cases}
    with open(out, "w") as f:
        json.dump(doc, f)
    print("wrote %s (%d cases)" % (out, len(cases)))


if __name__ == "__main__":
    main()
