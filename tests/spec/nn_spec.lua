-- credo.nn: the module protocol, layers, containers, losses, initialisers,
-- save/load and error messages (docs/nn.md).  Gradient checks are in
-- nn_gradcheck_spec.lua, PyTorch parity in nn_parity_spec.lua.
local credo = require "credo"
local nn = credo.nn

local function shape(t) return table.concat(t:size(), ",") end

local function max_abs_diff(a, b)
  return credo.sub(a, b):abs():max()
end

describe("nn", function()
  describe("Module protocol", function()
    it("exposes layers as credo.nn.<Class>", function()
      assert.are.equal(nn.Linear, nn.Module.registry.Linear)
      assert.is_true(nn.is_module(nn.ReLU()))
      assert.is_false(nn.is_module({}))
    end)

    it("returns params and grads in a stable order, the tensors themselves", function()
      local net = nn.Sequential():add(nn.Linear(3, 4)):add(nn.ReLU()):add(nn.Linear(4, 2, { bias = false }))
      local params, grads = net:parameters()
      assert.are.equal(3, #params)
      assert.are.equal(3, #grads)
      assert.are.equal(net:get(1).weight, params[1])
      assert.are.equal(net:get(1).bias, params[2])
      assert.are.equal(net:get(3).weight, params[3])
      assert.are.equal(net:get(1).grad_weight, grads[1])
      local names = net:named_parameters()
      assert.are.same({ "1.weight", "1.bias", "3.weight" }, names)
      local p2 = net:parameters()
      for i = 1, 3 do assert.are.equal(params[i], p2[i]) end
      assert.are.equal(12 + 4 + 8, net:n_parameters())
    end)

    it("accumulates gradients until zero_grad", function()
      local l = nn.Linear(3, 2, { generator = credo.Generator(1) })
      local x = credo.randn(4, 3)
      local g = credo.ones(4, 2)
      l:forward(x)
      l:backward(x, g)
      local once = l.grad_weight:clone()
      l:backward(x, g)
      assert.is_true(max_abs_diff(l.grad_weight, credo.mul(once, 2)) < 1e-6)
      assert.are.equal(l, l:zero_grad())
      assert.are.equal(0, l.grad_weight:abs():max())
      assert.are.equal(0, l.grad_bias:abs():max())
    end)

    it("propagates train/eval to children and returns self", function()
      local d = nn.Dropout(0.5)
      local inner = nn.Sequential():add(d)
      local net = nn.Sequential():add(nn.Linear(2, 2)):add(inner)
      assert.is_true(d.training)
      assert.are.equal(net, net:eval())
      assert.is_false(d.training)
      assert.is_false(inner.training)
      net:train()
      assert.is_true(d.training)
      net:train(false)
      assert.is_false(d.training)
    end)

    it("converts parameters, gradients and buffers with type()", function()
      local net = nn.Sequential():add(nn.Linear(3, 4)):add(nn.BatchNorm1d(4))
      assert.are.equal("float32", net:dtype())
      assert.are.equal(net, net:double())
      assert.are.equal("float64", net:dtype())
      local params, grads = net:parameters()
      for i = 1, #params do
        assert.are.equal("float64", params[i]:dtype())
        assert.are.equal("float64", grads[i]:dtype())
      end
      assert.are.equal("float64", net:get(2).running_var:dtype())
      assert.are.equal("int64", net:get(2).num_batches_tracked:dtype())
      local y = net:forward(credo.randn({ 5, 3 }, "float64"))
      assert.are.equal("float64", y:dtype())
      net:float()
      assert.are.equal("float32", net:get(1).weight:dtype())
      assert.has_error(function() net:type("int64") end,
        "Sequential: type() expects 'float32' or 'float64' (got int64)")
    end)

    it("prints shapes, PyTorch style", function()
      assert.are.equal("Linear(30 -> 16)", tostring(nn.Linear(30, 16)))
      assert.are.equal("Linear(3 -> 1, bias=false)", tostring(nn.Linear(3, 1, { bias = false })))
      local net = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1))
      assert.are.equal("Sequential(\n  (1): Linear(30 -> 16)\n  (2): ReLU\n  (3): Linear(16 -> 1)\n)",
        tostring(net))
      assert.are.equal("BatchNorm1d(8)", tostring(nn.BatchNorm1d(8)))
      assert.are.equal("Dropout(p=0.2)", tostring(nn.Dropout(0.2)))
      assert.are.equal("Embedding(10, 4)", tostring(nn.Embedding(10, 4)))
      assert.are.equal("Softmax(dim=-1)", tostring(nn.Softmax()))
      assert.are.equal("LeakyReLU(0.2)", tostring(nn.LeakyReLU(0.2)))
      assert.are.equal("CrossEntropyLoss()", tostring(nn.CrossEntropyLoss()))
      assert.are.equal("HuberLoss(delta=2, reduction='sum')",
        tostring(nn.HuberLoss { delta = 2, reduction = "sum" }))
    end)

    it("summarises layers, output shapes and parameter counts", function()
      local net = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1))
      local s = net:summary({ 1, 30 })
      assert.matches("%(1%) Linear%(30 %-> 16%)%s+%[1,16%]%s+496", s)
      assert.matches("%(4%) Linear%(16 %-> 1%)%s+%[1,1%]%s+17", s)
      assert.matches("Total parameters: 513", s)
      assert.is_true(net:get(3).training)   -- the modes are restored
      local s2 = net:summary(credo.randn(7, 30))
      assert.matches("%[7,16%]", s2)
    end)

    it("reuses its output workspace while the shape repeats, one per module", function()
      local a, b = nn.Linear(3, 2), nn.Linear(3, 2)
      local x = credo.randn(4, 3)
      local y1 = a:forward(x)
      local y2 = a:forward(credo.randn(4, 3))
      assert.are.equal(y1, y2)             -- same tensor: no allocation
      assert.are_not.equal(y1, b:forward(x))
      local y3 = a:forward(credo.randn(5, 3))
      assert.are_not.equal(y1, y3)
      assert.are.same({ 5, 2 }, y3:size())
      local r = nn.ReLU()
      assert.are.equal(r:forward(x), r:forward(x))
    end)

    it("takes strided inputs and never modifies them", function()
      local l = nn.Linear(3, 2, { generator = credo.Generator(3) })
      local base = credo.randn(3, 4)
      local xt = base:t()                  -- (4, 3), not contiguous
      local before = base:clone()
      local y = l:forward(xt):clone()
      local yc = l:forward(xt:contiguous())
      assert.is_true(max_abs_diff(y, yc) == 0)
      assert.are.equal(0, max_abs_diff(base, before))
    end)

    it("is callable: m(x) is m:forward(x)", function()
      local r = nn.Tanh()
      local x = credo.tensor { 0.5, -1 }
      assert.are.equal(0, max_abs_diff(r(x), x:tanh()))
    end)
  end)

  describe("aliasing of a module's own workspaces", function()
    it("copies an input that is the module's last output or grad_input", function()
      credo.seed(3)
      local l = nn.Linear(3, 3)
      local x = credo.randn(4, 3)
      local y = l:forward(x)
      local want = l:forward(y:clone()):clone()
      y = l:forward(x)
      assert.is_true(y:shares_storage(l:forward(x)))        -- the output is a workspace
      local got = l:forward(y)                               -- fed straight back in
      assert.is_true((got - want):abs():max() == 0)
      local r = nn.ReLU()
      local z = credo.randn(4, 3)
      r:forward(z)
      local g = credo.randn(4, 3)
      local gi = r:backward(z, g)
      local want2 = r:backward(z, gi:clone()):clone()
      gi = r:backward(z, g)
      local got2 = r:backward(z, gi:narrow(1, 1, 4))         -- a view of grad_input
      assert.is_true((got2 - want2):abs():max() == 0)
      assert.is_true(want2:abs():sum() > 0)                  -- not vacuous
    end)
  end)

  describe("Linear", function()
    it("initialises as torch: weight and bias in U(-1/sqrt(in), 1/sqrt(in)), seeded", function()
      local a = nn.Linear(100, 50, { generator = credo.Generator(7) })
      local b = nn.Linear(100, 50, { generator = credo.Generator(7) })
      assert.are.equal(0, max_abs_diff(a.weight, b.weight))
      assert.are.equal(0, max_abs_diff(a.bias, b.bias))
      local bound = 1 / math.sqrt(100)
      assert.is_true(a.weight:abs():max() <= bound)
      assert.is_true(a.weight:abs():max() > 0.9 * bound)
      assert.is_true(a.bias:abs():max() <= bound)
      -- U(-b, b) has variance b^2/3
      assert.is_true(math.abs(a.weight:var() - bound ^ 2 / 3) < 0.1 * bound ^ 2 / 3)
    end)

    it("computes x W^T + b on 2-d and 3-d inputs", function()
      local l = nn.Linear(2, 3, { generator = credo.Generator(1) })
      local x = credo.tensor { { 1, 2 }, { 3, 4 } }
      local want = credo.addmm(l.bias, x, l.weight:t())
      assert.is_true(max_abs_diff(l:forward(x), want) < 1e-6)
      local y3 = l:forward(credo.randn(2, 5, 2))
      assert.are.same({ 2, 5, 3 }, y3:size())
    end)

    it("errors on a bad input shape, naming the layer", function()
      local l = nn.Linear(30, 16)
      assert.has_error(function() l:forward(credo.zeros(8, 20)) end,
        "Linear(30 -> 16): bad input shape [8,20] (expected [N,30])")
      assert.has_error(function() l:forward(credo.zeros(30)) end,
        "Linear(30 -> 16): bad input shape [30] (expected [N,30])")
    end)

    it("errors on a wrong dtype", function()
      assert.has_error(function() nn.Linear(3, 2):forward(credo.zeros({ 4, 3 }, "float64")) end,
        "Linear(3 -> 2): bad input dtype float64 (expected float32: convert the input with :float() or the module with :double())")
      assert.has_error(function() nn.Linear(3, 2):forward("x") end,
        "Linear(3 -> 2): input must be a tensor (got string)")
    end)

    it("errors on bad constructor arguments", function()
      assert.has_error(function() nn.Linear(0, 2) end,
        "Linear: bad argument #1 (in_features must be a positive integer, got 0)")
      assert.has_error(function() nn.Linear(3, 2.5) end,
        "Linear: bad argument #2 (out_features must be a positive integer, got 2.5)")
      assert.has_error(function() nn.Linear(3, 2, { bais = false }) end,
        "Linear: bad argument #3 (unknown option 'bais')")
      assert.has_error(function() nn.Linear(3, 2, { generator = 1 }) end,
        "Linear: bad argument #3 (option 'generator' must be a credo.Generator)")
    end)
  end)

  describe("Dropout", function()
    it("is the identity in eval mode and when p = 0", function()
      local x = credo.randn(5, 4)
      local d = nn.Dropout(0.5):eval()
      assert.are.equal(x, d:forward(x))
      local g = credo.randn(5, 4)
      assert.are.equal(g, d:backward(x, g))
      assert.are.equal(x, nn.Dropout(0):forward(x))
    end)

    it("zeroes about p of the elements and scales the rest by 1/(1-p)", function()
      local d = nn.Dropout(0.25, { seed = 3 })
      local y = d:forward(credo.ones(200, 100))
      local zeros = y:eq(0):sum()
      assert.is_true(math.abs(zeros / 20000 - 0.25) < 0.02)
      assert.is_true(math.abs(y:max() - 1 / 0.75) < 1e-6)
      local dx = d:backward(credo.ones(200, 100), credo.ones(200, 100))
      assert.are.equal(0, max_abs_diff(dx, y))
    end)

    it("draws the same mask from the same seed", function()
      local x = credo.randn(10, 10)
      local a = nn.Dropout(0.5, { seed = 11 }):forward(x):clone()
      local b = nn.Dropout(0.5, { generator = credo.Generator(11) }):forward(x)
      assert.are.equal(0, max_abs_diff(a, b))
    end)

    it("errors on a bad p", function()
      assert.has_error(function() nn.Dropout(1.5) end,
        "Dropout: bad argument #1 (p must be a number in [0, 1], got 1.5)")
      assert.has_error(function() nn.Dropout(0.5, { seed = 1, generator = credo.Generator(1) }) end,
        "Dropout: bad argument #2 (give a generator or a seed, not both)")
    end)
  end)

  describe("BatchNorm1d", function()
    it("updates running statistics in training (momentum 0.1, unbiased variance)", function()
      local bn = nn.BatchNorm1d(2)
      local x = credo.tensor { { 1, 10 }, { 3, 20 }, { 5, 60 } }
      bn:forward(x)
      -- mean (3, 30), unbiased var (4, 700)
      assert.is_true(max_abs_diff(bn.running_mean, credo.tensor { 0.3, 3 }) < 1e-6)
      assert.is_true(max_abs_diff(bn.running_var, credo.tensor { 0.9 + 0.4, 0.9 + 70 }) < 1e-4)
      assert.are.equal(1, bn.num_batches_tracked:item())
    end)

    it("normalises with the running statistics in eval mode", function()
      local bn = nn.BatchNorm1d(2):eval()
      bn.running_mean:copy(credo.tensor { 1, 2 })
      bn.running_var:copy(credo.tensor { 4, 9 })
      local y = bn:forward(credo.tensor { { 3, 8 } })
      assert.is_true(max_abs_diff(y, credo.tensor { { 2 / math.sqrt(4 + 1e-5), 6 / math.sqrt(9 + 1e-5) } }) < 1e-6)
      assert.are.equal(0, bn.num_batches_tracked:item())
    end)

    it("takes (N, C, L) inputs", function()
      local y = nn.BatchNorm1d(3):forward(credo.randn(4, 3, 5))
      assert.are.same({ 4, 3, 5 }, y:size())
      assert.is_true(math.abs(y:select(2, 1):mean()) < 1e-5)
    end)

    it("errors on one value per channel in training, and on a bad shape", function()
      local bn = nn.BatchNorm1d(3)
      assert.has_error(function() bn:forward(credo.zeros(1, 3)) end,
        "BatchNorm1d(3): expected more than 1 value per channel when training, got input shape [1,3]")
      assert.has_error(function() bn:forward(credo.zeros(4, 2)) end,
        "BatchNorm1d(3): bad input shape [4,2] (expected [N,3] or [N,3,L])")
      bn:eval()
      assert.are.same({ 1, 3 }, bn:forward(credo.zeros(1, 3)):size())
    end)
  end)

  describe("activations", function()
    it("compute their formulas", function()
      local x = credo.tensor { { -2, -0.5, 0.5, 3 } }
      assert.are.equal(0, max_abs_diff(nn.ReLU():forward(x), credo.tensor { { 0, 0, 0.5, 3 } }))
      assert.is_true(max_abs_diff(nn.LeakyReLU(0.1):forward(x), credo.tensor { { -0.2, -0.05, 0.5, 3 } }) < 1e-7)
      assert.is_true(max_abs_diff(nn.Sigmoid():forward(x), x:sigmoid()) < 1e-7)
      assert.is_true(max_abs_diff(nn.Tanh():forward(x), x:tanh()) < 1e-7)
      local s = nn.Softmax():forward(x)
      assert.is_true(math.abs(s:sum() - 1) < 1e-6)
      local ls = nn.LogSoftmax():forward(x)
      assert.is_true(max_abs_diff(ls:exp(), s) < 1e-6)
    end)

    it("take softmax along a given dim", function()
      local x = credo.randn(3, 4)
      local s = nn.Softmax(1):forward(x)
      assert.is_true(max_abs_diff(s:sum(1), credo.ones(4)) < 1e-6)
      assert.has_error(function() nn.Softmax(3):forward(x) end,
        "Softmax(dim=3): dim 3 out of range for input shape [3,4]")
      assert.has_error(function() nn.Softmax(0) end,
        "Softmax: bad argument #1 (dim must be 1-based or negative, got 0)")
    end)

    it("refuse int64 inputs", function()
      assert.has_error(function() nn.ReLU():forward(credo.tensor({ 1 }, "int64")) end,
        "ReLU: bad input dtype int64 (expected float32 or float64)")
    end)
  end)

  describe("Flatten and Identity", function()
    it("flatten all but the batch dim by default", function()
      local x = credo.randn(2, 3, 4)
      local f = nn.Flatten()
      local y = f:forward(x)
      assert.are.same({ 2, 12 }, y:size())
      assert.are.same({ 2, 3, 4 }, f:backward(x, credo.ones(2, 12)):size())
      assert.are.same({ 6, 4 }, nn.Flatten(1, 2):forward(x):size())
      local id = nn.Identity()
      assert.are.equal(x, id:forward(x))
      assert.are.equal(y, id:backward(x, y))
    end)
  end)

  describe("Embedding", function()
    it("looks up 1-based rows and scatter-adds gradients", function()
      local e = nn.Embedding(4, 2, { generator = credo.Generator(2) })
      local idx = credo.tensor({ { 1, 4 }, { 4, 2 } }, "int64")
      local y = e:forward(idx)
      assert.are.same({ 2, 2, 2 }, y:size())
      assert.are.equal(0, max_abs_diff(y[1][2], e.weight[4]))
      assert.is_nil(e:backward(idx, credo.ones(2, 2, 2)))
      assert.are.equal(2, e.grad_weight:get(4, 1))
      assert.are.equal(0, e.grad_weight:get(3, 1))
      assert.are.equal("int64", e:input_dtype())
    end)

    it("errors on indices out of range or of the wrong dtype", function()
      local e = nn.Embedding(4, 2)
      assert.has_error(function() e:forward(credo.tensor({ 1, 5 }, "int64")) end,
        "Embedding(4, 2): index 5 at position 2 out of range 1..4 (indices are 1-based)")
      assert.has_error(function() e:forward(credo.tensor({ 0 }, "int64")) end,
        "Embedding(4, 2): index 0 at position 1 out of range 1..4 (indices are 1-based)")
      assert.has_error(function() e:forward(credo.tensor { 1, 2 }) end,
        "Embedding(4, 2): bad input dtype float32 (expected int64 indices, 1-based)")
    end)
  end)

  describe("Sequential", function()
    it("chains add() and names the failing layer", function()
      local net = nn.Sequential()
      assert.are.equal(net, net:add(nn.Linear(30, 16)))
      net:add(nn.ReLU()):add(nn.Linear(20, 8))
      assert.has_error(function() net:forward(credo.zeros(8, 30)) end,
        "Sequential layer 3 (Linear(20 -> 8)): bad input shape [8,16] (expected [N,20])")
      assert.are.equal(3, #net)
    end)

    it("chains the path through nested containers", function()
      local net = nn.Sequential(nn.Linear(4, 4),
        nn.Sequential(nn.ReLU(), nn.Linear(5, 2)))
      assert.has_error(function() net:forward(credo.zeros(2, 4)) end,
        "Sequential layer 2 > Sequential layer 2 (Linear(5 -> 2)): bad input shape [2,4] (expected [N,5])")
    end)

    it("refuses non-modules and a module added twice", function()
      local l = nn.Linear(2, 2)
      local net = nn.Sequential(l)
      assert.has_error(function() net:add(l) end)
      assert.has_error(function() nn.Sequential(3) end,
        "Sequential: bad argument #1 (expected a module, got number)")
    end)

    it("matches composing the layers by hand", function()
      local l1, l2 = nn.Linear(3, 4), nn.Linear(4, 2)
      local net = nn.Sequential(l1, nn.Tanh(), l2)
      local x = credo.randn(5, 3)
      local want = l2:forward(l1:forward(x):tanh()):clone()
      assert.is_true(max_abs_diff(net:forward(x), want) < 1e-6)
    end)
  end)

  describe("Parallel and Concat", function()
    local function wide_deep()
      local g = credo.Generator(5)
      local deep = nn.Sequential(nn.Linear(3, 8, { generator = g }), nn.ReLU())
      return nn.Sequential()
        :add(nn.Parallel():add(nn.Linear(6, 1, { generator = g })):add(deep))
        :add(nn.Linear(9, 1, { generator = g }))
    end

    it("runs the Wide & Deep model on a list of inputs", function()
      local net = wide_deep()
      local xw, xd = credo.randn(4, 6), credo.randn(4, 3)
      local y = net:forward({ xw, xd })
      assert.are.same({ 4, 1 }, y:size())
      local gins = net:backward({ xw, xd }, credo.ones(4, 1))
      assert.are.equal(2, #gins)
      assert.are.same({ 4, 6 }, gins[1]:size())
      assert.are.same({ 4, 3 }, gins[2]:size())
      local par = net:get(1)
      local joined = credo.cat({ par:get(1):forward(xw), par:get(2):forward(xd) }, 2)
      assert.is_true(max_abs_diff(net:get(2):forward(joined), y) < 1e-6)
    end)

    it("errors on the wrong number of inputs and names a failing branch", function()
      local net = wide_deep()
      assert.has_error(function() net:forward({ credo.zeros(4, 6) }) end,
        "Sequential layer 1 (Parallel): expected a list of 2 inputs, one per branch (got a list of 1)")
      assert.has_error(function() net:forward({ credo.zeros(4, 6), credo.zeros(4, 2) }) end,
        "Sequential layer 1 > Parallel branch 2 > Sequential layer 1 (Linear(3 -> 8)): bad input shape [4,2] (expected [N,3])")
      local p = nn.Parallel():add(nn.Identity()):add(nn.Identity())
      assert.has_error(function() p:forward({ credo.zeros(4, 2), credo.zeros(3, 2) }) end,
        "Parallel: branch outputs [4,2] (branch 1) and [3,2] (branch 2) do not join along dim 2")
    end)

    it("Concat feeds every branch the same input and sums their gradients", function()
      local a, b = nn.Linear(3, 2), nn.Linear(3, 4)
      local c = nn.Concat():add(a):add(b)
      local x = credo.randn(5, 3)
      local y = c:forward(x)
      assert.are.same({ 5, 6 }, y:size())
      local g = c:backward(x, credo.ones(5, 6))
      local want = credo.add(credo.ones(5, 2):mm(a.weight), credo.ones(5, 4):mm(b.weight))
      assert.is_true(max_abs_diff(g, want) < 1e-5)
    end)
  end)

  describe("losses", function()
    it("reduce by mean (default), sum or not at all", function()
      local x, y = credo.tensor { 1, 2, 3 }, credo.tensor { 1, 1, 1 }
      assert.is_true(math.abs(nn.MSELoss():forward(x, y) - 5 / 3) < 1e-6)
      assert.is_true(math.abs(nn.MSELoss { reduction = "sum" }:forward(x, y) - 5) < 1e-6)
      local none = nn.MSELoss { reduction = "none" }:forward(x, y)
      assert.are.same({ 3 }, none:size())
      assert.has_error(function() nn.MSELoss { reduction = "avg" } end,
        "MSELoss: bad argument #1 (reduction must be 'mean', 'sum' or 'none', got avg)")
      assert.has_error(function() nn.MSELoss { delta = 1 } end,
        "MSELoss: bad argument #1 (unknown option 'delta')")
    end)

    it("return NaN and infinite losses instead of raising", function()
      local v = nn.MSELoss():forward(credo.tensor { 0 / 0, 1 }, credo.tensor { 1, 1 })
      assert.is_true(v ~= v)
      v = nn.BCEWithLogitsLoss():forward(credo.tensor { math.huge }, credo.tensor { 0 })
      assert.are.equal(math.huge, v)
      v = nn.BCELoss():forward(credo.tensor { 0 / 0 }, credo.tensor { 1 })
      assert.is_true(v ~= v)
    end)

    it("take an (N) target for an (N,1) input, and int64 0/1 labels", function()
      local x = credo.tensor { { 0.5 }, { -1 } }
      local l = nn.BCEWithLogitsLoss()
      local a = l:forward(x, credo.tensor({ 1, 0 }, "int64"))
      local b = l:forward(x, credo.tensor { { 1 }, { 0 } })
      assert.is_true(math.abs(a - b) < 1e-7)
      assert.has_error(function() l:forward(x, credo.tensor { 1, 0, 1 }) end,
        "BCEWithLogitsLoss(): target shape [3] does not match input shape [2,1]")
    end)

    it("weight BCE per sample (sum(w l) / N, as torch)", function()
      local p, y = credo.tensor { 0.2, 0.7 }, credo.tensor { 0, 1 }
      local w = credo.tensor { 2, 0.5 }
      local v = nn.BCELoss():forward(p, y, w)
      local want = (2 * -math.log(0.8) + 0.5 * -math.log(0.7)) / 2
      assert.is_true(math.abs(v - want) < 1e-6)
      assert.has_error(function() nn.BCELoss():forward(credo.tensor { 1.5 }, credo.tensor { 1 }) end,
        "BCELoss(): input must hold probabilities in [0, 1] (got values in [1.5, 1.5]; for logits use BCEWithLogitsLoss)")
    end)

    it("use pos_weight in BCEWithLogitsLoss", function()
      local x, y = credo.tensor { 0.3 }, credo.tensor { 1 }
      local plain = nn.BCEWithLogitsLoss():forward(x, y)
      local weighted = nn.BCEWithLogitsLoss { pos_weight = 3 }:forward(x, y)
      assert.is_true(math.abs(weighted - 3 * plain) < 1e-6)
      assert.are.equal("BCEWithLogitsLoss(pos_weight=3.0)", tostring(nn.BCEWithLogitsLoss { pos_weight = 3 }))
    end)

    it("use 0-based class labels and torch's weighted mean in CrossEntropyLoss", function()
      local x = credo.tensor { { 2, 0, 0 }, { 0, 0, 3 } }
      local t = credo.tensor({ 0, 2 }, "int64")
      local l1 = -math.log(math.exp(2) / (math.exp(2) + 2))
      local l2 = -math.log(math.exp(3) / (math.exp(3) + 2))
      assert.is_true(math.abs(nn.CrossEntropyLoss():forward(x, t) - (l1 + l2) / 2) < 1e-6)
      local cw = credo.tensor { 1, 1, 3 }
      local v = nn.CrossEntropyLoss { weight = cw }:forward(x, t)
      assert.is_true(math.abs(v - (l1 + 3 * l2) / 4) < 1e-6)
    end)

    it("errors on bad labels, naming the value", function()
      local l = nn.CrossEntropyLoss()
      local x = credo.zeros(2, 3)
      assert.has_error(function() l:forward(x, credo.tensor({ 0, 3 }, "int64")) end,
        "CrossEntropyLoss(): target 3 at position 2 out of range for 3 classes (labels are 0..2)")
      assert.has_error(function() l:forward(x, credo.tensor { 0, 1 }) end,
        "CrossEntropyLoss(): bad target dtype float32 (expected int64 class labels 0..2)")
      assert.has_error(function() l:forward(credo.zeros(3), credo.tensor({ 0 }, "int64")) end,
        "CrossEntropyLoss(): bad input shape [3] (expected [N,C] logits)")
    end)

    it("take a grad_output with reduction 'none'", function()
      local l = nn.MSELoss { reduction = "none" }
      local x, y = credo.tensor { 1, 2 }, credo.tensor { 0, 0 }
      l:forward(x, y)
      local g = l:backward(x, y, nil, credo.tensor { 1, 10 })
      assert.is_true(max_abs_diff(g, credo.tensor { 2, 40 }) < 1e-6)
    end)
  end)

  describe("init", function()
    local init = nn.init
    it("computes torch's gains and fans", function()
      assert.are.equal(1, init.calculate_gain("sigmoid"))
      assert.are.equal(5 / 3, init.calculate_gain("tanh"))
      assert.are.equal(math.sqrt(2), init.calculate_gain("relu"))
      assert.is_true(math.abs(init.calculate_gain("leaky_relu", 0.2) - math.sqrt(2 / 1.04)) < 1e-15)
      assert.is_true(math.abs(init.calculate_gain("leaky_relu") - math.sqrt(2 / 1.0001)) < 1e-15)
      local fi, fo = init.fans(credo.zeros(16, 30))
      assert.are.equal(30, fi)
      assert.are.equal(16, fo)
      fi, fo = init.fans(credo.zeros(8, 4, 3))
      assert.are.equal(12, fi)
      assert.are.equal(24, fo)
      assert.has_error(function() init.fans(credo.zeros(3)) end)
      assert.has_error(function() init.calculate_gain("swish") end,
        "calculate_gain: unsupported nonlinearity 'swish'")
    end)

    it("draws xavier and kaiming weights with the right spread, seeded", function()
      local w = credo.zeros(200, 300)
      init.xavier_uniform_(w, { generator = credo.Generator(1) })
      local a = math.sqrt(6 / 500)
      assert.is_true(w:abs():max() <= a)
      assert.is_true(math.abs(w:std() - a / math.sqrt(3)) < 0.02 * a)
      init.xavier_normal_(w, { gain = 2, generator = credo.Generator(1) })
      assert.is_true(math.abs(w:std() - 2 * math.sqrt(2 / 500)) < 0.02 * 2 * math.sqrt(2 / 500))
      init.kaiming_normal_(w, { nonlinearity = "relu", generator = credo.Generator(1) })
      assert.is_true(math.abs(w:std() - math.sqrt(2 / 300)) < 0.02 * math.sqrt(2 / 300))
      init.kaiming_uniform_(w, { mode = "fan_out", nonlinearity = "relu", generator = credo.Generator(1) })
      assert.is_true(w:abs():max() <= math.sqrt(3) * math.sqrt(2 / 200))
      local w2 = credo.zeros(200, 300)
      init.kaiming_uniform_(w2, { mode = "fan_out", nonlinearity = "relu", generator = credo.Generator(1) })
      assert.are.equal(0, max_abs_diff(w, w2))
      assert.has_error(function() init.kaiming_uniform_(w, { mode = "fan" }) end,
        "kaiming_uniform_: mode must be 'fan_in' or 'fan_out' (got 'fan')")
    end)

    it("makes orthogonal matrices (rows or columns orthonormal) times gain", function()
      local tall = credo.zeros({ 6, 4 }, "float64")
      init.orthogonal_(tall, { generator = credo.Generator(2) })
      assert.is_true(max_abs_diff(tall:t():mm(tall), credo.eye(4, "float64")) < 1e-12)
      local wide = credo.zeros(3, 8)
      init.orthogonal_(wide, { gain = 2, generator = credo.Generator(2) })
      assert.is_true(max_abs_diff(wide:mm(wide:t()), credo.eye(3):mul(4)) < 1e-5)
    end)

    it("fills constants", function()
      local t = credo.zeros(2, 2)
      init.constant_(t, 3)
      assert.are.equal(12, t:sum())
      init.zeros_(t)
      assert.are.equal(0, t:sum())
      init.ones_(t)
      assert.are.equal(4, t:sum())
    end)
  end)

  describe("saving and loading", function()
    local path = os.tmpname()
    after_each(function() os.remove(path) end)

    it("round-trips a network through credo.save / credo.load", function()
      local net = nn.Sequential()
        :add(nn.Linear(4, 6)):add(nn.BatchNorm1d(6)):add(nn.LeakyReLU(0.2))
        :add(nn.Dropout(0.3, { seed = 9 })):add(nn.Linear(6, 3, { bias = false }))
        :add(nn.LogSoftmax(2))
      net:forward(credo.randn(5, 4))             -- move the running statistics
      net:eval()
      credo.save(path, net)
      local before = credo.get_generator():get_state()
      local back = credo.load(path)
      assert.are.same(before, credo.get_generator():get_state())  -- loading draws nothing
      assert.are.equal(tostring(net), tostring(back))
      assert.is_false(back:get(4).training)
      assert.are.equal(0.3, back:get(4).p)
      assert.are.equal(0, max_abs_diff(net:get(2).running_var, back:get(2).running_var))
      local x = credo.randn(3, 4)
      assert.are.equal(0, max_abs_diff(net:forward(x), back:forward(x)))
    end)

    it("round-trips a Parallel model and float64 parameters", function()
      local net = nn.Sequential(
        nn.Parallel():add(nn.Linear(2, 1)):add(nn.Sequential(nn.Embedding(5, 2), nn.Flatten())),
        nn.Linear(3, 1)):double()
      credo.save(path, net)
      local back = credo.load(path)
      assert.are.equal("float64", back:dtype())
      assert.are.equal(tostring(net), tostring(back))
      local x = { credo.randn({ 4, 2 }, "float64"), credo.tensor({ { 1 }, { 5 }, { 2 }, { 2 } }, "int64") }
      local y = net:forward(x):clone()
      assert.are.same({ 4, 1 }, y:size())
      assert.are.equal(0, max_abs_diff(back:forward(x), y))
    end)

    it("refuses unknown classes and mismatched parameters", function()
      assert.has_error(function() nn.from_state({ __class = "nn.Nope", args = { n = 0 } }) end,
        "load: unknown module class 'nn.Nope'")
      local st = nn.Linear(3, 2):get_state()
      st.params.weight = credo.zeros(2, 4)
      assert.has_error(function() nn.from_state(st) end,
        "load: Linear(3 -> 2): param 'weight' has shape [2,4] (expected [2,3])")
      assert.has_error(function() nn.from_state({ __class = "os.execute" }) end,
        "load: 'os.execute' is not a credo.nn class")
    end)

    it("clones independently", function()
      local l = nn.Linear(2, 2)
      local c = l:clone()
      assert.are.equal(0, max_abs_diff(l.weight, c.weight))
      c.weight:fill_(0)
      assert.is_true(l.weight:abs():max() > 0)
    end)
  end)

  describe("gradcheck", function()
    it("fails on a wrong backward (the checker can fail)", function()
      local Bad = nn.Module.class("SpecBadScale")
      function Bad:forward(x) return credo.mul(x, 2) end
      function Bad:backward(_, g) return credo.mul(g, 2.001) end
      local r = nn.gradcheck.module(Bad(), credo.randn({ 3 }, "float64"))
      assert.is_false(r.ok)
      assert.matches("gradcheck failed: input%[1%]", r.message)
    end)

    it("fails when backward overwrites parameter gradients instead of adding", function()
      local Over = nn.Module.class("SpecOverwrite")
      function Over:__init() self:register_parameter("w", credo.ones({ 2 }, "float64")) end
      function Over:forward(x) return credo.mul(x, self.w) end
      function Over:backward(x, g)
        self.grad_w:copy(credo.mul(g, x))
        return credo.mul(g, self.w)
      end
      local r = nn.gradcheck.module(Over(), credo.randn({ 2 }, "float64"))
      assert.is_false(r.ok)
      assert.matches("did not add", r.message)
    end)

    it("counts kinks instead of failing on them", function()
      local x = credo.tensor({ 0, 1, -1 }, "float64")
      local r = nn.gradcheck.module(nn.ReLU(), x)
      assert.is_true(r.ok, r.message)
      assert.are.equal(1, r.kinks)
    end)

    it("refuses float32 modules", function()
      assert.has_error(function() nn.gradcheck.module(nn.Linear(2, 2), credo.randn(2, 2)) end)
    end)
  end)
end)
