/*
 * act.c: activation functions, softmax / log-softmax along a dim, and
 * dropout, forward and backward, float32 and float64 (nn.h has the
 * contracts).
 *
 * Elementwise kernels run on OpenMP threads over fixed static partitions
 * when large (each element depends on itself only, so the thread count
 * never changes a bit).  Softmax sums run in double, one lane at a time.
 * Dropout draws serially from one generator.  Not here: argument checks
 * (nn_lua.c), in-place variants, GELU & co.
 */
#include <math.h>
#include <stdint.h>

#include "nn.h"

/* Elementwise loops above this many elements use the worker threads. */
#define ACT_PARALLEL_MIN 32768

#define PARALLEL_FOR \
  OMP_FOR_IF(n >= ACT_PARALLEL_MIN)

/* ---- ReLU, LeakyReLU ---- */

/* Branch-free selects, so the loops vectorise (this file is built at -O3,
 * see the Makefile): NaN passes through the forward (x <= 0 is false for
 * NaN), and the backward adds 0 where the input was not positive. */
#define RELU(T, SFX)                                                          \
  void act_relu_forward_##SFX(T *out, const T *inp, int64_t n) {              \
    PARALLEL_FOR                                                              \
    for (int64_t i = 0; i < n; i++) {                                         \
      T x = inp[i];                                                           \
      out[i] = x <= 0 ? (T)0 : x;                                             \
    }                                                                         \
  }                                                                           \
  void act_relu_backward_##SFX(T *dinp, const T *dout, const T *inp,          \
                               int64_t n) {                                   \
    PARALLEL_FOR                                                              \
    for (int64_t i = 0; i < n; i++) {                                         \
      T g = dout[i];                                                          \
      dinp[i] += inp[i] > 0 ? g : (T)0;                                       \
    }                                                                         \
  }                                                                           \
  void act_leaky_relu_forward_##SFX(T *out, const T *inp, double slope,       \
                                    int64_t n) {                              \
    T s = (T)slope;                                                           \
    PARALLEL_FOR                                                              \
    for (int64_t i = 0; i < n; i++) {                                         \
      T x = inp[i], y = x * s;                                                \
      out[i] = x > 0 ? x : y;                                                 \
    }                                                                         \
  }                                                                           \
  void act_leaky_relu_backward_##SFX(T *dinp, const T *dout, const T *inp,    \
                                     double slope, int64_t n) {               \
    T s = (T)slope;                                                           \
    PARALLEL_FOR                                                              \
    for (int64_t i = 0; i < n; i++) {                                         \
      T g = dout[i], h = g * s;                                               \
      dinp[i] += inp[i] > 0 ? g : h;                                          \
    }                                                                         \
  }

RELU(float, f32)
RELU(double, f64)

/* ---- Sigmoid, Tanh (backward from the output) ---- */

static inline float sigmoid_f32(float x) {
  if (x >= 0) return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

static inline double sigmoid_f64(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  double e = exp(x);
  return e / (1.0 + e);
}

#define SIGTANH(T, SFX, TANH)                                                 \
  void act_sigmoid_forward_##SFX(T *out, const T *inp, int64_t n) {           \
    PARALLEL_FOR                                                              \
    for (int64_t i = 0; i < n; i++) out[i] = sigmoid_##SFX(inp[i]);           \
  }                                                                           \
  void act_sigmoid_backward_##SFX(T *dinp, const T *dout, const T *out,       \
                                  int64_t n) {                                \
    PARALLEL_FOR                                                              \
    for (int64_t i = 0; i < n; i++)                                           \
      dinp[i] += dout[i] * out[i] * ((T)1 - out[i]);                          \
  }                                                                           \
  void act_tanh_forward_##SFX(T *out, const T *inp, int64_t n) {              \
    PARALLEL_FOR                                                              \
    for (int64_t i = 0; i < n; i++) out[i] = TANH(inp[i]);                    \
  }                                                                           \
  void act_tanh_backward_##SFX(T *dinp, const T *dout, const T *out,          \
                               int64_t n) {                                   \
    PARALLEL_FOR                                                              \
    for (int64_t i = 0; i < n; i++)                                           \
      dinp[i] += dout[i] * ((T)1 - out[i] * out[i]);                          \
  }

SIGTANH(float, f32, tanhf)
SIGTANH(double, f64, tanh)

/* ---- softmax / log-softmax over the middle dim of (outer, n, inner) ----
 * Each lane (o, j) is the n values at inp[o*n*inner + k*inner + j]; lanes
 * are independent and run on the threads when there are many. */

#define SOFTMAX(T, SFX, EXP)                                                  \
  void act_softmax_forward_##SFX(T *out, const T *inp, int64_t outer,         \
                                 int64_t n, int64_t inner) {                  \
    int64_t lanes = outer * inner;                                            \
    OMP_FOR_IF(lanes * n >= ACT_PARALLEL_MIN) \
    for (int64_t l = 0; l < lanes; l++) {                                     \
      const T *x = inp + (l / inner) * n * inner + l % inner;                 \
      T *y = out + (l / inner) * n * inner + l % inner;                       \
      T mx = x[0];                                                            \
      for (int64_t k = 1; k < n; k++)                                         \
        if (x[k * inner] > mx || x[k * inner] != x[k * inner]) mx = x[k * inner]; \
      double s = 0;                                                           \
      for (int64_t k = 0; k < n; k++) {                                       \
        T e = EXP(x[k * inner] - mx);                                         \
        y[k * inner] = e;                                                     \
        s += e;                                                               \
      }                                                                       \
      double r = 1.0 / s;                                                     \
      for (int64_t k = 0; k < n; k++) y[k * inner] = (T)(y[k * inner] * r);   \
    }                                                                         \
  }                                                                           \
  void act_log_softmax_forward_##SFX(T *out, const T *inp, int64_t outer,     \
                                     int64_t n, int64_t inner) {              \
    int64_t lanes = outer * inner;                                            \
    OMP_FOR_IF(lanes * n >= ACT_PARALLEL_MIN) \
    for (int64_t l = 0; l < lanes; l++) {                                     \
      const T *x = inp + (l / inner) * n * inner + l % inner;                 \
      T *y = out + (l / inner) * n * inner + l % inner;                       \
      T mx = x[0];                                                            \
      for (int64_t k = 1; k < n; k++)                                         \
        if (x[k * inner] > mx || x[k * inner] != x[k * inner]) mx = x[k * inner]; \
      double s = 0;                                                           \
      for (int64_t k = 0; k < n; k++) s += EXP(x[k * inner] - mx);            \
      double lse = log(s);                                                    \
      for (int64_t k = 0; k < n; k++)                                         \
        y[k * inner] = (T)((double)(x[k * inner] - mx) - lse);                \
    }                                                                         \
  }                                                                           \
  void act_softmax_backward_##SFX(T *dinp, const T *dout, const T *out,       \
                                  int64_t outer, int64_t n, int64_t inner) {  \
    int64_t lanes = outer * inner;                                            \
    OMP_FOR_IF(lanes * n >= ACT_PARALLEL_MIN) \
    for (int64_t l = 0; l < lanes; l++) {                                     \
      int64_t base = (l / inner) * n * inner + l % inner;                     \
      const T *g = dout + base, *y = out + base;                              \
      T *dx = dinp + base;                                                    \
      double s = 0;                                                           \
      for (int64_t k = 0; k < n; k++) s += (double)g[k * inner] * y[k * inner]; \
      for (int64_t k = 0; k < n; k++)                                         \
        dx[k * inner] += (T)(y[k * inner] * (g[k * inner] - s));              \
    }                                                                         \
  }                                                                           \
  void act_log_softmax_backward_##SFX(T *dinp, const T *dout, const T *out,   \
                                      int64_t outer, int64_t n,               \
                                      int64_t inner) {                        \
    int64_t lanes = outer * inner;                                            \
    OMP_FOR_IF(lanes * n >= ACT_PARALLEL_MIN) \
    for (int64_t l = 0; l < lanes; l++) {                                     \
      int64_t base = (l / inner) * n * inner + l % inner;                     \
      const T *g = dout + base, *y = out + base;                              \
      T *dx = dinp + base;                                                    \
      double s = 0;                                                           \
      for (int64_t k = 0; k < n; k++) s += g[k * inner];                      \
      for (int64_t k = 0; k < n; k++)                                         \
        dx[k * inner] += (T)(g[k * inner] - EXP(y[k * inner]) * s);           \
    }                                                                         \
  }

SOFTMAX(float, f32, expf)
SOFTMAX(double, f64, exp)

/* The definitions, plainly: exp(x_k) / sum_j exp(x_j) with the max taken
 * out, and x_k - max - log(sum_j exp(x_j - max)); serial, lane by lane. */
void act_softmax_forward_ref_f64(double *out, const double *inp,
                                 int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < inner; j++) {
      double mx = -INFINITY, s = 0;
      for (int64_t k = 0; k < n; k++)
        mx = fmax(mx, inp[(o * n + k) * inner + j]);
      for (int64_t k = 0; k < n; k++) s += exp(inp[(o * n + k) * inner + j] - mx);
      for (int64_t k = 0; k < n; k++)
        out[(o * n + k) * inner + j] = exp(inp[(o * n + k) * inner + j] - mx) / s;
    }
}

void act_log_softmax_forward_ref_f64(double *out, const double *inp,
                                     int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < inner; j++) {
      double mx = -INFINITY, s = 0;
      for (int64_t k = 0; k < n; k++)
        mx = fmax(mx, inp[(o * n + k) * inner + j]);
      for (int64_t k = 0; k < n; k++) s += exp(inp[(o * n + k) * inner + j] - mx);
      for (int64_t k = 0; k < n; k++)
        out[(o * n + k) * inner + j] = inp[(o * n + k) * inner + j] - mx - log(s);
    }
}

/* ---- dropout (inverted; Srivastava et al., JMLR 2014, with torch's
 * scaling at training time so evaluation is the identity) ---- */

#define DROPOUT(T, SFX)                                                       \
  void dropout_forward_##SFX(T *out, T *mask, const T *inp, double p,         \
                             int64_t n, Rng *r) {                             \
    T keep = (T)(1.0 / (1.0 - p));                                            \
    for (int64_t i = 0; i < n; i++) {                                         \
      mask[i] = rng_uniform(r) < p ? (T)0 : keep;                             \
      out[i] = inp[i] * mask[i];                                              \
    }                                                                         \
  }                                                                           \
  void dropout_backward_##SFX(T *dinp, const T *dout, const T *mask,          \
                              int64_t n) {                                    \
    PARALLEL_FOR                                                              \
    for (int64_t i = 0; i < n; i++) dinp[i] += dout[i] * mask[i];             \
  }

DROPOUT(float, f32)
DROPOUT(double, f64)
