-- bench/gbdt.lua: credo.GBDT on gbdt_train.csv (1,000,000 x 28) and
-- gbdt_test.csv (200,000 x 28), the same work as peers/gbdt_xgb.py: 100
-- rounds, max_depth 6, learning rate 0.1, 255 bins, binary logistic.
-- Timed: fit (binning included, as the peer times DMatrix + train).  Not
-- timed: CSV load, test prediction.  Reports test AUC and logloss and the
-- process's peak RSS.
local credo = require "credo"
local B = require "bench.common"

local function load(name)
  local df = credo.read_csv(B.data_dir() .. "/" .. name .. ".csv")
  local names = {}
  for _, n in ipairs(df:names()) do
    if n ~= "label" then names[#names + 1] = n end
  end
  local X = df:to_tensor(names, "float32")
  local y = df:col("label"):long()
  return X, y
end

local Xtr, ytr = load("gbdt_train")
local Xte, yte = load("gbdt_test")
collectgarbage()
collectgarbage()

local params = { n_estimators = 100, max_depth = 6, learning_rate = 0.1, max_bin = 255,
                 objective = "binary:logistic", seed = 0 }

-- warm-up on a tiny subset, as the peer does
credo.GBDT { n_estimators = 2, max_depth = 6 }:fit(Xtr:narrow(1, 1, 5000),
                                                      ytr:narrow(1, 1, 5000))

local t0 = B.clock()
local m = credo.GBDT(params):fit(Xtr, ytr)
local seconds = B.clock() - t0

local p = m:predict_proba(Xte):select(2, 2):contiguous()
local auc = credo.metrics.roc_auc(yte, p:double())
local logloss = credo.metrics.log_loss(yte, p:double())
B.emit("gbdt_1M", seconds, {
  auc = auc, test_logloss = logloss, train_seconds = seconds,
  rows = Xtr:size(1), features = Xtr:size(2),
  peak_rss_mb = credo.core.sys.peak_rss_mb() })
