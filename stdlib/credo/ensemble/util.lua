-- credo.ensemble.util: what the ensemble classes share (docs/ensemble.md):
-- argument checks for tensors and labels, prediction columns, out-of-fold
-- predictions, and estimator classes whose hyperparameters hold other
-- estimators (params, clone, get_state and loading then treat those as
-- estimators, not as plain tables).  Not a public API: credo.ensemble
-- re-exports what users call.
local core = require "credo.core"
local estimator = require "credo.estimator"

local U = {}
local A = require "credo.argcheck"
U.argerror = A.argerror
U.is_tensor = A.is_tensor
U.options = A.options
U.set = A.set

function U.shape(t)
  return "[" .. table.concat(t:size(), ",") .. "]"
end

-- A 2-d float tensor X (argument i): returns its row count.
function U.check_X(op, i, X)
  if not U.is_tensor(X) or X:dim() ~= 2 then
    U.argerror(op, i, ("expected a 2-d float tensor X, got %s"):format(
      U.is_tensor(X) and ("shape " .. U.shape(X)) or type(X)))
  end
  if X:dtype() == "int64" then U.argerror(op, i, "expected a float tensor X, got int64") end
  if X:size(1) < 1 then U.argerror(op, i, "X has no rows") end
  return X:size(1)
end

-- Class labels y (argument i): a 1-d int64 tensor of n labels >= 0.
-- Returns the number of classes (largest label + 1).
function U.check_labels(op, i, y, n)
  if not U.is_tensor(y) or y:dim() ~= 1 or y:dtype() ~= "int64" then
    U.argerror(op, i, ("expected a 1-d int64 tensor of class labels, got %s"):format(
      U.is_tensor(y) and (y:dtype() .. " " .. U.shape(y)) or type(y)))
  end
  if n and y:size(1) ~= n then
    U.argerror(op, i, ("y has %d labels but there are %d rows"):format(y:size(1), n))
  end
  if y:size(1) < 1 then U.argerror(op, i, "y is empty") end
  local lo = y:min()
  if lo < 0 then U.argerror(op, i, ("labels must be >= 0, found %d"):format(lo)) end
  return y:max() + 1
end

-- Binary labels y (argument i) as a float64 tensor of 0/1: int64 labels
-- 0/1, or a float tensor of exact 0s and 1s.
function U.binary_labels(op, i, y, n)
  if not U.is_tensor(y) or y:dim() ~= 1 then
    U.argerror(op, i, ("expected a 1-d tensor of 0/1 labels, got %s"):format(
      U.is_tensor(y) and ("shape " .. U.shape(y)) or type(y)))
  end
  if n and y:size(1) ~= n then
    U.argerror(op, i, ("y has %d labels but P has %d rows"):format(y:size(1), n))
  end
  local bad = y:ne(0):mul(y:ne(1))
  if bad:any() then
    local at = bad:argmax()
    U.argerror(op, i, ("labels must be 0 or 1, found %s at row %d"):format(
      tostring(y[at]), at))
  end
  return y:double()
end

-- Probabilities P (argument i) as an (n, K) float64 matrix: a 2-d float
-- tensor (column k = model k's P(y = 1)), or a Lua list of K tensors, each
-- (n) or (n, 2) (column 2 taken, as predict_proba gives).  Values must be
-- finite and in [0, 1].
function U.prob_matrix(op, i, P)
  local M
  if U.is_tensor(P) then
    if P:dim() ~= 2 then
      U.argerror(op, i, ("expected an (n, K) matrix of probabilities, got shape %s"):format(U.shape(P)))
    end
    if P:dtype() == "int64" then U.argerror(op, i, "expected float probabilities, got int64") end
    M = P:double()
  elseif type(P) == "table" then
    if #P == 0 then U.argerror(op, i, "no models: the list of prediction columns is empty") end
    local cols = {}
    for k, t in ipairs(P) do
      if not U.is_tensor(t) or t:dtype() == "int64" then
        U.argerror(op, i, ("element %d is %s, expected a float tensor"):format(
          k, U.is_tensor(t) and "an int64 tensor" or type(t)))
      end
      if t:dim() == 2 and t:size(2) == 2 then t = t:select(2, 2)
      elseif t:dim() ~= 1 then
        U.argerror(op, i, ("element %d has shape %s, expected (n) or (n, 2)"):format(k, U.shape(t)))
      end
      if k > 1 and t:size(1) ~= cols[1]:size(1) then
        U.argerror(op, i, ("element %d has %d rows but element 1 has %d"):format(
          k, t:size(1), cols[1]:size(1)))
      end
      cols[k] = t:double()
    end
    M = core.tensor.stack(cols, 2)
  else
    U.argerror(op, i, "expected an (n, K) tensor or a list of tensors, got " .. type(P))
  end
  if M:size(2) < 1 then U.argerror(op, i, "no models: P has no columns") end
  if M:size(1) < 1 then U.argerror(op, i, "P has no rows") end
  if not M:isfinite():all() then U.argerror(op, i, "probabilities must be finite (found NaN or inf)") end
  if M:lt(0):any() or M:gt(1):any() then
    U.argerror(op, i, "probabilities must be in [0, 1]")
  end
  return M:contiguous()
end

-- ---- estimators inside hyperparameters ----

local function is_state(v)
  return type(v) == "table" and getmetatable(v) == nil and type(v.__class) == "string"
end

-- A params check: a non-empty list of estimators (or their state tables,
-- as a saved model holds them).
function U.check_estimator_list(v)
  if type(v) ~= "table" or #v == 0 then
    return false, "must be a non-empty list of estimators (no models given)"
  end
  for k, e in pairs(v) do
    if math.type(k) ~= "integer" or k < 1 or k > #v then
      return false, "must be a list (found key " .. tostring(k) .. ")"
    end
    if not (estimator.is_estimator(e) or is_state(e)) then
      return false, ("entry %d is not an estimator (got %s)"):format(k, type(e))
    end
  end
  return true
end

function U.check_estimator(v)
  if not (estimator.is_estimator(v) or is_state(v)) then
    return false, "must be an estimator (got " .. type(v) .. ")"
  end
  return true
end

local function as_estimator(e)
  if is_state(e) then return estimator.from_state(e) end
  return e
end

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deep_copy(x) end
  return t
end

-- Declare an estimator class whose parameters named in `kinds` hold
-- estimators: kinds[name] = "list" (a list of estimators) or "one".
-- params() returns unfitted clones of them (so clone() gives unfitted
-- copies, as sklearn's clone), except with params_.prefit true, where
-- the fitted estimators themselves are returned; get_state() stores their
-- state tables, from which construction rebuilds them.
function U.class(name, params, kinds)
  local cls = estimator.class(name, params)
  local init = nil
  cls.init = function(self)
    for key, kind in pairs(kinds) do
      local v = self.params_[key]
      if v ~= nil then
        if kind == "list" then
          local list = {}
          for k, e in ipairs(v) do list[k] = as_estimator(e) end
          self.params_[key] = list
        else
          self.params_[key] = as_estimator(v)
        end
      end
    end
    if init then init(self) end
  end
  cls.set_init = function(f) init = f end
  function cls:set_params(t)
    estimator.Base.set_params(self, t)
    cls.init(self)
    return self
  end
  function cls:params()
    local out = {}
    local share = self.params_.prefit == true
    for k, v in pairs(self.params_) do
      local kind = kinds[k]
      if kind == "list" then
        local list = {}
        for i, e in ipairs(v) do list[i] = share and e or e:clone() end
        out[k] = list
      elseif kind == "one" then
        out[k] = share and v or v:clone()
      else
        out[k] = deep_copy(v)
      end
    end
    return out
  end
  function cls:get_state()
    local p = {}
    for k, v in pairs(self.params_) do
      local kind = kinds[k]
      if kind == "list" then
        local list = {}
        for i, e in ipairs(v) do list[i] = e:get_state() end
        p[k] = list
      elseif kind == "one" then
        p[k] = v:get_state()
      else
        p[k] = deep_copy(v)
      end
    end
    return { __class = name, params = p, state = self.state_ }
  end
  function cls:__tostring()
    local keys = {}
    for k in pairs(self.params_) do keys[#keys + 1] = k end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do
      local v, s = self.params_[k], nil
      if kinds[k] == "list" then
        local names = {}
        for i, e in ipairs(v) do names[i] = getmetatable(e).__name end
        s = "{" .. table.concat(names, ", ") .. "}"
      elseif kinds[k] == "one" then
        s = getmetatable(v).__name
      elseif type(v) == "string" then
        s = "'" .. v .. "'"
      elseif type(v) == "table" then
        local items = {}
        for i = 1, #v do items[i] = tostring(v[i]) end
        s = "{" .. table.concat(items, ", ") .. "}"
      else
        s = tostring(v)
      end
      parts[#parts + 1] = k .. "=" .. s
    end
    return ("%s(%s)%s"):format(name, table.concat(parts, ", "),
                               self.state_ and "" or " [unfitted]")
  end
  return cls
end

-- Rebuild live models from a list of state tables.
function U.restore_models(states)
  local out = {}
  for i, st in ipairs(states) do out[i] = estimator.from_state(st) end
  return out
end

function U.states_of(models)
  local out = {}
  for i, m in ipairs(models) do out[i] = m:get_state() end
  return out
end

-- The prediction columns of one fitted model on X: predict_proba with the
-- first column dropped for two classes (sklearn's StackingClassifier), or
-- the predicted labels as one float column (method "predict").
function U.model_columns(who, m, X, n_classes, method)
  if method == "predict" then
    return m:predict(X):double():view(-1, 1)
  end
  local p = m:predict_proba(X)
  if p:dim() ~= 2 or p:size(2) ~= n_classes then
    error(("%s: %s:predict_proba returned shape %s, expected (n, %d)"):format(
      who, getmetatable(m).__name, U.shape(p), n_classes), 0)
  end
  p = p:double()
  if n_classes == 2 then return p:narrow(2, 2, 1) end
  return p
end

-- Fit unfitted clones of `ests` on (X, y) (opts: sample_weight).
function U.fit_all(ests, X, y, w)
  local out = {}
  for i, e in ipairs(ests) do
    out[i] = e:clone():fit(X, y, w and { sample_weight = w } or nil)
  end
  return out
end

-- Out-of-fold prediction columns: stratified K-fold over (X, y) with
-- credo.split.stratified_kfold(y, cv, {shuffle, seed}); for each fold,
-- clones of the estimators fitted on the other folds predict the fold's
-- rows.  Returns the (n, K * cols) float64 matrix and the folds.
function U.oof_columns(who, ests, X, y, n_classes, o)
  local split = require "credo.split"
  local n = X:size(1)
  local counts = y:bincount()
  for c = 1, counts:size(1) do
    local m = counts[c]
    if m > 0 and m < o.cv then
      error(("%s:fit: cv = %d folds but class %d has only %d row%s (stratified K-fold needs "
        .. "at least cv rows of each class)"):format(who, o.cv, c - 1, m, m == 1 and "" or "s"), 0)
    end
  end
  local folds = split.stratified_kfold(y, o.cv, o.shuffle and { shuffle = true, seed = o.seed } or nil)
  local per = 1
  if o.method ~= "predict" and n_classes ~= 2 then per = n_classes end
  local out = core.tensor.zeros({ n, #ests * per }, "float64")
  for _, f in ipairs(folds) do
    local Xtr, ytr = X:index_select(1, f.train), y:index_select(1, f.train)
    local Xte = X:index_select(1, f.test)
    local wtr = o.sample_weight and o.sample_weight:index_select(1, f.train) or nil
    for k, e in ipairs(ests) do
      local m = e:clone():fit(Xtr, ytr, wtr and { sample_weight = wtr } or nil)
      local cols = U.model_columns(who, m, Xte, n_classes, o.method)
      out:narrow(2, (k - 1) * per + 1, per):index_copy_(1, f.test, cols)
    end
  end
  return out, folds
end

-- A float tensor of n sample weights >= 0 (argument i of op), or nil.
function U.check_weights(op, i, w, n)
  if w == nil then return nil end
  if not U.is_tensor(w) or w:dim() ~= 1 or w:dtype() == "int64" or w:size(1) ~= n then
    U.argerror(op, i, ("sample_weight must be a 1-d float tensor of %d weights"):format(n))
  end
  if not w:isfinite():all() or w:lt(0):any() then
    U.argerror(op, i, "sample_weight must be finite and >= 0")
  end
  return w
end

return U
