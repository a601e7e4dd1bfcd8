-- examples/clean_encode_report.lua: clean and encode the shipped
-- credit_data.csv, fit a baseline, print its classification report.
--
--   credo examples/clean_encode_report.lua [path/to/credit_data.csv]
--
-- Every step is fitted on the training rows only and then applied to the
-- test rows (the scikit-learn discipline): the imputer's medians, the
-- encoders' categories and the scaler's means never see the test split.
local credo = require "credo"
local prep, split, metrics = credo.prep, credo.split, credo.metrics

local path = arg and arg[1] or "data/credit_data.csv"
local df = credo.read_csv(path)
print(("%s: %d rows x %d columns"):format(path, df:nrow(), df:ncol()))

-- 1. cleaning: duplicates out; the target must be present
df = prep.drop_duplicates(df)
df = df:dropna({ "Status" })
local missing = df:missing()
for _, name in ipairs(df:names()) do
  if missing[name] > 0 then print(("  %-10s %d missing"):format(name, missing[name])) end
end

-- 2. the target: "bad" is the positive class
local status = df:col("Status")
local y = credo.zeros({ df:nrow() }, "int64")
local bad_code
for code, level in ipairs(status.levels) do
  if level == "bad" then bad_code = code end
end
assert(bad_code, "no 'bad' level in Status")
for i = 1, df:nrow() do
  y[i] = status.codes[i] == bad_code and 1 or 0
end
local X = df:drop("Status")

-- 3. a stratified 80/20 split, seeded
local train, test = split.train_test(y, { test_size = 0.2, stratify = true, seed = 1 })
local Xtr, Xte = X:rows(train), X:rows(test)
local ytr, yte = y:index_select(1, train), y:index_select(1, test)

-- 4. impute (median for numbers, an "Unknown" level for categoricals),
--    one-hot encode, standardise: fitted on the training rows only
local imputer = prep.SimpleImputer { strategy = "median", fill_category = "Unknown" }
local onehot = prep.OneHotEncoder { handle_unknown = "ignore" }
local scaler = prep.StandardScaler {}
local function numeric_part(frame)
  local names = {}
  for _, name in ipairs(frame:names()) do
    if not frame:is_categorical(name) then names[#names + 1] = name end
  end
  return frame:to_tensor(names, "float64")
end
local Ftr = imputer:fit_transform(Xtr)
local Fte = imputer:transform(Xte)
local Ztr = credo.cat({ scaler:fit_transform(numeric_part(Ftr)),
                        onehot:fit_transform(Ftr):double() }, 2)
local Zte = credo.cat({ scaler:transform(numeric_part(Fte)),
                        onehot:transform(Fte):double() }, 2)
print(("design: %d training rows x %d features (%d one-hot)"):format(
  Ztr:size(1), Ztr:size(2), onehot:n_features_out()))

-- 5. a baseline: a random forest, then the report on the test rows
local model = credo.RandomForest { n_estimators = 200, seed = 1, class_weight = "balanced" }
model:fit(Ztr, ytr)
local proba = model:predict_proba(Zte):select(2, 2)
local pred = proba:gt(0.5)
print()
local _, text = metrics.classification_report(yte, pred, { target_names = { "good", "bad" } })
print(text)
local auc, lo, hi = metrics.bootstrap_ci("roc_auc", yte, proba, { n = 1000, seed = 1 })
print(("ROC-AUC %.4f (95%% bootstrap CI %.4f - %.4f)"):format(auc, lo, hi))
