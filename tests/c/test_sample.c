/*
 * test_sample.c: the splits-and-samplers core (natives/sample) against its
 * reference twins and hand-worked cases: class grouping, scikit-learn's
 * _approximate_mode and StratifiedKFold allocation (the documented
 * example), stratified splits as partitions, the exact kNN (fused and BLAS
 * paths) against the all-pairs double search on random, tied, offset,
 * tiny and huge data, SMOTE's rows against their formula, noise rows, and
 * the same bits for 1 and 2 threads.  imblearn / sklearn parity on larger
 * fixtures is in tests/spec/sampling_spec.lua and split_spec.lua.
 */
#include <stdlib.h>
#include <string.h>

#include "ctest.h"
#include "../../natives/sample/sample.h"

static uint64_t lcg = 987654321;
static double urand(void) {
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg >> 11) * 0x1.0p-53;
}

static void test_groups(void) {
  int64_t y[] = {2, 0, 1, 2, 2, 0, 1, 0};
  int64_t cnt[3], order[8], start[4];
  sample_class_counts(cnt, y, 8, 3);
  CHECK(cnt[0] == 3 && cnt[1] == 2 && cnt[2] == 3);
  sample_group_by_class(order, start, y, 8, 3);
  int64_t want[] = {1, 5, 7, 2, 6, 0, 3, 4};
  int ok = start[0] == 0 && start[1] == 3 && start[2] == 5 && start[3] == 8;
  for (int i = 0; i < 8; i++) ok &= order[i] == want[i];
  CHECK(ok);
  int64_t idx[] = {3, 3, 0, 6}, out[8];
  unsigned char seen[8];
  int64_t c = sample_complement(out, idx, 4, 8, seen);
  CHECK(c == 5 && out[0] == 1 && out[1] == 2 && out[2] == 4 && out[3] == 5 && out[4] == 7);
}

static void test_approx_mode(void) {
  Rng r;
  rng_seed(&r, 1);
  int64_t out[4];
  int64_t a[] = {90, 10};
  CHECK(sample_approx_mode(out, a, 2, 80, &r) == CREDO_OK);
  CHECK(out[0] == 72 && out[1] == 8);
  /* 7 of (77, 23, 13): continuous 4.77, 1.42, 0.81 -> floors 4, 1, 0, the
   * two missing draws to the largest remainders (0.81, 0.77) */
  int64_t b[] = {77, 23, 13};
  CHECK(sample_approx_mode(out, b, 3, 7, &r) == CREDO_OK);
  CHECK(out[0] == 5 && out[1] == 1 && out[2] == 1);
  /* ties: 7 of (5, 5): one class gets 4, the other 3, either way */
  int64_t t[] = {5, 5};
  int got4[2] = {0, 0};
  for (int rep = 0; rep < 64; rep++) {
    CHECK(sample_approx_mode(out, t, 2, 7, &r) == CREDO_OK);
    if (out[0] + out[1] != 7 || (out[0] != 3 && out[0] != 4)) CHECK(0);
    got4[out[0] == 4]++;
  }
  CHECK(got4[0] > 0 && got4[1] > 0);
  /* random: the sum is n_draws and each class is floor or ceil */
  int bad = 0;
  for (int rep = 0; rep < 500; rep++) {
    int64_t c[4], tot = 0;
    for (int k = 0; k < 4; k++) tot += c[k] = 1 + (int64_t)(urand() * 50);
    int64_t nd = (int64_t)(urand() * (double)(tot + 1));
    if (nd > tot) nd = tot;
    CHECK(sample_approx_mode(out, c, 4, nd, &r) == CREDO_OK);
    int64_t s = 0;
    for (int k = 0; k < 4; k++) {
      double cont = (double)c[k] / (double)tot * (double)nd;
      if (out[k] < (int64_t)floor(cont) || out[k] > (int64_t)floor(cont) + 1 || out[k] > c[k]) bad++;
      s += out[k];
    }
    if (s != nd) bad++;
  }
  CHECK(bad == 0);
}

static void test_stratified_split(void) {
  enum { N = 1000, K = 3, P = 3 };
  int64_t y[N], cnt[K], alloc[K * P], out[N];
  for (int i = 0; i < N; i++) y[i] = urand() < 0.7 ? 0 : urand() < 0.8 ? 1 : 2;
  sample_class_counts(cnt, y, N, K);
  for (int c = 0; c < K; c++) {
    alloc[c * P + 0] = cnt[c] * 6 / 10;
    alloc[c * P + 1] = cnt[c] * 2 / 10;
    alloc[c * P + 2] = cnt[c] - alloc[c * P] - alloc[c * P + 1];
  }
  Rng r;
  rng_seed(&r, 5);
  CHECK(sample_stratified_split(out, y, N, K, alloc, P, &r) == CREDO_OK);
  int seen[N] = {0}, ok = 1, off = 0;
  for (int p = 0; p < P; p++) {
    int64_t pc[K] = {0, 0, 0}, sz = 0;
    for (int c = 0; c < K; c++) sz += alloc[c * P + p];
    for (int64_t q = 0; q < sz; q++) {
      int64_t i = out[off + q];
      ok &= i >= 0 && i < N && !seen[i];
      seen[i] = 1;
      pc[y[i]]++;
    }
    for (int c = 0; c < K; c++) ok &= pc[c] == alloc[c * P + p];
    off += (int)sz;
  }
  CHECK(ok && off == N);
  /* same seed, same split */
  int64_t out2[N];
  rng_seed(&r, 5);
  CHECK(sample_stratified_split(out2, y, N, K, alloc, P, &r) == CREDO_OK);
  CHECK(memcmp(out, out2, sizeof out) == 0);
}

static void test_kfolds(void) {
  /* scikit-learn: StratifiedKFold(3).split(y = [0]*4 + [1]*6) test folds
   * [0 1 4 5], [2 6 7], [3 8 9] */
  int64_t y[10] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, fold[10];
  Rng r;
  rng_seed(&r, 0);
  CHECK(sample_stratified_kfold(fold, y, 10, 2, 3, 0, &r) == CREDO_OK);
  int64_t want[10] = {0, 0, 1, 2, 0, 0, 1, 1, 2, 2};
  CHECK(memcmp(fold, want, sizeof want) == 0);
  /* classes numbered by first appearance: y reversed gives class 1 first */
  int64_t yr[10] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0}, want_r[10] = {0, 0, 1, 1, 2, 2, 0, 0, 1, 2};
  CHECK(sample_stratified_kfold(fold, yr, 10, 2, 3, 0, &r) == CREDO_OK);
  CHECK(memcmp(fold, want_r, sizeof want_r) == 0);
  /* shuffled: per-fold class counts differ by at most one */
  enum { N = 997, K = 4, F = 7 };
  int64_t yy[N], ff[N];
  for (int i = 0; i < N; i++) yy[i] = (int64_t)(urand() * urand() * K);
  CHECK(sample_stratified_kfold(ff, yy, N, K, F, 1, &r) == CREDO_OK);
  int64_t tab[F][K];
  memset(tab, 0, sizeof tab);
  for (int i = 0; i < N; i++) tab[ff[i]][yy[i]]++;
  int ok = 1;
  for (int c = 0; c < K; c++) {
    int64_t lo = N, hi = 0;
    for (int f = 0; f < F; f++) {
      if (tab[f][c] < lo) lo = tab[f][c];
      if (tab[f][c] > hi) hi = tab[f][c];
    }
    ok &= hi - lo <= 1;
  }
  CHECK(ok);
  /* KFold: 10 rows, 3 folds of 4, 3, 3 */
  int64_t kf[10], tr[10], te[10];
  sample_kfold(kf, 10, 3, NULL);
  int64_t wk[10] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
  CHECK(memcmp(kf, wk, sizeof wk) == 0);
  sample_fold_indices(tr, te, kf, 10, 1);
  CHECK(te[0] == 4 && te[2] == 6 && tr[0] == 0 && tr[4] == 7 && tr[6] == 9);
}

/* Compare the kNN paths with the reference on x (n,d); prints a line. */
static void check_knn(const char *name, const double *x, int64_t n, int d,
                      int k) {
  int64_t *a = malloc(sizeof(int64_t) * (size_t)(n * k));
  int64_t *b = malloc(sizeof(int64_t) * (size_t)(n * k));
  int64_t *c = malloc(sizeof(int64_t) * (size_t)(n * k));
  CHECK(sample_knn_ref_f64(a, x, n, d, k) == CREDO_OK);
  CHECK(sample_knn_f64(b, x, n, d, k) == CREDO_OK);
  CHECK(sample_knn_blas_f64(c, x, n, d, k) == CREDO_OK);
  long bad_b = 0, bad_c = 0;
  for (int64_t i = 0; i < n * k; i++) {
    bad_b += a[i] != b[i];
    bad_c += a[i] != c[i];
  }
  printf("  knn %-24s n=%-5ld d=%-3d k=%-2d mismatches fast %ld, blas %ld\n",
         name, (long)n, d, k, bad_b, bad_c);
  CHECK(bad_b == 0);
  CHECK(bad_c == 0);
  free(a);
  free(b);
  free(c);
}

static void test_knn(void) {
  int sizes[][3] = {{2, 1, 1}, {7, 3, 2}, {17, 2, 5}, {100, 20, 5},
                    {257, 5, 3}, {300, 6, 12}, {600, 33, 7}, {1100, 4, 5}};
  for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
    int n = sizes[t][0], d = sizes[t][1], k = sizes[t][2];
    double *x = malloc(sizeof(double) * (size_t)(n * d));
    for (int i = 0; i < n * d; i++) x[i] = urand() * 2 - 1;
    check_knn("uniform", x, n, d, k);
    /* integer grid: exact ties and duplicate rows */
    for (int i = 0; i < n * d; i++) x[i] = floor(urand() * 3);
    check_knn("ties and duplicates", x, n, d, k);
    /* a large offset with small spread: the float keys cancel unless
     * centred */
    for (int i = 0; i < n * d; i++) x[i] = 1e6 + urand() * 1e-3;
    check_knn("offset 1e6, spread 1e-3", x, n, d, k);
    for (int i = 0; i < n * d; i++) x[i] = (urand() - 0.5) * 1e-200;
    check_knn("tiny (1e-200)", x, n, d, k);
    for (int i = 0; i < n * d; i++) x[i] = (urand() - 0.5) * 1e200;
    check_knn("huge (1e200)", x, n, d, k);
    /* all rows equal: every distance 0, neighbours by index */
    for (int i = 0; i < n * d; i++) x[i] = 3.25;
    check_knn("all equal", x, n, d, k);
    free(x);
  }
  /* float32 input, and the same result for 1 and 2 threads */
  int n = 700, d = 9, k = 5;
  float *xf = malloc(sizeof(float) * (size_t)(n * d));
  for (int i = 0; i < n * d; i++) xf[i] = (float)(urand() * 10);
  int64_t *a = malloc(sizeof(int64_t) * (size_t)(n * k));
  int64_t *b = malloc(sizeof(int64_t) * (size_t)(n * k));
  credo_threads_set(1);
  CHECK(sample_knn_f32(a, xf, n, d, k) == CREDO_OK);
  credo_threads_set(2);
  CHECK(sample_knn_f32(b, xf, n, d, k) == CREDO_OK);
  CHECK(memcmp(a, b, sizeof(int64_t) * (size_t)(n * k)) == 0);
  CHECK(sample_knn_ref_f32(b, xf, n, d, k) == CREDO_OK);
  CHECK(memcmp(a, b, sizeof(int64_t) * (size_t)(n * k)) == 0);
  /* the interrupt flag stops it */
  credo_interrupted = 1;
  CHECK(sample_knn_f32(a, xf, n, d, k) == CREDO_EINTR);
  credo_interrupted = 0;
  free(xf);
  free(a);
  free(b);
}

static void test_smote(void) {
  int m = 300, d = 6, k = 4;
  int64_t n_new = 2500;
  double *x = malloc(sizeof(double) * (size_t)(m * d));
  for (int i = 0; i < m * d; i++) x[i] = urand() * 4 - 2;
  int64_t *nn = malloc(sizeof(int64_t) * (size_t)(m * k));
  CHECK(sample_knn_f64(nn, x, m, d, k) == CREDO_OK);
  double *o1 = malloc(sizeof(double) * (size_t)(n_new * d));
  double *o2 = malloc(sizeof(double) * (size_t)(n_new * d));
  int64_t *src = malloc(sizeof(int64_t) * (size_t)n_new);
  int64_t *nbr = malloc(sizeof(int64_t) * (size_t)n_new);
  double *gap = malloc(sizeof(double) * (size_t)n_new);
  credo_threads_set(1);
  CHECK(sample_smote_f64(o1, src, nbr, gap, x, nn, m, d, k, n_new, 42, 7) == CREDO_OK);
  credo_threads_set(2);
  CHECK(sample_smote_f64(o2, NULL, NULL, NULL, x, nn, m, d, k, n_new, 42, 7) == CREDO_OK);
  CHECK(memcmp(o1, o2, sizeof(double) * (size_t)(n_new * d)) == 0);
  int ok = 1, hist[4] = {0, 0, 0, 0};
  for (int64_t s = 0; s < n_new; s++) {
    int64_t a = src[s], b = nbr[s];
    int isnb = 0;
    for (int q = 0; q < k; q++) {
      if (nn[a * k + q] == b) {
        isnb = 1;
        hist[q]++;
      }
    }
    ok &= isnb && gap[s] >= 0 && gap[s] < 1;
    for (int f = 0; f < d; f++)
      ok &= o1[s * d + f] == x[a * d + f] + gap[s] * (x[b * d + f] - x[a * d + f]);
  }
  CHECK(ok);
  /* neighbours chosen uniformly: each rank about n_new / k times */
  for (int q = 0; q < k; q++) CHECK(abs(hist[q] - (int)(n_new / k)) < 120);
  /* a block's rows depend only on the seed and the block: the first 1024
   * rows of a shorter run are the same */
  CHECK(sample_smote_f64(o2, NULL, NULL, NULL, x, nn, m, d, k, 1100, 42, 7) == CREDO_OK);
  CHECK(memcmp(o1, o2, sizeof(double) * 1024 * (size_t)d) == 0);
  /* float32: the same draws, rounded once */
  float *xf = malloc(sizeof(float) * (size_t)(m * d));
  float *of = malloc(sizeof(float) * (size_t)(n_new * d));
  for (int i = 0; i < m * d; i++) xf[i] = (float)x[i];
  CHECK(sample_smote_f32(of, src, nbr, gap, xf, nn, m, d, k, n_new, 42, 7) == CREDO_OK);
  ok = 1;
  for (int64_t s = 0; s < n_new; s++)
    for (int f = 0; f < d; f++) {
      double xa = xf[src[s] * d + f], xb = xf[nbr[s] * d + f];
      ok &= of[s * d + f] == (float)(xa + gap[s] * (xb - xa));
    }
  CHECK(ok);
  free(x);
  free(nn);
  free(o1);
  free(o2);
  free(src);
  free(nbr);
  free(gap);
  free(xf);
  free(of);
}

static void test_noise(void) {
  int m = 3, d = 3;
  int64_t n_new = 20000;
  double x[9] = {0, 10, -5, 1, 1, 1, 2, 2, 2}, sigma[3] = {0.5, 2, 0};
  int64_t *src = malloc(sizeof(int64_t) * (size_t)n_new);
  double *o1 = malloc(sizeof(double) * (size_t)(n_new * d));
  double *o2 = malloc(sizeof(double) * (size_t)(n_new * d));
  for (int64_t s = 0; s < n_new; s++) src[s] = 0;
  (void)m;
  credo_threads_set(1);
  CHECK(sample_add_noise_f64(o1, x, src, sigma, n_new, d, 9, 0) == CREDO_OK);
  credo_threads_set(2);
  CHECK(sample_add_noise_f64(o2, x, src, sigma, n_new, d, 9, 0) == CREDO_OK);
  CHECK(memcmp(o1, o2, sizeof(double) * (size_t)(n_new * d)) == 0);
  for (int f = 0; f < d; f++) {
    double s = 0, s2 = 0;
    for (int64_t r = 0; r < n_new; r++) {
      double e = o1[r * d + f] - x[f];
      s += e;
      s2 += e * e;
    }
    double mean = s / (double)n_new, sd = sqrt(s2 / (double)n_new - mean * mean);
    printf("  noise column %d: mean %.4f sd %.4f (want 0, %.2f)\n", f, mean, sd, sigma[f]);
    CHECK(fabs(mean) < 0.05 * (sigma[f] > 0 ? sigma[f] : 1));
    CHECK(fabs(sd - sigma[f]) < 0.03 * (sigma[f] > 0 ? sigma[f] : 1));
  }
  float xf[9], *of = malloc(sizeof(float) * (size_t)(n_new * d));
  for (int i = 0; i < 9; i++) xf[i] = (float)x[i];
  CHECK(sample_add_noise_f32(of, xf, src, sigma, n_new, d, 9, 0) == CREDO_OK);
  int ok = 1;
  for (int64_t i = 0; i < n_new * d; i++) ok &= of[i] == (float)o1[i];
  CHECK(ok);
  free(src);
  free(o1);
  free(o2);
  free(of);
}

static void test_copy(void) {
  int64_t m = 100003;
  double *a = malloc(sizeof(double) * (size_t)m), *b = malloc(sizeof(double) * (size_t)m);
  float *af = malloc(sizeof(float) * (size_t)m), *bf = malloc(sizeof(float) * (size_t)m);
  for (int64_t i = 0; i < m; i++) {
    a[i] = urand() * 1e300 - 5e299;
    af[i] = (float)(urand() * 1e30 - 5e29);
  }
  credo_threads_set(2);
  CHECK(sample_copy_finite_f64(b, a, m) == -1 && memcmp(a, b, sizeof(double) * (size_t)m) == 0);
  CHECK(sample_copy_finite_f32(bf, af, m) == -1 && memcmp(af, bf, sizeof(float) * (size_t)m) == 0);
  /* the first bad value wins, whichever piece a thread saw first */
  a[70000] = NAN;
  a[40000] = -INFINITY;
  af[99999] = INFINITY;
  af[20000] = NAN;
  CHECK(sample_copy_finite_f64(b, a, m) == 40000);
  CHECK(sample_copy_finite_f32(bf, af, m) == 20000);
  CHECK(sample_first_nonfinite_f64(a, 40000) == -1);
  CHECK(sample_first_nonfinite_f64(a, 40001) == 40000);
  CHECK(sample_first_nonfinite_f32(af + 20001, m - 20001) == 99999 - 20001);
  free(a);
  free(b);
  free(af);
  free(bf);
}

int main(void) {
  test_groups();
  test_approx_mode();
  test_stratified_split();
  test_kfolds();
  test_knn();
  test_smote();
  test_noise();
  test_copy();
  return ctest_summary();
}
