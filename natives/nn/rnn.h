/*
 * rnn.h: the kernels of credo.nn's recurrent layers, pure C: one layer, one
 * direction, of an LSTM or a GRU with PyTorch's gate layout and equations,
 * forward over a whole batch of sequences and full backpropagation through
 * time, float32 and float64.  stdlib/credo/nn/lstm.lua and gru.lua stack
 * layers (and put dropout between them) on top; docs/nn-recurrent.md is the
 * reference.
 *
 * Layout (batch first, as torch.nn.LSTM(batch_first=True)): x is (B,T,I),
 * the output sequence (B,T,H); weights as torch's: w_ih (G*H, I),
 * w_hh (G*H, H), b_ih and b_hh (G*H), with G = 4 gate blocks i, f, g, o for
 * the LSTM and G = 3 blocks r, z, n for the GRU.
 *
 * LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al.
 * 2000; torch.nn.LSTM's equations):
 *   i = sig(W_ii x + b_ii + W_hi h + b_hi)   f = sig(W_if x + ... )
 *   g = tanh(W_ig x + ...)                   o = sig(W_io x + ...)
 *   c' = f * c + i * g                       h' = o * tanh(c')
 * GRU (Cho et al. 2014; torch.nn.GRU's equations, the reset gate applied
 * after the hidden product):
 *   r = sig(W_ir x + b_ir + W_hr h + b_hr)   z = sig(W_iz x + ... )
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 *   h' = (1 - z) * n + z * h                 computed as n + z * (h - n)
 *
 * How it runs (the efficiency plan of issue 3):
 *   - the input projection of ALL steps is one product per batch chunk,
 *     (rows*T, I) @ W_ih^T, before the recurrence;
 *   - one product per step for the hidden projection, h_{t-1} @ W_hh^T,
 *     added in place into the cached gate pre-activations;
 *   - the gate nonlinearities, the cell update and the output are one fused
 *     loop per row (vectorised; float32 uses the polynomial exp below);
 *   - backward runs the recurrence keeping the pre-activation gradients of
 *     every step, then forms dW_ih, dW_hh with one big product each over
 *     all the steps (K = rows*T) and the bias gradients as column sums.
 *   - Threads: rows of the batch are independent through the whole
 *     recurrence, so the batch is cut into chunks of RNN_CHUNK_ROWS rows (a
 *     partition fixed by B alone) that OpenMP threads run without any
 *     barrier between steps: one parallel region per layer and direction.
 *     In backward each chunk also forms its own share of the weight
 *     gradients (its K = rows*T rows, while its data is in cache) into
 *     partials in scratch; after the region the partials are added to the
 *     gradients in chunk order, in double.  A batch of one chunk adds
 *     straight into the gradients.  Every product is a linalg_gemm call
 *     (fixed tiles, single-threaded OpenBLAS), so the bits never depend on
 *     the thread count.
 *   - No allocation: the caller passes a cache (written by forward, read by
 *     backward; backward may run several times after one forward) and a
 *     scratch block (backward only), sized by the *_numel functions, so a
 *     training loop that keeps them allocates nothing per batch.
 *
 * Conventions (nn.h's): outputs first, then inputs, then sizes; arrays are
 * contiguous row-major; backward ADDS (+=) into the d-prefixed gradients and
 * zeroing is the caller's step; a NULL gradient pointer skips that
 * gradient; NULL h0 / c0 mean zero initial states; NULL b_ih / b_hh mean no
 * bias.  B >= 0, T >= 1, I >= 1, H >= 1, and every product dimension fits a
 * BLAS int (the binding checks).  The recurrence polls credo_interrupted at
 * every step and returns CREDO_EINTR (outputs are then partial).
 *
 * The _ref twins are plain loops over the same cache layout, accumulating
 * in double, with libm's exp and tanh: tests/c/test_rnn.c compares the
 * fast kernels with them.
 *
 * What it is not: no argument checking, no dropout (the Lua layer applies
 * it between stacked layers), no bidirectional or packed (variable-length)
 * sequences, no projection (torch's proj_size).
 */
#ifndef CREDO_RNN_H
#define CREDO_RNN_H

#include <stdint.h>

#include "../common/credo_core.h"

/* Batch rows one worker runs through the whole recurrence.  Fixed (not a
 * function of the thread count) so that results are the same bits for any
 * number of threads. */
#define RNN_CHUNK_ROWS 32

/* ---- LSTM ----
 * cache (lstm_cache_numel = 7*B*T*H elements) holds four planes:
 *   gates (B,T,4H)  i, f, g, o after their nonlinearities
 *   cprev (B,T,H)   c_{t-1} at step t (c0 or 0 at t = 0)
 *   tanhc (B,T,H)   tanh(c_t)
 *   hprev (B,T,H)   h_{t-1} at step t (h0 or 0 at t = 0)
 * scratch (lstm_scratch_numel): gate pre-activation gradients (B,T,4H),
 * the running dh and dc (B,H) each, then, when the batch has nc > 1
 * chunks, nc weight-gradient partials of (4H,I) + (4H,H) + (4H). */
int64_t lstm_cache_numel(int64_t B, int64_t T, int64_t H);
int64_t lstm_scratch_numel(int64_t B, int64_t T, int64_t I, int64_t H);

/* x (B,T,I), h0 and c0 (B,H) or NULL; out (B,T,H) = h_t of every step,
 * hn and cn (B,H) = the states after the last step. */
credo_status lstm_forward_f32(float *out, float *hn, float *cn, float *cache,
                              const float *x, const float *h0,
                              const float *c0, const float *w_ih,
                              const float *w_hh, const float *b_ih,
                              const float *b_hh, int64_t B, int64_t T,
                              int64_t I, int64_t H);
credo_status lstm_forward_f64(double *out, double *hn, double *cn,
                              double *cache, const double *x,
                              const double *h0, const double *c0,
                              const double *w_ih, const double *w_hh,
                              const double *b_ih, const double *b_hh,
                              int64_t B, int64_t T, int64_t I, int64_t H);
/* Backpropagation through time from the cache of the last forward.
 * Upstream gradients: dout (B,T,H) on the output sequence, dhn and dcn
 * (B,H) on the final states; each may be NULL (zero).
 * dx (B,T,I) += dL/dx; dh0, dc0 (B,H) += dL/dh0, dL/dc0; dw_ih (4H,I),
 * dw_hh (4H,H), db_ih, db_hh (4H) += the parameter gradients. */
credo_status lstm_backward_f32(float *dx, float *dh0, float *dc0,
                               float *dw_ih, float *dw_hh, float *db_ih,
                               float *db_hh, float *scratch,
                               const float *dout, const float *dhn,
                               const float *dcn, const float *x,
                               const float *cache, const float *w_ih,
                               const float *w_hh, int64_t B, int64_t T,
                               int64_t I, int64_t H);
credo_status lstm_backward_f64(double *dx, double *dh0, double *dc0,
                               double *dw_ih, double *dw_hh, double *db_ih,
                               double *db_hh, double *scratch,
                               const double *dout, const double *dhn,
                               const double *dcn, const double *x,
                               const double *cache, const double *w_ih,
                               const double *w_hh, int64_t B, int64_t T,
                               int64_t I, int64_t H);
credo_status lstm_forward_ref_f64(double *out, double *hn, double *cn,
                                  double *cache, const double *x,
                                  const double *h0, const double *c0,
                                  const double *w_ih, const double *w_hh,
                                  const double *b_ih, const double *b_hh,
                                  int64_t B, int64_t T, int64_t I, int64_t H);
credo_status lstm_backward_ref_f64(double *dx, double *dh0, double *dc0,
                                   double *dw_ih, double *dw_hh,
                                   double *db_ih, double *db_hh,
                                   double *scratch, const double *dout,
                                   const double *dhn, const double *dcn,
                                   const double *x, const double *cache,
                                   const double *w_ih, const double *w_hh,
                                   int64_t B, int64_t T, int64_t I,
                                   int64_t H);

/* ---- GRU ----
 * cache (gru_cache_numel = 7*B*T*H) holds three planes:
 *   gates (B,T,3H)  r, z, n after their nonlinearities (before that, the
 *                   input projection x W_ih^T + b_ih)
 *   hproj (B,T,3H)  h_{t-1} W_hh^T + b_hh (its n block, W_hn h + b_hn, is
 *                   what backward reads)
 *   hprev (B,T,H)   h_{t-1} at step t (h0 or 0 at t = 0)
 * scratch (gru_scratch_numel): the pre-activation gradients of the input
 * side (B,T,3H) and of the hidden side (B,T,3H), the running dh (B,H),
 * then, when the batch has nc > 1 chunks, nc weight-gradient partials of
 * (3H,I) + (3H,H) + 2 (3H). */
int64_t gru_cache_numel(int64_t B, int64_t T, int64_t H);
int64_t gru_scratch_numel(int64_t B, int64_t T, int64_t I, int64_t H);

/* x (B,T,I), h0 (B,H) or NULL; out (B,T,H), hn (B,H). */
credo_status gru_forward_f32(float *out, float *hn, float *cache,
                             const float *x, const float *h0,
                             const float *w_ih, const float *w_hh,
                             const float *b_ih, const float *b_hh, int64_t B,
                             int64_t T, int64_t I, int64_t H);
credo_status gru_forward_f64(double *out, double *hn, double *cache,
                             const double *x, const double *h0,
                             const double *w_ih, const double *w_hh,
                             const double *b_ih, const double *b_hh,
                             int64_t B, int64_t T, int64_t I, int64_t H);
/* dout (B,T,H) and dhn (B,H) may be NULL.  dx (B,T,I), dh0 (B,H),
 * dw_ih (3H,I), dw_hh (3H,H), db_ih, db_hh (3H) +=. */
credo_status gru_backward_f32(float *dx, float *dh0, float *dw_ih,
                              float *dw_hh, float *db_ih, float *db_hh,
                              float *scratch, const float *dout,
                              const float *dhn, const float *x,
                              const float *cache, const float *w_ih,
                              const float *w_hh, int64_t B, int64_t T,
                              int64_t I, int64_t H);
credo_status gru_backward_f64(double *dx, double *dh0, double *dw_ih,
                              double *dw_hh, double *db_ih, double *db_hh,
                              double *scratch, const double *dout,
                              const double *dhn, const double *x,
                              const double *cache, const double *w_ih,
                              const double *w_hh, int64_t B, int64_t T,
                              int64_t I, int64_t H);
credo_status gru_forward_ref_f64(double *out, double *hn, double *cache,
                                 const double *x, const double *h0,
                                 const double *w_ih, const double *w_hh,
                                 const double *b_ih, const double *b_hh,
                                 int64_t B, int64_t T, int64_t I, int64_t H);
credo_status gru_backward_ref_f64(double *dx, double *dh0, double *dw_ih,
                                  double *dw_hh, double *db_ih,
                                  double *db_hh, double *scratch,
                                  const double *dout, const double *dhn,
                                  const double *x, const double *cache,
                                  const double *w_ih, const double *w_hh,
                                  int64_t B, int64_t T, int64_t I, int64_t H);

/* ---- the float32 nonlinearities of the fused loops ----
 * Exposed for the C test, which measures their error against libm in
 * double.  n elements, out may equal inp.
 * exp: Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, and Cephes'
 * degree-6 polynomial for e^r (S. L. Moshier, Cephes expf.c); inputs are
 * clamped to [-87.3, 88.3].  sigmoid = 1 / (1 + exp(-x)).  tanh: the odd
 * Taylor polynomial through x^15 for |x| < 0.5, (e - 1) / (e + 1) with
 * e = exp(2|x|) above, the sign restored.  A few ulp from the correctly
 * rounded result (the test states the bound). */
void rnn_exp_f32(float *out, const float *inp, int64_t n);
void rnn_sigmoid_f32(float *out, const float *inp, int64_t n);
void rnn_tanh_f32(float *out, const float *inp, int64_t n);

#endif
