-- credo.ensemble.BlendNet: the neural meta-learner of gwe-blendnet.txt
-- (Section 3.4, Algorithm 3; training settings in Section 5.4), an
-- estimator of the protocol in docs/design.md (docs/ensemble.md).
--
-- Input: X whose first n_predictions columns (default: all) are base
-- models' probabilities of the positive class, e.g. the out-of-fold columns
-- a StackingClassifier feeds its final_estimator.  The meta-features are
-- those columns plus the greedy-weighted ensemble output sum_k w_k p_k
-- (weights given, or fitted by greedy_weights on the training columns) and
-- the unweighted mean (1/K) sum_k p_k.  The network: three blocks of
-- Linear -> ReLU -> BatchNorm1d -> Dropout (the paper's order: "dense
-- layers with ReLU activation functions, followed by batch normalisation
-- and dropout"), then Linear -> Sigmoid; binary cross-entropy (BCELoss),
-- Adam, credo.nn.fit.  What this is not: a multiclass meta-learner (the
-- paper's output is one sigmoid), or a trainer of the base models.
local core = require "credo.core"
local estimator = require "credo.estimator"
local U = require "credo.ensemble.util"
local G = require "credo.ensemble.greedy"

local T = core.tensor

local function hidden_check(v)
  if #v ~= 3 then return false, ("must list 3 layer sizes (got %d)"):format(#v) end
  for i, h in ipairs(v) do
    if math.type(h) ~= "integer" or h < 1 then
      return false, ("[%d] must be a positive integer (got %s)"):format(i, tostring(h))
    end
  end
  return true
end

local function weights_check(v)
  local s = 0
  for k, x in ipairs(v) do
    if type(x) ~= "number" or x ~= x or x < 0 or x == math.huge then
      return false, ("[%d] must be a finite number >= 0 (got %s)"):format(k, tostring(x))
    end
    s = s + x
  end
  if #v == 0 or not (s > 0) then return false, "must be a non-empty list with a positive sum" end
  return true
end

local GREEDY_KEYS = U.set("lambda", "tol", "max_iter", "method", "grid", "lr")
local function greedy_check(v)
  for k in pairs(v) do
    if not GREEDY_KEYS[k] then
      return false, ("has an unknown key '%s' (greedy_weights options: lambda, tol, max_iter, method, grid, lr)")
        :format(tostring(k))
    end
  end
  local ok, err = pcall(G.options, "greedy_weights", v)
  if not ok then return false, "is invalid: " .. tostring(err) end
  return true
end

local BlendNet = estimator.class("BlendNet", {
  hidden = { default = { 64, 32, 16 }, type = "table", check = hidden_check,
             doc = "sizes of the three hidden dense layers (not in the paper's text)" },
  dropout = { default = 0.3, type = "number", min = 0, lt = 1, doc = "dropout probability of each block" },
  epochs = { default = 50, type = "integer", min = 1, doc = "training epochs (paper: 50)" },
  batch_size = { default = 512, type = "integer", min = 2, doc = "rows per Adam step (paper: 512)" },
  lr = { default = 1e-3, type = "number", gt = 0, doc = "Adam's learning rate (torch's default)" },
  seed = { default = 0, type = "integer", doc = "initialisation, dropout masks and shuffling" },
  weights = { type = "table", check = weights_check,
              doc = "fixed ensemble weights (nil: greedy_weights on the training columns)" },
  greedy = { default = {}, type = "table", check = greedy_check, doc = "options of greedy_weights" },
  n_predictions = { type = "integer", min = 1, doc = "leading columns of X that are predictions (nil: all)" },
  verbose = { default = 0, type = "integer", min = 0, max = 2, doc = "nn.fit's progress display" },
})

-- The meta-features of X: X, then sum_k w_k p_k, then the mean of the
-- prediction columns; (n, d + 2) float32.
local function features(X, k, w)
  local Xd = X:double()
  local P = Xd:narrow(2, 1, k)
  local wt = T.tensor(w, "float64")
  local weighted = P:mv(wt):div(wt:sum())
  local mean = P:mean(2)
  return T.cat({ Xd, weighted:view(-1, 1), mean:view(-1, 1) }, 2):float()
end

local function check_predictions(op, X, k)
  local P = X:narrow(2, 1, k)
  if not P:isfinite():all() or P:lt(0):any() or P:gt(1):any() then
    U.argerror(op, 1, ("the first %d column%s of X must be probabilities in [0, 1] "
      .. "(set n_predictions for extra feature columns)"):format(k, k == 1 and "" or "s"))
  end
end

local function build(self, d_in)
  local nn = require "credo.nn"
  local p = self.params_
  local g = core.random.Generator(p.seed)
  local gd = g:stream(1)
  local net = nn.Sequential()
  local prev = d_in
  for _, h in ipairs(p.hidden) do
    net:add(nn.Linear(prev, h, { generator = g }))
       :add(nn.ReLU())
       :add(nn.BatchNorm1d(h))
       :add(nn.Dropout(p.dropout, { generator = gd }))
    prev = h
  end
  net:add(nn.Linear(prev, 1, { generator = g })):add(nn.Sigmoid())
  return net
end

function BlendNet:fit(X, y, opts)
  local op = "fit"
  local n = U.check_X(op, 1, X)
  local C = U.check_labels(op, 2, y, n)
  if C > 2 then
    error(("BlendNet:fit: the meta-learner is binary (one sigmoid output); y has %d classes"):format(C), 0)
  end
  local o = U.options(op, 3, opts, U.set("sample_weight"))
  local sw = U.check_weights(op, 3, o.sample_weight, n)
  local p = self.params_
  local d = X:size(2)
  local k = p.n_predictions or d
  if k > d then
    error(("BlendNet:fit: n_predictions = %d but X has %d columns"):format(k, d), 0)
  end
  check_predictions(op, X, k)
  local w, record = p.weights, nil
  if w ~= nil then
    if #w ~= k then
      error(("BlendNet:fit: parameter 'weights' has %d entries but X has %d prediction columns"):format(#w, k), 0)
    end
  else
    local r = G.greedy_weights(X:narrow(2, 1, k), y, p.greedy)
    w = r.weights
    record = { loss = r.loss, brier = r.brier, loss_history = r.loss_history,
               brier_history = r.brier_history, iterations = r.iterations, converged = r.converged }
  end
  local F = features(X, k, w)
  local yf = y:float()
  -- Batch normalisation cannot train on a batch of one row: when the last
  -- batch would have one, that row (the last of X) is left out.
  local dropped = 0
  local bs = math.min(p.batch_size, n)
  if n % bs == 1 then
    if n < 3 then error("BlendNet:fit: needs at least 3 rows", 0) end
    dropped = 1
    F, yf = F:narrow(1, 1, n - 1), yf:narrow(1, 1, n - 1)
    if sw then sw = sw:narrow(1, 1, n - 1) end
  end
  local nn, optim = require "credo.nn", require "credo.optim"
  local net = build(self, d + 2)
  local opt = optim.Adam(net, { lr = p.lr })
  local hist = nn.fit(net, nn.BCELoss(), opt, F, yf, {
    epochs = p.epochs, batch_size = p.batch_size, seed = p.seed, verbose = p.verbose,
    sample_weight = sw and sw:float() or nil, metrics = {} })
  net:eval()
  self.net_ = net
  self.state_ = { net = net:get_state(), weights = w, n_features = d, n_predictions = k,
                  greedy = record, loss_history = hist.loss, dropped_rows = dropped }
  return self
end

function BlendNet:restore()
  if self.state_ == nil then return end
  self.net_ = require("credo.nn").from_state(self.state_.net)
end

function BlendNet:predict_proba(X)
  self:check_fitted("predict_proba")
  U.check_X("predict_proba", 1, X)
  local st = self.state_
  if X:size(2) ~= st.n_features then
    U.argerror("predict_proba", 1, ("X has %d columns but BlendNet was fitted on %d"):format(
      X:size(2), st.n_features))
  end
  check_predictions("predict_proba", X, st.n_predictions)
  local nn = require "credo.nn"
  return nn.predict_proba(self.net_, features(X, st.n_predictions, st.weights),
                          { output = "probability" }):double()
end

function BlendNet:predict(X)
  self:check_fitted("predict")
  return self:predict_proba(X):argmax(2):sub(1)
end

-- The ensemble weights used for the weighted meta-feature, and the
-- training loss per epoch.
function BlendNet:weights() self:check_fitted("weights"); return self.state_.weights end
function BlendNet:history() self:check_fitted("history"); return self.state_.loss_history end
function BlendNet:network() self:check_fitted("network"); return self.net_ end

return { BlendNet = BlendNet }
