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
-- strings) so credo.save / credo.load work without running code.  Not here:
-- growth policies other than depth-wise (leaf-wise and oblivious trees are
-- the next slices of issue 4), multiclass objectives.
local estimator = require "credo.estimator"
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
  -- Only the depth-wise policy exists so far; "leafwise" and "oblivious"
  -- join this list when their slices of issue 4 land.
  growth = { default = "depthwise", enum = { "depthwise" }, doc = "tree growth policy" },
  n_estimators = { default = 100, type = "integer", min = 1, max = 1000000,
                   doc = "boosting rounds (trees)" },
  max_depth = { default = 6, type = "integer", min = 1, max = 64, doc = "depth limit" },
  max_leaves = { default = 0, type = "integer", min = 0, doc = "leaf limit per tree, 0 = none" },
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
  base_score = { default = 0.5, type = "number",
                 doc = "initial prediction: probability (logistic) or value" },
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
  if p.objective == "binary:logistic" and not (p.base_score > 0 and p.base_score < 1) then
    error(("GBDT: parameter 'base_score' must be in (0, 1) for binary:logistic (got %s)"):format(
      p.base_score), 3)
  end
  if p.reg_lambda == 0 and p.min_child_weight == 0 then
    error("GBDT: parameters 'reg_lambda' and 'min_child_weight' cannot both be 0", 3)
  end
end

function GBDT:init()
  check_combination(self.params_)
end

local FIT_OPTS = { sample_weight = true, eval_set = true }

-- fit(X, y, opts): X (n, d) float (NaN = missing), y (n) 0/1 labels or
-- values; opts.sample_weight (n), opts.eval_set = { Xv, yv } or a list of
-- such pairs.  Returns self.
function GBDT:fit(X, y, opts)
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #3 to 'fit' (expected a table of options, got %s)"):format(type(opts)), 2)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if not FIT_OPTS[k] then
      error(("bad argument #3 to 'fit' (unknown option '%s')"):format(tostring(k)), 2)
    end
  end
  local p = self:params()
  check_combination(p)
  local ev = opts.eval_set
  if ev ~= nil then
    if type(ev) ~= "table" then
      error("bad argument #3 to 'fit' (eval_set must be {X, y} or a list of pairs)", 2)
    end
    if ev[1] ~= nil and type(ev[1]) ~= "table" then ev = { ev } end
  end
  self.state_ = nil
  self.state_ = fit(X, y, { sample_weight = opts.sample_weight, eval_set = ev }, p)
  return self
end

local function ntrees_of(self, opts)
  return opts and opts.ntrees or nil
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

return GBDT
