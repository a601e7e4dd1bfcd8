-- bench/csv.lua: credo.read_csv of wide.csv (1,000,000 rows: 20 numeric, 10
-- categorical string columns and the label), the same work as
-- peers/csv_pandas.py: the first read sets the peak RSS, seconds is the
-- median of 3 reads (the file is in the page cache).
local credo = require "credo"
local B = require "bench.common"

local path = B.data_dir() .. "/wide.csv"
local fh = assert(io.open(path, "rb"))          -- warm the page cache
while fh:read(1 << 24) do end
fh:close()
collectgarbage()
local rss_before = credo.core.sys.peak_rss_mb()
local times, peak_first, shape = {}, nil, nil
for i = 1, 3 do
  local t0 = B.clock()
  local df = credo.read_csv(path)
  times[i] = B.clock() - t0
  if i == 1 then
    peak_first = credo.core.sys.peak_rss_mb()
    shape = { df:nrow(), df:ncol() }
  end
  df = nil
  collectgarbage()
  collectgarbage()
end
B.emit("csv_wide_1M", B.median(times), {
  first_seconds = times[1], peak_rss_mb = peak_first, rss_before_mb = rss_before,
  peak_rss_increase_mb = peak_first - rss_before, rows = shape[1], cols = shape[2] })
