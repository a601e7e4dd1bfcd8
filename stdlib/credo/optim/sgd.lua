-- credo.optim.SGD: stochastic gradient descent with momentum (Polyak's
-- heavy ball; Nesterov's form as Sutskever, Martens, Dahl & Hinton, "On the
-- importance of initialization and momentum in deep learning", ICML 2013),
-- with torch.optim.SGD's update rule and options (docs/optim.md):
--   d = g + weight_decay * p
--   buf = d on the first step, else momentum * buf + (1 - dampening) * d
--   d = nesterov and d + momentum * buf or buf      (when momentum ~= 0)
--   p = p - lr * d
-- Kernel: optim_sgd (natives/nn/optim.c).  Not here: `maximize`.
local Optimizer = require "credo.optim.optimizer"
local C = require("credo.core").nn_optim

local SGD = Optimizer.class("SGD", {
  lr = { default = 0.01, check = Optimizer.nonneg },
  momentum = { default = 0, check = Optimizer.nonneg },
  dampening = { default = 0, check = Optimizer.any_number },
  weight_decay = { default = 0, check = Optimizer.nonneg },
  nesterov = { default = false, check = Optimizer.boolean },
}, { "lr", "momentum", "dampening", "weight_decay", "nesterov" })

-- torch: "Nesterov momentum requires a momentum and zero dampening"
function SGD.check_group(group)
  if group.nesterov and (group.momentum <= 0 or group.dampening ~= 0) then
    error("SGD: nesterov = true requires momentum > 0 and dampening = 0", 0)
  end
end

-- The momentum buffer is created by the first step with momentum ~= 0.
function SGD:init_state()
  return {}
end

function SGD:update(group, p, g, st)
  local mom = group.momentum
  local buf, first = nil, false
  if mom ~= 0 then
    buf = st.momentum_buffer
    if buf == nil then
      buf = Optimizer.zeros_like(p)
      st.momentum_buffer = buf
      first = true
    end
  end
  C.sgd(p, buf, g, group.lr, mom, group.dampening, group.weight_decay, group.nesterov, first)
end

return SGD
