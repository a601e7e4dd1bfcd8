-- credo.nn.Embedding: a lookup table for categorical features
-- (torch.nn.Embedding).  Input: an int64 tensor of any shape holding
-- 1-BASED row numbers in 1..num_embeddings (credo's index convention;
-- torch's are 0-based: add 1 to torch indices, or to 0-based category
-- codes).  Output: the input's shape plus embedding_dim.  Backward adds each
-- output row's gradient into its weight row (repeats add up, in order) and
-- returns nil: indices have no gradient.  Weights start N(0, 1) as torch's.
-- Kernels: natives/nn/dense.c.  Not here: padding_idx, max_norm, sparse
-- gradients, EmbeddingBag.
local credo = require "credo"
local Module = require "credo.nn.module"
local init = require "credo.nn.initializers"
local C = require("credo.core").nn_core

local Embedding = Module.class("Embedding")

-- Embedding(num_embeddings, embedding_dim [, {generator = g, dtype = "float32"}])
function Embedding:__init(num, dim, opts)
  self.num_embeddings = Module.check_count("Embedding", 1, "num_embeddings", num)
  self.embedding_dim = Module.check_count("Embedding", 2, "embedding_dim", dim)
  opts = Module.check_opts("Embedding", 3, opts, { generator = true, dtype = true })
  self:register_parameter("weight",
    credo.zeros({ self.num_embeddings, self.embedding_dim }, opts.dtype or "float32"))
  self.init_generator_ = opts.generator
end

function Embedding:reset(g)
  init.normal_(self.weight, 0, 1, { generator = g })
  return self
end

function Embedding:describe()
  return ("Embedding(%d, %d)"):format(self.num_embeddings, self.embedding_dim)
end

function Embedding:input_dtype() return "int64" end

function Embedding:check_input(x)
  if not credo.is_tensor(x) then
    self:error("input must be a tensor (got %s)", type(x))
  end
  if x:dtype() ~= "int64" then
    self:error("bad input dtype %s (expected int64 indices, 1-based)", x:dtype())
  end
  local xc = self:contiguous("x", x)
  local pos, v = C.embedding_find_bad(xc, self.num_embeddings)
  if pos then
    self:error("index %d at position %d out of range 1..%d (indices are 1-based)",
      v, pos, self.num_embeddings)
  end
  return xc
end

function Embedding:forward(x)
  local xc = self:check_input(x)
  local shape = x:size()
  shape[#shape + 1] = self.embedding_dim
  local out = self:workspace("out", self.weight:dtype(), table.unpack(shape))
  C.embedding_forward(out, xc, self.weight)
  return out
end

function Embedding:backward(x, grad_output)
  local xc = self:check_input(x)
  self:check_tensor(grad_output, "grad_output")
  if grad_output:numel() ~= x:numel() * self.embedding_dim then
    self:error("bad grad_output shape %s (expected %d elements)",
      Module.shape_str(grad_output), x:numel() * self.embedding_dim)
  end
  C.embedding_backward(self.grad_weight, self:contiguous("dout", grad_output), xc)
  return nil
end

return Embedding
