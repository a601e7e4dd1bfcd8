-- Float64 central-difference gradient checks (credo.nn.gradcheck) of every
-- layer, container and loss of credo.nn, input and parameter gradients, on
-- contiguous and strided (transposed, narrowed) inputs.  Inputs of the
-- ReLU family and of Huber are kept away from their kinks, so no element
-- may be skipped (kinks == 0) unless a test says otherwise.
local credo = require "credo"
local nn = credo.nn
local gc = nn.gradcheck

local g = credo.Generator(20240611)
local worst = { abs = 0, rel = 0, where = "-" }

local function randn(...) return g:randn({ ... }, "float64") end

-- (rows, cols) float64 data as a transposed view (not contiguous)
local function transposed(rows, cols) return randn(cols, rows):t() end
-- (rows, cols) as a narrowed view of a wider tensor (row stride > cols)
local function narrowed(rows, cols) return randn(rows, cols + 3):narrow(2, 2, cols) end

-- move values away from 0 (the ReLU kink)
local function off_zero(t)
  local mask = t:abs():lt(0.05)
  return credo.where(mask, credo.add(t, 0.2), t)
end

local function ok(name, r, kinks)
  assert.is_true(r.ok, name .. ": " .. r.message)
  assert.are.equal(kinks or 0, r.kinks, name .. ": kinks")
  assert.is_true(r.checked > 0, name .. ": nothing checked")
  if r.max_abs > worst.abs then worst.abs, worst.where = r.max_abs, name end
  if r.max_rel > worst.rel then worst.rel = r.max_rel end
end

local layouts = {
  { "contiguous", function(r, c) return randn(r, c) end },
  { "transposed", transposed },
  { "narrowed", narrowed },
}

describe("nn gradcheck", function()
  for _, lay in ipairs(layouts) do
    local name, make = lay[1], lay[2]
    describe("on " .. name .. " inputs", function()
      it("checks Linear (with and without bias)", function()
        ok("Linear " .. name, gc.module(nn.Linear(4, 3, { generator = g }):double(), make(5, 4)))
        ok("Linear nobias " .. name,
          gc.module(nn.Linear(4, 2, { bias = false, generator = g }):double(), make(3, 4)))
      end)

      it("checks the activations", function()
        ok("ReLU " .. name, gc.module(nn.ReLU(), off_zero(make(4, 5))))
        ok("LeakyReLU " .. name, gc.module(nn.LeakyReLU(0.2), off_zero(make(4, 5))))
        ok("Sigmoid " .. name, gc.module(nn.Sigmoid(), make(4, 5)))
        ok("Tanh " .. name, gc.module(nn.Tanh(), make(4, 5)))
        ok("Softmax " .. name, gc.module(nn.Softmax(), make(4, 5)))
        ok("Softmax(1) " .. name, gc.module(nn.Softmax(1), make(4, 5)))
        ok("LogSoftmax " .. name, gc.module(nn.LogSoftmax(-1), make(4, 5)))
      end)

      it("checks Dropout with a fixed mask", function()
        local d = nn.Dropout(0.4, { seed = 3 })
        local st = d.generator:get_state()
        ok("Dropout " .. name, gc.module(d, make(4, 6), {
          before_forward = function() d.generator:set_state(st) end }))
      end)

      it("checks BatchNorm1d in training and evaluation mode", function()
        ok("BatchNorm1d train " .. name, gc.module(nn.BatchNorm1d(4):double(), make(6, 4)))
        local bn = nn.BatchNorm1d(4, { affine = false }):double()
        ok("BatchNorm1d no affine " .. name, gc.module(bn, make(6, 4)))
        local ev = nn.BatchNorm1d(4):double()
        ev.running_mean:copy(randn(4))
        ev.running_var:copy(randn(4):abs():add_(0.5))
        ev.weight:copy(randn(4))
        ev:eval()
        ok("BatchNorm1d eval " .. name, gc.module(ev, make(6, 4)))
      end)

      it("checks a Sequential MLP", function()
        local net = nn.Sequential(nn.Linear(4, 6, { generator = g }), nn.Tanh(),
          nn.BatchNorm1d(6), nn.Sigmoid(), nn.Linear(6, 2, { generator = g }), nn.LogSoftmax())
        ok("Sequential " .. name, gc.module(net:double(), make(5, 4)))
      end)

      it("checks the losses", function()
        ok("MSELoss " .. name, gc.loss(nn.MSELoss(), make(4, 3), randn(4, 3)))
        ok("MSELoss sum " .. name, gc.loss(nn.MSELoss { reduction = "sum" }, make(4, 3), randn(4, 3)))
        local hx, hy = make(4, 3), randn(4, 3)
        ok("HuberLoss " .. name, gc.loss(nn.HuberLoss { delta = 5 }, hx, hy))
        local p = credo.add(credo.mul(g:rand({ 3, 4 }, "float64"), 0.8), 0.1)
        local pv = make(4, 3):copy(p:t())
        ok("BCELoss " .. name, gc.loss(nn.BCELoss(), pv, g:rand({ 4, 3 }, "float64"),
          { weight = g:rand({ 4 }, "float64") }))
        ok("BCEWithLogitsLoss " .. name, gc.loss(
          nn.BCEWithLogitsLoss { pos_weight = credo.tensor({ 0.5, 2, 3 }, "float64") },
          make(4, 3), g:rand({ 4, 3 }, "float64"), { weight = g:rand({ 4, 3 }, "float64") }))
        ok("CrossEntropyLoss " .. name, gc.loss(
          nn.CrossEntropyLoss { weight = credo.tensor({ 1, 2, 0.5 }, "float64") },
          make(4, 3), credo.tensor({ 2, 0, 1, 1 }, "int64")))
        ok("CrossEntropyLoss none " .. name, gc.loss(nn.CrossEntropyLoss { reduction = "none" },
          make(4, 3), credo.tensor({ 2, 0, 1, 1 }, "int64")))
        ok("BCEWithLogitsLoss none " .. name, gc.loss(nn.BCEWithLogitsLoss { reduction = "none" },
          make(4, 3), g:rand({ 4, 3 }, "float64")))
      end)
    end)
  end

  describe("on 3-d inputs", function()
    it("checks BatchNorm1d over (N, C, L), contiguous and permuted", function()
      ok("BatchNorm1d 3-d", gc.module(nn.BatchNorm1d(3):double(), randn(4, 3, 2)))
      local permuted = randn(4, 2, 3):permute(1, 3, 2)     -- (4,3,2), not contiguous
      ok("BatchNorm1d 3-d permuted", gc.module(nn.BatchNorm1d(3):double(), permuted))
    end)

    it("checks Linear on (N, L, in), Softmax over dim 2, Flatten", function()
      ok("Linear 3-d", gc.module(nn.Linear(3, 2, { generator = g }):double(), randn(2, 4, 3)))
      ok("Softmax(2) 3-d", gc.module(nn.Softmax(2), randn(2, 3, 4)))
      ok("Flatten", gc.module(nn.Flatten(), randn(2, 3, 2)))
      ok("Flatten permuted", gc.module(nn.Flatten(), randn(2, 3, 2):permute(1, 3, 2)))
    end)
  end)

  describe("containers and lookups", function()
    it("checks Embedding's weight gradient (indices have none)", function()
      local e = nn.Embedding(5, 3, { generator = g }):double()
      ok("Embedding", gc.module(e, credo.tensor({ { 1, 5, 2 }, { 5, 5, 3 } }, "int64")))
    end)

    it("checks the Wide & Deep Parallel model on two inputs", function()
      local net = nn.Sequential()
        :add(nn.Parallel()
          :add(nn.Linear(5, 1, { generator = g }))
          :add(nn.Sequential(nn.Linear(3, 4, { generator = g }), nn.Tanh())))
        :add(nn.Linear(5, 1, { generator = g }))
      ok("Parallel", gc.module(net:double(), { randn(4, 5), transposed(4, 3) }))
    end)

    it("checks Concat over one input, and Identity", function()
      local c = nn.Concat():add(nn.Linear(3, 2, { generator = g })):add(nn.Sigmoid())
        :add(nn.Identity())
      ok("Concat", gc.module(c:double(), narrowed(4, 3)))
    end)
  end)

  it("reports the largest errors", function()
    print(("\n  nn gradcheck: max abs err %.3g (%s), max rel err %.3g"):format(
      worst.abs, worst.where, worst.rel))
  end)
end)
