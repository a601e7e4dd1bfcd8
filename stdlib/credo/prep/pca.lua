-- credo.prep.PCA: principal component analysis by the thin SVD of the
-- centred data on LAPACK (credo.linalg.svd, gesdd), scikit-learn 1.2's
-- PCA with svd_solver = "full" (docs/prep.md, "PCA").
--
--   local pca = credo.prep.PCA { n_components = 0.95 }   -- or an integer
--   local Z = pca:fit(X):transform(X)
--   print(pca:n_components(), pca:explained_variance_ratio())
--   local Xr = pca:inverse_transform(Z)
--
-- Signs follow scikit-learn's svd_flip (the largest |entry| of each column
-- of U positive), which credo.linalg.svd already applies.  Everything is
-- computed in float64; transform returns float32 for float32 input.  Not
-- here: randomized or ARPACK solvers, incremental or kernel PCA.
local estimator = require "credo.estimator"
local U = require "credo.prep.util"
local C, T = U.C, U.T

local function ncomp_check(v)
  if type(v) ~= "number" or v ~= v then return false, "must be an integer >= 1 or a fraction in (0, 1)" end
  if math.type(v) == "integer" then
    if v >= 1 then return true end
    return false, ("must be >= 1 (got %d)"):format(v)
  end
  if v > 0 and v < 1 then return true end
  if v >= 1 and v == math.floor(v) then return true end
  return false, ("must be an integer >= 1 or a fraction in (0, 1) (got %s)"):format(v)
end

local PCA = estimator.class("PCA", {
  n_components = { type = "number", check = ncomp_check,
                   doc = "components kept: an integer, a variance fraction in (0, 1), or all" },
  whiten = { default = false, type = "boolean", doc = "scale components to unit variance" },
})

--- fit(X) -> self.  X (n, d), n >= 2, no NaN.  explained_variance = S^2 /
-- (n - 1); ratio = explained_variance / its sum over all min(n, d)
-- components; a fraction f keeps the fewest components whose cumulative
-- ratio exceeds f (searchsorted(cumsum, f, side = "right") + 1).
function PCA:fit(X)
  local op = U.opname(self, "fit")
  local n, d = U.check_matrix(op, 1, X)
  C.check(op, 1, X, false)
  self.state_ = nil
  if n < 2 then U.argerror(op, 1, ("X has %d row, PCA needs at least 2"):format(n)) end
  local Xd = U.as(X, "float64")
  local mean = Xd:mean(1)
  local _, S, Vt = T.svd(Xd - mean)
  local p = math.min(n, d)
  local ev = S * S / (n - 1)
  local total = ev:sum()
  local ratio = total > 0 and ev / total or T.zeros({ p }, "float64")
  local k = self.params_.n_components
  if k == nil then
    k = p
  elseif k < 1 then
    local cum, kk = 0, p
    for i = 1, p do
      cum = cum + ratio[i]
      if cum > k then kk = i; break end
    end
    k = kk
  else
    k = math.tointeger(k)
    if k > p then
      U.argerror(op, 1, ("n_components = %d exceeds min(n, d) = %d"):format(k, p))
    end
  end
  local noise = 0.0
  if k < p then noise = ev:narrow(1, k + 1, p - k):mean() end
  self.state_ = {
    mean = mean, components = Vt:narrow(1, 1, k):contiguous(),
    explained_variance = ev:narrow(1, 1, k):contiguous(),
    explained_variance_ratio = ratio:narrow(1, 1, k):contiguous(),
    singular_values = S:narrow(1, 1, k):contiguous(),
    noise_variance = noise, n_components = k, n_features = d, n_samples = n,
  }
  return self
end

--- transform(X) -> (n, k): (X - mean) @ components^T, divided by
-- sqrt(explained_variance) when whitening.
function PCA:transform(X)
  self:check_fitted("transform")
  local op = U.opname(self, "transform")
  local _, d = U.check_matrix(op, 1, X)
  U.check_ncols(self, op, 1, d)
  C.check(op, 1, X, false, true)
  local st = self.state_
  local Z = T.matmul(U.as(X, "float64") - st.mean, st.components:t())
  if self.params_.whiten then Z = Z / st.explained_variance:sqrt() end
  return U.as(Z, U.out_dtype(X))
end

--- inverse_transform(Z) -> (n, d): Z @ components + mean (Z scaled back
-- by sqrt(explained_variance) first when whitening).
function PCA:inverse_transform(Z)
  self:check_fitted("inverse_transform")
  local op = U.opname(self, "inverse_transform")
  local _, k = U.check_matrix(op, 1, Z, "Z")
  local st = self.state_
  if k ~= st.n_components then
    U.argerror(op, 1, ("Z has %d columns but PCA keeps %d components"):format(k, st.n_components))
  end
  C.check(op, 1, Z, false, true)
  local Zd = U.as(Z, "float64")
  if self.params_.whiten then Zd = Zd * st.explained_variance:sqrt() end
  return U.as(T.matmul(Zd, st.components) + st.mean, U.out_dtype(Z))
end

function PCA:fit_transform(X)
  return self:fit(X):transform(X)
end

-- Accessors named as scikit-learn's fitted attributes (without the "_").
for _, name in ipairs { "components", "explained_variance", "explained_variance_ratio",
                        "singular_values", "mean", "noise_variance", "n_components" } do
  PCA[name] = function(self)
    self:check_fitted(name)
    return self.state_[name]
  end
end

return PCA
