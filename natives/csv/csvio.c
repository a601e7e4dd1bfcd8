/*
 * csvio.c: the CSV reader and writer behind credo.csv (see csvio.h).
 *
 * Reading, in one pass over the file:
 *   - the file is read with read(2) in 1 MiB blocks (not mmap, whose pages
 *     would count in the resident set) and handed to libcsv one physical
 *     line at a time (at most 64 KiB per call), so the callbacks always
 *     know the current line number and a runaway field is caught after at
 *     most max_field + 64 KiB bytes;
 *   - each field goes straight into its column: float64 values, or an
 *     int64 code from a per-column hash table that interns the text
 *     (open addressing, linear probing, load <= 1/2);
 *   - type inference: an AUTO column starts as float64; at its first
 *     non-number, non-missing field it becomes categorical.  If numbers had
 *     been stored before, their text is gone, so the rows before that point
 *     are read again (a second, partial pass over the file) and interned;
 *     no raw text is ever kept;
 *   - at the end the levels are sorted bytewise and the codes renumbered.
 * Column buffers grow by doubling with realloc (glibc moves large blocks
 * with mremap, no copy), so peak memory is about the finished columns.
 *
 * Writing goes to a temporary file in the target's directory which is
 * fsync'ed and renamed over the target, so a reader never sees half a file.
 *
 * What it is not: a general CSV dialect engine (no comments, no escape
 * character other than a doubled quote, no per-column missing markers).
 */
#include "csvio.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK ((size_t)1 << 20)  /* bytes per read(2) */
#define PIECE ((size_t)1 << 16)  /* bytes per csv_parse call, at most */

const char *const csvio_na_default[] = {"", "NA", "N/A", "NaN", "nan",
                                        "NULL"};
const int csvio_n_na_default = 6;

void csvio_options_default(csvio_options *o) {
  memset(o, 0, sizeof *o);
  o->header = 1;
  o->delim = ',';
  o->quote = '"';
  o->ragged = CSVIO_RAGGED_ERROR;
  o->max_field = CSVIO_MAX_FIELD_DEFAULT;
  o->na = csvio_na_default;
  o->n_na = csvio_n_na_default;
}

/* ------------------------------------------------------------------ */
/* numbers                                                              */

static const double pow10_tab[23] = {
  1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static locale_t c_locale(void) {
  static locale_t loc = (locale_t)0;
  if (loc == (locale_t)0) loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  return loc;
}

static inline int is_blank(unsigned char c) { return c == ' ' || c == '\t'; }
static inline int is_digit(unsigned char c) { return (unsigned)(c - '0') < 10u; }

/* strtod of s[0..n), which the caller has checked is a number. */
static int slow_f64(const char *s, size_t n, double *out) {
  char small[128];
  char *buf = n < sizeof small ? small : malloc(n + 1);
  if (!buf) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *end;
  locale_t loc = c_locale();
  *out = loc ? strtod_l(buf, &end, loc) : strtod(buf, &end);
  int ok = end == buf + n;
  if (buf != small) free(buf);
  return ok;
}

int csvio_parse_f64(const char *s, size_t n, double *out) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end && is_blank(*p)) p++;
  while (end > p && is_blank(end[-1])) end--;
  if (p == end) return 0;
  const char *start = (const char *)p;
  int neg = 0;
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  if (p == end) return 0;
  if (!is_digit(*p) && *p != '.') {
    size_t k = (size_t)(end - p);
    if ((k == 3 && !strncasecmp((const char *)p, "inf", 3)) ||
        (k == 8 && !strncasecmp((const char *)p, "infinity", 8))) {
      *out = neg ? -HUGE_VAL : HUGE_VAL;
      return 1;
    }
    if (k == 3 && !strncasecmp((const char *)p, "nan", 3)) {
      *out = neg ? -NAN : NAN;
      return 1;
    }
    return 0;
  }
  /* value = m * 10^e; m gathers every significant digit (wrapping past 19
   * digits, in which case strtod decides) */
  const unsigned char *d0 = p;
  while (p < end && *p == '0') p++;
  const unsigned char *ip = p;
  uint64_t m = 0;
  while (p < end && is_digit(*p)) m = m * 10 + (unsigned)(*p++ - '0');
  size_t nsig = (size_t)(p - ip);
  int any = p > d0;
  int64_t e = 0;
  if (p < end && *p == '.') {
    const unsigned char *f0 = ++p;
    if (nsig == 0)
      while (p < end && *p == '0') p++;
    e = -(int64_t)(p - f0);
    const unsigned char *fs = p;
    while (p < end && is_digit(*p)) m = m * 10 + (unsigned)(*p++ - '0');
    nsig += (size_t)(p - fs);
    e -= (int64_t)(p - fs);
    any |= p > f0;
  }
  if (!any) return 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    int eneg = 0;
    if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
    if (p == end || !is_digit(*p)) return 0;
    int64_t x = 0;
    for (; p < end && is_digit(*p); p++)
      if (x < 100000) x = x * 10 + (*p - '0');
    e += eneg ? -x : x;
  }
  if (p != end) return 0;
  if (nsig <= 19) {
    if (m == 0) { *out = neg ? -0.0 : 0.0; return 1; }
    if (m <= ((uint64_t)1 << 53)) {
      double v;
      if (e >= 0 && e <= 22) {
        v = (double)m * pow10_tab[e];
        *out = neg ? -v : v;
        return 1;
      }
      if (e < 0 && e >= -22) {
        v = (double)m / pow10_tab[-e];
        *out = neg ? -v : v;
        return 1;
      }
      if (e > 22 && e <= 22 + 15) {  /* move exact factors of 10 into m */
        uint64_t mm = m;
        int64_t k = e - 22;
        while (k > 0 && mm <= ((uint64_t)1 << 53) / 10) { mm *= 10; k--; }
        if (k == 0) {
          v = (double)mm * 1e22;
          *out = neg ? -v : v;
          return 1;
        }
      }
    }
  }
  return slow_f64(start, (size_t)(end - (const unsigned char *)start), out);
}

int csvio_parse_i64(const char *s, size_t n, int64_t *out) {
  const char *p = s, *end = s + n;
  while (p < end && is_blank((unsigned char)*p)) p++;
  while (end > p && is_blank((unsigned char)end[-1])) end--;
  int neg = 0;
  if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
  if (p == end) return 0;
  uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; p < end; p++) {
    if (!is_digit((unsigned char)*p)) return 0;
    unsigned d = (unsigned)(*p - '0');
    if (v > (lim - d) / 10) return 0;
    v = v * 10 + d;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return 1;
}

/* ------------------------------------------------------------------ */
/* interning: one hash table of distinct field texts per categorical    */
/* column; level i (0-based) is code i + 1.  A slot keeps a 32-bit hash  */
/* whose low 5 bits are the length (capped at 31) and the text's first   */
/* 8 bytes (key8), so a text of at most 8 bytes is found or rejected     */
/* with one memory access.  Open addressing, linear probing, load <= 1/2. */

typedef struct {
  uint64_t key8;
  uint32_t hash, code;  /* code 0: empty slot */
} Slot;

typedef struct {
  uint64_t off;         /* offset of the level's bytes in text */
  uint64_t key8;
  uint32_t len, hash;
} Level;

typedef struct {
  Slot *slot;           /* mask + 1 */
  uint32_t mask;
  Level *lv;            /* n levels, cap allocated */
  int64_t n, cap;
  char *text;           /* every level, NUL-terminated */
  size_t tlen, tcap;
} Dict;

static inline uint64_t load64(const char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static inline uint64_t load32(const char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* 8 bytes standing for s[0..n): all of it when n <= 8 (overlapping loads,
 * so distinct texts of one length give distinct keys), else its start. */
static inline uint64_t key8_of(const char *s, size_t n) {
  if (n >= 8) return load64(s);
  if (n >= 4) return load32(s) | (load32(s + n - 4) << 32);
  if (n > 0)
    return (uint64_t)(unsigned char)s[0] |
           ((uint64_t)(unsigned char)s[n / 2] << 8) |
           ((uint64_t)(unsigned char)s[n - 1] << 16);
  return 0;
}

static inline uint64_t mix64(uint64_t h) {
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 29);
}

/* Hash of s[0..n) with the length in the low 5 bits. */
static inline uint32_t hash_text(const char *s, size_t n, uint64_t key8) {
  uint64_t h = (0x9E3779B97F4A7C15ull ^ (uint64_t)n) * 0x94d049bb133111ebull;
  if (n <= 8) {
    h = mix64(h ^ key8);
  } else {
    size_t i = 0;
    for (; i + 8 < n; i += 8) h = mix64(h ^ load64(s + i)) * 0x9E3779B97F4A7C15ull;
    h = mix64(h ^ load64(s + n - 8));
  }
  return ((uint32_t)(h >> 32) & ~(uint32_t)31) | (uint32_t)(n < 31 ? n : 31);
}

/* a[0..n) == b[0..n), inline for the short texts categories usually are */
static inline int same_bytes(const char *a, const char *b, size_t n) {
  if (n <= 16) {
    for (size_t i = 0; i < n; i++)
      if (a[i] != b[i]) return 0;
    return 1;
  }
  return !memcmp(a, b, n);
}

static void dict_free(Dict *d) {
  free(d->slot);
  free(d->lv);
  free(d->text);
  memset(d, 0, sizeof *d);
}

static int dict_rehash(Dict *d, uint32_t nslots) {
  Slot *s = calloc(nslots, sizeof *s);
  if (!s) return -1;
  for (int64_t i = 0; i < d->n; i++) {
    uint32_t j = d->lv[i].hash & ~(uint32_t)31;
    j = (j >> 5) & (nslots - 1);
    while (s[j].code) j = (j + 1) & (nslots - 1);
    s[j].key8 = d->lv[i].key8;
    s[j].hash = d->lv[i].hash;
    s[j].code = (uint32_t)i + 1;
  }
  free(d->slot);
  d->slot = s;
  d->mask = nslots - 1;
  return 0;
}

/* Slot of s[0..n): the one holding it, or the empty one where it goes. */
static inline Slot *dict_probe(const Dict *d, const char *s, size_t n,
                               uint32_t h, uint64_t k8) {
  for (uint32_t j = (h >> 5) & d->mask;; j = (j + 1) & d->mask) {
    Slot *sl = &d->slot[j];
    if (!sl->code) return sl;
    if (sl->hash == h && sl->key8 == k8) {
      if (n <= 8) return sl;  /* the hash holds n, key8 the bytes */
      const Level *l = &d->lv[sl->code - 1];
      if (l->len == n && same_bytes(d->text + l->off, s, n)) return sl;
    }
  }
}

/* The code (level + 1) of s[0..n), or 0 if absent. */
static int64_t dict_find(const Dict *d, const char *s, size_t n) {
  if (!d->slot) return 0;
  uint64_t k8 = key8_of(s, n);
  return dict_probe(d, s, n, hash_text(s, n, k8), k8)->code;
}

/* The code of s[0..n), added if new; -1 when out of memory. */
static int64_t dict_intern(Dict *d, const char *s, size_t n) {
  if (!d->slot && dict_rehash(d, 64)) return -1;
  uint64_t k8 = key8_of(s, n);
  uint32_t h = hash_text(s, n, k8);
  Slot *sl = dict_probe(d, s, n, h, k8);
  if (sl->code) return sl->code;
  if (d->n >= (int64_t)UINT32_MAX / 4 || n > UINT32_MAX) return -1;
  if (d->n == d->cap) {
    int64_t c = d->cap ? 2 * d->cap : 16;
    Level *l = realloc(d->lv, (size_t)c * sizeof *l);
    if (!l) return -1;
    d->lv = l;
    d->cap = c;
  }
  if (d->tlen + n + 1 > d->tcap) {
    size_t c = d->tcap ? d->tcap : 256;
    while (c < d->tlen + n + 1) c *= 2;
    char *t = realloc(d->text, c);
    if (!t) return -1;
    d->text = t;
    d->tcap = c;
  }
  memcpy(d->text + d->tlen, s, n);
  d->text[d->tlen + n] = '\0';
  int64_t k = d->n++;
  d->lv[k].off = d->tlen;
  d->lv[k].key8 = k8;
  d->lv[k].len = (uint32_t)n;
  d->lv[k].hash = h;
  d->tlen += n + 1;
  sl->key8 = k8;
  sl->hash = h;
  sl->code = (uint32_t)k + 1;
  if ((uint64_t)d->n * 2 > (uint64_t)d->mask + 1 &&
      dict_rehash(d, (d->mask + 1) * 2))
    return -1;
  return k + 1;
}

/* ------------------------------------------------------------------ */
/* the reader                                                           */

enum { K_F64, K_I64, K_CAT };
enum { P_FIRST, P_DATA, P_REPARSE };

typedef struct {
  int kind;          /* K_*: what data holds now */
  int declared;      /* the type was given, not inferred */
  int64_t nnum;      /* numbers stored while AUTO and float64 */
  int64_t reparse;   /* rows [0, reparse) must be read again as text */
  void *data;        /* cap doubles or int64s */
  Dict dict;         /* K_CAT */
} RCol;

typedef struct {
  const csvio_options *o;
  csvio_table *t;
  const char *path;
  struct csv_parser p;
  int64_t line;      /* physical line (1-based) of the bytes being fed */
  int phase;
  int field;         /* index of the next field in the current record */
  int64_t row;       /* data row being filled (REPARSE: -1 = header) */
  int64_t cap;       /* rows allocated in every column */
  int ncol;
  RCol *rc;
  char **first;      /* fields of the first record, until ncol is known */
  size_t *first_len;
  int64_t *first_line;
  int nfirst, first_cap;
  int saw_nul;       /* a NUL byte has been read: check fields for it */
  int stop;          /* REPARSE: enough rows re-read */
  credo_status st;   /* first failure; callbacks do nothing after it */
  int64_t reparse_rows;
  size_t *na_len;
  uint64_t na_lenmask; /* bit k: some missing marker has length k < 63 */
  int na_numeric;    /* some missing marker reads as a number: test first */
  int idle_pstate;   /* libcsv's state between records */
} Reader;

/* "line L, column C (name): " + message, into t->error. */
static void fail_at(Reader *r, int64_t line, int col, const char *fmt, ...) {
  if (r->st != CREDO_OK) return;
  r->st = CREDO_EFORMAT;
  char *e = r->t->error;
  size_t n = sizeof r->t->error;
  int k;
  if (col >= 0 && r->phase != P_FIRST && col < r->ncol && r->t->cols &&
      r->t->cols[col].name)
    k = snprintf(e, n, "%s: line %lld, column %d (%s): ", r->path,
                 (long long)line, col + 1, r->t->cols[col].name);
  else if (col >= 0)
    k = snprintf(e, n, "%s: line %lld, column %d: ", r->path,
                 (long long)line, col + 1);
  else
    k = snprintf(e, n, "%s: line %lld: ", r->path, (long long)line);
  if (k < 0 || (size_t)k >= n) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e + k, n - (size_t)k, fmt, ap);
  va_end(ap);
}

static void fail_nomem(Reader *r) {
  if (r->st == CREDO_OK) r->st = CREDO_ENOMEM;
}

static int64_t count_nl(const char *s, size_t n) {
  int64_t k = 0;
  for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + n - p))); p++) k++;
  return k;
}

/* Up to 40 bytes of s for a message, control bytes shown as '?'. */
static const char *show(char *buf, const char *s, size_t n) {
  size_t m = n > 40 ? 40 : n, k = 0;
  for (size_t i = 0; i < m; i++) {
    unsigned char c = (unsigned char)s[i];
    buf[k++] = c < 32 || c == 127 ? '?' : (char)c;
  }
  if (m < n) { memcpy(buf + k, "...", 3); k += 3; }
  buf[k] = '\0';
  return buf;
}

static inline int is_na(const Reader *r, const char *s, size_t n) {
  if (n < 63 && !((r->na_lenmask >> n) & 1)) return 0;
  for (int k = 0; k < r->o->n_na; k++)
    if (r->na_len[k] == n && !memcmp(r->o->na[k], s, n)) return 1;
  return 0;
}

static int grow_rows(Reader *r) {
  int64_t c = r->cap * 2;
  for (int j = 0; j < r->ncol; j++) {
    void *d = realloc(r->rc[j].data, (size_t)c * 8);
    if (!d) return -1;
    r->rc[j].data = d;
  }
  r->cap = c;
  return 0;
}

static void store_missing(Reader *r, int j, int64_t line) {
  RCol *c = &r->rc[j];
  switch (c->kind) {
  case K_F64: ((double *)c->data)[r->row] = NAN; break;
  case K_CAT: ((int64_t *)c->data)[r->row] = 0; break;
  case K_I64: fail_at(r, line, j, "missing value in an int64 column"); break;
  }
}

/* Field j of the current row, ending on physical line endline.  Numeric
 * columns try the number first (a missing marker is rarely a number). */
static void store(Reader *r, int j, const char *s, size_t n, int64_t endline) {
  RCol *c = &r->rc[j];
  int64_t i = r->row;
  char tb[48];
  if ((c->kind == K_CAT || r->na_numeric) && is_na(r, s, n)) {
    store_missing(r, j, endline - count_nl(s, n));
    return;
  }
  switch (c->kind) {
  case K_F64: {
    double v;
    int ok = csvio_parse_f64(s, n, &v);
    if (ok > 0) {
      ((double *)c->data)[i] = v;
      c->nnum++;
      return;
    }
    if (ok < 0) { fail_nomem(r); return; }
    if (is_na(r, s, n)) {
      ((double *)c->data)[i] = NAN;
      return;
    }
    if (c->declared) {
      fail_at(r, endline - count_nl(s, n), j,
              "'%s' is not a number (column declared float64)",
              show(tb, s, n));
      return;
    }
    /* AUTO column meets text: categorical from here on */
    c->kind = K_CAT;
    memset(c->data, 0, (size_t)i * 8);
    if (c->nnum > 0) {
      c->reparse = i;
      if (i > r->reparse_rows) r->reparse_rows = i;
    }
  }
    /* fall through */
  case K_CAT: {
    int64_t code = dict_intern(&c->dict, s, n);
    if (code < 0) { fail_nomem(r); return; }
    ((int64_t *)c->data)[i] = code;
    return;
  }
  case K_I64: {
    int64_t v;
    if (csvio_parse_i64(s, n, &v)) {
      ((int64_t *)c->data)[i] = v;
      return;
    }
    if (is_na(r, s, n))
      fail_at(r, endline - count_nl(s, n), j,
              "missing value in an int64 column");
    else
      fail_at(r, endline - count_nl(s, n), j,
              "'%s' is not an integer (column declared int64)",
              show(tb, s, n));
    return;
  }
  }
}

static void end_data_row(Reader *r) {
  int nf = r->field;
  r->field = 0;
  if (nf > r->ncol && r->o->ragged != CSVIO_RAGGED_TRUNCATE) {
    fail_at(r, r->line, r->ncol, "row has %d fields, expected %d", nf,
            r->ncol);
    return;
  }
  if (nf < r->ncol) {
    if (r->o->ragged == CSVIO_RAGGED_ERROR) {
      fail_at(r, r->line, nf, "row has %d fields, expected %d", nf, r->ncol);
      return;
    }
    for (int j = nf; j < r->ncol && r->st == CREDO_OK; j++)
      store_missing(r, j, r->line);
  }
  if (r->st != CREDO_OK) return;
  if (++r->row == r->cap && grow_rows(r)) fail_nomem(r);
}

/* Column names: empty -> "V<j>", duplicates -> "name.1", "name.2", ... */
static int make_names(Reader *r) {
  csvio_column *cols = r->t->cols;
  Dict seen = {0};
  int rc = -1;
  for (int j = 0; j < r->ncol; j++) {
    char vbuf[32];
    const char *base;
    size_t bn;
    if (r->o->header && r->first_len[j] > 0) {
      base = r->first[j];
      bn = r->first_len[j];
    } else {
      bn = (size_t)snprintf(vbuf, sizeof vbuf, "V%d", j + 1);
      base = vbuf;
    }
    char *name = malloc(bn + 24);
    if (!name) goto done;
    memcpy(name, base, bn);
    name[bn] = '\0';
    size_t nn = bn;
    for (int k = 1; dict_find(&seen, name, nn); k++)
      nn = bn + (size_t)snprintf(name + bn, 24, ".%d", k);
    cols[j].name = name;
    if (dict_intern(&seen, name, nn) < 0) goto done;
  }
  rc = 0;
done:
  dict_free(&seen);
  return rc;
}

/* The first record is complete: set up the columns. */
static void begin_columns(Reader *r) {
  const csvio_options *o = r->o;
  r->ncol = r->nfirst;
  r->t->ncol = r->ncol;
  r->t->cols = calloc((size_t)r->ncol, sizeof *r->t->cols);
  r->rc = calloc((size_t)r->ncol, sizeof *r->rc);
  if (!r->t->cols || !r->rc || make_names(r)) { fail_nomem(r); return; }
  /* 64 rows to start, fewer when there are very many columns */
  r->cap = r->ncol <= 1024 ? 64 : r->ncol <= 65536 ? 4 : 1;
  for (int j = 0; j < r->ncol; j++) {
    r->rc[j].kind = K_F64;
    r->rc[j].data = malloc((size_t)r->cap * 8);
    if (!r->rc[j].data) { fail_nomem(r); return; }
  }
  for (int k = 0; k < o->n_types; k++) {
    int j = 0;
    while (j < r->ncol && strcmp(r->t->cols[j].name, o->type_names[k])) j++;
    if (j == r->ncol) {
      r->st = CREDO_EINVAL;
      snprintf(r->t->error, sizeof r->t->error,
               "types: no column named '%s'", o->type_names[k]);
      return;
    }
    r->rc[j].declared = o->types[k] != CSVIO_AUTO;
    r->rc[j].kind = o->types[k] == CSVIO_I64   ? K_I64
                    : o->types[k] == CSVIO_CAT ? K_CAT
                                               : K_F64;
  }
  r->phase = P_DATA;
  if (!o->header) {  /* the first record was data */
    for (int j = 0; j < r->ncol && r->st == CREDO_OK; j++)
      store(r, j, r->first[j], r->first_len[j], r->first_line[j]);
    r->field = r->ncol;
    if (r->st == CREDO_OK) end_data_row(r);
  }
}

static void keep_first(Reader *r, const char *s, size_t n) {
  if (r->nfirst == r->first_cap) {
    int c = r->first_cap ? 2 * r->first_cap : 32;
    char **f = realloc(r->first, (size_t)c * sizeof *f);
    if (!f) { fail_nomem(r); return; }
    r->first = f;
    size_t *l = realloc(r->first_len, (size_t)c * sizeof *l);
    if (!l) { fail_nomem(r); return; }
    r->first_len = l;
    int64_t *ln = realloc(r->first_line, (size_t)c * sizeof *ln);
    if (!ln) { fail_nomem(r); return; }
    r->first_line = ln;
    r->first_cap = c;
  }
  char *copy = malloc(n + 1);
  if (!copy) { fail_nomem(r); return; }
  memcpy(copy, s, n);
  copy[n] = '\0';
  r->first[r->nfirst] = copy;
  r->first_len[r->nfirst] = n;
  r->first_line[r->nfirst] = r->line;
  r->nfirst++;
}

static void on_field(void *sv, size_t n, void *data) {
  Reader *r = data;
  const char *s = sv;
  if (r->st != CREDO_OK || r->stop) return;
  if (r->saw_nul && memchr(s, 0, n)) {
    fail_at(r, r->line - count_nl(s, n), r->field, "NUL byte in field");
    return;
  }
  if (n > r->o->max_field) {
    fail_at(r, r->line - count_nl(s, n), r->field,
            "field longer than %zu bytes", r->o->max_field);
    return;
  }
  switch (r->phase) {
  case P_FIRST:
    if (r->nfirst == CSVIO_MAX_COLUMNS) {
      fail_at(r, r->line, r->field, "more than %d columns", CSVIO_MAX_COLUMNS);
      return;
    }
    keep_first(r, s, n);
    break;
  case P_DATA:
    if (r->field < r->ncol) store(r, r->field, s, n, r->line);
    break;
  case P_REPARSE:
    if (r->row >= 0 && r->field < r->ncol) {
      RCol *c = &r->rc[r->field];
      if (r->row < c->reparse && !is_na(r, s, n)) {
        int64_t code = dict_intern(&c->dict, s, n);
        if (code < 0) { fail_nomem(r); return; }
        ((int64_t *)c->data)[r->row] = code;
      }
    }
    break;
  }
  r->field++;
}

static void on_row(int c, void *data) {
  Reader *r = data;
  (void)c;
  if (r->st != CREDO_OK || r->stop) return;
  switch (r->phase) {
  case P_FIRST:
    begin_columns(r);
    if (r->o->header) r->field = 0;
    break;
  case P_DATA:
    end_data_row(r);
    break;
  case P_REPARSE:
    r->field = 0;
    if (++r->row >= r->reparse_rows) r->stop = 1;
    break;
  }
}

/* Feed bytes s[0..n) (one line or part of one; only s[n-1] may be '\n'). */
static void feed(Reader *r, const char *s, size_t n) {
  size_t k = csv_parse(&r->p, s, n, on_field, on_row, r);
  if (r->st != CREDO_OK) return;
  if (k < n) {
    if (csv_error(&r->p) == CSV_EPARSE)
      fail_at(r, r->line, r->field,
              r->p.quoted ? "unexpected character after a closing quote"
                          : "quote character inside an unquoted field");
    else
      fail_nomem(r);
    return;
  }
  if (s[n - 1] == '\n') r->line++;
  if (r->p.entry_pos > r->o->max_field)
    fail_at(r, r->line - count_nl((char *)r->p.entry_buf, r->p.entry_pos),
            r->field, "field longer than %zu bytes", r->o->max_field);
}

/* A whole line s[0..n) (s[n-1] == '\n') that needs no quote handling, split
 * here rather than by libcsv, with libcsv's rules for unquoted fields:
 * blanks (space, tab; not the delimiter) around a field are dropped, a
 * line of blanks is no record.  Returns 0 (and does nothing) when the line
 * holds the quote character or a CR other than a final CRLF. */
static int fast_line(Reader *r, const char *s, size_t n) {
  size_t end = n - 1;
  if (end && s[end - 1] == '\r') end--;
  if (memchr(s, r->o->quote, end) || memchr(s, '\r', end)) return 0;
  const unsigned char delim = r->o->delim;
  const char *p = s, *e = s + end;
#define BLANK(ch) ((ch) != delim && ((ch) == ' ' || (ch) == '\t'))
  while (p < e && BLANK((unsigned char)*p)) p++;
  if (p == e) return 1;  /* blank line */
  p = s;
  for (;;) {
    const char *f = p;
    while (p < e && (unsigned char)*p != delim) p++;
    const char *a = f, *b = p;
    while (a < b && BLANK((unsigned char)*a)) a++;
    while (b > a && BLANK((unsigned char)b[-1])) b--;
    on_field((void *)a, (size_t)(b - a), r);
    if (p == e) break;
    p++;
  }
#undef BLANK
  on_row('\n', r);
  return 1;
}

/* One pass over the file from its start (BOM skipped). */
static void pass(Reader *r, int fd, char *buf) {
  int first = 1;
  r->line = 1;
  if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI)) { fail_nomem(r); return; }
  csv_set_delim(&r->p, r->o->delim);
  csv_set_quote(&r->p, r->o->quote);
  csv_set_blk_size(&r->p, 4096);
  r->idle_pstate = r->p.pstate;
  for (;;) {
    if (credo_interrupted) { r->st = CREDO_EINTR; break; }
    ssize_t got = read(fd, buf, BLOCK);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      r->st = CREDO_EIO;
      snprintf(r->t->error, sizeof r->t->error, "%s: read error: %s",
               r->path, strerror(errno));
      break;
    }
    if (got == 0) break;
    const char *p = buf;
    size_t left = (size_t)got;
    if (first) {
      first = 0;
      if (left >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) { p += 3; left -= 3; }
    }
    if (!r->saw_nul && memchr(p, 0, left)) r->saw_nul = 1;
    while (left && r->st == CREDO_OK && !r->stop) {
      size_t lim = left < PIECE ? left : PIECE;
      const char *nl = memchr(p, '\n', lim);
      size_t k = nl ? (size_t)(nl - p) + 1 : lim;
      if (nl && !r->o->libcsv_only && r->p.pstate == r->idle_pstate &&
          fast_line(r, p, k)) {
        if (r->st == CREDO_OK) r->line++;
      } else {
        feed(r, p, k);
      }
      p += k;
      left -= k;
    }
    if (r->st != CREDO_OK || r->stop) break;
  }
  if (r->st == CREDO_OK && !r->stop &&
      csv_fini(&r->p, on_field, on_row, r) != 0 && r->st == CREDO_OK) {
    int64_t start = r->line - count_nl((char *)r->p.entry_buf, r->p.entry_pos);
    fail_at(r, start, r->field, "unterminated quoted field at end of file");
  }
  csv_free(&r->p);
}

static int cmp_level(const void *a, const void *b, void *arg) {
  const Dict *d = arg;
  uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
  size_t li = d->lv[i].len, lj = d->lv[j].len;
  int c = memcmp(d->text + d->lv[i].off, d->text + d->lv[j].off,
                 li < lj ? li : lj);
  if (c) return c;
  return li < lj ? -1 : li > lj;
}

/* Sort column j's levels bytewise and renumber its codes. */
static int finish_categorical(Reader *r, int j) {
  RCol *rc = &r->rc[j];
  csvio_column *c = &r->t->cols[j];
  Dict *d = &rc->dict;
  int64_t n = d->n;
  uint32_t *order = malloc((size_t)(n ? n : 1) * sizeof *order);
  int64_t *newcode = malloc((size_t)(n + 1) * sizeof *newcode);
  c->levels = malloc((size_t)(n ? n : 1) * sizeof *c->levels);
  c->level_text = malloc(d->tlen ? d->tlen : 1);
  if (!order || !newcode || !c->levels || !c->level_text) {
    free(order);
    free(newcode);
    return -1;
  }
  for (int64_t k = 0; k < n; k++) order[k] = (uint32_t)k;
  qsort_r(order, (size_t)n, sizeof *order, cmp_level, d);
  size_t at = 0;
  newcode[0] = 0;
  for (int64_t k = 0; k < n; k++) {
    uint32_t o = order[k];
    newcode[o + 1] = k + 1;
    memcpy(c->level_text + at, d->text + d->lv[o].off, d->lv[o].len + 1);
    c->levels[k] = c->level_text + at;
    at += d->lv[o].len + 1;
  }
  int64_t *codes = rc->data;
  for (int64_t i = 0; i < r->row; i++) codes[i] = newcode[codes[i]];
  c->nlevels = n;
  free(order);
  free(newcode);
  dict_free(d);
  return 0;
}

static void reader_free(Reader *r) {
  for (int k = 0; k < r->nfirst; k++) free(r->first[k]);
  free(r->first);
  free(r->first_len);
  free(r->first_line);
  if (r->rc) {
    for (int j = 0; j < r->ncol; j++) {
      free(r->rc[j].data);
      dict_free(&r->rc[j].dict);
    }
    free(r->rc);
  }
  free(r->na_len);
}

credo_status csvio_read(csvio_table *t, const char *path,
                        const csvio_options *o) {
  memset(t, 0, sizeof *t);
  Reader r;
  memset(&r, 0, sizeof r);
  r.o = o;
  r.t = t;
  r.path = path;
  r.phase = P_FIRST;
  r.na_len = malloc((size_t)(o->n_na ? o->n_na : 1) * sizeof *r.na_len);
  char *buf = malloc(BLOCK);
  int fd = -1;
  if (!r.na_len || !buf) { r.st = CREDO_ENOMEM; goto out; }
  for (int k = 0; k < o->n_na; k++) {
    r.na_len[k] = strlen(o->na[k]);
    r.na_lenmask |= (uint64_t)1 << (r.na_len[k] < 63 ? r.na_len[k] : 63);
    double v;
    if (csvio_parse_f64(o->na[k], r.na_len[k], &v) > 0 && !isnan(v))
      r.na_numeric = 1;
  }
  fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  int why = fd < 0 || fstat(fd, &sb) ? errno : S_ISDIR(sb.st_mode) ? EISDIR : 0;
  if (why) {
    r.st = CREDO_EIO;
    snprintf(t->error, sizeof t->error, "cannot open '%s': %s", path,
             strerror(why));
    goto out;
  }
  pass(&r, fd, buf);
  if (r.st == CREDO_OK && r.phase == P_FIRST) {
    r.st = CREDO_EFORMAT;
    snprintf(t->error, sizeof t->error, "%s: empty file", path);
  }
  if (r.st == CREDO_OK && r.reparse_rows > 0) {
    /* text of rows read as numbers before a column turned categorical */
    int64_t nrow = r.row;
    if (lseek(fd, 0, SEEK_SET) != 0) {
      r.st = CREDO_EIO;
      snprintf(t->error, sizeof t->error, "%s: cannot seek: %s", path,
               strerror(errno));
      goto out;
    }
    r.phase = P_REPARSE;
    r.row = o->header ? -1 : 0;
    r.field = 0;
    pass(&r, fd, buf);
    r.row = nrow;
  }
  if (r.st != CREDO_OK) goto out;
  t->nrow = r.row;
  for (int j = 0; j < r.ncol; j++) {
    RCol *rc = &r.rc[j];
    csvio_column *c = &t->cols[j];
    if (rc->kind == K_CAT && finish_categorical(&r, j)) {
      r.st = CREDO_ENOMEM;
      goto out;
    }
    c->type = rc->kind == K_F64 ? CSVIO_F64
              : rc->kind == K_I64 ? CSVIO_I64 : CSVIO_CAT;
    if (rc->kind == K_F64) c->f64 = rc->data;
    else c->i64 = rc->data;
    rc->data = NULL;
  }
out:
  if (fd >= 0) close(fd);
  free(buf);
  reader_free(&r);
  if (r.st != CREDO_OK) {
    char keep[sizeof t->error];
    memcpy(keep, t->error, sizeof keep);
    csvio_table_free(t);
    memcpy(t->error, keep, sizeof keep);
  }
  return r.st;
}

void csvio_column_free(csvio_column *c) {
  free(c->name);
  free(c->f64);
  free(c->i64);
  free(c->levels);
  free(c->level_text);
  c->name = NULL;
  c->f64 = NULL;
  c->i64 = NULL;
  c->levels = NULL;
  c->level_text = NULL;
  c->nlevels = 0;
}

void csvio_table_free(csvio_table *t) {
  if (t->cols)
    for (int j = 0; j < t->ncol; j++) csvio_column_free(&t->cols[j]);
  free(t->cols);
  t->cols = NULL;
  t->ncol = 0;
  t->nrow = 0;
}

/* ------------------------------------------------------------------ */
/* the writer                                                           */

void csvio_woptions_default(csvio_woptions *o) {
  o->header = 1;
  o->delim = ',';
  o->quote = '"';
  o->na = "NA";
}

/* Decimal digits of v into the end of buf[0..24); returns the start. */
static char *utoa_end(char *end, uint64_t v) {
  *--end = '\0';
  do {
    *--end = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return end;
}

static int format_i64(char *buf, size_t n, int64_t x) {
  char tmp[24];
  uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
  char *s = utoa_end(tmp + sizeof tmp, u);
  if (x < 0) *--s = '-';
  size_t len = (size_t)(tmp + sizeof tmp - 1 - s);
  if (len >= n) return snprintf(buf, n, "%s", s);
  memcpy(buf, s, len + 1);
  return (int)len;
}

/* x as m / 10^k, m < 2^53, with the fewest decimals k (1..17) for which
 * that division gives x back: exactly what the reader's fast path computes
 * for the text, so the round trip is exact.  Returns the length written
 * into buf (>= 48 bytes), or 0 when no such k exists. */
static int format_fixed(char *buf, double x) {
  double ax = fabs(x);
  for (int k = 1; k <= 17; k++) {
    double y = ax * pow10_tab[k];
    if (!(y < 9007199254740992.0)) return 0;
    double m = nearbyint(y);
    if (m == 0 || m / pow10_tab[k] != ax) continue;
    char digits[24];
    char *d = utoa_end(digits + sizeof digits, (uint64_t)m);
    int nd = (int)(digits + sizeof digits - 1 - d), len = 0;
    if (x < 0) buf[len++] = '-';
    if (nd <= k) {
      buf[len++] = '0';
      buf[len++] = '.';
      for (int z = nd; z < k; z++) buf[len++] = '0';
      memcpy(buf + len, d, (size_t)nd);
      len += nd;
    } else {
      memcpy(buf + len, d, (size_t)(nd - k));
      len += nd - k;
      buf[len++] = '.';
      memcpy(buf + len, d + nd - k, (size_t)k);
      len += k;
    }
    buf[len] = '\0';
    return len;
  }
  return 0;
}

int csvio_format_f64(char *buf, size_t n, double x) {
  if (isnan(x)) return snprintf(buf, n, "NaN");
  if (isinf(x)) return snprintf(buf, n, x > 0 ? "inf" : "-inf");
  if (x == 0) return snprintf(buf, n, signbit(x) ? "-0" : "0");
  if (fabs(x) < 9007199254740992.0 && x == (double)(int64_t)x)
    return format_i64(buf, n, (int64_t)x);
  if (n >= 48) {
    int len = format_fixed(buf, x);
    if (len) return len;
  }
  int len = 0;
  for (int prec = 15; prec <= 17; prec++) {
    len = snprintf(buf, n, "%.*g", prec, x);
    double y;
    if (prec == 17 || (csvio_parse_f64(buf, (size_t)len, &y) > 0 && y == x))
      break;
  }
  return len;
}

static int format_f32(char *buf, size_t n, float x) {
  if (isnan(x) || isinf(x) || x == 0 ||
      (fabsf(x) < 16777216.0f && x == (float)(int64_t)x))
    return csvio_format_f64(buf, n, (double)x);
  int len = 0;
  for (int prec = 6; prec <= 9; prec++) {
    len = snprintf(buf, n, "%.*g", prec, (double)x);
    if (prec == 9 || strtof(buf, NULL) == x) break;
  }
  return len;
}

/* Length of the NUL-terminated s; *quote set when s must be quoted: it
 * holds the delimiter, the quote, CR or LF, or starts or ends blank. */
static size_t scan_text(const char *s, const csvio_woptions *o, int *quote) {
  size_t n = 0;
  int q = 0;
  for (unsigned char c; (c = (unsigned char)s[n]); n++)
    q |= c == o->delim || c == o->quote || c == '\n' || c == '\r';
  if (n && (is_blank((unsigned char)s[0]) || is_blank((unsigned char)s[n - 1])))
    q = 1;
  *quote = q;
  return n;
}

static void put_text(FILE *f, const char *s, const csvio_woptions *o) {
  int quote;
  size_t n = scan_text(s, o, &quote);
  if (!quote) {
    fwrite_unlocked(s, 1, n, f);
    return;
  }
  putc_unlocked(o->quote, f);
  for (size_t i = 0; i < n; i++) {
    if ((unsigned char)s[i] == o->quote) putc_unlocked(o->quote, f);
    putc_unlocked(s[i], f);
  }
  putc_unlocked(o->quote, f);
}

static void put_value(FILE *f, const csvio_wcolumn *c, int64_t i,
                      const csvio_woptions *o) {
  char buf[64];
  int len;
  switch (c->type) {
  case CSVIO_F64: {
    double x = ((const double *)c->data)[i * c->stride];
    if (isnan(x)) { fputs_unlocked(o->na, f); return; }
    len = csvio_format_f64(buf, sizeof buf, x);
    break;
  }
  case CSVIO_F32: {
    float x = ((const float *)c->data)[i * c->stride];
    if (isnan(x)) { fputs_unlocked(o->na, f); return; }
    len = format_f32(buf, sizeof buf, x);
    break;
  }
  case CSVIO_I64:
    len = format_i64(buf, sizeof buf, ((const int64_t *)c->data)[i * c->stride]);
    break;
  case CSVIO_CAT: {
    int64_t k = ((const int64_t *)c->data)[i * c->stride];
    if (k == 0) fputs_unlocked(o->na, f);
    else put_text(f, c->levels[k - 1], o);
    return;
  }
  default:
    return;
  }
  fwrite_unlocked(buf, 1, (size_t)len, f);
}

credo_status csvio_write(const char *path, const csvio_wcolumn *cols,
                         int ncol, int64_t nrow, const csvio_woptions *o,
                         char *err, size_t errlen) {
  for (int j = 0; j < ncol; j++) {
    const csvio_wcolumn *c = &cols[j];
    if (c->type != CSVIO_CAT) continue;
    for (int64_t i = 0; i < nrow; i++) {
      int64_t k = ((const int64_t *)c->data)[i * c->stride];
      if (k < 0 || k > c->nlevels) {
        snprintf(err, errlen,
                 "column '%s': code %lld in row %lld is out of range 0..%lld",
                 c->name ? c->name : "?", (long long)k, (long long)i + 1,
                 (long long)c->nlevels);
        return CREDO_EINVAL;
      }
    }
  }
  if (!credo_replaceable_path(path)) {   /* the rename would replace it */
    snprintf(err, errlen, "cannot write '%s': not a regular file (a device, pipe, socket "
             "or directory is never replaced)", path);
    return CREDO_EIO;
  }
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 16);
  if (!tmp) return CREDO_ENOMEM;
  snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    snprintf(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
    free(tmp);
    return CREDO_EIO;
  }
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  FILE *f = fdopen(fd, "w");
  if (!f) {
    snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
    close(fd);
    unlink(tmp);
    free(tmp);
    return CREDO_EIO;
  }
  setvbuf(f, NULL, _IOFBF, (size_t)1 << 20);
  locale_t loc = c_locale(), old = loc ? uselocale(loc) : (locale_t)0;
  credo_status st = CREDO_OK;
  if (o->header) {
    for (int j = 0; j < ncol; j++) {
      if (j) putc_unlocked(o->delim, f);
      put_text(f, cols[j].name ? cols[j].name : "", o);
    }
    putc_unlocked('\n', f);
  }
  for (int64_t i = 0; i < nrow; i++) {
    if ((i & 4095) == 0 && credo_interrupted) { st = CREDO_EINTR; break; }
    for (int j = 0; j < ncol; j++) {
      if (j) putc_unlocked(o->delim, f);
      put_value(f, &cols[j], i, o);
    }
    putc_unlocked('\n', f);
  }
  if (old) uselocale(old);
  int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
  int e = errno;
  if (fclose(f) != 0 && !bad) { bad = 1; e = errno; }
  if (st == CREDO_OK && bad) {
    snprintf(err, errlen, "cannot write '%s': %s", path, strerror(e));
    st = CREDO_EIO;
  }
  if (st == CREDO_OK && rename(tmp, path) != 0) {
    snprintf(err, errlen, "cannot rename '%s' to '%s': %s", tmp, path,
             strerror(errno));
    st = CREDO_EIO;
  }
  if (st != CREDO_OK) unlink(tmp);
  else {  /* make the rename durable: fsync the directory */
    char *dir = strdup(path);
    if (dir) {
      char *slash = strrchr(dir, '/');
      const char *d = ".";
      if (slash == dir) d = "/";
      else if (slash) { *slash = '\0'; d = dir; }
      int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
      }
      free(dir);
    }
  }
  free(tmp);
  return st;
}
