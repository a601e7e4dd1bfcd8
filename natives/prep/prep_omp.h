/*
 * prep_omp.h: the status flag the parallel loops of the prep core share.
 * A worker that fails (out of memory, Ctrl-C) stores its status; the
 * others read it and skip their remaining items.  Atomic (relaxed) reads
 * and writes, GCC's __atomic builtins, keep the flag free of data races.
 * Not a public header.
 */
#ifndef CREDO_PREP_OMP_H
#define CREDO_PREP_OMP_H

#include "../common/credo_core.h"

static inline credo_status prep_status_get(credo_status *st) {
  return __atomic_load_n(st, __ATOMIC_RELAXED);
}

static inline void prep_status_set(credo_status *st, credo_status v) {
  __atomic_store_n(st, v, __ATOMIC_RELAXED);
}

#endif
