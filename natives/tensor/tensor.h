/*
 * tensor.h: credo's N-d array, the pure C core.
 *
 * A Tensor is a strided view (shape, stride, offset, dtype) of a
 * reference-counted Storage.  Views share storage; the last view to be freed
 * releases it.  Row-major; strides and offsets count elements, not bytes.
 * No Lua here (see tensor_lua.c for the binding).
 *
 * What it is not: not an autograd engine (layers carry their own backward),
 * not a lazy/graph library, not thread-safe for concurrent mutation of one
 * tensor's metadata (kernels parallelise inside one call).
 */
#ifndef CREDO_TENSOR_H
#define CREDO_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "../common/credo_core.h"

#define TENSOR_MAXDIM 8

typedef enum { TENSOR_F32 = 0, TENSOR_F64 = 1, TENSOR_I64 = 2 } tensor_dtype;

/* One allocation holds the header and the data (data follows the header,
 * 64-byte aligned), so a tensor costs one malloc and one free. */
typedef struct Storage {
  void *data;      /* 64-byte aligned; NULL when nbytes == 0 */
  size_t nbytes;
  int refcount;    /* views pointing here; Lua is single-threaded */
} Storage;

typedef struct Tensor {
  Storage *storage;                 /* NULL only in a freed/empty Tensor */
  tensor_dtype dtype;
  int ndim;                         /* 0 .. TENSOR_MAXDIM (0 = scalar) */
  int64_t shape[TENSOR_MAXDIM];
  int64_t stride[TENSOR_MAXDIM];    /* elements */
  int64_t offset;                   /* elements */
} Tensor;

/* ---- storage and lifetime ---- */
size_t tensor_dtype_size(tensor_dtype dt);
const char *tensor_dtype_name(tensor_dtype dt);   /* "float32", ... */
int tensor_dtype_from_name(const char *s);        /* -1 if unknown */

/* Number of elements; 1 for a scalar.  tensor_numel_shape returns -1 for
 * a negative size or an overflow; tensor_numel trusts the shape of a live
 * tensor (checked when it was made or expanded). */
int64_t tensor_numel_shape(int ndim, const int64_t *shape);
int64_t tensor_numel(const Tensor *t);

/* Allocate fresh contiguous zero-filled storage for `shape` into *t.
 * Returns CREDO_ENOMEM (and leaves t->storage NULL) on failure. */
credo_status tensor_init(Tensor *t, tensor_dtype dt, int ndim,
                         const int64_t *shape);
/* Same as tensor_init but the data is left uninitialised: for outputs a
 * kernel overwrites completely. */
credo_status tensor_init_uninit(Tensor *t, tensor_dtype dt, int ndim,
                                const int64_t *shape);
/* A 0-d tensor over one caller-owned element at `value` (s is caller-owned
 * storage, e.g. on the stack): how a number is passed to the broadcasting
 * kernels without allocating.  Never release it. */
void tensor_init_scalar(Tensor *t, Storage *s, void *value, tensor_dtype dt);
/* Largest data size tensor_init accepts: the machine's physical memory
 * (a bigger request fails with CREDO_ENOMEM instead of overcommitting). */
size_t tensor_max_bytes(void);
/* Bytes of tensor data allocated and not yet freed, in this process (the
 * binding paces Lua's collector with it). */
size_t tensor_live_bytes(void);
/* Make *dst a view of src's storage (shares it, bumps refcount). */
void tensor_init_view(Tensor *dst, const Tensor *src);
/* Drop this view's reference; safe to call twice. */
void tensor_release(Tensor *t);

/* Row-major contiguous strides for t's shape. */
void tensor_contiguous_strides(int ndim, const int64_t *shape,
                               int64_t *stride);
int tensor_is_contiguous(const Tensor *t);
/* Pointer to the first element of the view. */
static inline void *tensor_data(const Tensor *t) {
  return (char *)t->storage->data +
         (size_t)t->offset * tensor_dtype_size(t->dtype);
}
static inline float *tensor_f32(const Tensor *t) {
  return (float *)tensor_data(t);
}
static inline double *tensor_f64(const Tensor *t) {
  return (double *)tensor_data(t);
}
static inline int64_t *tensor_i64(const Tensor *t) {
  return (int64_t *)tensor_data(t);
}

/* Some dimension of size > 1 has stride 0 (an expand() view): several
 * elements share memory, so it must not be written in place. */
int tensor_is_expanded(const Tensor *t);
/* Both views read or write the same Storage. */
static inline int tensor_shares_storage(const Tensor *a, const Tensor *b) {
  return a->storage != NULL && a->storage == b->storage;
}

/* double -> int64 without undefined behaviour: truncates toward zero,
 * saturates at INT64_MIN/INT64_MAX, NaN -> 0. */
static inline int64_t tensor_double_to_i64(double v) {
  if (v != v) return 0;
  if (v >= 9223372036854775808.0) return INT64_MAX;
  if (v < -9223372036854775808.0) return INT64_MIN;
  return (int64_t)v;
}

/* ---- views: change t's metadata in place (t is usually a fresh view made
 * with tensor_init_view).  Dimensions are 0-based; the caller has checked
 * every range. ---- */
void tensor_view_transpose(Tensor *t, int d1, int d2);
/* New dim i is old dim perm[i]; perm is a permutation of 0..ndim-1. */
void tensor_view_permute(Tensor *t, const int *perm);
/* Elements start .. start+length-1 of dim. */
void tensor_view_narrow(Tensor *t, int dim, int64_t start, int64_t length);
/* count elements of dim from start, every step-th (step >= 1). */
void tensor_view_slice(Tensor *t, int dim, int64_t start, int64_t count,
                       int64_t step);
/* Fix dim at index and drop it (ndim - 1). */
void tensor_view_select(Tensor *t, int dim, int64_t index);
/* Insert a size-1 dim before dim (0 .. ndim); ndim < TENSOR_MAXDIM. */
void tensor_view_unsqueeze(Tensor *t, int dim);
/* Drop dim if its size is 1; dim < 0 drops every size-1 dim. */
void tensor_view_squeeze(Tensor *t, int dim);
/* Broadcast to shape (ndim >= t->ndim, trailing dims aligned; size-1 dims
 * get stride 0).  Returns 0, or -1 (t unchanged) if a dim of size != 1
 * differs or the element count would overflow int64. */
int tensor_view_expand(Tensor *t, int ndim, const int64_t *shape);
/* Give t the shape (same numel) without copying, if its strides allow it
 * (the chunk rule of torch's computeStride: a view can merge or split only
 * dims that are contiguous with each other).  Returns 0, or -1 (t
 * unchanged) when a copy is needed. */
int tensor_view_reshape(Tensor *t, int ndim, const int64_t *shape);

/* Read / write element at flat row-major index i of the view (any layout),
 * converting through double. */
double tensor_get_flat(const Tensor *t, int64_t i);
void tensor_set_flat(Tensor *t, int64_t i, double v);

/* Copy src into dst elementwise in row-major order (same numel, any
 * layouts, any dtypes; float -> int64 as tensor_double_to_i64).  Does not
 * poll the interrupt flag.  For a broadcasting copy that does, see
 * tensor_copy_broadcast (tensor_ops.h). */
void tensor_copy(Tensor *dst, const Tensor *src);

int tensor_same_shape(const Tensor *a, const Tensor *b);
/* "[3,4]" into buf (always terminated). */
const char *tensor_shape_str(const Tensor *t, char *buf, size_t n);

/* The text PyTorch's repr gives (torch/_tensor_str.py with the default
 * options: 4 decimals, summary with 3 edge items above 1000 elements, 80
 * columns), then ", dtype=..." unless float32 and ", shape=[..]":
 *   tensor([[ 0.1000, -1.2000],
 *           [ 3.0000,  4.0000]], shape=[2,2])
 * Returns a malloc'd string (caller frees) or NULL when out of memory. */
char *tensor_format(const Tensor *t);

#endif
