/*
 * random_lua.c: Lua binding of credo.random (the core is rng.c).
 *
 * One userdata type, the Generator (metatable "credo.Generator": an Rng
 * plus the seed it was made from, which names its family of streams), and
 * module functions that draw from a per-state global generator (seed 0
 * until credo.seed(n)) unless given a trailing {generator = g} or g.
 * Every drawing function is both a method, g:rand(3, 4), and a module
 * function, credo.rand(3, 4, {generator = g}); argument numbers in errors
 * count the caller's arguments (after self for a method).
 *
 * This file checks arguments and shapes tensors; the drawing is the core's.
 * It refuses hidden entropy: nothing here reads the clock or /dev/urandom.
 */
#include "../common/credo_lua.h"
#include "rng.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#define STATE_ALGORITHM "xoshiro256**"

typedef struct Generator {
  Rng rng;
  uint64_t seed;  /* the seed it came from; stream(i) derives from it */
} Generator;

static char global_key;  /* registry[&global_key] = the global Generator */

static Generator *pushgen(lua_State *L, uint64_t seed) {
  Generator *g = (Generator *)lua_newuserdatauv(L, sizeof(Generator), 0);
  g->seed = seed;
  rng_seed(&g->rng, seed);
  luaL_setmetatable(L, CREDO_GENERATOR);
  return g;
}

/* The global generator (anchored in the registry, so the pointer stays
 * valid after the pop). */
static Generator *globalgen(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &global_key);
  Generator *g = (Generator *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  return g;
}

/* ---- calls and argument checks ---- */

/* One call: its name, its generator, and the positional arguments
 * first..last left after removing the receiver (g:f(...)) or the trailing
 * options (a Generator, or a table that is not a sequence:
 * {generator = g, ...}); opts is the options table's index or 0. */
typedef struct Call {
  const char *op;
  Generator *g;
  int first, last, opts;
} Call;

/* "bad argument #n to 'op' (msg)", n counting the caller's arguments.
 * Never returns. */
static int argerr(lua_State *L, const Call *c, int i, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return luaL_error(L, "bad argument #%d to '%s' (%s)", i - c->first + 1,
                    c->op, msg);
}

static const char *typename_at(lua_State *L, const Call *c, int i) {
  return i > c->last ? "no value" : luaL_typename(L, i);
}

static int absent(lua_State *L, const Call *c, int i) {
  return i > c->last || lua_isnil(L, i);
}

static lua_Integer getint(lua_State *L, const Call *c, int i) {
  int isint;
  lua_Integer v = i > c->last ? 0 : lua_tointegerx(L, i, &isint);
  if (i > c->last || !isint) {
    if (i <= c->last && lua_type(L, i) == LUA_TNUMBER)
      argerr(L, c, i, "number has no integer representation");
    argerr(L, c, i, "number expected, got %s", typename_at(L, c, i));
  }
  return v;
}

static double getnum(lua_State *L, const Call *c, int i) {
  if (i > c->last || lua_type(L, i) != LUA_TNUMBER)
    argerr(L, c, i, "number expected, got %s", typename_at(L, c, i));
  return lua_tonumber(L, i);
}

/* A finite number, or def when absent/nil. */
static double optfinite(lua_State *L, const Call *c, int i, double def) {
  if (absent(L, c, i)) return def;
  double v = getnum(L, c, i);
  if (isnan(v)) argerr(L, c, i, "expected a finite number, got NaN");
  if (isinf(v)) argerr(L, c, i, "expected a finite number, got %f", v);
  return v;
}

static Tensor *gettensor(lua_State *L, const Call *c, int i) {
  Tensor *t = i > c->last ? NULL : credo_testtensor(L, i);
  if (!t) argerr(L, c, i, "tensor expected, got %s", typename_at(L, c, i));
  if (!t->storage) argerr(L, c, i, "tensor has been freed");
  return t;
}

static Generator *getself(lua_State *L, const char *op) {
  Generator *g = (Generator *)luaL_testudata(L, 1, CREDO_GENERATOR);
  if (!g)
    luaL_error(L, "calling '%s' on bad self (credo.Generator expected, got %s)",
               op, luaL_typename(L, 1));
  return g;
}

static int is_options(lua_State *L, int i) {
  if (luaL_testudata(L, i, CREDO_GENERATOR)) return 1;
  if (lua_type(L, i) != LUA_TTABLE) return 0;
  int seq = lua_rawgeti(L, i, 1) != LUA_TNIL;
  lua_pop(L, 1);
  return !seq;
}

/* Work out a call: method or function, options, generator.  `allowed`
 * lists the option names op accepts besides "generator" (NULL-ended). */
static Call resolve(lua_State *L, const char *op, const char *const *allowed) {
  Call c = {op, NULL, 1, lua_gettop(L), 0};
  int method = luaL_testudata(L, 1, CREDO_GENERATOR) != NULL;
  if (method) {
    c.g = (Generator *)lua_touserdata(L, 1);
    c.first = 2;
  }
  if (c.last < c.first || !is_options(L, c.last)) {
    if (!c.g) c.g = globalgen(L);
    return c;
  }
  int i = c.last--;
  if (lua_isuserdata(L, i)) {
    if (method) argerr(L, &c, i, "a method call already has its generator");
    c.g = (Generator *)lua_touserdata(L, i);
    return c;
  }
  c.opts = i;
  lua_pushnil(L);
  while (lua_next(L, i)) {  /* every key must be a known option */
    lua_pop(L, 1);
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    int ok = k && !strcmp(k, "generator");
    for (const char *const *a = allowed; k && a && *a && !ok; a++)
      ok = !strcmp(k, *a);
    if (!ok)
      argerr(L, &c, i, k ? "unknown option '%s'" : "unknown option of type %s",
             k ? k : luaL_typename(L, -1));
  }
  if (lua_getfield(L, i, "generator") != LUA_TNIL) {
    if (method) argerr(L, &c, i, "a method call already has its generator");
    c.g = (Generator *)luaL_testudata(L, -1, CREDO_GENERATOR);
    if (!c.g) argerr(L, &c, i, "option 'generator' must be a credo.Generator");
  }
  lua_pop(L, 1);
  if (!c.g) c.g = globalgen(L);
  return c;
}

/* An optional dtype name at c->last (consumed if present). */
static tensor_dtype trailingdtype(lua_State *L, Call *c, int from,
                                  tensor_dtype def) {
  if (c->last < from || lua_type(L, c->last) != LUA_TSTRING) return def;
  const char *s = lua_tostring(L, c->last);
  int dt = tensor_dtype_from_name(s);
  if (dt < 0)
    argerr(L, c, c->last, "unknown dtype '%s' (expected float32, float64 or "
                          "int64)", s);
  c->last--;
  return (tensor_dtype)dt;
}

/* Sizes from arguments first..c->last: integers, or one table of them.
 * Returns ndim and fills shape. */
static int getsizes(lua_State *L, const Call *c, int first, int64_t *shape) {
  int ndim = 0;
  if (first == c->last && lua_type(L, first) == LUA_TTABLE) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, first);
    if (n > TENSOR_MAXDIM)
      argerr(L, c, first, "at most %d dimensions, got %I", TENSOR_MAXDIM, n);
    for (int d = 0; d < (int)n; d++) {
      lua_rawgeti(L, first, d + 1);
      int isint;
      lua_Integer v = lua_tointegerx(L, -1, &isint);
      lua_pop(L, 1);
      if (!isint || v < 0)
        argerr(L, c, first, "size %d must be a non-negative integer", d + 1);
      shape[ndim++] = v;
    }
    return ndim;
  }
  if (c->last - first + 1 > TENSOR_MAXDIM)
    argerr(L, c, first + TENSOR_MAXDIM, "at most %d dimensions", TENSOR_MAXDIM);
  for (int i = first; i <= c->last; i++) {
    lua_Integer v = getint(L, c, i);
    if (v < 0) argerr(L, c, i, "size must be non-negative, got %I", v);
    shape[ndim++] = v;
  }
  return ndim;
}

/* Row i of t as a temporary view (dimension 1 fixed at i).  It shares t's
 * storage without a reference: use it only while t is alive, never
 * release it. */
static Tensor rowview(const Tensor *t, int64_t i) {
  Tensor v = *t;
  v.offset += i * t->stride[0];
  v.ndim = t->ndim - 1;
  for (int d = 0; d < v.ndim; d++) {
    v.shape[d] = t->shape[d + 1];
    v.stride[d] = t->stride[d + 1];
  }
  return v;
}

static void check(lua_State *L, const Call *c, credo_status st) {
  if (st != CREDO_OK) credo_statuserror(L, c->op, st);
}

/* ---- the Generator ---- */

static int l_Generator(lua_State *L) {
  Call c = {"Generator", NULL, 1, lua_gettop(L), 0};
  pushgen(L, (uint64_t)getint(L, &c, 1));
  return 1;
}

/* g:seed(n) / credo.seed(n): reseed; returns the generator. */
static int l_seed(lua_State *L) {
  Call c = resolve(L, "seed", NULL);
  uint64_t s = (uint64_t)getint(L, &c, c.first);
  c.g->seed = s;
  rng_seed(&c.g->rng, s);
  if (c.first == 2) lua_pushvalue(L, 1);
  else lua_rawgetp(L, LUA_REGISTRYINDEX, &global_key);
  return 1;
}

static int l_get_generator(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &global_key);
  return 1;
}

/* g:stream(i): the generator of item i of g's seed (rng_stream), whatever
 * g has drawn so far. */
static int l_stream(lua_State *L) {
  Generator *g = getself(L, "stream");
  Call c = {"stream", g, 2, lua_gettop(L), 0};
  uint64_t index = (uint64_t)getint(L, &c, 2);
  pushgen(L, rng_stream_seed(g->seed, index));
  return 1;
}

static int l_clone(lua_State *L) {
  Generator *g = getself(L, "clone");
  Generator *h = pushgen(L, g->seed);
  h->rng = g->rng;
  return 1;
}

/* {algorithm = "xoshiro256**", seed = s, state = {s0, s1, s2, s3}}: the
 * words as Lua integers (the bits of the unsigned words). */
static int l_get_state(lua_State *L) {
  Generator *g = getself(L, "get_state");
  lua_createtable(L, 0, 3);
  lua_pushliteral(L, STATE_ALGORITHM);
  lua_setfield(L, -2, "algorithm");
  lua_pushinteger(L, (lua_Integer)g->seed);
  lua_setfield(L, -2, "seed");
  lua_createtable(L, 4, 0);
  for (int i = 0; i < 4; i++) {
    lua_pushinteger(L, (lua_Integer)g->rng.s[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "state");
  return 1;
}

static int l_set_state(lua_State *L) {
  Generator *g = getself(L, "set_state");
  Call c = {"set_state", g, 2, lua_gettop(L), 0};
  const char *bad = "expected a state table from get_state()";
  if (c.last < 2 || lua_type(L, 2) != LUA_TTABLE) argerr(L, &c, 2, bad);
  lua_settop(L, 2);
  lua_getfield(L, 2, "algorithm");
  const char *alg = lua_tostring(L, -1);
  if (!alg || lua_type(L, -1) != LUA_TSTRING || strcmp(alg, STATE_ALGORITHM))
    argerr(L, &c, 2, bad);
  int isint;
  lua_getfield(L, 2, "seed");
  lua_Integer seed = lua_tointegerx(L, -1, &isint);
  if (!isint) argerr(L, &c, 2, bad);
  if (lua_getfield(L, 2, "state") != LUA_TTABLE || lua_rawlen(L, -1) != 4)
    argerr(L, &c, 2, bad);
  Rng r;
  uint64_t any = 0;
  for (int i = 0; i < 4; i++) {
    lua_rawgeti(L, -1, i + 1);
    r.s[i] = (uint64_t)lua_tointegerx(L, -1, &isint);
    if (!isint) argerr(L, &c, 2, bad);
    any |= r.s[i];
    lua_pop(L, 1);
  }
  if (!any) argerr(L, &c, 2, "an all-zero xoshiro256** state is invalid");
  g->rng = r;
  g->seed = (uint64_t)seed;
  lua_settop(L, 1);
  return 1;
}

static int m_tostring(lua_State *L) {
  Generator *g = getself(L, "__tostring");
  lua_pushfstring(L, "Generator(seed=%I)", (lua_Integer)g->seed);
  return 1;
}

/* ---- scalar draws ---- */

/* uniform([a, b]): a number in [a, b), default [0, 1). */
static int l_uniform(lua_State *L) {
  Call c = resolve(L, "uniform", NULL);
  double a = optfinite(L, &c, c.first, 0.0);
  double b = optfinite(L, &c, c.first + 1, 1.0);
  if (a > b)
    argerr(L, &c, c.first + 1, "upper bound %f is below lower bound %f", b, a);
  double v;
  rng_fill_uniform_f64(&v, a, b, 1, &c.g->rng);
  lua_pushnumber(L, v);
  return 1;
}

/* normal([mu, sigma]) */
static int l_normal(lua_State *L) {
  Call c = resolve(L, "normal", NULL);
  double mu = optfinite(L, &c, c.first, 0.0);
  double sigma = optfinite(L, &c, c.first + 1, 1.0);
  if (sigma < 0)
    argerr(L, &c, c.first + 1, "sigma must be non-negative, got %f", sigma);
  double v;
  rng_fill_normal_f64(&v, mu, sigma, 1, &c.g->rng);
  lua_pushnumber(L, v);
  return 1;
}

static void getrange(lua_State *L, const Call *c, int i, lua_Integer *lo,
                     lua_Integer *hi) {
  *lo = getint(L, c, i);
  *hi = getint(L, c, i + 1);
  if (*lo > *hi) argerr(L, c, i + 1, "empty range [%I, %I]", *lo, *hi);
}

/* g:integer(lo, hi): an integer in [lo, hi], both included. */
static int l_integer(lua_State *L) {
  Call c = resolve(L, "integer", NULL);
  lua_Integer lo, hi;
  getrange(L, &c, c.first, &lo, &hi);
  lua_pushinteger(L, rng_integer(&c.g->rng, lo, hi));
  return 1;
}

/* ---- random tensors ---- */

/* rand / randn (sizes...[, dtype]): a float tensor. */
static int fill_float(lua_State *L, const char *op, int normal) {
  Call c = resolve(L, op, NULL);
  tensor_dtype dt = trailingdtype(L, &c, c.first, TENSOR_F32);
  if (dt == TENSOR_I64)
    argerr(L, &c, c.last + 1, "dtype int64 is not supported (use randint)");
  int64_t shape[TENSOR_MAXDIM];
  int nd = getsizes(L, &c, c.first, shape);
  Tensor *t = credo_newtensor(L, dt, nd, shape);
  int64_t n = tensor_numel(t);
  Rng *r = &c.g->rng;
  credo_status st;
  if (dt == TENSOR_F32)
    st = normal ? rng_fill_normal_f32(tensor_f32(t), 0, 1, n, r)
                : rng_fill_uniform_f32(tensor_f32(t), 0, 1, n, r);
  else
    st = normal ? rng_fill_normal_f64(tensor_f64(t), 0, 1, n, r)
                : rng_fill_uniform_f64(tensor_f64(t), 0, 1, n, r);
  check(L, &c, st);
  return 1;
}

static int l_rand(lua_State *L) {
  return fill_float(L, "rand", 0);
}

static int l_randn(lua_State *L) {
  return fill_float(L, "randn", 1);
}

/* randint(lo, hi, sizes...[, dtype]): integers in [lo, hi], int64 by
 * default; a float dtype gets the same integers converted. */
static int l_randint(lua_State *L) {
  Call c = resolve(L, "randint", NULL);
  lua_Integer lo, hi;
  getrange(L, &c, c.first, &lo, &hi);
  tensor_dtype dt = trailingdtype(L, &c, c.first + 2, TENSOR_I64);
  int64_t shape[TENSOR_MAXDIM];
  int nd = getsizes(L, &c, c.first + 2, shape);
  Tensor *t = credo_newtensor(L, TENSOR_I64, nd, shape);
  check(L, &c, rng_fill_integer_i64(tensor_i64(t), lo, hi, tensor_numel(t),
                                    &c.g->rng));
  if (dt != TENSOR_I64) {
    Tensor *u = credo_newtensor(L, dt, nd, shape);
    tensor_copy(u, t);
  }
  return 1;
}

/* bernoulli(p, sizes...[, dtype]) with a number p, or bernoulli(pt[, dtype])
 * with a tensor of probabilities (the result takes its shape, and its dtype
 * when pt is float32/float64).  0/1 values, float32 by default. */
static int l_bernoulli(lua_State *L) {
  Call c = resolve(L, "bernoulli", NULL);
  int pi = c.first;
  Tensor *pt = pi <= c.last ? credo_testtensor(L, pi) : NULL;
  if (pt) {
    gettensor(L, &c, pi);
    tensor_dtype def = pt->dtype == TENSOR_I64 ? TENSOR_F32 : pt->dtype;
    tensor_dtype dt = trailingdtype(L, &c, pi + 1, def);
    if (c.last > pi)
      argerr(L, &c, pi + 1, "no sizes with a tensor of probabilities (the "
                            "result has its shape)");
    int64_t n = tensor_numel(pt);
    for (int64_t i = 0; i < n; i++) {
      double p = tensor_get_flat(pt, i);
      if (isnan(p))
        argerr(L, &c, pi, "probabilities must be in [0, 1], found NaN at "
                          "index %I", (lua_Integer)(i + 1));
      if (!(p >= 0 && p <= 1))
        argerr(L, &c, pi, "probabilities must be in [0, 1], found %f at "
                          "index %I", p, (lua_Integer)(i + 1));
    }
    Tensor *t = credo_newtensor(L, dt, pt->ndim, pt->shape);
    for (int64_t i = 0; i < n; i++) {
      if ((i & 0xFFFFF) == 0xFFFFF && credo_interrupted)
        credo_statuserror(L, c.op, CREDO_EINTR);
      tensor_set_flat(t, i, rng_bernoulli(&c.g->rng, tensor_get_flat(pt, i)));
    }
    return 1;
  }
  if (pi > c.last || lua_type(L, pi) != LUA_TNUMBER)
    argerr(L, &c, pi, "number or tensor expected, got %s",
           typename_at(L, &c, pi));
  double p = lua_tonumber(L, pi);
  if (isnan(p)) argerr(L, &c, pi, "probability must be in [0, 1], got NaN");
  if (!(p >= 0 && p <= 1))
    argerr(L, &c, pi, "probability must be in [0, 1], got %f", p);
  tensor_dtype dt = trailingdtype(L, &c, pi + 1, TENSOR_F32);
  int64_t shape[TENSOR_MAXDIM];
  int nd = getsizes(L, &c, pi + 1, shape);
  Tensor *t = credo_newtensor(L, dt, nd, shape);
  int64_t n = tensor_numel(t);
  Rng *r = &c.g->rng;
  credo_status st = CREDO_OK;
  switch (dt) {
  case TENSOR_F32: st = rng_fill_bernoulli_f32(tensor_f32(t), p, n, r); break;
  case TENSOR_F64: st = rng_fill_bernoulli_f64(tensor_f64(t), p, n, r); break;
  case TENSOR_I64: st = rng_fill_bernoulli_i64(tensor_i64(t), p, n, r); break;
  }
  check(L, &c, st);
  return 1;
}

/* ---- permutations and sampling ---- */

static void add_one(Tensor *t) {
  int64_t *p = tensor_i64(t), n = tensor_numel(t);
  for (int64_t i = 0; i < n; i++) p[i]++;
}

static lua_Integer getcount(lua_State *L, const Call *c, int i,
                            const char *what) {
  lua_Integer n = getint(L, c, i);
  if (n < 0) argerr(L, c, i, "%s must be non-negative, got %I", what, n);
  return n;
}

/* permutation(n): 1..n in random order (int64). */
static int l_permutation(lua_State *L) {
  Call c = resolve(L, "permutation", NULL);
  int64_t shape[1] = {getcount(L, &c, c.first, "n")};
  Tensor *t = credo_newtensor(L, TENSOR_I64, 1, shape);
  check(L, &c, rng_permutation(tensor_i64(t), shape[0], &c.g->rng));
  add_one(t);
  return 1;
}

/* bootstrap(n[, m]): m (default n) indices drawn from 1..n with
 * replacement (int64). */
static int l_bootstrap(lua_State *L) {
  Call c = resolve(L, "bootstrap", NULL);
  lua_Integer n = getcount(L, &c, c.first, "n");
  lua_Integer m = absent(L, &c, c.first + 1) ? n
                  : getcount(L, &c, c.first + 1, "sample size");
  if (n == 0 && m > 0)
    argerr(L, &c, c.first, "cannot resample from n = 0 items");
  int64_t shape[1] = {m};
  Tensor *t = credo_newtensor(L, TENSOR_I64, 1, shape);
  check(L, &c, rng_bootstrap(tensor_i64(t), n, m, &c.g->rng));
  add_one(t);
  return 1;
}

/* Option p of choice (a tensor or a Lua sequence of n numbers), checked
 * and pushed as a contiguous float64 tensor.  *positive counts the
 * positive weights. */
static Tensor *getweights(lua_State *L, const Call *c, int64_t n,
                          int64_t *positive) {
  lua_getfield(L, c->opts, "p");
  int pi = lua_gettop(L);
  int64_t len;
  Tensor *src = credo_testtensor(L, pi);
  if (src) {
    if (!src->storage) argerr(L, c, c->opts, "option p is a freed tensor");
    if (src->ndim != 1) argerr(L, c, c->opts, "option p must be a 1-d tensor");
    len = src->shape[0];
  } else if (lua_type(L, pi) == LUA_TTABLE) {
    len = (int64_t)lua_rawlen(L, pi);
  } else {
    argerr(L, c, c->opts, "option p must be a tensor or a sequence of numbers");
    return NULL;
  }
  if (len != n)
    argerr(L, c, c->opts, "p has %I entries for %I items", (lua_Integer)len,
           (lua_Integer)n);
  int64_t shape[1] = {n};
  Tensor *w = credo_newtensor(L, TENSOR_F64, 1, shape);
  double *wd = tensor_f64(w), sum = 0;
  *positive = 0;
  for (int64_t i = 0; i < n; i++) {
    double v;
    if (src) {
      v = tensor_get_flat(src, i);
    } else {
      int isnum;
      lua_rawgeti(L, pi, i + 1);
      v = lua_tonumberx(L, -1, &isnum);
      lua_pop(L, 1);
      if (!isnum)
        argerr(L, c, c->opts, "p[%I] is not a number", (lua_Integer)(i + 1));
    }
    if (isnan(v)) argerr(L, c, c->opts, "p[%I] is NaN", (lua_Integer)(i + 1));
    if (v < 0 || isinf(v))
      argerr(L, c, c->opts, "p[%I] = %f is %s", (lua_Integer)(i + 1), v,
             v < 0 ? "negative" : "not finite");
    wd[i] = v;
    sum += v;
    *positive += v > 0;
  }
  if (!(sum > 0) || isinf(sum))
    argerr(L, c, c->opts, "p must have a positive, finite sum");
  lua_remove(L, pi);  /* leave only w */
  return w;
}

/* choice(n | t[, k][, {replace =, p =, generator =}]): k draws from 1..n
 * (an int64 tensor of indices) or from the rows of t (a tensor [k, ...]).
 * Without k, one draw: an integer, a number (1-d t) or a row tensor.
 * replace defaults to false. */
static const char *const choice_opts[] = {"replace", "p", NULL};

static int l_choice(lua_State *L) {
  Call c = resolve(L, "choice", choice_opts);
  int ai = c.first;
  Tensor *a = ai <= c.last ? credo_testtensor(L, ai) : NULL;
  int64_t n;
  if (a) {
    gettensor(L, &c, ai);
    if (a->ndim < 1) argerr(L, &c, ai, "cannot choose from a 0-d tensor");
    n = a->shape[0];
  } else {
    if (ai > c.last || lua_type(L, ai) != LUA_TNUMBER)
      argerr(L, &c, ai, "number or tensor expected, got %s",
             typename_at(L, &c, ai));
    n = getcount(L, &c, ai, "n");
  }
  int single = absent(L, &c, ai + 1);
  int64_t k = single ? 1 : getcount(L, &c, ai + 1, "k");
  if (c.last > ai + 1) argerr(L, &c, ai + 2, "options table expected");
  int replace = 0;
  Tensor *w = NULL;
  int64_t positive = n;
  if (c.opts) {
    lua_getfield(L, c.opts, "replace");
    if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
      argerr(L, &c, c.opts, "option replace must be a boolean");
    replace = lua_toboolean(L, -1);
    lua_getfield(L, c.opts, "p");
    int has_p = !lua_isnil(L, -1);
    lua_pop(L, 2);
    if (has_p) w = getweights(L, &c, n, &positive);
  }
  int argk = single ? ai : ai + 1;
  if (k > n && !replace)
    argerr(L, &c, argk, "cannot draw k = %I of n = %I without replacement",
           (lua_Integer)k, (lua_Integer)n);
  if (k > positive && !replace)
    argerr(L, &c, argk, "cannot draw k = %I without replacement: only %I items "
                        "have positive probability", (lua_Integer)k,
           (lua_Integer)positive);
  if (replace && k > 0 && n == 0)
    argerr(L, &c, ai, "cannot draw from n = 0 items");
  int64_t shape[1] = {k};
  Tensor *idx = credo_newtensor(L, TENSOR_I64, 1, shape);
  int64_t *ip = tensor_i64(idx);
  Rng *r = &c.g->rng;
  credo_status st;
  if (w && replace) st = rng_choice_weighted(ip, tensor_f64(w), n, k, r);
  else if (w) st = rng_choice_weighted_noreplace(ip, tensor_f64(w), n, k, r);
  else if (replace) st = rng_bootstrap(ip, n, k, r);
  else st = rng_sample(ip, n, k, r);
  check(L, &c, st);
  if (!a) {
    if (single) lua_pushinteger(L, ip[0] + 1);
    else add_one(idx);
    return 1;
  }
  if (single) {
    Tensor row = rowview(a, ip[0]);
    if (row.ndim == 0) {
      if (a->dtype == TENSOR_I64) lua_pushinteger(L, *tensor_i64(&row));
      else lua_pushnumber(L, tensor_get_flat(&row, 0));
      return 1;
    }
    Tensor *out = credo_newtensor(L, a->dtype, row.ndim, row.shape);
    tensor_copy(out, &row);
    return 1;
  }
  int64_t oshape[TENSOR_MAXDIM];
  oshape[0] = k;
  for (int d = 1; d < a->ndim; d++) oshape[d] = a->shape[d];
  Tensor *out = credo_newtensor(L, a->dtype, a->ndim, oshape);
  for (int64_t i = 0; i < k; i++) {
    Tensor src = rowview(a, ip[i]), dst = rowview(out, i);
    tensor_copy(&dst, &src);
  }
  return 1;
}

/* shuffle_(t): permute the rows (dimension 1) of t in place with the
 * permutation permutation(n) would give from the same state: afterwards
 * row i holds old row perm[i].  Returns t. */
static int l_shuffle_(lua_State *L) {
  Call c = resolve(L, "shuffle_", NULL);
  int ti = c.first;
  Tensor *t = gettensor(L, &c, ti);
  if (t->ndim < 1) argerr(L, &c, ti, "cannot shuffle a 0-d tensor");
  for (int d = 0; d < t->ndim; d++)
    if (t->stride[d] == 0 && t->shape[d] > 1)
      argerr(L, &c, ti, "cannot shuffle an expanded tensor in place (its "
                        "elements share memory)");
  int64_t n = t->shape[0];
  int64_t shape[1] = {n};
  Tensor *perm = credo_newtensor(L, TENSOR_I64, 1, shape);
  check(L, &c, rng_permutation(tensor_i64(perm), n, &c.g->rng));
  Tensor *copy = credo_newtensor(L, t->dtype, t->ndim, t->shape);
  tensor_copy(copy, t);
  const int64_t *p = tensor_i64(perm);
  for (int64_t i = 0; i < n; i++) {
    Tensor src = rowview(copy, p[i]), dst = rowview(t, i);
    tensor_copy(&dst, &src);
  }
  lua_pushvalue(L, ti);
  return 1;
}

/* ---- registration ---- */

static const luaL_Reg funcs[] = {
  {"Generator", l_Generator},
  {"seed", l_seed},
  {"manual_seed", l_seed},
  {"get_generator", l_get_generator},
  {"uniform", l_uniform},
  {"normal", l_normal},
  {"rand", l_rand},
  {"randn", l_randn},
  {"randint", l_randint},
  {"bernoulli", l_bernoulli},
  {"permutation", l_permutation},
  {"choice", l_choice},
  {"bootstrap", l_bootstrap},
  {"shuffle_", l_shuffle_},
  {NULL, NULL}
};

static const luaL_Reg methods[] = {
  {"seed", l_seed},
  {"uniform", l_uniform},
  {"normal", l_normal},
  {"integer", l_integer},
  {"rand", l_rand},
  {"randn", l_randn},
  {"randint", l_randint},
  {"bernoulli", l_bernoulli},
  {"permutation", l_permutation},
  {"choice", l_choice},
  {"bootstrap", l_bootstrap},
  {"shuffle_", l_shuffle_},
  {"stream", l_stream},
  {"clone", l_clone},
  {"get_state", l_get_state},
  {"set_state", l_set_state},
  {NULL, NULL}
};

static const luaL_Reg metameth[] = {
  {"__tostring", m_tostring},
  {NULL, NULL}
};

int luaopen_credo_random(lua_State *L) {
  /* results are tensors: make sure their metatable exists */
  luaL_requiref(L, "credo.tensor", luaopen_credo_tensor, 0);
  lua_pop(L, 1);
  luaL_newmetatable(L, CREDO_GENERATOR);
  luaL_setfuncs(L, metameth, 0);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");             /* metatable.__index = methods */
  lua_pop(L, 1);
  pushgen(L, 0);                              /* the global generator */
  lua_rawsetp(L, LUA_REGISTRYINDEX, &global_key);
  luaL_newlib(L, funcs);
  return 1;
}
