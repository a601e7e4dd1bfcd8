-- credo.optim.Adam and credo.optim.AdamW: Adam (Kingma & Ba, "Adam: a
-- method for stochastic optimization", ICLR 2015) with the AMSGrad variant
-- (Reddi, Kale & Kumar, "On the convergence of Adam and beyond", ICLR
-- 2018), and AdamW's decoupled weight decay (Loshchilov & Hutter,
-- "Decoupled weight decay regularization", ICLR 2019), with
-- torch.optim.Adam's / AdamW's update rules, options and defaults:
--   Adam:  d = g + weight_decay * p            (L2 added to the gradient)
--   AdamW: p = p * (1 - lr * weight_decay); d = g
--   m = beta1 * m + (1 - beta1) * d;  v = beta2 * v + (1 - beta2) * d^2
--   amsgrad: v_max = max(v_max, v), used for v below
--   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
-- Two classes in one file because they differ by one line of the kernel
-- (optim_adam in natives/nn/optim.c, `decoupled`) and one default
-- (weight_decay 0 for Adam, 0.01 for AdamW, as torch).  Not here:
-- `maximize`, `capturable`.
local Optimizer = require "credo.optim.optimizer"
local C = require("credo.core").nn_optim

local M = {}

local ORDER = { "lr", "betas", "eps", "weight_decay", "amsgrad" }

local function spec(wd)
  return {
    lr = { default = 0.001, check = Optimizer.nonneg },
    betas = { default = { 0.9, 0.999 }, check = Optimizer.betas },
    eps = { default = 1e-8, check = Optimizer.nonneg },
    weight_decay = { default = wd, check = Optimizer.nonneg },
    amsgrad = { default = false, check = Optimizer.boolean },
  }
end

local function init_state(_, p, group)
  local st = { step = 0, exp_avg = Optimizer.zeros_like(p), exp_avg_sq = Optimizer.zeros_like(p) }
  if group.amsgrad then st.max_exp_avg_sq = Optimizer.zeros_like(p) end
  return st
end

local function updater(decoupled)
  return function(_, group, p, g, st)
    local step = st.step + 1
    st.step = step
    local vmax = nil
    if group.amsgrad then
      vmax = st.max_exp_avg_sq
      if vmax == nil then vmax = Optimizer.zeros_like(p); st.max_exp_avg_sq = vmax end
    end
    local betas = group.betas
    C.adam(p, st.exp_avg, st.exp_avg_sq, vmax, g, step, group.lr, betas[1], betas[2],
      group.eps, group.weight_decay, decoupled)
  end
end

M.Adam = Optimizer.class("Adam", spec(0), ORDER)
M.Adam.init_state = init_state
M.Adam.update = updater(false)

M.AdamW = Optimizer.class("AdamW", spec(0.01), ORDER)
M.AdamW.init_state = init_state
M.AdamW.update = updater(true)

return M
