-- credo.MLPClassifier: a multilayer perceptron classifier with
-- scikit-learn 1.2's MLPClassifier semantics (solver "adam"), built on
-- credo.nn (Linear layers, activations, BCEWithLogitsLoss /
-- CrossEntropyLoss) and credo.optim.Adam; the estimator protocol of
-- docs/design.md.  Reference: docs/mlp.md.
--
--   local m = credo.MLPClassifier { hidden_layer_sizes = { 64, 32 }, alpha = 1e-3, seed = 1 }
--   m:fit(X, y)                  -- X (n, d) float, y (n) int64 0..k-1
--   local p = m:predict_proba(Xt) -- (n, k) float64
--   print(m:n_iter(), m:best_loss(), #m:loss_curve())
--
-- What sklearn does and this file does too: Glorot-uniform initialisation
-- (bound sqrt(6 / (fan_in + fan_out)), sqrt(2 / ...) for logistic), log-loss
-- output (one logistic unit for two classes, softmax otherwise), L2 penalty
-- 0.5 * alpha * ||W||^2 / batch_rows added to each batch's loss (weights
-- only, not biases), minibatches of min(200, n) over a fresh permutation
-- each epoch, Adam, and its stopping rules (n_iter_no_change epochs whose
-- training loss did not improve by tol, or with early_stopping the accuracy
-- on a stratified validation split, whose best weights are restored).
-- What differs: the random draws (credo's generator), Adam's epsilon sits
-- where torch puts it (docs/mlp.md), float64 by default as sklearn but
-- float32 on request.  Not here: solvers "sgd" and "lbfgs", warm_start,
-- partial_fit, regression (MLPRegressor), multilabel targets.
local credo = require "credo"
local estimator = require "credo.estimator"
local A = require "credo.argcheck"
local nn = require "credo.nn"
local optim = require "credo.optim"
local split = require "credo.split"
local gather_rows = require("credo.core").nn_optim.gather_rows

local function sizes_check(v)
  if #v < 1 then return false, "must list at least one hidden layer size" end
  for k, s in pairs(v) do
    if math.type(k) ~= "integer" or k < 1 or k > #v then
      return false, "must be a list of layer sizes {n1, n2, ...}"
    end
    if math.type(s) ~= "integer" or s < 1 then
      return false, ("[%d] must be a positive integer (got %s)"):format(k, tostring(s))
    end
  end
  return true
end

local MLP = estimator.class("MLPClassifier", {
  hidden_layer_sizes = { default = { 100 }, type = "table", check = sizes_check,
                         doc = "units of each hidden layer" },
  activation = { default = "relu", enum = { "identity", "logistic", "tanh", "relu" },
                 doc = "hidden-layer activation" },
  solver = { default = "adam", enum = { "adam" }, doc = "optimiser (Adam only)" },
  alpha = { default = 1e-4, type = "number", min = 0, doc = "L2 penalty strength" },
  batch_size = { type = "integer", min = 1, doc = "rows per minibatch (nil: min(200, n))" },
  learning_rate_init = { default = 1e-3, type = "number", gt = 0, doc = "Adam step size" },
  max_iter = { default = 200, type = "integer", min = 1, doc = "epochs at most" },
  tol = { default = 1e-4, type = "number", min = 0, doc = "improvement that counts" },
  n_iter_no_change = { default = 10, type = "integer", min = 1,
                       doc = "epochs without improvement before stopping" },
  early_stopping = { default = false, type = "boolean",
                     doc = "stop on a held-out validation accuracy" },
  validation_fraction = { default = 0.1, type = "number", gt = 0, lt = 1,
                          doc = "share of rows held out with early_stopping" },
  beta_1 = { default = 0.9, type = "number", min = 0, lt = 1, doc = "Adam beta1" },
  beta_2 = { default = 0.999, type = "number", min = 0, lt = 1, doc = "Adam beta2" },
  epsilon = { default = 1e-8, type = "number", gt = 0, doc = "Adam epsilon" },
  shuffle = { default = true, type = "boolean", doc = "new row order each epoch" },
  seed = { default = 0, type = "integer", doc = "seed of initialisation, shuffling, split" },
  dtype = { default = "float64", enum = { "float32", "float64" },
            doc = "arithmetic of the network (sklearn: float64)" },
  verbose = { default = false, type = "boolean", doc = "print the loss each epoch" },
})

local function fail(op, fmt, ...)
  error(("MLPClassifier:%s: " .. fmt):format(op, ...), 3)
end

local function is_tensor(v)
  local mt = type(v) == "userdata" and getmetatable(v)
  return mt and mt.__name == "credo.Tensor"
end

-- X checked (2-d float, finite, d columns when given) and converted.
local function check_X(op, X, dtype, d)
  if not is_tensor(X) then
    error(("bad argument #1 to '%s' (expected a tensor, got %s)"):format(op, type(X)), 3)
  end
  if X:dim() ~= 2 or X:size(1) < 1 or X:size(2) < 1 then
    error(("bad argument #1 to '%s' (X must be a non-empty 2-d tensor (got shape [%s]))")
      :format(op, table.concat(X:size(), ",")), 3)
  end
  if X:dtype() == "int64" then
    error(("bad argument #1 to '%s' (X must be float32 or float64 (got int64))"):format(op), 3)
  end
  if d and X:size(2) ~= d then
    error(("bad argument #1 to '%s' (X has %d features but the model was fitted on %d)")
      :format(op, X:size(2), d), 3)
  end
  if not X:isfinite():all() then
    local bad = X:isfinite():eq(0):nonzero()
    local r, c = bad:get(1, 1), bad:get(1, 2)
    local v = X:get(r, c)
    error(("bad argument #1 to '%s' (X contains %s at row %d, column %d)")
      :format(op, v ~= v and "NaN" or "an infinite value", r, c), 3)
  end
  return X:type(dtype):contiguous()
end

-- y checked: 1-d int64 labels 0..k-1, n rows, two classes or more; returns k.
local function check_y(y, n)
  if not is_tensor(y) or y:dim() ~= 1 or y:dtype() ~= "int64" then
    error("bad argument #2 to 'fit' (y must be a 1-d int64 tensor of class labels)", 3)
  end
  if y:size(1) ~= n then
    error(("bad argument #2 to 'fit' (y has %d rows but X has %d)"):format(y:size(1), n), 3)
  end
  local lo, hi = y:min(), y:max()
  if lo < 0 then
    error(("bad argument #2 to 'fit' (y holds label %d: labels must be 0, 1, ...)"):format(lo), 3)
  end
  if hi >= 100000 then
    error(("bad argument #2 to 'fit' (y holds label %d: labels must be 0, 1, ..., < 100000)")
      :format(hi), 3)
  end
  if lo == hi then
    error(("bad argument #2 to 'fit' (y holds one class only (%d): a classifier needs two or more)")
      :format(lo), 3)
  end
  return math.tointeger(hi) + 1
end

-- The network: Linear (+ activation) per hidden layer, then the output layer.
local ACT = { logistic = "Sigmoid", tanh = "Tanh", relu = "ReLU" }

local function build(p, d, n_out, g)
  local net = nn.Sequential()
  local fan_in = d
  local sizes = {}
  for i, h in ipairs(p.hidden_layer_sizes) do sizes[i] = h end
  sizes[#sizes + 1] = n_out
  -- sklearn's _init_coef: factor 6 (2 for logistic), per layer in order
  local factor = p.activation == "logistic" and 2 or 6
  for i, fan_out in ipairs(sizes) do
    local lin = nn.Linear(fan_in, fan_out, { dtype = p.dtype })
    local b = math.sqrt(factor / (fan_in + fan_out))
    nn.init.uniform_(lin.weight, -b, b, { generator = g })
    nn.init.uniform_(lin.bias, -b, b, { generator = g })
    net:add(lin)
    if i < #sizes and ACT[p.activation] then net:add(nn[ACT[p.activation]]()) end
    fan_in = fan_out
  end
  return net
end

-- The Linear layers of the network, in order.
local function linears(net)
  local out = {}
  for _, m in ipairs(net.modules) do
    if getmetatable(m).__name == "Linear" then out[#out + 1] = m end
  end
  return out
end

-- Network outputs (logits) for X, in eval mode, as a fresh tensor.
local function logits(net, X)
  net:eval()
  return net:forward(X):clone()
end

-- Predicted labels (int64) from logits: logit > 0 for one output unit
-- (probability > 0.5, sklearn's LabelBinarizer threshold), else argmax.
local function labels_of(z)
  if z:size(2) == 1 then return z:select(2, 1):gt(0) end
  local _, c = z:max(2)
  return c - 1
end

function MLP:fit(X, y, opts)
  A.options("fit", 3, opts, {})          -- fit takes no options
  local p = self.params_
  self.state_ = nil
  X = check_X("fit", X, p.dtype)
  local n_classes = check_y(y, X:size(1))
  y = y:contiguous()
  local g = credo.Generator(p.seed)
  local d = X:size(2)
  local n_out = n_classes == 2 and 1 or n_classes
  local net = build(p, d, n_out, g)

  -- sklearn: train_test_split(..., stratify=y) of the rows when early stopping
  local Xv, yv
  if p.early_stopping then
    local tr, va = split.train_test(y, { test_size = p.validation_fraction, stratify = true,
                                         generator = g })
    Xv, yv = X:index_select(1, va), y:index_select(1, va)
    X, y = X:index_select(1, tr), y:index_select(1, tr)
  end
  local n = X:size(1)
  local bs = math.min(p.batch_size or 200, n)
  if p.batch_size and p.batch_size > n then bs = n end

  local loss_fn, yt
  if n_out == 1 then
    loss_fn = nn.BCEWithLogitsLoss()
    yt = y:type(p.dtype):view(n, 1):contiguous()
  else
    loss_fn = nn.CrossEntropyLoss()
    yt = y
  end
  local params, grads = net:parameters()
  local opt = optim.Adam(params, grads, { lr = p.learning_rate_init,
                                          betas = { p.beta_1, p.beta_2 }, eps = p.epsilon })
  local lins = linears(net)
  local tmp = {}
  for i, l in ipairs(lins) do tmp[i] = credo.zeros(l.weight:size(), p.dtype) end
  local xbuf = credo.zeros({ bs, d }, p.dtype)
  local ybuf = n_out == 1 and credo.zeros({ bs, 1 }, p.dtype) or credo.zeros({ bs }, "int64")
  local order = credo.arange(1, n + 1):long()
  local alpha = p.alpha

  local loss_curve, val_scores = {}, {}
  local best_loss, best_score, no_improve = math.huge, -math.huge, 0
  local best_params
  local n_iter, converged = 0, false
  for epoch = 1, p.max_iter do
    if p.shuffle then order = g:permutation(n) end
    net:train()
    local acc = 0
    for start = 1, n, bs do
      local cnt = math.min(bs, n - start + 1)
      local xb, yb = xbuf:narrow(1, 1, cnt), ybuf:narrow(1, 1, cnt)
      gather_rows(xb, X, order, start, cnt)
      gather_rows(yb, yt, order, start, cnt)
      net:zero_grad()
      local out = net:forward(xb)
      local l = loss_fn:forward(out, yb)
      net:backward(xb, loss_fn:backward(out, yb))
      -- L2 as sklearn's _backprop: loss + 0.5 alpha sum ||W||^2 / rows,
      -- gradient + alpha W / rows
      if alpha > 0 then
        local sq = 0
        for i, lin in ipairs(lins) do
          local w = lin.weight
          sq = sq + w:mul(w):sum()
          tmp[i]:copy(w):mul_(alpha / cnt)
          lin.grad_weight:add_(tmp[i])
        end
        l = l + 0.5 * alpha * sq / cnt
      end
      if l ~= l or l == math.huge then
        fail("fit", "loss is %s at epoch %d (lower learning_rate_init?)", tostring(l), epoch)
      end
      opt:step()
      acc = acc + l * cnt
    end
    n_iter = epoch
    local loss = acc / n
    loss_curve[epoch] = loss
    if p.verbose then print(("Iteration %d, loss = %.8f"):format(epoch, loss)) end
    -- sklearn's _update_no_improvement_count
    if p.early_stopping then
      local score = labels_of(logits(net, Xv)):eq(yv):sum() / yv:size(1)
      val_scores[epoch] = score
      if score < best_score + p.tol then no_improve = no_improve + 1 else no_improve = 0 end
      if score > best_score then
        best_score = score
        best_params = {}
        for i, t in ipairs(params) do best_params[i] = t:clone() end
      end
    else
      if loss > best_loss - p.tol then no_improve = no_improve + 1 else no_improve = 0 end
      if loss < best_loss then best_loss = loss end
    end
    if no_improve > p.n_iter_no_change then converged = true; break end
    if credo.core.sys.interrupted() then
      credo.core.sys.clear_interrupt()
      fail("fit", "interrupted at epoch %d", epoch)
    end
  end
  if p.early_stopping and best_params then
    for i, t in ipairs(params) do t:copy(best_params[i]) end
  end
  net:eval()
  self.state_ = {
    net = net:get_state(), n_classes = n_classes, n_features = d, n_outputs = n_out,
    loss_curve = loss_curve, n_iter = n_iter, converged = converged,
    loss = loss_curve[n_iter],
    best_loss = (not p.early_stopping) and best_loss or nil,
    validation_scores = p.early_stopping and val_scores or nil,
    best_validation_score = p.early_stopping and best_score or nil,
  }
  self.net_, self.net_for_ = net, self.state_
  return self
end

-- The network of the fitted state (rebuilt after a load or set_params).
local function net_of(self)
  if self.net_for_ ~= self.state_ then
    self.net_ = nn.from_state(self.state_.net)
    self.net_for_ = self.state_
  end
  return self.net_
end

-- (n, k) float64: column c + 1 is P(class c).
function MLP:predict_proba(X)
  self:check_fitted("predict_proba")
  X = check_X("predict_proba", X, self.params_.dtype, self.state_.n_features)
  local z = logits(net_of(self), X):double()
  if z:size(2) == 1 then
    local p1 = z:sigmoid()
    return credo.cat({ p1:neg():add(1), p1 }, 2)
  end
  local m = z:max(2):unsqueeze(2)
  local e = (z - m):exp()
  return e / e:sum(2):unsqueeze(2)
end

-- (n) int64: the most probable class (sklearn: p > 0.5 for two classes).
function MLP:predict(X)
  self:check_fitted("predict")
  X = check_X("predict", X, self.params_.dtype, self.state_.n_features)
  return labels_of(logits(net_of(self), X))
end

-- Per-epoch training loss (sklearn's loss_curve_), penalty included.
function MLP:loss_curve()
  self:check_fitted("loss_curve")
  local t = {}
  for i, v in ipairs(self.state_.loss_curve) do t[i] = v end
  return t
end

-- Lowest training loss (sklearn's best_loss_); nil with early_stopping.
function MLP:best_loss()
  self:check_fitted("best_loss")
  return self.state_.best_loss
end

-- Epochs run (sklearn's n_iter_).
function MLP:n_iter()
  self:check_fitted("n_iter")
  return self.state_.n_iter
end

-- Validation accuracy per epoch and its best (early_stopping only).
function MLP:validation_scores()
  self:check_fitted("validation_scores")
  return self.state_.validation_scores
end

function MLP:best_validation_score()
  self:check_fitted("best_validation_score")
  return self.state_.best_validation_score
end

-- Weight matrices (in, out) and bias vectors per layer, as sklearn's
-- coefs_ / intercepts_ (copies).
function MLP:coefs()
  self:check_fitted("coefs")
  local W, b = {}, {}
  for i, l in ipairs(linears(net_of(self))) do
    W[i] = l.weight:t():contiguous()
    b[i] = l.bias:clone()
  end
  return W, b
end

-- The credo.nn network (eval mode), shared with the model.
function MLP:network()
  self:check_fitted("network")
  return net_of(self)
end

function MLP:restore()
  self.net_, self.net_for_ = nil, nil
end

return { MLPClassifier = MLP }
