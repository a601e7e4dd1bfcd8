-- credo.argcheck: the argument checks the Lua modules share, so every
-- error reads like the bindings' own: "bad argument #N to 'op' (message)",
-- raised without a position (error(msg, 0)) so that a call from a recipe
-- names the operation and the argument, not a stdlib line.  Not user API
-- (the modules re-export nothing from here); docs/design.md describes the
-- message form.
local M = {}

function M.argerror(op, i, msg)
  error(("bad argument #%d to '%s' (%s)"):format(i, op, msg), 0)
end

-- A credo tensor (by its metatable's name, so no native call).
function M.is_tensor(v)
  local mt = type(v) == "userdata" and getmetatable(v)
  return mt and mt.__name == "credo.Tensor" or false
end

-- A credo.frame Frame.
function M.is_frame(v)
  local mt = type(v) == "table" and getmetatable(v)
  return mt ~= nil and mt ~= false and mt.__name == "credo.Frame"
end

-- opts (argument i of op) checked against a set of allowed names; {} when
-- nil, anything but a table or an unknown name is an error.
function M.options(op, i, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    M.argerror(op, i, "expected a table of options, got " .. type(opts))
  end
  for k in pairs(opts) do
    if not allowed[k] then M.argerror(op, i, ("unknown option '%s'"):format(tostring(k))) end
  end
  return opts
end

-- A set { [name] = true } of the arguments.
function M.set(...)
  local t = {}
  for _, k in ipairs { ... } do t[k] = true end
  return t
end

return M
