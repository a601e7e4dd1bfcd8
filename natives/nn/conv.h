/*
 * conv.h: the kernels of credo.nn's 1-d convolution and max pooling, pure
 * C, forward and backward, float32 and float64.  stdlib/credo/nn/conv1d.lua
 * and maxpool1d.lua call them through rnn_lua.c; docs/nn-recurrent.md is
 * the reference.
 *
 * Layout as torch.nn.Conv1d / MaxPool1d: inputs (B,C,L) (batch, channels,
 * length), weight (OC,C,K), bias (OC).  Output length
 *   Lout = floor((L + 2*pad - K) / stride) + 1    (conv1d_out_length)
 * for both (pooling in floor mode, torch's ceil_mode=False).
 *
 * Convolution (a cross-correlation, as in torch): im2col + one GEMM for the
 * whole batch (measured faster than direct loops even for the first layer
 * of the NERHF CNN, C*K = 3: docs/nn-recurrent.md) (Chellapilla, Puri & Simard, "High performance convolutional
 * neural networks for document processing", 2006):
 *   col (B*Lout, C*K), col[(b,l), (c,k)] = x[b, c, l*stride + k - pad]
 *                                          (0 in the padding),
 *   outT (B*Lout, OC) = col @ W^T,  out[b,oc,l] = outT[(b,l), oc] + bias[oc].
 * Backward: doutT (B*Lout, OC) is dout transposed;
 *   dW (OC, C*K) += doutT^T @ col,  db += sums of dout over b and l,
 *   dcol = doutT @ W,  dx += col2im(dcol) (each dcol entry added back to the
 *   input position it was read from, in order of b, c, l, k).
 * Products are linalg_gemm calls (fixed tiles, single-threaded OpenBLAS);
 * the copies run over fixed slices of the batch, so the same bits at any
 * thread count.
 *
 * Conventions (nn.h's): outputs first, then inputs, then sizes; contiguous
 * row-major arrays; backward ADDS (+=) into the d-prefixed gradients (NULL
 * skips one); the caller passes the cache (written by forward, read by
 * backward) and the scratch, sized by the *_numel functions, so a training
 * loop allocates nothing per batch.  Sizes: B >= 0, C, OC, K, stride >= 1,
 * pad >= 0, Lout >= 1, and every product dimension fits a BLAS int (the
 * binding checks).  CREDO_EINTR when the interrupt flag was raised.
 *
 * What it is not: no argument checking, no dilation or groups, no 2-d
 * convolution, no channels-last layout (a Keras-style (B,L,C) input is
 * transposed by the model: x:transpose(2, 3)).
 */
#ifndef CREDO_CONV_H
#define CREDO_CONV_H

#include <stdint.h>

#include "../common/credo_core.h"

/* floor((L + 2 pad - K) / stride) + 1; <= 0 when the kernel does not fit. */
int64_t conv1d_out_length(int64_t L, int64_t K, int64_t stride, int64_t pad);

/* cache: col (B*Lout, C*K).  scratch: (B*Lout, OC) + (B*Lout, C*K). */
int64_t conv1d_cache_numel(int64_t B, int64_t C, int64_t K, int64_t Lout);
int64_t conv1d_scratch_numel(int64_t B, int64_t C, int64_t OC, int64_t K,
                             int64_t Lout);

/* x (B,C,L), w (OC,C,K), b (OC) or NULL; out (B,OC,Lout). */
credo_status conv1d_forward_f32(float *out, float *col, float *scratch,
                                const float *x, const float *w,
                                const float *b, int64_t B, int64_t C,
                                int64_t L, int64_t OC, int64_t K,
                                int64_t stride, int64_t pad);
credo_status conv1d_forward_f64(double *out, double *col, double *scratch,
                                const double *x, const double *w,
                                const double *b, int64_t B, int64_t C,
                                int64_t L, int64_t OC, int64_t K,
                                int64_t stride, int64_t pad);
/* dout (B,OC,Lout), col from the last forward; dx (B,C,L), dw (OC,C,K),
 * db (OC) +=. */
credo_status conv1d_backward_f32(float *dx, float *dw, float *db,
                                 float *scratch, const float *dout,
                                 const float *col, const float *w, int64_t B,
                                 int64_t C, int64_t L, int64_t OC, int64_t K,
                                 int64_t stride, int64_t pad);
credo_status conv1d_backward_f64(double *dx, double *dw, double *db,
                                 double *scratch, const double *dout,
                                 const double *col, const double *w,
                                 int64_t B, int64_t C, int64_t L, int64_t OC,
                                 int64_t K, int64_t stride, int64_t pad);
/* Reference twins: the definition as loops, double accumulators (col is
 * written too, so backward_ref and backward can share a cache). */
void conv1d_forward_ref_f64(double *out, double *col, const double *x,
                            const double *w, const double *b, int64_t B,
                            int64_t C, int64_t L, int64_t OC, int64_t K,
                            int64_t stride, int64_t pad);
void conv1d_backward_ref_f64(double *dx, double *dw, double *db,
                             const double *dout, const double *x,
                             const double *w, int64_t B, int64_t C, int64_t L,
                             int64_t OC, int64_t K, int64_t stride,
                             int64_t pad);

/* ---- max pooling over rows: x is (N,L) with N = B*C ----
 * out (N,Lout) = the max of each window [l*stride - pad, ... + K) clipped
 * to [0, L) (padding never wins, as torch's -inf padding); idx (N,Lout)
 * receives the 0-based position of the max in its row: the FIRST maximum
 * on ties (strict >), and, as torch, a NaN always takes the place (so a
 * window with NaN gives NaN, the index of its last NaN).  pad <= K/2 (the
 * caller checks), so every window holds at least one input element.
 * Backward: dx[n, idx[n,l]] += dout[n,l], in order of l. */
int64_t maxpool1d_out_length(int64_t L, int64_t K, int64_t stride,
                             int64_t pad);
credo_status maxpool1d_forward_f32(float *out, int64_t *idx, const float *x,
                                   int64_t N, int64_t L, int64_t K,
                                   int64_t stride, int64_t pad);
credo_status maxpool1d_forward_f64(double *out, int64_t *idx,
                                   const double *x, int64_t N, int64_t L,
                                   int64_t K, int64_t stride, int64_t pad);
void maxpool1d_backward_f32(float *dx, const float *dout, const int64_t *idx,
                            int64_t N, int64_t L, int64_t Lout);
void maxpool1d_backward_f64(double *dx, const double *dout,
                            const int64_t *idx, int64_t N, int64_t L,
                            int64_t Lout);
/* Reference twin: every window scanned with its padding as -inf. */
void maxpool1d_forward_ref_f64(double *out, int64_t *idx, const double *x,
                               int64_t N, int64_t L, int64_t K,
                               int64_t stride, int64_t pad);

#endif
