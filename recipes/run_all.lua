-- recipes/run_all.lua: what `make run` runs.  Reproduces every paper whose
-- recipe exists in recipes/, at paper settings, on the shipped data, and
-- prints where each report is and how long each took.  Arguments pass
-- through to every recipe (`make run RUN_ARGS=--quick`, `--seed 7`,
-- `--threads 2`, `--quiet`); `--out DIR` puts recipe NAME's run folder at
-- DIR/NAME.
--
--   credo recipes/run_all.lua            -- paper settings
--   credo recipes/run_all.lua --quick    -- every recipe's smoke configuration
--
-- The recipes run one after another in this process (each seeds the global
-- generator itself, so the order does not change any number).  A recipe
-- that fails is reported and the others still run; the exit status is 1
-- if any failed.  Not here: `--set` (parameters differ between recipes;
-- run a recipe alone to override its parameters) and `--sweep`.
local credo = require "credo"

local recipes = { "lstm_gru", "ann_pipeline", "nerhf", "gwe_blendnet", "wide_deep" }

local here = (arg and arg[0] or "recipes/run_all.lua"):match("^(.*)/[^/]*$") or "."
local args = {}
for i = 1, #(arg or {}) do args[i] = arg[i] end

-- --out DIR (or --out=DIR) becomes DIR/<recipe> per recipe
local out_dir
do
  local kept, i = {}, 1
  while i <= #args do
    local a = args[i]
    if a == "--help" or a == "-h" then
      print("usage: credo recipes/run_all.lua [--quick] [--quiet] [--seed N] [--threads N] [--out DIR]\n"
        .. "Runs every paper recipe in recipes/ (" .. table.concat(recipes, ", ") .. ") one after another;\n"
        .. "each recipe's own parameters: credo recipes/NAME.lua --help")
      os.exit(0)
    elseif a == "--out" then
      out_dir = args[i + 1]
      if not out_dir then io.stderr:write("run_all: --out needs a folder\n"); os.exit(2) end
      i = i + 2
    elseif a:sub(1, 6) == "--out=" then
      out_dir = a:sub(7)
      i = i + 1
    elseif a == "--set" or a:sub(1, 6) == "--set=" or a == "--sweep" or a:sub(1, 8) == "--sweep=" then
      io.stderr:write("run_all: " .. a .. " is not passed to every recipe; run the recipe alone\n")
      os.exit(2)
    else
      kept[#kept + 1] = a
      i = i + 1
    end
  end
  args = kept
end

local results, missing, failed = {}, {}, {}
local t_all = credo.clock()
for _, name in ipairs(recipes) do
  local path = here .. "/" .. name .. ".lua"
  local fh = io.open(path, "r")
  if not fh then
    missing[#missing + 1] = name
  else
    fh:close()
    print(("== %s"):format(name))
    local chunk = assert(loadfile(path))
    local rargs = { table.unpack(args) }
    if out_dir then
      rargs[#rargs + 1] = "--out"
      rargs[#rargs + 1] = out_dir .. "/" .. name
    end
    local saved = arg
    arg = { [0] = path, table.unpack(rargs) }
    local t0 = credo.clock()
    local ok, res, folder = pcall(chunk, table.unpack(rargs))
    local secs = credo.clock() - t0
    arg = saved
    if ok then
      results[#results + 1] = { name, secs, folder }
    else
      failed[#failed + 1] = name
      results[#results + 1] = { name, secs, nil, tostring(res) }
      print(("%s failed: %s"):format(name, tostring(res)))
    end
  end
end

print("")
print("recipe           wall time   report")
for _, r in ipairs(results) do
  local where = r[3] and (r[3] .. "/report.html") or ("FAILED: " .. (r[4] or ""))
  print(("%-16s %8.1f s  %s"):format(r[1], r[2], where))
end
print(("recipes run: %d, failed: %d, not yet written: %d%s; total %.1f s"):format(
  #results - #failed, #failed, #missing,
  #missing > 0 and (" (" .. table.concat(missing, ", ") .. ")") or "", credo.clock() - t_all))
if #failed > 0 then os.exit(1) end
