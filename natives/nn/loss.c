/*
 * loss.c: the losses of credo.nn, per-element values and their gradients,
 * float32 and float64 (nn.h has the contracts and formulas).  The formulas
 * are PyTorch 1.13's (aten/src/ATen/native/Loss.cpp, LossNLL.cpp,
 * BinaryOps), including BCE's log clamp at -100 and its gradient's 1e-12
 * floor, and the max-subtracted form of BCE with logits.
 *
 * Forward sums run serially in double, in element order (the loss is one
 * number: its bits must not depend on threads).  Backward kernels are
 * elementwise.  Not here: reductions (the caller divides by the count or
 * the weight sum), argument checks (nn_lua.c), label smoothing,
 * ignore_index, KL/NLL/margin losses.
 */
#include <math.h>
#include <stdint.h>

#include "nn.h"

#define LOSS_PARALLEL_MIN 32768
#define LOSS_OMP \
  OMP_FOR_IF(n >= LOSS_PARALLEL_MIN)

/* BCE's gradient floor on x (1 - x) (torch's EPSILON in Loss.cpp). */
#define BCE_EPS 1e-12

/* ---- MSE and Huber ---- */

#define MSE_HUBER(T, SFX)                                                     \
  double loss_mse_forward_##SFX(T *out, const T *x, const T *y, int64_t n) {  \
    double s = 0;                                                             \
    for (int64_t i = 0; i < n; i++) {                                         \
      T d = x[i] - y[i];                                                      \
      T l = d * d;                                                            \
      if (out) out[i] = l;                                                    \
      s += l;                                                                 \
    }                                                                         \
    return s;                                                                 \
  }                                                                           \
  void loss_mse_backward_##SFX(T *dinp, const T *dout, double scale,          \
                               const T *x, const T *y, int64_t n) {           \
    LOSS_OMP                                                                  \
    for (int64_t i = 0; i < n; i++) {                                         \
      double g = dout ? (double)dout[i] * scale : scale;                      \
      dinp[i] += (T)(2.0 * g * ((double)x[i] - y[i]));                        \
    }                                                                         \
  }                                                                           \
  double loss_huber_forward_##SFX(T *out, const T *x, const T *y,             \
                                  double delta, int64_t n) {                  \
    double s = 0;                                                             \
    for (int64_t i = 0; i < n; i++) {                                         \
      double d = fabs((double)x[i] - y[i]);                                   \
      T l = (T)(d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta));         \
      if (out) out[i] = l;                                                    \
      s += l;                                                                 \
    }                                                                         \
    return s;                                                                 \
  }                                                                           \
  void loss_huber_backward_##SFX(T *dinp, const T *dout, double scale,        \
                                 const T *x, const T *y, double delta,        \
                                 int64_t n) {                                 \
    LOSS_OMP                                                                  \
    for (int64_t i = 0; i < n; i++) {                                         \
      double g = dout ? (double)dout[i] * scale : scale;                      \
      double d = (double)x[i] - y[i];                                         \
      double c = d < -delta ? -delta : (d > delta ? delta : d);               \
      dinp[i] += (T)(g * c);                                                  \
    }                                                                         \
  }

MSE_HUBER(float, f32)
MSE_HUBER(double, f64)

/* ---- binary cross-entropy ---- */

/* torch's clamp of BCE's logs at -100; NaN stays NaN (fmax would drop it) */
static inline double log_clamp(double v) { return v < -100.0 ? -100.0 : v; }

/* weight of element i */
#define WEIGHT(w, wdiv, i) ((w) ? (double)(w)[(i) / (wdiv)] : 1.0)

#define BCE(T, SFX)                                                           \
  double loss_bce_forward_##SFX(T *out, const T *x, const T *y, const T *w,   \
                                int64_t wdiv, int64_t n) {                    \
    double s = 0;                                                             \
    for (int64_t i = 0; i < n; i++) {                                         \
      double lx = log_clamp(log((double)x[i]));                               \
      double l1x = log_clamp(log1p(-(double)x[i]));                           \
      T l = (T)(-WEIGHT(w, wdiv, i) * (y[i] * lx + (1.0 - y[i]) * l1x));       \
      if (out) out[i] = l;                                                    \
      s += l;                                                                 \
    }                                                                         \
    return s;                                                                 \
  }                                                                           \
  void loss_bce_backward_##SFX(T *dinp, const T *dout, double scale,          \
                               const T *x, const T *y, const T *w,            \
                               int64_t wdiv, int64_t n) {                     \
    LOSS_OMP                                                                  \
    for (int64_t i = 0; i < n; i++) {                                         \
      double g = dout ? (double)dout[i] * scale : scale;                      \
      double xi = x[i];                                                       \
      double den = fmax((1.0 - xi) * xi, BCE_EPS);                            \
      dinp[i] += (T)(g * WEIGHT(w, wdiv, i) * (xi - y[i]) / den);             \
    }                                                                         \
  }                                                                           \
  double loss_bce_logits_forward_##SFX(T *out, const T *x, const T *y,        \
                                       const T *w, int64_t wdiv,              \
                                       const T *pos_weight, int64_t npw,      \
                                       int64_t n) {                           \
    double s = 0;                                                             \
    for (int64_t i = 0; i < n; i++) {                                         \
      double xi = x[i], yi = y[i];                                            \
      double pw = pos_weight ? (double)pos_weight[i % npw] : 1.0;             \
      double lw = 1.0 + (pw - 1.0) * yi;                                      \
      double sp = log1p(exp(-fabs(xi))) + fmax(-xi, 0.0);                     \
      T l = (T)(WEIGHT(w, wdiv, i) * ((1.0 - yi) * xi + lw * sp));            \
      if (out) out[i] = l;                                                    \
      s += l;                                                                 \
    }                                                                         \
    return s;                                                                 \
  }                                                                           \
  void loss_bce_logits_backward_##SFX(T *dinp, const T *dout, double scale,   \
                                      const T *x, const T *y, const T *w,     \
                                      int64_t wdiv, const T *pos_weight,      \
                                      int64_t npw, int64_t n) {               \
    LOSS_OMP                                                                  \
    for (int64_t i = 0; i < n; i++) {                                         \
      double g = dout ? (double)dout[i] * scale : scale;                      \
      double xi = x[i], yi = y[i];                                            \
      double pw = pos_weight ? (double)pos_weight[i % npw] : 1.0;             \
      double sig = xi >= 0 ? 1.0 / (1.0 + exp(-xi))                           \
                           : exp(xi) / (1.0 + exp(xi));                       \
      double d = (1.0 + (pw - 1.0) * yi) * sig - pw * yi;                     \
      dinp[i] += (T)(g * WEIGHT(w, wdiv, i) * d);                             \
    }                                                                         \
  }

BCE(float, f32)
BCE(double, f64)

/* The textbook form: -w (pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))),
 * log sigmoid computed as -log1p(exp(-x)) (moderate |x| only: a test twin). */
double loss_bce_logits_forward_ref_f64(double *out, const double *x,
                                       const double *y, const double *w,
                                       int64_t wdiv, const double *pos_weight,
                                       int64_t npw, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i++) {
    double pw = pos_weight ? pos_weight[i % npw] : 1.0;
    double ls = -log1p(exp(-x[i])), l1s = -log1p(exp(x[i]));
    double l = -WEIGHT(w, wdiv, i) * (pw * y[i] * ls + (1 - y[i]) * l1s);
    if (out) out[i] = l;
    s += l;
  }
  return s;
}

/* ---- cross-entropy over classes ---- */

int64_t loss_find_bad_label(const int64_t *target, int64_t N, int64_t C) {
  for (int64_t i = 0; i < N; i++)
    if (target[i] < 0 || target[i] >= C) return i;
  return -1;
}

/* log-sum-exp of row r (C values), max-subtracted, in double */
#define LSE(T, SFX)                                                           \
  static double lse_##SFX(const T *r, int64_t C) {                            \
    double mx = r[0];                                                         \
    for (int64_t c = 1; c < C; c++)                                           \
      if (r[c] > mx || r[c] != r[c]) mx = r[c];                               \
    if (isinf(mx)) return mx;                                                 \
    double s = 0;                                                             \
    for (int64_t c = 0; c < C; c++) s += exp((double)r[c] - mx);              \
    return mx + log(s);                                                       \
  }

LSE(float, f32)
LSE(double, f64)

#define CROSS_ENTROPY(T, SFX)                                                 \
  double loss_cross_entropy_forward_##SFX(T *out, double *wsum, const T *x,   \
                                          const int64_t *target, const T *cw, \
                                          int64_t N, int64_t C) {             \
    double s = 0, ws = 0;                                                     \
    for (int64_t i = 0; i < N; i++) {                                         \
      const T *r = x + i * C;                                                 \
      double wt = cw ? (double)cw[target[i]] : 1.0;                           \
      T l = (T)(wt * (lse_##SFX(r, C) - r[target[i]]));                       \
      if (out) out[i] = l;                                                    \
      s += l;                                                                 \
      ws += wt;                                                               \
    }                                                                         \
    if (wsum) *wsum = ws;                                                     \
    return s;                                                                 \
  }                                                                           \
  void loss_cross_entropy_backward_##SFX(T *dinp, const T *dout,              \
                                         double scale, const T *x,            \
                                         const int64_t *target, const T *cw,  \
                                         int64_t N, int64_t C) {              \
    int64_t n = N * C;                                                        \
    OMP_FOR_IF(n >= LOSS_PARALLEL_MIN) \
    for (int64_t i = 0; i < N; i++) {                                         \
      const T *r = x + i * C;                                                 \
      T *d = dinp + i * C;                                                    \
      double g = (dout ? (double)dout[i] * scale : scale) *                   \
                 (cw ? (double)cw[target[i]] : 1.0);                          \
      double lse = lse_##SFX(r, C);                                           \
      for (int64_t c = 0; c < C; c++) {                                       \
        double p = exp((double)r[c] - lse);                                   \
        d[c] += (T)(g * (p - (c == target[i] ? 1.0 : 0.0)));                  \
      }                                                                       \
    }                                                                         \
  }

CROSS_ENTROPY(float, f32)
CROSS_ENTROPY(double, f64)

/* -cw[t] log(exp(x_t) / sum_c exp(x_c)), the softmax formed first. */
double loss_cross_entropy_forward_ref_f64(double *out, double *wsum,
                                          const double *x,
                                          const int64_t *target,
                                          const double *cw, int64_t N,
                                          int64_t C) {
  double s = 0, ws = 0;
  for (int64_t i = 0; i < N; i++) {
    double z = 0;
    for (int64_t c = 0; c < C; c++) z += exp(x[i * C + c]);
    double wt = cw ? cw[target[i]] : 1.0;
    double l = -wt * log(exp(x[i * C + target[i]]) / z);
    if (out) out[i] = l;
    s += l;
    ws += wt;
  }
  if (wsum) *wsum = ws;
  return s;
}
