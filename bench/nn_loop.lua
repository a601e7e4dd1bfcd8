-- bench/nn_loop.lua: what bench/lstm_gru.lua and bench/cnn.lua share: the
-- seq_train data as tensors and the timed minibatch loop of the peers'
-- torch_common.run_epochs (shuffle with a seeded generator, slice,
-- zero_grad, forward, loss, backward, optimiser step; each epoch timed end
-- to end).  Not credo.nn.fit: the peers time a plain loop, so does this.
local credo = require "credo"
local B = require "bench.common"

local M = {}

-- seq_train.csv as X (n, 16) float32 and y (n) int64 0/1.
function M.load_seq()
  local df = credo.read_csv(B.data_dir() .. "/seq_train.csv")
  local names = {}
  for _, n in ipairs(df:names()) do
    if n ~= "label" then names[#names + 1] = n end
  end
  return df:to_tensor(names, "float32"), df:col("label"):long()
end

-- run_epochs(net, loss, opt, X, Y, batch, epochs, seed) -> epoch seconds,
-- epoch mean losses.  X and Y are indexed along dim 1; opt is a
-- credo.optim optimiser over net's parameters.
function M.run_epochs(net, loss, opt, X, Y, batch, epochs, seed)
  local g = credo.Generator(seed or 0)
  local n = X:size(1)
  local secs, losses = {}, {}
  net:train()
  for e = 1, epochs do
    local t0 = B.clock()
    local perm = g:permutation(n)
    local tot, nb = 0, 0
    for s = 1, n, batch do
      local idx = perm:narrow(1, s, math.min(batch, n - s + 1))
      local xb, yb = X:index_select(1, idx), Y:index_select(1, idx)
      net:zero_grad()
      local out = net:forward(xb)
      local l = loss:forward(out, yb)
      net:backward(xb, loss:backward(out, yb))
      opt:step()
      tot, nb = tot + l, nb + 1
    end
    secs[e] = B.clock() - t0
    losses[e] = tot / nb
  end
  return secs, losses
end

-- Forward the whole of X in eval mode, in chunks (bounded workspaces);
-- f(out) turns a chunk's output into scores (n) float64.
function M.scores(net, X, f, chunk)
  net:eval()
  chunk = chunk or 2000
  local parts = {}
  for s = 1, X:size(1), chunk do
    local xb = X:narrow(1, s, math.min(chunk, X:size(1) - s + 1))
    parts[#parts + 1] = f(net:forward(xb)):double():clone()
  end
  return credo.cat(parts, 1)
end

-- "a b c": a list of numbers as one string (bench/common.lua's JSON
-- writer takes scalars and string-keyed tables).
function M.list(xs, fmt)
  local parts = {}
  for i, v in ipairs(xs) do parts[i] = (fmt or "%.6g"):format(v) end
  return table.concat(parts, " ")
end

return M
