/*
 * linear.c: binary logistic regression, the pure C core (linear.h).
 *
 * Objective and gradient over a dense + CSR design (BLAS dgemv on fixed row
 * blocks, block partials reduced in block order), L-BFGS with a strong-Wolfe
 * line search (Nocedal & Wright, Numerical Optimization, 2nd ed.: two-loop
 * recursion Alg. 7.4, L-BFGS Alg. 7.5, line search Alg. 3.5 with zoom
 * Alg. 3.6 and cubic interpolation eq. 3.59), and OWL-QN for the l1 penalty
 * (Andrew & Gao, ICML 2007: pseudo-gradient, orthant projection,
 * backtracking on the projected path).  Stopping follows scipy's L-BFGS-B as
 * scikit-learn 1.2 calls it: max-norm of the gradient <= tol (gtol), or a
 * relative reduction of f <= ftol (factr * eps), or max_iter iterations.
 *
 * What it is not: no argument checking (the binding does it), no Lua, no
 * multinomial loss, no bound constraints (L-BFGS-B's "B" is not needed:
 * logistic regression is unconstrained).
 */
#include "linear.h"

#include <assert.h>
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void linear_params_default(LinearParams *p) {
  p->penalty = LINEAR_L2;
  p->solver = LINEAR_LBFGS;
  p->C = 1.0;
  p->fit_intercept = 1;
  p->max_iter = 100;
  p->tol = 1e-4;
  p->ftol = 1e7 * DBL_EPSILON; /* scipy's factr default 1e7 */
  p->history = 10;
  p->max_ls = 20;
}

/* ---- the design ---- */

void linear_design_csc(int64_t *csc_ptr, int64_t *csc_row, double *csc_val,
                       const int64_t *indptr, const int64_t *indices,
                       const double *values, int64_t n, int64_t ds) {
  memset(csc_ptr, 0, (size_t)(ds + 1) * sizeof *csc_ptr);
  int64_t nnz = indptr[n];
  for (int64_t k = 0; k < nnz; k++) csc_ptr[indices[k] + 1]++;
  for (int64_t j = 0; j < ds; j++) csc_ptr[j + 1] += csc_ptr[j];
  /* fill in row order, so each column lists its rows ascending; csc_ptr[j]
   * walks forward and is shifted back afterwards */
  for (int64_t i = 0; i < n; i++)
    for (int64_t k = indptr[i]; k < indptr[i + 1]; k++) {
      int64_t at = csc_ptr[indices[k]]++;
      csc_row[at] = i;
      if (values) csc_val[at] = values[k];
    }
  for (int64_t j = ds; j > 0; j--) csc_ptr[j] = csc_ptr[j - 1];
  csc_ptr[0] = 0;
}

/* z (rows) = X[r0:r0+rows] coef + b, both blocks. */
static void decision_rows(double *z, const LinearDesign *X, const double *coef,
                          double b, int64_t r0, int64_t rows) {
  if (X->dd > 0)
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)rows, (int)X->dd, 1.0,
                X->X + r0 * X->dd, (int)X->dd, coef, 1, 0.0, z, 1);
  else
    memset(z, 0, (size_t)rows * sizeof *z);
  if (X->ds > 0) {
    const double *cs = coef + X->dd;
    for (int64_t i = 0; i < rows; i++) {
      double acc = 0;
      for (int64_t k = X->indptr[r0 + i]; k < X->indptr[r0 + i + 1]; k++)
        acc += X->values ? X->values[k] * cs[X->indices[k]] : cs[X->indices[k]];
      z[i] += acc;
    }
  }
  for (int64_t i = 0; i < rows; i++) z[i] += b;
}

void linear_decision(double *z, const LinearDesign *X, const double *coef,
                     double b) {
  int64_t nb = (X->n + LINEAR_BLOCK - 1) / LINEAR_BLOCK;
#pragma omp parallel for schedule(static) num_threads(credo_threads_get()) if (nb > 1)
  for (int64_t blk = 0; blk < nb; blk++) {
    int64_t r0 = blk * LINEAR_BLOCK;
    int64_t rows = X->n - r0 < LINEAR_BLOCK ? X->n - r0 : LINEAR_BLOCK;
    decision_rows(z + r0, X, coef, b, r0, rows);
  }
}

/* log(1 + exp(z)) - y z and its derivative sigmoid(z) - y, stably. */
static double logloss(double *dz, double z, double y) {
  if (z >= 0) {
    double e = exp(-z);
    *dz = 1.0 / (1.0 + e) - y;
    return z + log1p(e) - y * z;
  }
  double e = exp(z);
  *dz = e / (1.0 + e) - y;
  return log1p(e) - y * z;
}

/* Scratch of the objective: z / residuals (n), dense partial gradients
 * (blocks, dd + 1), partial losses (blocks). */
typedef struct {
  const LinearDesign *X;
  const double *y, *s;
  const LinearParams *p;
  int64_t d, nv, nb;
  double *r, *part, *lpart;
} Objective;

static credo_status objective_init(Objective *o, const LinearDesign *X,
                                   const double *y, const double *s,
                                   const LinearParams *p) {
  memset(o, 0, sizeof *o);
  o->X = X;
  o->y = y;
  o->s = s;
  o->p = p;
  o->d = X->dd + X->ds;
  o->nv = o->d + (p->fit_intercept ? 1 : 0);
  o->nb = (X->n + LINEAR_BLOCK - 1) / LINEAR_BLOCK;
  size_t np;
  if (credo_mul_size((size_t)o->nb, (size_t)X->dd + 1, &np)) return CREDO_ENOMEM;
  o->r = malloc((size_t)X->n * sizeof *o->r);
  o->part = malloc(np * sizeof *o->part);
  o->lpart = malloc((size_t)o->nb * sizeof *o->lpart);
  if (!o->r || !o->part || !o->lpart) return CREDO_ENOMEM;
  return CREDO_OK;
}

static void objective_free(Objective *o) {
  free(o->r);
  free(o->part);
  free(o->lpart);
}

/* The smooth objective at w; gradient to g (nv). */
static double objective_eval(Objective *o, double *g, const double *w) {
  const LinearDesign *X = o->X;
  const LinearParams *p = o->p;
  int64_t dd = X->dd, nb = o->nb;
  double b = p->fit_intercept ? w[o->d] : 0.0;
#pragma omp parallel for schedule(static) num_threads(credo_threads_get()) if (nb > 1)
  for (int64_t blk = 0; blk < nb; blk++) {
    int64_t r0 = blk * LINEAR_BLOCK;
    int64_t rows = X->n - r0 < LINEAR_BLOCK ? X->n - r0 : LINEAR_BLOCK;
    double *r = o->r + r0, *part = o->part + blk * (dd + 1);
    decision_rows(r, X, w, b, r0, rows);
    double loss = 0, rsum = 0;
    for (int64_t i = 0; i < rows; i++) {
      double dz, l = logloss(&dz, r[i], o->y[r0 + i]);
      double si = o->s ? o->s[r0 + i] : 1.0;
      loss += si * l;
      r[i] = si * dz;
      rsum += r[i];
    }
    o->lpart[blk] = loss;
    part[dd] = rsum;
    if (dd > 0)
      cblas_dgemv(CblasRowMajor, CblasTrans, (int)rows, (int)dd, 1.0,
                  X->X + r0 * dd, (int)dd, r, 1, 0.0, part, 1);
  }
  /* fixed-order reduction over blocks */
  double f = 0;
  for (int64_t j = 0; j < dd; j++) g[j] = 0;
  double rsum = 0;
  for (int64_t blk = 0; blk < nb; blk++) {
    const double *part = o->part + blk * (dd + 1);
    f += o->lpart[blk];
    for (int64_t j = 0; j < dd; j++) g[j] += part[j];
    rsum += part[dd];
  }
  if (X->ds > 0) {
    double *gs = g + dd;
#pragma omp parallel for schedule(static) num_threads(credo_threads_get()) if (X->ds > 4096)
    for (int64_t j = 0; j < X->ds; j++) {
      double acc = 0;
      for (int64_t k = X->csc_ptr[j]; k < X->csc_ptr[j + 1]; k++)
        acc += X->csc_val ? X->csc_val[k] * o->r[X->csc_row[k]] : o->r[X->csc_row[k]];
      gs[j] = acc;
    }
  }
  if (p->fit_intercept) g[o->d] = rsum;
  if (p->penalty == LINEAR_L2) {
    double inv = 1.0 / p->C, sq = 0;
    for (int64_t j = 0; j < o->d; j++) {
      sq += w[j] * w[j];
      g[j] += inv * w[j];
    }
    f += 0.5 * inv * sq;
  }
  return f;
}

credo_status linear_objective(double *f, double *g, const LinearDesign *X,
                              const double *y, const double *s,
                              const double *w, const LinearParams *p) {
  Objective o;
  credo_status st = objective_init(&o, X, y, s, p);
  *f = NAN;
  if (st == CREDO_OK) *f = objective_eval(&o, g, w);
  objective_free(&o);
  return st;
}

/* ---- L-BFGS memory and the two-loop recursion (N&W Alg. 7.4) ---- */

typedef struct {
  int m, len, head;   /* capacity, pairs stored, next slot */
  int64_t nv;
  double *S, *Y, *rho, *alpha; /* S, Y (m, nv) */
} History;

static credo_status history_init(History *h, int m, int64_t nv) {
  memset(h, 0, sizeof *h);
  h->m = m;
  h->nv = nv;
  size_t sz;
  if (credo_mul_size((size_t)m, (size_t)nv, &sz)) return CREDO_ENOMEM;
  h->S = malloc(sz * sizeof *h->S);
  h->Y = malloc(sz * sizeof *h->Y);
  h->rho = malloc((size_t)m * sizeof *h->rho);
  h->alpha = malloc((size_t)m * sizeof *h->alpha);
  if (!h->S || !h->Y || !h->rho || !h->alpha) return CREDO_ENOMEM;
  return CREDO_OK;
}

static void history_free(History *h) {
  free(h->S);
  free(h->Y);
  free(h->rho);
  free(h->alpha);
}

static double dot(const double *a, const double *b, int64_t n) {
  double acc = 0;
  for (int64_t i = 0; i < n; i++) acc += a[i] * b[i];
  return acc;
}

/* Store the pair (s, y) if its curvature s.y is positive enough. */
static void history_push(History *h, const double *s, const double *y) {
  double sy = dot(s, y, h->nv), yy = dot(y, y, h->nv);
  if (!(sy > DBL_EPSILON * yy)) return;
  memcpy(h->S + (int64_t)h->head * h->nv, s, (size_t)h->nv * sizeof *s);
  memcpy(h->Y + (int64_t)h->head * h->nv, y, (size_t)h->nv * sizeof *y);
  h->rho[h->head] = 1.0 / sy;
  h->head = (h->head + 1) % h->m;
  if (h->len < h->m) h->len++;
}

/* d = -H g, H the L-BFGS inverse Hessian with H0 = (s.y / y.y) I. */
static void history_direction(double *d, const History *h, const double *g) {
  int64_t nv = h->nv;
  for (int64_t j = 0; j < nv; j++) d[j] = -g[j];
  for (int k = 0; k < h->len; k++) {
    int i = (h->head - 1 - k + h->m) % h->m;
    const double *s = h->S + (int64_t)i * nv, *y = h->Y + (int64_t)i * nv;
    double a = h->rho[i] * dot(s, d, nv);
    h->alpha[i] = a;
    for (int64_t j = 0; j < nv; j++) d[j] -= a * y[j];
  }
  if (h->len > 0) {
    int i = (h->head - 1 + h->m) % h->m;
    const double *y = h->Y + (int64_t)i * nv;
    double gamma = 1.0 / (h->rho[i] * dot(y, y, nv));
    for (int64_t j = 0; j < nv; j++) d[j] *= gamma;
  }
  for (int k = h->len - 1; k >= 0; k--) {
    int i = (h->head - 1 - k + h->m) % h->m;
    const double *s = h->S + (int64_t)i * nv, *y = h->Y + (int64_t)i * nv;
    double bta = h->rho[i] * dot(y, d, nv);
    for (int64_t j = 0; j < nv; j++) d[j] += (h->alpha[i] - bta) * s[j];
  }
}

static double maxabs(const double *a, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; i++)
    if (fabs(a[i]) > m) m = fabs(a[i]);
  return m;
}

/* ---- strong-Wolfe line search (N&W Alg. 3.5 and 3.6) ---- */

typedef struct {
  Objective *o;
  const double *x, *d; /* start point and direction */
  double *xt, *gt;     /* trial point and its gradient */
  double f0, dg0;
  int nfev, max_ls;
} Line;

static double line_eval(Line *ls, double a, double *dg) {
  int64_t nv = ls->o->nv;
  for (int64_t j = 0; j < nv; j++) ls->xt[j] = ls->x[j] + a * ls->d[j];
  double f = objective_eval(ls->o, ls->gt, ls->xt);
  ls->nfev++;
  *dg = dot(ls->gt, ls->d, nv);
  return f;
}

/* Minimiser of the cubic through (a, fa, ga), (b, fb, gb) (N&W eq. 3.59),
 * or the midpoint when it does not exist; kept 10 % inside [a, b]. */
static double cubic_step(double a, double fa, double ga, double b, double fb,
                         double gb) {
  double lo = a < b ? a : b, hi = a < b ? b : a, w = hi - lo;
  double d1 = ga + gb - 3.0 * (fa - fb) / (a - b);
  double disc = d1 * d1 - ga * gb;
  double t = 0.5 * (a + b);
  if (disc >= 0 && isfinite(disc)) {
    double d2 = (b > a ? 1.0 : -1.0) * sqrt(disc);
    double den = gb - ga + 2.0 * d2;
    if (den != 0) {
      double c = b - (b - a) * (gb + d2 - d1) / den;
      if (isfinite(c)) t = c;
    }
  }
  if (t < lo + 0.1 * w || t > hi - 0.1 * w) t = 0.5 * (a + b);
  return t;
}

/* Returns the accepted step (trial point and gradient in xt, gt, value in
 * *f), or 0 when no step satisfies the Wolfe conditions within max_ls
 * evaluations and none decreased f. */
static double line_search(Line *ls, double a1, double *f) {
  const double c1 = 1e-4, c2 = 0.9;
  double a_prev = 0, f_prev = ls->f0, g_prev = ls->dg0, a = a1;
  double lo = 0, hi = 0, flo = 0, fhi = 0, glo = 0, ghi = 0;
  int zoom = 0;
  while (ls->nfev < ls->max_ls) {
    double dg, fa = line_eval(ls, a, &dg);
    if (!isfinite(fa) || fa > ls->f0 + c1 * a * ls->dg0 || (a_prev > 0 && fa >= f_prev)) {
      lo = a_prev; flo = f_prev; glo = g_prev;
      hi = a; fhi = fa; ghi = dg;
      zoom = 1;
      break;
    }
    if (fabs(dg) <= -c2 * ls->dg0) { *f = fa; return a; }
    if (dg >= 0) {
      lo = a; flo = fa; glo = dg;
      hi = a_prev; fhi = f_prev; ghi = g_prev;
      zoom = 1;
      break;
    }
    a_prev = a; f_prev = fa; g_prev = dg;
    a *= 2.0;
  }
  if (zoom) {
    while (ls->nfev < ls->max_ls) {
      double t = isfinite(fhi) ? cubic_step(lo, flo, glo, hi, fhi, ghi) : 0.5 * (lo + hi);
      double dg, ft = line_eval(ls, t, &dg);
      if (!isfinite(ft) || ft > ls->f0 + c1 * t * ls->dg0 || ft >= flo) {
        hi = t; fhi = ft; ghi = dg;
      } else {
        if (fabs(dg) <= -c2 * ls->dg0) { *f = ft; return t; }
        if (dg * (hi - lo) >= 0) { hi = lo; fhi = flo; ghi = glo; }
        lo = t; flo = ft; glo = dg;
      }
      if (fabs(hi - lo) <= DBL_EPSILON * fabs(lo)) break;
    }
  } else {
    lo = a_prev; flo = f_prev;
  }
  /* out of evaluations: take the best sufficient-decrease step seen */
  if (lo > 0 && flo < ls->f0) {
    double dg;
    *f = line_eval(ls, lo, &dg);
    return lo;
  }
  return 0;
}

/* ---- the solvers ---- */

typedef struct {
  double *g, *d, *xt, *gt, *s, *y, *pg;
} Work;

static credo_status work_init(Work *wk, int64_t nv) {
  memset(wk, 0, sizeof *wk);
  double **bufs[] = {&wk->g, &wk->d, &wk->xt, &wk->gt, &wk->s, &wk->y, &wk->pg};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) {
    *bufs[i] = malloc((size_t)nv * sizeof(double));
    if (!*bufs[i]) return CREDO_ENOMEM;
  }
  return CREDO_OK;
}

static void work_free(Work *wk) {
  free(wk->g); free(wk->d); free(wk->xt); free(wk->gt);
  free(wk->s); free(wk->y); free(wk->pg);
}

static int small_decrease(double f_old, double f_new, double ftol) {
  double sc = fabs(f_old) > fabs(f_new) ? fabs(f_old) : fabs(f_new);
  if (sc < 1) sc = 1;
  return (f_old - f_new) <= ftol * sc;
}

/* L-BFGS (N&W Alg. 7.5) on the smooth objective (l2 or none). */
static credo_status fit_lbfgs(double *x, LinearReport *rep, Objective *o,
                              History *h, Work *wk) {
  const LinearParams *p = o->p;
  int64_t nv = o->nv;
  double f = objective_eval(o, wk->g, x);
  rep->n_fev = 1;
  rep->n_iter = 0;
  rep->stop = LINEAR_STOP_MAXITER;
  double gn = maxabs(wk->g, nv);
  if (gn <= p->tol) rep->stop = LINEAR_STOP_GTOL;
  while (rep->stop == LINEAR_STOP_MAXITER && rep->n_iter < p->max_iter) {
    if (credo_interrupted) return CREDO_EINTR;
    history_direction(wk->d, h, wk->g);
    double dg0 = dot(wk->g, wk->d, nv);
    if (!(dg0 < 0)) { /* not a descent direction: restart from -g */
      h->len = 0;
      history_direction(wk->d, h, wk->g);
      dg0 = dot(wk->g, wk->d, nv);
    }
    /* first step: 1 / ||d||_2 as L-BFGS-B, then the unit quasi-Newton step */
    double a1 = h->len == 0 ? fmin(1.0, 1.0 / sqrt(dot(wk->d, wk->d, nv))) : 1.0;
    Line ls = {o, x, wk->d, wk->xt, wk->gt, f, dg0, 0, p->max_ls};
    double fn, a = line_search(&ls, a1, &fn);
    rep->n_fev += ls.nfev;
    if (a == 0) {
      if (h->len > 0) { h->len = 0; continue; } /* retry along -g */
      rep->stop = LINEAR_STOP_LINESEARCH;
      break;
    }
    for (int64_t j = 0; j < nv; j++) {
      wk->s[j] = wk->xt[j] - x[j];
      wk->y[j] = wk->gt[j] - wk->g[j];
    }
    history_push(h, wk->s, wk->y);
    memcpy(x, wk->xt, (size_t)nv * sizeof *x);
    memcpy(wk->g, wk->gt, (size_t)nv * sizeof *x);
    double f_old = f;
    f = fn;
    rep->n_iter++;
    gn = maxabs(wk->g, nv);
    if (gn <= p->tol) rep->stop = LINEAR_STOP_GTOL;
    else if (small_decrease(f_old, f, p->ftol)) rep->stop = LINEAR_STOP_FTOL;
  }
  rep->loss = f;
  rep->grad_norm = gn;
  return CREDO_OK;
}

/* OWL-QN's pseudo-gradient of f + lam * ||coef||_1 (intercept unpenalised). */
static void pseudo_gradient(double *pg, const double *g, const double *x,
                            double lam, int64_t d, int64_t nv) {
  for (int64_t j = 0; j < nv; j++) {
    if (j >= d || lam == 0) { pg[j] = g[j]; continue; }
    if (x[j] > 0) pg[j] = g[j] + lam;
    else if (x[j] < 0) pg[j] = g[j] - lam;
    else if (g[j] + lam < 0) pg[j] = g[j] + lam;
    else if (g[j] - lam > 0) pg[j] = g[j] - lam;
    else pg[j] = 0;
  }
}

static double l1norm(const double *x, int64_t d) {
  double a = 0;
  for (int64_t j = 0; j < d; j++) a += fabs(x[j]);
  return a;
}

/* OWL-QN (Andrew & Gao 2007, Algorithm 1) for the l1 penalty. */
static credo_status fit_owlqn(double *x, LinearReport *rep, Objective *o,
                              History *h, Work *wk) {
  const LinearParams *p = o->p;
  int64_t nv = o->nv, d = o->d;
  double lam = p->penalty == LINEAR_L1 ? 1.0 / p->C : 0.0;
  double fs = objective_eval(o, wk->g, x);
  double F = fs + lam * l1norm(x, d);
  rep->n_fev = 1;
  rep->n_iter = 0;
  rep->stop = LINEAR_STOP_MAXITER;
  pseudo_gradient(wk->pg, wk->g, x, lam, d, nv);
  double gn = maxabs(wk->pg, nv);
  if (gn <= p->tol) rep->stop = LINEAR_STOP_GTOL;
  while (rep->stop == LINEAR_STOP_MAXITER && rep->n_iter < p->max_iter) {
    if (credo_interrupted) return CREDO_EINTR;
    history_direction(wk->d, h, wk->pg);
    /* keep the direction in the orthant of -pg */
    for (int64_t j = 0; j < nv; j++)
      if (wk->d[j] * wk->pg[j] >= 0) wk->d[j] = 0;
    if (!(dot(wk->d, wk->pg, nv) < 0)) {
      if (h->len > 0) { h->len = 0; continue; }
      rep->stop = LINEAR_STOP_LINESEARCH;
      break;
    }
    double a = h->len == 0 ? fmin(1.0, 1.0 / sqrt(dot(wk->d, wk->d, nv))) : 1.0;
    double Fn = F, fsn = fs;
    int ok = 0;
    for (int t = 0; t < 50; t++) {
      for (int64_t j = 0; j < nv; j++) {
        double v = x[j] + a * wk->d[j];
        if (j < d && lam > 0) {
          double xi = x[j] != 0 ? x[j] : -wk->pg[j]; /* the orthant */
          if (v * xi <= 0) v = 0;
        }
        wk->xt[j] = v;
      }
      fsn = objective_eval(o, wk->gt, wk->xt);
      rep->n_fev++;
      Fn = fsn + lam * l1norm(wk->xt, d);
      double dec = 0;
      for (int64_t j = 0; j < nv; j++) dec += wk->pg[j] * (wk->xt[j] - x[j]);
      if (isfinite(Fn) && Fn <= F + 1e-4 * dec) { ok = 1; break; }
      a *= 0.5;
    }
    if (!ok) {
      if (h->len > 0) { h->len = 0; continue; }
      rep->stop = LINEAR_STOP_LINESEARCH;
      break;
    }
    for (int64_t j = 0; j < nv; j++) {
      wk->s[j] = wk->xt[j] - x[j];
      wk->y[j] = wk->gt[j] - wk->g[j];
    }
    history_push(h, wk->s, wk->y);
    memcpy(x, wk->xt, (size_t)nv * sizeof *x);
    memcpy(wk->g, wk->gt, (size_t)nv * sizeof *x);
    double F_old = F;
    F = Fn;
    fs = fsn;
    rep->n_iter++;
    pseudo_gradient(wk->pg, wk->g, x, lam, d, nv);
    gn = maxabs(wk->pg, nv);
    if (gn <= p->tol) rep->stop = LINEAR_STOP_GTOL;
    else if (small_decrease(F_old, F, p->ftol)) rep->stop = LINEAR_STOP_FTOL;
  }
  rep->loss = F;
  rep->grad_norm = gn;
  return CREDO_OK;
}

credo_status linear_fit(double *w, LinearReport *rep, const LinearDesign *X,
                        const double *y, const double *s, const LinearParams *p) {
  assert(p->C > 0 && p->history > 0 && p->max_iter >= 0);
  assert(!(p->solver == LINEAR_LBFGS && p->penalty == LINEAR_L1));
  memset(rep, 0, sizeof *rep);
  Objective o;
  History h;
  Work wk;
  credo_status st = objective_init(&o, X, y, s, p);
  credo_status st2 = history_init(&h, p->history, o.nv);
  credo_status st3 = work_init(&wk, o.nv);
  if (st == CREDO_OK) st = st2;
  if (st == CREDO_OK) st = st3;
  if (st == CREDO_OK)
    st = p->solver == LINEAR_LBFGS ? fit_lbfgs(w, rep, &o, &h, &wk)
                                   : fit_owlqn(w, rep, &o, &h, &wk);
  rep->converged = st == CREDO_OK &&
                   (rep->stop == LINEAR_STOP_GTOL || rep->stop == LINEAR_STOP_FTOL);
  objective_free(&o);
  history_free(&h);
  work_free(&wk);
  return st;
}

/* ---- one-hot and hashed-cross designs ---- */

void linear_onehot_indices(int64_t *indices, const int64_t *codes,
                           const int64_t *offsets, int64_t n, int64_t m) {
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < m; j++)
      indices[i * m + j] = offsets[j] + codes[i * m + j];
}

static uint64_t mix64(uint64_t z) {
  /* splitmix64's finaliser (Steele, Lea & Flood, OOPSLA 2014) */
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int64_t linear_cross_hash(const int64_t *codes, int k, int64_t cross_id,
                          int64_t buckets) {
  uint64_t hsh = mix64((uint64_t)cross_id + 0x9e3779b97f4a7c15ULL);
  for (int i = 0; i < k; i++) hsh = mix64(hsh ^ (uint64_t)codes[i]);
  return (int64_t)(hsh % (uint64_t)buckets);
}
