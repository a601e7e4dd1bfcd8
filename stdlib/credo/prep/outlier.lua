-- credo.prep outliers and structure: the IQR rule and the z-score rule as
-- estimators (bounds learnt on training data), the Hampel identifier and
-- the median filter on ordered sequences, Bayesian online change-point
-- detection (Adams & MacKay 2007), and their composition, the BCP-HI
-- pipeline of gwe-blendnet (docs/prep.md, "BCP-HI").
--
--   local iqr = credo.prep.IQROutliers { k = 1.5, action = "clip" }
--   local Xc = iqr:fit(Xtrain):transform(Xtest)     -- clipped to the fences
--   local mask = iqr:mask(Xtest)                     -- int64 0/1 (n, d)
--   local fixed, flags = credo.prep.hampel(x, { window = 3, n_sigmas = 3 })
--   local cp = credo.prep.bocpd(x, { hazard = 1 / 250 })
--   local clean, flags, seg = credo.prep.bcp_hi(x)
--
-- Sequences are 1-d tensors read in order (the row order of a column);
-- windows are truncated at the ends.  The work is native (natives/prep,
-- float64).  Not here: multivariate change points, robust covariance
-- (elliptic envelope), LOF.
local estimator = require "credo.estimator"
local U = require "credo.prep.util"
local C, T = U.C, U.T
local csv = require("credo.core").csv

local M = {}

-- ---- bound rules (IQR, z-score) ----

local ACTIONS = { "clip", "nan", "flag" }

-- Shared transform of a fitted bound rule: lo, hi are (d) float64.
local function bounds_mask(self, op, X)
  local _, d = U.check_matrix(op, 1, X)
  U.check_ncols(self, op, 1, d)
  C.check(op, 1, X, true, true)
  local st = self.state_
  local lo, hi = U.as(st.lower, U.out_dtype(X)), U.as(st.upper, U.out_dtype(X))
  return X:lt(lo) + X:gt(hi), lo, hi
end

local function bounds_transform(self, method, X)
  local op = U.opname(self, method)
  local mask, lo, hi = bounds_mask(self, op, X)
  local a = self.params_.action
  if a == "flag" then return mask end
  local Xf = U.as(X, U.out_dtype(X))
  if a == "nan" then return T.where(mask, 0 / 0, Xf) end
  return T.where(X:lt(lo), lo, T.where(X:gt(hi), hi, Xf))
end

local function bound_class(name, extra, fit_bounds, doc)
  local params = {
    action = { default = "clip", enum = ACTIONS,
               doc = "transform: clip to the bounds, set outliers to NaN, or return the 0/1 mask" },
  }
  for k, v in pairs(extra) do params[k] = v end
  local cls = estimator.class(name, params)
  --- fit(X) -> self: per column lower and upper bounds (NaN ignored).
  function cls:fit(X)
    local op = U.opname(self, "fit")
    U.check_matrix(op, 1, X)
    self.state_ = nil
    local lo, hi, extra_state = fit_bounds(self, op, X)
    self.state_ = { lower = lo, upper = hi, n_features = lo:size(1) }
    for k, v in pairs(extra_state or {}) do self.state_[k] = v end
    return self
  end
  function cls:transform(X)
    self:check_fitted("transform")
    return bounds_transform(self, "transform", X)
  end
  --- mask(X) -> int64 (n, d): 1 where a value lies outside its bounds.
  function cls:mask(X)
    self:check_fitted("mask")
    return (bounds_mask(self, U.opname(self, "mask"), X))
  end
  function cls:fit_transform(X)
    return self:fit(X):transform(X)
  end
  function cls:bounds()
    self:check_fitted("bounds")
    return self.state_.lower, self.state_.upper
  end
  cls.__doc = doc
  return cls
end

local function has_values(op, X)
  local count = C.moments(op, 1, X)
  for j = 1, count:size(1) do
    if count[j] == 0 then U.argerror(op, 1, ("X: column %d has only NaN"):format(j)) end
  end
end

-- Tukey's fences: [Q1 - k IQR, Q3 + k IQR], quartiles by numpy's linear
-- interpolation.
M.IQROutliers = bound_class("IQROutliers", {
  k = { default = 1.5, type = "number", min = 0, doc = "fence multiplier of the IQR" },
}, function(self, op, X)
  has_values(op, X)
  local P = C.percentiles(op, 1, X, { 0.25, 0.75 })
  local q1, q3 = P[1]:clone(), P[2]:clone()
  local iqr = q3 - q1
  return q1 - iqr * self.params_.k, q3 + iqr * self.params_.k, { q1 = q1, q3 = q3 }
end, "Tukey's IQR rule")

-- |x - mean| > threshold * std, std the population one (ddof 0, as
-- scipy.stats.zscore); a constant column has bounds [mean, mean].
M.ZScoreOutliers = bound_class("ZScoreOutliers", {
  threshold = { default = 3.0, type = "number", min = 0, doc = "outlier beyond this many std" },
}, function(self, op, X)
  has_values(op, X)
  local _, mean, var = C.moments(op, 1, X)
  local sd = var:sqrt()
  local t = self.params_.threshold
  return mean - sd * t, mean + sd * t, { mean = mean, std = sd }
end, "z-score rule")

-- ---- sequences ----

local function seq(op, x)
  U.check_vector(op, 1, x, "x")
  return x
end

local function int_opt(op, i, o, key, default, lo)
  local v = o[key]
  if v == nil then return default end
  if not U.is_int(v) or v < lo then
    U.argerror(op, i, ("%s must be an integer >= %d, got %s"):format(key, lo, tostring(v)))
  end
  return math.tointeger(v)
end

local function num_opt(op, i, o, key, default, ok, what)
  local v = o[key]
  if v == nil then return default end
  if type(v) ~= "number" or v ~= v or not ok(v) then
    U.argerror(op, i, ("%s must be %s, got %s"):format(key, what, tostring(v)))
  end
  return v
end

--- hampel(x [, {window = 3, n_sigmas = 3}]) -> corrected, flags, medians,
-- scales.  For each i: m = median of x[i-window .. i+window] (truncated at
-- the ends), s = 1.4826 * median |x_j - m| over the same window; x_i is
-- flagged when |x_i - m| > n_sigmas * s and replaced by m.  corrected,
-- medians, scales float64, flags int64 0/1.
function M.hampel(x, opts)
  local op = "hampel"
  seq(op, x)
  local o = U.options(op, 2, opts, U.set("window", "n_sigmas"))
  local k = int_opt(op, 2, o, "window", 3, 0)
  local t = num_opt(op, 2, o, "n_sigmas", 3, function(v) return v >= 0 and v < math.huge end,
                    "a finite number >= 0")
  return C.hampel(op, 1, x, k, t)
end

--- median_filter(x [, {size = 5, mask = nil}]) -> float64: each value
-- replaced by the median of the `size` values centred on it (size odd,
-- truncated at the ends); with a mask (1-d, non-zero = replace), only the
-- masked positions are replaced.
function M.median_filter(x, opts)
  local op = "median_filter"
  seq(op, x)
  local o = U.options(op, 2, opts, U.set("size", "mask"))
  local size = int_opt(op, 2, o, "size", 5, 1)
  if size % 2 == 0 then U.argerror(op, 2, ("size must be odd, got %d"):format(size)) end
  return C.median_filter(op, 1, x, (size - 1) // 2, o.mask)
end

-- Robust scale of x: 1.4826 MAD, else the std, else 1.
local function robust_scale(op, x)
  local col = x:double():reshape(-1, 1)
  local med = C.percentiles(op, 1, col, { 0.5 })[1][1]
  local dev = (col - med):abs()
  local s = 1.4826 * C.percentiles(op, 1, dev, { 0.5 })[1][1]
  if not (s > 0) then
    local _, _, var = C.moments(op, 1, col)
    s = math.sqrt(var[1])
  end
  if not (s > 0) then s = 1 end
  return med, s
end

--- bocpd(x [, opts]) -> {cp_prob, run_length, segment, starts,
-- log_evidence}.  Adams & MacKay (2007) with a Normal-Gamma prior on each
-- segment's mean and precision and a constant hazard.  opts: hazard
-- (default 1/250), mu0 (default the median of x), kappa0 (1), alpha0 (1),
-- beta0 (default alpha0 * s^2, s = 1.4826 MAD of x), max_run (0 = exact).
-- cp_prob[t] = P(x_t starts a segment | x_1..t); run_length[t] = the most
-- probable run length (points of the current segment including x_t);
-- segment (int64, 1-based) and starts (1-based first index of each
-- segment) are the MAP segmentation (Viterbi).
function M.bocpd(x, opts)
  local op = "bocpd"
  seq(op, x)
  C.check(op, 1, x, false, true)
  local o = U.options(op, 2, opts, U.set("hazard", "mu0", "kappa0", "alpha0", "beta0", "max_run"))
  local pos = function(v) return v > 0 and v < math.huge end
  local hazard = num_opt(op, 2, o, "hazard", 1 / 250, function(v) return v > 0 and v < 1 end,
                         "a number in (0, 1)")
  local kappa0 = num_opt(op, 2, o, "kappa0", 1, pos, "a finite number > 0")
  local alpha0 = num_opt(op, 2, o, "alpha0", 1, pos, "a finite number > 0")
  local mu0, beta0 = o.mu0, o.beta0
  if (mu0 == nil or beta0 == nil) and x:size(1) > 0 then
    local med, s = robust_scale(op, x)
    if mu0 == nil then mu0 = med end
    if beta0 == nil then beta0 = alpha0 * s * s end
  end
  mu0 = num_opt(op, 2, { mu0 = mu0 }, "mu0", 0, function(v) return math.abs(v) < math.huge end,
                "a finite number")
  beta0 = num_opt(op, 2, { beta0 = beta0 }, "beta0", 1, pos, "a finite number > 0")
  local max_run = int_opt(op, 2, o, "max_run", 0, 0)
  if max_run == 1 then U.argerror(op, 2, "max_run must be 0 (exact) or >= 2") end
  local cp, rl, seg, logev = C.bocpd(op, 1, x, hazard, mu0, kappa0, alpha0, beta0, max_run)
  local starts = {}
  local prev = -1
  for i, s in ipairs(csv.tolist(seg)) do
    if s ~= prev then starts[#starts + 1] = i; prev = s end
  end
  return { cp_prob = cp, run_length = rl, segment = seg,
           starts = T.tensor(starts, "int64"), log_evidence = logev,
           prior = { mu0 = mu0, kappa0 = kappa0, alpha0 = alpha0, beta0 = beta0,
                     hazard = hazard } }
end

-- Segment starts (1-based, increasing, the first 1) with every segment
-- shorter than min_seg merged into its predecessor (the first one into
-- its successor).
local function merge_short(starts, n, min_seg)
  local out = {}
  for s = 1, #starts do
    local a = starts[s]
    local b = s < #starts and starts[s + 1] - 1 or n
    if #out == 0 or b - a + 1 >= min_seg then out[#out + 1] = a end
  end
  -- the first segment too short: merge it into the next one
  if #out > 1 and out[2] - out[1] < min_seg then table.remove(out, 2) end
  return out
end

--- bcp_hi(x [, opts]) -> corrected (float64), flags (int64 0/1), segment
-- (int64), info.  The BCP-HI pipeline of gwe-blendnet (section 5.1,
-- Algorithm 4): (1) segment x with bocpd (opts.bocpd: its options), then
-- merge every segment shorter than opts.min_segment (10) into the one
-- before it (the first into the next): a lone outlier is itself a "change"
-- to the detector, and must stay inside a segment to be caught; (2) in
-- each segment flag values outside Tukey's fences with k = opts.k (1.5);
-- (3) in each segment flag Hampel outliers (opts.window = 3, opts.n_sigmas
-- = 3); (4) replace every flagged value by the median of the opts.size = 5
-- original values centred on it, within its segment.
function M.bcp_hi(x, opts)
  local op = "bcp_hi"
  seq(op, x)
  local o = U.options(op, 2, opts, U.set("bocpd", "k", "window", "n_sigmas", "size",
                                          "min_segment"))
  local k = num_opt(op, 2, o, "k", 1.5, function(v) return v >= 0 and v < math.huge end,
                    "a finite number >= 0")
  local window = int_opt(op, 2, o, "window", 3, 0)
  local nsig = num_opt(op, 2, o, "n_sigmas", 3, function(v) return v >= 0 and v < math.huge end,
                       "a finite number >= 0")
  local size = int_opt(op, 2, o, "size", 5, 1)
  if size % 2 == 0 then U.argerror(op, 2, ("size must be odd, got %d"):format(size)) end
  local min_seg = int_opt(op, 2, o, "min_segment", 10, 1)
  local xd = x:double():contiguous()
  local n = xd:size(1)
  if n == 0 then
    return T.zeros({ 0 }, "float64"), T.zeros({ 0 }, "int64"), T.zeros({ 0 }, "int64"),
           { starts = T.zeros({ 0 }, "int64") }
  end
  local cp = M.bocpd(xd, o.bocpd)
  local starts = merge_short(csv.tolist(cp.starts), n, min_seg)
  local segment = T.zeros({ n }, "int64")
  for s = 1, #starts do
    local a = starts[s]
    local b = s < #starts and starts[s + 1] - 1 or n
    segment:narrow(1, a, b - a + 1):fill_(s)
  end
  local out, flags, iqr_flags, hampel_flags = {}, {}, {}, {}
  for s = 1, #starts do
    local a = starts[s]
    local b = s < #starts and starts[s + 1] - 1 or n
    local seg = xd:narrow(1, a, b - a + 1)
    local P = C.percentiles(op, 1, seg:reshape(-1, 1), { 0.25, 0.75 })
    local q1, q3 = P[1][1], P[2][1]
    local lo, hi = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
    local f_iqr = seg:lt(lo) + seg:gt(hi)
    local _, f_h = C.hampel(op, 1, seg, window, nsig)
    local f = (f_iqr + f_h):gt(0)
    out[s] = C.median_filter(op, 1, seg, (size - 1) // 2, f)
    flags[s], iqr_flags[s], hampel_flags[s] = f, f_iqr, f_h
  end
  return T.cat(out), T.cat(flags), segment,
         { starts = T.tensor(starts, "int64"), change_points = cp.starts, cp_prob = cp.cp_prob,
           iqr = T.cat(iqr_flags), hampel = T.cat(hampel_flags) }
end

local function pos_int(v) return U.is_int(v) and v >= 0 end

-- The pipeline as a (stateless) transformer over the columns of X: fit
-- records the number of columns; transform runs bcp_hi on each column of
-- the X it is given.  Meant for training data (the paper cleans the data
-- before modelling); it learns nothing to carry to other rows.
local BCPHI = estimator.class("BCPHI", {
  k = { default = 1.5, type = "number", min = 0, doc = "Tukey fence multiplier" },
  window = { default = 3, type = "integer", min = 0, doc = "Hampel half-window" },
  n_sigmas = { default = 3, type = "number", min = 0, doc = "Hampel threshold" },
  min_segment = { default = 10, type = "integer", min = 1,
                  doc = "segments shorter than this merge into their neighbour" },
  size = { default = 5, type = "integer", min = 1, check = function(v)
    if v % 2 == 0 then return false, "must be odd" end
    return true
  end, doc = "median filter window (odd)" },
  hazard = { default = 1 / 250, type = "number", gt = 0, lt = 1, doc = "change-point hazard" },
  max_run = { default = 0, type = "integer", check = function(v)
    if not pos_int(v) or v == 1 then return false, "must be 0 (exact) or >= 2" end
    return true
  end, doc = "run-length cap of the change-point detector (0 = exact)" },
})

function BCPHI:fit(X)
  local op = U.opname(self, "fit")
  local _, d = U.check_matrix(op, 1, X)
  C.check(op, 1, X, false)
  self.state_ = { n_features = d }
  return self
end

--- transform(X) -> (X corrected column by column, flags (n, d) int64).
function BCPHI:transform(X)
  self:check_fitted("transform")
  local op = U.opname(self, "transform")
  local _, d = U.check_matrix(op, 1, X)
  U.check_ncols(self, op, 1, d)
  C.check(op, 1, X, false, true)
  local p = self.params_
  local cols, flags = {}, {}
  for j = 1, d do
    local c, f = M.bcp_hi(X:select(2, j), { k = p.k, window = p.window, n_sigmas = p.n_sigmas,
      size = p.size, min_segment = p.min_segment,
      bocpd = { hazard = p.hazard, max_run = p.max_run } })
    cols[j], flags[j] = c, f
  end
  return U.as(T.stack(cols, 2), U.out_dtype(X)), T.stack(flags, 2)
end

function BCPHI:fit_transform(X)
  return self:fit(X):transform(X)
end

M.BCPHI = BCPHI

return M
