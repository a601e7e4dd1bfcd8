/*
 * test_linalg.c: the linalg core against numpy fixtures
 * (tests/fixtures/linalg.json, written by bench/peers/make_linalg_fixtures.py)
 * and against its own naive _ref kernels, on contiguous, transposed,
 * sliced, expanded and mixed-dtype inputs.  Float64 results must match to
 * 1e-10 (eigen/singular vectors up to sign), float32 products to 1e-5
 * relative.  Run from the repository root (tests/run does).
 */
#include <stdlib.h>
#include <string.h>

#include "ctest.h"
#include "../../natives/tensor/linalg.h"

/* ---- fixtures: a reader for the one JSON layout the script writes ----
 * {"name":{"shape":[..],"data":[..]},...}: find "name":{, then its shape and
 * data arrays.  Not a JSON parser; the Lua spec uses tests/spec/json.lua. */
static char *fixture_text;

static void load_fixtures(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s (run from the repository root)\n", path);
    return;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  fixture_text = malloc((size_t)n + 1);
  size_t got = fread(fixture_text, 1, (size_t)n, f);
  fixture_text[got] = 0;
  fclose(f);
}

/* Fixture `name` as a fresh float64 (or dt) tensor; storage NULL if absent. */
static Tensor fx_as(const char *name, tensor_dtype dt) {
  Tensor t = {0};
  char key[64];
  snprintf(key, sizeof key, "\"%s\":{", name);
  const char *p = fixture_text ? strstr(fixture_text, key) : NULL;
  if (!p || !(p = strstr(p, "\"shape\":["))) {
    fprintf(stderr, "fixture %s missing\n", name);
    return t;
  }
  p += 9;
  int64_t shape[TENSOR_MAXDIM];
  int nd = 0;
  while (*p != ']') {
    char *e;
    shape[nd++] = strtoll(p, &e, 10);
    p = *e == ',' ? e + 1 : e;
  }
  if (tensor_init(&t, dt, nd, shape) != CREDO_OK) return t;
  p = strstr(p, "\"data\":[") + 8;
  int64_t n = tensor_numel(&t);
  for (int64_t i = 0; i < n; i++) {
    char *e;
    tensor_set_flat(&t, i, strtod(p, &e));
    p = e + 1;
  }
  return t;
}
static Tensor fx(const char *name) { return fx_as(name, TENSOR_F64); }

static double fx_scalar(const char *name) {
  Tensor t = fx(name);
  double v = t.storage ? tensor_get_flat(&t, 0) : NAN;
  tensor_release(&t);
  return v;
}

/* ---- helpers ---- */

static Tensor make(tensor_dtype dt, int nd, const int64_t *shape) {
  Tensor t;
  if (tensor_init(&t, dt, nd, shape) != CREDO_OK) abort();
  return t;
}

/* Fill with a fixed pseudo-random sequence in [-1, 1). */
static void fill(Tensor *t, uint64_t seed) {
  int64_t n = tensor_numel(t);
  for (int64_t i = 0; i < n; i++) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    tensor_set_flat(t, i, (double)(seed >> 11) / 4503599627370496.0 - 1.0);
  }
}

static Tensor copy_as(const Tensor *src, tensor_dtype dt) {
  Tensor t = make(dt, src->ndim, src->shape);
  tensor_copy(&t, src);
  return t;
}

/* A view of t with dimensions i and j swapped. */
static Tensor transposed(const Tensor *t, int i, int j) {
  Tensor v;
  tensor_init_view(&v, t);
  int64_t s = v.shape[i];
  v.shape[i] = v.shape[j], v.shape[j] = s;
  s = v.stride[i];
  v.stride[i] = v.stride[j], v.stride[j] = s;
  return v;
}

/* Compare every element of got and want (any dtypes/layouts, same numel). */
static void check_tensor(const char *name, const Tensor *got,
                         const Tensor *want, double tol) {
  int64_t n = tensor_numel(want);
  if (!got->storage || !want->storage || tensor_numel(got) != n) {
    printf("  %-32s shape mismatch or missing\n", name);
    CHECK(0);
    return;
  }
  double *g = malloc(sizeof(double) * (size_t)(n ? n : 1));
  double *w = malloc(sizeof(double) * (size_t)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) {
    g[i] = tensor_get_flat(got, i);
    w[i] = tensor_get_flat(want, i);
  }
  ctest_check_array(name, g, w, n, tol);
  free(g);
  free(w);
}

/* Flip the sign of each column (cols) or row (!cols) of the 2-d got that
 * points away from the same vector of want, then compare. */
static void check_up_to_sign(const char *name, Tensor *got, const Tensor *want,
                             int cols, double tol) {
  int64_t r = got->shape[0], c = got->shape[1];
  int64_t nv = cols ? c : r, len = cols ? r : c;
  for (int64_t v = 0; v < nv; v++) {
    double d = 0;
    for (int64_t i = 0; i < len; i++) {
      int64_t q = cols ? i * c + v : v * c + i;
      d += tensor_get_flat(got, q) * tensor_get_flat(want, q);
    }
    if (d < 0)
      for (int64_t i = 0; i < len; i++) {
        int64_t q = cols ? i * c + v : v * c + i;
        tensor_set_flat(got, q, -tensor_get_flat(got, q));
      }
  }
  check_tensor(name, got, want, tol);
}

/* Reference matmul of 2-d tensors (any layout) through the _ref kernel. */
static Tensor ref_mm(const Tensor *a, const Tensor *b) {
  Tensor ac = copy_as(a, TENSOR_F64), bc = copy_as(b, TENSOR_F64);
  int64_t shape[2] = {a->shape[0], b->shape[1]};
  Tensor c = make(TENSOR_F64, 2, shape);
  int m = (int)shape[0], n = (int)shape[1], k = (int)a->shape[1];
  linalg_gemm_ref_f64(tensor_f64(&c), tensor_f64(&ac), tensor_f64(&bc), 0, 0,
                      m, n, k, k > 0 ? k : 1, n > 0 ? n : 1, n > 0 ? n : 1,
                      1.0, 0.0);
  tensor_release(&ac);
  tensor_release(&bc);
  return c;
}

static Tensor matmul_new(const Tensor *a, const Tensor *b, credo_status *st) {
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  Tensor out = {0};
  if (linalg_matmul_shape(a, b, &nd, shape) != 0) {
    *st = CREDO_EINVAL;
    return out;
  }
  out = make(linalg_result_dtype(a, b), nd, shape);
  *st = linalg_matmul(&out, a, b);
  return out;
}

/* ---- tests ---- */

static void test_gemm_kernels(void) {
  printf("gemm kernels vs _ref\n");
  enum { M = 7, N = 5, K = 6, LD = 9 };
  float a[LD * LD], b[LD * LD], c[LD * LD], r[LD * LD];
  double ad[LD * LD], bd[LD * LD], cd[LD * LD], rd[LD * LD];
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++) {
      for (int i = 0; i < LD * LD; i++) {
        ad[i] = a[i] = (float)((i * 37 % 23) - 11) / 7.0f;
        bd[i] = b[i] = (float)((i * 17 % 19) - 9) / 5.0f;
        cd[i] = rd[i] = c[i] = r[i] = (float)((i * 7 % 13) - 6) / 3.0f;
      }
      linalg_gemm_f32(c, a, b, ta, tb, M, N, K, LD, LD, LD, 0.5f, -1.5f);
      linalg_gemm_ref_f32(r, a, b, ta, tb, M, N, K, LD, LD, LD, 0.5f, -1.5f);
      double g[LD * LD], w[LD * LD];
      for (int i = 0; i < LD * LD; i++) g[i] = c[i], w[i] = r[i];
      char name[64];
      snprintf(name, sizeof name, "sgemm ta=%d tb=%d ld=%d", ta, tb, LD);
      ctest_check_array(name, g, w, LD * LD, 1e-5);
      linalg_gemm_f64(cd, ad, bd, ta, tb, M, N, K, LD, LD, LD, 0.5, -1.5);
      linalg_gemm_ref_f64(rd, ad, bd, ta, tb, M, N, K, LD, LD, LD, 0.5, -1.5);
      snprintf(name, sizeof name, "dgemm ta=%d tb=%d ld=%d", ta, tb, LD);
      ctest_check_array(name, cd, rd, LD * LD, 1e-13);
    }
  /* beta = 0: NaN already in C must not propagate; k = 0 scales C */
  for (int i = 0; i < LD * LD; i++) cd[i] = NAN;
  linalg_gemm_f64(cd, ad, bd, 0, 0, M, N, K, LD, LD, LD, 1.0, 0.0);
  int finite = 1;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) finite &= isfinite(cd[i * LD + j]) != 0;
  CHECK(finite);
  for (int i = 0; i < LD * LD; i++) cd[i] = NAN; /* gemv and dot tiles */
  linalg_gemm_f64(cd, ad, bd, 0, 0, M, 1, K, LD, LD, LD, 1.0, 0.0);
  linalg_gemm_f64(cd + 1, ad, bd, 0, 0, 1, 1, K, LD, LD, LD, 1.0, 0.0);
  linalg_gemm_f64(cd + 2 * LD, ad, bd, 0, 0, 1, N, K, LD, LD, LD, 1.0, 0.0);
  finite = isfinite(cd[1]) != 0;
  for (int i = 0; i < M; i++) finite &= isfinite(cd[i * LD]) != 0;
  for (int j = 0; j < N; j++) finite &= isfinite(cd[2 * LD + j]) != 0;
  CHECK(finite);
  for (int i = 0; i < LD * LD; i++) cd[i] = 2.0;
  linalg_gemm_f64(cd, ad, bd, 0, 0, M, N, 0, LD, LD, LD, 1.0, 3.0);
  CHECK(cd[0] == 6.0 && cd[(M - 1) * LD + N - 1] == 6.0 && cd[N] == 2.0);
}

static void test_products_fixtures(void) {
  printf("products vs numpy\n");
  credo_status st;
  Tensor a = fx("mm_a"), b = fx("mm_b"), ab = fx("mm_ab");
  Tensor o = matmul_new(&a, &b, &st);
  CHECK(st == CREDO_OK && o.ndim == 2 && o.shape[0] == 4 && o.shape[1] == 5);
  check_tensor("matmul (4,3)@(3,5)", &o, &ab, 1e-10);
  tensor_release(&o);

  Tensor v = fx("mv_v"), av = fx("mv_av");
  o = matmul_new(&a, &v, &st);
  CHECK(st == CREDO_OK && o.ndim == 1 && o.shape[0] == 4);
  check_tensor("matmul (4,3)@(3) gemv", &o, &av, 1e-10);
  tensor_release(&o);

  Tensor w = fx("vm_w"), wa = fx("vm_wa");
  o = matmul_new(&w, &a, &st);
  CHECK(st == CREDO_OK && o.ndim == 1 && o.shape[0] == 3);
  check_tensor("matmul (4)@(4,3) gemv^T", &o, &wa, 1e-10);
  tensor_release(&o);

  Tensor v2 = fx("dot_v2");
  double d;
  CHECK(linalg_dot(&d, &v, &v2) == CREDO_OK);
  CHECK_NEAR(d, fx_scalar("dot"), 1e-10);
  o = matmul_new(&v, &v2, &st);
  CHECK(st == CREDO_OK && o.ndim == 0);
  CHECK_NEAR(tensor_get_flat(&o, 0), fx_scalar("dot"), 1e-10);
  tensor_release(&o);

  Tensor outer = fx("outer");
  o = make(TENSOR_F64, 2, outer.shape);
  CHECK(linalg_outer(&o, &w, &v) == CREDO_OK);
  check_tensor("outer (4)x(3)", &o, &outer, 1e-10);
  tensor_release(&o);

  Tensor ba = fx("bmm_a"), bb = fx("bmm_b"), bab = fx("bmm_ab");
  o = matmul_new(&ba, &bb, &st);
  CHECK(st == CREDO_OK && tensor_same_shape(&o, &bab));
  check_tensor("matmul (2,4,3)@(2,3,5)", &o, &bab, 1e-10);
  tensor_release(&o);

  Tensor ca = fx("bc_a"), cb = fx("bc_b"), cab = fx("bc_ab");
  o = matmul_new(&ca, &cb, &st);
  CHECK(st == CREDO_OK && tensor_same_shape(&o, &cab));
  check_tensor("matmul (3,1,2,3)@(4,3,2)", &o, &cab, 1e-10);
  tensor_release(&o);

  Tensor c = fx("addmm_c"), want = fx("addmm_out");
  o = make(TENSOR_F64, 2, want.shape);
  CHECK(linalg_addmm(&o, &c, &a, &b, 0.5, 2.0) == CREDO_OK);
  check_tensor("addmm .5*c(5) + 2*a@b", &o, &want, 1e-10);
  tensor_release(&o);

  Tensor fa = fx_as("f32_a", TENSOR_F32), fb = fx_as("f32_b", TENSOR_F32);
  Tensor fab = fx("f32_ab");
  o = matmul_new(&fa, &fb, &st);
  CHECK(st == CREDO_OK && o.dtype == TENSOR_F32);
  check_tensor("float32 matmul (6,7)@(7,5)", &o, &fab, 1e-5);
  tensor_release(&o);

  Tensor *all[] = {&a, &b, &ab, &v, &av, &w, &wa, &v2, &outer, &ba, &bb,
                   &bab, &ca, &cb, &cab, &c, &want, &fa, &fb, &fab};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) tensor_release(all[i]);
}

static void test_strided_products(void) {
  printf("strided and mixed-dtype products vs _ref\n");
  credo_status st;
  int64_t s67[2] = {6, 7}, s75[2] = {7, 5}, s57[2] = {5, 7};
  Tensor a = make(TENSOR_F64, 2, s67), b = make(TENSOR_F64, 2, s75);
  Tensor bt_store = make(TENSOR_F64, 2, s57);
  fill(&a, 1);
  fill(&b, 2);
  Tensor bt = transposed(&bt_store, 0, 1); /* (7,5) view, column-major */
  tensor_copy(&bt, &b);
  Tensor want = ref_mm(&a, &b);
  Tensor o = matmul_new(&a, &bt, &st);
  check_tensor("a @ (transposed view)", &o, &want, 1e-13);
  tensor_release(&o);

  /* a^T^T: both operands transposed views */
  int64_t s76[2] = {7, 6};
  Tensor at_store = make(TENSOR_F64, 2, s76);
  Tensor at = transposed(&at_store, 0, 1);
  tensor_copy(&at, &a);
  o = matmul_new(&at, &bt, &st);
  check_tensor("(transposed) @ (transposed)", &o, &want, 1e-13);
  tensor_release(&o);

  /* every other column of a (6,14) matrix: needs a packed copy */
  int64_t s614[2] = {6, 14};
  Tensor wide = make(TENSOR_F64, 2, s614), sl;
  tensor_init_view(&sl, &wide);
  sl.shape[1] = 7, sl.stride[1] = 2;
  tensor_copy(&sl, &a);
  o = matmul_new(&sl, &b, &st);
  check_tensor("(column-sliced) @ b", &o, &want, 1e-13);
  tensor_release(&o);

  /* expanded row (stride 0) times b */
  Tensor row, rowx;
  int64_t s1x7[2] = {1, 7};
  row = make(TENSOR_F64, 2, s1x7);
  fill(&row, 3);
  tensor_init_view(&rowx, &row);
  rowx.shape[0] = 4, rowx.stride[0] = 0;
  Tensor rowc = copy_as(&rowx, TENSOR_F64);
  Tensor want2 = ref_mm(&rowc, &b);
  o = matmul_new(&rowx, &b, &st);
  check_tensor("(expanded, stride 0) @ b", &o, &want2, 1e-13);
  tensor_release(&o);

  /* float32 @ float64 promotes to float64 */
  Tensor a32 = copy_as(&a, TENSOR_F32), a64 = copy_as(&a32, TENSOR_F64);
  Tensor want3 = ref_mm(&a64, &b);
  o = matmul_new(&a32, &bt, &st);
  CHECK(o.dtype == TENSOR_F64);
  check_tensor("float32 @ float64 -> float64", &o, &want3, 1e-13);
  tensor_release(&o);

  /* float32 transposed view @ float32 */
  Tensor b32 = copy_as(&b, TENSOR_F32), at32s = copy_as(&at_store, TENSOR_F32);
  Tensor at32 = transposed(&at32s, 0, 1), b64 = copy_as(&b32, TENSOR_F64);
  Tensor want4 = ref_mm(&a64, &b64);
  o = matmul_new(&at32, &b32, &st);
  CHECK(o.dtype == TENSOR_F32);
  check_tensor("float32 (transposed) @ float32", &o, &want4, 1e-5);
  tensor_release(&o);

  /* strided vectors: gemv and dot with increments */
  Tensor col;
  tensor_init_view(&col, &b); /* column 2 of b: (7), stride 5 */
  col.ndim = 1, col.shape[0] = 7, col.stride[0] = 5, col.offset = 2;
  Tensor colc = copy_as(&col, TENSOR_F64);
  Tensor o1 = matmul_new(&a, &col, &st), o2 = matmul_new(&a, &colc, &st);
  check_tensor("a @ (strided vector)", &o1, &o2, 1e-14);
  double d1, d2;
  linalg_dot(&d1, &col, &col);
  linalg_dot(&d2, &colc, &colc);
  CHECK_NEAR(d1, d2, 1e-14);
  tensor_release(&o1);
  tensor_release(&o2);

  /* batched: contiguous a (3,6,7) @ b (7,5) folds into one gemm; the same
   * with a transposed batch view must not fold and agree */
  int64_t s367[3] = {3, 6, 7}, s376[3] = {3, 7, 6};
  Tensor a3 = make(TENSOR_F64, 3, s367), a3ts = make(TENSOR_F64, 3, s376);
  fill(&a3, 4);
  Tensor a3t = transposed(&a3ts, 1, 2);
  tensor_copy(&a3t, &a3);
  Tensor f1 = matmul_new(&a3, &b, &st), f2 = matmul_new(&a3t, &bt, &st);
  int ok = 1;
  for (int bi = 0; bi < 3; bi++) {
    Tensor ai;
    tensor_init_view(&ai, &a3);
    ai.ndim = 2, ai.shape[0] = 6, ai.shape[1] = 7, ai.stride[0] = 7,
    ai.stride[1] = 1, ai.offset = bi * 42;
    Tensor r = ref_mm(&ai, &b);
    for (int q = 0; q < 30; q++) {
      double x = tensor_get_flat(&r, q);
      ok &= fabs(tensor_get_flat(&f1, bi * 30 + q) - x) < 1e-13;
      ok &= fabs(tensor_get_flat(&f2, bi * 30 + q) - x) < 1e-13;
    }
    tensor_release(&r);
    tensor_release(&ai);
  }
  printf("  %-32s %s\n", "batched fold / no fold", ok ? "ok" : "MISMATCH");
  CHECK(ok);

  Tensor *all[] = {&a, &b, &bt_store, &bt, &want, &at_store, &at, &wide, &sl,
                   &row, &rowx, &rowc, &want2, &a32, &a64, &want3, &b32,
                   &at32s, &at32, &b64, &want4, &col, &colc, &a3, &a3ts,
                   &a3t, &f1, &f2};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) tensor_release(all[i]);
}

/* Products big enough to be cut into tiles and shared among threads: the
 * same bits for 1, 2 and 3 threads, and the _ref result. */
static void check_threads(const char *name, const Tensor *a, const Tensor *b,
                          double tol) {
  credo_status st;
  Tensor r[3];
  for (int t = 0; t < 3; t++) {
    credo_threads_set(t + 1);
    r[t] = matmul_new(a, b, &st);
    CHECK(st == CREDO_OK);
  }
  size_t nbytes = (size_t)tensor_numel(&r[0]) * tensor_dtype_size(r[0].dtype);
  int same = !memcmp(tensor_data(&r[0]), tensor_data(&r[1]), nbytes) &&
             !memcmp(tensor_data(&r[0]), tensor_data(&r[2]), nbytes);
  printf("  %-32s same bits for 1, 2, 3 threads: %s\n", name,
         same ? "yes" : "NO");
  CHECK(same);
  if (a->ndim == 2 && b->ndim == 2) {
    Tensor want = ref_mm(a, b);
    check_tensor(name, &r[0], &want, tol);
    tensor_release(&want);
  }
  for (int t = 0; t < 3; t++) tensor_release(&r[t]);
}

static void test_tiles(void) {
  printf("tiled products and thread counts\n");
  int nthreads = credo_threads_get();
  int64_t s1[2] = {600, 300}, s2[2] = {300, 1100}, s3[2] = {257, 40};
  int64_t s4[2] = {40, 2049}, s5[2] = {5000, 100}, s6[1] = {100};
  int64_t s7[2] = {100, 5000}, s8[3] = {64, 20, 30}, s9[3] = {64, 30, 10};
  Tensor a = make(TENSOR_F32, 2, s1), b = make(TENSOR_F32, 2, s2);
  Tensor c = make(TENSOR_F64, 2, s3), d = make(TENSOR_F64, 2, s4);
  Tensor e = make(TENSOR_F32, 2, s5), v = make(TENSOR_F32, 1, s6);
  Tensor f = make(TENSOR_F32, 2, s7), g = make(TENSOR_F64, 3, s8);
  Tensor h = make(TENSOR_F64, 3, s9);
  Tensor *all[] = {&a, &b, &c, &d, &e, &v, &f, &g, &h};
  for (int i = 0; i < 9; i++) fill(all[i], 100 + i);
  /* float32 sums of 300 products of size ~1/3: errors ~1e-5 absolute */
  check_threads("sgemm (600,300)@(300,1100)", &a, &b, 1e-4);
  check_threads("dgemm (257,40)@(40,2049) edges", &c, &d, 1e-13);
  check_threads("sgemv (5000,100)@(100)", &e, &v, 1e-5);
  check_threads("sgemv (100)@(100,5000)", &v, &f, 1e-5);
  check_threads("batched (64,20,30)@(64,30,10)", &g, &h, 0);
  Tensor bt = transposed(&b, 0, 1), bts = copy_as(&bt, TENSOR_F32);
  Tensor btv = transposed(&bts, 0, 1); /* (300,1100), column-major */
  check_threads("sgemm with a transposed view", &a, &btv, 1e-4);
  credo_threads_set(nthreads);
  tensor_release(&bt);
  tensor_release(&bts);
  tensor_release(&btv);
  for (int i = 0; i < 9; i++) tensor_release(all[i]);
}

static void test_shapes_and_edges(void) {
  printf("shapes and edge cases\n");
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  int64_t s34[2] = {3, 4}, s52[2] = {5, 2}, s4[1] = {4}, s243[3] = {2, 4, 3};
  int64_t s3_34[3] = {3, 3, 4}, s2_45[3] = {2, 4, 5};
  Tensor a = make(TENSOR_F32, 2, s34), b = make(TENSOR_F32, 2, s52);
  Tensor v = make(TENSOR_F32, 1, s4), t3 = make(TENSOR_F32, 3, s243);
  Tensor p = make(TENSOR_F32, 3, s3_34), q = make(TENSOR_F32, 3, s2_45);
  CHECK(linalg_matmul_shape(&a, &b, &nd, shape) == 1);
  CHECK(linalg_matmul_shape(&a, &v, &nd, shape) == 0 && nd == 1 &&
        shape[0] == 3);
  CHECK(linalg_matmul_shape(&v, &t3, &nd, shape) == 0 && nd == 2 &&
        shape[0] == 2 && shape[1] == 3);
  CHECK(linalg_matmul_shape(&p, &q, &nd, shape) == 2);
  CHECK(linalg_matmul_shape(&t3, &a, &nd, shape) == 0 && nd == 3 &&
        shape[0] == 2 && shape[1] == 4 && shape[2] == 4);
  CHECK(linalg_matmul_shape(&t3, &b, &nd, shape) == 1);

  /* k = 0: zeros; m = 0: empty */
  int64_t s30[2] = {3, 0}, s05[2] = {0, 5}, s0[1] = {0};
  Tensor z1 = make(TENSOR_F64, 2, s30), z2 = make(TENSOR_F64, 2, s05);
  credo_status st;
  Tensor o = matmul_new(&z1, &z2, &st);
  CHECK(st == CREDO_OK && o.shape[0] == 3 && o.shape[1] == 5 &&
        tensor_get_flat(&o, 14) == 0);
  tensor_release(&o);
  Tensor e = make(TENSOR_F64, 1, s0);
  double d = 1;
  CHECK(linalg_dot(&d, &e, &e) == CREDO_OK && d == 0);

  /* the interrupt flag stops a batched product */
  credo_interrupted = 1;
  int64_t s234[3] = {2, 3, 4}, s24[3] = {2, 4, 4};
  Tensor x = make(TENSOR_F32, 3, s234), y = make(TENSOR_F32, 3, s24);
  Tensor xy = make(TENSOR_F32, 3, s234);
  CHECK(linalg_matmul(&xy, &x, &y) == CREDO_EINTR);
  credo_interrupted = 0;
  CHECK(linalg_matmul(&xy, &x, &y) == CREDO_OK);

  /* finite scan */
  CHECK(linalg_all_finite(&a));
  tensor_set_flat(&a, 5, NAN);
  CHECK(!linalg_all_finite(&a));
  Tensor at = transposed(&a, 0, 1);
  CHECK(!linalg_all_finite(&at));
  tensor_set_flat(&a, 5, INFINITY);
  CHECK(!linalg_all_finite(&a));
  tensor_set_flat(&t3, 23, -INFINITY);
  CHECK(!linalg_all_finite(&t3));

  Tensor *all[] = {&a, &b, &v, &t3, &p, &q, &z1, &z2, &e, &x, &y, &xy,
                   &at};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) tensor_release(all[i]);
}

static void test_factorisations(void) {
  printf("factorisations vs numpy\n");
  Tensor sa = fx("solve_a"), sb = fx("solve_b"), sx = fx("solve_x");
  Tensor x = make(TENSOR_F64, 1, sb.shape);
  CHECK(linalg_solve(&x, &sa, &sb) == CREDO_OK);
  check_tensor("solve A x = b", &x, &sx, 1e-10);
  tensor_release(&x);
  Tensor sbm = fx("solve_bm"), sxm = fx("solve_xm");
  x = make(TENSOR_F64, 2, sbm.shape);
  CHECK(linalg_solve(&x, &sa, &sbm) == CREDO_OK);
  check_tensor("solve A X = B (4,2)", &x, &sxm, 1e-10);
  tensor_release(&x);
  /* a transposed view of A^T is A */
  Tensor satc = make(TENSOR_F64, 2, sa.shape), sat;
  Tensor sat0 = transposed(&sa, 0, 1);
  tensor_copy(&satc, &sat0);
  sat = transposed(&satc, 0, 1);
  x = make(TENSOR_F64, 2, sbm.shape);
  CHECK(linalg_solve(&x, &sat, &sbm) == CREDO_OK);
  check_tensor("solve with a transposed view", &x, &sxm, 1e-10);
  tensor_release(&x);
  /* float32 */
  Tensor sa32 = copy_as(&sa, TENSOR_F32), sb32 = copy_as(&sb, TENSOR_F32);
  x = make(TENSOR_F32, 1, sb.shape);
  CHECK(linalg_solve(&x, &sa32, &sb32) == CREDO_OK);
  check_tensor("float32 solve", &x, &sx, 1e-5);
  tensor_release(&x);

  Tensor inv = fx("inv");
  x = make(TENSOR_F64, 2, sa.shape);
  CHECK(linalg_inv(&x, &sa) == CREDO_OK);
  check_tensor("inv", &x, &inv, 1e-10);
  tensor_release(&x);
  x = make(TENSOR_F32, 2, sa.shape);
  CHECK(linalg_inv(&x, &sa32) == CREDO_OK);
  check_tensor("float32 inv", &x, &inv, 1e-5);
  tensor_release(&x);

  double det, sign, logabs;
  CHECK(linalg_det(&det, &sign, &logabs, &sa) == CREDO_OK);
  CHECK_NEAR(det, fx_scalar("det"), 1e-10);
  Tensor da = fx("det_a");
  CHECK(linalg_det(&det, &sign, &logabs, &da) == CREDO_OK);
  CHECK_NEAR(det, fx_scalar("det_a_det"), 1e-10);
  CHECK(sign == fx_scalar("det_a_sign"));
  CHECK_NEAR(logabs, fx_scalar("det_a_logabs"), 1e-10);
  CHECK(linalg_det(&det, &sign, &logabs, &sa32) == CREDO_OK);
  CHECK_NEAR(det, fx_scalar("det"), 1e-5);

  Tensor ca = fx("chol_a"), cl = fx("chol_l");
  int64_t minor = -1;
  x = make(TENSOR_F64, 2, ca.shape);
  CHECK(linalg_cholesky(&x, &minor, &ca) == CREDO_OK && minor == 0);
  check_tensor("cholesky", &x, &cl, 1e-10);
  tensor_release(&x);

  Tensor ea = fx("eigh_a"), ew = fx("eigh_w"), ev = fx("eigh_v");
  Tensor w = make(TENSOR_F64, 1, ew.shape), v = make(TENSOR_F64, 2, ev.shape);
  CHECK(linalg_eigh(&w, &v, &ea) == CREDO_OK);
  check_tensor("eigh values", &w, &ew, 1e-10);
  int conv = 1; /* largest-magnitude component of each vector positive */
  for (int j = 0; j < 5; j++) {
    double best = 0;
    for (int i = 0; i < 5; i++) {
      double e = tensor_get_flat(&v, i * 5 + j);
      if (fabs(e) > fabs(best)) best = e;
    }
    conv &= best > 0;
  }
  CHECK(conv);
  check_up_to_sign("eigh vectors (columns)", &v, &ev, 1, 1e-10);
  tensor_release(&w);
  tensor_release(&v);

  const char *names[2] = {"svd", "svdw"};
  for (int t = 0; t < 2; t++) {
    char key[32];
    snprintf(key, sizeof key, "%s_a", names[t]);
    Tensor sva = fx(key);
    snprintf(key, sizeof key, "%s_u", names[t]);
    Tensor su = fx(key);
    snprintf(key, sizeof key, "%s_s", names[t]);
    Tensor ss = fx(key);
    snprintf(key, sizeof key, "%s_vt", names[t]);
    Tensor svt = fx(key);
    Tensor u = make(TENSOR_F64, 2, su.shape), s = make(TENSOR_F64, 1, ss.shape);
    Tensor vt = make(TENSOR_F64, 2, svt.shape);
    CHECK(linalg_svd(&u, &s, &vt, &sva, 0) == CREDO_OK);
    char name[64];
    snprintf(name, sizeof name, "svd %s values", names[t]);
    check_tensor(name, &s, &ss, 1e-10);
    /* the sign rule: u's columns have a positive largest component, and u
     * s vt still reconstructs a */
    int64_t m = su.shape[0], p = su.shape[1], n = svt.shape[1];
    int ok = 1;
    for (int64_t j = 0; j < p; j++) {
      double best = 0;
      for (int64_t i = 0; i < m; i++) {
        double e = tensor_get_flat(&u, i * p + j);
        if (fabs(e) > fabs(best)) best = e;
      }
      ok &= best > 0;
    }
    double worst = 0;
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) {
        double r = 0;
        for (int64_t l = 0; l < p; l++)
          r += tensor_get_flat(&u, i * p + l) * tensor_get_flat(&s, l) *
               tensor_get_flat(&vt, l * n + j);
        double e = fabs(r - tensor_get_flat(&sva, i * n + j));
        if (e > worst) worst = e;
      }
    printf("  %-32s max abs diff %.3g\n", "svd reconstruction", worst);
    CHECK(ok && worst < 1e-12);
    snprintf(name, sizeof name, "svd %s u (columns)", names[t]);
    check_up_to_sign(name, &u, &su, 1, 1e-10);
    snprintf(name, sizeof name, "svd %s vt (rows)", names[t]);
    check_up_to_sign(name, &vt, &svt, 0, 1e-10);

    /* full: u (m,m) and vt (n,n) orthogonal, leading part as thin */
    int64_t sm[2] = {m, m}, sn[2] = {n, n};
    Tensor fu = make(TENSOR_F64, 2, sm), fs = make(TENSOR_F64, 1, ss.shape);
    Tensor fvt = make(TENSOR_F64, 2, sn);
    CHECK(linalg_svd(&fu, &fs, &fvt, &sva, 1) == CREDO_OK);
    double orth = 0;
    for (int z = 0; z < 2; z++) {
      Tensor *q = z ? &fvt : &fu;
      int64_t k = q->shape[0];
      for (int64_t i = 0; i < k; i++)
        for (int64_t j = 0; j < k; j++) {
          double r = 0;
          for (int64_t l = 0; l < k; l++)
            r += tensor_get_flat(q, l * k + i) * tensor_get_flat(q, l * k + j);
          double e = fabs(r - (i == j));
          if (e > orth) orth = e;
        }
    }
    printf("  %-32s max abs diff %.3g\n", "full svd orthogonality", orth);
    CHECK(orth < 1e-12);
    check_tensor("full svd values", &fs, &ss, 1e-10);
    Tensor *all[] = {&sva, &su, &ss, &svt, &u, &s, &vt, &fu, &fs, &fvt};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
      tensor_release(all[i]);
  }

  Tensor *all[] = {&sa, &sb, &sx, &sbm, &sxm, &satc, &sat, &sat0, &sa32,
                   &sb32, &inv, &da, &ca, &cl, &ea, &ew, &ev};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) tensor_release(all[i]);
}

static void test_failures(void) {
  printf("singular, not positive definite, empty\n");
  int64_t s33[2] = {3, 3}, s3[1] = {3};
  double sing[9] = {1, 2, 3, 2, 4, 6, 1, 0, 1}; /* row 2 = 2 * row 1 */
  Tensor a = make(TENSOR_F64, 2, s33), b = make(TENSOR_F64, 1, s3);
  for (int i = 0; i < 9; i++) tensor_set_flat(&a, i, sing[i]);
  fill(&b, 9);
  Tensor x = make(TENSOR_F64, 1, s3), xi = make(TENSOR_F64, 2, s33);
  CHECK(linalg_solve(&x, &a, &b) == CREDO_ESINGULAR);
  CHECK(linalg_inv(&xi, &a) == CREDO_ESINGULAR);
  double det = 1, sign = 1, logabs = 0;
  CHECK(linalg_det(&det, &sign, &logabs, &a) == CREDO_OK && det == 0 &&
        sign == 0 && isinf(logabs) && logabs < 0);
  Tensor a32 = copy_as(&a, TENSOR_F32), x32 = make(TENSOR_F32, 1, s3);
  CHECK(linalg_solve(&x32, &a32, &b) == CREDO_ESINGULAR);

  /* symmetric, indefinite: leading minor of order 2 is negative */
  double ind[9] = {1, 2, 0, 2, 1, 0, 0, 0, 1};
  for (int i = 0; i < 9; i++) tensor_set_flat(&a, i, ind[i]);
  int64_t minor = 0;
  CHECK(linalg_cholesky(&xi, &minor, &a) == CREDO_ESINGULAR && minor == 2);

  /* a determinant far beyond double range in logabs, and exact signs */
  int64_t s200[2] = {200, 200};
  Tensor big = make(TENSOR_F64, 2, s200);
  for (int i = 0; i < 200; i++) tensor_set_flat(&big, i * 201, i == 7 ? -1e4 : 1e4);
  CHECK(linalg_det(&det, &sign, &logabs, &big) == CREDO_OK);
  CHECK(isinf(det) && det < 0 && sign == -1);
  CHECK_NEAR(logabs, 200 * log(1e4), 1e-12);
  for (int i = 0; i < 200; i++) tensor_set_flat(&big, i * 201, i < 100 ? 1e-300 : 1e300);
  CHECK(linalg_det(&det, &sign, &logabs, &big) == CREDO_OK);
  CHECK_NEAR(det, 1.0, 1e-12);
  /* a row swap flips the sign */
  double sw[4] = {0, 1, 1, 0};
  int64_t s22[2] = {2, 2};
  Tensor p = make(TENSOR_F64, 2, s22);
  for (int i = 0; i < 4; i++) tensor_set_flat(&p, i, sw[i]);
  CHECK(linalg_det(&det, &sign, &logabs, &p) == CREDO_OK && det == -1);

  /* 0x0 */
  int64_t s00[2] = {0, 0}, s0[1] = {0};
  Tensor e = make(TENSOR_F64, 2, s00), e1 = make(TENSOR_F64, 1, s0);
  Tensor eo = make(TENSOR_F64, 2, s00);
  CHECK(linalg_det(&det, &sign, &logabs, &e) == CREDO_OK && det == 1);
  CHECK(linalg_inv(&eo, &e) == CREDO_OK);
  CHECK(linalg_cholesky(&eo, &minor, &e) == CREDO_OK);
  CHECK(linalg_eigh(&e1, &eo, &e) == CREDO_OK);
  int64_t s30[2] = {3, 0};
  Tensor e30 = make(TENSOR_F64, 2, s30), fu = make(TENSOR_F64, 2, s33);
  Tensor fvt = make(TENSOR_F64, 2, s00), tu = make(TENSOR_F64, 2, s30);
  CHECK(linalg_svd(&fu, &e1, &fvt, &e30, 1) == CREDO_OK &&
        tensor_get_flat(&fu, 0) == 1 && tensor_get_flat(&fu, 4) == 1 &&
        tensor_get_flat(&fu, 1) == 0);
  CHECK(linalg_svd(&tu, &e1, &fvt, &e30, 0) == CREDO_OK);

  Tensor *all[] = {&a, &b, &x, &xi, &a32, &x32, &big, &p, &e, &e1, &eo,
                   &e30, &fu, &fvt, &tu};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) tensor_release(all[i]);
}

int main(void) {
  load_fixtures("tests/fixtures/linalg.json");
  CHECK(fixture_text != NULL);
  test_gemm_kernels();
  test_products_fixtures();
  test_strided_products();
  test_tiles();
  test_shapes_and_edges();
  test_factorisations();
  test_failures();
  free(fixture_text);
  return ctest_summary();
}
