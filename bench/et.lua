-- bench/et.lua: credo.ExtraTrees (random thresholds, no bootstrap) on
-- rf_train.csv and rf_test.csv, the same work as peers/et_skl.py (see
-- bench/common.lua M.forest for what is timed).
local credo = require "credo"
require("bench.common").forest(credo.ExtraTrees, "et_100k")
