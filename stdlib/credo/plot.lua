-- credo.plot: the figures of a credo report, drawn natively as SVG text.
--
--   local svg = credo.plot.roc { curves = {
--     { name = "GBDT", y_true = y, score = p, band = true },
--     { name = "LR", fpr = f, tpr = t, auc = 0.81 } } }
--   report:figure("roc", svg, "ROC curves on the test split")
--
-- Every function takes one table of options and returns an SVG string (a
-- complete <svg> element, well-formed XML, every text escaped).  Numbers
-- may be Lua tables or credo tensors.  An unknown option or a malformed
-- input is an error `bad argument #1 to 'plot.line' (what)`.
--
-- One style everywhere (stdlib/credo/plot/core.lua): the Okabe-Ito palette,
-- 12 px sans-serif text, a light grid, "nice" 1-2-5 ticks, and a legend put
-- in the corner that covers no data (outside on the right when none is
-- free).  What it is not: an interactive or general plotting library; it
-- draws the figure types credo's recipes need, and nothing reads pixels.
local core = require "credo.plot.core"

local M = {}
M.core, M.palette, M.style = core, core.palette, core.style
M.ticks, M.log_ticks, M.escape = core.ticks, core.log_ticks, core.escape

local el, text, n, num = core.el, core.text, core.n, core.num
local fmt, concat, floor, huge = string.format, table.concat, math.floor, math.huge
local argerror = core.argerror

local COMMON = { "title", "xlabel", "ylabel", "width", "height", "legend" }
local function optset(extra)
  local l = {}
  for _, k in ipairs(COMMON) do l[#l + 1] = k end
  for _, k in ipairs(extra) do l[#l + 1] = k end
  return core.set(l)
end

local function check_string(op, what, v, optional)
  if v == nil and optional then return nil end
  if type(v) == "number" then return num(v) end
  if type(v) ~= "string" then
    argerror(op, fmt("%s must be a string, got %s", what, type(v)), 3)
  end
  return v
end

-- legend option: nil/true "auto", false "none", or a position name
local LEGEND_POS = core.set { "auto", "none", "right", "upper right", "upper left",
                              "lower right", "lower left" }
local function legend_pos(op, v)
  if v == nil or v == true then return "auto" end
  if v == false then return "none" end
  if type(v) ~= "string" or not LEGEND_POS[v] then
    argerror(op, fmt("legend must be true, false or a position (\"upper right\", ...), got %s",
                     tostring(v)), 3)
  end
  return v
end

local function lim(op, what, v)
  if v == nil then return nil end
  if type(v) ~= "table" or type(v[1]) ~= "number" or type(v[2]) ~= "number"
     or not (v[1] < v[2]) then
    argerror(op, fmt("%s must be {lo, hi} with lo < hi", what), 3)
  end
  return v
end

local function all_integers(lists)
  for _, l in ipairs(lists) do
    for i = 1, #l do
      local v = l[i]
      if v == v and v ~= floor(v) then return false end
    end
  end
  return true
end

-- Pixel marks of polylines for legend placement.
local function pix(sx, sy, xs, ys, kind)
  local px, py = {}, {}
  for i = 1, #xs do px[i], py[i] = sx(xs[i]), sy(ys[i]) end
  return { kind = kind or "line", x = px, y = py }
end

-- Area between lo and hi over x as one closed path (NaN points skipped).
local function band_path(sx, sy, x, lo, hi, color, opacity, class)
  local fx, fy, bx, by = {}, {}, {}, {}
  for i = 1, #x do
    if x[i] == x[i] and lo[i] == lo[i] and hi[i] == hi[i] then
      fx[#fx + 1], fy[#fy + 1] = sx(x[i]), sy(hi[i])
      bx[#bx + 1], by[#by + 1] = sx(x[i]), sy(lo[i])
    end
  end
  if #fx < 2 then return "" end
  for i = #bx, 1, -1 do fx[#fx + 1], fy[#fy + 1] = bx[i], by[i] end
  return el("path", { "d", core.path_d(fx, fy) .. "Z", "fill", color,
                      "fill-opacity", opacity or core.style.band_opacity, "stroke", "none",
                      "class", class or "band" })
end

local function band_mark(sx, sy, x, lo, hi)
  local px, py = {}, {}
  for i = 1, #x do px[#px + 1], py[#py + 1] = sx(x[i]), sy(hi[i]) end
  for i = #x, 1, -1 do px[#px + 1], py[#py + 1] = sx(x[i]), sy(lo[i]) end
  return { kind = "area", x = px, y = py }
end

local function markers_svg(sx, sy, xs, ys, color, class)
  local out = {}
  for i = 1, #xs do
    if xs[i] == xs[i] and ys[i] == ys[i] then
      out[#out + 1] = el("circle", { "cx", sx(xs[i]), "cy", sy(ys[i]), "r", 3,
                                     "fill", color, "stroke", "#ffffff", "stroke-width", 0.8 })
    end
  end
  return el("g", { "class", class or "markers" }, concat(out))
end

-- ------------------------------------------------------------------ line

local LINE = optset { "series", "xlim", "ylim", "xlog", "ylog", "markers", "lines", "integer_x" }
local SERIES = core.set { "name", "x", "y", "color", "dash", "markers", "band", "width" }

-- Series of a line chart, checked: {name, x, y, color, dash, markers, band = {lo, hi}}.
local function check_series(op, list)
  if type(list) ~= "table" or #list == 0 then
    argerror(op, "series must be a non-empty list of series", 3)
  end
  local out = {}
  for i, s in ipairs(list) do
    local w = fmt("series[%d]", i)
    if type(s) ~= "table" then argerror(op, w .. " must be a table", 3) end
    for k in pairs(s) do
      if not SERIES[k] then argerror(op, fmt("%s: unknown field '%s'", w, tostring(k)), 3) end
    end
    local y = core.vector(op, w .. ".y", s.y)
    local x
    if s.x ~= nil then
      x = core.vector(op, w .. ".x", s.x)
      if #x ~= #y then
        argerror(op, fmt("%s.x has %d values but %s.y has %d", w, #x, w, #y), 3)
      end
    else
      x = {}
      for j = 1, #y do x[j] = j end
    end
    local band
    if s.band ~= nil then
      if type(s.band) ~= "table" then argerror(op, w .. ".band must be {lo = ..., hi = ...}", 3) end
      local lo = core.vector(op, w .. ".band.lo", s.band.lo)
      local hi = core.vector(op, w .. ".band.hi", s.band.hi)
      local bx = s.band.x and core.vector(op, w .. ".band.x", s.band.x) or x
      if #lo ~= #bx or #hi ~= #bx then
        argerror(op, fmt("%s.band: lo and hi must have %d values (one per x)", w, #bx), 3)
      end
      band = { x = bx, lo = lo, hi = hi }
    end
    out[i] = { name = check_string(op, w .. ".name", s.name, true), x = x, y = y,
               color = s.color or core.color(i), dash = s.dash, markers = s.markers,
               band = band, width = s.width }
  end
  return out
end

-- line{series = {{name, x, y, color, dash, markers, band = {lo, hi}}},
--      title, xlabel, ylabel, xlim, ylim, xlog, ylog, markers, lines = true,
--      legend, width, height}: several series over a shared x axis (x
-- defaults to 1..n).  NaN breaks a line.  Markers are drawn by default
-- for series of 30 points or fewer.
function M.line(o)
  local op = type(o) == "table" and o._op or "plot.line"
  if op ~= "plot.line" then o._op = nil end
  core.options(op, o, LINE)
  local ser = check_series(op, o.series)
  local xlim, ylim = lim(op, "xlim", o.xlim), lim(op, "ylim", o.ylim)
  local xs, ys = {}, {}
  for _, s in ipairs(ser) do
    xs[#xs + 1], ys[#ys + 1] = s.x, s.y
    if s.band then
      xs[#xs + 1], ys[#ys + 1], ys[#ys + 2] = s.band.x, s.band.lo, s.band.hi
    end
  end
  local xlo, xhi = core.extent(xs, o.xlog)
  local ylo, yhi = core.extent(ys, o.ylog)
  if not xlo then argerror(op, "no finite x values to draw", 2) end
  if not ylo then argerror(op, "no finite y values to draw", 2) end
  if xlim then xlo, xhi = xlim[1], xlim[2] end
  if ylim then ylo, yhi = ylim[1], ylim[2] end
  if o.xlog and xlo <= 0 then argerror(op, "xlog needs positive x limits", 2) end
  if o.ylog and ylo <= 0 then argerror(op, "ylog needs positive y limits", 2) end
  local integer_x = o.integer_x
  if integer_x == nil then integer_x = all_integers(xs) end

  local lines = o.lines ~= false
  local entries = {}
  for _, s in ipairs(ser) do
    local mk = s.markers
    if mk == nil then mk = o.markers end
    if mk == nil then mk = (#s.y <= 30) or not lines end
    s.show_markers = mk
    if s.name then
      entries[#entries + 1] = { label = s.name, color = s.color, dash = s.dash,
                                kind = lines and "line" or "marker", marker = lines and mk }
    end
  end
  local F = core.frame {
    width = o.width, height = o.height, title = o.title, xlabel = o.xlabel, ylabel = o.ylabel,
    x = { lo = xlo, hi = xhi, log = o.xlog, integer = integer_x, fixed = xlim ~= nil },
    y = { lo = ylo, hi = yhi, log = o.ylog, fixed = ylim ~= nil },
    legend = entries, legend_pos = legend_pos(op, o.legend),
    marks = function(sx, sy)
      local m = {}
      for _, s in ipairs(ser) do
        m[#m + 1] = pix(sx, sy, s.x, s.y, lines and "line" or "points")
        if s.band then m[#m + 1] = band_mark(sx, sy, s.band.x, s.band.lo, s.band.hi) end
      end
      return m
    end,
  }
  local out = {}
  for _, s in ipairs(ser) do
    if s.band then out[#out + 1] = band_path(F.sx, F.sy, s.band.x, s.band.lo, s.band.hi, s.color) end
  end
  for _, s in ipairs(ser) do
    if lines then
      local px, py = {}, {}
      for i = 1, #s.x do px[i], py[i] = F.sx(s.x[i]), F.sy(s.y[i]) end
      out[#out + 1] = el("path", { "d", core.path_d(px, py), "fill", "none", "stroke", s.color,
                                   "stroke-width", s.width or core.style.line_width,
                                   "stroke-dasharray", s.dash, "stroke-linejoin", "round",
                                   "class", "series" })
    end
    if s.show_markers then out[#out + 1] = markers_svg(F.sx, F.sy, s.x, s.y, s.color) end
  end
  return core.render(F, concat(out))
end

-- scatter{series = {{name, x, y, color}}, ...}: points only.
function M.scatter(o)
  if type(o) ~= "table" then argerror("plot.scatter", "expected a table of options, got " .. type(o)) end
  local c = {}
  for k, v in pairs(o) do c[k] = v end
  c.lines, c.markers, c._op = false, true, "plot.scatter"
  return M.line(c)
end

-- ------------------------------------------------------------------ curves

local function metrics() return require "credo.metrics" end

local CURVE_COMMON = { "name", "y_true", "score", "color", "dash" }
local function curve_fields(extra)
  local l = {}
  for _, k in ipairs(CURVE_COMMON) do l[#l + 1] = k end
  for _, k in ipairs(extra) do l[#l + 1] = k end
  return core.set(l)
end

local function check_curves(op, list, fields)
  if type(list) ~= "table" or #list == 0 then
    argerror(op, "curves must be a non-empty list of curves", 3)
  end
  for i, c in ipairs(list) do
    if type(c) ~= "table" then argerror(op, fmt("curves[%d] must be a table", i), 3) end
    for k in pairs(c) do
      if not fields[k] then argerror(op, fmt("curves[%d]: unknown field '%s'", i, tostring(k)), 3) end
    end
  end
end

local function pair(op, what, a, an, b, bn)
  if #a ~= #b then
    argerror(op, fmt("%s: %s has %d values but %s has %d", what, bn, #b, an, #a), 3)
  end
end

-- Vertical averaging of ROC curves (Fawcett, "An introduction to ROC
-- analysis", Pattern Recognition Letters 27, 2006, sec. 7.1): the TPR of a
-- curve at a fixed FPR, linear between points; at a vertical run the top.
local function tpr_at(fpr, tpr, grid)
  local out, j, m = {}, 1, #fpr
  for g = 1, #grid do
    local x = grid[g]
    while j < m and fpr[j + 1] <= x do j = j + 1 end
    if j >= m or fpr[j] >= x then
      out[g] = tpr[j]
    else
      local x0, x1 = fpr[j], fpr[j + 1]
      out[g] = tpr[j] + (tpr[j + 1] - tpr[j]) * (x - x0) / (x1 - x0)
    end
  end
  return out
end
M._tpr_at = tpr_at

local function labels01(op, what, v)
  local y = core.vector(op, what, v, true)
  for i = 1, #y do
    if y[i] ~= 0 and y[i] ~= 1 then
      argerror(op, fmt("%s must hold 0/1 labels, found %s at index %d", what, num(y[i]), i), 3)
    end
  end
  return y
end

local BAND = core.set { "n", "seed", "grid", "alpha" }

-- roc_band(y_true, score [, {n = 200, seed = 0, grid = 101, alpha = 0.05}])
-- -> {fpr = grid, lo, hi, auc_lo, auc_hi, n}: a pointwise percentile band
-- of the TPR over n stratified bootstrap replicates (replicate b draws
-- from credo.Generator(seed):stream(b - 1), negatives then positives, as
-- credo.metrics.bootstrap_ci does), on a common FPR grid of `grid` points
-- in [0, 1]; auc_lo, auc_hi are the same percentiles of the replicates' AUC.
function M.roc_band(y_true, score, opts)
  local op = "plot.roc_band"
  opts = opts or {}
  if type(opts) ~= "table" then error("bad argument #3 to 'plot.roc_band' (expected a table of options)", 2) end
  for k in pairs(opts) do
    if not BAND[k] then error(fmt("bad argument #3 to 'plot.roc_band' (unknown option '%s')", tostring(k)), 2) end
  end
  local y = labels01(op, "y_true", y_true)
  local s = core.vector(op, "score", score, true)
  if #y ~= #s then argerror(op, fmt("score has %d values but y_true has %d", #s, #y), 2) end
  local nrep, seed, m, alpha = opts.n or 200, opts.seed or 0, opts.grid or 101, opts.alpha or 0.05
  if math.type(nrep) ~= "integer" or nrep < 2 then error("bad argument #3 to 'plot.roc_band' (n must be an integer >= 2)", 2) end
  if math.type(m) ~= "integer" or m < 2 then error("bad argument #3 to 'plot.roc_band' (grid must be an integer >= 2)", 2) end
  if math.type(seed) ~= "integer" then error("bad argument #3 to 'plot.roc_band' (seed must be an integer)", 2) end
  if type(alpha) ~= "number" or not (alpha > 0 and alpha < 1) then
    error("bad argument #3 to 'plot.roc_band' (alpha must be in (0, 1))", 2)
  end
  local cls = { [0] = {}, [1] = {} }
  for i = 1, #y do local c = cls[y[i]]; c[#c + 1] = i end
  if #cls[0] == 0 or #cls[1] == 0 then
    argerror(op, "y_true must hold both classes for a ROC band", 2)
  end
  local credo = require "credo"
  local met = metrics()
  local grid = {}
  for g = 1, m do grid[g] = (g - 1) / (m - 1) end
  local reps, aucs = {}, {}
  local g0 = credo.Generator(seed)
  for b = 1, nrep do
    local gb = g0:stream(b - 1)
    local yb, sb = {}, {}
    for c = 0, 1 do
      local idx = cls[c]
      local draws = gb:randint(1, #idx, #idx):totable()
      for k = 1, #draws do
        local i = idx[draws[k]]
        yb[#yb + 1], sb[#sb + 1] = c, s[i]
      end
    end
    local yt, st = credo.tensor(yb, "int64"), credo.tensor(sb, "float64")
    local f, t = met.roc_curve(yt, st)
    reps[b] = tpr_at(f:totable(), t:totable(), grid)
    aucs[b] = met.roc_auc(yt, st)
  end
  local lo, hi = {}, {}
  for g = 1, m do
    local col = {}
    for b = 1, nrep do col[b] = reps[b][g] end
    table.sort(col)
    lo[g] = core.quantile_sorted(col, alpha / 2)
    hi[g] = core.quantile_sorted(col, 1 - alpha / 2)
  end
  table.sort(aucs)
  return { fpr = grid, lo = lo, hi = hi, n = nrep,
           auc_lo = core.quantile_sorted(aucs, alpha / 2),
           auc_hi = core.quantile_sorted(aucs, 1 - alpha / 2) }
end

local UNIT_TICKS = { 0, 0.2, 0.4, 0.6, 0.8, 1 }
local UNIT_LABELS = { "0.0", "0.2", "0.4", "0.6", "0.8", "1.0" }

local function unit_frame(o, op, entries, prefer, marks, xlabel, ylabel, ylim)
  local y0, y1 = 0, 1
  if ylim then y0, y1 = ylim[1], ylim[2] end
  return core.frame {
    width = o.width, height = o.height or 460, title = o.title,
    xlabel = o.xlabel or xlabel, ylabel = o.ylabel or ylabel,
    x = { lo = 0, hi = 1, fixed = true, ticks = UNIT_TICKS, labels = UNIT_LABELS },
    y = { lo = y0, hi = y1, fixed = true, ticks = (y0 == 0 and y1 >= 1) and UNIT_TICKS or nil,
          labels = (y0 == 0 and y1 >= 1) and UNIT_LABELS or nil },
    legend = entries, legend_pos = legend_pos(op, o.legend), prefer = prefer, marks = marks,
  }
end

local function ci_text(lo, hi)
  if lo and hi then return fmt(" [%.3f, %.3f]", lo, hi) end
  return ""
end

local function curve_path(F, xs, ys, color, dash, class)
  local px, py = {}, {}
  for i = 1, #xs do px[i], py[i] = F.sx(xs[i]), F.sy(ys[i]) end
  return el("path", { "d", core.path_d(px, py), "fill", "none", "stroke", color,
                      "stroke-width", core.style.line_width, "stroke-dasharray", dash,
                      "stroke-linejoin", "round", "class", class or "curve" })
end

local function ref_line(F, x0, y0, x1, y1)
  return el("line", { "x1", F.sx(x0), "y1", F.sy(y0), "x2", F.sx(x1), "y2", F.sy(y1),
                      "stroke", core.style.ref, "stroke-width", 1.2, "stroke-dasharray", "5 4",
                      "class", "reference" })
end

-- The curves of a chart as records { name, color, dash, label, ... }: from
-- y_true and a score through how.compute(r, c, w), or from the two given
-- vectors how.read (checked as one pair in how.pair's order) and the
-- legend statistic how.stat (a number, printed with how.fmt); how.finish(r,
-- c, w) adds what one chart needs and may set the label itself.
local function curve_records(op, o, how)
  local cs = {}
  local a, b = how.read[1], how.read[2]
  for i, c in ipairs(o.curves) do
    local w = fmt("curves[%d]", i)
    local r = { name = check_string(op, w .. ".name", c.name, true) or ("model " .. i),
                color = c.color or core.color(i), dash = c.dash }
    if c.y_true ~= nil then
      how.compute(r, c, w)
    else
      r[a] = core.vector(op, w .. "." .. a, c[a], true)
      r[b] = core.vector(op, w .. "." .. b, c[b], true)
      local p, q = how.pair[1], how.pair[2]
      pair(op, w, r[p], p, r[q], q)
      r[how.stat] = c[how.stat]
    end
    local v = r[how.stat]
    if v ~= nil and type(v) ~= "number" then argerror(op, w .. "." .. how.stat .. " must be a number", 2) end
    if how.finish then how.finish(r, c, w) end
    r.label = r.label or (v and fmt("%s (" .. how.fmt .. ")", r.name, v) or r.name)
    cs[i] = r
  end
  return cs
end

local ROC = optset { "curves", "seed", "band_n", "chance" }
local ROC_CURVE = curve_fields { "fpr", "tpr", "auc", "auc_ci", "band" }

-- roc{curves = {{name, fpr, tpr, auc, auc_ci = {lo, hi}, band = {fpr, lo, hi}}
--               or {name, y_true, score, band = true}}, seed, band_n = 200,
--     chance = true, title, ...}: ROC curves overlaid, one <path> each, the
-- AUC (and its interval) in the legend, optional bootstrap bands.  With
-- y_true and score, the curve and AUC come from credo.metrics and
-- `band = true` computes roc_band (its AUC interval goes to the legend).
function M.roc(o)
  local op = "plot.roc"
  core.options(op, o, ROC)
  check_curves(op, o.curves, ROC_CURVE)
  local cs = curve_records(op, o, {
    read = { "fpr", "tpr" }, pair = { "fpr", "tpr" }, stat = "auc",
    compute = function(r, c)
      local f, t = metrics().roc_curve(c.y_true, c.score)
      r.fpr, r.tpr = f:totable(), t:totable()
      r.auc = c.auc or metrics().roc_auc(c.y_true, c.score)
      if c.band == true then
        local b = M.roc_band(c.y_true, c.score, { n = o.band_n or 200, seed = o.seed or 0 })
        r.band = b
        r.auc_ci = c.auc_ci or { b.auc_lo, b.auc_hi }
      end
    end,
    finish = function(r, c, w)
      if c.auc_ci ~= nil then r.auc_ci = c.auc_ci end
      if type(c.band) == "table" then
        local bx = core.vector(op, w .. ".band.fpr", c.band.fpr, true)
        local lo = core.vector(op, w .. ".band.lo", c.band.lo, true)
        local hi = core.vector(op, w .. ".band.hi", c.band.hi, true)
        if #lo ~= #bx or #hi ~= #bx then
          argerror(op, fmt("%s.band: lo and hi must have one value per fpr (%d)", w, #bx), 2)
        end
        r.band = { fpr = bx, lo = lo, hi = hi }
      end
      r.label = r.auc and fmt("%s (AUC = %.3f%s)", r.name, r.auc,
                              r.auc_ci and ci_text(r.auc_ci[1], r.auc_ci[2]) or "") or r.name
    end,
  })
  local entries = {}
  for _, r in ipairs(cs) do
    entries[#entries + 1] = { label = r.label, color = r.color, dash = r.dash }
  end
  local chance = o.chance ~= false
  if chance then entries[#entries + 1] = { label = "chance", color = core.style.ref, dash = "5 4", width = 1.2 } end
  -- one legend patch for the bands: in the curve's colour when one curve
  -- has a band, a neutral grey standing for all of them otherwise
  local banded = {}
  for _, r in ipairs(cs) do
    if r.band then banded[#banded + 1] = r end
  end
  if #banded == 1 then
    entries[#entries + 1] = { label = "95% bootstrap band", color = banded[1].color, kind = "patch",
                              opacity = core.style.band_opacity }
  elseif #banded > 1 then
    entries[#entries + 1] = { label = "95% bootstrap bands", color = "#808080", kind = "patch",
                              opacity = 0.35 }
  end
  local F = unit_frame(o, op, entries, { "lower right", "upper left", "center right", "upper right", "lower left" },
    function(sx, sy)
      local m = {}
      for _, r in ipairs(cs) do
        m[#m + 1] = pix(sx, sy, r.fpr, r.tpr)
        if r.band then m[#m + 1] = band_mark(sx, sy, r.band.fpr, r.band.lo, r.band.hi) end
      end
      if chance then m[#m + 1] = pix(sx, sy, { 0, 1 }, { 0, 1 }) end
      return m
    end, "false positive rate", "true positive rate")
  local out = {}
  for _, r in ipairs(cs) do
    if r.band then out[#out + 1] = band_path(F.sx, F.sy, r.band.fpr, r.band.lo, r.band.hi, r.color) end
  end
  if chance then out[#out + 1] = ref_line(F, 0, 0, 1, 1) end
  for _, r in ipairs(cs) do out[#out + 1] = curve_path(F, r.fpr, r.tpr, r.color, r.dash) end
  return core.render(F, concat(out))
end

local PR = optset { "curves", "baseline" }
local PR_CURVE = curve_fields { "precision", "recall", "ap" }

-- pr{curves = {{name, precision, recall, ap} or {name, y_true, score}},
--    baseline = prevalence | false}: precision-recall curves drawn as the
-- steps whose area is the average precision (sklearn's step-wise AP), AP
-- in the legend, and the chance level (the positive rate) dashed.
function M.pr(o)
  local op = "plot.pr"
  core.options(op, o, PR)
  check_curves(op, o.curves, PR_CURVE)
  local baseline = o.baseline
  local cs = curve_records(op, o, {
    read = { "precision", "recall" }, pair = { "precision", "recall" }, stat = "ap",
    fmt = "AP = %.3f",
    compute = function(r, c, w)
      local p, rc = metrics().precision_recall_curve(c.y_true, c.score)
      r.precision, r.recall = p:totable(), rc:totable()
      r.ap = c.ap or metrics().average_precision(c.y_true, c.score)
      if baseline == nil then
        local y = labels01(op, w .. ".y_true", c.y_true)
        local pos = 0
        for k = 1, #y do pos = pos + y[k] end
        baseline = pos / #y
      end
    end,
    -- steps: from each point horizontally to the next recall, then vertically
    finish = function(r)
      local sx, sy = {}, {}
      local P, R = r.precision, r.recall
      for k = 1, #R do
        if k > 1 then sx[#sx + 1], sy[#sy + 1] = R[k], P[k - 1] end
        sx[#sx + 1], sy[#sy + 1] = R[k], P[k]
      end
      r.sx, r.sy = sx, sy
    end,
  })
  if baseline ~= nil and baseline ~= false and type(baseline) ~= "number" then
    argerror(op, "baseline must be a number (the positive rate) or false", 2)
  end
  local entries = {}
  for _, r in ipairs(cs) do entries[#entries + 1] = { label = r.label, color = r.color, dash = r.dash } end
  if baseline then
    entries[#entries + 1] = { label = fmt("chance (%.3f)", baseline), color = core.style.ref, dash = "5 4", width = 1.2 }
  end
  local F = unit_frame(o, op, entries, { "lower left", "upper right", "lower right", "upper left" },
    function(sx, sy)
      local m = {}
      for _, r in ipairs(cs) do m[#m + 1] = pix(sx, sy, r.sx, r.sy) end
      if baseline then m[#m + 1] = pix(sx, sy, { 0, 1 }, { baseline, baseline }) end
      return m
    end, "recall", "precision", { 0, 1.02 })
  local out = {}
  if baseline then out[#out + 1] = ref_line(F, 0, baseline, 1, baseline) end
  for _, r in ipairs(cs) do out[#out + 1] = curve_path(F, r.sx, r.sy, r.color, r.dash) end
  return core.render(F, concat(out))
end

local CAL = optset { "curves", "n_bins", "strategy" }
local CAL_CURVE = curve_fields { "prob_true", "prob_pred", "brier", "prob" }

-- calibration{curves = {{name, prob_true, prob_pred, brier} or
--             {name, y_true, prob}}, n_bins = 10, strategy = "uniform"}:
-- reliability curves (mean predicted probability against the observed
-- fraction of positives per bin) with markers, the diagonal of perfect
-- calibration, the Brier score in the legend.
function M.calibration(o)
  local op = "plot.calibration"
  core.options(op, o, CAL)
  check_curves(op, o.curves, CAL_CURVE)
  local cs = curve_records(op, o, {
    read = { "prob_true", "prob_pred" }, pair = { "prob_pred", "prob_true" }, stat = "brier",
    fmt = "Brier = %.3f",
    compute = function(r, c)
      local prob = c.prob or c.score
      local pt, pp = metrics().calibration_curve(c.y_true, prob,
        { n_bins = o.n_bins or 10, strategy = o.strategy or "uniform" })
      r.prob_true, r.prob_pred = pt:totable(), pp:totable()
      r.brier = c.brier or metrics().brier_score(c.y_true, prob)
    end,
  })
  local entries = {}
  for _, r in ipairs(cs) do entries[#entries + 1] = { label = r.label, color = r.color, dash = r.dash, marker = true } end
  entries[#entries + 1] = { label = "perfectly calibrated", color = core.style.ref, dash = "5 4", width = 1.2 }
  local F = unit_frame(o, op, entries, { "upper left", "lower right", "center right" },
    function(sx, sy)
      local m = { pix(sx, sy, { 0, 1 }, { 0, 1 }) }
      for _, r in ipairs(cs) do m[#m + 1] = pix(sx, sy, r.prob_pred, r.prob_true) end
      return m
    end, "mean predicted probability", "fraction of positives")
  local out = { ref_line(F, 0, 0, 1, 1) }
  for _, r in ipairs(cs) do
    out[#out + 1] = curve_path(F, r.prob_pred, r.prob_true, r.color, r.dash)
    out[#out + 1] = markers_svg(F.sx, F.sy, r.prob_pred, r.prob_true, r.color)
  end
  return core.render(F, concat(out))
end

local COST = optset { "curves", "ylim" }
local COST_CURVE = curve_fields { "pc", "nec", "area" }

-- cost{curves = {{name, pc, nec, area} or {name, y_true, score}},
--      ylim = {0, 0.5}}: cost curves (Drummond & Holte 2006; see
-- credo.metrics.cost_curve), the trivial classifiers (always negative:
-- NEC = PC; always positive: NEC = 1 - PC) dashed, the area in the legend.
function M.cost(o)
  local op = "plot.cost"
  core.options(op, o, COST)
  check_curves(op, o.curves, COST_CURVE)
  local cs = curve_records(op, o, {
    read = { "pc", "nec" }, pair = { "pc", "nec" }, stat = "area", fmt = "area = %.4f",
    compute = function(r, c)
      local pc, nec, area = metrics().cost_curve(c.y_true, c.score)
      r.pc, r.nec, r.area = pc:totable(), nec:totable(), c.area or area
    end,
  })
  local entries = {}
  for _, r in ipairs(cs) do entries[#entries + 1] = { label = r.label, color = r.color, dash = r.dash } end
  entries[#entries + 1] = { label = "trivial classifiers", color = core.style.ref, dash = "5 4", width = 1.2 }
  local ylim = lim(op, "ylim", o.ylim) or { 0, 0.5 }
  local F = unit_frame(o, op, entries, { "upper left", "upper right", "center right" },
    function(sx, sy)
      local m = { pix(sx, sy, { 0, 1 }, { 0, 1 }), pix(sx, sy, { 0, 1 }, { 1, 0 }) }
      for _, r in ipairs(cs) do m[#m + 1] = pix(sx, sy, r.pc, r.nec) end
      return m
    end, "probability cost PC(+)", "normalised expected cost", ylim)
  local out = { ref_line(F, 0, 0, 1, 1), ref_line(F, 0, 1, 1, 0) }
  for _, r in ipairs(cs) do out[#out + 1] = curve_path(F, r.pc, r.nec, r.color, r.dash) end
  return core.render(F, concat(out))
end

-- ------------------------------------------------------------------ heatmaps

-- The grid of a heatmap: rows x cols cells, row labels on the left, column
-- labels below (turned when long), a colour bar or a categorical legend on
-- the right.  h.fill(i, j) -> colour, h.text(i, j) -> {lines} or nil.
local function grid_chart(h)
  local st = core.style
  local nr, nc = #h.rows, #h.cols
  local cell = h.cell or math.max(22, math.min(84, floor(440 / math.max(nr, nc))))
  local rlw, clw = 0, 0
  for _, s in ipairs(h.rows) do rlw = math.max(rlw, core.text_width(s)) end
  for _, s in ipairs(h.cols) do clw = math.max(clw, core.text_width(s)) end
  local rot = clw > cell - 6
  local top = 12 + (h.title and 26 or 0)
  local left = 10 + (h.ylabel and 22 or 0) + rlw + 8
  local drop = rot and (12 + clw * math.sin(math.rad(35))) or 20
  local gx0, gy0 = left, top
  local gx1, gy1 = gx0 + nc * cell, gy0 + nr * cell
  local W = gx1 + 20
  local side = {}
  if h.colorbar then
    local cb = h.colorbar
    local bh = math.max(120, gy1 - gy0)
    local bx, by = gx1 + 18, gy0
    local steps = 64
    for k = 0, steps - 1 do
      local t1 = 1 - k / steps
      local y = by + bh * k / steps
      side[#side + 1] = el("rect", { "x", bx, "y", y, "width", 14, "height", bh / steps + 0.5,
                                     "fill", cb.map(t1 - 0.5 / steps) })
    end
    side[#side + 1] = el("rect", { "x", bx, "y", by, "width", 14, "height", bh, "fill", "none",
                                   "stroke", "#cccccc" })
    local lw = 0
    for i, v in ipairs(cb.ticks) do
      local y = by + bh * (1 - (v - cb.lo) / (cb.hi - cb.lo))
      side[#side + 1] = el("line", { "x1", bx + 14, "y1", y, "x2", bx + 18, "y2", y, "stroke", st.axis })
      side[#side + 1] = text(bx + 21, y + 4, cb.labels[i], { anchor = "start", fill = st.muted, class = "tick" })
      lw = math.max(lw, core.text_width(cb.labels[i]))
    end
    W = bx + 21 + lw + 8
    if cb.label then
      side[#side + 1] = text(W + 6, by + bh / 2, cb.label, { anchor = "middle", rotate = 90, class = "cblabel" })
      W = W + 20
    end
    gy1 = math.max(gy1, by + bh)
  elseif h.legend then
    local lw, lh = core.legend_size(h.legend)
    side[#side + 1] = core.legend_svg(h.legend, gx1 + 12, gy0, lw, lh, false)
    W = gx1 + 12 + lw + 8
    gy1 = math.max(gy1, gy0 + lh)
  end
  local H = math.max(gy0 + nr * cell, gy1) + drop + (h.xlabel and 22 or 0) + (h.note and 18 or 0) + 10
  local out = { core.svg_open(W, H, h.title) }
  if h.title then
    out[#out + 1] = text(10, 12 + st.title_size, h.title,
                         { anchor = "start", size = st.title_size, weight = "bold", class = "title" })
  end
  local cells = {}
  for i = 1, nr do
    for j = 1, nc do
      local x, y = gx0 + (j - 1) * cell, gy0 + (i - 1) * cell
      local c = h.fill(i, j)
      cells[#cells + 1] = el("rect", { "x", x, "y", y, "width", cell, "height", cell,
                                       "fill", c, "stroke", "#ffffff", "stroke-width", 1, "class", "cell" })
      local lines = h.text and h.text(i, j)
      if lines and #lines > 0 then
        local fg = core.text_on(c)
        local size = cell >= 40 and st.font_size or st.small_size
        local y0 = y + cell / 2 - (#lines - 1) * (size + 2) / 2 + size * 0.35
        for k, s in ipairs(lines) do
          cells[#cells + 1] = text(x + cell / 2, y0 + (k - 1) * (size + 2), s,
                                   { anchor = "middle", fill = fg, size = size ~= st.font_size and size or nil,
                                     weight = k == 1 and h.bold_first and "bold" or nil, class = "value" })
        end
      end
    end
  end
  out[#out + 1] = el("g", { "class", "cells" }, concat(cells))
  local lab = {}
  for i, s in ipairs(h.rows) do
    lab[#lab + 1] = text(gx0 - 6, gy0 + (i - 0.5) * cell + 4, s, { anchor = "end", class = "tick" })
  end
  local gbot = gy0 + nr * cell
  for j, s in ipairs(h.cols) do
    local x = gx0 + (j - 0.5) * cell
    if rot then
      lab[#lab + 1] = text(x + 4, gbot + 14, s, { anchor = "end", rotate = -35, class = "tick" })
    else
      lab[#lab + 1] = text(x, gbot + 16, s, { anchor = "middle", class = "tick" })
    end
  end
  out[#out + 1] = el("g", { "class", "labels" }, concat(lab))
  if h.xlabel then
    out[#out + 1] = text((gx0 + gx1) / 2, gbot + drop + 16, h.xlabel, { anchor = "middle", class = "xlabel" })
  end
  if h.note then
    out[#out + 1] = text(gx0, H - 8, h.note, { anchor = "start", size = st.small_size, fill = st.muted,
                                               class = "note" })
  end
  if h.ylabel then
    out[#out + 1] = text(16, gy0 + nr * cell / 2, h.ylabel, { anchor = "middle", rotate = -90, class = "ylabel" })
  end
  out[#out + 1] = el("g", { "class", "side" }, concat(side))
  out[#out + 1] = "</svg>"
  return concat(out)
end

local function default_labels(k, given, op, what)
  if given ~= nil then
    local l = core.strings(op, what, given)
    if #l ~= k then argerror(op, fmt("%s has %d names but the matrix has %d", what, #l, k), 3) end
    return l
  end
  local l = {}
  for i = 1, k do l[i] = tostring(i - 1) end
  return l
end

local function pct(x)
  if x ~= x then return "-" end
  return fmt("%.1f%%", 100 * x)
end

local CONF = optset { "matrix", "labels", "normalize", "cell" }

-- confusion{matrix = k x k counts (rows true, columns predicted), labels,
--           normalize = "true" (default: colour by share of the true
--           class) | "all" | "none"}: each cell shows its count and its
-- share of the row (or of all, with "all").  As credo.metrics.confusion_matrix
-- returns it, so `confusion{matrix = cm}` takes its result directly.
function M.confusion(o)
  local op = "plot.confusion"
  core.options(op, o, CONF)
  local m, nr, nc = core.matrix(op, "matrix", o.matrix, true)
  if nr ~= nc then argerror(op, fmt("matrix must be square, got %dx%d", nr, nc), 2) end
  local labels = default_labels(nr, o.labels, op, "labels")
  local norm = o.normalize or "true"
  if norm ~= "true" and norm ~= "all" and norm ~= "none" then
    argerror(op, "normalize must be \"true\", \"all\" or \"none\"", 2)
  end
  local rows, total, maxv = {}, 0, 0
  for i = 1, nr do
    local s = 0
    for j = 1, nc do
      if m[i][j] < 0 then argerror(op, fmt("matrix[%d][%d] is negative", i, j), 2) end
      s = s + m[i][j]
      if m[i][j] > maxv then maxv = m[i][j] end
    end
    rows[i] = s
    total = total + s
  end
  local function share(i, j)
    if norm == "all" then return total > 0 and m[i][j] / total or 0 / 0 end
    return rows[i] > 0 and m[i][j] / rows[i] or 0 / 0
  end
  local annotate = nr <= 16
  local svg = grid_chart {
    title = o.title, xlabel = o.xlabel or "predicted label", ylabel = o.ylabel or "true label",
    rows = labels, cols = labels, cell = o.cell,
    fill = function(i, j)
      if norm == "none" then return core.sequential(maxv > 0 and m[i][j] / maxv or 0) end
      return core.sequential(share(i, j))
    end,
    text = annotate and function(i, j)
      if norm == "none" then return { num(m[i][j]) } end
      return { num(m[i][j]), pct(share(i, j)) }
    end or nil,
    bold_first = true,
    colorbar = norm ~= "none" and {
      map = core.sequential, lo = 0, hi = 1, ticks = { 0, 0.25, 0.5, 0.75, 1 },
      labels = { "0%", "25%", "50%", "75%", "100%" },
      label = norm == "all" and "share of all" or "share of true class",
    } or {
      map = core.sequential, lo = 0, hi = 1, ticks = { 0, 1 }, labels = { "0", num(maxv) }, label = "count",
    },
  }
  return core.finish_ids(svg)
end

local CORR = optset { "matrix", "labels", "pvalues", "annotate", "digits", "cell" }

-- correlation{matrix = k x k in [-1, 1], labels, pvalues = k x k,
--             annotate = (k <= 12), digits = 2}: a diverging heatmap (blue
-- negative, red positive, white 0), values in the cells, and the marks
-- * p < 0.05, ** p < 0.01, *** p < 0.001 when p-values are given.
function M.correlation(o)
  local op = "plot.correlation"
  core.options(op, o, CORR)
  local m, nr, nc = core.matrix(op, "matrix", o.matrix)
  if nr ~= nc then argerror(op, fmt("matrix must be square, got %dx%d", nr, nc), 2) end
  for i = 1, nr do
    for j = 1, nc do
      local v = m[i][j]
      if v == v and (v < -1 - 1e-9 or v > 1 + 1e-9) then
        argerror(op, fmt("matrix[%d][%d] = %s is outside [-1, 1]", i, j, num(v)), 2)
      end
    end
  end
  local labels = default_labels(nr, o.labels, op, "labels")
  local p
  if o.pvalues ~= nil then
    local pr, pc
    p, pr, pc = core.matrix(op, "pvalues", o.pvalues)
    if pr ~= nr or pc ~= nc then argerror(op, fmt("pvalues is %dx%d but matrix is %dx%d", pr, pc, nr, nc), 2) end
  end
  local annotate = o.annotate
  if annotate == nil then annotate = nr <= 12 end
  local digits = o.digits or 2
  local function stars(pv)
    if not pv or pv ~= pv then return "" end
    if pv < 0.001 then return "***" elseif pv < 0.01 then return "**" elseif pv < 0.05 then return "*" end
    return ""
  end
  local svg = grid_chart {
    title = o.title, xlabel = o.xlabel, ylabel = o.ylabel, rows = labels, cols = labels, cell = o.cell,
    fill = function(i, j) return core.diverging((m[i][j] + 1) / 2) end,
    text = annotate and function(i, j)
      local v = m[i][j]
      if v ~= v then return { "NaN" } end
      return { fmt("%." .. digits .. "f", v) .. (p and i ~= j and stars(p[i][j]) or "") }
    end or nil,
    colorbar = { map = core.diverging, lo = -1, hi = 1, ticks = { -1, -0.5, 0, 0.5, 1 },
                 labels = { "-1", "-0.5", "0", "0.5", "1" },
                 label = "correlation" },
    note = p and "* p < 0.05,  ** p < 0.01,  *** p < 0.001" or nil,
  }
  return core.finish_ids(svg)
end

local HEAT = optset { "matrix", "rows", "cols", "vmin", "vmax", "colormap", "annotate", "digits", "cell", "colorbar_label" }

-- heatmap{matrix, rows, cols, vmin, vmax, colormap = "sequential" |
--         "diverging", annotate = (cells <= 400), digits = 2,
--         colorbar_label}: any matrix as coloured cells.
function M.heatmap(o)
  local op = "plot.heatmap"
  core.options(op, o, HEAT)
  local m, nr, nc = core.matrix(op, "matrix", o.matrix)
  local rows = default_labels(nr, o.rows, op, "rows")
  local cols = default_labels(nc, o.cols, op, "cols")
  local lo, hi = core.extent(m)
  lo, hi = o.vmin or lo or 0, o.vmax or hi or 1
  if lo == hi then lo, hi = lo - 1, hi + 1 end
  local cmap = o.colormap or "sequential"
  if cmap ~= "sequential" and cmap ~= "diverging" then
    argerror(op, "colormap must be \"sequential\" or \"diverging\"", 2)
  end
  local map = core[cmap]
  local annotate = o.annotate
  if annotate == nil then annotate = nr * nc <= 400 end
  local tv, tl = core.ticks(lo, hi, 5)
  local kv, kl = {}, {}
  for i = 1, #tv do
    if tv[i] >= lo - 1e-12 and tv[i] <= hi + 1e-12 then kv[#kv + 1], kl[#kl + 1] = tv[i], tl[i] end
  end
  local digits = o.digits or 2
  local svg = grid_chart {
    title = o.title, xlabel = o.xlabel, ylabel = o.ylabel, rows = rows, cols = cols, cell = o.cell,
    fill = function(i, j) return map((m[i][j] - lo) / (hi - lo)) end,
    text = annotate and function(i, j) return { num(m[i][j], digits + 1) } end or nil,
    colorbar = { map = map, lo = lo, hi = hi, ticks = kv, labels = kl, label = o.colorbar_label },
  }
  return core.finish_ids(svg)
end

local POLICY = optset { "choice", "actions", "states", "columns", "values", "digits", "cell" }

-- policy{choice = states x columns of chosen actions (1-based indices into
--        actions, or action names; a list is one column), actions = names,
--        states = row names, columns = column names (e.g. indicators),
--        values = states x columns numbers to print in the cells}: a
-- categorical heatmap, one palette colour per action, a legend of actions.
function M.policy(o)
  local op = "plot.policy"
  core.options(op, o, POLICY)
  local actions = core.strings(op, "actions", o.actions)
  if #actions == 0 then argerror(op, "actions must name at least one action", 2) end
  local aidx = {}
  for i, a in ipairs(actions) do aidx[a] = i end
  local ch = o.choice
  if core.is_tensor(ch) then ch = ch:totable() end
  if type(ch) ~= "table" or #ch == 0 then argerror(op, "choice must be a non-empty table (states x columns)", 2) end
  if type(ch[1]) ~= "table" then
    local c = {}
    for i = 1, #ch do c[i] = { ch[i] } end
    ch = c
  end
  local nr, nc = #ch, #ch[1]
  local grid = {}
  for i = 1, nr do
    if type(ch[i]) ~= "table" or #ch[i] ~= nc then
      argerror(op, fmt("choice[%d] must have %d entries like choice[1]", i, nc), 2)
    end
    grid[i] = {}
    for j = 1, nc do
      local a = ch[i][j]
      local k = type(a) == "string" and aidx[a] or (math.type(a) == "integer" or (type(a) == "number" and a == floor(a))) and floor(a) or nil
      if not k or not actions[k] then
        argerror(op, fmt("choice[%d][%d] = %s is not an action (1..%d or a name)", i, j, tostring(a), #actions), 2)
      end
      grid[i][j] = k
    end
  end
  local states = o.states and core.strings(op, "states", o.states) or nil
  if not states then states = {}; for i = 1, nr do states[i] = tostring(i) end end
  if #states ~= nr then argerror(op, fmt("states has %d names but choice has %d rows", #states, nr), 2) end
  local cols = o.columns and core.strings(op, "columns", o.columns) or nil
  if not cols then cols = nc == 1 and { "action" } or {}; for j = #cols + 1, nc do cols[j] = tostring(j) end end
  if #cols ~= nc then argerror(op, fmt("columns has %d names but choice has %d columns", #cols, nc), 2) end
  local vals
  if o.values ~= nil then
    local vr, vc
    vals, vr, vc = core.matrix(op, "values", o.values)
    if vr ~= nr or vc ~= nc then argerror(op, fmt("values is %dx%d but choice is %dx%d", vr, vc, nr, nc), 2) end
  end
  local cell = o.cell or math.max(22, math.min(84, floor(440 / math.max(nr, nc))))
  local fits = true
  for _, a in ipairs(actions) do
    if core.text_width(a, core.style.small_size) > cell - 6 then fits = false end
  end
  local legend = {}
  for i, a in ipairs(actions) do legend[i] = { label = a, color = core.color(i), kind = "patch" } end
  local svg = grid_chart {
    title = o.title, xlabel = o.xlabel, ylabel = o.ylabel or "state", rows = states, cols = cols, cell = cell,
    fill = function(i, j) return core.color(grid[i][j]) end,
    text = function(i, j)
      if vals then return { num(vals[i][j], o.digits or 3) } end
      if fits then return { actions[grid[i][j]] } end
      return nil
    end,
    legend = legend,
  }
  return core.finish_ids(svg)
end

-- ------------------------------------------------------------------ bars

local BAR = optset { "labels", "values", "errors", "lo", "hi", "series", "horizontal", "sort",
                     "annotate", "reference", "digits" }
local BAR_SERIES = core.set { "name", "values", "errors", "lo", "hi", "color" }

local function bar_series(op, o, k)
  local list
  if o.series ~= nil then
    if o.values ~= nil then argerror(op, "give values or series, not both", 3) end
    list = o.series
    if type(list) ~= "table" or #list == 0 then argerror(op, "series must be a non-empty list", 3) end
  else
    list = { { values = o.values, errors = o.errors, lo = o.lo, hi = o.hi } }
  end
  local out = {}
  for i, s in ipairs(list) do
    local w = o.series and fmt("series[%d]", i) or ""
    local p = w ~= "" and (w .. ".") or ""
    if type(s) ~= "table" then argerror(op, w .. " must be a table", 3) end
    for kk in pairs(s) do
      if not BAR_SERIES[kk] then argerror(op, fmt("%s: unknown field '%s'", w, tostring(kk)), 3) end
    end
    local v = core.vector(op, p .. "values", s.values, true)
    if #v ~= k then argerror(op, fmt("%svalues has %d values but labels has %d", p, #v, k), 3) end
    local lo, hi
    if s.errors ~= nil then
      local e = core.vector(op, p .. "errors", s.errors, true)
      if #e ~= k then argerror(op, fmt("%serrors has %d values but labels has %d", p, #e, k), 3) end
      lo, hi = {}, {}
      for j = 1, k do lo[j], hi[j] = v[j] - math.abs(e[j]), v[j] + math.abs(e[j]) end
    elseif s.lo ~= nil or s.hi ~= nil then
      lo = core.vector(op, p .. "lo", s.lo, true)
      hi = core.vector(op, p .. "hi", s.hi, true)
      if #lo ~= k or #hi ~= k then argerror(op, fmt("%slo and hi must have %d values", p, k), 3) end
    end
    out[i] = { name = check_string(op, p .. "name", s.name, true), values = v, lo = lo, hi = hi,
               color = s.color or core.color(i) }
  end
  return out
end

-- bar{labels, values, errors (half-widths) or lo/hi (interval ends),
--     series = {{name, values, errors | lo, hi}} (grouped bars),
--     horizontal = true, sort = false | "ascending" | "descending",
--     annotate = false, reference = x (a dashed line, e.g. a baseline),
--     title, xlabel, ylabel}: bars from zero, error bars with caps.
-- Horizontal bars run top to bottom in the order given (after sorting).
function M.bar(o)
  local op = "plot.bar"
  core.options(op, o, BAR)
  local labels = core.strings(op, "labels", o.labels)
  local k = #labels
  if k == 0 then argerror(op, "labels is empty", 2) end
  local ser = bar_series(op, o, k)
  local order = {}
  for j = 1, k do order[j] = j end
  if o.sort then
    if o.sort ~= "ascending" and o.sort ~= "descending" then
      argerror(op, "sort must be \"ascending\" or \"descending\"", 2)
    end
    local v = ser[1].values
    table.sort(order, function(a, b)
      if v[a] == v[b] then return a < b end
      if o.sort == "ascending" then return v[a] < v[b] end
      return v[a] > v[b]
    end)
  end
  local horizontal = o.horizontal ~= false
  local lists = { { 0 } }
  for _, s in ipairs(ser) do
    lists[#lists + 1] = s.values
    if s.lo then lists[#lists + 1] = s.lo; lists[#lists + 1] = s.hi end
  end
  if type(o.reference) == "number" then lists[#lists + 1] = { o.reference } end
  local vlo, vhi = core.extent(lists)
  local cats, catlabels = {}, {}
  for pos = 1, k do
    cats[pos] = pos
    catlabels[pos] = labels[order[pos]]
  end
  local ns = #ser
  local entries = {}
  if ns > 1 then
    for _, s in ipairs(ser) do
      entries[#entries + 1] = { label = s.name or "?", color = s.color, kind = "patch" }
    end
  end
  -- category position pos -> axis coordinate (horizontal: first at top)
  local function cpos(pos) return horizontal and (k + 1 - pos) or pos end
  local slot = 0.8
  local function bar_rect(pos, si)
    local c = cpos(pos)
    local w = slot / ns
    if horizontal then si = ns + 1 - si end    -- the first series on top
    local a = c - slot / 2 + (si - 1) * w
    return a, a + w
  end
  local ticks, tlabels = {}, {}
  for pos = 1, k do ticks[pos], tlabels[pos] = cpos(pos), catlabels[pos] end
  local vaxis = { lo = vlo, hi = vhi }
  local caxis = { lo = 0.5, hi = k + 0.5, fixed = true, ticks = ticks, labels = tlabels, categorical = true }
  local vlabel, clabel = o.ylabel, o.xlabel
  if horizontal then vlabel, clabel = o.xlabel, o.ylabel end
  local xl, yl = clabel, vlabel
  if horizontal then xl, yl = vlabel, clabel end
  local function to_xy(c, v)
    if horizontal then return v, c end
    return c, v
  end
  local F = core.frame {
    width = o.width, height = o.height or (horizontal and math.max(240, 60 + k * (ns > 1 and 14 * ns + 10 or 26)) or nil),
    title = o.title,
    xlabel = xl, ylabel = yl,
    x = horizontal and vaxis or caxis, y = horizontal and caxis or vaxis,
    grid = horizontal and "x" or "y",
    legend = entries, legend_pos = legend_pos(op, o.legend),
    marks = function(sx, sy)
      local m = { kind = "points", x = {}, y = {} }
      for si, s in ipairs(ser) do
        for pos = 1, k do
          local j = order[pos]
          local a, b = bar_rect(pos, si)
          -- sample the bar outline densely enough to be found by any box
          for t = 0, 8 do
            local c = a + (b - a) * t / 8
            for u = 0, 16 do
              local x, y = to_xy(c, s.values[j] * u / 16)
              m.x[#m.x + 1], m.y[#m.y + 1] = sx(x), sy(y)
            end
          end
        end
      end
      return { m }
    end,
  }
  local out, over = {}, {}
  local st = core.style
  for si, s in ipairs(ser) do
    for pos = 1, k do
      local j = order[pos]
      local a, b = bar_rect(pos, si)
      local v = s.values[j]
      local x0, y0 = to_xy(a, 0)
      local x1, y1 = to_xy(b, v)
      local px0, px1 = F.sx(x0), F.sx(x1)
      local py0, py1 = F.sy(y0), F.sy(y1)
      out[#out + 1] = el("rect", { "x", math.min(px0, px1), "y", math.min(py0, py1),
                                   "width", math.abs(px1 - px0), "height", math.abs(py1 - py0),
                                   "fill", s.color, "fill-opacity", 0.85, "class", "bar" })
      if s.lo then
        local m = (a + b) / 2
        local cap = (b - a) * 0.25
        local ex0, ey0 = to_xy(m, s.lo[j])
        local ex1, ey1 = to_xy(m, s.hi[j])
        local d
        if horizontal then
          d = fmt("M%s %sH%sM%s %sV%sM%s %sV%s", n(F.sx(ex0)), n(F.sy(ey0)), n(F.sx(ex1)),
                  n(F.sx(ex0)), n(F.sy(m - cap)), n(F.sy(m + cap)),
                  n(F.sx(ex1)), n(F.sy(m - cap)), n(F.sy(m + cap)))
        else
          d = fmt("M%s %sV%sM%s %sH%sM%s %sH%s", n(F.sx(ex0)), n(F.sy(ey0)), n(F.sy(ey1)),
                  n(F.sx(m - cap)), n(F.sy(ey0)), n(F.sx(m + cap)),
                  n(F.sx(m - cap)), n(F.sy(ey1)), n(F.sx(m + cap)))
        end
        out[#out + 1] = el("path", { "d", d, "stroke", "#333333", "stroke-width", 1.2, "fill", "none",
                                     "class", "errorbar" })
      end
      if o.annotate then
        local s_ = num(v, o.digits or 3)
        local m = (a + b) / 2
        local ex = s.hi and (v >= 0 and s.hi[j] or s.lo[j]) or v
        local tx, ty = to_xy(m, ex)
        if horizontal then
          over[#over + 1] = text(F.sx(tx) + (v >= 0 and 4 or -4), F.sy(ty) + 4, s_,
                                 { anchor = v >= 0 and "start" or "end", size = st.small_size, fill = st.muted, class = "value" })
        else
          over[#over + 1] = text(F.sx(tx), F.sy(ty) + (v >= 0 and -4 or 12), s_,
                                 { anchor = "middle", size = st.small_size, fill = st.muted, class = "value" })
        end
      end
    end
  end
  if type(o.reference) == "number" then
    local x0, y0 = to_xy(0.5, o.reference)
    local x1, y1 = to_xy(k + 0.5, o.reference)
    out[#out + 1] = el("line", { "x1", F.sx(x0), "y1", F.sy(y0), "x2", F.sx(x1), "y2", F.sy(y1),
                                 "stroke", st.ref, "stroke-width", 1.2, "stroke-dasharray", "5 4", "class", "reference" })
  end
  -- the zero line
  local zx0, zy0 = to_xy(0.5, 0)
  local zx1, zy1 = to_xy(k + 0.5, 0)
  out[#out + 1] = el("line", { "x1", F.sx(zx0), "y1", F.sy(zy0), "x2", F.sx(zx1), "y2", F.sy(zy1),
                               "stroke", st.axis, "stroke-width", 1 })
  return core.render(F, concat(out), concat(over))
end

-- ------------------------------------------------------------------ box

local BOX = optset { "groups", "violin", "mean", "ylim" }

-- Tukey's box (Tukey 1977): quartiles (numpy's linear percentiles), whiskers
-- to the furthest data within 1.5 IQR of the box, points beyond as outliers.
function M.box_stats(v)
  local s = {}
  for i = 1, #v do if v[i] == v[i] then s[#s + 1] = v[i] end end
  table.sort(s)
  local q1, med, q3 = core.quantile_sorted(s, 0.25), core.quantile_sorted(s, 0.5), core.quantile_sorted(s, 0.75)
  local iqr = q3 - q1
  local lo_f, hi_f = q1 - 1.5 * iqr, q3 + 1.5 * iqr
  local wlo, whi = q1, q3
  local out = {}
  local sum = 0
  for _, x in ipairs(s) do
    sum = sum + x
    if x >= lo_f and x < wlo then wlo = x end
    if x <= hi_f and x > whi then whi = x end
    if x < lo_f or x > hi_f then out[#out + 1] = x end
  end
  return { q1 = q1, median = med, q3 = q3, whisker_lo = wlo, whisker_hi = whi,
           outliers = out, mean = sum / #s, n = #s, min = s[1], max = s[#s], sorted = s }
end

-- Gaussian kernel density with Scott's bandwidth (Scott 1992:
-- h = sigma n^(-1/5)), at m points over [min, max].
local function kde(s, m)
  local nn = #s
  local mean = 0
  for _, x in ipairs(s) do mean = mean + x end
  mean = mean / nn
  local var = 0
  for _, x in ipairs(s) do var = var + (x - mean) ^ 2 end
  local sd = nn > 1 and math.sqrt(var / (nn - 1)) or 0
  local h = sd * nn ^ (-0.2)
  local ys, ds = {}, {}
  local lo, hi = s[1], s[nn]
  if h <= 0 or hi <= lo then return { lo }, { 1 } end
  for i = 1, m do
    local y = lo + (hi - lo) * (i - 1) / (m - 1)
    local d = 0
    for _, x in ipairs(s) do
      local z = (y - x) / h
      d = d + math.exp(-0.5 * z * z)
    end
    ys[i], ds[i] = y, d
  end
  return ys, ds
end

-- box{groups = {{name, values}}, violin = false, mean = false, ylim,
--     title, xlabel, ylabel}: one box per group (with a violin, the
-- kernel density mirrored around a thin box), outliers as open circles.
function M.box(o)
  local op = "plot.box"
  core.options(op, o, BOX)
  if type(o.groups) ~= "table" or #o.groups == 0 then argerror(op, "groups must be a non-empty list of {name, values}", 2) end
  local gs, names, all = {}, {}, {}
  for i, g in ipairs(o.groups) do
    local w = fmt("groups[%d]", i)
    if type(g) ~= "table" then argerror(op, w .. " must be a table {name, values}", 2) end
    for kk in pairs(g) do
      if kk ~= "name" and kk ~= "values" and kk ~= "color" then
        argerror(op, fmt("%s: unknown field '%s'", w, tostring(kk)), 2)
      end
    end
    local v = core.vector(op, w .. ".values", g.values)
    local st = M.box_stats(v)
    if st.n == 0 then argerror(op, w .. ".values has no numbers (all NaN or empty)", 2) end
    st.color = g.color or core.color(i)
    gs[i] = st
    names[i] = check_string(op, w .. ".name", g.name, true) or tostring(i)
    all[#all + 1] = { st.min, st.max }
  end
  local ylim = lim(op, "ylim", o.ylim)
  local ylo, yhi = core.extent(all)
  if ylim then ylo, yhi = ylim[1], ylim[2] end
  local k = #gs
  local ticks = {}
  for i = 1, k do ticks[i] = i end
  local F = core.frame {
    width = o.width or math.max(360, 140 + 90 * k), height = o.height, title = o.title,
    xlabel = o.xlabel, ylabel = o.ylabel,
    x = { lo = 0.5, hi = k + 0.5, fixed = true, ticks = ticks, labels = names, categorical = true },
    y = { lo = ylo, hi = yhi, fixed = ylim ~= nil }, grid = "y", legend_pos = "none",
  }
  local out = {}
  local st = core.style
  for i, g in ipairs(gs) do
    local c = g.color
    local bw = o.violin and 0.08 or 0.25
    if o.violin then
      local ys, ds = kde(g.sorted, 64)
      local dmax = 0
      for _, d in ipairs(ds) do if d > dmax then dmax = d end end
      local px, py = {}, {}
      for t = 1, #ys do px[#px + 1], py[#py + 1] = F.sx(i + 0.4 * ds[t] / dmax), F.sy(ys[t]) end
      for t = #ys, 1, -1 do px[#px + 1], py[#py + 1] = F.sx(i - 0.4 * ds[t] / dmax), F.sy(ys[t]) end
      out[#out + 1] = el("path", { "d", core.path_d(px, py) .. "Z", "fill", c, "fill-opacity", 0.3,
                                   "stroke", c, "stroke-width", 1.2, "class", "violin" })
    end
    local x0, x1 = F.sx(i - bw), F.sx(i + bw)
    out[#out + 1] = el("line", { "x1", F.sx(i), "y1", F.sy(g.whisker_lo), "x2", F.sx(i), "y2", F.sy(g.q1),
                                 "stroke", "#444444", "stroke-width", 1.2, "class", "whisker" })
    out[#out + 1] = el("line", { "x1", F.sx(i), "y1", F.sy(g.q3), "x2", F.sx(i), "y2", F.sy(g.whisker_hi),
                                 "stroke", "#444444", "stroke-width", 1.2, "class", "whisker" })
    if not o.violin then
      for _, wv in ipairs { g.whisker_lo, g.whisker_hi } do
        out[#out + 1] = el("line", { "x1", F.sx(i - bw / 2), "y1", F.sy(wv), "x2", F.sx(i + bw / 2), "y2", F.sy(wv),
                                     "stroke", "#444444", "stroke-width", 1.2 })
      end
    end
    out[#out + 1] = el("rect", { "x", x0, "y", F.sy(g.q3), "width", x1 - x0,
                                 "height", math.max(F.sy(g.q1) - F.sy(g.q3), 0.5),
                                 "fill", o.violin and "#444444" or c, "fill-opacity", o.violin and 1 or 0.45,
                                 "stroke", o.violin and "#444444" or c, "stroke-width", 1.5, "class", "box" })
    out[#out + 1] = el("line", { "x1", x0, "y1", F.sy(g.median), "x2", x1, "y2", F.sy(g.median),
                                 "stroke", o.violin and "#ffffff" or "#222222", "stroke-width", 2, "class", "median" })
    if o.mean then
      local mx, my = F.sx(i), F.sy(g.mean)
      out[#out + 1] = el("path", { "d", fmt("M%s %sl4 4l-4 4l-4 -4Z", n(mx), n(my - 4)),
                                   "fill", "#ffffff", "stroke", "#222222", "class", "mean" })
    end
    local pts = {}
    for _, v in ipairs(g.outliers) do
      pts[#pts + 1] = el("circle", { "cx", F.sx(i), "cy", F.sy(v), "r", 2.5, "fill", "none",
                                     "stroke", st.muted })
    end
    out[#out + 1] = el("g", { "class", "outliers" }, concat(pts))
  end
  return core.render(F, concat(out))
end

-- ------------------------------------------------------------------ pie

local PIE = core.set { "labels", "values", "title", "width", "height", "digits" }

-- pie{labels, values, title}: slices clockwise from 12 o'clock in the
-- order given, percentages on slices wide enough, a legend with counts
-- and shares.  Values must be >= 0 with a positive sum.
function M.pie(o)
  local op = "plot.pie"
  core.options(op, o, PIE)
  local labels = core.strings(op, "labels", o.labels)
  local v = core.vector(op, "values", o.values, true)
  if #v ~= #labels then argerror(op, fmt("values has %d values but labels has %d", #v, #labels), 2) end
  if #v == 0 then argerror(op, "values is empty", 2) end
  local total = 0
  for i, x in ipairs(v) do
    if x < 0 then argerror(op, fmt("values[%d] = %s is negative", i, num(x)), 2) end
    total = total + x
  end
  if total <= 0 then argerror(op, "values sum to zero", 2) end
  local st = core.style
  local entries = {}
  for i, x in ipairs(v) do
    entries[i] = { label = fmt("%s: %s (%.1f%%)", labels[i], num(x, o.digits or 4), 100 * x / total),
                   color = core.color(i), kind = "patch" }
  end
  local lw, lh = core.legend_size(entries)
  local top = 12 + (o.title and 26 or 0)
  local H = o.height or math.max(300, top + lh + 20)
  local r = (H - top - 20) / 2
  local cx, cy = 20 + r, top + 10 + r
  local W = o.width or (cx + r + 30 + lw + 10)
  local out = { core.svg_open(W, H, o.title) }
  if o.title then
    out[#out + 1] = text(10, 12 + st.title_size, o.title, { anchor = "start", size = st.title_size,
                                                           weight = "bold", class = "title" })
  end
  local a = -math.pi / 2
  local slices, labs = {}, {}
  for i, x in ipairs(v) do
    local frac = x / total
    local c = core.color(i)
    if frac >= 1 - 1e-12 then
      slices[#slices + 1] = el("circle", { "cx", cx, "cy", cy, "r", r, "fill", c, "stroke", "#ffffff",
                                           "stroke-width", 1.5, "class", "slice" })
    elseif frac > 0 then
      local b = a + 2 * math.pi * frac
      local d = fmt("M%s %sL%s %sA%s %s 0 %d 1 %s %sZ", n(cx), n(cy),
                    n(cx + r * math.cos(a)), n(cy + r * math.sin(a)), n(r), n(r),
                    frac > 0.5 and 1 or 0, n(cx + r * math.cos(b)), n(cy + r * math.sin(b)))
      slices[#slices + 1] = el("path", { "d", d, "fill", c, "stroke", "#ffffff", "stroke-width", 1.5,
                                         "class", "slice" })
    end
    if frac * 2 * math.pi > 0.32 then
      local m = a + math.pi * frac
      local rr = frac >= 1 - 1e-12 and 0 or r * 0.62
      labs[#labs + 1] = text(cx + rr * math.cos(m), cy + rr * math.sin(m) + 4, fmt("%.1f%%", 100 * frac),
                             { anchor = "middle", fill = core.text_on(c), class = "value" })
    end
    a = a + 2 * math.pi * frac
  end
  out[#out + 1] = el("g", { "class", "slices" }, concat(slices))
  out[#out + 1] = el("g", { "class", "values" }, concat(labs))
  out[#out + 1] = core.legend_svg(entries, cx + r + 30, top + 10, lw, lh, false)
  out[#out + 1] = "</svg>"
  return core.finish_ids(concat(out))
end

return M
