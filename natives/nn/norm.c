/*
 * norm.c: batch normalisation over (N,C,L) per channel, forward (training
 * and evaluation) and backward, float32 and float64 (nn.h has the
 * contracts).  Ioffe & Szegedy, "Batch normalization", ICML 2015, with
 * torch.nn.BatchNorm1d's conventions: biased variance to normalise,
 * unbiased variance in the running estimate, momentum as the weight of the
 * new batch.
 *
 * Channels are independent and run on OpenMP threads (each channel's sums
 * are serial and in a fixed order, so the bits do not depend on the thread
 * count).  Statistics accumulate in double with two passes (mean, then the
 * squared deviations).  Not here: layer/group/instance norm, cumulative
 * (momentum = None) running averages.
 */
#include <math.h>
#include <stdint.h>

#include "nn.h"

#define BN_PARALLEL_MIN 32768

#define BN_OMP \
  OMP_FOR_IF(N * C * L >= BN_PARALLEL_MIN)

/* element (i, c, k) of an (N,C,L) array */
#define AT(p, i, c, k) ((p)[((i) * C + (c)) * L + (k)])

#define BATCHNORM(T, SFX)                                                     \
  void batchnorm_forward_train_##SFX(                                         \
      T *out, T *mean, T *rstd, T *running_mean, T *running_var,              \
      const T *inp, const T *w, const T *b, int64_t N, int64_t C, int64_t L,  \
      double eps, double momentum) {                                          \
    double m = (double)N * (double)L;                                         \
    BN_OMP                                                                    \
    for (int64_t c = 0; c < C; c++) {                                         \
      double s = 0;                                                           \
      for (int64_t i = 0; i < N; i++)                                         \
        for (int64_t k = 0; k < L; k++) s += AT(inp, i, c, k);                \
      double mu = s / m, ss = 0;                                              \
      for (int64_t i = 0; i < N; i++)                                         \
        for (int64_t k = 0; k < L; k++) {                                     \
          double d = AT(inp, i, c, k) - mu;                                   \
          ss += d * d;                                                        \
        }                                                                     \
      double var = ss / m, r = 1.0 / sqrt(var + eps);                         \
      mean[c] = (T)mu;                                                        \
      rstd[c] = (T)r;                                                         \
      if (running_mean)                                                       \
        running_mean[c] = (T)((1 - momentum) * running_mean[c] + momentum * mu); \
      if (running_var)                                                        \
        running_var[c] = (T)((1 - momentum) * running_var[c] +                \
                             momentum * (ss / (m - 1)));                      \
      double g = w ? w[c] : 1.0, bb = b ? b[c] : 0.0;                         \
      for (int64_t i = 0; i < N; i++)                                         \
        for (int64_t k = 0; k < L; k++)                                       \
          AT(out, i, c, k) = (T)((AT(inp, i, c, k) - mu) * r * g + bb);       \
    }                                                                         \
  }                                                                           \
  void batchnorm_forward_eval_##SFX(T *out, const T *inp,                     \
                                    const T *running_mean,                    \
                                    const T *running_var, const T *w,         \
                                    const T *b, int64_t N, int64_t C,         \
                                    int64_t L, double eps) {                  \
    BN_OMP                                                                    \
    for (int64_t c = 0; c < C; c++) {                                         \
      double mu = running_mean[c], r = 1.0 / sqrt(running_var[c] + eps);      \
      double g = w ? w[c] : 1.0, bb = b ? b[c] : 0.0;                         \
      for (int64_t i = 0; i < N; i++)                                         \
        for (int64_t k = 0; k < L; k++)                                       \
          AT(out, i, c, k) = (T)((AT(inp, i, c, k) - mu) * r * g + bb);       \
    }                                                                         \
  }                                                                           \
  void batchnorm_backward_train_##SFX(T *dinp, T *dw, T *db, const T *dout,   \
                                      const T *inp, const T *mean,            \
                                      const T *rstd, const T *w, int64_t N,   \
                                      int64_t C, int64_t L) {                 \
    double m = (double)N * (double)L;                                         \
    BN_OMP                                                                    \
    for (int64_t c = 0; c < C; c++) {                                         \
      double mu = mean[c], r = rstd[c], sg = 0, sgx = 0;                      \
      for (int64_t i = 0; i < N; i++)                                         \
        for (int64_t k = 0; k < L; k++) {                                     \
          double g = AT(dout, i, c, k);                                       \
          sg += g;                                                            \
          sgx += g * (AT(inp, i, c, k) - mu) * r;                             \
        }                                                                     \
      if (dw) dw[c] += (T)sgx;                                                \
      if (db) db[c] += (T)sg;                                                 \
      if (!dinp) continue;                                                    \
      double gam = w ? w[c] : 1.0;                                            \
      /* with g = dout * gam: mean(g) = gam sg / m, mean(g xhat) = gam sgx / m */ \
      double a = gam * sg / m, bq = gam * sgx / m;                            \
      for (int64_t i = 0; i < N; i++)                                         \
        for (int64_t k = 0; k < L; k++) {                                     \
          double xh = (AT(inp, i, c, k) - mu) * r;                            \
          AT(dinp, i, c, k) +=                                                \
              (T)(r * (gam * AT(dout, i, c, k) - a - xh * bq));               \
        }                                                                     \
    }                                                                         \
  }                                                                           \
  void batchnorm_backward_eval_##SFX(T *dinp, T *dw, T *db, const T *dout,    \
                                     const T *inp, const T *running_mean,     \
                                     const T *running_var, const T *w,        \
                                     int64_t N, int64_t C, int64_t L,         \
                                     double eps) {                            \
    BN_OMP                                                                    \
    for (int64_t c = 0; c < C; c++) {                                         \
      double mu = running_mean[c], r = 1.0 / sqrt(running_var[c] + eps);      \
      double gam = w ? w[c] : 1.0, sg = 0, sgx = 0;                           \
      for (int64_t i = 0; i < N; i++)                                         \
        for (int64_t k = 0; k < L; k++) {                                     \
          double g = AT(dout, i, c, k);                                       \
          sg += g;                                                            \
          sgx += g * (AT(inp, i, c, k) - mu) * r;                             \
          if (dinp) AT(dinp, i, c, k) += (T)(g * gam * r);                    \
        }                                                                     \
      if (dw) dw[c] += (T)sgx;                                                \
      if (db) db[c] += (T)sg;                                                 \
    }                                                                         \
  }

BATCHNORM(float, f32)
BATCHNORM(double, f64)

/* The textbook formulas, one channel at a time, without the algebraic
 * folding of the fast kernels: mean, variance, xhat, then the three terms
 * of the gradient of the normalisation as separate means. */
void batchnorm_forward_train_ref_f64(double *out, double *mean, double *rstd,
                                     double *running_mean,
                                     double *running_var, const double *inp,
                                     const double *w, const double *b,
                                     int64_t N, int64_t C, int64_t L,
                                     double eps, double momentum) {
  double m = (double)(N * L);
  for (int64_t c = 0; c < C; c++) {
    double mu = 0, var = 0;
    for (int64_t i = 0; i < N; i++)
      for (int64_t k = 0; k < L; k++) mu += AT(inp, i, c, k) / m;
    for (int64_t i = 0; i < N; i++)
      for (int64_t k = 0; k < L; k++)
        var += (AT(inp, i, c, k) - mu) * (AT(inp, i, c, k) - mu) / m;
    mean[c] = mu;
    rstd[c] = 1.0 / sqrt(var + eps);
    if (running_mean)
      running_mean[c] = (1 - momentum) * running_mean[c] + momentum * mu;
    if (running_var)
      running_var[c] =
          (1 - momentum) * running_var[c] + momentum * var * m / (m - 1);
    for (int64_t i = 0; i < N; i++)
      for (int64_t k = 0; k < L; k++)
        AT(out, i, c, k) = (AT(inp, i, c, k) - mu) / sqrt(var + eps) *
                               (w ? w[c] : 1.0) + (b ? b[c] : 0.0);
  }
}

void batchnorm_backward_train_ref_f64(double *dinp, double *dw, double *db,
                                      const double *dout, const double *inp,
                                      const double *mean, const double *rstd,
                                      const double *w, int64_t N, int64_t C,
                                      int64_t L) {
  double m = (double)(N * L);
  for (int64_t c = 0; c < C; c++) {
    double gam = w ? w[c] : 1.0, mg = 0, mgx = 0;
    for (int64_t i = 0; i < N; i++)
      for (int64_t k = 0; k < L; k++) {
        double xh = (AT(inp, i, c, k) - mean[c]) * rstd[c];
        double g = AT(dout, i, c, k) * gam;
        mg += g / m;
        mgx += g * xh / m;
        if (dw) dw[c] += AT(dout, i, c, k) * xh;
        if (db) db[c] += AT(dout, i, c, k);
      }
    if (!dinp) continue;
    for (int64_t i = 0; i < N; i++)
      for (int64_t k = 0; k < L; k++) {
        double xh = (AT(inp, i, c, k) - mean[c]) * rstd[c];
        AT(dinp, i, c, k) += rstd[c] * (AT(dout, i, c, k) * gam - mg - xh * mgx);
      }
  }
}
