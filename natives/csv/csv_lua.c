/*
 * csv_lua.c: Lua binding of credo.csv: read/write CSV files (csvio.c) and
 * the column kernels the Lua Frame is built on (frameops.c).
 *
 * credo.csv.read(path [, opts])          -> columns, names
 * credo.csv.write(path, names, columns [, opts])
 * A column is a 1-D tensor (float64 numbers, NaN = missing; int64) or a
 * categorical table {codes = int64 tensor (1-based, 0 = missing),
 * levels = {"a", "b", ...}}.  The other functions (take, slice, which,
 * tolist, fromlist, stats, factorize, count_codes, count_pairs,
 * count_missing, complete, stack, len, dtype) work on 1-D column tensors
 * for stdlib/credo/frame.lua; docs/frame.md lists them.
 *
 * What it is not: the user-facing frame API (that is frame.lua), nor a
 * tensor library: these helpers accept 1-D tensors only.
 */
#include "../common/credo_lua.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "csvio.h"
#include "frameops.h"

#define CSV_TABLE "credo.csv.Table"

/* "bad argument #arg to 'op' (msg)", a Lua error; never returns. */
static int argerr(lua_State *L, int arg, const char *op, const char *fmt,
                  ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return luaL_error(L, "bad argument #%d to '%s' (%s)", arg, op, msg);
}

/* Scratch memory owned by the GC (freed even if we raise). */
static void *scratch(lua_State *L, size_t n, size_t size) {
  size_t bytes;
  if (credo_mul_size(n ? n : 1, size, &bytes))
    luaL_error(L, "not enough memory");
  return lua_newuserdatauv(L, bytes, 0);
}

/* ---- 1-D column views ---- */

typedef struct {
  tensor_dtype dt;
  const char *base;   /* first element */
  int64_t stride;     /* elements */
  int64_t n;
} ColView;

static ColView colview(const Tensor *t) {
  ColView c;
  c.dt = t->dtype;
  c.base = tensor_data(t);
  c.n = t->ndim == 0 ? 1 : t->shape[0];
  c.stride = t->ndim == 0 ? 1 : t->stride[0];
  return c;
}

static double cv_get(const ColView *c, int64_t i) {
  switch (c->dt) {
  case TENSOR_F32: return ((const float *)c->base)[i * c->stride];
  case TENSOR_F64: return ((const double *)c->base)[i * c->stride];
  case TENSOR_I64: return (double)((const int64_t *)c->base)[i * c->stride];
  }
  return 0;
}

static int64_t cv_geti(const ColView *c, int64_t i) {
  return ((const int64_t *)c->base)[i * c->stride];
}

/* Argument i as a 1-D tensor. */
static Tensor *check1d(lua_State *L, int i, const char *op) {
  Tensor *t = credo_checktensor(L, i);
  if (t->ndim != 1) {
    char b[128];
    argerr(L, i, op, "expected a 1-D tensor, got shape %s",
           tensor_shape_str(t, b, sizeof b));
  }
  return t;
}

static Tensor *check1d_i64(lua_State *L, int i, const char *op) {
  Tensor *t = check1d(L, i, op);
  if (t->dtype != TENSOR_I64)
    argerr(L, i, op, "expected an int64 tensor, got %s",
           tensor_dtype_name(t->dtype));
  return t;
}

/* Values of a 1-D tensor as a contiguous double array (GC scratch pushed). */
static double *as_f64(lua_State *L, const Tensor *t, int64_t *n) {
  ColView c = colview(t);
  double *x = scratch(L, (size_t)c.n, sizeof *x);
  for (int64_t i = 0; i < c.n; i++) x[i] = cv_get(&c, i);
  *n = c.n;
  return x;
}

static Tensor *newvec(lua_State *L, tensor_dtype dt, int64_t n) {
  return credo_newtensor(L, dt, 1, &n);
}

/* ---- read ---- */

static int table_gc(lua_State *L) {
  csvio_table *t = luaL_checkudata(L, 1, CSV_TABLE);
  csvio_table_free(t);
  return 0;
}

static unsigned char opt_char(lua_State *L, int arg, const char *op,
                              const char *key, int idx) {
  size_t n = 0;
  const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &n) : NULL;
  if (!s || n != 1 || s[0] == '\n' || s[0] == '\r')
    argerr(L, arg, op, "%s must be a one-character string", key);
  return (unsigned char)s[0];
}

static int opt_bool(lua_State *L, int arg, const char *op, const char *key,
                    int idx) {
  if (!lua_isboolean(L, idx)) argerr(L, arg, op, "%s must be a boolean", key);
  return lua_toboolean(L, idx);
}

static csvio_type type_from_name(const char *s) {
  if (!strcmp(s, "float64") || !strcmp(s, "number")) return CSVIO_F64;
  if (!strcmp(s, "int64")) return CSVIO_I64;
  if (!strcmp(s, "category") || !strcmp(s, "string")) return CSVIO_CAT;
  if (!strcmp(s, "auto")) return CSVIO_AUTO;
  return (csvio_type)-1;
}

/* Fill *o from the options table at arg (absent: defaults).  Pushes one
 * table that anchors the GC scratch arrays the options point into. */
static void read_options(lua_State *L, int arg, csvio_options *o) {
  const char *op = "read_csv";
  csvio_options_default(o);
  lua_newtable(L);
  int anchor = lua_gettop(L);
  if (lua_isnoneornil(L, arg)) return;
  if (!lua_istable(L, arg)) argerr(L, arg, op, "options must be a table");
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
    int v = lua_gettop(L);
    if (!strcmp(key, "header")) {
      o->header = opt_bool(L, arg, op, key, v);
    } else if (!strcmp(key, "delim") || !strcmp(key, "delimiter")) {
      o->delim = opt_char(L, arg, op, key, v);
    } else if (!strcmp(key, "quote")) {
      o->quote = opt_char(L, arg, op, key, v);
    } else if (!strcmp(key, "ragged")) {
      const char *s = lua_type(L, v) == LUA_TSTRING ? lua_tostring(L, v) : "";
      if (!strcmp(s, "error")) o->ragged = CSVIO_RAGGED_ERROR;
      else if (!strcmp(s, "pad")) o->ragged = CSVIO_RAGGED_PAD;
      else if (!strcmp(s, "truncate")) o->ragged = CSVIO_RAGGED_TRUNCATE;
      else argerr(L, arg, op, "ragged must be \"error\", \"pad\" or \"truncate\"");
    } else if (!strcmp(key, "max_field")) {
      if (!lua_isinteger(L, v) || lua_tointeger(L, v) < 1 ||
          lua_tointeger(L, v) > ((lua_Integer)1 << 31))
        argerr(L, arg, op, "max_field must be an integer in 1..2^31");
      o->max_field = (size_t)lua_tointeger(L, v);
    } else if (!strcmp(key, "na_values")) {
      if (!lua_istable(L, v)) argerr(L, arg, op, "na_values must be a list of strings");
      int n = (int)luaL_len(L, v);
      const char **na = scratch(L, (size_t)n, sizeof *na);
      lua_rawseti(L, anchor, 1);
      for (int k = 0; k < n; k++) {
        lua_geti(L, v, k + 1);
        if (lua_type(L, -1) != LUA_TSTRING)
          argerr(L, arg, op, "na_values[%d] must be a string", k + 1);
        na[k] = lua_tostring(L, -1);
        lua_pop(L, 1);
      }
      o->na = na;
      o->n_na = n;
    } else if (!strcmp(key, "types")) {
      if (!lua_istable(L, v)) argerr(L, arg, op, "types must be a table {name = type}");
      int n = 0;
      for (lua_pushnil(L); lua_next(L, v); lua_pop(L, 1)) n++;
      const char **names = scratch(L, (size_t)n, sizeof *names);
      lua_rawseti(L, anchor, 2);
      csvio_type *types = scratch(L, (size_t)n, sizeof *types);
      lua_rawseti(L, anchor, 3);
      int k = 0;
      for (lua_pushnil(L); lua_next(L, v); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
          argerr(L, arg, op, "types must map column names to type names");
        const char *tn = lua_tostring(L, -1);
        csvio_type ty = type_from_name(tn);
        if ((int)ty < 0)
          argerr(L, arg, op, "types.%s: unknown type '%s' (expected float64, "
                             "int64, category or auto)", lua_tostring(L, -2), tn);
        names[k] = lua_tostring(L, -2);
        types[k++] = ty;
      }
      o->type_names = names;
      o->types = types;
      o->n_types = n;
    } else {
      argerr(L, arg, op, "unknown option '%s'", key);
    }
    lua_settop(L, v - 1);  /* keep the key for lua_next */
  }
  if (o->delim == o->quote) argerr(L, arg, op, "delim and quote must differ");
}

/* read(path [, opts]) -> columns, names */
static const char *check_path(lua_State *L, const char *op) {
  if (lua_type(L, 1) != LUA_TSTRING)
    argerr(L, 1, op, "path must be a string, got %s", luaL_typename(L, 1));
  return lua_tostring(L, 1);
}

static int l_read(lua_State *L) {
  const char *path = check_path(L, "read_csv");
  csvio_options o;
  read_options(L, 2, &o);
  csvio_table *t = lua_newuserdatauv(L, sizeof *t, 0);  /* box */
  memset(t, 0, sizeof *t);
  luaL_setmetatable(L, CSV_TABLE);
  credo_status st = csvio_read(t, path, &o);
  if (st == CREDO_EINVAL) return argerr(L, 2, "read_csv", "%s", t->error);
  if (st == CREDO_EFORMAT || st == CREDO_EIO)
    return luaL_error(L, "read_csv: %s", t->error);
  if (st != CREDO_OK) return credo_statuserror(L, "read_csv", st);
  int64_t n = t->nrow;
  lua_createtable(L, t->ncol, 0);                  /* columns */
  lua_createtable(L, t->ncol, 0);                  /* names */
  for (int j = 0; j < t->ncol; j++) {
    lua_pushstring(L, t->cols[j].name);
    lua_rawseti(L, -2, j + 1);
  }
  for (int j = 0; j < t->ncol; j++) {
    csvio_column *c = &t->cols[j];
    if (c->type == CSVIO_F64) {
      Tensor *x = newvec(L, TENSOR_F64, n);
      if (n) memcpy(tensor_data(x), c->f64, (size_t)n * sizeof(double));
    } else if (c->type == CSVIO_I64) {
      Tensor *x = newvec(L, TENSOR_I64, n);
      if (n) memcpy(tensor_data(x), c->i64, (size_t)n * sizeof(int64_t));
    } else {
      lua_createtable(L, 0, 2);
      Tensor *x = newvec(L, TENSOR_I64, n);
      if (n) memcpy(tensor_data(x), c->i64, (size_t)n * sizeof(int64_t));
      lua_setfield(L, -2, "codes");
      lua_createtable(L, (int)c->nlevels, 0);
      for (int64_t k = 0; k < c->nlevels; k++) {
        lua_pushstring(L, c->levels[k]);
        lua_rawseti(L, -2, k + 1);
      }
      lua_setfield(L, -2, "levels");
    }
    lua_rawseti(L, -3, j + 1);                     /* columns[j+1] = col */
    csvio_column_free(c);                          /* keep the peak low */
  }
  csvio_table_free(t);
  return 2;
}

/* ---- write ---- */

/* write(path, names, columns [, opts]) */
static int l_write(lua_State *L) {
  const char *op = "write_csv";
  const char *path = check_path(L, op);
  if (!lua_istable(L, 2)) argerr(L, 2, op, "names must be a list of strings");
  if (!lua_istable(L, 3)) argerr(L, 3, op, "columns must be a list");
  csvio_woptions o;
  csvio_woptions_default(&o);
  if (!lua_isnoneornil(L, 4)) {
    if (!lua_istable(L, 4)) argerr(L, 4, op, "options must be a table");
    for (lua_pushnil(L); lua_next(L, 4); lua_pop(L, 1)) {
      const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
      int v = lua_gettop(L);
      if (!strcmp(key, "header")) o.header = opt_bool(L, 4, op, key, v);
      else if (!strcmp(key, "delim") || !strcmp(key, "delimiter"))
        o.delim = opt_char(L, 4, op, key, v);
      else if (!strcmp(key, "quote")) o.quote = opt_char(L, 4, op, key, v);
      else if (!strcmp(key, "na")) {
        if (lua_type(L, v) != LUA_TSTRING) argerr(L, 4, op, "na must be a string");
        o.na = lua_tostring(L, v);
      } else argerr(L, 4, op, "unknown option '%s'", key);
    }
    if (o.delim == o.quote) argerr(L, 4, op, "delim and quote must differ");
    /* the missing-value text is written unquoted: it must read back as one
     * field (and as itself, so it cannot be a quoted or multi-line text) */
    for (const char *c = o.na; *c; c++)
      if (*c == o.delim || *c == o.quote || *c == '\n' || *c == '\r')
        argerr(L, 4, op, "na must not contain the delimiter, the quote or a line break "
                         "(got \"%s\")", o.na);
  }
  int ncol = (int)luaL_len(L, 3);
  if ((int)luaL_len(L, 2) != ncol)
    argerr(L, 2, op, "%d names for %d columns", (int)luaL_len(L, 2), ncol);
  csvio_wcolumn *cols = scratch(L, (size_t)ncol, sizeof *cols);
  int anchor = lua_gettop(L) + 1;
  lua_createtable(L, ncol, 0);    /* keeps the level arrays alive */
  int64_t nrow = -1;
  for (int j = 0; j < ncol; j++) {
    csvio_wcolumn *c = &cols[j];
    lua_geti(L, 2, j + 1);
    if (lua_type(L, -1) != LUA_TSTRING) argerr(L, 2, op, "names[%d] must be a string", j + 1);
    c->name = lua_tostring(L, -1);
    lua_pop(L, 1);
    lua_geti(L, 3, j + 1);
    Tensor *t = credo_testtensor(L, -1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "codes");
      t = credo_testtensor(L, -1);
      lua_pop(L, 1);
      if (!t || t->dtype != TENSOR_I64)
        argerr(L, 3, op, "column %d ('%s'): codes must be an int64 tensor", j + 1, c->name);
      lua_getfield(L, -1, "levels");
      if (!lua_istable(L, -1))
        argerr(L, 3, op, "column %d ('%s'): levels must be a list of strings", j + 1, c->name);
      int nl = (int)luaL_len(L, -1);
      const char **lv = scratch(L, (size_t)nl, sizeof *lv);
      lua_rawseti(L, anchor, j + 1);
      for (int k = 0; k < nl; k++) {
        lua_geti(L, -1, k + 1);
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (lua_type(L, -1) != LUA_TSTRING || strlen(s) != len)
          argerr(L, 3, op, "column %d ('%s'): level %d must be a string without NUL bytes",
                 j + 1, c->name, k + 1);
        lv[k] = s;  /* alive: the levels table holds it */
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
      c->type = CSVIO_CAT;
      c->levels = lv;
      c->nlevels = nl;
    } else if (t) {
      c->type = t->dtype == TENSOR_F64 ? CSVIO_F64
                : t->dtype == TENSOR_F32 ? CSVIO_F32 : CSVIO_I64;
    } else {
      argerr(L, 3, op, "column %d ('%s') must be a tensor or a categorical "
                       "table {codes, levels}", j + 1, c->name);
    }
    if (t->ndim != 1 || t->storage == NULL)
      argerr(L, 3, op, "column %d ('%s') must be 1-D", j + 1, c->name);
    if (nrow >= 0 && t->shape[0] != nrow)
      argerr(L, 3, op, "column %d ('%s') has %d rows, column 1 has %d", j + 1,
             c->name, (int)t->shape[0], (int)nrow);
    nrow = t->shape[0];
    c->data = tensor_data(t);
    c->stride = t->stride[0];
    lua_pop(L, 1);
  }
  if (nrow < 0) nrow = 0;
  char err[600];
  credo_status st = csvio_write(path, cols, ncol, nrow, &o, err, sizeof err);
  if (st == CREDO_EINVAL) return argerr(L, 3, op, "%s", err);
  if (st == CREDO_EIO) return luaL_error(L, "%s: %s", op, err);
  if (st != CREDO_OK) return credo_statuserror(L, op, st);
  return 0;
}

/* ---- column kernels for the Frame ---- */

/* len(t) -> number of elements of a 1-D tensor */
static int l_len(lua_State *L) {
  lua_pushinteger(L, check1d(L, 1, "len")->shape[0]);
  return 1;
}

/* dtype(t) -> "float32" | "float64" | "int64" */
static int l_dtype(lua_State *L) {
  lua_pushstring(L, tensor_dtype_name(credo_checktensor(L, 1)->dtype));
  return 1;
}

/* take(t, idx) -> t[idx] (1-based int64 indices), a new tensor */
static int l_take(lua_State *L) {
  Tensor *t = check1d(L, 1, "take");
  Tensor *ix = check1d_i64(L, 2, "take");
  ColView c = colview(t), ic = colview(ix);
  for (int64_t k = 0; k < ic.n; k++) {
    int64_t i = cv_geti(&ic, k);
    if (i < 1 || i > c.n)
      return argerr(L, 2, "take", "index %I at position %I is out of range 1..%I",
                    (lua_Integer)i, (lua_Integer)k + 1, (lua_Integer)c.n);
  }
  Tensor *out = newvec(L, t->dtype, ic.n);
  char *o = tensor_data(out);
  const int64_t *ix0 = (const int64_t *)ic.base;
  /* fixed-size memcpy: one load and store, no aliasing questions */
  if (tensor_dtype_size(t->dtype) == 8) {
    for (int64_t k = 0; k < ic.n; k++)
      memcpy(o + 8 * k, c.base + 8 * (ix0[k * ic.stride] - 1) * c.stride, 8);
  } else {
    for (int64_t k = 0; k < ic.n; k++)
      memcpy(o + 4 * k, c.base + 4 * (ix0[k * ic.stride] - 1) * c.stride, 4);
  }
  return 1;
}

/* slice(t, first, last) -> copy of t[first..last] (1-based, inclusive) */
static int l_slice(lua_State *L) {
  Tensor *t = check1d(L, 1, "slice");
  lua_Integer a = luaL_checkinteger(L, 2), b = luaL_checkinteger(L, 3);
  int64_t n = t->shape[0];
  if (a < 1 || a > n + 1) return argerr(L, 2, "slice", "first %I out of range 1..%I", a, (lua_Integer)n + 1);
  if (b < a - 1 || b > n) return argerr(L, 3, "slice", "last %I out of range %I..%I", b, a - 1, (lua_Integer)n);
  ColView c = colview(t);
  Tensor *out = newvec(L, t->dtype, b - a + 1);
  size_t es = tensor_dtype_size(t->dtype);
  char *o = tensor_data(out);
  const char *from = c.base + (size_t)((a - 1) * c.stride) * es;
  if (c.stride == 1) {
    if (b >= a) memcpy(o, from, (size_t)(b - a + 1) * es);
  } else {
    for (int64_t k = 0; k < b - a + 1; k++)
      memcpy(o + (size_t)k * es, from + (size_t)(k * c.stride) * es, es);
  }
  return 1;
}

/* which(mask) -> int64 1-based positions where mask is non-zero */
static int l_which(lua_State *L) {
  Tensor *t = check1d(L, 1, "which");
  ColView c = colview(t);
  int64_t m = 0;
  for (int64_t i = 0; i < c.n; i++) {
    double v = cv_get(&c, i);
    if (isnan(v)) return argerr(L, 1, "which", "mask has NaN at position %I", (lua_Integer)i + 1);
    m += v != 0;
  }
  Tensor *out = newvec(L, TENSOR_I64, m);
  int64_t *o = tensor_i64(out), k = 0;
  for (int64_t i = 0; i < c.n; i++)
    if (cv_get(&c, i) != 0) o[k++] = i + 1;
  return 1;
}

/* tolist(t [, first [, last]]) -> {values} (int64 as integers) */
static int l_tolist(lua_State *L) {
  Tensor *t = check1d(L, 1, "tolist");
  int64_t n = t->shape[0];
  lua_Integer a = luaL_optinteger(L, 2, 1), b = luaL_optinteger(L, 3, n);
  if (a < 1) a = 1;
  if (b > n) b = n;
  ColView c = colview(t);
  lua_createtable(L, b >= a ? (int)(b - a + 1) : 0, 0);
  for (lua_Integer i = a; i <= b; i++) {
    if (t->dtype == TENSOR_I64) lua_pushinteger(L, cv_geti(&c, i - 1));
    else lua_pushnumber(L, cv_get(&c, i - 1));
    lua_rawseti(L, -2, i - a + 1);
  }
  return 1;
}

/* fromlist(list, dtype [, n]) -> 1-D tensor; nil entries are NaN */
static int l_fromlist(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  tensor_dtype dt = credo_optdtype(L, 2, TENSOR_F64);
  lua_Integer n = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1));
  luaL_argcheck(L, n >= 0, 3, "length must be >= 0");
  Tensor *t = newvec(L, dt, n);
  for (lua_Integer i = 1; i <= n; i++) {
    int ty = lua_geti(L, 1, i);
    if (ty == LUA_TNIL && dt != TENSOR_I64) {
      tensor_set_flat(t, i - 1, NAN);
    } else if (ty == LUA_TNUMBER) {
      if (dt == TENSOR_I64) {
        lua_Integer v;
        if (!lua_isinteger(L, -1)) {
          double d = lua_tonumber(L, -1);
          if (!(d == floor(d) && fabs(d) < 9.2e18))
            return argerr(L, 1, "fromlist", "element %I (%f) is not an integer", i, d);
          v = (lua_Integer)d;
        } else v = lua_tointeger(L, -1);
        tensor_i64(t)[i - 1] = v;
      } else {
        tensor_set_flat(t, i - 1, lua_tonumber(L, -1));
      }
    } else {
      return argerr(L, 1, "fromlist", "element %I must be a number, got %s", i,
                    luaL_typename(L, -1));
    }
    lua_pop(L, 1);
  }
  return 1;
}

/* stats(t) -> {count, missing, mean, std, min, q25, q50, q75, max} */
static int l_stats(lua_State *L) {
  Tensor *t = check1d(L, 1, "stats");
  int64_t n;
  double *x = as_f64(L, t, &n);
  uint64_t *s = scratch(L, 2 * (size_t)n, sizeof *s);
  frame_stats st;
  frame_describe_f64(&st, x, n, s);
  lua_createtable(L, 0, 9);
  lua_pushinteger(L, st.count); lua_setfield(L, -2, "count");
  lua_pushinteger(L, st.missing); lua_setfield(L, -2, "missing");
  lua_pushnumber(L, st.mean); lua_setfield(L, -2, "mean");
  lua_pushnumber(L, st.std); lua_setfield(L, -2, "std");
  lua_pushnumber(L, st.min); lua_setfield(L, -2, "min");
  lua_pushnumber(L, st.q25); lua_setfield(L, -2, "q25");
  lua_pushnumber(L, st.q50); lua_setfield(L, -2, "q50");
  lua_pushnumber(L, st.q75); lua_setfield(L, -2, "q75");
  lua_pushnumber(L, st.max); lua_setfield(L, -2, "max");
  return 1;
}

/* factorize(t) -> codes (int64, 1-based, 0 = NaN), levels (float64, sorted) */
static int l_factorize(lua_State *L) {
  Tensor *t = check1d(L, 1, "factorize");
  int64_t n;
  double *x = as_f64(L, t, &n);
  uint64_t *s = scratch(L, 4 * (size_t)n, sizeof *s);
  double *lv = scratch(L, (size_t)n, sizeof *lv);
  Tensor *codes = newvec(L, TENSOR_I64, n);
  int64_t k = frame_factorize_f64(tensor_i64(codes), lv, x, n, s);
  Tensor *levels = newvec(L, TENSOR_F64, k);
  if (k) memcpy(tensor_f64(levels), lv, (size_t)k * sizeof *lv);
  return 2;
}

/* Check codes (1-D int64) are within 0..nlevels. */
static ColView check_codes(lua_State *L, int i, lua_Integer nlev, const char *op) {
  ColView c = colview(check1d_i64(L, i, op));
  for (int64_t k = 0; k < c.n; k++) {
    int64_t v = cv_geti(&c, k);
    if (v < 0 || v > nlev)
      argerr(L, i, op, "code %I at position %I is out of range 0..%I",
             (lua_Integer)v, (lua_Integer)k + 1, nlev);
  }
  return c;
}

/* count_codes(codes, nlevels) -> counts (int64, nlevels), missing */
static int l_count_codes(lua_State *L) {
  lua_Integer nlev = luaL_checkinteger(L, 2);
  luaL_argcheck(L, nlev >= 0, 2, "nlevels must be >= 0");
  ColView c = check_codes(L, 1, nlev, "count_codes");
  Tensor *out = newvec(L, TENSOR_I64, nlev);
  int64_t *o = tensor_i64(out), miss = 0;
  for (int64_t k = 0; k < c.n; k++) {
    int64_t v = cv_geti(&c, k);
    if (v) o[v - 1]++;
    else miss++;
  }
  lua_pushinteger(L, miss);
  return 2;
}

/* count_pairs(c1, n1, c2, n2) -> a, b, counts: the (a, b) code pairs with
 * neither missing, in ascending order, and how often each occurs */
static int l_count_pairs(lua_State *L) {
  lua_Integer n1 = luaL_checkinteger(L, 2), n2 = luaL_checkinteger(L, 4);
  luaL_argcheck(L, n1 >= 0 && n1 < ((lua_Integer)1 << 31), 2, "nlevels must be in 0..2^31");
  luaL_argcheck(L, n2 >= 0 && n2 < ((lua_Integer)1 << 31), 4, "nlevels must be in 0..2^31");
  ColView a = check_codes(L, 1, n1, "count_pairs");
  ColView b = check_codes(L, 3, n2, "count_pairs");
  if (a.n != b.n) return argerr(L, 3, "count_pairs", "%I codes, expected %I", (lua_Integer)b.n, (lua_Integer)a.n);
  int64_t *key = scratch(L, (size_t)a.n, sizeof *key), m = 0;
  for (int64_t i = 0; i < a.n; i++) {
    int64_t x = cv_geti(&a, i), y = cv_geti(&b, i);
    if (x && y) key[m++] = (x - 1) * n2 + (y - 1);
  }
  uint64_t *s = scratch(L, 2 * (size_t)m, sizeof *s);
  int64_t *u = scratch(L, (size_t)m, sizeof *u);
  int64_t *cnt = scratch(L, (size_t)m, sizeof *cnt);
  int64_t k = frame_unique_counts_i64(u, cnt, key, m, s);
  int64_t *oa = tensor_i64(newvec(L, TENSOR_I64, k));
  int64_t *ob = tensor_i64(newvec(L, TENSOR_I64, k));
  int64_t *oc = tensor_i64(newvec(L, TENSOR_I64, k));
  for (int64_t i = 0; i < k; i++) {
    oa[i] = u[i] / n2 + 1;
    ob[i] = u[i] % n2 + 1;
    oc[i] = cnt[i];
  }
  return 3;
}

/* Push the tensor of a column argument (tensor, or categorical table's
 * codes); *codes says whether 0 means missing. */
static Tensor *column_arg(lua_State *L, int idx, int *codes, const char *op,
                          int arg, int pos) {
  Tensor *t = credo_testtensor(L, idx);
  *codes = 0;
  if (!t && lua_istable(L, idx)) {
    lua_getfield(L, idx, "codes");
    t = credo_testtensor(L, -1);
    lua_pop(L, 1);
    *codes = 1;
    if (t && t->dtype != TENSOR_I64) t = NULL;
  }
  if (!t || t->ndim != 1 || !t->storage)
    argerr(L, arg, op, "column %d must be a 1-D tensor or {codes = int64 tensor}", pos);
  return t;
}

/* count_missing(column) -> NaN count (float) or zero codes (categorical) */
static int l_count_missing(lua_State *L) {
  int codes;
  Tensor *t = column_arg(L, 1, &codes, "count_missing", 1, 1);
  ColView c = colview(t);
  int64_t m = 0;
  if (codes) {
    for (int64_t i = 0; i < c.n; i++) m += cv_geti(&c, i) == 0;
  } else if (t->dtype != TENSOR_I64) {
    for (int64_t i = 0; i < c.n; i++) m += isnan(cv_get(&c, i));
  }
  lua_pushinteger(L, m);
  return 1;
}

/* complete({columns}) -> int64 1-based rows where no column is missing */
static int l_complete(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_pushnil(L);     /* index 2: scratch, once the row count is known */
  int k = (int)luaL_len(L, 1);
  int64_t n = -1;
  unsigned char *bad = NULL;
  for (int j = 1; j <= k; j++) {
    lua_geti(L, 1, j);
    int codes;
    Tensor *t = column_arg(L, -1, &codes, "complete", 1, j);
    ColView c = colview(t);
    if (n < 0) {
      n = c.n;
      bad = scratch(L, (size_t)n, 1);
      lua_replace(L, 2);  /* keep the scratch at index 2 */
      memset(bad, 0, (size_t)(n ? n : 1));
    } else if (c.n != n) {
      return argerr(L, 1, "complete", "column %d has %I rows, expected %I", j,
                    (lua_Integer)c.n, (lua_Integer)n);
    }
    if (codes) {
      for (int64_t i = 0; i < n; i++) bad[i] |= cv_geti(&c, i) == 0;
    } else if (t->dtype != TENSOR_I64) {
      for (int64_t i = 0; i < n; i++) bad[i] |= isnan(cv_get(&c, i));
    }
    lua_pop(L, 1);
  }
  if (n < 0) n = 0;
  int64_t m = 0;
  for (int64_t i = 0; i < n; i++) m += !bad[i];
  Tensor *out = newvec(L, TENSOR_I64, m);
  int64_t *o = tensor_i64(out), q = 0;
  for (int64_t i = 0; i < n; i++)
    if (!bad[i]) o[q++] = i + 1;
  return 1;
}

/* stack({columns}, dtype [, {names}]) -> (n, k) tensor, column j from
 * columns[j]; categorical codes become numbers (missing: NaN). */
static int l_stack(lua_State *L) {
  const char *op = "to_tensor";
  luaL_checktype(L, 1, LUA_TTABLE);
  tensor_dtype dt = credo_optdtype(L, 2, TENSOR_F32);
  int k = (int)luaL_len(L, 1);
  int64_t n = -1;
  for (int j = 1; j <= k; j++) {
    lua_geti(L, 1, j);
    int codes;
    Tensor *t = column_arg(L, -1, &codes, op, 1, j);
    if (n < 0) n = t->shape[0];
    else if (t->shape[0] != n)
      return argerr(L, 1, op, "column %d has %I rows, expected %I", j,
                    (lua_Integer)t->shape[0], (lua_Integer)n);
    lua_pop(L, 1);
  }
  if (n < 0) n = 0;
  int64_t shape[2] = {n, k};
  Tensor *out = credo_newtensor(L, dt, 2, shape);
  int oi = lua_gettop(L);
  double *o64 = dt == TENSOR_F64 ? tensor_f64(out) : NULL;
  float *o32 = dt == TENSOR_F32 ? tensor_f32(out) : NULL;
  int64_t *oi64 = dt == TENSOR_I64 ? tensor_i64(out) : NULL;
  for (int j = 1; j <= k; j++) {
    lua_geti(L, 1, j);
    int codes;
    Tensor *t = column_arg(L, -1, &codes, op, 1, j);
    ColView c = colview(t);
    int64_t col = j - 1;
    if (t->dtype == TENSOR_I64) {
      const int64_t *x = (const int64_t *)c.base;
      for (int64_t i = 0; i < n; i++) {
        int64_t v = x[i * c.stride];
        double d = codes && v == 0 ? NAN : (double)v;
        if (oi64) oi64[i * k + col] = v;
        else if (o64) o64[i * k + col] = d;
        else o32[i * k + col] = (float)d;
      }
    } else if (t->dtype == TENSOR_F64 && o64) {
      const double *x = (const double *)c.base;
      for (int64_t i = 0; i < n; i++) o64[i * k + col] = x[i * c.stride];
    } else if (t->dtype == TENSOR_F64 && o32) {
      const double *x = (const double *)c.base;
      for (int64_t i = 0; i < n; i++) o32[i * k + col] = (float)x[i * c.stride];
    } else {
      for (int64_t i = 0; i < n; i++) {
        double d = cv_get(&c, i);
        if (o64) o64[i * k + col] = d;
        else if (o32) o32[i * k + col] = (float)d;
        else {
          if (!(d == floor(d) && fabs(d) < 9.2e18)) {
            const char *name = "?";
            if (lua_istable(L, 3)) {
              lua_geti(L, 3, j);
              name = lua_tostring(L, -1) ? lua_tostring(L, -1) : "?";
            }
            return argerr(L, 1, op, "column '%s' has the non-integer value %f "
                          "in row %I; int64 needs integers", name, d,
                          (lua_Integer)i + 1);
          }
          oi64[i * k + col] = (int64_t)d;
        }
      }
    }
    lua_pop(L, 1);
  }
  lua_settop(L, oi);
  return 1;
}

static const luaL_Reg funcs[] = {
  {"read", l_read},
  {"write", l_write},
  {"len", l_len},
  {"dtype", l_dtype},
  {"take", l_take},
  {"slice", l_slice},
  {"which", l_which},
  {"tolist", l_tolist},
  {"fromlist", l_fromlist},
  {"stats", l_stats},
  {"factorize", l_factorize},
  {"count_codes", l_count_codes},
  {"count_pairs", l_count_pairs},
  {"count_missing", l_count_missing},
  {"complete", l_complete},
  {"stack", l_stack},
  {NULL, NULL}
};

static const luaL_Reg table_meta[] = {
  {"__gc", table_gc}, {"__close", table_gc}, {NULL, NULL}};

int luaopen_credo_csv(lua_State *L) {
  luaL_newmetatable(L, CSV_TABLE);
  luaL_setfuncs(L, table_meta, 0);
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
