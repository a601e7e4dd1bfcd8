-- bench/lgbm.lua: credo.GBDT.lightgbm (leaf-wise growth) on gbdt_train.csv
-- (1,000,000 x 28) and gbdt_test.csv (200,000 x 28), the same work as
-- peers/gbdt_lgbm.py: 100 rounds, 63 leaves, no depth limit, learning rate
-- 0.1, 255 bins, min_child_samples 20, min_child_weight 1e-3, reg_lambda 0.
-- Timed: fit (binning included, as the peer times Dataset + train).  Not
-- timed: CSV load, test prediction.  Reports test AUC and logloss and the
-- process's peak RSS.
local credo = require "credo"
local B = require "bench.common"

B.booster("lgbm_1M", credo.GBDT.lightgbm, { n_estimators = 100, num_leaves = 63, max_depth = -1, learning_rate = 0.1,
    max_bin = 255, min_child_samples = 20, min_child_weight = 1e-3, reg_lambda = 0, seed = 0 },
  { n_estimators = 2 })
