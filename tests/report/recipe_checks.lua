-- tests/report/recipe_checks.lua: the checks every recipe spec makes of a
-- finished run folder (report files, named tables, figures, the row
-- bookkeeping of row_use.csv), shared by recipes_spec.lua and the
-- recipe_*_spec.lua files.  Each function asserts (busted's assert) and is
-- called from inside an `it`.
local U = dofile "tests/report/util.lua"
local xml = dofile "tests/report/xml.lua"
local json = require "json"
-- busted gives spec files its assert; a dofile'd helper takes luassert itself
local assert = require "luassert"

local R = {}

-- The run exited 0, left no .partial folder and wrote these files (default:
-- the report in both forms, metrics, parameters, timings and row use).
function R.folder(res, files)
  assert.are.equal(0, res.status, res.err)
  assert.is_false(U.exists(res.out .. ".partial"))
  files = files or { "report.html", "report.md", "metrics.json", "params.json", "timings.csv", "row_use.csv" }
  for _, f in ipairs(files) do
    assert.is_true(U.exists(res.out .. "/" .. f), f)
  end
end

-- Every table of `tables` (name -> { rows = n?, paper = label?, contains =
-- { needle, ... }? }) exists as NAME.csv with a header and at least one row
-- (exactly `rows` when given), is linked from report.md, carries its
-- "(paper: label)" and holds each needle.  Returns report.md's text.
function R.tables(out, tables)
  local md = U.slurp(out .. "/report.md") or ""
  for name, want in pairs(tables) do
    local ls = U.lines(out .. "/" .. name .. ".csv")
    assert.is_truthy(ls, name .. ".csv missing")
    if want.rows then assert.are.equal(want.rows, #ls - 1, name .. ".csv rows") end
    assert.is_true(#ls > 1, name .. ".csv is empty")
    assert.is_truthy(md:find("(" .. name .. ".csv)", 1, true), name .. " not in report.md")
    if want.paper then
      assert.is_truthy(md:find("(paper: " .. want.paper .. ")", 1, true), want.paper .. " not labelled")
    end
    local text = table.concat(ls, "\n")
    for _, needle in ipairs(want.contains or {}) do
      assert.is_truthy(text:find(needle, 1, true), name .. ".csv lacks " .. needle)
    end
  end
  return md
end

-- report.html is well-formed and holds at least one inline <svg> per
-- figure; each NAME.svg of `names` exists with an <svg> root.
function R.figures(out, names)
  local html = U.slurp(out .. "/report.html")
  assert.is_truthy(xml.check(html))
  local _, nsvg = html:gsub("<svg[ >]", "")
  for _, name in ipairs(names) do
    local svg = U.slurp(out .. "/" .. name .. ".svg")
    assert.is_truthy(svg, name .. ".svg missing")
    local root, err = xml.check(svg)
    assert.are.equal("svg", root, name .. ".svg: " .. tostring(err))
  end
  assert.is_true(nsvg >= #names)
  return html
end

function R.count(set)
  local k = 0
  for _ in pairs(set) do k = k + 1 end
  return k
end

-- row_use.csv as use -> { [row] = true }, its header and lines checked.
function R.row_use(out)
  local ls = assert(U.lines(out .. "/row_use.csv"))
  assert.are.equal("row,use", ls[1])
  local by = {}
  for i = 2, #ls do
    local row, use = ls[i]:match("^(%d+),([%w_]+)$")
    assert.is_truthy(row, "bad line " .. ls[i])
    by[use] = by[use] or {}
    by[use][tonumber(row)] = true
  end
  return by
end

-- The test rows: as many as metrics.json's n_test, `share` of n_rows
-- (within 0.01), and used for nothing else.  Every use of `uses` must have
-- rows, and no other use may appear.  Returns row_use's table and the
-- metrics.
function R.test_apart(out, uses, share)
  local by = R.row_use(out)
  local test = assert(by.test, "no test rows recorded")
  local m = json.read(out .. "/metrics.json")
  local ntest = R.count(test)
  assert.are.equal(m.n_test, ntest)
  assert.is_true(math.abs(ntest / m.n_rows - share) < 0.01, "test share " .. ntest / m.n_rows)
  local known = { test = true }
  for _, use in ipairs(uses) do
    known[use] = true
    assert.is_truthy(by[use], "no rows recorded for " .. use)
  end
  for use, rows in pairs(by) do
    assert.is_true(known[use], "unexpected use " .. use)
    if use ~= "test" then
      for row in pairs(rows) do
        assert.is_nil(test[row], ("row %d is used for %s and for testing"):format(row, use))
      end
    end
  end
  return by, m
end

return R
