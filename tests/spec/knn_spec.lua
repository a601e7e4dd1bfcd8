-- credo.KNeighborsClassifier (stdlib/credo/neighbors.lua, natives/knn).
-- Parity fixtures from bench/peers/make_knn_fixtures.py (scikit-learn 1.2):
-- without ties the neighbour indices must be sklearn's exactly (brute and
-- kd_tree, both metrics), and the probabilities equal; with exact ties the
-- documented rule (distance, then lower index) is checked instead, since
-- sklearn's order among ties is not by index.
local credo = require "credo"
local json = require "json"

local low = json.read("tests/fixtures/knn_lowdim.json")
local high = json.read("tests/fixtures/knn_highdim.json")
local ties = json.read("tests/fixtures/knn_ties.json")

local list, matrix = json.list, json.matrix

local function labels(a) return credo.tensor(list(a), "int64") end

-- number of entries where idx (1-based) differs from ref (0-based rows)
local function index_mismatches(idx, ref)
  local bad = 0
  for i = 1, ref.n do
    for j = 1, ref[i].n do
      if idx:get(i, j) ~= ref[i][j] + 1 then bad = bad + 1 end
    end
  end
  return bad
end

local function max_abs_diff(t, ref)
  local worst = 0
  for i = 1, ref.n do
    local r = ref[i]
    if type(r) == "table" then
      for j = 1, r.n do worst = math.max(worst, math.abs(t:get(i, j) - r[j])) end
    else
      worst = math.max(worst, math.abs(t:get(i) - r))
    end
  end
  return worst
end

describe("KNeighborsClassifier", function()
  local Xtr, ytr, Xte = matrix(low.X_train), labels(low.y_train), matrix(low.X_test)

  describe("kneighbors()", function()
    for _, algo in ipairs { "brute", "kd_tree" } do
      for _, metric in ipairs { "euclidean", "manhattan" } do
        it(("matches sklearn's indices and distances (%s, %s)"):format(algo, metric), function()
          local ref = low.search[algo .. "_" .. metric]
          local m = credo.KNeighborsClassifier { n_neighbors = low.k, algorithm = algo,
                                                 metric = metric }:fit(Xtr, ytr)
          local d, i = m:kneighbors(Xte)
          assert.same({ Xte:size(1), low.k }, d:size())
          assert.equal("int64", i:dtype())
          assert.equal(0, index_mismatches(i, ref.indices))
          assert.is_true(max_abs_diff(d, ref.distances) < 1e-12)
        end)
      end
    end

    it("gives the same neighbours with float32 data (brute force on sgemm)", function()
      local m = credo.KNeighborsClassifier { n_neighbors = low.k, algorithm = "brute" }
        :fit(Xtr:float(), ytr)
      local d, i = m:kneighbors(Xte:float())
      assert.equal(0, index_mismatches(i, low.search.brute_euclidean.indices))
      assert.is_true(max_abs_diff(d, low.search.brute_euclidean.distances) < 1e-5)
    end)

    it("matches sklearn at 30 features (auto picks brute force)", function()
      local m = credo.KNeighborsClassifier { n_neighbors = high.k }
        :fit(matrix(high.X_train), labels(high.y_train))
      assert.equal(high.algorithm, m.state_.algorithm)
      local d, i = m:kneighbors(matrix(high.X_test))
      assert.equal(0, index_mismatches(i, high.indices))
      assert.is_true(max_abs_diff(d, high.distances) < 1e-12)
      assert.is_true(max_abs_diff(m:predict_proba(matrix(high.X_test)), high.proba) < 1e-12)
    end)

    it("auto picks the k-d tree at 5 features", function()
      local m = credo.KNeighborsClassifier {}:fit(Xtr, ytr)
      assert.equal("kd_tree", m.state_.algorithm)
    end)

    it("breaks exact ties by the lower training index, brute and tree alike", function()
      local X, y, Q = matrix(ties.X_train), labels(ties.y_train), matrix(ties.X_test)
      for _, metric in ipairs { "euclidean", "manhattan" } do
        local ref = ties.cases[metric]
        local db, ib = credo.KNeighborsClassifier { n_neighbors = ties.k, metric = metric,
          algorithm = "brute" }:fit(X, y):kneighbors(Q)
        local dt, it_ = credo.KNeighborsClassifier { n_neighbors = ties.k, metric = metric,
          algorithm = "kd_tree", leaf_size = 2 }:fit(X, y):kneighbors(Q)
        assert.is_true(ib:eq(it_):all())
        assert.equal(0, (db - dt):abs():max())
        -- sklearn's distances (sorted) are ours; the indices are the lowest
        -- among equal distances, checked by a direct scan
        assert.is_true(max_abs_diff(db, ref.distances) < 1e-12)
        for r = 1, Q:size(1) do
          local all = {}
          for j = 1, X:size(1) do
            local s = 0
            for c = 1, X:size(2) do
              local g = X:get(j, c) - Q:get(r, c)
              s = s + (metric == "euclidean" and g * g or math.abs(g))
            end
            all[j] = { metric == "euclidean" and math.sqrt(s) or s, j }
          end
          table.sort(all, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
          for j = 1, ties.k do assert.equal(all[j][2], ib:get(r, j)) end
        end
      end
    end)

    it("takes n_neighbors per call", function()
      local m = credo.KNeighborsClassifier { n_neighbors = 3 }:fit(Xtr, ytr)
      local d, i = m:kneighbors(Xte, 7)
      assert.same({ Xte:size(1), 7 }, i:size())
      assert.equal(0, index_mismatches(i, low.search.kd_tree_euclidean.indices))
      assert.is_true(max_abs_diff(d, low.search.kd_tree_euclidean.distances) < 1e-12)
    end)

    it("gives the same bits at any thread count", function()
      local n = credo.threads()
      local m = credo.KNeighborsClassifier { n_neighbors = 7, algorithm = "brute" }:fit(Xtr, ytr)
      credo.threads(1)
      local d1, i1 = m:kneighbors(Xte)
      credo.threads(2)
      local d2, i2 = m:kneighbors(Xte)
      credo.threads(n)
      assert.is_true(i1:eq(i2):all())
      assert.equal(0, (d1 - d2):abs():max())
    end)
  end)

  describe("predict_proba()", function()
    for _, metric in ipairs { "euclidean", "manhattan" } do
      for _, w in ipairs { "uniform", "distance" } do
        it(("equals sklearn's (%s, %s)"):format(metric, w), function()
          local ref = low.vote[metric .. "_" .. w]
          for _, algo in ipairs { "brute", "kd_tree" } do
            local m = credo.KNeighborsClassifier { n_neighbors = low.k, weights = w,
              metric = metric, algorithm = algo }:fit(Xtr, ytr)
            local p = m:predict_proba(Xte)
            assert.equal("float64", p:dtype())
            assert.is_true(max_abs_diff(p, ref.proba) < 1e-12)
            assert.is_true(max_abs_diff(m:predict(Xte), ref.predict) == 0)
          end
        end)
      end
    end

    it("counts only neighbours at distance 0 with distance weights, as sklearn", function()
      local X, y, Q = matrix(ties.X_train), labels(ties.y_train), matrix(ties.X_test)
      for _, metric in ipairs { "euclidean", "manhattan" } do
        local ref = ties.cases[metric]
        local m = credo.KNeighborsClassifier { n_neighbors = ties.k, metric = metric,
                                               weights = "distance" }:fit(X, y)
        local d = m:kneighbors(Q)
        local rows = 0
        for r = 1, Q:size(1) do
          -- only the neighbours at distance 0 vote, so ties further out
          -- (ordered differently by sklearn) do not matter
          if d:get(r, 1) == 0 then
            rows = rows + 1
            local p = m:predict_proba(Q:narrow(1, r, 1))
            for c = 1, 2 do
              assert.is_true(math.abs(p:get(1, c) - ref.proba_distance[r][c]) < 1e-12)
            end
          end
        end
        assert.is_true(rows > 0)
      end
    end)
  end)

  describe("estimator protocol", function()
    it("has params, clone and survives save / load", function()
      local m = credo.KNeighborsClassifier { n_neighbors = 7, weights = "distance" }
      assert.same({ n_neighbors = 7, weights = "distance", metric = "euclidean",
                    algorithm = "auto", leaf_size = 30 }, m:params())
      assert.is_false(m:clone():is_fitted())
      m:fit(Xtr, ytr)
      local path = os.tmpname()
      credo.save(path, m)
      local m2 = credo.load(path)
      os.remove(path)
      assert.equal("KNeighborsClassifier", getmetatable(m2).__name)
      assert.equal(0, (m2:predict_proba(Xte) - m:predict_proba(Xte)):abs():max())
    end)
  end)

  describe("errors", function()
    it("rejects bad parameters at construction", function()
      assert.has_error(function() credo.KNeighborsClassifier { n_neighbors = 0 } end,
        "KNeighborsClassifier: parameter 'n_neighbors' must be >= 1 (got 0)")
      assert.has_error(function() credo.KNeighborsClassifier { metric = "cosine" } end,
        "KNeighborsClassifier: parameter 'metric' must be one of euclidean, manhattan (got 'cosine')")
      assert.has_error(function() credo.KNeighborsClassifier { k = 3 } end,
        "KNeighborsClassifier: unknown parameter 'k'")
    end)

    it("rejects k larger than the training set", function()
      local ok, err = pcall(function()
        credo.KNeighborsClassifier { n_neighbors = 300 }:fit(Xtr, ytr)
      end)
      assert.is_false(ok)
      assert.matches("KNeighborsClassifier:fit: n_neighbors = 300 exceeds the 240 training rows",
        err, 1, true)
      local m = credo.KNeighborsClassifier {}:fit(Xtr, ytr)
      assert.has_error(function() m:kneighbors(Xte, 241) end,
        "bad argument #3 to 'kneighbors' (n_neighbors = 241 exceeds the 240 training rows)")
      assert.has_error(function() m:kneighbors(Xte, 0) end,
        "bad argument #3 to 'kneighbors' (n_neighbors must be >= 1 (got 0))")
    end)

    it("rejects non-finite values", function()
      local bad = Xtr:clone()
      bad:set(3, 2, 0 / 0)
      assert.has_error(function() credo.KNeighborsClassifier {}:fit(bad, ytr) end,
        "bad argument #1 to 'fit' (X contains NaN at row 3, column 2)")
      local m = credo.KNeighborsClassifier {}:fit(Xtr, ytr)
      local q = Xte:clone()
      q:set(1, 1, math.huge)
      assert.has_error(function() m:predict(q) end,
        "bad argument #1 to 'kneighbors' (X contains an infinite value at row 1, column 1)")
    end)

    it("rejects values whose squared distances would overflow (brute force read unfilled slots)", function()
      -- float32 rows of 1e20 in 7 features: |x|^2 overflows float32; the brute force used to
      -- leave its heaps short and return uninitialised indices
      local X = credo.zeros({ 4, 7 }, "float32")
      for i = 1, 4 do X:set(i, 1, i * 1e20) end
      local y = credo.tensor({ 0, 1, 0, 1 }, "int64")
      local ok, err = pcall(function() return credo.KNeighborsClassifier { n_neighbors = 2 }:fit(X, y) end)
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'fit' %(X holds 1.0000000200409e%+20 at row 1, column 1: too large "
        .. "for finite squared distances in float32 with 7 features", err)
      -- float64 near 1e200: the same, also for manhattan; queries are checked as well
      local Y = X:double():mul(1e180)
      assert.has_error(function() credo.KNeighborsClassifier { metric = "manhattan" }:fit(Y, y) end)
      local m = credo.KNeighborsClassifier { n_neighbors = 2 }:fit(X:div(1e20), y)
      ok, err = pcall(function() return m:predict(X) end)
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'kneighbors' %(X holds", err)
      -- just under the float32 limit the neighbours are right
      local lim = math.sqrt(3.4028234663852886e38 / 28)
      local Z = credo.zeros({ 4, 7 }, "float32")
      for i = 1, 4 do Z:set(i, 1, lim * i / 4 * 0.99) end
      local mz = credo.KNeighborsClassifier { n_neighbors = 2, algorithm = "brute" }:fit(Z, y)
      local _, idx = mz:kneighbors(Z)
      for i = 1, 4 do
        local a, b = idx:get(i, 1), idx:get(i, 2)
        assert.are.equal(i, a)
        assert.is_true(b >= 1 and b <= 4 and math.abs(b - i) == 1)
      end
    end)

    it("rejects mismatched shapes, one class and unfitted use", function()
      local m = credo.KNeighborsClassifier {}:fit(Xtr, ytr)
      assert.has_error(function() m:predict_proba(credo.zeros(4, 3)) end,
        "bad argument #1 to 'kneighbors' (X has 3 features but the model was fitted on 5 (shapes [4,3] and [240,5]))")
      assert.has_error(function() credo.KNeighborsClassifier {}:fit(Xtr, ytr:narrow(1, 1, 10)) end,
        "bad argument #2 to 'fit' (y has 10 rows but X has 240 (X is [240,5]))")
      assert.has_error(function()
        credo.KNeighborsClassifier {}:fit(Xtr, credo.zeros({ 240 }, "int64"))
      end, "bad argument #2 to 'fit' (y holds one class only (0): a classifier needs two or more)")
      assert.has_error(function() credo.KNeighborsClassifier {}:predict(Xte) end,
        "KNeighborsClassifier:predict: model is not fitted (call fit first)")
    end)
  end)
end)
