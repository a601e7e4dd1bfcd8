-- svm_spec.lua: credo.SVC (stdlib/credo/svm.lua, natives/svm) against
-- scikit-learn 1.2's SVC on fixtures from bench/peers/make_svm_fixtures.py:
-- decision values to 1e-3, support-vector counts within 1 %, Platt's
-- sigmoid on fixed decision values, and probabilities within the spread
-- sklearn itself shows across its random fold draws.  Then the estimator
-- protocol (save/load, clone) and the errors.
local credo = require "credo"
local json = require "json"

local fixture = json.read("tests/fixtures/svm_sklearn.json")

local list, matrix = json.list, json.matrix

local function max_abs_diff(got, want)
  local worst = 0
  for i = 1, want.n do
    local d = math.abs(got[i] - want[i])
    if not (d <= worst) then worst = d end
  end
  return worst
end

local function params_of(p)
  local t = {}
  for k, v in pairs(p) do
    if k == "class_weight" and type(v) == "table" then
      t[k] = { [0] = v["0"], [1] = v["1"] }
    elseif k ~= "n" then
      t[k] = v
    end
  end
  return t
end

local data = {}
for name, d in pairs(fixture.data) do
  data[name] = { X = matrix(d.Xtr), y = credo.tensor(list(d.ytr), "int64"),
                 Xt = matrix(d.Xte), yt = credo.tensor(list(d.yte), "int64"),
                 sw = credo.tensor(list(d.sw), "float64") }
end

describe("svm", function()
  describe("SVC against sklearn 1.2", function()
    for _, cfg in ipairs(fixture.configs) do
      it(cfg.name .. ": decision values to 1e-3, support vectors within 1 %", function()
        local d = data[cfg.data]
        local m = credo.SVC(params_of(cfg.params))
        m:fit(d.X, d.y, cfg.weighted and { sample_weight = d.sw } or nil)
        assert.is_true(math.abs(m:gamma() - cfg.gamma) <= 1e-12 * cfg.gamma)
        local f = m:decision_function(d.Xt):totable()
        local err = max_abs_diff(f, cfg.decision)
        assert.is_true(err <= 1e-3, ("test decision max abs diff %g"):format(err))
        local ft = m:decision_function(d.X):totable()
        err = max_abs_diff(ft, cfg.decision_train)
        assert.is_true(err <= 1e-3, ("train decision max abs diff %g"):format(err))
        assert.is_true(math.abs(m:intercept() - cfg.intercept) <= 1e-3)
        local ns, want = m:n_support(), list(cfg.n_support)
        local total, wtotal = ns[1] + ns[2], want[1] + want[2]
        assert.is_true(math.abs(total - wtotal) <= 0.01 * wtotal,
          ("support vectors %d, sklearn %d"):format(total, wtotal))
        for c = 1, 2 do
          assert.is_true(math.abs(ns[c] - want[c]) <= math.max(1, 0.01 * want[c]))
        end
        -- stricter: the solver takes LIBSVM's path (docs/svm.md, "The
        -- kernel cache"): the same support vectors, the same values
        -- (with sample weights, sklearn 1.2's support_ counts only the rows
        -- of positive weight; credo's indexes the rows given to fit)
        local want_sup = list(cfg.support)
        if cfg.weighted then
          local rows, w = {}, d.sw:totable()
          for i = 1, #w do if w[i] > 0 then rows[#rows + 1] = i end end
          for i = 1, #want_sup do want_sup[i] = rows[want_sup[i]] end
        end
        assert.are.same(want_sup, m:support():totable())
        assert.is_true(max_abs_diff(f, cfg.decision) <= 1e-9)
        -- labels follow the sign of the decision function
        local pred = m:predict(d.Xt):totable()
        for i = 1, #f do assert.are.equal(f[i] > 0 and 1 or 0, pred[i]) end
      end)
    end

    it("orders support vectors as sklearn (class 0 first, ascending rows, 1-based)", function()
      local cfg = fixture.configs[1]
      local d = data[cfg.data]
      local m = credo.SVC(params_of(cfg.params)):fit(d.X, d.y)
      local sup, ns = m:support():totable(), m:n_support()
      local y = d.y:totable()
      for i = 1, #sup do
        assert.are.equal(i <= ns[1] and 0 or 1, y[sup[i]])
        if i > 1 and i ~= ns[1] + 1 then assert.is_true(sup[i] > sup[i - 1]) end
      end
      -- the dual coefficients: y_i alpha_i with 0 < alpha_i <= C, summing to 0
      local dc, sum = m:dual_coef():totable(), 0
      for i = 1, #dc do
        local cls = i <= ns[1] and -1 or 1
        assert.is_true(dc[i] * cls > 0 and dc[i] * cls <= cfg.params.C + 1e-12)
        sum = sum + dc[i]
      end
      assert.is_true(math.abs(sum) <= 1e-9)
      local sv = m:support_vectors()
      assert.are.same({ #sup, 5 }, { sv:size(1), sv:size(2) })
    end)
  end)

  describe("Platt scaling", function()
    it("fits the sigmoid sklearn's _sigmoid_calibration finds", function()
      local p = fixture.platt
      local A, B, converged = credo.core.svm_core.platt(
        credo.tensor(list(p.dec), "float64"), credo.tensor(list(p.y), "int64"))
      assert.is_true(converged)
      assert.is_true(math.abs(A - p.A) <= 1e-4, ("A %g vs %g"):format(A, p.A))
      assert.is_true(math.abs(B - p.B) <= 1e-4, ("B %g vs %g"):format(B, p.B))
    end)

    it("gives probabilities within sklearn's spread across fold draws", function()
      local pr = fixture.proba
      local d = data[pr.data]
      local m = credo.SVC(params_of(pr.params)):fit(d.X, d.y)
      local p = m:predict_proba(d.Xt)
      assert.are.same({ 100, 2 }, { p:size(1), p:size(2) })
      local p1 = p:select(2, 2):totable()
      local err = max_abs_diff(p1, pr.mean)
      assert.is_true(err <= pr.spread, ("max diff %g, sklearn spread %g"):format(err, pr.spread))
      -- rows sum to one; A < 0 (larger f, larger P(class 1))
      local p0 = p:select(2, 1):totable()
      for i = 1, #p0 do assert.is_true(math.abs(p0[i] + p1[i] - 1) <= 1e-12) end
      local A = m:prob_ab()
      assert.is_true(A < 0)
    end)

    it("draws the same folds for the same seed, other folds for another", function()
      local d = data.balanced
      local a = credo.SVC { probability = true, seed = 7 }:fit(d.X, d.y)
      local b = credo.SVC { probability = true, seed = 7 }:fit(d.X, d.y)
      local c = credo.SVC { probability = true, seed = 8 }:fit(d.X, d.y)
      assert.are.same({ a:prob_ab() }, { b:prob_ab() })
      assert.are_not.same({ a:prob_ab() }, { c:prob_ab() })
    end)

    it("refuses predict_proba without probability = true, as sklearn", function()
      local d = data.balanced
      local m = credo.SVC {}:fit(d.X, d.y)
      assert.has_error(function() m:predict_proba(d.Xt) end,
        "SVC:predict_proba: probability estimates need probability = true at fit")
    end)
  end)

  describe("estimator protocol", function()
    it("saves and loads a fitted model with the same decision values", function()
      local d = data.balanced
      local m = credo.SVC { C = 2, kernel = "poly", gamma = 0.1, coef0 = 1, probability = true }
      m:fit(d.X, d.y)
      local path = os.tmpname()
      credo.save(path, m)
      local m2 = credo.load(path)
      os.remove(path)
      assert.are.equal("SVC", getmetatable(m2).__name)
      assert.are.same(m:decision_function(d.Xt):totable(), m2:decision_function(d.Xt):totable())
      assert.are.same(m:predict_proba(d.Xt):totable(), m2:predict_proba(d.Xt):totable())
      assert.are.same(m:params(), m2:params())
    end)

    it("clones unfitted with the same parameters", function()
      local m = credo.SVC { C = 5, kernel = "linear", class_weight = { [0] = 1, [1] = 2 } }
      local c = m:clone()
      assert.are.same(m:params(), c:params())
      assert.is_false(c:is_fitted())
      assert.has_error(function() c:predict(data.balanced.Xt) end,
        "SVC:predict: model is not fitted (call fit first)")
    end)

    it("accepts float32 input and gives the same bits at 1 and 2 threads", function()
      local d = data.balanced
      local m = credo.SVC { gamma = 0.2 }:fit(d.X:float(), d.y)
      local before = credo.threads()
      credo.threads(1)
      local f1 = m:decision_function(d.Xt):totable()
      credo.threads(2)
      local f2 = m:decision_function(d.Xt):totable()
      local m2 = credo.SVC { gamma = 0.2 }:fit(d.X:float(), d.y)
      credo.threads(before)
      assert.are.same(f1, f2)
      assert.are.same(m:dual_coef():totable(), m2:dual_coef():totable())
    end)

    it("respects max_iter and reports it", function()
      local d = data.balanced
      local m = credo.SVC { max_iter = 5 }:fit(d.X, d.y)
      assert.are.equal(5, m:n_iter())
    end)
  end)

  describe("errors", function()
    local d = data.balanced
    it("rejects non-finite features", function()
      local X = d.X:clone()
      X[3][2] = 0 / 0
      assert.has_error(function() credo.SVC {}:fit(X, d.y) end,
        "bad argument #1 to 'fit' (X contains NaN at row 3, column 2 (impute first))")
      X[3][2] = math.huge
      assert.has_error(function() credo.SVC {}:fit(X, d.y) end,
        "bad argument #1 to 'fit' (X contains an infinite value at row 3, column 2 (impute first))")
      local m = credo.SVC {}:fit(d.X, d.y)
      assert.has_error(function() m:decision_function(X) end,
        "bad argument #1 to 'decision_function' (X contains an infinite value at row 3, column 2 (impute first))")
    end)

    it("refuses finite rows that overflow the kernel at prediction (no NaN decisions)", function()
      local m = credo.SVC { kernel = "poly", gamma = 1, degree = 3, probability = true, seed = 1 }:fit(d.X, d.y)
      local Z = d.X:double():narrow(1, 1, 4):mul(1e120)
      for _, f in ipairs { "decision_function", "predict", "predict_proba" } do
        local ok, err = pcall(function() return m[f](m, Z) end)
        assert.is_false(ok, f)
        assert.matches("the kernel overflows at row 1 %(decision value", err)
      end
      assert.has_no.errors(function() m:predict(d.X) end)
    end)

    it("rejects one class and labels other than 0/1", function()
      assert.has_error(function() credo.SVC {}:fit(d.X, credo.zeros({ 300 }, "int64")) end,
        "bad argument #2 to 'fit' (y holds one class only (label 0): SVC needs both 0 and 1)")
      local y = d.y:clone()
      y[4] = 2
      assert.has_error(function() credo.SVC {}:fit(d.X, y) end,
        "bad argument #2 to 'fit' (SVC is binary: y must hold labels 0 and 1 (got 2.0 at row 4))")
    end)

    it("rejects bad sample weights", function()
      local w = d.sw:clone()
      w[5] = -1
      assert.has_error(function() credo.SVC {}:fit(d.X, d.y, { sample_weight = w }) end,
        "bad argument #3 to 'fit' (sample_weight must be finite and >= 0 (got -1.0 at row 5))")
      assert.has_error(function() credo.SVC {}:fit(d.X, d.y, { sample_weight = d.yt:double() }) end,
        "bad argument #3 to 'fit' (sample_weight must be a 1-d tensor of 300 weights (got shape [100]))")
      assert.has_error(function() credo.SVC {}:fit(d.X, d.y, { sample_weight = d.y:double() }) end,
        "bad argument #3 to 'fit' (the rows of positive sample_weight hold one class only (label 1))")
      assert.has_error(function() credo.SVC {}:fit(d.X, d.y, { sample_wieght = d.sw }) end,
        "bad argument #3 to 'fit' (unknown option 'sample_wieght')")
    end)

    it("rejects shape mismatches", function()
      assert.has_error(function() credo.SVC {}:fit(d.X, d.yt) end,
        "bad argument #2 to 'fit' (y must be a 1-d tensor of 300 labels (X is [300,5], y is [100]))")
      assert.has_error(function() credo.SVC {}:fit(d.X:view(1500), d.y) end,
        "bad argument #1 to 'fit' (X must be a 2-d tensor (got 1 dimensions))")
      local m = credo.SVC {}:fit(d.X, d.y)
      assert.has_error(function() m:predict(d.X:narrow(2, 1, 4)) end,
        "bad argument #1 to 'predict' (X has 4 columns, the model was fitted on 5)")
    end)

    it("rejects bad hyperparameters at construction", function()
      assert.has_error(function() credo.SVC { C = 0 } end,
        "SVC: parameter 'C' must be > 0 (got 0)")
      assert.has_error(function() credo.SVC { C = -1.5 } end,
        "SVC: parameter 'C' must be > 0 (got -1.5)")
      assert.has_error(function() credo.SVC { gamma = 0 } end,
        "SVC: parameter 'gamma' must be 'scale', 'auto' or a finite number > 0 (got 0)")
      assert.has_error(function() credo.SVC { gamma = "big" } end,
        "SVC: parameter 'gamma' must be 'scale', 'auto' or a number > 0 (got 'big')")
      assert.has_error(function() credo.SVC { kernel = "rbff" } end,
        "SVC: parameter 'kernel' must be one of linear, poly, rbf, sigmoid (got 'rbff')")
      assert.has_error(function() credo.SVC { class_weight = { [2] = 1 } } end,
        "SVC: parameter 'class_weight' keys must be the class labels 0 and 1 (got 2)")
      assert.has_error(function() credo.SVC { max_iter = 0 } end,
        "SVC: parameter 'max_iter' must be -1 (no limit) or >= 1")
      assert.has_error(function() credo.SVC { gama = 1 } end,
        "SVC: unknown parameter 'gama'")
    end)

    it("checks the core's parameters too (C <= 0, gamma <= 0, kernel)", function()
      local fit = credo.core.svm_core.fit
      local function call(...) local st = fit(...); return st end
      local p = { kernel = "rbf", gamma = 0.1, degree = 3, coef0 = 0, C = 1, w0 = 1, w1 = 1,
                  tol = 1e-3, cache_size = 200, shrinking = true, max_iter = -1 }
      p.C = 0
      local ok, err = pcall(call, d.X, d.y, nil, p)
      assert.is_false(ok)
      assert.matches("bad argument #4 to 'fit' %(params.C must be in %(0", err)
      p.C, p.gamma = 1, -1
      ok, err = pcall(call, d.X, d.y, nil, p)
      assert.matches("bad argument #4 to 'fit' %(params.gamma must be in %(0", err)
      p.gamma, p.kernel = 0.1, "cubic"
      ok, err = pcall(call, d.X, d.y, nil, p)
      assert.matches("bad argument #4 to 'fit' %(unknown kernel 'cubic'", err)
    end)
  end)
end)

describe("SVC with values that overflow the kernel", function()
  local credo = require "credo"
  it("refuses them with a clear error instead of crashing", function()
    local X = credo.randn(50, 3, "float64")
    X[1][1] = 1e300
    local y = credo.zeros({ 50 }, "int64")
    for i = 1, 25 do y[i] = 1 end
    assert.has_error(function() credo.SVC {}:fit(X, y) end,
      "bad argument #1 to 'fit' (X holds a value of magnitude 1e+300: the kernel would overflow (scale the features first))")
  end)
end)
