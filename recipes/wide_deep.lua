-- recipes/wide_deep.lua: the Wide & Deep default-risk model of
-- ../shared/papers/wide-deep-sme.txt (Vanhoeven & Chen), on the shipped
-- lending_club.csv: a wide logistic part on one-hot categorical columns and
-- their crosses, a deep part (256-128-64 ReLU) on the standardised numeric
-- columns, joined in one linear output with a sigmoid, trained jointly with
-- binary cross-entropy and Adam (lr 1e-4, batch 256) on a 60/20/20 split;
-- the six models of Table 2 (LR, DNN, W&D, each without and with crosses:
-- AUC, precision, recall, F1 with 95 % bootstrap intervals, the paper's
-- numbers beside ours) and the sensitivity to epochs, batch size and
-- learning rate (Fig. 2 a-c).
--
--   credo recipes/wide_deep.lua                -- paper settings
--   credo recipes/wide_deep.lua --quick        -- a smoke test in seconds
--   credo recipes/wide_deep.lua --set data=my.csv --set target=default --set positive=yes
--
-- The method, as section 3 and 4 state it, and what they leave open (each
-- open choice is a parameter):
--   - Wide: every categorical column one-hot, plus the crosses of pairs of
--     them (the paper's "city x industry", "gender x verification").  A
--     cross with more possible combinations than `hash_buckets` is hashed
--     into that many buckets (FNV-1a, credo.prep.FeatureCross), the others
--     keep one level per combination seen in the training rows.
--   - Deep: the numeric columns, median-imputed and standardised (both
--     fitted on the training rows), through Linear-ReLU 256, 128, 64.
--   - Fusion (eq. in 3.3): y = sigmoid(W_wide x_wide + W_deep x_deep + b),
--     x_deep the 64 outputs of the deep part: one Linear over the
--     concatenation [x_wide, x_deep].  The sigmoid is folded into the loss
--     (BCE on logits: the same function, computed stably).
--   - Baselines, so that every model sees the same columns: LR is logistic
--     regression on [one-hot | standardised numeric] (credo.LogisticRegression,
--     L2, C = 1, L-BFGS); DNN is the 256-128-64 network on the same input;
--     "+ cross" adds the one-hot crosses to the input of each.
--   - The epoch (Fig. 2a's "converge around 30-35 epochs") is chosen on the
--     validation rows: each network trains `epochs` epochs and keeps the
--     weights of its best validation-AUC epoch (or stops after `patience`
--     epochs without improvement).  The paper reports precision, recall and
--     F1 without a threshold; with 5 % defaults a 0.5 threshold predicts
--     almost no default, so the threshold is the one that maximises F1 on
--     the validation rows (or `--set threshold=0.3`).
--   - The sensitivity figures are read on the validation rows (the test
--     rows are used once, for Table 2).
--
-- Leakage rules, enforced by the code order: the stratified 60/20/20 split
-- comes first; the imputer, the crosses' levels, the one-hot encoder and the
-- scaler are fitted on the training rows only; early stopping, the epoch,
-- the threshold and every sensitivity number use the validation rows; the
-- test rows are scored once per model.  `row_use.csv` in the run folder
-- records which rows each step used (tests/spec/recipe_wide_deep_spec.lua
-- checks that test rows appear nowhere else).
--
-- Not here: the paper's own SME data (a payment platform's, not public;
-- 129,880 rows, about 60 % positives).  lending_club.csv is the public
-- stand-in (data/PROVENANCE.md): 9,857 loans, 5.2 % defaults, and no
-- transaction logs, so the deep side gets the loans' numeric columns.
local credo = require "credo"
local nn, optim, metrics, plot = credo.nn, credo.optim, credo.metrics, credo.plot
local split, prep = credo.split, credo.prep

local P = credo.recipe.params {
  name = "wide_deep",
  description = "Wide & Deep default-risk model with LR and DNN baselines, with and without "
    .. "cross features, and its sensitivity to epochs, batch size and learning rate "
    .. "(wide-deep-sme.txt), on a credit CSV.",
  seed = 42,
  { "data", "data/lending_club.csv", "CSV path (header row, NA for missing)" },
  { "target", "Class", "target column (categorical or 0/1)" },
  { "positive", "bad", "the target level that counts as a default" },
  { "categorical", {}, "wide-side categorical columns (empty: the text columns)" },
  { "numeric", {}, "deep-side numeric columns (empty: the numeric columns)" },
  { "exclude", {}, "columns that are not features (besides the target)" },
  { "crosses", {}, "crossed pairs as a*b (empty: every pair of the categorical columns)" },
  { "hash_buckets", 1000, "a cross with more possible combinations than this is hashed into this many buckets" },
  { "subsample", 0, "use this many rows (stratified); 0: all" },
  { "sizes", { 0.6, 0.2, 0.2 }, "train / validation / test shares (paper: 60/20/20)" },
  { "hidden", { 256, 128, 64 }, "deep layer sizes (paper: 256-128-64, ReLU)" },
  { "lr", 0.0001, "Adam learning rate (paper: 0.0001)" },
  { "batch_size", 256, "rows per training step (paper: 256)" },
  { "epochs", 50, "training epochs; the best validation-AUC epoch is kept (paper: converges at 30-35)" },
  { "patience", 0, "stop after this many epochs without a better validation AUC; 0: train every epoch" },
  { "C", 1.0, "inverse L2 strength of the logistic regressions (scikit-learn's default)" },
  { "threshold", "val_f1", "decision threshold: val_f1 (maximise F1 on the validation rows) or a probability" },
  { "batch_sizes", { 32, 64, 128, 256, 512 }, "batch sizes compared (Fig. 2b)" },
  { "lrs", { 0.00001, 0.0001, 0.001, 0.01 }, "learning rates compared (Fig. 2c)" },
  { "bootstrap", 1000, "bootstrap replicates of each 95 % interval" },
  quick = { epochs = 15, subsample = 4000, lr = 0.003, batch_sizes = { 128, 256 },
            lrs = { 0.0003, 0.003 }, hidden = { 64, 32, 16 }, bootstrap = 100 },
}

-- Table 2 of the paper (test set): AUC, precision, recall, F1.
local PAPER = {
  lr = { 0.6509, 0.6526, 0.6849, 0.6203 },
  dnn = { 0.6529, 0.6561, 0.6871, 0.6337 },
  wd = { 0.6616, 0.6679, 0.6933, 0.6377 },
  lr_cross = { 0.6508, 0.6507, 0.6841, 0.6196 },
  dnn_cross = { 0.6607, 0.6638, 0.6911, 0.6495 },
  wd_cross = { 0.669, 0.669, 0.695, 0.653 },
}
local MODELS = {
  { key = "lr", name = "Logistic Regression", kind = "lr", cross = false },
  { key = "dnn", name = "DNN", kind = "dnn", cross = false },
  { key = "wd", name = "Wide & Deep", kind = "wd", cross = false },
  { key = "lr_cross", name = "Logistic Regression + Cross", kind = "lr", cross = true },
  { key = "dnn_cross", name = "DNN + Cross", kind = "dnn", cross = true },
  { key = "wd_cross", name = "Wide & Deep + Cross (paper's)", kind = "wd", cross = true },
}
local METRICS = { { "auc", "AUC" }, { "precision", "precision" }, { "recall", "recall" }, { "f1", "F1" } }

-- ------------------------------------------------------------ helpers

-- The threshold maximising F1 on (y, score), and that F1.
local function best_f1_threshold(y, score)
  local prec, rec, thr = metrics.precision_recall_curve(y, score)
  local best, bt = -1, 0.5
  for i = 1, thr:size(1) do
    local pr, rc = prec:get(i), rec:get(i)
    local f = pr + rc > 0 and 2 * pr * rc / (pr + rc) or 0
    if f > best then best, bt = f, thr:get(i) end
  end
  return bt, best
end

local function fmt_num(v) return (("%.6g"):format(v)) end

return credo.recipe.run(P, function(p, r)

  -- 1. data, label, column roles ---------------------------------------
  local df, y, ids, cats, nums, info = r:stage("load", function()
    local raw = credo.read_csv(p.data)
    assert(raw:has(p.target), ("no column '%s' in %s"):format(p.target, p.data))
    local n0 = raw:nrow()
    local rid = {}
    for i = 1, n0 do rid[i] = i end
    raw = raw:add("row_id_", credo.tensor(rid, "float64"))
    local d = raw:dropna { p.target }
    local yy, levels = credo.recipe.binary_target(d, p.target, p.positive)
    local n1 = d:nrow()
    if p.subsample > 0 and p.subsample < n1 then
      local _, sub = split.train_test(yy, { test_size = p.subsample / n1, stratify = true, seed = P.seed })
      d, yy = split.take(d, sub), split.take(yy, sub)
    end
    local skip = { [p.target] = true, row_id_ = true }
    for _, c in ipairs(p.exclude) do skip[c] = true end
    local cs, ns = {}, {}
    for _, c in ipairs(p.categorical) do assert(d:has(c), "no column '" .. c .. "'"); cs[#cs + 1] = c; skip[c] = true end
    for _, c in ipairs(p.numeric) do assert(d:has(c), "no column '" .. c .. "'"); ns[#ns + 1] = c; skip[c] = true end
    for _, c in ipairs(d:names()) do
      if not skip[c] then
        if d:is_categorical(c) then
          if #p.categorical == 0 then cs[#cs + 1] = c end
        elseif #p.numeric == 0 then
          ns[#ns + 1] = c
        end
      end
    end
    for _, c in ipairs(cs) do
      assert(d:is_categorical(c), ("column '%s' is numeric: the wide side takes categorical columns"):format(c))
    end
    for _, c in ipairs(ns) do
      assert(not d:is_categorical(c), ("column '%s' is categorical: the deep side takes numeric columns"):format(c))
    end
    assert(#cs > 0, "no categorical column for the wide side (--set categorical=a,b)")
    assert(#ns > 0, "no numeric column for the deep side (--set numeric=a,b)")
    return d, yy, d:col("row_id_"):long(), cs, ns, { n_read = n0, n_used = d:nrow(), levels = levels }
  end)
  local n = df:nrow()

  -- the crosses: "a*b" pairs, or every pair of the categorical columns
  local pairs_ = {}
  if #p.crosses > 0 then
    for _, s in ipairs(p.crosses) do
      local a, b = s:match("^%s*([^*]+)%*([^*]+)%s*$")
      assert(a and b, ("--set crosses: '%s' is not a pair a*b"):format(s))
      a, b = a:match("^%s*(.-)%s*$"), b:match("^%s*(.-)%s*$")
      for _, c in ipairs { a, b } do
        assert(df:has(c) and df:is_categorical(c), ("--set crosses: '%s' is not a categorical column"):format(c))
      end
      pairs_[#pairs_ + 1] = { a, b }
    end
  else
    for i = 1, #cats do for j = i + 1, #cats do pairs_[#pairs_ + 1] = { cats[i], cats[j] } end end
  end

  -- 2. the stratified 60/20/20 split ------------------------------------
  local tr, va, te = split.train_val_test(y, { sizes = p.sizes, stratify = true, seed = P.seed })
  local ytr, yva, yte = split.take(y, tr), split.take(y, va), split.take(y, te)
  local dtr, dva, dte = split.take(df, tr), split.take(df, va), split.take(df, te)
  r:rows("fit_preprocessing", split.take(ids, tr))
  r:rows("fit", split.take(ids, tr))
  r:rows("validation", split.take(ids, va))
  r:rows("test", split.take(ids, te))

  -- 3. features, every transform fitted on the training rows -------------
  local F = r:stage("features", function()
    -- wide: crosses (levels from the training rows, or hashed), then one-hot
    local cross_names, cross_info = {}, {}
    local wtr, wva, wte = dtr:select(cats), dva:select(cats), dte:select(cats)
    for _, pr in ipairs(pairs_) do
      -- levels seen in the training rows (not the file's level list, which
      -- test rows help make)
      local na, nb = dtr:value_counts(pr[1]):nrow(), dtr:value_counts(pr[2]):nrow()
      local hashed = na * nb > p.hash_buckets
      local fc = prep.FeatureCross { columns = pr, method = hashed and "hash" or "explicit",
                                     n_buckets = p.hash_buckets }
      local src = dtr:select(pr)
      fc:fit(src)
      local name = fc:column_name()
      cross_names[#cross_names + 1] = name
      wtr = wtr:add(name, fc:transform_column(src))
      wva = wva:add(name, fc:transform_column(dva:select(pr)))
      wte = wte:add(name, fc:transform_column(dte:select(pr)))
      cross_info[#cross_info + 1] = { name = name, hashed = hashed, possible = na * nb }
    end
    -- each part's dense one-hot matrix (for the networks) and its sparse
    -- form, the position of each row's 1 per input column (for LR)
    local function onehot(cols)
      local oh = prep.OneHotEncoder { columns = cols, handle_unknown = "ignore", dtype = "float32" }
      oh:fit(wtr)
      return oh:transform(wtr), oh:transform(wva), oh:transform(wte), oh,
        { tr = oh:transform_indices(wtr), va = oh:transform_indices(wva), te = oh:transform_indices(wte) }
    end
    local O = { onehot(cats) }
    local all = {}
    for _, c in ipairs(cats) do all[#all + 1] = c end
    for _, c in ipairs(cross_names) do all[#all + 1] = c end
    local X = #cross_names > 0 and { onehot(all) } or O
    for i, ci in ipairs(cross_info) do
      ci.width = #X[4]:categories()[#cats + i]
    end
    -- deep: numeric columns, median-imputed and standardised
    local imp = prep.SimpleImputer { strategy = "median" }
    local ntr = dtr:select(nums)
    imp:fit(ntr)
    local function num(d) return imp:transform(d:select(nums)):to_tensor(nums, "float64") end
    local Ntr, Nva, Nte = num(dtr), num(dva), num(dte)
    local sc = prep.StandardScaler {}:fit(Ntr)
    Ntr, Nva, Nte = sc:transform(Ntr):float(), sc:transform(Nva):float(), sc:transform(Nte):float()
    return {
      plain = { tr = O[1], va = O[2], te = O[3], idx = O[5] },
      cross = { tr = X[1], va = X[2], te = X[3], idx = X[5] },
      num = { tr = Ntr, va = Nva, te = Nte },
      cross_info = cross_info, n_onehot = O[1]:size(2), n_cross_total = X[1]:size(2),
    }
  end)

  -- the design [wide | numeric] of each part
  local function design(cross)
    local W = cross and F.cross or F.plain
    return {
      tr = credo.cat({ W.tr, F.num.tr }, 2), va = credo.cat({ W.va, F.num.va }, 2),
      te = credo.cat({ W.te, F.num.te }, 2), n_wide = W.tr:size(2), n_deep = F.num.tr:size(2),
    }
  end
  local designs = { [false] = design(false), [true] = design(true) }

  -- 4. the models ----------------------------------------------------------
  local function deep_stack(net, width, g)
    for _, h in ipairs(p.hidden) do
      net:add(nn.Linear(width, h, { generator = g })):add(nn.ReLU())
      width = h
    end
    return net, width
  end

  local function build(kind, D, g)
    if kind == "dnn" then
      local net, width = deep_stack(nn.Sequential(), D.n_wide + D.n_deep, g)
      return net:add(nn.Linear(width, 1, { generator = g }))
    end
    -- Wide & Deep: [x_wide, deep(x_numeric)] -> one Linear -> logit
    local deep, width = deep_stack(nn.Sequential(nn.Narrow(2, D.n_wide + 1, D.n_deep)), D.n_deep, g)
    return nn.Sequential(
      nn.Concat():add(nn.Narrow(2, 1, D.n_wide)):add(deep),
      nn.Linear(D.n_wide + width, 1, { generator = g }))
  end

  -- Trains one network; returns validation and test scores and the history.
  local function train(kind, cross, opts)
    local D = designs[cross]
    local g = credo.Generator(P.seed)
    local net = build(kind, D, g)
    local es = { monitor = "val_auc", patience = opts.patience > 0 and opts.patience or opts.epochs,
                 restore_best_weights = true }
    local hist = nn.fit(net, nn.BCEWithLogitsLoss(), optim.Adam(net, { lr = opts.lr }), D.tr, ytr, {
      epochs = opts.epochs, batch_size = opts.batch_size, seed = P.seed,
      validation_data = { D.va, yva }, early_stopping = es, verbose = P.quiet and 0 or 1,
    })
    local function scores(X) return nn.predict_proba(net, X):select(2, 2):contiguous() end
    return { va = scores(D.va), te = opts.test and scores(D.te) or nil, history = hist, net = net,
             best_epoch = hist.best_epoch or hist.epochs }
  end

  -- LR's design: the numeric block, then the one-hot columns in sparse
  -- (CSR) form built from the one-hot positions (0: no column, an unseen
  -- category)
  local function sparse_design(part, cross)
    local W = cross and F.cross or F.plain
    local idx = W.idx[part]
    local n, k = idx:size(1), idx:size(2)
    local flat = idx:reshape(-1):contiguous()
    local ptr, ind = { 0 }, {}
    for i = 1, n do
      for j = 1, k do
        local v = flat:get((i - 1) * k + j)
        if v > 0 then ind[#ind + 1] = v end
      end
      ptr[i + 1] = #ind
    end
    return credo.linear.design { dense = F.num[part]:double(), indptr = credo.tensor(ptr, "int64"),
                                 indices = credo.tensor(ind, "int64"), ncols = W.tr:size(2) }
  end

  local function fit_lr(cross)
    local m = credo.LogisticRegression { C = p.C, max_iter = 1000 }:fit(sparse_design("tr", cross), ytr)
    local function scores(part) return m:predict_proba(sparse_design(part, cross)):select(2, 2):contiguous() end
    return { va = scores("va"), te = scores("te"), lr = m, n_iter = m.n_iter_ }
  end

  local fixed_threshold = tonumber(p.threshold)
  assert(fixed_threshold or p.threshold == "val_f1",
    ("--set threshold=%s: expected val_f1 or a probability"):format(p.threshold))
  local B = { n = p.bootstrap, seed = P.seed }
  local function evaluate(res)
    local thr = fixed_threshold or best_f1_threshold(yva, res.va)
    local pred = res.te:ge(thr):long()
    local m = { threshold = thr, val_auc = metrics.roc_auc(yva, res.va) }
    local est, lo, hi = metrics.bootstrap_ci("roc_auc", yte, res.te, B)
    m.auc = { est, lo, hi }
    for _, k in ipairs { "precision", "recall", "f1", "accuracy" } do
      est, lo, hi = metrics.bootstrap_ci(k, yte, pred, B)
      m[k] = { est, lo, hi }
    end
    m.pred = pred
    return m
  end

  local base_opts = { lr = p.lr, batch_size = p.batch_size, epochs = p.epochs, patience = p.patience, test = true }
  local results = {}
  for _, M in ipairs(MODELS) do
    results[M.key] = r:stage("models/" .. M.key, function()
      local res = M.kind == "lr" and fit_lr(M.cross) or train(M.kind, M.cross, base_opts)
      res.m = evaluate(res)
      return res
    end)
  end

  -- 5. sensitivity of W&D + cross (Fig. 2), on the validation rows --------
  local main = results.wd_cross
  local function sweep(param, values)
    local rows = {}
    for _, v in ipairs(values) do
      local o = { lr = p.lr, batch_size = p.batch_size, epochs = p.epochs, patience = p.patience }
      o[param] = v
      local res
      if o.lr == p.lr and o.batch_size == p.batch_size then
        res = main
      else
        res = r:stage(("sensitivity/%s=%s"):format(param, fmt_num(v)), function()
          return train("wd", true, o)
        end)
      end
      local _, f1 = best_f1_threshold(yva, res.va)
      rows[#rows + 1] = { [param] = v, val_auc = metrics.roc_auc(yva, res.va), val_f1 = f1,
                          best_epoch = res.best_epoch }
    end
    return rows
  end
  local bs_rows = sweep("batch_size", p.batch_sizes)
  local lr_rows = sweep("lr", p.lrs)

  -- ---------------------------------------------------------- report
  local npos = y:sum()
  r:section("Data")
  local cross_txt = {}
  for _, ci in ipairs(F.cross_info) do
    cross_txt[#cross_txt + 1] = ("`%s` (%s, %d columns)"):format(ci.name,
      ci.hashed and ("hashed into " .. p.hash_buckets .. " buckets") or (ci.possible .. " possible combinations"), ci.width)
  end
  r:text(table.concat({
    ("`%s`: %d rows read, %d used%s.  Target `%s`, positive level `%s`: %d of %d rows (%.1f %%); the paper's "
      .. "data had about 60 %% positives, so precision, recall and F1 here live on another scale."):format(
      p.data, info.n_read, n, n < info.n_used and (" (a stratified subsample of " .. info.n_used .. ")") or "",
      p.target, p.positive, npos, n, 100 * npos / n),
    "",
    ("Stratified %s split: %d training, %d validation (epoch choice, threshold, sensitivity), %d test rows (Table 2 only)."):format(
      table.concat(p.sizes, "/"), tr:size(1), va:size(1), te:size(1)),
    "",
    ("- **Wide side** (%d one-hot columns): %s."):format(F.n_onehot, table.concat(cats, ", ")),
    ("- **Crosses** (%d more columns): %s."):format(F.n_cross_total - F.n_onehot,
      #cross_txt > 0 and table.concat(cross_txt, "; ") or "none"),
    ("- **Deep side** (%d numeric columns, median-imputed and standardised on the training rows): %s."):format(
      #nums, table.concat(nums, ", ")),
  }, "\n"))
  r:figure("labels", plot.pie { title = "Label distribution", labels = info.levels, values = { n - npos, npos } },
           "Share of each label")

  r:section("Table 2: the six models")
  local arch = {}
  for i, h in ipairs(p.hidden) do arch[i] = tostring(h) end
  r:text(("Networks: the deep part %s ReLU; Adam (lr %g), batch %d, binary cross-entropy on logits, %d epochs%s, "
    .. "the best validation-AUC epoch kept.  LR: credo.LogisticRegression (L2, C = %g, L-BFGS) on the sparse one-hot design beside the numeric columns.  Threshold: %s.  "
    .. "Intervals: %d stratified bootstrap replicates of the %d test rows.")
    :format(table.concat(arch, "-"), p.lr, p.batch_size, p.epochs,
      p.patience > 0 and (" at most (patience " .. p.patience .. ")") or "", p.C,
      fixed_threshold and ("%g for every model"):format(fixed_threshold)
        or "per model, the one maximising F1 on the validation rows", p.bootstrap, te:size(1)))
  local rows, summary = {}, {}
  for _, M in ipairs(MODELS) do
    local m = results[M.key].m
    for i, k in ipairs(METRICS) do
      local v = m[k[1]]
      rows[#rows + 1] = { model = M.name, metric = k[2], paper = PAPER[M.key][i], measured = v[1], ci = { v[2], v[3] } }
    end
    summary[#summary + 1] = { model = M.name, val_auc = m.val_auc, test_auc = m.auc[1], threshold = m.threshold,
      best_epoch = results[M.key].best_epoch or "", accuracy = m.accuracy[1] }
    r:metric(M.key .. "_auc", m.auc[1])
    r:metric(M.key .. "_f1", m.f1[1])
  end
  r:paper_table("table2", rows, { paper = "Table 2",
    caption = "Test split: the paper's numbers (its SME data) beside ours, 95 % stratified bootstrap intervals" })
  r:table("models", summary, { columns = { "model", "val_auc", "test_auc", "threshold", "best_epoch", "accuracy" },
    caption = "Per model: validation AUC, test AUC, the threshold chosen on validation, the epoch kept, test accuracy" })
  local curves = {}
  for _, M in ipairs(MODELS) do
    curves[#curves + 1] = { name = M.name, y_true = yte, score = results[M.key].te, band = M.key == "wd_cross" }
  end
  r:figure("roc", plot.roc { title = "ROC curves (test split)", seed = P.seed, band_n = math.min(200, p.bootstrap),
    curves = curves }, "The six models on the test rows; the band is W&D + cross's 95 % bootstrap band")
  -- paired: the same bootstrap replicates score both models, so the
  -- interval is that of the difference itself (narrower than two
  -- separate intervals suggest)
  local paired = {}
  for _, M in ipairs(MODELS) do
    if M.key ~= "wd_cross" then
      local S = credo.stack({ main.te, results[M.key].te }, 2)
      local d, lo, hi = metrics.bootstrap_ci(function(yb, sb)
        return metrics.roc_auc(yb, sb:select(2, 1)) - metrics.roc_auc(yb, sb:select(2, 2))
      end, yte, S, B)
      paired[#paired + 1] = { versus = M.name, paper_difference = PAPER.wd_cross[1] - PAPER[M.key][1],
        difference = d, ci_lo = lo, ci_hi = hi, measurable = (lo > 0 or hi < 0) and "yes" or "no" }
      M.paired = paired[#paired]
    end
  end
  r:table("paired_auc", paired, { columns = { "versus", "paper_difference", "difference", "ci_lo", "ci_hi", "measurable" },
    caption = "Test AUC of W&D + cross minus each other model's: the paper's difference, ours with a paired 95 % "
      .. "bootstrap interval (the same replicates score both); measurable = the interval excludes 0",
    paper = "Table 2" })
  local cm = metrics.confusion_matrix(yte, main.m.pred, { labels = { 0, 1 } })
  r:figure("confusion", plot.confusion { title = "Wide & Deep + cross (test split)", matrix = cm,
    labels = { info.levels[1], info.levels[2] } },
    ("Counts and shares of the true class at threshold %.3f"):format(main.m.threshold))

  r:section("Fig. 2: sensitivity (validation rows)")
  r:text("Each point is Wide & Deep + cross trained with one setting changed, the others at their values above, "
    .. "read on the **validation** rows: AUC at the best epoch, and the F1 of the best threshold on those rows "
    .. "(optimistic, since the threshold is chosen on the rows it is read on).  The test rows are not used here.")
  local h = main.history
  r:figure("epochs", plot.line { title = "AUC per epoch (W&D + cross)", xlabel = "epoch", ylabel = "AUC",
    series = { { name = "validation", x = h.epoch, y = h.val_auc },
               { name = "training (during the epoch)", x = h.epoch, y = h.auc, dash = "6 4" } } },
    ("Validation AUC per epoch; the weights of epoch %d were kept"):format(main.best_epoch), { paper = "Fig. 2(a)" })
  local ep_rows = {}
  for e = 1, h.epochs do
    ep_rows[e] = { epoch = e, loss = h.loss[e], train_auc = h.auc[e], val_loss = h.val_loss[e], val_auc = h.val_auc[e] }
  end
  r:table("epochs", ep_rows, { columns = { "epoch", "loss", "train_auc", "val_loss", "val_auc" },
    caption = "W&D + cross per epoch", paper = "Fig. 2(a)" })
  local function sens_fig(name, param, rows_, title, xlabel, xlog, paper)
    local xs, auc, f1 = {}, {}, {}
    for i, row in ipairs(rows_) do xs[i], auc[i], f1[i] = row[param], row.val_auc, row.val_f1 end
    r:figure(name, plot.line { title = title, xlabel = xlabel, ylabel = "validation metric", xlog = xlog, markers = true,
      series = { { name = "AUC", x = xs, y = auc }, { name = "F1 (best threshold)", x = xs, y = f1, dash = "6 4" } } },
      ("Validation AUC and F1 against the %s"):format(xlabel), { paper = paper })
    r:table(name, rows_, { columns = { param, "val_auc", "val_f1", "best_epoch" },
      caption = ("W&D + cross against the %s (validation rows)"):format(xlabel), paper = paper })
  end
  sens_fig("batch_size", "batch_size", bs_rows, "Batch size", "batch size", #bs_rows > 1, "Fig. 2(b)")
  sens_fig("learning_rate", "lr", lr_rows, "Learning rate", "learning rate", #lr_rows > 1, "Fig. 2(c)")

  -- the honest reading
  r:section("Reading the results")
  local function get(key) return results[key].m end
  local wdc, lrp = get("wd_cross"), get("lr")
  local best_key, best_auc = nil, -1
  for _, M in ipairs(MODELS) do
    if get(M.key).auc[1] > best_auc then best_key, best_auc = M.key, get(M.key).auc[1] end
  end
  local best_name
  for _, M in ipairs(MODELS) do if M.key == best_key then best_name = M.name:gsub(" %(paper's%)", "") end end
  local function lr_best(rows_, param)
    local b = rows_[1]
    for _, row in ipairs(rows_) do if row.val_auc > b.val_auc then b = row end end
    return b[param], b.val_auc
  end
  local bbs, bbs_auc = lr_best(bs_rows, "batch_size")
  local blr, blr_auc = lr_best(lr_rows, "lr")
  local lo_auc, hi_auc = math.huge, -math.huge
  local wins = 0
  for _, M in ipairs(MODELS) do
    local a = get(M.key).auc[1]
    lo_auc, hi_auc = math.min(lo_auc, a), math.max(hi_auc, a)
  end
  for _, k in ipairs(METRICS) do
    local best = true
    for _, M in ipairs(MODELS) do
      if get(M.key)[k[1]][1] > wdc[k[1]][1] then best = false end
    end
    if best then wins = wins + 1 end
  end
  local half = (wdc.auc[3] - wdc.auc[2]) / 2
  local lines = {
    ("- **The paper's claim** (W&D + cross best on all four metrics): here it is best on %d of 4; the highest "
      .. "test AUC is %s's (%.3f).  W&D + cross reaches %.3f [%.3f, %.3f], plain LR %.3f [%.3f, %.3f].  %s"):format(
      wins, best_name, best_auc, wdc.auc[1], wdc.auc[2], wdc.auc[3], lrp.auc[1], lrp.auc[2], lrp.auc[3],
      (function()
        local yes = {}
        for _, M in ipairs(MODELS) do
          if M.paired and M.paired.measurable == "yes" then
            yes[#yes + 1] = ("%s (%+.3f)"):format(M.name, M.paired.difference)
          end
        end
        if #yes == 0 then
          return "No paired difference from W&D + cross is measurable (every paired interval contains 0)."
        end
        return "Paired differences that exclude 0: " .. table.concat(yes, ", ") .. "; the others are not measurable."
      end)()),
    ("- **Spread**: the six test AUCs span %.3f (%.3f to %.3f); the paper's span 0.018 (0.651 to 0.669).  "
      .. "The half-width of W&D + cross's interval here is %.3f, so differences below that are not findings."):format(
      hi_auc - lo_auc, lo_auc, hi_auc, half),
    ("- **AUC level**: the paper measured on its own SME data (129,880 rows, ~60 %% defaults); %s is another "
      .. "population with other columns, so the level of the AUCs is not comparable, only the ordering of the models."):format(p.data),
    ("- **Precision, recall, F1** are not comparable with the paper's: its data had ~60 %% defaults, these %.1f %%. "
      .. "W&D + cross at its validation threshold %.3f: precision %.3f, recall %.3f, F1 %.3f; the paper's "
      .. "0.669 / 0.695 / 0.653 are out of reach when a random ranking's precision is %.3f."):format(
      100 * npos / n, wdc.threshold, wdc.precision[1], wdc.recall[1], wdc.f1[1], npos / n),
    ("- **Fig. 2(a)**: the validation AUC peaked at epoch %d of %d (paper: 30-35, then a slight decline)%s.  "
      .. "An epoch here is %d Adam steps (%d training rows, batch %d); on the paper's ~78,000 training rows it "
      .. "would be ~%d, so its 30-35 epochs are about %d steps, our %d epochs %d."):format(
      main.best_epoch, h.epochs,
      main.best_epoch == h.epochs and ": the curve is still rising, the model is not yet converged at this learning rate" or "",
      math.ceil(tr:size(1) / p.batch_size), tr:size(1), p.batch_size, math.ceil(77928 / p.batch_size),
      32 * math.ceil(77928 / p.batch_size), h.epochs, h.epochs * math.ceil(tr:size(1) / p.batch_size)),
    ("- **Fig. 2(b)**: the best batch size on validation is %d (AUC %.3f; paper: 128-256 most stable)."):format(bbs, bbs_auc),
    ("- **Fig. 2(c)**: the best learning rate on validation is %g (AUC %.3f; paper: 1e-4, larger values worse)."):format(
      blr, blr_auc),
  }
  r:text(table.concat(lines, "\n"))
  r:metric("n_rows", n)
  r:metric("n_test", te:size(1))
  r:metric("best_epoch", main.best_epoch)
  return {
    { "accuracy", wdc.accuracy[1] }, { "precision", wdc.precision[1] }, { "recall", wdc.recall[1] },
    { "f1", wdc.f1[1] }, { "f1_lo", wdc.f1[2] }, { "f1_hi", wdc.f1[3] },
    { "auc", wdc.auc[1] }, { "auc_lo", wdc.auc[2] }, { "auc_hi", wdc.auc[3] },
    { "threshold", wdc.threshold },
  }
end)
