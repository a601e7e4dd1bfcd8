-- json.lua: a small strict JSON decoder (RFC 8259) for test fixtures.
--
--   local json = require "json"
--   local doc = json.decode(text)          -- raises "json: ... at byte N"
--   local doc = json.read("tests/fixtures/linalg.json")
--
-- Objects become tables with string keys, arrays become sequences (1-based;
-- the length is kept in field n so trailing nulls are not lost), null
-- becomes json.null (a unique sentinel), numbers become Lua floats (or
-- integers when written without fraction or exponent and representable).
-- Strict: no comments, no trailing commas, no leading zeros, no NaN, no
-- control characters in strings, nothing after the top-level value.
-- Not an encoder, not streaming.
local json = { null = setmetatable({}, { __tostring = function() return "null" end }) }

local byte, sub, find, char = string.byte, string.sub, string.find, string.char

local function fail(pos, what)
  error(string.format("json: %s at byte %d", what, pos), 0)
end

local function skip(s, i)
  local _, e = find(s, "^[ \t\r\n]*", i)
  return e + 1
end

local escapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b",
                  f = "\f", n = "\n", r = "\r", t = "\t" }

local function utf8char(cp)
  return utf8.char(cp)
end

local decode_value

local function decode_string(s, i)      -- s[i] is the opening quote
  local parts, j = {}, i + 1
  while true do
    local c = byte(s, j)
    if not c then fail(j, "unterminated string") end
    if c == 34 then                      -- "
      return table.concat(parts), j + 1
    elseif c == 92 then                  -- backslash
      local e = sub(s, j + 1, j + 1)
      if escapes[e] then
        parts[#parts + 1] = escapes[e]
        j = j + 2
      elseif e == "u" then
        local hex = sub(s, j + 2, j + 5)
        if not find(hex, "^%x%x%x%x$") then fail(j, "bad \\u escape") end
        local cp = tonumber(hex, 16)
        j = j + 6
        if cp >= 0xD800 and cp <= 0xDBFF then          -- surrogate pair
          local lo = sub(s, j, j + 1) == "\\u" and sub(s, j + 2, j + 5)
          if not (lo and find(lo, "^%x%x%x%x$")) then fail(j, "lone surrogate") end
          local l = tonumber(lo, 16)
          if l < 0xDC00 or l > 0xDFFF then fail(j, "lone surrogate") end
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (l - 0xDC00)
          j = j + 6
        elseif cp >= 0xDC00 and cp <= 0xDFFF then
          fail(j - 6, "lone surrogate")
        end
        parts[#parts + 1] = utf8char(cp)
      else
        fail(j, "bad escape")
      end
    elseif c < 32 then
      fail(j, "control character in string")
    else
      local _, e = find(s, '^[^"\\%c]+', j)
      parts[#parts + 1] = sub(s, j, e)
      j = e + 1
    end
  end
end

local function decode_number(s, i)
  local _, e = find(s, "^-?%d+", i)
  if not e then fail(i, "unexpected character") end
  local int = sub(s, i, e)
  if find(int, "^-?0%d") then fail(i, "leading zero") end
  local isfloat = false
  local _, fe = find(s, "^%.%d+", e + 1)
  if fe then e, isfloat = fe, true
  elseif sub(s, e + 1, e + 1) == "." then fail(e + 1, "bad fraction") end
  local _, xe = find(s, "^[eE][+-]?%d+", e + 1)
  if xe then e, isfloat = xe, true
  elseif find(s, "^[eE]", e + 1) then fail(e + 1, "bad exponent") end
  local text = sub(s, i, e)
  local v = isfloat and tonumber(text) or math.tointeger(tonumber(text))
  if v == nil then v = tonumber(text) + 0.0 end     -- integer out of range
  return v, e + 1
end

local function decode_array(s, i)
  local arr, n = {}, 0
  i = skip(s, i + 1)
  if byte(s, i) == 93 then arr.n = 0 return arr, i + 1 end
  while true do
    local v
    v, i = decode_value(s, i)
    n = n + 1
    arr[n] = v
    i = skip(s, i)
    local c = byte(s, i)
    if c == 93 then arr.n = n return arr, i + 1 end
    if c ~= 44 then fail(i, "expected ',' or ']'") end
    i = skip(s, i + 1)
  end
end

local function decode_object(s, i)
  local obj = {}
  i = skip(s, i + 1)
  if byte(s, i) == 125 then return obj, i + 1 end
  while true do
    if byte(s, i) ~= 34 then fail(i, "expected a string key") end
    local k
    k, i = decode_string(s, i)
    i = skip(s, i)
    if byte(s, i) ~= 58 then fail(i, "expected ':'") end
    local v
    v, i = decode_value(s, skip(s, i + 1))
    obj[k] = v
    i = skip(s, i)
    local c = byte(s, i)
    if c == 125 then return obj, i + 1 end
    if c ~= 44 then fail(i, "expected ',' or '}'") end
    i = skip(s, i + 1)
  end
end

local literals = { t = { "true", true }, f = { "false", false }, n = { "null", json.null } }

function decode_value(s, i)
  local c = sub(s, i, i)
  if c == "{" then return decode_object(s, i)
  elseif c == "[" then return decode_array(s, i)
  elseif c == '"' then return decode_string(s, i)
  elseif literals[c] then
    local word, v = literals[c][1], literals[c][2]
    if sub(s, i, i + #word - 1) ~= word then fail(i, "unexpected character") end
    return v, i + #word
  elseif c == "" then fail(i, "unexpected end of input")
  end
  return decode_number(s, i)
end

function json.decode(s)
  assert(type(s) == "string", "json.decode expects a string")
  local v, i = decode_value(s, skip(s, 1))
  i = skip(s, i)
  if i <= #s then fail(i, "trailing characters") end
  return v
end

function json.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return json.decode(s)
end

-- A decoded JSON array (which carries its length in .n, so null entries
-- keep their place) as a plain Lua list.
function json.list(a)
  local t = {}
  for i = 1, a.n do t[i] = a[i] end
  return t
end

-- A decoded array of arrays as a 2-d credo tensor (float64 unless dtype):
-- how the specs read the peer libraries' fixtures.
function json.matrix(rows, dtype)
  local t = {}
  for i = 1, rows.n do t[i] = json.list(rows[i]) end
  return require("credo").tensor(t, dtype or "float64")
end

return json
