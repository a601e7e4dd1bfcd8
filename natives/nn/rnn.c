/*
 * rnn.c: LSTM and GRU layers (one layer, one direction), forward and
 * backpropagation through time, float32 and float64; rnn.h has the
 * contracts, the equations and the plan.
 *
 * Structure: the per-row gate loops (cell_*) are small static functions,
 * one per dtype, vectorised with `omp simd` (float32 uses the polynomial
 * exp below; float64 uses libm).  The orchestration (products, the loop
 * over steps, chunks of the batch over OpenMP threads) is written once as
 * a macro over the element type, as dense.c does.  Every product is a
 * linalg_gemm call.  The _ref twins at the end are plain loops.
 *
 * What it is not: no argument checking (rnn_lua.c), no allocation (the
 * caller owns cache and scratch), no dropout, no bidirectional layers.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "../tensor/linalg.h"
#include "rnn.h"

/* Column sums accumulate in double, DB_CHUNK columns at a time. */
#define DB_CHUNK 256

/* The gate loops are compiled twice, for AVX2 and for the baseline
 * (SSE2), and the loader picks one (GCC's target_clones, an ifunc).  Both
 * do the same IEEE operations in the same order (no FMA: ISO C mode keeps
 * -ffp-contract=off, and the avx2 target does not include fma), so the
 * choice changes speed, not bits. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define VEC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VEC_CLONES
#endif

/* ---------------------------------------------------------------------
 * float32 exp, sigmoid, tanh (branch-free, so a loop of them vectorises)
 * --------------------------------------------------------------------- */

/* c ? a : b as bit operations: the compiler would turn a ternary into a
 * branch that stops the loop from vectorising (without -fno-trapping-math,
 * which credo does not use). */
static inline float select_f32(int c, float a, float b) {
  int32_t ia, ib, m = -(int32_t)(c != 0);
  memcpy(&ia, &a, sizeof ia);
  memcpy(&ib, &b, sizeof ib);
  int32_t r = (m & ia) | (~m & ib);
  float f;
  memcpy(&f, &r, sizeof f);
  return f;
}

/* e^x: x = k ln2 + r (Cody-Waite, ln2 split in two), e^r by Cephes expf's
 * polynomial, 2^k built in the exponent bits.  k is rounded to nearest by
 * the 1.5 * 2^23 trick (no fast-math: the compiler keeps the two adds). */
static inline float exp_f32(float x) {
  x = select_f32(x < -87.3f, -87.3f, x);
  x = select_f32(x > 88.3f, 88.3f, x);
  float kx = select_f32(x == x, x, 0.0f); /* NaN: k = 0, the result NaN */
  float k = (kx * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - k * 0.693359375f;
  r = r - k * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  uint32_t bits = (uint32_t)((int32_t)k + 127) << 23; /* k in -126..127 */
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

static inline float sigmoid_f32(float x) {
  return 1.0f / (1.0f + exp_f32(-x));
}

/* Taylor series of tanh through x^15 below 0.5 (truncation < 1e-8
 * relative there), (e - 1) / (e + 1) with e = e^(2|x|) above. */
static inline float tanh_f32(float x) {
  float a = fabsf(x);
  float a2 = a * a;
  float p = 929569.0f / 638512875.0f;
  p = p * a2 - 21844.0f / 6081075.0f;
  p = p * a2 + 1382.0f / 155925.0f;
  p = p * a2 - 62.0f / 2835.0f;
  p = p * a2 + 17.0f / 315.0f;
  p = p * a2 - 2.0f / 15.0f;
  p = p * a2 + 1.0f / 3.0f;
  float small = a - a * a2 * p;
  float e = exp_f32(2.0f * a);
  float big = (e - 1.0f) / (e + 1.0f);
  return copysignf(select_f32(a < 0.5f, small, big), x);
}

static inline double sigmoid_f64(double x) { return 1.0 / (1.0 + exp(-x)); }
static inline double tanh_f64(double x) { return tanh(x); }

VEC_CLONES void rnn_exp_f32(float *out, const float *inp, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) out[i] = exp_f32(inp[i]);
}

VEC_CLONES void rnn_sigmoid_f32(float *out, const float *inp, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) out[i] = sigmoid_f32(inp[i]);
}

VEC_CLONES void rnn_tanh_f32(float *out, const float *inp, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) out[i] = tanh_f32(inp[i]);
}

/* ---------------------------------------------------------------------
 * Per-row gate loops (one row of the batch at one step)
 * --------------------------------------------------------------------- */

/* LSTM step: g (4H) holds the pre-activations and receives i, f, g, o;
 * cp (H) = c_{t-1}; writes c_t to cn, tanh(c_t) to tc, h_t to out and hn. */
#define CELL_LSTM_FORWARD(T, SFX)                                             \
  VEC_CLONES static void cell_lstm_forward_##SFX(T *restrict g, T *restrict hn,          \
                                      T *restrict cn, T *restrict tc,         \
                                      T *restrict out,                        \
                                      const T *restrict cp, int64_t H) {      \
    _Pragma("omp simd")                                                       \
    for (int64_t j = 0; j < H; j++) {                                         \
      T i = sigmoid_##SFX(g[j]), f = sigmoid_##SFX(g[H + j]);                 \
      T gg = tanh_##SFX(g[2 * H + j]), o = sigmoid_##SFX(g[3 * H + j]);       \
      T c = f * cp[j] + i * gg;                                               \
      T t = tanh_##SFX(c);                                                    \
      T h = o * t;                                                            \
      g[j] = i, g[H + j] = f, g[2 * H + j] = gg, g[3 * H + j] = o;            \
      cn[j] = c, tc[j] = t, out[j] = h, hn[j] = h;                            \
    }                                                                         \
  }

/* LSTM step backward: dh, dc (H) hold the gradients reaching h_t and c_t
 * (from step t+1 and the output; dc becomes dc_{t-1}); writes the
 * pre-activation gradients into dp (4H). */
#define CELL_LSTM_BACKWARD(T, SFX)                                            \
  VEC_CLONES static void cell_lstm_backward_##SFX(T *restrict dp, const T *restrict dh,  \
                                       T *restrict dc,                        \
                                       const T *restrict g,                   \
                                       const T *restrict cp,                  \
                                       const T *restrict tc, int64_t H) {     \
    _Pragma("omp simd")                                                       \
    for (int64_t j = 0; j < H; j++) {                                         \
      T dht = dh[j];                                                          \
      T i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];          \
      T t = tc[j];                                                            \
      T dct = dc[j] + dht * o * (1 - t * t);                                  \
      dp[j] = dct * gg * i * (1 - i);                                         \
      dp[H + j] = dct * cp[j] * f * (1 - f);                                  \
      dp[2 * H + j] = dct * i * (1 - gg * gg);                                \
      dp[3 * H + j] = dht * t * o * (1 - o);                                  \
      dc[j] = dct * f;                                                        \
    }                                                                         \
  }

/* GRU step: gi (3H) holds x W_ih^T + b_ih and receives r, z, n; gh (3H) is
 * h_{t-1} W_hh^T + b_hh; hp (H) = h_{t-1}; writes h_t to out and hn. */
#define CELL_GRU_FORWARD(T, SFX)                                              \
  VEC_CLONES static void cell_gru_forward_##SFX(T *restrict gi, T *restrict hn,          \
                                     T *restrict out, const T *restrict gh,   \
                                     const T *restrict hp, int64_t H) {       \
    _Pragma("omp simd")                                                       \
    for (int64_t j = 0; j < H; j++) {                                         \
      T r = sigmoid_##SFX(gi[j] + gh[j]);                                     \
      T z = sigmoid_##SFX(gi[H + j] + gh[H + j]);                             \
      T n = tanh_##SFX(gi[2 * H + j] + r * gh[2 * H + j]);                    \
      T h = n + z * (hp[j] - n);                                              \
      gi[j] = r, gi[H + j] = z, gi[2 * H + j] = n;                            \
      out[j] = h, hn[j] = h;                                                  \
    }                                                                         \
  }

/* GRU step backward: dh (H) holds the gradient reaching h_t and receives
 * the direct part of dh_{t-1} (z * dh); writes the input-side and
 * hidden-side pre-activation gradients into dgi and dgh (3H each). */
#define CELL_GRU_BACKWARD(T, SFX)                                             \
  VEC_CLONES static void cell_gru_backward_##SFX(T *restrict dgi, T *restrict dgh,       \
                                      T *restrict dh,                         \
                                      const T *restrict g,                    \
                                      const T *restrict gh,                   \
                                      const T *restrict hp, int64_t H) {      \
    _Pragma("omp simd")                                                       \
    for (int64_t j = 0; j < H; j++) {                                         \
      T dht = dh[j];                                                          \
      T r = g[j], z = g[H + j], n = g[2 * H + j];                             \
      T dan = dht * (1 - z) * (1 - n * n);                                    \
      T dar = dan * gh[2 * H + j] * r * (1 - r);                              \
      T daz = dht * (hp[j] - n) * z * (1 - z);                                \
      dgi[j] = dar, dgi[H + j] = daz, dgi[2 * H + j] = dan;                   \
      dgh[j] = dar, dgh[H + j] = daz, dgh[2 * H + j] = dan * r;               \
      dh[j] = dht * z;                                                        \
    }                                                                         \
  }

CELL_LSTM_FORWARD(float, f32)
CELL_LSTM_FORWARD(double, f64)
CELL_LSTM_BACKWARD(float, f32)
CELL_LSTM_BACKWARD(double, f64)
CELL_GRU_FORWARD(float, f32)
CELL_GRU_FORWARD(double, f64)
CELL_GRU_BACKWARD(float, f32)
CELL_GRU_BACKWARD(double, f64)

/* ---------------------------------------------------------------------
 * Sizes and threads
 * --------------------------------------------------------------------- */

static int64_t n_chunks(int64_t B) {
  return (B + RNN_CHUNK_ROWS - 1) / RNN_CHUNK_ROWS;
}

/* Elements of one chunk's weight-gradient partials: (G,I) + (G,H) + the
 * bias sums (one G vector for the LSTM, whose two biases get the same
 * gradient; two for the GRU). */
static int64_t partial_numel(int64_t G, int64_t I, int64_t H, int nbias) {
  return G * I + G * H + nbias * G;
}

/* Partials are kept only when there are several chunks (one chunk adds
 * straight into the gradients). */
static int64_t partials_numel(int64_t B, int64_t G, int64_t I, int64_t H,
                              int nbias) {
  int64_t nc = n_chunks(B);
  return nc > 1 ? nc * partial_numel(G, I, H, nbias) : 0;
}

int64_t lstm_cache_numel(int64_t B, int64_t T, int64_t H) {
  return 7 * B * T * H;
}
int64_t lstm_scratch_numel(int64_t B, int64_t T, int64_t I, int64_t H) {
  return 4 * B * T * H + 2 * B * H + partials_numel(B, 4 * H, I, H, 1);
}
int64_t gru_cache_numel(int64_t B, int64_t T, int64_t H) {
  return 7 * B * T * H;
}
int64_t gru_scratch_numel(int64_t B, int64_t T, int64_t I, int64_t H) {
  return 6 * B * T * H + B * H + partials_numel(B, 3 * H, I, H, 2);
}

/* Threads for `items` independent pieces of work. */
static int n_threads(int64_t items) {
  int nt = credo_threads_get();
  if (nt < 1) nt = 1;
  if (nt > items) nt = (int)(items > 0 ? items : 1);
  return nt;
}

/* linalg_gemm keeps OpenBLAS single-threaded, except when it is called
 * inside a parallel region (it then leaves OpenBLAS alone): so before our
 * own parallel regions OpenBLAS is set to one thread here, as linalg.c's
 * blas_serial does.  Otherwise OpenBLAS would start its own threads under
 * ours and change bits with the thread count. */
int openblas_get_num_threads(void); /* OpenBLAS (cblas.h would bring    */
void openblas_set_num_threads(int);  /* complex.h's macro I along)      */
static void blas_serial(void) {
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

/* ---------------------------------------------------------------------
 * Orchestration, written once per element type
 * --------------------------------------------------------------------- */

/* d (n) += s (n) */
#define ADD_TO(T, SFX)                                                        \
  static void add_to_##SFX(T *restrict d, const T *restrict s, int64_t n) {   \
    for (int64_t j = 0; j < n; j++) d[j] += s[j];                             \
  }

/* Fill n rows of width G (row stride ld) with b1 + b2 (either may be
 * NULL): the first row is computed, the others copied from it. */
#define FILL_BIAS(T, SFX)                                                     \
  static void fill_bias_##SFX(T *dst, const T *b1, const T *b2, int64_t n,    \
                              int64_t G, int64_t ld) {                        \
    if (n <= 0) return;                                                       \
    for (int64_t j = 0; j < G; j++)                                           \
      dst[j] = (b1 ? b1[j] : 0) + (b2 ? b2[j] : 0);                           \
    for (int64_t q = 1; q < n; q++)                                           \
      memcpy(dst + q * ld, dst, (size_t)G * sizeof(T));                       \
  }

/* g (n, G) = b1 + b2 + x (n, I) @ w^T (w is (G, I); b1, b2 (G) or NULL):
 * the input projection of every step.  One GEMM, except for a few input
 * features (I <= SMALL_INPUT, e.g. a univariate series): there a GEMM with
 * K = I is mostly packing and a read-modify-write of g, so the products
 * are summed in the pass that writes g (row 0 holds the bias sum, read by
 * every row; rows go backwards so that row 0 is overwritten last). */
#define SMALL_INPUT 4
#define INPUT_PROJECTION(T, SFX)                                              \
  static void input_projection_##SFX(T *g, const T *x, const T *w,            \
                                     const T *b1, const T *b2, int64_t n,     \
                                     int64_t G, int64_t I) {                  \
    if (n <= 0) return;                                                       \
    if (I > SMALL_INPUT) {                                                    \
      int bias = b1 || b2;                                                    \
      if (bias) fill_bias_##SFX(g, b1, b2, n, G, G);                          \
      linalg_gemm_##SFX(g, x, w, 0, 1, (int)n, (int)G, (int)I, (int)I,        \
                        (int)I, (int)G, 1, bias ? 1 : 0);                     \
      return;                                                                 \
    }                                                                         \
    fill_bias_##SFX(g, b1, b2, 1, G, G);                                      \
    for (int64_t q = n - 1; q >= 0; q--) {                                    \
      T *row = g + q * G;                                                     \
      const T *xq = x + q * I;                                                \
      if (I == 1) {                                                           \
        T x0 = xq[0];                                                         \
        _Pragma("omp simd")                                                   \
        for (int64_t j = 0; j < G; j++) row[j] = g[j] + w[j] * x0;            \
      } else {                                                                \
        _Pragma("omp simd")                                                   \
        for (int64_t j = 0; j < G; j++) {                                     \
          T s = g[j];                                                         \
          for (int64_t i = 0; i < I; i++) s += w[j * I + i] * xq[i];          \
          row[j] = s;                                                         \
        }                                                                     \
      }                                                                       \
    }                                                                         \
  }

/* Column sums of d (N, ld) over columns c0 .. c0+n, in double, rows in
 * order, added into db1 (n) and, when not NULL, into db2 (n). */
#define COLSUM(T, SFX)                                                        \
  static void colsum_add_##SFX(T *db1, T *db2, const T *d, int64_t N,         \
                               int64_t ld, int64_t c0, int64_t n) {           \
    double acc[DB_CHUNK];                                                     \
    for (int64_t j0 = 0; j0 < n; j0 += DB_CHUNK) {                            \
      int64_t m = n - j0 < DB_CHUNK ? n - j0 : DB_CHUNK;                      \
      for (int64_t j = 0; j < m; j++) acc[j] = 0;                             \
      for (int64_t q = 0; q < N; q++) {                                       \
        const T *row = d + q * ld + c0 + j0;                                  \
        _Pragma("omp simd")                                                   \
        for (int64_t j = 0; j < m; j++) acc[j] += row[j];                     \
      }                                                                       \
      for (int64_t j = 0; j < m; j++) db1[j0 + j] += (T)acc[j];               \
      if (db2)                                                                \
        for (int64_t j = 0; j < m; j++) db2[j0 + j] += (T)acc[j];             \
    }                                                                         \
  }

/* Where one chunk's weight gradients go: straight into the gradients
 * (beta 1) when the batch is one chunk, else into the chunk's partials in
 * scratch (beta 0), summed by reduce_partials after all chunks. */
#define WGRAD_TARGETS(T, SFX)                                                 \
  typedef struct {                                                            \
    T *w_ih, *w_hh, *b_ih, *b_hh;                                             \
    T beta;                                                                   \
  } Targets_##SFX;                                                            \
  static Targets_##SFX wgrad_targets_##SFX(                                   \
      T *dw_ih, T *dw_hh, T *db_ih, T *db_hh, T *parts, int64_t ck,           \
      int64_t nc, int64_t G, int64_t I, int64_t H, int nbias) {               \
    Targets_##SFX tg;                                                         \
    if (nc == 1) {                                                            \
      tg.w_ih = dw_ih, tg.w_hh = dw_hh, tg.b_ih = db_ih, tg.b_hh = db_hh;     \
      tg.beta = 1;                                                            \
      return tg;                                                              \
    }                                                                         \
    T *p = parts + ck * partial_numel(G, I, H, nbias);                        \
    tg.w_ih = dw_ih ? p : NULL;                                               \
    tg.w_hh = dw_hh ? p + G * I : NULL;                                       \
    tg.b_ih = (db_ih || (nbias == 1 && db_hh)) ? p + G * I + G * H : NULL;    \
    tg.b_hh = nbias == 2 && db_hh ? p + G * I + G * H + G : NULL;             \
    tg.beta = 0;                                                              \
    if (tg.b_ih) memset(tg.b_ih, 0, (size_t)G * sizeof(T));                   \
    if (tg.b_hh) memset(tg.b_hh, 0, (size_t)G * sizeof(T));                   \
    return tg;                                                                \
  }

/* One chunk's weight gradients over its N = rows*T rows:
 *   w_ih (G,I) = beta w_ih + dgi^T @ x,  w_hh (G,H) = beta w_hh + dgh^T @
 *   hprev,  b_ih += column sums of dgi,  b_hh += those of dgh;
 * dgi, dgh (N,G), x (N,I), hprev (N,H).  With shared (the LSTM, dgi ==
 * dgh) one set of sums goes to b_ih and, when given, b_hh. */
#define CHUNK_WGRADS(T, SFX)                                                  \
  static void chunk_wgrads_##SFX(const Targets_##SFX *tg, const T *dgi,       \
                                 const T *dgh, const T *x, const T *hprev,    \
                                 int64_t N, int64_t G, int64_t I, int64_t H,  \
                                 int shared) {                                \
    if (tg->w_hh)                                                             \
      linalg_gemm_##SFX(tg->w_hh, dgh, hprev, 1, 0, (int)G, (int)H, (int)N,   \
                        (int)G, (int)H, (int)H, 1, tg->beta);                 \
    if (tg->w_ih)                                                             \
      linalg_gemm_##SFX(tg->w_ih, dgi, x, 1, 0, (int)G, (int)I, (int)N,       \
                        (int)G, (int)I, (int)I, 1, tg->beta);                 \
    if (shared) {                                                             \
      if (tg->b_ih) colsum_add_##SFX(tg->b_ih, tg->b_hh, dgi, N, G, 0, G);    \
      else if (tg->b_hh) colsum_add_##SFX(tg->b_hh, NULL, dgi, N, G, 0, G);   \
    } else {                                                                  \
      if (tg->b_ih) colsum_add_##SFX(tg->b_ih, NULL, dgi, N, G, 0, G);        \
      if (tg->b_hh) colsum_add_##SFX(tg->b_hh, NULL, dgh, N, G, 0, G);        \
    }                                                                         \
  }

/* dst (n) += sum over chunks k = 0..nc-1 of parts[k*stride .. +n], in
 * double, chunks in order. */
#define REDUCE_PARTIALS(T, SFX)                                               \
  static void reduce_partials_##SFX(T *dst, const T *parts, int64_t stride,   \
                                    int64_t nc, int64_t n) {                  \
    double acc[DB_CHUNK];                                                     \
    for (int64_t j0 = 0; j0 < n; j0 += DB_CHUNK) {                            \
      int64_t m = n - j0 < DB_CHUNK ? n - j0 : DB_CHUNK;                      \
      for (int64_t j = 0; j < m; j++) acc[j] = 0;                             \
      for (int64_t k = 0; k < nc; k++) {                                      \
        const T *src = parts + k * stride + j0;                               \
        _Pragma("omp simd")                                                   \
        for (int64_t j = 0; j < m; j++) acc[j] += src[j];                     \
      }                                                                       \
      for (int64_t j = 0; j < m; j++) dst[j0 + j] += (T)acc[j];               \
    }                                                                         \
  }                                                                           \
  /* All partials of a backward into the gradients (nc > 1). */              \
  static void reduce_wgrads_##SFX(T *dw_ih, T *dw_hh, T *db_ih, T *db_hh,     \
                                  const T *parts, int64_t nc, int64_t G,      \
                                  int64_t I, int64_t H, int nbias) {          \
    int64_t st = partial_numel(G, I, H, nbias);                               \
    const T *pb = parts + G * I + G * H;                                      \
    if (dw_ih) reduce_partials_##SFX(dw_ih, parts, st, nc, G * I);            \
    if (dw_hh) reduce_partials_##SFX(dw_hh, parts + G * I, st, nc, G * H);    \
    if (db_ih) reduce_partials_##SFX(db_ih, pb, st, nc, G);                   \
    if (db_hh)                                                                \
      reduce_partials_##SFX(db_hh, nbias == 2 ? pb + G : pb, st, nc, G);      \
  }

/* Rows r0..r1 of the batch through the whole LSTM forward. */
#define LSTM_CHUNK_FORWARD(T, SFX)                                            \
  static void lstm_chunk_forward_##SFX(                                       \
      T *out, T *hn, T *cn, T *cache, const T *x, const T *h0, const T *c0,   \
      const T *w_ih, const T *w_hh, const T *b_ih, const T *b_hh, int64_t B,  \
      int64_t Tn, int64_t I, int64_t H, int64_t r0, int64_t r1) {             \
    int64_t G = 4 * H, rows = r1 - r0, BT = B * Tn;                           \
    T *gates = cache, *cprev = cache + BT * G, *tanhc = cprev + BT * H;       \
    T *hprev = tanhc + BT * H;                                                \
    /* gates (rows*T, 4H) = b_ih + b_hh + x @ W_ih^T, all steps at once */    \
    input_projection_##SFX(gates + r0 * Tn * G, x + r0 * Tn * I, w_ih, b_ih,  \
                           b_hh, rows * Tn, G, I);                            \
    for (int64_t b = r0; b < r1; b++) {                                       \
      T *hp = hprev + b * Tn * H, *cp = cprev + b * Tn * H;                   \
      if (h0) memcpy(hp, h0 + b * H, H * sizeof(T));                          \
      else memset(hp, 0, H * sizeof(T));                                      \
      if (c0) memcpy(cp, c0 + b * H, H * sizeof(T));                          \
      else memset(cp, 0, H * sizeof(T));                                      \
    }                                                                         \
    for (int64_t t = 0; t < Tn; t++) {                                        \
      if (credo_interrupted) return;                                          \
      /* gates_t (rows, 4H) += h_{t-1} @ W_hh^T */                            \
      if (t > 0 || h0)                                                        \
        linalg_gemm_##SFX(gates + (r0 * Tn + t) * G,                          \
                          hprev + (r0 * Tn + t) * H, w_hh, 0, 1, (int)rows,   \
                          (int)G, (int)H, (int)(Tn * H), (int)H,              \
                          (int)(Tn * G), 1, 1);                               \
      for (int64_t b = r0; b < r1; b++) {                                     \
        int64_t q = b * Tn + t;                                               \
        int last = t + 1 == Tn;                                               \
        cell_lstm_forward_##SFX(gates + q * G,                                \
                                last ? hn + b * H : hprev + (q + 1) * H,      \
                                last ? cn + b * H : cprev + (q + 1) * H,      \
                                tanhc + q * H, out + q * H, cprev + q * H,    \
                                H);                                           \
      }                                                                       \
    }                                                                         \
  }

/* Rows r0..r1 (chunk ck of nc) through the LSTM recurrence backward:
 * fills their rows of the pre-activation gradients dp (B,T,4H), adds into
 * dx, dh0, dc0, and forms the chunk's weight gradients (wgrad_targets). */
#define LSTM_CHUNK_BACKWARD(T, SFX)                                           \
  static void lstm_chunk_backward_##SFX(                                      \
      T *dx, T *dh0, T *dc0, T *dw_ih, T *dw_hh, T *db_ih, T *db_hh,          \
      T *scratch, const T *dout, const T *dhn, const T *dcn, const T *x,      \
      const T *cache, const T *w_ih, const T *w_hh, int64_t B, int64_t Tn,    \
      int64_t I, int64_t H, int64_t r0, int64_t r1, int64_t ck, int64_t nc) { \
    int64_t G = 4 * H, rows = r1 - r0, BT = B * Tn;                           \
    const T *gates = cache, *cprev = cache + BT * G, *tanhc = cprev + BT * H; \
    T *dp = scratch, *dh = scratch + BT * G, *dc = dh + B * H;                \
    for (int64_t b = r0; b < r1; b++) {                                       \
      if (dhn) memcpy(dh + b * H, dhn + b * H, H * sizeof(T));                \
      else memset(dh + b * H, 0, H * sizeof(T));                              \
      if (dcn) memcpy(dc + b * H, dcn + b * H, H * sizeof(T));                \
      else memset(dc + b * H, 0, H * sizeof(T));                              \
    }                                                                         \
    for (int64_t t = Tn - 1; t >= 0; t--) {                                   \
      if (credo_interrupted) return;                                          \
      for (int64_t b = r0; b < r1; b++) {                                     \
        int64_t q = b * Tn + t;                                               \
        if (dout) add_to_##SFX(dh + b * H, dout + q * H, H);                  \
        cell_lstm_backward_##SFX(dp + q * G, dh + b * H, dc + b * H,          \
                                 gates + q * G, cprev + q * H, tanhc + q * H, \
                                 H);                                          \
      }                                                                       \
      /* dh_{t-1} (rows, H) = dp_t @ W_hh */                                  \
      if (t > 0 || dh0)                                                       \
        linalg_gemm_##SFX(dh + r0 * H, dp + (r0 * Tn + t) * G, w_hh, 0, 0,    \
                          (int)rows, (int)H, (int)G, (int)(Tn * G), (int)H,   \
                          (int)H, 1, 0);                                      \
    }                                                                         \
    for (int64_t b = r0; b < r1; b++)                                         \
      for (int64_t j = 0; j < H; j++) {                                       \
        if (dh0) dh0[b * H + j] += dh[b * H + j];                             \
        if (dc0) dc0[b * H + j] += dc[b * H + j];                             \
      }                                                                       \
    /* dx (rows*T, I) += dp (rows*T, 4H) @ W_ih */                            \
    if (dx)                                                                   \
      linalg_gemm_##SFX(dx + r0 * Tn * I, dp + r0 * Tn * G, w_ih, 0, 0,       \
                        (int)(rows * Tn), (int)I, (int)G, (int)G, (int)I,     \
                        (int)I, 1, 1);                                        \
    /* this chunk's share of dW_ih, dW_hh and the bias sums */                \
    Targets_##SFX tg = wgrad_targets_##SFX(dw_ih, dw_hh, db_ih, db_hh,        \
                                           dc + B * H, ck, nc, G, I, H, 1);   \
    const T *hprev = cache + BT * G + 2 * BT * H;                             \
    chunk_wgrads_##SFX(&tg, dp + r0 * Tn * G, dp + r0 * Tn * G,               \
                       x + r0 * Tn * I, hprev + r0 * Tn * H, rows * Tn, G, I, \
                       H, 1);                                                 \
  }

#define GRU_CHUNK_FORWARD(T, SFX)                                             \
  static void gru_chunk_forward_##SFX(                                        \
      T *out, T *hn, T *cache, const T *x, const T *h0, const T *w_ih,        \
      const T *w_hh, const T *b_ih, const T *b_hh, int64_t B, int64_t Tn,     \
      int64_t I, int64_t H, int64_t r0, int64_t r1) {                         \
    int64_t G = 3 * H, rows = r1 - r0, BT = B * Tn;                           \
    T *gates = cache, *hproj = cache + BT * G, *hprev = hproj + BT * G;       \
    /* gates (rows*T, 3H) = b_ih + x @ W_ih^T, all steps at once */           \
    input_projection_##SFX(gates + r0 * Tn * G, x + r0 * Tn * I, w_ih, b_ih,  \
                           NULL, rows * Tn, G, I);                            \
    for (int64_t b = r0; b < r1; b++) {                                       \
      if (h0) memcpy(hprev + b * Tn * H, h0 + b * H, H * sizeof(T));          \
      else memset(hprev + b * Tn * H, 0, H * sizeof(T));                      \
    }                                                                         \
    for (int64_t t = 0; t < Tn; t++) {                                        \
      if (credo_interrupted) return;                                          \
      T *hpt = hproj + (r0 * Tn + t) * G;                                     \
      /* hproj_t (rows, 3H) = b_hh + h_{t-1} @ W_hh^T */                      \
      fill_bias_##SFX(hpt, b_hh, NULL, rows, G, Tn * G);                      \
      if (t > 0 || h0)                                                        \
        linalg_gemm_##SFX(hpt, hprev + (r0 * Tn + t) * H, w_hh, 0, 1,         \
                          (int)rows, (int)G, (int)H, (int)(Tn * H), (int)H,   \
                          (int)(Tn * G), 1, 1);                               \
      for (int64_t b = r0; b < r1; b++) {                                     \
        int64_t q = b * Tn + t;                                               \
        int last = t + 1 == Tn;                                               \
        cell_gru_forward_##SFX(gates + q * G,                                 \
                               last ? hn + b * H : hprev + (q + 1) * H,       \
                               out + q * H, hproj + q * G, hprev + q * H, H); \
      }                                                                       \
    }                                                                         \
  }

#define GRU_CHUNK_BACKWARD(T, SFX)                                            \
  static void gru_chunk_backward_##SFX(                                       \
      T *dx, T *dh0, T *dw_ih, T *dw_hh, T *db_ih, T *db_hh, T *scratch,      \
      const T *dout, const T *dhn, const T *x, const T *cache,                \
      const T *w_ih, const T *w_hh, int64_t B, int64_t Tn, int64_t I,         \
      int64_t H, int64_t r0, int64_t r1, int64_t ck, int64_t nc) {            \
    int64_t G = 3 * H, rows = r1 - r0, BT = B * Tn;                           \
    const T *gates = cache, *hproj = cache + BT * G, *hprev = hproj + BT * G; \
    T *dgi = scratch, *dgh = scratch + BT * G, *dh = dgh + BT * G;            \
    for (int64_t b = r0; b < r1; b++) {                                       \
      if (dhn) memcpy(dh + b * H, dhn + b * H, H * sizeof(T));                \
      else memset(dh + b * H, 0, H * sizeof(T));                              \
    }                                                                         \
    for (int64_t t = Tn - 1; t >= 0; t--) {                                   \
      if (credo_interrupted) return;                                          \
      for (int64_t b = r0; b < r1; b++) {                                     \
        int64_t q = b * Tn + t;                                               \
        if (dout) add_to_##SFX(dh + b * H, dout + q * H, H);                  \
        cell_gru_backward_##SFX(dgi + q * G, dgh + q * G, dh + b * H,         \
                                gates + q * G, hproj + q * G, hprev + q * H,  \
                                H);                                           \
      }                                                                       \
      /* dh_{t-1} (rows, H) += dgh_t @ W_hh */                                \
      if (t > 0 || dh0)                                                       \
        linalg_gemm_##SFX(dh + r0 * H, dgh + (r0 * Tn + t) * G, w_hh, 0, 0,   \
                          (int)rows, (int)H, (int)G, (int)(Tn * G), (int)H,   \
                          (int)H, 1, 1);                                      \
    }                                                                         \
    if (dh0)                                                                  \
      for (int64_t b = r0; b < r1; b++)                                       \
        for (int64_t j = 0; j < H; j++) dh0[b * H + j] += dh[b * H + j];      \
    /* dx (rows*T, I) += dgi (rows*T, 3H) @ W_ih */                           \
    if (dx)                                                                   \
      linalg_gemm_##SFX(dx + r0 * Tn * I, dgi + r0 * Tn * G, w_ih, 0, 0,      \
                        (int)(rows * Tn), (int)I, (int)G, (int)G, (int)I,     \
                        (int)I, 1, 1);                                        \
    Targets_##SFX tg = wgrad_targets_##SFX(dw_ih, dw_hh, db_ih, db_hh,        \
                                           dh + B * H, ck, nc, G, I, H, 2);   \
    chunk_wgrads_##SFX(&tg, dgi + r0 * Tn * G, dgh + r0 * Tn * G,             \
                       x + r0 * Tn * I, hprev + r0 * Tn * H, rows * Tn, G, I, \
                       H, 0);                                                 \
  }

/* Run CALL (which uses r0, r1, the chunk ck and the count nc) for every
 * chunk of the batch, on up to credo_threads_get() threads. */
#define FOR_CHUNKS(B, CALL)                                                   \
  do {                                                                        \
    int64_t nc = n_chunks(B);                                                 \
    int nt_ = n_threads(nc);                                                  \
    blas_serial();                                                            \
    _Pragma("omp parallel for num_threads(nt_) schedule(static, 1) if(nt_ > 1)") \
    for (int64_t ck = 0; ck < nc; ck++) {                                     \
      int64_t r0 = ck * RNN_CHUNK_ROWS;                                       \
      int64_t r1 = r0 + RNN_CHUNK_ROWS < (B) ? r0 + RNN_CHUNK_ROWS : (B);     \
      CALL;                                                                   \
    }                                                                         \
  } while (0)

#define RNN_PUBLIC(T, SFX)                                                    \
  credo_status lstm_forward_##SFX(                                            \
      T *out, T *hn, T *cn, T *cache, const T *x, const T *h0, const T *c0,   \
      const T *w_ih, const T *w_hh, const T *b_ih, const T *b_hh, int64_t B,  \
      int64_t Tn, int64_t I, int64_t H) {                                     \
    assert(Tn >= 1 && I >= 1 && H >= 1 && B >= 0);                            \
    FOR_CHUNKS(B, lstm_chunk_forward_##SFX(out, hn, cn, cache, x, h0, c0,     \
                                           w_ih, w_hh, b_ih, b_hh, B, Tn, I,  \
                                           H, r0, r1));                       \
    return credo_interrupted ? CREDO_EINTR : CREDO_OK;                        \
  }                                                                           \
  credo_status lstm_backward_##SFX(                                           \
      T *dx, T *dh0, T *dc0, T *dw_ih, T *dw_hh, T *db_ih, T *db_hh,          \
      T *scratch, const T *dout, const T *dhn, const T *dcn, const T *x,      \
      const T *cache, const T *w_ih, const T *w_hh, int64_t B, int64_t Tn,    \
      int64_t I, int64_t H) {                                                 \
    assert(Tn >= 1 && I >= 1 && H >= 1 && B >= 0);                            \
    if (B == 0) return CREDO_OK;                                              \
    FOR_CHUNKS(B, lstm_chunk_backward_##SFX(                                  \
                      dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, scratch,      \
                      dout, dhn, dcn, x, cache, w_ih, w_hh, B, Tn, I, H, r0,  \
                      r1, ck, nc));                                           \
    if (credo_interrupted) return CREDO_EINTR;                                \
    int64_t nc = n_chunks(B);                                                 \
    if (nc > 1)                                                               \
      reduce_wgrads_##SFX(dw_ih, dw_hh, db_ih, db_hh,                         \
                          scratch + 4 * B * Tn * H + 2 * B * H, nc, 4 * H, I, \
                          H, 1);                                              \
    return CREDO_OK;                                                          \
  }                                                                           \
  credo_status gru_forward_##SFX(T *out, T *hn, T *cache, const T *x,         \
                                 const T *h0, const T *w_ih, const T *w_hh,   \
                                 const T *b_ih, const T *b_hh, int64_t B,     \
                                 int64_t Tn, int64_t I, int64_t H) {          \
    assert(Tn >= 1 && I >= 1 && H >= 1 && B >= 0);                            \
    FOR_CHUNKS(B, gru_chunk_forward_##SFX(out, hn, cache, x, h0, w_ih, w_hh,  \
                                          b_ih, b_hh, B, Tn, I, H, r0, r1));  \
    return credo_interrupted ? CREDO_EINTR : CREDO_OK;                        \
  }                                                                           \
  credo_status gru_backward_##SFX(                                            \
      T *dx, T *dh0, T *dw_ih, T *dw_hh, T *db_ih, T *db_hh, T *scratch,      \
      const T *dout, const T *dhn, const T *x, const T *cache,                \
      const T *w_ih, const T *w_hh, int64_t B, int64_t Tn, int64_t I,         \
      int64_t H) {                                                            \
    assert(Tn >= 1 && I >= 1 && H >= 1 && B >= 0);                            \
    if (B == 0) return CREDO_OK;                                              \
    FOR_CHUNKS(B, gru_chunk_backward_##SFX(                                   \
                      dx, dh0, dw_ih, dw_hh, db_ih, db_hh, scratch, dout,     \
                      dhn, x, cache, w_ih, w_hh, B, Tn, I, H, r0, r1, ck,     \
                      nc));                                                   \
    if (credo_interrupted) return CREDO_EINTR;                                \
    int64_t nc = n_chunks(B);                                                 \
    if (nc > 1)                                                               \
      reduce_wgrads_##SFX(dw_ih, dw_hh, db_ih, db_hh,                         \
                          scratch + 6 * B * Tn * H + B * H, nc, 3 * H, I, H,  \
                          2);                                                 \
    return CREDO_OK;                                                          \
  }

ADD_TO(float, f32)
ADD_TO(double, f64)
FILL_BIAS(float, f32)
FILL_BIAS(double, f64)
COLSUM(float, f32)
COLSUM(double, f64)
INPUT_PROJECTION(float, f32)
INPUT_PROJECTION(double, f64)
WGRAD_TARGETS(float, f32)
WGRAD_TARGETS(double, f64)
CHUNK_WGRADS(float, f32)
CHUNK_WGRADS(double, f64)
REDUCE_PARTIALS(float, f32)
REDUCE_PARTIALS(double, f64)
LSTM_CHUNK_FORWARD(float, f32)
LSTM_CHUNK_FORWARD(double, f64)
LSTM_CHUNK_BACKWARD(float, f32)
LSTM_CHUNK_BACKWARD(double, f64)
GRU_CHUNK_FORWARD(float, f32)
GRU_CHUNK_FORWARD(double, f64)
GRU_CHUNK_BACKWARD(float, f32)
GRU_CHUNK_BACKWARD(double, f64)
RNN_PUBLIC(float, f32)
RNN_PUBLIC(double, f64)

/* ---------------------------------------------------------------------
 * Reference twins: plain loops, double, libm; same cache layout
 * --------------------------------------------------------------------- */

static double ref_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* pre (G) = b_ih + b_hh + W_ih x + W_hh h (b's may be NULL). */
static void ref_affine(double *pre, const double *x, const double *h,
                       const double *w_ih, const double *w_hh,
                       const double *b_ih, const double *b_hh, int64_t G,
                       int64_t I, int64_t H) {
  for (int64_t k = 0; k < G; k++) {
    double s = (b_ih ? b_ih[k] : 0) + (b_hh ? b_hh[k] : 0);
    for (int64_t j = 0; j < I; j++) s += w_ih[k * I + j] * x[j];
    if (h)
      for (int64_t j = 0; j < H; j++) s += w_hh[k * H + j] * h[j];
    pre[k] = s;
  }
}

credo_status lstm_forward_ref_f64(double *out, double *hn, double *cn,
                                  double *cache, const double *x,
                                  const double *h0, const double *c0,
                                  const double *w_ih, const double *w_hh,
                                  const double *b_ih, const double *b_hh,
                                  int64_t B, int64_t T, int64_t I,
                                  int64_t H) {
  int64_t G = 4 * H, BT = B * T;
  double *gates = cache, *cprev = cache + BT * G, *tanhc = cprev + BT * H;
  double *hprev = tanhc + BT * H;
  for (int64_t b = 0; b < B; b++)
    for (int64_t t = 0; t < T; t++) {
      int64_t q = b * T + t;
      double *hp = hprev + q * H, *cp = cprev + q * H, *g = gates + q * G;
      if (t == 0)
        for (int64_t j = 0; j < H; j++) {
          hp[j] = h0 ? h0[b * H + j] : 0;
          cp[j] = c0 ? c0[b * H + j] : 0;
        }
      ref_affine(g, x + q * I, hp, w_ih, w_hh, b_ih, b_hh, G, I, H);
      for (int64_t j = 0; j < H; j++) {
        double i = ref_sigmoid(g[j]), f = ref_sigmoid(g[H + j]);
        double gg = tanh(g[2 * H + j]), o = ref_sigmoid(g[3 * H + j]);
        double c = f * cp[j] + i * gg, h = o * tanh(c);
        g[j] = i, g[H + j] = f, g[2 * H + j] = gg, g[3 * H + j] = o;
        tanhc[q * H + j] = tanh(c);
        out[q * H + j] = h;
        if (t + 1 < T) hp[H + j] = h, cp[H + j] = c;
        else hn[b * H + j] = h, cn[b * H + j] = c;
      }
    }
  return CREDO_OK;
}

/* dw (G,n) += d (G) outer v (n) */
static void ref_outer_add(double *dw, const double *d, const double *v,
                          int64_t G, int64_t n) {
  for (int64_t k = 0; k < G; k++)
    for (int64_t j = 0; j < n; j++) dw[k * n + j] += d[k] * v[j];
}

credo_status lstm_backward_ref_f64(double *dx, double *dh0, double *dc0,
                                   double *dw_ih, double *dw_hh,
                                   double *db_ih, double *db_hh,
                                   double *scratch, const double *dout,
                                   const double *dhn, const double *dcn,
                                   const double *x, const double *cache,
                                   const double *w_ih, const double *w_hh,
                                   int64_t B, int64_t T, int64_t I,
                                   int64_t H) {
  int64_t G = 4 * H, BT = B * T;
  const double *gates = cache, *cprev = cache + BT * G;
  const double *tanhc = cprev + BT * H, *hprev = tanhc + BT * H;
  double *dp = scratch, *dh = scratch + BT * G, *dc = dh + B * H;
  for (int64_t b = 0; b < B; b++) {
    double *h = dh + b * H, *c = dc + b * H;
    for (int64_t j = 0; j < H; j++) {
      h[j] = dhn ? dhn[b * H + j] : 0;
      c[j] = dcn ? dcn[b * H + j] : 0;
    }
    for (int64_t t = T - 1; t >= 0; t--) {
      int64_t q = b * T + t;
      const double *g = gates + q * G;
      double *d = dp + q * G;
      for (int64_t j = 0; j < H; j++) {
        double dht = h[j] + (dout ? dout[q * H + j] : 0);
        double i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
        double tc = tanhc[q * H + j];
        double dct = c[j] + dht * o * (1 - tc * tc);
        d[j] = dct * gg * i * (1 - i);
        d[H + j] = dct * cprev[q * H + j] * f * (1 - f);
        d[2 * H + j] = dct * i * (1 - gg * gg);
        d[3 * H + j] = dht * tc * o * (1 - o);
        c[j] = dct * f;
      }
      for (int64_t j = 0; j < H; j++) {
        double s = 0;
        for (int64_t k = 0; k < G; k++) s += d[k] * w_hh[k * H + j];
        h[j] = s;
      }
      if (dx)
        for (int64_t j = 0; j < I; j++) {
          double s = 0;
          for (int64_t k = 0; k < G; k++) s += d[k] * w_ih[k * I + j];
          dx[q * I + j] += s;
        }
      if (dw_ih) ref_outer_add(dw_ih, d, x + q * I, G, I);
      if (dw_hh) ref_outer_add(dw_hh, d, hprev + q * H, G, H);
      for (int64_t k = 0; k < G; k++) {
        if (db_ih) db_ih[k] += d[k];
        if (db_hh) db_hh[k] += d[k];
      }
    }
    for (int64_t j = 0; j < H; j++) {
      if (dh0) dh0[b * H + j] += h[j];
      if (dc0) dc0[b * H + j] += c[j];
    }
  }
  return CREDO_OK;
}

credo_status gru_forward_ref_f64(double *out, double *hn, double *cache,
                                 const double *x, const double *h0,
                                 const double *w_ih, const double *w_hh,
                                 const double *b_ih, const double *b_hh,
                                 int64_t B, int64_t T, int64_t I, int64_t H) {
  int64_t G = 3 * H, BT = B * T;
  double *gates = cache, *hproj = cache + BT * G, *hprev = hproj + BT * G;
  for (int64_t b = 0; b < B; b++)
    for (int64_t t = 0; t < T; t++) {
      int64_t q = b * T + t;
      double *hp = hprev + q * H, *gi = gates + q * G, *gh = hproj + q * G;
      if (t == 0)
        for (int64_t j = 0; j < H; j++) hp[j] = h0 ? h0[b * H + j] : 0;
      ref_affine(gi, x + q * I, NULL, w_ih, NULL, b_ih, NULL, G, I, H);
      ref_affine(gh, hp, NULL, w_hh, NULL, b_hh, NULL, G, H, H);
      for (int64_t j = 0; j < H; j++) {
        double r = ref_sigmoid(gi[j] + gh[j]);
        double z = ref_sigmoid(gi[H + j] + gh[H + j]);
        double n = tanh(gi[2 * H + j] + r * gh[2 * H + j]);
        double h = (1 - z) * n + z * hp[j];
        gi[j] = r, gi[H + j] = z, gi[2 * H + j] = n;
        out[q * H + j] = h;
        if (t + 1 < T) hp[H + j] = h;
        else hn[b * H + j] = h;
      }
    }
  return CREDO_OK;
}

credo_status gru_backward_ref_f64(double *dx, double *dh0, double *dw_ih,
                                  double *dw_hh, double *db_ih,
                                  double *db_hh, double *scratch,
                                  const double *dout, const double *dhn,
                                  const double *x, const double *cache,
                                  const double *w_ih, const double *w_hh,
                                  int64_t B, int64_t T, int64_t I,
                                  int64_t H) {
  int64_t G = 3 * H, BT = B * T;
  const double *gates = cache, *hproj = cache + BT * G;
  const double *hprev = hproj + BT * G;
  double *dgi = scratch, *dgh = scratch + BT * G, *dh = dgh + BT * G;
  for (int64_t b = 0; b < B; b++) {
    double *h = dh + b * H;
    for (int64_t j = 0; j < H; j++) h[j] = dhn ? dhn[b * H + j] : 0;
    for (int64_t t = T - 1; t >= 0; t--) {
      int64_t q = b * T + t;
      const double *g = gates + q * G, *gh = hproj + q * G;
      const double *hp = hprev + q * H;
      double *di = dgi + q * G, *dd = dgh + q * G;
      for (int64_t j = 0; j < H; j++) {
        double dht = h[j] + (dout ? dout[q * H + j] : 0);
        double r = g[j], z = g[H + j], n = g[2 * H + j];
        double dn = dht * (1 - z), dz = dht * (hp[j] - n);
        double dan = dn * (1 - n * n);
        double dr = dan * gh[2 * H + j];
        di[j] = dd[j] = dr * r * (1 - r);
        di[H + j] = dd[H + j] = dz * z * (1 - z);
        di[2 * H + j] = dan;
        dd[2 * H + j] = dan * r;
        h[j] = dht * z;
      }
      for (int64_t j = 0; j < H; j++) {
        double s = 0;
        for (int64_t k = 0; k < G; k++) s += dd[k] * w_hh[k * H + j];
        h[j] += s;
      }
      if (dx)
        for (int64_t j = 0; j < I; j++) {
          double s = 0;
          for (int64_t k = 0; k < G; k++) s += di[k] * w_ih[k * I + j];
          dx[q * I + j] += s;
        }
      if (dw_ih) ref_outer_add(dw_ih, di, x + q * I, G, I);
      if (dw_hh) ref_outer_add(dw_hh, dd, hp, G, H);
      for (int64_t k = 0; k < G; k++) {
        if (db_ih) db_ih[k] += di[k];
        if (db_hh) db_hh[k] += dd[k];
      }
    }
    if (dh0)
      for (int64_t j = 0; j < H; j++) dh0[b * H + j] += h[j];
  }
  return CREDO_OK;
}
