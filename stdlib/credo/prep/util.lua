-- credo.prep.util: argument checks and small helpers shared by the
-- preprocessing classes (docs/prep.md).  Not user API.
--
-- Errors follow the binding's form, "bad argument #N to 'Class:method'
-- (message)", raised without a position (error(msg, 0)), so that a method
-- called from a recipe reports the method and the argument, not a stdlib
-- line.
local core = require "credo.core"

local U = {}
local A = require "credo.argcheck"
U.argerror = A.argerror
U.is_tensor = A.is_tensor
U.is_frame = A.is_frame
U.options = A.options
U.set = A.set

U.C = core.prep_core
U.T = core.tensor

function U.is_categorical(c)
  return type(c) == "table" and U.is_tensor(c.codes) and type(c.levels) == "table"
end

-- "Class:method", the operation name in messages.
function U.opname(self, method)
  return getmetatable(self).__name .. ":" .. method
end

-- X at argument i must be a 2-d tensor; returns n, d.
function U.check_matrix(op, i, X, name)
  name = name or "X"
  if not U.is_tensor(X) then
    U.argerror(op, i, ("%s: expected a 2-d tensor, got %s"):format(name,
      U.is_frame(X) and "a Frame (select numeric columns with to_tensor)" or type(X)))
  end
  if X:dim() ~= 2 then
    U.argerror(op, i, ("%s: expected a 2-d tensor, got shape [%s]"):format(name,
      table.concat(X:size(), ",")))
  end
  return X:size(1), X:size(2)
end

-- x at argument i must be a 1-d tensor; returns n.
function U.check_vector(op, i, x, name)
  name = name or "x"
  if not U.is_tensor(x) or x:dim() ~= 1 then
    U.argerror(op, i, ("%s: expected a 1-d tensor, got %s"):format(name,
      U.is_tensor(x) and ("shape [" .. table.concat(x:size(), ",") .. "]") or type(x)))
  end
  return x:size(1)
end

-- Number of columns seen at fit against X's (argument i).
function U.check_ncols(self, op, i, d)
  local want = self.state_.n_features
  if d ~= want then
    U.argerror(op, i, ("X has %d columns but %s was fitted on %d"):format(
      d, getmetatable(self).__name, want))
  end
end

-- The dtype a transform returns for input X: float32 stays float32,
-- everything else becomes float64 (scikit-learn keeps float32 and turns
-- integers into float64).
function U.out_dtype(X)
  return X:dtype() == "float32" and "float32" or "float64"
end

-- t converted to dtype (the same object when it already is).
function U.as(t, dtype)
  if t:dtype() == dtype then return t end
  return t:type(dtype)
end

-- A list of numbers as a float64 tensor.
function U.f64(list)
  return U.T.tensor(list, "float64")
end

-- Number formatting for level names of numeric categories: integers
-- without ".0", others with up to 17 significant digits.
function U.numstr(v)
  if v ~= v then return "nan" end
  if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return ("%d"):format(v) end
  for p = 1, 17 do
    local s = ("%." .. p .. "g"):format(v)
    if tonumber(s) == v then return s end
  end
  return ("%.17g"):format(v)
end

-- Columns of a Frame to work on: `cols` (a list of names, or nil for the
-- default `pick(name, column)`), each checked to exist.
function U.frame_columns(op, i, df, cols, pick)
  local names = {}
  if cols == nil then
    for _, name in ipairs(df:names()) do
      if not pick or pick(name, df:col(name)) then names[#names + 1] = name end
    end
  else
    for _, name in ipairs(cols) do
      if not df:has(name) then U.argerror(op, i, ("X has no column named '%s'"):format(tostring(name))) end
      names[#names + 1] = name
    end
  end
  return names
end

-- A new Frame with the columns of df, some replaced (repl: name -> column).
function U.frame_replace(df, repl, extra_names)
  local Frame = require("credo.frame").Frame
  local names, cols = df:names(), {}
  for i, name in ipairs(names) do cols[i] = repl[name] or df:col(name) end
  for _, name in ipairs(extra_names or {}) do
    names[#names + 1] = name
    cols[#cols + 1] = repl[name]
  end
  return Frame.new(names, cols)
end

-- Integer-valued number check for parameters given as numbers.
function U.is_int(v)
  return type(v) == "number" and v == math.floor(v) and v == v and math.abs(v) < 2 ^ 53
end

return U
