-- linalg_spec.lua: the Lua API of credo's linear algebra against numpy
-- fixtures (tests/fixtures/linalg.json, from bench/peers/make_linalg_fixtures.py)
-- and its error messages.  See docs/linalg.md.
local credo = require "credo"
local json = require "json"

local fx = json.read("tests/fixtures/linalg.json")

-- nested Lua table of fixture entry e (shape, flat row-major data)
local function nest(shape, data)
  local pos = 0
  local function build(d)
    local t = {}
    for i = 1, shape[d] do
      if d == shape.n then
        pos = pos + 1
        t[i] = data[pos]
      else
        t[i] = build(d + 1)
      end
    end
    return t
  end
  return build(1)
end

-- fixture `name` as a tensor (float64 unless dtype says otherwise)
local function T(name, dtype)
  local e = assert(fx[name], name)
  return credo.tensor(nest(e.shape, e.data), dtype or "float64")
end

local function flatten(v, out)
  out = out or {}
  if type(v) == "table" then
    for i = 1, #v do flatten(v[i], out) end
  else
    out[#out + 1] = v
  end
  return out
end

local function shape_of(t)
  local s = t:size()
  return "[" .. table.concat(s, ",") .. "]"
end

-- got (tensor) against fixture `name` (or a tensor), relative tolerance tol
-- (|d| <= tol * max(1, |want|)), reporting the largest difference
local function assert_close(got, want, tol)
  local wshape, wdata
  if type(want) == "string" then
    local e = assert(fx[want], want)
    wshape = "[" .. table.concat(e.shape, ",") .. "]"
    wdata = e.data
  else
    wshape, wdata = shape_of(want), flatten(want:totable())
  end
  assert.are.equal(wshape, shape_of(got))
  local g = flatten(got:totable())
  local worst, at = 0, 0
  for i = 1, #wdata do
    local d = math.abs(g[i] - wdata[i]) / math.max(1, math.abs(wdata[i]))
    if not (d <= worst) then worst, at = d, i end
  end
  assert(worst <= tol, string.format("max rel diff %.3g at %d (got %.17g want %.17g)",
                                     worst, at, g[at] or 0 / 0, wdata[at] or 0 / 0))
end

-- the columns (or rows) of 2-d got flipped to point like those of fixture
-- `name`, then compared
local function assert_close_up_to_sign(got, name, by_columns, tol)
  local e = fx[name]
  local r, c = e.shape[1], e.shape[2]
  local g = got:totable()
  local nv, len = by_columns and c or r, by_columns and r or c
  for v = 1, nv do
    local d = 0
    for i = 1, len do
      local gi, gj = by_columns and i or v, by_columns and v or i
      d = d + g[gi][gj] * e.data[(gi - 1) * c + gj]
    end
    if d < 0 then
      for i = 1, len do
        local gi, gj = by_columns and i or v, by_columns and v or i
        g[gi][gj] = -g[gi][gj]
      end
    end
  end
  assert_close(credo.tensor(g, "float64"), name, tol)
end

-- the largest-magnitude entry of each column of 2-d t is positive
local function columns_point_up(t)
  local g = t:totable()
  for j = 1, #g[1] do
    local best = 0
    for i = 1, #g do
      if math.abs(g[i][j]) > math.abs(best) then best = g[i][j] end
    end
    if not (best > 0) then return false end
  end
  return true
end

describe("tensor", function()
  describe("matmul()", function()
    it("multiplies matrices like numpy", function()
      assert_close(credo.matmul(T "mm_a", T "mm_b"), "mm_ab", 1e-10)
      assert_close(T("mm_a"):matmul(T "mm_b"), "mm_ab", 1e-10)
    end)

    it("multiplies matrices and vectors", function()
      assert_close(credo.matmul(T "mm_a", T "mv_v"), "mv_av", 1e-10)
      assert_close(credo.matmul(T "vm_w", T "mm_a"), "vm_wa", 1e-10)
    end)

    it("gives a 0-d tensor for two vectors", function()
      local r = credo.matmul(T "mv_v", T "dot_v2")
      assert.are.equal(0, r:dim())
      assert.is_true(math.abs(r:item() - fx.dot.data[1]) < 1e-10)
    end)

    it("broadcasts batch dimensions", function()
      assert_close(credo.matmul(T "bmm_a", T "bmm_b"), "bmm_ab", 1e-10)
      assert_close(credo.matmul(T "bc_a", T "bc_b"), "bc_ab", 1e-10)
    end)

    it("multiplies float32 to 1e-5", function()
      local r = credo.matmul(T("f32_a", "float32"), T("f32_b", "float32"))
      assert.are.equal("float32", r:dtype())
      assert_close(r, "f32_ab", 1e-5)
    end)

    it("promotes float32 with float64 to float64", function()
      local r = credo.matmul(T("f32_a", "float32"), T("f32_b", "float64"))
      assert.are.equal("float64", r:dtype())
      assert_close(r, "f32_ab", 1e-12)
    end)

    it("takes transposed, sliced and expanded views", function()
      local a, b = T "mm_a", T "mm_b"
      local at = a:t():contiguous():t()          -- column-major (4,3)
      local bt = b:t():contiguous():t()
      assert.is_false(at:is_contiguous())
      assert_close(credo.matmul(at, bt), "mm_ab", 1e-10)
      -- every other column of a (4,6) tensor
      local wide = credo.zeros({4, 6}, "float64")
      local sl = wide:slice(2, 1, 6, 2)
      sl:copy(a)
      assert_close(credo.matmul(sl, b), "mm_ab", 1e-10)
      -- one row repeated by a stride-0 view
      local row = credo.tensor({fx.mm_a.data[1], fx.mm_a.data[2], fx.mm_a.data[3]}, "float64")
      local rep = row:view(1, 3):expand(5, 3)
      local r = credo.matmul(rep, b):totable()
      local want = fx.mm_ab.data
      for i = 1, 5 do
        for j = 1, 5 do assert.is_true(math.abs(r[i][j] - want[j]) < 1e-12) end
      end
    end)

    it("gives the same bits for any thread count", function()
      credo.seed(11)
      local a, b = credo.randn(300, 200), credo.randn(200, 700)
      local v = credo.randn(200)
      local before = credo.threads()
      local r = {}
      for t = 1, 3 do
        credo.threads(t)
        r[t] = { credo.matmul(a, b):totable(), credo.matmul(a, v):totable(),
                 credo.matmul(v, b):totable() }
      end
      credo.threads(before)
      assert.are.same(r[1], r[2])
      assert.are.same(r[1], r[3])
    end)

    it("errors on mismatched shapes", function()
      local a, b = credo.zeros(3, 4), credo.zeros(5, 2)
      assert.has_error(function() credo.matmul(a, b) end,
        "bad argument #2 to 'matmul' (shapes [3,4] and [5,2] do not align)")
      assert.has_error(function() credo.matmul(credo.zeros(2, 3, 4), credo.zeros(3, 4, 5)) end,
        "bad argument #2 to 'matmul' (shapes [2,3,4] and [3,4,5] have batch dimensions that do not broadcast)")
      assert.has_error(function() credo.matmul(credo.zeros(3), credo.zeros(4)) end,
        "bad argument #2 to 'matmul' (shapes [3] and [4] do not align)")
    end)

    it("errors on int64, 0-d and non-tensor arguments", function()
      assert.has_error(function() credo.matmul(credo.zeros({2, 2}, "int64"), credo.zeros(2, 2)) end,
        "bad argument #1 to 'matmul' (expected a float32 or float64 tensor, got int64)")
      assert.has_error(function() credo.matmul(credo.zeros(2, 2), credo.tensor(1.5)) end,
        "bad argument #2 to 'matmul' (expected a 1-d to 8-d tensor, got shape [])")
      assert.has_error(function() credo.matmul(credo.zeros(2, 2), 3) end,
        "bad argument #2 to 'matmul' (credo.Tensor expected, got number)")
    end)
  end)

  describe("mm() bmm() mv()", function()
    it("multiply like matmul", function()
      assert_close(credo.mm(T "mm_a", T "mm_b"), "mm_ab", 1e-10)
      assert_close(credo.bmm(T "bmm_a", T "bmm_b"), "bmm_ab", 1e-10)
      assert_close(T("mm_a"):mv(T "mv_v"), "mv_av", 1e-10)
    end)

    it("insist on their ranks", function()
      assert.has_error(function() credo.mm(credo.zeros(3), credo.zeros(3, 2)) end,
        "bad argument #1 to 'mm' (expected a 2-d tensor, got shape [3])")
      assert.has_error(function() credo.bmm(credo.zeros(2, 3, 4), credo.zeros(3, 4, 5)) end,
        "bad argument #2 to 'bmm' (shapes [2,3,4] and [3,4,5] have different batch sizes)")
      assert.has_error(function() credo.mv(credo.zeros(3, 4), credo.zeros(4, 1)) end,
        "bad argument #2 to 'mv' (expected a 1-d tensor, got shape [4,1])")
    end)
  end)

  describe("dot() outer()", function()
    it("give a number and a matrix", function()
      local d = credo.dot(T "mv_v", T "dot_v2")
      assert.are.equal("number", type(d))
      assert.is_true(math.abs(d - fx.dot.data[1]) < 1e-10)
      assert_close(T("vm_w"):outer(T "mv_v"), "outer", 1e-10)
    end)

    it("errors on different lengths", function()
      assert.has_error(function() credo.dot(credo.zeros(3), credo.zeros(4)) end,
        "bad argument #2 to 'dot' (shapes [3] and [4] differ)")
    end)
  end)

  describe("addmm()", function()
    it("computes beta*c + alpha*a@b with a broadcast c", function()
      assert_close(credo.addmm(T "addmm_c", T "mm_a", T "mm_b", 0.5, 2), "addmm_out", 1e-10)
    end)

    it("defaults beta and alpha to 1 and takes a transposed weight", function()
      local a, b = T "mm_a", T "mm_b"
      local w = b:t():contiguous()               -- (5,3), as a dense layer stores it
      local r = credo.addmm(credo.zeros({1, 5}, "float64"), a, w:t())
      assert_close(r, "mm_ab", 1e-10)
    end)

    it("ignores NaN in c when beta is 0", function()
      local c = credo.full({4, 5}, 0 / 0, "float64")
      assert_close(credo.addmm(c, T "mm_a", T "mm_b", 0), "mm_ab", 1e-10)
    end)

    it("errors on a c that does not broadcast and on non-finite scalars", function()
      assert.has_error(function() credo.addmm(credo.zeros(3), credo.zeros(4, 2), credo.zeros(2, 5)) end,
        "bad argument #1 to 'addmm' (shape [3] does not broadcast to [4,5])")
      assert.has_error(function() credo.addmm(credo.zeros(5), credo.zeros(4, 2), credo.zeros(2, 5), 0 / 0) end,
        "bad argument #4 to 'addmm' (expected a finite number)")
    end)
  end)
end)

describe("linalg", function()
  it("is reachable as credo.linalg.NAME", function()
    for _, k in ipairs { "solve", "cholesky", "eigh", "svd", "inv", "det" } do
      assert.are.equal(credo[k], credo.linalg[k])
    end
  end)

  describe("solve()", function()
    it("solves for a vector and a matrix like numpy", function()
      assert_close(credo.linalg.solve(T "solve_a", T "solve_b"), "solve_x", 1e-10)
      assert_close(T("solve_a"):solve(T "solve_bm"), "solve_xm", 1e-10)
      assert_close(credo.solve(T("solve_a", "float32"), T("solve_b", "float32")), "solve_x", 1e-5)
    end)

    it("errors on a singular matrix", function()
      local a = credo.tensor({{1, 2}, {2, 4}}, "float64")
      assert.has_error(function() credo.solve(a, credo.ones(2)) end,
        "solve: matrix is singular")
    end)

    it("errors on non-square, misaligned and non-finite input", function()
      assert.has_error(function() credo.solve(credo.zeros(3, 4), credo.zeros(3)) end,
        "bad argument #1 to 'solve' (expected a square matrix, got shape [3,4])")
      assert.has_error(function() credo.solve(credo.eye(3), credo.zeros(4)) end,
        "bad argument #2 to 'solve' (shapes [3,3] and [4] do not align)")
      local b = credo.zeros(3)
      b:set(2, 0 / 0)
      assert.has_error(function() credo.solve(credo.eye(3), b) end,
        "bad argument #2 to 'solve' (matrix contains NaN or infinity)")
    end)
  end)

  describe("cholesky()", function()
    it("factors like numpy", function()
      assert_close(credo.linalg.cholesky(T "chol_a"), "chol_l", 1e-10)
    end)

    it("names the failing minor of a matrix that is not positive definite", function()
      local a = credo.tensor({{1, 2, 0}, {2, 1, 0}, {0, 0, 1}}, "float64")
      assert.has_error(function() credo.cholesky(a) end,
        "cholesky: matrix is not positive definite (leading minor of order 2)")
    end)
  end)

  describe("eigh()", function()
    it("gives ascending eigenvalues and column eigenvectors like numpy", function()
      local w, v = credo.linalg.eigh(T "eigh_a")
      assert_close(w, "eigh_w", 1e-10)
      assert.is_true(columns_point_up(v))
      assert_close_up_to_sign(v, "eigh_v", true, 1e-10)
    end)

    it("errors on NaN", function()
      local a = credo.eye(2, "float64")
      a:set(1, 2, 0 / 0)
      assert.has_error(function() credo.eigh(a) end,
        "bad argument #1 to 'eigh' (matrix contains NaN or infinity)")
    end)
  end)

  describe("svd()", function()
    it("gives a thin decomposition like numpy", function()
      for _, name in ipairs { "svd", "svdw" } do
        local u, s, vt = credo.linalg.svd(T(name .. "_a"))
        assert_close(s, name .. "_s", 1e-10)
        assert.is_true(columns_point_up(u))
        assert_close_up_to_sign(u, name .. "_u", true, 1e-10)
        assert_close_up_to_sign(vt, name .. "_vt", false, 1e-10)
      end
    end)

    it("gives a full decomposition on request", function()
      local u, s, vt = credo.svd(T "svd_a", true)
      assert.are.same({5, 5}, u:size())
      assert.are.same({3, 3}, vt:size())
      assert_close(s, "svd_s", 1e-10)
      assert_close(credo.mm(u:t(), u), credo.eye(5, "float64"), 1e-12)
      assert.has_error(function() credo.svd(T "svd_a", 1) end,
        "bad argument #2 to 'svd' (boolean expected, got number)")
    end)
  end)

  describe("inv() det() slogdet()", function()
    it("match numpy", function()
      assert_close(credo.linalg.inv(T "solve_a"), "inv", 1e-10)
      local d = credo.linalg.det(T "solve_a")
      assert.is_true(math.abs(d - fx.det.data[1]) < 1e-10 * math.abs(d))
      local sign, logabs = credo.slogdet(T "det_a")
      assert.are.equal(fx.det_a_sign.data[1], sign)
      assert.is_true(math.abs(logabs - fx.det_a_logabs.data[1]) < 1e-10)
      assert.is_true(math.abs(T("det_a"):det() - fx.det_a_det.data[1]) < 1e-10)
    end)

    it("give det 0 but an error from inv on a singular matrix", function()
      local a = credo.tensor({{1, 2}, {2, 4}}, "float64")
      assert.are.equal(0, credo.det(a))
      assert.has_error(function() credo.inv(a) end, "inv: matrix is singular")
    end)

    it("refuse int64", function()
      assert.has_error(function() credo.det(credo.eye(2, "int64")) end,
        "bad argument #1 to 'det' (expected a float32 or float64 tensor, got int64)")
    end)
  end)
end)
