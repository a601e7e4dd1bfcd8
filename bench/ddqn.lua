-- bench/ddqn.lua: the credo side of peers/ddqn_torch.py: Double DQN on a
-- toy offline MDP.  81 states fed as one-hot float rows (dense (N, 81)
-- inputs, exactly the peer's tensors), 3 actions; reward r(s,a) in {0,1}
-- (P = 1/2) and next state s'(s,a) from fixed random tables (seed 7),
-- never terminal.  Replay buffer: 10,000 uniformly random (s, a, r, s')
-- transitions.  Q-net 81 -> 64 -> 64 -> 3 (ReLU), Adam lr 1e-3, gamma 0.9,
-- batch 64, MSE, Double-DQN target r + gamma Q_target(s', argmax_a
-- Q_online(s', a)), soft update tau = 0.01 after every gradient step.
-- Timed: 20,000 gradient steps (uniform minibatch sampling + forward +
-- backward + Adam + soft update, each step one agent:learn()), after a
-- 200-step warm-up on a throwaway agent, as the peer.  Quality: mean
-- |Q - Q*| over all (s, a), Q* by 500 sweeps of value iteration, and
-- greedy-policy agreement with the optimal policy.  The random tables come
-- from credo's generator, not numpy's, so Q* differs from the peer's (its
-- mean is reported as q_star_mean by both).  policy_agreement compares
-- argmaxes as the peer does (first maximum on ties); with 0/1 rewards many
-- states have exactly tied optimal actions (31 of 81 here), so
-- policy_optimal also counts a greedy action whose Q* is maximal.  Also
-- reported, not timed into `seconds`: the same run with the states given as
-- int64 ids (the native one-hot first layer), as `seconds_state_ids`.
local credo = require "credo"
local B = require "bench.common"
local rl = credo.rl

local S, A, GAMMA, TAU, BATCH, STEPS, BUF = 81, 3, 0.9, 0.01, 64, 20000, 10000

local g = credo.Generator(7)
local R = credo.zeros({ S, A }, "float32")
local NS = credo.zeros({ S, A }, "int64")
for s = 1, S do
  for a = 1, A do
    R:set(s, a, g:uniform() < 0.5 and 1 or 0)
    NS:set(s, a, g:integer(1, S))
  end
end
local s_ids = credo.randint(1, S, BUF, { generator = g })
local a_ids = credo.randint(1, A, BUF, { generator = g })
local r = credo.zeros({ BUF }, "float32")
local s2_ids = credo.zeros({ BUF }, "int64")
for i = 1, BUF do
  local s, a = s_ids[i], a_ids[i]
  r[i] = R:get(s, a)
  s2_ids[i] = NS:get(s, a)
end
local eye = credo.eye(S)
local s_oh = eye:index_select(1, s_ids):contiguous()
local s2_oh = eye:index_select(1, s2_ids):contiguous()

-- Q* by value iteration
local Qs = {}
for s = 1, S do Qs[s] = { 0, 0, 0 } end
for _ = 1, 500 do
  local V = {}
  for s = 1, S do V[s] = math.max(Qs[s][1], Qs[s][2], Qs[s][3]) end
  for s = 1, S do
    for a = 1, A do Qs[s][a] = R:get(s, a) + GAMMA * V[NS:get(s, a)] end
  end
end

local function agent(seed, ids)
  local opts = { n_actions = A, hidden = { 64, 64 }, gamma = GAMMA, lr = 1e-3, batch_size = BATCH,
    buffer_size = BUF, tau = TAU, loss = "mse", seed = seed }
  if ids then opts.n_states = S else opts.state_dim = S end
  local ag = rl.DoubleDQN(opts)
  local d = credo.zeros({ BUF }, "float32")
  local buf = ag.buffer
  if ids then buf.S:copy(s_ids); buf.S2:copy(s2_ids) else buf.S:copy(s_oh); buf.S2:copy(s2_oh) end
  buf.A:copy(a_ids); buf.R:copy(r); buf.D:copy(d)
  buf.n, buf.pos = BUF, 0
  return ag
end

local function run(ids)
  agent(0, ids):train(200)                      -- warm-up, thrown away
  collectgarbage()
  local ag = agent(1, ids)
  local losses = {}
  local t0 = B.clock()
  for k = 1, STEPS do losses[k] = ag:learn() end
  local secs = B.clock() - t0
  local Q = ids and ag:q_values(credo.arange(1, S + 1)) or ag:q_values(eye)
  local mae, agree, qsm, optimal = 0, 0, 0, 0
  for s = 1, S do
    local best, bq = 1, Qs[s][1]
    for a = 2, A do if Qs[s][a] > bq then best, bq = a, Qs[s][a] end end
    local gb, gq = 1, Q:get(s, 1)
    for a = 1, A do
      mae = mae + math.abs(Q:get(s, a) - Qs[s][a])
      qsm = qsm + Qs[s][a]
      if Q:get(s, a) > gq then gb, gq = a, Q:get(s, a) end
    end
    if gb == best then agree = agree + 1 end
    if Qs[s][gb] >= bq - 1e-9 then optimal = optimal + 1 end
  end
  local tail = 0
  for k = STEPS - 999, STEPS do tail = tail + losses[k] end
  return secs, { loss = tail / 1000, q_mae = mae / (S * A), policy_agreement = agree / S,
    policy_optimal = optimal / S,
    q_star_mean = qsm / (S * A) }
end

local secs_ids = run(true)
local secs, q = run(false)
q.steps_per_second = STEPS / secs
q.seconds_state_ids = secs_ids
B.emit("ddqn_20k_steps", secs, q)
