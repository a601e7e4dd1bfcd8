/*
 * knn.c: exact k-nearest-neighbour search (brute force on BLAS, k-d tree)
 * and the neighbours' vote.  The interface, the tie rule and the references
 * are in knn.h.  What it is not: no argument checks, no Lua.
 */
#include "knn.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tensor/linalg.h"

/* Query rows per block (the unit of OpenMP work and of interrupt polling)
 * and training rows per GEMM block: the (QB, TB) distance block stays in
 * cache (1 MiB in double). */
enum { QB = 64, TB = 2048 };

/* ---- the bounded max-heap of the k best (distance, index) pairs ----
 * Ordered by distance, then index: the root is the worst kept candidate. */

typedef struct {
  double *d;
  int64_t *i;
  int k, c;
} Heap;

static int worse(double da, int64_t ia, double db, int64_t ib) {
  return da > db || (da == db && ia > ib);
}

static void heap_reset(Heap *h) { h->c = 0; }

static void sift_down(Heap *h, int p) {
  for (;;) {
    int l = 2 * p + 1, r = l + 1, w = p;
    if (l < h->c && worse(h->d[l], h->i[l], h->d[w], h->i[w])) w = l;
    if (r < h->c && worse(h->d[r], h->i[r], h->d[w], h->i[w])) w = r;
    if (w == p) return;
    double td = h->d[p];
    int64_t ti = h->i[p];
    h->d[p] = h->d[w], h->i[p] = h->i[w];
    h->d[w] = td, h->i[w] = ti;
    p = w;
  }
}

/* Offer (d, i): kept if the heap is not full or it beats the root. */
static void heap_push(Heap *h, double d, int64_t i) {
  if (h->c < h->k) {
    int p = h->c++;
    while (p > 0) {
      int up = (p - 1) / 2;
      if (!worse(d, i, h->d[up], h->i[up])) break;
      h->d[p] = h->d[up], h->i[p] = h->i[up];
      p = up;
    }
    h->d[p] = d, h->i[p] = i;
    return;
  }
  if (!worse(h->d[0], h->i[0], d, i)) return;
  h->d[0] = d, h->i[0] = i;
  sift_down(h, 0);
}

/* The bound a candidate must beat (strictly, or equal with a lower index). */
static double heap_bound(const Heap *h) { return h->c < h->k ? INFINITY : h->d[0]; }

/* Heap sort in place: d, i ascending by (distance, index). */
static void heap_sort(Heap *h) {
  int c = h->c;
  while (h->c > 1) {
    int last = --h->c;
    double td = h->d[0];
    int64_t ti = h->i[0];
    h->d[0] = h->d[last], h->i[0] = h->i[last];
    h->d[last] = td, h->i[last] = ti;
    sift_down(h, 0);
  }
  h->c = c;
}

/* Insertion sort of k (distance, index) pairs, ascending. */
static void sort_pairs(double *d, int64_t *i, int k) {
  for (int a = 1; a < k; a++) {
    double dv = d[a];
    int64_t iv = i[a];
    int b = a - 1;
    while (b >= 0 && worse(d[b], i[b], dv, iv)) {
      d[b + 1] = d[b], i[b + 1] = i[b];
      b--;
    }
    d[b + 1] = dv, i[b + 1] = iv;
  }
}

/* ---- exact distances, in double ---- */

static double dist_f64(const double *a, const double *b, int d, KnnMetric metric) {
  double s = 0;
  if (metric == KNN_EUCLIDEAN) {
    for (int j = 0; j < d; j++) {
      double t = a[j] - b[j];
      s += t * t;
    }
    return sqrt(s);
  }
  for (int j = 0; j < d; j++) s += fabs(a[j] - b[j]);
  return s;
}

static double dist_f32(const float *a, const float *b, int d) {
  double s = 0;
  for (int j = 0; j < d; j++) {
    double t = (double)a[j] - (double)b[j];
    s += t * t;
  }
  return sqrt(s);
}

/* ---- brute force ---- */

/* Shared driver: per query block, offer every training row to each query's
 * heap (brute_block), then write the sorted winners with exact distances
 * (brute_finish). */
typedef struct {
  const void *x, *q;
  const double *xn;  /* (n) |x|^2 for Euclidean float64, else NULL */
  const float *xnf;  /* (n) |x|^2 rounded to float32, Euclidean float32 */
  int64_t n, m;
  int d, k, f32;
  KnnMetric metric;
} Brute;

/* One query block [q0, q0 + qb) against all training rows; buf holds
 * QB * TB doubles (or floats), heaps k pairs per query. */
static void brute_block(const Brute *B, int64_t q0, int qb, void *buf, Heap *heaps) {
  const int d = B->d;
  /* Euclidean ranks by |x|^2 - 2 q.x: |q|^2 is the same for every
   * training row of a query, so it is left out until the exact distances */
  for (int r = 0; r < qb; r++) heap_reset(&heaps[r]);
  for (int64_t t0 = 0; t0 < B->n; t0 += TB) {
    int tb = (int)(B->n - t0 < TB ? B->n - t0 : TB);
    if (B->metric == KNN_EUCLIDEAN) {
      /* buf (qb, tb) = |x|^2 - 2 q x^T: each row starts as |x|^2 and the
       * GEMM adds (beta = 1, so OpenBLAS skips its zeroing pass) */
      if (B->f32) {
        float *g = (float *)buf;
        for (int r = 0; r < qb; r++)
          memcpy(g + (int64_t)r * tb, B->xnf + t0, (size_t)tb * sizeof *g);
        linalg_gemm_f32(g, (const float *)B->q + q0 * d, (const float *)B->x + t0 * d,
                        0, 1, qb, tb, d, d, d, tb, -2.0f, 1.0f);
        for (int r = 0; r < qb; r++) {
          Heap *h = &heaps[r];
          const float *gr = g + (int64_t)r * tb;
          float bound = (float)heap_bound(h);
          int j = 0;
          /* test 8 at a time without branches (vectorisable); most
           * groups hold no candidate */
          for (; j + 8 <= tb; j += 8) {
            int any = 0;
            for (int u = 0; u < 8; u++) any |= gr[j + u] < bound;
            if (!any) continue;
            for (int u = 0; u < 8; u++)
              if (gr[j + u] < bound) {
                heap_push(h, gr[j + u], t0 + j + u);
                bound = (float)heap_bound(h);
              }
          }
          for (; j < tb; j++)
            if (gr[j] < bound) {
              heap_push(h, gr[j], t0 + j);
              bound = (float)heap_bound(h);
            }
        }
      } else {
        double *g = (double *)buf;
        for (int r = 0; r < qb; r++)
          memcpy(g + (int64_t)r * tb, B->xn + t0, (size_t)tb * sizeof *g);
        linalg_gemm_f64(g, (const double *)B->q + q0 * d, (const double *)B->x + t0 * d,
                        0, 1, qb, tb, d, d, d, tb, -2.0, 1.0);
        for (int r = 0; r < qb; r++) {
          Heap *h = &heaps[r];
          const double *gr = g + (int64_t)r * tb;
          double bound = heap_bound(h);
          for (int j = 0; j < tb; j++)
            if (gr[j] < bound) {
              heap_push(h, gr[j], t0 + j);
              bound = heap_bound(h);
            }
        }
      }
    } else {
      const double *X = (const double *)B->x, *Q = (const double *)B->q;
      for (int r = 0; r < qb; r++) {
        Heap *h = &heaps[r];
        const double *qr = Q + (q0 + r) * d;
        double bound = heap_bound(h);
        for (int j = 0; j < tb; j++) {
          const double *xr = X + (t0 + j) * d;
          double s = 0;
          for (int c = 0; c < d; c++) s += fabs(qr[c] - xr[c]);
          if (s < bound) {
            heap_push(h, s, t0 + j);
            bound = heap_bound(h);
          }
        }
      }
    }
  }
}

/* Write query r's winners: exact distances, sorted by (distance, index). */
static void brute_finish(const Brute *B, double *dist, int64_t *idx, int64_t qi,
                         const Heap *h) {
  const int k = B->k, d = B->d;
  double *dr = dist + qi * k;
  int64_t *ir = idx + qi * k;
  /* the binding's range check keeps every distance finite, so each heap
   * holds k rows; never read a slot that was not filled */
  assert(h->c == k);
  for (int a = 0; a < k; a++) {
    int64_t t = h->i[a];
    ir[a] = t;
    if (B->metric == KNN_MANHATTAN)
      dr[a] = h->d[a]; /* already a direct double sum */
    else if (B->f32)
      dr[a] = dist_f32((const float *)B->q + qi * d, (const float *)B->x + t * d, d);
    else
      dr[a] = dist_f64((const double *)B->q + qi * d, (const double *)B->x + t * d, d,
                       KNN_EUCLIDEAN);
  }
  sort_pairs(dr, ir, k);
}

static credo_status brute_run(double *dist, int64_t *idx, const Brute *B) {
  const int64_t nblocks = (B->m + QB - 1) / QB;
  credo_status status = CREDO_OK;
  int nt = credo_threads_get();
  if (nt > nblocks) nt = (int)(nblocks > 0 ? nblocks : 1);
#pragma omp parallel num_threads(nt)
  {
    size_t esz = B->f32 ? sizeof(float) : sizeof(double);
    void *buf = B->metric == KNN_EUCLIDEAN ? malloc((size_t)QB * TB * esz) : NULL;
    double *hd = malloc((size_t)QB * B->k * sizeof *hd);
    int64_t *hi = malloc((size_t)QB * B->k * sizeof *hi);
    int ok = hd && hi && (buf || B->metric != KNN_EUCLIDEAN);
    if (!ok) {
#pragma omp critical(knn_status)
      status = CREDO_ENOMEM;
    }
    Heap heaps[QB];
    for (int r = 0; ok && r < QB; r++) {
      heaps[r].d = hd + (size_t)r * B->k;
      heaps[r].i = hi + (size_t)r * B->k;
      heaps[r].k = B->k;
      heaps[r].c = 0;
    }
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < nblocks; b++) {
      credo_status s;
#pragma omp atomic read
      s = status;
      if (s != CREDO_OK) continue;
      if (credo_interrupted) {
#pragma omp critical(knn_status)
        status = CREDO_EINTR;
        continue;
      }
      int64_t q0 = b * QB;
      int qb = (int)(B->m - q0 < QB ? B->m - q0 : QB);
      brute_block(B, q0, qb, buf, heaps);
      for (int r = 0; r < qb; r++) {
        heap_sort(&heaps[r]);
        brute_finish(B, dist, idx, q0 + r, &heaps[r]);
      }
    }
    free(buf);
    free(hd);
    free(hi);
  }
  return status;
}

credo_status knn_brute_euclidean_f32(double *dist, int64_t *idx, const float *x,
                                     const float *q, int64_t n, int64_t m, int d,
                                     int k) {
  assert(k >= 1 && k <= n);
  float *xn = malloc((size_t)n * sizeof *xn);
  if (!xn) return CREDO_ENOMEM;
  for (int64_t i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < d; j++) s += (double)x[i * d + j] * (double)x[i * d + j];
    xn[i] = (float)s;
  }
  Brute B = {x, q, NULL, xn, n, m, d, k, 1, KNN_EUCLIDEAN};
  credo_status s = brute_run(dist, idx, &B);
  free(xn);
  return s;
}

credo_status knn_brute_euclidean_f64(double *dist, int64_t *idx, const double *x,
                                     const double *q, int64_t n, int64_t m, int d,
                                     int k) {
  assert(k >= 1 && k <= n);
  double *xn = malloc((size_t)n * sizeof *xn);
  if (!xn) return CREDO_ENOMEM;
  for (int64_t i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
    xn[i] = s;
  }
  Brute B = {x, q, xn, NULL, n, m, d, k, 0, KNN_EUCLIDEAN};
  credo_status s = brute_run(dist, idx, &B);
  free(xn);
  return s;
}

credo_status knn_brute_manhattan_f64(double *dist, int64_t *idx, const double *x,
                                     const double *q, int64_t n, int64_t m, int d,
                                     int k) {
  assert(k >= 1 && k <= n);
  Brute B = {x, q, NULL, NULL, n, m, d, k, 0, KNN_MANHATTAN};
  return brute_run(dist, idx, &B);
}

credo_status knn_brute_ref_f64(double *dist, int64_t *idx, const double *x,
                               const double *q, int64_t n, int64_t m, int d,
                               int k, KnnMetric metric) {
  assert(k >= 1 && k <= n);
  double *all = malloc((size_t)n * sizeof *all);
  int64_t *ord = malloc((size_t)n * sizeof *ord);
  if (!all || !ord) {
    free(all);
    free(ord);
    return CREDO_ENOMEM;
  }
  for (int64_t r = 0; r < m; r++) {
    for (int64_t i = 0; i < n; i++) {
      all[i] = dist_f64(q + r * d, x + i * d, d, metric);
      ord[i] = i;
    }
    /* selection of the k smallest by (distance, index), then sorted */
    for (int a = 0; a < k; a++) {
      int64_t best = a;
      for (int64_t i = a + 1; i < n; i++)
        if (worse(all[best], ord[best], all[i], ord[i])) best = i;
      double td = all[a];
      int64_t ti = ord[a];
      all[a] = all[best], ord[a] = ord[best];
      all[best] = td, ord[best] = ti;
      dist[r * k + a] = all[a];
      idx[r * k + a] = ord[a];
    }
  }
  free(all);
  free(ord);
  return CREDO_OK;
}

/* ---- k-d tree ---- */

typedef struct {
  KnnTree *t;
  int cap;
  const double *x0; /* the original rows */
} Builder;

static int tree_grow(Builder *b) {
  KnnTree *t = b->t;
  if (t->n_nodes < b->cap) return 0;
  int cap = b->cap ? 2 * b->cap : 64;
  int64_t *s = realloc(t->start, (size_t)cap * sizeof *s);
  if (s) t->start = s;
  int64_t *e = realloc(t->end, (size_t)cap * sizeof *e);
  if (e) t->end = e;
  int *l = realloc(t->left, (size_t)cap * sizeof *l);
  if (l) t->left = l;
  int *r = realloc(t->right, (size_t)cap * sizeof *r);
  if (r) t->right = r;
  double *lo = realloc(t->lo, (size_t)cap * t->d * sizeof *lo);
  if (lo) t->lo = lo;
  double *hi = realloc(t->hi, (size_t)cap * t->d * sizeof *hi);
  if (hi) t->hi = hi;
  if (!s || !e || !l || !r || !lo || !hi) return -1;
  b->cap = cap;
  return 0;
}

/* Value of row perm[i] in dimension c. */
#define KEY(i) (b->x0[t->perm[i] * d + c])

/* Partial sort of perm[a, z) on dimension c so that perm[mid] is the row of
 * the median value, smaller (or equal) keys before it, larger after
 * (Hoare's selection; ties broken by the original index so the tree does
 * not depend on the input order beyond it). */
static void select_median(Builder *b, int64_t a, int64_t z, int64_t mid, int c) {
  KnnTree *t = b->t;
  const int d = t->d;
  int64_t lo = a, hi = z - 1;
  while (lo < hi) {
    int64_t p = lo + (hi - lo) / 2;
    double pv = KEY(p);
    int64_t pi = t->perm[p];
    int64_t i = lo, j = hi;
    while (i <= j) {
      while (KEY(i) < pv || (KEY(i) == pv && t->perm[i] < pi)) i++;
      while (KEY(j) > pv || (KEY(j) == pv && t->perm[j] > pi)) j--;
      if (i <= j) {
        int64_t tmp = t->perm[i];
        t->perm[i] = t->perm[j];
        t->perm[j] = tmp;
        i++, j--;
      }
    }
    if (mid <= j) hi = j;
    else if (mid >= i) lo = i;
    else break;
  }
}
#undef KEY

/* Build the node over perm[a, z); returns its id or -1 (out of memory). */
static int build_node(Builder *b, int64_t a, int64_t z) {
  KnnTree *t = b->t;
  const int d = t->d;
  if (tree_grow(b)) return -1;
  int id = t->n_nodes++;
  t->start[id] = a, t->end[id] = z;
  t->left[id] = t->right[id] = -1;
  double *lo = t->lo + (size_t)id * d, *hi = t->hi + (size_t)id * d;
  for (int c = 0; c < d; c++) lo[c] = INFINITY, hi[c] = -INFINITY;
  for (int64_t i = a; i < z; i++) {
    const double *r = b->x0 + t->perm[i] * d;
    for (int c = 0; c < d; c++) {
      if (r[c] < lo[c]) lo[c] = r[c];
      if (r[c] > hi[c]) hi[c] = r[c];
    }
  }
  if (z - a <= t->leaf_size) return id;
  int best = 0;
  double spread = -1;
  for (int c = 0; c < d; c++)
    if (hi[c] - lo[c] > spread) spread = hi[c] - lo[c], best = c;
  if (spread <= 0) return id; /* all rows equal: one leaf */
  int64_t mid = a + (z - a) / 2;
  select_median(b, a, z, mid, best);
  int l = build_node(b, a, mid);
  if (l < 0) return -1;
  int r = build_node(b, mid, z);
  if (r < 0) return -1;
  t->left[id] = l, t->right[id] = r; /* arrays may have moved: index afresh */
  return id;
}

credo_status knn_tree_build(KnnTree *t, const double *x, int64_t n, int d,
                            int leaf_size) {
  assert(n >= 1 && d >= 1 && leaf_size >= 1);
  memset(t, 0, sizeof *t);
  t->n = n, t->d = d, t->leaf_size = leaf_size;
  t->perm = malloc((size_t)n * sizeof *t->perm);
  t->x = malloc((size_t)n * d * sizeof *t->x);
  if (!t->perm || !t->x) {
    knn_tree_free(t);
    return CREDO_ENOMEM;
  }
  for (int64_t i = 0; i < n; i++) t->perm[i] = i;
  Builder b = {t, 0, x};
  if (build_node(&b, 0, n) < 0) {
    knn_tree_free(t);
    return CREDO_ENOMEM;
  }
  for (int64_t i = 0; i < n; i++)
    memcpy(t->x + i * d, x + t->perm[i] * d, (size_t)d * sizeof *x);
  return CREDO_OK;
}

void knn_tree_free(KnnTree *t) {
  free(t->x), free(t->perm), free(t->start), free(t->end);
  free(t->left), free(t->right), free(t->lo), free(t->hi);
  memset(t, 0, sizeof *t);
}

/* Reduced distance (squared for Euclidean) from q to node's box. */
static double box_rdist(const KnnTree *t, int node, const double *q, KnnMetric metric) {
  const int d = t->d;
  const double *lo = t->lo + (size_t)node * d, *hi = t->hi + (size_t)node * d;
  double s = 0;
  for (int c = 0; c < d; c++) {
    double g = 0;
    if (q[c] < lo[c]) g = lo[c] - q[c];
    else if (q[c] > hi[c]) g = q[c] - hi[c];
    s += metric == KNN_EUCLIDEAN ? g * g : g;
  }
  return s;
}

/* Depth-first search below `node` whose box is at reduced distance rd;
 * the heap holds reduced distances. */
static void tree_search(const KnnTree *t, int node, double rd, const double *q,
                        KnnMetric metric, Heap *h) {
  if (rd > heap_bound(h)) return; /* strictly: an equal one may win on index */
  const int d = t->d;
  if (t->left[node] < 0) {
    for (int64_t i = t->start[node]; i < t->end[node]; i++) {
      const double *r = t->x + i * d;
      double bound = heap_bound(h), s = 0;
      int c = 0;
      if (metric == KNN_EUCLIDEAN)
        for (; c < d && s <= bound; c++) {
          double g = q[c] - r[c];
          s += g * g;
        }
      else
        for (; c < d && s <= bound; c++) s += fabs(q[c] - r[c]);
      if (c == d) heap_push(h, s, t->perm[i]);
    }
    return;
  }
  int l = t->left[node], r = t->right[node];
  double rl = box_rdist(t, l, q, metric), rr = box_rdist(t, r, q, metric);
  if (rl <= rr) {
    tree_search(t, l, rl, q, metric, h);
    tree_search(t, r, rr, q, metric, h);
  } else {
    tree_search(t, r, rr, q, metric, h);
    tree_search(t, l, rl, q, metric, h);
  }
}

credo_status knn_tree_query(double *dist, int64_t *idx, const KnnTree *t,
                            const double *q, int64_t m, int k, KnnMetric metric) {
  assert(k >= 1 && k <= t->n);
  const int64_t nblocks = (m + QB - 1) / QB;
  credo_status status = CREDO_OK;
  int nt = credo_threads_get();
  if (nt > nblocks) nt = (int)(nblocks > 0 ? nblocks : 1);
#pragma omp parallel num_threads(nt)
  {
    double *hd = malloc((size_t)k * sizeof *hd);
    int64_t *hi = malloc((size_t)k * sizeof *hi);
    int ok = hd && hi;
    if (!ok) {
#pragma omp critical(knn_status)
      status = CREDO_ENOMEM;
    }
    Heap h = {hd, hi, k, 0};
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < nblocks; b++) {
      credo_status s;
#pragma omp atomic read
      s = status;
      if (s != CREDO_OK) continue;
      if (credo_interrupted) {
#pragma omp critical(knn_status)
        status = CREDO_EINTR;
        continue;
      }
      int64_t q1 = (b + 1) * QB < m ? (b + 1) * QB : m;
      for (int64_t r = b * QB; r < q1; r++) {
        const double *qr = q + r * t->d;
        heap_reset(&h);
        tree_search(t, 0, box_rdist(t, 0, qr, metric), qr, metric, &h);
        heap_sort(&h);
        for (int a = 0; a < k; a++) {
          idx[r * k + a] = h.i[a];
          dist[r * k + a] = metric == KNN_EUCLIDEAN ? sqrt(h.d[a]) : h.d[a];
        }
        /* distinct squares may share a rounded root: order as brute force */
        sort_pairs(dist + r * k, idx + r * k, k);
      }
    }
    free(hd);
    free(hi);
  }
  return status;
}

/* ---- the vote ---- */

void knn_vote(double *proba, const double *dist, const int64_t *idx,
              const int64_t *y, int64_t m, int k, int n_classes,
              int distance_weights) {
  for (int64_t r = 0; r < m; r++) {
    double *p = proba + r * n_classes;
    const double *dr = dist + r * k;
    const int64_t *ir = idx + r * k;
    for (int c = 0; c < n_classes; c++) p[c] = 0;
    int zero = 0;
    if (distance_weights)
      for (int a = 0; a < k; a++) zero |= dr[a] == 0;
    double total = 0;
    for (int a = 0; a < k; a++) {
      double w = 1;
      if (distance_weights) w = zero ? (dr[a] == 0) : 1.0 / dr[a];
      p[y[ir[a]]] += w;
      total += w;
    }
    if (total == 0) total = 1;
    for (int c = 0; c < n_classes; c++) p[c] /= total;
  }
}
