-- bench/gbdt.lua: credo.GBDT on gbdt_train.csv (1,000,000 x 28) and
-- gbdt_test.csv (200,000 x 28), the same work as peers/gbdt_xgb.py: 100
-- rounds, max_depth 6, learning rate 0.1, 255 bins, binary logistic.
-- Timed: fit (binning included, as the peer times DMatrix + train).  Not
-- timed: CSV load, test prediction.  Reports test AUC and logloss and the
-- process's peak RSS.
local credo = require "credo"
local B = require "bench.common"

B.booster("gbdt_1M", credo.GBDT, { n_estimators = 100, max_depth = 6, learning_rate = 0.1, max_bin = 255,
    objective = "binary:logistic", seed = 0 },
  { n_estimators = 2, max_depth = 6 })
