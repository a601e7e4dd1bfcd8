-- bench/mlp.lua: the credo side of peers/mlp_torch.py: an MLP
-- 30 -> 256 -> 128 -> 64 -> 1 (ReLU), BCEWithLogitsLoss, Adam lr 1e-4,
-- batch 256, 3 epochs over mlp_train (100,000 x 30), shuffled each epoch;
-- reports the median seconds per epoch.  Trained with credo.nn.fit with
-- metrics = {} and no validation, so an epoch does what the peer's loop
-- does (shuffle, gather the batch, forward, loss, backward, zero_grad,
-- step) and nothing else.  Not timed: CSV load, the final train AUC (eval
-- mode, full data), as in the peer.
local credo = require "credo"
local B = require "bench.common"
local nn = credo.nn

local df = credo.read_csv(B.data_dir() .. "/mlp_train.csv")
local names = {}
for _, n in ipairs(df:names()) do
  if n ~= "label" then names[#names + 1] = n end
end
local X = df:to_tensor(names, "float32")
local y = df:col("label"):long()
df = nil
collectgarbage()

local g = credo.Generator(0)
local net = nn.Sequential(
  nn.Linear(30, 256, { generator = g }), nn.ReLU(),
  nn.Linear(256, 128, { generator = g }), nn.ReLU(),
  nn.Linear(128, 64, { generator = g }), nn.ReLU(),
  nn.Linear(64, 1, { generator = g }))
local opt = credo.optim.Adam(net, { lr = 1e-4 })
local h = nn.fit(net, nn.BCEWithLogitsLoss(), opt, X, y, {
  epochs = 3, batch_size = 256, seed = 0, metrics = {}, verbose = 0 })

local p = nn.predict_proba(net, X):select(2, 2):contiguous():double()
local auc = credo.metrics.roc_auc(y, p)
local secs, losses = {}, {}
for e = 1, h.epochs do
  secs[e] = ("%.3f"):format(h.time[e])
  losses[e] = ("%.4f"):format(h.loss[e])
end
secs, losses = table.concat(secs, " "), table.concat(losses, " ")
print("epoch seconds: " .. secs .. "  losses: " .. losses)
-- lists as strings: bench/common.lua's encoder writes only maps
B.emit("mlp_100k", B.median(h.time), {
  loss = h.loss[h.epochs], epoch_seconds = secs, epoch_losses = losses, train_auc = auc,
  unit = "seconds_per_epoch (median of 3)" })
