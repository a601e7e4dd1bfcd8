/*
 * test_forest.c: the tree and forest core (natives/forest) without Lua:
 * the radix sort against its merge-sort twin, the criteria on hand-worked
 * counts, a tree small enough to check by hand, every split of grown trees
 * against a brute-force search over all thresholds of all features,
 * random (Extra Trees) thresholds inside the node's range, constant
 * features (sklearn's draw-past-max_features rule), leaf and depth limits,
 * prediction against tree-by-tree averages, out-of-bag predictions against
 * a recomputation from the same bootstrap streams, importances, and
 * bit-identical forests for 1 and 2 threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctest.h"
#include "../../natives/forest/forest.h"
#include "../../natives/random/rng.h"

static uint64_t lcg_state = 0x9E3779B97F4A7C15ULL;
static double urand(void) {
  lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg_state >> 11) * (1.0 / 9007199254740992.0);
}

static ForestParams default_params(int d) {
  ForestParams p;
  memset(&p, 0, sizeof p);
  p.criterion = FOREST_GINI;
  p.splitter = FOREST_BEST;
  p.n_trees = 1;
  p.max_depth = -1;
  p.min_samples_split = 2;
  p.min_samples_leaf = 1;
  p.max_features = d;
  p.n_threads = 1;
  return p;
}

/* A data set: x column-major (d, n) plus a row-major copy. */
typedef struct Set {
  float *x, *xr;
  int32_t *y;
  double *w;
  int64_t n;
  int d, k;
} Set;

static void set_free(Set *s) {
  free(s->x);
  free(s->xr);
  free(s->y);
  free(s->w);
  memset(s, 0, sizeof *s);
}

/* n rows, d uniform features (distinct with probability ~1), k classes
 * from a noisy function of the first two features; weights when weighted. */
static Set make_set(int64_t n, int d, int k, int weighted) {
  Set s = {0};
  s.n = n;
  s.d = d;
  s.k = k;
  s.x = malloc(sizeof(float) * (size_t)(n * d));
  s.xr = malloc(sizeof(float) * (size_t)(n * d));
  s.y = malloc(sizeof(int32_t) * (size_t)n);
  s.w = weighted ? malloc(sizeof(double) * (size_t)n) : NULL;
  for (int64_t i = 0; i < n; i++) {
    for (int j = 0; j < d; j++) s.x[j * n + i] = (float)(4.0 * urand() - 2.0);
    double z = s.x[i] + 0.7 * s.x[n + i] * (d > 2 ? s.x[2 * n + i] : 1.0) + urand() - 0.5;
    int c = (int)floor((z + 2.5) / 5.0 * k);
    s.y[i] = c < 0 ? 0 : c >= k ? k - 1 : c;
    if (weighted) s.w[i] = 0.25 + 2.0 * urand();
  }
  for (int64_t i = 0; i < n; i++)
    for (int j = 0; j < d; j++) s.xr[i * d + j] = s.x[j * n + i];
  return s;
}

static ForestData data_of(const Set *s) {
  ForestData D = {s->x, s->xr, s->y, s->w, s->n, s->d, s->k};
  return D;
}

/* ---- sort ---- */

static void test_sort(void) {
  int64_t sizes[] = {0, 1, 2, 5, 16, 17, 100, 511, 512, 1000, 70000};
  int all_ok = 1;
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
    int64_t n = sizes[s];
    uint64_t *a = malloc(sizeof *a * (size_t)(n + 1)), *b = malloc(sizeof *b * (size_t)(n + 1));
    uint64_t *t = malloc(sizeof *t * (size_t)(n + 1));
    for (int64_t i = 0; i < n; i++) {
      double u = urand();
      float v = u < 0.2 ? (float)(int)(urand() * 5) - 2.0f /* ties */
                : u < 0.25 ? (urand() < 0.5 ? -0.0f : 0.0f)
                           : (float)((urand() - 0.5) * pow(10.0, 6 * urand() - 3));
      a[i] = b[i] = ((uint64_t)forest_float_key(v) << 32) | (uint64_t)i;
    }
    forest_sort_keys(a, t, n);
    forest_sort_keys_ref(b, t, n);
    for (int64_t i = 0; i < n; i++)
      if (a[i] != b[i]) all_ok = 0;
    for (int64_t i = 1; i < n; i++)
      if (forest_key_float((uint32_t)(a[i] >> 32)) < forest_key_float((uint32_t)(a[i - 1] >> 32)))
        all_ok = 0;
    free(a);
    free(b);
    free(t);
  }
  CHECK(all_ok);
  /* the key map is monotone, -0 below +0, and inverts exactly */
  float vals[] = {-INFINITY, -3e38f, -1.5f, -1e-30f, -0.0f, 0.0f, 1e-45f, 1.0f, 2.5f, INFINITY};
  int mono = 1;
  for (int i = 1; i < 10; i++)
    if (!(forest_float_key(vals[i]) > forest_float_key(vals[i - 1]))) mono = 0;
  CHECK(mono);
  int inv = 1;
  for (int i = 0; i < 10; i++) {
    float v = forest_key_float(forest_float_key(vals[i]));
    if (memcmp(&v, &vals[i], sizeof v) != 0) inv = 0;
  }
  CHECK(inv);
}

/* ---- criteria ---- */

static void test_criteria(void) {
  double a[] = {2, 2}, b[] = {3, 1}, c[] = {4, 0}, d3[] = {1, 1, 2};
  CHECK_NEAR(forest_impurity(FOREST_GINI, a, 2, 4), 0.5, 1e-15);
  CHECK_NEAR(forest_impurity(FOREST_GINI, b, 2, 4), 0.375, 1e-15);
  CHECK(forest_impurity(FOREST_GINI, c, 2, 4) == 0.0);
  CHECK_NEAR(forest_impurity(FOREST_ENTROPY, a, 2, 4), 1.0, 1e-15);
  CHECK_NEAR(forest_impurity(FOREST_ENTROPY, b, 2, 4),
             -(0.75 * log2(0.75) + 0.25 * log2(0.25)), 1e-15);
  CHECK(forest_impurity(FOREST_ENTROPY, c, 2, 4) == 0.0);
  CHECK_NEAR(forest_impurity(FOREST_ENTROPY, d3, 3, 4), 1.5, 1e-15);
  CHECK_NEAR(forest_impurity(FOREST_GINI, d3, 3, 4), 1.0 - 6.0 / 16.0, 1e-15);
}

/* ---- a tree by hand ---- */

static void test_tiny_tree(void) {
  /* one feature 0, 1, 2, 3 with classes 0, 0, 1, 1: one split at 1.5 */
  float x[] = {0, 1, 2, 3};
  int32_t y[] = {0, 0, 1, 1};
  int32_t rows[] = {0, 1, 2, 3};
  ForestData D = {x, NULL, y, NULL, 4, 1, 2};
  ForestParams p = default_params(1);
  ForestTree t = {0};
  Rng r;
  rng_seed(&r, 1);
  CHECK(forest_tree_grow(&t, &D, rows, 4, NULL, &p, &r) == CREDO_OK);
  CHECK(t.n_nodes == 3);
  CHECK(t.nodes[0].feature == 0 && t.nodes[0].threshold == 1.5);
  CHECK(t.nodes[0].left == 1 && t.nodes[0].right == 2);
  CHECK(t.nodes[1].feature == -1 && t.nodes[2].feature == -1);
  CHECK(t.value[2] == 2 && t.value[3] == 0 && t.value[4] == 0 && t.value[5] == 2);
  CHECK(t.nodes[0].impurity == 0.5 && t.nodes[1].impurity == 0.0);
  CHECK(t.nodes[0].n_samples == 4 && t.nodes[1].n_samples == 2);
  double imp[1];
  forest_tree_importances(imp, &t, 1);
  CHECK(imp[0] == 1.0);
  float q[] = {1.5f, 1.50001f};
  CHECK(forest_tree_apply(&t, q, 1) == 1 && forest_tree_apply(&t, q + 1, 1) == 2);
  /* consecutive values within 1e-7 count as one value (sklearn's
   * FEATURE_THRESHOLD), even when the chain spans more than 1e-7 */
  float x2[] = {0.0f, 6e-8f, 1.2e-7f, 1.8e-7f};
  ForestData D2 = {x2, NULL, y, NULL, 4, 1, 2};
  rng_seed(&r, 1);
  CHECK(forest_tree_grow(&t, &D2, rows, 4, NULL, &p, &r) == CREDO_OK);
  CHECK(t.n_nodes == 1 && t.nodes[0].feature == -1);
  float x3[] = {0.0f, 6e-8f, 1.2e-7f, 2.3e-7f}; /* a gap of 1.1e-7 */
  ForestData D3 = {x3, NULL, y, NULL, 4, 1, 2};
  rng_seed(&r, 1);
  CHECK(forest_tree_grow(&t, &D3, rows, 4, NULL, &p, &r) == CREDO_OK);
  CHECK(t.n_nodes == 3 && t.nodes[0].threshold == (double)1.2e-7f / 2.0 + (double)2.3e-7f / 2.0);
  CHECK(t.value[2] == 2 && t.value[3] == 1 && t.value[4] == 0 && t.value[5] == 1);
  forest_tree_free(&t);
}

/* ---- brute force: every split is the best one ---- */

/* Rows of s reaching node `id` of t (walked from the root). */
static int64_t node_rows(const ForestTree *t, const Set *s, int64_t id, int64_t *out) {
  int64_t m = 0;
  for (int64_t i = 0; i < s->n; i++) {
    if (s->w && s->w[i] <= 0) continue;
    int64_t v = 0;
    while (v != id && t->nodes[v].feature >= 0) {
      const ForestNode *nd = &t->nodes[v];
      int64_t nx = (double)s->x[(int64_t)nd->feature * s->n + i] <= nd->threshold ? nd->left
                                                                                    : nd->right;
      if (nx > id) break;
      v = nx;
    }
    if (v == id) out[m++] = i;
  }
  return m;
}

static double proxy_of(forest_criterion c, const double *st, const double *sl, int k,
                       double wn, double wl) {
  double sr[16];
  for (int j = 0; j < k; j++) sr[j] = st[j] - sl[j];
  double wr = wn - wl;
  return -wr * forest_impurity(c, sr, k, wr) - wl * forest_impurity(c, sl, k, wl);
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* The best proxy over all features and all thresholds (midpoints of
 * distinct sorted values) of the rows, by direct counting. */
static double brute_best(const Set *s, const int64_t *rows, int64_t m, const ForestParams *p,
                         double min_weight_leaf) {
  int k = s->k;
  double st[16] = {0}, wn = 0;
  for (int64_t q = 0; q < m; q++) {
    double w = s->w ? s->w[rows[q]] : 1.0;
    st[s->y[rows[q]]] += w;
    wn += w;
  }
  float *v = malloc(sizeof(float) * (size_t)m);
  double best = -INFINITY;
  for (int j = 0; j < s->d; j++) {
    for (int64_t q = 0; q < m; q++) v[q] = s->x[(int64_t)j * s->n + rows[q]];
    qsort(v, (size_t)m, sizeof *v, cmp_float);
    for (int64_t q = 1; q < m; q++) {
      if ((double)v[q] <= (double)v[q - 1] + FOREST_FEATURE_THRESHOLD) continue;
      double thr = (double)v[q - 1] / 2.0 + (double)v[q] / 2.0;
      double sl[16] = {0}, wl = 0;
      int64_t nl = 0;
      for (int64_t r = 0; r < m; r++)
        if ((double)s->x[(int64_t)j * s->n + rows[r]] <= thr) {
          double w = s->w ? s->w[rows[r]] : 1.0;
          sl[s->y[rows[r]]] += w;
          wl += w;
          nl++;
        }
      if (nl < p->min_samples_leaf || m - nl < p->min_samples_leaf) continue;
      if (wl < min_weight_leaf || wn - wl < min_weight_leaf) continue;
      double pr = proxy_of(p->criterion, st, sl, k, wn, wl);
      if (pr > best) best = pr;
    }
  }
  free(v);
  return best;
}

/* Every split node of t: its children hold exactly the node's rows on
 * each side of the threshold, and its proxy equals the brute-force best. */
static void check_optimal(const ForestTree *t, const Set *s, const ForestParams *p,
                          const char *name) {
  int64_t *rows = malloc(sizeof(int64_t) * (size_t)s->n);
  double wN = 0;
  for (int64_t i = 0; i < s->n; i++) wN += s->w ? s->w[i] : 1.0;
  double mwl = p->min_weight_fraction * wN;
  double worst = 0;
  int counts_ok = 1, leaf_ok = 1, depth_ok = 1;
  for (int64_t id = 0; id < t->n_nodes; id++) {
    const ForestNode *nd = &t->nodes[id];
    int64_t m = node_rows(t, s, id, rows);
    if (m != nd->n_samples) counts_ok = 0;
    if (m < p->min_samples_leaf) leaf_ok = 0;
    if (p->max_depth >= 0 && nd->depth > p->max_depth) depth_ok = 0;
    if (nd->feature < 0) continue;
    int k = s->k;
    double st[16] = {0}, sl[16] = {0}, wn = 0, wl = 0;
    for (int64_t q = 0; q < m; q++) {
      int64_t i = rows[q];
      double w = s->w ? s->w[i] : 1.0;
      st[s->y[i]] += w;
      wn += w;
      if ((double)s->x[(int64_t)nd->feature * s->n + i] <= nd->threshold) {
        sl[s->y[i]] += w;
        wl += w;
      }
    }
    double mine = proxy_of(p->criterion, st, sl, k, wn, wl);
    double best = brute_best(s, rows, m, p, mwl);
    double diff = fabs(mine - best) / (fabs(best) > 1 ? fabs(best) : 1);
    if (!(diff <= worst)) worst = diff;
  }
  printf("  %-32s %3ld nodes, split proxy vs brute force max rel diff %.3g\n", name,
         (long)t->n_nodes, worst);
  CHECK(worst <= 1e-12);
  CHECK(counts_ok);
  CHECK(leaf_ok);
  CHECK(depth_ok);
  free(rows);
}

static void test_brute_force(void) {
  struct {
    const char *name;
    int k, weighted, msl, depth;
    forest_criterion crit;
    double mwf;
  } cases[] = {
    {"gini binary", 2, 0, 1, 6, FOREST_GINI, 0},
    {"entropy binary", 2, 0, 3, -1, FOREST_ENTROPY, 0},
    {"gini 3 classes weighted", 3, 1, 2, 7, FOREST_GINI, 0},
    {"entropy 4 classes weighted", 4, 1, 1, 5, FOREST_ENTROPY, 0},
    {"gini min_weight_fraction", 3, 1, 1, -1, FOREST_GINI, 0.05},
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    Set s = make_set(400, 4, cases[c].k, cases[c].weighted);
    ForestData D = data_of(&s);
    ForestParams p = default_params(4);
    p.criterion = cases[c].crit;
    p.min_samples_leaf = cases[c].msl;
    p.min_samples_split = 2 * cases[c].msl > 2 ? 2 * cases[c].msl : 2;
    p.max_depth = cases[c].depth;
    p.min_weight_fraction = cases[c].mwf;
    ForestModel m = {0};
    CHECK(forest_fit(&m, &D, &p) == CREDO_OK);
    check_optimal(&m.trees[0], &s, &p, cases[c].name);
    forest_model_free(&m);
    set_free(&s);
  }
}

/* ---- Extra Trees thresholds ---- */

static void test_random_splits(void) {
  Set s = make_set(500, 5, 2, 0);
  ForestData D = data_of(&s);
  ForestParams p = default_params(5);
  p.splitter = FOREST_RANDOM;
  p.max_features = 2;
  p.n_trees = 3;
  p.min_samples_leaf = 3;
  ForestModel m = {0};
  CHECK(forest_fit(&m, &D, &p) == CREDO_OK);
  int64_t *rows = malloc(sizeof(int64_t) * (size_t)s.n);
  int inside = 1, counts = 1;
  for (int t = 0; t < m.n_trees; t++) {
    const ForestTree *tr = &m.trees[t];
    for (int64_t id = 0; id < tr->n_nodes; id++) {
      const ForestNode *nd = &tr->nodes[id];
      int64_t mm = node_rows(tr, &s, id, rows);
      if (mm != nd->n_samples || mm < p.min_samples_leaf) counts = 0;
      if (nd->feature < 0) continue;
      float lo = INFINITY, hi = -INFINITY;
      for (int64_t q = 0; q < mm; q++) {
        float v = s.x[(int64_t)nd->feature * s.n + rows[q]];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
      if (!(nd->threshold >= lo && nd->threshold < hi)) inside = 0;
    }
  }
  CHECK(inside);
  CHECK(counts);
  free(rows);
  forest_model_free(&m);
  set_free(&s);
}

/* ---- constant features ---- */

static void test_constant_features(void) {
  /* features 0 and 1 constant, 2 informative; max_features = 1: sklearn
   * draws past max_features while every drawn feature was constant, so
   * the root still splits on feature 2, for every seed */
  int64_t n = 200;
  Set s = make_set(n, 3, 2, 0);
  for (int64_t i = 0; i < n; i++) {
    s.x[i] = 1.0f;
    s.x[n + i] = -2.0f;
    s.y[i] = s.x[2 * n + i] > 0.3f;
  }
  ForestData D = data_of(&s);
  for (int64_t i = 0; i < n; i++)
    for (int j = 0; j < 3; j++) s.xr[i * 3 + j] = s.x[j * n + i];
  ForestParams p = default_params(3);
  p.max_features = 1;
  p.n_trees = 8;
  ForestModel m = {0};
  CHECK(forest_fit(&m, &D, &p) == CREDO_OK);
  int all_f2 = 1;
  for (int t = 0; t < m.n_trees; t++)
    for (int64_t id = 0; id < m.trees[t].n_nodes; id++)
      if (m.trees[t].nodes[id].feature >= 0 && m.trees[t].nodes[id].feature != 2) all_f2 = 0;
  CHECK(all_f2);
  CHECK(m.trees[0].n_nodes == 3);
  forest_model_free(&m);
  /* every feature constant: a single leaf holding the class counts */
  for (int64_t i = 0; i < n; i++) s.x[2 * n + i] = 5.0f;
  CHECK(forest_fit(&m, &D, &p) == CREDO_OK);
  CHECK(m.trees[0].n_nodes == 1 && m.trees[0].nodes[0].feature == -1);
  double imp[3], scratch[3];
  forest_importances(imp, scratch, &m);
  CHECK(imp[0] == 0 && imp[1] == 0 && imp[2] == 0);
  forest_model_free(&m);
  set_free(&s);
}

/* ---- prediction, OOB, importances, threads ---- */

static int same_model(const ForestModel *a, const ForestModel *b) {
  if (a->n_trees != b->n_trees) return 0;
  for (int t = 0; t < a->n_trees; t++) {
    const ForestTree *x = &a->trees[t], *y = &b->trees[t];
    if (x->n_nodes != y->n_nodes) return 0;
    if (memcmp(x->nodes, y->nodes, sizeof *x->nodes * (size_t)x->n_nodes)) return 0;
    if (memcmp(x->value, y->value, sizeof *x->value * (size_t)(x->n_nodes * x->k))) return 0;
  }
  if ((a->oob_proba == NULL) != (b->oob_proba == NULL)) return 0;
  if (a->oob_proba &&
      memcmp(a->oob_proba, b->oob_proba, sizeof(double) * (size_t)(a->oob_n * a->k)))
    return 0;
  return 1;
}

static void test_forest(forest_splitter sp, int weighted, int subsample, const char *name) {
  Set s = make_set(3000, 6, 3, weighted);
  ForestData D = data_of(&s);
  ForestParams p = default_params(6);
  p.splitter = sp;
  p.max_features = 2;
  p.n_trees = 12;
  p.max_depth = 8;
  p.bootstrap = 1;
  p.n_bootstrap = 2500;
  p.oob = 1;
  p.balanced_subsample = subsample;
  p.seed = 42;
  ForestModel m1 = {0}, m2 = {0};
  CHECK(forest_fit(&m1, &D, &p) == CREDO_OK);
  p.n_threads = 2;
  CHECK(forest_fit(&m2, &D, &p) == CREDO_OK);
  printf("  %-32s threads 1 vs 2 identical: %s\n", name, same_model(&m1, &m2) ? "yes" : "NO");
  CHECK(same_model(&m1, &m2));
  /* prediction = mean of per-tree normalised leaf values */
  int64_t nq = 257;
  double *pr = malloc(sizeof(double) * (size_t)(nq * 3));
  CHECK(forest_predict_proba(pr, &m1, s.xr, nq, 6, 1, 2) == CREDO_OK);
  double worst = 0, sumdev = 0;
  for (int64_t i = 0; i < nq; i++) {
    double acc[3] = {0, 0, 0};
    for (int t = 0; t < m1.n_trees; t++) {
      int64_t leaf = forest_tree_apply(&m1.trees[t], s.xr + i * 6, 1);
      const double *v = m1.trees[t].value + leaf * 3;
      double tot = v[0] + v[1] + v[2];
      for (int c = 0; c < 3; c++) acc[c] += v[c] / tot;
    }
    double rs = 0;
    for (int c = 0; c < 3; c++) {
      double d = fabs(acc[c] / m1.n_trees - pr[i * 3 + c]);
      if (d > worst) worst = d;
      rs += pr[i * 3 + c];
    }
    if (fabs(rs - 1) > sumdev) sumdev = fabs(rs - 1);
  }
  CHECK(worst == 0);
  CHECK(sumdev < 1e-12);
  /* the same from the column-major copy */
  double *pc = malloc(sizeof(double) * (size_t)(nq * 3));
  CHECK(forest_predict_proba(pc, &m1, s.x, nq, 1, s.n, 1) == CREDO_OK);
  CHECK(memcmp(pc, pr, sizeof(double) * (size_t)(nq * 3)) == 0);
  /* out of bag: recompute from the same bootstrap streams */
  int32_t *count = malloc(sizeof(int32_t) * (size_t)s.n);
  int64_t *draws = malloc(sizeof(int64_t) * (size_t)p.n_bootstrap);
  double *oob = calloc((size_t)(s.n * 3), sizeof(double));
  int *noob = calloc((size_t)s.n, sizeof(int));
  double root_w_dev = 0;
  for (int t = 0; t < m1.n_trees; t++) {
    Rng r;
    rng_stream(&r, p.seed, (uint64_t)t);
    rng_bootstrap(draws, s.n, p.n_bootstrap, &r);
    memset(count, 0, sizeof(int32_t) * (size_t)s.n);
    for (int64_t q = 0; q < p.n_bootstrap; q++) count[draws[q]]++;
    if (subsample && !weighted) /* balanced_subsample: root weight = draws */
      root_w_dev = fmax(root_w_dev,
                        fabs(m1.trees[t].nodes[0].weighted_n - (double)p.n_bootstrap));
    for (int64_t i = 0; i < s.n; i++) {
      if (count[i]) continue;
      int64_t leaf = forest_tree_apply(&m1.trees[t], s.x + i, s.n);
      const double *v = m1.trees[t].value + leaf * 3;
      double tot = v[0] + v[1] + v[2];
      for (int c = 0; c < 3; c++) oob[i * 3 + c] += v[c] / tot;
      noob[i]++;
    }
  }
  double oworst = 0;
  int64_t correct = 0;
  for (int64_t i = 0; i < s.n; i++) {
    int best = 0;
    for (int c = 0; c < 3; c++) {
      double v = oob[i * 3 + c] / (noob[i] ? noob[i] : 1);
      oworst = fmax(oworst, fabs(v - m1.oob_proba[i * 3 + c]));
      if (v > oob[i * 3 + best] / (noob[i] ? noob[i] : 1)) best = c;
    }
    correct += best == s.y[i];
  }
  CHECK(oworst == 0);
  CHECK(m1.oob_score == (double)correct / (double)s.n);
  CHECK(root_w_dev < 1e-9);
  /* importances sum to 1; features 0 and 1 carry the signal */
  double imp[6], scratch[6], tot = 0;
  forest_importances(imp, scratch, &m1);
  for (int j = 0; j < 6; j++) tot += imp[j];
  CHECK_NEAR(tot, 1.0, 1e-12);
  CHECK(imp[0] > imp[3] && imp[0] > imp[4] && imp[0] > imp[5]);
  printf("  %-32s oob score %.4f, importance of feature 1 %.3f\n", name, m1.oob_score, imp[0]);
  free(pr);
  free(pc);
  free(count);
  free(draws);
  free(oob);
  free(noob);
  forest_model_free(&m1);
  forest_model_free(&m2);
  set_free(&s);
}

/* zero-weight rows take no part; a different seed gives a different forest */
static void test_weights_and_seeds(void) {
  Set s = make_set(600, 4, 2, 1);
  for (int64_t i = 0; i < s.n; i += 3) s.w[i] = 0.0;
  ForestData D = data_of(&s);
  ForestParams p = default_params(4);
  ForestModel m = {0}, m2 = {0};
  CHECK(forest_fit(&m, &D, &p) == CREDO_OK);
  CHECK(m.trees[0].nodes[0].n_samples == 400);
  check_optimal(&m.trees[0], &s, &p, "zero-weight rows");
  forest_model_free(&m);
  p.splitter = FOREST_RANDOM;
  p.max_features = 2;
  p.n_trees = 2;
  p.seed = 1;
  CHECK(forest_fit(&m, &D, &p) == CREDO_OK);
  p.seed = 2;
  CHECK(forest_fit(&m2, &D, &p) == CREDO_OK);
  CHECK(!same_model(&m, &m2));
  forest_model_free(&m);
  forest_model_free(&m2);
  set_free(&s);
}

static void test_interrupt(void) {
  Set s = make_set(2000, 4, 2, 0);
  ForestData D = data_of(&s);
  ForestParams p = default_params(4);
  p.n_trees = 4;
  ForestModel m = {0};
  credo_interrupted = 1;
  CHECK(forest_fit(&m, &D, &p) == CREDO_EINTR);
  CHECK(m.trees == NULL);
  credo_interrupted = 0;
  set_free(&s);
}

int main(void) {
  test_sort();
  test_criteria();
  test_tiny_tree();
  test_brute_force();
  test_random_splits();
  test_constant_features();
  test_forest(FOREST_BEST, 0, 0, "random forest");
  test_forest(FOREST_BEST, 1, 0, "random forest, weights");
  test_forest(FOREST_RANDOM, 0, 1, "extra trees, balanced_subsample");
  test_weights_and_seeds();
  test_interrupt();
  return ctest_summary();
}
