-- credo.nn.Parallel and credo.nn.Concat: branches whose outputs are joined
-- (concatenated) along one dim, default 2 (the feature dim of (N, F)
-- outputs; the channel dim of (N, C, L) ones).
--
--   Parallel: branch i takes input i of a Lua list of inputs (torch7's
--     ParallelTable + JoinTable).  backward returns the list of the
--     branches' grad_inputs.  The Wide & Deep model (Cheng et al. 2016):
--       nn.Sequential()
--         :add(nn.Parallel():add(nn.Linear(n_wide, 1))          -- wide: one-hot/crosses
--                           :add(nn.Sequential():add(nn.Linear(n_deep, 64)):add(nn.ReLU())))
--         :add(nn.Linear(1 + 64, 1))                           -- joint output
--       net:forward({ x_wide, x_deep })
--   Concat: every branch takes the same input (torch7's Concat); backward
--     returns the sum of the branches' grad_inputs.
--
-- The joined output is this module's workspace; errors name the branch:
-- "Parallel branch 2 (Linear(4 -> 2)): ...".  Not here: joins other than
-- concatenation (sum, product), branches with several outputs.
local Module = require "credo.nn.module"

local M = {}

local Parallel = Module.class("Parallel")
M.Parallel = Parallel

-- Parallel([dim = 2]) / Concat([dim = 2]); dim 1-based, negative from the
-- end of the branch outputs' dims.
function Parallel:__init(dim)
  local name = getmetatable(self).__name
  if dim ~= nil and (math.type(dim) ~= "integer" or dim == 0) then
    error(("%s: bad argument #1 (dim must be a non-zero integer, got %s)"):format(
      name, tostring(dim)), 0)
  end
  self.dim = dim or 2
  self.modules = {}
  self.outputs_ = {}
  self.grad_inputs_ = {}
end

function Parallel:add(m)
  if not Module.is_module(m) then
    error(("%s:add: expected a module (got %s)"):format(self.__name, type(m)), 2)
  end
  for _, c in ipairs(self.modules) do
    if c == m then
      error(("%s:add: %s is already a branch (a module appears once)"):format(
        self.__name, m:describe()), 2)
    end
  end
  self.modules[#self.modules + 1] = m
  m:train(self.training)
  return self
end

function Parallel:get(i) return self.modules[i] end
function Parallel:size() return #self.modules end

function Parallel:describe()
  if self.dim == 2 then return self.__name end
  return ("%s(dim=%d)"):format(self.__name, self.dim)
end

function Parallel:input_dtype()
  local list = {}
  for i, m in ipairs(self.modules) do list[i] = m:input_dtype() end
  return list
end

-- The input of branch i: input i of the list (Parallel) or the input itself.
function Parallel:branch_input(input, i)
  return input[i]
end

function Parallel:check_inputs(input)
  local n = #self.modules
  if n == 0 then self:error("no branches (add some with :add)") end
  if type(input) ~= "table" or Module.is_module(input) or #input ~= n then
    self:error("expected a list of %d inputs, one per branch (got %s)", n,
      type(input) == "table" and ("a list of %d"):format(#input) or type(input))
  end
end

-- Concatenate the branch outputs ys along self.dim into the workspace.
function Parallel:join(ys)
  local first = ys[1]
  if not Module.is_tensor(first) then
    self:error("branch 1 returned %s, not a tensor", type(first))
  end
  local nd = first:dim()
  local d = self.dim < 0 and nd + 1 + self.dim or self.dim
  if d < 1 or d > nd then
    self:error("dim %d out of range for branch outputs of shape %s", self.dim,
      Module.shape_str(first))
  end
  local shape = first:size()
  local total = 0
  for i, y in ipairs(ys) do
    if not Module.is_tensor(y) then
      self:error("branch %d returned %s, not a tensor", i, type(y))
    end
    local ok = y:dim() == nd and y:dtype() == first:dtype()
    for k = 1, nd do
      if ok and k ~= d and y:size(k) ~= shape[k] then ok = false end
    end
    if not ok then
      self:error("branch outputs %s (branch 1) and %s (branch %d) do not join along dim %d",
        Module.shape_str(first), Module.shape_str(y), i, d)
    end
    total = total + y:size(d)
  end
  shape[d] = total
  local out = self:workspace("out", first:dtype(), table.unpack(shape))
  local off = 1
  for _, y in ipairs(ys) do
    local k = y:size(d)
    if k > 0 then out:narrow(d, off, k):copy(y) end
    off = off + k
  end
  self.join_dim_ = d
  return out
end

function Parallel:forward(input)
  self:check_inputs(input)
  local ys = self.outputs_
  for i, m in ipairs(self.modules) do
    local ok, y = pcall(m.forward, m, self:branch_input(input, i))
    if not ok then
      error(Module.child_error(self.__name .. " branch " .. i, m, y), 0)
    end
    ys[i] = y
  end
  return self:join(ys)
end

-- The branch gradients: grad_output narrowed to each branch's slice.
function Parallel:branch_backward(input, grad_output)
  local d = self.join_dim_
  if d == nil then self:error("backward called before forward") end
  local gins = self.grad_inputs_
  local off = 1
  for i, m in ipairs(self.modules) do
    local k = self.outputs_[i]:size(d)
    local g = grad_output:narrow(d, off, k)
    off = off + k
    local ok, r = pcall(m.backward, m, self:branch_input(input, i), g)
    if not ok then
      error(Module.child_error(self.__name .. " branch " .. i, m, r), 0)
    end
    gins[i] = r
  end
  return gins
end

function Parallel:backward(input, grad_output)
  self:check_inputs(input)
  local gins = self:branch_backward(input, grad_output)
  local list = {}
  for i = 1, #self.modules do list[i] = gins[i] end
  return list
end

function Parallel:summary_rows(input, rows, depth, label)
  local row = { label = label, depth = depth, name = self:describe(), params = 0 }
  rows[#rows + 1] = row
  self:check_inputs(input)
  local ys = {}
  for i, m in ipairs(self.modules) do
    local ok, y = pcall(m.summary_rows, m, self:branch_input(input, i), rows,
                        depth + 1, "(" .. i .. ")")
    if not ok then error(Module.child_error(self.__name .. " branch " .. i, m, y), 0) end
    ys[i] = y
  end
  local out = self:join(ys)
  row.shape = Module.out_shape(out)
  return out
end

local Concat = Module.class("Concat", Parallel)
M.Concat = Concat

function Concat:branch_input(input) return input end

function Concat:input_dtype()
  return self.modules[1] and self.modules[1]:input_dtype() or "float32"
end

function Concat:check_inputs()
  if #self.modules == 0 then self:error("no branches (add some with :add)") end
end

-- grad_input = the sum of the branches' grad_inputs (nil ones skipped).
function Concat:backward(input, grad_output)
  self:check_inputs(input)
  local gins = self:branch_backward(input, grad_output)
  local sum
  for i = 1, #self.modules do
    local g = gins[i]
    if g ~= nil then
      if sum == nil then
        sum = self:workspace("din", g:dtype(), table.unpack(g:size())):copy(g)
      else
        sum:add_(g)
      end
    end
  end
  return sum
end

return M
