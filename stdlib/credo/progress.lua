-- credo.progress: the progress display of every long loop in credo (epochs
-- and batches, boosting rounds, trees, PSO iterations, CV folds, RL steps).
--
--   local bar = credo.progress.new { total = 391, label = "epoch 3/20", unit = "batch" }
--   for i = 1, 391 do ...; bar:update(i, ("loss %.4f"):format(loss)) end
--   bar:close("loss 0.4102  val_loss 0.4300")
--
--   for i in credo.progress.range(100, { label = "boosting" }) do ... end
--
-- Three modes, picked once per bar:
--   "bar"    stdout is a terminal: one line redrawn in place (\r) at most
--            every `interval` seconds, fitted to the terminal's width:
--              epoch 3/20 [=======>        ] 120/391 45.2 batch/s ETA 0:06 loss 0.4123
--   "lines"  stdout is not a terminal (a log file, a pipe): a plain line
--            every `line_interval` seconds (none for a loop that ends
--            sooner), then the final line;
--   "silent" verbose = 0, or the host runs with --quiet
--            (package.loaded["credo.host"].quiet), or M.quiet is set
--            (a recipe's --quiet), or CREDO_QUIET=1 in the environment.
-- close() prints the final line (elapsed time and the caller's summary) in
-- "bar" and "lines" modes; verbose = 2 prints only that line (Keras's
-- verbose=2: one line per epoch).
--
-- What it is not: a logger, a timer of its own loop's work (it reads the
-- monotonic clock credo.clock only when updated), or thread-aware.
local credo = require "credo"

local M = {}

local Bar = {}
Bar.__index = Bar

-- Seconds as m:ss or h:mm:ss.
local function hms(s)
  if s ~= s or s == math.huge then return "?" end
  s = math.floor(s + 0.5)
  local h, m = s // 3600, (s % 3600) // 60
  if h > 0 then return ("%d:%02d:%02d"):format(h, m, s % 60) end
  return ("%d:%02d"):format(m, s % 60)
end
M.hms = hms

-- A duration for the final line: 0.123s, 12.3s, 2:05.
local function duration(s)
  if s < 10 then return ("%.3gs"):format(s) end
  if s < 60 then return ("%.1fs"):format(s) end
  return hms(s)
end
M.duration = duration

local function rate_str(r, unit)
  if r >= 100 then return ("%.0f %s/s"):format(r, unit) end
  if r >= 1 then return ("%.1f %s/s"):format(r, unit) end
  if r > 0 then return ("%.1f s/%s"):format(1 / r, unit) end
  return "- " .. unit .. "/s"
end

-- info: nil, a string, or a table {name = number} (sorted by name).
local function info_str(info)
  if info == nil then return "" end
  if type(info) == "string" then return info end
  local keys = {}
  for k in pairs(info) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    local v = info[k]
    parts[#parts + 1] = type(v) == "number" and ("%s %.4f"):format(k, v) or (k .. " " .. tostring(v))
  end
  return table.concat(parts, "  ")
end
M.info_str = info_str

-- Quiet when the host runs with --quiet, when a recipe was given --quiet
-- (M.quiet, which also works in the stock lua5.4, where there is no host
-- table), or when the environment says CREDO_QUIET=1.
M.quiet = false
local function host_quiet()
  if M.quiet then return true end
  local host = package.loaded["credo.host"]
  if type(host) == "table" and host.quiet == true then return true end
  local env = os.getenv("CREDO_QUIET")
  return env ~= nil and env ~= "" and env ~= "0"
end

local OPTIONS = { total = true, label = true, unit = true, verbose = true, out = true,
                  tty = true, width = true, interval = true, line_interval = true, clock = true }

-- new{ total = n (nil: unknown), label = "", unit = "it", verbose = 1,
--      out = io.stdout, tty = (auto), width = (the terminal's), interval = 0.1,
--      line_interval = 10, clock = credo.clock }
function M.new(opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error(("bad argument #1 to 'progress.new' (expected a table of options, got %s)"):format(
      type(opts)), 2)
  end
  for k in pairs(opts) do
    if not OPTIONS[k] then
      error(("bad argument #1 to 'progress.new' (unknown option '%s')"):format(tostring(k)), 2)
    end
  end
  local total = opts.total
  if total ~= nil and (type(total) ~= "number" or total < 0 or total ~= math.floor(total)) then
    error(("bad argument #1 to 'progress.new' (total must be an integer >= 0, got %s)"):format(
      tostring(total)), 2)
  end
  local verbose = opts.verbose
  if verbose == nil then verbose = 1 end
  if verbose == false then verbose = 0 elseif verbose == true then verbose = 1 end
  if verbose ~= 0 and verbose ~= 1 and verbose ~= 2 then
    error(("bad argument #1 to 'progress.new' (verbose must be 0, 1 or 2, got %s)"):format(
      tostring(verbose)), 2)
  end
  local self = setmetatable({
    total = total, label = opts.label or "", unit = opts.unit or "it",
    out = opts.out or io.stdout, clock = opts.clock or credo.clock,
    interval = opts.interval or 0.1, line_interval = opts.line_interval or 10,
    i = 0, info = nil, closed = false, drawn_width = 0,
  }, Bar)
  local tty, cols = opts.tty, opts.width
  if tty == nil or cols == nil then
    local is_tty, c = false, 0
    if self.out == io.stdout then is_tty, c = credo.core.sys.isatty(1) end
    if tty == nil then tty = is_tty end
    if cols == nil then cols = (c and c > 0) and c or 80 end
  end
  self.width = cols
  if verbose == 0 or host_quiet() then
    self.mode = "silent"
  elseif verbose == 2 then
    self.mode = "final"
  else
    self.mode = tty and "bar" or "lines"
  end
  self.t0 = self.clock()
  self.last_draw = -math.huge
  self.last_line = self.t0
  return self
end

-- The status text (without the bar): "120/391 45.2 batch/s ETA 0:06 info".
function Bar:status(now)
  local el = now - self.t0
  local parts = {}
  local rate = el > 0 and self.i / el or 0
  if self.total then
    parts[#parts + 1] = ("%d/%d"):format(self.i, self.total)
  else
    parts[#parts + 1] = tostring(self.i)
  end
  if self.i > 0 and el > 0 then parts[#parts + 1] = rate_str(rate, self.unit) end
  if self.total and self.i > 0 and self.i < self.total and rate > 0 then
    parts[#parts + 1] = "ETA " .. hms((self.total - self.i) / rate)
  end
  local inf = info_str(self.info)
  if inf ~= "" then parts[#parts + 1] = inf end
  return table.concat(parts, "  ")
end

-- One terminal line: label, a bar (when there is room and a total), status.
function Bar:render(now)
  local status = self:status(now)
  local label = self.label ~= "" and (self.label .. " ") or ""
  local room = self.width - 1 - #label - #status - 3
  local bar = ""
  if self.total and self.total > 0 and room >= 10 then
    -- the bar keeps its first width (the status text varies in length)
    local w = math.min(room, self.bar_width or 30)
    self.bar_width = w
    local filled = math.floor(w * self.i / self.total)
    if filled >= w then bar = ("="):rep(w)
    else bar = ("="):rep(filled) .. ">" .. ("."):rep(w - filled - 1) end
    bar = "[" .. bar .. "] "
  end
  local line = label .. bar .. status
  if #line > self.width - 1 then line = line:sub(1, self.width - 1) end
  return line
end

function Bar:draw(line)
  local pad = self.drawn_width > #line and (" "):rep(self.drawn_width - #line) or ""
  self.out:write("\r", line, pad)
  self.out:flush()
  self.drawn_width = #line
end

-- update(i [, info]): i items done (of total); info a string or a table of
-- numbers shown after the rate.  Draws only when due.  Returns self.
function Bar:update(i, info)
  if self.closed then return self end
  self.i = i
  if info ~= nil then self.info = info end
  local mode = self.mode
  if mode == "silent" or mode == "final" then return self end
  local now = self.clock()
  if mode == "bar" then
    if now - self.last_draw >= self.interval or (self.total and i >= self.total) then
      self.last_draw = now
      self:draw(self:render(now))
    end
  elseif now - self.last_line >= self.line_interval then
    self.last_line = now
    local label = self.label ~= "" and (self.label .. "  ") or ""
    self.out:write(label, self:status(now), "\n")
    self.out:flush()
  end
  return self
end

-- advance([k = 1] [, info]): update(i + k, info).
function Bar:advance(k, info)
  if type(k) ~= "number" then k, info = 1, k end
  return self:update(self.i + k, info)
end

-- close([summary]): the final line "label  n/total  elapsed  summary" (the
-- summary replaces the running info).  Safe to call twice.  Returns the
-- elapsed seconds.
function Bar:close(summary)
  local now = self.clock()
  local el = now - self.t0
  if self.closed then return el end
  self.closed = true
  if self.mode == "silent" then return el end
  if summary ~= nil then self.info = summary end
  local label = self.label ~= "" and (self.label .. "  ") or ""
  local count = self.total and ("%d/%d"):format(self.i, self.total) or tostring(self.i)
  local inf = info_str(self.info)
  local line = label .. count .. "  " .. duration(el) .. (inf ~= "" and ("  " .. inf) or "")
  if self.mode == "bar" then
    self:draw(line)
    self.out:write("\n")
  else
    self.out:write(line, "\n")
  end
  self.out:flush()
  return el
end

-- Print one line above the bar (or plainly): a message that must not be
-- overwritten (early stopping, lr reductions).  Silent when the bar is.
function Bar:message(text)
  if self.mode == "silent" then return self end
  if self.mode == "bar" and self.drawn_width > 0 then
    self.out:write("\r", (" "):rep(self.drawn_width), "\r")
    self.drawn_width = 0
  end
  self.out:write(text, "\n")
  self.out:flush()
  return self
end

-- for i in range(n [, opts]) do ... end: i = 1..n with a bar that advances
-- after each iteration body and closes after the last.
function M.range(n, opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.total = n
  local bar = M.new(o)
  local i = 0
  return function()
    if i > 0 then bar:update(i) end
    if i >= n then
      bar:close()
      return nil
    end
    i = i + 1
    return i, bar
  end
end

-- Whether a bar made now with these options would print anything.
function M.enabled(verbose)
  if verbose == 0 or verbose == false then return false end
  return not host_quiet()
end

return M
