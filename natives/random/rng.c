/*
 * rng.c: xoshiro256** and the samplers built on it (see rng.h).
 *
 * Pure C, no Lua, no global state: every function takes the generator.
 * Written from the published algorithms cited at each function; nothing
 * here is tuned for speed at the cost of reproducibility (no SIMD lanes that
 * would change the order of draws, no -ffast-math).
 */
#include "rng.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#define GOLDEN_GAMMA 0x9E3779B97F4A7C15ULL
#define POLL_MASK ((int64_t)(1 << 20) - 1) /* poll the interrupt flag */

/* ---- seeding ---- */

/* splitmix64 output function: Stafford's "Mix13" variant of the MurmurHash3
 * finaliser, as used by Steele, Lea & Flood (2014). */
uint64_t rng_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t rng_splitmix64(uint64_t *state) {
  *state += GOLDEN_GAMMA;
  return rng_mix64(*state);
}

/* Four consecutive splitmix64 outputs: distinct inputs to a bijection, so
 * at most one word is zero and the state is never all zero. */
void rng_seed(Rng *r, uint64_t seed) {
  uint64_t sm = seed;
  for (int i = 0; i < 4; i++) r->s[i] = rng_splitmix64(&sm);
}

uint64_t rng_stream_seed(uint64_t seed, uint64_t index) {
  return rng_mix64(rng_mix64(seed) + index * GOLDEN_GAMMA);
}

void rng_stream(Rng *out, uint64_t seed, uint64_t index) {
  rng_seed(out, rng_stream_seed(seed, index));
}

/* ---- xoshiro256** (Blackman & Vigna 2021, section 4) ---- */

static inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(Rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;  /* the ** scrambler */
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/* The upper bits of xoshiro output are its best (Blackman & Vigna, 5.1). */
double rng_uniform(Rng *r) {
  return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

float rng_uniform_f32(Rng *r) {
  return (float)(rng_next(r) >> 40) * 0x1.0p-24f;
}

/* Lemire (2019), algorithm 5: multiply, keep the high word; reject only
 * when the low word falls in the (2^64 mod n) biased sliver. */
uint64_t rng_bounded(Rng *r, uint64_t n) {
  assert(n >= 1);
  unsigned __int128 m = (unsigned __int128)rng_next(r) * n;
  uint64_t lo = (uint64_t)m;
  if (lo < n) {
    uint64_t threshold = (0 - n) % n;  /* 2^64 mod n */
    while (lo < threshold) {
      m = (unsigned __int128)rng_next(r) * n;
      lo = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

int64_t rng_integer(Rng *r, int64_t lo, int64_t hi) {
  assert(lo <= hi);
  uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;  /* 0: all 2^64 values */
  uint64_t x = span == 0 ? rng_next(r) : rng_bounded(r, span);
  return (int64_t)((uint64_t)lo + x);
}

/* Marsaglia & Bray (1964), "A convenient method for generating normal
 * variables", SIAM Review 6(3). */
void rng_normal_pair(Rng *r, double *z0, double *z1) {
  double u, v, s;
  do {
    u = 2.0 * rng_uniform(r) - 1.0;
    v = 2.0 * rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double m = sqrt(-2.0 * log(s) / s);
  *z0 = u * m;
  *z1 = v * m;
}

double rng_normal(Rng *r) {
  double z0, z1;
  rng_normal_pair(r, &z0, &z1);
  return z0;
}

int rng_bernoulli(Rng *r, double p) {
  return rng_uniform(r) < p;
}

/* ---- fills ---- */

#define POLL(i)                                              \
  if (((i) & POLL_MASK) == POLL_MASK && credo_interrupted)   \
    return CREDO_EINTR

credo_status rng_fill_uniform_f32(float *out, double lo, double hi, int64_t n,
                                  Rng *r) {
  float top = (float)hi, bottom = (float)lo;
  float below = nextafterf(top, -INFINITY);
  /* hi - lo overflows for bounds near +-1e308: draw on the halved range */
  double s = isfinite(hi - lo) ? 1.0 : 0.5;
  for (int64_t i = 0; i < n; i++) {
    POLL(i);
    float v = (float)((lo * s + (hi * s - lo * s) * (double)rng_uniform_f32(r)) / s);
    out[i] = (v >= top && bottom < top) ? below : v;
  }
  return CREDO_OK;
}

credo_status rng_fill_uniform_f64(double *out, double lo, double hi, int64_t n,
                                  Rng *r) {
  double below = nextafter(hi, -INFINITY);
  double s = isfinite(hi - lo) ? 1.0 : 0.5;    /* as for f32 */
  for (int64_t i = 0; i < n; i++) {
    POLL(i);
    double v = (lo * s + (hi * s - lo * s) * rng_uniform(r)) / s;
    out[i] = (v >= hi && lo < hi) ? below : v;
  }
  return CREDO_OK;
}

credo_status rng_fill_normal_f32(float *out, double mu, double sigma,
                                 int64_t n, Rng *r) {
  for (int64_t i = 0; i < n; i += 2) {
    POLL(i / 2);
    double z0, z1;
    rng_normal_pair(r, &z0, &z1);
    out[i] = (float)(mu + sigma * z0);
    if (i + 1 < n) out[i + 1] = (float)(mu + sigma * z1);
  }
  return CREDO_OK;
}

credo_status rng_fill_normal_f64(double *out, double mu, double sigma,
                                 int64_t n, Rng *r) {
  for (int64_t i = 0; i < n; i += 2) {
    POLL(i / 2);
    double z0, z1;
    rng_normal_pair(r, &z0, &z1);
    out[i] = mu + sigma * z0;
    if (i + 1 < n) out[i + 1] = mu + sigma * z1;
  }
  return CREDO_OK;
}

credo_status rng_fill_integer_i64(int64_t *out, int64_t lo, int64_t hi,
                                  int64_t n, Rng *r) {
  for (int64_t i = 0; i < n; i++) {
    POLL(i);
    out[i] = rng_integer(r, lo, hi);
  }
  return CREDO_OK;
}

credo_status rng_fill_bernoulli_f32(float *out, double p, int64_t n, Rng *r) {
  for (int64_t i = 0; i < n; i++) {
    POLL(i);
    out[i] = (float)rng_bernoulli(r, p);
  }
  return CREDO_OK;
}

credo_status rng_fill_bernoulli_f64(double *out, double p, int64_t n, Rng *r) {
  for (int64_t i = 0; i < n; i++) {
    POLL(i);
    out[i] = (double)rng_bernoulli(r, p);
  }
  return CREDO_OK;
}

credo_status rng_fill_bernoulli_i64(int64_t *out, double p, int64_t n,
                                    Rng *r) {
  for (int64_t i = 0; i < n; i++) {
    POLL(i);
    out[i] = rng_bernoulli(r, p);
  }
  return CREDO_OK;
}

/* ---- permutations and sampling ---- */

/* Durstenfeld (1964), "Algorithm 235: Random permutation", CACM 7(7), run
 * from the front so that any prefix is a sample without replacement. */
credo_status rng_permutation(int64_t *out, int64_t n, Rng *r) {
  for (int64_t i = 0; i < n; i++) out[i] = i;
  for (int64_t i = 0; i + 1 < n; i++) {
    POLL(i);
    int64_t j = i + (int64_t)rng_bounded(r, (uint64_t)(n - i));
    int64_t t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return CREDO_OK;
}

credo_status rng_sample_ref(int64_t *out, int64_t n, int64_t k, Rng *r) {
  assert(0 <= k && k <= n);
  int64_t *a = malloc((size_t)(n > 0 ? n : 1) * sizeof *a);
  if (!a) return CREDO_ENOMEM;
  for (int64_t i = 0; i < n; i++) a[i] = i;
  for (int64_t i = 0; i < k; i++) {
    int64_t j = i + 1 < n ? i + (int64_t)rng_bounded(r, (uint64_t)(n - i)) : i;
    int64_t t = a[i];
    a[i] = a[j];
    a[j] = t;
    out[i] = a[i];
  }
  free(a);
  return CREDO_OK;
}

/* The virtual array a[0..n) starts as the identity; a hash table holds only
 * the positions whose value has changed (at most one new one per step). */
typedef struct {
  int64_t *key;    /* (cap) position, -1 when empty */
  int64_t *val;    /* (cap) a[position] */
  uint64_t mask;   /* cap - 1, cap a power of two >= 2k */
} SparseArray;

/* The slot holding pos, or the empty slot where it would go (linear
 * probing; the table is at most half full, so an empty slot exists). */
static uint64_t sparse_find(const SparseArray *m, int64_t pos) {
  uint64_t h = ((uint64_t)pos * GOLDEN_GAMMA) >> 17;
  for (;; h++) {
    h &= m->mask;
    if (m->key[h] == pos || m->key[h] == -1) return h;
  }
}

static int64_t sparse_get(const SparseArray *m, int64_t pos) {
  uint64_t h = sparse_find(m, pos);
  return m->key[h] == pos ? m->val[h] : pos;
}

static void sparse_set(SparseArray *m, int64_t pos, int64_t v) {
  uint64_t h = sparse_find(m, pos);
  m->key[h] = pos;
  m->val[h] = v;
}

credo_status rng_sample(int64_t *out, int64_t n, int64_t k, Rng *r) {
  assert(0 <= k && k <= n);
  if (k == n) return rng_permutation(out, n, r);
  uint64_t cap = 16;
  while (cap < 2 * (uint64_t)k) cap <<= 1;
  SparseArray m = {malloc(cap * sizeof(int64_t)), malloc(cap * sizeof(int64_t)),
                   cap - 1};
  if (!m.key || !m.val) {
    free(m.key);
    free(m.val);
    return CREDO_ENOMEM;
  }
  for (uint64_t i = 0; i < cap; i++) m.key[i] = -1;
  credo_status st = CREDO_OK;
  for (int64_t i = 0; i < k; i++) {
    if ((i & POLL_MASK) == POLL_MASK && credo_interrupted) {
      st = CREDO_EINTR;
      break;
    }
    /* k < n here, so i + 1 < n and every step draws */
    int64_t j = i + (int64_t)rng_bounded(r, (uint64_t)(n - i));
    int64_t ai = sparse_get(&m, i);
    out[i] = sparse_get(&m, j);
    sparse_set(&m, j, ai);
  }
  free(m.key);
  free(m.val);
  return st;
}

credo_status rng_bootstrap(int64_t *out, int64_t n, int64_t m, Rng *r) {
  assert(n >= 1 || m == 0);
  for (int64_t i = 0; i < m; i++) {
    POLL(i);
    out[i] = (int64_t)rng_bounded(r, (uint64_t)n);
  }
  return CREDO_OK;
}

credo_status rng_choice_weighted(int64_t *out, const double *w, int64_t n,
                                 int64_t k, Rng *r) {
  assert(n >= 1);
  double *c = malloc((size_t)n * sizeof *c);  /* (n) cumulative sums */
  if (!c) return CREDO_ENOMEM;
  double acc = 0;
  int64_t last = 0;  /* last index with a positive weight */
  for (int64_t i = 0; i < n; i++) {
    acc += w[i];
    c[i] = acc;
    if (w[i] > 0) last = i;
  }
  credo_status st = CREDO_OK;
  for (int64_t d = 0; d < k; d++) {
    if ((d & POLL_MASK) == POLL_MASK && credo_interrupted) {
      st = CREDO_EINTR;
      break;
    }
    double x = rng_uniform(r) * acc;
    int64_t lo = 0, hi = n;  /* first i in [lo, hi) with c[i] > x */
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (c[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    out[d] = lo < n ? lo : last;  /* x rounded up to the total */
  }
  free(c);
  return st;
}

typedef struct {
  double key;
  int64_t index;
} KeyedIndex;

static int keyed_cmp(const void *pa, const void *pb) {
  const KeyedIndex *a = pa, *b = pb;
  if (a->key < b->key) return -1;
  if (a->key > b->key) return 1;
  return (a->index > b->index) - (a->index < b->index);
}

credo_status rng_choice_weighted_noreplace(int64_t *out, const double *w,
                                          int64_t n, int64_t k, Rng *r) {
  KeyedIndex *ki = malloc((size_t)(n > 0 ? n : 1) * sizeof *ki);  /* (n) */
  if (!ki) return CREDO_ENOMEM;
  for (int64_t i = 0; i < n; i++) {
    if ((i & POLL_MASK) == POLL_MASK && credo_interrupted) {
      free(ki);
      return CREDO_EINTR;
    }
    double e = -log(1.0 - rng_uniform(r));  /* Exp(1), finite: 1-u >= 2^-53 */
    /* zero weights last; a positive weight never ties with them */
    double key = INFINITY;
    if (w[i] > 0) {
      key = e / w[i];
      if (!(key < DBL_MAX)) key = DBL_MAX;
    }
    ki[i].key = key;
    ki[i].index = i;
  }
  qsort(ki, (size_t)n, sizeof *ki, keyed_cmp);
  for (int64_t i = 0; i < k; i++) out[i] = ki[i].index;
  free(ki);
  return CREDO_OK;
}
