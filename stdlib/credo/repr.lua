-- credo.repr: a short, readable, deterministic text form of any Lua value,
-- for the REPL and for messages.
--
--   local repr = require "credo.repr"
--   repr({3, 2, x = {1}})            --> {3, 2, x = {1}}
--   repr(t, {depth = 1, items = 5})  -- options, defaults in repr.defaults
--
-- Tables show their array part 1..n in order, then the other keys sorted
-- (numbers, then strings, then booleans, then the rest by tostring), so the
-- same table always prints the same way.  Nesting deeper than `depth`
-- prints as {...}; a table met again while printing itself prints as
-- <cycle>; more than `items` entries end with "...(N more)".  A result
-- longer than `width` is broken over lines indented by two spaces: the
-- array part packed to the width, each keyed entry on its own line.
-- Values whose metatable has __tostring (tensors, layers, frames) print
-- through it; strings are quoted with escapes; functions show where they
-- were defined.
--
-- What it is not: a serializer.  The text is not meant to be read back
-- (use credo.save for that) and long strings are cut.

local M = {}

M.defaults = { depth = 3, items = 40, width = 78, strlen = 200 }

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in
  local nil not or repeat return then true until while]]):gmatch("%a+") do
  KEYWORDS[w] = true
end
M.keywords = KEYWORDS

-- Is s usable as a bare name (x.s, {s = 1})?
function M.is_identifier(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil
    and not KEYWORDS[s]
end

local ESCAPES = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t",
  ["\r"] = "\\r", ["\a"] = "\\a", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\v"] = "\\v",
}

-- A double-quoted Lua literal for s; cut after max bytes, noting the length.
local function quote(s, max)
  local n = #s
  if max and n > max then s = s:sub(1, max) end
  s = s:gsub('[%c"\\]', function(c)
    return ESCAPES[c] or string.format("\\%03d", c:byte())
  end)
  if max and n > max then
    return '"' .. s .. '"...(' .. n .. " bytes)"
  end
  return '"' .. s .. '"'
end
M.quote = quote

local function number(x)
  if x ~= x then return "nan" end
  return tostring(x)
end

local function func(f)
  local info = debug.getinfo(f, "S")
  if not info or info.what == "C" then return "<function [C]>" end
  return "<function " .. info.short_src .. ":" .. info.linedefined .. ">"
end

-- tostring through __tostring, never raising
local function via_tostring(v)
  local ok, s = pcall(tostring, v)
  if ok and type(s) == "string" then return s end
  return "<__tostring failed: " .. tostring(s) .. ">"
end

local TYPE_RANK = { number = 1, string = 2, boolean = 3 }

local function key_less(a, b)
  local ta, tb = type(a), type(b)
  local ra, rb = TYPE_RANK[ta] or 4, TYPE_RANK[tb] or 4
  if ra ~= rb then return ra < rb end
  if ra == 1 or ra == 2 then return a < b end
  if ra == 3 then return (not a) and b end
  return tostring(a) < tostring(b)
end

local render

local function key_text(k, opts)
  if M.is_identifier(k) then return k end
  if type(k) == "string" then return "[" .. quote(k, opts.strlen) .. "]" end
  if type(k) == "number" then return "[" .. number(k) .. "]" end
  return "[" .. render(k, opts, math.huge, "", {}) .. "]"
end

-- Entries of table t as text, array part first; at most opts.items are
-- rendered, the rest counted.
local function entries(t, opts, level, indent, path)
  local out, n, more = {}, 0, 0
  local inner = indent .. "  "
  while rawget(t, n + 1) ~= nil do n = n + 1 end
  for i = 1, n do
    if #out < opts.items then
      out[#out + 1] = render(rawget(t, i), opts, level + 1, inner, path)
    else
      more = more + 1
    end
  end
  local keys = {}
  for k in next, t do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, key_less)
  for _, k in ipairs(keys) do
    if #out < opts.items then
      local key = key_text(k, opts) .. " = "
      out[#out + 1] = key .. render(rawget(t, k), opts, level + 1, inner, path,
                                    #inner + #key)
    else
      more = more + 1
    end
  end
  if more > 0 then out[#out + 1] = "...(" .. more .. " more)" end
  return out, math.min(n, opts.items)
end

local function table_text(t, opts, level, indent, path)
  if next(t) == nil then return "{}" end
  if path[t] then return "<cycle>" end
  if level > opts.depth then return "{...}" end
  path[t] = true
  local items, narray = entries(t, opts, level, indent, path)
  path[t] = nil
  local one = "{" .. table.concat(items, ", ") .. "}"
  if not one:find("\n", 1, true) and #indent + #one <= opts.width then
    return one
  end
  -- broken: the array part packed into lines of at most `width`, every
  -- other entry on its own line
  local inner = indent .. "  "
  local lines, line = {}, nil
  for i, item in ipairs(items) do
    local packable = i <= narray and not item:find("\n", 1, true)
    -- the packed line, with its trailing comma, stays within width
    if packable and line and #inner + #line + 2 + #item + 1 <= opts.width then
      line = line .. ", " .. item
    else
      if line then lines[#lines + 1] = line end
      line = item
    end
    if not packable then
      lines[#lines + 1] = line
      line = nil
    end
  end
  if line then lines[#lines + 1] = line end
  return "{\n" .. inner .. table.concat(lines, ",\n" .. inner) .. "\n"
    .. indent .. "}"
end

-- v as text; level counts table nesting from 1, indent is the indentation
-- of the line v starts on, col the column where v starts (default: #indent;
-- later lines of a multi-line __tostring are shifted to it).
render = function(v, opts, level, indent, path, col)
  local tv = type(v)
  local mt = debug.getmetatable(v)
  if tv ~= "string" and mt and rawget(mt, "__tostring") then
    local s = via_tostring(v)
    if s:find("\n", 1, true) then
      s = s:gsub("\n", "\n" .. (" "):rep(col or #indent))
    end
    return s
  end
  if tv == "string" then return quote(v, opts.strlen) end
  if tv == "number" then return number(v) end
  if tv == "table" then return table_text(v, opts, level, indent, path) end
  if tv == "function" then return func(v) end
  return tostring(v)
end

-- The text form of v.  opts (optional) overrides fields of M.defaults.
function M.repr(v, opts)
  local o = {}
  for k, d in pairs(M.defaults) do
    o[k] = opts and opts[k] ~= nil and opts[k] or d
  end
  return render(v, o, 1, "", {})
end

return setmetatable(M, { __call = function(_, ...) return M.repr(...) end })
