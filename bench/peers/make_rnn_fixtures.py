#!/usr/bin/python3
"""Write tests/fixtures/nn_rnn_torch.json: PyTorch 1.13 reference values for
credo.nn's recurrent and convolutional layers (LSTM, GRU, the LSTM->GRU
stack, Conv1d, MaxPool1d): weights, inputs, outputs and gradients, which
tests/spec/nn_rnn_spec.lua compares against in float32, so no Python runs at
test time.

Usage: /usr/bin/python3 bench/peers/make_rnn_fixtures.py [OUT.json]

Format: one JSON object; "_about" records the torch version, the seed and
this script; every other entry is a case: an object with "config" (the
layer's constructor arguments), "params" (name -> tensor, torch's
state_dict names), "inputs" (x, and h0 / c0 when the case has initial
states), "outputs" and "grads" (name -> tensor), each tensor
{"shape": [..], "data": [..]} flat in row-major order.  All tensors are
float32 in torch (the default); their values are written as the exact
float64 value of each float32 (Python's repr round-trips), so credo reads
the same float32 numbers.  Gradients come from torch.autograd on the scalar
    loss = sum(out * R_out) [+ sum(h_n * R_h) + sum(c_n * R_c)]
with fixed random R tensors stored under "upstream" (R_out, R_h, R_c);
h_n / c_n are torch's (num_layers, N, H) final states.  Layers run with
batch_first=True, in training mode, with dropout 0 (dropout masks cannot
match across libraries).
"""
import json
import os
import sys

import torch

SEED = 20240612


def entry(t):
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        data = [int(v) for v in t.reshape(-1).tolist()]
    else:
        data = [float(v) for v in t.double().reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": data}


def rand(*shape, scale=1.0):
    return (torch.randn(*shape, dtype=torch.float32) * scale).requires_grad_(True)


def params_of(module):
    return {k: entry(v) for k, v in module.state_dict().items()}


def grads_of(module):
    return {"grad_" + k: entry(p.grad) for k, p in module.named_parameters()}


def rnn_case(kind, I, H, N, T, num_layers=1, bias=True, init=False):
    cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
    m = cls(I, H, num_layers=num_layers, bias=bias, batch_first=True)
    x = rand(N, T, I)
    inputs = {"x": x}
    state = None
    if init:
        h0 = rand(num_layers, N, H, scale=0.5)
        inputs["h0"] = h0
        if kind == "lstm":
            c0 = rand(num_layers, N, H, scale=0.5)
            inputs["c0"] = c0
            state = (h0, c0)
        else:
            state = h0
    out, hs = m(x, state)
    if kind == "lstm":
        h_n, c_n = hs
    else:
        h_n, c_n = hs, None
    r_out, r_h = torch.randn(out.shape), torch.randn(h_n.shape)
    loss = (out * r_out).sum() + (h_n * r_h).sum()
    upstream = {"R_out": entry(r_out), "R_h": entry(r_h)}
    outputs = {"out": entry(out), "h_n": entry(h_n)}
    if c_n is not None:
        r_c = torch.randn(c_n.shape)
        loss = loss + (c_n * r_c).sum()
        upstream["R_c"] = entry(r_c)
        outputs["c_n"] = entry(c_n)
    loss.backward()
    grads = grads_of(m)
    for k, v in inputs.items():
        grads["d" + k] = entry(v.grad)
    return {
        "config": {"kind": kind, "input_size": I, "hidden_size": H,
                   "num_layers": num_layers, "bias": bias},
        "params": params_of(m),
        "inputs": {k: entry(v) for k, v in inputs.items()},
        "upstream": upstream, "outputs": outputs, "grads": grads,
    }


def stack_case(N=3, T=7, I=2, H1=6, H2=4):
    """LSTM(I, H1) -> GRU(H1, H2), the last hidden state of the GRU (the
    benchmark's cascade; return_sequences=false on the GRU)."""
    lstm = torch.nn.LSTM(I, H1, batch_first=True)
    gru = torch.nn.GRU(H1, H2, batch_first=True)
    x = rand(N, T, I)
    h, _ = lstm(x)
    _, hn = gru(h)
    y = hn[-1]
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    return {
        "config": {"input_size": I, "hidden1": H1, "hidden2": H2},
        "params": {"lstm": params_of(lstm), "gru": params_of(gru)},
        "inputs": {"x": entry(x)},
        "upstream": {"R_out": entry(r)},
        "outputs": {"out": entry(y)},
        "grads": {"lstm": grads_of(lstm), "gru": grads_of(gru), "dx": entry(x.grad)},
    }


def conv_case(N, C, L, OC, K, stride, padding, bias=True):
    m = torch.nn.Conv1d(C, OC, K, stride=stride, padding=padding, bias=bias)
    x = rand(N, C, L)
    out = m(x)
    r = torch.randn(out.shape)
    (out * r).sum().backward()
    grads = grads_of(m)
    grads["dx"] = entry(x.grad)
    return {
        "config": {"in_channels": C, "out_channels": OC, "kernel_size": K,
                   "stride": stride, "padding": padding, "bias": bias},
        "params": params_of(m), "inputs": {"x": entry(x)},
        "upstream": {"R_out": entry(r)}, "outputs": {"out": entry(out)},
        "grads": grads,
    }


def pool_case(N, C, L, K, stride, padding):
    m = torch.nn.MaxPool1d(K, stride=stride, padding=padding)
    # distinct values: no ties, so the argmax (and the gradient) is unique
    x = (torch.randperm(N * C * L).float() / (N * C * L) - 0.5).reshape(N, C, L)
    x.requires_grad_(True)
    out = m(x)
    r = torch.randn(out.shape)
    (out * r).sum().backward()
    return {
        "config": {"kernel_size": K, "stride": stride, "padding": padding},
        "params": {}, "inputs": {"x": entry(x)},
        "upstream": {"R_out": entry(r)}, "outputs": {"out": entry(out)},
        "grads": {"dx": entry(x.grad)},
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "tests", "fixtures", "nn_rnn_torch.json")
    out = os.path.normpath(out)
    torch.manual_seed(SEED)
    fx = {"_about": {"torch": torch.__version__, "seed": SEED,
                     "script": "bench/peers/make_rnn_fixtures.py"}}
    fx["lstm"] = rnn_case("lstm", I=3, H=5, N=4, T=6, init=True)
    fx["lstm_2layers"] = rnn_case("lstm", I=3, H=4, N=3, T=5, num_layers=2)
    fx["lstm_nobias"] = rnn_case("lstm", I=2, H=3, N=2, T=4, bias=False)
    fx["gru"] = rnn_case("gru", I=3, H=5, N=4, T=6, init=True)
    fx["gru_2layers"] = rnn_case("gru", I=3, H=4, N=3, T=5, num_layers=2, init=True)
    fx["stack"] = stack_case()
    fx["conv1d"] = conv_case(N=2, C=3, L=9, OC=4, K=3, stride=2, padding=1)
    fx["conv1d_nobias"] = conv_case(N=3, C=2, L=8, OC=3, K=4, stride=1, padding=2,
                                    bias=False)
    fx["conv1d_nerhf"] = conv_case(N=2, C=1, L=16, OC=8, K=3, stride=1, padding=0)
    fx["maxpool1d"] = pool_case(N=2, C=3, L=10, K=3, stride=2, padding=1)
    fx["maxpool1d_k2"] = pool_case(N=2, C=2, L=7, K=2, stride=2, padding=0)
    with open(out, "w") as f:
        json.dump(fx, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
