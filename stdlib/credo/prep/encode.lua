-- credo.prep encoders: LabelEncoder, OneHotEncoder, OrdinalEncoder,
-- TargetEncoder (out-of-fold, m-estimate smoothing) and FeatureCross
-- (explicit or hashed crosses of categorical columns, the Wide & Deep
-- paper's cross features).  docs/prep.md has every formula and choice.
--
--   local oh = credo.prep.OneHotEncoder { handle_unknown = "ignore" }
--   local D = oh:fit(train_df):transform(test_df)     -- (n, width) float32
--   local names = oh:feature_names()                  -- {"purpose_car", ...}
--   local idx = oh:transform_indices(test_df)         -- (n, k) int64, sparse form
--   local te = credo.prep.TargetEncoder { columns = { "job" }, cv = 5, seed = 1 }
--   local E = te:fit_transform(train_df, y)           -- out-of-fold encodings
--   local Et = te:transform(test_df)                  -- full-training statistics
--   local cross = credo.prep.FeatureCross { columns = { "home", "purpose" },
--                                           method = "hash", n_buckets = 1000 }
--   local df2 = cross:fit_transform(df)               -- adds "home_x_purpose"
--
-- Inputs: a Frame (categorical columns by level, numeric columns by value)
-- or a 2-d tensor (each column's distinct values are its categories;
-- columns are named x1, x2, ... in feature names).  Categories are sorted
-- (levels bytewise, numbers ascending), as scikit-learn sorts them.  Not
-- here: infrequent-category grouping, sparse matrices, multiclass target
-- encoding.
local estimator = require "credo.estimator"
local U = require "credo.prep.util"
local C, T = U.C, U.T
local csv = require("credo.core").csv

local M = {}

-- ---- columns and categories ----

-- The columns an encoder works on: a list of { name, kind = "cat" | "num",
-- col } from a Frame (names given, or the default pick) or a 2-d tensor
-- (x1, x2, ...).
local function input_columns(op, X, names, pick)
  local out = {}
  if U.is_frame(X) then
    if X:nrow() == 0 then U.argerror(op, 1, "X is empty (0 rows)") end
    for _, name in ipairs(U.frame_columns(op, 1, X, names, pick)) do
      local c = X:col(name)
      out[#out + 1] = { name = name, kind = U.is_categorical(c) and "cat" or "num", col = c }
    end
    if #out == 0 then U.argerror(op, 1, "X has no categorical columns to encode") end
    return out, true
  end
  if names ~= nil then
    U.argerror(op, 1, "the parameter 'columns' names Frame columns, but X is a tensor")
  end
  local _, d = U.check_matrix(op, 1, X)
  C.check(op, 1, X, true)
  for j = 1, d do
    out[j] = { name = "x" .. j, kind = "num", col = X:select(2, j) }
  end
  return out, false
end

-- The same columns at transform time, by the names seen at fit.
local function transform_columns(self, op, X)
  local st = self.state_
  local out = {}
  if st.frame then
    if not U.is_frame(X) then U.argerror(op, 1, "X: expected a Frame (fitted on a Frame)") end
    for _, name in ipairs(st.names) do
      if not X:has(name) then
        U.argerror(op, 1, ("X has no column named '%s' (fitted on it)"):format(name))
      end
      local c = X:col(name)
      out[#out + 1] = { name = name, kind = U.is_categorical(c) and "cat" or "num", col = c }
    end
    return out
  end
  if U.is_frame(X) then U.argerror(op, 1, "X: expected a 2-d tensor (fitted on a tensor)") end
  local _, d = U.check_matrix(op, 1, X)
  U.check_ncols(self, op, 1, d)
  C.check(op, 1, X, true, true)
  for j = 1, d do out[j] = { name = st.names[j], kind = "num", col = X:select(2, j) } end
  return out
end

-- Categories of one column as plain data: { kind = "cat", levels = {...} }
-- (levels present, in level order) or { kind = "num", values = sorted
-- float64 tensor }, plus has_missing (a missing value was seen).
local function fit_categories(desc)
  if desc.kind == "cat" then
    local c = desc.col
    local counts, nmiss = csv.count_codes(c.codes, #c.levels)
    local levels = {}
    for k = 1, #c.levels do
      if counts[k] > 0 then levels[#levels + 1] = c.levels[k] end
    end
    return { kind = "cat", levels = levels, has_missing = nmiss > 0 }
  end
  local u = desc.col:double():unique()
  local m = u:size(1)
  local has_missing = m > 0 and u[m] ~= u[m]
  if has_missing then u = u:narrow(1, 1, m - 1):clone() end
  return { kind = "num", values = u, has_missing = has_missing }
end

local function ncats(cats)
  return cats.kind == "cat" and #cats.levels or cats.values:size(1)
end

local function cat_name(cats, k)
  if cats.kind == "cat" then return cats.levels[k] end
  return U.numstr(cats.values[k])
end

-- Per row the 1-based position of the value among the fitted categories
-- (int64): 1..K, 0 for a value not seen at fit, -1 for a missing value.
local function category_index(op, cats, desc)
  if cats.kind == "cat" then
    if desc.kind ~= "cat" then
      U.argerror(op, 1, ("column '%s' was categorical at fit"):format(desc.name))
    end
    local pos = {}
    for k, s in ipairs(cats.levels) do pos[s] = k end
    local map = { -1 }
    for k, s in ipairs(desc.col.levels) do map[k + 1] = pos[s] or 0 end
    return T.tensor(map, "int64"):index_select(1, desc.col.codes + 1)
  end
  if desc.kind ~= "num" then
    U.argerror(op, 1, ("column '%s' was numeric at fit"):format(desc.name))
  end
  local v = desc.col:double()
  local idx = C.lookup(op, 1, v, cats.values)
  return T.where(v:isnan(), -1, idx)
end

-- The text of the value in row r of a column (for messages).
local function value_text(desc, r)
  if desc.kind == "cat" then
    local code = desc.col.codes[r]
    return code == 0 and "missing" or ("'" .. desc.col.levels[code] .. "'")
  end
  return U.numstr(desc.col[r])
end

local function unknown_error(op, desc, idx, missing_is_unknown)
  local bad = missing_is_unknown and idx:le(0) or idx:eq(0)
  local r = csv.which(bad)[1]
  U.argerror(op, 1, ("column '%s' has an unknown category %s at row %d"):format(
    desc.name, value_text(desc, r), r))
end

local function check_y(op, i, y, n)
  local m = U.check_vector(op, i, y, "y")
  if m ~= n then U.argerror(op, i, ("y has %d elements but X has %d rows"):format(m, n)) end
  local yd = y:double()
  if yd:isnan():any() then U.argerror(op, i, "y contains NaN") end
  -- a target encoding is a mean of targets: infinities (or sums that
  -- overflow) would give inf / NaN codes
  if m > 0 and not (yd:abs():max() < 1e300 / math.max(m, 1)) then
    U.argerror(op, i, "y holds an infinite or too large value (|y| * rows must stay below 1e300)")
  end
  return yd
end

local function nrows(desc)
  return desc.kind == "cat" and desc.col.codes:size(1) or desc.col:size(1)
end

-- ---- LabelEncoder ----

local LabelEncoder = estimator.class("LabelEncoder", {})

-- y as { kind = "string", list = {...} } or { kind = "number", t = f64 tensor }.
local function label_values(op, y)
  if U.is_tensor(y) then
    U.check_vector(op, 1, y, "y")
    local t = y:double()
    if t:isnan():any() then U.argerror(op, 1, "y contains NaN") end
    return { kind = "number", t = t }
  end
  if U.is_categorical(y) then
    local list = {}
    local codes = csv.tolist(y.codes)
    for i, c in ipairs(codes) do
      if c == 0 then U.argerror(op, 1, ("y has a missing value at index %d"):format(i)) end
      list[i] = y.levels[c]
    end
    return { kind = "string", list = list }
  end
  if type(y) ~= "table" then
    U.argerror(op, 1, "y: expected a 1-d tensor, a list or a categorical column, got " .. type(y))
  end
  local kind
  for i = 1, #y do
    local t = type(y[i])
    if t ~= "string" and t ~= "number" then
      U.argerror(op, 1, ("y[%d] is a %s (strings or numbers expected)"):format(i, t))
    end
    if kind and kind ~= t then U.argerror(op, 1, "y mixes strings and numbers") end
    kind = t
  end
  if kind == "number" then
    for i = 1, #y do if y[i] ~= y[i] then U.argerror(op, 1, "y contains NaN") end end
    return { kind = "number", t = U.f64(y) }
  end
  return { kind = "string", list = y }
end

--- fit(y) -> self: classes = the sorted distinct labels.
function LabelEncoder:fit(y)
  local op = U.opname(self, "fit")
  self.state_ = nil
  local v = label_values(op, y)
  if v.kind == "number" then
    if v.t:size(1) == 0 then U.argerror(op, 1, "y is empty") end
    self.state_ = { kind = "number", classes = v.t:unique() }
  else
    if #v.list == 0 then U.argerror(op, 1, "y is empty") end
    local seen, classes = {}, {}
    for _, s in ipairs(v.list) do
      if not seen[s] then seen[s] = true; classes[#classes + 1] = s end
    end
    table.sort(classes)
    self.state_ = { kind = "string", classes = classes }
  end
  return self
end

--- transform(y) -> int64 tensor of 0-based class indices.
function LabelEncoder:transform(y)
  self:check_fitted("transform")
  local op = U.opname(self, "transform")
  local v = label_values(op, y)
  local st = self.state_
  if v.kind ~= st.kind then
    U.argerror(op, 1, ("y holds %ss but the encoder was fitted on %ss"):format(v.kind, st.kind))
  end
  if v.kind == "number" then
    local idx = C.lookup(op, 1, v.t, st.classes)
    if idx:eq(0):any() then
      local r = csv.which(idx:eq(0))[1]
      U.argerror(op, 1, ("y contains previously unseen labels: %s (at index %d)"):format(
        U.numstr(v.t[r]), r))
    end
    return idx - 1
  end
  local pos = {}
  for k, s in ipairs(st.classes) do pos[s] = k - 1 end
  local out = {}
  for i, s in ipairs(v.list) do
    local k = pos[s]
    if not k then
      U.argerror(op, 1, ("y contains previously unseen labels: '%s' (at index %d)"):format(s, i))
    end
    out[i] = k
  end
  return T.tensor(out, "int64")
end

function LabelEncoder:fit_transform(y)
  return self:fit(y):transform(y)
end

--- inverse_transform(codes) -> the labels of 0-based codes: a list of
-- strings, or a float64 tensor for numeric labels.
function LabelEncoder:inverse_transform(codes)
  self:check_fitted("inverse_transform")
  local op = U.opname(self, "inverse_transform")
  if type(codes) == "table" then codes = T.tensor(codes, "int64") end
  U.check_vector(op, 1, codes, "codes")
  local st = self.state_
  local k = st.kind == "number" and st.classes:size(1) or #st.classes
  local list = csv.tolist(codes:long())
  for i, c in ipairs(list) do
    if c < 0 or c >= k then
      U.argerror(op, 1, ("code %d at index %d is outside 0..%d"):format(c, i, k - 1))
    end
  end
  if st.kind == "number" then return st.classes:index_select(1, codes:long() + 1) end
  local out = {}
  for i, c in ipairs(list) do out[i] = st.classes[c + 1] end
  return out
end

function LabelEncoder:classes()
  self:check_fitted("classes")
  return self.state_.classes
end

M.LabelEncoder = LabelEncoder

-- ---- OneHotEncoder ----

local function is_cat_col(_, c) return U.is_categorical(c) end

local OneHotEncoder = estimator.class("OneHotEncoder", {
  columns = { type = "table", doc = "Frame columns to encode (default: the categorical ones)" },
  handle_unknown = { default = "error", enum = { "error", "ignore" },
                     doc = "a category unseen at fit: an error, or all zeros" },
  drop = { type = "string", enum = { "first", "if_binary" },
           doc = "drop the first category of every column (or of 2-category columns)" },
  dtype = { default = "float32", enum = { "float32", "float64" }, doc = "dtype of transform" },
})

--- fit(X) -> self: the categories of each column (a missing value seen at
-- fit is a category of its own, named "nan", after the others).
function OneHotEncoder:fit(X)
  local op = U.opname(self, "fit")
  self.state_ = nil
  local cols, frame = input_columns(op, X, self.params_.columns, is_cat_col)
  local names, cats, drop, offsets, width = {}, {}, {}, {}, 0
  for j, desc in ipairs(cols) do
    local c = fit_categories(desc)
    local k = ncats(c) + (c.has_missing and 1 or 0)
    if k == 0 then U.argerror(op, 1, ("column '%s' has no values"):format(desc.name)) end
    names[j], cats[j] = desc.name, c
    drop[j] = self.params_.drop == "first" or (self.params_.drop == "if_binary" and k == 2)
    offsets[j] = width
    width = width + k - (drop[j] and 1 or 0)
  end
  self.state_ = { frame = frame, names = names, categories = cats, drop = drop,
                  offsets = offsets, width = width, n_features = #names }
  return self
end

--- transform_indices(X) -> (n, k) int64: per row and input column the
-- 1-based column of its 1 in transform's output, 0 when the row has none
-- in that block (an unknown category with handle_unknown = "ignore", or the
-- dropped category).  The sparse form for wide linear models.
function OneHotEncoder:transform_indices(X)
  self:check_fitted("transform_indices")
  local op = U.opname(self, "transform")
  local st = self.state_
  local cols = transform_columns(self, op, X)
  local parts = {}
  for j, desc in ipairs(cols) do
    local cats = st.categories[j]
    local idx = category_index(op, cats, desc)
    local K = ncats(cats)
    if cats.has_missing then idx = T.where(idx:eq(-1), K + 1, idx) end
    local unknown = idx:le(0)
    if unknown:any() and self.params_.handle_unknown == "error" then
      unknown_error(op, desc, idx, true)
    end
    local base
    if st.drop[j] then
      base = T.where(idx:eq(1), 0, idx + (st.offsets[j] - 1))
    else
      base = idx + st.offsets[j]
    end
    parts[j] = T.where(unknown, 0, base)
  end
  if #parts == 0 then return T.zeros({ 0, 0 }, "int64") end
  return T.stack(parts, 2)
end

--- transform(X) -> dense (n, width) tensor of 0/1 (dtype parameter).
function OneHotEncoder:transform(X)
  self:check_fitted("transform")
  local idx = self:transform_indices(X)
  return C.onehot(U.opname(self, "transform"), idx, self.state_.width, self.params_.dtype)
end

function OneHotEncoder:fit_transform(X)
  return self:fit(X):transform(X)
end

--- feature_names() -> list of "column_category" for each output column
-- (scikit-learn's get_feature_names_out).
function OneHotEncoder:feature_names()
  self:check_fitted("feature_names")
  local st = self.state_
  local out = {}
  for j, name in ipairs(st.names) do
    local cats = st.categories[j]
    local K = ncats(cats)
    local first = st.drop[j] and 2 or 1
    for k = first, K do out[#out + 1] = name .. "_" .. cat_name(cats, k) end
    -- the missing category comes last; it is the dropped one only when it
    -- is the column's sole category
    if cats.has_missing and not (st.drop[j] and K == 0) then out[#out + 1] = name .. "_nan" end
  end
  return out
end

--- categories() -> per input column the list of category names.
function OneHotEncoder:categories()
  self:check_fitted("categories")
  local out = {}
  for j, cats in ipairs(self.state_.categories) do
    local list = {}
    for k = 1, ncats(cats) do list[k] = cat_name(cats, k) end
    if cats.has_missing then list[#list + 1] = "nan" end
    out[j] = list
  end
  return out
end

function OneHotEncoder:n_features_out()
  self:check_fitted("n_features_out")
  return self.state_.width
end

M.OneHotEncoder = OneHotEncoder

-- ---- OrdinalEncoder ----

local function cats_check(v)
  if v == "auto" then return true end
  if type(v) ~= "table" then return false, "must be 'auto' or a table of category lists" end
  for k, list in pairs(v) do
    if type(list) ~= "table" or #list == 0 then
      return false, ("entry '%s' must be a non-empty list"):format(tostring(k))
    end
    local kind
    for _, x in ipairs(list) do
      local t = type(x)
      if t ~= "string" and t ~= "number" then
        return false, ("entry '%s' holds a %s"):format(tostring(k), t)
      end
      if kind and kind ~= t then return false, ("entry '%s' mixes strings and numbers"):format(tostring(k)) end
      kind = t
    end
  end
  return true
end

local OrdinalEncoder = estimator.class("OrdinalEncoder", {
  columns = { type = "table", doc = "Frame columns to encode (default: the categorical ones)" },
  categories = { default = "auto", type = { "string", "table" }, check = cats_check,
                 doc = "'auto' (sorted) or per column (name or position) the categories in order" },
  handle_unknown = { default = "error", enum = { "error", "use_encoded_value" },
                     doc = "a category unseen at fit: an error, or unknown_value" },
  unknown_value = { type = "number", doc = "code of unknown categories (use_encoded_value)" },
  encoded_missing_value = { type = "number", doc = "code of missing values (default NaN)" },
})

function OrdinalEncoder:init()
  local p = self.params_
  if p.handle_unknown == "use_encoded_value" and p.unknown_value == nil then
    error("OrdinalEncoder: parameter 'unknown_value' is required with handle_unknown = "
      .. "'use_encoded_value'", 3)
  end
end

-- The given category list of column j (name or position), or nil.
local function given(p, j, name)
  if p.categories == "auto" then return nil end
  local list = p.categories[name]
  if list == nil then list = p.categories[j] end
  return list
end

--- fit(X) -> self: per column the categories, sorted ("auto") or in the
-- given order (a value present but not listed is an error).  Missing
-- values are not categories: they encode to encoded_missing_value.
function OrdinalEncoder:fit(X)
  local op = U.opname(self, "fit")
  self.state_ = nil
  local p = self.params_
  local cols, frame = input_columns(op, X, p.columns, is_cat_col)
  local names, cats = {}, {}
  for j, desc in ipairs(cols) do
    local list = given(p, j, desc.name)
    local c
    if list == nil then
      c = fit_categories(desc)
      if desc.kind == "num" then c.order = T.arange(1, c.values:size(1) + 1, 1, "int64") end
    elseif desc.kind == "cat" then
      for _, s in ipairs(list) do
        if type(s) ~= "string" then
          U.argerror(op, 1, ("categories for column '%s' must be strings"):format(desc.name))
        end
      end
      c = { kind = "cat", levels = list }
    else
      for _, s in ipairs(list) do
        if type(s) ~= "number" then
          U.argerror(op, 1, ("categories for column '%s' must be numbers"):format(desc.name))
        end
      end
      local vals, order = U.f64(list):sort()
      -- order[k]: the given position of the k-th smallest value
      c = { kind = "num", values = vals, order = order }
    end
    if list ~= nil then
      local idx = category_index(op, c, desc)
      if idx:eq(0):any() then
        local r = csv.which(idx:eq(0))[1]
        U.argerror(op, 1, ("column '%s' has category %s, not in the given categories"):format(
          desc.name, value_text(desc, r)))
      end
    end
    names[j], cats[j] = desc.name, c
    if p.handle_unknown == "use_encoded_value" and U.is_int(p.unknown_value)
        and p.unknown_value >= 0 and p.unknown_value < ncats(c) then
      error(("OrdinalEncoder: parameter 'unknown_value' (%s) is a code of column '%s' "
        .. "(0..%d)"):format(p.unknown_value, desc.name, ncats(c) - 1), 2)
    end
  end
  self.state_ = { frame = frame, names = names, categories = cats, n_features = #names }
  return self
end

--- transform(X) -> (n, k) float64 of 0-based codes (missing ->
-- encoded_missing_value, default NaN; unknown -> error or unknown_value).
function OrdinalEncoder:transform(X)
  self:check_fitted("transform")
  local op = U.opname(self, "transform")
  local p, st = self.params_, self.state_
  local cols = transform_columns(self, op, X)
  local miss = p.encoded_missing_value == nil and 0 / 0 or p.encoded_missing_value
  local parts = {}
  for j, desc in ipairs(cols) do
    local cats = st.categories[j]
    local idx = category_index(op, cats, desc)
    if idx:eq(0):any() and p.handle_unknown == "error" then unknown_error(op, desc, idx, false) end
    local code
    if cats.kind == "num" then
      local ord = T.cat({ T.zeros({ 2 }, "int64"), cats.order })   -- slots for -1 and 0
      code = ord:index_select(1, idx + 2) - 1
    else
      code = idx - 1
    end
    local out = code:double()
    out = T.where(idx:eq(-1), miss, out)
    if p.handle_unknown == "use_encoded_value" then
      out = T.where(idx:eq(0), p.unknown_value, out)
    end
    parts[j] = out
  end
  return T.stack(parts, 2)
end

function OrdinalEncoder:fit_transform(X)
  return self:fit(X):transform(X)
end

function OrdinalEncoder:categories()
  self:check_fitted("categories")
  local out = {}
  for j, cats in ipairs(self.state_.categories) do
    local list = {}
    if cats.kind == "cat" then
      for k, s in ipairs(cats.levels) do list[k] = s end
    else
      for k = 1, cats.values:size(1) do list[cats.order[k]] = cats.values[k] end
    end
    out[j] = list
  end
  return out
end

M.OrdinalEncoder = OrdinalEncoder

-- ---- TargetEncoder ----

local TargetEncoder = estimator.class("TargetEncoder", {
  columns = { type = "table", doc = "Frame columns to encode (default: the categorical ones)" },
  smoothing = { default = 1.0, type = "number", min = 0, doc = "m of the m-estimate" },
  cv = { default = 5, type = "integer", min = 2, doc = "folds of fit_transform's out-of-fold encoding" },
  shuffle = { default = true, type = "boolean", doc = "shuffle rows before cutting the folds" },
  seed = { default = 0, type = "integer", doc = "seed of the fold shuffle" },
})

-- Slot of each row (1-based into a (K+1) table: 1 = missing, k+1 =
-- category k) and K.
local function te_slots(op, cats, desc)
  local idx = category_index(op, cats, desc)
  return T.where(idx:eq(-1), 1, idx + 1), idx
end

-- Encodings (K+1, float64) from slots (1-based) and y:
-- (sum + m prior) / (count + m), the prior where a slot has no row.
local function te_table(slots, yv, K1, m, prior)
  local s0 = slots - 1
  local counts = s0:bincount(K1):double()
  local sums = s0:bincount(K1, yv)
  local enc = (sums + m * prior) / (counts + m)
  return T.where(counts:eq(0), prior, enc)
end

--- fit(X, y) -> self: per column and category the count and mean of y;
-- encoding = (count * mean + m * prior) / (count + m), prior = mean(y).
-- A missing value is a category of its own.
function TargetEncoder:fit(X, y)
  local op = U.opname(self, "fit")
  self.state_ = nil
  local cols, frame = input_columns(op, X, self.params_.columns, is_cat_col)
  local yv = check_y(op, 2, y, nrows(cols[1]))
  local m = self.params_.smoothing
  local prior = yv:numel() > 0 and yv:mean() or 0
  local names, cats, enc = {}, {}, {}
  for j, desc in ipairs(cols) do
    local c = fit_categories(desc)
    local slots = te_slots(op, c, desc)
    names[j], cats[j] = desc.name, c
    enc[j] = te_table(slots, yv, ncats(c) + 1, m, prior)
  end
  self.state_ = { frame = frame, names = names, categories = cats, encodings = enc,
                  prior = prior, n_features = #names }
  return self
end

--- transform(X) -> (n, k) float64 with the full-training encodings;
-- categories unseen at fit (and missing values when none was seen) get the
-- prior.
function TargetEncoder:transform(X)
  self:check_fitted("transform")
  local op = U.opname(self, "transform")
  local st = self.state_
  local cols = transform_columns(self, op, X)
  local parts = {}
  for j, desc in ipairs(cols) do
    local slots, idx = te_slots(op, st.categories[j], desc)
    local ext = T.cat({ st.encodings[j], T.full({ 1 }, st.prior, "float64") })
    local K2 = ext:size(1)
    parts[j] = ext:index_select(1, T.where(idx:eq(0), K2, slots))
  end
  return T.stack(parts, 2)
end

--- fit_transform(X, y) -> the out-of-fold encodings of the training rows:
-- rows are cut into cv folds (stratified by y when y holds int64 labels
-- and every class has cv members, else plain K-fold; shuffled with seed);
-- a row's encoding uses only the other folds' rows (their mean of y is
-- the prior).  The model keeps the full-training statistics (fit) for
-- transform, as scikit-learn's TargetEncoder does.
function TargetEncoder:fit_transform(X, y)
  local op = U.opname(self, "fit_transform")
  self:fit(X, y)
  local p, st = self.params_, self.state_
  local cols = input_columns(op, X, p.columns, is_cat_col)
  local yv = y:double()
  local n = yv:size(1)
  if n < p.cv then
    U.argerror(op, 1, ("X has %d rows, fewer than cv = %d folds"):format(n, p.cv))
  end
  local split = require "credo.split"
  local fopts = { shuffle = p.shuffle, seed = p.shuffle and p.seed or nil }
  local folds
  if y:dtype() == "int64" then
    local ok, f = pcall(split.stratified_kfold, y, p.cv, fopts)
    if ok then folds = f end
  end
  folds = folds or split.kfold(n, p.cv, fopts)
  local parts = {}
  for j, desc in ipairs(cols) do
    local cats = st.categories[j]
    local slots = te_slots(op, cats, desc)
    local K1 = ncats(cats) + 1
    local out = T.zeros({ n }, "float64")
    for _, f in ipairs(folds) do
      local ytr = yv:index_select(1, f.train)
      local prior = ytr:mean()
      local enc = te_table(slots:index_select(1, f.train), ytr, K1, p.smoothing, prior)
      out:index_copy_(1, f.test, enc:index_select(1, slots:index_select(1, f.test)))
    end
    parts[j] = out
  end
  return T.stack(parts, 2)
end

M.TargetEncoder = TargetEncoder

-- ---- FeatureCross ----

local function cross_cols_check(v)
  if type(v) ~= "table" or #v < 2 then return false, "must list at least two columns" end
  for _, s in ipairs(v) do
    if type(s) ~= "string" then return false, "must list column names" end
  end
  return true
end

local FeatureCross = estimator.class("FeatureCross", {
  columns = { required = true, type = "table", check = cross_cols_check,
              doc = "the categorical columns to cross (two or more)" },
  method = { default = "explicit", enum = { "explicit", "hash" },
             doc = "one level per observed combination, or hashed buckets" },
  n_buckets = { default = 1000, type = "integer", min = 1, max = 1048576,
                doc = "buckets of method 'hash' (at most 2^20: each bucket is a level)" },
  sep = { default = "_x_", type = "string", doc = "joins column names and level names" },
  name = { type = "string", doc = "name of the new column (default the columns joined by sep)" },
})

local function cross_inputs(op, X, names)
  if not U.is_frame(X) then U.argerror(op, 1, "X: expected a Frame") end
  local cols = {}
  for j, name in ipairs(names) do
    if not X:has(name) then U.argerror(op, 1, ("X has no column named '%s'"):format(name)) end
    local c = X:col(name)
    if not U.is_categorical(c) then
      U.argerror(op, 1, ("column '%s' is numeric (cross categorical columns; bin numeric "
        .. "ones first)"):format(name))
    end
    cols[j] = c
  end
  return cols
end

-- Per row a key of the level combination (mixed radix over the columns'
-- codes), -1 where any column is missing; returns keys and the radices.
local function combination_keys(op, cols)
  local key, mult, any_missing = nil, 1, nil
  local radix = {}
  for j, c in ipairs(cols) do
    radix[j] = #c.levels + 1
    local part = c.codes * mult
    key = key and key + part or part
    local miss = c.codes:eq(0)
    any_missing = any_missing and any_missing + miss or miss
    if mult > math.maxinteger // radix[j] then
      U.argerror(op, 1, "too many level combinations to cross explicitly (use method = 'hash')")
    end
    mult = mult * radix[j]
  end
  return T.where(any_missing:gt(0), -1, key), radix
end

-- The level name of a combination key.
local function key_name(key, cols, radix, sep)
  local parts = {}
  for j, c in ipairs(cols) do
    local code = key % radix[j]
    key = key // radix[j]
    parts[j] = c.levels[code]
  end
  return table.concat(parts, sep)
end

function FeatureCross:column_name()
  local p = self.params_
  return p.name or table.concat(p.columns, p.sep)
end

--- fit(X) -> self.  explicit: the levels are the level combinations that
-- occur in X (names "a_x_b", sorted bytewise); hash: the n_buckets levels
-- "h0..", zero-padded so that they sort bytewise in bucket order.
function FeatureCross:fit(X)
  local op = U.opname(self, "fit")
  self.state_ = nil
  local p = self.params_
  local cols = cross_inputs(op, X, p.columns)
  if p.method == "hash" then
    local width = #tostring(p.n_buckets - 1)
    local levels = {}
    for b = 0, p.n_buckets - 1 do levels[b + 1] = ("h%0" .. width .. "d"):format(b) end
    self.state_ = { levels = levels }
    return self
  end
  local keys, radix = combination_keys(op, cols)
  local u = keys:unique()
  local levels = {}
  for i = 1, u:size(1) do
    local k = u[i]
    if k >= 0 then levels[#levels + 1] = key_name(k, cols, radix, p.sep) end
  end
  table.sort(levels)
  self.state_ = { levels = levels }
  return self
end

--- transform_column(X) -> the cross as a categorical column {codes,
-- levels}: explicit, a combination unseen at fit is missing (code 0);
-- hash, bucket = FNV-1a(level_1 0x1F level_2 ...) mod n_buckets.  Rows
-- missing any input column are missing.
function FeatureCross:transform_column(X)
  self:check_fitted("transform_column")
  local op = U.opname(self, "transform")
  local p, st = self.params_, self.state_
  local cols = cross_inputs(op, X, p.columns)
  if p.method == "hash" then
    return { codes = C.cross_hash(op, 1, cols, p.n_buckets), levels = st.levels }
  end
  local keys, radix = combination_keys(op, cols)
  local u, inv = keys:unique(true)
  local pos = {}
  for k, s in ipairs(st.levels) do pos[s] = k end
  local map = {}
  for i = 1, u:size(1) do
    local k = u[i]
    map[i] = k >= 0 and (pos[key_name(k, cols, radix, p.sep)] or 0) or 0
  end
  local codes = #map > 0 and T.tensor(map, "int64"):index_select(1, inv)
    or T.zeros({ 0 }, "int64")
  return { codes = codes, levels = st.levels }
end

--- transform(X) -> a new Frame: X's columns and the cross (column_name()).
function FeatureCross:transform(X)
  self:check_fitted("transform")
  local name = self:column_name()
  local col = self:transform_column(X)
  if X:has(name) then return U.frame_replace(X, { [name] = col }) end
  return U.frame_replace(X, { [name] = col }, { name })
end

function FeatureCross:fit_transform(X)
  return self:fit(X):transform(X)
end

M.FeatureCross = FeatureCross

return M
