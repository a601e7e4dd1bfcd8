-- tests/spec/help_spec.lua: help(x) (stdlib/credo/help.lua) finds the
-- reference section of names, functions, modules, classes and models in
-- docs/, and the REPL has it as a global.
local credo = require "credo"
local help = require "credo.help"

local function has(s, sub) return s:find(sub, 1, true) ~= nil end

describe("help", function()
  it("finds the docs folder beside the stdlib", function()
    local dir = help.docs_dir()
    assert.is_string(dir)
    assert.is_truthy(io.open(dir .. "/prep.md", "r"))
  end)

  it("lists the reference pages with no argument", function()
    local t = help.text()
    assert.is_true(has(t, "Reference pages:"))
    assert.is_true(has(t, "prep           Data preparation (`credo.prep`)"))
    assert.is_true(has(t, "nn             Neural networks (`credo.nn`)"))
  end)

  it("shows a section by name, with where it is", function()
    local t = help.text("StandardScaler")
    assert.matches("^### `StandardScaler {", t)
    assert.matches("%(docs/prep%.md, line %d+%)$", t)
    assert.is_false(has(t, "### `MinMaxScaler"))      -- stops at the next heading
  end)

  it("shows a function's section by reverse lookup", function()
    local t = help.text(credo.nn.fit)
    assert.matches("^## `nn%.fit%(model, loss, optimizer, X, y", t)
  end)

  it("outlines a module's page", function()
    local t = help.text(credo.prep)
    assert.matches("^# Data preparation %(`credo%.prep`%)\n\nCleaning, encoding", t)
    assert.is_true(has(t, "Sections ("))
    assert.is_true(has(t, "\n  Encoders\n"))
  end)

  it("shows a model's section and its parameter values", function()
    local m = credo.prep.StandardScaler { with_mean = false }
    local t = help.text(m)
    assert.matches("^### `StandardScaler", t)
    assert.is_true(has(t, "Parameters of StandardScaler (this model's values):"))
    assert.matches("with_mean = false%s+boolean%s+%(default true%)", t)
    assert.is_true(has(t, "Not fitted (call fit)."))
    local c = help.text(credo.prep.StandardScaler)       -- the class: defaults
    assert.matches("with_mean = true%s+boolean", c)
    assert.is_false(has(c, "Not fitted"))
  end)

  it("cuts a long section and says where the rest is", function()
    local t = help.text("nn.fit", { max_lines = 3 })
    local n = select(2, t:gsub("\n", "\n"))
    assert.equals(3, n)                                  -- 3 lines, then the pointer
    assert.matches("%.%.%. %(%d+ more lines: docs/fit%.md, line %d+%)$", t)
  end)

  it("lists the candidates when several sections match", function()
    local t = help.text("errors")
    assert.matches("^%d+ sections match errors:\n", t)
    assert.is_true(has(t, "docs/frame.md:"))
  end)

  it("says so when nothing matches", function()
    assert.equals("help: no reference section for nosuch (help() lists the pages)",
                  help.text("nosuch"))
    assert.matches("^help: no reference section for function", help.text(print))
  end)

  it("is callable and reachable as credo.help", function()
    assert.equals(help, credo.help)
    assert.is_function(getmetatable(help).__call)
  end)
end)

describe("help in the REPL", function()
  local HOST = os.getenv("CREDO_HOST")
  if not HOST or HOST == "" then HOST = os.getenv("HOST") or "./credo" end
  it("is a global of the REPL session", function()
    local tmp = os.tmpname()
    local f = assert(io.open(tmp, "w"))
    f:write('help("StandardScaler")\n')
    f:close()
    local p = io.popen("'" .. HOST .. "' < " .. tmp .. " 2>&1")
    local out = p:read("a")
    p:close()
    os.remove(tmp)
    assert.matches("^### `StandardScaler {", out)
  end)
end)
