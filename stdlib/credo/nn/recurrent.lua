-- credo.nn.Recurrent: what LSTM (lstm.lua) and GRU (gru.lua) share: the
-- constructor options, parameters in torch's names and layouts, stacking
-- with dropout between layers, initial and final states, and the loop over
-- layers in forward and backward.  The kernels (one layer, one direction,
-- the whole sequence in one call) are natives/nn/rnn.c through
-- credo.core.nn_rnn; docs/nn-recurrent.md is the reference.
--
-- What it is not: a layer by itself (LSTM and GRU fill in the gate count,
-- the cell state and the kernel calls), bidirectional, or packed
-- (variable-length) sequences.
local credo = require "credo"
local Module = require "credo.nn.module"
local init = require "credo.nn.initializers"
local C = require("credo.core").nn_rnn

local Recurrent = Module.class("Recurrent")

local shape_str = Module.shape_str

local allowed = {
  num_layers = true, dropout = true, return_sequences = true, bias = true,
  recurrent_init = true, generator = true, seed = true, dtype = true,
}

-- Shared constructor: cls_name "LSTM" or "GRU", gates 4 or 3.
function Recurrent:setup(cls_name, gates, input_size, hidden_size, opts)
  self.input_size = Module.check_count(cls_name, 1, "input_size", input_size)
  self.hidden_size = Module.check_count(cls_name, 2, "hidden_size", hidden_size)
  opts = Module.check_opts(cls_name, 3, opts, allowed)
  local function bad(fmt, ...)
    error(("%s: bad argument #3 (" .. fmt .. ")"):format(cls_name, ...), 0)
  end
  local nl = opts.num_layers
  if nl == nil then nl = 1 end
  if type(nl) ~= "number" or nl ~= math.floor(nl) or nl < 1 or nl >= 2 ^ 31 then
    bad("option 'num_layers' must be a positive integer, got %s", tostring(nl))
  end
  self.num_layers = math.tointeger(nl)
  local p = opts.dropout
  if p == nil then p = 0 end
  if type(p) ~= "number" or not (p >= 0 and p < 1) then
    bad("option 'dropout' must be a number in [0, 1), got %s", tostring(p))
  end
  self.dropout = p
  for _, k in ipairs { "return_sequences", "bias" } do
    if opts[k] ~= nil and type(opts[k]) ~= "boolean" then
      bad("option '%s' must be a boolean, got %s", k, tostring(opts[k]))
    end
  end
  self.return_sequences = opts.return_sequences ~= false
  self.bias = opts.bias ~= false
  local ri = opts.recurrent_init or "uniform"
  if ri ~= "uniform" and ri ~= "orthogonal" then
    bad("option 'recurrent_init' must be 'uniform' or 'orthogonal', got %s", tostring(ri))
  end
  self.recurrent_init = ri
  if opts.seed ~= nil then
    if math.type(opts.seed) ~= "integer" then
      bad("option 'seed' must be an integer, got %s", tostring(opts.seed))
    end
    if opts.generator then bad("give a generator or a seed, not both") end
  end
  local g = opts.generator or (opts.seed and credo.Generator(opts.seed))
  self.gates = gates
  -- torch's names and layouts, per layer: weight_ih_l{k} (G*H, I_k),
  -- weight_hh_l{k} (G*H, H), bias_ih_l{k}, bias_hh_l{k} (G*H)
  local dt = opts.dtype or "float32"
  local H, G = self.hidden_size, gates * self.hidden_size
  self.layer_names_ = {}
  for k = 0, self.num_layers - 1 do
    local I = k == 0 and self.input_size or H
    local names = { w_ih = "weight_ih_l" .. k, w_hh = "weight_hh_l" .. k,
                    b_ih = "bias_ih_l" .. k, b_hh = "bias_hh_l" .. k }
    self:register_parameter(names.w_ih, credo.zeros({ G, I }, dt))
    self:register_parameter(names.w_hh, credo.zeros({ G, H }, dt))
    if self.bias then
      self:register_parameter(names.b_ih, credo.zeros({ G }, dt))
      self:register_parameter(names.b_hh, credo.zeros({ G }, dt))
    end
    self.layer_names_[k + 1] = names
  end
  -- dropout on the output of every layer but the last (training mode only)
  self.dropouts_ = {}
  if self.dropout > 0 then
    local Dropout = require("credo.nn").Dropout
    for k = 1, self.num_layers - 1 do
      self.dropouts_[k] = Dropout(self.dropout, { generator = g })
    end
  end
  self.init_generator_ = g
end

-- torch's default: every weight and bias U(-1/sqrt(H), 1/sqrt(H)), drawn in
-- parameter order.  recurrent_init = "orthogonal" then replaces each gate
-- block of weight_hh (H x H) by an orthogonal matrix (Saxe et al. 2014).
function Recurrent:reset(g)
  local b = 1 / math.sqrt(self.hidden_size)
  for _, n in ipairs(self.param_names_) do
    init.uniform_(self[n], -b, b, { generator = g })
  end
  if self.recurrent_init == "orthogonal" then
    local H = self.hidden_size
    for _, names in ipairs(self.layer_names_) do
      local w = self[names.w_hh]
      for j = 0, self.gates - 1 do
        init.orthogonal_(w:narrow(1, j * H + 1, H), { generator = g })
      end
    end
  end
  return self
end

function Recurrent:describe()
  local s = ("%s(%d -> %d"):format(getmetatable(self).__name, self.input_size,
    self.hidden_size)
  if self.num_layers > 1 then s = s .. ", num_layers=" .. self.num_layers end
  if self.dropout > 0 then s = s .. ", dropout=" .. self.dropout end
  if not self.return_sequences then s = s .. ", return_sequences=false" end
  if not self.bias then s = s .. ", bias=false" end
  return s .. ")"
end

-- A state tensor given in forward: (num_layers, N, H), or (N, H) for one
-- layer.  Returns it as a contiguous (num_layers, N, H) tensor.
function Recurrent:check_state(key, t, N)
  local L, H = self.num_layers, self.hidden_size
  if not credo.is_tensor(t) then
    self:error("initial state '%s' must be a tensor (got %s)", key, type(t))
  end
  self:check_tensor(t, "initial state '" .. key .. "'")
  local ok = (t:dim() == 3 and t:size(1) == L and t:size(2) == N and t:size(3) == H)
    or (L == 1 and t:dim() == 2 and t:size(1) == N and t:size(2) == H)
  if not ok then
    self:error("bad initial state '%s' shape %s (expected [%d,%d,%d]%s)", key,
      shape_str(t), L, N, H, L == 1 and (" or [%d,%d]"):format(N, H) or "")
  end
  local c = self:contiguous("state_" .. key, t)
  return c:dim() == 3 and c or c:view(1, N, H)
end

-- Layer k's (N, H) slice of a (L, N, H) tensor t, as a view that is kept
-- while t is the same tensor (so steady-state batches make no new views).
function Recurrent:slice(key, t, k)
  local vs = self.views_
  if not vs then vs = {}; self.views_ = vs end
  local name = key .. k
  local v = vs[name]
  if v and v.base == t then return v.view end
  v = { base = t, view = t:select(1, k) }
  vs[name] = v
  return v.view
end

-- forward(x [, {h0 = , c0 = }]): x (N, T, input_size).  Returns the output
-- sequence of the last layer (N, T, H), or its last hidden state (N, H)
-- when return_sequences = false.  Afterwards self.h_n (and self.c_n for an
-- LSTM) hold the final states, (num_layers, N, H).  Initial states are
-- (num_layers, N, H) (or (N, H) for one layer); absent ones are zero.
function Recurrent:forward(x, state)
  self:check_tensor(x)
  local I = self.input_size
  if x:dim() ~= 3 or x:size(3) ~= I or x:size(2) < 1 then
    self:error("bad input shape %s (expected [N,T,%d])", shape_str(x), I)
  end
  local cell = self.gates == 4
  local N, T = x:size(1), x:size(2)
  local L, H, dt = self.num_layers, self.hidden_size, x:dtype()
  local h0, c0
  if state ~= nil then
    if type(state) ~= "table" or Module.is_module(state) then
      self:error("initial states must be a table {h0 = ...%s} (got %s)",
        cell and ", c0 = ..." or "", type(state))
    end
    for k in pairs(state) do
      if k ~= "h0" and not (cell and k == "c0") then
        self:error("unknown initial state '%s' (expected h0%s)", tostring(k),
          cell and " and c0" or "")
      end
    end
    if state.h0 ~= nil then h0 = self:check_state("h0", state.h0, N) end
    if cell and state.c0 ~= nil then c0 = self:check_state("c0", state.c0, N) end
  end
  self.with_h0_, self.with_c0_ = h0 ~= nil, c0 ~= nil
  local ncache = C.rnn_numel(cell and "lstm" or "gru", N, T, I, H)
  local hn = self:workspace("hn", dt, L, N, H)
  local cn = cell and self:workspace("cn", dt, L, N, H) or nil
  local inputs, outs = self.inputs_ or {}, self.outs_ or {}
  self.inputs_, self.outs_ = inputs, outs
  local xl = self:contiguous("x", x)
  local out
  for k = 1, L do
    local names = self.layer_names_[k]
    local d = self.dropouts_[k - 1]
    if d then
      d.training = self.training
      xl = d:forward(xl)
    end
    inputs[k] = xl
    out = self:workspace("out" .. k, dt, N, T, H)
    outs[k] = out
    local cache = self:workspace("cache" .. k, dt, ncache)
    local h0k = h0 and self:slice("h0", h0, k) or nil
    if cell then
      local c0k = c0 and self:slice("c0", c0, k) or nil
      C.lstm_forward(out, self:slice("hn", hn, k), self:slice("cn", cn, k), cache,
        xl, h0k, c0k, self[names.w_ih], self[names.w_hh], self[names.b_ih],
        self[names.b_hh])
    else
      C.gru_forward(out, self:slice("hn", hn, k), cache, xl, h0k,
        self[names.w_ih], self[names.w_hh], self[names.b_ih], self[names.b_hh])
    end
    xl = out
  end
  self.h_n, self.c_n = hn, cn
  if self.return_sequences then return out end
  return self:slice("hn", hn, L)
end

-- backward(x, grad_output [, {h_n = , c_n = }]): returns grad_input
-- (N, T, input_size), and, when forward was given initial states, a second
-- value {h0 = , c0 = } with their gradients (also at self.grad_h0,
-- self.grad_c0; (num_layers, N, H)).  The optional third argument holds
-- gradients on the final states self.h_n / self.c_n, (num_layers, N, H).
function Recurrent:backward(x, grad_output, grad_state)
  local inputs = self.inputs_
  if not inputs or not inputs[1] then
    self:error("backward called before forward")
  end
  self:check_tensor(grad_output, "grad_output")
  local cell = self.gates == 4
  local N, T = inputs[1]:size(1), inputs[1]:size(2)
  local L, H, dt = self.num_layers, self.hidden_size, inputs[1]:dtype()
  local go = grad_output
  local fits
  if self.return_sequences then
    fits = go:dim() == 3 and go:size(1) == N and go:size(2) == T and go:size(3) == H
  else
    fits = go:dim() == 2 and go:size(1) == N and go:size(2) == H
  end
  if not fits then
    self:error("bad grad_output shape %s (expected %s)", shape_str(go),
      self.return_sequences and ("[%d,%d,%d]"):format(N, T, H) or ("[%d,%d]"):format(N, H))
  end
  local g = self:contiguous("dout", grad_output)
  local ghn, gcn
  if grad_state ~= nil then
    if type(grad_state) ~= "table" or Module.is_module(grad_state) then
      self:error("final-state gradients must be a table {h_n = ...%s} (got %s)",
        cell and ", c_n = ..." or "", type(grad_state))
    end
    local full = ("[%d,%d,%d]"):format(L, N, H)
    for k, t in pairs(grad_state) do
      if k ~= "h_n" and not (cell and k == "c_n") then
        self:error("unknown final-state gradient '%s' (expected h_n%s)", tostring(k),
          cell and " and c_n" or "")
      end
      self:check_tensor(t, "final-state gradient '" .. k .. "'")
      if shape_str(t) ~= full then
        self:error("bad final-state gradient '%s' shape %s (expected %s)", k,
          shape_str(t), full)
      end
    end
    ghn = grad_state.h_n and self:contiguous("ghn", grad_state.h_n) or nil
    gcn = cell and grad_state.c_n and self:contiguous("gcn", grad_state.c_n) or nil
  end
  local dh0 = self.with_h0_ and self:workspace("dh0", dt, L, N, H):zero_() or nil
  local dc0 = self.with_c0_ and self:workspace("dc0", dt, L, N, H):zero_() or nil
  local dout = self.return_sequences and g or nil
  local dx
  for k = L, 1, -1 do
    local names = self.layer_names_[k]
    local xk = inputs[k]
    local dhn = ghn and self:slice("ghn", ghn, k) or nil
    local dcn = gcn and self:slice("gcn", gcn, k) or nil
    if k == L and not self.return_sequences then
      if dhn then
        dhn = self:workspace("dhn_sum", dt, N, H):copy(g):add_(dhn)
      else
        dhn = g
      end
    end
    local I = xk:size(3)
    dx = self:workspace("dx" .. k, dt, N, T, I):zero_()
    local ncache, nscratch = C.rnn_numel(cell and "lstm" or "gru", N, T, I, H)
    local cache = self:workspace("cache" .. k, dt, ncache)
    local scratch = self:workspace("scratch" .. k, dt, nscratch)
    local dh0k = dh0 and self:slice("dh0", dh0, k) or nil
    local gb_ih = self.bias and self["grad_" .. names.b_ih] or nil
    local gb_hh = self.bias and self["grad_" .. names.b_hh] or nil
    if cell then
      local dc0k = dc0 and self:slice("dc0", dc0, k) or nil
      C.lstm_backward(dx, dh0k, dc0k, self["grad_" .. names.w_ih],
        self["grad_" .. names.w_hh], gb_ih, gb_hh, scratch, dout, dhn, dcn, xk,
        cache, self[names.w_ih], self[names.w_hh])
    else
      C.gru_backward(dx, dh0k, self["grad_" .. names.w_ih],
        self["grad_" .. names.w_hh], gb_ih, gb_hh, scratch, dout, dhn, xk, cache,
        self[names.w_ih], self[names.w_hh])
    end
    -- the gradient of layer k's input is layer k-1's output gradient,
    -- through the dropout between them
    local d = self.dropouts_[k - 1]
    dout = d and d:backward(self.outs_[k - 1], dx) or dx
  end
  self.grad_h0, self.grad_c0 = dh0, dc0
  if dh0 or dc0 then return dx, { h0 = dh0, c0 = dc0 } end
  return dx
end

return Recurrent
