-- credo.progress: the progress display, driven by a fake clock and a fake
-- output so the modes, the rate-limiting and the text can be checked.
local credo = require "credo"
local progress = credo.progress

-- an output collecting what is written, and a clock we move by hand
local function sink()
  local s = { parts = {} }
  function s:write(...)
    for i = 1, select("#", ...) do self.parts[#self.parts + 1] = tostring((select(i, ...))) end
  end
  function s:flush() end
  function s:text() return table.concat(self.parts) end
  return s
end

local function clock()
  local c = { t = 100 }
  return c, function() return c.t end
end

describe("progress", function()
  describe("new()", function()
    it("draws a bar in place on a terminal, at most every interval", function()
      local out = sink()
      local clk, f = clock()
      local bar = progress.new { total = 10, label = "epoch 1/3", unit = "batch", out = out,
                                 tty = true, width = 100, clock = f }
      assert.are.equal("bar", bar.mode)
      clk.t = 101
      bar:update(1, "loss 0.5000")
      local first = out:text()
      assert.matches("^\repoch 1/3 %[", first)
      assert.matches("1/10", first, 1, true)
      assert.matches("1.0 batch/s", first, 1, true)
      assert.matches("ETA 0:09", first, 1, true)
      assert.matches("loss 0.5000", first, 1, true)
      clk.t = 101.05                      -- before the interval: no redraw
      bar:update(2)
      assert.are.equal(first, out:text())
      clk.t = 102
      bar:update(5)
      assert.matches("%[=+>%.+%]", out:text())
      clk.t = 110
      bar:update(10)
      assert.matches("%[=+%] 10/10", out:text())
      local el = bar:close("loss 0.1000")
      assert.are.equal(10, el)
      local text = out:text()
      assert.matches("\repoch 1/3  10/10  10%.0s  loss 0%.1000 *\n$", text)
    end)

    it("prints plain lines every line_interval seconds when not a terminal", function()
      local out = sink()
      local clk, f = clock()
      local bar = progress.new { total = 100, label = "trees", out = out, tty = false, clock = f,
                                 line_interval = 10 }
      assert.are.equal("lines", bar.mode)
      for i = 1, 50 do clk.t = 100 + i * 0.1; bar:update(i) end
      assert.are.equal("", out:text())             -- 5 s: nothing yet
      clk.t = 111
      bar:update(60, { auc = 0.75 })
      assert.are.equal("trees  60/100  5.5 it/s  ETA 0:07  auc 0.7500\n", out:text())
      clk.t = 115
      bar:update(100)
      bar:close()
      assert.are.equal("trees  60/100  5.5 it/s  ETA 0:07  auc 0.7500\n"
        .. "trees  100/100  15.0s  auc 0.7500\n", out:text())
    end)

    it("is silent with verbose = 0 and under the host's --quiet", function()
      local out = sink()
      local bar = progress.new { total = 3, out = out, tty = true, verbose = 0 }
      bar:update(1); bar:update(3); bar:message("hello"); bar:close("done")
      assert.are.equal("", out:text())
      assert.is_false(progress.enabled(0))
      local saved = package.loaded["credo.host"]
      package.loaded["credo.host"] = { quiet = true }
      local ok, err = pcall(function()
        local b2 = progress.new { total = 3, out = out, tty = true }
        assert.are.equal("silent", b2.mode)
        b2:update(2); b2:close()
        assert.is_false(progress.enabled(1))
      end)
      package.loaded["credo.host"] = saved
      assert(ok, err)
      assert.are.equal("", out:text())
      assert.is_true(progress.enabled(1))
    end)

    it("is silent when a recipe's --quiet set progress.quiet (also without a host)", function()
      local out = sink()
      local saved = package.loaded["credo.host"]
      package.loaded["credo.host"] = nil                -- as under the stock lua5.4
      progress.quiet = true
      local ok, err = pcall(function()
        local b = progress.new { total = 3, out = out, tty = true }
        assert.are.equal("silent", b.mode)
        b:update(3); b:close("done")
        assert.is_false(progress.enabled(1))
      end)
      progress.quiet = false
      package.loaded["credo.host"] = saved
      assert(ok, err)
      assert.are.equal("", out:text())
      assert.is_true(progress.enabled(1))
    end)

    it("is silent with CREDO_QUIET=1 in the environment", function()
      local host = os.getenv("CREDO_HOST")              -- the host tests/run names
      if not host or host == "" then host = os.getenv("HOST") or "./credo" end
      local cmd = "CREDO_QUIET=1 '" .. host .. "' -e 'local p = require \"credo.progress\"; " ..
                  "io.write(tostring(p.enabled(1)))'"
      local h = io.popen(cmd)
      local got = h:read("a")
      h:close()
      assert.are.equal("false", got)
    end)

    it("prints only the final line with verbose = 2", function()
      local out = sink()
      local clk, f = clock()
      local bar = progress.new { total = 4, label = "fold 2/5", out = out, tty = true,
                                 verbose = 2, clock = f }
      for i = 1, 4 do clk.t = 100 + i; bar:update(i) end
      assert.are.equal("", out:text())
      bar:close("auc 0.8000")
      assert.are.equal("fold 2/5  4/4  4s  auc 0.8000\n", out:text())
      bar:close("again")                   -- a second close prints nothing
      assert.are.equal("fold 2/5  4/4  4s  auc 0.8000\n", out:text())
    end)

    it("counts without a total and fits a narrow terminal", function()
      local out = sink()
      local clk, f = clock()
      local bar = progress.new { label = "steps", out = out, tty = true, width = 30, clock = f }
      clk.t = 102
      bar:advance(3, "reward 12.5")
      local line = out:text():gsub("^\r", "")
      assert.is_true(#line <= 29)
      assert.matches("^steps 3", line)
      assert.is_nil(line:find("%["))          -- no room for a bar
    end)

    it("message() clears the bar line first", function()
      local out = sink()
      local clk, f = clock()
      local bar = progress.new { total = 2, out = out, tty = true, width = 80, clock = f }
      clk.t = 101
      bar:update(1)
      bar:message("lr reduced")
      assert.matches("\r +\rlr reduced\n$", out:text())
    end)

    it("errors on bad options", function()
      assert.has_error(function() progress.new { totl = 3 } end,
        "bad argument #1 to 'progress.new' (unknown option 'totl')")
      assert.has_error(function() progress.new { total = -1 } end,
        "bad argument #1 to 'progress.new' (total must be an integer >= 0, got -1)")
      assert.has_error(function() progress.new { verbose = 3 } end,
        "bad argument #1 to 'progress.new' (verbose must be 0, 1 or 2, got 3)")
      assert.has_error(function() progress.new(5) end,
        "bad argument #1 to 'progress.new' (expected a table of options, got number)")
    end)
  end)

  describe("range()", function()
    it("iterates 1..n and closes after the last", function()
      local out = sink()
      local clk, f = clock()
      local seen = {}
      for i, bar in progress.range(3, { label = "pso", out = out, tty = false, clock = f }) do
        seen[#seen + 1] = i
        assert.are.equal(i - 1, bar.i)
        clk.t = clk.t + 1
      end
      assert.are.same({ 1, 2, 3 }, seen)
      assert.are.equal("pso  3/3  3s\n", out:text())
    end)
  end)

  describe("formatting", function()
    it("formats durations and ETAs", function()
      assert.are.equal("0:05", progress.hms(5))
      assert.are.equal("2:05", progress.hms(125))
      assert.are.equal("1:00:01", progress.hms(3601))
      assert.are.equal("?", progress.hms(math.huge))
      assert.are.equal("0.123s", progress.duration(0.1234))
      assert.are.equal("12.3s", progress.duration(12.34))
      assert.are.equal("2:05", progress.duration(125))
      assert.are.equal("a 1.0000  b x", progress.info_str({ b = "x", a = 1 }))
    end)
  end)

  it("knows whether stdout is a terminal", function()
    local tty, cols = credo.core.sys.isatty(1)
    assert.is_boolean(tty)
    assert.are.equal("number", math.type(cols) and "number")
    local t2 = credo.core.sys.isatty(12345)      -- not an open descriptor
    assert.is_false(t2)
  end)
end)
