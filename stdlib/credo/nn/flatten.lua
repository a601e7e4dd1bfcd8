-- credo.nn.Flatten and credo.nn.Identity: the two shape-only modules (no
-- parameters, no kernel).  Flatten(start_dim = 2, end_dim = -1) merges
-- dims start..end (1-based: the default keeps the batch dim 1, torch's
-- nn.Flatten(start_dim=1) in 0-based terms); its output is a view of the
-- input when the strides allow, else a copy.  Identity returns its input
-- and passes the gradient through.  Not here: Unflatten, Reshape.
local Module = require "credo.nn.module"

local M = {}

local Flatten = Module.class("Flatten")
M.Flatten = Flatten

local function check_dim(i, what, v, def)
  if v == nil then return def end
  if math.type(v) ~= "integer" or v == 0 then
    error(("Flatten: bad argument #%d (%s must be a non-zero integer, got %s)"):format(
      i, what, tostring(v)), 0)
  end
  return v
end

-- Flatten([start_dim = 2 [, end_dim = -1]])
function Flatten:__init(start_dim, end_dim)
  self.start_dim = check_dim(1, "start_dim", start_dim, 2)
  self.end_dim = check_dim(2, "end_dim", end_dim, -1)
end

function Flatten:describe()
  return ("Flatten(%d, %d)"):format(self.start_dim, self.end_dim)
end

function Flatten:forward(x)
  self:check_tensor(x)
  local nd = x:dim()
  local s = self.start_dim < 0 and nd + 1 + self.start_dim or self.start_dim
  local e = self.end_dim < 0 and nd + 1 + self.end_dim or self.end_dim
  if s < 1 or s > nd or e < 1 or e > nd or e < s then
    self:error("dims %d..%d out of range for input shape %s", self.start_dim,
      self.end_dim, Module.shape_str(x))
  end
  return x:flatten(s, e)
end

function Flatten:backward(x, grad_output)
  if grad_output:numel() ~= x:numel() then
    self:error("bad grad_output shape %s (expected %d elements)",
      Module.shape_str(grad_output), x:numel())
  end
  return grad_output:reshape(x:size())
end

local Identity = Module.class("Identity")
M.Identity = Identity

-- Identity(...): arguments are ignored, as torch's.
function Identity:__init() self.args_ = { n = 0 } end
function Identity:forward(x) return x end
function Identity:backward(_, grad_output) return grad_output end

return M
