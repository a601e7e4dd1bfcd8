-- credo.nn.Module: the layer protocol every layer, container and loss of
-- credo.nn follows (docs/nn.md, "The module protocol").  torch/nn's
-- Module.lua in spirit: forward caches what backward needs, backward
-- accumulates parameter gradients, parameters() returns params and grads.
--
--   local Linear = Module.class("Linear")
--   function Linear:__init(n_in, n_out, opts) ... register_parameter ... end
--   function Linear:reset(g) ... draw the initial weights from g ... end
--   function Linear:forward(x) ... return out end
--   function Linear:backward(x, grad_out) ... return grad_in end
--   function Linear:describe() return "Linear(30 -> 16)" end
--
-- What it is not: not an autograd engine (each module writes its own
-- backward), not a graph (containers call their children in order), and it
-- does not own any kernel (the layers call natives/nn through credo.core).
-- Module instances are not shared between two places of one network: a
-- module keeps one set of caches and workspaces.
local credo = require "credo"

local Module = { __name = "Module", __nn = true }
Module.__index = Module

-- Class name -> class, filled by Module.class.  from_state builds only
-- classes found here (credo.nn.classes maps a name to the file defining it).
local registry = {}
Module.registry = registry

-- > 0 while from_state builds modules: constructors then skip reset(), so
-- loading a network draws nothing from any generator.
local loading = 0

-- ---------------------------------------------------------------------
-- Classes
-- ---------------------------------------------------------------------

local function is_module(v)
  local mt = type(v) == "table" and getmetatable(v)
  return mt and rawget(mt, "__nn") == true or false
end
Module.is_module = is_module

local function is_tensor(v)
  return credo.is_tensor(v)
end
Module.is_tensor = is_tensor

local function is_generator(v)
  local mt = type(v) == "userdata" and getmetatable(v)
  return mt and mt.__name == "credo.Generator" or false
end
Module.is_generator = is_generator

-- Constructor arguments as data: tables are copied deeply, generators are
-- dropped (a generator only seeds the initial weights, which are saved
-- themselves), modules are dropped (containers save their children).
local function data_copy(v)
  if is_generator(v) or is_module(v) then return nil end
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = data_copy(x) end
  return t
end

-- Declare a class.  `parent` defaults to Module.  A class is callable:
-- Linear(30, 16) runs cls.new, which
--   1. makes the instance (training mode, no parameters, no workspaces),
--   2. records the constructor arguments as data (self.args_),
--   3. calls cls.__init(self, ...) (allocate parameters and buffers),
--   4. calls self:reset(g) when the class has one, unless loading, where g
--      is self.init_generator_ (set by __init from an option) or nil (the
--      reset method then uses the global generator).
-- Metamethods are copied down from the parent (Lua reads them raw from the
-- metatable); everything else is inherited through __index.
function Module.class(name, parent)
  parent = parent or Module
  assert(type(name) == "string", "class name must be a string")
  local cls = { __name = name, __nn = true, super = parent }
  cls.__index = cls
  cls.__tostring = parent.__tostring
  cls.__call = parent.__call
  setmetatable(cls, {
    __index = parent,
    __call = function(c, ...) return c.new(...) end,
    -- a class's forward / backward are wrapped so that an input living in
    -- one of the module's own workspaces (its last output fed back in,
    -- its grad_input passed to backward) is copied first: the kernel would
    -- otherwise overwrite what it reads
    __newindex = function(c, k, v)
      if (k == "forward" or k == "backward") and type(v) == "function" then
        local f = v
        v = function(self, a, b, ...)
          return f(self, self:unalias(a), self:unalias(b), ...)
        end
      end
      rawset(c, k, v)
    end,
  })
  cls.new = function(...)
    local self = setmetatable({
      training = true,
      param_names_ = {},
      buffer_names_ = {},
      ws_ = {},
    }, cls)
    self.args_ = data_copy(table.pack(...))
    cls.__init(self, ...)
    if loading == 0 and self.reset then self:reset(self.init_generator_) end
    self.init_generator_ = nil
    return self
  end
  registry[name] = cls
  return cls
end

function Module:__init() end

-- m(x) is m:forward(x).
function Module:__call(...) return self:forward(...) end

-- ---------------------------------------------------------------------
-- Parameters and buffers
-- ---------------------------------------------------------------------

-- A trainable tensor: self[name] is the parameter, self["grad_" .. name]
-- its gradient (same shape and dtype, zeroed).  Order of registration is
-- the order of parameters().
function Module:register_parameter(name, t)
  assert(is_tensor(t), "register_parameter: a tensor is required")
  if not self:has_parameter(name) then
    self.param_names_[#self.param_names_ + 1] = name
  end
  self[name] = t
  self["grad_" .. name] = credo.zeros(t:size(), t:dtype())
  return t
end

function Module:has_parameter(name)
  for _, n in ipairs(self.param_names_) do if n == name then return true end end
  return false
end

-- A state tensor that is saved and converted by type() but not trained
-- (BatchNorm's running statistics).
function Module:register_buffer(name, t)
  assert(is_tensor(t), "register_buffer: a tensor is required")
  local known = false
  for _, n in ipairs(self.buffer_names_) do if n == name then known = true end end
  if not known then self.buffer_names_[#self.buffer_names_ + 1] = name end
  self[name] = t
  return t
end

-- Children of a container, in order ({} for a leaf).
function Module:children()
  return self.modules or {}
end

local function collect(m, prefix, names, params, grads)
  for _, n in ipairs(m.param_names_) do
    names[#names + 1] = prefix .. n
    params[#params + 1] = m[n]
    grads[#grads + 1] = m["grad_" .. n]
  end
  for i, c in ipairs(m:children()) do
    collect(c, prefix .. i .. ".", names, params, grads)
  end
end

-- params, grads: two lists of tensors in the same, stable order (a
-- module's own parameters in registration order, then its children's, depth
-- first).  The tensors themselves, not copies: an optimiser updates params
-- in place and reads grads.
function Module:parameters()
  local names, params, grads = {}, {}, {}
  collect(self, "", names, params, grads)
  return params, grads
end

-- names, params, grads: names as torch's state_dict keys but with 1-based
-- child indices ("1.weight", "3.bias", "2.1.weight").
function Module:named_parameters()
  local names, params, grads = {}, {}, {}
  collect(self, "", names, params, grads)
  return names, params, grads
end

function Module:n_parameters()
  local n = 0
  for _, p in ipairs((self:parameters())) do n = n + p:numel() end
  return n
end

-- Zero every gradient (backward only adds to them).
function Module:zero_grad()
  local _, grads = self:parameters()
  for _, g in ipairs(grads) do g:zero_() end
  return self
end

-- ---------------------------------------------------------------------
-- Modes and dtypes
-- ---------------------------------------------------------------------

-- train() / train(true): training mode; train(false) = eval().  Containers
-- pass it to every child.  Returns self.
function Module:train(mode)
  self.training = mode ~= false
  for _, c in ipairs(self:children()) do c:train(self.training) end
  return self
end

function Module:eval() return self:train(false) end

-- The dtype of the parameters ("float32" / "float64"), or of the first
-- child that has some; nil for a module without parameters anywhere.
function Module:dtype()
  local n = self.param_names_[1] or self.buffer_names_[1]
  if n then return self[n]:dtype() end
  for _, c in ipairs(self:children()) do
    local d = c:dtype()
    if d then return d end
  end
  return nil
end

-- Convert parameters, gradients and buffers to dtype ("float32" or
-- "float64"); workspaces are dropped.  Recurses into children.  Returns self.
function Module:type(dtype)
  if dtype ~= "float32" and dtype ~= "float64" then
    error(("%s: type() expects 'float32' or 'float64' (got %s)"):format(
      self:describe(), tostring(dtype)), 2)
  end
  for _, n in ipairs(self.param_names_) do
    self[n] = self[n]:type(dtype)
    self["grad_" .. n] = self["grad_" .. n]:type(dtype)
  end
  for _, n in ipairs(self.buffer_names_) do
    if self[n]:dtype() ~= "int64" then self[n] = self[n]:type(dtype) end
  end
  self.ws_ = {}
  for _, c in ipairs(self:children()) do c:type(dtype) end
  return self
end

function Module:float() return self:type("float32") end
function Module:double() return self:type("float64") end

-- ---------------------------------------------------------------------
-- Workspaces (per module, never shared)
-- ---------------------------------------------------------------------

-- A tensor of dtype and sizes (varargs) owned by this module under `key`:
-- the same tensor as last time when dtype and sizes repeat (so a training
-- loop allocates nothing in steady state), else a new one.  Its contents
-- are whatever was left there (not zeroed).
function Module:workspace(key, dtype, ...)
  local ws = self.ws_[key]
  local n = select("#", ...)
  if ws and ws.dtype == dtype and ws.n == n then
    local same = true
    for i = 1, n do
      if ws[i] ~= (select(i, ...)) then same = false; break end
    end
    if same then return ws.t end
  end
  ws = { dtype = dtype, n = n, ... }
  ws.t = credo.empty({ ... }, dtype)
  self.ws_[key] = ws
  return ws.t
end

-- v itself, or a copy when v is a tensor sharing memory with one of this
-- module's workspaces (see Module.class).
function Module:unalias(v)
  if not is_tensor(v) then return v end
  for _, ws in pairs(self.ws_) do
    if v:shares_storage(ws.t) then return v:clone() end
  end
  return v
end

-- x itself when contiguous, else a contiguous copy in workspace `key`.
function Module:contiguous(key, x)
  if x:is_contiguous() then return x end
  return self:workspace(key, x:dtype(), table.unpack(x:size())):copy(x)
end

-- ---------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------

-- One line naming the module with its shapes: "Linear(30 -> 16)".  Classes
-- override it; the default is the class name.
function Module:describe()
  return getmetatable(self).__name
end

-- Raise "<describe()>: <message>" (no position prefix: containers add the
-- path of the failing layer in front).
function Module:error(fmt, ...)
  error(self:describe() .. ": " .. fmt:format(...), 0)
end

local function shape_str(t)
  return "[" .. table.concat(t:size(), ",") .. "]"
end
Module.shape_str = shape_str

-- Check that x is a tensor whose dtype fits the module: the parameters'
-- dtype when the module has parameters, else any float dtype.
-- `what` names the argument in the message ("input", "grad_output").
function Module:check_tensor(x, what)
  what = what or "input"
  if not is_tensor(x) then
    self:error("%s must be a tensor (got %s)", what, type(x))
  end
  local want = self:dtype()
  local dt = x:dtype()
  if want then
    if dt ~= want then
      self:error("bad %s dtype %s (expected %s: convert the input with :%s() "
        .. "or the module with :%s())", what, dt, want,
        want == "float64" and "double" or "float", dt == "float64" and "double" or "float")
    end
  elseif dt == "int64" then
    self:error("bad %s dtype int64 (expected float32 or float64)", what)
  end
  return x
end

-- The message a container raises when child i (called `child`) failed with
-- error value e; `where` is e.g. "Sequential layer 3".  Nested containers
-- chain their paths: "Sequential layer 2 > Parallel branch 1 (Linear(4 -> 2)): ...".
function Module.child_error(where, child, e)
  e = type(e) == "string" and e or tostring(e)
  local desc = child:describe()
  if child.modules and e:sub(1, #child.__name + 1) == child.__name .. " "
     and (e:find("^%S+ layer ") or e:find("^%S+ branch ")) then
    return where .. " > " .. e
  end
  if e:sub(1, #desc + 2) == desc .. ": " then
    return ("%s (%s): %s"):format(where, desc, e:sub(#desc + 3))
  end
  return ("%s (%s): %s"):format(where, desc, e)
end

-- Constructor argument checks, raising "<Class>: bad argument #i (...)".
-- A positive integer (a whole float is accepted and converted).
function Module.check_count(cname, i, what, v)
  if type(v) ~= "number" or v ~= math.floor(v) or v < 1 or v >= 2 ^ 53 then
    error(("%s: bad argument #%d (%s must be a positive integer, got %s)"):format(
      cname, i, what, tostring(v)), 0)
  end
  return math.tointeger(v)
end

-- A finite number in [lo, hi] (either bound may be nil), or def when nil.
function Module.check_number(cname, i, what, v, def, lo, hi)
  if v == nil then return def end
  if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge
     or (lo and v < lo) or (hi and v > hi) then
    local range = (lo and hi) and ("in [%s, %s]"):format(lo, hi)
      or lo and (">= %s"):format(lo) or hi and ("<= %s"):format(hi) or "finite"
    error(("%s: bad argument #%d (%s must be a number %s, got %s)"):format(
      cname, i, what, range, tostring(v)), 0)
  end
  return v
end

-- An options table (nil -> {}) whose keys are all in `allowed` (a set);
-- option `generator`, when allowed and given, must be a credo.Generator.
function Module.check_opts(cname, i, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" or is_module(opts) then
    error(("%s: bad argument #%d (expected a table of options, got %s)"):format(
      cname, i, is_module(opts) and "a module" or type(opts)), 0)
  end
  for k in pairs(opts) do
    if not allowed[k] then
      error(("%s: bad argument #%d (unknown option '%s')"):format(cname, i, tostring(k)), 0)
    end
  end
  if opts.generator ~= nil and not is_generator(opts.generator) then
    error(("%s: bad argument #%d (option 'generator' must be a credo.Generator)"):format(
      cname, i), 0)
  end
  if opts.dtype ~= nil and opts.dtype ~= "float32" and opts.dtype ~= "float64" then
    error(("%s: bad argument #%d (option 'dtype' must be 'float32' or 'float64', got %s)"):format(
      cname, i, tostring(opts.dtype)), 0)
  end
  return opts
end

-- ---------------------------------------------------------------------
-- The abstract protocol
-- ---------------------------------------------------------------------

function Module:forward()
  self:error("this module class defines no forward (a subclass must)")
end

function Module:backward()
  self:error("this module class defines no backward (a subclass must)")
end

-- ---------------------------------------------------------------------
-- Printing and summary
-- ---------------------------------------------------------------------

function Module:__tostring()
  local kids = self:children()
  if #kids == 0 then return self:describe() end
  local lines = { self:describe() .. "(" }
  for i, c in ipairs(kids) do
    local s = tostring(c):gsub("\n", "\n  ")
    lines[#lines + 1] = ("  (%d): %s"):format(i, s)
  end
  lines[#lines + 1] = ")"
  return table.concat(lines, "\n")
end

-- The dtype an input of this module has: int64 for an Embedding, else the
-- parameters' dtype (float32 for a module without parameters).  Containers
-- ask their first child; a Parallel returns a list (one per branch).
function Module:input_dtype()
  local kids = self:children()
  if #kids > 0 and self.modules then return kids[1]:input_dtype() end
  return self:dtype() or "float32"
end

local function own_params(m)
  local n = 0
  for _, name in ipairs(m.param_names_) do n = n + m[name]:numel() end
  return n
end

local function out_shape(y)
  if is_tensor(y) then return shape_str(y) end
  if type(y) == "table" then
    local parts = {}
    for i, t in ipairs(y) do parts[i] = out_shape(t) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return type(y)
end
Module.out_shape = out_shape

-- Default row maker: forward, one row.  Containers override it to recurse.
function Module:summary_rows(input, rows, depth, label)
  local y = self:forward(input)
  rows[#rows + 1] = { label = label, depth = depth, name = self:describe(),
                      shape = out_shape(y), params = own_params(self) }
  return y
end

-- A table of the layers, their output shapes and parameter counts, as a
-- string.  `input` is a tensor (or a list of tensors for a Parallel), or a
-- shape table including the batch size ({1, 30}; a list of shapes for a
-- Parallel), which is filled with ones of input_dtype().  The forward pass
-- runs in eval mode (so nothing is updated: no running statistics, no
-- dropout draws); the modes are restored afterwards.
function Module:summary(input)
  local function make(x, dt)
    if is_tensor(x) then return x end
    if type(x) == "table" and (type(x[1]) == "table" or is_tensor(x[1])) then
      local list = {}
      for i, s in ipairs(x) do
        list[i] = make(s, type(dt) == "table" and dt[i] or dt)
      end
      return list
    end
    if type(x) == "table" then
      return credo.ones(x, type(dt) == "table" and dt[1] or dt)
    end
    error("summary: expected a tensor, a shape table or a list of them", 3)
  end
  local x = make(input, self:input_dtype())
  local modes = {}
  local function save_modes(m)
    modes[m] = m.training
    for _, c in ipairs(m:children()) do save_modes(c) end
  end
  save_modes(self)
  self:eval()
  local rows = {}
  local ok, err = pcall(self.summary_rows, self, x, rows, 0, "")
  for m, t in pairs(modes) do m.training = t end
  if not ok then error(err, 0) end
  local w1, w2 = #"Layer", #"Output shape"
  local cells = {}
  for i, r in ipairs(rows) do
    local name = string.rep("  ", r.depth) .. (r.label ~= "" and r.label .. " " or "") .. r.name
    cells[i] = name
    w1 = math.max(w1, #name)
    w2 = math.max(w2, #r.shape)
  end
  local fmt = "%-" .. w1 .. "s  %-" .. w2 .. "s  %s"
  local out = { fmt:format("Layer", "Output shape", "Params") }
  out[2] = string.rep("-", #out[1] + 6)
  for i, r in ipairs(rows) do
    out[#out + 1] = fmt:format(cells[i], r.shape, r.params)
  end
  out[#out + 1] = string.rep("-", #out[1] + 6)
  out[#out + 1] = ("Total parameters: %d"):format(self:n_parameters())
  return table.concat(out, "\n")
end

-- ---------------------------------------------------------------------
-- State: save, load, clone
-- ---------------------------------------------------------------------

-- Plain data describing the module: its class and constructor arguments
-- (the architecture as data, never code), its parameters and buffers (the
-- tensors themselves, not copies), its mode, and its children's states.
-- credo.save(path, m) writes it; credo.load / credo.nn.from_state rebuild.
function Module:get_state()
  local st = {
    __class = "nn." .. getmetatable(self).__name,
    format = 1,
    args = self.args_,
    training = self.training,
    dtype = self:dtype(),
    params = {},
    buffers = {},
  }
  for _, n in ipairs(self.param_names_) do st.params[n] = self[n] end
  for _, n in ipairs(self.buffer_names_) do st.buffers[n] = self[n] end
  if self.extra_state then st.extra = self:extra_state() end
  local kids = self:children()
  if #kids > 0 then
    st.children = {}
    for i, c in ipairs(kids) do st.children[i] = c:get_state() end
  end
  return st
end

local function load_error(fmt, ...)
  error("load: " .. fmt:format(...), 0)
end

-- Rebuild a module from get_state()'s table (or what credo.load read).
-- Only classes in the registry (or named in credo.nn.classes, whose file
-- is then required) are built; nothing from the state is executed.
function Module.from_state(st)
  if type(st) ~= "table" or type(st.__class) ~= "string" then
    load_error("not a module state (no __class)")
  end
  local name = st.__class:match("^nn%.(.+)$")
  if not name then load_error("'%s' is not a credo.nn class", st.__class) end
  local cls = registry[name]
  if not cls then
    local path = require("credo.nn").classes[name]
    if path then require(path); cls = registry[name] end
  end
  if not cls then load_error("unknown module class '%s'", st.__class) end
  local args = st.args or { n = 0 }
  loading = loading + 1
  local ok, m = pcall(cls.new, table.unpack(args, 1, args.n or #args))
  loading = loading - 1
  if not ok then load_error("cannot build %s: %s", st.__class, tostring(m)) end
  if st.dtype and st.dtype ~= m:dtype() then m:type(st.dtype) end
  for _, kind in ipairs { "params", "buffers" } do
    local names = kind == "params" and m.param_names_ or m.buffer_names_
    local saved = st[kind] or {}
    for _, n in ipairs(names) do
      local t = saved[n]
      if not is_tensor(t) then
        load_error("%s: %s '%s' is missing", m:describe(), kind:sub(1, -2), n)
      end
      if shape_str(t) ~= shape_str(m[n]) then
        load_error("%s: %s '%s' has shape %s (expected %s)", m:describe(),
          kind:sub(1, -2), n, shape_str(t), shape_str(m[n]))
      end
      m[n]:copy(t)
    end
  end
  if st.extra and m.set_extra_state then m:set_extra_state(st.extra) end
  for _, cs in ipairs(st.children or {}) do m:add(Module.from_state(cs)) end
  m:train(st.training ~= false)
  return m
end

local function deep_clone(v)
  if is_tensor(v) then return v:clone() end
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deep_clone(x) end
  return t
end

-- An independent copy (same architecture, copied parameters and buffers,
-- zero gradients, no workspaces).
function Module:clone()
  return Module.from_state(deep_clone(self:get_state()))
end

return Module
