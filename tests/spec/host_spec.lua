-- host_spec.lua: the credo host binary, driven through io.popen, plus the
-- pure Lua helpers of its REPL (credo.repr, credo.repl.complete).
--
-- Which binary: $CREDO_HOST if set, else $HOST (tests/run's variable, set by
-- `make test` and `make sanitize`) when it names a file, else ./credo.  Run
-- from the repository root (tests/run does).  A missing binary fails every
-- host test; nothing is skipped.

local credo = require "credo"
local repr = require "credo.repr"
local repl = require "credo.repl"

local function exists(path)
  local f = path and io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local HOST = os.getenv("CREDO_HOST")
if not HOST or HOST == "" then
  HOST = os.getenv("HOST")
  if not exists(HOST) then HOST = "./credo" end
end

local function q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Run the host with argument list `args` (quoted here), optional stdin text
-- and a shell prefix (environment settings).  Returns stdout, stderr, exit
-- status.
local function run(args, stdin, prefix)
  local words = {}
  for i, a in ipairs(args) do words[i] = q(a) end
  local errf, inf = os.tmpname(), os.tmpname()
  local f = assert(io.open(inf, "wb"))
  f:write(stdin or "")
  f:close()
  local cmd = (prefix or "") .. " " .. q(HOST) .. " " .. table.concat(words, " ")
    .. " <" .. q(inf) .. " 2>" .. q(errf)
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("a")
  local _, _, code = p:close()
  local err = slurp(errf)
  os.remove(errf)
  os.remove(inf)
  return out, err, code
end

-- the key=value lines printed by tests/host/args.lua
local function parse_kv(out)
  local t = {}
  for k, v in out:gmatch("([^\n=]+)=([^\n]*)") do t[k] = v end
  return t
end

local function nproc()
  local p = io.popen("nproc")
  local n = tonumber(p:read("a"))
  p:close()
  return n
end

describe("credo host", function()
  it("exists at " .. HOST, function()
    assert.is_true(exists(HOST))
  end)

  describe("-v / --version", function()
    it("prints the credo, Lua and OpenBLAS versions and exits 0", function()
      for _, flag in ipairs { "-v", "--version" } do
        local out, err, code = run { flag }
        assert.equals(0, code)
        assert.equals("", err)
        local lines = {}
        for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
        assert.equals(3, #lines)
        assert.equals("credo " .. credo.version, lines[1])
        assert.matches("^Lua 5%.4%.%d+", lines[2])
        assert.matches("^OpenBLAS %d+%.%d+", lines[3])
      end
    end)
  end)

  describe("--help", function()
    it("prints usage on stdout and exits 0", function()
      local out, _, code = run { "--help" }
      assert.equals(0, code)
      assert.matches("^usage: credo %[options%] %[script %[args%]%]\n", out)
      for _, opt in ipairs { "-e CODE", "-i", "--threads N", "--no-strict",
                             "--quiet", "-E" } do
        assert.is_truthy(out:find(opt, 1, true), opt)
      end
    end)
  end)

  describe("usage errors", function()
    local cases = {
      { { "--bogus" }, "credo: unrecognized option '--bogus'" },
      { { "-e" }, "credo: '-e' needs an argument" },
      { { "--threads" }, "credo: '--threads' needs an argument" },
      { { "--threads", "0" },
        "credo: '--threads' needs a whole number 1..1024, got '0'" },
      { { "--threads=x" },
        "credo: '--threads' needs a whole number 1..1024, got 'x'" },
    }
    for _, c in ipairs(cases) do
      it("exits 2 for " .. table.concat(c[1], " "), function()
        local out, err, code = run(c[1])
        assert.equals(2, code)
        assert.equals("", out)
        assert.equals(c[2] .. "\nusage: credo [options] [script [args]]\n"
                      .. "Try 'credo --help'.\n", err)
      end)
    end
  end)

  describe("-e", function()
    it("runs each chunk in order", function()
      local out, err, code = run { "-e", "x = 1", "-e", "x = x + 1",
                                   "-eprint(x)" }
      assert.equals("", err)
      assert.equals(0, code)
      assert.equals("2\n", out)
    end)

    it("-l requires a module into a global, -l G=NAME into G", function()
      local out, err, code = run { "-l", "credo.repr", "-l", "R=credo.repr",
        "-e", "print(_G['credo.repr'] == require 'credo.repr', R({1}))" }
      assert.equals("", err)
      assert.equals(0, code)
      assert.equals("true\t{1}\n", out)
    end)

    it("stops at the first failing chunk with status 1", function()
      local out, err, code = run { "-e", "error('first')", "-e", "print(2)" }
      assert.equals(1, code)
      assert.equals("", out)
      assert.matches("^credo: %(command line%):1: first\nstack traceback:\n",
                     err)
    end)
  end)

  describe("arg and ...", function()
    it("match the stock lua5.4 for the script's own arguments", function()
      local ours = parse_kv((run { "tests/host/args.lua", "a", "b c", "" }))
      local p = io.popen("lua5.4 tests/host/args.lua a 'b c' ''")
      local stock = parse_kv(p:read("a"))
      p:close()
      assert.equals("3", ours.n)
      for _, k in ipairs { "n", "...1", "...2", "...3", "arg0", "arg1",
                           "arg2", "arg3" } do
        assert.equals(stock[k], ours[k], k)
      end
      assert.equals("b c", ours.arg2)
    end)

    it("puts the host and its options at negative indices", function()
      local out = run { "--quiet", "--threads", "1", "tests/host/args.lua", "z" }
      local kv = parse_kv(out)
      assert.equals("-4", kv.lo)
      assert.equals("tests/host/args.lua", kv.arg0)
      assert.equals("z", kv.arg1)
    end)

    it("passes everything after the script through untouched", function()
      local args = { "--set", "a=1", "--quick", "--seed", "7", "--threads",
                     "1", "-e", "--no-strict", "-v", "--" }
      local cmd = { "tests/host/args.lua" }
      for _, a in ipairs(args) do cmd[#cmd + 1] = a end
      local out, err, code = run(cmd)
      assert.equals("", err)
      assert.equals(0, code)
      local kv = parse_kv(out)
      assert.equals(tostring(#args), kv.n)
      for i, a in ipairs(args) do
        assert.equals(a, kv["arg" .. i])
        assert.equals(a, kv["..." .. i])
      end
    end)

    it("runs stdin as the script for '-', with arguments", function()
      local out, err, code = run({ "-", "p", "q" }, "print(arg[0], ...)\n")
      assert.equals("", err)
      assert.equals(0, code)
      assert.equals("-\tp\tq\n", out)
    end)
  end)

  describe("exit status", function()
    it("is 0 after a script that ends normally", function()
      local _, _, code = run { "-e", "local x = 1" }
      assert.equals(0, code)
    end)

    it("honours os.exit", function()
      assert.equals(7, select(3, run { "-e", "os.exit(7)" }))
      assert.equals(0, select(3, run { "-e", "os.exit(true)" }))
      assert.equals(1, select(3, run { "-e", "os.exit(false)" }))
      assert.equals(5, select(3, run { "-e", "os.exit(5, true)" }))
    end)

    it("is 1 for a script that cannot be opened", function()
      local _, err, code = run { "tests/host/no_such_script.lua" }
      assert.equals(1, code)
      assert.equals("credo: cannot open tests/host/no_such_script.lua: "
                    .. "No such file or directory\n", err)
    end)

    it("is 1 for a syntax error", function()
      local _, err, code = run { "-e", "x = = 1" }
      assert.equals(1, code)
      assert.matches("^credo: %(command line%):1: unexpected symbol near '='",
                     err)
    end)
  end)

  describe("errors", function()
    it("print credo: <msg> and a traceback with file:line", function()
      local out, err, code = run { "tests/host/error.lua" }
      assert.equals(1, code)
      assert.equals("", out)
      assert.matches("^credo: tests/host/error%.lua:3: boom\n"
                     .. "stack traceback:\n", err)
      assert.matches("\n\ttests/host/error%.lua:3: in [^\n]*inner", err)
      assert.matches("\n\ttests/host/error%.lua:6: in [^\n]*outer", err)
      assert.matches("\n\ttests/host/error%.lua:8: in main chunk", err)
    end)

    it("use __tostring of an error object", function()
      local _, err, code = run { "tests/host/errobj.lua" }
      assert.equals(1, code)
      assert.matches("^credo: custom error object\nstack traceback:\n", err)
      assert.matches("tests/host/errobj%.lua:3:", err)
    end)

    it("name the type of an error object without __tostring", function()
      local _, err, code = run { "-e", "error({})" }
      assert.equals(1, code)
      assert.matches("^credo: %(error object is a table value%)\n", err)
    end)
  end)

  describe("strict globals", function()
    it("allow globals declared at the main level", function()
      local out, err, code = run { "tests/host/strict.lua" }
      assert.equals("", err)
      assert.equals(0, code)
      assert.equals("counter=1\n", out)
    end)

    it("make reading an undefined global an error", function()
      local out, err, code = run { "tests/host/strict.lua", "read" }
      assert.equals(1, code)
      assert.equals("counter=1\n", out)
      assert.matches("^credo: tests/host/strict%.lua:7: undefined global "
                     .. "'lenght'\n", err)
    end)

    it("make declaring a global inside a function an error", function()
      local _, err, code = run { "tests/host/strict.lua", "write" }
      assert.equals(1, code)
      assert.matches("^credo: tests/host/strict%.lua:9: assignment to "
                     .. "undeclared global 'fresh' inside a function\n", err)
    end)

    it("let a global assigned nil at the main level be read", function()
      local out, err = run { "-e", "maybe = nil", "-e",
                             "print((function() return maybe end)())" }
      assert.equals("", err)
      assert.equals("nil\n", out)
    end)

    it("are off with --no-strict", function()
      for _, mode in ipairs { "read", "write" } do
        local out, err, code = run { "--no-strict", "tests/host/strict.lua",
                                     mode }
        assert.equals("", err)
        assert.equals(0, code)
        assert.equals(mode == "read" and "counter=1\nnil\n"
                      or "counter=1\nfresh=1\n", out)
      end
    end)

    it("are reported in credo.host.strict", function()
      assert.equals("true\n", (run { "-e",
        "print(require('credo.host').strict)" }))
      assert.equals("false\n", (run { "--no-strict", "-e",
        "print(require('credo.host').strict)" }))
    end)
  end)

  describe("start-up", function()
    it("sets the global credo to require 'credo'", function()
      local out, err = run { "-e", "print(credo == require 'credo', "
                                  .. "credo.version)" }
      assert.equals("", err)
      assert.equals("true\t" .. credo.version .. "\n", out)
    end)

    it("finds the stdlib beside the executable without LUA_PATH", function()
      local abs = HOST:sub(1, 1) == "/" and HOST
        or (os.getenv("PWD") .. "/" .. HOST)
      local p = io.popen("cd / && env -u LUA_PATH -u LUA_PATH_5_4 " .. q(abs)
        .. " -e 'print(require(\"credo.host\").stdlib ~= false, "
        .. "package.searchpath(\"credo.repr\", package.path) ~= nil)' 2>&1")
      local out = p:read("a")
      p:close()
      assert.equals("true\ttrue\n", out)
      local p2 = io.popen("cd / && " .. q(abs) .. " -e 'print(package.path)'")
      local path = p2:read("a")
      p2:close()
      local stdlib = (run { "-e", "print(require('credo.host').stdlib)" })
        :gsub("\n$", "")
      assert.matches("^/[^;]*/stdlib$", stdlib)
      assert.equals(stdlib .. "/?.lua;" .. stdlib .. "/?/init.lua;",
                    path:sub(1, 2 * #stdlib + 19))
    end)

    it("runs LUA_INIT, and -E ignores it", function()
      local out = run({ "-e", "print(from_init)" }, nil,
                      "LUA_INIT='from_init = 42'")
      assert.equals("42\n", out)
      local out2, err2, code2 = run({ "-E", "-e", "print(from_init)" }, nil,
                                    "LUA_INIT='from_init = 42'")
      assert.equals(1, code2)
      assert.equals("", out2)
      assert.matches("undefined global 'from_init'", err2)
    end)

    it("publishes --quiet in credo.host", function()
      assert.equals("true\n", (run { "--quiet", "-e",
        "print(require('credo.host').quiet)" }))
      assert.equals("false\n", (run { "-e",
        "print(require('credo.host').quiet)" }))
    end)
  end)

  describe("--threads", function()
    it("sets credo.threads() and credo.host.threads", function()
      for _, form in ipairs { { "--threads", "3" }, { "--threads=3" } } do
        local args = { table.unpack(form) }
        args[#args + 1] = "-e"
        args[#args + 1] = "print(credo.threads(), require('credo.host').threads)"
        local out, err = run(args)
        assert.equals("", err)
        assert.equals("3\t3\n", out)
      end
    end)

    it("defaults to the number of cores", function()
      local out = run { "-e", "print(credo.threads())" }
      assert.equals(tostring(nproc()) .. "\n", out)
    end)
  end)

  describe("REPL over a pipe", function()
    it("prints the values of expressions and runs statements", function()
      local out, err, code = run({}, table.concat({
        "1 + 1",
        "x = 10",
        "x, 'two', nil",
        "=x * 2",
        "print('side effect')",
        "{b = 2, a = {1, 2}, 'first'}",
      }, "\n") .. "\n")
      assert.equals("", err)
      assert.equals(0, code)
      assert.equals('2\n10\t"two"\tnil\n20\nside effect\n'
                    .. '{"first", a = {1, 2}, b = 2}\n', out)
    end)

    it("reads a multi-line function definition", function()
      local out, err, code = run({}, table.concat({
        "function sq(a)",
        "  local b = a",
        "  return a * b",
        "end",
        "sq(12)",
        "t = {",
        "  1,",
        "}",
        "#t",
      }, "\n") .. "\n")
      assert.equals("", err)
      assert.equals(0, code)
      assert.equals("144\n1\n", out)
    end)

    it("reports an error, goes on, and exits 1", function()
      local out, err, code = run({}, "nosuch + 1\nprint('still here')\n")
      assert.equals(1, code)
      assert.equals("still here\n", out)
      assert.matches("^stdin:1: undefined global 'nosuch'\n", err)
    end)

    it("reports a chunk left incomplete at end of input", function()
      local out, err, code = run({}, "for i = 1, 2 do\n")
      assert.equals(1, code)
      assert.equals("", out)
      assert.equals("stdin:1: 'end' expected near <eof>\n", err)
    end)

    it("prints no banner and no prompt", function()
      local out = run({}, "")
      assert.equals("", out)
    end)

    it("runs after the script with -i, sharing its globals", function()
      local out, err, code = run({ "-i", "tests/host/strict.lua" },
                                 "counter + 41\n")
      assert.equals("", err)
      assert.equals(0, code)
      assert.equals("counter=1\n42\n", out)
    end)

    it("prints tensors through __tostring", function()
      local mt = debug.getregistry()["credo.Tensor"]
      assert.is_table(mt)
      if not rawget(mt, "__tostring") or not credo.zeros then
        pending("the Tensor binding has no __tostring/zeros yet")
        return
      end
      local out, err = run({}, "credo.zeros(2, 3)\n")
      assert.equals("", err)
      assert.equals(tostring(credo.zeros(2, 3)) .. "\n", out)
    end)
  end)

  describe("REPL on a terminal", function()
    it("edits with readline, completes, keeps history, survives Ctrl-C",
       function()
      local hist = os.tmpname()
      local p = io.popen("sh tests/host/tty.sh " .. q(HOST) .. " " .. q(hist))
      local out = p:read("a")
      p:close()
      local history = slurp(hist)
      os.remove(hist)
      -- the first line is the terminal's echo before readline starts
      local session = out:gsub("^[^\n]*\n", "", 1)
      assert.equals("credo " .. credo.version .. " on Lua 5.4", session:sub(1,
        #("credo " .. credo.version .. " on Lua 5.4")))
      assert.matches("%(help: credo %-%-help%)\n", session)
      assert.is_truthy(session:find("\n> 40 + 2\n42\n> credo.version\n\""
        .. credo.version .. "\"\n> ^C\n> for i = 1, 2 do\n>> ^C\n> y = 1\n> ",
        1, true), session)
      assert.is_falsy(session:find("undefined global", 1, true))
      assert.matches("\nrc=0\n$", session)
      assert.equals("40 + 2\ncredo.version\ny = 1\n", history)
    end)
  end)

  describe("SIGINT", function()
    local function interrupt(script)
      local p = io.popen("sh tests/host/interrupt.sh " .. q(HOST) .. " "
                         .. q(script))
      local out = p:read("a")
      p:close()
      return out
    end

    it("stops a runaway Lua loop with status 1 and 'interrupted'", function()
      local out = interrupt("tests/host/spin.lua")
      assert.matches("^rc=1\nspinning\ncredo: interrupted!\nstack traceback:",
                     out)
    end)

    it("raises an error a script can catch, clearing the flag", function()
      local out = interrupt("tests/host/catch.lua")
      assert.equals("rc=0\nspinning\nok=false\terr=interrupted!\tflag=false\n"
                    .. "after=500500\n", out)
    end)

    it("stops a native kernel once, and kernels run again", function()
      local out = interrupt("tests/host/native.lua")
      assert.equals("rc=0\nspinning\nok=false\tinterrupted=true\n"
                    .. "after=5000050000\tagain=true\n", out)
    end)
  end)
end)

describe("credo.repr", function()
  describe("repr()", function()
    it("prints scalars", function()
      assert.equals("1", repr(1))
      assert.equals("1.5", repr(1.5))
      assert.equals("1.0", repr(1.0))
      assert.equals("nan", repr(0 / 0))
      assert.equals("true", repr(true))
      assert.equals("nil", repr(nil))
    end)

    it("quotes strings with escapes", function()
      assert.equals('"a\\"b\\\\c\\n\\t\\000"', repr('a"b\\c\n\t\0'))
      assert.equals('"abc"...(10 bytes)', repr("abcdefghij", { strlen = 3 }))
    end)

    it("puts the array part first, then keys sorted by type and value",
       function()
      local t = { "x", "y", zeta = 1, alpha = 2, [10] = 3, [-1] = 4,
                  [true] = 5, ["not ident"] = 6, ["end"] = 7 }
      assert.equals('{"x", "y", [-1] = 4, [10] = 3, alpha = 2, ["end"] = 7, '
                    .. '["not ident"] = 6, zeta = 1, [true] = 5}', repr(t,
                    { width = 200 }))
    end)

    it("limits depth and marks cycles", function()
      local t = { a = { b = { c = { d = 1 } } } }
      assert.equals("{a = {b = {...}}}", repr(t, { depth = 2 }))
      assert.equals("{a = {b = {c = {d = 1}}}}", repr(t, { depth = 4 }))
      local c = { 1 }
      c.self = c
      assert.equals("{1, self = <cycle>}", repr(c))
      local shared = { 1 }
      assert.equals("{{1}, {1}}", repr({ shared, shared }))
      assert.equals("{}", repr({}, { depth = 0 }))
    end)

    it("cuts long tables and breaks wide ones over lines", function()
      local t = {}
      for i = 1, 30 do t[i] = i end
      assert.equals("{1, 2, 3, ...(27 more)}", repr(t, { items = 3 }))
      -- each line, with its comma, within the width of 34
      assert.equals("{\n  1, 2, 3, 4, 5, 6, 7, 8, 9, 10,\n  11, 12, 13, 14, "
                    .. "15, 16, 17, 18,\n  19, 20,\n  ...(10 more)\n}",
                    repr(t, { items = 20, width = 34 }))
      assert.equals("{\n  alpha = \"aaaaaaaaaa\",\n  beta = \"bbbbbbbbbb\"\n}",
                    repr({ alpha = ("a"):rep(10), beta = ("b"):rep(10) },
                         { width = 30 }))
    end)

    it("uses __tostring and shows where functions were defined", function()
      local obj = setmetatable({}, { __tostring = function()
        return "Dense(3 -> 2)" end })
      assert.equals("{layer = Dense(3 -> 2)}", repr({ layer = obj }))
      local two = setmetatable({}, { __tostring = function()
        return "[[1],\n [2]]" end })
      assert.equals("{\n  [[1],\n   [2]],\n  key = [[1],\n         [2]]\n}",
                    repr({ two, key = two }))
      assert.equals("<function [C]>", repr(print))
      local f = function() end
      assert.matches("^<function [^>]*host_spec%.lua:%d+>$", repr(f))
      local bad = setmetatable({}, { __tostring = function() error("no") end })
      assert.matches("^<__tostring failed: ", repr(bad))
    end)

    it("is callable as the module", function()
      assert.equals(repr.repr({ 1 }), repr({ 1 }))
    end)
  end)
end)

describe("credo.repl", function()
  describe("complete()", function()
    local env = {
      credo = { zeros = function() end, linalg = { svd = function() end },
                version = "1" },
      counter = 1,
      cnt = function() end,
      obj = setmetatable({ own = 1 },
        { __index = setmetatable({ method = function() end },
          { __index = { inherited = function() end } }) }),
      lazy = setmetatable({}, { __index = function() error("called") end }),
      io = io,
      s = "text",
    }

    it("offers globals and keywords for a bare name", function()
      assert.same({ "cnt(", "counter", "credo" }, repl.complete("c", env))
      assert.same({ "while" }, repl.complete("wh", env))
      assert.same({}, repl.complete("zz", env))
    end)

    it("walks dotted names and marks functions with (", function()
      assert.same({ "credo.linalg", "credo.version", "credo.zeros(" },
                  repl.complete("credo.", env))
      assert.same({ "credo.linalg.svd(" }, repl.complete("credo.linalg.s", env))
      assert.same({}, repl.complete("credo.nothing.x", env))
      assert.same({}, repl.complete("credo..z", env))
      assert.same({}, repl.complete("1.", env))
    end)

    it("offers only methods after ':' through __index tables", function()
      assert.same({ "obj:inherited(", "obj:method(" },
                  repl.complete("obj:", env))
      assert.same({ "obj.inherited(", "obj.method(", "obj.own" },
                  repl.complete("obj.", env))
    end)

    it("follows userdata and string metatables", function()
      assert.same({ "io.stdout:write(" }, repl.complete("io.stdout:wr", env))
      assert.same({ "s:upper(" }, repl.complete("s:up", env))
    end)

    it("never calls an __index function", function()
      assert.same({}, repl.complete("lazy.x", env))
      assert.same({}, repl.complete("lazy:", env))
    end)

    it("sees through an __index function without calling it", function()
      local methods = { fit = function() end, predict = function() end }
      local calls = 0
      local mt = { __index = function(_, k) calls = calls + 1
                                            return methods[k] end }
      local e = { m = setmetatable({}, mt),
                  d = setmetatable({}, { __index = mt.__index,
                                         __methods = { only = print } }) }
      assert.same({ "m:fit(", "m:predict(" }, repl.complete("m:", e))
      assert.same({ "m.fit(" }, repl.complete("m.f", e))
      assert.same({ "d:only(" }, repl.complete("d:", e))
      assert.equals(0, calls)
    end)

    it("offers the methods of a Tensor after 't:'", function()
      if not credo.zeros then
        pending("the Tensor binding has no zeros yet")
        return
      end
      local t = credo.zeros(2)
      local got = repl.complete("t:", { t = t })
      assert.is_true(#got > 0)
      local names = {}
      for _, c in ipairs(got) do
        local name = c:match("^t:([%a_][%w_]*)%($")
        assert.is_string(name, c)
        assert.is_falsy(name:find("^__"), c)
        assert.is_function(t[name], c)
        names[name] = true
      end
      assert.is_true(names.add_)
      assert.same({ "t:add_(" }, repl.complete("t:add_", { t = t }))
    end)
  end)

  describe("show()", function()
    it("joins the repr of each value with tabs", function()
      assert.equals('1\tnil\t"a"\t{1}', repl.show(1, nil, "a", { 1 }))
      assert.equals("", repl.show())
    end)
  end)
end)
