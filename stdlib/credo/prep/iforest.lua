-- credo.prep.IsolationForest: anomaly scores from random isolation trees
-- (Liu, Ting & Zhou, ICDM 2008), with scikit-learn 1.2's API and score
-- definitions (docs/prep.md, "IsolationForest").
--
--   local f = credo.prep.IsolationForest { n_estimators = 100, seed = 1 }
--   f:fit(Xtrain)
--   local s = f:score_samples(X)     -- lower = more anomalous, in [-1, 0]
--   local y = f:predict(X)           -- int64 +1 inlier, -1 outlier
--
-- Trees are built and applied by the native core (natives/prep), each tree
-- from its own generator stream (seed, tree index), so a seed gives the
-- same forest at any thread count.  The forest is plain data (int64 and
-- float64 tensors), so credo.save / credo.load keep it.  Not here:
-- bootstrap sampling, warm start, sample weights.
local estimator = require "credo.estimator"
local U = require "credo.prep.util"
local C, T = U.C, U.T

local function max_samples_check(v)
  if v == "auto" then return true end
  if type(v) ~= "number" or v ~= v then return false, "must be 'auto', an integer or a fraction" end
  if U.is_int(v) and v >= 1 and math.type(v) == "integer" then return true end
  if v > 0 and v <= 1 then return true end
  return false, ("must be 'auto', an integer >= 1 or a fraction in (0, 1] (got %s)"):format(v)
end

local function contamination_check(v)
  if v == "auto" then return true end
  if type(v) ~= "number" or not (v > 0 and v <= 0.5) then
    return false, ("must be 'auto' or a number in (0, 0.5] (got %s)"):format(tostring(v))
  end
  return true
end

local function max_features_check(v)
  if type(v) ~= "number" or v ~= v then return false, "must be an integer or a fraction" end
  if math.type(v) == "integer" and v >= 1 then return true end
  if v > 0 and v <= 1 then return true end
  return false, ("must be an integer >= 1 or a fraction in (0, 1] (got %s)"):format(v)
end

local IsolationForest = estimator.class("IsolationForest", {
  n_estimators = { default = 100, type = "integer", min = 1, max = 100000, doc = "trees" },
  max_samples = { default = "auto", type = { "string", "number" }, check = max_samples_check,
                  doc = "rows per tree: 'auto' = min(256, n), an integer, or a fraction of n" },
  contamination = { default = "auto", type = { "string", "number" }, check = contamination_check,
                    doc = "'auto' (offset -0.5) or the expected share of outliers" },
  max_features = { default = 1.0, type = "number", check = max_features_check,
                   doc = "features per tree: an integer or a fraction of d" },
  seed = { default = 0, type = "integer", doc = "seed of the row and split draws (random_state)" },
})

--- fit(X) -> self.  psi = the rows per tree; depth limit ceil(log2(psi));
-- offset = -0.5 for contamination 'auto', else the contamination
-- percentile of the training scores (numpy's linear interpolation).
function IsolationForest:fit(X)
  local op = U.opname(self, "fit")
  local n, d = U.check_matrix(op, 1, X)
  C.check(op, 1, X, false)
  self.state_ = nil
  local p = self.params_
  local psi
  if p.max_samples == "auto" then
    psi = math.min(256, n)
  elseif math.type(p.max_samples) == "integer" then
    psi = math.min(p.max_samples, n)
  else
    psi = math.floor(p.max_samples * n)
    if psi < 1 then
      U.argerror(op, 1, ("max_samples = %s of %d rows is less than one row"):format(p.max_samples, n))
    end
  end
  local nf = math.type(p.max_features) == "integer" and p.max_features
    or math.max(1, math.floor(p.max_features * d))
  if nf > d then
    U.argerror(op, 1, ("max_features = %d exceeds the %d columns of X"):format(nf, d))
  end
  -- ceil(log2(max(psi, 2))), exactly: the smallest depth with 2^depth >= psi
  local depth = 0
  while (1 << depth) < math.max(psi, 2) do depth = depth + 1 end
  local forest = C.iforest_fit(op, 1, X, p.n_estimators, psi, depth, nf, p.seed)
  local offset = -0.5
  self.state_ = { forest = forest, offset = offset, n_features = d, psi = psi }
  if p.contamination ~= "auto" then
    local s = C.iforest_score(op, 1, X, forest)
    offset = C.percentiles(op, 1, s:reshape(-1, 1), { p.contamination })[1][1]
    self.state_.offset = offset
  end
  return self
end

--- score_samples(X) -> float64 (n): -2^(-E[h(x)] / c(psi)), scikit-learn's
-- score_samples (the opposite of the paper's anomaly score s(x, psi)).
function IsolationForest:score_samples(X)
  self:check_fitted("score_samples")
  local op = U.opname(self, "score_samples")
  local _, d = U.check_matrix(op, 1, X)
  U.check_ncols(self, op, 1, d)
  return C.iforest_score(op, 1, X, self.state_.forest)
end

--- decision_function(X) -> score_samples(X) - offset (negative = outlier).
function IsolationForest:decision_function(X)
  self:check_fitted("decision_function")
  return self:score_samples(X) - self.state_.offset
end

--- predict(X) -> int64 (n): +1 inlier, -1 outlier (decision_function < 0).
function IsolationForest:predict(X)
  self:check_fitted("predict")
  local dec = self:decision_function(X)
  return T.where(dec:lt(0), -1, T.ones({ dec:size(1) }, "int64"))
end

function IsolationForest:fit_predict(X)
  return self:fit(X):predict(X)
end

function IsolationForest:offset()
  self:check_fitted("offset")
  return self.state_.offset
end

--- average_path_length(n) -> c(n), the normaliser of path lengths.
IsolationForest.average_path_length = function(n)
  return C.iforest_c(n)
end

return IsolationForest
