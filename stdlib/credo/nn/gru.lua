-- credo.nn.GRU: a stack of gated recurrent unit layers over batch-first
-- sequences, torch.nn.GRU(batch_first=True)'s equations (the reset gate
-- applied to W_hn h + b_hn), gate layout (r, z, n) and parameter names
-- (weight_ih_l0 (3H, I), weight_hh_l0 (3H, H), bias_ih_l0, bias_hh_l0
-- (3H)).  The shared machinery is recurrent.lua; the kernels are
-- natives/nn/rnn.c; docs/nn-recurrent.md is the reference.
--
--   local gru = nn.GRU(64, 32, { return_sequences = false })
--   local h = gru:forward(y)          -- y (N, T, 64) -> h (N, 32), the last state
--   local h = gru:forward(y, { h0 = h0 })
--
-- Not here: bidirectional layers, packed sequences, Keras' reset_after=False
-- variant (the reset gate before the hidden product).
local Module = require "credo.nn.module"
local Recurrent = require "credo.nn.recurrent"

local GRU = Module.class("GRU", Recurrent)

-- GRU(input_size, hidden_size [, {num_layers = 1, dropout = 0,
--     return_sequences = true, bias = true, recurrent_init = "uniform",
--     generator = g | seed = n, dtype = "float32"}])
function GRU:__init(input_size, hidden_size, opts)
  self:setup("GRU", 3, input_size, hidden_size, opts)
end

return GRU
