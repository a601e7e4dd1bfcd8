-- tests/report/recipe_demo.lua: a tiny recipe for tests/spec/recipe_spec.lua.
-- It declares one parameter of each type, draws from the global generator
-- (seeded by credo.recipe.run) and returns two metrics; with
-- --set fail=true it raises before its report is finished.
local credo = require "credo"
local recipe = require "credo.recipe"

local P = recipe.params {
  name = "recipe_demo", description = "a test recipe", seed = 11,
  { "lr", 0.01, "learning rate" },
  { "epochs", 20, "training epochs" },
  { "optimiser", "adam", "optimiser name" },
  { "layers", { 64, 32 }, "hidden layer sizes" },
  { "fail", false, "raise an error before the report is finished" },
  quick = { epochs = 2 },
}

local out = recipe.run(P, function(p, r)
  r:section("Result")
  local draw = credo.rand(1):item()
  r:text(("lr %s, epochs %d, optimiser %s, layers %s, draw %.17g"):format(
    p.lr, p.epochs, p.optimiser, table.concat(p.layers, "x"), draw))
  r:metric("draw", draw)
  if p.fail then error("recipe_demo failed on purpose") end
  return { score = 1 - p.lr, epochs = p.epochs }
end)
io.stdout:write(("score %.3f\n"):format(out.score or -1))
