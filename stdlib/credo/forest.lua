-- credo.DecisionTree, credo.RandomForest, credo.ExtraTrees: CART
-- classification trees and the two forests built from them, with
-- scikit-learn 1.2's parameter names and behaviour (docs/forest.md) and the
-- estimator protocol (docs/design.md).
--
--   local rf = credo.RandomForest { n_estimators = 300, oob_score = true, seed = 1 }
--   rf:fit(X, y, { sample_weight = w })    -- X (n, d) float, y (n) int64 0..k-1
--   local p = rf:predict_proba(Xt)         -- (n, k) float64
--   local c = rf:predict(Xt)               -- (n) int64
--   print(rf:oob_score(), rf:feature_importances())
--
-- Growing, prediction and importances run in the native core
-- (natives/forest); this file declares the parameters, resolves the ones
-- that depend on the data (max_features "sqrt", fractions of rows) and
-- keeps the fitted state as plain data (one table of tensors per tree), so
-- credo.save / credo.load work without running code.  Not here: regression
-- trees, max_leaf_nodes (best-first growth), ccp_alpha (pruning),
-- warm_start, missing values (sklearn 1.2 trees reject them too).
local estimator = require "credo.estimator"
local A = require "credo.argcheck"
local C = require("credo.core").forest_core

-- Local names for the native calls, so an argument error reads
-- "bad argument #1 to 'predict_proba' (...)", numbered as the caller sees.
local fit, model = C.fit, C.model
local predict_proba, predict, apply = C.predict, C.predict, C.predict
local importances = C.importances

local function is_int(v) return math.type(v) == "integer" end

-- An integer count >= lo, or a float fraction in (0, 1] ((0, 1) when
-- open_one): sklearn's Integral / Real intervals.
local function count_or_fraction(lo, open_one)
  return function(v)
    if is_int(v) then
      if v < lo then return false, ("must be an integer >= %d or a fraction (got %d)"):format(lo, v) end
      return true
    end
    if not (v > 0 and (v < 1 or (v == 1 and not open_one))) then
      return false, ("as a fraction must be in (0, 1%s (got %s); use an integer for a count")
        :format(open_one and ")" or "]", v)
    end
    return true
  end
end

local function max_features_check(v)
  if type(v) == "string" then
    if v == "sqrt" or v == "log2" then return true end
    return false, ("must be 'sqrt', 'log2', an integer or a fraction (got '%s')"):format(v)
  end
  return count_or_fraction(1, false)(v)
end

local function class_weight_check(presets)
  return function(v)
    if type(v) == "string" then
      for _, p in ipairs(presets) do if v == p then return true end end
      return false, ("must be %s or a table {[class] = weight} (got '%s')"):format(
        "'" .. table.concat(presets, "', '") .. "'", v)
    end
    for c, w in pairs(v) do
      if not is_int(c) or c < 0 then
        return false, ("keys must be class labels 0, 1, ... (got %s)"):format(tostring(c))
      end
      if type(w) ~= "number" or not (w >= 0) or w == math.huge then
        return false, ("[%d] must be a finite number >= 0 (got %s)"):format(c, tostring(w))
      end
    end
    return true
  end
end

-- Parameters shared by the tree and the forests (sklearn's names).
local function tree_params(t)
  local p = {
    criterion = { default = "gini", enum = { "gini", "entropy", "log_loss" },
                  doc = "split quality: Gini impurity or entropy (log_loss is entropy)" },
    max_depth = { type = "integer", min = 1, doc = "depth limit (nil: none)" },
    min_samples_split = { default = 2, type = { "integer", "number" },
                          check = count_or_fraction(2, false),
                          doc = "rows a node needs to be split (a float: fraction of n)" },
    min_samples_leaf = { default = 1, type = { "integer", "number" },
                         check = count_or_fraction(1, true),
                         doc = "rows each child needs (a float: fraction of n)" },
    min_weight_fraction_leaf = { default = 0, type = "number", min = 0, max = 0.5,
                                 doc = "weight each child needs, as a fraction of the total" },
    max_features = { type = { "integer", "number", "string" }, check = max_features_check,
                     doc = "features drawn per node: count, fraction, 'sqrt', 'log2', nil = all" },
    min_impurity_decrease = { default = 0, type = "number", min = 0,
                              doc = "smallest weighted impurity decrease that splits" },
    class_weight = { type = { "string", "table" }, check = class_weight_check { "balanced" },
                     doc = "'balanced' or {[class] = weight}; multiplies sample_weight" },
    seed = { default = 0, type = "integer", doc = "seed of feature draws and bootstraps" },
  }
  for k, v in pairs(t or {}) do p[k] = v end
  return p
end

local function forest_params(bootstrap)
  return tree_params {
    n_estimators = { default = 100, type = "integer", min = 1, max = 1000000,
                     doc = "trees" },
    max_features = { default = "sqrt", type = { "integer", "number", "string" },
                     check = max_features_check,
                     doc = "features drawn per node: count, fraction, 'sqrt', 'log2'" },
    bootstrap = { default = bootstrap, type = "boolean",
                  doc = "grow each tree on a bootstrap sample" },
    oob_score = { default = false, type = "boolean",
                  doc = "score each row with the trees it was out of bag for" },
    max_samples = { type = { "integer", "number" }, check = count_or_fraction(1, false),
                    doc = "bootstrap size: count or fraction of n (nil: n)" },
    class_weight = { type = { "string", "table" },
                     check = class_weight_check { "balanced", "balanced_subsample" },
                     doc = "'balanced', 'balanced_subsample' or {[class] = weight}" },
  }
end

local DecisionTree = estimator.class("DecisionTree", tree_params {
  splitter = { default = "best", enum = { "best", "random" },
               doc = "best threshold (CART) or one random threshold per feature" },
})
local RandomForest = estimator.class("RandomForest", forest_params(true))
local ExtraTrees = estimator.class("ExtraTrees", forest_params(false))

local function check_combination(self, level)
  level = level or 3
  local p, name = self.params_, getmetatable(self).__name
  if p.bootstrap == false then
    if p.oob_score then
      error(("%s: parameter 'oob_score' needs bootstrap = true (out-of-bag rows exist only then)")
        :format(name), level)
    end
    if p.max_samples ~= nil then
      error(("%s: parameter 'max_samples' needs bootstrap = true"):format(name), level)
    end
  end
end
RandomForest.init, ExtraTrees.init = check_combination, check_combination

-- Python's round(): half to even.
local function round_half_even(x)
  local r = math.floor(x + 0.5)
  if r - x == 0.5 and r % 2 == 1 then r = r - 1 end
  return math.tointeger(r)
end

-- The parameters the core takes, resolved for n rows and d features
-- (sklearn 1.2's BaseDecisionTree.fit and _get_n_samples_bootstrap).
local function resolve(self, n, d, splitter)
  local p, name = self.params_, getmetatable(self).__name
  local function fail(param, msg)
    error(("%s:fit: parameter '%s' %s"):format(name, param, msg), 4)
  end
  local mf = p.max_features
  if mf == nil then mf = d
  elseif mf == "sqrt" then mf = math.max(1, math.floor(math.sqrt(d)))
  elseif mf == "log2" then mf = math.max(1, math.floor(math.log(d, 2)))
  elseif is_int(mf) then
    if mf > d then fail("max_features", ("= %d exceeds the %d features of X"):format(mf, d)) end
  else mf = math.max(1, math.floor(mf * d)) end
  local msl = p.min_samples_leaf
  if not is_int(msl) then msl = math.ceil(msl * n) end
  local mss = p.min_samples_split
  if not is_int(mss) then mss = math.max(2, math.ceil(mss * n)) end
  local nb = n
  if p.bootstrap and p.max_samples ~= nil then
    if is_int(p.max_samples) then
      if p.max_samples > n then
        fail("max_samples", ("= %d exceeds the %d rows of X"):format(p.max_samples, n))
      end
      nb = p.max_samples
    else
      nb = math.max(round_half_even(n * p.max_samples), 1)
    end
  end
  return {
    criterion = p.criterion == "log_loss" and "entropy" or p.criterion,
    splitter = splitter or p.splitter,
    n_trees = p.n_estimators or 1,
    max_depth = p.max_depth or -1,
    min_samples_split = math.tointeger(mss),
    min_samples_leaf = math.tointeger(msl),
    min_weight_fraction = p.min_weight_fraction_leaf,
    max_features = math.tointeger(mf),
    min_impurity_decrease = p.min_impurity_decrease,
    bootstrap = p.bootstrap or false,
    n_bootstrap = math.tointeger(nb),
    oob = p.oob_score or false,
    class_weight = p.class_weight,
    seed = p.seed,
  }
end

local FIT_OPTS = { sample_weight = true }

local function do_fit(self, X, y, opts, splitter)
  opts = A.options("fit", 3, opts, FIT_OPTS)
  if getmetatable(self).init then check_combination(self, 4) end
  local n, d = 1, 1
  local mt = getmetatable(X)
  if mt and mt.__name == "credo.Tensor" and X:dim() == 2 then n, d = X:size(1), X:size(2) end
  local cw = self.params_.class_weight
  local ymt = getmetatable(y)
  if type(cw) == "table" and ymt and ymt.__name == "credo.Tensor" and y:dtype() == "int64"
     and y:numel() > 0 then
    for c in pairs(cw) do
      if y:eq(c):sum() == 0 then
        error(("%s:fit: parameter 'class_weight' names class %d, which does not occur in y")
          :format(getmetatable(self).__name, c), 3)
      end
    end
  end
  self.state_, self.box_, self.box_for_ = nil, nil, nil
  self.state_ = fit(X, y, opts, resolve(self, math.max(n, 1), math.max(d, 1), splitter))
  return self
end

-- The checked native model behind self.state_ (rebuilt when the state
-- changes, e.g. after fit or load).
local function box_of(self)
  if self.box_for_ ~= self.state_ then
    self.box_ = model(self.state_)
    self.box_for_ = self.state_
  end
  return self.box_
end

-- ---- methods shared by the three classes ----

local Shared = {}

-- (n, k) float64: column c + 1 is P(class c), the trees' mean of their
-- leaves' weighted class frequencies.
function Shared:predict_proba(X)
  self:check_fitted("predict_proba")
  return predict_proba(X, box_of(self), "proba")
end

-- (n) int64: the class of highest probability (the lowest on ties).
function Shared:predict(X)
  self:check_fitted("predict")
  return predict(X, box_of(self), "label")
end

-- Impurity-based importances (mean decrease in impurity), (d) float64
-- summing to 1 (all zero when no tree split).
function Shared:feature_importances()
  self:check_fitted("feature_importances")
  return importances(box_of(self))
end

function Shared:n_features()
  self:check_fitted("n_features")
  return self.state_.n_features
end

function Shared:n_classes()
  self:check_fitted("n_classes")
  return self.state_.n_classes
end

local function tree_depth(tr)
  local left, right, feat = tr.left:totable(), tr.right:totable(), tr.feature:totable()
  local depth, deepest = { [1] = 0 }, 0
  for i = 1, #feat do
    local di = depth[i]
    if di > deepest then deepest = di end
    if feat[i] ~= 0 then
      depth[left[i]], depth[right[i]] = di + 1, di + 1
    end
  end
  return deepest
end

local function tree_leaves(tr)
  return tr.feature:eq(0):sum()
end

for _, cls in ipairs { DecisionTree, RandomForest, ExtraTrees } do
  for k, f in pairs(Shared) do cls[k] = f end
end

-- ---- DecisionTree ----

function DecisionTree:fit(X, y, opts)
  return do_fit(self, X, y, opts)
end

-- (n) int64: the 1-based node id of the leaf each row reaches.
function DecisionTree:apply(X)
  self:check_fitted("apply")
  return apply(X, box_of(self), "apply"):select(2, 1)
end

function DecisionTree:get_depth()
  self:check_fitted("get_depth")
  return tree_depth(self.state_.trees[1])
end

function DecisionTree:get_n_leaves()
  self:check_fitted("get_n_leaves")
  return tree_leaves(self.state_.trees[1])
end

function DecisionTree:node_count()
  self:check_fitted("node_count")
  return self.state_.trees[1].feature:numel()
end

-- The fitted tree's arrays (sklearn's tree_): feature (1-based, 0 at
-- leaves), threshold, left, right (1-based node ids, 0 at leaves), value
-- (nodes, k) weighted class counts, impurity, n_node_samples,
-- weighted_n_node_samples.  Shared, not copied.
function DecisionTree:tree()
  self:check_fitted("tree")
  return self.state_.trees[1]
end

-- ---- forests ----

local function forest_methods(cls, splitter)
  function cls:fit(X, y, opts)
    return do_fit(self, X, y, opts, splitter)
  end

  -- (n, n_trees) int64: each row's leaf (1-based node id) in every tree.
  function cls:apply(X)
    self:check_fitted("apply")
    return apply(X, box_of(self), "apply")
  end

  function cls:n_trees()
    self:check_fitted("n_trees")
    return #self.state_.trees
  end

  -- Tree i (1-based) as a fitted DecisionTree sharing its arrays.
  function cls:estimator(i)
    self:check_fitted("estimator")
    local tr = self.state_.trees[i]
    if not tr then
      error(("bad argument #1 to 'estimator' (tree %s out of range 1..%d)"):format(
        tostring(i), #self.state_.trees), 2)
    end
    local p = self:params()
    local tp = { splitter = splitter }
    for k in pairs(DecisionTree.__params) do
      if k ~= "splitter" and k ~= "class_weight" then tp[k] = p[k] end
    end
    local t = DecisionTree(tp)
    t.state_ = { n_features = self.state_.n_features, n_classes = self.state_.n_classes,
                 trees = { tr } }
    return t
  end

  -- Accuracy of the out-of-bag predictions (sklearn oob_score_).
  function cls:oob_score()
    self:check_fitted("oob_score")
    local s = self.state_.oob_score
    if s == nil then
      error(("%s:oob_score: fit with oob_score = true first"):format(getmetatable(self).__name), 2)
    end
    return s
  end

  -- (n, k) float64: each training row's mean probability over the trees
  -- it was out of bag for (zeros for a row in every bootstrap).
  function cls:oob_decision_function()
    self:check_fitted("oob_decision_function")
    local s = self.state_.oob_decision_function
    if s == nil then
      error(("%s:oob_decision_function: fit with oob_score = true first"):format(
        getmetatable(self).__name), 2)
    end
    return s
  end

  function cls:get_depth()
    self:check_fitted("get_depth")
    local out = {}
    for i, tr in ipairs(self.state_.trees) do out[i] = tree_depth(tr) end
    return out
  end
end

forest_methods(RandomForest, "best")
forest_methods(ExtraTrees, "random")

return { DecisionTree = DecisionTree, RandomForest = RandomForest, ExtraTrees = ExtraTrees }
