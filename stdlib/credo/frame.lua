-- frame.lua: the Frame, credo's data frame: named columns of equal length,
-- each either numeric (a 1-D tensor, float64 when read from CSV, NaN =
-- missing) or categorical ({codes = int64 tensor, levels = {...}}: codes
-- 1..#levels index the bytewise-sorted levels, 0 = missing).
--
--   local df = credo.read_csv("data/credit_data.csv")
--   print(df)                       -- shape and the first rows, aligned
--   df:describe()                   -- one row of statistics per column
--   local X = df:drop{"Status"}:dropna():to_tensor(nil, "float64",
--                                                  {categorical = "codes"})
--
-- Column work is done by the natives of credo.csv (take, which, stats,
-- factorize, count_codes, ...), never by Lua loops over rows, except in
-- filter(function) which calls Lua once per row by design.
--
-- What it is not: not pandas (no row index, no joins, no group-by
-- aggregates other than counts, no dates), and not a mutable table of
-- cells: columns are shared between frames derived with select/drop, so
-- treat a column as immutable and build a new one with add().  See
-- docs/frame.md for every choice.
local core = require "credo.core"
local csv = core.csv

local Frame = {}
local methods = {}
Frame.methods = methods

local function is_tensor(x) return type(x) == "userdata" end
local function is_cat(x) return type(x) == "table" end

local function argerror(n, op, msg)
  error(("bad argument #%d to '%s' (%s)"):format(n, op, msg), 3)
end

-- Frame metatable: methods first, then columns by name (df.Income), so a
-- column named like a method ("filter") is reachable only with df:col().
Frame.__index = function(self, k)
  local m = methods[k]
  if m ~= nil then return m end
  local cols = rawget(self, "_cols")
  return cols and cols[k]
end
Frame.__name = "credo.Frame"

-- Length of a column, or nil if it is not one.
local function col_len(c)
  if is_tensor(c) then
    local ok, n = pcall(csv.len, c)
    return ok and n or nil
  elseif is_cat(c) and is_tensor(c.codes) and type(c.levels) == "table" then
    local ok, n = pcall(csv.len, c.codes)
    if ok and csv.dtype(c.codes) == "int64" then return n end
  end
  return nil
end

-- A categorical column from a list of strings (nil = missing), n rows;
-- levels sorted bytewise.
local function categorical_from_strings(list, n)
  local seen, levels = {}, {}
  for i = 1, n do
    local s = list[i]
    if s ~= nil and not seen[s] then seen[s] = true; levels[#levels + 1] = s end
  end
  table.sort(levels)
  local code = {}
  for k, s in ipairs(levels) do code[s] = k end
  local codes = {}
  for i = 1, n do
    local s = list[i]
    codes[i] = s == nil and 0 or code[s]
  end
  return { codes = csv.fromlist(codes, "int64", n), levels = levels }
end

-- Turn a value given to add()/new() into a column of n rows (n may be nil
-- for the first column), or raise naming argument arg of op.
local function to_column(v, n, op, arg, name)
  if is_tensor(v) or (is_cat(v) and v.codes ~= nil) then
    local len = col_len(v)
    if not len then
      argerror(arg, op, ("column '%s' must be a 1-D tensor or {codes = int64 "
        .. "tensor, levels = {strings}}"):format(name))
    end
    if n and len ~= n then
      argerror(arg, op, ("column '%s' has %d rows, the frame has %d"):format(name, len, n))
    end
    if is_cat(v) then
      for k, s in ipairs(v.levels) do
        if type(s) ~= "string" then
          argerror(arg, op, ("column '%s': level %d is not a string"):format(name, k))
        end
      end
      local ok, err = pcall(csv.count_codes, v.codes, #v.levels)
      if not ok then
        argerror(arg, op, ("column '%s': %s"):format(name, tostring(err):match("%((.*)%)$") or err))
      end
    end
    return v
  elseif type(v) == "table" then
    -- a list's length: v.n when set (table.pack), else its largest index
    -- (a nil inside is a missing value; trailing nils need v.n)
    local last = 0
    for k in pairs(v) do
      if math.type(k) == "integer" and k > last then last = k end
    end
    if v.n ~= nil then
      if math.type(v.n) ~= "integer" or v.n < last then
        argerror(arg, op, ("column '%s': field n must be an integer >= its largest index %d"):format(name, last))
      end
      last = v.n
    end
    if n and last > n then
      argerror(arg, op, ("column '%s' has %d elements, the frame has %d rows"):format(name, last, n))
    end
    local len = n or last
    local kind
    for i = 1, len do
      local x = v[i]
      local t = type(x)
      if t ~= "nil" then
        if t ~= "number" and t ~= "string" then
          argerror(arg, op, ("column '%s': element %d is a %s (numbers or strings expected)")
            :format(name, i, t))
        end
        if kind and kind ~= t then
          argerror(arg, op, ("column '%s' mixes numbers and strings"):format(name))
        end
        kind = t
      end
    end
    if kind == "string" then return categorical_from_strings(v, len) end
    return csv.fromlist(v, "float64", len)
  end
  argerror(arg, op, ("column '%s' must be a tensor, a categorical table or a list"):format(name))
end

local function new_frame(names, cols, n)
  return setmetatable({ _names = names, _cols = cols, _n = n }, Frame)
end

--- Frame.new([names, columns]): columns is a list aligned with names or a
-- table name -> column; each a 1-D tensor, a categorical table or a Lua
-- list of numbers / strings (nil = missing).
function Frame.new(names, columns)
  local df = new_frame({}, {}, 0)
  if names == nil then return df end
  if type(names) ~= "table" then argerror(1, "Frame.new", "names must be a list of strings") end
  columns = columns or {}
  local by_name = columns[1] == nil and next(columns) ~= nil
  for i, name in ipairs(names) do
    local c
    if by_name then c = columns[name] else c = columns[i] end
    if c == nil then argerror(2, "Frame.new", ("no column given for '%s'"):format(tostring(name))) end
    df:add(name, c)
  end
  return df
end

--- read_csv(path [, opts]) -> Frame (options: see credo.csv.read in
-- docs/frame.md).
function Frame.read_csv(path, opts)
  local cols, names = csv.read(path, opts)
  local n = 0
  if #cols > 0 then n = col_len(cols[1]) end
  local map = {}
  for i, name in ipairs(names) do map[name] = cols[i] end
  return new_frame(names, map, n)
end

function methods:nrow() return self._n end
function methods:ncol() return #self._names end
--- shape() -> nrow, ncol
function methods:shape() return self._n, #self._names end
function methods:names() return table.move(self._names, 1, #self._names, 1, {}) end
function methods:has(name) return self._cols[name] ~= nil end

local function check_name(self, name, op, arg)
  local c = self._cols[name]
  if c == nil then
    argerror(arg or 1, op, ("no column named '%s'"):format(tostring(name)))
  end
  return c
end

--- col(name) -> the column (tensor or categorical table), shared, not a copy
function methods:col(name) return check_name(self, name, "col") end

--- dtype(name) -> "float64" | "float32" | "int64" | "category"
function methods:dtype(name)
  local c = check_name(self, name, "dtype")
  return is_cat(c) and "category" or csv.dtype(c)
end

function methods:is_categorical(name)
  return is_cat(check_name(self, name, "is_categorical"))
end

--- level_names(name) -> copy of the levels of a categorical column
function methods:level_names(name)
  local c = check_name(self, name, "level_names")
  if not is_cat(c) then argerror(1, "level_names", ("column '%s' is not categorical"):format(name)) end
  return table.move(c.levels, 1, #c.levels, 1, {})
end

--- columns() -> iterator over name, column in order
function methods:columns()
  local i = 0
  return function()
    i = i + 1
    local name = self._names[i]
    if name ~= nil then return name, self._cols[name] end
  end
end

--- add(name, column) -> self: append a column, or replace the one with that
-- name in place.
function methods:add(name, v)
  if type(name) ~= "string" then argerror(1, "add", "column name must be a string") end
  local first = #self._names == 0
  local c = to_column(v, (not first) and self._n or nil, "add", 2, name)
  if self._cols[name] == nil then self._names[#self._names + 1] = name end
  self._cols[name] = c
  if first then self._n = col_len(c) end
  return self
end

--- rename(old, new) -> self
function methods:rename(old, new)
  local c = check_name(self, old, "rename")
  if type(new) ~= "string" then argerror(2, "rename", "new name must be a string") end
  if new == old then return self end
  if self._cols[new] ~= nil then argerror(2, "rename", ("a column named '%s' exists"):format(new)) end
  for i, n in ipairs(self._names) do if n == old then self._names[i] = new end end
  self._cols[old] = nil
  self._cols[new] = c
  return self
end

local function name_list(self, names, op)
  if type(names) == "string" then names = { names } end
  if type(names) ~= "table" then argerror(1, op, "expected a list of column names") end
  for _, name in ipairs(names) do check_name(self, name, op) end
  return names
end

--- select(names) -> new Frame with those columns in that order (shared)
function methods:select(names)
  names = name_list(self, names, "select")
  local cols, out = {}, {}
  for _, name in ipairs(names) do
    if cols[name] == nil then out[#out + 1] = name end
    cols[name] = self._cols[name]
  end
  return new_frame(out, cols, self._n)
end

--- drop(names) -> new Frame without those columns (shared)
function methods:drop(names)
  names = name_list(self, names, "drop")
  local gone = {}
  for _, name in ipairs(names) do gone[name] = true end
  local cols, out = {}, {}
  for _, name in ipairs(self._names) do
    if not gone[name] then out[#out + 1] = name; cols[name] = self._cols[name] end
  end
  return new_frame(out, cols, self._n)
end

-- New frame with rows idx (int64 tensor of 1-based indices) of every column.
local function take_rows(self, idx)
  local cols = {}
  for _, name in ipairs(self._names) do
    local c = self._cols[name]
    if is_cat(c) then
      cols[name] = { codes = csv.take(c.codes, idx), levels = c.levels }
    else
      cols[name] = csv.take(c, idx)
    end
  end
  return new_frame(table.move(self._names, 1, #self._names, 1, {}), cols, csv.len(idx))
end

local function slice_rows(self, a, b)
  local cols = {}
  for _, name in ipairs(self._names) do
    local c = self._cols[name]
    if is_cat(c) then
      cols[name] = { codes = csv.slice(c.codes, a, b), levels = c.levels }
    else
      cols[name] = csv.slice(c, a, b)
    end
  end
  return new_frame(table.move(self._names, 1, #self._names, 1, {}), cols, b - a + 1)
end

--- rows(idx) -> new Frame with rows idx (1-based int64 tensor or Lua list),
-- in that order, repeats allowed
function methods:rows(idx)
  if type(idx) == "table" then
    local ok, t = pcall(csv.fromlist, idx, "int64")
    if not ok then argerror(1, "rows", "indices must be integers") end
    idx = t
  end
  if not is_tensor(idx) or csv.dtype(idx) ~= "int64" then
    argerror(1, "rows", "expected an int64 tensor of 1-based row indices")
  end
  if #self._names == 0 then
    if csv.len(idx) > 0 then argerror(1, "rows", "the frame has no rows") end
    return new_frame({}, {}, 0)
  end
  local ok, r = pcall(take_rows, self, idx)
  if not ok then argerror(1, "rows", tostring(r):match("%((.*)%)$") or tostring(r)) end
  return r
end

--- head([n = 5]) / tail([n = 5]) -> new Frame with the first / last n rows
function methods:head(n)
  n = n or 5
  if math.type(n) ~= "integer" or n < 0 then argerror(1, "head", "n must be an integer >= 0") end
  return slice_rows(self, 1, math.min(n, self._n))
end

function methods:tail(n)
  n = n or 5
  if math.type(n) ~= "integer" or n < 0 then argerror(1, "tail", "n must be an integer >= 0") end
  return slice_rows(self, math.max(1, self._n - n + 1), self._n)
end

-- Value of column c in rows a..b as Lua values (level strings, nil missing).
local function values(c, a, b)
  if is_cat(c) then
    local codes = csv.tolist(c.codes, a, b)
    local out = {}
    for i = 1, b - a + 1 do
      local k = codes[i]
      out[i] = k ~= 0 and c.levels[k] or nil
    end
    return out
  end
  local v = csv.tolist(c, a, b)
  for i = 1, b - a + 1 do if v[i] ~= v[i] then v[i] = nil end end
  return v
end

--- filter(mask | fn) -> new Frame with the rows where mask (a 1-D tensor,
-- 0/1 or any non-zero) is non-zero, or where fn(row) is truthy; row maps
-- column names to numbers, level strings, nil for missing
function methods:filter(pred)
  local idx
  if is_tensor(pred) then
    local ok, n = pcall(csv.len, pred)
    if not ok or n ~= self._n then
      argerror(1, "filter", ("mask must be a 1-D tensor of %d elements"):format(self._n))
    end
    local ok2, r = pcall(csv.which, pred)
    if not ok2 then argerror(1, "filter", tostring(r):match("%((.*)%)$") or tostring(r)) end
    idx = r
  elseif type(pred) == "function" then
    local vals = {}
    for _, name in ipairs(self._names) do vals[name] = values(self._cols[name], 1, self._n) end
    local keep, row = {}, {}
    for i = 1, self._n do
      for _, name in ipairs(self._names) do row[name] = vals[name][i] end
      if pred(row) then keep[#keep + 1] = i end
    end
    idx = csv.fromlist(keep, "int64")
  else
    argerror(1, "filter", "expected a mask tensor or a function(row)")
  end
  return take_rows(self, idx)
end

--- missing() -> {name = count of missing values}
function methods:missing()
  local out = {}
  for _, name in ipairs(self._names) do out[name] = csv.count_missing(self._cols[name]) end
  return out
end

--- dropna([names]) -> new Frame without the rows missing a value in any of
-- names (default: every column)
function methods:dropna(names)
  names = names and name_list(self, names, "dropna") or self._names
  if #names == 0 then return slice_rows(self, 1, self._n) end  -- no column to check: every row
  local cols = {}
  for i, name in ipairs(names) do cols[i] = self._cols[name] end
  return take_rows(self, csv.complete(cols))
end

--- to_tensor([names [, dtype = "float32" [, opts]]]) -> (nrow, #names)
-- tensor.  Categorical columns are an error unless opts.categorical ==
-- "codes" (the 1-based codes as numbers, missing -> NaN).
function methods:to_tensor(names, dtype, opts)
  names = names and name_list(self, names, "to_tensor") or self._names
  opts = opts or {}
  local cols = {}
  for i, name in ipairs(names) do
    local c = self._cols[name]
    if is_cat(c) and opts.categorical ~= "codes" then
      argerror(1, "to_tensor", ("column '%s' is categorical (pass {categorical = "
        .. "\"codes\"} or encode it first)"):format(name))
    end
    cols[i] = c
    if (dtype or "float32") == "float32" and not is_cat(c) and csv.dtype(c) == "float64"
       and c:abs():gt(3.4028234663852886e38):any() then
      -- the default float32 would turn these into inf
      argerror(1, "to_tensor", ("column '%s' holds values beyond float32's range: ask for "
        .. "dtype \"float64\""):format(name))
    end
  end
  return csv.stack(cols, dtype or "float32", names)
end

--- write_csv(path [, opts]) writes atomically (opts: header, delim, quote, na)
function methods:write_csv(path, opts)
  local cols = {}
  for i, name in ipairs(self._names) do cols[i] = self._cols[name] end
  local ok, err = pcall(csv.write, path, self._names, cols, opts)
  if not ok then
    -- as rows() and filter(): a binding's argument error is raised again as
    -- this method's (path is #1 of both, the options #4 of the binding and
    -- #2 here); other errors (I/O) pass through
    err = tostring(err)
    local n, msg = err:match("^bad argument #(%d+) to 'write_csv' %((.*)%)$")
    local mine = ({ ["1"] = 1, ["4"] = 2 })[n]
    if mine then argerror(mine, "write_csv", msg) end
    error(err, 2)
  end
  return self
end

-- Counts of column c: keys (column of the distinct non-missing values,
-- sorted), counts (int64 tensor), as a column type matching c.
local function count_values(c)
  if is_cat(c) then
    local counts = csv.count_codes(c.codes, #c.levels)
    return c, counts, #c.levels
  end
  local codes, levels = csv.factorize(c)
  local counts = csv.count_codes(codes, csv.len(levels))
  return { codes = codes, values = levels }, counts, csv.len(levels)
end

-- Column holding keys k (int64 tensor of 1-based codes into c's levels).
local function key_column(c, k)
  if c.values then return csv.take(c.values, k) end
  return { codes = k, levels = c.levels }
end

--- value_counts(name) -> Frame {name, count} of the non-missing values,
-- most frequent first (ties in level / value order)
function methods:value_counts(name)
  local c = check_name(self, name, "value_counts")
  local cc, counts = count_values(c)
  local cl = csv.tolist(counts)
  local order = {}
  for k = 1, #cl do if cl[k] > 0 then order[#order + 1] = k end end
  table.sort(order, function(a, b)
    if cl[a] ~= cl[b] then return cl[a] > cl[b] end
    return a < b
  end)
  local idx = csv.fromlist(order, "int64")
  local df = new_frame({}, {}, 0)
  df:add(name, key_column(cc, idx))
  df:add("count", csv.take(counts, idx))
  return df
end

--- group_counts(a [, b]) -> Frame {a, [b,] count} of the non-missing value
-- combinations, sorted by a then b
function methods:group_counts(a, b)
  local ca = check_name(self, a, "group_counts")
  local cca, counts_a, na = count_values(ca)
  local df = new_frame({}, {}, 0)
  if b == nil then
    local cl = csv.tolist(counts_a)
    local keep = {}
    for k = 1, #cl do if cl[k] > 0 then keep[#keep + 1] = k end end
    local idx = csv.fromlist(keep, "int64")
    df:add(a, key_column(cca, idx))
    df:add("count", csv.take(counts_a, idx))
    return df
  end
  local cb = check_name(self, b, "group_counts", 2)
  if b == a then argerror(2, "group_counts", "the two columns must differ") end
  local ccb, _, nb = count_values(cb)
  local ka, kb, counts = csv.count_pairs(cca.codes, na, ccb.codes, nb)
  df:add(a, key_column(cca, ka))
  df:add(b, key_column(ccb, kb))
  df:add("count", counts)
  return df
end

--- describe() -> Frame with one row per column: column, dtype, count,
-- missing, mean, std, min, q25, q50, q75, max (numeric), levels, top, freq
-- (categorical; top = most frequent level, ties to the first level)
function methods:describe()
  local k = #self._names
  local names, dtypes, top = {}, {}, {}
  local num = { count = {}, missing = {}, mean = {}, std = {}, min = {}, q25 = {},
                q50 = {}, q75 = {}, max = {}, levels = {}, freq = {} }
  for i, name in ipairs(self._names) do
    local c = self._cols[name]
    names[i] = name
    dtypes[i] = self:dtype(name)
    if is_cat(c) then
      local counts, miss = csv.count_codes(c.codes, #c.levels)
      local cl, best = csv.tolist(counts), nil
      for j = 1, #cl do if cl[j] > 0 and (best == nil or cl[j] > cl[best]) then best = j end end
      num.count[i] = self._n - miss
      num.missing[i] = miss
      num.levels[i] = #c.levels
      top[i] = best and c.levels[best] or nil
      num.freq[i] = best and cl[best] or nil
    else
      local s = csv.stats(c)
      for _, key in ipairs { "count", "missing", "mean", "std", "min", "q25", "q50", "q75", "max" } do
        num[key][i] = s[key]
      end
    end
  end
  local df = new_frame({}, {}, 0)
  df:add("column", categorical_from_strings(names, k))
  df:add("dtype", categorical_from_strings(dtypes, k))
  for _, key in ipairs { "count", "missing", "mean", "std", "min", "q25", "q50", "q75", "max", "levels" } do
    df:add(key, csv.fromlist(num[key], "float64", k))
  end
  df:add("top", categorical_from_strings(top, k))
  df:add("freq", csv.fromlist(num.freq, "float64", k))
  return df
end

-- ---- printing ----

local function fmt_number(x)
  if x == nil or x ~= x then return "NA" end
  if math.type(x) == "integer" then return tostring(x) end
  if x == math.floor(x) and math.abs(x) < 1e15 then return ("%d"):format(x) end
  return ("%.6g"):format(x)
end

local MAX_ROWS, HEAD, TAIL, WIDTH = 20, 10, 5, 100

function Frame.__tostring(self)
  local n, k = self._n, #self._names
  local lines = { ("Frame: %d rows x %d columns"):format(n, k) }
  if k == 0 then return lines[1] end
  local ranges = n <= MAX_ROWS and { { 1, n } } or { { 1, HEAD }, { n - TAIL + 1, n } }
  -- cells[j] = {header, cell strings...}; row labels in label
  local label = { "" }
  local cells = {}
  for ri, r in ipairs(ranges) do
    if ri > 1 then label[#label + 1] = "..." end
    for i = r[1], r[2] do label[#label + 1] = tostring(i) end
  end
  for j, name in ipairs(self._names) do
    local c = self._cols[name]
    local col = { name }
    for ri, r in ipairs(ranges) do
      if ri > 1 then col[#col + 1] = "..." end
      if r[2] >= r[1] then
        local v = values(c, r[1], r[2])
        for i = 1, r[2] - r[1] + 1 do
          local x = v[i]
          local s = is_cat(c) and (x or "NA") or fmt_number(x)
          if #s > 24 then s = s:sub(1, 21) .. "..." end
          col[#col + 1] = s
        end
      end
    end
    cells[j] = col
  end
  local function width(col)
    local w = 0
    for _, s in ipairs(col) do if #s > w then w = #s end end
    return w
  end
  local lw = width(label)
  local j = 1
  while j <= k do
    -- as many columns as fit in WIDTH
    local group, used = {}, lw
    repeat
      local w = width(cells[j])
      if #group > 0 and used + 2 + w > WIDTH then break end
      group[#group + 1] = { cells[j], w }
      used = used + 2 + w
      j = j + 1
    until j > k
    for row = 1, #label do
      local parts = { (" "):rep(lw - #label[row]) .. label[row] }
      for _, g in ipairs(group) do
        local s = g[1][row]
        parts[#parts + 1] = (" "):rep(g[2] - #s) .. s
      end
      lines[#lines + 1] = table.concat(parts, "  ")
    end
    if j <= k then lines[#lines + 1] = "" end
  end
  return table.concat(lines, "\n")
end

return { Frame = Frame, read_csv = Frame.read_csv, new = Frame.new }
