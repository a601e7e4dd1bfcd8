-- tests/host/spin.lua: announce, then loop forever in Lua (for SIGINT).
io.stdout:write("spinning\n")
io.stdout:flush()
local n = 0
while true do n = n + 1 end
