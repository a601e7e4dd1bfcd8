-- credo.ensemble.greedy_weights: regularised greedy weighting of base
-- models' validation probabilities (gwe-blendnet.txt, Section 3.3,
-- Equations 9-10; docs/ensemble.md).
--
--   w = softmax(theta)                        (convex: w_k >= 0, sum w_k = 1)
--   L(theta) = 1/n sum_i (y_i - sum_k w_k p_ik)^2 + lambda * ||w||^2
--
-- The paper's optimiser: "for each weight, the algorithm searches a
-- predefined range of possible values and updates the weight based on the
-- improvement", iterated "until no further significant improvement".  So the
-- default method is a coordinate-wise greedy search: each iteration visits
-- k = 1..K in order and sets theta_k to the value of a fixed grid
-- (default -5, -4.95, ..., 5) that minimises L with the other thetas held,
-- moving only on a strict decrease; iterations stop when one lowers L by
-- less than tol.  Each candidate costs O(1): L is a ratio of dot products
-- precomputed once per coordinate (tensor ops, float64).  method =
-- "gradient" is the alternative the issue names: gradient descent on theta
-- with the analytic gradient and step lr.  What this is not: a multiclass
-- weighting (the Brier loss here is on P(y = 1)) or a selection of models.
local core = require "credo.core"
local U = require "credo.ensemble.util"

local T = core.tensor
local OPTS = U.set("lambda", "tol", "max_iter", "method", "grid", "lr", "names")

local DEFAULT_GRID = {}
for i = 0, 200 do DEFAULT_GRID[#DEFAULT_GRID + 1] = -5 + i * 0.05 end

local M = { DEFAULTS = { lambda = 1e-3, tol = 1e-6, max_iter = 100, method = "coordinate",
                         lr = 50.0, grid_min = -5, grid_max = 5, grid_step = 0.05 } }

local function num_opt(op, o, key, default, lo, strict)
  local v = o[key]
  if v == nil then return default end
  if type(v) ~= "number" or v ~= v or v == math.huge or (strict and not (v > lo)) or v < lo then
    U.argerror(op, 3, ("%s must be a finite number %s %s, got %s"):format(
      key, strict and ">" or ">=", lo, tostring(v)))
  end
  return v + 0.0
end

-- The checked options as a plain table (also used by the classes).
function M.options(op, opts)
  local o = U.options(op, 3, opts, OPTS)
  local r = {}
  r.lambda = num_opt(op, o, "lambda", M.DEFAULTS.lambda, 0)
  r.tol = num_opt(op, o, "tol", M.DEFAULTS.tol, 0)
  local mi = o.max_iter
  if mi == nil then mi = M.DEFAULTS.max_iter end
  if math.type(mi) ~= "integer" and not (type(mi) == "number" and mi == math.floor(mi)) or mi < 1 then
    U.argerror(op, 3, ("max_iter must be an integer >= 1, got %s"):format(tostring(o.max_iter)))
  end
  r.max_iter = math.tointeger(mi)
  r.method = o.method or M.DEFAULTS.method
  if r.method ~= "coordinate" and r.method ~= "gradient" then
    U.argerror(op, 3, ("method must be 'coordinate' or 'gradient', got '%s'"):format(tostring(r.method)))
  end
  if r.method == "coordinate" then
    if o.lr ~= nil then
      U.argerror(op, 3, "lr is the step of method = 'gradient' (the coordinate search takes a grid)")
    end
    local g = o.grid or DEFAULT_GRID
    if type(g) ~= "table" or #g == 0 then
      U.argerror(op, 3, "grid must be a non-empty list of numbers")
    end
    for i, v in ipairs(g) do
      if type(v) ~= "number" or v ~= v or math.abs(v) > 50 then
        U.argerror(op, 3, ("grid[%d] must be a number in [-50, 50], got %s"):format(i, tostring(v)))
      end
    end
    r.grid = g
  else
    if o.grid ~= nil then
      U.argerror(op, 3, "grid is for method = 'coordinate' (gradient descent takes lr)")
    end
    r.lr = num_opt(op, o, "lr", M.DEFAULTS.lr, 0, true)
  end
  r.names = o.names
  return r
end

-- softmax of a Lua list, stable (max subtracted); returns a float64 tensor.
local function softmax(theta)
  local mx = -math.huge
  for _, t in ipairs(theta) do if t > mx then mx = t end end
  local u, z = {}, 0
  for k, t in ipairs(theta) do u[k] = math.exp(t - mx); z = z + u[k] end
  for k = 1, #u do u[k] = u[k] / z end
  return T.tensor(u, "float64")
end

-- The exact objective at weights w (float64 tensor): L, Brier, ||w||^2.
local function objective(P, y, w, lambda)
  local r = P:mv(w):sub(y)
  local brier = r:dot(r) / P:size(1)
  local pen = w:dot(w)
  return brier + lambda * pen, brier, pen
end

local function coordinate(P, Pt, y, o, res)
  local n, K = P:size(1), P:size(2)
  local theta = {}
  for k = 1, K do theta[k] = 0.0 end
  local L, brier = objective(P, y, softmax(theta), o.lambda)
  res.loss_history, res.brier_history = { L }, { brier }
  local Syy = y:dot(y)
  for it = 1, o.max_iter do
    -- S = sum_j u_j p_j (numerator), Z = sum_j u_j, Q = sum_j u_j^2, u = e^theta
    local u, Z, Q = {}, 0, 0
    for k = 1, K do u[k] = math.exp(theta[k]); Z = Z + u[k]; Q = Q + u[k] * u[k] end
    local S = P:mv(T.tensor(u, "float64"))
    for k = 1, K do
      local b = Pt[k]
      local a = S:sub(b:mul(u[k]))
      local Z0, Q0 = Z - u[k], Q - u[k] * u[k]
      local Sya, Syb, Saa, Sab, Sbb = y:dot(a), y:dot(b), a:dot(a), a:dot(b), b:dot(b)
      -- L(c) with c = e^theta_k, D = Z0 + c:
      -- n*Brier = Syy - 2 (Sya + c Syb) / D + (Saa + 2 c Sab + c^2 Sbb) / D^2
      -- ||w||^2 = (Q0 + c^2) / D^2
      local function L_of(c)
        local D = Z0 + c
        local br = (Syy - 2 * (Sya + c * Syb) / D + (Saa + 2 * c * Sab + c * c * Sbb) / (D * D)) / n
        return br + o.lambda * (Q0 + c * c) / (D * D)
      end
      local best_t, best_L = theta[k], L_of(u[k])
      for _, v in ipairs(o.grid) do
        local Lv = L_of(math.exp(v))
        if Lv < best_L then best_t, best_L = v, Lv end
      end
      if best_t ~= theta[k] then
        local c = math.exp(best_t)
        theta[k] = best_t
        S = a:add(b:mul(c))
        Z, Q, u[k] = Z0 + c, Q0 + c * c, c
      end
    end
    local Lnew, bnew = objective(P, y, softmax(theta), o.lambda)
    res.loss_history[#res.loss_history + 1] = Lnew
    res.brier_history[#res.brier_history + 1] = bnew
    res.iterations = it
    if L - Lnew < o.tol then res.converged = true; break end
    L = Lnew
  end
  return theta
end

-- Gradient descent on theta.  With g_k = dL/dw_k = 2/n p_k.(f - y) + 2 lambda w_k,
-- the softmax Jacobian gives dL/dtheta_j = w_j (g_j - sum_k w_k g_k).
local function gradient(P, Pt, y, o, res)
  local n, K = P:size(1), P:size(2)
  local theta = {}
  for k = 1, K do theta[k] = 0.0 end
  local w = softmax(theta)
  local L, brier = objective(P, y, w, o.lambda)
  res.loss_history, res.brier_history = { L }, { brier }
  for it = 1, o.max_iter do
    local r = P:mv(w):sub(y)
    local g = Pt:mv(r):mul(2 / n):add(w:mul(2 * o.lambda))
    local gbar = w:dot(g)
    local grad = w:mul(g:sub(gbar)):totable()
    local cand = {}
    for k = 1, K do cand[k] = theta[k] - o.lr * grad[k] end
    local wc = softmax(cand)
    local Lc, bc = objective(P, y, wc, o.lambda)
    res.iterations = it
    if Lc < L then
      theta, w = cand, wc
      res.loss_history[#res.loss_history + 1] = Lc
      res.brier_history[#res.brier_history + 1] = bc
    end
    if L - Lc < o.tol then res.converged = Lc <= L; break end
    L = Lc
  end
  return theta
end

--- greedy_weights(P, y [, opts]) -> result
-- P: (n, K) validation probabilities of the positive class (or a list of K
-- (n) / (n, 2) tensors); y: (n) 0/1 labels.  opts: lambda (1e-3), tol
-- (1e-6), max_iter (100), method ("coordinate" | "gradient"), grid (the
-- coordinate search's theta values), lr (gradient step, 50), names (a list
-- of K model names for the result).  result: weights (Lua list summing to
-- 1), theta, loss (the objective), brier, penalty (||w||^2), loss_history
-- and brier_history (index 1 = uniform weights, then one entry per
-- iteration that was kept), iterations, converged, method, lambda, names.
function M.greedy_weights(P, y, opts)
  local op = "greedy_weights"
  local Pm = U.prob_matrix(op, 1, P)
  local yv = U.binary_labels(op, 2, y, Pm:size(1))
  local o = M.options(op, opts)
  local K = Pm:size(2)
  if o.names ~= nil and (type(o.names) ~= "table" or #o.names ~= K) then
    U.argerror(op, 3, ("names must be a list of %d names (one per model)"):format(K))
  end
  local Pt = Pm:t():contiguous()
  local res = { method = o.method, lambda = o.lambda, converged = false, iterations = 0,
                names = o.names }
  local theta
  if o.method == "coordinate" then
    theta = coordinate(Pm, Pt, yv, o, res)
  else
    theta = gradient(Pm, Pt, yv, o, res)
  end
  local w = softmax(theta)
  res.loss, res.brier, res.penalty = objective(Pm, yv, w, o.lambda)
  res.theta = theta
  res.weights = w:totable()
  res.weights_tensor = w
  return res
end

-- Apply weights (a Lua list or float64 tensor) to prediction columns:
-- (n, K) @ (K) -> (n).
function M.blend(Pm, w)
  if type(w) == "table" then w = T.tensor(w, "float64") end
  return Pm:mv(w)
end

return M
