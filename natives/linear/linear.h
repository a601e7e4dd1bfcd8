/*
 * linear.h: binary logistic regression, the pure C core (no Lua).
 *
 * Minimises, over coef (d) and an optional unpenalised intercept b,
 *
 *   f(coef, b) = sum_i s_i * logloss(y_i, x_i . coef + b) + P(coef) / C
 *
 * with P = 0.5 * ||coef||_2^2 (l2), ||coef||_1 (l1) or 0 (none): the
 * objective scikit-learn 1.2 hands to L-BFGS-B (sklearn's C * sum + P has
 * the same minimiser).  Solvers: L-BFGS with a strong-Wolfe line search
 * (Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 7.4/7.5 and
 * 3.5/3.6) for l2 and none; OWL-QN (Andrew & Gao, "Scalable training of
 * L1-regularized log-linear models", ICML 2007) for l1.
 *
 * The design is a dense float64 block (n, dd), row-major, followed by a
 * CSR block (n, ds) whose stored values may be implicit ones (one-hot and
 * hashed-cross columns of a wide model): d = dd + ds columns.  X.coef and
 * X^T r run through cblas_dgemv on fixed blocks of LINEAR_BLOCK rows (1,024: a block of 30 float64
 * columns stays in L2 between the two products) (the
 * dense part) and over a CSC copy column by column (the sparse part), with
 * partial sums reduced in block order, so results are the same bits for
 * any thread count.
 *
 * What it is not: no multinomial, no elastic net, no warm start; the
 * caller checks every argument (finite values, labels 0/1, C > 0).
 */
#ifndef CREDO_LINEAR_H
#define CREDO_LINEAR_H

#include <stdint.h>

#include "../common/credo_core.h"

/* Rows per fixed block of the dense products (shape-only partition). */
#define LINEAR_BLOCK 1024

typedef enum { LINEAR_L2 = 0, LINEAR_L1 = 1, LINEAR_NONE = 2 } linear_penalty;
typedef enum { LINEAR_LBFGS = 0, LINEAR_OWLQN = 1 } linear_solver;

/* The design matrix: dense block then sparse block.  Column indices of the
 * sparse block are 0-based within it.  csc_* is the same sparse block by
 * columns (linear_design_csc builds it); values NULL means all ones. */
typedef struct {
  int64_t n, dd, ds;
  const double *X;          /* (n, dd) row-major, or NULL when dd == 0 */
  const int64_t *indptr;    /* (n + 1), or NULL when ds == 0 */
  const int64_t *indices;   /* (nnz) in [0, ds) */
  const double *values;     /* (nnz) or NULL: implicit ones */
  const int64_t *csc_ptr;   /* (ds + 1) */
  const int64_t *csc_row;   /* (nnz) */
  const double *csc_val;    /* (nnz) or NULL: implicit ones */
} LinearDesign;

typedef struct {
  linear_penalty penalty;
  linear_solver solver;
  double C;          /* > 0; ignored when penalty is none */
  int fit_intercept;
  int max_iter;      /* iterations (sklearn max_iter) */
  double tol;        /* stop when the (pseudo-)gradient's max-norm <= tol */
  double ftol;       /* stop when (f_k - f_k+1) / max(|f_k|, |f_k+1|, 1) <= ftol */
  int history;       /* L-BFGS memory m (10, as L-BFGS-B's maxcor) */
  int max_ls;        /* function evaluations per line search (20) */
} LinearParams;

/* sklearn 1.2 LogisticRegression / scipy 1.10 L-BFGS-B defaults. */
void linear_params_default(LinearParams *p);

typedef enum {
  LINEAR_STOP_GTOL = 0,   /* converged: gradient max-norm <= tol */
  LINEAR_STOP_FTOL,       /* converged: relative reduction of f <= ftol */
  LINEAR_STOP_MAXITER,    /* not converged: max_iter iterations */
  LINEAR_STOP_LINESEARCH  /* not converged: no step decreased f */
} linear_stop;

typedef struct {
  int n_iter;        /* iterations done (sklearn n_iter_) */
  int n_fev;         /* objective + gradient evaluations */
  int converged;     /* 1 for GTOL / FTOL */
  linear_stop stop;
  double loss;       /* final f (see above) */
  double grad_norm;  /* final max-norm of the (pseudo-)gradient */
} LinearReport;

/* sparse block by columns: csc_ptr (ds + 1), csc_row (nnz), csc_val (nnz,
 * only when values != NULL); from indptr (n + 1), indices, values. */
void linear_design_csc(int64_t *csc_ptr, int64_t *csc_row, double *csc_val,
                       const int64_t *indptr, const int64_t *indices,
                       const double *values, int64_t n, int64_t ds);

/* Fit from the start point in w (d + fit_intercept: coef then intercept),
 * overwritten with the solution.  y (n) holds 0/1, s (n) sample weights or
 * NULL (ones).  CREDO_ENOMEM or CREDO_EINTR on failure; non-convergence is
 * reported in rep, not as a status. */
credo_status linear_fit(double *w, LinearReport *rep, const LinearDesign *X,
                        const double *y, const double *s, const LinearParams *p);

/* The smooth part and its gradient: returns sum_i s_i logloss_i (+ the l2
 * term when penalty is l2) at w and writes its gradient to g (d + fi).
 * CREDO_ENOMEM leaves *f NaN. */
credo_status linear_objective(double *f, double *g, const LinearDesign *X,
                              const double *y, const double *s,
                              const double *w, const LinearParams *p);

/* z (n) = X coef + b: the decision function. */
void linear_decision(double *z, const LinearDesign *X, const double *coef,
                     double b);

/* Indices (n * m, row-major, 0-based within a block of width
 * offsets[m]) of a one-hot design: column j of codes (n, m) (codes j in
 * 0..size_j - 1) maps to offsets[j] + code.  For a hashed cross, the caller
 * passes the hashed code (linear_cross_hash). */
void linear_onehot_indices(int64_t *indices, const int64_t *codes,
                           const int64_t *offsets, int64_t n, int64_t m);

/* Bucket in [0, buckets) of a cross of k codes (a row of k values):
 * a fixed 64-bit mix (splitmix64 finaliser) of the codes and the cross id. */
int64_t linear_cross_hash(const int64_t *codes, int k, int64_t cross_id,
                          int64_t buckets);

#endif
