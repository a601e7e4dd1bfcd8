#!/usr/bin/python3
"""Write tests/fixtures/optim_torch.json: PyTorch 1.13 reference values for
credo.optim (optimiser steps, learning-rate schedules, gradient clipping),
which tests/spec/optim_spec.lua compares against, so no Python runs at test
time.

Usage: /usr/bin/python3 bench/peers/make_optim_fixtures.py [OUT.json]

Format: one JSON object.
  "_about":     torch version, seed, this script.
  "params0":    the starting parameters, a list of {"shape", "data"} (flat,
                row-major): two tensors, (3,5) and (3) (15 elements: the
                8-lane vector loop of Adam and its scalar tail).
  "grads":      ten steps of fixed gradients: grads[s][k] is the gradient of
                parameter k at step s ({"shape", "data"}).
  "optimizers": a list of cases {"name", "class" (torch's class name),
                "options" (torch's keyword arguments; betas as a list),
                "float32": params[s][k] after step s, "float64": the same
                run in float64}.  Every value of params0 and grads is a
                float32 number, so both dtypes start from the same values.
  "schedulers": a list of {"name", "class", "options", "lr0", "lrs" (the lr
                after each of the scheduler's steps), and for
                ReduceLROnPlateau "metrics" (the value given at each step)}.
  "clip":       a list of {"name", "dtype", "max_norm", "norm_type" ("inf"
                for infinity), "grads" (before), "clipped" (after), "total"
                (the returned norm)}.
Values are written as the exact float64 value of each number (Python's
repr round-trips), float32 results included.  Optimisers run with
foreach=False (the single-tensor path credo follows).
"""
import json
import math
import os
import sys

import numpy as np
import torch

SEED = 20240613
STEPS = 10
SHAPES = [(3, 5), (3,)]

OPTIMIZERS = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_wd", "SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("sgd_momentum_dampening", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}),
    ("sgd_nesterov_wd", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True,
                                "weight_decay": 0.01}),
    ("adagrad", "Adagrad", {"lr": 0.1}),
    ("adagrad_all", "Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01,
                                "initial_accumulator_value": 0.1, "eps": 1e-6}),
    ("rmsprop", "RMSprop", {"lr": 0.01}),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": True}),
    ("rmsprop_all", "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01,
                                "momentum": 0.5, "centered": True}),
    ("adam", "Adam", {"lr": 0.01}),
    ("adam_wd", "Adam", {"lr": 0.01, "weight_decay": 0.01}),
    ("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}),
    ("adam_all", "Adam", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1,
                          "amsgrad": True}),
    ("adamw", "AdamW", {"lr": 0.01}),
    ("adamw_no_wd", "AdamW", {"lr": 0.01, "weight_decay": 0.0}),
    ("adamw_all", "AdamW", {"lr": 0.01, "betas": [0.85, 0.95], "weight_decay": 0.1,
                            "amsgrad": True}),
]


def entry(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.double().reshape(-1).tolist()]}


def f32(a):
    """numpy float64 array rounded to float32 values (kept as float64)."""
    return a.astype(np.float32).astype(np.float64)


def make_inputs(rng):
    params0 = [f32(rng.standard_normal(s)) for s in SHAPES]
    grads = []
    for s in range(STEPS):
        # mixed magnitudes: a sign-flipping large gradient, small ones near eps
        step = []
        for k, shape in enumerate(SHAPES):
            scale = 1.0 if k == 0 else 1e-3
            g = rng.standard_normal(shape) * scale
            if k == 0 and s % 3 == 2:
                g = -3.0 * g
            step.append(f32(g))
        grads.append(step)
    return params0, grads


def run_optimizer(cls, options, params0, grads, dtype):
    params = [torch.tensor(p, dtype=dtype).requires_grad_(True) for p in params0]
    kw = dict(options)
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    opt = getattr(torch.optim, cls)(params, foreach=False, **kw)
    out = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g, dtype=dtype)
        opt.step()
        out.append([entry(p) for p in params])
    return out


def make_schedulers():
    cases = []

    def run(name, cls, options, lr0=0.1, metrics=None, steps=12):
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr0)
        sched = getattr(torch.optim.lr_scheduler, cls)(opt, **options)
        lrs = []
        for s in range(steps):
            opt.step()
            if metrics is not None:
                sched.step(metrics[s])
            else:
                sched.step()
            lrs.append(float(opt.param_groups[0]["lr"]))
        case = {"name": name, "class": cls, "options": options, "lr0": lr0, "lrs": lrs}
        if metrics is not None:
            case["metrics"] = metrics
        cases.append(case)

    run("step", "StepLR", {"step_size": 3, "gamma": 0.5})
    run("step_default_gamma", "StepLR", {"step_size": 2})
    run("exponential", "ExponentialLR", {"gamma": 0.9})
    run("cosine", "CosineAnnealingLR", {"T_max": 5, "eta_min": 0.001}, steps=23)
    run("cosine_zero_min", "CosineAnnealingLR", {"T_max": 4}, lr0=0.05, steps=13)
    loss_like = [1.0, 0.9, 0.95, 0.9, 0.91, 0.899, 0.95, 0.96, 0.97, 0.5, 0.5, 0.5,
                 0.49, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49]
    run("plateau_min", "ReduceLROnPlateau",
        {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 0.01, "cooldown": 1,
         "min_lr": 0.01}, metrics=loss_like, steps=len(loss_like))
    run("plateau_default", "ReduceLROnPlateau", {"patience": 1}, metrics=loss_like,
        steps=len(loss_like))
    auc_like = [0.6, 0.65, 0.66, 0.66, 0.66, 0.7, 0.7, 0.7, 0.71, 0.71, 0.71, 0.71, 0.71,
                0.72, 0.72, 0.72]
    run("plateau_max_abs", "ReduceLROnPlateau",
        {"mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.005,
         "threshold_mode": "abs"}, metrics=auc_like, steps=len(auc_like))
    run("plateau_max_rel_minlr", "ReduceLROnPlateau",
        {"mode": "max", "factor": 0.1, "patience": 0, "min_lr": 0.002}, metrics=auc_like,
        steps=len(auc_like))
    return cases


def make_clip(rng):
    cases = []
    base = [f32(rng.standard_normal(s)) for s in SHAPES]
    for dtype, dname in ((torch.float32, "float32"), (torch.float64, "float64")):
        for name, max_norm, norm_type in (("clip_2", 1.0, 2.0), ("noclip_2", 100.0, 2.0),
                                          ("clip_1", 0.5, 1.0), ("clip_inf", 0.7, math.inf),
                                          ("clip_3", 0.25, 3.0)):
            params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in SHAPES]
            for p, g in zip(params, base):
                p.grad = torch.tensor(g, dtype=dtype)
            before = [entry(p.grad) for p in params]
            total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
            cases.append({"name": name, "dtype": dname, "max_norm": max_norm,
                          "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                          "grads": before, "clipped": [entry(p.grad) for p in params],
                          "total": float(total)})
    return cases


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures",
        "optim_torch.json"))
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    params0, grads = make_inputs(rng)
    doc = {
        "_about": {"torch": torch.__version__, "seed": SEED,
                   "script": "bench/peers/make_optim_fixtures.py", "steps": STEPS},
        "params0": [entry(torch.tensor(p)) for p in params0],
        "grads": [[entry(torch.tensor(g)) for g in step] for step in grads],
        "optimizers": [],
    }
    for name, cls, options in OPTIMIZERS:
        doc["optimizers"].append({
            "name": name, "class": cls, "options": options,
            "float32": run_optimizer(cls, options, params0, grads, torch.float32),
            "float64": run_optimizer(cls, options, params0, grads, torch.float64),
        })
    doc["schedulers"] = make_schedulers()
    doc["clip"] = make_clip(rng)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, out)
    print("wrote %s (%d bytes)" % (out, os.path.getsize(out)))


if __name__ == "__main__":
    main()
