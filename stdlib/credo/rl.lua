-- credo.rl: reinforcement learning for credit-risk control (docs/rl.md).
--
-- Tabular Q-learning; DQN and Double DQN agents on a native Q-network
-- (natives/rl: a ReLU MLP with online and target parameters, the fused
-- training step, Adam as torch's); uniform and prioritised experience
-- replay (a native sum tree); epsilon-greedy exploration with schedules;
-- Pre-DDQN (nerhf.txt: learning and exploration rates moved by a
-- predicted repay/default signal); an offline environment built from
-- logged loan records (discretised indicators -> 81 states, the change of
-- a fifth indicator -> 3 actions, repaid -> reward 1); off-policy
-- evaluation by inverse propensity scoring with bootstrap intervals; a
-- random-policy baseline.
--
-- What it is not: no continuous actions, no policy-gradient methods, no
-- convolutional or recurrent Q-networks (the native net is a ReLU MLP;
-- `agent:to_module()` hands its weights to credo.nn), no distributional
-- or dueling heads, no n-step returns.
local credo = require "credo"
local C = require("credo.core").rl_core

local rl = {}

local floor, huge = math.floor, math.huge

-- ---------------------------------------------------------------------
-- argument checks: "<Class>: bad argument 'name' (...)"

local function fail(cname, what, msg, ...)
  error(("%s: bad option '%s' (" .. msg .. ")"):format(cname, what, ...), 3)
end

local function opt_number(cname, o, name, default, lo, hi, open_hi)
  local v = o[name]
  if v == nil then return default end
  if type(v) ~= "number" or v ~= v then
    fail(cname, name, "expected a number, got %s", tostring(v))
  end
  if (lo and v < lo) or (hi and (open_hi and v >= hi or v > hi)) then
    fail(cname, name, "expected a number in [%s, %s%s, got %s", tostring(lo or "-inf"),
      tostring(hi or "inf"), open_hi and ")" or "]", tostring(v))
  end
  return v
end

local function opt_int(cname, o, name, default, lo)
  local v = o[name]
  if v == nil then return default end
  if math.type(v) ~= "integer" and not (type(v) == "number" and v == floor(v)) then
    fail(cname, name, "expected an integer, got %s", tostring(v))
  end
  v = floor(v)
  if lo and v < lo then fail(cname, name, "expected an integer >= %d, got %d", lo, v) end
  return v
end

local function check_opts(cname, o, allowed)
  if o == nil then return {} end
  if type(o) ~= "table" then error(("%s: expected an options table, got %s"):format(cname, type(o)), 3) end
  for k in pairs(o) do
    if not allowed[k] then error(("%s: unknown option '%s'"):format(cname, tostring(k)), 3) end
  end
  return o
end

local function set(list)
  local s = {}
  for _, k in ipairs(list) do s[k] = true end
  return s
end

local function generator(o)
  if o.generator then return o.generator end
  return credo.Generator(o.seed or 0)
end

-- ---------------------------------------------------------------------
-- schedules: functions of the step t = 0, 1, 2, ...

rl.schedule = {}

-- constant value
function rl.schedule.constant(v)
  return function() return v end
end

-- linear from `start` to `stop` over `steps` steps, then `stop`
function rl.schedule.linear(start, stop, steps)
  assert(type(steps) == "number" and steps >= 1, "schedule.linear: steps must be >= 1")
  return function(t)
    local f = t / steps
    if f > 1 then f = 1 end
    return start + (stop - start) * f
  end
end

-- exponential: max(stop, start * decay^t)
function rl.schedule.exponential(start, stop, decay)
  assert(type(decay) == "number" and decay > 0 and decay <= 1,
    "schedule.exponential: decay must be in (0, 1]")
  return function(t)
    local v = start * decay ^ t
    return v > stop and v or stop
  end
end

local function as_schedule(cname, name, v, default)
  if v == nil then v = default end
  if type(v) == "number" then return rl.schedule.constant(v) end
  if type(v) == "function" then return v end
  if type(v) == "table" then
    if v.kind == "linear" then return rl.schedule.linear(v.start, v.stop, v.steps) end
    if v.kind == "exponential" then return rl.schedule.exponential(v.start, v.stop, v.decay) end
  end
  fail(cname, name, "expected a number, a function of the step, or {kind = 'linear'|'exponential', ...}")
end

-- ---------------------------------------------------------------------
-- replay buffers

-- ReplayBuffer(capacity, {states = n_states (ids) | {dim = d}, dtype})
-- Stores (s, a, r, s', done) in preallocated tensors; a ring: when full,
-- the oldest transition is overwritten.  States are 1-based int64 ids
-- (one-hot inputs) or dense float rows.
local Replay = {}
Replay.__index = Replay
rl.ReplayBuffer = setmetatable(Replay, { __call = function(cls, ...) return cls.new(...) end })

function Replay.new(capacity, opts)
  local cname = "ReplayBuffer"
  if math.type(capacity) ~= "integer" or capacity < 1 then
    error(("%s: bad argument #1 (capacity must be a positive integer, got %s)"):format(cname, tostring(capacity)), 2)
  end
  opts = check_opts(cname, opts, set { "dim", "dtype", "n_states" })
  local self = setmetatable({}, Replay)
  self.capacity, self.n, self.pos = capacity, 0, 0
  self.dtype = opts.dtype or "float32"
  if opts.dim then
    self.dim = opts.dim
    self.S = credo.zeros({ capacity, opts.dim }, self.dtype)
    self.S2 = credo.zeros({ capacity, opts.dim }, self.dtype)
  else
    self.n_states = opts.n_states
    self.S = credo.ones({ capacity }, "int64")
    self.S2 = credo.ones({ capacity }, "int64")
  end
  self.A = credo.ones({ capacity }, "int64")
  self.R = credo.zeros({ capacity }, self.dtype)
  self.D = credo.zeros({ capacity }, self.dtype)
  self.idx = {}                          -- reusable index tensors per batch size
  return self
end

function Replay:size() return self.n end
Replay.__len = Replay.size

function Replay:check_state(s, what)
  if self.dim then
    if not (credo.is_tensor(s) and s:numel() == self.dim) then
      error(("%s: %s must be a tensor of %d values"):format(self.name or "ReplayBuffer", what, self.dim), 3)
    end
    local a = s:double():abs():max()
    if a ~= a or a == huge then
      error(("%s: %s holds a NaN or infinite value"):format(self.name or "ReplayBuffer", what), 3)
    end
  else
    if math.type(s) ~= "integer" or s < 1 or (self.n_states and s > self.n_states) then
      error(("%s: %s must be a state id in 1..%s, got %s"):format(self.name or "ReplayBuffer",
        what, tostring(self.n_states or "n"), tostring(s)), 3)
    end
  end
end

-- add(s, a, r, s2, done): returns the row it went into (1-based)
function Replay:add(s, a, r, s2, done)
  self:check_state(s, "state")
  self:check_state(s2, "next state")
  if math.type(a) ~= "integer" or a < 1 then
    error(("ReplayBuffer: action must be a positive integer (1-based), got %s"):format(tostring(a)), 2)
  end
  if type(r) ~= "number" or r ~= r or r == huge or r == -huge then
    error(("ReplayBuffer: reward must be a finite number, got %s"):format(tostring(r)), 2)
  end
  local i = self.pos + 1
  if self.dim then
    self.S[i] = s:reshape(self.dim)
    self.S2[i] = s2:reshape(self.dim)
  else
    self.S[i] = s
    self.S2[i] = s2
  end
  self.A[i], self.R[i], self.D[i] = a, r, done and 1 or 0
  self.pos = i % self.capacity
  if self.n < self.capacity then self.n = self.n + 1 end
  return i
end

-- add_batch(S, A, R, S2 [, D]): bulk load (e.g. logged transitions)
function Replay:add_batch(S, A, R, S2, D)
  local m = A:numel()
  for k = 1, m do
    local i = self.pos + 1
    if self.dim then
      self.S[i] = S[k]; self.S2[i] = S2[k]
    else
      self.S[i] = S[k]; self.S2[i] = S2[k]
    end
    self.A[i], self.R[i] = A[k], R[k]
    self.D[i] = D and D[k] or 0
    self.pos = i % self.capacity
    if self.n < self.capacity then self.n = self.n + 1 end
  end
end

function Replay:index_tensor(B)
  local t = self.idx[B]
  if not t then t = credo.zeros({ B }, "int64"); self.idx[B] = t end
  return t
end

-- sample(B, gen) -> idx (B int64 rows, uniform with replacement), nil weights
function Replay:sample(B, g)
  if B > self.n then
    error(("%s: batch size %d is larger than the %d transitions stored"):format(
      self.name or "ReplayBuffer", B, self.n), 3)
  end
  return C.uniform_indices(self:index_tensor(B), self.n, g), nil
end

function Replay:update_priorities() end

-- PrioritizedReplay(capacity, {alpha = 0.6, beta0 = 0.4, beta_steps = 100000,
-- eps = 1e-6, ...}) (Schaul et al., ICLR 2016, proportional variant)
local PReplay = setmetatable({}, { __index = Replay })
PReplay.__index = PReplay
PReplay.__len = Replay.size
rl.PrioritizedReplay = setmetatable(PReplay, { __call = function(cls, ...) return cls.new(...) end,
  __index = Replay })

function PReplay.new(capacity, opts)
  local cname = "PrioritizedReplay"
  opts = check_opts(cname, opts, set { "dim", "dtype", "n_states", "alpha", "beta0", "beta_steps", "eps" })
  local base = {}
  for _, k in ipairs { "dim", "dtype", "n_states" } do base[k] = opts[k] end
  local self = Replay.new(capacity, base)
  setmetatable(self, PReplay)
  self.name = cname
  self.alpha = opt_number(cname, opts, "alpha", 0.6, 0)
  self.beta0 = opt_number(cname, opts, "beta0", 0.4, 0, 1)
  self.beta_steps = opt_int(cname, opts, "beta_steps", 100000, 1)
  self.eps = opt_number(cname, opts, "eps", 1e-6, 0)
  if not (self.eps > 0) then fail(cname, "eps", "must be > 0 so that no priority is zero") end
  self.tree = C.SumTree(capacity)
  self.max_priority = 1.0
  self.t = 0
  self.w = {}
  return self
end

function PReplay:add(...)
  local i = Replay.add(self, ...)
  self.tree:set(i, self.max_priority ^ self.alpha)
  return i
end

function PReplay:add_batch(S, A, R, S2, D)
  local first = self.pos
  Replay.add_batch(self, S, A, R, S2, D)
  local m = A:numel()
  local p = self.max_priority ^ self.alpha
  for k = 0, m - 1 do self.tree:set((first + k) % self.capacity + 1, p) end
end

-- beta_t = beta0 + (1 - beta0) min(1, t / beta_steps), t = samples drawn
function PReplay:beta()
  local f = self.t / self.beta_steps
  if f > 1 then f = 1 end
  return self.beta0 + (1 - self.beta0) * f
end

-- sample(B, gen) -> idx (B), weights (B): stratified over the sum tree;
-- w_i = (N P(i))^-beta / max_j w_j, the max over the whole buffer
-- (P_min from the tree's minimum), P(i) = p_i / sum p.
function PReplay:sample(B, g, dtype)
  if B > self.n then
    error(("%s: batch size %d is larger than the %d transitions stored"):format(self.name, B, self.n), 3)
  end
  local idx = self.tree:sample(B, g, self:index_tensor(B))
  local beta = self:beta()
  self.t = self.t + 1
  local total, N = self.tree:total(), self.n
  local maxw = (N * self.tree:min() / total) ^ (-beta)
  local key = B .. (dtype or self.dtype)
  local w = self.w[key]
  if not w then w = credo.zeros({ B }, dtype or self.dtype); self.w[key] = w end
  for k = 1, B do
    local p = self.tree:get(idx[k]) / total
    w[k] = (N * p) ^ (-beta) / maxw
  end
  return idx, w
end

-- priorities p_i = (|td_i| + eps)^alpha
function PReplay:update_priorities(idx, td)
  for k = 1, idx:numel() do
    local e = math.abs(td[k]) + self.eps
    if e > self.max_priority then self.max_priority = e end
    self.tree:set(idx[k], e ^ self.alpha)
  end
end

-- ---------------------------------------------------------------------
-- epsilon-greedy

local function argmax_row(q, i, A)
  local best, bv = 1, q:get(i, 1)
  for a = 2, A do
    local v = q:get(i, a)
    if v > bv then best, bv = a, v end
  end
  return best
end

-- ---------------------------------------------------------------------
-- tabular Q-learning (Watkins & Dayan, Machine Learning 1992):
-- Q(s,a) += alpha (r + gamma (1 - done) max_a' Q(s',a') - Q(s,a))

local QL = {}
QL.__index = QL
rl.QLearning = setmetatable(QL, { __call = function(cls, ...) return cls.new(...) end })

function QL.new(opts)
  local cname = "QLearning"
  opts = check_opts(cname, opts, set { "n_states", "n_actions", "alpha", "gamma", "epsilon", "seed", "generator", "init" })
  local self = setmetatable({}, QL)
  self.n_states = opt_int(cname, opts, "n_states", nil, 1)
  self.n_actions = opt_int(cname, opts, "n_actions", nil, 1)
  if not self.n_states then fail(cname, "n_states", "required") end
  if not self.n_actions then fail(cname, "n_actions", "required") end
  self.alpha = opt_number(cname, opts, "alpha", 0.1, 0, 1)
  self.gamma = opt_number(cname, opts, "gamma", 0.99, 0, 1)
  self.epsilon = as_schedule(cname, "epsilon", opts.epsilon, 0.1)
  self.g = generator(opts)
  self.steps = 0
  local init = opt_number(cname, opts, "init", 0)
  self.Q = {}
  for s = 1, self.n_states do
    local row = {}
    for a = 1, self.n_actions do row[a] = init end
    self.Q[s] = row
  end
  return self
end

function QL:check_state(s)
  if math.type(s) ~= "integer" or s < 1 or s > self.n_states then
    error(("QLearning: state must be an integer in 1..%d, got %s"):format(self.n_states, tostring(s)), 3)
  end
end

function QL:greedy(s)
  self:check_state(s)
  local row, best = self.Q[s], 1
  for a = 2, self.n_actions do if row[a] > row[best] then best = a end end
  return best
end

function QL:act(s)
  self:check_state(s)
  local eps = self.epsilon(self.steps)
  if self.g:uniform() < eps then return self.g:integer(1, self.n_actions) end
  return self:greedy(s)
end

function QL:update(s, a, r, s2, done)
  self:check_state(s)
  if not done then self:check_state(s2) end
  if math.type(a) ~= "integer" or a < 1 or a > self.n_actions then
    error(("QLearning: action must be an integer in 1..%d, got %s"):format(self.n_actions, tostring(a)), 2)
  end
  if type(r) ~= "number" or r ~= r or r == huge or r == -huge then
    error(("QLearning: reward must be a finite number, got %s"):format(tostring(r)), 2)
  end
  local row = self.Q[s]
  local target = r
  if not done then
    local q2, m = self.Q[s2], -huge
    for b = 1, self.n_actions do if q2[b] > m then m = q2[b] end end
    target = r + self.gamma * m
  end
  row[a] = row[a] + self.alpha * (target - row[a])
  self.steps = self.steps + 1
end

-- fit_transitions(S, A, R, S2, D, {steps}): offline, uniform draws from
-- logged transitions (int64 ids; D optional)
function QL:fit_transitions(S, A, R, S2, D, opts)
  local n = A:numel()
  local steps = opts and opts.steps or 10 * n
  for _ = 1, steps do
    local i = self.g:integer(1, n)
    self:update(S[i], A[i], R[i], S2[i], D and D[i] ~= 0)
  end
  return self
end

-- fit_env(env, {steps}): online epsilon-greedy interaction
function QL:fit_env(env, opts)
  local steps = opts and opts.steps or 10000
  local s = env:reset(self.g)
  for _ = 1, steps do
    local a = self:act(s)
    local s2, r, done = env:step(a, self.g)
    self:update(s, a, r, s2, done)
    s = done and env:reset(self.g) or s2
  end
  return self
end

function QL:policy()
  local p = {}
  for s = 1, self.n_states do p[s] = self:greedy(s) end
  return p
end

function QL:q_table()
  return credo.tensor(self.Q, "float64")
end

-- ---------------------------------------------------------------------
-- DQN / Double DQN (Mnih et al., Nature 2015; van Hasselt, Guez & Silver,
-- AAAI 2016) on the native Q-network

local DQN = {}
DQN.__index = DQN
rl.DQN = setmetatable(DQN, { __call = function(cls, ...) return cls.new(...) end })

local DQN_OPTS = set { "n_states", "state_dim", "n_actions", "hidden", "double", "gamma", "lr",
  "betas", "adam_eps", "batch_size", "buffer_size", "replay", "alpha", "beta0", "beta_steps",
  "priority_eps", "tau", "target_update_every", "loss", "huber_delta", "epsilon", "seed",
  "generator", "dtype", "learning_starts" }

function DQN.new(opts, cname, extra)
  cname = cname or "DQN"
  local allowed = DQN_OPTS
  if extra then
    allowed = {}
    for k in pairs(DQN_OPTS) do allowed[k] = true end
    for k in pairs(extra) do allowed[k] = true end
  end
  opts = check_opts(cname, opts, allowed)
  local self = setmetatable({}, DQN)
  self.cname = cname
  self.n_states = opt_int(cname, opts, "n_states", nil, 1)
  self.state_dim = opt_int(cname, opts, "state_dim", nil, 1)
  if (self.n_states == nil) == (self.state_dim == nil) then
    error(cname .. ": give exactly one of n_states (one-hot state ids) and state_dim (dense states)", 2)
  end
  self.n_actions = opt_int(cname, opts, "n_actions", nil, 1)
  if not self.n_actions then fail(cname, "n_actions", "required") end
  local hidden = opts.hidden or { 64, 64 }
  if type(hidden) ~= "table" or #hidden > 7 then fail(cname, "hidden", "expected a list of up to 7 layer widths") end
  self.hidden = hidden
  self.double = opts.double
  if self.double == nil then self.double = (cname ~= "DQN") end
  self.gamma = opt_number(cname, opts, "gamma", 0.99, 0, 1)
  self.lr = opt_number(cname, opts, "lr", 1e-3, 0)
  local betas = opts.betas or { 0.9, 0.999 }
  self.betas = betas
  self.adam_eps = opt_number(cname, opts, "adam_eps", 1e-8, 0)
  self.batch_size = opt_int(cname, opts, "batch_size", 64, 1)
  self.buffer_size = opt_int(cname, opts, "buffer_size", 10000, 1)
  self.tau = opt_number(cname, opts, "tau", nil, 0, 1)
  self.target_update_every = opt_int(cname, opts, "target_update_every", nil, 1)
  if self.tau == nil and self.target_update_every == nil then self.tau = 0.005 end
  self.loss = opts.loss or "mse"
  if self.loss ~= "mse" and self.loss ~= "huber" then fail(cname, "loss", "expected 'mse' or 'huber', got %s", tostring(self.loss)) end
  self.huber_delta = opt_number(cname, opts, "huber_delta", 1.0, 0)
  self.epsilon = as_schedule(cname, "epsilon", opts.epsilon, rl.schedule.linear(1.0, 0.05, 10000))
  self.dtype = opts.dtype or "float32"
  if self.dtype ~= "float32" and self.dtype ~= "float64" then fail(cname, "dtype", "expected 'float32' or 'float64'") end
  self.learning_starts = opt_int(cname, opts, "learning_starts", self.batch_size, 1)
  self.g = generator(opts)
  local n_in = self.n_states or self.state_dim
  local sizes = { n_in }
  for _, h in ipairs(hidden) do sizes[#sizes + 1] = h end
  sizes[#sizes + 1] = self.n_actions
  self.net = C.QNet(sizes, self.dtype)
  self.net:reset(self.g)
  self.net:configure(self.gamma, betas[1], betas[2], self.adam_eps, self.loss, self.huber_delta, self.double)
  local bopts = { dtype = self.dtype }
  if self.state_dim then bopts.dim = self.state_dim else bopts.n_states = self.n_states end
  self.replay_kind = opts.replay or "uniform"
  if self.replay_kind == "uniform" then
    self.buffer = rl.ReplayBuffer(self.buffer_size, bopts)
  elseif self.replay_kind == "prioritized" then
    bopts.alpha, bopts.beta0, bopts.beta_steps, bopts.eps =
      opts.alpha, opts.beta0, opts.beta_steps, opts.priority_eps
    self.buffer = rl.PrioritizedReplay(self.buffer_size, bopts)
    self.td = credo.zeros({ self.batch_size }, "float64")
  else
    fail(cname, "replay", "expected 'uniform' or 'prioritized', got %s", tostring(opts.replay))
  end
  self.steps, self.updates = 0, 0
  return self
end

function DQN:__tostring()
  local sizes = self.net:info().sizes
  return ("%s(%s, %s, replay=%s, %s)"):format(self.cname, table.concat(sizes, " -> "),
    self.double and "double" or "vanilla", self.replay_kind,
    self.tau and ("tau=" .. self.tau) or ("hard every " .. self.target_update_every))
end

-- a state as the net's input: an int64 (1) tensor for ids, (1, d) for dense
function DQN:input(s)
  if self.n_states then
    if math.type(s) ~= "integer" or s < 1 or s > self.n_states then
      error(("%s: state must be an integer in 1..%d, got %s"):format(self.cname, self.n_states, tostring(s)), 3)
    end
    self.in1 = self.in1 or credo.zeros({ 1 }, "int64")
    self.in1[1] = s
    return self.in1
  end
  if not credo.is_tensor(s) or s:numel() ~= self.state_dim then
    error(("%s: state must be a tensor of %d values"):format(self.cname, self.state_dim), 3)
  end
  return s:reshape(1, self.state_dim):type(self.dtype):contiguous()
end

-- q_values(states [, "target"]): (N, A) for a tensor of ids (N) or rows (N, d)
function DQN:q_values(states, which)
  if self.n_states then
    if not credo.is_tensor(states) or states:dtype() ~= "int64" or states:dim() ~= 1 then
      error(("%s: q_values expects a 1-d int64 tensor of state ids"):format(self.cname), 2)
    end
  elseif not credo.is_tensor(states) or states:dim() ~= 2 or states:size(2) ~= self.state_dim then
    error(("%s: q_values expects states of shape (N, %d)"):format(self.cname, self.state_dim), 2)
  end
  return self.net:forward(states:contiguous(), which)
end

function DQN:greedy(s)
  local q = self.net:forward(self:input(s))
  return argmax_row(q, 1, self.n_actions)
end

function DQN:epsilon_at(_) return self.epsilon(self.steps) end

-- epsilon-greedy action (1-based)
function DQN:act(s, eps)
  eps = eps or self:epsilon_at(s)
  if self.g:uniform() < eps then
    self:input(s)
    return self.g:integer(1, self.n_actions)
  end
  return self:greedy(s)
end

function DQN:remember(s, a, r, s2, done)
  if math.type(a) ~= "integer" or a < 1 or a > self.n_actions then
    error(("%s: action must be an integer in 1..%d, got %s"):format(self.cname, self.n_actions, tostring(a)), 2)
  end
  self.buffer:add(s, a, r, s2, done)
end

-- one gradient step from a replayed batch; returns the loss
function DQN:learn(lr)
  local buf = self.buffer
  local idx, w = buf:sample(self.batch_size, self.g)
  local td = w and self.td or nil
  local loss = self.net:train_step(buf.S, buf.A, buf.R, buf.S2, buf.D, idx, w, lr or self.lr,
    self.tau or 0, td)
  if td then buf:update_priorities(idx, td) end
  self.updates = self.updates + 1
  if self.target_update_every and self.updates % self.target_update_every == 0 then
    self.net:hard_update()
  end
  return loss
end

-- train(steps): offline gradient steps on what the buffer holds
function DQN:train(steps)
  local loss
  for _ = 1, steps do loss = self:learn() end
  return loss
end

-- the learning rate and exploration rate at this step (Pre-DDQN overrides)
function DQN:rates(_) return self.lr, self.epsilon(self.steps) end

-- fit_env(env, {steps, learn_every = 1}): epsilon-greedy interaction with
-- an environment (env:reset(g) -> s; env:step(a, g) -> s2, r, done),
-- storing every transition and learning once the buffer holds
-- learning_starts transitions.  Returns the mean loss of the last 100 steps.
function DQN:fit_env(env, opts)
  opts = opts or {}
  local steps = opts.steps or 10000
  local every = opts.learn_every or 1
  local s = env:reset(self.g)
  local losses, k = {}, 0
  for _ = 1, steps do
    local lr, eps = self:rates(s)
    local a = self:act(s, eps)
    local s2, r, done = env:step(a, self.g)
    self:remember(s, a, r, s2, done)
    self.steps = self.steps + 1
    if self.buffer.n >= math.max(self.learning_starts, self.batch_size) and self.steps % every == 0 then
      k = k % 100 + 1
      losses[k] = self:learn(lr)
    end
    s = done and env:reset(self.g) or s2
  end
  local sum = 0
  for _, l in ipairs(losses) do sum = sum + l end
  return #losses > 0 and sum / #losses or nil
end

-- greedy policy over every state id (one-hot agents): a Lua list
function DQN:policy()
  if not self.n_states then error(self.cname .. ": policy() needs state ids (n_states)", 2) end
  local q = self.net:forward(credo.arange(1, self.n_states + 1))
  local p = {}
  for s = 1, self.n_states do p[s] = argmax_row(q, s, self.n_actions) end
  return p
end

-- the online network as a credo.nn.Sequential (Linear/ReLU), weights copied
function DQN:to_module()
  local nn = credo.nn
  local sizes = self.net:info().sizes
  local params = self.net:params("online")
  local seq = nn.Sequential()
  for l = 1, #sizes - 1 do
    local lin = nn.Linear(sizes[l], sizes[l + 1], { dtype = self.dtype })
    lin.weight:copy(params[2 * l - 1]); lin.bias:copy(params[2 * l])
    seq:add(lin)
    if l < #sizes - 1 then seq:add(nn.ReLU()) end
  end
  return seq
end

rl.DoubleDQN = function(opts)
  opts = opts or {}
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  if o.double == nil then o.double = true end
  return DQN.new(o, "DoubleDQN")
end

-- ---------------------------------------------------------------------
-- Pre-DDQN (nerhf.txt, "Pre-DDQN algorithm"): Double DQN with prioritised
-- replay whose learning rate and exploration rate at step t follow a
-- predicted repay (yhat = 1) / default (yhat = 0) signal for the state the
-- agent is in:
--   alpha_t = alpha0 (1 + eta_inc)   if yhat_t = 1,  alpha0 (1 - eta_dec)  if 0
--   eps_t   = min(eps_max, eps0 (1 + phi_inc)) if 1,  eps0 (1 - phi_dec)   if 0

local PRE_OPTS = set { "predict", "alpha0", "eta_inc", "eta_dec", "epsilon0", "phi_inc", "phi_dec", "epsilon_max" }

function rl.PreDDQN(opts)
  local cname = "PreDDQN"
  opts = opts or {}
  local o = {}
  for k, v in pairs(opts) do if not PRE_OPTS[k] then o[k] = v end end
  if o.double == nil then o.double = true end
  if o.replay == nil then o.replay = "prioritized" end
  for k in pairs(opts) do
    if not PRE_OPTS[k] and not DQN_OPTS[k] then error(("%s: unknown option '%s'"):format(cname, tostring(k)), 2) end
  end
  local alpha0 = opt_number(cname, opts, "alpha0", 1e-3, 0)
  o.lr = alpha0
  local self = DQN.new(o, cname)
  self.alpha0 = alpha0
  self.eta_inc = opt_number(cname, opts, "eta_inc", 0.1, 0)
  self.eta_dec = opt_number(cname, opts, "eta_dec", 0.1, 0, 1)
  self.epsilon0 = opt_number(cname, opts, "epsilon0", 0.1, 0, 1)
  self.phi_inc = opt_number(cname, opts, "phi_inc", 0.1, 0)
  self.phi_dec = opt_number(cname, opts, "phi_dec", 0.1, 0, 1)
  self.epsilon_max = opt_number(cname, opts, "epsilon_max", 0.5, 0, 1)
  local predict = opts.predict
  if type(predict) == "table" then
    local tbl = predict
    predict = function(s) return tbl[s] end
  elseif type(predict) ~= "function" then
    fail(cname, "predict", "expected a function of the state (or a table by state id) giving 1 (repay) or 0 (default)")
  end
  self.predict = predict
  self.rates = function(me, s)
    local y = me.predict(s)
    if y == true then y = 1 elseif y == false then y = 0 end
    if y ~= 0 and y ~= 1 then
      error(("%s: predict(state) must give 1 (repay) or 0 (default), got %s"):format(cname, tostring(y)), 3)
    end
    if y == 1 then
      local e = me.epsilon0 * (1 + me.phi_inc)
      return me.alpha0 * (1 + me.eta_inc), e < me.epsilon_max and e or me.epsilon_max
    end
    return me.alpha0 * (1 - me.eta_dec), me.epsilon0 * (1 - me.phi_dec)
  end
  return self
end

-- ---------------------------------------------------------------------
-- offline environment from logged loan records (nerhf.txt, "DRL modelling")

local Env = {}
Env.__index = Env
rl.OfflineEnv = setmetatable(Env, { __call = function(cls, ...) return cls.new(...) end })

local function column(X, j)
  return X:select(2, j):contiguous():double()
end

-- tertile cut points of a column: the 1/3 and 2/3 quantiles (linear
-- interpolation between order statistics, numpy's default)
local function tertiles(x)
  local v = {}
  for i = 1, x:numel() do v[i] = x[i] end
  table.sort(v)
  local n = #v
  local function q(p)
    local h = (n - 1) * p + 1
    local lo = floor(h)
    local hi = lo < n and lo + 1 or lo
    return v[lo] + (h - lo) * (v[hi] - v[lo])
  end
  return { q(1 / 3), q(2 / 3) }
end

-- OfflineEnv(X, y, {state_cols = {1, 2, 3, 4}, action_col = 5, min_count = 1})
-- X (n, k) numeric indicators in time order, y (n) 1 repaid / 0 default.
function Env.new(X, y, opts)
  local cname = "OfflineEnv"
  opts = check_opts(cname, opts, set { "state_cols", "action_col", "min_count", "cuts" })
  if not credo.is_tensor(X) or X:dim() ~= 2 then error(cname .. ": bad argument #1 (X must be a 2-d tensor)", 2) end
  if not credo.is_tensor(y) or y:numel() ~= X:size(1) then
    error(cname .. ": bad argument #2 (y must hold one label per row of X)", 2)
  end
  if X:size(1) < 2 then error(cname .. ": bad argument #1 (X needs at least 2 rows: a transition)", 2) end
  local self = setmetatable({}, Env)
  self.state_cols = opts.state_cols or { 1, 2, 3, 4 }
  self.action_col = opts.action_col or 5
  self.min_count = opt_int(cname, opts, "min_count", 1, 1)
  if type(self.state_cols) ~= "table" or #self.state_cols == 0 then
    fail(cname, "state_cols", "must be a non-empty list of column numbers")
  end
  local k = #self.state_cols
  -- 3^k tertile states: past 10 columns (59,049 states) the tables would not fit
  if k > 10 then fail(cname, "state_cols", "lists %d columns (at most 10: 3^k states)", k) end
  if math.type(self.action_col) ~= "integer" or self.action_col < 1 or self.action_col > X:size(2) then
    fail(cname, "action_col", "column %s out of range 1..%d", tostring(self.action_col), X:size(2))
  end
  local seen = {}
  for _, c in ipairs(self.state_cols) do
    if seen[c] then fail(cname, "state_cols", "lists column %s twice", tostring(c)) end
    seen[c] = true
  end
  local yl = y:reshape(y:numel()):totable()
  for i = 1, #yl do
    local v = yl[i]
    if v ~= 0 and v ~= 1 then
      error(("%s: bad argument #2 (y must hold 1 repaid / 0 default, found %s at row %d)"):format(
        cname, tostring(v), i), 2)
    end
  end
  self.n_states = 3 ^ k // 1
  self.n_actions = 3
  self.cuts = opts.cuts or {}
  for j, c in ipairs(self.state_cols) do
    if math.type(c) ~= "integer" or c < 1 or c > X:size(2) then
      fail(cname, "state_cols", "column %s out of range 1..%d", tostring(c), X:size(2))
    end
    if not opts.cuts then
      self.cuts[j] = tertiles(column(X, c))
    else
      local cut = self.cuts[j]
      if type(cut) ~= "table" or type(cut[1]) ~= "number" or type(cut[2]) ~= "number"
         or cut[1] ~= cut[1] or cut[2] ~= cut[2] or cut[1] > cut[2] then
        fail(cname, "cuts", "entry %d must be {c1, c2} with c1 <= c2 (numbers, not NaN)", j)
      end
    end
  end
  self:build(X, y)
  return self
end

-- state ids (1-based) of the rows of X with the fitted cut points:
-- level 0 if x <= c1, 1 if c1 < x <= c2, 2 above; id = 1 + sum level_j 3^(j-1)
function Env:states(X)
  local n = X:size(1)
  local ids = credo.ones({ n }, "int64")
  local cols = {}
  for j, c in ipairs(self.state_cols) do cols[j] = column(X, c) end
  for i = 1, n do
    local id, mul = 1, 1
    for j = 1, #cols do
      local x, cut = cols[j][i], self.cuts[j]
      if x ~= x then error(("OfflineEnv: NaN in indicator column %d, row %d"):format(self.state_cols[j], i), 3) end
      local lvl = x <= cut[1] and 0 or (x <= cut[2] and 1 or 2)
      id = id + lvl * mul
      mul = mul * 3
    end
    ids[i] = id
  end
  return ids
end

-- actions from the change of the action column: 1 no change, 2 decrease,
-- 3 increase (the paper's 0, 1, 2 plus one); the first row has none (0)
function Env:actions(X)
  local x = column(X, self.action_col)
  local n = x:numel()
  local a = credo.zeros({ n }, "int64")
  for i = 2, n do
    local d = x[i] - x[i - 1]
    a[i] = d > 0 and 3 or (d < 0 and 2 or 1)
  end
  return a
end

function Env:build(X, y)
  local s, a = self:states(X), self:actions(X)
  local n = s:numel()
  local count = {}
  for i = 1, n do count[s[i]] = (count[s[i]] or 0) + 1 end
  self.count = count
  self.eligible = {}
  for st = 1, self.n_states do self.eligible[st] = (count[st] or 0) >= self.min_count end
  -- transitions t = 2..n: (s_t, a_t, r_t, s_{t+1}); the last is terminal,
  -- as is one whose next state is not eligible
  local S, A, R, S2, D = {}, {}, {}, {}, {}
  for t = 2, n do
    if self.eligible[s[t]] then
      local m = #S + 1
      S[m], A[m], R[m] = s[t], a[t], y[t] ~= 0 and 1 or 0
      if t < n and self.eligible[s[t + 1]] then
        S2[m], D[m] = s[t + 1], 0
      else
        S2[m], D[m] = s[t], 1
      end
    end
  end
  if #S == 0 then error("OfflineEnv: no transition left (every state has fewer than min_count records)", 3) end
  self.S = credo.tensor(S, "int64"); self.A = credo.tensor(A, "int64")
  self.R = credo.tensor(R, "float32"); self.S2 = credo.tensor(S2, "int64")
  self.D = credo.tensor(D, "float32")
  -- index of transitions by state and by (state, action)
  self.by_state, self.by_sa = {}, {}
  for i = 1, #S do
    local st, ac = S[i], A[i]
    local l = self.by_state[st] or {}; l[#l + 1] = i; self.by_state[st] = l
    local key = st * 4 + ac
    local m = self.by_sa[key] or {}; m[#m + 1] = i; self.by_sa[key] = m
  end
  self.n_transitions = #S
end

-- the logged transitions as tensors: S, A, R, S2, D
function Env:transitions()
  return self.S, self.A, self.R, self.S2, self.D
end

-- simulator over the logged data: reset draws a logged transition's state;
-- step(a) draws a logged transition with (s, a) (or, when the pair was
-- never logged, any of state s) and returns its s', r, done
function Env:reset(g)
  self.cur = self.S[g:integer(1, self.n_transitions)]
  return self.cur
end

function Env:step(a, g)
  local l = self.by_sa[self.cur * 4 + a] or self.by_state[self.cur]
  local i = l[g:integer(1, #l)]
  local s2, r, done = self.S2[i], self.R[i], self.D[i] ~= 0
  self.cur = s2
  return s2, r, done
end

-- ---------------------------------------------------------------------
-- off-policy evaluation (Horvitz & Thompson 1952; Swaminathan & Joachims
-- 2015 for the self-normalised form)

-- policy -> function(s, a) giving pi_e(a | s): a list/tensor of actions by
-- state (deterministic), an (n_states, n_actions) probability tensor, or a
-- function(s, a)
local function policy_prob(pi)
  if type(pi) == "function" then return pi end
  if credo.is_tensor(pi) and pi:dim() == 2 then
    return function(s, a) return pi:get(s, a) end
  end
  if credo.is_tensor(pi) or type(pi) == "table" then
    return function(s, a) return pi[s] == a and 1 or 0 end
  end
  error("ips: policy must be a list of actions by state, an (n_states, n_actions) probability tensor, or a function(s, a)", 3)
end

local function percentile(v, p)
  local n = #v
  local h = (n - 1) * p + 1
  local lo = floor(h)
  local hi = lo < n and lo + 1 or lo
  return v[lo] + (h - lo) * (v[hi] - v[lo])
end

-- ips(policy, S, A, R, {behavior = 1/3 | function(s, a), n_actions,
-- bootstrap = 1000, level = 0.95, seed = 0}) ->
-- {ips, snips, ips_ci = {lo, hi}, snips_ci = {lo, hi}, n}
function rl.ips(policy, S, A, R, opts)
  opts = check_opts("ips", opts, set { "behavior", "n_actions", "bootstrap", "level", "seed", "generator" })
  local pe = policy_prob(policy)
  local n = A:numel()
  if n < 1 or S:numel() ~= n or R:numel() ~= n then
    error("ips: S, A and R must hold the same positive number of records", 2)
  end
  local pb = opts.behavior
  if pb == nil then
    if not opts.n_actions then error("ips: give n_actions (uniform behaviour policy) or behavior", 2) end
    if math.type(opts.n_actions) ~= "integer" or opts.n_actions < 1 then
      error(("ips: n_actions must be an integer >= 1, got %s"):format(tostring(opts.n_actions)), 2)
    end
    pb = 1 / opts.n_actions
  elseif type(pb) ~= "function" and not (type(pb) == "number" and pb > 0 and pb <= 1) then
    error(("ips: behavior must be a probability in (0, 1] or a function(s, a), got %s"):format(tostring(pb)), 2)
  end
  local pbf = type(pb) == "function" and pb or function() return pb end
  local rho = credo.zeros({ n }, "float64")
  local rhor = credo.zeros({ n }, "float64")
  local sw, swr = 0, 0
  for i = 1, n do
    local s, a, r = S[i], A[i], R[i]
    local b = pbf(s, a)
    if not (b > 0 and b <= 1) then
      error(("ips: behaviour probability of record %d is %s (must be in (0, 1])"):format(i, tostring(b)), 2)
    end
    if r ~= r or r == huge or r == -huge then
      error(("ips: reward of record %d is %s (must be finite)"):format(i, tostring(r)), 2)
    end
    local p = pe(s, a)
    if type(p) ~= "number" or not (p >= 0 and p <= 1) then
      error(("ips: policy probability of record %d is %s (must be in [0, 1])"):format(i, tostring(p)), 2)
    end
    local w = p / b
    rho[i], rhor[i] = w, w * r
    sw, swr = sw + w, swr + w * r
  end
  local res = { ips = swr / n, snips = sw > 0 and swr / sw or 0, n = n }
  local B = opt_int("ips", opts, "bootstrap", 1000, 0)
  local level = opt_number("ips", opts, "level", 0.95, 0, 1, true)
  if B > 0 then
    -- percentile bootstrap (Efron 1979): resample the records B times
    local g = generator(opts)
    local bi, bs = {}, {}
    for b = 1, B do
      local draw = g:bootstrap(n)
      local w = rho:index_select(1, draw):sum()
      local wr = rhor:index_select(1, draw):sum()
      bi[b], bs[b] = wr / n, w > 0 and wr / w or 0
    end
    table.sort(bi); table.sort(bs)
    local lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    res.ips_ci = { percentile(bi, lo), percentile(bi, hi) }
    res.snips_ci = { percentile(bs, lo), percentile(bs, hi) }
  end
  return res
end

-- the uniformly random policy over n_actions (the baseline): pi(a|s) = 1/A
function rl.random_policy(n_actions)
  return function() return 1 / n_actions end
end

return rl
