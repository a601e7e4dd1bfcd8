/*
 * forest_internal.h: what the forest core's files share and nobody else
 * uses: the per-thread work space of the tree builder.  Not a public API.
 */
#ifndef CREDO_FOREST_INTERNAL_H
#define CREDO_FOREST_INTERNAL_H

#include "../random/rng.h"
#include "forest.h"

/* A node waiting on the builder's stack (sklearn's StackRecord). */
typedef struct ForestRec {
  int64_t start, end;
  int32_t depth;
  int64_t parent;
  int is_left;
  double impurity;
  int n_constant;
} ForestRec;

/* Scratch for growing one tree over at most n rows; one per thread. */
typedef struct ForestWork {
  int64_t n;
  int d, k;
  int unit;          /* every weight is 1 (wt is all ones) */
  int intw;          /* every weight an integer < 2^24, k <= 256 */
  int32_t *idx;      /* (n) node rows, each node a range, increasing rows */
  int32_t *lab;      /* (n) class of idx[p] */
  double *wt;        /* (n) weight of idx[p] */
  int32_t *tidx;     /* (n) partition scratch for the right child */
  int32_t *tlab;
  double *twt;
  float *xf;         /* (n) the current feature's values, node order */
  float *xbest;      /* (n) the best feature's values, node order */
  uint64_t *keys;    /* (n) sort keys: value image << 32 | position */
  uint64_t *ktmp;    /* (n) sort scratch */
  int32_t *features; /* (d) sklearn's features permutation */
  int32_t *constant; /* (d) sklearn's constant_features */
  double *sums;      /* (3k) node totals, left sums, best left sums */
  int64_t *isums;    /* (k) left sums of the integer scan */
  ForestRec *stack;
  int64_t stack_cap;
} ForestWork;

credo_status forest_work_alloc(ForestWork *W, int64_t n, int d, int k);
void forest_work_free(ForestWork *W);
credo_status forest_tree_grow_work(ForestWork *W, ForestTree *t,
                                   const ForestData *D, const int32_t *rows,
                                   int64_t m0, const double *w,
                                   const ForestParams *P, Rng *rng);

#endif
