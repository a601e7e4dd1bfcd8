-- bench/sgemm.lua: float32 2048x2048 @ 2048x2048 through credo.matmul (OpenBLAS
-- sgemm), best of 5 after one warm-up: the same work as peers/sgemm.py.
local credo = require "credo"
local B = require "bench.common"

local N, REPS = 2048, 5
local g = credo.Generator(0)
local a, b = g:randn(N, N), g:randn(N, N)
local c = credo.matmul(a, b) -- warm-up
local times = {}
for i = 1, REPS do
  local t0 = B.clock()
  c = credo.matmul(a, b)
  times[i] = B.clock() - t0
end
local best = B.min(times)
B.emit("sgemm_2048", best, { gflops = 2 * N ^ 3 / best / 1e9,
                             median_seconds = B.median(times) })
