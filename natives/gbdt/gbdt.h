/*
 * gbdt.h: histogram gradient-boosted decision trees, the pure C core.
 *
 * Second-order boosting (Chen & Guestrin, "XGBoost: A Scalable Tree Boosting
 * System", KDD 2016) on quantile-binned features (Ke et al., "LightGBM",
 * NIPS 2017, section 2.2): every feature is cut into at most 255 value bins
 * plus one bin for missing values (NaN); trees grow from histograms of
 * gradient and hessian sums, the larger child's histogram is the parent's
 * minus the smaller child's.  Growth is depth-wise, level by level, with the
 * split rules of XGBoost 1.7's `hist` updater, so that on data with fewer
 * distinct values per feature than bins the trees equal XGBoost's (see
 * docs/gbdt.md for the exact correspondence and the few differences).
 *
 * Layout.  The bin matrix holds one 8-bit code per (row, feature), in groups
 * of four features: group k is an (n) array of 32-bit words, one per row
 * holding its four codes (row-major inside a group, column-major across
 * groups), so one load gives a row's four codes, and a histogram task (one
 * node, one group) keeps its four per-feature histograms (at most 16 KB) in
 * L1 while streaming one word per row.  That suits nodes holding many rows.
 * Deep nodes hold few rows spread over the whole matrix; they read a second,
 * row-major copy of the codes (one cache line per row instead of one per
 * row and group).  Gradients travel with the rows ("ordered gradients"):
 * when a node's rows are partitioned, their (g, h) pairs are moved along,
 * so a histogram pass reads them sequentially.
 *
 * Reproducibility.  Histograms are built per (node, feature group or all
 * features, fixed block of 65536 rows) and block partials are summed in
 * block order; each entry sums its rows in node order whichever layout is
 * read; split search walks features in ascending order; partitions are
 * stable: the trees are bit-identical for any thread count.  Randomness (row and
 * column subsampling) comes from rng_stream(seed, tree index).
 *
 * What it is not: no Lua (see gbdt_lua.c), no argument checking (the
 * binding checks shapes, NaN labels and hyperparameter ranges; the core
 * asserts them), no multiclass objectives, no categorical splits (categorical
 * columns become ordered target statistics first, gbdt_cat.c).  Three growth
 * policies share the histograms and the row partitions: depth-wise
 * (XGBoost), leaf-wise best-first (LightGBM: split rules of its serial tree
 * learner, feature_histogram.hpp) and oblivious symmetric trees (CatBoost:
 * one split per level, summed Newton-L2 score).
 */
#ifndef CREDO_GBDT_H
#define CREDO_GBDT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/credo_core.h"

#define GBDT_MAX_BIN 255        /* value bins per feature; code 255 max */
#define GBDT_BLOCK 65536        /* rows per histogram / partition block */
#define GBDT_ROWS_MAX_D 64      /* widest data that gets row-major codes */
#define GBDT_BIN_SAMPLE 262144  /* rows the cuts come from, at most */
#define GBDT_BIN_SEED 0x6764627462696eULL /* seed of that sample */
#define GBDT_MAX_METRICS 4
#define GBDT_RT_EPS 1e-6f       /* XGBoost's kRtEps: smallest useful gain */

typedef enum { GBDT_OBJ_LOGISTIC = 0, GBDT_OBJ_SQUARED = 1 } gbdt_objective;

typedef enum {
  GBDT_METRIC_LOGLOSS = 0,
  GBDT_METRIC_AUC = 1,
  GBDT_METRIC_ERROR = 2,
  GBDT_METRIC_RMSE = 3
} gbdt_metric;

/* A float32 matrix view: element (i, j) is x[i * rs + j * cs]. */
typedef struct GbdtMatrix {
  const float *x;
  int64_t n, d;
  int64_t rs, cs;
} GbdtMatrix;

/* ---- binning ---- */

typedef struct GbdtBins {
  int64_t n;          /* rows */
  int d;              /* features */
  int ngroups;        /* ceil(d / 4) */
  uint32_t *codes;    /* (ngroups, n): word (j/4) * n + i holds the codes
                         of row i, features 4(j/4) .. +3, feature j in bits
                         8 (j%4) .. +7; padding lanes are 0 */
  uint8_t *rows;      /* (n, d) the same codes row-major, for histograms of
                         sparse nodes (one cache line per row); NULL when
                         d > GBDT_ROWS_MAX_D */
  int *nbins;         /* (d) value bins of feature j, 0..GBDT_MAX_BIN; code
                         nbins[j] is the missing bin */
  int64_t *cut_ptr;   /* (d+1) feature j's thresholds are
                         cuts[cut_ptr[j] .. cut_ptr[j+1]), nbins[j]-1 of them */
  float *cuts;        /* strictly increasing per feature; code(x) = number of
                         thresholds <= x, so x < cuts[b] <=> code <= b */
  int64_t *hoff;      /* (d+1) histogram entries of feature j start at
                         hoff[j]; nbins[j]+1 of them (the last is missing) */
} GbdtBins;

/* Thresholds for one feature from its m non-missing values sorted
 * ascending.  With k distinct values and k <= max_bin: one bin per value,
 * thresholds at the midpoints (rounded to float; if the midpoint rounds down
 * onto the lower value, the upper value).  With k > max_bin: greedy equal
 * frequency over the distinct values, closing a bin where its count comes
 * closest to (rows left) / (bins left), so a value never straddles two bins
 * and a heavy value gets its own bin.  Writes nb - 1 thresholds to cuts
 * (room for max_bin - 1) and returns nb (0 when m == 0). */
int gbdt_cuts_from_sorted(float *cuts, const float *sorted, int64_t m,
                          int max_bin);

/* Code of row i, feature j. */
static inline int gbdt_code(const GbdtBins *b, int64_t i, int j) {
  return (int)((b->codes[(int64_t)(j >> 2) * b->n + i] >> (8 * (j & 3))) & 255u);
}

/* Code of value x against a feature's ncuts thresholds: the missing code
 * ncuts + 1 for NaN, else the number of thresholds <= x. */
static inline int gbdt_bin_value(const float *cuts, int ncuts, float x) {
  if (x != x) return ncuts + 1;
  int lo = 0, len = ncuts;
  while (len > 0) {                  /* upper_bound */
    int half = len >> 1;
    if (cuts[lo + half] <= x) { lo += half + 1; len -= half + 1; }
    else len = half;
  }
  return lo;
}

/* malloc for the large arrays (codes, row indices, gradients): 2 MB
 * aligned and advised for transparent huge pages when at least 2 MB, so the
 * random row gathers of deep nodes do not also miss the TLB.  Free with
 * free(). */
void *gbdt_alloc_big(size_t n);

/* Quantile-bin X (n, d), NaN = missing, no infinities (the caller checks).
 * Cuts from the exact sorted values (LSD radix sort) of every row when
 * n <= GBDT_BIN_SAMPLE, else of a uniform sample of GBDT_BIN_SAMPLE rows
 * drawn with a fixed seed (as LightGBM's bin_construct_sample_cnt); then
 * the codes of every row.  On failure *b is left empty (safe to free). */
credo_status gbdt_bins_build(GbdtBins *b, const GbdtMatrix *X, int max_bin,
                             int n_threads);
void gbdt_bins_free(GbdtBins *b);

/* ---- histograms ---- */

/* One histogram entry: sums of gradients and hessians. */
typedef struct GbdtGH {
  double g, h;
} GbdtGH;

/* hist (entries of the features of group `grp` listed in mask: bit l set =
 * lane l, feature 4*grp+l) += the rows idx[0..m) (or rows first..first+m
 * when idx is NULL), whose gradient pairs are gh (m, 2) in the same order.
 * hist is a whole-node histogram (b->hoff layout). */
void gbdt_hist_group(GbdtGH *hist, const GbdtBins *b, int grp, unsigned mask,
                     const uint32_t *idx, int64_t first, const float *gh,
                     int64_t m);
/* hist (entries of the nfeat features feats, any order) += m rows of
 * row-major codes (stride bytes apart) with gradient pairs gh (m, 2): row i
 * is rows + idx[i] * stride (rows = b->rows, stride d: the rows of a node
 * spread thin, one cache line per row), or rows + i * stride when idx is
 * NULL (codes already in node order).  Each entry receives its rows in
 * order, as gbdt_hist_group. */
void gbdt_hist_rows(GbdtGH *hist, const GbdtBins *b, const int *feats,
                    int nfeat, const uint8_t *rows, int64_t stride,
                    const uint32_t *idx, const float *gh, int64_t m);
/* Reference twin: the same sums, one feature at a time, plain loops. */
void gbdt_hist_group_ref(GbdtGH *hist, const GbdtBins *b, int grp,
                         unsigned mask, const uint32_t *idx, int64_t first,
                         const float *gh, int64_t m);
/* out[i] = parent[i] - child[i] for i in [lo, hi) (the larger child from
 * the parent and the smaller one); out may alias parent. */
void gbdt_hist_subtract(GbdtGH *out, const GbdtGH *parent,
                        const GbdtGH *child, int64_t lo, int64_t hi);

/* ---- split finding (XGBoost 1.7 hist, src/tree/hist/evaluate_splits.h) ---- */

typedef enum {
  GBDT_GROW_DEPTHWISE = 0,  /* level by level, XGBoost 1.7 hist */
  GBDT_GROW_LEAFWISE = 1,   /* best leaf first, LightGBM 4 */
  GBDT_GROW_OBLIVIOUS = 2   /* one shared split per level, CatBoost */
} gbdt_growth;

typedef struct GbdtTreeParams {
  int max_depth;            /* >= 1; leaf-wise: <= 0 means no limit */
  int max_leaves;           /* 0: no limit */
  float learning_rate;      /* eta, > 0 (float, as XGBoost stores it) */
  float reg_lambda;         /* L2 on leaf weights, >= 0 */
  float reg_alpha;          /* L1 on leaf weights, >= 0 */
  float gamma;              /* min_split_loss, >= 0 */
  float min_child_weight;   /* min hessian sum per child, >= 0 */
  gbdt_growth growth;
  int min_child_samples;    /* leaf-wise: min rows per child (LightGBM's
                               min_data_in_leaf, counted as it does from
                               hessians); 0 = none */
} GbdtTreeParams;

/* Soft threshold T_alpha(G) = sign(G) max(|G| - alpha, 0). */
double gbdt_threshold_l1(double g, double alpha);
/* Leaf weight -T_alpha(G) / (H + lambda), as float; 0 when H < min_child_weight
 * or H <= 0. */
float gbdt_leaf_weight(const GbdtTreeParams *p, double G, double H);
/* Structure score of one side, T_alpha(G)^2 / (H + lambda), as float; 0 when
 * H <= 0.  The split's loss change is score(L) + score(R) - score(parent),
 * the paper's gain without its factor 1/2, compared with gamma as XGBoost
 * does (docs/gbdt.md). */
float gbdt_side_score(const GbdtTreeParams *p, double G, double H);

typedef struct GbdtSplit {
  float loss_chg;     /* > 0 when a split was found, else 0 */
  int feature;        /* 0-based */
  int bin;            /* left iff code <= bin (-1 .. nbins-1), or missing and
                         default_left */
  int default_left;
  float threshold;    /* x < threshold goes left (+-inf at the ends) */
  double GL, HL, GR, HR;
} GbdtSplit;

/* Best split of a node with sums (G, H) over the listed features (ascending)
 * from its histogram.  Forward scan (missing right) for every feature;
 * backward scan (missing left) when the missing bin holds hessian.  Ties
 * keep the first candidate, so the lowest feature wins (XGBoost's
 * SplitEntry::NeedReplace). */
void gbdt_split_find(GbdtSplit *best, const GbdtGH *hist, const GbdtBins *b,
                     const int *feats, int nfeat, double G, double H,
                     const GbdtTreeParams *p);

/* Leaf-wise (LightGBM 4, feature_histogram.hpp FindBestThresholdSequentially)
 * best split of a node of n rows with sums (G, H): in double, gain =
 * score(L) + score(R) with score = T_alpha(G)^2 / (H + lambda); a candidate
 * needs gain > score(parent) + gamma, children with hessian >= min_child_weight
 * and >= min_child_samples rows, a child's rows estimated from its hessian as
 * LightGBM does (round(h * n / H) per bin).  Reverse scan first (missing
 * left; ties keep the higher threshold), then a forward scan (missing right)
 * when the node has missing values.  best->loss_chg = gain - score(parent)
 * - gamma (> 0 when found).  splittable (d, or NULL): on entry, features
 * flagged 0 are skipped; on exit, flag j = feature j had a candidate with
 * gain > score(parent) + gamma (LightGBM's is_splittable, which its tree
 * learner passes from a leaf to its children). */
void gbdt_split_find_leafwise(GbdtSplit *best, uint8_t *splittable,
                              const GbdtGH *hist, const GbdtBins *b,
                              const int *feats, int nfeat, double G, double H,
                              int64_t n, const GbdtTreeParams *p);

/* Oblivious (CatBoost style) split shared by the k nodes of one level,
 * hists[i] the histogram of node i with sums G[i], H[i]: the (feature, bin,
 * missing direction) maximising the summed Newton-L2 gain
 * sum_i score(L_i) + score(R_i) - score(i), score = T_alpha(G)^2 /
 * (H + lambda), in double, features ascending, ties keep the first.
 * best->loss_chg = the summed gain (0 when none is positive); GL..HR are
 * left unset (they differ per node).  scratch holds 2k doubles. */
void gbdt_split_find_oblivious(GbdtSplit *best, GbdtGH *const *hists,
                               const double *G, const double *H, int k,
                               const GbdtBins *b, const int *feats, int nfeat,
                               const GbdtTreeParams *p, double *scratch);

/* ---- categorical features: ordered target statistics ---- */

/* CatBoost's ordered target statistic of one categorical column (Prokhorenkova
 * et al., "CatBoost: unbiased boosting with categorical features", NeurIPS
 * 2018, section 3.2): rows visited in a random permutation drawn from seed,
 * each row's value (sum of y over the earlier rows of its category + a *
 * prior) / (earlier rows of the category + a).  x (n) with stride xs holds
 * the category codes (any float; NaN is a category of its own); train (n)
 * receives the statistics; levels (nlev, ascending, NaN last) and stats
 * (nlev) the full-data statistic of every category, for prediction;
 * *nlev <= n.  levels and stats need room for n values.  CREDO_ENOMEM on
 * failure. */
credo_status gbdt_cat_fit(float *train, float *levels, float *stats, int64_t *nlev,
                          const float *x, int64_t xs, const float *y, int64_t n,
                          double prior, double a, uint64_t seed);
/* out (n) = the statistic of x's category (stride xs) from levels/stats
 * (nlev), or prior for a category not seen in training. */
void gbdt_cat_apply(float *out, const float *x, int64_t xs, int64_t n,
                    const float *levels, const float *stats, int64_t nlev,
                    float prior);

/* ---- models ---- */

typedef struct GbdtNode {
  int32_t feature;      /* 0-based; -1 for a leaf */
  int32_t left, right;  /* tree-local child indices (> this node) */
  float threshold;      /* x < threshold goes left; NaN goes default */
  float value;          /* leaf value (learning rate applied); for an
                           internal node, the value it would have as a leaf */
  float gain;           /* loss change of the split (0 for a leaf) */
  float cover;          /* hessian sum of the node's training rows */
  uint8_t default_left;
} GbdtNode;

typedef struct GbdtModel {
  int n_features;
  gbdt_objective objective;
  float base_margin;       /* logit(base_score) or base_score */
  int n_trees;
  int64_t *tree_ptr;       /* (n_trees + 1) node offsets */
  GbdtNode *nodes;         /* (tree_ptr[n_trees]) */
  int64_t node_cap;
  /* training record (empty for a model rebuilt for prediction) */
  int best_iteration;      /* trees kept = best round (1-based) */
  double best_score;
  int n_rounds;            /* rounds evaluated */
  int n_evals, n_metrics;
  gbdt_metric metrics[GBDT_MAX_METRICS];
  double *history;         /* (n_rounds, n_evals, n_metrics) */
} GbdtModel;

typedef struct GbdtParams {
  GbdtTreeParams tree;
  gbdt_objective objective;
  int n_estimators;
  int max_bin;                 /* 2..GBDT_MAX_BIN */
  double subsample;            /* (0, 1] rows per tree, Bernoulli */
  double colsample_bytree;     /* (0, 1] features per tree */
  double base_score;           /* probability (logistic) or value */
  float scale_pos_weight;      /* weight multiplier of positive rows */
  uint64_t seed;
  int early_stopping_rounds;   /* 0: off; else on the last metric of the
                                  last eval set */
  int n_metrics;               /* metrics evaluated on every eval set */
  gbdt_metric metrics[GBDT_MAX_METRICS];
  int n_threads;
} GbdtParams;

typedef struct GbdtEval {
  GbdtMatrix X;
  const float *y;              /* (X.n) */
} GbdtEval;

/* Train.  X (n, d) NaN = missing, no infinities; y (n) in {0, 1} for the
 * logistic objective, finite otherwise; w (n) finite >= 0 with a positive
 * sum, or NULL.  Each eval set is (n_e, d).  On success *m holds the trees
 * (cut at the best round when early stopping ran) and the eval history;
 * on failure *m is empty.  Polls credo_interrupted between levels. */
credo_status gbdt_fit(GbdtModel *m, const GbdtParams *p, const GbdtMatrix *X,
                      const float *y, const float *w, const GbdtEval *evals,
                      int n_evals);
void gbdt_model_free(GbdtModel *m);

/* Append an empty tree / a node to m (used by gbdt_fit and by the binding
 * when rebuilding a model from its state).  CREDO_ENOMEM on failure. */
credo_status gbdt_model_add_tree(GbdtModel *m, const GbdtNode *nodes,
                                 int64_t nnodes);

/* out (n) = base margin + the first ntrees trees on X (n, d), d >= the
 * model's features; accumulated in float, tree by tree, as XGBoost's CPU
 * predictor does. */
void gbdt_predict_margin(float *out, const GbdtModel *m, int ntrees,
                         const GbdtMatrix *X, int n_threads);
/* out (n) += tree t on X. */
void gbdt_predict_tree_add(float *out, const GbdtModel *m, int t,
                           const GbdtMatrix *X, int n_threads);

/* Metric of margins against labels (double).  logloss and error take the
 * sigmoid of the margin; auc ranks margins (ties share their average rank);
 * rmse compares the margin (squared error) or the probability.
 * CREDO_ENOMEM when auc scratch fails. */
credo_status gbdt_eval_metric(double *out, gbdt_metric k, gbdt_objective obj,
                              const float *margin, const float *y, int64_t n);
/* 1 when a larger value of metric k is better. */
int gbdt_metric_maximize(gbdt_metric k);

/* Feature importance over the first ntrees trees: kind 0 = split count,
 * 1 = total gain, 2 = total cover.  out (d) is overwritten. */
void gbdt_importance(double *out, const GbdtModel *m, int ntrees, int kind);

/* Sigmoid as XGBoost 1.7 computes it (common::Sigmoid, in float). */
static inline float gbdt_sigmoid(float x) {
  float e = expf(x > -88.7f ? -x : 88.7f);
  return 1.0f / (e + 1.0f);
}

#endif
