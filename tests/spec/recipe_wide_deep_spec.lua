-- recipe_wide_deep_spec.lua: recipes/wide_deep.lua end to end, in --quick
-- mode, through the host binary, on the shipped lending_club.csv and on
-- credit_data.csv (another target, positive level, column set and missing
-- values, given by --set alone).  Each report must hold every named table
-- and figure (files present, SVG well-formed, inline in the HTML), the six
-- models of Table 2 with the paper's numbers, finite metrics in sane ranges,
-- and the test rows must be kept apart from fitting, preprocessing and
-- validation (row_use.csv).
--
-- The host: $CREDO_HOST, else $HOST (tests/run) when it names a file, else
-- ./credo (tests/report/util.lua, as host_spec.lua).  One thread (the
-- numbers do not depend on it; on a busy machine one thread is faster).
-- About 5 s of CPU in all.
local U = dofile "tests/report/util.lua"
local R = dofile "tests/report/recipe_checks.lua"
local json = require "json"

local lines_of = U.lines

local finite = U.finite

local function run_recipe(extra) return U.run_recipe("wide_deep", extra) end

local MODELS = { "Logistic Regression", "DNN", "Wide & Deep", "Logistic Regression + Cross",
                 "DNN + Cross", "Wide & Deep + Cross (paper's)" }
local TABLES = {
  table2 = { rows = 24, paper = "Table 2", contains = { "0.6509", "0.669", "0.6495" } },
  models = { rows = 6 },
  paired_auc = { rows = 5, paper = "Table 2", contains = { "DNN + Cross" } },
  epochs = { paper = "Fig. 2(a)" },
  batch_size = { rows = 2, paper = "Fig. 2(b)" },
  learning_rate = { rows = 2, paper = "Fig. 2(c)" },
}
local FIGURES = { "labels", "roc", "confusion", "epochs", "batch_size", "learning_rate" }
local USES = { "fit_preprocessing", "fit", "validation" }

local function check_run(res, min_auc)
  local out = res.out

  it("exits 0 and leaves a finished run folder", function()
    R.folder(res)
  end)

  it("holds every named table, labelled with the paper's table or figure", function()
    R.tables(out, TABLES)
    local t2 = table.concat(lines_of(out .. "/table2.csv"), "\n")
    for _, m in ipairs(MODELS) do
      assert.is_truthy(t2:find(m, 1, true), "table2.csv lacks " .. m)
    end
  end)

  it("holds every named figure as well-formed SVG, inline in the HTML", function()
    R.figures(out, FIGURES)
  end)

  it("records finite metrics in sane ranges", function()
    local m = json.read(out .. "/metrics.json")
    for _, k in ipairs { "accuracy", "precision", "recall", "f1", "f1_lo", "f1_hi", "auc", "auc_lo", "auc_hi",
                         "threshold", "lr_auc", "dnn_auc", "wd_auc", "lr_cross_auc", "dnn_cross_auc", "wd_cross_auc" } do
      assert.is_true(finite(m[k]), k .. " = " .. tostring(m[k]))
      assert.is_true(m[k] >= 0 and m[k] <= 1, k .. " = " .. tostring(m[k]))
    end
    assert.is_true(m.auc > min_auc, "W&D + cross ROC-AUC " .. m.auc)
    assert.is_true(m.lr_auc > min_auc, "LR ROC-AUC " .. m.lr_auc)
    assert.is_true(m.auc_lo <= m.auc and m.auc <= m.auc_hi)
    assert.is_true(m.f1_lo <= m.f1 and m.f1 <= m.f1_hi)
    assert.is_true(m.best_epoch >= 1)
    -- the measured column of Table 2 agrees with metrics.json
    local t2 = lines_of(out .. "/table2.csv")
    local found = false
    for _, l in ipairs(t2) do
      if l:find("Wide & Deep + Cross (paper's)", 1, true) and l:find(",AUC,", 1, true) then
        local measured = tonumber(l:match(",AUC,[^,]*,([^,]+),"))
        assert.is_true(math.abs(measured - m.auc) < 1e-12, l)
        found = true
      end
    end
    assert.is_true(found, "no W&D + cross AUC row in table2.csv")
  end)

  it("keeps the test rows apart from fitting, preprocessing and validation", function()
    local by, m = R.test_apart(out, USES, 0.2)
    local count = R.count
    assert.is_true(math.abs(count(by.validation) / m.n_rows - 0.2) < 0.01, "validation share")
    assert.are.equal(m.n_rows, count(by.test) + count(by.validation) + count(by.fit))
    for row in pairs(by.validation) do
      assert.is_nil(by.fit[row], ("row %d is used for fitting and validation"):format(row))
    end
  end)
end

describe("recipes/wide_deep.lua", function()
  local dirs = {}
  teardown(function() for _, d in ipairs(dirs) do U.rm(d) end end)

  describe("--quick on lending_club.csv", function()
    local res = run_recipe()
    dirs[#dirs + 1] = res.dir
    check_run(res, 0.55)

    it("crosses the categorical columns pairwise and hashes the wide crosses", function()
      local md = U.slurp(res.out .. "/report.md") or ""
      assert.is_truthy(md:find("`sub_grade_x_addr_state` (hashed into 1000 buckets", 1, true), md)
      assert.is_truthy(md:find("`term_x_sub_grade` (70 possible combinations", 1, true))
    end)
  end)

  describe("--quick on credit_data.csv (--set data, target, positive)", function()
    local res = run_recipe { "--set", "data=data/credit_data.csv", "--set", "target=Status", "--set", "positive=bad" }
    dirs[#dirs + 1] = res.dir
    check_run(res, 0.7)

    it("infers the roles from the column types", function()
      local md = U.slurp(res.out .. "/report.md") or ""
      assert.is_truthy(md:find("Home, Marital, Records, Job", 1, true), "wide columns")
      assert.is_truthy(md:find("Seniority, Time, Age, Expenses, Income, Assets, Debt, Amount, Price", 1, true), "deep columns")
    end)

    -- The split depends on the labels and the seed only.  So a copy of the
    -- data whose test rows (row_use.csv) have every numeric field changed
    -- gives the same split, and if no test row reaches the imputer, the
    -- scaler, the encoders, training, early stopping, the threshold or the
    -- sensitivity runs, everything but the test scores stays bit for bit.
    it("gives the same validation results when the test rows' features change", function()
      local test = {}
      for _, l in ipairs(assert(lines_of(res.out .. "/row_use.csv"))) do
        local row = l:match("^(%d+),test$")
        if row then test[tonumber(row)] = true end
      end
      local dir = U.tmpdir()
      dirs[#dirs + 1] = dir
      local src = assert(io.open("data/credit_data.csv", "rb"))
      local out = { src:read("l") }
      local i, changed = 0, 0
      for l in src:lines() do
        i = i + 1
        if test[i] then
          local fields = {}
          for f in (l .. ","):gmatch("([^,]*),") do
            if f:match("^%d+$") then f = tostring(tonumber(f) * 7 + 1000); changed = changed + 1 end
            fields[#fields + 1] = f
          end
          l = table.concat(fields, ",")
        end
        out[#out + 1] = l
      end
      src:close()
      assert.is_true(changed > 1000, "changed " .. changed)
      U.write(dir .. "/perturbed.csv", table.concat(out, "\n") .. "\n")
      local res2 = run_recipe { "--set", "data=" .. dir .. "/perturbed.csv", "--set", "target=Status", "--set", "positive=bad" }
      dirs[#dirs + 1] = res2.dir
      assert.are.equal(0, res2.status, res2.err)
      for _, name in ipairs { "row_use.csv", "epochs.csv", "batch_size.csv", "learning_rate.csv" } do
        assert.are.equal(U.slurp(res.out .. "/" .. name), U.slurp(res2.out .. "/" .. name), name)
      end
      -- models.csv: validation AUC and threshold equal, test AUC not
      local a, b = lines_of(res.out .. "/models.csv"), lines_of(res2.out .. "/models.csv")
      local differs = false
      for k = 2, #a do
        local fa, fb = {}, {}
        for f in (a[k] .. ","):gmatch("([^,]*),") do fa[#fa + 1] = f end
        for f in (b[k] .. ","):gmatch("([^,]*),") do fb[#fb + 1] = f end
        assert.are.equal(fa[2], fb[2], "val_auc of " .. fa[1])
        assert.are.equal(fa[4], fb[4], "threshold of " .. fa[1])
        differs = differs or fa[3] ~= fb[3]
      end
      assert.is_true(differs, "changing the test rows changed no test score: the check cannot fail")
    end)
  end)

  describe("parameters", function()
    it("lists the data parameters in --help", function()
      local out, _, status = U.host { "recipes/wide_deep.lua", "--help" }
      assert.are.equal(0, status)
      for _, k in ipairs { "data", "target", "positive", "categorical", "numeric", "crosses", "subsample",
                           "epochs", "batch_size", "lr" } do
        assert.matches("\n%s*" .. k .. "%s", out)
      end
    end)

    it("refuses a cross that is not a pair of categorical columns", function()
      local res = run_recipe { "--set", "crosses=term*int_rate" }
      dirs[#dirs + 1] = res.dir
      assert.are_not.equal(0, res.status)
      assert.matches("'int_rate' is not a categorical column", res.err)
    end)

    it("refuses a positive level the target does not have", function()
      local res = run_recipe { "--set", "positive=yes" }
      dirs[#dirs + 1] = res.dir
      assert.are_not.equal(0, res.status)
      assert.matches("no level 'yes' in column Class", res.err)
    end)
  end)
end)
