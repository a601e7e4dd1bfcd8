-- credo.nn.fit: the training loop of credo.nn (docs/fit.md), and
-- credo.nn.Model, a Keras-like wrapper that follows the estimator protocol
-- (fit returns self; predict, predict_proba, decision_function).
--
--   local history = credo.nn.fit(net, nn.BCEWithLogitsLoss(), credo.optim.Adam(net),
--     X, y, { epochs = 20, batch_size = 256, validation_split = 0.2, seed = 1,
--             early_stopping = { monitor = "val_auc", patience = 3,
--                                restore_best_weights = true } })
--   history.loss[e], history.val_auc[e], history.lr[e], history.time[e]
--   local p = credo.nn.predict_proba(net, Xtest)       -- (n, 2), eval mode
--
-- Per batch: rows gathered into buffers allocated once (no tensor is
-- allocated per batch in steady state), zero_grad, forward, loss, backward,
-- optional clipping, optimiser step.  Per epoch: metrics of the training
-- pass, validation in eval mode, the schedule, early stopping, one history
-- row, the progress line (credo.progress).
--
-- What it is not: a distributed or multi-GPU trainer, a data loader (X is
-- one tensor in memory), mixed precision, gradient accumulation over
-- batches, or a callback framework (one on_epoch_end function).
local credo = require "credo"
local Module = require "credo.nn.module"
local progress = require "credo.progress"
local O = require("credo.core").nn_optim

local M = {}

local function fail(fmt, ...)
  error("fit: " .. fmt:format(...), 0)
end

local is_tensor = Module.is_tensor
local shape_str = Module.shape_str

local function is_optimizer(v)
  return require("credo.optim").is_optimizer(v)
end

local function numstr(v)
  if v ~= v then return "nan" end
  if v == math.huge then return "inf" end
  if v == -math.huge then return "-inf" end
  return tostring(v)
end

-- ---------------------------------------------------------------------
-- Task: what the loss says about targets, outputs and metrics
-- ---------------------------------------------------------------------

-- "binary" (BCE on logits or probabilities), "multiclass" (cross-entropy
-- on logits), "regression" (anything else); link "logits" or
-- "probability".
local function task_of(loss)
  local mt = type(loss) == "table" and getmetatable(loss)
  local name = mt and mt.__name
  if name == "BCEWithLogitsLoss" then return "binary", "logits" end
  if name == "BCELoss" then return "binary", "probability" end
  if name == "CrossEntropyLoss" then return "multiclass", "logits" end
  return "regression", "identity"
end
M.task_of = task_of

-- ---------------------------------------------------------------------
-- Options
-- ---------------------------------------------------------------------

local FIT_OPTIONS = {
  epochs = true, batch_size = true, shuffle = true, seed = true, generator = true,
  validation_data = true, validation_split = true, validation_stratify = true,
  validation_batch_size = true, class_weight = true, sample_weight = true,
  early_stopping = true, scheduler = true, monitor = true, clip_grad_norm = true,
  metrics = true, verbose = true, on_epoch_end = true,
}
local ES_OPTIONS = { monitor = true, mode = true, patience = true, min_delta = true,
                     restore_best_weights = true, baseline = true }
local METRICS = { accuracy = true, auc = true }

local function check_int(name, v, lo, default)
  if v == nil then return default end
  if type(v) ~= "number" or v ~= math.floor(v) or v < lo or v >= 2 ^ 53 then
    fail("option '%s' must be an integer >= %d (got %s)", name, lo, tostring(v))
  end
  return math.tointeger(v)
end

local function check_options(opts)
  if opts == nil then return {} end
  if type(opts) ~= "table" then fail("options must be a table (got %s)", type(opts)) end
  for k in pairs(opts) do
    if not FIT_OPTIONS[k] then fail("unknown option '%s'", tostring(k)) end
  end
  return opts
end

-- Monitored quantity: mode "min" for losses, "max" for accuracy and AUC.
local function mode_of(monitor, mode)
  if mode and mode ~= "auto" then return mode end
  if monitor:find("accuracy$") or monitor:find("auc$") then return "max" end
  return "min"
end

-- ---------------------------------------------------------------------
-- Data
-- ---------------------------------------------------------------------

-- X as a contiguous float tensor of dtype dt (converted and copied once
-- when needed).
local function prepare_x(X, what, dt)
  if not is_tensor(X) then fail("%s must be a tensor (got %s)", what, type(X)) end
  if X:dim() < 1 then fail("%s must have at least 1 dimension (got a 0-d tensor)", what) end
  if X:dtype() == "int64" and dt ~= "int64" then
    -- an Embedding takes int64 indices: keep them
    return X:contiguous()
  end
  if dt == "int64" and X:dtype() ~= "int64" and X:numel() > 0 then
    -- float indices for an Embedding-first model: only whole numbers (the
    -- conversion would truncate 1.7 to 1 and turn NaN into an index)
    local whole = X:eq(X:floor())
    if whole:sum() ~= X:numel() then
      fail("%s holds values that are not whole numbers (NaN or fractions), but the model "
        .. "takes integer indices (an Embedding first)", what)
    end
  end
  if X:dtype() ~= dt then X = X:type(dt) end
  return X:contiguous()
end

-- y for the task: binary -> 0/1 in dtype dt; multiclass -> int64 labels;
-- regression -> dtype dt.  n is the number of rows X has.
local function prepare_y(y, what, n, task, dt, lossname)
  if not is_tensor(y) then fail("%s must be a tensor (got %s)", what, type(y)) end
  if y:dim() < 1 or y:size(1) ~= n then
    fail("%s has %s rows but X has %d", what, y:dim() < 1 and "no" or tostring(y:size(1)), n)
  end
  if task == "binary" then
    if n > 0 then
      local bad = y:ne(0):mul(y:ne(1))
      if bad:any() then
        local pos = bad:reshape(-1):argmax()
        fail("%s must hold 0/1 labels for %s (found %s at row %d)", what, lossname,
          numstr(y:reshape(-1)[pos]), (pos - 1) // (y:numel() // n) + 1)
      end
    end
    return y:type(dt):contiguous()
  elseif task == "multiclass" then
    if y:dim() ~= 1 then fail("%s must be 1-d class labels (got shape %s)", what, shape_str(y)) end
    if y:dtype() ~= "int64" then
      if n > 0 and y:ne(y:floor()):any() then
        fail("%s must hold integer class labels 0..C-1 for %s", what, lossname)
      end
      y = y:long()
    end
    if n > 0 and y:min() < 0 then
      fail("%s must hold class labels 0..C-1 (found %d)", what, y:min())
    end
    return y:contiguous()
  end
  if y:dtype() == "int64" then y = y:type(dt) end
  if y:dtype() ~= dt then y = y:type(dt) end
  return y:contiguous()
end

-- Per-sample weights (n) in dtype dt from sample_weight and class_weight,
-- or nil.  Also returns class weights for CrossEntropyLoss (a tensor).
local function prepare_weights(opts, y, n, task, dt, lossname)
  local sw, cw = opts.sample_weight, opts.class_weight
  if sw == nil and cw == nil then return nil end
  if task == "regression" then
    fail("sample_weight and class_weight are not supported with %s", lossname)
  end
  if sw ~= nil then
    if not is_tensor(sw) or sw:numel() ~= n or sw:dim() > 1 then
      fail("sample_weight must be a 1-d tensor of %d weights (got %s)", n,
        is_tensor(sw) and shape_str(sw) or type(sw))
    end
    sw = sw:type(dt):contiguous()
    if n > 0 and (not sw:isfinite():all() or sw:min() < 0) then
      fail("sample_weight must be finite and >= 0")
    end
    if task == "multiclass" then
      fail("sample_weight is not supported with %s (it takes class weights: use class_weight)",
        lossname)
    end
  end
  local per_class
  if cw ~= nil then
    if y:numel() ~= n then
      fail("class_weight needs one label per sample (y has shape %s)", shape_str(y))
    end
    local labels = task == "binary" and y:reshape(-1):long() or y
    local k = n > 0 and math.max(labels:max() + 1, task == "binary" and 2 or 1) or 2
    per_class = {}
    if cw == "balanced" then
      -- sklearn's compute_class_weight: n / (k * count_c), over the classes present
      local counts = labels:bincount(k)
      local present = 0
      for c = 1, k do if counts[c] > 0 then present = present + 1 end end
      for c = 1, k do
        per_class[c] = counts[c] > 0 and n / (present * counts[c]) or 1
      end
    elseif type(cw) == "table" then
      for key, v in pairs(cw) do
        if math.type(key) ~= "integer" or key < 0 then
          fail("class_weight keys must be class labels 0, 1, ... (got %s)", tostring(key))
        end
        if type(v) ~= "number" or v ~= v or v < 0 or v == math.huge then
          fail("class_weight[%d] must be a finite number >= 0 (got %s)", key, tostring(v))
        end
      end
      for c = 1, k do per_class[c] = cw[c - 1] or 1 end
    else
      fail("class_weight must be 'balanced' or a table {[label] = weight} (got %s)", tostring(cw))
    end
    if task == "multiclass" then
      return nil, credo.tensor(per_class, dt)
    end
  end
  local w = sw and sw:clone() or credo.ones({ n }, dt)
  if per_class then
    local lab = y:reshape(-1)
    local cwt = credo.tensor(per_class, dt)
    w:mul_(cwt:index_select(1, lab:long():add(1)))
  end
  return w
end

-- The tensors of every buffer of m and its children (BatchNorm's running
-- statistics), in a stable order.
local function buffers_of(m, out)
  out = out or {}
  for _, n in ipairs(m.buffer_names_ or {}) do out[#out + 1] = m[n] end
  for _, c in ipairs(m:children()) do buffers_of(c, out) end
  return out
end

-- ---------------------------------------------------------------------
-- Batched forward in eval mode
-- ---------------------------------------------------------------------

-- Outputs of model on X (eval mode), batch by batch, into one tensor; the
-- model's mode is restored.  X any float tensor with rows in dim 1.
local function forward_all(model, X, batch_size, out)
  local was = model.training
  model:eval()
  local n = X:size(1)
  local ok, err = pcall(function()
    for s = 1, n, batch_size do
      local nb = math.min(batch_size, n - s + 1)
      local o = model:forward(X:narrow(1, s, nb))
      if out == nil then
        local shape = o:size()
        shape[1] = n
        out = credo.empty(shape, o:dtype())
      end
      O.put_rows(out, s, o:contiguous())
    end
  end)
  model:train(was)
  if not ok then error(err, 0) end
  return out
end

-- ---------------------------------------------------------------------
-- Metrics
-- ---------------------------------------------------------------------

-- Binary: scores are logits (threshold 0) or probabilities (0.5); a
-- sample is predicted positive when its score is above the threshold
-- (Keras's binary accuracy).  y is 0/1 (float); returns accuracy, auc.
local function binary_metrics(scores, y, link, want)
  local s = scores:reshape(-1)
  local yl = y:reshape(-1):long()
  local acc, auc
  if want.accuracy then
    local pred = s:gt(link == "logits" and 0 or 0.5)
    acc = pred:eq(yl):sum() / yl:numel()
  end
  if want.auc then
    local ok, v = pcall(credo.metrics.roc_auc, yl, s:double())
    auc = ok and v or 0 / 0
  end
  return acc, auc
end

local function multiclass_accuracy(out, y)
  local pred = out:argmax(2):sub(1)
  return pred:eq(y):sum() / y:numel()
end

-- Two-class softmax outputs: the AUC of class 1 (label 1) scored by
-- logit[2] - logit[1], which orders rows as softmax p1 does.
local function two_class_auc(out, y)
  if out:dim() ~= 2 or out:size(2) ~= 2 then
    fail("metric 'auc' with %s needs two output columns (got shape [%s])", "CrossEntropyLoss",
         table.concat(out:size(), ","))
  end
  local s = (out:select(2, 2) - out:select(2, 1)):double()
  local ok, v = pcall(credo.metrics.roc_auc, y:reshape(-1):long(), s)
  return ok and v or 0 / 0
end

-- ---------------------------------------------------------------------
-- fit
-- ---------------------------------------------------------------------

-- fit(model, loss, optimizer, X, y [, opts]) -> history.  See docs/fit.md
-- for every option.
function M.fit(model, loss, optimizer, X, y, opts)
  if not Module.is_module(model) then fail("bad argument #1 (expected a module, got %s)", type(model)) end
  if type(loss) ~= "table" or type(loss.forward) ~= "function" or type(loss.backward) ~= "function" then
    fail("bad argument #2 (expected a loss module, got %s)", type(loss))
  end
  if Module.is_module(loss) and type(loss.init_reduction) ~= "function" then
    -- a layer (Linear, ReLU, ...) in the loss's place "trained" on its outputs
    fail("bad argument #2 (expected a loss, got the layer %s)", loss:describe())
  end
  if not is_optimizer(optimizer) then
    fail("bad argument #3 (expected an optimiser from credo.optim, got %s)", type(optimizer))
  end
  opts = check_options(opts)
  local lossname = loss:describe()
  local task, link = task_of(loss)
  local dt = model:dtype() or "float32"

  -- options
  local epochs = check_int("epochs", opts.epochs, 1, 1)
  local B = check_int("batch_size", opts.batch_size, 1, 32)
  local shuffle = opts.shuffle ~= false
  local verbose = opts.verbose
  if verbose == nil then verbose = 1 end
  if verbose ~= 0 and verbose ~= 1 and verbose ~= 2 and type(verbose) ~= "boolean" then
    fail("option 'verbose' must be 0, 1 or 2 (got %s)", tostring(verbose))
  end
  local g = opts.generator
  if opts.seed ~= nil then
    if math.type(opts.seed) ~= "integer" then fail("option 'seed' must be an integer (got %s)", tostring(opts.seed)) end
    if g ~= nil then fail("give a generator or a seed, not both") end
    g = credo.Generator(opts.seed)
  end
  if g ~= nil and not Module.is_generator(g) then fail("option 'generator' must be a credo.Generator") end
  g = g or credo.get_generator()
  local clip = opts.clip_grad_norm
  if clip ~= nil and (type(clip) ~= "number" or not (clip > 0) or clip == math.huge) then
    fail("option 'clip_grad_norm' must be a finite number > 0 (got %s)", tostring(clip))
  end
  local want = {}
  if opts.metrics == nil then
    if task == "binary" then want = { accuracy = true, auc = true }
    elseif task == "multiclass" then want = { accuracy = true } end
  else
    if type(opts.metrics) ~= "table" then fail("option 'metrics' must be a list of names") end
    for _, name in ipairs(opts.metrics) do
      if not METRICS[name] then fail("unknown metric '%s' (metrics are 'accuracy' and 'auc')", tostring(name)) end
      if task == "regression" then fail("metric '%s' needs a classification loss (got %s)", name, lossname) end
      if name == "auc" and task ~= "binary" and task ~= "multiclass" then
        fail("metric 'auc' needs a binary loss or a two-class CrossEntropyLoss (got %s)", lossname)
      end
      want[name] = true
    end
  end
  if opts.on_epoch_end ~= nil and type(opts.on_epoch_end) ~= "function" then
    fail("option 'on_epoch_end' must be a function")
  end

  -- data
  local Xall = prepare_x(X, "X", model:input_dtype() == "int64" and "int64" or dt)
  local N = Xall:size(1)
  local yall = prepare_y(y, "y", N, task, dt, lossname)
  local wall, class_w = prepare_weights(opts, yall, N, task, dt, lossname)

  local Xtr, ytr, wtr, Xv, yv, wv = Xall, yall, wall, nil, nil, nil
  if opts.validation_data ~= nil and opts.validation_split ~= nil then
    fail("give validation_data or validation_split, not both")
  end
  if opts.validation_data ~= nil then
    local vd = opts.validation_data
    if type(vd) ~= "table" or not is_tensor(vd[1]) or not is_tensor(vd[2]) then
      fail("validation_data must be {X_val, y_val} or {X_val, y_val, w_val}")
    end
    Xv = prepare_x(vd[1], "validation X", Xall:dtype())
    yv = prepare_y(vd[2], "validation y", Xv:size(1), task, dt, lossname)
    if vd[3] ~= nil then
      if not is_tensor(vd[3]) or vd[3]:numel() ~= Xv:size(1) then
        fail("validation weights must be a 1-d tensor of %d weights", Xv:size(1))
      end
      if task ~= "binary" then fail("validation weights need a binary loss (got %s)", lossname) end
      wv = vd[3]:type(dt):contiguous()
    end
  elseif opts.validation_split ~= nil then
    local f = opts.validation_split
    if type(f) ~= "number" or not (f > 0 and f < 1) then
      fail("validation_split must be a number in (0, 1) (got %s)", tostring(f))
    end
    if opts.validation_stratify then
      if task == "regression" then fail("validation_stratify needs class labels") end
      -- per class, the last samples of that class (in data order)
      local labels = yall:reshape(-1):long()
      local kmax = labels:max()
      local tr_idx, v_idx = {}, {}
      local lt = labels:totable()
      local by_class = {}
      for i = 1, N do
        local c = lt[i]
        local l = by_class[c]
        if not l then l = {}; by_class[c] = l end
        l[#l + 1] = i
      end
      local is_val = {}
      for c = 0, kmax do
        local l = by_class[c] or {}
        local ntr = math.floor(#l * (1 - f))
        for j = ntr + 1, #l do is_val[l[j]] = true end
      end
      for i = 1, N do
        if is_val[i] then v_idx[#v_idx + 1] = i else tr_idx[#tr_idx + 1] = i end
      end
      if #v_idx == 0 or #tr_idx == 0 then fail("validation_split %s leaves an empty set", tostring(f)) end
      local ti, vi = credo.tensor(tr_idx, "int64"), credo.tensor(v_idx, "int64")
      Xtr, Xv = Xall:index_select(1, ti), Xall:index_select(1, vi)
      ytr, yv = yall:index_select(1, ti), yall:index_select(1, vi)
      if wall then wtr, wv = wall:index_select(1, ti), wall:index_select(1, vi) end
    else
      -- Keras: the last samples, before any shuffling
      local ntr = math.floor(N * (1 - f))
      if ntr < 1 or ntr >= N then fail("validation_split %s leaves an empty set", tostring(f)) end
      Xtr, Xv = Xall:narrow(1, 1, ntr), Xall:narrow(1, ntr + 1, N - ntr)
      ytr, yv = yall:narrow(1, 1, ntr), yall:narrow(1, ntr + 1, N - ntr)
      if wall then wtr, wv = wall:narrow(1, 1, ntr), wall:narrow(1, ntr + 1, N - ntr) end
    end
  end
  local Ntr = Xtr:size(1)
  if Ntr == 0 then fail("X has no rows") end
  local has_val = Xv ~= nil and Xv:size(1) > 0
  local VB = check_int("validation_batch_size", opts.validation_batch_size, 1, B)

  -- early stopping and schedule
  local es = opts.early_stopping
  local monitor = opts.monitor
  if es ~= nil then
    if es == true then es = {} end
    if type(es) ~= "table" then fail("option 'early_stopping' must be a table or true") end
    for k in pairs(es) do
      if not ES_OPTIONS[k] then fail("unknown early_stopping option '%s'", tostring(k)) end
    end
  end
  monitor = (es and es.monitor) or monitor or (has_val and "val_loss" or "loss")
  local function check_monitor(name)
    local base = name:gsub("^val_", "")
    if base ~= "loss" and not want[base] then
      fail("cannot monitor '%s' (the history has loss%s)", name,
        (want.accuracy and ", accuracy" or "") .. (want.auc and ", auc" or ""))
    end
    if name:find("^val_") and not has_val then
      fail("'%s' needs validation data (give validation_data or validation_split)", name)
    end
  end
  check_monitor(monitor)
  local es_mode, patience, min_delta, restore, baseline
  if es then
    es_mode = es.mode or "auto"
    if es_mode ~= "auto" and es_mode ~= "min" and es_mode ~= "max" then
      fail("early_stopping mode must be 'auto', 'min' or 'max' (got %s)", tostring(es_mode))
    end
    es_mode = mode_of(monitor, es_mode)
    patience = check_int("early_stopping.patience", es.patience, 0, 0)
    min_delta = es.min_delta or 0
    if type(min_delta) ~= "number" or min_delta ~= min_delta or min_delta < 0 then
      fail("early_stopping min_delta must be a number >= 0 (got %s)", tostring(es.min_delta))
    end
    restore = es.restore_best_weights == true
    baseline = es.baseline
  end
  local schedulers = opts.scheduler
  if schedulers ~= nil and (type(schedulers) ~= "table" or getmetatable(schedulers) ~= nil) then
    schedulers = { schedulers }
  end
  for _, s in ipairs(schedulers or {}) do
    if type(s) ~= "table" or type(s.step) ~= "function" then fail("option 'scheduler' must be a schedule (credo.optim.StepLR, ...)") end
    if s.optimizer ~= optimizer then fail("the schedule %s is attached to another optimiser", tostring(s)) end
    if getmetatable(s).__name == "ReduceLROnPlateau" and s.mode ~= mode_of(monitor) then
      fail("ReduceLROnPlateau has mode '%s' but monitors %s (mode '%s'): build it with { mode = '%s' }",
        s.mode, monitor, mode_of(monitor), mode_of(monitor))
    end
  end

  -- probe: one forward in eval mode (no statistic or random draw changes)
  -- gives the output shape and catches shape errors before training
  local probe_n = math.min(B, Ntr)
  local was_training = model.training
  model:eval()
  local ok, out0 = pcall(model.forward, model, Xtr:narrow(1, 1, probe_n))
  model:train(was_training)
  if not ok then fail("%s", tostring(out0)) end
  local out_cols = out0:dim() >= 2 and out0:size(2) or 1
  -- a (N) target for an (N,1) output is seen as (N,1), once
  if ytr:dim() == 1 and out0:dim() == 2 and out_cols == 1 and task ~= "multiclass" then
    ytr = ytr:view(Ntr, 1)
    if has_val then yv = yv:view(Xv:size(1), 1) end
  end
  if task == "binary" and out0:numel() ~= probe_n then
    want.accuracy, want.auc = nil, nil       -- multi-label outputs: loss only
  end
  if task == "multiclass" then
    if out0:dim() ~= 2 then fail("%s needs (N, C) outputs, the model gives %s", lossname, shape_str(out0)) end
    local ymax = yall:max()
    if has_val then ymax = math.max(ymax, yv:max()) end
    if ymax >= out_cols then
      fail("y holds label %d but the model has %d outputs (labels are 0..%d)", ymax, out_cols, out_cols - 1)
    end
  end
  check_monitor(monitor)

  -- buffers, allocated once
  local nfull, rem = Ntr // B, Ntr % B
  local nbatches = nfull + (rem > 0 and 1 or 0)
  local function buf(t, n)
    local s = t:size()
    s[1] = n
    return credo.empty(s, t:dtype())
  end
  local xb, yb, wb = buf(Xtr, B), buf(ytr, B), wtr and buf(wtr, B)
  local xr, yr, wr
  if rem > 0 then xr, yr, wr = buf(Xtr, rem), buf(ytr, rem), wtr and buf(wtr, rem) end
  local track = want.accuracy or want.auc
  local scores, y_epoch
  if track then
    local s = out0:size()
    s[1] = Ntr
    scores = credo.empty(s, out0:dtype())
    y_epoch = buf(ytr, Ntr)
  end
  local val_out
  local perm = credo.arange(1, Ntr + 1)
  local _, all_grads = model:parameters()
  local opt_grads = optimizer:gradients()
  local params = model:parameters()
  local snapshot, snap_src
  if es and restore then
    snap_src = {}
    for _, p in ipairs(params) do snap_src[#snap_src + 1] = p end
    for _, b in ipairs(buffers_of(model)) do snap_src[#snap_src + 1] = b end
    snapshot = {}
    for i, t in ipairs(snap_src) do snapshot[i] = t:clone() end
  end
  local old_class_weight
  if class_w then old_class_weight = loss.weight; loss.weight = class_w end

  local history = { epoch = {}, loss = {}, lr = {}, time = {}, monitor = monitor }
  for _, k in ipairs { "accuracy", "auc" } do
    if want[k] then history[k] = {} end
  end
  if has_val then
    history.val_loss = {}
    for _, k in ipairs { "accuracy", "auc" } do
      if want[k] then history["val_" .. k] = {} end
    end
  end

  local best = (es and es_mode == "max") and -math.huge or math.huge
  if es and baseline then best = baseline end
  local wait, best_epoch, stopped = 0, nil, nil
  local show = progress.enabled(verbose)

  local function run()
    for epoch = 1, epochs do
      local t0 = credo.clock()
      if shuffle then perm = g:permutation(Ntr) end   -- the epoch's one allocation
      local bar = show and progress.new { total = nbatches, unit = "batch", verbose = verbose,
        label = ("epoch %d/%d"):format(epoch, epochs) }
      model:train()
      local lr = optimizer.param_groups[1].lr
      local sum, seen = 0, 0
      for b = 1, nbatches do
        local s = (b - 1) * B + 1
        local full = b <= nfull
        local nb = full and B or rem
        local xbb, ybb, wbb = full and xb or xr, full and yb or yr, nil
        O.gather_rows(xbb, Xtr, perm, s, nb)
        O.gather_rows(ybb, ytr, perm, s, nb)
        if wtr then
          wbb = full and wb or wr
          O.gather_rows(wbb, wtr, perm, s, nb)
        end
        for i = 1, #all_grads do all_grads[i]:zero_() end
        local out = model:forward(xbb)
        local l = loss:forward(out, ybb, wbb)
        if l ~= l or l == math.huge or l == -math.huge then
          fail("loss is %s at epoch %d, batch %d", numstr(l), epoch, b)
        end
        model:backward(xbb, loss:backward(out, ybb, wbb))
        if clip then O.clip_grad_norm(opt_grads, clip, 2) end
        optimizer:step()
        sum, seen = sum + l * nb, seen + nb
        if track then O.put_rows(scores, s, out:contiguous()) end
        if bar then bar:update(b, ("loss %.4f"):format(sum / seen)) end
      end
      local row = { loss = sum / seen, lr = lr }
      if track then
        O.gather_rows(y_epoch, ytr, perm, 1, Ntr)
        if task == "binary" then
          row.accuracy, row.auc = binary_metrics(scores, y_epoch, link, want)
        else
          if want.accuracy then row.accuracy = multiclass_accuracy(scores, y_epoch) end
          if want.auc then row.auc = two_class_auc(scores, y_epoch) end
        end
      end
      if has_val then
        val_out = forward_all(model, Xv, VB, val_out)
        local vl = loss:forward(val_out, yv, wv)
        row.val_loss = vl
        if track then
          if task == "binary" then
            row.val_accuracy, row.val_auc = binary_metrics(val_out, yv, link, want)
          else
            if want.accuracy then row.val_accuracy = multiclass_accuracy(val_out, yv) end
            if want.auc then row.val_auc = two_class_auc(val_out, yv) end
          end
        end
      end
      row.time = credo.clock() - t0
      history.epoch[epoch] = epoch
      for k, v in pairs(row) do
        if history[k] then history[k][epoch] = v end
      end
      history.epochs = epoch

      -- schedules, early stopping, the epoch's line
      local current = row[monitor]
      local notes = {}
      for _, sc in ipairs(schedulers or {}) do
        local before = optimizer.param_groups[1].lr
        if getmetatable(sc).__name == "ReduceLROnPlateau" then sc:step(current) else sc:step() end
        local after = optimizer.param_groups[1].lr
        if after ~= before and getmetatable(sc).__name == "ReduceLROnPlateau" then
          notes[#notes + 1] = ("lr reduced to %.4g"):format(after)
        end
      end
      local stop = false
      if es then
        local improved
        if es_mode == "min" then improved = current < best - min_delta
        else improved = current > best + min_delta end
        if improved then
          best, wait, best_epoch = current, 0, epoch
          if snapshot then for i, t in ipairs(snap_src) do snapshot[i]:copy(t) end end
        else
          wait = wait + 1
          if wait >= patience then
            stop = true
            stopped = epoch
            notes[#notes + 1] = ("early stopping: %s did not improve for %d epoch%s (best %.4f at epoch %s)"):format(
              monitor, wait, wait == 1 and "" or "s", best, tostring(best_epoch))
          end
        end
      end
      if bar then
        local parts = { ("loss %.4f"):format(row.loss) }
        for _, k in ipairs { "accuracy", "auc", "val_loss", "val_accuracy", "val_auc" } do
          if row[k] then parts[#parts + 1] = ("%s %.4f"):format(k, row[k]) end
        end
        bar:close(table.concat(parts, "  "))
        for _, n in ipairs(notes) do bar:message("  " .. n) end
      end
      if opts.on_epoch_end and opts.on_epoch_end(epoch, row, history) == true then stop = true end
      if stop then break end
    end
  end

  local okr, err = pcall(run)
  if class_w then loss.weight = old_class_weight end
  model:eval()
  if not okr then error(err, 0) end
  if snapshot and best_epoch then
    for i, t in ipairs(snap_src) do t:copy(snapshot[i]) end
  end
  history.best_epoch = best_epoch
  history.stopped_epoch = stopped
  return history
end

-- ---------------------------------------------------------------------
-- Prediction
-- ---------------------------------------------------------------------

local PRED_OPTIONS = { batch_size = true, output = true }

local function pred_options(op, opts)
  opts = opts or {}
  if type(opts) ~= "table" then error(("%s: options must be a table"):format(op), 3) end
  for k in pairs(opts) do
    if not PRED_OPTIONS[k] then error(("%s: unknown option '%s'"):format(op, tostring(k)), 3) end
  end
  local bs = opts.batch_size or 1024
  if type(bs) ~= "number" or bs < 1 or bs ~= math.floor(bs) then
    error(("%s: option 'batch_size' must be a positive integer (got %s)"):format(op, tostring(bs)), 3)
  end
  return math.tointeger(bs), opts
end

local function pred_x(op, model, X)
  if not Module.is_module(model) then
    error(("%s: bad argument #1 (expected a module, got %s)"):format(op, type(model)), 3)
  end
  if not is_tensor(X) or X:dim() < 1 then
    error(("%s: bad argument #2 (expected a tensor with rows in dimension 1)"):format(op), 3)
  end
  local dt = model:input_dtype()
  if dt == "int64" or X:dtype() == "int64" then return X end
  if X:dtype() ~= (model:dtype() or X:dtype()) then X = X:type(model:dtype()) end
  return X
end

-- decision_function(model, X [, {batch_size = 1024}]): the raw outputs
-- (logits), (n, ...) in eval mode; the model's mode is restored.
function M.decision_function(model, X, opts)
  local bs = pred_options("decision_function", opts)
  X = pred_x("decision_function", model, X)
  local ok, out = pcall(forward_all, model, X, bs)
  if not ok then error("decision_function: " .. tostring(out), 2) end
  return out
end

-- Probabilities from outputs: output = "logits" (sigmoid for one column,
-- softmax for several) or "probability" (taken as they are).  One column
-- gives (n, 2): {1 - p, p} (the estimator protocol); several give (n, C).
local function to_proba(out, output)
  local n = out:size(1)
  local cols = out:dim() >= 2 and out:numel() // math.max(n, 1) or 1
  if out:dim() > 2 then
    error(("predict_proba: outputs of shape %s are not class scores"):format(shape_str(out)), 3)
  end
  if cols == 1 then
    local p = out:reshape(n)
    if output ~= "probability" then p = p:sigmoid() end
    local res = credo.empty({ n, 2 }, out:dtype())
    res:select(2, 2):copy(p)
    res:select(2, 1):copy(1 - p)
    return res
  end
  if output == "probability" then return out end
  local m = out:max(2, true)
  local e = (out - m):exp()
  return e / e:sum(2, true)
end

-- predict_proba(model, X [, {batch_size, output = "logits"}]): class
-- probabilities in eval mode, (n, 2) for a one-output model, (n, C) else.
function M.predict_proba(model, X, opts)
  local bs, o = pred_options("predict_proba", opts)
  local output = o.output or "logits"
  if output ~= "logits" and output ~= "probability" then
    error(("predict_proba: option 'output' must be 'logits' or 'probability' (got %s)"):format(
      tostring(output)), 2)
  end
  X = pred_x("predict_proba", model, X)
  local ok, out = pcall(forward_all, model, X, bs)
  if not ok then error("predict_proba: " .. tostring(out), 2) end
  return to_proba(out, output)
end

-- predict(model, X [, opts]): class labels (int64, 0..C-1: the most
-- probable class; binary: p > 0.5) for classifier outputs.
function M.predict(model, X, opts)
  local p = M.predict_proba(model, X, opts)
  return p:argmax(2):sub(1)
end

-- ---------------------------------------------------------------------
-- Model: a network, its loss and its optimiser as one estimator
-- ---------------------------------------------------------------------

local Model = { __name = "Model" }
Model.__index = Model
M.Model = Model

local MODEL_OPTIONS = { loss = true, optimizer = true, fit = true }

-- Model(net, { loss = nn.BCEWithLogitsLoss(), optimizer = credo.optim.Adam(net),
--              fit = { epochs = 10, ... } })  -- default fit options
-- optimizer may also be a function(net) -> optimiser, called at each fit.
function Model.new(net, opts)
  if not Module.is_module(net) then
    error(("Model: bad argument #1 (expected a module, got %s)"):format(type(net)), 2)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if not MODEL_OPTIONS[k] then error(("Model: unknown option '%s'"):format(tostring(k)), 2) end
  end
  if opts.loss == nil or type(opts.loss.forward) ~= "function" then
    error("Model: option 'loss' (a loss module) is required", 2)
  end
  local opt = opts.optimizer
  if opt == nil then
    error("Model: option 'optimizer' (an optimiser or a function(net) -> optimiser) is required", 2)
  end
  if type(opt) ~= "function" and not is_optimizer(opt) then
    error("Model: option 'optimizer' must be an optimiser or a function(net) -> optimiser", 2)
  end
  local self = setmetatable({ module = net, loss = opts.loss, optimizer = opt,
                              fit_options = opts.fit or {}, history = nil }, Model)
  return self
end
setmetatable(Model, { __call = function(_, ...) return Model.new(...) end })

-- fit(X, y [, opts]) -> self; opts override the Model's default fit options.
function Model:fit(X, y, opts)
  local o = {}
  for k, v in pairs(self.fit_options) do o[k] = v end
  for k, v in pairs(opts or {}) do o[k] = v end
  local opt = self.optimizer
  if type(opt) == "function" then opt = opt(self.module) end
  self.history = M.fit(self.module, self.loss, opt, X, y, o)
  self.fitted_optimizer = opt
  return self
end

function Model:output_kind()
  local _, link = task_of(self.loss)
  return link == "probability" and "probability" or "logits"
end

function Model:decision_function(X, opts) return M.decision_function(self.module, X, opts) end

function Model:predict_proba(X, opts)
  local task = task_of(self.loss)
  if task == "regression" then error("Model:predict_proba: a regression model has no probabilities", 2) end
  local o = { output = self:output_kind() }
  for k, v in pairs(opts or {}) do o[k] = v end
  return M.predict_proba(self.module, X, o)
end

-- Labels for classifiers; the outputs (as decision_function) for regression.
function Model:predict(X, opts)
  if task_of(self.loss) == "regression" then return self:decision_function(X, opts) end
  return self:predict_proba(X, opts):argmax(2):sub(1)
end

-- evaluate(X, y) -> { loss = ..., accuracy = ..., auc = ... } in eval mode.
function Model:evaluate(X, y, opts)
  local task, link = task_of(self.loss)
  local out = self:decision_function(X, opts)
  local dt = out:dtype()
  local yy = prepare_y(y, "y", out:size(1), task, dt, self.loss:describe())
  if yy:dim() == 1 and out:dim() == 2 and out:size(2) == 1 and task ~= "multiclass" then
    yy = yy:view(-1, 1)
  end
  local r = { loss = self.loss:forward(out, yy) }
  if task == "binary" and out:numel() == out:size(1) then
    r.accuracy, r.auc = binary_metrics(out, yy, link, { accuracy = true, auc = true })
  elseif task == "multiclass" then
    r.accuracy = multiclass_accuracy(out, yy)
  end
  return r
end

function Model:__tostring()
  return ("Model(%s, loss=%s%s)"):format(self.module:describe(), self.loss:describe(),
    self.history and (", %d epochs"):format(self.history.epochs or 0) or "")
end

return M
