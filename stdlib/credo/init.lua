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
for _, k in ipairs { "solve", "cholesky", "eigh", "svd", "inv", "det" } do
  credo.linalg[k] = core.tensor[k]
end

credo.save = core.serialize.save
credo.load = core.serialize.load
credo.threads = core.sys.threads

-- data frames (stdlib/credo/frame.lua), loaded on first use
function credo.read_csv(...) return require("credo.frame").read_csv(...) end
setmetatable(credo, { __index = function(_, k)
  if k == "Frame" then return require("credo.frame").Frame end
end })

return credo
