/*
 * svm.c: the C-SVC core (svm.h): kernel rows, the LRU row cache, the SMO
 * solver with WSS3 and shrinking, decision values, cross-validated decision
 * values and Platt's sigmoid.
 *
 * The solver follows the algorithm of LIBSVM (Chang and Lin 2011, section
 * 4.1; Fan, Chen and Lin 2005) written afresh from the papers: the
 * notation (G, G_bar, I_up, I_low, active set, rho) is theirs.  What it
 * refuses to be: a general QP solver, a multi-class wrapper, or sparse.
 * Arithmetic is float64; cached kernel rows are float32 (svm_qfloat), as
 * LIBSVM's Qfloat: the solver then takes the same path as LIBSVM (with a
 * float64 cache the rounding differs, near-ties break otherwise, and the
 * solution, equally within tol, differs from sklearn's by up to 1e-2), and
 * the cache holds twice the rows.
 */
#include "svm.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../random/rng.h"

#define SVM_TAU 1e-12 /* curvature floor of a non-PSD pair (LIBSVM's TAU) */

/* ---- kernels ---- */

static double powi(double base, int times) {
  double r = 1.0, b = base;
  for (int t = times; t > 0; t /= 2) {
    if (t % 2 == 1) r *= b;
    b *= b;
  }
  return r;
}

static double dot(const double *x, const double *z, int d) {
  double s = 0;
  for (int k = 0; k < d; k++) s += x[k] * z[k];
  return s;
}

/* The kernel from the inner product <x,z> and the squared norms. */
static inline double kernel_from_dot(const SvmKernel *k, double xz, double xx,
                                     double zz) {
  switch (k->type) {
  case SVM_LINEAR: return xz;
  case SVM_POLY: return powi(k->gamma * xz + k->coef0, k->degree);
  case SVM_RBF: return exp(-k->gamma * (xx + zz - 2 * xz));
  case SVM_SIGMOID: return tanh(k->gamma * xz + k->coef0);
  }
  return 0;
}

double svm_kernel_eval(const SvmKernel *k, const double *x, const double *z,
                       int d) {
  return kernel_from_dot(k, dot(x, z, d), dot(x, x, d), dot(z, z, d));
}

/* out[j - j0] = <x, X_j> for j in [j0, j1), four columns at a time with four
 * accumulators (the latency of one dependent chain of d multiply-adds is
 * what a plain loop waits on); each sum runs k = 0..d-1 as dot() does, so
 * the values are dot()'s to the bit. */
static void dot_rows(double *out, const double *x, const double *X, int j0,
                     int j1, int d) {
  int j = j0;
  for (; j + 4 <= j1; j += 4) {
    const double *a = X + (size_t)j * d, *b = a + d, *c = b + d, *e = c + d;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int k = 0; k < d; k++) {
      double v = x[k];
      s0 += v * a[k];
      s1 += v * b[k];
      s2 += v * c[k];
      s3 += v * e[k];
    }
    out[j - j0] = s0;
    out[j - j0 + 1] = s1;
    out[j - j0 + 2] = s2;
    out[j - j0 + 3] = s3;
  }
  for (; j < j1; j++) out[j - j0] = dot(x, X + (size_t)j * d, d);
}

#define SVM_COL_BLOCK 256

/* out[j] = K(x, X_j) for j in [from, to); X (l, d), xsq (l) = |X_j|^2,
 * xx = |x|^2.  In blocks of columns (inner products, then the kernel);
 * parallel only for very long rows, since the solver asks for rows one at
 * a time and a barrier per row costs more than it saves on busy cores.
 * Every entry is computed alone, so the bits do not depend on the thread
 * count. */
static void kernel_row(svm_qfloat *out, const double *x, double xx, const double *X,
                       const double *xsq, int from, int to, int d,
                       const SvmKernel *k) {
  int nblk = (to - from + SVM_COL_BLOCK - 1) / SVM_COL_BLOCK;
  int64_t work = (int64_t)(to - from) * (d + 16);
#pragma omp parallel for schedule(static) if (work > (1 << 21))
  for (int b = 0; b < nblk; b++) {
    double buf[SVM_COL_BLOCK];
    int j0 = from + b * SVM_COL_BLOCK;
    int j1 = j0 + SVM_COL_BLOCK < to ? j0 + SVM_COL_BLOCK : to;
    dot_rows(buf, x, X, j0, j1, d);
    for (int j = j0; j < j1; j++)
      out[j] = (svm_qfloat)kernel_from_dot(k, buf[j - j0], xx, xsq[j]);
  }
}

/* ---- the LRU cache of kernel rows ---- */

typedef struct {
  svm_qfloat *data;
  int len;        /* entries held (0: not cached) */
  int prev, next; /* LRU links; index l is the list head */
} CacheRow;

struct SvmCache {
  int l;
  size_t free; /* budget left */
  size_t budget;
  CacheRow *rows; /* (l + 1) */
};

SvmCache *svm_cache_new(int l, size_t budget_entries) {
  SvmCache *c = (SvmCache *)calloc(1, sizeof *c);
  if (!c) return NULL;
  c->rows = (CacheRow *)calloc((size_t)l + 1, sizeof *c->rows);
  if (!c->rows) {
    free(c);
    return NULL;
  }
  c->l = l;
  if (budget_entries < 2 * (size_t)l) budget_entries = 2 * (size_t)l;
  c->budget = c->free = budget_entries;
  c->rows[l].prev = c->rows[l].next = l;
  return c;
}

void svm_cache_free(SvmCache *c) {
  if (!c) return;
  for (int i = 0; i < c->l; i++) free(c->rows[i].data);
  free(c->rows);
  free(c);
}

size_t svm_cache_used(const SvmCache *c) { return c->budget - c->free; }

static void lru_unlink(SvmCache *c, int h) {
  CacheRow *r = c->rows;
  r[r[h].prev].next = r[h].next;
  r[r[h].next].prev = r[h].prev;
}

/* Link h as the most recent (just before the head). */
static void lru_link(SvmCache *c, int h) {
  CacheRow *r = c->rows;
  int head = c->l;
  r[h].next = head;
  r[h].prev = r[head].prev;
  r[r[head].prev].next = h;
  r[head].prev = h;
}

static void cache_drop(SvmCache *c, int h) {
  lru_unlink(c, h);
  free(c->rows[h].data);
  c->rows[h].data = NULL;
  c->free += (size_t)c->rows[h].len;
  c->rows[h].len = 0;
}

int svm_cache_get(SvmCache *c, int i, int len, svm_qfloat **row) {
  CacheRow *h = &c->rows[i];
  if (h->len) lru_unlink(c, i);
  int start = h->len;
  if (len > h->len) {
    size_t more = (size_t)(len - h->len);
    while (c->free < more) {
      int victim = c->rows[c->l].next; /* least recent */
      assert(victim != c->l);
      cache_drop(c, victim);
    }
    svm_qfloat *d = (svm_qfloat *)realloc(h->data, (size_t)len * sizeof *d);
    if (!d) {
      if (h->len) lru_link(c, i);
      return -1;
    }
    h->data = d;
    c->free -= more;
    h->len = len;
  } else {
    start = len;
  }
  lru_link(c, i);
  *row = h->data;
  return start;
}

void svm_cache_swap_batch(SvmCache *c, const int *pairs, int npairs) {
  CacheRow *r = c->rows;
  /* the rows themselves change places, in sequence */
  for (int k = 0; k < npairs; k++) {
    int i = pairs[2 * k], j = pairs[2 * k + 1];
    if (i == j) continue;
    if (r[i].len) lru_unlink(c, i);
    if (r[j].len) lru_unlink(c, j);
    svm_qfloat *td = r[i].data;
    r[i].data = r[j].data;
    r[j].data = td;
    int tl = r[i].len;
    r[i].len = r[j].len;
    r[j].len = tl;
    if (r[i].len) lru_link(c, i);
    if (r[j].len) lru_link(c, j);
  }
  /* then the columns of every cached row, all pairs in sequence, one row at
   * a time (the same result as row by row at each swap, with each row's
   * memory touched once): swap both entries when held, drop a row holding
   * the smaller index but not the larger (its entry would be stale) */
  for (int h = r[c->l].next; h != c->l;) {
    int next = r[h].next;
    svm_qfloat *d = r[h].data;
    int len = r[h].len;
    for (int k = 0; k < npairs; k++) {
      int i = pairs[2 * k], j = pairs[2 * k + 1];
      if (i > j) {
        int t = i;
        i = j;
        j = t;
      }
      if (i == j || len <= i) continue;
      if (len <= j) {
        cache_drop(c, h);
        break;
      }
      svm_qfloat t = d[i];
      d[i] = d[j];
      d[j] = t;
    }
    h = next;
  }
}

void svm_cache_swap(SvmCache *c, int i, int j) {
  int pair[2] = {i, j};
  svm_cache_swap_batch(c, pair, 1);
}

/* ---- the solver ---- */

enum { AT_LOWER = 0, AT_UPPER = 1, FREE = 2 };

struct SvmSolver {
  int l, d, active_size, unshrink;
  double eps;
  SvmKernel k;
  double *X;      /* (l, d) rows in solver order */
  double *xsq;    /* (l) squared norms */
  double *QD;     /* (l) Q_ii = K_ii */
  double *C;      /* (l) upper bounds */
  double *alpha;  /* (l) */
  double *G;      /* (l) gradient Q alpha - e */
  double *G_bar;  /* (l) sum over upper-bound j of C_j Q_ij */
  int8_t *y;      /* (l) */
  char *status;   /* (l) AT_LOWER, AT_UPPER, FREE */
  int *idx;       /* (l) caller's row of each position */
  int *pairs;     /* (2 l) the swaps of one shrinking pass, for the cache */
  SvmCache *cache;
};

static void update_status(SvmSolver *s, int i) {
  if (s->alpha[i] >= s->C[i]) s->status[i] = AT_UPPER;
  else if (s->alpha[i] <= 0) s->status[i] = AT_LOWER;
  else s->status[i] = FREE;
}

/* Row i of Q over positions [0, len), or NULL when out of memory. */
static const svm_qfloat *get_Q(SvmSolver *s, int i, int len) {
  svm_qfloat *row;
  int start = svm_cache_get(s->cache, i, len, &row);
  if (start < 0) return NULL;
  if (start < len) {
    kernel_row(row, s->X + (size_t)i * s->d, s->xsq[i], s->X, s->xsq, start,
               len, s->d, &s->k);
    int8_t yi = s->y[i];
    for (int j = start; j < len; j++)
      if (s->y[j] != yi) row[j] = -row[j];
  }
  return row;
}

void svm_solver_free(SvmSolver *s) {
  if (!s) return;
  free(s->X);
  free(s->xsq);
  free(s->QD);
  free(s->C);
  free(s->alpha);
  free(s->G);
  free(s->G_bar);
  free(s->y);
  free(s->status);
  free(s->idx);
  free(s->pairs);
  svm_cache_free(s->cache);
  free(s);
}

credo_status svm_solver_new(SvmSolver **out, const double *X, const int8_t *y,
                            const double *C, int n, int d, const SvmKernel *k,
                            const SvmSolverParams *p) {
  *out = NULL;
  SvmSolver *s = (SvmSolver *)calloc(1, sizeof *s);
  if (!s) return CREDO_ENOMEM;
  size_t nd;
  if (credo_mul_size((size_t)n, (size_t)d, &nd)) {
    free(s);
    return CREDO_ENOMEM;
  }
  s->l = s->active_size = n;
  s->d = d;
  s->eps = p->eps;
  s->k = *k;
  s->X = (double *)malloc(nd * sizeof(double));
  s->xsq = (double *)malloc((size_t)n * sizeof(double));
  s->QD = (double *)malloc((size_t)n * sizeof(double));
  s->C = (double *)malloc((size_t)n * sizeof(double));
  s->alpha = (double *)calloc((size_t)n, sizeof(double));
  s->G = (double *)malloc((size_t)n * sizeof(double));
  s->G_bar = (double *)calloc((size_t)n, sizeof(double));
  s->y = (int8_t *)malloc((size_t)n);
  s->status = (char *)malloc((size_t)n);
  s->idx = (int *)malloc((size_t)n * sizeof(int));
  s->pairs = (int *)malloc(2 * (size_t)n * sizeof(int));
  double mb = p->cache_mb > 0 ? p->cache_mb : 0;
  double dbl = mb * 1048576.0 / sizeof(svm_qfloat);
  size_t budget = dbl > (double)SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)dbl;
  s->cache = svm_cache_new(n, budget);
  if (!s->X || !s->xsq || !s->QD || !s->C || !s->alpha || !s->G || !s->G_bar ||
      !s->y || !s->status || !s->idx || !s->pairs || !s->cache) {
    svm_solver_free(s);
    return CREDO_ENOMEM;
  }
  memcpy(s->X, X, nd * sizeof(double));
  for (int i = 0; i < n; i++) {
    const double *xi = X + (size_t)i * d;
    s->xsq[i] = dot(xi, xi, d);
    s->QD[i] = kernel_from_dot(k, s->xsq[i], s->xsq[i], s->xsq[i]);
    s->C[i] = C[i];
    s->y[i] = y[i];
    s->G[i] = -1.0; /* alpha = 0: G = Q 0 - e */
    s->status[i] = AT_LOWER;
    s->idx[i] = i;
  }
  *out = s;
  return CREDO_OK;
}

credo_status svm_solver_set_alpha(SvmSolver *s, const double *alpha) {
  int l = s->l;
  for (int t = 0; t < l; t++) {
    s->alpha[t] = alpha[s->idx[t]];
    update_status(s, t);
    s->G[t] = -1.0;
    s->G_bar[t] = 0;
  }
  for (int i = 0; i < l; i++) {
    if (s->alpha[i] == 0) continue;
    const svm_qfloat *Qi = get_Q(s, i, l);
    if (!Qi) return CREDO_ENOMEM;
    for (int t = 0; t < l; t++) s->G[t] += s->alpha[i] * Qi[t];
    if (s->status[i] == AT_UPPER)
      for (int t = 0; t < l; t++) s->G_bar[t] += s->C[i] * Qi[t];
  }
  return CREDO_OK;
}

static void swap_d(double *a, int i, int j) {
  double t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/* Exchange positions i and j in every array but the cache (shrinking
 * moves the shrunk rows past the active set, then swaps the cache's rows
 * and columns in one batch). */
static void swap_index(SvmSolver *s, int i, int j) {
  swap_d(s->xsq, i, j);
  swap_d(s->QD, i, j);
  swap_d(s->C, i, j);
  swap_d(s->alpha, i, j);
  swap_d(s->G, i, j);
  swap_d(s->G_bar, i, j);
  int8_t ty = s->y[i];
  s->y[i] = s->y[j];
  s->y[j] = ty;
  char ts = s->status[i];
  s->status[i] = s->status[j];
  s->status[j] = ts;
  int ti = s->idx[i];
  s->idx[i] = s->idx[j];
  s->idx[j] = ti;
  double *a = s->X + (size_t)i * s->d, *b = s->X + (size_t)j * s->d;
  for (int k = 0; k < s->d; k++) {
    double t = a[k];
    a[k] = b[k];
    b[k] = t;
  }
}

/* Gradient of the shrunk positions [active_size, l) from G_bar and the free
 * alphas (Chang and Lin 2011, eq. 4.13), choosing the cheaper of reading
 * the free rows or the shrunk rows, as LIBSVM does. */
static credo_status reconstruct_gradient(SvmSolver *s) {
  int l = s->l, act = s->active_size;
  if (act == l) return CREDO_OK;
  for (int j = act; j < l; j++) s->G[j] = s->G_bar[j] - 1.0;
  int nr_free = 0;
  for (int j = 0; j < act; j++)
    if (s->status[j] == FREE) nr_free++;
  if ((double)nr_free * l > 2.0 * act * (l - act)) {
    for (int i = act; i < l; i++) {
      const svm_qfloat *Qi = get_Q(s, i, act);
      if (!Qi) return CREDO_ENOMEM;
      double g = 0;
      for (int j = 0; j < act; j++)
        if (s->status[j] == FREE) g += s->alpha[j] * Qi[j];
      s->G[i] += g;
    }
  } else {
    for (int i = 0; i < act; i++) {
      if (s->status[i] != FREE) continue;
      const svm_qfloat *Qi = get_Q(s, i, l);
      if (!Qi) return CREDO_ENOMEM;
      double a = s->alpha[i];
      for (int j = act; j < l; j++) s->G[j] += a * Qi[j];
    }
  }
  return CREDO_OK;
}

int svm_solver_select(SvmSolver *s, int *out_i, int *out_j) {
  /* i = argmax over I_up of -y_t G_t (Fan, Chen and Lin 2005, WSS3) */
  double Gmax = -INFINITY;
  int imax = -1;
  for (int t = 0; t < s->active_size; t++) {
    if (s->y[t] == 1) {
      if (s->status[t] != AT_UPPER && -s->G[t] >= Gmax) {
        Gmax = -s->G[t];
        imax = t;
      }
    } else if (s->status[t] != AT_LOWER && s->G[t] >= Gmax) {
      Gmax = s->G[t];
      imax = t;
    }
  }
  /* no candidate for i: Gmax = -inf passes the stopping test below anyway
   * (and NaN gradients, from kernel values that overflowed, end here too
   * instead of indexing QD[-1]) */
  if (imax == -1) return 1;
  const svm_qfloat *Qi = get_Q(s, imax, s->active_size);
  if (!Qi) return -1;
  /* j = argmin over t in I_low with -y_t G_t < Gmax of -b_it^2 / a_it, and
   * Gmax2 = max over I_low of y_t G_t for the stopping test */
  double Gmax2 = -INFINITY, obj_min = INFINITY;
  int jmin = -1;
  for (int t = 0; t < s->active_size; t++) {
    double grad_diff, quad;
    if (s->y[t] == 1) {
      if (s->status[t] == AT_LOWER) continue;
      grad_diff = Gmax + s->G[t];
      if (s->G[t] >= Gmax2) Gmax2 = s->G[t];
      if (!(grad_diff > 0)) continue;  /* NaN too */
      quad = s->QD[imax] + s->QD[t] - 2.0 * s->y[imax] * Qi[t];
    } else {
      if (s->status[t] == AT_UPPER) continue;
      grad_diff = Gmax - s->G[t];
      if (-s->G[t] >= Gmax2) Gmax2 = -s->G[t];
      if (!(grad_diff > 0)) continue;  /* NaN too */
      quad = s->QD[imax] + s->QD[t] + 2.0 * s->y[imax] * Qi[t];
    }
    double obj = -(grad_diff * grad_diff) / (quad > 0 ? quad : SVM_TAU);
    if (obj <= obj_min) {
      obj_min = obj;
      jmin = t;
    }
  }
  if (Gmax + Gmax2 < s->eps || jmin == -1) return 1;
  *out_i = imax;
  *out_j = jmin;
  return 0;
}

/* Whether position i is bound and its gradient says it will stay bound
 * (Chang and Lin 2011, section 5.1). */
static int be_shrunk(const SvmSolver *s, int i, double Gmax1, double Gmax2) {
  if (s->status[i] == AT_UPPER)
    return s->y[i] == 1 ? -s->G[i] > Gmax1 : -s->G[i] > Gmax2;
  if (s->status[i] == AT_LOWER)
    return s->y[i] == 1 ? s->G[i] > Gmax2 : s->G[i] > Gmax1;
  return 0;
}

static credo_status do_shrinking(SvmSolver *s) {
  double Gmax1 = -INFINITY; /* max over I_up of -y G */
  double Gmax2 = -INFINITY; /* max over I_low of y G */
  for (int i = 0; i < s->active_size; i++) {
    double g = s->G[i];
    if (s->y[i] == 1) {
      if (s->status[i] != AT_UPPER && -g > Gmax1) Gmax1 = -g;
      if (s->status[i] != AT_LOWER && g > Gmax2) Gmax2 = g;
    } else {
      if (s->status[i] != AT_UPPER && -g > Gmax2) Gmax2 = -g;
      if (s->status[i] != AT_LOWER && g > Gmax1) Gmax1 = g;
    }
  }
  /* near the end, bring every row back once so that a wrongly shrunk one
   * can re-enter */
  if (!s->unshrink && Gmax1 + Gmax2 <= s->eps * 10) {
    s->unshrink = 1;
    credo_status st = reconstruct_gradient(s);
    if (st) return st;
    s->active_size = s->l;
  }
  int npairs = 0;
  for (int i = 0; i < s->active_size; i++) {
    if (!be_shrunk(s, i, Gmax1, Gmax2)) continue;
    s->active_size--;
    while (s->active_size > i) {
      if (!be_shrunk(s, s->active_size, Gmax1, Gmax2)) {
        swap_index(s, i, s->active_size);
        s->pairs[2 * npairs] = i;
        s->pairs[2 * npairs + 1] = s->active_size;
        npairs++;
        break;
      }
      s->active_size--;
    }
  }
  svm_cache_swap_batch(s->cache, s->pairs, npairs);
  return CREDO_OK;
}

/* Move alpha_i, alpha_j to the minimum of the dual along their feasible
 * line, clipped to the box; exact bound values are assigned, never
 * computed, so the statuses are exact. */
static void update_pair(SvmSolver *s, int i, int j, const svm_qfloat *Qi) {
  double Ci = s->C[i], Cj = s->C[j];
  double ai = s->alpha[i], aj = s->alpha[j];
  if (s->y[i] != s->y[j]) {
    double quad = s->QD[i] + s->QD[j] + 2.0 * Qi[j];
    if (quad <= 0) quad = SVM_TAU;
    double delta = (-s->G[i] - s->G[j]) / quad;
    double diff = ai - aj; /* kept: alpha_i - alpha_j */
    ai += delta;
    aj += delta;
    if (diff > 0) {
      if (aj < 0) { aj = 0; ai = diff; }
    } else if (ai < 0) { ai = 0; aj = -diff; }
    if (diff > Ci - Cj) {
      if (ai > Ci) { ai = Ci; aj = Ci - diff; }
    } else if (aj > Cj) { aj = Cj; ai = Cj + diff; }
  } else {
    double quad = s->QD[i] + s->QD[j] - 2.0 * Qi[j];
    if (quad <= 0) quad = SVM_TAU;
    double delta = (s->G[i] - s->G[j]) / quad;
    double sum = ai + aj; /* kept: alpha_i + alpha_j */
    ai -= delta;
    aj += delta;
    if (sum > Ci) {
      if (ai > Ci) { ai = Ci; aj = sum - Ci; }
    } else if (aj < 0) { aj = 0; ai = sum; }
    if (sum > Cj) {
      if (aj > Cj) { aj = Cj; ai = sum - Cj; }
    } else if (ai < 0) { ai = 0; aj = sum; }
  }
  s->alpha[i] = ai;
  s->alpha[j] = aj;
}

/* rho = mean of y_i G_i over free alphas, else the midpoint of the bounds
 * the KKT conditions put on it (LIBSVM's calculate_rho). */
static double calculate_rho(const SvmSolver *s) {
  double ub = INFINITY, lb = -INFINITY, sum_free = 0;
  int nr_free = 0;
  for (int i = 0; i < s->active_size; i++) {
    double yG = s->y[i] * s->G[i];
    if (s->status[i] == AT_UPPER) {
      if (s->y[i] == -1) ub = fmin(ub, yG);
      else lb = fmax(lb, yG);
    } else if (s->status[i] == AT_LOWER) {
      if (s->y[i] == 1) ub = fmin(ub, yG);
      else lb = fmax(lb, yG);
    } else {
      nr_free++;
      sum_free += yG;
    }
  }
  return nr_free > 0 ? sum_free / nr_free : (ub + lb) / 2;
}

static credo_status solver_run(SvmSolver *s, const SvmSolverParams *p,
                               SvmSolveInfo *info) {
  int l = s->l;
  int64_t max_iter = p->max_iter;
  if (max_iter <= 0) {
    max_iter = 100 * (int64_t)l;
    if (max_iter < 10000000) max_iter = 10000000;
  }
  int period = l < 1000 ? l : 1000;
  int counter = period + 1;
  int64_t iter = 0;
  int converged = 0;
  credo_status st;
  while (iter < max_iter) {
    if (--counter == 0) {
      counter = period;
      if (credo_interrupted) return CREDO_EINTR;
      if (p->shrinking && (st = do_shrinking(s))) return st;
    }
    int i, j;
    int r = svm_solver_select(s, &i, &j);
    if (r < 0) return CREDO_ENOMEM;
    if (r == 1) {
      /* optimal on the active set: check it on every row */
      if ((st = reconstruct_gradient(s))) return st;
      s->active_size = l;
      r = svm_solver_select(s, &i, &j);
      if (r < 0) return CREDO_ENOMEM;
      if (r == 1) {
        converged = 1;
        break;
      }
      counter = 1; /* shrink again at the next iteration */
    }
    iter++;
    const svm_qfloat *Qi = get_Q(s, i, s->active_size);
    if (!Qi) return CREDO_ENOMEM;
    const svm_qfloat *Qj = get_Q(s, j, s->active_size);
    if (!Qj) return CREDO_ENOMEM;
    /* the cache holds two full rows, so fetching Qj kept Qi */
    double old_ai = s->alpha[i], old_aj = s->alpha[j];
    update_pair(s, i, j, Qi);
    double dai = s->alpha[i] - old_ai, daj = s->alpha[j] - old_aj;
    for (int t = 0; t < s->active_size; t++) s->G[t] += Qi[t] * dai + Qj[t] * daj;
    int ui = s->status[i] == AT_UPPER, uj = s->status[j] == AT_UPPER;
    update_status(s, i);
    update_status(s, j);
    if (ui != (s->status[i] == AT_UPPER)) {
      const svm_qfloat *Qf = get_Q(s, i, l);
      if (!Qf) return CREDO_ENOMEM;
      double c = ui ? -s->C[i] : s->C[i];
      for (int t = 0; t < l; t++) s->G_bar[t] += c * Qf[t];
    }
    if (uj != (s->status[j] == AT_UPPER)) {
      const svm_qfloat *Qf = get_Q(s, j, l);
      if (!Qf) return CREDO_ENOMEM;
      double c = uj ? -s->C[j] : s->C[j];
      for (int t = 0; t < l; t++) s->G_bar[t] += c * Qf[t];
    }
  }
  if (!converged && s->active_size < l) {
    if ((st = reconstruct_gradient(s))) return st;
    s->active_size = l;
  }
  info->rho = calculate_rho(s);
  double obj = 0;
  for (int t = 0; t < l; t++) obj += s->alpha[t] * (s->G[t] - 1.0);
  info->obj = obj / 2;
  info->n_iter = iter;
  info->converged = converged;
  return CREDO_OK;
}

credo_status svm_solve(double *alpha, SvmSolveInfo *info, const double *X,
                       const int8_t *y, const double *C, int n, int d,
                       const SvmKernel *k, const SvmSolverParams *p) {
  SvmSolver *s;
  credo_status st = svm_solver_new(&s, X, y, C, n, d, k, p);
  if (st) return st;
  st = solver_run(s, p, info);
  if (!st)
    for (int t = 0; t < n; t++) alpha[s->idx[t]] = s->alpha[t];
  svm_solver_free(s);
  return st;
}

/* ---- decision values ---- */

#define SVM_ROW_BLOCK 64

credo_status svm_decision(double *out, const double *X, int64_t m,
                          const double *sv, const double *coef, int nsv,
                          int d, double b, const SvmKernel *k) {
  double *svsq = (double *)malloc(((size_t)nsv + 1) * sizeof(double));
  if (!svsq) return CREDO_ENOMEM;
  for (int j = 0; j < nsv; j++) svsq[j] = dot(sv + (size_t)j * d, sv + (size_t)j * d, d);
  int64_t nblocks = (m + SVM_ROW_BLOCK - 1) / SVM_ROW_BLOCK;
  int stop = 0;
#pragma omp parallel for schedule(dynamic, 1) if (m * (int64_t)nsv * d > 100000)
  for (int64_t blk = 0; blk < nblocks; blk++) {
    int halt;
#pragma omp atomic read
    halt = stop;
    if (halt) continue;
    if (credo_interrupted) {
#pragma omp atomic write
      stop = 1;
      continue;
    }
    int64_t r1 = (blk + 1) * SVM_ROW_BLOCK < m ? (blk + 1) * SVM_ROW_BLOCK : m;
    double buf[SVM_COL_BLOCK];
    for (int64_t r = blk * SVM_ROW_BLOCK; r < r1; r++) {
      const double *x = X + (size_t)r * d;
      double xx = dot(x, x, d), f = 0;
      for (int j0 = 0; j0 < nsv; j0 += SVM_COL_BLOCK) {
        int j1 = j0 + SVM_COL_BLOCK < nsv ? j0 + SVM_COL_BLOCK : nsv;
        dot_rows(buf, x, sv, j0, j1, d);
        for (int j = j0; j < j1; j++)
          f += coef[j] * kernel_from_dot(k, buf[j - j0], xx, svsq[j]);
      }
      out[r] = f + b;
    }
  }
  free(svsq);
  return stop ? CREDO_EINTR : CREDO_OK;
}

/* ---- cross-validated decision values and Platt's sigmoid ---- */

credo_status svm_cv_decision(double *dec, const double *X, const int8_t *y,
                             const double *C, int n, int d, const SvmKernel *k,
                             const SvmSolverParams *p, int nfold,
                             uint64_t seed) {
  credo_status st = CREDO_OK;
  int64_t *perm = (int64_t *)malloc((size_t)n * sizeof *perm);
  double *Xs = (double *)malloc((size_t)n * d * sizeof *Xs);
  double *Xt = (double *)malloc((size_t)n * d * sizeof *Xt);
  double *Cs = (double *)malloc((size_t)n * sizeof *Cs);
  double *alpha = (double *)malloc((size_t)n * sizeof *alpha);
  double *coef = (double *)malloc((size_t)n * sizeof *coef);
  double *ft = (double *)malloc((size_t)n * sizeof *ft);
  int8_t *ys = (int8_t *)malloc((size_t)n);
  if (!perm || !Xs || !Xt || !Cs || !alpha || !coef || !ft || !ys) {
    st = CREDO_ENOMEM;
    goto done;
  }
  Rng rng;
  rng_seed(&rng, seed);
  if ((st = rng_permutation(perm, n, &rng))) goto done;
  for (int f = 0; f < nfold && !st; f++) {
    int b0 = (int)((int64_t)f * n / nfold), b1 = (int)((int64_t)(f + 1) * n / nfold);
    int ns = 0, npos = 0, nneg = 0;
    for (int t = 0; t < n; t++) {
      if (t >= b0 && t < b1) continue;
      int r = (int)perm[t];
      memcpy(Xs + (size_t)ns * d, X + (size_t)r * d, (size_t)d * sizeof *Xs);
      ys[ns] = y[r];
      Cs[ns] = C[r];
      if (y[r] == 1) npos++;
      else nneg++;
      ns++;
    }
    if (npos == 0 || nneg == 0) {
      /* one class (or none) to learn from: LIBSVM's fixed values */
      double v = npos > 0 ? 1.0 : nneg > 0 ? -1.0 : 0.0;
      for (int t = b0; t < b1; t++) dec[perm[t]] = v;
      continue;
    }
    SvmSolveInfo info;
    if ((st = svm_solve(alpha, &info, Xs, ys, Cs, ns, d, k, p))) break;
    int nsv = 0;
    for (int t = 0; t < ns; t++) {
      if (alpha[t] == 0) continue;
      coef[nsv] = ys[t] * alpha[t];
      if (nsv != t)
        memmove(Xs + (size_t)nsv * d, Xs + (size_t)t * d, (size_t)d * sizeof *Xs);
      nsv++;
    }
    int nt = b1 - b0;
    for (int t = 0; t < nt; t++)
      memcpy(Xt + (size_t)t * d, X + (size_t)perm[b0 + t] * d, (size_t)d * sizeof *Xt);
    if ((st = svm_decision(ft, Xt, nt, Xs, coef, nsv, d, -info.rho, k))) break;
    for (int t = 0; t < nt; t++) dec[perm[b0 + t]] = ft[t];
  }
done:
  free(perm);
  free(Xs);
  free(Xt);
  free(Cs);
  free(alpha);
  free(coef);
  free(ft);
  free(ys);
  return st;
}

double svm_platt_predict(double f, double A, double B) {
  double z = f * A + B;
  if (z >= 0) return exp(-z) / (1.0 + exp(-z));
  return 1.0 / (1.0 + exp(z));
}

/* Negative log-likelihood of targets t under P = 1 / (1 + exp(A f + B)),
 * each term written so that exp never overflows. */
static double platt_loss(const double *dec, const double *t, int n, double A,
                         double B) {
  double f = 0;
  for (int i = 0; i < n; i++) {
    double z = dec[i] * A + B;
    if (z >= 0) f += t[i] * z + log1p(exp(-z));
    else f += (t[i] - 1) * z + log1p(exp(z));
  }
  return f;
}

credo_status svm_platt_fit(double *outA, double *outB, const double *dec,
                           const int8_t *y, int n) {
  const int max_iter = 100;
  const double min_step = 1e-10, sigma = 1e-12, eps = 1e-5;
  double *t = (double *)malloc((size_t)n * sizeof *t);
  if (!t) return CREDO_ENOMEM;
  double prior1 = 0, prior0 = 0;
  for (int i = 0; i < n; i++) {
    if (y[i] > 0) prior1 += 1;
    else prior0 += 1;
  }
  /* Platt's regularised targets, which keep A, B finite on separable data */
  double hi = (prior1 + 1.0) / (prior1 + 2.0), lo = 1.0 / (prior0 + 2.0);
  for (int i = 0; i < n; i++) t[i] = y[i] > 0 ? hi : lo;
  double A = 0.0, B = log((prior0 + 1.0) / (prior1 + 1.0));
  double fval = platt_loss(dec, t, n, A, B);
  credo_status st = CREDO_ENOCONV;
  for (int it = 0; it < max_iter; it++) {
    /* gradient and Hessian (plus sigma I) of the loss */
    double h11 = sigma, h22 = sigma, h21 = 0, g1 = 0, g2 = 0;
    for (int i = 0; i < n; i++) {
      double z = dec[i] * A + B, p, q;
      if (z >= 0) {
        p = exp(-z) / (1.0 + exp(-z));
        q = 1.0 / (1.0 + exp(-z));
      } else {
        p = 1.0 / (1.0 + exp(z));
        q = exp(z) / (1.0 + exp(z));
      }
      double d2 = p * q;
      h11 += dec[i] * dec[i] * d2;
      h22 += d2;
      h21 += dec[i] * d2;
      double d1 = t[i] - p;
      g1 += dec[i] * d1;
      g2 += d1;
    }
    if (fabs(g1) < eps && fabs(g2) < eps) {
      st = CREDO_OK;
      break;
    }
    /* Newton direction, then backtracking until sufficient decrease */
    double det = h11 * h22 - h21 * h21;
    double dA = -(h22 * g1 - h21 * g2) / det;
    double dB = -(-h21 * g1 + h11 * g2) / det;
    double gd = g1 * dA + g2 * dB;
    double step = 1.0;
    while (step >= min_step) {
      double nA = A + step * dA, nB = B + step * dB;
      double nf = platt_loss(dec, t, n, nA, nB);
      if (nf < fval + 0.0001 * step * gd) {
        A = nA;
        B = nB;
        fval = nf;
        break;
      }
      step /= 2.0;
    }
    if (step < min_step) break; /* line search failed: keep this point */
  }
  free(t);
  *outA = A;
  *outB = B;
  return st;
}
