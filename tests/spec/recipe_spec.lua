-- recipe_spec.lua: credo.recipe: declaring parameters, the command line
-- (--help, --set typed by the default, --quick, --seed, --threads, --out,
-- --quiet, --sweep) with its errors, and recipe.run (one report, or one per
-- sweep value plus a comparison report).  The end-to-end cases run
-- tests/report/recipe_demo.lua in the host binary (see tests/report/util.lua).
local credo = require "credo"
local recipe = require "credo.recipe"
local json = require "json"
local xml = dofile "tests/report/xml.lua"
local U = dofile "tests/report/util.lua"

local function spec()
  return {
    name = "demo", description = "a demo recipe", seed = 7,
    { "lr", 0.001, "learning rate" },
    { "epochs", 50, "training epochs" },
    { "data", "data/credit_data.csv", "CSV path" },
    { "optimisers", { "adagrad", "sgd", "adam", "adamw" }, "optimisers compared" },
    { "layers", { 64, 32 }, "hidden layer sizes" },
    { "rates", { 0.5, 0.25 }, "dropout rates" },
    { "balanced", false, "class weights" },
    quick = { epochs = 2, optimisers = { "adam" } },
  }
end

local function usage_error(argv)
  local ok, e = pcall(recipe.parse, spec(), argv)
  assert.is_false(ok)
  assert.equal("table", type(e), tostring(e))
  return e.recipe_usage
end

describe("recipe", function()
  describe("type_of() and parse_value()", function()
    it("types a default", function()
      assert.equal("integer", recipe.type_of(3))
      assert.equal("number", recipe.type_of(0.5))
      assert.equal("boolean", recipe.type_of(true))
      assert.equal("string", recipe.type_of("x"))
      assert.equal("list of strings", recipe.type_of({ "a" }))
      assert.equal("list of integers", recipe.type_of({ 1, 2 }))
      assert.equal("list of numbers", recipe.type_of({ 1, 2.5 }))
      assert.equal("list of strings", recipe.type_of({}))
      assert.is_nil(recipe.type_of({ 1, "a" }))
      assert.is_nil(recipe.type_of({ a = 1 }))
      assert.is_nil(recipe.type_of(print))
    end)
    it("parses text by type", function()
      assert.equal(12, recipe.parse_value("integer", "12"))
      assert.equal("integer", math.type(recipe.parse_value("integer", "-3")))
      assert.equal(0.5, recipe.parse_value("number", ".5"))
      assert.equal("float", math.type(recipe.parse_value("number", "2")))
      assert.equal(1e-4, recipe.parse_value("number", "1e-4"))
      assert.is_true(recipe.parse_value("boolean", "yes"))
      assert.is_false(recipe.parse_value("boolean", "OFF"))
      assert.equal("a b", recipe.parse_value("string", "a b"))
      assert.same({ "adam", "sgd" }, recipe.parse_value("list of strings", "adam, sgd"))
      assert.same({ 8, 4 }, recipe.parse_value("list of integers", "8,4"))
      assert.same({}, recipe.parse_value("list of numbers", ""))
    end)
    it("refuses bad text, saying what was expected", function()
      assert.same({ nil, "an integer" }, { recipe.parse_value("integer", "2.5") })
      assert.same({ nil, "a number" }, { recipe.parse_value("number", "0x10") })
      assert.same({ nil, "a finite number" }, { recipe.parse_value("number", "1e999") })
      assert.same({ nil, "a number" }, { recipe.parse_value("number", "nan") })
      assert.same({ nil, "true or false" }, { recipe.parse_value("boolean", "maybe") })
      assert.same({ nil, "a comma-separated list of integers" }, { recipe.parse_value("list of integers", "1,x") })
    end)
  end)

  describe("parse()", function()
    it("starts from the defaults", function()
      local P = recipe.parse(spec(), {})
      assert.equal(0.001, P.lr)
      assert.equal(50, P.values.epochs)
      assert.same({ "adagrad", "sgd", "adam", "adamw" }, P.optimisers)
      assert.equal(7, P.seed)
      assert.is_false(P.quick)
      assert.is_nil(P.out)
      assert.is_nil(P.sweep)
      assert.equal("demo", P.name)
    end)

    it("applies --quick, then --set (which wins)", function()
      local P = recipe.parse(spec(), { "--quick", "--set", "lr=0.1", "--set=layers=8,4", "--set", "epochs=3" })
      assert.equal(0.1, P.lr)
      assert.equal(3, P.epochs)
      assert.same({ "adam" }, P.optimisers)
      assert.same({ 8, 4 }, P.layers)
      assert.is_true(P.quick)
      local Q = recipe.parse(spec(), { "--quick" })
      assert.equal(2, Q.epochs)
    end)

    it("reads the common options", function()
      local P = recipe.parse(spec(), { "--seed", "-3", "--threads=2", "--out", "runs/x", "--quiet",
                                       "--set", "balanced=true", "--set", "data=a=b.csv" })
      assert.equal(-3, P.seed)
      assert.equal(2, P.threads)
      assert.equal("runs/x", P.out)
      assert.is_true(P.quiet)
      assert.is_true(P.balanced)
      assert.equal("a=b.csv", P.data)
      assert.is_true(recipe.parse(spec(), { "--help" }).help)
    end)

    it("types sweep values by the default (lists split on ';')", function()
      local P = recipe.parse(spec(), { "--sweep", "lr=0.0001,0.001,0.01" })
      assert.same({ key = "lr", values = { 0.0001, 0.001, 0.01 }, texts = { "0.0001", "0.001", "0.01" },
                    type = "number" }, P.sweep)
      P = recipe.parse(spec(), { "--sweep=layers=64,32;16" })
      assert.same({ { 64, 32 }, { 16 } }, P.sweep.values)
      P = recipe.parse(spec(), { "--sweep", "optimisers=adam;sgd,adamw" })
      assert.same({ { "adam" }, { "sgd", "adamw" } }, P.sweep.values)
    end)

    it("reports command-line errors clearly", function()
      assert.equal("--set lrr=1: unknown parameter 'lrr' (did you mean 'lr'?)", usage_error { "--set", "lrr=1" })
      assert.equal("--set zzzzzz=1: unknown parameter 'zzzzzz'", usage_error { "--set", "zzzzzz=1" })
      assert.equal("--set lr=abc: lr must be a number (default 0.001)", usage_error { "--set", "lr=abc" })
      assert.equal("--set epochs=2.5: epochs must be an integer (default 50)", usage_error { "--set", "epochs=2.5" })
      assert.equal("--set balanced=maybe: balanced must be true or false (default false)",
                   usage_error { "--set", "balanced=maybe" })
      assert.equal("--set layers=1,a: layers must be a comma-separated list of integers (default 64,32)",
                   usage_error { "--set", "layers=1,a" })
      assert.equal("--set lr: expected key=value", usage_error { "--set", "lr" })
      assert.equal("--set needs a value", usage_error { "--set" })
      assert.equal("unknown option '--lr'", usage_error { "--lr", "1" })
      assert.equal("unexpected argument 'lr=1' (parameters are set with --set key=value)", usage_error { "lr=1" })
      assert.equal("--seed x: expected an integer", usage_error { "--seed", "x" })
      assert.equal("--threads 0: expected an integer in 1..1024", usage_error { "--threads", "0" })
      assert.equal("--out needs a folder path", usage_error { "--out=" })
      assert.equal("unknown option '--quick=1'", usage_error { "--quick=1" })
      assert.equal("--sweep lr=1,x: 'x' is not a number (default 0.001)", usage_error { "--sweep", "lr=1,x" })
      assert.equal("--sweep lr=1,1.0: value '1.0' is repeated", usage_error { "--sweep", "lr=1,1.0" })
      assert.equal("--sweep lr=: empty value", usage_error { "--sweep", "lr=" })
      assert.equal("--sweep lr conflicts with --set lr", usage_error { "--set", "lr=1", "--sweep", "lr=1,2" })
      assert.equal("--sweep given twice (one parameter per sweep)",
                   usage_error { "--sweep", "lr=1,2", "--sweep", "epochs=1,2" })
      assert.equal("--sweep lrx=1: unknown parameter 'lrx' (did you mean 'lr'?)", usage_error { "--sweep", "lrx=1" })
    end)

    it("checks the declaration (the recipe author's errors)", function()
      local function decl_error(s)
        local ok, e = pcall(recipe.parse, s, {})
        assert.is_false(ok)
        return e
      end
      assert.matches("parameter 'seed': the name is reserved",
                     decl_error { name = "r", { "seed", 1, "x" } })
      assert.matches("parameter 'a' is declared twice", decl_error { name = "r", { "a", 1, "x" }, { "a", 2, "y" } })
      assert.matches("parameter 'a': the default must be a number, string, boolean or list",
                     decl_error { name = "r", { "a", { 1, "b" }, "x" } })
      assert.matches("parameter 'a' needs a one%-line help string", decl_error { name = "r", { "a", 1 } })
      assert.matches("quick: unknown parameter 'b'", decl_error { name = "r", { "a", 1, "x" }, quick = { b = 1 } })
      assert.matches("quick: a must be of type integer like its default, got string",
                     decl_error { name = "r", { "a", 1, "x" }, quick = { a = "1" } })
      assert.matches("unknown field 'params'", decl_error { name = "r", params = {} })
      assert.matches("name must be the recipe's name", decl_error { { "a", 1, "x" } })
      assert.matches("^bad argument #1 to 'recipe.params'", decl_error { name = "r", { "a", 1, "x" }, quick = 3 })
    end)
  end)

  describe("help()", function()
    it("lists every parameter with its type, default and help, and the options", function()
      local h = recipe.help(spec(), "recipes/demo.lua")
      assert.truthy(h:find("^demo: a demo recipe\n"))
      assert.truthy(h:find("usage: credo recipes/demo.lua [--help] [--set key=value]...", 1, true))
      assert.truthy(h:match("\n  lr +number +0%.001 +learning rate\n"))
      assert.truthy(h:match("\n  epochs +integer +50 +training epochs\n"))
      assert.truthy(h:match("\n  optimisers +list of strings +adagrad,sgd,adam,adamw +optimisers compared\n"))
      assert.truthy(h:match("\n  balanced +boolean +false +class weights\n"))
      assert.truthy(h:find("--quick sets: epochs=2 optimisers=adam", 1, true))
      for _, o in ipairs { "--set key=value", "--sweep key=v1,v2,...", "--seed N", "--threads N", "--out DIR",
                           "--quick", "--quiet", "--help" } do
        assert.truthy(h:find("  " .. o, 1, true), o)
      end
      assert.truthy(h:find("random seed (default 7)", 1, true))
    end)
  end)

  describe("params()", function()
    local function sink()
      local s = { text = "" }
      function s:write(...) for _, x in ipairs { ... } do self.text = self.text .. x end return self end
      return s
    end
    it("prints the help and exits 0 on --help", function()
      local out, code = sink(), nil
      recipe.params(spec(), { "--help" }, { stdout = out, exit = function(c) code = c end })
      assert.equal(0, code)
      assert.truthy(out.text:find("training epochs", 1, true))
    end)
    it("prints the error and a usage line on stderr and exits 2", function()
      local err, code = sink(), nil
      local P = recipe.params(spec(), { "--set", "lrr=1" }, { stderr = err, exit = function(c) code = c end })
      assert.is_nil(P)
      assert.equal(2, code)
      assert.truthy(err.text:find("^demo: %-%-set lrr=1: unknown parameter 'lrr' %(did you mean 'lr'%?%)\nusage: credo "))
      assert.truthy(err.text:find("(try --help)", 1, true))
    end)
    it("sets the thread count", function()
      local before = credo.threads()
      recipe.params(spec(), { "--threads", "1" })
      assert.equal(1, credo.threads())
      credo.threads(before)
    end)
  end)

  describe("run()", function()
    local tmp
    before_each(function() tmp = U.tmpdir() end)
    after_each(function() U.rm(tmp) end)

    it("seeds, runs the body with a report and records the returned metrics", function()
      local P = recipe.parse(spec(), { "--out", tmp .. "/r", "--quiet", "--quick", "--seed", "5" })
      local draws = {}
      local ret, out = recipe.run(P, function(p, r)
        assert.equal(2, p.epochs)
        assert.equal("Report(demo -> " .. tmp .. "/r, unfinished)", tostring(r))
        draws[1] = credo.rand(1):item()
        return { auc = 0.8, f1 = 0.5 }
      end)
      assert.equal(tmp .. "/r", out)
      assert.same({ auc = 0.8, f1 = 0.5 }, ret)
      recipe.run(recipe.parse(spec(), { "--out", tmp .. "/r2", "--quiet", "--seed", "5" }),
                 function() draws[2] = credo.rand(1):item() end)
      assert.equal(draws[1], draws[2])
      local m = json.decode(U.slurp(tmp .. "/r/metrics.json"))
      assert.equal(0.8, m.auc)
      local p = json.decode(U.slurp(tmp .. "/r/params.json"))
      assert.equal(5, p.seed)
      assert.is_true(p.quick)
      assert.equal(2, p.params.epochs)
    end)

    it("runs a sweep: one report per value and a comparison report", function()
      local P = recipe.parse(spec(), { "--out", tmp .. "/s", "--quiet", "--sweep", "lr=0.0001,0.001,0.01" })
      local seen = {}
      local results, out = recipe.run(P, function(p, r)
        seen[#seen + 1] = p.lr
        r:metric("loss", 1 - p.lr)
        return { { "auc", 0.7 + p.lr }, { "seconds", 100 * p.lr + 2 } }
      end)
      assert.same({ 0.0001, 0.001, 0.01 }, seen)
      assert.equal(3, #results)
      assert.equal(tmp .. "/s", out)
      assert.same({ "lr-0.0001", "lr-0.001", "lr-0.01", "metrics.json", "params.json", "report.html", "report.md",
                    "sweep.csv", "sweep.svg", "sweep_seconds.svg", "timings.csv" }, U.ls(out))
      assert.equal("lr,auc,seconds,run\n0.0001,0.7001,2.01,lr-0.0001\n0.001,0.701,2.1,lr-0.001\n0.01,0.71,3,lr-0.01\n",
                   U.slurp(out .. "/sweep.csv"))
      local sub = json.decode(U.slurp(out .. "/lr-0.001/params.json"))
      assert.equal(0.001, sub.params.lr)
      assert.equal(out .. "/lr-0.001", sub.out)
      local top = json.decode(U.slurp(out .. "/params.json"))
      assert.same({ 0.0001, 0.001, 0.01 }, { top.params.lr[1], top.params.lr[2], top.params.lr[3] })
      assert.equal("lr", top.sweep.key)
      local svg = U.slurp(out .. "/sweep.svg")
      assert.truthy(xml.check(svg))
      assert.truthy(svg:find(">1e-4</text>", 1, true))          -- log axis over two decades
      local html = U.slurp(out .. "/report.html")
      assert.truthy(xml.check(html))
      assert.truthy(html:find('<a href="lr-0.001/report.html">lr-0.001</a>', 1, true))
    end)

    it("compares a sweep over strings with grouped bars", function()
      local P = recipe.parse(spec(), { "--out", tmp .. "/b", "--quiet", "--sweep", "data=a.csv,b.csv" })
      recipe.run(P, function(p) return { auc = p.data == "a.csv" and 0.7 or 0.8 } end)
      local svg = U.slurp(tmp .. "/b/sweep.svg")
      assert.truthy(xml.check(svg))
      assert.equal(2, select(2, svg:gsub('class="bar"', "")))
    end)

    it("errors on a body that is not a function", function()
      local P = recipe.parse(spec(), {})
      assert.has_error(function() recipe.run(P, 3) end, "bad argument #2 to 'recipe.run' (expected a function)")
      assert.has_error(function() recipe.run({}, print) end,
        "bad argument #1 to 'recipe.run' (expected the parameters from credo.recipe.params)")
    end)
  end)

  describe("in the host", function()
    local tmp
    before_each(function() tmp = U.tmpdir() end)
    after_each(function() U.rm(tmp) end)
    local script = "tests/report/recipe_demo.lua"

    it("prints --help and exits 0", function()
      local out, err, status = U.host({ script, "--help" })
      assert.equal(0, status, err)
      assert.truthy(out:find("^recipe_demo: a test recipe\n"))
      assert.truthy(out:find("usage: credo tests/report/recipe_demo.lua", 1, true))
      assert.truthy(out:match("\n  layers +list of integers +64,32 +hidden layer sizes\n"))
    end)

    it("exits 2 with a message on a bad command line", function()
      local out, err, status = U.host({ script, "--set", "epochs=many" })
      assert.equal(2, status)
      assert.equal("", out)
      assert.truthy(err:find("^recipe_demo: %-%-set epochs=many: epochs must be an integer %(default 20%)\nusage: "))
    end)

    it("runs --quick into --out and prints where the report is", function()
      local out, err, status = U.host({ script, "--quick", "--out", tmp .. "/q", "--set", "layers=8" })
      assert.equal(0, status, err)
      assert.equal("report: " .. tmp .. "/q/report.html\nscore 0.990\n", out)
      local md = U.slurp(tmp .. "/q/report.md")
      assert.truthy(md:find("lr 0.01, epochs 2, optimiser adam, layers 8, draw", 1, true))
      local p = json.decode(U.slurp(tmp .. "/q/params.json"))
      assert.same({ "--quick", "--out", tmp .. "/q", "--set", "layers=8" },
                  { p.command[1], p.command[2], p.command[3], p.command[4], p.command[5] })
      assert.equal(11, p.seed)
    end)

    it("prints nothing with --quiet and sets the host's quiet flag", function()
      local tmpl = tmp .. "/quiet.lua"
      U.write(tmpl, [[
        local P = credo.recipe.params { name = "q", { "a", 1, "a" } }
        io.write(tostring(require("credo.host").quiet), "\n")
      ]])
      local out, err, status = U.host({ tmpl, "--quiet" })
      assert.equal(0, status, err)
      assert.equal("true\n", out)
    end)

    it("leaves only the .partial folder when the body fails", function()
      local out, err, status = U.host({ script, "--out", tmp .. "/f", "--set", "fail=true" })
      assert.equal(1, status)
      assert.equal("", out)
      assert.matches("recipe_demo failed on purpose", err)
      assert.same({ "f.partial" }, U.ls(tmp))
      assert.same({ "params.json" }, U.ls(tmp .. "/f.partial"))
    end)

    it("gives the same draws for the same seed and different ones for another", function()
      local function draw(seed, dir)
        local _, err, status = U.host({ script, "--quiet", "--seed", seed, "--out", tmp .. "/" .. dir })
        assert.equal(0, status, err)
        return json.decode(U.slurp(tmp .. "/" .. dir .. "/metrics.json")).draw
      end
      assert.equal(draw("3", "a"), draw("3", "b"))
      assert.are_not.equal(draw("3", "c"), draw("4", "d"))
    end)
  end)

  it("is reachable as credo.recipe", function()
    assert.equal(recipe, credo.recipe)
  end)
end)

describe("recipe.binary_target()", function()
  local credo = require "credo"
  local recipe = require "credo.recipe"
  it("turns a categorical target into 0/1 labels by level name", function()
    local df = credo.Frame.new({ "s" }, { { "good", "bad", "good", "fair" } })
    local y, levels = recipe.binary_target(df, "s", "bad")
    assert.are.equal("int64", y:dtype())
    assert.are.same({ 0, 1, 0, 0 }, y:totable())
    assert.are.same({ "fair/good", "bad" }, levels)
  end)
  it("compares a numeric target by value", function()
    local df = credo.Frame.new({ "d" }, { { 0, 1, 1, 0 } })
    local y, levels = recipe.binary_target(df, "d", "1")
    assert.are.same({ 0, 1, 1, 0 }, y:totable())
    assert.are.same({ "not 1", "1" }, levels)
  end)
  it("says what to --set when the positive level is wrong", function()
    local df = credo.Frame.new({ "s", "d" }, { { "a", "b" }, { 1, 2 } })
    assert.has_error(function() recipe.binary_target(df, "s", "c") end,
      "no level 'c' in column s (levels: a, b)")
    assert.has_error(function() recipe.binary_target(df, "d", "yes") end,
      "target 'd' is numeric: give the positive value with --set positive=1")
  end)
end)
