-- prep_util.lua: helpers shared by the credo.prep specs: reading
-- tests/fixtures/prep_sklearn.json (matrices {shape, data}, NaN written as
-- "nan") into float64 tensors, and the largest difference between two
-- tensors (NaN matching NaN), which the specs print and check.
local credo = require "credo"
local json = require "json"

local H = {}

local fixture
function H.fixture()
  fixture = fixture or json.read("tests/fixtures/prep_sklearn.json")
  return fixture
end

local function num(v)
  if v == "nan" then return 0 / 0 end
  if v == "inf" then return math.huge end
  if v == "-inf" then return -math.huge end
  return v + 0.0
end
H.num = num

-- A fixture list (or list of lists) without the decoder's `n` fields.
function H.plain(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for i = 1, v.n or #v do out[i] = H.plain(v[i]) end
  return out
end

-- A categorical column from a list of level strings where nil is missing
-- (the list may have holes, so its length is given).
function H.cat(list, n)
  local seen, levels = {}, {}
  for i = 1, n do
    local s = list[i]
    if s ~= nil and not seen[s] then seen[s] = true; levels[#levels + 1] = s end
  end
  table.sort(levels)
  local pos = {}
  for k, s in ipairs(levels) do pos[s] = k end
  local codes = credo.zeros({ n }, "int64")
  for i = 1, n do if list[i] ~= nil then codes[i] = pos[list[i]] end end
  return { codes = codes, levels = levels }
end

-- A fixture matrix or list as a float64 tensor.
function H.t(v)
  if v.shape then
    local n, d = v.shape[1], v.shape[2]
    local out = credo.zeros({ n, d }, "float64")
    for i = 1, n do
      for j = 1, d do out:set(i, j, num(v.data[(i - 1) * d + j])) end
    end
    return out
  end
  local out = credo.zeros({ v.n or #v }, "float64")
  for i = 1, v.n or #v do out[i] = num(v[i]) end
  return out
end

-- Largest |a - b| over all elements (relative to max(1, |b|) when rel);
-- NaN against NaN counts 0, NaN against a number counts inf.  Also fails
-- on a shape mismatch.
function H.maxdiff(a, b, rel)
  local sa, sb = table.concat(a:size(), ","), table.concat(b:size(), ",")
  if sa ~= sb then return math.huge, ("shapes [%s] and [%s]"):format(sa, sb) end
  local fa, fb = a:double():reshape(-1), b:double():reshape(-1)
  local worst = 0
  for i = 1, fa:numel() do
    local x, y = fa[i], fb[i]
    local e
    if x ~= x or y ~= y then e = (x ~= x and y ~= y) and 0 or math.huge
    elseif x == y then e = 0
    else
      e = math.abs(x - y)
      if rel then e = e / math.max(1, math.abs(y)) end
    end
    if e > worst then worst = e end
  end
  return worst
end

-- The largest differences seen, by name, printed at the end of a spec run.
H.report = {}
function H.near(name, a, b, tol, rel)
  local e, why = H.maxdiff(a, b, rel)
  if not H.report[name] or e > H.report[name] then H.report[name] = e end
  assert(e <= tol, ("%s: max diff %.3g > %.3g %s"):format(name, e, tol, why or ""))
  return e
end

function H.print_report(title)
  local keys = {}
  for k in pairs(H.report) do keys[#keys + 1] = k end
  table.sort(keys)
  io.write(("\n%s parity (max abs diff):\n"):format(title))
  for _, k in ipairs(keys) do io.write(("  %-36s %.3g\n"):format(k, H.report[k])) end
end

return H
