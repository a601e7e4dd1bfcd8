-- bench/lgbm.lua: credo.GBDT.lightgbm (leaf-wise growth) on gbdt_train.csv
-- (1,000,000 x 28) and gbdt_test.csv (200,000 x 28), the same work as
-- peers/gbdt_lgbm.py: 100 rounds, 63 leaves, no depth limit, learning rate
-- 0.1, 255 bins, min_child_samples 20, min_child_weight 1e-3, reg_lambda 0.
-- Timed: fit (binning included, as the peer times Dataset + train).  Not
-- timed: CSV load, test prediction.  Reports test AUC and logloss and the
-- process's peak RSS.
local credo = require "credo"
local B = require "bench.common"

local Xtr, ytr = B.load_xy("gbdt_train")
local Xte, yte = B.load_xy("gbdt_test")
collectgarbage()
collectgarbage()

local params = { n_estimators = 100, num_leaves = 63, max_depth = -1, learning_rate = 0.1,
                 max_bin = 255, min_child_samples = 20, min_child_weight = 1e-3,
                 reg_lambda = 0, seed = 0 }

-- warm-up on a tiny subset, as the peer does
credo.GBDT.lightgbm { n_estimators = 2 }:fit(Xtr:narrow(1, 1, 5000), ytr:narrow(1, 1, 5000))

local t0 = B.clock()
local m = credo.GBDT.lightgbm(params):fit(Xtr, ytr)
local seconds = B.clock() - t0

local p = m:predict_proba(Xte):select(2, 2):contiguous():double()
B.emit("lgbm_1M", seconds, {
  auc = credo.metrics.roc_auc(yte, p), test_logloss = credo.metrics.log_loss(yte, p),
  train_seconds = seconds, rows = Xtr:size(1), features = Xtr:size(2),
  peak_rss_mb = credo.core.sys.peak_rss_mb() })
