/*
 * test_csv.c: the CSV reader/writer core (csvio.c) and the frame kernels
 * (frameops.c), called directly.  Run from the repository root (tests/run
 * does): the fixtures are read from tests/fixtures/csv/.
 *
 * Checks: the number parser against strtod bit for bit on random decimals;
 * every malformed-input case with its exact message; the fast unquoted-line
 * path against libcsv on random files; write/read round trips bit for bit;
 * radix sort, quantiles, describe, factorize against slow references.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../natives/csv/csvio.h"
#include "../../natives/csv/frameops.h"
#include "ctest.h"

#define FIX "tests/fixtures/csv/"

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static uint64_t rnd(void) {  /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}
static int rndint(int n) { return (int)(rnd() % (uint64_t)n); }

static int same_bits(double a, double b) { return !memcmp(&a, &b, 8); }

static char tmpdir[64];

static const char *tmppath(const char *name) {
  static char buf[256];
  snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
  return buf;
}

static void write_file(const char *path, const char *s, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); exit(2); }
  fwrite(s, 1, n, f);
  fclose(f);
}

/* ---- numbers ---- */

static int parse_vs_strtod(const char *s) {
  double a = 0, b;
  char *end;
  int ok = csvio_parse_f64(s, strlen(s), &a);
  b = strtod(s, &end);
  int strtod_ok = end != s && *end == '\0';
  if (ok != strtod_ok || (ok && !same_bits(a, b))) {
    fprintf(stderr, "  parse '%s': ours %d %.17g, strtod %d %.17g\n", s, ok, a,
            strtod_ok, b);
    return 0;
  }
  return 1;
}

static void test_parse_f64(void) {
  const char *fixed[] = {
    "0", "-0", "+0.0", "1", "-1", "1e22", "1e23", "1e-22", "1e-23",
    "9007199254740992", "9007199254740993", "9007199254740995",
    "123456789012345678", "1234567890123456789", "12345678901234567890",
    "0.1", ".5", "5.", "-.5e1", "1e-400", "1e400", "4.9e-324", "5e-324",
    "2.2250738585072014e-308", "2.2250738585072011e-308",
    "1.7976931348623157e308", "1.7976931348623159e308", "0.000001",
    "100000000000000000000000", "1e37", "12e30", "123456789e30",
    "0.30000000000000004", "3.14159265358979323846264338327950288",
    "000000000000000000000000000001.5", "1.000000000000000000000000001",
    "1e0000000000000000000000000000000000002", "1e-99999999999999", "inf",
    "-Infinity", "INF", "nan", "NaN", "-nan", "1e", "e1", ".", "-",
    "+", "1.2.3", "1e+", "--1", "1 2", "1,5", "1d5", "infinite", "nanx", "",
    "+.e1", "0.", "-0.0e-0"};
  int bad = 0;
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
    bad += !parse_vs_strtod(fixed[i]);
  /* hex is refused (strtod would take it); blanks around are allowed */
  double v;
  CHECK(csvio_parse_f64("0x10", 4, &v) == 0);
  CHECK(csvio_parse_f64("0x1p3", 5, &v) == 0);
  CHECK(csvio_parse_f64("  42.5\t", 7, &v) == 1 && v == 42.5);
  CHECK(csvio_parse_f64(" ", 1, &v) == 0);
  CHECK(csvio_parse_f64("12abc", 2, &v) == 1 && v == 12);  /* length bound */
  /* random decimals of every shape */
  char s[96];
  for (int it = 0; it < 300000; it++) {
    int k = 0;
    if (rndint(3) == 0) s[k++] = rndint(2) ? '-' : '+';
    int nd = 1 + rndint(it % 3 == 0 ? 30 : 20), point = rndint(nd + 2) - 1;
    int lead = rndint(4) == 0 ? rndint(5) : 0;
    for (int z = 0; z < lead; z++) s[k++] = '0';
    for (int d = 0; d < nd; d++) {
      if (d == point) s[k++] = '.';
      s[k++] = (char)('0' + rndint(10));
    }
    if (point == nd) s[k++] = '.';
    if (rndint(3) == 0) {
      k += snprintf(s + k, sizeof s - (size_t)k, "e%d",
                    rndint(it % 5 == 0 ? 700 : 60) - (it % 5 == 0 ? 350 : 30));
    }
    s[k] = '\0';
    bad += !parse_vs_strtod(s);
  }
  /* printf of random doubles in the formats data files use */
  for (int it = 0; it < 100000; it++) {
    uint64_t u = rnd();
    double x;
    memcpy(&x, &u, 8);
    if (!isfinite(x)) continue;
    const char *fmts[] = {"%.17g", "%.15g", "%.6f", "%.3e", "%g"};
    double y = it % 2 ? x : ldexp((double)(rnd() >> 11), -rndint(60)) - 1e5;
    snprintf(s, sizeof s, fmts[it % 5], y);
    bad += !parse_vs_strtod(s);
  }
  printf("  parse_f64 vs strtod: %d mismatches\n", bad);
  CHECK(bad == 0);
}

static void test_parse_i64(void) {
  int64_t v;
  CHECK(csvio_parse_i64("9223372036854775807", 19, &v) && v == INT64_MAX);
  CHECK(!csvio_parse_i64("9223372036854775808", 19, &v));
  CHECK(csvio_parse_i64("-9223372036854775808", 20, &v) && v == INT64_MIN);
  CHECK(!csvio_parse_i64("-9223372036854775809", 20, &v));
  CHECK(csvio_parse_i64(" +5 ", 4, &v) && v == 5);
  CHECK(!csvio_parse_i64("12a", 3, &v));
  CHECK(!csvio_parse_i64("", 0, &v));
  CHECK(!csvio_parse_i64("-", 1, &v));
  CHECK(!csvio_parse_i64("1.0", 3, &v));
}

/* ---- reading ---- */

static credo_status read_opts(csvio_table *t, const char *path,
                              const csvio_options *o) {
  return csvio_read(t, path, o);
}

static credo_status read_default(csvio_table *t, const char *path) {
  csvio_options o;
  csvio_options_default(&o);
  return read_opts(t, path, &o);
}

/* The read fails with exactly this message. */
static void expect_error(const char *path, const csvio_options *o,
                         credo_status want, const char *msg) {
  csvio_table t;
  csvio_options d;
  if (!o) {
    csvio_options_default(&d);
    o = &d;
  }
  credo_status st = csvio_read(&t, path, o);
  int ok = st == want && !strcmp(t.error, msg) && t.cols == NULL;
  if (!ok)
    fprintf(stderr, "  %s: status %d message '%s'\n  expected %d '%s'\n", path,
            st, t.error, want, msg);
  CHECK(ok);
  csvio_table_free(&t);
}

static const char *level(const csvio_column *c, int64_t row) {
  int64_t k = c->i64[row];
  return k ? c->levels[k - 1] : NULL;
}

static int streq(const char *a, const char *b) {
  return a == b || (a && b && !strcmp(a, b));
}

static void test_read_basic(void) {
  csvio_table t;
  CHECK(read_default(&t, FIX "basic.csv") == CREDO_OK);
  CHECK(t.ncol == 4 && t.nrow == 4);
  CHECK(!strcmp(t.cols[0].name, "id") && t.cols[0].type == CSVIO_F64);
  CHECK(t.cols[0].f64[3] == 4);
  CHECK(t.cols[1].type == CSVIO_CAT && t.cols[1].nlevels == 4);
  /* levels sorted bytewise: "Smith, John" < "plain" < "say \"hi\"" < ... */
  CHECK(streq(t.cols[1].levels[0], "Smith, John"));
  CHECK(streq(t.cols[1].levels[1], "plain"));
  CHECK(streq(t.cols[1].levels[2], "say \"hi\""));
  CHECK(streq(t.cols[1].levels[3], "two\nlines"));
  CHECK(streq(level(&t.cols[1], 2), "two\nlines"));
  CHECK(t.cols[2].type == CSVIO_F64 && t.cols[2].f64[0] == 3.5 &&
        isnan(t.cols[2].f64[1]) && t.cols[2].f64[2] == -1000 &&
        t.cols[2].f64[3] == 0.25);
  CHECK(t.cols[3].type == CSVIO_CAT && t.cols[3].nlevels == 2);
  CHECK(streq(level(&t.cols[3], 0), "A") && streq(level(&t.cols[3], 1), "B") &&
        level(&t.cols[3], 2) == NULL && streq(level(&t.cols[3], 3), "A"));
  csvio_table_free(&t);
  csvio_table_free(&t);  /* twice is safe */

  CHECK(read_default(&t, FIX "bom_crlf.csv") == CREDO_OK);
  CHECK(t.ncol == 2 && t.nrow == 3 && !strcmp(t.cols[0].name, "x"));
  CHECK(t.cols[0].f64[2] == 3 && streq(level(&t.cols[1], 2), "c"));
  csvio_table_free(&t);

  CHECK(read_default(&t, FIX "header_only.csv") == CREDO_OK);
  CHECK(t.ncol == 3 && t.nrow == 0 && t.cols[2].type == CSVIO_F64 &&
        !strcmp(t.cols[2].name, "c"));
  csvio_table_free(&t);

  CHECK(read_default(&t, FIX "no_final_newline.csv") == CREDO_OK);
  CHECK(t.nrow == 2 && streq(level(&t.cols[1], 1), "v"));
  csvio_table_free(&t);

  CHECK(read_default(&t, FIX "dup_names.csv") == CREDO_OK);
  CHECK(t.ncol == 5 && !strcmp(t.cols[0].name, "a") &&
        !strcmp(t.cols[1].name, "a.1") && !strcmp(t.cols[2].name, "V3") &&
        !strcmp(t.cols[3].name, "b") && !strcmp(t.cols[4].name, "a.1.1"));
  csvio_table_free(&t);

  /* a column that turns categorical after numbers: the early rows are
   * read again as text */
  CHECK(read_default(&t, FIX "mixed.csv") == CREDO_OK);
  CHECK(t.cols[0].type == CSVIO_CAT && t.cols[0].nlevels == 3);
  CHECK(streq(t.cols[0].levels[0], "10") && streq(t.cols[0].levels[1], "20") &&
        streq(t.cols[0].levels[2], "x7"));
  CHECK(streq(level(&t.cols[0], 0), "10") && streq(level(&t.cols[0], 1), "20") &&
        level(&t.cols[0], 2) == NULL && streq(level(&t.cols[0], 3), "x7") &&
        streq(level(&t.cols[0], 4), "10"));
  CHECK(t.cols[1].type == CSVIO_F64 && t.cols[1].f64[4] == 5);
  csvio_table_free(&t);

  csvio_options o;
  csvio_options_default(&o);
  o.delim = '\t';
  CHECK(read_opts(&t, FIX "tab.tsv", &o) == CREDO_OK);
  CHECK(t.ncol == 3 && t.nrow == 2 && isnan(t.cols[1].f64[0]) &&
        isnan(t.cols[1].f64[1]) && streq(level(&t.cols[2], 0), "x y"));
  csvio_table_free(&t);

  csvio_options_default(&o);
  o.delim = ';';
  CHECK(read_opts(&t, FIX "semicolon.csv", &o) == CREDO_OK);
  CHECK(t.ncol == 2 && streq(level(&t.cols[0], 0), "1,5") &&
        streq(level(&t.cols[1], 0), "x;y"));
  csvio_table_free(&t);

  /* no header: V1.., the first record is data */
  csvio_options_default(&o);
  o.header = 0;
  CHECK(read_opts(&t, FIX "ragged_short.csv", &o) == CREDO_EFORMAT);
  csvio_table_free(&t);
  CHECK(read_opts(&t, FIX "header_only.csv", &o) == CREDO_OK);
  CHECK(t.nrow == 1 && !strcmp(t.cols[1].name, "V2") &&
        streq(level(&t.cols[1], 0), "b"));
  csvio_table_free(&t);

  /* declared types */
  const char *names[] = {"id", "grade", "score"};
  csvio_type types[] = {CSVIO_I64, CSVIO_CAT, CSVIO_F64};
  csvio_options_default(&o);
  o.type_names = names;
  o.types = types;
  o.n_types = 3;
  CHECK(read_opts(&t, FIX "basic.csv", &o) == CREDO_OK);
  CHECK(t.cols[0].type == CSVIO_I64 && t.cols[0].i64[3] == 4);
  csvio_table_free(&t);
  const char *cnames[] = {"id"};
  csvio_type ctypes[] = {CSVIO_CAT};
  o.type_names = cnames;
  o.types = ctypes;
  o.n_types = 1;
  CHECK(read_opts(&t, FIX "basic.csv", &o) == CREDO_OK);
  CHECK(t.cols[0].type == CSVIO_CAT && streq(level(&t.cols[0], 3), "4"));
  csvio_table_free(&t);

  /* missing markers replaced: "NA" is text now, "" still missing? no */
  const char *na[] = {"-"};
  csvio_options_default(&o);
  o.na = na;
  o.n_na = 1;
  CHECK(read_opts(&t, FIX "basic.csv", &o) == CREDO_OK);
  CHECK(t.cols[2].type == CSVIO_CAT);         /* "NA" is text */
  CHECK(t.cols[3].type == CSVIO_CAT && t.cols[3].nlevels == 3); /* "" too */
  csvio_table_free(&t);

  /* ragged rows padded / truncated */
  csvio_options_default(&o);
  o.ragged = CSVIO_RAGGED_PAD;
  CHECK(read_opts(&t, FIX "ragged_short.csv", &o) == CREDO_OK);
  CHECK(t.nrow == 2 && isnan(t.cols[2].f64[1]) && t.cols[1].f64[1] == 5);
  csvio_table_free(&t);
  o.ragged = CSVIO_RAGGED_TRUNCATE;
  CHECK(read_opts(&t, FIX "ragged_long.csv", &o) == CREDO_OK);
  CHECK(t.nrow == 2 && t.ncol == 3 && t.cols[2].f64[1] == 6);
  csvio_table_free(&t);
}

static void test_read_errors(void) {
  expect_error(FIX "empty.csv", NULL, CREDO_EFORMAT,
               FIX "empty.csv: empty file");
  expect_error(FIX "blank.csv", NULL, CREDO_EFORMAT,
               FIX "blank.csv: empty file");
  expect_error(FIX "missing-file.csv", NULL, CREDO_EIO,
               "cannot open '" FIX "missing-file.csv': No such file or directory");
  expect_error(FIX, NULL, CREDO_EIO, "cannot open '" FIX "': Is a directory");
  expect_error(FIX "ragged_long.csv", NULL, CREDO_EFORMAT,
               FIX "ragged_long.csv: line 3, column 4: row has 4 fields, "
                   "expected 3");
  expect_error(FIX "ragged_short.csv", NULL, CREDO_EFORMAT,
               FIX "ragged_short.csv: line 3, column 3 (c): row has 2 "
                   "fields, expected 3");
  csvio_options o;
  csvio_options_default(&o);
  o.ragged = CSVIO_RAGGED_PAD;
  expect_error(FIX "ragged_long.csv", &o, CREDO_EFORMAT,
               FIX "ragged_long.csv: line 3, column 4: row has 4 fields, "
                   "expected 3");
  expect_error(FIX "unterminated.csv", NULL, CREDO_EFORMAT,
               FIX "unterminated.csv: line 3, column 2 (b): unterminated "
                   "quoted field at end of file");
  expect_error(FIX "quote_in_field.csv", NULL, CREDO_EFORMAT,
               FIX "quote_in_field.csv: line 2, column 2 (b): quote "
                   "character inside an unquoted field");
  expect_error(FIX "after_quote.csv", NULL, CREDO_EFORMAT,
               FIX "after_quote.csv: line 2, column 2 (b): unexpected "
                   "character after a closing quote");
  expect_error(FIX "nul.csv", NULL, CREDO_EFORMAT,
               FIX "nul.csv: line 3, column 2 (b): NUL byte in field");
  const char *names[] = {"age"};
  csvio_type types[] = {CSVIO_F64};
  o.type_names = names;
  o.types = types;
  o.n_types = 1;
  expect_error(FIX "not_number.csv", &o, CREDO_EFORMAT,
               FIX "not_number.csv: line 3, column 1 (age): '4O' is not a "
                   "number (column declared float64)");
  types[0] = CSVIO_I64;
  expect_error(FIX "basic.csv", &(csvio_options){.header = 1, .delim = ',',
               .quote = '"', .max_field = 1 << 20, .na = csvio_na_default,
               .n_na = csvio_n_na_default, .type_names = (const char *[]){"score"},
               .types = types, .n_types = 1},
               CREDO_EFORMAT,
               FIX "basic.csv: line 2, column 3 (score): '3.5' is not an "
                   "integer (column declared int64)");
  const char *ia[] = {"a"};
  o.type_names = ia;
  o.types = types;  /* int64 */
  expect_error(FIX "int_missing.csv", &o, CREDO_EFORMAT,
               FIX "int_missing.csv: line 3, column 1 (a): missing value in "
                   "an int64 column");
  const char *nn[] = {"nope"};
  o.type_names = nn;
  expect_error(FIX "basic.csv", &o, CREDO_EINVAL,
               "types: no column named 'nope'");
  csvio_options_default(&o);
  o.max_field = 100;
  expect_error(FIX "long_field.csv", &o, CREDO_EFORMAT,
               FIX "long_field.csv: line 3, column 2 (b): field longer than "
                   "100 bytes");

  /* too many columns: an error, not millions of column buffers */
  {
    size_t n = CSVIO_MAX_COLUMNS + 1;
    char *h = malloc(n + 1);
    memset(h, ',', n);
    h[n] = '\n';
    char wide[256], wmsg[512];
    snprintf(wide, sizeof wide, "%s", tmppath("wide.csv"));
    write_file(wide, h, n + 1);
    free(h);
    snprintf(wmsg, sizeof wmsg, "%s: line 1, column %d: more than %d columns",
             wide, CSVIO_MAX_COLUMNS + 1, CSVIO_MAX_COLUMNS);
    expect_error(wide, NULL, CREDO_EFORMAT, wmsg);
    unlink(wide);
  }

  /* Ctrl-C: the flag stops the read */
  credo_interrupted = 1;
  csvio_table ti;
  CHECK(read_default(&ti, FIX "basic.csv") == CREDO_EINTR && ti.cols == NULL);
  credo_interrupted = 0;

  /* a field over the default 1 MiB limit, spanning lines and read blocks */
  size_t big = (size_t)3 << 20;
  char *s = malloc(big + 64);
  size_t k = (size_t)sprintf(s, "a,b\n1,\"");
  for (size_t i = 0; i < big; i++) s[k++] = i % 1000 == 999 ? '\n' : 'q';
  k += (size_t)sprintf(s + k, "\"\n");
  write_file(tmppath("huge.csv"), s, k);
  free(s);
  char msg[512];
  snprintf(msg, sizeof msg, "%s: line 2, column 2 (b): field longer than "
           "1048576 bytes", tmppath("huge.csv"));
  char path[256];
  snprintf(path, sizeof path, "%s", tmppath("huge.csv"));
  expect_error(path, NULL, CREDO_EFORMAT, msg);
  unlink(path);
}

/* Random CSV text: the fast path and libcsv alone must agree exactly. */
static void random_field(char *s, size_t *k) {
  static const char *words[] = {"a", "bb", "NA", "", "3.25", "-7", "x y",
                                "1e5", " pad ", "\t", "cat_17", "0"};
  int kind = rndint(10);
  if (kind < 7) {
    const char *w = words[rndint(12)];
    *k += (size_t)sprintf(s + *k, "%s", w);
  } else {  /* quoted, with the awkward characters */
    s[(*k)++] = '"';
    int n = rndint(6);
    for (int i = 0; i < n; i++) {
      const char *parts[] = {"\"\"", ",", "\n", "\r\n", "z", " ", "7"};
      *k += (size_t)sprintf(s + *k, "%s", parts[rndint(7)]);
    }
    s[(*k)++] = '"';
  }
}

static int tables_equal(const csvio_table *a, const csvio_table *b) {
  if (a->ncol != b->ncol || a->nrow != b->nrow) return 0;
  for (int j = 0; j < a->ncol; j++) {
    const csvio_column *x = &a->cols[j], *y = &b->cols[j];
    if (strcmp(x->name, y->name) || x->type != y->type) return 0;
    for (int64_t i = 0; i < a->nrow; i++) {
      if (x->type == CSVIO_F64) {
        if (!same_bits(x->f64[i], y->f64[i])) return 0;
      } else if (x->i64[i] != y->i64[i]) {
        return 0;
      }
    }
    if (x->type == CSVIO_CAT) {
      if (x->nlevels != y->nlevels) return 0;
      for (int64_t l = 0; l < x->nlevels; l++)
        if (strcmp(x->levels[l], y->levels[l])) return 0;
    }
  }
  return 1;
}

static void test_fast_path(void) {
  int agree = 0, files = 300, ok = 0;
  char *s = malloc(1 << 16);
  for (int f = 0; f < files; f++) {
    size_t k = 0;
    int ncol = 1 + rndint(4), nrow = rndint(30);
    char delim = f % 3 == 0 ? '\t' : f % 3 == 1 ? ',' : ' ';
    for (int j = 0; j < ncol; j++) {
      if (j) s[k++] = delim;
      k += (size_t)sprintf(s + k, "c%d", j);
    }
    k += (size_t)sprintf(s + k, f % 2 ? "\r\n" : "\n");
    for (int i = 0; i < nrow; i++) {
      if (rndint(10) == 0) k += (size_t)sprintf(s + k, rndint(2) ? "\n" : "  \r\n");
      for (int j = 0; j < ncol; j++) {
        if (j) s[k++] = delim;
        if (rndint(8) == 0) s[k++] = ' ';
        random_field(s, &k);
      }
      k += (size_t)sprintf(s + k, f % 2 ? "\r\n" : "\n");
    }
    write_file(tmppath("fast.csv"), s, k);
    csvio_table a, b;
    csvio_options o;
    csvio_options_default(&o);
    o.delim = (unsigned char)delim;
    o.ragged = f % 4 == 0 ? CSVIO_RAGGED_TRUNCATE : CSVIO_RAGGED_ERROR;
    credo_status sa = read_opts(&a, tmppath("fast.csv"), &o);
    o.libcsv_only = 1;
    credo_status sb = read_opts(&b, tmppath("fast.csv"), &o);
    if (sa == sb && (sa != CREDO_OK || tables_equal(&a, &b)) &&
        (sa == CREDO_OK || !strcmp(a.error, b.error)))
      agree++;
    else
      fprintf(stderr, "  fast path differs on file %d (%d/%d: %s | %s)\n", f,
              sa, sb, a.error, b.error);
    ok += sa == CREDO_OK;
    csvio_table_free(&a);
    csvio_table_free(&b);
  }
  free(s);
  unlink(tmppath("fast.csv"));
  printf("  fast path vs libcsv: %d/%d files agree (%d read, the rest "
         "errors)\n", agree, files, ok);
  CHECK(agree == files);
  CHECK(ok > files / 3);
}

/* ---- writing ---- */

static void test_write_roundtrip(void) {
  enum { N = 20000 };
  double *x = malloc(N * sizeof *x);
  float *y = malloc(N * sizeof *y);
  int64_t *z = malloc(N * sizeof *z), *c = malloc(N * sizeof *c);
  const char *levels[] = {"plain", "with,comma", "with \"quote\"",
                          "multi\nline", " lead", "trail\t", "NAN?", "x;y"};
  for (int i = 0; i < N; i++) {
    uint64_t u = rnd();
    switch (i % 6) {
    case 0: memcpy(&x[i], &u, 8); break;           /* any bits */
    case 1: x[i] = (double)(int64_t)(u >> 20) - 1e12; break;
    case 2: x[i] = round(ldexp((double)(u >> 11), -53) * 1e6) / 1e6; break;
    case 3: x[i] = i % 12 == 3 ? NAN : -0.0; break;
    case 4: x[i] = ldexp(1.0, -1074 + rndint(40)); break;
    default: x[i] = i % 2 ? INFINITY : -INFINITY;
    }
    if (isnan(x[i])) x[i] = NAN;  /* one NaN pattern: NA reads back as it */
    uint32_t w = (uint32_t)(u >> 32);
    memcpy(&y[i], &w, 4);
    if (isnan(y[i])) y[i] = 1.5f;
    z[i] = (int64_t)u;
    c[i] = rndint(9);  /* 0 = missing */
  }
  csvio_wcolumn cols[4] = {
    {"x", CSVIO_F64, x, 1, NULL, 0},
    {"y, float", CSVIO_F32, y, 1, NULL, 0},
    {"z", CSVIO_I64, z, 1, NULL, 0},
    {"c", CSVIO_CAT, c, 1, levels, 8},
  };
  csvio_woptions wo;
  csvio_woptions_default(&wo);
  char err[600];
  const char *path = tmppath("round.csv");
  char p[256];
  snprintf(p, sizeof p, "%s", path);
  CHECK(csvio_write(p, cols, 4, N, &wo, err, sizeof err) == CREDO_OK);
  csvio_table t;
  csvio_options o;
  csvio_options_default(&o);
  const char *tn[] = {"z", "c"};
  csvio_type tt[] = {CSVIO_I64, CSVIO_CAT};
  o.type_names = tn;
  o.types = tt;
  o.n_types = 2;
  credo_status st = read_opts(&t, p, &o);
  CHECK(st == CREDO_OK);
  if (st == CREDO_OK) {
    int bad = 0, b[4] = {0};
    CHECK(t.nrow == N && !strcmp(t.cols[1].name, "y, float"));
    for (int i = 0; i < N; i++) {
      b[0] += !(same_bits(t.cols[0].f64[i], x[i]) ||
                (isnan(x[i]) && isnan(t.cols[0].f64[i])));
      b[1] += (float)t.cols[1].f64[i] != y[i];
      b[2] += t.cols[2].i64[i] != z[i];
      const char *got = level(&t.cols[3], i);
      b[3] += !streq(got, c[i] ? levels[c[i] - 1] : NULL);
    }
    for (int j = 0; j < 4; j++) {
      if (b[j]) fprintf(stderr, "  column %d: %d mismatches\n", j + 1, b[j]);
      bad += b[j];
    }
    printf("  write/read round trip: %d mismatches in %d rows\n", bad, N);
    CHECK(bad == 0);
  }
  csvio_table_free(&t);
  /* a bad code is refused and nothing is written */
  c[5] = 9;
  unlink(p);
  CHECK(csvio_write(p, cols, 4, N, &wo, err, sizeof err) == CREDO_EINVAL);
  CHECK(!strcmp(err, "column 'c': code 9 in row 6 is out of range 0..8"));
  CHECK(access(p, F_OK) != 0);
  CHECK(csvio_write("/nonexistent-dir/x.csv", cols, 1, N, &wo, err,
                    sizeof err) == CREDO_EIO);
  CHECK(!strncmp(err, "cannot create '/nonexistent-dir/x.csv.tmp", 40));
  char buf[64];
  csvio_format_f64(buf, sizeof buf, 0.1);
  CHECK(!strcmp(buf, "0.1"));
  csvio_format_f64(buf, sizeof buf, 1.0 / 3);
  CHECK(!strcmp(buf, "0.3333333333333333"));
  csvio_format_f64(buf, sizeof buf, -0.0);
  CHECK(!strcmp(buf, "-0"));
  csvio_format_f64(buf, sizeof buf, 1e300);
  CHECK(!strcmp(buf, "1e+300"));
  free(x);
  free(y);
  free(z);
  free(c);
}

/* ---- frame kernels ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void test_frameops(void) {
  enum { N = 50001 };
  double *x = malloc(N * sizeof *x), *ref = malloc(N * sizeof *ref);
  uint64_t *scratch = malloc(4 * N * sizeof *scratch);
  int64_t nref = 0;
  for (int i = 0; i < N; i++) {
    x[i] = i % 17 == 0 ? NAN : i % 5 == 0 ? (double)rndint(7) - 3
                                          : ldexp((double)(int64_t)(rnd() >> 40) -
                                                      8388608.0, -10);
    if (i % 101 == 0) x[i] = -0.0;
    if (!isnan(x[i])) ref[nref++] = x[i];
  }
  qsort(ref, (size_t)nref, sizeof *ref, cmp_double);
  /* radix sort agrees with qsort */
  uint64_t *keys = scratch, *tmp = scratch + N;
  for (int64_t i = 0; i < nref; i++) keys[i] = frame_key_f64(ref[nref - 1 - i]);
  frame_radix_sort_u64(keys, tmp, NULL, NULL, (size_t)nref);
  int bad = 0;
  for (int64_t i = 0; i < nref; i++)
    bad += frame_unkey_f64(keys[i]) != ref[i];
  CHECK(bad == 0);
  /* describe against direct formulas */
  frame_stats s;
  frame_describe_f64(&s, x, N, scratch);
  /* multiples of 2^-10 below 2^13: every partial sum is exact */
  double sum = 0, ss = 0;
  for (int64_t i = 0; i < nref; i++) sum += ref[i];
  double mean = sum / (double)nref;
  for (int64_t i = 0; i < nref; i++) ss += (ref[i] - mean) * (ref[i] - mean);
  CHECK(s.count == nref && s.missing == N - nref);
  CHECK(s.mean == mean);
  CHECK_NEAR(s.std, sqrt(ss / (double)(nref - 1)), 1e-12);
  CHECK(s.min == ref[0] && s.max == ref[nref - 1]);
  double pos = 0.25 * (double)(nref - 1);
  int64_t lo = (int64_t)pos;
  CHECK_NEAR(s.q25, ref[lo] + (ref[lo + 1] - ref[lo]) * (pos - (double)lo), 1e-15);
  /* small cases: numpy's answers */
  double v4[] = {1, 2, 3, 4};
  CHECK(frame_quantile_sorted(v4, 4, 0.25) == 1.75);
  CHECK(frame_quantile_sorted(v4, 4, 0.5) == 2.5);
  CHECK(frame_quantile_sorted(v4, 4, 0.75) == 3.25);
  CHECK(frame_quantile_sorted(v4, 1, 0.75) == 1);
  double allnan[2] = {NAN, NAN};
  frame_describe_f64(&s, allnan, 2, scratch);
  CHECK(s.count == 0 && s.missing == 2 && isnan(s.mean) && isnan(s.q50));
  /* factorize: codes index the sorted distinct values; -0 groups with 0 */
  int64_t *codes = malloc(N * sizeof *codes);
  double *lv = malloc(N * sizeof *lv);
  int64_t k = frame_factorize_f64(codes, lv, x, N, scratch);
  int64_t distinct = 0;
  for (int64_t i = 0; i < nref; i++)
    distinct += i == 0 || ref[i] != ref[i - 1];
  CHECK(k == distinct);
  bad = 0;
  for (int i = 0; i < N; i++) {
    if (isnan(x[i])) bad += codes[i] != 0;
    else bad += codes[i] < 1 || codes[i] > k || lv[codes[i] - 1] != x[i];
  }
  for (int64_t i = 1; i < k; i++) bad += !(lv[i - 1] < lv[i]);
  CHECK(bad == 0);
  /* unique counts of int64 keys, negatives included */
  int64_t keys64[] = {5, -3, 5, 0, -3, 5, INT64_MIN, INT64_MAX};
  int64_t u[8], cnt[8];
  int64_t nu = frame_unique_counts_i64(u, cnt, keys64, 8, scratch);
  CHECK(nu == 5 && u[0] == INT64_MIN && u[1] == -3 && cnt[1] == 2 &&
        u[2] == 0 && u[3] == 5 && cnt[3] == 3 && u[4] == INT64_MAX);
  free(x);
  free(ref);
  free(scratch);
  free(codes);
  free(lv);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/credo_test_csv_XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 2;
  }
  test_parse_f64();
  test_parse_i64();
  test_read_basic();
  test_read_errors();
  test_fast_path();
  test_write_roundtrip();
  test_frameops();
  unlink(tmppath("round.csv"));
  rmdir(tmpdir);
  return ctest_summary();
}
