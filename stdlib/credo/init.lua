-- credo: the Lua face of the natives.  `require "credo"` in the host and in
-- the stock lua5.4 gives the same table.
local core = require "credo.core"
local credo = {}
for k, v in pairs(core) do credo[k] = v end
return credo
