/*
 * conv.c: 1-d convolution (im2col + GEMM) and 1-d max pooling, forward and
 * backward, float32 and float64; conv.h has the contracts and the
 * algorithm.
 *
 * The unfold / fold / transpose copies are elementwise over the batch:
 * OpenMP threads take slices of b, and every element is computed the same
 * way whatever the slice, so results do not depend on the thread count.
 * The orchestration is written once per element type as a macro (dense.c's
 * habit).  The _ref twins at the end are the definitions as loops.
 *
 * What it is not: no argument checking (rnn_lua.c), no allocation, no
 * dilation, groups or 2-d kernels.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "../tensor/linalg.h"
#include "conv.h"

/* Copies below this many elements run on one thread: a parallel region
 * costs a few microseconds on an idle machine and a scheduling delay on a
 * busy one, more than a copy of this size (about 100 us) gains. */
#define PAR_COPY 262144
/* Sums accumulate in double, DB_CHUNK positions at a time. */
#define DB_CHUNK 256

static int copy_threads(int64_t work, int64_t items) {
  if (work < PAR_COPY || items < 2) return 1;
  int nt = credo_threads_get();
  if (nt < 1) nt = 1;
  if (nt > items) nt = (int)items;
  return nt;
}

/* c ? a : b without a branch (bit operations on the representation). */
static inline float select_f32(int c, float a, float b) {
  uint32_t ia, ib, m = (uint32_t)0 - (uint32_t)(c != 0);
  memcpy(&ia, &a, sizeof ia);
  memcpy(&ib, &b, sizeof ib);
  uint32_t r = (m & ia) | (~m & ib);
  float f;
  memcpy(&f, &r, sizeof f);
  return f;
}
static inline double select_f64(int c, double a, double b) {
  uint64_t ia, ib, m = (uint64_t)0 - (uint64_t)(c != 0);
  memcpy(&ia, &a, sizeof ia);
  memcpy(&ib, &b, sizeof ib);
  uint64_t r = (m & ia) | (~m & ib);
  double f;
  memcpy(&f, &r, sizeof f);
  return f;
}

int64_t conv1d_out_length(int64_t L, int64_t K, int64_t stride,
                          int64_t pad) {
  int64_t span = L + 2 * pad - K;
  if (span < 0) return 0;
  return span / stride + 1;
}

int64_t conv1d_cache_numel(int64_t B, int64_t C, int64_t K, int64_t Lout) {
  return B * Lout * C * K;
}

int64_t conv1d_scratch_numel(int64_t B, int64_t C, int64_t OC, int64_t K,
                             int64_t Lout) {
  return B * Lout * (OC + C * K);
}

int64_t maxpool1d_out_length(int64_t L, int64_t K, int64_t stride,
                             int64_t pad) {
  return conv1d_out_length(L, K, stride, pad);
}

/* col (B*Lout, C*K) from x (B,C,L): row (b,l), column (c,k) =
 * x[b, c, l*stride + k - pad], 0 in the padding. */
#define IM2COL(T, SFX)                                                        \
  static void im2col_##SFX(T *col, const T *x, int64_t B, int64_t C,          \
                           int64_t L, int64_t K, int64_t stride, int64_t pad, \
                           int64_t Lout) {                                    \
    int64_t CK = C * K;                                                       \
    int nt = copy_threads(B * Lout * CK, B);                                  \
    _Pragma("omp parallel for num_threads(nt) schedule(static) if(nt > 1)")   \
    for (int64_t b = 0; b < B; b++)                                           \
      for (int64_t l = 0; l < Lout; l++) {                                    \
        T *row = col + (b * Lout + l) * CK;                                   \
        int64_t p0 = l * stride - pad;                                        \
        for (int64_t c = 0; c < C; c++) {                                     \
          const T *xr = x + (b * C + c) * L;                                  \
          for (int64_t k = 0; k < K; k++) {                                   \
            int64_t p = p0 + k;                                               \
            row[c * K + k] = p >= 0 && p < L ? xr[p] : 0;                     \
          }                                                                   \
        }                                                                     \
      }                                                                       \
  }

/* dx (B,C,L) += the fold of dcol (B*Lout, C*K), in order of c, l, k for
 * every b. */
#define COL2IM(T, SFX)                                                        \
  static void col2im_add_##SFX(T *dx, const T *dcol, int64_t B, int64_t C,    \
                               int64_t L, int64_t K, int64_t stride,          \
                               int64_t pad, int64_t Lout) {                   \
    int64_t CK = C * K;                                                       \
    int nt = copy_threads(B * Lout * CK, B);                                  \
    _Pragma("omp parallel for num_threads(nt) schedule(static) if(nt > 1)")   \
    for (int64_t b = 0; b < B; b++)                                           \
      for (int64_t c = 0; c < C; c++) {                                       \
        T *xr = dx + (b * C + c) * L;                                         \
        for (int64_t l = 0; l < Lout; l++) {                                  \
          const T *row = dcol + (b * Lout + l) * CK + c * K;                  \
          int64_t p0 = l * stride - pad;                                      \
          for (int64_t k = 0; k < K; k++) {                                   \
            int64_t p = p0 + k;                                               \
            if (p >= 0 && p < L) xr[p] += row[k];                             \
          }                                                                   \
        }                                                                     \
      }                                                                       \
  }

/* Column sums in double with one accumulator per position l (so the loop
 * vectorises), positions summed in order at the end:
 * *res = sum over rows r < R of sum over l in [lo, hi) of a[r*lda + l] *
 * (b ? b[r*ldb + l*bs] : 1). */
#define DOT_ROWS(T, SFX)                                                      \
  static double dot_rows_##SFX(const T *a, int64_t lda, const T *b,           \
                               int64_t ldb, int64_t bs, int64_t R,            \
                               int64_t lo, int64_t hi) {                      \
    double acc[DB_CHUNK], total = 0;                                          \
    for (int64_t l0 = lo; l0 < hi; l0 += DB_CHUNK) {                          \
      int64_t m = hi - l0 < DB_CHUNK ? hi - l0 : DB_CHUNK;                    \
      for (int64_t j = 0; j < m; j++) acc[j] = 0;                             \
      for (int64_t r = 0; r < R; r++) {                                       \
        const T *ar = a + r * lda + l0;                                       \
        if (!b) {                                                             \
          _Pragma("omp simd")                                                 \
          for (int64_t j = 0; j < m; j++) acc[j] += ar[j];                    \
        } else if (bs == 1) {                                                 \
          const T *br = b + r * ldb + l0;                                     \
          _Pragma("omp simd")                                                 \
          for (int64_t j = 0; j < m; j++) acc[j] += (double)ar[j] * br[j];    \
        } else {                                                              \
          const T *br = b + r * ldb + l0 * bs;                                \
          for (int64_t j = 0; j < m; j++)                                     \
            acc[j] += (double)ar[j] * br[j * bs];                             \
        }                                                                     \
      }                                                                       \
      for (int64_t j = 0; j < m; j++) total += acc[j];                        \
    }                                                                         \
    return total;                                                             \
  }

#define CONV_PUBLIC(T, SFX)                                                   \
  credo_status conv1d_forward_##SFX(T *out, T *col, T *scratch, const T *x,   \
                                    const T *w, const T *b, int64_t B,        \
                                    int64_t C, int64_t L, int64_t OC,         \
                                    int64_t K, int64_t stride, int64_t pad) { \
    int64_t Lout = conv1d_out_length(L, K, stride, pad), CK = C * K;          \
    assert(Lout >= 1 && C >= 1 && OC >= 1 && K >= 1 && B >= 0);               \
    if (B == 0) return CREDO_OK;                                              \
    T *outT = scratch;                                                        \
    im2col_##SFX(col, x, B, C, L, K, stride, pad, Lout);                      \
    /* outT (B*Lout, OC) = col (B*Lout, CK) @ W^T */                          \
    linalg_gemm_##SFX(outT, col, w, 0, 1, (int)(B * Lout), (int)OC, (int)CK,  \
                      (int)CK, (int)CK, (int)OC, 1, 0);                       \
    if (credo_interrupted) return CREDO_EINTR;                                \
    int nt = copy_threads(B * Lout * OC, B);                                  \
    _Pragma("omp parallel for num_threads(nt) schedule(static) if(nt > 1)")   \
    for (int64_t bi = 0; bi < B; bi++)                                        \
      for (int64_t o = 0; o < OC; o++) {                                      \
        T *dst = out + (bi * OC + o) * Lout;                                  \
        const T *src = outT + bi * Lout * OC + o;                             \
        T bias = b ? b[o] : 0;                                                \
        for (int64_t l = 0; l < Lout; l++) dst[l] = src[l * OC] + bias;       \
      }                                                                       \
    return CREDO_OK;                                                          \
  }                                                                           \
  credo_status conv1d_backward_##SFX(                                         \
      T *dx, T *dw, T *db, T *scratch, const T *dout, const T *col,           \
      const T *w, int64_t B, int64_t C, int64_t L, int64_t OC, int64_t K,     \
      int64_t stride, int64_t pad) {                                          \
    int64_t Lout = conv1d_out_length(L, K, stride, pad), CK = C * K;          \
    int64_t N = B * Lout;                                                     \
    assert(Lout >= 1 && C >= 1 && OC >= 1 && K >= 1 && B >= 0);               \
    if (B == 0) return CREDO_OK;                                              \
    if (db) /* sums over b and l, in double */                                \
      for (int64_t o = 0; o < OC; o++)                                        \
        db[o] += (T)dot_rows_##SFX(dout + o * Lout, OC * Lout, NULL, 0, 1, B, \
                                   0, Lout);                                  \
    T *doutT = scratch, *dcol = scratch + N * OC;                             \
    int nt = copy_threads(N * OC, B);                                         \
    _Pragma("omp parallel for num_threads(nt) schedule(static) if(nt > 1)")   \
    for (int64_t bi = 0; bi < B; bi++)                                        \
      for (int64_t o = 0; o < OC; o++) {                                      \
        const T *src = dout + (bi * OC + o) * Lout;                           \
        T *dst = doutT + bi * Lout * OC + o;                                  \
        for (int64_t l = 0; l < Lout; l++) dst[l * OC] = src[l];              \
      }                                                                       \
    /* dW (OC, CK) += doutT^T (OC, N) @ col (N, CK) */                        \
    if (dw)                                                                   \
      linalg_gemm_##SFX(dw, doutT, col, 1, 0, (int)OC, (int)CK, (int)N,       \
                        (int)OC, (int)CK, (int)CK, 1, 1);                     \
    if (dx) {                                                                 \
      /* dcol (N, CK) = doutT (N, OC) @ W (OC, CK) */                         \
      linalg_gemm_##SFX(dcol, doutT, w, 0, 0, (int)N, (int)CK, (int)OC,       \
                        (int)OC, (int)CK, (int)CK, 1, 0);                     \
      col2im_add_##SFX(dx, dcol, B, C, L, K, stride, pad, Lout);              \
    }                                                                         \
    return credo_interrupted ? CREDO_EINTR : CREDO_OK;                        \
  }

/* Windows start at l*stride - pad; with pad <= K/2 each holds at least one
 * element of the row.  torch's rule: take v when v > max or v is NaN.  The
 * running maximum and its position are updated with bit selects, not
 * branches: on real data the comparison is a coin toss, and a mispredicted
 * branch per element cost more than the whole update (measured; a version
 * vectorised along l was slower still, the rows being a few windows long). */
#define MAXPOOL(T, SFX)                                                       \
  credo_status maxpool1d_forward_##SFX(T *out, int64_t *idx, const T *x,      \
                                       int64_t N, int64_t L, int64_t K,       \
                                       int64_t stride, int64_t pad) {         \
    int64_t Lout = maxpool1d_out_length(L, K, stride, pad);                   \
    int nt = copy_threads(N * Lout * K, N);                                   \
    _Pragma("omp parallel for num_threads(nt) schedule(static) if(nt > 1)")   \
    for (int64_t n = 0; n < N; n++) {                                         \
      const T *xr = x + n * L;                                                \
      for (int64_t l = 0; l < Lout; l++) {                                    \
        int64_t p0 = l * stride - pad, p1 = p0 + K;                           \
        if (p0 < 0) p0 = 0;                                                   \
        if (p1 > L) p1 = L;                                                   \
        int64_t at = p0;                                                      \
        T m = xr[p0];                                                         \
        for (int64_t p = p0 + 1; p < p1; p++) {                               \
          T v = xr[p];                                                        \
          int take = (v > m) | (v != v);                                      \
          m = select_##SFX(take, v, m);                                       \
          at ^= (at ^ p) & -(int64_t)take;                                    \
        }                                                                     \
        out[n * Lout + l] = m;                                                \
        idx[n * Lout + l] = at;                                               \
      }                                                                       \
    }                                                                         \
    return credo_interrupted ? CREDO_EINTR : CREDO_OK;                        \
  }                                                                           \
  void maxpool1d_backward_##SFX(T *dx, const T *dout, const int64_t *idx,     \
                                int64_t N, int64_t L, int64_t Lout) {         \
    for (int64_t n = 0; n < N; n++)                                           \
      for (int64_t l = 0; l < Lout; l++)                                      \
        dx[n * L + idx[n * Lout + l]] += dout[n * Lout + l];                  \
  }

IM2COL(float, f32)
IM2COL(double, f64)
DOT_ROWS(float, f32)
DOT_ROWS(double, f64)
COL2IM(float, f32)
COL2IM(double, f64)
CONV_PUBLIC(float, f32)
CONV_PUBLIC(double, f64)
MAXPOOL(float, f32)
MAXPOOL(double, f64)

/* ---- reference twins ---- */

void conv1d_forward_ref_f64(double *out, double *col, const double *x,
                            const double *w, const double *b, int64_t B,
                            int64_t C, int64_t L, int64_t OC, int64_t K,
                            int64_t stride, int64_t pad) {
  int64_t Lout = conv1d_out_length(L, K, stride, pad), CK = C * K;
  for (int64_t bi = 0; bi < B; bi++)
    for (int64_t l = 0; l < Lout; l++) {
      for (int64_t c = 0; c < C; c++)
        for (int64_t k = 0; k < K; k++) {
          int64_t p = l * stride + k - pad;
          col[(bi * Lout + l) * CK + c * K + k] =
              p >= 0 && p < L ? x[(bi * C + c) * L + p] : 0;
        }
      for (int64_t o = 0; o < OC; o++) {
        double s = b ? b[o] : 0;
        for (int64_t c = 0; c < C; c++)
          for (int64_t k = 0; k < K; k++) {
            int64_t p = l * stride + k - pad;
            if (p >= 0 && p < L)
              s += w[(o * C + c) * K + k] * x[(bi * C + c) * L + p];
          }
        out[(bi * OC + o) * Lout + l] = s;
      }
    }
}

void conv1d_backward_ref_f64(double *dx, double *dw, double *db,
                             const double *dout, const double *x,
                             const double *w, int64_t B, int64_t C, int64_t L,
                             int64_t OC, int64_t K, int64_t stride,
                             int64_t pad) {
  int64_t Lout = conv1d_out_length(L, K, stride, pad);
  for (int64_t bi = 0; bi < B; bi++)
    for (int64_t o = 0; o < OC; o++)
      for (int64_t l = 0; l < Lout; l++) {
        double g = dout[(bi * OC + o) * Lout + l];
        if (db) db[o] += g;
        for (int64_t c = 0; c < C; c++)
          for (int64_t k = 0; k < K; k++) {
            int64_t p = l * stride + k - pad;
            if (p < 0 || p >= L) continue;
            if (dw) dw[(o * C + c) * K + k] += g * x[(bi * C + c) * L + p];
            if (dx) dx[(bi * C + c) * L + p] += g * w[(o * C + c) * K + k];
          }
      }
}

void maxpool1d_forward_ref_f64(double *out, int64_t *idx, const double *x,
                               int64_t N, int64_t L, int64_t K,
                               int64_t stride, int64_t pad) {
  int64_t Lout = maxpool1d_out_length(L, K, stride, pad);
  for (int64_t n = 0; n < N; n++)
    for (int64_t l = 0; l < Lout; l++) {
      double m = -INFINITY;
      int64_t at = -1;
      for (int64_t k = 0; k < K; k++) {
        int64_t p = l * stride - pad + k;
        double v = p >= 0 && p < L ? x[n * L + p] : -INFINITY;
        if (at < 0 && p >= 0 && p < L) at = p;
        if (v > m || isnan(v)) m = v, at = p;
      }
      out[n * Lout + l] = m;
      idx[n * Lout + l] = at;
    }
}
