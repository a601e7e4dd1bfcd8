-- tests/report/util.lua: what the report, plot and recipe specs share:
-- the host binary, running commands, temporary folders, reading files.
--
--   local U = dofile "tests/report/util.lua"
--   local dir = U.tmpdir()                 -- a fresh empty folder
--   local out, err, status = U.host({ "examples/report_demo.lua", "--quick" })
--   U.rm(dir)
--
-- The binary is $CREDO_HOST if set, else $HOST (set by tests/run) when it
-- names a file, else ./credo, as tests/spec/host_spec.lua finds it.  Specs
-- run from the repository root.  Not a library: test scaffolding only.
local U = {}

function U.exists(path)
  return path ~= nil and os.rename(path, path) ~= nil
end

local HOST = os.getenv("CREDO_HOST")
if not HOST or HOST == "" then
  HOST = os.getenv("HOST")
  if not HOST or HOST == "" or not U.exists(HOST) then HOST = "./credo" end
end
U.HOST = HOST

function U.q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

function U.slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

function U.write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- A fresh empty folder under /tmp.
function U.tmpdir()
  local name = os.tmpname()
  os.remove(name)
  local ok, err = require("credo").core.sys.mkdir(name)
  assert(ok, err)
  return name
end

function U.rm(path)
  if path and path:match("^/tmp/") then os.execute("rm -rf " .. U.q(path)) end
end

-- Names in a folder, sorted (via ls; tests only).
function U.ls(dir)
  local p = io.popen("ls -A " .. U.q(dir) .. " 2>/dev/null")
  local out = {}
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  table.sort(out)
  return out
end

-- Run a shell command; returns stdout, stderr, exit status.
function U.sh(cmd)
  local errf = os.tmpname()
  local p = io.popen(cmd .. " 2>" .. U.q(errf))
  local out = p:read("a")
  local _, _, status = p:close()
  local err = U.slurp(errf) or ""
  os.remove(errf)
  return out, err, status
end

-- Run the host with an argument list (each quoted); `prefix` is shell
-- text before the command (cd, environment).
function U.host(args, prefix)
  local words = {}
  for i, a in ipairs(args) do words[i] = U.q(a) end
  local root = os.getenv("PWD") or "."
  local host = HOST:sub(1, 1) == "/" and HOST or (root .. "/" .. HOST)
  return U.sh((prefix or "") .. U.q(host) .. " " .. table.concat(words, " ") .. " </dev/null")
end

-- The non-empty lines of a file, or nil when it cannot be read.
function U.lines(path)
  local s = U.slurp(path)
  if not s then return nil end
  local out = {}
  for l in s:gmatch("[^\n]+") do out[#out + 1] = l end
  return out
end

-- A finite number (not NaN, not +-inf).
function U.finite(v)
  return type(v) == "number" and v == v and v > -math.huge and v < math.huge
end

-- Run recipes/<name>.lua in --quick mode, quietly, on one thread, into a
-- fresh temporary folder; `extra` are more arguments (--set ...).  Returns
-- {out = the run folder, stdout, err, status, dir = the temporary folder}.
function U.run_recipe(name, extra)
  local dir = U.tmpdir()
  local out = dir .. "/run"
  local args = { "recipes/" .. name .. ".lua", "--quick", "--quiet", "--threads", "1", "--out", out }
  for _, a in ipairs(extra or {}) do args[#args + 1] = a end
  local o, e, status = U.host(args)
  return { out = out, stdout = o, err = e, status = status, dir = dir }
end

-- Width and height from a PNG's IHDR chunk (the first chunk after the
-- 8-byte signature); nil when the file is not a PNG.
function U.png_size(path)
  local s = U.slurp(path)
  if not s or s:sub(1, 8) ~= "\137PNG\r\n\26\n" or s:sub(13, 16) ~= "IHDR" then return nil end
  return string.unpack(">I4I4", s, 17)
end

return U
