-- credo.nn.Sequential: layers applied one after the other (torch/nn's
-- Sequential).  forward keeps each layer's output (a reference to that
-- layer's own workspace, not a shared buffer) to feed backward; an error in
-- a layer is re-raised naming its position and shapes:
--   Sequential layer 3 (Linear(16 -> 8)): bad input shape [8,20] (expected [N,16])
-- Not here: skip connections or branches (Parallel, Concat), removing or
-- inserting layers after construction.
local Module = require "credo.nn.module"

local Sequential = Module.class("Sequential")

-- Sequential([m1, m2, ...]): optional initial layers.
function Sequential:__init(...)
  self.modules = {}
  self.outputs_ = {}
  self.args_ = { n = 0 }
  for i = 1, select("#", ...) do
    local m = select(i, ...)
    if not Module.is_module(m) then
      error(("Sequential: bad argument #%d (expected a module, got %s)"):format(
        i, type(m)), 0)
    end
    self:add(m)
  end
end

-- Append a layer; returns self (so construction chains).
function Sequential:add(m)
  if not Module.is_module(m) then
    error(("Sequential:add: expected a module (got %s)"):format(type(m)), 2)
  end
  for _, c in ipairs(self.modules) do
    if c == m then
      error(("Sequential:add: %s is already in this Sequential (a module appears once)"):format(
        m:describe()), 2)
    end
  end
  self.modules[#self.modules + 1] = m
  m:train(self.training)
  return self
end

function Sequential:get(i) return self.modules[i] end
function Sequential:size() return #self.modules end
function Sequential:__len() return #self.modules end

function Sequential:forward(x)
  local mods, outs = self.modules, self.outputs_
  for i = 1, #mods do
    local m = mods[i]
    local ok, y = pcall(m.forward, m, x)
    if not ok then
      error(Module.child_error("Sequential layer " .. i, m, y), 0)
    end
    outs[i] = y
    x = y
  end
  for i = #mods + 1, #outs do outs[i] = nil end
  return x
end

function Sequential:backward(input, grad_output)
  local mods, outs = self.modules, self.outputs_
  if #outs ~= #mods then
    error("Sequential: backward called before forward", 0)
  end
  local g = grad_output
  for i = #mods, 1, -1 do
    local m = mods[i]
    local x = i == 1 and input or outs[i - 1]
    local ok, r = pcall(m.backward, m, x, g)
    if not ok then
      error(Module.child_error("Sequential layer " .. i, m, r), 0)
    end
    g = r
  end
  return g
end

function Sequential:summary_rows(x, rows, depth, label)
  local row = { label = label, depth = depth, name = "Sequential", params = 0 }
  rows[#rows + 1] = row
  for i, m in ipairs(self.modules) do
    local ok, y = pcall(m.summary_rows, m, x, rows, depth + 1, "(" .. i .. ")")
    if not ok then error(Module.child_error("Sequential layer " .. i, m, y), 0) end
    x = y
  end
  row.shape = Module.out_shape(x)
  return x
end

return Sequential
