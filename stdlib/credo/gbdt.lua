-- credo.GBDT: histogram gradient-boosted trees (docs/gbdt.md), XGBoost's
-- parameter names, the estimator protocol (docs/design.md).
--
--   local m = credo.GBDT { n_estimators = 100, max_depth = 6, learning_rate = 0.1 }
--   m:fit(X, y, { eval_set = { Xv, yv }, sample_weight = w })
--   local p = m:predict_proba(Xt)          -- (n, 2) float32
--   local c = m:predict(Xt)                -- (n) int64 0/1 (float for regression)
--   local imp = m:feature_importances("gain")
--
-- Training, prediction and importances run in the native core
-- (natives/gbdt); this file declares the parameters, shapes the options and
-- keeps the fitted state as plain data (tensors of the trees, numbers,
-- strings) so credo.save / credo.load work without running code.  Three
-- growth policies (growth = "depthwise" | "leafwise" | "oblivious") and
-- presets with the names and defaults of LightGBM, CatBoost and
-- scikit-learn (GBDT.lightgbm / .catboost / .sklearn, at the end).  Not
-- here: multiclass objectives.
local estimator = require "credo.estimator"
local A = require "credo.argcheck"
local C = require("credo.core").gbdt_core

-- Local names for the native calls: an argument error then reads
-- "bad argument #1 to 'predict' (...)", numbered as the method's caller sees.
local fit, predict, importance = C.train, C.predict, C.importance

local METRICS = { logloss = true, auc = true, error = true, rmse = true, auto = true }

local function metric_check(v)
  local list = type(v) == "table" and v or { v }
  if #list < 1 or #list > 4 then return false, "must name 1 to 4 metrics" end
  for _, name in ipairs(list) do
    if not METRICS[name] then
      return false, ("names an unknown metric '%s' (logloss, auc, error, rmse)"):format(
        tostring(name))
    end
  end
  return true
end

local GBDT = estimator.class("GBDT", {
  objective = { default = "binary:logistic", enum = { "binary:logistic", "reg:squarederror" },
                doc = "loss: logistic (labels 0/1) or squared error" },
  growth = { default = "depthwise", enum = { "depthwise", "leafwise", "oblivious" },
             doc = "tree growth: depth-wise (XGBoost), leaf-wise best-first (LightGBM), "
                .. "oblivious symmetric (CatBoost)" },
  n_estimators = { default = 100, type = "integer", min = 1, max = 1000000,
                   doc = "boosting rounds (trees)" },
  max_depth = { default = 6, type = "integer", min = -1, max = 1048576,
                doc = "depth limit (depthwise 1..64, oblivious 1..16, leafwise -1 = none)" },
  max_leaves = { default = 0, type = "integer", min = -1,
                 doc = "leaf limit per tree, 0 = none (leafwise: 0 = 31, -1 = 2^max_depth)" },
  min_child_samples = { default = 0, type = "integer", min = 0,
                        doc = "leafwise: minimum rows in a child (LightGBM min_data_in_leaf)" },
  learning_rate = { default = 0.3, type = "number", gt = 0, doc = "shrinkage (XGBoost eta)" },
  reg_lambda = { default = 1, type = "number", min = 0, doc = "L2 on leaf weights (lambda)" },
  reg_alpha = { default = 0, type = "number", min = 0, doc = "L1 on leaf weights (alpha)" },
  gamma = { default = 0, type = "number", min = 0, doc = "minimum loss change to split" },
  min_child_weight = { default = 1, type = "number", min = 0,
                       doc = "minimum hessian sum in a child" },
  subsample = { default = 1, type = "number", gt = 0, max = 1, doc = "row fraction per tree" },
  colsample_bytree = { default = 1, type = "number", gt = 0, max = 1,
                       doc = "feature fraction per tree" },
  max_bin = { default = 255, type = "integer", min = 2, max = 255,
              doc = "value bins per feature (plus one for missing)" },
  base_score = { default = 0.5, type = { "number", "string" }, check = function(v)
                   if type(v) == "string" and v ~= "mean" then
                     return false, "must be a number or \"mean\""
                   end
                   return true
                 end,
                 doc = "initial prediction: probability (logistic) or value, or \"mean\" "
                    .. "(the weighted mean label)" },
  cat_features = { default = {}, type = "table", check = function(v)
                     for _, c in ipairs(v) do
                       if math.type(c) ~= "integer" and type(c) ~= "string" then
                         return false, "must list column indices or names"
                       end
                     end
                     return true
                   end,
                   doc = "categorical columns (1-based indices, or names with fit's "
                      .. "feature_names): ordered target statistics" },
  cat_prior = { default = "mean", type = { "number", "string" }, check = function(v)
                  if type(v) == "string" then return v == "mean", "must be in [0, 1] or \"mean\"" end
                  return v >= 0 and v <= 1, "must be in [0, 1] or \"mean\""
                end, doc = "prior of the target statistics" },
  cat_smoothing = { default = 1, type = "number", gt = 0,
                    doc = "weight a of the prior: (sum + a prior) / (count + a)" },
  scale_pos_weight = { default = 1, type = "number", gt = 0,
                       doc = "weight multiplier of rows with label 1" },
  seed = { default = 0, type = "integer", doc = "seed of row / column sampling" },
  early_stopping_rounds = { default = 0, type = "integer", min = 0,
                            doc = "stop after this many rounds without improvement, 0 = off" },
  eval_metric = { default = "auto", type = { "string", "table" }, check = metric_check,
                  doc = "metric(s) on the eval sets; early stopping uses the last" },
})

-- Constraints between parameters (checked at construction and at fit).
local function check_combination(p)
  if p.objective == "binary:logistic" and type(p.base_score) == "number"
     and not (p.base_score > 0 and p.base_score < 1) then
    error(("GBDT: parameter 'base_score' must be in (0, 1) for binary:logistic (got %s)"):format(
      p.base_score), 3)
  end
  local g, d = p.growth, p.max_depth
  local lo, hi = g == "leafwise" and -1 or 1, g == "oblivious" and 16 or g == "depthwise" and 64
  if d < lo or (g == "leafwise" and d == 0) then
    error(("GBDT: parameter 'max_depth' must be %s (got %d)"):format(
      g == "leafwise" and "-1 (no limit) or >= 1 for leafwise growth" or ">= 1", d), 3)
  end
  if hi and d > hi then
    error(("GBDT: parameter 'max_depth' must be <= %d for %s growth (got %d)"):format(hi, g, d), 3)
  end
  if p.min_child_samples > 0 and g ~= "leafwise" then
    error("GBDT: parameter 'min_child_samples' needs growth = \"leafwise\"", 3)
  end
  if g == "leafwise" and p.max_leaves == -1 and (d < 1 or d > 20) then
    error(("GBDT: parameter 'max_leaves' = -1 (2^max_depth leaves) needs 'max_depth' in [1, 20] for leafwise growth (got %d)"):format(d), 3)
  end
  if p.max_leaves > 0 and g == "oblivious" then
    error("GBDT: parameter 'max_leaves' must be 0 for oblivious growth (depth k gives 2^k leaves)", 3)
  end
  if g == "leafwise" and p.max_leaves == 1 then
    error("GBDT: parameter 'max_leaves' must be 0 (31), -1 (2^max_depth) or >= 2 for leafwise growth", 3)
  end
  if p.reg_lambda == 0 and p.min_child_weight == 0 then
    error("GBDT: parameters 'reg_lambda' and 'min_child_weight' cannot both be 0", 3)
  end
end

function GBDT:init()
  check_combination(self.params_)
end

local FIT_OPTS = { sample_weight = true, eval_set = true, feature_names = true }

-- The weighted mean label (for base_score / cat_prior "mean").
local function mean_label(y, w)
  local yd = y:double()
  if w then
    local wd = w:double()
    return (yd * wd):sum() / wd:sum()
  end
  return yd:sum() / yd:numel()
end

-- fit(X, y, opts): X (n, d) float (NaN = missing), y (n) 0/1 labels or
-- values; opts.sample_weight (n), opts.eval_set = { Xv, yv } or a list of
-- such pairs.  Returns self.
function GBDT:fit(X, y, opts)
  opts = A.options("fit", 3, opts, FIT_OPTS)
  local p = self:params()
  check_combination(p)
  local ev = opts.eval_set
  if ev ~= nil then
    if type(ev) ~= "table" then
      error("bad argument #3 to 'fit' (eval_set must be {X, y} or a list of pairs)", 2)
    end
    if ev[1] ~= nil and type(ev[1]) ~= "table" then ev = { ev } end
  end
  -- parameters the core takes as numbers / indices
  local meanv
  local function label_mean()
    if meanv == nil then
      local ok, v = pcall(mean_label, y, opts.sample_weight)
      meanv = ok and v or 0.5
      if not (meanv > 0 and meanv < 1) then meanv = 0.5 end -- the core names the bad labels
    end
    return meanv
  end
  if p.base_score == "mean" then
    if p.objective == "binary:logistic" then
      p.base_score = label_mean()
    else
      local ok, v = pcall(mean_label, y, opts.sample_weight)
      p.base_score = ok and v == v and v or 0
    end
  end
  if p.cat_prior == "mean" then p.cat_prior = #p.cat_features > 0 and label_mean() or 0.5 end
  if #p.cat_features > 0 then
    local names = opts.feature_names
    local cols = {}
    for i, c in ipairs(p.cat_features) do
      if type(c) == "string" then
        local at
        for j, nm in ipairs(type(names) == "table" and names or {}) do
          if nm == c then at = j end
        end
        if not at then
          error(("bad argument #3 to 'fit' (cat_features[%d] '%s' is not in feature_names)")
            :format(i, c), 2)
        end
        cols[i] = at
      else
        cols[i] = c
      end
    end
    local okd, d = pcall(function() return X:size(2) end)
    for i, c in ipairs(cols) do
      if okd and c > d then
        error(("bad argument #1 to 'fit' (cat_features[%d] = %d, but X has %d columns)")
          :format(i, c, d), 2)
      end
    end
    p.cat_features = cols
  end
  self.state_ = nil
  self.state_ = fit(X, y, { sample_weight = opts.sample_weight, eval_set = ev }, p)
  return self
end

local PREDICT_OPTS = { ntrees = true }

local function ntrees_of(self, opts)
  return A.options("predict", 2, opts, PREDICT_OPTS).ntrees
end

-- Margins (log-odds for the logistic objective): (n) float32.
function GBDT:decision_function(X, opts)
  self:check_fitted("decision_function")
  return predict(X, self.state_, "margin", ntrees_of(self, opts))
end

-- Class labels (int64 0/1, probability > 0.5) for the logistic objective,
-- predicted values (float32) for squared error.
function GBDT:predict(X, opts)
  self:check_fitted("predict")
  local out = self.state_.objective == "binary:logistic" and "label" or "margin"
  return predict(X, self.state_, out, ntrees_of(self, opts))
end

-- (n, 2) float32: column 1 is P(y = 0), column 2 is P(y = 1).
function GBDT:predict_proba(X, opts)
  self:check_fitted("predict_proba")
  if self.state_.objective ~= "binary:logistic" then
    error("GBDT:predict_proba: needs objective 'binary:logistic'", 2)
  end
  return predict(X, self.state_, "proba", ntrees_of(self, opts))
end

-- Importance per feature (float64, n_features), normalised to sum 1 unless
-- normalize == false.  kind: "gain" (average loss change per split, XGBoost's
-- default), "total_gain", "split" (number of splits, XGBoost's "weight"),
-- "cover" (average hessian of split nodes), "total_cover".
function GBDT:feature_importances(kind, normalize)
  self:check_fitted("feature_importances")
  if kind == "weight" then kind = "split" end
  return importance(kind or "gain", self.state_, normalize ~= false)
end

-- Per eval set, metric name -> float64 tensor of the value after each round.
function GBDT:evals_result()
  self:check_fitted("evals_result")
  return self.state_.history
end

-- Trees used for prediction (the best round when early stopping ran).
function GBDT:best_iteration()
  self:check_fitted("best_iteration")
  return self.state_.best_iteration
end

function GBDT:n_trees()
  self:check_fitted("n_trees")
  return self.state_.tree_ptr:numel() - 1
end

-- ---- presets: each library's parameter names and defaults ----

-- Copy the keys of t named in map (preset name -> GBDT name, or true for
-- the same name) over base; any other key is an error naming the preset.
local function preset(pname, t, map, base)
  t = t or {}
  if type(t) ~= "table" then
    error(("GBDT.%s: expected a table of parameters (got %s)"):format(pname, type(t)), 3)
  end
  for k, v in pairs(t) do
    local to = map[k]
    if not to then
      error(("GBDT.%s: unknown parameter '%s'"):format(pname, tostring(k)), 3)
    end
    base[to == true and k or to] = v
  end
  return base
end

-- LightGBM's LGBMClassifier names and defaults, leaf-wise growth; the
-- initial score is the mean label (LightGBM's boost_from_average).
function GBDT.lightgbm(t)
  local p = preset("lightgbm", t, {
    n_estimators = true, num_iterations = "n_estimators", learning_rate = true,
    num_leaves = "max_leaves", max_depth = true, min_child_samples = true,
    min_data_in_leaf = "min_child_samples", min_child_weight = true,
    min_sum_hessian_in_leaf = "min_child_weight", reg_alpha = true, lambda_l1 = "reg_alpha",
    reg_lambda = true, lambda_l2 = "reg_lambda", min_split_gain = "gamma",
    min_gain_to_split = "gamma", subsample = true, bagging_fraction = "subsample",
    colsample_bytree = true, feature_fraction = "colsample_bytree", max_bin = true,
    random_state = "seed", seed = true, objective = true, scale_pos_weight = true,
    early_stopping_rounds = true, eval_metric = true,
  }, { growth = "leafwise", n_estimators = 100, learning_rate = 0.1, max_leaves = 31,
       max_depth = -1, min_child_samples = 20, min_child_weight = 1e-3, reg_lambda = 0,
       base_score = "mean" })
  return GBDT(p)
end

-- CatBoost's names and defaults (learning rate 0.03, CatBoost's when it
-- does not pick one itself), oblivious trees, categorical columns through
-- ordered target statistics; the initial score is 0 (CatBoost's
-- boost_from_average is off for Logloss).
function GBDT.catboost(t)
  local p = preset("catboost", t, {
    iterations = "n_estimators", n_estimators = true, learning_rate = true,
    depth = "max_depth", max_depth = true, l2_leaf_reg = "reg_lambda",
    reg_lambda = true, border_count = "max_bin", max_bin = true, random_seed = "seed",
    random_state = "seed", seed = true, cat_features = true, subsample = true,
    rsm = "colsample_bytree", colsample_bytree = true, objective = true,
    early_stopping_rounds = true, eval_metric = true, scale_pos_weight = true,
    cat_prior = true, cat_smoothing = true,
  }, { growth = "oblivious", n_estimators = 1000, learning_rate = 0.03, max_depth = 6,
       reg_lambda = 3, max_bin = 254, min_child_weight = 0 })
  return GBDT(p)
end

-- scikit-learn's GradientBoostingClassifier names and defaults: trees of
-- max_depth levels grown leaf-wise up to 2^max_depth leaves (max_leaves =
-- -1, so set_params{ max_depth = d } moves the cap too; the same trees
-- as full depth-wise growth with a row-count constraint), Newton leaf
-- values without regularisation, the prior log-odds as initial score.
-- Histogram (not exact) splits and the second-order gain in place of
-- friedman_mse: docs/gbdt.md.
function GBDT.sklearn(t)
  local p = preset("sklearn", t, {
    n_estimators = true, learning_rate = true, max_depth = true, subsample = true,
    min_samples_leaf = "min_child_samples", random_state = "seed", seed = true,
    max_bin = true, early_stopping_rounds = true, eval_metric = true,
  }, { growth = "leafwise", n_estimators = 100, learning_rate = 0.1, max_depth = 3,
       min_child_samples = 1, reg_lambda = 0, min_child_weight = 1e-10, base_score = "mean" })
  if math.type(p.max_depth) ~= "integer" or p.max_depth < 1 or p.max_depth > 20 then
    error(("GBDT.sklearn: parameter 'max_depth' must be an integer in [1, 20] (got %s)"):format(
      tostring(p.max_depth)), 2)
  end
  p.max_leaves = -1
  return GBDT(p)
end

return GBDT
