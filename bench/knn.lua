-- bench/knn.lua: credo.KNeighborsClassifier (n_neighbors 10) fitted on the
-- first 20,000 rows of rf_train, predict_proba on the first 5,000 rows of
-- rf_test: the work of peers/knn_skl.py.  Timed: fit + predict_proba, one
-- warm-up (200 queries), median of 3.  Data in credo's default float32 (the
-- peer reads float64): 20 features, so "auto" is brute force on sgemm, as
-- sklearn's "auto" is brute force on its float64 GEMM.  Reports test ROC AUC.
local credo = require "credo"
local B = require "bench.common"

local REPS = 3
local Xtr, ytr = B.load_xy("rf_train")
local Xte, yte = B.load_xy("rf_test")
Xtr, ytr = Xtr:narrow(1, 1, 20000):contiguous(), ytr:narrow(1, 1, 20000):contiguous()
Xte, yte = Xte:narrow(1, 1, 5000):contiguous(), yte:narrow(1, 1, 5000):contiguous()
collectgarbage()
collectgarbage()

local KNN = credo.KNeighborsClassifier
KNN { n_neighbors = 10 }:fit(Xtr, ytr):predict_proba(Xte:narrow(1, 1, 200))
local times, m, p = {}, nil, nil
for r = 1, REPS do
  local t0 = B.clock()
  m = KNN { n_neighbors = 10 }:fit(Xtr, ytr)
  p = m:predict_proba(Xte)
  times[r] = B.clock() - t0
end
print("times:", table.concat(times, " "), "algorithm:", m.state_.algorithm)
B.emit("knn_20k_5k", B.median(times), {
  auc = credo.metrics.roc_auc(yte, p:select(2, 2):contiguous()),
  min_seconds = B.min(times), algorithm = m.state_.algorithm })
