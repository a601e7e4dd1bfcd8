-- The estimator protocol (stdlib/credo/estimator.lua, docs/design.md).
local estimator = require "credo.estimator"

local Toy = estimator.class("SpecToy", {
  n = { default = 10, type = "integer", min = 1 },
  rate = { default = 0.1, type = "number", gt = 0, lt = 1 },
  kind = { default = "a", enum = { "a", "b" } },
  mf = { default = "sqrt", type = { "number", "string" } },
  list = { default = { 1, 2 }, type = "table" },
})

function Toy:fit(X)
  self.state_ = { mean = X }
  return self
end

describe("estimator", function()
  describe("class()", function()
    it("fills defaults and keeps given values", function()
      local m = Toy { n = 5 }
      local p = m:params()
      assert.are.equal(5, p.n)
      assert.are.equal(0.1, p.rate)
      assert.are.equal("a", p.kind)
      assert.are.same({ 1, 2 }, p.list)
    end)

    it("normalises whole floats to integers for integer parameters", function()
      assert.are.equal("integer", math.type(Toy({ n = 3.0 }):params().n))
    end)

    it("errors on an unknown parameter", function()
      assert.has_error(function() Toy { nn = 1 } end, "SpecToy: unknown parameter 'nn'")
    end)

    it("errors on a wrong type", function()
      assert.has_error(function() Toy { n = "x" } end,
        "SpecToy: parameter 'n' must be integer (got string)")
      assert.has_error(function() Toy { n = 2.5 } end,
        "SpecToy: parameter 'n' must be integer (got number)")
      assert.has_error(function() Toy { mf = true } end,
        "SpecToy: parameter 'mf' must be number or string (got boolean)")
    end)

    it("errors on out-of-range values and NaN", function()
      assert.has_error(function() Toy { n = 0 } end,
        "SpecToy: parameter 'n' must be >= 1 (got 0)")
      assert.has_error(function() Toy { rate = 1 } end,
        "SpecToy: parameter 'rate' must be < 1 (got 1)")
      assert.has_error(function() Toy { rate = 0 / 0 } end,
        "SpecToy: parameter 'rate' is NaN")
    end)

    it("errors on a value outside the enum", function()
      assert.has_error(function() Toy { kind = "c" } end,
        "SpecToy: parameter 'kind' must be one of a, b (got 'c')")
    end)

    it("errors when given something other than a table", function()
      assert.has_error(function() Toy.new(3) end,
        "SpecToy: expected a table of parameters (got number)")
    end)
  end)

  describe("params()", function()
    it("returns a copy the caller cannot use to mutate the model", function()
      local m = Toy {}
      local p = m:params()
      p.n = 99
      p.list[1] = 42
      assert.are.equal(10, m:params().n)
      assert.are.equal(1, m:params().list[1])
    end)
  end)

  describe("set_params() and clone()", function()
    it("checks new values and unfits the model", function()
      local m = Toy {}:fit(1)
      assert.is_true(m:is_fitted())
      m:set_params { n = 7 }
      assert.are.equal(7, m:params().n)
      assert.is_false(m:is_fitted())
      assert.has_error(function() m:set_params { bogus = 1 } end,
        "SpecToy: unknown parameter 'bogus'")
    end)

    it("clone() gives an unfitted model with the same params", function()
      local m = Toy { n = 4 }:fit(2)
      local c = m:clone()
      assert.are.same(m:params(), c:params())
      assert.is_false(c:is_fitted())
      assert.are_not.equal(m, c)
    end)
  end)

  describe("state", function()
    it("round-trips through get_state() and from_state()", function()
      local m = Toy { n = 3, kind = "b" }:fit(5)
      local st = m:get_state()
      assert.are.equal("SpecToy", st.__class)
      local r = estimator.from_state(st)
      assert.are.same(m:params(), r:params())
      assert.are.equal(5, r.state_.mean)
      assert.is_true(estimator.is_estimator(r))
    end)

    it("refuses an unknown class name", function()
      assert.has_error(function() estimator.from_state { __class = "os.execute" } end,
        "load: unknown model class 'os.execute' (load its module first)")
    end)

    it("check_fitted() names the model and the method", function()
      local m = Toy {}
      local ok, err = pcall(function() m:check_fitted("predict") end)
      assert.is_false(ok)
      assert.matches("SpecToy:predict: model is not fitted", err, 1, true)
    end)
  end)

  it("prints its parameters", function()
    assert.are.equal("SpecToy(kind='a', list={1, 2}, mf='sqrt', n=10, rate=0.1) [unfitted]",
      tostring(Toy {}))
  end)
end)
