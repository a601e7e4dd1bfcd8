-- credo.SVC: a binary support vector classifier (C-SVC) with scikit-learn
-- 1.2's parameter names and behaviour (docs/svm.md) and the estimator
-- protocol (docs/design.md).
--
--   local m = credo.SVC { C = 3, kernel = "rbf", gamma = 0.05, probability = true }
--   m:fit(X, y, { sample_weight = w })  -- X (n, d) float, y (n) int64 0/1
--   local f = m:decision_function(Xt)  -- (m) float64, > 0 means class 1
--   local c = m:predict(Xt)          -- (m) int64
--   local p = m:predict_proba(Xt)    -- (m, 2) float64 (Platt's sigmoid)
--
-- The solver (SMO with WSS3, shrinking, kernel cache), prediction and
-- Platt's cross-validation run in the native core (natives/svm); this file
-- declares the parameters, resolves the ones that depend on the data
-- (gamma "scale"/"auto", class_weight "balanced") and keeps the fitted
-- state as plain data, so credo.save / credo.load work without running
-- code.  Not here: multi-class (one-vs-one), nu-SVC,
-- regression, precomputed kernels, break_ties.
local estimator = require "credo.estimator"
local C = require("credo.core").svm_core

-- Local names for the native calls, so an argument error reads
-- "bad argument #1 to 'decision_function' (...)", numbered as the caller sees.
local fit = C.fit
local decision_function, predict, predict_proba = C.decision, C.decision, C.decision
local proba = C.proba

local function gamma_check(v)
  if type(v) == "string" then
    if v == "scale" or v == "auto" then return true end
    return false, ("must be 'scale', 'auto' or a number > 0 (got '%s')"):format(v)
  end
  if not (v > 0) or v == math.huge then
    return false, ("must be 'scale', 'auto' or a finite number > 0 (got %s)"):format(v)
  end
  return true
end

local function class_weight_check(v)
  if type(v) == "string" then
    if v == "balanced" then return true end
    return false, ("must be 'balanced' or a table {[class] = weight} (got '%s')"):format(v)
  end
  for c, w in pairs(v) do
    if c ~= 0 and c ~= 1 then
      return false, ("keys must be the class labels 0 and 1 (got %s)"):format(tostring(c))
    end
    if type(w) ~= "number" or not (w > 0) or w == math.huge then
      return false, ("[%d] must be a finite number > 0 (got %s)"):format(c, tostring(w))
    end
  end
  return true
end

local SVC = estimator.class("SVC", {
  C = { default = 1.0, type = "number", gt = 0,
        doc = "penalty of the hinge loss (upper bound of each alpha)" },
  kernel = { default = "rbf", enum = { "linear", "poly", "rbf", "sigmoid" },
             doc = "kernel function" },
  gamma = { default = "scale", type = { "number", "string" }, check = gamma_check,
            doc = "kernel coefficient of rbf, poly, sigmoid: number, 'scale' or 'auto'" },
  degree = { default = 3, type = "integer", min = 0, max = 1000, doc = "poly degree" },
  coef0 = { default = 0.0, type = "number",
            doc = "independent term of poly and sigmoid" },
  tol = { default = 1e-3, type = "number", gt = 0, doc = "stopping tolerance (LIBSVM's eps)" },
  cache_size = { default = 200, type = "number", gt = 0, max = 1e9,
                 doc = "kernel-row cache in MiB" },
  shrinking = { default = true, type = "boolean", doc = "shrink the active set" },
  probability = { default = false, type = "boolean",
                  doc = "fit Platt's sigmoid on 5-fold cross-validated decision values" },
  class_weight = { type = { "string", "table" }, check = class_weight_check,
                   doc = "'balanced' or {[class] = weight}: C_i = C * weight[y_i]" },
  max_iter = { default = -1, type = "integer", min = -1, check = function(v)
                 return v ~= 0, "must be -1 (no limit) or >= 1" end,
               doc = "iteration cap (-1: LIBSVM's own, max(1e7, 100 n))" },
  seed = { default = 0, type = "integer", doc = "seed of the probability folds" },
})

-- Variance of every entry of X (numpy's X.var(), population), in float64.
local function variance(X)
  local x = X:double()
  local mean = x:mean()
  local dev = x - mean
  return (dev * dev):mean()
end

-- The parameters the core takes, resolved on the training data.
local function resolve(self, X, y)
  local p = self.params_
  local d = X:size(2)
  local gamma = p.gamma
  if gamma == "scale" then
    local v = X:numel() > 0 and variance(X) or 0
    gamma = v > 0 and 1.0 / (d * v) or 1.0 -- sklearn: 1 when X.var() is 0
    -- a non-finite X gives a non-finite gamma; the core then reports X
    if gamma ~= gamma or gamma == math.huge then gamma = 1.0 end
  elseif gamma == "auto" then
    gamma = 1.0 / d
  end
  local w0, w1 = 1.0, 1.0
  local cw = p.class_weight
  if cw == "balanced" and y then
    -- sklearn compute_class_weight: n / (n_classes * count)
    -- (labels other than 0/1 are the core's error to report)
    local n = y:size(1)
    local n0, n1 = y:eq(0):sum(), y:eq(1):sum()
    if n0 > 0 and n1 > 0 and n0 + n1 == n then w0, w1 = n / (2 * n0), n / (2 * n1) end
  elseif type(cw) == "table" then
    w0, w1 = cw[0] or 1.0, cw[1] or 1.0
  end
  return {
    kernel = p.kernel, gamma = gamma, degree = p.degree, coef0 = p.coef0,
    C = p.C, w0 = w0, w1 = w1, tol = p.tol, cache_size = p.cache_size,
    shrinking = p.shrinking, probability = p.probability,
    max_iter = p.max_iter, seed = p.seed,
  }
end

-- fit(X, y[, opts]) -> self.  X (n, d) finite floats; y (n) labels 0 and 1;
-- opts.sample_weight (n) >= 0 multiplies each row's C (sklearn's
-- sample_weight; rows of weight 0 are left out, as sklearn's LIBSVM does).
function SVC:fit(X, y, opts)
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #3 to 'fit' (options table expected, got %s)"):format(type(opts)), 2)
  end
  local sw
  if opts then
    for k, v in pairs(opts) do
      if k == "sample_weight" then sw = v
      else error(("bad argument #3 to 'fit' (unknown option '%s')"):format(tostring(k)), 2) end
    end
  end
  local mt = getmetatable(X)
  if not (mt and mt.__name == "credo.Tensor") then
    error(("bad argument #1 to 'fit' (tensor expected, got %s)"):format(type(X)), 2)
  end
  if X:dim() ~= 2 then
    error(("bad argument #1 to 'fit' (X must be a 2-d tensor (got %d dimensions))")
      :format(X:dim()), 2)
  end
  -- squared norms and dot products of values this large overflow to inf
  -- and the kernel to NaN (NaN itself is refused by the core with its row)
  if X:numel() > 0 then
    local amax = X:abs():max()
    if amax > 1e150 and amax < math.huge then   -- inf: the core names its row
      error(("bad argument #1 to 'fit' (X holds a value of magnitude %.3g: the kernel "
        .. "would overflow (scale the features first))"):format(amax), 2)
    end
  end
  local ok_y = getmetatable(y) == mt and y:dim() == 1 and y:size(1) == X:size(1)
  local params = resolve(self, X, ok_y and y or nil)
  local st = fit(X, y, sw, params)
  local b = st.intercept
  if type(b) ~= "number" or b ~= b or b == math.huge or b == -math.huge then
    error("SVC:fit: the solver produced a non-finite intercept (kernel values overflowed: "
      .. "scale the features, or lower gamma / degree)", 2)
  end
  self.state_ = st
  if not self.state_.converged then
    io.stderr:write(("SVC: solver stopped at max_iter = %d before reaching tol = %g\n")
      :format(self.state_.n_iter, self.params_.tol))
  end
  return self
end

function SVC:decision_function(X)
  self:check_fitted("decision_function")
  return decision_function(X, self.state_)
end

-- Labels 0/1 from the sign of the decision function (class 1 when > 0),
-- as sklearn's predict (not from predict_proba).
function SVC:predict(X)
  self:check_fitted("predict")
  return predict(X, self.state_):gt(0):long()
end

function SVC:predict_proba(X)
  self:check_fitted("predict_proba")
  local st = self.state_
  if st.probA == nil then
    error("SVC:predict_proba: probability estimates need probability = true at fit", 2)
  end
  return proba(predict_proba(X, st), st.probA, st.probB)
end

-- sklearn's fitted attributes, as methods (support_ is 1-based here).
function SVC:support() self:check_fitted("support"); return self.state_.support end
function SVC:support_vectors()
  self:check_fitted("support_vectors"); return self.state_.support_vectors
end
function SVC:n_support()
  self:check_fitted("n_support")
  return { self.state_.n_support[1], self.state_.n_support[2] }
end
function SVC:dual_coef() self:check_fitted("dual_coef"); return self.state_.dual_coef end
function SVC:intercept() self:check_fitted("intercept"); return self.state_.intercept end
function SVC:n_iter() self:check_fitted("n_iter"); return self.state_.n_iter end
-- The resolved gamma ("scale" and "auto" become numbers at fit).
function SVC:gamma() self:check_fitted("gamma"); return self.state_.gamma end
function SVC:prob_ab()
  self:check_fitted("prob_ab")
  return self.state_.probA, self.state_.probB
end

return SVC
