-- credo.DecisionTree, credo.RandomForest, credo.ExtraTrees
-- (stdlib/credo/forest.lua, natives/forest).  Parity fixtures come from
-- bench/peers/make_forest_fixtures.py (scikit-learn 1.2): single trees must
-- be sklearn's trees exactly; forests, whose randomness differs, must reach
-- sklearn's test AUC.  Everything else is checked against properties that
-- hold exactly, and every error message is checked word for word.
local credo = require "credo"
local json = require "json"

local fixture = json.read("tests/fixtures/forest_sklearn.json")

local function list(a)
  local t = {}
  for i = 1, a.n do t[i] = a[i] end
  return t
end

local function matrix(rows)
  local t = {}
  for i = 1, rows.n do t[i] = list(rows[i]) end
  return credo.tensor(t)
end

local function max_abs_diff(t, ref)            -- ref: JSON array of rows or values
  local worst = 0
  for i = 1, ref.n do
    local r = ref[i]
    if type(r) == "table" then
      for j = 1, r.n do
        local d = math.abs(t:get(i, j) - r[j])
        if not (d <= worst) then worst = d end
      end
    else
      local d = math.abs(t:get(i) - r)
      if not (d <= worst) then worst = d end
    end
  end
  return worst
end

local function max_rel_diff(t, ref)
  local worst = 0
  for i = 1, ref.n do
    local r = ref[i]
    local vals = type(r) == "table" and list(r) or { r }
    for j, v in ipairs(vals) do
      local got = type(r) == "table" and t:get(i, j) or t:get(i)
      local d = math.abs(got - v) / math.max(1, math.abs(v))
      if not (d <= worst) then worst = d end
    end
  end
  return worst
end

-- sklearn's parameters as credo's (the same names; class_weight keys from
-- JSON strings back to class labels)
local function params_of(p)
  local out = {}
  for k, v in pairs(p) do
    if k == "class_weight" and type(v) == "table" then
      local cw = {}
      for c, w in pairs(v) do cw[math.tointeger(tonumber(c))] = w end
      v = cw
    end
    out[k] = v
  end
  return out
end

local function proba1(m, X)
  return m:predict_proba(X):select(2, 2):contiguous()
end

-- The synthetic problem of make_forest_fixtures.py, reproduced bit for bit:
-- a 31-bit LCG, 8 uniform features in [-2, 2), a noisy label.
local function synthetic(n, seed)
  local s = seed
  local function u()
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  end
  local X, y = {}, {}
  for i = 1, n do
    local x = {}
    for j = 1, 8 do x[j] = 4.0 * u() - 2.0 end
    local noise = (u() - 0.5) * 3.0
    local z = 1.5 * x[1] - x[2] * x[3] + (x[4] > 0.5 and 1.0 or 0.0) - 0.5 * math.abs(x[5]) + noise
    X[i] = x
    y[i] = z > 0.3 and 1 or 0
  end
  return credo.tensor(X), credo.tensor(y, "int64")
end

local function mean(t)
  local s = 0
  for _, v in ipairs(t) do s = s + v end
  return s / #t
end

describe("forest", function()
  describe("DecisionTree against sklearn 1.2 (max_features = all)", function()
    local data = {}
    for name, d in pairs(fixture.trees.data) do
      local sw = {}
      for i = 1, d.sample_weight.n do sw[i] = d.sample_weight[i] end
      data[name] = { X = matrix(d.X), y = credo.tensor(list(d.y), "int64"),
                     w = credo.tensor(sw, "float64"), Xt = matrix(d.X_test) }
    end
    for _, cfg in ipairs(fixture.trees.configs) do
      it(cfg.name .. ": the same tree, probabilities and importances", function()
        local d = data[cfg.data]
        local m = credo.DecisionTree(params_of(cfg.params))
        m:fit(d.X, d.y, cfg.weighted and { sample_weight = d.w } or nil)
        local t, ref = m:tree(), cfg.tree
        assert.are.equal(ref.feature.n, t.feature:numel())
        for _, f in ipairs { "feature", "left", "right", "n_node_samples" } do
          assert.are.same(list(ref[f]), t[f]:totable(), f)
        end
        assert.are.equal(0, max_abs_diff(t.threshold, ref.threshold))
        assert.is_true(max_rel_diff(t.value, ref.value) <= 1e-12)
        assert.is_true(max_rel_diff(t.impurity, ref.impurity) <= 1e-12)
        assert.is_true(max_rel_diff(t.weighted_n_node_samples, ref.weighted_n_node_samples) <= 1e-12)
        assert.is_true(max_abs_diff(m:predict_proba(d.Xt), cfg.proba_test) <= 1e-12)
        -- on the training rows: the normalised value of the fixture's leaf
        local leaves, p, worst = m:apply(d.X), m:predict_proba(d.X), 0
        for i = 1, d.X:size(1) do
          local v = ref.value[leaves[i]]
          local s = 0
          for c = 1, v.n do s = s + v[c] end
          for c = 1, v.n do worst = math.max(worst, math.abs(p:get(i, c) - v[c] / s)) end
        end
        assert.is_true(worst <= 1e-12)
        assert.is_true(max_abs_diff(m:feature_importances(), cfg.feature_importances) <= 1e-12)
        assert.are.equal(cfg.depth, m:get_depth())
        assert.are.equal(cfg.n_leaves, m:get_n_leaves())
      end)
    end
  end)

  describe("forests against sklearn 1.2 on a synthetic problem", function()
    local syn = fixture.synthetic
    local Xtr, ytr = synthetic(syn.n_train, syn.train_seed)
    local Xte, yte = synthetic(syn.n_test, syn.test_seed)

    it("reproduces the fixture's data", function()
      assert.are.equal(syn.train_positive, ytr:sum())
      assert.are.equal(syn.test_positive, yte:sum())
      assert.are.equal(syn.x_check[1], Xtr:get(1, 1))
      assert.are.equal(syn.x_check[2], Xtr:get(3000, 8))
      assert.are.equal(syn.x_check[3], Xte:get(6, 4))
    end)

    for _, cfg in ipairs(syn.configs) do
      it(cfg.name .. ": test AUC within 0.01 (and OOB score within 0.015) of sklearn's", function()
        local aucs, oobs = {}, {}
        for seed = 1, 1 do
          local p = params_of(cfg.params)
          p.seed = seed
          local m = credo[cfg.class](p):fit(Xtr, ytr)
          aucs[#aucs + 1] = credo.metrics.roc_auc(yte, proba1(m, Xte))
          if cfg.params.oob_score then oobs[#oobs + 1] = m:oob_score() end
        end
        local auc = mean(aucs)
        if os.getenv("FOREST_SPEC_VERBOSE") then
          print(("\n%s: AUC %.4f vs sklearn %.4f"):format(cfg.name, auc, cfg.auc_mean))
        end
        assert.is_true(math.abs(auc - cfg.auc_mean) < 0.01,
          ("AUC %.4f vs sklearn %.4f"):format(auc, cfg.auc_mean))
        if cfg.oob_mean then
          local oob = mean(oobs)
          if os.getenv("FOREST_SPEC_VERBOSE") then
            print(("%s: OOB %.4f vs sklearn %.4f"):format(cfg.name, oob, cfg.oob_mean))
          end
          assert.is_true(math.abs(oob - cfg.oob_mean) < 0.015,
            ("OOB %.4f vs sklearn %.4f"):format(oob, cfg.oob_mean))
        end
      end)
    end
  end)

  describe("forests against sklearn 1.2 on lending_club", function()
    local lc = fixture.lending_club
    local df = credo.read_csv("data/lending_club.csv")
    local n = df:nrow()
    local tr, te = {}, {}
    for i = 1, n do
      if (i - 1) % 4 == 3 then te[#te + 1] = i else tr[#tr + 1] = i end
    end
    local X = df:drop { "Class" }:to_tensor(nil, "float32", { categorical = "codes" })
    local y = df:col("Class").codes:eq(1)           -- levels sorted: 1 = "bad"
    local itr, ite = credo.tensor(tr, "int64"), credo.tensor(te, "int64")
    local Xtr, ytr = X:index_select(1, itr), y:index_select(1, itr)
    local Xte, yte = X:index_select(1, ite), y:index_select(1, ite)

    it("splits as the fixture did", function()
      assert.are.equal(lc.n_train, Xtr:size(1))
      assert.are.equal(lc.n_test, Xte:size(1))
      assert.are.equal(lc.test_positive, yte:sum())
    end)

    for _, cfg in ipairs(lc.configs) do
      it(cfg.class .. ": test AUC within 0.005 of sklearn's", function()
        local aucs = {}
        for seed = 1, 2 do
          local p = params_of(lc.params)
          p.seed = seed
          local m = credo[cfg.class](p):fit(Xtr, ytr)
          aucs[#aucs + 1] = credo.metrics.roc_auc(yte, proba1(m, Xte))
        end
        local auc = mean(aucs)
        if os.getenv("FOREST_SPEC_VERBOSE") then
          print(("\nlending_club %s: AUC %.4f vs sklearn %.4f"):format(cfg.class, auc, cfg.auc_mean))
        end
        assert.is_true(math.abs(auc - cfg.auc_mean) < 0.005,
          ("AUC %.4f vs sklearn %.4f"):format(auc, cfg.auc_mean))
      end)
    end
  end)

  describe("reproducibility", function()
    local X, y = synthetic(1500, 99)

    it("gives the same forest for 1 and 2 threads", function()
      local before = credo.threads()
      for _, cls in ipairs { "RandomForest", "ExtraTrees" } do
        credo.threads(1)
        local a = credo[cls] { n_estimators = 20, seed = 7, oob_score = true, bootstrap = true }
          :fit(X, y)
        credo.threads(2)
        local b = credo[cls] { n_estimators = 20, seed = 7, oob_score = true, bootstrap = true }
          :fit(X, y)
        assert.are.equal(0, (a:predict_proba(X) - b:predict_proba(X)):abs():max())
        assert.are.equal(a:oob_score(), b:oob_score())
        for t = 1, 20 do
          assert.are.same(a.state_.trees[t].threshold:totable(), b.state_.trees[t].threshold:totable())
        end
      end
      credo.threads(before)
    end)

    it("gives a different forest for another seed", function()
      local a = credo.RandomForest { n_estimators = 5, seed = 1 }:fit(X, y)
      local b = credo.RandomForest { n_estimators = 5, seed = 2 }:fit(X, y)
      assert.is_true((a:predict_proba(X) - b:predict_proba(X)):abs():max() > 0)
    end)
  end)

  describe("fitted models", function()
    local X, y = synthetic(800, 5)

    it("round-trip through credo.save / credo.load", function()
      for _, cls in ipairs { "DecisionTree", "RandomForest", "ExtraTrees" } do
        local m = credo[cls] { max_depth = 5, seed = 3 }:fit(X, y)
        local path = os.tmpname()
        credo.save(path, m)
        local m2 = credo.load(path)
        os.remove(path)
        assert.are.equal(cls, getmetatable(m2).__name)
        assert.are.same(m:params(), m2:params())
        assert.are.equal(0, (m:predict_proba(X) - m2:predict_proba(X)):abs():max())
        assert.are.equal(0, (m:feature_importances() - m2:feature_importances()):abs():max())
      end
    end)

    it("predict the class of highest probability and average their trees", function()
      local rf = credo.RandomForest { n_estimators = 7, seed = 1 }:fit(X, y)
      local p = rf:predict_proba(X)
      assert.are.same({ 800, 2 }, p:size())
      assert.is_true((p:sum(2) - 1):abs():max() < 1e-12)
      assert.are.same(p:argmax(2):squeeze():sub(1):totable(), rf:predict(X):totable())
      local acc = credo.zeros({ 800, 2 }, "float64")
      for t = 1, rf:n_trees() do acc = acc + rf:estimator(t):predict_proba(X) end
      assert.is_true((acc / 7 - p):abs():max() < 1e-15)
      local leaves = rf:apply(X)
      assert.are.same({ 800, 7 }, leaves:size())
      assert.are.same(rf:estimator(3):apply(X):totable(), leaves:select(2, 3):totable())
    end)

    it("report importances that sum to 1 and favour the informative features", function()
      local et = credo.ExtraTrees { n_estimators = 30, seed = 1 }:fit(X, y)
      local imp = et:feature_importances()
      assert.are.equal("float64", imp:dtype())
      assert.is_true(math.abs(imp:sum() - 1) < 1e-12)
      assert.is_true(imp[1] > imp[7] and imp[1] > imp[8])
    end)

    it("respect max_depth and min_samples_leaf", function()
      local rf = credo.RandomForest { n_estimators = 5, max_depth = 3, min_samples_leaf = 20 }
        :fit(X, y)
      for t, depth in ipairs(rf:get_depth()) do
        assert.is_true(depth <= 3)
        local tr = rf.state_.trees[t]
        for i = 1, tr.feature:numel() do
          if tr.feature[i] == 0 then assert.is_true(tr.n_node_samples[i] >= 20) end
        end
      end
    end)

    it("predict the only class when y has a single class", function()
      local m = credo.RandomForest { n_estimators = 3 }:fit(X, credo.ones({ 800 }, "int64"))
      assert.are.same({ 800, 2 }, m:predict_proba(X):size())
      assert.are.equal(0, m:predict_proba(X):select(2, 1):abs():max())
      assert.are.equal(800, m:predict(X):sum())
      assert.are.equal(1, m:estimator(1):node_count())
      assert.are.equal(0, m:feature_importances():abs():max())
    end)

    it("give classes absent from y zero probability", function()
      local y2 = y * 2                                  -- labels 0 and 2
      local m = credo.DecisionTree { max_depth = 3 }:fit(X, y2)
      local p = m:predict_proba(X)
      assert.are.same({ 800, 3 }, p:size())
      assert.are.equal(0, p:select(2, 2):abs():max())
    end)

    it("weight rows: sample_weight 2 equals a duplicated row", function()
      local w = credo.ones({ 800 }, "float64")
      w[1] = 2
      local Xd = credo.cat({ X, X:narrow(1, 1, 1) }, 1)
      local yd = credo.cat({ y, y:narrow(1, 1, 1) }, 1)
      local a = credo.DecisionTree { max_depth = 6 }:fit(X, y, { sample_weight = w })
      local b = credo.DecisionTree { max_depth = 6 }:fit(Xd, yd)
      assert.are.same(a:tree().threshold:totable(), b:tree().threshold:totable())
      assert.are.same(a:tree().value:totable(), b:tree().value:totable())
    end)

    it("accept float64 and int64 features as float32", function()
      local a = credo.DecisionTree { max_depth = 4 }:fit(X, y)
      local b = credo.DecisionTree { max_depth = 4 }:fit(X:double(), y)
      assert.are.same(a:tree().threshold:totable(), b:tree().threshold:totable())
      assert.are.equal(0, (a:predict_proba(X:double()) - a:predict_proba(X)):abs():max())
      local c = credo.DecisionTree {}:fit((X * 10):long(), y)
      assert.are.equal(c:predict((X * 10):long()):numel(), 800)
    end)
  end)

  describe("parameters", function()
    it("errors on unknown names and bad values", function()
      assert.has_error(function() credo.RandomForest { n_estimator = 5 } end,
        "RandomForest: unknown parameter 'n_estimator'")
      assert.has_error(function() credo.RandomForest { max_features = "cube" } end,
        "RandomForest: parameter 'max_features' must be 'sqrt', 'log2', an integer or a "
          .. "fraction (got 'cube')")
      assert.has_error(function() credo.RandomForest { max_features = 1.5 } end,
        "RandomForest: parameter 'max_features' as a fraction must be in (0, 1] (got 1.5); "
          .. "use an integer for a count")
      assert.has_error(function() credo.DecisionTree { min_samples_split = 1 } end,
        "DecisionTree: parameter 'min_samples_split' must be an integer >= 2 or a fraction (got 1)")
      assert.has_error(function() credo.DecisionTree { min_samples_leaf = 1.0 } end,
        "DecisionTree: parameter 'min_samples_leaf' as a fraction must be in (0, 1) (got 1.0); "
          .. "use an integer for a count")
      assert.has_error(function() credo.ExtraTrees { criterion = "mse" } end,
        "ExtraTrees: parameter 'criterion' must be one of gini, entropy, log_loss (got 'mse')")
      assert.has_error(function() credo.RandomForest { n_estimators = 0 } end,
        "RandomForest: parameter 'n_estimators' must be >= 1 (got 0)")
      assert.has_error(function() credo.DecisionTree { max_depth = 0 } end,
        "DecisionTree: parameter 'max_depth' must be >= 1 (got 0)")
      assert.has_error(function() credo.DecisionTree { min_weight_fraction_leaf = 0.6 } end,
        "DecisionTree: parameter 'min_weight_fraction_leaf' must be <= 0.5 (got 0.6)")
      assert.has_error(function() credo.DecisionTree { class_weight = "balanced_subsample" } end,
        "DecisionTree: parameter 'class_weight' must be 'balanced' or a table {[class] = weight} "
          .. "(got 'balanced_subsample')")
      assert.has_error(function() credo.RandomForest { class_weight = { [0] = -1 } } end,
        "RandomForest: parameter 'class_weight' [0] must be a finite number >= 0 (got -1)")
      assert.has_error(function() credo.RandomForest { class_weight = { bad = 1 } } end,
        "RandomForest: parameter 'class_weight' keys must be class labels 0, 1, ... (got bad)")
    end)

    it("errors on combinations sklearn refuses", function()
      assert.has_error(function() credo.RandomForest { bootstrap = false, oob_score = true } end,
        "RandomForest: parameter 'oob_score' needs bootstrap = true (out-of-bag rows exist only then)")
      assert.has_error(function() credo.ExtraTrees { max_samples = 0.5 } end,
        "ExtraTrees: parameter 'max_samples' needs bootstrap = true")
    end)

    it("fills sklearn's defaults", function()
      local p = credo.RandomForest {}:params()
      assert.are.equal(100, p.n_estimators)
      assert.are.equal("sqrt", p.max_features)
      assert.are.equal(true, p.bootstrap)
      assert.are.equal(false, credo.ExtraTrees {}:params().bootstrap)
      assert.is_nil(credo.DecisionTree {}:params().max_features)
      assert.are.equal("best", credo.DecisionTree {}:params().splitter)
    end)
  end)

  describe("fit()", function()
    local X, y = synthetic(50, 3)

    it("errors on bad X", function()
      local Xn = X:clone()
      Xn:set(2, 1, 0 / 0)
      assert.has_error(function() credo.RandomForest {}:fit(Xn, y) end,
        "bad argument #1 to 'fit' (X contains NaN at row 2, column 1 (trees need complete data: "
          .. "impute first))")
      local Xi = X:clone()
      Xi:set(4, 3, math.huge)
      assert.has_error(function() credo.DecisionTree {}:fit(Xi, y) end,
        "bad argument #1 to 'fit' (X contains an infinite value at row 4, column 3)")
      assert.has_error(function() credo.DecisionTree {}:fit(credo.zeros(0, 3), credo.zeros({ 0 }, "int64")) end,
        "bad argument #1 to 'fit' (X has no rows)")
      assert.has_error(function() credo.DecisionTree {}:fit(credo.zeros(5), y) end,
        "bad argument #1 to 'fit' (X must be a 2-d tensor (got shape [5]))")
      local Xb = X:double()
      Xb:set(1, 1, 1e300)
      local ok, err = pcall(function() credo.DecisionTree {}:fit(Xb, y) end)
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'fit' %(X holds 1e%+300 at row 1, column 1, beyond the "
        .. "float32 range%)", err)
    end)

    it("errors on bad labels", function()
      assert.has_error(function() credo.DecisionTree {}:fit(X, y:float()) end,
        "bad argument #2 to 'fit' (y must be an int64 tensor of class labels 0..k-1 (got float32))")
      local yn = y:clone()
      yn[3] = -1
      assert.has_error(function() credo.DecisionTree {}:fit(X, yn) end,
        "bad argument #2 to 'fit' (y holds -1 at index 3 (labels must be 0..k-1, at most 65536 classes))")
      assert.has_error(function() credo.DecisionTree {}:fit(X, y:narrow(1, 1, 10)) end,
        "bad argument #2 to 'fit' (y must be a 1-d tensor of 50 labels, one per row of X (got shape [10]))")
    end)

    it("errors on bad options and weights", function()
      assert.has_error(function() credo.DecisionTree {}:fit(X, y, { weights = 1 }) end,
        "bad argument #3 to 'fit' (unknown option 'weights')")
      local w = credo.ones({ 50 }, "float64")
      w[2] = -1
      assert.has_error(function() credo.DecisionTree {}:fit(X, y, { sample_weight = w }) end,
        "bad argument #3 to 'fit' (sample_weight[2] = -1.0 (weights must be finite and >= 0))")
      assert.has_error(function()
        credo.DecisionTree {}:fit(X, y, { sample_weight = credo.zeros({ 50 }) })
      end, "bad argument #3 to 'fit' (sample_weight (times class_weight) sums to 0: no row to learn from)")
      assert.has_error(function()
        credo.DecisionTree {}:fit(X, y, { sample_weight = credo.ones(49) })
      end, "bad argument #3 to 'fit' (sample_weight must be a 1-d tensor of 50 weights, one per row)")
    end)

    it("errors on parameters the data cannot meet", function()
      assert.has_error(function() credo.RandomForest { max_features = 9 }:fit(X, y) end,
        "RandomForest:fit: parameter 'max_features' = 9 exceeds the 8 features of X")
      assert.has_error(function() credo.RandomForest { max_samples = 51 }:fit(X, y) end,
        "RandomForest:fit: parameter 'max_samples' = 51 exceeds the 50 rows of X")
      assert.has_error(function() credo.DecisionTree { class_weight = { [3] = 2 } }:fit(X, y) end,
        "DecisionTree:fit: parameter 'class_weight' names class 3, which does not occur in y")
    end)
  end)

  describe("predict()", function()
    local X, y = synthetic(60, 4)
    local m = credo.RandomForest { n_estimators = 3 }:fit(X, y)

    it("errors on a feature-count mismatch, NaN and an unfitted model", function()
      assert.has_error(function() m:predict(X:narrow(2, 1, 7)) end,
        "bad argument #1 to 'predict' (X has 7 features but the model was fitted on 8)")
      local Xn = X:clone()
      Xn:set(5, 2, 0 / 0)
      assert.has_error(function() m:predict_proba(Xn) end,
        "bad argument #1 to 'predict_proba' (X contains NaN at row 5, column 2 (trees need "
          .. "complete data: impute first))")
      assert.has_error(function() credo.ExtraTrees {}:predict(X) end,
        "ExtraTrees:predict: model is not fitted (call fit first)")
      assert.has_error(function() m:oob_score() end,
        "RandomForest:oob_score: fit with oob_score = true first")
    end)

    it("refuses a corrupt state", function()
      local m2 = credo.DecisionTree {}:fit(X, y)
      local st = m2.state_.trees[1]
      st.left[1] = 1                                   -- a cycle
      local ok, err = pcall(function() m2:predict(X) end)
      assert.is_false(ok)
      assert.matches("node 1 has children 1, %d+ %(they must come after it", err)
    end)
  end)
end)

describe("forest sample weights under an eager garbage collector", function()
  it("keep the weights alive while the trees are grown", function()
    local credo = require "credo"
    local F = require("credo.core").forest_core
    local n = 2000
    local rows, ys, w = {}, {}, {}
    for i = 1, n do rows[i] = { i % 7, (i * 13) % 11 }; ys[i] = i % 2; w[i] = (i % 3) + 1 end
    local X, y = credo.tensor(rows, "float64"), credo.tensor(ys, "int64")
    local sw = credo.tensor(w, "float64")
    local total = sw:sum()
    local fp = { criterion = "gini", splitter = "best", n_trees = 1, max_depth = 3,
      min_samples_leaf = 1, min_samples_split = 2, min_weight_fraction = 0, max_features = 2,
      min_impurity_decrease = 0, bootstrap = false, oob = false, seed = 3 }
    collectgarbage("incremental", 1, 1000)               -- a tiny pause: collect all the time
    local ok, err = pcall(function()
      for _ = 1, 3 do
        local st = F.fit(X, y, { sample_weight = sw }, fp)
        assert.near(total, st.trees[1].weighted_n_node_samples[1], 1e-9)
        local junk = {}
        for k = 1, 200 do junk[k] = credo.zeros(100, 100) end
      end
    end)
    collectgarbage("incremental", 200, 100)              -- Lua's defaults back
    assert(ok, err)
  end)
end)
