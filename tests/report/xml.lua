-- tests/report/xml.lua: a small XML well-formedness checker for the specs
-- of credo.plot and credo.report (SVG figures and the XHTML-compatible
-- report.html).
--
--   local xml = dofile "tests/report/xml.lua"
--   local ok, err = xml.check(svg)          -- true, or nil and "what at byte N"
--   local root, count = xml.check(svg)      -- on success: the root name and
--                                           -- a table element name -> count
--
-- It checks what the XML 1.0 spec calls well-formed for the subset credo
-- writes: one root element; balanced, properly nested tags; names; every
-- attribute quoted, unique in its tag, without '<'; every '&' starting
-- &amp; &lt; &gt; &quot; &apos; or a character reference; no control
-- characters; an optional <?xml ...?> prolog, <!DOCTYPE ...>, comments.
-- It is not a validator (no DTD, no namespaces) and builds no tree.
local M = {}

local NAME = "^[A-Za-z_:][-A-Za-z0-9_:.]*"

local function check_refs(s, base)
  local i = 1
  while true do
    local a = s:find("&", i, true)
    if not a then return true end
    local ent = s:match("^&([^;%s&<]*);", a)
    if not ent then return nil, ("bare '&' at byte %d"):format(base + a - 1) end
    if not (ent == "amp" or ent == "lt" or ent == "gt" or ent == "quot" or ent == "apos"
            or ent:match("^#%d+$") or ent:match("^#x%x+$")) then
      return nil, ("unknown entity '&%s;' at byte %d"):format(ent, base + a - 1)
    end
    i = a + #ent + 2
  end
end

function M.check(s)
  if type(s) ~= "string" then return nil, "not a string" end
  local bad = s:find("[%z\1-\8\11\12\14-\31]")
  if bad then return nil, ("control character at byte %d"):format(bad) end
  local i, n = 1, #s
  local stack, count = {}, {}
  local root, closed_root = nil, false
  if s:sub(1, 5) == "<?xml" then
    local e = s:find("?>", 1, true)
    if not e then return nil, "unterminated <?xml prolog" end
    i = e + 2
  end
  while i <= n do
    local lt = s:find("<", i, true)
    local textpart = s:sub(i, (lt or n + 1) - 1)
    if #textpart > 0 then
      if #stack == 0 and textpart:find("%S") then
        return nil, ("text outside the root element at byte %d"):format(i)
      end
      local ok, err = check_refs(textpart, i)
      if not ok then return nil, err end
    end
    if not lt then break end
    i = lt
    if s:sub(i, i + 3) == "<!--" then
      local e = s:find("-->", i + 4, true)
      if not e then return nil, ("unterminated comment at byte %d"):format(i) end
      i = e + 3
    elseif s:sub(i, i + 8):upper() == "<!DOCTYPE" then
      if root then return nil, ("DOCTYPE after the root element at byte %d"):format(i) end
      local e = s:find(">", i, true)
      if not e then return nil, ("unterminated DOCTYPE at byte %d"):format(i) end
      i = e + 1
    elseif s:sub(i, i + 1) == "</" then
      local name = s:match(NAME, i + 2)
      if not name then return nil, ("bad closing tag at byte %d"):format(i) end
      local e = s:match("^%s*>()", i + 2 + #name)
      if not e then return nil, ("bad closing tag </%s at byte %d"):format(name, i) end
      local top = stack[#stack]
      if top ~= name then
        return nil, ("</%s> at byte %d closes <%s>"):format(name, i, tostring(top))
      end
      stack[#stack] = nil
      if #stack == 0 then closed_root = true end
      i = e
    else
      local name = s:match(NAME, i + 1)
      if not name then return nil, ("bad tag at byte %d"):format(i) end
      if closed_root or (#stack == 0 and root) then
        return nil, ("second root element <%s> at byte %d"):format(name, i)
      end
      root = root or name
      local j = i + 1 + #name
      local seen = {}
      while true do
        local ws, k = s:match("^(%s*)()", j)
        j = k
        local c = s:sub(j, j)
        if c == ">" then
          stack[#stack + 1] = name
          j = j + 1
          break
        elseif s:sub(j, j + 1) == "/>" then
          if #stack == 0 then closed_root = true end
          j = j + 2
          break
        elseif c == "" then
          return nil, ("unterminated tag <%s at byte %d"):format(name, i)
        end
        if #ws == 0 then return nil, ("missing space before attribute in <%s> at byte %d"):format(name, j) end
        local an = s:match(NAME, j)
        if not an then return nil, ("bad attribute in <%s> at byte %d"):format(name, j) end
        if seen[an] then return nil, ("duplicate attribute '%s' in <%s> at byte %d"):format(an, name, j) end
        seen[an] = true
        j = j + #an
        local q, k2 = s:match("^%s*=%s*([\"'])()", j)
        if not q then return nil, ("attribute '%s' in <%s> is not quoted at byte %d"):format(an, name, j) end
        local e = s:find(q, k2, true)
        if not e then return nil, ("unterminated attribute value at byte %d"):format(k2) end
        local v = s:sub(k2, e - 1)
        if v:find("<", 1, true) then return nil, ("'<' in attribute '%s' at byte %d"):format(an, k2) end
        local ok, err = check_refs(v, k2)
        if not ok then return nil, err end
        j = e + 1
      end
      count[name] = (count[name] or 0) + 1
      i = j
    end
  end
  if #stack > 0 then return nil, ("<%s> is never closed"):format(stack[#stack]) end
  if not root then return nil, "no root element" end
  return root, count
end

return M
