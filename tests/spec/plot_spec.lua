-- plot_spec.lua: credo.plot's SVG figures: well-formed XML (checked by
-- tests/report/xml.lua), the expected elements (one <path> per curve,
-- legends with AUC / AP / Brier / area), escaping, nice ticks, the legend
-- placement, tensors and tables alike, and argument errors.
local credo = require "credo"
local plot = require "credo.plot"
local core = require "credo.plot.core"
local xml = dofile "tests/report/xml.lua"

local function wellformed(svg)
  local root, count = xml.check(svg)
  assert(root, count)
  assert.equal("svg", root)
  return count
end

-- occurrences of a Lua pattern
local function count(s, pat)
  local n = 0
  for _ in s:gmatch(pat) do n = n + 1 end
  return n
end

-- A seeded two-class problem: labels and two scores.
local function data(n, seed)
  local g = credo.Generator(seed or 1)
  local y, a, b = {}, {}, {}
  for i = 1, n do
    local c = g:uniform() < 0.35 and 1 or 0
    y[i] = c
    a[i] = 1 / (1 + math.exp(-(g:normal() + 1.5 * c - 0.7)))
    b[i] = 1 / (1 + math.exp(-(g:normal() + 0.6 * c - 0.3)))
  end
  return credo.tensor(y, "int64"), credo.tensor(a, "float64"), credo.tensor(b, "float64"), y, a, b
end

describe("xml checker", function()
  it("accepts well-formed documents and reports their elements", function()
    local root, c = xml.check('<?xml version="1.0"?>\n<svg a="1" b=\'x &amp; y\'><g><text>1 &lt; 2 &#38; &#x26;</text></g><rect/></svg>')
    assert.equal("svg", root)
    assert.same({ svg = 1, g = 1, text = 1, rect = 1 }, c)
    assert.equal("html", (xml.check("<!DOCTYPE html>\n<html><!-- c --><body></body></html>")))
  end)

  it("rejects what is not well-formed", function()
    local bad = {
      { "<svg><g></svg>", "closes <g>" },
      { "<svg>", "never closed" },
      { "<svg a=1></svg>", "not quoted" },
      { '<svg a="1" a="2"></svg>', "duplicate attribute" },
      { "<svg>a & b</svg>", "bare '&'" },
      { "<svg>&nbsp;</svg>", "unknown entity" },
      { '<svg a="<"></svg>', "'<' in attribute" },
      { "<svg/><svg/>", "second root" },
      { "text<svg/>", "outside the root" },
      { "<svg>\1</svg>", "control character" },
      { "", "no root" },
    }
    for _, case in ipairs(bad) do
      local ok, err = xml.check(case[1])
      assert.is_nil(ok, case[1])
      assert.matches(case[2], err, 1, true)
    end
  end)
end)

describe("plot.core", function()
  describe("ticks()", function()
    local function labels(lo, hi, n, int)
      local _, l = core.ticks(lo, hi, n, int)
      return table.concat(l, " ")
    end
    it("steps by 1, 2 or 5 times a power of ten and covers the range", function()
      assert.equal("0.0 0.2 0.4 0.6 0.8 1.0", labels(0, 1))
      assert.equal("0 20 40 60 80 100", labels(0, 100))
      assert.equal("-5 0 5 10 15", labels(-3.7, 12.2))
      assert.equal("0.000 0.002 0.004 0.006 0.008 0.010", labels(0.0013, 0.0098))
      assert.equal("-0.4 -0.3 -0.2 -0.1 0.0", labels(-0.37, -0.02))
      assert.equal("0.70 0.75 0.80 0.85", labels(0.7, 0.81))
      assert.equal("1000000 2000000 3000000 4000000 5000000", labels(1e6, 5e6))
    end)
    it("widens a zero-width range around its value", function()
      assert.equal("0.90 0.95 1.00 1.05 1.10", labels(1, 1))
      assert.equal("-1.0 -0.5 0.0 0.5 1.0", labels(0, 0))
    end)
    it("keeps integer steps for integer data", function()
      assert.equal("1 2", labels(1, 2, 5, true))
      assert.equal("1.0 1.2 1.4 1.6 1.8 2.0", labels(1, 2, 5))
    end)
    it("returns the widened range and exact tick values", function()
      local v, _, lo, hi = core.ticks(0.0013, 0.0098)
      assert.equal(0, lo)
      assert.equal(0.01, hi)
      assert.equal(0.006, v[4])
    end)
    it("errors on an empty or non-finite range", function()
      assert.has_error(function() core.ticks(2, 1) end, "ticks: empty range [2, 1]")
      assert.has_error(function() core.ticks(0, 0 / 0) end)
      assert.has_error(function() core.ticks(0, math.huge) end)
    end)
  end)

  describe("log_ticks()", function()
    it("marks 1, 2, 5 per decade over two decades, powers beyond", function()
      local _, l, lo, hi = core.log_ticks(1e-4, 1e-2)
      assert.equal("1e-4 2e-4 5e-4 0.001 0.002 0.005 0.01", table.concat(l, " "))
      assert.equal(1e-4, lo)
      assert.equal(1e-2, hi)
      _, l = core.log_ticks(1, 1e6)
      assert.equal("1 10 100 1000 10000 100000 1e6", table.concat(l, " "))
      _, l = core.log_ticks(1e-12, 1e3)
      assert.equal("1e-12 1e-10 1e-8 1e-6 1e-4 0.01 1 100", table.concat(l, " "))
    end)
    it("needs positive bounds", function()
      assert.has_error(function() core.log_ticks(0, 1) end)
    end)
  end)

  it("escapes the five XML characters and drops control characters", function()
    assert.equal("a &amp; &lt;b&gt; &quot;c&quot; &#39;d&#39;x", core.escape("a & <b> \"c\" 'd'\1\127x"))
    assert.equal("tab\there", core.escape("tab\there"))
  end)

  it("writes coordinates with at most two decimals and no -0", function()
    assert.equal("0", core.n(-0.001))
    assert.equal("1.5", core.n(1.5))
    assert.equal("2", core.n(2))
    assert.equal("0.33", core.n(1 / 3))
  end)

  it("estimates wider text for more and wider characters", function()
    assert.is_true(core.text_width("MMMM") > core.text_width("iiii"))
    assert.is_true(core.text_width("abcdef") > core.text_width("abc"))
    assert.near(core.text_width("0", 10), 6.4, 1e-9)
  end)

  it("finds segments crossing a box (Liang-Barsky)", function()
    assert.is_true(core.seg_hits(0, 5, 10, 5, 2, 2, 8, 8))
    assert.is_false(core.seg_hits(0, 0, 10, 0, 2, 2, 8, 8))
    assert.is_true(core.seg_hits(3, 3, 4, 4, 2, 2, 8, 8))       -- inside
    assert.is_false(core.seg_hits(0, 10, 10, 20, 2, 2, 8, 8))
  end)

  it("has eight palette colours and picks text colour by luminance", function()
    assert.equal(8, #core.palette)
    assert.equal("#ffffff", core.text_on("#08306b"))
    assert.equal("#222222", core.text_on("#f7fbff"))
  end)
end)

describe("plot.line()", function()
  local ep = { 1, 2, 3, 4, 5 }
  local function chart(extra)
    local o = { title = "Loss & accuracy <per epoch>", xlabel = "epoch", ylabel = "loss",
                series = { { name = "train", x = ep, y = { 0.9, 0.6, 0.5, 0.45, 0.43 } },
                           { name = "validation \"val\"", x = ep, y = { 0.95, 0.7, 0.62, 0.6, 0.61 }, dash = "6 4" } } }
    for k, v in pairs(extra or {}) do o[k] = v end
    return plot.line(o)
  end

  it("draws one path per series, a legend and escaped text", function()
    local svg = chart()
    local c = wellformed(svg)
    assert.equal(2, count(svg, 'class="series"'))
    assert.truthy(svg:find("Loss &amp; accuracy &lt;per epoch&gt;", 1, true))
    assert.truthy(svg:find(">validation &quot;val&quot;</text>", 1, true))
    assert.truthy(svg:find('class="legend"', 1, true))
    assert.truthy(c.circle >= 10)                          -- markers on short series
  end)

  it("labels integer x axes with integer steps", function()
    local svg = chart()
    for _, t in ipairs { "1", "2", "3", "4", "5" } do
      assert.truthy(svg:find('class="tick">' .. t .. "</text>", 1, true), t)
    end
    assert.falsy(svg:find('class="tick">1.5</text>', 1, true))
  end)

  it("gives the same SVG for tensors and tables", function()
    local y = { 0.9, 0.6, 0.5 }
    local a = plot.line { series = { { name = "a", y = y } } }
    local b = plot.line { series = { { name = "a", y = credo.tensor(y, "float64") } } }
    assert.equal(a, b)
  end)

  it("is deterministic and gives different figures different clip ids", function()
    assert.equal(chart(), chart())
    local id1 = chart():match('clipPath id="([^"]+)"')
    local id2 = chart({ title = "other" }):match('clipPath id="([^"]+)"')
    assert.truthy(id1)
    assert.are_not.equal(id1, id2)
  end)

  it("draws a band as a closed area under the line", function()
    local svg = plot.line { series = { { name = "a", y = { 1, 2, 3 }, band = { lo = { 0.5, 1.5, 2.5 }, hi = { 1.5, 2.5, 3.5 } } } } }
    wellformed(svg)
    assert.equal(1, count(svg, 'class="band"'))
    assert.truthy(svg:match('class="band"') and svg:match('d="M[^"]+Z"'))
  end)

  it("breaks a line at NaN", function()
    local svg = plot.line { series = { { y = { 1, 2, 0 / 0, 4, 5 } } }, markers = false }
    local d = svg:match('<path d="([^"]+)"[^>]*class="series"')
    assert.equal(2, count(d, "M"))
  end)

  it("places the legend outside when every corner is covered", function()
    local x, y1, y2, y3, y4 = {}, {}, {}, {}, {}
    for i = 1, 50 do
      x[i] = i
      y1[i], y2[i], y3[i], y4[i] = 0, 1, (i % 2), 0.5
    end
    local svg = plot.line { series = { { name = "bottom", x = x, y = y1 }, { name = "top", x = x, y = y2 },
                                       { name = "zigzag", x = x, y = y3 } } }
    local w = tonumber(svg:match('^<svg[^>]- width="([%d.]+)"'))
    assert.is_true(w > core.style.width)
    local free = plot.line { series = { { name = "low", y = { 0, 0.1, 0.2 } } } }
    assert.equal(core.style.width, tonumber(free:match('^<svg[^>]- width="([%d.]+)"')))
  end)

  it("draws a log x axis", function()
    local svg = plot.line { xlog = true, series = { { name = "auc", x = { 1e-4, 1e-3, 1e-2 }, y = { 0.7, 0.8, 0.75 } } } }
    wellformed(svg)
    assert.truthy(svg:find(">1e-4</text>", 1, true))
    assert.truthy(svg:find(">0.01</text>", 1, true))
  end)

  it("errors on bad input, naming it", function()
    assert.has_error(function() plot.line { serie = {} } end, "bad argument #1 to 'plot.line' (unknown option 'serie')")
    -- a NaN or huge canvas wrote "nan" into every coordinate
    assert.has_error(function() plot.line { series = { { name = "a", x = { 1, 2 }, y = { 1, 2 } } }, width = 0 / 0 } end,
      "bad argument #1 to 'plot.line' (width must be a number of pixels in [100, 10000], got " .. tostring(0 / 0) .. ")")
    assert.has_error(function() plot.pie { labels = { "a", "b" }, values = { 1, 2 }, height = 1e308 } end,
      "bad argument #1 to 'plot.pie' (height must be a number of pixels in [100, 10000], got 1e+308)")
    assert.has_error(function() plot.line { series = {} } end,
      "bad argument #1 to 'plot.line' (series must be a non-empty list of series)")
    assert.has_error(function() plot.line { series = { { x = { 1, 2 }, y = { 1, 2, 3 } } } } end,
      "bad argument #1 to 'plot.line' (series[1].x has 2 values but series[1].y has 3)")
    assert.has_error(function() plot.line { series = { { y = { 1, "a" } } } } end,
      "bad argument #1 to 'plot.line' (series[1].y[2] is a string, expected a number)")
    assert.has_error(function() plot.line { series = { { y = { 0 / 0 } } } } end,
      "bad argument #1 to 'plot.line' (no finite y values to draw)")
    assert.has_error(function() plot.line { series = { { y = { 1 } } }, ylim = { 2, 1 } } end,
      "bad argument #1 to 'plot.line' (ylim must be {lo, hi} with lo < hi)")
    assert.has_error(function() plot.line { series = { { y = credo.zeros(2, 2) } } } end,
      "bad argument #1 to 'plot.line' (series[1].y must be a 1-d tensor, got 2 dimensions)")
    assert.has_error(function() plot.line(5) end,
      "bad argument #1 to 'plot.line' (expected a table of options, got number)")
  end)
end)

describe("plot.scatter()", function()
  it("draws points without lines", function()
    local svg = plot.scatter { series = { { name = "a", x = { 1, 2, 3 }, y = { 3, 1, 2 } } } }
    local c = wellformed(svg)
    assert.equal(0, count(svg, 'class="series"'))
    assert.is_true(c.circle >= 3)
  end)
end)

describe("plot.roc()", function()
  local yt, s1, s2, y = data(300, 3)

  it("draws one curve path per model with its AUC in the legend", function()
    local svg = plot.roc { curves = { { name = "GBDT", y_true = yt, score = s1 }, { name = "LR & co", y_true = yt, score = s2 } } }
    wellformed(svg)
    assert.equal(2, count(svg, 'class="curve"'))
    local auc1 = credo.metrics.roc_auc(yt, s1)
    assert.truthy(svg:find(("GBDT (AUC = %.3f)"):format(auc1), 1, true))
    assert.truthy(svg:find("LR &amp; co (AUC = ", 1, true))
    assert.truthy(svg:find(">chance</text>", 1, true))
    assert.equal(1, count(svg, 'class="reference"'))
  end)

  it("takes fpr and tpr directly, with an interval for the AUC", function()
    local svg = plot.roc { chance = false, curves = { { name = "m", fpr = { 0, 0.2, 1 }, tpr = { 0, 0.7, 1 }, auc = 0.75,
                                                         auc_ci = { 0.7, 0.8 } } } }
    wellformed(svg)
    assert.truthy(svg:find("m (AUC = 0.750 [0.700, 0.800])", 1, true))
    assert.equal(0, count(svg, 'class="reference"'))
  end)

  it("shades a bootstrap band and puts its AUC interval in the legend", function()
    local svg = plot.roc { seed = 5, band_n = 40, curves = { { name = "a", y_true = yt, score = s1, band = true } } }
    wellformed(svg)
    assert.equal(1, count(svg, 'class="band"'))
    assert.equal(1, count(svg, 'class="curve"'))
    assert.truthy(svg:find("a %(AUC = %d%.%d%d%d %[%d%.%d%d%d, %d%.%d%d%d%]%)"))
    assert.truthy(svg:find("95% bootstrap band", 1, true))
  end)

  it("errors on mismatched fpr and tpr", function()
    assert.has_error(function() plot.roc { curves = { { fpr = { 0, 1 }, tpr = { 0, 0.5, 1 } } } } end,
      "bad argument #1 to 'plot.roc' (curves[1]: tpr has 3 values but fpr has 2)")
    assert.has_error(function() plot.roc { curves = { { name = "x", score = s1, y_true = yt, colour = "red" } } } end,
      "bad argument #1 to 'plot.roc' (curves[1]: unknown field 'colour')")
    assert.has_error(function() plot.roc { curves = { { fpr = { 0, 0 / 0 }, tpr = { 0, 1 } } } } end,
      "bad argument #1 to 'plot.roc' (curves[1].fpr[2] is NaN, expected a finite number)")
  end)

  describe("roc_band()", function()
    it("interpolates TPR on a grid, taking the top of vertical runs", function()
      assert.same({ 0.5, 0.625, 0.75, 0.875, 1 },
                   plot._tpr_at({ 0, 0, 0.5, 1 }, { 0, 0.5, 0.75, 1 }, { 0, 0.25, 0.5, 0.75, 1 }))
    end)

    it("gives lo <= hi on the grid, the same for the same seed, and holds the curve", function()
      local b1 = plot.roc_band(yt, s1, { n = 60, seed = 9, grid = 21 })
      local b2 = plot.roc_band(y, s1, { n = 60, seed = 9, grid = 21 })
      assert.same(b1, b2)
      assert.equal(21, #b1.fpr)
      assert.equal(0.5, b1.fpr[11])
      local f, t = credo.metrics.roc_curve(yt, s1)
      local full = plot._tpr_at(f:totable(), t:totable(), b1.fpr)
      local inside = 0
      for i = 1, 21 do
        assert.is_true(b1.lo[i] <= b1.hi[i])
        if full[i] >= b1.lo[i] - 1e-12 and full[i] <= b1.hi[i] + 1e-12 then inside = inside + 1 end
      end
      assert.is_true(inside >= 19)
      local auc = credo.metrics.roc_auc(yt, s1)
      assert.is_true(b1.auc_lo < auc and auc < b1.auc_hi)
      local b3 = plot.roc_band(yt, s1, { n = 60, seed = 10, grid = 21 })
      assert.are_not.same(b1.lo, b3.lo)
    end)

    it("needs both classes and checks its options", function()
      assert.has_error(function() plot.roc_band({ 1, 1 }, { 0.1, 0.2 }) end,
        "bad argument #1 to 'plot.roc_band' (y_true must hold both classes for a ROC band)")
      assert.has_error(function() plot.roc_band({ 0, 1 }, { 0.1, 0.2 }, { reps = 3 }) end,
        "bad argument #3 to 'plot.roc_band' (unknown option 'reps')")
      assert.has_error(function() plot.roc_band({ 0, 2 }, { 0.1, 0.2 }) end,
        "bad argument #1 to 'plot.roc_band' (y_true must hold 0/1 labels, found 2 at index 2)")
    end)
  end)
end)

describe("plot.pr()", function()
  local yt, s1, s2 = data(200, 4)
  it("draws step curves with AP in the legend and the chance level", function()
    local svg = plot.pr { curves = { { name = "a", y_true = yt, score = s1 }, { name = "b", y_true = yt, score = s2 } } }
    wellformed(svg)
    assert.equal(2, count(svg, 'class="curve"'))
    assert.truthy(svg:find(("a (AP = %.3f)"):format(credo.metrics.average_precision(yt, s1)), 1, true))
    local pos = credo.tensor(yt:totable(), "float64"):mean()
    assert.truthy(svg:find(("chance (%.3f)"):format(pos), 1, true))
  end)
  it("takes precision and recall directly", function()
    local svg = plot.pr { baseline = false, curves = { { name = "m", precision = { 0.5, 1, 1 }, recall = { 1, 0.5, 0 }, ap = 0.75 } } }
    wellformed(svg)
    assert.truthy(svg:find("m (AP = 0.750)", 1, true))
    assert.equal(0, count(svg, 'class="reference"'))
  end)
end)

describe("plot.calibration()", function()
  it("draws reliability curves with markers, Brier scores and the diagonal", function()
    local yt, s1 = data(300, 5)
    local svg = plot.calibration { n_bins = 5, curves = { { name = "a", y_true = yt, prob = s1 } } }
    local c = wellformed(svg)
    assert.equal(1, count(svg, 'class="curve"'))
    assert.equal(1, count(svg, 'class="reference"'))
    assert.truthy(svg:find(("a (Brier = %.3f)"):format(credo.metrics.brier_score(yt, s1)), 1, true))
    assert.truthy(svg:find("perfectly calibrated", 1, true))
    assert.is_true(c.circle >= 5)
  end)
end)

describe("plot.cost()", function()
  it("draws cost curves with their area and the trivial classifiers", function()
    local yt, s1 = data(300, 6)
    local _, _, area = credo.metrics.cost_curve(yt, s1)
    local svg = plot.cost { curves = { { name = "a", y_true = yt, score = s1 } } }
    wellformed(svg)
    assert.equal(1, count(svg, 'class="curve"'))
    assert.equal(2, count(svg, 'class="reference"'))
    assert.truthy(svg:find(("a (area = %.4f)"):format(area), 1, true))
  end)
end)

describe("plot.confusion()", function()
  it("annotates each cell with its count and row share", function()
    local svg = plot.confusion { matrix = { { 30, 10 }, { 5, 15 } }, labels = { "good", "bad <1>" } }
    wellformed(svg)
    assert.equal(4, count(svg, 'class="cell"'))
    for _, t in ipairs { ">30<", ">75.0%<", ">10<", ">25.0%<", ">5<", ">15<" } do
      assert.truthy(svg:find(t, 1, true), t)
    end
    assert.truthy(svg:find("bad &lt;1&gt;", 1, true))
    assert.truthy(svg:find("predicted label", 1, true))
  end)
  it("takes credo.metrics.confusion_matrix output", function()
    local cm = credo.metrics.confusion_matrix(credo.tensor({ 0, 1, 1, 2 }, "int64"), credo.tensor({ 0, 1, 2, 2 }, "int64"))
    local svg = plot.confusion { matrix = cm, normalize = "all" }
    wellformed(svg)
    assert.equal(9, count(svg, 'class="cell"'))
    assert.truthy(svg:find(">25.0%<", 1, true))
  end)
  it("errors on non-square or negative matrices", function()
    assert.has_error(function() plot.confusion { matrix = { { 1, 2 } } } end,
      "bad argument #1 to 'plot.confusion' (matrix must be square, got 1x2)")
    assert.has_error(function() plot.confusion { matrix = { { 1, -2 }, { 0, 1 } } } end,
      "bad argument #1 to 'plot.confusion' (matrix[1][2] is negative)")
    assert.has_error(function() plot.confusion { matrix = { { 1, 2 }, { 3 } } } end,
      "bad argument #1 to 'plot.confusion' (matrix[2] has 1 values but matrix[1] has 2)")
  end)
end)

describe("plot.correlation()", function()
  local m = { { 1, 0.3, -0.5 }, { 0.3, 1, 0.02 }, { -0.5, 0.02, 1 } }
  local p = { { 0, 0.004, 0.0001 }, { 0.004, 0, 0.6 }, { 0.0001, 0.6, 0 } }
  it("colours -1..1 and marks significance off the diagonal", function()
    local svg = plot.correlation { matrix = m, labels = { "a", "b", "c" }, pvalues = p }
    wellformed(svg)
    assert.equal(9, count(svg, 'class="cell"'))
    assert.truthy(svg:find(">0.30**<", 1, true))
    assert.truthy(svg:find(">-0.50***<", 1, true))
    assert.truthy(svg:find(">0.02<", 1, true))
    assert.truthy(svg:find(">1.00<", 1, true))
    assert.truthy(svg:find("p &lt; 0.05", 1, true))
  end)
  it("errors on values outside [-1, 1]", function()
    assert.has_error(function() plot.correlation { matrix = { { 1, 1.5 }, { 1.5, 1 } } } end,
      "bad argument #1 to 'plot.correlation' (matrix[1][2] = 1.5 is outside [-1, 1])")
  end)
end)

describe("plot.heatmap()", function()
  it("draws any matrix with a colour bar", function()
    local svg = plot.heatmap { matrix = { { 1, 2, 3 }, { 4, 5, 6 } }, rows = { "r1", "r2" }, cols = { "a", "b", "c" } }
    wellformed(svg)
    assert.equal(6, count(svg, 'class="cell"'))
    assert.has_error(function() plot.heatmap { matrix = { { 1 } }, rows = { "a", "b" } } end,
      "bad argument #1 to 'plot.heatmap' (rows has 2 names but the matrix has 1)")
  end)
end)

describe("plot.policy()", function()
  it("colours each cell by its action, one colour per action", function()
    local svg = plot.policy { actions = { "hold", "raise", "cut" }, states = { "s1", "s2" },
                              columns = { "i1", "i2" }, choice = { { 1, "cut" }, { 2, 2 } } }
    wellformed(svg)
    assert.equal(4, count(svg, 'class="cell"'))
    assert.equal(1, count(svg, 'fill="' .. core.palette[1] .. '" stroke="#ffffff"'))
    assert.equal(2, count(svg, 'fill="' .. core.palette[2] .. '" stroke="#ffffff"'))
    assert.equal(1, count(svg, 'fill="' .. core.palette[3] .. '" stroke="#ffffff"'))
    assert.truthy(svg:find(">raise</text>", 1, true))
  end)
  it("takes a list as one column and errors on unknown actions", function()
    local svg = plot.policy { actions = { "a", "b" }, choice = { 1, 2, 2 } }
    wellformed(svg)
    assert.equal(3, count(svg, 'class="cell"'))
    assert.has_error(function() plot.policy { actions = { "a" }, choice = { { 2 } } } end,
      "bad argument #1 to 'plot.policy' (choice[1][1] = 2 is not an action (1..1 or a name))")
  end)
end)

describe("plot.bar()", function()
  it("draws one bar per label and series, with error bars", function()
    local svg = plot.bar { labels = { "income", "age", "debt" }, values = { 0.3, 0.2, 0.1 },
                           errors = { 0.01, 0.02, 0.03 }, annotate = true }
    wellformed(svg)
    assert.equal(3, count(svg, 'class="bar"'))
    assert.equal(3, count(svg, 'class="errorbar"'))
    assert.truthy(svg:find(">0.3</text>", 1, true))
    local grouped = plot.bar { labels = { "A", "B" }, series = { { name = "x", values = { 1, -1 } },
                                                                 { name = "y", values = { 2, 0.5 }, lo = { 1.5, 0 }, hi = { 2.5, 1 } } } }
    wellformed(grouped)
    assert.equal(4, count(grouped, 'class="bar"'))
    assert.equal(2, count(grouped, 'class="errorbar"'))
    assert.truthy(grouped:find(">x</text>", 1, true))
  end)
  it("sorts and keeps the first series on top", function()
    local svg = plot.bar { labels = { "a", "b", "c" }, values = { 1, 3, 2 }, sort = "descending" }
    local order = {}
    for t in svg:gmatch('class="tick">([abc])</text>') do order[#order + 1] = t end
    assert.same({ "b", "c", "a" }, order)
  end)
  it("errors on mismatched lengths", function()
    assert.has_error(function() plot.bar { labels = { "a", "b" }, values = { 1 } } end,
      "bad argument #1 to 'plot.bar' (values has 1 values but labels has 2)")
    assert.has_error(function() plot.bar { labels = { "a" }, values = { 1 }, series = {} } end,
      "bad argument #1 to 'plot.bar' (give values or series, not both)")
  end)
end)

describe("plot.box()", function()
  it("computes Tukey's box with numpy's quartiles", function()
    local st = plot.box_stats { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100 }
    assert.equal(3.5, st.q1)
    assert.equal(6, st.median)
    assert.equal(8.5, st.q3)
    assert.equal(1, st.whisker_lo)
    assert.equal(10, st.whisker_hi)
    assert.same({ 100 }, st.outliers)
  end)
  it("draws boxes, outliers and violins", function()
    local g = { { name = "a", values = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100 } }, { name = "b", values = credo.tensor { 2, 3, 4 } } }
    local svg = plot.box { groups = g, mean = true }
    local c = wellformed(svg)
    assert.equal(2, count(svg, 'class="box"'))
    assert.equal(2, count(svg, 'class="median"'))
    assert.equal(1, c.circle)
    local v = plot.box { groups = g, violin = true }
    wellformed(v)
    assert.equal(2, count(v, 'class="violin"'))
  end)
  it("errors on an empty group", function()
    assert.has_error(function() plot.box { groups = { { name = "a", values = { 0 / 0 } } } } end,
      "bad argument #1 to 'plot.box' (groups[1].values has no numbers (all NaN or empty))")
  end)
end)

describe("plot.pie()", function()
  it("draws one slice per positive value with shares", function()
    local svg = plot.pie { labels = { "good", "bad", "none" }, values = { 3, 1, 0 } }
    wellformed(svg)
    assert.equal(2, count(svg, 'class="slice"'))
    assert.truthy(svg:find(">75.0%</text>", 1, true))
    assert.truthy(svg:find("none: 0 (0.0%)", 1, true))
    local one = plot.pie { labels = { "all" }, values = { 5 } }
    wellformed(one)
    assert.truthy(one:find('<circle[^>]*class="slice"'))
  end)
  it("errors on negative or all-zero values", function()
    assert.has_error(function() plot.pie { labels = { "a" }, values = { -1 } } end,
      "bad argument #1 to 'plot.pie' (values[1] = -1 is negative)")
    assert.has_error(function() plot.pie { labels = { "a" }, values = { 0 } } end,
      "bad argument #1 to 'plot.pie' (values sum to zero)")
  end)
end)

describe("credo.plot", function()
  it("is reachable as credo.plot", function()
    assert.equal(plot, credo.plot)
  end)
end)
