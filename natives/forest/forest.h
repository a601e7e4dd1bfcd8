/*
 * forest.h: CART classification trees, Random Forests and Extra Trees, the
 * pure C core.
 *
 * Trees are grown as scikit-learn 1.2 grows them (sklearn/tree/_tree.pyx
 * DepthFirstTreeBuilder, _splitter.pyx BestSplitter and RandomSplitter,
 * _criterion.pyx Gini and Entropy): depth first, left child first, node ids
 * in that (pre)order; a node is a leaf when it is too deep, has fewer rows
 * than min_samples_split or 2 * min_samples_leaf, less weight than
 * 2 * min_weight_leaf, or is pure; otherwise up to max_features features
 * are drawn at random without replacement (Fisher-Yates, skipping features
 * already known constant in an ancestor, and drawing past max_features
 * while every feature drawn so far was constant) and the best split among
 * them is kept when its weighted impurity decrease reaches
 * min_impurity_decrease.
 *
 *  - Best split (Breiman et al., "Classification and Regression Trees",
 *    1984): the node's values of a feature are sorted (LSD radix sort on
 *    the order-preserving integer image of the float32 value), every
 *    boundary between distinct values (values within 1e-7 count as equal,
 *    sklearn's FEATURE_THRESHOLD) is a candidate, the threshold is the
 *    midpoint of the two values (Xf[p-1]/2 + Xf[p]/2 in double).
 *  - Random split (Geurts, Ernst & Wehenkel, "Extremely randomized trees",
 *    Machine Learning 63, 2006): one threshold per feature drawn uniformly
 *    in [min, max) of the node's values.
 *
 * Features are float32, stored column-major (plus a row-major copy for
 * small nodes); a row goes left when (double)x <= threshold.  Each tree draws from its own stream
 * rng_stream(seed, tree index): the bootstrap first, then the splitter;
 * trees are built in parallel (OpenMP, one tree per task), so a forest is
 * bit-identical for any thread count.  Probabilities average the trees'
 * normalised leaf class weights in tree order.
 *
 * What it is not: no Lua (forest_lua.c checks every argument; this core
 * asserts), no regression trees, no missing values (sklearn 1.2 rejects
 * NaN; so does the binding), no best-first growth (max_leaf_nodes), no
 * cost-complexity pruning, no sparse input.
 */
#ifndef CREDO_FOREST_H
#define CREDO_FOREST_H

#include <stddef.h>
#include <stdint.h>

#include "../common/credo_core.h"

#define FOREST_FEATURE_THRESHOLD 1e-7 /* sklearn: values closer are equal */
#define FOREST_MAX_CLASSES 65536

typedef enum { FOREST_GINI = 0, FOREST_ENTROPY = 1 } forest_criterion;
typedef enum { FOREST_BEST = 0, FOREST_RANDOM = 1 } forest_splitter;

/* One node; ids are preorder positions in the tree.  A leaf has
 * feature == left == right == -1 and threshold 0. */
typedef struct ForestNode {
  double threshold;   /* go left when (double)x[feature] <= threshold */
  double impurity;    /* gini, or entropy in bits, of the node's weights */
  double weighted_n;  /* sum of the node's sample weights */
  int64_t n_samples;  /* distinct training rows (of positive weight) */
  int32_t feature;    /* 0 .. d-1, or -1 for a leaf */
  int32_t left, right;
  int32_t depth;
} ForestNode;

typedef struct ForestTree {
  int64_t n_nodes, cap;
  int k;              /* classes */
  ForestNode *nodes;  /* (n_nodes) */
  double *value;      /* (n_nodes, k) weighted class counts (sklearn value) */
} ForestTree;

typedef struct ForestParams {
  forest_criterion criterion;
  forest_splitter splitter;
  int n_trees;
  int max_depth;                /* < 0: unlimited */
  int64_t min_samples_split;    /* >= 2, already max(.., 2 min_samples_leaf) */
  int64_t min_samples_leaf;     /* >= 1 */
  double min_weight_fraction;   /* of each tree's total weight, [0, 0.5] */
  int max_features;             /* 1 .. d */
  double min_impurity_decrease; /* >= 0 */
  int bootstrap;                /* draw n_bootstrap rows with replacement */
  int64_t n_bootstrap;          /* >= 1 when bootstrap */
  int balanced_subsample;       /* class weights from each bootstrap */
  int oob;                      /* compute out-of-bag predictions */
  uint64_t seed;
  int n_threads;
} ForestParams;

/* The training data.  x is (d, n) column-major float32 (column j at
 * x + j * n), finite; xrow the same values row-major (n, d), read for
 * nodes holding under 1/16 of the rows, or NULL; y (n) in 0..k-1; w (n)
 * finite, >= 0 (the sample weights times the class weights) or NULL for
 * all ones. */
typedef struct ForestData {
  const float *x;
  const float *xrow;  /* (n, d) row-major copy, or NULL */
  const int32_t *y;
  const double *w;
  int64_t n;
  int d, k;
} ForestData;

typedef struct ForestModel {
  int n_trees, d, k;
  ForestTree *trees;   /* (n_trees) */
  /* out-of-bag results when ForestParams.oob (else NULL / NaN) */
  double *oob_proba;   /* (n, k): mean of the trees' probabilities over the
                          trees where the row was out of bag; 0 when never */
  int64_t oob_n;       /* rows of oob_proba */
  int64_t oob_missing; /* rows never out of bag */
  double oob_score;    /* accuracy of argmax(oob_proba) against y */
} ForestModel;

/* ---- fitting ---- */

/* Grow p->n_trees trees into m (zeroed by the caller; freed with
 * forest_model_free on success and on failure).  Returns CREDO_ENOMEM,
 * CREDO_EINTR or CREDO_OK. */
credo_status forest_fit(ForestModel *m, const ForestData *data,
                        const ForestParams *p);
void forest_model_free(ForestModel *m);

/* One tree on rows/weights already chosen: rows (m0) the distinct rows
 * with positive weight, in increasing order; w (n) their weights (NULL:
 * ones).  rng draws the features and thresholds.  The tree is reset
 * first.  Exposed for tests. */
struct Rng;
credo_status forest_tree_grow(ForestTree *t, const ForestData *data,
                              const int32_t *rows, int64_t m0, const double *w,
                              const ForestParams *p, struct Rng *rng);
void forest_tree_free(ForestTree *t);
/* Allocate a tree of n_nodes nodes (contents zero) for k classes. */
credo_status forest_tree_alloc(ForestTree *t, int64_t n_nodes, int k);

/* ---- prediction ---- */

/* The leaf row x reaches; x (d) with stride cs. */
int64_t forest_tree_apply(const ForestTree *t, const float *x, int64_t cs);

/* out (n, k) = mean over trees of value[leaf] / sum(value[leaf]) (a zero
 * sum counts as 1, as sklearn), summed in tree order.  x (n, d) float32,
 * element (i, j) at x[i * rs + j * cs].  Rows in parallel; polls the
 * interrupt flag. */
credo_status forest_predict_proba(double *out, const ForestModel *m,
                                  const float *x, int64_t n, int64_t rs,
                                  int64_t cs, int n_threads);
/* out (n, n_trees) = the 0-based leaf of each row in each tree. */
credo_status forest_apply(int64_t *out, const ForestModel *m, const float *x,
                          int64_t n, int64_t rs, int64_t cs, int n_threads);

/* out (d) = impurity-based importances (mean decrease in impurity,
 * Breiman 2001 / sklearn feature_importances_): per tree, the sum over
 * split nodes of wn * imp - wn_l * imp_l - wn_r * imp_r by feature, divided
 * by the root's weight and normalised to sum 1; then the mean over trees
 * with more than one node, normalised to sum 1 (all zero when no tree
 * split).  scratch (d). */
void forest_importances(double *out, double *scratch, const ForestModel *m);
/* The same for one tree (normalised; zero when it has no split). */
void forest_tree_importances(double *out, const ForestTree *t, int d);

/* ---- criteria (sklearn _criterion.pyx), exposed for tests ---- */

/* Impurity of class weights s (k) with total wn. */
double forest_impurity(forest_criterion c, const double *s, int k, double wn);

/* ---- sorting ---- */

/* Order-preserving map of a float to uint32 (-0.0 below +0.0). */
static inline uint32_t forest_float_key(float v) {
  union { float f; uint32_t u; } c;
  c.f = v;
  return (c.u & 0x80000000u) ? ~c.u : (c.u | 0x80000000u);
}
static inline float forest_key_float(uint32_t k) {
  union { float f; uint32_t u; } c;
  c.u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
  return c.f;
}
/* Sort keys (n) into increasing order of the whole 64-bit word, tmp (n)
 * scratch: insertion sort below 16 keys, quicksort below 512, else an LSD
 * radix sort of the top 32 bits (8-bit digits, passes whose digit is
 * constant skipped; Knuth TAOCP 5.2.5), which is stable, so for keys whose
 * low words increase in input order every path gives the stable sort by
 * the top word. */
void forest_sort_keys(uint64_t *keys, uint64_t *tmp, int64_t n);
/* Reference twin: stable merge sort by the top 32 bits. */
void forest_sort_keys_ref(uint64_t *keys, uint64_t *tmp, int64_t n);

#endif
