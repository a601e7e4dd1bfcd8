/*
 * optim.h: the update kernels of credo.optim (SGD, AdaGrad, RMSprop, Adam,
 * AdamW), pure C, float32 and float64.
 *
 * Each kernel is one flat pass over one parameter tensor and its state
 * (llm.c's gpt2_update): p, g and every state array are contiguous arrays
 * of n elements.  The arithmetic is that of PyTorch 1.13's single-tensor
 * (foreach=False) paths in torch/optim (sgd.py, adagrad.py, rmsprop.py,
 * adam.py, adamw.py), operation for operation, in the tensor's own
 * precision: a float32 parameter is updated in float32, every Python
 * scalar (lr, betas, 1 - beta, ...) is computed in double and rounded to
 * the tensor's type where torch rounds it, and a fused multiply-add is
 * used exactly where torch's CPU kernels fuse (optim.c says where), so one
 * step from the same state gives the same parameters, bit for bit on the
 * fixtures.  The Lua layer (stdlib/credo/optim) keeps the state and the
 * hyperparameters; docs/optim.md is the reference.
 *
 * Every kernel has a _ref twin that performs torch's sequence of
 * whole-array operations (mul_, add_, addcmul_, addcdiv_, each one pass
 * over the array with a temporary) instead of one fused pass: the C test
 * checks that both give the same bits.
 *
 * What it is not: no argument checking (the binding optim_lua.c checks),
 * no allocation in the fast kernels, no sparse gradients, no `maximize`,
 * no parameter groups (the Lua layer loops over them).  Elementwise, so
 * results do not depend on the thread count (large arrays are cut into
 * fixed static partitions).
 */
#ifndef CREDO_OPTIM_H
#define CREDO_OPTIM_H

#include <stdint.h>

#include "../common/credo_core.h"

/* ---- SGD with momentum (Sutskever et al., ICML 2013; torch.optim.SGD) ----
 * p, g are (n); buf is (n), the momentum buffer, or NULL when momentum is 0.
 *   d = g + weight_decay * p
 *   buf = first ? d : momentum * buf + (1 - dampening) * d
 *   d = nesterov ? d + momentum * buf : buf           (when momentum != 0)
 *   p = p - lr * d
 * `first` is 1 on the step that creates the buffer (torch clones d). */
void optim_sgd_f32(float *p, float *buf, const float *g, int64_t n, double lr,
                   double momentum, double dampening, double weight_decay,
                   int nesterov, int first);
void optim_sgd_f64(double *p, double *buf, const double *g, int64_t n,
                   double lr, double momentum, double dampening,
                   double weight_decay, int nesterov, int first);

/* ---- AdaGrad (Duchi, Hazan & Singer, JMLR 2011; torch.optim.Adagrad) ----
 * p, g, sum are (n); step >= 1 counts this step.
 *   d = g + weight_decay * p;  clr = lr / (1 + (step - 1) * lr_decay)
 *   sum = sum + d * d;  p = p - clr * d / (sqrt(sum) + eps) */
void optim_adagrad_f32(float *p, float *sum, const float *g, int64_t n,
                       int64_t step, double lr, double lr_decay,
                       double weight_decay, double eps);
void optim_adagrad_f64(double *p, double *sum, const double *g, int64_t n,
                       int64_t step, double lr, double lr_decay,
                       double weight_decay, double eps);

/* ---- RMSprop (Hinton, Coursera lecture 6e, 2012; Graves 2013 for the
 * centered form; torch.optim.RMSprop) ----
 * p, g, square_avg are (n); grad_avg is (n) when centered, else NULL; buf
 * is (n) when momentum > 0, else NULL.
 *   d = g + weight_decay * p
 *   sq = alpha * sq + (1 - alpha) * d * d
 *   centered: ga = alpha * ga + (1 - alpha) * d;  avg = sqrt(sq - ga * ga)
 *   else avg = sqrt(sq);  avg = avg + eps
 *   momentum > 0: buf = momentum * buf + d / avg;  p = p - lr * buf
 *   else p = p - lr * d / avg */
void optim_rmsprop_f32(float *p, float *square_avg, float *grad_avg,
                       float *buf, const float *g, int64_t n, double lr,
                       double alpha, double eps, double weight_decay,
                       double momentum);
void optim_rmsprop_f64(double *p, double *square_avg, double *grad_avg,
                       double *buf, const double *g, int64_t n, double lr,
                       double alpha, double eps, double weight_decay,
                       double momentum);

/* ---- Adam (Kingma & Ba, ICLR 2015) and AdamW (Loshchilov & Hutter, ICLR
 * 2019); AMSGrad (Reddi, Kale & Kumar, ICLR 2018); torch.optim.Adam/AdamW.
 * p, g, m (exp_avg), v (exp_avg_sq) are (n); vmax (max_exp_avg_sq) is (n)
 * when amsgrad, else NULL; step >= 1 counts this step.
 *   decoupled (AdamW): p = p * (1 - lr * weight_decay);  d = g
 *   else (Adam):       d = g + weight_decay * p
 *   m = beta1 * m + (1 - beta1) * d;  v = beta2 * v + (1 - beta2) * d * d
 *   bc1 = 1 - beta1^step;  bc2 = 1 - beta2^step   (in double)
 *   amsgrad: vmax = max(vmax, v) and vmax replaces v below
 *   denom = sqrt(v) / sqrt(bc2) + eps;  p = p - (lr / bc1) * m / denom */
void optim_adam_f32(float *p, float *m, float *v, float *vmax, const float *g,
                    int64_t n, int64_t step, double lr, double beta1,
                    double beta2, double eps, double weight_decay,
                    int decoupled);
void optim_adam_f64(double *p, double *m, double *v, double *vmax,
                    const double *g, int64_t n, int64_t step, double lr,
                    double beta1, double beta2, double eps,
                    double weight_decay, int decoupled);

/* Which compiled loops run: 1 the FMA-instruction ones (x86-64 only; the
 * caller must know the CPU has FMA), 0 the plain ones (fma() from libm),
 * -1 (the default) chosen from the CPU.  Results are the same bits; the C
 * test checks it. */
void optim_set_fma(int mode);

/* ---- _ref twins: torch's sequence of whole-array passes (same contracts,
 * same results bit for bit).  They allocate temporaries and return
 * CREDO_ENOMEM when that fails. ---- */
credo_status optim_sgd_ref_f32(float *p, float *buf, const float *g,
                               int64_t n, double lr, double momentum,
                               double dampening, double weight_decay,
                               int nesterov, int first);
credo_status optim_sgd_ref_f64(double *p, double *buf, const double *g,
                               int64_t n, double lr, double momentum,
                               double dampening, double weight_decay,
                               int nesterov, int first);
credo_status optim_adagrad_ref_f32(float *p, float *sum, const float *g,
                                   int64_t n, int64_t step, double lr,
                                   double lr_decay, double weight_decay,
                                   double eps);
credo_status optim_adagrad_ref_f64(double *p, double *sum, const double *g,
                                   int64_t n, int64_t step, double lr,
                                   double lr_decay, double weight_decay,
                                   double eps);
credo_status optim_rmsprop_ref_f32(float *p, float *square_avg,
                                   float *grad_avg, float *buf,
                                   const float *g, int64_t n, double lr,
                                   double alpha, double eps,
                                   double weight_decay, double momentum);
credo_status optim_rmsprop_ref_f64(double *p, double *square_avg,
                                   double *grad_avg, double *buf,
                                   const double *g, int64_t n, double lr,
                                   double alpha, double eps,
                                   double weight_decay, double momentum);
credo_status optim_adam_ref_f32(float *p, float *m, float *v, float *vmax,
                                const float *g, int64_t n, int64_t step,
                                double lr, double beta1, double beta2,
                                double eps, double weight_decay,
                                int decoupled);
credo_status optim_adam_ref_f64(double *p, double *m, double *v, double *vmax,
                                const double *g, int64_t n, int64_t step,
                                double lr, double beta1, double beta2,
                                double eps, double weight_decay,
                                int decoupled);

/* ---- gradient norms (clip_grad_norm) ----
 * The sum of squares of x (n) accumulated in double in a fixed order (four
 * interleaved accumulators, element i into i mod 4); the sum of |x|^p in
 * double, left to right; the largest |x| (NaN propagates). */
double optim_sumsq_f32(const float *x, int64_t n);
double optim_sumsq_f64(const double *x, int64_t n);
double optim_powsum_f32(const float *x, int64_t n, double p);
double optim_powsum_f64(const double *x, int64_t n, double p);
double optim_absmax_f32(const float *x, int64_t n);
double optim_absmax_f64(const double *x, int64_t n);
/* x = x * c, in x's precision (c rounded to float for float32). */
void optim_scale_f32(float *x, int64_t n, double c);
void optim_scale_f64(double *x, int64_t n, double c);

#endif
