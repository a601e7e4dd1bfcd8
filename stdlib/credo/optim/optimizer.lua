-- credo.optim.Optimizer: what every optimiser shares (torch.optim.Optimizer
-- in spirit): parameter groups, per-parameter state created on the first
-- step, step() looping over the groups and calling one C kernel per
-- parameter tensor (natives/nn/optim.c), zero_grad(), get_state() and
-- set_state(), hyperparameters checked at construction.
--
--   local opt = credo.optim.Adam(model, { lr = 1e-3 })           -- a module
--   local opt = credo.optim.Adam(params, grads, { lr = 1e-3 })   -- two lists
--   local opt = credo.optim.SGD({ { params = p1, grads = g1, lr = 0.1 },
--                                 { params = p2, grads = g2 } }, { lr = 0.01 })
--
-- What it is not: an autograd hook (gradients are the tensors backward
-- fills; the optimiser reads them), a closure-driven line search (LBFGS),
-- sparse updates.  The parameter and gradient tensors are held by
-- reference: build the optimiser after any model:type() conversion, which
-- replaces them.
local credo = require "credo"

local Optimizer = { __name = "Optimizer" }
Optimizer.__index = Optimizer

local function is_tensor(v) return credo.is_tensor(v) end

local function is_module(v)
  local mt = type(v) == "table" and getmetatable(v)
  return mt and rawget(mt, "__nn") == true or false
end

local function shape_str(t) return "[" .. table.concat(t:size(), ",") .. "]" end

-- Declare an optimiser class.  `spec` lists its hyperparameters:
--   { name = { default = v, check = function(v) -> ok, expected end }, ... }
-- and `order` their display order.  cls.init_state(self, p) returns the
-- state table of a new parameter; cls.update(self, group, p, g, st) runs
-- the kernel.
function Optimizer.class(name, spec, order)
  local cls = setmetatable({ __name = name, spec = spec, order = order }, { __index = Optimizer })
  cls.__index = cls
  cls.__tostring = Optimizer.__tostring
  setmetatable(cls, {
    __index = Optimizer,
    __call = function(c, ...) return c.new(...) end,
  })
  cls.new = function(...) return Optimizer.construct(cls, ...) end
  return cls
end

-- ---------------------------------------------------------------------
-- Checks
-- ---------------------------------------------------------------------

local function fail(cname, fmt, ...)
  error(cname .. ": " .. fmt:format(...), 0)
end

local function num_check(lo, lo_open, hi, hi_open)
  return function(v)
    if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
      return false, "a finite number"
    end
    if (lo and (lo_open and v <= lo or v < lo)) or (hi and (hi_open and v >= hi or v > hi)) then
      local parts = {}
      if lo then parts[#parts + 1] = (lo_open and "> " or ">= ") .. lo end
      if hi then parts[#parts + 1] = (hi_open and "< " or "<= ") .. hi end
      return false, "a number " .. table.concat(parts, " and ")
    end
    return true
  end
end
Optimizer.nonneg = num_check(0)
Optimizer.unit = num_check(0, false, 1, true)       -- [0, 1)
Optimizer.any_number = num_check()
function Optimizer.boolean(v)
  if type(v) ~= "boolean" then return false, "a boolean" end
  return true
end
function Optimizer.betas(v)
  if type(v) ~= "table" or #v ~= 2 then return false, "a list of two numbers in [0, 1)" end
  for i = 1, 2 do
    local ok = Optimizer.unit(v[i])
    if not ok then return false, "a list of two numbers in [0, 1)" end
  end
  return true
end

local function show(v)
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = tostring(x) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end

-- Fill and check one group's hyperparameters: the group's own values, then
-- the constructor's options, then the defaults.
local function fill_group(cls, group, defaults)
  for k, s in pairs(cls.spec) do
    local v = group[k]
    if v == nil then v = defaults[k] end
    if v == nil then v = s.default end
    local ok, expected = s.check(v)
    if not ok then
      fail(cls.__name, "bad option '%s' (expected %s, got %s)", k, expected, show(v))
    end
    if type(v) == "table" then v = { table.unpack(v) } end
    group[k] = v
  end
  if cls.check_group then cls.check_group(group) end
end

local function check_options(cls, opts, what, skip)
  if opts == nil then return {} end
  if type(opts) ~= "table" or is_module(opts) then
    fail(cls.__name, "%s must be a table (got %s)", what, type(opts))
  end
  for k in pairs(opts) do
    if not cls.spec[k] and not (skip and skip[k]) then
      fail(cls.__name, "unknown option '%s'", tostring(k))
    end
  end
  return opts
end

-- The tensors of a list, checked: float, contiguous.
local function tensor_list(cname, list, what)
  if type(list) ~= "table" or is_module(list) then
    fail(cname, "%s must be a list of tensors (got %s)", what, type(list))
  end
  local n = #list
  for i = 1, n do
    local t = list[i]
    if not is_tensor(t) then
      fail(cname, "%s[%d] is not a tensor (got %s)", what, i, type(t))
    end
    local dt = t:dtype()
    if dt ~= "float32" and dt ~= "float64" then
      fail(cname, "%s[%d] must be float32 or float64 (got %s)", what, i, dt)
    end
    if not t:is_contiguous() then
      fail(cname, "%s[%d] must be contiguous", what, i)
    end
  end
  for k in pairs(list) do
    if math.type(k) ~= "integer" or k < 1 or k > n then
      fail(cname, "%s must be a list (found key %s)", what, tostring(k))
    end
  end
  return list
end

-- ---------------------------------------------------------------------
-- Construction
-- ---------------------------------------------------------------------

local GROUP_KEYS = { params = true, grads = true }

-- new(module, opts) | new(params, grads, opts) | new({group, ...}, opts)
function Optimizer.construct(cls, a, b, c)
  local cname = cls.__name
  local groups, opts
  if is_module(a) then
    local p, g = a:parameters()
    groups, opts = { { params = p, grads = g } }, b
  elseif type(a) == "table" and type(a[1]) ~= "table" then
    groups, opts = { { params = a, grads = b } }, c
  elseif type(a) == "table" and not is_module(a[1]) then
    groups, opts = {}, b
    for i, gr in ipairs(a) do
      if type(gr) ~= "table" then fail(cname, "parameter group %d is not a table", i) end
      local copy = {}
      for k, v in pairs(gr) do
        if not GROUP_KEYS[k] and not cls.spec[k] then
          fail(cname, "unknown option '%s' in parameter group %d", tostring(k), i)
        end
        copy[k] = v
      end
      groups[i] = copy
    end
  else
    fail(cname, "expected a module, two lists (params, grads) or a list of parameter groups "
      .. "(got %s)", type(a))
  end
  opts = check_options(cls, opts, "options")
  local self = setmetatable({ param_groups = {}, state = {}, defaults = {} }, cls)
  for k, s in pairs(cls.spec) do
    local v = opts[k]
    if v == nil then v = s.default end
    self.defaults[k] = v
  end
  local seen, index = {}, 0
  for gi, gr in ipairs(groups) do
    local what = #groups > 1 and ("group %d params"):format(gi) or "params"
    local gwhat = #groups > 1 and ("group %d grads"):format(gi) or "grads"
    local ps = tensor_list(cname, gr.params, what)
    local gs = tensor_list(cname, gr.grads, gwhat)
    if #ps ~= #gs then
      fail(cname, "%d parameters but %d gradients", #ps, #gs)
    end
    for i = 1, #ps do
      if shape_str(ps[i]) ~= shape_str(gs[i]) or ps[i]:dtype() ~= gs[i]:dtype() then
        fail(cname, "gradient %d is %s %s but its parameter is %s %s", i, gs[i]:dtype(),
          shape_str(gs[i]), ps[i]:dtype(), shape_str(ps[i]))
      end
      if seen[ps[i]] then
        fail(cname, "a parameter appears twice (%s[%d])", what, i)
      end
      seen[ps[i]] = true
    end
    local group = {}
    for k, v in pairs(gr) do if not GROUP_KEYS[k] then group[k] = v end end
    fill_group(cls, group, self.defaults)
    group.params = { table.unpack(ps) }
    group.grads = { table.unpack(gs) }
    group.index = {}
    for i = 1, #ps do
      index = index + 1
      group.index[i] = index     -- position in the optimiser's state
    end
    self.param_groups[gi] = group
  end
  self.n_params = index
  if is_module(a) then self.module_ = a end
  return self
end

-- An optimiser made from a module holds the module's parameter tensors;
-- :type() / :double() replace them, after which step() would update
-- tensors the module no longer uses.  Say so instead.
local function check_module(self)
  local m = self.module_
  if not m then return end
  local p = m:parameters()
  local ps = self.param_groups[1].params
  local same = #p == #ps
  for i = 1, #p do if p[i] ~= ps[i] then same = false; break end end
  if not same then
    error(("%s: the module's parameters are not the tensors this optimiser was made with "
      .. "(was the module converted with :type(), :float() or :double() after?): make the "
      .. "optimiser after converting"):format(self.__name or "optimizer"), 3)
  end
end

-- ---------------------------------------------------------------------
-- The protocol
-- ---------------------------------------------------------------------

-- One update of every parameter from its current gradient.  With a
-- closure, calls it first (it recomputes the loss and the gradients) and
-- returns its value, as torch.
function Optimizer:step(closure)
  check_module(self)
  local loss
  if closure ~= nil then loss = closure() end
  local state, update = self.state, self.update
  for _, group in ipairs(self.param_groups) do
    local ps, gs, idx = group.params, group.grads, group.index
    for i = 1, #ps do
      local p = ps[i]
      local st = state[idx[i]]
      if st == nil then
        st = self:init_state(p, group)
        state[idx[i]] = st
      end
      update(self, group, p, gs[i], st)
    end
  end
  return loss
end

-- Zero every gradient (backward adds into them).
function Optimizer:zero_grad()
  for _, group in ipairs(self.param_groups) do
    for _, g in ipairs(group.grads) do g:zero_() end
  end
  return self
end

-- The gradients of every group, in order (for clip_grad_norm).
function Optimizer:gradients()
  local out = {}
  for _, group in ipairs(self.param_groups) do
    for _, g in ipairs(group.grads) do out[#out + 1] = g end
  end
  return out
end

-- Plain data (torch's state_dict): { class, param_groups = { {lr = ...,
-- ..., n = #params}, ... }, state = { [k] = { step = s, exp_avg = T, ... } } }
-- with copies of the state tensors.  k numbers the parameters across the
-- groups in order.
function Optimizer:get_state()
  local groups = {}
  for i, group in ipairs(self.param_groups) do
    local g = { n = #group.params }
    for k in pairs(self.spec) do
      local v = group[k]
      g[k] = type(v) == "table" and { table.unpack(v) } or v
    end
    if group.initial_lr then g.initial_lr = group.initial_lr end
    groups[i] = g
  end
  local state = {}
  for k, st in pairs(self.state) do
    local c = {}
    for name, v in pairs(st) do c[name] = is_tensor(v) and v:clone() or v end
    state[k] = c
  end
  return { class = self.__name, param_groups = groups, state = state }
end

-- Restore get_state()'s table into an optimiser over parameters of the
-- same shapes (its own tensors are kept; values are copied).  Returns self.
function Optimizer:set_state(st)
  local cname = self.__name
  if type(st) ~= "table" or st.class ~= cname then
    fail(cname, "set_state: not the state of a %s (class %s)", cname,
      tostring(type(st) == "table" and st.class or st))
  end
  if type(st.param_groups) ~= "table" or #st.param_groups ~= #self.param_groups then
    fail(cname, "set_state: %s parameter groups in the state, %d here",
      tostring(type(st.param_groups) == "table" and #st.param_groups or "no"), #self.param_groups)
  end
  local flat = {}
  for gi, group in ipairs(self.param_groups) do
    local sg = st.param_groups[gi]
    if sg.n ~= #group.params then
      fail(cname, "set_state: group %d has %s parameters in the state, %d here", gi,
        tostring(sg.n), #group.params)
    end
    for i, p in ipairs(group.params) do flat[group.index[i]] = p end
  end
  local new_state = {}
  for k, s in pairs(st.state or {}) do
    local p = flat[k]
    if p == nil then fail(cname, "set_state: state for parameter %s, which does not exist", tostring(k)) end
    local c, names = {}, {}
    for name in pairs(s) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      local v = s[name]
      if is_tensor(v) then
        if shape_str(v) ~= shape_str(p) then
          fail(cname, "set_state: '%s' of parameter %d has shape %s (expected %s)", name, k,
            shape_str(v), shape_str(p))
        end
        c[name] = credo.zeros(p:size(), p:dtype()):copy(v)
      else
        c[name] = v
      end
    end
    new_state[k] = c
  end
  for gi, group in ipairs(self.param_groups) do
    local sg = st.param_groups[gi]
    local vals = {}
    for k in pairs(self.spec) do vals[k] = sg[k] end
    fill_group(getmetatable(self), vals, {})
    for k, v in pairs(vals) do group[k] = v end
    group.initial_lr = sg.initial_lr
  end
  self.state = new_state
  return self
end

-- Adam(lr=0.001, betas={0.9, 0.999}, ...; 8 tensors, 2 groups)
function Optimizer:__tostring()
  local g = self.param_groups[1] or self.defaults
  local parts = {}
  for _, k in ipairs(self.order) do parts[#parts + 1] = k .. "=" .. show(g[k]) end
  local n = self.n_params
  local extra = ("; %d tensor%s"):format(n, n == 1 and "" or "s")
  if #self.param_groups > 1 then extra = extra .. (", %d groups"):format(#self.param_groups) end
  return ("%s(%s%s)"):format(self.__name, table.concat(parts, ", "), extra)
end

-- A zero tensor like p (state).
function Optimizer.zeros_like(p)
  return credo.zeros(p:size(), p:dtype())
end

return Optimizer
