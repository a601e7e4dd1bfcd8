-- credo.nn.fit, predict, predict_proba and credo.nn.Model: an end-to-end run
-- that must reach a stated accuracy, the history, determinism, early
-- stopping restoring the best weights, train/eval modes, weights,
-- validation splits, schedules, clipping, and the error messages.
local credo = require "credo"
local nn = credo.nn
local optim = credo.optim

-- A linearly separable task with label noise: y = [x . w + 0.3 noise > 0],
-- n rows of d features, from one seed.
local function task(n, d, seed)
  local g = credo.Generator(seed)
  local X = g:randn(n, d)
  local w = g:randn(d)
  local z = X:matmul(w) + g:randn(n) * 0.3
  return X, z:gt(0)
end

local function mlp(d, seed, dropout)
  local g = credo.Generator(seed)
  local net = nn.Sequential(nn.Linear(d, 16, { generator = g }), nn.ReLU())
  if dropout then net:add(nn.Dropout(dropout, { seed = seed })) end
  net:add(nn.Linear(16, 1, { generator = g }))
  return net
end

local function same_list(a, b)
  assert.are.equal(#a, #b)
  for i = 1, #a do
    assert(a[i] == b[i] or (a[i] ~= a[i] and b[i] ~= b[i]),
      ("element %d differs: %.17g vs %.17g"):format(i, a[i], b[i]))
  end
end

-- A module that records the mode of every forward (identity otherwise).
local Module = nn.Module
local Probe = Module.class("FitSpecModeProbe")
function Probe:__init() self.seen = {} end
function Probe:forward(x) self.seen[#self.seen + 1] = self.training; return x end
function Probe:backward(_, g) return g end

describe("nn.fit", function()
  describe("end to end", function()
    it("a small MLP learns a noisy linear task to 90% validation accuracy", function()
      local X, y = task(1200, 8, 11)
      local net = mlp(8, 5, 0.1)
      local h = nn.fit(net, nn.BCEWithLogitsLoss(), optim.Adam(net, { lr = 0.01 }), X, y, {
        epochs = 15, batch_size = 32, seed = 3, validation_split = 0.25, verbose = 0 })
      assert.is_true(h.val_accuracy[h.epochs] >= 0.90,
        ("val accuracy %.4f"):format(h.val_accuracy[h.epochs]))
      assert.is_true(h.val_auc[h.epochs] >= 0.97)
      assert.is_true(h.loss[h.epochs] < h.loss[1])
      assert.is_false(net.training)             -- fit leaves eval mode
      local p = nn.predict_proba(net, X)
      assert.are.same({ 1200, 2 }, p:size())
      local acc = credo.metrics.accuracy(y, nn.predict(net, X))
      assert.is_true(acc >= 0.9)
    end)

    it("the history has one entry per epoch for every key", function()
      local X, y = task(200, 4, 1)
      local net = mlp(4, 2)
      local h = nn.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net, { lr = 0.1 }), X, y, {
        epochs = 4, batch_size = 50, validation_data = { X, y }, verbose = 0 })
      for _, k in ipairs { "epoch", "loss", "accuracy", "auc", "val_loss", "val_accuracy",
                           "val_auc", "lr", "time" } do
        assert.are.equal(4, #h[k], k)
      end
      assert.are.same({ 1, 2, 3, 4 }, h.epoch)
      assert.are.same({ 0.1, 0.1, 0.1, 0.1 }, h.lr)
      assert.are.equal(4, h.epochs)
      assert.are.equal("val_loss", h.monitor)
      assert.is_nil(h.stopped_epoch)
      -- without validation: no val_ keys; metrics = {} keeps the loss only
      local h2 = nn.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net), X, y,
        { epochs = 2, metrics = {}, verbose = 0 })
      assert.is_nil(h2.val_loss)
      assert.is_nil(h2.accuracy)
      assert.are.equal(2, #h2.loss)
      assert.are.equal("loss", h2.monitor)
    end)

    it("is deterministic: the same seeds give the same history bits", function()
      local X, y = task(300, 5, 2)
      local function run()
        local net = mlp(5, 9, 0.2)
        return nn.fit(net, nn.BCEWithLogitsLoss(), optim.AdamW(net, { lr = 0.005 }), X, y, {
          epochs = 3, batch_size = 32, seed = 77, validation_split = 0.2, verbose = 0 })
      end
      local a, b = run(), run()
      for _, k in ipairs { "loss", "accuracy", "auc", "val_loss", "val_accuracy", "val_auc" } do
        same_list(a[k], b[k])
      end
    end)

    it("a different shuffling seed gives a different history", function()
      local X, y = task(300, 5, 2)
      local function run(seed)
        local net = mlp(5, 9)
        return nn.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net, { lr = 0.05 }), X, y,
          { epochs = 2, batch_size = 16, seed = seed, verbose = 0 })
      end
      assert.are_not.equal(run(1).loss[2], run(2).loss[2])
    end)
  end)

  describe("early stopping", function()
    it("stops after patience epochs without improvement and restores the best weights", function()
      -- a tiny training set and a high learning rate: the validation loss
      -- gets worse after a few epochs
      local X, y = task(60, 6, 4)
      local Xv, yv = task(400, 6, 5)
      local net = mlp(6, 3)
      local params = net:parameters()
      local snaps = {}
      local h = nn.fit(net, nn.BCEWithLogitsLoss(), optim.Adam(net, { lr = 0.05 }), X, y, {
        epochs = 60, batch_size = 8, seed = 1, validation_data = { Xv, yv }, verbose = 0,
        early_stopping = { monitor = "val_loss", patience = 3, restore_best_weights = true },
        on_epoch_end = function(e)
          snaps[e] = {}
          for i, p in ipairs(params) do snaps[e][i] = p:clone() end
        end })
      assert.is_number(h.stopped_epoch)
      assert.are.equal(h.stopped_epoch, h.epochs)
      assert.is_true(h.stopped_epoch < 60)
      assert.are.equal(h.best_epoch + 3, h.stopped_epoch)
      local best = math.huge
      for e = 1, h.epochs do best = math.min(best, h.val_loss[e]) end
      assert.are.equal(best, h.val_loss[h.best_epoch])
      for i, p in ipairs(params) do
        assert.are.equal(0, (p - snaps[h.best_epoch][i]):abs():max())
      end
      -- the restored weights give the best validation loss again
      local out = nn.decision_function(net, Xv)
      local vl = nn.BCEWithLogitsLoss():forward(out, yv:float():view(-1, 1))
      assert.near(h.val_loss[h.best_epoch], vl, 1e-6)
    end)

    it("monitors a maximised metric and keeps the last weights without restore", function()
      local X, y = task(60, 6, 4)
      local net = mlp(6, 3)
      local h = nn.fit(net, nn.BCEWithLogitsLoss(), optim.Adam(net, { lr = 0.05 }), X, y, {
        epochs = 40, batch_size = 8, seed = 1, validation_split = 0.3, verbose = 0,
        early_stopping = { monitor = "val_auc", patience = 2, min_delta = 0.001 } })
      local best = -math.huge
      for e = 1, h.best_epoch do best = math.max(best, h.val_auc[e]) end
      assert.are.equal(best, h.val_auc[h.best_epoch])
      if h.stopped_epoch then assert.are.equal(h.best_epoch + 2, h.stopped_epoch) end
    end)
  end)

  describe("modes", function()
    it("trains in train mode, validates and predicts in eval mode", function()
      local X, y = task(40, 3, 1)
      local g = credo.Generator(1)
      local probe = Probe()
      local net = nn.Sequential(nn.Linear(3, 4, { generator = g }), probe,
        nn.Dropout(0.5, { seed = 1 }), nn.Linear(4, 1, { generator = g }))
      nn.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net), X, y, {
        epochs = 1, batch_size = 10, shuffle = false, validation_data = { X, y }, verbose = 0 })
      -- the probe forward (eval), 4 training batches, 4 validation batches
      assert.are.same({ false, true, true, true, true, false, false, false, false }, probe.seen)
      probe.seen = {}
      local a = nn.decision_function(net, X, { batch_size = 7 })
      local b = nn.decision_function(net, X)
      assert.are.equal(0, (a - b):abs():max())          -- dropout off
      assert.are.same({ false, false, false, false, false, false, false }, probe.seen)
      net:train()
      nn.predict_proba(net, X)
      assert.is_true(net.training)                    -- predict restores the mode
    end)

    it("validation does not move BatchNorm's running statistics", function()
      local X, y = task(64, 3, 2)
      local g = credo.Generator(2)
      local bn = nn.BatchNorm1d(4)
      local net = nn.Sequential(nn.Linear(3, 4, { generator = g }), bn, nn.ReLU(),
        nn.Linear(4, 1, { generator = g }))
      local seen = {}
      nn.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net, { lr = 0 }), X, y, {
        epochs = 2, batch_size = 64, shuffle = false, validation_data = { X * 100, y },
        verbose = 0, on_epoch_end = function(e) seen[e] = bn.running_mean:clone() end })
      -- one training batch per epoch (lr 0, same batch): momentum 0.1 twice
      local m1 = seen[1]
      local m2 = seen[2]
      local ratio = ((m2 - m1):abs():max()) / m1:abs():max()
      assert.near(0.9, ratio, 1e-4)                   -- (1 - 0.9^2) - 0.1 = 0.9 * 0.1
    end)
  end)

  describe("weights and splits", function()
    it("class_weight scales the loss (SGD with lr 0 keeps the weights)", function()
      local X, y = task(100, 4, 6)
      local net = mlp(4, 1)
      local function loss_with(cw)
        return nn.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net, { lr = 0 }), X, y, {
          epochs = 1, batch_size = 100, class_weight = cw, metrics = {}, verbose = 0 }).loss[1]
      end
      local plain = loss_with(nil)
      assert.are.equal(2 * plain, loss_with({ [0] = 2, [1] = 2 }))
      -- balanced: n / (2 n_c), applied per sample (Keras semantics: mean over the batch)
      local npos = y:sum()
      local w = credo.where(y:eq(1), 100 / (2 * npos), 100 / (2 * (100 - npos))):float()
      local out = nn.decision_function(net, X)
      local want = nn.BCEWithLogitsLoss():forward(out, y:float():view(-1, 1), w)
      assert.near(want, loss_with("balanced"), 1e-6)
    end)

    it("sample_weight multiplies with class_weight", function()
      local X, y = task(50, 4, 6)
      local net = mlp(4, 1)
      local sw = credo.full({ 50 }, 3)
      local function run(o)
        o.epochs, o.batch_size, o.metrics, o.verbose = 1, 50, {}, 0
        return nn.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net, { lr = 0 }), X, y, o).loss[1]
      end
      local plain = run({})
      assert.near(3 * plain, run({ sample_weight = sw }), 1e-6)
      assert.near(6 * plain, run({ sample_weight = sw, class_weight = { [0] = 2, [1] = 2 } }), 1e-6)
    end)

    it("validation_split takes the last rows, as validation_data would", function()
      local X, y = task(100, 4, 8)
      local function run(n, o)
        local net = mlp(4, 1)
        o.epochs, o.batch_size, o.seed, o.verbose = 2, 16, 5, 0
        return nn.fit(net, nn.BCEWithLogitsLoss(), optim.Adam(net), X:narrow(1, 1, n),
          y:narrow(1, 1, n), o)
      end
      local a = run(100, { validation_split = 0.2 })
      local b = run(80, { validation_data = { X:narrow(1, 81, 20), y:narrow(1, 81, 20) } })
      same_list(a.val_loss, b.val_loss)
      same_list(a.loss, b.loss)
    end)

    it("validation_stratify takes the last rows of each class", function()
      local X, y = task(100, 4, 8)
      local tr, va = {}, {}
      local lab = y:totable()
      local pos, neg = {}, {}
      for i = 1, 100 do if lab[i] == 1 then pos[#pos + 1] = i else neg[#neg + 1] = i end end
      local isval = {}
      for _, l in ipairs { pos, neg } do
        local ntr = math.floor(#l * 0.75)
        for j = ntr + 1, #l do isval[l[j]] = true end
      end
      for i = 1, 100 do if isval[i] then va[#va + 1] = i else tr[#tr + 1] = i end end
      local ti, vi = credo.tensor(tr, "int64"), credo.tensor(va, "int64")
      local function run(Xa, ya, o)
        local net = mlp(4, 1)
        o.epochs, o.batch_size, o.seed, o.verbose = 2, 16, 5, 0
        return nn.fit(net, nn.BCEWithLogitsLoss(), optim.Adam(net), Xa, ya, o)
      end
      local a = run(X, y, { validation_split = 0.25, validation_stratify = true })
      local b = run(X:index_select(1, ti), y:index_select(1, ti),
        { validation_data = { X:index_select(1, vi), y:index_select(1, vi) } })
      same_list(a.val_auc, b.val_auc)
      same_list(a.loss, b.loss)
    end)
  end)

  describe("schedules and clipping", function()
    it("steps a schedule per epoch and records the lr used", function()
      local X, y = task(64, 3, 1)
      local net = mlp(3, 1)
      local opt = optim.SGD(net, { lr = 0.1 })
      local h = nn.fit(net, nn.BCEWithLogitsLoss(), opt, X, y, { epochs = 4, batch_size = 32,
        scheduler = optim.StepLR(opt, { step_size = 2, gamma = 0.5 }), verbose = 0 })
      assert.are.same({ 0.1, 0.1, 0.05, 0.05 }, h.lr)
      assert.are.equal(0.025, opt.param_groups[1].lr)
    end)

    it("gives ReduceLROnPlateau the monitored value", function()
      local X, y = task(64, 3, 1)
      local net = mlp(3, 1)
      local opt = optim.SGD(net, { lr = 0 })      -- nothing improves
      local h = nn.fit(net, nn.BCEWithLogitsLoss(), opt, X, y, { epochs = 5, batch_size = 64,
        shuffle = false, scheduler = optim.ReduceLROnPlateau(opt, { patience = 1 }), verbose = 0 })
      assert.are.same({ 0, 0, 0, 0, 0 }, h.lr)
      local opt2 = optim.SGD(net, { lr = 1e-9 })
      local h2 = nn.fit(net, nn.BCEWithLogitsLoss(), opt2, X, y, { epochs = 5, batch_size = 64,
        shuffle = false, verbose = 0,
        scheduler = optim.ReduceLROnPlateau(opt2, { patience = 1, factor = 0.5, eps = 0 }) })
      assert.are.same({ 1e-9, 1e-9, 1e-9, 5e-10, 5e-10 }, h2.lr)
    end)

    it("clips the gradient norm (a huge max_norm changes nothing)", function()
      local X, y = task(64, 3, 1)
      local function run(clip)
        local net = mlp(3, 1)
        return nn.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net, { lr = 0.5 }), X, y,
          { epochs = 2, batch_size = 16, seed = 1, clip_grad_norm = clip, verbose = 0 })
      end
      local a, b, c = run(nil), run(1e30), run(1e-3)
      same_list(a.loss, b.loss)
      assert.are_not.equal(a.loss[2], c.loss[2])
    end)
  end)

  describe("other losses", function()
    it("multiclass with CrossEntropyLoss: accuracy, labels and probabilities", function()
      local g = credo.Generator(12)
      local n = 300
      local y = g:randint(0, 2, n)
      local centers = credo.tensor { { 2, 0 }, { -2, 0 }, { 0, 2.5 } }
      local X = centers:index_select(1, y + 1) + g:randn(n, 2) * 0.5
      local net = nn.Sequential(nn.Linear(2, 16, { generator = g }), nn.Tanh(),
        nn.Linear(16, 3, { generator = g }))
      local m = nn.Model(net, { loss = nn.CrossEntropyLoss(), optimizer = optim.Adam(net, { lr = 0.02 }) })
      assert.are.equal(m, m:fit(X, y, { epochs = 20, batch_size = 32, seed = 1, verbose = 0,
        validation_split = 0.2 }))
      assert.is_nil(m.history.auc)
      assert.is_true(m.history.val_accuracy[20] >= 0.95)
      local p = m:predict_proba(X)
      assert.are.same({ n, 3 }, p:size())
      assert.near(0, (p:sum(2) - 1):abs():max(), 1e-5)
      local labels = m:predict(X)
      assert.are.equal("int64", labels:dtype())
      assert.is_true(credo.metrics.accuracy(y, labels) >= 0.95)
      assert.is_true(m:evaluate(X, y).accuracy >= 0.95)
    end)

    it("two-class CrossEntropyLoss reports AUC when asked, and early stopping can watch it", function()
      local g = credo.Generator(5)
      local n = 400
      local y = g:randint(0, 1, n)                        -- inclusive bounds: 0 or 1
      local X = (y:double() * 1.5):reshape(n, 1):float() + g:randn(n, 1)
      local net = nn.Sequential(nn.Linear(1, 8, { generator = g }), nn.Tanh(),
        nn.Linear(8, 2, { generator = g }))
      local h = nn.fit(net, nn.CrossEntropyLoss(), optim.Adam(net, { lr = 0.02 }), X, y, {
        epochs = 15, batch_size = 32, seed = 1, verbose = 0, validation_split = 0.25,
        metrics = { "accuracy", "auc" },
        early_stopping = { monitor = "val_auc", patience = 3, restore_best_weights = true } })
      assert.is_table(h.val_auc)
      -- the recorded AUC is the AUC of softmax p(class 1) on the validation rows
      local Xv, yv = X:narrow(1, 301, 100), y:narrow(1, 301, 100)
      local p1 = nn.predict_proba(net, Xv):select(2, 2)
      assert.near(credo.metrics.roc_auc(yv, p1), h.val_auc[h.best_epoch], 1e-6)
      assert.is_true(h.val_auc[h.best_epoch] > 0.8)
      -- three classes: no AUC
      local net3 = nn.Sequential(nn.Linear(1, 3, { generator = g }))
      local ok, err = pcall(nn.fit, net3, nn.CrossEntropyLoss(), optim.Adam(net3), X, y,
        { epochs = 1, verbose = 0, metrics = { "auc" } })
      assert.is_false(ok)
      assert.matches("metric 'auc' with CrossEntropyLoss needs two output columns %(got shape %[400,3%]%)", err)
    end)

    it("class_weight with CrossEntropyLoss becomes its class weights during fit", function()
      local g = credo.Generator(3)
      local X, y = g:randn(30, 2), g:randint(0, 2, 30)
      local net = nn.Sequential(nn.Linear(2, 3, { generator = g }))
      local loss = nn.CrossEntropyLoss()
      local h = nn.fit(net, loss, optim.SGD(net, { lr = 0 }), X, y,
        { epochs = 1, batch_size = 30, class_weight = { [0] = 1, [1] = 2, [2] = 3 }, verbose = 0 })
      assert.is_nil(loss.weight)                       -- restored
      local out = nn.decision_function(net, X)
      local want = nn.CrossEntropyLoss({ weight = credo.tensor { 1, 2, 3 } }):forward(out, y)
      assert.near(want, h.loss[1], 1e-6)
    end)

    it("regression with MSELoss: loss only, predict gives values", function()
      local g = credo.Generator(4)
      local X = g:randn(200, 3)
      local y = X:matmul(credo.tensor { 1, -2, 0.5 }) + 0.1
      local net = nn.Sequential(nn.Linear(3, 1, { generator = g }))
      local m = nn.Model(net, { loss = nn.MSELoss(), optimizer = optim.SGD(net, { lr = 0.1 }),
        fit = { epochs = 30, batch_size = 20, seed = 1, verbose = 0 } })
      m:fit(X, y)
      assert.is_nil(m.history.accuracy)
      assert.is_true(m.history.loss[30] < 1e-4)
      local pred = m:predict(X)
      assert.are.same({ 200, 1 }, pred:size())
      assert.has_error(function() m:predict_proba(X) end,
        "Model:predict_proba: a regression model has no probabilities")
    end)
  end)

  describe("errors", function()
    local X, y = task(30, 4, 1)

    it("refuses a layer as the loss and fractional indices for an Embedding", function()
      local net = mlp(4, 1)
      assert.has_error(function()
        nn.fit(net, nn.Linear(1, 1), optim.SGD(net), X, y, { epochs = 1, verbose = 0 })
      end, "fit: bad argument #2 (expected a loss, got the layer Linear(1 -> 1))")
      local emb = nn.Sequential(nn.Embedding(5, 2), nn.Flatten(), nn.Linear(4, 1))
      assert.has_error(function()
        nn.fit(emb, nn.BCEWithLogitsLoss(), optim.SGD(emb), credo.full({ 10, 2 }, 1.7), credo.zeros(10),
          { epochs = 1, verbose = 0 })
      end, "fit: X holds values that are not whole numbers (NaN or fractions), but the model takes "
        .. "integer indices (an Embedding first)")
      assert.has_no.errors(function()
        nn.fit(emb, nn.BCEWithLogitsLoss(), optim.SGD(emb), credo.full({ 10, 2 }, 2), credo.zeros(10),
          { epochs = 1, verbose = 0 })
      end)
    end)

    it("names the epoch and the batch of a NaN loss", function()
      local net = mlp(4, 1)
      local Xn = X:clone()
      Xn[25][2] = 0 / 0
      assert.has_error(function()
        nn.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net), Xn, y,
          { epochs = 2, batch_size = 10, shuffle = false, verbose = 0 })
      end, "fit: loss is nan at epoch 1, batch 3")
      local net2 = mlp(4, 1)
      assert.has_error(function()
        nn.fit(net2, nn.BCEWithLogitsLoss(), optim.SGD(net2, { lr = 1e30 }), X * 1e30, y,
          { epochs = 3, batch_size = 10, shuffle = false, verbose = 0 })
      end)
      local ok, err = pcall(nn.fit, net2, nn.BCEWithLogitsLoss(), optim.SGD(net2, { lr = 1e30 }),
        X * 1e30, y, { epochs = 3, batch_size = 10, shuffle = false, verbose = 0 })
      assert.is_false(ok)
      assert.matches("^fit: loss is %-?[na][an][nf] at epoch %d, batch %d$", err)
    end)

    it("names the layer on a shape mismatch", function()
      local net = mlp(5, 1)
      assert.has_error(function()
        nn.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net), X, y, { verbose = 0 })
      end, "fit: Sequential layer 1 (Linear(5 -> 16)): bad input shape [30,4] (expected [N,5])")
    end)

    it("checks data, labels and options", function()
      local net = mlp(4, 1)
      local L, O = nn.BCEWithLogitsLoss(), optim.SGD(net)
      local function f(Xa, ya, o) return function() nn.fit(net, L, O, Xa, ya, o) end end
      assert.has_error(f(X, y:narrow(1, 1, 29)), "fit: y has 29 rows but X has 30")
      local y2 = y:clone():fill_(0)
      y2[5] = 2
      assert.has_error(f(X, y2), "fit: y must hold 0/1 labels for BCEWithLogitsLoss() (found 2 at row 5)")
      assert.has_error(f(X, y, { epoch = 3 }), "fit: unknown option 'epoch'")
      assert.has_error(f(X, y, { epochs = 0 }), "fit: option 'epochs' must be an integer >= 1 (got 0)")
      assert.has_error(f(X, y, { validation_split = 1 }),
        "fit: validation_split must be a number in (0, 1) (got 1)")
      assert.has_error(f(X, y, { early_stopping = { monitor = "val_loss" } }),
        "fit: 'val_loss' needs validation data (give validation_data or validation_split)")
      assert.has_error(f(X, y, { early_stopping = { patiense = 2 } }),
        "fit: unknown early_stopping option 'patiense'")
      assert.has_error(f(X, y, { metrics = { "f1" } }),
        "fit: unknown metric 'f1' (metrics are 'accuracy' and 'auc')")
      assert.has_error(f(X, y, { metrics = {}, monitor = "auc" }),
        "fit: cannot monitor 'auc' (the history has loss)")
      assert.has_error(f(X, y, { class_weight = "even" }),
        "fit: class_weight must be 'balanced' or a table {[label] = weight} (got even)")
      assert.has_error(f(X, y, { seed = 1.5 }), "fit: option 'seed' must be an integer (got 1.5)")
      assert.has_error(function() nn.fit(net, L, {}, X, y) end,
        "fit: bad argument #3 (expected an optimiser from credo.optim, got table)")
      assert.has_error(function()
        nn.fit(net, L, O, X, y, { scheduler = optim.ReduceLROnPlateau(O), monitor = "auc" })
      end, "fit: ReduceLROnPlateau has mode 'min' but monitors auc (mode 'max'): build it with { mode = 'max' }")
      local other = optim.SGD(mlp(4, 2))
      assert.has_error(function()
        nn.fit(net, L, O, X, y, { scheduler = optim.StepLR(other, { step_size = 1 }) })
      end, "fit: the schedule StepLR(step_size=1, gamma=0.1; epoch 0) is attached to another optimiser")
    end)
  end)
end)
