/*
 * prep_series.c: filters on an ordered sequence (one column read in row
 * order): running median, the Hampel identifier, and Bayesian online
 * change-point detection (Adams & MacKay 2007) with its MAP segmentation.
 *
 * Windows are truncated at the ends of the sequence (no padding), and an
 * even number of values has the mean of its two middle values as median.
 * What it is not: no streaming API (the whole sequence is in memory), no
 * other observation models than the Normal-Gamma one, no NaN (the binding
 * refuses it).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double prep_median_inplace(double *v, int64_t n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  if (n % 2) return v[n / 2];
  return 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

credo_status prep_hampel(double *out, int64_t *flag, double *med,
                         double *scale, const double *x, int64_t n, int64_t k,
                         double t) {
  double *w = malloc((size_t)(2 * k + 1) * sizeof *w);
  if (!w) return CREDO_ENOMEM;
  for (int64_t i = 0; i < n; i++) {
    if ((i & 4095) == 0 && credo_interrupted) { free(w); return CREDO_EINTR; }
    int64_t lo = i - k < 0 ? 0 : i - k, hi = i + k >= n ? n - 1 : i + k;
    int64_t m = hi - lo + 1;
    memcpy(w, x + lo, (size_t)m * sizeof *w);
    double md = prep_median_inplace(w, m);
    for (int64_t j = 0; j < m; j++) w[j] = fabs(x[lo + j] - md);
    double s = 1.4826 * prep_median_inplace(w, m);
    int f = fabs(x[i] - md) > t * s;
    out[i] = f ? md : x[i];
    if (flag) flag[i] = f;
    if (med) med[i] = md;
    if (scale) scale[i] = s;
  }
  free(w);
  return CREDO_OK;
}

credo_status prep_median_filter(double *out, const double *x,
                                const int64_t *mask, int64_t n, int64_t h) {
  double *w = malloc((size_t)(2 * h + 1) * sizeof *w);
  if (!w) return CREDO_ENOMEM;
  for (int64_t i = 0; i < n; i++) {
    if ((i & 4095) == 0 && credo_interrupted) { free(w); return CREDO_EINTR; }
    if (mask && !mask[i]) { out[i] = x[i]; continue; }
    int64_t lo = i - h < 0 ? 0 : i - h, hi = i + h >= n ? n - 1 : i + h;
    int64_t m = hi - lo + 1;
    memcpy(w, x + lo, (size_t)m * sizeof *w);
    out[i] = prep_median_inplace(w, m);
  }
  free(w);
  return CREDO_OK;
}

/* ---- Bayesian online change-point detection ----
 *
 * State r (1-based run length, the number of points of the current
 * segment up to and including x_t) keeps the Normal-Gamma posterior of
 * that segment (mu, kappa, alpha, beta), the filtering probability
 * P(r_t = r | x_1..t) and the Viterbi score max over paths of
 * log p(r_1..r_t = r, x_1..t) with the start of that path's segment.
 *
 * The predictive of the next x under a posterior (mu, kappa, alpha, beta)
 * is Student's t with 2 alpha degrees of freedom, location mu and squared
 * scale beta (kappa + 1) / (alpha kappa) (Murphy, "Conjugate Bayesian
 * analysis of the Gaussian distribution", 2007, eq. 110).  Recursion, with
 * hazard h:
 *   P(r_t = 1,   x_1..t) = h     p0(x_t)       sum_r P(r_{t-1} = r, x_1..t-1)
 *   P(r_t = r+1, x_1..t) = (1-h) p_r(x_t)      P(r_{t-1} = r, x_1..t-1)
 * (Adams & MacKay's recursion with the hazard applied before x_t is seen,
 * so r_t = 1 says that x_t opens a segment), and the Viterbi twin with max
 * in place of the sum. */

typedef struct Run {
  double mu, kappa, alpha, beta;
  double p;       /* filtering probability */
  double v;       /* Viterbi log score */
  int64_t start;  /* start of the Viterbi path's current segment */
} Run;

/* log density of x under the predictive of posterior s */
static double log_pred(const Run *s, double x) {
  double nu = 2.0 * s->alpha;
  double s2 = s->beta * (s->kappa + 1.0) / (s->alpha * s->kappa);
  double z = (x - s->mu) * (x - s->mu) / (nu * s2);
  return lgamma(0.5 * (nu + 1.0)) - lgamma(0.5 * nu) - 0.5 * log(nu * M_PI * s2) -
         0.5 * (nu + 1.0) * log1p(z);
}

static void ng_update(Run *dst, const Run *src, double x) {
  double k1 = src->kappa + 1.0;
  dst->mu = (src->kappa * src->mu + x) / k1;
  dst->beta = src->beta + src->kappa * (x - src->mu) * (x - src->mu) / (2.0 * k1);
  dst->kappa = k1;
  dst->alpha = src->alpha + 0.5;
}

/* Merge g into *acc (both grown into the last slot under the cap): the
 * probabilities add, the statistics are the likelier contribution's, the
 * Viterbi score and start are the better path's. */
static void merge_last(Run *acc, const Run *g) {
  Run keep = g->p > acc->p ? *g : *acc;
  keep.p = g->p + acc->p;
  const Run *vb = g->v > acc->v ? g : acc;
  keep.v = vb->v;
  keep.start = vb->start;
  *acc = keep;
}

credo_status prep_bocpd(double *cp_prob, int64_t *run_map, int64_t *label,
                        double *log_evidence, const double *x, int64_t n,
                        double hazard, const PrepNG *prior, int64_t max_run) {
  int64_t cap = max_run > 0 && max_run < n ? max_run : n;
  if (cap < 1) cap = 1;
  /* two generations of states (run length r at slot r-1, r = 1..cap), the
   * log predictive of each live state, and per t the start of the
   * segment the best path had before a segment starting at t */
  Run *cur = malloc((size_t)cap * sizeof *cur);
  Run *nxt = malloc((size_t)cap * sizeof *nxt);
  double *lp = malloc((size_t)cap * sizeof *lp);
  int64_t *prev_start = malloc((size_t)(n ? n : 1) * sizeof *prev_start);
  if (!cur || !nxt || !lp || !prev_start) {
    free(cur); free(nxt); free(lp); free(prev_start);
    return CREDO_ENOMEM;
  }
  Run p0 = { prior->mu0, prior->kappa0, prior->alpha0, prior->beta0, 0, 0, 0 };
  const double lh = log(hazard), l1h = log1p(-hazard);
  double logev = 0;
  int64_t live = 0;   /* slots 0..live-1 are in use */
  for (int64_t t = 0; t < n; t++) {
    if ((t & 255) == 0 && credo_interrupted) {
      free(cur); free(nxt); free(lp); free(prev_start);
      return CREDO_EINTR;
    }
    double xt = x[t];
    double lp0 = log_pred(&p0, xt);
    int64_t nlive;
    if (t == 0) {
      ng_update(&nxt[0], &p0, xt);
      nxt[0].p = 1.0;
      nxt[0].v = lp0;
      nxt[0].start = 0;
      prev_start[0] = -1;
      logev = lp0;
      nlive = 1;
    } else {
      nlive = live + 1 < cap ? live + 1 : cap;
      /* probabilities are carried scaled by exp(-lmax), lmax the largest
       * log predictive, so that none underflows */
      double lmax = lp0, best_v = -INFINITY, sum_prev = 0;
      int64_t best_start = 0;
      for (int64_t r = 0; r < live; r++) {
        lp[r] = log_pred(&cur[r], xt);
        if (lp[r] > lmax) lmax = lp[r];
        if (cur[r].v > best_v) { best_v = cur[r].v; best_start = cur[r].start; }
        sum_prev += cur[r].p;
      }
      int merged = 0;
      for (int64_t r = live - 1; r >= 0; r--) {
        Run g;
        ng_update(&g, &cur[r], xt);
        g.p = cur[r].p * exp(lp[r] - lmax) * (1.0 - hazard);
        g.v = cur[r].v + l1h + lp[r];
        g.start = cur[r].start;
        int64_t dst = r + 1 < cap ? r + 1 : cap - 1;
        if (dst == cap - 1 && merged) merge_last(&nxt[dst], &g);
        else nxt[dst] = g;
        if (dst == cap - 1) merged = 1;
      }
      ng_update(&nxt[0], &p0, xt);
      nxt[0].p = hazard * exp(lp0 - lmax) * sum_prev;
      nxt[0].v = lh + best_v + lp0;
      nxt[0].start = t;
      prev_start[t] = best_start;
      double total = 0;
      for (int64_t r = 0; r < nlive; r++) total += nxt[r].p;
      for (int64_t r = 0; r < nlive; r++) nxt[r].p /= total;
      logev += lmax + log(total);
    }
    live = nlive;
    Run *tmp = cur; cur = nxt; nxt = tmp;
    int64_t arg = 0;
    for (int64_t r = 1; r < live; r++)
      if (cur[r].p > cur[arg].p) arg = r;
    cp_prob[t] = cur[0].p;
    run_map[t] = arg + 1;
  }
  /* backtrack the MAP segmentation: the best final state's segment, then
   * the segment the best path had before each start */
  if (n > 0) {
    int64_t arg = 0;
    for (int64_t r = 1; r < live; r++)
      if (cur[r].v > cur[arg].v) arg = r;
    int64_t s = cur[arg].start, nseg = 0;
    for (int64_t a = s; a >= 0; a = a > 0 ? prev_start[a] : -1) nseg++;
    int64_t k = nseg - 1, end = n;
    for (int64_t a = s; a >= 0; a = a > 0 ? prev_start[a] : -1) {
      for (int64_t i = a; i < end; i++) label[i] = k;
      end = a;
      k--;
    }
  }
  *log_evidence = logev;
  free(cur);
  free(nxt);
  free(lp);
  free(prev_start);
  return CREDO_OK;
}
