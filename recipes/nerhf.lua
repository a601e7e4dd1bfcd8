-- recipes/nerhf.lua: NERHF, the neural network - ensemble learning -
-- reinforcement learning hybrid framework for credit risk control
-- (../shared/papers/nerhf.txt, Wei, Dong & Yu, Sci. Rep. 16, 1170, 2026),
-- on the shipped lending_club.csv:
--
--   1. SMOTE on the training rows (never on validation or test rows);
--   2. three feature extractors trained on them: a DNN (100-50-25, dropout
--      0.2), an RNN (LSTM 50 over the feature sequence -> LSTM 25 -> Dense
--      25 -> 2) and a CNN (Conv1D 32 and 64, kernel 3, max-pool 2, Dense 25
--      -> 1); the extracted features are the activations of the last hidden
--      layer (25 values per row);
--   3. RF and XGBoost-, LightGBM- and CatBoost-style boosters on the raw and
--      on each extracted feature set: the 16 combinations of Tables 2-5, each
--      tuned by grid search with stratified K-fold cross-validation on the
--      training rows (SMOTE applied inside each fold's training part);
--      Acc, Pre, Rec, F1, ROC-AUC, PR-AUC and Brier on the test split with
--      95 % bootstrap intervals, and ROC, PR, reliability and cost curves
--      (Figs. 3-6);
--   4. Spearman correlation and ReliefF weights of the candidate indicators
--      (the paper's selection of its five control indicators);
--   5. each indicator in turn is the decision indicator and the other four
--      (three levels each) the state: 81 states x 3 actions; Pre-DDQN, Double
--      DQN, Q-learning and a random policy trained offline on the training
--      rows and compared by inverse propensity scoring on the test rows
--      (Fig. 8), and the Pre-DDQN policy per indicator and state (Fig. 7).
--
--   credo recipes/nerhf.lua                 -- paper settings
--   credo recipes/nerhf.lua --quick         -- a smoke test (well under a minute)
--   credo recipes/nerhf.lua --set data=data/credit_data.csv --set target=Status \
--       --set indicators=Seniority,Amount,Price,Expenses,Income
--
-- Leakage rules, enforced by the order of the code: the test split is made
-- first; the encoder and scaler are fitted on the training rows; SMOTE
-- resamples training rows only (inside each CV fold during the grid
-- search); the extractors stop early on validation rows carved from the
-- training part; indicator selection, the state cut points and every RL
-- agent see training rows only; the test rows are used once, for the final
-- numbers.  `row_use.csv` in the run folder records which rows each step
-- used (tests/spec/recipe_nerhf_spec.lua checks them).
--
-- What the paper leaves open is a parameter (epochs, batch size, grids,
-- RL step counts and rates, the minimum sample count per state); its
-- Table 1 (the tuned values) and most of Tables 2-5 and Figs. 7-8 were lost
-- in the text we have, so only the numbers its prose states are printed as
-- "paper".
local credo = require "credo"
local nn, optim, metrics, plot = credo.nn, credo.optim, credo.metrics, credo.plot
local split, sampling, prep, tune = credo.split, credo.sampling, credo.prep, credo.tune
local estimator = require "credo.estimator"

local P = credo.recipe.params {
  name = "nerhf",
  description = "NERHF: neural-network feature extraction, ensemble credit-risk prediction and "
    .. "Pre-DDQN credit-risk control (nerhf.txt), on a credit CSV.",
  seed = 42,
  { "data", "data/lending_club.csv", "CSV path (header row, NA for missing)" },
  { "target", "Class", "target column (categorical or 0/1)" },
  { "positive", "bad", "the target level that counts as a default" },
  { "exclude", {}, "columns that are not features (besides the target)" },
  { "subsample", 0, "use this many rows (stratified, after removing incomplete ones); 0: all" },
  { "test_size", 0.2, "share of rows held out for testing" },
  { "val_size", 0.1, "share of the training rows held out for the extractors' early stopping" },
  { "smote_k", 5, "SMOTE neighbours" },
  { "indicators", { "emp_length", "funded_amnt", "instalment", "revol_util", "all_util" },
    "the five control indicators A-E (paper: years of employment, loan amount, instalment, "
    .. "revolving utilisation, share of cards above 75 % utilisation; all_util is the proxy of the last)" },
  { "instalment_from", { "funded_amnt", "int_rate", "term" },
    "columns (amount, annual rate in %, term in months) an indicator named 'instalment' is computed from when the data lack it" },
  { "select_indicators", false, "use the five best candidates by Spearman + ReliefF instead of `indicators`" },
  { "relief_k", 10, "ReliefF neighbours" },
  { "relief_m", 2000, "ReliefF sampled instances (0: every training row)" },
  { "epochs", 50, "extractor training epochs (maximum; early stopping below)" },
  { "batch_size", 64, "extractor rows per step" },
  { "lr", 0.001, "extractor Adam learning rate" },
  { "dropout", 0.2, "extractor dropout (paper: 0.2)" },
  { "patience", 5, "extractor early stopping after this many epochs without improvement of `monitor` (best weights restored); 0: off" },
  { "monitor", "val_auc", "what early stopping watches: val_auc (the extractors feed ranking learners; the SMOTE-balanced training rows make val_loss reward predicting the majority) or val_loss" },
  { "extractors", { "dnn", "rnn", "cnn" }, "feature extractors (Tables 3-5)" },
  { "models", { "rf", "xgboost", "lightgbm", "catboost" }, "ensemble learners" },
  { "cv", 10, "cross-validation folds of the grid search (paper: 10)" },
  { "scoring", "roc_auc", "grid search score: roc_auc, accuracy, f1, neg_log_loss or brier" },
  { "grid_trees", { 100 }, "grid: trees (all four learners)" },
  { "grid_lr", { 0.1 }, "grid: boosters' learning rate" },
  { "grid_depth", { 4, 6 }, "grid: booster depth (LightGBM style: 2^depth - 1 leaves)" },
  { "rf_depth", { 8, 16 }, "grid: random forest max_depth" },
  { "tune_workers", 1, "worker processes of the grid search" },
  { "threshold", 0.5, "probability above which a row is predicted to default" },
  { "rl_steps", 20000, "environment steps per agent and indicator" },
  { "rl_gamma", 0.9, "discount factor" },
  { "rl_min_count", 30, "minimum training records per state (the paper's threshold)" },
  { "rl_hidden", { 64, 64 }, "Q-network hidden sizes" },
  { "rl_lr", 0.001, "Q-network learning rate (Pre-DDQN: alpha_0)" },
  { "rl_batch", 64, "replayed transitions per step" },
  { "rl_tau", 0.01, "soft target update rate" },
  { "rl_hard_every", 10000, "Pre-DDQN hard target update every this many steps (paper: e.g. 10,000)" },
  { "rl_epsilon", 0.1, "exploration rate (Q-learning, Pre-DDQN epsilon_0; DDQN decays 1 -> this)" },
  { "rl_alpha_q", 0.1, "Q-learning step size" },
  { "rl_adjust", 0.1, "Pre-DDQN eta_inc = eta_dec = phi_inc = phi_dec" },
  { "rl_epsilon_max", 0.5, "Pre-DDQN epsilon_max" },
  { "rl_predictor", "rnn+lightgbm", "the classifier whose predictions steer Pre-DDQN (feature set + learner)" },
  { "bootstrap", 1000, "bootstrap replicates of each 95 % interval" },
  quick = { subsample = 2000, epochs = 2, patience = 0, cv = 3, grid_trees = { 30 }, grid_lr = { 0.1 },
            grid_depth = { 4 }, rf_depth = { 8 }, relief_m = 200, rl_steps = 300, rl_min_count = 5,
            rl_hard_every = 100, bootstrap = 100 },
}

local LETTERS = { "A", "B", "C", "D", "E" }
local MODEL_NAMES = { rf = "RF", xgboost = "XGBoost", lightgbm = "LightGBM", catboost = "CatBoost" }
local SET_NAMES = { raw = "raw", dnn = "DNN", rnn = "RNN", cnn = "CNN" }
local TABLE_OF = { raw = "Table 2", dnn = "Table 3", rnn = "Table 4", cnn = "Table 5" }
local FIG_OF = { raw = "Fig. 3", dnn = "Fig. 4", rnn = "Fig. 5", cnn = "Fig. 6" }
local METRICS = {
  { "accuracy", "Acc" }, { "precision", "Pre" }, { "recall", "Rec" }, { "f1", "F1" },
  { "roc_auc", "ROC-AUC" }, { "average_precision", "PR-AUC" }, { "brier_score", "Brier" },
}
-- The numbers the paper's prose states (its tables were lost in extraction).
local PAPER = {
  raw = { lightgbm = { accuracy = 0.903, precision = 0.980, f1 = 0.895, roc_auc = 0.945,
                       average_precision = 0.961, brier_score = 0.077 } },
  dnn = { lightgbm = { recall = 0.828, roc_auc = 0.944, average_precision = 0.960 } },
  rnn = { lightgbm = { recall = 0.828, f1 = 0.898, roc_auc = 0.945, average_precision = 0.961 } },
  cnn = { lightgbm = { recall = 0.828, roc_auc = 0.942, average_precision = 0.959 } },
}
-- Fig. 7 as the paper's prose describes it: indicator -> action -> states
-- (the paper's 0-based state numbers over the other four indicators, the
-- last of them varying fastest; "raise the threshold" read as increase).
local PAPER_POLICY = {
  A = { ["no change"] = { 1, 2, 4, 5 }, decrease = { 0, 40 }, increase = { 36, 37, 41 } },
  B = { ["no change"] = { 1, 54, 55, 68 }, increase = { 5, 58, 59 } },
  C = { ["no change"] = { 1, 54, 55 }, increase = { 0, 27 } },
  D = { increase = { 2, 55, 67 }, decrease = { 0, 27 } },
  E = { ["no change"] = { 1, 28, 54, 55 }, increase = { 0, 27 } },
}
local ACTIONS = { "no change", "decrease", "increase" }

-- ------------------------------------------------------------ helpers

local function check_choice(name, v, list)
  for _, x in ipairs(list) do if x == v then return end end
  error(("--set %s=%s: expected one of %s"):format(name, tostring(v), table.concat(list, ", ")), 0)
end

-- The number a categorical level stands for: the first number in its text
-- ("emp_5" -> 5, "term_36" -> 36, "emp_ge_10" -> 10), minus a half after
-- "lt" ("emp_lt_1" -> 0.5); NaN when the text has none ("emp_unk").
local function level_number(text)
  local num = text:match("%d+%.?%d*")
  if not num then return 0 / 0 end
  local v = tonumber(num)
  if text:find("lt[_ ]?%d") then v = v - 0.5 end
  return v
end

-- A column as float64 numbers (categorical levels through level_number).
local function numeric_column(df, name)
  assert(df:has(name), ("no column '%s' in the data"):format(name))
  local c = df:col(name)
  if not df:is_categorical(name) then return c:double() end
  local lv = {}
  for i, l in ipairs(c.levels) do lv[i] = level_number(l) end
  local codes = c.codes
  local out = credo.zeros({ codes:size(1) }, "float64")
  for i = 1, codes:size(1) do
    local k = codes:get(i)
    out[i] = (k >= 1 and lv[k]) or 0 / 0
  end
  return out
end

-- Monthly instalment of an amortised loan: P r / (1 - (1 + r)^-n), r the
-- monthly rate (annual % / 1200), n the term in months.
local function instalment(amount, rate, term)
  local n = amount:size(1)
  local out = credo.zeros({ n }, "float64")
  for i = 1, n do
    local P0, r, m = amount[i], rate[i] / 1200, term[i]
    out[i] = (r > 0) and P0 * r / (1 - (1 + r) ^ (-m)) or P0 / m
  end
  return out
end

-- ---- ensemble learners: SMOTE inside fit, so grid search resamples each
-- fold's training part only (the held-out fold stays real rows)

local GROWTH_OK = {}   -- growth policy -> true, or the error text

local function make_learner(p)
  local kind, seed = p.kind, p.seed
  if kind == "rf" then
    return credo.RandomForest { n_estimators = p.n_estimators or 100, max_depth = p.max_depth, seed = seed }
  end
  local growth = kind == "lightgbm" and "leafwise" or (kind == "catboost" and "oblivious" or "depthwise")
  if GROWTH_OK[growth] ~= true then
    -- the booster's own growth was rejected: depth-wise with the same depth
    return credo.GBDT { n_estimators = p.n_estimators or 100, max_depth = p.max_depth or 6,
                        learning_rate = p.learning_rate or 0.1, seed = seed }
  end
  if kind == "xgboost" then
    return credo.GBDT { n_estimators = p.n_estimators or 100, max_depth = p.max_depth or 6,
                        learning_rate = p.learning_rate or 0.3, seed = seed }
  elseif kind == "lightgbm" then
    local d = p.max_depth or 5
    return credo.GBDT.lightgbm { n_estimators = p.n_estimators or 100, num_leaves = 2 ^ d // 1 - 1,
                                 learning_rate = p.learning_rate or 0.1, seed = seed }
  end
  return credo.GBDT.catboost { n_estimators = p.n_estimators or 100, depth = p.max_depth or 6,
                               learning_rate = p.learning_rate or 0.03, seed = seed }
end

-- SMOTE interpolates every column, label codes included: a synthetic row
-- gets fractional codes no real row has, and trees then separate synthetic
-- from real rows by them instead of learning defaults.  So the label codes
-- (and whole-number columns) are SMOTE's `discrete` columns: in synthetic
-- rows they snap to the nearest value seen among the original rows (a
-- simple stand-in for SMOTE-NC; docs/sampling.md).
local function smote_snapped(X, y, k, seed, cat_cols)
  return sampling.SMOTE { k_neighbors = k, seed = seed, discrete = cat_cols }:fit_resample(X, y)
end

local Learner = estimator.class("recipes.nerhf.Learner", {
  kind = { default = "rf", enum = { "rf", "xgboost", "lightgbm", "catboost" } },
  smote_k = { default = 5, type = "integer", min = 1 },
  seed = { default = 0, type = "integer" },
  n_estimators = { type = "integer", min = 1 },
  max_depth = { type = "integer", min = 1 },
  learning_rate = { type = "number", gt = 0 },
  cat_cols = { default = {}, type = "table" },
})
function Learner:fit(X, y)
  local Xs, ys = smote_snapped(X, y, self.params_.smote_k, self.params_.seed, self.params_.cat_cols)
  self.model_ = make_learner(self.params_)
  self.model_:fit(Xs, ys)
  self.state_ = { n_fit = Xs:size(1) }
  return self
end
function Learner:predict_proba(X) self:check_fitted("predict_proba"); return self.model_:predict_proba(X) end
function Learner:predict(X) self:check_fitted("predict"); return self.model_:predict(X) end

-- ---- feature extractors (the paper's "DNN algorithm", "RNN algorithm",
-- "CNN algorithm"); `upto` is the module whose output is the feature vector

local function build_extractor(kind, D, p, g)
  local drop = function() return nn.Dropout(p.dropout, { generator = g }) end
  if kind == "dnn" then
    return nn.Sequential(
      nn.Linear(D, 100, { generator = g }), nn.ReLU(), drop(),
      nn.Linear(100, 50, { generator = g }), nn.ReLU(), drop(),
      nn.Linear(50, 25, { generator = g }), nn.ReLU(), drop(),
      nn.Linear(25, 2, { generator = g })), 8, nn.CrossEntropyLoss()
  elseif kind == "rnn" then
    return nn.Sequential(
      nn.LSTM(1, 50, { generator = g }), drop(),
      nn.LSTM(50, 25, { return_sequences = false, generator = g }), drop(),
      nn.Linear(25, 25, { generator = g }), nn.ReLU(),
      nn.Linear(25, 2, { generator = g })), 6, nn.CrossEntropyLoss()
  elseif kind == "cnn" then
    local L1 = (D - 2) // 2
    local L2 = (L1 - 2) // 2
    if L2 < 1 then
      error(("the CNN (two kernel-3 convolutions, each followed by max-pool 2) needs at least 10 features, "
        .. "the data have %d (--set extractors=dnn,rnn)"):format(D), 0)
    end
    return nn.Sequential(
      nn.Conv1D(1, 32, 3, { generator = g }), nn.ReLU(), nn.MaxPool1D(2),
      nn.Conv1D(32, 64, 3, { generator = g }), nn.ReLU(), nn.MaxPool1D(2),
      nn.Flatten(), nn.Linear(64 * L2, 25, { generator = g }), nn.ReLU(),
      nn.Linear(25, 1, { generator = g })), 9, nn.BCEWithLogitsLoss()
  end
  error(("unknown extractor '%s' (dnn, rnn, cnn)"):format(kind), 0)
end

local function input_of(kind, X)
  local N, D = X:size(1), X:size(2)
  if kind == "rnn" then return X:reshape(N, D, 1) end   -- D steps of one value
  if kind == "cnn" then return X:reshape(N, 1, D) end   -- one channel along the features
  return X
end

-- the output of modules 1..upto in eval mode, in batches
local function extract(net, upto, X)
  net:eval()
  local n, parts = X:size(1), {}
  for i = 1, n, 1024 do
    local h = X:narrow(1, i, math.min(1024, n - i + 1))
    for k = 1, upto do h = net:get(k):forward(h) end
    parts[#parts + 1] = h:contiguous():clone():float()
  end
  return #parts == 1 and parts[1] or credo.cat(parts, 1)
end

local function fmt_ci(v) return ("%.3f [%.3f, %.3f]"):format(v[1], v[2], v[3]) end

-- ------------------------------------------------------------ recipe

return credo.recipe.run(P, function(p, r)
  for _, m in ipairs(p.models) do check_choice("models", m, { "rf", "xgboost", "lightgbm", "catboost" }) end
  for _, e in ipairs(p.extractors) do check_choice("extractors", e, { "dnn", "rnn", "cnn" }) end
  check_choice("monitor", p.monitor, { "val_auc", "val_loss" })
  do -- the Pre-DDQN predictor must be one of the combinations this run trains
    local avail = {}
    for _, s in ipairs { "raw", table.unpack(p.extractors) } do
      for _, k in ipairs(p.models) do avail[#avail + 1] = s .. "+" .. k end
    end
    check_choice("rl_predictor", p.rl_predictor, avail)
  end
  check_choice("scoring", p.scoring, { "roc_auc", "accuracy", "f1", "neg_log_loss", "brier" })
  if #p.indicators ~= 5 then
    error(("--set indicators: expected five columns (A-E), got %d"):format(#p.indicators), 0)
  end
  local notes = {}

  -- growth policies the booster accepts (another part of credo may lack one)
  for _, gname in ipairs { "depthwise", "leafwise", "oblivious" } do
    local ok, err = pcall(function()
      local Xt = credo.tensor({ { 0, 1 }, { 1, 0 }, { 2, 1 }, { 3, 0 }, { 4, 1 }, { 5, 0 } }, "float32")
      local yt = credo.tensor({ 0, 0, 0, 1, 1, 1 }, "int64")
      credo.GBDT { growth = gname, n_estimators = 2, max_depth = 2, seed = 0 }:fit(Xt, yt):predict_proba(Xt)
    end)
    GROWTH_OK[gname] = ok or tostring(err)
  end
  for kind, gname in pairs { lightgbm = "leafwise", catboost = "oblivious" } do
    if GROWTH_OK[gname] ~= true then
      notes[#notes + 1] = ("**%s column: depth-wise trees instead of %s growth.**  credo.GBDT rejected "
        .. "`growth = \"%s\"` in this build (`%s`), so the %s-style learner below is an XGBoost-style "
        .. "depth-wise booster with the same grid: its numbers are not those of %s-style trees.")
        :format(MODEL_NAMES[kind], gname, gname, GROWTH_OK[gname], MODEL_NAMES[kind], MODEL_NAMES[kind])
    end
  end

  -- 1. data ---------------------------------------------------------
  local df, y, ids, cat_cols, num_cols, info = r:stage("load", function()
    local raw = credo.read_csv(p.data)
    local n0 = raw:nrow()
    local rid = {}
    for i = 1, n0 do rid[i] = i end
    raw = raw:add("row_id_", credo.tensor(rid, "float64"))
    assert(raw:has(p.target), ("no column '%s' in %s"):format(p.target, p.data))
    local clean = raw:dropna()
    local n1 = clean:nrow()
    local yy, lv = credo.recipe.binary_target(clean, p.target, p.positive)
    if p.subsample > 0 and p.subsample < clean:nrow() then
      local _, keep = split.train_test(yy, { test_size = p.subsample / clean:nrow(), stratify = true, seed = P.seed })
      -- keep the file order (the RL part reads records in time order)
      local kv = {}
      for i = 1, keep:size(1) do kv[i] = keep:get(i) end
      table.sort(kv)
      keep = credo.tensor(kv, "int64")
      clean, yy = split.take(clean, keep), split.take(yy, keep)
    end
    local skip = { [p.target] = true, row_id_ = true }
    for _, c in ipairs(p.exclude) do skip[c] = true end
    local cats, nums = {}, {}
    for _, c in ipairs(clean:names()) do
      if not skip[c] then
        if clean:is_categorical(c) then cats[#cats + 1] = c else nums[#nums + 1] = c end
      end
    end
    return clean, yy, clean:col("row_id_"):long(), cats, nums, { n_read = n0, n_complete = n1, levels = lv }
  end)
  local n = df:nrow()

  -- the indicator columns (checked now, before any model is trained)
  local have_inst = df:has("instalment")
  local function indicator_values(name)
    if name == "instalment" and not have_inst then
      local f = p.instalment_from
      assert(#f == 3, "--set instalment_from: expected three columns (amount, annual rate %, term in months)")
      for _, c in ipairs(f) do
        if not df:has(c) then
          error(("indicator 'instalment' is not a column and cannot be computed: no column '%s' "
            .. "(--set instalment_from=amount,rate,term, or name five columns with --set indicators)"):format(c), 0)
        end
      end
      return instalment(numeric_column(df, f[1]), numeric_column(df, f[2]), numeric_column(df, f[3]))
    end
    return numeric_column(df, name)
  end
  for _, c in ipairs(p.indicators) do indicator_values(c) end

  -- 2. split: test first; validation carved from the training part ----
  local train, test = split.train_test(y, { test_size = p.test_size, stratify = true, seed = P.seed })
  local ytr, yte = split.take(y, train), split.take(y, test)
  local fit_pos, val_pos = split.train_test(ytr, { test_size = p.val_size, stratify = true, seed = P.seed + 1 })
  local fit_idx, val_idx = split.take(train, fit_pos), split.take(train, val_pos)
  local ids_tr, ids_te = split.take(ids, train), split.take(ids, test)
  r:rows("test", ids_te)

  -- 3. features: label codes and standardisation fitted on training rows
  local X = r:stage("encode", function()
    local trows = split.take(df, train)
    local parts = {}
    if #cat_cols > 0 then
      local enc = prep.OrdinalEncoder { columns = cat_cols, handle_unknown = "use_encoded_value", unknown_value = -1 }
      enc:fit(trows:select(cat_cols))
      parts[#parts + 1] = enc:transform(df:select(cat_cols))
    end
    if #num_cols > 0 then parts[#parts + 1] = df:to_tensor(num_cols, "float64") end
    assert(#parts > 0, "no feature columns")
    local M = #parts == 1 and parts[1] or credo.cat(parts, 2)
    local sc = prep.StandardScaler {}
    sc:fit(split.take(M, train))
    return sc:transform(M):float()
  end)
  r:rows("fit_preprocessing", ids_tr)
  local feat_names = {}
  for _, c in ipairs(cat_cols) do feat_names[#feat_names + 1] = c end
  for _, c in ipairs(num_cols) do feat_names[#feat_names + 1] = c end
  local D = X:size(2)

  -- 4. feature extractors on SMOTE-resampled fitting rows ---------------
  local Xfit, yfit = split.take(X, fit_idx), split.take(y, fit_idx)
  local Xval, yval = split.take(X, val_idx), split.take(y, val_idx)
  -- the discrete columns: label codes (first in X) and numeric columns whose
  -- training values are all whole numbers (counts, amounts in whole dollars)
  local code_cols = {}
  for j = 1, #cat_cols do code_cols[j] = j end
  do
    local trows = split.take(df, train)
    for j, c in ipairs(num_cols) do
      local v = trows:col(c)
      local whole = true
      for i = 1, v:size(1) do local x = v:get(i); if x ~= math.floor(x) then whole = false; break end end
      if whole then code_cols[#code_cols + 1] = #cat_cols + j end
    end
  end
  local Xfit_s, yfit_s = smote_snapped(Xfit, yfit, p.smote_k, P.seed, code_cols)
  r:rows("smote_extractors", split.take(ids, fit_idx))
  r:rows("fit_extractors", split.take(ids, fit_idx))
  if #p.extractors > 0 then r:rows("early_stopping", split.take(ids, val_idx)) end
  local sets = { raw = X }
  local set_order = { "raw" }
  local ext_info = {}
  for _, kind in ipairs(p.extractors) do
    sets[kind] = r:stage("extract/" .. kind, function()
      local g = credo.Generator(P.seed)
      local net, upto, loss = build_extractor(kind, D, p, g)
      local is_bce = kind == "cnn"
      local fopts = {
        epochs = p.epochs, batch_size = p.batch_size, seed = P.seed,
        validation_data = { input_of(kind, Xval), is_bce and yval:float() or yval },
        verbose = P.quiet and 0 or 1,
      }
      local params, best, best_auc, best_epoch = net:parameters(), nil, -math.huge, 0
      if p.patience > 0 and p.monitor == "val_loss" then
        fopts.early_stopping = { monitor = "val_loss", patience = p.patience, restore_best_weights = true }
      elseif p.patience > 0 then
        -- Keras' EarlyStopping on the validation ROC-AUC (nn.fit records no
        -- AUC for a two-column softmax): keep the best epoch's weights, stop
        -- after `patience` epochs without a higher AUC, restore the best
        local Xv = input_of(kind, Xval)
        fopts.on_epoch_end = function(epoch)
          local auc = metrics.roc_auc(yval, nn.predict_proba(net, Xv):select(2, 2):contiguous())
          if auc > best_auc then
            best_auc, best_epoch = auc, epoch
            best = best or {}
            for i, t in ipairs(params) do
              if best[i] then best[i]:copy(t) else best[i] = t:clone() end
            end
          end
          return epoch - best_epoch >= p.patience
        end
      end
      local hist = nn.fit(net, loss, optim.Adam(net, { lr = p.lr }), input_of(kind, Xfit_s),
                          is_bce and yfit_s:float() or yfit_s, fopts)
      if best then for i, t in ipairs(params) do t:copy(best[i]) end end
      local score = nn.predict_proba(net, input_of(kind, Xval)):select(2, 2):contiguous()
      local parts = {}
      for i = 1, net:size() do parts[i] = net:get(i):describe() end
      ext_info[#ext_info + 1] = { extractor = SET_NAMES[kind], layers = table.concat(parts, " -> "),
        parameters = net:n_parameters(), features = 25, epochs = hist.epochs,
        best_epoch = best and best_epoch or hist.best_epoch or hist.epochs,
        val_auc = metrics.roc_auc(yval, score) }
      return extract(net, upto, input_of(kind, X))
    end)
    set_order[#set_order + 1] = kind
  end

  -- 5. the 16 combinations: grid search + K-fold CV on training rows ------
  local function grid_of(kind)
    if kind == "rf" then return { n_estimators = p.grid_trees, max_depth = p.rf_depth } end
    return { n_estimators = p.grid_trees, max_depth = p.grid_depth, learning_rate = p.grid_lr }
  end
  r:rows("grid_search_cv", ids_tr)
  r:rows("smote_learners", ids_tr)
  r:rows("fit_learners", ids_tr)
  local res = {}        -- res[set][model] = {score, train_score, m, best}
  local best_rows = {}
  for _, s in ipairs(set_order) do
    res[s] = {}
    local F = sets[s]
    local Ftr, Fte = split.take(F, train), split.take(F, test)
    for _, kind in ipairs(p.models) do
      res[s][kind] = r:stage(("tune/%s+%s"):format(s, kind), function()
        local t = tune.grid(Learner { kind = kind, smote_k = p.smote_k, seed = P.seed,
                                      cat_cols = s == "raw" and code_cols or {} }, grid_of(kind), Ftr, ytr,
          { cv = p.cv, scoring = p.scoring, seed = P.seed, progress = 0, workers = p.tune_workers })
        local score = t.best_model:predict_proba(Fte):select(2, 2):contiguous():double()
        local pred = score:gt(p.threshold):long()
        local m, B = {}, { n = p.bootstrap, seed = P.seed }
        for _, mm in ipairs(METRICS) do
          local k = mm[1]
          local second = (k == "roc_auc" or k == "average_precision" or k == "brier_score") and score or pred
          local est, lo, hi = metrics.bootstrap_ci(k, yte, second, B)
          m[k] = { est, lo, hi }
        end
        local bp = {}
        local keys = {}
        for k in pairs(t.best_params) do keys[#keys + 1] = k end
        table.sort(keys)
        for _, k in ipairs(keys) do bp[#bp + 1] = ("%s=%s"):format(k, tostring(t.best_params[k])) end
        best_rows[#best_rows + 1] = { features = SET_NAMES[s], learner = MODEL_NAMES[kind],
          best = table.concat(bp, ", "), cv_score = t.best_score, cv_std = t.best_std,
          candidates = #t.results }
        return { score = score, m = m, model = t.best_model,
                 train_score = t.best_model:predict_proba(Ftr):select(2, 2):contiguous():double() }
      end)
    end
  end

  -- 6. indicators: Spearman + ReliefF on training rows ------------------
  local cand_names, cand_cols = {}, {}
  local seen = {}
  for _, c in ipairs(feat_names) do
    local v = numeric_column(df, c)
    local ok = true
    for i = 1, v:size(1) do if v[i] ~= v[i] then ok = false; break end end
    if ok then cand_names[#cand_names + 1] = c; cand_cols[#cand_cols + 1] = v; seen[c] = true end
  end
  for _, c in ipairs(p.indicators) do
    if not seen[c] then
      cand_names[#cand_names + 1] = c; cand_cols[#cand_cols + 1] = indicator_values(c); seen[c] = true
    end
  end
  local sel = r:stage("select_indicators", function()
    -- candidates with a NaN on a training row (a level without a number) are
    -- ranked on their complete training rows' values replaced by the median
    local Ctr = {}
    for j, v in ipairs(cand_cols) do
      local vt = split.take(v, train)
      local vals = {}
      for i = 1, vt:size(1) do if vt[i] == vt[i] then vals[#vals + 1] = vt[i] end end
      table.sort(vals)
      local med = #vals > 0 and vals[(#vals + 1) // 2] or 0
      for i = 1, vt:size(1) do if vt[i] ~= vt[i] then vt[i] = med end end
      Ctr[j] = vt:reshape(vt:size(1), 1)
    end
    local C = credo.cat(Ctr, 2)
    local withy = credo.cat({ C, ytr:double():reshape(ytr:size(1), 1) }, 2)
    local rho, pv = prep.spearman(withy)
    local d = #cand_names
    local ropts = { k = p.relief_k, seed = P.seed }
    if p.relief_m > 0 and p.relief_m < C:size(1) then ropts.m = p.relief_m end
    local w = prep.relieff(C, ytr, ropts)
    local rows = {}
    for j = 1, d do
      rows[j] = { indicator = cand_names[j], spearman = rho:get(j, d + 1), p_value = pv:get(j, d + 1),
                  relief = w:get(j) }
    end
    -- rank by |rho| and by ReliefF weight; the sum of the two ranks orders them
    local function rank_by(key)
      local idx = {}
      for j = 1, d do idx[j] = j end
      table.sort(idx, function(a, b)
        local va, vb = rows[a][key], rows[b][key]
        if key == "spearman" then va, vb = math.abs(va), math.abs(vb) end
        if va ~= va then va = -math.huge end
        if vb ~= vb then vb = -math.huge end
        if va ~= vb then return va > vb end
        return a < b
      end)
      for rk, j in ipairs(idx) do rows[j]["rank_" .. key] = rk end
    end
    rank_by("spearman"); rank_by("relief")
    local order = {}
    for j = 1, d do order[j] = j; rows[j].combined = rows[j].rank_spearman + rows[j].rank_relief end
    table.sort(order, function(a, b)
      if rows[a].combined ~= rows[b].combined then return rows[a].combined < rows[b].combined end
      return a < b
    end)
    local top = {}
    for k = 1, math.min(5, d) do top[k] = cand_names[order[k]]; rows[order[k]].top5 = "yes" end
    local sorted = {}
    for k, j in ipairs(order) do sorted[k] = rows[j] end
    return { rows = sorted, top = top }
  end)
  r:rows("feature_selection", ids_tr)
  local ind_names = p.select_indicators and sel.top or p.indicators
  if #ind_names < 5 then error("fewer than five candidate indicators", 0) end

  -- 7. credit risk control: 81 states x 3 actions per indicator ----------
  local I5 = {}
  for j = 1, 5 do I5[j] = indicator_values(ind_names[j]):reshape(n, 1) end
  I5 = credo.cat(I5, 2)
  local complete = {}
  for i = 1, n do
    local ok = true
    for j = 1, 5 do local v = I5:get(i, j); if v ~= v then ok = false end end
    complete[i] = ok
  end
  -- training and test positions in file order, complete indicators only
  local function ordered(idx)
    local v = {}
    for i = 1, idx:size(1) do local k = idx:get(i); if complete[k] then v[#v + 1] = k end end
    table.sort(v)
    return credo.tensor(v, "int64")
  end
  local rtr, rte = ordered(train), ordered(test)
  local n_incomplete = n - rtr:size(1) - rte:size(1)
  local Itr, Ite = split.take(I5, rtr), split.take(I5, rte)
  local repay_tr = split.take(y, rtr):eq(0):long()
  local repay_te = split.take(y, rte):eq(0):long()
  r:rows("rl_train", split.take(ids, rtr))   -- the IPS evaluation reads test rows (recorded as "test")

  -- the predictor steering Pre-DDQN: its mean P(default) over the training
  -- rows of each state (training rows only)
  local pset, pmodel = p.rl_predictor:match("^(%w+)%+(%w+)$")
  local pd_tr_all = res[pset][pmodel].train_score            -- aligned with `train`
  local pd_by_pos = {}
  for i = 1, train:size(1) do pd_by_pos[train:get(i)] = pd_tr_all[i] end

  local rl = credo.rl
  local ips_rows, ips_fig = {}, {}
  local algos = { "Pre-DDQN", "DDQN", "Q-learning", "Random" }
  for _, a in ipairs(algos) do ips_fig[a] = { values = {}, lo = {}, hi = {} } end
  local policy_choice = {}
  for s = 1, 81 do policy_choice[s] = {} end
  local policy_agree = {}
  local rl_meta = {}
  for j = 1, 5 do
    local L = LETTERS[j]
    -- the other four, the last varying fastest (the paper's state numbering)
    local others = {}
    for k = 5, 1, -1 do if k ~= j then others[#others + 1] = k end end
    local out = r:stage("rl/" .. L, function()
      local env = rl.OfflineEnv(Itr, repay_tr, { state_cols = others, action_col = j, min_count = p.rl_min_count })
      local sid = env:states(Itr)
      local sum, cnt = {}, {}
      for i = 1, rtr:size(1) do
        local s = sid[i]
        sum[s] = (sum[s] or 0) + pd_by_pos[rtr:get(i)]; cnt[s] = (cnt[s] or 0) + 1
      end
      local yhat = {}
      for s = 1, 81 do yhat[s] = (cnt[s] and sum[s] / cnt[s] >= p.threshold) and 0 or 1 end
      local common = { n_states = 81, n_actions = 3, gamma = p.rl_gamma, hidden = p.rl_hidden,
                       batch_size = p.rl_batch, tau = p.rl_tau, seed = P.seed + j }
      local agents = {}
      local o = {}
      for k, v in pairs(common) do o[k] = v end
      o.predict = yhat; o.alpha0 = p.rl_lr; o.target_update_every = p.rl_hard_every
      o.eta_inc, o.eta_dec, o.phi_inc, o.phi_dec = p.rl_adjust, p.rl_adjust, p.rl_adjust, p.rl_adjust
      o.epsilon0 = p.rl_epsilon; o.epsilon_max = p.rl_epsilon_max
      agents["Pre-DDQN"] = rl.PreDDQN(o)
      local d = {}
      for k, v in pairs(common) do d[k] = v end
      d.lr = p.rl_lr
      d.epsilon = { kind = "linear", start = 1.0, stop = p.rl_epsilon, steps = math.max(1, p.rl_steps // 2) }
      agents["DDQN"] = rl.DoubleDQN(d)
      agents["Q-learning"] = rl.QLearning { n_states = 81, n_actions = 3, alpha = p.rl_alpha_q, gamma = p.rl_gamma,
                                            epsilon = p.rl_epsilon, seed = P.seed + j }
      local policies = {}
      for _, a in ipairs { "Pre-DDQN", "DDQN", "Q-learning" } do
        agents[a]:fit_env(env, { steps = p.rl_steps })
        policies[a] = agents[a]:policy()
      end
      policies.Random = rl.random_policy(3)
      -- test records: states with the training cut points, logged actions
      -- from the test rows' own order; only states eligible in training
      local st, at = env:states(Ite), env:actions(Ite)
      local Sv, Av, Rv = {}, {}, {}
      for i = 2, st:size(1) do
        if env.eligible[st[i]] then Sv[#Sv + 1] = st[i]; Av[#Av + 1] = at[i]; Rv[#Rv + 1] = repay_te[i] end
      end
      if #Sv == 0 then return { env = env, policies = policies, n_eval = 0 } end
      local S_, A_, R_ = credo.tensor(Sv, "int64"), credo.tensor(Av, "int64"), credo.tensor(Rv, "float64")
      local ips = {}
      for _, a in ipairs(algos) do
        ips[a] = rl.ips(policies[a], S_, A_, R_, { n_actions = 3, bootstrap = p.bootstrap, seed = P.seed })
      end
      local n_elig = 0
      for s = 1, 81 do if env.eligible[s] then n_elig = n_elig + 1 end end
      return { env = env, policies = policies, ips = ips, n_eval = #Sv, n_eligible = n_elig,
               n_train = env.n_transitions, repay_rate = R_:mean() }
    end)
    rl_meta[j] = out
    for s = 1, 81 do
      policy_choice[s][j] = out.env.eligible[s] and out.policies["Pre-DDQN"][s] or 4
    end
    for _, a in ipairs(algos) do
      local v = out.ips and out.ips[a]
      ips_fig[a].values[j] = v and v.ips or 0
      ips_fig[a].lo[j] = v and v.ips_ci[1] or 0
      ips_fig[a].hi[j] = v and v.ips_ci[2] or 0
      ips_rows[#ips_rows + 1] = { indicator = ("%s (%s)"):format(L, ind_names[j]), algorithm = a,
        ips = v and v.ips, ci_lo = v and v.ips_ci[1], ci_hi = v and v.ips_ci[2], snips = v and v.snips,
        records = out.n_eval }
    end
    -- the paper's Fig. 7 statements against this run's Pre-DDQN policy
    for act, states in pairs(PAPER_POLICY[L]) do
      for _, s0 in ipairs(states) do
        local s = s0 + 1
        local got = out.env.eligible[s] and ACTIONS[out.policies["Pre-DDQN"][s]] or "too few records"
        policy_agree[#policy_agree + 1] = { indicator = L, state = s0, paper = act, measured = got,
          agrees = got == act and "yes" or "no" }
      end
    end
  end
  table.sort(policy_agree, function(a, b)
    if a.indicator ~= b.indicator then return a.indicator < b.indicator end
    return a.state < b.state
  end)

  -- ---------------------------------------------------------- report
  r:section("Data")
  local npos = y:sum()
  r:text(("`%s`: %d rows read, %d complete rows kept%s.  Target `%s`, positive level `%s` (a default): "
    .. "%d of %d rows (%.1f %%).  %d label-encoded columns and %d numeric columns, all standardised with "
    .. "the statistics of the training rows (D = %d features; the paper used 17 of Lending Club's 145 "
    .. "variables).  Stratified split: %d training rows (%d to fit the extractors, %d for their early "
    .. "stopping) and %d test rows.  SMOTE (k = %d) resamples the extractors' fitting rows to %d rows "
    .. "(%d defaults) and, inside every fit of a learner, that fit's training rows.  SMOTE interpolates "
    .. "every column; in the %d discrete ones (label codes, and numeric columns whose training values "
    .. "are all whole numbers) the synthetic rows' values are snapped to the nearest value seen in the "
    .. "rows resampled.  Unsnapped, trees separate synthetic from real rows by their fractional "
    .. "values, and learn that instead of defaults.")
    :format(p.data, info.n_read, info.n_complete, n < info.n_complete and (", then a stratified subsample of " .. n) or "",
      p.target, p.positive, npos, n, 100 * npos / n, #cat_cols, #num_cols, D,
      train:size(1), fit_idx:size(1), val_idx:size(1), test:size(1), p.smote_k, Xfit_s:size(1), yfit_s:sum(), #code_cols))
  for _, t in ipairs(notes) do r:text(t) end

  r:section("Feature extractors")
  r:text("Each network is trained on the SMOTE-resampled fitting rows with Adam and cross-entropy "
    .. "(the CNN, whose output is a single sigmoid unit in the paper, with binary cross-entropy on its logit); "
    .. "the features handed to the learners are the 25 activations of the last hidden layer, computed in "
    .. "evaluation mode (dropout off).  The RNN reads each row as a sequence of its D standardised features "
    .. "in column order (the paper's \"feature serialisation\"; its business-logic order is not published); "
    .. "the CNN reads them as one channel of length D.  `val_auc` is the network's own ROC-AUC on the "
    .. "validation rows.  " .. (p.patience > 0 and ("Early stopping watches `%s` with patience %d and restores the best weights.  "):format(p.monitor, p.patience) or "No early stopping.  ")
    .. "The paper's DNN has five input neurons (its five indicators); here every "
    .. "extractor reads all D features, as the raw learners do, so the four feature sets are comparable.  "
    .. "The extractors are fitted on training rows, so the cross-validation scores of the learners on "
    .. "extracted features are optimistic (the folds' held-out rows shaped the features); the test rows "
    .. "are not affected.")
  if #ext_info > 0 then
    r:table("extractors", ext_info, { columns = { "extractor", "layers", "parameters", "features", "epochs", "best_epoch", "val_auc" },
      caption = "The three extractors (credo.nn layers)" })
  end

  r:section("Credit risk prediction (Tables 2-5, Figs. 3-6)")
  r:text(("Grid search over the grid below with %d-fold stratified cross-validation on the training rows "
    .. "(scoring: %s; SMOTE inside each fold's training part), the best candidate refitted on all training "
    .. "rows.  Learners: RF = `credo.RandomForest`; XGBoost style = `credo.GBDT` (depth-wise, XGBoost "
    .. "defaults); LightGBM style = `credo.GBDT.lightgbm` (leaf-wise, 2^depth - 1 leaves); CatBoost style "
    .. "= `credo.GBDT.catboost` (oblivious trees).  The paper's Table 1 (its tuned values) is missing "
    .. "from the text; grid: trees %s, booster depth %s, learning rate %s, RF depth %s (small, so that the "
    .. "160 fits of 10-fold CV per grid point stay within minutes on two cores; widen it with e.g. "
    .. "`--set grid_trees=100,300 --set grid_lr=0.05,0.1`).  Test metrics at "
    .. "threshold %.2f, positive class = default; PR-AUC is the average precision; 95 %% stratified "
    .. "bootstrap intervals (%d replicates).")
    :format(p.cv, p.scoring, table.concat(p.grid_trees, "/"), table.concat(p.grid_depth, "/"),
      table.concat(p.grid_lr, "/"), table.concat(p.rf_depth, "/"), p.threshold, p.bootstrap))
  r:table("grid_search", best_rows, { columns = { "features", "learner", "best", "cv_score", "cv_std", "candidates" },
    caption = "Best candidate of each grid search (mean and standard deviation of the fold scores)", paper = "Table 1" })
  local best_auc, best_name = -1, nil
  for _, s in ipairs(set_order) do
    local rows = {}
    for _, kind in ipairs(p.models) do
      local m = res[s][kind].m
      local pp = PAPER[s] and PAPER[s][kind] or {}
      for _, mm in ipairs(METRICS) do
        local v = m[mm[1]]
        rows[#rows + 1] = { model = (s == "raw" and "" or SET_NAMES[s] .. "-") .. MODEL_NAMES[kind], metric = mm[2],
          paper = pp[mm[1]], measured = v[1], ci = { v[2], v[3] } }
      end
      if m.roc_auc[1] > best_auc then best_auc, best_name = m.roc_auc[1], s .. "+" .. kind end
      r:metric(("%s_%s_auc"):format(s, kind), m.roc_auc[1])
    end
    r:paper_table("table_" .. s, rows, {
      caption = ("%s features; test split (%d rows)"):format(s == "raw" and "Raw" or SET_NAMES[s] .. "-extracted", test:size(1)),
      paper = TABLE_OF[s], digits = 3 })
    local curves, pr, cal, cost = {}, {}, {}, {}
    for _, kind in ipairs(p.models) do
      local nm = MODEL_NAMES[kind]
      local sc = res[s][kind].score
      curves[#curves + 1] = { name = nm, y_true = yte, score = sc }
      pr[#pr + 1] = { name = nm, y_true = yte, score = sc }
      cal[#cal + 1] = { name = nm, y_true = yte, prob = sc }
      cost[#cost + 1] = { name = nm, y_true = yte, score = sc }
    end
    local tag = SET_NAMES[s]
    r:figure("roc_" .. s, plot.roc { title = "ROC (" .. tag .. " features)", curves = curves },
      "ROC curves of the four learners on the test split", { paper = FIG_OF[s] })
    r:figure("pr_" .. s, plot.pr { title = "Precision-recall (" .. tag .. " features)", curves = pr },
      "Precision-recall curves (AP in the legend); dashed: the default rate", { paper = FIG_OF[s] })
    r:figure("reliability_" .. s, plot.calibration { title = "Reliability (" .. tag .. " features)", curves = cal },
      "Reliability curves (10 uniform bins; Brier in the legend)", { paper = FIG_OF[s] })
    r:figure("cost_" .. s, plot.cost { title = "Cost curves (" .. tag .. " features)", curves = cost },
      "Cost curves (Drummond & Holte); dashed: the trivial classifiers", { paper = FIG_OF[s] })
  end

  r:section("Indicator selection (Spearman + ReliefF)")
  r:text(("Spearman's rho of each candidate with the default label and its two-sided p-value, and ReliefF "
    .. "weights (k = %d%s), on the training rows; candidates ranked by |rho| and by weight, the five with "
    .. "the smallest rank sum marked.  Candidates: the numeric columns, categorical columns whose levels "
    .. "name numbers (`emp_5` -> 5), and the indicators; missing values (a level without a number) are "
    .. "replaced by the training median here.  The paper names its five (years of employment, loan amount, "
    .. "instalment, revolving utilisation, share of cards above 75 %% utilisation); `%s` maps them to %s "
    .. "here%s.  This run uses: %s.")
    :format(p.relief_k, (p.relief_m > 0 and p.relief_m < train:size(1)) and (", " .. p.relief_m .. " sampled rows") or ", every training row",
      "indicators", table.concat(p.indicators, ", "),
      have_inst and "" or " (instalment computed from " .. table.concat(p.instalment_from, ", ") .. " as an annuity)",
      table.concat(ind_names, ", ")))
  r:table("indicator_selection", sel.rows,
    { columns = { "indicator", "spearman", "p_value", "relief", "rank_spearman", "rank_relief", "combined", "top5" },
      caption = "Candidates, best first", paper = "Sect. 2.1" })
  local agree_sel = 0
  local in_top = {}
  for _, c in ipairs(sel.top) do in_top[c] = true end
  for _, c in ipairs(p.indicators) do if in_top[c] then agree_sel = agree_sel + 1 end end

  r:section("Credit risk control (Figs. 7-8)")
  r:text(("For each indicator in turn (A-E = %s), the other four are cut into three levels at their "
    .. "training tertiles (81 states, the paper's numbering: the last indicator varies fastest) and the "
    .. "action is the sign of the indicator's change from the previous record in file order (no change, "
    .. "decrease, increase; within the training rows for learning, within the test rows for the evaluation); reward 1 for a repaid loan, 0 for a default.  States with fewer than %d "
    .. "training records are left out (the paper's threshold).  %d rows with an indicator value that is "
    .. "not a number are left out of this part.  Agents learn offline for %d steps each over the logged "
    .. "training transitions (credo.rl.OfflineEnv): Pre-DDQN (prioritised replay, soft updates tau = %g "
    .. "plus a hard copy every %d steps, learning and exploration rates moved by the %s prediction: a "
    .. "state whose training rows have a mean predicted default probability below %.2f counts as "
    .. "'repay'), Double DQN (uniform replay, soft updates, epsilon 1 -> %g), tabular Q-learning "
    .. "(alpha %g, epsilon %g) and the uniform random policy.  IPS uses the test rows (uniform behaviour "
    .. "policy, the paper's assumption), with 95 %% bootstrap intervals.")
    :format(table.concat(ind_names, ", "), p.rl_min_count, n_incomplete, p.rl_steps, p.rl_tau, p.rl_hard_every,
      p.rl_predictor, p.threshold, p.rl_epsilon, p.rl_alpha_q, p.rl_epsilon))
  local labels = {}
  for j = 1, 5 do labels[j] = ("%s %s"):format(LETTERS[j], ind_names[j]) end
  local series = {}
  for _, a in ipairs(algos) do series[#series + 1] = { name = a, values = ips_fig[a].values, lo = ips_fig[a].lo, hi = ips_fig[a].hi } end
  r:table("ips", ips_rows, { columns = { "indicator", "algorithm", "ips", "ci_lo", "ci_hi", "snips", "records" },
    caption = "IPS value estimates on the test rows (95 % bootstrap intervals)", paper = "Fig. 8" })
  r:figure("ips", plot.bar { title = "IPS value estimate per decision indicator", labels = labels, series = series,
    horizontal = false, ylabel = "IPS" }, "Pre-DDQN, DDQN, Q-learning and Random by IPS on the test rows (95 % intervals)",
    { paper = "Fig. 8" })
  local states = {}
  for s = 1, 81 do
    local t, v = {}, s - 1
    for k = 4, 1, -1 do t[k] = tostring(v % 3); v = v // 3 end
    states[s] = ("%d (%s)"):format(s - 1, table.concat(t))
  end
  r:figure("policy", plot.policy { title = "Pre-DDQN policy per decision indicator and state", choice = policy_choice,
    actions = { "no change", "decrease", "increase", "too few records" }, states = states, columns = labels },
    "Action chosen in each state (the other four indicators' levels, 0 low .. 2 high, in A-E order without the "
    .. "decision indicator); the fourth colour: fewer training records than the threshold", { paper = "Fig. 7" })
  r:table("policy_vs_paper", policy_agree, { columns = { "indicator", "state", "paper", "measured", "agrees" },
    caption = "The states the paper's prose describes: its action and this run's Pre-DDQN action", paper = "Fig. 7" })

  -- ---------------------------------------------------------- honesty
  r:section("Where the data disagrees with the paper")
  local lg = res.raw.lightgbm
  local rnn_lg = res.rnn and res.rnn.lightgbm
  local lines = {}
  lines[#lines + 1] = ("- **Data.**  The paper uses 277,856 Lending Club loans of 2019-2020 (17 variables); "
    .. "credo ships `modeldata`'s lending_club (9,857 loans, 5.2 %% defaults).  This run: %d rows, %.1f %% "
    .. "defaults; the test split has %d defaults, so every interval is wide."):format(n, 100 * npos / n, yte:sum())
  if lg then
    lines[#lines + 1] = ("- **Levels.**  The paper's raw LightGBM: accuracy 0.903, precision 0.980, "
      .. "ROC-AUC 0.945, PR-AUC 0.961, Brier 0.077.  Measured: accuracy %s, precision %s, ROC-AUC %s, "
      .. "PR-AUC %s, Brier %s.  A PR-AUC of 0.96 for the default class needs defaults to be the majority "
      .. "of the evaluated rows or nearly perfectly separable; with a few per cent of defaults the PR-AUC "
      .. "of any model sits far below it.  The paper's numbers look like those of a resampled (balanced) "
      .. "test set; here the test rows are never resampled.")
      :format(fmt_ci(lg.m.accuracy), fmt_ci(lg.m.precision), fmt_ci(lg.m.roc_auc),
        fmt_ci(lg.m.average_precision), fmt_ci(lg.m.brier_score))
  end
  lines[#lines + 1] = ("- **Best combination.**  The paper finds RNN + LightGBM best on every metric.  "
    .. "By test ROC-AUC the best here is %s (%.3f)%s.")
    :format(best_name, best_auc, rnn_lg and ("; RNN + LightGBM: %s, raw LightGBM: %s"):format(
      fmt_ci(rnn_lg.m.roc_auc), lg and fmt_ci(lg.m.roc_auc) or "n/a") or "")
  local overlap = 0
  if lg and rnn_lg then
    overlap = (rnn_lg.m.roc_auc[2] <= lg.m.roc_auc[3] and lg.m.roc_auc[2] <= rnn_lg.m.roc_auc[3]) and 1 or 0
    lines[#lines + 1] = overlap == 1 and "  The intervals of RNN + LightGBM and raw LightGBM overlap: the data do not separate them."
      or "  Their intervals do not overlap."
  end
  lines[#lines + 1] = ("- **Indicators.**  %d of the paper's five (as mapped here) %s among the five best "
    .. "candidates by Spearman + ReliefF on these data (%s).")
    :format(agree_sel, agree_sel == 1 and "is" or "are", table.concat(sel.top, ", "))
  local wins, pre_best, rand_worst, ddqn_over_q = 0, 0, 0, 0
  for j = 1, 5 do
    local ips = rl_meta[j].ips
    if ips then
      local best, worst = -math.huge, math.huge
      for _, a in ipairs(algos) do best = math.max(best, ips[a].ips); worst = math.min(worst, ips[a].ips) end
      if ips["Pre-DDQN"].ips >= best then pre_best = pre_best + 1 end
      if ips.Random.ips <= worst then rand_worst = rand_worst + 1 end
      if ips.DDQN.ips > ips["Q-learning"].ips then ddqn_over_q = ddqn_over_q + 1 end
      if ips["Pre-DDQN"].ips_ci[1] > ips.Random.ips_ci[2] then wins = wins + 1 end
    end
  end
  lines[#lines + 1] = ("- **Control (Fig. 8).**  The paper: Pre-DDQN highest IPS on all five indicators, "
    .. "DDQN above Q-learning, Random worst.  Measured: Pre-DDQN highest on %d of 5, DDQN above Q-learning "
    .. "on %d of 5, Random lowest on %d of 5; Pre-DDQN's interval lies wholly above Random's on %d of 5.  "
    .. "The logged action (the change from the previous, unrelated applicant) carries no information "
    .. "about an applicant's own repayment, so IPS differences measure which policies match the logged "
    .. "actions on repaid loans by chance, and the intervals show how little the data separate them.")
    :format(pre_best, ddqn_over_q, rand_worst, wins)
  local agree_n, total_n = 0, #policy_agree
  for _, a in ipairs(policy_agree) do if a.agrees == "yes" then agree_n = agree_n + 1 end end
  lines[#lines + 1] = ("- **Policies (Fig. 7).**  Of the %d state-action pairs the paper's prose names, this "
    .. "run's Pre-DDQN chooses the same action in %d (chance: about a third where the state is kept).")
    :format(total_n, agree_n)
  r:text(table.concat(lines, "\n"))

  r:metric("n_rows", n)
  r:metric("n_test", test:size(1))
  r:metric("growth_leafwise", GROWTH_OK.leafwise == true)
  r:metric("growth_oblivious", GROWTH_OK.oblivious == true)
  for j = 1, 5 do
    local ips = rl_meta[j].ips
    if ips then
      for _, a in ipairs(algos) do r:metric(("ips_%s_%s"):format(LETTERS[j], a:gsub("%W", ""):lower()), ips[a].ips) end
    end
  end
  local out = {}
  if lg then
    out[#out + 1] = { "lightgbm_auc", lg.m.roc_auc[1] }
    out[#out + 1] = { "lightgbm_auc_lo", lg.m.roc_auc[2] }
    out[#out + 1] = { "lightgbm_auc_hi", lg.m.roc_auc[3] }
    out[#out + 1] = { "lightgbm_f1", lg.m.f1[1] }
    out[#out + 1] = { "lightgbm_brier", lg.m.brier_score[1] }
  end
  if rnn_lg then out[#out + 1] = { "rnn_lightgbm_auc", rnn_lg.m.roc_auc[1] } end
  out[#out + 1] = { "best_auc", best_auc }
  return out
end)
