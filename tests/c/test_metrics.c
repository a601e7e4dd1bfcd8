/*
 * test_metrics.c: the metrics core (natives/metrics) against its reference
 * twins (merge sort, O(n^2) pair-count AUC, brute-force cost envelope),
 * hand-checked values from scikit-learn's documentation examples, and the
 * bootstrap's promises (same bits at any thread count, replicates equal to
 * the metric of the materialised resample).  sklearn parity on larger
 * fixtures is in tests/spec/metrics_spec.lua.
 */
#include <stdlib.h>
#include <string.h>

#include "ctest.h"
#include "../../natives/metrics/metrics.h"
#include "../../natives/random/rng.h"

static uint64_t lcg = 12345;
static double urand(void) {
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg >> 11) * 0x1.0p-53;
}

static void test_argsort(void) {
  int64_t sizes[] = {0, 1, 2, 3, 17, 1000, 70000};
  for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
    int64_t n = sizes[t];
    double *s = malloc(sizeof(double) * (size_t)(n + 1));
    int64_t *a = malloc(sizeof(int64_t) * (size_t)(n + 1));
    int64_t *b = malloc(sizeof(int64_t) * (size_t)(n + 1));
    for (int64_t i = 0; i < n; i++) {
      double u = urand();
      /* ties, both zeros, negatives, large and tiny magnitudes */
      s[i] = i % 7 == 0 ? 0.0 : i % 11 == 0 ? -0.0
             : i % 5 == 0 ? floor(u * 10) / 10
             : i % 3 == 0 ? -u * 1e300 : (u - 0.5) * 1e-300;
    }
    CHECK(metrics_argsort_desc(a, s, n) == CREDO_OK);
    CHECK(metrics_argsort_desc_ref(b, s, n) == CREDO_OK);
    int same = 1;
    for (int64_t i = 0; i < n; i++) same &= a[i] == b[i];
    CHECK(same);
    int sorted = 1;
    for (int64_t i = 1; i < n; i++)
      sorted &= s[a[i - 1]] > s[a[i]] || (s[a[i - 1]] == s[a[i]] && a[i - 1] > a[i]);
    CHECK(sorted);
    free(s); free(a); free(b);
  }
}

/* sklearn's docstring example: y = [0 0 1 1], s = [.1 .4 .35 .8] */
static void test_doc_curves(void) {
  uint8_t y[] = {0, 0, 1, 1};
  double s[] = {0.1, 0.4, 0.35, 0.8};
  double fps[6], tps[6], thr[6], fpr[7], tpr[7], th[7];
  int64_t m = 0;
  CHECK(metrics_clf_curve(fps, tps, thr, &m, y, s, NULL, 4) == CREDO_OK);
  CHECK(m == 4);
  int64_t c = metrics_roc_curve(fpr, tpr, th, fps, tps, thr, m, 1);
  double wfpr[] = {0, 0, 0.5, 0.5, 1}, wtpr[] = {0, 0.5, 0.5, 1, 1};
  double wth[] = {1.8, 0.8, 0.4, 0.35, 0.1};
  CHECK(c == 5);
  ctest_check_array("doc roc fpr", fpr, wfpr, 5, 0);
  ctest_check_array("doc roc tpr", tpr, wtpr, 5, 0);
  ctest_check_array("doc roc thresholds", th, wth, 5, 0);
  CHECK_NEAR(metrics_trapz(fpr, tpr, c), 0.75, 0);
  double auc = 0;
  CHECK(metrics_roc_auc(&auc, y, s, NULL, 4) == CREDO_OK);
  CHECK_NEAR(auc, 0.75, 0);
  double prec[5], rec[5], pth[4];
  metrics_pr_curve(prec, rec, pth, fps, tps, thr, m);
  double wp[] = {0.5, 2.0 / 3.0, 0.5, 1, 1}, wr[] = {1, 1, 0.5, 0.5, 0};
  double wpth[] = {0.1, 0.35, 0.4, 0.8};
  ctest_check_array("doc pr precision", prec, wp, 5, 0);
  ctest_check_array("doc pr recall", rec, wr, 5, 0);
  ctest_check_array("doc pr thresholds", pth, wpth, 4, 0);
  int64_t order[4];
  MetricsRank r;
  CHECK(metrics_argsort_desc(order, s, 4) == CREDO_OK);
  metrics_rank_sorted(&r, order, y, s, NULL, NULL, 4);
  CHECK_NEAR(r.auc, 0.75, 0);
  CHECK_NEAR(r.ap, 0.8333333333333333, 1e-15); /* sklearn doc: 0.83... */
  /* ks: max |tpr - fpr| = 0.5 at threshold 0.8 (first in decreasing order) */
  CHECK_NEAR(r.ks, 0.5, 0);
  CHECK_NEAR(r.ks_threshold, 0.8, 0);
  /* pr_auc: trapezoid through (0,1) (.5,1) (.5,.5) (1,2/3) (1,.5) */
  CHECK_NEAR(r.pr_auc, metrics_trapz(wr, wp, 5) * -1, 1e-15);
  /* drop_intermediate keeps only corners */
  uint8_t y2[] = {1, 1, 1, 0, 0, 0};
  double s2[] = {6, 5, 4, 3, 2, 1};
  CHECK(metrics_clf_curve(fps, tps, thr, &m, y2, s2, NULL, 6) == CREDO_OK);
  double f6[7], t6[7], h6[7];
  c = metrics_roc_curve(f6, t6, h6, fps, tps, thr, m, 1);
  CHECK(c == 4); /* (0,0) (0,1/3) (0,1) (1,1) */
  CHECK_NEAR(t6[2], 1.0, 0);
  CHECK_NEAR(h6[0], 7.0, 0);
  c = metrics_roc_curve(f6, t6, h6, fps, tps, thr, m, 0);
  CHECK(c == 7);
}

static void test_auc_random(void) {
  int64_t n = 3000;
  uint8_t *y = malloc((size_t)n);
  double *s = malloc(sizeof(double) * (size_t)n), *w = malloc(sizeof(double) * (size_t)n);
  int64_t *order = malloc(sizeof(int64_t) * (size_t)n);
  double *fps = malloc(sizeof(double) * (size_t)n), *tps = malloc(sizeof(double) * (size_t)n),
         *thr = malloc(sizeof(double) * (size_t)n);
  double *fpr = malloc(sizeof(double) * (size_t)(n + 1)), *tpr = malloc(sizeof(double) * (size_t)(n + 1)),
         *th = malloc(sizeof(double) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; i++) {
    y[i] = urand() < 0.2;
    s[i] = floor((urand() + 0.3 * y[i]) * 50) / 50; /* many ties */
    w[i] = i % 13 == 0 ? 0.0 : urand() * 3;
  }
  double fast = 0, weighted = 0;
  CHECK(metrics_roc_auc(&fast, y, s, NULL, n) == CREDO_OK);
  double ref = metrics_roc_auc_ref(y, s, NULL, n);
  CHECK_NEAR(fast, ref, 1e-14);
  int64_t m = 0;
  CHECK(metrics_clf_curve(fps, tps, thr, &m, y, s, NULL, n) == CREDO_OK);
  int64_t c = metrics_roc_curve(fpr, tpr, th, fps, tps, thr, m, 1);
  CHECK_NEAR(metrics_trapz(fpr, tpr, c), ref, 1e-14);
  printf("  auc fast %.17g ref %.17g trapz %.17g\n", fast, ref, metrics_trapz(fpr, tpr, c));
  /* weighted: walk vs pair count vs sklearn's curve + trapezoid */
  CHECK(metrics_roc_auc(&weighted, y, s, w, n) == CREDO_OK);
  double wref = metrics_roc_auc_ref(y, s, w, n);
  CHECK_NEAR(weighted, wref, 1e-13);
  CHECK(metrics_clf_curve(fps, tps, thr, &m, y, s, w, n) == CREDO_OK);
  c = metrics_roc_curve(fpr, tpr, th, fps, tps, thr, m, 1);
  CHECK_NEAR(metrics_trapz(fpr, tpr, c), wref, 1e-13);
  /* walk without weights equals the fast path bit for bit */
  MetricsRank r;
  CHECK(metrics_argsort_desc(order, s, n) == CREDO_OK);
  metrics_rank_sorted(&r, order, y, s, NULL, NULL, n);
  CHECK(r.auc == fast);
  /* ks vs brute force over thresholds */
  double ks = 0, P = 0, N = 0;
  for (int64_t i = 0; i < n; i++) { P += y[i]; N += !y[i]; }
  for (int64_t i = 0; i < n; i++) {
    double tp = 0, fp = 0;
    for (int64_t j = 0; j < n; j++)
      if (s[j] >= s[i]) { tp += y[j]; fp += !y[j]; }
    ks = fmax(ks, fabs(tp / P - fp / N));
  }
  CHECK_NEAR(r.ks, ks, 1e-15);
  /* average precision from the sklearn curve path */
  CHECK(metrics_clf_curve(fps, tps, thr, &m, y, s, NULL, n) == CREDO_OK);
  metrics_pr_curve(fpr, tpr, th, fps, tps, thr, m); /* precision, recall */
  double ap = 0;
  for (int64_t i = 0; i < m; i++) ap -= (tpr[i + 1] - tpr[i]) * fpr[i];
  CHECK_NEAR(r.ap, ap, 1e-14);
  CHECK_NEAR(r.pr_auc, -metrics_trapz(tpr, fpr, m + 1), 1e-14);
  /* all-equal scores: 0.5; one class: NaN */
  for (int64_t i = 0; i < n; i++) s[i] = 0.25;
  CHECK(metrics_roc_auc(&fast, y, s, NULL, n) == CREDO_OK);
  CHECK_NEAR(fast, 0.5, 0);
  CHECK(metrics_roc_auc(&fast, y, s, w, n) == CREDO_OK);
  CHECK_NEAR(fast, 0.5, 1e-15);
  memset(y, 1, (size_t)n);
  CHECK(metrics_roc_auc(&fast, y, s, NULL, n) == CREDO_OK);
  CHECK(isnan(fast));
  free(y); free(s); free(w); free(order); free(fps); free(tps); free(thr);
  free(fpr); free(tpr); free(th);
}

static void test_cost_curve(void) {
  /* perfect classifier: zero cost everywhere; chance: min(pc, 1 - pc) */
  double pc[11], nec[11], ref[11], area = -1;
  double pf[] = {0, 0, 1}, pt[] = {0, 1, 1};
  CHECK(metrics_cost_curve(pc, nec, &area, pf, pt, 3, 11) == CREDO_OK);
  double zeros[11] = {0};
  ctest_check_array("cost perfect", nec, zeros, 11, 0);
  CHECK_NEAR(area, 0, 0);
  double df[] = {0, 0.5, 1}, dt[] = {0, 0.5, 1};
  CHECK(metrics_cost_curve(pc, nec, &area, df, dt, 3, 11) == CREDO_OK);
  for (int i = 0; i < 11; i++) ref[i] = fmin(pc[i], 1 - pc[i]);
  ctest_check_array("cost chance", nec, ref, 11, 1e-15);
  CHECK_NEAR(area, 0.25, 1e-15);
  CHECK_NEAR(pc[3], 0.30000000000000004, 0); /* numpy linspace value */
  /* a real curve: envelope vs brute force, area vs a fine trapezoid */
  int64_t n = 500, m = 0;
  uint8_t *y = malloc((size_t)n);
  double *s = malloc(sizeof(double) * (size_t)n), *fps = malloc(sizeof(double) * (size_t)n),
         *tps = malloc(sizeof(double) * (size_t)n), *thr = malloc(sizeof(double) * (size_t)n);
  double *fpr = malloc(sizeof(double) * (size_t)(n + 1)), *tpr = malloc(sizeof(double) * (size_t)(n + 1)),
         *th = malloc(sizeof(double) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; i++) {
    y[i] = urand() < 0.3;
    s[i] = urand() + 0.4 * y[i];
  }
  CHECK(metrics_clf_curve(fps, tps, thr, &m, y, s, NULL, n) == CREDO_OK);
  int64_t c = metrics_roc_curve(fpr, tpr, th, fps, tps, thr, m, 0);
  int64_t G = 20001;
  double *gpc = malloc(sizeof(double) * (size_t)G), *gnec = malloc(sizeof(double) * (size_t)G),
         *gref = malloc(sizeof(double) * (size_t)G);
  CHECK(metrics_cost_curve(gpc, gnec, &area, fpr, tpr, c, G) == CREDO_OK);
  metrics_cost_curve_ref(gref, gpc, fpr, tpr, c, G);
  ctest_check_array("cost envelope vs brute force", gnec, gref, G, 1e-15);
  double tz = metrics_trapz(gpc, gref, G);
  printf("  cost area exact %.17g, trapezoid on %ld points %.17g\n", area, (long)G, tz);
  CHECK_NEAR(area, tz, 1e-8);
  /* drop_intermediate does not change the envelope */
  double area2;
  c = metrics_roc_curve(fpr, tpr, th, fps, tps, thr, m, 1);
  CHECK(metrics_cost_curve(gpc, gref, &area2, fpr, tpr, c, G) == CREDO_OK);
  ctest_check_array("cost envelope after drop", gref, gnec, G, 1e-15);
  CHECK_NEAR(area2, area, 1e-15);
  free(y); free(s); free(fps); free(tps); free(thr); free(fpr); free(tpr); free(th);
  free(gpc); free(gnec); free(gref);
}

static void test_losses_and_calibration(void) {
  /* sklearn docstrings */
  uint8_t y[] = {0, 1, 1, 0};
  double p[] = {0.1, 0.9, 0.8, 0.3};
  CHECK_NEAR(metrics_brier(y, p, NULL, 4), 0.0375, 1e-15);
  uint8_t y2[] = {1, 0, 0, 1};
  double p2[] = {0.9, 0.1, 0.2, 0.65};
  CHECK_NEAR(metrics_log_loss(y2, p2, NULL, 4, 0x1.0p-52), 0.21616187468057912, 1e-15);
  double pm[] = {0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65};
  int64_t ym[] = {1, 0, 0, 1};
  CHECK_NEAR(metrics_log_loss_multi(ym, pm, NULL, 4, 2, 0x1.0p-52), 0.21616187468057912, 1e-15);
  double w[] = {1, 2, 0, 1};
  /* weighted: (0.01 * 1 + 0.01 * 2 + 0.09 * 1) / 4 */
  CHECK_NEAR(metrics_brier(y, p, w, 4), (0.01 + 0.02 + 0.09) / 4, 1e-15);
  /* clipping: p = 0 for a positive costs -log(eps) */
  uint8_t y1[] = {1};
  double p0[] = {0.0};
  CHECK_NEAR(metrics_log_loss(y1, p0, NULL, 1, 1e-15), -log(1e-15 / (1 - 1e-15 + 1e-15)), 1e-15);
  uint8_t yc[] = {0, 0, 0, 0, 1, 1, 1, 1, 1};
  double pc[] = {0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0};
  double pt[3], pp[3];
  int64_t m = 0;
  CHECK(metrics_calibration_curve(pt, pp, &m, yc, pc, 9, 3, 0) == CREDO_OK);
  double wpt[] = {0, 0.5, 1}, wpp[] = {0.2, 0.525, 0.85};
  CHECK(m == 3);
  ctest_check_array("calibration uniform true", pt, wpt, 3, 1e-15);
  ctest_check_array("calibration uniform pred", pp, wpp, 3, 1e-15);
  CHECK(metrics_calibration_curve(pt, pp, &m, yc, pc, 9, 3, 1) == CREDO_OK);
  /* edges at percentiles 0, 33.3, 66.7, 100: 0.1, 0.3667, 0.7333, 1 */
  double qpt[] = {0, 2.0 / 3, 1}, qpp[] = {0.2, (0.4 + 0.65 + 0.7) / 3, 0.9};
  CHECK(m == 3);
  ctest_check_array("calibration quantile true", pt, qpt, 3, 1e-15);
  ctest_check_array("calibration quantile pred", pp, qpp, 3, 1e-15);
  double xs[] = {1, 2, 3, 4};
  CHECK_NEAR(metrics_quantile_sorted(xs, 4, 0.5), 2.5, 0);
  CHECK_NEAR(metrics_quantile_sorted(xs, 4, 1.0), 4, 0);
  CHECK_NEAR(metrics_quantile_sorted(xs, 4, 0.0), 1, 0);
  CHECK_NEAR(metrics_quantile_sorted(xs, 4, 0.1), 1.3, 1e-15);
}

/* class sums of a confusion matrix cm (k, k): diagonal, column, row sums */
static void sums_of(double *tp, double *pred, double *tru, const double *cm, int k) {
  for (int j = 0; j < k; j++) {
    tp[j] = cm[j * k + j];
    pred[j] = tru[j] = 0;
    for (int i = 0; i < k; i++) {
      pred[j] += cm[i * k + j];
      tru[j] += cm[j * k + i];
    }
  }
}

static void prf_cm(double *p, double *r, double *f, double *s, const double *cm, int k,
                   int nsel, metrics_average avg, double beta, double zd) {
  double tp[8], pred[8], tru[8];
  sums_of(tp, pred, tru, cm, k);
  metrics_prf(p, r, f, s, tp, pred, tru, nsel, avg, beta, zd);
}

static void test_label_metrics(void) {
  /* sklearn precision_recall_fscore_support docstring (cat/dog/pig ->
   * labels 0 1 2 in the sorted order of the strings: cat, dog, pig) */
  int64_t yt[] = {0, 1, 2, 0, 1, 2}, yp[] = {0, 2, 1, 0, 0, 1};
  int32_t map[] = {0, 1, 2};
  double cm[9];
  metrics_confusion(cm, yt, yp, NULL, 6, map, 3);
  double wcm[] = {2, 0, 0, 1, 0, 1, 0, 2, 0};
  ctest_check_array("confusion", cm, wcm, 9, 0);
  double sums[9], want[9];
  metrics_class_sums(sums, sums + 3, sums + 6, yt, yp, NULL, 6, map, 3);
  sums_of(want, want + 3, want + 6, cm, 3);
  ctest_check_array("class sums vs confusion", sums, want, 9, 0);
  double p[3], r[3], f[3], s[3];
  prf_cm(p, r, f, s, cm, 3, 3, METRICS_AVG_MACRO, 1.0, 0.0);
  CHECK_NEAR(p[0], 2.0 / 9, 1e-15);
  CHECK_NEAR(r[0], 1.0 / 3, 1e-15);
  CHECK_NEAR(f[0], 0.8 / 3, 1e-15);
  prf_cm(p, r, f, s, cm, 3, 3, METRICS_AVG_MICRO, 1.0, 0.0);
  CHECK_NEAR(p[0], 1.0 / 3, 1e-15);
  CHECK_NEAR(f[0], 1.0 / 3, 1e-15);
  prf_cm(p, r, f, s, cm, 3, 3, METRICS_AVG_WEIGHTED, 1.0, 0.0);
  CHECK_NEAR(p[0], 2.0 / 9, 1e-15);
  CHECK_NEAR(s[0], 6, 0);
  prf_cm(p, r, f, s, cm, 3, 3, METRICS_AVG_NONE, 1.0, 0.0);
  double wp[] = {2.0 / 3, 0, 0}, wr[] = {1, 0, 0}, wf[] = {0.8, 0, 0};
  ctest_check_array("prf per class precision", p, wp, 3, 1e-15);
  ctest_check_array("prf per class recall", r, wr, 3, 1e-15);
  ctest_check_array("prf per class f1", f, wf, 3, 1e-15);
  /* zero_division: no predicted positives */
  double cz[] = {0, 3, 0, 1}; /* class 0 never predicted */
  prf_cm(p, r, f, s, cz, 2, 1, METRICS_AVG_BINARY, 1.0, 0.0);
  CHECK(p[0] == 0 && r[0] == 0 && f[0] == 0);
  prf_cm(p, r, f, s, cz, 2, 1, METRICS_AVG_BINARY, 1.0, 1.0);
  CHECK(p[0] == 1 && r[0] == 0 && f[0] == 0);
  double cn[] = {0, 0, 0, 4}; /* selected class absent from both */
  prf_cm(p, r, f, s, cn, 2, 1, METRICS_AVG_BINARY, 1.0, 1.0);
  CHECK(p[0] == 1 && r[0] == 1 && f[0] == 1);
  prf_cm(p, r, f, s, cn, 2, 1, METRICS_AVG_WEIGHTED, 1.0, 1.0);
  CHECK(p[0] == 1 && r[0] == 1 && f[0] == 1);
  /* F-beta with beta = inf is recall */
  prf_cm(p, r, f, s, cm, 3, 3, METRICS_AVG_NONE, INFINITY, 0.0);
  CHECK(f[0] == r[0]);
  /* balanced accuracy docstring: 0.625 */
  int64_t bt[] = {0, 1, 0, 0, 1, 0}, bp[] = {0, 1, 0, 0, 0, 1};
  double bcm[4];
  metrics_confusion(bcm, bt, bp, NULL, 6, map, 2);
  CHECK_NEAR(metrics_balanced_accuracy(bcm, 2), 0.625, 1e-15);
  CHECK_NEAR(metrics_accuracy(bt, bp, NULL, 6), 4.0 / 6, 1e-15);
  double w[] = {1, 1, 1, 1, 2, 0};
  CHECK_NEAR(metrics_accuracy(bt, bp, w, 6), 4.0 / 6, 1e-15);
}

static void test_bootstrap(void) {
  int64_t n = 400, reps = 64;
  int64_t *y = malloc(sizeof(int64_t) * (size_t)n), *yp = malloc(sizeof(int64_t) * (size_t)n);
  double *s = malloc(sizeof(double) * (size_t)n), *w = malloc(sizeof(double) * (size_t)n);
  int64_t members[400], offsets[3];
  for (int64_t i = 0; i < n; i++) {
    y[i] = urand() < 0.25;
    s[i] = floor((urand() * 0.7 + 0.3 * (double)y[i]) * 40) / 40;
    yp[i] = s[i] > 0.5;
    w[i] = 0.5 + urand();
  }
  int64_t c0 = 0;
  for (int64_t i = 0; i < n; i++) if (!y[i]) members[c0++] = i;
  int64_t c1 = c0;
  for (int64_t i = 0; i < n; i++) if (y[i]) members[c1++] = i;
  offsets[0] = 0; offsets[1] = c0; offsets[2] = n;
  double *v1 = malloc(sizeof(double) * (size_t)reps), *v2 = malloc(sizeof(double) * (size_t)reps);
  int64_t *idx = malloc(sizeof(int64_t) * (size_t)n);
  uint8_t *yb = malloc((size_t)n);
  double *sb = malloc(sizeof(double) * (size_t)n), *wb = malloc(sizeof(double) * (size_t)n);
  int64_t *ytb = malloc(sizeof(int64_t) * (size_t)n), *ypb = malloc(sizeof(int64_t) * (size_t)n);
  int ids[] = {METRICS_ID_ROC_AUC, METRICS_ID_GINI, METRICS_ID_AVERAGE_PRECISION,
               METRICS_ID_PR_AUC, METRICS_ID_KS, METRICS_ID_BRIER, METRICS_ID_LOG_LOSS,
               METRICS_ID_ACCURACY, METRICS_ID_BALANCED_ACCURACY, METRICS_ID_PRECISION,
               METRICS_ID_RECALL, METRICS_ID_F1};
  for (int strat = 0; strat < 2; strat++)
    for (int wt = 0; wt < 2; wt++)
      for (size_t q = 0; q < sizeof ids / sizeof *ids; q++) {
        metrics_id id = (metrics_id)ids[q];
        const double *ww = wt ? w : NULL;
        int64_t k = strat ? 2 : 0;
        credo_threads_set(1);
        CHECK(metrics_bootstrap(v1, id, y, s, yp, ww, n, 2, members, offsets, k, 7, reps,
                                1e-15) == CREDO_OK);
        credo_threads_set(2);
        CHECK(metrics_bootstrap(v2, id, y, s, yp, ww, n, 2, members, offsets, k, 7, reps,
                                1e-15) == CREDO_OK);
        CHECK(memcmp(v1, v2, sizeof(double) * (size_t)reps) == 0);
        /* each replicate equals the metric of the materialised resample */
        double worst = 0;
        for (int64_t b = 0; b < reps; b++) {
          metrics_bootstrap_indices(idx, n, members, offsets, k, 7, (uint64_t)b);
          for (int64_t t = 0; t < n; t++) {
            yb[t] = (uint8_t)y[idx[t]];
            ytb[t] = y[idx[t]];
            ypb[t] = yp[idx[t]];
            sb[t] = s[idx[t]];
            wb[t] = w[idx[t]];
          }
          const double *wwb = wt ? wb : NULL;
          double want = NAN;
          int32_t map2[] = {1, 0}, mapid[] = {0, 1};
          double cm[6], pp, rr, ff, ss;
          MetricsRank r;
          int64_t order[400];
          switch (id) {
          case METRICS_ID_ROC_AUC:
          case METRICS_ID_GINI:
            metrics_roc_auc(&want, yb, sb, wwb, n);
            if (id == METRICS_ID_GINI) want = 2 * want - 1;
            break;
          case METRICS_ID_AVERAGE_PRECISION:
          case METRICS_ID_PR_AUC:
          case METRICS_ID_KS:
            metrics_argsort_desc(order, sb, n);
            metrics_rank_sorted(&r, order, yb, sb, wwb, NULL, n);
            want = id == METRICS_ID_AVERAGE_PRECISION ? r.ap
                   : id == METRICS_ID_PR_AUC ? r.pr_auc : r.ks;
            break;
          case METRICS_ID_BRIER: want = metrics_brier(yb, sb, wwb, n); break;
          case METRICS_ID_LOG_LOSS: want = metrics_log_loss(yb, sb, wwb, n, 1e-15); break;
          case METRICS_ID_ACCURACY: want = metrics_accuracy(ytb, ypb, wwb, n); break;
          case METRICS_ID_BALANCED_ACCURACY:
            metrics_confusion(cm, ytb, ypb, wwb, n, mapid, 2);
            want = metrics_balanced_accuracy(cm, 2);
            break;
          default:
            metrics_class_sums(cm, cm + 2, cm + 4, ytb, ypb, wwb, n, map2, 2);
            metrics_prf(&pp, &rr, &ff, &ss, cm, cm + 2, cm + 4, 1, METRICS_AVG_BINARY, 1, 0);
            want = id == METRICS_ID_PRECISION ? pp : id == METRICS_ID_RECALL ? rr : ff;
          }
          double d = fabs(v1[b] - want);
          if (!(d <= worst)) worst = d;
        }
        /* exact without weights; weighted ranking sums differ in order */
        double tol = (wt && id <= METRICS_ID_KS) ? 1e-13 : 0;
        if (!(worst <= tol))
          fprintf(stderr, "bootstrap id %d strat %d weights %d: worst %g\n", id, strat, wt,
                  worst);
        CHECK(worst <= tol);
      }
  /* stratified replicates keep the class counts */
  metrics_bootstrap_indices(idx, n, members, offsets, 2, 99, 3);
  int64_t pos = 0;
  for (int64_t t = 0; t < n; t++) pos += y[idx[t]];
  CHECK(pos == n - c0);
  /* the stream is rng_stream(seed, b) with one rng_bounded per draw */
  Rng rg;
  rng_stream(&rg, 99, 5);
  metrics_bootstrap_indices(idx, n, NULL, NULL, 0, 99, 5);
  int same = 1;
  for (int64_t t = 0; t < n; t++) same &= idx[t] == (int64_t)rng_bounded(&rg, (uint64_t)n);
  CHECK(same);
  /* interrupt */
  credo_interrupted = 1;
  CHECK(metrics_bootstrap(v1, METRICS_ID_BRIER, y, s, yp, NULL, n, 2, members, offsets, 0, 7,
                          reps, 1e-15) == CREDO_EINTR);
  credo_interrupted = 0;
  free(y); free(yp); free(s); free(w); free(v1); free(v2); free(idx); free(yb); free(sb);
  free(wb); free(ytb); free(ypb);
}

int main(void) {
  test_argsort();
  test_doc_curves();
  test_auc_random();
  test_cost_curve();
  test_losses_and_calibration();
  test_label_metrics();
  test_bootstrap();
  return ctest_summary();
}
