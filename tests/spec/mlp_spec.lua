-- credo.MLPClassifier (stdlib/credo/mlp.lua): scikit-learn 1.2's
-- MLPClassifier semantics on credo.nn.  The lending_club fixture comes from
-- bench/peers/make_mlp_fixture.py (sklearn's test AUC over 10 seeds at the
-- same settings, the same split and scaling); credo must come within 0.01
-- of its mean.  The rest checks properties that hold exactly.
local credo = require "credo"
local json = require "json"

-- XOR-like data: label 1 when x1 and x2 have opposite signs.
local function xor_data(n, seed)
  local X = credo.Generator(seed):rand({ n, 2 }, "float64") * 2 - 1
  local x = X:totable()
  local ys = {}
  for i = 1, n do ys[i] = ((x[i][1] > 0) ~= (x[i][2] > 0)) and 1 or 0 end
  return X, credo.tensor(ys, "int64")
end

local function accuracy(m, X, y) return m:predict(X):eq(y):sum() / y:size(1) end

local function weight_norm(m)
  local W = m:coefs()
  local s = 0
  for _, w in ipairs(W) do s = s + w:pow(2):sum() end
  return s
end

describe("MLPClassifier", function()
  local X, y = xor_data(400, 1)
  local Xt, yt = xor_data(400, 2)

  describe("fit()", function()
    it("learns XOR-like data, which no linear model can", function()
      local m = credo.MLPClassifier { hidden_layer_sizes = { 16, 16 }, learning_rate_init = 0.01,
                                      max_iter = 300, seed = 1 }:fit(X, y)
      assert.is_true(accuracy(m, Xt, yt) > 0.95)
      local p = m:predict_proba(Xt)
      assert.same({ 400, 2 }, p:size())
      assert.equal("float64", p:dtype())
      assert.is_true(((p:sum(2) - 1):abs():max()) < 1e-12)
      -- predict is p > 0.5
      assert.is_true(m:predict(Xt):eq(p:select(2, 2):gt(0.5)):all())
    end)

    it("reports the loss curve, best loss and epochs as sklearn", function()
      local m = credo.MLPClassifier { hidden_layer_sizes = { 8 }, max_iter = 15, seed = 2 }
        :fit(X, y)
      local curve = m:loss_curve()
      assert.equal(15, m:n_iter())
      assert.equal(15, #curve)
      local best = math.huge
      for _, v in ipairs(curve) do best = math.min(best, v) end
      assert.equal(best, m:best_loss())
      assert.is_nil(m:validation_scores())
    end)

    it("stops after n_iter_no_change epochs without a tol improvement", function()
      -- tol so large that no epoch after the first improves (the first
      -- beats best_loss = inf): the count exceeds n_iter_no_change = 3 at
      -- epoch 5, as sklearn's _update_no_improvement_count
      local m = credo.MLPClassifier { hidden_layer_sizes = { 4 }, tol = 10, n_iter_no_change = 3,
                                      seed = 1 }:fit(X, y)
      assert.equal(5, m:n_iter())
    end)

    it("shrinks the weights as alpha grows", function()
      local norms = {}
      for i, a in ipairs { 1e-5, 1, 10 } do
        norms[i] = weight_norm(credo.MLPClassifier { hidden_layer_sizes = { 16 }, alpha = a,
          learning_rate_init = 0.01, max_iter = 100, seed = 1 }:fit(X, y))
      end
      assert.is_true(norms[2] < 0.8 * norms[1])
      assert.is_true(norms[3] < 0.5 * norms[2])
    end)

    it("adds 0.5 alpha ||W||^2 / rows to the loss", function()
      -- one full batch, one epoch, no shuffling: the first loss is the
      -- initial network's log-loss plus the penalty of the initial weights
      local function first(alpha)
        local m = credo.MLPClassifier { hidden_layer_sizes = { 5 }, alpha = alpha, max_iter = 1,
          batch_size = 400, shuffle = false, seed = 3 }
        return m:fit(X, y):loss_curve()[1]
      end
      -- same seed, same initial weights W0: the penalty is linear in alpha
      -- and equals 0.5 alpha ||W0||^2 / 400
      local l0, l1, l2 = first(0), first(1), first(2)
      assert.is_true(math.abs((l2 - l0) - 2 * (l1 - l0)) < 1e-12)
      local m0 = credo.MLPClassifier { hidden_layer_sizes = { 5 }, alpha = 0, max_iter = 1,
        batch_size = 400, shuffle = false, learning_rate_init = 1e-300, seed = 3 }:fit(X, y)
      assert.is_true(math.abs((l1 - l0) - 0.5 * weight_norm(m0) / 400) < 1e-12)
    end)

    it("stops early on the validation accuracy and keeps the best weights", function()
      local m = credo.MLPClassifier { hidden_layer_sizes = { 16 }, early_stopping = true,
        learning_rate_init = 0.01, max_iter = 500, n_iter_no_change = 5, seed = 1 }:fit(X, y)
      local scores = m:validation_scores()
      assert.is_true(m:n_iter() < 500)
      assert.equal(m:n_iter(), #scores)
      local best = -1
      for _, s in ipairs(scores) do best = math.max(best, s) end
      assert.equal(best, m:best_validation_score())
      assert.is_nil(m:best_loss())
      -- 40 validation rows (10 %), stratified: accuracy is a multiple of 1/40
      assert.is_true(math.abs(best * 40 - math.floor(best * 40 + 0.5)) < 1e-9)
    end)

    it("trains multiclass data through softmax", function()
      local y3 = y + X:select(2, 1):gt(0.5)
      local m = credo.MLPClassifier { hidden_layer_sizes = { 16 }, learning_rate_init = 0.01,
                                      max_iter = 200, seed = 1 }:fit(X, y3)
      local p = m:predict_proba(X)
      assert.same({ 400, 3 }, p:size())
      assert.is_true(((p:sum(2) - 1):abs():max()) < 1e-12)
      assert.is_true(accuracy(m, X, y3) > 0.85)
    end)

    it("is reproducible from its seed", function()
      local function run(seed)
        return credo.MLPClassifier { hidden_layer_sizes = { 8 }, max_iter = 5, seed = seed }
          :fit(X, y):predict_proba(Xt)
      end
      assert.equal(0, (run(4) - run(4)):abs():max())
      assert.is_true((run(4) - run(5)):abs():max() > 0)
    end)
  end)

  describe("lending_club", function()
    it("reaches scikit-learn's test AUC within 0.01 at the same settings", function()
      local fx = json.read("tests/fixtures/mlp_lending_club.json")
      local df = credo.read_csv("data/lending_club.csv")
      local cols = {}
      for i = 1, fx.columns.n do cols[i] = fx.columns[i] end
      local X = df:to_tensor(cols, "float64")
      local cls = df:col("Class")
      local bad = cls.levels[1] == "bad" and 1 or 2
      local codes = cls.codes:totable()
      -- the fixture's split: every 4th row of each class (in file order) is a test row
      local ys, tr, te, seen = {}, {}, {}, { [0] = 0, [1] = 0 }
      for i = 1, #codes do
        local c = codes[i] == bad and 1 or 0
        ys[i] = c
        if seen[c] % 4 == 3 then te[#te + 1] = i else tr[#tr + 1] = i end
        seen[c] = seen[c] + 1
      end
      assert.equal(fx.n_train, #tr)
      assert.equal(fx.n_test, #te)
      local y = credo.tensor(ys, "int64")
      local itr, ite = credo.tensor(tr, "int64"), credo.tensor(te, "int64")
      local Xtr, Xte = X:index_select(1, itr), X:index_select(1, ite)
      local mu = Xtr:mean(1)
      local sd = (Xtr - mu):pow(2):mean(1):sqrt()
      Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
      local s = fx.settings
      local m = credo.MLPClassifier {
        hidden_layer_sizes = { s.hidden_layer_sizes[1] }, activation = s.activation,
        alpha = s.alpha, batch_size = s.batch_size, learning_rate_init = s.learning_rate_init,
        max_iter = s.max_iter, tol = s.tol, n_iter_no_change = s.n_iter_no_change,
        early_stopping = s.early_stopping, shuffle = s.shuffle, seed = 0,
      }:fit(Xtr, y:index_select(1, itr))
      local auc = credo.metrics.roc_auc(y:index_select(1, ite),
                                        m:predict_proba(Xte):select(2, 2):contiguous())
      assert.is_true(math.abs(auc - fx.auc_mean) < 0.01,
        ("credo AUC %.4f, sklearn mean %.4f"):format(auc, fx.auc_mean))
    end)
  end)

  describe("estimator protocol", function()
    it("has params, clone, and survives save / load", function()
      local m = credo.MLPClassifier { hidden_layer_sizes = { 6, 3 }, alpha = 0.01, seed = 7 }
      local p = m:params()
      assert.same({ 6, 3 }, p.hidden_layer_sizes)
      assert.equal(0.01, p.alpha)
      assert.equal(200, p.max_iter)
      assert.is_nil(p.batch_size)
      assert.is_false(m:clone():is_fitted())
      m:set_params { max_iter = 5 }:fit(X, y)
      local path = os.tmpname()
      credo.save(path, m)
      local m2 = credo.load(path)
      os.remove(path)
      assert.equal("MLPClassifier", getmetatable(m2).__name)
      assert.equal(0, (m2:predict_proba(Xt) - m:predict_proba(Xt)):abs():max())
      assert.same(m:loss_curve(), m2:loss_curve())
    end)
  end)

  describe("errors", function()
    it("rejects bad parameters at construction", function()
      assert.has_error(function() credo.MLPClassifier { hidden_layer_sizes = { 4, 0 } } end,
        "MLPClassifier: parameter 'hidden_layer_sizes' [2] must be a positive integer (got 0)")
      assert.has_error(function() credo.MLPClassifier { alpha = -1 } end,
        "MLPClassifier: parameter 'alpha' must be >= 0 (got -1)")
      assert.has_error(function() credo.MLPClassifier { solver = "lbfgs" } end,
        "MLPClassifier: parameter 'solver' must be one of adam (got 'lbfgs')")
      assert.has_error(function() credo.MLPClassifier { hidden = 3 } end,
        "MLPClassifier: unknown parameter 'hidden'")
    end)

    it("rejects non-finite X, one class, mismatched shapes and unfitted use", function()
      local bad = X:clone()
      bad:set(5, 2, 0 / 0)
      assert.has_error(function() credo.MLPClassifier {}:fit(bad, y) end,
        "bad argument #1 to 'fit' (X contains NaN at row 5, column 2)")
      assert.has_error(function()
        credo.MLPClassifier {}:fit(X, credo.zeros({ 400 }, "int64"))
      end, "bad argument #2 to 'fit' (y holds one class only (0): a classifier needs two or more)")
      assert.has_error(function() credo.MLPClassifier {}:fit(X, y:narrow(1, 1, 9)) end,
        "bad argument #2 to 'fit' (y has 9 rows but X has 400)")
      local m = credo.MLPClassifier { max_iter = 1 }:fit(X, y)
      assert.has_error(function() m:predict(credo.zeros(3, 5, "float64")) end,
        "bad argument #1 to 'predict' (X has 5 features but the model was fitted on 2)")
      assert.has_error(function() credo.MLPClassifier {}:predict_proba(X) end,
        "MLPClassifier:predict_proba: model is not fitted (call fit first)")
    end)
  end)
end)
