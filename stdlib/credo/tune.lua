-- credo.tune: hyperparameter search for any model of the estimator protocol
-- (docs/design.md): grid search, random search and PSO search over a
-- declared space, each candidate scored by stratified K-fold
-- cross-validation on the training data only, the best refitted on all of
-- it (docs/tune.md).
--
--   local r = credo.tune.pso(credo.GBDT { seed = 1 }, credo.tune.spaces.GB, X, y,
--                            { n_particles = 6, iters = 4, cv = 5, scoring = "roc_auc", seed = 1 })
--   r.best_params, r.best_score, r.best_model, r.trace   -- trace: a credo Frame
--
--   credo.tune.grid(m, { max_depth = { 3, 5 }, learning_rate = { 0.05, 0.1 } }, X, y)
--   credo.tune.random(m, space, X, y, { n_iter = 20, seed = 1 })
--
-- A space is a list of dimensions: { name =, low =, high =, log =, integer = }
-- (numbers, as credo.pso) or { name =, values = { ... } } (a choice).
-- Scores are "higher is better" (scikit-learn's convention): roc_auc,
-- accuracy, f1, neg_log_loss, brier (the negative Brier score), or a
-- function(y_true, model, X_test) -> number.
--
-- Parallel across cores two ways: the models' own native threads
-- (credo.threads), and opts.workers forked processes scoring distinct
-- candidates at once (each model then on opts.worker_threads threads, 1 by
-- default).  Candidates are recorded in the order they are first asked
-- for, and each is scored alone on fixed folds, so a result does not
-- depend on either count.  What it is not: nested cross-validation or
-- successive halving.
local credo = require "credo"
local pso = require "credo.pso"
local split = require "credo.split"
local estimator = require "credo.estimator"

local M = {}
local A = require "credo.argcheck"
local argerror, is_tensor = A.argerror, A.is_tensor

-- ---- scoring ----

local function positive_proba(op, model, X)
  local P = model:predict_proba(X)
  if P:size(2) ~= 2 then
    error(("%s: scoring needs a binary classifier (predict_proba gave %d columns)")
      :format(op, P:size(2)), 0)
  end
  return P:select(2, 2):contiguous()
end

M.scorers = {
  roc_auc = function(y, m, X, op) return credo.metrics.roc_auc(y, positive_proba(op, m, X)) end,
  accuracy = function(y, m, X) return credo.metrics.accuracy(y, m:predict(X)) end,
  f1 = function(y, m, X) return credo.metrics.f1(y, m:predict(X)) end,
  neg_log_loss = function(y, m, X) return -credo.metrics.log_loss(y, m:predict_proba(X)) end,
  brier = function(y, m, X, op) return -credo.metrics.brier_score(y, positive_proba(op, m, X)) end,
}

local function scorer_of(op, i, s)
  if s == nil then return M.scorers.roc_auc, "roc_auc" end
  if type(s) == "function" then return function(y, m, X) return s(y, m, X) end, "custom" end
  if type(s) == "string" and M.scorers[s] then return M.scorers[s], s end
  argerror(op, i, ("scoring must be 'roc_auc', 'accuracy', 'f1', 'neg_log_loss', 'brier' or a "
    .. "function, got %s"):format(tostring(s)))
end

-- ---- options ----

local COMMON = { cv = true, scoring = true, seed = true, shuffle = true, progress = true,
                 refit = true, workers = true, worker_threads = true }

-- ---- worker processes ----

-- A number as text that reads back as the same float64 (nan, inf too).
local function num_str(v)
  if v ~= v then return "nan" end
  if v == math.huge then return "inf" end
  if v == -math.huge then return "-inf" end
  return ("%.17g"):format(v)
end

local function str_num(t)
  if t == "nan" then return 0 / 0 end
  if t == "inf" then return math.huge end
  if t == "-inf" then return -math.huge end
  return tonumber(t)
end

-- Score the candidates todo[j].params in `workers` forked processes
-- (candidate j goes to worker (j - 1) % workers + 1), each running its
-- models with `threads` threads; returns the list of fold-score lists in
-- the order of todo.  A worker sends one line per candidate:
-- "j s1 s2 ..." or "E j message".
function M.run_workers(op, todo, workers, threads, fold_scores)
  local sys = credo.core.sys
  local procs = {}
  workers = math.min(workers, #todo)
  for w = 1, workers do
    local pid, fd = sys.fork_pipe()
    if pid == nil then error(("%s: cannot start a worker (%s)"):format(op, tostring(fd)), 0) end
    if pid == 0 then
      -- the child: score its share, write, and leave without cleanup
      local ok = pcall(function()
        credo.threads(threads)
        for j = w, #todo, workers do
          local good, res = pcall(fold_scores, todo[j].params)
          local line
          if good then
            local parts = { tostring(j) }
            for f, v in ipairs(res) do parts[f + 1] = num_str(v) end
            line = table.concat(parts, " ")
          else
            line = ("E %d %s"):format(j, tostring(res):gsub("\n", " "))
          end
          sys.fd_write(fd, line .. "\n")
        end
      end)
      sys.exit_now(ok and 0 or 1)
    end
    procs[w] = { pid = pid, fd = fd }
  end
  local out, failure = {}, nil
  for w, p in ipairs(procs) do
    local text = sys.fd_read_all(p.fd) or ""
    local code = sys.wait(p.pid)
    for line in text:gmatch("[^\n]+") do
      local j, msg = line:match("^E (%d+) (.*)$")
      if j then
        failure = failure or msg
      else
        local fields = {}
        for t in line:gmatch("%S+") do fields[#fields + 1] = t end
        local scores = {}
        for f = 2, #fields do scores[f - 1] = str_num(fields[f]) end
        out[tonumber(fields[1])] = scores
      end
    end
    if code ~= 0 and not failure then
      failure = ("%s: worker %d ended with code %d"):format(op, w, code)
    end
  end
  if failure then error(failure, 0) end
  for j = 1, #todo do
    if out[j] == nil then error(("%s: no result for candidate %d"):format(op, j), 0) end
  end
  return out
end

local function options(op, i, opts, extra)
  if opts == nil then return {} end
  if type(opts) ~= "table" then argerror(op, i, "expected a table of options, got " .. type(opts)) end
  for k in pairs(opts) do
    if not COMMON[k] and not (extra and extra[k]) then
      argerror(op, i, ("unknown option '%s'"):format(tostring(k)))
    end
  end
  for _, k in ipairs { "shuffle", "refit" } do
    if opts[k] ~= nil and type(opts[k]) ~= "boolean" then
      argerror(op, i, ("%s must be true or false, got %s"):format(k, tostring(opts[k])))
    end
  end
  return opts
end

local function check_data(op, model, X, y)
  if not estimator.is_estimator(model) then
    argerror(op, 1, "expected a model of the estimator protocol (clone, set_params, fit, predict_proba)")
  end
  if not is_tensor(X) or X:dim() ~= 2 then argerror(op, 3, "expected X as a 2-d tensor") end
  if not is_tensor(y) or y:dim() ~= 1 or y:dtype() ~= "int64" then
    argerror(op, 4, "expected y as a 1-d int64 tensor of class labels")
  end
  if y:size(1) ~= X:size(1) then
    argerror(op, 4, ("y has %d labels but X has %d rows"):format(y:size(1), X:size(1)))
  end
end

local function seed_of(op, i, o)
  if o.seed == nil then return 0 end
  if math.type(o.seed) ~= "integer" then
    argerror(op, i, ("seed must be an integer, got %s"):format(tostring(o.seed)))
  end
  return o.seed
end

-- A parameter value as text: exact numbers, lists as {a,b}.
function M.show(v)
  if math.type(v) == "float" then return ("%.17g"):format(v) end
  if type(v) == "table" then
    local parts = {}
    for i = 1, #v do parts[i] = M.show(v[i]) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return tostring(v)
end

-- A canonical string of a parameter table (sorted keys, exact numbers), to
-- find repeated candidates.
local function key_of(p)
  local ks = {}
  for k in pairs(p) do ks[#ks + 1] = k end
  table.sort(ks)
  local parts = {}
  for _, k in ipairs(ks) do
    parts[#parts + 1] = k .. "=" .. M.show(p[k])
  end
  return table.concat(parts, ",")
end

-- ---- the search driver ----

-- A search over candidates: folds fixed once, then evaluate(params) -> mean
-- score, caching repeats; finish() picks the best (highest mean, the first
-- on ties), refits it on all of X, y and builds the trace.
local function Search(op, model, X, y, o)
  check_data(op, model, X, y)
  local cv = o.cv == nil and 5 or o.cv
  if math.type(cv) ~= "integer" and not (type(cv) == "number" and cv == math.floor(cv)) then
    argerror(op, 5, ("cv must be an integer >= 2, got %s"):format(tostring(cv)))
  end
  cv = math.tointeger(cv)
  if cv < 2 then argerror(op, 5, ("cv must be an integer >= 2, got %d"):format(cv)) end
  local score, scoring = scorer_of(op, 5, o.scoring)
  local seed = seed_of(op, 5, o)
  local shuffle = o.shuffle ~= false
  local folds = split.stratified_kfold(y, cv, { shuffle = shuffle, seed = shuffle and seed or nil })
  local data = {}
  for f, fold in ipairs(folds) do
    data[f] = { Xtr = split.take(X, fold.train), ytr = split.take(y, fold.train),
                Xte = split.take(X, fold.test), yte = split.take(y, fold.test) }
  end
  local workers = o.workers == nil and 1 or o.workers
  if math.type(workers) ~= "integer" or workers < 1 or workers > 256 then
    argerror(op, 5, ("workers must be an integer in 1..256, got %s"):format(tostring(o.workers)))
  end
  local worker_threads = o.worker_threads == nil and 1 or o.worker_threads
  if math.type(worker_threads) ~= "integer" or worker_threads < 1 then
    argerror(op, 5, ("worker_threads must be an integer >= 1, got %s"):format(tostring(o.worker_threads)))
  end
  local self = { op = op, workers = workers, model = model, X = X, y = y, cv = cv, scoring = scoring, seed = seed,
                 results = {}, cache = {}, n_evaluations = 0 }

  -- The fold scores of one candidate (fits cv models).
  local function fold_scores(params)
    local scores = {}
    for f = 1, cv do
      local m = model:clone():set_params(params)
      m:fit(data[f].Xtr, data[f].ytr)
      local sc = score(data[f].yte, m, data[f].Xte, op)
      if type(sc) ~= "number" then
        error(("%s: scoring returned %s (expected a number)"):format(op, type(sc)), 0)
      end
      scores[f] = sc
    end
    return scores
  end

  local function record(key, params, scores)
    local sum = 0
    for f = 1, cv do sum = sum + scores[f] end
    local mean = sum / cv
    local var = 0
    for f = 1, cv do var = var + (scores[f] - mean) ^ 2 end
    local r = { params = params, mean = mean, std = math.sqrt(var / cv), scores = scores }
    self.results[#self.results + 1] = r
    self.cache[key] = r
  end

  -- evaluate_batch(list of params) -> list of mean scores.  The distinct
  -- candidates not seen before are scored (by `workers` processes when
  -- there are several) and recorded in the order they first appear, so the
  -- results do not depend on the worker count.
  function self.evaluate_batch(list)
    local todo, pending = {}, {}
    for _, p in ipairs(list) do
      self.n_evaluations = self.n_evaluations + 1
      local key = key_of(p)
      if not self.cache[key] and not pending[key] then
        pending[key] = true
        todo[#todo + 1] = { key = key, params = p }
      end
    end
    local scores
    if workers > 1 and #todo > 1 then
      scores = M.run_workers(op, todo, workers, worker_threads, fold_scores)
    else
      scores = {}
      for j, c in ipairs(todo) do scores[j] = fold_scores(c.params) end
    end
    for j, c in ipairs(todo) do record(c.key, c.params, scores[j]) end
    local means = {}
    for i, p in ipairs(list) do means[i] = self.cache[key_of(p)].mean end
    return means
  end

  function self.evaluate(params)
    return self.evaluate_batch({ params })[1]
  end

  function self.finish(extra)
    local best
    for _, r in ipairs(self.results) do
      -- NaN means never win; the first of equal means wins
      if r.mean == r.mean and (best == nil or r.mean > best.mean) then best = r end
    end
    if best == nil then error(op .. ": every candidate scored NaN", 0) end
    local best_model
    if o.refit ~= false then best_model = model:clone():set_params(best.params):fit(X, y) end
    local out = { best_params = best.params, best_score = best.mean, best_std = best.std,
                  best_model = best_model, results = self.results, trace = M.trace_frame(self.results, cv),
                  n_evaluations = self.n_evaluations, scoring = scoring, cv = cv }
    for k, v in pairs(extra or {}) do out[k] = v end
    return out
  end

  return self
end

-- The trace as a credo Frame: one row per distinct candidate in evaluation
-- order; a column per parameter (numbers, or strings for anything else),
-- then mean, std, fold_1 .. fold_k and rank (1 = best, ties share the
-- smallest rank, as scikit-learn's rank_test_score).
function M.trace_frame(results, cv)
  local names, seen = {}, {}
  for _, r in ipairs(results) do
    for k in pairs(r.params) do
      if not seen[k] then seen[k] = true; names[#names + 1] = k end
    end
  end
  table.sort(names)
  local cols, colnames = {}, {}
  for _, k in ipairs(names) do
    local numeric = true
    for _, r in ipairs(results) do
      if r.params[k] ~= nil and type(r.params[k]) ~= "number" then numeric = false end
    end
    local c = {}
    for i, r in ipairs(results) do
      local v = r.params[k]
      c[i] = (numeric or v == nil) and v or M.show(v)
    end
    colnames[#colnames + 1] = k
    cols[#cols + 1] = numeric and credo.tensor(#c > 0 and c or {}, "float64") or c
  end
  local mean, std, rank = {}, {}, {}
  for i, r in ipairs(results) do mean[i], std[i] = r.mean, r.std end
  for i, r in ipairs(results) do
    local k = 1
    for _, q in ipairs(results) do if q.mean > r.mean then k = k + 1 end end
    rank[i] = k
  end
  local function add(name, list)
    colnames[#colnames + 1] = name
    cols[#cols + 1] = credo.tensor(list, "float64")
  end
  add("mean", mean)
  add("std", std)
  for f = 1, cv do
    local s = {}
    for i, r in ipairs(results) do s[i] = r.scores[f] end
    add("fold_" .. f, s)
  end
  colnames[#colnames + 1] = "rank"
  cols[#cols + 1] = credo.tensor(rank, "int64")
  return credo.Frame.new(colnames, cols)
end

-- ---- spaces ----

-- Check a tuning space: numeric dimensions as credo.pso's, or choices
-- { name =, values = {...} }.
local function check_space(op, i, space)
  if type(space) ~= "table" or #space == 0 then
    argerror(op, i, "expected a non-empty list of dimensions")
  end
  local numeric = {}
  for k, dim in ipairs(space) do
    if type(dim) == "table" and dim.values ~= nil then
      if type(dim.values) ~= "table" or #dim.values == 0 then
        argerror(op, i, ("dimension '%s': values must be a non-empty list"):format(tostring(dim.name)))
      end
      if type(dim.name) ~= "string" then argerror(op, i, ("dimension %d needs a name"):format(k)) end
      -- a choice searches the index: integer in [0.5, n + 0.5] rounds to 1..n
      -- with equal widths
      numeric[k] = { name = dim.name, low = 0.5, high = #dim.values + 0.5, integer = true }
    elseif type(dim) == "table" and dim.wrap ~= nil then
      -- wrap = true: the value goes to the model as a one-element list
      local d = {}
      for key, v in pairs(dim) do if key ~= "wrap" then d[key] = v end end
      numeric[k] = d
    else
      numeric[k] = dim
    end
  end
  pso.check_space(op, i, numeric)
  return numeric
end

-- The model's value of dimension dim from its searched value v.
function M.value_of(dim, v)
  if dim.values then return dim.values[v] end
  if dim.wrap then return { v } end
  return v
end

local function decode_params(space, numeric, values_of)
  local p = {}
  for k, dim in ipairs(space) do
    p[dim.name] = M.value_of(dim, values_of(k, numeric[k]))
  end
  return p
end

local function progress_bar(o, total, label)
  return require("credo.progress").new { total = total, label = label, unit = "cand",
                                         verbose = o.progress == nil and 1 or o.progress }
end

-- Evaluate a list of candidates in batches (one per candidate serially,
-- 2 per worker with workers), updating the bar after each batch.
function M.evaluate_all(s, cands, bar)
  local size = s.workers > 1 and 2 * s.workers or 1
  local best = -math.huge
  for i = 1, #cands, size do
    local batch = {}
    for j = i, math.min(i + size - 1, #cands) do batch[#batch + 1] = cands[j] end
    for _, m in ipairs(s.evaluate_batch(batch)) do
      if m > best then best = m end
    end
    bar:update(i + #batch - 1, { best = best })
  end
end

--- grid(model, grid, X, y [, opts]) -> result
-- grid: { name = { v1, v2, ... }, ... }; every combination, parameters in
-- sorted name order, the last name varying fastest (scikit-learn's
-- ParameterGrid order).
function M.grid(model, grid, X, y, opts)
  local op = "tune.grid"
  local o = options(op, 5, opts)
  if type(grid) ~= "table" or next(grid) == nil then
    argerror(op, 2, "expected a table name -> list of values")
  end
  local names = {}
  for k, v in pairs(grid) do
    if type(k) ~= "string" then argerror(op, 2, "parameter names must be strings") end
    if type(v) ~= "table" or #v == 0 then
      argerror(op, 2, ("'%s' must be a non-empty list of values"):format(k))
    end
    names[#names + 1] = k
  end
  table.sort(names)
  local total = 1
  for _, k in ipairs(names) do total = total * #grid[k] end
  local s = Search(op, model, X, y, o)
  local bar = progress_bar(o, total, "grid")
  local idx, cands = {}, {}
  for i = 1, #names do idx[i] = 1 end
  for c = 1, total do
    local p = {}
    for i, k in ipairs(names) do p[k] = grid[k][idx[i]] end
    cands[c] = p
    for i = #names, 1, -1 do
      idx[i] = idx[i] + 1
      if idx[i] <= #grid[names[i]] then break end
      idx[i] = 1
    end
  end
  M.evaluate_all(s, cands, bar)
  local r = s.finish()
  bar:close(("best %s %.6g"):format(r.scoring, r.best_score))
  return r
end

--- random(model, space, X, y [, opts]) -> result
-- opts.n_iter (default 10) candidates; each dimension drawn uniformly (in
-- log space for log = true, rounded for integer, a uniform choice for
-- values) from credo.Generator(seed), candidate by candidate, dimensions in
-- the space's order.
function M.random(model, space, X, y, opts)
  local op = "tune.random"
  local o = options(op, 5, opts, { n_iter = true })
  local numeric = check_space(op, 2, space)
  local n_iter = o.n_iter == nil and 10 or o.n_iter
  if math.type(n_iter) ~= "integer" or n_iter < 1 then
    argerror(op, 5, ("n_iter must be an integer >= 1, got %s"):format(tostring(n_iter)))
  end
  local s = Search(op, model, X, y, o)
  local g = credo.Generator(s.seed)
  local bar = progress_bar(o, n_iter, "random")
  local cands = {}
  for c = 1, n_iter do
    cands[c] = decode_params(space, numeric, function(_, dim)
      local lo, hi = dim.low, dim.high
      if dim.log then lo, hi = math.log(lo), math.log(hi) end
      return pso.decode(dim, lo + (hi - lo) * g:uniform())
    end)
  end
  M.evaluate_all(s, cands, bar)
  local r = s.finish()
  bar:close(("best %s %.6g"):format(r.scoring, r.best_score))
  return r
end

--- pso(model, space, X, y [, opts]) -> result (also history: the best mean
-- score per PSO iteration)
-- opts: n_particles (default 10), iters (default 10), w, c1, c2, vmax,
-- bounds_strategy as credo.pso.minimize; the swarm's seed is opts.seed.
-- The objective is minus the mean CV score; a candidate the swarm visits
-- again (integer and choice dimensions round to the same point) is not
-- refitted: its first score is reused.
function M.pso(model, space, X, y, opts)
  local op = "tune.pso"
  local PSO_OPTS = { n_particles = true, iters = true, w = true, c1 = true, c2 = true,
                     vmax = true, bounds_strategy = true }
  local o = options(op, 5, opts, PSO_OPTS)
  local numeric = check_space(op, 2, space)
  local s = Search(op, model, X, y, o)
  local popts = { n_particles = o.n_particles or 10, iters = o.iters or 10, seed = s.seed,
                  progress = o.progress == nil and 1 or o.progress }
  for k in pairs(PSO_OPTS) do
    if popts[k] == nil then popts[k] = o[k] end
  end
  popts.batch = true
  local res = pso.minimize(function(qs)
    local list = {}
    for i, q in ipairs(qs) do
      local p = {}
      for _, dim in ipairs(space) do p[dim.name] = M.value_of(dim, q[dim.name]) end
      list[i] = p
    end
    local costs = {}
    for i, mean in ipairs(s.evaluate_batch(list)) do
      costs[i] = mean == mean and -mean or math.huge
    end
    return costs
  end, numeric, popts)
  local hist = {}
  for t, c in ipairs(res.history) do hist[t] = -c end
  return s.finish { history = hist }
end

-- The GWE paper's search spaces (gwe-blendnet.txt, Table 2), with credo's
-- parameter names (docs/tune.md lists the mapping).
M.spaces = require "credo.tune.spaces"

return M
