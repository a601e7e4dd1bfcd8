-- credo: the table `require "credo"` returns, in the host and in the stock
-- lua5.4 alike.  It gathers the natives (require "credo.core") and the Lua
-- stdlib into one flat namespace, as torch did: credo.zeros, credo.seed,
-- credo.save, credo.read_csv, credo.linalg.svd, ...
local core = require "credo.core"

local credo = { core = core, version = core.sys.version }

-- tensor creation, elementwise, reductions, linear algebra
for k, v in pairs(core.tensor) do credo[k] = v end
-- seeded generators and random tensors (credo.seed, credo.rand, ...)
for k, v in pairs(core.random) do credo[k] = v end

credo.linalg = {}
for _, k in ipairs { "solve", "cholesky", "eigh", "svd", "inv", "det", "slogdet" } do
  credo.linalg[k] = core.tensor[k]
end

-- Model files (docs/serialize.md).  A model (docs/design.md, the estimator
-- protocol) is saved as its plain state table and rebuilt on load from the
-- class registry; plain tables and tensors pass through unchanged.
local estimator = require "credo.estimator"
credo.estimator = estimator

-- A credo.nn module (its metatable says __nn = true) is saved the same way;
-- its class names start with "nn." (docs/nn.md, "Saving and loading").
local function nn_module(v)
  local mt = type(v) == "table" and getmetatable(v)
  return mt and rawget(mt, "__nn") == true
end

function credo.save(path, value)
  if estimator.is_estimator(value) or nn_module(value) then
    value = value:get_state()
  end
  return core.serialize.save(path, value)
end

function credo.load(path)
  local v = core.serialize.load(path)
  if type(v) == "table" and type(v.__class) == "string" then
    if v.__class:sub(1, 3) == "nn." then return credo.nn.from_state(v) end
    return estimator.from_state(v)
  end
  return v
end
-- in-memory model bytes (credo.serialize.dumps / loads), same format
credo.serialize = core.serialize
credo.threads = core.sys.threads
credo.clock = core.sys.clock

-- CSV files as typed columns (natives/csv); the Frame is built on them
credo.csv = core.csv
-- data frames (stdlib/credo/frame.lua), loaded on first use
function credo.read_csv(...) return require("credo.frame").read_csv(...) end
-- metrics and curves (stdlib/credo/metrics.lua), loaded on first use
setmetatable(credo, { __index = function(_, k)
  if k == "Frame" then return require("credo.frame").Frame end
  if k == "metrics" then return require("credo.metrics") end
  if k == "prep" then return require("credo.prep") end          -- docs/prep.md
  if k == "split" then return require("credo.split") end       -- docs/sampling.md
  if k == "sampling" then return require("credo.sampling") end
  if k == "GBDT" then return require("credo.gbdt") end
  if k == "DecisionTree" or k == "RandomForest" or k == "ExtraTrees" then
    return require("credo.forest")[k]                             -- docs/forest.md
  end
  if k == "KNeighborsClassifier" then return require("credo.neighbors")[k] end -- docs/neighbors.md
  if k == "MLPClassifier" then return require("credo.mlp").MLPClassifier end  -- docs/mlp.md
  if k == "SVC" then return require("credo.svm") end            -- docs/svm.md
  if k == "LogisticRegression" or k == "linear" then local m = require("credo.linear"); return k == "linear" and m or m[k] end  -- docs/linear.md
  if k == "nn" then return require("credo.nn") end
  if k == "optim" then return require("credo.optim") end        -- docs/optim.md
  if k == "progress" then return require("credo.progress") end  -- docs/fit.md
  if k == "report" then return require("credo.report") end      -- docs/reports.md
  if k == "plot" then return require("credo.plot") end
  if k == "recipe" then return require("credo.recipe") end
  if k == "pso" then return require("credo.pso") end            -- docs/pso.md
  if k == "tune" then return require("credo.tune") end          -- docs/tune.md
  if k == "help" then return require("credo.help") end          -- help(x), docs/guide.md
  if k == "rl" then return require("credo.rl") end              -- docs/rl.md
  if k == "ensemble" then return require("credo.ensemble") end    -- docs/ensemble.md
end })

return credo
