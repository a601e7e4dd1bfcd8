-- bench/svm.lua: credo.SVC (C 3, rbf, gamma 0.05) fitted on the first
-- 10,000 rows of rf_train, standardised with a StandardScaler fitted on
-- those rows, as bench/peers/svm_skl.py does with sklearn's SVC.  Timed:
-- fit only, after a warm-up fit on 500 rows.  Reports the ROC AUC of
-- decision_function on all of rf_test, the support-vector count and the
-- prediction time.
--
--   credo --threads 2 bench/svm.lua [DATA_DIR]
local credo = require "credo"
local common = require "bench.common"

local function main()
  local Xtr, ytr = common.load_xy("rf_train", "float64")
  local Xte, yte = common.load_xy("rf_test", "float64")
  Xtr, ytr = Xtr:narrow(1, 1, 10000):contiguous(), ytr:narrow(1, 1, 10000):contiguous()
  local sc = credo.prep.StandardScaler():fit(Xtr)
  Xtr, Xte = sc:transform(Xtr), sc:transform(Xte)
  collectgarbage()
  collectgarbage()
  local params = { C = 3, kernel = "rbf", gamma = 0.05 }
  credo.SVC(params):fit(Xtr:narrow(1, 1, 500), ytr:narrow(1, 1, 500)) -- warm-up
  local m = credo.SVC(params)
  local t0 = common.clock()
  m:fit(Xtr, ytr)
  local seconds = common.clock() - t0
  local t1 = common.clock()
  local f = m:decision_function(Xte)
  local predict_seconds = common.clock() - t1
  local ns = m:n_support()
  common.emit("svm_rbf_10k", seconds, {
    auc = credo.metrics.roc_auc(yte, f), n_support = ns[1] + ns[2],
    predict_seconds = predict_seconds, n_iter = m:n_iter() })
end

main()
