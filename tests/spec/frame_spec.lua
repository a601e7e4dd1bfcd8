-- frame_spec.lua: the Frame (stdlib/credo/frame.lua) on the shipped data,
-- checked against pandas 1.5 (tests/fixtures/csv/frame_pandas.json, made by
-- bench/peers/make_frame_fixtures.py), and its API on small frames.

local credo = require "credo"
local json = require "json"
local csv = credo.csv
local Frame = credo.Frame

local pandas = json.read("tests/fixtures/csv/frame_pandas.json")

local function err(f, ...)
  local ok, e = pcall(f, ...)
  assert.is_false(ok)
  return (tostring(e):gsub("^[^:]*:%d+: ", ""))
end

local function close(a, b, tol)
  return a == b or math.abs(a - b) <= tol * math.max(1, math.abs(b))
end

local function tmpname()
  local p = os.tmpname()
  os.remove(p)
  return p .. ".csv"
end

-- Rows of a frame as lists of Lua values (level strings; "NA" missing).
local function rows_of(df)
  local out = {}
  local names = df:names()
  for i = 1, df:nrow() do out[i] = {} end
  for j, name in ipairs(names) do
    local c = df:col(name)
    if df:is_categorical(name) then
      for i, k in ipairs(csv.tolist(c.codes)) do out[i][j] = k == 0 and "NA" or c.levels[k] end
    else
      for i, x in ipairs(csv.tolist(c)) do out[i][j] = x ~= x and "NA" or x end
    end
  end
  return out
end

local function small()
  return Frame.new({ "id", "grade", "score" },
                   { { 1, 2, 3, 4, 5 }, { "b", "a", nil, "b", "c" }, { 0.5, nil, 2, 8, -1 } })
end

describe("Frame", function()
  for _, set in ipairs { "credit_data", "lending_club" } do
    describe("read_csv(" .. set .. ")", function()
      local want = pandas[set]
      local df = credo.read_csv("data/" .. set .. ".csv")

      it("has pandas' shape, names and column kinds", function()
        assert.are.equal(want.nrow, df:nrow())
        assert.are.equal(want.ncol, df:ncol())
        local n, k = df:shape()
        assert.are.equal(want.nrow, n); assert.are.equal(want.ncol, k)
        for j, name in ipairs(df:names()) do
          assert.are.equal(want.names[j], name)
          assert.are.equal(want.columns[name].dtype, df:dtype(name), name)
        end
      end)

      it("has pandas' missing counts and levels", function()
        local miss = df:missing()
        for name, c in pairs(want.columns) do
          assert.are.equal(c.missing, miss[name], name)
          if c.dtype == "category" then
            local lv = c.levels
            assert.are.same({ table.unpack(lv, 1, lv.n) }, df:level_names(name))
          end
        end
        assert.are.equal(want.dropna_rows, df:dropna():nrow())
      end)

      it("describes like pandas (mean, std within 1e-12; quantiles, min, max exact)", function()
        local d = df:describe()
        local rows = rows_of(d)
        assert.are.equal(want.ncol, d:nrow())
        local col = {}
        for j, name in ipairs(d:names()) do col[name] = j end
        for i, r in ipairs(rows) do
          local name = r[col.column]
          local c = want.columns[name]
          assert.are.equal(want.names[i], name)
          assert.are.equal(c.missing, r[col.missing], name)
          if c.dtype == "float64" then
            assert.are.equal(c.count, r[col.count], name)
            for _, key in ipairs { "min", "q25", "q50", "q75", "max" } do
              assert.are.equal(c[key], r[col[key]], name .. " " .. key)
            end
            assert.is_true(close(r[col.mean], c.mean, 1e-12), name .. " mean")
            assert.is_true(close(r[col.std], c.std, 1e-12), name .. " std")
            assert.are.equal("NA", r[col.top])
          else
            assert.are.equal(c.count, r[col.count], name)
            assert.are.equal(c.levels.n, r[col.levels], name)
            local top, best = nil, -1
            for _, lv in ipairs(c.levels) do
              if c.value_counts[lv] > best then top, best = lv, c.value_counts[lv] end
            end
            assert.are.equal(top, r[col.top], name)
            assert.are.equal(best, r[col.freq], name)
            assert.are.equal("NA", r[col.mean])
          end
        end
      end)

      it("counts values and groups like pandas", function()
        for name, c in pairs(want.columns) do
          if c.dtype == "category" then
            local vc = df:value_counts(name)
            local prev = math.huge
            for _, r in ipairs(rows_of(vc)) do
              assert.are.equal(c.value_counts[r[1]], r[2], name .. " " .. r[1])
              assert.is_true(r[2] <= prev)
              prev = r[2]
            end
            assert.are.equal(c.levels.n, vc:nrow())
          end
        end
        for _, g in ipairs(want.group_counts) do
          local gc = rows_of(df:group_counts(g.a, g.b))
          assert.are.equal(g.rows.n, #gc)
          for i, r in ipairs(g.rows) do
            assert.are.same({ r[1], r[2], r[3] }, gc[i])
          end
        end
      end)
    end)
  end

  describe("new() and add()", function()
    it("builds columns from lists of numbers and strings", function()
      local df = small()
      assert.are.equal("float64", df:dtype("id"))
      assert.are.equal("category", df:dtype("grade"))
      assert.are.same({ "a", "b", "c" }, df:level_names("grade"))
      assert.are.same({ { 1, "b", 0.5 }, { 2, "a", "NA" }, { 3, "NA", 2 }, { 4, "b", 8 }, { 5, "c", -1 } },
                      rows_of(df))
      assert.are.equal(df:col("id"), df.id)
    end)

    it("accepts tensors and categorical tables, and replaces in place", function()
      local df = small()
      df:add("k", csv.fromlist({ 5, 4, 3, 2, 1 }, "int64"))
      df:add("g2", { codes = csv.fromlist({ 1, 1, 0, 2, 2 }, "int64"), levels = { "lo", "hi" } })
      df:add("id", { 10, 20, 30, 40, 50 })
      assert.are.same({ "id", "grade", "score", "k", "g2" }, df:names())
      assert.are.equal("int64", df:dtype("k"))
      assert.are.same({ 10, "b", 0.5, 5, "lo" }, rows_of(df)[1])
    end)

    it("takes a map of columns", function()
      local df = Frame.new({ "b", "a" }, { a = { 1, 2 }, b = { "x", "y" } })
      assert.are.same({ "b", "a" }, df:names())
    end)

    it("rejects bad columns", function()
      local df = small()
      assert.are.equal("bad argument #2 to 'add' (column 'x' has 2 rows, the frame has 5)",
                       err(df.add, df, "x", csv.fromlist({ 1, 2 })))
      assert.are.equal("bad argument #2 to 'add' (column 'x' mixes numbers and strings)",
                       err(df.add, df, "x", { 1, "a", 3, 4, 5 }))
      assert.are.equal("bad argument #2 to 'add' (column 'x': element 2 is a boolean (numbers or strings expected))",
                       err(df.add, df, "x", { 1, true, 3, 4, 5 }))
      assert.are.equal("bad argument #2 to 'add' (column 'x': code 3 at position 1 is out of range 0..2)",
                       err(df.add, df, "x", { codes = csv.fromlist({ 3, 1, 1, 1, 1 }, "int64"), levels = { "a", "b" } }))
      assert.are.equal("bad argument #1 to 'add' (column name must be a string)", err(df.add, df, 1, { 1 }))
      assert.are.equal("bad argument #1 to 'col' (no column named 'nope')", err(df.col, df, "nope"))
    end)
  end)

  describe("select(), drop(), rename()", function()
    it("select keeps the given order and shares columns", function()
      local df = small()
      local s = df:select { "score", "id" }
      assert.are.same({ "score", "id" }, s:names())
      assert.are.equal(df:col("id"), s:col("id"))
      assert.are.same({ "grade" }, df:drop { "id", "score" }:names())
      assert.are.same({ "id", "score" }, df:drop("grade"):names())
      assert.are.equal("bad argument #1 to 'select' (no column named 'zz')", err(df.select, df, { "zz" }))
    end)

    it("rename", function()
      local df = small():rename("grade", "g")
      assert.are.same({ "id", "g", "score" }, df:names())
      assert.are.equal("bad argument #2 to 'rename' (a column named 'id' exists)", err(df.rename, df, "g", "id"))
    end)
  end)

  describe("rows(), filter(), head(), tail(), dropna()", function()
    it("rows takes 1-based indices in order, repeats allowed", function()
      local df = small()
      assert.are.same({ { 5, "c", -1 }, { 1, "b", 0.5 }, { 1, "b", 0.5 } },
                      rows_of(df:rows(csv.fromlist({ 5, 1, 1 }, "int64"))))
      assert.are.same({ { 2, "a", "NA" } }, rows_of(df:rows { 2 }))
      assert.are.equal("bad argument #1 to 'rows' (index 6 at position 1 is out of range 1..5)",
                       err(df.rows, df, { 6 }))
    end)

    it("filter by a mask tensor or a row predicate", function()
      local df = small()
      local m = df:col("id"):gt(2)
      assert.are.same({ 3, 4, 5 }, csv.tolist(df:filter(m):col("id")))
      assert.are.same({ 1, 4 }, csv.tolist(df:filter(function(r) return r.grade == "b" end):col("id")))
      assert.are.same({ 3 }, csv.tolist(df:filter(function(r) return r.grade == nil end):col("id")))
      assert.are.equal("bad argument #1 to 'filter' (mask must be a 1-D tensor of 5 elements)",
                       err(df.filter, df, csv.fromlist({ 1, 0 })))
    end)

    it("head and tail", function()
      local df = small()
      assert.are.same({ 1, 2 }, csv.tolist(df:head(2):col("id")))
      assert.are.same({ 4, 5 }, csv.tolist(df:tail(2):col("id")))
      assert.are.equal(5, df:head(10):nrow())
      assert.are.equal(0, df:head(0):nrow())
      assert.are.equal(5, df:head():nrow())
    end)

    it("dropna over all or some columns", function()
      local df = small()
      assert.are.same({ 1, 4, 5 }, csv.tolist(df:dropna():col("id")))
      assert.are.same({ 1, 3, 4, 5 }, csv.tolist(df:dropna { "score" }:col("id")))
      assert.are.same({ id = 0, grade = 1, score = 1 }, df:missing())
      -- no column to check keeps every row (it kept none)
      assert.are.equal(df:nrow(), df:dropna({}):nrow())
    end)

    it("refuses a list longer than the frame, and counts trailing missing values by n", function()
      assert.has_error(function() credo.Frame.new({ "x", "y" }, { { 1, 2 }, { 10, 20, 30 } }) end,
        "bad argument #2 to 'add' (column 'y' has 3 elements, the frame has 2 rows)")
      local df = credo.Frame.new({ "x", "y" }, { { 1, 2, 3 }, { 5 } })  -- shorter: NA after
      assert.are.equal(3, df:nrow())
      assert.are.same({ y = 2, x = 0 }, df:missing())
      df = credo.Frame.new({ "x", "y" }, { table.pack("a", "b", nil), { 1, 2, 3 } })
      assert.are.equal(3, df:nrow())
      assert.has_error(function() credo.Frame.new({ "x" }, { { 1, 2, n = 1 } }) end)
    end)
  end)

  describe("to_tensor()", function()
    it("refuses values beyond float32 for the default float32 (they became inf)", function()
      local df = credo.Frame.new({ "a" }, { { 1, 1e300 } })
      assert.has_error(function() df:to_tensor() end,
        "bad argument #1 to 'to_tensor' (column 'a' holds values beyond float32's range: ask for dtype \"float64\")")
      assert.are.equal(1e300, df:to_tensor(nil, "float64"):get(2, 1))
    end)

    it("stacks numeric columns, float32 by default", function()
      local df = small()
      local t = df:to_tensor { "id", "score" }
      assert.are.equal("float32", t:dtype())
      assert.are.same({ 5, 2 }, t:size())
      local v = t:totable()
      assert.are.same({ 1, 0.5 }, v[1])
      assert.is_true(v[2][2] ~= v[2][2])
    end)

    it("refuses categorical columns unless asked for codes", function()
      local df = small()
      assert.are.equal("bad argument #1 to 'to_tensor' (column 'grade' is categorical (pass {categorical = \"codes\"} or encode it first))",
                       err(df.to_tensor, df))
      local v = df:to_tensor(nil, "float64", { categorical = "codes" }):totable()
      assert.are.same({ 1, 2, 0.5 }, v[1])
      assert.is_true(v[3][2] ~= v[3][2])
      assert.are.equal("bad argument #1 to 'to_tensor' (column 'score' has the non-integer value 0.5 in row 1; int64 needs integers)",
                       err(df.to_tensor, df, { "score" }, "int64"))
    end)
  end)

  describe("value_counts() and group_counts()", function()
    it("count categorical and numeric values, missing left out", function()
      local df = small()
      assert.are.same({ { "b", 2 }, { "a", 1 }, { "c", 1 } }, rows_of(df:value_counts("grade")))
      local g = Frame.new({ "x" }, { { 2, 1, 2, 2, nil, 1 } })
      assert.are.same({ { 2, 3 }, { 1, 2 } }, rows_of(g:value_counts("x")))
      assert.are.same({ { 1, 2 }, { 2, 3 } }, rows_of(g:group_counts("x")))
      assert.are.same({ { "a", 2, 1 }, { "b", 1, 1 }, { "b", 4, 1 }, { "c", 5, 1 } },
                      rows_of(df:group_counts("grade", "id")))
    end)
  end)

  describe("describe()", function()
    it("gives count, missing, quantiles and the top level", function()
      local d = rows_of(small():describe())
      -- column dtype count missing mean std min q25 q50 q75 max levels top freq
      assert.are.same({ "id", "float64", 5, 0, 3, math.sqrt(2.5), 1, 2, 3, 4, 5, "NA", "NA", "NA" }, d[1])
      assert.are.same({ "grade", "category", 4, 1, "NA", "NA", "NA", "NA", "NA", "NA", "NA", 3, "b", 2 }, d[2])
      assert.are.same({ 4, 1, 2.375, -1, 0.125, 1.25, 3.5, 8 },
                      { d[3][3], d[3][4], d[3][5], d[3][7], d[3][8], d[3][9], d[3][10], d[3][11] })
    end)
  end)

  describe("write_csv()", function()
    it("round-trips a frame", function()
      local p = tmpname()
      local df = credo.read_csv("data/credit_data.csv")
      df:write_csv(p)
      local back = credo.read_csv(p)
      assert.are.same(df:names(), back:names())
      for _, name in ipairs(df:names()) do
        local a, b = df:col(name), back:col(name)
        if df:is_categorical(name) then
          assert.are.same(a.levels, b.levels)
          assert.are.same(csv.tolist(a.codes), csv.tolist(b.codes))
        else
          local x, y = csv.tolist(a), csv.tolist(b)
          for i = 1, #x do assert.is_true(x[i] == y[i] or (x[i] ~= x[i] and y[i] ~= y[i])) end
        end
      end
      os.remove(p)
    end)

    it("refuses a missing-value text that would not read back as one field", function()
      local p = tmpname()
      local df = credo.Frame.new({ "a", "b" }, { { 1, 0 / 0 }, { "u", nil, n = 2 } })
      for _, na in ipairs { ",", "x\ny", '"', "a\rb" } do
        local ok, e = pcall(df.write_csv, df, p, { na = na })
        assert.is_false(ok)
        assert.matches("bad argument #2 to 'write_csv' %(na must not contain the delimiter, the quote or a line break", e)
      end
      assert.is_nil(io.open(p))
      df:write_csv(p, { na = "NULL" })
      local back = credo.read_csv(p, { na_values = { "NULL" } })
      assert.are.same({ a = 1, b = 1 }, back:missing())
      os.remove(p)
    end)
  end)

  describe("__tostring", function()
    it("prints the shape and aligned rows", function()
      assert.are.equal(table.concat({
        "Frame: 5 rows x 3 columns",
        "   id  grade  score",
        "1   1      b    0.5",
        "2   2      a     NA",
        "3   3     NA      2",
        "4   4      b      8",
        "5   5      c     -1",
      }, "\n"), tostring(small()))
    end)

    it("elides the middle of long frames", function()
      local s = tostring(credo.read_csv("data/credit_data.csv"):select { "Status", "Age" })
      local lines = {}
      for l in s:gmatch("[^\n]+") do lines[#lines + 1] = l end
      assert.are.equal("Frame: 4454 rows x 2 columns", lines[1])
      assert.are.equal(1 + 1 + 10 + 1 + 5, #lines)
      assert.are.equal("      Status  Age", lines[2])
      assert.are.equal(" ...     ...  ...", lines[13])
      assert.are.equal("4454    good   32", lines[18])
    end)
  end)
end)
