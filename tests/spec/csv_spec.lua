-- csv_spec.lua: credo.csv.read / credo.csv.write (natives/csv): the shipped
-- data sets, every malformed-input fixture in tests/fixtures/csv/ with its
-- exact message, options, and write/read round trips.

local credo = require "credo"
local csv = credo.csv

local FIX = "tests/fixtures/csv/"

-- The message of the error f raises, without a "file:line: " prefix.
local function err(f, ...)
  local ok, e = pcall(f, ...)
  assert.is_false(ok)
  return (tostring(e):gsub("^[^:]*:%d+: ", ""))
end

local function tmpname()
  local p = os.tmpname()
  os.remove(p)
  return p .. ".csv"
end

-- name -> column of a read
local function read_map(path, opts)
  local cols, names = csv.read(path, opts)
  local m = {}
  for i, n in ipairs(names) do m[n] = cols[i] end
  return m, names, cols
end

local function levels_of(c, rows)
  local codes = csv.tolist(c.codes)
  local out = {}
  for i = 1, rows or #codes do
    local k = codes[i]
    out[i] = k == 0 and "<NA>" or c.levels[k]
  end
  return out
end

describe("csv", function()
  describe("read()", function()
    it("reads credit_data.csv: 4454 rows, 14 columns, PROVENANCE.md's missing counts", function()
      local m, names = read_map("data/credit_data.csv")
      assert.are.equal(14, #names)
      assert.are.same({ "Status", "Seniority", "Home", "Time", "Age", "Marital", "Records",
                        "Job", "Expenses", "Income", "Assets", "Debt", "Amount", "Price" }, names)
      assert.are.equal(4454, csv.len(m.Age))
      local want = { Income = 381, Assets = 47, Debt = 18, Home = 6, Job = 2, Marital = 1,
                     Status = 0, Age = 0 }
      for name, k in pairs(want) do
        assert.are.equal(k, csv.count_missing(m[name]), name)
      end
      assert.are.same({ "bad", "good" }, m.Status.levels)
      assert.are.same({ "ignore", "other", "owner", "parents", "priv", "rent" }, m.Home.levels)
      assert.are.same({ "divorced", "married", "separated", "single", "widow" }, m.Marital.levels)
      local counts = csv.tolist((csv.count_codes(m.Status.codes, 2)))
      assert.are.same({ 1254, 3200 }, counts)
      assert.are.equal("float64", csv.dtype(m.Income))
      assert.are.same({ 129, 131, 200 }, csv.tolist(m.Income, 1, 3))
    end)

    it("reads lending_club.csv: 9857 rows, 23 columns, 517 bad", function()
      local m, names = read_map("data/lending_club.csv")
      assert.are.equal(23, #names)
      assert.are.equal(9857, csv.len(m.funded_amnt))
      assert.are.same({ "bad", "good" }, m.Class.levels)
      assert.are.same({ 517, 9340 }, csv.tolist((csv.count_codes(m.Class.codes, 2))))
      assert.are.same({ "term_36", "term_60" }, m.term.levels)
      for _, n in ipairs(names) do assert.are.equal(0, csv.count_missing(m[n]), n) end
      assert.are.same({ 13.99, 11.99 }, csv.tolist(m.int_rate, 1, 2))
    end)

    it("handles quotes, doubled quotes, embedded newlines, NA and blanks", function()
      local m = read_map(FIX .. "basic.csv")
      assert.are.same({ "Smith, John", 'say "hi"', "two\nlines", "plain" }, levels_of(m.name))
      local s = csv.tolist(m.score)
      assert.are.equal(3.5, s[1]); assert.is_true(s[2] ~= s[2])
      assert.are.equal(-1000, s[3]); assert.are.equal(0.25, s[4])
      assert.are.same({ "A", "B", "<NA>", "A" }, levels_of(m.grade))
    end)

    it("skips a UTF-8 BOM, handles CRLF and blank lines", function()
      local m, names = read_map(FIX .. "bom_crlf.csv")
      assert.are.same({ "x", "y" }, names)
      assert.are.same({ 1, 2, 3 }, csv.tolist(m.x))
      assert.are.same({ "a", "b", "c" }, levels_of(m.y))
    end)

    it("reads a header-only file as 0 rows of float64", function()
      local m, names = read_map(FIX .. "header_only.csv")
      assert.are.same({ "a", "b", "c" }, names)
      assert.are.equal(0, csv.len(m.a))
      assert.are.equal("float64", csv.dtype(m.c))
    end)

    it("renames empty and duplicate header names", function()
      local _, names = read_map(FIX .. "dup_names.csv")
      assert.are.same({ "a", "a.1", "V3", "b", "a.1.1" }, names)
    end)

    it("turns a column categorical at its first text, keeping the earlier numbers' text", function()
      local m = read_map(FIX .. "mixed.csv")
      assert.are.same({ "10", "20", "x7" }, m.code.levels)
      assert.are.same({ "10", "20", "<NA>", "x7", "10" }, levels_of(m.code))
      assert.are.same({ 1.5, 2, 3, 4, 5 }, csv.tolist(m.v))
    end)

    it("takes declared types", function()
      local m = read_map(FIX .. "basic.csv", { types = { id = "int64", score = "float64", grade = "category" } })
      assert.are.equal("int64", csv.dtype(m.id))
      assert.are.same({ 1, 2, 3, 4 }, csv.tolist(m.id))
      assert.are.equal(math.type(csv.tolist(m.id)[1]), "integer")
      m = read_map(FIX .. "basic.csv", { types = { id = "category" } })
      assert.are.same({ "1", "2", "3", "4" }, m.id.levels)
    end)

    it("takes delimiter, header and na_values options", function()
      local m = read_map(FIX .. "tab.tsv", { delim = "\t" })
      assert.are.same({ "x y", "z" }, levels_of(m.c))
      local b = csv.tolist(m.b)
      assert.is_true(b[1] ~= b[1] and b[2] ~= b[2])
      m = read_map(FIX .. "semicolon.csv", { delim = ";" })
      assert.are.same({ "1,5" }, levels_of(m.a))
      local _, names = read_map(FIX .. "header_only.csv", { header = false })
      assert.are.same({ "V1", "V2", "V3" }, names)
      m = read_map(FIX .. "basic.csv", { na_values = { "-" } })
      assert.are.same({ "-1e3", ".25", "3.5", "NA" }, m.score.levels)
      m = read_map(FIX .. "mixed.csv", { na_values = { "x7", "NA" } })
      assert.are.same({ 10, 20 }, { csv.tolist(m.code)[1], csv.tolist(m.code)[2] })
    end)

    it("pads or truncates ragged rows when asked", function()
      local m = read_map(FIX .. "ragged_short.csv", { ragged = "pad" })
      local c = csv.tolist(m.c)
      assert.are.equal(3, c[1]); assert.is_true(c[2] ~= c[2])
      m = read_map(FIX .. "ragged_long.csv", { ragged = "truncate" })
      assert.are.same({ 3, 6 }, csv.tolist(m.c))
    end)

    describe("malformed input", function()
      local cases = {
        { "empty.csv", nil, "read_csv: " .. FIX .. "empty.csv: empty file" },
        { "blank.csv", nil, "read_csv: " .. FIX .. "blank.csv: empty file" },
        { "ragged_long.csv", nil, "read_csv: " .. FIX .. "ragged_long.csv: line 3, column 4: row has 4 fields, expected 3" },
        { "ragged_long.csv", { ragged = "pad" }, "read_csv: " .. FIX .. "ragged_long.csv: line 3, column 4: row has 4 fields, expected 3" },
        { "ragged_short.csv", nil, "read_csv: " .. FIX .. "ragged_short.csv: line 3, column 3 (c): row has 2 fields, expected 3" },
        { "unterminated.csv", nil, "read_csv: " .. FIX .. "unterminated.csv: line 3, column 2 (b): unterminated quoted field at end of file" },
        { "quote_in_field.csv", nil, "read_csv: " .. FIX .. "quote_in_field.csv: line 2, column 2 (b): quote character inside an unquoted field" },
        { "after_quote.csv", nil, "read_csv: " .. FIX .. "after_quote.csv: line 2, column 2 (b): unexpected character after a closing quote" },
        { "nul.csv", nil, "read_csv: " .. FIX .. "nul.csv: line 3, column 2 (b): NUL byte in field" },
        { "not_number.csv", { types = { age = "float64" } }, "read_csv: " .. FIX .. "not_number.csv: line 3, column 1 (age): '4O' is not a number (column declared float64)" },
        { "basic.csv", { types = { score = "int64" } }, "read_csv: " .. FIX .. "basic.csv: line 2, column 3 (score): '3.5' is not an integer (column declared int64)" },
        { "basic.csv", { types = { grade = "int64" } }, "read_csv: " .. FIX .. "basic.csv: line 2, column 4 (grade): 'A' is not an integer (column declared int64)" },
        { "int_missing.csv", { types = { a = "int64" } }, "read_csv: " .. FIX .. "int_missing.csv: line 3, column 1 (a): missing value in an int64 column" },
        { "long_field.csv", { max_field = 100 }, "read_csv: " .. FIX .. "long_field.csv: line 3, column 2 (b): field longer than 100 bytes" },
        { "nope.csv", nil, "read_csv: cannot open '" .. FIX .. "nope.csv': No such file or directory" },
      }
      for _, c in ipairs(cases) do
        it(("reports %s%s"):format(c[1], c[2] and " with options" or ""), function()
          assert.are.equal(c[3], err(csv.read, FIX .. c[1], c[2]))
        end)
      end

      it("reads a huge field as an error, not unbounded memory", function()
        local p = tmpname()
        local f = assert(io.open(p, "wb"))
        f:write("a,b\n1,2\n2,\"", ("x"):rep(1024 * 1024 + 1), "\"\n")
        f:close()
        assert.are.equal("read_csv: " .. p .. ": line 3, column 2 (b): field longer than 1048576 bytes",
                         err(csv.read, p))
        os.remove(p)
      end)
    end)

    describe("bad options", function()
      local cases = {
        { { delim = ",," }, "bad argument #2 to 'read_csv' (delim must be a one-character string)" },
        { { quote = 1 }, "bad argument #2 to 'read_csv' (quote must be a one-character string)" },
        { { header = "yes" }, "bad argument #2 to 'read_csv' (header must be a boolean)" },
        { { ragged = "fix" }, "bad argument #2 to 'read_csv' (ragged must be \"error\", \"pad\" or \"truncate\")" },
        { { max_field = 0 }, "bad argument #2 to 'read_csv' (max_field must be an integer in 1..2^31)" },
        { { na_values = { 1 } }, "bad argument #2 to 'read_csv' (na_values[1] must be a string)" },
        { { types = { id = "date" } }, "bad argument #2 to 'read_csv' (types.id: unknown type 'date' (expected float64, int64, category or auto))" },
        { { types = { nope = "int64" } }, "bad argument #2 to 'read_csv' (types: no column named 'nope')" },
        { { delimiter = '"' }, "bad argument #2 to 'read_csv' (delim and quote must differ)" },
        { { sep = ";" }, "bad argument #2 to 'read_csv' (unknown option 'sep')" },
        { "x", "bad argument #2 to 'read_csv' (options must be a table)" },
      }
      it("rejects a path that is not a string", function()
        assert.are.equal("bad argument #1 to 'read_csv' (path must be a string, got no value)", err(csv.read))
        assert.are.equal("bad argument #1 to 'read_csv' (path must be a string, got nil)", err(credo.read_csv))
      end)
      for _, c in ipairs(cases) do
        it("rejects " .. c[2]:match("%((.*)%)$"), function()
          assert.are.equal(c[2], err(csv.read, FIX .. "basic.csv", c[1]))
        end)
      end
    end)
  end)

  describe("write()", function()
    it("round-trips numbers bit for bit and text with awkward characters", function()
      local xs = { 0.1, 1 / 3, -0.0, 1e300, 5e-324, 2 ^ 53 + 2, -123456.789, 0 / 0, 1 / 0, -1 / 0 }
      local levels = { "a,b", 'q"uote', "two\nlines", " lead", "NAx", "plain" }
      local codes = { 1, 2, 3, 4, 5, 6, 0, 1, 2, 3 }
      local p = tmpname()
      csv.write(p, { "x", "s", "i" }, { csv.fromlist(xs), { codes = csv.fromlist(codes, "int64"), levels = levels },
        csv.fromlist({ 1, -2, 3, 4, 5, 6, 7, 8, 9, 2 ^ 62 }, "int64") })
      local m = read_map(p, { types = { i = "int64" } })
      local got = csv.tolist(m.x)
      for i, x in ipairs(xs) do
        if x ~= x then assert.is_true(got[i] ~= got[i])
        else assert.are.equal(string.pack("d", x), string.pack("d", got[i])) end
      end
      assert.are.same({ "a,b", 'q"uote', "two\nlines", " lead", "NAx", "plain", "<NA>", "a,b", 'q"uote', "two\nlines" },
                      levels_of(m.s))
      assert.are.equal(2 ^ 62, csv.tolist(m.i)[10])
      local f = io.open(p, "rb")
      local text = f:read("a")
      f:close()
      local head = 'x,s,i\n0.1,"a,b",1\n0.3333333333333333,"q""uote",-2\n-0,"two\nlines",3\n'
      assert.are.equal(head, text:sub(1, #head))
      os.remove(p)
    end)

    it("writes NA for missing values, or the na option", function()
      local p = tmpname()
      csv.write(p, { "x" }, { csv.fromlist({ 1, 0 / 0 }) }, { na = "" })
      local f = io.open(p)
      assert.are.equal("x\n1\n\n", f:read("a"))
      f:close()
      csv.write(p, { "x" }, { csv.fromlist({ 1, 0 / 0 }) }, { delim = ";", header = false })
      f = io.open(p)
      assert.are.equal("1\nNA\n", f:read("a"))
      f:close()
      os.remove(p)
    end)

    it("replaces the target atomically and leaves no temporary file", function()
      local dir = os.tmpname()
      os.remove(dir)
      os.execute("mkdir " .. dir)
      local p = dir .. "/out.csv"
      csv.write(p, { "a" }, { csv.fromlist({ 1, 2 }) })
      csv.write(p, { "a" }, { csv.fromlist({ 3 }) })
      local ls = io.popen("ls -A " .. dir):read("a")
      assert.are.equal("out.csv\n", ls)
      assert.are.same({ 3 }, csv.tolist((csv.read(p))[1]))
      os.remove(p)
      os.remove(dir)
    end)

    it("rejects bad columns", function()
      local p = tmpname()
      assert.are.equal("bad argument #2 to 'write_csv' (2 names for 1 columns)",
                       err(csv.write, p, { "a", "b" }, { csv.fromlist({ 1 }) }))
      assert.are.equal("bad argument #3 to 'write_csv' (column 2 ('b') has 1 rows, column 1 has 2)",
                       err(csv.write, p, { "a", "b" }, { csv.fromlist({ 1, 2 }), csv.fromlist({ 1 }) }))
      assert.are.equal("bad argument #3 to 'write_csv' (column 'c': code 3 in row 1 is out of range 0..2)",
                       err(csv.write, p, { "c" }, { { codes = csv.fromlist({ 3 }, "int64"), levels = { "x", "y" } } }))
      assert.are.equal("bad argument #3 to 'write_csv' (column 1 ('c') must be a tensor or a categorical table {codes, levels})",
                       err(csv.write, p, { "c" }, { "oops" }))
      assert.are.equal("bad argument #4 to 'write_csv' (unknown option 'sep')",
                       err(csv.write, p, { "c" }, { csv.fromlist({ 1 }) }, { sep = ";" }))
      assert.is_nil(io.open(p))
      assert.matches("^write_csv: cannot create '/nonexistent%-dir/x%.csv%.tmp",
                     err(csv.write, "/nonexistent-dir/x.csv", { "a" }, { csv.fromlist({ 1 }) }))
    end)

    it("never replaces a device, pipe or directory (the rename would)", function()
      assert.are.equal("write_csv: cannot write '/dev/null': not a regular file (a device, pipe, "
        .. "socket or directory is never replaced)", err(csv.write, "/dev/null", { "a" }, { csv.fromlist({ 1 }) }))
      local f = io.open("/dev/null", "rb")
      assert.is_truthy(f)                                  -- still the device
      f:close()
      local dir = os.tmpname()
      os.remove(dir)
      os.execute("mkdir " .. dir)
      assert.matches("not a regular file", err(csv.write, dir, { "a" }, { csv.fromlist({ 1 }) }))
      os.remove(dir)
    end)
  end)

  describe("column kernels", function()
    it("take, slice, which, complete", function()
      local t = csv.fromlist({ 10, 20, 0 / 0, 40 })
      assert.are.same({ 40, 10, 10 }, csv.tolist(csv.take(t, csv.fromlist({ 4, 1, 1 }, "int64"))))
      local sl = csv.tolist(csv.slice(t, 2, 3))
      assert.are.equal(2, #sl); assert.are.equal(20, sl[1]); assert.is_true(sl[2] ~= sl[2])
      assert.are.equal(0, csv.len(csv.slice(t, 3, 2)))
      assert.are.same({ 1, 3 }, csv.tolist(csv.which(csv.fromlist({ 1, 0, 2, 0 }, "int64"))))
      assert.are.same({ 1, 2, 4 }, csv.tolist(csv.complete({ t })))
      assert.are.equal("bad argument #2 to 'take' (index 5 at position 2 is out of range 1..4)",
                       err(csv.take, t, csv.fromlist({ 1, 5 }, "int64")))
      assert.are.equal("bad argument #1 to 'which' (mask has NaN at position 3)", err(csv.which, t))
    end)

    it("stats follow pandas' describe on a small column", function()
      local s = csv.stats(csv.fromlist({ 4, 1, 0 / 0, 3, 2 }))
      assert.are.equal(4, s.count); assert.are.equal(1, s.missing)
      assert.are.equal(2.5, s.mean); assert.are.equal(1, s.min); assert.are.equal(4, s.max)
      assert.are.equal(1.75, s.q25); assert.are.equal(2.5, s.q50); assert.are.equal(3.25, s.q75)
      assert.is_true(math.abs(s.std - math.sqrt(5 / 3)) < 1e-15)
    end)

    it("factorize and count_pairs", function()
      local codes, levels = csv.factorize(csv.fromlist({ 2.5, -1, 2.5, 0 / 0, -0.0, 0 }))
      assert.are.same({ 3, 1, 3, 0, 2, 2 }, csv.tolist(codes))
      assert.are.same({ -1, 0, 2.5 }, csv.tolist(levels))
      local a, b, n = csv.count_pairs(csv.fromlist({ 1, 2, 1, 0, 1 }, "int64"), 2,
                                      csv.fromlist({ 3, 1, 3, 1, 1 }, "int64"), 3)
      assert.are.same({ 1, 1, 2 }, csv.tolist(a))
      assert.are.same({ 1, 3, 1 }, csv.tolist(b))
      assert.are.same({ 1, 2, 1 }, csv.tolist(n))
    end)
  end)
end)
