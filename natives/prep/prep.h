/*
 * prep.h: the pure C core of credo's preprocessing (credo.prep).
 *
 * The heavy parts of data preparation, on plain double arrays: special
 * functions (inverse normal CDF, regularised incomplete beta, Student t
 * p-values), NaN-aware column statistics and numpy-style percentiles,
 * scikit-learn's quantile transform, ranks and correlation matrices with
 * p-values, sequence filters (Hampel identifier, median filter), Bayesian
 * online change-point detection, Isolation Forest, ReliefF, duplicate rows
 * and hashed feature crosses.
 *
 * Matrices are row-major (n, d) and contiguous; the binding (prep_lua.c)
 * converts tensors and checks every argument, the core trusts them and
 * returns a credo_status for what can fail at run time (memory, Ctrl-C).
 * Indices are 0-based here.  What it is not: no Lua, no estimator state
 * (the Lua files under stdlib/credo/prep keep that), no dtype dispatch (everything is
 * double).
 */
#ifndef CREDO_PREP_H
#define CREDO_PREP_H

#include <stddef.h>
#include <stdint.h>

#include "../common/credo_core.h"

/* ---- special functions (prep_dist.c) ---- */

/* Inverse of the standard normal CDF: Wichura, "Algorithm AS 241: The
 * percentage points of the normal distribution", Applied Statistics 37
 * (1988), PPND16 (about 1e-16 relative).  p = 0 -> -inf, 1 -> +inf,
 * outside [0, 1] or NaN -> NaN. */
double prep_norm_ppf(double p);
/* Standard normal CDF, 0.5 * erfc(-x / sqrt 2). */
double prep_norm_cdf(double x);
/* log B(a, b) for a, b > 0, accurate when one argument is large (Stirling
 * series for the ratio of gammas, so no cancellation of two lgammas). */
double prep_lbeta(double a, double b);
/* Regularised incomplete beta I_x(a, b), a, b > 0, 0 <= x <= 1, by the
 * continued fraction (modified Lentz), as Numerical Recipes' betai/betacf
 * describe, evaluated left of the mean (Cephes' swap rule) in long double;
 * y = 1 - x is passed separately so that x near 1 keeps its precision.
 * About 1e-14 relative for parameters up to 5e5.  NaN on bad arguments. */
double prep_betainc(double a, double b, double x, double y);
/* Two-sided p-value of a Student t statistic with df > 0 degrees of
 * freedom: P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2).  t = +-inf -> 0,
 * NaN -> NaN. */
double prep_t_pvalue(double t, double df);

/* ---- column statistics and percentiles (prep_quantile.c) ---- */

/* Percentile of sorted v (n >= 1, no NaN) at fraction q in [0, 1], numpy's
 * "linear" method (Hyndman & Fan type 7): virtual index (n-1)*q, and
 * numpy's lerp (a + (b-a)*g for g < 0.5, b - (b-a)*(1-g) otherwise), so the
 * bits match np.percentile. */
double prep_percentile_sorted(const double *v, int64_t n, double q);

/* Per column j of x (n, d), ignoring NaN: count[j] non-NaN values,
 * mean[j], var[j] (population, the corrected two-pass of Chan, Golub &
 * LeVeque as scikit-learn computes it), min[j], max[j].  A column without
 * values gets count 0 and NaN elsewhere.  Any output may be NULL. */
credo_status prep_col_moments(int64_t *count, double *mean, double *var,
                              double *min, double *max, const double *x,
                              int64_t n, int64_t d);
/* out (nq, d): the percentiles q[0..nq-1] (fractions in [0, 1]) of each
 * column of x (n, d), NaN ignored (np.nanpercentile); NaN for a column
 * without values. */
credo_status prep_col_percentiles(double *out, const double *x, int64_t n,
                                  int64_t d, const double *q, int64_t nq);
/* out (d): most frequent non-NaN value of each column, the smallest on
 * ties (scipy.stats.mode, as SimpleImputer uses); NaN for an empty column. */
credo_status prep_col_mode(double *out, const double *x, int64_t n, int64_t d);

/* scikit-learn 1.2 QuantileTransformer, dense fit: references (nq) =
 * linspace(0, 1, nq); per column the nanpercentiles at references*100/100
 * of the column (of `sub` rows drawn without replacement from stream j of
 * `seed` when 0 < sub < n), then a running maximum down each column.
 * quantiles is (nq, d). */
credo_status prep_quantile_fit(double *quantiles, double *references,
                               const double *x, int64_t n, int64_t d,
                               int64_t nq, int64_t sub, uint64_t seed);
/* out (n, d) = the transform of x (n, d) with quantiles (nq, d) and
 * references (nq): forward (inverse = 0) or inverse; normal = 1 for
 * output_distribution "normal".  NaN stays NaN.  See docs/prep.md for the
 * exact steps (scikit-learn's _transform_col). */
credo_status prep_quantile_transform(double *out, const double *x, int64_t n,
                                     int64_t d, const double *quantiles,
                                     const double *references, int64_t nq,
                                     int normal, int inverse);
/* np.interp(x, xp, fp) for one x: xp (m) increasing (repeats allowed), m
 * >= 1; left of xp[0] gives fp[0], right of xp[m-1] gives fp[m-1]. */
double prep_interp(double x, const double *xp, const double *fp, int64_t m);

/* ---- ranks and correlation (prep_corr.c) ---- */

/* rank (n) = average ranks (1-based; ties share the mean of their
 * positions) of x (n, stride), as scipy.stats.rankdata(method="average").
 * No NaN (the caller checks). */
credo_status prep_rank_average(double *rank, const double *x, int64_t n,
                               int64_t stride);
/* Pearson correlation matrix r (d, d) of the columns of x (n, d) and the
 * two-sided p-values p (d, d) of the t test with n - 2 degrees of freedom
 * (p may be NULL).  Constant columns give NaN (their diagonal too).  With
 * spearman = 1 the columns are replaced by their average ranks first and
 * the p-values are scipy.stats.spearmanr's. */
credo_status prep_corr(double *r, double *p, const double *x, int64_t n,
                       int64_t d, int spearman);

/* ---- sequences (prep_series.c) ---- */

/* Median of v (n >= 1); v is reordered. */
double prep_median_inplace(double *v, int64_t n);
/* Hampel identifier (Hampel 1974; Pearson 2002): for each i the median m
 * and MAD s = 1.4826 * median |x_j - m| of x over the window i-k .. i+k
 * (truncated at the ends).  flag[i] = |x_i - m| > t * s; out[i] = m where
 * flagged, x_i elsewhere.  med, scale (n) may be NULL. */
credo_status prep_hampel(double *out, int64_t *flag, double *med,
                         double *scale, const double *x, int64_t n, int64_t k,
                         double t);
/* Running median over the window i-h .. i+h (truncated at the ends):
 * out (n).  With mask non-NULL only the positions where mask != 0 are
 * replaced (the others copy x). */
credo_status prep_median_filter(double *out, const double *x,
                                const int64_t *mask, int64_t n, int64_t h);

/* Normal-Gamma prior for Bayesian online change-point detection. */
typedef struct PrepNG {
  double mu0, kappa0, alpha0, beta0;
} PrepNG;
/* Adams & MacKay (2007), "Bayesian online changepoint detection", with a
 * Normal-Gamma conjugate model (unknown mean and variance) and a constant
 * hazard h.  Run length r_t counts the points of the current segment up to
 * and including x_t (r_t = 1: x_t starts a segment).  Outputs (n each):
 * cp_prob[t] = P(r_t = 1 | x_1..t), run_map[t] = argmax_r P(r_t = r |
 * x_1..t); label[t] = segment number (0-based) of the MAP segmentation
 * (Viterbi over the run-length lattice); *log_evidence = log p(x_1..n).
 * max_run = 0: exact (O(n^2) time, O(n) memory); otherwise (>= 2) run lengths
 * are capped at max_run (an approximation: the two paths arriving in the
 * last state are merged, keeping the statistics of the likelier one). */
credo_status prep_bocpd(double *cp_prob, int64_t *run_map, int64_t *label,
                        double *log_evidence, const double *x, int64_t n,
                        double hazard, const PrepNG *prior, int64_t max_run);

/* ---- Isolation Forest (prep_iforest.c) ---- */

/* The trees of an isolation forest, (T, M) arrays with M = 2 * psi - 1
 * node slots per tree (node 0 is the root): feature (-1 at a leaf),
 * threshold (go left when x <= threshold), left/right child slots, size
 * (training samples that reached the node); n_nodes (T). */
typedef struct PrepForest {
  int64_t *feature, *left, *right, *size, *n_nodes;
  double *threshold;
  int64_t n_trees, max_nodes, psi, max_depth;
} PrepForest;
/* Liu, Ting & Zhou, "Isolation forest", ICDM 2008, as scikit-learn 1.2
 * builds it: tree t draws psi rows without replacement from stream t of
 * `seed` (and n_feat of the d features when n_feat < d), then splits each
 * node on a feature drawn uniformly among those not constant in the node,
 * at a threshold uniform in [min, max) of that feature in the node, until
 * one sample is left or depth max_depth = ceil(log2(psi)).  Trees are
 * built in parallel (OpenMP), each from its own stream. */
credo_status prep_iforest_fit(PrepForest *f, const double *x, int64_t n,
                              int64_t d, int64_t n_feat, uint64_t seed);
/* c(n) = 2 H(n-1) - 2 (n-1)/n, the average path length of an unsuccessful
 * BST search, with H(i) = ln i + Euler's gamma; c(1) = 0, c(2) = 1. */
double prep_iforest_c(double n);
/* score (n) = scikit-learn's score_samples: -2^(-E[h(x)] / c(psi)) with
 * h(x) = depth of x's leaf + c(size of the leaf). */
credo_status prep_iforest_score(double *score, const PrepForest *f,
                                const double *x, int64_t n, int64_t d);

/* ---- ReliefF (prep_relief.c) ---- */

/* Kononenko (1994) ReliefF weights w (d) of x (n, d), class labels y (n)
 * in 0..n_classes-1: features min-max normalised (a constant one gets
 * diff 0), Manhattan distance, k nearest hits and k nearest misses of
 * every other class (ties to the lower row), misses weighted by
 * P(C) / (1 - P(class)); instances `sample` (m rows) or all rows when
 * sample is NULL.  See docs/prep.md for the exact update. */
credo_status prep_relieff(double *w, const double *x, const int64_t *y,
                          int64_t n, int64_t d, int64_t n_classes, int64_t k,
                          const int64_t *sample, int64_t m);

/* ---- rows and crosses (prep_rows.c) ---- */

/* keep (n): 1 for the first occurrence of each distinct row of x (n, d),
 * 0 for later duplicates; NaN equals NaN, -0 equals 0 (pandas'
 * duplicated(keep="first")).  *n_keep gets the number of 1s. */
credo_status prep_unique_rows(int64_t *keep, int64_t *n_keep, const double *x,
                              int64_t n, int64_t d);

/* FNV-1a 64-bit (Fowler, Noll & Vo): offset basis 14695981039346656037,
 * prime 1099511628211; continues from state h. */
#define PREP_FNV_OFFSET 14695981039346656037ULL
uint64_t prep_fnv1a(uint64_t h, const void *data, size_t len);

/* A categorical column for prep_cross_hash: codes (n, stride 1, 1-based, 0
 * missing) and the level strings. */
typedef struct PrepCatCol {
  const int64_t *codes;
  const char *const *level;
  const size_t *level_len;
  int64_t n_levels;
} PrepCatCol;
/* out (n) = FNV-1a of level_1 0x1F level_2 0x1F ... level_k (the unit
 * separator byte between levels) mod n_buckets, 0-based; -1 where any
 * column is missing. */
credo_status prep_cross_hash(int64_t *out, const PrepCatCol *cols, int k,
                             int64_t n, uint64_t n_buckets);

#endif
