-- report_spec.lua: credo.report: the run folder (its files and their
-- contents), atomicity (a run that stops before finish() leaves only
-- `<out>.partial`), the markup helpers (JSON, CSV, Markdown subset), the
-- git commit reader, and a rendering of examples/report_demo.lua in
-- headless Chromium (Debian's `chromium`; the test FAILS when it is not
-- installed: it is a declared dependency, not an optional one).
local credo = require "credo"
local report = require "credo.report"
local markup = require "credo.report.markup"
local plot = require "credo.plot"
local json = require "json"
local xml = dofile "tests/report/xml.lua"
local U = dofile "tests/report/util.lua"

local function count(s, pat)
  local n = 0
  for _ in s:gmatch(pat) do n = n + 1 end
  return n
end

-- A fake clock: 0, 1, 2, ... seconds at each reading.
local function ticking()
  local t = -1
  return function() t = t + 1; return t end
end

describe("report.markup", function()
  describe("json()", function()
    it("writes arrays, sorted objects, escapes, integers and floats", function()
      assert.equal('{"a":[1,2.5,"x"],"b":{"c":true,"d":null},"e":"q\\"\\\\\\n\\u0001"}',
                   markup.json({ b = { c = true, d = 0 / 0 }, a = { 1, 2.5, "x" }, e = 'q"\\\n\1' }))
      assert.equal("1.0", markup.json(1.0))
      assert.equal("0.1", markup.json(0.1))
      assert.equal("1e+300", markup.json(1e300))
      assert.equal("{}", markup.json({}))
      assert.equal("null", markup.json(math.huge))
    end)
    it("round-trips through a JSON reader, indented", function()
      local v = { x = { 1, 2, 3 }, name = "run", nested = { k = 0.30000000000000004 } }
      local back = json.decode(markup.json(v, true))
      assert.equal(0.30000000000000004, back.nested.k)
      assert.equal("run", back.name)
      assert.equal(3, back.x[3])
    end)
    it("writes tensors as arrays and refuses cycles and functions", function()
      assert.equal("[[1,2],[3,4]]", markup.json(credo.tensor({ { 1, 2 }, { 3, 4 } }, "int64")))
      local t = {}
      t.self = t
      assert.has_error(function() markup.json(t) end, "json: cannot encode a cycle")
      assert.has_error(function() markup.json({ f = print }) end, "json: cannot encode a function")
    end)
  end)

  describe("csv()", function()
    it("quotes what needs quoting and keeps full precision", function()
      assert.equal('a,"b,c"\n"x ""y""",0.1\n1,\n" z",3.3333333333333335\n',
                   markup.csv({ "a", "b,c" }, { { 'x "y"', 0.1 }, { 1, nil }, { " z", 10 / 3 } }))
      assert.equal("NaN", markup.csv_field(0 / 0))
      assert.equal('"a\nb"', markup.csv_field("a\nb"))
    end)
  end)

  describe("md_to_html()", function()
    it("renders the subset and escapes everything else", function()
      local h = markup.md_to_html("Some **bold**, *em*, `a<b` and [a link](https://x.org/?a=1&b=2).\n\n" ..
                                  "- one\n- two <script>\n\n1. first\n2. second\n\n# Head\n\n> quoted\n\n```\nx < y\n```")
      assert.equal('<p>Some <strong>bold</strong>, <em>em</em>, <code>a&lt;b</code> and ' ..
                   '<a href="https://x.org/?a=1&amp;b=2">a link</a>.</p>\n' ..
                   "<ul><li>one</li><li>two &lt;script&gt;</li></ul>\n" ..
                   "<ol><li>first</li><li>second</li></ol>\n<h3>Head</h3>\n" ..
                   "<blockquote><p>quoted</p></blockquote>\n<pre><code>x &lt; y</code></pre>", h)
      assert.truthy(xml.check("<div>" .. h .. "</div>"))
    end)
    it("does not link javascript: URLs and leaves bad nesting as text", function()
      assert.equal("[x](javascript:alert(1))", markup.inline("[x](javascript:alert(1))"))
      local h = markup.inline("**a [b** c](u)")
      assert.truthy(xml.check("<p>" .. h .. "</p>"))
    end)
    it("moves Markdown headings under the section", function()
      assert.equal("### A\n```\n# not a heading\n```\n#### B", markup.md_shift_headings("# A\n```\n# not a heading\n```\n## B", 2))
    end)
  end)

  it("formats table numbers", function()
    assert.equal("0.8735", markup.cell_number(0.873456))
    assert.equal("12", markup.cell_number(12))
    assert.equal("12.0000", markup.cell_number(12.0, nil, true))
    assert.equal("12345.7", markup.cell_number(12345.67))
    assert.equal("1.235e+06", markup.cell_number(1234567.5))
    assert.equal("1.23e-05", markup.cell_number(0.0000123))
    assert.equal("NaN", markup.cell_number(0 / 0))
  end)
end)

describe("report", function()
  local tmp
  before_each(function() tmp = U.tmpdir() end)
  after_each(function() U.rm(tmp) end)

  local function small(out)
    local r = report.new { recipe = "demo", out = out, params = { lr = 0.001, epochs = 5, opts = { "adam", "sgd" } },
                           seed = 42, clock = ticking(), argv = { "--quick" } }
    r:section("Results")
    r:text("The **first** results.")
    r:table("models", { { model = "a|b", auc = 0.87346, n = 12 }, { model = "c", auc = 0.7, n = 3 } },
            { columns = { "model", "auc", "n" }, caption = "Models", paper = "Table 1" })
    r:figure("line", plot.line { title = "t", series = { { name = "s", y = { 1, 2, 3 } } } }, "A <line> & more",
             { paper = "Fig. 3" })
    r:metric("auc", 0.87346)
    r:metric("curve", { 1, 2 })
    return r
  end

  describe("new()", function()
    it("builds the folder as <out>.partial with params.json in it", function()
      local out = tmp .. "/runs/x"
      local r = small(out)
      assert.equal(out, r.out)
      assert.equal(out .. ".partial", r.dir)
      assert.is_false(U.exists(out))
      assert.same({ "line.svg", "models.csv", "params.json" }, U.ls(out .. ".partial"))
      local p = json.decode(U.slurp(out .. ".partial/params.json"))
      assert.equal("demo", p.recipe)
      assert.equal(42, p.seed)
    end)

    it("refuses an existing folder or a left-over partial one", function()
      local out = tmp .. "/x"
      report.new { recipe = "demo", out = out }
      local ok, err = pcall(report.new, { recipe = "demo", out = out })
      assert.is_false(ok)
      assert.matches("'.-/x.partial' exists, left by an unfinished run", err)
      credo.core.sys.mkdir(tmp .. "/y")
      ok, err = pcall(report.new, { recipe = "demo", out = tmp .. "/y" })
      assert.is_false(ok)
      assert.matches("run folder '.-/y' already exists", err)
    end)

    it("names the default folder runs/<recipe>-<date-time>, suffixed when taken", function()
      local script = tmp .. "/default.lua"
      U.write(script, [[
        local report = require "credo.report"
        local t = os.time { year = 2024, month = 3, day = 5, hour = 14, min = 7, sec = 9 }
        local a = report.new { recipe = "r1", time = t }
        local b = report.new { recipe = "r1", time = t }
        print(a.out, b.out, b:finish())
      ]])
      local out, err, status = U.host({ "default.lua" }, "cd " .. U.q(tmp) .. " && ")
      assert.equal(0, status, err)
      assert.equal("runs/r1-20240305-140709\truns/r1-20240305-140709-2\truns/r1-20240305-140709-2\n", out)
      assert.same({ "r1-20240305-140709-2", "r1-20240305-140709.partial" }, U.ls(tmp .. "/runs"))
    end)

    it("checks its options and names", function()
      assert.has_error(function() report.new { recipe = "a b" } end,
        "bad argument #1 to 'report.new' (recipe must be a name of letters, digits, '.', '_' or '-', got 'a b')")
      assert.has_error(function() report.new { recipe = "a", outdir = "x" } end,
        "bad argument #1 to 'report.new' (unknown option 'outdir')")
    end)
  end)

  describe("finish()", function()
    it("writes every file and renames the folder", function()
      local out = tmp .. "/run"
      local r = small(out)
      assert.equal(42, r:stage("train", function(a, b) return a * b end, 6, 7))
      assert.equal(out, r:finish())
      assert.is_false(U.exists(out .. ".partial"))
      assert.same({ "line.svg", "metrics.json", "models.csv", "params.json", "report.html", "report.md", "timings.csv" },
                  U.ls(out))
      local md = U.slurp(out .. "/report.md")
      assert.truthy(md:find("## Results", 1, true))
      assert.truthy(md:find("| model | auc | n |\n| --- | ---: | ---: |\n| a\\|b | 0.8735 | 12 |", 1, true))
      assert.truthy(md:find("**Table 1.** Models (paper: Table 1)", 1, true))
      assert.truthy(md:find("![A <line> & more](line.svg)", 1, true))
      assert.truthy(md:find("*Figure 1.* A <line> & more (paper: Fig. 3)", 1, true))
      assert.equal("model,auc,n\na|b,0.87346,12\nc,0.7,3\n", U.slurp(out .. "/models.csv"))
      local svg = U.slurp(out .. "/line.svg")
      assert.truthy(svg:find('^<%?xml version="1.0" encoding="UTF%-8"%?>\n<svg'))
      assert.truthy(xml.check(svg))
      local m = json.decode(U.slurp(out .. "/metrics.json"))
      assert.equal(0.87346, m.auc)
      assert.equal(2, m.curve[2])
      local t = U.slurp(out .. "/timings.csv")
      assert.equal("stage,seconds,status\ntrain,1,ok\ntotal,3,ok\n", t)
    end)

    it("writes a self-contained, well-formed report.html", function()
      local out = tmp .. "/run"
      local r = small(out)
      r:figure("bars", plot.bar { labels = { "a" }, values = { 1 } }, "bars")
      r:finish()
      local h = U.slurp(out .. "/report.html")
      local root, c = xml.check(h)
      assert.equal("html", root, c)
      assert.equal(2, c.svg)
      assert.truthy(h:find("<style>", 1, true))
      assert.falsy(h:find("<script", 1, true))
      assert.falsy(h:find('src="', 1, true))                  -- nothing loaded from outside
      assert.truthy(h:find("A &lt;line&gt; &amp; more", 1, true))
      assert.truthy(h:find('<td class="num">0.8735</td>', 1, true))
      assert.truthy(h:find("<strong>first</strong>", 1, true))
    end)

    it("records the run: version, commit, Lua, threads, date, seed, command", function()
      local out = tmp .. "/run"
      small(out):finish()
      local p = json.decode(U.slurp(out .. "/params.json"))
      assert.equal(credo.version, p.credo_version)
      assert.truthy(p.git_commit == "unknown" or p.git_commit:match("^%x+$"))
      assert.equal(report.git_commit(), p.git_commit)
      assert.truthy(p.lua_version:match("^Lua 5%.4"))
      assert.equal(credo.threads(), p.threads)
      assert.truthy(p.date:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"))
      assert.equal(0.001, p.params.lr)
      assert.equal("sgd", p.params.opts[2])
      assert.equal("--quick", p.command[1])
      assert.equal(out, p.out)
    end)

    it("cannot be changed after finishing", function()
      local r = small(tmp .. "/run")
      r:finish()
      assert.has_error(function() r:finish() end, "finish: the report is already finished")
      assert.has_error(function() r:text("x") end, "text: the report is already finished")
    end)
  end)

  describe("atomicity", function()
    it("leaves only <out>.partial when a stage fails", function()
      local out = tmp .. "/run"
      local r = small(out)
      local ok, err = pcall(r.stage, r, "train", function() error("diverged", 0) end)
      assert.is_false(ok)
      assert.equal("diverged", err)
      assert.equal("error", r.timings[1].status)
      assert.is_false(U.exists(out))
      assert.same({ "line.svg", "models.csv", "params.json" }, U.ls(out .. ".partial"))
    end)

    it("leaves only <out>.partial when a script dies before finish", function()
      local out = tmp .. "/run"
      local script = tmp .. "/dies.lua"
      U.write(script, ([[
        local r = credo.report.new { recipe = "dies", out = %q }
        r:table("t", { { 1, 2 } }, { columns = { "a", "b" } })
        error("stopped before finish")
      ]]):format(out))
      local _, err, status = U.host({ script })
      assert.equal(1, status)
      assert.matches("stopped before finish", err)
      assert.is_false(U.exists(out))
      assert.same({ "params.json", "t.csv" }, U.ls(out .. ".partial"))
      assert.same({ "dies.lua", "run.partial" }, U.ls(tmp))
    end)
  end)

  describe("items", function()
    it("refuse two items writing one file and bad names", function()
      local r = small(tmp .. "/run")
      assert.has_error(function() r:table("models", { { 1 } }) end,
        "bad argument #1 to 'table' (the report already has a file 'models.csv')")
      assert.has_no.errors(function() r:table("params", { { 1 } }, { columns = { "a" } }) end) -- params.csv is free
      assert.has_error(function() r:figure("x/y", "<svg/>") end)
      assert.has_error(function() r:figure("x", "<div/>") end,
        "bad argument #2 to 'figure' (expected an SVG string starting with <svg)")
      assert.has_error(function() r:table("t", { { 1, 2, 3 } }, { columns = { "a", "b" } }) end,
        "bad argument #2 to 'table' (row 1 has 3 values but there are 2 columns)")
      assert.has_error(function() r:table("u", { { a = 1, z = 2 } }, { columns = { "a" } }) end,
        "bad argument #2 to 'table' (row 1 has a field 'z' not in columns)")
      assert.has_error(function() r:table("v", { { a = print } }) end,
        "bad argument #2 to 'table' (row 1, column 'a' is a function)")
      assert.has_error(function() r:metric("k", print) end,
        "bad argument #2 to 'metric' (expected a number, string, boolean or table, got function)")
    end)

    it("writes other files atomically, under the same name rules", function()
      local r = small(tmp .. "/run")
      r:file("row_use.csv", "row,use\n1,train\n")
      assert.equal("row,use\n1,train\n", U.slurp(r.dir .. "/row_use.csv"))
      assert.has_error(function() r:file("row_use.csv", "x") end,
        "bad argument #1 to 'file' (the report already has a file 'row_use.csv')")
      assert.has_error(function() r:file("report.html", "x") end,
        "bad argument #1 to 'file' (the report already has a file 'report.html')")
      assert.has_error(function() r:file("timings.csv", "x") end,
        "bad argument #1 to 'file' (the report already has a file 'timings.csv')")
      assert.has_error(function() r:file("../escape", "x") end)
      assert.has_error(function() r:file("notes.txt", 42) end,
        "bad argument #2 to 'file' (expected the text as a string, got number)")
      local out = r:finish()
      assert.equal("row,use\n1,train\n", U.slurp(out .. "/row_use.csv"))
    end)

    it("refuses metrics metrics.json cannot hold, and digits out of range, when they are given", function()
      local r = small(tmp .. "/badmetrics")
      local c = {}
      c.me = c
      assert.has_error(function() r:metric("m", c) end, "bad argument #2 to 'metric' (m.me: a table holds itself)")
      assert.has_error(function() r:metric("m", { a = { print } }) end,
        "bad argument #2 to 'metric' (m.a.1 is a function: numbers, strings, booleans, tables and tensors only)")
      local deep = {}
      local cur = deep
      for _ = 1, 150 do cur.x = {}; cur = cur.x end
      local ok, e = pcall(r.metric, r, "d", deep)
      assert.is_false(ok)
      assert.matches("nested deeper than 100", e)
      assert.has_error(function() r:table("t", { { 1 } }, { columns = { "a" }, digits = 1000 }) end,
        "bad argument #3 to 'table' (digits must be an integer in 0..17, got 1000)")
      r:metric("fine", { 1, 2, { a = 3 } })
      local out = r:finish()                                   -- still finishes
      assert.is_truthy(U.slurp(out .. "/metrics.json"):find('"fine"', 1, true))
    end)

    it("records the rows each step used and writes row_use.csv at finish", function()
      local r = small(tmp .. "/rowsrun")
      r:rows("fit", credo.tensor({ 3, 1 }, "float64"))
      r:rows("test", { 2 })
      assert.is_false(U.exists(r.dir .. "/row_use.csv"))         -- written by finish
      assert.has_error(function() r:file("row_use.csv", "x") end,
        "bad argument #1 to 'file' (the report already has a file 'row_use.csv')")
      assert.has_error(function() r:rows("", { 1 }) end,
        "bad argument #1 to 'rows' (expected the use as a name of letters, digits and _, got \"\")")
      -- a use with a comma, quote or newline corrupted row_use.csv
      assert.has_error(function() r:rows("a,b\n", { 1 }) end,
        "bad argument #1 to 'rows' (expected the use as a name of letters, digits and _, got \"a,b\\\n\")")
      assert.has_error(function() r:rows("fit", 7) end,
        "bad argument #2 to 'rows' (expected a 1-d tensor or a list of row numbers, got number)")
      assert.has_error(function() r:rows("fit", { 4, 1.5 }) end,
        "bad argument #2 to 'rows' (row numbers must be integers >= 1, got 1.5 at 2)")
      assert.has_error(function() r:rows("fit", { 0 }) end,
        "bad argument #2 to 'rows' (row numbers must be integers >= 1, got 0 at 1)")
      local out = r:finish()
      assert.equal("row,use\n3,fit\n1,fit\n2,test\n", U.slurp(out .. "/row_use.csv"))
    end)

    it("formats a column of whole numbers as integers, others with decimals", function()
      local out = tmp .. "/run"
      local r = report.new { recipe = "f", out = out }
      r:table("t", { { 1.0, 2.0, "x" }, { 3.0, 2.5, "y" } }, { columns = { "a", "b", "c" } })
      r:table("u", { { 0.123456 } }, { columns = { "p" }, format = { p = "%.2f" } })
      r:finish()
      local md = U.slurp(out .. "/report.md")
      assert.truthy(md:find("| 1 | 2.0000 | x |\n| 3 | 2.5000 | y |", 1, true))
      assert.truthy(md:find("| 0.12 |", 1, true))
    end)

    it("takes a Frame", function()
      local out = tmp .. "/run"
      local r = report.new { recipe = "f", out = out }
      local csvp = tmp .. "/d.csv"
      U.write(csvp, "name,x\nann,1.5\nbob,\n")
      r:table("frame", credo.read_csv(csvp))
      r:finish()
      assert.equal("name,x\nann,1.5\nbob,NaN\n", U.slurp(out .. "/frame.csv"))
    end)

    it("nests stages and times them", function()
      local r = report.new { recipe = "s", out = tmp .. "/run", clock = ticking() }
      r:stage("fit", function()
        r:stage("epochs", function() end)
      end)
      assert.equal("fit", r.timings[1].name)
      assert.equal("fit/epochs", r.timings[2].name)
      assert.equal(1, r.timings[2].seconds)
      assert.equal(3, r.timings[1].seconds)
    end)
  end)

  describe("paper_table()", function()
    it("sets the paper's numbers beside ours with the interval", function()
      local out = tmp .. "/run"
      local r = report.new { recipe = "p", out = out }
      r:paper_table("t2", {
        { model = "GBDT", metric = "AUC", paper = 0.91, measured = 0.873, ci = { 0.85, 0.89 } },
        { "F1", 0.8, 0.79, { 0.75, 0.83 } },
        { metric = "recall", measured = 0.5 },
      }, { paper = "Table 2" })
      r:finish()
      local md = U.slurp(out .. "/report.md")
      assert.truthy(md:find("| model | metric | paper | measured | 95 % CI | difference | paper in CI |", 1, true))
      assert.truthy(md:find("| GBDT | AUC | 0.910 | 0.873 | [0.850, 0.890] | -0.037 | no |", 1, true))
      assert.truthy(md:find("|  | F1 | 0.800 | 0.790 | [0.750, 0.830] | -0.010 | yes |", 1, true))
      assert.truthy(md:find("|  | recall | n/a | 0.500 |  |  |  |", 1, true))
      assert.equal("model,metric,paper,measured,ci_lo,ci_hi,difference,paper_in_ci\n" ..
                   "GBDT,AUC,0.91,0.873,0.85,0.89,-0.03700000000000003,no\n" ..
                   ",F1,0.8,0.79,0.75,0.83,-0.010000000000000009,yes\n" ..
                   ",recall,,0.5,,,,\n", U.slurp(out .. "/t2.csv"))
      local h = U.slurp(out .. "/report.html")
      assert.equal(1, count(h, '<tr class="hl">'))
    end)
    it("checks its rows", function()
      local r = report.new { recipe = "p", out = tmp .. "/run" }
      assert.has_error(function() r:paper_table("t", { { metric = "AUC", ci = { 1 } } }) end,
        "bad argument #2 to 'paper_table' (row 1: ci must be {lo, hi})")
      assert.has_error(function() r:paper_table("t", { { metric = "AUC", paper = "0.9" } }) end,
        "bad argument #2 to 'paper_table' (row 1: paper must be a number)")
    end)
  end)

  describe("git_commit()", function()
    it("reads HEAD, loose refs, packed refs and detached heads", function()
      local g = tmp .. "/repo/.git"
      os.execute("mkdir -p " .. U.q(g .. "/refs/heads") .. " " .. U.q(tmp .. "/repo/sub/dir"))
      local sha = ("0123456789abcdef"):rep(2) .. "01234567"
      U.write(g .. "/HEAD", "ref: refs/heads/main\n")
      U.write(g .. "/refs/heads/main", sha .. "\n")
      assert.equal(sha, report.git_commit(tmp .. "/repo/sub/dir"))
      os.remove(g .. "/refs/heads/main")
      U.write(g .. "/packed-refs", "# pack-refs with: peeled\n" .. ("f"):rep(40) .. " refs/heads/other\n" ..
                                   sha:reverse() .. " refs/heads/main\n")
      assert.equal(sha:reverse(), report.git_commit(tmp .. "/repo"))
      U.write(g .. "/HEAD", ("a"):rep(40) .. "\n")
      assert.equal(("a"):rep(40), report.git_commit(tmp .. "/repo"))
      assert.equal("unknown", report.git_commit(tmp))
    end)
  end)

  describe("in headless Chromium", function()
    it("renders the demo report: every SVG in the DOM, a screenshot far from blank", function()
      local chromium = nil
      for _, name in ipairs { "chromium", "chromium-browser" } do
        local path = U.sh("command -v " .. name)
        if path ~= "" then chromium = path:gsub("%s+$", "") break end
      end
      assert(chromium, "chromium is not installed: apt-get install chromium (it is in the Makefile's DEB_PKGS); " ..
                       "this test renders a report in headless Chromium and cannot pass without it")
      local out = tmp .. "/demo"
      local _, err, status = U.host({ "examples/report_demo.lua", "--quick", "--quiet", "--out", out })
      assert.equal(0, status, err)
      local html = out .. "/report.html"
      local doc = U.slurp(html)
      local nfig = count(doc, "<figure ")
      assert.equal(14, nfig)
      local root, c = xml.check(doc)
      assert.equal("html", root, c)
      assert.equal(nfig, c.svg)
      local nsvg = 0
      for _, f in ipairs(U.ls(out)) do
        if f:match("%.svg$") then
          nsvg = nsvg + 1
          assert.equal("svg", (xml.check(U.slurp(out .. "/" .. f))), f)
        end
      end
      assert.equal(nfig, nsvg)
      local base = ("timeout 120 %s --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run " ..
                    "--disable-dev-shm-usage --user-data-dir=%s "):format(U.q(chromium), U.q(tmp .. "/profile"))
      local dom = U.sh(base .. "--dump-dom " .. U.q("file://" .. html))
      assert.equal(nfig, count(dom, "<svg[%s>]"), "SVG elements in the rendered DOM")
      assert.is_true(count(dom, "<path[%s>]") > 20)
      -- a blank page of the same size, for comparison
      local blank = tmp .. "/blank.html"
      U.write(blank, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/></head><body></body></html>\n")
      local shot, bshot = tmp .. "/report.png", tmp .. "/blank.png"
      U.sh(base .. "--window-size=1200,900 --screenshot=" .. U.q(shot) .. " " .. U.q("file://" .. html))
      U.sh(base .. "--window-size=1200,900 --screenshot=" .. U.q(bshot) .. " " .. U.q("file://" .. blank))
      local w, h = U.png_size(shot)
      assert.equal(1200, w)
      assert.equal(900, h)
      assert.equal(1200, (U.png_size(bshot)))
      local size, bsize = #U.slurp(shot), #U.slurp(bshot)
      assert.is_true(size > 5 * bsize, ("screenshot %d bytes, blank page %d bytes"):format(size, bsize))
    end)
  end)
end)

describe("credo.report", function()
  it("is reachable as credo.report", function()
    assert.equal(report, credo.report)
  end)
end)
