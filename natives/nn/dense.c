/*
 * dense.c: the dense (Linear) layer and the Embedding lookup, forward and
 * backward, float32 and float64 (nn.h has the contracts).
 *
 * The products are linalg_gemm calls (single-threaded OpenBLAS on tiles
 * fixed by the shape: the same bits at any thread count).  The bias
 * gradient sums the batch in a fixed order in double.  Not here: argument
 * checking (nn_lua.c), activation fusion, sparse inputs.
 */
#include <assert.h>
#include <string.h>

#include "../tensor/linalg.h"
#include "nn.h"

/* Column-sum chunk: db is accumulated in double for DB_CHUNK outputs at a
 * time, on the stack. */
#define DB_CHUNK 256

/* out (B,OC) = b (broadcast over rows), then out += inp @ w^T by gemm with
 * beta 1; without a bias gemm writes out (beta 0). */
#define DENSE_FORWARD(T, SFX)                                                 \
  void dense_forward_##SFX(T *out, const T *inp, const T *w, const T *b,      \
                           int64_t B, int64_t C, int64_t OC) {                \
    if (B <= 0 || OC <= 0) return;                                            \
    if (b)                                                                    \
      for (int64_t i = 0; i < B; i++) memcpy(out + i * OC, b, OC * sizeof(T)); \
    linalg_gemm_##SFX(out, inp, w, 0, 1, (int)B, (int)OC, (int)C, (int)C,     \
                      (int)C, (int)OC, 1, b ? 1 : 0);                         \
  }

#define DENSE_BACKWARD(T, SFX)                                                \
  void dense_backward_##SFX(T *dinp, T *dw, T *db, const T *dout,             \
                            const T *inp, const T *w, int64_t B, int64_t C,   \
                            int64_t OC) {                                     \
    if (B <= 0) return;                                                       \
    /* dinp (B,C) += dout (B,OC) @ w (OC,C) */                                \
    if (dinp && C > 0)                                                        \
      linalg_gemm_##SFX(dinp, dout, w, 0, 0, (int)B, (int)C, (int)OC,         \
                        (int)OC, (int)C, (int)C, 1, 1);                       \
    /* dw (OC,C) += dout^T (OC,B) @ inp (B,C) */                              \
    if (dw && C > 0 && OC > 0)                                                \
      linalg_gemm_##SFX(dw, dout, inp, 1, 0, (int)OC, (int)C, (int)B,         \
                        (int)OC, (int)C, (int)C, 1, 1);                       \
    if (db) {                                                                 \
      double acc[DB_CHUNK];                                                   \
      for (int64_t o0 = 0; o0 < OC; o0 += DB_CHUNK) {                         \
        int64_t m = OC - o0 < DB_CHUNK ? OC - o0 : DB_CHUNK;                  \
        for (int64_t o = 0; o < m; o++) acc[o] = 0;                           \
        for (int64_t i = 0; i < B; i++) {                                     \
          const T *row = dout + i * OC + o0;                                  \
          for (int64_t o = 0; o < m; o++) acc[o] += row[o];                   \
        }                                                                     \
        for (int64_t o = 0; o < m; o++) db[o0 + o] += (T)acc[o];              \
      }                                                                       \
    }                                                                         \
  }

DENSE_FORWARD(float, f32)
DENSE_FORWARD(double, f64)
DENSE_BACKWARD(float, f32)
DENSE_BACKWARD(double, f64)

void dense_forward_ref_f64(double *out, const double *inp, const double *w,
                           const double *b, int64_t B, int64_t C, int64_t OC) {
  for (int64_t i = 0; i < B; i++)
    for (int64_t o = 0; o < OC; o++) {
      double s = b ? b[o] : 0.0;
      for (int64_t c = 0; c < C; c++) s += inp[i * C + c] * w[o * C + c];
      out[i * OC + o] = s;
    }
}

void dense_backward_ref_f64(double *dinp, double *dw, double *db,
                            const double *dout, const double *inp,
                            const double *w, int64_t B, int64_t C,
                            int64_t OC) {
  for (int64_t i = 0; i < B; i++)
    for (int64_t o = 0; o < OC; o++) {
      double g = dout[i * OC + o];
      if (db) db[o] += g;
      for (int64_t c = 0; c < C; c++) {
        if (dinp) dinp[i * C + c] += g * w[o * C + c];
        if (dw) dw[o * C + c] += g * inp[i * C + c];
      }
    }
}

/* ---- embedding ---- */

#define EMBEDDING(T, SFX)                                                     \
  void embedding_forward_##SFX(T *out, const int64_t *idx, const T *w,        \
                               int64_t n, int64_t D) {                        \
    for (int64_t i = 0; i < n; i++) {                                         \
      assert(idx[i] >= 1);                                                    \
      memcpy(out + i * D, w + (idx[i] - 1) * D, (size_t)D * sizeof(T));       \
    }                                                                         \
  }                                                                           \
  void embedding_backward_##SFX(T *dw, const T *dout, const int64_t *idx,     \
                                int64_t n, int64_t D) {                       \
    for (int64_t i = 0; i < n; i++) {                                         \
      T *row = dw + (idx[i] - 1) * D;                                         \
      const T *g = dout + i * D;                                              \
      for (int64_t j = 0; j < D; j++) row[j] += g[j];                         \
    }                                                                         \
  }

EMBEDDING(float, f32)
EMBEDDING(double, f64)

int64_t embedding_find_bad(const int64_t *idx, int64_t n, int64_t V) {
  for (int64_t i = 0; i < n; i++)
    if (idx[i] < 1 || idx[i] > V) return i;
  return -1;
}
