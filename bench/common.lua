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

-- DATA_DIR/name.csv as (X float32 (n, d), y int64 (n)), the label column
-- last, as the peers' common.load_xy reads it.
function M.load_xy(name, dtype)
  local df = credo.read_csv(M.data_dir() .. "/" .. name .. ".csv")
  local names = {}
  for _, n in ipairs(df:names()) do
    if n ~= "label" then names[#names + 1] = n end
  end
  return df:to_tensor(names, dtype or "float32"), df:col("label"):long()
end

-- The booster benchmarks (gbdt.lua, lgbm.lua, catboost.lua) on gbdt_train
-- (1,000,000 x 28) / gbdt_test (200,000 x 28): make(params) builds the
-- model, warm is the warm-up's params (2 rounds on 5,000 rows, as the
-- peers).  Timed: fit, binning included.  Not timed: CSV load, test
-- prediction.  Reports test AUC and logloss and the process's peak RSS.
function M.booster(workload, make, params, warm)
  local Xtr, ytr = M.load_xy("gbdt_train")
  local Xte, yte = M.load_xy("gbdt_test")
  collectgarbage()
  collectgarbage()
  make(warm):fit(Xtr:narrow(1, 1, 5000), ytr:narrow(1, 1, 5000))
  local t0 = M.clock()
  local m = make(params):fit(Xtr, ytr)
  local seconds = M.clock() - t0
  local p = m:predict_proba(Xte):select(2, 2):contiguous():double()
  M.emit(workload, seconds, {
    auc = credo.metrics.roc_auc(yte, p), test_logloss = credo.metrics.log_loss(yte, p),
    train_seconds = seconds, rows = Xtr:size(1), features = Xtr:size(2),
    peak_rss_mb = credo.core.sys.peak_rss_mb() })
end

-- The forest benchmarks (rf.lua, et.lua): 100 trees, max_features "sqrt",
-- max_depth 12, seed 0 on rf_train / rf_test.  Timed: fit only, after a
-- warm-up fit of 4 trees on 2,000 rows, as the peers.  Reports test ROC AUC.
function M.forest(Class, workload)
  local Xtr, ytr = M.load_xy("rf_train")
  local Xte, yte = M.load_xy("rf_test")
  collectgarbage()
  collectgarbage()
  local params = { n_estimators = 100, max_features = "sqrt", max_depth = 12, seed = 0 }
  local warm = {}
  for k, v in pairs(params) do warm[k] = v end
  warm.n_estimators = 4
  Class(warm):fit(Xtr:narrow(1, 1, 2000), ytr:narrow(1, 1, 2000))
  local t0 = M.clock()
  local m = Class(params):fit(Xtr, ytr)
  local seconds = M.clock() - t0
  local p = m:predict_proba(Xte):select(2, 2):contiguous()
  M.emit(workload, seconds, {
    auc = credo.metrics.roc_auc(yte, p), rows = Xtr:size(1), features = Xtr:size(2) })
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
