-- credo.nn losses: MSELoss, HuberLoss, BCELoss, BCEWithLogitsLoss,
-- CrossEntropyLoss, with torch.nn's formulas, options and reductions.
-- Five classes in one file because they share one shape (Loss below): no
-- parameters, forward(input, target [, weight]) returns the loss as a Lua
-- number ("mean" or "sum" reduction) or a per-element tensor ("none"), and
-- backward(input, target [, weight [, grad_output]]) returns dloss/dinput.
-- Kernels: natives/nn/loss.c.  A NaN or infinite loss is returned, never
-- raised: the training loop decides (it raises naming the epoch and batch).
-- Not here: NLLLoss, KL divergence, margin losses, label smoothing,
-- ignore_index.
local Module = require "credo.nn.module"
local C = require("credo.core").nn_core

local M = {}

local Loss = Module.class("Loss")
M.Loss = Loss

local reductions = { mean = true, sum = true, none = true }

-- The options every loss takes: {reduction = "mean" | "sum" | "none"}.
function Loss:init_reduction(opts)
  local r = opts.reduction or "mean"
  if not reductions[r] then
    error(("%s: bad argument #1 (reduction must be 'mean', 'sum' or 'none', got %s)"):format(
      self.__name, tostring(r)), 0)
  end
  self.reduction = r
end

function Loss:__init(opts)
  opts = Module.check_opts(self.__name, 1, opts, self.options)
  self:init_reduction(opts)
  self:init_options(opts)
end

Loss.options = { reduction = true }
function Loss:init_options() end
function Loss:describe_options() return {} end

function Loss:describe()
  local parts = self:describe_options()
  if self.reduction ~= "mean" then
    parts[#parts + 1] = ("reduction='%s'"):format(self.reduction)
  end
  return ("%s(%s)"):format(self.__name, table.concat(parts, ", "))
end

-- Shapes agree when equal after dropping trailing size-1 dims: an (N)
-- target fits an (N,1) input (torch would broadcast MSE to (N,N) there).
local function core_shape(t)
  local s = t:size()
  while #s > 1 and s[#s] == 1 do s[#s] = nil end
  return table.concat(s, ",")
end

function Loss:check_input(x)
  if not Module.is_tensor(x) then self:error("input must be a tensor (got %s)", type(x)) end
  local dt = x:dtype()
  if dt ~= "float32" and dt ~= "float64" then
    self:error("bad input dtype %s (expected float32 or float64)", dt)
  end
  return self:contiguous("x", x)
end

-- target (or a weight) as a contiguous tensor of x's dtype and shape.
function Loss:as_input_like(key, t, x, what)
  if not Module.is_tensor(t) then self:error("%s must be a tensor (got %s)", what, type(t)) end
  if core_shape(t) ~= core_shape(x) then
    self:error("%s shape %s does not match input shape %s", what,
      Module.shape_str(t), Module.shape_str(x))
  end
  if t:dtype() == x:dtype() and t:is_contiguous() then
    return t:dim() == x:dim() and t or t:view(x:size())
  end
  return self:workspace(key, x:dtype(), table.unpack(x:size())):copy(t:reshape(x:size()))
end

-- Per-call weights: one per element (input's shape) or one per sample (N).
function Loss:sample_weight(w, x)
  if w == nil then return nil end
  if not Module.is_tensor(w) then self:error("weight must be a tensor (got %s)", type(w)) end
  local n = x:dim() > 0 and x:size(1) or 1
  if w:numel() == n and w:dim() <= 1 then
    if w:dtype() == x:dtype() and w:is_contiguous() then return w end
    return self:workspace("w", x:dtype(), n):copy(w)
  end
  return self:as_input_like("w", w, x, "weight")
end

-- A tensor option (class weights, pos_weight) in dtype dt, converted once.
function Loss:option_tensor(name, dt)
  local t = self[name]
  if t == nil or t:dtype() == dt then return t end
  local cache = self.converted_ or {}
  self.converted_ = cache
  if cache[name] == nil or cache[name]:dtype() ~= dt then cache[name] = t:type(dt) end
  return cache[name]
end

-- forward: kernel_forward(out|nil, x, y, w) -> sum, count.
function Loss:forward(input, target, weight)
  local x = self:check_input(input)
  local y = self:target(target, x)
  local w = self:weights(weight, x)
  local out
  if self.reduction == "none" then
    out = self:workspace("loss", x:dtype(), table.unpack(self:loss_shape(x)))
  end
  local sum, count = self:kernel_forward(out, x, y, w)
  if self.reduction == "none" then return out end
  if self.reduction == "sum" then return sum end
  return sum / count
end

function Loss:backward(input, target, weight, grad_output)
  local x = self:check_input(input)
  local y = self:target(target, x)
  local w = self:weights(weight, x)
  local g, scale = nil, 1
  if self.reduction == "none" then
    if grad_output ~= nil then
      if not Module.is_tensor(grad_output) or grad_output:dtype() ~= x:dtype() then
        self:error("grad_output must be a %s tensor", x:dtype())
      end
      local shape = self:loss_shape(x)
      if grad_output:numel() ~= (self.loss_numel and self:loss_numel(x) or x:numel()) then
        self:error("bad grad_output shape %s (expected [%s])",
          Module.shape_str(grad_output), table.concat(shape, ","))
      end
      g = self:contiguous("dout", grad_output)
    end
  elseif self.reduction == "mean" then
    scale = 1 / self:mean_count(x, y, w)
  end
  local dx = self:workspace("dx", x:dtype(), table.unpack(x:size())):zero_()
  self:kernel_backward(dx, g, scale, x, y, w)
  return dx
end

function Loss:target(t, x) return self:as_input_like("y", t, x, "target") end
-- What a "mean" divides by: the number of elements (torch, weights or not).
function Loss:mean_count(x) return x:numel() end
function Loss:weights(w, x) return self:sample_weight(w, x) end
function Loss:loss_shape(x) return x:size() end

-- ---- MSELoss: (x - y)^2 ------------------------------------------------
local MSELoss = Module.class("MSELoss", Loss)
M.MSELoss = MSELoss

function MSELoss:weights(w)
  if w ~= nil then self:error("per-sample weights are not supported") end
end
function MSELoss:kernel_forward(out, x, y)
  return C.mse_forward(out, x, y), x:numel()
end
function MSELoss:kernel_backward(dx, g, scale, x, y)
  C.mse_backward(dx, g, scale, x, y)
end

-- ---- HuberLoss(delta = 1) (torch.nn.HuberLoss) -------------------------
local HuberLoss = Module.class("HuberLoss", Loss)
M.HuberLoss = HuberLoss
HuberLoss.options = { reduction = true, delta = true }

function HuberLoss:init_options(opts)
  self.delta = Module.check_number("HuberLoss", 1, "delta", opts.delta, 1.0)
  if self.delta <= 0 then
    error(("HuberLoss: bad argument #1 (delta must be positive, got %s)"):format(self.delta), 0)
  end
end
function HuberLoss:describe_options()
  return self.delta ~= 1 and { "delta=" .. self.delta } or {}
end
HuberLoss.weights = MSELoss.weights
function HuberLoss:kernel_forward(out, x, y)
  return C.huber_forward(out, x, y, self.delta), x:numel()
end
function HuberLoss:kernel_backward(dx, g, scale, x, y)
  C.huber_backward(dx, g, scale, x, y, self.delta)
end

-- ---- BCELoss: on probabilities, logs clamped at -100 (torch) -----------
local BCELoss = Module.class("BCELoss", Loss)
M.BCELoss = BCELoss

function BCELoss:check_input(x)
  local xc = Loss.check_input(self, x)
  if xc:numel() > 0 then
    local lo, hi = xc:min(), xc:max()
    if lo < 0 or hi > 1 then
      self:error("input must hold probabilities in [0, 1] (got values in [%s, %s]; "
        .. "for logits use BCEWithLogitsLoss)", lo, hi)
    end
  end
  return xc
end
function BCELoss:kernel_forward(out, x, y, w)
  return C.bce_forward(out, x, y, w), x:numel()
end
function BCELoss:kernel_backward(dx, g, scale, x, y, w)
  C.bce_backward(dx, g, scale, x, y, w)
end

-- ---- BCEWithLogitsLoss({pos_weight = p}) -------------------------------
local BCEWithLogitsLoss = Module.class("BCEWithLogitsLoss", Loss)
M.BCEWithLogitsLoss = BCEWithLogitsLoss
BCEWithLogitsLoss.options = { reduction = true, pos_weight = true }

-- pos_weight: a number, or a 1-d tensor with one value per column of the
-- input (multi-label), as torch's.
function BCEWithLogitsLoss:init_options(opts)
  local pw = opts.pos_weight
  if pw == nil then return end
  if type(pw) == "number" then
    Module.check_number("BCEWithLogitsLoss", 1, "pos_weight", pw, nil, 0)
    pw = require("credo").tensor({ pw }, "float64")
  elseif not Module.is_tensor(pw) or pw:dim() ~= 1 or pw:dtype() == "int64" then
    error("BCEWithLogitsLoss: bad argument #1 (pos_weight must be a number or a 1-d float tensor)", 0)
  end
  self.pos_weight = pw
end
function BCEWithLogitsLoss:describe_options()
  local pw = self.pos_weight
  if pw == nil then return {} end
  if pw:numel() == 1 then return { "pos_weight=" .. pw[1] } end
  return { ("pos_weight=[%d]"):format(pw:numel()) }
end
function BCEWithLogitsLoss:kernel_forward(out, x, y, w)
  local pw = self:option_tensor("pos_weight", x:dtype())
  if pw and pw:numel() ~= 1 and pw:numel() ~= (x:dim() > 0 and x:size(x:dim()) or 1) then
    self:error("pos_weight has %d values but the input has %d columns", pw:numel(),
      x:dim() > 0 and x:size(x:dim()) or 1)
  end
  return C.bce_logits_forward(out, x, y, w, pw), x:numel()
end
function BCEWithLogitsLoss:kernel_backward(dx, g, scale, x, y, w)
  C.bce_logits_backward(dx, g, scale, x, y, w, self:option_tensor("pos_weight", x:dtype()))
end

-- ---- CrossEntropyLoss({weight = class_weights}) ------------------------
-- Input: logits (N, C).  Target: int64 class labels 0..C-1 (N) - the
-- labels of the estimator protocol, as torch's are 0-based too.  With class
-- weights the mean divides by the sum of the targets' weights (torch).
local CrossEntropyLoss = Module.class("CrossEntropyLoss", Loss)
M.CrossEntropyLoss = CrossEntropyLoss
CrossEntropyLoss.options = { reduction = true, weight = true }

function CrossEntropyLoss:init_options(opts)
  local w = opts.weight
  if w ~= nil and (not Module.is_tensor(w) or w:dim() ~= 1 or w:dtype() == "int64") then
    error("CrossEntropyLoss: bad argument #1 (weight must be a 1-d float tensor of class weights)", 0)
  end
  self.weight = w
end
function CrossEntropyLoss:describe_options()
  return self.weight and { ("weight=[%d]"):format(self.weight:numel()) } or {}
end
function CrossEntropyLoss:check_input(x)
  local xc = Loss.check_input(self, x)
  if xc:dim() ~= 2 then
    self:error("bad input shape %s (expected [N,C] logits)", Module.shape_str(x))
  end
  local cw = self.weight
  if cw and cw:numel() ~= xc:size(2) then
    self:error("%d class weights for %d classes", cw:numel(), xc:size(2))
  end
  return xc
end
function CrossEntropyLoss:target(t, x)
  if not Module.is_tensor(t) then self:error("target must be a tensor (got %s)", type(t)) end
  if t:dtype() ~= "int64" then
    self:error("bad target dtype %s (expected int64 class labels 0..%d)", t:dtype(), x:size(2) - 1)
  end
  if t:numel() ~= x:size(1) or (t:dim() > 1 and core_shape(t) ~= tostring(x:size(1))) then
    self:error("target shape %s does not match input shape %s (expected [%d])",
      Module.shape_str(t), Module.shape_str(x), x:size(1))
  end
  local tc = self:contiguous("t", t)
  local pos, v = C.find_bad_label(tc, x:size(2))
  if pos then
    self:error("target %d at position %d out of range for %d classes (labels are 0..%d)",
      v, pos, x:size(2), x:size(2) - 1)
  end
  return tc
end
function CrossEntropyLoss:weights(w)
  if w ~= nil then self:error("per-sample weights are not supported (use class weights)") end
end
-- torch's weighted mean: the sum of the targets' class weights.
function CrossEntropyLoss:mean_count(x, t)
  if self.weight == nil then return x:size(1) end
  local _, wsum = self:kernel_forward(nil, x, t)
  return wsum
end
function CrossEntropyLoss:loss_shape(x) return { x:size(1) } end
function CrossEntropyLoss:loss_numel(x) return x:size(1) end
function CrossEntropyLoss:kernel_forward(out, x, t)
  return C.cross_entropy_forward(out, x, t, self:option_tensor("weight", x:dtype()))
end
function CrossEntropyLoss:kernel_backward(dx, g, scale, x, t)
  C.cross_entropy_backward(dx, g, scale, x, t, self:option_tensor("weight", x:dtype()))
end

return M
