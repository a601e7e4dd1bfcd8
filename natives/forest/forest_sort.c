/*
 * forest_sort.c: the sort behind the best-split search (forest.h).
 *
 * Keys are uint64: the order-preserving image of a float32 value in the top
 * 32 bits, a payload in the low 32 bits (the row's position in its node,
 * written in increasing order, or its weight and class).  Keys come out in
 * increasing order of their value word.  Small inputs use comparison sorts
 * of the whole word (ties by payload), large ones a stable LSD radix sort
 * of the value bytes (ties in input order): the same order when the
 * payloads increase in input order, as positions do.  What it is not: a
 * general sort.
 */
#include <string.h>

#include "forest.h"

#define INSERTION_SORT 16 /* below: insertion sort */
#define RADIX_SORT 512    /* from here: radix sort; between: quicksort */

/* Insertion sort of the whole 64-bit keys. */
static void insertion_sort(uint64_t *a, int64_t n) {
  for (int64_t i = 1; i < n; i++) {
    uint64_t v = a[i];
    int64_t j = i;
    while (j > 0 && a[j - 1] > v) {
      a[j] = a[j - 1];
      j--;
    }
    a[j] = v;
  }
}

/* Quicksort of the whole 64-bit keys (Hoare's partition around the median
 * of the first, middle and last keys; Sedgewick, "Implementing Quicksort
 * programs", CACM 1978), recursing into the smaller part; only used below
 * RADIX_SORT keys, so even its worst case is bounded. */
static void quick_sort(uint64_t *a, int64_t n) {
  while (n > INSERTION_SORT) {
    uint64_t x = a[0], y = a[n / 2], z = a[n - 1], pv;
    if (x < y) pv = y < z ? y : (x < z ? z : x);
    else pv = x < z ? x : (y < z ? z : y);
    int64_t i = 0, j = n - 1;
    for (;;) {
      while (a[i] < pv) i++;
      while (a[j] > pv) j--;
      if (i >= j) break;
      uint64_t t = a[i];
      a[i++] = a[j];
      a[j--] = t;
    }
    /* a[0..j] <= pv <= a[j+1..n-1] */
    if (j + 1 < n - j - 1) {
      quick_sort(a, j + 1);
      a += j + 1;
      n -= j + 1;
    } else {
      quick_sort(a + j + 1, n - j - 1);
      n = j + 1;
    }
  }
  insertion_sort(a, n);
}

/* LSD radix sort on bytes 4..7 (the value's image), Knuth TAOCP 5.2.5
 * (Algorithm R's distribution counting): one pass over the keys counts the
 * four digits at once; a digit that is the same for every key (common in a
 * deep node, whose values span a narrow range) costs no pass. */
void forest_sort_keys(uint64_t *keys, uint64_t *tmp, int64_t n) {
  if (n < RADIX_SORT) {
    quick_sort(keys, n);
    return;
  }
  uint32_t count[4][256];
  memset(count, 0, sizeof count);
  for (int64_t i = 0; i < n; i++) {
    uint32_t k = (uint32_t)(keys[i] >> 32);
    count[0][k & 0xff]++;
    count[1][(k >> 8) & 0xff]++;
    count[2][(k >> 16) & 0xff]++;
    count[3][k >> 24]++;
  }
  uint64_t *src = keys, *dst = tmp;
  for (int b = 0; b < 4; b++) {
    uint32_t *c = count[b];
    int shift = 32 + 8 * b;
    if (c[(src[0] >> shift) & 0xff] == (uint32_t)n) continue; /* constant digit */
    uint32_t sum = 0;
    for (int v = 0; v < 256; v++) {
      uint32_t t = c[v];
      c[v] = sum;
      sum += t;
    }
    for (int64_t i = 0; i < n; i++) {
      uint64_t k = src[i];
      dst[c[(k >> shift) & 0xff]++] = k;
    }
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != keys) memcpy(keys, src, (size_t)n * sizeof *keys);
}

/* Bottom-up merge sort by the top word, stable: the reference twin. */
void forest_sort_keys_ref(uint64_t *keys, uint64_t *tmp, int64_t n) {
  uint64_t *src = keys, *dst = tmp;
  for (int64_t width = 1; width < n; width *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * width) {
      int64_t mid = lo + width < n ? lo + width : n;
      int64_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      int64_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi)
        dst[o++] = (src[j] >> 32) < (src[i] >> 32) ? src[j++] : src[i++];
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
    }
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != keys) memcpy(keys, src, (size_t)n * sizeof *keys);
}
