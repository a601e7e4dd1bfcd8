/*
 * metrics_lua.c: Lua binding of the metrics core (credo.core.metrics_core,
 * the natives behind stdlib/credo/metrics.lua).  Registered as
 * "credo.metrics_core", not "credo.metrics": a preloaded native of that name
 * would shadow the Lua module stdlib/credo/metrics.lua in require.
 *
 * Every native takes the user-facing operation name first, so that its
 * errors name the function the user called and the user's argument
 * positions: y_true is #1, the score / prediction #2, the options table #3
 * (sample_weight, labels); bootstrap and resample shift these by one (the
 * metric comes first).  The binding checks every tensor (1-d, non-empty,
 * equal lengths, integer labels, 0/1 labels for binary metrics, finite
 * scores, probabilities in [0, 1], weights finite, >= 0, not all zero) and
 * converts it to what the core wants; copies live in GC-owned userdata
 * scratch, so raising never leaks.  Stack effects: arguments stay at their
 * positions, scratch boxes pile up above them until return.
 *
 * What it is not: the user API.  Option tables, defaults, the averaging
 * choice and report formatting are in metrics.lua.
 */
#include "../common/credo_lua.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "metrics.h"

#define LABEL_MAX 16777215 /* class labels are 0 .. 2^24 - 1 */

/* "bad argument #arg to 'op' (message)", as luaL_argerror words it, but
 * without a position: the natives are called from metrics.lua, whose line
 * would mislead (metrics.lua raises its own errors the same way). */
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

/* Element i of a 1-d tensor, any dtype and stride, as a double. */
static inline double elem(const Tensor *t, int64_t i) {
  const char *base = (const char *)tensor_data(t);
  int64_t off = i * t->stride[0];
  switch (t->dtype) {
  case TENSOR_F32: return ((const float *)base)[off];
  case TENSOR_F64: return ((const double *)base)[off];
  case TENSOR_I64: return (double)((const int64_t *)base)[off];
  }
  return NAN;
}

/* The tensor at stack index idx, with 1 or (if maxdim is 2) 2 dimensions,
 * and at least one row. */
static const Tensor *check_tensor(lua_State *L, int idx, const char *op,
                                  int uarg, const char *name, int maxdim) {
  Tensor *t = credo_testtensor(L, idx);
  if (!t)
    argerr(L, op, uarg, "%s: expected a %s tensor, got %s", name,
           maxdim == 1 ? "1-d" : "1-d or 2-d", luaL_typename(L, idx));
  if (!t->storage) argerr(L, op, uarg, "%s: tensor has been freed", name);
  if (t->ndim < 1 || t->ndim > maxdim) {
    char buf[160];
    argerr(L, op, uarg, "%s: expected a %s tensor, got shape %s", name,
           maxdim == 1 ? "1-d" : "1-d or 2-d",
           tensor_shape_str(t, buf, sizeof buf));
  }
  if (t->shape[0] == 0) argerr(L, op, uarg, "%s is empty", name);
  return t;
}

static const Tensor *check_vec(lua_State *L, int idx, const char *op,
                               int uarg, const char *name) {
  return check_tensor(L, idx, op, uarg, name, 1);
}

static void check_len(lua_State *L, const char *op, int uarg,
                      const char *name, const Tensor *t, int64_t n,
                      const char *refname) {
  if (t->shape[0] != n)
    argerr(L, op, uarg, "%s has %I %s but %s has %I", name,
           (lua_Integer)t->shape[0], t->ndim == 1 ? "elements" : "rows",
           refname, (lua_Integer)n);
}

/* The values of a 1-d tensor as float64 (no copy when it is a contiguous
 * float64 tensor); NaN and infinities are errors. */
static const double *get_f64(lua_State *L, const Tensor *t, const char *op,
                             int uarg, const char *name) {
  int64_t n = t->shape[0];
  const double *d;
  if (t->dtype == TENSOR_F64 && t->stride[0] == 1) {
    d = tensor_f64(t);
  } else {
    double *x = scratch(L, n, sizeof *x);
    if (t->dtype == TENSOR_F32 && t->stride[0] == 1) {
      const float *f = tensor_f32(t);
      for (int64_t i = 0; i < n; i++) x[i] = f[i];
    } else {
      for (int64_t i = 0; i < n; i++) x[i] = elem(t, i);
    }
    d = x;
  }
  for (int64_t i = 0; i < n; i++) {
    if (isfinite(d[i])) continue;
    argerr(L, op, uarg, "%s contains %s at index %I", name,
           isnan(d[i]) ? "NaN" : "inf", (lua_Integer)(i + 1));
  }
  return d;
}

/* Push v as text: an integral value without ".0", else %.14g. */
static const char *numstr(lua_State *L, double v) {
  if (v == floor(v) && fabs(v) < 9007199254740992.0)
    return lua_pushfstring(L, "%I", (lua_Integer)v);
  return lua_pushfstring(L, "%f", (lua_Number)v);
}

static void check_unit(lua_State *L, const char *op, int uarg,
                       const char *name, const double *p, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (p[i] < 0 || p[i] > 1)
      argerr(L, op, uarg, "%s must lie in [0, 1], found %s at index %I",
             name, numstr(L, p[i]), (lua_Integer)(i + 1));
}

/* Integer class labels 0..LABEL_MAX as int64 (no copy for a contiguous
 * int64 tensor); *maxlab gets the largest. */
static const int64_t *get_labels(lua_State *L, const Tensor *t,
                                 const char *op, int uarg, const char *name,
                                 int64_t *maxlab) {
  int64_t n = t->shape[0], mx = 0;
  const int64_t *y;
  if (t->dtype == TENSOR_I64 && t->stride[0] == 1) {
    y = tensor_i64(t);
  } else {
    int64_t *x = scratch(L, n, sizeof *x);
    for (int64_t i = 0; i < n; i++) {
      double v = elem(t, i);
      if (!(v == floor(v)) || v < 0 || v > LABEL_MAX)
        argerr(L, op, uarg,
               "%s must hold integer class labels in 0..%d, found %s at "
               "index %I", name, LABEL_MAX, numstr(L, v), (lua_Integer)(i + 1));
      x[i] = (int64_t)v;
    }
    y = x;
  }
  for (int64_t i = 0; i < n; i++) {
    if (y[i] < 0 || y[i] > LABEL_MAX)
      argerr(L, op, uarg, "%s must hold integer class labels in 0..%d, found "
             "%I at index %I", name, LABEL_MAX, (lua_Integer)y[i],
             (lua_Integer)(i + 1));
    if (y[i] > mx) mx = y[i];
  }
  *maxlab = mx;
  return y;
}

/* Check that labels are 0/1 (hint ends the message). */
static void check_binary(lua_State *L, const char *op, int uarg,
                         const char *name, const int64_t *y, int64_t n,
                         const char *hint) {
  for (int64_t i = 0; i < n; i++)
    if (y[i] != 0 && y[i] != 1)
      argerr(L, op, uarg, "%s must hold 0/1 labels %s, found %I at index %I",
             name, hint, (lua_Integer)y[i], (lua_Integer)(i + 1));
}

/* 0/1 labels as bytes, 1 where the label is pos_label; *npos counts them. */
static const uint8_t *get_ypos(lua_State *L, const Tensor *t, const char *op,
                               int uarg, const char *name, int64_t pos_label,
                               int64_t *npos) {
  int64_t n = t->shape[0], mx, c = 0;
  const int64_t *y = get_labels(L, t, op, uarg, name, &mx);
  check_binary(L, op, uarg, name, y, n, "for a binary metric");
  uint8_t *b = scratch(L, n, 1);
  for (int64_t i = 0; i < n; i++) c += (b[i] = y[i] == pos_label);
  *npos = c;
  return b;
}

/* Optional sample weights at stack index idx (user argument uarg, the
 * options table): NULL when nil. */
static const double *get_weights(lua_State *L, int idx, const char *op,
                                 int uarg, int64_t n) {
  if (lua_isnoneornil(L, idx)) return NULL;
  const Tensor *t = check_vec(L, idx, op, uarg, "sample_weight");
  check_len(L, op, uarg, "sample_weight", t, n, "y_true");
  const double *w = get_f64(L, t, op, uarg, "sample_weight");
  double s = 0;
  for (int64_t i = 0; i < n; i++) {
    if (w[i] < 0)
      argerr(L, op, uarg, "sample_weight must be >= 0, found %s at index %I",
             numstr(L, w[i]), (lua_Integer)(i + 1));
    s += w[i];
  }
  if (!(s > 0)) argerr(L, op, uarg, "sample_weight sums to zero");
  /* the metrics form weighted sums and ratios of them: a total that
   * overflows would turn them into NaN (rescale the weights) */
  if (!(s < HUGE_VAL / 4))
    argerr(L, op, uarg, "sample_weight sums to %s, too large for weighted sums "
                        "(rescale the weights)", numstr(L, s));
  return w;
}

static Tensor *new_vec(lua_State *L, tensor_dtype dt, int64_t n) {
  return credo_newtensor(L, dt, 1, &n);
}

static void push_f64(lua_State *L, const double *x, int64_t n) {
  Tensor *t = new_vec(L, TENSOR_F64, n);
  if (n) memcpy(tensor_f64(t), x, sizeof(double) * (size_t)n);
}

/* Common start of the binary score natives: (op, y_true, y_score, w,
 * pos_label) at stack 1..5. */
typedef struct Binary {
  const char *op;
  int64_t n, npos;
  const uint8_t *ypos;
  const double *s, *w;
  const Tensor *ts;
} Binary;

static void get_binary(lua_State *L, Binary *b, const char *sname) {
  b->op = luaL_checkstring(L, 1);
  const Tensor *ty = check_vec(L, 2, b->op, 1, "y_true");
  b->n = ty->shape[0];
  b->ts = check_vec(L, 3, b->op, 2, sname);
  check_len(L, b->op, 2, sname, b->ts, b->n, "y_true");
  int64_t pos = luaL_optinteger(L, 5, 1);
  if (pos != 0 && pos != 1) argerr(L, b->op, 3, "pos_label must be 0 or 1");
  b->ypos = get_ypos(L, ty, b->op, 1, "y_true", pos, &b->npos);
  b->s = get_f64(L, b->ts, b->op, 2, sname);
  b->w = get_weights(L, 4, b->op, 3, b->n);
}

/* Positive and negative weight (or counts). */
static void class_weights(const Binary *b, double *P, double *N) {
  double p = 0, q = 0;
  for (int64_t i = 0; i < b->n; i++) {
    double wi = b->w ? b->w[i] : 1.0;
    if (b->ypos[i]) p += wi;
    else q += wi;
  }
  *P = p;
  *N = q;
}

static void need_both(lua_State *L, const Binary *b, const char *what) {
  if (b->npos == 0 || b->npos == b->n)
    argerr(L, b->op, 1, "only one class present in y_true; %s is not defined",
           what);
  if (b->w) {
    double P, N;
    class_weights(b, &P, &N);
    if (P == 0 || N == 0)
      argerr(L, b->op, 3, "sample_weight is zero on every sample of one "
             "class; %s is not defined", what);
  }
}

/* The sorted walk and the distinct-threshold curve of a Binary. */
static int64_t *sorted_order(lua_State *L, const Binary *b) {
  int64_t *order = scratch(L, b->n, sizeof *order);
  credo_status st = metrics_argsort_desc(order, b->s, b->n);
  if (st != CREDO_OK) credo_statuserror(L, b->op, st);
  return order;
}

static int64_t clf_curve(lua_State *L, const Binary *b, double **fps,
                         double **tps, double **thr) {
  int64_t *order = sorted_order(L, b);
  *fps = scratch(L, b->n, sizeof(double));
  *tps = scratch(L, b->n, sizeof(double));
  *thr = scratch(L, b->n, sizeof(double));
  return metrics_clf_curve_sorted(*fps, *tps, *thr, order, b->ypos, b->s,
                                  b->w, NULL, b->n);
}

/* roc_auc(op, y_true, y_score, w) -> auc */
static int l_roc_auc(lua_State *L) {
  Binary b;
  lua_settop(L, 4);
  get_binary(L, &b, "y_score");
  need_both(L, &b, "ROC AUC");
  double auc;
  credo_status st = metrics_roc_auc(&auc, b.ypos, b.s, b.w, b.n);
  if (st != CREDO_OK) return credo_statuserror(L, b.op, st);
  lua_pushnumber(L, auc);
  return 1;
}

/* rank(op, y_true, y_score, w, pos_label, what) -> auc, ap, pr_auc, ks,
 * ks_threshold, pos, neg.  what (a string) names the metric when both
 * classes are needed. */
static int l_rank(lua_State *L) {
  Binary b;
  lua_settop(L, 6);
  get_binary(L, &b, "y_score");
  if (!lua_isnil(L, 6)) need_both(L, &b, lua_tostring(L, 6));
  int64_t *order = sorted_order(L, &b);
  MetricsRank r;
  metrics_rank_sorted(&r, order, b.ypos, b.s, b.w, NULL, b.n);
  lua_pushnumber(L, r.auc);
  lua_pushnumber(L, r.ap);
  lua_pushnumber(L, r.pr_auc);
  lua_pushnumber(L, r.ks);
  lua_pushnumber(L, r.ks_threshold);
  lua_pushnumber(L, r.pos);
  lua_pushnumber(L, r.neg);
  return 7;
}

/* roc_curve(op, y_true, y_score, w, pos_label, drop) -> fpr, tpr, thr */
static int l_roc_curve(lua_State *L) {
  Binary b;
  lua_settop(L, 6);
  int drop = lua_isnil(L, 6) ? 1 : lua_toboolean(L, 6);
  get_binary(L, &b, "y_score");
  double *fps, *tps, *thr;
  int64_t m = clf_curve(L, &b, &fps, &tps, &thr);
  double *fpr = scratch(L, m + 1, sizeof *fpr);
  double *tpr = scratch(L, m + 1, sizeof *tpr);
  double *th = scratch(L, m + 1, sizeof *th);
  int64_t c = metrics_roc_curve(fpr, tpr, th, fps, tps, thr, m, drop);
  push_f64(L, fpr, c);
  push_f64(L, tpr, c);
  push_f64(L, th, c);
  return 3;
}

/* pr_curve(op, y_true, probas_pred, w, pos_label) -> precision, recall,
 * thresholds */
static int l_pr_curve(lua_State *L) {
  Binary b;
  lua_settop(L, 5);
  get_binary(L, &b, "y_score");
  double *fps, *tps, *thr;
  int64_t m = clf_curve(L, &b, &fps, &tps, &thr);
  double *p = scratch(L, m + 1, sizeof *p);
  double *r = scratch(L, m + 1, sizeof *r);
  double *th = scratch(L, m, sizeof *th);
  metrics_pr_curve(p, r, th, fps, tps, thr, m);
  push_f64(L, p, m + 1);
  push_f64(L, r, m + 1);
  push_f64(L, th, m);
  return 3;
}

/* cost_curve(op, y_true, y_score, w, pos_label, n_grid) -> pc, nec, area */
static int l_cost_curve(lua_State *L) {
  Binary b;
  lua_settop(L, 6);
  int64_t G = luaL_checkinteger(L, 6);
  if (G < 2) argerr(L, luaL_checkstring(L, 1), 3, "n_grid must be >= 2");
  get_binary(L, &b, "y_score");
  need_both(L, &b, "the cost curve");
  double *fps, *tps, *thr;
  int64_t m = clf_curve(L, &b, &fps, &tps, &thr);
  double *fpr = scratch(L, m + 1, sizeof *fpr);
  double *tpr = scratch(L, m + 1, sizeof *tpr);
  double *th = scratch(L, m + 1, sizeof *th);
  int64_t c = metrics_roc_curve(fpr, tpr, th, fps, tps, thr, m, 1);
  Tensor *pc = new_vec(L, TENSOR_F64, G);
  Tensor *nec = new_vec(L, TENSOR_F64, G);
  double area;
  credo_status st = metrics_cost_curve(tensor_f64(pc), tensor_f64(nec), &area,
                                       fpr, tpr, c, G);
  if (st != CREDO_OK) return credo_statuserror(L, b.op, st);
  lua_pushnumber(L, area);
  return 3;
}

/* brier(op, y_true, y_prob, w, pos_label) -> score */
static int l_brier(lua_State *L) {
  Binary b;
  lua_settop(L, 5);
  get_binary(L, &b, "y_prob");
  check_unit(L, b.op, 2, "y_prob", b.s, b.n);
  lua_pushnumber(L, metrics_brier(b.ypos, b.s, b.w, b.n));
  return 1;
}

/* The default eps of sklearn 1.2 log_loss ("auto"): the machine epsilon of
 * the probabilities' dtype. */
static double auto_eps(const Tensor *t) {
  return t->dtype == TENSOR_F32 ? (double)FLT_EPSILON : DBL_EPSILON;
}

/* log_loss(op, y_true, y_pred, w, eps) -> loss; y_pred (n) = P(class 1)
 * with 0/1 labels, or (n, k) rows of class probabilities with labels
 * 0..k-1. */
static int l_log_loss(lua_State *L) {
  lua_settop(L, 5);
  const char *op = luaL_checkstring(L, 1);
  const Tensor *ty = check_vec(L, 2, op, 1, "y_true");
  int64_t n = ty->shape[0];
  const Tensor *tp = check_tensor(L, 3, op, 2, "y_pred", 2);
  check_len(L, op, 2, "y_pred", tp, n, "y_true");
  double eps = lua_isnil(L, 5) ? auto_eps(tp) : luaL_checknumber(L, 5);
  if (!(eps >= 0 && eps < 0.5)) argerr(L, op, 3, "eps must be in [0, 0.5)");
  if (tp->ndim == 1) {
    int64_t npos;
    const uint8_t *ypos = get_ypos(L, ty, op, 1, "y_true", 1, &npos);
    const double *p = get_f64(L, tp, op, 2, "y_pred");
    const double *w = get_weights(L, 4, op, 3, n);
    lua_pushnumber(L, metrics_log_loss(ypos, p, w, n, eps));
    return 1;
  }
  int64_t k = tp->shape[1], mx;
  if (k < 2)
    argerr(L, op, 2, "y_pred: expected (n, k) class probabilities with k >= "
           "2, got %I column", (lua_Integer)k);
  const int64_t *y = get_labels(L, ty, op, 1, "y_true", &mx);
  for (int64_t i = 0; i < n; i++)
    if (y[i] >= k)
      argerr(L, op, 1, "y_true has label %I at index %I but y_pred has %I "
             "columns", (lua_Integer)y[i], (lua_Integer)(i + 1),
             (lua_Integer)k);
  if (n > INT64_MAX / k) return luaL_error(L, "not enough memory");
  double *p = scratch(L, n * k, sizeof *p);
  const char *base = (const char *)tensor_data(tp);
  size_t es = tensor_dtype_size(tp->dtype);
  for (int64_t i = 0; i < n; i++)
    for (int64_t c = 0; c < k; c++) {
      const char *e = base + (size_t)(i * tp->stride[0] + c * tp->stride[1]) * es;
      double v = tp->dtype == TENSOR_F32 ? *(const float *)e
                 : tp->dtype == TENSOR_F64 ? *(const double *)e
                                           : (double)*(const int64_t *)e;
      if (!isfinite(v))
        argerr(L, op, 2, "y_pred contains %s at [%I,%I]", isnan(v) ? "NaN" : "inf",
               (lua_Integer)(i + 1), (lua_Integer)(c + 1));
      p[i * k + c] = v;
    }
  const double *w = get_weights(L, 4, op, 3, n);
  lua_pushnumber(L, metrics_log_loss_multi(y, p, w, n, k, eps));
  return 1;
}

/* calibration(op, y_true, y_prob, n_bins, quantile, pos_label) ->
 * prob_true, prob_pred */
static int l_calibration(lua_State *L) {
  Binary b;
  lua_settop(L, 6);
  int64_t bins = luaL_checkinteger(L, 4);
  int quantile = lua_toboolean(L, 5);
  lua_pushnil(L);
  lua_replace(L, 4); /* no weights: the slot get_binary reads */
  lua_pushvalue(L, 6);
  lua_replace(L, 5);
  get_binary(L, &b, "y_prob");
  if (bins < 1) argerr(L, b.op, 3, "n_bins must be >= 1");
  check_unit(L, b.op, 2, "y_prob", b.s, b.n);
  double *pt = scratch(L, bins, sizeof *pt), *pp = scratch(L, bins, sizeof *pp);
  int64_t m;
  credo_status st = metrics_calibration_curve(pt, pp, &m, b.ypos, b.s, b.n,
                                              bins, quantile);
  if (st != CREDO_OK) return credo_statuserror(L, b.op, st);
  push_f64(L, pt, m);
  push_f64(L, pp, m);
  return 2;
}

/* ---- label metrics ---- */

/* A confusion matrix over: the given labels (or pos_label alone for
 * average="binary"), then every other label present in y_true or y_pred
 * in increasing order (sklearn's multilabel_confusion_matrix order). */
typedef struct CM {
  const char *op;
  int64_t n, k, nsel;
  const int64_t *yt, *yp;
  const double *w;
  int64_t *labels; /* (k) label values in matrix order */
  int32_t *map;    /* label value -> index, -1 if absent */
  double *cm;      /* (k, k) */
  double *tp, *pred, *tru; /* (k) class sums in sample order */
} CM;

/* Stack: 1 op, 2 y_true, 3 y_pred, 4 w, 5 labels table or nil; binary >= 0
 * is the pos_label of average="binary". */
static void build_cm(lua_State *L, CM *c, int64_t binary) {
  c->op = luaL_checkstring(L, 1);
  const Tensor *tt = check_vec(L, 2, c->op, 1, "y_true");
  c->n = tt->shape[0];
  const Tensor *tp = check_vec(L, 3, c->op, 2, "y_pred");
  check_len(L, c->op, 2, "y_pred", tp, c->n, "y_true");
  int64_t mt, mp;
  c->yt = get_labels(L, tt, c->op, 1, "y_true", &mt);
  c->yp = get_labels(L, tp, c->op, 2, "y_pred", &mp);
  if (binary >= 0) {
    const char *hint = "for average='binary' (use 'macro', 'weighted' or "
                       "'micro' for more classes)";
    check_binary(L, c->op, 1, "y_true", c->yt, c->n, hint);
    check_binary(L, c->op, 2, "y_pred", c->yp, c->n, hint);
  }
  c->w = get_weights(L, 4, c->op, 3, c->n);
  int64_t ngiven = 0, mx = mt > mp ? mt : mp;
  if (binary >= 0) {
    ngiven = 1;
    if (binary > mx) mx = binary;
  } else if (!lua_isnil(L, 5)) {
    if (!lua_istable(L, 5))
      argerr(L, c->op, 3, "labels: expected a table of class labels, got %s",
             luaL_typename(L, 5));
    ngiven = (int64_t)luaL_len(L, 5);
    if (ngiven == 0) argerr(L, c->op, 3, "labels: expected at least one label");
    for (int64_t i = 1; i <= ngiven; i++) {
      lua_geti(L, 5, i);
      int isint;
      lua_Integer v = lua_tointegerx(L, -1, &isint);
      if (!isint || v < 0 || v > LABEL_MAX)
        argerr(L, c->op, 3, "labels[%I]: expected an integer class label in "
               "0..%d", (lua_Integer)i, LABEL_MAX);
      lua_pop(L, 1);
      if (v > mx) mx = v;
    }
  }
  int64_t M = mx + 1;
  c->map = scratch(L, M, sizeof *c->map);
  uint8_t *present = scratch(L, M, 1);
  memset(present, 0, (size_t)M);
  for (int64_t i = 0; i < M; i++) c->map[i] = -1;
  for (int64_t i = 0; i < c->n; i++) present[c->yt[i]] = present[c->yp[i]] = 1;
  int64_t npresent = 0;
  for (int64_t i = 0; i < M; i++) npresent += present[i];
  c->labels = scratch(L, npresent + ngiven, sizeof *c->labels);
  int64_t k = 0;
  for (int64_t i = 1; i <= ngiven; i++) {
    int64_t v = binary;
    if (binary < 0) {
      lua_geti(L, 5, i);
      v = (int64_t)lua_tointeger(L, -1);
      lua_pop(L, 1);
    }
    if (c->map[v] >= 0)
      argerr(L, c->op, 3, "labels: %I is given twice", (lua_Integer)v);
    c->map[v] = (int32_t)k;
    c->labels[k++] = v;
  }
  c->nsel = k;
  for (int64_t v = 0; v < M; v++)
    if (present[v] && c->map[v] < 0) {
      c->map[v] = (int32_t)k;
      c->labels[k++] = v;
    }
  if (ngiven == 0) c->nsel = k;
  c->k = k;
  c->cm = scratch(L, k * k, sizeof *c->cm);
  metrics_confusion(c->cm, c->yt, c->yp, c->w, c->n, c->map, k);
  c->tp = scratch(L, 3 * k, sizeof(double));
  c->pred = c->tp + k;
  c->tru = c->tp + 2 * k;
  metrics_class_sums(c->tp, c->pred, c->tru, c->yt, c->yp, c->w, c->n, c->map,
                     k);
}

static void push_labels(lua_State *L, const CM *c, int64_t count) {
  lua_createtable(L, (int)count, 0);
  for (int64_t i = 0; i < count; i++) {
    lua_pushinteger(L, c->labels[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

/* confusion_matrix(op, y_true, y_pred, w, labels, normalize) -> matrix,
 * labels.  int64 counts unless weighted or normalised (then float64). */
static int l_confusion_matrix(lua_State *L) {
  lua_settop(L, 6);
  const char *norm = luaL_optstring(L, 6, NULL);
  CM c;
  build_cm(L, &c, -1);
  int64_t s = c.nsel, k = c.k;
  if (!lua_isnil(L, 5)) {
    int any = 0;
    for (int64_t i = 0; i < c.n && !any; i++) {
      int32_t j = c.map[c.yt[i]];
      any = j >= 0 && j < s;
    }
    if (!any)
      argerr(L, c.op, 3, "labels: none of the given labels is present in "
             "y_true");
  }
  int64_t shape[2] = {s, s};
  int as_int = c.w == NULL && norm == NULL;
  double *rows = scratch(L, s, sizeof *rows), *cols = scratch(L, s, sizeof *cols);
  Tensor *t = credo_newtensor(L, as_int ? TENSOR_I64 : TENSOR_F64, 2, shape);
  for (int64_t i = 0; i < s; i++)
    for (int64_t j = 0; j < s; j++) {
      double v = c.cm[i * k + j];
      if (as_int) tensor_i64(t)[i * s + j] = (int64_t)v;
      else tensor_f64(t)[i * s + j] = v;
    }
  if (norm) {
    /* sklearn: cm / cm.sum(axis=1 | 0 | all), then nan_to_num (0/0 -> 0) */
    double *d = tensor_f64(t), all = 0;
    for (int64_t i = 0; i < s * s; i++) all += d[i];
    for (int64_t i = 0; i < s; i++) rows[i] = cols[i] = 0;
    for (int64_t i = 0; i < s; i++)
      for (int64_t j = 0; j < s; j++) {
        rows[i] += d[i * s + j];
        cols[j] += d[i * s + j];
      }
    for (int64_t i = 0; i < s; i++)
      for (int64_t j = 0; j < s; j++) {
        double den = norm[0] == 't' ? rows[i] : norm[0] == 'p' ? cols[j] : all;
        double v = d[i * s + j] / den;
        d[i * s + j] = v == v ? v : 0.0;
      }
  }
  push_labels(L, &c, s);
  return 2;
}

static metrics_average parse_average(lua_State *L, const char *op, int idx) {
  static const char *const names[] = {"none", "binary", "micro", "macro",
                                      "weighted", NULL};
  const char *a = luaL_checkstring(L, idx);
  for (int i = 0; names[i]; i++)
    if (strcmp(a, names[i]) == 0) return (metrics_average)i;
  argerr(L, op, 3, "average must be 'binary', 'micro', 'macro', 'weighted' "
         "or 'none', got '%s'", a);
  return METRICS_AVG_NONE;
}

/* prf(op, y_true, y_pred, w, labels, average, beta, zero_division,
 * pos_label) -> precision, recall, fscore, support, labels.  Numbers, or
 * float64 tensors over the selected labels when average is "none". */
static int l_prf(lua_State *L) {
  lua_settop(L, 9);
  const char *op = luaL_checkstring(L, 1);
  metrics_average avg = parse_average(L, op, 6);
  double beta = luaL_checknumber(L, 7), zd = luaL_checknumber(L, 8);
  int64_t pos = luaL_optinteger(L, 9, 1);
  if (avg == METRICS_AVG_BINARY && pos != 0 && pos != 1)
    argerr(L, op, 3, "pos_label must be 0 or 1");
  CM c;
  build_cm(L, &c, avg == METRICS_AVG_BINARY ? pos : -1);
  if (avg == METRICS_AVG_NONE) {
    Tensor *p = new_vec(L, TENSOR_F64, c.nsel), *r = new_vec(L, TENSOR_F64, c.nsel);
    Tensor *f = new_vec(L, TENSOR_F64, c.nsel), *s = new_vec(L, TENSOR_F64, c.nsel);
    metrics_prf(tensor_f64(p), tensor_f64(r), tensor_f64(f), tensor_f64(s),
                c.tp, c.pred, c.tru, c.nsel, avg, beta, zd);
  } else {
    double p, r, f, s;
    metrics_prf(&p, &r, &f, &s, c.tp, c.pred, c.tru, c.nsel, avg, beta, zd);
    lua_pushnumber(L, p);
    lua_pushnumber(L, r);
    lua_pushnumber(L, f);
    lua_pushnumber(L, s);
  }
  push_labels(L, &c, c.nsel);
  return 5;
}

/* accuracy(op, y_true, y_pred, w) -> fraction */
static int l_accuracy(lua_State *L) {
  lua_settop(L, 4);
  const char *op = luaL_checkstring(L, 1);
  const Tensor *tt = check_vec(L, 2, op, 1, "y_true");
  int64_t n = tt->shape[0], m;
  const Tensor *tp = check_vec(L, 3, op, 2, "y_pred");
  check_len(L, op, 2, "y_pred", tp, n, "y_true");
  const int64_t *yt = get_labels(L, tt, op, 1, "y_true", &m);
  const int64_t *yp = get_labels(L, tp, op, 2, "y_pred", &m);
  const double *w = get_weights(L, 4, op, 3, n);
  lua_pushnumber(L, metrics_accuracy(yt, yp, w, n));
  return 1;
}

/* balanced_accuracy(op, y_true, y_pred, w) -> score, number of classes
 * counted (rows of the confusion matrix with a non-zero sum) */
static int l_balanced_accuracy(lua_State *L) {
  lua_settop(L, 4);
  lua_pushnil(L); /* 5: no labels */
  CM c;
  build_cm(L, &c, -1);
  int64_t rows = 0;
  for (int64_t i = 0; i < c.k; i++) {
    double s = 0;
    for (int64_t j = 0; j < c.k; j++) s += c.cm[i * c.k + j];
    rows += s != 0;
  }
  lua_pushnumber(L, metrics_balanced_accuracy(c.cm, c.k));
  lua_pushinteger(L, rows);
  return 2;
}

/* ---- bootstrap ---- */

static const char *const metric_names[] = {
  "roc_auc", "gini", "average_precision", "pr_auc", "ks_statistic",
  "brier_score", "log_loss", "accuracy", "balanced_accuracy", "precision",
  "recall", "f1", NULL};

/* Strata (CSR) of class indices cls (n) in 0..k-1: members grouped by
 * class in index order. */
static void strata(lua_State *L, const int64_t *cls, int64_t n, int64_t k,
                   int64_t **members, int64_t **offsets) {
  int64_t *off = scratch(L, k + 1, sizeof *off), *mem = scratch(L, n, sizeof *mem);
  for (int64_t c = 0; c <= k; c++) off[c] = 0;
  for (int64_t i = 0; i < n; i++) off[cls[i] + 1]++;
  for (int64_t c = 0; c < k; c++) off[c + 1] += off[c];
  int64_t *fill = scratch(L, k, sizeof *fill);
  for (int64_t c = 0; c < k; c++) fill[c] = off[c];
  for (int64_t i = 0; i < n; i++) mem[fill[cls[i]]++] = i;
  *members = mem;
  *offsets = off;
}

/* Class indices 0..k-1 of labels y (n) in increasing label order. */
static int64_t *class_index(lua_State *L, const int64_t *y, int64_t n,
                            int64_t maxlab, int64_t *k) {
  int64_t *map = scratch(L, maxlab + 1, sizeof *map);
  for (int64_t v = 0; v <= maxlab; v++) map[v] = -1;
  for (int64_t i = 0; i < n; i++) map[y[i]] = 0;
  int64_t c = 0;
  for (int64_t v = 0; v <= maxlab; v++)
    if (map[v] == 0) map[v] = c++;
  int64_t *cls = scratch(L, n, sizeof *cls);
  for (int64_t i = 0; i < n; i++) cls[i] = map[y[i]];
  *k = c;
  return cls;
}

/* bootstrap(op, metric, y_true, y_score_or_pred, w, reps, seed, stratified,
 * eps) -> table of reps values (NaN where undefined).  User arguments:
 * metric #1, y_true #2, score #3, options #4. */
static int l_bootstrap(lua_State *L) {
  lua_settop(L, 9);
  const char *op = luaL_checkstring(L, 1);
  int id = luaL_checkoption(L, 2, NULL, metric_names);
  int64_t reps = luaL_checkinteger(L, 6);
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 7);
  int stratified = lua_toboolean(L, 8);
  if (reps < 1) argerr(L, op, 4, "n must be >= 1");
  const Tensor *tt = check_vec(L, 3, op, 2, "y_true");
  int64_t n = tt->shape[0], mt, mp;
  int labels = id >= METRICS_ID_ACCURACY;
  const char *sname = labels ? "y_pred" : id == METRICS_ID_BRIER ||
                      id == METRICS_ID_LOG_LOSS ? "y_prob" : "y_score";
  const Tensor *ts = check_vec(L, 4, op, 3, sname);
  check_len(L, op, 3, sname, ts, n, "y_true");
  const int64_t *y = get_labels(L, tt, op, 2, "y_true", &mt);
  const int64_t *yp = NULL;
  const double *s = NULL;
  int64_t ncls = 2;
  const int64_t *ycls = y;
  if (labels) {
    yp = get_labels(L, ts, op, 3, "y_pred", &mp);
    if (id >= METRICS_ID_PRECISION) {
      const char *hint = "for a binary metric";
      check_binary(L, op, 2, "y_true", y, n, hint);
      check_binary(L, op, 3, "y_pred", yp, n, hint);
    } else {
      /* accuracy, balanced accuracy: class indices over the labels present
       * in y_true or y_pred */
      int64_t mx = mt > mp ? mt : mp;
      int64_t *map = scratch(L, mx + 1, sizeof *map);
      for (int64_t v = 0; v <= mx; v++) map[v] = -1;
      for (int64_t i = 0; i < n; i++) map[y[i]] = map[yp[i]] = 0;
      int64_t c = 0;
      for (int64_t v = 0; v <= mx; v++)
        if (map[v] == 0) map[v] = c++;
      int64_t *a = scratch(L, n, sizeof *a), *b = scratch(L, n, sizeof *b);
      for (int64_t i = 0; i < n; i++) {
        a[i] = map[y[i]];
        b[i] = map[yp[i]];
      }
      y = ycls = a;
      yp = b;
      ncls = c;
    }
  } else {
    check_binary(L, op, 2, "y_true", y, n, "for a binary metric");
    s = get_f64(L, ts, op, 3, sname);
    if (id == METRICS_ID_BRIER) check_unit(L, op, 3, sname, s, n);
  }
  const double *w = get_weights(L, 5, op, 4, n);
  double eps = lua_isnil(L, 9) ? auto_eps(ts) : luaL_checknumber(L, 9);
  int64_t *members = NULL, *offsets = NULL, k = 0;
  if (stratified) {
    int64_t kk;
    const int64_t *cls = ycls;
    if (!labels || id >= METRICS_ID_PRECISION) cls = class_index(L, y, n, 1, &kk);
    else kk = ncls;
    strata(L, cls, n, kk, &members, &offsets);
    k = kk;
  }
  double *values = scratch(L, reps, sizeof *values);
  credo_status st = metrics_bootstrap(values, (metrics_id)id, y, s, yp, w, n,
                                      ncls, members, offsets, k, seed, reps,
                                      eps);
  if (st != CREDO_OK) return credo_statuserror(L, op, st);
  lua_createtable(L, (int)reps, 0);
  for (int64_t b = 0; b < reps; b++) {
    lua_pushnumber(L, values[b]);
    lua_rawseti(L, -2, b + 1);
  }
  return 1;
}

/* A copy of rows idx (n) of t (1-d or 2-d), same dtype, contiguous. */
static void push_rows(lua_State *L, const Tensor *t, const int64_t *idx,
                      int64_t n) {
  int64_t shape[2] = {n, t->ndim == 2 ? t->shape[1] : 1};
  Tensor *o = credo_newtensor(L, t->dtype, t->ndim, shape);
  size_t es = tensor_dtype_size(t->dtype);
  const char *src = (const char *)tensor_data(t);
  char *dst = (char *)tensor_data(o);
  int64_t cols = shape[1], cs = t->ndim == 2 ? t->stride[1] : 0;
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < cols; j++)
      memcpy(dst + (size_t)(i * cols + j) * es,
             src + (size_t)(idx[i] * t->stride[0] + j * cs) * es, es);
}

/* resample(op, b, seed, stratified, y_true, score, w) -> copies of y_true,
 * score (rows) and w (or nil) for replicate b (0-based), drawn as
 * metrics_bootstrap does.  User arguments: y_true #2, score #3, options #4. */
static int l_resample(lua_State *L) {
  lua_settop(L, 7);
  const char *op = luaL_checkstring(L, 1);
  int64_t b = luaL_checkinteger(L, 2);
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 3);
  int stratified = lua_toboolean(L, 4);
  const Tensor *tt = check_vec(L, 5, op, 2, "y_true");
  int64_t n = tt->shape[0];
  const Tensor *ts = check_tensor(L, 6, op, 3, "y_score", 2);
  check_len(L, op, 3, "y_score", ts, n, "y_true");
  const Tensor *tw = NULL;
  if (!lua_isnil(L, 7)) {
    tw = check_vec(L, 7, op, 4, "sample_weight");
    check_len(L, op, 4, "sample_weight", tw, n, "y_true");
  }
  int64_t *members = NULL, *offsets = NULL, k = 0;
  if (stratified) {
    int64_t mx;
    const int64_t *y = get_labels(L, tt, op, 2, "y_true", &mx);
    const int64_t *cls = class_index(L, y, n, mx, &k);
    strata(L, cls, n, k, &members, &offsets);
  }
  int64_t *idx = scratch(L, n, sizeof *idx);
  metrics_bootstrap_indices(idx, n, members, offsets, k, seed, (uint64_t)b);
  push_rows(L, tt, idx, n);
  push_rows(L, ts, idx, n);
  if (tw) push_rows(L, tw, idx, n);
  else lua_pushnil(L);
  return 3;
}

static const luaL_Reg funcs[] = {
  {"roc_auc", l_roc_auc},
  {"rank", l_rank},
  {"roc_curve", l_roc_curve},
  {"pr_curve", l_pr_curve},
  {"cost_curve", l_cost_curve},
  {"brier", l_brier},
  {"log_loss", l_log_loss},
  {"calibration", l_calibration},
  {"confusion_matrix", l_confusion_matrix},
  {"prf", l_prf},
  {"accuracy", l_accuracy},
  {"balanced_accuracy", l_balanced_accuracy},
  {"bootstrap", l_bootstrap},
  {"resample", l_resample},
  {NULL, NULL}
};

int luaopen_credo_metrics(lua_State *L) {
  luaL_newlib(L, funcs);
  lua_createtable(L, 0, 0);
  for (int i = 0; metric_names[i]; i++) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, metric_names[i]);
  }
  lua_setfield(L, -2, "native_metrics"); /* names bootstrap runs in C */
  return 1;
}
