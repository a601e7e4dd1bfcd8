-- tests/host/args.lua: print what a script receives, one "key=value" per
-- line: the vararg count and values, then arg[lo..#arg] (lo = first index).
local n = select("#", ...)
print("n=" .. n)
for i = 1, n do print("..." .. i .. "=" .. tostring((select(i, ...)))) end
local lo = 0
while arg[lo - 1] ~= nil do lo = lo - 1 end
print("lo=" .. lo)
for i = 0, #arg do print("arg" .. i .. "=" .. arg[i]) end
