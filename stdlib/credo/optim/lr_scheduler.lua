-- credo.optim learning-rate schedules: StepLR, ExponentialLR,
-- CosineAnnealingLR, ReduceLROnPlateau, with torch.optim.lr_scheduler's
-- (1.13) formulas, including its recursive ("chainable") forms, so the lr
-- sequences agree with torch's to the last bit or so (docs/optim.md).
--
--   local sched = credo.optim.StepLR(opt, { step_size = 30, gamma = 0.1 })
--   for epoch = 1, 100 do train(); sched:step() end      -- once per epoch
--   local plateau = credo.optim.ReduceLROnPlateau(opt, { patience = 5 })
--   plateau:step(val_loss)
--
-- Each schedule writes group.lr of every parameter group of the optimiser.
-- Construction is torch's step 0: last_epoch becomes 0 and the lr is
-- unchanged.  Not here: MultiStepLR, OneCycleLR, CyclicLR, warm restarts,
-- chaining several schedules, the deprecated `epoch` argument of step().
local Optimizer = require "credo.optim.optimizer"

local M = {}

local function fail(cname, fmt, ...)
  error(cname .. ": " .. fmt:format(...), 0)
end

local function is_optimizer(v)
  local mt = type(v) == "table" and getmetatable(v)
  while mt do
    if mt == Optimizer then return true end
    local pmt = getmetatable(mt)
    mt = pmt and pmt.__index
    if type(mt) ~= "table" then return false end
  end
  return false
end
M.is_optimizer = is_optimizer

-- opts checked against spec = { name = {default, check} }; returns filled.
local function options(cname, opts, spec)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then fail(cname, "options must be a table (got %s)", type(opts)) end
  for k in pairs(opts) do
    if spec[k] == nil then fail(cname, "unknown option '%s'", tostring(k)) end
  end
  local out = {}
  for k, s in pairs(spec) do
    local v = opts[k]
    if v == nil then v = s.default end
    if v == nil and s.required then fail(cname, "option '%s' is required", k) end
    if v ~= nil then
      local ok, expected = s.check(v)
      if not ok then
        fail(cname, "bad option '%s' (expected %s, got %s)", k, expected, tostring(v))
      end
    end
    out[k] = v
  end
  return out
end

local function positive_integer(v)
  if math.type(v) == "integer" and v >= 1 then return true end
  if type(v) == "number" and v >= 1 and v == math.floor(v) and v < 2 ^ 53 then return true end
  return false, "a positive integer"
end

local function nonneg_integer(v)
  if type(v) == "number" and v >= 0 and v == math.floor(v) and v < 2 ^ 53 then return true end
  return false, "an integer >= 0"
end

local function one_of(...)
  local set, names = {}, { ... }
  for _, n in ipairs(names) do set[n] = true end
  return function(v)
    if set[v] then return true end
    return false, "one of '" .. table.concat(names, "', '") .. "'"
  end
end

local function class(name)
  local cls = { __name = name }
  cls.__index = cls
  cls.__tostring = function(self) return self:describe() end
  setmetatable(cls, { __call = function(c, ...) return c.new(...) end })
  M[name] = cls
  return cls
end

-- ---------------------------------------------------------------------
-- Epoch schedules (torch's _LRScheduler)
-- ---------------------------------------------------------------------

local function epoch_schedule(name, spec, order, get_lr)
  local cls = class(name)
  cls.spec_ = spec
  function cls.new(opt, opts)
    if not is_optimizer(opt) then
      fail(name, "bad argument #1 (expected an optimiser, got %s)", type(opt))
    end
    local self = setmetatable(options(name, opts, spec), cls)
    self.optimizer = opt
    self.base_lrs = {}
    for i, g in ipairs(opt.param_groups) do
      if g.initial_lr == nil then g.initial_lr = g.lr end
      self.base_lrs[i] = g.initial_lr
    end
    self.last_epoch = -1
    self.step_count = 0
    self:step()
    return self
  end
  -- One epoch: last_epoch += 1, then every group's lr from get_lr.
  function cls:step()
    self.step_count = self.step_count + 1
    self.last_epoch = self.last_epoch + 1
    local groups = self.optimizer.param_groups
    local new = {}
    for i, g in ipairs(groups) do new[i] = get_lr(self, g.lr, self.base_lrs[i]) end
    for i, g in ipairs(groups) do g.lr = new[i] end
    self.last_lr = new
    return self
  end
  cls.describe = function(self)
    local parts = {}
    for _, k in ipairs(order) do parts[#parts + 1] = k .. "=" .. tostring(self[k]) end
    return ("%s(%s; epoch %d)"):format(name, table.concat(parts, ", "), self.last_epoch)
  end
  cls.get_last_lr = function(self) return M.get_last_lr(self) end
  cls.get_state = function(self) return M.get_state(self) end
  cls.set_state = function(self, st) return M.set_state(self, st) end
  return cls
end

-- get_last_lr(): the lr of every group after the last step (a list).
function M.get_last_lr(self)
  return { table.unpack(self.last_lr) }
end

local STATE_KEYS = { "last_epoch", "step_count", "base_lrs", "last_lr" }

function M.get_state(self)
  local st = { class = self.__name }
  for _, k in ipairs(STATE_KEYS) do
    local v = self[k]
    st[k] = type(v) == "table" and { table.unpack(v) } or v
  end
  for k in pairs(self.spec_) do st[k] = self[k] end
  return st
end

function M.set_state(self, st)
  if type(st) ~= "table" or st.class ~= self.__name then
    fail(self.__name, "set_state: not the state of a %s", self.__name)
  end
  for _, k in ipairs(STATE_KEYS) do
    local v = st[k]
    self[k] = type(v) == "table" and { table.unpack(v) } or v
  end
  for k in pairs(self.spec_) do
    if st[k] ~= nil then self[k] = st[k] end
  end
  return self
end

-- StepLR: lr * gamma every step_size epochs (torch's chainable form:
-- unchanged unless last_epoch is a positive multiple of step_size).
local STEP_SPEC = {
  step_size = { required = true, check = positive_integer },
  gamma = { default = 0.1, check = Optimizer.nonneg },
}
epoch_schedule("StepLR", STEP_SPEC, { "step_size", "gamma" }, function(self, lr)
  if self.last_epoch == 0 or self.last_epoch % self.step_size ~= 0 then return lr end
  return lr * self.gamma
end)

-- ExponentialLR: lr * gamma every epoch.
local EXP_SPEC = {
  gamma = { required = true, check = Optimizer.nonneg },
}
epoch_schedule("ExponentialLR", EXP_SPEC, { "gamma" }, function(self, lr)
  if self.last_epoch == 0 then return lr end
  return lr * self.gamma
end)

-- CosineAnnealingLR (Loshchilov & Hutter, "SGDR: stochastic gradient
-- descent with warm restarts", ICLR 2017, without restarts): torch's
-- recursive form, which follows
--   eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2
-- and, past T_max, rises again (a cosine of period 2 T_max).
local COS_SPEC = {
  T_max = { required = true, check = positive_integer },
  eta_min = { default = 0, check = Optimizer.nonneg },
}
epoch_schedule("CosineAnnealingLR", COS_SPEC, { "T_max", "eta_min" }, function(self, lr, base_lr)
  local t, T, emin = self.last_epoch, self.T_max, self.eta_min
  if t == 0 then return lr end
  if (t - 1 - T) % (2 * T) == 0 then
    return lr + (base_lr - emin) * (1 - math.cos(math.pi / T)) / 2
  end
  return (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
    * (lr - emin) + emin
end)

-- ---------------------------------------------------------------------
-- ReduceLROnPlateau
-- ---------------------------------------------------------------------

-- ReduceLROnPlateau: multiply every group's lr by factor (not below
-- min_lr) after more than `patience` epochs without improvement of the
-- metric given to step(metric); then wait `cooldown` epochs.  Improvement
-- (torch's is_better): mode "min", threshold_mode "rel": a < best * (1 -
-- threshold); "abs": a < best - threshold; mode "max" mirrored.  A change
-- smaller than eps is skipped (torch).
local Plateau = class("ReduceLROnPlateau")
local PLATEAU_SPEC = {
  mode = { default = "min", check = one_of("min", "max") },
  factor = { default = 0.1, check = function(v)
    if type(v) == "number" and v >= 0 and v < 1 then return true end
    return false, "a number in [0, 1)"
  end },
  patience = { default = 10, check = nonneg_integer },
  threshold = { default = 1e-4, check = Optimizer.nonneg },
  threshold_mode = { default = "rel", check = one_of("rel", "abs") },
  cooldown = { default = 0, check = nonneg_integer },
  min_lr = { default = 0, check = function(v)
    if type(v) == "number" then return Optimizer.nonneg(v) end
    if type(v) == "table" then
      for _, x in ipairs(v) do
        if not Optimizer.nonneg(x) then return false, "a number >= 0 or a list of them" end
      end
      return true
    end
    return false, "a number >= 0 or a list of them"
  end },
  eps = { default = 1e-8, check = Optimizer.nonneg },
}
Plateau.spec_ = PLATEAU_SPEC

function Plateau.new(opt, opts)
  if not is_optimizer(opt) then
    fail("ReduceLROnPlateau", "bad argument #1 (expected an optimiser, got %s)", type(opt))
  end
  local self = setmetatable(options("ReduceLROnPlateau", opts, PLATEAU_SPEC), Plateau)
  self.optimizer = opt
  local n = #opt.param_groups
  if type(self.min_lr) == "table" then
    if #self.min_lr ~= n then
      fail("ReduceLROnPlateau", "expected %d min_lr values, got %d", n, #self.min_lr)
    end
    self.min_lrs = { table.unpack(self.min_lr) }
  else
    self.min_lrs = {}
    for i = 1, n do self.min_lrs[i] = self.min_lr end
  end
  self.best = self.mode == "min" and math.huge or -math.huge
  self.num_bad_epochs = 0
  self.cooldown_counter = 0
  self.last_epoch = 0
  self.last_lr = {}
  for i, g in ipairs(opt.param_groups) do self.last_lr[i] = g.lr end
  return self
end

function Plateau:is_better(a, best)
  if self.mode == "min" then
    if self.threshold_mode == "rel" then return a < best * (1 - self.threshold) end
    return a < best - self.threshold
  end
  if self.threshold_mode == "rel" then return a > best * (self.threshold + 1) end
  return a > best + self.threshold
end

-- step(metric): one epoch's value of the monitored quantity.  Returns
-- true when the lr was reduced at this step.
function Plateau:step(metric)
  if type(metric) ~= "number" then
    fail("ReduceLROnPlateau", "step: the metric must be a number (got %s)", type(metric))
  end
  self.last_epoch = self.last_epoch + 1
  if self:is_better(metric, self.best) then
    self.best = metric
    self.num_bad_epochs = 0
  else
    self.num_bad_epochs = self.num_bad_epochs + 1
  end
  if self.cooldown_counter > 0 then
    self.cooldown_counter = self.cooldown_counter - 1
    self.num_bad_epochs = 0
  end
  local reduced = false
  if self.num_bad_epochs > self.patience then
    for i, g in ipairs(self.optimizer.param_groups) do
      local old = g.lr
      local new = math.max(old * self.factor, self.min_lrs[i])
      if old - new > self.eps then
        g.lr = new
        reduced = true
      end
    end
    self.cooldown_counter = self.cooldown
    self.num_bad_epochs = 0
  end
  for i, g in ipairs(self.optimizer.param_groups) do self.last_lr[i] = g.lr end
  return reduced
end

Plateau.get_last_lr = M.get_last_lr

local PLATEAU_STATE = { "best", "num_bad_epochs", "cooldown_counter", "last_epoch",
                        "min_lrs", "last_lr" }

function Plateau:get_state()
  local st = { class = "ReduceLROnPlateau" }
  for _, k in ipairs(PLATEAU_STATE) do
    local v = self[k]
    st[k] = type(v) == "table" and { table.unpack(v) } or v
  end
  for k in pairs(PLATEAU_SPEC) do
    local v = self[k]
    st[k] = type(v) == "table" and { table.unpack(v) } or v
  end
  return st
end

function Plateau:set_state(st)
  if type(st) ~= "table" or st.class ~= "ReduceLROnPlateau" then
    fail("ReduceLROnPlateau", "set_state: not the state of a ReduceLROnPlateau")
  end
  for _, k in ipairs(PLATEAU_STATE) do
    local v = st[k]
    if v ~= nil then self[k] = type(v) == "table" and { table.unpack(v) } or v end
  end
  for k in pairs(PLATEAU_SPEC) do
    if st[k] ~= nil then self[k] = st[k] end
  end
  return self
end

function Plateau:describe()
  return ("ReduceLROnPlateau(mode=%s, factor=%s, patience=%d, threshold=%s, cooldown=%d, "
    .. "min_lr=%s; best %s, %d bad epochs)"):format(self.mode, self.factor, self.patience,
    self.threshold, self.cooldown, type(self.min_lr) == "table" and "{...}" or self.min_lr,
    self.best, self.num_bad_epochs)
end

return M
