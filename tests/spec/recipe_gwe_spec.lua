-- recipe_gwe_spec.lua: recipes/gwe_blendnet.lua end to end, in --quick mode,
-- through the host binary, on the shipped lending_club.csv and on
-- credit_data.csv (another target, positive level, column set and missing
-- values, given by --set alone).  Each report must hold every named table
-- and figure (files present, SVG well-formed, inline in the HTML), all six
-- base models and the four ensembles, finite metrics in sane ranges, convex
-- greedy weights, and the test rows must be kept apart from every other
-- step (row_use.csv): preprocessing, RFE, resampling, PSO tuning, fitting,
-- the greedy weights and BlendNet.
--
-- The host: $CREDO_HOST, else $HOST (tests/run) when it names a file, else
-- ./credo (tests/report/util.lua, as host_spec.lua).  One thread (the
-- numbers do not depend on it; on a busy machine one thread is faster).
-- Two quick runs of a few seconds each on an idle machine.
local U = dofile "tests/report/util.lua"
local R = dofile "tests/report/recipe_checks.lua"
local json = require "json"

local lines_of = U.lines

local finite = U.finite

local function run_recipe(extra) return U.run_recipe("gwe_blendnet", extra) end

local BASE = { "Gradient Boosting", "MLP", "SVM", "KNN", "Logistic Regression", "ExtraTrees" }
local ENSEMBLES = { "Voting", "Averaging", "Greedy-weighted (GWE)", "BlendNet" }
local KEYS = { "GB", "MLP", "SVM", "KNN", "LR", "ExtraTrees", "voting", "averaging", "greedy", "blendnet" }

local TABLES = {
  table4 = { paper = "Table 4" },
  bcp_hi = { paper = "Fig. 5.1" },
  pca = { rows = 1 },
  rfe_models = { rows = 2, paper = "Section 5.3" },
  rfe = { paper = "Section 5.3" },
  table2 = { rows = 6, paper = "Table 2", contains = { "n_estimators = 150", "C = 1.5", "n_neighbors = 10", "gamma = 0.05" } },
  greedy_weights = { rows = 6, paper = "Section 3.3" },
  results = { rows = 50, paper = "Figs. 6.2-6.3", contains = { "ROC-AUC", "recall (default)" } },
  classification_report = { rows = 40, paper = "Fig. 6.2", contains = { "macro avg" } },
  calibration = { rows = 10, paper = "Fig. 6.4" },
  threshold = { rows = 10 },
}
local FIGURES = { "missing", "correlation", "bcp_hi_signal", "bcp_hi_flags", "pca", "importance", "rfecv",
                  "class_balance", "auc_ci", "roc", "calibration" }
for _, k in ipairs(KEYS) do FIGURES[#FIGURES + 1] = "confusion_" .. k end
local USES = { "fit_preprocessing", "resample", "tune", "fit", "validation", "greedy_weights", "blendnet", "threshold" }

local function check_run(res, o)
  local out = res.out

  it("exits 0 and leaves a finished run folder", function()
    R.folder(res)
  end)

  it("skips no base model", function()
    local m = json.read(out .. "/metrics.json")
    assert.are.equal(0, m.skipped_models, U.slurp(out .. "/skipped.csv") or "")
  end)

  it("holds every named table, with rows and the paper's labels", function()
    local tables = {}
    for k, v in pairs(TABLES) do tables[k] = v end
    for k, v in pairs(o.tables or {}) do tables[k] = v end
    R.tables(out, tables)
  end)

  it("reports all six base models and the four ensembles", function()
    local text = table.concat(assert(lines_of(out .. "/results.csv")), "\n")
    for _, m in ipairs(BASE) do assert.is_truthy(text:find(m, 1, true), m) end
    for _, m in ipairs(ENSEMBLES) do assert.is_truthy(text:find(m, 1, true), m) end
  end)

  it("holds every named figure as well-formed SVG, inline in the HTML", function()
    R.figures(out, FIGURES)
  end)

  it("records finite metrics in sane ranges", function()
    local m = json.read(out .. "/metrics.json")
    for _, k in ipairs { "accuracy", "precision", "recall", "f1", "macro_f1", "auc", "auc_lo", "auc_hi", "brier" } do
      assert.is_true(finite(m[k]), k .. " = " .. tostring(m[k]))
      assert.is_true(m[k] >= 0 and m[k] <= 1, k .. " = " .. tostring(m[k]))
    end
    assert.is_true(finite(m.log_loss) and m.log_loss > 0, "log_loss " .. tostring(m.log_loss))
    assert.is_true(m.auc > o.min_auc, "BlendNet ROC-AUC " .. m.auc)
    assert.is_true(m.auc_lo <= m.auc and m.auc <= m.auc_hi)
    for _, k in ipairs(KEYS) do
      local v = m[k .. "_auc"]
      assert.is_true(finite(v) and v > 0.5 and v <= 1, k .. "_auc = " .. tostring(v))
    end
  end)

  it("gives convex greedy weights", function()
    local ls = assert(lines_of(out .. "/greedy_weights.csv"))
    assert.are.equal("model,weight,val_auc,val_brier", ls[1])
    local sum = 0
    for i = 2, #ls do
      local w = tonumber(ls[i]:match("^[^,]+,([^,]+),"))
      assert.is_true(w >= 0 and w <= 1, ls[i])
      sum = sum + w
    end
    assert.is_true(math.abs(sum - 1) < 1e-9, "weights sum to " .. sum)
  end)

  it("keeps the test rows apart from every other step", function()
    local by = R.test_apart(out, USES, 0.2)
    -- the greedy weights' rows are held out from everything the base models saw
    for row in pairs(by.greedy_weights) do
      for _, use in ipairs { "fit_preprocessing", "resample", "tune", "fit", "blendnet" } do
        assert.is_nil(by[use][row], ("validation row %d is also used for %s"):format(row, use))
      end
    end
  end)
end

describe("recipes/gwe_blendnet.lua", function()
  local dirs = {}
  teardown(function() for _, d in ipairs(dirs) do U.rm(d) end end)

  describe("--quick on lending_club.csv", function()
    local res = run_recipe()
    dirs[#dirs + 1] = res.dir
    check_run(res, { min_auc = 0.55, tables = {
      table4_paper = { rows = 12, paper = "Table 4", contains = { "funded_amnt (paper: loan_amnt)", "75817.04" } },
    } })
  end)

  describe("--quick on credit_data.csv (target, level and columns by --set)", function()
    local res = run_recipe { "--set", "data=data/credit_data.csv", "--set", "target=Status", "--set", "positive=bad" }
    dirs[#dirs + 1] = res.dir
    check_run(res, { min_auc = 0.6 })
    it("drops the incomplete rows and says so", function()
      local md = U.slurp(res.out .. "/report.md") or ""
      assert.matches("4454 rows read, 4039 complete rows kept", md, 1, true)
    end)
  end)

  describe("parameters", function()
    it("refuses a base model it does not know", function()
      local res = run_recipe { "--set", "models=GB,XGB" }
      dirs[#dirs + 1] = res.dir
      assert.are_not.equal(0, res.status)
      assert.matches("unknown model 'XGB'", res.err, 1, true)
    end)
    it("lists the data parameters with --help", function()
      local out, _, status = U.host { "recipes/gwe_blendnet.lua", "--help" }
      assert.are.equal(0, status)
      for _, k in ipairs { "data", "target", "positive", "categorical", "subsample", "pso_particles" } do
        assert.matches("\n%s*" .. k .. "%s", out)
      end
    end)
  end)
end)
