/*
 * tensor.c: storage, views and element access of the credo Tensor.
 * Pure C; see tensor.h.  Operations live in their own files (tensor_*.c).
 */
#include "tensor.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TENSOR_ALIGN 64

size_t tensor_dtype_size(tensor_dtype dt) {
  switch (dt) {
  case TENSOR_F32: return 4;
  case TENSOR_F64: return 8;
  case TENSOR_I64: return 8;
  }
  return 0;
}

const char *tensor_dtype_name(tensor_dtype dt) {
  switch (dt) {
  case TENSOR_F32: return "float32";
  case TENSOR_F64: return "float64";
  case TENSOR_I64: return "int64";
  }
  return "?";
}

int tensor_dtype_from_name(const char *s) {
  if (!strcmp(s, "float32") || !strcmp(s, "float")) return TENSOR_F32;
  if (!strcmp(s, "float64") || !strcmp(s, "double")) return TENSOR_F64;
  if (!strcmp(s, "int64") || !strcmp(s, "long")) return TENSOR_I64;
  return -1;
}

int64_t tensor_numel_shape(int ndim, const int64_t *shape) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) return -1;
    if (shape[i] != 0 && n > INT64_MAX / shape[i]) return -1;
    n *= shape[i];
  }
  return n;
}

int64_t tensor_numel(const Tensor *t) {
  return tensor_numel_shape(t->ndim, t->shape);
}

void tensor_contiguous_strides(int ndim, const int64_t *shape,
                               int64_t *stride) {
  int64_t s = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    stride[i] = s;
    s *= shape[i] > 0 ? shape[i] : 1;
  }
}

int tensor_is_contiguous(const Tensor *t) {
  int64_t s = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    if (t->shape[i] != 1 && t->stride[i] != s) return 0;
    s *= t->shape[i];
  }
  return 1;
}

credo_status tensor_init(Tensor *t, tensor_dtype dt, int ndim,
                         const int64_t *shape) {
  assert(ndim >= 0 && ndim <= TENSOR_MAXDIM);
  memset(t, 0, sizeof *t);
  t->dtype = dt;
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
  tensor_contiguous_strides(ndim, shape, t->stride);
  int64_t n = tensor_numel_shape(ndim, shape);
  size_t nbytes;
  if (n < 0 || credo_mul_size((size_t)n, tensor_dtype_size(dt), &nbytes) ||
      nbytes > ((size_t)1 << 46))
    return CREDO_ENOMEM;
  Storage *s = malloc(sizeof *s);
  if (!s) return CREDO_ENOMEM;
  s->nbytes = nbytes;
  s->refcount = 1;
  s->data = NULL;
  if (nbytes > 0) {
    size_t rounded = (nbytes + TENSOR_ALIGN - 1) / TENSOR_ALIGN * TENSOR_ALIGN;
    s->data = aligned_alloc(TENSOR_ALIGN, rounded);
    if (!s->data) {
      free(s);
      return CREDO_ENOMEM;
    }
    memset(s->data, 0, nbytes);
  }
  t->storage = s;
  return CREDO_OK;
}

void tensor_init_view(Tensor *dst, const Tensor *src) {
  *dst = *src;
  if (dst->storage) dst->storage->refcount++;
}

void tensor_release(Tensor *t) {
  Storage *s = t->storage;
  t->storage = NULL;
  if (s && --s->refcount == 0) {
    free(s->data);
    free(s);
  }
}

/* Offset (elements) of flat row-major index i within the view. */
static int64_t flat_offset(const Tensor *t, int64_t i) {
  int64_t off = t->offset;
  for (int d = t->ndim - 1; d >= 0; d--) {
    int64_t n = t->shape[d];
    off += (i % n) * t->stride[d];
    i /= n;
  }
  return off;
}

double tensor_get_flat(const Tensor *t, int64_t i) {
  int64_t off = flat_offset(t, i);
  switch (t->dtype) {
  case TENSOR_F32: return ((float *)t->storage->data)[off];
  case TENSOR_F64: return ((double *)t->storage->data)[off];
  case TENSOR_I64: return (double)((int64_t *)t->storage->data)[off];
  }
  return 0;
}

void tensor_set_flat(Tensor *t, int64_t i, double v) {
  int64_t off = flat_offset(t, i);
  switch (t->dtype) {
  case TENSOR_F32: ((float *)t->storage->data)[off] = (float)v; break;
  case TENSOR_F64: ((double *)t->storage->data)[off] = v; break;
  case TENSOR_I64: ((int64_t *)t->storage->data)[off] = (int64_t)v; break;
  }
}

void tensor_copy(Tensor *dst, const Tensor *src) {
  int64_t n = tensor_numel(src);
  assert(n == tensor_numel(dst));
  if (dst->dtype == src->dtype && tensor_is_contiguous(dst) &&
      tensor_is_contiguous(src)) {
    memmove(tensor_data(dst), tensor_data(src),
            (size_t)n * tensor_dtype_size(src->dtype));
    return;
  }
  for (int64_t i = 0; i < n; i++) tensor_set_flat(dst, i, tensor_get_flat(src, i));
}

int tensor_same_shape(const Tensor *a, const Tensor *b) {
  if (a->ndim != b->ndim) return 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i]) return 0;
  return 1;
}

const char *tensor_shape_str(const Tensor *t, char *buf, size_t n) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, n - k, "[");
  for (int i = 0; i < t->ndim && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, i ? ",%lld" : "%lld",
                          (long long)t->shape[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
  return buf;
}
