/*
 * common.c: status strings, the interrupt flag and the thread count shared by
 * every credo core.  Pure C: no Lua.
 */
#include "credo_core.h"

#include <cblas.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

volatile sig_atomic_t credo_interrupted = 0;

static int nthreads = 0; /* 0: not yet set, use the number of cores */

const char *credo_strstatus(credo_status s) {
  switch (s) {
  case CREDO_OK: return "ok";
  case CREDO_ENOMEM: return "not enough memory";
  case CREDO_EINTR: return "interrupted";
  case CREDO_ESINGULAR: return "matrix is singular or not positive definite";
  case CREDO_ENOCONV: return "did not converge";
  case CREDO_EIO: return "input/output error";
  case CREDO_EFORMAT: return "malformed input";
  case CREDO_EINVAL: return "invalid argument";
  }
  return "unknown status";
}

int credo_threads_get(void) {
  if (nthreads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = n > 0 ? (int)n : 1;
  }
  return nthreads;
}

void credo_threads_set(int n) {
  nthreads = n > 0 ? n : 1;
#ifdef _OPENMP
  omp_set_num_threads(nthreads);
#endif
  /* OpenBLAS's own threading changes results with the thread count, so
   * OpenBLAS always runs one thread; credo parallelises BLAS work itself over
   * tiles fixed by the shape alone (natives/tensor/linalg.c). */
  openblas_set_num_threads(1);
}

int credo_mul_size(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a) return -1;
  *out = a * b;
  return 0;
}

int credo_replaceable_path(const char *path) {
  struct stat sb;
  return stat(path, &sb) != 0 || S_ISREG(sb.st_mode);
}
