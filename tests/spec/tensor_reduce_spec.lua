-- tensor_reduce_spec.lua: the Lua API of credo's reductions, sorting,
-- gathering/scattering and joining (natives/tensor/reduce_lua.c), with its
-- exact error messages.  See docs/tensor-reduce.md.  Expected values are
-- worked out by hand (or are torch's documented results).
local credo = require "credo"

local nan = 0 / 0

local function T(v, dtype) return credo.tensor(v, dtype) end

-- exact comparison of a tensor with a nested table (NaN equals NaN)
local function same(a, b)
  if type(a) == "table" then
    if type(b) ~= "table" or #a ~= #b then return false end
    for i = 1, #a do
      if not same(a[i], b[i]) then return false end
    end
    return true
  end
  if a ~= a then return b ~= b end
  return a == b
end

-- every leaf of a nested table is a Lua integer
local function integers(v)
  if type(v) == "table" then
    for i = 1, #v do
      if not integers(v[i]) then return false end
    end
    return true
  end
  return math.type(v) == "integer"
end

local function check(t, want, dtype)
  local got = t:totable()
  if not same(got, want) then
    error("got " .. tostring(t), 2)
  end
  if dtype then assert.are.equal(dtype, t:dtype()) end
  if t:dtype() == "int64" then assert.is_true(integers(got)) end
  return true
end

local function near(t, want, tol)
  local got = type(t) == "number" and { t } or t:totable()
  want = type(want) == "number" and { want } or want
  local function walk(a, b)
    if type(a) == "table" then
      assert.are.equal(#b, #a)
      for i = 1, #a do walk(a[i], b[i]) end
    else
      assert.is_true(math.abs(a - b) <= tol * math.max(1, math.abs(b)),
        ("%.17g vs %.17g"):format(a, b))
    end
  end
  walk(got, want)
end

describe("tensor", function()
  local x = T { { 1, 2, 3 }, { 4, 5, 6 } }
  local xi = T({ { 1, -2, 3 }, { 4, 5, -6 } }, "int64")

  describe("sum()", function()
    it("reduces everything to a Lua number", function()
      assert.are.equal(21.0, x:sum())
      assert.are.equal(math.type(1.0), math.type(x:sum()))
      assert.are.equal(5, xi:sum())
      assert.are.equal("integer", math.type(xi:sum()))
    end)

    it("reduces one dim, 1-based or negative, with keepdim", function()
      check(x:sum(1), { 5, 7, 9 }, "float32")
      check(x:sum(2), { 6, 15 })
      check(x:sum(-1), { 6, 15 })
      check(x:sum(2, true), { { 6 }, { 15 } })
      assert.are.same({ 2, 1 }, x:sum(2, true):size())
      check(xi:sum(1), { 5, 3, -3 }, "int64")
    end)

    it("works on strided views", function()
      check(x:t():sum(1), { 6, 15 })
      check(x:t():sum(2), { 5, 7, 9 })
    end)

    it("gives 0 for an empty tensor and a 0-d tensor for a 1-d input", function()
      assert.are.equal(0.0, credo.zeros(0):sum())
      check(credo.zeros(0, 3):sum(1), { 0, 0, 0 })
      assert.are.equal(0, T { 1, 2 }:sum(1):dim())
      assert.are.equal(3.0, T { 1, 2 }:sum(1):item())
    end)

    it("keeps int64 sums exact beyond 2^53", function()
      local big = T({ 2 ^ 53, 1, 1 }, "int64")
      assert.are.equal(9007199254740994, big:sum())
    end)

    it("accumulates float32 in double", function()
      -- 1 + 1e8 copies of 1e-8 would stay 1 in float32 accumulation
      local v = credo.full({ 100000 }, 1e-3)
      near(v:sum(), 100, 1e-6)
    end)

    it("errors on a dim out of range or a bad keepdim", function()
      assert.has_error(function() x:sum(3) end,
        "bad argument #1 to 'sum' (dimension 3 out of range for a 2-d tensor)")
      assert.has_error(function() x:sum(-3) end,
        "bad argument #1 to 'sum' (dimension -3 out of range for a 2-d tensor)")
      assert.has_error(function() x:sum(1, 1) end,
        "bad argument #2 to 'sum' (boolean expected, got number)")
      assert.has_error(function() x:sum("a") end,
        "bad argument #1 to 'sum' (number expected, got string)")
    end)
  end)

  describe("mean(), var(), std()", function()
    it("computes them in full and along a dim", function()
      assert.are.equal(3.5, x:mean())
      check(x:mean(1), { 2.5, 3.5, 4.5 })
      near(x:var(), 3.5, 1e-7)
      check(x:var(2), { 1, 1 })
      near(x:var(2, false, 0), { 2 / 3, 2 / 3 }, 1e-7)
    end)

    it("uses correction 1 by default and accepts 0", function()
      local v = T({ 1, 2, 3, 4 }, "float64")
      assert.are.equal(5 / 3, v:var())
      assert.are.equal(1.25, v:var(nil, nil, 0))
      assert.are.equal(math.sqrt(1.25), v:std(1, false, 0):item())
      assert.are.equal(math.sqrt(5 / 3), v:std())
    end)

    it("gives NaN for too few elements and for empty tensors", function()
      assert.is_true(T { 1 }:var() ~= T { 1 }:var())
      assert.is_true(credo.zeros(0):mean() ~= credo.zeros(0):mean())
    end)

    it("refuses int64 tensors, as torch does", function()
      assert.has_error(function() xi:mean() end,
        "calling 'mean' on bad self (mean needs a float tensor, got int64 (convert with :double() or :float()))")
      assert.has_error(function() xi:std(1) end,
        "calling 'std' on bad self (std needs a float tensor, got int64 (convert with :double() or :float()))")
    end)

    it("errors on a bad correction", function()
      assert.has_error(function() x:var(1, false, -1) end,
        "bad argument #3 to 'var' (correction must be a finite number >= 0)")
    end)
  end)

  describe("prod()", function()
    it("multiplies, int64 staying int64", function()
      assert.are.equal(720.0, x:prod())
      check(x:prod(1), { 4, 10, 18 })
      assert.are.equal(720, xi:prod())
      check(xi:prod(2), { -6, -120 }, "int64")
      assert.are.equal(1.0, credo.zeros(0):prod())
    end)
  end)

  describe("min(), max(), argmin(), argmax()", function()
    local y = T { { 3, 1, 3 }, { 2, 7, 7 } }

    it("return a number without a dim", function()
      assert.are.equal(7.0, y:max())
      assert.are.equal(1.0, y:min())
      assert.are.equal(-6, xi:min())
      assert.are.equal("integer", math.type(xi:min()))
    end)

    it("return values and 1-based indices with a dim, first on ties", function()
      local v, i = y:max(2)
      check(v, { 3, 7 })
      check(i, { 1, 2 }, "int64")
      v, i = y:min(1, true)
      check(v, { { 2, 1, 3 } })
      check(i, { { 2, 1, 1 } })
    end)

    it("give the 1-based flat position for argmax() without a dim", function()
      assert.are.equal(5, y:argmax())
      assert.are.equal(2, y:argmin())
      check(y:argmax(1), { 1, 2, 2 })
      check(y:argmin(2, true), { { 2 }, { 1 } })
    end)

    it("propagate NaN (the first NaN wins)", function()
      local z = T { 1, nan, 5, nan }
      assert.is_true(z:max() ~= z:max())
      assert.is_true(z:min() ~= z:min())
      assert.are.equal(2, z:argmax())
      assert.are.equal(2, z:argmin())
      local v, i = z:max(1)
      assert.is_true(v:item() ~= v:item())
      assert.are.equal(2, i:item())
    end)

    it("error on empty tensors and empty dims", function()
      assert.has_error(function() credo.zeros(0, 3):max() end,
        "calling 'max' on bad self (empty tensor of shape [0,3] has no max)")
      assert.has_error(function() credo.zeros(0, 3):argmin(1) end,
        "bad argument #1 to 'argmin' (dimension 1 of shape [0,3] is empty: no argmin)")
      local v = credo.zeros(0, 3):max(2)
      assert.are.same({ 0 }, v:size())
    end)
  end)

  describe("any(), all(), count_nonzero()", function()
    local m = T({ { 0, 1, 0 }, { 0, 1, 1 } }, "int64")

    it("return booleans / an integer in full", function()
      assert.is_true(m:any())
      assert.is_false(m:all())
      assert.is_false(credo.zeros(3):any())
      assert.is_true(credo.zeros(0):all())
      assert.are.equal(3, m:count_nonzero())
      assert.is_true(T { nan }:all())
    end)

    it("return int64 0/1 tensors along a dim", function()
      check(m:any(1), { 0, 1, 1 }, "int64")
      check(m:all(2), { 0, 0 }, "int64")
      check(m:count_nonzero(1), { 0, 2, 1 }, "int64")
    end)
  end)

  describe("norm()", function()
    local v = T({ { 3, -4 }, { 0, 1 } }, "float64")
    it("is the 2-norm by default, and the 1- and max-norms", function()
      assert.are.equal(math.sqrt(26), v:norm())
      assert.are.equal(8, v:norm(1))
      assert.are.equal(4, v:norm(math.huge))
      check(v:norm(2, 2), { 5, 1 })
      check(v:norm(1, 1, true), { { 3, 5 } })
      near(v:norm(3), (27 + 64 + 1) ^ (1 / 3), 1e-15)
    end)

    it("errors on p <= 0 and int64", function()
      assert.has_error(function() v:norm(0) end,
        "bad argument #1 to 'norm' (p must be > 0 (or math.huge), got 0.0)")
      assert.has_error(function() xi:norm() end,
        "calling 'norm' on bad self (norm needs a float tensor, got int64 (convert with :double() or :float()))")
    end)
  end)

  describe("cumsum(), cumprod()", function()
    it("scan along a dim, keeping shape and dtype", function()
      check(x:cumsum(2), { { 1, 3, 6 }, { 4, 9, 15 } }, "float32")
      check(x:cumsum(1), { { 1, 2, 3 }, { 5, 7, 9 } })
      check(xi:cumprod(2), { { 1, -2, -6 }, { 4, 20, -120 } }, "int64")
      check(x:t():cumsum(1), { { 1, 4 }, { 3, 9 }, { 6, 15 } })
    end)

    it("needs a dim", function()
      assert.has_error(function() x:cumsum() end,
        "bad argument #1 to 'cumsum' (number expected, got no value)")
    end)
  end)

  describe("sort(), argsort()", function()
    it("sorts the last dim by default, stably, NaN last", function()
      local v, i = T { 3, nan, 1, 3, 2 }:sort()
      check(v, { 1, 2, 3, 3, nan })
      check(i, { 3, 5, 1, 4, 2 }, "int64")
    end)

    it("sorts descending with NaN first (NaN is the largest), ties stable", function()
      local v, i = T { 3, nan, 1, 3, 2 }:sort(1, true)
      check(v, { nan, 3, 3, 2, 1 })
      check(i, { 2, 1, 4, 5, 3 })
      check(T { 3, nan, 1, 3, 2 }:argsort(-1, true), { 2, 1, 4, 5, 3 })
    end)

    it("sorts along any dim of a strided view", function()
      local m = T { { 3, 1 }, { 1, 2 }, { 2, 0 } }
      local v, i = m:sort(1)
      check(v, { { 1, 0 }, { 2, 1 }, { 3, 2 } })
      check(i, { { 2, 3 }, { 3, 1 }, { 1, 2 } })
      v = m:t():sort(2, true)
      check(v, { { 3, 2, 1 }, { 2, 1, 0 } })
    end)

    it("keeps int64 exact", function()
      local v = T({ (1 << 60) + 1, 1 << 60, -5 }, "int64"):sort()
      check(v, { -5, 1 << 60, (1 << 60) + 1 })
    end)
  end)

  describe("topk(), kthvalue()", function()
    local v = T { 5, 1, nan, 5, 3, 9 }

    it("returns the k largest, sorted, NaN the largest, earlier first on ties", function()
      local a, i = v:topk(3)
      check(a, { nan, 9, 5 })
      check(i, { 3, 6, 1 })
      a, i = T { 5, 1, 5, 3 }:topk(2, 1, false)
      check(a, { 1, 3 })
      check(i, { 2, 4 })
    end)

    it("returns them in input order when sorted is false", function()
      local a, i = T { 5, 1, 5, 3, 9 }:topk(3, -1, true, false)
      check(a, { 5, 5, 9 })
      check(i, { 1, 3, 5 })
    end)

    it("works along a dim", function()
      local a, i = T { { 1, 5, 2 }, { 7, 0, 3 } }:topk(1, 1)
      check(a, { { 7, 5, 3 } })
      check(i, { { 2, 1, 2 } })
    end)

    it("gives the k-th smallest", function()
      local a, i = T { 5, 1, 4, 1, 3 }:kthvalue(2)
      assert.are.equal(1.0, a:item())
      assert.are.equal(4, i:item())
      a, i = T { { 1, 5, 2 }, { 7, 0, 3 } }:kthvalue(2, 2, true)
      check(a, { { 2 }, { 3 } })
      check(i, { { 3 }, { 3 } })
    end)

    it("errors on k out of range", function()
      assert.has_error(function() v:topk(7) end,
        "bad argument #1 to 'topk' (k (7) out of range for dimension 1 of size 6)")
      assert.has_error(function() v:kthvalue(0) end,
        "bad argument #1 to 'kthvalue' (k (0) out of range for dimension 1 of size 6)")
      assert.are.same({ 0 }, (v:topk(0)):size())
    end)
  end)

  describe("unique()", function()
    it("returns sorted values, inverse and counts", function()
      local u, inv, c = T({ { 3, 1 }, { 3, 2 } }, "int64"):unique(true, true)
      check(u, { 1, 2, 3 }, "int64")
      check(inv, { { 3, 1 }, { 3, 2 } }, "int64")
      check(c, { 1, 1, 2 }, "int64")
      local u2, c2 = T { 2, 2, 1 }:unique(false, true)
      check(u2, { 1, 2 }, "float32")
      check(c2, { 1, 2 })
    end)

    it("counts all NaNs as one value, sorted last", function()
      local u, c = T { nan, 1, nan }:unique(false, true)
      check(u, { 1, nan })
      check(c, { 1, 2 })
    end)
  end)

  describe("gather(), index_select()", function()
    local m = T { { 1, 2 }, { 3, 4 } }

    it("gather picks along dim with 1-based indices (torch semantics)", function()
      local idx = T({ { 1, 1 }, { 2, 1 } }, "int64")
      check(m:gather(2, idx), { { 1, 1 }, { 4, 3 } })
      check(m:gather(1, idx), { { 1, 2 }, { 3, 2 } })
      check(m:gather(2, T({ { 2 }, { 1 } }, "int64")), { { 2 }, { 3 } })
    end)

    it("index_select picks whole slices", function()
      check(m:index_select(1, T({ 2, 2, 1 }, "int64")), { { 3, 4 }, { 3, 4 }, { 1, 2 } })
      check(m:index_select(2, T({ 2 }, "int64")), { { 2 }, { 4 } })
    end)

    it("errors on index dtype, range and shape", function()
      assert.has_error(function() m:gather(2, T { { 1 }, { 1 } }) end,
        "bad argument #2 to 'gather' (index must be an int64 tensor, got float32)")
      assert.has_error(function() m:gather(2, T({ { 1, 3 } }, "int64")) end,
        "bad argument #2 to 'gather' (index 3 out of range for dimension 2 of size 2)")
      assert.has_error(function() m:gather(2, T({ 1, 2 }, "int64")) end,
        "bad argument #2 to 'gather' (index shape [2] does not fit self shape [2,2] (same number of dims, no larger size except in dimension 2))")
      assert.has_error(function() m:index_select(1, T({ 0 }, "int64")) end,
        "bad argument #2 to 'index_select' (index 0 out of range for dimension 1 of size 2)")
      assert.has_error(function() m:index_select(1, T({ { 1 } }, "int64")) end,
        "bad argument #2 to 'index_select' (index must be 0-d or 1-d, got shape [1,1])")
      assert.has_error(function() m:index_select(1, { 1 }) end,
        "bad argument #2 to 'index_select' (index must be an int64 tensor, got table)")
    end)
  end)

  describe("masked_select(), nonzero()", function()
    local m = T { { 1, 2, 3 }, { 4, 5, 6 } }

    it("selects where the int64 mask is nonzero, broadcasting", function()
      check(m:masked_select(m:gt(2.5)), { 3, 4, 5, 6 })
      check(m:masked_select(T({ 1, 0, 1 }, "int64")), { 1, 3, 4, 6 })
      check(m:masked_select(T({ { 0 }, { 1 } }, "int64")), { 4, 5, 6 })
    end)

    it("errors on a float or non-broadcasting mask", function()
      assert.has_error(function() m:masked_select(T { 1, 0, 1 }) end,
        "bad argument #1 to 'masked_select' (mask must be an int64 tensor, got float32)")
      assert.has_error(function() m:masked_select(T({ 1, 0 }, "int64")) end,
        "bad argument #1 to 'masked_select' (mask shape [2] does not broadcast with self shape [2,3])")
    end)

    it("nonzero gives (count, ndim) 1-based positions", function()
      check(T({ { 0, 7 }, { 3, 0 } }, "int64"):nonzero(), { { 1, 2 }, { 2, 1 } })
      assert.are.same({ 0, 1 }, credo.zeros(4):nonzero():size())
    end)
  end)

  describe("scatter_(), scatter_add_()", function()
    it("writes src at 1-based positions along dim, in place", function()
      local z = credo.zeros(2, 3)
      local r = z:scatter_(2, T({ { 3 }, { 1 } }, "int64"), T { { 5 }, { 6 } })
      assert.are.equal(z, r)
      check(z, { { 0, 0, 5 }, { 6, 0, 0 } })
      z:scatter_(1, T({ { 2, 2, 2 } }, "int64"), 9)
      check(z, { { 0, 0, 5 }, { 9, 9, 9 } })
    end)

    it("adds duplicates in scatter_add_", function()
      local z = credo.zeros({ 3 }, "int64")
      z:scatter_add_(1, T({ 1, 3, 1, 1 }, "int64"), T({ 1, 2, 3, 4 }, "int64"))
      check(z, { 8, 0, 2 })
    end)

    it("errors on dtype and index mismatches", function()
      local z = credo.zeros(2, 3)
      assert.has_error(function() z:scatter_(2, T({ { 1 } }, "int64"), T({ { 1 } }, "float64")) end,
        "bad argument #3 to 'scatter_' (src dtype float64 does not match self dtype float32)")
      assert.has_error(function() z:scatter_(2, T({ { 4 } }, "int64"), 1) end,
        "bad argument #2 to 'scatter_' (index 4 out of range for dimension 2 of size 3)")
      assert.has_error(function() z:scatter_add_(2, T({ { 1 } }, "int64"), 1) end,
        "bad argument #3 to 'scatter_add_' (tensor expected, got number)")
      assert.has_error(function() z:expand(4, 2, 3):scatter_(1, T({ { { 1 } } }, "int64"), 1) end,
        "calling 'scatter_' on bad self (cannot write in place into an expanded tensor (some elements share memory))")
    end)
  end)

  describe("index_add_(), index_copy_(), index_fill_()", function()
    it("accumulate rows (embedding gradients)", function()
      local g = credo.zeros(3, 2)
      g:index_add_(1, T({ 1, 3, 1 }, "int64"), T { { 1, 2 }, { 3, 4 }, { 5, 6 } })
      check(g, { { 6, 8 }, { 0, 0 }, { 3, 4 } })
    end)

    it("copy and fill slices", function()
      local g = credo.zeros(2, 3)
      g:index_copy_(2, T({ 3, 1 }, "int64"), T { { 1, 2 }, { 3, 4 } })
      check(g, { { 2, 0, 1 }, { 4, 0, 3 } })
      g:index_fill_(1, T({ 2 }, "int64"), -1)
      check(g, { { 2, 0, 1 }, { -1, -1, -1 } })
    end)

    it("errors on a src of the wrong shape", function()
      local g = credo.zeros(3, 2)
      assert.has_error(function() g:index_add_(1, T({ 1, 2 }, "int64"), credo.zeros(3, 2)) end,
        "bad argument #3 to 'index_add_' (src shape [3,2], expected [2,2] (self shape with dimension 1 the length of index))")
    end)
  end)

  describe("bincount()", function()
    local lab = T({ 0, 3, 3, 1 }, "int64")
    it("counts values, with minlength and weights", function()
      check(lab:bincount(), { 1, 1, 0, 2 }, "int64")
      check(lab:bincount(6), { 1, 1, 0, 2, 0, 0 })
      check(credo.bincount(lab, 0, T({ 0.5, 1, 2, 4 }, "float64")), { 0.5, 4, 0, 3 }, "float64")
    end)

    it("errors on negative values and non-int64 input", function()
      assert.has_error(function() T({ 1, -2 }, "int64"):bincount() end,
        "calling 'bincount' on bad self (value -2 at position 2 is negative)")
      assert.has_error(function() T { 1, 2 }:bincount() end,
        "calling 'bincount' on bad self (expected a 1-d int64 tensor, got a float32 tensor of shape [2])")
    end)
  end)

  describe("split(), chunk()", function()
    local v = credo.arange(7)
    it("return lists of views", function()
      local p = v:split(3)
      assert.are.equal(3, #p)
      check(p[3], { 6 })
      p[1]:fill_(-1)
      assert.are.equal(-1, v:get(1))
      local q = T { { 1, 2, 3 }, { 4, 5, 6 } }:split({ 1, 2 }, 2)
      check(q[2], { { 2, 3 }, { 5, 6 } })
      local c = credo.arange(5):chunk(2)
      assert.are.equal(2, #c)
      check(c[1], { 0, 1, 2 })
      check(c[2], { 3, 4 })
    end)

    it("errors on sizes that do not add up", function()
      assert.has_error(function() v:split({ 3, 3 }) end,
        "bad argument #1 to 'split' (sizes sum to 6 but dimension 1 has size 7)")
      assert.has_error(function() v:chunk(0) end,
        "bad argument #1 to 'chunk' (number of chunks must be >= 1)")
    end)
  end)
end)

describe("cat()", function()
  it("joins along dim 1 by default, promoting dtypes", function()
    local a = T({ { 1, 2 } }, "int64")
    local b = T { { 3.5, 4 } }
    local c = credo.cat { a, b }
    check(c, { { 1, 2 }, { 3.5, 4 } }, "float32")
    check(credo.cat({ a, T({ { 5 } }, "float64") }, 2), { { 1, 2, 5 } }, "float64")
    check(credo.cat({ a, a }, -1), { { 1, 2, 1, 2 } }, "int64")
  end)

  it("skips empty 1-d tensors (an accumulator can start empty)", function()
    check(credo.cat { credo.zeros(0), T { { 1, 2 } } }, { { 1, 2 } })
  end)

  it("names the offending element and its shape", function()
    assert.has_error(function() credo.cat { credo.zeros(2, 3), credo.zeros(2, 3), credo.zeros(2, 4) } end,
      "bad argument #1 to 'cat' (tensor 3 has shape [2,4] but tensor 1 has shape [2,3] (sizes must match except in dimension 1))")
    assert.has_error(function() credo.cat { credo.zeros(2), 5 } end,
      "bad argument #1 to 'cat' (element 2 is number, expected a tensor)")
    assert.has_error(function() credo.cat {} end,
      "bad argument #1 to 'cat' (expected a non-empty list of tensors for cat)")
  end)
end)

describe("stack()", function()
  it("adds a new dim, 1 by default, -1 for last", function()
    local a, b = T { 1, 2 }, T { 3, 4 }
    check(credo.stack { a, b }, { { 1, 2 }, { 3, 4 } })
    check(credo.stack({ a, b }, 2), { { 1, 3 }, { 2, 4 } })
    check(credo.stack({ a, b }, -1), { { 1, 3 }, { 2, 4 } })
  end)

  it("errors on unequal shapes and bad dims", function()
    assert.has_error(function() credo.stack { credo.zeros(3), credo.zeros(4) } end,
      "bad argument #1 to 'stack' (tensor 2 has shape [4] but tensor 1 has shape [3] (stack needs equal shapes))")
    assert.has_error(function() credo.stack({ credo.zeros(3) }, 3) end,
      "bad argument #2 to 'stack' (dimension 3 out of range for stacking 1-d tensors (1..2))")
  end)
end)

describe("reductions", function()
  it("give the same bits with 1 and 2 threads", function()
    local saved = credo.threads()
    local x = credo.arange(600000):float():reshape(3000, 200)
    x = x:sub(x:mean()):mul(1e-3)
    local res = {}
    for _, th in ipairs { 1, 2 } do
      credo.threads(th)
      res[th] = {
        x:sum(), x:var(), x:norm(),
        x:sum(1):totable(), x:std(2):totable(), x:t():sum(),
      }
    end
    credo.threads(saved)
    assert.are.same(res[1], res[2])
  end)

  it("reduce a transposed view exactly like its contiguous copy", function()
    local x = credo.arange(100000):float():reshape(250, 400):mul(0.37)
    assert.are.equal(x:t():contiguous():sum(), x:t():sum())
    assert.are.same(x:t():contiguous():var(2):totable(), x:t():var(2):totable())
  end)
end)
