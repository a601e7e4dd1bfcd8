-- credo.nn.Dropout: inverted dropout (Srivastava et al., JMLR 2014, with
-- torch's scaling): in training mode each element is zeroed with
-- probability p and the others are multiplied by 1/(1-p); in eval mode (or
-- p = 0) it is the identity and returns its input.  The mask is drawn in C
-- (natives/nn/act.c) from a credo Generator, one uniform per element in
-- row-major order: the generator given as {generator = g}, or a private
-- Generator(seed) for {seed = n}, or else the global generator.
-- Not here: Dropout2d/AlphaDropout, in-place dropout.
local credo = require "credo"
local Module = require "credo.nn.module"
local C = require("credo.core").nn_core

local Dropout = Module.class("Dropout")

-- Dropout([p = 0.5 [, {generator = g} | {seed = n}]])
function Dropout:__init(p, opts)
  self.p = Module.check_number("Dropout", 1, "p", p, 0.5, 0, 1)
  opts = Module.check_opts("Dropout", 2, opts, { generator = true, seed = true })
  if opts.seed ~= nil then
    if math.type(opts.seed) ~= "integer" then
      error(("Dropout: bad argument #2 (option 'seed' must be an integer, got %s)"):format(
        tostring(opts.seed)), 0)
    end
    if opts.generator then
      error("Dropout: bad argument #2 (give a generator or a seed, not both)", 0)
    end
    self.generator = credo.Generator(opts.seed)
  else
    self.generator = opts.generator
  end
end

function Dropout:describe()
  return ("Dropout(p=%s)"):format(self.p)
end

function Dropout:forward(x)
  self:check_tensor(x)
  if not self.training or self.p == 0 then
    self.masked_ = false
    return x
  end
  local xc = self:contiguous("x", x)
  local shape = x:size()
  local out = self:workspace("out", x:dtype(), table.unpack(shape))
  local mask = self:workspace("mask", x:dtype(), table.unpack(shape))
  C.dropout_forward(out, mask, xc, self.p, self.generator or credo.get_generator())
  self.masked_ = true
  return out
end

function Dropout:backward(x, grad_output)
  self:check_tensor(grad_output, "grad_output")
  if grad_output:numel() ~= x:numel() then
    self:error("bad grad_output shape %s (expected %s)",
      Module.shape_str(grad_output), Module.shape_str(x))
  end
  if not self.masked_ then return grad_output end
  local g = self:contiguous("dout", grad_output)
  local dx = self:workspace("dx", x:dtype(), table.unpack(x:size())):zero_()
  C.dropout_backward(dx, g, self.ws_.mask.t)
  return dx
end

return Dropout
