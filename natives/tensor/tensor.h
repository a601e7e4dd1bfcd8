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

/* Number of elements; 1 for a scalar.  Returns -1 on overflow. */
int64_t tensor_numel_shape(int ndim, const int64_t *shape);
int64_t tensor_numel(const Tensor *t);

/* Allocate fresh contiguous zero-filled storage for `shape` into *t.
 * Returns CREDO_ENOMEM (and leaves t->storage NULL) on failure. */
credo_status tensor_init(Tensor *t, tensor_dtype dt, int ndim,
                         const int64_t *shape);
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

/* Read / write element at flat row-major index i of the view (any layout),
 * converting through double. */
double tensor_get_flat(const Tensor *t, int64_t i);
void tensor_set_flat(Tensor *t, int64_t i, double v);

/* Copy src into dst elementwise (same numel, any layouts, any dtypes). */
void tensor_copy(Tensor *dst, const Tensor *src);

int tensor_same_shape(const Tensor *a, const Tensor *b);
/* "[3,4]" into buf (always terminated). */
const char *tensor_shape_str(const Tensor *t, char *buf, size_t n);

#endif
