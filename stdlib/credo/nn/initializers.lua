-- credo.nn.init: weight initialisers, torch.nn.init's formulas and names
-- (docs/nn.md, "Initialisers").  Each fills a tensor in place and returns
-- it; each random one draws from opts.generator (default: the global
-- generator), so a seed fixes the weights.
--
--   nn.init.kaiming_uniform_(w, { a = math.sqrt(5), generator = g })
--   nn.init.xavier_normal_(w, { gain = nn.init.calculate_gain("tanh") })
--   nn.init.orthogonal_(w_hh, { generator = g })
--
-- What it is not: not a layer (layers call these from their reset), and it
-- does not promise torch's bits (a different generator); the distributions
-- and their parameters are torch's.
local credo = require "credo"

local init = {}

local function gen(opts)
  return opts and opts.generator or credo.get_generator()
end

local function check_opts(name, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(("%s: expected a table of options (got %s)"):format(name, type(opts)), 3)
  end
  for k in pairs(opts) do
    if not allowed[k] then
      error(("%s: unknown option '%s'"):format(name, tostring(k)), 3)
    end
  end
  return opts
end

local function check_tensor(name, t)
  if not credo.is_tensor(t) then
    error(("%s: expected a tensor (got %s)"):format(name, type(t)), 3)
  end
  local dt = t:dtype()
  if dt ~= "float32" and dt ~= "float64" then
    error(("%s: expected a float32 or float64 tensor (got %s)"):format(name, dt), 3)
  end
end

-- torch.nn.init.calculate_gain: the gain that keeps the variance of
-- activations stable through a nonlinearity.
--   linear, identity, sigmoid, conv*: 1;  tanh: 5/3;  relu: sqrt(2);
--   leaky_relu: sqrt(2 / (1 + slope^2)), slope = param or 0.01;  selu: 3/4.
function init.calculate_gain(nonlinearity, param)
  local nl = nonlinearity
  if nl == "linear" or nl == "identity" or nl == "sigmoid" or nl == "conv1d"
     or nl == "conv2d" or nl == "conv3d" then
    return 1.0
  elseif nl == "tanh" then
    return 5.0 / 3.0
  elseif nl == "relu" then
    return math.sqrt(2.0)
  elseif nl == "leaky_relu" then
    local slope = param == nil and 0.01 or param
    if type(slope) ~= "number" then
      error(("calculate_gain: negative slope %s is not a number"):format(tostring(slope)), 2)
    end
    return math.sqrt(2.0 / (1 + slope * slope))
  elseif nl == "selu" then
    return 0.75
  end
  error(("calculate_gain: unsupported nonlinearity '%s'"):format(tostring(nl)), 2)
end

-- fan_in, fan_out of a weight tensor (torch's _calculate_fan_in_and_fan_out):
-- (out, in, k...) -> in * prod(k), out * prod(k).
function init.fans(t)
  if t:dim() < 2 then
    error(("fans: fan in and fan out need a tensor of at least 2 dims (got shape [%s])")
      :format(table.concat(t:size(), ",")), 2)
  end
  local rf = 1
  for d = 3, t:dim() do rf = rf * t:size(d) end
  return t:size(2) * rf, t:size(1) * rf
end

-- U(a, b)
function init.uniform_(t, a, b, opts)
  check_tensor("uniform_", t)
  opts = check_opts("uniform_", opts, { generator = true })
  a, b = a or 0.0, b or 1.0
  if not (a <= b) then error(("uniform_: need a <= b (got %s, %s)"):format(a, b), 2) end
  local r = gen(opts):rand(t:size(), "float64")
  return t:copy(r:mul_(b - a):add_(a))
end

-- N(mean, std^2)
function init.normal_(t, mean, std, opts)
  check_tensor("normal_", t)
  opts = check_opts("normal_", opts, { generator = true })
  mean, std = mean or 0.0, std or 1.0
  if not (std >= 0) then error(("normal_: std must be >= 0 (got %s)"):format(std), 2) end
  local r = gen(opts):randn(t:size(), "float64")
  return t:copy(r:mul_(std):add_(mean))
end

function init.constant_(t, v)
  check_tensor("constant_", t)
  if type(v) ~= "number" then error("constant_: value must be a number", 2) end
  return t:fill_(v)
end

function init.zeros_(t) check_tensor("zeros_", t); return t:zero_() end
function init.ones_(t) check_tensor("ones_", t); return t:fill_(1) end

-- Glorot & Bengio 2010: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
function init.xavier_uniform_(t, opts)
  check_tensor("xavier_uniform_", t)
  opts = check_opts("xavier_uniform_", opts, { gain = true, generator = true })
  local fi, fo = init.fans(t)
  local a = (opts.gain or 1.0) * math.sqrt(6.0 / (fi + fo))
  return init.uniform_(t, -a, a, { generator = opts.generator })
end

-- Glorot & Bengio 2010: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).
function init.xavier_normal_(t, opts)
  check_tensor("xavier_normal_", t)
  opts = check_opts("xavier_normal_", opts, { gain = true, generator = true })
  local fi, fo = init.fans(t)
  local std = (opts.gain or 1.0) * math.sqrt(2.0 / (fi + fo))
  return init.normal_(t, 0.0, std, { generator = opts.generator })
end

local function kaiming_std(name, t, opts)
  local mode = opts.mode or "fan_in"
  if mode ~= "fan_in" and mode ~= "fan_out" then
    error(("%s: mode must be 'fan_in' or 'fan_out' (got '%s')"):format(name, tostring(mode)), 3)
  end
  local fi, fo = init.fans(t)
  local fan = mode == "fan_in" and fi or fo
  local gain = init.calculate_gain(opts.nonlinearity or "leaky_relu", opts.a or 0)
  return gain / math.sqrt(fan)
end

-- He et al. 2015: U(-b, b), b = sqrt(3) * gain / sqrt(fan); options a (the
-- leaky slope, 0), mode ("fan_in"), nonlinearity ("leaky_relu"), as torch.
function init.kaiming_uniform_(t, opts)
  check_tensor("kaiming_uniform_", t)
  opts = check_opts("kaiming_uniform_", opts,
    { a = true, mode = true, nonlinearity = true, generator = true })
  local b = math.sqrt(3.0) * kaiming_std("kaiming_uniform_", t, opts)
  return init.uniform_(t, -b, b, { generator = opts.generator })
end

-- He et al. 2015: N(0, std^2), std = gain / sqrt(fan).
function init.kaiming_normal_(t, opts)
  check_tensor("kaiming_normal_", t)
  opts = check_opts("kaiming_normal_", opts,
    { a = true, mode = true, nonlinearity = true, generator = true })
  return init.normal_(t, 0.0, kaiming_std("kaiming_normal_", t, opts),
                      { generator = opts.generator })
end

-- Saxe et al. 2014: a (semi-)orthogonal matrix times gain.  t is seen as
-- (rows, cols) = (size(1), numel / size(1)).  A standard normal matrix A
-- is drawn and its polar factor U Vt (thin SVD, credo.linalg.svd) is used:
-- rows orthonormal when rows <= cols, columns orthonormal otherwise.  For
-- a Gaussian A this is Haar-distributed, as torch's QR with the sign fix
-- (torch.nn.init.orthogonal_) is; the bits differ.
function init.orthogonal_(t, opts)
  check_tensor("orthogonal_", t)
  opts = check_opts("orthogonal_", opts, { gain = true, generator = true })
  if t:dim() < 2 then
    error(("orthogonal_: only tensors with 2 or more dimensions are supported (got shape [%s])")
      :format(table.concat(t:size(), ",")), 2)
  end
  local rows = t:size(1)
  local cols = t:numel() // rows
  if rows == 0 or cols == 0 then return t end
  local a = gen(opts):randn({ rows, cols }, "float64")
  local u, _, vt = credo.linalg.svd(a)
  local q = credo.matmul(u, vt):mul_(opts.gain or 1.0)
  return t:copy(q:reshape(t:size()))
end

return init
