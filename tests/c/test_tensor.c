/*
 * test_tensor.c: the tensor core (tensor.c, tensor_ops.c) without Lua:
 * storage, views and reshape's view rule, broadcasting, every elementwise
 * kernel against a plain per-element reference (_ref) on contiguous,
 * strided, broadcast and scalar operands, integer edge cases, the parallel
 * path, interrupts, and the printed form.
 */
#include "ctest.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "../../natives/tensor/tensor.h"
#include "../../natives/tensor/tensor_ops.h"

/* ---- helpers ---- */

static uint64_t rng_state = 42;
/* deterministic values in [-4, 4) with two decimals, some exactly 0 */
static double rnd(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)((int64_t)(rng_state >> 33) % 800) / 100.0;
}

static Tensor make(tensor_dtype dt, int ndim, const int64_t *shape) {
  Tensor t;
  credo_status st = tensor_init(&t, dt, ndim, shape);
  CHECK(st == CREDO_OK);
  int64_t n = tensor_numel(&t);
  for (int64_t i = 0; i < n; i++) tensor_set_flat(&t, i, rnd());
  return t;
}

static Tensor make1(tensor_dtype dt, int64_t n) { return make(dt, 1, &n); }

static Tensor make2(tensor_dtype dt, int64_t r, int64_t c) {
  int64_t s[2] = {r, c};
  return make(dt, 2, s);
}

static Tensor zeros(tensor_dtype dt, int ndim, const int64_t *shape) {
  Tensor t;
  CHECK(tensor_init(&t, dt, ndim, shape) == CREDO_OK);
  return t;
}

/* an expanded view of a with shape (for reading in references) */
static Tensor expanded(const Tensor *a, int ndim, const int64_t *shape) {
  Tensor v;
  tensor_init_view(&v, a);
  CHECK(tensor_view_expand(&v, ndim, shape) == 0);
  return v;
}

static double round_to(tensor_dtype dt, double v) {
  return dt == TENSOR_F32 ? (double)(float)v : v;
}

/* ---- references (one element, in double) ---- */

static double ref_rem(double x, double y) {
  double r = fmod(x, y);
  return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
static double ref_floordiv(double x, double y) { return floor(x / y); }
static double ref_max(double x, double y) {
  return isnan(x) || isnan(y) ? NAN : x > y ? x : y;
}
static double ref_min(double x, double y) {
  return isnan(x) || isnan(y) ? NAN : x < y ? x : y;
}

static double binary_ref(tensor_binop op, double x, double y) {
  switch (op) {
  case TENSOR_ADD: return x + y;
  case TENSOR_SUB: return x - y;
  case TENSOR_MUL: return x * y;
  case TENSOR_DIV: return x / y;
  case TENSOR_POW: return pow(x, y);
  case TENSOR_MAXIMUM: return ref_max(x, y);
  case TENSOR_MINIMUM: return ref_min(x, y);
  case TENSOR_FMOD: return fmod(x, y);
  case TENSOR_REMAINDER: return ref_rem(x, y);
  case TENSOR_FLOORDIV: return ref_floordiv(x, y);
  case TENSOR_EQ: return x == y;
  case TENSOR_NE: return x != y;
  case TENSOR_LT: return x < y;
  case TENSOR_LE: return x <= y;
  case TENSOR_GT: return x > y;
  case TENSOR_GE: return x >= y;
  }
  return NAN;
}

static double unary_ref(tensor_unop op, double x) {
  switch (op) {
  case TENSOR_NEG: return -x;
  case TENSOR_ABS: return fabs(x);
  case TENSOR_EXP: return exp(x);
  case TENSOR_LOG: return log(x);
  case TENSOR_LOG1P: return log1p(x);
  case TENSOR_EXPM1: return expm1(x);
  case TENSOR_SQRT: return sqrt(x);
  case TENSOR_TANH: return tanh(x);
  case TENSOR_SIGMOID: return 1 / (1 + exp(-x));
  case TENSOR_RELU: return x > 0 ? x : 0;
  case TENSOR_FLOOR: return floor(x);
  case TENSOR_CEIL: return ceil(x);
  case TENSOR_ROUND: return nearbyint(x);
  case TENSOR_SIGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
  }
  return NAN;
}

static const char *binop_name[] = {
    "add", "sub", "mul", "div", "pow", "maximum", "minimum", "fmod",
    "remainder", "floordiv", "eq", "ne", "lt", "le", "gt", "ge"};
static const char *unop_name[] = {
    "neg", "abs", "exp", "log", "log1p", "expm1", "sqrt",
    "tanh", "sigmoid", "relu", "floor", "ceil", "round", "sign"};

/* out = a op b by the kernel, compared with binary_ref on every element
 * (read through broadcast views).  Float dtypes; tol 0 for float64. */
static void check_binary(const char *what, tensor_binop op, const Tensor *a,
                         const Tensor *b, double tol) {
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  CHECK(tensor_broadcast_shape(&nd, shape, a->ndim, a->shape, b->ndim,
                               b->shape) == 0);
  int cmp = tensor_binop_is_comparison(op);
  Tensor out = zeros(cmp ? TENSOR_I64 : a->dtype, nd, shape);
  CHECK(tensor_binary(&out, op, a, b) == CREDO_OK);
  Tensor ea = expanded(a, nd, shape), eb = expanded(b, nd, shape);
  int64_t n = tensor_numel(&out);
  double *got = malloc(sizeof(double) * (size_t)(n + 1));
  double *want = malloc(sizeof(double) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; i++) {
    got[i] = tensor_get_flat(&out, i);
    double x = tensor_get_flat(&ea, i), y = tensor_get_flat(&eb, i);
    double r = binary_ref(op, x, y);
    if (a->dtype == TENSOR_F32 && !cmp) {
      /* float32 kernels compute in float: compare with float math */
      float fx = (float)x, fy = (float)y;
      switch (op) {
      case TENSOR_ADD: r = fx + fy; break;
      case TENSOR_SUB: r = fx - fy; break;
      case TENSOR_MUL: r = fx * fy; break;
      case TENSOR_DIV: r = fx / fy; break;
      default: break;
      }
    }
    want[i] = cmp ? r : round_to(a->dtype, r);
    /* NaN == NaN for the comparison of arrays */
    if (isnan(got[i]) && isnan(want[i])) got[i] = want[i] = 0;
  }
  char name[96];
  snprintf(name, sizeof name, "%s %s %s", binop_name[op],
           tensor_dtype_name(a->dtype), what);
  ctest_check_array(name, got, want, n, tol);
  free(got);
  free(want);
  tensor_release(&ea);
  tensor_release(&eb);
  tensor_release(&out);
}

static void check_unary(const char *what, tensor_unop op, const Tensor *a,
                        double tol) {
  Tensor out = zeros(a->dtype, a->ndim, a->shape);
  CHECK(tensor_unary(&out, op, a) == CREDO_OK);
  int64_t n = tensor_numel(&out);
  double *got = malloc(sizeof(double) * (size_t)(n + 1));
  double *want = malloc(sizeof(double) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; i++) {
    got[i] = tensor_get_flat(&out, i);
    want[i] = round_to(a->dtype, unary_ref(op, tensor_get_flat(a, i)));
    if (isnan(got[i]) && isnan(want[i])) got[i] = want[i] = 0;
  }
  char name[96];
  snprintf(name, sizeof name, "%s %s %s", unop_name[op],
           tensor_dtype_name(a->dtype), what);
  ctest_check_array(name, got, want, n, tol);
  free(got);
  free(want);
  tensor_release(&out);
}

/* ---- storage ---- */

static void test_storage(void) {
  int64_t shape[2] = {3, 5};
  Tensor t;
  CHECK(tensor_init(&t, TENSOR_F64, 2, shape) == CREDO_OK);
  CHECK(((uintptr_t)t.storage->data & 63) == 0);
  CHECK(t.storage->nbytes == 15 * 8);
  CHECK(t.stride[0] == 5 && t.stride[1] == 1);
  int zero = 1;
  for (int i = 0; i < 15; i++) zero &= tensor_f64(&t)[i] == 0;
  CHECK(zero);
  Tensor v;
  tensor_init_view(&v, &t);
  CHECK(t.storage->refcount == 2);
  tensor_release(&t);
  tensor_release(&t); /* twice is safe */
  CHECK(v.storage->refcount == 1);
  tensor_release(&v);

  /* empty, scalar, uninitialised, and sizes that cannot be allocated */
  int64_t z[2] = {4, 0};
  CHECK(tensor_init(&t, TENSOR_F32, 2, z) == CREDO_OK);
  CHECK(t.storage->data == NULL && tensor_numel(&t) == 0);
  tensor_release(&t);
  CHECK(tensor_init(&t, TENSOR_I64, 0, NULL) == CREDO_OK);
  CHECK(tensor_numel(&t) == 1 && tensor_i64(&t)[0] == 0);
  tensor_release(&t);
  CHECK(tensor_init_uninit(&t, TENSOR_F32, 2, shape) == CREDO_OK);
  CHECK(((uintptr_t)t.storage->data & 63) == 0);
  tensor_release(&t);
  int64_t huge[2] = {1000000000000LL, 1000000000000LL};
  CHECK(tensor_init(&t, TENSOR_F32, 2, huge) == CREDO_ENOMEM);
  CHECK(t.storage == NULL);
  int64_t big[1] = {(int64_t)(tensor_max_bytes() / 4 + 1)};
  CHECK(tensor_init(&t, TENSOR_F32, 1, big) == CREDO_ENOMEM);
  int64_t neg[1] = {-1};
  CHECK(tensor_numel_shape(1, neg) == -1);
  int64_t ovf[3] = {1LL << 40, 1LL << 40, 1};
  CHECK(tensor_numel_shape(3, ovf) == -1);

  /* double -> int64 without UB */
  CHECK(tensor_double_to_i64(NAN) == 0);
  CHECK(tensor_double_to_i64(1e30) == INT64_MAX);
  CHECK(tensor_double_to_i64(-1e30) == INT64_MIN);
  CHECK(tensor_double_to_i64(-2.9) == -2);
  CHECK(tensor_double_to_i64(9223372036854775807.0) == INT64_MAX);
}

/* ---- views ---- */

static Tensor arange_f64(int ndim, const int64_t *shape) {
  Tensor t = zeros(TENSOR_F64, ndim, shape);
  for (int64_t i = 0; i < tensor_numel(&t); i++) tensor_f64(&t)[i] = (double)i;
  return t;
}

static void test_views(void) {
  int64_t s34[2] = {3, 4};
  Tensor a = arange_f64(2, s34);
  Tensor v;

  tensor_init_view(&v, &a);
  tensor_view_transpose(&v, 0, 1);
  CHECK(v.shape[0] == 4 && v.shape[1] == 3 && v.stride[0] == 1 &&
        v.stride[1] == 4);
  CHECK(!tensor_is_contiguous(&v));
  CHECK(tensor_get_flat(&v, 1) == 4); /* v[0][1] = a[1][0] */
  tensor_release(&v);

  tensor_init_view(&v, &a);
  tensor_view_narrow(&v, 1, 1, 2); /* columns 1..2 */
  CHECK(v.shape[1] == 2 && v.offset == 1 && tensor_get_flat(&v, 2) == 5);
  tensor_release(&v);

  tensor_init_view(&v, &a);
  tensor_view_slice(&v, 1, 0, 2, 3); /* columns 0 and 3 */
  CHECK(v.shape[1] == 2 && v.stride[1] == 3 && tensor_get_flat(&v, 1) == 3 &&
        tensor_get_flat(&v, 3) == 7);
  tensor_release(&v);

  tensor_init_view(&v, &a);
  tensor_view_select(&v, 0, 2); /* row 2 */
  CHECK(v.ndim == 1 && v.shape[0] == 4 && v.offset == 8 &&
        tensor_get_flat(&v, 3) == 11);
  tensor_view_select(&v, 0, 1); /* a[2][1]: 0-d */
  CHECK(v.ndim == 0 && tensor_get_flat(&v, 0) == 9);
  tensor_release(&v);

  tensor_init_view(&v, &a);
  tensor_view_unsqueeze(&v, 1);
  CHECK(v.ndim == 3 && v.shape[1] == 1 && tensor_is_contiguous(&v));
  tensor_view_unsqueeze(&v, 3);
  CHECK(v.ndim == 4 && v.shape[3] == 1 && tensor_is_contiguous(&v));
  tensor_view_squeeze(&v, 1);
  CHECK(v.ndim == 3 && v.shape[0] == 3 && v.shape[1] == 4);
  tensor_view_squeeze(&v, -1);
  CHECK(v.ndim == 2 && v.shape[1] == 4 && tensor_is_contiguous(&v));
  tensor_release(&v);

  int perm[3] = {2, 0, 1};
  int64_t s234[3] = {2, 3, 4};
  Tensor c = arange_f64(3, s234);
  tensor_init_view(&v, &c);
  tensor_view_permute(&v, perm);
  CHECK(v.shape[0] == 4 && v.shape[1] == 2 && v.shape[2] == 3);
  CHECK(v.stride[0] == 1 && v.stride[1] == 12 && v.stride[2] == 4);
  CHECK(tensor_get_flat(&v, 1) == 4); /* v[0][0][1] = c[0][1][0] */
  tensor_release(&v);

  /* expand: size-1 and new leading dims get stride 0 */
  int64_t s31[2] = {3, 1}, s234e[3] = {2, 3, 4}, bad[2] = {3, 5};
  Tensor col = arange_f64(2, s31);
  tensor_init_view(&v, &col);
  CHECK(tensor_view_expand(&v, 3, s234e) == 0);
  CHECK(v.stride[0] == 0 && v.stride[2] == 0 && tensor_is_expanded(&v));
  CHECK(tensor_get_flat(&v, 5) == 1 && tensor_get_flat(&v, 23) == 2);
  tensor_release(&v);
  tensor_init_view(&v, &a);
  CHECK(tensor_view_expand(&v, 2, bad) == -1 && v.shape[1] == 4);
  tensor_release(&v);
  int64_t huge[3] = {1LL << 40, 3, 1LL << 40}; /* fits the dims, overflows */
  tensor_init_view(&v, &col);
  CHECK(tensor_view_expand(&v, 3, huge) == -1 && v.ndim == 2);
  tensor_release(&v);

  /* reshape as a view: contiguous always; transposed only by splitting */
  int64_t s12[1] = {12}, s43[2] = {4, 3}, s223[3] = {2, 2, 3}, s62[2] = {6, 2};
  tensor_init_view(&v, &a);
  CHECK(tensor_view_reshape(&v, 2, s62) == 0 && v.stride[0] == 2);
  CHECK(tensor_view_reshape(&v, 1, s12) == 0 && v.stride[0] == 1);
  tensor_release(&v);
  tensor_init_view(&v, &a);
  tensor_view_transpose(&v, 0, 1); /* (4,3), strides (1,4) */
  CHECK(tensor_view_reshape(&v, 1, s12) == -1 && v.ndim == 2);
  CHECK(tensor_view_reshape(&v, 3, s223) == 0);
  CHECK(v.stride[0] == 2 && v.stride[1] == 1 && v.stride[2] == 4);
  CHECK(tensor_get_flat(&v, 4) == 5); /* [0][1][1] = t[1][1] = a[1][1] */
  tensor_release(&v);
  tensor_init_view(&v, &a);
  tensor_view_narrow(&v, 1, 0, 3); /* (3,3) strides (4,1): rows not merged */
  int64_t s9[1] = {9}, s33[2] = {3, 3}, s313[3] = {3, 1, 3};
  CHECK(tensor_view_reshape(&v, 1, s9) == -1);
  CHECK(tensor_view_reshape(&v, 3, s313) == 0 && v.stride[0] == 4 &&
        v.stride[2] == 1);
  CHECK(tensor_view_reshape(&v, 2, s33) == 0);
  tensor_release(&v);

  /* tensor_copy: row-major order between any layouts and dtypes */
  Tensor tr;
  tensor_init_view(&tr, &a);
  tensor_view_transpose(&tr, 0, 1);
  Tensor flat = zeros(TENSOR_I64, 1, s12);
  tensor_copy(&flat, &tr); /* src not viewable as [12]: dst viewed as src */
  CHECK(tensor_i64(&flat)[1] == 4 && tensor_i64(&flat)[3] == 1 &&
        tensor_i64(&flat)[11] == 11);
  Tensor m43 = zeros(TENSOR_F32, 2, s43);
  tensor_copy(&m43, &tr);
  CHECK(tensor_f32(&m43)[1] == 4.0f && tensor_f32(&m43)[3] == 1.0f);
  /* neither viewable as the other: the element-by-element fallback */
  Tensor base43 = arange_f64(2, s43), src34, dst43;
  tensor_init_view(&src34, &base43);
  tensor_view_transpose(&src34, 0, 1); /* (3,4), strides (1,3) */
  Tensor base34 = zeros(TENSOR_I64, 2, s34);
  tensor_init_view(&dst43, &base34);
  tensor_view_transpose(&dst43, 0, 1); /* (4,3), strides (1,4) */
  tensor_copy(&dst43, &src34);
  /* row-major walk of src34: 0,3,6,9, 1,4,...; dst43[i][j] gets item 3i+j */
  CHECK(tensor_get_flat(&dst43, 0) == 0 && tensor_get_flat(&dst43, 1) == 3 &&
        tensor_get_flat(&dst43, 4) == 1 && tensor_get_flat(&dst43, 11) == 11);
  CHECK(tensor_i64(&base34)[1] == 9); /* base34[0][1] = dst43[1][0] = item 3 */
  tensor_release(&dst43);
  tensor_release(&base34);
  tensor_release(&src34);
  tensor_release(&base43);
  tensor_release(&m43);
  tensor_release(&flat);
  tensor_release(&tr);

  tensor_release(&col);
  tensor_release(&c);
  tensor_release(&a);
}

/* ---- broadcasting ---- */

static void test_broadcast_shape(void) {
  int nd;
  int64_t out[TENSOR_MAXDIM];
  int64_t a[2] = {3, 1}, b[1] = {4}, c[3] = {2, 1, 4}, d[1] = {5}, e[1] = {0};
  CHECK(tensor_broadcast_shape(&nd, out, 2, a, 1, b) == 0 && nd == 2 &&
        out[0] == 3 && out[1] == 4);
  CHECK(tensor_broadcast_shape(&nd, out, 2, a, 3, c) == 0 && nd == 3 &&
        out[0] == 2 && out[1] == 3 && out[2] == 4);
  CHECK(tensor_broadcast_shape(&nd, out, 1, b, 1, d) == -1);
  CHECK(tensor_broadcast_shape(&nd, out, 0, NULL, 1, d) == 0 && nd == 1 &&
        out[0] == 5);
  CHECK(tensor_broadcast_shape(&nd, out, 2, a, 1, e) == 0 && out[1] == 0);
  Tensor t = zeros(TENSOR_F32, 2, a);
  int64_t to[3] = {7, 3, 9}, no[2] = {4, 9};
  CHECK(tensor_broadcasts_to(&t, 3, to));
  CHECK(!tensor_broadcasts_to(&t, 2, no));
  tensor_release(&t);
}

/* ---- elementwise kernels against the references ---- */

static void test_binary_all(void) {
  const tensor_dtype dts[2] = {TENSOR_F64, TENSOR_F32};
  for (int k = 0; k < 2; k++) {
    tensor_dtype dt = dts[k];
    double tol = dt == TENSOR_F64 ? 0 : 2e-6;
    Tensor a = make2(dt, 5, 7), b = make2(dt, 5, 7);
    Tensor big = make2(dt, 7, 5);
    Tensor bt; /* strided: (5,7) transposed view */
    tensor_init_view(&bt, &big);
    tensor_view_transpose(&bt, 0, 1);
    Tensor row = make1(dt, 7), col = make2(dt, 5, 1);
    Tensor sc = make(dt, 0, NULL);
    Tensor wide = make2(dt, 5, 14), ws; /* every other column */
    tensor_init_view(&ws, &wide);
    tensor_view_slice(&ws, 1, 1, 7, 2);
    for (int op = TENSOR_ADD; op <= TENSOR_GE; op++) {
      /* pow of negative bases by fractional exponents is NaN on both
       * sides; fine.  Division by the zeros in the data gives inf/NaN on
       * both sides too. */
      check_binary("contiguous", (tensor_binop)op, &a, &b, tol);
      check_binary("transposed", (tensor_binop)op, &a, &bt, tol);
      check_binary("row", (tensor_binop)op, &a, &row, tol);
      check_binary("col x row", (tensor_binop)op, &col, &row, tol);
      check_binary("scalar right", (tensor_binop)op, &ws, &sc, tol);
      check_binary("scalar left", (tensor_binop)op, &sc, &bt, tol);
    }
    tensor_release(&a);
    tensor_release(&b);
    tensor_release(&bt);
    tensor_release(&big);
    tensor_release(&row);
    tensor_release(&col);
    tensor_release(&sc);
    tensor_release(&ws);
    tensor_release(&wide);
  }
}

static void test_unary_all(void) {
  const tensor_dtype dts[2] = {TENSOR_F64, TENSOR_F32};
  for (int k = 0; k < 2; k++) {
    tensor_dtype dt = dts[k];
    double tol = dt == TENSOR_F64 ? 0 : 2e-6;
    Tensor a = make2(dt, 6, 9);
    Tensor at;
    tensor_init_view(&at, &a);
    tensor_view_transpose(&at, 0, 1);
    for (int op = TENSOR_NEG; op <= TENSOR_SIGN; op++) {
      /* float64 sigmoid below 0 is e^x/(1+e^x): a rounding away from the
       * textbook formula, so allow 1 ulp-ish */
      double t = op == TENSOR_SIGMOID ? (dt == TENSOR_F64 ? 1e-15 : tol) : tol;
      check_unary("contiguous", (tensor_unop)op, &a, t);
      check_unary("transposed", (tensor_unop)op, &at, t);
    }
    tensor_release(&at);
    tensor_release(&a);
  }
  /* in place on a strided view leaves the other elements alone */
  int64_t s[2] = {4, 6};
  Tensor a = arange_f64(2, s), v;
  tensor_init_view(&v, &a);
  tensor_view_slice(&v, 1, 0, 3, 2); /* columns 0, 2, 4 */
  CHECK(tensor_unary(&v, TENSOR_NEG, &v) == CREDO_OK);
  CHECK(tensor_f64(&a)[2] == -2 && tensor_f64(&a)[3] == 3 &&
        tensor_f64(&a)[23] == 23 && tensor_f64(&a)[22] == -22);
  tensor_release(&v);
  tensor_release(&a);
}

static void test_float_semantics(void) {
  /* Python's % and // for floats; C's fmod keeps the sign of x */
  double xs[6] = {7, -7, 7, -7, 5.5, -0.0};
  double ys[6] = {3, 3, -3, -3, -2, 3};
  double rem[6] = {1, 2, -2, -1, -0.5, 0};
  double fdv[6] = {2, -3, -3, 2, -3, -0.0};
  double fmd[6] = {1, -1, 1, -1, 1.5, -0.0};
  int64_t n = 6;
  Tensor x = zeros(TENSOR_F64, 1, &n), y = zeros(TENSOR_F64, 1, &n);
  Tensor o = zeros(TENSOR_F64, 1, &n);
  memcpy(tensor_f64(&x), xs, sizeof xs);
  memcpy(tensor_f64(&y), ys, sizeof ys);
  CHECK(tensor_binary(&o, TENSOR_REMAINDER, &x, &y) == CREDO_OK);
  ctest_check_array("remainder python", tensor_f64(&o), rem, 6, 0);
  CHECK(tensor_binary(&o, TENSOR_FLOORDIV, &x, &y) == CREDO_OK);
  ctest_check_array("floordiv python", tensor_f64(&o), fdv, 6, 0);
  CHECK(signbit(tensor_f64(&o)[5]));
  CHECK(tensor_binary(&o, TENSOR_FMOD, &x, &y) == CREDO_OK);
  ctest_check_array("fmod c", tensor_f64(&o), fmd, 6, 0);

  /* NaN: maximum/minimum propagate, comparisons false except ne */
  tensor_f64(&x)[0] = NAN;
  CHECK(tensor_binary(&o, TENSOR_MAXIMUM, &x, &y) == CREDO_OK);
  CHECK(isnan(tensor_f64(&o)[0]) && tensor_f64(&o)[1] == 3);
  CHECK(tensor_binary(&o, TENSOR_MINIMUM, &y, &x) == CREDO_OK);
  CHECK(isnan(tensor_f64(&o)[0]) && tensor_f64(&o)[1] == -7);
  Tensor m = zeros(TENSOR_I64, 1, &n);
  CHECK(tensor_binary(&m, TENSOR_EQ, &x, &x) == CREDO_OK);
  CHECK(tensor_i64(&m)[0] == 0 && tensor_i64(&m)[1] == 1);
  CHECK(tensor_binary(&m, TENSOR_NE, &x, &x) == CREDO_OK);
  CHECK(tensor_i64(&m)[0] == 1 && tensor_i64(&m)[1] == 0);

  /* sigmoid is stable at the extremes; relu, sign keep NaN; round is
   * half-to-even */
  double in[6] = {-1000, 1000, NAN, 2.5, -0.5, 3.5};
  memcpy(tensor_f64(&x), in, sizeof in);
  CHECK(tensor_unary(&o, TENSOR_SIGMOID, &x) == CREDO_OK);
  CHECK(tensor_f64(&o)[0] == 0 && tensor_f64(&o)[1] == 1 &&
        isnan(tensor_f64(&o)[2]));
  CHECK(tensor_unary(&o, TENSOR_RELU, &x) == CREDO_OK);
  CHECK(tensor_f64(&o)[0] == 0 && isnan(tensor_f64(&o)[2]));
  CHECK(tensor_unary(&o, TENSOR_SIGN, &x) == CREDO_OK);
  CHECK(tensor_f64(&o)[0] == -1 && isnan(tensor_f64(&o)[2]));
  CHECK(tensor_unary(&o, TENSOR_ROUND, &x) == CREDO_OK);
  CHECK(tensor_f64(&o)[3] == 2 && tensor_f64(&o)[4] == 0 &&
        tensor_f64(&o)[5] == 4);
  float f[2] = {-200.0f, 200.0f}, fo[2];
  tensor_unary_contig_f32(TENSOR_SIGMOID, fo, f, 2);
  CHECK(fo[0] == 0.0f && fo[1] == 1.0f);

  /* pow by a broadcast 2 is x*x exactly */
  double two = 2;
  Storage ss;
  Tensor sc;
  tensor_init_scalar(&sc, &ss, &two, TENSOR_F64);
  tensor_f64(&x)[2] = 0.1;
  CHECK(tensor_binary(&o, TENSOR_POW, &x, &sc) == CREDO_OK);
  CHECK(tensor_f64(&o)[2] == 0.1 * 0.1 && tensor_f64(&o)[3] == 6.25);

  tensor_release(&m);
  tensor_release(&x);
  tensor_release(&y);
  tensor_release(&o);
}

static void test_int64(void) {
  int64_t n = 8;
  Tensor x = zeros(TENSOR_I64, 1, &n), y = zeros(TENSOR_I64, 1, &n);
  Tensor o = zeros(TENSOR_I64, 1, &n);
  int64_t xs[8] = {7, -7, 7, -7, INT64_MIN, INT64_MAX, 3, -2};
  int64_t ys[8] = {3, 3, -3, -3, -1, 1, 0, -3};
  memcpy(tensor_i64(&x), xs, sizeof xs);
  memcpy(tensor_i64(&y), ys, sizeof ys);
  int64_t *r = tensor_i64(&o);

  CHECK(tensor_binary(&o, TENSOR_ADD, &x, &y) == CREDO_OK);
  CHECK(r[0] == 10 && r[5] == INT64_MIN); /* wraps */
  CHECK(tensor_binary(&o, TENSOR_SUB, &x, &y) == CREDO_OK);
  CHECK(r[4] == INT64_MIN + 1 && r[6] == 3);
  CHECK(tensor_binary(&o, TENSOR_MUL, &x, &y) == CREDO_OK);
  CHECK(r[1] == -21 && r[4] == INT64_MIN); /* -INT64_MIN wraps */
  CHECK(tensor_binary(&o, TENSOR_REMAINDER, &x, &y) == CREDO_OK);
  CHECK(r[0] == 1 && r[1] == 2 && r[2] == -2 && r[3] == -1 && r[4] == 0 &&
        r[6] == 0 && r[7] == -2);
  CHECK(tensor_binary(&o, TENSOR_FMOD, &x, &y) == CREDO_OK);
  CHECK(r[0] == 1 && r[1] == -1 && r[2] == 1 && r[3] == -1 && r[4] == 0 &&
        r[6] == 0);
  CHECK(tensor_binary(&o, TENSOR_FLOORDIV, &x, &y) == CREDO_OK);
  CHECK(r[0] == 2 && r[1] == -3 && r[2] == -3 && r[3] == 2 &&
        r[4] == INT64_MIN && r[6] == 0 && r[7] == 0);
  CHECK(tensor_binary(&o, TENSOR_DIV, &x, &y) == CREDO_OK); /* floors */
  CHECK(r[1] == -3);
  CHECK(tensor_binary(&o, TENSOR_MAXIMUM, &x, &y) == CREDO_OK);
  CHECK(r[1] == 3 && r[4] == -1);
  CHECK(tensor_binary(&o, TENSOR_MINIMUM, &x, &y) == CREDO_OK);
  CHECK(r[1] == -7 && r[5] == 1);

  int64_t bs[8] = {2, -2, 3, 1, -1, -1, 5, 0};
  int64_t es[8] = {10, 3, 0, -5, -3, -4, -1, 0};
  memcpy(tensor_i64(&x), bs, sizeof bs);
  memcpy(tensor_i64(&y), es, sizeof es);
  CHECK(tensor_binary(&o, TENSOR_POW, &x, &y) == CREDO_OK);
  CHECK(r[0] == 1024 && r[1] == -8 && r[2] == 1 && r[3] == 1 && r[4] == -1 &&
        r[5] == 1 && r[6] == 0 && r[7] == 1);

  int64_t us[8] = {-5, 0, 5, INT64_MIN, -1, 1, 2, -3};
  memcpy(tensor_i64(&x), us, sizeof us);
  CHECK(tensor_unary(&o, TENSOR_ABS, &x) == CREDO_OK);
  CHECK(r[0] == 5 && r[3] == INT64_MIN);
  CHECK(tensor_unary(&o, TENSOR_NEG, &x) == CREDO_OK);
  CHECK(r[0] == 5 && r[3] == INT64_MIN && r[2] == -5);
  CHECK(tensor_unary(&o, TENSOR_SIGN, &x) == CREDO_OK);
  CHECK(r[0] == -1 && r[1] == 0 && r[2] == 1);
  CHECK(tensor_unary(&o, TENSOR_RELU, &x) == CREDO_OK);
  CHECK(r[0] == 0 && r[2] == 5);
  CHECK(tensor_unary(&o, TENSOR_FLOOR, &x) == CREDO_OK);
  CHECK(r[3] == INT64_MIN && r[7] == -3);
  CHECK(tensor_unary(&o, TENSOR_EXP, &x) == CREDO_OK); /* saturated */
  CHECK(r[1] == 1 && r[2] == 148 && r[6] == 7);
  Tensor m = zeros(TENSOR_I64, 1, &n);
  CHECK(tensor_binary(&m, TENSOR_LT, &x, &y) == CREDO_OK);
  CHECK(tensor_i64(&m)[0] == 1 && tensor_i64(&m)[2] == 0);
  CHECK(tensor_isnan(&m, &x) == CREDO_OK && tensor_i64(&m)[0] == 0);
  CHECK(tensor_isfinite(&m, &x) == CREDO_OK && tensor_i64(&m)[3] == 1);

  /* clamp rounds int bounds inward */
  CHECK(tensor_clamp(&o, &x, -2.5, 2.5) == CREDO_OK);
  CHECK(r[0] == -2 && r[2] == 2 && r[4] == -1 && r[3] == -2);
  CHECK(tensor_clamp(&o, &x, -INFINITY, 0) == CREDO_OK);
  CHECK(r[3] == INT64_MIN && r[2] == 0);

  /* fill_i64 is exact beyond 2^53 */
  tensor_fill_i64(&x, (1LL << 53) + 1);
  CHECK(tensor_i64(&x)[7] == (1LL << 53) + 1);
  tensor_fill(&x, -3.7);
  CHECK(tensor_i64(&x)[0] == -3);
  CHECK(tensor_any_zero(&y) && !tensor_any_zero(&x) && tensor_all_finite(&x));

  int64_t a8[8] = {1, 2, 3, 4, 5, 6, 7, INT64_MAX}, b8[8] = {1, 1, 1, 1, 1, 1, 1, 1}, c8[8];
  tensor_binary_contig_i64(TENSOR_ADD, c8, a8, b8, 8);
  CHECK(c8[0] == 2 && c8[7] == INT64_MIN);

  tensor_release(&m);
  tensor_release(&x);
  tensor_release(&y);
  tensor_release(&o);
}

static void test_clamp_where_masks(void) {
  int64_t n = 5;
  Tensor x = zeros(TENSOR_F64, 1, &n), o = zeros(TENSOR_F64, 1, &n);
  double xs[5] = {-3, -0.5, NAN, 0.5, 3};
  memcpy(tensor_f64(&x), xs, sizeof xs);
  CHECK(tensor_clamp(&o, &x, -1, 1) == CREDO_OK);
  double want[5] = {-1, -0.5, 0, 0.5, 1};
  CHECK(isnan(tensor_f64(&o)[2]));
  tensor_f64(&o)[2] = 0;
  ctest_check_array("clamp", tensor_f64(&o), want, 5, 0);
  CHECK(tensor_clamp(&o, &x, 2, 1) == CREDO_OK); /* lo > hi: hi (torch) */
  CHECK(tensor_f64(&o)[0] == 1 && tensor_f64(&o)[4] == 1);
  CHECK(tensor_clamp(&o, &x, 0, INFINITY) == CREDO_OK);
  CHECK(tensor_f64(&o)[0] == 0 && tensor_f64(&o)[4] == 3);

  Tensor mk = zeros(TENSOR_I64, 1, &n);
  CHECK(tensor_isnan(&mk, &x) == CREDO_OK);
  CHECK(tensor_i64(&mk)[2] == 1 && tensor_i64(&mk)[0] == 0);
  tensor_f64(&x)[4] = -INFINITY;
  CHECK(tensor_isfinite(&mk, &x) == CREDO_OK);
  CHECK(tensor_i64(&mk)[2] == 0 && tensor_i64(&mk)[4] == 0 &&
        tensor_i64(&mk)[1] == 1);
  CHECK(!tensor_all_finite(&x));
  Tensor part;
  tensor_init_view(&part, &x);
  tensor_view_narrow(&part, 0, 0, 2);
  CHECK(tensor_all_finite(&part));
  tensor_release(&part);

  /* where: float mask (NaN counts as true), broadcast a column and a row */
  int64_t s31[2] = {3, 1}, s4[1] = {4}, s34[2] = {3, 4};
  Tensor mask = zeros(TENSOR_F32, 2, s31);
  tensor_f32(&mask)[0] = 1;
  tensor_f32(&mask)[2] = NAN;
  Tensor a = arange_f64(1, s4);
  double minus = -1;
  Storage ss;
  Tensor b;
  tensor_init_scalar(&b, &ss, &minus, TENSOR_F64);
  Tensor w = zeros(TENSOR_F64, 2, s34);
  CHECK(tensor_where(&w, &mask, &a, &b) == CREDO_OK);
  double wv[12] = {0, 1, 2, 3, -1, -1, -1, -1, 0, 1, 2, 3};
  ctest_check_array("where", tensor_f64(&w), wv, 12, 0);
  tensor_release(&w);
  tensor_release(&a);
  tensor_release(&mask);
  tensor_release(&mk);
  tensor_release(&x);
  tensor_release(&o);
}

static void test_copy_fill(void) {
  int64_t s23[2] = {2, 3}, s3[1] = {3};
  Tensor src = zeros(TENSOR_F64, 1, s3);
  double v[3] = {NAN, 1e30, -2.7};
  memcpy(tensor_f64(&src), v, sizeof v);
  Tensor dst = zeros(TENSOR_I64, 2, s23);
  CHECK(tensor_copy_broadcast(&dst, &src) == CREDO_OK);
  int64_t *d = tensor_i64(&dst);
  CHECK(d[0] == 0 && d[1] == INT64_MAX && d[2] == -2 && d[3] == 0 &&
        d[5] == -2);
  Tensor f = zeros(TENSOR_F32, 2, s23), ft;
  tensor_init_view(&ft, &f);
  tensor_view_transpose(&ft, 0, 1); /* (3,2) view */
  Tensor col = zeros(TENSOR_I64, 2, (int64_t[]){3, 1});
  tensor_i64(&col)[0] = 10;
  tensor_i64(&col)[1] = 20;
  tensor_i64(&col)[2] = 30;
  CHECK(tensor_copy_broadcast(&ft, &col) == CREDO_OK);
  float fw[6] = {10, 20, 30, 10, 20, 30};
  CHECK(!memcmp(tensor_f32(&f), fw, sizeof fw));
  tensor_fill(&ft, 0.5);
  CHECK(tensor_f32(&f)[4] == 0.5f);
  tensor_release(&col);
  tensor_release(&ft);
  tensor_release(&f);
  tensor_release(&dst);
  tensor_release(&src);
}

/* large: the OpenMP path gives the same bits with 1 and 2 threads, and
 * the interrupt flag stops it */
static void test_parallel_interrupt(void) {
  int64_t s[2] = {700, 300};
  Tensor a = make(TENSOR_F32, 2, s), b = make1(TENSOR_F32, 300);
  Tensor o1 = zeros(TENSOR_F32, 2, s), o2 = zeros(TENSOR_F32, 2, s);
  credo_threads_set(1);
  CHECK(tensor_binary(&o1, TENSOR_POW, &a, &b) == CREDO_OK);
  CHECK(tensor_unary(&o1, TENSOR_TANH, &o1) == CREDO_OK);
  credo_threads_set(2);
  CHECK(tensor_binary(&o2, TENSOR_POW, &a, &b) == CREDO_OK);
  CHECK(tensor_unary(&o2, TENSOR_TANH, &o2) == CREDO_OK);
  CHECK(!memcmp(tensor_f32(&o1), tensor_f32(&o2), 700 * 300 * sizeof(float)));
  check_binary("large broadcast", TENSOR_MUL, &a, &b, 0);
  Tensor at;
  tensor_init_view(&at, &a);
  tensor_view_transpose(&at, 0, 1);
  check_unary("large transposed", TENSOR_EXP, &at, 2e-6);
  tensor_release(&at);

  credo_interrupted = 1;
  CHECK(tensor_binary(&o1, TENSOR_ADD, &a, &b) == CREDO_EINTR);
  credo_threads_set(1); /* one contiguous row of 210000: polled inside */
  CHECK(tensor_unary(&o1, TENSOR_EXP, &a) == CREDO_EINTR);
  credo_threads_set(2);
  Tensor c = zeros(TENSOR_F32, 2, s);
  CHECK(tensor_copy_broadcast(&c, &a) == CREDO_EINTR);
  tensor_copy(&c, &a); /* tensor_copy does not poll */
  CHECK(!memcmp(tensor_f32(&c), tensor_f32(&a), 700 * 300 * sizeof(float)));
  credo_interrupted = 0;
  CHECK(tensor_binary(&o1, TENSOR_ADD, &a, &b) == CREDO_OK);
  credo_threads_set(1);
  tensor_release(&c);
  tensor_release(&a);
  tensor_release(&b);
  tensor_release(&o1);
  tensor_release(&o2);
}

static void test_contig_api(void) {
  double a[5] = {1, 2, 3, 4, 5}, b[5] = {5, 4, 3, 2, 1}, o[5];
  tensor_binary_contig_f64(TENSOR_SUB, o, a, b, 5);
  double want[5] = {-4, -2, 0, 2, 4};
  ctest_check_array("contig sub f64", o, want, 5, 0);
  tensor_binary_contig_f64(TENSOR_MUL, a, a, a, 5); /* in place */
  CHECK(a[4] == 25);
  tensor_unary_contig_f64(TENSOR_SQRT, a, a, 5);
  CHECK(a[4] == 5 && a[0] == 1);
  float fa[3] = {1, 2, 3}, fb[3] = {2, 2, 2}, fo[3];
  tensor_binary_contig_f32(TENSOR_POW, fo, fa, fb, 3);
  CHECK(fo[2] == 9.0f);
  tensor_unary_contig_f32(TENSOR_NEG, fo, fo, 3);
  CHECK(fo[1] == -4.0f);
  /* the binding's fast path: a scalar on either side, comparisons */
  float fx[4] = {1, 2, 3, 4}, two = 2, fr[4];
  tensor_binary_flat(TENSOR_SUB, TENSOR_F32, fr, &two, 0, fx, 1, 4);
  CHECK(fr[0] == 1.0f && fr[3] == -2.0f);
  int64_t mk[4];
  tensor_binary_flat(TENSOR_GT, TENSOR_F32, mk, fx, 1, &two, 0, 4);
  CHECK(mk[0] == 0 && mk[1] == 0 && mk[2] == 1 && mk[3] == 1);
  int64_t ia[2] = {-3, 4}, io[2];
  tensor_unary_contig_i64(TENSOR_ABS, io, ia, 2);
  CHECK(io[0] == 3 && io[1] == 4);
}

/* ---- printing: expected strings are PyTorch's (plus the shape) ---- */

static void check_format(const Tensor *t, const char *want) {
  char *got = tensor_format(t);
  CHECK(got != NULL);
  if (got && strcmp(got, want) != 0) {
    ctest_failed++;
    fprintf(stderr, "FAIL format:\n got: %s\nwant: %s\n", got, want);
  } else {
    ctest_passed++;
  }
  free(got);
}

static Tensor from(tensor_dtype dt, int ndim, const int64_t *shape,
                   const double *v) {
  Tensor t = zeros(dt, ndim, shape);
  for (int64_t i = 0; i < tensor_numel(&t); i++) tensor_set_flat(&t, i, v[i]);
  return t;
}

static void test_format(void) {
  int64_t s22[2] = {2, 2}, s3[1] = {3}, s4[1] = {4};
  Tensor t = from(TENSOR_F32, 2, s22, (double[]){0.1, -1.2, 3, 4});
  check_format(&t, "tensor([[ 0.1000, -1.2000],\n"
                   "        [ 3.0000,  4.0000]], shape=[2,2])");
  tensor_release(&t);

  t = from(TENSOR_F64, 1, s3, (double[]){0, 1, -2});
  check_format(&t, "tensor([ 0.,  1., -2.], dtype=float64, shape=[3])");
  tensor_release(&t);

  t = from(TENSOR_F32, 1, s3, (double[]){1e-5, 1, 1000});
  check_format(&t, "tensor([1.0000e-05, 1.0000e+00, 1.0000e+03], "
                   "shape=[3])");
  tensor_release(&t);

  t = from(TENSOR_F32, 1, s4, (double[]){1, 2.5, NAN, INFINITY});
  check_format(&t, "tensor([1.0000, 2.5000,    nan,    inf], shape=[4])");
  tensor_release(&t);

  t = from(TENSOR_F32, 1, s4, (double[]){1, 2, -NAN, -INFINITY});
  check_format(&t, "tensor([1., 2., nan, -inf], shape=[4])");
  tensor_release(&t);

  t = from(TENSOR_I64, 1, s3, (double[]){-5, 10, 300});
  check_format(&t, "tensor([ -5,  10, 300], dtype=int64, shape=[3])");
  tensor_release(&t);

  t = zeros(TENSOR_F32, 0, NULL);
  tensor_f32(&t)[0] = 3.5f;
  check_format(&t, "tensor(3.5000, shape=[])");
  tensor_release(&t);

  int64_t s20[2] = {2, 0};
  t = zeros(TENSOR_F64, 2, s20);
  check_format(&t, "tensor([], dtype=float64, shape=[2,0])");
  tensor_release(&t);

  /* summarised: 3 edge items per dim, " ..." within a row, "..." rows */
  int64_t s40[2] = {40, 40};
  t = zeros(TENSOR_F32, 2, s40);
  tensor_fill(&t, 1);
  const char *row = "[1., 1., 1.,  ..., 1., 1., 1.]";
  char want[1024];
  snprintf(want, sizeof want,
           "tensor([%s,\n        %s,\n        %s,\n        ...,\n"
           "        %s,\n        %s,\n        %s], shape=[40,40])",
           row, row, row, row, row, row);
  check_format(&t, want);
  tensor_release(&t);

  /* a long float vector wraps at 80 columns; whole values still go
   * scientific when max/min > 1000 */
  int64_t s2000[1] = {2000};
  t = zeros(TENSOR_F32, 1, s2000);
  for (int i = 0; i < 2000; i++) tensor_f32(&t)[i] = (float)i;
  check_format(&t, "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., "
                   "1.9970e+03, 1.9980e+03,\n        1.9990e+03], "
                   "shape=[2000])");
  tensor_release(&t);

  int64_t s1001[1] = {1001};
  t = zeros(TENSOR_I64, 1, s1001);
  for (int i = 0; i < 1001; i++) tensor_i64(&t)[i] = i;
  check_format(&t, "tensor([   0,    1,    2,  ...,  998,  999, 1000], "
                   "dtype=int64, shape=[1001])");
  tensor_release(&t);

  /* suffixes move to their own line when the last line is full */
  int64_t s9[1] = {9};
  t = zeros(TENSOR_F64, 1, s9);
  for (int i = 0; i < 9; i++) tensor_f64(&t)[i] = i / 10.0;
  check_format(&t, "tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, "
                   "0.6000, 0.7000, 0.8000],\n       dtype=float64, "
                   "shape=[9])");
  tensor_release(&t);

  /* an unsummarised vector longer than a line */
  int64_t s12[1] = {12};
  t = zeros(TENSOR_F64, 1, s12);
  for (int i = 0; i < 12; i++) tensor_f64(&t)[i] = i / 10.0;
  check_format(&t, "tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, "
                   "0.6000, 0.7000, 0.8000,\n        0.9000, 1.0000, "
                   "1.1000], dtype=float64, shape=[12])");
  tensor_release(&t);

  /* 3-d: a blank line between matrices; a strided view prints its own
   * order */
  int64_t s222[3] = {2, 2, 2};
  t = from(TENSOR_I64, 3, s222, (double[]){1, 2, 3, 4, 5, 6, 7, 8});
  Tensor v;
  tensor_init_view(&v, &t);
  tensor_view_transpose(&v, 0, 2);
  check_format(&v, "tensor([[[1, 5],\n         [3, 7]],\n\n"
                   "        [[2, 6],\n         [4, 8]]], dtype=int64, "
                   "shape=[2,2,2])");
  tensor_release(&v);
  tensor_release(&t);
}

int main(void) {
  test_storage();
  test_views();
  test_broadcast_shape();
  test_binary_all();
  test_unary_all();
  test_float_semantics();
  test_int64();
  test_clamp_where_masks();
  test_copy_fill();
  test_parallel_interrupt();
  test_contig_api();
  test_format();
  return ctest_summary();
}
