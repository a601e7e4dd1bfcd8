-- credo.nn activations: ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax
-- (torch.nn's names and formulas).  Six small classes in one file because
-- they share one shape: no parameters, output = f(input) of the same shape,
-- kernels in natives/nn/act.c.  Any float dtype, any shape, any strides.
-- Not here: in-place variants (torch's inplace=True), GELU, SiLU, ELU.
local Module = require "credo.nn.module"
local C = require("credo.core").nn_core

local M = {}

-- The shared forward/backward of an elementwise activation whose backward
-- needs the input ("input") or the output ("output").
local function elementwise(name, fwd, bwd, needs)
  local cls = Module.class(name)
  function cls:forward(x)
    self:check_tensor(x)
    local xc = self:contiguous("x", x)
    local out = self:workspace("out", x:dtype(), table.unpack(x:size()))
    fwd(self, out, xc)
    self.out_ = out
    return out
  end
  function cls:backward(x, grad_output)
    self:check_tensor(grad_output, "grad_output")
    if grad_output:numel() ~= x:numel() then
      self:error("bad grad_output shape %s (expected %s)",
        Module.shape_str(grad_output), Module.shape_str(x))
    end
    local g = self:contiguous("dout", grad_output)
    local t = needs == "input" and self:contiguous("x", x) or self.out_
    if t == nil then self:error("backward called before forward") end
    local dx = self:workspace("dx", x:dtype(), table.unpack(x:size())):zero_()
    bwd(self, dx, g, t)
    return dx
  end
  M[name] = cls
  return cls
end

-- ReLU: max(x, 0); gradient 0 at x = 0 (torch's choice).
elementwise("ReLU",
  function(_, out, x) C.relu_forward(out, x) end,
  function(_, dx, g, x) C.relu_backward(dx, g, x) end, "input")

-- LeakyReLU(negative_slope = 0.01): x > 0 ? x : slope * x.
local LeakyReLU = elementwise("LeakyReLU",
  function(self, out, x) C.leaky_relu_forward(out, x, self.negative_slope) end,
  function(self, dx, g, x) C.leaky_relu_backward(dx, g, x, self.negative_slope) end,
  "input")
function LeakyReLU:__init(slope)
  self.negative_slope = Module.check_number("LeakyReLU", 1, "negative_slope", slope, 0.01)
end
function LeakyReLU:describe()
  return ("LeakyReLU(%s)"):format(self.negative_slope)
end

-- Sigmoid: 1 / (1 + e^-x), computed without overflow; backward y (1 - y).
elementwise("Sigmoid",
  function(_, out, x) C.sigmoid_forward(out, x) end,
  function(_, dx, g, y) C.sigmoid_backward(dx, g, y) end, "output")

-- Tanh; backward 1 - y^2.
elementwise("Tanh",
  function(_, out, x) C.tanh_forward(out, x) end,
  function(_, dx, g, y) C.tanh_backward(dx, g, y) end, "output")

-- Softmax(dim = -1) and LogSoftmax(dim = -1) along one dim (1-based,
-- negative from the end).  torch's nn.Softmax() without a dim guesses one
-- (with a warning); credo takes the last dim unless told.
local function softmax_class(name, kernel)
  local cls = elementwise(name,
    function(self, out, x)
      local d = self:check_dim(x)
      C[kernel .. "_forward"](out, x, d)
    end,
    function(self, dx, g, y) C[kernel .. "_backward"](dx, g, y, self:check_dim(y)) end,
    "output")
  function cls:__init(dim)
    if dim ~= nil and math.type(dim) ~= "integer" then
      error(("%s: bad argument #1 (dim must be an integer, got %s)"):format(
        name, tostring(dim)), 0)
    end
    if dim == 0 then
      error(("%s: bad argument #1 (dim must be 1-based or negative, got 0)"):format(name), 0)
    end
    self.dim = dim or -1
  end
  function cls:describe()
    return ("%s(dim=%d)"):format(name, self.dim)
  end
  function cls:check_dim(x)
    local nd = x:dim()
    local d = self.dim
    if nd == 0 or (d > 0 and d > nd) or (d < 0 and -d > nd) then
      self:error("dim %d out of range for input shape %s", d, Module.shape_str(x))
    end
    return d
  end
  return cls
end

softmax_class("Softmax", "softmax")
softmax_class("LogSoftmax", "log_softmax")

return M
