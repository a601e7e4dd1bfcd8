-- tests/host/native.lua: announce, then spend the time inside a native
-- kernel (credo.randn) until SIGINT; catch the error (raised either by the
-- kernel polling credo_interrupted or by the Lua hook), then check that no
-- second interrupt fires and that kernels run again.
io.stdout:write("spinning\n")
io.stdout:flush()
local ok, err = pcall(function()
  while true do credo.randn(4000000) end
end)
print("ok=" .. tostring(ok), "interrupted=" .. tostring(tostring(err):find("interrupted", 1, true) ~= nil))
local s = 0
for i = 1, 100000 do s = s + i end
local again = credo.randn(1000)
print("after=" .. s, "again=" .. tostring(again ~= nil))
