-- credo.help: `help(x)` for the REPL and for scripts: the reference text of
-- a module, function, class or model, read from the docs/ pages.
--
--   help()                     what there is: the reference pages
--   help(credo.prep)           a module: its page's opening and its sections
--   help(credo.nn.fit)         a function: its section
--   help("StandardScaler")     a name (or words of a title): the section
--   help(model)                a model or class: its section, then its
--                              parameters (current value, default, range)
--
-- The docs are the one source of the reference: help() shows their
-- sections, it does not keep a second copy.  A section is a heading of
-- docs/*.md whose backticked names (`nn.fit(...)`, `SMOTE { ... }`) or
-- title words match, with the text down to the next heading of the same or
-- a higher level.  Values are found by name with a reverse lookup through
-- the loaded credo modules (rawget only: help never triggers a lazy load
-- or a getter).
--
-- The docs folder is looked for at $CREDO_DOCS, beside the stdlib in a
-- source tree (stdlib/../docs) and under an installed prefix
-- (share/lua/5.4/../../doc/credo).  What it is not: a Markdown renderer;
-- the text prints as written.

local M = {}

M.max_lines = 60   -- a longer section is cut, with where to read the rest

-- The reference pages, in the order help() lists them.
local PAGES = {
  "guide", "design", "host", "tensor", "tensor-reduce", "linalg", "random",
  "frame", "serialize", "nn", "nn-recurrent", "optim", "fit", "forest",
  "gbdt", "linear", "svm", "neighbors", "mlp", "prep", "sampling", "metrics",
  "pso", "tune", "ensemble", "rl", "reports", "results", "benchmarks",
}

local function readable(path)
  local f = io.open(path, "r")
  if f then f:close() return true end
  return false
end

local function here()
  local src = debug.getinfo(1, "S").source
  return src:sub(1, 1) == "@" and src:sub(2):match("^(.*)/[^/]*$") or "."
end

local docs_dir_cache
function M.docs_dir()
  if docs_dir_cache then return docs_dir_cache end
  local dir = here()                                 -- .../credo
  local candidates = {
    os.getenv("CREDO_DOCS") or false,
    dir .. "/../../docs",                            -- stdlib/credo -> docs
    dir .. "/../../../doc/credo",                    -- share/lua/5.4/credo
  }
  for _, c in ipairs(candidates) do
    if c and readable(c .. "/design.md") then
      docs_dir_cache = c
      return c
    end
  end
  return nil
end

-- ---- the index of sections ----

local index          -- list of sections {page, line, level, title, names, text}

local function strip_credo(name)
  return (name:gsub("^credo%.", ""))
end

-- Names in a heading: the leading dotted identifier of each `code span`.
local function heading_names(title)
  local names = {}
  for code in title:gmatch("`([^`]+)`") do
    local name = code:match("^([%a_][%w_%.:]*)")
    if name then
      names[#names + 1] = strip_credo(name)
      local last = name:match("[%.:]([%a_][%w_]*)$")
      if last then names[#names + 1] = last end
    end
  end
  return names
end

local function load_page(dir, page)
  local f = io.open(dir .. "/" .. page .. ".md", "r")
  if not f then return nil end
  local lines = {}
  for l in f:lines() do lines[#lines + 1] = l end
  f:close()
  return lines
end

local function build_index()
  if index then return index end
  index = {}
  local dir = M.docs_dir()
  if not dir then return index end
  for _, page in ipairs(PAGES) do
    local lines = load_page(dir, page)
    if lines then
      local fence = false
      local heads = {}
      for i, l in ipairs(lines) do
        if l:match("^```") then fence = not fence end
        local hashes, title = l:match("^(#+)%s+(.*)$")
        if hashes and not fence then
          heads[#heads + 1] = { page = page, line = i, level = #hashes,
                                title = title, names = heading_names(title) }
        end
      end
      for k, h in ipairs(heads) do
        local stop = #lines
        for j = k + 1, #heads do
          if heads[j].level <= h.level then stop = heads[j].line - 1 break end
        end
        h.first, h.last, h.lines = h.line, stop, lines
        index[#index + 1] = h
      end
    end
  end
  return index
end

-- ---- finding a value's name ----

local function is_tensor(v)
  local mt = debug.getmetatable(v)
  return type(v) == "userdata" and mt and mt.__name == "credo.Tensor"
end

-- "nn.fit" for credo.nn.fit: a breadth-first walk (depth 3) over the
-- loaded credo tables, rawget only.
local function name_of(v)
  local roots = {}
  local credo = package.loaded["credo"]
  if type(credo) == "table" then roots[#roots + 1] = { "", credo } end
  for modname, mod in pairs(package.loaded) do
    if type(mod) == "table" and modname:match("^credo%.") then
      roots[#roots + 1] = { strip_credo(modname) .. ".", mod }
      if mod == v then return strip_credo(modname) end
    end
  end
  table.sort(roots, function(a, b) return #a[1] < #b[1] end)
  local seen = {}
  local queue = {}
  for _, r in ipairs(roots) do queue[#queue + 1] = { r[1], r[2], 0 } end
  local qi = 1
  while qi <= #queue do
    local prefix, t, depth = queue[qi][1], queue[qi][2], queue[qi][3]
    qi = qi + 1
    if not seen[t] then
      seen[t] = true
      local keys = {}
      for k in next, t do
        if type(k) == "string" then keys[#keys + 1] = k end
      end
      table.sort(keys)
      for _, k in ipairs(keys) do
        local x = rawget(t, k)
        if x == v then return prefix .. k end
      end
      if depth < 2 then
        for _, k in ipairs(keys) do
          local x = rawget(t, k)
          if type(x) == "table" and not k:match("^_") then
            queue[#queue + 1] = { prefix .. k .. ".", x, depth + 1 }
          end
        end
      end
    end
  end
  return nil
end

-- ---- lookup ----

local function by_name(name)
  name = strip_credo(name)
  local last = name:match("[%.:]([%a_][%w_]*)$")
  local exact, partial = {}, {}
  for _, h in ipairs(build_index()) do
    for _, n in ipairs(h.names) do
      if n == name then exact[#exact + 1] = h break end
      if last and n == last then partial[#partial + 1] = h break end
    end
  end
  if #exact > 0 then return exact end
  return partial
end

local function by_words(words)
  local out = {}
  local pat = words:lower()
  for _, h in ipairs(build_index()) do
    local plain = h.title:lower():gsub("`", "")
    if plain:find(pat, 1, true) then out[#out + 1] = h end
  end
  return out
end

local function page_of_module(modname)
  local want = "`credo." .. modname .. "`"
  for _, h in ipairs(build_index()) do
    if h.level == 1 and h.title:find(want, 1, true) then return h end
  end
  return nil
end

-- ---- printing ----

local function emit(out, s) out[#out + 1] = s end

local function section_text(out, h, max_lines)
  local n = 0
  for i = h.first, h.last do
    n = n + 1
    if n > max_lines then
      emit(out, ("... (%d more lines: docs/%s.md, line %d)"):format(
        h.last - i + 1, h.page, i))
      return
    end
    emit(out, h.lines[i])
  end
  while out[#out] == "" do out[#out] = nil end
  emit(out, ("(docs/%s.md, line %d)"):format(h.page, h.line))
end

local function outline(out, h)
  -- a page: its title and opening paragraph, then its section titles
  emit(out, h.lines[h.first])
  for i = h.first + 1, h.last do
    local l = h.lines[i]
    if l:match("^#") then break end
    emit(out, l)
    if i > h.first + 20 then break end
  end
  emit(out, "Sections (help(\"<words of a title>\") shows one):")
  for _, s in ipairs(build_index()) do
    if s.page == h.page and s.level == 2 then emit(out, "  " .. s.title) end
  end
  emit(out, ("(docs/%s.md)"):format(h.page))
end

local function describe_spec(spec)
  local parts = {}
  if spec.enum then
    local e = {}
    for i, v in ipairs(spec.enum) do e[i] = tostring(v) end
    parts[#parts + 1] = "one of " .. table.concat(e, ", ")
  elseif spec.type then
    parts[#parts + 1] = type(spec.type) == "table" and table.concat(spec.type, " or ")
                        or tostring(spec.type)
  end
  if spec.min ~= nil then parts[#parts + 1] = ">= " .. tostring(spec.min) end
  if spec.gt ~= nil then parts[#parts + 1] = "> " .. tostring(spec.gt) end
  if spec.max ~= nil then parts[#parts + 1] = "<= " .. tostring(spec.max) end
  if spec.lt ~= nil then parts[#parts + 1] = "< " .. tostring(spec.lt) end
  return table.concat(parts, ", ")
end

local function show_value(v)
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) == "table" then
    local parts = {}
    for i = 1, #v do parts[i] = show_value(v[i]) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end

local function params_table(out, cls, model)
  local spec = rawget(cls, "__params")
  if type(spec) ~= "table" then return end
  local keys = {}
  for k in pairs(spec) do keys[#keys + 1] = k end
  table.sort(keys)
  emit(out, "")
  emit(out, ("Parameters of %s%s:"):format(cls.__name, model and " (this model's values)" or ""))
  local w = 4
  for _, k in ipairs(keys) do w = math.max(w, #k) end
  for _, k in ipairs(keys) do
    local s = spec[k]
    local value = model and model.params_ and model.params_[k]
    if value == nil then value = s.default end
    local line = ("  %-" .. w .. "s = %-14s %s"):format(k, show_value(value), describe_spec(s))
    if model and value ~= s.default and type(value) ~= "table" then
      line = line .. "  (default " .. show_value(s.default) .. ")"
    end
    if s.doc then line = line .. "  -- " .. s.doc end
    emit(out, line)
  end
  if model then
    emit(out, rawget(model, "state_") and "Fitted." or "Not fitted (call fit).")
  end
end

local function overview(out)
  emit(out, "help(x): the reference of a module, function, class or model, or help(\"name\").")
  emit(out, "Reference pages:")
  for _, h in ipairs(build_index()) do
    if h.level == 1 then emit(out, ("  %-14s %s"):format(h.page, h.title)) end
  end
end

-- The text help(x) prints (without printing it).
function M.text(x, opts)
  local max_lines = (opts and opts.max_lines) or M.max_lines
  local out = {}
  if not M.docs_dir() then
    return "help: the docs folder was not found (set CREDO_DOCS to the folder holding design.md)"
  end
  if x == nil then
    overview(out)
    return table.concat(out, "\n")
  end
  local mt = type(x) == "table" and getmetatable(x)
  local cls, model
  if type(x) == "table" and rawget(x, "__params") and rawget(x, "__name") then
    cls = x
  elseif mt and rawget(mt, "__params") and rawget(mt, "__name") then
    cls, model = mt, x
  end
  local hits, what
  if cls then
    what = cls.__name
    hits = by_name(what)
  elseif type(x) == "string" then
    what = x
    hits = by_name(x)
    if #hits == 0 then
      local mod = page_of_module(strip_credo(x))
      if mod then outline(out, mod) return table.concat(out, "\n") end
      hits = by_words(x)
    end
  elseif is_tensor(x) then
    what = "Tensor"
    hits = by_words("tensors: creation")
  else
    local name = name_of(x)
    if name then
      what = name
      local mod = type(x) == "table" and page_of_module(name)
      if mod then outline(out, mod) return table.concat(out, "\n") end
      hits = by_name(name)
    else
      what = tostring(x)
      hits = {}
    end
  end
  -- a page title naming the thing is less precise than a section on it
  local deeper = {}
  for _, h in ipairs(hits) do
    if h.level > 1 then deeper[#deeper + 1] = h end
  end
  if #deeper > 0 then hits = deeper end
  if #hits == 1 and hits[1].level == 1 and not cls then
    outline(out, hits[1])
    return table.concat(out, "\n")
  end
  if #hits == 0 then
    emit(out, ("help: no reference section for %s (help() lists the pages)"):format(what))
  elseif #hits == 1 or cls then
    section_text(out, hits[1], max_lines)
  else
    emit(out, ("%d sections match %s:"):format(#hits, what))
    for _, h in ipairs(hits) do
      emit(out, ("  %-60s docs/%s.md:%d"):format(h.title:sub(1, 60), h.page, h.line))
    end
    emit(out, "help(\"<more words of the title>\") shows one")
  end
  if cls then params_table(out, cls, model) end
  return table.concat(out, "\n")
end

function M.help(x, opts)
  print(M.text(x, opts))
end

setmetatable(M, { __call = function(_, x, opts) return M.help(x, opts) end })

return M
