/*
 * tensor_ops.c: elementwise kernels (binary with broadcasting, unary,
 * clamp, where, masks, converting copies, fill) over any strides.  Pure C;
 * see tensor_ops.h.
 *
 * How a kernel runs: an iterator (Iter) lines every operand up with the
 * output's shape (a broadcast dim gets stride 0), drops size-1 dims and
 * merges dims that are contiguous in every operand (so a contiguous or
 * simply broadcast operation becomes one long row), then calls a typed row
 * function on each innermost row.  Row functions switch on the dtype once
 * (binary_row_f32, _f64, _i64) and on the op once per row; the loops inside
 * are specialised for the stride patterns that matter (all contiguous, one
 * side a broadcast scalar), which the compiler vectorises.
 *
 * It refuses to promote dtypes, check shapes or allocate: the binding does.
 * Float math goes through <tgmath.h>, so exp() of a float is expf().
 */
#include "tensor_ops.h"

#include <assert.h>
#include <string.h>
#include <tgmath.h>

#define MAXOPS 4           /* output + up to 3 inputs (where) */
/* Elements from which a kernel runs on several threads.  Cheap ops (add,
 * compare, copy, fill) are limited by memory bandwidth, so threads pay off
 * only on large arrays, and on a loaded machine a descheduled thread stalls
 * the others at the barrier (measured: 100 adds of 1M floats took 4x longer
 * with 2 threads than with 1 on the busy 2-core build machine).  Costly ops
 * (exp, log, tanh, pow, ...) are compute-bound and split earlier. */
#define PAR_CHEAP (1 << 20)
#define PAR_COSTLY (1 << 15)
#define SERIAL INT64_MAX
#define POLL_EVERY (1 << 16) /* elements between interrupt polls */

/* One innermost row: p[k] points at operand k's first element, s[k] is its
 * stride in elements, n the row length.  Operand 0 is the output. */
typedef void (*RowFn)(void *ctx, char *const *p, const int64_t *s,
                      int64_t n);

typedef struct {
  int nops, ndim;
  int64_t numel;
  int64_t shape[TENSOR_MAXDIM];
  int64_t stride[MAXOPS][TENSOR_MAXDIM]; /* elements */
  char *base[MAXOPS];
  size_t esize[MAXOPS];
} Iter;

static void iter_set_base(Iter *it, const Tensor *out, int nin,
                          const Tensor *const *in) {
  it->nops = nin + 1;
  for (int k = 0; k < it->nops; k++) {
    const Tensor *t = k == 0 ? out : in[k - 1];
    it->base[k] = (char *)tensor_data(t);
    it->esize[k] = t->dtype == TENSOR_F32 ? 4 : 8;
  }
}

/* The one-row iterator when out is contiguous and every input is either
 * contiguous of out's shape or a single element.  Returns 0 otherwise. */
static int iter_flat(Iter *it, const Tensor *out, int nin,
                     const Tensor *const *in) {
  if (!tensor_is_contiguous(out)) return 0;
  int64_t n = tensor_numel(out);
  it->stride[0][0] = 1;
  for (int k = 0; k < nin; k++) {
    const Tensor *t = in[k];
    if (tensor_numel(t) == 1) it->stride[k + 1][0] = 0;
    else if (tensor_same_shape(t, out) && tensor_is_contiguous(t))
      it->stride[k + 1][0] = 1;
    else return 0;
  }
  iter_set_base(it, out, nin, in);
  it->ndim = 1;
  it->shape[0] = n;
  it->numel = n;
  return 1;
}

/* Operand 0 is out; the inputs broadcast to its shape (caller-checked). */
static void iter_init(Iter *it, const Tensor *out, int nin,
                      const Tensor *const *in) {
  if (iter_flat(it, out, nin, in)) return;
  iter_set_base(it, out, nin, in);
  int nd = out->ndim;
  int64_t stride[MAXOPS][TENSOR_MAXDIM];
  for (int k = 0; k < it->nops; k++) {
    const Tensor *t = k == 0 ? out : in[k - 1];
    int lead = nd - t->ndim;
    assert(lead >= 0);
    for (int d = 0; d < nd; d++) {
      if (d < lead) stride[k][d] = 0;
      else {
        assert(t->shape[d - lead] == 1 || t->shape[d - lead] == out->shape[d]);
        stride[k][d] = t->shape[d - lead] == 1 ? 0 : t->stride[d - lead];
      }
    }
  }
  /* drop size-1 dims; merge dim d into the previous kept dim when every
   * operand steps over it exactly as over one longer dim */
  int m = 0;
  for (int d = 0; d < nd; d++) {
    if (out->shape[d] == 1) continue;
    int merge = m > 0;
    for (int k = 0; merge && k < it->nops; k++)
      merge = it->stride[k][m - 1] == stride[k][d] * out->shape[d];
    if (merge) {
      it->shape[m - 1] *= out->shape[d];
      for (int k = 0; k < it->nops; k++) it->stride[k][m - 1] = stride[k][d];
    } else {
      it->shape[m] = out->shape[d];
      for (int k = 0; k < it->nops; k++) it->stride[k][m] = stride[k][d];
      m++;
    }
  }
  if (m == 0) {
    it->shape[0] = 1;
    for (int k = 0; k < it->nops; k++) it->stride[k][0] = 0;
    m = 1;
  }
  it->ndim = m;
  it->numel = tensor_numel(out);
}

/* Rows covering flat indices [lo, hi) of the iteration space. */
static credo_status iter_range(const Iter *it, RowFn fn, void *ctx,
                               int64_t lo, int64_t hi, int poll) {
  const int last = it->ndim - 1;
  int64_t idx[TENSOR_MAXDIM], inner[MAXOPS];
  int64_t r = lo;
  for (int d = last; d >= 0; d--) {
    idx[d] = r % it->shape[d];
    r /= it->shape[d];
  }
  for (int k = 0; k < it->nops; k++) inner[k] = it->stride[k][last];
  int64_t since_poll = 0;
  while (lo < hi) {
    char *p[MAXOPS];
    for (int k = 0; k < it->nops; k++) {
      int64_t off = 0;
      for (int d = 0; d <= last; d++) off += idx[d] * it->stride[k][d];
      p[k] = it->base[k] + off * (int64_t)it->esize[k];
    }
    int64_t n = it->shape[last] - idx[last];
    if (n > hi - lo) n = hi - lo;
    if (n > POLL_EVERY) n = POLL_EVERY; /* long rows are polled too */
    fn(ctx, p, inner, n);
    lo += n;
    since_poll += n;
    if (poll && since_poll >= POLL_EVERY) {
      since_poll = 0;
      if (credo_interrupted) return CREDO_EINTR;
    }
    idx[last] += n;
    for (int d = last; d > 0 && idx[d] == it->shape[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
    }
  }
  return CREDO_OK;
}

/* Run fn over the whole space; from par_min elements on, split the flat
 * range into one fixed contiguous part per thread. */
static credo_status iter_run(const Iter *it, RowFn fn, void *ctx,
                             int64_t par_min, int poll) {
  if (it->numel == 0) return CREDO_OK;
  int nt = 1;
  if (it->numel >= par_min) {
    nt = credo_threads_get();
    int64_t most = it->numel / (par_min / 2);
    if (nt > most) nt = (int)most;
  }
  if (nt <= 1) {
    if (it->ndim == 1 && it->numel < POLL_EVERY) { /* one short row */
      int64_t s[MAXOPS];
      for (int k = 0; k < it->nops; k++) s[k] = it->stride[k][0];
      fn(ctx, it->base, s, it->numel);
      return CREDO_OK;
    }
    return iter_range(it, fn, ctx, 0, it->numel, poll);
  }
  int failed = 0;
  const int64_t n = it->numel;
#pragma omp parallel for num_threads(nt) schedule(static) reduction(| : failed)
  for (int c = 0; c < nt; c++) {
    int64_t lo = n / nt * c + (c < n % nt ? c : n % nt);
    int64_t hi = lo + n / nt + (c < n % nt ? 1 : 0);
    if (iter_range(it, fn, ctx, lo, hi, poll) != CREDO_OK) failed = 1;
  }
  return failed ? CREDO_EINTR : CREDO_OK;
}

/* ---- broadcasting ---- */

int tensor_broadcast_shape(int *ndim, int64_t *shape, int andim,
                           const int64_t *ashape, int bndim,
                           const int64_t *bshape) {
  int n = andim > bndim ? andim : bndim;
  int64_t out[TENSOR_MAXDIM];
  for (int i = 0; i < n; i++) { /* i counts dims from the last */
    int64_t x = i < andim ? ashape[andim - 1 - i] : 1;
    int64_t y = i < bndim ? bshape[bndim - 1 - i] : 1;
    if (x != y && x != 1 && y != 1) return -1;
    out[n - 1 - i] = x == 1 ? y : x;
  }
  for (int i = 0; i < n; i++) shape[i] = out[i];
  *ndim = n;
  return 0;
}

int tensor_broadcasts_to(const Tensor *a, int ndim, const int64_t *shape) {
  if (a->ndim > ndim) return 0;
  int lead = ndim - a->ndim;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != 1 && a->shape[d] != shape[d + lead]) return 0;
  return 1;
}

/* ---- loops ----
 * ROW2 applies EXPR (in x from operand 1 and y from operand 2) along one
 * row, with dedicated loops for contiguous operands and for a broadcast
 * scalar on either side.  ROW1 does the same for one input x.
 *
 * SIMD (OpenMP's simd directive) lets -O2 vectorise the contiguous loops:
 * element i only reads a[i], b[i] and writes o[i], and an output is either
 * its input exactly (in place) or disjoint from it, so lanes are
 * independent.  Each lane does the same IEEE operation as the scalar
 * loop: the bits do not change. */
#define SIMD _Pragma("omp simd")

#define ROW2(TO, TI, EXPR)                                                \
  do {                                                                    \
    TO *o_ = (TO *)p[0];                                                  \
    const TI *a_ = (const TI *)p[1], *b_ = (const TI *)p[2];              \
    const int64_t so_ = s[0], sa_ = s[1], sb_ = s[2];                     \
    if (so_ == 1 && sa_ == 1 && sb_ == 1) {                               \
      SIMD for (int64_t i = 0; i < n; i++) {                              \
        const TI x = a_[i], y = b_[i];                                    \
        o_[i] = (EXPR);                                                   \
      }                                                                   \
    } else if (so_ == 1 && sa_ == 1 && sb_ == 0) {                        \
      const TI y = b_[0];                                                 \
      SIMD for (int64_t i = 0; i < n; i++) {                              \
        const TI x = a_[i];                                               \
        o_[i] = (EXPR);                                                   \
      }                                                                   \
    } else if (so_ == 1 && sa_ == 0 && sb_ == 1) {                        \
      const TI x = a_[0];                                                 \
      SIMD for (int64_t i = 0; i < n; i++) {                              \
        const TI y = b_[i];                                               \
        o_[i] = (EXPR);                                                   \
      }                                                                   \
    } else {                                                              \
      for (int64_t i = 0; i < n; i++) {                                   \
        const TI x = a_[i * sa_], y = b_[i * sb_];                        \
        o_[i * so_] = (EXPR);                                             \
      }                                                                   \
    }                                                                     \
  } while (0)

#define ROW1(TO, TI, EXPR)                                                \
  do {                                                                    \
    TO *o_ = (TO *)p[0];                                                  \
    const TI *a_ = (const TI *)p[1];                                      \
    const int64_t so_ = s[0], sa_ = s[1];                                 \
    if (so_ == 1 && sa_ == 1) {                                           \
      SIMD for (int64_t i = 0; i < n; i++) {                              \
        const TI x = a_[i];                                               \
        o_[i] = (EXPR);                                                   \
      }                                                                   \
    } else {                                                              \
      for (int64_t i = 0; i < n; i++) {                                   \
        const TI x = a_[i * sa_];                                         \
        o_[i * so_] = (EXPR);                                             \
      }                                                                   \
    }                                                                     \
  } while (0)

/* ---- element functions ---- */

/* NaN in either operand gives NaN (x + y is then NaN) */
#define MAXIMUM(x, y) ((x) != (x) || (y) != (y) ? (x) + (y) : (x) > (y) ? (x) : (y))
#define MINIMUM(x, y) ((x) != (x) || (y) != (y) ? (x) + (y) : (x) < (y) ? (x) : (y))
/* NaN fails both tests and stays NaN; lo > hi gives hi (torch) */
#define CLAMP(x, lo, hi) ((x) < (lo) ? ((lo) > (hi) ? (hi) : (lo)) : (x) > (hi) ? (hi) : (x))
#define RELU(x) ((x) > 0 ? (x) : (x) != (x) ? (x) : 0)
#define SIGN(x) ((x) > 0 ? 1 : (x) < 0 ? -1 : (x) == 0 ? 0 : (x))

/* Typed helpers for f32 and f64 (tgmath picks fmodf/fmod, ...). */
#define DEFINE_FLOAT_HELPERS(SFX, T)                                      \
  /* remainder with the sign of y: fmod, shifted by y when signs differ */ \
  static inline T rem_##SFX(T x, T y) {                                   \
    T r = fmod(x, y);                                                     \
    return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;                  \
  }                                                                       \
  /* Python's float floor division (CPython floatobject.c, float_divmod): \
   * exact (x - fmod(x, y)) / y, fixed for sign, rounded to a whole */    \
  static inline T floordiv_##SFX(T x, T y) {                              \
    if (y == 0) return x / y;                                             \
    T mod = fmod(x, y);                                                   \
    T div = (x - mod) / y;                                                \
    if (mod != 0 && ((y < 0) != (mod < 0))) div -= 1;                     \
    if (div != 0) {                                                       \
      T fl = floor(div);                                                  \
      if (div - fl > (T)0.5) fl += 1;                                     \
      return fl;                                                          \
    }                                                                     \
    return copysign((T)0, x / y);                                         \
  }                                                                       \
  static inline T sigmoid_##SFX(T x) {                                    \
    if (x >= 0) return 1 / (1 + exp(-x));                                 \
    T e = exp(x);                                                         \
    return e / (1 + e);                                                   \
  }

DEFINE_FLOAT_HELPERS(f32, float)
DEFINE_FLOAT_HELPERS(f64, double)

/* int64: arithmetic wraps modulo 2^64 (through uint64_t: no signed
 * overflow); a zero divisor gives 0 (the binding rejects it first). */
static inline int64_t add_i64(int64_t x, int64_t y) {
  return (int64_t)((uint64_t)x + (uint64_t)y);
}
static inline int64_t sub_i64(int64_t x, int64_t y) {
  return (int64_t)((uint64_t)x - (uint64_t)y);
}
static inline int64_t mul_i64(int64_t x, int64_t y) {
  return (int64_t)((uint64_t)x * (uint64_t)y);
}
static inline int64_t neg_i64(int64_t x) { return (int64_t)(0 - (uint64_t)x); }
/* torch's powi: square-and-multiply; a negative exponent gives 1 for 1,
 * +-1 for -1 and 0 otherwise */
static inline int64_t pow_i64(int64_t x, int64_t y) {
  if (y < 0) return x == 1 ? 1 : x == -1 ? ((y & 1) ? -1 : 1) : 0;
  uint64_t r = 1, b = (uint64_t)x;
  while (y) {
    if (y & 1) r *= b;
    b *= b;
    y >>= 1;
  }
  return (int64_t)r;
}
static inline int64_t fmod_i64(int64_t x, int64_t y) {
  return (y == 0 || y == -1) ? 0 : x % y;
}
static inline int64_t rem_i64(int64_t x, int64_t y) {
  int64_t r = fmod_i64(x, y);
  return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
static inline int64_t floordiv_i64(int64_t x, int64_t y) {
  if (y == 0) return 0;
  if (y == -1) return neg_i64(x);
  int64_t q = x / y;
  if (x % y != 0 && ((x < 0) != (y < 0))) q--;
  return q;
}

/* ---- binary ---- */

typedef struct {
  tensor_binop op;
} BinCtx;

/* binary_row_f32 / binary_row_f64 */
#define DEFINE_BINARY_FLOAT(SFX, T)                                       \
  static void binary_row_##SFX(void *ctx, char *const *p, const int64_t *s, \
                               int64_t n) {                               \
    switch (((const BinCtx *)ctx)->op) {                                  \
    case TENSOR_ADD: ROW2(T, T, x + y); break;                            \
    case TENSOR_SUB: ROW2(T, T, x - y); break;                            \
    case TENSOR_MUL: ROW2(T, T, x * y); break;                            \
    case TENSOR_DIV: ROW2(T, T, x / y); break;                            \
    case TENSOR_POW:                                                      \
      if (s[2] == 0 && *(const T *)p[2] == 2) ROW2(T, T, ((void)y, x * x)); \
      else ROW2(T, T, pow(x, y));                                         \
      break;                                                              \
    case TENSOR_MAXIMUM: ROW2(T, T, MAXIMUM(x, y)); break;                \
    case TENSOR_MINIMUM: ROW2(T, T, MINIMUM(x, y)); break;                \
    case TENSOR_FMOD: ROW2(T, T, fmod(x, y)); break;                      \
    case TENSOR_REMAINDER: ROW2(T, T, rem_##SFX(x, y)); break;            \
    case TENSOR_FLOORDIV: ROW2(T, T, floordiv_##SFX(x, y)); break;        \
    case TENSOR_EQ: ROW2(int64_t, T, x == y); break;                      \
    case TENSOR_NE: ROW2(int64_t, T, x != y); break;                      \
    case TENSOR_LT: ROW2(int64_t, T, x < y); break;                       \
    case TENSOR_LE: ROW2(int64_t, T, x <= y); break;                      \
    case TENSOR_GT: ROW2(int64_t, T, x > y); break;                       \
    case TENSOR_GE: ROW2(int64_t, T, x >= y); break;                      \
    }                                                                     \
  }

DEFINE_BINARY_FLOAT(f32, float)
DEFINE_BINARY_FLOAT(f64, double)

static void binary_row_i64(void *ctx, char *const *p, const int64_t *s,
                           int64_t n) {
  switch (((const BinCtx *)ctx)->op) {
  case TENSOR_ADD: ROW2(int64_t, int64_t, add_i64(x, y)); break;
  case TENSOR_SUB: ROW2(int64_t, int64_t, sub_i64(x, y)); break;
  case TENSOR_MUL: ROW2(int64_t, int64_t, mul_i64(x, y)); break;
  case TENSOR_DIV: /* fall through: int64 division floors */
  case TENSOR_FLOORDIV: ROW2(int64_t, int64_t, floordiv_i64(x, y)); break;
  case TENSOR_POW: ROW2(int64_t, int64_t, pow_i64(x, y)); break;
  case TENSOR_MAXIMUM: ROW2(int64_t, int64_t, x > y ? x : y); break;
  case TENSOR_MINIMUM: ROW2(int64_t, int64_t, x < y ? x : y); break;
  case TENSOR_FMOD: ROW2(int64_t, int64_t, fmod_i64(x, y)); break;
  case TENSOR_REMAINDER: ROW2(int64_t, int64_t, rem_i64(x, y)); break;
  case TENSOR_EQ: ROW2(int64_t, int64_t, x == y); break;
  case TENSOR_NE: ROW2(int64_t, int64_t, x != y); break;
  case TENSOR_LT: ROW2(int64_t, int64_t, x < y); break;
  case TENSOR_LE: ROW2(int64_t, int64_t, x <= y); break;
  case TENSOR_GT: ROW2(int64_t, int64_t, x > y); break;
  case TENSOR_GE: ROW2(int64_t, int64_t, x >= y); break;
  }
}

static RowFn binary_row(tensor_dtype dt) {
  switch (dt) {
  case TENSOR_F32: return binary_row_f32;
  case TENSOR_F64: return binary_row_f64;
  case TENSOR_I64: return binary_row_i64;
  }
  return NULL;
}

credo_status tensor_binary(Tensor *out, tensor_binop op, const Tensor *a,
                           const Tensor *b) {
  assert(a->dtype == b->dtype);
  assert(out->dtype ==
         (tensor_binop_is_comparison(op) ? TENSOR_I64 : a->dtype));
  Iter it;
  const Tensor *in[2] = {a, b};
  iter_init(&it, out, 2, in);
  BinCtx ctx = {op};
  int costly = op == TENSOR_POW || op == TENSOR_FMOD ||
               op == TENSOR_REMAINDER || op == TENSOR_FLOORDIV;
  return iter_run(&it, binary_row(a->dtype), &ctx,
                  costly ? PAR_COSTLY : PAR_CHEAP, 1);
}

#define DEFINE_BINARY_CONTIG(SFX, T)                                      \
  void tensor_binary_contig_##SFX(tensor_binop op, T *out, const T *a,    \
                                  const T *b, int64_t n) {                \
    assert(!tensor_binop_is_comparison(op));                              \
    char *p[3] = {(char *)out, (char *)a, (char *)b};                     \
    const int64_t s[3] = {1, 1, 1};                                       \
    BinCtx ctx = {op};                                                    \
    binary_row_##SFX(&ctx, p, s, n);                                      \
  }

DEFINE_BINARY_CONTIG(f32, float)
DEFINE_BINARY_CONTIG(f64, double)
DEFINE_BINARY_CONTIG(i64, int64_t)

void tensor_binary_flat(tensor_binop op, tensor_dtype dt, void *out,
                        const void *a, int64_t sa, const void *b, int64_t sb,
                        int64_t n) {
  char *p[3] = {(char *)out, (char *)a, (char *)b};
  const int64_t s[3] = {1, sa, sb};
  BinCtx ctx = {op};
  binary_row(dt)(&ctx, p, s, n);
}

/* ---- unary ---- */

typedef struct {
  tensor_unop op;
} UnCtx;

#define DEFINE_UNARY_FLOAT(SFX, T)                                        \
  static void unary_row_##SFX(void *ctx, char *const *p, const int64_t *s, \
                              int64_t n) {                                \
    switch (((const UnCtx *)ctx)->op) {                                   \
    case TENSOR_NEG: ROW1(T, T, -x); break;                               \
    case TENSOR_ABS: ROW1(T, T, fabs(x)); break;                          \
    case TENSOR_EXP: ROW1(T, T, exp(x)); break;                           \
    case TENSOR_LOG: ROW1(T, T, log(x)); break;                           \
    case TENSOR_LOG1P: ROW1(T, T, log1p(x)); break;                       \
    case TENSOR_EXPM1: ROW1(T, T, expm1(x)); break;                       \
    case TENSOR_SQRT: ROW1(T, T, sqrt(x)); break;                         \
    case TENSOR_TANH: ROW1(T, T, tanh(x)); break;                         \
    case TENSOR_SIGMOID: ROW1(T, T, sigmoid_##SFX(x)); break;             \
    case TENSOR_RELU: ROW1(T, T, RELU(x)); break;                         \
    case TENSOR_FLOOR: ROW1(T, T, floor(x)); break;                       \
    case TENSOR_CEIL: ROW1(T, T, ceil(x)); break;                         \
    case TENSOR_ROUND: ROW1(T, T, nearbyint(x)); break;                   \
    case TENSOR_SIGN: ROW1(T, T, SIGN(x)); break;                         \
    }                                                                     \
  }

DEFINE_UNARY_FLOAT(f32, float)
DEFINE_UNARY_FLOAT(f64, double)

/* A float-only op on an integer, through double, saturated back. */
static int64_t float_op_i64(tensor_unop op, int64_t v) {
  double x = (double)v, r = x;
  switch (op) {
  case TENSOR_EXP: r = exp(x); break;
  case TENSOR_LOG: r = log(x); break;
  case TENSOR_LOG1P: r = log1p(x); break;
  case TENSOR_EXPM1: r = expm1(x); break;
  case TENSOR_SQRT: r = sqrt(x); break;
  case TENSOR_TANH: r = tanh(x); break;
  case TENSOR_SIGMOID: r = sigmoid_f64(x); break;
  default: break;
  }
  return tensor_double_to_i64(r);
}

static void unary_row_i64(void *ctx, char *const *p, const int64_t *s,
                          int64_t n) {
  tensor_unop op = ((const UnCtx *)ctx)->op;
  switch (op) {
  case TENSOR_NEG: ROW1(int64_t, int64_t, neg_i64(x)); break;
  case TENSOR_ABS: ROW1(int64_t, int64_t, x < 0 ? neg_i64(x) : x); break;
  case TENSOR_RELU: ROW1(int64_t, int64_t, x > 0 ? x : 0); break;
  case TENSOR_FLOOR:
  case TENSOR_CEIL:
  case TENSOR_ROUND: ROW1(int64_t, int64_t, x); break;
  case TENSOR_SIGN: ROW1(int64_t, int64_t, (x > 0) - (x < 0)); break;
  default: ROW1(int64_t, int64_t, float_op_i64(op, x)); break;
  }
}

static RowFn unary_row(tensor_dtype dt) {
  switch (dt) {
  case TENSOR_F32: return unary_row_f32;
  case TENSOR_F64: return unary_row_f64;
  case TENSOR_I64: return unary_row_i64;
  }
  return NULL;
}

credo_status tensor_unary(Tensor *out, tensor_unop op, const Tensor *a) {
  assert(out->dtype == a->dtype);
  Iter it;
  iter_init(&it, out, 1, &a);
  UnCtx ctx = {op};
  return iter_run(&it, unary_row(a->dtype), &ctx,
                  tensor_unop_is_float_only(op) ? PAR_COSTLY : PAR_CHEAP, 1);
}

#define DEFINE_UNARY_CONTIG(SFX, T)                                       \
  void tensor_unary_contig_##SFX(tensor_unop op, T *out, const T *a,      \
                                 int64_t n) {                             \
    char *p[2] = {(char *)out, (char *)a};                                \
    const int64_t s[2] = {1, 1};                                          \
    UnCtx ctx = {op};                                                     \
    unary_row_##SFX(&ctx, p, s, n);                                       \
  }

DEFINE_UNARY_CONTIG(f32, float)
DEFINE_UNARY_CONTIG(f64, double)
DEFINE_UNARY_CONTIG(i64, int64_t)

/* ---- clamp ---- */

typedef struct {
  double lo, hi;
  int64_t ilo, ihi;
} ClampCtx;

static void clamp_row_f32(void *ctx, char *const *p, const int64_t *s,
                          int64_t n) {
  const ClampCtx *c = ctx;
  const float lo = (float)c->lo, hi = (float)c->hi;
  ROW1(float, float, CLAMP(x, lo, hi));
}

static void clamp_row_f64(void *ctx, char *const *p, const int64_t *s,
                          int64_t n) {
  const ClampCtx *c = ctx;
  const double lo = c->lo, hi = c->hi;
  ROW1(double, double, CLAMP(x, lo, hi));
}

static void clamp_row_i64(void *ctx, char *const *p, const int64_t *s,
                          int64_t n) {
  const ClampCtx *c = ctx;
  const int64_t lo = c->ilo, hi = c->ihi;
  ROW1(int64_t, int64_t, CLAMP(x, lo, hi));
}

credo_status tensor_clamp(Tensor *out, const Tensor *a, double lo,
                          double hi) {
  assert(out->dtype == a->dtype);
  ClampCtx ctx = {lo, hi, tensor_double_to_i64(ceil(lo)),
                  tensor_double_to_i64(floor(hi))};
  RowFn fn = a->dtype == TENSOR_F32   ? clamp_row_f32
             : a->dtype == TENSOR_F64 ? clamp_row_f64
                                      : clamp_row_i64;
  Iter it;
  iter_init(&it, out, 1, &a);
  return iter_run(&it, fn, &ctx, PAR_CHEAP, 1);
}

/* ---- where ---- */

typedef struct {
  tensor_dtype mask;
} WhereCtx;

#define WHERE_LOOP(T, M)                                                  \
  do {                                                                    \
    T *o_ = (T *)p[0];                                                    \
    const M *m_ = (const M *)p[1];                                        \
    const T *a_ = (const T *)p[2], *b_ = (const T *)p[3];                 \
    for (int64_t i = 0; i < n; i++)                                       \
      o_[i * s[0]] = m_[i * s[1]] != 0 ? a_[i * s[2]] : b_[i * s[3]];     \
  } while (0)

#define DEFINE_WHERE(SFX, T)                                              \
  static void where_row_##SFX(void *ctx, char *const *p, const int64_t *s, \
                              int64_t n) {                                \
    switch (((const WhereCtx *)ctx)->mask) {                              \
    case TENSOR_F32: WHERE_LOOP(T, float); break;                         \
    case TENSOR_F64: WHERE_LOOP(T, double); break;                        \
    case TENSOR_I64: WHERE_LOOP(T, int64_t); break;                       \
    }                                                                     \
  }

DEFINE_WHERE(f32, float)
DEFINE_WHERE(f64, double)
DEFINE_WHERE(i64, int64_t)

credo_status tensor_where(Tensor *out, const Tensor *mask, const Tensor *a,
                          const Tensor *b) {
  assert(out->dtype == a->dtype && a->dtype == b->dtype);
  RowFn fn = a->dtype == TENSOR_F32   ? where_row_f32
             : a->dtype == TENSOR_F64 ? where_row_f64
                                      : where_row_i64;
  const Tensor *in[3] = {mask, a, b};
  Iter it;
  iter_init(&it, out, 3, in);
  WhereCtx ctx = {mask->dtype};
  return iter_run(&it, fn, &ctx, PAR_CHEAP, 1);
}

/* ---- masks ---- */

static void isnan_row(void *ctx, char *const *p, const int64_t *s,
                      int64_t n) {
  switch (*(const tensor_dtype *)ctx) {
  case TENSOR_F32: ROW1(int64_t, float, x != x); break;
  case TENSOR_F64: ROW1(int64_t, double, x != x); break;
  case TENSOR_I64: ROW1(int64_t, int64_t, ((void)x, 0)); break;
  }
}

static void isfinite_row(void *ctx, char *const *p, const int64_t *s,
                         int64_t n) {
  switch (*(const tensor_dtype *)ctx) {
  case TENSOR_F32: ROW1(int64_t, float, isfinite(x) != 0); break;
  case TENSOR_F64: ROW1(int64_t, double, isfinite(x) != 0); break;
  case TENSOR_I64: ROW1(int64_t, int64_t, ((void)x, 1)); break;
  }
}

static credo_status mask_run(Tensor *out, const Tensor *a, RowFn fn) {
  assert(out->dtype == TENSOR_I64);
  tensor_dtype dt = a->dtype;
  Iter it;
  iter_init(&it, out, 1, &a);
  return iter_run(&it, fn, &dt, PAR_CHEAP, 1);
}

credo_status tensor_isnan(Tensor *out, const Tensor *a) {
  return mask_run(out, a, isnan_row);
}

credo_status tensor_isfinite(Tensor *out, const Tensor *a) {
  return mask_run(out, a, isfinite_row);
}

/* ---- converting copy ---- */

#define TO_I64(x) tensor_double_to_i64((double)(x))
#define SAME(x) (x)

/* copy_row_<to>_<from> */
#define DEFINE_COPY(NAME, TO, TI, CONV)                                   \
  static void NAME(void *ctx, char *const *p, const int64_t *s,           \
                   int64_t n) {                                           \
    (void)ctx;                                                            \
    ROW1(TO, TI, (TO)CONV(x));                                            \
  }

DEFINE_COPY(copy_row_f32_f32, float, float, SAME)
DEFINE_COPY(copy_row_f32_f64, float, double, SAME)
DEFINE_COPY(copy_row_f32_i64, float, int64_t, SAME)
DEFINE_COPY(copy_row_f64_f32, double, float, SAME)
DEFINE_COPY(copy_row_f64_f64, double, double, SAME)
DEFINE_COPY(copy_row_f64_i64, double, int64_t, SAME)
DEFINE_COPY(copy_row_i64_f32, int64_t, float, TO_I64)
DEFINE_COPY(copy_row_i64_f64, int64_t, double, TO_I64)
DEFINE_COPY(copy_row_i64_i64, int64_t, int64_t, SAME)

static RowFn copy_row(tensor_dtype to, tensor_dtype from) {
  static const RowFn fns[3][3] = {
      {copy_row_f32_f32, copy_row_f32_f64, copy_row_f32_i64},
      {copy_row_f64_f32, copy_row_f64_f64, copy_row_f64_i64},
      {copy_row_i64_f32, copy_row_i64_f64, copy_row_i64_i64}};
  return fns[to][from];
}

static credo_status copy_run(Tensor *dst, const Tensor *src, int poll) {
  Iter it;
  iter_init(&it, dst, 1, &src);
  return iter_run(&it, copy_row(dst->dtype, src->dtype), NULL, PAR_CHEAP,
                  poll);
}

credo_status tensor_copy_broadcast(Tensor *dst, const Tensor *src) {
  return copy_run(dst, src, 1);
}

void tensor_copy_strided(Tensor *dst, const Tensor *src) {
  (void)copy_run(dst, src, 0);
}

/* ---- fill ---- */

typedef struct {
  double f;
  int64_t i;
} FillCtx;

static void fill_row_f32(void *ctx, char *const *p, const int64_t *s,
                         int64_t n) {
  const FillCtx *c = ctx;
  float *o = (float *)p[0];
  const float v = (float)c->f;
  for (int64_t i = 0; i < n; i++) o[i * s[0]] = v;
}

static void fill_row_f64(void *ctx, char *const *p, const int64_t *s,
                         int64_t n) {
  const FillCtx *c = ctx;
  double *o = (double *)p[0];
  for (int64_t i = 0; i < n; i++) o[i * s[0]] = c->f;
}

static void fill_row_i64(void *ctx, char *const *p, const int64_t *s,
                         int64_t n) {
  const FillCtx *c = ctx;
  int64_t *o = (int64_t *)p[0];
  for (int64_t i = 0; i < n; i++) o[i * s[0]] = c->i;
}

static void fill_run(Tensor *t, FillCtx *c) {
  RowFn fn = t->dtype == TENSOR_F32   ? fill_row_f32
             : t->dtype == TENSOR_F64 ? fill_row_f64
                                      : fill_row_i64;
  Iter it;
  iter_init(&it, t, 0, NULL);
  (void)iter_run(&it, fn, c, PAR_CHEAP, 0);
}

void tensor_fill(Tensor *t, double v) {
  FillCtx c = {v, tensor_double_to_i64(v)};
  fill_run(t, &c);
}

void tensor_fill_i64(Tensor *t, int64_t v) {
  FillCtx c = {(double)v, v};
  fill_run(t, &c);
}

/* ---- scans (one thread: they write a flag in ctx) ---- */

typedef struct {
  tensor_dtype dt;
  int hit;
} ScanCtx;

static void nonfinite_row(void *ctx, char *const *p, const int64_t *s,
                          int64_t n) {
  ScanCtx *c = ctx;
  int64_t bad = 0;
  if (c->dt == TENSOR_F32) {
    const float *a = (const float *)p[0];
    for (int64_t i = 0; i < n; i++) bad += !isfinite(a[i * s[0]]);
  } else if (c->dt == TENSOR_F64) {
    const double *a = (const double *)p[0];
    for (int64_t i = 0; i < n; i++) bad += !isfinite(a[i * s[0]]);
  }
  if (bad) c->hit = 1;
}

static void zero_row(void *ctx, char *const *p, const int64_t *s,
                     int64_t n) {
  ScanCtx *c = ctx;
  int64_t zeros = 0;
  switch (c->dt) {
  case TENSOR_F32: {
    const float *a = (const float *)p[0];
    for (int64_t i = 0; i < n; i++) zeros += a[i * s[0]] == 0;
  } break;
  case TENSOR_F64: {
    const double *a = (const double *)p[0];
    for (int64_t i = 0; i < n; i++) zeros += a[i * s[0]] == 0;
  } break;
  case TENSOR_I64: {
    const int64_t *a = (const int64_t *)p[0];
    for (int64_t i = 0; i < n; i++) zeros += a[i * s[0]] == 0;
  } break;
  }
  if (zeros) c->hit = 1;
}

static int scan(const Tensor *t, RowFn fn) {
  ScanCtx c = {t->dtype, 0};
  Iter it;
  iter_init(&it, t, 0, NULL);
  (void)iter_run(&it, fn, &c, SERIAL, 0);
  return c.hit;
}

int tensor_all_finite(const Tensor *t) {
  if (t->dtype == TENSOR_I64) return 1;
  return !scan(t, nonfinite_row);
}

int tensor_any_zero(const Tensor *t) { return scan(t, zero_row); }
