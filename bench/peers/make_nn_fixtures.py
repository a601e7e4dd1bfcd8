#!/usr/bin/python3
"""Write tests/fixtures/nn_torch.json: PyTorch 1.13 reference values for
credo.nn's layers and losses (weights, inputs, outputs and gradients), which
tests/spec/nn_parity_spec.lua compares against in float32, so no Python runs
at test time.

Usage: /usr/bin/python3 bench/peers/make_nn_fixtures.py [OUT.json]

Format: one JSON object; "_about" records the torch version, the seed and
this script; every other entry is a case: an object whose fields are either
numbers or {"shape": [..], "data": [..]} (flat, row-major).  All tensors are
float32 in torch; their values are written as the exact float64 value of
each float32 (Python's repr round-trips), so credo reads the same float32
inputs.  Index tensors are written 1-based (credo's convention) for
Embedding, and as 0-based class labels for CrossEntropyLoss (as both
libraries take them).  Gradients come from torch.autograd with the given
upstream gradient "dout" (or the loss itself for reduced losses).
"""
import json
import os
import sys

import torch

SEED = 20240611


def entry(t):
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        data = [int(v) for v in t.reshape(-1).tolist()]
    else:
        data = [float(v) for v in t.double().reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": data}


def rand(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def req(t):
    return t.clone().requires_grad_(True)


def case_module(mod, x, dout=None):
    """Run mod on x (float32), backprop dout; return the fixture fields."""
    xr = req(x)
    y = mod(xr)
    if dout is None:
        dout = rand(*y.shape)
    y.backward(dout)
    out = {"x": entry(x), "out": entry(y), "dout": entry(dout), "dx": entry(xr.grad)}
    for name, p in mod.named_parameters():
        out[name] = entry(p)
        out["grad_" + name] = entry(p.grad)
    return out


def case_loss(loss, x, target, dout=None, **kw):
    xr = req(x)
    v = loss(xr, target, **kw) if kw else loss(xr, target)
    out = {"x": entry(x), "target": entry(target)}
    if v.dim() == 0:
        v.backward()
        out["loss"] = float(v.item())
    else:
        if dout is None:
            dout = rand(*v.shape)
        v.backward(dout)
        out["loss"] = entry(v)
        out["dout"] = entry(dout)
    out["dx"] = entry(xr.grad)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "tests", "fixtures", "nn_torch.json")
    path = os.path.normpath(path)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    nn, F = torch.nn, torch.nn.functional
    fx = {"_about": {"torch": torch.__version__, "seed": SEED,
                     "script": "bench/peers/make_nn_fixtures.py"}}

    # Linear, with and without bias, and a 3-d input (N, L, in)
    fx["linear"] = case_module(nn.Linear(5, 4), rand(6, 5))
    fx["linear_nobias"] = case_module(nn.Linear(5, 3, bias=False), rand(4, 5))
    fx["linear_3d"] = case_module(nn.Linear(3, 2), rand(2, 4, 3))

    # BatchNorm1d: training (2-d and 3-d, running stats after one step with
    # non-trivial starting values), evaluation
    for name, shape in (("bn_train_2d", (8, 3)), ("bn_train_3d", (4, 3, 5))):
        bn = nn.BatchNorm1d(3)
        with torch.no_grad():
            bn.weight.copy_(rand(3))
            bn.bias.copy_(rand(3))
            bn.running_mean.copy_(rand(3))
            bn.running_var.copy_(torch.rand(3) + 0.5)
        rm0, rv0 = bn.running_mean.clone(), bn.running_var.clone()
        bn.train()
        c = case_module(bn, rand(*shape) * 2 + 1)
        c["running_mean0"], c["running_var0"] = entry(rm0), entry(rv0)
        c["running_mean"], c["running_var"] = entry(bn.running_mean), entry(bn.running_var)
        fx[name] = c
    bn = nn.BatchNorm1d(3)
    with torch.no_grad():
        bn.weight.copy_(rand(3))
        bn.bias.copy_(rand(3))
        bn.running_mean.copy_(rand(3))
        bn.running_var.copy_(torch.rand(3) + 0.5)
    bn.eval()
    c = case_module(bn, rand(5, 3))
    c["running_mean"], c["running_var"] = entry(bn.running_mean), entry(bn.running_var)
    fx["bn_eval"] = c

    # activations; the ReLU family away from 0 (kinks)
    x = rand(4, 5)
    x = torch.where(x.abs() < 0.05, x + 0.2, x)
    fx["relu"] = case_module(nn.ReLU(), x)
    fx["leaky_relu"] = case_module(nn.LeakyReLU(0.1), x)
    fx["sigmoid"] = case_module(nn.Sigmoid(), rand(4, 5) * 3)
    fx["tanh"] = case_module(nn.Tanh(), rand(4, 5) * 2)
    fx["softmax"] = case_module(nn.Softmax(dim=-1), rand(4, 5) * 2)
    fx["softmax_dim2_3d"] = case_module(nn.Softmax(dim=1), rand(2, 3, 4))
    fx["log_softmax"] = case_module(nn.LogSoftmax(dim=-1), rand(4, 5) * 2)

    # Embedding: torch indices are 0-based; the fixture stores credo's
    emb = nn.Embedding(6, 3)
    idx = torch.tensor([[0, 5, 2], [2, 2, 1]])
    y = emb(idx)
    dout = rand(*y.shape)
    y.backward(dout)
    fx["embedding"] = {"weight": entry(emb.weight), "idx": entry(idx + 1),
                       "out": entry(y), "dout": entry(dout),
                       "grad_weight": entry(emb.weight.grad)}

    # losses
    x, t = rand(6, 3), rand(6, 3)
    for red in ("mean", "sum", "none"):
        fx["mse_" + red] = case_loss(nn.MSELoss(reduction=red), x, t)
    xh = rand(6, 3) * 2
    fx["huber_mean"] = case_loss(nn.HuberLoss(delta=0.7), xh, t)
    fx["huber_none"] = case_loss(nn.HuberLoss(delta=0.7, reduction="none"), xh, t)

    p = torch.rand(6, 3) * 0.9 + 0.05
    yb = (torch.rand(6, 3) > 0.5).float()
    w = torch.rand(6, 1) + 0.5                        # one weight per sample
    fx["bce_mean"] = case_loss(nn.BCELoss(), p, yb)
    c = case_loss(lambda a, b: F.binary_cross_entropy(a, b, weight=w), p, yb)
    c["weight"] = entry(w.reshape(-1))
    fx["bce_weighted"] = c
    fx["bce_sum"] = case_loss(nn.BCELoss(reduction="sum"), p, yb)

    z = rand(6, 3) * 3
    pw = torch.tensor([1.0, 2.5, 0.5])
    fx["bce_logits_mean"] = case_loss(nn.BCEWithLogitsLoss(), z, yb)
    c = case_loss(nn.BCEWithLogitsLoss(pos_weight=pw), z, yb)
    c["pos_weight"] = entry(pw)
    fx["bce_logits_pos_weight"] = c
    we = torch.rand(6, 3) + 0.5                       # one weight per element
    c = case_loss(lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=we, pos_weight=pw),
                  z, yb)
    c["weight"], c["pos_weight"] = entry(we), entry(pw)
    fx["bce_logits_weighted"] = c
    c = case_loss(nn.BCEWithLogitsLoss(pos_weight=pw, reduction="none"), z, yb)
    c["pos_weight"] = entry(pw)
    fx["bce_logits_none"] = c
    z1, y1 = rand(8, 1) * 2, (torch.rand(8, 1) > 0.5).float()
    c = case_loss(nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0])), z1, y1)
    c["pos_weight"] = entry(torch.tensor([3.0]))
    fx["bce_logits_binary"] = c

    logits = rand(7, 4) * 2
    labels = torch.tensor([0, 3, 1, 1, 2, 0, 3])
    cw = torch.tensor([1.0, 2.0, 0.5, 1.5])
    fx["ce_mean"] = case_loss(nn.CrossEntropyLoss(), logits, labels)
    c = case_loss(nn.CrossEntropyLoss(weight=cw), logits, labels)
    c["weight"] = entry(cw)
    fx["ce_weighted"] = c
    c = case_loss(nn.CrossEntropyLoss(weight=cw, reduction="sum"), logits, labels)
    c["weight"] = entry(cw)
    fx["ce_weighted_sum"] = c
    fx["ce_none"] = case_loss(nn.CrossEntropyLoss(reduction="none"), logits, labels)

    # a Sequential MLP with BCE-with-logits: output, loss, every gradient
    mlp = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh(),
                        nn.Linear(6, 1))
    xm = rand(10, 5)
    ym = (torch.rand(10, 1) > 0.5).float()
    xr = req(xm)
    out = mlp(xr)
    loss = F.binary_cross_entropy_with_logits(out, ym)
    loss.backward()
    c = {"x": entry(xm), "y": entry(ym), "out": entry(out), "loss": float(loss.item()),
         "dx": entry(xr.grad)}
    for name, prm in mlp.named_parameters():
        i, kind = name.split(".")
        key = "%d.%s" % (int(i) + 1, kind)          # credo's 1-based child index
        c[key] = entry(prm)
        c["grad_" + key] = entry(prm.grad)
    fx["mlp"] = c

    with open(path, "w") as f:
        json.dump(fx, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
