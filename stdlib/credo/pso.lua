-- credo.pso: global-best particle swarm optimisation over a declared search
-- space (docs/pso.md).  The swarm lives in the native core (natives/pso,
-- pyswarms 1.3 GlobalBestPSO's update rule); this file maps a space of
-- named, bounded, possibly integer or log-scale dimensions to the core's box
-- of reals, calls the objective and reports progress.
--
--   local r = credo.pso.minimize(function(p) return (p.x - 1)^2 + p.depth end,
--     { { name = "x", low = -5, high = 5 },
--       { name = "lr", low = 1e-4, high = 1, log = true },
--       { name = "depth", low = 2, high = 10, integer = true } },
--     { n_particles = 20, iters = 50, seed = 1 })
--   r.best_params, r.best_cost, r.history
--
--   credo.pso.minimize("rastrigin", space, opts)   -- a native objective
--
-- What it is not: a constrained or multi-objective optimiser, a local-best
-- (ring) PSO, or a parallel evaluator (the objective is called once per
-- particle per iteration, in particle order; see docs/tune.md for where
-- parallelism comes from).
local core = require "credo.core"
local C = core.pso_core

local M = {}
local A = require "credo.argcheck"
local argerror, is_tensor = A.argerror, A.is_tensor

local OPTIONS = {
  n_particles = true, iters = true, w = true, c1 = true, c2 = true, vmax = true,
  bounds_strategy = true, seed = true, generator = true, progress = true,
  x0 = true, v0 = true, draws = true, batch = true,
}

-- Check a space (list of dimension tables) and return it with the search
-- box: lo, hi (tables of d numbers, in log space for log dimensions).
function M.check_space(op, i, space)
  if type(space) ~= "table" or #space == 0 then
    argerror(op, i, "expected a non-empty list of dimensions {name=, low=, high=}")
  end
  local lo, hi, seen = {}, {}, {}
  for k, dim in ipairs(space) do
    if type(dim) ~= "table" then
      argerror(op, i, ("dimension %d must be a table, got %s"):format(k, type(dim)))
    end
    for key in pairs(dim) do
      if key ~= "name" and key ~= "low" and key ~= "high" and key ~= "log" and key ~= "integer" then
        argerror(op, i, ("dimension %d: unknown field '%s'"):format(k, tostring(key)))
      end
    end
    local name = dim.name
    if type(name) ~= "string" or name == "" then
      argerror(op, i, ("dimension %d needs a name (a string)"):format(k))
    end
    if seen[name] then argerror(op, i, ("dimension '%s' appears twice"):format(name)) end
    seen[name] = true
    local l, h = dim.low, dim.high
    if type(l) ~= "number" or type(h) ~= "number" or l ~= l or h ~= h
      or l == math.huge or l == -math.huge or h == math.huge or h == -math.huge then
      argerror(op, i, ("dimension '%s': low and high must be finite numbers"):format(name))
    end
    if not (l < h) then
      argerror(op, i, ("dimension '%s': low (%s) must be < high (%s)"):format(name, l, h))
    end
    if dim.integer and math.floor(h) < l then
      argerror(op, i, ("dimension '%s': no integer lies in [%s, %s]"):format(name, l, h))
    end
    if dim.log then
      if not (l > 0) then
        argerror(op, i, ("dimension '%s': a log dimension needs low > 0, got %s"):format(name, l))
      end
      lo[k], hi[k] = math.log(l), math.log(h)
    else
      lo[k], hi[k] = l, h
    end
  end
  return lo, hi
end

-- The value of dimension dim at search coordinate z: exp for log
-- dimensions, then rounding (half away from zero) for integer ones, then
-- clipped into [low, high] (exp(log(high)) may overshoot by an ulp).
function M.decode(dim, z)
  local v = dim.log and math.exp(z) or z
  if dim.integer then
    v = v >= 0 and math.floor(v + 0.5) or -math.floor(-v + 0.5)
    local l, h = math.ceil(dim.low), math.floor(dim.high)
    if v < l then v = l elseif v > h then v = h end
    return math.tointeger(v)
  end
  if v < dim.low then v = dim.low elseif v > dim.high then v = dim.high end
  return v
end

local function seed_of(op, o)
  if o.seed ~= nil then
    if math.type(o.seed) ~= "integer" then
      argerror(op, 3, ("seed must be an integer, got %s"):format(tostring(o.seed)))
    end
    return o.seed
  end
  local g = o.generator or core.random.get_generator()
  return g:integer(math.mininteger, math.maxinteger)
end

local function pos_int(op, o, key, default, max)
  local v = o[key]
  if v == nil then return default end
  if math.type(v) ~= "integer" and not (type(v) == "number" and v == math.floor(v)) then
    argerror(op, 3, ("%s must be an integer, got %s"):format(key, tostring(v)))
  end
  v = math.tointeger(v)
  if v < 1 or v > max then argerror(op, 3, ("%s must be in 1..%d, got %d"):format(key, max, v)) end
  return v
end

local function finite(op, o, key, default, positive)
  local v = o[key]
  if v == nil then return default end
  if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
    argerror(op, 3, ("%s must be a finite number, got %s"):format(key, tostring(v)))
  end
  if positive and not (v > 0) then argerror(op, 3, ("%s must be > 0, got %s"):format(key, v)) end
  return v
end

local NATIVE = { sphere = true, rosenbrock = true, rastrigin = true }

--- minimize(f, space [, opts]) -> { best_params, best_cost, history,
--   best_position, n_evaluations, seed }
-- f: function(params) -> number (a Lua table name -> value per particle),
-- or "sphere" | "rosenbrock" | "rastrigin" (native, evaluated in C).
-- opts: n_particles (20), iters (100), w (0.7298), c1 (1.49618),
-- c2 (1.49618), vmax (nil: no clamp; else a fraction of each dimension's
-- search width), bounds_strategy ("reflective" | "nearest" | "periodic";
-- default "reflective"), seed / generator, progress (verbose level for
-- credo.progress: 0, 1, 2; default 1 for Lua objectives, 0 for native),
-- batch (true: f takes the list of the n particles' parameter tables and
-- returns the list of their costs, for parallel evaluation),
-- x0, v0 (n,d) initial swarm and velocities in search coordinates, draws
-- (function(t) -> r1, r2, the (n,d) uniform draws of iteration t) to replay
-- another implementation's randomness.
function M.minimize(f, space, opts)
  local op = "pso.minimize"
  local native = type(f) == "string"
  if native and not NATIVE[f] then
    argerror(op, 1, ("native objective must be 'sphere', 'rosenbrock' or 'rastrigin', got '%s'")
      :format(f))
  end
  if not native and type(f) ~= "function" then
    argerror(op, 1, "expected a function of a parameter table or a native objective name, got "
      .. type(f))
  end
  local lo, hi = M.check_space(op, 2, space)
  if opts ~= nil and type(opts) ~= "table" then
    argerror(op, 3, "expected a table of options, got " .. type(opts))
  end
  local o = opts or {}
  for k in pairs(o) do
    if not OPTIONS[k] then argerror(op, 3, ("unknown option '%s'"):format(tostring(k))) end
  end
  if native then
    for _, dim in ipairs(space) do
      if dim.log or dim.integer then
        argerror(op, 2, ("dimension '%s': a native objective takes plain real dimensions")
          :format(dim.name))
      end
    end
  end
  local n = pos_int(op, o, "n_particles", 20, 1000000)
  local iters = pos_int(op, o, "iters", 100, 100000000)
  local w = finite(op, o, "w", 0.7298)
  local c1 = finite(op, o, "c1", 1.49618)
  local c2 = finite(op, o, "c2", 1.49618)
  local d = #space
  local vmin, vmax
  if o.vmax ~= nil then
    local frac = finite(op, o, "vmax", nil, true)
    vmin, vmax = {}, {}
    for k = 1, d do
      vmax[k] = frac * (hi[k] - lo[k])
      vmin[k] = -vmax[k]
    end
  end
  local strategy = o.bounds_strategy or "reflective"
  if strategy ~= "reflective" and strategy ~= "nearest" and strategy ~= "periodic" then
    argerror(op, 3, ("bounds_strategy must be 'reflective', 'nearest' or 'periodic', got %s")
      :format(tostring(strategy)))
  end
  if (o.x0 == nil) ~= (o.v0 == nil) then argerror(op, 3, "x0 and v0 go together") end
  if o.draws ~= nil and type(o.draws) ~= "function" then
    argerror(op, 3, "draws must be a function(t) -> r1, r2")
  end
  local seed = seed_of(op, o)
  local sw = C.new { n = n, d = d, w = w, c1 = c1, c2 = c2, lb = lo, ub = hi,
                     vmin = vmin, vmax = vmax, bounds = strategy, seed = seed,
                     x0 = o.x0, v0 = o.v0 }
  local plain = {}  -- dimensions passed through as searched (neither log nor integer)
  for k, dim in ipairs(space) do plain[k] = not dim.log and not dim.integer end
  local history = {}
  local verbose = o.progress
  if verbose == nil then verbose = native and 0 or 1 end
  local bar = require("credo.progress").new { total = iters, label = "pso", unit = "iter",
                                              verbose = verbose }
  if native and o.draws == nil then
    local h = sw:run(f, iters)
    for t = 1, iters do history[t] = h:get(t) end
    bar:update(iters)
  else
    for t = 1, iters do
      local costs
      if native then
        costs = C.objective(f, sw:positions())
      else
        local rows = sw:rows()
        local ps = {}
        for i = 1, n do
          local row, p = rows[i], {}
          for k = 1, d do
            local dim = space[k]
            p[dim.name] = plain[k] and row[k] or M.decode(dim, row[k])
          end
          ps[i] = p
        end
        if o.batch then
          costs = f(ps)
          if type(costs) ~= "table" then
            error(("pso.minimize: the batch objective returned %s for iteration %d "
              .. "(expected a list of %d costs)"):format(type(costs), t, n), 0)
          end
        else
          costs = {}
          for i = 1, n do costs[i] = f(ps[i]) end
        end
        for i = 1, n do
          if type(costs[i]) ~= "number" then
            error(("pso.minimize: the objective returned %s for particle %d of iteration %d "
              .. "(expected a number)"):format(type(costs[i]), i, t), 0)
          end
        end
      end
      history[t] = sw:tell(costs)
      if o.draws then
        local r1, r2 = o.draws(t)
        sw:move(r1, r2)
      else
        sw:move()
      end
      bar:update(t, { best = history[t] })
    end
  end
  local best, cost = sw:best()
  if cost == math.huge then
    bar:close("no finite cost")
    error(("%s: the objective returned no finite cost in %d evaluations (NaN and inf are never a "
      .. "best): best_params would be a point never evaluated"):format(op, n * iters), 2)
  end
  local best_params = {}
  for k, dim in ipairs(space) do best_params[dim.name] = M.decode(dim, best:get(k)) end
  bar:close(("best %.6g"):format(cost))
  return { best_params = best_params, best_cost = cost, history = history,
           best_position = best, n_evaluations = n * iters, seed = seed, swarm = sw }
end

M.core = C
return M
