-- recipe_nerhf_spec.lua: recipes/nerhf.lua end to end, in --quick mode,
-- through the host binary, on the shipped lending_club.csv (the paper's data
-- set) and on credit_data.csv (another target, positive level, feature set,
-- missing values and five other indicator columns, given by --set alone).
-- Each report must hold every named table and figure (files present, SVG
-- well-formed, inline in the HTML), the 16 learner/feature combinations with
-- the paper's stated numbers, finite metrics in sane ranges (ROC-AUC above
-- 0.55 on lending_club), IPS for the four algorithms on all five
-- indicators, and the test rows must be kept apart from every other step
-- (row_use.csv).
--
-- The host: $CREDO_HOST, else $HOST (tests/run) when it names a file, else
-- ./credo (tests/report/util.lua).  One thread (the numbers do not depend on
-- it; on a busy machine one thread is the faster setting).  About 15-20 s
-- per run on a loaded 2-core machine.
local U = dofile "tests/report/util.lua"
local R = dofile "tests/report/recipe_checks.lua"
local json = require "json"

local lines_of = U.lines

local finite = U.finite

local function run_recipe(extra) return U.run_recipe("nerhf", extra) end

local SETS = { "raw", "dnn", "rnn", "cnn" }
local LEARNERS = { "rf", "xgboost", "lightgbm", "catboost" }
local TABLES = {
  extractors = { rows = 3, contains = { "DNN", "RNN", "CNN", "LSTM(1 -> 50)", "Conv1D(1 -> 32" } },
  grid_search = { rows = 16, paper = "Table 1", contains = { "RF", "XGBoost", "LightGBM", "CatBoost" } },
  table_raw = { rows = 28, paper = "Table 2", contains = { "0.945", "0.961", "0.077", "PR-AUC", "Brier" } },
  table_dnn = { rows = 28, paper = "Table 3", contains = { "DNN-LightGBM", "0.944" } },
  table_rnn = { rows = 28, paper = "Table 4", contains = { "RNN-LightGBM", "0.898" } },
  table_cnn = { rows = 28, paper = "Table 5", contains = { "CNN-LightGBM", "0.942" } },
  ips = { rows = 20, paper = "Fig. 8", contains = { "Pre-DDQN", "DDQN", "Q-learning", "Random" } },
  policy_vs_paper = { rows = 32, paper = "Fig. 7" },
  indicator_selection = { paper = "Sect. 2.1", contains = { "yes" } },
}
local FIGURES = { "ips", "policy" }
for _, s in ipairs(SETS) do
  for _, f in ipairs { "roc_", "pr_", "reliability_", "cost_" } do FIGURES[#FIGURES + 1] = f .. s end
end
local USES = { "fit_preprocessing", "smote_extractors", "fit_extractors", "early_stopping", "grid_search_cv",
               "smote_learners", "fit_learners", "feature_selection", "rl_train" }

local function check_run(res, o)
  local out = res.out

  it("exits 0 and leaves a finished run folder", function()
    R.folder(res)
  end)

  it("holds every named table, with rows", function()
    R.tables(out, TABLES)
    -- exactly five candidates marked as the Spearman + ReliefF selection
    local ls = lines_of(out .. "/indicator_selection.csv")
    local marked = 0
    for i = 2, #ls do if ls[i]:match(",yes$") then marked = marked + 1 end end
    assert.are.equal(5, marked)
    assert.is_true(#ls - 1 >= o.min_candidates, "candidates: " .. (#ls - 1))
  end)

  it("holds every named figure as well-formed SVG, inline in the HTML", function()
    R.figures(out, FIGURES)
    -- Fig. 7: one cell per state and indicator (81 x 5)
    local _, cells = U.slurp(out .. "/policy.svg"):gsub("<rect[^>]*class=\"cell\"", "")
    if cells > 0 then assert.are.equal(405, cells) end
  end)

  it("records finite metrics in sane ranges", function()
    local m = json.read(out .. "/metrics.json")
    for _, s in ipairs(SETS) do
      for _, l in ipairs(LEARNERS) do
        local k = s .. "_" .. l .. "_auc"
        assert.is_true(finite(m[k]) and m[k] >= 0 and m[k] <= 1, k .. " = " .. tostring(m[k]))
      end
    end
    for _, k in ipairs { "lightgbm_auc", "lightgbm_auc_lo", "lightgbm_auc_hi", "lightgbm_f1", "lightgbm_brier", "best_auc" } do
      assert.is_true(finite(m[k]) and m[k] >= 0 and m[k] <= 1, k .. " = " .. tostring(m[k]))
    end
    assert.is_true(m.lightgbm_auc_lo <= m.lightgbm_auc and m.lightgbm_auc <= m.lightgbm_auc_hi)
    assert.is_true(m.lightgbm_auc > o.min_auc, "raw LightGBM ROC-AUC " .. m.lightgbm_auc)
    assert.is_true(m.raw_xgboost_auc > o.min_auc, "raw XGBoost ROC-AUC " .. m.raw_xgboost_auc)
    assert.is_true(m.lightgbm_brier < 0.25, "Brier " .. m.lightgbm_brier)
    -- IPS of each algorithm and indicator: finite, >= 0, at most 3 (= 1 / behaviour probability)
    for _, L in ipairs { "A", "B", "C", "D", "E" } do
      for _, a in ipairs { "preddqn", "ddqn", "qlearning", "random" } do
        local k = ("ips_%s_%s"):format(L, a)
        assert.is_true(finite(m[k]) and m[k] >= 0 and m[k] <= 3, k .. " = " .. tostring(m[k]))
      end
      -- the random policy's IPS is the mean logged reward: a repayment rate
      assert.is_true(m["ips_" .. L .. "_random"] > 0.5)
    end
    -- the interval columns of Tables 2-5 are ordered and hold the estimate
    for _, s in ipairs(SETS) do
      local ls = lines_of(out .. "/table_" .. s .. ".csv")
      local head = {}
      local i = 0
      for h in (ls[1] .. ","):gmatch("([^,]*),") do i = i + 1; head[h] = i end
      for r = 2, #ls do
        local cells = {}
        for c in (ls[r] .. ","):gmatch("([^,]*),") do cells[#cells + 1] = c end
        local v, lo, hi = tonumber(cells[head.measured]), tonumber(cells[head.ci_lo]), tonumber(cells[head.ci_hi])
        assert.is_true(finite(v) and finite(lo) and finite(hi), ls[r])
        assert.is_true(lo <= v + 1e-12 and v <= hi + 1e-12 and v >= 0 and v <= 1, ls[r])
      end
    end
  end)

  it("keeps the test rows apart from every other step", function()
    local by = R.test_apart(out, USES, 0.2)
    -- the early-stopping rows come from the training part, apart from the extractors' fitting rows
    for row in pairs(by.early_stopping) do
      assert.is_truthy(by.grid_search_cv[row])
      assert.is_nil(by.fit_extractors[row], ("row %d both fits and stops the extractors"):format(row))
    end
  end)
end

describe("recipes/nerhf.lua", function()
  local dirs = {}
  teardown(function() for _, d in ipairs(dirs) do U.rm(d) end end)

  describe("--quick on lending_club.csv (the paper's data set)", function()
    local res = run_recipe {}
    dirs[#dirs + 1] = res.dir
    check_run(res, { min_auc = 0.55, min_candidates = 20 })
    it("names the paper's five indicators, the instalment computed", function()
      local md = U.slurp(res.out .. "/report.md") or ""
      assert.is_truthy(md:find("A-E = emp_length, funded_amnt, instalment, revol_util, all_util", 1, true))
      assert.is_truthy(md:find("instalment computed from funded_amnt, int_rate, term", 1, true))
      assert.is_truthy(md:find("Where the data disagrees with the paper", 1, true))
    end)
  end)

  describe("--quick on credit_data.csv (by --set alone)", function()
    local res = run_recipe { "--set", "data=data/credit_data.csv", "--set", "target=Status", "--set", "positive=bad",
      "--set", "indicators=Seniority,Amount,Price,Expenses,Income" }
    dirs[#dirs + 1] = res.dir
    check_run(res, { min_auc = 0.6, min_candidates = 8 })
    it("uses the indicators it was given", function()
      local md = U.slurp(res.out .. "/report.md") or ""
      assert.is_truthy(md:find("A-E = Seniority, Amount, Price, Expenses, Income", 1, true))
    end)
  end)

  describe("argument errors", function()
    it("refuses four indicators", function()
      local res = run_recipe { "--set", "indicators=a,b,c,d" }
      dirs[#dirs + 1] = res.dir
      assert.are_not.equal(0, res.status)
      assert.matches("expected five columns %(A%-E%), got 4", res.err)
    end)
    it("refuses an unknown learner", function()
      local res = run_recipe { "--set", "models=rf,svm" }
      dirs[#dirs + 1] = res.dir
      assert.are_not.equal(0, res.status)
      assert.matches("models=svm: expected one of rf, xgboost, lightgbm, catboost", res.err)
    end)
    it("refuses a Pre-DDQN predictor the run does not train", function()
      local res = run_recipe { "--set", "extractors=dnn" }
      dirs[#dirs + 1] = res.dir
      assert.are_not.equal(0, res.status)
      assert.matches("rl_predictor=rnn%+lightgbm: expected one of raw%+rf, .*dnn%+catboost", res.err)
    end)
    it("refuses an instalment it cannot compute", function()
      local res = run_recipe { "--set", "data=data/credit_data.csv", "--set", "target=Status",
        "--set", "indicators=Seniority,Amount,instalment,Expenses,Income" }
      dirs[#dirs + 1] = res.dir
      assert.are_not.equal(0, res.status)
      assert.matches("indicator 'instalment' is not a column and cannot be computed: no column 'funded_amnt'", res.err)
    end)
  end)
end)
