-- credo.nn.Linear: the dense layer y = x W^T + b (torch.nn.Linear: weight
-- (out, in), bias (out)).  Input (N, in) or (N, ..., in); the kernels are
-- natives/nn/dense.c.  Not here: fused activations, sparse inputs.
local credo = require "credo"
local Module = require "credo.nn.module"
local init = require "credo.nn.initializers"
local C = require("credo.core").nn_core

local Linear = Module.class("Linear")

local check_count, check_opts = Module.check_count, Module.check_opts

-- Linear(in_features, out_features [, {bias = true, generator = g, dtype = "float32"}])
function Linear:__init(n_in, n_out, opts)
  self.in_features = check_count("Linear", 1, "in_features", n_in)
  self.out_features = check_count("Linear", 2, "out_features", n_out)
  opts = check_opts("Linear", 3, opts, { bias = true, generator = true, dtype = true })
  local dt = opts.dtype or "float32"
  self:register_parameter("weight", credo.zeros({ self.out_features, self.in_features }, dt))
  if opts.bias ~= false then
    self:register_parameter("bias", credo.zeros({ self.out_features }, dt))
  end
  self.init_generator_ = opts.generator
end

-- torch's default: weight kaiming_uniform(a = sqrt(5)), which is
-- U(-1/sqrt(in), 1/sqrt(in)); bias U(-1/sqrt(in), 1/sqrt(in)).
function Linear:reset(g)
  init.kaiming_uniform_(self.weight, { a = math.sqrt(5), generator = g })
  if self.bias then
    local b = 1 / math.sqrt(self.in_features)
    init.uniform_(self.bias, -b, b, { generator = g })
  end
  return self
end

function Linear:describe()
  return ("Linear(%d -> %d%s)"):format(self.in_features, self.out_features,
    self.bias and "" or ", bias=false")
end

-- x as a contiguous (rows, in) matrix
function Linear:matrix(key, x)
  local xc = self:contiguous(key, x)
  if xc:dim() == 2 then return xc end
  return xc:view(-1, self.in_features)
end

function Linear:forward(x)
  self:check_tensor(x)
  local nd = x:dim()
  if nd < 2 or x:size(nd) ~= self.in_features then
    self:error("bad input shape %s (expected %s)", Module.shape_str(x),
      nd <= 2 and ("[N,%d]"):format(self.in_features)
              or ("[N,...,%d]"):format(self.in_features))
  end
  local x2 = self:matrix("x", x)
  local out = self:workspace("out", x:dtype(), x2:size(1), self.out_features)
  C.linear_forward(out, x2, self.weight, self.bias)
  if nd > 2 then
    local shape = x:size()
    shape[nd] = self.out_features
    return out:view(shape)
  end
  return out
end

function Linear:backward(x, grad_output)
  self:check_tensor(grad_output, "grad_output")
  local x2 = self:matrix("x", x)
  local n = x2:size(1)
  if grad_output:numel() ~= n * self.out_features then
    self:error("bad grad_output shape %s (expected [%d,%d])",
      Module.shape_str(grad_output), n, self.out_features)
  end
  local g = self:contiguous("dout", grad_output)
  if g:dim() ~= 2 then g = g:view(n, self.out_features) end
  local dx = self:workspace("dx", x:dtype(), n, self.in_features):zero_()
  C.linear_backward(dx, self.grad_weight, self.grad_bias, g, x2, self.weight)
  if x:dim() > 2 then return dx:view(x:size()) end
  return dx
end

return Linear
