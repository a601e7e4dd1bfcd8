-- credo.nn.Conv1D: 1-d convolution over (N, C, L) inputs, torch.nn.Conv1d's
-- layout and arithmetic (a cross-correlation; weight (out_channels,
-- in_channels, kernel_size), bias (out_channels); output length
-- floor((L + 2 padding - kernel_size) / stride) + 1).  The kernels are
-- natives/nn/conv.c (im2col + one GEMM per batch); docs/nn-recurrent.md is
-- the reference.
--
--   local conv = nn.Conv1D(1, 32, 3, { stride = 1, padding = 0, generator = g })
--   local y = conv:forward(x)        -- x (N, 1, 16) -> y (N, 32, 14)
--
-- Channels first, as torch: a Keras-style channels-last batch (N, L, C) is
-- given as x:transpose(2, 3) (the layer copies a strided input into its
-- workspace).  Not here: dilation, groups, padding modes other than zeros,
-- "same" padding.
local credo = require "credo"
local Module = require "credo.nn.module"
local init = require "credo.nn.initializers"
local C = require("credo.core").nn_rnn

local Conv1D = Module.class("Conv1D")

local function check_int(i, what, v, def, lo)
  if v == nil then return def end
  if type(v) ~= "number" or v ~= math.floor(v) or v < lo or v >= 2 ^ 31 then
    error(("Conv1D: bad argument #%d (option '%s' must be an integer >= %d, got %s)"):format(
      i, what, lo, tostring(v)), 0)
  end
  return math.tointeger(v)
end

-- Conv1D(in_channels, out_channels, kernel_size [, {stride = 1, padding = 0,
--        bias = true, generator = g, dtype = "float32"}])
function Conv1D:__init(cin, cout, k, opts)
  self.in_channels = Module.check_count("Conv1D", 1, "in_channels", cin)
  self.out_channels = Module.check_count("Conv1D", 2, "out_channels", cout)
  self.kernel_size = Module.check_count("Conv1D", 3, "kernel_size", k)
  opts = Module.check_opts("Conv1D", 4, opts,
    { stride = true, padding = true, bias = true, generator = true, dtype = true })
  self.stride = check_int(4, "stride", opts.stride, 1, 1)
  self.padding = check_int(4, "padding", opts.padding, 0, 0)
  if opts.bias ~= nil and type(opts.bias) ~= "boolean" then
    error(("Conv1D: bad argument #4 (option 'bias' must be a boolean, got %s)"):format(
      tostring(opts.bias)), 0)
  end
  local dt = opts.dtype or "float32"
  self:register_parameter("weight",
    credo.zeros({ self.out_channels, self.in_channels, self.kernel_size }, dt))
  if opts.bias ~= false then
    self:register_parameter("bias", credo.zeros({ self.out_channels }, dt))
  end
  self.init_generator_ = opts.generator
end

-- torch's default: weight kaiming_uniform(a = sqrt(5)), which is
-- U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels *
-- kernel_size; bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
function Conv1D:reset(g)
  init.kaiming_uniform_(self.weight, { a = math.sqrt(5), generator = g })
  if self.bias then
    local b = 1 / math.sqrt(self.in_channels * self.kernel_size)
    init.uniform_(self.bias, -b, b, { generator = g })
  end
  return self
end

function Conv1D:describe()
  local s = ("Conv1D(%d -> %d, kernel_size=%d"):format(self.in_channels,
    self.out_channels, self.kernel_size)
  if self.stride ~= 1 then s = s .. ", stride=" .. self.stride end
  if self.padding ~= 0 then s = s .. ", padding=" .. self.padding end
  if not self.bias then s = s .. ", bias=false" end
  return s .. ")"
end

-- Output length for an input of length L (<= 0: the kernel does not fit).
function Conv1D:output_length(L)
  return (L + 2 * self.padding - self.kernel_size) // self.stride + 1
end

function Conv1D:forward(x)
  self:check_tensor(x)
  local Cin = self.in_channels
  if x:dim() ~= 3 or x:size(2) ~= Cin then
    self:error("bad input shape %s (expected [N,%d,L])", Module.shape_str(x), Cin)
  end
  local N, L = x:size(1), x:size(3)
  local Lout = self:output_length(L)
  if Lout < 1 then
    self:error("input length %d is shorter than the kernel (%d) with padding %d",
      L, self.kernel_size, self.padding)
  end
  local _, ncol, nscr = C.conv1d_numel(N, Cin, L, self.out_channels,
    self.kernel_size, self.stride, self.padding)
  local dt = x:dtype()
  local xc = self:contiguous("x", x)
  local out = self:workspace("out", dt, N, self.out_channels, Lout)
  local col = self:workspace("col", dt, ncol)
  local scr = self:workspace("scratch", dt, nscr)
  C.conv1d_forward(out, col, scr, xc, self.weight, self.bias, self.stride, self.padding)
  self.input_ = xc
  return out
end

function Conv1D:backward(x, grad_output)
  local xc = self.input_
  if not xc then self:error("backward called before forward") end
  self:check_tensor(grad_output, "grad_output")
  local N, L = xc:size(1), xc:size(3)
  local Lout = self:output_length(L)
  local go = grad_output
  if not (go:dim() == 3 and go:size(1) == N and go:size(2) == self.out_channels
          and go:size(3) == Lout) then
    self:error("bad grad_output shape %s (expected [%d,%d,%d])", Module.shape_str(go), N,
      self.out_channels, Lout)
  end
  local dt = xc:dtype()
  local g = self:contiguous("dout", grad_output)
  local dx = self:workspace("dx", dt, N, self.in_channels, L):zero_()
  C.conv1d_backward(dx, self.grad_weight, self.grad_bias, self.ws_.scratch.t, g, xc,
    self.ws_.col.t, self.weight, self.stride, self.padding)
  return dx
end

return Conv1D
