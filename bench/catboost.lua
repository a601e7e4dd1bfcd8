-- bench/catboost.lua: credo.GBDT.catboost (oblivious trees) on
-- gbdt_train.csv (1,000,000 x 28) and gbdt_test.csv (200,000 x 28), the
-- same work as peers/gbdt_catboost.py: 100 rounds, depth 6, learning rate
-- 0.1, l2_leaf_reg 3, 254 borders.  Timed: fit (binning included, as the
-- peer times Pool + fit).  Not timed: CSV load, test prediction.  Reports
-- test AUC and logloss and the process's peak RSS.
local credo = require "credo"
local B = require "bench.common"

B.booster("catboost_1M", credo.GBDT.catboost, { iterations = 100, depth = 6, learning_rate = 0.1, l2_leaf_reg = 3,
    border_count = 254, random_seed = 0 },
  { iterations = 2 })
