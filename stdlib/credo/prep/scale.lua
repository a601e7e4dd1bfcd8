-- credo.prep scalers: StandardScaler, MinMaxScaler, RobustScaler and
-- QuantileTransformer, scikit-learn 1.2's definitions (docs/prep.md).
--
--   local sc = credo.prep.StandardScaler():fit(Xtrain)
--   local Z = sc:transform(Xtest)          -- float32 in, float32 out
--   local q = credo.prep.QuantileTransformer { output_distribution = "normal" }
--   local G = q:fit_transform(Xtrain)
--
-- X is a 2-d tensor, rows are samples.  NaN is missing: ignored when
-- fitting, kept in the output (as scikit-learn does); infinities are
-- errors.  Statistics and the transforms run in the native core
-- (natives/prep) in float64; the output has the input's dtype when it is
-- float32, float64 otherwise.  Not here: sparse input, partial_fit, sample
-- weights.
local estimator = require "credo.estimator"
local U = require "credo.prep.util"
local C, T = U.C, U.T

local M = {}

local EPS = 2.220446049250313e-16

-- Shared transform plumbing (the method has checked it is fitted): shape,
-- then the native affine.
local function affine(self, method, X, a, b, mode, lo, hi)
  local op = U.opname(self, method)
  local _, d = U.check_matrix(op, 1, X)
  U.check_ncols(self, op, 1, d)
  return C.affine(op, 1, X, a, b, mode, U.out_dtype(X), lo, hi)
end

local function fit_transform(self, X, y)
  return self:fit(X, y):transform(X)
end

-- Column statistics with a check that each column has a value.
local function moments(op, X)
  local count, mean, var, mn, mx = C.moments(op, 1, X)
  for j = 1, count:size(1) do
    if count[j] == 0 then U.argerror(op, 1, ("X: column %d has only NaN"):format(j)) end
  end
  return count, mean, var, mn, mx
end

-- ---- StandardScaler ----

local StandardScaler = estimator.class("StandardScaler", {
  with_mean = { default = true, type = "boolean", doc = "subtract the column means" },
  with_std = { default = true, type = "boolean", doc = "divide by the column standard deviations" },
})

--- fit(X) -> self: mean and population variance per column (NaN ignored).
-- scale = sqrt(var), except 1 for a constant column: var <= n eps var +
-- (n mean eps)^2 (scikit-learn's _is_constant_feature).
function StandardScaler:fit(X)
  local op = U.opname(self, "fit")
  U.check_matrix(op, 1, X)
  self.state_ = nil
  local count, mean, var = moments(op, X)
  local d = mean:size(1)
  local scale = T.ones({ d }, "float64")
  if self.params_.with_std then
    for j = 1, d do
      local n, v, mu = count[j], var[j], mean[j]
      if v == math.huge then   -- finite values whose squares overflow: no usable scale
        U.argerror(op, 1, ("column %d: its variance overflows (values near %g); scale it down first"):format(
          j, mu ~= mu and 0 or mu))
      end
      local bound = n * EPS * v + (n * mu * EPS) ^ 2
      scale[j] = v <= bound and 1.0 or math.sqrt(v)
    end
  end
  self.state_ = { mean = mean, var = var, scale = scale, n_samples_seen = count, n_features = d }
  return self
end

function StandardScaler:transform(X)
  self:check_fitted("transform")
  local st = self.state_ or {}
  local a = self.params_.with_mean and st.mean or (st.mean and T.zeros_like(st.mean))
  return affine(self, "transform", X, a, st.scale, "subdiv")
end

function StandardScaler:inverse_transform(X)
  self:check_fitted("inverse_transform")
  local st = self.state_ or {}
  local a = self.params_.with_mean and st.mean or (st.mean and T.zeros_like(st.mean))
  return affine(self, "inverse_transform", X, a, st.scale, "muladd")
end

StandardScaler.fit_transform = fit_transform
M.StandardScaler = StandardScaler

-- ---- MinMaxScaler ----

local function range_check(v)
  if type(v) ~= "table" or #v ~= 2 or type(v[1]) ~= "number" or type(v[2]) ~= "number"
      or v[1] ~= v[1] or v[2] ~= v[2] then
    return false, "must be a list of two numbers {min, max}"
  end
  if not (v[1] < v[2]) then
    return false, ("min must be smaller than max (got {%s, %s})"):format(v[1], v[2])
  end
  if not (v[2] - v[1] < math.huge) then
    return false, ("must be finite with a finite width (got {%s, %s})"):format(v[1], v[2])
  end
  return true
end

local MinMaxScaler = estimator.class("MinMaxScaler", {
  feature_range = { default = { 0, 1 }, type = "table", check = range_check,
                    doc = "output range {min, max}" },
  clip = { default = false, type = "boolean", doc = "clip transformed values to feature_range" },
})

--- fit(X) -> self: data_min, data_max per column (NaN ignored);
-- scale = (max_out - min_out) / (data_max - data_min), a zero range taken
-- as 1; min = min_out - data_min * scale.
function MinMaxScaler:fit(X)
  local op = U.opname(self, "fit")
  U.check_matrix(op, 1, X)
  self.state_ = nil
  local _, _, _, mn, mx = moments(op, X)
  local d = mn:size(1)
  local lo, hi = self.params_.feature_range[1], self.params_.feature_range[2]
  local scale, minv, range = T.zeros({ d }, "float64"), T.zeros({ d }, "float64"), mx - mn
  for j = 1, d do
    local r = range[j]
    if r == math.huge then
      U.argerror(op, 1, ("column %d: its range overflows (%g to %g); scale it down first"):format(j, mn[j], mx[j]))
    end
    if r < 10 * EPS then r = 1.0 end
    scale[j] = (hi - lo) / r
    minv[j] = lo - mn[j] * scale[j]
  end
  self.state_ = { data_min = mn, data_max = mx, data_range = range, scale = scale, min = minv,
                  n_features = d }
  return self
end

function MinMaxScaler:transform(X)
  self:check_fitted("transform")
  local st = self.state_ or {}
  local fr = self.params_.feature_range
  if self.params_.clip then
    return affine(self, "transform", X, st.min, st.scale, "muladd", fr[1], fr[2])
  end
  return affine(self, "transform", X, st.min, st.scale, "muladd")
end

function MinMaxScaler:inverse_transform(X)
  self:check_fitted("inverse_transform")
  local st = self.state_ or {}
  return affine(self, "inverse_transform", X, st.min, st.scale, "subdiv")
end

MinMaxScaler.fit_transform = fit_transform
M.MinMaxScaler = MinMaxScaler

-- ---- RobustScaler ----

local function qrange_check(v)
  if type(v) ~= "table" or #v ~= 2 or type(v[1]) ~= "number" or type(v[2]) ~= "number" then
    return false, "must be a list of two percentiles {q_min, q_max}"
  end
  if not (0 <= v[1] and v[1] <= v[2] and v[2] <= 100) then
    return false, ("must satisfy 0 <= q_min <= q_max <= 100 (got {%s, %s})"):format(v[1], v[2])
  end
  return true
end

local RobustScaler = estimator.class("RobustScaler", {
  with_centering = { default = true, type = "boolean", doc = "subtract the median" },
  with_scaling = { default = true, type = "boolean", doc = "divide by the quantile range" },
  quantile_range = { default = { 25, 75 }, type = "table", check = qrange_check,
                     doc = "percentiles {q_min, q_max} of the range" },
  unit_variance = { default = false, type = "boolean",
                    doc = "divide the range by ppf(q_max) - ppf(q_min) of N(0, 1)" },
})

--- fit(X) -> self: center = median, scale = percentile q_max - q_min
-- (numpy's linear interpolation, NaN ignored), a zero range taken as 1.
function RobustScaler:fit(X)
  local op = U.opname(self, "fit")
  U.check_matrix(op, 1, X)
  self.state_ = nil
  moments(op, X)
  local qr = self.params_.quantile_range
  local P = C.percentiles(op, 1, X, { 0.5, qr[1] / 100, qr[2] / 100 })
  local d = P:size(2)
  local center, scale = P[1]:clone(), T.ones({ d }, "float64")
  if self.params_.with_scaling then
    local adjust = 1
    if self.params_.unit_variance then
      adjust = C.ndtri(qr[2] / 100) - C.ndtri(qr[1] / 100)
    end
    for j = 1, d do
      local s = P[3][j] - P[2][j]
      if s == math.huge then
        U.argerror(op, 1, ("column %d: its quantile range overflows; scale it down first"):format(j))
      end
      if s < 10 * EPS then s = 1.0 end
      scale[j] = s / adjust
    end
  end
  if not self.params_.with_centering then center = T.zeros({ d }, "float64") end
  self.state_ = { center = center, scale = scale, n_features = d }
  return self
end

function RobustScaler:transform(X)
  self:check_fitted("transform")
  local st = self.state_ or {}
  return affine(self, "transform", X, st.center, st.scale, "subdiv")
end

function RobustScaler:inverse_transform(X)
  self:check_fitted("inverse_transform")
  local st = self.state_ or {}
  return affine(self, "inverse_transform", X, st.center, st.scale, "muladd")
end

RobustScaler.fit_transform = fit_transform
M.RobustScaler = RobustScaler

-- ---- QuantileTransformer ----

local QuantileTransformer = estimator.class("QuantileTransformer", {
  n_quantiles = { default = 1000, type = "integer", min = 1, doc = "number of quantiles (knots)" },
  output_distribution = { default = "uniform", enum = { "uniform", "normal" },
                          doc = "marginal distribution of the output" },
  subsample = { default = 100000, type = "integer", min = 1,
                doc = "rows drawn (without replacement) per column to estimate the quantiles" },
  seed = { default = 0, type = "integer", doc = "seed of the subsampling (random_state)" },
})

--- fit(X) -> self: quantiles (n_quantiles_, d) at references =
-- linspace(0, 1, n_quantiles_), n_quantiles_ = min(n_quantiles, n).
function QuantileTransformer:fit(X)
  local op = U.opname(self, "fit")
  local n = U.check_matrix(op, 1, X)
  self.state_ = nil
  local p = self.params_
  if p.n_quantiles > p.subsample then
    error(("QuantileTransformer: parameter 'n_quantiles' (%d) must not exceed 'subsample' (%d)")
      :format(p.n_quantiles, p.subsample), 2)
  end
  local nq = math.max(1, math.min(p.n_quantiles, n))
  local q, r = C.quantile_fit(op, 1, X, nq, p.subsample, p.seed)
  self.state_ = { quantiles = q, references = r, n_quantiles = nq, n_features = q:size(2) }
  return self
end

local function qt(self, method, X, inverse)
  local op = U.opname(self, method)
  local _, d = U.check_matrix(op, 1, X)
  U.check_ncols(self, op, 1, d)
  local out = C.quantile_transform(op, 1, X, self.state_.quantiles, self.state_.references,
                                   self.params_.output_distribution == "normal", inverse)
  return U.as(out, U.out_dtype(X))
end

function QuantileTransformer:transform(X)
  self:check_fitted("transform")
  return qt(self, "transform", X, false)
end

function QuantileTransformer:inverse_transform(X)
  self:check_fitted("inverse_transform")
  return qt(self, "inverse_transform", X, true)
end
QuantileTransformer.fit_transform = fit_transform
M.QuantileTransformer = QuantileTransformer

return M
