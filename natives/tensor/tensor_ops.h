/*
 * tensor_ops.h: elementwise kernels of the credo Tensor, pure C.
 *
 * Broadcasting (NumPy/PyTorch rules: shapes align at the last dim, a dim of
 * size 1 or a missing dim stretches) over any strides, with fast paths for
 * contiguous operands and for a broadcast scalar.  The caller (the binding
 * or another core) has checked shapes and dtypes and allocated the output;
 * these functions only compute, and return CREDO_EINTR when the interrupt
 * flag is raised mid-way.  Large operations run on OpenMP threads over
 * fixed contiguous partitions of the flat index range (elementwise, so the
 * result never depends on the thread count).
 *
 * What it is not: no dtype promotion (operands arrive in one dtype; the
 * binding converts), no reductions (tensor_reduce.c), no allocation.
 */
#ifndef CREDO_TENSOR_OPS_H
#define CREDO_TENSOR_OPS_H

#include "tensor.h"

typedef enum {
  TENSOR_ADD, TENSOR_SUB, TENSOR_MUL,
  TENSOR_DIV,       /* floats: x / y; int64: floor division, y == 0 -> 0 */
  TENSOR_POW,       /* int64: by squaring, wraps; y < 0 -> 1, +-1 or 0 */
  TENSOR_MAXIMUM,   /* NaN in either operand -> NaN */
  TENSOR_MINIMUM,
  TENSOR_FMOD,      /* sign of x (C fmod); int64 y == 0 -> 0 */
  TENSOR_REMAINDER, /* sign of y (Python %, Lua %); int64 y == 0 -> 0 */
  TENSOR_FLOORDIV,  /* floor(x / y) as Python's //; int64 y == 0 -> 0 */
  /* comparisons: output int64 0/1; NaN compares unequal to everything */
  TENSOR_EQ, TENSOR_NE, TENSOR_LT, TENSOR_LE, TENSOR_GT, TENSOR_GE
} tensor_binop;

static inline int tensor_binop_is_comparison(tensor_binop op) {
  return op >= TENSOR_EQ;
}

typedef enum {
  TENSOR_NEG, TENSOR_ABS,
  TENSOR_EXP, TENSOR_LOG, TENSOR_LOG1P, TENSOR_EXPM1, TENSOR_SQRT,
  TENSOR_TANH,
  TENSOR_SIGMOID, /* 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below: no overflow */
  TENSOR_RELU,    /* NaN stays NaN */
  TENSOR_FLOOR, TENSOR_CEIL,
  TENSOR_ROUND,   /* half to even (nearbyint) */
  TENSOR_SIGN     /* -1, 0, 1; NaN stays NaN */
} tensor_unop;

/* exp, log, log1p, expm1, sqrt, tanh, sigmoid: float results.  On an int64
 * tensor the core computes them in double and stores the saturated
 * integer; the binding promotes to float32 instead. */
static inline int tensor_unop_is_float_only(tensor_unop op) {
  return op >= TENSOR_EXP && op <= TENSOR_SIGMOID;
}

/* The broadcast shape of a and b into (*ndim, shape).  Returns 0, or -1 if
 * a dim differs and neither is 1. */
int tensor_broadcast_shape(int *ndim, int64_t *shape, int andim,
                           const int64_t *ashape, int bndim,
                           const int64_t *bshape);
/* a can be broadcast to exactly shape (ndim) */
int tensor_broadcasts_to(const Tensor *a, int ndim, const int64_t *shape);

/* out = a op b.  a and b have one dtype and broadcast to out's shape; out
 * has that dtype (int64 for comparisons).  out may be a or b (in place),
 * but must not otherwise overlap them, nor be an expanded view. */
credo_status tensor_binary(Tensor *out, tensor_binop op, const Tensor *a,
                           const Tensor *b);
/* out = op(a); same dtype, a broadcasts to out's shape; out may be a. */
credo_status tensor_unary(Tensor *out, tensor_unop op, const Tensor *a);
/* out = min(max(a, lo), hi) (lo > hi gives hi everywhere, as torch);
 * NaN stays NaN.  Pass -INFINITY / INFINITY for a missing bound; int64
 * tensors use the bounds rounded inward (ceil(lo), floor(hi)). */
credo_status tensor_clamp(Tensor *out, const Tensor *a, double lo, double hi);
/* out = mask != 0 ? a : b; a, b and out share a dtype, mask any dtype (NaN
 * counts as nonzero); all broadcast to out's shape. */
credo_status tensor_where(Tensor *out, const Tensor *mask, const Tensor *a,
                          const Tensor *b);
/* int64 0/1 masks of a's shape. */
credo_status tensor_isnan(Tensor *out, const Tensor *a);
credo_status tensor_isfinite(Tensor *out, const Tensor *a);

/* dst = src broadcast to dst's shape, converting the dtype (float -> int64
 * as tensor_double_to_i64).  Polls the interrupt flag. */
credo_status tensor_copy_broadcast(Tensor *dst, const Tensor *src);
/* Same, src of dst's shape (or broadcastable), never interrupted (used by
 * tensor_copy, which cannot fail). */
void tensor_copy_strided(Tensor *dst, const Tensor *src);

/* Every element = v (int64: tensor_double_to_i64(v)); tensor_fill_i64 is
 * exact for int64 tensors beyond 2^53. */
void tensor_fill(Tensor *t, double v);
void tensor_fill_i64(Tensor *t, int64_t v);

/* 1 if no element is NaN or +-inf (always 1 for int64). */
int tensor_all_finite(const Tensor *t);
/* 1 if some element is 0. */
int tensor_any_zero(const Tensor *t);

/* Contiguous fast paths on raw arrays of n elements, for other cores
 * (layers, optimisers).  out may equal a or b.  Arithmetic ops only (no
 * comparisons: their output is int64). */
void tensor_binary_contig_f32(tensor_binop op, float *out, const float *a,
                              const float *b, int64_t n);
void tensor_binary_contig_f64(tensor_binop op, double *out, const double *a,
                              const double *b, int64_t n);
void tensor_binary_contig_i64(tensor_binop op, int64_t *out,
                              const int64_t *a, const int64_t *b, int64_t n);
/* Any binary op, comparisons included (out is then int64_t *), on n
 * elements of one dtype dt: out contiguous, a and b with stride 1 or 0 (a
 * broadcast scalar); one thread.  The small-tensor fast path of the
 * binding. */
void tensor_binary_flat(tensor_binop op, tensor_dtype dt, void *out,
                        const void *a, int64_t sa, const void *b, int64_t sb,
                        int64_t n);
void tensor_unary_contig_f32(tensor_unop op, float *out, const float *a,
                             int64_t n);
void tensor_unary_contig_f64(tensor_unop op, double *out, const double *a,
                             int64_t n);
void tensor_unary_contig_i64(tensor_unop op, int64_t *out, const int64_t *a,
                             int64_t n);

#endif
