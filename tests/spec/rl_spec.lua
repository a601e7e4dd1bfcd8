-- credo.rl: the sum tree and replay buffers, the native Q-network step
-- against PyTorch 1.13 (tests/fixtures/rl_torch.json, made by
-- bench/peers/make_rl_fixtures.py; tolerances 1e-6 in float64 and 1e-5 in
-- float32, |a - b| <= tol * max(1, |b|)), Double DQN and Q-learning on
-- problems with known optimal policies, Pre-DDQN's rates, the offline
-- environment, inverse propensity scoring, reproducibility and errors.
local credo = require "credo"
local json = require "json"
local rl = credo.rl
local core = require("credo.core").rl_core

local function list(a)
  local t = {}
  for i = 1, a.n or #a do t[i] = a[i] end
  return t
end

local function errmsg(fn)
  local ok, err = pcall(fn)
  assert.is_false(ok)
  return tostring(err)
end

describe("credo.rl", function()
  describe("SumTree", function()
    it("keeps sums, minimum and prefix-sum lookups", function()
      local t = core.SumTree(5)
      local p = { 1.0, 0.0, 2.5, 0.5, 3.0 }
      for i, v in ipairs(p) do t:set(i, v) end
      assert.are.equal(7.0, t:total())
      assert.are.equal(0.5, t:min())
      assert.are.equal(2.5, t:get(3))
      assert.are.equal(1, t:find(0.99))
      assert.are.equal(3, t:find(1.0))       -- the empty leaf 2 is skipped
      assert.are.equal(5, t:find(7.0))
      assert.are.equal(5, #t)
    end)

    -- Chi-square goodness of fit: 8 leaves with positive priorities, df 7,
    -- critical value 24.322 at the 0.001 level, seed 3; 40,000 draws in
    -- stratified batches of 40.
    it("samples leaves with frequencies proportional to priorities", function()
      local p = { 0.5, 1.0, 0.0, 2.0, 4.0, 0.25, 3.0, 0.0, 1.5, 0.75 }
      local t = core.SumTree(#p)
      for i, v in ipairs(p) do t:set(i, v) end
      local g = credo.Generator(3)
      local count = {}
      for i = 1, #p do count[i] = 0 end
      local draws = 0
      for _ = 1, 1000 do
        local idx = t:sample(40, g)
        for k = 1, 40 do count[idx[k]] = count[idx[k]] + 1 end
        draws = draws + 40
      end
      local x2, total = 0, t:total()
      for i = 1, #p do
        if p[i] == 0 then
          assert.are.equal(0, count[i])
        else
          local e = draws * p[i] / total
          x2 = x2 + (count[i] - e) ^ 2 / e
        end
      end
      assert.is_true(x2 < 24.322, "chi-square " .. x2)
    end)

    it("errors on bad indices and priorities", function()
      local t = core.SumTree(3)
      assert.matches("index 4 out of range 1..3", errmsg(function() t:set(4, 1) end))
      assert.matches("priority must be a finite number >= 0", errmsg(function() t:set(1, -1) end))
      assert.matches("every priority is 0", errmsg(function() t:sample(2, credo.Generator(1)) end))
    end)
  end)

  describe("PrioritizedReplay", function()
    it("gives new transitions the largest priority and weights normalised by the max", function()
      local b = rl.PrioritizedReplay(8, { n_states = 4, alpha = 0.5, beta0 = 0.4, beta_steps = 10 })
      for i = 1, 6 do b:add(1 + i % 4, 1, 0, 1, false) end
      assert.are.equal(6 * 1.0, b.tree:total())
      local idx = credo.tensor({ 1, 2 }, "int64")
      b:update_priorities(idx, credo.tensor({ 3.0, 0.0 }, "float64"))
      assert.near((3 + 1e-6) ^ 0.5, b.tree:get(1), 1e-12)
      assert.near((1e-6) ^ 0.5, b.tree:get(2), 1e-15)  -- never zero
      b:add(2, 1, 0, 1, false)                          -- max priority so far
      assert.near((3 + 1e-6) ^ 0.5, b.tree:get(7), 1e-12)
      local _, w = b:sample(4, credo.Generator(1))
      for k = 1, 4 do assert.is_true(w[k] > 0 and w[k] <= 1 + 1e-6) end
      -- beta anneals linearly to 1 and stays there
      for _ = 1, 20 do b:sample(2, credo.Generator(2)) end
      assert.are.equal(1, b:beta())
    end)

    it("errors on a batch larger than the buffer", function()
      local b = rl.ReplayBuffer(10, { n_states = 3 })
      b:add(1, 1, 0, 2, false)
      assert.matches("batch size 4 is larger than the 1 transitions stored",
        errmsg(function() b:sample(4, credo.Generator(1)) end))
    end)
  end)

  describe("native training step", function()
    local fx = json.read("tests/fixtures/rl_torch.json")
    local worst = { float32 = 0, float64 = 0 }

    local function params_list(flat, sizes, dtype)
      local out = {}
      for l = 1, #sizes - 1 do
        out[2 * l - 1] = credo.tensor(list(flat[2 * l - 1]), dtype):reshape(sizes[l + 1], sizes[l])
        out[2 * l] = credo.tensor(list(flat[2 * l]), dtype)
      end
      return out
    end

    local function diff(tensors, flat)
      local err = 0
      for k, t in ipairs(tensors) do
        local f = t:contiguous():reshape(-1)
        local want = list(flat[k])
        for i = 1, #want do
          err = math.max(err, math.abs(f[i] - want[i]) / math.max(1, math.abs(want[i])))
        end
      end
      return err
    end

    for _, c in ipairs(list(fx.cases)) do
      it("matches PyTorch: " .. c.name, function()
        local sizes, dt = list(c.sizes), c.dtype
        local nin = sizes[1]
        local q = core.QNet(sizes, dt)
        q:configure(c.gamma, c.betas[1], c.betas[2], c.eps, c.loss, c.delta, c.double)
        q:set_params(params_list(c.online0, sizes, dt), "online")
        q:set_params(params_list(c.target0, sizes, dt), "target")
        local N = #list(c.A)
        local S = credo.tensor(list(c.S), dt):reshape(N, nin)
        local S2 = credo.tensor(list(c.S2), dt):reshape(N, nin)
        local A = credo.tensor(list(c.A), "int64")
        local R = credo.tensor(list(c.R), dt)
        local D = credo.tensor(list(c.D), dt)
        local idx = credo.tensor(list(c.idx), "int64")
        local w = type(c.w) == "table" and #list(c.w) > 0 and credo.tensor(list(c.w), dt) or nil
        local td = credo.zeros({ idx:numel() }, "float64")
        local tol = dt == "float64" and 1e-6 or 1e-5
        local err = 0
        for _, st in ipairs(list(c.steps)) do
          local loss = q:compute_grad(S, A, R, S2, D, idx, w, td)
          err = math.max(err, math.abs(loss - st.loss) / math.max(1, math.abs(st.loss)))
          err = math.max(err, diff({ td }, { st.td }))
          err = math.max(err, diff(q:params("grad"), st.grads))
          q:adam(c.lr)
          q:soft_update(c.tau)
          err = math.max(err, diff(q:params("online"), st.online))
          err = math.max(err, diff(q:params("target"), st.target))
        end
        worst[dt] = math.max(worst[dt], err)
        assert.is_true(err <= tol, ("largest difference %.3g"):format(err))
      end)
    end

    it("the fused train_step equals its pieces", function()
      local c = list(fx.cases)[1]
      local sizes = list(c.sizes)
      local function net()
        local q = core.QNet(sizes, "float64")
        q:configure(c.gamma, 0.9, 0.999, 1e-8, "mse", 1, true)
        q:reset(credo.Generator(4))
        return q
      end
      local a, b = net(), net()
      local N = #list(c.A)
      local S = credo.tensor(list(c.S), "float64"):reshape(N, sizes[1])
      local A = credo.tensor(list(c.A), "int64")
      local R = credo.tensor(list(c.R), "float64")
      local idx = credo.tensor(list(c.idx), "int64")
      local l1 = a:train_step(S, A, R, S, nil, idx, nil, 0.01, 0.1)
      local l2 = b:compute_grad(S, A, R, S, nil, idx, nil)
      b:adam(0.01); b:soft_update(0.1)
      assert.are.equal(l1, l2)
      assert.are.equal(0, diff(a:params("target"), (function()
        local t = {}
        for k, p in ipairs(b:params("target")) do t[k] = p:reshape(-1) end
        return t
      end)()))
      print(("\n  rl fixture: largest difference float64 %.3g, float32 %.3g"):format(
        worst.float64, worst.float32))
    end)

    it("errors on bad replay arrays", function()
      local q = core.QNet({ 3, 4, 2 })
      local S = credo.zeros(5, 3)
      local A = credo.ones({ 5 }, "int64")
      local R = credo.zeros(5)
      local idx = credo.tensor({ 1, 6 }, "int64")
      assert.matches("index 6 out of range 1..5", errmsg(function()
        q:train_step(S, A, R, S, nil, idx, nil, 0.1, 0.1) end))
      assert.matches("states must be %(N, 3%)", errmsg(function()
        q:train_step(credo.zeros(5, 2), A, R, credo.zeros(5, 2), nil, idx, nil, 0.1, 0.1) end))
      A[1] = 3
      assert.matches("action 3 out of range 1..2", errmsg(function()
        q:train_step(S, A, R, S, nil, credo.tensor({ 1 }, "int64"), nil, 0.1, 0.1) end))
      assert.matches("gamma must be in %[0, 1%]", errmsg(function()
        q:configure(1.5, 0.9, 0.999, 1e-8, "mse", 1, true) end))
    end)
  end)

  -- a deterministic chain: states 1..5, action 2 moves right, action 1
  -- left (state 1 stays); moving right from 5 gives reward 1 and ends the
  -- episode; every other reward is 0.  Optimal: always right.
  local CHAIN = 5
  local function chain_step(s, a)
    if a == 2 then
      if s == CHAIN then return s, 1, true end
      return s + 1, 0, false
    end
    return math.max(1, s - 1), 0, false
  end
  local chain_env = {
    reset = function(self) self.s = 1; return 1 end,
    step = function(self, a)
      local s2, r, done = chain_step(self.s, a)
      self.s = s2
      return s2, r, done
    end,
  }

  local function fill_chain(agent, reps)
    for _ = 1, reps do
      for s = 1, CHAIN do
        for a = 1, 2 do
          local s2, r, done = chain_step(s, a)
          agent:remember(s, a, r, s2, done)
        end
      end
    end
  end

  describe("DoubleDQN", function()
    it("recovers the optimal policy of a deterministic chain", function()
      local ag = rl.DoubleDQN { n_states = CHAIN, n_actions = 2, hidden = { 16 }, gamma = 0.9,
        lr = 5e-3, batch_size = 32, buffer_size = 200, tau = 0.05, seed = 1 }
      fill_chain(ag, 20)
      ag:train(1500)
      local pol = ag:policy()
      for s = 1, CHAIN do assert.are.equal(2, pol[s]) end
      -- Q close to Q*(s, right) = 0.9^(5 - s)
      local q = ag:q_values(credo.arange(1, CHAIN + 1))
      for s = 1, CHAIN do assert.near(0.9 ^ (CHAIN - s), q:get(s, 2), 0.05) end
    end)

    it("recovers the best actions of a contextual bandit (prioritised replay, Huber, hard updates)", function()
      local best = { 3, 1, 2, 2, 1, 3 }
      local ag = rl.DoubleDQN { n_states = 6, n_actions = 3, hidden = { 32, 32 }, gamma = 0.5,
        lr = 3e-3, batch_size = 32, buffer_size = 2000, replay = "prioritized", beta_steps = 1000,
        target_update_every = 50, loss = "huber", seed = 2 }
      local g = credo.Generator(9)
      for _ = 1, 1500 do
        local s, a = g:integer(1, 6), g:integer(1, 3)
        local p = a == best[s] and 0.8 or 0.3
        ag:remember(s, a, g:uniform() < p and 1 or 0, s, true)
      end
      ag:train(1500)
      local pol = ag:policy()
      for s = 1, 6 do assert.are.equal(best[s], pol[s]) end
    end)

    it("learns online from an environment with epsilon-greedy exploration", function()
      local ag = rl.DoubleDQN { n_states = CHAIN, n_actions = 2, hidden = { 16 }, gamma = 0.9,
        lr = 5e-3, batch_size = 16, buffer_size = 2000, tau = 0.05, seed = 3,
        epsilon = { kind = "exponential", start = 1.0, stop = 0.1, decay = 0.998 } }
      ag:fit_env(chain_env, { steps = 2500 })
      local pol = ag:policy()
      for s = 1, CHAIN do assert.are.equal(2, pol[s]) end
    end)

    local function train_bits(seed, threads)
      local keep = credo.threads()
      credo.threads(threads)
      local ag = rl.DoubleDQN { n_states = CHAIN, n_actions = 2, hidden = { 64, 64 }, gamma = 0.9,
        batch_size = 64, buffer_size = 100, replay = "prioritized", seed = seed }
      fill_chain(ag, 10)
      ag:train(50)
      credo.threads(keep)
      return ag.net:params("online")
    end

    it("gives the same bits for the same seed, at 1 and 2 threads", function()
      local a, b, c = train_bits(5, 1), train_bits(5, 2), train_bits(6, 1)
      local same, differ = true, false
      for k = 1, #a do
        local x, y, z = a[k]:reshape(-1), b[k]:reshape(-1), c[k]:reshape(-1)
        for i = 1, x:numel() do
          if x[i] ~= y[i] then same = false end
          if x[i] ~= z[i] then differ = true end
        end
      end
      assert.is_true(same)
      assert.is_true(differ)
    end)

    it("hands its network to credo.nn", function()
      local ag = rl.DoubleDQN { state_dim = 3, n_actions = 2, hidden = { 5 }, seed = 1 }
      local x = credo.randn(4, 3)
      local m = ag:to_module()
      local a, b = m:forward(x), ag:q_values(x)
      for i = 1, 4 do for j = 1, 2 do assert.near(b:get(i, j), a:get(i, j), 1e-6) end end
    end)

    it("errors on bad options, batches larger than the buffer and wrong state shapes", function()
      assert.matches("DoubleDQN: bad option 'gamma' %(expected a number in %[0, 1%], got 1.5%)",
        errmsg(function() rl.DoubleDQN { n_states = 3, n_actions = 2, gamma = 1.5 } end))
      assert.matches("DoubleDQN: bad option 'gamma'",
        errmsg(function() rl.DoubleDQN { n_states = 3, n_actions = 2, gamma = -0.1 } end))
      assert.matches("DoubleDQN: give exactly one of n_states",
        errmsg(function() rl.DoubleDQN { n_actions = 2 } end))
      assert.matches("DoubleDQN: unknown option 'gama'",
        errmsg(function() rl.DoubleDQN { n_states = 3, n_actions = 2, gama = 0.9 } end))
      local ag = rl.DoubleDQN { n_states = 3, n_actions = 2, batch_size = 8, seed = 1 }
      ag:remember(1, 1, 0, 2, false)
      assert.matches("batch size 8 is larger than the 1 transitions stored", errmsg(function() ag:learn() end))
      assert.matches("state must be a state id in 1..3, got 4", errmsg(function() ag:remember(4, 1, 0, 1, false) end))
      assert.matches("action must be an integer in 1..2, got 3", errmsg(function() ag:remember(1, 3, 0, 1, false) end))
      local dense = rl.DoubleDQN { state_dim = 4, n_actions = 2, seed = 1 }
      assert.matches("DoubleDQN: state must be a tensor of 4 values", errmsg(function() dense:act(credo.zeros(3)) end))
      assert.matches("q_values expects states of shape %(N, 4%)", errmsg(function() dense:q_values(credo.zeros(2, 3)) end))
      assert.matches("ReplayBuffer: state must be a tensor of 4 values",
        errmsg(function() dense:remember(credo.zeros(5), 1, 0, credo.zeros(4), false) end))
    end)
  end)

  describe("QLearning", function()
    it("converges to Q* on the chain", function()
      -- random behaviour (epsilon 1): Q-learning is off-policy
      local ql = rl.QLearning { n_states = CHAIN, n_actions = 2, alpha = 0.5, gamma = 0.9, epsilon = 1.0, seed = 1 }
      ql:fit_env(chain_env, { steps = 5000 })
      for s = 1, CHAIN do
        assert.are.equal(2, ql:greedy(s))
        assert.near(0.9 ^ (CHAIN - s), ql.Q[s][2], 1e-3)
      end
    end)

    it("errors on bad options and states", function()
      assert.matches("QLearning: bad option 'gamma'", errmsg(function()
        rl.QLearning { n_states = 2, n_actions = 2, gamma = 2 } end))
      local ql = rl.QLearning { n_states = 2, n_actions = 2 }
      assert.matches("state must be an integer in 1..2, got 3", errmsg(function() ql:act(3) end))
      -- a NaN reward poisoned the table; an action out of range was an arithmetic error
      assert.matches("QLearning: reward must be a finite number, got", errmsg(function() ql:update(1, 1, 0 / 0, 2, false) end))
      assert.matches("QLearning: action must be an integer in 1..2, got 3", errmsg(function() ql:update(1, 3, 1, 2, false) end))
      assert.are.same({ 0, 0 }, ql.Q[1])
    end)
  end)

  describe("PreDDQN", function()
    it("raises or lowers the learning and exploration rates by the predicted signal", function()
      local ag = rl.PreDDQN { n_states = 3, n_actions = 3, seed = 1, predict = { 1, 0, 1 },
        alpha0 = 0.01, eta_inc = 0.5, eta_dec = 0.2, epsilon0 = 0.3, phi_inc = 1.0, phi_dec = 0.5,
        epsilon_max = 0.5 }
      local lr, eps = ag:rates(1)
      assert.near(0.015, lr, 1e-15); assert.near(0.5, eps, 1e-15)     -- capped at epsilon_max
      lr, eps = ag:rates(2)
      assert.near(0.008, lr, 1e-15); assert.near(0.15, eps, 1e-15)
      assert.are.equal("prioritized", ag.replay_kind)
      assert.matches("PreDDQN: bad option 'predict'", errmsg(function()
        rl.PreDDQN { n_states = 3, n_actions = 3 } end))
      local bad = rl.PreDDQN { n_states = 3, n_actions = 3, predict = function() return 0.5 end }
      assert.matches("must give 1 %(repay%) or 0 %(default%)", errmsg(function() bad:rates(1) end))
    end)
  end)

  describe("OfflineEnv", function()
    -- 5 indicators; indicator 5's change is the action; repaid iff
    -- indicator 1 is high or the action was "decrease"
    local function records(n, seed)
      local g = credo.Generator(seed)
      local X = credo.rand({ n, 5 }, { generator = g }):double()
      local y = credo.zeros({ n }, "int64")
      for i = 1, n do
        X:set(i, 5, g:integer(1, 3))
        local d = i > 1 and X:get(i, 5) - X:get(i - 1, 5) or 0
        y[i] = (X:get(i, 1) > 2 / 3 or d < 0) and 1 or 0
      end
      return X, y
    end

    it("builds 81 states from tertiles, 3 actions from changes, rewards from repayment", function()
      local X, y = records(3000, 1)
      local env = rl.OfflineEnv(X, y, { min_count = 20 })
      assert.are.equal(81, env.n_states)
      assert.near(1 / 3, env.cuts[1][1], 0.03)
      assert.near(2 / 3, env.cuts[1][2], 0.03)
      local S, A, R, S2, D = env:transitions()
      assert.are.equal(A:numel(), S:numel())
      for i = 1, S:numel() do
        assert.is_true(env.count[S[i]] >= 20)
        assert.is_true(A[i] >= 1 and A[i] <= 3)
      end
      -- state ids: level of each indicator, indicator 1 fastest
      local ids = env:states(credo.tensor({ { 0.1, 0.5, 0.9, 0.1, 0 } }, "float64"))
      assert.are.equal(1 + 0 + 1 * 3 + 2 * 9 + 0 * 27, ids[1])
      assert.are.equal(0, D[1])
      assert.is_true(R:sum() > 0)
      local a = env:actions(credo.tensor({ { 0, 0, 0, 0, 1 }, { 0, 0, 0, 0, 2 }, { 0, 0, 0, 0, 1 }, { 0, 0, 0, 0, 1 } }, "float64"))
      assert.are.same({ 0, 3, 2, 1 }, { a[1], a[2], a[3], a[4] })
      local big = errmsg(function() rl.OfflineEnv(X, y, { min_count = 100000 }) end)
      assert.matches("no transition left", big)
    end)

    it("refuses options that hung or misread the data", function()
      local X, y = records(50, 3)
      local cols = {}
      for i = 1, 25 do cols[i] = 1 end                       -- 3^25 states hung
      assert.matches("lists 25 columns %(at most 10: 3%^k states%)",
        errmsg(function() rl.OfflineEnv(X, y, { state_cols = cols }) end))
      assert.matches("lists column 1 twice", errmsg(function() rl.OfflineEnv(X, y, { state_cols = { 1, 1 } }) end))
      local yb = y:double()
      yb[3] = 0 / 0                                           -- NaN counted as repaid
      assert.matches("y must hold 1 repaid / 0 default, found", errmsg(function() rl.OfflineEnv(X, yb) end))
      assert.matches("entry 1 must be {c1, c2}", errmsg(function() rl.OfflineEnv(X, y, { cuts = { { 1 } } }) end))
      assert.matches("X needs at least 2 rows", errmsg(function() rl.OfflineEnv(X:narrow(1, 1, 1), y:narrow(1, 1, 1)) end))
    end)

    it("refuses NaN states in a dense replay (the network turned NaN)", function()
      local d = rl.DoubleDQN { state_dim = 2, n_actions = 2, hidden = { 4 }, seed = 1 }
      assert.matches("state holds a NaN or infinite value", errmsg(function()
        d:remember(credo.full({ 2 }, 0 / 0), 1, 1.0, credo.zeros(2), false) end))
    end)

    it("trains Pre-DDQN, DDQN and Q-learning that beat the random policy by IPS", function()
      local X, y = records(4000, 2)
      local env = rl.OfflineEnv(X, y, { min_count = 10 })
      local S, A, R, S2, D = env:transitions()
      local pre = rl.PreDDQN { n_states = 81, n_actions = 3, gamma = 0.0, batch_size = 32,
        buffer_size = 4000, seed = 1, predict = function(s) return ((s - 1) % 3 == 2) and 1 or 0 end,
        alpha0 = 3e-3, epsilon0 = 0.2, tau = 0.05 }
      pre:fit_env(env, { steps = 1500 })
      local ddqn = rl.DoubleDQN { n_states = 81, n_actions = 3, gamma = 0.0, batch_size = 32,
        buffer_size = 4000, seed = 1, lr = 3e-3, tau = 0.05 }
      ddqn.buffer:add_batch(S, A, R, S2, D)
      ddqn:train(1500)
      local ql = rl.QLearning { n_states = 81, n_actions = 3, alpha = 0.05, gamma = 0.0, seed = 1 }
      ql:fit_transitions(S, A, R, S2, D, { steps = 20000 })
      local base = rl.ips(rl.random_policy(3), S, A, R, { n_actions = 3, bootstrap = 200 })
      for _, pol in ipairs { pre:policy(), ddqn:policy(), ql:policy() } do
        local v = rl.ips(pol, S, A, R, { n_actions = 3, bootstrap = 200 })
        assert.is_true(v.snips > base.snips + 0.1, ("%.3f vs random %.3f"):format(v.snips, base.snips))
      end
    end)
  end)

  describe("ips()", function()
    -- a logged bandit: 4 contexts uniform, 3 actions drawn uniformly (the
    -- behaviour policy), reward ~ Bernoulli(p[s][a]); the evaluated policy
    -- is deterministic with known value mean_s p[s][pi(s)] = 0.6
    it("recovers a known policy value within its bootstrap interval", function()
      local p = { { 0.9, 0.1, 0.2 }, { 0.3, 0.5, 0.2 }, { 0.1, 0.2, 0.4 }, { 0.6, 0.6, 0.3 } }
      local pi = { 1, 2, 3, 1 }
      local truth = (0.9 + 0.5 + 0.4 + 0.6) / 4
      local g = credo.Generator(11)
      local n = 20000
      local S, A, R = credo.zeros({ n }, "int64"), credo.zeros({ n }, "int64"), credo.zeros({ n }, "float64")
      for i = 1, n do
        local s, a = g:integer(1, 4), g:integer(1, 3)
        S[i], A[i], R[i] = s, a, g:uniform() < p[s][a] and 1 or 0
      end
      local v = rl.ips(pi, S, A, R, { n_actions = 3, bootstrap = 500, level = 0.95, seed = 1 })
      assert.is_true(v.ips_ci[1] <= truth and truth <= v.ips_ci[2],
        ("IPS %.4f, CI [%.4f, %.4f], truth %.4f"):format(v.ips, v.ips_ci[1], v.ips_ci[2], truth))
      assert.is_true(v.snips_ci[1] <= truth and truth <= v.snips_ci[2])
      assert.near(truth, v.ips, 0.03)
      -- the random policy's IPS value is the mean logged reward
      local r = rl.ips(rl.random_policy(3), S, A, R, { n_actions = 3, bootstrap = 0 })
      assert.near(R:mean(), r.ips, 1e-12)
      assert.near(R:mean(), r.snips, 1e-12)
      -- a probability-matrix policy gives the same as the list
      local P = credo.zeros({ 4, 3 }, "float64")
      for s = 1, 4 do P:set(s, pi[s], 1) end
      assert.near(v.ips, rl.ips(P, S, A, R, { n_actions = 3, bootstrap = 0 }).ips, 1e-12)
    end)

    it("errors without a behaviour policy", function()
      local t = credo.ones({ 2 }, "int64")
      assert.matches("give n_actions", errmsg(function() rl.ips({ 1, 1 }, t, t, t) end))
    end)
  end)
end)
