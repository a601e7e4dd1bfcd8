/*
 * gbdt_model.c: the booster's fitted trees: storage, prediction on raw
 * features, evaluation metrics and feature importances (see gbdt.h).
 *
 * Prediction walks each tree on the float features (thresholds are stored
 * as values, so no binning is needed; NaN takes the node's default
 * direction) and accumulates the margin in float, tree by tree, in the
 * order XGBoost's CPU predictor uses, over fixed blocks of rows.  What it is
 * not: no tree compilation or SIMD traversal, no SHAP values.
 */
#include "gbdt.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void gbdt_model_free(GbdtModel *m) {
  free(m->tree_ptr);
  free(m->nodes);
  free(m->history);
  memset(m, 0, sizeof *m);
}

credo_status gbdt_model_add_tree(GbdtModel *m, const GbdtNode *nodes,
                                 int64_t nnodes) {
  assert(nnodes >= 1);
  int64_t used = m->tree_ptr ? m->tree_ptr[m->n_trees] : 0;
  if (used + nnodes > m->node_cap) {
    int64_t cap = m->node_cap ? m->node_cap : 256;
    while (cap < used + nnodes) cap *= 2;
    GbdtNode *nn = realloc(m->nodes, (size_t)cap * sizeof *nn);
    if (!nn) return CREDO_ENOMEM;
    m->nodes = nn;
    m->node_cap = cap;
  }
  int64_t *tp = realloc(m->tree_ptr, (size_t)(m->n_trees + 2) * sizeof *tp);
  if (!tp) return CREDO_ENOMEM;
  m->tree_ptr = tp;
  if (m->n_trees == 0) tp[0] = 0;
  memcpy(m->nodes + used, nodes, (size_t)nnodes * sizeof *nodes);
  tp[m->n_trees + 1] = used + nnodes;
  m->n_trees++;
  return CREDO_OK;
}

/* ---- prediction ---- */

#define PRED_BLOCK 256

static inline float tree_value(const GbdtNode *nd, const float *x,
                               int64_t cs) {
  int32_t k = 0;
  while (nd[k].feature >= 0) {
    float v = x[(int64_t)nd[k].feature * cs];
    int left = v != v ? nd[k].default_left : v < nd[k].threshold;
    k = left ? nd[k].left : nd[k].right;
  }
  return nd[k].value;
}

void gbdt_predict_margin(float *out, const GbdtModel *m, int ntrees,
                         const GbdtMatrix *X, int n_threads) {
  assert(ntrees >= 0 && ntrees <= m->n_trees);
  assert(X->d >= m->n_features);
  int64_t n = X->n, nblk = (n + PRED_BLOCK - 1) / PRED_BLOCK;
  if (n * (int64_t)ntrees < 65536) n_threads = 1; /* not worth a team */
#pragma omp parallel for schedule(static) num_threads(n_threads)
  for (int64_t blk = 0; blk < nblk; blk++) {
    int64_t i0 = blk * PRED_BLOCK, i1 = i0 + PRED_BLOCK < n ? i0 + PRED_BLOCK : n;
    for (int64_t i = i0; i < i1; i++) out[i] = m->base_margin;
    for (int t = 0; t < ntrees; t++) {
      const GbdtNode *nd = m->nodes + m->tree_ptr[t];
      for (int64_t i = i0; i < i1; i++)
        out[i] += tree_value(nd, X->x + i * X->rs, X->cs);
    }
  }
}

void gbdt_predict_tree_add(float *out, const GbdtModel *m, int t,
                           const GbdtMatrix *X, int n_threads) {
  assert(t >= 0 && t < m->n_trees);
  const GbdtNode *nd = m->nodes + m->tree_ptr[t];
  int64_t n = X->n;
  if (n < 65536) n_threads = 1; /* not worth a team */
#pragma omp parallel for schedule(static) num_threads(n_threads)
  for (int64_t i = 0; i < n; i++) out[i] += tree_value(nd, X->x + i * X->rs, X->cs);
}

/* ---- metrics ---- */

int gbdt_metric_maximize(gbdt_metric k) { return k == GBDT_METRIC_AUC; }

static inline uint32_t float_key(float x) {
  uint32_t u;
  if (x == 0) x = 0.0f; /* -0 ties with +0 */
  memcpy(&u, &x, 4);
  return u ^ ((u >> 31) ? 0xFFFFFFFFu : 0x80000000u);
}

/* Area under the ROC curve of scores s against labels y > 0.5, ties
 * counted as half (Mann-Whitney U with average ranks).  Sorts (key, index)
 * pairs with a 4-pass LSD radix sort.  NaN without both classes. */
static credo_status auc(double *out, const float *s, const float *y,
                        int64_t n) {
  uint64_t *a = malloc((size_t)n * sizeof *a), *t = malloc((size_t)n * sizeof *t);
  if (!a || !t) {
    free(a);
    free(t);
    return CREDO_ENOMEM;
  }
  for (int64_t i = 0; i < n; i++)
    a[i] = ((uint64_t)float_key(s[i]) << 32) | (uint64_t)(uint32_t)i;
  uint64_t *src = a, *dst = t;
  for (int pass = 0; pass < 4; pass++) {
    int sh = 32 + 8 * pass;
    int64_t cnt[256] = {0};
    for (int64_t i = 0; i < n; i++) cnt[(src[i] >> sh) & 255]++;
    int64_t sum = 0;
    for (int d = 0; d < 256; d++) {
      int64_t c = cnt[d];
      cnt[d] = sum;
      sum += c;
    }
    for (int64_t i = 0; i < n; i++) dst[cnt[(src[i] >> sh) & 255]++] = src[i];
    uint64_t *x = src;
    src = dst;
    dst = x;
  }
  double npos = 0, rank_sum = 0;
  int64_t i = 0;
  while (i < n) {
    int64_t j = i;
    uint32_t key = (uint32_t)(src[i] >> 32);
    double pos = 0;
    while (j < n && (uint32_t)(src[j] >> 32) == key) {
      pos += y[(uint32_t)src[j]] > 0.5f;
      j++;
    }
    /* ranks i+1 .. j share their average */
    rank_sum += pos * (double)(i + 1 + j) * 0.5;
    npos += pos;
    i = j;
  }
  free(a);
  free(t);
  double nneg = (double)n - npos;
  *out = (npos == 0 || nneg == 0)
             ? NAN
             : (rank_sum - npos * (npos + 1) * 0.5) / (npos * nneg);
  return CREDO_OK;
}

credo_status gbdt_eval_metric(double *out, gbdt_metric k, gbdt_objective obj,
                              const float *margin, const float *y, int64_t n) {
  assert(n >= 1);
  int logistic = obj == GBDT_OBJ_LOGISTIC;
  if (k == GBDT_METRIC_AUC) {
    if (!logistic) return auc(out, margin, y, n);
    float *p = malloc((size_t)n * sizeof *p);
    if (!p) return CREDO_ENOMEM;
    for (int64_t i = 0; i < n; i++) p[i] = gbdt_sigmoid(margin[i]);
    credo_status st = auc(out, p, y, n);
    free(p);
    return st;
  }
  double sum = 0;
  for (int64_t i = 0; i < n; i++) {
    double pred = logistic ? (double)gbdt_sigmoid(margin[i]) : (double)margin[i];
    double yi = y[i];
    switch (k) {
    case GBDT_METRIC_LOGLOSS: {
      const double eps = 1e-16;
      double p = pred < eps ? eps : pred > 1 - eps ? 1 - eps : pred;
      sum += -(yi * log(p) + (1 - yi) * log(1 - p));
      break;
    }
    case GBDT_METRIC_ERROR:
      sum += (pred > 0.5 ? 1.0 : 0.0) != yi;
      break;
    case GBDT_METRIC_RMSE:
      sum += (pred - yi) * (pred - yi);
      break;
    case GBDT_METRIC_AUC:
      break;
    }
  }
  sum /= (double)n;
  *out = k == GBDT_METRIC_RMSE ? sqrt(sum) : sum;
  return CREDO_OK;
}

/* ---- importances ---- */

void gbdt_importance(double *out, const GbdtModel *m, int ntrees, int kind) {
  assert(ntrees >= 0 && ntrees <= m->n_trees);
  memset(out, 0, (size_t)m->n_features * sizeof *out);
  int64_t end = ntrees > 0 ? m->tree_ptr[ntrees] : 0;
  for (int64_t k = 0; k < end; k++) {
    const GbdtNode *nd = m->nodes + k;
    if (nd->feature < 0) continue;
    out[nd->feature] += kind == 0 ? 1.0 : kind == 1 ? (double)nd->gain
                                                    : (double)nd->cover;
  }
}
