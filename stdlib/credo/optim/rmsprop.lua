-- credo.optim.RMSprop: RMSprop (Hinton, Srivastava & Swersky, "Neural
-- networks for machine learning", lecture 6e, 2012; the centered form of
-- Graves, "Generating sequences with recurrent neural networks", 2013),
-- with torch.optim.RMSprop's update rule and options:
--   d = g + weight_decay * p
--   square_avg = alpha * square_avg + (1 - alpha) * d^2
--   centered: grad_avg = alpha * grad_avg + (1 - alpha) * d,
--             avg = sqrt(square_avg - grad_avg^2) + eps
--   else avg = sqrt(square_avg) + eps
--   momentum > 0: buf = momentum * buf + d / avg; p = p - lr * buf
--   else p = p - lr * d / avg
-- eps is added outside the square root (torch; Keras adds it inside).
-- Kernel: optim_rmsprop (natives/nn/optim.c).  Not here: `maximize`.
local Optimizer = require "credo.optim.optimizer"
local C = require("credo.core").nn_optim

local RMSprop = Optimizer.class("RMSprop", {
  lr = { default = 0.01, check = Optimizer.nonneg },
  alpha = { default = 0.99, check = Optimizer.nonneg },
  eps = { default = 1e-8, check = Optimizer.nonneg },
  weight_decay = { default = 0, check = Optimizer.nonneg },
  momentum = { default = 0, check = Optimizer.nonneg },
  centered = { default = false, check = Optimizer.boolean },
}, { "lr", "alpha", "eps", "weight_decay", "momentum", "centered" })

function RMSprop:init_state(p, group)
  local st = { step = 0, square_avg = Optimizer.zeros_like(p) }
  if group.momentum > 0 then st.momentum_buffer = Optimizer.zeros_like(p) end
  if group.centered then st.grad_avg = Optimizer.zeros_like(p) end
  return st
end

function RMSprop:update(group, p, g, st)
  st.step = st.step + 1
  local buf, ga = st.momentum_buffer, st.grad_avg
  if group.momentum > 0 and buf == nil then
    buf = Optimizer.zeros_like(p); st.momentum_buffer = buf
  end
  if group.centered and ga == nil then
    ga = Optimizer.zeros_like(p); st.grad_avg = ga
  end
  C.rmsprop(p, st.square_avg, group.centered and ga or nil,
    group.momentum > 0 and buf or nil, g, group.lr, group.alpha, group.eps,
    group.weight_decay, group.momentum)
end

return RMSprop
