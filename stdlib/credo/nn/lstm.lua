-- credo.nn.LSTM: a stack of long short-term memory layers over batch-first
-- sequences, torch.nn.LSTM(batch_first=True)'s equations, gate layout
-- (i, f, g, o) and parameter names (weight_ih_l0 (4H, I), weight_hh_l0
-- (4H, H), bias_ih_l0, bias_hh_l0 (4H)), so weights can be copied between
-- the two.  The shared machinery (options, stacking, dropout between
-- layers, initial and final states) is recurrent.lua; the kernels are
-- natives/nn/rnn.c; docs/nn-recurrent.md is the reference.
--
--   local lstm = nn.LSTM(1, 64, { num_layers = 2, dropout = 0.2, generator = g })
--   local y = lstm:forward(x)                      -- x (N, T, 1) -> y (N, T, 64)
--   local y = lstm:forward(x, { h0 = h0, c0 = c0 }) -- h0, c0 (2, N, 64)
--   local dx, dstate = lstm:backward(x, dy)        -- dstate.h0, dstate.c0
--
-- Not here: bidirectional layers, projections (proj_size), packed
-- sequences.
local Module = require "credo.nn.module"
local Recurrent = require "credo.nn.recurrent"

local LSTM = Module.class("LSTM", Recurrent)

-- LSTM(input_size, hidden_size [, {num_layers = 1, dropout = 0,
--      return_sequences = true, bias = true, recurrent_init = "uniform",
--      generator = g | seed = n, dtype = "float32"}])
function LSTM:__init(input_size, hidden_size, opts)
  self:setup("LSTM", 4, input_size, hidden_size, opts)
end

return LSTM
