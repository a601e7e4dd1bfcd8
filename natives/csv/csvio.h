/*
 * csvio.h: reading and writing delimited text tables, the pure C core of
 * credo.csv (csv_lua.c is the binding).
 *
 * The reader turns a CSV file into typed columns: float64 (NaN = missing),
 * int64 (declared only) or categorical (int64 codes 1..nlevels into a
 * bytewise-sorted level table, 0 = missing).  Tokenising is libcsv's
 * (csv_parse, strict mode); numbers go through csvio_parse_f64, which gives
 * the same bits as strtod.  Every malformed input is reported with its
 * 1-based physical line and column in csvio_table.error.
 *
 * What it is not: not a streaming/iterator API (the whole table is
 * materialised), not a sniffer (the delimiter and quote are given), no
 * comments, no skipped rows, no dates, no encodings other than bytes (a
 * UTF-8 BOM is skipped).  No Lua here.
 */
#ifndef CREDO_CSVIO_H
#define CREDO_CSVIO_H

#include <stddef.h>
#include <stdint.h>

#include "../common/credo_core.h"

/* Column types.  AUTO (reading only): float64 when every non-missing field
 * is a number, else categorical. */
typedef enum {
  CSVIO_AUTO = 0,
  CSVIO_F64,
  CSVIO_I64,
  CSVIO_CAT,
  CSVIO_F32     /* writing only */
} csvio_type;

/* Rows whose field count differs from the header's. */
typedef enum {
  CSVIO_RAGGED_ERROR = 0, /* any difference is an error */
  CSVIO_RAGGED_PAD,       /* short rows padded with missing; long: error */
  CSVIO_RAGGED_TRUNCATE   /* short rows padded, long rows cut */
} csvio_ragged;

#define CSVIO_MAX_FIELD_DEFAULT ((size_t)1 << 20) /* 1 MiB */
#define CSVIO_MAX_COLUMNS (1 << 20)   /* a wider first record is an error */

typedef struct {
  int header;                   /* first record names the columns */
  unsigned char delim, quote;   /* ',' and '"' */
  csvio_ragged ragged;
  size_t max_field;             /* longer fields are an error */
  const char *const *na;        /* field texts read as missing */
  int n_na;
  const char *const *type_names; /* declared types, by column name */
  const csvio_type *types;       /* F64, I64 or CAT */
  int n_types;
  int libcsv_only;              /* tests: no fast path for unquoted lines */
} csvio_options;

/* header=1, ',', '"', ragged error, 1 MiB, na = csvio_na_default. */
void csvio_options_default(csvio_options *o);
extern const char *const csvio_na_default[];
extern const int csvio_n_na_default;

typedef struct {
  char *name;
  csvio_type type;      /* F64, I64 or CAT */
  double *f64;          /* F64: nrow values */
  int64_t *i64;         /* I64: values; CAT: codes 0..nlevels */
  char **levels;        /* CAT: nlevels NUL-terminated, sorted bytewise */
  int64_t nlevels;
  char *level_text;     /* CAT: the bytes levels[] point into */
} csvio_column;

typedef struct {
  int ncol;
  int64_t nrow;
  csvio_column *cols;   /* ncol */
  char error[512];      /* why csvio_read failed */
} csvio_table;

/* Read path into *t (zeroed first).  Returns CREDO_OK; CREDO_EFORMAT for
 * malformed input, CREDO_EIO, CREDO_EINVAL (a declared type names no
 * column) with t->error set; CREDO_ENOMEM; CREDO_EINTR.  On failure *t
 * holds nothing (already freed). */
credo_status csvio_read(csvio_table *t, const char *path,
                        const csvio_options *o);
/* Free one column's data, name and levels (safe to call twice). */
void csvio_column_free(csvio_column *c);
/* Free every column (safe to call twice). */
void csvio_table_free(csvio_table *t);

/* s[0..n) as a whole (ASCII spaces/tabs around it allowed) is a decimal
 * number ("-1.5e3", ".5", "inf", "nan"; no hex): store it in *out and
 * return 1; not a number: 0; out of memory: -1.  The value is the one
 * strtod gives, bit for bit: Clinger's fast path (at most 19 significant
 * digits, exact mantissa < 2^53 and |power of ten| <= 22, one correctly
 * rounded IEEE multiply or divide), strtod (C locale) otherwise.
 * W. D. Clinger, "How to read floating point numbers accurately", PLDI
 * 1990. */
int csvio_parse_f64(const char *s, size_t n, double *out);
/* s[0..n) is an integer ("-12", "+3") that fits int64: 1, else 0. */
int csvio_parse_i64(const char *s, size_t n, int64_t *out);

/* ---- writing ---- */

typedef struct {
  const char *name;
  csvio_type type;           /* F32, F64, I64 or CAT */
  const void *data;          /* F32 float, F64 double, I64/CAT int64 */
  int64_t stride;            /* elements */
  const char *const *levels; /* CAT */
  int64_t nlevels;
} csvio_wcolumn;

typedef struct {
  int header;                /* write the names line */
  unsigned char delim, quote;
  const char *na;            /* text for a missing value ("NA") */
} csvio_woptions;

void csvio_woptions_default(csvio_woptions *o);

/* Write nrow rows of ncol columns to path atomically: a temporary file in
 * the same directory, fsync, rename.  Numbers are written as integers, or
 * in fixed notation with the fewest decimals (<= 17) that read back to the
 * same double, or else the shortest of %.15g/%.16g/%.17g that does
 * (floats: %.6g to %.9g), so a write/read round trip is exact; NaN ->
 * o->na.  Fields holding
 * the delimiter, the quote, CR/LF or leading/trailing blanks are quoted,
 * quotes doubled.  CREDO_EINVAL (a code out of range), CREDO_EIO with
 * err set; CREDO_EINTR. */
credo_status csvio_write(const char *path, const csvio_wcolumn *cols,
                         int ncol, int64_t nrow, const csvio_woptions *o,
                         char *err, size_t errlen);

/* Format x into buf as the writer does ("NaN" for NaN): returns length. */
int csvio_format_f64(char *buf, size_t n, double x);

#endif
