/*
 * test_prep.c: the preprocessing core (natives/prep) against closed forms,
 * hand-worked values, brute-force references and slow _ref twins written
 * here: special functions (exact t CDFs for 1 and 2 degrees of freedom,
 * symmetry of I_x(a, b), scipy values), numpy percentiles and np.interp on
 * repeated knots, the quantile transform, ranks and correlations, Hampel
 * and the median filter, Bayesian online change points against an
 * enumeration of every segmentation, Isolation Forest invariants and
 * thread independence, ReliefF against a naive twin, duplicate rows, FNV-1a
 * test vectors, and the interrupt flag.  Prints the largest differences.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctest.h"
#include "../../natives/prep/prep.h"
#include "../../natives/random/rng.h"

/* ---- special functions ---- */

static void test_special(void) {
  /* scipy.special.ndtri at these points (scipy 1.10) */
  static const double p[] = { 1e-300, 1e-20, 1e-7, 0.001, 0.3, 0.5, 0.975, 1 - 1e-7 };
  static const double z[] = { -37.0470962993612, -9.262340089798409, -5.1993375821928165,
                              -3.090232306167813, -0.5244005127080409, 0.0,
                              1.959963984540054, 5.199337582290661 };
  double worst = 0;
  for (int i = 0; i < 8; i++) {
    double e = fabs(prep_norm_ppf(p[i]) - z[i]) / fmax(1, fabs(z[i]));
    if (e > worst) worst = e;
  }
  printf("  %-32s max rel diff %.3g\n", "ndtri vs scipy", worst);
  CHECK(worst < 1e-15);
  CHECK(isinf(prep_norm_ppf(0)) && prep_norm_ppf(0) < 0);
  CHECK(isinf(prep_norm_ppf(1)) && prep_norm_ppf(1) > 0);
  CHECK(isnan(prep_norm_ppf(1.5)) && isnan(prep_norm_ppf(NAN)));
  /* round trip through the CDF */
  worst = 0;
  /* (the lower tail, where ndtr keeps its relative precision) */
  for (double x = -7; x <= 1; x += 0.37) {
    double e = fabs(prep_norm_ppf(prep_norm_cdf(x)) - x);
    if (e > worst) worst = e;
  }
  printf("  %-32s max abs diff %.3g\n", "ndtri(ndtr(x)) - x", worst);
  CHECK(worst < 1e-14);

  /* t p-values: df = 1 (Cauchy) 1 - (2/pi) atan|t|; df = 2: 1 - |t|/sqrt(2+t^2) */
  worst = 0;
  for (double t = 0.05; t < 60; t *= 1.7) {
    double p1 = 1 - 2 / M_PI * atan(t), p2 = 1 - t / sqrt(2 + t * t);
    double e1 = fabs(prep_t_pvalue(t, 1) - p1) / p1, e2 = fabs(prep_t_pvalue(-t, 2) - p2) / p2;
    if (e1 > worst) worst = e1;
    if (e2 > worst) worst = e2;
  }
  printf("  %-32s max rel diff %.3g\n", "t p-value vs closed forms", worst);
  CHECK(worst < 1e-12);
  /* scipy 2*stdtr(df, -|t|) */
  CHECK_NEAR(prep_t_pvalue(2.5, 10), 0.031446844236608776, 1e-15);
  /* 1e5 degrees of freedom: ~3e-15 with the x87 long double of a native
   * run, ~2e-12 in plain double (valgrind emulates long double as double) */
  CHECK_NEAR(prep_t_pvalue(1.96, 1e5) / 0.049998563194301638, 1.0, 1e-11);
  CHECK_NEAR(prep_t_pvalue(30, 100) / 8.380332558688336e-52, 1.0, 1e-14);
  CHECK(prep_t_pvalue(0, 4) == 1.0);
  CHECK(prep_t_pvalue(INFINITY, 4) == 0.0);
  CHECK(isnan(prep_t_pvalue(1, 0)) && isnan(prep_t_pvalue(NAN, 3)));
  /* I_x(a, b) = 1 - I_{1-x}(b, a); I_x(1, 1) = x; I_x(a, 1) = x^a */
  worst = 0;
  for (double a = 0.3; a < 300; a *= 2.3)
    for (double b = 0.4; b < 300; b *= 3.1)
      for (double x = 0.01; x < 1; x += 0.07) {
        double e = fabs(prep_betainc(a, b, x, 1 - x) + prep_betainc(b, a, 1 - x, x) - 1);
        if (e > worst) worst = e;
      }
  printf("  %-32s max abs diff %.3g\n", "betainc symmetry", worst);
  CHECK(worst < 1e-13);
  CHECK_NEAR(prep_betainc(1, 1, 0.3, 0.7), 0.3, 1e-15);
  CHECK_NEAR(prep_betainc(3.5, 1, 0.6, 0.4), pow(0.6, 3.5), 1e-15);
  CHECK_NEAR(prep_betainc(50, 60, 0.45, 0.55), 0.4642352914306064, 1e-13);
  CHECK(isnan(prep_betainc(-1, 2, 0.5, 0.5)));
  CHECK_NEAR(prep_lbeta(0.5, 0.5), log(M_PI), 1e-15);
  CHECK_NEAR(prep_lbeta(1e6, 0.5), lgamma(1e6) + lgamma(0.5) - lgamma(1e6 + 0.5), 1e-9);
}

/* ---- percentiles, moments, interp, quantile transform ---- */

static void test_quantile(void) {
  double v[] = { 1, 2, 3, 4 };
  CHECK(prep_percentile_sorted(v, 4, 0.25) == 1.75);
  CHECK(prep_percentile_sorted(v, 4, 0.5) == 2.5);
  CHECK_NEAR(prep_percentile_sorted(v, 4, 0.9), 3.7, 1e-15);
  CHECK(prep_percentile_sorted(v, 4, 1.0) == 4);
  CHECK(prep_percentile_sorted(v, 1, 0.3) == 1);

  /* np.interp on repeated knots: xp [0,1,1,2], fp [0,1,2,3] */
  double xp[] = { 0, 1, 1, 2 }, fp[] = { 0, 1, 2, 3 };
  CHECK(prep_interp(1.0, xp, fp, 4) == 2.0);
  CHECK(prep_interp(0.5, xp, fp, 4) == 0.5);
  CHECK(prep_interp(1.5, xp, fp, 4) == 2.5);
  CHECK(prep_interp(-1, xp, fp, 4) == 0.0);
  CHECK(prep_interp(3, xp, fp, 4) == 3.0);
  CHECK(isnan(prep_interp(NAN, xp, fp, 4)));

  /* moments and percentiles with NaN: column 0 {1, NaN, 3, 6}, column 1
   * all NaN, column 2 constant */
  double x[] = { 1, NAN, 2, NAN, NAN, 2, 3, NAN, 2, 6, NAN, 2 };
  int64_t cnt[3];
  double mean[3], var[3], mn[3], mx[3];
  CHECK(prep_col_moments(cnt, mean, var, mn, mx, x, 4, 3) == CREDO_OK);
  CHECK(cnt[0] == 3 && cnt[1] == 0 && cnt[2] == 4);
  CHECK_NEAR(mean[0], 10.0 / 3, 1e-15);
  CHECK_NEAR(var[0], ((1 - 10.0 / 3) * (1 - 10.0 / 3) + (3 - 10.0 / 3) * (3 - 10.0 / 3) +
                      (6 - 10.0 / 3) * (6 - 10.0 / 3)) / 3, 1e-14);
  CHECK(isnan(mean[1]) && isnan(mn[1]));
  CHECK(var[2] == 0 && mn[0] == 1 && mx[0] == 6);
  double q[] = { 0.5, 0.25 }, out[6];
  CHECK(prep_col_percentiles(out, x, 4, 3, q, 2) == CREDO_OK);
  CHECK(out[0] == 3 && isnan(out[1]) && out[2] == 2 && out[3] == 2);
  double mode[3], xm[] = { 5, 1, 2, 7, 2, 1, 5, 3, 9 };  /* (3,3): cols {5,7,5} {1,2,3} {2,1,9} */
  CHECK(prep_col_mode(mode, xm, 3, 3) == CREDO_OK);
  CHECK(mode[0] == 5 && mode[1] == 1 && mode[2] == 1);

  /* quantile transform: with n_quantiles = n every training point is a
   * knot, so uniform gives (rank - 1) / (n - 1) and inverse gives x back */
  enum { N = 9 };
  double col[N] = { 3.5, -1, 7, 0.25, 10, 2, 2.5, -4, 8 };
  double qs[N], refs[N], fw[N], back[N];
  CHECK(prep_quantile_fit(qs, refs, col, N, 1, N, 0, 0) == CREDO_OK);
  CHECK(prep_quantile_transform(fw, col, N, 1, qs, refs, N, 0, 0) == CREDO_OK);
  CHECK(prep_quantile_transform(back, fw, N, 1, qs, refs, N, 0, 1) == CREDO_OK);
  double worst = 0, worst_back = 0;
  for (int i = 0; i < N; i++) {
    int rank = 0;
    for (int j = 0; j < N; j++) rank += col[j] < col[i];
    worst = fmax(worst, fabs(fw[i] - rank / (double)(N - 1)));
    worst_back = fmax(worst_back, fabs(back[i] - col[i]));
  }
  printf("  %-32s max abs diff %.3g / %.3g\n", "quantile uniform / inverse", worst, worst_back);
  CHECK(worst < 1e-15 && worst_back < 1e-14);
  CHECK(refs[0] == 0 && refs[N - 1] == 1);
  /* normal output: the minimum clips to ppf(1e-7 - eps), NaN stays */
  double probe[3] = { -4, NAN, 100 }, po[3];
  CHECK(prep_quantile_transform(po, probe, 3, 1, qs, refs, N, 1, 0) == CREDO_OK);
  CHECK_NEAR(po[0], prep_norm_ppf(1e-7 - 2.220446049250313e-16), 1e-15);
  CHECK(isnan(po[1]) && po[2] == prep_norm_ppf(1 - (1e-7 - 2.220446049250313e-16)));
  /* a constant column maps to 0 (the lower bound wins) */
  double cst[4] = { 2, 2, 2, 2 }, cq[4], cr[4], co[4];
  CHECK(prep_quantile_fit(cq, cr, cst, 4, 1, 4, 0, 0) == CREDO_OK);
  CHECK(prep_quantile_transform(co, cst, 4, 1, cq, cr, 4, 0, 0) == CREDO_OK);
  CHECK(co[0] == 0 && co[3] == 0);
  /* subsampling is reproducible and thread independent */
  enum { M = 5000 };
  double *big = malloc(M * 2 * sizeof *big), qa[2 * 50], qb[2 * 50], rr[50];
  Rng r;
  rng_seed(&r, 11);
  for (int i = 0; i < 2 * M; i++) big[i] = rng_normal(&r);
  credo_threads_set(1);
  CHECK(prep_quantile_fit(qa, rr, big, M, 2, 50, 700, 42) == CREDO_OK);
  credo_threads_set(2);
  CHECK(prep_quantile_fit(qb, rr, big, M, 2, 50, 700, 42) == CREDO_OK);
  CHECK(memcmp(qa, qb, sizeof qa) == 0);
  int mono = 1;
  for (int k = 1; k < 50; k++) mono &= qa[k * 2] >= qa[(k - 1) * 2];
  CHECK(mono);
  free(big);
}

/* ---- ranks and correlation ---- */

static void test_corr(void) {
  double x[] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5 };
  double want[] = { 4.5, 1.5, 6, 1.5, 8, 11, 3, 10, 8, 4.5, 8 }, rk[11];
  CHECK(prep_rank_average(rk, x, 11, 1) == CREDO_OK);
  ctest_check_array("average ranks (scipy rankdata)", rk, want, 11, 0);
  /* columns: a, 2a + 1 (r = 1), -a^3 (Spearman -1), constant, noise */
  enum { N = 12, D = 5 };
  double m[N * D];
  Rng r;
  rng_seed(&r, 3);
  for (int i = 0; i < N; i++) {
    double a = i - 5.5 + 0.3 * rng_normal(&r);
    m[i * D + 0] = a;
    m[i * D + 1] = 2 * a + 1;
    m[i * D + 2] = -a * a * a;
    m[i * D + 3] = 7;
    m[i * D + 4] = rng_normal(&r);
  }
  double R[D * D], P[D * D];
  CHECK(prep_corr(R, P, m, N, D, 0) == CREDO_OK);
  CHECK_NEAR(R[0 * D + 1], 1.0, 1e-15);
  CHECK(P[0 * D + 1] < 1e-60 && R[0] == 1.0 && P[0] == 0.0);
  CHECK(isnan(R[0 * D + 3]) && isnan(P[3 * D + 0]) && isnan(R[3 * D + 3]));
  /* p of the noise column from its r */
  double rr = R[0 * D + 4];
  double t = rr * sqrt((N - 2) / (1 - rr * rr));
  CHECK_NEAR(P[0 * D + 4], prep_t_pvalue(t, N - 2), 1e-14);
  CHECK(R[1 * D + 4] == R[4 * D + 1]);
  CHECK(prep_corr(R, P, m, N, D, 1) == CREDO_OK);
  CHECK_NEAR(R[0 * D + 2], -1.0, 1e-15);
  CHECK(P[0 * D + 2] < 1e-60);
  /* thread independence */
  double R1[D * D], R2[D * D];
  credo_threads_set(1);
  prep_corr(R1, NULL, m, N, D, 1);
  credo_threads_set(2);
  prep_corr(R2, NULL, m, N, D, 1);
  CHECK(memcmp(R1, R2, sizeof R1) == 0);
}

/* ---- sequences ---- */

static void test_series(void) {
  double x[] = { 1, 2, 1, 2, 50, 2, 1, 2, 1, 2 }, out[10], med[10], sc[10];
  int64_t flag[10];
  CHECK(prep_hampel(out, flag, med, sc, x, 10, 3, 3) == CREDO_OK);
  /* i = 4: window 1..7 {2,1,2,50,2,1,2}, median 2, MAD of {0,1,0,48,0,1,0}
   * is 0, so any deviation is flagged: the spike and x_6 = 1 (window
   * 3..9, MAD 0 too); x_3 = 2 (MAD 1) and x_1 are kept */
  CHECK(flag[4] == 1 && out[4] == 2 && sc[4] == 0);
  CHECK(flag[6] == 1 && sc[6] == 0 && out[6] == 2);
  CHECK(flag[3] == 0 && out[3] == 2 && flag[1] == 0);
  CHECK_NEAR(sc[3], 1.4826, 1e-15);
  double xs[] = { 1.0, 1.1, 0.9, 1.05, 50, 0.95, 1.02, 0.98, 1.01, 0.97 };
  CHECK(prep_hampel(out, flag, med, sc, xs, 10, 3, 3) == CREDO_OK);
  int nflag = 0;
  for (int i = 0; i < 10; i++) nflag += (int)flag[i];
  CHECK(nflag == 1 && flag[4] == 1 && out[4] == 1.02);   /* window 1..7 median */
  double mf[10];
  CHECK(prep_median_filter(mf, x, NULL, 10, 1) == CREDO_OK);
  CHECK(mf[0] == 1.5 && mf[4] == 2 && mf[9] == 1.5);   /* truncated ends: means of 2 */
  int64_t mask[10] = { 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 };
  CHECK(prep_median_filter(mf, x, mask, 10, 2) == CREDO_OK);
  CHECK(mf[4] == 2 && mf[0] == 1 && mf[3] == 2);
}

/* Normal-Gamma log marginal likelihood of x[a..b). */
static double ng_logml(const double *x, int a, int b, const PrepNG *p) {
  int m = b - a;
  double s = 0;
  for (int i = a; i < b; i++) s += x[i];
  double xb = s / m, ss = 0;
  for (int i = a; i < b; i++) ss += (x[i] - xb) * (x[i] - xb);
  double kn = p->kappa0 + m, an = p->alpha0 + 0.5 * m;
  double bn = p->beta0 + 0.5 * ss + p->kappa0 * m * (xb - p->mu0) * (xb - p->mu0) / (2 * kn);
  return lgamma(an) - lgamma(p->alpha0) + p->alpha0 * log(p->beta0) - an * log(bn) +
         0.5 * log(p->kappa0 / kn) - 0.5 * m * log(2 * M_PI);
}

/* log joint of the segmentation of x[0..t) whose starts are the bits of
 * mask (bit i set: a segment starts at i + 1). */
static double seg_logjoint(const double *x, int t, unsigned mask, double h, const PrepNG *p) {
  double lj = 0;
  int a = 0, nseg = 1;
  for (int i = 1; i <= t; i++) {
    if (i == t || (mask >> (i - 1) & 1)) {
      lj += ng_logml(x, a, i, p);
      if (i < t) nseg++;
      a = i;
    }
  }
  return lj + (nseg - 1) * log(h) + (t - nseg) * log1p(-h);
}

static void check_bocpd_brute(const double *x, int n, double h, const PrepNG *p) {
  double cp[16], logev;
  int64_t rm[16], lab[16];
  CHECK(prep_bocpd(cp, rm, lab, &logev, x, n, h, p, 0) == CREDO_OK);
  double worst = 0;
  for (int t = 1; t <= n; t++) {
    /* P(x_t starts a segment | x_1..t) and the run-length argmax */
    double tot = 0, at1 = 0, byrun[16] = { 0 };
    for (unsigned mask = 0; mask < (1u << (t - 1)); mask++) {
      double j = exp(seg_logjoint(x, t, mask, h, p));
      tot += j;
      int last = 0;
      for (int i = 1; i < t; i++) if (mask >> (i - 1) & 1) last = i;
      byrun[t - last] += j;
      if (t > 1 && (mask >> (t - 2) & 1)) at1 += j;
    }
    double want = t == 1 ? 1.0 : at1 / tot;
    worst = fmax(worst, fabs(cp[t - 1] - want));
    int best = 1;
    for (int r = 2; r <= t; r++) if (byrun[r] > byrun[best]) best = r;
    CHECK(rm[t - 1] == best);
    if (t == n) CHECK_NEAR(logev, log(tot), 1e-12);
  }
  printf("  %-32s max abs diff %.3g\n", "bocpd cp_prob vs enumeration", worst);
  CHECK(worst < 1e-12);
  /* MAP segmentation */
  double best = -INFINITY;
  unsigned bm = 0;
  for (unsigned mask = 0; mask < (1u << (n - 1)); mask++) {
    double lj = seg_logjoint(x, n, mask, h, p);
    if (lj > best) { best = lj; bm = mask; }
  }
  int ok = lab[0] == 0;
  for (int i = 1; i < n; i++) ok &= lab[i] == lab[i - 1] + (int64_t)((bm >> (i - 1)) & 1);
  CHECK(ok);
}

static void test_bocpd(void) {
  double x[] = { 0.1, -0.2, 0.05, 0.3, 5.1, 4.8, 5.3, 5.0, 5.2, -0.1 };
  PrepNG p = { 0, 1, 1, 1 };
  check_bocpd_brute(x, 10, 0.1, &p);
  PrepNG p2 = { 2, 0.5, 2.5, 0.3 };
  check_bocpd_brute(x, 9, 0.02, &p2);
  double y[] = { 3, 3.1, 2.9, 3.05, 3.0, 2.95, 3.1 };
  check_bocpd_brute(y, 7, 0.3, &p);
  /* a long sequence: the shift is found; a cap >= n is the exact run */
  enum { N = 400 };
  double *z = malloc(N * sizeof *z), cp[N], cp2[N], ev, ev2;
  int64_t rm[N], lab[N], rm2[N], lab2[N];
  Rng r;
  rng_seed(&r, 9);
  for (int i = 0; i < N; i++) z[i] = (i < 250 ? 0 : 4) + rng_normal(&r);
  PrepNG pz = { 0, 1, 1, 1 };
  CHECK(prep_bocpd(cp, rm, lab, &ev, z, N, 1.0 / 250, &pz, 0) == CREDO_OK);
  CHECK(lab[249] == 0 && lab[250] == 1 && lab[N - 1] == 1);
  CHECK(prep_bocpd(cp2, rm2, lab2, &ev2, z, N, 1.0 / 250, &pz, N) == CREDO_OK);
  CHECK(memcmp(cp, cp2, sizeof cp) == 0 && ev == ev2);
  CHECK(prep_bocpd(cp2, rm2, lab2, &ev2, z, N, 1.0 / 250, &pz, 60) == CREDO_OK);
  CHECK(lab2[249] == 0 && lab2[250] == 1 && isfinite(ev2));
  free(z);
}

/* ---- Isolation Forest ---- */

static void test_iforest(void) {
  CHECK(prep_iforest_c(1) == 0 && prep_iforest_c(2) == 1);
  /* sklearn's _average_path_length(256) */
  CHECK_NEAR(prep_iforest_c(256), 10.244770920119917, 1e-14);
  enum { N = 500, D = 3, T = 60, PSI = 128 };
  double *x = malloc(N * D * sizeof *x);
  Rng r;
  rng_seed(&r, 21);
  for (int i = 0; i < N * D; i++) x[i] = rng_normal(&r);
  for (int j = 0; j < D; j++) x[7 * D + j] = 9;   /* the planted outlier, row 7 */
  PrepForest f;
  int64_t M = 2 * PSI - 1;
  f.n_trees = T;
  f.max_nodes = M;
  f.psi = PSI;
  f.max_depth = 7;
  f.feature = malloc(T * M * sizeof(int64_t));
  f.left = malloc(T * M * sizeof(int64_t));
  f.right = malloc(T * M * sizeof(int64_t));
  f.size = malloc(T * M * sizeof(int64_t));
  f.n_nodes = malloc(T * sizeof(int64_t));
  f.threshold = malloc(T * M * sizeof(double));
  credo_threads_set(2);
  CHECK(prep_iforest_fit(&f, x, N, D, D, 5) == CREDO_OK);
  /* invariants: the root holds psi rows, children split their parent's
   * rows, no path is deeper than max_depth */
  int ok = 1;
  for (int t = 0; t < T; t++) {
    const int64_t *fe = f.feature + t * M, *l = f.left + t * M, *rr = f.right + t * M;
    const int64_t *sz = f.size + t * M;
    int64_t depth[2 * PSI] = { 0 };
    ok &= sz[0] == PSI && f.n_nodes[t] <= M;
    for (int64_t k = 0; k < f.n_nodes[t]; k++) {
      if (fe[k] < 0) continue;
      ok &= sz[l[k]] + sz[rr[k]] == sz[k] && sz[l[k]] > 0 && sz[rr[k]] > 0;
      depth[l[k]] = depth[rr[k]] = depth[k] + 1;
      ok &= depth[k] < f.max_depth;
    }
  }
  CHECK(ok);
  double *s1 = malloc(N * sizeof *s1), *s2 = malloc(N * sizeof *s2);
  CHECK(prep_iforest_score(s2, &f, x, N, D) == CREDO_OK);
  int lowest = 0;
  for (int i = 1; i < N; i++) if (s2[i] < s2[lowest]) lowest = i;
  CHECK(lowest == 7);
  CHECK(s2[7] < -0.6);
  /* one thread builds the same forest and scores */
  PrepForest g = f;
  g.feature = malloc(T * M * sizeof(int64_t));
  g.left = malloc(T * M * sizeof(int64_t));
  g.right = malloc(T * M * sizeof(int64_t));
  g.size = malloc(T * M * sizeof(int64_t));
  g.n_nodes = malloc(T * sizeof(int64_t));
  g.threshold = malloc(T * M * sizeof(double));
  credo_threads_set(1);
  CHECK(prep_iforest_fit(&g, x, N, D, D, 5) == CREDO_OK);
  CHECK(prep_iforest_score(s1, &g, x, N, D) == CREDO_OK);
  CHECK(memcmp(s1, s2, N * sizeof *s1) == 0);
  CHECK(memcmp(f.threshold, g.threshold, T * M * sizeof(double)) == 0);
  credo_threads_set(2);
  /* a constant feature is never split on */
  for (int i = 0; i < N; i++) x[i * D + 1] = 1;
  CHECK(prep_iforest_fit(&g, x, N, D, D, 6) == CREDO_OK);
  int used = 0;
  for (int t = 0; t < T; t++)
    for (int64_t k = 0; k < g.n_nodes[t]; k++) used |= g.feature[t * M + k] == 1;
  CHECK(!used);
  free(g.feature); free(g.left); free(g.right); free(g.size); free(g.n_nodes);
  free(g.threshold);
  free(f.feature); free(f.left); free(f.right); free(f.size); free(f.n_nodes);
  free(f.threshold);
  free(s1); free(s2); free(x);
}

/* ---- ReliefF ---- */

typedef struct Nb { double d; int64_t j; } Nb;

static int cmp_nb(const void *a, const void *b) {
  const Nb *x = a, *y = b;
  if (x->d != y->d) return x->d < y->d ? -1 : 1;
  return (x->j > y->j) - (x->j < y->j);
}

/* The naive twin: every instance sorts all others by distance. */
static void relieff_ref(double *w, const double *x, const int64_t *y, int64_t n, int64_t d,
                        int64_t nc, int64_t k) {
  double *xn = malloc(n * d * sizeof *xn), *prior = calloc(nc, sizeof *prior);
  Nb *nb = malloc(n * sizeof *nb);
  for (int64_t a = 0; a < d; a++) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; i++) { lo = fmin(lo, x[i * d + a]); hi = fmax(hi, x[i * d + a]); }
    for (int64_t i = 0; i < n; i++) xn[i * d + a] = hi > lo ? (x[i * d + a] - lo) / (hi - lo) : 0;
  }
  for (int64_t i = 0; i < n; i++) prior[y[i]] += 1.0 / n;
  for (int64_t a = 0; a < d; a++) w[a] = 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t m = 0;
    for (int64_t j = 0; j < n; j++) {
      if (j == i) continue;
      double s = 0;
      for (int64_t a = 0; a < d; a++) s += fabs(xn[i * d + a] - xn[j * d + a]);
      nb[m++] = (Nb){ s, j };
    }
    qsort(nb, m, sizeof *nb, cmp_nb);
    for (int64_t c = 0; c < nc; c++) {
      int64_t found = 0;
      for (int64_t q = 0; q < m && found < k; q++) found += y[nb[q].j] == c;
      if (!found) continue;
      double coef = c == y[i] ? -1.0 / found : prior[c] / (1 - prior[y[i]]) / found;
      int64_t used = 0;
      for (int64_t q = 0; q < m && used < found; q++) {
        if (y[nb[q].j] != c) continue;
        used++;
        for (int64_t a = 0; a < d; a++)
          w[a] += coef * fabs(xn[i * d + a] - xn[nb[q].j * d + a]) / n;
      }
    }
  }
  free(xn); free(prior); free(nb);
}

static void test_relieff(void) {
  enum { N = 150, D = 4 };
  double x[N * D], w[D], wr[D], w1[D];
  int64_t y[N];
  Rng r;
  rng_seed(&r, 13);
  for (int i = 0; i < N; i++) {
    y[i] = (int64_t)rng_bounded(&r, 3);
    x[i * D + 0] = (double)y[i] + 0.3 * rng_normal(&r);   /* relevant */
    x[i * D + 1] = rng_normal(&r);                       /* noise */
    x[i * D + 2] = 4;                                    /* constant */
    x[i * D + 3] = floor(3 * rng_uniform(&r));           /* ties */
  }
  credo_threads_set(2);
  CHECK(prep_relieff(w, x, y, N, D, 3, 10, NULL, N) == CREDO_OK);
  relieff_ref(wr, x, y, N, D, 3, 10);
  ctest_check_array("relieff vs naive twin", w, wr, D, 1e-12);
  CHECK(w[0] > 0.1 && fabs(w[1]) < 0.05 && w[2] == 0);
  credo_threads_set(1);
  CHECK(prep_relieff(w1, x, y, N, D, 3, 10, NULL, N) == CREDO_OK);
  CHECK(memcmp(w, w1, sizeof w) == 0);
  credo_threads_set(2);
  /* a class with fewer members than k: uses those found */
  int64_t ys[N];
  for (int i = 0; i < N; i++) ys[i] = i < 3 ? 2 : y[i] % 2;
  CHECK(prep_relieff(w, x, ys, N, D, 3, 10, NULL, N) == CREDO_OK);
  relieff_ref(wr, x, ys, N, D, 3, 10);
  ctest_check_array("relieff small class vs twin", w, wr, D, 1e-12);
}

/* ---- rows and hashing ---- */

static void test_rows(void) {
  double x[] = { 1, 2, NAN, 1, 1, 2, -0.0, 5, NAN, 1, 0.0, 5, 1, 3 };
  int64_t keep[7], nk;
  CHECK(prep_unique_rows(keep, &nk, x, 7, 2) == CREDO_OK);
  int64_t want[7] = { 1, 1, 0, 1, 0, 0, 1 };
  CHECK(nk == 4 && memcmp(keep, want, sizeof want) == 0);
  CHECK(prep_unique_rows(keep, &nk, x, 0, 2) == CREDO_OK && nk == 0);
  /* FNV-1a 64 test vectors (Fowler, Noll & Vo) */
  CHECK(prep_fnv1a(PREP_FNV_OFFSET, "", 0) == 0xcbf29ce484222325ULL);
  CHECK(prep_fnv1a(PREP_FNV_OFFSET, "a", 1) == 0xaf63dc4c8601ec8cULL);
  CHECK(prep_fnv1a(PREP_FNV_OFFSET, "foobar", 6) == 0x85944171f73967e8ULL);
  /* crossing: hash of "own" 0x1F "b" mod 97; a missing code gives -1 */
  const char *la[] = { "own", "rent" }, *lb[] = { "a", "b" };
  size_t lla[] = { 3, 4 }, llb[] = { 1, 1 };
  int64_t ca[] = { 1, 2, 0 }, cb[] = { 2, 1, 1 }, out[3];
  PrepCatCol cols[2] = { { ca, la, lla, 2 }, { cb, lb, llb, 2 } };
  CHECK(prep_cross_hash(out, cols, 2, 3, 97) == CREDO_OK);
  CHECK(out[0] == (int64_t)(prep_fnv1a(PREP_FNV_OFFSET, "own\x1f" "b", 5) % 97));
  CHECK(out[1] == (int64_t)(prep_fnv1a(PREP_FNV_OFFSET, "rent\x1f" "a", 6) % 97));
  CHECK(out[2] == -1);
}

static void test_interrupt(void) {
  double x[40 * 2], q[2], r[2], out[80];
  for (int i = 0; i < 80; i++) x[i] = i;
  credo_interrupted = 1;
  CHECK(prep_quantile_fit(q, r, x, 40, 2, 1, 0, 0) == CREDO_EINTR);
  int64_t cnt[2];
  CHECK(prep_col_moments(cnt, NULL, NULL, NULL, NULL, x, 40, 2) == CREDO_EINTR);
  double cp[40], ev;
  int64_t rm[40], lab[40];
  PrepNG p = { 0, 1, 1, 1 };
  CHECK(prep_bocpd(cp, rm, lab, &ev, x, 40, 0.1, &p, 0) == CREDO_EINTR);
  int64_t flag[40];
  CHECK(prep_hampel(out, flag, NULL, NULL, x, 40, 2, 3) == CREDO_EINTR);
  credo_interrupted = 0;
}

int main(void) {
  test_special();
  test_quantile();
  test_corr();
  test_series();
  test_bocpd();
  test_iforest();
  test_relieff();
  test_rows();
  test_interrupt();
  return ctest_summary();
}
