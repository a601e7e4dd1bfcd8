-- prep_encode_spec.lua: credo.prep cleaning and encoding: SimpleImputer,
-- dropna, drop_duplicates, LabelEncoder, OneHotEncoder, OrdinalEncoder
-- (against scikit-learn 1.2 fixtures), TargetEncoder and FeatureCross
-- (their formulas, worked here), and the edge cases.
local credo = require "credo"
local H = require "prep_util"
local P = credo.prep

local F = H.fixture()
local E = F.encode

local function err(fn, ...)
  local ok, e = pcall(fn, ...)
  assert.is_false(ok)
  return tostring(e)
end

local function frame(a, b) return credo.Frame.new({ "a", "b" }, { a, b }) end

describe("prep", function()
  teardown(function() H.print_report("prep encoders") end)

  describe("SimpleImputer", function()
    local I = F.impute
    for _, s in ipairs { "mean", "median", "most_frequent", "constant" } do
      it("matches scikit-learn on a tensor: " .. s, function()
        local m = P.SimpleImputer { strategy = s, fill_value = -1 }:fit(H.t(I.X))
        H.near("SimpleImputer " .. s .. " statistics", m:statistics(), H.t(I[s].statistics), 1e-12)
        H.near("SimpleImputer " .. s .. " train", m:transform(H.t(I.X)), H.t(I[s].train), 1e-12)
        H.near("SimpleImputer " .. s .. " test", m:transform(H.t(I.X_test)), H.t(I[s].test), 1e-12)
      end)
    end

    it("fills a Frame: numeric by strategy, categorical with 'Unknown' in level order", function()
      local df = credo.Frame.new({ "home", "inc" }, { { "rent", nil, "own", "rent" }, { 1, nil, 3, 8 } })
      local m = P.SimpleImputer { strategy = "median" }:fit(df)
      local out = m:transform(df)
      assert.are.same({ "Unknown", "own", "rent" }, out:level_names("home"))
      assert.are.same({ 3, 1, 2, 3 }, out:col("home").codes:totable())
      assert.are.same({ 1, 3, 3, 8 }, out:col("inc"):totable())
      local mf = P.SimpleImputer { categorical = "most_frequent" }:fit_transform(df)
      assert.are.same({ "own", "rent" }, mf:level_names("home"))
      assert.are.same({ 2, 2, 1, 2 }, mf:col("home").codes:totable())
      assert.near(4, mf:col("inc")[2], 1e-12)
      assert.are.same({ home = "Unknown", inc = 3 }, m:statistics())
    end)

    it("errors on a column without values, before fit, on a mismatch", function()
      local X = credo.tensor({ { 0 / 0, 1 }, { 0 / 0, 2 } }, "float64")
      local m = P.SimpleImputer()
      assert.are.equal("bad argument #1 to 'SimpleImputer:fit' (X: column 1 has no observed "
        .. "value (strategy 'mean' needs one))", err(m.fit, m, X))
      assert.are.same({ { 7, 1 }, { 7, 2 } },
                      P.SimpleImputer { strategy = "constant", fill_value = 7 }:fit_transform(X):totable())
      assert.matches("SimpleImputer:transform: model is not fitted", err(m.transform, m, X))
      m = P.SimpleImputer():fit(credo.ones(2, 3))
      assert.are.equal("bad argument #1 to 'SimpleImputer:transform' (X has 2 columns but "
        .. "SimpleImputer was fitted on 3)", err(m.transform, m, X))
      assert.are.equal("bad argument #1 to 'SimpleImputer:transform' (X: expected a 2-d tensor "
        .. "(fitted on a tensor))", err(m.transform, m, frame({ "x" }, { "y" })))
      assert.matches("parameter 'strategy' must be one of mean, median, most_frequent, constant",
                     err(P.SimpleImputer, { strategy = "mode" }))
    end)
  end)

  describe("dropna() and drop_duplicates()", function()
    it("drop incomplete and repeated rows of tensors and Frames", function()
      local X = credo.tensor({ { 1, 2 }, { 0 / 0, 1 }, { 1, 2 }, { 0 / 0, 1 }, { 3, 4 } }, "float64")
      local Xc, kept = P.dropna(X)
      assert.are.same({ 1, 3, 5 }, kept:totable())
      assert.are.same({ { 1, 2 }, { 1, 2 }, { 3, 4 } }, Xc:totable())
      local Xu, first = P.drop_duplicates(X)
      assert.are.same({ 1, 2, 5 }, first:totable())
      assert.are.same(3, Xu:size(1))
      local df = credo.Frame.new({ "a", "n" }, { H.cat({ "x", "y", "x", nil, nil }, 5),
                                                 { 1, 2, 1, 3, 3 } })
      local dn, kn = P.dropna(df)
      assert.are.same({ 1, 2, 3 }, kn:totable())
      assert.are.equal(3, dn:nrow())
      local du, fu = P.drop_duplicates(df)
      assert.are.same({ 1, 2, 4 }, fu:totable())
      assert.are.equal(3, du:nrow())
      local e, ei = P.drop_duplicates(credo.zeros(0, 2))
      assert.are.equal(0, e:size(1))
      assert.are.equal(0, ei:size(1))
    end)
  end)

  describe("LabelEncoder", function()
    it("matches scikit-learn and inverts", function()
      local le = P.LabelEncoder():fit(E.a)
      assert.are.same(H.plain(E.label_classes), le:classes())
      H.near("LabelEncoder", le:transform(E.a), H.t(E.label_train), 0)
      assert.are.equal("int64", le:transform(E.a):dtype())
      assert.are.same(H.plain(E.a), le:inverse_transform(le:transform(E.a)))
      local ln = P.LabelEncoder():fit(credo.tensor { 3, 1, 3, 7 })
      assert.are.same({ 1, 0, 1, 2 }, ln:transform(credo.tensor { 3, 1, 3, 7 }):totable())
      assert.are.same({ 7, 1 }, ln:inverse_transform({ 2, 0 }):totable())
    end)

    it("errors on unseen labels and mixed input", function()
      local le = P.LabelEncoder():fit(E.a)
      assert.are.equal("bad argument #1 to 'LabelEncoder:transform' (y contains previously "
        .. "unseen labels: 'boat' (at index 2))", err(le.transform, le, { "own", "boat" }))
      assert.are.equal("bad argument #1 to 'LabelEncoder:inverse_transform' (code 4 at index 1 "
        .. "is outside 0..3)", err(le.inverse_transform, le, { 4 }))
      local l2 = P.LabelEncoder()
      assert.are.equal("bad argument #1 to 'LabelEncoder:fit' (y mixes strings and numbers)",
                       err(l2.fit, l2, { "a", 1 }))
      assert.are.equal("bad argument #1 to 'LabelEncoder:fit' (y contains NaN)",
                       err(l2.fit, l2, credo.tensor { 1, 0 / 0 }))
    end)
  end)

  describe("OneHotEncoder", function()
    local df, dft = frame(E.a, E.b), frame(E.test_a, E.test_b)

    it("matches scikit-learn: handle_unknown = 'ignore'", function()
      local oh = P.OneHotEncoder { handle_unknown = "ignore" }:fit(df)
      H.near("OneHotEncoder train", oh:transform(df), H.t(E.onehot_train), 0)
      H.near("OneHotEncoder test (unknown)", oh:transform(dft), H.t(E.onehot_test), 0)
      assert.are.same(H.plain(E.onehot_names), oh:feature_names())
      assert.are.same(H.plain(E.onehot_categories), oh:categories())
      assert.are.equal("float32", oh:transform(df):dtype())
      assert.are.equal(7, oh:n_features_out())
    end)

    it("matches scikit-learn: drop = 'first'", function()
      local oh = P.OneHotEncoder { drop = "first" }:fit(df)
      H.near("OneHotEncoder drop first", oh:transform(df), H.t(E.onehot_drop_train), 0)
      assert.are.same(H.plain(E.onehot_drop_names), oh:feature_names())
    end)

    it("gives the active columns per row (the sparse form)", function()
      local oh = P.OneHotEncoder { handle_unknown = "ignore" }:fit(df)
      local idx = oh:transform_indices(dft)
      assert.are.same({ { 3, 7 }, { 0, 5 }, { 4, 0 } }, idx:totable())
      local D = oh:transform(dft)
      for i = 1, 3 do
        for j = 1, 2 do
          local c = idx[i][j]
          if c > 0 then assert.are.equal(1, D[i][c]) end
        end
        assert.are.equal((idx[i][1] > 0 and 1 or 0) + (idx[i][2] > 0 and 1 or 0), D[i]:sum())
      end
    end)

    it("encodes tensor columns by value, missing as its own last category", function()
      local X = credo.tensor({ { 1, 10 }, { 2, 10 }, { 1, 20 }, { 3, 0 / 0 } }, "float64")
      local oh = P.OneHotEncoder { dtype = "float64" }:fit(X)
      assert.are.same({ "x1_1", "x1_2", "x1_3", "x2_10", "x2_20", "x2_nan" }, oh:feature_names())
      assert.are.same({ 0, 0, 1, 0, 0, 1 }, oh:transform(X)[4]:totable())
      assert.are.same({ "x1_2", "x1_3", "x2_20", "x2_nan" },
                      P.OneHotEncoder { drop = "first" }:fit(X):feature_names())
    end)

    it("errors on an unknown category, a missing column, before fit", function()
      local oh = P.OneHotEncoder():fit(df)
      assert.are.equal("bad argument #1 to 'OneHotEncoder:transform' (column 'a' has an unknown "
        .. "category 'boat' at row 2)", err(oh.transform, oh, dft))
      assert.are.equal("bad argument #1 to 'OneHotEncoder:transform' (X has no column named 'b' "
        .. "(fitted on it))", err(oh.transform, oh, credo.Frame.new({ "a" }, { { "own" } })))
      local miss = frame(H.cat({ "own", nil }, 2), { "a", "b" })
      assert.matches("column 'a' has an unknown category missing at row 2",
                     err(oh.transform, oh, miss))
      local u = P.OneHotEncoder()
      assert.matches("OneHotEncoder:transform: model is not fitted",
                     err(u.transform, u, df))
      assert.are.equal("bad argument #1 to 'OneHotEncoder:fit' (X has no categorical columns to "
        .. "encode)", err(u.fit, u, credo.Frame.new({ "n" }, { { 1, 2 } })))
    end)
  end)

  describe("OrdinalEncoder", function()
    local df = frame(E.a, E.b)

    it("matches scikit-learn with given and automatic categories", function()
      local oe = P.OrdinalEncoder { categories = { a = E.ordinal_categories[1],
                                                  b = E.ordinal_categories[2] } }:fit(df)
      H.near("OrdinalEncoder given", oe:transform(df), H.t(E.ordinal_train), 0)
      H.near("OrdinalEncoder auto", P.OrdinalEncoder():fit_transform(df), H.t(E.ordinal_auto_train), 0)
      assert.are.same(H.plain(E.ordinal_categories), oe:categories())
    end)

    it("orders numeric categories as given; missing is NaN; unknown by choice", function()
      local X = credo.tensor({ { 1, 10 }, { 2, 10 }, { 3, 0 / 0 } }, "float64")
      local oe = P.OrdinalEncoder { categories = { { 3, 1, 2 }, { 20, 10 } } }:fit(X)
      local Z = oe:transform(X)
      assert.are.same({ 1, 1 }, Z[1]:totable())
      assert.are.same({ 2, 1 }, Z[2]:totable())
      assert.are.equal(0, Z[3][1])
      assert.is_true(Z[3][2] ~= Z[3][2])
      local u = P.OrdinalEncoder { handle_unknown = "use_encoded_value", unknown_value = -1,
                                   encoded_missing_value = -2 }:fit(X)
      assert.are.same({ { -1, -2 } }, u:transform(credo.tensor({ { 9, 0 / 0 } }, "float64")):totable())
      assert.matches("column 'x1' has an unknown category 9 at row 1",
                     err(oe.transform, oe, credo.tensor({ { 9, 10 } }, "float64")))
      assert.matches("column 'x1' has category 4, not in the given categories",
                     err(P.OrdinalEncoder { categories = { { 1, 2 }, { 10 } } }.fit,
                         P.OrdinalEncoder { categories = { { 1, 2 }, { 10 } } },
                         credo.tensor({ { 4, 10 } }, "float64")))
      assert.matches("parameter 'unknown_value' is required",
                     err(P.OrdinalEncoder, { handle_unknown = "use_encoded_value" }))
      local c = P.OrdinalEncoder { handle_unknown = "use_encoded_value", unknown_value = 1 }
      assert.matches("parameter 'unknown_value' %(1%) is a code of column 'x1'", err(c.fit, c, X))
    end)
  end)

  describe("TargetEncoder", function()
    local df = frame({ "p", "q", "p", "r", "p", "q", "r", "r", "p", "q" },
                     { "u", "u", "v", "v", "u", "v", "u", "v", "u", "v" })
    local y = credo.tensor({ 1, 0, 1, 0, 0, 1, 1, 0, 1, 0 }, "int64")

    it("fit + transform use the full-training m-estimate", function()
      local te = P.TargetEncoder { smoothing = 2, columns = { "a" } }:fit(df, y)
      local prior = 0.5
      -- category p: 4 rows, mean 3/4
      local want_p = (4 * 0.75 + 2 * prior) / (4 + 2)
      local Z = te:transform(df)
      assert.near(want_p, Z[1][1], 1e-15)
      -- unknown and missing categories get the prior
      local unk = te:transform(credo.Frame.new({ "a" }, { H.cat({ "zz", nil }, 2) }))
      assert.are.same({ { prior }, { prior } }, unk:totable())
    end)

    it("fit_transform never uses a row's own target (out of fold)", function()
      local te = P.TargetEncoder { smoothing = 1, cv = 5, seed = 4 }
      local Z = te:fit_transform(df, y)
      assert.are.same({ 10, 2 }, Z:size())
      -- recompute fold by fold with credo.split's folds (stratified, shuffled)
      local folds = credo.split.stratified_kfold(y, 5, { shuffle = true, seed = 4 })
      local codes = df:col("a").codes
      for _, f in ipairs(folds) do
        local s, c, ys = {}, {}, 0
        for _, i in ipairs(f.train:totable()) do
          local k = codes[i]
          s[k] = (s[k] or 0) + y[i]
          c[k] = (c[k] or 0) + 1
          ys = ys + y[i]
        end
        local prior = ys / f.train:size(1)
        for _, i in ipairs(f.test:totable()) do
          local k = codes[i]
          local want = ((s[k] or 0) + prior) / ((c[k] or 0) + 1)
          assert.near(want, Z[i][1], 1e-14)
        end
      end
      -- the model keeps the full-training statistics
      local full = P.TargetEncoder { smoothing = 1 }:fit(df, y):transform(df)
      assert.are.equal(0, H.maxdiff(te:transform(df), full))
    end)

    it("checks y", function()
      local te = P.TargetEncoder()
      assert.are.equal("bad argument #2 to 'TargetEncoder:fit' (y has 3 elements but X has 10 rows)",
                       err(te.fit, te, df, credo.tensor { 1, 0, 1 }))
      local yn = y:double()
      yn[2] = 0 / 0
      assert.are.equal("bad argument #2 to 'TargetEncoder:fit' (y contains NaN)", err(te.fit, te, df, yn))
    end)
  end)

  describe("FeatureCross", function()
    local df = frame(E.a, E.b)

    it("crosses explicitly: observed combinations, sorted, unknown -> missing", function()
      local fc = P.FeatureCross { columns = { "a", "b" } }
      local out = fc:fit_transform(df)
      assert.are.same({ "a", "b", "a_x_b" }, out:names())
      local c = out:col("a_x_b")
      assert.are.equal("rent_x_b", c.levels[c.codes[1]])
      assert.are.equal(8, #c.levels)
      local levels = out:level_names("a_x_b")
      local sorted = { table.unpack(levels) }
      table.sort(sorted)
      assert.are.same(sorted, levels)
      local t = fc:transform_column(frame(H.cat({ "own", "boat", nil }, 3), { "a", "a", "a" }))
      assert.are.equal("own_x_a", t.levels[t.codes[1]])
      assert.are.same({ 0, 0 }, { t.codes[2], t.codes[3] })
    end)

    it("hashes with FNV-1a into n_buckets", function()
      local fx = F.fnv
      assert.are.equal(fx.single, ("%u"):format(P.special.fnv1a("credo")):gsub("^-", ""))
      local a, b = {}, {}
      for i, pair in ipairs(fx.pairs) do a[i], b[i] = pair[1], pair[2] end
      assert.has_error(function()
        local df1 = credo.Frame.new({ "c" }, { { "a", "b", "a", "b" } })
        P.TargetEncoder { columns = { "c" }, cv = 2, seed = 1 }:fit(df1, credo.tensor({ 1, 0, math.huge, 1 }, "float64"))
      end, "bad argument #2 to 'TargetEncoder:fit' (y holds an infinite or too large value (|y| * rows must stay below 1e300))")
      assert.has_error(function() P.FeatureCross { columns = { "a", "b" }, method = "hash", n_buckets = 1048577 } end,
        "FeatureCross: parameter 'n_buckets' must be <= 1048576 (got 1048577)")
      local fh = P.FeatureCross { columns = { "a", "b" }, method = "hash", n_buckets = 97 }
      local c = fh:fit(df):transform_column(frame(a, b))
      for i = 1, #fx.pairs do
        assert.are.equal(fx.bucket_97[i], c.codes[i] - 1)
        assert.are.equal(("h%02d"):format(fx.bucket_97[i]), c.levels[c.codes[i]])
      end
      for i = 1, #fx.pairs do
        local h = P.special.fnv1a(a[i] .. "\31" .. b[i])
        assert.are.equal(fx.hash[i], ("%u"):format(h))
      end
    end)

    it("refuses numeric columns and non-Frames", function()
      local fc = P.FeatureCross { columns = { "a", "n" } }
      local d2 = credo.Frame.new({ "a", "n" }, { { "x" }, { 1 } })
      assert.are.equal("bad argument #1 to 'FeatureCross:fit' (column 'n' is numeric (cross "
        .. "categorical columns; bin numeric ones first))", err(fc.fit, fc, d2))
      assert.are.equal("bad argument #1 to 'FeatureCross:fit' (X: expected a Frame)",
                       err(fc.fit, fc, credo.zeros(2, 2)))
      assert.matches("parameter 'columns' must list at least two columns",
                     err(P.FeatureCross, { columns = { "a" } }))
    end)
  end)

  describe("empty input", function()
    it("is an error at fit and gives 0 rows at transform", function()
      local df = frame({ "x", "y" }, { "p", "q" })
      local e = df:rows(credo.zeros({ 0 }, "int64"))
      local oh = P.OneHotEncoder()
      assert.are.equal("bad argument #1 to 'OneHotEncoder:fit' (X is empty (0 rows))", err(oh.fit, oh, e))
      oh:fit(df)
      assert.are.same({ 0, 4 }, oh:transform(e):size())
      assert.are.same({ 0, 2 }, oh:transform_indices(e):size())
      assert.are.equal(0, P.OrdinalEncoder():fit(df):transform(e):size(1))
      assert.are.equal(0, P.TargetEncoder():fit(df, credo.tensor { 1, 0 }):transform(e):size(1))
      assert.are.equal(0, P.FeatureCross { columns = { "a", "b" } }:fit(df):transform(e):nrow())
      assert.are.equal(0, P.SimpleImputer():fit(df):transform(e):nrow())
      local le = P.LabelEncoder()
      assert.are.equal("bad argument #1 to 'LabelEncoder:fit' (y is empty)", err(le.fit, le, {}))
    end)
  end)

  describe("saving", function()
    it("keeps encoders through credo.save / credo.load", function()
      local df = frame(E.a, E.b)
      local path = os.tmpname()
      for _, m in ipairs { P.OneHotEncoder():fit(df), P.OrdinalEncoder():fit(df),
                           P.TargetEncoder():fit(df, credo.tensor { 1, 0, 1, 1, 0, 0, 1, 0 }) } do
        credo.save(path, m)
        local m2 = credo.load(path)
        assert.are.equal(0, H.maxdiff(m2:transform(df), m:transform(df)))
      end
      os.remove(path)
    end)
  end)
end)
