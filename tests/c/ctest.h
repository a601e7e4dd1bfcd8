/*
 * ctest.h: the smallest test harness that can fail.  Each C test program
 * includes it, calls its checks, and returns ctest_summary(), which prints
 * "N passed, N failed" (tests/run sums these lines).  Checks print the
 * largest difference they saw, as llm.c's check_tensor does.
 */
#ifndef CTEST_H
#define CTEST_H

#include <math.h>
#include <stdio.h>

static int ctest_passed = 0, ctest_failed = 0;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (cond) ctest_passed++;                                            \
    else {                                                               \
      ctest_failed++;                                                    \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
    }                                                                    \
  } while (0)

/* |a-b| <= tol * max(1, |b|), reporting the values on failure. */
#define CHECK_NEAR(a, b, tol)                                            \
  do {                                                                   \
    double ca_ = (double)(a), cb_ = (double)(b);                         \
    double sc_ = fabs(cb_) > 1.0 ? fabs(cb_) : 1.0;                      \
    if (fabs(ca_ - cb_) <= (tol) * sc_ || (isnan(ca_) && isnan(cb_)))    \
      ctest_passed++;                                                    \
    else {                                                               \
      ctest_failed++;                                                    \
      fprintf(stderr, "FAIL %s:%d: %s = %.17g, expected %.17g (tol %g)\n", \
              __FILE__, __LINE__, #a, ca_, cb_, (double)(tol));          \
    }                                                                    \
  } while (0)

/* Compare n doubles; one check; prints the largest relative difference. */
static inline void ctest_check_array(const char *name, const double *got,
                                     const double *want, long n, double tol) {
  double worst = 0;
  long at = -1;
  for (long i = 0; i < n; i++) {
    double sc = fabs(want[i]) > 1.0 ? fabs(want[i]) : 1.0;
    double d = fabs(got[i] - want[i]) / sc;
    if (!(d <= worst)) { worst = d; at = i; }
  }
  printf("  %-32s max rel diff %.3g\n", name, worst);
  if (worst <= tol) ctest_passed++;
  else {
    ctest_failed++;
    fprintf(stderr, "FAIL %s: at %ld got %.17g want %.17g\n", name, at,
            got[at], want[at]);
  }
}

static inline int ctest_summary(void) {
  printf("%d passed, %d failed\n", ctest_passed, ctest_failed);
  return ctest_failed ? 1 : 0;
}

#endif
