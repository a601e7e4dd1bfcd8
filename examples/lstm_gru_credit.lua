-- examples/lstm_gru_credit.lua: the LSTM -> GRU cascade of
-- lstm-gru-cascade.txt, trained on the shipped credit_data.csv.
--
--   credo examples/lstm_gru_credit.lua [epochs]
--
-- The paper feeds each applicant's standardised feature vector to the
-- recurrent layers as a sequence (one feature per time step); so does this
-- script: X (N, d) becomes (N, d, 1).  LSTM(1 -> 64) returns its whole
-- sequence to GRU(64 -> 32), whose last state goes to one logit.  Every
-- preprocessing step is fitted on the training rows only; the validation
-- rows for early stopping come out of the training part, never the test.
-- recipes/lstm_gru.lua is the full reproduction (tables, sweeps, report).
local credo = require "credo"
local nn, optim, prep, split, metrics =
  credo.nn, credo.optim, credo.prep, credo.split, credo.metrics

local epochs = tonumber(arg and arg[1]) or 30
local df = credo.read_csv("data/credit_data.csv")
df = df:dropna()                                 -- the paper drops incomplete rows

local status = df:col("Status")
local y = credo.zeros({ df:nrow() }, "int64")
for i = 1, df:nrow() do
  y[i] = status.levels[status.codes[i]] == "bad" and 1 or 0
end
local X = df:drop("Status")

local train, test = split.train_test(y, { test_size = 0.2, stratify = true, seed = 7 })
local Xtr, Xte = X:rows(train), X:rows(test)
local ytr, yte = y:index_select(1, train), y:index_select(1, test)

-- label-encode the categoricals (as the paper), then standardise everything
local enc = prep.OrdinalEncoder { handle_unknown = "use_encoded_value", unknown_value = -1 }
local scaler = prep.StandardScaler {}
local function design(frame, fitting)
  local codes = fitting and enc:fit_transform(frame) or enc:transform(frame)
  local nums = {}
  for _, name in ipairs(frame:names()) do
    if not frame:is_categorical(name) then nums[#nums + 1] = name end
  end
  local Z = credo.cat({ frame:to_tensor(nums, "float32"), codes:float() }, 2)
  Z = fitting and scaler:fit_transform(Z) or scaler:transform(Z)
  return Z:reshape(Z:size(1), Z:size(2), 1)      -- (N, d, 1): a sequence
end
local Str, Ste = design(Xtr, true), design(Xte, false)
print(("train %d x %d steps, test %d"):format(Str:size(1), Str:size(2), Ste:size(1)))

local g = credo.Generator(7)
local net = nn.Sequential(
  nn.LSTM(1, 64, { generator = g }),
  nn.GRU(64, 32, { return_sequences = false, generator = g }),
  nn.Linear(32, 1, { generator = g }))
print(net:summary({ 1, Str:size(2), 1 }))

local opt = optim.AdamW(net, { lr = 1e-3 })
local history = nn.fit(net, nn.BCEWithLogitsLoss(), opt, Str, ytr, {
  epochs = epochs, batch_size = 64, seed = 7,
  validation_split = 0.1, validation_stratify = true,
  early_stopping = { monitor = "val_auc", patience = 8, restore_best_weights = true } })
print(("best epoch %d: val AUC %.4f"):format(history.best_epoch,
                                             history.val_auc[history.best_epoch]))

local proba = nn.predict_proba(net, Ste):select(2, 2)
local _, text = metrics.classification_report(yte, proba:gt(0.5),
                                              { target_names = { "good", "bad" } })
print(text)
local auc, lo, hi = metrics.bootstrap_ci("roc_auc", yte, proba, { n = 1000, seed = 7 })
print(("test ROC-AUC %.4f (95%% bootstrap CI %.4f - %.4f)"):format(auc, lo, hi))
