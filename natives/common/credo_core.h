/*
 * credo_core.h: what every pure C core of credo shares.
 *
 * Status codes, the interrupt flag that long loops poll, and the thread
 * count.  No Lua here: a core that includes this header can be compiled,
 * tested and benchmarked without an interpreter.
 */
#ifndef CREDO_CORE_H
#define CREDO_CORE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* Runtime outcomes a core reports; invariants are asserted, not returned. */
typedef enum {
  CREDO_OK = 0,
  CREDO_ENOMEM,     /* allocation failed or size overflowed */
  CREDO_EINTR,      /* the interrupt flag was raised (Ctrl-C) */
  CREDO_ESINGULAR,  /* a factorisation met a singular / non-PD matrix */
  CREDO_ENOCONV,    /* an iterative routine did not converge */
  CREDO_EIO,        /* a read or write failed (errno holds why) */
  CREDO_EFORMAT,    /* malformed input data */
  CREDO_EINVAL      /* an argument the caller should have checked */
} credo_status;

const char *credo_strstatus(credo_status s);

/* Set from a signal handler (SIGINT); kernels poll it in their outer loops
 * and return CREDO_EINTR.  The binding clears it before raising. */
extern volatile sig_atomic_t credo_interrupted;

/* Worker threads for OpenMP kernels (and OpenBLAS).  Default: cores. */
int credo_threads_get(void);
void credo_threads_set(int n);

/* Checked size arithmetic: returns 0 and sets *out on success, -1 on
 * overflow. */
int credo_mul_size(size_t a, size_t b, size_t *out);

/* Whether an atomic write (temporary file, rename) may replace path: 1
 * when path does not exist or is a regular file (a symbolic link is
 * followed), 0 for a device, pipe, socket or directory, which a rename
 * would replace (a save to /dev/null as root would replace the device). */
int credo_replaceable_path(const char *path);

#endif
