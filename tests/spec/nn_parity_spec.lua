-- credo.nn against PyTorch 1.13 (tests/fixtures/nn_torch.json, made by
-- bench/peers/make_nn_fixtures.py): outputs and gradients in float32 must
-- match torch's to 1e-5 relative (|a - b| <= 1e-5 max(1, |b|)).
local credo = require "credo"
local json = require "json"
local nn = credo.nn

local fx = json.read("tests/fixtures/nn_torch.json")
local TOL = 1e-5
local worst = { err = 0, where = "-" }

local function T(e, dtype)
  local data = {}
  for i = 1, e.data.n or #e.data do data[i] = e.data[i] end
  local t = credo.tensor(data, dtype or "float32")
  local shape = {}
  for i = 1, e.shape.n or #e.shape do shape[i] = e.shape[i] end
  if #shape ~= 1 then t = t:reshape(shape) end
  return t
end

-- got: a tensor or a number; want: a fixture entry or a number
local function close(got, want, where)
  local g, w = {}, {}
  if type(want) == "number" then
    g[1], w[1] = got, want
  else
    local ws = {}
    for i = 1, want.shape.n or #want.shape do ws[i] = want.shape[i] end
    assert.are.same(ws, got:size(), where .. ": shape")
    local flat = got:contiguous():reshape(-1)
    for i = 1, #want.data do g[i], w[i] = flat[i], want.data[i] end
  end
  local err = 0
  for i = 1, #w do
    err = math.max(err, math.abs(g[i] - w[i]) / math.max(1, math.abs(w[i])))
  end
  if err > worst.err then worst.err, worst.where = err, where end
  assert(err <= TOL, ("%s: max relative difference %g > %g"):format(where, err, TOL))
end

local function load_params(m, c, names)
  for _, n in ipairs(names) do m[n]:copy(T(c[n])) end
end

local function check_module(name, m, params)
  local c = fx[name]
  load_params(m, c, params or {})
  m:zero_grad()
  local x = T(c.x)
  local y = m:forward(x)
  close(y, c.out, name .. " out")
  local dx = m:backward(x, T(c.dout))
  close(dx, c.dx, name .. " dx")
  for _, n in ipairs(params or {}) do
    close(m["grad_" .. n], c["grad_" .. n], name .. " grad_" .. n)
  end
  return c
end

describe("nn parity with PyTorch 1.13", function()
  it("records the fixture's provenance", function()
    assert.matches("^1%.13", fx._about.torch)
  end)

  describe("Linear", function()
    it("matches forward and backward", function()
      check_module("linear", nn.Linear(5, 4), { "weight", "bias" })
    end)
    it("matches without a bias", function()
      check_module("linear_nobias", nn.Linear(5, 3, { bias = false }), { "weight" })
    end)
    it("matches on a 3-d input", function()
      check_module("linear_3d", nn.Linear(3, 2), { "weight", "bias" })
    end)
  end)

  describe("BatchNorm1d", function()
    for _, name in ipairs { "bn_train_2d", "bn_train_3d" } do
      it("matches training mode and the running statistics (" .. name .. ")", function()
        local c = fx[name]
        local bn = nn.BatchNorm1d(3)
        bn.running_mean:copy(T(c.running_mean0))
        bn.running_var:copy(T(c.running_var0))
        check_module(name, bn, { "weight", "bias" })
        close(bn.running_mean, c.running_mean, name .. " running_mean")
        close(bn.running_var, c.running_var, name .. " running_var")
      end)
    end
    it("matches evaluation mode", function()
      local c = fx.bn_eval
      local bn = nn.BatchNorm1d(3):eval()
      bn.running_mean:copy(T(c.running_mean))
      bn.running_var:copy(T(c.running_var))
      check_module("bn_eval", bn, { "weight", "bias" })
    end)
  end)

  describe("activations", function()
    it("match ReLU, LeakyReLU, Sigmoid, Tanh", function()
      check_module("relu", nn.ReLU())
      check_module("leaky_relu", nn.LeakyReLU(0.1))
      check_module("sigmoid", nn.Sigmoid())
      check_module("tanh", nn.Tanh())
    end)
    it("match Softmax and LogSoftmax (torch dim=1 is credo dim=2)", function()
      check_module("softmax", nn.Softmax(-1))
      check_module("softmax_dim2_3d", nn.Softmax(2))
      check_module("log_softmax", nn.LogSoftmax(-1))
    end)
  end)

  describe("Embedding", function()
    it("matches the lookup and the scatter-added gradient (1-based indices)", function()
      local c = fx.embedding
      local e = nn.Embedding(6, 3)
      e.weight:copy(T(c.weight))
      local idx = T(c.idx, "int64")
      close(e:forward(idx), c.out, "embedding out")
      assert.is_nil(e:backward(idx, T(c.dout)))
      close(e.grad_weight, c.grad_weight, "embedding grad_weight")
    end)
  end)

  describe("losses", function()
    local function check_loss(name, loss, weight_key)
      local c = fx[name]
      local x = T(c.x)
      local target = c.target.data[1] ~= nil and math.type(c.target.data[1]) == "integer"
        and T(c.target, "int64") or T(c.target)
      local w = weight_key and T(c[weight_key]) or nil
      local v = loss:forward(x, target, w)
      local dout = c.dout and T(c.dout) or nil
      close(v, c.loss, name .. " loss")
      close(loss:backward(x, target, w, dout), c.dx, name .. " dx")
    end

    it("match MSELoss with each reduction", function()
      check_loss("mse_mean", nn.MSELoss())
      check_loss("mse_sum", nn.MSELoss { reduction = "sum" })
      check_loss("mse_none", nn.MSELoss { reduction = "none" })
    end)
    it("match HuberLoss", function()
      check_loss("huber_mean", nn.HuberLoss { delta = 0.7 })
      check_loss("huber_none", nn.HuberLoss { delta = 0.7, reduction = "none" })
    end)
    it("match BCELoss, with per-sample weights", function()
      check_loss("bce_mean", nn.BCELoss())
      check_loss("bce_sum", nn.BCELoss { reduction = "sum" })
      check_loss("bce_weighted", nn.BCELoss(), "weight")
    end)
    it("match BCEWithLogitsLoss with pos_weight and weights", function()
      check_loss("bce_logits_mean", nn.BCEWithLogitsLoss())
      check_loss("bce_logits_pos_weight",
        nn.BCEWithLogitsLoss { pos_weight = T(fx.bce_logits_pos_weight.pos_weight) })
      check_loss("bce_logits_weighted",
        nn.BCEWithLogitsLoss { pos_weight = T(fx.bce_logits_weighted.pos_weight) }, "weight")
      check_loss("bce_logits_none",
        nn.BCEWithLogitsLoss { pos_weight = T(fx.bce_logits_none.pos_weight), reduction = "none" })
      check_loss("bce_logits_binary", nn.BCEWithLogitsLoss { pos_weight = 3 })
    end)
    it("match CrossEntropyLoss with class weights (torch's weighted mean)", function()
      check_loss("ce_mean", nn.CrossEntropyLoss())
      check_loss("ce_weighted", nn.CrossEntropyLoss { weight = T(fx.ce_weighted.weight) })
      check_loss("ce_weighted_sum",
        nn.CrossEntropyLoss { weight = T(fx.ce_weighted_sum.weight), reduction = "sum" })
      check_loss("ce_none", nn.CrossEntropyLoss { reduction = "none" })
    end)
  end)

  describe("Sequential MLP", function()
    it("matches output, loss and every gradient", function()
      local c = fx.mlp
      local net = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh(),
                                nn.Linear(6, 1))
      local names, params, grads = net:named_parameters()
      for i, n in ipairs(names) do params[i]:copy(T(c[n])) end
      local loss = nn.BCEWithLogitsLoss()
      local x, y = T(c.x), T(c.y)
      net:zero_grad()
      local out = net:forward(x)
      close(out, c.out, "mlp out")
      close(loss:forward(out, y), c.loss, "mlp loss")
      local dx = net:backward(x, loss:backward(out, y))
      close(dx, c.dx, "mlp dx")
      for i, n in ipairs(names) do close(grads[i], c["grad_" .. n], "mlp grad_" .. n) end
    end)
  end)

  it("reports the largest difference", function()
    print(("\n  nn parity: max relative difference %.3g (%s)"):format(worst.err, worst.where))
    assert.is_true(worst.err <= TOL)
  end)
end)
