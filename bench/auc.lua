-- bench/auc.lua: credo.metrics.roc_auc on 1,000,000 scores, best of 5 after
-- one warm-up: the same work as peers/auc_skl.py, on the same data computed
-- from the same integer formula (see that script's docstring):
--   z1 = mix64((i + 1) * 0x9E3779B97F4A7C15), z2 = mix64(z1),
--   score = floor(u * 2^24) / 2^24, label = v < 0.3 + 0.4 * score.
local credo = require "credo"
local B = require "bench.common"

local N, REPS = 1000000, 5
local G = -7046029254386353131 -- 0x9E3779B97F4A7C15 as a Lua integer

local function mix64(z)
  z = (z ~ (z >> 30)) * -4658895280553007687 -- 0xBF58476D1CE4E5B9
  z = (z ~ (z >> 27)) * -7723592293110705685 -- 0x94D049BB133111EB
  return z ~ (z >> 31)
end

local ys, ss = {}, {}
for i = 0, N - 1 do
  local z1 = mix64((i + 1) * G)
  local z2 = mix64(z1)
  local u = (z1 >> 11) * 2.0 ^ -53
  local v = (z2 >> 11) * 2.0 ^ -53
  local s = math.floor(u * 2.0 ^ 24) / 2.0 ^ 24
  ss[i + 1] = s
  ys[i + 1] = v < 0.3 + 0.4 * s and 1 or 0
end
local y = credo.tensor(ys, "int64")
local s = credo.tensor(ss, "float64")
ys, ss = nil, nil
collectgarbage()

local roc_auc = credo.metrics.roc_auc
local auc = roc_auc(y, s) -- warm-up
local times = {}
for r = 1, REPS do
  local t0 = B.clock()
  auc = roc_auc(y, s)
  times[r] = B.clock() - t0
end
print(("auc: %.17g  positives: %d"):format(auc, y:sum()))
B.emit("roc_auc_1m", B.min(times), { median_seconds = B.median(times),
                                     auc_repr = ("%.17g"):format(auc), n = N })
