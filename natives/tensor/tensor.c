/*
 * tensor.c: storage, views, element access and printing of the credo
 * Tensor.  Pure C; see tensor.h.  Not the arithmetic: elementwise kernels
 * are tensor_ops.c, reductions tensor_reduce.c, linear algebra linalg.c.
 */
#include "tensor.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tensor_ops.h"

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
    if (shape[i] < 0 || __builtin_mul_overflow(n, shape[i], &n)) return -1;
  }
  return n;
}

int64_t tensor_numel(const Tensor *t) {
  /* a live tensor's shape was checked when it was made */
  int64_t n = 1;
  for (int i = 0; i < t->ndim; i++) n *= t->shape[i];
  return n;
}

void tensor_contiguous_strides(int ndim, const int64_t *shape,
                               int64_t *stride) {
  /* sizes of 0 count as 1; a tensor with a 0 dim has no element to
   * address, so its other dims may be huge: saturate instead of
   * overflowing (tensor_numel_shape has checked every non-empty shape) */
  int64_t s = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    stride[i] = s;
    if (__builtin_mul_overflow(s, shape[i] > 0 ? shape[i] : 1, &s)) s = INT64_MAX;
  }
}

int tensor_is_contiguous(const Tensor *t) {
  /* no element to address: contiguous whatever the strides (as torch) */
  for (int i = 0; i < t->ndim; i++)
    if (t->shape[i] == 0) return 1;
  int64_t s = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    if (t->shape[i] != 1 && t->stride[i] != s) return 0;
    s *= t->shape[i];
  }
  return 1;
}

size_t tensor_max_bytes(void) {
  static size_t limit = 0;
  if (limit == 0) {
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    size_t phys = (pages > 0 && psize > 0) ? (size_t)pages * (size_t)psize
                                           : ((size_t)1 << 40);
    limit = phys < ((size_t)1 << 46) ? phys : ((size_t)1 << 46);
  }
  return limit;
}

/* Header and data in one block: the header at the start (malloc's 16-byte
 * alignment suffices for it), the data at the next 64-byte boundary after
 * it.  calloc when zeroing, so large zeroed tensors get fresh pages for
 * free.  (A per-thread cache of small blocks was measured: 5% off a small
 * `a + b`, not worth its memory and complexity.) */
static size_t live_bytes = 0; /* updated atomically: cores may run threads */

size_t tensor_live_bytes(void) {
  return __atomic_load_n(&live_bytes, __ATOMIC_RELAXED);
}

static credo_status storage_new(Storage **out, size_t nbytes, int zero) {
  if (nbytes > tensor_max_bytes()) return CREDO_ENOMEM;
  size_t total = sizeof(Storage) + (TENSOR_ALIGN - 1) + nbytes;
  Storage *s = zero ? calloc(1, total) : malloc(total);
  if (!s) return CREDO_ENOMEM;
  __atomic_add_fetch(&live_bytes, nbytes, __ATOMIC_RELAXED);
  uintptr_t p = (uintptr_t)(s + 1);
  p = (p + TENSOR_ALIGN - 1) & ~(uintptr_t)(TENSOR_ALIGN - 1);
  s->data = nbytes > 0 ? (void *)p : NULL;
  s->nbytes = nbytes;
  s->refcount = 1;
  *out = s;
  return CREDO_OK;
}

static credo_status init(Tensor *t, tensor_dtype dt, int ndim,
                         const int64_t *shape, int zero) {
  assert(ndim >= 0 && ndim <= TENSOR_MAXDIM);
  memset(t, 0, sizeof *t);
  t->dtype = dt;
  t->ndim = ndim;
  int64_t n = tensor_numel_shape(ndim, shape);
  size_t nbytes;
  if (n < 0 || credo_mul_size((size_t)n, tensor_dtype_size(dt), &nbytes))
    return CREDO_ENOMEM;
  for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
  tensor_contiguous_strides(ndim, shape, t->stride);
  return storage_new(&t->storage, nbytes, zero);
}

credo_status tensor_init(Tensor *t, tensor_dtype dt, int ndim,
                         const int64_t *shape) {
  return init(t, dt, ndim, shape, 1);
}

credo_status tensor_init_uninit(Tensor *t, tensor_dtype dt, int ndim,
                                const int64_t *shape) {
  return init(t, dt, ndim, shape, 0);
}

void tensor_init_scalar(Tensor *t, Storage *s, void *value, tensor_dtype dt) {
  memset(t, 0, sizeof *t);
  s->data = value;
  s->nbytes = tensor_dtype_size(dt);
  s->refcount = 1;
  t->storage = s;
  t->dtype = dt;
}

void tensor_init_view(Tensor *dst, const Tensor *src) {
  *dst = *src;
  if (dst->storage) dst->storage->refcount++;
}

void tensor_release(Tensor *t) {
  Storage *s = t->storage;
  t->storage = NULL;
  if (s && --s->refcount == 0) {
    __atomic_sub_fetch(&live_bytes, s->nbytes, __ATOMIC_RELAXED);
    free(s);
  }
}

int tensor_is_expanded(const Tensor *t) {
  for (int i = 0; i < t->ndim; i++)
    if (t->stride[i] == 0 && t->shape[i] > 1) return 1;
  return 0;
}

/* ---- views ---- */

void tensor_view_transpose(Tensor *t, int d1, int d2) {
  int64_t s = t->shape[d1], st = t->stride[d1];
  t->shape[d1] = t->shape[d2];
  t->stride[d1] = t->stride[d2];
  t->shape[d2] = s;
  t->stride[d2] = st;
}

void tensor_view_permute(Tensor *t, const int *perm) {
  int64_t shape[TENSOR_MAXDIM], stride[TENSOR_MAXDIM];
  for (int i = 0; i < t->ndim; i++) {
    shape[i] = t->shape[perm[i]];
    stride[i] = t->stride[perm[i]];
  }
  memcpy(t->shape, shape, sizeof shape);
  memcpy(t->stride, stride, sizeof stride);
}

void tensor_view_narrow(Tensor *t, int dim, int64_t start, int64_t length) {
  assert(start >= 0 && length >= 0 && start + length <= t->shape[dim]);
  if (length > 0) t->offset += start * t->stride[dim];
  t->shape[dim] = length;
}

void tensor_view_slice(Tensor *t, int dim, int64_t start, int64_t count,
                       int64_t step) {
  assert(step >= 1 && count >= 0);
  if (count > 0) t->offset += start * t->stride[dim];
  t->shape[dim] = count;
  t->stride[dim] *= step;
}

void tensor_view_select(Tensor *t, int dim, int64_t index) {
  assert(index >= 0 && index < t->shape[dim]);
  t->offset += index * t->stride[dim];
  for (int i = dim; i + 1 < t->ndim; i++) {
    t->shape[i] = t->shape[i + 1];
    t->stride[i] = t->stride[i + 1];
  }
  t->ndim--;
  t->shape[t->ndim] = 0;
  t->stride[t->ndim] = 0;
}

void tensor_view_unsqueeze(Tensor *t, int dim) {
  assert(t->ndim < TENSOR_MAXDIM && dim >= 0 && dim <= t->ndim);
  for (int i = t->ndim; i > dim; i--) {
    t->shape[i] = t->shape[i - 1];
    t->stride[i] = t->stride[i - 1];
  }
  t->shape[dim] = 1;
  /* any stride is valid for a size-1 dim; this one keeps the view
   * contiguous when t was */
  t->stride[dim] = dim < t->ndim ? t->shape[dim + 1] * t->stride[dim + 1] : 1;
  t->ndim++;
}

void tensor_view_squeeze(Tensor *t, int dim) {
  int k = 0;
  for (int i = 0; i < t->ndim; i++) {
    int drop = t->shape[i] == 1 && (dim < 0 || dim == i);
    if (drop) continue;
    t->shape[k] = t->shape[i];
    t->stride[k] = t->stride[i];
    k++;
  }
  for (int i = k; i < t->ndim; i++) t->shape[i] = t->stride[i] = 0;
  t->ndim = k;
}

int tensor_view_expand(Tensor *t, int ndim, const int64_t *shape) {
  assert(ndim >= t->ndim && ndim <= TENSOR_MAXDIM);
  if (tensor_numel_shape(ndim, shape) < 0) return -1; /* overflows int64 */
  int64_t stride[TENSOR_MAXDIM];
  int lead = ndim - t->ndim;
  for (int i = 0; i < ndim; i++) {
    if (i < lead) {
      stride[i] = 0;
      continue;
    }
    int64_t have = t->shape[i - lead];
    if (have == shape[i]) stride[i] = t->stride[i - lead];
    else if (have == 1) stride[i] = 0;
    else return -1;
  }
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++) {
    t->shape[i] = shape[i];
    t->stride[i] = stride[i];
  }
  return 0;
}

/* Strides for viewing t with a new shape.  The old dims split into chunks
 * whose elements are equally spaced (dim d-1 and d are in one chunk when
 * stride[d-1] == shape[d]*stride[d]); walking both shapes from the last
 * dim, the new dims must cover each chunk exactly.  Same rule as torch's
 * computeStride (aten/src/ATen/TensorUtils.cpp). */
int tensor_view_reshape(Tensor *t, int ndim, const int64_t *shape) {
  int64_t stride[TENSOR_MAXDIM];
  int64_t n = tensor_numel(t);
  assert(n == tensor_numel_shape(ndim, shape));
  if (n == 0 || t->ndim == 0) {
    /* nothing to address (or one element): any strides do */
    tensor_contiguous_strides(ndim, shape, stride);
  } else {
    int nd = ndim - 1;
    int64_t base = t->stride[t->ndim - 1]; /* spacing inside the chunk */
    int64_t chunk = 1, covered = 1;        /* elements in chunk / new dims */
    for (int d = t->ndim - 1; d >= 0; d--) {
      chunk *= t->shape[d];
      int ends = d == 0 || (t->shape[d - 1] != 1 &&
                            t->stride[d - 1] != chunk * base);
      if (!ends) continue;
      while (nd >= 0 && (covered < chunk || shape[nd] == 1)) {
        stride[nd] = covered * base;
        covered *= shape[nd];
        nd--;
      }
      if (covered != chunk) return -1;
      if (d > 0) {
        base = t->stride[d - 1];
        chunk = covered = 1;
      }
    }
    if (nd != -1) return -1;
  }
  t->ndim = ndim;
  for (int i = 0; i < TENSOR_MAXDIM; i++) {
    t->shape[i] = i < ndim ? shape[i] : 0;
    t->stride[i] = i < ndim ? stride[i] : 0;
  }
  return 0;
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
  case TENSOR_I64:
    ((int64_t *)t->storage->data)[off] = tensor_double_to_i64(v);
    break;
  }
}

void tensor_copy(Tensor *dst, const Tensor *src) {
  int64_t n = tensor_numel(src);
  assert(n == tensor_numel(dst));
  if (n == 0) return;
  if (dst->dtype == src->dtype && tensor_is_contiguous(dst) &&
      tensor_is_contiguous(src)) {
    memmove(tensor_data(dst), tensor_data(src),
            (size_t)n * tensor_dtype_size(src->dtype));
    return;
  }
  /* Same shape, src viewable with dst's shape, or dst viewable with src's
   * (always so when dst is contiguous): the strided kernel.  The views are
   * metadata copies; dst and src keep the storage alive meanwhile. */
  Tensor v = *src;
  if (tensor_same_shape(dst, src) ||
      tensor_view_reshape(&v, dst->ndim, dst->shape) == 0) {
    tensor_copy_strided(dst, &v);
    return;
  }
  Tensor w = *dst;
  if (tensor_view_reshape(&w, src->ndim, src->shape) == 0) {
    tensor_copy_strided(&w, src);
    return;
  }
  for (int64_t i = 0; i < n; i++) {
    if (src->dtype == TENSOR_I64 && dst->dtype == TENSOR_I64) /* exact */
      ((int64_t *)dst->storage->data)[flat_offset(dst, i)] =
          ((const int64_t *)src->storage->data)[flat_offset(src, i)];
    else
      tensor_set_flat(dst, i, tensor_get_flat(src, i));
  }
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

/* ---- printing ----
 * A transcription of the rules of torch/_tensor_str.py (_Formatter,
 * _vector_str, _tensor_str_with_formatter, _add_suffixes) with the default
 * print options.  Floats: when every shown nonzero finite value is whole,
 * "integer mode" ("1.", "-3."); otherwise 4 decimals; scientific ("1.0000e+08")
 * when max/min of the nonzero finite magnitudes exceeds 1000, the max
 * exceeds 1e8, or (non-integer mode) the min is below 1e-4.  All elements
 * are padded to the widest one.  Only the shown elements decide the format. */

#define PRINT_THRESHOLD 1000
#define PRINT_EDGE 3
#define PRINT_LINEWIDTH 80
#define PRINT_INDENT 7 /* strlen("tensor(") */

typedef struct {
  char *p;
  size_t len, cap;
  int oom;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

static void buf_str(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_spaces(Buf *b, int n) {
  for (int i = 0; i < n; i++) buf_add(b, " ", 1);
}

typedef struct {
  int floating, int_mode, sci_mode, width;
  /* statistics of the shown nonzero finite values (floating only) */
  int64_t count;
  double minabs, maxabs;
} Fmt;

static double elem_f(const Tensor *t, int64_t off) {
  switch (t->dtype) {
  case TENSOR_F32: return ((const float *)t->storage->data)[off];
  case TENSOR_F64: return ((const double *)t->storage->data)[off];
  case TENSOR_I64: return (double)((const int64_t *)t->storage->data)[off];
  }
  return 0;
}

static int64_t elem_i(const Tensor *t, int64_t off) {
  return ((const int64_t *)t->storage->data)[off];
}

/* Text of one element without padding; returns its length. */
static int fmt_raw(const Fmt *f, const Tensor *t, int64_t off, char *out,
                   size_t n) {
  if (!f->floating)
    return snprintf(out, n, "%lld", (long long)elem_i(t, off));
  double v = elem_f(t, off);
  if (isnan(v)) return snprintf(out, n, "nan");
  if (isinf(v)) return snprintf(out, n, v > 0 ? "inf" : "-inf");
  if (f->sci_mode) return snprintf(out, n, "%.4e", v);
  if (f->int_mode) return snprintf(out, n, "%.0f.", v);
  return snprintf(out, n, "%.4f", v);
}

typedef void (*VisitFn)(Fmt *f, const Tensor *t, int64_t off);

/* Call fn on every shown element, in order: all of them, or when
 * summarising the first and last PRINT_EDGE of each longer dim. */
static void visit(Fmt *f, const Tensor *t, int summarize, int d, int64_t off,
                  VisitFn fn) {
  if (d == t->ndim) {
    fn(f, t, off);
    return;
  }
  int64_t n = t->shape[d];
  int summ = summarize && n > 2 * PRINT_EDGE;
  for (int64_t i = 0; i < n; i++) {
    if (summ && i == PRINT_EDGE) i = n - PRINT_EDGE;
    visit(f, t, summarize, d + 1, off + i * t->stride[d], fn);
  }
}

static void stats_fn(Fmt *f, const Tensor *t, int64_t off) {
  double v = elem_f(t, off);
  if (!isfinite(v) || v == 0) return;
  double a = fabs(v);
  if (f->count == 0 || a < f->minabs) f->minabs = a;
  if (f->count == 0 || a > f->maxabs) f->maxabs = a;
  if (v != ceil(v)) f->int_mode = 0;
  f->count++;
}

static void width_fn(Fmt *f, const Tensor *t, int64_t off) {
  if (f->floating) {
    double v = elem_f(t, off);
    if (!isfinite(v) || v == 0) return; /* torch sizes only these */
  }
  char s[64];
  int w = fmt_raw(f, t, off, s, sizeof s);
  if (w > f->width) f->width = w;
}

static void fmt_build(Fmt *f, const Tensor *t, int summarize) {
  memset(f, 0, sizeof *f);
  f->floating = t->dtype != TENSOR_I64;
  f->int_mode = 1;
  f->width = 1;
  if (f->floating) {
    visit(f, t, summarize, 0, t->offset, stats_fn);
    if (f->count == 0) return;
    double ratio = f->maxabs / f->minabs;
    if (f->int_mode)
      f->sci_mode = ratio > 1000.0 || f->maxabs > 1.0e8;
    else
      f->sci_mode = ratio > 1000.0 || f->maxabs > 1.0e8 || f->minabs < 1.0e-4;
  }
  visit(f, t, summarize, 0, t->offset, width_fn);
}

static void put_value(Buf *b, const Fmt *f, const Tensor *t, int64_t off) {
  char s[64];
  int w = fmt_raw(f, t, off, s, sizeof s);
  if (w > (int)sizeof s - 1) w = (int)sizeof s - 1; /* cannot happen: the
                                                       modes bound widths */
  buf_spaces(b, f->width - w);
  buf_add(b, s, (size_t)w);
}

static void put_tensor(Buf *b, const Fmt *f, const Tensor *t, int summarize,
                       int d, int64_t off, int indent) {
  int rem = t->ndim - d;
  if (rem == 0) {
    put_value(b, f, t, off);
    return;
  }
  int64_t n = t->shape[d];
  int summ = summarize && n > 2 * PRINT_EDGE;
  buf_add(b, "[", 1);
  if (rem == 1) {
    /* elements per line, the " ..." marker counting as one element */
    int per_line = (PRINT_LINEWIDTH - indent) / (f->width + 2);
    if (per_line < 1) per_line = 1;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++, k++) {
      if (k > 0) {
        if (k % per_line == 0) {
          buf_add(b, ",\n", 2);
          buf_spaces(b, indent + 1);
        } else {
          buf_add(b, ", ", 2);
        }
      }
      if (summ && i == PRINT_EDGE) {
        buf_str(b, " ...");
        i = n - PRINT_EDGE - 1;
        continue;
      }
      put_value(b, f, t, off + i * t->stride[d]);
    }
  } else {
    for (int64_t i = 0; i < n; i++) {
      if (i > 0) {
        buf_add(b, ",", 1);
        for (int j = 0; j < rem - 1; j++) buf_add(b, "\n", 1);
        buf_spaces(b, indent + 1);
      }
      if (summ && i == PRINT_EDGE) {
        buf_str(b, "...");
        i = n - PRINT_EDGE - 1;
        continue;
      }
      put_tensor(b, f, t, summarize, d + 1, off + i * t->stride[d],
                 indent + 1);
    }
  }
  buf_add(b, "]", 1);
}

char *tensor_format(const Tensor *t) {
  Buf b = {0};
  buf_str(&b, "tensor(");
  int64_t n = tensor_numel(t);
  if (n == 0) {
    buf_str(&b, "[]");
  } else {
    int summarize = n > PRINT_THRESHOLD;
    Fmt f;
    fmt_build(&f, t, summarize);
    put_tensor(&b, &f, t, summarize, 0, t->offset, PRINT_INDENT);
  }
  /* suffixes go on the last line while it stays within 80 columns; the
   * line length is counted as torch counts it (two more than the text) */
  char suffix[2][220], shape[200];
  int ns = 0;
  if (t->dtype != TENSOR_F32)
    snprintf(suffix[ns++], sizeof suffix[0], "dtype=%s",
             tensor_dtype_name(t->dtype));
  snprintf(suffix[ns++], sizeof suffix[0], "shape=%s",
           tensor_shape_str(t, shape, sizeof shape));
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  const char *nl = strrchr(b.p, '\n');
  size_t last = nl ? (size_t)(b.p + b.len - nl) + 1 : b.len + 2;
  for (int i = 0; i < ns; i++) {
    size_t len = strlen(suffix[i]);
    if (last + len + 2 > PRINT_LINEWIDTH) {
      buf_add(&b, ",\n", 2);
      buf_spaces(&b, PRINT_INDENT);
      last = PRINT_INDENT + len;
    } else {
      buf_add(&b, ", ", 2);
      last += len + 2;
    }
    buf_add(&b, suffix[i], len);
  }
  buf_add(&b, ")", 1);
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  return b.p;
}
