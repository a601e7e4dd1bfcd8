-- prep_outlier_spec.lua: credo.prep outlier rules (IQR, z-score), the
-- Hampel identifier, the median filter, Bayesian online change points, the
-- BCP-HI pipeline and IsolationForest: their definitions worked by hand,
-- planted outliers, seeds and thread counts, and the error messages.
local credo = require "credo"
local H = require "prep_util"
local P = credo.prep

local function err(fn, ...)
  local ok, e = pcall(fn, ...)
  assert.is_false(ok)
  return tostring(e)
end

describe("prep", function()
  describe("IQROutliers", function()
    local X = credo.tensor({ { 1, 10 }, { 2, 11 }, { 3, 12 }, { 4, 13 }, { 100, 0 / 0 } }, "float64")

    it("learns Tukey's fences on training data and clips, flags or blanks", function()
      local m = P.IQROutliers():fit(X)
      local lo, hi = m:bounds()
      -- column 1: q1 = 2, q3 = 4, IQR 2 -> [-1, 7]; column 2 (NaN ignored): 10.75, 12.25
      assert.are.same({ -1, 7 }, { lo[1], hi[1] })
      assert.near(10.75 - 1.5 * 1.5, lo[2], 1e-12)
      local Z = m:transform(X)
      assert.are.equal(7, Z[5][1])
      assert.is_true(Z[5][2] ~= Z[5][2])
      assert.are.same({ { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 1, 0 } }, m:mask(X):totable())
      local f = P.IQROutliers { action = "flag", k = 3 }:fit(X):transform(X)
      assert.are.equal("int64", f:dtype())
      local nanx = P.IQROutliers { action = "nan" }:fit(X):transform(credo.tensor({ { -5, 11 } }, "float64"))
      assert.is_true(nanx[1][1] ~= nanx[1][1])
      assert.are.equal(11, nanx[1][2])
    end)

    it("errors before fit and on a column mismatch", function()
      local m = P.IQROutliers()
      assert.matches("IQROutliers:transform: model is not fitted", err(m.transform, m, X))
      m:fit(X)
      assert.are.equal("bad argument #1 to 'IQROutliers:mask' (X has 1 columns but IQROutliers "
        .. "was fitted on 2)", err(m.mask, m, credo.zeros(2, 1)))
      assert.matches("parameter 'k' must be >= 0", err(P.IQROutliers, { k = -1 }))
    end)
  end)

  describe("ZScoreOutliers", function()
    it("bounds at mean +- threshold * population std", function()
      local X = credo.tensor({ { 1 }, { 2 }, { 3 }, { 4 }, { 5 } }, "float64")
      local m = P.ZScoreOutliers { threshold = 1 }:fit(X)
      local lo, hi = m:bounds()
      assert.near(3 - math.sqrt(2), lo[1], 1e-12)
      assert.near(3 + math.sqrt(2), hi[1], 1e-12)
      assert.are.same({ 1, 0, 0, 0, 1 }, m:mask(X):reshape(-1):totable())
      local c = P.ZScoreOutliers():fit(credo.full({ 3, 1 }, 2, "float64"))
      assert.are.same({ 0, 1 }, c:mask(credo.tensor({ { 2 }, { 2.5 } }, "float64")):reshape(-1):totable())
    end)
  end)

  describe("hampel()", function()
    it("flags spikes against the window median and MAD", function()
      local x = credo.tensor({ 1.0, 1.1, 0.9, 1.05, 50, 0.95, 1.02, 0.98, 1.01, 0.97 }, "float64")
      local out, flags, med, scale = P.hampel(x, { window = 3, n_sigmas = 3 })
      assert.are.same({ 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 }, flags:totable())
      assert.are.equal(med[5], out[5])
      assert.near(1.02, out[5], 1e-15)
      assert.are.equal(1.1, out[2])
      assert.near(1.4826 * 0.05, scale[1], 1e-15)
    end)

    it("checks its arguments", function()
      assert.are.equal("bad argument #2 to 'hampel' (window must be an integer >= 0, got -1)",
                       err(P.hampel, credo.ones(4), { window = -1 }))
      assert.are.equal("bad argument #1 to 'hampel' (x contains NaN at index 2)",
                       err(P.hampel, credo.tensor { 1, 0 / 0 }))
      assert.are.equal("bad argument #1 to 'hampel' (x: expected a 1-d tensor, got shape [2,2])",
                       err(P.hampel, credo.ones(2, 2)))
      assert.are.equal("bad argument #2 to 'hampel' (unknown option 'windw')",
                       err(P.hampel, credo.ones(4), { windw = 2 }))
      assert.are.equal(0, P.hampel(credo.zeros(0)):size(1))
    end)
  end)

  describe("median_filter()", function()
    it("takes truncated window medians, everywhere or where masked", function()
      local x = credo.tensor({ 1, 9, 2, 8, 3 }, "float64")
      assert.are.same({ 5, 2, 8, 3, 5.5 }, P.median_filter(x, { size = 3 }):totable())
      local m = credo.tensor({ 0, 1, 0, 0, 0 }, "int64")
      assert.are.same({ 1, 2, 2, 8, 3 }, P.median_filter(x, { size = 3, mask = m }):totable())
      assert.are.equal("bad argument #2 to 'median_filter' (size must be odd, got 4)",
                       err(P.median_filter, x, { size = 4 }))
    end)
  end)

  describe("bocpd()", function()
    local g = credo.Generator(2)
    local x = credo.cat({ g:randn(120, "float64"), g:randn(80, "float64") + 6,
                          g:randn(100, "float64") * 0.3 - 1 })

    it("finds mean and variance shifts (MAP segmentation)", function()
      local r = P.bocpd(x)
      assert.are.same({ 1, 121, 201 }, r.starts:totable())
      assert.are.equal(3, r.segment[300])
      assert.is_true(r.cp_prob[121] > 0.5)
      assert.is_true(r.cp_prob[60] < 0.05)
      assert.are.equal(20, r.run_length[140])
      assert.is_true(r.log_evidence < 0)
    end)

    it("is exact with max_run >= n and approximates below", function()
      local a, b = P.bocpd(x), P.bocpd(x, { max_run = 300 })
      assert.are.equal(0, H.maxdiff(a.cp_prob, b.cp_prob))
      local c = P.bocpd(x, { max_run = 40 })
      assert.are.same({ 1, 121, 201 }, c.starts:totable())
    end)

    it("checks its options", function()
      assert.are.equal("bad argument #2 to 'bocpd' (hazard must be a number in (0, 1), got 1)",
                       err(P.bocpd, x, { hazard = 1 }))
      assert.are.equal("bad argument #2 to 'bocpd' (max_run must be 0 (exact) or >= 2)",
                       err(P.bocpd, x, { max_run = 1 }))
      assert.are.equal("bad argument #1 to 'bocpd' (x contains inf at index 1)",
                       err(P.bocpd, credo.tensor { math.huge }))
      assert.are.equal(0, P.bocpd(credo.zeros(0)).cp_prob:size(1))
    end)
  end)

  describe("overflow", function()
    it("bocpd refuses priors or data that overflow its predictive (it returned NaN)", function()
      assert.matches("the model overflowed", err(P.bocpd, credo.tensor({ 1, 2, 3, 4, 5, 6 }, "float64"),
        { mu0 = 1e308, beta0 = 1e308 }))
    end)
  end)

  describe("bcp_hi()", function()
    it("segments, flags by IQR and Hampel within segments, repairs with medians", function()
      local g = credo.Generator(3)
      local x = credo.cat({ g:randn(100, "float64"), g:randn(100, "float64") + 5 })
      x[40] = 30
      x[150] = -20
      local fixed, flags, seg, info = P.bcp_hi(x)
      assert.are.equal(1, flags[40])
      assert.are.equal(1, flags[150])
      assert.is_true(math.abs(fixed[40]) < 3)
      assert.is_true(math.abs(fixed[150] - 5) < 3)
      -- the mean shift at 101 is a segment start; an isolated spike also
      -- ends the run it interrupts (the MAP gives it a segment of its own,
      -- merged into the one before), and every segment is >= 10 long
      local st = info.starts:totable()
      local has101 = false
      for i, a in ipairs(st) do
        if a == 101 then has101 = true end
        local b = st[i + 1] and st[i + 1] - 1 or 200
        assert.is_true(b - a + 1 >= 10)
      end
      assert.is_true(has101)
      assert.are.equal(seg[150], seg[149])
      -- unflagged values are untouched
      for i = 1, 200 do
        if flags[i] == 0 then assert.are.equal(x[i], fixed[i]) end
      end
    end)

    it("runs per column as the BCPHI transformer", function()
      local g = credo.Generator(4)
      local X = g:randn(150, 2, "float64")
      X[10][2] = 40
      local t = P.BCPHI()
      local Z, F = t:fit_transform(X)
      assert.are.equal(1, F[10][2])
      assert.is_true(math.abs(Z[10][2]) < 3)
      assert.are.same({ 150, 2 }, Z:size())
      assert.matches("BCPHI: parameter 'size' must be odd", err(P.BCPHI, { size = 4 }))
    end)
  end)

  describe("IsolationForest", function()
    local g = credo.Generator(6)
    local X = g:randn(400, 4, "float64")
    for i = 1, 6 do X[i] = X[i] * 0 + 6 + i end

    it("gives the planted outliers the lowest scores and predicts them -1", function()
      local f = P.IsolationForest { seed = 2 }:fit(X)
      local s = f:score_samples(X)
      local _, low = s:topk(6, 1, false)
      local sorted = low:sort()
      assert.are.same({ 1, 2, 3, 4, 5, 6 }, sorted:totable())
      assert.are.equal(-0.5, f:offset())
      local p = f:predict(X)
      assert.are.equal("int64", p:dtype())
      for i = 1, 6 do assert.are.equal(-1, p[i]) end
      assert.is_true(s:max() <= 0 and s:min() >= -1)
      assert.are.equal(0, H.maxdiff(f:decision_function(X), s + 0.5))
    end)

    it("sets the offset from contamination (a percentile of training scores)", function()
      local f = P.IsolationForest { seed = 2, contamination = 0.05 }:fit(X)
      assert.are.equal(20, f:predict(X):eq(-1):sum())
    end)

    it("is the same forest for a seed at any thread count, another for another seed", function()
      local n0 = credo.threads()
      credo.threads(1)
      local a = P.IsolationForest { seed = 9, n_estimators = 30 }:fit(X):score_samples(X)
      credo.threads(2)
      local b = P.IsolationForest { seed = 9, n_estimators = 30 }:fit(X):score_samples(X)
      credo.threads(n0)
      assert.are.equal(0, H.maxdiff(a, b))
      local c = P.IsolationForest { seed = 10, n_estimators = 30 }:fit(X):score_samples(X)
      assert.is_true(H.maxdiff(a, c) > 0)
    end)

    it("uses scikit-learn's c(n)", function()
      local fx = H.fixture().iforest
      for i = 1, #fx.n do
        assert.near(fx.c[i], P.IsolationForest.average_path_length(fx.n[i]), 1e-14)
      end
    end)

    it("checks its arguments and survives save/load", function()
      local f = P.IsolationForest()
      assert.matches("IsolationForest:score_samples: model is not fitted", err(f.score_samples, f, X))
      assert.are.equal("bad argument #1 to 'IsolationForest:fit' (X contains NaN at row 1, column 2)",
                       err(f.fit, f, credo.tensor({ { 1, 0 / 0 } }, "float64")))
      assert.matches("parameter 'contamination' must be 'auto' or a number in %(0, 0.5%]",
                     err(P.IsolationForest, { contamination = 0.7 }))
      f:fit(X)
      assert.are.equal("bad argument #1 to 'IsolationForest:score_samples' (X has 3 columns but "
        .. "IsolationForest was fitted on 4)", err(f.score_samples, f, X:narrow(2, 1, 3)))
      local path = os.tmpname()
      credo.save(path, f)
      local f2 = credo.load(path)
      os.remove(path)
      assert.are.equal(0, H.maxdiff(f2:score_samples(X), f:score_samples(X)))
      assert.are.equal(0, f:score_samples(credo.zeros(0, 4)):size(1))
      assert.are.equal("bad argument #1 to 'IsolationForest:fit' (X is empty (0 rows))",
                       err(f.fit, f, credo.zeros(0, 4)))
      local small = P.IsolationForest { max_samples = 1 }:fit(X)
      assert.are.equal(-0.5, small:score_samples(X)[1])
    end)
  end)
end)
