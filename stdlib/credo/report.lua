-- credo.report: the run folder of a recipe run, with its tables, figures,
-- metrics, parameters and timings, written atomically.
--
--   local r = credo.report.new { recipe = "lstm_gru", params = P, seed = 42 }
--   r:section("Table 1: models")
--   r:text("Accuracy, precision and recall on the 20 % test split.")
--   r:table("models", rows, { columns = { "model", "accuracy" }, paper = "Table 1" })
--   r:figure("loss", credo.plot.line { ... }, "Training and validation loss")
--   r:metric("test_auc", 0.873)
--   local model = r:stage("train", function() return fit(...) end)
--   r:finish()        --> "runs/lstm_gru-20250101-120000"
--
-- Files in the folder: report.md (tables in Markdown, figures linked),
-- report.html (self-contained: figures inline as SVG, a little CSS),
-- metrics.json, params.json, timings.csv, <table>.csv, <figure>.svg.
--
-- Atomicity: the folder is built as `<out>.partial` and renamed to `<out>`
-- by finish() only, after every file in it was written (each through a
-- temporary file, fsync, rename) and the folder itself fsync'ed.  A run
-- that errors or is interrupted before finish() leaves `<out>.partial`,
-- which never looks like a finished run.  Not a logger and not a database
-- of runs; it does not delete anything, and it refuses to overwrite an
-- existing folder.
local markup = require "credo.report.markup"

local M = {}
M.markup = markup

local fmt, concat = string.format, table.concat

local function sys() return require("credo").core.sys end

-- ---------------------------------------------------------------- files

-- Whether path exists (file or directory): rename(p, p) succeeds exactly
-- when p exists (POSIX: same file, no action).
local function exists(path)
  return os.rename(path, path) ~= nil
end
M._exists = exists

local function dirname(path)
  local d = path:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  if d == "" then return "/" end
  return d
end

-- mkdir -p, in Lua over credo.sys.mkdir.
local function mkdir_p(path)
  if exists(path) then return true end
  local parent = dirname(path)
  if parent ~= path and parent ~= "." and parent ~= "/" and not exists(parent) then
    mkdir_p(parent)
  end
  local ok, err = sys().mkdir(path)
  if not ok and not exists(path) then
    error(fmt("report: cannot create folder '%s': %s", path, tostring(err)), 0)
  end
  return true
end
M._mkdir_p = mkdir_p

-- Write `content` to dir/name atomically: a temporary file in dir, flush,
-- fsync, rename.  Errors name the file.
local function write_atomic(dir, name, content)
  local path = dir .. "/" .. name
  local tmp = dir .. "/." .. name .. ".tmp"
  local f, err = io.open(tmp, "wb")
  if not f then error(fmt("report: cannot write '%s': %s", path, err), 0) end
  local ok, werr = f:write(content)
  if ok then ok, werr = f:flush() end
  f:close()
  if ok then ok, werr = sys().fsync(tmp) end
  if ok then ok, werr = os.rename(tmp, path) end
  if not ok then
    os.remove(tmp)
    error(fmt("report: cannot write '%s': %s", path, tostring(werr)), 0)
  end
  return path
end
M._write_atomic = write_atomic

-- ---------------------------------------------------------------- git

local function read_all(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- The commit checked out in the git work tree holding `start` (or a
-- parent of it), read from .git/HEAD and the ref file or packed-refs
-- directly (no git program); "unknown" outside a checkout.
function M.git_commit(start)
  local dir = start or "."
  for _ = 1, 32 do
    local gitdir = dir .. "/.git"
    local head = read_all(gitdir .. "/HEAD")
    if not head then
      -- a worktree or submodule: .git is a file "gitdir: <path>"
      local link = read_all(gitdir)
      local target = link and link:match("^gitdir:%s*(.-)%s*$")
      if target then
        if target:sub(1, 1) ~= "/" then target = dir .. "/" .. target end
        gitdir = target
        head = read_all(gitdir .. "/HEAD")
      end
    end
    if head then
      head = head:gsub("%s+$", "")
      local ref = head:match("^ref:%s*(%S+)$")
      if not ref then
        return head:match("^%x+$") and head or "unknown"
      end
      -- a linked worktree keeps its refs in the common git dir
      local dirs = { gitdir }
      local common = read_all(gitdir .. "/commondir")
      if common then
        common = common:gsub("%s+$", "")
        if common:sub(1, 1) ~= "/" then common = gitdir .. "/" .. common end
        dirs[2] = common
      end
      local sha
      for _, d in ipairs(dirs) do
        sha = read_all(d .. "/" .. ref)
        if sha then break end
      end
      if not sha then
        local pat = "(%x+) " .. ref:gsub("%p", "%%%0") .. "\n"
        for _, d in ipairs(dirs) do
          local packed = read_all(d .. "/packed-refs")
          sha = packed and (packed .. "\n"):match(pat)
          if sha then break end
        end
      end
      sha = sha and sha:match("^%s*(%x+)")
      return sha or "unknown"
    end
    if dir == "/" then break end
    if dir == "." then dir = ".."
    elseif dir:match("^[./]*$") then dir = dir .. "/.."
    else
      local parent = dirname(dir)
      if parent == dir then break end
      dir = parent
    end
  end
  return "unknown"
end

-- ---------------------------------------------------------------- report

local Report = {}
Report.__index = Report
Report.__name = "credo.Report"

local NAME = "^[%w][%w._-]*$"
local NEW_OPTS = { recipe = true, out = true, params = true, seed = true, title = true,
                   argv = true, time = true, clock = true, description = true, meta = true,
                   final_out = true }

local function check_name(op, what, name)
  if type(name) ~= "string" or not name:match(NAME) then
    error(fmt("bad argument #1 to '%s' (%s must be a name of letters, digits, '.', '_' or '-', got %s)",
              op, what, type(name) == "string" and ("'" .. name .. "'") or type(name)), 3)
  end
end

local function stamp(t)
  return os.date("%Y%m%d-%H%M%S", t)
end

-- new{recipe, out = "runs/<recipe>-<YYYYmmdd-HHMMSS>", params = {}, seed,
--     title = recipe, description, argv = {...} (the command line),
--     meta = {...} (more fields for params.json), time = os.time(),
--     clock = credo.clock, final_out (where `out` will be once an enclosing
--     run folder is finished, for params.json)}: creates `<out>.partial`
-- (and the parents of out), writes params.json into it, and returns the
-- report.  An existing `<out>` or `<out>.partial` is an error for an out
-- given by the caller; the default name gets a suffix -2, -3, ... instead.
function M.new(opts)
  if type(opts) ~= "table" then
    error("bad argument #1 to 'report.new' (expected a table of options)", 2)
  end
  for k in pairs(opts) do
    if not NEW_OPTS[k] then error(fmt("bad argument #1 to 'report.new' (unknown option '%s')", tostring(k)), 2) end
  end
  check_name("report.new", "recipe", opts.recipe)
  if opts.params ~= nil and type(opts.params) ~= "table" then
    error("bad argument #1 to 'report.new' (params must be a table)", 2)
  end
  local credo = require "credo"
  local clock = opts.clock or credo.clock
  local t = opts.time or os.time()
  local out = opts.out
  if out ~= nil then
    if type(out) ~= "string" or out == "" then
      error("bad argument #1 to 'report.new' (out must be a non-empty path)", 2)
    end
    out = out:gsub("/+$", "")
    if out == "" then out = "/" end
    if exists(out) then
      error(fmt("report.new: run folder '%s' already exists (choose another --out or remove it)", out), 2)
    end
    if exists(out .. ".partial") then
      error(fmt("report.new: '%s.partial' exists, left by an unfinished run (remove it first)", out), 2)
    end
  else
    local base = "runs/" .. opts.recipe .. "-" .. stamp(t)
    out = base
    local k = 1
    while exists(out) or exists(out .. ".partial") do
      k = k + 1
      out = base .. "-" .. k
    end
  end
  local dir = out .. ".partial"
  mkdir_p(dirname(out))
  local ok, err = sys().mkdir(dir)
  if not ok then error(fmt("report: cannot create folder '%s': %s", dir, tostring(err)), 2) end
  local host = package.loaded["credo.host"]
  local self = setmetatable({
    recipe = opts.recipe, title = opts.title or opts.recipe, description = opts.description,
    out = out, dir = dir, params = opts.params or {}, seed = opts.seed,
    argv = opts.argv, time = t, clock = clock, t0 = clock(), meta = opts.meta,
    final_out = opts.final_out,
    items = {}, sections = {}, metrics = {}, metric_order = {},
    timings = {}, stage_stack = {}, files = {}, ntables = 0, nfigures = 0,
    finished = false,
    info = {
      credo_version = credo.version,
      git_commit = M.git_commit(),
      lua_version = type(host) == "table" and host.lua or _VERSION,
      threads = credo.threads(),
      date = os.date("!%Y-%m-%dT%H:%M:%SZ", t),
    },
  }, Report)
  -- the files finish() writes, so no table, figure or file takes their names
  for _, f in ipairs { "params.json", "report.md", "report.html", "metrics.json", "timings.csv" } do
    self.files[f] = true
  end
  write_atomic(dir, "params.json", markup.json(self:params_doc(), true))
  return self
end

function M.is_report(v)
  return getmetatable(v) == Report
end

function Report:__tostring()
  return fmt("Report(%s -> %s%s)", self.recipe, self.out, self.finished and "" or ", unfinished")
end

local function live(self, op)
  if getmetatable(self) ~= Report then
    error(fmt("bad argument #1 to '%s' (expected a report)", op), 3)
  end
  if self.finished then error(fmt("%s: the report is already finished", op), 3) end
end

-- the parameters document (params.json)
function Report:params_doc()
  local doc = {
    recipe = self.recipe, params = self.params, seed = self.seed, out = self.final_out or self.out,
    command = self.argv,
  }
  for k, v in pairs(self.info) do doc[k] = v end
  if type(self.meta) == "table" then
    for k, v in pairs(self.meta) do if doc[k] == nil then doc[k] = v end end
  end
  return doc
end

-- Claim a file name in the folder; two items writing one file is an error.
local function claim(self, op, file)
  if self.files[file] then
    error(fmt("bad argument #1 to '%s' (the report already has a file '%s')", op, file), 3)
  end
  self.files[file] = true
end

--- section(title): a new section (## in report.md, <h2> in report.html).
function Report:section(title)
  live(self, "section")
  if type(title) ~= "string" or title == "" then
    error("bad argument #1 to 'section' (expected a title string)", 2)
  end
  local id = "s" .. (#self.sections + 1)
  self.sections[#self.sections + 1] = { title = title, id = id }
  self.items[#self.items + 1] = { kind = "section", title = title, id = id }
  return self
end

--- text(md): a paragraph (or several) of Markdown (markup.md_to_html lists
-- the subset rendered in HTML; report.md keeps the text as written).
function Report:text(md)
  live(self, "text")
  if type(md) ~= "string" then error("bad argument #1 to 'text' (expected a string)", 2) end
  self.items[#self.items + 1] = { kind = "text", md = md }
  return self
end

local function is_frame(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__name == "credo.Frame"
end

-- rows -> columns, list of row arrays
local function normalise_rows(op, rows, columns)
  if is_frame(rows) then
    local names = rows:names()
    local cols = {}
    for j, nm in ipairs(names) do
      local c = rows:col(nm)
      if type(c) == "table" then
        local codes, levels, vals = c.codes:totable(), c.levels, {}
        for i = 1, #codes do vals[i] = codes[i] ~= 0 and levels[codes[i]] or nil end
        cols[j] = vals
      else
        cols[j] = c:totable()
      end
    end
    local out = {}
    for i = 1, rows:nrow() do
      local r = {}
      for j = 1, #names do r[j] = cols[j][i] end
      out[i] = r
    end
    if columns then
      error(fmt("bad argument #3 to '%s' (columns cannot be given with a Frame; select them first)", op), 3)
    end
    return names, out
  end
  if type(rows) ~= "table" then
    error(fmt("bad argument #2 to '%s' (rows must be a list of rows or a Frame, got %s)", op, type(rows)), 3)
  end
  local keyed = false
  for i, r in ipairs(rows) do
    if type(r) ~= "table" then
      error(fmt("bad argument #2 to '%s' (row %d is a %s, expected a table)", op, i, type(r)), 3)
    end
    if next(r) ~= nil and r[1] == nil then keyed = true end
  end
  if columns == nil then
    if keyed then
      local set, list = {}, {}
      for _, r in ipairs(rows) do
        for k in pairs(r) do
          if not set[k] then set[k] = true; list[#list + 1] = k end
        end
      end
      table.sort(list, function(a, b) return tostring(a) < tostring(b) end)
      columns = list
    else
      local w = 0
      for _, r in ipairs(rows) do w = math.max(w, #r) end
      columns = {}
      for j = 1, w do columns[j] = "V" .. j end
    end
  end
  if type(columns) ~= "table" or #columns == 0 then
    error(fmt("bad argument #3 to '%s' (columns must be a non-empty list of names)", op), 3)
  end
  for j, c in ipairs(columns) do
    if type(c) ~= "string" then
      error(fmt("bad argument #3 to '%s' (columns[%d] must be a string)", op, j), 3)
    end
  end
  local out = {}
  for i, r in ipairs(rows) do
    local row = {}
    if keyed then
      for k in pairs(r) do
        local found = false
        for _, c in ipairs(columns) do if c == k then found = true end end
        if not found then
          error(fmt("bad argument #2 to '%s' (row %d has a field '%s' not in columns)", op, i, tostring(k)), 3)
        end
      end
      for j, c in ipairs(columns) do row[j] = r[c] end
    else
      if #r > #columns then
        error(fmt("bad argument #2 to '%s' (row %d has %d values but there are %d columns)", op, i, #r, #columns), 3)
      end
      for j = 1, #columns do row[j] = r[j] end
    end
    for j = 1, #columns do
      local v = row[j]
      local t = type(v)
      if t == "userdata" and v.item then v = v:item(); row[j] = v; t = type(v) end
      if v ~= nil and t ~= "number" and t ~= "string" and t ~= "boolean" then
        error(fmt("bad argument #2 to '%s' (row %d, column '%s' is a %s)", op, i, columns[j], t), 3)
      end
    end
    out[i] = row
  end
  return columns, out
end

local TABLE_OPTS = { columns = true, caption = true, paper = true, format = true, digits = true,
                     highlight = true }

local function check_opts(op, opts, allowed, argn)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(fmt("bad argument #%d to '%s' (expected a table of options)", argn, op), 3)
  end
  for k in pairs(opts) do
    if not allowed[k] then
      error(fmt("bad argument #%d to '%s' (unknown option '%s')", argn, op, tostring(k)), 3)
    end
  end
  local d = opts.digits
  if d ~= nil and (math.type(d) ~= "integer" or d < 0 or d > 17) then
    error(fmt("bad argument #%d to '%s' (digits must be an integer in 0..17, got %s)", argn, op,
      tostring(d)), 3)
  end
  return opts
end

-- display text of a cell; `whole` when every number of its column is a
-- whole number (then they print as integers, else all with decimals)
local function cell_text(v, colfmt, digits, whole)
  if v == nil then return "" end
  if colfmt then
    if type(colfmt) == "function" then return tostring(colfmt(v)) end
    if type(v) == "number" then return fmt(colfmt, v) end
  end
  if type(v) == "number" then return markup.cell_number(v, digits, not whole) end
  return tostring(v)
end

local function add_table(self, op, name, columns, rows, opts, csv_columns, csv_rows)
  claim(self, op, name .. ".csv")
  local format = opts.format or {}
  if type(format) ~= "table" then
    error(fmt("bad argument #3 to '%s' (format must be a table column -> format)", op), 3)
  end
  local text, numeric, whole = {}, {}, {}
  for j = 1, #columns do
    numeric[j], whole[j] = true, true
    for _, r in ipairs(rows) do
      local v = r[j]
      if type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge
         and (v ~= math.floor(v) or math.abs(v) >= 1e15) then
        whole[j] = false
      end
    end
  end
  for i, r in ipairs(rows) do
    local t = {}
    for j, c in ipairs(columns) do
      t[j] = cell_text(r[j], format[c], opts.digits, whole[j])
      if r[j] ~= nil and type(r[j]) ~= "number" then numeric[j] = false end
    end
    text[i] = t
  end
  if opts.numeric then numeric = opts.numeric end
  local hl = {}
  if opts.highlight then
    for i, r in ipairs(rows) do hl[i] = opts.highlight(r, i) and true or false end
  end
  self.ntables = self.ntables + 1
  write_atomic(self.dir, name .. ".csv", markup.csv(csv_columns or columns, csv_rows or rows))
  self.items[#self.items + 1] = {
    kind = "table", name = name, columns = columns, text = text, numeric = numeric,
    caption = opts.caption, paper = opts.paper, number = self.ntables, highlight = hl,
  }
  return self
end

--- table(name, rows [, {columns, caption, paper, format, digits, highlight}]):
-- a table in the report and `<name>.csv` in the folder (written now).
-- rows: a list of arrays (in `columns` order), a list of tables keyed by
-- column name (columns default to the sorted keys), or a credo Frame.
-- Cells are numbers, strings, booleans or nil.  format = {column = "%.3f"
-- or function(v) -> text}; numbers default to markup.cell_number (4
-- decimals; `digits` changes it).  paper = "Table 2": which table of the
-- paper this reproduces.  highlight = function(row, i) -> bool marks rows.
-- The CSV keeps full precision.
function Report:table(name, rows, opts)
  live(self, "table")
  check_name("table", "name", name)
  opts = check_opts("table", opts, TABLE_OPTS, 3)
  local columns, data = normalise_rows("table", rows, opts.columns)
  return add_table(self, "table", name, columns, data, opts)
end

local PAPER_OPTS = { caption = true, paper = true, digits = true }

--- paper_table(name, rows [, {caption, paper, digits = 3}]): the paper's
-- numbers beside ours.  rows: {metric = "AUC", paper = 0.91, measured =
-- 0.873, ci = {lo, hi} (or lo =, hi =), model = "GBDT"} or positional
-- {metric, paper, measured, ci}.  Columns: [model,] metric, paper,
-- measured, 95 % CI, difference (measured - paper), paper in CI (yes / no
-- / blank when either is missing).  Rows whose paper value falls outside
-- the interval are highlighted.  The CSV has ci_lo and ci_hi columns.
function Report:paper_table(name, rows, opts)
  live(self, "paper_table")
  check_name("paper_table", "name", name)
  opts = check_opts("paper_table", opts, PAPER_OPTS, 3)
  if type(rows) ~= "table" then error("bad argument #2 to 'paper_table' (rows must be a list)", 2) end
  local digits = opts.digits or 3
  local has_model = false
  local recs = {}
  for i, r in ipairs(rows) do
    if type(r) ~= "table" then error(fmt("bad argument #2 to 'paper_table' (row %d must be a table)", i), 2) end
    local rec = {
      model = r.model, metric = r.metric or r[1], paper = r.paper, measured = r.measured,
      lo = r.lo, hi = r.hi,
    }
    if rec.paper == nil and r[1] ~= nil then rec.paper = r[2] end
    if rec.measured == nil and r[1] ~= nil then rec.measured = r[3] end
    local ci = r.ci or (r[1] ~= nil and r[4]) or nil
    if ci ~= nil then
      if type(ci) ~= "table" or type(ci[1]) ~= "number" or type(ci[2]) ~= "number" then
        error(fmt("bad argument #2 to 'paper_table' (row %d: ci must be {lo, hi})", i), 2)
      end
      rec.lo, rec.hi = ci[1], ci[2]
    end
    if type(rec.metric) ~= "string" then
      error(fmt("bad argument #2 to 'paper_table' (row %d: metric must be a string)", i), 2)
    end
    for _, k in ipairs { "paper", "measured", "lo", "hi" } do
      if rec[k] ~= nil and type(rec[k]) ~= "number" then
        error(fmt("bad argument #2 to 'paper_table' (row %d: %s must be a number)", i, k), 2)
      end
    end
    if rec.model ~= nil then has_model = true end
    recs[i] = rec
  end
  local columns = { "metric", "paper", "measured", "95 % CI", "difference", "paper in CI" }
  local csv_columns = { "metric", "paper", "measured", "ci_lo", "ci_hi", "difference", "paper_in_ci" }
  if has_model then
    table.insert(columns, 1, "model")
    table.insert(csv_columns, 1, "model")
  end
  local f = "%." .. digits .. "f"
  local data, csv_rows, inside = {}, {}, {}
  for i, r in ipairs(recs) do
    local diff = (r.paper and r.measured) and (r.measured - r.paper) or nil
    local within = nil
    if r.paper and r.lo and r.hi then within = r.paper >= r.lo and r.paper <= r.hi end
    inside[i] = within
    local row = {
      r.metric,
      r.paper and fmt(f, r.paper) or "n/a",
      r.measured and fmt(f, r.measured) or "n/a",
      (r.lo and r.hi) and fmt("[" .. f .. ", " .. f .. "]", r.lo, r.hi) or "",
      diff and fmt("%+." .. digits .. "f", diff) or "",
      within == nil and "" or (within and "yes" or "no"),
    }
    local flag
    if within ~= nil then flag = within and "yes" or "no" end
    local crow = { r.metric, r.paper, r.measured, r.lo, r.hi, diff, flag }
    if has_model then
      table.insert(row, 1, r.model or "")
      table.insert(crow, 1, r.model)
    end
    data[i], csv_rows[i] = row, crow
  end
  return add_table(self, "paper_table", name, columns, data,
                   { caption = opts.caption, paper = opts.paper,
                     numeric = has_model and { false, false, true, true, true, true, false }
                               or { false, true, true, true, true, false },
                     highlight = function(_, i) return inside[i] == false end },
                   csv_columns, csv_rows)
end

local FIG_OPTS = { paper = true }

--- figure(name, svg, caption [, {paper = "Fig. 3"}]): an SVG figure (from
-- credo.plot), written now as `<name>.svg`, inline in report.html.
function Report:figure(name, svg, caption, opts)
  live(self, "figure")
  check_name("figure", "name", name)
  if type(svg) ~= "string" or not svg:match("^%s*<svg[%s>]") then
    error("bad argument #2 to 'figure' (expected an SVG string starting with <svg)", 2)
  end
  if caption ~= nil and type(caption) ~= "string" then
    error("bad argument #3 to 'figure' (caption must be a string)", 2)
  end
  opts = check_opts("figure", opts, FIG_OPTS, 4)
  claim(self, "figure", name .. ".svg")
  write_atomic(self.dir, name .. ".svg", '<?xml version="1.0" encoding="UTF-8"?>\n' .. svg .. "\n")
  self.nfigures = self.nfigures + 1
  self.items[#self.items + 1] = { kind = "figure", name = name, svg = svg, caption = caption,
                                  paper = opts.paper, number = self.nfigures }
  return self
end

--- file(name, text): a file of the run folder that is neither a table nor
-- a figure (a log, the row ids each step used, a model dump), written now
-- and atomically, under the same naming and one-writer rules.
function Report:file(name, text)
  live(self, "file")
  check_name("file", "name", name)
  if type(text) ~= "string" then
    error(fmt("bad argument #2 to 'file' (expected the text as a string, got %s)", type(text)), 2)
  end
  claim(self, "file", name)
  write_atomic(self.dir, name, text)
  return self
end

--- rows(use, ids): record that a step of the run used the rows `ids` (a
-- 1-d tensor or a list of row numbers) for `use` ("fit", "test", ...);
-- finish() writes them all to `row_use.csv` (columns row, use), so a test
-- can check that the test rows never met fitting, resampling or tuning.
function Report:rows(use, ids)
  live(self, "rows")
  if type(use) ~= "string" or not use:match("^[%w_]+$") then
    error(fmt("bad argument #1 to 'rows' (expected the use as a name of letters, digits and _, got %s)",
      type(use) == "string" and fmt("%q", use) or type(use)), 2)
  end
  local n = type(ids) == "table" and #ids or (type(ids) == "userdata" and ids.size and ids:size(1))
  if not n then
    error(fmt("bad argument #2 to 'rows' (expected a 1-d tensor or a list of row numbers, got %s)", type(ids)), 2)
  end
  if not self.row_use then
    claim(self, "rows", "row_use.csv")
    self.row_use = { "row,use" }
  end
  local lines = self.row_use
  local get = type(ids) == "table" and function(i) return ids[i] end or function(i) return ids:get(i) end
  local start = #lines
  for i = 1, n do
    local r = math.tointeger(get(i))
    if not r or r < 1 then
      for k = #lines, start + 1, -1 do lines[k] = nil end     -- nothing half-recorded
      error(fmt("bad argument #2 to 'rows' (row numbers must be integers >= 1, got %s at %d)",
        tostring(get(i)), i), 2)
    end
    lines[#lines + 1] = fmt("%d,%s", r, use)
  end
  return self
end

--- metric(key, value): a result for metrics.json (numbers, strings,
-- booleans, tables of them, tensors).  Setting a key again replaces it.
function Report:metric(key, value)
  live(self, "metric")
  if type(key) ~= "string" or key == "" then
    error("bad argument #1 to 'metric' (expected a non-empty string key)", 2)
  end
  local t = type(value)
  if t == "userdata" and value.totable then value = value:totable(); t = "table" end
  if t ~= "number" and t ~= "string" and t ~= "boolean" and t ~= "table" then
    error(fmt("bad argument #2 to 'metric' (expected a number, string, boolean or table, got %s)", t), 2)
  end
  if t == "table" then
    -- what metrics.json can hold: checked now, not when finish() writes it
    -- (a cycle or a function there made every finish() fail)
    local function walk(v, depth, path, seen)
      local tv = type(v)
      if tv == "userdata" and v.totable then return nil end
      if tv == "table" then
        if seen[v] then return fmt("%s: a table holds itself", path) end
        if depth > 100 then return fmt("%s: nested deeper than 100", path) end
        seen[v] = true
        for k, x in pairs(v) do
          local e = walk(x, depth + 1, path .. "." .. tostring(k), seen)
          if e then return e end
        end
        seen[v] = nil
      elseif tv ~= "number" and tv ~= "string" and tv ~= "boolean" then
        return fmt("%s is a %s: numbers, strings, booleans, tables and tensors only", path, tv)
      end
      return nil
    end
    local e = walk(value, 1, key, {})
    if e then error(fmt("bad argument #2 to 'metric' (%s)", e), 2) end
  end
  if self.metrics[key] == nil then self.metric_order[#self.metric_order + 1] = key end
  self.metrics[key] = value
  return self
end

--- stage(name, fn, ...) -> fn(...)'s results: runs fn and records its wall
-- time (credo.clock) in timings.csv.  Stages nest ("train/epochs").  An
-- error in fn is recorded as the stage's status and raised again.
function Report:stage(name, fn, ...)
  live(self, "stage")
  if type(name) ~= "string" or name == "" then error("bad argument #1 to 'stage' (expected a name)", 2) end
  if type(fn) ~= "function" then error("bad argument #2 to 'stage' (expected a function)", 2) end
  local stack = self.stage_stack
  stack[#stack + 1] = name
  local full = concat(stack, "/")
  local rec = { name = full, depth = #stack }
  self.timings[#self.timings + 1] = rec
  local t0 = self.clock()
  local res = table.pack(pcall(fn, ...))
  rec.seconds = self.clock() - t0
  stack[#stack] = nil
  if not res[1] then
    rec.status = "error"
    error(res[2], 0)
  end
  rec.status = "ok"
  return table.unpack(res, 2, res.n)
end

-- ---------------------------------------------------------------- output

local CSS = [[
body{font:15px/1.5 "DejaVu Sans",Helvetica,Arial,sans-serif;color:#222;background:#fff;max-width:1120px;margin:0 auto;padding:20px 32px 48px}
h1{font-size:26px;margin:8px 0 2px}
h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:1px solid #e2e2e2}
h3,h4,h5,h6{font-size:16px;margin:20px 0 6px}
p.meta{color:#666;font-size:13px;margin:0 0 12px}
nav{font-size:14px;background:#f7f7f7;padding:8px 16px;border-radius:4px}
nav ol{margin:4px 0;padding-left:20px;columns:2}
div.table{margin:6px 0 22px;overflow-x:auto}
p.caption{margin:0 0 6px;color:#333;font-size:14px}
table{border-collapse:collapse;font-size:13.5px}
th,td{padding:4px 10px;border-bottom:1px solid #e6e6e6;text-align:left;vertical-align:top}
th{border-bottom:2px solid #bdbdbd;background:#fafafa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.hl td{background:#fff6d5}
figure{display:inline-block;vertical-align:top;margin:8px 20px 22px 0;max-width:100%}
figure svg{display:block;max-width:100%;height:auto}
figcaption{font-size:13px;color:#444;margin-top:4px;max-width:640px}
.tag{color:#777}
code{background:#f2f2f2;padding:1px 4px;border-radius:3px;font-size:90%}
pre{background:#f6f6f6;padding:10px 12px;overflow:auto;font-size:13px}
blockquote{margin:8px 0;padding:2px 14px;border-left:3px solid #ccc;color:#555}
footer{margin-top:40px;font-size:12px;color:#888}
]]

local function paper_tag(p)
  return p and (" (paper: " .. p .. ")") or ""
end

local function fmt_seconds(s)
  if s == nil then return "" end
  return fmt("%.3f", s)
end

-- The run's own tables (parameters, metrics, timings) appended to the body.
local function run_items(self)
  local items = {}
  local prow = {}
  local keys = {}
  for k in pairs(self.params) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    local v = self.params[k]
    if type(v) == "table" then
      local parts = {}
      for i = 1, #v do parts[i] = tostring(v[i]) end
      v = concat(parts, ",")
    end
    prow[#prow + 1] = { tostring(k), v == nil and "" or tostring(v) }
  end
  items[#items + 1] = { kind = "section", title = "Run", id = "run" }
  local info = self.info
  items[#items + 1] = { kind = "text", md = fmt(
    "Recipe `%s`, seed %s, credo %s (commit `%s`), %s, %d threads, started %s.  Folder `%s`.",
    self.recipe, tostring(self.seed), tostring(info.credo_version), info.git_commit,
    tostring(info.lua_version), info.threads or 0, info.date, self.final_out or self.out) }
  if #prow > 0 then
    local text = {}
    for i, r in ipairs(prow) do text[i] = r end
    items[#items + 1] = { kind = "table", name = nil, columns = { "parameter", "value" }, text = text,
                          numeric = { false, false }, caption = "Effective parameters (params.json)",
                          highlight = {} }
  end
  local mrows = {}
  for _, k in ipairs(self.metric_order) do
    local v = self.metrics[k]
    if type(v) ~= "table" then
      mrows[#mrows + 1] = { k, type(v) == "number" and markup.cell_number(v) or tostring(v) }
    end
  end
  if #mrows > 0 then
    items[#items + 1] = { kind = "table", columns = { "metric", "value" }, text = mrows,
                          numeric = { false, true }, caption = "Metrics (metrics.json)", highlight = {} }
  end
  local trows = {}
  for _, t in ipairs(self.timings) do
    trows[#trows + 1] = { t.name, fmt_seconds(t.seconds), t.status or "" }
  end
  trows[#trows + 1] = { "total", fmt_seconds(self.total_seconds), "ok" }
  items[#items + 1] = { kind = "table", columns = { "stage", "seconds", "status" }, text = trows,
                        numeric = { false, true, false }, caption = "Wall time per stage (timings.csv)",
                        highlight = {} }
  return items
end

local function render_md(self, items)
  local out = { "# " .. self.title, "" }
  if self.description then out[#out + 1] = self.description; out[#out + 1] = "" end
  out[#out + 1] = fmt("credo %s, commit %s, %s, seed %s", tostring(self.info.credo_version),
                      self.info.git_commit, self.info.date, tostring(self.seed))
  out[#out + 1] = ""
  for _, it in ipairs(items) do
    if it.kind == "section" then
      out[#out + 1] = "## " .. it.title
      out[#out + 1] = ""
    elseif it.kind == "text" then
      out[#out + 1] = markup.md_shift_headings(it.md, 2)
      out[#out + 1] = ""
    elseif it.kind == "table" then
      if it.number then
        out[#out + 1] = fmt("**Table %d.** %s%s", it.number, it.caption or it.name, paper_tag(it.paper))
        out[#out + 1] = ""
      elseif it.caption then
        out[#out + 1] = "**" .. it.caption .. "**"
        out[#out + 1] = ""
      end
      local head, sep = {}, {}
      for j, c in ipairs(it.columns) do
        head[j] = markup.md_cell(c)
        sep[j] = it.numeric[j] and "---:" or "---"
      end
      out[#out + 1] = "| " .. concat(head, " | ") .. " |"
      out[#out + 1] = "| " .. concat(sep, " | ") .. " |"
      for _, r in ipairs(it.text) do
        local cells = {}
        for j = 1, #it.columns do cells[j] = markup.md_cell(r[j] or "") end
        out[#out + 1] = "| " .. concat(cells, " | ") .. " |"
      end
      out[#out + 1] = ""
      if it.name then
        out[#out + 1] = fmt("(CSV: [%s.csv](%s.csv))", it.name, it.name)
        out[#out + 1] = ""
      end
    elseif it.kind == "figure" then
      out[#out + 1] = fmt("![%s](%s.svg)", markup.md_cell(it.caption or it.name), it.name)
      out[#out + 1] = ""
      out[#out + 1] = fmt("*Figure %d.* %s%s", it.number, it.caption or "", paper_tag(it.paper))
      out[#out + 1] = ""
    end
  end
  return concat(out, "\n")
end

local esc, inline = markup.escape, markup.inline

local function render_html(self, items)
  local out = {
    "<!DOCTYPE html>",
    '<html lang="en">',
    '<head><meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    "<title>" .. esc(self.title) .. " - credo report</title>",
    "<style>" .. CSS .. "</style></head>",
    "<body>",
    "<header><h1>" .. esc(self.title) .. "</h1>",
  }
  out[#out + 1] = fmt('<p class="meta">credo %s &#183; commit <code>%s</code> &#183; %s &#183; seed %s &#183; %d threads</p>',
                      esc(self.info.credo_version), esc(self.info.git_commit), esc(self.info.date),
                      esc(tostring(self.seed)), self.info.threads or 0)
  if self.description then out[#out + 1] = markup.md_to_html(self.description) end
  out[#out + 1] = "</header>"
  local secs = {}
  for _, it in ipairs(items) do
    if it.kind == "section" then secs[#secs + 1] = fmt('<li><a href="#%s">%s</a></li>', it.id, esc(it.title)) end
  end
  if #secs > 1 then
    out[#out + 1] = "<nav><strong>Contents</strong><ol>" .. concat(secs) .. "</ol></nav>"
  end
  out[#out + 1] = "<main>"
  for _, it in ipairs(items) do
    if it.kind == "section" then
      out[#out + 1] = fmt('<h2 id="%s">%s</h2>', it.id, esc(it.title))
    elseif it.kind == "text" then
      out[#out + 1] = markup.md_to_html(it.md)
    elseif it.kind == "table" then
      local t = { it.name and fmt('<div class="table" id="tab-%s">', esc(it.name)) or '<div class="table">' }
      if it.number then
        t[#t + 1] = fmt('<p class="caption"><strong>Table %d.</strong> %s<span class="tag">%s</span>%s</p>',
                        it.number, inline(it.caption or it.name), esc(paper_tag(it.paper)),
                        it.name and fmt(' <a class="tag" href="%s.csv">CSV</a>', esc(it.name)) or "")
      elseif it.caption then
        t[#t + 1] = '<p class="caption">' .. inline(it.caption) .. "</p>"
      end
      t[#t + 1] = "<table>"
      local head = {}
      for j, c in ipairs(it.columns) do
        head[j] = (it.numeric[j] and '<th class="num">' or "<th>") .. esc(c) .. "</th>"
      end
      t[#t + 1] = "<thead><tr>" .. concat(head) .. "</tr></thead><tbody>"
      for i, r in ipairs(it.text) do
        local cells = {}
        for j = 1, #it.columns do
          cells[j] = (it.numeric[j] and '<td class="num">' or "<td>") .. inline(r[j] or "") .. "</td>"
        end
        t[#t + 1] = (it.highlight[i] and '<tr class="hl">' or "<tr>") .. concat(cells) .. "</tr>"
      end
      t[#t + 1] = "</tbody></table></div>"
      out[#out + 1] = concat(t)
    elseif it.kind == "figure" then
      out[#out + 1] = fmt('<figure id="fig-%s">%s<figcaption><strong>Figure %d.</strong> %s<span class="tag">%s</span></figcaption></figure>',
                          esc(it.name), it.svg, it.number, inline(it.caption or ""), esc(paper_tag(it.paper)))
    end
  end
  out[#out + 1] = "</main>"
  out[#out + 1] = fmt("<footer>Written by credo %s. Files: report.md, metrics.json, params.json, timings.csv, one CSV per table, one SVG per figure.</footer>",
                      esc(self.info.credo_version))
  out[#out + 1] = "</body></html>"
  return concat(out, "\n") .. "\n"
end

--- finish() -> out: writes report.md, report.html, metrics.json,
-- params.json and timings.csv into `<out>.partial`, fsyncs it, renames it
-- to `<out>` and returns that path.  The report cannot be changed after.
function Report:finish()
  live(self, "finish")
  if #self.stage_stack > 0 then
    error(fmt("finish: stage '%s' is still running", concat(self.stage_stack, "/")), 2)
  end
  self.total_seconds = self.clock() - self.t0
  local items = {}
  for _, it in ipairs(self.items) do items[#items + 1] = it end
  for _, it in ipairs(run_items(self)) do items[#items + 1] = it end
  local dir = self.dir
  local trow = {}
  for i, t in ipairs(self.timings) do trow[i] = { t.name, t.seconds, t.status } end
  trow[#trow + 1] = { "total", self.total_seconds, "ok" }
  write_atomic(dir, "timings.csv", markup.csv({ "stage", "seconds", "status" }, trow))
  if self.row_use then
    write_atomic(dir, "row_use.csv", table.concat(self.row_use, "\n") .. "\n")
  end
  write_atomic(dir, "metrics.json", markup.json(self.metrics, true))
  write_atomic(dir, "params.json", markup.json(self:params_doc(), true))
  write_atomic(dir, "report.md", render_md(self, items))
  write_atomic(dir, "report.html", render_html(self, items))
  sys().fsync(dir)
  if exists(self.out) then
    error(fmt("finish: '%s' appeared while the run was going; the report stays in '%s'", self.out, dir), 2)
  end
  local ok, err = os.rename(dir, self.out)
  if not ok then error(fmt("finish: cannot rename '%s' to '%s': %s", dir, self.out, tostring(err)), 2) end
  sys().fsync(dirname(self.out))
  self.finished = true
  self.dir = self.out
  return self.out
end

return M
