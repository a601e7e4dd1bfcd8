/*
 * prep_iforest.c: Isolation Forest (Liu, Ting & Zhou, "Isolation forest",
 * ICDM 2008; "Isolation-based anomaly detection", TKDD 2012) as
 * scikit-learn 1.2 builds and scores it (IsolationForest over
 * ExtraTreeRegressor with max_features=1 and the random splitter).
 *
 * Each tree t has its own generator, stream t of the seed, so a forest is
 * the same bits at any thread count; trees are built in parallel, and rows
 * are scored in parallel with the trees summed in index order.  Trees live
 * in flat (T, 2*psi-1) arrays the binding turns into tensors (plain data
 * that credo.save can write).  What it is not: no sample weights, no
 * sparse input, no warm start.
 */
#include <math.h>
#include <stdlib.h>

#include "../random/rng.h"
#include "prep.h"
#include "prep_omp.h"

double prep_iforest_c(double n) {
  if (n <= 1) return 0.0;
  if (n == 2) return 1.0;
  return 2.0 * (log(n - 1.0) + 0.57721566490153286061) - 2.0 * (n - 1.0) / n;
}

typedef struct Item {
  int64_t node, begin, end, depth;
} Item;

/* Build tree t into row t of the forest arrays. */
static credo_status build_tree(PrepForest *f, int64_t t, const double *x,
                               int64_t n, int64_t d, int64_t n_feat,
                               uint64_t seed) {
  int64_t psi = f->psi, M = f->max_nodes;
  int64_t *rows = malloc((size_t)psi * sizeof *rows);
  int64_t *feats = malloc((size_t)d * sizeof *feats);
  int64_t *order = malloc((size_t)d * sizeof *order);
  Item *stack = malloc((size_t)M * sizeof *stack);
  if (!rows || !feats || !order || !stack) {
    free(rows); free(feats); free(order); free(stack);
    return CREDO_ENOMEM;
  }
  Rng r;
  rng_stream(&r, seed, (uint64_t)t);
  credo_status st = rng_sample(rows, n, psi, &r);
  int64_t nf = d;
  if (st == CREDO_OK && n_feat < d) {
    st = rng_sample(feats, d, n_feat, &r);
    nf = n_feat;
  } else {
    for (int64_t j = 0; j < d; j++) feats[j] = j;
  }
  if (st != CREDO_OK) {
    free(rows); free(feats); free(order); free(stack);
    return st;
  }
  int64_t *feature = f->feature + t * M, *left = f->left + t * M;
  int64_t *right = f->right + t * M, *size = f->size + t * M;
  double *thr = f->threshold + t * M;
  int64_t used = 1, top = 0;
  stack[top++] = (Item){ 0, 0, psi, 0 };
  while (top > 0) {
    Item it = stack[--top];
    int64_t c = it.end - it.begin;
    feature[it.node] = -1;
    left[it.node] = right[it.node] = -1;
    thr[it.node] = 0;
    size[it.node] = c;
    if (c <= 1 || it.depth >= f->max_depth) continue;
    /* draw features without replacement until one is not constant here */
    for (int64_t j = 0; j < nf; j++) order[j] = feats[j];
    int64_t chosen = -1;
    double lo = 0, hi = 0;
    for (int64_t k = 0; k < nf; k++) {
      int64_t pick = k + (int64_t)rng_bounded(&r, (uint64_t)(nf - k));
      int64_t tmp = order[k]; order[k] = order[pick]; order[pick] = tmp;
      int64_t fj = order[k];
      lo = INFINITY; hi = -INFINITY;
      for (int64_t i = it.begin; i < it.end; i++) {
        double v = x[rows[i] * d + fj];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi > lo) { chosen = fj; break; }
    }
    if (chosen < 0) continue;
    double th = lo + (hi - lo) * rng_uniform(&r);
    if (th >= hi) th = lo;
    /* partition rows: x <= th to the front */
    int64_t a = it.begin, b = it.end - 1;
    while (a <= b) {
      if (x[rows[a] * d + chosen] <= th) a++;
      else { int64_t tmp = rows[a]; rows[a] = rows[b]; rows[b] = tmp; b--; }
    }
    int64_t l = used++, rr = used++;
    feature[it.node] = chosen;
    thr[it.node] = th;
    left[it.node] = l;
    right[it.node] = rr;
    stack[top++] = (Item){ rr, a, it.end, it.depth + 1 };
    stack[top++] = (Item){ l, it.begin, a, it.depth + 1 };
  }
  f->n_nodes[t] = used;
  /* unused slots hold empty leaves, so a forest's arrays are fully
   * determined by the seed */
  for (int64_t k = used; k < M; k++) {
    feature[k] = left[k] = right[k] = -1;
    size[k] = 0;
    thr[k] = 0;
  }
  free(rows); free(feats); free(order); free(stack);
  return CREDO_OK;
}

credo_status prep_iforest_fit(PrepForest *f, const double *x, int64_t n,
                              int64_t d, int64_t n_feat, uint64_t seed) {
  credo_status st = CREDO_OK;
#pragma omp parallel for schedule(dynamic, 1) num_threads(credo_threads_get())
  for (int64_t t = 0; t < f->n_trees; t++) {
    if (prep_status_get(&st) != CREDO_OK) continue;
    if (credo_interrupted) { prep_status_set(&st, CREDO_EINTR); continue; }
    credo_status s = build_tree(f, t, x, n, d, n_feat, seed);
    if (s != CREDO_OK) prep_status_set(&st, s);
  }
  return st;
}

credo_status prep_iforest_score(double *score, const PrepForest *f,
                                const double *x, int64_t n, int64_t d) {
  double denom = (double)f->n_trees * prep_iforest_c((double)f->psi);
  int64_t M = f->max_nodes;
  credo_status st = CREDO_OK;
#pragma omp parallel for schedule(static) num_threads(credo_threads_get()) if (n * f->n_trees > 20000)
  for (int64_t i = 0; i < n; i++) {
    if (prep_status_get(&st) != CREDO_OK) continue;
    if ((i & 1023) == 0 && credo_interrupted) { prep_status_set(&st, CREDO_EINTR); continue; }
    const double *xi = x + i * d;
    double depths = 0;
    for (int64_t t = 0; t < f->n_trees; t++) {
      const int64_t *feature = f->feature + t * M, *left = f->left + t * M;
      const int64_t *right = f->right + t * M;
      const double *thr = f->threshold + t * M;
      int64_t node = 0, depth = 0;
      while (feature[node] >= 0) {
        node = xi[feature[node]] <= thr[node] ? left[node] : right[node];
        depth++;
      }
      depths += (double)depth + prep_iforest_c((double)f->size[t * M + node]);
    }
    /* scikit-learn: a ratio of 1 when the denominator is 0 (psi = 1) */
    double ratio = denom != 0 ? depths / denom : 1.0;
    score[i] = -pow(2.0, -ratio);
  }
  return st;
}
