-- prep_select_spec.lua: credo.prep PCA (scikit-learn 1.2, 1e-5 up to
-- sign), Pearson / Spearman matrices and p-values and the special
-- functions (scipy 1.10, 1e-10), ReliefF (its definition on a worked
-- case), RFE and RFECV over a small least-squares model written here that
-- exposes coef().
local credo = require "credo"
local H = require "prep_util"
local P = credo.prep
local estimator = credo.estimator

local F = H.fixture()

local function err(fn, ...)
  local ok, e = pcall(fn, ...)
  assert.is_false(ok)
  return tostring(e)
end

-- Least squares (with a tiny ridge) through credo.linalg.solve: the model
-- RFE eliminates features of.
local LS = estimator.class("PrepSpecLeastSquares", {
  ridge = { default = 1e-9, type = "number", min = 0 },
})
function LS:fit(X, y)
  local Xd = X:double()
  local A = credo.matmul(Xd:t(), Xd) + credo.eye(Xd:size(2), "float64") * self.params_.ridge
  self.state_ = { coef = credo.linalg.solve(A, credo.mv(Xd:t(), y:double())) }
  return self
end
function LS:coef()
  self:check_fitted("coef")
  return self.state_.coef
end
function LS:predict(X) return credo.mv(X:double(), self.state_.coef) end
local function neg_mse(m, X, y)
  local r = m:predict(X) - y:double()
  return -(r * r):mean()
end

describe("prep", function()
  teardown(function() H.print_report("prep PCA / correlation / special") end)

  describe("PCA", function()
    local pd = F.pca
    local A, At = H.t(pd.X), H.t(pd.X_test)
    local cases = { k3 = { n_components = 3 }, v90 = { n_components = 0.9 },
                    white = { n_components = 3, whiten = true }, all = {} }
    for _, key in ipairs { "k3", "v90", "white", "all" } do
      it("matches scikit-learn (svd_solver='full') up to sign: " .. key, function()
        local v = pd[key]
        local p = P.PCA(cases[key]):fit(A)
        assert.are.equal(v.n_components, p:n_components())
        H.near("PCA " .. key .. " components", p:components(), H.t(v.components), 1e-5)
        H.near("PCA " .. key .. " explained_variance", p:explained_variance(),
               H.t(v.explained_variance), 1e-9, true)
        H.near("PCA " .. key .. " ratio", p:explained_variance_ratio(),
               H.t(v.explained_variance_ratio), 1e-12)
        H.near("PCA " .. key .. " singular_values", p:singular_values(),
               H.t(v.singular_values), 1e-9, true)
        H.near("PCA " .. key .. " transform", p:transform(At), H.t(v.test), 1e-5)
        H.near("PCA " .. key .. " inverse", p:inverse_transform(p:transform(At)),
               H.t(v.inverse), 1e-5)
        assert.near(v.noise_variance, p:noise_variance(), 1e-9)
      end)
    end

    it("checks n_components, NaN and shapes", function()
      local p = P.PCA { n_components = 9 }
      assert.are.equal("bad argument #1 to 'PCA:fit' (n_components = 9 exceeds min(n, d) = 5)",
                       err(p.fit, p, A))
      local An = A:clone()
      An[3][2] = 0 / 0
      assert.are.equal("bad argument #1 to 'PCA:fit' (X contains NaN at row 3, column 2)",
                       err(P.PCA().fit, P.PCA(), An))
      assert.matches("parameter 'n_components' must be an integer >= 1 or a fraction",
                     err(P.PCA, { n_components = 1.5 }))
      local q = P.PCA { n_components = 2 }:fit(A)
      assert.are.equal("bad argument #1 to 'PCA:inverse_transform' (Z has 3 columns but PCA "
        .. "keeps 2 components)", err(q.inverse_transform, q, credo.zeros(1, 3)))
      assert.are.equal("float32", q:transform(A:float()):dtype())
      assert.are.equal("bad argument #1 to 'PCA:fit' (X has 1 row, PCA needs at least 2)",
                       err(q.fit, q, credo.ones(1, 3)))
      assert.are.equal("bad argument #1 to 'PCA:fit' (X is empty (0 rows))",
                       err(q.fit, q, credo.zeros(0, 5)))
      assert.are.same({ 0, 2 }, P.PCA { n_components = 2 }:fit(A):transform(credo.zeros(0, 5)):size())
    end)
  end)

  describe("pearson() and spearman()", function()
    local c = F.corr
    local X = H.t(c.X)

    it("match scipy's r and two-sided p-values to 1e-10", function()
      local r, p, names = P.pearson(X)
      H.near("pearson r", r, H.t(c.pearson_r), 1e-10)
      H.near("pearson p (relative)", p, H.t(c.pearson_p), 1e-10, true)
      assert.are.same({ "x1", "x2", "x3", "x4", "x5", "x6" }, names)
      local rs, ps = P.spearman(X)
      H.near("spearman rho", rs, H.t(c.spearman_r), 1e-10)
      H.near("spearman p (relative)", ps, H.t(c.spearman_p), 1e-10, true)
      H.near("average ranks", P.rank(X), H.t(c.ranks), 0)
      -- relative to each p, for the small ones too
      local pp, want = p:reshape(-1), H.t(c.pearson_p):reshape(-1)
      for i = 1, pp:size(1) do
        if want[i] > 0 then assert.near(1, pp[i] / want[i], 1e-10) end
      end
    end)

    it("read the numeric columns of a Frame; a constant column gives NaN", function()
      local df = credo.Frame.new({ "a", "k", "cst", "b" },
        { { 1, 2, 3, 4, 6 }, { "u", "v", "u", "v", "u" }, { 5, 5, 5, 5, 5 }, { 2, 1, 4, 3, 5 } })
      local r, p, names = P.pearson(df)
      assert.are.same({ "a", "cst", "b" }, names)
      assert.is_true(r[1][2] ~= r[1][2] and p[2][3] ~= p[2][3])
      assert.are.equal(1, r[1][1])
      assert.are.equal("bad argument #1 to 'pearson' (X has 2 rows, at least 3 are needed)",
                       err(P.pearson, credo.ones(2, 2)))
      assert.are.equal("bad argument #1 to 'spearman' (X contains NaN at row 1, column 1)",
                       err(P.spearman, credo.tensor({ { 0 / 0, 1 }, { 1, 2 }, { 2, 3 } })))
    end)
  end)

  describe("special functions", function()
    local s = F.special
    it("match scipy: ndtri, ndtr, t p-values, betainc", function()
      local worst = 0
      for i = 1, s.ndtri_p.n do
        local want = H.num(s.ndtri[i])
        worst = math.max(worst, math.abs(P.special.ndtri(s.ndtri_p[i]) - want) / math.max(1, math.abs(want)))
      end
      for i = 1, s.ndtr_x.n do
        worst = math.max(worst, math.abs(P.special.ndtr(s.ndtr_x[i]) - s.ndtr[i]) / s.ndtr[i])
      end
      for i = 1, s.t.n do
        worst = math.max(worst, math.abs(P.special.t_pvalue(s.t[i], s.df[i]) - s.t_pvalue[i]) / s.t_pvalue[i])
      end
      -- huge degrees of freedom: the normal law (the incomplete beta drifted past 1e15)
      for _, df in ipairs { 1e11, 1e20, math.huge } do
        assert.is_true(math.abs(P.special.t_pvalue(1, df) - 0.31731050786291) < 1e-12)
      end
      assert.is_true(math.abs(P.special.t_pvalue(1, 1e9) - 0.31731050786291) < 1e-9)
      for i = 1, s.beta_a.n do
        local v = P.special.betainc(s.beta_a[i], s.beta_b[i], s.beta_x[i])
        worst = math.max(worst, math.abs(v - s.betainc[i]) / s.betainc[i])
      end
      H.report["special functions (relative)"] = worst
      assert.is_true(worst < 1e-10)
    end)
  end)

  describe("relieff()", function()
    it("weights a class-separating feature over noise and constants", function()
      local g = credo.Generator(8)
      local n = 120
      local y = credo.zeros({ n }, "int64")
      local X = g:randn(n, 3, "float64")
      for i = 1, n do
        y[i] = i % 2
        X[i][1] = y[i] * 2 + X[i][1] * 0.3
        X[i][3] = 7
      end
      local w = P.relieff(X, y, { k = 5 })
      assert.is_true(w[1] > 0.2 and math.abs(w[2]) < 0.05 and w[3] == 0)
      local ws = P.relieff(X, y, { k = 5, m = 40, seed = 1 })
      assert.are.equal(0, H.maxdiff(ws, P.relieff(X, y, { k = 5, m = 40, seed = 1 })))
      assert.is_true(ws[1] > ws[2])
    end)

    it("follows Kononenko's update on a worked case", function()
      -- two features, classes {0, 0, 1, 1}, k = 1: feature 1 separates the
      -- classes, feature 2 does not
      local X = credo.tensor({ { 0, 0 }, { 0.1, 1 }, { 1, 0 }, { 0.9, 1 } }, "float64")
      local y = credo.tensor({ 0, 0, 1, 1 }, "int64")
      local w = P.relieff(X, y, { k = 1 })
      -- normalised feature 1: {0, .1, 1, .9}.  Row 1: hit row 2 (distance
      -- .1 + 1), nearest miss row 3 (1 + 0): feature 1 gets -.1 + 1, feature
      -- 2 gets -1 + 0.  Row 2: hit row 1, nearest miss row 4 (.8 + 0):
      -- -.1 + .8 and -1 + 0.  Rows 3 and 4 mirror rows 1 and 2.  Divided
      -- by m = 4: W1 = (.9 + .7 + .9 + .7) / 4 = .8, W2 = -1.
      assert.near(0.8, w[1], 1e-12)
      assert.near(-1.0, w[2], 1e-12)
    end)

    it("checks its arguments", function()
      local X = credo.ones(4, 2)
      assert.are.equal("bad argument #2 to 'relieff' (y must hold at least 2 classes)",
                       err(P.relieff, X, credo.zeros({ 4 }, "int64")))
      assert.are.equal("bad argument #2 to 'relieff' (y has 3 elements but X has 4 rows)",
                       err(P.relieff, X, credo.zeros({ 3 }, "int64")))
      assert.are.equal("bad argument #3 to 'relieff' (m must be in 1..4 (the number of rows), got 9)",
                       err(P.relieff, X, credo.tensor({ 0, 1, 0, 1 }, "int64"), { m = 9 }))
    end)
  end)

  describe("relieff() on values near the largest double", function()
    it("names the column whose range overflows (weights were NaN)", function()
      local ok, e = pcall(P.relieff, credo.tensor({ { 1e308, 1 }, { -1e308, 2 }, { 1e308, 3 } }, "float64"),
        credo.tensor({ 0, 1, 0 }, "int64"))
      assert.is_false(ok)
      assert.matches("X column 1: its range overflows", e)
    end)
  end)

  describe("RFE and RFECV", function()
    local g = credo.Generator(7)
    local X = g:randn(200, 6, "float64")
    local w = credo.tensor({ 3, 0, -2, 0, 0.5, 0 }, "float64")
    local y = credo.mv(X, w) + g:randn(200, "float64") * 0.1

    it("RFE keeps the features with the largest coefficients", function()
      local rfe = P.RFE { estimator = LS(), n_features_to_select = 3 }:fit(X, y)
      assert.are.same({ 1, 0, 1, 0, 1, 0 }, rfe:support():totable())
      assert.are.same({ 1, 3, 5 }, rfe:selected():totable())
      -- ranking: 1 for kept, higher for earlier eliminated
      local rk = rfe:ranking():totable()
      assert.are.same({ 1, 1, 1 }, { rk[1], rk[3], rk[5] })
      local others = { rk[2], rk[4], rk[6] }
      table.sort(others)
      assert.are.same({ 2, 3, 4 }, others)
      assert.are.same({ 200, 3 }, rfe:transform(X):size())
      assert.are.same({ 200 }, rfe:predict(X):size())
      assert.are.equal(3, rfe:estimator():coef():size(1))
    end)

    it("RFE with a step and the default half", function()
      local rfe = P.RFE { estimator = LS(), step = 2 }:fit(X, y)
      assert.are.same({ 1, 3, 5 }, rfe:selected():totable())
      local r2 = P.RFE { estimator = LS(), step = 0.5, n_features_to_select = 1 }:fit(X, y)
      assert.are.same({ 1 }, r2:selected():totable())
    end)

    it("RFECV scores every feature count by cross-validation", function()
      local cv = P.RFECV { estimator = LS(), scoring = neg_mse, cv = 4 }:fit(X, y)
      local res = cv:cv_results()
      assert.are.same({ 1, 2, 3, 4, 5, 6 }, res.n_features:totable())
      local m = res.mean_test_score
      -- one feature is much worse than three, and the chosen count is a best mean
      assert.is_true(m[1] < m[3])
      local best = -math.huge
      for i = 1, 6 do best = math.max(best, m[i]) end
      assert.are.equal(best, m[cv:selected():size(1)])
      local kept = {}
      for _, j in ipairs(cv:selected():totable()) do kept[j] = true end
      assert.is_true(kept[1] and kept[3] and kept[5])
      assert.are.equal(4, #res.split_test_score[1])
    end)

    it("uses credo.split.stratified_kfold for int64 labels", function()
      local yl = credo.zeros({ 200 }, "int64")
      for i = 1, 200 do if y[i] > 0 then yl[i] = 1 end end
      local acc = function(m, Xs, ys)
        local p = m:predict(Xs):gt(0.5)
        return p:eq(ys):double():mean()
      end
      local cv = P.RFECV { estimator = LS(), scoring = acc, cv = 3, shuffle = true, seed = 2 }
      cv:fit(X, yl:double())
      assert.are.equal(6, cv:cv_results().n_features:size(1))
      cv:fit(X, yl)
      assert.are.equal(6, cv:cv_results().n_features:size(1))
    end)

    it("checks the estimator and saves", function()
      assert.matches("RFE: parameter 'estimator' is required", err(P.RFE, {}))
      assert.matches("parameter 'estimator' must be an estimator", err(P.RFE, { estimator = {} }))
      local Nope = estimator.class("PrepSpecNoImportance", {})
      function Nope:fit() self.state_ = {}; return self end
      local r = P.RFE { estimator = Nope(), n_features_to_select = 2 }
      assert.are.equal("bad argument #1 to 'RFE:fit' (PrepSpecNoImportance exposes neither "
        .. "feature_importances() nor coef())", err(r.fit, r, X, y))
      local cv = P.RFECV { estimator = LS() }
      assert.matches("RFECV: parameter 'scoring' is required", err(cv.fit, cv, X, y))
      local rfe = P.RFE { estimator = LS(), n_features_to_select = 2 }:fit(X, y)
      local path = os.tmpname()
      credo.save(path, rfe)
      local r2 = credo.load(path)
      os.remove(path)
      assert.are.same(rfe:selected():totable(), r2:selected():totable())
      assert.are.equal(0, H.maxdiff(r2:predict(X), rfe:predict(X)))
      local c = rfe:clone()
      assert.is_false(c:is_fitted())
      assert.are.equal(2, c:params().n_features_to_select)
    end)
  end)
end)
