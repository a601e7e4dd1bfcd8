-- bench/rf.lua: credo.RandomForest on rf_train.csv (100,000 x 20) and
-- rf_test.csv (20,000 x 20), the same work as peers/rf_skl.py (see
-- bench/common.lua M.forest for what is timed).
local credo = require "credo"
require("bench.common").forest(credo.RandomForest, "rf_100k")
