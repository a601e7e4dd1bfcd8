-- credo.nn.MaxPool1D: 1-d max pooling over the last dim of (N, C, L)
-- inputs, torch.nn.MaxPool1d's arithmetic in floor mode (output length
-- floor((L + 2 padding - kernel_size) / stride) + 1; the padding never
-- wins).  Backward routes each gradient to its window's maximum, the first
-- one on ties; a NaN in a window is its maximum, as in torch.  Kernels:
-- natives/nn/conv.c; docs/nn-recurrent.md is the reference.
--
--   local pool = nn.MaxPool1D(2)      -- stride 2
--   local y = pool:forward(x)         -- x (N, 32, 14) -> y (N, 32, 7)
--
-- Not here: ceil_mode, dilation, returning the indices (torch's
-- return_indices; they stay in a workspace for backward).
local Module = require "credo.nn.module"
local C = require("credo.core").nn_rnn

local MaxPool1D = Module.class("MaxPool1D")

local function check_int(i, what, v, def, lo)
  if v == nil then return def end
  if type(v) ~= "number" or v ~= math.floor(v) or v < lo or v >= 2 ^ 31 then
    error(("MaxPool1D: bad argument #%d (option '%s' must be an integer >= %d, got %s)"):format(
      i, what, lo, tostring(v)), 0)
  end
  return math.tointeger(v)
end

-- MaxPool1D(kernel_size [, {stride = kernel_size, padding = 0}])
function MaxPool1D:__init(k, opts)
  self.kernel_size = Module.check_count("MaxPool1D", 1, "kernel_size", k)
  opts = Module.check_opts("MaxPool1D", 2, opts, { stride = true, padding = true })
  self.stride = check_int(2, "stride", opts.stride, self.kernel_size, 1)
  self.padding = check_int(2, "padding", opts.padding, 0, 0)
  if 2 * self.padding > self.kernel_size then
    error(("MaxPool1D: bad argument #2 (padding must be at most kernel_size / 2, got %d for kernel_size %d)"):format(
      self.padding, self.kernel_size), 0)
  end
end

function MaxPool1D:describe()
  local s = ("MaxPool1D(kernel_size=%d"):format(self.kernel_size)
  if self.stride ~= self.kernel_size then s = s .. ", stride=" .. self.stride end
  if self.padding ~= 0 then s = s .. ", padding=" .. self.padding end
  return s .. ")"
end

function MaxPool1D:output_length(L)
  return (L + 2 * self.padding - self.kernel_size) // self.stride + 1
end

function MaxPool1D:forward(x)
  self:check_tensor(x)
  if x:dim() ~= 3 then
    self:error("bad input shape %s (expected [N,C,L])", Module.shape_str(x))
  end
  local N, Cn, L = x:size(1), x:size(2), x:size(3)
  local Lout = self:output_length(L)
  if Lout < 1 then
    self:error("input length %d is shorter than the kernel (%d) with padding %d",
      L, self.kernel_size, self.padding)
  end
  local xc = self:contiguous("x", x)
  local out = self:workspace("out", x:dtype(), N, Cn, Lout)
  local idx = self:workspace("idx", "int64", N, Cn, Lout)
  C.maxpool1d_forward(out, idx, xc, self.kernel_size, self.stride, self.padding)
  self.input_shape_ = { N, Cn, L }
  self.input_dtype_ = x:dtype()
  return out
end

function MaxPool1D:backward(x, grad_output)
  local shape = self.input_shape_
  if not shape then self:error("backward called before forward") end
  self:check_tensor(grad_output, "grad_output")
  if grad_output:dtype() ~= self.input_dtype_ then
    self:error("bad grad_output dtype %s (expected %s, the input's)",
      grad_output:dtype(), self.input_dtype_)
  end
  local N, Cn, L = shape[1], shape[2], shape[3]
  local Lout = self:output_length(L)
  local go = grad_output
  if not (go:dim() == 3 and go:size(1) == N and go:size(2) == Cn and go:size(3) == Lout) then
    self:error("bad grad_output shape %s (expected [%d,%d,%d])", Module.shape_str(go), N, Cn,
      Lout)
  end
  local g = self:contiguous("dout", grad_output)
  local dx = self:workspace("dx", grad_output:dtype(), N, Cn, L):zero_()
  C.maxpool1d_backward(dx, g, self.ws_.idx.t)
  return dx
end

return MaxPool1D
