-- credo.metrics: classification metrics and curves, scikit-learn 1.2's
-- definitions (docs/metrics.md), computed by the native core
-- natives/metrics (float64 throughout).
--
--   local m = credo.metrics
--   m.roc_auc(y, score)                     -- y int64 0/1, score float
--   m.f1(y, pred, { average = "macro" })    -- pred int64 labels
--   local est, lo, hi = m.bootstrap_ci(m.roc_auc, y, score, { seed = 1 })
--
-- Every function takes (y_true, second, opts): y_true a 1-d tensor of
-- integer class labels (0/1 for binary metrics, 0..k-1 otherwise), second
-- the scores, probabilities or predicted labels, opts an optional table
-- (sample_weight, pos_label, average, ...).  Unknown option names are
-- errors.  This file parses options and formats reports; the binding checks
-- the tensors and the core computes.  Not here: regression metrics,
-- multilabel metrics, multiclass ROC averaging.
local core = require "credo.core"
local C = core.metrics_core

local M = {}
local A = require "credo.argcheck"
local argerror, options, set = A.argerror, A.options, A.set

local function int_opt(op, i, o, key, default, lo)
  local v = o[key]
  if v == nil then return default end
  if math.type(v) ~= "integer" and not (type(v) == "number" and v == math.floor(v)) then
    argerror(op, i, ("%s must be an integer, got %s"):format(key, tostring(v)))
  end
  v = math.tointeger(v)
  if v == nil or v < lo then argerror(op, i, ("%s must be >= %d, got %s"):format(key, lo, tostring(o[key]))) end
  return v
end

local function bool_opt(op, i, o, key, default)
  local v = o[key]
  if v == nil then return default end
  if type(v) ~= "boolean" then
    argerror(op, i, ("%s must be a boolean, got %s"):format(key, type(v)))
  end
  return v
end

local function pos_label(op, i, o)
  local v = o.pos_label
  if v == nil then return 1 end
  if v ~= 0 and v ~= 1 then
    argerror(op, i, ("pos_label must be 0 or 1, got %s"):format(tostring(v)))
  end
  return math.tointeger(v)
end

local function zero_division(op, i, o)
  local v = o.zero_division
  if v == nil or v == "warn" then return 0 end
  if v ~= 0 and v ~= 1 then
    argerror(op, i, ("zero_division must be 0 or 1, got %s"):format(tostring(v)))
  end
  return v + 0.0
end

-- ---- label metrics ----

local WEIGHT = set("sample_weight")
local PRF = set("average", "pos_label", "labels", "sample_weight", "zero_division")
local AVERAGES = set("binary", "micro", "macro", "weighted", "none")

local function prf(op, y_true, y_pred, opts, beta)
  local o = options(op, 3, opts, PRF)
  local avg = o.average or "binary"
  if not AVERAGES[avg] then
    argerror(op, 3, ("average must be 'binary', 'micro', 'macro', 'weighted' or 'none', got '%s'")
      :format(tostring(avg)))
  end
  return C.prf(op, y_true, y_pred, o.sample_weight, o.labels, avg, beta,
               zero_division(op, 3, o), pos_label(op, 3, o))
end

-- Fraction (or weight) of exact matches.
function M.accuracy(y_true, y_pred, opts)
  local o = options("accuracy", 3, opts, WEIGHT)
  return C.accuracy("accuracy", y_true, y_pred, o.sample_weight)
end

-- precision / recall / f1 / fbeta: average "binary" (default: the class
-- pos_label, labels must be 0/1), "micro", "macro", "weighted" or "none"
-- (a float64 tensor per label, with the labels as a second value).
function M.precision(y_true, y_pred, opts)
  local p, _, _, _, labels = prf("precision", y_true, y_pred, opts, 1.0)
  if type(p) ~= "number" then return p, labels end
  return p
end

function M.recall(y_true, y_pred, opts)
  local _, r, _, _, labels = prf("recall", y_true, y_pred, opts, 1.0)
  if type(r) ~= "number" then return r, labels end
  return r
end

function M.f1(y_true, y_pred, opts)
  local _, _, f, _, labels = prf("f1", y_true, y_pred, opts, 1.0)
  if type(f) ~= "number" then return f, labels end
  return f
end

local FBETA = set("beta", "average", "pos_label", "labels", "sample_weight", "zero_division")

local function get_beta(op, o)
  local b = o.beta
  if type(b) ~= "number" or b ~= b or b < 0 then
    argerror(op, 3, ("beta must be a number >= 0, got %s"):format(tostring(b)))
  end
  return b + 0.0
end

function M.fbeta(y_true, y_pred, opts)
  local o = options("fbeta", 3, opts, FBETA)
  local beta = get_beta("fbeta", o)
  local po = {}
  for k, v in pairs(o) do if k ~= "beta" then po[k] = v end end
  local _, _, f, _, labels = prf("fbeta", y_true, y_pred, po, beta)
  if type(f) ~= "number" then return f, labels end
  return f
end

-- All four at once: precision, recall, fscore, support, labels.
function M.precision_recall_fscore(y_true, y_pred, opts)
  local o = options("precision_recall_fscore", 3, opts, FBETA)
  local beta = o.beta == nil and 1.0 or get_beta("precision_recall_fscore", o)
  local po = {}
  for k, v in pairs(o) do if k ~= "beta" then po[k] = v end end
  return prf("precision_recall_fscore", y_true, y_pred, po, beta)
end

function M.balanced_accuracy(y_true, y_pred, opts)
  local o = options("balanced_accuracy", 3, opts, set("sample_weight", "adjusted"))
  local score, nclasses = C.balanced_accuracy("balanced_accuracy", y_true, y_pred, o.sample_weight)
  if bool_opt("balanced_accuracy", 3, o, "adjusted", false) then
    local chance = 1 / nclasses
    score = (score - chance) / (1 - chance)
  end
  return score
end

-- (k, k) tensor, rows = true label, columns = predicted, over `labels`
-- (default: every label present in y_true or y_pred, increasing); int64
-- counts, float64 when weighted or normalised ("true", "pred", "all").
-- Second value: the labels in matrix order.
function M.confusion_matrix(y_true, y_pred, opts)
  local op = "confusion_matrix"
  local o = options(op, 3, opts, set("labels", "sample_weight", "normalize"))
  local norm = o.normalize
  if norm ~= nil and norm ~= "true" and norm ~= "pred" and norm ~= "all" then
    argerror(op, 3, ("normalize must be 'true', 'pred' or 'all', got '%s'"):format(tostring(norm)))
  end
  return C.confusion_matrix(op, y_true, y_pred, o.sample_weight, o.labels, norm)
end

-- Python's repr of a float (what sklearn prints for a weighted support).
local function pyrepr(x)
  if x == math.floor(x) and math.abs(x) < 1e16 then return ("%.1f"):format(x) end
  for p = 1, 17 do
    local s = ("%." .. p .. "g"):format(x)
    if tonumber(s) == x then return s end
  end
  return ("%.17g"):format(x)
end

local function fmt_support(s, weighted)
  if weighted then return pyrepr(s) end
  return ("%d"):format(math.floor(s + 0.5))
end

-- sklearn's classification_report: returns the table (per class name:
-- {precision, recall, f1, support}; accuracy; "macro avg"; "weighted avg")
-- and the same formatted as sklearn prints it.
function M.classification_report(y_true, y_pred, opts)
  local op = "classification_report"
  local o = options(op, 3, opts, set("labels", "target_names", "sample_weight", "digits",
                                     "zero_division"))
  local digits = int_opt(op, 3, o, "digits", 2, 0)
  local zd = zero_division(op, 3, o)
  local w = o.sample_weight
  local p, r, f, s, labels = C.prf(op, y_true, y_pred, w, o.labels, "none", 1.0, zd, 1)
  local names = {}
  if o.target_names ~= nil then
    if type(o.target_names) ~= "table" or #o.target_names ~= #labels then
      argerror(op, 3, ("target_names must be a table of %d names (one per label)"):format(#labels))
    end
    for i = 1, #labels do names[i] = tostring(o.target_names[i]) end
  else
    for i, l in ipairs(labels) do names[i] = tostring(l) end
  end
  -- micro average is the accuracy unless a subset of the labels was asked for
  local micro_is_accuracy = true
  if o.labels ~= nil then
    local _, _, _, _, all = C.prf(op, y_true, y_pred, w, nil, "none", 1.0, zd, 1)
    local given = {}
    for _, l in ipairs(labels) do given[l] = true end
    local n = 0
    for _ in pairs(given) do n = n + 1 end
    micro_is_accuracy = n == #all
    for _, l in ipairs(all) do micro_is_accuracy = micro_is_accuracy and given[l] == true end
  end
  local report, rows = {}, {}
  local total = 0
  for i = 1, #labels do
    local row = { precision = p:get(i), recall = r:get(i), f1 = f:get(i), support = s:get(i) }
    report[names[i]] = row
    rows[i] = row
    total = total + row.support
  end
  local avgs = {}
  for _, avg in ipairs { "micro", "macro", "weighted" } do
    local ap, ar, af = C.prf(op, y_true, y_pred, w, o.labels, avg, 1.0, zd, 1)
    local heading = avg .. " avg"
    if avg == "micro" and micro_is_accuracy then
      heading = "accuracy"
      report.accuracy = ap
    else
      report[heading] = { precision = ap, recall = ar, f1 = af, support = total }
    end
    avgs[#avgs + 1] = { heading, ap, ar, af }
  end
  -- text, as sklearn formats it
  local width = #"weighted avg"
  for _, n in ipairs(names) do width = math.max(width, #n) end
  width = math.max(width, digits)
  local out = { ("%" .. width .. "s "):format("") }
  for _, h in ipairs { "precision", "recall", "f1-score", "support" } do
    out[#out + 1] = (" %9s"):format(h)
  end
  out[#out + 1] = "\n\n"
  local num = " %9." .. digits .. "f"
  local weighted = w ~= nil
  for i, row in ipairs(rows) do
    out[#out + 1] = ("%" .. width .. "s "):format(names[i]) ..
      (num):format(row.precision) .. (num):format(row.recall) ..
      (num):format(row.f1) .. (" %9s"):format(fmt_support(row.support, weighted)) .. "\n"
  end
  out[#out + 1] = "\n"
  for _, a in ipairs(avgs) do
    if a[1] == "accuracy" then
      out[#out + 1] = ("%" .. width .. "s "):format("accuracy") .. (" %9s"):rep(2):format("", "") ..
        (num):format(a[4]) .. (" %9s"):format(fmt_support(total, weighted)) .. "\n"
    else
      out[#out + 1] = ("%" .. width .. "s "):format(a[1]) .. (num):format(a[2]) ..
        (num):format(a[3]) .. (num):format(a[4]) ..
        (" %9s"):format(fmt_support(total, weighted)) .. "\n"
    end
  end
  return report, table.concat(out)
end

-- ---- ranking metrics and curves ----

local RANK = set("pos_label", "sample_weight")

-- fpr, tpr, thresholds (float64 tensors), sklearn roc_curve: thresholds[1]
-- is max(score) + 1; drop_intermediate (default true) drops collinear
-- points.  A class absent from y_true gives NaN rates (as sklearn).
function M.roc_curve(y_true, y_score, opts)
  local o = options("roc_curve", 3, opts, set("pos_label", "sample_weight", "drop_intermediate"))
  return C.roc_curve("roc_curve", y_true, y_score, o.sample_weight, pos_label("roc_curve", 3, o),
                     bool_opt("roc_curve", 3, o, "drop_intermediate", true))
end

-- Area under the ROC curve, ties counted 1/2 (the trapezoid of sklearn).
function M.roc_auc(y_true, y_score, opts)
  local o = options("roc_auc", 3, opts, WEIGHT)
  local auc = C.roc_auc("roc_auc", y_true, y_score, o.sample_weight)
  return auc
end

-- 2 AUC - 1 (the Gini coefficient / accuracy ratio of credit scoring).
function M.gini(y_true, y_score, opts)
  local o = options("gini", 3, opts, WEIGHT)
  local auc = C.roc_auc("gini", y_true, y_score, o.sample_weight)
  return 2 * auc - 1
end

-- precision, recall, thresholds (sklearn 1.2 precision_recall_curve).
function M.precision_recall_curve(y_true, y_score, opts)
  local op = "precision_recall_curve"
  local o = options(op, 3, opts, RANK)
  return C.pr_curve(op, y_true, y_score, o.sample_weight, pos_label(op, 3, o))
end

-- Average precision: sklearn's step sum over thresholds, sum (R_k - R_k-1) P_k.
function M.average_precision(y_true, y_score, opts)
  local op = "average_precision"
  local o = options(op, 3, opts, RANK)
  local _, ap = C.rank(op, y_true, y_score, o.sample_weight, pos_label(op, 3, o), nil)
  return ap
end

-- PR-AUC: the trapezoid under the precision-recall curve (sklearn's
-- auc(recall, precision)); differs from average_precision.
function M.pr_auc(y_true, y_score, opts)
  local o = options("pr_auc", 3, opts, RANK)
  local _, _, a = C.rank("pr_auc", y_true, y_score, o.sample_weight, pos_label("pr_auc", 3, o), nil)
  return a
end

-- Kolmogorov-Smirnov statistic max |TPR - FPR| and its threshold (predict
-- positive iff score >= threshold).
function M.ks_statistic(y_true, y_score, opts)
  local op = "ks_statistic"
  local o = options(op, 3, opts, RANK)
  local _, _, _, ks, thr = C.rank(op, y_true, y_score, o.sample_weight, pos_label(op, 3, o),
                                  "the KS statistic")
  return ks, thr
end

-- ---- probabilities ----

function M.brier_score(y_true, y_prob, opts)
  local o = options("brier_score", 3, opts, RANK)
  return C.brier("brier_score", y_true, y_prob, o.sample_weight, pos_label("brier_score", 3, o))
end

-- Log loss; y_pred (n) = P(class 1) for 0/1 labels, or (n, k) class
-- probabilities for labels 0..k-1.  eps defaults to the machine epsilon of
-- y_pred's dtype (sklearn 1.2's eps="auto"); eps = 1e-15 is sklearn <= 1.1.
function M.log_loss(y_true, y_pred, opts)
  local o = options("log_loss", 3, opts, set("eps", "sample_weight"))
  if o.eps ~= nil and type(o.eps) ~= "number" then
    argerror("log_loss", 3, "eps must be a number, got " .. type(o.eps))
  end
  return C.log_loss("log_loss", y_true, y_pred, o.sample_weight, o.eps)
end

-- prob_true, prob_pred over the non-empty bins (sklearn calibration_curve).
function M.calibration_curve(y_true, y_prob, opts)
  local op = "calibration_curve"
  local o = options(op, 3, opts, set("n_bins", "strategy", "pos_label"))
  local strategy = o.strategy or "uniform"
  if strategy ~= "uniform" and strategy ~= "quantile" then
    argerror(op, 3, ("strategy must be 'uniform' or 'quantile', got '%s'"):format(tostring(strategy)))
  end
  return C.calibration(op, y_true, y_prob, int_opt(op, 3, o, "n_bins", 5, 1),
                       strategy == "quantile", pos_label(op, 3, o))
end

-- Drummond & Holte cost curve: pc (n points in [0, 1]), the lower envelope
-- nec of the normalised expected cost lines of the ROC points, and the
-- exact area under it.
function M.cost_curve(y_true, y_score, opts)
  local op = "cost_curve"
  local o = options(op, 3, opts, set("n", "pos_label", "sample_weight"))
  return C.cost_curve(op, y_true, y_score, o.sample_weight, pos_label(op, 3, o),
                      int_opt(op, 3, o, "n", 101, 2))
end

-- ---- bootstrap confidence intervals ----

-- numpy.percentile's default (linear) on a sorted sequence.
local function quantile(x, q)
  local n = #x
  local v = (n - 1) * q
  if v >= n - 1 then return x[n] end
  if v <= 0 then return x[1] end
  local f = math.floor(v)
  local g = v - f
  local a, b = x[f + 1], x[f + 2]
  local d = b - a
  if g >= 0.5 then return b - d * (1 - g) end
  return a + d * g
end
M._quantile = quantile

-- function value -> name, for the metrics bootstrap runs natively
local native_of = {}
for name in pairs(C.native_metrics) do native_of[M[name]] = name end

local BOOT = set("n", "alpha", "seed", "generator", "stratified", "sample_weight", "metric_opts")

-- estimate, lo, hi, info: the metric on the data, and the percentile
-- interval [alpha/2, 1 - alpha/2] of its values over n bootstrap replicates
-- (info.values, in replicate order, NaN where undefined; info.n_valid).
-- Replicate b (1-based) draws with credo.Generator(seed):stream(b - 1);
-- stratified (default) resamples within each class of y_true.  metric is a
-- function (y_true, score, opts) -> number, or the name of a built-in; the
-- built-ins (with no metric_opts) run in C, in parallel.
function M.bootstrap_ci(metric, y_true, score, opts)
  local op = "bootstrap_ci"
  local o = options(op, 4, opts, BOOT)
  local fn, name
  if type(metric) == "string" then
    if not C.native_metrics[metric] then
      argerror(op, 1, ("unknown metric '%s'"):format(metric))
    end
    fn, name = M[metric], metric
  elseif type(metric) == "function" then
    fn, name = metric, native_of[metric]
  else
    argerror(op, 1, "expected a metric function or name, got " .. type(metric))
  end
  local reps = int_opt(op, 4, o, "n", 1000, 1)
  local alpha = o.alpha == nil and 0.05 or o.alpha
  if type(alpha) ~= "number" or not (alpha > 0 and alpha < 1) then
    argerror(op, 4, ("alpha must be a number in (0, 1), got %s"):format(tostring(o.alpha)))
  end
  local stratified = bool_opt(op, 4, o, "stratified", true)
  local seed = o.seed
  if seed ~= nil then
    if math.type(seed) ~= "integer" then
      argerror(op, 4, ("seed must be an integer, got %s"):format(tostring(seed)))
    end
  else
    local g = o.generator or core.random.get_generator()
    seed = g:integer(math.mininteger, math.maxinteger)
  end
  if o.metric_opts ~= nil and type(o.metric_opts) ~= "table" then
    argerror(op, 4, "metric_opts must be a table, got " .. type(o.metric_opts))
  end
  local w = o.sample_weight
  local function mopts(wb)
    local t = {}
    for k, v in pairs(o.metric_opts or {}) do t[k] = v end
    if wb ~= nil then t.sample_weight = wb end
    return next(t) and t or nil
  end
  local values
  local rows = core.tensor.is_tensor(score) and score:dim() == 2 -- (n, k) log loss
  if name and o.metric_opts == nil and not rows then
    values = C.bootstrap(op, name, y_true, score, w, reps, seed, stratified, nil)
  else
    values = {}
    local first_err
    for b = 1, reps do
      local yb, sb, wb = C.resample(op, b - 1, seed, stratified, y_true, score, w)
      local ok, v = pcall(fn, yb, sb, mopts(wb))
      if ok and type(v) ~= "number" then
        argerror(op, 1, "the metric must return a number, got " .. type(v))
      end
      if not ok then
        first_err = first_err or v
        v = 0 / 0
      end
      values[b] = v
    end
    if first_err and #values > 0 then
      local any = false
      for _, v in ipairs(values) do any = any or v == v end
      if not any then error(first_err, 0) end
    end
  end
  local estimate = fn(y_true, score, mopts(w))
  local sorted = {}
  for _, v in ipairs(values) do if v == v then sorted[#sorted + 1] = v end end
  if #sorted == 0 then
    error("bootstrap_ci: the metric is undefined on every replicate", 0)
  end
  table.sort(sorted)
  return estimate, quantile(sorted, alpha / 2), quantile(sorted, 1 - alpha / 2),
         { values = values, n_valid = #sorted }
end

return M
