-- tests/host/strict.lua: declared at main level, then used in a function;
-- with an argument, also misuse globals the way strict mode forbids.
counter = 0
local function bump() counter = counter + 1 end
bump()
print("counter=" .. counter)
if arg[1] == "read" then print(lenght) end
if arg[1] == "write" then
  local function f() fresh = 1 end
  f()
  print("fresh=" .. fresh)
end
