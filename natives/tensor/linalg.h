/*
 * linalg.h: dense linear algebra on credo tensors, the pure C core.
 *
 * Products (matmul with torch's broadcasting rules, addmm, dot, outer) on
 * OpenBLAS's CBLAS, and the factorisations (solve, cholesky, eigh, svd, inv,
 * det) on the Fortran LAPACK that libopenblas exports.  No Lua here (see
 * linalg_lua.c for the binding and docs/linalg.md for the reference).
 *
 * What it is not: not a checker.  Callers (the binding) validate dtypes
 * (float32/float64 only), shapes and finiteness first; these functions
 * assert such invariants and return a credo_status only for runtime
 * failures (out of memory, singular or non-positive-definite matrix, no
 * convergence, interrupt).  Output tensors are allocated by the caller,
 * contiguous, of the shape and dtype the comment of each function gives;
 * inputs may have any strides.  Not batched beyond matmul.
 *
 * Threads: OpenBLAS is kept single-threaded; products are cut into tiles
 * fixed by their shape and shared among credo_threads_get() OpenMP threads,
 * so every result has the same bits for any thread count.  Factorisations
 * run on one thread.  May be called from inside an OpenMP parallel region
 * (then everything runs on the calling thread).
 */
#ifndef CREDO_LINALG_H
#define CREDO_LINALG_H

#include "tensor.h"

/* ---- matrix kernels (row-major, BLAS-sized ints) ----
 * C (m,n) = alpha * op(A) @ op(B) + beta * C, where op(A) is (m,k): A is
 * stored (m,k) with leading dimension lda, or (k,m) when transa.  Likewise
 * op(B) is (k,n): B is (k,n), or (n,k) when transb.  When beta == 0, C is
 * only written (NaN in C does not propagate).  m, n <= 0 does nothing; k <= 0
 * scales C by beta.  Tiled and threaded as said above.  The _ref twins are
 * naive triple loops (accumulating in double) for tests. */
void linalg_gemm_f32(float *c, const float *a, const float *b, int transa,
                     int transb, int m, int n, int k, int lda, int ldb,
                     int ldc, float alpha, float beta);
void linalg_gemm_f64(double *c, const double *a, const double *b, int transa,
                     int transb, int m, int n, int k, int lda, int ldb,
                     int ldc, double alpha, double beta);
void linalg_gemm_ref_f32(float *c, const float *a, const float *b, int transa,
                         int transb, int m, int n, int k, int lda, int ldb,
                         int ldc, float alpha, float beta);
void linalg_gemm_ref_f64(double *c, const double *a, const double *b,
                         int transa, int transb, int m, int n, int k, int lda,
                         int ldb, int ldc, double alpha, double beta);

/* ---- products on tensors ----
 * Result dtype: float64 if any input is float64, else float32. */
tensor_dtype linalg_result_dtype(const Tensor *a, const Tensor *b);

/* Shape of matmul(a, b) under torch.matmul rules (a, b at least 1-d):
 * 1-d x 1-d -> [] (0-d); (m,k) x (k) -> [m]; (k) x (k,n) -> [n];
 * (...,m,k) x (...,k,n) -> (broadcast(...),m,n), a 1-d operand getting a
 * unit dimension that is removed again.  Returns 0 and fills *ndim/shape,
 * 1 when the inner dimensions differ, 2 when the batch dimensions do not
 * broadcast. */
int linalg_matmul_shape(const Tensor *a, const Tensor *b, int *ndim,
                        int64_t *shape);
/* out = a @ b; out has linalg_matmul_shape's shape and
 * linalg_result_dtype's dtype.  CREDO_ENOMEM (scratch for a copy),
 * CREDO_EINTR (polled between batch matrices). */
credo_status linalg_matmul(Tensor *out, const Tensor *a, const Tensor *b);
/* a is (m,k), b is (k,n), c broadcasts to (m,n) (0-d, (n), (1,n), (m,1) or
 * (m,n)); out is (m,n) = beta * c + alpha * a @ b.  c is not read when
 * beta == 0. */
credo_status linalg_addmm(Tensor *out, const Tensor *c, const Tensor *a,
                          const Tensor *b, double beta, double alpha);
/* a, b are (n); *out = sum a[i] b[i] in the result dtype's arithmetic. */
credo_status linalg_dot(double *out, const Tensor *a, const Tensor *b);
/* a is (m), b is (n); out is (m,n) = a[i] * b[j]. */
credo_status linalg_outer(Tensor *out, const Tensor *a, const Tensor *b);

/* ---- factorisations (LAPACK; a square unless said otherwise) ----
 * Computed in the dtype of the output (s- or d- routines).  CREDO_ESINGULAR
 * is an exactly zero pivot (LAPACK's info > 0), as numpy reports it. */

/* a is (n,n), b is (n) or (n,k); x has b's shape: a @ x = b (gesv: LU with
 * partial pivoting). */
credo_status linalg_solve(Tensor *x, const Tensor *a, const Tensor *b);
/* a is (n,n) symmetric positive definite (only its lower triangle is read);
 * l is (n,n) lower triangular with a = l @ l^T (potrf).  On CREDO_ESINGULAR
 * *minor is the order of the leading minor that is not positive definite. */
credo_status linalg_cholesky(Tensor *l, int64_t *minor, const Tensor *a);
/* a is (n,n) symmetric (only its lower triangle is read); w is (n), the
 * eigenvalues ascending; v is (n,n), column j the unit eigenvector of w[j]
 * (syevd), with its largest-magnitude component positive (first on ties). */
credo_status linalg_eigh(Tensor *w, Tensor *v, const Tensor *a);
/* a is (m,n), p = min(m,n); thin: u (m,p), s (p), vt (p,n); full: u (m,m),
 * vt (n,n).  a = u[:, :p] @ diag(s) @ vt[:p, :], s descending (gesdd).  Sign:
 * for j < p the largest-magnitude component of u[:,j] is positive (first on
 * ties) and vt[j,:] is flipped with it.  CREDO_ENOCONV if gesdd fails. */
credo_status linalg_svd(Tensor *u, Tensor *s, Tensor *vt, const Tensor *a,
                        int full);
/* a is (n,n); out is (n,n) = a^-1 (getrf + getri). */
credo_status linalg_inv(Tensor *out, const Tensor *a);
/* a is (n,n); det(a) via LU (getrf): the product of U's diagonal times the
 * pivot sign, accumulated in double; sign in {-1,0,1} and logabs = log|det|
 * (-inf when singular), which does not overflow.  A singular matrix is not
 * an error here (det 0). */
credo_status linalg_det(double *det, double *sign, double *logabs,
                        const Tensor *a);

/* 1 if every element of t (float32/float64, any layout) is finite. */
int linalg_all_finite(const Tensor *t);

#endif
