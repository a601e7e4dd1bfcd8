#!/usr/bin/python3
"""The cost of one small native call: a + b for two 4-element float32 tensors
in PyTorch (CPU), the operation credo's bench/smallcall.lua times.  Timed: a
loop of N additions after a warm-up; seconds = total time of the loop;
ns_per_call reported.  Usage: smallcall_torch.py [DATA_DIR] (unused)."""
import os
import time

import torch

import common

N = 200_000


def main():
    torch.set_num_threads(int(os.environ.get("PEER_BLAS_THREADS", "1")))
    a = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float32)
    b = torch.tensor([0.5, 0.25, 0.125, 0.0625], dtype=torch.float32)
    for _ in range(20_000):
        c = a + b
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(N):
            c = a + b
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    common.emit("smallcall_add4", "torch-%s" % torch.__version__, best,
                ns_per_call=best / N * 1e9, calls=N, check=float(c.sum()))


if __name__ == "__main__":
    main()
