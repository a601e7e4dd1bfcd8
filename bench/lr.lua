-- bench/lr.lua: the credo side of peers/lr_skl.py: LogisticRegression
-- (C = 1.5, max_iter = 1000, lbfgs, l2) on standardised mlp_train
-- (100,000 x 30, float64).  Timed: fit only, median of BENCH_ROUNDS (3)
-- fits, after one warm-up fit on 5,000 rows, as the peer.  Reports the
-- train log-loss, the train ROC AUC and the iteration count.  Not timed:
-- CSV load, standardisation, the final predictions.
local credo = require "credo"
local B = require "bench.common"

local X, y = B.load_xy("mlp_train", "float64")
X = credo.prep.StandardScaler():fit(X):transform(X)
collectgarbage()
collectgarbage()

local params = { C = 1.5, max_iter = 1000 }
credo.LogisticRegression(params):fit(X:narrow(1, 1, 5000), y:narrow(1, 1, 5000)) -- warm-up
local rounds = tonumber(os.getenv("BENCH_ROUNDS") or "3")
local times, m = {}, nil
for r = 1, rounds do
  m = credo.LogisticRegression(params)
  local t0 = B.clock()
  m:fit(X, y)
  times[r] = B.clock() - t0
end
local p = m:predict_proba(X):select(2, 2):contiguous()
local shown = {}
for i, t in ipairs(times) do shown[i] = ("%.4f"):format(t) end
print("times: " .. table.concat(shown, " "))
B.emit("logreg_100k", B.median(times), {
  loss = credo.metrics.log_loss(y, p), train_auc = credo.metrics.roc_auc(y, p),
  n_iter = m.n_iter_, min_seconds = B.min(times) })
