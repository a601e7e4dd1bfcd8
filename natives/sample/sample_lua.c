/*
 * sample_lua.c: Lua binding of the splits-and-samplers core
 * (credo.core.sample, the natives behind stdlib/credo/split.lua and
 * stdlib/credo/sampling.lua).
 *
 * Every native takes the user-facing operation name first, so its errors
 * name the function the user called: `bad argument #2 to 'fit_resample'
 * (y must be an int64 tensor of class labels, got float32)`.  Argument
 * numbers are the user's: X is #1 and y #2 in fit_resample, y (or n) is #1
 * in the splits.  The binding checks every tensor (type, dtype, shape,
 * emptiness, labels >= 0, finiteness of X where the method computes with
 * it, row counts) and every size, and copies strided input into GC-owned
 * scratch, so raising never leaks.  Seeds arrive as Lua integers (the
 * stdlib draws one from a Generator when the user gave none).  Stack
 * effects: arguments stay at their positions; scratch boxes pile up above
 * them until return.
 *
 * What it is not: the user API (defaults, sampling strategies, option
 * tables and estimator classes are Lua), nor a general tensor library.
 */
#include "../common/credo_lua.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sample.h"

#define LABEL_MAX 16777215 /* class labels are 0 .. 2^24 - 1 */

/* "bad argument #arg to 'op' (message)", without a position (the natives
 * are called from the stdlib, whose line would mislead). */
static int argerr(lua_State *L, const char *op, int arg, const char *fmt,
                  ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  lua_pushfstring(L, "bad argument #%d to '%s' (%s)", arg, op, msg);
  return lua_error(L);
}

/* n elements of sz bytes in a GC-owned box pushed on the stack. */
static void *scratch(lua_State *L, int64_t n, size_t sz) {
  size_t bytes;
  if (n < 0 || credo_mul_size((size_t)n, sz, &bytes))
    luaL_error(L, "not enough memory");
  return lua_newuserdatauv(L, bytes ? bytes : 1, 0);
}

/* Push a tensor whose data are left uninitialised, for outputs a kernel
 * overwrites completely: an empty tensor is made first (the GC-owned box),
 * then its storage allocated. */
static Tensor *newtensor_uninit(lua_State *L, tensor_dtype dt, int ndim,
                                const int64_t *shape) {
  int64_t zero = 0;
  Tensor *t = credo_newtensor(L, dt, 1, &zero);
  tensor_release(t);
  if (tensor_init_uninit(t, dt, ndim, shape) != CREDO_OK) {
    char buf[160];
    Tensor tmp = {0};
    tmp.ndim = ndim;
    for (int i = 0; i < ndim; i++) tmp.shape[i] = shape[i];
    luaL_error(L, "not enough memory for a %s tensor of shape %s",
               tensor_dtype_name(dt), tensor_shape_str(&tmp, buf, sizeof buf));
  }
  return t;
}

static void check_status(lua_State *L, const char *op, credo_status st) {
  if (st != CREDO_OK) credo_statuserror(L, op, st);
}

static const char *opname(lua_State *L) { return luaL_checkstring(L, 1); }

/* ---- argument checks ---- */

/* Class labels at stack index idx: a non-empty 1-d int64 tensor of values
 * 0 .. LABEL_MAX, as contiguous data (a copy in scratch when strided).
 * *n gets the length, *K the largest label + 1. */
static const int64_t *check_labels(lua_State *L, int idx, const char *op,
                                   int uarg, int64_t *n, int64_t *K) {
  Tensor *t = credo_testtensor(L, idx);
  if (!t)
    argerr(L, op, uarg, "y must be an int64 tensor of class labels, got %s",
           luaL_typename(L, idx));
  if (!t->storage) argerr(L, op, uarg, "y: tensor has been freed");
  if (t->dtype != TENSOR_I64)
    argerr(L, op, uarg, "y must be an int64 tensor of class labels, got %s",
           tensor_dtype_name(t->dtype));
  if (t->ndim != 1) {
    char buf[160];
    argerr(L, op, uarg, "y must be a 1-d tensor, got shape %s",
           tensor_shape_str(t, buf, sizeof buf));
  }
  if (t->shape[0] == 0) argerr(L, op, uarg, "y is empty");
  int64_t m = t->shape[0];
  const int64_t *y = tensor_i64(t);
  if (t->stride[0] != 1) {
    int64_t *c = scratch(L, m, sizeof *c);
    for (int64_t i = 0; i < m; i++) c[i] = y[i * t->stride[0]];
    y = c;
  }
  int64_t mx = 0;
  for (int64_t i = 0; i < m; i++) {
    if (y[i] < 0 || y[i] > LABEL_MAX)
      argerr(L, op, uarg, "y must hold class labels 0..%d, found %I at "
             "position %I", LABEL_MAX, (lua_Integer)y[i], (lua_Integer)(i + 1));
    if (y[i] > mx) mx = y[i];
  }
  *n = m;
  *K = mx + 1;
  return y;
}

/* Position of the first NaN or infinity among m values at p, or -1. */
static int64_t first_nonfinite(const void *p, tensor_dtype dt, int64_t m) {
  return dt == TENSOR_F32 ? sample_first_nonfinite_f32(p, m)
                          : sample_first_nonfinite_f64(p, m);
}

/* X at stack index idx: a 2-d float32/float64 tensor with `rows` rows (when
 * rows >= 0), as contiguous data (a copy in scratch when strided).  With
 * finite, NaN and infinities are errors naming the position. */
static const void *check_X(lua_State *L, int idx, const char *op, int uarg,
                           int64_t rows, int finite, const Tensor **out) {
  Tensor *t = credo_testtensor(L, idx);
  if (!t)
    argerr(L, op, uarg, "X must be a 2-d float tensor, got %s",
           luaL_typename(L, idx));
  if (!t->storage) argerr(L, op, uarg, "X: tensor has been freed");
  char buf[160];
  if (t->ndim != 2)
    argerr(L, op, uarg, "X must be a 2-d float tensor, got shape %s",
           tensor_shape_str(t, buf, sizeof buf));
  if (t->dtype == TENSOR_I64)
    argerr(L, op, uarg, "X must be a float32 or float64 tensor, got int64");
  if (t->shape[1] == 0)
    argerr(L, op, uarg, "X has no columns (shape %s)",
           tensor_shape_str(t, buf, sizeof buf));
  if (t->shape[1] > 1000000)
    argerr(L, op, uarg, "X has %I columns, more than 1000000",
           (lua_Integer)t->shape[1]);
  if (rows >= 0 && t->shape[0] != rows)
    argerr(L, op, uarg, "X has %I rows but y has %I elements",
           (lua_Integer)t->shape[0], (lua_Integer)rows);
  int64_t n = t->shape[0], d = t->shape[1];
  const void *p = tensor_data(t);
  if (!tensor_is_contiguous(t)) {
    int64_t sh[2] = {n, d};
    Tensor *c = newtensor_uninit(L, t->dtype, 2, sh);
    tensor_copy(c, t);
    p = tensor_data(c);
  }
  if (finite) {
    int64_t bad = first_nonfinite(p, t->dtype, n * d);
    if (bad >= 0) {
      double v = t->dtype == TENSOR_F32 ? ((const float *)p)[bad]
                                        : ((const double *)p)[bad];
      argerr(L, op, uarg, "X contains %s at row %I, column %I",
             isnan(v) ? "NaN" : "inf", (lua_Integer)(bad / d + 1),
             (lua_Integer)(bad % d + 1));
    }
  }
  *out = t;
  return p;
}

/* Integer argument i in [lo, hi], named. */
static int64_t check_int(lua_State *L, int i, const char *op, int uarg,
                         const char *name, int64_t lo, int64_t hi) {
  int isnum = 0;
  lua_Integer v = lua_tointegerx(L, i, &isnum);
  if (!isnum)
    argerr(L, op, uarg, "%s must be an integer, got %s", name,
           lua_type(L, i) == LUA_TNUMBER ? lua_pushfstring(L, "%f", lua_tonumber(L, i))
                                         : luaL_typename(L, i));
  if (v < lo || v > hi)
    argerr(L, op, uarg, "%s must be in %I..%I, got %I", name, (lua_Integer)lo,
           (lua_Integer)hi, v);
  return v;
}

static uint64_t check_seed(lua_State *L, int i) {
  return (uint64_t)luaL_checkinteger(L, i);
}

/* A Lua list of P >= 1 non-negative part sizes summing to at most n. */
static int64_t *check_sizes(lua_State *L, int i, const char *op, int uarg,
                            int64_t n, int *P) {
  luaL_checktype(L, i, LUA_TTABLE);
  int p = (int)luaL_len(L, i);
  if (p < 1 || p > 16) argerr(L, op, uarg, "expected 1 to 16 part sizes, got %d", p);
  int64_t *s = scratch(L, p, sizeof *s), tot = 0;
  for (int q = 0; q < p; q++) {
    lua_geti(L, i, q + 1);
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    if (!isnum || v < 0 || v > n)
      argerr(L, op, uarg, "part size %d is not an integer in 0..%I", q + 1,
             (lua_Integer)n);
    s[q] = v;
    tot += v;
  }
  if (tot > n)
    argerr(L, op, uarg, "part sizes add up to %I, more than the %I samples",
           (lua_Integer)tot, (lua_Integer)n);
  *P = p;
  return s;
}

/* Push a 1-d int64 tensor holding idx (m) + 1 (1-based). */
static void push_index(lua_State *L, const int64_t *idx, int64_t m) {
  Tensor *t = newtensor_uninit(L, TENSOR_I64, 1, &m);
  int64_t *o = tensor_i64(t);
  for (int64_t q = 0; q < m; q++) o[q] = idx[q] + 1;
}

/* ---- classes ---- */

/* The user's argument number of y: argument idx when given, else 1. */
static int yarg(lua_State *L, int idx) {
  return (int)luaL_optinteger(L, idx, 1);
}

/* class_counts(op, y [, K [, yarg]]) -> int64 tensor (K): occurrences of
 * 0..K-1 (K defaults to the largest label + 1). */
static int l_class_counts(lua_State *L) {
  const char *op = opname(L);
  int64_t n, K;
  int ua = yarg(L, 4);
  const int64_t *y = check_labels(L, 2, op, ua, &n, &K);
  if (!lua_isnoneornil(L, 3)) {
    int64_t k2 = check_int(L, 3, op, ua, "number of classes", 1, LABEL_MAX + 1);
    if (k2 < K)
      argerr(L, op, ua, "number of classes %I is too small for label %I",
             (lua_Integer)k2, (lua_Integer)(K - 1));
    K = k2;
  }
  Tensor *c = credo_newtensor(L, TENSOR_I64, 1, &K);
  sample_class_counts(tensor_i64(c), y, n, K);
  return 1;
}

/* group(op, y [, yarg]) -> list of K int64 tensors: the 1-based rows of
 * each class 0..K-1, increasing (an absent class gets an empty tensor). */
static int l_group(lua_State *L) {
  const char *op = opname(L);
  int64_t n, K;
  const int64_t *y = check_labels(L, 2, op, yarg(L, 3), &n, &K);
  int64_t *order = scratch(L, n, sizeof *order);
  int64_t *start = scratch(L, K + 1, sizeof *start);
  sample_group_by_class(order, start, y, n, K);
  lua_createtable(L, (int)K, 0);
  for (int64_t c = 0; c < K; c++) {
    push_index(L, order + start[c], start[c + 1] - start[c]);
    lua_rawseti(L, -2, c + 1);
  }
  return 1;
}

/* ---- splits ---- */

/* stratified_split(op, y, sizes, seed) -> P int64 index tensors (1-based):
 * part p gets sizes[p] rows; its class counts are approx_mode of the
 * counts left by the earlier parts (scikit-learn's StratifiedShuffleSplit
 * for two parts: train, then test). */
static int l_stratified_split(lua_State *L) {
  const char *op = opname(L);
  int64_t n, K;
  const int64_t *y = check_labels(L, 2, op, 1, &n, &K);
  int P;
  const int64_t *sizes = check_sizes(L, 3, op, 2, n, &P);
  luaL_checkstack(L, P + 8, "too many parts");
  Rng r;
  rng_seed(&r, check_seed(L, 4));
  int64_t *left = scratch(L, K, sizeof *left);
  int64_t *part = scratch(L, K, sizeof *part);
  int64_t *alloc = scratch(L, K * P, sizeof *alloc);
  sample_class_counts(left, y, n, K);
  int64_t tot = 0;
  for (int p = 0; p < P; p++) {
    check_status(L, op, sample_approx_mode(part, left, K, sizes[p], &r));
    for (int64_t c = 0; c < K; c++) {
      alloc[c * P + p] = part[c];
      left[c] -= part[c];
    }
    tot += sizes[p];
  }
  int64_t *out = scratch(L, tot > 0 ? tot : 1, sizeof *out);
  check_status(L, op, sample_stratified_split(out, y, n, K, alloc, P, &r));
  int64_t off = 0;
  for (int p = 0; p < P; p++) {
    push_index(L, out + off, sizes[p]);
    off += sizes[p];
  }
  return P;
}

/* permutation_parts(op, n, sizes, seed) -> P int64 index tensors: one
 * permutation of 1..n cut into consecutive parts of the given sizes
 * (scikit-learn's ShuffleSplit: test = the first n_test). */
static int l_permutation_parts(lua_State *L) {
  const char *op = opname(L);
  int64_t n = check_int(L, 2, op, 1, "n", 1, (int64_t)1 << 40);
  int P;
  const int64_t *sizes = check_sizes(L, 3, op, 2, n, &P);
  luaL_checkstack(L, P + 8, "too many parts");
  Rng r;
  rng_seed(&r, check_seed(L, 4));
  int64_t *perm = scratch(L, n, sizeof *perm);
  check_status(L, op, rng_permutation(perm, n, &r));
  int64_t off = 0;
  for (int p = 0; p < P; p++) {
    push_index(L, perm + off, sizes[p]);
    off += sizes[p];
  }
  return P;
}

/* Push the list {{train = ..., test = ...}, ...} of k folds. */
static void push_folds(lua_State *L, const int64_t *fold, int64_t n,
                       int64_t k) {
  int64_t *cnt = scratch(L, k, sizeof *cnt);
  int64_t *train = scratch(L, n, sizeof *train);
  int64_t *test = scratch(L, n, sizeof *test);
  memset(cnt, 0, sizeof(int64_t) * (size_t)k);
  for (int64_t i = 0; i < n; i++) cnt[fold[i]]++;
  lua_createtable(L, (int)k, 0);
  for (int64_t f = 0; f < k; f++) {
    sample_fold_indices(train, test, fold, n, f);
    lua_createtable(L, 0, 2);
    push_index(L, train, n - cnt[f]);
    lua_setfield(L, -2, "train");
    push_index(L, test, cnt[f]);
    lua_setfield(L, -2, "test");
    lua_rawseti(L, -2, f + 1);
  }
}

/* kfold(op, n, k, shuffle, seed) -> list of k {train, test}. */
static int l_kfold(lua_State *L) {
  const char *op = opname(L);
  int64_t n = check_int(L, 2, op, 1, "n", 1, (int64_t)1 << 40);
  int64_t k = check_int(L, 3, op, 2, "k", 2, n);
  int shuffle = lua_toboolean(L, 4);
  int64_t *fold = scratch(L, n, sizeof *fold);
  int64_t *perm = NULL;
  if (shuffle) {
    Rng r;
    rng_seed(&r, check_seed(L, 5));
    perm = scratch(L, n, sizeof *perm);
    check_status(L, op, rng_permutation(perm, n, &r));
  }
  sample_kfold(fold, n, k, perm);
  push_folds(L, fold, n, k);
  return 1;
}

/* stratified_kfold(op, y, k, shuffle, seed) -> list of k {train, test}. */
static int l_stratified_kfold(lua_State *L) {
  const char *op = opname(L);
  int64_t n, K;
  const int64_t *y = check_labels(L, 2, op, 1, &n, &K);
  int64_t k = check_int(L, 3, op, 2, "k", 2, n);
  int shuffle = lua_toboolean(L, 4);
  Rng r;
  rng_seed(&r, shuffle ? check_seed(L, 5) : 0);
  int64_t *fold = scratch(L, n, sizeof *fold);
  check_status(L, op, sample_stratified_kfold(fold, y, n, K, k, shuffle, &r));
  push_folds(L, fold, n, k);
  return 1;
}

/* bootstrap(op, n, m, seed) -> in-bag (m, drawn with replacement, in draw
 * order), out-of-bag (the rows never drawn, increasing); both 1-based. */
static int l_bootstrap(lua_State *L) {
  const char *op = opname(L);
  int64_t n = check_int(L, 2, op, 1, "n", 1, (int64_t)1 << 40);
  int64_t m = check_int(L, 3, op, 2, "size", 1, (int64_t)1 << 40);
  Rng r;
  rng_seed(&r, check_seed(L, 4));
  int64_t *in = scratch(L, m, sizeof *in);
  check_status(L, op, rng_bootstrap(in, n, m, &r));
  unsigned char *seen = scratch(L, n, 1);
  int64_t *oob = scratch(L, n, sizeof *oob);
  int64_t c = sample_complement(oob, in, m, n, seen);
  push_index(L, in, m);
  push_index(L, oob, c);
  return 2;
}

/* complement(op, idx, n) -> the rows of 1..n absent from idx (1-based
 * int64), increasing. */
static int l_complement(lua_State *L) {
  const char *op = opname(L);
  int64_t n = check_int(L, 3, op, 2, "n", 0, (int64_t)1 << 40);
  Tensor *t = credo_testtensor(L, 2);
  if (!t || !t->storage || t->dtype != TENSOR_I64 || t->ndim != 1)
    argerr(L, op, 1, "expected a 1-d int64 index tensor");
  int64_t m = t->shape[0];
  int64_t *idx = scratch(L, m, sizeof *idx);
  const int64_t *p = tensor_i64(t);
  for (int64_t q = 0; q < m; q++) {
    int64_t v = p[q * t->stride[0]];
    if (v < 1 || v > n)
      argerr(L, op, 1, "index %I at position %I is out of range 1..%I",
             (lua_Integer)v, (lua_Integer)(q + 1), (lua_Integer)n);
    idx[q] = v - 1;
  }
  unsigned char *seen = scratch(L, n, 1);
  int64_t *out = scratch(L, n, sizeof *out);
  int64_t c = sample_complement(out, idx, m, n, seen);
  push_index(L, out, c);
  return 1;
}

/* ---- neighbours and synthesis ---- */

/* The k-neighbour error imbalanced-learn 0.10 raises through
 * scikit-learn's kneighbors (n_neighbors = k + 1 counts the sample
 * itself). */
static void check_k(lua_State *L, const char *op, int uarg, int64_t k,
                    int64_t m, const char *what) {
  if (k + 1 > m)
    argerr(L, op, uarg,
           "Expected n_neighbors <= n_samples_fit, but n_neighbors = %I, "
           "n_samples_fit = %I (k_neighbors = %I needs at least %I samples "
           "%s)", (lua_Integer)(k + 1), (lua_Integer)m, (lua_Integer)k,
           (lua_Integer)(k + 1), what);
}

/* knn(op, X, k) -> (n, k) int64: 1-based indices of each row's k nearest
 * other rows, nearest first (ties: lower index). */
static int l_knn(lua_State *L) {
  const char *op = opname(L);
  const Tensor *t;
  const void *x = check_X(L, 2, op, 1, -1, 1, &t);
  int64_t n = t->shape[0], d = t->shape[1];
  int64_t k = check_int(L, 3, op, 2, "k", 1, 100000);
  check_k(L, op, 2, k, n, "in X");
  if (n > INT32_MAX)
    argerr(L, op, 1, "X has %I rows, more than the neighbour search's "
           "2147483647", (lua_Integer)n);
  int64_t sh[2] = {n, k};
  Tensor *o = newtensor_uninit(L, TENSOR_I64, 2, sh);
  int64_t *nn = tensor_i64(o);
  credo_status st = t->dtype == TENSOR_F32
                        ? sample_knn_f32(nn, x, n, (int)d, (int)k)
                        : sample_knn_f64(nn, x, n, (int)d, (int)k);
  check_status(L, op, st);
  for (int64_t q = 0; q < n * k; q++) nn[q]++;
  return 1;
}

/* Class c's rows of x (contiguous, dtype es bytes each of d values) packed
 * into a new scratch block of m rows. */
static void *gather_rows(lua_State *L, const void *x, size_t rowbytes,
                         const int64_t *rows, int64_t m) {
  char *o = scratch(L, m, rowbytes);
  for (int64_t q = 0; q < m; q++)
    memcpy(o + (size_t)q * rowbytes, (const char *)x + (size_t)rows[q] * rowbytes,
           rowbytes);
  return o;
}

/* smote(op, X, y, n_new, k, seed) -> X_res, y_res: X and y, then for each
 * class c (increasing) n_new[c + 1] synthetic rows labelled c.  n_new is an
 * int64 tensor with one count per label 0..K-1 (longer is allowed if the
 * extra counts are 0).  Class c draws from streams (c << 32) + block. */
static int l_smote(lua_State *L) {
  const char *op = opname(L);
  int64_t n, K;
  const int64_t *y = check_labels(L, 3, op, 2, &n, &K);
  const Tensor *t;
  const void *x = check_X(L, 2, op, 1, n, 0, &t); /* finiteness: below */
  int64_t d = t->shape[1];
  Tensor *nt = credo_testtensor(L, 4);
  if (!nt || !nt->storage || nt->dtype != TENSOR_I64 || nt->ndim != 1)
    argerr(L, op, 3, "expected an int64 tensor of counts per class");
  int64_t k = check_int(L, 5, op, 3, "k_neighbors", 1, 100000);
  uint64_t seed = check_seed(L, 6);
  int64_t *cnt = scratch(L, K, sizeof *cnt);
  sample_class_counts(cnt, y, n, K);
  int64_t total = 0;
  int64_t *want = scratch(L, K, sizeof *want);
  for (int64_t c = 0; c < nt->shape[0]; c++) {
    int64_t v = tensor_i64(nt)[c * nt->stride[0]];
    if (v < 0 || v > ((int64_t)1 << 40))
      argerr(L, op, 3, "count %I for class %I is out of range",
             (lua_Integer)v, (lua_Integer)c);
    if (c >= K || cnt[c] == 0) {
      if (v != 0)
        argerr(L, op, 3, "class %I has no samples in y", (lua_Integer)c);
      continue;
    }
    want[c] = v;
  }
  for (int64_t c = nt->shape[0]; c < K; c++) want[c] = 0;
  for (int64_t c = 0; c < K; c++) {
    if (want[c] == 0) continue;
    char what[64];
    snprintf(what, sizeof what, "of class %lld", (long long)c);
    check_k(L, op, 3, k, cnt[c], what);
    if (cnt[c] > INT32_MAX)
      argerr(L, op, 2, "class %I has %I rows, more than the neighbour "
             "search's 2147483647", (lua_Integer)c, (lua_Integer)cnt[c]);
    total += want[c];
  }
  int64_t sh[2] = {n + total, d};
  size_t rowbytes = tensor_dtype_size(t->dtype) * (size_t)d;
  Tensor *xo = newtensor_uninit(L, t->dtype, 2, sh);
  int xo_idx = lua_gettop(L);
  int64_t ny = n + total;
  Tensor *yo = newtensor_uninit(L, TENSOR_I64, 1, &ny);
  int yo_idx = lua_gettop(L);
  char *xr = tensor_data(xo);
  int64_t *yr = tensor_i64(yo);
  /* copy X into X_res, checking each piece while it is in cache */
  int64_t bad = t->dtype == TENSOR_F32
                    ? sample_copy_finite_f32((float *)xr, x, n * d)
                    : sample_copy_finite_f64((double *)xr, x, n * d);
  if (bad >= 0) {
    double v = t->dtype == TENSOR_F32 ? ((const float *)x)[bad]
                                      : ((const double *)x)[bad];
    argerr(L, op, 1, "X contains %s at row %I, column %I",
           isnan(v) ? "NaN" : "inf", (lua_Integer)(bad / d + 1),
           (lua_Integer)(bad % d + 1));
  }
  /* squared distances (the neighbour search) and x_b - x_a (the
   * interpolation) must stay finite: |v| <= sqrt(MAX / (4 d)) keeps both */
  const char *far = credo_distrange(L, t, "X");
  if (far) argerr(L, op, 1, "%s", far);
  memcpy(yr, y, sizeof(int64_t) * (size_t)n);
  int64_t *order = scratch(L, n, sizeof *order);
  int64_t *start = scratch(L, K + 1, sizeof *start);
  sample_group_by_class(order, start, y, n, K);
  int64_t off = n;
  for (int64_t c = 0; c < K; c++) {
    if (want[c] == 0) continue;
    int64_t m = start[c + 1] - start[c];
    int top = lua_gettop(L);
    void *xc = gather_rows(L, x, rowbytes, order + start[c], m);
    int64_t *nn = scratch(L, m * k, sizeof *nn);
    char *dst = xr + (size_t)off * rowbytes;
    credo_status st;
    uint64_t s0 = (uint64_t)c << 32;
    if (t->dtype == TENSOR_F32) {
      st = sample_knn_f32(nn, xc, m, (int)d, (int)k);
      if (st == CREDO_OK)
        st = sample_smote_f32((float *)dst, NULL, NULL, NULL, xc, nn, m,
                              (int)d, (int)k, want[c], seed, s0);
    } else {
      st = sample_knn_f64(nn, xc, m, (int)d, (int)k);
      if (st == CREDO_OK)
        st = sample_smote_f64((double *)dst, NULL, NULL, NULL, xc, nn, m,
                              (int)d, (int)k, want[c], seed, s0);
    }
    check_status(L, op, st);
    for (int64_t q = 0; q < want[c]; q++) yr[off + q] = c;
    off += want[c];
    lua_settop(L, top);
  }
  lua_pushvalue(L, xo_idx);
  lua_pushvalue(L, yo_idx);
  return 2;
}

/* add_noise(op, X, src, sigma, seed, stream0) -> (m, d) tensor of X's
 * dtype: row s is X[src[s]] + sigma * z (src 1-based int64, sigma a
 * float64 tensor of d finite values >= 0). */
static int l_add_noise(lua_State *L) {
  const char *op = opname(L);
  const Tensor *t;
  const void *x = check_X(L, 2, op, 1, -1, 1, &t);
  int64_t n = t->shape[0], d = t->shape[1];
  Tensor *it = credo_testtensor(L, 3);
  if (!it || !it->storage || it->dtype != TENSOR_I64 || it->ndim != 1)
    argerr(L, op, 1, "expected a 1-d int64 tensor of source rows");
  int64_t m = it->shape[0];
  int64_t *src = scratch(L, m, sizeof *src);
  for (int64_t q = 0; q < m; q++) {
    int64_t v = tensor_i64(it)[q * it->stride[0]];
    if (v < 1 || v > n)
      argerr(L, op, 1, "source row %I at position %I is out of range 1..%I",
             (lua_Integer)v, (lua_Integer)(q + 1), (lua_Integer)n);
    src[q] = v - 1;
  }
  Tensor *st_ = credo_testtensor(L, 4);
  if (!st_ || !st_->storage || st_->dtype != TENSOR_F64 || st_->ndim != 1 ||
      st_->shape[0] != d)
    argerr(L, op, 1, "expected a float64 tensor of %I noise scales", (lua_Integer)d);
  double *sigma = scratch(L, d, sizeof *sigma);
  for (int64_t f = 0; f < d; f++) {
    sigma[f] = tensor_f64(st_)[f * st_->stride[0]];
    if (!isfinite(sigma[f]) || sigma[f] < 0)
      argerr(L, op, 1, "noise scale of column %I is %f (must be finite and "
             ">= 0)", (lua_Integer)(f + 1), (lua_Number)sigma[f]);
  }
  uint64_t seed = check_seed(L, 5);
  uint64_t s0 = (uint64_t)luaL_checkinteger(L, 6);
  int64_t sh[2] = {m, d};
  Tensor *o = newtensor_uninit(L, t->dtype, 2, sh);
  credo_status st =
      t->dtype == TENSOR_F32
          ? sample_add_noise_f32(tensor_f32(o), x, src, sigma, m, (int)d, seed, s0)
          : sample_add_noise_f64(tensor_f64(o), x, src, sigma, m, (int)d, seed, s0);
  check_status(L, op, st);
  return 1;
}

static const luaL_Reg sample_funcs[] = {
  {"class_counts", l_class_counts},
  {"group", l_group},
  {"stratified_split", l_stratified_split},
  {"permutation_parts", l_permutation_parts},
  {"kfold", l_kfold},
  {"stratified_kfold", l_stratified_kfold},
  {"bootstrap", l_bootstrap},
  {"complement", l_complement},
  {"knn", l_knn},
  {"smote", l_smote},
  {"add_noise", l_add_noise},
  {NULL, NULL}
};

int luaopen_credo_sample(lua_State *L) {
  luaL_newlib(L, sample_funcs);
  return 1;
}
