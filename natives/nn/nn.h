/*
 * nn.h: the kernels of credo.nn's feed-forward layers and losses, pure C.
 *
 * Dense (Linear), Embedding, activations (ReLU, LeakyReLU, Sigmoid, Tanh,
 * Softmax, LogSoftmax), Dropout, BatchNorm1d, and the losses (MSE, Huber,
 * BCE, BCE with logits, cross-entropy), each forward and backward, float32
 * and float64.  The Lua layers (stdlib/credo/nn) and the binding nn_lua.c
 * call these; docs/nn.md is the reference.
 *
 * Conventions (llm.c's): kernels take outputs, then inputs, then sizes,
 * with the shapes in a comment; arrays are contiguous row-major; backward
 * ADDS (+=) into the d-prefixed gradients (dinp, dweight, dbias) and
 * zeroing is the caller's separate step; a NULL dinp (or dweight, dbias)
 * skips that gradient.  Every fast kernel has a slow _ref twin (plain
 * loops, double accumulators) that the C test compares it with.
 * Reductions over the batch run in a fixed order and matrix products go
 * through linalg_gemm (fixed tiles), so results are the same bits at any
 * thread count.
 *
 * What it is not: no argument checking (the binding checks dtypes, shapes
 * and contiguity; these functions assert), no allocation beyond small
 * stack buffers, no autograd, no recurrent or convolutional layers (their
 * own files).
 */
#ifndef CREDO_NN_H
#define CREDO_NN_H

#include <stdint.h>

#include "../common/credo_core.h"
#include "../random/rng.h"

/* `#pragma omp parallel for` over fixed static partitions on
 * credo_threads_get() threads when cond holds (the kernels use it only
 * where every output element is computed by one iteration, so the bits do
 * not depend on the thread count). */
#define NN_PRAGMA(x) _Pragma(#x)
#define OMP_FOR_IF(cond)                                                   \
  NN_PRAGMA(omp parallel for schedule(static) if (cond)                   \
            num_threads(credo_threads_get()))

/* ---- dense: y = x @ W^T + b (torch.nn.Linear's layout) ----
 * inp is (B,C), w is (OC,C), b is (OC) or NULL; out is (B,OC).
 * B, C, OC < 2^31 (BLAS ints; the binding checks). */
void dense_forward_f32(float *out, const float *inp, const float *w,
                       const float *b, int64_t B, int64_t C, int64_t OC);
void dense_forward_f64(double *out, const double *inp, const double *w,
                       const double *b, int64_t B, int64_t C, int64_t OC);
/* dinp (B,C) += dout @ w; dw (OC,C) += dout^T @ inp; db (OC) += column sums
 * of dout (each may be NULL). */
void dense_backward_f32(float *dinp, float *dw, float *db, const float *dout,
                        const float *inp, const float *w, int64_t B,
                        int64_t C, int64_t OC);
void dense_backward_f64(double *dinp, double *dw, double *db,
                        const double *dout, const double *inp,
                        const double *w, int64_t B, int64_t C, int64_t OC);
void dense_forward_ref_f64(double *out, const double *inp, const double *w,
                           const double *b, int64_t B, int64_t C, int64_t OC);
void dense_backward_ref_f64(double *dinp, double *dw, double *db,
                            const double *dout, const double *inp,
                            const double *w, int64_t B, int64_t C,
                            int64_t OC);

/* ---- embedding: out[i] = w[idx[i]] ----
 * idx is (n) holding 1-BASED row numbers in 1..V (as Lua sees them), w is
 * (V,D), out is (n,D).  Backward: dw[idx[i]] += dout[i], in order of i. */
void embedding_forward_f32(float *out, const int64_t *idx, const float *w,
                           int64_t n, int64_t D);
void embedding_forward_f64(double *out, const int64_t *idx, const double *w,
                           int64_t n, int64_t D);
void embedding_backward_f32(float *dw, const float *dout, const int64_t *idx,
                            int64_t n, int64_t D);
void embedding_backward_f64(double *dw, const double *dout,
                            const int64_t *idx, int64_t n, int64_t D);
/* The first i with idx[i] outside 1..V, or -1. */
int64_t embedding_find_bad(const int64_t *idx, int64_t n, int64_t V);

/* ---- elementwise activations, all (n) ----
 * relu: x > 0 ? x : 0 (NaN stays NaN); backward dinp += dout * (x > 0).
 * leaky_relu: x > 0 ? x : slope * x; backward dout * (x > 0 ? 1 : slope).
 * sigmoid: 1/(1+e^-x) (e^x/(1+e^x) for x < 0); backward from the OUTPUT y:
 *   dout * y * (1 - y).
 * tanh: backward from the output y: dout * (1 - y^2). */
void act_relu_forward_f32(float *out, const float *inp, int64_t n);
void act_relu_forward_f64(double *out, const double *inp, int64_t n);
void act_relu_backward_f32(float *dinp, const float *dout, const float *inp,
                           int64_t n);
void act_relu_backward_f64(double *dinp, const double *dout,
                           const double *inp, int64_t n);
void act_leaky_relu_forward_f32(float *out, const float *inp, double slope,
                                int64_t n);
void act_leaky_relu_forward_f64(double *out, const double *inp, double slope,
                                int64_t n);
void act_leaky_relu_backward_f32(float *dinp, const float *dout,
                                 const float *inp, double slope, int64_t n);
void act_leaky_relu_backward_f64(double *dinp, const double *dout,
                                 const double *inp, double slope, int64_t n);
void act_sigmoid_forward_f32(float *out, const float *inp, int64_t n);
void act_sigmoid_forward_f64(double *out, const double *inp, int64_t n);
void act_sigmoid_backward_f32(float *dinp, const float *dout,
                              const float *out, int64_t n);
void act_sigmoid_backward_f64(double *dinp, const double *dout,
                              const double *out, int64_t n);
void act_tanh_forward_f32(float *out, const float *inp, int64_t n);
void act_tanh_forward_f64(double *out, const double *inp, int64_t n);
void act_tanh_backward_f32(float *dinp, const float *dout, const float *out,
                           int64_t n);
void act_tanh_backward_f64(double *dinp, const double *dout,
                           const double *out, int64_t n);

/* ---- softmax along one dim ----
 * The array is (outer, n, inner) with the softmax over the middle dim
 * (a contiguous tensor seen around its softmax dim).  Max-subtracted, sums
 * in double.  Backward from the output y:
 *   softmax:     dinp += y * (dout - sum_j dout_j y_j)
 *   log_softmax: dinp += dout - exp(y) * sum_j dout_j */
void act_softmax_forward_f32(float *out, const float *inp, int64_t outer,
                             int64_t n, int64_t inner);
void act_softmax_forward_f64(double *out, const double *inp, int64_t outer,
                             int64_t n, int64_t inner);
void act_softmax_backward_f32(float *dinp, const float *dout,
                              const float *out, int64_t outer, int64_t n,
                              int64_t inner);
void act_softmax_backward_f64(double *dinp, const double *dout,
                              const double *out, int64_t outer, int64_t n,
                              int64_t inner);
void act_log_softmax_forward_f32(float *out, const float *inp, int64_t outer,
                                 int64_t n, int64_t inner);
void act_log_softmax_forward_f64(double *out, const double *inp,
                                 int64_t outer, int64_t n, int64_t inner);
void act_log_softmax_backward_f32(float *dinp, const float *dout,
                                  const float *out, int64_t outer, int64_t n,
                                  int64_t inner);
void act_log_softmax_backward_f64(double *dinp, const double *dout,
                                  const double *out, int64_t outer, int64_t n,
                                  int64_t inner);
/* Reference twins (double, plain loops) for the C test. */
void act_softmax_forward_ref_f64(double *out, const double *inp,
                                 int64_t outer, int64_t n, int64_t inner);
void act_log_softmax_forward_ref_f64(double *out, const double *inp,
                                     int64_t outer, int64_t n, int64_t inner);

/* ---- dropout (inverted, as torch): element i is dropped when a uniform
 * draw u_i < p, else scaled by 1/(1-p).  mask (n) receives 0 or 1/(1-p),
 * out (n) = inp * mask.  One rng_uniform (53-bit double) per element in
 * order, so float32 and float64 draw the same mask from the same state.
 * 0 <= p <= 1.  Backward: dinp += dout * mask. ---- */
void dropout_forward_f32(float *out, float *mask, const float *inp, double p,
                         int64_t n, Rng *r);
void dropout_forward_f64(double *out, double *mask, const double *inp,
                         double p, int64_t n, Rng *r);
void dropout_backward_f32(float *dinp, const float *dout, const float *mask,
                          int64_t n);
void dropout_backward_f64(double *dinp, const double *dout,
                          const double *mask, int64_t n);

/* ---- batch normalisation over (N,C,L), per channel c (L = 1 for a 2-d
 * (N,C) input), torch.nn.BatchNorm1d (Ioffe & Szegedy 2015) ----
 * Training: mean and the biased variance over the N*L values of each
 * channel (two passes, double); out = (x - mean) * rstd * w + b with
 * rstd = 1/sqrt(var + eps); mean (C) and rstd (C) are saved for backward;
 * when running_mean/running_var are not NULL they become
 *   (1 - momentum) * running + momentum * batch,
 * the variance unbiased (times m/(m-1), m = N*L; m >= 2, the caller checks).
 * w, b (C) may be NULL (no affine). */
void batchnorm_forward_train_f32(float *out, float *mean, float *rstd,
                                 float *running_mean, float *running_var,
                                 const float *inp, const float *w,
                                 const float *b, int64_t N, int64_t C,
                                 int64_t L, double eps, double momentum);
void batchnorm_forward_train_f64(double *out, double *mean, double *rstd,
                                 double *running_mean, double *running_var,
                                 const double *inp, const double *w,
                                 const double *b, int64_t N, int64_t C,
                                 int64_t L, double eps, double momentum);
/* Evaluation: the running statistics instead of the batch's. */
void batchnorm_forward_eval_f32(float *out, const float *inp,
                                const float *running_mean,
                                const float *running_var, const float *w,
                                const float *b, int64_t N, int64_t C,
                                int64_t L, double eps);
void batchnorm_forward_eval_f64(double *out, const double *inp,
                                const double *running_mean,
                                const double *running_var, const double *w,
                                const double *b, int64_t N, int64_t C,
                                int64_t L, double eps);
/* Training backward (the batch statistics depend on x): with
 * xhat = (x - mean) * rstd and g = dout * w,
 *   dinp += rstd * (g - mean(g) - xhat * mean(g * xhat)),
 *   dw += sum(dout * xhat), db += sum(dout)  (sums over N and L). */
void batchnorm_backward_train_f32(float *dinp, float *dw, float *db,
                                  const float *dout, const float *inp,
                                  const float *mean, const float *rstd,
                                  const float *w, int64_t N, int64_t C,
                                  int64_t L);
void batchnorm_backward_train_f64(double *dinp, double *dw, double *db,
                                  const double *dout, const double *inp,
                                  const double *mean, const double *rstd,
                                  const double *w, int64_t N, int64_t C,
                                  int64_t L);
/* Evaluation backward (fixed statistics): dinp += dout * w * rstd_run,
 * dw += sum(dout * xhat_run), db += sum(dout). */
void batchnorm_backward_eval_f32(float *dinp, float *dw, float *db,
                                 const float *dout, const float *inp,
                                 const float *running_mean,
                                 const float *running_var, const float *w,
                                 int64_t N, int64_t C, int64_t L, double eps);
void batchnorm_backward_eval_f64(double *dinp, double *dw, double *db,
                                 const double *dout, const double *inp,
                                 const double *running_mean,
                                 const double *running_var, const double *w,
                                 int64_t N, int64_t C, int64_t L, double eps);
void batchnorm_forward_train_ref_f64(double *out, double *mean, double *rstd,
                                     double *running_mean,
                                     double *running_var, const double *inp,
                                     const double *w, const double *b,
                                     int64_t N, int64_t C, int64_t L,
                                     double eps, double momentum);
void batchnorm_backward_train_ref_f64(double *dinp, double *dw, double *db,
                                      const double *dout, const double *inp,
                                      const double *mean, const double *rstd,
                                      const double *w, int64_t N, int64_t C,
                                      int64_t L);

/* ---- losses ----
 * Forward kernels write the per-element losses into out (NULL: not kept)
 * and return their sum (in double, in order).  Backward kernels add
 *   dinp[i] += scale * g_i * dloss_i/dx_i,
 * with g = dout (the per-element upstream gradient, NULL meaning 1) and
 * scale 1/count for a mean, 1 for a sum.
 *
 * Optional weights: w multiplies element i's loss by w[i / wdiv] (wdiv = 1:
 * one weight per element; wdiv = inner size: one per sample), NULL for none.
 */

/* MSE: (x - y)^2. */
double loss_mse_forward_f32(float *out, const float *x, const float *y,
                            int64_t n);
double loss_mse_forward_f64(double *out, const double *x, const double *y,
                            int64_t n);
void loss_mse_backward_f32(float *dinp, const float *dout, double scale,
                           const float *x, const float *y, int64_t n);
void loss_mse_backward_f64(double *dinp, const double *dout, double scale,
                           const double *x, const double *y, int64_t n);

/* Huber (torch.nn.HuberLoss): d = x - y; 0.5 d^2 if |d| < delta, else
 * delta * (|d| - 0.5 delta).  Gradient: d clamped to [-delta, delta]. */
double loss_huber_forward_f32(float *out, const float *x, const float *y,
                              double delta, int64_t n);
double loss_huber_forward_f64(double *out, const double *x, const double *y,
                              double delta, int64_t n);
void loss_huber_backward_f32(float *dinp, const float *dout, double scale,
                             const float *x, const float *y, double delta,
                             int64_t n);
void loss_huber_backward_f64(double *dinp, const double *dout, double scale,
                             const double *x, const double *y, double delta,
                             int64_t n);

/* BCE on probabilities x in [0,1] (torch.nn.BCELoss):
 *   -w (y max(log x, -100) + (1 - y) max(log(1 - x), -100)).
 * Gradient as torch's: w (x - y) / max(x (1 - x), 1e-12). */
double loss_bce_forward_f32(float *out, const float *x, const float *y,
                            const float *w, int64_t wdiv, int64_t n);
double loss_bce_forward_f64(double *out, const double *x, const double *y,
                            const double *w, int64_t wdiv, int64_t n);
void loss_bce_backward_f32(float *dinp, const float *dout, double scale,
                           const float *x, const float *y, const float *w,
                           int64_t wdiv, int64_t n);
void loss_bce_backward_f64(double *dinp, const double *dout, double scale,
                           const double *x, const double *y, const double *w,
                           int64_t wdiv, int64_t n);

/* BCE on logits (torch.nn.BCEWithLogitsLoss), stable form: with
 * pw = pos_weight[i % npw] (1 when pos_weight is NULL) and
 * lw = 1 + (pw - 1) y,
 *   loss = w ((1 - y) x + lw (log1p(exp(-|x|)) + max(-x, 0))),
 * gradient w ((1 + (pw - 1) y) sigmoid(x) - pw y). */
double loss_bce_logits_forward_f32(float *out, const float *x, const float *y,
                                   const float *w, int64_t wdiv,
                                   const float *pos_weight, int64_t npw,
                                   int64_t n);
double loss_bce_logits_forward_f64(double *out, const double *x,
                                   const double *y, const double *w,
                                   int64_t wdiv, const double *pos_weight,
                                   int64_t npw, int64_t n);
void loss_bce_logits_backward_f32(float *dinp, const float *dout,
                                  double scale, const float *x,
                                  const float *y, const float *w,
                                  int64_t wdiv, const float *pos_weight,
                                  int64_t npw, int64_t n);
void loss_bce_logits_backward_f64(double *dinp, const double *dout,
                                  double scale, const double *x,
                                  const double *y, const double *w,
                                  int64_t wdiv, const double *pos_weight,
                                  int64_t npw, int64_t n);

/* Cross-entropy on logits x (N,C) with class labels target (N), 0-BASED in
 * 0..C-1 (the estimator protocol's labels), class weights cw (C) or NULL:
 *   loss_i = -cw[t_i] log_softmax(x_i)[t_i].
 * out (N) or NULL; returns the sum and *wsum = sum cw[t_i] (N without
 * weights: torch's weighted mean divides by it).
 * Backward: dinp[i,c] += scale g_i cw[t_i] (softmax(x_i)_c - [c == t_i]). */
double loss_cross_entropy_forward_f32(float *out, double *wsum,
                                      const float *x, const int64_t *target,
                                      const float *cw, int64_t N, int64_t C);
double loss_cross_entropy_forward_f64(double *out, double *wsum,
                                      const double *x, const int64_t *target,
                                      const double *cw, int64_t N, int64_t C);
void loss_cross_entropy_backward_f32(float *dinp, const float *dout,
                                     double scale, const float *x,
                                     const int64_t *target, const float *cw,
                                     int64_t N, int64_t C);
void loss_cross_entropy_backward_f64(double *dinp, const double *dout,
                                     double scale, const double *x,
                                     const int64_t *target, const double *cw,
                                     int64_t N, int64_t C);
/* The first i with target[i] outside 0..C-1, or -1. */
int64_t loss_find_bad_label(const int64_t *target, int64_t N, int64_t C);

/* Reference twins (double, plain loops). */
double loss_bce_logits_forward_ref_f64(double *out, const double *x,
                                       const double *y, const double *w,
                                       int64_t wdiv, const double *pos_weight,
                                       int64_t npw, int64_t n);
double loss_cross_entropy_forward_ref_f64(double *out, double *wsum,
                                          const double *x,
                                          const int64_t *target,
                                          const double *cw, int64_t N,
                                          int64_t C);

#endif
