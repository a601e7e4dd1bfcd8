-- examples/report_demo.lua: a small report with every kind of credo figure,
-- drawn from synthetic data (seeded), so the report machinery can be seen
-- and tested without training anything.
--
--   credo examples/report_demo.lua                  -- runs/report_demo-<date-time>/
--   credo examples/report_demo.lua --out /tmp/demo --set n=2000
--   credo examples/report_demo.lua --help
--
-- The scores are two logistic "models" of a latent risk with different
-- noise; the training curves are exponential decays with noise.  Nothing
-- here is a real result: tests/spec/report_spec.lua renders this report in
-- headless Chromium.
local credo = require "credo"
local plot, recipe = credo.plot, credo.recipe

local P = recipe.params {
  name = "report_demo", seed = 42,
  description = "Every figure type of credo.plot on synthetic data.",
  { "n", 800, "synthetic applicants" },
  { "positive_rate", 0.3, "share of defaults" },
  { "epochs", 30, "length of the synthetic training curves" },
  { "band_replicates", 200, "bootstrap replicates of the ROC band" },
  quick = { n = 300, epochs = 8, band_replicates = 50 },
}

local function sigmoid(z) return 1 / (1 + math.exp(-z)) end

recipe.run(P, function(p, r)
  local g = credo.Generator(P.seed)
  local y, strong, weak, feats = {}, {}, {}, { {}, {}, {}, {} }
  r:stage("data", function()
    for i = 1, p.n do
      local c = g:uniform() < p.positive_rate and 1 or 0
      y[i] = c
      local risk = g:normal() + 1.7 * c
      strong[i] = sigmoid(risk - 1.2 + 0.6 * g:normal())
      weak[i] = sigmoid(0.6 * risk - 0.9 + 1.1 * g:normal())
      feats[1][i] = risk + g:normal()
      feats[2][i] = -0.5 * risk + g:normal()
      feats[3][i] = g:normal()
      feats[4][i] = 0.7 * feats[1][i] + 0.5 * g:normal()
    end
  end)
  local yt = credo.tensor(y, "int64")
  local s1, s2 = credo.tensor(strong, "float64"), credo.tensor(weak, "float64")
  local m = credo.metrics

  r:section("Data")
  r:text(("%d synthetic applicants, %.0f %% defaults (seed %d).  Two score models: "
          .. "*strong* and *weak*, noisy views of one latent risk."):format(p.n, 100 * p.positive_rate, P.seed))
  local pos = 0
  for i = 1, p.n do pos = pos + y[i] end
  r:figure("labels", plot.pie { title = "Labels", labels = { "good", "bad" }, values = { p.n - pos, pos } },
           "Share of each label")
  local names = { "risk", "income", "noise", "debt" }
  local corr, pv = {}, {}
  for a = 1, 4 do
    corr[a], pv[a] = {}, {}
    for b = 1, 4 do
      local xa, xb = feats[a], feats[b]
      local ma, mb = 0, 0
      for i = 1, p.n do ma, mb = ma + xa[i], mb + xb[i] end
      ma, mb = ma / p.n, mb / p.n
      local sab, saa, sbb = 0, 0, 0
      for i = 1, p.n do
        sab = sab + (xa[i] - ma) * (xb[i] - mb)
        saa, sbb = saa + (xa[i] - ma) ^ 2, sbb + (xb[i] - mb) ^ 2
      end
      local rho = sab / math.sqrt(saa * sbb)
      corr[a][b] = rho
      -- large-sample test of rho = 0: z = rho sqrt(n - 3) ... two-sided p
      -- from the normal tail (erfc by Abramowitz & Stegun 7.1.26)
      local z = math.abs(0.5 * math.log((1 + math.min(rho, 0.999999)) / (1 - math.min(rho, 0.999999)))) * math.sqrt(p.n - 3)
      local t = 1 / (1 + 0.3275911 * z / math.sqrt(2))
      local erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
                   * math.exp(-z * z / 2)
      pv[a][b] = erfc
    end
  end
  r:figure("correlation", plot.correlation { title = "Feature correlations", matrix = corr, labels = names, pvalues = pv },
           "Pearson correlations; stars mark significance (Fisher z test)")
  local groups = {}
  for k = 1, 4 do groups[k] = { name = names[k], values = feats[k] } end
  r:figure("features_box", plot.box { title = "Feature distributions", groups = groups, ylabel = "value" },
           "Box plots (whiskers at 1.5 IQR)")
  r:figure("features_violin", plot.box { title = "Feature densities", groups = groups, violin = true, ylabel = "value" },
           "Violin plots (Gaussian kernel, Scott's bandwidth)")

  r:section("Training")
  local ep, tl, vl, ta, va = {}, {}, {}, {}, {}
  for e = 1, p.epochs do
    ep[e] = e
    tl[e] = 0.45 * math.exp(-e / 6) + 0.25 + 0.01 * g:normal()
    vl[e] = 0.45 * math.exp(-e / 7) + 0.29 + 0.0015 * e + 0.012 * g:normal()
    ta[e] = 0.88 - 0.2 * math.exp(-e / 5) + 0.008 * g:normal()
    va[e] = 0.85 - 0.2 * math.exp(-e / 5) + 0.01 * g:normal()
  end
  r:figure("loss", plot.line { title = "Loss per epoch", xlabel = "epoch", ylabel = "binary cross-entropy",
    series = { { name = "train", x = ep, y = tl }, { name = "validation", x = ep, y = vl, dash = "6 4" } } },
    "Training and validation loss", { paper = "Fig. 3" })
  r:figure("accuracy", plot.line { title = "Accuracy per epoch", xlabel = "epoch", ylabel = "accuracy",
    series = { { name = "train", x = ep, y = ta }, { name = "validation", x = ep, y = va, dash = "6 4" } } },
    "Training and validation accuracy", { paper = "Fig. 4" })

  r:section("Evaluation")
  local rows, models = {}, { { "strong", s1 }, { "weak", s2 } }
  local paper = { strong = 0.86, weak = 0.70 }
  r:stage("evaluate", function()
    for _, mdl in ipairs(models) do
      local auc, lo, hi = m.bootstrap_ci("roc_auc", yt, mdl[2], { n = p.band_replicates, seed = P.seed })
      rows[#rows + 1] = { model = mdl[1], metric = "ROC-AUC", paper = paper[mdl[1]], measured = auc, ci = { lo, hi } }
      r:metric(mdl[1] .. "_auc", auc)
    end
  end)
  r:paper_table("auc", rows, { caption = "ROC-AUC with 95 % bootstrap intervals (the 'paper' values are made up)",
                               paper = "Table 1" })
  r:figure("roc", plot.roc { title = "ROC curves", seed = P.seed, band_n = p.band_replicates, curves = {
    { name = "strong", y_true = yt, score = s1, band = true }, { name = "weak", y_true = yt, score = s2 } } },
    "ROC curves; the band is a 95 % pointwise bootstrap interval")
  r:figure("pr", plot.pr { title = "Precision-recall curves", curves = {
    { name = "strong", y_true = yt, score = s1 }, { name = "weak", y_true = yt, score = s2 } } },
    "Precision-recall curves (AP = step-wise average precision)")
  r:figure("calibration", plot.calibration { title = "Reliability", curves = {
    { name = "strong", y_true = yt, prob = s1 }, { name = "weak", y_true = yt, prob = s2 } } },
    "Calibration curves, 10 uniform bins")
  r:figure("cost", plot.cost { title = "Cost curves", curves = {
    { name = "strong", y_true = yt, score = s1 }, { name = "weak", y_true = yt, score = s2 } } },
    "Cost curves (Drummond & Holte 2006)")
  local pred = {}
  for i = 1, p.n do pred[i] = strong[i] >= 0.5 and 1 or 0 end
  local cm = m.confusion_matrix(yt, credo.tensor(pred, "int64"))
  r:figure("confusion", plot.confusion { title = "Confusion matrix (strong, threshold 0.5)", matrix = cm,
                                         labels = { "good", "bad" } },
           "Counts and shares of the true class", { paper = "Fig. 5" })
  r:figure("importance", plot.bar { title = "Feature importance", labels = names,
    values = { 0.42, 0.27, 0.02, 0.29 }, errors = { 0.04, 0.03, 0.01, 0.05 }, xlabel = "importance",
    sort = "descending", annotate = true }, "Synthetic importances with error bars")

  r:section("Policies")
  r:figure("ips", plot.bar { title = "IPS by policy", labels = { "Pre-DDQN", "DDQN", "Q-learning", "Random" },
    series = { { name = "indicator A", values = { 0.81, 0.66, 0.52, 0.11 }, errors = { 0.05, 0.05, 0.06, 0.04 } },
               { name = "indicator B", values = { 0.72, 0.64, 0.31, -0.08 }, errors = { 0.04, 0.06, 0.05, 0.05 } } },
    xlabel = "inverse propensity score", reference = 0 }, "Synthetic IPS values with error bars")
  r:figure("policy", plot.policy { title = "Chosen action per state", actions = { "hold", "raise", "cut" },
    states = { "low", "medium", "high", "very high" }, columns = { "ind. A", "ind. B", "ind. C" },
    choice = { { 1, 2, 3 }, { 2, 2, 1 }, { 3, 1, 1 }, { 1, 3, 2 } } }, "A policy heatmap (states x indicators)")
  r:table("models", {
    { model = "strong", auc = rows[1].measured, brier = m.brier_score(yt, s1), ap = m.average_precision(yt, s1) },
    { model = "weak", auc = rows[2].measured, brier = m.brier_score(yt, s2), ap = m.average_precision(yt, s2) },
  }, { columns = { "model", "auc", "ap", "brier" }, caption = "Ranking and probability metrics" })
  return { strong_auc = rows[1].measured, weak_auc = rows[2].measured }
end)
