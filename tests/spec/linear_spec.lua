-- credo.LogisticRegression and the sparse designs of credo.linear
-- (stdlib/credo/linear.lua, natives/linear).  Parity fixtures come from
-- bench/peers/make_linear_fixtures.py (scikit-learn 1.2 at tight
-- tolerances); everything else is checked against properties that hold
-- exactly, and error messages word for word.
local credo = require "credo"
local json = require "json"

local fixture = json.read("tests/fixtures/linear_sklearn.json")

local list, matrix = json.list, json.matrix

local X = matrix(fixture.X)
local y = credo.tensor(list(fixture.y), "int64")
local y_imb = credo.tensor(list(fixture.y_imbalanced), "int64")
local sw = credo.tensor(list(fixture.sample_weight), "float64")

-- max |t[i] - ref[i]| / max(1, |ref[i]|)
local function max_rel(t, ref)
  local worst = 0
  for i = 1, ref.n do
    local d = math.abs(t:get(i) - ref[i]) / math.max(1, math.abs(ref[i]))
    if not (d <= worst) then worst = d end
  end
  return worst
end

local function bits_equal(a, b)
  if a:numel() ~= b:numel() then return false end
  for i = 1, a:numel() do
    if string.pack("d", a:get(i)) ~= string.pack("d", b:get(i)) then return false end
  end
  return true
end

local function err_of(f, ...)
  local ok, e = pcall(f, ...)
  assert.is_false(ok)
  return tostring(e)
end

describe("LogisticRegression", function()
  describe("parity with scikit-learn 1.2", function()
    for ci = 1, fixture.cases.n do
      local c = fixture.cases[ci]
      it("matches sklearn coefficients to 1e-4: " .. c.name, function()
        local m = credo.LogisticRegression {
          C = c.C, penalty = c.penalty, fit_intercept = c.fit_intercept,
          solver = c.penalty == "l1" and "owlqn" or "lbfgs",
          class_weight = c.class_weight ~= json.null and c.class_weight or nil,
          tol = 1e-5, ftol = 0, max_iter = 10000 }
        local labels = c.labels == "y" and y or y_imb
        m:fit(X, labels, { sample_weight = c.sample_weight and sw or nil })
        -- the fixture sits within grad_norm (< 1e-6, asserted by the script)
        -- of the optimum; credo stops at a gradient max-norm of 1e-5 (coefficients
        -- within ~1e-8 of sklearn): 1e-4 is far above both
        local tol = 1e-4
        local dc = max_rel(m.coef_, c.coef)
        local di = math.abs(m.intercept_ - c.intercept) / math.max(1, math.abs(c.intercept))
        print(("    %-28s coef %.2e intercept %.2e n_iter %d (sklearn grad %.1e)")
          :format(c.name, dc, di, m.n_iter_, c.grad_norm))
        assert.is_true(dc <= tol, c.name .. " coef diff " .. dc)
        assert.is_true(di <= tol, c.name .. " intercept diff " .. di)
        assert.is_true(m:convergence().converged)
        local p = m:predict_proba(X:narrow(1, 1, 10))
        assert.is_true(max_rel(p:select(2, 2):contiguous(), c.proba) <= 1e-5)
        if c.penalty == "l1" then
          -- the same coefficients are exactly zero
          for j = 1, c.coef.n do
            assert.are.equal(c.coef[j] == 0, m.coef_:get(j) == 0)
          end
        end
      end)
    end

    it("converges at the defaults near sklearn's own default fit", function()
      local m = credo.LogisticRegression():fit(X, y)
      local ref = fixture.default_fit
      assert.is_true(m:convergence().converged)
      assert.is_true(max_rel(m.coef_, ref.coef) <= 1e-3)
      print(("    defaults: n_iter %d (sklearn %d)"):format(m.n_iter_, ref.n_iter))
    end)
  end)

  describe("fit() and predictions", function()
    local m = credo.LogisticRegression { C = 2 }:fit(X, y)

    it("returns (n, 2) probabilities summing to one", function()
      local p = m:predict_proba(X)
      assert.are.same({ 300, 2 }, { p:size(1), p:size(2) })
      assert.are.equal("float64", p:dtype())
      assert.is_true((p:sum(2) - 1):abs():max() < 1e-15)
    end)

    it("decision_function is X coef + intercept", function()
      local z = m:decision_function(X)
      local ref = X:matmul(m.coef_:view(8, 1)):view(300) + m.intercept_
      assert.is_true((z - ref):abs():max() < 1e-12)
    end)

    it("predict is 1 where the decision function is positive", function()
      local z = m:decision_function(X)
      assert.are.equal(0, (m:predict(X) - z:gt(0)):abs():sum())
      assert.are.equal("int64", m:predict(X):dtype())
    end)

    it("accepts float32 X and gives the float64 design's answer", function()
      local m32 = credo.LogisticRegression { C = 2 }:fit(X:float(), y)
      local m64 = credo.LogisticRegression { C = 2 }:fit(X:float():double(), y)
      assert.is_true(bits_equal(m32.coef_, m64.coef_))
    end)

    it("reads strided and offset views as their contiguous copies", function()
      local Xv, yv = X:narrow(1, 11, 200):t():t(), y:narrow(1, 11, 200)
      local a = credo.LogisticRegression():fit(Xv, yv)
      local b = credo.LogisticRegression():fit(Xv:contiguous(), yv:contiguous())
      assert.is_true(bits_equal(a.coef_, b.coef_))
      local Xo = X:narrow(1, 5, 100)        -- contiguous float64 with an offset
      assert.is_true(bits_equal(a:decision_function(Xo), a:decision_function(Xo:clone())))
    end)

    it("class_weight {[0]=a, [1]=b} equals those sample weights", function()
      local a = credo.LogisticRegression { class_weight = { [0] = 0.5, [1] = 3 } }:fit(X, y)
      local w = y:double():mul(2.5):add(0.5)
      local b = credo.LogisticRegression():fit(X, y, { sample_weight = w })
      assert.is_true(bits_equal(a.coef_, b.coef_))
    end)

    it("reports convergence and warns (not errors) when it stops at max_iter", function()
      local r = m:convergence()
      assert.is_true(r.converged)
      assert.is_true(r.stop == "gtol" or r.stop == "ftol")
      assert.is_true(r.loss > 0 and r.grad_norm >= 0 and r.n_fev >= r.n_iter)
      local short = credo.LogisticRegression { max_iter = 2 }:fit(X, y)
      local s = short:convergence()
      assert.is_false(s.converged)
      assert.are.equal("max_iter", s.stop)
      assert.are.equal(2, short.n_iter_)
      assert.matches("LogisticRegression: lbfgs failed to converge %(stopped by max_iter after 2 iterations", s.warning)
    end)

    it("writes the ConvergenceWarning once per process unless told otherwise", function()
      local LR = credo.LogisticRegression
      local lines, real = {}, io.stderr
      local function fits(mode, k)
        LR.warn = mode
        io.stderr = { write = function(_, ...) lines[#lines + 1] = table.concat({ ... }) end }
        local ok, err = pcall(function()
          for _ = 1, k do LR { max_iter = 2 }:fit(X, y) end
        end)
        io.stderr = real
        LR.warn = "once"
        assert(ok, err)
        local n = #lines
        lines = {}
        return n
      end
      local was = LR._warned
      LR._warned = false
      assert.are.equal(2, fits("once", 3))      -- the warning and the note, once
      assert.are.equal(0, fits("once", 2))
      assert.are.equal(3, fits("always", 3))
      assert.are.equal(0, fits("never", 3))
      LR._warned = was
    end)

    it("separable data: penalty none runs to max_iter without error, l2 converges", function()
      local Xs = credo.tensor({ { -2 }, { -1 }, { 1 }, { 2 } }, "float64")
      local ys = credo.tensor({ 0, 0, 1, 1 }, "int64")
      local none = credo.LogisticRegression { penalty = "none", max_iter = 50 }:fit(Xs, ys)
      assert.is_true(none.coef_:get(1) > 5)
      local l2 = credo.LogisticRegression { C = 1 }:fit(Xs, ys)
      assert.is_true(l2:convergence().converged)
      assert.is_true(l2.coef_:get(1) > 0 and l2.coef_:get(1) < 5)
    end)

    it("gives the same bits with 1 and 2 threads", function()
      credo.seed(7)
      local n = 20000
      local Xb = credo.randn(n, 12):double()
      local yb = credo.rand(n):lt(Xb:select(2, 1):sigmoid()):long()
      local saved = credo.threads()
      credo.threads(1)
      local a = credo.LogisticRegression { tol = 1e-8, max_iter = 300 }:fit(Xb, yb)
      local a1 = credo.LogisticRegression { penalty = "l1", solver = "owlqn", C = 0.001 }:fit(Xb, yb)
      credo.threads(2)
      local b = credo.LogisticRegression { tol = 1e-8, max_iter = 300 }:fit(Xb, yb)
      local b1 = credo.LogisticRegression { penalty = "l1", solver = "owlqn", C = 0.001 }:fit(Xb, yb)
      credo.threads(saved)
      assert.is_true(bits_equal(a.coef_, b.coef_))
      assert.are.equal(a.intercept_, b.intercept_)
      assert.are.equal(a.n_iter_, b.n_iter_)
      assert.is_true(bits_equal(a1.coef_, b1.coef_))
    end)
  end)

  describe("estimator protocol", function()
    it("has params, clone and a tostring", function()
      local m = credo.LogisticRegression { C = 0.5, penalty = "l1", solver = "owlqn" }
      local p = m:params()
      assert.are.equal(0.5, p.C)
      assert.are.equal(100, p.max_iter)
      assert.are.equal(1e-4, p.tol)
      assert.is_true(p.fit_intercept)
      assert.matches("^LogisticRegression%(C=0.5, .*%[unfitted%]$", tostring(m))
      m:fit(X, y)
      local c = m:clone()
      assert.is_false(c:is_fitted())
      assert.are.same(m:params(), c:params())
    end)

    it("ranks features for RFE through coef()", function()
      -- the fixture's columns 6..8 carry no signal; 1 and 3 the most
      local rfe = credo.prep.RFE { estimator = credo.LogisticRegression(), n_features_to_select = 3 }
      rfe:fit(X, y)
      local keep = rfe:support()
      assert.are.equal(0, keep:narrow(1, 6, 3):sum())
      assert.are.equal(1, keep:get(1))
    end)

    it("saves and loads through credo.save / credo.load", function()
      local m = credo.LogisticRegression { C = 0.3 }:fit(X, y, { sample_weight = sw })
      local path = os.tmpname()
      credo.save(path, m)
      local m2 = credo.load(path)
      os.remove(path)
      assert.are.equal("LogisticRegression", getmetatable(m2).__name)
      assert.is_true(bits_equal(m.coef_, m2.coef_))
      assert.are.equal(m.intercept_, m2.intercept_)
      assert.are.equal(m.n_iter_, m2.n_iter_)
      assert.is_true(bits_equal(m:decision_function(X), m2:decision_function(X)))
    end)
  end)

  describe("errors", function()
    it("rejects bad hyperparameters at construction", function()
      assert.has_error(function() credo.LogisticRegression { C = 0 } end,
        "LogisticRegression: parameter 'C' must be > 0 (got 0)")
      assert.has_error(function() credo.LogisticRegression { C = -1 } end,
        "LogisticRegression: parameter 'C' must be > 0 (got -1)")
      assert.has_error(function() credo.LogisticRegression { penalty = "elasticnet" } end,
        "LogisticRegression: parameter 'penalty' must be one of l2, l1, none (got 'elasticnet')")
      assert.has_error(function() credo.LogisticRegression { penalty = "l1" } end,
        "LogisticRegression: solver 'lbfgs' supports penalty 'l2' or 'none' (use solver = 'owlqn' for 'l1')")
      assert.has_error(function()
        credo.LogisticRegression():set_params { penalty = "l1" }:fit(X, y)
      end, "LogisticRegression:fit: solver 'lbfgs' supports penalty 'l2' or 'none' (use solver = 'owlqn' for 'l1')")
      assert.has_error(function() credo.LogisticRegression { C = math.huge } end,
        "LogisticRegression: parameter 'C' must be finite (got inf)")
      -- a loaded state with a NaN intercept gave NaN probabilities
      local bad = credo.LogisticRegression():fit(X, y)
      bad.state_.intercept = 0 / 0
      local ok, e = pcall(bad.predict_proba, bad, X)
      assert.is_false(ok)
      assert.matches("intercept is not finite", e)
      -- every number parameter of every estimator: infinity is refused (GBDT took learning_rate = inf)
      assert.has_error(function() credo.GBDT { learning_rate = math.huge } end,
        "GBDT: parameter 'learning_rate' must be finite (got inf)")
      assert.has_error(function() credo.GBDT { scale_pos_weight = -math.huge } end)
      assert.has_error(function() credo.LogisticRegression():set_params("x") end,
        "LogisticRegression:set_params: expected a table of parameters (got string)")
      assert.has_error(function() credo.LogisticRegression { Cs = 1 } end,
        "LogisticRegression: unknown parameter 'Cs'")
    end)

    it("rejects non-finite features", function()
      local Xn = X:clone()
      Xn[3][2] = 0 / 0
      assert.matches("bad argument #1 to 'fit' %(X contains NaN at row 3, column 2",
        err_of(function() credo.LogisticRegression():fit(Xn, y) end))
      Xn[3][2] = math.huge
      assert.matches("bad argument #1 to 'fit' %(X contains an infinite value at row 3, column 2",
        err_of(function() credo.LogisticRegression():fit(Xn, y) end))
    end)

    it("rejects one class only", function()
      local y0 = credo.zeros({ 300 }, "int64")
      assert.matches("bad argument #2 to 'fit' %(y holds only class 0 %(logistic regression needs both classes 0 and 1%)%)",
        err_of(function() credo.LogisticRegression():fit(X, y0) end))
      assert.matches("bad argument #2 to 'fit' %(y holds only class 1",
        err_of(function() credo.LogisticRegression { class_weight = "balanced" }:fit(X, y0 + 1) end))
    end)

    it("rejects labels other than 0 and 1 and float labels", function()
      assert.matches("bad argument #2 to 'fit' %(y holds 2 at index 1 %(binary labels 0 and 1 only%)%)",
        err_of(function() credo.LogisticRegression():fit(X, y * 0 + 2) end))
      assert.matches("bad argument #2 to 'fit' %(y must be an int64 tensor of class labels 0 and 1 %(got float64%)%)",
        err_of(function() credo.LogisticRegression():fit(X, y:double()) end))
    end)

    it("rejects shape mismatches", function()
      assert.matches("bad argument #2 to 'fit' %(y must be a 1%-d tensor of 300 labels, one per row of X %(got shape %[10%]%)%)",
        err_of(function() credo.LogisticRegression():fit(X, y:narrow(1, 1, 10)) end))
      assert.matches("bad argument #1 to 'fit' %(X must be a 2%-d tensor %(got shape %[300%]%)%)",
        err_of(function() credo.LogisticRegression():fit(X:select(2, 1), y) end))
      assert.matches("bad argument #3 to 'fit' %(sample_weight must be a 1%-d tensor of 300 weights, one per row%)",
        err_of(function() credo.LogisticRegression():fit(X, y, { sample_weight = sw:narrow(1, 1, 5) }) end))
      assert.matches("bad argument #3 to 'fit' %(sample_weight%[4%] = %-1",
        err_of(function()
          local w = sw:clone(); w[4] = -1
          credo.LogisticRegression():fit(X, y, { sample_weight = w })
        end))
      assert.has_error(function() credo.LogisticRegression():fit(X, y, { weights = sw }) end,
        "bad argument #3 to 'fit' (unknown option 'weights')")
      local m = credo.LogisticRegression():fit(X, y)
      assert.matches("bad argument #1 to 'predict_proba' %(X has 3 features but the model was fitted on 8%)",
        err_of(function() m:predict_proba(X:narrow(2, 1, 3)) end))
    end)

    it("fits the intercept alone when X has no columns, and refuses nothing to fit", function()
      local y5 = credo.tensor({ 0, 1, 1, 0, 1 }, "int64")
      local m = credo.LogisticRegression { tol = 1e-10 }:fit(credo.zeros({ 5, 0 }, "float64"), y5)
      assert.are.equal(0, m.coef_:numel())
      assert.is_true(math.abs(m.intercept_ - math.log(3 / 2)) < 1e-7)
      assert.matches("bad argument #1 to 'fit' %(X has no columns and fit_intercept is false: nothing to fit%)",
        err_of(function()
          credo.LogisticRegression { fit_intercept = false }:fit(credo.zeros({ 5, 0 }, "float64"), y5)
        end))
    end)

    it("refuses to predict before fit", function()
      assert.has_error(function() credo.LogisticRegression():predict(X) end,
        "LogisticRegression:predict: model is not fitted (call fit first)")
    end)
  end)
end)

describe("credo.linear designs", function()
  -- a small dense matrix with zeros, and the same as CSR
  local Xd = credo.tensor({
    { 1, 0, 0, 2 }, { 0, 0, 3, 0 }, { 0, 1, 0, 0 }, { 4, 0, 0, 1 },
    { 0, 2, 1, 0 }, { 1, 1, 0, 0 }, { 0, 0, 0, 3 }, { 2, 0, 2, 0 } }, "float64")
  local yd = credo.tensor({ 1, 0, 0, 1, 0, 1, 1, 0 }, "int64")
  local indptr, indices, values = { 0 }, {}, {}
  for i = 1, 8 do
    for j = 1, 4 do
      local v = Xd:get(i, j)
      if v ~= 0 then indices[#indices + 1] = j; values[#values + 1] = v end
    end
    indptr[#indptr + 1] = #indices
  end
  local D = credo.linear.design {
    indptr = credo.tensor(indptr, "int64"), indices = credo.tensor(indices, "int64"),
    values = credo.tensor(values, "float64"), ncols = 4 }

  it("describes itself", function()
    assert.are.equal(8, D:nrows())
    assert.are.equal(4, D:ncols())
    assert.are.equal(#indices, D:nnz())
    assert.are.equal("Design(8 rows: 0 dense + 4 sparse columns, 13 stored entries)", tostring(D))
  end)

  it("fits a CSR design as the equal dense matrix", function()
    local a = credo.LogisticRegression { C = 3, tol = 1e-10 }:fit(Xd, yd)
    local b = credo.LogisticRegression { C = 3, tol = 1e-10 }:fit(D, yd)
    assert.is_true((a.coef_ - b.coef_):abs():max() < 1e-9)
    assert.is_true(math.abs(a.intercept_ - b.intercept_) < 1e-9)
    assert.is_true((a:predict_proba(Xd) - b:predict_proba(D)):abs():max() < 1e-12)
  end)

  it("combines a dense block and a sparse block", function()
    local Dm = credo.linear.design {
      dense = Xd:narrow(2, 1, 2), indptr = credo.tensor(indptr, "int64"),
      indices = credo.tensor(indices, "int64"), values = credo.tensor(values, "float64"), ncols = 4 }
    assert.are.equal(6, Dm:ncols())
    local full = credo.cat({ Xd:narrow(2, 1, 2), Xd }, 2)
    local a = credo.LogisticRegression { tol = 1e-10 }:fit(full, yd)
    local b = credo.LogisticRegression { tol = 1e-10 }:fit(Dm, yd)
    assert.is_true((a.coef_ - b.coef_):abs():max() < 1e-9)
  end)

  it("implicit ones (values nil) are a one-hot design", function()
    local codes = credo.tensor({ { 0, 2 }, { 1, 0 }, { 2, 1 }, { 0, 0 }, { 1, 2 }, { 2, 2 }, { 0, 1 }, { 1, 1 } }, "int64")
    local Do = credo.linear.onehot(codes, { 3, 3 })
    local padded = credo.cat({ credo.zeros({ 2, 2 }, "int64"), codes }, 1)
    local Dv = credo.linear.onehot(padded:narrow(1, 3, 8), { 3, 3 })   -- an offset view
    local dense = credo.zeros({ 8, 6 }, "float64")
    for i = 1, 8 do
      dense[i][codes:get(i, 1) + 1] = 1
      dense[i][3 + codes:get(i, 2) + 1] = 1
    end
    local a = credo.LogisticRegression { tol = 1e-10 }:fit(dense, yd)
    local b = credo.LogisticRegression { tol = 1e-10 }:fit(Do, yd)
    assert.is_true((a.coef_ - b.coef_):abs():max() < 1e-9)
    local c = credo.LogisticRegression { tol = 1e-10 }:fit(Dv, yd)
    assert.is_true(bits_equal(b.coef_, c.coef_))
  end)

  it("rejects malformed CSR arrays", function()
    local ip = credo.tensor(indptr, "int64")
    assert.has_error(function()
      credo.linear.design { indptr = ip, indices = credo.tensor(indices, "int64"), ncols = 3 }
    end, "bad argument #3 to 'design' (indices[2] = 4 is not a column 1..3)")
    assert.has_error(function()
      credo.linear.design { indptr = ip:narrow(1, 1, 5), indices = credo.tensor(indices, "int64"), ncols = 4 }
    end, "bad argument #2 to 'design' (indptr ends at 6 but indices holds 13 entries)")
    local m = credo.LogisticRegression():fit(D, yd)
    assert.matches("bad argument #1 to 'predict' %(X has 5 features but the model was fitted on 4%)",
      err_of(function() m:predict(credo.zeros(2, 5)) end))
  end)

  it("WideEncoder and design refuse options they do not know (they were ignored)", function()
    assert.has_error(function() credo.linear.WideEncoder { columns = { "a" }, bogus = 1 } end,
      "bad argument #1 to 'WideEncoder' (unknown option 'bogus')")
    assert.has_error(function() credo.linear.WideEncoder { columns = { "a" }, crosses = "x" } end,
      "bad argument #1 to 'WideEncoder' (crosses must be a list of lists of two or more column names)")
    assert.has_error(function() credo.linear.WideEncoder { columns = { "a" }, dense = "n" } end,
      "bad argument #1 to 'WideEncoder' (dense must be a list of column names)")
    assert.has_error(function() credo.linear.WideEncoder { columns = { "a" } }:fit({}) end,
      "bad argument #1 to 'fit' (expected a Frame, got table)")
    assert.has_error(function() credo.linear.design { dense = credo.zeros(2, 2):double(), foo = 1 } end,
      "bad argument #1 to 'design' (unknown field 'foo')")
  end)

  it("WideEncoder: one-hot columns and hashed crosses from a Frame", function()
    local a, b, yy = {}, {}, {}
    for i = 1, 400 do
      a[i] = ({ "x", "y", "z" })[i % 3 + 1]
      b[i] = ({ "p", "q" })[(i // 3) % 2 + 1]
      local cross = (a[i] == "x" and b[i] == "q") or (a[i] == "z" and b[i] == "p")
      yy[i] = cross and 1 or 0
    end
    local df = credo.Frame.new({ "a", "b" }, { a = a, b = b })
    local enc = credo.linear.WideEncoder { columns = { "a", "b" }, crosses = { { "a", "b" } }, buckets = 64 }
    local Dw = enc:fit_transform(df)
    assert.are.equal(4 + 3 + 64, Dw:ncols())      -- (3 + 1) + (2 + 1) + 64
    assert.are.equal(400 * 3, Dw:nnz())
    local yt = credo.tensor(yy, "int64")
    -- the label is an XOR of the two columns: only the cross separates it
    local wide = credo.LogisticRegression { C = 100 }:fit(Dw, yt)
    assert.are.equal(0, (wide:predict(Dw) - yt):abs():sum())
    local Dp = credo.linear.WideEncoder { columns = { "a", "b" } }:fit_transform(df)
    assert.are.equal(7, Dp:ncols())
    local plain = credo.LogisticRegression { C = 100 }:fit(Dp, yt)
    assert.is_true((plain:predict(Dp) - yt):abs():sum() > 50)
    -- a test frame with an unseen level and other level order
    local dt = credo.Frame.new({ "a", "b" }, { a = { "z", "w", "x" }, b = { "q", "p", "q" } })
    local Dt = enc:transform(dt)
    local p = wide:predict_proba(Dt)
    assert.are.equal(3, p:size(1))
    assert.is_true(p:get(3, 2) > 0.9)   -- x & q is class 1
  end)
end)
