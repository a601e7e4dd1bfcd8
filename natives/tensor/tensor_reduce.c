/*
 * tensor_reduce.c: reductions, scans, sorting, gathering/scattering and
 * joining of credo tensors.  Pure C (no Lua); see tensor_reduce.h for the
 * contracts and reduce_lua.c for the binding.
 *
 * It refuses to be clever about layouts: every operation walks "lanes"
 * (the elements along one dim, at one position of the other dims) whose
 * geometry comes from geom_init, which drops size-1 dims and merges dims
 * that are contiguous in every operand.  A lane is processed in blocks of
 * TENSOR_REDUCE_BLOCK loaded into a small double (or int64) tile, so one
 * kernel serves contiguous and strided inputs of every dtype, and the
 * arithmetic per output never depends on the path or the thread count.
 *
 * Parallelism (OpenMP) is over independent output positions ("units");
 * when there are too few of them, a long lane is split into blocks whose
 * partial states are combined in block order (still the same bits).
 */
#include "tensor_reduce.h"

#include "tensor_ops.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define B TENSOR_REDUCE_BLOCK
#define TILE 32           /* outputs per unit on the row path */
#define MAXOP 3           /* operands of one geometry */
#define PAR_MIN 131072    /* elements below which we stay serial */
#define NPARTIAL 16384    /* partial states per pass of the lane-parallel path */

/* ---- geometry ---------------------------------------------------------- */

/* The dims an operation iterates over ("outer" dims, i.e. all but the lane
 * dim), coalesced: size-1 dims dropped, neighbours merged when contiguous
 * in every operand.  Always at least one dim (size 1 if none remain).
 * outer: product of all sizes but the last; m: the last size. */
typedef struct {
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  int64_t st[MAXOP][TENSOR_MAXDIM];
  int64_t outer, m;
} geom;

/* st[k] are operand k's strides aligned to shape (ndim of them); dim
 * `skip` (the lane dim, or -1) is left out. */
static void geom_init(geom *g, int nops, int ndim, const int64_t *shape,
                      int64_t st[][TENSOR_MAXDIM], int skip) {
  int nd = 0;
  for (int d = 0; d < ndim; d++) {
    if (d == skip || shape[d] == 1) continue;
    if (nd > 0 && shape[d] != 0 && g->shape[nd - 1] != 0) {
      int ok = 1;
      for (int k = 0; k < nops; k++)
        if (g->st[k][nd - 1] != st[k][d] * shape[d]) ok = 0;
      if (ok) {
        g->shape[nd - 1] *= shape[d];
        for (int k = 0; k < nops; k++) g->st[k][nd - 1] = st[k][d];
        continue;
      }
    }
    g->shape[nd] = shape[d];
    for (int k = 0; k < nops; k++) g->st[k][nd] = st[k][d];
    nd++;
  }
  if (nd == 0) {
    g->shape[0] = 1;
    for (int k = 0; k < nops; k++) g->st[k][0] = 0;
    nd = 1;
  }
  g->nd = nd;
  g->m = g->shape[nd - 1];
  g->outer = 1;
  for (int d = 0; d < nd - 1; d++) g->outer *= g->shape[d];
}

/* Element offsets of each operand at outer position r (last dim at 0). */
static void geom_offsets(const geom *g, int nops, int64_t r, int64_t *off) {
  for (int k = 0; k < nops; k++) off[k] = 0;
  for (int d = g->nd - 2; d >= 0; d--) {
    int64_t i = r % g->shape[d];
    r /= g->shape[d];
    for (int k = 0; k < nops; k++) off[k] += i * g->st[k][d];
  }
}

/* A 0-d tensor viewed as 1-d of one element (metadata copy only). */
static Tensor as_atleast1d(const Tensor *t) {
  Tensor v = *t;
  if (v.ndim == 0) {
    v.ndim = 1;
    v.shape[0] = 1;
    v.stride[0] = 1;
  }
  return v;
}

/* Strides of an output of reduction shape aligned to x's dims (0 at dim
 * when out dropped it). */
static void aligned_strides(int64_t *st, const Tensor *out, int xndim,
                            int dim) {
  if (out->ndim == xndim) {
    for (int d = 0; d < xndim; d++) st[d] = out->stride[d];
    return;
  }
  for (int d = 0, e = 0; d < xndim; d++)
    st[d] = d == dim ? 0 : out->stride[e++];
}

static char *elem_ptr(const Tensor *t, int64_t off) {
  return (char *)tensor_data(t) + off * (int64_t)tensor_dtype_size(t->dtype);
}

/* ---- tiles --------------------------------------------------------------- */

/* buf[i*w + j] = x[i*sn + j*sm] as double, i < cnt, j < w. */
static void load_tile_d(double *buf, const char *x, tensor_dtype dt,
                        int64_t cnt, int64_t sn, int64_t w, int64_t sm) {
  if (sm == 1 && dt == TENSOR_F32) {          /* rows contiguous */
    const float *p = (const float *)x;
    for (int64_t i = 0; i < cnt; i++)
      for (int64_t j = 0; j < w; j++) buf[i * w + j] = p[i * sn + j];
    return;
  }
  if (sm == 1 && dt == TENSOR_F64) {
    const double *p = (const double *)x;
    for (int64_t i = 0; i < cnt; i++)
      for (int64_t j = 0; j < w; j++) buf[i * w + j] = p[i * sn + j];
    return;
  }
  if (w == 1 && sn == 1 && dt == TENSOR_F32) { /* one contiguous lane */
    const float *p = (const float *)x;
    for (int64_t i = 0; i < cnt; i++) buf[i] = p[i];
    return;
  }
  if (w == 1 && sn == 1 && dt == TENSOR_F64) {
    memcpy(buf, x, sizeof *buf * (size_t)cnt);
    return;
  }
  switch (dt) {
  case TENSOR_F32: {
    const float *p = (const float *)x;
    for (int64_t i = 0; i < cnt; i++)
      for (int64_t j = 0; j < w; j++) buf[i * w + j] = p[i * sn + j * sm];
    break;
  }
  case TENSOR_F64: {
    const double *p = (const double *)x;
    for (int64_t i = 0; i < cnt; i++)
      for (int64_t j = 0; j < w; j++) buf[i * w + j] = p[i * sn + j * sm];
    break;
  }
  case TENSOR_I64: {
    const int64_t *p = (const int64_t *)x;
    for (int64_t i = 0; i < cnt; i++)
      for (int64_t j = 0; j < w; j++)
        buf[i * w + j] = (double)p[i * sn + j * sm];
    break;
  }
  }
}

/* Same for an int64 x, exact. */
static void load_tile_i(int64_t *buf, const char *x, int64_t cnt, int64_t sn,
                        int64_t w, int64_t sm) {
  const int64_t *p = (const int64_t *)x;
  for (int64_t i = 0; i < cnt; i++)
    for (int64_t j = 0; j < w; j++) buf[i * w + j] = p[i * sn + j * sm];
}

/* out[i*sn + j*sm] = buf[i*w + j], converted to dt. */
static void store_tile_d(char *out, tensor_dtype dt, const double *buf,
                         int64_t cnt, int64_t sn, int64_t w, int64_t sm) {
  if (sm == 1 && dt == TENSOR_F32) {          /* rows contiguous */
    float *p = (float *)out;
    for (int64_t i = 0; i < cnt; i++)
      for (int64_t j = 0; j < w; j++) p[i * sn + j] = (float)buf[i * w + j];
    return;
  }
  if (sm == 1 && dt == TENSOR_F64) {
    double *p = (double *)out;
    for (int64_t i = 0; i < cnt; i++)
      for (int64_t j = 0; j < w; j++) p[i * sn + j] = buf[i * w + j];
    return;
  }
  switch (dt) {
  case TENSOR_F32: {
    float *p = (float *)out;
    for (int64_t i = 0; i < cnt; i++)
      for (int64_t j = 0; j < w; j++) p[i * sn + j * sm] = (float)buf[i * w + j];
    break;
  }
  case TENSOR_F64: {
    double *p = (double *)out;
    for (int64_t i = 0; i < cnt; i++)
      for (int64_t j = 0; j < w; j++) p[i * sn + j * sm] = buf[i * w + j];
    break;
  }
  case TENSOR_I64: {
    int64_t *p = (int64_t *)out;
    for (int64_t i = 0; i < cnt; i++)
      for (int64_t j = 0; j < w; j++)
        p[i * sn + j * sm] = tensor_double_to_i64(buf[i * w + j]);
    break;
  }
  }
}

static void store_f(char *p, tensor_dtype dt, double v) {
  switch (dt) {
  case TENSOR_F32: *(float *)p = (float)v; break;
  case TENSOR_F64: *(double *)p = v; break;
  case TENSOR_I64: *(int64_t *)p = tensor_double_to_i64(v); break;
  }
}

static double load_f(const char *p, tensor_dtype dt) {
  switch (dt) {
  case TENSOR_F32: return *(const float *)p;
  case TENSOR_F64: return *(const double *)p;
  case TENSOR_I64: return (double)*(const int64_t *)p;
  }
  return 0;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---- reduction states ---------------------------------------------------- */

/* What one lane accumulates.  Float accumulators (K_SUM .. K_DEV2) keep f;
 * selections (K_MIN, K_MAX, K_MAXABS, K_IMIN, K_IMAX) keep the best value
 * in f (or i) and its position in at (-1 while empty); int64 sums and
 * products and nonzero counts keep i. */
enum {
  K_SUM, K_PROD, K_SQ, K_ABS, K_POW, K_DEV2,
  K_MIN, K_MAX, K_MAXABS,
  K_ISUM, K_IPROD, K_IMIN, K_IMAX,
  K_COUNT
};

typedef struct {
  double f;
  int64_t i;
  int64_t at;
} rstate;

static int kind_int(int kind) { return kind >= K_ISUM && kind <= K_IMAX; }

static void state_init(int kind, rstate *s, int64_t w) {
  for (int64_t j = 0; j < w; j++) {
    s[j].f = kind == K_PROD ? 1.0 : 0.0;
    s[j].i = kind == K_IPROD ? 1 : 0;
    s[j].at = -1;
  }
}

/* v beats the current best b: strictly larger (smaller), or the first NaN. */
static inline int beats_max(double v, double b) {
  return v > b || (isnan(v) && !isnan(b));
}
static inline int beats_min(double v, double b) {
  return v < b || (isnan(v) && !isnan(b));
}

/* Wrapping int64 arithmetic (no signed-overflow UB), as torch wraps. */
static inline int64_t wadd(int64_t a, int64_t b) {
  return (int64_t)((uint64_t)a + (uint64_t)b);
}
static inline int64_t wmul(int64_t a, int64_t b) {
  return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* Float accumulation of one block column v[0], v[w], ... v[(cnt-1)w]:
 * four interleaved accumulators (element i goes to i mod 4), combined as
 * (a0 + a1) + (a2 + a3).  This fixed order is part of the definition of
 * the blocked sum (both paths call this function), and breaks the
 * dependency chain of a single accumulator. */
#define FACC4(OP, INIT, F)                                                 \
  do {                                                                     \
    double a0 = INIT, a1 = INIT, a2 = INIT, a3 = INIT;                     \
    int64_t i = 0;                                                         \
    for (; i + 4 <= cnt; i += 4) {                                         \
      a0 = a0 OP F(v[i * w]);                                              \
      a1 = a1 OP F(v[(i + 1) * w]);                                        \
      a2 = a2 OP F(v[(i + 2) * w]);                                        \
      a3 = a3 OP F(v[(i + 3) * w]);                                        \
    }                                                                      \
    for (; i < cnt; i++) a0 = a0 OP F(v[i * w]);                           \
    return (a0 OP a1) OP (a2 OP a3);                                       \
  } while (0)
#define F_ID(t) (t)
#define F_SQ(t) ((t) * (t))
#define F_ABS(t) fabs(t)
#define F_POW(t) pow(fabs(t), p)
#define F_DEV2(t) (((t) - c) * ((t) - c))

static double block_facc(int kind, const double *v, int64_t cnt, int64_t w,
                         double c, double p) {
  switch (kind) {
  case K_SUM: FACC4(+, 0.0, F_ID);
  case K_PROD: FACC4(*, 1.0, F_ID);
  case K_SQ: FACC4(+, 0.0, F_SQ);
  case K_ABS: FACC4(+, 0.0, F_ABS);
  case K_POW: FACC4(+, 0.0, F_POW);
  case K_DEV2: FACC4(+, 0.0, F_DEV2);
  }
  return 0;
}

/* Position (in the block) of the best of v[0], v[w], ... v[(cnt-1)w] for
 * K_MIN / K_MAX / K_MAXABS (first on ties, first NaN wins); *best gets it. */
static int64_t sel_block(int kind, const double *v, int64_t cnt, int64_t w,
                         double *best) {
  int64_t at = 0;
  double b = kind == K_MAXABS ? fabs(v[0]) : v[0];
  switch (kind) {
  case K_MIN:
    for (int64_t i = 1; i < cnt; i++) {
      double t = v[i * w];
      if (t < b || (t != t && b == b)) { b = t; at = i; }
    }
    break;
  case K_MAX:
    for (int64_t i = 1; i < cnt; i++) {
      double t = v[i * w];
      if (t > b || (t != t && b == b)) { b = t; at = i; }
    }
    break;
  default:
    for (int64_t i = 1; i < cnt; i++) {
      double t = fabs(v[i * w]);
      if (t > b || (t != t && b == b)) { b = t; at = i; }
    }
  }
  *best = b;
  return at;
}

static void state_merge(int kind, rstate *a, const rstate *b);

/* Feed elements [i0, i0+cnt) of w lanes into s.  x points at element i0 of
 * lane 0; lanes are sm apart, elements sn apart.  For float accumulators
 * i0 must be a multiple of B (blocks are fixed by position). */
static void state_run(int kind, rstate *s, const char *x, tensor_dtype xt,
                      int64_t i0, int64_t cnt, int64_t sn, int64_t w,
                      int64_t sm, const double *c, double p) {
  union {
    double d[B * TILE];
    int64_t i[B * TILE];
  } buf;
  int64_t es = (int64_t)tensor_dtype_size(xt);
  for (int64_t b0 = 0; b0 < cnt; b0 += B) {
    int64_t nb = min64(B, cnt - b0);
    const char *xb = x + b0 * sn * es;
    if (kind_int(kind)) {
      load_tile_i(buf.i, xb, nb, sn, w, sm);
      for (int64_t j = 0; j < w; j++) {
        const int64_t *v = buf.i + j;
        rstate *q = &s[j];
        for (int64_t i = 0; i < nb; i++) {
          int64_t a = v[i * w];
          switch (kind) {
          case K_ISUM: q->i = wadd(q->i, a); break;
          case K_IPROD: q->i = wmul(q->i, a); break;
          case K_IMIN:
            if (q->at < 0 || a < q->i) { q->i = a; q->at = i0 + b0 + i; }
            break;
          case K_IMAX:
            if (q->at < 0 || a > q->i) { q->i = a; q->at = i0 + b0 + i; }
            break;
          }
        }
      }
      continue;
    }
    load_tile_d(buf.d, xb, xt, nb, sn, w, sm);
    for (int64_t j = 0; j < w; j++) {
      const double *v = buf.d + j;
      rstate *q = &s[j];
      switch (kind) {
      case K_MIN:
      case K_MAX:
      case K_MAXABS: {
        /* best of the block in registers, then folded in as a partial */
        rstate blk;
        blk.at = i0 + b0 + sel_block(kind, v, nb, w, &blk.f);
        state_merge(kind, q, &blk);
        break;
      }
      case K_COUNT:
        for (int64_t i = 0; i < nb; i++) q->i += v[i * w] != 0;
        break;
      default: {
        double acc = block_facc(kind, v, nb, w, c ? c[j] : 0.0, p);
        q->f = kind == K_PROD ? q->f * acc : q->f + acc;
      }
      }
    }
  }
}

/* Fold a later partial state `b` into `a` (positions of b follow a's). */
static void state_merge(int kind, rstate *a, const rstate *b) {
  switch (kind) {
  case K_PROD: a->f *= b->f; break;
  case K_MIN:
    if (b->at >= 0 && (a->at < 0 || beats_min(b->f, a->f))) *a = *b;
    break;
  case K_MAX:
  case K_MAXABS:
    if (b->at >= 0 && (a->at < 0 || beats_max(b->f, a->f))) *a = *b;
    break;
  case K_ISUM: a->i = wadd(a->i, b->i); break;
  case K_IPROD: a->i = wmul(a->i, b->i); break;
  case K_IMIN:
    if (b->at >= 0 && (a->at < 0 || b->i < a->i)) *a = *b;
    break;
  case K_IMAX:
    if (b->at >= 0 && (a->at < 0 || b->i > a->i)) *a = *b;
    break;
  case K_COUNT: a->i += b->i; break;
  default: a->f += b->f;
  }
}

/* Run kind over whole lanes (n elements) into s[w].  With partials (room
 * for NPARTIAL states): split the lanes into blocks computed in parallel,
 * NPARTIAL / w blocks per pass (one parallel region each), and fold them
 * in block order, which gives the serial result bit for bit. */
static credo_status run_states(int kind, rstate *s, const char *x,
                               tensor_dtype xt, int64_t n, int64_t sn,
                               int64_t w, int64_t sm, const double *c,
                               double p, rstate *partials) {
  state_init(kind, s, w);
  if (!partials) {
    state_run(kind, s, x, xt, 0, n, sn, w, sm, c, p);
    return CREDO_OK;
  }
  int64_t es = (int64_t)tensor_dtype_size(xt);
  int64_t nb = (n + B - 1) / B;
  int64_t per = NPARTIAL / w;
  for (int64_t s0 = 0; s0 < nb; s0 += per) {
    int64_t cb = min64(per, nb - s0);
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < cb; b++) {
      rstate *ps = partials + b * w;
      int64_t i0 = (s0 + b) * B;
      state_init(kind, ps, w);
      state_run(kind, ps, x + i0 * sn * es, xt, i0, min64(B, n - i0), sn, w,
                sm, c, p);
    }
    for (int64_t b = 0; b < cb; b++)
      for (int64_t j = 0; j < w; j++) state_merge(kind, &s[j], &partials[b * w + j]);
    if (credo_interrupted) return CREDO_EINTR;
  }
  return CREDO_OK;
}

/* Reduce w lanes of n elements for op into res[w]: f holds float results,
 * i int64 results, at the 0-based position for min/max/argmin/argmax. */
static credo_status reduce_lanes(tensor_reduce_op op,
                                 const tensor_reduce_args *a, rstate *res,
                                 const char *x, tensor_dtype xt, int64_t n,
                                 int64_t sn, int64_t w, int64_t sm,
                                 rstate *partials) {
  int isint = xt == TENSOR_I64;
  double c[TILE];
  credo_status st = CREDO_OK;
  switch (op) {
  case TENSOR_RED_SUM:
    return run_states(isint ? K_ISUM : K_SUM, res, x, xt, n, sn, w, sm, NULL,
                      0, partials);
  case TENSOR_RED_PROD:
    return run_states(isint ? K_IPROD : K_PROD, res, x, xt, n, sn, w, sm,
                      NULL, 0, partials);
  case TENSOR_RED_MEAN:
    st = run_states(K_SUM, res, x, xt, n, sn, w, sm, NULL, 0, partials);
    for (int64_t j = 0; j < w; j++) res[j].f /= (double)n;
    return st;
  case TENSOR_RED_VAR:
  case TENSOR_RED_STD: {
    /* two passes: mean, then squared deviations from it */
    st = run_states(K_SUM, res, x, xt, n, sn, w, sm, NULL, 0, partials);
    if (st != CREDO_OK) return st;
    for (int64_t j = 0; j < w; j++) c[j] = res[j].f / (double)n;
    st = run_states(K_DEV2, res, x, xt, n, sn, w, sm, c, 0, partials);
    double dof = (double)n - a->correction;
    if (dof < 0) dof = 0;
    for (int64_t j = 0; j < w; j++) {
      res[j].f /= dof;
      if (op == TENSOR_RED_STD) res[j].f = sqrt(res[j].f);
    }
    return st;
  }
  case TENSOR_RED_NORM:
    if (isinf(a->p)) return run_states(K_MAXABS, res, x, xt, n, sn, w, sm,
                                       NULL, 0, partials);
    if (a->p == 1) return run_states(K_ABS, res, x, xt, n, sn, w, sm, NULL,
                                     0, partials);
    if (a->p == 2) {
      st = run_states(K_SQ, res, x, xt, n, sn, w, sm, NULL, 0, partials);
      for (int64_t j = 0; j < w; j++) res[j].f = sqrt(res[j].f);
      return st;
    }
    st = run_states(K_POW, res, x, xt, n, sn, w, sm, NULL, a->p, partials);
    for (int64_t j = 0; j < w; j++) res[j].f = pow(res[j].f, 1.0 / a->p);
    return st;
  case TENSOR_RED_MIN:
  case TENSOR_RED_ARGMIN:
    return run_states(isint ? K_IMIN : K_MIN, res, x, xt, n, sn, w, sm, NULL,
                      0, partials);
  case TENSOR_RED_MAX:
  case TENSOR_RED_ARGMAX:
    return run_states(isint ? K_IMAX : K_MAX, res, x, xt, n, sn, w, sm, NULL,
                      0, partials);
  case TENSOR_RED_ANY:
  case TENSOR_RED_ALL:
  case TENSOR_RED_COUNT_NONZERO:
    st = run_states(K_COUNT, res, x, xt, n, sn, w, sm, NULL, 0, partials);
    for (int64_t j = 0; j < w; j++) {
      if (op == TENSOR_RED_ANY) res[j].i = res[j].i > 0;
      if (op == TENSOR_RED_ALL) res[j].i = res[j].i == n;
    }
    return st;
  }
  return CREDO_EINVAL;
}

/* ---- reductions: public ---------------------------------------------------- */

const char *tensor_reduce_name(tensor_reduce_op op) {
  static const char *names[] = {"sum", "mean", "prod", "var", "std", "norm",
                                "min", "max", "argmin", "argmax", "any",
                                "all", "count_nonzero"};
  return names[op];
}

int tensor_reduce_accepts(tensor_reduce_op op, tensor_dtype dt) {
  if (dt != TENSOR_I64) return 1;
  return !(op == TENSOR_RED_MEAN || op == TENSOR_RED_VAR ||
           op == TENSOR_RED_STD || op == TENSOR_RED_NORM);
}

tensor_dtype tensor_reduce_dtype(tensor_reduce_op op, tensor_dtype dt) {
  switch (op) {
  case TENSOR_RED_ARGMIN:
  case TENSOR_RED_ARGMAX:
  case TENSOR_RED_ANY:
  case TENSOR_RED_ALL:
  case TENSOR_RED_COUNT_NONZERO: return TENSOR_I64;
  default: return dt;
  }
}

int tensor_reduce_needs_element(tensor_reduce_op op) {
  return op == TENSOR_RED_MIN || op == TENSOR_RED_MAX ||
         op == TENSOR_RED_ARGMIN || op == TENSOR_RED_ARGMAX;
}

void tensor_reduce_shape(int *ndim, int64_t *shape, const Tensor *x, int dim,
                         int keepdim) {
  if (x->ndim == 0) {
    *ndim = 0;
    return;
  }
  int nd = 0;
  for (int d = 0; d < x->ndim; d++) {
    if (d == dim) {
      if (keepdim) shape[nd++] = 1;
    } else {
      shape[nd++] = x->shape[d];
    }
  }
  *ndim = nd;
}

/* 1 if op's value for an x of dtype xt is an int64 (in rstate.i / at). */
static int result_is_int(tensor_reduce_op op, tensor_dtype xt) {
  return tensor_reduce_dtype(op, xt) == TENSOR_I64;
}

/* The value to store / return for op from a lane's result. */
static int64_t result_int(tensor_reduce_op op, const rstate *r) {
  if (op == TENSOR_RED_ARGMIN || op == TENSOR_RED_ARGMAX) return r->at;
  return r->i;
}

credo_status tensor_reduce_dim(Tensor *out, Tensor *idx, const Tensor *x0,
                               int dim, tensor_reduce_op op,
                               const tensor_reduce_args *a) {
  Tensor x = as_atleast1d(x0);
  assert(dim >= 0 && dim < x.ndim);
  int64_t st[MAXOP][TENSOR_MAXDIM];
  for (int d = 0; d < x.ndim; d++) st[0][d] = x.stride[d];
  aligned_strides(st[1], out, x.ndim, dim);
  if (idx) {
    aligned_strides(st[2], idx, x.ndim, dim);
  } else {
    for (int d = 0; d < x.ndim; d++) st[2][d] = 0;
  }
  geom g;
  geom_init(&g, 3, x.ndim, x.shape, st, dim);
  int64_t n = x.shape[dim], sn = x.stride[dim];
  int last = g.nd - 1;
  int64_t smx = g.st[0][last];
  /* row path: reduce TILE neighbouring lanes at once when the lanes are
   * closer together in memory than the elements of one lane, or short
   * (the tile then covers one compact region); same arithmetic either way */
  int row = g.m > 1 && (llabs(sn) > llabs(smx) || n <= B);
  int64_t per = row ? (g.m + TILE - 1) / TILE : g.m;
  int64_t units = g.outer * per;
  if (units == 0) return CREDO_OK;
  int nth = credo_threads_get();
  int intres = result_is_int(op, x.dtype);
  rstate *partials = NULL;
  if (nth > 1 && units < 2 * nth && n >= PAR_MIN) {
    partials = malloc(sizeof *partials * NPARTIAL);
    if (!partials) return CREDO_ENOMEM;
  }
  credo_status status = CREDO_OK;
  int par = !partials && nth > 1 && units > 1 && units * n >= PAR_MIN;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t u = 0; u < units; u++) {
    credo_status seen;
#pragma omp atomic read
    seen = status;
    if (credo_interrupted || seen != CREDO_OK) continue;
    int64_t r = u / per, t = u % per;
    int64_t j0 = row ? t * TILE : t, w = row ? min64(TILE, g.m - j0) : 1;
    int64_t off[MAXOP];
    geom_offsets(&g, 3, r, off);
    rstate res[TILE];
    credo_status s = reduce_lanes(op, a, res,
                                  n ? elem_ptr(&x, off[0] + j0 * smx) : NULL,
                                  x.dtype, n, sn, w, smx, partials);
    if (s != CREDO_OK) {
#pragma omp atomic write
      status = s;
      continue;
    }
    for (int64_t j = 0; j < w; j++) {
      char *o = elem_ptr(out, off[1] + (j0 + j) * g.st[1][last]);
      if (intres) *(int64_t *)o = result_int(op, &res[j]) +
                                  (op == TENSOR_RED_ARGMIN || op == TENSOR_RED_ARGMAX);
      else store_f(o, out->dtype, res[j].f);
      if (idx)
        *(int64_t *)elem_ptr(idx, off[2] + (j0 + j) * g.st[2][last]) =
            res[j].at + 1;
    }
  }
  free(partials);
  if (status != CREDO_OK) return status;
  return credo_interrupted ? CREDO_EINTR : CREDO_OK;
}

credo_status tensor_reduce_all(tensor_scalar *res, const Tensor *x,
                               tensor_reduce_op op,
                               const tensor_reduce_args *a) {
  int64_t n = tensor_numel(x);
  int64_t st[MAXOP][TENSOR_MAXDIM];
  for (int d = 0; d < x->ndim; d++) st[0][d] = x->stride[d];
  geom g;
  geom_init(&g, 1, x->ndim, x->shape, st, -1);
  Tensor tmp = {0};
  const char *base = NULL;
  int64_t stride = 1;
  if (n > 0 && g.nd == 1) {
    base = tensor_data(x);
    stride = g.st[0][0];
  } else if (n > 0) {
    if (tensor_init(&tmp, x->dtype, x->ndim, x->shape) != CREDO_OK)
      return CREDO_ENOMEM;
    tensor_copy(&tmp, x);
    base = tensor_data(&tmp);
  }
  rstate *partials = NULL;
  if (credo_threads_get() > 1 && n >= PAR_MIN) {
    partials = malloc(sizeof *partials * NPARTIAL);
    if (!partials) {
      tensor_release(&tmp);
      return CREDO_ENOMEM;
    }
  }
  rstate r;
  credo_status s = reduce_lanes(op, a, &r, base, x->dtype, n, stride, 1, 0,
                                partials);
  free(partials);
  tensor_release(&tmp);
  if (s == CREDO_OK && credo_interrupted) s = CREDO_EINTR;
  memset(res, 0, sizeof *res);
  res->is_int = result_is_int(op, x->dtype);
  res->index = r.at;
  if (res->is_int) {
    res->i = result_int(op, &r);
    res->f = (double)res->i;
  } else {
    res->f = x->dtype == TENSOR_F32 ? (double)(float)r.f : r.f;
  }
  return s;
}

/* ---- scans ------------------------------------------------------------------ */

/* Running sum or product along dim; one unit = w neighbouring lanes. */
static credo_status cumulate(Tensor *out0, const Tensor *x0, int dim,
                             int prod) {
  Tensor x = as_atleast1d(x0), out = as_atleast1d(out0);
  int64_t st[MAXOP][TENSOR_MAXDIM];
  for (int d = 0; d < x.ndim; d++) {
    st[0][d] = x.stride[d];
    st[1][d] = out.stride[d];
  }
  geom g;
  geom_init(&g, 2, x.ndim, x.shape, st, dim);
  int64_t n = x.shape[dim], sn = x.stride[dim], on = out.stride[dim];
  int last = g.nd - 1;
  int64_t smx = g.st[0][last], smo = g.st[1][last];
  int row = g.m > 1 && (llabs(sn) > llabs(smx) || n <= B);
  int64_t per = row ? (g.m + TILE - 1) / TILE : g.m;
  int64_t units = g.outer * per;
  if (units == 0 || n == 0) return CREDO_OK;
  int64_t xes = (int64_t)tensor_dtype_size(x.dtype);
  int64_t oes = (int64_t)tensor_dtype_size(out.dtype);
  int isint = x.dtype == TENSOR_I64 && out.dtype == TENSOR_I64;
  int par = credo_threads_get() > 1 && units > 1 && units * n >= PAR_MIN;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t u = 0; u < units; u++) {
    if (credo_interrupted) continue;
    int64_t r = u / per, t = u % per;
    int64_t j0 = row ? t * TILE : t, w = row ? min64(TILE, g.m - j0) : 1;
    int64_t off[MAXOP];
    geom_offsets(&g, 2, r, off);
    const char *xp = elem_ptr(&x, off[0] + j0 * smx);
    char *op = elem_ptr(&out, off[1] + j0 * smo);
    union {
      double d[B * TILE];
      int64_t i[B * TILE];
    } buf;
    double acc[TILE];
    int64_t iacc[TILE];
    for (int64_t j = 0; j < w; j++) {
      acc[j] = prod ? 1.0 : 0.0;
      iacc[j] = prod ? 1 : 0;
    }
    for (int64_t b0 = 0; b0 < n; b0 += B) {
      int64_t nb = min64(B, n - b0);
      if (isint) {
        load_tile_i(buf.i, xp + b0 * sn * xes, nb, sn, w, smx);
        for (int64_t i = 0; i < nb; i++)
          for (int64_t j = 0; j < w; j++) {
            iacc[j] = prod ? wmul(iacc[j], buf.i[i * w + j])
                           : wadd(iacc[j], buf.i[i * w + j]);
            buf.i[i * w + j] = iacc[j];
          }
        int64_t *o = (int64_t *)(op + b0 * on * oes);
        for (int64_t i = 0; i < nb; i++)
          for (int64_t j = 0; j < w; j++) o[i * on + j * smo] = buf.i[i * w + j];
      } else {
        load_tile_d(buf.d, xp + b0 * sn * xes, x.dtype, nb, sn, w, smx);
        double *tr = buf.d;
        if (prod) {
          for (int64_t i = 0; i < nb; i++, tr += w)
            for (int64_t j = 0; j < w; j++) tr[j] = acc[j] = acc[j] * tr[j];
        } else {
          for (int64_t i = 0; i < nb; i++, tr += w)
            for (int64_t j = 0; j < w; j++) tr[j] = acc[j] = acc[j] + tr[j];
        }
        store_tile_d(op + b0 * on * oes, out.dtype, buf.d, nb, on, w, smo);
      }
    }
  }
  return credo_interrupted ? CREDO_EINTR : CREDO_OK;
}

credo_status tensor_cumsum(Tensor *out, const Tensor *x, int dim) {
  return cumulate(out, x, dim, 0);
}

credo_status tensor_cumprod(Tensor *out, const Tensor *x, int dim) {
  return cumulate(out, x, dim, 1);
}

/* ---- raw-array kernels --------------------------------------------------- */

double tensor_sum_f32(const float *x, int64_t n, int64_t stride) {
  rstate r;
  run_states(K_SUM, &r, (const char *)x, TENSOR_F32, n, stride, 1, 0, NULL, 0,
             NULL);
  return r.f;
}

double tensor_sum_f64(const double *x, int64_t n, int64_t stride) {
  rstate r;
  run_states(K_SUM, &r, (const char *)x, TENSOR_F64, n, stride, 1, 0, NULL, 0,
             NULL);
  return r.f;
}

static int64_t arg_raw(int kind, const char *x, tensor_dtype dt, int64_t n,
                       int64_t stride) {
  rstate r;
  run_states(kind, &r, x, dt, n, stride, 1, 0, NULL, 0, NULL);
  return r.at;
}

int64_t tensor_argmax_f64(const double *x, int64_t n, int64_t stride) {
  return arg_raw(K_MAX, (const char *)x, TENSOR_F64, n, stride);
}

int64_t tensor_argmin_f64(const double *x, int64_t n, int64_t stride) {
  return arg_raw(K_MIN, (const char *)x, TENSOR_F64, n, stride);
}

int64_t tensor_argmax_f32(const float *x, int64_t n, int64_t stride) {
  return arg_raw(K_MAX, (const char *)x, TENSOR_F32, n, stride);
}

int64_t tensor_argmin_f32(const float *x, int64_t n, int64_t stride) {
  return arg_raw(K_MIN, (const char *)x, TENSOR_F32, n, stride);
}

/* ---- sorting ------------------------------------------------------------------ */

/* "a strictly before b" in ascending / descending order, NaN the largest. */
#define BEFORE_FASC(a, b) (!isnan(a) && (isnan(b) || (a) < (b)))
#define BEFORE_FDESC(a, b) (!isnan(b) && (isnan(a) || (a) > (b)))
#define BEFORE_IASC(a, b) ((a) < (b))
#define BEFORE_IDESC(a, b) ((a) > (b))

/* Stable bottom-up merge sort of positions by key x (Knuth, TAOCP 5.2.4,
 * straight two-way merge), runs of 16 first sorted by insertion.  idx (n)
 * receives the order; tmp (n) is scratch. */
#define DEFINE_MSORT(NAME, T, BEFORE)                                        \
  static void NAME(int64_t *idx, const T *x, int64_t n, int64_t *tmp) {      \
    for (int64_t i = 0; i < n; i++) idx[i] = i;                              \
    for (int64_t lo = 0; lo < n; lo += 16) {                                 \
      int64_t hi = min64(lo + 16, n);                                        \
      for (int64_t i = lo + 1; i < hi; i++) {                                \
        int64_t v = idx[i], j = i;                                           \
        while (j > lo && BEFORE(x[v], x[idx[j - 1]])) {                      \
          idx[j] = idx[j - 1];                                               \
          j--;                                                               \
        }                                                                    \
        idx[j] = v;                                                          \
      }                                                                      \
    }                                                                        \
    int64_t *src = idx, *dst = tmp;                                          \
    for (int64_t width = 16; width < n; width *= 2) {                        \
      for (int64_t lo = 0; lo < n; lo += 2 * width) {                        \
        int64_t mid = min64(lo + width, n), hi = min64(lo + 2 * width, n);   \
        int64_t a = lo, b = mid, k = lo;                                     \
        while (a < mid && b < hi)                                            \
          dst[k++] = BEFORE(x[src[b]], x[src[a]]) ? src[b++] : src[a++];     \
        while (a < mid) dst[k++] = src[a++];                                 \
        while (b < hi) dst[k++] = src[b++];                                  \
      }                                                                      \
      int64_t *t = src;                                                      \
      src = dst;                                                             \
      dst = t;                                                               \
    }                                                                        \
    if (src != idx) memcpy(idx, src, sizeof *idx * (size_t)n);               \
  }

DEFINE_MSORT(msort_fasc, double, BEFORE_FASC)
DEFINE_MSORT(msort_fdesc, double, BEFORE_FDESC)
DEFINE_MSORT(msort_sasc, float, BEFORE_FASC)
DEFINE_MSORT(msort_sdesc, float, BEFORE_FDESC)
DEFINE_MSORT(msort_iasc, int64_t, BEFORE_IASC)
DEFINE_MSORT(msort_idesc, int64_t, BEFORE_IDESC)

void tensor_argsort_f64_scratch(int64_t *idx, const double *x, int64_t n,
                                int descending, int64_t *scratch) {
  (descending ? msort_fdesc : msort_fasc)(idx, x, n, scratch);
}

void tensor_argsort_i64_scratch(int64_t *idx, const int64_t *x, int64_t n,
                                int descending, int64_t *scratch) {
  (descending ? msort_idesc : msort_iasc)(idx, x, n, scratch);
}

credo_status tensor_argsort_f64(int64_t *idx, const double *x, int64_t n,
                                int descending) {
  int64_t *tmp = malloc(sizeof *tmp * (size_t)(n > 0 ? n : 1));
  if (!tmp) return CREDO_ENOMEM;
  tensor_argsort_f64_scratch(idx, x, n, descending, tmp);
  free(tmp);
  return CREDO_OK;
}

credo_status tensor_argsort_f32(int64_t *idx, const float *x, int64_t n,
                                int descending) {
  int64_t *tmp = malloc(sizeof *tmp * (size_t)(n > 0 ? n : 1));
  if (!tmp) return CREDO_ENOMEM;
  (descending ? msort_sdesc : msort_sasc)(idx, x, n, tmp);
  free(tmp);
  return CREDO_OK;
}

credo_status tensor_argsort_i64(int64_t *idx, const int64_t *x, int64_t n,
                                int descending) {
  int64_t *tmp = malloc(sizeof *tmp * (size_t)(n > 0 ? n : 1));
  if (!tmp) return CREDO_ENOMEM;
  tensor_argsort_i64_scratch(idx, x, n, descending, tmp);
  free(tmp);
  return CREDO_OK;
}

/* The k best positions of x (n) in a binary heap whose root is the worst
 * kept (Williams 1964, heapsort's heap): O(n log k).  "Better" is BEFORE
 * with ties going to the lower position, a strict total order, so the
 * result is the first k of the stable sort.  hp (k) receives the positions
 * best first. */
#define BETTER(BEFORE, x, p, q) \
  (BEFORE(x[p], x[q]) || (!BEFORE(x[q], x[p]) && (p) < (q)))
#define DEFINE_TOPK(NAME, T, BEFORE)                                         \
  static void NAME##_down(int64_t *hp, const T *x, int64_t size,             \
                          int64_t c) {                                       \
    for (;;) {                                                               \
      int64_t w = c, l = 2 * c + 1, r = l + 1;                               \
      if (l < size && BETTER(BEFORE, x, hp[w], hp[l])) w = l;                \
      if (r < size && BETTER(BEFORE, x, hp[w], hp[r])) w = r;                \
      if (w == c) return;                                                    \
      int64_t t = hp[c];                                                     \
      hp[c] = hp[w];                                                         \
      hp[w] = t;                                                             \
      c = w;                                                                 \
    }                                                                        \
  }                                                                          \
  static void NAME(int64_t *hp, const T *x, int64_t n, int64_t k) {          \
    int64_t size = 0;                                                        \
    for (int64_t i = 0; i < n; i++) {                                        \
      if (size < k) {                                                        \
        int64_t c = size++;                                                  \
        hp[c] = i;                                                           \
        while (c > 0) {                                                      \
          int64_t par = (c - 1) / 2;                                         \
          if (!BETTER(BEFORE, x, hp[par], hp[c])) break;                     \
          int64_t t = hp[c];                                                 \
          hp[c] = hp[par];                                                   \
          hp[par] = t;                                                       \
          c = par;                                                           \
        }                                                                    \
      } else if (k > 0 && BETTER(BEFORE, x, i, hp[0])) {                     \
        hp[0] = i;                                                           \
        NAME##_down(hp, x, size, 0);                                         \
      }                                                                      \
    }                                                                        \
    for (int64_t end = size - 1; end > 0; end--) {                           \
      int64_t t = hp[0];                                                     \
      hp[0] = hp[end];                                                       \
      hp[end] = t;                                                           \
      NAME##_down(hp, x, end, 0);                                            \
    }                                                                        \
  }

DEFINE_TOPK(topk_fasc, double, BEFORE_FASC)
DEFINE_TOPK(topk_fdesc, double, BEFORE_FDESC)
DEFINE_TOPK(topk_iasc, int64_t, BEFORE_IASC)
DEFINE_TOPK(topk_idesc, int64_t, BEFORE_IDESC)

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

enum { SEL_SORT, SEL_TOPK, SEL_KTH };

/* The k first positions (in order) of one lane's keys (n, contiguous,
 * double or int64 per isint) into pos: the full merge sort when k is a
 * large part of n, the heap otherwise (same result). */
static void lane_select(int64_t *pos, const void *keys, int isint, int64_t n,
                        int64_t k, int descending, int64_t *tmp) {
  if (k * 8 > n) {
    if (isint) (descending ? msort_idesc : msort_iasc)(pos, keys, n, tmp);
    else (descending ? msort_fdesc : msort_fasc)(pos, keys, n, tmp);
  } else if (isint) {
    (descending ? topk_idesc : topk_iasc)(pos, keys, n, k);
  } else {
    (descending ? topk_fdesc : topk_fasc)(pos, keys, n, k);
  }
}

/* Sort / top-k / k-th value of every lane along dim.  values and indices
 * (either may be NULL) have x's shape with shape[dim] = k (sort: n), or for
 * SEL_KTH the reduction shape. */
static credo_status select_lanes(int mode, Tensor *values, Tensor *indices,
                                 const Tensor *x0, int dim, int64_t k,
                                 int descending, int sorted) {
  Tensor x = as_atleast1d(x0);
  Tensor vv = values ? as_atleast1d(values) : x;
  Tensor iv = indices ? as_atleast1d(indices) : x;
  int64_t st[MAXOP][TENSOR_MAXDIM];
  for (int d = 0; d < x.ndim; d++) st[0][d] = x.stride[d];
  if (mode == SEL_KTH) {
    if (values) aligned_strides(st[1], values, x.ndim, dim);
    if (indices) aligned_strides(st[2], indices, x.ndim, dim);
  } else {
    for (int d = 0; d < x.ndim; d++) {
      st[1][d] = vv.stride[d];
      st[2][d] = iv.stride[d];
    }
  }
  if (!values)
    for (int d = 0; d < x.ndim; d++) st[1][d] = 0;
  if (!indices)
    for (int d = 0; d < x.ndim; d++) st[2][d] = 0;
  geom g;
  geom_init(&g, 3, x.ndim, x.shape, st, dim);
  int64_t n = x.shape[dim], sn = x.stride[dim];
  int64_t vsn = mode == SEL_KTH || !values ? 0 : vv.stride[dim];
  int64_t isn = mode == SEL_KTH || !indices ? 0 : iv.stride[dim];
  int64_t lanes = g.outer * g.m;
  int64_t kout = mode == SEL_SORT ? n : mode == SEL_TOPK ? k : 1;
  if (lanes == 0 || kout == 0) return CREDO_OK;
  int isint = x.dtype == TENSOR_I64;
  int last = g.nd - 1;
  credo_status status = CREDO_OK;
  int par = credo_threads_get() > 1 && lanes > 1 && lanes * n >= PAR_MIN / 4;
#pragma omp parallel if (par)
  {
    /* per thread: keys (n), positions (n), merge scratch (n) */
    void *keys = malloc(8 * (size_t)n);
    int64_t *pos = malloc(8 * (size_t)n);
    int64_t *tmp = malloc(8 * (size_t)n);
    if (!keys || !pos || !tmp) {
#pragma omp atomic write
      status = CREDO_ENOMEM;
    }
#pragma omp for schedule(static)
    for (int64_t l = 0; l < lanes; l++) {
      credo_status seen;
#pragma omp atomic read
      seen = status;
      if (seen != CREDO_OK || credo_interrupted) continue;
      int64_t off[MAXOP];
      geom_offsets(&g, 3, l / g.m, off);
      int64_t j = l % g.m;
      const char *xp = elem_ptr(&x, off[0] + j * g.st[0][last]);
      if (isint) load_tile_i(keys, xp, n, sn, 1, 0);
      else load_tile_d(keys, xp, x.dtype, n, sn, 1, 0);
      int64_t want = mode == SEL_SORT ? n : k;
      lane_select(pos, keys, isint, n, want, descending, tmp);
      int64_t *first = pos;
      if (mode == SEL_KTH) first = pos + k - 1;
      else if (mode == SEL_TOPK && !sorted) qsort(pos, (size_t)k, sizeof *pos, cmp_i64);
      if (values) {
        char *vp = elem_ptr(&vv, off[1] + j * g.st[1][last]);
        int64_t es = (int64_t)tensor_dtype_size(vv.dtype);
        for (int64_t i = 0; i < kout; i++) {
          char *e = vp + i * vsn * es;
          if (isint) *(int64_t *)e = ((const int64_t *)keys)[first[i]];
          else store_f(e, vv.dtype, ((const double *)keys)[first[i]]);
        }
      }
      if (indices) {
        int64_t *ip = (int64_t *)elem_ptr(&iv, off[2] + j * g.st[2][last]);
        for (int64_t i = 0; i < kout; i++) ip[i * isn] = first[i] + 1;
      }
    }
    free(keys);
    free(pos);
    free(tmp);
  }
  if (status != CREDO_OK) return status;
  return credo_interrupted ? CREDO_EINTR : CREDO_OK;
}

credo_status tensor_sort(Tensor *values, Tensor *indices, const Tensor *x,
                         int dim, int descending) {
  return select_lanes(SEL_SORT, values, indices, x, dim, 0, descending, 1);
}

credo_status tensor_topk(Tensor *values, Tensor *indices, const Tensor *x,
                         int dim, int64_t k, int largest, int sorted) {
  return select_lanes(SEL_TOPK, values, indices, x, dim, k, largest, sorted);
}

credo_status tensor_kthvalue(Tensor *values, Tensor *indices,
                             const Tensor *x, int dim, int64_t k) {
  return select_lanes(SEL_KTH, values, indices, x, dim, k, 0, 1);
}

/* ---- unique --------------------------------------------------------------------- */

credo_status tensor_unique(Tensor *values, Tensor *inverse, Tensor *counts,
                           const Tensor *x) {
  int64_t n = tensor_numel(x);
  int isint = x->dtype == TENSOR_I64;
  Tensor flat = {0};
  int64_t *perm = malloc(8 * (size_t)(n > 0 ? n : 1));
  int64_t *tmp = malloc(8 * (size_t)(n > 0 ? n : 1));
  credo_status s = CREDO_ENOMEM;
  if (!perm || !tmp ||
      tensor_init_uninit(&flat, isint ? TENSOR_I64 : TENSOR_F64, 1, &n) != CREDO_OK)
    goto done;
  tensor_copy(&flat, x);   /* float32 -> float64 is exact */
  const double *fk = tensor_f64(&flat);
  const int64_t *ik = tensor_i64(&flat);
  if (n > 0) {
    if (isint) msort_iasc(perm, ik, n, tmp);
    else msort_fasc(perm, fk, n, tmp);
  }
  /* tmp[i] = 0-based group of sorted element i; NaNs form one group */
  int64_t u = 0;
  for (int64_t i = 0; i < n; i++) {
    int fresh = i == 0;
    if (!fresh) {
      if (isint) fresh = ik[perm[i]] != ik[perm[i - 1]];
      else {
        double a = fk[perm[i]], b = fk[perm[i - 1]];
        fresh = a != b && !(isnan(a) && isnan(b));
      }
    }
    u += fresh;
    tmp[i] = u - 1;
  }
  if (tensor_init(values, x->dtype, 1, &u) != CREDO_OK ||
      (counts && tensor_init(counts, TENSOR_I64, 1, &u) != CREDO_OK) ||
      (inverse && tensor_init(inverse, TENSOR_I64, x->ndim, x->shape) != CREDO_OK))
    goto done;
  for (int64_t i = 0; i < n; i++) {
    int64_t gi = tmp[i];
    if (isint) tensor_i64(values)[gi] = ik[perm[i]];
    else store_f(elem_ptr(values, gi), values->dtype, fk[perm[i]]);
    if (counts) tensor_i64(counts)[gi]++;
    if (inverse) tensor_i64(inverse)[perm[i]] = gi + 1;
  }
  s = CREDO_OK;
done:
  free(perm);
  free(tmp);
  tensor_release(&flat);
  return s;
}

/* ---- gathering -------------------------------------------------------------------- */

int64_t tensor_index_find_bad(const Tensor *index, int64_t size,
                              int64_t *value) {
  Tensor t = as_atleast1d(index);
  int64_t st[MAXOP][TENSOR_MAXDIM];
  for (int d = 0; d < t.ndim; d++) st[0][d] = t.stride[d];
  geom g;
  geom_init(&g, 1, t.ndim, t.shape, st, -1);
  int64_t sm = g.st[0][g.nd - 1];
  for (int64_t r = 0; r < g.outer; r++) {
    int64_t off;
    geom_offsets(&g, 1, r, &off);
    const int64_t *p = (const int64_t *)elem_ptr(&t, off);
    for (int64_t j = 0; j < g.m; j++)
      if (p[j * sm] < 1 || p[j * sm] > size) {
        *value = p[j * sm];
        return r * g.m + j;   /* geom keeps row-major order */
      }
  }
  return -1;
}

/* out[p] = x[p with dim replaced by index(p) - 1] over out's positions p.
 * ist: index strides aligned to out's dims. */
static credo_status gather_run(Tensor *out0, const Tensor *x0, int dim,
                               const Tensor *index, const int64_t *ist) {
  Tensor out = as_atleast1d(out0), x = as_atleast1d(x0);
  int64_t st[MAXOP][TENSOR_MAXDIM];
  for (int d = 0; d < out.ndim; d++) {
    st[0][d] = out.stride[d];
    st[1][d] = d == dim ? 0 : x.stride[d];
    st[2][d] = ist[d];
  }
  geom g;
  geom_init(&g, 3, out.ndim, out.shape, st, -1);
  int64_t n = tensor_numel(&out);
  if (n == 0) return CREDO_OK;
  int last = g.nd - 1;
  int64_t xsd = x.stride[dim], es = (int64_t)tensor_dtype_size(x.dtype);
  int64_t s0 = g.st[0][last], s1 = g.st[1][last], s2 = g.st[2][last];
  const char *xb = tensor_data(&x);
  int par = credo_threads_get() > 1 && g.outer > 1 && n >= PAR_MIN;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t r = 0; r < g.outer; r++) {
    int64_t off[MAXOP];
    geom_offsets(&g, 3, r, off);
    char *op = elem_ptr(&out, off[0]);
    const int64_t *ip = (const int64_t *)tensor_data(index) + off[2];
    for (int64_t j = 0; j < g.m; j++) {
      int64_t xo = off[1] + j * s1 + (ip[j * s2] - 1) * xsd;
      if (es == 8) ((int64_t *)op)[j * s0] = ((const int64_t *)xb)[xo];
      else ((float *)op)[j * s0] = ((const float *)xb)[xo];
    }
  }
  return credo_interrupted ? CREDO_EINTR : CREDO_OK;
}

credo_status tensor_gather(Tensor *out, const Tensor *x, int dim,
                           const Tensor *index) {
  assert(out->dtype == x->dtype && index->dtype == TENSOR_I64);
  Tensor iv = as_atleast1d(index);
  return gather_run(out, x, dim, index, iv.stride);
}

credo_status tensor_index_select(Tensor *out, const Tensor *x, int dim,
                                 const Tensor *index) {
  assert(out->dtype == x->dtype && index->dtype == TENSOR_I64);
  int64_t ist[TENSOR_MAXDIM] = {0};
  ist[dim] = index->ndim ? index->stride[0] : 0;
  return gather_run(out, x, dim, index, ist);
}

credo_status tensor_masked_select(Tensor *out, const Tensor *x,
                                  const Tensor *mask) {
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  if (tensor_broadcast_shape(&nd, shape, x->ndim, x->shape, mask->ndim,
                             mask->shape) != 0)
    return CREDO_EINVAL;
  Tensor xv = *x, mv = *mask;   /* metadata copies, no reference taken */
  tensor_view_expand(&xv, nd, shape);
  tensor_view_expand(&mv, nd, shape);
  xv = as_atleast1d(&xv);
  mv = as_atleast1d(&mv);
  int64_t st[MAXOP][TENSOR_MAXDIM];
  for (int d = 0; d < xv.ndim; d++) {
    st[0][d] = xv.stride[d];
    st[1][d] = mv.stride[d];
  }
  geom g;
  geom_init(&g, 2, xv.ndim, xv.shape, st, -1);
  int last = g.nd - 1;
  int64_t count = 0, total = tensor_numel(&xv);
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1 && tensor_init(out, x->dtype, 1, &count) != CREDO_OK)
      return CREDO_ENOMEM;
    int64_t k = 0, es = (int64_t)tensor_dtype_size(x->dtype);
    for (int64_t r = 0; total && r < g.outer; r++) {
      int64_t off[MAXOP];
      geom_offsets(&g, 2, r, off);
      const int64_t *mp = (const int64_t *)elem_ptr(&mv, off[1]);
      const char *xp = elem_ptr(&xv, off[0]);
      for (int64_t j = 0; j < g.m; j++) {
        if (!mp[j * g.st[1][last]]) continue;
        if (pass == 0) count++;
        else memcpy(elem_ptr(out, k++), xp + j * g.st[0][last] * es, (size_t)es);
      }
    }
  }
  return CREDO_OK;
}

credo_status tensor_nonzero(Tensor *out, const Tensor *x) {
  tensor_scalar c;
  tensor_reduce_args a = {0, 0};
  credo_status s = tensor_reduce_all(&c, x, TENSOR_RED_COUNT_NONZERO, &a);
  if (s != CREDO_OK) return s;
  int64_t shape[2] = {c.i, x->ndim};
  if (tensor_init(out, TENSOR_I64, 2, shape) != CREDO_OK) return CREDO_ENOMEM;
  int64_t n = tensor_numel(x), idx[TENSOR_MAXDIM] = {0}, off = 0, k = 0;
  int64_t *o = tensor_i64(out);
  const char *base = n ? tensor_data(x) : NULL;
  int64_t es = (int64_t)tensor_dtype_size(x->dtype);
  for (int64_t i = 0; i < n; i++) {
    if (load_f(base + off * es, x->dtype) != 0) {
      for (int d = 0; d < x->ndim; d++) o[k * x->ndim + d] = idx[d] + 1;
      k++;
    }
    for (int d = x->ndim - 1; d >= 0; d--) {   /* row-major odometer */
      off += x->stride[d];
      if (++idx[d] < x->shape[d]) break;
      off -= idx[d] * x->stride[d];
      idx[d] = 0;
    }
  }
  return CREDO_OK;
}

/* ---- scattering ------------------------------------------------------------------ */

/* One element of dst (+)= one of src, same dtype. */
static inline void put_elem(char *d, const char *s, tensor_dtype dt,
                            tensor_put_mode mode) {
  switch (dt) {
  case TENSOR_F32:
    if (mode == TENSOR_PUT_ADD) *(float *)d += *(const float *)s;
    else *(float *)d = *(const float *)s;
    break;
  case TENSOR_F64:
    if (mode == TENSOR_PUT_ADD) *(double *)d += *(const double *)s;
    else *(double *)d = *(const double *)s;
    break;
  case TENSOR_I64:
    if (mode == TENSOR_PUT_ADD) *(int64_t *)d = wadd(*(int64_t *)d, *(const int64_t *)s);
    else *(int64_t *)d = *(const int64_t *)s;
    break;
  }
}

/* Scatter over index's positions in row-major order, serially (duplicate
 * targets make any parallel split order-dependent).  src NULL: fill with
 * the element at fill (self's dtype). */
static credo_status scatter_run(Tensor *self0, int dim, const Tensor *index0,
                                const Tensor *src0, const char *fill,
                                tensor_put_mode mode) {
  Tensor self = as_atleast1d(self0), index = as_atleast1d(index0);
  Tensor src = src0 ? as_atleast1d(src0) : index;
  int64_t st[MAXOP][TENSOR_MAXDIM];
  for (int d = 0; d < index.ndim; d++) {
    st[0][d] = index.stride[d];
    st[1][d] = src0 ? src.stride[d] : 0;
    st[2][d] = d == dim ? 0 : self.stride[d];
  }
  geom g;
  geom_init(&g, 3, index.ndim, index.shape, st, -1);
  if (tensor_numel(&index) == 0) return CREDO_OK;
  int last = g.nd - 1;
  int64_t es = (int64_t)tensor_dtype_size(self.dtype), ssd = self.stride[dim];
  for (int64_t r = 0; r < g.outer; r++) {
    if ((r & 1023) == 0 && credo_interrupted) return CREDO_EINTR;
    int64_t off[MAXOP];
    geom_offsets(&g, 3, r, off);
    const int64_t *ip = (const int64_t *)elem_ptr(&index, off[0]);
    for (int64_t j = 0; j < g.m; j++) {
      int64_t so = off[2] + j * g.st[2][last] + (ip[j * g.st[0][last]] - 1) * ssd;
      const char *sp = src0 ? elem_ptr(&src, off[1] + j * g.st[1][last]) : fill;
      put_elem((char *)tensor_data(&self) + so * es, sp, self.dtype, mode);
    }
  }
  return CREDO_OK;
}

credo_status tensor_scatter(Tensor *self, int dim, const Tensor *index,
                            const Tensor *src, tensor_put_mode mode) {
  assert(src->dtype == self->dtype && index->dtype == TENSOR_I64);
  return scatter_run(self, dim, index, src, NULL, mode);
}

credo_status tensor_scatter_fill(Tensor *self, int dim, const Tensor *index,
                                 double value) {
  int64_t buf;
  store_f((char *)&buf, self->dtype, value);   /* the value as one element */
  return scatter_run(self, dim, index, NULL, (const char *)&buf, TENSOR_PUT_COPY);
}

/* self.select(dim, index[i]) (+)= src.select(dim, i), or = fill.  Units are
 * tiles of positions of the other dims (disjoint targets: parallel and
 * deterministic); within a unit, i runs in order. */
static credo_status index_put_run(Tensor *self0, int dim, const Tensor *index,
                                  const Tensor *src0, const char *fill,
                                  tensor_put_mode mode) {
  Tensor self = as_atleast1d(self0);
  Tensor src = src0 ? as_atleast1d(src0) : self;
  int64_t len = index->ndim ? index->shape[0] : 1;
  int64_t is = index->ndim ? index->stride[0] : 0;
  int64_t st[MAXOP][TENSOR_MAXDIM];
  for (int d = 0; d < self.ndim; d++) {
    st[0][d] = self.stride[d];
    st[1][d] = src0 ? src.stride[d] : 0;
  }
  geom g;
  geom_init(&g, 2, self.ndim, self.shape, st, dim);
  int last = g.nd - 1;
  int64_t per = (g.m + TILE - 1) / TILE, units = g.outer * per;
  if (units == 0 || len == 0) return CREDO_OK;
  int64_t es = (int64_t)tensor_dtype_size(self.dtype);
  int64_t ssd = self.stride[dim], xsd = src0 ? src.stride[dim] : 0;
  const int64_t *ip = tensor_i64(index);
  int par = credo_threads_get() > 1 && units > 1 && units * TILE * len >= PAR_MIN;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t u = 0; u < units; u++) {
    if (credo_interrupted) continue;
    int64_t off[MAXOP];
    geom_offsets(&g, 2, u / per, off);
    int64_t j0 = (u % per) * TILE, w = min64(TILE, g.m - j0);
    char *sb = (char *)tensor_data(&self);
    for (int64_t i = 0; i < len; i++) {
      int64_t row = (ip[i * is] - 1) * ssd;
      for (int64_t j = j0; j < j0 + w; j++) {
        const char *sp = src0 ? elem_ptr(&src, off[1] + j * g.st[1][last] + i * xsd) : fill;
        put_elem(sb + (off[0] + j * g.st[0][last] + row) * es, sp, self.dtype, mode);
      }
    }
  }
  return credo_interrupted ? CREDO_EINTR : CREDO_OK;
}

credo_status tensor_index_put(Tensor *self, int dim, const Tensor *index,
                              const Tensor *src, tensor_put_mode mode) {
  assert(src->dtype == self->dtype && index->dtype == TENSOR_I64);
  return index_put_run(self, dim, index, src, NULL, mode);
}

credo_status tensor_index_fill(Tensor *self, int dim, const Tensor *index,
                               double value) {
  int64_t buf;
  store_f((char *)&buf, self->dtype, value);   /* the value as one element */
  return index_put_run(self, dim, index, NULL, (const char *)&buf,
                       TENSOR_PUT_COPY);
}

credo_status tensor_bincount(Tensor *out, const Tensor *x,
                             const Tensor *weights, int64_t minlength) {
  int64_t n = x->shape[0], xs = x->stride[0], mx = -1;
  const int64_t *xp = n ? tensor_i64(x) : NULL;
  for (int64_t i = 0; i < n; i++)
    if (xp[i * xs] > mx) mx = xp[i * xs];
  if (mx == INT64_MAX) return CREDO_ENOMEM;
  int64_t len = mx + 1 > minlength ? mx + 1 : minlength;
  if (!weights) {
    if (tensor_init(out, TENSOR_I64, 1, &len) != CREDO_OK) return CREDO_ENOMEM;
    int64_t *o = tensor_i64(out);
    for (int64_t i = 0; i < n; i++) o[xp[i * xs]]++;
    return CREDO_OK;
  }
  /* weights accumulate in double, in order of position, then round once */
  tensor_dtype odt = weights->dtype == TENSOR_I64 ? TENSOR_F64 : weights->dtype;
  if (tensor_init(out, odt, 1, &len) != CREDO_OK) return CREDO_ENOMEM;
  double *acc = calloc((size_t)(len > 0 ? len : 1), sizeof *acc);
  if (!acc) return CREDO_ENOMEM;
  const char *wp = n ? tensor_data(weights) : NULL;
  int64_t ws = weights->stride[0], es = (int64_t)tensor_dtype_size(weights->dtype);
  for (int64_t i = 0; i < n; i++) acc[xp[i * xs]] += load_f(wp + i * ws * es, weights->dtype);
  for (int64_t v = 0; v < len; v++) store_f(elem_ptr(out, v), out->dtype, acc[v]);
  free(acc);
  return CREDO_OK;
}

/* ---- joining ------------------------------------------------------------------------ */

tensor_dtype tensor_promote(tensor_dtype a, tensor_dtype b) {
  if (a == TENSOR_F64 || b == TENSOR_F64) return TENSOR_F64;
  if (a == TENSOR_F32 || b == TENSOR_F32) return TENSOR_F32;
  return TENSOR_I64;
}

credo_status tensor_cat(Tensor *out, const Tensor *const *xs, int n, int dim) {
  int64_t pos = 0;
  for (int i = 0; i < n; i++) {
    const Tensor *x = xs[i];
    if (x->ndim == 1 && x->shape[0] == 0) continue;
    Tensor v = *out;   /* metadata copy of the slice, no reference taken */
    v.shape[dim] = x->shape[dim];
    if (x->shape[dim] > 0) v.offset += pos * out->stride[dim];
    tensor_copy(&v, x);
    pos += x->shape[dim];
    if (credo_interrupted) return CREDO_EINTR;
  }
  return CREDO_OK;
}

credo_status tensor_stack(Tensor *out, const Tensor *const *xs, int n,
                          int dim) {
  for (int i = 0; i < n; i++) {
    Tensor v = *out;
    tensor_view_select(&v, dim, i);
    tensor_copy(&v, xs[i]);
    if (credo_interrupted) return CREDO_EINTR;
  }
  return CREDO_OK;
}
