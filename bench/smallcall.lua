-- bench/smallcall.lua: the cost of one small native call from Lua, a + b for
-- two 4-element float32 tensors (the same work as peers/smallcall_torch.py):
-- best of 3 loops of N additions after a warm-up.
local credo = require "credo"
local B = require "bench.common"

local N = 200000
local a = credo.tensor { 1, 2, 3, 4 }
local b = credo.tensor { 0.5, 0.25, 0.125, 0.0625 }
local c
for _ = 1, 20000 do c = a + b end
local best = math.huge
for _ = 1, 3 do
  local t0 = B.clock()
  for _ = 1, N do c = a + b end
  local dt = B.clock() - t0
  if dt < best then best = dt end
end
B.emit("smallcall_add4", best, { ns_per_call = best / N * 1e9, calls = N,
                                 check = c:sum() })
