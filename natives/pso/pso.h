/*
 * pso.h: global-best particle swarm optimisation, the pure C core.
 *
 * The swarm, its update rule and its bookkeeping follow pyswarms 1.3's
 * GlobalBestPSO (Kennedy & Eberhart 1995, "Particle swarm optimization";
 * inertia weight: Shi & Eberhart 1998), step for step, so that with the same
 * initial swarm and the same uniform draws fed in, positions agree with
 * pyswarms' to rounding (tests/fixtures/pso_*.json).  One iteration:
 *
 *   cost_i = f(x_i)                                    (whole swarm, then)
 *   if cost_i < pbest_cost_i: pbest_i = x_i            (strict: ties keep)
 *   if min_i pbest_cost_i < gbest_cost:                (strict; first argmin)
 *       gbest = pbest_argmin
 *   history[t] = gbest_cost
 *   v = ((w v) + (c1 r1) (pbest - x)) + (c2 r2) (gbest - x)
 *       r1, r2 ~ U[0,1) elementwise, all of r1 (row-major, n x d) drawn
 *       before all of r2
 *   v = clamp(v, vmin, vmax)       (v <= vmin -> vmin, v >= vmax -> vmax)
 *   x = bounds(x + v)              (periodic, reflective or nearest)
 *
 * The last iteration also moves the swarm (as pyswarms does), so `iters`
 * iterations make n * iters evaluations and 2 n d iters draws.
 *
 * What it is not: no local-best / ring topologies, no option schedules, no
 * ftol early stopping, no multi-objective or discrete swarms; integer and
 * log-scale dimensions are the caller's mapping (stdlib/credo/pso.lua):
 * this core searches a box of reals.  No Lua here (see pso_lua.c).
 */
#ifndef CREDO_PSO_H
#define CREDO_PSO_H

#include <stdint.h>

#include "../common/credo_core.h"
#include "../random/rng.h"

/* Out-of-bounds handling, pyswarms' BoundaryHandler names. */
typedef enum {
  PSO_BOUNDS_PERIODIC = 0, /* x < lb: ub - mod(lb - x, ub - lb);
                              x > ub: lb + mod(x - ub, ub - lb) */
  PSO_BOUNDS_REFLECTIVE,   /* mirror at the violated bound until inside */
  PSO_BOUNDS_NEAREST       /* clip to the violated bound */
} pso_bounds;

/* A swarm of n particles in d dimensions.  Every buffer is owned by the
 * swarm (pso_swarm_alloc / pso_swarm_free); shapes in comments. */
typedef struct PsoSwarm {
  int n, d;
  double w, c1, c2;
  pso_bounds strategy;
  int clamp;          /* velocity clamp in use (vmin/vmax valid) */
  double *lb, *ub;    /* (d) search box, lb < ub */
  double *vmin, *vmax;/* (d) velocity clamp, vmin < vmax */
  double *x;          /* (n,d) positions */
  double *v;          /* (n,d) velocities */
  double *pbest;      /* (n,d) personal best positions */
  double *pbest_cost; /* (n) personal best costs, +inf before the first */
  double *cost;       /* (n) costs of the current positions */
  double *gbest;      /* (d) global best position */
  double gbest_cost;  /* +inf before the first evaluation */
  int64_t gbest_index;/* particle that set gbest last (0-based), -1 none */
  int64_t iter;       /* iterations completed (evaluated and moved) */
  Rng rng;            /* draws for init and r1/r2 */
} PsoSwarm;

/* Allocate the buffers of a swarm of n x d and set the options; lb, ub (d)
 * are copied; vmin, vmax (d) are copied when both non-NULL (clamp on).
 * Positions and velocities are zero until pso_swarm_init_random or
 * pso_swarm_init_given.  Returns CREDO_ENOMEM (s then holds nothing to
 * free beyond what pso_swarm_free handles). */
credo_status pso_swarm_alloc(PsoSwarm *s, int n, int d, double w, double c1,
                             double c2, pso_bounds strategy, const double *lb,
                             const double *ub, const double *vmin,
                             const double *vmax);
/* Free every buffer; safe on a zeroed or already freed swarm. */
void pso_swarm_free(PsoSwarm *s);

/* Seed the generator and draw the initial swarm, as pyswarms'
 * generate_swarm / generate_velocity: x[i][j] = lb_j + (ub_j - lb_j) u
 * (all of x row-major), then v[i][j] = vlo_j + (vhi_j - vlo_j) u with
 * (vlo, vhi) = (vmin, vmax) when clamped, else (0, 1). */
void pso_swarm_init_random(PsoSwarm *s, uint64_t seed);
/* Take the initial x0, v0 (n,d) as given (and seed the generator for the
 * r1/r2 draws that are not given). */
void pso_swarm_init_given(PsoSwarm *s, const double *x0, const double *v0,
                          uint64_t seed);

/* After s->cost (n) holds f(x): update personal and global bests.
 * Returns the new global best cost. */
double pso_swarm_update_best(PsoSwarm *s);

/* Move the swarm: velocity update, clamp, position update, bounds.  r1, r2
 * (n,d) are the uniform draws; NULL draws them from s->rng (r1 entirely,
 * then r2), into the scratch buffer r (2 n d) given. */
void pso_swarm_move(PsoSwarm *s, const double *r1, const double *r2,
                    double *scratch);

/* A native batch objective: cost (n) of the positions x (n,d). */
typedef void (*pso_objective)(double *cost, const double *x, int n, int d,
                              void *ctx);

/* iters iterations against a native objective: evaluate, update bests,
 * record history[t] (iters), move.  scratch is (2 n d).  When
 * objective_seconds is not NULL it receives the wall-clock seconds spent
 * inside f (CLOCK_MONOTONIC around each call), so the swarm's own overhead
 * can be told apart (bench/pso.lua).  Polls credo_interrupted every
 * iteration (CREDO_EINTR). */
credo_status pso_swarm_run(PsoSwarm *s, pso_objective f, void *ctx,
                           int64_t iters, double *history, double *scratch,
                           double *objective_seconds);

/* Built-in objectives (pyswarms.utils.functions.single_obj), minimum 0:
 *   sphere      sum x_j^2                                   at x = 0
 *   rosenbrock  sum_{j<d-1} 100 (x_{j+1} - x_j^2)^2 + (1 - x_j)^2  at x = 1
 *   rastrigin   10 d + sum x_j^2 - 10 cos(2 pi x_j)          at x = 0 */
void pso_objective_sphere(double *cost, const double *x, int n, int d,
                          void *ctx);
void pso_objective_rosenbrock(double *cost, const double *x, int n, int d,
                              void *ctx);
void pso_objective_rastrigin(double *cost, const double *x, int n, int d,
                             void *ctx);

/* One coordinate through a bounds strategy (exposed for the tests). */
double pso_bound(double x, double lb, double ub, pso_bounds strategy);

#endif
