-- recipes_spec.lua: the paper recipes end to end, in --quick mode, through
-- the host binary, on the shipped credit_data.csv and on a second data set
-- made here (a deterministic subsample of lending_club.csv with the target
-- renamed and relabelled, so nothing in a recipe can depend on the shipped
-- file's names).  Each report must hold every named table and figure
-- (files present, SVG well-formed), finite metrics in sane ranges, and the
-- test rows must be kept apart from every other step (row_use.csv).
--
-- The host: $CREDO_HOST, else $HOST (tests/run) when it names a file, else
-- ./credo (tests/report/util.lua, as host_spec.lua).  Each run uses one
-- thread (the numbers do not depend on it; on a busy machine one thread is
-- the faster setting).  Total time: about 4 runs of a few seconds each.
local U = dofile "tests/report/util.lua"
local R = dofile "tests/report/recipe_checks.lua"
local json = require "json"

-- ------------------------------------------------------------ helpers

local lines_of = U.lines

-- The second data set: every "bad" row of lending_club.csv and every 6th
-- "good" one, target column renamed "defaulted" with levels yes / no.
local function make_second(path)
  local src = assert(io.open("data/lending_club.csv", "rb"))
  local out = assert(io.open(path, "wb"))
  local header = src:read("l")
  local renamed, k = header:gsub('"Class"$', '"defaulted"')
  assert(k == 1, "lending_club.csv: no Class column at the end")
  out:write(renamed, "\n")
  local good, rows, bad = 0, 0, 0
  for l in src:lines() do
    if l:match(',"bad"$') then
      out:write((l:gsub(',"bad"$', ',"yes"')), "\n"); rows = rows + 1; bad = bad + 1
    elseif l:match(',"good"$') then
      good = good + 1
      if good % 6 == 0 then out:write((l:gsub(',"good"$', ',"no"')), "\n"); rows = rows + 1 end
    end
  end
  src:close()
  out:close()
  return rows, bad
end

-- Runs recipe `name` with extra arguments into a fresh folder; returns the
-- folder, stdout, stderr, status.
local function run_recipe(name, extra)
  local r = U.run_recipe(name, extra)
  return r.out, r.stdout, r.err, r.status, r.dir
end

local function finite(v) return type(v) == "number" and v == v and v > -math.huge and v < math.huge end

-- The checks every run gets.  `spec` names the tables and figures, the
-- expected test share and the uses of rows.
local function check_run(res, spec)
  local out = res.out
  it("exits 0 and leaves a finished run folder", function()
    R.folder(res)
  end)

  it("holds every named table, with rows", function()
    R.tables(out, spec.tables)
  end)

  it("holds every named figure as well-formed SVG, inline in the HTML", function()
    R.figures(out, spec.figures)
  end)

  it("records finite metrics in sane ranges", function()
    local m = json.read(out .. "/metrics.json")
    for _, k in ipairs { "accuracy", "precision", "recall", "f1", "auc", "auc_lo", "auc_hi" } do
      assert.is_true(finite(m[k]), k .. " = " .. tostring(m[k]))
      assert.is_true(m[k] >= 0 and m[k] <= 1, k .. " = " .. tostring(m[k]))
    end
    assert.is_true(m.accuracy > 0.5 and m.accuracy <= 1, "accuracy " .. m.accuracy)
    assert.is_true(m.auc > 0.55, "ROC-AUC " .. m.auc)
    assert.is_true(m.auc_lo <= m.auc and m.auc <= m.auc_hi)
  end)

  it("keeps the test rows apart from every other step", function()
    R.test_apart(out, spec.uses, spec.test_share)
  end)
end

-- ------------------------------------------------------------ the specs

local LSTM_SPEC = {
  tables = {
    table1 = { rows = 25, paper = "Table 1", contains = { "LSTM->GRU", "0.9995", "GRU+CNN", "1D-CNN", "MLP" } },
    table2 = { rows = 15, paper = "Table 2", contains = { "lr = 0.0001", "lr = 0.01" } },
    table3 = { rows = 12, paper = "Table 3", contains = { "AdaGrad", "SGD", "Adam", "AdamW" } },
    consistency = { rows = 3, contains = { "0.8143" } },
    architectures = { rows = 5 },
  },
  figures = { "labels", "loss", "accuracy", "confusion", "roc" },
  test_share = 0.2,
  uses = { "fit_encoders", "fit", "validation" },
}

local ANN_SPEC = {
  tables = {
    results = { rows = 5, contains = { "ROC-AUC", "F1" } },
    outliers = { rows = 4, contains = { "IQR", "z-score", "Isolation Forest" } },
    encodings = { rows = 4, contains = { "one-hot", "target", "ordinal" } },
    imbalance = { rows = 20, contains = { "SMOTE", "class weights", "undersampling" } },
  },
  figures = { "labels", "numeric_box", "roc", "loss", "confusion" },
  test_share = 0.1,
  uses = { "fit_preprocessing", "fit", "early_stopping" },
}

local function with(base, extra)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(extra) do t[k] = v end
  return t
end

describe("paper recipes", function()
  local second_dir = U.tmpdir()
  local second = second_dir .. "/loans.csv"
  local n2, bad2 = make_second(second)
  local SECOND = { "--set", "data=" .. second, "--set", "target=defaulted", "--set", "positive=yes" }
  local dirs = {}

  teardown(function()
    U.rm(second_dir)
    for _, d in ipairs(dirs) do U.rm(d) end
  end)

  it("makes the second data set", function()
    assert.is_true(n2 > 2000 and bad2 == 517, ("rows %d, bad %d"):format(n2, bad2))
  end)

  local runs = {
    { "lstm_gru", "credit_data.csv", {}, LSTM_SPEC },
    { "lstm_gru", "a lending_club subsample (target renamed)", SECOND, LSTM_SPEC },
    { "ann_pipeline", "credit_data.csv", {}, ANN_SPEC },
    { "ann_pipeline", "a lending_club subsample, with SMOTE", (function()
        local a = { table.unpack(SECOND) }
        a[#a + 1] = "--set"; a[#a + 1] = "imbalance=smote"
        return a
      end)(), with(ANN_SPEC, { uses = { "fit_preprocessing", "fit", "early_stopping", "resample" } }) },
  }
  for _, case in ipairs(runs) do
    describe(case[1] .. " --quick on " .. case[2], function()
      local res = {}
      local t0 = os.time()
      res.out, res.stdout, res.err, res.status, res.dir = run_recipe(case[1], case[3])
      res.seconds = os.time() - t0
      dirs[#dirs + 1] = res.dir
      check_run(res, case[4])
    end)
  end

  describe("lstm_gru", function()
    it("refuses a layout it does not know", function()
      local _, _, err, status, dir = run_recipe("lstm_gru", { "--set", "layout=diagonal" })
      dirs[#dirs + 1] = dir
      assert.are_not.equal(0, status)
      assert.matches("expected 'paper' or 'features'", err)
    end)
  end)

  describe("run_all", function()
    it("names the recipes it runs with --help", function()
      local out, _, status = U.host { "recipes/run_all.lua", "--help" }
      assert.are.equal(0, status)
      assert.matches("lstm_gru, ann_pipeline", out)
    end)
    it("refuses --set, which no two recipes share", function()
      local _, err, status = U.host { "recipes/run_all.lua", "--set", "lr=1" }
      assert.are.equal(2, status)
      assert.matches("run the recipe alone", err)
    end)
  end)

  describe("--help", function()
    for _, name in ipairs { "lstm_gru", "ann_pipeline" } do
      it("lists the data parameters of " .. name, function()
        local out, _, status = U.host { "recipes/" .. name .. ".lua", "--help" }
        assert.are.equal(0, status)
        for _, k in ipairs { "data", "target", "positive", "categorical", "subsample" } do
          assert.matches("\n%s*" .. k .. "%s", out)
        end
      end)
    end
  end)
end)
