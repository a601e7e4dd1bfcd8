-- bench/cnn.lua: the NERHF 1-d CNN on seq_train (T = 16, 1 channel), the
-- same work as peers/cnn_torch.py:
--   Conv1D(1, 32, 3) + ReLU + MaxPool1D(2) -> Conv1D(32, 64, 3) + ReLU +
--   MaxPool1D(2) -> Flatten (64 * 2) -> Linear(128, 25) + ReLU ->
--   Linear(25, 1), sigmoid BCE (BCEWithLogitsLoss);
-- credo.optim.Adam lr 1e-3, batch 128, 3 epochs.  Reports the median seconds per epoch
-- (each epoch timed end to end) and the train AUC (not timed).  The input
-- is channels-first (N, 1, 16), as torch's; a Keras-style (N, 16, 1) batch
-- would be given as x:transpose(2, 3).
local credo = require "credo"
local B = require "bench.common"
local L = require "bench.nn_loop"
local nn = credo.nn

local T = 16
local X, y = L.load_seq()
X = X:reshape(-1, 1, T)
local Y = y:float():reshape(-1, 1)

local g = credo.Generator(0)
-- lengths: 16 -conv3-> 14 -pool-> 7 -conv3-> 5 -pool-> 2
local net = nn.Sequential(
  nn.Conv1D(1, 32, 3, { generator = g }), nn.ReLU(), nn.MaxPool1D(2),
  nn.Conv1D(32, 64, 3, { generator = g }), nn.ReLU(), nn.MaxPool1D(2),
  nn.Flatten(),
  nn.Linear(64 * 2, 25, { generator = g }), nn.ReLU(),
  nn.Linear(25, 1, { generator = g }))
local opt = credo.optim.Adam(net, { lr = 1e-3 })
local secs, losses = L.run_epochs(net, nn.BCEWithLogitsLoss(), opt, X, Y, 128, 3, 0)

local p = L.scores(net, X, function(out) return out:select(2, 1) end)
local auc = credo.metrics.roc_auc(y, p)
print("epoch seconds:", L.list(secs, "%.3f"), "losses:", L.list(losses, "%.4f"))
B.emit("cnn1d_seq", B.median(secs), {
  loss = losses[#losses], epoch_seconds = L.list(secs, "%.3f"),
  epoch_losses = L.list(losses, "%.4f"),
  train_auc = auc, unit = "seconds_per_epoch (median of 3)" })
