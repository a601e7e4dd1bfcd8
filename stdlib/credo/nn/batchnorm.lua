-- credo.nn.BatchNorm1d: batch normalisation of (N, C) or (N, C, L) inputs
-- per channel C (Ioffe & Szegedy, ICML 2015), torch.nn.BatchNorm1d's
-- conventions: eps 1e-5, momentum 0.1 (the weight of the new batch in the
-- running averages), the biased batch variance to normalise and the
-- unbiased one in running_var, weight 1 and bias 0 at start, evaluation
-- mode normalising with the running statistics.  Kernels:
-- natives/nn/norm.c.  Not here: momentum = nil (torch's cumulative
-- average), LayerNorm, BatchNorm2d.
local credo = require "credo"
local Module = require "credo.nn.module"
local C = require("credo.core").nn_core

local BatchNorm1d = Module.class("BatchNorm1d")

-- BatchNorm1d(num_features [, {eps = 1e-5, momentum = 0.1, affine = true,
--             track_running_stats = true, dtype = "float32"}])
function BatchNorm1d:__init(n, opts)
  self.num_features = Module.check_count("BatchNorm1d", 1, "num_features", n)
  opts = Module.check_opts("BatchNorm1d", 2, opts,
    { eps = true, momentum = true, affine = true, track_running_stats = true, dtype = true })
  self.eps = Module.check_number("BatchNorm1d", 2, "eps", opts.eps, 1e-5, 0)
  self.momentum = Module.check_number("BatchNorm1d", 2, "momentum", opts.momentum, 0.1, 0, 1)
  self.affine = opts.affine ~= false
  self.track_running_stats = opts.track_running_stats ~= false
  local dt = opts.dtype or "float32"
  if self.affine then
    self:register_parameter("weight", credo.ones({ self.num_features }, dt))
    self:register_parameter("bias", credo.zeros({ self.num_features }, dt))
  end
  if self.track_running_stats then
    self:register_buffer("running_mean", credo.zeros({ self.num_features }, dt))
    self:register_buffer("running_var", credo.ones({ self.num_features }, dt))
    self:register_buffer("num_batches_tracked", credo.zeros({}, "int64"))
  end
end

-- Back to weight 1, bias 0, running mean 0 and variance 1 (no randomness).
function BatchNorm1d:reset()
  if self.affine then
    self.weight:fill_(1)
    self.bias:zero_()
  end
  if self.track_running_stats then
    self.running_mean:zero_()
    self.running_var:fill_(1)
    self.num_batches_tracked:zero_()
  end
  return self
end

function BatchNorm1d:describe()
  local extra = {}
  if self.eps ~= 1e-5 then extra[#extra + 1] = "eps=" .. self.eps end
  if self.momentum ~= 0.1 then extra[#extra + 1] = "momentum=" .. self.momentum end
  if not self.affine then extra[#extra + 1] = "affine=false" end
  if not self.track_running_stats then extra[#extra + 1] = "track_running_stats=false" end
  return ("BatchNorm1d(%d%s)"):format(self.num_features,
    #extra > 0 and ", " .. table.concat(extra, ", ") or "")
end

function BatchNorm1d:check_input(x)
  self:check_tensor(x)
  local nd = x:dim()
  if (nd ~= 2 and nd ~= 3) or x:size(2) ~= self.num_features then
    self:error("bad input shape %s (expected [N,%d] or [N,%d,L])", Module.shape_str(x),
      self.num_features, self.num_features)
  end
end

function BatchNorm1d:forward(x)
  self:check_input(x)
  local xc = self:contiguous("x", x)
  local dt = x:dtype()
  local out = self:workspace("out", dt, table.unpack(x:size()))
  local batch_stats = self.training or not self.track_running_stats
  if batch_stats then
    local per_channel = x:size(1) * (x:dim() == 3 and x:size(3) or 1)
    if per_channel < 2 then
      self:error("expected more than 1 value per channel when training, got input shape %s",
        Module.shape_str(x))
    end
    local mean = self:workspace("mean", dt, self.num_features)
    local rstd = self:workspace("rstd", dt, self.num_features)
    local update = self.training and self.track_running_stats
    C.batchnorm_forward_train(out, mean, rstd,
      update and self.running_mean or nil, update and self.running_var or nil,
      xc, self.weight, self.bias, self.eps, self.momentum)
    if update then self.num_batches_tracked:add_(1) end
  else
    C.batchnorm_forward_eval(out, xc, self.running_mean, self.running_var,
      self.weight, self.bias, self.eps)
  end
  self.batch_stats_ = batch_stats
  return out
end

function BatchNorm1d:backward(x, grad_output)
  self:check_input(x)
  self:check_tensor(grad_output, "grad_output")
  if grad_output:numel() ~= x:numel() then
    self:error("bad grad_output shape %s (expected %s)",
      Module.shape_str(grad_output), Module.shape_str(x))
  end
  if self.batch_stats_ == nil then self:error("backward called before forward") end
  local xc = self:contiguous("x", x)
  local g = self:contiguous("dout", grad_output)
  local dx = self:workspace("dx", x:dtype(), table.unpack(x:size())):zero_()
  if self.batch_stats_ then
    C.batchnorm_backward_train(dx, self.grad_weight, self.grad_bias, g, xc,
      self.ws_.mean.t, self.ws_.rstd.t, self.weight)
  else
    C.batchnorm_backward_eval(dx, self.grad_weight, self.grad_bias, g, xc,
      self.running_mean, self.running_var, self.weight, self.eps)
  end
  return dx
end

return BatchNorm1d
