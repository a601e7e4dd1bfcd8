-- bench/common.lua: what the credo side of every benchmark shares: the data
-- folder argument, a wall clock, medians, and the final JSON line in the
-- same form as the peer scripts (bench/peers/common.py emit()).
local credo = require "credo"

local M = {}

function M.data_dir()
  return arg and arg[1] or "bench/data"
end

M.clock = credo.clock

function M.median(xs)
  local t = {}
  for i, v in ipairs(xs) do t[i] = v end
  table.sort(t)
  local n = #t
  if n % 2 == 1 then return t[(n + 1) // 2] end
  return (t[n // 2] + t[n // 2 + 1]) / 2
end

function M.min(xs)
  local m = math.huge
  for _, v in ipairs(xs) do if v < m then m = v end end
  return m
end

local function encode(v)
  local ty = type(v)
  if ty == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    if math.type(v) == "integer" then return tostring(v) end
    return string.format("%.6g", v)
  elseif ty == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
    end) .. '"'
  elseif ty == "boolean" then
    return tostring(v)
  elseif ty == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = encode(k) .. ": " .. encode(v[k]) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return "null"
end

-- One final JSON line: {"workload", "peer", "seconds", ...extra}.
function M.emit(workload, seconds, extra)
  local rec = { workload = workload, peer = "credo-" .. credo.version,
                seconds = seconds, threads = credo.threads() }
  for k, v in pairs(extra or {}) do rec[k] = v end
  io.write(encode(rec), "\n")
  io.flush()
end

return M
