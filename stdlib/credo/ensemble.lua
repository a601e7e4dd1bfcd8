-- credo.ensemble: combining classifiers (docs/ensemble.md).  Hard voting,
-- soft and weighted averaging (scikit-learn 1.2's VotingClassifier),
-- stacking on out-of-fold predictions (StackingClassifier), the regularised
-- greedy weighting of gwe-blendnet.txt (Section 3.3) and its BlendNet
-- meta-learner (Section 3.4), as functions over prediction columns and as
-- estimators of the protocol in docs/design.md.
--
--   local E = credo.ensemble
--   local v = E.VotingClassifier { estimators = { credo.GBDT{}, credo.ExtraTrees{} },
--                                  voting = "soft", weights = { 2, 1 } }:fit(X, y)
--   local r = E.greedy_weights(P_val, y_val, { lambda = 1e-3 })   -- r.weights, r.loss_history
--   local s = E.StackingClassifier { estimators = {...}, final_estimator = E.BlendNet {} }
--
-- Lua glue over native models: the arithmetic is tensor operations
-- (float64), the models do their own work.  What this is not: regression
-- ensembles, bagging/boosting (credo.forest, credo.gbdt), or a
-- cross-validated search over ensembles (credo's tuning module).
local core = require "credo.core"
local estimator = require "credo.estimator"
local U = require "credo.ensemble.util"
local G = require "credo.ensemble.greedy"

local T = core.tensor
local E = {}

E.greedy_weights = G.greedy_weights

-- ---- functions over prediction columns ----

-- A list of K model weights (argument i of op): finite numbers >= 0 with a
-- positive sum; nil gives K ones.
local function check_model_weights(op, i, w, K)
  if w == nil then
    local t = {}
    for k = 1, K do t[k] = 1.0 end
    return t
  end
  if type(w) ~= "table" then U.argerror(op, i, "weights must be a list of numbers") end
  if #w ~= K then
    U.argerror(op, i, ("weights has %d entries but there are %d models"):format(#w, K))
  end
  local sum = 0
  for k = 1, K do
    local v = w[k]
    if type(v) ~= "number" or v ~= v or v < 0 or v == math.huge then
      U.argerror(op, i, ("weights[%d] must be a finite number >= 0, got %s"):format(k, tostring(v)))
    end
    sum = sum + v
  end
  if not (sum > 0) then U.argerror(op, i, "weights sum to 0") end
  return w
end

-- Hard voting over label columns L (n, K) int64: row i's label is the
-- class with the largest sum of the weights of the models voting for it,
-- the smallest label on ties (sklearn: argmax of a weighted bincount).
local function vote_matrix(L, w, C)
  local wt = T.tensor(w, "float64")
  local counts = T.zeros({ L:size(1), C }, "float64")
  for c = 0, C - 1 do
    counts:select(2, c + 1):copy(L:eq(c):double():mv(wt))
  end
  return counts:argmax(2):sub(1), counts
end

--- vote(labels [, opts]) -> (n) int64 labels, (n, C) float64 weighted vote counts
-- labels: an (n, K) int64 matrix (column k = model k's predicted labels)
-- or a list of K (n) int64 tensors.  opts: weights (K numbers), n_classes
-- (default: the largest label + 1).
function E.vote(labels, opts)
  local op = "vote"
  local o = U.options(op, 2, opts, U.set("weights", "n_classes"))
  local L
  if U.is_tensor(labels) then
    L = labels
  elseif type(labels) == "table" then
    if #labels == 0 then U.argerror(op, 1, "no models: the list of label columns is empty") end
    for k, t in ipairs(labels) do
      if not U.is_tensor(t) or t:dim() ~= 1 or t:size(1) ~= labels[1]:size(1) then
        U.argerror(op, 1, ("element %d must be a 1-d int64 tensor of %s labels"):format(
          k, U.is_tensor(labels[1]) and tostring(labels[1]:size(1)) or "n"))
      end
    end
    L = T.stack(labels, 2)
  else
    U.argerror(op, 1, "expected an (n, K) int64 tensor or a list of tensors, got " .. type(labels))
  end
  if L:dim() ~= 2 or L:dtype() ~= "int64" then
    U.argerror(op, 1, ("expected an (n, K) int64 matrix of labels, got %s %s"):format(
      L:dtype(), U.shape(L)))
  end
  if L:size(1) < 1 or L:size(2) < 1 then U.argerror(op, 1, "no models or no rows") end
  if L:min() < 0 then U.argerror(op, 1, "labels must be >= 0") end
  local C = o.n_classes or (L:max() + 1)
  if math.type(C) ~= "integer" or C < L:max() + 1 then
    U.argerror(op, 2, ("n_classes must be an integer > the largest label (%d), got %s"):format(
      L:max(), tostring(o.n_classes)))
  end
  return vote_matrix(L, check_model_weights(op, 2, o.weights, L:size(2)), C)
end

--- average(probas [, opts]) -> the weighted mean sum_k w_k P_k / sum_k w_k
-- probas: a list of K (n, C) probability tensors (result (n, C) float64),
-- or an (n, K) matrix of positive-class probabilities (result (n)).
-- opts: weights (K numbers >= 0; default equal).  sklearn's soft voting
-- (np.average over the models' predict_proba).
function E.average(probas, opts)
  local op = "average"
  local o = U.options(op, 2, opts, U.set("weights"))
  if U.is_tensor(probas) then
    local Pm = U.prob_matrix(op, 1, probas)
    local w = check_model_weights(op, 2, o.weights, Pm:size(2))
    local wt = T.tensor(w, "float64")
    return Pm:mv(wt):div(wt:sum())
  end
  if type(probas) ~= "table" or #probas == 0 then
    U.argerror(op, 1, "expected a non-empty list of (n, C) probability tensors (no models given)")
  end
  local first = probas[1]
  for k, p in ipairs(probas) do
    if not U.is_tensor(p) or p:dim() ~= 2 or p:dtype() == "int64" then
      U.argerror(op, 1, ("element %d must be an (n, C) float tensor"):format(k))
    end
    if p:size(1) ~= first:size(1) or p:size(2) ~= first:size(2) then
      U.argerror(op, 1, ("element %d has shape %s but element 1 has shape %s"):format(
        k, U.shape(p), U.shape(first)))
    end
  end
  local w = check_model_weights(op, 2, o.weights, #probas)
  local acc = T.zeros({ first:size(1), first:size(2) }, "float64")
  local sum = 0
  for k, p in ipairs(probas) do
    acc:add_(p:double():mul(w[k]))
    sum = sum + w[k]
  end
  return acc:div_(sum)
end

--- predict_columns(models, X) -> (n, K) float64: column k is fitted binary
-- model k's P(y = 1) on X (the input of greedy_weights).
function E.predict_columns(models, X)
  local op = "predict_columns"
  if type(models) ~= "table" or #models == 0 then U.argerror(op, 1, "no models given") end
  U.check_X(op, 2, X)
  local cols = {}
  for k, m in ipairs(models) do
    if not estimator.is_estimator(m) and not (type(m) == "table" and m.predict_proba) then
      U.argerror(op, 1, ("element %d is not an estimator"):format(k))
    end
    local p = m:predict_proba(X)
    if p:dim() ~= 2 or p:size(2) ~= 2 then
      U.argerror(op, 1, ("model %d is not binary: predict_proba gave shape %s"):format(k, U.shape(p)))
    end
    cols[k] = p:select(2, 2):double()
  end
  return T.stack(cols, 2)
end

--- blend(P, weights) -> (n) float64: sum_k w_k P[:, k].
function E.blend(P, weights)
  local Pm = U.prob_matrix("blend", 1, P)
  local w = check_model_weights("blend", 2, weights, Pm:size(2))
  local wt = T.tensor(w, "float64")
  return Pm:mv(wt):div(wt:sum())
end

-- ---- estimators ----

local FIT = U.set("sample_weight")

local function fit_args(X, y, opts, allowed)
  local op = "fit"
  local n = U.check_X(op, 1, X)
  local C = U.check_labels(op, 2, y, n)
  local o = U.options(op, 3, opts, allowed or FIT)
  local w = U.check_weights(op, 3, o.sample_weight, n)
  return n, C, o, w
end

local function fitted_models(cname, self, X, y, w)
  if self.params_.prefit then
    for k, m in ipairs(self.params_.estimators) do
      if not m:is_fitted() then
        error(("%s:fit: prefit = true but estimator %d is not fitted"):format(cname, k), 0)
      end
    end
    local out = {}
    for k, m in ipairs(self.params_.estimators) do out[k] = m end
    return out
  end
  return U.fit_all(self.params_.estimators, X, y, w)
end

local function weights_check(v)
  for k, x in ipairs(v) do
    if type(x) ~= "number" or x ~= x or x < 0 or x == math.huge then
      return false, ("[%d] must be a finite number >= 0 (got %s)"):format(k, tostring(x))
    end
  end
  return true
end

local function check_weight_count(cname, self)
  local w, e = self.params_.weights, self.params_.estimators
  if w ~= nil and #w ~= #e then
    error(("%s: parameter 'weights' has %d entries but there are %d estimators"):format(
      cname, #w, #e), 0)
  end
end

-- VotingClassifier: sklearn's, with voting "hard" (weighted majority of
-- predicted labels) or "soft" (weighted mean of predict_proba).
local Voting = U.class("VotingClassifier", {
  estimators = { required = true, type = "table", check = U.check_estimator_list,
                 doc = "the base estimators (cloned and fitted by fit)" },
  voting = { default = "hard", enum = { "hard", "soft" }, doc = "majority of labels or mean of probabilities" },
  weights = { type = "table", check = weights_check, doc = "one weight >= 0 per estimator (nil: equal)" },
  prefit = { default = false, type = "boolean", doc = "use the given fitted estimators as they are" },
}, { estimators = "list" })
Voting.set_init(function(self) check_weight_count("VotingClassifier", self) end)

function Voting:fit(X, y, opts)
  local _, C, _, w = fit_args(X, y, opts)
  local models = fitted_models("VotingClassifier", self, X, y, w)
  self.models_ = models
  self.state_ = { estimators = U.states_of(models), n_classes = C }
  return self
end

function Voting:restore()
  if self.state_ == nil then return end
  self.models_ = U.restore_models(self.state_.estimators)
end

local function model_weights(self)
  return check_model_weights("VotingClassifier", 1, self.params_.weights, #self.models_)
end

function Voting:predict_proba(X)
  self:check_fitted("predict_proba")
  if self.params_.voting == "hard" then
    error("VotingClassifier:predict_proba: not available when voting = 'hard' (use voting = 'soft')", 2)
  end
  local list = {}
  for k, m in ipairs(self.models_) do
    local p = m:predict_proba(X)
    if p:size(2) ~= self.state_.n_classes then
      error(("VotingClassifier:predict_proba: estimator %d gives %d classes, expected %d"):format(
        k, p:size(2), self.state_.n_classes), 2)
    end
    list[k] = p
  end
  return E.average(list, { weights = model_weights(self) })
end

function Voting:predict(X)
  self:check_fitted("predict")
  if self.params_.voting == "soft" then
    return self:predict_proba(X):argmax(2):sub(1)
  end
  local cols = {}
  for k, m in ipairs(self.models_) do cols[k] = m:predict(X) end
  return (vote_matrix(T.stack(cols, 2), model_weights(self), self.state_.n_classes))
end

-- The fitted base models (live objects).
function Voting:estimators() self:check_fitted("estimators"); return self.models_ end

E.VotingClassifier = Voting

-- StackingClassifier: sklearn's, with stack_method "predict_proba" (first
-- column dropped for two classes) or "predict", out-of-fold predictions
-- from a seeded, shuffled stratified K-fold, and any meta-learner.
local Stacking = U.class("StackingClassifier", {
  estimators = { required = true, type = "table", check = U.check_estimator_list,
                 doc = "the base estimators" },
  final_estimator = { required = true, type = "table", check = U.check_estimator,
                      doc = "the meta-learner, fitted on the out-of-fold predictions" },
  cv = { default = 5, type = "integer", min = 2, doc = "folds of the stratified K-fold" },
  shuffle = { default = true, type = "boolean", doc = "shuffle within classes before folding (sklearn: false)" },
  seed = { default = 0, type = "integer", doc = "seed of the fold shuffle" },
  passthrough = { default = false, type = "boolean", doc = "also feed X to the meta-learner" },
  stack_method = { default = "predict_proba", enum = { "predict_proba", "predict" },
                   doc = "what the base models contribute" },
}, { estimators = "list", final_estimator = "one" })

local function meta_features(self, models, X)
  local p, cols = self.params_, {}
  for k, m in ipairs(models) do
    cols[k] = U.model_columns("StackingClassifier", m, X, self.state_.n_classes, p.stack_method)
  end
  if p.passthrough then cols[#cols + 1] = X:double() end
  return T.cat(cols, 2)
end

local function as_input(M, X)
  return M:type(X:dtype())
end

function Stacking:fit(X, y, opts)
  local _, C, _, w = fit_args(X, y, opts)
  local p = self.params_
  local oof, folds = U.oof_columns("StackingClassifier", p.estimators, X, y, C,
    { cv = p.cv, shuffle = p.shuffle, seed = p.seed, method = p.stack_method, sample_weight = w })
  local meta = oof
  if p.passthrough then meta = T.cat({ oof, X:double() }, 2) end
  local final = p.final_estimator:clone():fit(as_input(meta, X), y, w and { sample_weight = w } or nil)
  local models = U.fit_all(p.estimators, X, y, w)
  self.models_, self.final_, self.oof_, self.folds_ = models, final, oof, folds
  self.state_ = { estimators = U.states_of(models), final = final:get_state(), n_classes = C,
                  n_features = X:size(2) }
  return self
end

function Stacking:restore()
  if self.state_ == nil then return end
  self.models_ = U.restore_models(self.state_.estimators)
  self.final_ = estimator.from_state(self.state_.final)
end

-- The meta-learner's input for X: the full-data base models' columns
-- (then X itself with passthrough), in X's dtype.
function Stacking:transform(X)
  self:check_fitted("transform")
  U.check_X("transform", 1, X)
  return as_input(meta_features(self, self.models_, X), X)
end

function Stacking:predict_proba(X)
  self:check_fitted("predict_proba")
  return self.final_:predict_proba(self:transform(X))
end

function Stacking:predict(X)
  self:check_fitted("predict")
  return self.final_:predict(self:transform(X))
end

-- The out-of-fold meta-features of the last fit (not saved with the model).
function Stacking:oof_predictions()
  self:check_fitted("oof_predictions")
  if not self.oof_ then error("StackingClassifier:oof_predictions: not kept by a loaded model", 2) end
  return self.oof_
end

function Stacking:final_estimator() self:check_fitted("final_estimator"); return self.final_ end
function Stacking:estimators() self:check_fitted("estimators"); return self.models_ end

E.StackingClassifier = Stacking

-- GreedyWeightedClassifier: base models fitted on the training data,
-- convex weights from greedy_weights on validation probabilities (the
-- eval_set given to fit, or else out-of-fold predictions of a stratified
-- K-fold over the training data); predicts sum_k w_k p_k.
local function num_or_nil(lo, strict)
  return function(v)
    if v ~= v or v == math.huge or v < lo or (strict and v == lo) then
      return false, ("must be a finite number %s %s (got %s)"):format(strict and ">" or ">=", lo, v)
    end
    return true
  end
end

local Greedy = U.class("GreedyWeightedClassifier", {
  estimators = { required = true, type = "table", check = U.check_estimator_list,
                 doc = "the base estimators (binary classifiers)" },
  lambda = { default = G.DEFAULTS.lambda, type = "number", check = num_or_nil(0),
             doc = "weight of the penalty lambda ||w||^2" },
  tol = { default = G.DEFAULTS.tol, type = "number", check = num_or_nil(0),
          doc = "stop when an iteration lowers the objective by less" },
  max_iter = { default = G.DEFAULTS.max_iter, type = "integer", min = 1, doc = "iterations at most" },
  method = { default = "coordinate", enum = { "coordinate", "gradient" },
             doc = "coordinate-wise greedy grid search (the paper's) or gradient descent on theta" },
  grid = { type = "table", doc = "theta values searched per coordinate (nil: -5..5 step 0.05)" },
  lr = { type = "number", check = num_or_nil(0, true), doc = "gradient step (method 'gradient'; nil: 50)" },
  cv = { default = 5, type = "integer", min = 2, doc = "folds for the out-of-fold validation predictions" },
  shuffle = { default = true, type = "boolean", doc = "shuffle within classes before folding" },
  seed = { default = 0, type = "integer", doc = "seed of the fold shuffle" },
  prefit = { default = false, type = "boolean", doc = "use the given fitted estimators (needs eval_set)" },
}, { estimators = "list" })
Greedy.set_init(function(self)
  local p = self.params_
  if p.method == "coordinate" and p.lr ~= nil then
    error("GreedyWeightedClassifier: parameter 'lr' is the step of method = 'gradient'", 0)
  end
  if p.method == "gradient" and p.grid ~= nil then
    error("GreedyWeightedClassifier: parameter 'grid' is for method = 'coordinate'", 0)
  end
  if p.grid ~= nil then
    for i, v in ipairs(p.grid) do
      if type(v) ~= "number" or v ~= v or math.abs(v) > 50 then
        error(("GreedyWeightedClassifier: parameter 'grid' [%d] must be a number in [-50, 50] (got %s)")
          :format(i, tostring(v)), 0)
      end
    end
    if #p.grid == 0 then error("GreedyWeightedClassifier: parameter 'grid' is empty", 0) end
  end
end)

function Greedy:fit(X, y, opts)
  local cname = "GreedyWeightedClassifier"
  local _, C, o, w = fit_args(X, y, opts, U.set("sample_weight", "eval_set"))
  if C > 2 then
    error(("%s:fit: greedy weighting is for binary labels (the Brier loss on P(y = 1)); y has %d classes")
      :format(cname, C), 0)
  end
  local p = self.params_
  local gopts = { lambda = p.lambda, tol = p.tol, max_iter = p.max_iter, method = p.method,
                  grid = p.grid, lr = p.lr }
  G.options("fit", gopts)   -- checks the method/grid/lr combination
  local Pv, yv
  if o.eval_set ~= nil then
    local es = o.eval_set
    if type(es) ~= "table" or not U.is_tensor(es[1]) or not U.is_tensor(es[2]) then
      U.argerror("fit", 3, "eval_set must be {X_val, y_val}")
    end
    U.check_X("fit", 3, es[1])
    U.check_labels("fit", 3, es[2], es[1]:size(1))
    if es[1]:size(2) ~= X:size(2) then
      U.argerror("fit", 3, ("eval_set X has %d columns but X has %d"):format(es[1]:size(2), X:size(2)))
    end
  elseif p.prefit then
    error(cname .. ":fit: prefit = true needs validation data: fit(X, y, { eval_set = { X_val, y_val } })", 0)
  else
    Pv = U.oof_columns(cname, p.estimators, X, y, 2,
      { cv = p.cv, shuffle = p.shuffle, seed = p.seed, method = "predict_proba", sample_weight = w })
    yv = y
  end
  local models = fitted_models(cname, self, X, y, w)
  if o.eval_set ~= nil then
    Pv, yv = E.predict_columns(models, o.eval_set[1]), o.eval_set[2]
  end
  local r = G.greedy_weights(Pv, yv, gopts)
  self.models_, self.result_ = models, r
  self.state_ = { estimators = U.states_of(models), n_classes = 2, weights = r.weights,
                  theta = r.theta, loss = r.loss, brier = r.brier,
                  loss_history = r.loss_history, brier_history = r.brier_history,
                  iterations = r.iterations, converged = r.converged }
  return self
end

function Greedy:restore()
  if self.state_ == nil then return end
  self.models_ = U.restore_models(self.state_.estimators)
end

-- The convex weights (a Lua list, model order), and the optimisation
-- record: loss, brier, loss_history, brier_history, iterations, converged.
function Greedy:weights() self:check_fitted("weights"); return self.state_.weights end
function Greedy:result() self:check_fitted("result"); return self.state_ end

function Greedy:predict_proba(X)
  self:check_fitted("predict_proba")
  local p = G.blend(E.predict_columns(self.models_, X), self.state_.weights)
  return T.stack({ p:neg():add(1), p }, 2)
end

function Greedy:predict(X)
  self:check_fitted("predict")
  return self:predict_proba(X):argmax(2):sub(1)
end

function Greedy:estimators() self:check_fitted("estimators"); return self.models_ end

E.GreedyWeightedClassifier = Greedy

E.BlendNet = require("credo.ensemble.blendnet").BlendNet

return E
