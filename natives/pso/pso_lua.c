/*
 * pso_lua.c: Lua binding of the PSO core, registered as "credo.pso_core"
 * (the natives behind stdlib/credo/pso.lua).
 *
 *   local s = pso_core.new { n = 20, d = 3, w = 0.7, c1 = 1.5, c2 = 1.5,
 *                            lb = {..}, ub = {..}, vmin = {..}, vmax = {..},
 *                            bounds = "reflective", seed = 1,
 *                            x0 = X0, v0 = V0 }       -- x0/v0 optional
 *   local X = s:positions()          -- (n,d) float64 copy
 *   local rows = s:rows()            -- the same as n Lua lists
 *   local g = s:tell(costs)          -- costs: tensor or table of n numbers
 *   s:move([r1, r2])                 -- r1, r2 (n,d) draws, or drawn here
 *   local hist, fsec = s:run("sphere", iters)   -- native objective loop
 *   local xbest, cbest, i = s:best()
 *
 * One userdata type, credo.PsoSwarm, owning the core's buffers (freed by
 * __gc / __close, safe twice).  The binding checks every argument; the core
 * trusts them.  What it is not: the user API (spaces, integer and log
 * dimensions, Lua objectives and progress live in pso.lua).
 */
#include "../common/credo_lua.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pso.h"

#define CREDO_PSO_SWARM "credo.PsoSwarm"

typedef struct {
  PsoSwarm s;
  double *scratch; /* (2 n d) r1/r2 draws */
  int live;
} SwarmBox;

static SwarmBox *checkswarm(lua_State *L, int i) {
  SwarmBox *b = (SwarmBox *)luaL_checkudata(L, i, CREDO_PSO_SWARM);
  if (!b->live) luaL_argerror(L, i, "swarm is closed");
  return b;
}

static int swarm_gc(lua_State *L) {
  SwarmBox *b = (SwarmBox *)luaL_checkudata(L, 1, CREDO_PSO_SWARM);
  if (b->live) pso_swarm_free(&b->s);
  free(b->scratch);
  b->scratch = NULL;
  b->live = 0;
  return 0;
}

/* Field k of the options table at index 1 as a number; def when absent. */
static double opt_number(lua_State *L, const char *k, double def, int *given) {
  lua_getfield(L, 1, k);
  if (given) *given = !lua_isnil(L, -1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return def;
  }
  if (!lua_isnumber(L, -1))
    luaL_error(L, "bad argument #1 to 'pso.new' (%s must be a number, got %s)", k,
               luaL_typename(L, -1));
  double v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (!isfinite(v))
    luaL_error(L, "bad argument #1 to 'pso.new' (%s must be finite, got %f)", k, v);
  return v;
}

/* Field k (a table of d finite numbers) into out (d); 0 when absent. */
static int opt_vector(lua_State *L, const char *k, double *out, int d) {
  lua_getfield(L, 1, k);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return 0;
  }
  if (!lua_istable(L, -1))
    luaL_error(L, "bad argument #1 to 'pso.new' (%s must be a table of %d numbers, got %s)",
               k, d, luaL_typename(L, -1));
  if ((int)luaL_len(L, -1) != d)
    luaL_error(L, "bad argument #1 to 'pso.new' (%s has %d values, expected %d)", k,
               (int)luaL_len(L, -1), d);
  for (int j = 0; j < d; j++) {
    lua_geti(L, -1, j + 1);
    int ok = lua_isnumber(L, -1);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!ok || !isfinite(v))
      luaL_error(L, "bad argument #1 to 'pso.new' (%s[%d] must be a finite number)", k, j + 1);
    out[j] = v;
  }
  lua_pop(L, 1);
  return 1;
}

/* A tensor argument of shape (n,d) with finite values, or NULL when nil.
 * what names it in messages. */
static Tensor *check_nd(lua_State *L, int idx, const char *op, int arg,
                        const char *what, int n, int d) {
  if (lua_isnoneornil(L, idx)) return NULL;
  Tensor *t = credo_testtensor(L, idx);
  if (!t)
    luaL_error(L, "bad argument #%d to '%s' (%s must be a tensor, got %s)", arg, op, what,
               luaL_typename(L, idx));
  if (t->ndim != 2 || t->shape[0] != n || t->shape[1] != d) {
    char sh[64];
    tensor_shape_str(t, sh, sizeof sh);
    luaL_error(L, "bad argument #%d to '%s' (%s must have shape [%d,%d], got %s)", arg, op,
               what, n, d, sh);
  }
  int64_t m = (int64_t)n * d;
  for (int64_t k = 0; k < m; k++)
    if (!isfinite(tensor_get_flat(t, k)))
      luaL_error(L, "bad argument #%d to '%s' (%s has a non-finite value)", arg, op, what);
  return t;
}

static void copy_nd(double *out, const Tensor *t, int64_t m) {
  for (int64_t k = 0; k < m; k++) out[k] = tensor_get_flat(t, k);
}

static const char *const bounds_names[] = {"periodic", "reflective", "nearest", NULL};

/* new(opts) -> swarm.  Stack: 1 opts. */
static int l_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int gn, gd;
  double nf = opt_number(L, "n", 0, &gn), df = opt_number(L, "d", 0, &gd);
  if (!gn || nf != floor(nf) || nf < 1 || nf > 1e6)
    return luaL_error(L, "bad argument #1 to 'pso.new' (n must be an integer in 1..1000000)");
  if (!gd || df != floor(df) || df < 1 || df > 10000)
    return luaL_error(L, "bad argument #1 to 'pso.new' (d must be an integer in 1..10000)");
  int n = (int)nf, d = (int)df;
  double w = opt_number(L, "w", 0.72984, NULL);
  double c1 = opt_number(L, "c1", 1.49618, NULL);
  double c2 = opt_number(L, "c2", 1.49618, NULL);
  int gs;
  double seedf = opt_number(L, "seed", 0, &gs);
  lua_getfield(L, 1, "seed");
  lua_Integer seed = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : (lua_Integer)seedf;
  if (gs && !lua_isinteger(L, -1) && seedf != floor(seedf))
    return luaL_error(L, "bad argument #1 to 'pso.new' (seed must be an integer)");
  lua_pop(L, 1);
  lua_getfield(L, 1, "bounds");
  const char *bname = lua_isnil(L, -1) ? "periodic" : lua_tostring(L, -1);
  int strategy = -1;
  for (int k = 0; bname && bounds_names[k]; k++)
    if (strcmp(bname, bounds_names[k]) == 0) strategy = k;
  if (strategy < 0)
    return luaL_error(L,
                      "bad argument #1 to 'pso.new' (bounds must be 'periodic', 'reflective' "
                      "or 'nearest', got %s)",
                      bname ? bname : luaL_typename(L, -1));
  lua_pop(L, 1);
  /* vectors in a GC-owned box: lb, ub, vmin, vmax (4 d) */
  double *vec = (double *)lua_newuserdatauv(L, 4 * (size_t)d * sizeof(double), 0);
  double *lb = vec, *ub = vec + d, *vmin = vec + 2 * d, *vmax = vec + 3 * d;
  if (!opt_vector(L, "lb", lb, d) || !opt_vector(L, "ub", ub, d))
    return luaL_error(L, "bad argument #1 to 'pso.new' (lb and ub are required)");
  for (int j = 0; j < d; j++)
    if (!(lb[j] < ub[j]))
      return luaL_error(L, "bad argument #1 to 'pso.new' (lb[%d] = %f must be < ub[%d] = %f)",
                        j + 1, lb[j], j + 1, ub[j]);
  int has_vmin = opt_vector(L, "vmin", vmin, d), has_vmax = opt_vector(L, "vmax", vmax, d);
  if (has_vmin != has_vmax)
    return luaL_error(L, "bad argument #1 to 'pso.new' (vmin and vmax go together)");
  for (int j = 0; has_vmin && j < d; j++)
    if (!(vmin[j] < vmax[j]))
      return luaL_error(L, "bad argument #1 to 'pso.new' (vmin[%d] must be < vmax[%d])", j + 1,
                        j + 1);
  lua_getfield(L, 1, "x0"); /* 3 */
  lua_getfield(L, 1, "v0"); /* 4 */
  Tensor *x0 = check_nd(L, 3, "pso.new", 1, "x0", n, d);
  Tensor *v0 = check_nd(L, 4, "pso.new", 1, "v0", n, d);
  if ((x0 == NULL) != (v0 == NULL))
    return luaL_error(L, "bad argument #1 to 'pso.new' (x0 and v0 go together)");
  if (x0) {
    for (int i = 0; i < n; i++)
      for (int j = 0; j < d; j++) {
        double v = tensor_get_flat(x0, (int64_t)i * d + j);
        if (v < lb[j] || v > ub[j])
          return luaL_error(L, "bad argument #1 to 'pso.new' (x0[%d][%d] = %f is out of bounds)",
                            i + 1, j + 1, v);
      }
  }
  /* the box exists before its buffers: a failed allocation leaks nothing */
  SwarmBox *b = (SwarmBox *)lua_newuserdatauv(L, sizeof *b, 0); /* 5 */
  memset(b, 0, sizeof *b);
  luaL_setmetatable(L, CREDO_PSO_SWARM);
  credo_status st = pso_swarm_alloc(&b->s, n, d, w, c1, c2, (pso_bounds)strategy, lb, ub,
                                    has_vmin ? vmin : NULL, has_vmax ? vmax : NULL);
  if (st != CREDO_OK) return credo_statuserror(L, "pso.new", st);
  b->live = 1;
  b->scratch = malloc(2 * (size_t)n * (size_t)d * sizeof(double));
  if (!b->scratch) return credo_statuserror(L, "pso.new", CREDO_ENOMEM);
  if (x0) {
    size_t m = (size_t)n * d;
    double *tmp = (double *)lua_newuserdatauv(L, 2 * m * sizeof(double), 0);
    copy_nd(tmp, x0, (int64_t)m);
    copy_nd(tmp + m, v0, (int64_t)m);
    pso_swarm_init_given(&b->s, tmp, tmp + m, (uint64_t)seed);
    lua_pop(L, 1);
  } else {
    pso_swarm_init_random(&b->s, (uint64_t)seed);
  }
  return 1;
}

/* Push a (rows, cols) float64 tensor copy of src (rows*cols). */
static void push_matrix(lua_State *L, const double *src, int rows, int cols) {
  int64_t shape[2] = {rows, cols};
  Tensor *t = credo_newtensor(L, TENSOR_F64, cols > 0 ? 2 : 1, shape);
  memcpy(tensor_f64(t), src, (size_t)rows * (size_t)(cols > 0 ? cols : 1) * sizeof(double));
}

static int l_positions(lua_State *L) {
  SwarmBox *b = checkswarm(L, 1);
  push_matrix(L, b->s.x, b->s.n, b->s.d);
  return 1;
}

/* rows() -> { {x_11, .., x_1d}, .. }: the positions as n Lua lists (the
 * Lua-objective path reads these faster than a tensor's elements). */
static int l_rows(lua_State *L) {
  SwarmBox *b = checkswarm(L, 1);
  int n = b->s.n, d = b->s.d;
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_createtable(L, d, 0);
    for (int j = 0; j < d; j++) {
      lua_pushnumber(L, b->s.x[(size_t)i * d + j]);
      lua_rawseti(L, -2, j + 1);
    }
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

static int l_velocities(lua_State *L) {
  SwarmBox *b = checkswarm(L, 1);
  push_matrix(L, b->s.v, b->s.n, b->s.d);
  return 1;
}

static int l_pbest(lua_State *L) {
  SwarmBox *b = checkswarm(L, 1);
  push_matrix(L, b->s.pbest, b->s.n, b->s.d);
  push_matrix(L, b->s.pbest_cost, b->s.n, 0);
  return 2;
}

/* best() -> position (d) float64, cost, particle (1-based; nil before the
 * first tell). */
static int l_best(lua_State *L) {
  SwarmBox *b = checkswarm(L, 1);
  push_matrix(L, b->s.gbest, b->s.d, 0);
  lua_pushnumber(L, b->s.gbest_cost);
  if (b->s.gbest_index >= 0) lua_pushinteger(L, b->s.gbest_index + 1);
  else lua_pushnil(L);
  return 3;
}

/* tell(costs) -> global best cost.  costs: tensor or table of n numbers
 * (NaN allowed: it never becomes a best, as in pyswarms). */
static int l_tell(lua_State *L) {
  SwarmBox *b = checkswarm(L, 1);
  int n = b->s.n;
  Tensor *t = credo_testtensor(L, 2);
  if (t) {
    if (t->ndim != 1 || t->shape[0] != n) {
      char sh[64];
      tensor_shape_str(t, sh, sizeof sh);
      return luaL_error(L, "bad argument #2 to 'tell' (expected %d costs, got shape %s)", n, sh);
    }
    for (int i = 0; i < n; i++) b->s.cost[i] = tensor_get_flat(t, i);
  } else if (lua_istable(L, 2)) {
    if ((int)luaL_len(L, 2) != n)
      return luaL_error(L, "bad argument #2 to 'tell' (expected %d costs, got %d)", n,
                        (int)luaL_len(L, 2));
    for (int i = 0; i < n; i++) {
      lua_geti(L, 2, i + 1);
      if (!lua_isnumber(L, -1))
        return luaL_error(L, "bad argument #2 to 'tell' (cost %d is a %s, expected a number)",
                          i + 1, luaL_typename(L, -1));
      b->s.cost[i] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
  } else {
    return luaL_error(L, "bad argument #2 to 'tell' (expected a tensor or table of costs, got %s)",
                      luaL_typename(L, 2));
  }
  lua_pushnumber(L, pso_swarm_update_best(&b->s));
  return 1;
}

/* move([r1, r2]) -> swarm */
static int l_move(lua_State *L) {
  SwarmBox *b = checkswarm(L, 1);
  int n = b->s.n, d = b->s.d;
  Tensor *r1 = check_nd(L, 2, "move", 2, "r1", n, d);
  Tensor *r2 = check_nd(L, 3, "move", 3, "r2", n, d);
  if ((r1 == NULL) != (r2 == NULL))
    return luaL_error(L, "bad argument #2 to 'move' (r1 and r2 go together)");
  if (r1) {
    size_t m = (size_t)n * d;
    copy_nd(b->scratch, r1, (int64_t)m);
    copy_nd(b->scratch + m, r2, (int64_t)m);
    pso_swarm_move(&b->s, b->scratch, b->scratch + m, NULL);
  } else {
    pso_swarm_move(&b->s, NULL, NULL, b->scratch);
  }
  lua_settop(L, 1);
  return 1;
}

static const char *const objective_names[] = {"sphere", "rosenbrock", "rastrigin", NULL};
static const pso_objective objectives[] = {pso_objective_sphere, pso_objective_rosenbrock,
                                           pso_objective_rastrigin};

/* run(name, iters) -> history (iters) float64, seconds spent in the
 * objective: iterations against a native objective, entirely in C. */
static int l_run(lua_State *L) {
  SwarmBox *b = checkswarm(L, 1);
  int k = luaL_checkoption(L, 2, NULL, objective_names);
  lua_Integer iters = luaL_checkinteger(L, 3);
  luaL_argcheck(L, iters >= 1 && iters <= 100000000, 3, "iters must be in 1..100000000");
  int64_t shape[1] = {iters};
  Tensor *h = credo_newtensor(L, TENSOR_F64, 1, shape);
  double in_f = 0;
  credo_status st =
      pso_swarm_run(&b->s, objectives[k], NULL, iters, tensor_f64(h), b->scratch, &in_f);
  if (st != CREDO_OK) return credo_statuserror(L, "run", st);
  lua_pushnumber(L, in_f);
  return 2;
}

/* objective(name, X) -> costs (n): a built-in objective on the rows of X. */
static int l_objective(lua_State *L) {
  int k = luaL_checkoption(L, 1, NULL, objective_names);
  Tensor *x = credo_checktensor(L, 2);
  luaL_argcheck(L, x->ndim == 2 && x->shape[0] >= 1 && x->shape[1] >= 1, 2,
                "expected a non-empty 2-d tensor");
  int n = (int)x->shape[0], d = (int)x->shape[1];
  size_t m = (size_t)n * d;
  double *buf = (double *)lua_newuserdatauv(L, m * sizeof(double), 0);
  copy_nd(buf, x, (int64_t)m);
  int64_t shape[1] = {n};
  Tensor *c = credo_newtensor(L, TENSOR_F64, 1, shape);
  objectives[k](tensor_f64(c), buf, n, d, NULL);
  return 1;
}

static int l_iter(lua_State *L) {
  SwarmBox *b = checkswarm(L, 1);
  lua_pushinteger(L, b->s.iter);
  return 1;
}

static int l_tostring(lua_State *L) {
  SwarmBox *b = (SwarmBox *)luaL_checkudata(L, 1, CREDO_PSO_SWARM);
  if (!b->live) lua_pushliteral(L, "PsoSwarm(closed)");
  else
    lua_pushfstring(L, "PsoSwarm(%d particles x %d dims, %s, iteration %d)", b->s.n, b->s.d,
                    bounds_names[b->s.strategy], (int)b->s.iter);
  return 1;
}

static const luaL_Reg swarm_methods[] = {
  {"positions", l_positions}, {"rows", l_rows}, {"velocities", l_velocities}, {"pbest", l_pbest},
  {"best", l_best},           {"tell", l_tell},             {"move", l_move},
  {"run", l_run},             {"iter", l_iter},             {NULL, NULL}};

static const luaL_Reg swarm_meta[] = {
  {"__gc", swarm_gc}, {"__close", swarm_gc}, {"__tostring", l_tostring}, {NULL, NULL}};

static const luaL_Reg pso_funcs[] = {{"new", l_new}, {"objective", l_objective}, {NULL, NULL}};

int luaopen_credo_pso(lua_State *L) {
  if (luaL_newmetatable(L, CREDO_PSO_SWARM)) {
    luaL_setfuncs(L, swarm_meta, 0);
    luaL_newlib(L, swarm_methods);
    lua_setfield(L, -2, "__index"); /* metatable.__index = methods */
  }
  lua_pop(L, 1);
  luaL_newlib(L, pso_funcs);
  return 1;
}
