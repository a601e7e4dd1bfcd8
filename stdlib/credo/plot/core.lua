-- credo.plot.core: what every credo figure shares: the style (one palette,
-- one font, one grid), SVG text building with escaping, "nice" axis ticks,
-- scales, input checking (Lua tables or credo tensors), and the axes frame
-- with a legend placed where it covers the least data.
--
-- It is not a plotting grammar and not a renderer: charts (stdlib/credo/
-- plot.lua) compute their marks in data coordinates, ask the frame for the
-- layout, and append SVG elements as strings.  Nothing here measures real
-- glyphs: text widths are estimated from per-character DejaVu Sans advance
-- widths, which errs wide for narrower fonts (so text never overlaps).
local M = {}

local floor, ceil, abs, huge = math.floor, math.ceil, math.abs, math.huge
local fmt, concat = string.format, table.concat

-- ---------------------------------------------------------------- style

-- Okabe & Ito (2008), "Color Universal Design": eight colours told apart
-- under the common colour-vision deficiencies.  Yellow is last: it is
-- faint on white.
M.palette = { "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
              "#56B4E9", "#000000", "#F0E442" }

M.style = {
  width = 640, height = 420,
  font = "DejaVu Sans, Helvetica, Arial, sans-serif",
  font_size = 12, title_size = 14, small_size = 11,
  text = "#222222", muted = "#555555", axis = "#888888", grid = "#e8e8e8",
  ref = "#9a9a9a", background = "#ffffff",
  line_width = 2, band_opacity = 0.18,
}

function M.color(i)
  return M.palette[(i - 1) % #M.palette + 1]
end

-- ---------------------------------------------------------------- errors

-- All chart errors read `bad argument #1 to 'plot.roc' (what)`.
function M.argerror(op, what, level)
  error(fmt("bad argument #1 to '%s' (%s)", op, what), (level or 1) + 1)
end

-- opts must be a table whose keys are all in `allowed` (a set).
function M.options(op, opts, allowed)
  if type(opts) ~= "table" then
    M.argerror(op, "expected a table of options, got " .. type(opts), 3)
  end
  for k in pairs(opts) do
    if not allowed[k] then
      M.argerror(op, fmt("unknown option '%s'", tostring(k)), 3)
    end
  end
  -- the canvas size goes into every coordinate: a NaN or huge one made
  -- an SVG of "nan" attributes
  for _, k in ipairs { "width", "height" } do
    local v = opts[k]
    if v ~= nil and (type(v) ~= "number" or not (v >= 100 and v <= 10000)) then
      M.argerror(op, fmt("%s must be a number of pixels in [100, 10000], got %s", k, tostring(v)), 3)
    end
  end
  return opts
end

function M.set(list)
  local s = {}
  for _, k in ipairs(list) do s[k] = true end
  return s
end

-- ---------------------------------------------------------------- inputs

local function is_tensor(v)
  if type(v) ~= "userdata" then return false end
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__name == "credo.Tensor"
end
M.is_tensor = is_tensor

-- A list of numbers from a Lua sequence or a 1-d tensor.  NaN passes
-- (line charts break there); `finite = true` refuses NaN and infinities.
function M.vector(op, what, v, finite)
  if is_tensor(v) then
    if v:dim() ~= 1 then
      M.argerror(op, fmt("%s must be a 1-d tensor, got %d dimensions", what, v:dim()), 2)
    end
    v = v:totable()
  elseif type(v) ~= "table" then
    M.argerror(op, fmt("%s must be a list of numbers or a 1-d tensor, got %s", what, type(v)), 2)
  end
  local out = {}
  for i = 1, #v do
    local x = v[i]
    if type(x) ~= "number" then
      M.argerror(op, fmt("%s[%d] is a %s, expected a number", what, i, type(x)), 2)
    end
    if finite and (x ~= x or x == huge or x == -huge) then
      M.argerror(op, fmt("%s[%d] is %s, expected a finite number", what, i, M.num(x)), 2)
    end
    out[i] = x + 0.0
  end
  return out
end

-- A rectangular table of numbers (rows) from nested sequences or a 2-d
-- tensor; returns rows, nrow, ncol.
function M.matrix(op, what, v, finite)
  if is_tensor(v) then
    if v:dim() ~= 2 then
      M.argerror(op, fmt("%s must be a 2-d tensor, got %d dimensions", what, v:dim()), 2)
    end
    v = v:totable()
  elseif type(v) ~= "table" then
    M.argerror(op, fmt("%s must be a table of rows or a 2-d tensor, got %s", what, type(v)), 2)
  end
  local rows, ncol = {}, nil
  if #v == 0 then M.argerror(op, what .. " is empty", 2) end
  for i = 1, #v do
    local r = v[i]
    if type(r) ~= "table" then
      M.argerror(op, fmt("%s[%d] is a %s, expected a row (a table)", what, i, type(r)), 2)
    end
    ncol = ncol or #r
    if #r ~= ncol or ncol == 0 then
      M.argerror(op, fmt("%s[%d] has %d values but %s[1] has %d", what, i, #r, what, ncol), 2)
    end
    local row = {}
    for j = 1, ncol do
      local x = r[j]
      if type(x) ~= "number" then
        M.argerror(op, fmt("%s[%d][%d] is a %s, expected a number", what, i, j, type(x)), 2)
      end
      if finite and (x ~= x or x == huge or x == -huge) then
        M.argerror(op, fmt("%s[%d][%d] is %s, expected a finite number", what, i, j, M.num(x)), 2)
      end
      row[j] = x + 0.0
    end
    rows[i] = row
  end
  return rows, #rows, ncol
end

-- A list of strings (labels); numbers are turned into text.
function M.strings(op, what, v)
  if is_tensor(v) then v = v:totable() end
  if type(v) ~= "table" then
    M.argerror(op, fmt("%s must be a list of strings, got %s", what, type(v)), 2)
  end
  local out = {}
  for i = 1, #v do
    local s = v[i]
    if type(s) == "number" then s = M.num(s)
    elseif type(s) ~= "string" then
      M.argerror(op, fmt("%s[%d] is a %s, expected a string", what, i, type(s)), 2)
    end
    out[i] = s
  end
  return out
end

-- ---------------------------------------------------------------- text

-- XML text and attribute values: the five special characters escaped, and
-- the control characters XML 1.0 forbids dropped (tab, LF and CR stay).
local ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }
function M.escape(s)
  s = tostring(s)
  s = s:gsub("[%z\1-\8\11\12\14-\31\127]", "")
  return (s:gsub("[&<>\"']", ESC))
end

-- A coordinate: two decimals at most, no trailing zeros, never "-0".
function M.n(x)
  local s = fmt("%.2f", x)
  if s:find("%.") then s = s:gsub("0+$", ""):gsub("%.$", "") end
  if s == "-0" then s = "0" end
  return s
end

-- A number for labels: integers plainly, others with up to `digits`
-- significant digits (default 4), NaN and infinities by name.
function M.num(x, digits)
  if x ~= x then return "NaN" end
  if x == huge then return "inf" end
  if x == -huge then return "-inf" end
  if math.type(x) == "integer" or (x == floor(x) and abs(x) < 1e15) then
    return fmt("%d", floor(x))
  end
  local s = fmt("%." .. (digits or 4) .. "g", x)
  return s
end

-- Estimated advance widths, in em, of DejaVu Sans (the widest of the
-- fonts in the style's list).
local WIDTH = {}
for c in ("il.,:;'|!`"):gmatch(".") do WIDTH[c] = 0.28 end
for c in ("ftjrI()[]{}/\\- "):gmatch(".") do WIDTH[c] = 0.38 end
for c in ("0123456789$#?_"):gmatch(".") do WIDTH[c] = 0.64 end
for c in ("mwMW%@"):gmatch(".") do WIDTH[c] = 0.95 end
for c in ("+=<>~^*\""):gmatch(".") do WIDTH[c] = 0.84 end

function M.text_width(s, size)
  s = tostring(s)
  local w = 0
  for i = 1, #s do
    local c = s:sub(i, i)
    local b = c:byte()
    if b >= 0x80 and b < 0xC0 then          -- UTF-8 continuation byte
      w = w + 0
    elseif WIDTH[c] then
      w = w + WIDTH[c]
    elseif b >= 0xC0 then
      w = w + 0.7
    elseif c:match("%u") then
      w = w + 0.72
    else
      w = w + 0.61
    end
  end
  return w * (size or M.style.font_size)
end

-- ---------------------------------------------------------------- SVG

-- attrs is an ordered list {name1, value1, name2, value2, ...}: the output
-- is deterministic.  Numbers go through M.n, strings are escaped, nil and
-- false values drop the attribute.
local function attrs_str(a)
  if not a then return "" end
  local parts = {}
  for i = 1, #a, 2 do
    local k, v = a[i], a[i + 1]
    if v ~= nil and v ~= false then
      if type(v) == "number" then v = M.n(v) else v = M.escape(v) end
      parts[#parts + 1] = " " .. k .. '="' .. v .. '"'
    end
  end
  return concat(parts)
end

-- An element: el("line", {"x1", 0, ...}) is self-closed; with `inner`
-- (already SVG) it wraps it.
function M.el(name, a, inner)
  if inner == nil then return "<" .. name .. attrs_str(a) .. "/>" end
  return "<" .. name .. attrs_str(a) .. ">" .. inner .. "</" .. name .. ">"
end

-- A text element; `s` is escaped here.  anchor: start|middle|end;
-- y is the baseline.
function M.text(x, y, s, opt)
  opt = opt or {}
  local a = { "x", x, "y", y, "text-anchor", opt.anchor ~= "start" and opt.anchor or nil,
              "font-size", opt.size, "font-weight", opt.weight, "fill", opt.fill,
              "transform", opt.rotate and fmt("rotate(%s %s %s)", M.n(opt.rotate), M.n(x), M.n(y)),
              "class", opt.class }
  return M.el("text", a, M.escape(s))
end

-- SVG path data for a polyline (nil/NaN points break it into pieces).
function M.path_d(px, py)
  local parts, pen = {}, false
  local lx, ly
  for i = 1, #px do
    local x, y = px[i], py[i]
    if x ~= x or y ~= y then
      pen = false
    else
      local sx, sy = M.n(x), M.n(y)
      if not pen then
        parts[#parts + 1] = "M" .. sx .. " " .. sy
        pen = true
      elseif sx ~= lx or sy ~= ly then       -- drop repeats at this resolution
        parts[#parts + 1] = "L" .. sx .. " " .. sy
      end
      lx, ly = sx, sy
    end
  end
  return concat(parts)
end

-- Open an <svg> document of w x h pixels with a white background and the
-- style's font; `title` becomes the accessible <title>.
function M.svg_open(w, h, title)
  local st = M.style
  return fmt('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" ' ..
             'font-family="%s" font-size="%d" fill="%s" role="img">',
             M.n(w), M.n(h), M.n(w), M.n(h), M.escape(st.font), st.font_size, st.text)
    .. M.el("title", nil, M.escape(title or "figure"))
    .. M.el("rect", { "width", "100%", "height", "100%", "fill", st.background })
end

-- Unique clip-path ids for a document built from many figures: the id is
-- a hash of the figure's own text, so the same figure always gets the same
-- id and different figures in one report.html do not collide.
local function fnv1a(s)
  local h = 2166136261
  for i = 1, #s do
    h = ((h ~ s:byte(i)) * 16777619) & 0xffffffff
  end
  return fmt("%08x", h)
end

function M.finish_ids(svg)
  local id = "credo-" .. fnv1a(svg)
  return (svg:gsub("@ID@", id))
end

-- ---------------------------------------------------------------- ticks

-- Heckbert, "Nice numbers for graph labels", Graphics Gems (1990): a
-- number of the form {1, 2, 5} x 10^k near x, rounded (or its ceiling).
function M.nicenum(x, round)
  local e = floor(math.log(x, 10) + 1e-12)
  local f = x / 10 ^ e
  local nf
  -- a relative slack of 1e-9, so 1.1 - 0.9 = 0.20000000000000007 counts as 2
  if round then
    nf = f < 1.5 and 1 or f < 3 and 2 or f < 7 and 5 or 10
  else
    local g = f * (1 - 1e-9)
    nf = g <= 1 and 1 or g <= 2 and 2 or g <= 5 and 5 or 10
  end
  return nf * 10 ^ e
end

-- Digits after the decimal point for labels of spacing `step`.
local function step_decimals(step)
  local d = -floor(math.log(step, 10) + 1e-9)
  return d > 0 and d or 0
end

local function tick_label(v, decimals)
  if abs(v) >= 1e12 and decimals == 0 then
    local s = fmt("%.6g", v)
    return s
  end
  local s = fmt("%." .. decimals .. "f", v)
  if s:match("^%-0%.?0*$") then s = s:sub(2) end
  return s
end

-- ticks(lo, hi [, n = 5 [, integer]]) -> values, labels, lo', hi':
-- Heckbert's loose labelling: about n ticks of spacing 1, 2 or 5 x 10^k,
-- and the range widened to the outer ticks.  `integer` keeps the spacing
-- at least 1 (epochs, counts).  A zero-width range is widened around its
-- value; lo > hi and non-finite bounds are errors.
function M.ticks(lo, hi, n, integer)
  n = n or 5
  if lo ~= lo or hi ~= hi or lo == huge or lo == -huge or hi == huge or hi == -huge then
    error(fmt("ticks: range [%s, %s] is not finite", tostring(lo), tostring(hi)), 2)
  end
  if lo > hi then error(fmt("ticks: empty range [%s, %s]", M.num(lo), M.num(hi)), 2) end
  if lo == hi then
    if lo == 0 then lo, hi = -1, 1
    else
      local d = abs(lo) * 0.1
      lo, hi = lo - d, hi + d
    end
  end
  local range = M.nicenum(hi - lo, false)
  local step = M.nicenum(range / (n - 1), true)
  if integer and step < 1 then step = 1 end
  local i0, i1 = floor(lo / step + 1e-9), ceil(hi / step - 1e-9)
  local dec = step_decimals(step)
  local values, labels = {}, {}
  for i = i0, i1 do
    local v = i * step
    if dec <= 15 then v = tonumber(fmt("%." .. dec .. "f", v)) end
    values[#values + 1] = v
    labels[#labels + 1] = tick_label(v, dec)
  end
  return values, labels, values[1], values[#values]
end

-- Ticks for a log10 axis over [lo, hi] (both > 0): powers of ten, plus 2
-- and 5 multiples over two decades or less; every k-th power over more
-- than eight.  The range widens to the outer powers of ten.
function M.log_ticks(lo, hi)
  if not (lo > 0 and hi > 0) or lo ~= lo or hi ~= hi or hi == huge then
    error(fmt("log_ticks: range [%s, %s] must be positive and finite", tostring(lo), tostring(hi)), 2)
  end
  local e0 = floor(math.log(lo, 10) + 1e-9)
  local e1 = ceil(math.log(hi, 10) - 1e-9)
  if e1 == e0 then e1 = e0 + 1 end
  local every = 1
  while (e1 - e0) / every > 8 do every = every + 1 end
  local values, labels = {}, {}
  local mults = (e1 - e0 <= 2) and { 1, 2, 5 } or { 1 }
  local function label(v)
    if v >= 1e-3 and v < 1e6 then
      local s = fmt("%.6g", v)
      return s
    end
    local e = floor(math.log(v, 10) + 1e-9)
    local mant = v / 10 ^ e
    if abs(mant - 1) < 1e-9 then return "1e" .. e end
    return fmt("%ge%d", tonumber(fmt("%.3g", mant)), e)
  end
  for e = e0, e1 do
    if (e - e0) % every == 0 then
      for _, m in ipairs(mults) do
        local v = tonumber(fmt("%.12g", m * 10 ^ e))
        if v <= 10 ^ e1 * (1 + 1e-12) then
          values[#values + 1] = v
          labels[#labels + 1] = label(v)
        end
      end
    end
  end
  return values, labels, 10 ^ e0, 10 ^ e1
end

-- ---------------------------------------------------------------- scales

-- A scale maps data to pixels: linear, or log10.
function M.scale(d0, d1, r0, r1, log)
  if log then
    local l0, l1 = math.log(d0, 10), math.log(d1, 10)
    return function(v)
      if v <= 0 then return 0 / 0 end
      return r0 + (math.log(v, 10) - l0) * (r1 - r0) / (l1 - l0)
    end
  end
  if d1 == d0 then return function() return (r0 + r1) / 2 end end
  return function(v) return r0 + (v - d0) * (r1 - r0) / (d1 - d0) end
end

-- Finite min and max over several lists (NaN skipped); nil when empty.
function M.extent(lists, positive)
  local lo, hi = huge, -huge
  for _, l in ipairs(lists) do
    for i = 1, #l do
      local v = l[i]
      if v == v and v ~= huge and v ~= -huge and (not positive or v > 0) then
        if v < lo then lo = v end
        if v > hi then hi = v end
      end
    end
  end
  if lo > hi then return nil end
  return lo, hi
end

-- ---------------------------------------------------------------- collisions

-- Whether segment (x1,y1)-(x2,y2) meets the rectangle [l,r]x[t,b]
-- (Liang & Barsky, "A new concept and method for line clipping", 1984).
local function seg_hits(x1, y1, x2, y2, l, t, r, b)
  if x1 ~= x1 or y1 ~= y1 or x2 ~= x2 or y2 ~= y2 then return false end
  local dx, dy = x2 - x1, y2 - y1
  local u0, u1 = 0, 1
  local p = { -dx, dx, -dy, dy }
  local q = { x1 - l, r - x1, y1 - t, b - y1 }
  for k = 1, 4 do
    if p[k] == 0 then
      if q[k] < 0 then return false end
    else
      local u = q[k] / p[k]
      if p[k] < 0 then
        if u > u1 then return false end
        if u > u0 then u0 = u end
      else
        if u < u0 then return false end
        if u < u1 then u1 = u end
      end
    end
  end
  return true
end
M.seg_hits = seg_hits

-- Even-odd point-in-polygon test.
local function inside(px, py, x, y)
  local c, n = false, #px
  local j = n
  for i = 1, n do
    local yi, yj = py[i], py[j]
    if (yi > y) ~= (yj > y) and x < (px[j] - px[i]) * (y - yi) / (yj - yi) + px[i] then
      c = not c
    end
    j = i
  end
  return c
end

-- How much of the marks (pixel coordinates) a rectangle covers: segments
-- crossing it, points in it, and areas containing its centre (counted
-- heavily).  marks: {kind = "line"|"points"|"area", x = {...}, y = {...}}.
function M.covered(marks, l, t, r, b)
  local n = 0
  for _, m in ipairs(marks) do
    local x, y = m.x, m.y
    local np = #x
    local stride = np > 4000 and ceil(np / 4000) or 1
    if m.kind == "points" then
      for i = 1, np, stride do
        if x[i] >= l and x[i] <= r and y[i] >= t and y[i] <= b then n = n + 1 end
      end
    else
      local i = 1
      while i < np do
        local j = math.min(i + stride, np)
        if seg_hits(x[i], y[i], x[j], y[j], l, t, r, b) then n = n + 1 end
        i = j
      end
      if np == 1 and x[1] >= l and x[1] <= r and y[1] >= t and y[1] <= b then n = n + 1 end
      if m.kind == "area" and np >= 3 then
        if inside(x, y, (l + r) / 2, (t + b) / 2) then n = n + 50 end
      end
    end
  end
  return n
end

-- ---------------------------------------------------------------- legend

-- entries: {label = text, color, dash, kind = "line"|"patch"|"marker"}
local LEG = { pad = 8, row = 18, swatch = 22, gap = 6 }

function M.legend_size(entries)
  local w = 0
  for _, e in ipairs(entries) do
    local tw = M.text_width(e.label)
    if tw > w then w = tw end
  end
  return LEG.pad * 2 + LEG.swatch + LEG.gap + w, LEG.pad * 2 + LEG.row * #entries - 4
end

function M.legend_svg(entries, x, y, w, h, framed)
  local st = M.style
  local out = {}
  if framed then
    out[#out + 1] = M.el("rect", { "x", x, "y", y, "width", w, "height", h, "rx", 3,
                                   "fill", "#ffffff", "fill-opacity", 0.88,
                                   "stroke", "#d0d0d0", "stroke-width", 1 })
  end
  for i, e in ipairs(entries) do
    local cy = y + LEG.pad + (i - 1) * LEG.row + 7
    local sx = x + LEG.pad
    if e.kind == "patch" then
      out[#out + 1] = M.el("rect", { "x", sx + 4, "y", cy - 6, "width", 14, "height", 12,
                                     "fill", e.color, "fill-opacity", e.opacity,
                                     "stroke", e.stroke })
    elseif e.kind == "marker" then
      out[#out + 1] = M.el("circle", { "cx", sx + LEG.swatch / 2, "cy", cy, "r", 3.5, "fill", e.color })
    else
      out[#out + 1] = M.el("line", { "x1", sx, "y1", cy, "x2", sx + LEG.swatch, "y2", cy,
                                     "stroke", e.color, "stroke-width", e.width or st.line_width,
                                     "stroke-dasharray", e.dash })
      if e.marker then
        out[#out + 1] = M.el("circle", { "cx", sx + LEG.swatch / 2, "cy", cy, "r", 3, "fill", e.color })
      end
    end
    out[#out + 1] = M.text(sx + LEG.swatch + LEG.gap, cy + 4, e.label, { class = "legend" })
  end
  return M.el("g", { "class", "legend" }, concat(out))
end

-- ---------------------------------------------------------------- axes frame

-- frame(o) lays out a chart with x and y axes and returns an object with
-- scales sx, sy, the plot area (x0, y0, x1, y1), and open()/close() giving
-- the SVG before and after the marks.
--   o.width, o.height, o.title, o.xlabel, o.ylabel
--   o.x = {lo, hi, log = bool, integer = bool, ticks = {values}, labels = {texts},
--          fixed = bool (do not widen to the ticks)}; same for o.y
--   o.legend = entries or nil; o.legend_pos = "auto" (default) | "right" | "none"
--     | one of "upper right", "upper left", "lower right", "lower left"
--   o.prefer = order of corners tried by "auto"
--   o.marks(sx, sy) -> marks in pixels, for legend placement
--   o.grid = "both" | "y" | "x" | "none"
function M.frame(o)
  local st = M.style
  local W, H = o.width or st.width, o.height or st.height
  local F = { title = o.title }

  local function axis_ticks(a)
    if a.ticks then
      local labels = a.labels or {}
      if not a.labels then for i, v in ipairs(a.ticks) do labels[i] = M.num(v) end end
      return a.ticks, labels, a.lo, a.hi
    end
    if a.log then
      local v, l, lo, hi = M.log_ticks(a.lo, a.hi)
      if a.fixed then
        local kv, kl = {}, {}
        for i = 1, #v do
          if v[i] >= a.lo * (1 - 1e-9) and v[i] <= a.hi * (1 + 1e-9) then
            kv[#kv + 1], kl[#kl + 1] = v[i], l[i]
          end
        end
        return kv, kl, a.lo, a.hi
      end
      return v, l, lo, hi
    end
    local v, l, lo, hi = M.ticks(a.lo, a.hi, a.n or 6, a.integer)
    if a.fixed then
      local kv, kl = {}, {}
      for i = 1, #v do
        if v[i] >= a.lo - 1e-12 and v[i] <= a.hi + 1e-12 then
          kv[#kv + 1], kl[#kl + 1] = v[i], l[i]
        end
      end
      return kv, kl, a.lo, a.hi
    end
    return v, l, lo, hi
  end

  local xt, xl, xlo, xhi = axis_ticks(o.x)
  local yt, yl, ylo, yhi = axis_ticks(o.y)
  F.xticks, F.xlabels, F.yticks, F.ylabels = xt, xl, yt, yl
  F.xlo, F.xhi, F.ylo, F.yhi = xlo, xhi, ylo, yhi

  local ylw = 0
  for _, s in ipairs(yl) do ylw = math.max(ylw, M.text_width(s)) end
  local top = 12 + (o.title and 26 or 0)
  local left = 10 + (o.ylabel and 22 or 0) + ylw + 8
  local right = 16
  if #xl > 0 then right = math.max(right, M.text_width(xl[#xl]) / 2 + 6) end
  -- category labels that would run into each other are turned by 35 degrees
  local xlw = 0
  for _, s in ipairs(xl) do xlw = math.max(xlw, M.text_width(s)) end
  local spacing = (W - left - right) / math.max(#xl, 1)
  F.xrot = o.x.rotate or (o.x.categorical and xlw > spacing * 0.9) or false
  local xdrop = 16
  if F.xrot then
    xdrop = 10 + xlw * math.sin(math.rad(35)) + 6
    left = math.max(left, xlw * math.cos(math.rad(35)) - spacing / 2 + 8)
  end
  local bottom = 10 + xdrop + (o.xlabel and 22 or 0)
  F.xdrop = xdrop

  local entries = o.legend
  local pos = o.legend_pos or "auto"
  if not entries or #entries == 0 then pos = "none" end
  local lw, lh = 0, 0
  if pos ~= "none" then lw, lh = M.legend_size(entries) end

  local function layout(outside)
    F.width = W + (outside and (lw + 16) or 0)
    F.height = H
    F.x0, F.x1 = left, W - right
    F.y0, F.y1 = top, H - bottom
    F.sx = M.scale(xlo, xhi, F.x0, F.x1, o.x.log)
    F.sy = M.scale(ylo, yhi, F.y1, F.y0, o.y.log)
  end

  local corners = {
    ["upper right"] = function() return F.x1 - 8 - lw, F.y0 + 8 end,
    ["upper left"] = function() return F.x0 + 8, F.y0 + 8 end,
    ["lower right"] = function() return F.x1 - 8 - lw, F.y1 - 8 - lh end,
    ["lower left"] = function() return F.x0 + 8, F.y1 - 8 - lh end,
    ["center right"] = function() return F.x1 - 8 - lw, (F.y0 + F.y1 - lh) / 2 end,
  }

  layout(false)
  if pos == "auto" then
    local best, bestn
    local fits = lw < (F.x1 - F.x0) * 0.7 and lh < (F.y1 - F.y0) * 0.7
    if fits then
      local marks = o.marks and o.marks(F.sx, F.sy) or {}
      for _, c in ipairs(o.prefer or { "upper right", "upper left", "lower right", "lower left" }) do
        local lx, ly = corners[c]()
        local n = M.covered(marks, lx - 4, ly - 4, lx + lw + 4, ly + lh + 4)
        if not bestn or n < bestn then best, bestn = c, n end
        if n == 0 then break end
      end
    end
    if best and bestn == 0 then pos = best else pos = "right" end
  end
  if pos == "right" then
    layout(true)
    F.legend_x, F.legend_y = W - right + 16, F.y0
    F.legend_framed = false
  elseif pos ~= "none" then
    if not corners[pos] then error(fmt("frame: unknown legend position '%s'", pos), 2) end
    F.legend_x, F.legend_y = corners[pos]()
    F.legend_framed = true
  end
  F.legend_pos = pos

  function F.open()
    local out = { M.svg_open(F.width, F.height, o.title) }
    out[#out + 1] = M.el("defs", nil, M.el("clipPath", { "id", "@ID@" },
      M.el("rect", { "x", F.x0 - 4, "y", F.y0 - 4, "width", F.x1 - F.x0 + 8, "height", F.y1 - F.y0 + 8 })))
    if o.title then
      out[#out + 1] = M.text(F.x0, 12 + st.title_size, o.title,
                             { anchor = "start", size = st.title_size, weight = "bold", class = "title" })
    end
    -- grid and tick labels
    local g = {}
    local grid = o.grid or "both"
    for i, v in ipairs(F.xticks) do
      local x = F.sx(v)
      if grid == "both" or grid == "x" then
        g[#g + 1] = M.el("line", { "x1", x, "y1", F.y0, "x2", x, "y2", F.y1,
                                   "stroke", st.grid, "stroke-width", 1 })
      end
      if F.xrot then
        g[#g + 1] = M.text(x + 4, F.y1 + 14, F.xlabels[i], { anchor = "end", rotate = -35,
                                                              fill = st.muted, class = "tick" })
      else
        g[#g + 1] = M.text(x, F.y1 + 16, F.xlabels[i], { anchor = "middle", fill = st.muted, class = "tick" })
      end
    end
    for i, v in ipairs(F.yticks) do
      local y = F.sy(v)
      if grid == "both" or grid == "y" then
        g[#g + 1] = M.el("line", { "x1", F.x0, "y1", y, "x2", F.x1, "y2", y,
                                   "stroke", st.grid, "stroke-width", 1 })
      end
      g[#g + 1] = M.text(F.x0 - 6, y + 4, F.ylabels[i], { anchor = "end", fill = st.muted, class = "tick" })
    end
    out[#out + 1] = M.el("g", { "class", "axes" }, concat(g))
    -- axis lines (left and bottom)
    out[#out + 1] = M.el("path", { "d", fmt("M%s %sV%sH%s", M.n(F.x0), M.n(F.y0), M.n(F.y1), M.n(F.x1)),
                                   "fill", "none", "stroke", st.axis, "stroke-width", 1, "class", "axis" })
    if o.xlabel then
      out[#out + 1] = M.text((F.x0 + F.x1) / 2, F.y1 + F.xdrop + 22, o.xlabel, { anchor = "middle", class = "xlabel" })
    end
    if o.ylabel then
      local x, y = 16, (F.y0 + F.y1) / 2
      out[#out + 1] = M.text(x, y, o.ylabel, { anchor = "middle", rotate = -90, class = "ylabel" })
    end
    out[#out + 1] = '<g clip-path="url(#@ID@)" class="marks">'
    return concat(out)
  end

  function F.close()
    local out = {}
    if F.legend_pos ~= "none" then
      out[#out + 1] = M.legend_svg(entries, F.legend_x, F.legend_y, lw, lh, F.legend_framed)
    end
    out[#out + 1] = "</svg>"
    return concat(out)
  end

  return F
end

-- Assemble a framed chart: open, the marks (clipped to the plot area), an
-- overlay (not clipped: value labels), the legend, ids.
function M.render(F, marks_svg, overlay)
  return M.finish_ids(F.open() .. marks_svg .. "</g>" .. (overlay or "") .. F.close())
end

-- ---------------------------------------------------------------- colours

local function hex(c)
  return tonumber(c:sub(2, 3), 16), tonumber(c:sub(4, 5), 16), tonumber(c:sub(6, 7), 16)
end

-- Piecewise-linear colour map over stops (hex colours) for t in [0, 1].
function M.colormap(stops)
  local rgb = {}
  for i, c in ipairs(stops) do rgb[i] = { hex(c) } end
  return function(t)
    if t ~= t then return "#cccccc" end
    if t < 0 then t = 0 elseif t > 1 then t = 1 end
    local x = t * (#rgb - 1)
    local i = math.min(floor(x), #rgb - 2)
    local f = x - i
    local a, b = rgb[i + 1], rgb[i + 2]
    return fmt("#%02x%02x%02x", floor(a[1] + (b[1] - a[1]) * f + 0.5),
               floor(a[2] + (b[2] - a[2]) * f + 0.5), floor(a[3] + (b[3] - a[3]) * f + 0.5))
  end
end

-- Relative luminance (WCAG 2.0) of a hex colour: text on it is white
-- below 0.4, dark above.
function M.luminance(c)
  local r, g, b = hex(c)
  local function lin(v)
    v = v / 255
    return v <= 0.03928 and v / 12.92 or ((v + 0.055) / 1.055) ^ 2.4
  end
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
end

function M.text_on(c)
  return M.luminance(c) < 0.4 and "#ffffff" or "#222222"
end

-- ColorBrewer (Brewer 2003) Blues and RdBu, colour-blind safe.
M.sequential = M.colormap { "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6",
                            "#4292c6", "#2171b5", "#08519c", "#08306b" }
M.diverging = M.colormap { "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
                           "#fddbc7", "#f4a582", "#d6604d", "#b2182b" }

-- Quantile with linear interpolation of a sorted list (numpy's default).
function M.quantile_sorted(x, q)
  local n = #x
  if n == 0 then return 0 / 0 end
  local h = (n - 1) * q
  local i = floor(h)
  if i >= n - 1 then return x[n] end
  return x[i + 1] + (h - i) * (x[i + 2] - x[i + 1])
end

return M
