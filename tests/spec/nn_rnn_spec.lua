-- credo.nn's recurrent and convolutional layers (LSTM, GRU, Conv1D,
-- MaxPool1D): the Lua API and its errors, float64 central-difference
-- gradient checks (credo.nn.gradcheck) of the input, initial-state and
-- every parameter gradient on contiguous and strided inputs, and parity
-- with PyTorch 1.13 (tests/fixtures/nn_rnn_torch.json, made by
-- bench/peers/make_rnn_fixtures.py) in float32 to 1e-5 relative
-- (|a - b| <= 1e-5 max(1, |b|), nn_parity_spec.lua's measure).
local credo = require "credo"
local json = require "json"
local nn = credo.nn
local gc = nn.gradcheck
local Module = nn.Module

local g = credo.Generator(20240612)
local function randn(...) return g:randn({ ... }, "float64") end

local worst_gc = { abs = 0, rel = 0, where = "-" }
local function ok(name, r, kinks)
  assert.is_true(r.ok, name .. ": " .. r.message)
  assert.are.equal(kinks or 0, r.kinks, name .. ": kinks")
  assert.is_true(r.checked > 0, name .. ": nothing checked")
  if r.max_abs > worst_gc.abs then worst_gc.abs, worst_gc.where = r.max_abs, name end
  if r.max_rel > worst_gc.rel then worst_gc.rel = r.max_rel end
end

-- (N, T, F) float64 inputs in three layouts
local layouts = {
  { "contiguous", function(N, T, F) return randn(N, T, F) end },
  -- a transposed view: strides (F, N*F, 1)
  { "transposed", function(N, T, F) return randn(T, N, F):transpose(1, 2) end },
  -- a narrowed view: time steps 2..T+1 of a longer sequence
  { "narrowed", function(N, T, F) return randn(N, T + 2, F):narrow(2, 2, T) end },
}

-- Test wrappers: a module whose input is the list {x, h0[, c0]} and whose
-- output is the list {y, h_n[, c_n]}, so that gradcheck perturbs and
-- projects the states too.
local WithState = Module.class("TestRecurrentWithState")
function WithState:__init(m) self.modules = { m } end
function WithState:forward(inp)
  local m = self.modules[1]
  local y = m:forward(inp[1], { h0 = inp[2], c0 = inp[3] })
  if m.c_n then return { y, m.h_n, m.c_n } end
  return { y, m.h_n }
end
function WithState:backward(inp, gs)
  local m = self.modules[1]
  local dx, ds = m:backward(inp[1], gs[1], { h_n = gs[2], c_n = gs[3] })
  return { dx, ds.h0, ds.c0 }
end

describe("nn recurrent and convolutional layers", function()
  describe("LSTM", function()
    it("has torch's parameters, names and shapes", function()
      local m = nn.LSTM(3, 5, { num_layers = 2, generator = g })
      local names, params = m:named_parameters()
      assert.are.same({ "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
        "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1" }, names)
      assert.are.same({ 20, 3 }, params[1]:size())
      assert.are.same({ 20, 5 }, params[2]:size())
      assert.are.same({ 20 }, params[3]:size())
      assert.are.same({ 20, 5 }, params[5]:size())
      assert.are.equal((20 * 3 + 20 * 5 + 40) + (20 * 5 + 20 * 5 + 40), m:n_parameters())
      assert.are.equal("LSTM(3 -> 5, num_layers=2)", tostring(m))
      local nb = nn.LSTM(2, 4, { bias = false, return_sequences = false })
      assert.are.same({ "weight_ih_l0", "weight_hh_l0" }, (nb:named_parameters()))
      assert.are.equal("LSTM(2 -> 4, return_sequences=false, bias=false)", nb:describe())
    end)

    it("initialises as torch: U(-1/sqrt(H), 1/sqrt(H)), seeded", function()
      local a = nn.LSTM(3, 16, { generator = credo.Generator(7) })
      local b = nn.LSTM(3, 16, { seed = 7 })
      local bound = 1 / math.sqrt(16)
      for _, p in ipairs((a:parameters())) do
        assert.is_true(p:abs():max() <= bound)
        assert.is_true(p:abs():max() > 0.8 * bound)
      end
      assert.are.equal(0, credo.sub(a.weight_hh_l0, b.weight_hh_l0):abs():max())
    end)

    it("offers orthogonal recurrent weights per gate block", function()
      local m = nn.LSTM(2, 6, { recurrent_init = "orthogonal", seed = 3, dtype = "float64" })
      for j = 0, 3 do
        local w = m.weight_hh_l0:narrow(1, j * 6 + 1, 6)
        local e = credo.sub(credo.matmul(w, w:t()), credo.eye(6, "float64")):abs():max()
        assert.is_true(e < 1e-12, "gate block " .. j)
      end
    end)

    it("returns the sequence or the last state, and the final states", function()
      local m = nn.LSTM(2, 3, { num_layers = 2, seed = 1 })
      local x = g:randn({ 4, 5, 2 })
      local y = m:forward(x)
      assert.are.same({ 4, 5, 3 }, y:size())
      assert.are.same({ 2, 4, 3 }, m.h_n:size())
      assert.are.same({ 2, 4, 3 }, m.c_n:size())
      -- the last step of the output is the top layer's final state
      local d = credo.sub(y:select(2, 5), m.h_n:select(1, 2)):abs():max()
      assert.are.equal(0, d)
      local m2 = nn.LSTM(2, 3, { num_layers = 2, return_sequences = false, seed = 1 })
      local h = m2:forward(x)
      assert.are.same({ 4, 3 }, h:size())
      assert.are.equal(0, credo.sub(h, y:select(2, 5)):abs():max())
    end)

    it("reuses its output workspace between batches of one shape", function()
      local m = nn.LSTM(2, 3, { seed = 1 })
      local y1 = m:forward(g:randn({ 4, 5, 2 }))
      local y2 = m:forward(g:randn({ 4, 5, 2 }))
      assert.are.equal(y1, y2)
      local dx1 = m:backward(nil, credo.ones(4, 5, 3))
      local dx2 = m:backward(nil, credo.ones(4, 5, 3))
      assert.are.equal(dx1, dx2)
    end)

    it("takes initial states and gives their gradients", function()
      local m = nn.LSTM(2, 3, { seed = 2 })
      local x = g:randn({ 4, 5, 2 })
      local h0, c0 = g:randn({ 4, 3 }), g:randn({ 1, 4, 3 })
      local y = m:forward(x, { h0 = h0, c0 = c0 })
      assert.are.same({ 4, 5, 3 }, y:size())
      local dx, ds = m:backward(x, credo.ones(4, 5, 3))
      assert.are.same({ 4, 5, 2 }, dx:size())
      assert.are.same({ 1, 4, 3 }, ds.h0:size())
      assert.are.same({ 1, 4, 3 }, ds.c0:size())
      assert.are.equal(ds.h0, m.grad_h0)
      -- zero initial states are the default
      local y0 = m:forward(x):clone()
      local yz = m:forward(x, { h0 = credo.zeros(4, 3), c0 = credo.zeros(4, 3) })
      assert.are.equal(0, credo.sub(y0, yz):abs():max())
    end)

    it("names the layer and the shapes in its errors", function()
      local m = nn.LSTM(1, 64)
      assert.has_error(function() m:forward(credo.zeros(64, 16)) end,
        "LSTM(1 -> 64): bad input shape [64,16] (expected [N,T,1])")
      assert.has_error(function() m:forward(credo.zeros(64, 16, 2)) end,
        "LSTM(1 -> 64): bad input shape [64,16,2] (expected [N,T,1])")
      assert.has_error(function() m:forward(credo.zeros(64, 0, 1)) end,
        "LSTM(1 -> 64): bad input shape [64,0,1] (expected [N,T,1])")
      assert.has_error(function() m:forward(credo.zeros({ 2, 3, 1 }, "float64")) end,
        "LSTM(1 -> 64): bad input dtype float64 (expected float32: convert the input "
        .. "with :float() or the module with :double())")
      assert.has_error(function() m:forward("x") end,
        "LSTM(1 -> 64): input must be a tensor (got string)")
      assert.has_error(function() m:forward(credo.zeros(2, 3, 1), { h0 = credo.zeros(2, 5) }) end,
        "LSTM(1 -> 64): bad initial state 'h0' shape [2,5] (expected [1,2,64] or [2,64])")
      assert.has_error(function() m:forward(credo.zeros(2, 3, 1), { h1 = credo.zeros(2, 64) }) end,
        "LSTM(1 -> 64): unknown initial state 'h1' (expected h0 and c0)")
      m:forward(credo.zeros(2, 3, 1))
      assert.has_error(function() m:backward(nil, credo.zeros(2, 3, 5)) end,
        "LSTM(1 -> 64): bad grad_output shape [2,3,5] (expected [2,3,64])")
      local m2 = nn.LSTM(1, 64, { num_layers = 2 })
      assert.has_error(function() m2:forward(credo.zeros(2, 3, 1), { h0 = credo.zeros(2, 64) }) end,
        "LSTM(1 -> 64, num_layers=2): bad initial state 'h0' shape [2,64] (expected [2,2,64])")
      assert.has_error(function() nn.LSTM(64):backward(nil, credo.zeros(1)) end)
    end)

    it("checks its constructor arguments", function()
      assert.has_error(function() nn.LSTM(0, 4) end,
        "LSTM: bad argument #1 (input_size must be a positive integer, got 0)")
      assert.has_error(function() nn.LSTM(3, 2.5) end,
        "LSTM: bad argument #2 (hidden_size must be a positive integer, got 2.5)")
      assert.has_error(function() nn.LSTM(3, 4, { num_layers = 0 }) end,
        "LSTM: bad argument #3 (option 'num_layers' must be a positive integer, got 0)")
      assert.has_error(function() nn.LSTM(3, 4, { num_layers = "2" }) end,
        "LSTM: bad argument #3 (option 'num_layers' must be a positive integer, got 2)")
      assert.has_error(function() nn.LSTM(3, 4, { dropout = 1 }) end,
        "LSTM: bad argument #3 (option 'dropout' must be a number in [0, 1), got 1)")
      assert.has_error(function() nn.LSTM(3, 4, { return_sequences = "no" }) end,
        "LSTM: bad argument #3 (option 'return_sequences' must be a boolean, got no)")
      assert.has_error(function() nn.LSTM(3, 4, { recurrent_init = "eye" }) end,
        "LSTM: bad argument #3 (option 'recurrent_init' must be 'uniform' or 'orthogonal', got eye)")
      assert.has_error(function() nn.LSTM(3, 4, { hidden = 3 }) end,
        "LSTM: bad argument #3 (unknown option 'hidden')")
      assert.has_error(function() nn.GRU(3, 4, { seed = 1.5 }) end,
        "GRU: bad argument #3 (option 'seed' must be an integer, got 1.5)")
    end)
  end)

  describe("GRU", function()
    it("has torch's parameters and shapes", function()
      local m = nn.GRU(4, 6)
      local names, params = m:named_parameters()
      assert.are.same({ "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0" }, names)
      assert.are.same({ 18, 4 }, params[1]:size())
      assert.are.same({ 18, 6 }, params[2]:size())
      assert.are.equal("GRU(4 -> 6)", tostring(m))
    end)

    it("takes h0 only", function()
      local m = nn.GRU(2, 3)
      assert.has_error(function() m:forward(credo.zeros(2, 3, 2), { c0 = credo.zeros(2, 3) }) end,
        "GRU(2 -> 3): unknown initial state 'c0' (expected h0)")
      m:forward(credo.zeros(2, 3, 2), { h0 = credo.zeros(2, 3) })
      assert.is_nil(m.c_n)
      local _, ds = m:backward(nil, credo.ones(2, 3, 3))
      assert.are.same({ 1, 2, 3 }, ds.h0:size())
      assert.is_nil(ds.c0)
    end)

    it("stacks after an LSTM in a Sequential and names the failing layer", function()
      local net = nn.Sequential(nn.LSTM(1, 6, { seed = 1 }),
        nn.GRU(6, 4, { return_sequences = false, seed = 2 }), nn.Linear(4, 2, { generator = g }))
      local y = net:forward(g:randn({ 3, 16, 1 }))
      assert.are.same({ 3, 2 }, y:size())
      local dx = net:backward(nil, credo.ones(3, 2))
      assert.are.same({ 3, 16, 1 }, dx:size())
      local bad = nn.Sequential(nn.LSTM(1, 5), nn.GRU(6, 4, { return_sequences = false }))
      assert.has_error(function() bad:forward(credo.zeros(2, 16, 1)) end,
        "Sequential layer 2 (GRU(6 -> 4, return_sequences=false)): bad input shape "
        .. "[2,16,5] (expected [N,T,6])")
      assert.matches("LSTM%(1 %-> 6%)%s+%[1,16,6%]%s+216", net:summary({ 1, 16, 1 }))
    end)
  end)

  describe("gradient checks (float64, central differences)", function()
    for _, lay in ipairs(layouts) do
      local lname, make = lay[1], lay[2]
      describe("on " .. lname .. " inputs", function()
        it("checks LSTM: input, every parameter, initial and final states", function()
          ok("LSTM " .. lname, gc.module(nn.LSTM(3, 4, { seed = 11 }):double(), make(3, 5, 3)))
          ok("LSTM last state " .. lname, gc.module(
            nn.LSTM(2, 3, { return_sequences = false, seed = 12 }):double(), make(2, 4, 2)))
          ok("LSTM no bias " .. lname, gc.module(
            nn.LSTM(2, 3, { bias = false, seed = 13 }):double(), make(2, 3, 2)))
          local w = WithState(nn.LSTM(3, 4, { seed = 14 }):double())
          ok("LSTM states " .. lname, gc.module(w, { make(3, 4, 3), randn(3, 4), randn(4, 3):t() }))
        end)

        it("checks GRU: input, every parameter, initial and final states", function()
          ok("GRU " .. lname, gc.module(nn.GRU(3, 4, { seed = 21 }):double(), make(3, 5, 3)))
          ok("GRU last state " .. lname, gc.module(
            nn.GRU(2, 3, { return_sequences = false, seed = 22 }):double(), make(2, 4, 2)))
          ok("GRU no bias " .. lname, gc.module(
            nn.GRU(2, 3, { bias = false, seed = 23 }):double(), make(2, 3, 2)))
          local w = WithState(nn.GRU(3, 4, { seed = 24 }):double())
          ok("GRU states " .. lname, gc.module(w, { make(3, 4, 3), randn(3, 4) }))
        end)

        it("checks stacks: two LSTM layers with dropout, LSTM -> GRU", function()
          local m = nn.LSTM(2, 3, { num_layers = 2, dropout = 0.3, seed = 31 }):double()
          local gen = m.dropouts_[1].generator
          local st = gen:get_state()
          ok("LSTM 2 layers dropout " .. lname, gc.module(m, make(3, 4, 2), {
            before_forward = function() gen:set_state(st) end }))
          local w = WithState(nn.GRU(2, 3, { num_layers = 2, seed = 32 }):double())
          ok("GRU 2 layers states " .. lname,
            gc.module(w, { make(2, 3, 2), randn(2, 2, 3) }))
          local net = nn.Sequential(nn.LSTM(2, 4, { seed = 33 }),
            nn.GRU(4, 3, { return_sequences = false, seed = 34 })):double()
          ok("LSTM -> GRU " .. lname, gc.module(net, make(3, 5, 2)))
        end)

        it("checks Conv1D with stride and padding", function()
          -- (N, C, L) from the (N, T, F) layouts: channels F, length T
          local function cin(N, C, L) return make(N, L, C):transpose(2, 3) end
          ok("Conv1D " .. lname, gc.module(nn.Conv1D(3, 4, 3, { generator = g }):double(),
            cin(2, 3, 8)))
          ok("Conv1D stride 2 pad 1 " .. lname, gc.module(
            nn.Conv1D(2, 3, 4, { stride = 2, padding = 1, generator = g }):double(), cin(3, 2, 9)))
          ok("Conv1D no bias stride 3 pad 2 " .. lname, gc.module(
            nn.Conv1D(1, 2, 2, { stride = 3, padding = 2, bias = false, generator = g }):double(),
            cin(2, 1, 7)))
        end)

        it("checks MaxPool1D (no ties)", function()
          local function cin(N, C, L) return make(N, L, C):transpose(2, 3) end
          ok("MaxPool1D k2 " .. lname, gc.module(nn.MaxPool1D(2), cin(2, 3, 8)))
          ok("MaxPool1D k3 s2 p1 " .. lname,
            gc.module(nn.MaxPool1D(3, { stride = 2, padding = 1 }), cin(2, 2, 9)))
        end)
      end)
    end

    it("reports the worst errors", function()
      print(("\n  nn_rnn gradcheck: max abs err %.3g (%s), max rel err %.3g"):format(
        worst_gc.abs, worst_gc.where, worst_gc.rel))
      assert.is_true(worst_gc.abs < 1e-6)
    end)
  end)

  describe("Conv1D", function()
    it("has torch's layout, output length and description", function()
      local m = nn.Conv1D(3, 8, 5, { stride = 2, padding = 1 })
      assert.are.same({ 8, 3, 5 }, m.weight:size())
      assert.are.same({ 8 }, m.bias:size())
      assert.are.equal("Conv1D(3 -> 8, kernel_size=5, stride=2, padding=1)", tostring(m))
      assert.are.same({ 2, 8, 5 }, m:forward(credo.zeros(2, 3, 11)):size())
      local bound = 1 / math.sqrt(15)
      assert.is_true(m.weight:abs():max() <= bound and m.bias:abs():max() <= bound)
    end)

    it("takes a channels-last batch through a transpose", function()
      local m = nn.Conv1D(2, 3, 3, { generator = g })
      local xl = g:randn({ 4, 10, 2 })            -- Keras-style (N, L, C)
      local a = m:forward(xl:transpose(2, 3)):clone()
      local b = m:forward(xl:transpose(2, 3):contiguous())
      assert.are.equal(0, credo.sub(a, b):abs():max())
    end)

    it("names the layer and the shapes in its errors", function()
      local m = nn.Conv1D(1, 32, 3)
      assert.has_error(function() m:forward(credo.zeros(8, 16)) end,
        "Conv1D(1 -> 32, kernel_size=3): bad input shape [8,16] (expected [N,1,L])")
      assert.has_error(function() m:forward(credo.zeros(8, 2, 16)) end,
        "Conv1D(1 -> 32, kernel_size=3): bad input shape [8,2,16] (expected [N,1,L])")
      assert.has_error(function() m:forward(credo.zeros(8, 1, 2)) end,
        "Conv1D(1 -> 32, kernel_size=3): input length 2 is shorter than the kernel (3) with padding 0")
      assert.has_error(function() nn.Conv1D(1, 0, 3) end,
        "Conv1D: bad argument #2 (out_channels must be a positive integer, got 0)")
      assert.has_error(function() nn.Conv1D(1, 2, 3, { stride = 0 }) end,
        "Conv1D: bad argument #4 (option 'stride' must be an integer >= 1, got 0)")
      assert.has_error(function() nn.Conv1D(1, 2, 3, { padding = -1 }) end,
        "Conv1D: bad argument #4 (option 'padding' must be an integer >= 0, got -1)")
      assert.has_error(function() nn.Conv1D(1, 2, 3, { dilation = 2 }) end,
        "Conv1D: bad argument #4 (unknown option 'dilation')")
    end)
  end)

  describe("MaxPool1D", function()
    it("pools in floor mode and routes ties to the first maximum", function()
      local m = nn.MaxPool1D(2)
      assert.are.equal("MaxPool1D(kernel_size=2)", tostring(m))
      local x = credo.tensor({ { { 1, 3, 3, 2, 5, 5, 7 } } })
      local y = m:forward(x)
      assert.are.same({ { { 3, 3, 5 } } }, y:totable())
      local dx = m:backward(x, credo.tensor({ { { 1, 2, 4 } } }))
      assert.are.same({ { { 0, 1, 2, 0, 4, 0, 0 } } }, dx:totable())
      local p = nn.MaxPool1D(3, { stride = 1, padding = 1 })
      assert.are.equal("MaxPool1D(kernel_size=3, stride=1, padding=1)", tostring(p))
      assert.are.same({ { { 3, 3, 3, 5, 5, 7, 7 } } }, p:forward(x):totable())
    end)

    it("propagates NaN as torch", function()
      local y = nn.MaxPool1D(2):forward(credo.tensor({ { { 1, 0 / 0, 2, 1 } } }))
      assert.is_true(y:get(1, 1, 1) ~= y:get(1, 1, 1))
      assert.are.equal(2, y:get(1, 1, 2))
    end)

    it("checks its arguments", function()
      assert.has_error(function() nn.MaxPool1D(3, { padding = 2 }) end,
        "MaxPool1D: bad argument #2 (padding must be at most kernel_size / 2, got 2 for kernel_size 3)")
      assert.has_error(function() nn.MaxPool1D(0) end,
        "MaxPool1D: bad argument #1 (kernel_size must be a positive integer, got 0)")
      assert.has_error(function() nn.MaxPool1D(2):forward(credo.zeros(3, 4)) end,
        "MaxPool1D(kernel_size=2): bad input shape [3,4] (expected [N,C,L])")
      assert.has_error(function() nn.MaxPool1D(5):forward(credo.zeros(1, 1, 4)) end,
        "MaxPool1D(kernel_size=5): input length 4 is shorter than the kernel (5) with padding 0")
      local m = nn.MaxPool1D(2)
      m:forward(credo.zeros(1, 2, 4))
      assert.has_error(function() m:backward(nil, credo.zeros(1, 2, 3)) end,
        "MaxPool1D(kernel_size=2): bad grad_output shape [1,2,3] (expected [1,2,2])")
    end)
  end)

  describe("saving and loading", function()
    it("rebuilds the layers with their weights", function()
      local net = nn.Sequential(nn.Conv1D(1, 4, 3, { padding = 1, generator = g }), nn.ReLU(),
        nn.MaxPool1D(2), nn.Flatten())
      local rnn = nn.Sequential(nn.LSTM(2, 5, { num_layers = 2, dropout = 0.1, seed = 4 }),
        nn.GRU(5, 3, { return_sequences = false, recurrent_init = "orthogonal", seed = 5 }))
      local path = os.tmpname()
      for _, m in ipairs { net, rnn } do
        credo.save(path, m)
        local m2 = credo.load(path)
        assert.are.equal(tostring(m), tostring(m2))
        local _, p1 = m:named_parameters()
        local n2, p2 = m2:named_parameters()
        assert.are.equal(#p1, #p2)
        for i = 1, #p1 do
          assert.are.equal(0, credo.sub(p1[i], p2[i]):abs():max(), n2[i])
        end
        m:eval(); m2:eval()
        local x = m == net and g:randn({ 2, 1, 8 }) or g:randn({ 2, 6, 2 })
        assert.are.equal(0, credo.sub(m:forward(x), m2:forward(x)):abs():max())
      end
      os.remove(path)
    end)
  end)

  describe("end to end", function()
    it("learns a synthetic sequence task with the LSTM -> GRU cascade", function()
      -- label 1 when the first half of the sequence sums higher than the
      -- second: the model must remember across time steps.
      local gen = credo.Generator(99)
      local n, T = 512, 8
      local X = gen:randn({ n, T, 1 })
      local first = X:narrow(2, 1, T // 2):sum(2):reshape(n)
      local second = X:narrow(2, T // 2 + 1, T // 2):sum(2):reshape(n)
      local y = credo.gt(first, second)                 -- int64 0/1
      local net = nn.Sequential(nn.LSTM(1, 16, { seed = 1 }),
        nn.GRU(16, 8, { return_sequences = false, seed = 2 }),
        nn.Linear(8, 2, { generator = credo.Generator(3) }))
      local loss = nn.CrossEntropyLoss()
      local opt = credo.optim.Adam(net, { lr = 0.02 })
      local perm_gen = credo.Generator(4)
      for _ = 1, 40 do
        local perm = perm_gen:permutation(n)
        for s = 1, n, 32 do
          local idx = perm:narrow(1, s, 32)
          local xb, yb = X:index_select(1, idx), y:index_select(1, idx)
          net:zero_grad()
          local out = net:forward(xb)
          loss:forward(out, yb)
          net:backward(xb, loss:backward(out, yb))
          opt:step()
        end
      end
      net:eval()
      local _, pred = net:forward(X):max(2)
      local acc = credo.eq(pred:reshape(n) - 1, y):sum() / n
      print(("\n  nn_rnn end to end: train accuracy %.3f"):format(acc))
      assert.is_true(acc >= 0.97, "accuracy " .. acc)
    end)
  end)

  describe("parity with PyTorch 1.13", function()
    local fx = json.read("tests/fixtures/nn_rnn_torch.json")
    local TOL = 1e-5
    local worst = { err = 0, where = "-" }

    local function T(e)
      local data = {}
      for i = 1, e.data.n or #e.data do data[i] = e.data[i] end
      local t = credo.tensor(data, "float32")
      local shape = {}
      for i = 1, e.shape.n or #e.shape do shape[i] = e.shape[i] end
      if #shape ~= 1 then t = t:reshape(shape) end
      return t
    end

    local function close(got, want, where)
      local ws = {}
      for i = 1, want.shape.n or #want.shape do ws[i] = want.shape[i] end
      assert.are.same(ws, got:size(), where .. ": shape")
      local flat = got:contiguous():reshape(-1)
      local err = 0
      for i = 1, #want.data do
        local w = want.data[i]
        err = math.max(err, math.abs(flat[i] - w) / math.max(1, math.abs(w)))
      end
      if err > worst.err then worst.err, worst.where = err, where end
      assert(err <= TOL, ("%s: max relative difference %g > %g"):format(where, err, TOL))
    end

    local function load(m, params)
      for k, v in pairs(params) do m[k]:copy(T(v)) end
    end

    local function rnn_case(name)
      local c = fx[name]
      local cfg = c.config
      local cls = cfg.kind == "lstm" and nn.LSTM or nn.GRU
      local m = cls(cfg.input_size, cfg.hidden_size,
        { num_layers = cfg.num_layers, bias = cfg.bias })
      load(m, c.params)
      m:zero_grad()
      local x = T(c.inputs.x)
      local state = c.inputs.h0 and { h0 = T(c.inputs.h0),
        c0 = c.inputs.c0 and T(c.inputs.c0) or nil } or nil
      local y = m:forward(x, state)
      close(y, c.outputs.out, name .. " out")
      close(m.h_n, c.outputs.h_n, name .. " h_n")
      if c.outputs.c_n then close(m.c_n, c.outputs.c_n, name .. " c_n") end
      local dx, ds = m:backward(x, T(c.upstream.R_out), { h_n = T(c.upstream.R_h),
        c_n = c.upstream.R_c and T(c.upstream.R_c) or nil })
      close(dx, c.grads.dx, name .. " dx")
      if c.grads.dh0 then close(ds.h0, c.grads.dh0, name .. " dh0") end
      if c.grads.dc0 then close(ds.c0, c.grads.dc0, name .. " dc0") end
      for k in pairs(c.params) do
        close(m["grad_" .. k], c.grads["grad_" .. k], name .. " grad_" .. k)
      end
    end

    it("records the fixture's provenance", function()
      assert.matches("^1%.13", fx._about.torch)
    end)

    it("matches LSTM (initial states, two layers, no bias)", function()
      rnn_case("lstm")
      rnn_case("lstm_2layers")
      rnn_case("lstm_nobias")
    end)

    it("matches GRU (initial states, two layers)", function()
      rnn_case("gru")
      rnn_case("gru_2layers")
    end)

    it("matches the LSTM -> GRU stack", function()
      local c = fx.stack
      local cfg = c.config
      local lstm = nn.LSTM(cfg.input_size, cfg.hidden1)
      local gru = nn.GRU(cfg.hidden1, cfg.hidden2, { return_sequences = false })
      load(lstm, c.params.lstm)
      load(gru, c.params.gru)
      local net = nn.Sequential(lstm, gru)
      net:zero_grad()
      local x = T(c.inputs.x)
      close(net:forward(x), c.outputs.out, "stack out")
      close(net:backward(x, T(c.upstream.R_out)), c.grads.dx, "stack dx")
      for k in pairs(c.params.lstm) do
        close(lstm["grad_" .. k], c.grads.lstm["grad_" .. k], "stack lstm grad_" .. k)
      end
      for k in pairs(c.params.gru) do
        close(gru["grad_" .. k], c.grads.gru["grad_" .. k], "stack gru grad_" .. k)
      end
    end)

    it("matches Conv1D (stride, padding, no bias)", function()
      for _, name in ipairs { "conv1d", "conv1d_nobias", "conv1d_nerhf" } do
        local c = fx[name]
        local cfg = c.config
        local m = nn.Conv1D(cfg.in_channels, cfg.out_channels, cfg.kernel_size,
          { stride = cfg.stride, padding = cfg.padding, bias = cfg.bias })
        load(m, c.params)
        m:zero_grad()
        local x = T(c.inputs.x)
        close(m:forward(x), c.outputs.out, name .. " out")
        close(m:backward(x, T(c.upstream.R_out)), c.grads.dx, name .. " dx")
        for k in pairs(c.params) do
          close(m["grad_" .. k], c.grads["grad_" .. k], name .. " grad_" .. k)
        end
      end
    end)

    it("matches MaxPool1D", function()
      for _, name in ipairs { "maxpool1d", "maxpool1d_k2" } do
        local c = fx[name]
        local cfg = c.config
        local m = nn.MaxPool1D(cfg.kernel_size, { stride = cfg.stride, padding = cfg.padding })
        local x = T(c.inputs.x)
        close(m:forward(x), c.outputs.out, name .. " out")
        close(m:backward(x, T(c.upstream.R_out)), c.grads.dx, name .. " dx")
      end
    end)

    it("reports the worst difference", function()
      print(("\n  nn_rnn parity: max relative difference %.3g (%s)"):format(worst.err, worst.where))
    end)
  end)
end)
