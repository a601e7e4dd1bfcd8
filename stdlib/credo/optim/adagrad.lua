-- credo.optim.Adagrad: AdaGrad (Duchi, Hazan & Singer, "Adaptive
-- subgradient methods for online learning and stochastic optimization",
-- JMLR 12, 2011), with torch.optim.Adagrad's update rule and options:
--   d = g + weight_decay * p;  clr = lr / (1 + (step - 1) * lr_decay)
--   sum = sum + d * d;  p = p - clr * d / (sqrt(sum) + eps)
-- sum starts at initial_accumulator_value.  Kernel: optim_adagrad
-- (natives/nn/optim.c).  Not here: sparse gradients, `maximize`.
local Optimizer = require "credo.optim.optimizer"
local C = require("credo.core").nn_optim

local Adagrad = Optimizer.class("Adagrad", {
  lr = { default = 0.01, check = Optimizer.nonneg },
  lr_decay = { default = 0, check = Optimizer.nonneg },
  weight_decay = { default = 0, check = Optimizer.nonneg },
  initial_accumulator_value = { default = 0, check = Optimizer.nonneg },
  eps = { default = 1e-10, check = Optimizer.nonneg },
}, { "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps" })

function Adagrad:init_state(p, group)
  local sum = Optimizer.zeros_like(p)
  if group.initial_accumulator_value ~= 0 then sum:fill_(group.initial_accumulator_value) end
  return { step = 0, sum = sum }
end

function Adagrad:update(group, p, g, st)
  local step = st.step + 1
  st.step = step
  C.adagrad(p, st.sum, g, step, group.lr, group.lr_decay, group.weight_decay, group.eps)
end

return Adagrad
