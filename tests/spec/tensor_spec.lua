-- tensor_spec.lua: the Lua API of the tensor core (natives/tensor/
-- tensor_lua.c): creation, indexing (1-based), views, elementwise ops with
-- broadcasting and dtype promotion, conversion, printing, lifetime, and the
-- exact error message of each error class.  Exact values use float64.
local credo = require "credo"

local function f64(t) return credo.tensor(t, "float64") end

describe("tensor", function()

  describe("tensor()", function()
    it("builds from nested tables, float32 by default", function()
      local t = credo.tensor { { 1, 2, 3 }, { 4, 5, 6 } }
      assert.are.same({ 2, 3 }, t:size())
      assert.are.equal("float32", t:dtype())
      assert.are.same({ { 1, 2, 3 }, { 4, 5, 6 } }, t:totable())
    end)

    it("takes a dtype, a number (0-d) or a tensor (copied)", function()
      local t = credo.tensor({ 1, 2 }, "int64")
      assert.are.equal("int64", t:dtype())
      assert.are.equal("integer", math.type(t[1]))
      local s = credo.tensor(2.5, "float64")
      assert.are.equal(0, s:dim())
      assert.are.equal(2.5, s:item())
      local c = credo.tensor(t, "float64")
      c[1] = 9
      assert.are.equal(1, t[1])
      assert.are.equal("float64", c:dtype())
    end)

    it("keeps int64 values beyond 2^53 exactly and truncates floats", function()
      local t = credo.tensor({ math.maxinteger, 2.9, -2.9 }, "int64")
      assert.are.same({ math.maxinteger, 2, -2 }, t:totable())
    end)

    it("accepts NaN and infinities as float data", function()
      local t = f64 { 0 / 0, 1 / 0, -1 / 0 }
      assert.are.same({ 1, 0, 0 }, t:isnan():totable())
      assert.are.same({ 0, 0, 0 }, t:isfinite():totable())
    end)

    it("makes empty tensors from empty tables", function()
      assert.are.same({ 0 }, credo.tensor({}):size())
      assert.are.same({ 1, 0 }, credo.tensor({ {} }):size())
    end)

    it("errors on a ragged table, naming the position", function()
      assert.has_error(function() credo.tensor { { 1, 2 }, { 3 } } end,
        "bad argument #1 to 'tensor' (ragged nested table: [2] has 1 elements, expected 2)")
      assert.has_error(function() credo.tensor { { 1, 2 }, 3 } end,
        "bad argument #1 to 'tensor' (ragged nested table: [2] is a number, expected a table)")
      assert.has_error(function() credo.tensor { { 1, 2 }, { 3, { 4 } } } end,
        "bad argument #1 to 'tensor' ([2][2] is a table, expected a number)")
    end)

    it("errors on non-numbers and on NaN for int64", function()
      assert.has_error(function() credo.tensor { { 1, 2 }, { 3, "x" } } end,
        "bad argument #1 to 'tensor' ([2][2] is a string, expected a number)")
      assert.has_error(function() credo.tensor({ 1, 0 / 0 }, "int64") end,
        "bad argument #1 to 'tensor' ([2] is nan, which an int64 tensor cannot hold)")
      assert.has_error(function() credo.tensor(true) end,
        "bad argument #1 to 'tensor' (table, number or tensor expected, got boolean)")
    end)
  end)

  describe("zeros(), ones(), full(), empty()", function()
    it("take sizes as varargs or a table, then a dtype", function()
      assert.are.same({ 3, 4 }, credo.zeros(3, 4):size())
      local t = credo.zeros({ 3, 4 }, "float64")
      assert.are.equal("float64", t:dtype())
      assert.are.same({ { 1, 1 } }, credo.ones(1, 2, "int64"):totable())
      assert.are.same({ 0, 0 }, credo.empty(2):totable())
      assert.are.equal(0, credo.zeros():dim())
    end)

    it("full fills with the value, float32 unless told", function()
      local t = credo.full({ 2, 2 }, 1.5)
      assert.are.equal("float32", t:dtype())
      assert.are.same({ { 1.5, 1.5 }, { 1.5, 1.5 } }, t:totable())
      assert.are.same({ 7, 7, 7 }, credo.full(3, 7, "int64"):totable())
    end)

    it("errors on bad sizes and dtypes", function()
      assert.has_error(function() credo.zeros(-3) end,
        "bad argument #1 to 'zeros' (size -3 is negative)")
      assert.has_error(function() credo.zeros({ 3, -1 }) end,
        "bad argument #1 to 'zeros' (size -1 is negative)")
      assert.has_error(function() credo.zeros(2.5) end,
        "bad argument #1 to 'zeros' (number has no integer representation)")
      assert.has_error(function() credo.zeros(3, "float16") end,
        "bad argument #2 to 'zeros' (unknown dtype 'float16' (expected float32, float64 or int64))")
      assert.has_error(function() credo.zeros(1, 2, 3, 4, 5, 6, 7, 8, 9) end,
        "bad argument #9 to 'zeros' (too many dimensions (at most 8))")
      assert.has_error(function() credo.full({ 2 }, 0 / 0, "int64") end,
        "bad argument #2 to 'full' (cannot store nan in an int64 tensor)")
    end)

    it("errors, not aborts, on an allocation too large", function()
      assert.has_error(function() credo.zeros(1e12, 1e12) end,
        "not enough memory for a float32 tensor of shape [1000000000000,1000000000000]")
      assert.has_error(function() credo.ones(1e6, 1e6, 1e3) end,
        "not enough memory for a float32 tensor of shape [1000000,1000000,1000]")
    end)
  end)

  describe("arange(), linspace(), eye(), *_like()", function()
    it("arange excludes stop; int64 for integer bounds, else float32", function()
      local a = credo.arange(5)
      assert.are.equal("int64", a:dtype())
      assert.are.same({ 0, 1, 2, 3, 4 }, a:totable())
      assert.are.same({ 1, 3 }, credo.arange(1, 4, 2):totable())
      assert.are.same({ 3, 2, 1 }, credo.arange(3, 0, -1):totable())
      local f = credo.arange(0, 1, 0.25)
      assert.are.equal("float32", f:dtype())
      assert.are.same({ 0, 0.25, 0.5, 0.75 }, f:totable())
      assert.are.equal("float32", credo.arange(2.0):dtype())
      assert.are.same({ 0, 1, 2 }, credo.arange(3, "float64"):totable())
    end)

    it("arange errors on a zero step or a step going the wrong way", function()
      assert.has_error(function() credo.arange(0, 5, 0) end,
        "bad argument #3 to 'arange' (step must be nonzero)")
      assert.has_error(function() credo.arange(5, 0) end,
        "bad argument #2 to 'arange' (step goes away from stop (empty range))")
    end)

    it("linspace hits both ends", function()
      assert.are.same({ -1, -0.5, 0, 0.5, 1 }, credo.linspace(-1, 1, 5, "float64"):totable())
      local t = credo.linspace(0, 1, 7, "float64"):totable()
      assert.are.equal(0, t[1]); assert.are.equal(1, t[7])
      assert.are.same({ 3 }, credo.linspace(3, 9, 1):totable())
      assert.are.equal(0, credo.linspace(0, 1, 0):numel())
      -- b - a overflows near +-1e308: still exact ends and finite points (were NaN / inf)
      assert.are.same({ -1e308, -5e307, 0, 5e307, 1e308 }, credo.linspace(-1e308, 1e308, 5, "float64"):totable())
      assert.are.same({ 1e308, -1e308 }, credo.linspace(1e308, -1e308, 2, "float64"):totable())
    end)

    it("refuses sizes that overflow instead of wrapping (UBSan found each)", function()
      local big = 1 << 62
      assert.are.same({ 0, big, big }, credo.zeros(0, big, big):size())   -- 0 elements: fine
      assert.has_error(function() credo.zeros(5):narrow(1, 2, math.maxinteger) end,
        "bad argument #3 to 'narrow' (length 9223372036854775807 from 2 exceeds dimension 1 of size 5)")
      assert.are.equal(2, #credo.zeros(2, 3):chunk(math.maxinteger))
      assert.has_error(function() credo.zeros(3):split({ math.maxinteger, 2 }) end,
        "bad argument #1 to 'split' (sizes sum to more than the size 3 of dimension 1)")
      assert.has_error(function() credo.cat({ credo.zeros(big, 0), credo.zeros(big, 0) }, 1) end,
        "bad argument #1 to 'cat' (the sizes along dimension 1 overflow)")
      assert.has_error(function() credo.zeros(big, 0):split(1) end,
        "bad argument #1 to 'split' (would make 4611686018427387904 views (at most 16777216))")
      assert.has_error(function() credo.addmm(credo.zeros(2, 2), credo.ones(2, 3), credo.ones(3, 2), 1e39) end)
    end)

    it("eye makes identities, square or not", function()
      assert.are.same({ { 1, 0, 0 }, { 0, 1, 0 } }, credo.eye(2, 3):totable())
      assert.are.equal("int64", credo.eye(2, "int64"):dtype())
    end)

    it("*_like copy shape and dtype, not values", function()
      local t = credo.arange(6):reshape(2, 3):t()
      local z = credo.zeros_like(t)
      assert.are.same({ 3, 2 }, z:size())
      assert.are.equal("int64", z:dtype())
      assert.is_true(z:is_contiguous())
      assert.are.equal("float64", credo.ones_like(t, "float64"):dtype())
      assert.are.same({ { 2.5, 2.5 } }, credo.full_like(credo.zeros(1, 2), 2.5):totable())
    end)

    it("is_tensor tells tensors apart", function()
      assert.is_true(credo.is_tensor(credo.zeros(1)))
      assert.is_false(credo.is_tensor(3))
      assert.is_false(credo.is_tensor({}))
      assert.is_false(credo.is_tensor(io.stdout))
    end)
  end)

  describe("indexing", function()
    local m
    before_each(function() m = f64 { { 1, 2, 3 }, { 4, 5, 6 } } end)

    it("t[i] is a number for 1-d and a view of row i otherwise (1-based)", function()
      assert.are.equal(2, m[1][2])
      local row = m[2]
      assert.are.same({ 4, 5, 6 }, row:totable())
      row[1] = 40
      assert.are.equal(40, m:get(2, 1))
      assert.are.equal(6, m[-1][-1])
    end)

    it("t[i] = v assigns a number or broadcasts a tensor", function()
      m[1] = 0
      assert.are.same({ 0, 0, 0 }, m[1]:totable())
      m[2] = f64 { 7, 8, 9 }
      assert.are.same({ { 0, 0, 0 }, { 7, 8, 9 } }, m:totable())
      local v = credo.zeros(3, "float64")
      v[2] = 5
      assert.are.same({ 0, 5, 0 }, v:totable())
      local c = credo.zeros(2, 3)
      c[1] = credo.tensor { 1 }
      assert.are.same({ 1, 1, 1 }, c[1]:totable())
    end)

    it("get and set take one index per dim", function()
      assert.are.equal(5, m:get(2, 2))
      assert.are.equal(m, m:set(1, 3, 30))
      assert.are.equal(30, m:get(1, -1))
      assert.are.equal(30, m[1][3])
    end)

    it("answers size, shape, stride, dim, numel, dtype, #", function()
      assert.are.same({ 2, 3 }, m:size())
      assert.are.same({ 2, 3 }, m.shape)
      assert.are.equal(3, m:size(2))
      assert.are.equal(3, m:size(-1))
      assert.are.same({ 3, 1 }, m:stride())
      assert.are.equal(1, m:stride(2))
      assert.are.equal(2, m:dim())
      assert.are.equal(6, m:numel())
      assert.are.equal("float64", m:dtype())
      assert.are.equal(2, #m)
      assert.is_true(m:is_contiguous())
      assert.is_false(m:t():is_contiguous())
      assert.is_nil(m.nosuchfield)
    end)

    it("errors on an index out of range, naming dim, index and size", function()
      assert.has_error(function() return m[3] end,
        "bad argument #2 to 'index' (index 3 out of range for dimension 1 of size 2)")
      assert.has_error(function() return m[0] end,
        "bad argument #2 to 'index' (index 0 out of range for dimension 1 of size 2)")
      assert.has_error(function() return m:get(1, 4) end,
        "bad argument #2 to 'get' (index 4 out of range for dimension 2 of size 3)")
      assert.has_error(function() m[-3] = 1 end,
        "bad argument #2 to 'newindex' (index -3 out of range for dimension 1 of size 2)")
      assert.has_error(function() return m:select(1, 5) end,
        "bad argument #2 to 'select' (index 5 out of range for dimension 1 of size 2)")
    end)

    it("errors on bad keys and values", function()
      assert.has_error(function() return m[1.5] end,
        "bad argument #2 to 'index' (index must be an integer)")
      assert.has_error(function() m.foo = 1 end,
        "bad argument #2 to 'newindex' (tensor fields cannot be assigned (index with an integer))")
      assert.has_error(function() m[1] = credo.ones(5) end,
        "bad argument #3 to 'newindex' (shape [5] cannot be broadcast to [3])")
      assert.has_error(function() m[1] = "x" end,
        "bad argument #3 to 'newindex' (number or tensor expected, got string)")
      assert.has_error(function() return credo.tensor(3)[1] end,
        "bad argument #1 to 'index' (cannot index a 0-d tensor)")
      assert.has_error(function() return #credo.tensor(3) end,
        "bad argument #1 to 'len' (a 0-d tensor has no length)")
      assert.has_error(function() return m:get(1) end,
        "calling 'get' on bad self (get needs 2 indices for a 2-d tensor, got 1)")
      assert.has_error(function() m:size(3) end,
        "bad argument #1 to 'size' (dimension 3 out of range for a 2-d tensor)")
    end)
  end)

  describe("empty tensors", function()
    it("are contiguous whatever their strides (as torch), so kernels take them", function()
      assert.is_true(credo.zeros(3, 0):is_contiguous())
      assert.is_true(credo.zeros(0, 3):t():is_contiguous())
      assert.are.same({ 3, 0 }, credo.nn.ReLU():forward(credo.zeros(3, 0)):size())  -- was "expected a contiguous tensor"
      assert.are.same({ 0, 2 }, credo.zeros(0, 3):matmul(credo.zeros(3, 2)):size())
    end)
  end)

  describe("shares_storage", function()
    it("is true for views of the same memory only", function()
      local a = credo.zeros(3, 4)
      assert.is_true(a:shares_storage(a))
      assert.is_true(a:shares_storage(a:t()))
      assert.is_true(a:narrow(1, 2, 1):shares_storage(a:select(2, 3)))
      assert.is_false(a:shares_storage(a:clone()))
      assert.is_false(a:shares_storage(1))
      assert.is_false(a:shares_storage(nil))
      assert.has_error(function() a.shares_storage(1, a) end)
    end)
  end)

  describe("views", function()
    local a
    before_each(function() a = credo.arange(12, "float64"):reshape(3, 4) end)

    it("reshape and view share storage; one -1 is inferred", function()
      local r = a:reshape(2, -1)
      assert.are.same({ 2, 6 }, r:size())
      r[1][1] = 100
      assert.are.equal(100, a[1][1])
      local v = a:view({ 4, 3 })
      v[4][3] = -1
      assert.are.equal(-1, a[3][4])
    end)

    it("reshape copies when the strides forbid a view; view errors", function()
      local t = a:t()
      local r = t:reshape(12)
      assert.are.same({ 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, r:totable())
      r[1] = 99
      assert.are.equal(0, a[1][1])
      assert.has_error(function() t:view(12) end,
        "bad argument #1 to 'view' (cannot view a [4,3] tensor with strides [1,4] as [12] (use reshape))")
      assert.has_error(function() a:reshape(5, -1) end,
        "bad argument #1 to 'reshape' (shape [5,-1] is invalid for a tensor of 12 elements)")
      assert.has_error(function() a:reshape(-1, -1) end,
        "bad argument #1 to 'reshape' (only one size can be -1)")
    end)

    it("transpose, t and permute swap strides", function()
      local t = a:t()
      assert.are.same({ 4, 3 }, t:size())
      assert.are.same({ 1, 4 }, t:stride())
      assert.are.equal(a[2][3], t[3][2])
      local b = credo.arange(24):reshape(2, 3, 4)
      local p = b:permute(3, 1, 2)
      assert.are.same({ 4, 2, 3 }, p:size())
      assert.are.equal(b:get(2, 3, 4), p:get(4, 2, 3))
      assert.are.same(p:size(), b:permute({ 3, 1, 2 }):size())
      assert.are.same({ 4, 3, 2 }, b:transpose(1, -1):size())
      assert.has_error(function() b:t() end,
        "calling 't' on bad self (t() needs at most 2 dims, got a 3-d tensor (use transpose))")
      assert.has_error(function() b:permute(1, 1, 2) end,
        "bad argument #1 to 'permute' (dimension 1 repeated)")
      assert.has_error(function() b:permute(1, 2) end,
        "bad argument #1 to 'permute' (expected 3 dims for a 3-d tensor, got 2)")
      assert.has_error(function() a:transpose(1, 3) end,
        "bad argument #2 to 'transpose' (dimension 3 out of range for a 2-d tensor)")
    end)

    it("narrow takes start (1-based) and length", function()
      local n = a:narrow(2, 2, 2)
      assert.are.same({ { 1, 2 }, { 5, 6 }, { 9, 10 } }, n:totable())
      n:fill_(0)
      assert.are.equal(0, a[3][3])
      assert.are.same({ 8, 9 }, credo.arange(10):narrow(1, -2, 2):totable())
      assert.has_error(function() a:narrow(2, 3, 3) end,
        "bad argument #3 to 'narrow' (length 3 from 3 exceeds dimension 2 of size 4)")
      assert.has_error(function() a:narrow(2, 6, 1) end,
        "bad argument #2 to 'narrow' (start 6 out of range for dimension 2 of size 4)")
    end)

    it("slice has an inclusive stop, negative bounds and a step", function()
      local v = credo.arange(10)
      assert.are.same({ 1, 2, 3 }, v:slice(1, 2, 4):totable())
      assert.are.same({ 7, 8, 9 }, v:slice(1, -3):totable())
      assert.are.same({ 1, 4, 7 }, v:slice(1, 2, -2, 3):totable())
      assert.are.same({ 0, 3, 6, 9 }, v:slice(1, 1, 10, 3):totable())
      assert.are.equal(0, v:slice(1, 5, 4):numel())
      assert.are.same({ 8, 9 }, v:slice(1, 9, 100):totable()) -- clamps as string.sub
      assert.are.same({ { 0, 2 }, { 4, 6 }, { 8, 10 } }, a:slice(2, 1, -1, 2):totable())
      assert.has_error(function() v:slice(1, 1, 2, 0) end,
        "bad argument #4 to 'slice' (step must be positive)")
    end)

    it("select removes a dim; unsqueeze and squeeze add and drop size-1 dims", function()
      assert.are.same({ 1, 5, 9 }, a:select(2, 2):totable())
      assert.are.equal(0, credo.arange(3):select(1, 2):dim())
      assert.are.same({ 1, 3, 4 }, a:unsqueeze(1):size())
      assert.are.same({ 3, 4, 1 }, a:unsqueeze(-1):size())
      assert.are.same({ 3, 4 }, a:unsqueeze(2):squeeze():size())
      assert.are.same({ 1, 3 }, credo.zeros(1, 3, 1):squeeze(3):size())
      assert.are.same({ 1, 3, 1 }, credo.zeros(1, 3, 1):squeeze(2):size())
      assert.has_error(function() a:unsqueeze(4) end,
        "bad argument #1 to 'unsqueeze' (dimension 4 out of range for unsqueeze of a 2-d tensor)")
    end)

    it("flatten merges dims, as a view when it can", function()
      local f = a:flatten()
      assert.are.same({ 12 }, f:size())
      f[1] = 50
      assert.are.equal(50, a[1][1])
      assert.are.same({ 50, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, a:t():flatten():totable())
      assert.are.same({ 2, 12 }, credo.zeros(2, 3, 4):flatten(2):size())
      assert.are.same({ 6, 4 }, credo.zeros(2, 3, 4):flatten(1, 2):size())
    end)

    it("expand broadcasts with stride 0", function()
      local c = f64 { 1, 2, 3 }:reshape(3, 1)
      local e = c:expand(3, 4)
      assert.are.same({ 0, 1 }, { e:stride(2), e:stride(1) })
      assert.are.same({ 2, 2, 2, 2 }, e[2]:totable())
      assert.are.same({ 2, 3, 4 }, c:expand({ 2, -1, 4 }):size())
      assert.has_error(function() a:expand(3, 5) end,
        "bad argument #1 to 'expand' (cannot expand shape [3,4] to [3,5])")
      assert.has_error(function() c:expand(2 ^ 40, 3, 2 ^ 40) end,
        "bad argument #1 to 'expand' (too many elements (the count overflows int64))")
      assert.has_error(function() e:add_(1) end,
        "calling 'add_' on bad self (cannot write in place into an expanded tensor (some elements share memory))")
    end)
  end)

  describe("elementwise", function()
    it("adds with broadcasting on any strides", function()
      local a = credo.arange(6, "float64"):reshape(2, 3)
      local r = a + f64 { 10, 20, 30 }
      assert.are.same({ { 10, 21, 32 }, { 13, 24, 35 } }, r:totable())
      local col = f64 { 100, 200 }:reshape(2, 1)
      assert.are.same({ { 100, 101, 102 }, { 203, 204, 205 } }, (a + col):totable())
      local t = a:t() -- (3,2), strided
      assert.are.same({ { 0, 6 }, { 2, 8 }, { 4, 10 } }, (t + t):totable())
      assert.are.same({ { 1, 7 }, { 3, 9 }, { 5, 11 } }, t:add(f64 { 1, 1 }):add(a:t()):totable())
    end)

    it("takes numbers on either side of the metamethods", function()
      local t = f64 { 1, 2, 4 }
      assert.are.same({ 2, 4, 8 }, (2 * t):totable())
      assert.are.same({ 0, -1, -3 }, (1 - t):totable())
      assert.are.same({ 0.5, 1, 2 }, (t / 2):totable())
      assert.are.same({ 4, 2, 1 }, (4 / t):totable())
      assert.are.same({ 1, 4, 16 }, (t ^ 2):totable())
      assert.are.same({ 2, 4, 16 }, (2 ^ t):totable())
      assert.are.same({ -1, -2, -4 }, (-t):totable())
      assert.are.same({ 1, 2, 1 }, (t % 3):totable())
      assert.are.same({ 0, 0, 1 }, (t // 3):totable())
      assert.are.same({ 3, 4, 6 }, credo.add(2, t):totable())
    end)

    it("promotes dtypes as PyTorch", function()
      local i, f, d = credo.arange(3), credo.zeros(3), credo.zeros(3, "float64")
      assert.are.equal("float32", (i + f):dtype())
      assert.are.equal("float64", (f + d):dtype())
      assert.are.equal("float64", (i + d):dtype())
      assert.are.equal("int64", (i + 1):dtype())
      assert.are.equal("float32", (i + 1.0):dtype())
      assert.are.equal("float32", (i * 0.5):dtype())
      assert.are.equal("float32", (f + 1):dtype())
      assert.are.equal("float64", (d * 2.5):dtype())
      assert.are.equal("float32", (i / 2):dtype()) -- true division
      assert.are.same({ 0, 0.5, 1 }, (i / 2):totable())
      assert.are.equal("int64", i:eq(f):dtype())
    end)

    it("int64 arithmetic: floor division and remainder, zero divisors error", function()
      local i = credo.tensor({ -7, 7, -7, 7 }, "int64")
      local j = credo.tensor({ 2, -2, -2, 2 }, "int64")
      assert.are.same({ -4, -4, 3, 3 }, (i // j):totable())
      assert.are.same({ 1, -1, -1, 1 }, (i % j):totable())
      assert.are.same({ -1, 1, -1, 1 }, i:fmod(j):totable())
      assert.are.same({ 1024, 9 }, credo.tensor({ 2, 3 }, "int64"):pow(credo.tensor({ 10, 2 }, "int64")):totable())
      assert.has_error(function() i:remainder(0) end,
        "bad argument #1 to 'remainder' (integer division by zero)")
      assert.has_error(function() return i // credo.tensor({ 1, 0, 1, 1 }, "int64") end,
        "bad argument #2 to 'idiv' (integer division by zero)")
      assert.has_error(function() i:pow(-1) end,
        "bad argument #1 to 'pow' (integers to negative integer powers are not allowed)")
      assert.are.same({ -math.huge, math.huge }, (credo.tensor({ -1, 1 }, "int64") / 0):totable())
    end)

    it("float remainder and floor_divide follow Lua's % and //", function()
      local x, y = f64 { 5.5, -5.5, 7 }, f64 { -2, 2, 0 }
      local r = (x % y):totable()
      assert.are.equal(5.5 % -2, r[1]); assert.are.equal(-5.5 % 2, r[2])
      assert.is_true(r[3] ~= r[3])
      local q = (x // y):totable()
      assert.are.equal(5.5 // -2, q[1]); assert.are.equal(-5.5 // 2, q[2])
      assert.are.equal(math.huge, q[3])
    end)

    it("maximum and minimum propagate NaN", function()
      local r = credo.maximum(f64 { 1, 0 / 0, 5 }, 3):totable()
      assert.are.equal(3, r[1]); assert.is_true(r[2] ~= r[2]); assert.are.equal(5, r[3])
      assert.are.same({ 1, 3 }, credo.minimum(3, f64 { 1, 5 }):totable())
    end)

    it("in-place variants write into self and return it", function()
      local t = credo.ones(2, 2)
      local r = t:add_(1):mul_(f64 { 1, 2 })
      assert.are.equal(t, r)
      assert.are.equal("float32", t:dtype())
      assert.are.same({ { 2, 4 }, { 2, 4 } }, t:totable())
      local c = credo.arange(4, "float64"):reshape(2, 2)
      c:add_(c:t()) -- overlapping operands are read before writing
      assert.are.same({ { 0, 3 }, { 3, 6 } }, c:totable())
      local s = credo.zeros(3, 4, "float64")
      s:slice(2, 1, 4, 2):add_(1) -- a strided view
      assert.are.same({ 1, 0, 1, 0 }, s[2]:totable())
    end)

    it("refuses a third operand (torch's alpha would be silently lost)", function()
      local a = credo.ones(2)
      -- a method call counts self out, as Lua's luaL_argerror does
      assert.has_error(function() a:add_(a, 0.5) end,
        "bad argument #2 to 'add_' (add takes two operands (for a scaled operand write u * alpha))")
      assert.has_error(function() credo.sub(a, a, 2) end,
        "bad argument #3 to 'sub' (sub takes two operands (for a scaled operand write u * alpha))")
      assert.equals(2, a:add(a * 1)[1])
    end)

    it("errors on shapes that cannot broadcast", function()
      local a, b = credo.ones(3, 4), credo.ones(5)
      assert.has_error(function() a:add(b) end,
        "bad argument #1 to 'add' (shapes [3,4] and [5] cannot broadcast)")
      assert.has_error(function() return a + b end,
        "bad argument #2 to 'add' (shapes [3,4] and [5] cannot broadcast)")
      assert.has_error(function() credo.mul(a, b) end,
        "bad argument #2 to 'mul' (shapes [3,4] and [5] cannot broadcast)")
      assert.has_error(function() credo.ones(4):add_(credo.ones(3, 4)) end,
        "bad argument #1 to 'add_' (shape [3,4] cannot be broadcast to [4] in place)")
    end)

    it("errors on wrong types and on dtypes that cannot be written in place", function()
      local i = credo.arange(3)
      assert.has_error(function() i:add("x") end,
        "bad argument #1 to 'add' (number or tensor expected, got string)")
      assert.has_error(function() return i + {} end,
        "bad argument #2 to 'add' (number or tensor expected, got table)")
      assert.has_error(function() i:add_(0.5) end,
        "bad argument #1 to 'add_' (the float32 result cannot be written in place into an int64 tensor)")
      assert.has_error(function() i:div_(2) end,
        "bad argument #1 to 'div_' (the float32 result cannot be written in place into an int64 tensor)")
      assert.has_error(function() i:exp_() end,
        "calling 'exp_' on bad self (an int64 tensor cannot hold the float result in place)")
    end)

    it("computes the unary functions", function()
      local y = f64 { -0.9, -0.5, 0, 0.5, 2 }
      for _, name in ipairs { "exp", "log1p", "expm1", "tanh" } do
        local got = y[name](y):totable()
        for k = 1, 5 do
          local v = y[k]
          local want = name == "exp" and math.exp(v) or name == "tanh" and
              (math.exp(2 * v) - 1) / (math.exp(2 * v) + 1) or
              name == "log1p" and math.log(1 + v) or math.exp(v) - 1
          assert.is_true(math.abs(got[k] - want) < 1e-12, name)
        end
      end
      local x = f64 { -2, -0.5, 0, 0.5, 2 }
      assert.are.same({ 2, 0.5, 0, 0.5, 2 }, x:abs():totable())
      assert.are.same({ -2, -1, 0, 0, 2 }, x:floor():totable())
      assert.are.same({ -2, -0, 0, 1, 2 }, x:ceil():totable())
      assert.are.same({ -2, -0, 0, 0, 2 }, x:round():totable()) -- half to even
      assert.are.same({ -1, -1, 0, 1, 1 }, x:sign():totable())
      assert.are.same({ 0, 0, 0, 0.5, 2 }, x:relu():totable())
      assert.are.same({ 2, math.sqrt(2) }, f64 { 4, 2 }:sqrt():totable())
      assert.are.same({ 0, 1 }, f64 { 1, math.exp(1) }:log():totable())
      local s = f64 { -1000, 0, 1000 }:sigmoid():totable()
      assert.are.same({ 0, 0.5, 1 }, s)
      assert.are.equal(credo.exp, credo.exp) -- module function exists
      assert.are.same({ 1 }, credo.exp(credo.zeros(1, "float64")):totable())
    end)

    it("unary float functions of int64 give float32; in-place keeps self", function()
      local i = credo.arange(3)
      assert.are.equal("float32", i:exp():dtype())
      assert.are.equal("int64", i:abs():dtype())
      assert.are.equal("int64", i:neg():dtype())
      local f = f64 { -1, 4 }
      assert.are.equal(f, f:abs_():sqrt_())
      assert.are.same({ 1, 2 }, f:totable())
    end)

    it("compares into int64 masks with broadcasting", function()
      local a = f64 { 1, 2, 3 }
      assert.are.same({ 0, 1, 0 }, a:eq(2):totable())
      assert.are.same({ 1, 0, 1 }, a:ne(2):totable())
      assert.are.same({ 1, 0, 0 }, a:lt(2):totable())
      assert.are.same({ 1, 1, 0 }, a:le(2):totable())
      assert.are.same({ 0, 0, 1 }, a:gt(2):totable())
      assert.are.same({ { 0, 1, 1 }, { 0, 0, 1 } }, a:ge(f64 { 2, 3 }:reshape(2, 1)):totable())
      assert.are.equal("int64", a:eq(a):dtype())
      local n = f64 { 0 / 0 }
      assert.are.same({ 0 }, n:eq(n):totable())
      assert.are.same({ 1 }, n:ne(n):totable())
    end)

    it("clamps with either bound", function()
      local x = f64 { -3, 0, 3, 0 / 0 }
      local c = x:clamp(-1, 1):totable()
      assert.are.same({ -1, 0, 1 }, { c[1], c[2], c[3] })
      assert.is_true(c[4] ~= c[4])
      assert.are.same({ 0, 1, 2, 2 }, credo.arange(4):clamp(nil, 2):totable())
      assert.are.equal("float32", credo.arange(4):clamp(0.5):dtype())
      assert.has_error(function() x:clamp() end,
        "bad argument #1 to 'clamp' (min or max must be given)")
      assert.has_error(function() x:clamp(0 / 0) end,
        "bad argument #1 to 'clamp' (min is NaN)")
    end)

    it("where picks by a mask, broadcasting tensors and numbers", function()
      local m = credo.tensor({ 1, 0, 1 }, "int64")
      assert.are.same({ 1, -2, 3 }, credo.where(m, f64 { 1, 2, 3 }, f64 { -1, -2, -3 }):totable())
      assert.are.same({ 1, 0, 1 }, credo.where(m, 1, 0):totable())
      assert.are.equal("int64", credo.where(m, 1, 0):dtype())
      assert.are.equal("float32", credo.where(m, 1.5, 0):dtype())
      local w = credo.where(m:reshape(3, 1), f64 { 10, 20 }, 0)
      assert.are.same({ { 10, 20 }, { 0, 0 }, { 10, 20 } }, w:totable())
      assert.has_error(function() credo.where(credo.ones(3), credo.ones(2), 0) end,
        "bad argument #1 to 'where' (shapes [3], [2] and [] cannot broadcast)")
    end)
  end)

  describe("conversion and copies", function()
    it("copy broadcasts and converts into self", function()
      local t = credo.zeros(2, 3, "int64")
      assert.are.equal(t, t:copy(f64 { 1.9, -1.9, 3 }))
      assert.are.same({ { 1, -1, 3 }, { 1, -1, 3 } }, t:totable())
      assert.has_error(function() t:copy(credo.ones(4)) end,
        "bad argument #1 to 'copy' (shape [4] cannot be broadcast to [2,3])")
    end)

    it("clone is independent; contiguous returns self when it can", function()
      local a = credo.arange(4)
      local c = a:clone()
      c[1] = 10
      assert.are.equal(0, a[1])
      assert.are.equal(a, a:contiguous())
      local t = a:reshape(2, 2):t()
      local tc = t:contiguous()
      assert.is_true(tc:is_contiguous())
      assert.are.same(t:totable(), tc:totable())
    end)

    it("type, float, double and long convert (self when unchanged)", function()
      local a = f64 { 1.5, -2.5 }
      assert.are.equal("float64", a:type())
      assert.are.equal(a, a:type("float64"))
      assert.are.equal(a, a:double())
      assert.are.equal("float32", a:float():dtype())
      assert.are.same({ 1, -2 }, a:long():totable())
      assert.are.equal("float32", a:type("float"):dtype())
    end)

    it("totable nests; item reads one element", function()
      assert.are.same({ { { 0, 1 } }, { { 2, 3 } } }, credo.arange(4):reshape(2, 1, 2):totable())
      assert.are.equal(7, credo.tensor(7):totable())
      assert.are.equal(5, credo.tensor({ { 5 } }, "int64"):item())
      assert.are.equal("integer", math.type(credo.tensor({ 5 }, "int64"):item()))
      assert.has_error(function() credo.arange(3):item() end,
        "calling 'item' on bad self (item() needs one element, the tensor has 3)")
    end)

    it("fill_ and zero_ work on strided views", function()
      local a = credo.zeros(2, 4, "float64")
      a:t():narrow(1, 2, 2):fill_(7)
      assert.are.same({ { 0, 7, 7, 0 }, { 0, 7, 7, 0 } }, a:totable())
      a:zero_()
      assert.are.same({ 0, 0, 0, 0 }, a[1]:totable())
    end)
  end)

  describe("printing", function()
    it("formats like PyTorch with the shape", function()
      assert.are.equal("tensor([[ 0.1000, -1.2000],\n        [ 3.0000,  4.0000]], shape=[2,2])",
        tostring(credo.tensor { { 0.1, -1.2 }, { 3, 4 } }))
      assert.are.equal("tensor([0., 1., 2.], shape=[3])", tostring(credo.zeros(3) + credo.arange(3)))
      assert.are.equal("tensor([0, 1, 2], dtype=int64, shape=[3])", tostring(credo.arange(3)))
      assert.are.equal("tensor([1.0000e-05, 1.0000e+00, 1.0000e+03], dtype=float64, shape=[3])",
        tostring(f64 { 1e-5, 1, 1000 }))
      assert.are.equal("tensor([1.0000, 2.5000,    nan,    inf], shape=[4])",
        tostring(credo.tensor { 1, 2.5, 0 / 0, 1 / 0 }))
      assert.are.equal("tensor(3.5000, shape=[])", tostring(credo.tensor(3.5)))
      assert.are.equal("tensor([], shape=[0])", tostring(credo.tensor {}))
    end)

    it("summarises more than 1000 elements with 3 edge items", function()
      local row = "[1., 1., 1.,  ..., 1., 1., 1.]"
      local want = "tensor([" .. row .. ",\n        " .. row .. ",\n        " .. row ..
          ",\n        ...,\n        " .. row .. ",\n        " .. row .. ",\n        " .. row ..
          "], shape=[40,40])"
      assert.are.equal(want, tostring(credo.ones(40, 40)))
      assert.are.equal("tensor([   0,    1,    2,  ...,  998,  999, 1000], dtype=int64, shape=[1001])",
        tostring(credo.arange(1001)))
    end)

    it("prints a freed tensor without crashing", function()
      local t = credo.ones(2)
      getmetatable(t).__close(t)
      assert.are.equal("tensor(<freed>)", tostring(t))
    end)
  end)

  describe("lifetime", function()
    it("collects big temporaries at the pace they are made", function()
      -- Lua sees each tensor as a small userdata; the binding forces a
      -- collection every 64 MB or so of new tensor data, so 60 temporaries
      -- of 2 MB never pile up to 120 MB
      collectgarbage()
      local base = credo.tensor_bytes()
      local a = credo.zeros(500, 1000) -- 2 MB
      local peak = 0
      for _ = 1, 60 do
        local c = a + 1
        peak = math.max(peak, credo.tensor_bytes() - base)
        assert.are.equal(1, c[1][1])
      end
      assert.is_true(peak < 100e6, "peak " .. peak)
      assert.is_true(peak >= 4e6)
    end)

    it("__close and __gc release, and twice is safe", function()
      local view
      do
        local t <close> = credo.arange(4)
        view = t:reshape(2, 2)
      end
      assert.are.same({ { 0, 1 }, { 2, 3 } }, view:totable()) -- the view keeps the storage
      local mt = getmetatable(view)
      mt.__gc(view)
      mt.__gc(view)
      assert.has_error(function() return view + 1 end,
        "bad argument #1 to 'add' (tensor has been freed)")
      assert.has_error(function() view:size() end,
        "calling 'size' on bad self (tensor has been freed)")
      assert.has_error(function() mt.__gc(3) end)
    end)
  end)
end)
