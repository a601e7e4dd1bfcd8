-- credo.estimator: the one protocol every model follows (docs/design.md).
--
-- A model class is declared with its hyperparameters as data: name, default,
-- type and range.  Construction checks them (unknown names and bad values are
-- errors naming the parameter); params(), set_params(), clone() and the
-- save/load state come for free.  What this is not: a fitting framework; each
-- model writes its own fit/predict.
--
--   local GBDT = estimator.class("GBDT", {
--     n_estimators = { default = 100, type = "integer", min = 1 },
--     learning_rate = { default = 0.1, type = "number", gt = 0 },
--     policy = { default = "depthwise", enum = { "depthwise", "leafwise", "oblivious" } },
--     max_features = { default = "sqrt", type = { "number", "string" } },
--   })
--   function GBDT:fit(X, y, opts) ... self.fitted_ = {...}; return self end
--
-- Fitted state lives in plain data (tensors, numbers, strings, tables) under
-- self.state_; get_state() returns { __class = name, params = ..., state = ... }
-- which credo.save writes and credo.load turns back into a model through the
-- class registry (no code from the file is ever run).

local M = { registry = {} }

-- Model class name -> the stdlib module that defines it, so credo.load can
-- rebuild a model whose module is not loaded yet.  A fixed table: the class
-- name read from a file is only ever a key here, never a module path.
M.modules = {
  GBDT = "credo.gbdt",
  DecisionTree = "credo.forest",
  RandomForest = "credo.forest",
  SVC = "credo.svm", -- docs/svm.md
  ExtraTrees = "credo.forest",
  -- credo.prep (docs/prep.md)
  SimpleImputer = "credo.prep", LabelEncoder = "credo.prep",
  OneHotEncoder = "credo.prep", OrdinalEncoder = "credo.prep",
  TargetEncoder = "credo.prep", FeatureCross = "credo.prep",
  StandardScaler = "credo.prep", MinMaxScaler = "credo.prep",
  RobustScaler = "credo.prep", QuantileTransformer = "credo.prep",
  IQROutliers = "credo.prep", ZScoreOutliers = "credo.prep", BCPHI = "credo.prep",
  IsolationForest = "credo.prep", PCA = "credo.prep", RFE = "credo.prep",
  RFECV = "credo.prep",
  -- credo.sampling (docs/sampling.md)
  RandomUnderSampler = "credo.sampling", RandomOverSampler = "credo.sampling",
  SMOTE = "credo.sampling", GaussianNoiseAugmenter = "credo.sampling",
  LogisticRegression = "credo.linear",  -- docs/linear.md
  KNeighborsClassifier = "credo.neighbors", MLPClassifier = "credo.mlp",
  -- credo.ensemble (docs/ensemble.md)
  VotingClassifier = "credo.ensemble", StackingClassifier = "credo.ensemble",
  GreedyWeightedClassifier = "credo.ensemble", BlendNet = "credo.ensemble",
}

local function typename(v)
  local t = type(v)
  if t == "number" then return math.type(v) == "integer" and "integer" or "number" end
  if t == "userdata" then
    local mt = getmetatable(v)
    if mt and mt.__name == "credo.Tensor" then return "tensor" end
  end
  return t
end

local function type_ok(spec_type, v)
  local tn = typename(v)
  local function one(t)
    if t == nil or t == "any" then return true end
    if t == "number" then return tn == "number" or tn == "integer" end
    if t == "integer" then
      return tn == "integer" or (tn == "number" and v == math.floor(v) and v == v)
    end
    return tn == t
  end
  if type(spec_type) == "table" then
    for _, t in ipairs(spec_type) do if one(t) then return true end end
    return false
  end
  return one(spec_type)
end

local function describe_type(t)
  if type(t) == "table" then return table.concat(t, " or ") end
  return t
end

-- Check one value against its spec; returns the (normalised) value or raises.
local function check_param(cname, name, spec, v)
  if v == nil then
    if spec.required then error(("%s: parameter '%s' is required"):format(cname, name), 4) end
    return nil
  end
  if spec.type and not type_ok(spec.type, v) then
    error(("%s: parameter '%s' must be %s (got %s)"):format(
      cname, name, describe_type(spec.type), typename(v)), 4)
  end
  if spec.type == "integer" and math.type(v) == "float" then v = math.tointeger(v) end
  if type(v) == "number" then
    if v ~= v then error(("%s: parameter '%s' is NaN"):format(cname, name), 4) end
    if (v == math.huge or v == -math.huge) and not spec.inf then
      error(("%s: parameter '%s' must be finite (got %s)"):format(cname, name, v), 4)
    end
    local bad
    if spec.min and v < spec.min then bad = (">= %s"):format(spec.min) end
    if spec.max and v > spec.max then bad = ("<= %s"):format(spec.max) end
    if spec.gt and not (v > spec.gt) then bad = ("> %s"):format(spec.gt) end
    if spec.lt and not (v < spec.lt) then bad = ("< %s"):format(spec.lt) end
    if bad then
      error(("%s: parameter '%s' must be %s (got %s)"):format(cname, name, bad, v), 4)
    end
  end
  if spec.enum and type(v) == "string" then
    local found = false
    for _, e in ipairs(spec.enum) do if e == v then found = true end end
    if not found then
      error(("%s: parameter '%s' must be one of %s (got '%s')"):format(
        cname, name, table.concat(spec.enum, ", "), v), 4)
    end
  end
  if spec.check then
    local ok, msg = spec.check(v)
    if not ok then
      error(("%s: parameter '%s' %s"):format(cname, name, msg or "is invalid"), 4)
    end
  end
  return v
end

local function copy_value(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = copy_value(x) end
  return t
end

local Base = {}
Base.__index = Base

-- The effective hyperparameters, defaults filled, as a fresh plain table.
function Base:params()
  local out = {}
  for k, v in pairs(self.params_) do out[k] = copy_value(v) end
  return out
end

-- Change hyperparameters (checked); the model is no longer fitted.
function Base:set_params(t)
  local cls = getmetatable(self)
  if type(t) ~= "table" then
    error(("%s:set_params: expected a table of parameters (got %s)"):format(cls.__name, type(t)), 2)
  end
  for k, v in pairs(t) do
    local spec = cls.__params[k]
    if not spec then
      error(("%s: unknown parameter '%s'"):format(cls.__name, tostring(k)), 2)
    end
    self.params_[k] = check_param(cls.__name, k, spec, v)
  end
  self.state_ = nil
  return self
end

-- An unfitted model with the same hyperparameters.
function Base:clone()
  return getmetatable(self).new(self:params())
end

function Base:is_fitted()
  return self.state_ ~= nil
end

-- Raise unless fitted; `op` names the calling method.
function Base:check_fitted(op)
  if self.state_ == nil then
    error(("%s:%s: model is not fitted (call fit first)"):format(
      getmetatable(self).__name, op), 3)
  end
end

function Base:get_state()
  return { __class = getmetatable(self).__name, params = self:params(), state = self.state_ }
end

-- A parameter value as it reads in a constructor call (shallow for tables).
local function show(v)
  if type(v) == "string" then return "'" .. v .. "'" end
  if type(v) ~= "table" then return tostring(v) end
  local parts = {}
  for i = 1, #v do parts[i] = type(v[i]) == "table" and "{...}" or show(v[i]) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function Base:__tostring()
  local cls = getmetatable(self)
  local keys = {}
  for k in pairs(self.params_) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = k .. "=" .. show(self.params_[k])
  end
  return ("%s(%s)%s"):format(cls.__name, table.concat(parts, ", "),
                             self.state_ and "" or " [unfitted]")
end

-- Declare a model class.  `params` maps each hyperparameter name to
-- { default=, type=, min=, max=, gt=, lt=, enum=, check=, required=, doc= }.
function M.class(name, params, parent)
  local cls = {}
  for k, v in pairs(parent or Base) do cls[k] = v end
  cls.__name = name
  cls.__index = cls
  cls.__params = params
  cls.__tostring = Base.__tostring
  cls.new = function(t)
    t = t or {}
    if type(t) ~= "table" then
      error(("%s: expected a table of parameters (got %s)"):format(name, type(t)), 2)
    end
    local self = setmetatable({ params_ = {} }, cls)
    for k in pairs(t) do
      if not params[k] then
        error(("%s: unknown parameter '%s'"):format(name, tostring(k)), 2)
      end
    end
    for k, spec in pairs(params) do
      local v = t[k]
      if v == nil then v = copy_value(spec.default) end
      self.params_[k] = check_param(name, k, spec, v)
    end
    if cls.init then cls.init(self) end
    return self
  end
  setmetatable(cls, { __call = function(_, t) return cls.new(t) end })
  M.registry[name] = cls
  return cls
end

-- Rebuild a model from a state table (what credo.load found in a file).
-- Only registered classes are built; nothing from the file is executed.
function M.from_state(st)
  local cls = M.registry[st.__class]
  if not cls and M.modules[st.__class] then
    require(M.modules[st.__class])
    cls = M.registry[st.__class]
  end
  if not cls then
    error(("load: unknown model class '%s' (load its module first)"):format(
      tostring(st.__class)), 2)
  end
  local self = cls.new(st.params)
  self.state_ = st.state
  if cls.restore then cls.restore(self) end
  return self
end

function M.is_estimator(v)
  local mt = type(v) == "table" and getmetatable(v)
  return mt and mt.__params ~= nil and M.registry[mt.__name] == mt
end

M.Base = Base
return M
