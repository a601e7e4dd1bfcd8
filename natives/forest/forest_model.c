/*
 * forest_model.c: forests (forest.h): per-tree bootstrap and class
 * weights, trees grown in parallel, out-of-bag predictions, prediction and
 * impurity importances.
 *
 * Random Forest (Breiman, "Random Forests", Machine Learning 45, 2001) as
 * sklearn 1.2's _parallel_build_trees: tree t draws n_bootstrap row
 * indices with replacement from rng_stream(seed, t) (Efron 1979), its
 * weight of row i is sample_weight[i] * count[i] (times the bootstrap's
 * balanced class weight for "balanced_subsample"), rows drawn zero times
 * are left out of the tree and are its out-of-bag rows.  Extra Trees
 * (Geurts et al. 2006) use every row unless bootstrap is asked for.
 *
 * Reproducibility: tree t depends only on (seed, t) and the data, never on
 * which thread grows it or when; sums over trees (prediction, out-of-bag,
 * importances) run in tree order.  What it is not: no Lua, no argument
 * checks (the binding's job).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../random/rng.h"
#include "forest.h"
#include "forest_internal.h"

void forest_model_free(ForestModel *m) {
  if (m->trees)
    for (int t = 0; t < m->n_trees; t++) forest_tree_free(&m->trees[t]);
  free(m->trees);
  free(m->oob_proba);
  memset(m, 0, sizeof *m);
}

/* Per-thread scratch for the bootstrap. */
typedef struct Boot {
  int32_t *rows;   /* (n) rows of the tree */
  double *w;       /* (n) the tree's row weights */
  int32_t *count;  /* (n) times each row was drawn */
  int64_t *draws;  /* (n_bootstrap) */
  double *cw;      /* (k) bootstrap class weights */
  int64_t *cc;     /* (k) bootstrap class counts */
} Boot;

static void boot_free(Boot *b) {
  free(b->rows);
  free(b->w);
  free(b->count);
  free(b->draws);
  free(b->cw);
  free(b->cc);
  memset(b, 0, sizeof *b);
}

static credo_status boot_alloc(Boot *b, int64_t n, int64_t nb, int k) {
  memset(b, 0, sizeof *b);
  b->rows = malloc((size_t)(n > 0 ? n : 1) * sizeof *b->rows);
  b->w = malloc((size_t)(n > 0 ? n : 1) * sizeof *b->w);
  b->count = malloc((size_t)(n > 0 ? n : 1) * sizeof *b->count);
  b->draws = malloc((size_t)(nb > 0 ? nb : 1) * sizeof *b->draws);
  b->cw = malloc((size_t)k * sizeof *b->cw);
  b->cc = malloc((size_t)k * sizeof *b->cc);
  if (!b->rows || !b->w || !b->count || !b->draws || !b->cw || !b->cc) {
    boot_free(b);
    return CREDO_ENOMEM;
  }
  return CREDO_OK;
}

/* Choose tree t's rows and weights; marks in-bag rows in bag (n bits) when
 * not NULL.  Returns the number of rows; *wp the weights (NULL: ones). */
static int64_t tree_rows(Boot *b, const ForestData *D, const ForestParams *P,
                         Rng *rng, uint64_t *bag, const double **wp) {
  const int64_t n = D->n;
  int64_t m0 = 0;
  if (!P->bootstrap) {
    for (int64_t i = 0; i < n; i++)
      if (!D->w || D->w[i] > 0.0) b->rows[m0++] = (int32_t)i;
    *wp = D->w;
    return m0;
  }
  rng_bootstrap(b->draws, n, P->n_bootstrap, rng);
  memset(b->count, 0, (size_t)n * sizeof *b->count);
  for (int64_t q = 0; q < P->n_bootstrap; q++) b->count[b->draws[q]]++;
  if (P->balanced_subsample) {
    /* sklearn compute_sample_weight("balanced", y, indices): classes of
     * the bootstrap get n_bootstrap / (present classes * count) */
    memset(b->cc, 0, (size_t)D->k * sizeof *b->cc);
    for (int64_t q = 0; q < P->n_bootstrap; q++) b->cc[D->y[b->draws[q]]]++;
    int present = 0;
    for (int c = 0; c < D->k; c++) present += b->cc[c] > 0;
    for (int c = 0; c < D->k; c++)
      b->cw[c] = b->cc[c] > 0 ? (double)P->n_bootstrap /
                                    ((double)present * (double)b->cc[c])
                              : 0.0;
  }
  for (int64_t i = 0; i < n; i++) {
    if (b->count[i] == 0) continue;
    if (bag) bag[i >> 6] |= (uint64_t)1 << (i & 63);
    double wi = (D->w ? D->w[i] : 1.0) * (double)b->count[i];
    if (P->balanced_subsample) wi *= b->cw[D->y[i]];
    b->w[i] = wi;
    if (wi > 0.0) b->rows[m0++] = (int32_t)i;
  }
  *wp = b->w;
  return m0;
}

static int nthreads_for(int want, int64_t items) {
  int nt = want > 0 ? want : 1;
  if (items < nt) nt = items > 0 ? (int)items : 1;
  return nt;
}

static void oob_predictions(ForestModel *m, const ForestData *D,
                            const uint64_t *bag, int64_t words, int n_threads);

credo_status forest_fit(ForestModel *m, const ForestData *D,
                        const ForestParams *P) {
  const int T = P->n_trees;
  memset(m, 0, sizeof *m);
  m->n_trees = T;
  m->d = D->d;
  m->k = D->k;
  m->oob_score = NAN;
  m->trees = calloc((size_t)T, sizeof *m->trees);
  if (!m->trees) return CREDO_ENOMEM;
  const int64_t words = (D->n + 63) / 64;
  uint64_t *bag = NULL;
  if (P->oob && P->bootstrap) {
    bag = calloc((size_t)T * (size_t)words, sizeof *bag);
    if (!bag) {
      forest_model_free(m);
      return CREDO_ENOMEM;
    }
  }
  credo_status status = CREDO_OK;
  const int nt = nthreads_for(P->n_threads, T);
#pragma omp parallel num_threads(nt)
  {
    ForestWork W;
    Boot b;
    int ok = forest_work_alloc(&W, D->n, D->d, D->k) == CREDO_OK;
    if (ok && boot_alloc(&b, D->n, P->bootstrap ? P->n_bootstrap : 0, D->k) != CREDO_OK) {
      forest_work_free(&W);
      ok = 0;
    }
    if (!ok) {
#pragma omp critical(forest_status)
      status = CREDO_ENOMEM;
    }
#pragma omp for schedule(dynamic, 1)
    for (int t = 0; t < T; t++) {
      credo_status s;
#pragma omp atomic read
      s = status;
      if (s != CREDO_OK || !ok) continue;
      if (credo_interrupted) {
#pragma omp critical(forest_status)
        status = CREDO_EINTR;
        continue;
      }
      Rng rng;
      rng_stream(&rng, P->seed, (uint64_t)t);
      const double *w;
      int64_t m0 = tree_rows(&b, D, P, &rng, bag ? bag + (size_t)t * words : NULL, &w);
      s = forest_tree_grow_work(&W, &m->trees[t], D, b.rows, m0, w, P, &rng);
      if (s != CREDO_OK) {
#pragma omp critical(forest_status)
        if (status == CREDO_OK) status = s;
      }
    }
    if (ok) {
      forest_work_free(&W);
      boot_free(&b);
    }
  }
  if (status == CREDO_OK && bag) {
    m->oob_proba = calloc((size_t)D->n * (size_t)D->k, sizeof *m->oob_proba);
    if (!m->oob_proba) status = CREDO_ENOMEM;
    else oob_predictions(m, D, bag, words, P->n_threads);
    if (status == CREDO_OK && credo_interrupted) status = CREDO_EINTR;
  }
  free(bag);
  if (status != CREDO_OK) forest_model_free(m);
  return status;
}

/* ---- prediction ---- */

int64_t forest_tree_apply(const ForestTree *t, const float *x, int64_t cs) {
  const ForestNode *nodes = t->nodes;
  int64_t id = 0;
  while (nodes[id].feature >= 0) {
    const ForestNode *nd = &nodes[id];
    id = (double)x[nd->feature * cs] <= nd->threshold ? nd->left : nd->right;
  }
  return id;
}

/* acc (k) += value[leaf] / sum(value[leaf]) (sklearn predict_proba of one
 * tree: a zero sum counts as one). */
static inline void add_leaf_proba(double *acc, const ForestTree *t, int64_t leaf,
                                  int k) {
  const double *v = t->value + leaf * k;
  double s = 0.0;
  for (int c = 0; c < k; c++) s += v[c];
  if (s == 0.0) s = 1.0;
  for (int c = 0; c < k; c++) acc[c] += v[c] / s;
}

#define PREDICT_BLOCK 256

credo_status forest_predict_proba(double *out, const ForestModel *m,
                                  const float *x, int64_t n, int64_t rs,
                                  int64_t cs, int n_threads) {
  const int k = m->k, T = m->n_trees;
  const int64_t nblocks = (n + PREDICT_BLOCK - 1) / PREDICT_BLOCK;
  int stop = 0;
#pragma omp parallel for schedule(static) num_threads(nthreads_for(n_threads, nblocks))
  for (int64_t b = 0; b < nblocks; b++) {
    int st;
#pragma omp atomic read
    st = stop;
    if (st) continue;
    if (credo_interrupted) {
#pragma omp atomic write
      stop = 1;
      continue;
    }
    int64_t lo = b * PREDICT_BLOCK, hi = lo + PREDICT_BLOCK < n ? lo + PREDICT_BLOCK : n;
    memset(out + lo * k, 0, (size_t)(hi - lo) * (size_t)k * sizeof *out);
    for (int t = 0; t < T; t++) { /* trees outer: each tree stays in cache */
      const ForestTree *tr = &m->trees[t];
      for (int64_t i = lo; i < hi; i++)
        add_leaf_proba(out + i * k, tr, forest_tree_apply(tr, x + i * rs, cs), k);
    }
    for (int64_t i = lo * k; i < hi * k; i++) out[i] /= (double)T;
  }
  return stop ? CREDO_EINTR : CREDO_OK;
}

credo_status forest_apply(int64_t *out, const ForestModel *m, const float *x,
                          int64_t n, int64_t rs, int64_t cs, int n_threads) {
  const int T = m->n_trees;
  const int64_t nblocks = (n + PREDICT_BLOCK - 1) / PREDICT_BLOCK;
  int stop = 0;
#pragma omp parallel for schedule(static) num_threads(nthreads_for(n_threads, nblocks))
  for (int64_t b = 0; b < nblocks; b++) {
    int st;
#pragma omp atomic read
    st = stop;
    if (st) continue;
    if (credo_interrupted) {
#pragma omp atomic write
      stop = 1;
      continue;
    }
    int64_t lo = b * PREDICT_BLOCK, hi = lo + PREDICT_BLOCK < n ? lo + PREDICT_BLOCK : n;
    for (int t = 0; t < T; t++)
      for (int64_t i = lo; i < hi; i++)
        out[i * T + t] = forest_tree_apply(&m->trees[t], x + i * rs, cs);
  }
  return stop ? CREDO_EINTR : CREDO_OK;
}

/* sklearn _compute_oob_predictions and oob_score_: per row, the trees'
 * probabilities summed in tree order over the trees where the row is out
 * of bag, divided by their number (1 when none); the score is the
 * accuracy of the argmax (first maximum). */
static void oob_predictions(ForestModel *m, const ForestData *D,
                            const uint64_t *bag, int64_t words, int n_threads) {
  const int k = m->k, T = m->n_trees;
  const int64_t n = D->n;
  const int64_t nblocks = (n + PREDICT_BLOCK - 1) / PREDICT_BLOCK;
  int64_t missing = 0, correct = 0;
#pragma omp parallel for schedule(static) num_threads(nthreads_for(n_threads, nblocks)) \
    reduction(+ : missing, correct)
  for (int64_t b = 0; b < nblocks; b++) {
    if (credo_interrupted) continue;
    int64_t lo = b * PREDICT_BLOCK, hi = lo + PREDICT_BLOCK < n ? lo + PREDICT_BLOCK : n;
    int cnt[PREDICT_BLOCK];
    memset(cnt, 0, sizeof cnt);
    for (int t = 0; t < T; t++) {
      const uint64_t *bt = bag + (size_t)t * words;
      const ForestTree *tr = &m->trees[t];
      for (int64_t i = lo; i < hi; i++) {
        if (bt[i >> 6] >> (i & 63) & 1) continue;
        add_leaf_proba(m->oob_proba + i * k, tr, forest_tree_apply(tr, D->x + i, n), k);
        cnt[i - lo]++;
      }
    }
    for (int64_t i = lo; i < hi; i++) {
      double c = cnt[i - lo] ? (double)cnt[i - lo] : 1.0;
      missing += cnt[i - lo] == 0;
      double *p = m->oob_proba + i * k;
      int best = 0;
      for (int j = 0; j < k; j++) {
        p[j] /= c;
        if (p[j] > p[best]) best = j;
      }
      correct += best == D->y[i];
    }
  }
  m->oob_n = n;
  m->oob_missing = missing;
  m->oob_score = (double)correct / (double)n;
}

/* ---- importances ---- */

void forest_tree_importances(double *out, const ForestTree *t, int d) {
  memset(out, 0, (size_t)d * sizeof *out);
  const ForestNode *nodes = t->nodes;
  for (int64_t i = 0; i < t->n_nodes; i++) {
    const ForestNode *nd = &nodes[i];
    if (nd->feature < 0) continue;
    const ForestNode *l = &nodes[nd->left], *r = &nodes[nd->right];
    out[nd->feature] += nd->weighted_n * nd->impurity -
                        l->weighted_n * l->impurity - r->weighted_n * r->impurity;
  }
  if (t->n_nodes == 0) return;
  double root = nodes[0].weighted_n, s = 0.0;
  for (int j = 0; j < d; j++) {
    out[j] /= root;
    s += out[j];
  }
  if (s > 0.0)
    for (int j = 0; j < d; j++) out[j] /= s;
}

void forest_importances(double *out, double *one, const ForestModel *m) {
  const int d = m->d;
  memset(out, 0, (size_t)d * sizeof *out);
  int used = 0;
  for (int t = 0; t < m->n_trees; t++) {
    if (m->trees[t].n_nodes <= 1) continue;
    forest_tree_importances(one, &m->trees[t], d);
    for (int j = 0; j < d; j++) out[j] += one[j];
    used++;
  }
  if (used == 0) return;
  double s = 0.0;
  for (int j = 0; j < d; j++) {
    out[j] /= (double)used;
    s += out[j];
  }
  if (s > 0.0)
    for (int j = 0; j < d; j++) out[j] /= s;
}
