-- credo.report.markup: the text formats a report is written in: JSON
-- (metrics.json, params.json), CSV (one file per table), a small Markdown
-- subset turned into HTML (report.html), and number formatting for tables.
--
-- Not a general Markdown implementation (see md_to_html for the subset),
-- not a JSON parser, not a CSV reader: credo.csv reads CSV.
local M = {}

local fmt, concat, floor, huge = string.format, table.concat, math.floor, math.huge

-- ---------------------------------------------------------------- numbers

-- The shortest "%.Ng" text that reads back as the same double.
function M.shortest(x)
  for d = 15, 17 do
    local s = fmt("%." .. d .. "g", x)
    if tonumber(s) == x then return s end
  end
  return fmt("%.17g", x)
end

-- A table cell: whole numbers as integers (unless `decimals`, for a column
-- that also holds fractions); else `digits` (4) decimals, one decimal from
-- 1000 on, 4 significant digits from 1e6 on, and 3 significant digits in
-- scientific notation below 10^-(digits-1).
function M.cell_number(x, digits, decimals)
  digits = digits or 4
  if x ~= x then return "NaN" end
  if x == huge then return "inf" end
  if x == -huge then return "-inf" end
  local a = math.abs(x)
  if not decimals and x == floor(x) and a < 1e15 then return fmt("%d", x) end
  if a >= 1e6 then return fmt("%.4g", x) end
  if a >= 1000 then return fmt("%.1f", x) end
  if a < 10 ^ -(digits - 1) then return fmt("%.3g", x) end
  return fmt("%." .. digits .. "f", x)
end

-- ---------------------------------------------------------------- JSON

local JESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
               ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function jstring(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return JESC[c] or fmt("\\u%04x", c:byte())
  end) .. '"'
end

local function is_tensor(v)
  local mt = type(v) == "userdata" and getmetatable(v)
  return type(mt) == "table" and mt.__name == "credo.Tensor"
end

-- JSON text of a Lua value, indented by two spaces per level.  Tables
-- with keys 1..n are arrays, others objects with keys sorted (keys must
-- be strings or numbers, written as strings); an empty table is {}.  NaN
-- and infinities have no JSON form and are written as null.  Tensors are
-- written as nested arrays.  Cycles, functions and other types are errors.
function M.json(v, indent)
  local out = {}
  local seen = {}
  local function enc(x, depth)
    local t = type(x)
    if is_tensor(x) then x, t = x:totable(), "table" end
    if x == nil then out[#out + 1] = "null"
    elseif t == "boolean" then out[#out + 1] = tostring(x)
    elseif t == "number" then
      if x ~= x or x == huge or x == -huge then out[#out + 1] = "null"
      elseif math.type(x) == "integer" then out[#out + 1] = fmt("%d", x)
      else
        local s = M.shortest(x)
        if not s:find("[.eEn]") then s = s .. ".0" end
        out[#out + 1] = s
      end
    elseif t == "string" then out[#out + 1] = jstring(x)
    elseif t == "table" then
      if seen[x] then error("json: cannot encode a cycle", 0) end
      seen[x] = true
      local n = #x
      local count = 0
      for _ in pairs(x) do count = count + 1 end
      local pad = indent and ("\n" .. (" "):rep(2 * (depth + 1))) or ""
      local close = indent and ("\n" .. (" "):rep(2 * depth)) or ""
      if count == 0 then
        out[#out + 1] = "{}"
      elseif n == count then
        out[#out + 1] = "["
        for i = 1, n do
          if i > 1 then out[#out + 1] = "," end
          out[#out + 1] = pad
          enc(x[i], depth + 1)
        end
        out[#out + 1] = close .. "]"
      else
        local keys = {}
        for k in pairs(x) do
          if type(k) ~= "string" and type(k) ~= "number" then
            error("json: cannot encode a key of type " .. type(k), 0)
          end
          keys[#keys + 1] = k
        end
        table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
        out[#out + 1] = "{"
        for i, k in ipairs(keys) do
          if i > 1 then out[#out + 1] = "," end
          out[#out + 1] = pad .. jstring(tostring(k)) .. (indent and ": " or ":")
          enc(x[k], depth + 1)
        end
        out[#out + 1] = close .. "}"
      end
      seen[x] = nil
    else
      error("json: cannot encode a " .. t, 0)
    end
  end
  enc(v, 0)
  return concat(out) .. (indent and "\n" or "")
end

-- ---------------------------------------------------------------- CSV

-- One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line
-- break or leading/trailing blanks; numbers at full precision.
function M.csv_field(v)
  if v == nil then return "" end
  if type(v) == "number" then
    if v ~= v then return "NaN" end
    if v == huge then return "inf" end
    if v == -huge then return "-inf" end
    if math.type(v) == "integer" then return fmt("%d", v) end
    return M.shortest(v)
  end
  local s = tostring(v)
  if s:find('[,"\r\n]') or s:find("^%s") or s:find("%s$") then
    s = '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

function M.csv(columns, rows)
  local out = {}
  local line = {}
  for j, c in ipairs(columns) do line[j] = M.csv_field(c) end
  out[1] = concat(line, ",")
  for i, r in ipairs(rows) do
    line = {}
    for j = 1, #columns do line[j] = M.csv_field(r[j]) end
    out[i + 1] = concat(line, ",")
  end
  return concat(out, "\n") .. "\n"
end

-- ---------------------------------------------------------------- HTML

local HESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }
function M.escape(s)
  s = tostring(s):gsub("[%z\1-\8\11\12\14-\31\127]", "")
  return (s:gsub("[&<>\"']", HESC))
end

-- Whether the tags we emit (strong, em, code, a) nest properly in s.
local function balanced(s)
  local stack = {}
  for close, name in s:gmatch("<(/?)(%a+)[^>]*>") do
    if close == "" then stack[#stack + 1] = name
    else
      if stack[#stack] ~= name then return false end
      stack[#stack] = nil
    end
  end
  return #stack == 0
end

local function safe_url(u)
  -- only web links and relative paths: no javascript: or data: URLs
  local scheme = u:match("^(%a[%w+.-]*):")
  return scheme == nil or scheme == "http" or scheme == "https"
end

local function emphasis(t)       -- t is escaped text without code spans
  t = t:gsub("%[([^%]]+)%]%(([^%)%s]+)%)", function(txt, url)
    if not safe_url(url) then return nil end
    return '<a href="' .. url .. '">' .. txt .. "</a>"
  end)
  t = t:gsub("%*%*([^%*]-[^%*%s])%*%*", "<strong>%1</strong>")
  t = t:gsub("%*([^%*%s][^%*]-)%*", "<em>%1</em>")
  return t
end

-- Inline Markdown to HTML: `code`, **strong**, *em*, [text](url) (http,
-- https or relative); everything else is escaped text.  Markup that would
-- not nest properly is left as plain text.
function M.inline(s)
  s = tostring(s)
  local out, i = {}, 1
  while true do
    local a, b = s:find("`[^`]+`", i)
    if not a then
      out[#out + 1] = emphasis(M.escape(s:sub(i)))
      break
    end
    out[#out + 1] = emphasis(M.escape(s:sub(i, a - 1)))
    out[#out + 1] = "<code>" .. M.escape(s:sub(a + 1, b - 1)) .. "</code>"
    i = b + 1
  end
  local h = concat(out)
  if not balanced(h) then return M.escape(s) end
  return h
end

-- Markdown blocks to HTML.  The subset: paragraphs (blank-line separated),
-- headings `#`..`####` (rendered two levels down: `#` is <h3>, since the
-- report's sections are <h2>), lists `- `/`* `/`+ ` and `1. ` (indented
-- lines continue an item), `> ` quotes, fenced ``` code blocks, and the
-- inline markup above.  No tables (use report:table), no raw HTML (it is
-- escaped), no nested lists.
function M.md_to_html(md)
  local lines = {}
  for l in (tostring(md) .. "\n"):gmatch("(.-)\r?\n") do lines[#lines + 1] = l end
  local out, para, list, quote = {}, {}, nil, {}
  local function flush_para()
    if #para > 0 then out[#out + 1] = "<p>" .. M.inline(concat(para, " ")) .. "</p>" end
    para = {}
  end
  local function flush_list()
    if list then
      local items = {}
      for _, it in ipairs(list.items) do items[#items + 1] = "<li>" .. M.inline(it) .. "</li>" end
      out[#out + 1] = "<" .. list.tag .. ">" .. concat(items) .. "</" .. list.tag .. ">"
      list = nil
    end
  end
  local function flush_quote()
    if #quote > 0 then out[#out + 1] = "<blockquote><p>" .. M.inline(concat(quote, " ")) .. "</p></blockquote>" end
    quote = {}
  end
  local function flush_all() flush_para(); flush_list(); flush_quote() end
  local i = 1
  while i <= #lines do
    local l = lines[i]
    if l:match("^%s*```") then
      flush_all()
      local code = {}
      i = i + 1
      while i <= #lines and not lines[i]:match("^%s*```") do
        code[#code + 1] = lines[i]
        i = i + 1
      end
      out[#out + 1] = "<pre><code>" .. M.escape(concat(code, "\n")) .. "</code></pre>"
    elseif l:match("^%s*$") then
      flush_all()
    elseif l:match("^#+%s") then
      flush_all()
      local h, t = l:match("^(#+)%s+(.-)%s*#*%s*$")
      local lv = math.min(6, #h + 2)
      out[#out + 1] = fmt("<h%d>%s</h%d>", lv, M.inline(t), lv)
    elseif l:match("^%s*[-*+]%s+") or l:match("^%s*%d+[.)]%s+") then
      flush_para(); flush_quote()
      local tag = l:match("^%s*[-*+]%s+") and "ul" or "ol"
      local item = l:gsub("^%s*[-*+]%s+", ""):gsub("^%s*%d+[.)]%s+", "")
      if list and list.tag ~= tag then flush_list() end
      list = list or { tag = tag, items = {} }
      list.items[#list.items + 1] = item
    elseif l:match("^>") then
      flush_para(); flush_list()
      quote[#quote + 1] = (l:gsub("^>%s?", ""))
    elseif list and l:match("^%s+%S") then
      list.items[#list.items] = list.items[#list.items] .. " " .. l:gsub("^%s+", "")
    else
      flush_list(); flush_quote()
      para[#para + 1] = l
    end
    i = i + 1
  end
  flush_all()
  return concat(out, "\n")
end

-- Markdown with every heading (outside fenced code) moved `by` levels
-- down (at most ######), so a text's "# Results" sits under its section.
function M.md_shift_headings(md, by)
  local out, code = {}, false
  for l in (tostring(md) .. "\n"):gmatch("(.-)\n") do
    if l:match("^%s*```") then code = not code
    elseif not code and l:match("^#+%s") then
      local h = l:match("^#+")
      l = ("#"):rep(math.min(6, #h + by)) .. l:sub(#h + 1)
    end
    out[#out + 1] = l
  end
  return concat(out, "\n")
end

-- A Markdown table cell: pipes escaped, line breaks as spaces.
function M.md_cell(s)
  return (tostring(s):gsub("[\r\n]+", " "):gsub("|", "\\|"))
end

return M
