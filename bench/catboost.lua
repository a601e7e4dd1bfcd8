-- bench/catboost.lua: credo.GBDT.catboost (oblivious trees) on
-- gbdt_train.csv (1,000,000 x 28) and gbdt_test.csv (200,000 x 28), the
-- same work as peers/gbdt_catboost.py: 100 rounds, depth 6, learning rate
-- 0.1, l2_leaf_reg 3, 254 borders.  Timed: fit (binning included, as the
-- peer times Pool + fit).  Not timed: CSV load, test prediction.  Reports
-- test AUC and logloss and the process's peak RSS.
local credo = require "credo"
local B = require "bench.common"

local Xtr, ytr = B.load_xy("gbdt_train")
local Xte, yte = B.load_xy("gbdt_test")
collectgarbage()
collectgarbage()

local params = { iterations = 100, depth = 6, learning_rate = 0.1, l2_leaf_reg = 3,
                 border_count = 254, random_seed = 0 }

-- warm-up on a tiny subset, as the peer does
credo.GBDT.catboost { iterations = 2 }:fit(Xtr:narrow(1, 1, 5000), ytr:narrow(1, 1, 5000))

local t0 = B.clock()
local m = credo.GBDT.catboost(params):fit(Xtr, ytr)
local seconds = B.clock() - t0

local p = m:predict_proba(Xte):select(2, 2):contiguous():double()
B.emit("catboost_1M", seconds, {
  auc = credo.metrics.roc_auc(yte, p), test_logloss = credo.metrics.log_loss(yte, p),
  train_seconds = seconds, rows = Xtr:size(1), features = Xtr:size(2),
  peak_rss_mb = credo.core.sys.peak_rss_mb() })
