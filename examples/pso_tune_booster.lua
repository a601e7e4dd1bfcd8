-- examples/pso_tune_booster.lua: tune a gradient-boosted tree model
-- (credo.GBDT) on data/lending_club.csv by particle swarm optimisation over
-- the GWE paper's GB search space (Table 2: n_estimators 50..200,
-- max_depth 3..10, learning_rate 0.01..0.1), scored by stratified 3-fold
-- ROC AUC on the training part only, then the refitted best model on the
-- held-out test part beside an untuned GBDT.
--
--   credo examples/pso_tune_booster.lua [particles [iters [workers]]]   (default 4 3 1)
--
-- workers > 1 scores that many candidates at once in forked processes
-- (each fit on one thread); the result is the same for any count.
--
-- A small swarm, so it runs in well under a minute on two cores (on a busy
-- machine add --threads 1: same result, sooner; docs/tune.md); the paper
-- does not state its swarm size.  Categorical columns enter as codes of
-- their sorted levels (GBDT splits on them as numbers); label Class ==
-- "bad".  See docs/tune.md and docs/pso.md.
local credo = require "credo"
local tune, split = credo.tune, credo.split

local particles = tonumber(arg and arg[1]) or 4
local iters = tonumber(arg and arg[2]) or 3
local workers = tonumber(arg and arg[3]) or 1

local df = credo.read_csv("data/lending_club.csv")
local X = df:drop { "Class" }:to_tensor(nil, "float32", { categorical = "codes" })
local y = df:col("Class").codes:eq(1)                  -- levels sorted: 1 = "bad"
local tr, te = split.train_test(y, { test_size = 0.25, stratify = true, seed = 1 })
local Xtr, ytr = split.take(X, tr), split.take(y, tr)
local Xte, yte = split.take(X, te), split.take(y, te)
print(("lending_club: %d training rows (%d bad), %d test rows, %d features"):format(
  Xtr:size(1), ytr:sum(), Xte:size(1), X:size(2)))

local t0 = credo.clock()
local r = tune.pso(credo.GBDT { seed = 1 }, tune.spaces.GB, Xtr, ytr, {
  n_particles = particles, iters = iters, cv = 3, scoring = "roc_auc", seed = 1,
  workers = math.tointeger(workers) })
local seconds = credo.clock() - t0

print("\ntrace (one row per distinct candidate, in evaluation order):")
print(r.trace)
print(("\nbest CV AUC per PSO iteration: %s"):format(table.concat((function()
  local s = {}
  for t, v in ipairs(r.history) do s[t] = ("%.4f"):format(v) end
  return s
end)(), "  ")))
print(("best params: n_estimators = %d, max_depth = %d, learning_rate = %.4f"):format(
  r.best_params.n_estimators, r.best_params.max_depth, r.best_params.learning_rate))
print(("best CV AUC %.4f (sd %.4f over folds); %d evaluations, %d distinct, %.1f s"):format(
  r.best_score, r.best_std, r.n_evaluations, #r.results, seconds))

local function test_auc(m)
  return credo.metrics.roc_auc(yte, m:predict_proba(Xte):select(2, 2):contiguous())
end
local default = credo.GBDT { seed = 1 }:fit(Xtr, ytr)
print(("test AUC: tuned %.4f, default GBDT %.4f"):format(test_auc(r.best_model), test_auc(default)))
