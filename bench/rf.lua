-- bench/rf.lua: credo.RandomForest on rf_train.csv (100,000 x 20) and
-- rf_test.csv (20,000 x 20), the same work as peers/rf_skl.py: 100 trees,
-- max_features "sqrt", max_depth 12, seed 0, 2 threads (bench/run passes
-- --threads 2).  Timed: fit only, after a warm-up fit of 4 trees on 2,000
-- rows, as the peer.  Not timed: CSV load, test prediction.  Reports test
-- ROC AUC (of P(class 1)).
local credo = require "credo"
local B = require "bench.common"

local function load(name)
  local df = credo.read_csv(B.data_dir() .. "/" .. name .. ".csv")
  local names = {}
  for _, n in ipairs(df:names()) do
    if n ~= "label" then names[#names + 1] = n end
  end
  return df:to_tensor(names, "float32"), df:col("label"):long()
end

local Xtr, ytr = load("rf_train")
local Xte, yte = load("rf_test")
collectgarbage()
collectgarbage()

local params = { n_estimators = 100, max_features = "sqrt", max_depth = 12, seed = 0 }
local warm = {}
for k, v in pairs(params) do warm[k] = v end
warm.n_estimators = 4
credo.RandomForest(warm):fit(Xtr:narrow(1, 1, 2000), ytr:narrow(1, 1, 2000))

local t0 = B.clock()
local m = credo.RandomForest(params):fit(Xtr, ytr)
local seconds = B.clock() - t0

local p = m:predict_proba(Xte):select(2, 2):contiguous()
B.emit("rf_100k", seconds, {
  auc = credo.metrics.roc_auc(yte, p), rows = Xtr:size(1), features = Xtr:size(2) })
