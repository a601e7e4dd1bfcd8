-- credo.tune.spaces: the hyperparameter search spaces of the GWE paper
-- (../shared/papers/gwe-blendnet.txt, Table 2) as data, one list of
-- dimensions per base model, ready for credo.tune.pso / random.
--
--   credo.tune.pso(credo.GBDT { seed = 1 }, credo.tune.spaces.GB, X, y, opts)
--
-- Ranges are the paper's; the rest are choices of ours (docs/tune.md):
-- counts are integer dimensions, and parameters whose range spans a decade
-- or more (learning_rate, alpha, C, gamma) are searched on a log scale.
-- Parameter names are credo's (scikit-learn's where the model follows it):
-- the paper's sklearn GradientBoostingClassifier is credo.GBDT here.
-- `wrap = true` passes the value as a one-element list
-- (hidden_layer_sizes = { 150 }: one hidden layer).  `model` names the
-- credo class each space is for, `paper_best` the values the paper reports
-- PSO found.  What it is not: a claim that these ranges suit other data.
local M = {}

M.GB = {
  { name = "n_estimators", low = 50, high = 200, integer = true },
  { name = "max_depth", low = 3, high = 10, integer = true },
  { name = "learning_rate", low = 0.01, high = 0.1, log = true },
}

M.MLP = {
  { name = "hidden_layer_sizes", low = 50, high = 200, integer = true, wrap = true },
  { name = "alpha", low = 0.0001, high = 0.01, log = true },
}

M.SVM = {
  { name = "C", low = 0.1, high = 10, log = true },
  { name = "gamma", low = 0.001, high = 0.1, log = true },
}

M.KNN = {
  { name = "n_neighbors", low = 3, high = 20, integer = true },
}

M.LR = {
  { name = "C", low = 0.1, high = 10, log = true },
}

M.ExtraTrees = {
  { name = "n_estimators", low = 50, high = 200, integer = true },
  { name = "max_depth", low = 10, high = 20, integer = true },
  { name = "min_samples_split", low = 2, high = 10, integer = true },
}

M.model = {
  GB = "GBDT", MLP = "MLPClassifier", SVM = "SVC", KNN = "KNeighborsClassifier",
  LR = "LogisticRegression", ExtraTrees = "ExtraTrees",
}

M.paper_best = {
  GB = { n_estimators = 150, max_depth = 5, learning_rate = 0.05 },
  MLP = { hidden_layer_sizes = { 150 }, alpha = 0.005 },
  SVM = { C = 3, gamma = 0.05 },
  KNN = { n_neighbors = 10 },
  LR = { C = 1.5 },
  ExtraTrees = { n_estimators = 120, max_depth = 15, min_samples_split = 4 },
}

return M
