/*
 * test_tensor_reduce.c: the reduction / sorting / gathering / joining core
 * (natives/tensor/tensor_reduce.c) against slow _ref loops written here
 * from the definitions, on contiguous and non-contiguous (permuted, step-2)
 * inputs of odd sizes, with NaNs and ties; and bit-identical results for 1
 * and 2 threads and for every layout of the same values.
 */
#include <stdlib.h>
#include <string.h>

#include "ctest.h"
#include "../../natives/tensor/tensor_reduce.h"

/* ---- inputs ---- */

static uint64_t rng_state;

static uint64_t rnd(void) { /* xorshift64* (Vigna 2016) */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ULL;
}

static double urand(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

enum { LAYOUT_CONTIG, LAYOUT_STRIDED };
enum { VAL_UNIFORM, VAL_TIES, VAL_NAN };

/* A tensor with the given logical values (seeded), either contiguous or a
 * view of a larger buffer with the dims reversed in memory and every other
 * element skipped (so no two dims merge).  Release with tensor_release. */
static Tensor make(tensor_dtype dt, int nd, const int64_t *shape, int layout,
                   uint64_t seed, int vals) {
  Tensor t = {0};
  if (layout == LAYOUT_CONTIG || nd == 0) {
    tensor_init(&t, dt, nd, shape);
  } else {
    int64_t bshape[TENSOR_MAXDIM] = {0};
    for (int d = 0; d < nd; d++) bshape[d] = 2 * shape[nd - 1 - d] + 1;
    Tensor base;
    tensor_init(&base, dt, nd, bshape);
    t = base;
    for (int d = 0; d < nd; d++) {
      t.shape[d] = shape[d];
      t.stride[d] = 2 * base.stride[nd - 1 - d];
    }
    t.offset = 1;
  }
  rng_state = seed * 2654435761ULL + 1;
  int64_t n = tensor_numel(&t);
  for (int64_t i = 0; i < n; i++) {
    double v;
    if (dt == TENSOR_I64) v = (double)((int64_t)(rnd() % 13) - 6);
    else if (vals == VAL_TIES) v = (double)((int64_t)(rnd() % 5) - 2) * 0.5;
    else v = 2 * urand() - 1;
    if (vals == VAL_NAN && dt != TENSOR_I64 && rnd() % 7 == 0) v = NAN;
    tensor_set_flat(&t, i, v);
  }
  return t;
}

/* flat row-major index in x of element k along dim at output position o
 * (o runs over the shape of x without dim, row-major). */
static int64_t lane_flat(const Tensor *x, int dim, int64_t o, int64_t k) {
  int64_t idx[TENSOR_MAXDIM];
  for (int d = x->ndim - 1; d >= 0; d--) {
    if (d == dim) continue;
    idx[d] = o % x->shape[d];
    o /= x->shape[d];
  }
  idx[dim] = k;
  int64_t f = 0;
  for (int d = 0; d < x->ndim; d++) f = f * x->shape[d] + idx[d];
  return f;
}

/* ---- reference reductions: one output, straight from the definitions ---- */

typedef struct {
  double v;
  int64_t at;
} refres;

static refres ref_reduce(const Tensor *x, int dim, int64_t o,
                         tensor_reduce_op op, const tensor_reduce_args *a) {
  int64_t n = x->ndim ? x->shape[dim] : 1;
  refres r = {0, -1};
  long double s = 0, q = 1;
  int64_t cnt = 0;
  double best = 0;
  for (int64_t k = 0; k < n; k++) {
    double v = tensor_get_flat(x, x->ndim ? lane_flat(x, dim, o, k) : 0);
    s += v;
    q *= v;
    cnt += v != 0;
    int better = 0;
    switch (op) {
    case TENSOR_RED_MIN: case TENSOR_RED_ARGMIN:
      better = r.at < 0 || v < best || (isnan(v) && !isnan(best));
      break;
    case TENSOR_RED_MAX: case TENSOR_RED_ARGMAX:
      better = r.at < 0 || v > best || (isnan(v) && !isnan(best));
      break;
    default: break;
    }
    if (better) {
      best = v;
      r.at = k;
    }
  }
  switch (op) {
  case TENSOR_RED_SUM: r.v = (double)s; break;
  case TENSOR_RED_PROD: r.v = (double)q; break;
  case TENSOR_RED_MEAN: r.v = (double)(s / n); break;
  case TENSOR_RED_VAR:
  case TENSOR_RED_STD: {
    long double mu = s / n, ss = 0;
    for (int64_t k = 0; k < n; k++) {
      long double d = tensor_get_flat(x, x->ndim ? lane_flat(x, dim, o, k) : 0) - mu;
      ss += d * d;
    }
    double dof = n - a->correction > 0 ? n - a->correction : 0;
    r.v = (double)(ss / dof);
    if (op == TENSOR_RED_STD) r.v = sqrt(r.v);
    break;
  }
  case TENSOR_RED_NORM: {
    long double acc = 0;
    for (int64_t k = 0; k < n; k++) {
      double v = fabs(tensor_get_flat(x, x->ndim ? lane_flat(x, dim, o, k) : 0));
      if (isinf(a->p)) acc = (isnan(v) || isnan((double)acc) || v > acc) ? (isnan((double)acc) ? acc : v) : acc;
      else acc += powl(v, a->p);
    }
    r.v = isinf(a->p) ? (double)acc : (double)powl(acc, 1.0L / a->p);
    break;
  }
  case TENSOR_RED_MIN: case TENSOR_RED_MAX: r.v = best; break;
  case TENSOR_RED_ARGMIN: case TENSOR_RED_ARGMAX: r.v = (double)(r.at + 1); break;
  case TENSOR_RED_ANY: r.v = cnt > 0; break;
  case TENSOR_RED_ALL: r.v = cnt == n; break;
  case TENSOR_RED_COUNT_NONZERO: r.v = (double)cnt; break;
  }
  return r;
}

static double tol_for(tensor_dtype dt, tensor_reduce_op op) {
  if (dt == TENSOR_I64) return 0;
  if (op == TENSOR_RED_PROD) return dt == TENSOR_F32 ? 1e-5 : 1e-12;
  return dt == TENSOR_F32 ? 2e-6 : 1e-12;
}

static int all_ops[] = {
  TENSOR_RED_SUM, TENSOR_RED_MEAN, TENSOR_RED_PROD, TENSOR_RED_VAR,
  TENSOR_RED_STD, TENSOR_RED_NORM, TENSOR_RED_MIN, TENSOR_RED_MAX,
  TENSOR_RED_ARGMIN, TENSOR_RED_ARGMAX, TENSOR_RED_ANY, TENSOR_RED_ALL,
  TENSOR_RED_COUNT_NONZERO};
#define NOPS ((int)(sizeof all_ops / sizeof all_ops[0]))

/* Reduce x along every dim (keepdim 0 and 1) with every op it accepts and
 * compare each output with ref_reduce; one check per (op, dim). */
static void check_reduce_dims(const char *what, const Tensor *x,
                              const tensor_reduce_args *a) {
  int nd = x->ndim ? x->ndim : 1;
  for (int oi = 0; oi < NOPS; oi++) {
    tensor_reduce_op op = (tensor_reduce_op)all_ops[oi];
    if (!tensor_reduce_accepts(op, x->dtype)) continue;
    for (int dim = 0; dim < nd; dim++) {
      if (tensor_reduce_needs_element(op) && x->ndim && x->shape[dim] == 0)
        continue;
      for (int keep = 0; keep < 2; keep++) {
        int ond;
        int64_t oshape[TENSOR_MAXDIM];
        tensor_reduce_shape(&ond, oshape, x, dim, keep);
        Tensor out, idx;
        tensor_init(&out, tensor_reduce_dtype(op, x->dtype), ond, oshape);
        tensor_init(&idx, TENSOR_I64, ond, oshape);
        int withidx = op == TENSOR_RED_MIN || op == TENSOR_RED_MAX;
        credo_status s = tensor_reduce_dim(&out, withidx ? &idx : NULL, x,
                                           dim, op, a);
        int64_t no = tensor_numel(&out);
        double worst = 0;
        int bad_idx = 0;
        for (int64_t o = 0; o < no; o++) {
          refres r = ref_reduce(x, dim, o, op, a);
          double got = tensor_get_flat(&out, o);
          double sc = fabs(r.v) > 1 ? fabs(r.v) : 1;
          double d = (isnan(got) && isnan(r.v)) ? 0 : fabs(got - r.v) / sc;
          if (!(d <= worst)) worst = d;
          if (withidx && tensor_get_flat(&idx, o) != (double)(r.at + 1)) bad_idx++;
        }
        double tol = tol_for(x->dtype, op);
        if (!(s == CREDO_OK && worst <= tol && !bad_idx)) {
          fprintf(stderr, "FAIL %s %s dim %d keep %d: status %d, max rel diff %.3g, "
                  "%d wrong indices\n", what, tensor_reduce_name(op), dim, keep,
                  (int)s, worst, bad_idx);
          ctest_failed++;
        } else {
          ctest_passed++;
        }
        tensor_release(&out);
        tensor_release(&idx);
      }
    }
  }
}

/* Full reductions against ref_reduce over a flattened view. */
static void check_reduce_all(const char *what, const Tensor *x,
                             const tensor_reduce_args *a) {
  int64_t n = tensor_numel(x);
  Tensor flat;
  tensor_init(&flat, x->dtype, 1, &n);
  tensor_copy(&flat, x);
  for (int oi = 0; oi < NOPS; oi++) {
    tensor_reduce_op op = (tensor_reduce_op)all_ops[oi];
    if (!tensor_reduce_accepts(op, x->dtype)) continue;
    if (tensor_reduce_needs_element(op) && n == 0) continue;
    tensor_scalar res;
    credo_status s = tensor_reduce_all(&res, x, op, a);
    refres r = ref_reduce(&flat, 0, 0, op, a);
    double want = r.v;
    if (op == TENSOR_RED_ARGMIN || op == TENSOR_RED_ARGMAX) want = (double)r.at;
    if (x->dtype == TENSOR_F32 && !res.is_int) want = (float)want;
    double got = res.is_int ? (double)res.i : res.f;
    double sc = fabs(want) > 1 ? fabs(want) : 1;
    double d = (isnan(got) && isnan(want)) ? 0 : fabs(got - want) / sc;
    int idx_ok = !(op == TENSOR_RED_MIN || op == TENSOR_RED_MAX) || res.index == r.at;
    if (s == CREDO_OK && d <= tol_for(x->dtype, op) && idx_ok) {
      ctest_passed++;
    } else {
      ctest_failed++;
      fprintf(stderr, "FAIL %s all-%s: got %.17g want %.17g (index %lld vs %lld)\n",
              what, tensor_reduce_name(op), got, want, (long long)res.index,
              (long long)r.at);
    }
  }
  tensor_release(&flat);
}

static void test_reductions(void) {
  static const struct {
    int nd;
    int64_t shape[4];
  } shapes[] = {
    {0, {0}}, {1, {1}}, {1, {7}}, {1, {300}}, {2, {5, 13}}, {2, {130, 3}},
    {2, {3, 300}}, {4, {3, 1, 4, 9}}, {2, {0, 4}}, {3, {2, 0, 3}},
  };
  tensor_reduce_args args[] = {{1, 2}, {0, 1}, {2, INFINITY}, {1, 3}};
  tensor_dtype dts[] = {TENSOR_F32, TENSOR_F64, TENSOR_I64};
  int ns = (int)(sizeof shapes / sizeof shapes[0]);
  int before = ctest_failed;
  for (int si = 0; si < ns; si++)
    for (int di = 0; di < 3; di++)
      for (int layout = 0; layout < 2; layout++)
        for (int vals = 0; vals < 3; vals++) {
          Tensor x = make(dts[di], shapes[si].nd, shapes[si].shape, layout,
                          (uint64_t)(si * 31 + di * 7 + vals), vals);
          char what[96], sb[64];
          snprintf(what, sizeof what, "%s %s %s vals %d",
                   tensor_dtype_name(x.dtype), tensor_shape_str(&x, sb, sizeof sb),
                   layout ? "strided" : "contig", vals);
          const tensor_reduce_args *a = &args[(si + vals) % 4];
          check_reduce_dims(what, &x, a);
          check_reduce_all(what, &x, a);
          tensor_release(&x);
        }
  printf("  reductions vs _ref over %d shapes x 3 dtypes x 2 layouts: %s\n",
         ns, ctest_failed == before ? "ok" : "FAILED");
}

/* Same bits for 1 and 2 threads, and for contiguous and strided copies of
 * the same values, on inputs big enough to take the parallel paths. */
static int same_bits(const Tensor *a, const Tensor *b) {
  int64_t n = tensor_numel(a);
  for (int64_t i = 0; i < n; i++) {
    double x = tensor_get_flat(a, i), y = tensor_get_flat(b, i);
    if (memcmp(&x, &y, sizeof x) != 0) return 0;
  }
  return 1;
}

static void test_determinism(void) {
  static const struct {
    int nd;
    int64_t shape[2];
    int dim;
  } cases[] = {
    {1, {300007}, 0}, {2, {3, 200003}, 1}, {2, {200003, 3}, 0},
    {2, {1001, 257}, 0}, {2, {1001, 257}, 1},
  };
  tensor_reduce_op ops[] = {TENSOR_RED_SUM, TENSOR_RED_VAR, TENSOR_RED_NORM,
                            TENSOR_RED_PROD, TENSOR_RED_ARGMAX, TENSOR_RED_MIN,
                            TENSOR_RED_COUNT_NONZERO};
  tensor_reduce_args a = {1, 2};
  int saved = credo_threads_get();
  for (int ci = 0; ci < 5; ci++)
    for (int di = 0; di < 2; di++) {
      tensor_dtype dt = di ? TENSOR_F64 : TENSOR_F32;
      Tensor xc = make(dt, cases[ci].nd, cases[ci].shape, LAYOUT_CONTIG, 99 + ci, VAL_UNIFORM);
      Tensor xs = make(dt, cases[ci].nd, cases[ci].shape, LAYOUT_STRIDED, 99 + ci, VAL_UNIFORM);
      for (int oi = 0; oi < 7; oi++) {
        int ond;
        int64_t oshape[TENSOR_MAXDIM];
        tensor_reduce_shape(&ond, oshape, &xc, cases[ci].dim, 0);
        Tensor o[3];
        tensor_scalar full[3];
        for (int k = 0; k < 3; k++) {
          credo_threads_set(k == 1 ? 1 : 2);
          const Tensor *x = k == 2 ? &xs : &xc;
          tensor_init(&o[k], tensor_reduce_dtype(ops[oi], dt), ond, oshape);
          tensor_reduce_dim(&o[k], NULL, x, cases[ci].dim, ops[oi], &a);
          tensor_reduce_all(&full[k], x, ops[oi], &a);
        }
        int ok = same_bits(&o[0], &o[1]) && same_bits(&o[0], &o[2]) &&
                 memcmp(&full[0].f, &full[1].f, sizeof(double)) == 0 &&
                 memcmp(&full[0].f, &full[2].f, sizeof(double)) == 0 &&
                 full[0].i == full[1].i && full[0].i == full[2].i;
        if (ok) ctest_passed++;
        else {
          ctest_failed++;
          fprintf(stderr, "FAIL determinism case %d %s %s\n", ci,
                  tensor_dtype_name(dt), tensor_reduce_name(ops[oi]));
        }
        for (int k = 0; k < 3; k++) tensor_release(&o[k]);
      }
      tensor_release(&xc);
      tensor_release(&xs);
    }
  credo_threads_set(saved);
  printf("  1 vs 2 threads, contiguous vs strided: identical bits\n");
}

/* Neumaier's compensated sum (Neumaier 1974): the reference "exact" sum
 * in plain double arithmetic (long double is only double under valgrind). */
static double neumaier(const double *x, int64_t n, int64_t stride) {
  double s = 0, c = 0;
  for (int64_t i = 0; i < n; i++) {
    double v = x[i * stride], t = s + v;
    c += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
    s = t;
  }
  return s + c;
}

/* Blocked summation against the compensated sum, and much closer to it
 * than naive left-to-right accumulation. */
static void test_sum_accuracy(void) {
  int64_t n = 1000003;
  float *x = malloc(sizeof *x * (size_t)n);
  double *xd = malloc(sizeof *xd * (size_t)n);
  double *y = malloc(sizeof *y * (size_t)n);
  rng_state = 7;
  for (int64_t i = 0; i < n; i++) {
    x[i] = (float)(urand() + 0.5);
    xd[i] = x[i];
    y[i] = 0.1 + urand() * 1e-3;
  }
  CHECK_NEAR(tensor_sum_f32(x, n, 1), neumaier(xd, n, 1), 1e-13);
  double exact = neumaier(y, n, 1), naive = 0;
  for (int64_t i = 0; i < n; i++) naive += y[i];
  double eb = fabs(tensor_sum_f64(y, n, 1) - exact) / exact;
  double en = fabs(naive - exact) / exact;
  printf("  sum of 1e6 float64: blocked rel err %.2g, naive %.2g\n", eb, en);
  CHECK(eb <= 1e-14 && eb < en / 4);
  CHECK_NEAR(tensor_sum_f64(y + 1, n / 2, 2), neumaier(y + 1, n / 2, 2), 1e-14);
  free(x);
  free(xd);
  free(y);
}

/* ---- sorting ---- */

static void unflat(const Tensor *t, int64_t f, int64_t *idx) {
  for (int d = t->ndim - 1; d >= 0; d--) {
    idx[d] = f % t->shape[d];
    f /= t->shape[d];
  }
}

static int64_t flat_of(const Tensor *t, const int64_t *idx) {
  int64_t f = 0;
  for (int d = 0; d < t->ndim; d++) f = f * t->shape[d] + idx[d];
  return f;
}

static int ref_before(double a, double b, int desc) {
  if (desc) return !isnan(b) && (isnan(a) || a > b);
  return !isnan(a) && (isnan(b) || a < b);
}

/* stable insertion sort of one lane: pos[k] (0-based) */
static void ref_sort_lane(int64_t *pos, const Tensor *x, int dim, int64_t o,
                          int desc) {
  int64_t n = x->shape[dim];
  for (int64_t i = 0; i < n; i++) {
    int64_t j = i;
    double v = tensor_get_flat(x, lane_flat(x, dim, o, i));
    while (j > 0 && ref_before(v, tensor_get_flat(x, lane_flat(x, dim, o, pos[j - 1])), desc)) {
      pos[j] = pos[j - 1];
      j--;
    }
    pos[j] = i;
  }
}

static int cmp_pos(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int same_double(double a, double b) {
  return (isnan(a) && isnan(b)) || a == b;
}

/* values/indices of a sort/topk (shape of x with dim = k) against the ref */
static int check_lanes(const Tensor *x, int dim, const Tensor *vals,
                       const Tensor *idx, int64_t k, int desc, int sorted) {
  int64_t n = x->shape[dim], lanes = n ? tensor_numel(x) / n : 0;
  if (n == 0) lanes = 0;
  int64_t *pos = malloc(sizeof *pos * (size_t)(n + 1));
  int bad = 0;
  for (int64_t o = 0; o < lanes; o++) {
    ref_sort_lane(pos, x, dim, o, desc);
    if (!sorted) qsort(pos, (size_t)k, sizeof *pos, cmp_pos);
    for (int64_t i = 0; i < k; i++) {
      double want = tensor_get_flat(x, lane_flat(x, dim, o, pos[i]));
      double got = tensor_get_flat(vals, lane_flat(vals, dim, o, i));
      double gi = tensor_get_flat(idx, lane_flat(idx, dim, o, i));
      if (!same_double(got, want) || gi != (double)(pos[i] + 1)) bad++;
    }
  }
  free(pos);
  return bad;
}
static void test_sorting(void) {
  static const struct {
    int nd;
    int64_t shape[3];
  } shapes[] = {{1, {1}}, {1, {17}}, {1, {300}}, {2, {5, 41}}, {2, {70, 3}},
                {3, {3, 4, 37}}, {2, {0, 5}}, {2, {4, 200}}};
  tensor_dtype dts[] = {TENSOR_F32, TENSOR_F64, TENSOR_I64};
  int ns = (int)(sizeof shapes / sizeof shapes[0]), before = ctest_failed;
  for (int si = 0; si < ns; si++)
    for (int di = 0; di < 3; di++)
      for (int layout = 0; layout < 2; layout++)
        for (int vals = 0; vals < 3; vals++) {
          Tensor x = make(dts[di], shapes[si].nd, shapes[si].shape, layout,
                          (uint64_t)(1000 + si * 9 + di * 3 + vals), vals);
          for (int dim = 0; dim < x.ndim; dim++) {
            int64_t n = x.shape[dim];
            for (int desc = 0; desc < 2; desc++) {
              Tensor v, ix;
              tensor_init(&v, x.dtype, x.ndim, x.shape);
              tensor_init(&ix, TENSOR_I64, x.ndim, x.shape);
              credo_status s = tensor_sort(&v, &ix, &x, dim, desc);
              int bad = check_lanes(&x, dim, &v, &ix, n, desc, 1);
              CHECK(s == CREDO_OK && bad == 0);
              tensor_release(&v);
              tensor_release(&ix);
              /* top-k for small k (heap) and large k (merge sort) */
              int64_t ks[3] = {0, n < 3 ? n : 3, n};
              for (int ki = 0; ki < 3; ki++)
                for (int sorted = 0; sorted < 2; sorted++) {
                  int64_t sh[TENSOR_MAXDIM];
                  memcpy(sh, x.shape, sizeof sh);
                  sh[dim] = ks[ki];
                  tensor_init(&v, x.dtype, x.ndim, sh);
                  tensor_init(&ix, TENSOR_I64, x.ndim, sh);
                  s = tensor_topk(&v, &ix, &x, dim, ks[ki], desc, sorted);
                  bad = check_lanes(&x, dim, &v, &ix, ks[ki], desc, sorted);
                  if (s == CREDO_OK && bad == 0) ctest_passed++;
                  else {
                    ctest_failed++;
                    fprintf(stderr, "FAIL topk %s dim %d k %lld largest %d sorted %d: %d bad\n",
                            tensor_dtype_name(x.dtype), dim, (long long)ks[ki], desc, sorted, bad);
                  }
                  tensor_release(&v);
                  tensor_release(&ix);
                }
              /* k-th smallest, keepdim off */
              if (desc == 0 && n > 0) {
                int ond;
                int64_t osh[TENSOR_MAXDIM];
                tensor_reduce_shape(&ond, osh, &x, dim, 0);
                int64_t k = (n + 1) / 2;
                tensor_init(&v, x.dtype, ond, osh);
                tensor_init(&ix, TENSOR_I64, ond, osh);
                s = tensor_kthvalue(&v, &ix, &x, dim, k);
                int64_t *pos = malloc(sizeof *pos * (size_t)n);
                bad = 0;
                for (int64_t o = 0; o < tensor_numel(&v); o++) {
                  ref_sort_lane(pos, &x, dim, o, 0);
                  double want = tensor_get_flat(&x, lane_flat(&x, dim, o, pos[k - 1]));
                  if (!same_double(tensor_get_flat(&v, o), want) ||
                      tensor_get_flat(&ix, o) != (double)pos[k - 1] + 1)
                    bad++;
                }
                free(pos);
                CHECK(s == CREDO_OK && bad == 0);
                tensor_release(&v);
                tensor_release(&ix);
              }
            }
          }
          tensor_release(&x);
        }
  /* raw argsort: stable, NaN last ascending / first descending */
  double xs[8] = {3, NAN, 1, 3, -0.0, 0.0, NAN, 1};
  int64_t idx[8];
  tensor_argsort_f64(idx, xs, 8, 0);
  int64_t want_a[8] = {4, 5, 2, 7, 0, 3, 1, 6};
  CHECK(memcmp(idx, want_a, sizeof idx) == 0);
  tensor_argsort_f64(idx, xs, 8, 1);
  int64_t want_d[8] = {1, 6, 0, 3, 2, 7, 4, 5};
  CHECK(memcmp(idx, want_d, sizeof idx) == 0);
  int64_t xi[5] = {INT64_MAX, INT64_MIN, 5, INT64_MAX - 1, 5};
  tensor_argsort_i64(idx, xi, 5, 0);
  int64_t want_i[5] = {1, 2, 4, 3, 0};
  CHECK(memcmp(idx, want_i, 5 * sizeof *idx) == 0);
  float xf[4] = {2, -1, 2, NAN};
  tensor_argsort_f32(idx, xf, 4, 1);
  int64_t want_f[4] = {3, 0, 2, 1};
  CHECK(memcmp(idx, want_f, 4 * sizeof *idx) == 0);
  CHECK(tensor_argmax_f64(xs, 8, 1) == 1 && tensor_argmin_f64(xs + 2, 3, 1) == 2);
  CHECK(tensor_argmax_f32(xf, 3, 1) == 0 && tensor_argmin_f32(xf, 3, 1) == 1);
  printf("  sort / topk / kthvalue vs stable _ref sort: %s\n",
         ctest_failed == before ? "ok" : "FAILED");
}

/* ---- scans ---- */

static void test_scans(void) {
  static const struct {
    int nd;
    int64_t shape[3];
  } shapes[] = {{0, {0}}, {1, {300}}, {2, {5, 13}}, {2, {260, 3}}, {3, {2, 3, 150}}, {2, {0, 3}}};
  tensor_dtype dts[] = {TENSOR_F32, TENSOR_F64, TENSOR_I64};
  int before = ctest_failed;
  for (int si = 0; si < 6; si++)
    for (int di = 0; di < 3; di++)
      for (int layout = 0; layout < 2; layout++) {
        Tensor x = make(dts[di], shapes[si].nd, shapes[si].shape, layout, 77 + si, VAL_UNIFORM);
        int nd = x.ndim ? x.ndim : 1;
        for (int dim = 0; dim < nd; dim++)
          for (int prod = 0; prod < 2; prod++) {
            /* strided output too: a transposed-buffer view like the input */
            Tensor out = make(x.dtype, x.ndim, x.shape, !layout, 5, VAL_UNIFORM);
            credo_status s = prod ? tensor_cumprod(&out, &x, dim) : tensor_cumsum(&out, &x, dim);
            int64_t n = x.ndim ? x.shape[dim] : 1;
            int64_t lanes = n ? tensor_numel(&x) / n : 0;
            double worst = 0;
            for (int64_t o = 0; o < lanes; o++) {
              long double acc = prod ? 1 : 0;
              for (int64_t k = 0; k < n; k++) {
                int64_t f = x.ndim ? lane_flat(&x, dim, o, k) : 0;
                double v = tensor_get_flat(&x, f);
                acc = prod ? acc * v : acc + v;
                double want = x.dtype == TENSOR_F32 ? (float)acc : (double)acc;
                double d = fabs(tensor_get_flat(&out, f) - want);
                if (d > worst) worst = d;
              }
            }
            double tol = x.dtype == TENSOR_F32 ? 1e-6 : x.dtype == TENSOR_F64 ? 1e-13 : 0;
            if (s == CREDO_OK && worst <= tol) ctest_passed++;
            else {
              ctest_failed++;
              fprintf(stderr, "FAIL cum%s %s dim %d: diff %g\n", prod ? "prod" : "sum",
                      tensor_dtype_name(x.dtype), dim, worst);
            }
            tensor_release(&out);
          }
        tensor_release(&x);
      }
  printf("  cumsum / cumprod vs _ref: %s\n", ctest_failed == before ? "ok" : "FAILED");
}

/* ---- unique ---- */

static void test_unique(void) {
  int before = ctest_failed;
  int64_t shape[2] = {7, 9};
  tensor_dtype dts[] = {TENSOR_F32, TENSOR_F64, TENSOR_I64};
  for (int di = 0; di < 3; di++)
    for (int vals = 0; vals < 3; vals++) {
      Tensor x = make(dts[di], 2, shape, LAYOUT_STRIDED, 5 + vals, vals);
      Tensor v = {0}, inv = {0}, cnt = {0};
      credo_status s = tensor_unique(&v, &inv, &cnt, &x);
      int64_t n = tensor_numel(&x), u = tensor_numel(&v), bad = 0, total = 0;
      for (int64_t i = 0; i < u; i++) {
        double vi = tensor_get_flat(&v, i);
        if (i > 0 && !ref_before(tensor_get_flat(&v, i - 1), vi, 0)) bad++;
        int64_t c = 0;
        for (int64_t k = 0; k < n; k++) c += same_double(tensor_get_flat(&x, k), vi);
        if (c != (int64_t)tensor_get_flat(&cnt, i) || c == 0) bad++;
        total += c;
      }
      for (int64_t k = 0; k < n; k++) {
        int64_t g = (int64_t)tensor_get_flat(&inv, k);
        if (g < 1 || g > u || !same_double(tensor_get_flat(&v, g - 1), tensor_get_flat(&x, k)))
          bad++;
      }
      CHECK(s == CREDO_OK && bad == 0 && total == n && tensor_same_shape(&inv, &x) &&
            v.dtype == x.dtype);
      tensor_release(&x);
      tensor_release(&v);
      tensor_release(&inv);
      tensor_release(&cnt);
    }
  /* NaNs collapse into one value, sorted last; int64 beyond 2^53 exact */
  double nanv[5] = {NAN, 2, NAN, -1, 2};
  int64_t n5 = 5;
  Tensor x, v = {0}, c = {0};
  tensor_init(&x, TENSOR_F64, 1, &n5);
  memcpy(tensor_f64(&x), nanv, sizeof nanv);
  CHECK(tensor_unique(&v, NULL, &c, &x) == CREDO_OK && tensor_numel(&v) == 3 &&
        tensor_f64(&v)[0] == -1 && tensor_f64(&v)[1] == 2 && isnan(tensor_f64(&v)[2]) &&
        tensor_i64(&c)[2] == 2 && tensor_i64(&c)[1] == 2);
  tensor_release(&x);
  tensor_release(&v);
  tensor_release(&c);
  int64_t big[3] = {(1LL << 60) + 1, (1LL << 60), (1LL << 60) + 1};
  int64_t n3 = 3;
  tensor_init(&x, TENSOR_I64, 1, &n3);
  memcpy(tensor_i64(&x), big, sizeof big);
  v = (Tensor){0};
  CHECK(tensor_unique(&v, NULL, NULL, &x) == CREDO_OK && tensor_numel(&v) == 2 &&
        tensor_i64(&v)[0] == (1LL << 60) && tensor_i64(&v)[1] == (1LL << 60) + 1);
  tensor_release(&x);
  tensor_release(&v);
  int64_t zero = 0;
  tensor_init(&x, TENSOR_F32, 1, &zero);
  v = (Tensor){0};
  c = (Tensor){0};
  CHECK(tensor_unique(&v, NULL, &c, &x) == CREDO_OK && tensor_numel(&v) == 0 &&
        v.ndim == 1 && tensor_numel(&c) == 0);
  tensor_release(&x);
  tensor_release(&v);
  tensor_release(&c);
  printf("  unique (values, inverse, counts): %s\n", ctest_failed == before ? "ok" : "FAILED");
}

/* ---- gathering and scattering ---- */

/* An int64 tensor of shape with entries in 1..hi (seeded), contiguous or
 * strided. */
static Tensor make_index(int nd, const int64_t *shape, int64_t hi, int layout,
                         uint64_t seed) {
  Tensor t = make(TENSOR_I64, nd, shape, layout, seed, VAL_UNIFORM);
  rng_state = seed + 17;
  for (int64_t i = 0; i < tensor_numel(&t); i++)
    tensor_set_flat(&t, i, (double)(1 + (int64_t)(rnd() % (uint64_t)hi)));
  return t;
}

static void test_gather_scatter(void) {
  int before = ctest_failed;
  int64_t xs[3] = {4, 5, 6};
  tensor_dtype dts[] = {TENSOR_F32, TENSOR_F64, TENSOR_I64};
  for (int di = 0; di < 3; di++)
    for (int layout = 0; layout < 2; layout++)
      for (int dim = 0; dim < 3; dim++) {
        Tensor x = make(dts[di], 3, xs, layout, 40 + dim, VAL_UNIFORM);
        /* gather: index smaller than x except along dim, where it is longer */
        int64_t ish[3] = {3, 4, 5};
        ish[dim] = 8;
        Tensor index = make_index(3, ish, xs[dim], !layout, 3 + dim);
        Tensor out;
        tensor_init(&out, x.dtype, 3, ish);
        credo_status s = tensor_gather(&out, &x, dim, &index);
        int64_t bad = 0, p[3];
        for (int64_t f = 0; f < tensor_numel(&out); f++) {
          unflat(&out, f, p);
          int64_t q[3] = {p[0], p[1], p[2]};
          q[dim] = (int64_t)tensor_get_flat(&index, f) - 1;
          if (tensor_get_flat(&out, f) != tensor_get_flat(&x, flat_of(&x, q))) bad++;
        }
        CHECK(s == CREDO_OK && bad == 0);
        tensor_release(&out);
        /* scatter_ (copy and add) with that index back into a copy of x */
        Tensor src = make(x.dtype, 3, ish, layout, 50 + dim, VAL_UNIFORM);
        for (int mode = 0; mode < 2; mode++) {
          Tensor self, want;
          tensor_init(&self, x.dtype, 3, xs);
          tensor_init(&want, TENSOR_F64, 3, xs);
          tensor_copy(&self, &x);
          tensor_copy(&want, &x);
          s = tensor_scatter(&self, dim, &index, &src, (tensor_put_mode)mode);
          for (int64_t f = 0; f < tensor_numel(&index); f++) {
            unflat(&index, f, p);
            p[dim] = (int64_t)tensor_get_flat(&index, f) - 1;
            int64_t t = flat_of(&x, p);
            double sv = tensor_get_flat(&src, f);
            double nv = mode ? tensor_get_flat(&want, t) + sv : sv;
            if (x.dtype == TENSOR_F32) nv = (float)nv;
            tensor_set_flat(&want, t, nv);
          }
          bad = 0;
          for (int64_t f = 0; f < tensor_numel(&x); f++)
            if (fabs(tensor_get_flat(&self, f) - tensor_get_flat(&want, f)) > 1e-6) bad++;
          CHECK(s == CREDO_OK && bad == 0);
          tensor_release(&self);
          tensor_release(&want);
        }
        /* scatter fill */
        {
          Tensor self;
          tensor_init(&self, x.dtype, 3, xs);
          s = tensor_scatter_fill(&self, dim, &index, 2.5);
          int64_t hits = 0;
          for (int64_t f = 0; f < tensor_numel(&self); f++)
            hits += tensor_get_flat(&self, f) != 0;
          bad = 0;
          for (int64_t f = 0; f < tensor_numel(&index); f++) {
            unflat(&index, f, p);
            p[dim] = (int64_t)tensor_get_flat(&index, f) - 1;
            if (tensor_get_flat(&self, flat_of(&self, p)) != (x.dtype == TENSOR_I64 ? 2 : 2.5)) bad++;
          }
          CHECK(s == CREDO_OK && bad == 0 && hits > 0);
          tensor_release(&self);
        }
        tensor_release(&src);
        tensor_release(&index);
        /* index_select, index_copy_ / index_add_ / index_fill_ with a
         * strided 1-d index holding duplicates */
        int64_t len = 7;
        Tensor i1 = make_index(1, &len, xs[dim], !layout, 9 + dim);
        int64_t osh[3] = {xs[0], xs[1], xs[2]};
        osh[dim] = len;
        tensor_init(&out, x.dtype, 3, osh);
        s = tensor_index_select(&out, &x, dim, &i1);
        bad = 0;
        for (int64_t f = 0; f < tensor_numel(&out); f++) {
          unflat(&out, f, p);
          p[dim] = (int64_t)tensor_get_flat(&i1, p[dim]) - 1;
          if (tensor_get_flat(&out, f) != tensor_get_flat(&x, flat_of(&x, p))) bad++;
        }
        CHECK(s == CREDO_OK && bad == 0);
        Tensor src2 = make(x.dtype, 3, osh, layout, 60 + dim, VAL_UNIFORM);
        for (int mode = 0; mode < 3; mode++) {
          Tensor self, want;
          tensor_init(&self, x.dtype, 3, xs);
          tensor_init(&want, TENSOR_F64, 3, xs);
          tensor_copy(&self, &x);
          tensor_copy(&want, &x);
          s = mode == 2 ? tensor_index_fill(&self, dim, &i1, -3)
                        : tensor_index_put(&self, dim, &i1, &src2, (tensor_put_mode)mode);
          /* the reference applies index entries in order */
          for (int64_t i = 0; i < len; i++)
            for (int64_t f = 0; f < tensor_numel(&src2); f++) {
              unflat(&src2, f, p);
              if (p[dim] != i) continue;
              p[dim] = (int64_t)tensor_get_flat(&i1, i) - 1;
              int64_t t = flat_of(&x, p);
              double sv = mode == 2 ? -3 : tensor_get_flat(&src2, f);
              double nv = mode == 1 ? tensor_get_flat(&want, t) + sv : sv;
              if (x.dtype == TENSOR_F32) nv = (float)nv;
              tensor_set_flat(&want, t, nv);
            }
          bad = 0;
          for (int64_t f = 0; f < tensor_numel(&x); f++)
            if (tensor_get_flat(&self, f) != tensor_get_flat(&want, f)) bad++;
          if (s == CREDO_OK && bad == 0) ctest_passed++;
          else {
            ctest_failed++;
            fprintf(stderr, "FAIL index_put mode %d %s dim %d: %lld bad\n", mode,
                    tensor_dtype_name(x.dtype), dim, (long long)bad);
          }
          tensor_release(&self);
          tensor_release(&want);
        }
        tensor_release(&src2);
        tensor_release(&out);
        tensor_release(&i1);
        tensor_release(&x);
      }
  /* index_find_bad reports the first offender in row-major order */
  int64_t sh[2] = {2, 3};
  Tensor ix;
  tensor_init(&ix, TENSOR_I64, 2, sh);
  int64_t vals[6] = {1, 2, 3, 3, 0, 9};
  memcpy(tensor_i64(&ix), vals, sizeof vals);
  int64_t bv = 0;
  CHECK(tensor_index_find_bad(&ix, 3, &bv) == 4 && bv == 0);
  tensor_view_transpose(&ix, 0, 1);  /* rows: [1,3] [2,0] [3,9] */
  CHECK(tensor_index_find_bad(&ix, 3, &bv) == 3 && bv == 0);
  CHECK(tensor_index_find_bad(&ix, 9, &bv) == 3);
  tensor_i64(&ix)[4] = 5;
  CHECK(tensor_index_find_bad(&ix, 9, &bv) == -1);
  tensor_release(&ix);
  printf("  gather / scatter / index_select / index_put vs _ref: %s\n",
         ctest_failed == before ? "ok" : "FAILED");
}

static void test_masks_and_counts(void) {
  int before = ctest_failed;
  int64_t xs[2] = {5, 6}, ms[2] = {5, 1};
  Tensor x = make(TENSOR_F32, 2, xs, LAYOUT_STRIDED, 3, VAL_NAN);
  /* mask broadcast along dim 2: rows 1, 3, 4 */
  Tensor m;
  tensor_init(&m, TENSOR_I64, 2, ms);
  int64_t mv[5] = {1, 0, 7, -1, 0};
  memcpy(tensor_i64(&m), mv, sizeof mv);
  Tensor out = {0};
  credo_status s = tensor_masked_select(&out, &x, &m);
  int ok = s == CREDO_OK && out.ndim == 1 && out.shape[0] == 18;
  for (int64_t k = 0; ok && k < 18; k++) {
    int64_t row = k < 6 ? 0 : k < 12 ? 2 : 3, col = k % 6;
    ok = same_double(tensor_get_flat(&out, k), tensor_get_flat(&x, row * 6 + col));
  }
  CHECK(ok);
  tensor_release(&out);
  /* the mask may also be larger than x: x broadcasts */
  int64_t one = 6;
  Tensor xr = make(TENSOR_F64, 1, &one, LAYOUT_CONTIG, 8, VAL_UNIFORM);
  Tensor m2 = make_index(2, xs, 2, LAYOUT_STRIDED, 4);  /* 1 or 2 */
  for (int64_t f = 0; f < 30; f++) tensor_set_flat(&m2, f, tensor_get_flat(&m2, f) - 1);
  out = (Tensor){0};
  s = tensor_masked_select(&out, &xr, &m2);
  int64_t k = 0;
  ok = s == CREDO_OK;
  for (int64_t f = 0; f < 30 && ok; f++)
    if (tensor_get_flat(&m2, f) != 0)
      ok = tensor_get_flat(&out, k++) == tensor_get_flat(&xr, f % 6);
  CHECK(ok && k == out.shape[0]);
  tensor_release(&out);
  /* nonzero: (count, ndim), 1-based, row-major; NaN counts */
  out = (Tensor){0};
  s = tensor_nonzero(&out, &m2);
  k = 0;
  ok = s == CREDO_OK && out.ndim == 2 && out.shape[1] == 2;
  for (int64_t f = 0; f < 30 && ok; f++)
    if (tensor_get_flat(&m2, f) != 0) {
      ok = tensor_i64(&out)[2 * k] == f / 6 + 1 && tensor_i64(&out)[2 * k + 1] == f % 6 + 1;
      k++;
    }
  CHECK(ok && k == out.shape[0]);
  tensor_release(&out);
  out = (Tensor){0};
  Tensor sc;
  tensor_init(&sc, TENSOR_F64, 0, NULL);
  tensor_f64(&sc)[0] = NAN;
  CHECK(tensor_nonzero(&out, &sc) == CREDO_OK && out.shape[0] == 1 && out.shape[1] == 0);
  tensor_release(&out);
  tensor_release(&sc);
  /* bincount with and without weights */
  int64_t nl = 9;
  Tensor lab;
  tensor_init(&lab, TENSOR_I64, 1, &nl);
  int64_t lv[9] = {0, 3, 3, 1, 0, 3, 5, 1, 3};
  memcpy(tensor_i64(&lab), lv, sizeof lv);
  out = (Tensor){0};
  CHECK(tensor_bincount(&out, &lab, NULL, 0) == CREDO_OK && out.shape[0] == 6 &&
        tensor_i64(&out)[0] == 2 && tensor_i64(&out)[1] == 2 && tensor_i64(&out)[2] == 0 &&
        tensor_i64(&out)[3] == 4 && tensor_i64(&out)[4] == 0 && tensor_i64(&out)[5] == 1);
  tensor_release(&out);
  out = (Tensor){0};
  CHECK(tensor_bincount(&out, &lab, NULL, 10) == CREDO_OK && out.shape[0] == 10 &&
        tensor_i64(&out)[9] == 0 && tensor_i64(&out)[3] == 4);
  tensor_release(&out);
  Tensor w = make(TENSOR_F32, 1, &nl, LAYOUT_STRIDED, 12, VAL_UNIFORM);
  out = (Tensor){0};
  s = tensor_bincount(&out, &lab, &w, 0);
  double w3 = 0;
  for (int i = 0; i < 9; i++)
    if (lv[i] == 3) w3 += tensor_get_flat(&w, i);
  CHECK(s == CREDO_OK && out.dtype == TENSOR_F32 && out.shape[0] == 6);
  CHECK_NEAR(tensor_get_flat(&out, 3), (float)w3, 1e-7);
  tensor_release(&out);
  int64_t zero = 0;
  Tensor empty;
  tensor_init(&empty, TENSOR_I64, 1, &zero);
  out = (Tensor){0};
  CHECK(tensor_bincount(&out, &empty, NULL, 0) == CREDO_OK && out.shape[0] == 0);
  tensor_release(&out);
  tensor_release(&empty);
  tensor_release(&w);
  tensor_release(&lab);
  tensor_release(&m2);
  tensor_release(&xr);
  tensor_release(&m);
  tensor_release(&x);
  printf("  masked_select / nonzero / bincount: %s\n", ctest_failed == before ? "ok" : "FAILED");
}

static void test_joining(void) {
  int before = ctest_failed;
  CHECK(tensor_promote(TENSOR_I64, TENSOR_F32) == TENSOR_F32 &&
        tensor_promote(TENSOR_F32, TENSOR_F64) == TENSOR_F64 &&
        tensor_promote(TENSOR_I64, TENSOR_I64) == TENSOR_I64 &&
        tensor_promote(TENSOR_F64, TENSOR_I64) == TENSOR_F64);
  for (int dim = 0; dim < 3; dim++) {
    int64_t s1[3] = {2, 3, 4}, s2[3] = {2, 3, 4}, s3[3] = {2, 3, 4};
    s1[dim] = 1;
    s2[dim] = 5;
    s3[dim] = 2;
    Tensor a = make(TENSOR_F32, 3, s1, LAYOUT_STRIDED, 1, VAL_UNIFORM);
    Tensor b = make(TENSOR_I64, 3, s2, LAYOUT_CONTIG, 2, VAL_UNIFORM);
    Tensor c = make(TENSOR_F64, 3, s3, LAYOUT_STRIDED, 3, VAL_UNIFORM);
    int64_t zero = 0;
    Tensor e;
    tensor_init(&e, TENSOR_F32, 1, &zero);
    const Tensor *xs[4] = {&a, &e, &b, &c};
    int64_t os[3] = {2, 3, 4};
    os[dim] = 8;
    Tensor out;
    tensor_init(&out, TENSOR_F64, 3, os);
    credo_status s = tensor_cat(&out, xs, 4, dim);
    int64_t bad = 0, p[3];
    for (int64_t f = 0; f < tensor_numel(&out); f++) {
      unflat(&out, f, p);
      const Tensor *src = p[dim] < 1 ? &a : p[dim] < 6 ? &b : &c;
      p[dim] -= p[dim] < 1 ? 0 : p[dim] < 6 ? 1 : 6;
      if (tensor_get_flat(&out, f) != tensor_get_flat(src, flat_of(src, p))) bad++;
    }
    CHECK(s == CREDO_OK && bad == 0);
    tensor_release(&out);
    /* stack three same-shape tensors along each new dim */
    for (int sd = 0; sd <= 3; sd++) {
      const Tensor *ys[3] = {&a, &a, &a};
      Tensor a2 = make(TENSOR_F32, 3, s1, LAYOUT_CONTIG, 7, VAL_UNIFORM);
      ys[1] = &a2;
      int64_t ss[4];
      for (int d = 0, e2 = 0; d < 4; d++) ss[d] = d == sd ? 3 : s1[e2++];
      tensor_init(&out, TENSOR_F32, 4, ss);
      s = tensor_stack(&out, ys, 3, sd);
      bad = 0;
      int64_t q[4];
      for (int64_t f = 0; f < tensor_numel(&out); f++) {
        unflat(&out, f, q);
        int64_t r[3];
        for (int d = 0, e2 = 0; d < 4; d++)
          if (d != sd) r[e2++] = q[d];
        if (tensor_get_flat(&out, f) != tensor_get_flat(ys[q[sd]], flat_of(&a, r))) bad++;
      }
      CHECK(s == CREDO_OK && bad == 0);
      tensor_release(&out);
      tensor_release(&a2);
    }
    tensor_release(&a);
    tensor_release(&b);
    tensor_release(&c);
    tensor_release(&e);
  }
  /* int64 beyond 2^53 survives cat exactly */
  int64_t two = 2;
  Tensor i1, i2, out;
  tensor_init(&i1, TENSOR_I64, 1, &two);
  tensor_init(&i2, TENSOR_I64, 1, &two);
  tensor_i64(&i1)[0] = (1LL << 62) + 1;
  tensor_i64(&i2)[1] = -(1LL << 62) - 3;
  const Tensor *is[2] = {&i1, &i2};
  int64_t four = 4;
  tensor_init(&out, TENSOR_I64, 1, &four);
  CHECK(tensor_cat(&out, is, 2, 0) == CREDO_OK && tensor_i64(&out)[0] == (1LL << 62) + 1 &&
        tensor_i64(&out)[3] == -(1LL << 62) - 3);
  tensor_release(&out);
  tensor_release(&i1);
  tensor_release(&i2);
  printf("  cat / stack vs _ref: %s\n", ctest_failed == before ? "ok" : "FAILED");
}

/* A raised interrupt flag stops the long loops with CREDO_EINTR. */
static void test_interrupt(void) {
  int64_t sh[2] = {300, 500};
  Tensor x = make(TENSOR_F64, 2, sh, LAYOUT_CONTIG, 1, VAL_UNIFORM);
  Tensor o, v, ix;
  tensor_init(&o, TENSOR_F64, 1, sh);
  tensor_init(&v, TENSOR_F64, 2, sh);
  tensor_init(&ix, TENSOR_I64, 2, sh);
  tensor_reduce_args a = {1, 2};
  tensor_scalar r;
  credo_interrupted = 1;
  CHECK(tensor_reduce_dim(&o, NULL, &x, 1, TENSOR_RED_SUM, &a) == CREDO_EINTR);
  CHECK(tensor_reduce_all(&r, &x, TENSOR_RED_VAR, &a) == CREDO_EINTR);
  CHECK(tensor_cumsum(&v, &x, 0) == CREDO_EINTR);
  CHECK(tensor_sort(&v, &ix, &x, 1, 0) == CREDO_EINTR);
  credo_interrupted = 0;
  CHECK(tensor_sort(&v, &ix, &x, 1, 0) == CREDO_OK);
  tensor_release(&x);
  tensor_release(&o);
  tensor_release(&v);
  tensor_release(&ix);
}

int main(void) {
  test_reductions();
  test_determinism();
  test_sum_accuracy();
  test_sorting();
  test_scans();
  test_unique();
  test_gather_scatter();
  test_masks_and_counts();
  test_joining();
  test_interrupt();
  return ctest_summary();
}
