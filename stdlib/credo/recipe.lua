-- credo.recipe: a recipe's parameters (declared with defaults and one-line
-- help, overridden from the command line) and its run (one report, or one
-- report per value of a parameter sweep plus a comparison report).
--
--   local P = credo.recipe.params {
--     name = "lstm_gru", description = "LSTM->GRU cascade (paper ...)", seed = 42,
--     { "lr", 0.001, "learning rate" },
--     { "epochs", 50, "training epochs" },
--     { "data", "data/credit_data.csv", "CSV path" },
--     { "optimisers", { "adagrad", "sgd", "adam", "adamw" }, "optimisers compared" },
--     quick = { epochs = 2 },
--   }
--   credo.recipe.run(P, function(p, report)
--     ... p.lr, p.epochs ...
--     return { auc = auc, f1 = f1 }
--   end)
--
-- The command line (the script's `arg`):
--   --help                 the parameters, their types, defaults and help; exit 0
--   --set key=value        override a parameter (repeatable), typed by its default
--   --sweep key=v1,v2,...  run once per value (list parameters: v1;v2) and compare
--   --seed N  --threads N  --out DIR  --quick  --quiet
-- A bad command line prints `<recipe>: <what>` and a usage line on stderr
-- and exits 2 (as the host does for its own options).
--
-- Not an argument parser for anything else: positional arguments and
-- unknown options are errors, and every parameter has a default.
local M = {}

local fmt, concat = string.format, table.concat

local RESERVED = {}
for _, k in ipairs { "name", "description", "spec", "values", "seed", "out", "quick", "quiet",
                     "threads", "sweep", "argv", "help", "set", "script", "quick_values" } do
  RESERVED[k] = true
end

local USAGE = "[--help] [--set key=value]... [--sweep key=v1,v2,...] [--seed N] [--threads N] " ..
              "[--out DIR] [--quick] [--quiet]"

-- ---------------------------------------------------------------- types

local function list_type(v)
  local t = "string"
  if #v > 0 then
    local first = v[1]
    if type(first) == "string" then t = "string"
    elseif math.type(first) == "integer" then t = "integer"
    elseif type(first) == "number" then t = "number"
    else return nil end
    for i = 1, #v do
      local x = v[i]
      local ok = (t == "string" and type(x) == "string")
              or (t == "integer" and math.type(x) == "integer")
              or (t == "number" and type(x) == "number")
      if not ok then
        if t == "integer" and type(x) == "number" then t = "number" else return nil end
      end
    end
  end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if n ~= #v then return nil end
  return "list of " .. t .. "s"
end

-- The type of a default: "integer", "number", "boolean", "string", or
-- "list of strings|integers|numbers"; nil for anything else.
local function type_of(v)
  local t = type(v)
  if t == "number" then return math.type(v) == "integer" and "integer" or "number" end
  if t == "boolean" or t == "string" then return t end
  if t == "table" then return list_type(v) end
  return nil
end
M.type_of = type_of

local function show(v)
  if type(v) == "table" then
    local parts = {}
    for i = 1, #v do parts[i] = show(v[i]) end
    return concat(parts, ",")
  end
  if math.type(v) == "float" then
    local s = fmt("%.14g", v)
    if not s:find("[.eEn]") then s = s .. ".0" end
    return s
  end
  return tostring(v)
end
M.show = show

local function parse_scalar(t, s)
  if t == "string" then return s end
  if t == "integer" then
    if not s:match("^%s*[+-]?%d+%s*$") then return nil, "an integer" end
    local v = math.tointeger(tonumber(s))
    if not v then return nil, "an integer in range" end
    return v
  end
  if t == "number" then
    local body = s:match("^%s*(.-)%s*$")
    if not (body:match("^[+-]?%d+%.?%d*$") or body:match("^[+-]?%.%d+$")
            or body:match("^[+-]?%d+%.?%d*[eE][+-]?%d+$") or body:match("^[+-]?%.%d+[eE][+-]?%d+$")) then
      return nil, "a number"
    end
    local v = tonumber(body)
    if not v or v ~= v or v == math.huge or v == -math.huge then return nil, "a finite number" end
    return v + 0.0
  end
  if t == "boolean" then
    local l = s:lower():match("^%s*(.-)%s*$")
    if l == "true" or l == "yes" or l == "on" or l == "1" then return true end
    if l == "false" or l == "no" or l == "off" or l == "0" then return false end
    return nil, "true or false"
  end
  error("recipe: unknown type " .. tostring(t))
end

-- Parse text s as a value of type t (a type_of name); returns the value,
-- or nil and what was expected.
function M.parse_value(t, s)
  local elem = t:match("^list of (%a+)s$")
  if not elem then return parse_scalar(t, s) end
  local out = {}
  if s:match("^%s*$") then return out end
  for item in (s .. ","):gmatch("(.-),") do
    local v, want = parse_scalar(elem, elem == "string" and item:match("^%s*(.-)%s*$") or item)
    if v == nil then return nil, "a comma-separated list of " .. (want:gsub("^an? ", "")) .. "s" end
    out[#out + 1] = v
  end
  return out
end

-- ---------------------------------------------------------------- spec

local SPEC_FIELDS = { name = true, description = true, seed = true, quick = true }

local function copy(v)
  if type(v) ~= "table" then return v end
  local c = {}
  for k, x in pairs(v) do c[k] = copy(x) end
  return c
end

-- Check a declaration; returns {name, description, seed, entries, by_name,
-- quick}.  Errors are the recipe author's: `bad argument #1 to 'recipe.params' (...)`.
local function declare(spec, level)
  level = (level or 1) + 1
  local function bad(msg) error("bad argument #1 to 'recipe.params' (" .. msg .. ")", level + 1) end
  if type(spec) ~= "table" then bad("expected a table declaring the parameters") end
  for k in pairs(spec) do
    if type(k) ~= "number" and not SPEC_FIELDS[k] then bad(fmt("unknown field '%s'", tostring(k))) end
  end
  if type(spec.name) ~= "string" or not spec.name:match("^[%w][%w._-]*$") then
    bad("name must be the recipe's name (letters, digits, '.', '_', '-')")
  end
  if spec.description ~= nil and type(spec.description) ~= "string" then bad("description must be a string") end
  local seed = spec.seed or 0
  if math.type(seed) ~= "integer" then bad("seed must be an integer") end
  local entries, by_name = {}, {}
  for i, e in ipairs(spec) do
    if type(e) ~= "table" then bad(fmt("parameter %d must be {name, default, help}", i)) end
    local name, default, help = e[1], e[2], e[3]
    if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
      bad(fmt("parameter %d: name must be an identifier, got %s", i, tostring(name)))
    end
    if RESERVED[name] then bad(fmt("parameter '%s': the name is reserved (a common option or field)", name)) end
    if by_name[name] then bad(fmt("parameter '%s' is declared twice", name)) end
    local t = type_of(default)
    if not t then
      bad(fmt("parameter '%s': the default must be a number, string, boolean or list of strings or numbers, got %s",
              name, type(default)))
    end
    if type(help) ~= "string" or help == "" then bad(fmt("parameter '%s' needs a one-line help string", name)) end
    for k in pairs(e) do
      if k ~= 1 and k ~= 2 and k ~= 3 then bad(fmt("parameter '%s': unexpected field %s", name, tostring(k))) end
    end
    local ent = { name = name, default = copy(default), help = help, type = t }
    entries[#entries + 1] = ent
    by_name[name] = ent
  end
  local quick = {}
  if spec.quick ~= nil then
    if type(spec.quick) ~= "table" then bad("quick must be a table of parameter overrides") end
    for k, v in pairs(spec.quick) do
      local ent = by_name[k]
      if not ent then bad(fmt("quick: unknown parameter '%s'", tostring(k))) end
      local t = type_of(v)
      local ok = t == ent.type or (ent.type == "number" and t == "integer")
                 or (ent.type:match("^list") and type(v) == "table" and #v == 0)
                 or (ent.type == "list of numbers" and t == "list of integers")
      if not ok then bad(fmt("quick: %s must be of type %s like its default, got %s", k, ent.type, tostring(t or type(v)))) end
      if ent.type == "number" then v = v + 0.0 end
      quick[k] = copy(v)
    end
  end
  return { name = spec.name, description = spec.description, seed = seed,
           entries = entries, by_name = by_name, quick = quick }
end

-- Levenshtein distance, for "did you mean" hints.
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local c = a:sub(i, i) == b:sub(j, j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + c)
    end
    prev = cur
  end
  return prev[#b]
end

local function unknown_param(D, key)
  local best, bd
  for _, e in ipairs(D.entries) do
    local d = distance(key, e.name)
    if not bd or d < bd then best, bd = e.name, d end
  end
  local hint = (bd and bd <= 2) and fmt(" (did you mean '%s'?)", best) or ""
  return fmt("unknown parameter '%s'%s", key, hint)
end

-- ---------------------------------------------------------------- parsing

local Params = {}
Params.__index = function(t, k)
  local v = rawget(Params, k)
  if v ~= nil then return v end
  local values = rawget(t, "values")
  return values and values[k]
end
Params.__name = "credo.RecipeParams"

local function fail(msg) error({ recipe_usage = msg }, 0) end

-- parse(spec, argv) -> P: the declaration checked and the command line
-- applied (defaults, then the quick overrides with --quick, then --set).
-- Raises {recipe_usage = message} for a bad command line (params() prints
-- it); P.help is true when --help was given.  Pure: no printing, no exit,
-- no thread change.
function M.parse(spec, argv)
  local D = declare(spec, 2)
  argv = argv or {}
  local P = setmetatable({
    name = D.name, description = D.description, spec = D, seed = D.seed,
    out = nil, quick = false, quiet = false, threads = nil, sweep = nil, help = false,
    argv = {}, overrides = {},
  }, Params)
  for i = 1, #argv do P.argv[i] = argv[i] end
  local sets, sweep_arg = {}, nil
  local i = 1
  local function value_of(flag, inline)
    if inline then return inline end
    i = i + 1
    local v = argv[i]
    if v == nil then fail(fmt("%s needs a value", flag)) end
    return v
  end
  while i <= #argv do
    local a = argv[i]
    if type(a) ~= "string" then fail(fmt("argument %d is not a string", i)) end
    local flag, inline = a:match("^(%-%-[%w-]+)=(.*)$")
    flag = flag or a
    if flag == "--help" or flag == "-h" then
      P.help = true
    elseif flag == "--set" then
      local kv = value_of("--set", inline)
      local k, v = kv:match("^([^=]*)=(.*)$")
      if not k or k == "" then fail(fmt("--set %s: expected key=value", kv)) end
      sets[#sets + 1] = { k, v }
    elseif flag == "--sweep" then
      if sweep_arg then fail("--sweep given twice (one parameter per sweep)") end
      local kv = value_of("--sweep", inline)
      local k, v = kv:match("^([^=]*)=(.*)$")
      if not k or k == "" then fail(fmt("--sweep %s: expected key=v1,v2,...", kv)) end
      sweep_arg = { k, v }
    elseif flag == "--seed" then
      local v = value_of("--seed", inline)
      local n = v:match("^%s*[+-]?%d+%s*$") and math.tointeger(tonumber(v))
      if not n then fail(fmt("--seed %s: expected an integer", v)) end
      P.seed = n
    elseif flag == "--threads" then
      local v = value_of("--threads", inline)
      local n = v:match("^%s*%d+%s*$") and math.tointeger(tonumber(v))
      if not n or n < 1 or n > 1024 then fail(fmt("--threads %s: expected an integer in 1..1024", v)) end
      P.threads = n
    elseif flag == "--out" then
      local v = value_of("--out", inline)
      if v == "" then fail("--out needs a folder path") end
      P.out = v
    elseif flag == "--quick" and not inline then
      P.quick = true
    elseif flag == "--quiet" and not inline then
      P.quiet = true
    elseif a:sub(1, 1) == "-" and a ~= "-" then
      fail(fmt("unknown option '%s'", a))
    else
      fail(fmt("unexpected argument '%s' (parameters are set with --set key=value)", a))
    end
    i = i + 1
  end
  -- defaults, quick, --set
  local values = {}
  for _, e in ipairs(D.entries) do values[e.name] = copy(e.default) end
  if P.quick then
    for k, v in pairs(D.quick) do values[k] = copy(v) end
  end
  for _, kv in ipairs(sets) do
    local k, s = kv[1], kv[2]
    local e = D.by_name[k]
    if not e then fail(fmt("--set %s=%s: %s", k, s, unknown_param(D, k))) end
    local v, want = M.parse_value(e.type, s)
    if v == nil then
      fail(fmt("--set %s=%s: %s must be %s (default %s)", k, s, k, want, show(e.default)))
    end
    values[k] = v
    P.overrides[k] = true
  end
  P.values = values
  if sweep_arg then
    local k, s = sweep_arg[1], sweep_arg[2]
    local e = D.by_name[k]
    if not e then fail(fmt("--sweep %s=%s: %s", k, s, unknown_param(D, k))) end
    if P.overrides[k] then fail(fmt("--sweep %s conflicts with --set %s", k, k)) end
    local is_list = e.type:match("^list") ~= nil
    local sep = is_list and ";" or ","
    local vals, texts, seen = {}, {}, {}
    for item in (s .. sep):gmatch("(.-)" .. sep) do
      local txt = item:match("^%s*(.-)%s*$")
      if txt == "" and not is_list then
        fail(fmt("--sweep %s=%s: empty value", k, s))
      end
      local v, want = M.parse_value(e.type, txt)
      if v == nil then
        fail(fmt("--sweep %s=%s: '%s' is not %s (default %s)", k, s, txt, want, show(e.default)))
      end
      local key = show(v)
      if seen[key] then fail(fmt("--sweep %s=%s: value '%s' is repeated", k, s, key)) end
      seen[key] = true
      vals[#vals + 1], texts[#texts + 1] = v, key
    end
    if #vals < 1 or s:match("^%s*$") then fail(fmt("--sweep %s: needs at least one value", k)) end
    P.sweep = { key = k, values = vals, texts = texts, type = e.type }
  end
  return P
end

-- The --help text.
function M.help(spec_or_P, script)
  local D = getmetatable(spec_or_P) == Params and spec_or_P.spec or declare(spec_or_P, 2)
  local out = {}
  out[#out + 1] = D.name .. (D.description and (": " .. D.description) or "")
  out[#out + 1] = ""
  out[#out + 1] = fmt("usage: credo %s %s", script or (D.name .. ".lua"), USAGE)
  out[#out + 1] = ""
  out[#out + 1] = "parameters (--set key=value):"
  local rows = {}
  local w1, w2, w3 = 4, 4, 7
  for _, e in ipairs(D.entries) do
    local d = show(e.default)
    if d == "" then d = '""' end
    rows[#rows + 1] = { e.name, e.type, d, e.help }
    w1, w2, w3 = math.max(w1, #e.name), math.max(w2, #e.type), math.max(w3, #d)
  end
  if w3 > 30 then w3 = 30 end
  out[#out + 1] = fmt("  %-" .. w1 .. "s  %-" .. w2 .. "s  %-" .. w3 .. "s  %s", "name", "type", "default", "help")
  for _, r in ipairs(rows) do
    local d = r[3]
    if #d > w3 then
      out[#out + 1] = fmt("  %-" .. w1 .. "s  %-" .. w2 .. "s  %s", r[1], r[2], d)
      out[#out + 1] = fmt("  %-" .. w1 .. "s  %-" .. w2 .. "s  %-" .. w3 .. "s  %s", "", "", "", r[4])
    else
      out[#out + 1] = fmt("  %-" .. w1 .. "s  %-" .. w2 .. "s  %-" .. w3 .. "s  %s", r[1], r[2], d, r[4])
    end
  end
  local q = {}
  for _, e in ipairs(D.entries) do
    if D.quick[e.name] ~= nil then q[#q + 1] = e.name .. "=" .. show(D.quick[e.name]) end
  end
  if #q > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "--quick sets: " .. concat(q, " ")
  end
  out[#out + 1] = ""
  out[#out + 1] = "options:"
  local opts = {
    { "--set key=value", "override a parameter (repeatable); lists are comma-separated" },
    { "--sweep key=v1,v2,...", "run once per value and compare them (list parameters: v1;v2)" },
    { "--seed N", fmt("random seed (default %d)", D.seed) },
    { "--threads N", "worker threads (default: all cores)" },
    { "--out DIR", fmt("run folder (default runs/%s-<YYYYmmdd-HHMMSS>)", D.name) },
    { "--quick", "a small, fast configuration for smoke tests" },
    { "--quiet", "no progress output" },
    { "--help", "this list" },
  }
  for _, o in ipairs(opts) do out[#out + 1] = fmt("  %-22s %s", o[1], o[2]) end
  return concat(out, "\n") .. "\n"
end

local function script_name()
  local a = rawget(_G, "arg")
  return type(a) == "table" and type(a[0]) == "string" and a[0] or nil
end

-- params(spec [, argv [, io]]) -> P: parse(spec, argv or the script's
-- `arg`); with --help print M.help and exit 0; on a bad command line print
-- `<name>: <what>` and the usage on stderr and exit 2.  Then applies
-- --threads (credo.threads) and --quiet (the host's quiet flag, read by
-- progress bars).  `io` = {stdout =, stderr =, exit =} replaces the
-- streams and os.exit (for tests).
function M.params(spec, argv, sys)
  sys = sys or {}
  local stdout, stderr, exit = sys.stdout or io.stdout, sys.stderr or io.stderr, sys.exit or os.exit
  if argv == nil then
    argv = {}
    local a = rawget(_G, "arg")
    if type(a) == "table" then for i = 1, #a do argv[i] = a[i] end end
  end
  local ok, P = pcall(M.parse, spec, argv)
  if not ok then
    if type(P) == "table" and P.recipe_usage then
      local name = type(spec) == "table" and type(spec.name) == "string" and spec.name or "recipe"
      stderr:write(fmt("%s: %s\nusage: credo %s %s\n(try --help)\n", name, P.recipe_usage,
                       script_name() or (name .. ".lua"), USAGE))
      exit(2)
      return nil
    end
    error(P, 2)
  end
  if P.help then
    stdout:write(M.help(P, script_name()))
    exit(0)
    return P
  end
  if P.threads then require("credo").threads(P.threads) end
  if P.quiet then
    local host = package.loaded["credo.host"]
    if type(host) == "table" then host.quiet = true end
    require("credo.progress").quiet = true   -- also under the stock lua5.4
  end
  return P
end

-- ---------------------------------------------------------------- running

local function is_quiet(P)
  if P.quiet then return true end
  local host = package.loaded["credo.host"]
  return type(host) == "table" and host.quiet == true
end

-- Numeric metrics of one run, in a stable order: the body's returned
-- table (a map, or a list of {name, value}) or else the report's metrics.
local function collect(ret, r)
  local names, vals = {}, {}
  local function add(k, v)
    if type(k) == "string" and type(v) == "number" and vals[k] == nil then
      names[#names + 1] = k
      vals[k] = v
    end
  end
  if type(ret) == "table" then
    if #ret > 0 then
      for _, pr in ipairs(ret) do if type(pr) == "table" then add(pr[1], pr[2]) end end
    else
      local ks = {}
      for k in pairs(ret) do if type(k) == "string" then ks[#ks + 1] = k end end
      table.sort(ks)
      for _, k in ipairs(ks) do add(k, ret[k]) end
    end
  else
    for _, k in ipairs(r.metric_order) do add(k, r.metrics[k]) end
  end
  return names, vals
end

local function run_one(P, values, out, body, report, argv_meta, final_out)
  local credo = require "credo"
  credo.seed(P.seed)
  local r = report.new { recipe = P.name, out = out, params = copy(values), seed = P.seed,
                         argv = P.argv, description = P.description, meta = argv_meta,
                         final_out = final_out }
  local ret = body(values, r)
  local names, vals = collect(ret, r)
  if type(ret) == "table" then
    for _, k in ipairs(names) do
      if r.metrics[k] == nil and not r.finished then r:metric(k, vals[k]) end
    end
  end
  if not r.finished then r:finish() end
  return r, names, vals, ret
end

local function folder_text(s)
  return (tostring(s):gsub("[^%w._-]", "_"))
end

-- run(P, body) -> result, out: seeds the global generator with P.seed,
-- makes a report (credo.report.new with P's recipe name, out, values and
-- seed), calls body(values, report), records the numbers it returns as
-- metrics, finishes the report and prints where it is (unless quiet).
-- With --sweep: one sub-run per value in `<out>/<key>-<value>/` (each with
-- its own report, same seed), then the top report at `<out>` holds the
-- comparison table (one row per value, one column per numeric metric, a
-- link to each sub-report) and figures (lines over a numeric parameter,
-- log x when it spans two decades; grouped bars otherwise).
function M.run(P, body)
  if getmetatable(P) ~= Params then
    error("bad argument #1 to 'recipe.run' (expected the parameters from credo.recipe.params)", 2)
  end
  if type(body) ~= "function" then error("bad argument #2 to 'recipe.run' (expected a function)", 2) end
  local report = require "credo.report"
  local meta = { quick = P.quick, sweep = P.sweep and { key = P.sweep.key, values = P.sweep.values } or nil }
  if not P.sweep then
    local r, _, _, ret = run_one(P, copy(P.values), P.out, body, report, meta)
    if not is_quiet(P) then io.stdout:write(fmt("report: %s/report.html\n", r.out)) end
    return ret, r.out
  end
  local sw = P.sweep
  local top_params = copy(P.values)
  top_params[sw.key] = copy(sw.values)
  local top = report.new { recipe = P.name, out = P.out, params = top_params, seed = P.seed,
                           argv = P.argv, title = fmt("%s: sweep over %s", P.name, sw.key),
                           description = P.description, meta = meta }
  local rows, metric_names, seen, results = {}, {}, {}, {}
  local bar = require("credo.progress").new { total = #sw.values, label = "sweep " .. sw.key, unit = "run",
                                              verbose = is_quiet(P) and 0 or 1 }
  for idx, v in ipairs(sw.values) do
    local values = copy(P.values)
    values[sw.key] = copy(v)
    local folder = folder_text(sw.key .. "-" .. sw.texts[idx])
    local _, names, vals, ret = top:stage(sw.key .. "=" .. sw.texts[idx], run_one,
                                          P, values, top.dir .. "/" .. folder, body, report, meta,
                                          top.out .. "/" .. folder)
    results[idx] = ret
    for _, k in ipairs(names) do
      if not seen[k] then seen[k] = true; metric_names[#metric_names + 1] = k end
    end
    rows[idx] = { value = sw.texts[idx], raw = v, vals = vals, folder = folder }
    bar:message(fmt("%s=%s: %s/%s (once the sweep finishes)", sw.key, sw.texts[idx], top.out, folder))
    bar:update(idx, fmt("%s=%s", sw.key, sw.texts[idx]))
  end
  -- the comparison table
  local columns = { sw.key }
  for _, k in ipairs(metric_names) do columns[#columns + 1] = k end
  columns[#columns + 1] = "run"
  local trows = {}
  for i, row in ipairs(rows) do
    local t = { row.value }
    for j, k in ipairs(metric_names) do t[j + 1] = row.vals[k] end
    t[#t + 1] = row.folder
    trows[i] = t
  end
  bar:close()
  top:section("Sweep over " .. sw.key)
  top:text(fmt("One run per value of `%s` (seed %d for each); every other parameter as in the table below. " ..
               "Each run's own report is in its folder.", sw.key, P.seed))
  top:table("sweep", trows, { columns = columns, caption = fmt("Metrics per value of %s", sw.key),
                              format = { run = function(f) return fmt("[%s](%s/report.html)", f, f) end } })
  local sweep_metrics = {}
  for _, row in ipairs(rows) do sweep_metrics[row.value] = row.vals end
  top:metric("sweep", sweep_metrics)
  -- figures: metrics within [0, 1] together, any other metric alone
  if #metric_names > 0 then
    local plot = require "credo.plot"
    local unit, other = {}, {}
    for _, k in ipairs(metric_names) do
      local inside = true
      for _, row in ipairs(rows) do
        local v = row.vals[k]
        if v ~= nil and not (v >= 0 and v <= 1) then inside = false end
      end
      if inside then unit[#unit + 1] = k else other[#other + 1] = k end
    end
    local groups = {}
    if #unit > 0 then groups[#groups + 1] = unit end
    for _, k in ipairs(other) do groups[#groups + 1] = { k } end
    local numeric = sw.type == "integer" or sw.type == "number"
    for gi, group in ipairs(groups) do
      local svg
      local title = fmt("%s by %s", #group == 1 and group[1] or "metrics", sw.key)
      if numeric then
        local xs, positive = {}, true
        for i, row in ipairs(rows) do
          xs[i] = row.raw
          if row.raw <= 0 then positive = false end
        end
        local lo, hi = math.huge, -math.huge
        for _, x in ipairs(xs) do lo, hi = math.min(lo, x), math.max(hi, x) end
        local series = {}
        for si, k in ipairs(group) do
          local ys = {}
          for i, row in ipairs(rows) do ys[i] = row.vals[k] or (0 / 0) end
          local order = {}
          for i = 1, #xs do order[i] = i end
          table.sort(order, function(a, b) return xs[a] < xs[b] end)
          local sx, sy = {}, {}
          for i, o in ipairs(order) do sx[i], sy[i] = xs[o], ys[o] end
          series[si] = { name = k, x = sx, y = sy, markers = true }
        end
        svg = plot.line { title = title, xlabel = sw.key, ylabel = #group == 1 and group[1] or "value",
                          series = series, xlog = positive and #xs > 1 and hi / lo >= 100 or nil }
      else
        local labels, series = {}, {}
        for i, row in ipairs(rows) do labels[i] = row.value end
        for si, k in ipairs(group) do
          local vs = {}
          for i, row in ipairs(rows) do vs[i] = row.vals[k] or 0 end
          series[si] = { name = k, values = vs }
        end
        svg = plot.bar { title = title, labels = labels, series = series, xlabel = #group == 1 and group[1] or "value",
                         ylabel = sw.key }
      end
      top:figure(gi == 1 and "sweep" or ("sweep_" .. folder_text(group[1])), svg,
                 fmt("%s for each value of %s", concat(group, ", "), sw.key))
    end
  end
  local out = top:finish()
  if not is_quiet(P) then io.stdout:write(fmt("report: %s/report.html\n", out)) end
  return results, out
end

--- binary_target(frame, target, positive) -> y, levels: the target column
-- as int64 0/1 labels (1 = `positive`) and the names {negative, positive}
-- for reports.  A categorical target is compared by level name (the other
-- levels joined by "/" name the negative class); a numeric one by value
-- (`positive` read as a number).  Errors say what to --set.
function M.binary_target(frame, target, positive)
  local t = frame:col(target)
  if frame:is_categorical(target) then
    local pos
    for i, level in ipairs(t.levels) do if level == positive then pos = i end end
    if not pos then
      error(("no level '%s' in column %s (levels: %s)"):format(positive, target,
        table.concat(t.levels, ", ")), 0)
    end
    local neg = {}
    for i, level in ipairs(t.levels) do if i ~= pos then neg[#neg + 1] = level end end
    return t.codes:eq(pos), { table.concat(neg, "/"), positive }
  end
  local pv = tonumber(positive)
  if not pv then
    error(("target '%s' is numeric: give the positive value with --set positive=1"):format(target), 0)
  end
  return t:eq(pv):long(), { "not " .. positive, positive }
end

return M
