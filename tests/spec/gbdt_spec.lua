-- credo.GBDT: the depth-wise histogram booster (stdlib/credo/gbdt.lua,
-- natives/gbdt).  Parity fixtures come from bench/peers/make_gbdt_fixtures.py
-- (XGBoost 1.7 hist); everything else is checked against properties that
-- hold exactly.
local credo = require "credo"
local json = require "json"

local GBDT = credo.GBDT

local fixture = json.read("tests/fixtures/gbdt_xgb.json")
local peers = json.read("tests/fixtures/gbdt_peers.json")

local function matrix(m)
  local t = {}
  for i = 1, m.data.n do
    local v = m.data[i]
    t[i] = v == json.null and 0 / 0 or v
  end
  return credo.tensor(t):reshape(m.shape[1], m.shape[2])
end

local function vector(a, dtype)
  local t = {}
  for i = 1, a.n do t[i] = a[i] end
  return credo.tensor(t, dtype)
end

local function max_abs_diff(t, ref)
  local worst = 0
  for i = 1, ref.n do
    local d = math.abs(t:get(i) - ref[i])
    if not (d <= worst) then worst = d end
  end
  return worst
end

-- A deterministic synthetic problem: n rows, d features uniform in [-2, 2]
-- (a tenth of feature 3 missing); the label depends on features 1 and 2.
local function synthetic(n, d, seed)
  local s = seed or 12345
  local function u()
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  end
  local X, y = {}, {}
  for i = 1, n do
    local row = {}
    for j = 1, d do row[j] = 4 * u() - 2 end
    if d >= 3 and u() < 0.1 then row[3] = 0 / 0 end
    local z = 2 * row[1] - 1.5 * (row[2] > 0.5 and 1 or 0) + (u() - 0.5) * 2
    X[i] = row
    y[i] = z > 0 and 1 or 0
  end
  return credo.tensor(X), credo.tensor(y, "int64")
end

local function same_values(a, b)
  if a:numel() ~= b:numel() then return false end
  for i = 1, a:numel() do
    local x, y = a:get(i), b:get(i)
    if x ~= y and not (x ~= x and y ~= y) then return false end
  end
  return true
end

describe("GBDT", function()
  local X = matrix(fixture.X)
  local Xt = matrix(fixture.X_test)

  describe("parity with XGBoost 1.7 hist", function()
    for _, c in ipairs(fixture.configs) do
      it("matches training and held-out margins: " .. c.name, function()
        local m = GBDT(c.params)
        local opts = c.weighted and { sample_weight = vector(fixture.w) } or nil
        m:fit(X, vector(fixture[c.label]), opts)
        local d_train = max_abs_diff(m:decision_function(X), c.margin)
        local d_test = max_abs_diff(m:decision_function(Xt), c.margin_test)
        print(("    %-22s max |diff| train %.3g, held-out %.3g"):format(c.name, d_train, d_test))
        assert.is_true(d_train <= 1e-4)
        assert.is_true(d_test <= 1e-4)
      end)
    end

    it("tells configurations apart (the check can fail)", function()
      local a, b = fixture.configs[1], fixture.configs[2]
      local m = GBDT(a.params):fit(X, vector(fixture[a.label]))
      assert.is_true(max_abs_diff(m:decision_function(X), b.margin) > 1e-2)
    end)
  end)

  describe("construction", function()
    it("fills XGBoost's defaults", function()
      local p = GBDT():params()
      assert.are.equal(100, p.n_estimators)
      assert.are.equal(6, p.max_depth)
      assert.are.equal(0.3, p.learning_rate)
      assert.are.equal(1, p.reg_lambda)
      assert.are.equal(0.5, p.base_score)
      assert.are.equal("depthwise", p.growth)
      assert.are.equal(255, p.max_bin)
    end)

    it("errors on an unknown parameter", function()
      assert.has_error(function() GBDT { max_dpeth = 3 } end,
        "GBDT: unknown parameter 'max_dpeth'")
    end)

    it("accepts the three growth policies and no other", function()
      assert.are.equal("leafwise", GBDT { growth = "leafwise" }:params().growth)
      assert.are.equal("oblivious", GBDT { growth = "oblivious" }:params().growth)
      assert.has_error(function() GBDT { growth = "sideways" } end,
        "GBDT: parameter 'growth' must be one of depthwise, leafwise, oblivious (got 'sideways')")
    end)

    it("checks parameters against the growth policy", function()
      assert.has_error(function() GBDT { growth = "oblivious", max_depth = 17 } end,
        "GBDT: parameter 'max_depth' must be <= 16 for oblivious growth (got 17)")
      assert.has_error(function() GBDT { growth = "leafwise", max_depth = 0 } end,
        "GBDT: parameter 'max_depth' must be -1 (no limit) or >= 1 for leafwise growth (got 0)")
      assert.has_error(function() GBDT { max_depth = -1 } end,
        "GBDT: parameter 'max_depth' must be >= 1 (got -1)")
      assert.has_error(function() GBDT { min_child_samples = 5 } end,
        "GBDT: parameter 'min_child_samples' needs growth = \"leafwise\"")
      assert.has_error(function() GBDT { growth = "oblivious", max_leaves = 8 } end,
        "GBDT: parameter 'max_leaves' must be 0 for oblivious growth (depth k gives 2^k leaves)")
      assert.has_error(function() GBDT { growth = "leafwise", max_leaves = 1 } end,
        "GBDT: parameter 'max_leaves' must be 0 (31), -1 (2^max_depth) or >= 2 for leafwise growth")
      assert.has_error(function() GBDT { growth = "leafwise", max_leaves = -1, max_depth = -1 } end,
        "GBDT: parameter 'max_leaves' = -1 (2^max_depth leaves) needs 'max_depth' in [1, 20] for leafwise growth (got -1)")
      assert.has_error(function() GBDT { base_score = "median" } end,
        "GBDT: parameter 'base_score' must be a number or \"mean\"")
      assert.has_error(function() GBDT { cat_features = { 1.5 } } end,
        "GBDT: parameter 'cat_features' must list column indices or names")
    end)

    it("errors on nonsensical values", function()
      assert.has_error(function() GBDT { learning_rate = 0 } end,
        "GBDT: parameter 'learning_rate' must be > 0 (got 0)")
      assert.has_error(function() GBDT { max_bin = 256 } end,
        "GBDT: parameter 'max_bin' must be <= 255 (got 256)")
      assert.has_error(function() GBDT { subsample = 1.5 } end,
        "GBDT: parameter 'subsample' must be <= 1 (got 1.5)")
      assert.has_error(function() GBDT { max_depth = 0 } end,
        "GBDT: parameter 'max_depth' must be >= 1 (got 0)")
      assert.has_error(function() GBDT { base_score = 1.5 } end,
        "GBDT: parameter 'base_score' must be in (0, 1) for binary:logistic (got 1.5)")
      assert.has_error(function() GBDT { reg_lambda = 0, min_child_weight = 0 } end,
        "GBDT: parameters 'reg_lambda' and 'min_child_weight' cannot both be 0")
      assert.has_error(function() GBDT { eval_metric = "mape" } end,
        "GBDT: parameter 'eval_metric' names an unknown metric 'mape' (logloss, auc, error, rmse)")
      assert.has_error(function() GBDT { objective = "multi:softmax" } end)
    end)

    it("prints its parameters", function()
      assert.matches("^GBDT%(.*max_depth=3.*%) %[unfitted%]$", tostring(GBDT { max_depth = 3 }))
    end)
  end)

  describe("fit()", function()
    local Xs, ys = synthetic(400, 4)

    it("returns self and learns", function()
      local m = GBDT { n_estimators = 20, max_depth = 3 }
      assert.are.equal(m, m:fit(Xs, ys))
      assert.is_true(m:is_fitted())
      local correct = 0
      local pred = m:predict(Xs)
      for i = 1, 400 do correct = correct + (pred:get(i) == ys:get(i) and 1 or 0) end
      assert.is_true(correct / 400 > 0.85)
    end)

    it("accepts float labels and int64 labels alike", function()
      local a = GBDT { n_estimators = 5 }:fit(Xs, ys)
      local b = GBDT { n_estimators = 5 }:fit(Xs, ys:float())
      assert.is_true(same_values(a:decision_function(Xs), b:decision_function(Xs)))
    end)

    it("errors on NaN labels", function()
      local y = credo.tensor({ 0, 1, 0 / 0, 1 })
      assert.has_error(function()
        GBDT():fit(credo.zeros(4, 2), y)
      end, "bad argument #2 to 'fit' (y has NaN at index 3)")
    end)

    it("errors on labels that are not 0/1 for binary:logistic", function()
      assert.has_error(function()
        GBDT():fit(credo.zeros(3, 2), credo.tensor({ 0, 1, 2 }))
      end, "bad argument #2 to 'fit' (y must hold 0/1 labels for binary:logistic "
        .. "(found 2.0 at index 3))")
    end)

    it("errors on a single class", function()
      assert.has_error(function()
        GBDT():fit(credo.zeros(3, 2), credo.tensor({ 1, 1, 1 }))
      end, "bad argument #2 to 'fit' (y has a single class (1); binary:logistic needs "
        .. "both 0 and 1)")
    end)

    it("errors on zero rows and on shapes that do not match", function()
      assert.has_error(function()
        GBDT():fit(credo.zeros(0, 2), credo.zeros(0))
      end, "bad argument #1 to 'fit' (X has no rows)")
      assert.has_error(function()
        GBDT():fit(credo.zeros(4), credo.zeros(4))
      end, "bad argument #1 to 'fit' (X must be a 2-d tensor (got shape [4]))")
      assert.has_error(function()
        GBDT():fit(credo.zeros(4, 2), credo.tensor({ 0, 1, 0 }))
      end, "bad argument #2 to 'fit' (y must be a 1-d tensor of 4 values (got shape [3]))")
    end)

    it("errors on infinite features", function()
      local Xi = credo.zeros(2, 2)
      Xi:set(2, 1, math.huge)
      assert.has_error(function()
        GBDT():fit(Xi, credo.tensor({ 0, 1 }))
      end, "bad argument #1 to 'fit' (X has an infinite value at row 2, column 1 (use NaN "
        .. "for missing values))")
    end)

    it("errors on bad options", function()
      assert.has_error(function()
        GBDT():fit(Xs, ys, { sample_weights = 1 })
      end, "bad argument #3 to 'fit' (unknown option 'sample_weights')")
      local w = credo.ones(400)
      w:set(7, -1)
      assert.has_error(function()
        GBDT():fit(Xs, ys, { sample_weight = w })
      end, "bad argument #3 to 'fit' (sample_weight must be finite and >= 0 (index 7))")
      assert.has_error(function()
        GBDT { early_stopping_rounds = 3 }:fit(Xs, ys)
      end, "bad argument #3 to 'fit' (early_stopping_rounds needs an eval_set)")
      assert.has_error(function()
        GBDT():fit(Xs, ys, { eval_set = { credo.zeros(5, 3), credo.zeros(5) } })
      end, "bad argument #3 to 'fit' (eval_set[1] has 3 columns, X has 4)")
    end)

    it("uses row weights (a zero weight removes a row)", function()
      local Xd = credo.tensor({ { 0 }, { 1 }, { 2 }, { 3 } })
      local y = credo.tensor({ 0, 1, 0, 1 })
      local w = credo.tensor({ 1, 1, 0, 1 })
      local p = { n_estimators = 1, max_depth = 1, min_child_weight = 0, learning_rate = 1 }
      local a = GBDT(p):fit(Xd, y, { sample_weight = w })
      local Xe = credo.tensor({ { 0 }, { 1 }, { 3 } })
      local b = GBDT(p):fit(Xe, credo.tensor({ 0, 1, 1 }))
      assert.is_true(same_values(a:decision_function(Xe), b:decision_function(Xe)))
    end)
  end)

  describe("predict()", function()
    local Xs, ys = synthetic(300, 4, 7)
    local m = GBDT { n_estimators = 15, max_depth = 3 }:fit(Xs, ys)

    it("gives labels from probabilities above 0.5", function()
      local p, c = m:predict_proba(Xs), m:predict(Xs)
      assert.are.equal("int64", c:dtype())
      assert.are.same({ 300, 2 }, { p:size(1), p:size(2) })
      for i = 1, 300 do
        assert.is_true(math.abs(p:get(i, 1) + p:get(i, 2) - 1) < 1e-6)
        assert.are.equal(p:get(i, 2) > 0.5 and 1 or 0, c:get(i))
      end
    end)

    it("sends NaN down the learned default direction", function()
      local row = credo.tensor({ { 0 / 0, 0 / 0, 0 / 0, 0 / 0 } })
      local v = m:decision_function(row):get(1)
      assert.is_true(v == v)
    end)

    it("errors on a feature-count mismatch", function()
      assert.has_error(function() m:predict(credo.zeros(3, 5)) end,
        "bad argument #1 to 'predict' (X has 5 columns, the model was fitted on 4)")
    end)

    it("errors before fit", function()
      assert.has_error(function() GBDT():predict(Xs) end,
        "GBDT:predict: model is not fitted (call fit first)")
    end)

    it("errors on predict_proba for regression", function()
      local r = GBDT { objective = "reg:squarederror", n_estimators = 2 }:fit(Xs, ys:float())
      assert.has_error(function() r:predict_proba(Xs) end,
        "GBDT:predict_proba: needs objective 'binary:logistic'")
    end)

    it("uses the first ntrees trees when asked", function()
      local first = m:decision_function(Xs, { ntrees = 1 })
      local one = GBDT { n_estimators = 1, max_depth = 3 }:fit(Xs, ys)
      assert.is_true(same_values(first, one:decision_function(Xs)))
    end)
  end)

  describe("reproducibility", function()
    local Xs, ys = synthetic(3000, 6, 99)
    local p = { n_estimators = 10, max_depth = 4, subsample = 0.7, colsample_bytree = 0.6,
                seed = 5 }

    it("gives the same bits for the same seed and any thread count", function()
      local n0 = credo.threads()
      credo.threads(1)
      local a = GBDT(p):fit(Xs, ys):decision_function(Xs)
      credo.threads(2)
      local b = GBDT(p):fit(Xs, ys):decision_function(Xs)
      credo.threads(n0)
      assert.is_true(same_values(a, b))
    end)

    it("changes with the seed", function()
      local a = GBDT(p):fit(Xs, ys):decision_function(Xs)
      p.seed = 6
      local b = GBDT(p):fit(Xs, ys):decision_function(Xs)
      p.seed = 5
      assert.is_false(same_values(a, b))
    end)
  end)

  describe("early stopping", function()
    local Xs, ys = synthetic(600, 4, 3)
    local Xv, yv = synthetic(300, 4, 4)

    it("keeps the best round and records the history", function()
      local m = GBDT { n_estimators = 200, max_depth = 6, learning_rate = 0.5,
                       early_stopping_rounds = 5, eval_metric = { "auc", "logloss" } }
      m:fit(Xs, ys, { eval_set = { Xv, yv } })
      local h = m:evals_result()[1]
      local rounds = h.logloss:numel()
      local best = m:best_iteration()
      assert.is_true(rounds < 200)
      assert.are.equal(rounds, best + 5)
      assert.are.equal(best, m:n_trees())
      local lo = math.huge
      for r = 1, rounds do lo = math.min(lo, h.logloss:get(r)) end
      assert.are.equal(lo, h.logloss:get(best))
      assert.are.equal(rounds, h.auc:numel())
    end)

    it("maximises auc when auc is the last metric", function()
      local m = GBDT { n_estimators = 100, max_depth = 6, learning_rate = 0.5,
                       early_stopping_rounds = 5, eval_metric = "auc" }
      m:fit(Xs, ys, { eval_set = { { Xs, ys }, { Xv, yv } } })
      local h = m:evals_result()[2].auc
      local hi = -math.huge
      for r = 1, h:numel() do hi = math.max(hi, h:get(r)) end
      assert.are.equal(hi, h:get(m:best_iteration()))
      assert.are.equal(2, #m:evals_result())
    end)
  end)

  describe("feature_importances()", function()
    local Xs, ys = synthetic(800, 5, 11)
    local m = GBDT { n_estimators = 20, max_depth = 3 }:fit(Xs, ys)

    it("ranks the informative features first and sums to one", function()
      local g = m:feature_importances("gain")
      local s = 0
      for j = 1, 5 do s = s + g:get(j) end
      assert.is_true(math.abs(s - 1) < 1e-12)
      for j = 3, 5 do assert.is_true(g:get(1) > g:get(j) and g:get(2) > g:get(j)) end
    end)

    it("counts splits", function()
      local c = m:feature_importances("split", false)
      local total = 0
      for j = 1, 5 do
        assert.are.equal(math.floor(c:get(j)), c:get(j))
        total = total + c:get(j)
      end
      local internal = 0
      local f = m:get_state().state.feature
      for k = 1, f:numel() do internal = internal + (f:get(k) > 0 and 1 or 0) end
      assert.are.equal(internal, total)
    end)

    it("errors on an unknown kind", function()
      assert.has_error(function() m:feature_importances("shap") end)
    end)
  end)

  describe("regression", function()
    it("fits squared error and reduces rmse every round", function()
      local Xs = synthetic(500, 3, 21)
      local y = {}
      for i = 1, 500 do y[i] = 3 * Xs:get(i, 1) - Xs:get(i, 2) ^ 2 end
      local yt = credo.tensor(y)
      local m = GBDT { objective = "reg:squarederror", n_estimators = 30, max_depth = 4,
                       learning_rate = 0.3 }
      m:fit(Xs, yt, { eval_set = { Xs, yt } })
      local r = m:evals_result()[1].rmse
      for k = 2, r:numel() do assert.is_true(r:get(k) <= r:get(k - 1)) end
      assert.are.equal("float32", m:predict(Xs):dtype())
    end)
  end)

  describe("edge cases", function()
    it("grows single leaves on constant features", function()
      local y = {}
      for i = 1, 50 do y[i] = i % 2 end
      local m = GBDT { n_estimators = 3 }:fit(credo.zeros(50, 3), credo.tensor(y))
      assert.are.equal(3, m:n_trees())
      assert.are.equal(3, m:get_state().state.feature:numel())
      assert.are.equal(0, m:decision_function(credo.zeros(1, 3)):get(1))
    end)

    it("fits a single row (regression) and an all-missing feature", function()
      local m = GBDT { objective = "reg:squarederror", n_estimators = 2 }
      m:fit(credo.tensor({ { 1, 0 / 0 } }), credo.tensor({ 5 }))
      -- no split: each round moves the margin by 0.3 (5 - m) / (1 + 1)
      local v = m:predict(credo.tensor({ { 7, 7 } })):get(1)
      assert.is_true(math.abs(v - (0.5 + 0.675 + 0.57375)) < 1e-5)
    end)

    it("gives the same model for float64, float32 and strided inputs", function()
      local Xs, ys = synthetic(200, 3, 8)
      local a = GBDT { n_estimators = 5 }:fit(Xs, ys):decision_function(Xs)
      local b = GBDT { n_estimators = 5 }:fit(Xs:double(), ys):decision_function(Xs)
      local Xt = Xs:t():contiguous():t() -- the same values, column-major strides
      assert.is_false(Xt:is_contiguous())
      local c = GBDT { n_estimators = 5 }:fit(Xt, ys):decision_function(Xt)
      assert.is_true(same_values(a, b))
      assert.is_true(same_values(a, c))
    end)
  end)

  describe("save and load", function()
    it("rebuilds the same model from its plain state", function()
      local Xs, ys = synthetic(300, 4, 5)
      local m = GBDT { n_estimators = 12, max_depth = 3 }:fit(Xs, ys)
      local path = os.tmpname()
      credo.save(path, m)
      local m2 = credo.load(path)
      os.remove(path)
      assert.are.equal("GBDT", getmetatable(m2).__name)
      assert.is_true(same_values(m:decision_function(Xs), m2:decision_function(Xs)))
      assert.are.same(m:params(), m2:params())
    end)

    it("refuses a state whose trees are inconsistent", function()
      local Xs, ys = synthetic(100, 4, 5)
      local m = GBDT { n_estimators = 2, max_depth = 2 }:fit(Xs, ys)
      local st = m:get_state().state
      st.left:set(1, 1) -- the root pointing at itself would loop
      assert.has_error(function() m:predict(Xs) end,
        "bad argument #2 to 'predict' (model state: bad split at node 1 of tree 1)")
    end)
  end)

  describe("leaf-wise growth", function()
    local lg = peers.lightgbm
    describe("parity with LightGBM 4.7", function()
      for _, c in ipairs(lg.configs) do
        it("matches margins and tree sizes: " .. c.name, function()
          local set = lg[c.data]
          local Xl, Xlt = matrix(set.X), matrix(set.X_test)
          local m = GBDT(c.params):fit(Xl, vector(set.y))
          local d_train = max_abs_diff(m:decision_function(Xl), c.margin)
          local d_test = max_abs_diff(m:decision_function(Xlt), c.margin_test)
          print(("    %-22s max |diff| train %.3g, held-out %.3g"):format(c.name, d_train, d_test))
          assert.is_true(d_train <= 1e-5)
          assert.is_true(d_test <= 1e-5)
          local st = m.state_
          for t = 1, c.leaves.n do
            local b, e = st.tree_ptr:get(t), st.tree_ptr:get(t + 1)
            assert.are.equal(c.leaves[t], (e - b + 1) // 2)
          end
        end)
      end
    end)

    local Xs, ys = synthetic(2000, 6, 17)

    local function leaves_and_depths(m)
      local st, out = m.state_, {}
      for t = 1, st.tree_ptr:numel() - 1 do
        local b = st.tree_ptr:get(t)
        local nl, maxd = 0, 0
        local function walk(k, d)
          local f = st.feature:get(b + k)
          if f == 0 then
            nl = nl + 1
            if d > maxd then maxd = d end
          else
            walk(st.left:get(b + k), d + 1)
            walk(st.right:get(b + k), d + 1)
          end
        end
        walk(1, 0)
        out[t] = { nl, maxd }
      end
      return out
    end

    it("respects max_leaves and max_depth", function()
      local m = GBDT { growth = "leafwise", max_leaves = 7, n_estimators = 5 }:fit(Xs, ys)
      for _, ld in ipairs(leaves_and_depths(m)) do assert.are.equal(7, ld[1]) end
      m = GBDT { growth = "leafwise", max_leaves = 40, max_depth = 3, n_estimators = 5 }:fit(Xs, ys)
      for _, ld in ipairs(leaves_and_depths(m)) do
        assert.is_true(ld[1] <= 8 and ld[2] <= 3)
      end
      -- a leaf of 2000 rows with min_child_samples 600: at most 3 leaves
      m = GBDT { growth = "leafwise", max_leaves = 31, min_child_samples = 600,
                 objective = "reg:squarederror", n_estimators = 3 }:fit(Xs, ys:float())
      for _, ld in ipairs(leaves_and_depths(m)) do assert.is_true(ld[1] <= 3) end
    end)

    it("gives the same bits for any thread count, with sampling", function()
      local p = { growth = "leafwise", max_leaves = 15, n_estimators = 8, subsample = 0.7,
                  colsample_bytree = 0.7, seed = 3 }
      local n0 = credo.threads()
      credo.threads(1)
      local a = GBDT(p):fit(Xs, ys):decision_function(Xs)
      credo.threads(2)
      local b = GBDT(p):fit(Xs, ys):decision_function(Xs)
      credo.threads(n0)
      assert.is_true(same_values(a, b))
    end)

    it("follows LightGBM's names in GBDT.lightgbm", function()
      local m = GBDT.lightgbm { num_leaves = 9, min_data_in_leaf = 4, n_estimators = 3 }
      local p = m:params()
      assert.are.same({ "leafwise", 9, 4, -1, 0, "mean" },
        { p.growth, p.max_leaves, p.min_child_samples, p.max_depth, p.reg_lambda, p.base_score })
      assert.has_error(function() GBDT.lightgbm { num_leafs = 3 } end,
        "GBDT.lightgbm: unknown parameter 'num_leafs'")
    end)

    it("lets max_leaves = -1 follow max_depth (GBDT.sklearn), also after set_params", function()
      local m = GBDT.sklearn { max_depth = 2, n_estimators = 4 }
      assert.are.equal(-1, m:params().max_leaves)
      m:fit(Xs, ys)
      local deep = 0
      for _, ld in ipairs(leaves_and_depths(m)) do
        assert.is_true(ld[1] <= 4 and ld[2] <= 2)
        deep = math.max(deep, ld[1])
      end
      assert.are.equal(4, deep)
      -- raising the depth raises the leaf cap with it (it was fixed at 4 before)
      m:set_params { max_depth = 4 }:fit(Xs, ys)
      deep = 0
      for _, ld in ipairs(leaves_and_depths(m)) do
        assert.is_true(ld[1] <= 16 and ld[2] <= 4)
        deep = math.max(deep, ld[1])
      end
      assert.is_true(deep > 4)
      -- and the clone that tuning makes is the same model
      local c = m:clone():fit(Xs, ys)
      assert.is_true(same_values(c:decision_function(Xs), m:decision_function(Xs)))
      assert.has_error(function() m:set_params { max_depth = 21 }:fit(Xs, ys) end,
        "GBDT: parameter 'max_leaves' = -1 (2^max_depth leaves) needs 'max_depth' in [1, 20] for leafwise growth (got 21)")
    end)
  end)

  describe("oblivious growth", function()
    local Xs, ys = synthetic(2000, 6, 23)

    it("uses one split per level, shared by all its nodes", function()
      local m = GBDT { growth = "oblivious", max_depth = 4, n_estimators = 6 }:fit(Xs, ys)
      local st = m.state_
      for t = 1, st.tree_ptr:numel() - 1 do
        local b = st.tree_ptr:get(t)
        local level, depth = { 1 }, 0
        while true do
          local f0, th0 = st.feature:get(b + level[1]), st.threshold:get(b + level[1])
          local nextl = {}
          for _, k in ipairs(level) do
            assert.are.equal(f0, st.feature:get(b + k))
            if f0 ~= 0 then
              assert.are.equal(th0, st.threshold:get(b + k))
              nextl[#nextl + 1] = st.left:get(b + k)
              nextl[#nextl + 1] = st.right:get(b + k)
            end
          end
          if f0 == 0 then break end
          depth = depth + 1
          level = nextl
        end
        assert.is_true(depth <= 4)
        assert.are.equal(2 ^ depth, #level)
      end
    end)

    it("learns, and gives the same bits for any thread count", function()
      local p = { growth = "oblivious", max_depth = 5, n_estimators = 10, subsample = 0.8,
                  seed = 4, learning_rate = 0.2 }
      local n0 = credo.threads()
      credo.threads(1)
      local m = GBDT(p):fit(Xs, ys)
      local a = m:decision_function(Xs)
      credo.threads(2)
      local b = GBDT(p):fit(Xs, ys):decision_function(Xs)
      credo.threads(n0)
      assert.is_true(same_values(a, b))
      assert.is_true(credo.metrics.roc_auc(ys, a:double()) > 0.85)
    end)
  end)

  describe("ordered target statistics", function()
    -- category c in 1..20 with P(y = 1) rising with c; NaN a category too
    local n = 1500
    local Xc, yc = {}, {}
    local s = 7
    local function u()
      s = (s * 1103515245 + 12345) % 2147483648
      return s / 2147483648
    end
    for i = 1, n do
      local c = 1 + (i * 7) % 20
      Xc[i] = { i % 50 == 0 and 0 / 0 or c, u() }
      yc[i] = u() < c / 21 and 1 or 0
    end
    local X2, y2 = credo.tensor(Xc), credo.tensor(yc, "int64")

    it("encodes categories, stores the full statistics, predicts on new rows", function()
      local m = GBDT { growth = "oblivious", max_depth = 3, n_estimators = 20,
                       cat_features = { 1 }, learning_rate = 0.3 }:fit(X2, y2)
      local cat = m.state_.cat
      assert.are.equal(21, cat.levels:numel()) -- 20 codes and NaN
      assert.is_true(cat.levels:get(21) ~= cat.levels:get(21))
      -- full-data statistic of category 5: (positives + a * prior) / (rows + a)
      local pos, cnt, prior = 0, 0, y2:double():mean()
      for i = 1, n do
        if Xc[i][1] == 5 then cnt = cnt + 1; pos = pos + yc[i] end
      end
      assert.is_true(math.abs(cat.stats:get(5) - (pos + prior) / (cnt + 1)) < 1e-6)
      local z = m:decision_function(credo.tensor { { 20, 0.5 }, { 1, 0.5 }, { 99, 0.5 } })
      assert.is_true(z:get(1) > z:get(2))
      assert.is_true(credo.metrics.roc_auc(y2, m:decision_function(X2):double()) > 0.7)
    end)

    it("takes column names with feature_names, and survives save and load", function()
      local m = GBDT.catboost { iterations = 5, depth = 3, cat_features = { "grade" } }
      m:fit(X2, y2, { feature_names = { "grade", "noise" } })
      local path = os.tmpname()
      credo.save(path, m)
      local m2 = credo.load(path)
      os.remove(path)
      assert.is_true(same_values(m:decision_function(X2), m2:decision_function(X2)))
      assert.has_error(function()
        GBDT { cat_features = { "grade" } }:fit(X2, y2, { feature_names = { "a", "b" } })
      end, "bad argument #3 to 'fit' (cat_features[1] 'grade' is not in feature_names)")
      assert.has_error(function() GBDT { cat_features = { 3 } }:fit(X2, y2) end,
        "bad argument #1 to 'fit' (cat_features[1] = 3, but X has 2 columns)")
      assert.has_error(function() GBDT { cat_features = { 1, 1 } }:fit(X2, y2) end,
        "bad argument #4 to 'fit' (cat_features lists column 1 twice)")
    end)

    it("keeps a row's own label out of its training statistic", function()
      -- every row its own category: the ordered statistic is the prior for
      -- all rows, so the column carries no signal into the trees
      local Xu = credo.tensor((function()
        local t = {}
        for i = 1, 200 do t[i] = { i } end
        return t
      end)())
      local yu = credo.tensor((function()
        local t = {}
        for i = 1, 200 do t[i] = i % 2 end
        return t
      end)(), "int64")
      local m = GBDT { cat_features = { 1 }, n_estimators = 3 }:fit(Xu, yu)
      for t = 1, m.state_.feature:numel() do assert.are.equal(0, m.state_.feature:get(t)) end
    end)
  end)

  describe("save and load of every policy", function()
    local Xs, ys = synthetic(500, 4, 8)
    for _, g in ipairs { "leafwise", "oblivious" } do
      it(g, function()
        local m = GBDT { growth = g, n_estimators = 6, max_depth = 3 }:fit(Xs, ys)
        local path = os.tmpname()
        credo.save(path, m)
        local m2 = credo.load(path)
        os.remove(path)
        assert.is_true(same_values(m:decision_function(Xs), m2:decision_function(Xs)))
      end)
    end
  end)

  describe("against the peers on lending_club", function()
    local lc = peers.lending_club
    local df = credo.read_csv("data/lending_club.csv")
    local tr, te = {}, {}
    for i = 1, df:nrow() do
      if (i - 1) % 4 == 3 then te[#te + 1] = i else tr[#tr + 1] = i end
    end
    local Xl = df:drop { "Class" }:to_tensor(nil, "float32", { categorical = "codes" })
    local yl = df:col("Class").codes:eq(1)
    local itr, ite = credo.tensor(tr, "int64"), credo.tensor(te, "int64")
    local Xtr, ytr = Xl:index_select(1, itr), yl:index_select(1, itr)
    local Xte, yte = Xl:index_select(1, ite), yl:index_select(1, ite)
    local TOL = { lightgbm = 0.005, sklearn = 0.005, catboost_cat = 0.01, catboost_numeric = 0.01 }

    for _, r in ipairs(lc.models) do
      it(("%s: test AUC within %.3f"):format(r.name, TOL[r.name]), function()
        local p = {}
        for k, v in pairs(r.params) do p[k] = v end
        if r.cat then
          local cf = {}
          for i = 1, lc.cat_features.n do cf[i] = lc.cat_features[i] end
          p.cat_features = cf
        end
        local m = GBDT[r.preset](p):fit(Xtr, ytr)
        local auc = credo.metrics.roc_auc(yte, m:predict_proba(Xte):select(2, 2):double())
        print(("    %-18s AUC %.4f vs %.4f"):format(r.name, auc, r.auc))
        assert.is_true(math.abs(auc - r.auc) < TOL[r.name])
      end)
    end
  end)
end)

describe("GBDT eval_set errors", function()
  local credo = require "credo"
  it("name argument #3 (the options), not a stack slot", function()
    local X = credo.randn(100, 3)
    local y = credo.zeros({ 100 }, "int64")
    for i = 1, 50 do y[i] = 1 end
    local m = credo.GBDT { n_estimators = 2 }
    local ok, err = pcall(function()
      m:fit(X, y, { eval_set = { { credo.randn(10), y:narrow(1, 1, 10) } } })
    end)
    assert.is_false(ok)
    assert.matches("bad argument #3 to 'fit' %(eval_set X must be a 2%-d tensor %(got shape %[10%]%)%)", err)
    ok, err = pcall(function()
      m:fit(X, y, { eval_set = { { credo.randn(10, 3), y:narrow(1, 1, 9) } } })
    end)
    assert.is_false(ok)
    assert.matches("bad argument #3 to 'fit' %(eval_set y must be a 1%-d tensor of 10 values %(got shape %[9%]%)%)", err)
    assert.has_no.errors(function()
      m:fit(X, y, { eval_set = { { credo.randn(10, 3), y:narrow(1, 45, 10) } } })
    end)
    -- AUC on a one-class eval set was NaN (and early stopping watched it)
    ok, err = pcall(function()
      credo.GBDT { n_estimators = 2, eval_metric = "auc" }:fit(X, y, { eval_set = { { X:narrow(1, 1, 10), y:narrow(1, 1, 10) } } })
    end)
    assert.is_false(ok)
    assert.matches("bad argument #3 to 'fit' %(eval_set y has a single class %(1%); binary:logistic needs both 0 and 1%)", err)
    -- a finite float64 value beyond float32 was reported as "infinite"
    local Xb = X:double()
    Xb:set(3, 2, 1e300)
    ok, err = pcall(function() return credo.GBDT { n_estimators = 2 }:fit(Xb, y) end)
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'fit' %(X holds 1e%+300 at row 3, column 2, beyond float32's range", err)
    -- predict's options were not checked (a misspelt ntrees used every tree)
    local fitted = credo.GBDT { n_estimators = 2 }:fit(X, y)
    ok, err = pcall(function() return fitted:predict(X, { ntree = 1 }) end)
    assert.is_false(ok)
    assert.matches("bad argument #2 to 'predict' %(unknown option 'ntree'%)", err)
    -- sample_weight comes from the options too
    ok, err = pcall(function() m:fit(X, y, { sample_weight = credo.ones(7) }) end)
    assert.is_false(ok)
    assert.matches("bad argument #3 to 'fit' %(sample_weight must be a 1%-d tensor of 100 values %(got shape %[7%]%)%)", err)
    ok, err = pcall(function() m:fit(X, y, { sample_weight = "heavy" }) end)
    assert.is_false(ok)
    assert.matches("bad argument #3 to 'fit' %(credo.Tensor expected, got string%)", err)
  end)
end)
