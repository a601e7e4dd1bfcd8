/*
 * batch.c: row gathering for minibatches (batch.h has the contract).  One
 * memcpy per row: rows of a design matrix are a few hundred bytes, so the
 * copy runs at memory speed.  tensor_index_select's general strided path
 * is several times slower for this shape (measured on the shared 2-core
 * machine, 100,000 x 30 float32 rows in random order: 0.09-0.10 s there,
 * 0.016-0.020 s here).
 */
#include "batch.h"

#include <string.h>

/* Bytes below which the copy stays on the calling thread. */
#define BATCH_PAR_BYTES (1 << 20)

void batch_gather_rows(void *out, const void *x, const int64_t *idx,
                       int64_t n, size_t row_bytes) {
  char *o = (char *)out;
  const char *src = (const char *)x;
  int nt = credo_threads_get();
  if ((size_t)n * row_bytes < BATCH_PAR_BYTES || nt < 2) {
    for (int64_t i = 0; i < n; i++)
      memcpy(o + (size_t)i * row_bytes, src + (size_t)(idx[i] - 1) * row_bytes,
             row_bytes);
    return;
  }
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int64_t i = 0; i < n; i++)
    memcpy(o + (size_t)i * row_bytes, src + (size_t)(idx[i] - 1) * row_bytes,
           row_bytes);
}

int64_t batch_find_bad_index(const int64_t *idx, int64_t n, int64_t rows) {
  for (int64_t i = 0; i < n; i++)
    if (idx[i] < 1 || idx[i] > rows) return i;
  return -1;
}
