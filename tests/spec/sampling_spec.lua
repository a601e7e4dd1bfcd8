-- sampling_spec.lua: credo.sampling against imbalanced-learn 0.10 and
-- scikit-learn 1.2 fixtures (tests/fixtures/sampling_peers.json, made by
-- bench/peers/make_sampling_fixtures.py): class counts of every sampler for
-- every sampling strategy, SMOTE's geometry (each synthetic row on a
-- segment from a class row to one of its k nearest class rows, neighbours
-- recomputed here by brute force), class weights to 1e-12; and the error
-- messages.
local credo = require "credo"
local json = require "json"
local S = credo.sampling

local fx = json.read("tests/fixtures/sampling_peers.json")

local function list(l)
  local t = {}
  for i = 1, l.n or #l do t[i] = l[i] end
  return t
end
local function I(l) return credo.tensor(list(l), "int64") end
local function rows(X)
  local t = {}
  for i = 1, X.n or #X do t[i] = list(X[i]) end
  return t
end

local data = {}
for name, d in pairs(fx.datasets) do
  data[name] = { X = credo.tensor(rows(d.X), "float64"), y = I(d.y) }
end

-- A fixture strategy: a string, a number, or an object with string keys.
local function strategy(s)
  if type(s) ~= "table" then return s end
  local t = {}
  for k, v in pairs(s) do
    if type(k) == "string" then t[math.tointeger(tonumber(k))] = v end
  end
  return t
end

local function counts(y, K)
  local c = credo.bincount(y, K)
  return c:totable()
end

local function same_list(got, want, what)
  local w = list(want)
  assert.are.equal(#w, #got, what .. ": length")
  for i = 1, #w do
    assert(got[i] == w[i], ("%s[%d]: got %s, want %s"):format(what, i, tostring(got[i]),
                                                            tostring(w[i])))
  end
end

local function describe_case(c)
  local s = c.strategy
  if type(s) == "table" then
    local parts = {}
    for k, v in pairs(s) do if type(k) == "string" then parts[#parts + 1] = k .. "=" .. v end end
    table.sort(parts)
    s = "{" .. table.concat(parts, ",") .. "}"
  end
  return ("%s, strategy %s%s"):format(c.data, tostring(s), c.k and (", k " .. c.k) or "")
end

-- imbalanced-learn 0.10's over-samplers reject 'minority' by a slip in
-- their parameter validation (its constraint list names 'majority', which
-- check_sampling_strategy then rejects); credo follows the documented
-- meaning: grow the minority class to the majority's size.
local function minority_case(c) return c.strategy == "minority" and c.error end

local function check_minority(y, yr, what)
  local before, after = counts(y), counts(yr, y:max() + 1)
  local cmin, cmaj = 1, 1
  for i = 1, #before do
    if before[i] < before[cmin] then cmin = i end
    if before[i] > before[cmaj] then cmaj = i end
  end
  for i = 1, #before do
    assert.are.equal(i == cmin and before[cmaj] or before[i], after[i], what)
  end
end

-- Squared distance of rows i and j of a row list.
local function d2(R, i, j)
  local s = 0
  for f = 1, #R[i] do
    local t = R[i][f] - R[j][f]
    s = s + t * t
  end
  return s
end

-- Brute-force k nearest (other) rows among `members` (row numbers of R),
-- ties to the lower row: member -> list of members.
local function knn_brute(R, members, k)
  local nn = {}
  for _, a in ipairs(members) do
    local cand = {}
    for _, b in ipairs(members) do
      if b ~= a then cand[#cand + 1] = { d2(R, a, b), b } end
    end
    table.sort(cand, function(p, q)
      if p[1] ~= q[1] then return p[1] < q[1] end
      return p[2] < q[2]
    end)
    local l = {}
    for q = 1, k do l[q] = cand[q][2] end
    nn[a] = l
  end
  return nn
end

-- Is p on a segment from R[a] (a in members) towards one of its nn[a]?
-- Returns the worst residual of the best explanation.
local function on_segment(R, members, nn, p, tol)
  local best = math.huge
  for _, a in ipairs(members) do
    local xa = R[a]
    for _, b in ipairs(nn[a]) do
      local xb = R[b]
      local num, den = 0, 0
      for f = 1, #xa do
        local u = xb[f] - xa[f]
        num = num + (p[f] - xa[f]) * u
        den = den + u * u
      end
      local t = den > 0 and num / den or 0
      if t >= -tol and t <= 1 + tol then
        local r = 0
        for f = 1, #xa do
          local e = math.abs(p[f] - (xa[f] + t * (xb[f] - xa[f])))
          if e > r then r = e end
        end
        if r < best then best = r end
        if best <= tol then return best end
      end
    end
  end
  return best
end

describe("sampling", function()
  describe("SMOTE", function()
    it("gives imbalanced-learn's class counts for every strategy and k", function()
      local checked, errors = 0, 0
      for _, c in ipairs(fx.smote) do
        local d = data[c.data]
        local sm = S.SMOTE { sampling_strategy = strategy(c.strategy), k_neighbors = c.k, seed = 7 }
        if minority_case(c) then
          local _, yr = sm:fit_resample(d.X, d.y)
          check_minority(d.y, yr, describe_case(c))
        elseif c.error then
          local ok = pcall(sm.fit_resample, sm, d.X, d.y)
          assert(not ok, describe_case(c) .. ": imblearn raises, credo did not")
          errors = errors + 1
        else
          local Xr, yr = sm:fit_resample(d.X, d.y)
          assert.are.equal(yr:size(1), Xr:size(1))
          same_list(counts(yr, #c.counts), c.counts, describe_case(c))
          checked = checked + 1
        end
      end
      assert.is_true(checked > 40 and errors > 5)
    end)

    it("puts every synthetic row on a segment to one of its k nearest class rows", function()
      local worst = 0
      for _, name in ipairs { "binary", "three", "tie" } do
        for _, k in ipairs { 1, 3, 5 } do
          local d = data[name]
          local n = d.y:size(1)
          local Xr, yr = S.SMOTE { k_neighbors = k, seed = k }:fit_resample(d.X, d.y)
          local R = d.X:totable()
          local Rr = Xr:totable()
          local y = d.y:totable()
          local yt = yr:totable()
          -- the original rows come first, unchanged
          for i = 1, n do
            assert.are.equal(y[i], yt[i])
            for f = 1, #R[i] do assert.are.equal(R[i][f], Rr[i][f]) end
          end
          local members, nn = {}, {}
          for i = 1, n do
            local c = y[i]
            members[c] = members[c] or {}
            table.insert(members[c], i)
          end
          for c, m in pairs(members) do nn[c] = knn_brute(R, m, k) end
          for s = n + 1, #Rr do
            local c = yt[s]
            local r = on_segment(R, members[c], nn[c], Rr[s], 1e-5)
            if r > worst then worst = r end
            assert(r <= 1e-5, ("%s k=%d: synthetic row %d (class %d) is %.3g from every "
              .. "neighbour segment"):format(name, k, s, c, r))
          end
        end
      end
      print(("\n  SMOTE segment residual: largest %.3g"):format(worst))
    end)

    it("handles float32 input, keeping the dtype", function()
      local d = data.three
      local Xr, yr = S.SMOTE { seed = 3 }:fit_resample(d.X:float(), d.y)
      assert.are.equal("float32", Xr:dtype())
      assert.are.same({ 200, 200, 200 }, counts(yr, 3))
      local R, Rr, y, yt = d.X:float():double():totable(), Xr:double():totable(), d.y:totable(),
                           yr:totable()
      local members, nn = {}, {}
      for i = 1, #R do
        members[y[i]] = members[y[i]] or {}
        table.insert(members[y[i]], i)
      end
      for c, m in pairs(members) do nn[c] = knn_brute(R, m, 5) end
      for s = #R + 1, #Rr do
        assert(on_segment(R, members[yt[s]], nn[yt[s]], Rr[s], 1e-5) <= 1e-5)
      end
    end)

    it("gives the same rows for the same seed at any thread count", function()
      local d = data.binary
      local nt = credo.threads()
      credo.threads(1)
      local a = S.SMOTE { seed = 11 }:fit_resample(d.X, d.y)
      credo.threads(2)
      local b = S.SMOTE { seed = 11 }:fit_resample(d.X, d.y)
      credo.threads(nt)
      local c = S.SMOTE { seed = 12 }:fit_resample(d.X, d.y)
      assert.is_true(a:eq(b):all())
      assert.is_false(a:eq(c):all())
    end)

    it("refuses values whose distances or differences overflow (synthetic rows were inf)", function()
      local X = credo.tensor({ { 1, 0 }, { 2, 0 }, { 3, 0 }, { 4, 0 }, { 5, 0 }, { 1e308, 1 }, { -1e308, 2 }, { 1e308, 3 } },
        "float64")
      local y = credo.tensor({ 0, 0, 0, 0, 0, 1, 1, 1 }, "int64")
      local ok, e = pcall(function() return S.SMOTE { k_neighbors = 2, seed = 1 }:fit_resample(X, y) end)
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'fit_resample' %(X holds 1e%+308 at row 6, column 1: too large for finite "
        .. "squared distances", e)
      local Xs = S.SMOTE { k_neighbors = 2, seed = 1 }:fit_resample(X:clamp(-1e150, 1e150), y)
      assert.is_true(Xs:abs():max() <= 1e150)                 -- just under the limit: finite rows
    end)

    it("snaps the discrete columns of synthetic rows to values the column has", function()
      local d = data.binary
      local X = d.X:clone()
      local n = X:size(1)
      for i = 1, n do X:set(i, 2, (i % 4) * 2.5) end   -- levels 0, 2.5, 5, 7.5
      local plain = S.SMOTE { seed = 4 }:fit_resample(X, d.y)
      local snapped = S.SMOTE { seed = 4, discrete = { 2 } }:fit_resample(X, d.y)
      assert.are.same(plain:size(), snapped:size())
      assert.is_true(plain:narrow(1, 1, n):eq(snapped:narrow(1, 1, n)):all())
      local fractional = 0
      for i = n + 1, plain:size(1) do
        local v, w = plain:get(i, 2), snapped:get(i, 2)
        if v ~= math.floor(v / 2.5) * 2.5 then fractional = fractional + 1 end
        assert.are.equal(0, w % 2.5)                    -- a level of column 2
        assert.is_true(w >= 0 and w <= 7.5)
        assert.is_true(math.abs(w - v) <= 1.25)         -- the nearest one
        if math.abs(w - v) == 1.25 then assert.are.equal(math.floor(v / 2.5) * 2.5, w) end
        for j = 1, X:size(2) do                           -- other columns untouched
          if j ~= 2 then assert.are.equal(plain:get(i, j), snapped:get(i, j)) end
        end
      end
      assert.is_true(fractional > 0)                    -- the check is not vacuous
      assert.has_error(function() S.SMOTE { discrete = { 0 } } end,
        "SMOTE: parameter 'discrete' must list column numbers >= 1 (entry 1 is 0)")
      assert.has_error(function() S.SMOTE { discrete = { 2, 2 } } end,
        "SMOTE: parameter 'discrete' lists column 2 twice")
      assert.has_error(function() S.SMOTE { discrete = { a = 1 } } end,
        "SMOTE: parameter 'discrete' must be a list of column numbers")
      assert.has_error(function() S.SMOTE { discrete = { 99 } }:fit_resample(X, d.y) end,
        ("SMOTE: parameter 'discrete' lists column 99 but X has %d columns"):format(X:size(2)))
    end)

    it("draws its seed from the global generator when none is given", function()
      local d = data.binary
      credo.seed(5)
      local a = S.SMOTE {}:fit_resample(d.X, d.y)
      credo.seed(5)
      local b = S.SMOTE {}:fit_resample(d.X, d.y)
      assert.is_true(a:eq(b):all())
    end)

    it("rejects bad input naming the argument", function()
      local d = data.binary
      local sm = S.SMOTE { seed = 1 }
      local X = d.X:clone()
      X:set(3, 2, 0 / 0)
      assert.has_error(function() sm:fit_resample(X, d.y) end,
        "bad argument #1 to 'fit_resample' (X contains NaN at row 3, column 2)")
      X:set(3, 2, math.huge)
      assert.has_error(function() sm:fit_resample(X, d.y) end,
        "bad argument #1 to 'fit_resample' (X contains inf at row 3, column 2)")
      assert.has_error(function() sm:fit_resample(d.X, d.y:double()) end,
        "bad argument #2 to 'fit_resample' (y must be an int64 tensor of class labels, got float64)")
      assert.has_error(function() sm:fit_resample(d.X:narrow(1, 1, 10), d.y) end,
        "bad argument #1 to 'fit_resample' (X has 10 rows but y has 300 elements)")
      assert.has_error(function() sm:fit_resample(d.X, credo.zeros({ 300 }, "int64")) end,
        "bad argument #2 to 'fit_resample' (y needs more than 1 class, got 1)")
      assert.has_error(function() sm:fit_resample(d.X:long(), d.y) end,
        "bad argument #1 to 'fit_resample' (X must be a float32 or float64 tensor, got int64)")
      assert.has_error(function() sm:fit_resample(d.X, d.y - 1) end,
        "bad argument #2 to 'fit_resample' (y must hold class labels 0..16777215, found -1 at position 1)")
      assert.has_error(function() sm:fit_resample(d.X, credo.zeros({ 0 }, "int64")) end,
        "bad argument #2 to 'fit_resample' (y is empty)")
      local t = data.tie
      assert.has_error(function() S.SMOTE { k_neighbors = 12 }:fit_resample(t.X, t.y) end,
        "SMOTE: Expected n_neighbors <= n_samples_fit, but n_neighbors = 13, n_samples_fit = 12 "
        .. "(k_neighbors = 12 needs at least 13 samples of class 3)")
      assert.has_error(function() S.SMOTE { k_neighbours = 3 } end,
        "SMOTE: unknown parameter 'k_neighbours'")
      assert.has_error(function() S.SMOTE { k_neighbors = 0 } end,
        "SMOTE: parameter 'k_neighbors' must be >= 1 (got 0)")
      assert.has_error(function() S.SMOTE { sampling_strategy = "majority" } end,
        "SMOTE: parameter 'sampling_strategy' = 'majority' cannot be used with an over-sampler")
      assert.has_error(function() S.SMOTE { sampling_strategy = 1.5 } end,
        "SMOTE: parameter 'sampling_strategy' as a number must be in (0, 1] (got 1.5)")
      assert.has_error(function()
        S.SMOTE { sampling_strategy = 0.5 }:fit_resample(data.three.X, data.three.y)
      end, "SMOTE: sampling_strategy can be a number only when y has 2 classes (got 3); use a table of counts")
      assert.has_error(function()
        S.SMOTE { sampling_strategy = { [7] = 10 } }:fit_resample(d.X, d.y)
      end, "SMOTE: sampling_strategy names class 7, which is not present in y")
    end)
  end)

  describe("nearest_neighbors()", function()
    it("equals a brute-force search, ties to the lower row", function()
      local g = credo.Generator(4)
      -- integer coordinates: many exact ties and duplicate rows
      local X = g:randint(0, 3, 120, 3):double()
      for _, k in ipairs { 1, 4, 9 } do
        local nn = S.nearest_neighbors(X, k):totable()
        local R = X:totable()
        local all = {}
        for i = 1, #R do all[i] = i end
        local want = knn_brute(R, all, k)
        for i = 1, #R do assert.are.same(want[i], nn[i]) end
      end
      local Y = g:randn(700, 6, "float64"):mul(1e3):add(1e6)
      local nn = S.nearest_neighbors(Y, 5):totable()
      local R = Y:totable()
      local all = {}
      for i = 1, #R do all[i] = i end
      local want = knn_brute(R, all, 5)
      for i = 1, #R do assert.are.same(want[i], nn[i]) end
    end)

    it("errors when k is not below the number of rows", function()
      assert.has_error(function() S.nearest_neighbors(credo.randn(5, 2), 5) end,
        "bad argument #2 to 'nearest_neighbors' (Expected n_neighbors <= n_samples_fit, but "
        .. "n_neighbors = 6, n_samples_fit = 5 (k_neighbors = 5 needs at least 6 samples in X))")
    end)
  end)

  describe("RandomOverSampler", function()
    it("gives imbalanced-learn's class counts for every strategy", function()
      for _, c in ipairs(fx.over) do
        local d = data[c.data]
        local s = S.RandomOverSampler { sampling_strategy = strategy(c.strategy), seed = 1 }
        if minority_case(c) then
          local _, yr = s:fit_resample(d.X, d.y)
          check_minority(d.y, yr, describe_case(c))
        elseif c.error then
          assert(not pcall(s.fit_resample, s, d.X, d.y), describe_case(c))
        else
          local Xr, yr = s:fit_resample(d.X, d.y)
          same_list(counts(yr, #c.counts), c.counts, describe_case(c))
          -- the rows are copies of the rows sample_indices names
          local idx = s.state_.sample_indices
          assert.is_true(Xr:eq(d.X:index_select(1, idx)):all())
          assert.is_true(yr:eq(d.y:index_select(1, idx)):all())
        end
      end
    end)

    it("resamples a Frame", function()
      local df = credo.Frame.new({ "a", "b" }, { credo.tensor({ 1, 2, 3, 4, 5 }, "float64"),
                                                 { "x", "y", "x", "z", "y" } })
      local y = credo.tensor({ 0, 0, 0, 1, 0 }, "int64")
      local dr, yr = S.RandomOverSampler { seed = 2 }:fit_resample(df, y)
      assert.are.equal(8, dr:nrow())
      assert.are.same({ 4, 4 }, counts(yr, 2))
      for i = 6, 8 do assert.are.equal(4, dr:col("a"):get(i)) end
    end)

    it("adds the smoothed-bootstrap noise imbalanced-learn's shrinkage gives", function()
      -- one minority value repeated: its std is 0, so shrinkage adds nothing
      local X = credo.cat({ credo.randn(50, 2, "float64"), credo.full({ 5, 2 }, 3.0, "float64") })
      local y = credo.cat({ credo.zeros({ 50 }, "int64"), credo.ones({ 5 }, "int64") })
      local Xr = S.RandomOverSampler { shrinkage = 2, seed = 1 }:fit_resample(X, y)
      assert.is_true(Xr:narrow(1, 56, 45):eq(3):all())
      -- a spread class: noise of std shrinkage * h * std_class
      local g = credo.Generator(9)
      local Xa = g:randn(4000, 2, "float64")
      local ya = credo.cat({ credo.zeros({ 3000 }, "int64"), credo.ones({ 1000 }, "int64") })
      local ros = S.RandomOverSampler { shrinkage = 1, seed = 3 }
      local Xo = ros:fit_resample(Xa, ya)
      local src = ros.state_.sample_indices:narrow(1, 4001, 2000)
      local noise = Xo:narrow(1, 4001, 2000):sub(Xa:index_select(1, src))
      local h = (4 / ((2 + 2) * 4000)) ^ (1 / (2 + 4))
      local cls = Xa:narrow(1, 3001, 1000):std(1, false, 0)
      local sd = noise:std(1, false, 0)
      for j = 1, 2 do
        local want = h * cls:get(j)
        assert(math.abs(sd:get(j) - want) < 0.06 * want, ("std %g, want %g"):format(sd:get(j), want))
      end
    end)

    it("errors on a shrinkage table missing a resampled class", function()
      local d = data.three
      assert.has_error(function()
        S.RandomOverSampler { shrinkage = { [1] = 1 }, seed = 1 }:fit_resample(d.X, d.y)
      end, "RandomOverSampler: shrinkage has no factor for class 2, which is resampled")
    end)
  end)

  describe("RandomUnderSampler", function()
    it("gives imbalanced-learn's class counts for every strategy", function()
      for _, c in ipairs(fx.under) do
        local d = data[c.data]
        local s = S.RandomUnderSampler { sampling_strategy = strategy(c.strategy), seed = 1 }
        if c.error then
          assert(not pcall(s.fit_resample, s, d.X, d.y), describe_case(c))
        else
          local Xr, yr = s:fit_resample(d.X, d.y)
          same_list(counts(yr, #c.counts), c.counts, describe_case(c))
          local idx = s.state_.sample_indices
          assert.is_true(Xr:eq(d.X:index_select(1, idx)):all())
          -- without replacement: distinct rows
          local u = idx:unique()
          assert.are.equal(idx:size(1), u:size(1))
        end
      end
    end)

    it("keeps rows class by class in label order, with replacement when asked", function()
      local d = data.three
      local s = S.RandomUnderSampler { replacement = true, seed = 4 }
      local _, yr = s:fit_resample(d.X, d.y)
      assert.are.same({ 25, 25, 25 }, counts(yr, 3))
      local yt = yr:totable()
      for i = 2, #yt do assert.is_true(yt[i - 1] <= yt[i]) end
      assert.has_error(function()
        S.RandomUnderSampler { sampling_strategy = "minority" }
      end, "RandomUnderSampler: parameter 'sampling_strategy' = 'minority' cannot be used with an under-sampler")
      assert.has_error(function()
        S.RandomUnderSampler { sampling_strategy = { [0] = 500 } }:fit_resample(d.X, d.y)
      end, "RandomUnderSampler: an under-sampler cannot grow class 0 from 200 to 500 samples")
    end)
  end)

  describe("GaussianNoiseAugmenter", function()
    it("balances the classes with noise of noise_factor * std", function()
      local g = credo.Generator(21)
      local Xa = g:randn(3000, 3, "float64"):mul(2)
      local Xb = credo.full({ 20, 3 }, -1.0, "float64")
      local X = credo.cat({ Xa, Xb })
      local y = credo.cat({ credo.zeros({ 3000 }, "int64"), credo.ones({ 20 }, "int64") })
      -- spread = "class": the minority rows are all equal, std 0: copies
      local Xr, yr = S.GaussianNoiseAugmenter { seed = 1 }:fit_resample(X, y)
      assert.are.same({ 3000, 3000 }, counts(yr, 2))
      assert.is_true(Xr:narrow(1, 3021, 2980):eq(-1):all())
      -- spread = "all": std of every row of X, times 0.1
      local Xs = S.GaussianNoiseAugmenter { spread = "all", seed = 2 }:fit_resample(X, y)
      local noise = Xs:narrow(1, 3021, 2980):add(1)
      local all = X:std(1, false, 0)
      local sd, mean = noise:std(1, false, 0), noise:mean(1)
      for j = 1, 3 do
        local want = 0.1 * all:get(j)
        assert(math.abs(sd:get(j) - want) < 0.05 * want)
        assert(math.abs(mean:get(j)) < 0.1 * want)
      end
      -- same seed, same rows; float32 stays float32
      local a = S.GaussianNoiseAugmenter { spread = "all", seed = 2 }:fit_resample(X, y)
      assert.is_true(a:eq(Xs):all())
      assert.are.equal("float32", (S.GaussianNoiseAugmenter { seed = 2 }:fit_resample(X:float(), y)):dtype())
      assert.has_error(function() S.GaussianNoiseAugmenter { noise_factor = 0 } end,
        "GaussianNoiseAugmenter: parameter 'noise_factor' must be > 0 (got 0)")
    end)
  end)

  describe("targets()", function()
    it("resolves strategies as imbalanced-learn does", function()
      local y = data.tie.y -- 50 / 50 / 20 / 12: the majority is the lowest label of the tie
      assert.are.same({ [1] = 0, [2] = 30, [3] = 38 }, S.targets(y, "auto", "over"))
      assert.are.same({ [0] = 12, [1] = 12, [2] = 12 }, S.targets(y, "auto", "under"))
      assert.are.same({ [0] = 12 }, S.targets(y, "majority", "under"))
    end)
  end)

  describe("class_weights()", function()
    it("equals scikit-learn's compute_class_weight", function()
      for _, c in ipairs(fx.class_weight) do
        local spec = c.spec == "balanced" and "balanced" or strategy(c.spec)
        local w = S.class_weights(I(c.y), spec):totable()
        local want = list(c.weights)
        assert.are.equal(#want, #w)
        for i = 1, #want do
          assert(math.abs(w[i] - want[i]) <= 1e-12 * math.max(1, math.abs(want[i])),
            ("weight %d: got %.17g want %.17g"):format(i, w[i], want[i]))
        end
      end
    end)

    it("gives per-sample weights and explicit tables", function()
      local y = credo.tensor({ 0, 0, 0, 1 }, "int64")
      assert.are.same({ 2 / 3, 2 / 3, 2 / 3, 2 }, S.sample_weights(y, "balanced"):totable())
      assert.are.same({ 1, 5 }, S.class_weights(y, { [1] = 5 }):totable())
      assert.are.same({ 1, 1, 1 }, S.class_weights(y, {}, { n_classes = 3 }):totable())
      assert.has_error(function() S.class_weights(y, "balanced", { n_classes = 3 }) end,
        "bad argument #1 to 'class_weights' (class 2 has no samples in y ('balanced' needs every class 0..2 present))")
      assert.has_error(function() S.class_weights(y, { [5] = 2 }) end,
        "bad argument #2 to 'class_weights' (class 5 is not a class of y (labels 0..1) and some classes have no weight)")
      assert.has_error(function() S.class_weights(y, "balance") end,
        "bad argument #2 to 'class_weights' (expected 'balanced' or a table {[label] = weight})")
      assert.has_error(function() S.class_weights(y:double(), "balanced") end,
        "bad argument #1 to 'class_weights' (y must be an int64 tensor of class labels, got float64)")
    end)
  end)
end)
