-- credo.nn.Transpose and credo.nn.Narrow (stdlib/credo/nn/shape.lua):
-- forward values, contiguous outputs, float64 central-difference gradient
-- checks alone and inside a Conv1D -> Transpose -> LSTM Sequential and
-- Concat / Parallel models with Narrow branches, summary shapes, saving and
-- loading (also in a fresh interpreter, through credo.nn.classes), and
-- every error message.
local credo = require "credo"
local nn = credo.nn
local gc = nn.gradcheck

local g = credo.Generator(20261126)

local function randn(...) return g:randn({ ... }, "float64") end

local function max_abs_diff(a, b)
  return credo.sub(a, b):abs():max()
end

local function ok(name, r)
  assert.is_true(r.ok, name .. ": " .. r.message)
  assert.are.equal(0, r.kinks, name .. ": kinks")
  assert.is_true(r.checked > 0, name .. ": nothing checked")
end

-- the message of the error fn raises
local function err_of(fn)
  local okc, e = pcall(fn)
  assert.is_false(okc, "expected an error")
  return e
end

-- (2, 3, 4) float tensor with x[i][j][k] = 100 i + 10 j + k
local function coded(dtype)
  local x = credo.zeros({ 2, 3, 4 }, dtype)
  for i = 1, 2 do for j = 1, 3 do for k = 1, 4 do
    x:set(i, j, k, 100 * i + 10 * j + k)
  end end end
  return x
end

describe("nn shape layers", function()
  describe("Transpose", function()
    it("is registered and describes itself", function()
      assert.are.equal("credo.nn.shape", nn.classes.Transpose)
      local t = nn.Transpose(2, 3)
      assert.are.equal("Transpose(2, 3)", t:describe())
      assert.are.equal("Transpose(2, 3)", tostring(t))
      assert.are.equal("Transpose(-1, 2)", nn.Transpose(-1, 2):describe())
      assert.are.equal(0, t:n_parameters())
      assert.is_nil(t:dtype())
    end)

    for _, dt in ipairs { "float32", "float64" } do
      it("swaps dims 2 and 3 into a contiguous " .. dt .. " tensor", function()
        local x = coded(dt)
        local y = nn.Transpose(2, 3):forward(x)
        assert.are.same({ 2, 4, 3 }, y:size())
        assert.are.equal(dt, y:dtype())
        assert.is_true(y:is_contiguous())
        for i = 1, 2 do for j = 1, 3 do for k = 1, 4 do
          assert.are.equal(100 * i + 10 * j + k, y:get(i, k, j))
        end end end
      end)
    end

    it("takes negative dims and 4-d inputs", function()
      local x = randn(2, 3, 4, 5)
      local y = nn.Transpose(-1, 2):forward(x)
      assert.are.same({ 2, 5, 4, 3 }, y:size())
      assert.are.equal(0, max_abs_diff(y, x:transpose(2, 4)))
      local z = nn.Transpose(3, -3):forward(randn(2, 3, 4, 5))    -- dims 3 and 2
      assert.are.same({ 2, 4, 3, 5 }, z:size())
    end)

    it("copies strided inputs and leaves them untouched", function()
      local base = randn(2, 4, 3)
      local x = base:transpose(2, 3)                 -- (2, 3, 4), not contiguous
      local keep = x:clone()
      local y = nn.Transpose(2, 3):forward(x)
      assert.is_true(y:is_contiguous())
      assert.are.equal(0, max_abs_diff(y, base))
      assert.are.equal(0, max_abs_diff(x, keep))
    end)

    it("transposes the gradient back", function()
      local t = nn.Transpose(2, 3)
      local x = randn(2, 3, 4)
      t:forward(x)
      local dy = randn(2, 4, 3)
      local dx = t:backward(x, dy)
      assert.are.same({ 2, 3, 4 }, dx:size())
      assert.is_true(dx:is_contiguous())
      assert.are.equal(0, max_abs_diff(dx, dy:transpose(2, 3)))
    end)

    it("passes the float64 gradient check on contiguous and permuted inputs", function()
      ok("Transpose", gc.module(nn.Transpose(2, 3), randn(3, 4, 2)))
      ok("Transpose permuted", gc.module(nn.Transpose(-1, 2), randn(2, 4, 3, 2):permute(1, 3, 2, 4)))
    end)

    it("reuses its workspace while the shape repeats", function()
      local t = nn.Transpose(2, 3)
      local y1 = t:forward(randn(2, 3, 4))
      local y2 = t:forward(randn(2, 3, 4))
      assert.are.equal(y1, y2)
    end)
  end)

  describe("Narrow", function()
    it("is registered and describes itself", function()
      assert.are.equal("credo.nn.shape", nn.classes.Narrow)
      local m = nn.Narrow(2, 1, 10)
      assert.are.equal("Narrow(2, 1, 10)", m:describe())
      assert.are.equal("Narrow(-1, -3, 2)", tostring(nn.Narrow(-1, -3, 2)))
      assert.are.equal(0, m:n_parameters())
    end)

    for _, dt in ipairs { "float32", "float64" } do
      it("slices columns into a contiguous " .. dt .. " tensor", function()
        local x = coded(dt)
        local y = nn.Narrow(3, 2, 2):forward(x)
        assert.are.same({ 2, 3, 2 }, y:size())
        assert.are.equal(dt, y:dtype())
        assert.is_true(y:is_contiguous())
        for i = 1, 2 do for j = 1, 3 do for k = 1, 2 do
          assert.are.equal(100 * i + 10 * j + k + 1, y:get(i, j, k))
        end end end
      end)
    end

    it("counts a negative start from the end", function()
      local x = randn(3, 6)
      local y = nn.Narrow(2, -2, 2):forward(x)      -- columns 5..6
      assert.are.equal(0, max_abs_diff(y, x:narrow(2, 5, 2)))
      local z = nn.Narrow(-1, 1, 6):forward(x)      -- the whole width
      assert.are.equal(0, max_abs_diff(z, x))
    end)

    it("scatters the gradient into zeros of the input shape", function()
      local m = nn.Narrow(2, 2, 3)
      local x = randn(4, 6)
      m:forward(x)
      local dy = randn(4, 3)
      local dx = m:backward(x, dy)
      assert.are.same({ 4, 6 }, dx:size())
      assert.are.equal(0, max_abs_diff(dx:narrow(2, 2, 3), dy))
      assert.are.equal(0, dx:narrow(2, 1, 1):abs():max())
      assert.are.equal(0, dx:narrow(2, 5, 2):abs():max())
      -- a second backward writes zeros again, whatever the caller did to
      -- the first grad_input (the same workspace)
      dx:fill_(7)
      local dx2 = m:backward(x, credo.zeros({ 4, 3 }, "float64"))
      assert.are.equal(0, dx2:abs():max())
    end)

    it("passes the float64 gradient check on contiguous and strided inputs", function()
      ok("Narrow", gc.module(nn.Narrow(2, 2, 3), randn(4, 6)))
      ok("Narrow transposed", gc.module(nn.Narrow(2, 1, 2), randn(5, 3):t()))
      ok("Narrow 3-d", gc.module(nn.Narrow(-1, -2, 2), randn(2, 3, 4)))
    end)
  end)

  describe("inside containers", function()
    it("checks Conv1D -> Transpose -> LSTM -> Linear in float64", function()
      local net = nn.Sequential(
        nn.Conv1D(2, 3, 3, { padding = 1, generator = g }), nn.Tanh(),
        nn.Transpose(2, 3),
        nn.LSTM(3, 4, { return_sequences = false, generator = g }),
        nn.Linear(4, 1, { generator = g })):double()
      local x = randn(2, 2, 5)
      assert.are.same({ 2, 1 }, net:forward(x):size())
      ok("Conv1D-Transpose-LSTM", gc.module(net, x))
      ok("Conv1D-Transpose-LSTM strided", gc.module(net, randn(2, 5, 2):transpose(2, 3)))
    end)

    it("matches the network with the transpose done by hand", function()
      local conv = nn.Conv1D(1, 3, 3, { generator = g }):double()
      local lstm = nn.LSTM(3, 2, { generator = g }):double()
      local net = nn.Sequential(conv, nn.Transpose(2, 3), lstm)
      local x = randn(3, 1, 6)
      local y = net:forward(x):clone()
      local ref = lstm:forward(conv:forward(x):transpose(2, 3))
      assert.are.equal(0, max_abs_diff(y, ref))
    end)

    it("routes columns of one design matrix to the wide and deep sides (Concat)", function()
      local net = nn.Sequential(
        nn.Concat()
          :add(nn.Narrow(2, 1, 3))                                        -- wide: as is
          :add(nn.Sequential(nn.Narrow(2, 4, 2), nn.Linear(2, 3, { generator = g }),
                             nn.Tanh())),                                 -- deep
        nn.Linear(6, 1, { generator = g })):double()
      local x = randn(4, 5)
      local y = net:forward(x)
      assert.are.same({ 4, 1 }, y:size())
      local lin = net:get(2)
      local deep = net:get(1):get(2)
      local ref = lin:forward(credo.cat({ x:narrow(2, 1, 3),
        deep:get(3):forward(deep:get(2):forward(x:narrow(2, 4, 2))) }, 2))
      assert.is_true(max_abs_diff(net:forward(x), ref) < 1e-12)
      ok("Concat of Narrow", gc.module(net, x))
      ok("Concat of Narrow transposed", gc.module(net, randn(5, 4):t()))
    end)

    it("narrows each input of a Parallel with two Narrow branches", function()
      local net = nn.Sequential(
        nn.Parallel()
          :add(nn.Narrow(2, 2, 2))
          :add(nn.Sequential(nn.Narrow(-1, 1, 3), nn.Linear(3, 2, { generator = g }))),
        nn.Linear(4, 1, { generator = g })):double()
      local xs = { randn(3, 4), randn(3, 5) }
      net:forward(xs)
      local dxs = net:backward(xs, randn(3, 1))
      assert.are.same({ 3, 4 }, dxs[1]:size())
      assert.are.same({ 3, 5 }, dxs[2]:size())
      assert.are.equal(0, dxs[1]:narrow(2, 1, 1):abs():max())
      assert.are.equal(0, dxs[2]:narrow(2, 4, 2):abs():max())
      ok("Parallel of Narrow", gc.module(net, xs))
    end)

    it("prints output shapes in summary()", function()
      local net = nn.Sequential(nn.Conv1D(1, 4, 3, { generator = g }), nn.Transpose(2, 3),
        nn.LSTM(4, 3, { return_sequences = false, generator = g }))
      local s = net:summary({ 1, 1, 8 })
      assert.matches("Transpose%(2, 3%)%s+%[1,6,4%]%s+0", s)
      local w = nn.Concat():add(nn.Narrow(2, 1, 10)):add(nn.Narrow(2, 11, 4))
      local s2 = w:summary({ 2, 14 })
      assert.matches("Narrow%(2, 1, 10%)%s+%[2,10%]%s+0", s2)
      assert.matches("Narrow%(2, 11, 4%)%s+%[2,4%]%s+0", s2)
    end)
  end)

  describe("saving and loading", function()
    local path, xpath, ypath = os.tmpname(), os.tmpname(), os.tmpname()
    after_each(function()
      os.remove(path); os.remove(xpath); os.remove(ypath)
    end)

    local function model()
      return nn.Sequential(
        nn.Concat()
          :add(nn.Sequential(nn.Narrow(3, 1, 4), nn.Flatten()))
          :add(nn.Sequential(nn.Narrow(3, -4, 4), nn.Conv1D(2, 3, 2, { generator = g }),
                             nn.Transpose(-1, 2), nn.LSTM(3, 2, { return_sequences = false,
                                                                 generator = g }))),
        nn.Linear(4 * 2 + 2, 1, { generator = g }))
    end

    it("round-trips a network holding both layers", function()
      local net = model()
      local x = credo.randn(3, 2, 8)
      local y = net:forward(x):clone()
      credo.save(path, net)
      local back = credo.load(path)
      assert.are.equal(tostring(net), tostring(back))
      assert.are.equal(0, max_abs_diff(back:forward(x), y))
      local t = back:get(1):get(2):get(3)
      assert.are.equal(-1, t.d1)
      assert.are.equal(2, t.d2)
      local n = back:get(1):get(2):get(1)
      assert.are.same({ 3, -4, 4 }, { n.dim, n.start, n.length })
    end)

    it("loads in a fresh interpreter through credo.nn.classes", function()
      local net = model():double()
      local x = credo.randn({ 2, 2, 8 }, "float64")
      credo.save(path, net)
      credo.save(xpath, x)
      local code = ("local credo = require 'credo'; local net = credo.load(%q); "
        .. "assert(not rawget(credo.nn, 'Transpose')); "
        .. "credo.save(%q, net:forward(credo.load(%q)))"):format(path, ypath, xpath)
      -- the host binary tests/run names (the sanitized one under make
      -- sanitize, where a stock lua5.4 cannot load an ASan-built core.so)
      local host = os.getenv("CREDO_HOST")
      if not host or host == "" then host = os.getenv("HOST") or "./credo" end
      local okr = os.execute(("'%s' -e %q"):format(host, code))
      assert.is_true(okr)
      assert.are.equal(0, max_abs_diff(credo.load(ypath), net:forward(x)))
    end)
  end)

  describe("errors", function()
    it("rejects bad constructor arguments", function()
      assert.has_error(function() nn.Transpose(0, 2) end,
        "Transpose: bad argument #1 (d1 must be a non-zero integer, got 0)")
      assert.has_error(function() nn.Transpose(2.5, 3) end,
        "Transpose: bad argument #1 (d1 must be a non-zero integer, got 2.5)")
      assert.has_error(function() nn.Transpose(2) end,
        "Transpose: bad argument #2 (d2 must be a non-zero integer, got nil)")
      assert.has_error(function() nn.Transpose(1, 3) end,
        "Transpose: bad argument #1 (d1 is the batch dim 1, which cannot be swapped)")
      assert.has_error(function() nn.Transpose(3, 1) end,
        "Transpose: bad argument #2 (d2 is the batch dim 1, which cannot be swapped)")
      assert.has_error(function() nn.Transpose(3, 3) end,
        "Transpose: bad argument #2 (d2 must differ from d1, got 3 twice)")
      assert.has_error(function() nn.Narrow(0, 1, 1) end,
        "Narrow: bad argument #1 (dim must be a non-zero integer, got 0)")
      assert.has_error(function() nn.Narrow(1, 1, 1) end,
        "Narrow: bad argument #1 (dim is the batch dim 1, which cannot be narrowed)")
      assert.has_error(function() nn.Narrow(2, 0, 1) end,
        "Narrow: bad argument #2 (start must be a non-zero integer, got 0)")
      assert.has_error(function() nn.Narrow(2, true, 1) end,
        "Narrow: bad argument #2 (start must be a non-zero integer, got true)")
      assert.has_error(function() nn.Narrow(2, 1, 0) end,
        "Narrow: bad argument #3 (length must be a positive integer, got 0)")
      assert.has_error(function() nn.Narrow(2, 1) end,
        "Narrow: bad argument #3 (length must be a positive integer, got nil)")
    end)

    it("rejects bad inputs to Transpose", function()
      local t = nn.Transpose(2, 3)
      assert.has_error(function() t:forward({}) end,
        "Transpose(2, 3): input must be a tensor (got table)")
      assert.has_error(function() t:forward(credo.zeros({ 2, 3, 4 }, "int64")) end,
        "Transpose(2, 3): bad input dtype int64 (expected float32 or float64)")
      assert.has_error(function() t:forward(credo.zeros(4, 5)) end,
        "Transpose(2, 3): dim 3 out of range for input shape [4,5]")
      assert.has_error(function() nn.Transpose(-3, 2):forward(credo.zeros(2, 3, 4)) end,
        "Transpose(-3, 2): dim -3 is the batch dim of input shape [2,3,4], which cannot be swapped")
      assert.has_error(function() nn.Transpose(3, -1):forward(credo.zeros(2, 3, 4)) end,
        "Transpose(3, -1): dims 3 and -1 are the same dim of input shape [2,3,4]")
      local x = credo.zeros(2, 3, 4)
      t:forward(x)
      assert.has_error(function() t:backward(x, credo.zeros(2, 3, 4)) end,
        "Transpose(2, 3): bad grad_output shape [2,3,4] (expected [2,4,3])")
      assert.has_error(function() t:backward(x, credo.zeros({ 2, 4, 3 }, "float64")) end,
        "Transpose(2, 3): bad grad_output dtype float64 (expected float32, the input's)")
      assert.has_error(function() t:backward(x, 1) end,
        "Transpose(2, 3): grad_output must be a tensor (got number)")
    end)

    it("rejects bad inputs to Narrow", function()
      local m = nn.Narrow(2, 4, 3)
      assert.has_error(function() m:forward(credo.zeros(2, 5)) end,
        "Narrow(2, 4, 3): indices 4..6 out of range for dim 2 of input shape [2,5] (size 5)")
      assert.has_error(function() nn.Narrow(2, -7, 1):forward(credo.zeros(2, 5)) end,
        "Narrow(2, -7, 1): start -7 out of range for dim 2 of input shape [2,5] (size 5)")
      assert.has_error(function() nn.Narrow(3, 1, 1):forward(credo.zeros(2, 5)) end,
        "Narrow(3, 1, 1): dim 3 out of range for input shape [2,5]")
      assert.has_error(function() nn.Narrow(-2, 1, 1):forward(credo.zeros(2, 5)) end,
        "Narrow(-2, 1, 1): dim -2 is the batch dim of input shape [2,5], which cannot be narrowed")
      assert.has_error(function() m:forward(credo.zeros({ 2, 6 }, "int64")) end,
        "Narrow(2, 4, 3): bad input dtype int64 (expected float32 or float64)")
      local x = credo.zeros(2, 6)
      m:forward(x)
      assert.has_error(function() m:backward(x, credo.zeros(2, 6)) end,
        "Narrow(2, 4, 3): bad grad_output shape [2,6] (expected [2,3])")
    end)

    it("is named by its position inside containers", function()
      local net = nn.Sequential(nn.Linear(3, 6), nn.Transpose(2, 3))
      assert.has_error(function() net:forward(credo.zeros(4, 3)) end,
        "Sequential layer 2 (Transpose(2, 3)): dim 3 out of range for input shape [4,6]")
      local w = nn.Sequential(nn.Concat():add(nn.Narrow(2, 1, 2)):add(nn.Narrow(2, 4, 3)),
        nn.Linear(5, 1))
      assert.has_error(function() w:forward(credo.zeros(2, 5)) end,
        "Sequential layer 1 > Concat branch 2 (Narrow(2, 4, 3)): indices 4..6 out of range "
        .. "for dim 2 of input shape [2,5] (size 5)")
      local e = err_of(function() nn.Sequential(nn.Transpose(2, 3)):summary({ 1, 5 }) end)
      assert.are.equal("Sequential layer 1 (Transpose(2, 3)): dim 3 out of range for input shape [1,5]", e)
    end)
  end)
end)
