-- credo.nn.Transpose and credo.nn.Narrow: two shape-only modules (no
-- parameters, no kernel) for moving data between layers inside a network.
--
--   Transpose(d1, d2): swaps dims d1 and d2, torch's x.transpose(d1, d2)
--     with 1-based dims (negative from the end); the batch dim 1 is never
--     swapped.  Conv1D's (N, C, L) output -> (N, L, C) for an LSTM:
--     nn.Transpose(2, 3).  backward swaps the gradient back.
--   Narrow(dim, start, length): the slice x:narrow(dim, start, length),
--     1-based start (negative from the end, as t:narrow), torch7's
--     nn.Narrow; dim 1 (the batch) is never narrowed.  Columns 1..10 of an
--     (N, F) design matrix: nn.Narrow(2, 1, 10).  backward writes the
--     gradient into zeros of the input's shape.
--
-- Both return a contiguous copy in their own workspace (not a view of the
-- input), so the next layer never copies again and the output survives
-- changes to the input; grad_input likewise.  Float32 and float64 inputs.
-- Not here: Permute of more than two dims, Reshape/Unflatten, Select (a
-- narrow that drops the dim), int64 inputs (index columns for an
-- Embedding).
local Module = require "credo.nn.module"

local M = {}

local shape_str = Module.shape_str

-- A non-zero integer constructor argument (dims, starts).
local function check_nonzero(cname, i, what, v)
  if math.type(v) ~= "integer" or v == 0 then
    error(("%s: bad argument #%d (%s must be a non-zero integer, got %s)"):format(
      cname, i, what, tostring(v)), 0)
  end
  return v
end

-- A dim argument: non-zero, and not the batch dim 1.
local function check_dim(cname, i, what, v, verb)
  check_nonzero(cname, i, what, v)
  if v == 1 then
    error(("%s: bad argument #%d (%s is the batch dim 1, which cannot be %s)"):format(
      cname, i, what, verb), 0)
  end
  return v
end

-- Dim d (1-based, negative from the end) of x as a positive dim, or an
-- error naming the module and the input shape.
local function resolve(self, x, d, verb)
  local nd = x:dim()
  local r = d < 0 and nd + 1 + d or d
  if r < 1 or r > nd then
    self:error("dim %d out of range for input shape %s", d, shape_str(x))
  end
  if r == 1 then
    self:error("dim %d is the batch dim of input shape %s, which cannot be %s",
      d, shape_str(x), verb)
  end
  return r
end

-- grad_output must be a tensor of x's dtype and of exactly `shape` (a
-- size table).
local function check_grad(self, g, x, shape)
  self:check_tensor(g, "grad_output")
  if g:dtype() ~= x:dtype() then
    self:error("bad grad_output dtype %s (expected %s, the input's)", g:dtype(), x:dtype())
  end
  local ok = g:dim() == #shape
  for k = 1, #shape do
    if ok and g:size(k) ~= shape[k] then ok = false end
  end
  if not ok then
    self:error("bad grad_output shape %s (expected [%s])", shape_str(g),
      table.concat(shape, ","))
  end
end

-- ---------------------------------------------------------------------
-- Transpose
-- ---------------------------------------------------------------------

local Transpose = Module.class("Transpose")
M.Transpose = Transpose

-- Transpose(d1, d2): dims 1-based, negative from the end, neither the
-- batch dim 1, and not the same dim.
function Transpose:__init(d1, d2)
  self.d1 = check_dim("Transpose", 1, "d1", d1, "swapped")
  self.d2 = check_dim("Transpose", 2, "d2", d2, "swapped")
  if d1 == d2 then
    error(("Transpose: bad argument #2 (d2 must differ from d1, got %d twice)"):format(d1), 0)
  end
end

function Transpose:describe()
  return ("Transpose(%d, %d)"):format(self.d1, self.d2)
end

-- The two dims of x to swap, as positive dims.
function Transpose:dims(x)
  local a = resolve(self, x, self.d1, "swapped")
  local b = resolve(self, x, self.d2, "swapped")
  if a == b then
    self:error("dims %d and %d are the same dim of input shape %s", self.d1,
      self.d2, shape_str(x))
  end
  return a, b
end

local function swapped(shape, a, b)
  shape[a], shape[b] = shape[b], shape[a]
  return shape
end

function Transpose:forward(x)
  self:check_tensor(x)
  local a, b = self:dims(x)
  local out = self:workspace("out", x:dtype(), table.unpack(swapped(x:size(), a, b)))
  return out:copy(x:transpose(a, b))
end

function Transpose:backward(x, grad_output)
  self:check_tensor(x)
  local a, b = self:dims(x)
  check_grad(self, grad_output, x, swapped(x:size(), a, b))
  local dx = self:workspace("dx", x:dtype(), table.unpack(x:size()))
  return dx:copy(grad_output:transpose(a, b))
end

-- ---------------------------------------------------------------------
-- Narrow
-- ---------------------------------------------------------------------

local Narrow = Module.class("Narrow")
M.Narrow = Narrow

-- Narrow(dim, start, length): dim 1-based (negative from the end, not the
-- batch dim 1), start 1-based (negative from the end: -1 is the last
-- index), length a positive integer.
function Narrow:__init(dim, start, length)
  self.dim = check_dim("Narrow", 1, "dim", dim, "narrowed")
  self.start = check_nonzero("Narrow", 2, "start", start)
  self.length = Module.check_count("Narrow", 3, "length", length)
end

function Narrow:describe()
  return ("Narrow(%d, %d, %d)"):format(self.dim, self.start, self.length)
end

-- The dim and the 1-based start of the slice in x, checked against x.
function Narrow:span(x)
  local d = resolve(self, x, self.dim, "narrowed")
  local n = x:size(d)
  local s = self.start < 0 and n + 1 + self.start or self.start
  if s < 1 then
    self:error("start %d out of range for dim %d of input shape %s (size %d)",
      self.start, d, shape_str(x), n)
  end
  if s + self.length - 1 > n then
    self:error("indices %d..%d out of range for dim %d of input shape %s (size %d)",
      s, s + self.length - 1, d, shape_str(x), n)
  end
  return d, s
end

function Narrow:forward(x)
  self:check_tensor(x)
  local d, s = self:span(x)
  local shape = x:size()
  shape[d] = self.length
  local out = self:workspace("out", x:dtype(), table.unpack(shape))
  return out:copy(x:narrow(d, s, self.length))
end

function Narrow:backward(x, grad_output)
  self:check_tensor(x)
  local d, s = self:span(x)
  local shape = x:size()
  shape[d] = self.length
  check_grad(self, grad_output, x, shape)
  local dx = self:workspace("dx", x:dtype(), table.unpack(x:size())):zero_()
  dx:narrow(d, s, self.length):copy(grad_output)
  return dx
end

return M
