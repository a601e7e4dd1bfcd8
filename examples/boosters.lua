-- examples/boosters.lua: the three growth policies of credo.GBDT on the
-- shipped lending_club data (docs/gbdt.md), each with the parameter names
-- of the library it follows, and scikit-learn's classic gradient boosting
-- as a configuration of the same booster.  Prints a table of test AUCs and
-- fit times.
--
--   ./credo examples/boosters.lua
--
-- Split: rows i (1-based) with (i - 1) % 4 == 3 are the test set, as the
-- peer fixtures (bench/peers/make_gbdt_fixtures.py) use; categorical
-- columns as codes (levels sorted), label Class == "bad".
local credo = require "credo"

local df = credo.read_csv("data/lending_club.csv")
local names = {}
for _, n in ipairs(df:names()) do
  if n ~= "Class" then names[#names + 1] = n end
end
local X = df:drop { "Class" }:to_tensor(nil, "float32", { categorical = "codes" })
local y = df:col("Class").codes:eq(1)               -- levels sorted: 1 = "bad"
local tr, te = {}, {}
for i = 1, df:nrow() do
  if (i - 1) % 4 == 3 then te[#te + 1] = i else tr[#tr + 1] = i end
end
local itr, ite = credo.tensor(tr, "int64"), credo.tensor(te, "int64")
local Xtr, ytr = X:index_select(1, itr), y:index_select(1, itr)
local Xte, yte = X:index_select(1, ite), y:index_select(1, ite)

-- the text columns, by name, for the ordered target statistics
local cats = { "term", "sub_grade", "addr_state", "verification_status", "emp_length" }

local models = {
  { "depth-wise (XGBoost)", credo.GBDT { n_estimators = 100, max_depth = 6,
                                         learning_rate = 0.1 } },
  { "leaf-wise (LightGBM)", credo.GBDT.lightgbm { n_estimators = 100, num_leaves = 31,
                                                  learning_rate = 0.1 } },
  { "oblivious (CatBoost)", credo.GBDT.catboost { iterations = 100, depth = 6,
                                                  learning_rate = 0.1 } },
  { "oblivious + ordered TS", credo.GBDT.catboost { iterations = 100, depth = 6,
                                                    learning_rate = 0.1, cat_features = cats } },
  { "scikit-learn GBM", credo.GBDT.sklearn { n_estimators = 100, max_depth = 3,
                                             learning_rate = 0.1 } },
}

print(("lending_club: %d training rows, %d test rows, %d features"):format(
  Xtr:size(1), Xte:size(1), Xtr:size(2)))
print(("%-24s %8s %8s %8s"):format("model", "AUC", "trees", "fit s"))
for _, e in ipairs(models) do
  local label, m = e[1], e[2]
  local t0 = os.clock()
  m:fit(Xtr, ytr, { feature_names = names })
  local secs = os.clock() - t0
  local p = m:predict_proba(Xte):select(2, 2):double()
  print(("%-24s %8.4f %8d %8.2f"):format(label, credo.metrics.roc_auc(yte, p), m:n_trees(), secs))
end
