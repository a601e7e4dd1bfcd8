-- credo.optim: optimisers, schedules and clipping against PyTorch 1.13
-- (tests/fixtures/optim_torch.json, made by bench/peers/make_optim_fixtures.py:
-- ten steps of every optimiser variant from the same parameters and
-- gradients, in float32 and float64), state save/restore, the API and its
-- error messages.  Tolerances: 1e-5 relative in float32, 1e-12 in float64
-- (|a - b| <= tol * max(1, |b|)); the largest differences seen are printed.
local credo = require "credo"
local json = require "json"
local optim = credo.optim
local nn = credo.nn

local fx = json.read("tests/fixtures/optim_torch.json")
local worst = { float32 = 0, float64 = 0, sched = 0, clip32 = 0, clip64 = 0 }

local function list(a)
  local t = {}
  for i = 1, a.n or #a do t[i] = a[i] end
  return t
end

local function T(e, dtype)
  local t = credo.tensor(list(e.data), dtype or "float32")
  local shape = list(e.shape)
  if #shape ~= 1 then t = t:reshape(shape) end
  return t
end

-- largest |a - b| / max(1, |b|) between a tensor and a fixture entry
local function maxdiff(got, want)
  local flat = got:contiguous():reshape(-1)
  local err = 0
  for i = 1, #want.data do
    local w = want.data[i]
    err = math.max(err, math.abs(flat[i] - w) / math.max(1, math.abs(w)))
  end
  return err
end

-- options from the fixture (torch's keyword arguments) as credo's table
local function opts_of(o)
  local t = {}
  for k, v in pairs(o) do
    if type(v) == "table" then t[k] = list(v) else t[k] = v end
  end
  return t
end

local function fresh(dtype)
  local ps, gs = {}, {}
  for i, e in ipairs(fx.params0) do
    ps[i] = T(e, dtype)
    gs[i] = credo.zeros(ps[i]:size(), dtype)
  end
  return ps, gs
end

local function set_grads(gs, s, dtype)
  for k, g in ipairs(gs) do g:copy(T(fx.grads[s][k], dtype)) end
end

-- run steps a..b of case c on (ps, gs, opt); check against the fixture
local function run_steps(c, dtype, opt, ps, gs, a, b, tol)
  for s = a, b do
    set_grads(gs, s, dtype)
    opt:step()
    for k, p in ipairs(ps) do
      local err = maxdiff(p, c[dtype][s][k])
      if err > worst[dtype] then worst[dtype] = err end
      assert(err <= tol, ("%s %s step %d param %d: max relative difference %g > %g"):format(
        c.name, dtype, s, k, err, tol))
    end
  end
end

describe("optim", function()
  describe("parity with torch.optim (foreach=False)", function()
    for _, c in ipairs(fx.optimizers) do
      for _, dtype in ipairs { "float32", "float64" } do
        it(("%s in %s: ten steps"):format(c.name, dtype), function()
          local ps, gs = fresh(dtype)
          local opt = optim[c.class](ps, gs, opts_of(c.options))
          run_steps(c, dtype, opt, ps, gs, 1, 10, dtype == "float32" and 1e-5 or 1e-12)
        end)
      end
      it(("%s: get_state after 4 steps, set_state into a new optimiser, 6 more"):format(c.name),
        function()
          local ps, gs = fresh("float32")
          local opt = optim[c.class](ps, gs, opts_of(c.options))
          run_steps(c, "float32", opt, ps, gs, 1, 4, 1e-5)
          local st = credo.serialize.loads(credo.serialize.dumps(opt:get_state()))
          local ps2, gs2 = fresh("float32")
          for k = 1, #ps do ps2[k]:copy(ps[k]) end
          local opt2 = optim[c.class](ps2, gs2, { lr = 123 })
          opt2:set_state(st)
          run_steps(c, "float32", opt2, ps2, gs2, 5, 10, 1e-5)
        end)
    end
  end)

  describe("schedules", function()
    for _, c in ipairs(fx.schedulers) do
      it(("%s (%s) gives torch's lr sequence"):format(c.name, c.class), function()
        local p = credo.zeros(1)
        local opt = optim.SGD({ p }, { credo.zeros(1) }, { lr = c.lr0 })
        local s = optim[c.class](opt, opts_of(c.options))
        for i = 1, #c.lrs do
          if c.metrics then s:step(c.metrics[i]) else s:step() end
          local want = c.lrs[i]
          local got = opt.param_groups[1].lr
          local err = math.abs(got - want) / math.max(1e-300, math.abs(want))
          if err > worst.sched then worst.sched = err end
          assert(err <= 1e-13, ("%s step %d: lr %.17g, torch %.17g"):format(c.name, i, got, want))
          assert.are.equal(got, s:get_last_lr()[1])
        end
      end)
    end

    it("StepLR state round-trips", function()
      local opt = optim.SGD({ credo.zeros(1) }, { credo.zeros(1) }, { lr = 1 })
      local s = optim.StepLR(opt, { step_size = 2, gamma = 0.5 })
      s:step(); s:step(); s:step()
      local st = s:get_state()
      local opt2 = optim.SGD({ credo.zeros(1) }, { credo.zeros(1) }, { lr = 0.5 })
      local s2 = optim.StepLR(opt2, { step_size = 2, gamma = 0.5 }):set_state(st)
      s:step(); s2:step()
      assert.are.equal(opt.param_groups[1].lr, opt2.param_groups[1].lr)
      assert.are.equal(0.25, opt2.param_groups[1].lr)
    end)

    it("ReduceLROnPlateau state round-trips", function()
      local opt = optim.SGD({ credo.zeros(1) }, { credo.zeros(1) }, { lr = 1 })
      local s = optim.ReduceLROnPlateau(opt, { patience = 1 })
      assert.is_false(s:step(1.0)); s:step(1.0)
      local s2 = optim.ReduceLROnPlateau(opt, { patience = 1 }):set_state(s:get_state())
      assert.is_true(s2:step(1.0))
      assert.are.equal(0.1, opt.param_groups[1].lr)
    end)

    it("errors name the schedule and the option", function()
      local opt = optim.SGD({ credo.zeros(1) }, { credo.zeros(1) })
      assert.has_error(function() optim.StepLR(opt, {}) end,
        "StepLR: option 'step_size' is required")
      assert.has_error(function() optim.StepLR(opt, { step_size = 0 }) end,
        "StepLR: bad option 'step_size' (expected a positive integer, got 0)")
      assert.has_error(function() optim.ExponentialLR(opt, { gama = 1 }) end,
        "ExponentialLR: unknown option 'gama'")
      assert.has_error(function() optim.CosineAnnealingLR({}, { T_max = 3 }) end,
        "CosineAnnealingLR: bad argument #1 (expected an optimiser, got table)")
      assert.has_error(function() optim.ReduceLROnPlateau(opt, { factor = 1 }) end,
        "ReduceLROnPlateau: bad option 'factor' (expected a number in [0, 1), got 1)")
      assert.has_error(function() optim.ReduceLROnPlateau(opt, { mode = "low" }) end,
        "ReduceLROnPlateau: bad option 'mode' (expected one of 'min', 'max', got low)")
      assert.has_error(function() optim.ReduceLROnPlateau(opt):step("x") end,
        "ReduceLROnPlateau: step: the metric must be a number (got string)")
    end)
  end)

  describe("clip_grad_norm_()", function()
    for _, c in ipairs(fx.clip) do
      it(("%s in %s matches torch.nn.utils.clip_grad_norm_"):format(c.name, c.dtype), function()
        local gs = {}
        for k, e in ipairs(c.grads) do gs[k] = T(e, c.dtype) end
        local p = c.norm_type == "inf" and math.huge or c.norm_type
        local total = optim.clip_grad_norm_(gs, c.max_norm, p)
        local tol = c.dtype == "float32" and 1e-6 or 1e-14
        local key = c.dtype == "float32" and "clip32" or "clip64"
        local err = math.abs(total - c.total) / math.abs(c.total)
        for k, g in ipairs(gs) do err = math.max(err, maxdiff(g, c.clipped[k])) end
        if err > worst[key] then worst[key] = err end
        assert(err <= tol, ("%s: difference %g"):format(c.name, err))
      end)
    end

    it("takes a module, an optimiser or a tensor, and grad_norm does not clip", function()
      local m = nn.Linear(3, 2, { generator = credo.Generator(1) })
      m.grad_weight:fill_(1); m.grad_bias:fill_(1)
      assert.near(math.sqrt(8), optim.grad_norm(m), 1e-6)
      local opt = optim.SGD(m, { lr = 0.1 })
      local total = optim.clip_grad_norm_(opt, 1.0)
      assert.near(math.sqrt(8), total, 1e-6)
      assert.near(1.0, optim.grad_norm(m), 1e-5)
      local t = credo.tensor { 3, 4 }
      assert.near(5, optim.clip_grad_norm(t, 10), 1e-6)
      assert.are.same({ 3, 4 }, t:totable())
      assert.near(4, optim.grad_norm({ t }, math.huge), 0)
      assert.near(7, optim.grad_norm({ t }, 1), 1e-6)
    end)

    it("errors on bad arguments", function()
      assert.has_error(function() optim.clip_grad_norm_({ credo.zeros(2) }, -1) end,
        "bad argument #2 to 'clip_grad_norm_' (max_norm must be a finite number >= 0, got -1)")
      assert.has_error(function() optim.clip_grad_norm_({ credo.zeros(2) }, 1, 0) end,
        "bad argument #3 to 'clip_grad_norm_' (norm_type must be a number > 0 or math.huge, got 0)")
      assert.has_error(function() optim.grad_norm(3) end,
        "bad argument #1 to 'grad_norm' (expected a module, an optimiser or a list of gradient "
          .. "tensors, got number)")
      local ok, err = pcall(optim.grad_norm, { credo.zeros(2), credo.zeros(2, "float64") })
      assert.is_false(ok)
      assert.matches("element 2 is float64 but element 1 is float32", err, 1, true)
    end)
  end)

  describe("Optimizer", function()
    it("refuses to step after its module was converted (it updated dead tensors)", function()
      local m = nn.Linear(2, 2)
      local o = optim.SGD(m, { lr = 0.1 })
      assert.has_no.errors(function() o:step() end)
      m:double()
      local ok, e = pcall(o.step, o)
      assert.is_false(ok)
      assert.matches("SGD: the module's parameters are not the tensors this optimiser was made with", e)
      assert.has_no.errors(function() optim.SGD(m, { lr = 0.1 }):step() end)
    end)

    it("builds from a module, from two lists and from parameter groups", function()
      local g = credo.Generator(3)
      local m = nn.Sequential(nn.Linear(4, 3, { generator = g }), nn.ReLU(),
        nn.Linear(3, 1, { generator = g }))
      local a = optim.Adam(m, { lr = 0.01 })
      assert.are.equal(4, a.n_params)
      assert.are.equal("Adam(lr=0.01, betas={0.9, 0.999}, eps=1e-08, weight_decay=0, "
        .. "amsgrad=false; 4 tensors)", tostring(a))
      local p, gr = m:parameters()
      local s = optim.SGD({ { params = { p[1], p[2] }, grads = { gr[1], gr[2] }, lr = 0.5 },
                            { params = { p[3], p[4] }, grads = { gr[3], gr[4] } } },
        { lr = 0.1, momentum = 0.9 })
      assert.are.equal(0.5, s.param_groups[1].lr)
      assert.are.equal(0.1, s.param_groups[2].lr)
      assert.are.equal(0.9, s.param_groups[2].momentum)
      assert.are.equal("SGD(lr=0.5, momentum=0.9, dampening=0, weight_decay=0, nesterov=false; "
        .. "4 tensors, 2 groups)", tostring(s))
      assert.are.equal(0.01, optim.AdamW(m).param_groups[1].weight_decay)
      assert.are.equal(0, optim.Adam(m).param_groups[1].weight_decay)
    end)

    it("each group uses its own lr", function()
      local p1, p2 = credo.ones(2), credo.ones(2)
      local g1, g2 = credo.ones(2), credo.ones(2)
      local s = optim.SGD({ { params = { p1 }, grads = { g1 }, lr = 0.5 },
                            { params = { p2 }, grads = { g2 } } }, { lr = 0.25 })
      s:step()
      assert.are.same({ 0.5, 0.5 }, p1:totable())
      assert.are.same({ 0.75, 0.75 }, p2:totable())
      s:zero_grad()
      assert.are.same({ 0, 0 }, g1:totable())
      assert.are.same({ 0, 0 }, g2:totable())
    end)

    it("step(closure) calls the closure first and returns its value", function()
      local p, g = credo.ones(1), credo.zeros(1)
      local s = optim.SGD({ p }, { g }, { lr = 1 })
      local v = s:step(function() g:fill_(0.5); return 42 end)
      assert.are.equal(42, v)
      assert.are.same({ 0.5 }, p:totable())
    end)

    it("a learning-rate change between steps is used by the next step", function()
      local p, g = credo.zeros(1, "float64"), credo.ones(1, "float64")
      local s = optim.SGD({ p }, { g }, { lr = 1 })
      s:step()
      s.param_groups[1].lr = 0.5
      s:step()
      assert.are.same({ -1.5 }, p:totable())
    end)

    it("errors name the optimiser and the option", function()
      local p, g = { credo.zeros(2) }, { credo.zeros(2) }
      assert.has_error(function() optim.Adam(p, g, { lr = -1 }) end,
        "Adam: bad option 'lr' (expected a number >= 0, got -1)")
      assert.has_error(function() optim.Adam(p, g, { betas = { 0.9, 1 } }) end,
        "Adam: bad option 'betas' (expected a list of two numbers in [0, 1), got {0.9, 1})")
      assert.has_error(function() optim.Adam(p, g, { lr = 0 / 0 }) end,
        "Adam: bad option 'lr' (expected a finite number, got " .. tostring(0 / 0) .. ")")
      assert.has_error(function() optim.SGD(p, g, { lrr = 1 }) end,
        "SGD: unknown option 'lrr'")
      assert.has_error(function() optim.SGD(p, g, { nesterov = true }) end,
        "SGD: nesterov = true requires momentum > 0 and dampening = 0")
      assert.has_error(function() optim.RMSprop(p, g, { centered = 1 }) end,
        "RMSprop: bad option 'centered' (expected a boolean, got 1)")
      assert.has_error(function() optim.Adagrad(p, { credo.zeros(3) }) end,
        "Adagrad: gradient 1 is float32 [3] but its parameter is float32 [2]")
      assert.has_error(function() optim.Adagrad(p, {}) end,
        "Adagrad: 1 parameters but 0 gradients")
      assert.has_error(function() optim.SGD({ p[1], p[1] }, { g[1], g[1] }) end,
        "SGD: a parameter appears twice (params[2])")
      assert.has_error(function() optim.SGD({ credo.zeros(2, 2):t() }, { credo.zeros(2, 2) }) end,
        "SGD: params[1] must be contiguous")
      assert.has_error(function() optim.SGD({ credo.zeros(2, "int64") }, g) end,
        "SGD: params[1] must be float32 or float64 (got int64)")
      assert.has_error(function() optim.SGD(3) end,
        "SGD: expected a module, two lists (params, grads) or a list of parameter groups (got number)")
      assert.has_error(function() optim.SGD({ { params = p, grads = g, foo = 1 } }) end,
        "SGD: unknown option 'foo' in parameter group 1")
      assert.has_error(function() optim.SGD(p, g):set_state({ class = "Adam" }) end,
        "SGD: set_state: not the state of a SGD (class Adam)")
    end)

    it("set_state refuses a state of another shape", function()
      local a = optim.Adam({ credo.zeros(2) }, { credo.ones(2) })
      a:step()
      local b = optim.Adam({ credo.zeros(3) }, { credo.ones(3) })
      assert.has_error(function() b:set_state(a:get_state()) end,
        "Adam: set_state: 'exp_avg' of parameter 1 has shape [2] (expected [3])")
    end)

    it("get_state copies the state tensors", function()
      local a = optim.Adam({ credo.zeros(2) }, { credo.ones(2) })
      a:step()
      local st = a:get_state()
      a:step()
      assert.are.equal(1, st.state[1].step)
      assert.are_not.equal(a.state[1].exp_avg:get(1), st.state[1].exp_avg:get(1))
    end)

    it("reports the largest differences to torch", function()
      print(("\n  optim parity, max relative difference: float32 %.3g, float64 %.3g, "
        .. "schedules %.3g, clip float32 %.3g, clip float64 %.3g"):format(
        worst.float32, worst.float64, worst.sched, worst.clip32, worst.clip64))
    end)
  end)
end)
