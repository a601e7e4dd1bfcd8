-- random_spec.lua: credo.random, the seeded generators and random tensors
-- (natives/random).  Values pinned here come from an independent Python
-- implementation of xoshiro256** seeded by splitmix64 (see test_rng.c).

local credo = require "credo"

local function flat(t)
  local out = {}
  local function walk(x)
    if type(x) == "table" then
      for _, v in ipairs(x) do walk(v) end
    else
      out[#out + 1] = x
    end
  end
  walk(t:totable())
  return out
end

local function mean(xs)
  local s = 0
  for _, x in ipairs(xs) do s = s + x end
  return s / #xs
end

local function is_permutation(xs, n)
  if #xs ~= n then return false end
  local seen = {}
  for _, x in ipairs(xs) do
    if math.type(x) ~= "integer" or x < 1 or x > n or seen[x] then return false end
    seen[x] = true
  end
  return true
end

local function err(f, ...)
  local ok, e = pcall(f, ...)
  assert.is_false(ok)
  return e
end

describe("random", function()
  describe("uniform over a range wider than the largest double", function()
    it("spreads over the range (hi - lo overflowed to a constant 1e308)", function()
      local g = credo.Generator(1)
      local lo, hi, seen_neg = math.huge, -math.huge, false
      for _ = 1, 50 do
        local v = g:uniform(-1e308, 1e308)
        assert.is_true(v >= -1e308 and v < 1e308)
        lo, hi = math.min(lo, v), math.max(hi, v)
        seen_neg = seen_neg or v < 0
      end
      assert.is_true(seen_neg and hi - lo > 1e307)
      local a, b = credo.Generator(5), credo.Generator(5)   -- the usual range keeps its stream
      assert.are.equal(a:uniform(2, 3), 2 + (3 - 2) * b:uniform())
    end)
  end)

  describe("Generator()", function()
    it("gives the same numbers for the same seed", function()
      local a, b = credo.Generator(7), credo.Generator(7)
      for _ = 1, 5 do
        assert.equal(a:uniform(), b:uniform())
        assert.equal(a:normal(), b:normal())
        assert.equal(a:integer(1, 1000), b:integer(1, 1000))
      end
      assert.same(a:rand(4, 3):totable(), b:rand(4, 3):totable())
      assert.same(a:randn(5):totable(), b:randn(5):totable())
    end)

    it("gives different numbers for different seeds", function()
      assert.are_not.same(credo.Generator(1):rand(8):totable(),
                          credo.Generator(2):rand(8):totable())
    end)

    it("draws the pinned xoshiro256** values", function()
      -- first outputs of seed 42: 1546998764402558742, 6990951692964543102
      local g = credo.Generator(42)
      assert.equal((1546998764402558742 >> 11) * 0x1p-53, g:uniform())
      assert.equal((6990951692964543102 >> 11) * 0x1p-53, g:uniform())
      -- the first Marsaglia polar pair of seed 42 gives -0.7262191382447857
      assert.is_true(math.abs(credo.Generator(42):normal() + 0.7262191382447857) < 1e-15)
      -- float32 uses the top 24 bits
      local f = credo.Generator(42):rand(1):totable()[1]
      assert.equal((1546998764402558742 >> 40) * 0x1p-24, f)
    end)

    it("accepts any 64-bit integer seed", function()
      local g = credo.Generator(-1)
      assert.equal("Generator(seed=-1)", tostring(g))
      assert.equal("Generator(seed=9223372036854775807)",
                   tostring(credo.Generator(math.maxinteger)))
      assert.equal("Generator(seed=3)", tostring(credo.Generator(3.0)))
    end)

    it("requires an integer seed", function()
      assert.has_error(function() credo.Generator() end,
        "bad argument #1 to 'Generator' (number expected, got no value)")
      assert.has_error(function() credo.Generator(1.5) end,
        "bad argument #1 to 'Generator' (number has no integer representation)")
      assert.has_error(function() credo.Generator("x") end,
        "bad argument #1 to 'Generator' (number expected, got string)")
    end)
  end)

  describe("seed()", function()
    it("reseeds the global generator and returns it", function()
      local g = credo.seed(5)
      assert.equal(credo.get_generator(), g)
      local a = credo.rand(6):totable()
      credo.seed(5)
      assert.same(a, credo.rand(6):totable())
      credo.manual_seed(5)
      assert.same(a, credo.rand(6):totable())
      assert.same(credo.Generator(5):rand(6):totable(), a)
    end)

    it("reseeds a generator as a method", function()
      local g = credo.Generator(1)
      local first = g:uniform()
      assert.equal(g, g:seed(1))
      assert.equal(first, g:uniform())
    end)

    it("starts from seed 0 and repeats across processes", function()
      local host = os.getenv("HOST")
      if not host or not io.open(host) then host = "./credo" end
      local script = os.tmpname()
      local f = assert(io.open(script, "w"))
      f:write('local credo = require "credo"\n',
              'print(string.format("%.17g %s", credo.uniform(), ',
              'tostring(credo.get_generator())))\n')
      f:close()
      local function run()
        local p = assert(io.popen("'" .. host .. "' '" .. script .. "'"))
        local out = p:read("a")
        p:close()
        return out
      end
      local one, two = run(), run()
      os.remove(script)
      local want = string.format("%.17g Generator(seed=0)\n",
                                 credo.Generator(0):uniform())
      assert.equal(want, one)
      assert.equal(one, two)
    end)
  end)

  describe("uniform()", function()
    it("draws in [a, b)", function()
      local g = credo.Generator(3)
      for _ = 1, 200 do
        local u = g:uniform(-2, 3)
        assert.is_true(u >= -2 and u < 3)
        local v = g:uniform()
        assert.is_true(v >= 0 and v < 1)
      end
      assert.equal(4, g:uniform(4, 4))
    end)

    it("rejects bad bounds", function()
      assert.has_error(function() credo.uniform(2, 1) end,
        "bad argument #2 to 'uniform' (upper bound 1.0 is below lower bound 2.0)")
      assert.has_error(function() credo.uniform(0 / 0) end,
        "bad argument #1 to 'uniform' (expected a finite number, got NaN)")
      assert.matches("bad argument #2 to 'uniform' %(expected a finite number",
                     err(credo.uniform, 0, math.huge))
      local g = credo.Generator(1)
      assert.has_error(function() g:uniform("a") end,
        "bad argument #1 to 'uniform' (number expected, got string)")
    end)
  end)

  describe("normal()", function()
    it("scales and shifts", function()
      local a, b = credo.Generator(9), credo.Generator(9)
      assert.equal(3 + 2 * a:normal(), b:normal(3, 2))
      assert.equal(5, credo.normal(5, 0))
    end)

    it("has mean 0 and variance 1", function()
      local g, xs = credo.Generator(11), {}
      for i = 1, 20000 do xs[i] = g:normal() end
      local m = mean(xs)
      local v = 0
      for _, x in ipairs(xs) do v = v + (x - m) ^ 2 end
      v = v / #xs
      assert.is_true(math.abs(m) < 5 / math.sqrt(20000))
      assert.is_true(math.abs(v - 1) < 5 * math.sqrt(2 / 20000))
    end)

    it("rejects a negative sigma", function()
      assert.has_error(function() credo.normal(0, -1) end,
        "bad argument #2 to 'normal' (sigma must be non-negative, got -1.0)")
    end)
  end)

  describe("integer()", function()
    it("includes both ends", function()
      local g, seen = credo.Generator(4), {}
      for _ = 1, 400 do
        local x = g:integer(-2, 3)
        assert.equal("integer", math.type(x))
        assert.is_true(x >= -2 and x <= 3)
        seen[x] = true
      end
      for x = -2, 3 do assert.is_true(seen[x]) end
      assert.equal(7, g:integer(7, 7))
      local full = g:integer(math.mininteger, math.maxinteger)
      assert.equal("integer", math.type(full))
    end)

    it("rejects an empty range", function()
      local g = credo.Generator(4)
      assert.has_error(function() g:integer(3, 1) end,
        "bad argument #2 to 'integer' (empty range [3, 1])")
      assert.has_error(function() g:integer(1) end,
        "bad argument #2 to 'integer' (number expected, got no value)")
    end)
  end)

  describe("rand()", function()
    it("takes sizes as arguments or a table, and a dtype", function()
      local g = credo.Generator(1)
      local a = g:rand(2, 3)
      assert.same({2, 3}, a:size())
      assert.equal("float32", a:dtype())
      local b = g:rand({4, 1, 2}, "float64")
      assert.same({4, 1, 2}, b:size())
      assert.equal("float64", b:dtype())
      assert.same({}, g:rand():size())
      assert.same({0, 5}, g:rand(0, 5):size())
    end)

    it("draws in [0, 1) with mean 1/2", function()
      local xs = flat(credo.Generator(2):rand(10000, "float64"))
      for _, x in ipairs(xs) do assert.is_true(x >= 0 and x < 1) end
      assert.is_true(math.abs(mean(xs) - 0.5) < 5 * math.sqrt(1 / 12 / 10000))
    end)

    it("uses the generator option or a trailing generator", function()
      local want = credo.Generator(8):rand(3, 2):totable()
      assert.same(want, credo.rand(3, 2, {generator = credo.Generator(8)}):totable())
      assert.same(want, credo.rand({3, 2}, credo.Generator(8)):totable())
      assert.same(want, credo.rand(3, 2, "float32", {generator = credo.Generator(8)}):totable())
    end)

    it("leaves the global generator alone when given one", function()
      credo.seed(12)
      local want = credo.rand(3):totable()
      credo.seed(12)
      credo.rand(5, {generator = credo.Generator(1)})
      assert.same(want, credo.rand(3):totable())
    end)

    it("rejects bad sizes, dtypes and options", function()
      assert.has_error(function() credo.rand(3, -1) end,
        "bad argument #2 to 'rand' (size must be non-negative, got -1)")
      assert.has_error(function() credo.rand(3, "int64") end,
        "bad argument #2 to 'rand' (dtype int64 is not supported (use randint))")
      assert.has_error(function() credo.rand(3, "float16") end,
        "bad argument #2 to 'rand' (unknown dtype 'float16' (expected float32, float64 or int64))")
      assert.has_error(function() credo.rand(1, 1, 1, 1, 1, 1, 1, 1, 1) end,
        "bad argument #9 to 'rand' (at most 8 dimensions)")
      assert.has_error(function() credo.rand({2, 0.5}) end,
        "bad argument #1 to 'rand' (size 2 must be a non-negative integer)")
      assert.has_error(function() credo.rand(3, {generatr = 1}) end,
        "bad argument #2 to 'rand' (unknown option 'generatr')")
      assert.has_error(function() credo.rand(3, {generator = 1}) end,
        "bad argument #2 to 'rand' (option 'generator' must be a credo.Generator)")
      local g = credo.Generator(1)
      assert.has_error(function() g:rand(3, {generator = g}) end,
        "bad argument #2 to 'rand' (a method call already has its generator)")
    end)
  end)

  describe("randn()", function()
    it("draws standard normals", function()
      local t = credo.Generator(5):randn(20000, "float64")
      local xs = flat(t)
      local m = mean(xs)
      assert.is_true(math.abs(m) < 5 / math.sqrt(20000))
      assert.equal("float32", credo.randn(2):dtype())
    end)

    it("matches normal() on its first element", function()
      assert.equal(credo.Generator(6):normal(),
                   credo.Generator(6):randn(3, "float64"):totable()[1])
    end)

    it("rejects int64", function()
      assert.has_error(function() credo.randn(2, "int64") end,
        "bad argument #2 to 'randn' (dtype int64 is not supported (use randint))")
    end)
  end)

  describe("randint()", function()
    it("draws integers in [lo, hi]", function()
      local t = credo.Generator(1):randint(-1, 2, 500)
      assert.equal("int64", t:dtype())
      local seen = {}
      for _, x in ipairs(flat(t)) do
        assert.is_true(x >= -1 and x <= 2)
        seen[x] = true
      end
      for x = -1, 2 do assert.is_true(seen[x]) end
    end)

    it("converts to a float dtype", function()
      local a = credo.Generator(3):randint(0, 9, 2, 2, "float64")
      local b = credo.Generator(3):randint(0, 9, {2, 2})
      assert.equal("float64", a:dtype())
      local fa, fb = flat(a), flat(b)
      for i = 1, 4 do assert.equal(fb[i], fa[i]) end
    end)

    it("rejects an empty range", function()
      assert.has_error(function() credo.randint(5, 4, 3) end,
        "bad argument #2 to 'randint' (empty range [5, 4])")
    end)
  end)

  describe("bernoulli()", function()
    it("draws 0/1 with probability p", function()
      local g = credo.Generator(2)
      for _, x in ipairs(flat(g:bernoulli(0, 50))) do assert.equal(0, x) end
      for _, x in ipairs(flat(g:bernoulli(1, 50))) do assert.equal(1, x) end
      local m = mean(flat(g:bernoulli(0.3, 20000, "float64")))
      assert.is_true(math.abs(m - 0.3) < 5 * math.sqrt(0.21 / 20000))
      assert.equal("int64", g:bernoulli(0.5, 3, "int64"):dtype())
    end)

    it("takes a tensor of probabilities", function()
      local p = credo.tensor({{0, 1}, {1, 0}}, "float64")
      local t = credo.Generator(1):bernoulli(p)
      assert.equal("float64", t:dtype())
      assert.same({{0, 1}, {1, 0}}, t:totable())
      assert.equal("int64", credo.bernoulli(p, "int64"):dtype())
    end)

    it("rejects probabilities outside [0, 1]", function()
      assert.has_error(function() credo.bernoulli(1.5, 3) end,
        "bad argument #1 to 'bernoulli' (probability must be in [0, 1], got 1.5)")
      assert.has_error(function() credo.bernoulli(0 / 0, 3) end,
        "bad argument #1 to 'bernoulli' (probability must be in [0, 1], got NaN)")
      assert.has_error(function() credo.bernoulli(credo.tensor {0.5, 0 / 0}) end,
        "bad argument #1 to 'bernoulli' (probabilities must be in [0, 1], found NaN at index 2)")
      assert.has_error(function() credo.bernoulli(credo.tensor {0.5, 2}) end,
        "bad argument #1 to 'bernoulli' (probabilities must be in [0, 1], found 2.0 at index 2)")
      assert.has_error(function() credo.bernoulli(credo.tensor {0.5}, 3) end,
        "bad argument #2 to 'bernoulli' (no sizes with a tensor of probabilities (the result has its shape))")
    end)
  end)

  describe("permutation()", function()
    it("permutes 1..n", function()
      local p = credo.Generator(3):permutation(50)
      assert.equal("int64", p:dtype())
      assert.is_true(is_permutation(flat(p), 50))
      assert.same({0}, credo.permutation(0):size())
      assert.same({1}, credo.permutation(1):totable())
    end)

    it("is reproducible", function()
      assert.same(credo.Generator(4):permutation(20):totable(),
                  credo.permutation(20, {generator = credo.Generator(4)}):totable())
    end)

    it("rejects a negative n", function()
      assert.has_error(function() credo.permutation(-1) end,
        "bad argument #1 to 'permutation' (n must be non-negative, got -1)")
    end)
  end)

  describe("choice()", function()
    it("draws k distinct indices, the first k of permutation(n)", function()
      local c = flat(credo.Generator(5):choice(100, 10))
      local p = flat(credo.Generator(5):permutation(100))
      for i = 1, 10 do assert.equal(p[i], c[i]) end
      assert.is_true(is_permutation(flat(credo.Generator(5):choice(7, 7)), 7))
    end)

    it("returns one index without k", function()
      local x = credo.Generator(5):choice(100)
      assert.equal("integer", math.type(x))
      assert.equal(flat(credo.Generator(5):choice(100, 1))[1], x)
    end)

    it("draws with replacement on request", function()
      local c = flat(credo.Generator(1):choice(3, 300, {replace = true}))
      assert.equal(300, #c)
      local seen = {}
      for _, x in ipairs(c) do
        assert.is_true(x >= 1 and x <= 3)
        seen[x] = true
      end
      assert.is_true(seen[1] and seen[2] and seen[3])
      -- huge n, small k, without replacement: no n-sized allocation
      local big = flat(credo.Generator(1):choice(1 << 50, 5))
      assert.equal(5, #big)
    end)

    it("follows the weights p", function()
      local g = credo.Generator(6)
      local counts = {0, 0, 0, 0}
      for _, x in ipairs(flat(g:choice(4, 20000, {replace = true, p = {1, 0, 3, 0}}))) do
        counts[x] = counts[x] + 1
      end
      assert.equal(0, counts[2])
      assert.equal(0, counts[4])
      assert.is_true(math.abs(counts[3] / 20000 - 0.75) < 5 * math.sqrt(0.1875 / 20000))
      -- a tensor of weights, without replacement: distinct, positive only
      local w = credo.tensor({0, 2, 0, 1, 1}, "float64")
      for _ = 1, 50 do
        local c = flat(g:choice(5, 3, {p = w}))
        table.sort(c)
        assert.same({2, 4, 5}, c)
      end
    end)

    it("draws rows of a tensor", function()
      local t = credo.tensor({{1, 2}, {3, 4}, {5, 6}}, "int64")
      local g = credo.Generator(2)
      local idx = flat(credo.Generator(2):choice(3, 2))
      local rows = g:choice(t, 2)
      assert.same({2, 2}, rows:size())
      assert.equal("int64", rows:dtype())
      local rt = rows:totable()
      for i = 1, 2 do assert.same(t:totable()[idx[i]], rt[i]) end
      local v = credo.Generator(3):choice(credo.tensor {10, 20, 30})
      assert.is_true(v == 10 or v == 20 or v == 30)
      local row = credo.Generator(3):choice(t)
      assert.same({2}, row:size())
    end)

    it("rejects impossible draws and bad weights", function()
      assert.has_error(function() credo.choice(3, 5) end,
        "bad argument #2 to 'choice' (cannot draw k = 5 of n = 3 without replacement)")
      assert.has_error(function() credo.choice(3, 1, {p = {1, -1, 0}}) end,
        "bad argument #3 to 'choice' (p[2] = -1.0 is negative)")
      assert.has_error(function() credo.choice(3, 1, {p = {0, 0, 0}}) end,
        "bad argument #3 to 'choice' (p must have a positive, finite sum)")
      assert.has_error(function() credo.choice(3, 1, {p = {1, 1}}) end,
        "bad argument #3 to 'choice' (p has 2 entries for 3 items)")
      assert.has_error(function() credo.choice(3, 1, {p = {1, 0 / 0, 1}}) end,
        "bad argument #3 to 'choice' (p[2] is NaN)")
      assert.has_error(function() credo.choice(2, 1, {p = {1, math.huge}}) end,
        "bad argument #3 to 'choice' (p[2] = inf is not finite)")
      assert.has_error(function() credo.choice(3, 3, {p = {1, 0, 1}}) end,
        "bad argument #2 to 'choice' (cannot draw k = 3 without replacement: only 2 items have positive probability)")
      assert.has_error(function() credo.choice(3, 1, {replace = 1}) end,
        "bad argument #3 to 'choice' (option replace must be a boolean)")
      assert.has_error(function() credo.choice(3, 1, {replce = true}) end,
        "bad argument #3 to 'choice' (unknown option 'replce')")
      assert.has_error(function() credo.choice(0, 1, {replace = true}) end,
        "bad argument #1 to 'choice' (cannot draw from n = 0 items)")
      assert.has_error(function() credo.choice(-2, 1) end,
        "bad argument #1 to 'choice' (n must be non-negative, got -2)")
      assert.has_error(function() credo.choice("x") end,
        "bad argument #1 to 'choice' (number or tensor expected, got string)")
    end)
  end)

  describe("bootstrap()", function()
    it("draws n indices from 1..n with replacement", function()
      local b = flat(credo.Generator(1):bootstrap(1000))
      assert.equal(1000, #b)
      local distinct, seen = 0, {}
      for _, x in ipairs(b) do
        assert.is_true(x >= 1 and x <= 1000)
        if not seen[x] then distinct, seen[x] = distinct + 1, true end
      end
      -- about 1 - 1/e of the rows are in the bag
      assert.is_true(math.abs(distinct / 1000 - (1 - math.exp(-1))) < 0.05)
      assert.equal(10, #flat(credo.bootstrap(1000, 10)))
      assert.same({0}, credo.bootstrap(0):size())
    end)

    it("rejects drawing from nothing", function()
      assert.has_error(function() credo.bootstrap(0, 3) end,
        "bad argument #1 to 'bootstrap' (cannot resample from n = 0 items)")
    end)
  end)

  describe("shuffle_()", function()
    it("permutes rows in place as permutation() would", function()
      local t = credo.tensor({{1, 2}, {3, 4}, {5, 6}, {7, 8}}, "float64")
      local orig = t:totable()
      local perm = flat(credo.Generator(9):permutation(4))
      local r = credo.Generator(9):shuffle_(t)
      assert.equal(t, r)
      local now = t:totable()
      for i = 1, 4 do assert.same(orig[perm[i]], now[i]) end
    end)

    it("shuffles a strided view and keeps int64 exact", function()
      local big = (1 << 53) + 1
      local base = credo.tensor({{big, 2, 3}, {4, 5, 6}}, "int64")
      local v = base:t()                         -- [3,2], not contiguous
      local orig = v:totable()
      local perm = flat(credo.Generator(1):permutation(3))
      credo.shuffle_(v, credo.Generator(1))
      local now = v:totable()
      for i = 1, 3 do assert.same(orig[perm[i]], now[i]) end
      local seen = false
      for _, x in ipairs(flat(base)) do seen = seen or x == big end
      assert.is_true(seen)
    end)

    it("rejects 0-d and expanded tensors", function()
      assert.has_error(function() credo.shuffle_(credo.tensor(3)) end,
        "bad argument #1 to 'shuffle_' (cannot shuffle a 0-d tensor)")
      assert.has_error(function() credo.shuffle_(credo.zeros(1, 3):expand(4, 3)) end,
        "bad argument #1 to 'shuffle_' (cannot shuffle an expanded tensor in place (its elements share memory))")
      assert.has_error(function() credo.shuffle_({}) end,
        "bad argument #1 to 'shuffle_' (tensor expected, got no value)")
    end)
  end)

  describe("stream()", function()
    it("derives a reproducible generator from the seed and an index", function()
      local g = credo.Generator(42)
      local s1 = g:stream(7)
      g:rand(100)                                -- draws do not matter
      assert.same(s1:rand(5):totable(), g:stream(7):rand(5):totable())
      assert.equal("Generator(seed=5152897204343404489)", tostring(g:stream(7)))
      assert.are_not.same(g:stream(1):rand(5):totable(), g:stream(2):rand(5):totable())
      assert.are_not.same(g:rand(5):totable(), credo.Generator(42):stream(0):rand(5):totable())
    end)

    it("nests", function()
      local a = credo.Generator(1):stream(2):stream(3):uniform()
      assert.equal(a, credo.Generator(1):stream(2):stream(3):uniform())
      assert.are_not.equal(a, credo.Generator(1):stream(3):stream(2):uniform())
    end)

    it("needs a generator and an index", function()
      assert.has_error(function() credo.Generator(1):stream() end,
        "bad argument #1 to 'stream' (number expected, got no value)")
      assert.has_error(function() credo.Generator(1).stream(3) end,
        "calling 'stream' on bad self (credo.Generator expected, got number)")
    end)
  end)

  describe("get_state() / set_state() / clone()", function()
    it("rewinds a generator", function()
      local g = credo.Generator(3)
      g:rand(10)
      local st = g:get_state()
      assert.equal("xoshiro256**", st.algorithm)
      assert.equal(3, st.seed)
      local a = g:rand(4):totable()
      assert.equal(g, g:set_state(st))
      assert.same(a, g:rand(4):totable())
    end)

    it("clones the state and the seed", function()
      local g = credo.Generator(8)
      g:uniform()
      local h = g:clone()
      assert.are_not.equal(g, h)
      assert.equal(g:uniform(), h:uniform())
      assert.equal(tostring(g), tostring(h))
      assert.equal(g:stream(1):uniform(), h:stream(1):uniform())
    end)

    it("survives dumps/loads", function()
      local g = credo.Generator(21)
      g:randn(7)
      local st = credo.core.serialize.loads(credo.core.serialize.dumps(g:get_state()))
      local h = credo.Generator(0):set_state(st)
      assert.same(g:rand(3):totable(), h:rand(3):totable())
    end)

    it("rejects a bad state", function()
      local g = credo.Generator(1)
      local msg = "bad argument #1 to 'set_state' (expected a state table from get_state())"
      assert.has_error(function() g:set_state(5) end, msg)
      assert.has_error(function() g:set_state({algorithm = "mt19937", seed = 1,
                                               state = {1, 2, 3, 4}}) end, msg)
      assert.has_error(function() g:set_state({algorithm = "xoshiro256**", seed = 1,
                                               state = {1, 2, 3}}) end, msg)
      assert.has_error(function() g:set_state({algorithm = "xoshiro256**", seed = 1,
                                               state = {0, 0, 0, 0}}) end,
        "bad argument #1 to 'set_state' (an all-zero xoshiro256** state is invalid)")
    end)
  end)
end)
