-- tune_spec.lua: credo.tune's grid, random and PSO searches over models of
-- the estimator protocol: candidates in scikit-learn's ParameterGrid order,
-- each mean score equal to a stratified K-fold computed by hand, the best
-- refitted on all the training data, the trace Frame, same seed same
-- result, results independent of the thread count, every scorer, the GWE
-- paper's spaces (Table 2) and the error messages.
local credo = require "credo"
local tune = require "credo.tune"
local split = require "credo.split"

-- A small binary problem: the label follows x1 + 0.5 x2 plus noise.
local function data(n, seed)
  local g = credo.Generator(seed)
  local X = g:randn(n, 4)
  local noise = g:randn(n)
  local yv = {}
  for i = 1, n do
    yv[i] = (X:get(i, 1) + 0.5 * X:get(i, 2) + 0.5 * noise:get(i) > 0) and 1 or 0
  end
  return X, credo.tensor(yv, "int64")
end

local X, y = data(240, 5)

describe("tune", function()
  describe("grid()", function()
    it("scores every combination in ParameterGrid order by stratified K-fold", function()
      local r = tune.grid(credo.DecisionTree { seed = 1 },
        { max_depth = { 1, 3 }, criterion = { "gini", "entropy" } }, X, y,
        { cv = 4, seed = 7, progress = 0 })
      assert.are.equal(4, #r.results)
      local order = {}
      for i, c in ipairs(r.results) do order[i] = c.params.criterion .. c.params.max_depth end
      assert.are.same({ "gini1", "gini3", "entropy1", "entropy3" }, order)
      -- the same folds by hand
      local folds = split.stratified_kfold(y, 4, { shuffle = true, seed = 7 })
      for _, c in ipairs(r.results) do
        local sum, sq = 0, {}
        for f, fold in ipairs(folds) do
          local m = credo.DecisionTree { seed = 1 }:set_params(c.params)
          m:fit(split.take(X, fold.train), split.take(y, fold.train))
          local p = m:predict_proba(split.take(X, fold.test)):select(2, 2):contiguous()
          sq[f] = credo.metrics.roc_auc(split.take(y, fold.test), p)
          sum = sum + sq[f]
          assert.are.equal(sq[f], c.scores[f])
        end
        assert.is_true(math.abs(sum / 4 - c.mean) < 1e-15)
      end
      -- best = highest mean, refitted on everything
      local best = r.results[1]
      for _, c in ipairs(r.results) do if c.mean > best.mean then best = c end end
      assert.are.same(best.params, r.best_params)
      assert.are.equal(best.mean, r.best_score)
      assert.is_true(r.best_model:is_fitted())
      local again = credo.DecisionTree { seed = 1 }:set_params(r.best_params):fit(X, y)
      assert.are.equal(0, (again:predict_proba(X) - r.best_model:predict_proba(X)):abs():max())
    end)

    it("returns the trace as a Frame: parameters, mean, std, folds, rank", function()
      local r = tune.grid(credo.DecisionTree { seed = 1 }, { max_depth = { 1, 2, 4 } }, X, y,
        { cv = 3, progress = 0 })
      local t = r.trace
      assert.are.same({ "max_depth", "mean", "std", "fold_1", "fold_2", "fold_3", "rank" }, t:names())
      assert.are.equal(3, t:nrow())
      for i, c in ipairs(r.results) do
        assert.are.equal(c.params.max_depth, t:col("max_depth"):get(i))
        assert.are.equal(c.mean, t:col("mean"):get(i))
        local m = (c.scores[1] + c.scores[2] + c.scores[3]) / 3
        local sd = math.sqrt(((c.scores[1] - m) ^ 2 + (c.scores[2] - m) ^ 2 + (c.scores[3] - m) ^ 2) / 3)
        assert.is_true(math.abs(sd - t:col("std"):get(i)) < 1e-12)
        if c.mean == r.best_score then assert.are.equal(1, t:col("rank"):get(i)) end
      end
    end)

    it("takes each scorer and a function, higher is better", function()
      local seen = {}
      for _, s in ipairs { "roc_auc", "accuracy", "f1", "neg_log_loss", "brier" } do
        local r = tune.grid(credo.DecisionTree { seed = 1 }, { max_depth = { 2 } }, X, y,
          { cv = 3, scoring = s, progress = 0 })
        seen[s] = r.best_score
      end
      assert.is_true(seen.roc_auc > 0.5 and seen.roc_auc <= 1)
      assert.is_true(seen.accuracy > 0.5 and seen.accuracy <= 1)
      assert.is_true(seen.f1 > 0 and seen.f1 <= 1)
      assert.is_true(seen.neg_log_loss < 0)
      assert.is_true(seen.brier < 0 and seen.brier > -1)
      local calls = 0
      local r = tune.grid(credo.DecisionTree { seed = 1 }, { max_depth = { 1, 2 } }, X, y, {
        cv = 3, progress = 0,
        scoring = function(yt, m, Xt)
          calls = calls + 1
          return -credo.metrics.brier_score(yt, m:predict_proba(Xt):select(2, 2):contiguous())
        end })
      assert.are.equal(6, calls)
      local b = tune.grid(credo.DecisionTree { seed = 1 }, { max_depth = { 1, 2 } }, X, y,
        { cv = 3, scoring = "brier", progress = 0 })
      assert.are.equal(b.best_score, r.best_score)
    end)
  end)

  describe("random()", function()
    local space = { { name = "max_depth", low = 1, high = 6, integer = true },
                    { name = "min_samples_leaf", low = 1, high = 20, integer = true, log = true },
                    { name = "criterion", values = { "gini", "entropy" } } }
    it("draws n_iter candidates inside the space, same seed same result", function()
      local a = tune.random(credo.DecisionTree { seed = 1 }, space, X, y,
        { n_iter = 6, seed = 3, cv = 3, progress = 0 })
      local b = tune.random(credo.DecisionTree { seed = 1 }, space, X, y,
        { n_iter = 6, seed = 3, cv = 3, progress = 0 })
      assert.are.equal(6, a.n_evaluations)
      assert.are.equal(#a.results, #b.results)
      for i, c in ipairs(a.results) do
        assert.are.same(c.params, b.results[i].params)
        assert.are.equal(c.mean, b.results[i].mean)
        assert.is_true(c.params.max_depth >= 1 and c.params.max_depth <= 6)
        assert.are.equal("integer", math.type(c.params.min_samples_leaf))
        assert.is_true(c.params.criterion == "gini" or c.params.criterion == "entropy")
      end
      assert.are.same(a.best_params, b.best_params)
      local c = tune.random(credo.DecisionTree { seed = 1 }, space, X, y,
        { n_iter = 6, seed = 4, cv = 3, progress = 0 })
      assert.are_not.same(a.results[1].params, c.results[1].params)
    end)
  end)

  describe("pso()", function()
    local space = { { name = "max_depth", low = 1, high = 8, integer = true },
                    { name = "min_samples_leaf", low = 1, high = 30, integer = true } }
    it("finds a candidate at least as good as the grid's best of its own trace", function()
      local r = tune.pso(credo.DecisionTree { seed = 1 }, space, X, y,
        { n_particles = 5, iters = 4, cv = 3, seed = 2, progress = 0 })
      assert.are.equal(20, r.n_evaluations)
      assert.is_true(#r.results <= 20)
      for _, c in ipairs(r.results) do assert.is_true(c.mean <= r.best_score) end
      assert.are.equal(4, #r.history)
      for t = 2, 4 do assert.is_true(r.history[t] >= r.history[t - 1]) end
      assert.are.equal(r.best_score, r.history[4])
      assert.is_true(r.best_score > 0.75)
    end)

    it("gives the same result for the same seed at any thread count", function()
      local before = credo.threads()
      credo.threads(1)
      local a = tune.pso(credo.GBDT { seed = 1, n_estimators = 5 },
        { { name = "max_depth", low = 1, high = 4, integer = true },
          { name = "learning_rate", low = 0.05, high = 0.5, log = true } }, X, y,
        { n_particles = 3, iters = 2, cv = 3, seed = 5, progress = 0 })
      credo.threads(2)
      local b = tune.pso(credo.GBDT { seed = 1, n_estimators = 5 },
        { { name = "max_depth", low = 1, high = 4, integer = true },
          { name = "learning_rate", low = 0.05, high = 0.5, log = true } }, X, y,
        { n_particles = 3, iters = 2, cv = 3, seed = 5, progress = 0 })
      credo.threads(before)
      assert.are.equal(#a.results, #b.results)
      for i, c in ipairs(a.results) do
        assert.are.same(c.params, b.results[i].params)
        assert.are.equal(c.mean, b.results[i].mean)
      end
      assert.are.same(a.best_params, b.best_params)
    end)

    it("searches a choice dimension and wraps values as lists", function()
      local seen = {}
      local r = tune.pso(credo.DecisionTree { seed = 1 },
        { { name = "criterion", values = { "gini", "entropy", "log_loss" } },
          { name = "max_depth", low = 1, high = 5, integer = true } }, X, y, {
          n_particles = 6, iters = 2, cv = 3, seed = 1, progress = 0,
          scoring = function(yt, m, Xt)
            seen[m:params().criterion] = true
            return credo.metrics.accuracy(yt, m:predict(Xt))
          end })
      assert.is_true(seen.gini or seen.entropy or seen.log_loss)
      assert.is_string(r.best_params.criterion)
      local sp = tune.spaces
      assert.is_true(sp.MLP[1].wrap)
      assert.are.same({ 7 }, tune.value_of(sp.MLP[1], 7))
    end)
  end)

  describe("workers", function()
    local space = { { name = "max_depth", low = 1, high = 8, integer = true },
                    { name = "min_samples_leaf", low = 1, high = 30, integer = true } }
    it("gives the same results with 1, 2 and 3 worker processes", function()
      local runs = {}
      for w = 1, 3 do
        runs[w] = {
          pso = tune.pso(credo.DecisionTree { seed = 1 }, space, X, y,
            { n_particles = 5, iters = 2, cv = 3, seed = 2, progress = 0, workers = w }),
          grid = tune.grid(credo.DecisionTree { seed = 1 }, { max_depth = { 1, 2, 3 },
            criterion = { "gini", "entropy" } }, X, y, { cv = 3, progress = 0, workers = w }),
        }
      end
      for w = 2, 3 do
        for _, k in ipairs { "pso", "grid" } do
          local a, b = runs[1][k], runs[w][k]
          assert.are.equal(#a.results, #b.results)
          for i, c in ipairs(a.results) do
            assert.are.same(c.params, b.results[i].params)
            assert.are.same(c.scores, b.results[i].scores)
          end
          assert.are.same(a.best_params, b.best_params)
          assert.are.equal(a.best_score, b.best_score)
        end
      end
    end)

    it("passes a worker's error to the caller", function()
      assert.has_error(function()
        tune.grid(credo.DecisionTree { seed = 1 }, { max_depth = { 1, 2, 3 } }, X, y, {
          cv = 3, progress = 0, workers = 2,
          scoring = function(_, m)
            if m:params().max_depth == 2 then error("no depth 2", 0) end
            return 1
          end })
      end, "no depth 2")
    end)

    it("names a bad worker count", function()
      assert.has_error(function()
        tune.grid(credo.DecisionTree {}, { max_depth = { 1 } }, X, y, { workers = 0 })
      end, "bad argument #5 to 'tune.grid' (workers must be an integer in 1..256, got 0)")
    end)
  end)

  describe("spaces", function()
    it("holds the GWE paper's Table 2 ranges", function()
      local function range(space, name)
        for _, d in ipairs(space) do if d.name == name then return { d.low, d.high } end end
      end
      local sp = tune.spaces
      assert.are.same({ 50, 200 }, range(sp.GB, "n_estimators"))
      assert.are.same({ 3, 10 }, range(sp.GB, "max_depth"))
      assert.are.same({ 0.01, 0.1 }, range(sp.GB, "learning_rate"))
      assert.are.same({ 50, 200 }, range(sp.MLP, "hidden_layer_sizes"))
      assert.are.same({ 0.0001, 0.01 }, range(sp.MLP, "alpha"))
      assert.are.same({ 0.1, 10 }, range(sp.SVM, "C"))
      assert.are.same({ 0.001, 0.1 }, range(sp.SVM, "gamma"))
      assert.are.same({ 3, 20 }, range(sp.KNN, "n_neighbors"))
      assert.are.same({ 0.1, 10 }, range(sp.LR, "C"))
      assert.are.same({ 50, 200 }, range(sp.ExtraTrees, "n_estimators"))
      assert.are.same({ 10, 20 }, range(sp.ExtraTrees, "max_depth"))
      assert.are.same({ 2, 10 }, range(sp.ExtraTrees, "min_samples_split"))
      for k in pairs(sp.model) do assert.is_table(sp[k]) end
    end)

    it("tunes ExtraTrees over its space", function()
      local Xs, ys = X:narrow(1, 1, 120), y:narrow(1, 1, 120)
      local r = tune.pso(credo.ExtraTrees { seed = 1 }, tune.spaces.ExtraTrees, Xs, ys,
        { n_particles = 2, iters = 1, cv = 2, seed = 1, progress = 0 })
      assert.is_true(r.best_params.n_estimators >= 50 and r.best_params.n_estimators <= 200)
      assert.is_true(r.best_params.max_depth >= 10 and r.best_params.max_depth <= 20)
      assert.is_true(r.best_model:is_fitted())
      assert.are.equal(r.best_params.n_estimators, r.best_model:params().n_estimators)
    end)
  end)

  describe("errors", function()
    local m = credo.DecisionTree {}
    it("names bad arguments", function()
      assert.has_error(function() tune.grid({}, { max_depth = { 1 } }, X, y) end,
        "bad argument #1 to 'tune.grid' (expected a model of the estimator protocol (clone, set_params, fit, predict_proba))")
      assert.has_error(function() tune.grid(m, { max_depth = {} }, X, y) end,
        "bad argument #2 to 'tune.grid' ('max_depth' must be a non-empty list of values)")
      assert.has_error(function() tune.grid(m, { max_depth = { 1 } }, X, y:narrow(1, 1, 10)) end,
        "bad argument #4 to 'tune.grid' (y has 10 labels but X has 240 rows)")
      assert.has_error(function() tune.grid(m, { max_depth = { 1 } }, X, y, { cv = 1 }) end,
        "bad argument #5 to 'tune.grid' (cv must be an integer >= 2, got 1)")
      assert.has_error(function() tune.grid(m, { max_depth = { 1 } }, X, y, { scoring = "auc" }) end,
        "bad argument #5 to 'tune.grid' (scoring must be 'roc_auc', 'accuracy', 'f1', 'neg_log_loss', 'brier' or a function, got auc)")
      assert.has_error(function() tune.random(m, { { name = "max_depth", low = 1, high = 3 } }, X, y, { n_iters = 3 }) end,
        "bad argument #5 to 'tune.random' (unknown option 'n_iters')")
      assert.has_error(function() tune.grid(m, { max_depth = { 1 } }, X, y, { shuffle = "x" }) end,
        "bad argument #5 to 'tune.grid' (shuffle must be true or false, got x)")
      assert.has_error(function() tune.grid(m, { max_depth = { 1 } }, X, y, { refit = 0 }) end,
        "bad argument #5 to 'tune.grid' (refit must be true or false, got 0)")
      assert.has_error(function() tune.pso(m, { { name = "x", values = {} } }, X, y) end,
        "bad argument #2 to 'tune.pso' (dimension 'x': values must be a non-empty list)")
    end)
    it("reports a bad hyperparameter from the model", function()
      local ok, err = pcall(tune.grid, m, { max_dpeth = { 1 } }, X, y, { progress = 0 })
      assert.is_false(ok)
      assert.matches("DecisionTree: unknown parameter 'max_dpeth'", err)
    end)
  end)
end)
