-- credo.repl: the Lua half of the credo REPL (vm/repl.c is the C half).
--
--   show(...)           the text the REPL prints for an expression's values:
--                       each value through credo.repr, separated by tabs
--   complete(word, env) Tab-completion candidates for `word`, the text
--                       before the cursor back to the last word break
--                       (spaces, operators, brackets; not `.` or `:`)
--
-- complete() is a pure function of its arguments: it walks `a.b.c` through
-- tables with rawget and through metatables whose __index is a table (the
-- methods of io files, of strings, of classes).  When __index is a function
-- (the Tensor's, which also indexes by number), it offers the metatable's
-- __methods table if there is one, else the tables the function holds as
-- upvalues.  It never calls an __index function, a getter or anything else
-- with side effects.  Each
-- candidate is the whole word: "credo.zer" -> "credo.zeros(".  Functions
-- get a trailing "(", other values none; after `:` only functions are
-- offered.  At the top level, globals and Lua keywords are offered.
--
-- What it is not: a parser.  Only dotted names are walked; `f().x`, `t[1].x`
-- and string literals complete nothing.

local repr = require "credo.repr"

local M = {}

local MAX_CHAIN = 16   -- __index tables followed per lookup (cycle guard)

-- The tables where a lookup in v continues after v's own fields, following
-- metatables: __index when it is a table (and then its own __index, ...);
-- when __index is a function, the metatable's __methods table if it has
-- one, else the tables among the function's upvalues (read with
-- debug.getupvalue, never called; their "__" names are skipped).  Returns
-- a list of {table, skip_dunder}.
local function index_tables(v)
  local out, seen = {}, {}
  for _ = 1, MAX_CHAIN do
    local mt = debug.getmetatable(v)
    local index = mt and rawget(mt, "__index")
    if type(index) == "table" then
      if seen[index] then break end
      seen[index] = true
      out[#out + 1] = { index, false }
      v = index
    else
      if type(index) == "function" then
        local methods = rawget(mt, "__methods")
        if type(methods) == "table" then
          out[#out + 1] = { methods, false }
        else
          for i = 1, 255 do
            local name, up = debug.getupvalue(index, i)
            if name == nil then break end
            if type(up) == "table" and up ~= _G then
              out[#out + 1] = { up, true }
            end
          end
        end
      end
      break
    end
  end
  return out
end

local function visible(k, skip_dunder)
  return repr.is_identifier(k) and not (skip_dunder and k:sub(1, 2) == "__")
end

-- v[k] without side effects: raw field, else from index_tables(v).
local function field(v, k)
  if type(v) == "table" then
    local x = rawget(v, k)
    if x ~= nil then return x end
  end
  for _, src in ipairs(index_tables(v)) do
    if visible(k, src[2]) then
      local x = rawget(src[1], k)
      if x ~= nil then return x end
    end
  end
  return nil
end
M.field = field

-- name -> value for every identifier key reachable from v (its own keys
-- shadow those found through its metatable).
local function fields(v)
  local out = {}
  local sources = index_tables(v)
  if type(v) == "table" then table.insert(sources, 1, { v, false }) end
  for _, src in ipairs(sources) do
    for k, x in next, src[1] do
      if visible(k, src[2]) and out[k] == nil then out[k] = x end
    end
  end
  return out
end
M.fields = fields

local function starts(s, prefix)
  return s:sub(1, #prefix) == prefix
end

-- Sorted completions of word in env (default _G).
function M.complete(word, env)
  env = env or _G
  local out = {}
  local head, sep, prefix = word:match("^(.*)([.:])([%w_]*)$")
  if not head then                              -- a bare name
    if word ~= "" and not word:match("^[%a_][%w_]*$") then return out end
    for k, x in pairs(fields(env)) do
      if starts(k, word) then
        out[#out + 1] = k .. (type(x) == "function" and "(" or "")
      end
    end
    for k in pairs(repr.keywords) do
      if starts(k, word) and rawget(env, k) == nil then out[#out + 1] = k end
    end
    table.sort(out)
    return out
  end
  local v = env
  for name in (head .. "."):gmatch("(.-)%.") do
    if not repr.is_identifier(name) then return {} end
    v = field(v, name)
    if v == nil then return {} end
  end
  for k, x in pairs(fields(v)) do
    local callable = type(x) == "function"
    if starts(k, prefix) and (sep == "." or callable) then
      out[#out + 1] = head .. sep .. k .. (callable and "(" or "")
    end
  end
  table.sort(out)
  return out
end

-- The REPL's text for an expression's values (nothing for no values).
function M.show(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do
    parts[i] = repr.repr((select(i, ...)))
  end
  return table.concat(parts, "\t")
end

-- The REPL's `help(x)` (credo.help): a global unless the session already
-- has one.  rawget/rawset, so strict globals do not object.
if rawget(_G, "help") == nil then rawset(_G, "help", require("credo.help")) end

return M
