-- metrics_spec.lua: credo.metrics against scikit-learn 1.2 fixtures
-- (tests/fixtures/metrics_sklearn.json, made by
-- bench/peers/make_metrics_fixtures.py) to 1e-12, every edge case and error
-- message, and the bootstrap's promises.  The largest difference seen per
-- metric is printed at the end.
local credo = require "credo"
local json = require "json"
local m = credo.metrics

local fx = json.read("tests/fixtures/metrics_sklearn.json")
local TOL = 1e-12

local function plain(list)
  local t = {}
  for i = 1, list.n or #list do t[i] = list[i] == "nan" and 0 / 0 or list[i] end
  return t
end
local function I(list) return credo.tensor(plain(list), "int64") end
local function F(list) return credo.tensor(plain(list), "float64") end
local function num(v) if v == "nan" then return 0 / 0 end return v end

local worst = {}
local function note(name, d)
  if worst[name] == nil or d > worst[name] then worst[name] = d end
end

-- got: number, tensor or table; want: number or fixture list
local function check(name, got, want, tol)
  tol = tol or TOL
  if type(want) ~= "table" then
    want = num(want)
    assert.is_number(got)
    if want ~= want then
      assert.is_true(got ~= got, name .. ": expected NaN")
      note(name, 0)
      return
    end
    local d = math.abs(got - want) / math.max(1, math.abs(want))
    note(name, d)
    assert(d <= tol, ("%s: got %.17g, want %.17g"):format(name, got, want))
    return
  end
  local g = type(got) == "table" and got or got:contiguous():view(-1):totable()
  local w = plain(want)
  assert.are.equal(#w, #g, name .. ": lengths")
  local dmax = 0
  for i = 1, #w do
    if w[i] ~= w[i] then
      assert(g[i] ~= g[i], ("%s[%d]: got %.17g, want NaN"):format(name, i, g[i]))
    else
      local d = math.abs(g[i] - w[i]) / math.max(1, math.abs(w[i]))
      dmax = math.max(dmax, d)
      assert(d <= tol, ("%s[%d]: got %.17g, want %.17g"):format(name, i, g[i], w[i]))
    end
  end
  note(name, dmax)
end

describe("metrics", function()
  teardown(function()
    local names = {}
    for k in pairs(worst) do names[#names + 1] = k end
    table.sort(names)
    local parts = {}
    for _, k in ipairs(names) do parts[#parts + 1] = ("%s %.3g"):format(k, worst[k]) end
    print("\nmetrics parity, max relative difference vs sklearn 1.2: " ..
          table.concat(parts, ", "))
  end)

  describe("parity with scikit-learn 1.2", function()
    for _, c in ipairs(fx.binary) do
      local o = c.out
      local y, s, w, yp = I(c.y), F(c.score), F(c.weight), I(c.y_pred)
      local two = o.roc_auc ~= nil
      for _, tag in ipairs { "", "_w" } do
        local opts = tag == "_w" and { sample_weight = w } or nil
        local function with(t)
          local r = {}
          for k, v in pairs(t) do r[k] = v end
          if opts then r.sample_weight = w end
          return r
        end
        it(c.name .. tag .. ": ranking metrics and curves", function()
          if two then check("roc_auc", m.roc_auc(y, s, opts), o["roc_auc" .. tag]) end
          local fpr, tpr, thr = m.roc_curve(y, s, opts)
          check("roc_curve", fpr, o["roc_fpr" .. tag])
          check("roc_curve", tpr, o["roc_tpr" .. tag])
          check("roc_curve", thr, o["roc_thr" .. tag])
          fpr, tpr, thr = m.roc_curve(y, s, with { drop_intermediate = false })
          check("roc_curve", fpr, o["rocall_fpr" .. tag])
          check("roc_curve", tpr, o["rocall_tpr" .. tag])
          check("roc_curve", thr, o["rocall_thr" .. tag])
          local p, r, t = m.precision_recall_curve(y, s, opts)
          check("precision_recall_curve", p, o["pr_precision" .. tag])
          check("precision_recall_curve", r, o["pr_recall" .. tag])
          check("precision_recall_curve", t, o["pr_thr" .. tag])
          check("average_precision", m.average_precision(y, s, opts), o["average_precision" .. tag])
          check("average_precision", m.average_precision(y, s, with { pos_label = 0 }),
                o["average_precision_pos0" .. tag])
          check("pr_auc", m.pr_auc(y, s, opts), o["pr_auc" .. tag])
        end)
        it(c.name .. tag .. ": probability metrics", function()
          if c.name ~= "only_negative" then
            -- sklearn 1.2 brier_score_loss takes the only label present as
            -- the positive class; credo keeps pos_label = 1 (see below)
            check("brier_score", m.brier_score(y, s, opts), o["brier" .. tag])
          end
          if two then
            check("log_loss", m.log_loss(y, s, opts), o["log_loss" .. tag])
            check("log_loss", m.log_loss(y, s, with { eps = 1e-15 }), o["log_loss_eps15" .. tag])
          end
        end)
        it(c.name .. tag .. ": label metrics", function()
          check("accuracy", m.accuracy(y, yp, opts), o["accuracy" .. tag])
          check("balanced_accuracy", m.balanced_accuracy(y, yp, opts), o["balanced_accuracy" .. tag])
          for _, avg in ipairs { "binary", "micro", "macro", "weighted" } do
            local a = with { average = avg }
            check("precision", m.precision(y, yp, a), o["precision_" .. avg .. tag])
            check("recall", m.recall(y, yp, a), o["recall_" .. avg .. tag])
            check("f1", m.f1(y, yp, a), o["f1_" .. avg .. tag])
          end
          check("f1", m.f1(y, yp, with { pos_label = 0 }), o["f1_pos0" .. tag])
          check("fbeta", m.fbeta(y, yp, with { beta = 2 }), o["fbeta2" .. tag])
          local cm = m.confusion_matrix(y, yp, opts)
          assert.are.equal(tag == "" and "int64" or "float64", cm:dtype())
          check("confusion_matrix", cm, o["confusion" .. tag])
          local _, text = m.classification_report(y, yp, with { digits = 4 })
          assert.are.equal(o["report" .. tag], text)
        end)
      end
      if two then
        it(c.name .. ": KS, Gini, cost curve", function()
          local ks, thr = m.ks_statistic(y, s)
          check("ks_statistic", ks, o.ks)
          check("ks_statistic", ks, o.ks_rates)
          check("ks_statistic", thr, o.ks_threshold)
          check("gini", m.gini(y, s), o.gini)
          for _, tag in ipairs { "", "_w" } do
            local pc, nec, area = m.cost_curve(y, s, tag == "_w" and { sample_weight = w } or nil)
            assert.are.equal(101, pc:size(1))
            check("cost_curve", nec, o["cost_nec" .. tag])
            check("cost_curve area", area, o["cost_area" .. tag], 1e-9)
          end
        end)
      end
      it(c.name .. ": calibration_curve", function()
        for _, strategy in ipairs { "uniform", "quantile" } do
          for _, nb in ipairs { 5, 10 } do
            local pt, pp = m.calibration_curve(y, s, { n_bins = nb, strategy = strategy })
            local key = ("calib_%s_%d_"):format(strategy, nb)
            check("calibration_curve", pt, o[key .. "true"])
            check("calibration_curve", pp, o[key .. "pred"])
          end
        end
      end)
    end

    local mc = fx.multiclass
    local y, yp, w = I(mc.y), I(mc.y_pred), F(mc.weight)
    local P = credo.tensor(plain(mc.proba), "float64"):view(mc.y.n, mc.k)
    for _, tag in ipairs { "", "_w" } do
      local o = mc.out
      local function with(t)
        if tag == "_w" then t.sample_weight = w end
        return t
      end
      it("multiclass" .. tag .. ": averages, labels subsets, confusion, log loss", function()
        check("accuracy", m.accuracy(y, yp, with {}), o["accuracy" .. tag])
        check("balanced_accuracy", m.balanced_accuracy(y, yp, with {}), o["balanced_accuracy" .. tag])
        check("balanced_accuracy", m.balanced_accuracy(y, yp, with { adjusted = true }),
              o["balanced_accuracy_adj" .. tag])
        for _, avg in ipairs { "micro", "macro", "weighted" } do
          check("precision", m.precision(y, yp, with { average = avg }), o["precision_" .. avg .. tag])
          check("recall", m.recall(y, yp, with { average = avg }), o["recall_" .. avg .. tag])
          check("f1", m.f1(y, yp, with { average = avg }), o["f1_" .. avg .. tag])
          check("precision", m.precision(y, yp, with { average = avg, labels = { 2, 0 } }),
                o["precision_" .. avg .. "_sub" .. tag])
          check("f1", m.f1(y, yp, with { average = avg, labels = { 2, 0 } }),
                o["f1_" .. avg .. "_sub" .. tag])
        end
        local p, r, f, s, labels = m.precision_recall_fscore(y, yp, with { average = "none" })
        assert.are.same({ 0, 1, 2, 3 }, labels)
        check("precision", p, o["precision_none" .. tag])
        check("recall", r, o["recall_none" .. tag])
        check("f1", f, o["f1_none" .. tag])
        check("support", s, o["support_none" .. tag])
        check("confusion_matrix", m.confusion_matrix(y, yp, with {}), o["confusion" .. tag])
        local sub, sl = m.confusion_matrix(y, yp, with { labels = { 3, 1 } })
        assert.are.same({ 3, 1 }, sl)
        check("confusion_matrix", sub, o["confusion_sub" .. tag])
        for _, nm in ipairs { "true", "pred", "all" } do
          check("confusion_matrix", m.confusion_matrix(y, yp, with { normalize = nm }),
                o["confusion_" .. nm .. tag])
        end
        check("log_loss", m.log_loss(y, P, with {}), o["log_loss" .. tag])
        local _, text = m.classification_report(y, yp, with {
          target_names = { "bad", "good", "ugly", "other" } })
        assert.are.equal(o["report" .. tag], text)
        _, text = m.classification_report(y, yp, with { labels = { 2, 0 } })
        assert.are.equal(o["report_sub" .. tag], text)
      end)
    end

    it("bootstrap percentiles are numpy's linear percentiles", function()
      local v = plain(fx.percentile.values)
      table.sort(v)
      for i, q in ipairs(plain(fx.percentile.q)) do
        check("percentile", m._quantile(v, q / 100), fx.percentile.out[i], 0)
      end
    end)
  end)

  describe("roc_auc()", function()
    local y = credo.tensor({ 0, 0, 1, 1 }, "int64")
    local s = credo.tensor({ 0.1, 0.4, 0.35, 0.8 }, "float64")
    it("is 0.5 for all-equal scores", function()
      assert.are.equal(0.5, m.roc_auc(y, credo.tensor({ 3, 3, 3, 3 })))
      assert.are.equal(0.5, m.roc_auc(y, credo.tensor({ 3, 3, 3, 3 }),
        { sample_weight = credo.tensor({ 1, 2, 3, 4 }, "float64") }))
    end)
    it("accepts float32 and int64 scores, float labels and strided views", function()
      assert.are.equal(0.75, m.roc_auc(y, credo.tensor({ 0.1, 0.4, 0.35, 0.8 })))
      assert.are.equal(0.75, m.roc_auc(y, credo.tensor({ 1, 4, 3, 8 }, "int64")))
      assert.are.equal(0.75, m.roc_auc(credo.tensor({ 0, 0, 1, 1 }, "float64"), s))
      local a = credo.tensor({ { 9, 0.1 }, { 9, 0.4 }, { 9, 0.35 }, { 9, 0.8 } }, "float64")
      local col = a:select(2, 2)
      assert.is_false(col:is_contiguous())
      assert.are.equal(0.75, m.roc_auc(y, col))
    end)
    it("ties -0.0 with +0.0", function()
      assert.are.equal(0.5, m.roc_auc(credo.tensor({ 0, 1 }, "int64"),
                                      credo.tensor({ 0.0, -0.0 }, "float64")))
    end)
    it("errors when only one class is present", function()
      assert.has_error(function() m.roc_auc(credo.tensor({ 1, 1, 1 }, "int64"), credo.tensor({ 1, 2, 3 })) end,
        "bad argument #1 to 'roc_auc' (only one class present in y_true; ROC AUC is not defined)")
      assert.has_error(function()
        m.roc_auc(y, s, { sample_weight = credo.tensor({ 1, 1, 0, 0 }, "float64") })
      end, "bad argument #3 to 'roc_auc' (sample_weight is zero on every sample of one class; "
        .. "ROC AUC is not defined)")
    end)
    it("errors on empty input", function()
      local e = credo.tensor({}, "int64")
      assert.has_error(function() m.roc_auc(e, credo.tensor({}, "float64")) end,
        "bad argument #1 to 'roc_auc' (y_true is empty)")
    end)
    it("errors on NaN and infinite scores, naming the argument", function()
      assert.has_error(function() m.roc_auc(y, credo.tensor({ 0.1, 0 / 0, 0.3, 0.4 })) end,
        "bad argument #2 to 'roc_auc' (y_score contains NaN at index 2)")
      assert.has_error(function() m.roc_auc(y, credo.tensor({ 0.1, 0.2, 0.3, math.huge }, "float64")) end,
        "bad argument #2 to 'roc_auc' (y_score contains inf at index 4)")
    end)
    it("errors on length mismatch with both lengths", function()
      assert.has_error(function() m.roc_auc(y, credo.tensor({ 0.1, 0.2, 0.3 })) end,
        "bad argument #2 to 'roc_auc' (y_score has 3 elements but y_true has 4)")
    end)
    it("errors on labels outside 0/1 and on non-integer labels", function()
      assert.has_error(function() m.roc_auc(credo.tensor({ 0, 2, 1, 1 }, "int64"), s) end,
        "bad argument #1 to 'roc_auc' (y_true must hold 0/1 labels for a binary metric, "
        .. "found 2 at index 2)")
      assert.has_error(function() m.roc_auc(credo.tensor({ 0, 0.5, 1, 1 }, "float64"), s) end,
        "bad argument #1 to 'roc_auc' (y_true must hold integer class labels in 0..16777215, "
        .. "found 0.5 at index 2)")
      assert.has_error(function() m.roc_auc(credo.tensor({ 0, -1, 1, 1 }, "int64"), s) end,
        "bad argument #1 to 'roc_auc' (y_true must hold integer class labels in 0..16777215, "
        .. "found -1 at index 2)")
    end)
    it("errors on wrong types, shapes and options", function()
      assert.has_error(function() m.roc_auc({ 0, 1 }, s) end,
        "bad argument #1 to 'roc_auc' (y_true: expected a 1-d tensor, got table)")
      assert.has_error(function() m.roc_auc(y, credo.zeros(2, 2)) end,
        "bad argument #2 to 'roc_auc' (y_score: expected a 1-d tensor, got shape [2,2])")
      assert.has_error(function() m.roc_auc(y, s, { sample_wieght = s }) end,
        "bad argument #3 to 'roc_auc' (unknown option 'sample_wieght')")
      assert.has_error(function() m.roc_auc(y, s, 5) end,
        "bad argument #3 to 'roc_auc' (expected a table of options, got number)")
    end)
    it("checks sample weights", function()
      local function sw(t) return { sample_weight = credo.tensor(t, "float64") } end
      assert.has_error(function() m.roc_auc(y, s, sw { 1, 1, 1 }) end,
        "bad argument #3 to 'roc_auc' (sample_weight has 3 elements but y_true has 4)")
      assert.has_error(function() m.roc_auc(y, s, sw { 1, -1, 1, 1 }) end,
        "bad argument #3 to 'roc_auc' (sample_weight must be >= 0, found -1 at index 2)")
      assert.has_error(function() m.roc_auc(y, s, sw { 1, 0 / 0, 1, 1 }) end,
        "bad argument #3 to 'roc_auc' (sample_weight contains NaN at index 2)")
      assert.has_error(function() m.roc_auc(y, s, sw { 0, 0, 0, 0 }) end,
        "bad argument #3 to 'roc_auc' (sample_weight sums to zero)")
      -- finite weights whose total overflows gave NaN metrics
      assert.has_error(function() m.roc_auc(y, s, sw { 1e308, 1e308, 1, 1 }) end,
        "bad argument #3 to 'roc_auc' (sample_weight sums to inf, too large for weighted sums (rescale the weights))")
    end)
    it("equals the pair count on a large sample with ties (fast path vs weighted walk)", function()
      local n = 20000
      local g = credo.Generator(3)
      local yy, ss = {}, {}
      for i = 1, n do
        yy[i] = g:uniform() < 0.3 and 1 or 0
        ss[i] = math.floor((g:uniform() + 0.2 * yy[i]) * 100) / 100
      end
      local yt, st = credo.tensor(yy, "int64"), credo.tensor(ss, "float64")
      local fast = m.roc_auc(yt, st)
      local walk = m.roc_auc(yt, st, { sample_weight = credo.ones({ n }, "float64") })
      local fpr, tpr = m.roc_curve(yt, st)
      local f, t = fpr:totable(), tpr:totable()
      local trap = 0
      for i = 1, #f - 1 do trap = trap + (f[i + 1] - f[i]) * (t[i + 1] + t[i]) / 2 end
      assert(math.abs(fast - walk) < 1e-14)
      assert(math.abs(fast - trap) < 1e-14)
      assert.are.equal(2 * fast - 1, m.gini(yt, st))
    end)
  end)

  describe("single-class and degenerate inputs", function()
    local y0 = credo.tensor({ 0, 0, 0 }, "int64")
    local s = credo.tensor({ 0.2, 0.5, 0.9 }, "float64")
    it("roc_curve gives NaN rates when a class is absent (as sklearn)", function()
      local fpr, tpr = m.roc_curve(y0, s)
      assert.is_true(tpr:get(1) ~= tpr:get(1))
      assert.are.equal(1, fpr:get(fpr:size(1)))
    end)
    it("average precision is 0 with no positives, pr curve recall is 1", function()
      assert.are.equal(0, m.average_precision(y0, s))
      local _, r = m.precision_recall_curve(y0, s)
      assert.are.same({ 1, 1, 1, 0 }, r:totable())
    end)
    it("ks_statistic and cost_curve need both classes", function()
      assert.has_error(function() m.ks_statistic(y0, s) end,
        "bad argument #1 to 'ks_statistic' (only one class present in y_true; "
        .. "the KS statistic is not defined)")
      assert.has_error(function() m.cost_curve(y0, s) end,
        "bad argument #1 to 'cost_curve' (only one class present in y_true; "
        .. "the cost curve is not defined)")
    end)
    it("brier and log loss are defined with one class (labels are 0/1 by convention)", function()
      -- sklearn 1.2 brier_score_loss would take the lone label 0 as positive
      assert.are.equal((0.04 + 0.25 + 0.81) / 3, m.brier_score(y0, s))
      local want = -(math.log(0.8) + math.log(0.5) + math.log(0.1 + 0.0)) / 3
      assert(math.abs(m.log_loss(y0, s) - want) < 1e-15)
    end)
    it("precision with no predicted positives is zero_division", function()
      local yt = credo.tensor({ 0, 1, 1 }, "int64")
      local yp = credo.tensor({ 0, 0, 0 }, "int64")
      assert.are.equal(0, m.precision(yt, yp))
      assert.are.equal(1, m.precision(yt, yp, { zero_division = 1 }))
      assert.are.equal(0, m.f1(yt, yp, { zero_division = 1 }))
      assert.are.equal(1, m.f1(credo.tensor({ 0, 0 }, "int64"), credo.tensor({ 0, 0 }, "int64"),
                               { zero_division = 1 }))
    end)
    it("brier and calibration check probabilities", function()
      assert.has_error(function() m.brier_score(y0, credo.tensor({ 0.2, 1.5, 0.1 })) end,
        "bad argument #2 to 'brier_score' (y_prob must lie in [0, 1], found 1.5 at index 2)")
      assert.has_error(function() m.calibration_curve(y0, credo.tensor({ -0.5, 0.5, 0.1 }, "float64")) end,
        "bad argument #2 to 'calibration_curve' (y_prob must lie in [0, 1], found -0.5 at index 1)")
    end)
  end)

  describe("label metrics", function()
    local yt = credo.tensor({ 0, 1, 2, 0, 1, 2 }, "int64")
    local yp = credo.tensor({ 0, 2, 1, 0, 0, 1 }, "int64")
    it("binary average refuses more than two classes", function()
      assert.has_error(function() m.f1(yt, yp) end,
        "bad argument #1 to 'f1' (y_true must hold 0/1 labels for average='binary' (use "
        .. "'macro', 'weighted' or 'micro' for more classes), found 2 at index 3)")
    end)
    it("checks options", function()
      assert.has_error(function() m.f1(yt, yp, { average = "samples" }) end,
        "bad argument #3 to 'f1' (average must be 'binary', 'micro', 'macro', 'weighted' "
        .. "or 'none', got 'samples')")
      assert.has_error(function() m.f1(yt, yp, { average = "macro", zero_division = 2 }) end,
        "bad argument #3 to 'f1' (zero_division must be 0 or 1, got 2)")
      assert.has_error(function() m.fbeta(yt, yp, { average = "macro" }) end,
        "bad argument #3 to 'fbeta' (beta must be a number >= 0, got nil)")
      assert.has_error(function() m.confusion_matrix(yt, yp, { labels = { 7 } }) end,
        "bad argument #3 to 'confusion_matrix' (labels: none of the given labels is present "
        .. "in y_true)")
      assert.has_error(function() m.confusion_matrix(yt, yp, { labels = { 1, 1 } }) end,
        "bad argument #3 to 'confusion_matrix' (labels: 1 is given twice)")
      assert.has_error(function() m.accuracy(yt, credo.tensor({ 1, 2 }, "int64")) end,
        "bad argument #2 to 'accuracy' (y_pred has 2 elements but y_true has 6)")
      assert.has_error(function() m.classification_report(yt, yp, { target_names = { "a" } }) end,
        "bad argument #3 to 'classification_report' (target_names must be a table of 3 names "
        .. "(one per label))")
    end)
    it("per-class results come with their labels", function()
      local f, labels = m.f1(yt, yp, { average = "none" })
      assert.are.same({ 0, 1, 2 }, labels)
      assert.are.same({ 0.8, 0, 0 }, f:totable())
    end)
    it("classification_report returns the table as well", function()
      local rep = m.classification_report(yt, yp)
      assert.are.equal(2, rep["0"].support)
      assert.are.equal(1, rep["0"].recall)
      assert(math.abs(rep.accuracy - 1 / 3) < 1e-15)
      assert(math.abs(rep["macro avg"].f1 - 0.8 / 3) < 1e-15)
      assert.are.equal(6, rep["weighted avg"].support)
    end)
  end)

  describe("log_loss()", function()
    it("defaults eps to the machine epsilon of the dtype (sklearn 1.2 'auto')", function()
      local y = credo.tensor({ 1 }, "int64")
      local p64 = credo.tensor({ 0 }, "float64")
      local eps64 = 2 ^ -52
      assert.are.equal(-math.log(eps64 / ((1 - eps64) + eps64)), m.log_loss(y, p64))
      local eps32 = 2 ^ -23
      assert.are.equal(-math.log(eps32 / ((1 - eps32) + eps32)), m.log_loss(y, credo.tensor({ 0 })))
      assert.are.equal(-math.log(1e-15 / ((1 - 1e-15) + 1e-15)), m.log_loss(y, p64, { eps = 1e-15 }))
    end)
    it("checks multiclass labels against the columns", function()
      assert.has_error(function()
        m.log_loss(credo.tensor({ 0, 3 }, "int64"), credo.tensor({ { 0.5, 0.5 }, { 0.2, 0.8 } }, "float64"))
      end, "bad argument #1 to 'log_loss' (y_true has label 3 at index 2 but y_pred has 2 columns)")
      assert.has_error(function()
        m.log_loss(credo.tensor({ 0, 1 }, "int64"), credo.tensor({ { 0.5, 0 / 0 }, { 0.2, 0.8 } }, "float64"))
      end, "bad argument #2 to 'log_loss' (y_pred contains NaN at [1,2])")
    end)
  end)

  describe("cost_curve()", function()
    it("is zero for a perfect score and min(pc, 1 - pc) for a useless one", function()
      local y = credo.tensor({ 0, 0, 1, 1 }, "int64")
      local pc, nec, area = m.cost_curve(y, credo.tensor({ 1, 2, 3, 4 }), { n = 11 })
      assert.are.same({ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, nec:totable())
      assert.are.equal(0, area)
      pc, nec, area = m.cost_curve(y, credo.tensor({ 1, 1, 1, 1 }), { n = 11 })
      for i = 1, 11 do
        local x = pc:get(i)
        assert(math.abs(nec:get(i) - math.min(x, 1 - x)) < 1e-15)
      end
      assert(math.abs(area - 0.25) < 1e-15)
    end)
  end)

  describe("bootstrap_ci()", function()
    local g = credo.Generator(11)
    local n = 300
    local yy, ss, ww = {}, {}, {}
    for i = 1, n do
      yy[i] = g:uniform() < 0.3 and 1 or 0
      ss[i] = math.floor((g:uniform() * 0.8 + 0.2 * yy[i]) * 50) / 50
      ww[i] = 0.5 + g:uniform()
    end
    local y, s, w = credo.tensor(yy, "int64"), credo.tensor(ss, "float64"), credo.tensor(ww, "float64")
    local yp = credo.tensor((function()
      local t = {}
      for i = 1, n do t[i] = ss[i] >= 0.5 and 1 or 0 end
      return t
    end)(), "int64")

    it("native replicates equal the Lua path on the same resamples", function()
      for _, name in ipairs { "roc_auc", "gini", "average_precision", "pr_auc", "ks_statistic",
                              "brier_score", "log_loss" } do
        for _, weighted in ipairs { false, true } do
          local o = { n = 40, seed = 5, sample_weight = weighted and w or nil }
          local e1, lo1, hi1, i1 = m.bootstrap_ci(name, y, s, o)
          local fn = m[name]
          local e2, lo2, hi2, i2 = m.bootstrap_ci(function(a, b, op) return (fn(a, b, op)) end, y, s, o)
          assert.are.equal(e1, e2)
          local tol = weighted and name ~= "brier_score" and name ~= "log_loss" and 1e-13 or 0
          for b = 1, 40 do
            assert(math.abs(i1.values[b] - i2.values[b]) <= tol,
                   ("%s replicate %d: %.17g vs %.17g"):format(name, b, i1.values[b], i2.values[b]))
          end
          assert(math.abs(lo1 - lo2) <= tol and math.abs(hi1 - hi2) <= tol)
        end
      end
      for _, name in ipairs { "accuracy", "balanced_accuracy", "precision", "recall", "f1" } do
        local o = { n = 40, seed = 6 }
        local _, _, _, i1 = m.bootstrap_ci(name, y, yp, o)
        local fn = m[name]
        local _, _, _, i2 = m.bootstrap_ci(function(a, b, op) return (fn(a, b, op)) end, y, yp, o)
        assert.are.same(i1.values, i2.values)
      end
    end)
    it("gives the same bits at any thread count", function()
      local before = credo.threads()
      credo.threads(1)
      local _, lo1, hi1, i1 = m.bootstrap_ci(m.roc_auc, y, s, { n = 64, seed = 9 })
      credo.threads(2)
      local _, lo2, hi2, i2 = m.bootstrap_ci(m.roc_auc, y, s, { n = 64, seed = 9 })
      credo.threads(before)
      assert.are.same(i1.values, i2.values)
      assert.are.equal(lo1, lo2)
      assert.are.equal(hi1, hi2)
    end)
    it("brackets the estimate and is reproducible from the seed or a generator", function()
      local est, lo, hi, info = m.bootstrap_ci("roc_auc", y, s, { n = 200, seed = 1 })
      assert.are.equal(m.roc_auc(y, s), est)
      assert(lo < est and est < hi)
      assert.are.equal(200, info.n_valid)
      local _, lo2, hi2 = m.bootstrap_ci("roc_auc", y, s, { n = 200, seed = 1 })
      assert.are.equal(lo, lo2)
      assert.are.equal(hi, hi2)
      local _, lo3 = m.bootstrap_ci("roc_auc", y, s, { n = 200, generator = credo.Generator(4) })
      local _, lo4 = m.bootstrap_ci("roc_auc", y, s, { n = 200, generator = credo.Generator(4) })
      assert.are.equal(lo3, lo4)
      local _, _, _, i90 = m.bootstrap_ci("roc_auc", y, s, { n = 200, seed = 1, alpha = 0.1 })
      assert.are.same(info.values, i90.values)
    end)
    it("stratified resamples keep the class counts; plain ones may lose a class", function()
      local yt = credo.tensor({ 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, "int64")
      local st = credo.tensor({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 })
      local _, _, _, si = m.bootstrap_ci("roc_auc", yt, st, { n = 50, seed = 2 })
      assert.are.equal(50, si.n_valid)
      local _, _, _, pi = m.bootstrap_ci("roc_auc", yt, st, { n = 50, seed = 2, stratified = false })
      assert(pi.n_valid < 50)
    end)
    it("passes metric_opts and runs any Lua metric", function()
      local est = m.bootstrap_ci(m.f1, y, yp, { n = 10, seed = 3, metric_opts = { pos_label = 0 } })
      assert.are.equal(m.f1(y, yp, { pos_label = 0 }), est)
      local calls = 0
      local e = m.bootstrap_ci(function(a) calls = calls + 1; return a:size(1) end, y, s,
                               { n = 7, seed = 1 })
      assert.are.equal(n, e)
      assert.are.equal(8, calls)
    end)
    it("resamples rows of (n, k) probabilities for multiclass log loss", function()
      local yk = credo.tensor({ 0, 1, 2, 1, 0, 2 }, "int64")
      local P = credo.tensor({ { 0.7, 0.2, 0.1 }, { 0.2, 0.5, 0.3 }, { 0.1, 0.1, 0.8 },
                               { 0.3, 0.4, 0.3 }, { 0.6, 0.3, 0.1 }, { 0.2, 0.2, 0.6 } }, "float64")
      local est, lo, hi, info = m.bootstrap_ci("log_loss", yk, P, { n = 30, seed = 2 })
      assert.are.equal(m.log_loss(yk, P), est)
      assert.are.equal(30, info.n_valid)
      assert(lo <= hi)
    end)
    it("checks its arguments", function()
      assert.has_error(function() m.bootstrap_ci("auc", y, s) end,
        "bad argument #1 to 'bootstrap_ci' (unknown metric 'auc')")
      assert.has_error(function() m.bootstrap_ci(m.roc_auc, y, s, { n = 0 }) end,
        "bad argument #4 to 'bootstrap_ci' (n must be >= 1, got 0)")
      assert.has_error(function() m.bootstrap_ci(m.roc_auc, y, s, { alpha = 1.5 }) end,
        "bad argument #4 to 'bootstrap_ci' (alpha must be a number in (0, 1), got 1.5)")
      assert.has_error(function() m.bootstrap_ci(m.roc_auc, y, credo.tensor({ 1, 2 }), { seed = 1 }) end,
        "bad argument #3 to 'bootstrap_ci' (y_score has 2 elements but y_true has 300)")
      assert.has_error(function() m.bootstrap_ci(function() return "x" end, y, s, { seed = 1, n = 2 }) end,
        "bad argument #1 to 'bootstrap_ci' (the metric must return a number, got string)")
    end)
  end)
end)
