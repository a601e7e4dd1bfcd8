-- credo.sampling: resamplers for imbalanced classes and class weights
-- (docs/sampling.md), imbalanced-learn 0.10's samplers and scikit-learn
-- 1.2's compute_class_weight.
--
--   local S = credo.sampling
--   local Xr, yr = S.SMOTE { k_neighbors = 5, seed = 42 }:fit_resample(Xtr, ytr)
--   local Xu, yu = S.RandomUnderSampler { sampling_strategy = 0.5, seed = 1 }:fit_resample(Xtr, ytr)
--   local w = S.class_weights(ytr, "balanced")         -- float64, class c at w[c + 1]
--
-- Samplers follow the estimator protocol (docs/design.md): construction
-- takes a table of parameters (checked: unknown names and bad values are
-- errors), fit_resample(X, y) returns X_res, y_res.  They are meant for the
-- TRAINING split only: give them (X, y) of the training rows, never the
-- test rows (a resampled test set measures nothing real).  X is a 2-d
-- float tensor (rows are samples; the random samplers also take any 2-d
-- tensor or a Frame), y a 1-d int64 tensor of class labels >= 0.  Output:
-- the original rows first (kept or selected), then the new rows class by
-- class in label order, as imbalanced-learn stacks them.
--
-- sampling_strategy, as imbalanced-learn: "auto" (over-samplers: every
-- class but the majority; under-samplers: every class but the minority),
-- "minority", "majority", "not minority", "not majority", "all"; a number
-- r in (0, 1] for two classes (over: minority after = int(r * majority);
-- under: majority after = int(minority / r)); or a table {[label] = count}
-- of the wanted class sizes.  The heavy work is native (natives/sample);
-- this file resolves strategies and draws row choices.  Not here: the
-- cleaning samplers (Tomek links, ENN), ADASYN, the SMOTE variants.
local core = require "credo.core"
local estimator = require "credo.estimator"
local split = require "credo.split"
local C = core.sample
local T = core.tensor

local M = {}
local A = require "credo.argcheck"
local argerror, is_tensor = A.argerror, A.is_tensor

local function is_frame(v)
  local mt = type(v) == "table" and getmetatable(v)
  return mt and mt == require("credo.frame").Frame
end

-- ---- sampling strategies ----

local OVER = { "auto", "minority", "not minority", "not majority", "all" }
local UNDER = { "auto", "majority", "not minority", "not majority", "all" }

local function strategy_check(allowed, kind)
  return function(v)
    local t = type(v)
    if t == "string" then
      for _, a in ipairs(allowed) do if a == v then return true end end
      if (kind == "over" and v == "majority") or (kind == "under" and v == "minority") then
        return false, ("= '%s' cannot be used with an %s-sampler"):format(v, kind)
      end
      return false, ("must be one of '%s' (got '%s')"):format(table.concat(allowed, "', '"), v)
    elseif t == "number" then
      if not (v > 0 and v <= 1) then
        return false, ("as a number must be in (0, 1] (got %s)"):format(tostring(v))
      end
      return true
    elseif t == "table" then
      for k, c in pairs(v) do
        if math.type(k) ~= "integer" or k < 0 then
          return false, ("table keys must be class labels >= 0 (got %s)"):format(tostring(k))
        end
        if math.type(c) ~= "integer" or c < 0 then
          return false, ("count for class %d must be an integer >= 0 (got %s)"):format(
            k, tostring(c))
        end
      end
      return true
    end
    return false, "must be a string, a number or a table of class counts"
  end
end

-- Labels present in y (increasing) and their counts (label -> count).
local function class_stats(op, y)
  local counts = C.class_counts(op, y, nil, 2)
  local labels, cnt = {}, {}
  for c = 1, counts:size(1) do
    local v = counts:get(c)
    if v > 0 then
      labels[#labels + 1] = c - 1
      cnt[c - 1] = v
    end
  end
  return labels, cnt
end

-- imbalanced-learn's check_sampling_strategy: label -> number of new
-- samples (kind "over") or wanted class size ("under").  The majority
-- (minority) class is the one with most (fewest) samples, the lowest label
-- on ties.
local function resolve(op, cname, kind, ss, labels, cnt)
  if #labels < 2 then
    argerror(op, 2, ("y needs more than 1 class, got %d"):format(#labels))
  end
  local cmaj, cmin = labels[1], labels[1]
  for _, c in ipairs(labels) do
    if cnt[c] > cnt[cmaj] then cmaj = c end
    if cnt[c] < cnt[cmin] then cmin = c end
  end
  local nmaj, nmin = cnt[cmaj], cnt[cmin]
  local out = {}
  local function trunc(v) return math.tointeger(v >= 0 and math.floor(v) or math.ceil(v)) end
  if type(ss) == "string" then
    local pick = {
      auto = kind == "over" and function(c) return c ~= cmaj end or function(c) return c ~= cmin end,
      minority = function(c) return c == cmin end,
      majority = function(c) return c == cmaj end,
      ["not minority"] = function(c) return c ~= cmin end,
      ["not majority"] = function(c) return c ~= cmaj end,
      all = function() return true end,
    }
    for _, c in ipairs(labels) do
      if pick[ss](c) then out[c] = kind == "over" and nmaj - cnt[c] or nmin end
    end
  elseif type(ss) == "number" then
    if #labels ~= 2 then
      error(("%s: sampling_strategy can be a number only when y has 2 classes (got %d); "
        .. "use a table of counts"):format(cname, #labels), 0)
    end
    for _, c in ipairs(labels) do
      if kind == "over" and c ~= cmaj then
        out[c] = trunc(nmaj * ss - cnt[c])
        if out[c] <= 0 then
          error(("%s: sampling_strategy = %s would remove samples from the minority class "
            .. "while over-sampling; increase it"):format(cname, ss), 0)
        end
      elseif kind == "under" and c ~= cmin then
        out[c] = trunc(nmin / ss)
        if out[c] > cnt[c] then
          error(("%s: sampling_strategy = %s would add samples to the majority class "
            .. "while under-sampling; increase it"):format(cname, ss), 0)
        end
      end
    end
  else
    local keys = {}
    for c in pairs(ss) do keys[#keys + 1] = c end
    table.sort(keys)
    for _, c in ipairs(keys) do
      local want = ss[c]
      if not cnt[c] then
        error(("%s: sampling_strategy names class %d, which is not present in y"):format(
          cname, c), 0)
      end
      if kind == "over" then
        if want < cnt[c] then
          error(("%s: an over-sampler cannot shrink class %d from %d to %d samples"):format(
            cname, c, cnt[c], want), 0)
        end
        out[c] = want - cnt[c]
      else
        if want > cnt[c] then
          error(("%s: an under-sampler cannot grow class %d from %d to %d samples"):format(
            cname, c, cnt[c], want), 0)
        end
        out[c] = want
      end
    end
  end
  return out
end

--- targets(y, sampling_strategy, kind) -> table label -> count
-- What a sampler of kind "over" (new samples per class) or "under" (class
-- size after) would do with y, without resampling.
function M.targets(y, ss, kind)
  local op = "targets"
  if kind ~= "over" and kind ~= "under" then
    argerror(op, 3, "kind must be 'over' or 'under'")
  end
  local ok, msg = strategy_check(kind == "over" and OVER or UNDER, kind)(ss)
  if not ok then argerror(op, 2, "sampling_strategy " .. msg) end
  local labels, cnt = class_stats(op, y)
  return resolve(op, "targets", kind, ss, labels, cnt)
end

-- ---- shared fit_resample plumbing ----

local function seed_of(self)
  local s = self.params_.seed
  if s ~= nil then return s end
  return core.random.get_generator():integer(math.mininteger, math.maxinteger)
end

-- X (argument 1) against y's length; any_X allows any 2-d tensor or a Frame.
local function check_X(op, X, n, any_X)
  if is_frame(X) and any_X then
    if X:nrow() ~= n then
      argerror(op, 1, ("X has %d rows but y has %d elements"):format(X:nrow(), n))
    end
    return
  end
  if not is_tensor(X) then
    argerror(op, 1, ("X must be a 2-d %s, got %s"):format(
      any_X and "tensor or a Frame" or "float tensor", type(X)))
  end
  if X:dim() ~= 2 then
    argerror(op, 1, ("X must be a 2-d tensor, got %d-d"):format(X:dim()))
  end
  if not any_X and X:dtype() == "int64" then
    argerror(op, 1, "X must be a float32 or float64 tensor, got int64")
  end
  if X:size(1) ~= n then
    argerror(op, 1, ("X has %d rows but y has %d elements"):format(X:size(1), n))
  end
end

local function prepare(self, X, y, kind, any_X)
  local op = "fit_resample"
  local cname = getmetatable(self).__name
  local labels, cnt = class_stats(op, y)
  check_X(op, X, y:size(1), any_X)
  local tg = resolve(op, cname, kind, self.params_.sampling_strategy, labels, cnt)
  return op, cname, labels, cnt, tg
end

-- Sorted labels with a target.
local function targeted(labels, tg)
  local out = {}
  for _, c in ipairs(labels) do if tg[c] then out[#out + 1] = c end end
  return out
end

-- ---- RandomUnderSampler ----

local RUS = estimator.class("RandomUnderSampler", {
  sampling_strategy = { default = "auto", type = { "string", "number", "table" },
                        check = strategy_check(UNDER, "under"),
                        doc = "which classes to shrink and to what size" },
  replacement = { default = false, type = "boolean",
                  doc = "draw the kept rows with replacement" },
  seed = { type = "integer", doc = "seed (default: drawn from the global generator)" },
})
M.RandomUnderSampler = RUS

--- fit_resample(X, y) -> X_res, y_res
-- Every targeted class keeps `target` of its rows, chosen uniformly
-- without (or with) replacement; the other classes keep all their rows.
-- Rows come class by class in label order (imbalanced-learn's order);
-- state_.sample_indices holds the chosen rows (1-based).
function RUS:fit_resample(X, y)
  local op, _, labels, _, tg = prepare(self, X, y, "under", true)
  local g = core.random.Generator(seed_of(self))
  local groups = C.group(op, y, 2)
  local parts = {}
  for _, c in ipairs(labels) do
    local rows = groups[c + 1]
    if tg[c] then
      rows = rows:index_select(1, g:choice(rows:size(1), tg[c],
                                            { replace = self.params_.replacement }))
    end
    parts[#parts + 1] = rows
  end
  local idx = T.cat(parts)
  self.state_ = { sampling_strategy = tg, sample_indices = idx }
  return split.take(X, idx), y:index_select(1, idx)
end

-- ---- RandomOverSampler ----

local function shrink_check(v)
  if type(v) == "number" then
    if not (v >= 0) then return false, ("must be >= 0 (got %s)"):format(tostring(v)) end
    return true
  end
  for k, s in pairs(v) do
    if math.type(k) ~= "integer" or k < 0 then
      return false, ("table keys must be class labels >= 0 (got %s)"):format(tostring(k))
    end
    if type(s) ~= "number" or not (s >= 0) then
      return false, ("factor for class %d must be a number >= 0 (got %s)"):format(k, tostring(s))
    end
  end
  return true
end

local ROS = estimator.class("RandomOverSampler", {
  sampling_strategy = { default = "auto", type = { "string", "number", "table" },
                        check = strategy_check(OVER, "over"),
                        doc = "which classes to grow and to what size" },
  shrinkage = { type = { "number", "table" }, check = shrink_check,
                doc = "smoothed bootstrap: noise factor (one number or {[label] = factor})" },
  seed = { type = "integer", doc = "seed (default: drawn from the global generator)" },
})
M.RandomOverSampler = ROS

-- Per-feature population std (ddof 0) of rows `rows` of X, float64 (d).
local function feature_std(X, rows)
  local Xc = rows and X:index_select(1, rows) or X
  return Xc:double():std(1, false, 0)
end

--- fit_resample(X, y) -> X_res, y_res
-- X and y unchanged, then for each targeted class n_new rows drawn
-- uniformly with replacement from the class.  With shrinkage (a smoothed
-- bootstrap, imbalanced-learn's): each new row gets Gaussian noise of
-- standard deviation shrinkage * h * std_j per feature, std_j the class's
-- population std and h = (4 / ((d + 2) n))^(1 / (d + 4)) (n = all rows).
function ROS:fit_resample(X, y)
  local shrink = self.params_.shrinkage
  local op, cname, labels, _, tg = prepare(self, X, y, "over", shrink == nil)
  local seed = seed_of(self)
  local g = core.random.Generator(seed)
  local groups = C.group(op, y, 2)
  local parts, news = { T.arange(1, y:size(1) + 1, 1, "int64") }, { X }
  local n, d = y:size(1), is_tensor(X) and X:size(2) or 0
  for _, c in ipairs(targeted(labels, tg)) do
    if tg[c] > 0 then
      local rows = groups[c + 1]
      local boot = rows:index_select(1, g:choice(rows:size(1), tg[c], { replace = true }))
      parts[#parts + 1] = boot
      if shrink ~= nil then
        local f = shrink
        if type(shrink) == "table" then f = shrink[c] end
        if f == nil then
          error(("%s: shrinkage has no factor for class %d, which is resampled"):format(cname, c), 0)
        end
        local h = (4 / ((d + 2) * n)) ^ (1 / (d + 4))
        local sigma = feature_std(X, rows):mul(f * h)
        news[#news + 1] = C.add_noise(op, X, boot, sigma, seed, c << 32)
      end
    end
  end
  local idx = T.cat(parts)
  self.state_ = { sampling_strategy = tg, sample_indices = idx }
  local Xr = shrink ~= nil and T.cat(news) or split.take(X, idx)
  return Xr, y:index_select(1, idx)
end

-- ---- SMOTE ----

local SMOTE = estimator.class("SMOTE", {
  sampling_strategy = { default = "auto", type = { "string", "number", "table" },
                        check = strategy_check(OVER, "over"),
                        doc = "which classes to grow and to what size" },
  k_neighbors = { default = 5, type = "integer", min = 1, max = 100000,
                  doc = "nearest neighbours (same class) to interpolate towards" },
  discrete = { default = {}, type = "table",
               check = function(v)
                 local seen, keys = {}, 0
                 for _ in pairs(v) do keys = keys + 1 end
                 if keys ~= #v then return false, "must be a list of column numbers" end
                 for i, c in ipairs(v) do
                   if math.type(c) ~= "integer" or c < 1 then
                     return false, ("must list column numbers >= 1 (entry %d is %s)"):format(i, tostring(c))
                   end
                   if seen[c] then return false, ("lists column %d twice"):format(c) end
                   seen[c] = true
                 end
                 return true
               end,
               doc = "columns whose synthetic values snap to the nearest value of that column in X" },
  seed = { type = "integer", doc = "seed (default: drawn from the global generator)" },
})
M.SMOTE = SMOTE

-- The synthetic rows n+1.. of Xs, in the columns `cols`, moved to the
-- nearest value that column takes among the n rows of X (ties to the
-- lower value): whole-number counts and label codes stay values real rows
-- have.  Not SMOTE-NC (imbalanced-learn's SMOTENC also changes the
-- distance and takes the neighbours' most frequent category).
local function snap_discrete(Xs, X, cols)
  local n = X:size(1)
  for _, c in ipairs(cols) do
    local lv = X:select(2, c):double():sort():totable()
    local u = { lv[1] }
    for i = 2, #lv do if lv[i] ~= u[#u] then u[#u + 1] = lv[i] end end
    local m = #u
    for i = n + 1, Xs:size(1) do
      local v = Xs:get(i, c)
      local lo = 1
      if v >= u[m] then lo = m
      elseif v > u[1] then
        local hi = m                       -- u[lo] <= v < u[hi]
        while hi - lo > 1 do
          local mid = (lo + hi) // 2
          if u[mid] <= v then lo = mid else hi = mid end
        end
        if v - u[lo] > u[hi] - v then lo = hi end
      end
      Xs:set(i, c, u[lo])
    end
  end
  return Xs
end

--- fit_resample(X, y) -> X_res, y_res
-- For each targeted class, n_new synthetic rows x_a + u (x_b - x_a): a drawn
-- uniformly with replacement from the class, b one of a's k_neighbors
-- nearest rows of the same class (exact Euclidean, excluding a itself,
-- ties to the lower row), u uniform in [0, 1) (Chawla et al. 2002, as
-- imbalanced-learn 0.10).  X must be finite (NaN is an error: impute first).
-- Columns listed in `discrete` are then snapped, in the synthetic rows, to
-- the nearest value the column takes in X (snap_discrete above).
function SMOTE:fit_resample(X, y)
  local op, cname, labels, cnt, tg = prepare(self, X, y, "over", false)
  local k = self.params_.k_neighbors
  local K = labels[#labels] + 1
  local want = {}
  for c = 0, K - 1 do want[c + 1] = tg[c] or 0 end
  for _, c in ipairs(labels) do
    if want[c + 1] > 0 and k + 1 > cnt[c] then
      error(("%s: Expected n_neighbors <= n_samples_fit, but n_neighbors = %d, "
        .. "n_samples_fit = %d (k_neighbors = %d needs at least %d samples of class %d)"):format(
        cname, k + 1, cnt[c], k, k + 1, c), 0)
    end
  end
  local disc = self.params_.discrete
  if #disc > 0 then
    local d = X:dim() == 2 and X:size(2) or 0
    for _, c in ipairs(disc) do
      if c > d then
        error(("%s: parameter 'discrete' lists column %d but X has %d columns"):format(cname, c, d), 0)
      end
    end
  end
  local Xr, yr = C.smote(op, X, y, T.tensor(want, "int64"), k, seed_of(self))
  if #disc > 0 and Xr:size(1) > X:size(1) then Xr = snap_discrete(Xr, X, disc) end
  self.state_ = { sampling_strategy = tg }
  return Xr, yr
end

-- ---- GaussianNoiseAugmenter ----

local GNA = estimator.class("GaussianNoiseAugmenter", {
  sampling_strategy = { default = "auto", type = { "string", "number", "table" },
                        check = strategy_check(OVER, "over"),
                        doc = "which classes to grow and to what size" },
  noise_factor = { default = 0.1, type = "number", gt = 0,
                   doc = "noise std as a fraction of each feature's std" },
  spread = { default = "class", enum = { "class", "all" },
             doc = "std over the class's rows or over all rows of X" },
  seed = { type = "integer", doc = "seed (default: drawn from the global generator)" },
})
M.GaussianNoiseAugmenter = GNA

--- fit_resample(X, y) -> X_res, y_res
-- The augmentation of gwe-blendnet.txt (section 5.2): for each targeted
-- class, n_new rows x + e with x drawn uniformly with replacement from the
-- class and e_j ~ N(0, (noise_factor * std_j)^2), std_j the population std
-- of feature j over the class (spread = "class") or over all rows ("all").
-- The paper applies it after a quantile transform to a normal output;
-- transform X first (the transform is not part of this step).
function GNA:fit_resample(X, y)
  local op, _, labels, _, tg = prepare(self, X, y, "over", false)
  local seed = seed_of(self)
  local g = core.random.Generator(seed)
  local groups = C.group(op, y, 2)
  local xs, ys = { X }, { y }
  local all_std
  for _, c in ipairs(targeted(labels, tg)) do
    if tg[c] > 0 then
      local rows = groups[c + 1]
      local src = rows:index_select(1, g:choice(rows:size(1), tg[c], { replace = true }))
      local std
      if self.params_.spread == "all" then
        all_std = all_std or feature_std(X, nil)
        std = all_std
      else
        std = feature_std(X, rows)
      end
      xs[#xs + 1] = C.add_noise(op, X, src, std:mul(self.params_.noise_factor), seed, c << 32)
      ys[#ys + 1] = T.full({ tg[c] }, c, "int64")
    end
  end
  self.state_ = { sampling_strategy = tg }
  return T.cat(xs), T.cat(ys)
end

-- ---- neighbours and class weights ----

--- nearest_neighbors(X, k) -> (n, k) int64: for each row of X, the 1-based
-- rows of its k nearest other rows, nearest first (exact Euclidean
-- distance in double, ties to the lower row); what SMOTE uses per class.
function M.nearest_neighbors(X, k)
  return C.knn("nearest_neighbors", X, k)
end

local function weights_of(op, y, spec, opts)
  if opts ~= nil and type(opts) ~= "table" then
    argerror(op, 3, "expected a table of options, got " .. type(opts))
  end
  opts = opts or {}
  for key in pairs(opts) do
    if key ~= "n_classes" then argerror(op, 3, ("unknown option '%s'"):format(tostring(key))) end
  end
  local counts = C.class_counts(op, y, opts.n_classes)
  local K, n = counts:size(1), y:size(1)
  local w = {}
  if spec == "balanced" then
    for c = 0, K - 1 do
      local m = counts:get(c + 1)
      if m == 0 then
        argerror(op, 1, ("class %d has no samples in y ('balanced' needs every class "
          .. "0..%d present)"):format(c, K - 1))
      end
      -- scikit-learn: n_samples / (n_classes * bincount), in double
      w[c + 1] = n / (K * m)
    end
  elseif type(spec) == "table" then
    local extra, unweighted = nil, false
    for key, v in pairs(spec) do
      if math.type(key) ~= "integer" then
        argerror(op, 2, ("class weight keys must be integer labels, got %s"):format(tostring(key)))
      end
      if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
        argerror(op, 2, ("weight of class %d must be a finite number, got %s"):format(key, tostring(v)))
      end
      if key < 0 or key >= K then extra = extra or key end
    end
    for c = 0, K - 1 do
      if spec[c] == nil then unweighted = true end
      w[c + 1] = spec[c] or 1.0
    end
    -- scikit-learn: keys outside the classes are an error only when some
    -- class is left unweighted
    if extra and unweighted then
      argerror(op, 2, ("class %d is not a class of y (labels 0..%d) and some classes have "
        .. "no weight"):format(extra, K - 1))
    end
  else
    argerror(op, 2, "expected 'balanced' or a table {[label] = weight}")
  end
  return T.tensor(w, "float64")
end

--- class_weights(y, "balanced" | {[label] = w} [, {n_classes = K}]) -> float64 (K)
-- scikit-learn 1.2's compute_class_weight over the classes 0..K-1 (K =
-- largest label + 1 unless given): "balanced" gives n / (K * count_c);
-- a table gives its weights and 1 for the classes it omits.
function M.class_weights(y, spec, opts)
  return weights_of("class_weights", y, spec, opts)
end

--- sample_weights(y, spec [, opts]) -> float64 (n): the class weight of
-- each sample (scikit-learn's compute_sample_weight).
function M.sample_weights(y, spec, opts)
  local w = weights_of("sample_weights", y, spec, opts)
  return w:index_select(1, y + 1)
end

return M
