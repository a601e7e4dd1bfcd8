/*
 * forest_tree.c: growing one CART classification tree (forest.h), as
 * scikit-learn 1.2's DepthFirstTreeBuilder with its BestSplitter or
 * RandomSplitter and its Gini or Entropy criterion.
 *
 * The node's rows live in three arrays partitioned in place (row index,
 * class, weight), kept in increasing row order inside every node (stable
 * partitions), so gathering a feature's values for a node reads its column
 * forward.  What it is not: not a regression tree, not a best-first
 * builder; the weights are trusted (finite, >= 0).
 */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../random/rng.h"
#include "forest.h"
#include "forest_internal.h"

/* ---- criteria (sklearn _criterion.pyx; entropy in bits, computed as
 * log(p) / log(2.0) as sklearn's _utils.log does) ---- */

static const double LN2 = 0.6931471805599453; /* log(2.0) */

double forest_impurity(forest_criterion c, const double *s, int k, double wn) {
  if (c == FOREST_GINI) {
    double sq = 0.0;
    for (int j = 0; j < k; j++) sq += s[j] * s[j];
    return 1.0 - sq / (wn * wn);
  }
  double e = 0.0;
  for (int j = 0; j < k; j++) {
    double p = s[j];
    if (p > 0.0) {
      p /= wn;
      e -= p * (log(p) / LN2);
    }
  }
  return e;
}

/* Gini of the left (sl, wl) and right (st - sl, wn - wl) children. */
static inline void gini_children(const double *st, const double *sl, int k,
                                 double wl, double wr, double *il, double *ir) {
  double ql = 0.0, qr = 0.0;
  for (int j = 0; j < k; j++) {
    double a = sl[j], b = st[j] - sl[j];
    ql += a * a;
    qr += b * b;
  }
  *il = 1.0 - ql / (wl * wl);
  *ir = 1.0 - qr / (wr * wr);
}

static inline void entropy_children(const double *st, const double *sl, int k,
                                    double wl, double wr, double *il,
                                    double *ir) {
  double el = 0.0, er = 0.0;
  for (int j = 0; j < k; j++) {
    double a = sl[j], b = st[j] - sl[j];
    if (a > 0.0) {
      a /= wl;
      el -= a * (log(a) / LN2);
    }
    if (b > 0.0) {
      b /= wr;
      er -= b * (log(b) / LN2);
    }
  }
  *il = el;
  *ir = er;
}

static inline void children_impurity(forest_criterion c, const double *st,
                                     const double *sl, int k, double wl,
                                     double wr, double *il, double *ir) {
  if (c == FOREST_GINI) gini_children(st, sl, k, wl, wr, il, ir);
  else entropy_children(st, sl, k, wl, wr, il, ir);
}

/* sklearn's proxy_impurity_improvement: -wr * imp_r - wl * imp_l, the part
 * of the impurity decrease that differs between splits of one node. */
static inline double proxy_improvement(forest_criterion c, const double *st,
                                       const double *sl, int k, double wl,
                                       double wr) {
  double il, ir;
  children_impurity(c, st, sl, k, wl, wr, &il, &ir);
  return -wr * ir - wl * il;
}

/* ---- work space ---- */

void forest_work_free(ForestWork *W) {
  free(W->idx);
  free(W->lab);
  free(W->wt);
  free(W->tidx);
  free(W->tlab);
  free(W->twt);
  free(W->xf);
  free(W->xbest);
  free(W->keys);
  free(W->ktmp);
  free(W->features);
  free(W->constant);
  free(W->sums);
  free(W->isums);
  free(W->stack);
  memset(W, 0, sizeof *W);
}

credo_status forest_work_alloc(ForestWork *W, int64_t n, int d, int k) {
  memset(W, 0, sizeof *W);
  size_t N = (size_t)(n > 0 ? n : 1);
  W->idx = malloc(N * sizeof *W->idx);
  W->lab = malloc(N * sizeof *W->lab);
  W->wt = malloc(N * sizeof *W->wt);
  W->tidx = malloc(N * sizeof *W->tidx);
  W->tlab = malloc(N * sizeof *W->tlab);
  W->twt = malloc(N * sizeof *W->twt);
  W->xf = malloc(N * sizeof *W->xf);
  W->xbest = malloc(N * sizeof *W->xbest);
  W->keys = malloc(N * sizeof *W->keys);
  W->ktmp = malloc(N * sizeof *W->ktmp);
  W->features = malloc((size_t)d * sizeof *W->features);
  W->constant = malloc((size_t)d * sizeof *W->constant);
  W->sums = malloc((size_t)k * 3 * sizeof *W->sums);
  W->isums = malloc((size_t)k * sizeof *W->isums);
  W->stack_cap = 64;
  W->stack = malloc((size_t)W->stack_cap * sizeof *W->stack);
  if (!W->idx || !W->lab || !W->wt || !W->tidx || !W->tlab || !W->twt ||
      !W->xf || !W->xbest || !W->keys || !W->ktmp || !W->features ||
      !W->constant || !W->sums || !W->isums || !W->stack) {
    forest_work_free(W);
    return CREDO_ENOMEM;
  }
  W->n = n;
  W->d = d;
  W->k = k;
  return CREDO_OK;
}

/* ---- tree storage ---- */

void forest_tree_free(ForestTree *t) {
  free(t->nodes);
  free(t->value);
  memset(t, 0, sizeof *t);
}

credo_status forest_tree_alloc(ForestTree *t, int64_t n_nodes, int k) {
  memset(t, 0, sizeof *t);
  int64_t cap = n_nodes > 0 ? n_nodes : 1;
  t->nodes = calloc((size_t)cap, sizeof *t->nodes);
  t->value = calloc((size_t)cap * (size_t)k, sizeof *t->value);
  if (!t->nodes || !t->value) {
    forest_tree_free(t);
    return CREDO_ENOMEM;
  }
  t->cap = cap;
  t->n_nodes = n_nodes;
  t->k = k;
  return CREDO_OK;
}

/* Append a node; returns its id or -1 when out of memory. */
static int64_t add_node(ForestTree *t) {
  if (t->n_nodes == t->cap) {
    int64_t cap = t->cap * 2;
    ForestNode *nodes = realloc(t->nodes, (size_t)cap * sizeof *nodes);
    if (!nodes) return -1;
    t->nodes = nodes;
    double *value = realloc(t->value, (size_t)cap * (size_t)t->k * sizeof *value);
    if (!value) return -1;
    t->value = value;
    t->cap = cap;
  }
  return t->n_nodes++;
}

/* ---- split search ---- */

#define PREFETCH 16
#ifndef ROW_GATHER_RATIO
#define ROW_GATHER_RATIO 16
#endif

typedef struct Split {
  int64_t pos;        /* rows start..pos-1 go left; end: no split found */
  int feature;
  double threshold;
  double wl;          /* weight of the left child */
  double improvement; /* weighted impurity decrease (sklearn) */
  double imp_left, imp_right;
} Split;

typedef struct NodeCtx {
  const ForestData *D;
  const ForestParams *P;
  Rng *rng;
  int64_t start, end;
  double wn, wN;          /* node weight, tree weight */
  double min_weight_leaf;
  const double *st;       /* (k) node class weights */
} NodeCtx;

/* Gather column f of the node's rows into xf (node order); min and max. */
static void gather(float *xf, const float *col, const int32_t *idx, int64_t m,
                   float *mn, float *mx) {
  float lo = col[idx[0]], hi = lo;
  xf[0] = lo;
  for (int64_t p = 1; p < m; p++) {
    float v = col[idx[p]];
    xf[p] = v;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  *mn = lo;
  *mx = hi;
}

/* The same from the row-major copy: x[idx[p] * d]. */
static void gather_rows(float *xf, const float *x, int64_t d, const int32_t *idx,
                        int64_t m, float *mn, float *mx) {
  float lo = x[idx[0] * d], hi = lo;
  xf[0] = lo;
  for (int64_t p = 1; p < m; p++) {
    if (p + PREFETCH < m) __builtin_prefetch(x + idx[p + PREFETCH] * d);
    float v = x[idx[p] * d];
    xf[p] = v;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  *mn = lo;
  *mx = hi;
}

/* Record a new best split at a boundary of the sorted values: vp the last
 * value on the left, vn the first on the right, q rows on the left with
 * class weights sl (k) summing to wl.  Rare, so kept out of the scans. */
static void record(const NodeCtx *C, int k, int f, int64_t q, double vp,
                   double vn, const double *sl, double wl, Split *best,
                   double *best_left) {
  double thr = vp / 2.0 + vn / 2.0;
  if (thr == vn || thr == INFINITY || thr == -INFINITY) thr = vp;
  best->pos = C->start + q;
  best->feature = f;
  best->threshold = thr;
  best->wl = wl;
  memcpy(best_left, sl, (size_t)k * sizeof *sl);
}

/* The candidate at a boundary: skipped when a child is too light, kept
 * when it beats the best so far (sklearn's strict ">": the first of equal
 * candidates wins). */
static inline int consider(const NodeCtx *C, int k, int f, int64_t q, double vp,
                           double vn, const double *sl, double wl,
                           double *best_proxy, Split *best, double *best_left) {
  double wr = C->wn - wl;
  if (wl < C->min_weight_leaf || wr < C->min_weight_leaf) return 0;
  double proxy = proxy_improvement(C->P->criterion, C->st, sl, k, wl, wr);
  if (!(proxy > *best_proxy)) return 0;
  *best_proxy = proxy;
  record(C, k, f, q, vp, vn, sl, wl, best, best_left);
  return 1;
}

/* The same for two classes, with the class weights in registers. */
static inline int consider2(const NodeCtx *C, int f, int64_t q, double vp,
                            double vn, double a0, double a1, double wl,
                            double *best_proxy, Split *best, double *best_left) {
  double wr = C->wn - wl;
  if (wl < C->min_weight_leaf || wr < C->min_weight_leaf) return 0;
  double sl[2] = {a0, a1};
  double proxy = proxy_improvement(C->P->criterion, C->st, sl, 2, wl, wr);
  if (!(proxy > *best_proxy)) return 0;
  *best_proxy = proxy;
  record(C, 2, f, q, vp, vn, sl, wl, best, best_left);
  return 1;
}

/* Best split of the sorted values of one feature (BestSplitter), for any
 * weights: the sort key's low word is the row's position in the node.
 * Returns 1 if it improved *best_proxy, having updated *best and
 * best_left. */
static int eval_best(ForestWork *W, const NodeCtx *C, int f, double *best_proxy,
                     Split *best, double *best_left) {
  const int k = W->k;
  const int64_t m = C->end - C->start;
  const int64_t msl = C->P->min_samples_leaf;
  const float *xf = W->xf;
  const int32_t *lab = W->lab + C->start;
  const double *wt = W->wt + C->start;
  uint64_t *keys = W->keys;
  double *sl = W->sums + k;
  for (int64_t p = 0; p < m; p++)
    keys[p] = ((uint64_t)forest_float_key(xf[p]) << 32) | (uint64_t)p;
  forest_sort_keys(keys, W->ktmp, m);
  memset(sl, 0, (size_t)k * sizeof *sl);
  double wl = 0.0;
  int improved = 0;
  double v = (double)forest_key_float((uint32_t)(keys[0] >> 32));
  for (int64_t q = 0; q < m;) {
    uint32_t p = (uint32_t)keys[q];
    sl[lab[p]] += wt[p];
    wl += wt[p];
    q++;
    if (q == m) break;
    double vn = (double)forest_key_float((uint32_t)(keys[q] >> 32));
    double vp = v;
    v = vn;
    if (vn <= vp + FOREST_FEATURE_THRESHOLD) continue; /* same value */
    if (q < msl || m - q < msl) continue;
    improved |= consider(C, k, f, q, vp, vn, sl, wl, best_proxy, best, best_left);
  }
  return improved;
}

/* eval_best for integer weights (W->intw): the sort key's low word
 * carries the row's weight and class (w << 8 | class) instead of its
 * position, so the scan reads nothing but the sorted keys; sums are exact
 * integers, equal to the double sums sklearn forms. */
static int eval_best_int(ForestWork *W, const NodeCtx *C, int f,
                         double *best_proxy, Split *best, double *best_left) {
  const int k = W->k;
  const int64_t m = C->end - C->start;
  const int64_t msl = C->P->min_samples_leaf;
  const float *xf = W->xf;
  const int32_t *lab = W->lab + C->start;
  const double *wt = W->wt + C->start;
  uint64_t *keys = W->keys;
  double *sl = W->sums + k;
  int64_t *si = W->isums;
  for (int64_t p = 0; p < m; p++)
    keys[p] = ((uint64_t)forest_float_key(xf[p]) << 32) |
              ((uint64_t)(uint32_t)wt[p] << 8) | (uint64_t)(uint32_t)lab[p];
  forest_sort_keys(keys, W->ktmp, m);
  int improved = 0;
  uint32_t kprev = (uint32_t)(keys[0] >> 32);
  if (k == 2) {
    int64_t wl = 0, s1 = 0;
    for (int64_t q = 0; q < m;) {
      uint32_t lo = (uint32_t)keys[q];
      int64_t w = lo >> 8;
      wl += w;
      s1 += (lo & 1) ? w : 0;
      q++;
      if (q == m) break;
      uint32_t knext = (uint32_t)(keys[q] >> 32);
      double vp = (double)forest_key_float(kprev), vn = (double)forest_key_float(knext);
      kprev = knext;
      if (vn <= vp + FOREST_FEATURE_THRESHOLD) continue; /* same value */
      if (q < msl || m - q < msl) continue;
      improved |= consider2(C, f, q, vp, vn, (double)(wl - s1), (double)s1, (double)wl,
                            best_proxy, best, best_left);
    }
    return improved;
  }
  memset(si, 0, (size_t)k * sizeof *si);
  int64_t wl = 0;
  for (int64_t q = 0; q < m;) {
    uint32_t lo = (uint32_t)keys[q];
    int64_t w = lo >> 8;
    wl += w;
    si[lo & 0xff] += w;
    q++;
    if (q == m) break;
    uint32_t knext = (uint32_t)(keys[q] >> 32);
    double vp = (double)forest_key_float(kprev), vn = (double)forest_key_float(knext);
    kprev = knext;
    if (vn <= vp + FOREST_FEATURE_THRESHOLD) continue;
    if (q < msl || m - q < msl) continue;
    for (int c = 0; c < k; c++) sl[c] = (double)si[c];
    improved |= consider(C, k, f, q, vp, vn, sl, (double)wl, best_proxy, best, best_left);
  }
  return improved;
}

/* One random threshold in [min, max) of one feature (RandomSplitter). */
static int eval_random(ForestWork *W, const NodeCtx *C, int f, float mn,
                       float mx, double *best_proxy, Split *best,
                       double *best_left) {
  const int k = W->k;
  const int64_t m = C->end - C->start;
  const int64_t msl = C->P->min_samples_leaf;
  const double mwl = C->min_weight_leaf, wn = C->wn;
  const float *xf = W->xf;
  const int32_t *lab = W->lab + C->start;
  const double *wt = W->wt + C->start;
  double *sl = W->sums + k;
  double lo = (double)mn, hi = (double)mx;
  double thr = (hi - lo) * rng_uniform(C->rng) + lo;
  if (thr == hi) thr = lo;
  memset(sl, 0, (size_t)k * sizeof *sl);
  double wl = 0.0;
  int64_t nl = 0;
  if (k == 2 && W->unit) {
    /* unit weights: integer counts against the largest float <= thr,
     * which decides (double)x <= thr exactly, in SIMD lanes */
    float tf = (float)thr;
    if ((double)tf > thr) tf = nextafterf(tf, -INFINITY);
    int64_t n1 = 0;
#pragma omp simd reduction(+ : nl, n1)
    for (int64_t p = 0; p < m; p++) {
      int go = xf[p] <= tf;
      nl += go;
      n1 += go & lab[p];
    }
    sl[1] = (double)n1;
    sl[0] = (double)(nl - n1);
    wl = (double)nl;
  } else if (k == 2) {
    double s1 = 0.0;
    for (int64_t p = 0; p < m; p++) {
      int go = (double)xf[p] <= thr;
      double w = go ? wt[p] : 0.0;
      nl += go;
      wl += w;
      s1 += lab[p] ? w : 0.0;
    }
    sl[1] = s1;
    sl[0] = wl - s1;
  } else {
    for (int64_t p = 0; p < m; p++)
      if ((double)xf[p] <= thr) {
        nl++;
        wl += wt[p];
        sl[lab[p]] += wt[p];
      }
  }
  if (nl < msl || m - nl < msl) return 0;
  double wr = wn - wl;
  if (wl < mwl || wr < mwl) return 0;
  double proxy = proxy_improvement(C->P->criterion, C->st, sl, k, wl, wr);
  if (!(proxy > *best_proxy)) return 0;
  *best_proxy = proxy;
  best->pos = C->start + nl;
  best->feature = f;
  best->threshold = thr;
  best->wl = wl;
  memcpy(best_left, sl, (size_t)k * sizeof *sl);
  return 1;
}

/* sklearn's node_split: draw features without replacement (Fisher-Yates
 * over W->features, known constants in front), evaluate each non-constant
 * one, keep the best; stop after max_features visited unless every
 * visited feature was constant.  *n_constant: features known constant on
 * entry (the first *n_constant of W->features, in W->constant order), and
 * on return including the ones found here.  Partitions the node's rows by
 * the best split. */
static void node_split(ForestWork *W, const NodeCtx *C, double impurity,
                       int *n_constant, Split *best) {
  const ForestData *D = C->D;
  const int k = W->k, max_features = C->P->max_features;
  const int64_t start = C->start, end = C->end, m = end - start;
  int32_t *features = W->features, *constant = W->constant;
  double *best_left = W->sums + 2 * k;
  int f_i = D->d, n_visited = 0, n_found = 0, n_drawn = 0;
  const int n_known = *n_constant;
  int n_total = n_known;
  double best_proxy = -INFINITY;
  best->pos = end;
  best->feature = -1;
  best->threshold = 0.0;
  best->wl = 0.0;
  while (f_i > n_total &&
         (n_visited < max_features || n_visited <= n_found + n_drawn)) {
    n_visited++;
    int f_j = n_drawn + (int)rng_bounded(C->rng, (uint64_t)(f_i - n_found - n_drawn));
    int32_t tmp;
    if (f_j < n_known) { /* a feature known to be constant here */
      tmp = features[n_drawn];
      features[n_drawn] = features[f_j];
      features[f_j] = tmp;
      n_drawn++;
      continue;
    }
    f_j += n_found;
    int f = features[f_j];
    float mn, mx;
    if (D->xrow && m * ROW_GATHER_RATIO < D->n)
      gather_rows(W->xf, D->xrow + f, D->d, W->idx + start, m, &mn, &mx);
    else
      gather(W->xf, D->x + (size_t)f * (size_t)D->n, W->idx + start, m, &mn, &mx);
    if ((double)mx <= (double)mn + FOREST_FEATURE_THRESHOLD) { /* constant */
      tmp = features[f_j];
      features[f_j] = features[n_total];
      features[n_total] = tmp;
      n_found++;
      n_total++;
      continue;
    }
    f_i--;
    tmp = features[f_i];
    features[f_i] = features[f_j];
    features[f_j] = tmp;
    int improved;
    if (C->P->splitter == FOREST_RANDOM)
      improved = eval_random(W, C, f, mn, mx, &best_proxy, best, best_left);
    else if (W->intw)
      improved = eval_best_int(W, C, f, &best_proxy, best, best_left);
    else
      improved = eval_best(W, C, f, &best_proxy, best, best_left);
    if (improved) { /* keep this feature's values for the partition */
      float *t = W->xf;
      W->xf = W->xbest;
      W->xbest = t;
    }
  }
  if (best->pos < end) {
    /* stable partition of (idx, lab, wt) by xbest <= threshold */
    const float *xb = W->xbest;
    int32_t *idx = W->idx, *lab = W->lab;
    double *wt = W->wt;
    int64_t L = start, R = 0;
    const double thr = best->threshold;
    for (int64_t p = start; p < end; p++) {
      if ((double)xb[p - start] <= thr) {
        idx[L] = idx[p];
        lab[L] = lab[p];
        wt[L] = wt[p];
        L++;
      } else {
        W->tidx[R] = idx[p];
        W->tlab[R] = lab[p];
        W->twt[R] = wt[p];
        R++;
      }
    }
    assert(L == best->pos);
    memcpy(idx + L, W->tidx, (size_t)R * sizeof *idx);
    memcpy(lab + L, W->tlab, (size_t)R * sizeof *lab);
    if (!W->unit) memcpy(wt + L, W->twt, (size_t)R * sizeof *wt);
    double wl = best->wl, wr = C->wn - wl, wn = C->wn;
    children_impurity(C->P->criterion, C->st, best_left, k, wl, wr,
                      &best->imp_left, &best->imp_right);
    best->improvement = (wn / C->wN) * (impurity - (wr / wn * best->imp_right) -
                                        (wl / wn * best->imp_left));
  }
  /* restore the known constants' order; append the newly found ones */
  memcpy(features, constant, (size_t)n_known * sizeof *features);
  memcpy(constant + n_known, features + n_known, (size_t)n_found * sizeof *constant);
  *n_constant = n_total;
}

/* ---- the depth-first builder ---- */

credo_status forest_tree_grow_work(ForestWork *W, ForestTree *t,
                                   const ForestData *D, const int32_t *rows,
                                   int64_t m0, const double *w,
                                   const ForestParams *P, Rng *rng) {
  const int k = D->k;
  forest_tree_free(t);
  int64_t cap0 = 2 * m0 + 1;
  if (P->max_depth >= 0 && P->max_depth < 30) {
    int64_t full = ((int64_t)2 << P->max_depth) - 1;
    if (full < cap0) cap0 = full;
  }
  if (cap0 > 4096) cap0 = 4096;
  if (forest_tree_alloc(t, cap0, k) != CREDO_OK) return CREDO_ENOMEM;
  t->n_nodes = 0;
  double wN = 0.0;
  for (int64_t p = 0; p < m0; p++) {
    int32_t i = rows[p];
    W->idx[p] = i;
    W->lab[p] = D->y[i];
    W->wt[p] = w ? w[i] : 1.0;
    wN += W->wt[p];
  }
  W->unit = w == NULL; /* wt stays all ones whatever the partitions do */
  /* integer weights below 2^24 (bootstrap counts) with at most 256
   * classes and an exact total: the integer scan (eval_best_int) */
  W->intw = k <= 256 && wN < 9007199254740992.0;
  for (int64_t p = 0; p < m0 && W->intw; p++)
    W->intw = W->wt[p] == floor(W->wt[p]) && W->wt[p] < 16777216.0;
  for (int j = 0; j < D->d; j++) W->features[j] = j;
  const double min_weight_leaf = P->min_weight_fraction * wN;
  double *st = W->sums;
  int64_t top = 0;
  W->stack[top++] = (ForestRec){0, m0, 0, -1, 0, INFINITY, 0};
  int first = 1;
  int64_t polled = 0;
  while (top > 0) {
    ForestRec r = W->stack[--top];
    if (++polled % 64 == 0 && credo_interrupted) return CREDO_EINTR;
    const int64_t m = r.end - r.start;
    /* node_reset: class weights of the node, in node order */
    memset(st, 0, (size_t)k * sizeof *st);
    double wn = 0.0;
    for (int64_t p = r.start; p < r.end; p++) {
      st[W->lab[p]] += W->wt[p];
      wn += W->wt[p];
    }
    int is_leaf = (P->max_depth >= 0 && r.depth >= P->max_depth) ||
                  m < P->min_samples_split || m < 2 * P->min_samples_leaf ||
                  wn < 2 * min_weight_leaf;
    double impurity = r.impurity;
    if (first) {
      impurity = m0 > 0 ? forest_impurity(P->criterion, st, k, wn) : 0.0;
      first = 0;
    }
    is_leaf = is_leaf || impurity <= DBL_EPSILON;
    Split split = {0};
    split.pos = r.end;
    int n_constant = r.n_constant;
    if (!is_leaf) {
      NodeCtx C = {D, P, rng, r.start, r.end, wn, wN, min_weight_leaf, st};
      node_split(W, &C, impurity, &n_constant, &split);
      is_leaf = split.pos >= r.end ||
                split.improvement + DBL_EPSILON < P->min_impurity_decrease;
    }
    int64_t id = add_node(t);
    if (id < 0) return CREDO_ENOMEM;
    ForestNode *nd = &t->nodes[id];
    nd->impurity = impurity;
    nd->weighted_n = wn;
    nd->n_samples = m;
    nd->depth = r.depth;
    nd->left = nd->right = -1;
    nd->feature = is_leaf ? -1 : split.feature;
    nd->threshold = is_leaf ? 0.0 : split.threshold;
    memcpy(t->value + id * k, st, (size_t)k * sizeof *st);
    if (r.parent >= 0) {
      if (r.is_left) t->nodes[r.parent].left = (int32_t)id;
      else t->nodes[r.parent].right = (int32_t)id;
    }
    if (!is_leaf) {
      if (top + 2 > W->stack_cap) {
        int64_t cap = W->stack_cap * 2;
        ForestRec *s = realloc(W->stack, (size_t)cap * sizeof *s);
        if (!s) return CREDO_ENOMEM;
        W->stack = s;
        W->stack_cap = cap;
      }
      W->stack[top++] = (ForestRec){split.pos, r.end, r.depth + 1, id, 0,
                                    split.imp_right, n_constant};
      W->stack[top++] = (ForestRec){r.start, split.pos, r.depth + 1, id, 1,
                                    split.imp_left, n_constant};
    }
  }
  return CREDO_OK;
}

credo_status forest_tree_grow(ForestTree *t, const ForestData *D,
                              const int32_t *rows, int64_t m0, const double *w,
                              const ForestParams *P, Rng *rng) {
  ForestWork W;
  if (forest_work_alloc(&W, D->n, D->d, D->k) != CREDO_OK) return CREDO_ENOMEM;
  credo_status s = forest_tree_grow_work(&W, t, D, rows, m0, w, P, rng);
  forest_work_free(&W);
  return s;
}
