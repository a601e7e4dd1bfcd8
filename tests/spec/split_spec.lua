-- split_spec.lua: credo.split against scikit-learn 1.2 fixtures
-- (tests/fixtures/sampling_peers.json, made by
-- bench/peers/make_sampling_fixtures.py): train/test sizes, the stratified
-- class allocation of StratifiedShuffleSplit, KFold and StratifiedKFold
-- folds (exact test rows without shuffling, class counts with it); the
-- structural promises (disjoint parts covering every row, same seed same
-- split) and the error messages.
local credo = require "credo"
local json = require "json"
local split = credo.split

local fx = json.read("tests/fixtures/sampling_peers.json")

local function list(l)
  local t = {}
  for i = 1, l.n or #l do t[i] = l[i] end
  return t
end
local function I(l) return credo.tensor(list(l), "int64") end

local function counts(y, idx, K)
  return credo.bincount(y:index_select(1, idx), K):totable()
end

-- The parts are disjoint and together hold every row 1..n once.
local function check_partition(n, parts)
  local seen, tot = {}, 0
  for _, p in ipairs(parts) do
    for _, i in ipairs(p:totable()) do
      assert(i >= 1 and i <= n, "index out of range")
      assert(not seen[i], "row " .. i .. " in two parts")
      seen[i] = true
      tot = tot + 1
    end
  end
  assert.are.equal(n, tot)
end

describe("split", function()
  describe("train_test()", function()
    it("has scikit-learn's sizes and covers every row once", function()
      for _, c in ipairs(fx.tts) do
        local tr, te = split.train_test(c.n, { test_size = c.test_size, seed = 1 })
        assert.are.equal(c.n_train, tr:size(1))
        assert.are.equal(c.n_test, te:size(1))
        check_partition(c.n, { tr, te })
      end
    end)

    it("allocates classes as StratifiedShuffleSplit", function()
      local exact, tied = 0, 0
      for _, group in ipairs(fx.sss) do
        local y = I(group.y)
        local K = y:max() + 1
        for _, c in ipairs(group.cases) do
          if c.error then
            assert.has_error(function()
              split.train_test(y, { test_size = c.test_size, stratify = true, seed = 1 })
            end)
          else
            local tr, te = split.train_test(y, { test_size = c.test_size, stratify = true, seed = 1 })
            check_partition(y:size(1), { tr, te })
            local gtr, gte = counts(y, tr, K), counts(y, te, K)
            local wtr, wte = list(c.train), list(c.test)
            if c.ties then
              -- scikit-learn drew among equal remainders: same totals, and
              -- every class within one of its share
              tied = tied + 1
              local all = credo.bincount(y, K):totable()
              for k = 1, K do
                assert.is_true(math.abs(gtr[k] - wtr[k]) <= 1)
                assert.are.equal(all[k], gtr[k] + gte[k])
              end
            else
              exact = exact + 1
              assert.are.same(wtr, gtr)
              assert.are.same(wte, gte)
            end
          end
        end
      end
      assert.is_true(exact >= 10 and tied >= 1)
    end)

    it("gives the same split for the same seed, another for another", function()
      local y = credo.tensor({ 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0 }, "int64")
      local a1, b1 = split.train_test(y, { stratify = true, seed = 3 })
      local a2, b2 = split.train_test(y, { stratify = true, seed = 3 })
      assert.are.same(a1:totable(), a2:totable())
      assert.are.same(b1:totable(), b2:totable())
      local a3 = split.train_test(1000, { seed = 4 })
      local a4 = split.train_test(1000, { seed = 5 })
      assert.are_not.same(a3:totable(), a4:totable())
      local g = credo.Generator(8)
      local a5 = split.train_test(1000, { generator = g })
      local a6 = split.train_test(1000, { generator = credo.Generator(8) })
      assert.are.same(a5:totable(), a6:totable())
    end)

    it("keeps the order without shuffling", function()
      local tr, te = split.train_test(10, { test_size = 0.3, shuffle = false })
      assert.are.same({ 1, 2, 3, 4, 5, 6, 7 }, tr:totable())
      assert.are.same({ 8, 9, 10 }, te:totable())
    end)

    it("rejects bad sizes, labels and options", function()
      assert.has_error(function() split.train_test(10, { test_size = 1 }) end,
        "bad argument #2 to 'train_test' (test_size must be a number in (0, 1), got 1)")
      assert.has_error(function() split.train_test(10, { test_size = 0 }) end,
        "bad argument #2 to 'train_test' (test_size must be a number in (0, 1), got 0)")
      assert.has_error(function() split.train_test(0) end,
        "bad argument #1 to 'train_test' (number of samples must be >= 1, got 0)")
      assert.has_error(function() split.train_test(1, { test_size = 0.5 }) end,
        "bad argument #2 to 'train_test' (with n = 1 and test_size = 0.5 the train set would be empty)")
      assert.has_error(function() split.train_test(10, { tset_size = 0.5 }) end,
        "bad argument #2 to 'train_test' (unknown option 'tset_size')")
      local y = credo.tensor({ 0, 0, 0, 1 }, "int64")
      assert.has_error(function() split.train_test(y, { stratify = true, seed = 1 }) end,
        "bad argument #2 to 'train_test' (the least populated class in y (label 1) has only 1 member, "
        .. "which is too few: every class needs at least 2)")
      assert.has_error(function() split.train_test(10, { stratify = true }) end,
        "bad argument #2 to 'train_test' (stratify = true needs the labels as the first argument)")
      local y2 = credo.tensor({ 0, 0, 1, 1, 2, 2 }, "int64")
      assert.has_error(function() split.train_test(y2, { stratify = true, test_size = 0.2 }) end,
        "bad argument #2 to 'train_test' (the test size = 2 should be greater or equal to the number "
        .. "of classes = 3)")
      assert.has_error(function() split.train_test(y2:double(), { stratify = true }) end,
        "bad argument #1 to 'train_test' (y must be an int64 tensor of class labels, got float64)")
      assert.has_error(function() split.train_test(10, { seed = 1.5 }) end,
        "bad argument #2 to 'train_test' (seed must be an integer, got 1.5)")
    end)
  end)

  describe("train_val_test()", function()
    it("splits 7:2:1, 6:2:2 and 8:2", function()
      local a, b, c = split.train_val_test(1000, { seed = 1 })
      assert.are.same({ 700, 200, 100 }, { a:size(1), b:size(1), c:size(1) })
      check_partition(1000, { a, b, c })
      a, b, c = split.train_val_test(101, { sizes = { 0.6, 0.2, 0.2 }, seed = 1 })
      -- val and test get ceil(0.2 * 101) = 21, train the rest
      assert.are.same({ 59, 21, 21 }, { a:size(1), b:size(1), c:size(1) })
      local tr, te = split.train_val_test(50, { sizes = { 0.8, 0.2 }, seed = 1 })
      assert.are.same({ 40, 10 }, { tr:size(1), te:size(1) })
      check_partition(50, { tr, te })
    end)

    it("keeps class proportions in every part", function()
      local g = credo.Generator(2)
      local y = (g:rand(5000, "float64"):lt(0.1)):long()
      local pos = y:sum()
      local parts = { split.train_val_test(y, { stratify = true, seed = 9 }) }
      check_partition(5000, parts)
      for p, share in ipairs { 0.7, 0.2, 0.1 } do
        local got = y:index_select(1, parts[p]):sum()
        assert.is_true(math.abs(got - share * pos) <= 1, ("part %d: %d positives"):format(p, got))
      end
      -- two parts: the same allocation as train_test
      local t1, s1 = split.train_val_test(y, { sizes = { 0.75, 0.25 }, stratify = true, seed = 9 })
      local t2, s2 = split.train_test(y, { test_size = 0.25, stratify = true, seed = 9 })
      assert.are.same(t1:totable(), t2:totable())
      assert.are.same(s1:totable(), s2:totable())
    end)

    it("rejects sizes that do not sum to 1", function()
      assert.has_error(function() split.train_val_test(10, { sizes = { 0.5, 0.2, 0.2 } }) end,
        "bad argument #2 to 'train_val_test' (sizes must sum to 1, got 0.9)")
      assert.has_error(function() split.train_val_test(10, { sizes = { 1 } }) end,
        "bad argument #2 to 'train_val_test' (sizes must be a list of 2 or 3 fractions)")
      assert.has_error(function()
        split.train_val_test(credo.tensor({ 0, 0, 0, 1, 1, 1, 1, 0, 0, 0 }, "int64"),
                             { stratify = true })
      end, "bad argument #2 to 'train_val_test' (the test size = 1 should be greater or equal to the "
        .. "number of classes = 2)")
    end)
  end)

  describe("kfold()", function()
    it("has KFold's fold sizes and rows", function()
      for _, c in ipairs(fx.kfold) do
        local folds = split.kfold(c.n, c.k)
        assert.are.equal(c.k, #folds)
        for f, fold in ipairs(folds) do
          assert.are.equal(c.sizes[f], fold.test:size(1))
          check_partition(c.n, { fold.train, fold.test })
          if c.test ~= json.null then
            local want = {}
            for i, v in ipairs(list(c.test[f])) do want[i] = v + 1 end
            assert.are.same(want, fold.test:totable())
          end
        end
        -- shuffled: same sizes, every row in exactly one test fold
        local sh = split.kfold(c.n, c.k, { shuffle = true, seed = 2 })
        local tests = {}
        for f, fold in ipairs(sh) do
          assert.are.equal(c.sizes[f], fold.test:size(1))
          tests[f] = fold.test
        end
        check_partition(c.n, tests)
      end
    end)

    it("rejects k outside 2..n", function()
      assert.has_error(function() split.kfold(10, 1) end,
        "bad argument #2 to 'kfold' (k = 1: K-fold needs at least 2 folds)")
      assert.has_error(function() split.kfold(3, 5) end,
        "bad argument #2 to 'kfold' (k = 5 is greater than the number of samples n = 3)")
      assert.has_error(function() split.kfold(10, 2, { shuffle = 1 }) end,
        "bad argument #3 to 'kfold' (shuffle must be a boolean, got number)")
    end)
  end)

  describe("stratified_kfold()", function()
    it("has StratifiedKFold's rows without shuffling and its class counts with", function()
      local n = 0
      for _, group in ipairs(fx.skfold) do
        local y = I(group.y)
        local K = y:max() + 1
        for _, c in ipairs(group.cases) do
          local folds = split.stratified_kfold(y, c.k)
          local sh = split.stratified_kfold(y, c.k, { shuffle = true, seed = 4 })
          local tests = {}
          for f = 1, c.k do
            local want = list(c.counts[f])
            assert.are.same(want, counts(y, folds[f].test, K))
            assert.are.same(want, counts(y, sh[f].test, K))
            check_partition(y:size(1), { folds[f].train, folds[f].test })
            tests[f] = sh[f].test
            if c.test ~= json.null then
              local w = {}
              for i, v in ipairs(list(c.test[f])) do w[i] = v + 1 end
              assert.are.same(w, folds[f].test:totable())
            end
          end
          check_partition(y:size(1), tests)
          n = n + 1
        end
      end
      assert.is_true(n >= 12)
    end)

    it("errors on a class with fewer members than k", function()
      local y = credo.tensor({ 0, 0, 0, 0, 1, 1, 0, 0 }, "int64")
      assert.has_error(function() split.stratified_kfold(y, 3) end,
        "bad argument #1 to 'stratified_kfold' (the least populated class in y (label 1) has only "
        .. "2 members, fewer than k = 3)")
      assert.has_error(function() split.stratified_kfold(credo.zeros({ 0 }, "int64"), 2) end,
        "bad argument #1 to 'stratified_kfold' (y is empty)")
    end)
  end)

  describe("bootstrap()", function()
    it("draws n rows with replacement; out-of-bag is the rest", function()
      local inb, oob = split.bootstrap(1000, { seed = 1 })
      assert.are.equal(1000, inb:size(1))
      local seen = {}
      for _, i in ipairs(inb:totable()) do seen[i] = true end
      local want = {}
      for i = 1, 1000 do if not seen[i] then want[#want + 1] = i end end
      assert.are.same(want, oob:totable())
      -- about 1/e of the rows are out of bag
      assert.is_true(math.abs(#want / 1000 - math.exp(-1)) < 0.05)
      local inb2 = split.bootstrap(1000, { seed = 1 })
      assert.are.same(inb:totable(), inb2:totable())
      local small = split.bootstrap(credo.zeros(20, 3), { size = 5, seed = 2 })
      assert.are.equal(5, small:size(1))
      assert.has_error(function() split.bootstrap(10, { size = 0 }) end,
        "bad argument #2 to 'bootstrap' (size must be an integer >= 1, got 0)")
    end)
  end)

  describe("take()", function()
    it("takes rows of a tensor or a Frame", function()
      local X = credo.tensor({ { 1, 2 }, { 3, 4 }, { 5, 6 } })
      local idx = credo.tensor({ 3, 1 }, "int64")
      assert.are.same({ { 5, 6 }, { 1, 2 } }, split.take(X, idx):totable())
      local df = credo.Frame.new({ "a" }, { credo.tensor({ 10, 20, 30 }, "float64") })
      assert.are.same({ 30, 10 }, split.take(df, idx):col("a"):totable())
      assert.has_error(function() split.take(X, credo.tensor({ 1, 2 })) end,
        "bad argument #2 to 'take' (expected an int64 tensor of 1-based row indices)")
      assert.has_error(function() split.take("x", idx) end,
        "bad argument #1 to 'take' (expected a tensor or a Frame, got string)")
    end)
  end)
end)
