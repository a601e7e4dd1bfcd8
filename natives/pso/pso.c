/*
 * pso.c: global-best particle swarm optimisation (see pso.h for the update
 * rule, which is pyswarms 1.3's GlobalBestPSO, and the references).
 *
 * Floating-point order is pyswarms' (numpy evaluates left to right):
 * cognitive = (c1 * r1) * (pbest - x), social = (c2 * r2) * (gbest - x),
 * v = ((w * v) + cognitive) + social, so that fed the same draws the
 * positions agree to the last bits, not just to a tolerance.
 *
 * What it is not: thread-parallel (one swarm step is O(n d), far below the
 * objective's cost in any real use) or aware of Lua.
 */
#include "pso.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

credo_status pso_swarm_alloc(PsoSwarm *s, int n, int d, double w, double c1,
                             double c2, pso_bounds strategy, const double *lb,
                             const double *ub, const double *vmin,
                             const double *vmax) {
  assert(n >= 1 && d >= 1);
  memset(s, 0, sizeof *s);
  s->n = n;
  s->d = d;
  s->w = w;
  s->c1 = c1;
  s->c2 = c2;
  s->strategy = strategy;
  s->clamp = vmin != NULL && vmax != NULL;
  s->gbest_cost = INFINITY;
  s->gbest_index = -1;
  size_t nd;
  if (credo_mul_size((size_t)n, (size_t)d, &nd)) return CREDO_ENOMEM;
  s->lb = malloc((size_t)d * sizeof(double));
  s->ub = malloc((size_t)d * sizeof(double));
  s->vmin = malloc((size_t)d * sizeof(double));
  s->vmax = malloc((size_t)d * sizeof(double));
  s->gbest = calloc((size_t)d, sizeof(double));
  s->x = calloc(nd, sizeof(double));
  s->v = calloc(nd, sizeof(double));
  s->pbest = calloc(nd, sizeof(double));
  s->pbest_cost = malloc((size_t)n * sizeof(double));
  s->cost = calloc((size_t)n, sizeof(double));
  if (!s->lb || !s->ub || !s->vmin || !s->vmax || !s->gbest || !s->x ||
      !s->v || !s->pbest || !s->pbest_cost || !s->cost) {
    pso_swarm_free(s);
    return CREDO_ENOMEM;
  }
  for (int j = 0; j < d; j++) {
    s->lb[j] = lb[j];
    s->ub[j] = ub[j];
    s->vmin[j] = s->clamp ? vmin[j] : 0.0;
    s->vmax[j] = s->clamp ? vmax[j] : 1.0;
  }
  for (int i = 0; i < n; i++) s->pbest_cost[i] = INFINITY;
  return CREDO_OK;
}

void pso_swarm_free(PsoSwarm *s) {
  free(s->lb);
  free(s->ub);
  free(s->vmin);
  free(s->vmax);
  free(s->gbest);
  free(s->x);
  free(s->v);
  free(s->pbest);
  free(s->pbest_cost);
  free(s->cost);
  s->lb = s->ub = s->vmin = s->vmax = s->gbest = NULL;
  s->x = s->v = s->pbest = s->pbest_cost = s->cost = NULL;
}

/* pbest starts at x (pyswarms' Swarm.pbest_pos default). */
static void start_bests(PsoSwarm *s) {
  size_t nd = (size_t)s->n * (size_t)s->d;
  memcpy(s->pbest, s->x, nd * sizeof(double));
  for (int i = 0; i < s->n; i++) s->pbest_cost[i] = INFINITY;
  s->gbest_cost = INFINITY;
  s->gbest_index = -1;
  s->iter = 0;
}

void pso_swarm_init_random(PsoSwarm *s, uint64_t seed) {
  int n = s->n, d = s->d;
  rng_seed(&s->rng, seed);
  /* numpy's uniform(low, high): low + (high - low) * u */
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++)
      s->x[(size_t)i * d + j] = s->lb[j] + (s->ub[j] - s->lb[j]) * rng_uniform(&s->rng);
  /* generate_velocity: (vmax - vmin) * u + vmin */
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++)
      s->v[(size_t)i * d + j] =
          (s->vmax[j] - s->vmin[j]) * rng_uniform(&s->rng) + s->vmin[j];
  start_bests(s);
}

void pso_swarm_init_given(PsoSwarm *s, const double *x0, const double *v0,
                          uint64_t seed) {
  size_t nd = (size_t)s->n * (size_t)s->d;
  rng_seed(&s->rng, seed);
  memcpy(s->x, x0, nd * sizeof(double));
  memcpy(s->v, v0, nd * sizeof(double));
  start_bests(s);
}

double pso_swarm_update_best(PsoSwarm *s) {
  int n = s->n, d = s->d;
  /* compute_pbest: replace where cost < pbest_cost (NaN never does) */
  for (int i = 0; i < n; i++) {
    if (s->cost[i] < s->pbest_cost[i]) {
      s->pbest_cost[i] = s->cost[i];
      memcpy(s->pbest + (size_t)i * d, s->x + (size_t)i * d, (size_t)d * sizeof(double));
    }
  }
  /* Star.compute_gbest: the first argmin of pbest_cost, taken only when
   * strictly below the current global best */
  int best = 0;
  for (int i = 1; i < n; i++)
    if (s->pbest_cost[i] < s->pbest_cost[best]) best = i;
  if (s->pbest_cost[best] < s->gbest_cost) {
    s->gbest_cost = s->pbest_cost[best];
    s->gbest_index = best;
    memcpy(s->gbest, s->pbest + (size_t)best * d, (size_t)d * sizeof(double));
  }
  return s->gbest_cost;
}

/* numpy's float mod for positive a, b: fmod (exact). */
static double pos_mod(double a, double b) {
  double m = fmod(a, b);
  if (m != 0 && (m < 0) != (b < 0)) m += b;
  return m;
}

static inline double bound_inline(double x, double lb, double ub, pso_bounds strategy);

double pso_bound(double x, double lb, double ub, pso_bounds strategy) {
  return bound_inline(x, lb, ub, strategy);
}

static inline double bound_inline(double x, double lb, double ub, pso_bounds strategy) {
  switch (strategy) {
  case PSO_BOUNDS_NEAREST:
    if (x < lb) return lb;
    if (x > ub) return ub;
    return x;
  case PSO_BOUNDS_PERIODIC:
    if (x < lb) return ub - pos_mod(lb - x, ub - lb);
    if (x > ub) return lb + pos_mod(x - ub, ub - lb);
    return x;
  case PSO_BOUNDS_REFLECTIVE: {
    /* pyswarms mirrors repeatedly (2 lb - x, 2 ub - x) until inside.  A
     * point more than 64 widths out would take many passes (and an
     * infinite x never returns): fold it by the period 2 (ub - lb) first,
     * which the repeated mirrors reach anyway up to rounding. */
    double w = ub - lb;
    if (!isfinite(x)) return x < 0 ? lb : ub;
    if (x < lb - 64 * w || x > ub + 64 * w) x = lb + pos_mod(x - lb, 2 * w);
    while (x < lb || x > ub) {
      if (x < lb) x = 2 * lb - x;
      else x = 2 * ub - x;
    }
    return x;
  }
  }
  return x;
}

/* One particle's update (d coordinates); the strategy is a constant in
 * each of the three instantiations below, so its switch folds away. */
static inline void move_row(double *x, double *v, const double *p, const double *g,
                            const double *a, const double *b, const PsoSwarm *s,
                            pso_bounds strategy) {
  double w = s->w, c1 = s->c1, c2 = s->c2;
  for (int j = 0; j < s->d; j++) {
    double cog = c1 * a[j] * (p[j] - x[j]);
    double soc = c2 * b[j] * (g[j] - x[j]);
    double vj = w * v[j] + cog + soc;
    if (s->clamp) {
      /* VelocityHandler.__apply_clamp: <= vmin -> vmin, then >= vmax */
      if (vj <= s->vmin[j]) vj = s->vmin[j];
      if (vj >= s->vmax[j]) vj = s->vmax[j];
    }
    v[j] = vj;
    x[j] = bound_inline(x[j] + vj, s->lb[j], s->ub[j], strategy);
  }
}

void pso_swarm_move(PsoSwarm *s, const double *r1, const double *r2,
                    double *scratch) {
  int n = s->n, d = s->d;
  size_t nd = (size_t)n * (size_t)d;
  if (r1 == NULL || r2 == NULL) {
    for (size_t k = 0; k < 2 * nd; k++) scratch[k] = rng_uniform(&s->rng);
    r1 = scratch;
    r2 = scratch + nd;
  }
  for (int i = 0; i < n; i++) {
    size_t o = (size_t)i * d;
    switch (s->strategy) {
    case PSO_BOUNDS_PERIODIC:
      move_row(s->x + o, s->v + o, s->pbest + o, s->gbest, r1 + o, r2 + o, s, PSO_BOUNDS_PERIODIC);
      break;
    case PSO_BOUNDS_REFLECTIVE:
      move_row(s->x + o, s->v + o, s->pbest + o, s->gbest, r1 + o, r2 + o, s,
               PSO_BOUNDS_REFLECTIVE);
      break;
    case PSO_BOUNDS_NEAREST:
      move_row(s->x + o, s->v + o, s->pbest + o, s->gbest, r1 + o, r2 + o, s, PSO_BOUNDS_NEAREST);
      break;
    }
  }
  s->iter++;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

credo_status pso_swarm_run(PsoSwarm *s, pso_objective f, void *ctx,
                           int64_t iters, double *history, double *scratch,
                           double *objective_seconds) {
  double in_f = 0;
  for (int64_t t = 0; t < iters; t++) {
    if (credo_interrupted) return CREDO_EINTR;
    if (objective_seconds) {
      double t0 = now_seconds();
      f(s->cost, s->x, s->n, s->d, ctx);
      in_f += now_seconds() - t0;
    } else {
      f(s->cost, s->x, s->n, s->d, ctx);
    }
    history[t] = pso_swarm_update_best(s);
    pso_swarm_move(s, NULL, NULL, scratch);
  }
  if (objective_seconds) *objective_seconds = in_f;
  return CREDO_OK;
}

void pso_objective_sphere(double *cost, const double *x, int n, int d,
                          void *ctx) {
  (void)ctx;
  for (int i = 0; i < n; i++) {
    const double *r = x + (size_t)i * d;
    double acc = 0;
    for (int j = 0; j < d; j++) acc += r[j] * r[j];
    cost[i] = acc;
  }
}

void pso_objective_rosenbrock(double *cost, const double *x, int n, int d,
                              void *ctx) {
  (void)ctx;
  for (int i = 0; i < n; i++) {
    const double *r = x + (size_t)i * d;
    double acc = 0;
    for (int j = 0; j + 1 < d; j++) {
      double a = r[j + 1] - r[j] * r[j], b = 1 - r[j];
      acc += 100 * a * a + b * b;
    }
    cost[i] = acc;
  }
}

void pso_objective_rastrigin(double *cost, const double *x, int n, int d,
                             void *ctx) {
  (void)ctx;
  const double two_pi = 2.0 * 3.14159265358979323846;
  for (int i = 0; i < n; i++) {
    const double *r = x + (size_t)i * d;
    double acc = 0;
    for (int j = 0; j < d; j++) acc += r[j] * r[j] - 10.0 * cos(two_pi * r[j]);
    cost[i] = 10.0 * d + acc;
  }
}
