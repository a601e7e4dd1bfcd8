-- credo.ensemble (stdlib/credo/ensemble.lua, stdlib/credo/ensemble/):
-- voting and averaging against scikit-learn 1.2's VotingClassifier
-- (fixture from bench/peers/make_ensemble_fixtures.py), greedy weighting
-- against its definition (gwe-blendnet.txt, Section 3.3), stacking against
-- hand-built out-of-fold predictions, BlendNet's training and seeding, and
-- every error message word for word.
local credo = require "credo"
local json = require "json"
local estimator = require "credo.estimator"
local E = credo.ensemble

local fixture = json.read("tests/fixtures/ensemble_sklearn.json")

local list, matrix = json.list, json.matrix

local function max_abs(a, b) return (a:double() - b:double()):abs():max() end

local function sum(t) local s = 0; for _, v in ipairs(t) do s = s + v end; return s end

-- A binary problem whose positive-class columns come from one strong and
-- four noisy scorers with independent noise (logit = a * (2y - 1) + e).
local function strong_and_noisy(seed, n)
  local g = credo.Generator(seed)
  local y = g:rand(n):lt(0.4)
  local s = y:double():mul(2):sub(1)
  local cols = { s:mul(1.0):add(g:randn(n):double()):sigmoid() }
  for k = 2, 5 do cols[k] = s:mul(0.6):add(g:randn(n):double()):sigmoid() end
  return credo.stack(cols, 2), y
end

local function brier(p, y)
  local r = p:double() - y:double()
  return r:dot(r) / r:size(1)
end

-- Two informative features, three noise features; labels 0/1.
local function dataset(seed, n)
  local g = credo.Generator(seed)
  local X = g:randn(n, 5)
  local logit = X:select(2, 1):add(X:select(2, 2):mul(0.7)):add(g:randn(n):mul(0.7))
  return X, logit:gt(0)
end

-- A classifier of fixed probabilities: row X[i][1] of `proba` (spec only).
local Fixed = estimator.class("SpecEnsembleFixed", {
  proba = { required = true, type = "tensor" },
})
function Fixed:fit(X, y) self.state_ = { k = self.params_.proba:size(2) }; return self end
function Fixed:predict_proba(X)
  return self.params_.proba:index_select(1, X:select(2, 1):long():add(1))
end
function Fixed:predict(X) return self:predict_proba(X):argmax(2):sub(1) end

-- A meta-learner that records the matrix it was fitted on (spec only).
local Recorder = estimator.class("SpecEnsembleRecorder", {})
function Recorder:fit(X, y) self.state_ = { X = X:clone(), y = y:clone() }; return self end
function Recorder:predict_proba(X)
  local p = X:select(2, 1):double()
  return credo.stack({ 1 - p, p }, 2)
end
function Recorder:predict(X) return self:predict_proba(X):argmax(2):sub(1) end

describe("ensemble", function()
  describe("greedy_weights()", function()
    local P, y = strong_and_noisy(7, 2000)

    it("returns non-negative weights summing to 1", function()
      for _, method in ipairs { "coordinate", "gradient" } do
        local r = E.greedy_weights(P, y, { method = method })
        assert.are.equal(5, #r.weights)
        for _, w in ipairs(r.weights) do assert.is_true(w >= 0) end
        assert.is_true(math.abs(sum(r.weights) - 1) < 1e-12)
        assert.are.equal(method, r.method)
      end
    end)

    it("lowers the validation Brier below the best single model's", function()
      local best = math.huge
      for k = 1, 5 do best = math.min(best, brier(P:select(2, k), y)) end
      for _, method in ipairs { "coordinate", "gradient" } do
        local r = E.greedy_weights(P, y, { lambda = 1e-3, method = method })
        assert.is_true(r.brier < best - 1e-3, ("%s: %g vs best %g"):format(method, r.brier, best))
        -- the reported Brier is the blend's
        assert.is_true(math.abs(brier(E.blend(P, r.weights), y) - r.brier) < 1e-12)
      end
    end)

    it("reports the objective brier + lambda ||w||^2 and a non-increasing history", function()
      local r = E.greedy_weights(P, y, { lambda = 0.05 })
      local pen = 0
      for _, w in ipairs(r.weights) do pen = pen + w * w end
      assert.is_true(math.abs(r.loss - (r.brier + 0.05 * pen)) < 1e-12)
      assert.is_true(math.abs(r.penalty - pen) < 1e-12)
      -- entry 1: uniform weights
      local u = brier(P:mean(2), y) + 0.05 / 5
      assert.is_true(math.abs(r.loss_history[1] - u) < 1e-12)
      assert.are.equal(r.iterations + 1, #r.loss_history)
      for i = 2, #r.loss_history do
        assert.is_true(r.loss_history[i] <= r.loss_history[i - 1] + 1e-15)
      end
      assert.are.equal(r.loss, r.loss_history[#r.loss_history])
      assert.is_true(r.converged)
    end)

    it("moves the weights towards uniform as lambda grows", function()
      local prev = math.huge
      for _, lam in ipairs { 0, 1e-3, 0.01, 0.1, 1, 10 } do
        local r = E.greedy_weights(P, y, { lambda = lam })
        local d = 0
        for _, w in ipairs(r.weights) do d = d + (w - 0.2) ^ 2 end
        assert.is_true(d <= prev, ("lambda %g: distance %g after %g"):format(lam, d, prev))
        prev = d
      end
      assert.is_true(prev < 1e-20)     -- lambda = 10 keeps the uniform start
    end)

    it("stops at max_iter and reports it", function()
      local r = E.greedy_weights(P, y, { method = "gradient", lr = 1, max_iter = 3 })
      assert.are.equal(3, r.iterations)
      assert.is_false(r.converged)
    end)

    it("gives one model the weight 1", function()
      local r = E.greedy_weights(P:narrow(2, 1, 1), y)
      assert.are.same({ 1.0 }, r.weights)
    end)

    it("takes a list of (n) or (n, 2) columns as the matrix", function()
      local cols = {}
      for k = 1, 5 do
        local p = P:select(2, k)
        cols[k] = k % 2 == 0 and credo.stack({ 1 - p, p }, 2) or p:float()
      end
      local a = E.greedy_weights(P:float(), y)
      local b = E.greedy_weights(cols, y)
      assert.are.same(a.weights, b.weights)
    end)

    it("errors on bad input", function()
      assert.has_error(function() E.greedy_weights(P, y:narrow(1, 1, 10)) end,
        "bad argument #2 to 'greedy_weights' (y has 10 labels but P has 2000 rows)")
      assert.has_error(function() E.greedy_weights({}, y) end,
        "bad argument #1 to 'greedy_weights' (no models: the list of prediction columns is empty)")
      assert.has_error(function() E.greedy_weights(P, y, { lambda = -1 }) end,
        "bad argument #3 to 'greedy_weights' (lambda must be a finite number >= 0, got -1)")
      assert.has_error(function() E.greedy_weights(P:mul(2), y) end,
        "bad argument #1 to 'greedy_weights' (probabilities must be in [0, 1])")
      assert.has_error(function() E.greedy_weights(P, credo.full({ 2000 }, 3, "int64")) end,
        "bad argument #2 to 'greedy_weights' (labels must be 0 or 1, found 3 at row 1)")
      assert.has_error(function() E.greedy_weights(P, y, { lr = 0.1 }) end,
        "bad argument #3 to 'greedy_weights' (lr is the step of method = 'gradient' (the coordinate search takes a grid))")
      assert.has_error(function() E.greedy_weights(P, y, { lamda = 1 }) end,
        "bad argument #3 to 'greedy_weights' (unknown option 'lamda')")
      assert.has_error(function() E.greedy_weights(P, y, { max_iter = 0 }) end,
        "bad argument #3 to 'greedy_weights' (max_iter must be an integer >= 1, got 0)")
      assert.has_error(function() E.greedy_weights({ P:select(2, 1), P:narrow(1, 1, 5):select(2, 1) }, y) end,
        "bad argument #1 to 'greedy_weights' (element 2 has 5 rows but element 1 has 2000)")
    end)
  end)

  describe("vote() and average()", function()
    it("equal hand computations", function()
      local L = credo.tensor({ { 0, 1, 1 }, { 2, 0, 2 }, { 0, 1, 2 } }, "int64")
      assert.are.same({ 1, 2, 0 }, (E.vote(L)):totable())              -- tie -> smallest
      assert.are.same({ 0, 2, 0 }, (E.vote(L, { weights = { 3, 1, 1 } })):totable())
      local _, counts = E.vote(L, { weights = { 3, 1, 1 } })
      assert.are.same({ { 3, 2, 0 }, { 1, 0, 4 }, { 3, 1, 1 } }, counts:totable())
      local a = credo.tensor({ { 0.2, 0.8 }, { 0.6, 0.4 } })
      local b = credo.tensor({ { 0.4, 0.6 }, { 0.1, 0.9 } })
      local m = E.average({ a, b }, { weights = { 1, 3 } })
      assert.is_true(max_abs(m, credo.tensor({ { 0.35, 0.65 }, { 0.225, 0.775 } }, "float64")) < 1e-7)
      local cols = credo.tensor({ { 0.8, 0.6 }, { 0.4, 0.9 } })
      assert.is_true(max_abs(E.average(cols), credo.tensor({ 0.7, 0.65 })) < 1e-7)
    end)

    it("match scikit-learn's VotingClassifier on the fixture", function()
      for _, c in ipairs(list(fixture.cases)) do
        local probas, labels = {}, {}
        for k, p in ipairs(list(c.probas)) do
          probas[k] = matrix(p)
          labels[k] = probas[k]:argmax(2):sub(1)
        end
        local w = c.weights ~= json.null and list(c.weights) or nil
        local soft = E.average(probas, { weights = w })
        assert.is_true(max_abs(soft, matrix(c.soft_proba)) < 1e-12, c.name)
        assert.are.same(list(c.soft_predict), soft:argmax(2):sub(1):totable(), c.name)
        local hard = E.vote(labels, { weights = w, n_classes = probas[1]:size(2) })
        assert.are.same(list(c.hard_predict), hard:totable(), c.name)
      end
    end)

    it("errors on bad input", function()
      assert.has_error(function() E.vote({}) end,
        "bad argument #1 to 'vote' (no models: the list of label columns is empty)")
      assert.has_error(function() E.vote(credo.tensor({ { 0, 1 } }, "int64"), { weights = { 1 } }) end,
        "bad argument #2 to 'vote' (weights has 1 entries but there are 2 models)")
      assert.has_error(function() E.average({ credo.zeros(2, 2), credo.zeros(3, 2) }) end,
        "bad argument #1 to 'average' (element 2 has shape [3,2] but element 1 has shape [2,2])")
      assert.has_error(function() E.average({ credo.zeros(2, 2) }, { weights = { -1 } }) end,
        "bad argument #2 to 'average' (weights[1] must be a finite number >= 0, got -1)")
    end)
  end)

  describe("VotingClassifier", function()
    local X, y = dataset(3, 300)

    it("matches scikit-learn on fixed probability models", function()
      for _, c in ipairs(list(fixture.cases)) do
        local ests = {}
        for k, p in ipairs(list(c.probas)) do ests[k] = Fixed { proba = matrix(p) } end
        local n = c.y.n
        local Xi = credo.arange(n):double():view(n, 1)
        local yi = credo.tensor(list(c.y), "int64")
        local w = c.weights ~= json.null and list(c.weights) or nil
        local soft = E.VotingClassifier { estimators = ests, voting = "soft", weights = w }:fit(Xi, yi)
        local hard = E.VotingClassifier { estimators = ests, voting = "hard", weights = w }:fit(Xi, yi)
        assert.is_true(max_abs(soft:predict_proba(Xi), matrix(c.soft_proba)) < 1e-12, c.name)
        assert.are.same(list(c.soft_predict), soft:predict(Xi):totable(), c.name)
        assert.are.same(list(c.hard_predict), hard:predict(Xi):totable(), c.name)
      end
    end)

    it("averages its fitted models' probabilities with the weights", function()
      local v = E.VotingClassifier { estimators = { credo.DecisionTree { max_depth = 3 },
        credo.RandomForest { n_estimators = 10 }, credo.ExtraTrees { n_estimators = 10 } },
        voting = "soft", weights = { 1, 2, 1 } }:fit(X, y)
      local m = v:estimators()
      local ref = (m[1]:predict_proba(X) + m[2]:predict_proba(X) * 2 + m[3]:predict_proba(X)) / 4
      assert.is_true(max_abs(v:predict_proba(X), ref) < 1e-12)
    end)

    it("saves, loads and clones", function()
      local v = E.VotingClassifier { estimators = { credo.DecisionTree { max_depth = 3 },
        credo.GBDT { n_estimators = 5 } }, voting = "soft" }:fit(X, y)
      local s = credo.serialize.loads(credo.serialize.dumps(v:get_state()))
      local v2 = estimator.from_state(s)
      assert.are.equal(0, max_abs(v2:predict_proba(X), v:predict_proba(X)))
      local c = v:clone()
      assert.is_false(c:is_fitted())
      assert.is_false(c:params().estimators[1]:is_fitted())
      assert.are.equal("VotingClassifier(estimators={DecisionTree, GBDT}, prefit=false, voting='soft') [unfitted]",
        tostring(c))
    end)

    it("passes sample weights to the base models", function()
      local spec = { estimators = { credo.RandomForest { n_estimators = 5 } }, voting = "soft" }
      local a = E.VotingClassifier(spec):fit(X, y, { sample_weight = credo.ones(300) })
      local b = E.VotingClassifier(spec):fit(X, y)
      local w = credo.ones(300); w:narrow(1, 1, 150):fill_(3)
      local c = E.VotingClassifier(spec):fit(X, y, { sample_weight = w })
      assert.are.equal(0, max_abs(a:predict_proba(X), b:predict_proba(X)))
      assert.is_true(max_abs(c:predict_proba(X), b:predict_proba(X)) > 0)
      assert.has_error(function() E.VotingClassifier(spec):fit(X, y, { sample_weight = credo.ones(3) }) end,
        "bad argument #3 to 'fit' (sample_weight must be a 1-d float tensor of 300 weights)")
    end)

    it("uses prefit models as they are", function()
      local t = credo.DecisionTree { max_depth = 2 }:fit(X, y)
      local v = E.VotingClassifier { estimators = { t }, prefit = true, voting = "soft" }:fit(X, y)
      assert.are.equal(t, v:estimators()[1])
      assert.has_error(function()
        E.VotingClassifier { estimators = { credo.DecisionTree {} }, prefit = true }:fit(X, y)
      end, "VotingClassifier:fit: prefit = true but estimator 1 is not fitted")
    end)

    it("errors on bad input", function()
      assert.has_error(function() E.VotingClassifier { estimators = {} } end,
        "VotingClassifier: parameter 'estimators' must be a non-empty list of estimators (no models given)")
      assert.has_error(function() E.VotingClassifier {} end,
        "VotingClassifier: parameter 'estimators' is required")
      assert.has_error(function() E.VotingClassifier { estimators = { credo.DecisionTree {}, 3 } } end,
        "VotingClassifier: parameter 'estimators' entry 2 is not an estimator (got number)")
      assert.has_error(function()
        E.VotingClassifier { estimators = { credo.DecisionTree {} }, weights = { 1, 2 } }
      end, "VotingClassifier: parameter 'weights' has 2 entries but there are 1 estimators")
      local v = E.VotingClassifier { estimators = { credo.DecisionTree {} } }
      assert.has_error(function() v:fit(X, y:narrow(1, 1, 10)) end,
        "bad argument #2 to 'fit' (y has 10 labels but there are 300 rows)")
      v:fit(X, y)
      assert.has_error(function() v:predict_proba(X) end,
        "VotingClassifier:predict_proba: not available when voting = 'hard' (use voting = 'soft')")
    end)
  end)

  describe("StackingClassifier", function()
    it("feeds the meta-learner only out-of-fold predictions", function()
      -- labels independent of X: a depth-unlimited tree memorises them
      -- (in-sample accuracy 1), so in-fold predictions would equal y
      local g = credo.Generator(11)
      local X = g:randn(200, 4)
      local y = g:rand(200):lt(0.5)
      local tree = credo.DecisionTree {}
      assert.are.equal(1.0, credo.metrics.accuracy(y, tree:clone():fit(X, y):predict(X)))
      local s = E.StackingClassifier { estimators = { tree }, final_estimator = Recorder {},
                                       cv = 4, seed = 5 }:fit(X, y)
      local seen = s:final_estimator().state_.X
      assert.are.same({ 200, 1 }, seen:size())
      -- the same folds by hand
      local ref = credo.zeros({ 200, 1 }, "float64")
      for _, f in ipairs(credo.split.stratified_kfold(y, 4, { shuffle = true, seed = 5 })) do
        local m = tree:clone():fit(X:index_select(1, f.train), y:index_select(1, f.train))
        ref:index_copy_(1, f.test, m:predict_proba(X:index_select(1, f.test)):narrow(2, 2, 1):double())
      end
      assert.are.equal(0, max_abs(seen, ref))
      assert.are.equal(0, max_abs(s:oof_predictions(), ref))
      -- and they carry no label information
      local acc = credo.metrics.accuracy(y, seen:select(2, 1):gt(0.5))
      assert.is_true(acc < 0.7, "out-of-fold accuracy " .. acc)
      -- while predict uses the tree refitted on all rows
      assert.are.equal(1.0, credo.metrics.accuracy(y, s:predict(X)))
    end)

    it("stacks C columns per model for C classes, and X with passthrough", function()
      local g = credo.Generator(2)
      local X = g:randn(150, 3)
      local y = credo.arange(150):remainder(3)
      local s = E.StackingClassifier { estimators = { credo.DecisionTree { max_depth = 2 },
        credo.ExtraTrees { n_estimators = 5 } }, final_estimator = credo.DecisionTree { max_depth = 3 },
        passthrough = true, cv = 3 }:fit(X, y)
      assert.are.same({ 150, 9 }, s:transform(X):size())
      assert.are.equal(0, max_abs(s:transform(X):narrow(2, 7, 3), X))
      assert.are.same({ 150, 3 }, s:predict_proba(X):size())
      local sp = E.StackingClassifier { estimators = { credo.DecisionTree { max_depth = 2 } },
        final_estimator = credo.DecisionTree {}, stack_method = "predict", cv = 3 }:fit(X, y)
      assert.are.same({ 150, 1 }, sp:oof_predictions():size())
    end)

    it("is reproducible with a seed and survives save/load", function()
      local X, y = dataset(5, 200)
      local spec = { estimators = { credo.RandomForest { n_estimators = 10, seed = 3 },
                                    credo.DecisionTree { max_depth = 4 } },
                     final_estimator = credo.DecisionTree { max_depth = 2 }, seed = 9 }
      local a = E.StackingClassifier(spec):fit(X, y)
      local b = a:clone():fit(X, y)
      assert.are.equal(0, max_abs(a:oof_predictions(), b:oof_predictions()))
      local c = estimator.from_state(credo.serialize.loads(credo.serialize.dumps(a:get_state())))
      assert.are.equal(0, max_abs(c:predict_proba(X), a:predict_proba(X)))
    end)

    it("errors on bad input", function()
      assert.has_error(function() E.StackingClassifier { estimators = { credo.DecisionTree {} } } end,
        "StackingClassifier: parameter 'final_estimator' is required")
      assert.has_error(function()
        E.StackingClassifier { estimators = { credo.DecisionTree {} }, final_estimator = credo.DecisionTree {}, cv = 1 }
      end, "StackingClassifier: parameter 'cv' must be >= 2 (got 1)")
      local X = credo.zeros(20, 2)
      local y = credo.arange(20):remainder(2)
      assert.has_error(function()
        E.StackingClassifier { estimators = { credo.DecisionTree {} }, final_estimator = credo.DecisionTree {},
                               cv = 15 }:fit(X, y)
      end, "StackingClassifier:fit: cv = 15 folds but class 0 has only 10 rows (stratified K-fold needs at least cv rows of each class)")
      assert.has_error(function()
        E.StackingClassifier { estimators = { credo.DecisionTree {} }, final_estimator = credo.DecisionTree {} }
          :fit(X, y:double())
      end, "bad argument #2 to 'fit' (expected a 1-d int64 tensor of class labels, got float64 [20])")
    end)
  end)

  describe("GreedyWeightedClassifier", function()
    local X, y = dataset(21, 400)
    local Xv, yv = dataset(22, 300)
    local ests = { credo.DecisionTree { max_depth = 1 }, credo.RandomForest { n_estimators = 15, seed = 1 },
                   credo.GBDT { n_estimators = 15 } }

    it("weights the models by greedy_weights on the validation predictions", function()
      local m = E.GreedyWeightedClassifier { estimators = ests, lambda = 0.01 }:fit(X, y, { eval_set = { Xv, yv } })
      local r = E.greedy_weights(E.predict_columns(m:estimators(), Xv), yv, { lambda = 0.01 })
      assert.are.same(r.weights, m:weights())
      assert.are.same(r.loss_history, m:result().loss_history)
      local p = E.blend(E.predict_columns(m:estimators(), X), r.weights)
      assert.is_true(max_abs(m:predict_proba(X):select(2, 2), p) < 1e-15)
      assert.is_true(max_abs(m:predict_proba(X):sum(2), credo.ones(400)) < 1e-12)
    end)

    it("uses out-of-fold predictions without validation data, and loads back", function()
      local m = E.GreedyWeightedClassifier { estimators = ests, cv = 3, seed = 4 }:fit(X, y)
      assert.is_true(math.abs(sum(m:weights()) - 1) < 1e-12)
      local c = estimator.from_state(credo.serialize.loads(credo.serialize.dumps(m:get_state())))
      assert.are.equal(0, max_abs(c:predict_proba(Xv), m:predict_proba(Xv)))
    end)

    it("weights prefit models on eval_set, and set_params takes estimators", function()
      local fitted = {}
      for k, e in ipairs(ests) do fitted[k] = e:clone():fit(X, y) end
      local m = E.GreedyWeightedClassifier { estimators = fitted, prefit = true }:fit(X, y, { eval_set = { Xv, yv } })
      assert.are.equal(fitted[2], m:estimators()[2])
      assert.are.same(E.greedy_weights(E.predict_columns(fitted, Xv), yv).weights, m:weights())
      assert.has_error(function() E.GreedyWeightedClassifier { estimators = fitted, prefit = true }:fit(X, y) end,
        "GreedyWeightedClassifier:fit: prefit = true needs validation data: fit(X, y, { eval_set = { X_val, y_val } })")
      m:set_params { estimators = { ests[1]:get_state() }, prefit = false }
      assert.is_false(m:is_fitted())
      assert.are.equal("DecisionTree", getmetatable(m:params().estimators[1]).__name)
      m:fit(X, y, { eval_set = { Xv, yv } })
      assert.are.same({ 1.0 }, m:weights())
    end)

    it("errors on bad input", function()
      assert.has_error(function() E.GreedyWeightedClassifier { estimators = ests, lambda = -1 } end,
        "GreedyWeightedClassifier: parameter 'lambda' must be a finite number >= 0 (got -1)")
      assert.has_error(function() E.GreedyWeightedClassifier { estimators = ests, lr = 1 } end,
        "GreedyWeightedClassifier: parameter 'lr' is the step of method = 'gradient'")
      local y3 = credo.arange(400):remainder(3)
      assert.has_error(function() E.GreedyWeightedClassifier { estimators = ests }:fit(X, y3) end,
        "GreedyWeightedClassifier:fit: greedy weighting is for binary labels (the Brier loss on P(y = 1)); y has 3 classes")
      assert.has_error(function()
        E.GreedyWeightedClassifier { estimators = ests }:fit(X, y, { eval_set = { Xv:narrow(2, 1, 2), yv } })
      end, "bad argument #3 to 'fit' (eval_set X has 2 columns but X has 5)")
    end)
  end)

  describe("BlendNet", function()
    local P, y = strong_and_noisy(31, 600)

    it("trains: the loss decreases", function()
      local b = E.BlendNet { epochs = 15, batch_size = 64, seed = 1 }:fit(P, y)
      local h = b:history()
      assert.are.equal(15, #h)
      assert.is_true(h[15] < h[1] * 0.9, ("loss %g -> %g"):format(h[1], h[15]))
      local p = b:predict_proba(P)
      assert.are.same({ 600, 2 }, p:size())
      assert.is_true(credo.metrics.roc_auc(y, p:select(2, 2)) > 0.8)
    end)

    it("is reproducible with a seed", function()
      local a = E.BlendNet { epochs = 3, batch_size = 100, seed = 4 }:fit(P, y)
      local b = E.BlendNet { epochs = 3, batch_size = 100, seed = 4 }:fit(P, y)
      local c = E.BlendNet { epochs = 3, batch_size = 100, seed = 5 }:fit(P, y)
      assert.are.equal(0, max_abs(a:predict_proba(P), b:predict_proba(P)))
      assert.are.same(a:history(), b:history())
      assert.is_true(max_abs(a:predict_proba(P), c:predict_proba(P)) > 1e-4)
      local before = credo.threads()
      credo.threads(1)
      local one = E.BlendNet { epochs = 3, batch_size = 100, seed = 4 }:fit(P, y)
      credo.threads(2)
      local two = E.BlendNet { epochs = 3, batch_size = 100, seed = 4 }:fit(P, y)
      credo.threads(before)
      assert.are.equal(0, max_abs(one:predict_proba(P), two:predict_proba(P)))
    end)

    it("feeds the weighted and unweighted ensemble outputs", function()
      local b = E.BlendNet { epochs = 1, batch_size = 200, greedy = { lambda = 0.01 } }:fit(P, y)
      assert.are.same(E.greedy_weights(P, y, { lambda = 0.01 }).weights, b:weights())
      local first = b:network():get(1)
      assert.are.same({ 64, 7 }, first.weight:size())          -- 5 columns + 2
      local fixed = E.BlendNet { epochs = 1, batch_size = 200, weights = { 1, 0, 0, 0, 0 } }:fit(P, y)
      assert.are.same({ 1, 0, 0, 0, 0 }, fixed:weights())
    end)

    it("saves, loads and works as a stacking meta-learner", function()
      local b = E.BlendNet { epochs = 2, batch_size = 128 }:fit(P, y)
      local c = estimator.from_state(credo.serialize.loads(credo.serialize.dumps(b:get_state())))
      assert.are.equal(0, max_abs(c:predict_proba(P), b:predict_proba(P)))
      local X, yy = dataset(8, 240)
      local s = E.StackingClassifier { estimators = { credo.DecisionTree { max_depth = 3 },
        credo.ExtraTrees { n_estimators = 10 } }, final_estimator = E.BlendNet { epochs = 2, batch_size = 64 },
        cv = 3 }:fit(X, yy)
      assert.are.same({ 240, 2 }, s:predict_proba(X):size())
    end)

    it("leaves out a last batch of one row", function()
      local b = E.BlendNet { epochs = 1, batch_size = 599 }:fit(P, y)
      assert.are.equal(1, b.state_.dropped_rows)
    end)

    it("errors on bad input", function()
      assert.has_error(function() E.BlendNet { hidden = { 8, 4 } } end,
        "BlendNet: parameter 'hidden' must list 3 layer sizes (got 2)")
      assert.has_error(function() E.BlendNet { dropout = 1 } end,
        "BlendNet: parameter 'dropout' must be < 1 (got 1)")
      assert.has_error(function() E.BlendNet { greedy = { lambda = -1 } } end,
        "BlendNet: parameter 'greedy' is invalid: bad argument #3 to 'greedy_weights' (lambda must be a finite number >= 0, got -1)")
      local b = E.BlendNet { epochs = 1 }
      assert.has_error(function() b:fit(P:mul(3), y) end,
        "bad argument #1 to 'fit' (the first 5 columns of X must be probabilities in [0, 1] (set n_predictions for extra feature columns))")
      assert.has_error(function() b:fit(P, credo.arange(600):remainder(3)) end,
        "BlendNet:fit: the meta-learner is binary (one sigmoid output); y has 3 classes")
      assert.has_error(function() E.BlendNet { n_predictions = 9 }:fit(P, y) end,
        "BlendNet:fit: n_predictions = 9 but X has 5 columns")
      assert.has_error(function() E.BlendNet { weights = { 1, 1 } }:fit(P, y) end,
        "BlendNet:fit: parameter 'weights' has 2 entries but X has 5 prediction columns")
      assert.has_error(function() b:predict_proba(P) end,
        "BlendNet:predict_proba: model is not fitted (call fit first)")
    end)
  end)

  it("is reachable as credo.ensemble and loads through credo.load", function()
    assert.are.equal(E, require "credo.ensemble")
    for _, name in ipairs { "VotingClassifier", "StackingClassifier", "GreedyWeightedClassifier", "BlendNet" } do
      assert.are.equal("credo.ensemble", estimator.modules[name])
      assert.is_truthy(estimator.registry[name])
    end
  end)
end)
