-- credo.prep feature analysis and selection: Pearson and Spearman
-- correlation matrices with two-sided p-values (scipy 1.10's definitions),
-- average ranks, ReliefF weights (Kononenko 1994), and recursive feature
-- elimination, RFE and RFECV (Guyon et al. 2002, scikit-learn 1.2's
-- algorithm) over any estimator exposing feature_importances() or coef()
-- (docs/prep.md).
--
--   local r, p, names = credo.prep.pearson(df)         -- numeric columns
--   local rs, ps = credo.prep.spearman(X)
--   local w = credo.prep.relieff(X, y, { k = 10 })
--   local rfe = credo.prep.RFE { estimator = credo.GBDT { seed = 1 },
--                                n_features_to_select = 10 }
--   local Xs = rfe:fit(X, y):transform(X)
--   local cv = credo.prep.RFECV { estimator = model, cv = 5,
--                                 scoring = function(m, X, y) ... end }
--
-- Correlations and ReliefF are native (natives/prep, float64); RFE is Lua
-- glue over the estimator protocol (clone, fit, importances).  Not here:
-- Kendall's tau, partial correlations, RReliefF for regression,
-- SelectFromModel.
local estimator = require "credo.estimator"
local U = require "credo.prep.util"
local C, T = U.C, U.T

local M = {}

-- X as a float64 matrix and its column names (Frame: numeric columns).
local function numeric_matrix(op, X)
  if U.is_frame(X) then
    local names = {}
    for _, name in ipairs(X:names()) do
      if not U.is_categorical(X:col(name)) then names[#names + 1] = name end
    end
    if #names == 0 then U.argerror(op, 1, "X has no numeric columns") end
    return X:to_tensor(names, "float64"), names
  end
  local _, d = U.check_matrix(op, 1, X)
  local names = {}
  for j = 1, d do names[j] = "x" .. j end
  return X, names
end

--- pearson(X) -> r, p (float64 (d, d)), names.  X: a 2-d tensor or a
-- Frame (its numeric columns), n >= 3, no NaN.  r as scipy.stats.pearsonr
-- (centred columns scaled to norm 1, dot product, clipped to [-1, 1]); p
-- the two-sided p-value of t = r sqrt((n-2)/(1-r^2)) with n - 2 degrees of
-- freedom, I_{1-r^2}((n-2)/2, 1/2).  A constant column gives NaN.
function M.pearson(X)
  local Xm, names = numeric_matrix("pearson", X)
  local r, p = C.corr("pearson", 1, Xm, false)
  return r, p, names
end

--- spearman(X) -> rho, p, names: Pearson on the columns' average ranks,
-- p-values by the same t approximation (scipy.stats.spearmanr).
function M.spearman(X)
  local Xm, names = numeric_matrix("spearman", X)
  local r, p = C.corr("spearman", 1, Xm, true)
  return r, p, names
end

--- rank(x) -> float64 average ranks (1-based; ties share the mean of their
-- positions) of a 1-d tensor, or of each column of a 2-d one
-- (scipy.stats.rankdata(method = "average")).
function M.rank(x)
  return C.rank("rank", 1, x)
end

--- relieff(X, y [, {k = 10, m = nil, seed = 0}]) -> float64 (d) weights.
-- k nearest hits and misses (per other class), m instances sampled without
-- replacement with `seed` (all n rows, in order, when m is nil).  Features
-- min-max normalised, Manhattan distance (docs/prep.md has the update).
function M.relieff(X, y, opts)
  local op = "relieff"
  local n = U.check_matrix(op, 1, X)
  local o = U.options(op, 3, opts, U.set("k", "m", "seed"))
  local k = o.k == nil and 10 or o.k
  if not U.is_int(k) or k < 1 then U.argerror(op, 3, ("k must be an integer >= 1, got %s"):format(tostring(k))) end
  local m = o.m == nil and n or o.m
  if not U.is_int(m) then U.argerror(op, 3, ("m must be an integer, got %s"):format(tostring(m))) end
  local seed = o.seed == nil and 0 or o.seed
  if math.type(seed) ~= "integer" then U.argerror(op, 3, "seed must be an integer") end
  return C.relieff(op, X, y, math.tointeger(k), math.tointeger(m), seed)
end

-- ---- recursive feature elimination ----

-- The importance of each feature of a fitted model: feature_importances()
-- or coef() (a (k) or (c, k) tensor), squared and summed over rows, as
-- scikit-learn's RFE ranks them (transform_func = "square").
local function importances(op, model, getter, k)
  local mt = getmetatable(model)
  local name = mt and mt.__name or "estimator"
  if getter == "auto" then
    getter = model.feature_importances and "feature_importances" or (model.coef and "coef")
  end
  if not getter or type(model[getter]) ~= "function" then
    U.argerror(op, 1, ("%s exposes neither feature_importances() nor coef()"):format(name))
  end
  local imp = model[getter](model)
  if not U.is_tensor(imp) then
    U.argerror(op, 1, ("%s:%s() must return a tensor, got %s"):format(name, getter, type(imp)))
  end
  imp = imp:double()
  imp = imp * imp
  if imp:dim() == 2 then imp = imp:sum(1) end
  if imp:dim() ~= 1 or imp:size(1) ~= k then
    U.argerror(op, 1, ("%s:%s() returned %d values for %d features"):format(
      name, getter, imp:dim() == 1 and imp:size(1) or imp:numel(), k))
  end
  local out = {}
  for i = 1, k do
    out[i] = imp[i]
    if out[i] ~= out[i] then
      U.argerror(op, 1, ("%s:%s() returned NaN for feature %d"):format(name, getter, i))
    end
  end
  return out
end

local function take_cols(X, features)
  return X:index_select(2, T.tensor(features, "int64"))
end

-- One RFE run (scikit-learn 1.2's RFE._fit): while more than n_select
-- features remain, fit a clone on them, drop the min(step, remaining -
-- n_select) least important (ties: the lower index first), and bump the
-- ranking of everything dropped so far.  step_score(model, features) is
-- called with each fitted model, the last one included.
local function rfe_run(op, est, X, y, n_select, step, getter, step_score)
  local d = X:size(2)
  local support, ranking, scores = {}, {}, {}
  for j = 1, d do support[j], ranking[j] = true, 1 end
  local function features()
    local f = {}
    for j = 1, d do if support[j] then f[#f + 1] = j end end
    return f
  end
  local f = features()
  while #f > n_select do
    local model = est:clone()
    model:fit(take_cols(X, f), y)
    local imp = importances(op, model, getter, #f)
    local order = {}
    for i = 1, #f do order[i] = i end
    table.sort(order, function(a, b)
      if imp[a] ~= imp[b] then return imp[a] < imp[b] end
      return a < b
    end)
    local threshold = math.min(step, #f - n_select)
    if step_score then scores[#scores + 1] = step_score(model, f) end
    for i = 1, threshold do support[f[order[i]]] = false end
    for j = 1, d do if not support[j] then ranking[j] = ranking[j] + 1 end end
    f = features()
  end
  local model = est:clone()
  model:fit(take_cols(X, f), y)
  if step_score then scores[#scores + 1] = step_score(model, f) end
  return support, ranking, model, f, scores
end

local function estimator_check(v)
  if type(v) ~= "table" then return false, "must be an estimator" end
  if type(v.__class) == "string" then return true end    -- a saved state
  if type(v.fit) ~= "function" or type(v.clone) ~= "function" then
    return false, "must be an estimator (with fit and clone)"
  end
  return true
end

local function step_check(v)
  if type(v) ~= "number" or v ~= v then return false, "must be a number" end
  if v >= 1 and v == math.floor(v) then return true end
  if v > 0 and v < 1 then return true end
  return false, ("must be an integer >= 1 or a fraction in (0, 1) (got %s)"):format(v)
end

local function nsel_check(v)
  if type(v) ~= "number" or v ~= v or v <= 0 then return false, "must be a number > 0" end
  if v < 1 or v == math.floor(v) then return true end
  return false, ("must be an integer >= 1 or a fraction in (0, 1) (got %s)"):format(v)
end

local GETTERS = { "auto", "feature_importances", "coef" }

-- Rebuild an estimator given as a saved state (what from_state passes).
local function live_estimator(self)
  local e = self.params_.estimator
  if type(e.__class) == "string" then
    e = estimator.from_state(e)
    self.params_.estimator = e
  end
  return e
end

local function step_size(step, d)
  if step < 1 then return math.max(1, math.floor(step * d)) end
  return math.tointeger(step)
end

-- Shared by RFE and RFECV: state, transform, predictions, save/load.
local function selector_methods(cls)
  function cls:init() live_estimator(self) end

  -- params() as the base class, but the estimator is the object itself
  -- (the base would deep-copy it into a plain table without its class);
  -- clone() therefore shares it, and RFE only ever fits clones of it.
  function cls:params()
    local e = self.params_.estimator
    self.params_.estimator = nil
    local out = estimator.Base.params(self)
    self.params_.estimator = e
    out.estimator = e
    return out
  end

  --- transform(X) -> the selected columns of X.
  function cls:transform(X)
    self:check_fitted("transform")
    local op = U.opname(self, "transform")
    local _, d = U.check_matrix(op, 1, X)
    U.check_ncols(self, op, 1, d)
    return X:index_select(2, self.state_.selected)
  end

  function cls:fit_transform(X, y)
    return self:fit(X, y):transform(X)
  end

  function cls:support()
    self:check_fitted("support")
    return self.state_.support
  end

  function cls:ranking()
    self:check_fitted("ranking")
    return self.state_.ranking
  end

  function cls:selected()
    self:check_fitted("selected")
    return self.state_.selected
  end

  --- The estimator fitted on the selected features.
  function cls:estimator()
    self:check_fitted("estimator")
    if not self.fitted_ then self.fitted_ = estimator.from_state(self.state_.estimator) end
    return self.fitted_
  end

  for _, m in ipairs { "predict", "predict_proba", "decision_function" } do
    cls[m] = function(self, X, ...)
      self:check_fitted(m)
      local est = self:estimator()
      if type(est[m]) ~= "function" then
        error(("%s:%s: the estimator has no %s method"):format(getmetatable(self).__name, m, m), 2)
      end
      return est[m](est, self:transform(X), ...)
    end
  end

  -- The estimator parameter is saved as its own state (plain data), the
  -- scoring function of RFECV is not saved.
  function cls:get_state()
    local params = self:params()
    params.estimator = live_estimator(self):get_state()
    params.scoring = nil
    return { __class = getmetatable(self).__name, params = params, state = self.state_ }
  end

  function cls:restore()
    self.fitted_ = nil
  end

  -- RFE(estimator=GBDT, n_features_to_select=10, ...): the estimator by
  -- its class name.
  cls.__tostring = function(self)
    local e = self.params_.estimator
    local mt = getmetatable(e)
    self.params_.estimator = mt and mt.__name or "?"
    local s = estimator.Base.__tostring(self)
    self.params_.estimator = e
    return (s:gsub("estimator='([^']*)'", "estimator=%1"))
  end

  function cls:set_state_from(support, ranking, model, f, d)
    local sup = T.zeros({ d }, "int64")
    for j = 1, d do if support[j] then sup[j] = 1 end end
    self.state_ = { support = sup, ranking = T.tensor(ranking, "int64"),
                    selected = T.tensor(f, "int64"), n_features = d,
                    n_selected = #f, estimator = model:get_state() }
    self.fitted_ = model
  end
end

local RFE = estimator.class("RFE", {
  estimator = { required = true, type = "table", check = estimator_check,
                doc = "the model refitted at each round (cloned)" },
  n_features_to_select = { type = "number", check = nsel_check,
                           doc = "features kept: an integer, a fraction, or half (nil)" },
  step = { default = 1, type = "number", check = step_check,
           doc = "features removed per round: an integer or a fraction of d" },
  importance = { default = "auto", enum = GETTERS,
                 doc = "feature_importances() or coef() ('auto': the first the model has)" },
})
selector_methods(RFE)

--- fit(X, y) -> self.
function RFE:fit(X, y)
  local op = U.opname(self, "fit")
  local _, d = U.check_matrix(op, 1, X)
  self.state_ = nil
  local p = self.params_
  local nsel = p.n_features_to_select
  if nsel == nil then nsel = d // 2
  elseif nsel < 1 then nsel = math.floor(nsel * d)
  else nsel = math.tointeger(nsel) end
  if nsel < 1 then nsel = 1 end
  if nsel > d then
    U.argerror(op, 1, ("n_features_to_select = %d exceeds the %d columns of X"):format(nsel, d))
  end
  local support, ranking, model, f = rfe_run(op, live_estimator(self), X, y, nsel,
                                             step_size(p.step, d), p.importance)
  self:set_state_from(support, ranking, model, f, d)
  return self
end

M.RFE = RFE

local RFECV = estimator.class("RFECV", {
  estimator = { required = true, type = "table", check = estimator_check,
                doc = "the model refitted at each round (cloned)" },
  step = { default = 1, type = "number", check = step_check,
           doc = "features removed per round: an integer or a fraction of d" },
  min_features_to_select = { default = 1, type = "integer", min = 1, doc = "fewest features tried" },
  cv = { default = 5, type = "integer", min = 2, doc = "folds" },
  scoring = { type = "function", doc = "scoring(model, X, y) -> number, higher is better" },
  shuffle = { default = false, type = "boolean", doc = "shuffle rows before cutting the folds" },
  seed = { default = 0, type = "integer", doc = "seed of the fold shuffle" },
  importance = { default = "auto", enum = GETTERS,
                 doc = "feature_importances() or coef() ('auto': the first the model has)" },
})
selector_methods(RFECV)

--- fit(X, y) -> self.  Each fold runs RFE down to min_features_to_select
-- on its training rows and scores every intermediate model on its test
-- rows; the feature count with the best total score (ties: the fewest
-- features) is then selected by RFE on all rows.  cv_results() has the
-- mean and (population) standard deviation of the scores per count.
-- Folds: credo.split.stratified_kfold when y is int64 and every class has
-- cv members, else credo.split.kfold.
function RFECV:fit(X, y)
  local op = U.opname(self, "fit")
  local n, d = U.check_matrix(op, 1, X)
  self.state_ = nil
  local p = self.params_
  local est = live_estimator(self)
  local scoring = p.scoring
  if scoring == nil then
    if type(est.score) ~= "function" then
      error("RFECV: parameter 'scoring' is required (the estimator has no score method)", 2)
    end
    scoring = function(m, Xs, ys) return m:score(Xs, ys) end
  end
  if p.min_features_to_select > d then
    U.argerror(op, 1, ("min_features_to_select = %d exceeds the %d columns of X"):format(
      p.min_features_to_select, d))
  end
  local step = step_size(p.step, d)
  local split = require "credo.split"
  local fopts = { shuffle = p.shuffle, seed = p.shuffle and p.seed or nil }
  local folds
  if U.is_tensor(y) and y:dtype() == "int64" then
    local ok, f = pcall(split.stratified_kfold, y, p.cv, fopts)
    if ok then folds = f end
  end
  folds = folds or split.kfold(n, p.cv, fopts)
  local all = {}
  for fi, fold in ipairs(folds) do
    local Xtr, ytr = X:index_select(1, fold.train), y:index_select(1, fold.train)
    local Xte, yte = X:index_select(1, fold.test), y:index_select(1, fold.test)
    local _, _, _, _, scores = rfe_run(op, est, Xtr, ytr, p.min_features_to_select, step,
      p.importance, function(m, f)
        local s = scoring(m, take_cols(Xte, f), yte)
        if type(s) ~= "number" or s ~= s then
          error(("RFECV: scoring returned %s (a number expected)"):format(tostring(s)), 0)
        end
        return s
      end)
    all[fi] = scores
  end
  local L = #all[1]
  local best, best_i = -math.huge, 1
  for i = 1, L do
    local s = 0
    for fi = 1, #all do s = s + all[fi][i] end
    if s >= best then best, best_i = s, i end   -- ties: the later position, fewer features
  end
  local nsel = math.max(d - (best_i - 1) * step, p.min_features_to_select)
  local support, ranking, model, f = rfe_run(op, est, X, y, nsel, step, p.importance)
  self:set_state_from(support, ranking, model, f, d)
  -- per feature count, ascending
  local counts, mean, sd, splits = {}, {}, {}, {}
  for i = L, 1, -1 do
    local c = math.max(d - (i - 1) * step, p.min_features_to_select)
    local s, s2 = 0, 0
    local row = {}
    for fi = 1, #all do
      local v = all[fi][i]
      s = s + v
      row[fi] = v
    end
    local mu = s / #all
    for fi = 1, #all do s2 = s2 + (all[fi][i] - mu) ^ 2 end
    counts[#counts + 1] = c
    mean[#mean + 1] = mu
    sd[#sd + 1] = math.sqrt(s2 / #all)
    splits[#splits + 1] = row
  end
  self.state_.cv_results = { n_features = T.tensor(counts, "int64"),
                             mean_test_score = U.f64(mean), std_test_score = U.f64(sd),
                             split_test_score = splits }
  return self
end

function RFECV:cv_results()
  self:check_fitted("cv_results")
  return self.state_.cv_results
end

M.RFECV = RFECV

return M
