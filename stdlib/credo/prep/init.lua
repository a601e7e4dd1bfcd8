-- credo.prep: data preparation (docs/prep.md): imputers, encoders,
-- scalers, outlier rules and filters, change points, Isolation Forest,
-- PCA, correlations, ReliefF and recursive feature elimination.  One flat
-- table gathering the files of this directory:
--
--   impute.lua   SimpleImputer, dropna, drop_duplicates
--   encode.lua   LabelEncoder, OneHotEncoder, OrdinalEncoder, TargetEncoder,
--                FeatureCross
--   scale.lua    StandardScaler, MinMaxScaler, RobustScaler, QuantileTransformer
--   outlier.lua  IQROutliers, ZScoreOutliers, hampel, median_filter, bocpd,
--                bcp_hi, BCPHI
--   iforest.lua  IsolationForest
--   pca.lua      PCA
--   select.lua   pearson, spearman, rank, relieff, RFE, RFECV
--
-- Every class follows the estimator protocol (docs/design.md): construction
-- checks parameters, fit(X[, y]) returns self, transform(X),
-- fit_transform(X[, y]), params(), clone(), get_state() for credo.save.
-- The numeric work is the native core natives/prep (credo.core.prep_core).
local U = require "credo.prep.util"

local M = {}

for _, mod in ipairs { "credo.prep.impute", "credo.prep.encode", "credo.prep.scale",
                       "credo.prep.outlier", "credo.prep.select" } do
  for k, v in pairs(require(mod)) do
    if k:sub(1, 1) ~= "_" then M[k] = v end
  end
end
M.IsolationForest = require "credo.prep.iforest"
M.PCA = require "credo.prep.pca"

-- Special functions of the core, for checking and for p-values elsewhere.
M.special = {
  ndtri = U.C.ndtri,          -- inverse standard normal CDF (AS 241)
  ndtr = U.C.ndtr,            -- standard normal CDF
  betainc = U.C.betainc,      -- regularised incomplete beta I_x(a, b)
  t_pvalue = U.C.t_pvalue,    -- two-sided Student t p-value (t, df)
  fnv1a = U.C.fnv1a,          -- 64-bit FNV-1a of a string (the cross hash)
}

return M
