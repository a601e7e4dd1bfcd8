/*
 * linalg.c: dense linear algebra on credo tensors (see linalg.h).
 *
 * Products go to OpenBLAS's CBLAS (row-major); factorisations go to the
 * Fortran LAPACK routines libopenblas exports (column-major), whose
 * prototypes are declared here so that liblapacke is not needed.  Pure C:
 * no Lua.
 *
 * What it refuses to be: a BLAS.  Nothing here multiplies matrices itself
 * except the _ref twins kept for tests; strided inputs are handed to BLAS as
 * (possibly transposed) matrices with a leading dimension when their strides
 * allow it, and copied contiguous otherwise.  What it adds is the threading:
 * fixed tiles, so results do not depend on the thread count (see "threads"
 * below).
 *
 * References: BLAS level 2/3 and LAPACK conventions (Anderson et al., LAPACK
 * Users' Guide, 3rd ed., SIAM 1999); torch.matmul's broadcasting rules; the
 * SVD sign rule is scikit-learn's svd_flip (largest |u_ij| of each left
 * singular vector made positive); the determinant keeps a binary exponent
 * beside the mantissa, as LINPACK's xGEDI keeps a decimal one (Dongarra et
 * al., LINPACK Users' Guide, SIAM 1979), so it neither overflows nor
 * underflows before the end.
 */
#include "linalg.h"

#include <assert.h>
#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- LAPACK (Fortran 77 interface exported by libopenblas) ----
 * Column-major; integers are BLAS ints (blasint, from OpenBLAS's cblas.h);
 * character arguments carry the hidden trailing length gfortran passes. */
void sgesv_(const blasint *n, const blasint *nrhs, float *a,
            const blasint *lda, blasint *ipiv, float *b, const blasint *ldb,
            blasint *info);
void dgesv_(const blasint *n, const blasint *nrhs, double *a,
            const blasint *lda, blasint *ipiv, double *b, const blasint *ldb,
            blasint *info);
void spotrf_(const char *uplo, const blasint *n, float *a, const blasint *lda,
             blasint *info, size_t uplo_len);
void dpotrf_(const char *uplo, const blasint *n, double *a,
             const blasint *lda, blasint *info, size_t uplo_len);
void ssyevd_(const char *jobz, const char *uplo, const blasint *n, float *a,
             const blasint *lda, float *w, float *work, const blasint *lwork,
             blasint *iwork, const blasint *liwork, blasint *info,
             size_t jobz_len, size_t uplo_len);
void dsyevd_(const char *jobz, const char *uplo, const blasint *n, double *a,
             const blasint *lda, double *w, double *work, const blasint *lwork,
             blasint *iwork, const blasint *liwork, blasint *info,
             size_t jobz_len, size_t uplo_len);
void sgesdd_(const char *jobz, const blasint *m, const blasint *n, float *a,
             const blasint *lda, float *s, float *u, const blasint *ldu,
             float *vt, const blasint *ldvt, float *work, const blasint *lwork,
             blasint *iwork, blasint *info, size_t jobz_len);
void dgesdd_(const char *jobz, const blasint *m, const blasint *n, double *a,
             const blasint *lda, double *s, double *u, const blasint *ldu,
             double *vt, const blasint *ldvt, double *work,
             const blasint *lwork, blasint *iwork, blasint *info,
             size_t jobz_len);
void sgetrf_(const blasint *m, const blasint *n, float *a, const blasint *lda,
             blasint *ipiv, blasint *info);
void dgetrf_(const blasint *m, const blasint *n, double *a,
             const blasint *lda, blasint *ipiv, blasint *info);
void sgetri_(const blasint *n, float *a, const blasint *lda,
             const blasint *ipiv, float *work, const blasint *lwork,
             blasint *info);
void dgetri_(const blasint *n, double *a, const blasint *lda,
             const blasint *ipiv, double *work, const blasint *lwork,
             blasint *info);

/* ---- small helpers ---- */

/* One float or double, for LAPACK workspace queries and 1x1 results. */
typedef union {
  float f;
  double d;
} Scalar;

static int64_t max1(int64_t x) { return x > 1 ? x : 1; }

/* n elements of `size` bytes (at least one byte), or NULL on overflow or
 * exhaustion. */
static void *xmalloc(int64_t n, size_t size) {
  size_t nbytes;
  if (n < 0 || credo_mul_size((size_t)n, size, &nbytes)) return NULL;
  return malloc(nbytes ? nbytes : 1);
}

static inline double rd(const void *p, tensor_dtype dt, int64_t i) {
  return dt == TENSOR_F32 ? (double)((const float *)p)[i]
                          : ((const double *)p)[i];
}

static inline void wr(void *p, tensor_dtype dt, int64_t i, double v) {
  if (dt == TENSOR_F32) ((float *)p)[i] = (float)v;
  else ((double *)p)[i] = v;
}

/* An output the kernels may write flat: contiguous, or empty (whose
 * strides do not matter). */
static int is_dense(const Tensor *t) {
  return tensor_numel(t) == 0 || tensor_is_contiguous(t);
}

/* A strided (rows,cols) matrix: element (i,j) at p[i*rs + j*cs] of dtype
 * dt (float32 or float64). */
typedef struct {
  const void *p;
  tensor_dtype dt;
  int64_t rows, cols, rs, cs;
} MView;

static inline double mget(const MView *v, int64_t i, int64_t j) {
  return rd(v->p, v->dt, i * v->rs + j * v->cs);
}

/* A 2-d tensor as itself, a 1-d tensor as a column (n,1). */
static MView mview_of(const Tensor *t) {
  MView v;
  assert(t->dtype == TENSOR_F32 || t->dtype == TENSOR_F64);
  assert(t->ndim == 1 || t->ndim == 2);
  v.p = tensor_data(t);
  v.dt = t->dtype;
  v.rows = t->shape[0];
  v.rs = t->stride[0];
  v.cols = t->ndim == 2 ? t->shape[1] : 1;
  v.cs = t->ndim == 2 ? t->stride[1] : 1;
  return v;
}

/* dst column-major with leading dimension ld in dtype ct <- v. */
static void pack_cols(void *dst, tensor_dtype ct, const MView *v,
                      int64_t ld) {
  for (int64_t j = 0; j < v->cols; j++)
    for (int64_t i = 0; i < v->rows; i++)
      wr(dst, ct, i + j * ld, mget(v, i, j));
}

/* out (rows,cols) contiguous, of dtype ct <- src column-major (ld). */
static void unpack_cols(Tensor *out, const void *src, int64_t rows,
                        int64_t cols, int64_t ld) {
  tensor_dtype ct = out->dtype;
  void *o = tensor_data(out);
  assert(is_dense(out));
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++)
      wr(o, ct, i * cols + j, rd(src, ct, i + j * ld));
}

/* c (m,n), leading dimension ldc, *= beta (set to 0 when beta == 0, so that
 * NaN there does not propagate). */
static void scale_rows(tensor_dtype ct, void *c, int64_t m, int64_t n,
                       int64_t ldc, double beta) {
  if (beta == 0 && ldc == n) {
    memset(c, 0, (size_t)(m * n) * tensor_dtype_size(ct));
    return;
  }
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      int64_t q = i * ldc + j;
      wr(c, ct, q, beta == 0 ? 0.0 : beta * rd(c, ct, q));
    }
}

/* ---- threads: fixed tiles, single-threaded BLAS ----
 * OpenBLAS's own threads split a product by thread count, and its results
 * then differ in the last bits between thread counts (measured with
 * OpenBLAS 0.3.21 on this machine: 75% of the entries of a 1000^3 sgemm
 * differ between 1 and 2 threads; even a product computed as two row
 * blocks differs from the whole).  So OpenBLAS runs single-threaded and
 * credo parallelises: every product is cut into tiles fixed by its shape
 * alone (TILE_M x TILE_N outputs of a matrix product; GEMV_WORK
 * multiply-adds of a matrix-vector product), each tile is one BLAS call on
 * one thread, and OpenMP shares the tiles among credo_threads_get()
 * threads.  Which thread runs a tile does not change its bits, so the
 * result is the same for any thread count. */
#define TILE_M 256
#define TILE_N 2048
#define GEMV_WORK 65536
#define PAR_WORK 262144 /* fewer multiply-adds than this: one thread */

/* Keep OpenBLAS single-threaded (credo_threads_set gives it the thread
 * count; products and factorisations here run it on one thread each). */
static void blas_serial(void) {
#ifdef _OPENMP
  if (omp_in_parallel()) return;
#endif
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

/* One product c (m,n) = alpha * op(a) @ op(b) + beta * c, operands in a
 * layout BLAS reads (see blas_layout); byte pointers to first elements. */
typedef struct {
  const char *a, *b;
  char *c;
  int ta, tb, lda, ldb, ldc;
  int64_t m, n, k;
} Prod;

/* A batch of products sharing m, n, k and layouts: product t reads a and b
 * at the batch offsets (elements) of multi-index t over shape[nbat] and
 * writes c + t*m*n elements (a contiguous output). */
typedef struct {
  tensor_dtype ct;
  Prod p;
  int nbat;
  int64_t shape[TENSOR_MAXDIM], astr[TENSOR_MAXDIM], bstr[TENSOR_MAXDIM];
  int64_t nb;
  double alpha, beta;
} Job;

static void tile_dims(int64_t m, int64_t n, int64_t k, int64_t *tm,
                      int64_t *tn) {
  if (m > 1 && n > 1) {
    *tm = TILE_M, *tn = TILE_N;
    return;
  }
  int64_t r = max1(GEMV_WORK / max1(k));
  *tm = m > 1 ? r : 1;
  *tn = n > 1 ? r : 1;
}

static double dot_any(tensor_dtype ct, int k, const void *x, int incx,
                      const void *y, int incy) {
  if (ct == TENSOR_F32) return cblas_sdot(k, x, incx, y, incy);
  return cblas_ddot(k, x, incx, y, incy);
}

static void gemv_any(tensor_dtype ct, int trans, int m, int n, double alpha,
                     const void *a, int lda, const void *x, int incx,
                     double beta, void *y, int incy) {
  enum CBLAS_TRANSPOSE t = trans ? CblasTrans : CblasNoTrans;
  if (ct == TENSOR_F32)
    cblas_sgemv(CblasRowMajor, t, m, n, (float)alpha, a, lda, x, incx,
                (float)beta, y, incy);
  else
    cblas_dgemv(CblasRowMajor, t, m, n, alpha, a, lda, x, incx, beta, y,
                incy);
}

/* Rows i0..i0+mm and columns j0..j0+nn of product p: one BLAS call.  A 1x1
 * tile is a dot, a single row or column a gemv (the vector's stride as
 * increment), anything else a gemm.  With beta == 0, c is not read: BLAS
 * promises that for gemm and gemv ("C need not be set on input"); gemv's c
 * is zeroed first all the same, as some OpenBLAS versions scale y by 0. */
static void prod_tile(tensor_dtype ct, const Prod *p, int64_t i0, int64_t j0,
                      int mm, int nn, double alpha, double beta) {
  size_t es = tensor_dtype_size(ct);
  const void *a = p->a + (size_t)(p->ta ? i0 : i0 * p->lda) * es;
  const void *b = p->b + (size_t)(p->tb ? j0 * p->ldb : j0) * es;
  void *c = p->c + (size_t)(i0 * p->ldc + j0) * es;
  int k = (int)p->k;
  int inca = p->ta ? p->lda : 1; /* along a's row 0 */
  int incb = p->tb ? 1 : p->ldb; /* along b's column 0 */
  if (beta == 0 && (mm == 1 || nn == 1)) scale_rows(ct, c, mm, nn, p->ldc, 0);
  if (mm == 1 && nn == 1) {
    double d = dot_any(ct, k, a, inca, b, incb);
    wr(c, ct, 0, alpha * d + (beta == 0 ? 0.0 : beta * rd(c, ct, 0)));
  } else if (nn == 1) { /* c (mm) = op(a) @ b's column 0 */
    if (!p->ta)
      gemv_any(ct, 0, mm, k, alpha, a, p->lda, b, incb, beta, c, p->ldc);
    else
      gemv_any(ct, 1, k, mm, alpha, a, p->lda, b, incb, beta, c, p->ldc);
  } else if (mm == 1) { /* c (nn) = op(b)^T @ a's row 0 */
    if (!p->tb)
      gemv_any(ct, 1, k, nn, alpha, b, p->ldb, a, inca, beta, c, 1);
    else
      gemv_any(ct, 0, nn, k, alpha, b, p->ldb, a, inca, beta, c, 1);
  } else {
    enum CBLAS_TRANSPOSE ta = p->ta ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE tb = p->tb ? CblasTrans : CblasNoTrans;
    if (ct == TENSOR_F32)
      cblas_sgemm(CblasRowMajor, ta, tb, mm, nn, k, (float)alpha, a, p->lda,
                  b, p->ldb, (float)beta, c, p->ldc);
    else
      cblas_dgemm(CblasRowMajor, ta, tb, mm, nn, k, alpha, a, p->lda, b,
                  p->ldb, beta, c, p->ldc);
  }
}

/* Every tile of every product of the job; k > 0.  Polls the interrupt
 * flag before each tile. */
static credo_status run_job(const Job *j) {
  const Prod *p = &j->p;
  size_t es = tensor_dtype_size(j->ct);
  int64_t tm, tn;
  assert(p->k > 0 && p->m > 0 && p->n > 0);
  tile_dims(p->m, p->n, p->k, &tm, &tn);
  int64_t nbm = (p->m + tm - 1) / tm, nbn = (p->n + tn - 1) / tn;
  int64_t per = nbm * nbn, items = j->nb * per;
  double work = (double)j->nb * (double)p->m * (double)p->n * (double)p->k;
  int nt = 1;
  if (work >= PAR_WORK && items > 1) {
    nt = credo_threads_get();
    if (nt > items) nt = (int)items;
  }
  blas_serial();
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
  for (int64_t it = 0; it < items; it++) {
    if (credo_interrupted) continue;
    int64_t t = it / per, r = it % per, i0 = r / nbn * tm, j0 = r % nbn * tn;
    Prod q = *p;
    int64_t oa = 0, ob = 0, rest = t;
    for (int d = j->nbat - 1; d >= 0; d--) {
      int64_t id = rest % j->shape[d];
      rest /= j->shape[d];
      oa += id * j->astr[d];
      ob += id * j->bstr[d];
    }
    q.a += oa * (int64_t)es;
    q.b += ob * (int64_t)es;
    q.c += t * p->m * p->n * (int64_t)es;
    int64_t mm = p->m - i0 < tm ? p->m - i0 : tm;
    int64_t nn = p->n - j0 < tn ? p->n - j0 : tn;
    prod_tile(j->ct, &q, i0, j0, (int)mm, (int)nn, j->alpha, j->beta);
  }
  return credo_interrupted ? CREDO_EINTR : CREDO_OK;
}

/* ---- BLAS kernels ---- */

/* A single product of raw row-major operands as a job. */
static void gemm_job(tensor_dtype ct, void *c, const void *a, const void *b,
                     int transa, int transb, int m, int n, int k, int lda,
                     int ldb, int ldc, double alpha, double beta) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scale_rows(ct, c, m, n, ldc, beta);
    return;
  }
  Job j = {0};
  j.ct = ct;
  j.p = (Prod){a, b, c, transa != 0, transb != 0, lda, ldb, ldc, m, n, k};
  j.nb = 1;
  j.alpha = alpha, j.beta = beta;
  run_job(&j);
}

void linalg_gemm_f32(float *c, const float *a, const float *b, int transa,
                     int transb, int m, int n, int k, int lda, int ldb,
                     int ldc, float alpha, float beta) {
  gemm_job(TENSOR_F32, c, a, b, transa, transb, m, n, k, lda, ldb, ldc,
           alpha, beta);
}

void linalg_gemm_f64(double *c, const double *a, const double *b, int transa,
                     int transb, int m, int n, int k, int lda, int ldb,
                     int ldc, double alpha, double beta) {
  gemm_job(TENSOR_F64, c, a, b, transa, transb, m, n, k, lda, ldb, ldc,
           alpha, beta);
}

void linalg_gemm_ref_f32(float *c, const float *a, const float *b, int transa,
                         int transb, int m, int n, int k, int lda, int ldb,
                         int ldc, float alpha, float beta) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int p = 0; p < k; p++)
        s += (double)(transa ? a[(int64_t)p * lda + i]
                             : a[(int64_t)i * lda + p]) *
             (double)(transb ? b[(int64_t)j * ldb + p]
                             : b[(int64_t)p * ldb + j]);
      float *cij = &c[(int64_t)i * ldc + j];
      *cij = (float)(alpha * s + (beta == 0 ? 0.0 : (double)beta * *cij));
    }
}

void linalg_gemm_ref_f64(double *c, const double *a, const double *b,
                         int transa, int transb, int m, int n, int k, int lda,
                         int ldb, int ldc, double alpha, double beta) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int p = 0; p < k; p++)
        s += (transa ? a[(int64_t)p * lda + i] : a[(int64_t)i * lda + p]) *
             (transb ? b[(int64_t)j * ldb + p] : b[(int64_t)p * ldb + j]);
      double *cij = &c[(int64_t)i * ldc + j];
      *cij = alpha * s + (beta == 0 ? 0.0 : beta * *cij);
    }
}

/* ---- strided matrices as BLAS operands ---- */

/* Can BLAS read v in place?  Row-major (NoTrans): element (i,j) at
 * i*ld + j, so unit column stride and ld >= cols.  Column-major (Trans):
 * element (i,j) at i + j*ld, so unit row stride and ld >= rows.  A unit
 * dimension's stride is irrelevant.  Zero or negative strides (expanded or
 * flipped views) and leading dimensions beyond int are refused. */
static int blas_layout(const MView *v, int *trans, int *ld) {
  int64_t r = v->rows, c = v->cols;
  if ((c == 1 || v->cs == 1) && (r == 1 || v->rs >= max1(c))) {
    int64_t l = r == 1 ? max1(c) : v->rs;
    if (l <= INT_MAX) {
      *trans = 0;
      *ld = (int)l;
      return 1;
    }
  }
  if ((r == 1 || v->rs == 1) && (c == 1 || v->cs >= max1(r))) {
    int64_t l = c == 1 ? max1(r) : v->cs;
    if (l <= INT_MAX) {
      *trans = 1;
      *ld = (int)l;
      return 1;
    }
  }
  return 0;
}

/* ---- products on tensors ---- */

tensor_dtype linalg_result_dtype(const Tensor *a, const Tensor *b) {
  assert(a->dtype != TENSOR_I64 && b->dtype != TENSOR_I64);
  return (a->dtype == TENSOR_F64 || b->dtype == TENSOR_F64) ? TENSOR_F64
                                                           : TENSOR_F32;
}

/* Batch layout of matmul(a, b): the broadcast batch shape (right-aligned)
 * with each operand's batch strides (0 where it broadcasts). */
typedef struct {
  int nbat;
  int64_t shape[TENSOR_MAXDIM], astr[TENSOR_MAXDIM], bstr[TENSOR_MAXDIM];
  int64_t m, k, n;
} MatmulPlan;

static int matmul_plan(const Tensor *a, const Tensor *b, MatmulPlan *pl) {
  int an = a->ndim, bn = b->ndim;
  assert(an >= 1 && bn >= 1);
  pl->m = an == 1 ? 1 : a->shape[an - 2];
  pl->k = a->shape[an - 1];
  pl->n = bn == 1 ? 1 : b->shape[bn - 1];
  if ((bn == 1 ? b->shape[0] : b->shape[bn - 2]) != pl->k) return 1;
  int na = an > 2 ? an - 2 : 0, nb = bn > 2 ? bn - 2 : 0;
  pl->nbat = na > nb ? na : nb;
  for (int i = 0; i < pl->nbat; i++) {
    int ai = i - (pl->nbat - na), bi = i - (pl->nbat - nb);
    int64_t sa = ai >= 0 ? a->shape[ai] : 1, sb = bi >= 0 ? b->shape[bi] : 1;
    if (sa != sb && sa != 1 && sb != 1) return 2;
    pl->shape[i] = sa > sb ? sa : sb;
    pl->astr[i] = sa == 1 ? 0 : a->stride[ai];
    pl->bstr[i] = sb == 1 ? 0 : b->stride[bi];
  }
  return 0;
}

int linalg_matmul_shape(const Tensor *a, const Tensor *b, int *ndim,
                        int64_t *shape) {
  MatmulPlan pl;
  int r = matmul_plan(a, b, &pl);
  if (r) return r;
  int d = 0;
  for (int i = 0; i < pl.nbat; i++) shape[d++] = pl.shape[i];
  if (a->ndim > 1) shape[d++] = pl.m;
  if (b->ndim > 1) shape[d++] = pl.n;
  *ndim = d;
  return 0;
}

/* The matrix part of a product operand: a 2-d (or batched) tensor's last
 * two dimensions; a 1-d tensor as a row (1,n) when `row`, else a column. */
static MView operand(const Tensor *t, int row) {
  MView v;
  int nd = t->ndim;
  v.p = tensor_data(t);
  v.dt = t->dtype;
  if (nd == 1) {
    int64_t len = t->shape[0], s = t->stride[0];
    if (row) v.rows = 1, v.cols = len, v.rs = len * s, v.cs = s;
    else v.rows = len, v.cols = 1, v.rs = s, v.cs = 1;
  } else {
    v.rows = t->shape[nd - 2], v.cols = t->shape[nd - 1];
    v.rs = t->stride[nd - 2], v.cs = t->stride[nd - 1];
  }
  return v;
}

/* *use = t itself when BLAS can read it in dtype ct, else a contiguous
 * copy in ct made into *tmp (released by the caller). */
static credo_status blas_ready(const Tensor **use, Tensor *tmp,
                               const Tensor *t, tensor_dtype ct, int row) {
  MView v = operand(t, row);
  int tr, ld;
  *use = t;
  if (t->dtype == ct && blas_layout(&v, &tr, &ld)) return CREDO_OK;
  if (tensor_init(tmp, ct, t->ndim, t->shape) != CREDO_OK)
    return CREDO_ENOMEM;
  tensor_copy(tmp, t);
  *use = tmp;
  return CREDO_OK;
}

/* The Prod of BLAS-ready operands a (as row if 1-d) and b (as column). */
static Prod prod_of(const Tensor *a, const Tensor *b, void *c, int ldc) {
  MView va = operand(a, 1), vb = operand(b, 0);
  Prod p;
  int ok = blas_layout(&va, &p.ta, &p.lda) && blas_layout(&vb, &p.tb, &p.ldb);
  assert(ok);
  (void)ok;
  p.a = va.p, p.b = vb.p, p.c = c, p.ldc = ldc;
  p.m = va.rows, p.k = va.cols, p.n = vb.cols;
  return p;
}

credo_status linalg_matmul(Tensor *out, const Tensor *a, const Tensor *b) {
  tensor_dtype ct = out->dtype;
  MatmulPlan pl;
  int r = matmul_plan(a, b, &pl);
  assert(r == 0 && is_dense(out));
  (void)r;
  int64_t nb = 1;
  for (int i = 0; i < pl.nbat; i++) nb *= pl.shape[i];
  if (pl.m == 0 || pl.n == 0 || nb == 0) return CREDO_OK;
  if (pl.k == 0) {
    memset(tensor_data(out), 0,
           (size_t)(nb * pl.m * pl.n) * tensor_dtype_size(ct));
    return CREDO_OK;
  }
  Tensor ta = {0}, tb = {0};
  const Tensor *A, *B;
  if (blas_ready(&A, &ta, a, ct, 1) != CREDO_OK) return CREDO_ENOMEM;
  if (blas_ready(&B, &tb, b, ct, 0) != CREDO_OK) {
    tensor_release(&ta);
    return CREDO_ENOMEM;
  }
  matmul_plan(A, B, &pl); /* the copies' batch strides */
  Job j = {0};
  j.ct = ct;
  j.p = prod_of(A, B, tensor_data(out), (int)pl.n);
  j.nbat = pl.nbat, j.nb = nb;
  memcpy(j.shape, pl.shape, sizeof pl.shape);
  memcpy(j.astr, pl.astr, sizeof pl.astr);
  memcpy(j.bstr, pl.bstr, sizeof pl.bstr);
  j.alpha = 1, j.beta = 0;
  /* b without batch (or broadcast over all of it) and A's batch and row
   * dimensions collapsing into one stride: one (nb*m, k) @ (k, n) product */
  int fold = pl.nbat > 0 && A->ndim >= 3 && pl.m > 1 && !j.p.ta &&
             nb * pl.m <= INT_MAX;
  for (int i = 0; fold && i < pl.nbat; i++) fold = pl.bstr[i] == 0;
  if (fold) {
    int64_t expect = (int64_t)j.p.lda * pl.m;
    for (int d = A->ndim - 3; fold && d >= 0; d--) {
      if (A->shape[d] != 1 && A->stride[d] != expect) fold = 0;
      expect *= A->shape[d];
    }
  }
  if (fold) {
    j.p.m = nb * pl.m;
    j.nbat = 0, j.nb = 1;
  }
  credo_status st = run_job(&j);
  tensor_release(&ta);
  tensor_release(&tb);
  return st;
}

credo_status linalg_addmm(Tensor *out, const Tensor *c, const Tensor *a,
                          const Tensor *b, double beta, double alpha) {
  assert(a->ndim == 2 && b->ndim == 2 && out->ndim == 2 && c->ndim <= 2);
  assert(is_dense(out));
  tensor_dtype ct = out->dtype;
  int64_t m = a->shape[0], k = a->shape[1], n = b->shape[1];
  void *o = tensor_data(out);
  if (beta != 0) {
    /* out <- c broadcast to (m,n) */
    const void *cp = tensor_data(c);
    int64_t rs = 0, cs = 0;
    if (c->ndim == 2 && c->shape[0] != 1) rs = c->stride[0];
    if (c->ndim >= 1 && c->shape[c->ndim - 1] != 1)
      cs = c->stride[c->ndim - 1];
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++)
        wr(o, ct, i * n + j, rd(cp, c->dtype, i * rs + j * cs));
  }
  if (m == 0 || n == 0) return CREDO_OK;
  if (k == 0) {
    scale_rows(ct, o, m, n, n, beta);
    return CREDO_OK;
  }
  Tensor ta = {0}, tb = {0};
  const Tensor *A, *B;
  if (blas_ready(&A, &ta, a, ct, 1) != CREDO_OK) return CREDO_ENOMEM;
  if (blas_ready(&B, &tb, b, ct, 0) != CREDO_OK) {
    tensor_release(&ta);
    return CREDO_ENOMEM;
  }
  Job j = {0};
  j.ct = ct;
  j.p = prod_of(A, B, o, (int)n);
  j.nb = 1;
  j.alpha = alpha, j.beta = beta;
  credo_status st = run_job(&j);
  tensor_release(&ta);
  tensor_release(&tb);
  return st;
}

credo_status linalg_dot(double *out, const Tensor *a, const Tensor *b) {
  assert(a->ndim == 1 && b->ndim == 1 && a->shape[0] == b->shape[0]);
  tensor_dtype ct = linalg_result_dtype(a, b);
  *out = 0;
  if (a->shape[0] == 0) return CREDO_OK;
  Tensor ta = {0}, tb = {0};
  const Tensor *A, *B;
  if (blas_ready(&A, &ta, a, ct, 1) != CREDO_OK) return CREDO_ENOMEM;
  if (blas_ready(&B, &tb, b, ct, 0) != CREDO_OK) {
    tensor_release(&ta);
    return CREDO_ENOMEM;
  }
  Scalar r;
  Job j = {0};
  j.ct = ct;
  j.p = prod_of(A, B, &r, 1);
  j.nb = 1;
  j.alpha = 1, j.beta = 0;
  credo_status st = run_job(&j);
  tensor_release(&ta);
  tensor_release(&tb);
  if (st == CREDO_OK) *out = ct == TENSOR_F32 ? (double)r.f : r.d;
  return st;
}

credo_status linalg_outer(Tensor *out, const Tensor *a, const Tensor *b) {
  assert(a->ndim == 1 && b->ndim == 1 && out->ndim == 2 && is_dense(out));
  tensor_dtype ct = out->dtype;
  int64_t m = a->shape[0], n = b->shape[0];
  if (m == 0 || n == 0) return CREDO_OK;
  Tensor ta = {0}, tb = {0};
  const Tensor *A, *B;
  if (blas_ready(&A, &ta, a, ct, 0) != CREDO_OK) return CREDO_ENOMEM;
  if (blas_ready(&B, &tb, b, ct, 1) != CREDO_OK) {
    tensor_release(&ta);
    return CREDO_ENOMEM;
  }
  /* a as a column (m,1) times b as a row (1,n) */
  MView va = operand(A, 0), vb = operand(B, 1);
  Job j = {0};
  j.ct = ct;
  int ok = blas_layout(&va, &j.p.ta, &j.p.lda) &&
           blas_layout(&vb, &j.p.tb, &j.p.ldb);
  assert(ok);
  (void)ok;
  j.p.a = va.p, j.p.b = vb.p, j.p.c = tensor_data(out), j.p.ldc = (int)n;
  j.p.m = m, j.p.n = n, j.p.k = 1;
  j.nb = 1;
  j.alpha = 1, j.beta = 0;
  credo_status st = run_job(&j);
  tensor_release(&ta);
  tensor_release(&tb);
  return st;
}

/* ---- LAPACK dispatch on dtype ---- */

static void lp_gesv(tensor_dtype dt, blasint n, blasint nrhs, void *a,
                    blasint *ipiv, void *b, blasint *info) {
  blasint ld = (blasint)max1(n);
  if (dt == TENSOR_F32) sgesv_(&n, &nrhs, a, &ld, ipiv, b, &ld, info);
  else dgesv_(&n, &nrhs, a, &ld, ipiv, b, &ld, info);
}

static void lp_potrf(tensor_dtype dt, blasint n, void *a, blasint *info) {
  blasint ld = (blasint)max1(n);
  if (dt == TENSOR_F32) spotrf_("L", &n, a, &ld, info, 1);
  else dpotrf_("L", &n, a, &ld, info, 1);
}

static void lp_getrf(tensor_dtype dt, blasint n, void *a, blasint *ipiv,
                     blasint *info) {
  blasint ld = (blasint)max1(n);
  if (dt == TENSOR_F32) sgetrf_(&n, &n, a, &ld, ipiv, info);
  else dgetrf_(&n, &n, a, &ld, ipiv, info);
}

static void lp_getri(tensor_dtype dt, blasint n, void *a, const blasint *ipiv,
                     void *work, blasint lwork, blasint *info) {
  blasint ld = (blasint)max1(n);
  if (dt == TENSOR_F32) sgetri_(&n, a, &ld, ipiv, work, &lwork, info);
  else dgetri_(&n, a, &ld, ipiv, work, &lwork, info);
}

static void lp_syevd(tensor_dtype dt, blasint n, void *a, void *w,
                     void *work, blasint lwork, blasint *iwork,
                     blasint liwork, blasint *info) {
  blasint ld = (blasint)max1(n);
  if (dt == TENSOR_F32)
    ssyevd_("V", "L", &n, a, &ld, w, work, &lwork, iwork, &liwork, info, 1,
            1);
  else
    dsyevd_("V", "L", &n, a, &ld, w, work, &lwork, iwork, &liwork, info, 1,
            1);
}

static void lp_gesdd(tensor_dtype dt, char jobz, blasint m, blasint n,
                     void *a, void *s, void *u, blasint ldu, void *vt,
                     blasint ldvt, void *work, blasint lwork, blasint *iwork,
                     blasint *info) {
  blasint lda = (blasint)max1(m);
  if (dt == TENSOR_F32)
    sgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork,
            iwork, info, 1);
  else
    dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork,
            iwork, info, 1);
}

/* The optimal lwork a workspace query left in work[0]: rounded up, since a
 * float32 query can round a large size down (LAPACK's SROUNDUP_LWORK). */
static blasint query_lwork(tensor_dtype dt, const Scalar *work0) {
  double w = dt == TENSOR_F32 ? (double)work0->f : work0->d;
  if (dt == TENSOR_F32) w *= 1.0 + 2.0 * FLT_EPSILON;
  w = ceil(w);
  if (w < 1) w = 1;
  return w > INT_MAX ? INT_MAX : (blasint)w;
}

/* ---- factorisations ---- */

credo_status linalg_solve(Tensor *x, const Tensor *a, const Tensor *b) {
  blas_serial();
  assert(a->ndim == 2 && a->shape[0] == a->shape[1]);
  assert(is_dense(x) && tensor_same_shape(x, b));
  tensor_dtype ct = x->dtype;
  size_t es = tensor_dtype_size(ct);
  int64_t n = a->shape[0], nrhs = b->ndim == 1 ? 1 : b->shape[1];
  if (n == 0 || nrhs == 0) return CREDO_OK;
  if (n > INT_MAX || nrhs > INT_MAX) return CREDO_EINVAL;
  credo_status st = CREDO_OK;
  void *ac = xmalloc(n * n, es), *bc = xmalloc(n * nrhs, es);
  blasint *ipiv = xmalloc(n, sizeof *ipiv), info = 0;
  if (!ac || !bc || !ipiv) {
    st = CREDO_ENOMEM;
    goto done;
  }
  MView va = mview_of(a), vb = mview_of(b);
  pack_cols(ac, ct, &va, n);
  pack_cols(bc, ct, &vb, n);
  lp_gesv(ct, (blasint)n, (blasint)nrhs, ac, ipiv, bc, &info);
  assert(info >= 0);
  if (info > 0) st = CREDO_ESINGULAR;
  else unpack_cols(x, bc, n, nrhs, n);
done:
  free(ac);
  free(bc);
  free(ipiv);
  return st;
}

credo_status linalg_cholesky(Tensor *l, int64_t *minor, const Tensor *a) {
  blas_serial();
  assert(a->ndim == 2 && a->shape[0] == a->shape[1]);
  assert(is_dense(l) && tensor_same_shape(l, a));
  tensor_dtype ct = l->dtype;
  int64_t n = a->shape[0];
  *minor = 0;
  if (n == 0) return CREDO_OK;
  if (n > INT_MAX) return CREDO_EINVAL;
  void *ac = xmalloc(n * n, tensor_dtype_size(ct));
  if (!ac) return CREDO_ENOMEM;
  MView va = mview_of(a);
  pack_cols(ac, ct, &va, n);
  blasint info = 0;
  lp_potrf(ct, (blasint)n, ac, &info);
  assert(info >= 0);
  if (info > 0) {
    *minor = info;
    free(ac);
    return CREDO_ESINGULAR;
  }
  void *o = tensor_data(l);
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < n; j++)
      wr(o, ct, i * n + j, j <= i ? rd(ac, ct, i + j * n) : 0.0);
  free(ac);
  return CREDO_OK;
}

/* Column j of the column-major (rows x ncols, ld) matrix p: the index of its
 * first largest-magnitude entry. */
static int64_t col_argmax_abs(const void *p, tensor_dtype dt, int64_t rows,
                              int64_t ld, int64_t j) {
  int64_t best = 0;
  double bv = -1;
  for (int64_t i = 0; i < rows; i++) {
    double v = fabs(rd(p, dt, i + j * ld));
    if (v > bv) bv = v, best = i;
  }
  return best;
}

credo_status linalg_eigh(Tensor *w, Tensor *v, const Tensor *a) {
  blas_serial();
  assert(a->ndim == 2 && a->shape[0] == a->shape[1]);
  assert(is_dense(w) && is_dense(v));
  tensor_dtype ct = v->dtype;
  size_t es = tensor_dtype_size(ct);
  int64_t n = a->shape[0];
  if (n == 0) return CREDO_OK;
  if (n > INT_MAX) return CREDO_EINVAL;
  credo_status st = CREDO_OK;
  void *ac = xmalloc(n * n, es), *work = NULL;
  blasint *iwork = NULL, info = 0, iq = 0;
  Scalar wq;
  if (!ac) return CREDO_ENOMEM;
  MView va = mview_of(a);
  pack_cols(ac, ct, &va, n);
  lp_syevd(ct, (blasint)n, ac, tensor_data(w), &wq, -1, &iq, -1, &info);
  assert(info == 0);
  blasint lwork = query_lwork(ct, &wq), liwork = iq > 1 ? iq : 1;
  work = xmalloc(lwork, es);
  iwork = xmalloc(liwork, sizeof *iwork);
  if (!work || !iwork) {
    st = CREDO_ENOMEM;
    goto done;
  }
  lp_syevd(ct, (blasint)n, ac, tensor_data(w), work, lwork, iwork, liwork,
           &info);
  assert(info >= 0);
  if (info > 0) {
    st = CREDO_ENOCONV;
    goto done;
  }
  for (int64_t j = 0; j < n; j++) /* sign: largest component positive */
    if (rd(ac, ct, col_argmax_abs(ac, ct, n, n, j) + j * n) < 0)
      for (int64_t i = 0; i < n; i++)
        wr(ac, ct, i + j * n, -rd(ac, ct, i + j * n));
  unpack_cols(v, ac, n, n, n);
done:
  free(ac);
  free(work);
  free(iwork);
  return st;
}

/* out (n,n) contiguous of dtype dt <- the identity. */
static void set_identity(Tensor *out) {
  int64_t n = out->shape[0];
  void *o = tensor_data(out);
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < n; j++) wr(o, out->dtype, i * n + j, i == j);
}

credo_status linalg_svd(Tensor *u, Tensor *s, Tensor *vt, const Tensor *a,
                        int full) {
  blas_serial();
  assert(a->ndim == 2);
  tensor_dtype ct = s->dtype;
  size_t es = tensor_dtype_size(ct);
  int64_t m = a->shape[0], n = a->shape[1], p = m < n ? m : n;
  int64_t ucols = full ? m : p, vrows = full ? n : p;
  if (p == 0) {
    if (full) {
      set_identity(u);
      set_identity(vt);
    }
    return CREDO_OK;
  }
  if (m > INT_MAX || n > INT_MAX || 8 * p > INT_MAX) return CREDO_EINVAL;
  credo_status st = CREDO_OK;
  void *ac = xmalloc(m * n, es), *uc = xmalloc(m * ucols, es);
  void *vc = xmalloc(vrows * n, es), *work = NULL;
  blasint *iwork = xmalloc(8 * p, sizeof *iwork), info = 0;
  Scalar wq;
  char jobz = full ? 'A' : 'S';
  if (!ac || !uc || !vc || !iwork) {
    st = CREDO_ENOMEM;
    goto done;
  }
  MView va = mview_of(a);
  pack_cols(ac, ct, &va, m);
  lp_gesdd(ct, jobz, (blasint)m, (blasint)n, ac, tensor_data(s), uc,
           (blasint)m, vc, (blasint)vrows, &wq, -1, iwork, &info);
  assert(info == 0);
  blasint lwork = query_lwork(ct, &wq);
  if (!(work = xmalloc(lwork, es))) {
    st = CREDO_ENOMEM;
    goto done;
  }
  lp_gesdd(ct, jobz, (blasint)m, (blasint)n, ac, tensor_data(s), uc,
           (blasint)m, vc, (blasint)vrows, work, lwork, iwork, &info);
  assert(info >= 0);
  if (info > 0) {
    st = CREDO_ENOCONV;
    goto done;
  }
  for (int64_t j = 0; j < p; j++) /* svd_flip on u's columns */
    if (rd(uc, ct, col_argmax_abs(uc, ct, m, m, j) + j * m) < 0) {
      for (int64_t i = 0; i < m; i++)
        wr(uc, ct, i + j * m, -rd(uc, ct, i + j * m));
      for (int64_t c = 0; c < n; c++)
        wr(vc, ct, j + c * vrows, -rd(vc, ct, j + c * vrows));
    }
  unpack_cols(u, uc, m, ucols, m);
  unpack_cols(vt, vc, vrows, n, vrows);
done:
  free(ac);
  free(uc);
  free(vc);
  free(work);
  free(iwork);
  return st;
}

credo_status linalg_inv(Tensor *out, const Tensor *a) {
  blas_serial();
  assert(a->ndim == 2 && a->shape[0] == a->shape[1]);
  assert(is_dense(out) && tensor_same_shape(out, a));
  tensor_dtype ct = out->dtype;
  size_t es = tensor_dtype_size(ct);
  int64_t n = a->shape[0];
  if (n == 0) return CREDO_OK;
  if (n > INT_MAX) return CREDO_EINVAL;
  credo_status st = CREDO_OK;
  void *ac = xmalloc(n * n, es), *work = NULL;
  blasint *ipiv = xmalloc(n, sizeof *ipiv), info = 0;
  Scalar wq;
  if (!ac || !ipiv) {
    st = CREDO_ENOMEM;
    goto done;
  }
  MView va = mview_of(a);
  pack_cols(ac, ct, &va, n);
  lp_getrf(ct, (blasint)n, ac, ipiv, &info);
  assert(info >= 0);
  if (info > 0) {
    st = CREDO_ESINGULAR;
    goto done;
  }
  lp_getri(ct, (blasint)n, ac, ipiv, &wq, -1, &info);
  assert(info == 0);
  blasint lwork = query_lwork(ct, &wq);
  if (!(work = xmalloc(lwork, es))) {
    st = CREDO_ENOMEM;
    goto done;
  }
  lp_getri(ct, (blasint)n, ac, ipiv, work, lwork, &info);
  assert(info >= 0);
  if (info > 0) {
    st = CREDO_ESINGULAR;
    goto done;
  }
  unpack_cols(out, ac, n, n, n);
done:
  free(ac);
  free(ipiv);
  free(work);
  return st;
}

credo_status linalg_det(double *det, double *sign, double *logabs,
                        const Tensor *a) {
  blas_serial();
  assert(a->ndim == 2 && a->shape[0] == a->shape[1]);
  tensor_dtype ct = a->dtype;
  size_t es = tensor_dtype_size(ct);
  int64_t n = a->shape[0];
  *det = 1, *sign = 1, *logabs = 0;
  if (n == 0) return CREDO_OK;
  if (n > INT_MAX) return CREDO_EINVAL;
  void *ac = xmalloc(n * n, es);
  blasint *ipiv = xmalloc(n, sizeof *ipiv), info = 0;
  if (!ac || !ipiv) {
    free(ac);
    free(ipiv);
    return CREDO_ENOMEM;
  }
  MView va = mview_of(a);
  pack_cols(ac, ct, &va, n);
  lp_getrf(ct, (blasint)n, ac, ipiv, &info);
  assert(info >= 0);
  if (info > 0) { /* an exactly zero pivot: det(a) = 0 */
    *det = 0, *sign = 0, *logabs = -INFINITY;
  } else {
    /* det = mant * 2^e, renormalised after every factor (frexp) */
    double mant = 1;
    int64_t e = 0;
    for (int64_t i = 0; i < n; i++) {
      int ei;
      mant *= rd(ac, ct, i + i * n);
      if (ipiv[i] != i + 1) mant = -mant; /* a row interchange */
      mant = frexp(mant, &ei);
      e += ei;
    }
    *sign = mant < 0 ? -1 : 1;
    *logabs = log(fabs(mant)) + (double)e * M_LN2;
    *det = e > INT_MAX ? mant * INFINITY
           : e < INT_MIN ? mant * 0.0
                         : ldexp(mant, (int)e);
  }
  free(ac);
  free(ipiv);
  return CREDO_OK;
}

int linalg_all_finite(const Tensor *t) {
  assert(t->dtype == TENSOR_F32 || t->dtype == TENSOR_F64);
  if (t->ndim <= 2) {
    const void *p = tensor_data(t);
    int64_t r = t->ndim >= 1 ? t->shape[0] : 1;
    int64_t c = t->ndim == 2 ? t->shape[1] : 1;
    int64_t rs = t->ndim >= 1 ? t->stride[0] : 0;
    int64_t cs = t->ndim == 2 ? t->stride[1] : 0;
    for (int64_t i = 0; i < r; i++)
      for (int64_t j = 0; j < c; j++)
        if (!isfinite(rd(p, t->dtype, i * rs + j * cs))) return 0;
    return 1;
  }
  int64_t n = tensor_numel(t);
  for (int64_t i = 0; i < n; i++)
    if (!isfinite(tensor_get_flat(t, i))) return 0;
  return 1;
}
