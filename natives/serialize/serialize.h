/*
 * serialize.h: the credo model file format, the pure C core.
 *
 * The byte layer of credo.save / credo.load / dumps / loads: CRC-32, the
 * file header, CRC-checked sections, tensor sections, a bounds-checked
 * cursor for decoding a section's payload, and atomic replacement of a
 * file (write a temporary, fsync, rename, fsync the directory).  The walk
 * over Lua values (tables, paths in error messages, shared references)
 * lives in serialize_lua.c; the format is specified in docs/serialize.md.
 *
 * Layout (all integers little-endian, fixed width):
 *   header   "CREDO\0MF" (8 bytes), u32 version (= SER_VERSION), u32 flags (0)
 *   section* u32 tag, u64 length, payload[length],
 *            u32 CRC-32 of (tag, length, payload)
 * Sections, in order: one VALU (the value tree), one TENS per tensor, one
 * END (payload: u64 number of sections before it); nothing after END.
 *
 * What it is not: not a general archive format, not streaming-appendable,
 * never a code loader (nothing read is ever executed), not an mmap format.
 * The reader trusts nothing: every length is checked against the bytes
 * that remain before anything is allocated.
 */
#ifndef CREDO_SERIALIZE_H
#define CREDO_SERIALIZE_H

#include <stdint.h>
#include <stdio.h>

#include "../common/credo_core.h"
#include "../tensor/tensor.h"

#define SER_MAGIC "CREDO\0MF"
#define SER_MAGIC_LEN 8
#define SER_VERSION 1u
#define SER_HEADER_LEN 16
#define SER_FRAME_LEN 12      /* tag + length before a payload */
#define SER_MAXDEPTH 200      /* tables nested deeper are refused */

/* Section tags: four ASCII bytes, read as a little-endian u32. */
#define SER_TAG(a, b, c, d)                                               \
  ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 |             \
   (uint32_t)(d) << 24)
#define SER_TAG_VALU SER_TAG('V', 'A', 'L', 'U')
#define SER_TAG_TENS SER_TAG('T', 'E', 'N', 'S')
#define SER_TAG_END SER_TAG('E', 'N', 'D', ' ')

/* Value type bytes inside VALU (see docs/serialize.md). */
enum {
  SER_NIL = 0,
  SER_FALSE = 1,
  SER_TRUE = 2,
  SER_INT = 3,     /* i64 */
  SER_FLOAT = 4,   /* f64 bits */
  SER_STRING = 5,  /* u64 length, bytes */
  SER_TABLE = 6,   /* u64 narray, u64 nhash, narray values, nhash key/value */
  SER_TENSOR = 7,  /* u64 index of its TENS section (0-based) */
  SER_REF = 8      /* u64 id of an earlier, complete table (0-based) */
};

/* TENS payload: u8 dtype, u8 ndim, 6 zero bytes, u64 shape[ndim], data. */
#define SER_TENSOR_HEAD 8

/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's crc32):
 * crc = ser_crc32(0, p, n) for a whole buffer; pass the previous value to
 * continue over more bytes.  ser_crc32(0, "123456789", 9) == 0xCBF43926. */
uint32_t ser_crc32(uint32_t crc, const void *p, size_t n);

/* "VALU", or "0x12345678" for a tag that is not printable ASCII (buf has
 * room for 16 bytes; returns buf). */
const char *ser_tag_name(uint32_t tag, char *buf);

/* Little-endian scalars. */
void ser_put_u32(unsigned char *p, uint32_t v);
void ser_put_u64(unsigned char *p, uint64_t v);
uint32_t ser_get_u32(const unsigned char *p);
uint64_t ser_get_u64(const unsigned char *p);

/* ---- growable byte buffer ---- */

typedef struct SerBuf {
  unsigned char *data;
  size_t len, cap;
  int failed;  /* an allocation failed: contents incomplete */
} SerBuf;

void serbuf_init(SerBuf *b);
void serbuf_free(SerBuf *b);   /* safe to call twice */
void serbuf_put(SerBuf *b, const void *p, size_t n);
void serbuf_put_u8(SerBuf *b, unsigned v);
void serbuf_put_u64(SerBuf *b, uint64_t v);
void serbuf_put_i64(SerBuf *b, int64_t v);
void serbuf_put_f64(SerBuf *b, double v);

/* ---- writer: header, sections, tensors, END; to a FILE or a SerBuf ---- */

typedef struct SerWriter {
  FILE *f;           /* file sink, or NULL */
  SerBuf *mem;       /* memory sink when f is NULL */
  uint32_t crc;      /* of the open section so far */
  uint64_t left;     /* payload bytes the open section still expects */
  uint64_t nsections;
  credo_status status;  /* sticky: the first failure */
} SerWriter;

void ser_writer_file(SerWriter *w, FILE *f);
void ser_writer_mem(SerWriter *w, SerBuf *mem);
credo_status ser_write_header(SerWriter *w);
/* Open a section whose payload will be exactly `length` bytes. */
credo_status ser_section_begin(SerWriter *w, uint32_t tag, uint64_t length);
credo_status ser_section_write(SerWriter *w, const void *p, size_t n);
/* Close it (all `length` bytes written): append the CRC. */
credo_status ser_section_end(SerWriter *w);
/* A TENS section for t (any layout; written contiguous, row-major). */
credo_status ser_write_tensor(SerWriter *w, const Tensor *t);
/* The END section; the file is complete after it. */
credo_status ser_write_end(SerWriter *w);

/* ---- reader: the same from a FILE or from memory ---- */

typedef struct SerReader {
  FILE *f;                   /* file source, or NULL */
  const unsigned char *mem;  /* memory source when f is NULL */
  uint64_t size;             /* total bytes of the source */
  uint64_t pos;              /* offset of the next byte */
  uint32_t version;
  uint32_t tag;              /* open section */
  uint64_t sec_offset;       /* where it starts */
  uint64_t sec_index;        /* its 0-based index among the sections */
  uint64_t nsections;        /* sections started so far */
  uint64_t left;             /* its payload bytes not yet read */
  uint32_t crc;
  char err[160];             /* why the last call failed (no file name) */
} SerReader;

void ser_reader_file(SerReader *r, FILE *f, uint64_t size);
void ser_reader_mem(SerReader *r, const void *data, uint64_t size);
/* The header: magic, version (<= SER_VERSION), flags.  CREDO_EFORMAT (and
 * r->err) when the source is not a credo model file we can read. */
credo_status ser_read_header(SerReader *r);
/* The next section's frame: *tag and *length, length checked against the
 * bytes left (so a payload can be allocated safely). */
credo_status ser_section_next(SerReader *r, uint32_t *tag, uint64_t *length);
credo_status ser_section_read(SerReader *r, void *dst, uint64_t n);
/* All payload read: check the CRC. */
credo_status ser_section_finish(SerReader *r);
/* Inside a TENS section: its dtype and shape, checked against the payload
 * length (numel * itemsize == length - header). */
credo_status ser_read_tensor_head(SerReader *r, tensor_dtype *dt, int *ndim,
                                  int64_t *shape);
/* Then its data, into a contiguous tensor of that dtype and shape, then
 * the CRC check. */
credo_status ser_read_tensor_data(SerReader *r, Tensor *t);
/* Inside an END section: check its section count and that nothing
 * follows. */
credo_status ser_read_end(SerReader *r);

/* ---- cursor over a payload held in memory (VALU) ---- */

typedef struct SerCursor {
  const unsigned char *p;
  size_t len, pos;
} SerCursor;

/* Each returns 0, or -1 (nothing consumed) when the bytes run out. */
int ser_cursor_u8(SerCursor *c, unsigned *v);
int ser_cursor_u64(SerCursor *c, uint64_t *v);
int ser_cursor_f64(SerCursor *c, double *v);
int ser_cursor_bytes(SerCursor *c, size_t n, const unsigned char **p);

/* ---- atomic replacement of a file ---- */

typedef struct SerAtomic {
  char *path;  /* target */
  char *tmp;   /* "<path>.tmp.<pid>" in the same directory */
  FILE *f;     /* open on tmp between open and commit/abort */
} SerAtomic;

/* Create the temporary file.  CREDO_EIO (errno set), CREDO_ENOMEM, or
 * CREDO_EINVAL when path exists and is not a regular file (a device, pipe,
 * socket or directory is never replaced). */
credo_status ser_atomic_open(SerAtomic *a, const char *path);
/* Flush, fsync, close, rename over the target, fsync the directory.  On
 * failure the temporary is removed and the target is untouched. */
credo_status ser_atomic_commit(SerAtomic *a);
/* Close and remove the temporary; the target is untouched.  Safe to call
 * twice and after commit. */
void ser_atomic_abort(SerAtomic *a);

#endif
