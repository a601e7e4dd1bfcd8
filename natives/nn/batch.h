/*
 * batch.h: assembling minibatches for the training loop (credo.nn.fit),
 * pure C.  The loop shuffles by index and copies the selected rows of X, y
 * and the sample weights into batch buffers it allocated once, so an epoch
 * allocates nothing per batch.
 *
 * What it is not: a data loader (no I/O, no prefetching), a general
 * index_select (tensor_reduce.c has that, with any dim and strides): rows
 * here are contiguous blocks of bytes.
 */
#ifndef CREDO_BATCH_H
#define CREDO_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "../common/credo_core.h"

/* out (n, row) = x[idx[i] - 1] for i < n: idx holds 1-BASED row numbers of
 * x (as Lua sees them), each in 1..rows of x (the caller checked).  A row
 * is row_bytes bytes; x and out are contiguous.  Large copies are shared
 * by OpenMP threads over fixed row ranges. */
void batch_gather_rows(void *out, const void *x, const int64_t *idx,
                       int64_t n, size_t row_bytes);

/* The first i < n with idx[i] outside 1..rows, or -1. */
int64_t batch_find_bad_index(const int64_t *idx, int64_t n, int64_t rows);

#endif
