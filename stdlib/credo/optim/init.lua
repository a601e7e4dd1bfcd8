-- credo.optim: optimisers (SGD, Adagrad, RMSprop, Adam, AdamW), learning-rate
-- schedules (StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau)
-- and gradient clipping by global norm, with PyTorch 1.13's update rules
-- and names (docs/optim.md).  `credo.optim` loads this file on first use.
--
--   local opt = credo.optim.Adam(model, { lr = 1e-3 })
--   model:zero_grad(); model:backward(x, loss:backward(out, y))
--   credo.optim.clip_grad_norm_(model, 1.0)
--   opt:step()
--
-- What it is not: the training loop (credo.nn.fit, stdlib/credo/nn/fit.lua)
-- or the kernels (natives/nn/optim.c).
local C = require("credo.core").nn_optim
local Optimizer = require "credo.optim.optimizer"
local sched = require "credo.optim.lr_scheduler"
local adam = require "credo.optim.adam"

local M = {
  Optimizer = Optimizer,
  SGD = require "credo.optim.sgd",
  Adagrad = require "credo.optim.adagrad",
  RMSprop = require "credo.optim.rmsprop",
  Adam = adam.Adam,
  AdamW = adam.AdamW,
  StepLR = sched.StepLR,
  ExponentialLR = sched.ExponentialLR,
  CosineAnnealingLR = sched.CosineAnnealingLR,
  ReduceLROnPlateau = sched.ReduceLROnPlateau,
  is_optimizer = sched.is_optimizer,
}

-- The gradient tensors of a module (its grads), an optimiser (every
-- group's), a single tensor, or a list of tensors.
local function gradient_list(op, v)
  local mt = type(v) == "table" and getmetatable(v)
  if mt and rawget(mt, "__nn") == true then
    local _, grads = v:parameters()
    return grads
  end
  if sched.is_optimizer(v) then return v:gradients() end
  if require("credo").is_tensor(v) then return { v } end
  if type(v) ~= "table" then
    error(("bad argument #1 to '%s' (expected a module, an optimiser or a list of gradient "
      .. "tensors, got %s)"):format(op, type(v)), 3)
  end
  return v
end

local function norm_type(op, p)
  if p == nil then return 2 end
  if p == "inf" then return math.huge end
  if type(p) ~= "number" or not (p > 0) then
    error(("bad argument #3 to '%s' (norm_type must be a number > 0 or math.huge, got %s)"):format(
      op, tostring(p)), 3)
  end
  return p
end

-- grad_norm(grads [, norm_type = 2]): the norm of all the gradients
-- together, as if concatenated (torch computes the norm of the per-tensor
-- norms; so do we, in the gradients' dtype).  A Lua number.
function M.grad_norm(grads, p)
  return C.grad_norm(gradient_list("grad_norm", grads), norm_type("grad_norm", p))
end

-- clip_grad_norm_(grads, max_norm [, norm_type = 2]): torch.nn.utils.
-- clip_grad_norm_: every gradient is multiplied in place by
-- min(1, max_norm / (total + 1e-6)); returns the total norm before
-- clipping.  A NaN or infinite total is returned as is (the gradients
-- then become NaN), as torch with error_if_nonfinite = false.
function M.clip_grad_norm_(grads, max_norm, p)
  if type(max_norm) ~= "number" or max_norm ~= max_norm or max_norm < 0 or max_norm == math.huge then
    error(("bad argument #2 to 'clip_grad_norm_' (max_norm must be a finite number >= 0, got %s)"):format(
      tostring(max_norm)), 2)
  end
  return C.clip_grad_norm(gradient_list("clip_grad_norm_", grads), max_norm,
    norm_type("clip_grad_norm_", p))
end
-- torch's deprecated name, same function (it also clips in place).
M.clip_grad_norm = M.clip_grad_norm_

return M
