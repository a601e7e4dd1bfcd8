-- prep_scale_spec.lua: credo.prep scalers and QuantileTransformer against
-- scikit-learn 1.2 (tests/fixtures/prep_sklearn.json, made by
-- bench/peers/make_prep_fixtures.py) to 1e-6, and their edge cases.
local credo = require "credo"
local H = require "prep_util"
local P = credo.prep

local F = H.fixture()
local S = F.scale
local Xtr, Xte = H.t(S.X_train), H.t(S.X_test)

local function err(fn, ...)
  local ok, e = pcall(fn, ...)
  assert.is_false(ok)
  return tostring(e)
end

describe("prep", function()
  teardown(function() H.print_report("prep scalers") end)

  describe("StandardScaler", function()
    it("matches scikit-learn (NaN ignored in fit, kept in transform)", function()
      local s = P.StandardScaler():fit(Xtr)
      H.near("StandardScaler mean", s.state_.mean, H.t(S.standard.mean), 1e-12)
      H.near("StandardScaler var", s.state_.var, H.t(S.standard.var), 1e-12)
      H.near("StandardScaler scale", s.state_.scale, H.t(S.standard.scale), 1e-12)
      H.near("StandardScaler train", s:transform(Xtr), H.t(S.standard.train), 1e-6)
      H.near("StandardScaler test", s:transform(Xte), H.t(S.standard.test), 1e-6)
      local Z = s:transform(Xte)
      assert.is_true(Z[6][3] ~= Z[6][3])
      H.near("StandardScaler inverse", s:inverse_transform(Z), Xte, 1e-9, true)
    end)

    it("gives a constant column scale 1", function()
      local Xc = H.t(S.constant.X)
      local s = P.StandardScaler():fit(Xc)
      assert.are.equal(1, s.state_.scale[3])
      H.near("StandardScaler constant", s:transform(Xc), H.t(S.constant.standard), 1e-6)
    end)

    it("keeps float32 and honours with_mean / with_std", function()
      local X = credo.tensor { { 1, 2 }, { 3, 6 } }
      local Z = P.StandardScaler():fit_transform(X)
      assert.are.equal("float32", Z:dtype())
      assert.are.same({ { -1, -1 }, { 1, 1 } }, Z:totable())
      local Z2 = P.StandardScaler { with_mean = false }:fit_transform(X:double())
      assert.are.equal("float64", Z2:dtype())
      assert.near(1, Z2[1][1], 1e-12)
      assert.near(3, Z2[2][1], 1e-12)
      local Z3 = P.StandardScaler { with_std = false }:fit_transform(X:long())
      assert.are.same({ { -1, -2 }, { 1, 2 } }, Z3:totable())
    end)

    it("errors before fit, on a column count mismatch and on inf", function()
      local s = P.StandardScaler()
      assert.matches("StandardScaler:transform: model is not fitted %(call fit first%)",
                     err(s.transform, s, Xtr))
      s:fit(Xtr)
      assert.are.equal("bad argument #1 to 'StandardScaler:transform' (X has 3 columns but "
        .. "StandardScaler was fitted on 4)", err(s.transform, s, Xtr:narrow(2, 1, 3)))
      local Xi = Xtr:clone()
      Xi[2][2] = math.huge
      assert.are.equal("bad argument #1 to 'StandardScaler:fit' (X contains inf at row 2, column 2)",
                       err(s.fit, s, Xi))
      assert.are.equal("bad argument #1 to 'StandardScaler:fit' (X: expected a 2-d tensor, got shape [3])",
                       err(s.fit, s, credo.zeros(3)))
    end)

    it("errors on empty input and on an all-NaN column; transforms 0 rows", function()
      local s = P.StandardScaler()
      assert.are.equal("bad argument #1 to 'StandardScaler:fit' (X is empty (0 rows))",
                       err(s.fit, s, credo.zeros(0, 2)))
      local Xn = credo.tensor({ { 0 / 0, 1 }, { 0 / 0, 2 } }, "float64")
      assert.are.equal("bad argument #1 to 'StandardScaler:fit' (X: column 1 has only NaN)",
                       err(s.fit, s, Xn))
      s:fit(Xtr)
      assert.are.same({ 0, 4 }, s:transform(credo.zeros(0, 4)):size())
    end)

    it("checks its parameters", function()
      assert.matches("StandardScaler: unknown parameter 'with_mena'",
                     err(P.StandardScaler, { with_mena = true }))
      assert.matches("StandardScaler: parameter 'with_std' must be boolean",
                     err(P.StandardScaler, { with_std = 1 }))
    end)

    it("saves and loads", function()
      local s = P.StandardScaler():fit(Xtr)
      local path = os.tmpname()
      credo.save(path, s)
      local s2 = credo.load(path)
      os.remove(path)
      assert.are.equal(0, H.maxdiff(s2:transform(Xte), s:transform(Xte)))
    end)
  end)

  describe("MinMaxScaler", function()
    it("matches scikit-learn, with and without clip", function()
      local m = P.MinMaxScaler { feature_range = { -1, 2 } }:fit(Xtr)
      H.near("MinMaxScaler scale", m.state_.scale, H.t(S.minmax.scale), 1e-12)
      H.near("MinMaxScaler min", m.state_.min, H.t(S.minmax.min), 1e-12)
      H.near("MinMaxScaler test", m:transform(Xte), H.t(S.minmax.test), 1e-6)
      local mc = P.MinMaxScaler { feature_range = { -1, 2 }, clip = true }:fit(Xtr)
      H.near("MinMaxScaler clip", mc:transform(Xte), H.t(S.minmax.test_clip), 1e-6)
      H.near("MinMaxScaler inverse", m:inverse_transform(m:transform(Xte)), Xte, 1e-9, true)
      H.near("MinMaxScaler constant", P.MinMaxScaler():fit_transform(H.t(S.constant.X)),
             H.t(S.constant.minmax), 1e-6)
    end)

    it("checks feature_range", function()
      assert.matches("parameter 'feature_range' min must be smaller than max",
                     err(P.MinMaxScaler, { feature_range = { 1, 1 } }))
    end)
  end)

  describe("RobustScaler", function()
    it("matches scikit-learn", function()
      local r = P.RobustScaler():fit(Xtr)
      H.near("RobustScaler center", r.state_.center, H.t(S.robust.center), 1e-12)
      H.near("RobustScaler scale", r.state_.scale, H.t(S.robust.scale), 1e-12)
      H.near("RobustScaler test", r:transform(Xte), H.t(S.robust.test), 1e-6)
      local r2 = P.RobustScaler { quantile_range = { 10, 90 }, unit_variance = true }:fit(Xtr)
      H.near("RobustScaler 10-90 unit_variance", r2:transform(Xte),
             H.t(S.robust.test_10_90_unit), 1e-6, true)
      H.near("RobustScaler constant", P.RobustScaler():fit_transform(H.t(S.constant.X)),
             H.t(S.constant.robust), 1e-6)
    end)
  end)

  describe("values near the largest double", function()
    it("are refused where the fitted scale would overflow (it was silently 1 or NaN)", function()
      local X = credo.tensor({ { 1e308 }, { -1e308 } }, "float64")
      assert.matches("column 1: its variance overflows", err(function() P.StandardScaler {}:fit(X) end))
      assert.matches("column 1: its range overflows", err(function() P.MinMaxScaler {}:fit(X) end))
      assert.matches("parameter 'feature_range' must be finite with a finite width",
        err(function() P.MinMaxScaler { feature_range = { -1e308, 1e308 } } end))
      local ok = pcall(function() return P.StandardScaler {}:fit(X:div(1e160)) end)
      assert.is_true(ok)                                       -- scaled down: fine
    end)
  end)

  describe("QuantileTransformer", function()
    for _, key in ipairs { "uniform_50", "normal_50", "uniform_1000", "normal_1000" } do
      it("matches scikit-learn: " .. key, function()
        local dist, nq = key:match("(%a+)_(%d+)")
        local v = F.quantile[key]
        local q = P.QuantileTransformer { n_quantiles = tonumber(nq), output_distribution = dist }
        q:fit(Xtr)
        H.near("Quantile " .. key .. " quantiles", q.state_.quantiles, H.t(v.quantiles), 0)
        H.near("Quantile " .. key .. " references", q.state_.references, H.t(v.references), 0)
        H.near("Quantile " .. key .. " train", q:transform(Xtr), H.t(v.train), 1e-6)
        H.near("Quantile " .. key .. " test", q:transform(Xte), H.t(v.test), 1e-6)
        H.near("Quantile " .. key .. " inverse", q:inverse_transform(H.t(v.test)),
               H.t(v.inverse), 1e-6, true)
      end)
    end

    it("maps a constant column to 0 and keeps NaN", function()
      local X = credo.tensor({ { 2, 1 }, { 2, 0 / 0 }, { 2, 3 } }, "float64")
      local Z = P.QuantileTransformer():fit_transform(X)
      assert.are.equal(0, Z[1][1])
      assert.are.equal(0, Z[3][1])
      assert.is_true(Z[2][2] ~= Z[2][2])
    end)

    it("subsamples reproducibly and checks n_quantiles <= subsample", function()
      local g = credo.Generator(1)
      local X = g:randn(3000, 2, "float64")
      local a = P.QuantileTransformer { subsample = 500, n_quantiles = 100, seed = 3 }:fit(X)
      local b = P.QuantileTransformer { subsample = 500, n_quantiles = 100, seed = 3 }:fit(X)
      assert.are.equal(0, H.maxdiff(a.state_.quantiles, b.state_.quantiles))
      local q = P.QuantileTransformer { subsample = 10, n_quantiles = 20 }
      assert.matches("parameter 'n_quantiles' %(20%) must not exceed 'subsample' %(10%)",
                     err(q.fit, q, X))
    end)
  end)
end)
