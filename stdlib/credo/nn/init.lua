-- credo.nn: neural-network layers, containers, losses and initialisers
-- (docs/nn.md).  `credo.nn.Linear(30, 16)`; classes load on first use.
--
-- What it is not: the kernels (natives/nn, reached as credo.core.nn_core),
-- the optimisers and the training loop (their own files).
local Module = require "credo.nn.module"

local nn = { Module = Module }

-- Class name -> the file that defines it.  A fixed table: credo.load reads
-- a class name from a file and only ever uses it as a key here, never as a
-- module path.  One line per class (layers of other files add theirs).
nn.classes = {
  Linear = "credo.nn.linear",
  Dropout = "credo.nn.dropout",
  BatchNorm1d = "credo.nn.batchnorm",
  ReLU = "credo.nn.activation",
  LeakyReLU = "credo.nn.activation",
  Sigmoid = "credo.nn.activation",
  Tanh = "credo.nn.activation",
  Softmax = "credo.nn.activation",
  LogSoftmax = "credo.nn.activation",
  Flatten = "credo.nn.flatten",
  Identity = "credo.nn.flatten",
  Transpose = "credo.nn.shape",
  Narrow = "credo.nn.shape",
  Embedding = "credo.nn.embedding",
  Sequential = "credo.nn.sequential",
  Parallel = "credo.nn.parallel",
  Concat = "credo.nn.parallel",
  BCELoss = "credo.nn.loss",
  BCEWithLogitsLoss = "credo.nn.loss",
  CrossEntropyLoss = "credo.nn.loss",
  MSELoss = "credo.nn.loss",
  HuberLoss = "credo.nn.loss",
  LSTM = "credo.nn.lstm",
  GRU = "credo.nn.gru",
  Conv1D = "credo.nn.conv1d",
  MaxPool1D = "credo.nn.maxpool1d",
}

-- Other names: initialisers (credo.nn.init), the gradient checker.
local extras = {
  init = "credo.nn.initializers",
  gradcheck = "credo.nn.gradcheck",
}

-- The training loop (stdlib/credo/nn/fit.lua, docs/fit.md): these names
-- are fields of that file's table.
local from_fit = { fit = true, Model = true, predict = true, predict_proba = true,
                   decision_function = true }

nn.from_state = Module.from_state
nn.is_module = Module.is_module

setmetatable(nn, { __index = function(t, k)
  local path = nn.classes[k]
  if path then
    require(path)
    local cls = Module.registry[k]
    rawset(t, k, cls)
    return cls
  end
  path = extras[k]
  if path then
    local v = require(path)
    rawset(t, k, v)
    return v
  end
  if from_fit[k] then
    local v = require("credo.nn.fit")[k]
    rawset(t, k, v)
    return v
  end
end })

return nn
