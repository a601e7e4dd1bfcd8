/*
 * tensor_reduce.h: reductions, scans, sorting, gathering/scattering and
 * joining of credo tensors.  Pure C core (no Lua); reduce_lua.c binds it.
 *
 * Two levels of API:
 *  - raw-array kernels on (pointer, length, stride) for other C modules
 *    (metrics, trees): tensor_sum_f64, tensor_argsort_f64, ...  Their
 *    indices are 0-based, as C arrays are.
 *  - Tensor kernels (tensor_reduce_dim, tensor_sort, tensor_gather, ...).
 *    Index tensors, in and out, hold 1-BASED int64 positions, exactly what
 *    Lua sees, so an index tensor can go from Lua to the core and back
 *    unchanged.
 *
 * The callers check arguments (dims in range, dtypes, shapes, index values:
 * see tensor_index_find_bad); these functions assert invariants and return
 * a credo_status only for runtime failures (CREDO_ENOMEM, CREDO_EINTR).
 * Preallocated outputs may have any strides; outputs documented as "empty"
 * must be zeroed Tensor structs that the function initialises with
 * tensor_init (the caller releases them, also on failure).
 *
 * Determinism: every reduction uses one fixed summation order (below),
 * whatever the layout, the path taken or the thread count, so the results
 * are the same bits with 1 or N threads.
 *
 * What it is not: no elementwise arithmetic, no broadcasting arithmetic, no
 * autograd, no multi-dim reductions in one call (reduce one dim at a time).
 */
#ifndef CREDO_TENSOR_REDUCE_H
#define CREDO_TENSOR_REDUCE_H

#include <stdint.h>

#include "tensor.h"

/* ---- summation order -------------------------------------------------
 * Floating sums (sum, mean, var, std, norm) accumulate in double, float32
 * inputs included, using blocked summation: a lane is cut into blocks of
 * TENSOR_REDUCE_BLOCK consecutive elements, each block is summed into four
 * accumulators (element i into i mod 4; a short last block's final cnt mod
 * 4 elements into the first) combined as (a0 + a1) + (a2 + a3), and the
 * block sums are added left to right to a running total (Higham, "The
 * accuracy of floating point summation", SIAM J. Sci. Comput. 14(4), 1993:
 * error bound ~ (B/4 + n/B) eps instead of n eps).  Products use the same
 * blocks with multiplication.  Because block boundaries depend only on the
 * position along the lane, blocks can be computed on any thread and
 * combined in order: identical bits. */
#define TENSOR_REDUCE_BLOCK 128

/* ---- raw-array kernels (0-based) ------------------------------------ */

/* Blocked double-precision sum of x[0], x[stride], ... x[(n-1)*stride]. */
double tensor_sum_f32(const float *x, int64_t n, int64_t stride);
double tensor_sum_f64(const double *x, int64_t n, int64_t stride);

/* Position (0..n-1) of the largest / smallest of n strided values; first
 * occurrence on ties; a NaN counts as larger and smaller than everything
 * (the first NaN wins).  n must be >= 1. */
int64_t tensor_argmax_f64(const double *x, int64_t n, int64_t stride);
int64_t tensor_argmin_f64(const double *x, int64_t n, int64_t stride);
int64_t tensor_argmax_f32(const float *x, int64_t n, int64_t stride);
int64_t tensor_argmin_f32(const float *x, int64_t n, int64_t stride);

/* Stable argsort of contiguous x (n): idx (n) receives 0-based positions
 * so that x[idx[0]] <= x[idx[1]] <= ... (>= when descending).  NaN counts
 * as larger than every number: last ascending, first descending (torch).
 * Equal keys keep their input order in both directions.  Bottom-up merge
 * sort with insertion-sorted runs of 16 (Knuth, TAOCP vol. 3, 5.2.4).
 * The _scratch forms take n int64 of scratch and never allocate. */
credo_status tensor_argsort_f64(int64_t *idx, const double *x, int64_t n,
                                int descending);
credo_status tensor_argsort_f32(int64_t *idx, const float *x, int64_t n,
                                int descending);
credo_status tensor_argsort_i64(int64_t *idx, const int64_t *x, int64_t n,
                                int descending);
void tensor_argsort_f64_scratch(int64_t *idx, const double *x, int64_t n,
                                int descending, int64_t *scratch);
void tensor_argsort_i64_scratch(int64_t *idx, const int64_t *x, int64_t n,
                                int descending, int64_t *scratch);

/* ---- reductions over one dim or over all elements ------------------- */

typedef enum {
  TENSOR_RED_SUM, TENSOR_RED_MEAN, TENSOR_RED_PROD, TENSOR_RED_VAR,
  TENSOR_RED_STD, TENSOR_RED_NORM, TENSOR_RED_MIN, TENSOR_RED_MAX,
  TENSOR_RED_ARGMIN, TENSOR_RED_ARGMAX, TENSOR_RED_ANY, TENSOR_RED_ALL,
  TENSOR_RED_COUNT_NONZERO
} tensor_reduce_op;

typedef struct {
  double correction;  /* var/std: divide by n - correction (torch default 1) */
  double p;           /* norm: p > 0, or INFINITY for max |x| (default 2) */
} tensor_reduce_args;

/* Name of op ("sum", "argmax", ...). */
const char *tensor_reduce_name(tensor_reduce_op op);
/* 1 if op accepts dtype dt: mean, var, std and norm refuse int64, as torch
 * does (convert first). */
int tensor_reduce_accepts(tensor_reduce_op op, tensor_dtype dt);
/* dtype of op's result: sum/prod/min/max keep the input dtype (int64 sums
 * stay int64, wrapping on overflow); argmin/argmax/any/all/count_nonzero
 * give int64; mean/var/std/norm keep the float dtype. */
tensor_dtype tensor_reduce_dtype(tensor_reduce_op op, tensor_dtype dt);
/* 1 if op needs at least one element (min, max, argmin, argmax). */
int tensor_reduce_needs_element(tensor_reduce_op op);
/* Shape of a reduction of x along dim (0-based): dim removed, or kept with
 * size 1.  A 0-d x reduces like a 1-d tensor of one element to a 0-d
 * result. */
void tensor_reduce_shape(int *ndim, int64_t *shape, const Tensor *x, int dim,
                         int keepdim);

/* Reduce x along dim (0-based).  out has tensor_reduce_shape (keepdim or
 * not: told apart by out->ndim) and tensor_reduce_dtype.  For MIN/MAX,
 * idx (same shape, int64) receives the 1-based position along dim, or may
 * be NULL.  ARGMIN/ARGMAX write the 1-based position into out.  MIN/MAX/
 * ARG* need x->shape[dim] >= 1.  Empty lanes give sum 0, prod 1, mean/var/
 * std NaN, norm 0, any 0, all 1, count 0. */
credo_status tensor_reduce_dim(Tensor *out, Tensor *idx, const Tensor *x,
                               int dim, tensor_reduce_op op,
                               const tensor_reduce_args *a);

/* A full reduction's value: is_int says which of f / i holds it (int64 for
 * int64 sums, products, min/max of int64 tensors, counts, any/all as 0/1,
 * and for ARGMIN/ARGMAX, whose i is the 0-based flat row-major position).
 * For MIN/MAX, index also holds that 0-based flat position.  A float32
 * result is rounded to float32, as the same reduction along a dim would. */
typedef struct {
  int is_int;
  double f;
  int64_t i;
  int64_t index;
} tensor_scalar;

/* Reduce every element of x, in row-major order (same value as reducing a
 * contiguous copy along its one dim).  A non-contiguous x that does not
 * flatten to one stride is copied first (numel elements of scratch). */
credo_status tensor_reduce_all(tensor_scalar *res, const Tensor *x,
                               tensor_reduce_op op,
                               const tensor_reduce_args *a);

/* Running sum / product along dim: out has x's shape and dtype.  Float
 * inputs run a double accumulator (rounded at each store for float32);
 * int64 wraps on overflow. */
credo_status tensor_cumsum(Tensor *out, const Tensor *x, int dim);
credo_status tensor_cumprod(Tensor *out, const Tensor *x, int dim);

/* ---- sorting and selection ------------------------------------------ */

/* Stable sort of every lane along dim.  values (x's dtype) and indices
 * (int64, 1-based) have x's shape; either may be NULL. */
credo_status tensor_sort(Tensor *values, Tensor *indices, const Tensor *x,
                         int dim, int descending);

/* The k largest (or smallest) of every lane along dim, 0 <= k <=
 * x->shape[dim]: values/indices have x's shape with shape[dim] = k.  Ties
 * go to the earlier position and NaN counts as the largest value, so the
 * result is exactly the first k of the stable sort.  sorted: in sort
 * order; otherwise in increasing position.  A size-k binary heap per lane
 * (O(n log k)); lanes with k > n/8 use the full merge sort. */
credo_status tensor_topk(Tensor *values, Tensor *indices, const Tensor *x,
                         int dim, int64_t k, int largest, int sorted);

/* The k-th smallest (1 <= k <= x->shape[dim]) of every lane: values and
 * indices have tensor_reduce_shape (keepdim told by ndim). */
credo_status tensor_kthvalue(Tensor *values, Tensor *indices,
                             const Tensor *x, int dim, int64_t k);

/* Sorted distinct values of x (flattened): values is an EMPTY Tensor that
 * becomes 1-d of x's dtype.  All NaNs count as one value, sorted last
 * (numpy's equal_nan; torch keeps every NaN apart).  inverse (x's shape,
 * int64, 1-based into values) and counts (int64, like values) are EMPTY
 * Tensors or NULL. */
credo_status tensor_unique(Tensor *values, Tensor *inverse, Tensor *counts,
                           const Tensor *x);

/* ---- gathering and scattering (1-based int64 index tensors) ---------- */

/* Flat row-major position of the first entry of index outside 1..size, or
 * -1 if all are in range; *value receives that entry. */
int64_t tensor_index_find_bad(const Tensor *index, int64_t size,
                              int64_t *value);

/* out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (torch.gather): out has
 * index's shape and x's dtype; index has x's ndim and, except along dim,
 * no size larger than x's. */
credo_status tensor_gather(Tensor *out, const Tensor *x, int dim,
                           const Tensor *index);

/* out = x with dim restricted to the positions in index (0-d or 1-d):
 * out has x's shape with shape[dim] = numel(index). */
credo_status tensor_index_select(Tensor *out, const Tensor *x, int dim,
                                 const Tensor *index);

/* Elements of x where mask (int64) is nonzero, x and mask broadcast
 * together (tensor_broadcast_shape in tensor_ops.h), in row-major order of
 * the broadcast shape: out is an EMPTY Tensor that
 * becomes 1-d of x's dtype. */
credo_status tensor_masked_select(Tensor *out, const Tensor *x,
                                  const Tensor *mask);

/* Positions of the nonzero elements (NaN is nonzero) in row-major order:
 * out is an EMPTY Tensor that becomes (count, ndim) int64, 1-based. */
credo_status tensor_nonzero(Tensor *out, const Tensor *x);

typedef enum { TENSOR_PUT_COPY, TENSOR_PUT_ADD } tensor_put_mode;

/* self[index[i][j]][j] = src[i][j] (or +=) for dim 0 (torch.scatter_):
 * index has self's ndim, no size larger than src's, and none larger than
 * self's except along dim; src has self's dtype.  With duplicate indices
 * the last in row-major order wins (COPY); ADD adds in that order. */
credo_status tensor_scatter(Tensor *self, int dim, const Tensor *index,
                            const Tensor *src, tensor_put_mode mode);
/* self[index[i][j]][j] = value. */
credo_status tensor_scatter_fill(Tensor *self, int dim, const Tensor *index,
                                 double value);

/* self.select(dim, index[i]) = src.select(dim, i) (or +=): index is 0-d or
 * 1-d of length src->shape[dim] (1 if src is 0-d); src has self's dtype
 * and shape except along dim (torch.index_copy_ / index_add_).  Duplicates:
 * the last wins (COPY), or all add in index order (ADD). */
credo_status tensor_index_put(Tensor *self, int dim, const Tensor *index,
                              const Tensor *src, tensor_put_mode mode);
/* self.select(dim, index[i]) = value. */
credo_status tensor_index_fill(Tensor *self, int dim, const Tensor *index,
                               double value);

/* Counts of each value of the 1-d int64 x (all >= 0): out is an EMPTY
 * Tensor that becomes 1-d of length max(max(x) + 1, minlength): int64
 * counts, or with weights (x's shape) their sums per value, accumulated in
 * double in order of position, in weights' float dtype (float64 for int64
 * weights, as torch). */
credo_status tensor_bincount(Tensor *out, const Tensor *x,
                             const Tensor *weights, int64_t minlength);

/* ---- joining --------------------------------------------------------- */

/* dtype that holds both (torch promotion among int64 < float32 < float64). */
tensor_dtype tensor_promote(tensor_dtype a, tensor_dtype b);

/* Concatenate xs[0..n-1] along dim into out (preallocated, any dtype the
 * values convert to).  xs agree with out except along dim; a 1-d empty
 * x (shape [0]) is skipped whatever out's ndim, as torch allows. */
credo_status tensor_cat(Tensor *out, const Tensor *const *xs, int n, int dim);

/* Stack n same-shape tensors along a new dim (0..ndim) into out. */
credo_status tensor_stack(Tensor *out, const Tensor *const *xs, int n,
                          int dim);

#endif
