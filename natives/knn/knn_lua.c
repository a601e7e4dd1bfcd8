/*
 * knn_lua.c: Lua binding of the k-nearest-neighbour core (knn.h), opened as
 * `credo.knn_core`; the classifier is stdlib/credo/neighbors.lua.
 *
 *   X, y, k = check_fit(X, y)              -- contiguous copies; k classes
 *   tree = kdtree(X, leaf_size)            -- a GC-owned k-d tree box
 *   dist, idx = kneighbors(Q, X, k, metric, algorithm [, tree])
 *       -- Q (m, d) queries, X (n, d) training rows; dist (m, k) float64,
 *       -- idx (m, k) int64 1-based; metric "euclidean" | "manhattan",
 *       -- algorithm "brute" | "kd_tree" (tree required for kd_tree)
 *   proba = vote(dist, idx, y, n_classes, weights)   -- (m, n_classes) f64;
 *       -- weights "uniform" | "distance"
 *
 * Arguments are numbered as the classifier's methods see them (the query
 * X first).  Every value is checked (finite, shapes, ranges) before the
 * core runs; scratch copies live in GC-owned tensors, the tree in a
 * GC-owned box, so no error leaks memory.  What it is not: no model logic
 * (which algorithm "auto" picks is decided in Lua).
 */
#include <math.h>
#include <string.h>

#include "../common/credo_lua.h"
#include "knn.h"

#define KNN_TREE "credo.knn.Tree"

/* The 2-d float tensor of rows at i (named `what`), checked finite and
 * small enough that every squared distance stays finite in its dtype: the
 * brute force ranks by |x|^2 - 2 q.x, so |v| <= sqrt(MAX / (4 d)) for
 * every value v (d features) keeps all three terms and their sum finite. */
static Tensor *check_rows(lua_State *L, int i, const char *what) {
  Tensor *t = credo_checkmatrix(L, i, what, CREDO_MATRIX_FLOAT | CREDO_MATRIX_COLS);
  if (t->shape[0] >= INT32_MAX || t->shape[1] >= INT32_MAX)
    credo_argfail(L, i, "%s is too large (at most 2147483646 rows and columns)", what);
  credo_checkfinite2d(L, i, t, what, NULL);
  const char *msg = credo_distrange(L, t, what);
  if (msg) credo_argfail(L, i, "%s", msg);
  return t;
}

/* t as a contiguous tensor of dtype dt: t itself when it already is, else a
 * copy pushed on the stack (GC-owned). */
static const Tensor *as_contiguous(lua_State *L, const Tensor *t, tensor_dtype dt) {
  if (t->dtype == dt && tensor_is_contiguous(t)) return t;
  Tensor *o = credo_newtensor(L, dt, t->ndim, t->shape);
  tensor_copy(o, t);
  return o;
}

/* check_fit(X, y) -> X (contiguous copy, dtype kept), y (int64 copy),
 * n_classes (max label + 1).  Refuses fewer than two distinct classes. */
static int l_check_fit(lua_State *L) {
  Tensor *X = check_rows(L, 1, "X");
  Tensor *y = credo_checktensor(L, 2);
  char b1[64], b2[64];
  if (y->ndim != 1 || y->dtype != TENSOR_I64)
    credo_argfail(L, 2, "y must be a 1-d int64 tensor of class labels (got %s %s)",
                  y->dtype == TENSOR_I64 ? "int64" : y->dtype == TENSOR_F32 ? "float32" : "float64",
                  tensor_shape_str(y, b2, sizeof b2));
  if (y->shape[0] != X->shape[0])
    credo_argfail(L, 2, "y has %I rows but X has %I (X is %s)", (lua_Integer)y->shape[0],
                  (lua_Integer)X->shape[0], tensor_shape_str(X, b1, sizeof b1));
  int64_t mx = -1, first = -1;
  int two = 0;
  for (int64_t r = 0; r < y->shape[0]; r++) {
    int64_t v = ((const int64_t *)y->storage->data)[y->offset + r * y->stride[0]];
    if (v < 0 || v >= 1000000)
      credo_argfail(L, 2, "y holds label %I at row %I (labels must be 0, 1, ..., < 1000000)",
                    (lua_Integer)v, (lua_Integer)(r + 1));
    if (v > mx) mx = v;
    if (first < 0) first = v;
    else if (v != first) two = 1;
  }
  if (!two)
    credo_argfail(L, 2, "y holds one class only (%I): a classifier needs two or more",
                  (lua_Integer)first);
  tensor_copy(credo_newtensor(L, X->dtype, 2, X->shape), X);
  tensor_copy(credo_newtensor(L, TENSOR_I64, 1, y->shape), y);
  lua_pushinteger(L, (lua_Integer)(mx + 1));
  return 3;
}

/* ---- the k-d tree box ---- */

static KnnTree *checktree(lua_State *L, int i) {
  KnnTree *t = (KnnTree *)luaL_checkudata(L, i, KNN_TREE);
  if (!t->x) luaL_argerror(L, i, "k-d tree has been freed");
  return t;
}

static int tree_gc(lua_State *L) {
  knn_tree_free((KnnTree *)luaL_checkudata(L, 1, KNN_TREE));
  return 0;
}

static int tree_tostring(lua_State *L) {
  KnnTree *t = (KnnTree *)luaL_checkudata(L, 1, KNN_TREE);
  lua_pushfstring(L, "k-d tree (%I rows, %d features, %d nodes, leaf size %d)",
                  (lua_Integer)t->n, t->d, t->n_nodes, t->leaf_size);
  return 1;
}

/* kdtree(X, leaf_size) -> tree */
static int l_kdtree(lua_State *L) {
  Tensor *X = check_rows(L, 1, "X");
  lua_Integer leaf = luaL_checkinteger(L, 2);
  luaL_argcheck(L, leaf >= 1 && leaf <= 1000000, 2, "leaf_size must be in 1..1000000");
  const Tensor *xc = as_contiguous(L, X, TENSOR_F64);
  KnnTree *t = (KnnTree *)lua_newuserdatauv(L, sizeof *t, 0);
  memset(t, 0, sizeof *t);
  luaL_setmetatable(L, KNN_TREE);
  credo_status s = knn_tree_build(t, tensor_f64(xc), X->shape[0], (int)X->shape[1],
                                  (int)leaf);
  if (s != CREDO_OK) credo_statuserror(L, "kdtree", s);
  return 1;
}

/* ---- search ---- */

static const char *const metrics[] = {"euclidean", "manhattan", NULL};
static const char *const algorithms[] = {"brute", "kd_tree", NULL};

static int l_kneighbors(lua_State *L) {
  Tensor *Q = check_rows(L, 1, "X");
  Tensor *X = credo_checktensor(L, 2);
  char b1[64], b2[64];
  luaL_argcheck(L, X->ndim == 2 && X->dtype != TENSOR_I64 && X->shape[0] >= 1, 2,
                "training rows must be a non-empty 2-d float tensor");
  if (Q->shape[1] != X->shape[1])
    credo_argfail(L, 1, "X has %I features but the model was fitted on %I (shapes %s and %s)",
                  (lua_Integer)Q->shape[1], (lua_Integer)X->shape[1],
                  tensor_shape_str(Q, b1, sizeof b1), tensor_shape_str(X, b2, sizeof b2));
  lua_Integer k = luaL_checkinteger(L, 3);
  if (k < 1) credo_argfail(L, 3, "n_neighbors must be >= 1 (got %I)", k);
  if (k > X->shape[0])
    credo_argfail(L, 3, "n_neighbors = %I exceeds the %I training rows", k,
                  (lua_Integer)X->shape[0]);
  KnnMetric metric = (KnnMetric)luaL_checkoption(L, 4, NULL, metrics);
  int algo = luaL_checkoption(L, 5, NULL, algorithms);
  KnnTree *tree = NULL;
  if (algo == 1) {
    tree = checktree(L, 6);
    luaL_argcheck(L, tree->n == X->shape[0] && tree->d == X->shape[1], 6,
                  "k-d tree does not match the training rows");
  }
  const int64_t m = Q->shape[0], n = X->shape[0];
  const int d = (int)Q->shape[1];
  int64_t shape[2] = {m, k};
  Tensor *dist = credo_newtensor(L, TENSOR_F64, 2, shape);
  int dist_i = lua_gettop(L);
  Tensor *idx = credo_newtensor(L, TENSOR_I64, 2, shape);
  int idx_i = lua_gettop(L);
  credo_status s;
  if (algo == 1) {
    const Tensor *qc = as_contiguous(L, Q, TENSOR_F64);
    s = knn_tree_query(tensor_f64(dist), tensor_i64(idx), tree, tensor_f64(qc), m, (int)k,
                       metric);
  } else if (metric == KNN_EUCLIDEAN && Q->dtype == TENSOR_F32 && X->dtype == TENSOR_F32) {
    const Tensor *qc = as_contiguous(L, Q, TENSOR_F32);
    const Tensor *xc = as_contiguous(L, X, TENSOR_F32);
    s = knn_brute_euclidean_f32(tensor_f64(dist), tensor_i64(idx), tensor_f32(xc),
                                tensor_f32(qc), n, m, d, (int)k);
  } else {
    const Tensor *qc = as_contiguous(L, Q, TENSOR_F64);
    const Tensor *xc = as_contiguous(L, X, TENSOR_F64);
    s = metric == KNN_EUCLIDEAN
            ? knn_brute_euclidean_f64(tensor_f64(dist), tensor_i64(idx), tensor_f64(xc),
                                      tensor_f64(qc), n, m, d, (int)k)
            : knn_brute_manhattan_f64(tensor_f64(dist), tensor_i64(idx), tensor_f64(xc),
                                      tensor_f64(qc), n, m, d, (int)k);
  }
  if (s != CREDO_OK) credo_statuserror(L, "kneighbors", s);
  int64_t *ip = tensor_i64(idx);
  for (int64_t a = 0; a < m * k; a++) ip[a] += 1;
  lua_pushvalue(L, dist_i);
  lua_pushvalue(L, idx_i);
  return 2;
}

/* vote(dist, idx, y, n_classes, weights) -> proba */
static int l_vote(lua_State *L) {
  static const char *const weights[] = {"uniform", "distance", NULL};
  Tensor *dist = credo_checktensor(L, 1);
  Tensor *idx = credo_checktensor(L, 2);
  Tensor *y = credo_checktensor(L, 3);
  luaL_argcheck(L, dist->ndim == 2 && dist->dtype == TENSOR_F64 && tensor_is_contiguous(dist),
                1, "distances must be a contiguous (m, k) float64 tensor");
  luaL_argcheck(L, idx->ndim == 2 && idx->dtype == TENSOR_I64 && tensor_is_contiguous(idx) &&
                idx->shape[0] == dist->shape[0] && idx->shape[1] == dist->shape[1],
                2, "indices must be a contiguous int64 tensor shaped as the distances");
  luaL_argcheck(L, y->ndim == 1 && y->dtype == TENSOR_I64 && tensor_is_contiguous(y), 3,
                "y must be a contiguous 1-d int64 tensor");
  lua_Integer nc = luaL_checkinteger(L, 4);
  luaL_argcheck(L, nc >= 1 && nc <= 1000000, 4, "n_classes must be in 1..1000000");
  int w = luaL_checkoption(L, 5, NULL, weights);
  const int64_t m = dist->shape[0], k = dist->shape[1];
  const int64_t *ip = tensor_i64(idx), *yp = tensor_i64(y);
  const double *dp = tensor_f64(dist);
  for (int64_t a = 0; a < m * k; a++) {
    if (ip[a] < 1 || ip[a] > y->shape[0])
      credo_argfail(L, 2, "index %I out of range 1..%I", (lua_Integer)ip[a],
                    (lua_Integer)y->shape[0]);
    if (!(dp[a] >= 0)) credo_argfail(L, 1, "distances must be >= 0");
  }
  for (int64_t r = 0; r < y->shape[0]; r++)
    luaL_argcheck(L, yp[r] >= 0 && yp[r] < nc, 3, "labels must be 0..n_classes-1");
  int64_t shape[2] = {m, nc};
  Tensor *p = credo_newtensor(L, TENSOR_F64, 2, shape);
  /* the core takes 0-based indices: shift a scratch copy */
  int64_t *i0 = tensor_i64(credo_newtensor(L, TENSOR_I64, 2, idx->shape));
  for (int64_t a = 0; a < m * k; a++) i0[a] = ip[a] - 1;
  knn_vote(tensor_f64(p), dp, i0, yp, m, (int)k, (int)nc, w == 1);
  lua_pop(L, 1);
  return 1;
}

static const luaL_Reg funcs[] = {
  {"check_fit", l_check_fit},
  {"kdtree", l_kdtree},
  {"kneighbors", l_kneighbors},
  {"vote", l_vote},
  {NULL, NULL}
};

static const luaL_Reg tree_meta[] = {
  {"__gc", tree_gc},
  {"__close", tree_gc},
  {"__tostring", tree_tostring},
  {NULL, NULL}
};

int luaopen_credo_knn(lua_State *L) {
  luaL_newmetatable(L, KNN_TREE);
  luaL_setfuncs(L, tree_meta, 0);
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
