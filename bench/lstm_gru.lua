-- bench/lstm_gru.lua: the LSTM -> GRU cascade on seq_train (20,000
-- sequences x 16 steps x 1 feature), the same work as
-- peers/lstm_gru_torch.py: LSTM(1 -> 64) over T = 16 (whole sequence) ->
-- GRU(64 -> 32) (last hidden state) -> Linear(32, 2), softmax
-- cross-entropy; credo.optim.AdamW lr 1e-3 (weight decay 1e-2, torch's
-- default), batch 64, 3 epochs, shuffled by a seeded generator.  Reports the median seconds
-- per epoch (each epoch timed end to end: shuffle, slicing, forward,
-- backward, optimiser step) and the final-epoch mean train loss, and the
-- train AUC of the fitted model (not timed).
local credo = require "credo"
local B = require "bench.common"
local L = require "bench.nn_loop"
local nn = credo.nn

local T = 16
local X, y = L.load_seq()
X = X:reshape(-1, T, 1)

local g = credo.Generator(0)
local net = nn.Sequential(
  nn.LSTM(1, 64, { generator = g }),
  nn.GRU(64, 32, { return_sequences = false, generator = g }),
  nn.Linear(32, 2, { generator = g }))
local opt = credo.optim.AdamW(net, { lr = 1e-3 })
local secs, losses = L.run_epochs(net, nn.CrossEntropyLoss(), opt, X, y, 64, 3, 0)

local p = L.scores(net, X, function(out)
  return credo.nn.Softmax():forward(out):select(2, 2)
end)
local auc = credo.metrics.roc_auc(y, p)
print("epoch seconds:", L.list(secs, "%.3f"), "losses:", L.list(losses, "%.4f"))
B.emit("lstm_gru_seq", B.median(secs), {
  loss = losses[#losses], epoch_seconds = L.list(secs, "%.3f"),
  epoch_losses = L.list(losses, "%.4f"),
  train_auc = auc, unit = "seconds_per_epoch (median of 3)" })
