/*
 * test_pso.c: the PSO core (natives/pso) alone: the three bounds
 * strategies on hand-worked points, pyswarms' best-update rules (strict
 * improvement, first argmin on ties, NaN never a best), one velocity and
 * position step against the update written out, the clamp, the built-in
 * objectives at their optima, same seed same bits, convergence on sphere
 * and the interrupt flag.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../natives/pso/pso.h"
#include "ctest.h"

static void test_bounds(void) {
  /* nearest: clip */
  CHECK(pso_bound(-3, -1, 1, PSO_BOUNDS_NEAREST) == -1);
  CHECK(pso_bound(1.5, -1, 1, PSO_BOUNDS_NEAREST) == 1);
  CHECK(pso_bound(0.25, -1, 1, PSO_BOUNDS_NEAREST) == 0.25);
  /* reflective: 2 lb - x, repeated: -3.5 -> 1.5 -> 0.5 */
  CHECK(pso_bound(-1.5, -1, 1, PSO_BOUNDS_REFLECTIVE) == -0.5);
  CHECK(pso_bound(-3.5, -1, 1, PSO_BOUNDS_REFLECTIVE) == 0.5);
  CHECK(pso_bound(1.25, -1, 1, PSO_BOUNDS_REFLECTIVE) == 0.75);
  CHECK(pso_bound(1.0, -1, 1, PSO_BOUNDS_REFLECTIVE) == 1.0);
  /* far out: folded by the period 4 first, still inside and close to the
   * mirrored value */
  double far = pso_bound(1e6 + 0.5, -1, 1, PSO_BOUNDS_REFLECTIVE);
  CHECK(far >= -1 && far <= 1);
  CHECK_NEAR(far, 0.5, 1e-9);
  CHECK(pso_bound(INFINITY, -1, 1, PSO_BOUNDS_REFLECTIVE) == 1);
  CHECK(pso_bound(-INFINITY, -1, 1, PSO_BOUNDS_REFLECTIVE) == -1);
  /* periodic: x < lb -> ub - mod(lb - x, w); x > ub -> lb + mod(x - ub, w) */
  CHECK(pso_bound(-1.5, -1, 1, PSO_BOUNDS_PERIODIC) == 0.5);
  CHECK(pso_bound(1.25, -1, 1, PSO_BOUNDS_PERIODIC) == -0.75);
  CHECK(pso_bound(5.5, 0, 2, PSO_BOUNDS_PERIODIC) == 1.5);
}

static void test_best_rules(void) {
  double lb[2] = {-1, -1}, ub[2] = {1, 1};
  PsoSwarm s;
  CHECK(pso_swarm_alloc(&s, 3, 2, 0.5, 1, 1, PSO_BOUNDS_NEAREST, lb, ub, NULL, NULL) == CREDO_OK);
  double x0[6] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, v0[6] = {0};
  pso_swarm_init_given(&s, x0, v0, 1);
  CHECK(s.gbest_cost == INFINITY && s.gbest_index == -1);
  /* tie between particles 1 and 2 (0-based): the first wins; NaN never */
  s.cost[0] = NAN;
  s.cost[1] = 2.0;
  s.cost[2] = 2.0;
  CHECK(pso_swarm_update_best(&s) == 2.0);
  CHECK(s.gbest_index == 1);
  CHECK(s.gbest[0] == 0.3 && s.gbest[1] == 0.4);
  CHECK(isinf(s.pbest_cost[0]));
  /* an equal cost elsewhere does not move gbest or the pbest (strict <) */
  s.x[4] = -0.9;
  s.cost[0] = 5;
  s.cost[1] = 3;
  s.cost[2] = 2.0;
  CHECK(pso_swarm_update_best(&s) == 2.0);
  CHECK(s.gbest_index == 1);
  CHECK(s.pbest[4] == 0.5);
  CHECK(s.pbest_cost[0] == 5 && s.pbest_cost[1] == 2.0);
  /* a strictly better one does */
  s.cost[0] = 6;
  s.cost[1] = 3;
  s.cost[2] = 1.5;
  CHECK(pso_swarm_update_best(&s) == 1.5);
  CHECK(s.gbest_index == 2 && s.gbest[0] == -0.9);
  pso_swarm_free(&s);
  pso_swarm_free(&s); /* twice is safe */
}

static void test_move(void) {
  double lb[2] = {-10, -10}, ub[2] = {10, 10}, vmin[2] = {-0.5, -2}, vmax[2] = {0.5, 2};
  PsoSwarm s;
  CHECK(pso_swarm_alloc(&s, 2, 2, 0.7, 1.5, 1.7, PSO_BOUNDS_REFLECTIVE, lb, ub, vmin, vmax) ==
        CREDO_OK);
  double x0[4] = {1, 2, 3, -4}, v0[4] = {0.1, -0.2, 0.3, 0.4};
  pso_swarm_init_given(&s, x0, v0, 1);
  s.cost[0] = 1;
  s.cost[1] = 0.5; /* gbest = particle 2 = (3, -4) */
  pso_swarm_update_best(&s);
  /* pbest = x, so the cognitive term is 0 on this first move */
  double r1[4] = {0.2, 0.4, 0.6, 0.8}, r2[4] = {0.25, 0.5, 0.75, 1.0};
  pso_swarm_move(&s, r1, r2, NULL);
  double want_v[4], want_x[4];
  for (int k = 0; k < 4; k++) {
    int j = k % 2;
    double v = 0.7 * v0[k] + 1.5 * r1[k] * 0.0 + 1.7 * r2[k] * (x0[2 + j] - x0[k]);
    if (v <= vmin[j]) v = vmin[j];
    if (v >= vmax[j]) v = vmax[j];
    want_v[k] = v;
    want_x[k] = x0[k] + v;
  }
  ctest_check_array("move velocities", s.v, want_v, 4, 0);
  ctest_check_array("move positions", s.x, want_x, 4, 0);
  CHECK(s.v[0] == 0.5);  /* 0.07 + 1.7*0.25*2 = 0.92, clamped */
  CHECK(s.v[1] == -2);   /* -0.14 + 1.7*0.5*(-6) = -5.24, clamped */
  CHECK(s.iter == 1);
  pso_swarm_free(&s);
}

static void test_objectives(void) {
  double x[3 * 4] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 0, -1};
  double c[3];
  pso_objective_sphere(c, x, 3, 4, NULL);
  CHECK(c[0] == 0 && c[1] == 4 && c[2] == 6);
  pso_objective_rosenbrock(c, x, 3, 4, NULL);
  CHECK(c[0] == 3 && c[1] == 0);
  /* (1,2,0,-1): 100(2-1)^2 + 0 + 100(0-4)^2 + 1 + 100(-1-0)^2 + 1 */
  CHECK(c[2] == 100 + 1600 + 1 + 100 + 1);
  pso_objective_rastrigin(c, x, 3, 4, NULL);
  CHECK_NEAR(c[0], 0, 1e-12);
  CHECK_NEAR(c[1], 4, 1e-12);
  CHECK_NEAR(c[2], 6, 1e-12);
}

static void test_run(void) {
  enum { N = 30, D = 10, IT = 500 };
  double lb[D], ub[D], vmin[D], vmax[D];
  for (int j = 0; j < D; j++) {
    lb[j] = -5.12;
    ub[j] = 5.12;
    vmax[j] = 2.048;
    vmin[j] = -2.048;
  }
  PsoSwarm a, b;
  double *ha = malloc(IT * sizeof(double)), *hb = malloc(IT * sizeof(double));
  double *scr = malloc(2 * N * D * sizeof(double));
  CHECK(pso_swarm_alloc(&a, N, D, 0.7298, 1.49618, 1.49618, PSO_BOUNDS_REFLECTIVE, lb, ub, vmin,
                        vmax) == CREDO_OK);
  CHECK(pso_swarm_alloc(&b, N, D, 0.7298, 1.49618, 1.49618, PSO_BOUNDS_REFLECTIVE, lb, ub, vmin,
                        vmax) == CREDO_OK);
  pso_swarm_init_random(&a, 42);
  pso_swarm_init_random(&b, 42);
  for (int k = 0; k < N * D; k++) {
    CHECK_NEAR(a.x[k], 0, 5.12);
    CHECK(fabs(a.v[k]) <= 2.048);
  }
  double fsec = -1;
  CHECK(pso_swarm_run(&a, pso_objective_sphere, NULL, IT, ha, scr, &fsec) == CREDO_OK);
  CHECK(fsec >= 0);
  CHECK(pso_swarm_run(&b, pso_objective_sphere, NULL, IT, hb, scr, NULL) == CREDO_OK);
  CHECK(memcmp(ha, hb, IT * sizeof(double)) == 0);
  CHECK(memcmp(a.x, b.x, N * D * sizeof(double)) == 0);
  int mono = 1;
  for (int t = 1; t < IT; t++) mono &= ha[t] <= ha[t - 1];
  CHECK(mono);
  printf("  sphere 10-d, %d x %d: best %.3g\n", N, IT, ha[IT - 1]);
  CHECK(ha[IT - 1] < 1e-8);
  credo_interrupted = 1;
  CHECK(pso_swarm_run(&a, pso_objective_sphere, NULL, IT, ha, scr, NULL) == CREDO_EINTR);
  credo_interrupted = 0;
  pso_swarm_free(&a);
  pso_swarm_free(&b);
  free(ha);
  free(hb);
  free(scr);
}

int main(void) {
  test_bounds();
  test_best_rules();
  test_move();
  test_objectives();
  test_run();
  return ctest_summary();
}
