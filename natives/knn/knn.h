/*
 * knn.h: k-nearest-neighbour search, the pure C core (no Lua; the binding is
 * knn_lua.c, the classifier stdlib/credo/neighbors.lua, the reference
 * docs/neighbors.md).
 *
 * Two exact searches for the k training rows nearest to each query row:
 *   - brute force: Euclidean distances from BLAS, as
 *     |q - x|^2 = |q|^2 + |x|^2 - 2 q.x (the q.x block a GEMM), blocked
 *     over query rows and training rows so memory stays bounded, with a
 *     bounded max-heap of the k best per query; Manhattan by a direct
 *     blocked loop;
 *   - a k-d tree (Bentley, "Multidimensional binary search trees used for
 *     associative searching", CACM 1975; Friedman, Bentley & Finkel, "An
 *     algorithm for finding best matches in logarithmic expected time",
 *     ACM TOMS 1977): median splits on the widest dimension, leaves of at
 *     most leaf_size rows, depth-first search with the nearer child first
 *     and pruning by the distance from the query to a node's bounding box.
 *
 * Ties: among training rows at the same computed distance, the lower
 * training index comes first (both searches order candidates by the pair
 * (distance, index)).  The distances returned are recomputed directly in
 * double for the k winners (sqrt for Euclidean), and the winners re-sorted
 * by (distance, index), so brute force and the tree report the same values.
 *
 * Threads: OpenMP over fixed blocks of query rows; each query's result
 * depends only on the data, so the bits do not change with the thread
 * count.  Interrupt: polled once per query block (CREDO_EINTR).
 *
 * What it is not: no argument checking (the binding does it), no
 * approximate search, no ball tree, no radius queries, no sparse data.
 */
#ifndef CREDO_KNN_H
#define CREDO_KNN_H

#include <stdint.h>

#include "../common/credo_core.h"

typedef enum { KNN_EUCLIDEAN = 0, KNN_MANHATTAN = 1 } KnnMetric;

/* A k-d tree over n rows of d features (built by knn_tree_build). */
typedef struct {
  int64_t n;
  int d;
  int leaf_size;
  int n_nodes;
  double *x;        /* (n, d) the rows in tree order */
  int64_t *perm;    /* (n) original 0-based index of each row of x */
  int64_t *start;   /* (n_nodes) first row of the node in x */
  int64_t *end;     /* (n_nodes) one past its last row */
  int *left;        /* (n_nodes) child nodes, -1 at a leaf */
  int *right;
  double *lo;       /* (n_nodes, d) bounding box of the node's rows */
  double *hi;
} KnnTree;

/* Brute force, Euclidean.  x is (n, d) training rows, q is (m, d) queries,
 * both row-major contiguous; dist is (m, k) (ascending), idx is (m, k)
 * 0-based training indices.  1 <= k <= n.  The _f32 variant runs the GEMM
 * in float32 (ranking on float32 products; distances returned in double).
 * CREDO_ENOMEM, CREDO_EINTR. */
credo_status knn_brute_euclidean_f32(double *dist, int64_t *idx, const float *x,
                                     const float *q, int64_t n, int64_t m, int d,
                                     int k);
credo_status knn_brute_euclidean_f64(double *dist, int64_t *idx, const double *x,
                                     const double *q, int64_t n, int64_t m, int d,
                                     int k);
/* Brute force, Manhattan (direct sums, blocked).  Shapes as above. */
credo_status knn_brute_manhattan_f64(double *dist, int64_t *idx, const double *x,
                                     const double *q, int64_t n, int64_t m, int d,
                                     int k);
/* The slow twin: every distance computed directly, a full sort by
 * (distance, index) per query.  For tests. */
credo_status knn_brute_ref_f64(double *dist, int64_t *idx, const double *x,
                               const double *q, int64_t n, int64_t m, int d,
                               int k, KnnMetric metric);

/* Build a k-d tree over x (n, d) (copied; x may be freed afterwards).
 * leaf_size >= 1.  On failure the tree is left empty.  CREDO_ENOMEM. */
credo_status knn_tree_build(KnnTree *t, const double *x, int64_t n, int d,
                            int leaf_size);
/* Free what knn_tree_build allocated; safe on a zeroed or freed tree. */
void knn_tree_free(KnnTree *t);
/* Search the tree: q is (m, d); dist, idx (m, k) as knn_brute_*; 1 <= k <= n.
 * CREDO_ENOMEM, CREDO_EINTR. */
credo_status knn_tree_query(double *dist, int64_t *idx, const KnnTree *t,
                            const double *q, int64_t m, int k, KnnMetric metric);

/* Class probabilities from the neighbours: proba is (m, n_classes), dist and
 * idx (m, k) as returned above, y (n) the training labels 0..n_classes-1.
 * Uniform weights: the share of the k neighbours in each class.  Distance
 * weights (distance_weights != 0): weight 1/dist, except that a query with
 * any neighbour at distance 0 counts only those (weight 1 each), as
 * scikit-learn's _get_weights; each row is divided by its total weight. */
void knn_vote(double *proba, const double *dist, const int64_t *idx,
              const int64_t *y, int64_t m, int k, int n_classes,
              int distance_weights);

#endif
