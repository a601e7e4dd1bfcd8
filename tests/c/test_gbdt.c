/*
 * test_gbdt.c: the histogram booster's core (natives/gbdt) without Lua:
 * binning edge cases, the fast histogram against its reference twin,
 * histogram subtraction, the split formulas on hand-computed examples, a
 * tiny problem with a known optimal split, metrics, and bit-identical
 * results across thread counts.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctest.h"
#include "../../natives/gbdt/gbdt.h"

static uint64_t lcg_state = 0x9E3779B97F4A7C15ULL;
static double urand(void) {
  lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg_state >> 11) * (1.0 / 9007199254740992.0);
}

static GbdtParams default_params(void) {
  GbdtParams p;
  memset(&p, 0, sizeof p);
  p.tree.max_depth = 6;
  p.tree.learning_rate = 0.3f;
  p.tree.reg_lambda = 1.0f;
  p.tree.min_child_weight = 1.0f;
  p.objective = GBDT_OBJ_LOGISTIC;
  p.n_estimators = 10;
  p.max_bin = 255;
  p.subsample = 1.0;
  p.colsample_bytree = 1.0;
  p.base_score = 0.5;
  p.scale_pos_weight = 1.0f;
  p.n_threads = 1;
  return p;
}

/* ---- binning ---- */

static void test_cuts(void) {
  float cuts[GBDT_MAX_BIN];
  /* few distinct values: one bin per value, midpoints */
  float v1[] = {1, 1, 2, 4, 4, 4};
  CHECK(gbdt_cuts_from_sorted(cuts, v1, 6, 255) == 3);
  CHECK(cuts[0] == 1.5f && cuts[1] == 3.0f);
  /* one value: one bin, no threshold; no values: no bin */
  float v2[] = {7, 7, 7};
  CHECK(gbdt_cuts_from_sorted(cuts, v2, 3, 255) == 1);
  CHECK(gbdt_cuts_from_sorted(cuts, v2, 0, 255) == 0);
  /* adjacent floats: the midpoint rounds onto a bound, the upper one wins */
  float a = 1.0f, b = nextafterf(1.0f, 2.0f);
  float v3[] = {a, b};
  CHECK(gbdt_cuts_from_sorted(cuts, v3, 2, 255) == 2);
  CHECK(cuts[0] > a && cuts[0] <= b);
  CHECK(gbdt_bin_value(cuts, 1, a) == 0 && gbdt_bin_value(cuts, 1, b) == 1);
  /* exactly max_bin distinct values still get one bin each */
  float v4[10];
  for (int i = 0; i < 10; i++) v4[i] = (float)i;
  CHECK(gbdt_cuts_from_sorted(cuts, v4, 10, 10) == 10);
  CHECK(gbdt_cuts_from_sorted(cuts, v4, 10, 9) <= 9);
  /* more distinct values than bins: at most max_bin, increasing, every
   * threshold strictly between two data values, near-equal counts */
  enum { M = 10000 };
  float *v = malloc(M * sizeof *v);
  for (int i = 0; i < M; i++) v[i] = (float)i * 0.25f;
  int nb = gbdt_cuts_from_sorted(cuts, v, M, 16);
  CHECK(nb == 16);
  int ok = 1;
  for (int k = 1; k < nb - 1; k++) ok &= cuts[k] > cuts[k - 1];
  CHECK(ok);
  int cnt[16] = {0};
  for (int i = 0; i < M; i++) cnt[gbdt_bin_value(cuts, nb - 1, v[i])]++;
  int lo = M, hi = 0;
  for (int k = 0; k < nb; k++) {
    lo = cnt[k] < lo ? cnt[k] : lo;
    hi = cnt[k] > hi ? cnt[k] : hi;
  }
  printf("  equal-frequency bins: counts %d .. %d (target %d)\n", lo, hi, M / 16);
  CHECK(hi - lo <= 2);
  /* a heavy value gets a bin of its own */
  for (int i = 0; i < M; i++) v[i] = i < M / 2 ? 0.0f : (float)i;
  nb = gbdt_cuts_from_sorted(cuts, v, M, 16);
  CHECK(nb <= 16);
  CHECK(gbdt_bin_value(cuts, nb - 1, 0.0f) == 0);
  CHECK(gbdt_bin_value(cuts, nb - 1, (float)(M / 2)) == 1);
  free(v);
  /* NaN is the missing code */
  CHECK(gbdt_bin_value(cuts, 3, NAN) == 4);
}

static void test_bins_build(void) {
  enum { N = 3000, D = 6 };
  float *X = malloc(N * D * sizeof *X);
  for (int i = 0; i < N; i++) {
    X[i * D + 0] = (float)(i % 7);                       /* 7 values */
    X[i * D + 1] = (float)(urand() * 10 - 5);            /* continuous */
    X[i * D + 2] = i % 5 == 0 ? NAN : (float)(i % 3);    /* with NaN */
    X[i * D + 3] = NAN;                                  /* all missing */
    X[i * D + 4] = i % 2 ? -0.0f : 0.0f;                 /* one value, +-0 */
    X[i * D + 5] = (float)(urand() < 0.5 ? urand() : 1e-30 * urand());
  }
  GbdtMatrix M = {X, N, D, D, 1};
  GbdtBins b1, b2;
  CHECK(gbdt_bins_build(&b1, &M, 255, 1) == CREDO_OK);
  CHECK(gbdt_bins_build(&b2, &M, 255, 2) == CREDO_OK);
  CHECK(b1.ngroups == 2);
  CHECK(b1.nbins[0] == 7 && b1.nbins[2] == 3 && b1.nbins[3] == 0 && b1.nbins[4] == 1);
  CHECK(b1.nbins[1] == 255 && b1.nbins[5] == 255);
  CHECK(memcmp(b1.codes, b2.codes, (size_t)b1.ngroups * N * 4) == 0);
  CHECK(memcmp(b1.cuts, b2.cuts, (size_t)b1.cut_ptr[D] * sizeof(float)) == 0);
  /* codes agree with the reference search; NaN is the missing code; the
   * padding lanes of the last group are 0 */
  int ok = 1, pad = 1;
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) {
      int nc = (int)(b1.cut_ptr[j + 1] - b1.cut_ptr[j]);
      int want = b1.nbins[j] == 0 ? 0 : gbdt_bin_value(b1.cuts + b1.cut_ptr[j], nc, X[i * D + j] + 0.0f);
      ok &= gbdt_code(&b1, i, j) == want;
    }
    pad &= (b1.codes[1 * N + i] >> 16) == 0;
  }
  CHECK(ok);
  CHECK(pad);
  CHECK(gbdt_code(&b1, 0, 2) == 3);  /* NaN row -> missing bin of feature 2 */
  CHECK(gbdt_code(&b1, 0, 4) == gbdt_code(&b1, 1, 4));  /* -0 with +0 */
  /* histogram layout: nbins + 1 entries per feature */
  CHECK(b1.hoff[1] - b1.hoff[0] == 8 && b1.hoff[4] - b1.hoff[3] == 1);
  gbdt_bins_free(&b1);
  gbdt_bins_free(&b2);
  gbdt_bins_free(&b2); /* safe twice */
  free(X);
  /* more rows than GBDT_BIN_SAMPLE: cuts from the fixed sample, the same at
   * any thread count; codes of every row agree with the thresholds; a
   * feature with few values still gets one bin per value */
  enum { NS = GBDT_BIN_SAMPLE + 40000, DS = 3 };
  float *S = malloc((size_t)NS * DS * sizeof *S);
  for (int i = 0; i < NS; i++) {
    S[i * DS] = (float)(urand() * 1000);
    S[i * DS + 1] = (float)(i % 13);
    S[i * DS + 2] = urand() < 0.1 ? NAN : (float)(urand() - 0.5);
  }
  GbdtMatrix MS = {S, NS, DS, DS, 1};
  CHECK(gbdt_bins_build(&b1, &MS, 255, 1) == CREDO_OK);
  CHECK(gbdt_bins_build(&b2, &MS, 255, 2) == CREDO_OK);
  CHECK(b1.nbins[0] == 255 && b1.nbins[1] == 13 && b1.nbins[2] == 255);
  CHECK(memcmp(b1.cuts, b2.cuts, (size_t)b1.cut_ptr[DS] * sizeof(float)) == 0);
  CHECK(memcmp(b1.codes, b2.codes, (size_t)b1.ngroups * NS * 4) == 0);
  ok = 1;
  for (int i = 0; i < NS; i++)
    for (int j = 0; j < DS; j++) {
      int nc = (int)(b1.cut_ptr[j + 1] - b1.cut_ptr[j]);
      ok &= gbdt_code(&b1, i, j) == gbdt_bin_value(b1.cuts + b1.cut_ptr[j], nc, S[i * DS + j]);
    }
  CHECK(ok);
  gbdt_bins_free(&b1);
  gbdt_bins_free(&b2);
  free(S);
  /* more than 256 features: the smaller lookup tables give the same codes */
  enum { NW = 700, DW = 300 };
  float *W = malloc((size_t)NW * DW * sizeof *W);
  for (int i = 0; i < NW * DW; i++)
    W[i] = urand() < 0.02 ? NAN : (float)((urand() - 0.5) * pow(10, (int)(urand() * 8) - 4));
  GbdtMatrix MW = {W, NW, DW, DW, 1};
  CHECK(gbdt_bins_build(&b1, &MW, 200, 2) == CREDO_OK);
  ok = 1;
  for (int i = 0; i < NW; i++)
    for (int j = 0; j < DW; j++) {
      int nc = (int)(b1.cut_ptr[j + 1] - b1.cut_ptr[j]);
      ok &= gbdt_code(&b1, i, j) == gbdt_bin_value(b1.cuts + b1.cut_ptr[j], nc, W[i * DW + j] + 0.0f);
    }
  CHECK(ok);
  CHECK(b1.nbins[0] == 200 && b1.rows == NULL);
  gbdt_bins_free(&b1);
  free(W);
}

/* ---- histograms ---- */

static void test_hist(void) {
  enum { N = 5000, D = 7 };
  float *X = malloc(N * D * sizeof *X), *gh = malloc(2 * N * sizeof *gh);
  for (int i = 0; i < N * D; i++) X[i] = urand() < 0.05 ? NAN : (float)(urand() * 100);
  GbdtMatrix M = {X, N, D, D, 1};
  GbdtBins b;
  CHECK(gbdt_bins_build(&b, &M, 64, 1) == CREDO_OK);
  uint32_t *idx = malloc(N * sizeof *idx), *idxl = malloc(N * sizeof *idx),
           *idxr = malloc(N * sizeof *idx);
  float *ghl = malloc(2 * N * sizeof *ghl), *ghr = malloc(2 * N * sizeof *ghr);
  int m = 0, nl = 0, nr = 0;
  for (int i = 0; i < N; i++)
    if (urand() < 0.6) idx[m++] = (uint32_t)i;
  for (int i = 0; i < m; i++) {
    gh[2 * i] = (float)(urand() - 0.5);
    gh[2 * i + 1] = (float)urand();
    if (gbdt_code(&b, idx[i], 1) < 30) {
      idxl[nl] = idx[i], ghl[2 * nl] = gh[2 * i], ghl[2 * nl + 1] = gh[2 * i + 1], nl++;
    } else {
      idxr[nr] = idx[i], ghr[2 * nr] = gh[2 * i], ghr[2 * nr + 1] = gh[2 * i + 1], nr++;
    }
  }
  int64_t E = b.hoff[D];
  GbdtGH *h1 = calloc((size_t)E, sizeof *h1), *h2 = calloc((size_t)E, sizeof *h2);
  GbdtGH *hl = calloc((size_t)E, sizeof *hl), *hr = calloc((size_t)E, sizeof *hr);
  unsigned masks[2] = {0xF, 0x7}; /* group 1 holds features 4..6 */
  for (int g = 0; g < 2; g++) {
    gbdt_hist_group(h1, &b, g, masks[g], idx, 0, gh, m);
    gbdt_hist_group_ref(h2, &b, g, masks[g], idx, 0, gh, m);
  }
  CHECK(memcmp(h1, h2, (size_t)E * sizeof *h1) == 0);
  /* the row-major kernel gives the same bits, for all features or a subset */
  int all[D] = {0, 1, 2, 3, 4, 5, 6}, some[3] = {5, 1, 3};
  GbdtGH *h3 = calloc((size_t)E, sizeof *h3);
  gbdt_hist_rows(h3, &b, all, D, b.rows, D, idx, gh, m);
  CHECK(memcmp(h3, h2, (size_t)E * sizeof *h3) == 0);
  /* codes already in node order (no index) */
  uint8_t *ord = malloc((size_t)m * 8);
  for (int i = 0; i < m; i++) memcpy(ord + (size_t)i * 8, b.rows + (size_t)idx[i] * D, D);
  memset(h3, 0, (size_t)E * sizeof *h3);
  gbdt_hist_rows(h3, &b, all, D, ord, 8, NULL, gh, m);
  CHECK(memcmp(h3, h2, (size_t)E * sizeof *h3) == 0);
  free(ord);
  memset(h3, 0, (size_t)E * sizeof *h3);
  gbdt_hist_rows(h3, &b, some, 3, b.rows, D, idx, gh, m);
  int same = 1, untouched = 1;
  for (int k = 0; k < 3; k++)
    for (int64_t e = b.hoff[some[k]]; e < b.hoff[some[k] + 1]; e++)
      same &= h3[e].g == h2[e].g && h3[e].h == h2[e].h;
  for (int64_t e = b.hoff[0]; e < b.hoff[1]; e++) untouched &= h3[e].h == 0;
  CHECK(same && untouched);
  free(h3);
  /* partial masks touch only their lanes */
  memset(h1, 0, (size_t)E * sizeof *h1);
  gbdt_hist_group(h1, &b, 0, 0x5, idx, 0, gh, m);
  double other = 0;
  for (int64_t e = b.hoff[1]; e < b.hoff[2]; e++) other += fabs(h1[e].h);
  for (int64_t e = b.hoff[3]; e < b.hoff[4]; e++) other += fabs(h1[e].h);
  CHECK(other == 0);
  memset(h2, 0, (size_t)E * sizeof *h2);
  gbdt_hist_group_ref(h2, &b, 0, 0x5, idx, 0, gh, m);
  CHECK(memcmp(h1, h2, (size_t)E * sizeof *h1) == 0);
  /* contiguous rows (no index) equal the index 0..m-1 */
  for (int i = 0; i < m; i++) idx[i] = (uint32_t)(i + 17);
  memset(h1, 0, (size_t)E * sizeof *h1);
  memset(h2, 0, (size_t)E * sizeof *h2);
  gbdt_hist_group(h1, &b, 1, 0x7, NULL, 17, gh, m);
  gbdt_hist_group_ref(h2, &b, 1, 0x7, idx, 0, gh, m);
  CHECK(memcmp(h1, h2, (size_t)E * sizeof *h1) == 0);
  /* subtraction: parent - left = right (to rounding) */
  for (int i = 0; i < m; i++) idx[i] = (uint32_t)0; /* rebuild parent below */
  m = 0;
  for (int i = 0, a = 0, c = 0; a < nl || c < nr; i++) {
    /* merge the children back in row order */
    if (c >= nr || (a < nl && idxl[a] < idxr[c])) {
      idx[m] = idxl[a], gh[2 * m] = ghl[2 * a], gh[2 * m + 1] = ghl[2 * a + 1], a++;
    } else {
      idx[m] = idxr[c], gh[2 * m] = ghr[2 * c], gh[2 * m + 1] = ghr[2 * c + 1], c++;
    }
    m++;
    (void)i;
  }
  memset(h1, 0, (size_t)E * sizeof *h1);
  for (int g = 0; g < 2; g++) {
    gbdt_hist_group(h1, &b, g, masks[g], idx, 0, gh, m);
    gbdt_hist_group(hl, &b, g, masks[g], idxl, 0, ghl, nl);
    gbdt_hist_group(hr, &b, g, masks[g], idxr, 0, ghr, nr);
  }
  gbdt_hist_subtract(h2, h1, hl, 0, E);
  double worst = 0;
  for (int64_t e = 0; e < E; e++) {
    double dg = fabs(h2[e].g - hr[e].g), dh = fabs(h2[e].h - hr[e].h);
    worst = fmax(worst, fmax(dg, dh));
  }
  printf("  histogram subtraction: max |parent - left - right| = %.3g\n", worst);
  CHECK(worst < 1e-12);
  /* in place, on integer-valued gradients: exact */
  for (int i = 0; i < nl; i++) ghl[2 * i] = 1, ghl[2 * i + 1] = 2;
  for (int i = 0; i < nr; i++) ghr[2 * i] = -1, ghr[2 * i + 1] = 3;
  for (int i = 0; i < m; i++) {
    int left = gbdt_code(&b, idx[i], 1) < 30;
    gh[2 * i] = left ? 1 : -1, gh[2 * i + 1] = left ? 2 : 3;
  }
  memset(h1, 0, (size_t)E * sizeof *h1);
  memset(hl, 0, (size_t)E * sizeof *hl);
  memset(hr, 0, (size_t)E * sizeof *hr);
  for (int g = 0; g < 2; g++) {
    gbdt_hist_group(h1, &b, g, masks[g], idx, 0, gh, m);
    gbdt_hist_group(hl, &b, g, masks[g], idxl, 0, ghl, nl);
    gbdt_hist_group(hr, &b, g, masks[g], idxr, 0, ghr, nr);
  }
  gbdt_hist_subtract(h1, h1, hl, 0, E);
  CHECK(memcmp(h1, hr, (size_t)E * sizeof *h1) == 0);
  free(h1), free(h2), free(hl), free(hr);
  free(idx), free(idxl), free(idxr), free(ghl), free(ghr), free(gh), free(X);
  gbdt_bins_free(&b);
}

/* ---- split formulas ---- */

static void test_formulas(void) {
  GbdtTreeParams p = {.max_depth = 6, .learning_rate = 0.3f, .reg_lambda = 1.0f, .min_child_weight = 1.0f};
  CHECK(gbdt_threshold_l1(3, 1) == 2 && gbdt_threshold_l1(-3, 1) == -2);
  CHECK(gbdt_threshold_l1(0.5, 1) == 0 && gbdt_threshold_l1(-1, 1) == 0);
  CHECK(gbdt_leaf_weight(&p, 4, 3) == -1.0f);          /* -4 / (3 + 1) */
  CHECK(gbdt_leaf_weight(&p, 4, 0.5) == 0.0f);         /* H < min_child_weight */
  CHECK(gbdt_side_score(&p, 4, 3) == 4.0f);            /* 16 / 4 */
  CHECK(gbdt_side_score(&p, 4, 0) == 0.0f);
  p.reg_alpha = 1.0f;
  CHECK(gbdt_leaf_weight(&p, 4, 3) == -0.75f);         /* -(4 - 1) / 4 */
  CHECK(gbdt_leaf_weight(&p, -4, 3) == 0.75f);
  CHECK(gbdt_side_score(&p, 4, 3) == 2.25f);           /* 9 / 4 */
  CHECK(gbdt_side_score(&p, 0.5, 3) == 0.0f);
}

/* A hand-made binning of one or two features (no data needed). */
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

static void test_split_find(void) {
  GbdtTreeParams p = {.max_depth = 6, .learning_rate = 0.3f, .reg_lambda = 1.0f, .min_child_weight = 1.0f};
  int nbins[2] = {3, 3};
  float cuts[4] = {0.5f, 1.5f, 10.5f, 20.5f};
  GbdtBins b;
  fake_bins(&b, 2, nbins, cuts);
  /* feature 0: bins (-2,1) (-1,1) (3,2), no missing; G = 0, H = 4.
   * k=0: 4/2 + 4/4 = 3;  k=1: 9/3 + 9/3 = 6;  k=2: right empty (H < 1). */
  GbdtGH h[8] = {{-2, 1}, {-1, 1}, {3, 2}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}};
  int f0[1] = {0};
  GbdtSplit s;
  gbdt_split_find(&s, h, &b, f0, 1, 0, 4, &p);
  CHECK(s.feature == 0 && s.bin == 1 && s.default_left == 0);
  CHECK(s.loss_chg == 6.0f && s.threshold == 1.5f);
  CHECK(s.GL == -3 && s.HL == 2 && s.GR == 3 && s.HR == 2);
  /* feature 1 is a copy of feature 0: the tie keeps the lower feature */
  GbdtGH h2[8] = {{-2, 1}, {-1, 1}, {3, 2}, {0, 0}, {-2, 1}, {-1, 1}, {3, 2}, {0, 0}};
  int f01[2] = {0, 1};
  gbdt_split_find(&s, h2, &b, f01, 2, 0, 4, &p);
  CHECK(s.feature == 0);
  int f1[1] = {1};
  gbdt_split_find(&s, h2, &b, f1, 1, 0, 4, &p);
  CHECK(s.feature == 1 && s.threshold == 20.5f);
  /* missing values learn their direction: feature 0 with bins (-2,1)
   * (2,1) (0,0) and missing (-3,2); G = -3, H = 4, parent 9/5 = 1.8.
   * forward (missing right): k=0: 4/2 + 1/4 - 1.8 = 0.45; k=1: 0 + 9/3 - 1.8
   * = 1.2.  backward (missing left): k=1 -> right (2,1): 25/4 + 4/2 - 1.8 =
   * 6.45; k=0 -> right (0,2): 9/3 + 0 - 1.8 = 1.2.  Best: missing left with
   * bin 0, threshold 0.5. */
  GbdtGH h3[8] = {{-2, 1}, {2, 1}, {0, 0}, {-3, 2}, {0, 0}, {0, 0}, {0, 0}, {0, 0}};
  gbdt_split_find(&s, h3, &b, f0, 1, -3, 4, &p);
  CHECK(s.feature == 0 && s.default_left == 1 && s.bin == 0);
  CHECK_NEAR(s.loss_chg, 6.45, 1e-6);
  CHECK(s.threshold == 0.5f && s.GL == -5 && s.HL == 3 && s.GR == 2 && s.HR == 1);
  /* min_child_weight 2.5 leaves no valid split */
  p.min_child_weight = 2.5f;
  gbdt_split_find(&s, h, &b, f0, 1, 0, 4, &p);
  CHECK(s.feature == -1 && s.loss_chg == 0);
  free(b.cut_ptr);
  free(b.hoff);
}

/* ---- whole trees ---- */

static void test_known_split(void) {
  /* x = 0..7, y = 0 0 0 0 1 1 1 1: at margin 0, g = 0.5 - y, h = 0.25.
   * Best root split x < 3.5 with loss change 2^2/(1+1) * 2 = 4; leaf
   * weights -+2 / (1 + 1) = -+1 (learning rate 1). */
  float X[8], y[8];
  for (int i = 0; i < 8; i++) X[i] = (float)i, y[i] = i >= 4;
  GbdtMatrix M = {X, 8, 1, 1, 1};
  GbdtParams p = default_params();
  p.n_estimators = 1;
  p.tree.max_depth = 1;
  p.tree.learning_rate = 1.0f;
  p.tree.min_child_weight = 0.0f;
  GbdtModel m;
  CHECK(gbdt_fit(&m, &p, &M, y, NULL, NULL, 0) == CREDO_OK);
  CHECK(m.n_trees == 1 && m.tree_ptr[1] == 3);
  CHECK(m.nodes[0].feature == 0 && m.nodes[0].threshold == 3.5f);
  CHECK(m.nodes[0].gain == 4.0f && m.nodes[0].cover == 2.0f);
  CHECK(m.nodes[1].value == -1.0f && m.nodes[2].value == 1.0f);
  float out[8];
  gbdt_predict_margin(out, &m, 1, &M, 1);
  CHECK(out[0] == -1.0f && out[3] == -1.0f && out[4] == 1.0f && out[7] == 1.0f);
  gbdt_model_free(&m);
  /* gamma above the loss change: a single leaf of weight 0 */
  p.tree.gamma = 4.5f;
  CHECK(gbdt_fit(&m, &p, &M, y, NULL, NULL, 0) == CREDO_OK);
  CHECK(m.tree_ptr[1] == 1 && m.nodes[0].feature == -1 && m.nodes[0].value == 0.0f);
  gbdt_model_free(&m);
  /* squared error, base_score 0.5: residuals -0.5 and 0.5 */
  p.tree.gamma = 0;
  p.objective = GBDT_OBJ_SQUARED;
  p.tree.reg_lambda = 0.0f;
  CHECK(gbdt_fit(&m, &p, &M, y, NULL, NULL, 0) == CREDO_OK);
  gbdt_predict_margin(out, &m, 1, &M, 1);
  CHECK(out[0] == 0.0f && out[7] == 1.0f);
  gbdt_model_free(&m);
}

/* A random problem: n rows, d features, some NaN. */
static void problem(float *X, float *y, int n, int d) {
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < d; j++) X[i * d + j] = urand() < 0.03 ? NAN : (float)(urand() * 4 - 2);
    float a = X[i * d], c = X[i * d + 1];
    double z = (a == a ? a : 0) * 1.5 - (c == c && c > 0.3 ? 1 : 0) + (urand() - 0.5) * 2;
    y[i] = z > 0;
  }
}

static void test_determinism(void) {
  enum { N = 20000, D = 9 };
  float *X = malloc(N * D * sizeof *X), *y = malloc(N * sizeof *y);
  problem(X, y, N, D);
  GbdtMatrix M = {X, N, D, D, 1};
  GbdtParams p = default_params();
  p.n_estimators = 8;
  p.subsample = 0.8;
  p.colsample_bytree = 0.7;
  p.seed = 42;
  GbdtModel m1, m2;
  p.n_threads = 1;
  CHECK(gbdt_fit(&m1, &p, &M, y, NULL, NULL, 0) == CREDO_OK);
  p.n_threads = 2;
  CHECK(gbdt_fit(&m2, &p, &M, y, NULL, NULL, 0) == CREDO_OK);
  CHECK(m1.tree_ptr[m1.n_trees] == m2.tree_ptr[m2.n_trees]);
  CHECK(memcmp(m1.nodes, m2.nodes, (size_t)m1.tree_ptr[m1.n_trees] * sizeof *m1.nodes) == 0);
  float *o1 = malloc(N * sizeof *o1), *o2 = malloc(N * sizeof *o2);
  gbdt_predict_margin(o1, &m1, m1.n_trees, &M, 1);
  gbdt_predict_margin(o2, &m2, m2.n_trees, &M, 2);
  CHECK(memcmp(o1, o2, N * sizeof *o1) == 0);
  printf("  threads 1 and 2: %ld nodes, trees and margins bit-identical: %s\n",
         (long)m1.tree_ptr[m1.n_trees], memcmp(o1, o2, N * sizeof *o1) ? "no" : "yes");
  gbdt_model_free(&m1);
  gbdt_model_free(&m2);
  /* bigger than one block: block partials still give identical trees */
  enum { NB = 3 * GBDT_BLOCK + 123, DB = 5 };
  float *Xb = malloc((size_t)NB * DB * sizeof *Xb), *yb = malloc(NB * sizeof *yb);
  problem(Xb, yb, NB, DB);
  GbdtMatrix MB = {Xb, NB, DB, DB, 1};
  p.n_estimators = 3;
  p.subsample = 1.0;
  p.colsample_bytree = 1.0;
  p.n_threads = 1;
  CHECK(gbdt_fit(&m1, &p, &MB, yb, NULL, NULL, 0) == CREDO_OK);
  p.n_threads = 2;
  CHECK(gbdt_fit(&m2, &p, &MB, yb, NULL, NULL, 0) == CREDO_OK);
  CHECK(memcmp(m1.nodes, m2.nodes, (size_t)m1.tree_ptr[m1.n_trees] * sizeof *m1.nodes) == 0);
  gbdt_model_free(&m1);
  gbdt_model_free(&m2);
  free(Xb), free(yb);
  /* wide data (no row-major copy): same trees at any thread count */
  enum { NW = 3000, DW = GBDT_ROWS_MAX_D + 6 };
  float *Xw = malloc((size_t)NW * DW * sizeof *Xw), *yw = malloc(NW * sizeof *yw);
  problem(Xw, yw, NW, DW);
  GbdtMatrix MW = {Xw, NW, DW, DW, 1};
  GbdtBins bw;
  CHECK(gbdt_bins_build(&bw, &MW, 255, 1) == CREDO_OK);
  CHECK(bw.rows == NULL);
  gbdt_bins_free(&bw);
  p.n_estimators = 4;
  p.n_threads = 1;
  CHECK(gbdt_fit(&m1, &p, &MW, yw, NULL, NULL, 0) == CREDO_OK);
  p.n_threads = 2;
  CHECK(gbdt_fit(&m2, &p, &MW, yw, NULL, NULL, 0) == CREDO_OK);
  CHECK(memcmp(m1.nodes, m2.nodes, (size_t)m1.tree_ptr[m1.n_trees] * sizeof *m1.nodes) == 0);
  gbdt_model_free(&m1);
  gbdt_model_free(&m2);
  free(Xw), free(yw), free(o1), free(o2), free(X), free(y);
}

static void test_training_margins(void) {
  /* with an eval set equal to the training set, the eval margins (tree
   * walks on floats) and the logloss equal those of predict */
  enum { N = 3000, D = 4 };
  float *X = malloc(N * D * sizeof *X), *y = malloc(N * sizeof *y);
  problem(X, y, N, D);
  GbdtMatrix M = {X, N, D, D, 1};
  GbdtParams p = default_params();
  p.n_estimators = 15;
  p.subsample = 0.7;
  p.n_metrics = 2;
  p.metrics[0] = GBDT_METRIC_AUC;
  p.metrics[1] = GBDT_METRIC_LOGLOSS;
  GbdtEval ev = {M, y};
  GbdtModel m;
  CHECK(gbdt_fit(&m, &p, &M, y, NULL, &ev, 1) == CREDO_OK);
  float *o = malloc(N * sizeof *o);
  gbdt_predict_margin(o, &m, m.n_trees, &M, 1);
  double ll;
  CHECK(gbdt_eval_metric(&ll, GBDT_METRIC_LOGLOSS, GBDT_OBJ_LOGISTIC, o, y, N) == CREDO_OK);
  CHECK(ll == m.history[(m.n_rounds - 1) * 2 + 1]);
  int dec = 1;
  for (int r = 1; r < m.n_rounds; r++) dec &= m.history[r * 2 + 1] < m.history[(r - 1) * 2 + 1];
  CHECK(dec);
  double imp[D], tot = 0;
  gbdt_importance(imp, &m, m.n_trees, 0);
  for (int j = 0; j < D; j++) tot += imp[j];
  int internal = 0;
  for (int64_t k = 0; k < m.tree_ptr[m.n_trees]; k++) internal += m.nodes[k].feature >= 0;
  CHECK(tot == internal);
  gbdt_model_free(&m);
  /* early stopping on held-out rows cuts the trees at the best round */
  float *Xv = malloc(N * D * sizeof *Xv), *yv = malloc(N * sizeof *yv);
  problem(Xv, yv, N, D);
  GbdtEval hv = {{Xv, N, D, D, 1}, yv};
  p.n_estimators = 300;
  p.tree.learning_rate = 0.8f;
  p.early_stopping_rounds = 4;
  CHECK(gbdt_fit(&m, &p, &M, y, NULL, &hv, 1) == CREDO_OK);
  CHECK(m.n_rounds < 300 && m.n_trees == m.best_iteration && m.n_rounds == m.n_trees + 4);
  double best = INFINITY;
  for (int r = 0; r < m.n_rounds; r++) best = fmin(best, m.history[r * 2 + 1]);
  CHECK(best == m.best_score && best == m.history[(m.best_iteration - 1) * 2 + 1]);
  gbdt_model_free(&m);
  free(o), free(X), free(y), free(Xv), free(yv);
}

static void test_metrics(void) {
  /* margins whose sigmoids are ordered like the scores */
  float s[4] = {-2.0f, 0.5f, 0.25f, 3.0f}, y[4] = {0, 0, 1, 1};
  double v;
  CHECK(gbdt_eval_metric(&v, GBDT_METRIC_AUC, GBDT_OBJ_SQUARED, s, y, 4) == CREDO_OK);
  CHECK(v == 0.75);
  float t[2] = {0.5f, 0.5f}, yt[2] = {0, 1};
  CHECK(gbdt_eval_metric(&v, GBDT_METRIC_AUC, GBDT_OBJ_SQUARED, t, yt, 2) == CREDO_OK);
  CHECK(v == 0.5);
  float one[2] = {0, 0}, y1[2] = {1, 1};
  CHECK(gbdt_eval_metric(&v, GBDT_METRIC_AUC, GBDT_OBJ_SQUARED, one, y1, 2) == CREDO_OK);
  CHECK(isnan(v));
  float z[2] = {0, 0};
  CHECK(gbdt_eval_metric(&v, GBDT_METRIC_LOGLOSS, GBDT_OBJ_LOGISTIC, z, yt, 2) == CREDO_OK);
  CHECK_NEAR(v, log(2.0), 1e-15);
  float r[3] = {1, 2, 3}, yr[3] = {1, 0, 3};
  CHECK(gbdt_eval_metric(&v, GBDT_METRIC_RMSE, GBDT_OBJ_SQUARED, r, yr, 3) == CREDO_OK);
  CHECK_NEAR(v, sqrt(4.0 / 3.0), 1e-15);
  float e[4] = {-1, 1, 1, -1}, ye[4] = {0, 1, 0, 0};
  CHECK(gbdt_eval_metric(&v, GBDT_METRIC_ERROR, GBDT_OBJ_LOGISTIC, e, ye, 4) == CREDO_OK);
  CHECK(v == 0.25);
}

static void test_interrupt(void) {
  enum { N = 2000, D = 3 };
  float *X = malloc(N * D * sizeof *X), *y = malloc(N * sizeof *y);
  problem(X, y, N, D);
  GbdtMatrix M = {X, N, D, D, 1};
  GbdtParams p = default_params();
  GbdtModel m;
  credo_interrupted = 1;
  CHECK(gbdt_fit(&m, &p, &M, y, NULL, NULL, 0) == CREDO_EINTR);
  CHECK(m.n_trees == 0 && m.nodes == NULL);
  credo_interrupted = 0;
  free(X), free(y);
}

int main(void) {
  test_cuts();
  test_bins_build();
  test_hist();
  test_formulas();
  test_split_find();
  test_known_split();
  test_determinism();
  test_training_margins();
  test_metrics();
  test_interrupt();
  return ctest_summary();
}
