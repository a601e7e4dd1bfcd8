-- credo.prep cleaning: SimpleImputer (scikit-learn 1.2's strategies, on
-- tensors and on Frames), dropping incomplete rows and removing duplicate
-- rows (docs/prep.md).
--
--   local imp = credo.prep.SimpleImputer { strategy = "median" }
--   local X2 = imp:fit(Xtrain):transform(Xtest)       -- NaN filled
--   local df2 = credo.prep.SimpleImputer():fit_transform(df)
--     -- numeric columns: the mean; categorical columns: level "Unknown"
--   local Xc, kept = credo.prep.dropna(X)
--   local Xu, first = credo.prep.drop_duplicates(X)
--
-- On a tensor, NaN is missing; on a Frame, NaN in a numeric column and code
-- 0 in a categorical one.  The statistics are computed by the native core
-- (natives/prep) in float64.  Not here: iterative or KNN imputation,
-- missing-indicator columns, markers other than NaN.
local estimator = require "credo.estimator"
local U = require "credo.prep.util"
local C, T = U.C, U.T
local csv = require("credo.core").csv

local M = {}

local function number_or_nil(v)
  if v == nil then return true end
  if type(v) ~= "number" or v ~= v then return false, "must be a number (not NaN)" end
  return true
end

local SimpleImputer = estimator.class("SimpleImputer", {
  strategy = { default = "mean", enum = { "mean", "median", "most_frequent", "constant" },
               doc = "statistic that fills a numeric column" },
  fill_value = { default = 0, type = "number", check = number_or_nil,
                 doc = "the value of strategy 'constant'" },
  categorical = { default = "constant", enum = { "constant", "most_frequent" },
                  doc = "how a categorical Frame column is filled" },
  fill_category = { default = "Unknown", type = "string",
                    doc = "the level a categorical column gets with 'constant'" },
  columns = { type = "table", doc = "Frame columns to impute (default all)" },
})

-- Per column statistics of a 2-d tensor X (NaN missing).
local function numeric_stats(op, X, p)
  local count = C.moments(op, 1, X)
  local d = count:size(1)
  if p.strategy == "constant" then
    return T.full({ d }, p.fill_value, "float64")
  end
  for j = 1, d do
    if count[j] == 0 then
      U.argerror(op, 1, ("X: column %d has no observed value (strategy '%s' needs one)")
        :format(j, p.strategy))
    end
  end
  if p.strategy == "mean" then
    local _, mean = C.moments(op, 1, X)
    return mean
  elseif p.strategy == "median" then
    return C.percentiles(op, 1, X, { 0.5 })[1]:clone()
  end
  return C.mode(op, 1, X)
end

-- The most frequent level of a categorical column (the first level in
-- level order on ties), or nil when every value is missing.
local function most_frequent_level(c)
  local counts = csv.count_codes(c.codes, #c.levels)
  local best, bc = nil, 0
  for k = 1, #c.levels do
    local v = counts[k]
    if v > bc then best, bc = k, v end
  end
  return best and c.levels[best] or nil
end

--- fit(X) -> self.  X: a 2-d tensor (one statistic per column) or a Frame
-- (per column in `columns`, default all).
function SimpleImputer:fit(X)
  local op = U.opname(self, "fit")
  local p = self.params_
  self.state_ = nil
  if U.is_frame(X) then
    local names = U.frame_columns(op, 1, X, p.columns)
    local fill = {}
    for _, name in ipairs(names) do
      local c = X:col(name)
      if U.is_categorical(c) then
        local level = p.fill_category
        if p.categorical == "most_frequent" then
          level = most_frequent_level(c)
          if not level then
            U.argerror(op, 1, ("column '%s' has no observed value (categorical = "
              .. "'most_frequent' needs one)"):format(name))
          end
        end
        fill[#fill + 1] = { name = name, kind = "categorical", level = level }
      else
        local col = c:reshape(-1, 1)
        if p.strategy ~= "constant" and C.moments(op, 1, col)[1] == 0 then
          U.argerror(op, 1, ("column '%s' has no observed value (strategy '%s' needs one)")
            :format(name, p.strategy))
        end
        fill[#fill + 1] = { name = name, kind = "numeric", value = numeric_stats(op, col, p)[1] }
      end
    end
    self.state_ = { frame = true, fill = fill }
    return self
  end
  U.check_matrix(op, 1, X)
  local stats = numeric_stats(op, X, p)
  self.state_ = { frame = false, statistics = stats, n_features = stats:size(1) }
  return self
end

-- c with `level` among its levels (inserted in bytewise order when new,
-- codes remapped), and the code of that level.
local function with_level(c, level)
  for k, s in ipairs(c.levels) do
    if s == level then return c, k end
  end
  local levels, map = {}, { 0 }
  local at
  for _, s in ipairs(c.levels) do
    if not at and level < s then
      levels[#levels + 1] = level
      at = #levels
    end
    levels[#levels + 1] = s
    map[#map + 1] = #levels
  end
  if not at then
    levels[#levels + 1] = level
    at = #levels
  end
  local m = T.tensor(map, "int64")
  local codes = m:index_select(1, c.codes + 1)
  return { codes = codes, levels = levels }, at
end
M._with_level = with_level

--- transform(X) -> X with its missing values filled (a new tensor or a new
-- Frame; the input is not modified).
function SimpleImputer:transform(X)
  self:check_fitted("transform")
  local op = U.opname(self, "transform")
  local st = self.state_
  if st.frame then
    if not U.is_frame(X) then U.argerror(op, 1, "X: expected a Frame (fitted on a Frame)") end
    local repl = {}
    for _, f in ipairs(st.fill) do
      if not X:has(f.name) then
        U.argerror(op, 1, ("X has no column named '%s' (fitted on it)"):format(f.name))
      end
      local c = X:col(f.name)
      if f.kind == "categorical" then
        if not U.is_categorical(c) then
          U.argerror(op, 1, ("column '%s' was categorical at fit"):format(f.name))
        end
        local nc, code = with_level(c, f.level)
        repl[f.name] = { codes = T.where(nc.codes:eq(0), code, nc.codes), levels = nc.levels }
      else
        if U.is_categorical(c) then
          U.argerror(op, 1, ("column '%s' was numeric at fit"):format(f.name))
        end
        repl[f.name] = T.where(c:isnan(), f.value, c)
      end
    end
    return U.frame_replace(X, repl)
  end
  if U.is_frame(X) then U.argerror(op, 1, "X: expected a 2-d tensor (fitted on a tensor)") end
  local _, d = U.check_matrix(op, 1, X)
  U.check_ncols(self, op, 1, d)
  C.check(op, 1, X, true, true)
  if X:dtype() == "int64" then return X:clone() end
  return T.where(X:isnan(), U.as(st.statistics, X:dtype()), X)
end

function SimpleImputer:fit_transform(X)
  return self:fit(X):transform(X)
end

--- The fitted fill values: a float64 tensor (tensor input) or a table
-- name -> value or level (Frame input).
function SimpleImputer:statistics()
  self:check_fitted("statistics")
  if not self.state_.frame then return self.state_.statistics end
  local out = {}
  for _, f in ipairs(self.state_.fill) do out[f.name] = f.value or f.level end
  return out
end

M.SimpleImputer = SimpleImputer

--- dropna(X) -> the rows of X without a missing value, and their 1-based
-- indices (int64).  X: a 2-d tensor (NaN) or a Frame (NaN or code 0 in any
-- column).
function M.dropna(X)
  local op = "dropna"
  if U.is_frame(X) then
    local cols = {}
    for i, name in ipairs(X:names()) do cols[i] = X:col(name) end
    local idx = #cols > 0 and csv.complete(cols) or T.zeros({ 0 }, "int64")
    return X:rows(idx), idx
  end
  U.check_matrix(op, 1, X)
  if X:dtype() == "int64" then return X:clone(), T.arange(1, X:size(1) + 1, 1, "int64") end
  local bad = X:isnan():sum(2)
  local idx = csv.which(bad:eq(0))
  return X:index_select(1, idx), idx
end

--- drop_duplicates(X) -> the first occurrence of each distinct row of X
-- (rows in their original order) and their 1-based indices.  NaN equals
-- NaN (pandas' duplicated); for a Frame, categorical columns compare by
-- level.
function M.drop_duplicates(X)
  local op = "drop_duplicates"
  if U.is_frame(X) then
    local names = X:names()
    if #names == 0 or X:nrow() == 0 then
      return X:rows(T.zeros({ 0 }, "int64")), T.zeros({ 0 }, "int64")
    end
    local M2 = X:to_tensor(names, "float64", { categorical = "codes" })
    local idx = C.unique_rows(op, 1, M2)
    return X:rows(idx), idx
  end
  U.check_matrix(op, 1, X)
  local idx = C.unique_rows(op, 1, X)
  return X:index_select(1, idx), idx
end

return M
