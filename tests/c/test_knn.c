/*
 * test_knn.c: the k-nearest-neighbour core (natives/knn) against its slow
 * twin knn_brute_ref_f64 (every distance direct, a full selection by
 * (distance, index)): brute force in float64 and float32, Manhattan, and
 * the k-d tree at several leaf sizes, on continuous data and on integer
 * data full of exact ties; row counts that cross the query and training
 * blocks; the vote by hand.  Prints the largest distance difference.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../natives/knn/knn.h"
#include "../../natives/random/rng.h"
#include "ctest.h"

/* x (n, d): uniform in [-1, 1), or integers 0..2 when grid */
static void fill(double *x, float *xf, int64_t n, int d, int grid, uint64_t seed) {
  Rng r;
  rng_seed(&r, seed);
  for (int64_t i = 0; i < n * d; i++) {
    double u = rng_uniform(&r);
    x[i] = grid ? floor(u * 3) : (double)(float)(2 * u - 1);
    xf[i] = (float)x[i];
  }
}

static double maxdiff(const double *a, const double *b, int64_t n) {
  double w = 0;
  for (int64_t i = 0; i < n; i++) w = fmax(w, fabs(a[i] - b[i]));
  return w;
}

static int same_idx(const int64_t *a, const int64_t *b, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

static void one_case(int64_t n, int64_t m, int d, int k, int grid) {
  double *x = malloc((size_t)n * d * sizeof *x), *q = malloc((size_t)m * d * sizeof *q);
  float *xf = malloc((size_t)n * d * sizeof *xf), *qf = malloc((size_t)m * d * sizeof *qf);
  double *dr = malloc((size_t)m * k * sizeof *dr), *dg = malloc((size_t)m * k * sizeof *dg);
  int64_t *ir = malloc((size_t)m * k * sizeof *ir), *ig = malloc((size_t)m * k * sizeof *ig);
  fill(x, xf, n, d, grid, 1 + n + d);
  fill(q, qf, m, d, grid, 7 + m + d);
  for (int metric = 0; metric < 2; metric++) {
    KnnMetric mt = (KnnMetric)metric;
    CHECK(knn_brute_ref_f64(dr, ir, x, q, n, m, d, k, mt) == CREDO_OK);
    if (mt == KNN_EUCLIDEAN) {
      CHECK(knn_brute_euclidean_f64(dg, ig, x, q, n, m, d, k) == CREDO_OK);
      CHECK(same_idx(ir, ig, m * k));
      CHECK(maxdiff(dr, dg, m * k) == 0);
      CHECK(knn_brute_euclidean_f32(dg, ig, xf, qf, n, m, d, k) == CREDO_OK);
      /* grid data is exact in float32 too; continuous data (float32
       * values) may reorder near-ties only, so check the distances */
      if (grid) CHECK(same_idx(ir, ig, m * k));
      double w = maxdiff(dr, dg, m * k);
      printf("  brute f32 n=%lld d=%d k=%d grid=%d: max |dist - ref| %.3g\n",
             (long long)n, d, k, grid, w);
      CHECK(w < 1e-6);
    } else {
      CHECK(knn_brute_manhattan_f64(dg, ig, x, q, n, m, d, k) == CREDO_OK);
      CHECK(same_idx(ir, ig, m * k));
      CHECK(maxdiff(dr, dg, m * k) == 0);
    }
    int leaves[] = {1, 5, 40};
    for (int l = 0; l < 3; l++) {
      KnnTree t;
      CHECK(knn_tree_build(&t, x, n, d, leaves[l]) == CREDO_OK);
      CHECK(knn_tree_query(dg, ig, &t, q, m, k, mt) == CREDO_OK);
      CHECK(same_idx(ir, ig, m * k));
      CHECK(maxdiff(dr, dg, m * k) == 0);
      knn_tree_free(&t);
      knn_tree_free(&t); /* safe twice */
    }
  }
  free(x), free(q), free(xf), free(qf), free(dr), free(dg), free(ir), free(ig);
}

static void test_vote(void) {
  /* 2 queries, k = 3, labels y = {0, 1, 1, 0} */
  const int64_t y[] = {0, 1, 1, 0};
  const int64_t idx[] = {0, 1, 2, 3, 1, 0};
  const double dist[] = {1, 2, 4, 0, 0, 3};
  double p[4];
  knn_vote(p, dist, idx, y, 2, 3, 2, 0);
  CHECK_NEAR(p[0], 1.0 / 3, 1e-15);
  CHECK_NEAR(p[1], 2.0 / 3, 1e-15);
  CHECK_NEAR(p[2], 2.0 / 3, 1e-15);
  knn_vote(p, dist, idx, y, 2, 3, 2, 1);
  /* row 1: weights 1, 1/2, 1/4 -> class 0: 1, class 1: 3/4 */
  CHECK_NEAR(p[0], 1.0 / 1.75, 1e-15);
  CHECK_NEAR(p[1], 0.75 / 1.75, 1e-15);
  /* row 2: two at distance 0 (classes 0 and 1) count alone */
  CHECK_NEAR(p[2], 0.5, 1e-15);
  CHECK_NEAR(p[3], 0.5, 1e-15);
}

int main(void) {
  one_case(50, 9, 3, 1, 0);
  one_case(50, 9, 3, 50, 1);  /* k = n */
  one_case(300, 70, 4, 6, 1); /* ties everywhere, two query blocks */
  one_case(2500, 130, 7, 10, 0); /* crosses the training block */
  one_case(4200, 65, 2, 17, 1);
  one_case(700, 40, 25, 5, 0);
  test_vote();
  return ctest_summary();
}
