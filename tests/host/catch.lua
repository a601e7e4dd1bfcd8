-- tests/host/catch.lua: announce, loop, catch the interrupt, then report
-- that the kernel flag was cleared and that the script goes on.
io.stdout:write("spinning\n")
io.stdout:flush()
local ok, err = pcall(function() while true do end end)
print("ok=" .. tostring(ok), "err=" .. tostring(err),
      "flag=" .. tostring(credo.core.sys.interrupted()))
local s = 0
for i = 1, 1000 do s = s + i end
print("after=" .. s)
