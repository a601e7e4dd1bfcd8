-- serialize_spec.lua: credo.save / credo.load and credo.serialize.dumps /
-- loads (natives/serialize): round trips of every value type, shared
-- references, deterministic bytes, errors naming the path of what cannot be
-- saved, atomic saves, and loads that reject every corrupted or truncated
-- file without crashing (the specs also run inside the sanitized host).

local credo = require "credo"
local S = credo.serialize

local function roundtrip(v)
  return S.loads(S.dumps(v))
end

local function err(f, ...)
  local ok, e = pcall(f, ...)
  assert.is_false(ok)
  return e
end

-- CRC-32 (IEEE, reflected 0xEDB88320) for crafting files by hand.
local function crc32(s)
  local crc = 0xFFFFFFFF
  for i = 1, #s do
    crc = crc ~ s:byte(i)
    for _ = 1, 8 do
      crc = (crc & 1) ~= 0 and (0xEDB88320 ~ (crc >> 1)) or (crc >> 1)
    end
  end
  return crc ~ 0xFFFFFFFF
end

local function section(tag, payload)
  local frame = tag .. string.pack("<I8", #payload) .. payload
  return frame .. string.pack("<I4", crc32(frame))
end

-- A file of one VALU section (payload = tensor count + value bytes), the
-- given extra sections, and END.
local function craft(value_bytes, extra, ntensors, nsections)
  extra = extra or {}
  local parts = {"CREDO\0MF" .. string.pack("<I4I4", 1, 0),
                 section("VALU", string.pack("<I8", ntensors or #extra) .. value_bytes)}
  for _, s in ipairs(extra) do parts[#parts + 1] = s end
  parts[#parts + 1] = section("END ", string.pack("<I8", nsections or (1 + #extra)))
  return table.concat(parts)
end

local function tmpdir()
  local name = os.tmpname()
  os.remove(name)
  assert(os.execute("mkdir '" .. name .. "'"))
  return name
end

local function listdir(dir)
  local p = assert(io.popen("ls -A '" .. dir .. "'"))
  local names = {}
  for line in p:lines() do names[#names + 1] = line end
  p:close()
  table.sort(names)
  return names
end

local function rmtree(dir)
  os.execute("rm -rf '" .. dir .. "'")
end

describe("serialize", function()
  describe("dumps() / loads()", function()
    it("round-trips scalars and keeps integer and float apart", function()
      assert.is_nil(roundtrip(nil))
      assert.is_true(roundtrip(true))
      assert.is_false(roundtrip(false))
      for _, v in ipairs {0, 1, -7, math.maxinteger, math.mininteger} do
        assert.equal(v, roundtrip(v))
        assert.equal("integer", math.type(roundtrip(v)))
      end
      for _, v in ipairs {0.5, 1.0, -2.25, 1e308, 5e-324, math.huge, -math.huge} do
        assert.equal(v, roundtrip(v))
        assert.equal("float", math.type(roundtrip(v)))
      end
      assert.equal(-math.huge, 1 / roundtrip(-0.0))
      local nan = roundtrip(0 / 0)
      assert.is_true(nan ~= nan)
    end)

    it("round-trips any bytes in strings", function()
      local all = {}
      for i = 0, 255 do all[#all + 1] = string.char(i) end
      all = table.concat(all)
      assert.equal(all, roundtrip(all))
      assert.equal("", roundtrip(""))
      local long = string.rep("credo\0", 100000)
      assert.equal(long, roundtrip(long))
    end)

    it("round-trips nested tables with every key type", function()
      local v = {
        1, 2, "three", {}, {{}, {{}}},
        name = "model", [true] = "yes", [false] = 0, [1.5] = "float key",
        [-3] = "negative", [100] = "sparse", [0] = "zero",
        nested = {a = {b = {c = {d = "deep"}}}, list = {10, 20, 30}},
      }
      assert.same(v, roundtrip(v))
      local holes = {1, nil, 3}
      assert.same(holes, roundtrip(holes))
      assert.same({}, roundtrip({}))
    end)

    it("round-trips tensors of every dtype and shape", function()
      local cases = {
        credo.tensor({{1.5, -2}, {0, 4}}),
        credo.tensor({1, 2, 3}, "float64"),
        credo.tensor({math.maxinteger, math.mininteger, (1 << 53) + 1}, "int64"),
        credo.tensor(3.5),
        credo.zeros(0, 3),
        credo.zeros({2, 1, 2, 1, 2, 1, 2, 1}, "float64"),
      }
      for _, t in ipairs(cases) do
        local b = roundtrip(t)
        assert.equal(t:dtype(), b:dtype())
        assert.same(t:size(), b:size())
        assert.same(t:totable(), b:totable())
      end
      local special = credo.tensor({0 / 0, math.huge, -0.0}, "float64")
      local b = roundtrip(special):totable()
      assert.is_true(b[1] ~= b[1])
      assert.equal(math.huge, b[2])
      assert.equal(-math.huge, 1 / b[3])
    end)

    it("saves a strided view as its contiguous copy", function()
      local base = credo.tensor({{1, 2, 3}, {4, 5, 6}}, "float64")
      local v = base:t()
      assert.is_false(v:is_contiguous())
      local b = roundtrip(v)
      assert.is_true(b:is_contiguous())
      assert.same(v:totable(), b:totable())
      assert.equal(S.dumps(v:contiguous()), S.dumps(v))
    end)

    it("round-trips a large tensor", function()
      local t = credo.Generator(1):randn(1000, 1000)
      local b = roundtrip({w = t}).w
      assert.same(t:size(), b:size())
      assert.equal(S.dumps(t), S.dumps(b))
    end)

    it("restores shared tables and tensors shared", function()
      local shared, t = {x = 1}, credo.zeros(2)
      local v = roundtrip({a = shared, b = shared, c = {shared}, t1 = t, t2 = t})
      assert.equal(v.a, v.b)
      assert.equal(v.a, v.c[1])
      assert.equal(v.t1, v.t2)
      -- a shared tensor is stored once
      local once = #S.dumps({credo.zeros(1000)})
      local twice = #S.dumps({t = credo.zeros(1000)})
      assert.is_true(math.abs(once - twice) < 16)
    end)

    it("writes the same bytes for the same value", function()
      local a, b = {}, {}
      for i = 1, 50 do a["k" .. i] = i end
      for i = 50, 1, -1 do b["k" .. i] = i end
      b[1.5], a[1.5] = true, true
      assert.equal(S.dumps(a), S.dumps(b))
    end)

    it("names the path of what cannot be saved", function()
      assert.has_error(function()
        S.dumps({layers = {1, {forward = print}}})
      end, "dumps: cannot save a function at value.layers[2].forward")
      assert.has_error(function()
        S.dumps({co = coroutine.create(print)})
      end, "dumps: cannot save a coroutine at value.co")
      assert.has_error(function()
        S.dumps({["odd key"] = {[3] = {io.stdout}}})
      end, "dumps: cannot save a userdata FILE* at value[\"odd key\"][3][1]")
      assert.has_error(function()
        S.dumps({rng = credo.Generator(1)})
      end, "dumps: cannot save a credo.Generator (save its get_state() instead) at value.rng")
      assert.has_error(function()
        S.dumps({w = {[{}] = 1}})
      end, "dumps: cannot save a table key of type table at value.w")
      assert.has_error(function()
        credo.save("/tmp/never.credo", {layers = {1, {forward = print}}})
      end, "save: cannot save a function at model.layers[2].forward")
    end)

    it("names long paths in full", function()
      local root, cur, want = {}, nil, {"value"}
      cur = root
      for i = 1, 100 do
        local k = "key_number_" .. i
        cur[k] = {}
        cur = cur[k]
        want[#want + 1] = "." .. k
      end
      local odd = string.rep("a\"b\\", 20) .. "\n"
      cur[odd] = {[2.5] = {[true] = print}}
      want[#want + 1] = '["' .. string.rep('a\\"b\\\\', 15) .. '..."][2.5][true]'
      assert.has_error(function() S.dumps(root) end,
        "dumps: cannot save a function at " .. table.concat(want))
    end)

    it("refuses cycles, naming both ends", function()
      local c = {}
      c.self = c
      assert.has_error(function() S.dumps({a = {b = c}}) end,
        "dumps: cannot save a cycle at value.a.b.self (it refers back to value.a.b)")
      local r = {}
      r[1] = {r}
      assert.has_error(function() S.dumps(r) end,
        "dumps: cannot save a cycle at value[1][1] (it refers back to value)")
    end)

    it("refuses nesting deeper than 200", function()
      local deep = {}
      local cur = deep
      for _ = 1, 199 do cur.x = {} cur = cur.x end
      assert.equal("table", type(roundtrip(deep)))
      cur.x = {}
      assert.matches("^dumps: cannot save tables nested deeper than 200 at value%.x%.x",
                     err(S.dumps, deep))
    end)

    it("checks its arguments", function()
      assert.has_error(function() S.dumps() end,
        "bad argument #1 to 'dumps' (value expected)")
      assert.has_error(function() S.loads(5) end,
        "bad argument #1 to 'loads' (string expected, got number)")
      assert.has_error(function() S.save() end,
        "bad argument #1 to 'save' (string expected, got no value)")
      assert.has_error(function() S.save("x") end,
        "bad argument #2 to 'save' (value expected)")
      assert.has_error(function() S.load({}) end,
        "bad argument #1 to 'load' (string expected, got table)")
    end)
  end)

  describe("loads() on bad input", function()
    local good = S.dumps({
      w = credo.tensor({{1, 2}, {3, 4}}), b = credo.tensor({1, 2}, "int64"),
      name = "m", n = 3, x = 0.5, ok = true,
    })

    it("rejects every single-byte corruption", function()
      for i = 1, #good do
        for _, mask in ipairs {0xFF, 0x01, 0x80} do
          local bad = good:sub(1, i - 1) .. string.char(good:byte(i) ~ mask) .. good:sub(i + 1)
          local ok, e = pcall(S.loads, bad)
          if ok then error("flip of byte " .. i .. " (mask " .. mask .. ") was not detected") end
          assert.matches("^loads: ", e)
        end
      end
    end)

    it("rejects every truncation", function()
      for n = 0, #good - 1 do
        local ok, e = pcall(S.loads, good:sub(1, n))
        if ok then error("truncation to " .. n .. " bytes was not detected") end
        assert.matches("^loads: ", e)
      end
    end)

    it("says what is wrong and where", function()
      assert.has_error(function() S.loads("") end,
        "loads: not a credo model file (bad magic at offset 0)")
      assert.has_error(function() S.loads("PK\3\4 a zip file") end,
        "loads: not a credo model file (bad magic at offset 0)")
      assert.has_error(function() S.loads("CREDO\0MF" .. string.pack("<I4I4", 7, 0)) end,
        "loads: model file version 7 is newer than this credo (1)")
      local flipped = good:sub(1, 30) .. string.char(good:byte(31) ~ 1) .. good:sub(32)
      assert.has_error(function() S.loads(flipped) end,
        "loads: CRC mismatch at offset 16 (section VALU #0)")
      assert.has_error(function() S.loads(good .. "x") end,
        "loads: 1 trailing bytes after the END section at offset " .. #good)
      assert.matches("^loads: truncated file at offset %d+: section length %d+ exceeds",
                     err(S.loads, good:sub(1, 100)))
    end)

    it("rejects crafted values", function()
      local function bad(bytes, msg, ntensors, extra)
        assert.has_error(function() S.loads(craft(bytes, extra, ntensors)) end, msg)
      end
      local base = 16 + 12 + 8  -- header, VALU frame, tensor count
      assert.equal("hi", S.loads(craft("\5" .. string.pack("<I8", 2) .. "hi")))
      bad("\5" .. string.pack("<I8", 1 << 40) .. "hi",
          "loads: string length exceeds the bytes left at offset " .. base .. " (section VALU #0)")
      bad("\9", "loads: bad value type 9 at offset " .. base .. " (section VALU #0)")
      bad("", "loads: truncated value at offset " .. base .. " (section VALU #0)")
      bad("\3\1\0", "loads: truncated integer at offset " .. base .. " (section VALU #0)")
      bad("\2\2", "loads: trailing bytes after the value at offset " .. (base + 1) .. " (section VALU #0)")
      bad("\6" .. string.pack("<I8I8", 1 << 50, 0),
          "loads: table size exceeds the bytes left at offset " .. base .. " (section VALU #0)")
      bad("\6" .. string.pack("<I8I8", 1, 0) .. "\0",
          "loads: nil in the array part of a table at offset " .. (base + 17) .. " (section VALU #0)")
      bad("\6" .. string.pack("<I8I8", 0, 2) .. "\2\2" .. "\2\1",
          "loads: duplicate table key at offset " .. (base + 19) .. " (section VALU #0)")
      bad("\6" .. string.pack("<I8I8", 0, 1) .. "\6" .. string.pack("<I8I8", 0, 0) .. "\2",
          "loads: bad table key type 6 at offset " .. (base + 17) .. " (section VALU #0)")
      bad("\6" .. string.pack("<I8I8", 0, 1) .. "\4" .. string.pack("<d", 0 / 0) .. "\2",
          "loads: NaN table key at offset " .. (base + 17) .. " (section VALU #0)")
      -- a reference to the table being read would make a cycle
      bad("\6" .. string.pack("<I8I8", 1, 0) .. "\8" .. string.pack("<I8", 0),
          "loads: reference to table #0, which is not complete before it at offset "
          .. (base + 17) .. " (section VALU #0)")
      bad("\7" .. string.pack("<I8", 0),
          "loads: tensor #0 does not exist (0 in the file) at offset " .. base .. " (section VALU #0)")
      -- shared tables: a reference to a complete one is fine
      local v = S.loads(craft("\6" .. string.pack("<I8I8", 2, 0) .. "\6" .. string.pack("<I8I8", 0, 0)
                              .. "\8" .. string.pack("<I8", 1)))
      assert.equal(v[1], v[2])
      -- nesting: 200 levels load, 201 do not
      local function nest(n)
        return string.rep("\6" .. string.pack("<I8I8", 1, 0), n) .. "\2"
      end
      assert.equal("table", type(S.loads(craft(nest(200)))))
      assert.matches("^loads: tables nested deeper than 200 at offset", err(S.loads, craft(nest(201))))
    end)

    it("checks the sections and their order", function()
      local tens = section("TENS", string.pack("<BBxxxxxxI8", 1, 1, 2) .. string.pack("<dd", 1, 2))
      local t = S.loads(craft("\7" .. string.pack("<I8", 0), {tens}))
      assert.same({1, 2}, t:totable())
      assert.equal("float64", t:dtype())
      assert.has_error(function() S.loads(craft("\2", {tens}, 0)) end,
        "loads: expected section END at offset 41, found TENS")
      assert.has_error(function() S.loads(craft("\2", {}, 0, 5)) end,
        "loads: END counts 5 sections but 1 precede it at offset 53 (section END #1)")
      local badtens = section("TENS", string.pack("<BBxxxxxxI8", 1, 1, 3) .. string.pack("<dd", 1, 2))
      assert.has_error(function() S.loads(craft("\7" .. string.pack("<I8", 0), {badtens})) end,
        "loads: tensor shape does not match its 16 data bytes at offset 61 (section TENS #1)")
      local empty = section("TENS", string.pack("<BBxxxxxxI8I8I8", 0, 3, 0, 1 << 62, 1 << 62))
      assert.has_error(function() S.loads(craft("\7" .. string.pack("<I8", 0), {empty})) end,
        "loads: tensor sizes overflow at offset 85 (section TENS #1)")
      local zero = section("TENS", string.pack("<BBxxxxxxI8I8", 0, 2, 0, 1 << 40))
      assert.same({0, 1 << 40}, S.loads(craft("\7" .. string.pack("<I8", 0), {zero})):size())
      assert.has_error(function() S.loads(craft("\2", {}, 1 << 40)) end,
        "loads: VALU claims 1099511627776 tensors, more than the file can hold, at offset 28")
      local head = "CREDO\0MF" .. string.pack("<I4I4", 1, 0)
      assert.has_error(function() S.loads(head .. section("TENS", "")) end,
        "loads: expected section VALU at offset 16, found TENS")
      assert.has_error(function() S.loads(head .. section("\1\2\3\4", "")) end,
        "loads: expected section VALU at offset 16, found 0x04030201")
    end)
  end)

  describe("save() / load()", function()
    it("never replaces a device or a directory", function()
      local ok, e = pcall(credo.save, "/dev/null", { 1 })
      assert.is_false(ok)
      assert.matches("save: /dev/null: not a regular file %(a device, pipe, socket or directory is never replaced%)", e)
      local dir = tmpdir()
      ok, e = pcall(credo.save, dir, { 1 })
      assert.is_false(ok)
      assert.matches("not a regular file", e)
      assert.same({}, listdir(dir))                       -- no temporary left
      rmtree(dir)
    end)

    it("round-trips through a file", function()
      local dir = tmpdir()
      local path = dir .. "/model.credo"
      local model = {layers = {{w = credo.Generator(1):randn(4, 3), b = credo.zeros(3)}},
                     meta = {name = "pd", auc = 0.81, epochs = 12}}
      credo.save(path, model)
      local back = credo.load(path)
      assert.same(model.meta, back.meta)
      assert.same(model.layers[1].w:totable(), back.layers[1].w:totable())
      local f = assert(io.open(path, "rb"))
      assert.equal(S.dumps(model), f:read("a"))
      f:close()
      assert.same({"model.credo"}, listdir(dir))
      rmtree(dir)
    end)

    it("leaves the old file intact when a save fails", function()
      local dir = tmpdir()
      local path = dir .. "/model.credo"
      credo.save(path, {version = 1})
      assert.has_error(function() credo.save(path, {version = 2, f = print}) end,
        "save: cannot save a function at model.f")
      assert.same({version = 1}, credo.load(path))
      assert.same({"model.credo"}, listdir(dir))
      -- replacing works and leaves no temporary behind
      credo.save(path, {version = 3})
      assert.same({version = 3}, credo.load(path))
      assert.same({"model.credo"}, listdir(dir))
      rmtree(dir)
    end)

    it("reports I/O errors with the path", function()
      local dir = tmpdir()
      local path = dir .. "/no/such/dir/m.credo"
      assert.has_error(function() credo.save(path, 1) end,
        "save: " .. path .. ": No such file or directory")
      -- a directory in the way: refused before any temporary is made
      assert(os.execute("mkdir -p '" .. dir .. "/busy/x'"))
      assert.has_error(function() credo.save(dir .. "/busy", 1) end,
        "save: " .. dir .. "/busy: not a regular file (a device, pipe, socket or directory is never replaced)")
      assert.same({"busy"}, listdir(dir))
      rmtree(dir)
    end)

    it("names the file when loading fails", function()
      local dir = tmpdir()
      local path = dir .. "/m.credo"
      assert.has_error(function() credo.load(path) end,
        "load: " .. path .. ": No such file or directory")
      assert.has_error(function() credo.load(dir) end,
        "load: " .. dir .. ": not a regular file")
      credo.save(path, {1, 2, 3})
      local f = assert(io.open(path, "rb"))
      local bytes = f:read("a")
      f:close()
      f = assert(io.open(path, "wb"))
      f:write(bytes:sub(1, 30), string.char(bytes:byte(31) ~ 1), bytes:sub(32))
      f:close()
      assert.has_error(function() credo.load(path) end,
        "load: " .. path .. ": CRC mismatch at offset 16 (section VALU #0)")
      f = assert(io.open(path, "wb"))
      f:write(bytes:sub(1, #bytes - 3))
      f:close()
      assert.matches("^load: " .. path:gsub("%p", "%%%0") .. ": truncated file at offset",
                     err(credo.load, path))
      rmtree(dir)
    end)
  end)
end)
