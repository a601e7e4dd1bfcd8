-- recipes/run_all.lua: what `make run` runs.  Reproduces every paper whose
-- recipe exists in recipes/, at paper settings, on the shipped data, and
-- prints where each report is.  Arguments pass through to every recipe
-- (e.g. `make run RUN_ARGS=--quick`).
local recipes = { "lstm_gru", "ann_pipeline", "nerhf", "gwe_blendnet", "wide_deep" }

local here = (arg and arg[0] or "recipes/run_all.lua"):match("^(.*)/[^/]*$") or "."
local ran, missing, failed = 0, {}, {}
for _, name in ipairs(recipes) do
  local path = here .. "/" .. name .. ".lua"
  local fh = io.open(path, "r")
  if not fh then
    missing[#missing + 1] = name
  else
    fh:close()
    print(("== %s"):format(name))
    local chunk = assert(loadfile(path))
    local saved = arg
    arg = { [0] = path, table.unpack(saved or {}) }
    local ok, err = pcall(chunk, table.unpack(saved or {}))
    arg = saved
    if ok then ran = ran + 1 else failed[#failed + 1] = name; print(err) end
  end
end
print(("recipes run: %d, failed: %d, not yet written: %d (%s)"):format(
  ran, #failed, #missing, table.concat(missing, ", ")))
if #failed > 0 then os.exit(1) end
