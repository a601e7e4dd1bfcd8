-- credo.KNeighborsClassifier: k-nearest-neighbour classification with
-- scikit-learn 1.2's parameter names and behaviour (docs/neighbors.md) and
-- the estimator protocol (docs/design.md).
--
--   local knn = credo.KNeighborsClassifier { n_neighbors = 10, weights = "distance" }
--   knn:fit(X, y)                          -- X (n, d) float, y (n) int64 0..k-1
--   local dist, idx = knn:kneighbors(Xt)   -- (m, k) float64, (m, k) int64 1-based
--   local p = knn:predict_proba(Xt)        -- (m, n_classes) float64
--   local c = knn:predict(Xt)              -- (m) int64
--
-- The search runs in the native core (natives/knn: brute force on BLAS or a
-- k-d tree); this file declares the parameters, picks the algorithm for
-- "auto" and keeps the fitted state as plain data (the training rows and
-- labels), so credo.save / credo.load work; a k-d tree is rebuilt on first
-- use after a load.  Not here: radius neighbours, metrics other than
-- Euclidean and Manhattan (p = 2, 1), the ball tree, regression, sparse X.
local estimator = require "credo.estimator"
local A = require "credo.argcheck"
local C = require("credo.core").knn_core

-- Local names for the native calls, so an argument error reads
-- "bad argument #1 to 'kneighbors' (...)", numbered as the caller sees.
local fit, kdtree, kneighbors = C.check_fit, C.kdtree, C.kneighbors
local predict_proba = C.vote

-- Largest dimension at which "auto" picks the k-d tree: measured for credo
-- (docs/neighbors.md: on 20,000 Gaussian rows the tree wins up to d = 6 and
-- loses 1.3x at 7, 3.7x at 10); scikit-learn 1.2 uses 15.
local KD_MAX_DIM = 6

local KNN = estimator.class("KNeighborsClassifier", {
  n_neighbors = { default = 5, type = "integer", min = 1, doc = "neighbours that vote" },
  weights = { default = "uniform", enum = { "uniform", "distance" },
              doc = "equal votes, or votes weighted by 1 / distance" },
  metric = { default = "euclidean", enum = { "euclidean", "manhattan" },
             doc = "distance: Euclidean (p = 2) or Manhattan (p = 1)" },
  algorithm = { default = "auto", enum = { "auto", "brute", "kd_tree" },
                doc = "search: brute force, k-d tree, or auto (tree when d <= 6)" },
  leaf_size = { default = 30, type = "integer", min = 1, max = 1000000,
                doc = "rows per k-d tree leaf at most" },
})

-- The algorithm "auto" resolves to for the fitted data (sklearn 1.2's
-- NeighborsBase._fit rule with credo's dimension limit: brute when
-- d > KD_MAX_DIM or k >= n / 2).
local function resolve_algorithm(self)
  local p, st = self.params_, self.state_
  if p.algorithm ~= "auto" then return p.algorithm end
  if st.n_features > KD_MAX_DIM or p.n_neighbors >= st.n_samples // 2 then return "brute" end
  return "kd_tree"
end

function KNN:fit(X, y, opts)
  A.options("fit", 3, opts, {})          -- fit takes no options
  self.state_, self.tree_ = nil, nil
  local Xc, yc, n_classes = fit(X, y)
  local n = Xc:size(1)
  if self.params_.n_neighbors > n then
    error(("KNeighborsClassifier:fit: n_neighbors = %d exceeds the %d training rows")
      :format(self.params_.n_neighbors, n), 2)
  end
  self.state_ = { X = Xc, y = yc, n_classes = n_classes, n_samples = n,
                  n_features = Xc:size(2) }
  self.state_.algorithm = resolve_algorithm(self)
  return self
end

-- The k-d tree of the fitted rows (built once, not saved).
local function tree_of(self)
  if self.tree_for_ ~= self.state_ then
    self.tree_ = kdtree(self.state_.X, self.params_.leaf_size)
    self.tree_for_ = self.state_
  end
  return self.tree_
end

-- dist (m, k) float64 ascending, idx (m, k) int64 1-based training rows;
-- n_neighbors defaults to the model's.  Ties in distance: lower index first.
function KNN:kneighbors(X, n_neighbors)
  self:check_fitted("kneighbors")
  local st, p = self.state_, self.params_
  local k = n_neighbors or p.n_neighbors
  local algo = st.algorithm or resolve_algorithm(self)
  local tree = algo == "kd_tree" and tree_of(self) or nil
  return kneighbors(X, st.X, k, p.metric, algo, tree)
end

-- (m, n_classes) float64: column c + 1 is the (weighted) share of the
-- neighbours in class c.
function KNN:predict_proba(X)
  self:check_fitted("predict_proba")
  local dist, idx = self:kneighbors(X)
  return predict_proba(dist, idx, self.state_.y, self.state_.n_classes, self.params_.weights)
end

-- (m) int64: the class of highest probability (the lowest on ties, as
-- sklearn's mode / argmax).
function KNN:predict(X)
  self:check_fitted("predict")
  local _, c = self:predict_proba(X):max(2)
  return c:sub(1)
end

function KNN:restore()
  self.tree_, self.tree_for_ = nil, nil
end

return { KNeighborsClassifier = KNN }
