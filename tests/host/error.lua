-- tests/host/error.lua: raise from a nested function (lines 3 and 6 below)
local function inner()
  error("boom")
end
local function outer()
  inner()
end
outer()
