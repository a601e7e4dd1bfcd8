-- credo.nn.gradcheck: check a module's (or a loss's) backward against
-- central finite differences, in float64 (torch/nn's Jacobian.lua in
-- spirit; docs/nn.md, "Gradient checks").
--
--   local gc = credo.nn.gradcheck
--   local r = gc.module(net:double(), x, { before_forward = function() g:set_state(st) end })
--   assert(r.ok, r.message)
--   r = gc.loss(nn.CrossEntropyLoss(), logits, target)
--
-- The scalar checked is f = sum(R * forward(input)) for a fixed random R
-- (seeded; a loss with a "mean" or "sum" reduction is its own scalar), so
-- backward(input, R) is df/dinput.  Every element of every float64 input
-- (inputs may be views with any strides: a transpose, a narrowed tensor)
-- and of every parameter is perturbed by +-eps:
--   numeric = (f(x + eps) - f(x - eps)) / (2 eps)
-- and must match the analytic gradient: |a - n| <= atol + rtol max(|a|, |n|).
-- Kinks (ReLU at 0, Huber at delta, clamps) are allowed for: when the
-- one-sided slopes (f(x+eps) - f(x))/eps and (f(x) - f(x-eps))/eps differ
-- by more than kink_tol (relative), the element is skipped and counted in
-- report.kinks; tests choose inputs away from kinks and check kinks == 0
-- or a stated small number.  It also checks that a second backward adds to
-- the parameter gradients (they double).
--
-- What it is not: fast (two forwards per element: keep sizes small), nor a
-- float32 test (differences of float32 sums are too noisy).
local credo = require "credo"

local M = {}

local defaults = {
  eps = 1e-6, atol = 1e-6, rtol = 1e-5, kink_tol = 1e-3, seed = 1234,
  input = true, params = true, accumulate = true, before_forward = false,
  weight = false, max_elements = 20000,
}

local function options(opts)
  local o = {}
  for k, v in pairs(defaults) do o[k] = v end
  for k, v in pairs(opts or {}) do
    if defaults[k] == nil then error(("gradcheck: unknown option '%s'"):format(k), 3) end
    o[k] = v
  end
  return o
end

local function as_list(x)
  if credo.is_tensor(x) then return { x }, true end
  return x, false
end

-- The multi-index (1-based) of flat row-major position k (0-based).
local function index_of(shape, k)
  local idx = {}
  for d = #shape, 1, -1 do
    idx[d] = k % shape[d] + 1
    k = k // shape[d]
  end
  return idx
end

-- t[idx] = v (set takes the indices then the value)
local function set_at(t, idx, v)
  local n = #idx
  idx[n + 1] = v
  t:set(table.unpack(idx, 1, n + 1))
  idx[n + 1] = nil
end

local function fmt_index(idx)
  return "[" .. table.concat(idx, ",") .. "]"
end

-- sum(R * y) over a tensor or a list of tensors.
local function project(R, y)
  if credo.is_tensor(y) then return credo.mul(R[1], y):sum() end
  local s = 0
  for i, t in ipairs(y) do s = s + credo.mul(R[i], t):sum() end
  return s
end

local function clone_grad(g)
  if g == nil then return nil end
  if credo.is_tensor(g) then return g:clone() end
  local out = {}
  for i, t in ipairs(g) do out[i] = t and t:clone() end
  return out
end

-- The generic check.  spec: f(inputs) -> number (the scalar), analytic()
-- -> list of input gradients (entries may be nil) after zeroing and one
-- backward, params, grads (lists), rerun() (one more forward+backward
-- without zeroing).
local function run(spec, inputs, o)
  local report = { ok = true, max_abs = 0, max_rel = 0, checked = 0, kinks = 0,
                   failures = {}, worst = "-" }
  local gin = spec.analytic()
  local pgrads = {}
  for i, g in ipairs(spec.grads) do pgrads[i] = g:clone() end

  local f0 = spec.f()
  local function check(name, t, analytic)
    local shape = t:size()
    local n = t:numel()
    if n > o.max_elements then
      error(("gradcheck: %s has %d elements (more than max_elements = %d)"):format(
        name, n, o.max_elements), 4)
    end
    for k = 0, n - 1 do
      local idx = index_of(shape, k)
      local v = t:get(table.unpack(idx))
      set_at(t, idx, v + o.eps)
      local fp = spec.f()
      set_at(t, idx, v - o.eps)
      local fm = spec.f()
      set_at(t, idx, v)
      local num = (fp - fm) / (2 * o.eps)
      local right, left = (fp - f0) / o.eps, (f0 - fm) / o.eps
      if math.abs(right - left) > o.kink_tol * math.max(1, math.abs(num)) then
        report.kinks = report.kinks + 1
      else
        local a = analytic and analytic:get(table.unpack(idx)) or 0
        local err = math.abs(a - num)
        local scale = math.max(math.abs(a), math.abs(num))
        local rel = err / math.max(scale, 1e-300)
        report.checked = report.checked + 1
        if err > report.max_abs then
          report.max_abs = err
          report.worst = ("%s%s: analytic %.10g, numeric %.10g"):format(name, fmt_index(idx), a, num)
        end
        if scale > o.atol and rel > report.max_rel then report.max_rel = rel end
        if not (err <= o.atol + o.rtol * scale) then
          report.ok = false
          if #report.failures < 5 then
            report.failures[#report.failures + 1] =
              ("%s%s: analytic %.10g, numeric %.10g"):format(name, fmt_index(idx), a, num)
          end
        end
      end
    end
  end

  if o.input then
    for i, t in ipairs(inputs) do
      if credo.is_tensor(t) and t:dtype() == "float64" then
        local a = gin and gin[i]
        if a ~= nil and (not credo.is_tensor(a) or a:numel() ~= t:numel()) then
          report.ok = false
          report.failures[#report.failures + 1] =
            ("grad_input %d has the wrong shape or type"):format(i)
        else
          if a ~= nil and a:dim() ~= t:dim() then a = a:reshape(t:size()) end
          check(#inputs > 1 and ("input" .. i) or "input", t, a)
        end
      end
    end
  end
  if o.params then
    for i, p in ipairs(spec.params) do
      check(spec.names[i], p, pgrads[i])
    end
  end
  if o.accumulate and #spec.grads > 0 then
    spec.rerun()
    local worst = 0
    for i, g in ipairs(spec.grads) do
      local d = credo.sub(g, credo.mul(pgrads[i], 2)):abs():max()
      local sc = math.max(1, pgrads[i]:abs():max())
      worst = math.max(worst, d / sc)
    end
    report.accumulate_err = worst
    if not (worst <= 1e-12) then
      report.ok = false
      report.failures[#report.failures + 1] =
        ("a second backward did not add to the parameter gradients (max diff %g)"):format(worst)
    end
  end
  if report.ok then
    report.message = ("gradcheck passed: %d elements, max abs err %.3g, max rel err %.3g, %d kinks")
      :format(report.checked, report.max_abs, report.max_rel, report.kinks)
  else
    report.message = "gradcheck failed: " .. table.concat(report.failures, "; ")
      .. (" (worst: %s)"):format(report.worst)
  end
  return report
end

local function check_f64(what, m)
  local dt = m:dtype()
  if dt ~= nil and dt ~= "float64" then
    error(("gradcheck: %s has %s parameters (convert it with :double())"):format(
      m:describe(), dt), 3)
  end
end

-- Check module m at input (a tensor or a list of tensors).
function M.module(m, input, opts)
  local o = options(opts)
  check_f64("module", m)
  local inputs, single = as_list(input)
  local x = single and inputs[1] or inputs
  local g = credo.Generator(o.seed)
  local function fwd()
    if o.before_forward then o.before_forward() end
    return m:forward(x)
  end
  local y0 = fwd()
  local ylist = as_list(y0)
  local R = {}
  for i, t in ipairs(ylist) do R[i] = g:randn(t:size(), "float64") end
  local Rarg = credo.is_tensor(y0) and R[1] or R
  local names, params, grads = m:named_parameters()
  local spec = {
    names = names, params = params, grads = grads,
    f = function() return project(R, fwd()) end,
    analytic = function()
      m:zero_grad()
      fwd()
      return as_list(clone_grad(m:backward(x, Rarg)) or {})
    end,
    rerun = function()
      fwd()
      m:backward(x, Rarg)
    end,
  }
  if not o.params then spec.params, spec.names = {}, {} end
  return run(spec, inputs, o)
end

-- Check a loss at (input, target); opts.weight is passed as the per-call
-- weight.  A "none" reduction is projected on a random R.
function M.loss(loss, input, target, opts)
  local o = options(opts)
  if input:dtype() ~= "float64" then
    error("gradcheck: the input must be float64", 2)
  end
  local w = o.weight or nil
  local R
  if loss.reduction == "none" then
    local y = loss:forward(input, target, w)
    R = credo.Generator(o.seed):randn(y:size(), "float64")
  end
  local function value()
    local v = loss:forward(input, target, w)
    if R then return credo.mul(R, v):sum() end
    return v
  end
  local spec = {
    names = {}, params = {}, grads = {},
    f = value,
    analytic = function()
      loss:forward(input, target, w)
      return { clone_grad(loss:backward(input, target, w, R)) }
    end,
  }
  o.params = false
  return run(spec, { input }, o)
end

return M
