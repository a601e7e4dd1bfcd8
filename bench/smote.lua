-- bench/smote.lua: credo.sampling.SMOTE{k_neighbors = 5, seed = 42}:
-- fit_resample on smote.csv (100,000 x 20 float64, 5% positive) until
-- balanced, the same work as peers/smote_imb.py.  Timed: fit_resample
-- only; one warm-up call, then the median of 9 calls is reported (and the
-- minimum).  Not timed: reading the CSV.  The checksum is the sum of the
-- last 90,000 rows (the synthetic ones), which differs from the peer's
-- (other random draws) but must be stable run to run.
local credo = require "credo"
local B = require "bench.common"

local REPS = 9

local df = credo.read_csv(B.data_dir() .. "/smote.csv")
local names = {}
for _, n in ipairs(df:names()) do
  if n ~= "label" then names[#names + 1] = n end
end
local X = df:to_tensor(names, "float64")
local y = df:col("label"):long()
df = nil
collectgarbage()
collectgarbage()

local SMOTE = credo.sampling.SMOTE
SMOTE { k_neighbors = 5, seed = 42 }:fit_resample(X, y) -- warm-up

local times, Xr, yr = {}, nil, nil
for r = 1, REPS do
  Xr, yr = nil, nil
  collectgarbage()
  local sm = SMOTE { k_neighbors = 5, seed = 42 }
  local t0 = B.clock()
  Xr, yr = sm:fit_resample(X, y)
  times[r] = B.clock() - t0
end
local parts = {}
for i, t in ipairs(times) do parts[i] = ("%.4f"):format(t) end
print("times: " .. table.concat(parts, " "))
local n_out = Xr:size(1)
B.emit("smote_100k", B.median(times), {
  min_seconds = B.min(times), rows_in = y:size(1), rows_out = n_out,
  positives_out = yr:sum(),
  checksum = math.floor(Xr:narrow(1, n_out - 90000 + 1, 90000):sum() * 1000 + 0.5) / 1000 })
