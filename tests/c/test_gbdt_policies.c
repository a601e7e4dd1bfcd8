/*
 * test_gbdt_policies.c: the leaf-wise and oblivious growth policies and the
 * ordered target statistics of the booster core (natives/gbdt, gbdt.h):
 * split finders on hand-made histograms with hand-computed gains, tree
 * invariants (leaf limits, one split per level), bit-identical trees for
 * one and two threads on data large enough to run the parallel paths, and
 * the categorical encoder.  Parity with LightGBM and CatBoost is in
 * tests/spec/gbdt_spec.lua.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../natives/gbdt/gbdt.h"
#include "ctest.h"

static uint64_t lcg_state = 0x243F6A8885A308D3ULL;
static double urand(void) {
  lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg_state >> 11) * (1.0 / 9007199254740992.0);
}

static GbdtParams params(gbdt_growth growth) {
  GbdtParams p;
  memset(&p, 0, sizeof p);
  p.tree.growth = growth;
  p.tree.max_depth = growth == GBDT_GROW_LEAFWISE ? -1 : 6;
  p.tree.max_leaves = growth == GBDT_GROW_LEAFWISE ? 31 : 0;
  p.tree.learning_rate = 0.1f;
  p.tree.reg_lambda = growth == GBDT_GROW_OBLIVIOUS ? 3.0f : 0.0f;
  p.tree.min_child_weight = 1e-3f;
  p.tree.min_child_samples = growth == GBDT_GROW_LEAFWISE ? 20 : 0;
  p.objective = GBDT_OBJ_LOGISTIC;
  p.n_estimators = 5;
  p.max_bin = 255;
  p.subsample = 1.0;
  p.colsample_bytree = 1.0;
  p.base_score = 0.5;
  p.scale_pos_weight = 1.0f;
  p.n_threads = 1;
  return p;
}

/* A hand-made binning (no data needed). */
static void fake_bins(GbdtBins *b, int d, const int *nbins, float *cuts) {
  memset(b, 0, sizeof *b);
  b->d = d;
  b->nbins = (int *)nbins;
  b->cut_ptr = malloc((size_t)(d + 1) * sizeof *b->cut_ptr);
  b->hoff = malloc((size_t)(d + 1) * sizeof *b->hoff);
  b->cut_ptr[0] = b->hoff[0] = 0;
  for (int j = 0; j < d; j++) {
    b->cut_ptr[j + 1] = b->cut_ptr[j] + nbins[j] - 1;
    b->hoff[j + 1] = b->hoff[j] + nbins[j] + 1;
  }
  b->cuts = cuts;
}

static void test_leafwise_split(void) {
  GbdtTreeParams p = {.max_depth = -1, .learning_rate = 1, .reg_lambda = 1.0f,
                      .min_child_weight = 1.0f, .growth = GBDT_GROW_LEAFWISE};
  int nbins[1] = {3};
  float cuts[2] = {0.5f, 1.5f};
  GbdtBins b;
  fake_bins(&b, 1, nbins, cuts);
  /* bins (-2,1) (-1,1) (3,2), G = 0, H = 4, 4 rows (1 row per unit hessian).
   * Reverse scan: left = bins 0..1: 9/3 + 9/3 = 6; left = bin 0: 4/2 + 4/4
   * = 3.  Parent score 0. */
  GbdtGH h[4] = {{-2, 1}, {-1, 1}, {3, 2}, {0, 0}};
  int f0[1] = {0};
  uint8_t ok[1] = {1};
  GbdtSplit s;
  gbdt_split_find_leafwise(&s, ok, h, &b, f0, 1, 0, 4, 4, &p);
  CHECK(s.feature == 0 && s.bin == 1 && s.default_left == 1 && s.threshold == 1.5f);
  CHECK_NEAR(s.loss_chg, 6.0, 1e-7);
  CHECK(s.GL == -3 && s.HL == 2 && s.GR == 3 && s.HR == 2 && ok[0] == 1);
  /* two rows per child needed: still bin 1 (counts 2 | 2) */
  p.min_child_samples = 2;
  gbdt_split_find_leafwise(&s, ok, h, &b, f0, 1, 0, 4, 4, &p);
  CHECK(s.feature == 0 && s.bin == 1);
  /* three: no split, and the feature is marked unsplittable */
  p.min_child_samples = 3;
  gbdt_split_find_leafwise(&s, ok, h, &b, f0, 1, 0, 4, 4, &p);
  CHECK(s.feature == -1 && s.loss_chg == 0 && ok[0] == 0);
  /* an unsplittable feature is skipped even when it would split */
  p.min_child_samples = 0;
  gbdt_split_find_leafwise(&s, ok, h, &b, f0, 1, 0, 4, 4, &p);
  CHECK(s.feature == -1 && ok[0] == 0);
  /* counts come from hessians: 8 rows on hessian 4 are 2 per unit, so
   * min_child_samples 4 allows the (2 | 2) hessian split */
  ok[0] = 1;
  p.min_child_samples = 4;
  gbdt_split_find_leafwise(&s, ok, h, &b, f0, 1, 0, 4, 8, &p);
  CHECK(s.feature == 0 && s.bin == 1);
  /* gamma above the gain: none */
  p.min_child_samples = 0;
  p.gamma = 6.5f;
  gbdt_split_find_leafwise(&s, NULL, h, &b, f0, 1, 0, 4, 4, &p);
  CHECK(s.feature == -1);
  /* missing values: bins (-2,1) (2,1) (0,0), missing (-3,2); G = -3, H = 4,
   * lambda 1, parent 9/5.  Reverse (missing left): left = bin 0 + missing
   * (-5,3), right (2,1): 25/4 + 4/2 = 8.25, the best; forward (missing
   * right) never beats it. */
  p.gamma = 0;
  GbdtGH h3[4] = {{-2, 1}, {2, 1}, {0, 0}, {-3, 2}};
  gbdt_split_find_leafwise(&s, NULL, h3, &b, f0, 1, -3, 4, 4, &p);
  CHECK(s.feature == 0 && s.default_left == 1 && s.bin == 0 && s.threshold == 0.5f);
  CHECK_NEAR(s.loss_chg, 8.25 - 1.8, 1e-6);
  free(b.cut_ptr);
  free(b.hoff);
}

static void test_oblivious_split(void) {
  GbdtTreeParams p = {.max_depth = 6, .learning_rate = 1, .reg_lambda = 1.0f,
                      .growth = GBDT_GROW_OBLIVIOUS};
  int nbins[2] = {3, 3};
  float cuts[4] = {0.5f, 1.5f, 10.5f, 20.5f};
  GbdtBins b;
  fake_bins(&b, 2, nbins, cuts);
  /* node A, feature 0: (-2,1) (-1,1) (3,2); node B: (1,1) (1,1) (-2,2);
   * both G = 0, H = 4.  Bin 0: A 2 + 1, B 0.5 + 0.25 -> 3.75; bin 1: A 3 +
   * 3, B 4/3 + 4/3 -> 8.667.  Feature 1 is flat in both nodes. */
  GbdtGH ha[8] = {{-2, 1}, {-1, 1}, {3, 2}, {0, 0}, {0, 4}, {0, 0}, {0, 0}, {0, 0}};
  GbdtGH hb[8] = {{1, 1}, {1, 1}, {-2, 2}, {0, 0}, {0, 4}, {0, 0}, {0, 0}, {0, 0}};
  GbdtGH *hs[2] = {ha, hb};
  double G[2] = {0, 0}, H[2] = {4, 4}, scr[4];
  int f[2] = {0, 1};
  GbdtSplit s;
  gbdt_split_find_oblivious(&s, hs, G, H, 2, &b, f, 2, &p, scr);
  CHECK(s.feature == 0 && s.bin == 1 && s.default_left == 0 && s.threshold == 1.5f);
  CHECK_NEAR(s.loss_chg, 6.0 + 8.0 / 3.0, 1e-6);
  /* one node alone: its own best */
  gbdt_split_find_oblivious(&s, hs + 1, G, H, 1, &b, f, 2, &p, scr);
  CHECK(s.feature == 0 && s.bin == 1);
  CHECK_NEAR(s.loss_chg, 8.0 / 3.0, 1e-6);
  free(b.cut_ptr);
  free(b.hoff);
}

/* n rows, d features in [-2, 2), 3% missing; y depends on features 0, 1. */
static void problem(float *X, float *y, int64_t n, int d) {
  for (int64_t i = 0; i < n; i++) {
    for (int j = 0; j < d; j++) X[i * d + j] = urand() < 0.03 ? NAN : (float)(urand() * 4 - 2);
    float a = X[i * d], c = X[i * d + 1];
    double z = (a == a ? a : 0) * 1.5 - (c == c && c > 0.3 ? 1 : 0) + (urand() - 0.5) * 2;
    y[i] = z > 0;
  }
}

/* leaves and depth of tree t */
static void tree_shape(const GbdtModel *m, int t, int *leaves, int *depth) {
  const GbdtNode *nd = m->nodes + m->tree_ptr[t];
  int64_t nn = m->tree_ptr[t + 1] - m->tree_ptr[t];
  int *dep = calloc((size_t)nn, sizeof *dep);
  *leaves = 0;
  *depth = 0;
  for (int64_t k = 0; k < nn; k++) {
    if (nd[k].feature < 0) {
      (*leaves)++;
      if (dep[k] > *depth) *depth = dep[k];
    } else {
      dep[nd[k].left] = dep[nd[k].right] = dep[k] + 1;
    }
  }
  free(dep);
}

static void test_trees(void) {
  enum { N = 5000, D = 6 };
  float *X = malloc(N * D * sizeof *X), *y = malloc(N * sizeof *y);
  problem(X, y, N, D);
  GbdtMatrix M = {X, N, D, D, 1};
  GbdtModel m;
  /* leaf-wise: exactly max_leaves leaves, and max_depth holds */
  GbdtParams p = params(GBDT_GROW_LEAFWISE);
  p.tree.max_leaves = 12;
  CHECK(gbdt_fit(&m, &p, &M, y, NULL, NULL, 0) == CREDO_OK);
  int ok = 1;
  for (int t = 0; t < m.n_trees; t++) {
    int nl, dp;
    tree_shape(&m, t, &nl, &dp);
    ok &= nl == 12;
  }
  CHECK(ok);
  gbdt_model_free(&m);
  p.tree.max_leaves = 100;
  p.tree.max_depth = 3;
  CHECK(gbdt_fit(&m, &p, &M, y, NULL, NULL, 0) == CREDO_OK);
  ok = 1;
  for (int t = 0; t < m.n_trees; t++) {
    int nl, dp;
    tree_shape(&m, t, &nl, &dp);
    ok &= nl <= 8 && dp <= 3;
  }
  CHECK(ok);
  gbdt_model_free(&m);
  /* oblivious: complete trees, one (feature, threshold, direction) a level */
  p = params(GBDT_GROW_OBLIVIOUS);
  p.tree.max_depth = 4;
  CHECK(gbdt_fit(&m, &p, &M, y, NULL, NULL, 0) == CREDO_OK);
  ok = 1;
  for (int t = 0; t < m.n_trees; t++) {
    const GbdtNode *nd = m.nodes + m.tree_ptr[t];
    int nl, dp;
    tree_shape(&m, t, &nl, &dp);
    ok &= nl == 1 << dp && dp == 4;
    int level[16], nlev = 1;
    level[0] = 0;
    for (int k = 0; k < dp; k++) {
      int next[16], nn = 0;
      for (int q = 0; q < nlev; q++) {
        const GbdtNode *a = &nd[level[q]], *r = &nd[level[0]];
        ok &= a->feature == r->feature && a->threshold == r->threshold &&
              a->default_left == r->default_left;
        if (nn + 2 <= 16) next[nn++] = a->left, next[nn++] = a->right;
      }
      memcpy(level, next, sizeof next);
      nlev = nn;
    }
  }
  CHECK(ok);
  printf("  oblivious depth 4: %d complete trees, one split per level: %s\n", m.n_trees,
         ok ? "yes" : "no");
  gbdt_model_free(&m);
  free(X), free(y);
}

/* Same trees for one and two threads on data over several row blocks (the
 * parallel paths run), with row and column sampling. */
static void test_threads(void) {
  enum { N = 3 * GBDT_BLOCK + 77, D = 7 };
  float *X = malloc((size_t)N * D * sizeof *X), *y = malloc(N * sizeof *y);
  problem(X, y, N, D);
  GbdtMatrix M = {X, N, D, D, 1};
  gbdt_growth gs[2] = {GBDT_GROW_LEAFWISE, GBDT_GROW_OBLIVIOUS};
  for (int k = 0; k < 2; k++) {
    GbdtParams p = params(gs[k]);
    p.n_estimators = 3;
    p.subsample = 0.8;
    p.colsample_bytree = 0.8;
    p.seed = 9;
    GbdtModel m1, m2;
    p.n_threads = 1;
    CHECK(gbdt_fit(&m1, &p, &M, y, NULL, NULL, 0) == CREDO_OK);
    p.n_threads = 2;
    CHECK(gbdt_fit(&m2, &p, &M, y, NULL, NULL, 0) == CREDO_OK);
    int same = m1.tree_ptr[m1.n_trees] == m2.tree_ptr[m2.n_trees] &&
               memcmp(m1.nodes, m2.nodes, (size_t)m1.tree_ptr[m1.n_trees] * sizeof *m1.nodes) == 0;
    CHECK(same);
    printf("  %s, %d rows: threads 1 and 2 give %ld identical nodes: %s\n",
           k ? "oblivious" : "leaf-wise", N, (long)m1.tree_ptr[m1.n_trees], same ? "yes" : "no");
    gbdt_model_free(&m1);
    gbdt_model_free(&m2);
  }
  free(X), free(y);
}

static void test_cat(void) {
  /* categories 1 1 1 2 2 NaN (rows 0 2 3 | 1 4 | 5), labels 1 0 1 | 0 1 | 1,
   * prior 0.4, a = 1.  Full data: (2 + .4) / 4, (1 + .4) / 3, (1 + .4) / 2. */
  float x[6] = {1, 2, 1, 1, 2, NAN}, y[6] = {1, 0, 0, 1, 1, 1};
  float tr[6], lev[6], st[6];
  int64_t nl = 0;
  CHECK(gbdt_cat_fit(tr, lev, st, &nl, x, 1, y, 6, 0.4, 1.0, 3) == CREDO_OK);
  CHECK(nl == 3 && lev[0] == 1 && lev[1] == 2 && isnan(lev[2]));
  CHECK(st[0] == (float)(2.4 / 4) && st[1] == (float)(1.4 / 3) && st[2] == (float)(1.4 / 2));
  /* the first row of each category in the permutation sees only the prior
   * (the other values of category 1 are .2 or .7, then .4667 or .8); the
   * NaN row is alone */
  float pr = (float)(0.4 / 1.0);
  int first1 = (tr[0] == pr) + (tr[2] == pr) + (tr[3] == pr);
  CHECK(first1 == 1 && tr[5] == pr);
  CHECK((tr[1] == pr) != (tr[4] == pr));
  /* the second row of category 2 sees the first's label: (y + .4) / 2 */
  float other = tr[1] == pr ? tr[4] : tr[1], ylab = tr[1] == pr ? y[1] : y[4];
  CHECK(other == (float)((ylab + 0.4) / 2));
  float o[5], q[5] = {2, 1, NAN, 7, 1.5f};
  gbdt_cat_apply(o, q, 1, 5, lev, st, nl, 0.4f);
  CHECK(o[0] == st[1] && o[1] == st[0] && o[2] == st[2] && o[3] == 0.4f && o[4] == 0.4f);
  /* strided input, a larger set: same seed same values, another seed not */
  enum { N = 400 };
  float *xs = malloc(2 * N * sizeof *xs), *ys = malloc(N * sizeof *ys);
  float *t1 = malloc(N * sizeof *t1), *t2 = malloc(N * sizeof *t2);
  float *l1 = malloc(N * sizeof *l1), *s1 = malloc(N * sizeof *s1);
  for (int i = 0; i < N; i++) {
    xs[2 * i] = (float)(i % 7);
    xs[2 * i + 1] = 0;
    ys[i] = urand() < 0.3 + 0.1 * (i % 7);
  }
  CHECK(gbdt_cat_fit(t1, l1, s1, &nl, xs, 2, ys, N, 0.3, 2.0, 1) == CREDO_OK);
  CHECK(nl == 7);
  CHECK(gbdt_cat_fit(t2, l1, s1, &nl, xs, 2, ys, N, 0.3, 2.0, 1) == CREDO_OK);
  CHECK(memcmp(t1, t2, N * sizeof *t1) == 0);
  CHECK(gbdt_cat_fit(t2, l1, s1, &nl, xs, 2, ys, N, 0.3, 2.0, 2) == CREDO_OK);
  CHECK(memcmp(t1, t2, N * sizeof *t1) != 0);
  free(xs), free(ys), free(t1), free(t2), free(l1), free(s1);
}

int main(void) {
  test_leafwise_split();
  test_oblivious_split();
  test_trees();
  test_threads();
  test_cat();
  return ctest_summary();
}
