/*
 * svm.h: the support vector machine core of credo (C-SVC, binary).
 *
 * A dual solver as LIBSVM's (Chang and Lin, "LIBSVM: a library for support
 * vector machines", ACM TIST 2011): SMO with second-order working-set
 * selection (Fan, Chen and Lin, "Working set selection using second order
 * information for training SVM", JMLR 2005, WSS3), shrinking with a final
 * gradient reconstruction, an LRU cache of kernel rows sized in megabytes,
 * and Platt's sigmoid fitted on cross-validated decision values (Lin, Lin
 * and Weng, "A note on Platt's probabilistic outputs for support vector
 * machines", Machine Learning 2007).  docs/svm.md has the equations.
 *
 * Pure C: no Lua.  Dense float64 rows only.  Not here: multi-class (one
 * against one), nu-SVC, regression, one-class, sparse inputs, precomputed
 * kernels.  The functions trust their arguments (the binding checks them)
 * and return a credo_status for what can fail at run time.
 */
#ifndef CREDO_SVM_H
#define CREDO_SVM_H

#include <stddef.h>
#include <stdint.h>

#include "../common/credo_core.h"

typedef enum {
  SVM_LINEAR = 0, /* <x, z> */
  SVM_POLY,       /* (gamma <x, z> + coef0)^degree */
  SVM_RBF,        /* exp(-gamma |x - z|^2) */
  SVM_SIGMOID     /* tanh(gamma <x, z> + coef0) */
} svm_kernel_type;

typedef struct {
  svm_kernel_type type;
  double gamma, coef0;
  int degree;
} SvmKernel;

typedef struct {
  double eps;       /* stop when m(alpha) - M(alpha) < eps (sklearn's tol) */
  double cache_mb;  /* kernel-row cache in MiB (at least two full rows) */
  int shrinking;    /* 1: shrink the active set as LIBSVM does */
  int64_t max_iter; /* <= 0: LIBSVM's cap, max(10^7, 100 n) */
} SvmSolverParams;

typedef struct {
  double rho;     /* decision f(x) = sum_i y_i alpha_i K(x_i, x) - rho */
  double obj;     /* dual objective at the solution */
  int64_t n_iter; /* SMO iterations */
  int converged;  /* 0 when max_iter stopped it first */
} SvmSolveInfo;

/* K(x, z) for two rows of d features. */
double svm_kernel_eval(const SvmKernel *k, const double *x, const double *z,
                       int d);

/* Solve the C-SVC dual
 *   min_a 1/2 a' Q a - e' a,  0 <= a_i <= C_i,  y' a = 0,  Q_ij = y_i y_j K_ij
 * alpha (n) out; X (n, d) row-major; y (n) in {-1, +1} with both present;
 * C (n) > 0 per-row upper bounds (C times the class weight).  Returns
 * CREDO_ENOMEM or CREDO_EINTR (polled every min(n, 1000) iterations). */
credo_status svm_solve(double *alpha, SvmSolveInfo *info, const double *X,
                       const int8_t *y, const double *C, int n, int d,
                       const SvmKernel *k, const SvmSolverParams *p);

/* out (m) = sum_j coef[j] K(sv_j, x_i) + b for the rows x_i of X (m, d);
 * sv (nsv, d), coef (nsv).  OpenMP over fixed blocks of rows; each value is
 * a fixed-order sum, so the bits do not depend on the thread count. */
credo_status svm_decision(double *out, const double *X, int64_t m,
                          const double *sv, const double *coef, int nsv,
                          int d, double b, const SvmKernel *k);

/* dec (n) = decision values of each row from a C-SVC trained without it:
 * nfold-fold cross-validation, folds cut from a permutation drawn from
 * `seed` (LIBSVM's svm_binary_svc_probability; a fold whose training part
 * has one class only gives +1 or -1 as LIBSVM does). */
credo_status svm_cv_decision(double *dec, const double *X, const int8_t *y,
                             const double *C, int n, int d, const SvmKernel *k,
                             const SvmSolverParams *p, int nfold,
                             uint64_t seed);

/* Platt's sigmoid P(y = +1 | f) = 1 / (1 + exp(A f + B)) fitted to dec (n)
 * and labels y (n) in {-1, +1} by Newton's method with backtracking on the
 * regularised targets of Lin, Lin and Weng (2007).  Returns CREDO_ENOCONV if
 * 100 Newton steps do not bring the gradient under 1e-5 (A, B are then the
 * last iterate, as LIBSVM keeps them). */
credo_status svm_platt_fit(double *A, double *B, const double *dec,
                           const int8_t *y, int n);
/* The fitted sigmoid at f, computed without overflow. */
double svm_platt_predict(double f, double A, double B);

/* ---- internals, exposed for tests/c/test_svm.c ---- */

/* A cached kernel value: float32, as LIBSVM's Qfloat (svm.c says why). */
typedef float svm_qfloat;

/* LRU cache of kernel rows: row i holds its first len entries; the total
 * held never exceeds the budget (in entries, at least 2 l). */
typedef struct SvmCache SvmCache;
SvmCache *svm_cache_new(int l, size_t budget_entries);
void svm_cache_free(SvmCache *c);
/* *row = row i with room for len entries, made most recent; returns the
 * first entry the caller must still fill (len when the row was cached that
 * long), or -1 when out of memory.  May evict least recent rows. */
int svm_cache_get(SvmCache *c, int i, int len, svm_qfloat **row);
/* Exchange the rows and columns of i and j (the solver's index swap). */
void svm_cache_swap(SvmCache *c, int i, int j);
/* The same for npairs swaps (i, j) = pairs[2k], pairs[2k + 1] applied in
 * sequence, touching each cached row once. */
void svm_cache_swap_batch(SvmCache *c, const int *pairs, int npairs);
/* Entries held by cached rows. */
size_t svm_cache_used(const SvmCache *c);

/* The solver state (positions are permuted by shrinking; idx maps them back
 * to the caller's rows). */
typedef struct SvmSolver SvmSolver;
credo_status svm_solver_new(SvmSolver **out, const double *X, const int8_t *y,
                            const double *C, int n, int d, const SvmKernel *k,
                            const SvmSolverParams *p);
void svm_solver_free(SvmSolver *s);
/* WSS3 over the active set: returns 1 when the maximal violating pair
 * violates by less than eps (optimal), 0 with the pair in *i, *j, or -1
 * when out of memory.  Positions are the solver's (no shrinking has run
 * before the first call, so they are the caller's rows). */
int svm_solver_select(SvmSolver *s, int *i, int *j);
/* Set alpha (n, the caller's order) and the gradient G (n) = Q alpha - e,
 * recomputing the statuses and G_bar (for tests starting from a point). */
credo_status svm_solver_set_alpha(SvmSolver *s, const double *alpha);

#endif
