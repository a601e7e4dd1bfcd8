-- credo.LogisticRegression: binary logistic regression with scikit-learn
-- 1.2's parameter names and objective (docs/linear.md), on dense tensors
-- and on the sparse one-hot / hashed-cross design of a wide model
-- (credo.linear.design, credo.linear.WideEncoder).
--
--   local lr = credo.LogisticRegression { C = 1.5, max_iter = 1000 }
--   lr:fit(X, y, { sample_weight = w })   -- X (n, d) or a Design, y int64 0/1
--   local p = lr:predict_proba(Xt)        -- (n, 2) float64 [P(0), P(1)]
--   print(lr.coef_, lr.intercept_, lr.n_iter_, lr:convergence().stop)
--
-- The solvers (L-BFGS for l2 / none, OWL-QN for l1) and the objective run
-- in the native core (natives/linear); this file declares the parameters,
-- folds class_weight into sample weights and keeps the fitted state as
-- plain data, so credo.save / credo.load work without running code.
-- Not here: multinomial or one-vs-rest (binary labels 0/1 only), elastic
-- net, warm_start, liblinear's penalised intercept.
local estimator = require "credo.estimator"
local A = require "credo.argcheck"
local core = require "credo.core"
local L = core.linear_core

-- Local names for the native calls, so an argument error reads
-- "bad argument #1 to 'fit' (...)", numbered as the caller sees.
local fit, decision = L.fit, L.decision
local predict_proba, predict, decision_function = L.decision, L.decision, L.decision
local design, onehot, cross_hash = L.design, L.onehot, L.cross_hash

local M = {}

local function is_tensor(v)
  local mt = getmetatable(v)
  return mt ~= nil and mt.__name == "credo.Tensor"
end

local function class_weight_check(v)
  if type(v) == "string" then
    if v == "balanced" then return true end
    return false, ("must be 'balanced' or a table {[0] = w0, [1] = w1} (got '%s')"):format(v)
  end
  for c, w in pairs(v) do
    if c ~= 0 and c ~= 1 then
      return false, ("keys must be the class labels 0 and 1 (got %s)"):format(tostring(c))
    end
    if type(w) ~= "number" or not (w >= 0) or w == math.huge then
      return false, ("[%d] must be a finite number >= 0 (got %s)"):format(c, tostring(w))
    end
  end
  return true
end

local LogisticRegression = estimator.class("LogisticRegression", {
  C = { default = 1.0, type = "number", gt = 0,
        doc = "inverse regularisation strength (sklearn C)" },
  penalty = { default = "l2", enum = { "l2", "l1", "none" },
              doc = "l2: 0.5 ||coef||^2, l1: ||coef||_1, none" },
  solver = { default = "lbfgs", enum = { "lbfgs", "owlqn" },
             doc = "lbfgs (l2, none) or owlqn (l1, also l2 / none)" },
  max_iter = { default = 100, type = "integer", min = 0, doc = "solver iterations" },
  tol = { default = 1e-4, type = "number", min = 0,
          doc = "stop when the gradient's max-norm <= tol (sklearn gtol)" },
  ftol = { default = 1e7 * 2.220446049250313e-16, type = "number", min = 0,
           doc = "also stop when f decreases by <= ftol relatively (scipy L-BFGS-B's "
              .. "factr * eps, which sklearn leaves at its default); 0: stop on tol alone" },
  fit_intercept = { default = true, type = "boolean", doc = "fit an unpenalised intercept" },
  class_weight = { type = { "string", "table" }, check = class_weight_check,
                   doc = "'balanced' or {[0] = w0, [1] = w1}; multiplies sample_weight" },
  seed = { default = 0, type = "integer",
           doc = "unused: both solvers are deterministic (kept for the protocol)" },
})

local function check_solver(self, level, where)
  local p = self.params_
  if p.solver == "lbfgs" and p.penalty == "l1" then
    error(("LogisticRegression%s: solver 'lbfgs' supports penalty 'l2' or 'none' "
          .. "(use solver = 'owlqn' for 'l1')"):format(where), level)
  end
end

function LogisticRegression:init()
  check_solver(self, 4, "")
end

-- The fitted fields users read (sklearn's coef_, intercept_, n_iter_).
function LogisticRegression:restore()
  local st = self.state_
  self.coef_, self.intercept_, self.n_iter_ = st.coef, st.intercept, st.n_iter
end

local FIT_OPTS = { sample_weight = true }

-- Sample weights times class weights, (n) float64, or the sample weights
-- as given when there is no class_weight.
local function weights(self, y, sw)
  local cw = self.params_.class_weight
  if cw == nil or not is_tensor(y) or y:dtype() ~= "int64" or y:dim() ~= 1 then return sw end
  local n = y:numel()
  local n1 = y:eq(1):sum()
  local n0 = y:eq(0):sum()
  if n0 + n1 ~= n or n0 == 0 or n1 == 0 then return sw end -- the core names the fault
  local w0, w1
  if cw == "balanced" then
    w0, w1 = n / (2 * n0), n / (2 * n1)      -- sklearn compute_class_weight
  else
    w0, w1 = cw[0] or 1.0, cw[1] or 1.0
  end
  local cwv = y:double():mul(w1 - w0):add(w0)
  if sw == nil then return cwv end
  if is_tensor(sw) and sw:dim() == 1 and sw:numel() == n then return sw:double():mul(cwv) end
  return sw
end

-- How a failure to converge is written to stderr: "once" per process (the
-- first time, as Python's default warning filter shows sklearn's
-- ConvergenceWarning once per call site), "always", or "never".  The
-- report of :convergence() has the warning either way.
LogisticRegression.warn = "once"
LogisticRegression._warned = false   -- printed already (private; tests reset it)

function LogisticRegression:fit(X, y, opts)
  opts = A.options("fit", 3, opts, FIT_OPTS)
  check_solver(self, 3, ":fit")   -- set_params may have changed either
  local p = self.params_
  local sw = weights(self, y, opts and opts.sample_weight)
  self.state_ = nil
  local coef, b, rep = fit(X, y, sw, {
    penalty = p.penalty, solver = p.solver, C = p.C, fit_intercept = p.fit_intercept,
    max_iter = p.max_iter, tol = p.tol, ftol = p.ftol })
  if not rep.converged then
    rep.warning = ("LogisticRegression: %s failed to converge (stopped by %s after %d "
      .. "iterations, gradient max-norm %.3g > tol %.3g); increase max_iter or scale the data")
      :format(p.solver, rep.stop, rep.n_iter, rep.grad_norm, p.tol)
    local mode = LogisticRegression.warn
    if mode ~= "once" and mode ~= "always" and mode ~= "never" then
      error(("LogisticRegression.warn must be \"once\", \"always\" or \"never\" (got %s)")
        :format(tostring(mode)), 2)
    end
    if mode == "always" or (mode == "once" and not LogisticRegression._warned) then
      io.stderr:write("ConvergenceWarning: ", rep.warning, "\n")
      if mode == "once" then
        io.stderr:write("(further ConvergenceWarnings of LogisticRegression in this process are "
          .. "not printed: set credo.LogisticRegression.warn = \"always\" to see them; "
          .. "every model's :convergence() keeps its own)\n")
      end
      if mode == "once" then LogisticRegression._warned = true end
    end
  end
  self.state_ = { coef = coef, intercept = b, n_features = coef:numel(), n_iter = rep.n_iter,
                  report = rep }
  self:restore()
  return self
end

-- (n) float64: x . coef + intercept.
function LogisticRegression:decision_function(X)
  self:check_fitted("decision_function")
  return decision_function(X, self.state_.coef, self.state_.intercept, "decision")
end

-- (n, 2) float64: column 1 is P(class 0), column 2 P(class 1).
function LogisticRegression:predict_proba(X)
  self:check_fitted("predict_proba")
  return predict_proba(X, self.state_.coef, self.state_.intercept, "proba")
end

-- (n) int64: 1 where the decision function is > 0.
function LogisticRegression:predict(X)
  self:check_fitted("predict")
  return predict(X, self.state_.coef, self.state_.intercept, "label")
end

-- (d) float64 coefficients (shared, not copied), as coef_.
function LogisticRegression:coef()
  self:check_fitted("coef")
  return self.state_.coef
end

-- The solver's report: n_iter, n_fev, converged, stop ("gtol", "ftol",
-- "max_iter", "line_search"), loss (the final objective), grad_norm, and
-- warning when not converged.
function LogisticRegression:convergence()
  self:check_fitted("convergence")
  local out = {}
  for k, v in pairs(self.state_.report) do out[k] = v end
  return out
end

function LogisticRegression:n_features()
  self:check_fitted("n_features")
  return self.state_.n_features
end

M.LogisticRegression = LogisticRegression

-- ---- sparse designs ----

-- credo.linear.onehot(codes, sizes [, X]): codes (n, m) int64, column j in
-- 0..sizes[j] - 1, as m one-hot blocks of widths sizes (implicit ones),
-- after the dense block X when given.
function M.onehot(codes, sizes, X)
  return onehot(codes, sizes, X)
end

-- credo.linear.design { dense = X, indptr = , indices = , values = , ncols = }:
-- a dense block X (n, dd) followed by a CSR block of ncols columns (indptr
-- (n + 1) int64 0-based offsets, indices int64 1-based columns, values nil
-- for implicit ones).
function M.design(t)
  if type(t) ~= "table" then
    error(("bad argument #1 to 'design' (expected a table, got %s)"):format(type(t)), 2)
  end
  for k in pairs(t) do
    if k ~= "dense" and k ~= "indptr" and k ~= "indices" and k ~= "values" and k ~= "ncols" then
      error(("bad argument #1 to 'design' (unknown field '%s')"):format(tostring(k)), 2)
    end
  end
  return design(t.dense, t.indptr, t.indices, t.values, t.ncols or 0)
end

-- WideEncoder: categorical Frame columns as one-hot blocks (one column per
-- training level plus one for missing or unseen) and hashed crosses of
-- them (Wide & Deep's cross-product transformations), optionally after a
-- dense numeric block.  Levels are learnt by fit; transform maps a frame's
-- own level codes onto them, so test frames with other level sets work.
local WideEncoder = {}
WideEncoder.__index = WideEncoder
WideEncoder.__name = "credo.linear.WideEncoder"

-- opts: columns (list of categorical column names), crosses (list of
-- lists of those names), buckets (hash buckets per cross, default 1000),
-- dense (list of numeric column names, optional).
function M.WideEncoder(opts)
  if type(opts) ~= "table" or type(opts.columns) ~= "table" or #opts.columns == 0 then
    error("bad argument #1 to 'WideEncoder' (expected {columns = {names...}, crosses = ..., "
          .. "buckets = ..., dense = ...})", 2)
  end
  for k in pairs(opts) do
    if k ~= "columns" and k ~= "crosses" and k ~= "buckets" and k ~= "dense" then
      error(("bad argument #1 to 'WideEncoder' (unknown option '%s')"):format(tostring(k)), 2)
    end
  end
  local function names(v) -- a list of strings
    if type(v) ~= "table" then return false end
    for _, c in ipairs(v) do if type(c) ~= "string" then return false end end
    return true
  end
  if not names(opts.columns) then
    error("bad argument #1 to 'WideEncoder' (columns must be a list of column names)", 2)
  end
  if opts.dense ~= nil and not names(opts.dense) then
    error("bad argument #1 to 'WideEncoder' (dense must be a list of column names)", 2)
  end
  if opts.crosses ~= nil then
    local ok = type(opts.crosses) == "table"
    for _, cr in ipairs(ok and opts.crosses or {}) do ok = ok and names(cr) and #cr >= 2 end
    if not ok then
      error("bad argument #1 to 'WideEncoder' (crosses must be a list of lists of two or more column names)", 2)
    end
  end
  local self = setmetatable({ columns = opts.columns, crosses = opts.crosses or {},
                              buckets = opts.buckets or 1000, dense = opts.dense }, WideEncoder)
  if math.type(self.buckets) ~= "integer" or self.buckets < 1 then
    error("bad argument #1 to 'WideEncoder' (buckets must be an integer >= 1)", 2)
  end
  local known = {}
  for i, c in ipairs(self.columns) do known[c] = i end
  for k, cr in ipairs(self.crosses) do
    for _, c in ipairs(cr) do
      if not known[c] then
        error(("bad argument #1 to 'WideEncoder' (cross %d names '%s', not one of columns)")
          :format(k, tostring(c)), 2)
      end
    end
  end
  return self
end

function WideEncoder:fit(df)
  local mt = type(df) == "table" and getmetatable(df)
  if not (mt and mt.__name == "credo.Frame") then
    error(("bad argument #1 to 'fit' (expected a Frame, got %s)"):format(type(df)), 2)
  end
  self.levels = {}
  for j, name in ipairs(self.columns) do
    if not df:is_categorical(name) then
      error(("bad argument #1 to 'fit' (column '%s' is not categorical)"):format(name), 2)
    end
    local map = {}
    for code, lv in ipairs(df:level_names(name)) do map[lv] = code end
    self.levels[j] = map
  end
  return self
end

-- The codes of df's categorical column j in the training levels (0 for
-- missing or unseen), (n) int64.
local function train_codes(self, df, j)
  local name = self.columns[j]
  if not df:is_categorical(name) then
    error(("bad argument #1 to 'transform' (column '%s' is not categorical)"):format(name), 3)
  end
  local lv = df:level_names(name)
  local map = { 0 }
  for c, l in ipairs(lv) do map[c + 1] = self.levels[j][l] or 0 end
  local idx = df:col(name).codes:add(1)
  return core.tensor.tensor(map, "int64"):index_select(1, idx)
end

-- The Design of df: [dense block | one-hot blocks | hashed crosses].
function WideEncoder:transform(df)
  if not self.levels then error("WideEncoder:transform: call fit first", 2) end
  local cols, sizes = {}, {}
  for j in ipairs(self.columns) do
    cols[j] = train_codes(self, df, j)
    local k = 0
    for _ in pairs(self.levels[j]) do k = k + 1 end
    sizes[j] = k + 1
  end
  local base = core.tensor.stack(cols, 2)
  local index = {}
  for i, c in ipairs(self.columns) do index[c] = i end
  local all = {}
  for j = 1, #cols do all[j] = cols[j] end
  for k, cr in ipairs(self.crosses) do
    local ids = {}
    for i, c in ipairs(cr) do ids[i] = index[c] end
    all[#all + 1] = cross_hash(base, ids, k, self.buckets)
    sizes[#sizes + 1] = self.buckets
  end
  local X
  if self.dense then X = df:to_tensor(self.dense, "float64") end
  return onehot(core.tensor.stack(all, 2), sizes, X)
end

function WideEncoder:fit_transform(df)
  return self:fit(df):transform(df)
end

return M
