-- credo.split: train/test and train/validation/test splits (plain or
-- stratified), K-fold and stratified K-fold, bootstrap resamples, and taking
-- the rows of a tensor or a Frame (docs/sampling.md).
--
--   local split = credo.split
--   local tr, te = split.train_test(y, { test_size = 0.2, stratify = true, seed = 1 })
--   local tr, va, te = split.train_val_test(y, { sizes = { 0.7, 0.2, 0.1 }, stratify = true })
--   for i, f in ipairs(split.stratified_kfold(y, 5, { shuffle = true, seed = 1 })) do
--     local m = model:clone():fit(split.take(X, f.train), split.take(y, f.train))
--   end
--   local inbag, oob = split.bootstrap(n, { seed = 1 })
--
-- Every index is a 1-based int64 tensor.  Allocation follows scikit-learn
-- 1.2 (ShuffleSplit, StratifiedShuffleSplit, KFold, StratifiedKFold); the
-- draws come from credo's generator, so the sizes and class counts equal
-- scikit-learn's while the chosen rows differ.  Everything random takes
-- opts.seed (an integer) or opts.generator; without either, a seed is drawn
-- from the global generator (credo.seed).  The index work is native
-- (natives/sample); this file checks options and sizes.  Not here: group
-- K-fold, time-series splits, repeated K-fold.
local core = require "credo.core"
local C = core.sample

local M = {}
local A = require "credo.argcheck"
local argerror, is_tensor, options, set = A.argerror, A.is_tensor, A.options, A.set

-- The 64-bit seed of a call: opts.seed, else a draw from opts.generator or
-- the global generator.
local function seed_of(op, i, o)
  if o.seed ~= nil then
    if math.type(o.seed) ~= "integer" then
      argerror(op, i, ("seed must be an integer, got %s"):format(tostring(o.seed)))
    end
    return o.seed
  end
  local g = o.generator
  if g ~= nil then
    local mt = type(g) == "userdata" and getmetatable(g)
    if not (mt and mt.__name == "credo.Generator") then
      argerror(op, i, "generator must be a credo.Generator, got " .. type(g))
    end
  else
    g = core.random.get_generator()
  end
  return g:integer(math.mininteger, math.maxinteger)
end

-- n from an integer or from a tensor's length (argument i).
local function count_of(op, i, v)
  if is_tensor(v) then
    if v:dim() < 1 then argerror(op, i, "expected a tensor with at least one dimension") end
    return v:size(1)
  end
  if math.type(v) ~= "integer" and not (type(v) == "number" and v == math.floor(v)) then
    argerror(op, i, ("expected a number of samples or a tensor, got %s"):format(
      type(v) == "number" and tostring(v) or type(v)))
  end
  v = math.tointeger(v)
  if v == nil or v < 1 then argerror(op, i, ("number of samples must be >= 1, got %s"):format(tostring(v))) end
  return v
end

-- The class counts of y (argument yi) as a Lua table label -> count of the
-- labels present, the sorted list of those labels, and the smallest class.
local function class_stats(op, yi, y)
  local counts = C.class_counts(op, y, nil, yi)
  local labels, cnt = {}, {}
  for c = 1, counts:size(1) do
    local v = counts:get(c)
    if v > 0 then
      labels[#labels + 1] = c - 1
      cnt[c - 1] = v
    end
  end
  return labels, cnt
end

-- The labels to stratify on: opts.stratify is true (the first argument,
-- which must then be a tensor) or a tensor of labels.
local function strat_labels(op, first, o, n)
  local s = o.stratify
  if s == nil or s == false then return nil end
  if s ~= true and s ~= first and is_tensor(s) then
    C.class_counts(op, s, nil, 2) -- labels given in the options: argument #2
  end
  if s == true then
    if not is_tensor(first) then
      argerror(op, 2, "stratify = true needs the labels as the first argument")
    end
    s = first
  elseif not is_tensor(s) then
    argerror(op, 2, "stratify must be true or an int64 tensor of labels, got " .. type(s))
  end
  if s:dim() ~= 1 or s:size(1) ~= n then
    argerror(op, 2, ("stratify has %d labels but there are %d samples"):format(
      s:dim() == 1 and s:size(1) or -1, n))
  end
  return s
end

-- scikit-learn's checks before a stratified split into parts of the
-- given sizes (names for the messages).
local function check_strat(op, y, sizes, names)
  local labels, cnt = class_stats(op, 1, y)
  local least, least_label = math.huge, nil
  for _, c in ipairs(labels) do
    if cnt[c] < least then least, least_label = cnt[c], c end
  end
  if least < 2 then
    argerror(op, 2, ("the least populated class in y (label %d) has only 1 member, "
      .. "which is too few: every class needs at least 2"):format(least_label))
  end
  for p, sz in ipairs(sizes) do
    if sz < #labels then
      argerror(op, 2, ("the %s size = %d should be greater or equal to the number of "
        .. "classes = %d"):format(names[p], sz, #labels))
    end
  end
end

local function check_fraction(op, name, v)
  if type(v) ~= "number" or v ~= v or not (v > 0 and v < 1) then
    argerror(op, 2, ("%s must be a number in (0, 1), got %s"):format(name, tostring(v)))
  end
end

--- train_test(n_or_y [, opts]) -> train, test (1-based int64 index tensors)
-- opts: test_size (default 0.25, a fraction in (0, 1)), stratify (true or a
-- label tensor), shuffle (default true), seed / generator.
-- n_test = ceil(test_size * n) and n_train = n - n_test (scikit-learn's
-- rule, computed in double).  Stratified: each class's share of train is
-- approx_mode(class counts, n_train), then of test approx_mode(the rest,
-- n_test) (scikit-learn's StratifiedShuffleSplit; see docs/sampling.md).
function M.train_test(n_or_y, opts)
  local op = "train_test"
  local o = options(op, 2, opts, set("test_size", "stratify", "shuffle", "seed", "generator"))
  local n = count_of(op, 1, n_or_y)
  local ts = o.test_size == nil and 0.25 or o.test_size
  check_fraction(op, "test_size", ts)
  local n_test = math.tointeger(math.ceil(ts * n))
  local n_train = n - n_test
  if n_train < 1 then
    argerror(op, 2, ("with n = %d and test_size = %s the train set would be empty"):format(n, ts))
  end
  local y = strat_labels(op, n_or_y, o, n)
  if o.shuffle == false then
    if y then argerror(op, 2, "stratified splits need shuffle = true") end
    local all = core.tensor.arange(1, n + 1, 1, "int64")
    return all:narrow(1, 1, n_train), all:narrow(1, n_train + 1, n_test)
  elseif o.shuffle ~= nil and o.shuffle ~= true then
    argerror(op, 2, "shuffle must be a boolean, got " .. type(o.shuffle))
  end
  local seed = seed_of(op, 2, o)
  if y then
    check_strat(op, y, { n_train, n_test }, { "train", "test" })
    return C.stratified_split(op, y, { n_train, n_test }, seed)
  end
  local test, train = C.permutation_parts(op, n, { n_test, n_train }, seed)
  return train, test
end

--- train_val_test(n_or_y [, opts]) -> train, val, test (or train, test for
-- two sizes).  opts.sizes: 2 or 3 fractions summing to 1 (default
-- {0.7, 0.2, 0.1}; 7:2:1, 6:2:2, 8:2 ...); stratify, seed / generator as
-- train_test.  The validation and test parts get ceil(size * n) rows, the
-- train part the rest.  Stratified: train, then val, then test each take
-- approx_mode of the class counts left.
function M.train_val_test(n_or_y, opts)
  local op = "train_val_test"
  local o = options(op, 2, opts, set("sizes", "stratify", "seed", "generator"))
  local n = count_of(op, 1, n_or_y)
  local sizes = o.sizes or { 0.7, 0.2, 0.1 }
  if type(sizes) ~= "table" or (#sizes ~= 2 and #sizes ~= 3) then
    argerror(op, 2, "sizes must be a list of 2 or 3 fractions")
  end
  local sum = 0
  for i, v in ipairs(sizes) do
    check_fraction(op, ("sizes[%d]"):format(i), v)
    sum = sum + v
  end
  if math.abs(sum - 1) > 1e-9 then
    argerror(op, 2, ("sizes must sum to 1, got %.15g"):format(sum))
  end
  local counts, rest = {}, n
  for i = 2, #sizes do
    counts[i] = math.tointeger(math.ceil(sizes[i] * n))
    rest = rest - counts[i]
  end
  counts[1] = rest
  local names = #sizes == 3 and { "train", "val", "test" } or { "train", "test" }
  if rest < 1 then
    argerror(op, 2, ("with n = %d the train set would be empty"):format(n))
  end
  local y = strat_labels(op, n_or_y, o, n)
  local seed = seed_of(op, 2, o)
  if y then
    check_strat(op, y, counts, names)
    return C.stratified_split(op, y, counts, seed)
  end
  -- one permutation: the test part first (as ShuffleSplit), then val, then train
  local rev = {}
  for i = #counts, 1, -1 do rev[#rev + 1] = counts[i] end
  local parts = { C.permutation_parts(op, n, rev, seed) }
  if #sizes == 3 then return parts[3], parts[2], parts[1] end
  return parts[2], parts[1]
end

local function check_k(op, k, n)
  if math.type(k) ~= "integer" and not (type(k) == "number" and k == math.floor(k)) then
    argerror(op, 2, ("k must be an integer, got %s"):format(type(k) == "number" and tostring(k) or type(k)))
  end
  k = math.tointeger(k)
  if k < 2 then
    argerror(op, 2, ("k = %d: K-fold needs at least 2 folds"):format(k))
  end
  if k > n then
    argerror(op, 2, ("k = %d is greater than the number of samples n = %d"):format(k, n))
  end
  return k
end

local function shuffle_opt(op, o)
  if o.shuffle ~= nil and type(o.shuffle) ~= "boolean" then
    argerror(op, 3, "shuffle must be a boolean, got " .. type(o.shuffle))
  end
  return o.shuffle == true
end

--- kfold(n, k [, opts]) -> list of k folds {train = idx, test = idx}
-- scikit-learn's KFold: the first n mod k folds have n // k + 1 rows, the
-- others n // k; folds are consecutive rows, or consecutive positions of a
-- permutation with opts.shuffle.  Both index lists are increasing.
function M.kfold(n, k, opts)
  local op = "kfold"
  local o = options(op, 3, opts, set("shuffle", "seed", "generator"))
  n = count_of(op, 1, n)
  k = check_k(op, k, n)
  local sh = shuffle_opt(op, o)
  return C.kfold(op, n, k, sh, sh and seed_of(op, 3, o) or 0)
end

--- stratified_kfold(y, k [, opts]) -> list of k folds {train, test}
-- scikit-learn 1.2's StratifiedKFold: with y sorted by class (classes
-- numbered in order of first appearance), position p goes to fold p mod
-- k, so a fold's count of each class differs from another fold's by at
-- most one; within a class, rows in order fill fold 1, then fold 2, ...
-- (shuffled with opts.shuffle).  A class with fewer than k members is an
-- error (scikit-learn only warns; such a fold would miss the class).
function M.stratified_kfold(y, k, opts)
  local op = "stratified_kfold"
  local o = options(op, 3, opts, set("shuffle", "seed", "generator"))
  local labels, cnt = class_stats(op, 1, y)
  local n = y:size(1)
  k = check_k(op, k, n)
  for _, c in ipairs(labels) do
    if cnt[c] < k then
      argerror(op, 1, ("the least populated class in y (label %d) has only %d member%s, "
        .. "fewer than k = %d"):format(c, cnt[c], cnt[c] == 1 and "" or "s", k))
    end
  end
  local sh = shuffle_opt(op, o)
  return C.stratified_kfold(op, y, k, sh, sh and seed_of(op, 3, o) or 0)
end

--- bootstrap(n [, opts]) -> in_bag, out_of_bag
-- opts.size (default n) rows drawn uniformly with replacement from 1..n
-- (Efron 1979), in draw order; out_of_bag: the rows never drawn,
-- increasing (possibly empty).  n may be a tensor (its length).
function M.bootstrap(n, opts)
  local op = "bootstrap"
  local o = options(op, 2, opts, set("size", "seed", "generator"))
  n = count_of(op, 1, n)
  local m = o.size == nil and n or o.size
  if math.type(m) ~= "integer" or m < 1 then
    argerror(op, 2, ("size must be an integer >= 1, got %s"):format(tostring(m)))
  end
  return C.bootstrap(op, n, m, seed_of(op, 2, o))
end

--- take(data, idx) -> the rows idx of a tensor (index_select along
-- dimension 1, a new tensor) or of a Frame (df:rows(idx), a new frame).
function M.take(data, idx)
  local op = "take"
  if not is_tensor(idx) or idx:dtype() ~= "int64" then
    argerror(op, 2, "expected an int64 tensor of 1-based row indices")
  end
  if is_tensor(data) then return data:index_select(1, idx) end
  local mt = type(data) == "table" and getmetatable(data)
  if mt and mt == require("credo.frame").Frame then return data:rows(idx) end
  argerror(op, 1, "expected a tensor or a Frame, got " .. type(data))
end

return M
