/*
 * serialize.c: the credo model file byte layer (see serialize.h and
 * docs/serialize.md).  Pure C, no Lua.
 *
 * It refuses to trust its input: a reader never allocates more than the
 * bytes left in the source, never reads past a section, and reports the
 * offset and section of the first thing that is wrong.
 */
#include "serialize.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK ((size_t)1 << 16) /* bytes per I/O call for tensor data */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define SER_BIG_ENDIAN 1
#else
#define SER_BIG_ENDIAN 0
#endif

/* ---- CRC-32 ---- */

/* The reflected CRC-32 of IEEE 802.3 (polynomial 0x04C11DB7, reversed
 * 0xEDB88320, initial value and final xor 0xFFFFFFFF), the one zlib, PNG
 * and gzip use; one table lookup per byte (Sarwate 1988). */
static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

uint32_t ser_crc32(uint32_t crc, const void *p, size_t n) {
  pthread_once(&crc_once, crc_init);
  const unsigned char *b = p;
  crc = ~crc;
  for (size_t i = 0; i < n; i++)
    crc = crc_table[(crc ^ b[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

/* ---- little-endian scalars and tags ---- */

void ser_put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

void ser_put_u64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

uint32_t ser_get_u32(const unsigned char *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
  return v;
}

uint64_t ser_get_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

const char *ser_tag_name(uint32_t tag, char *buf) {
  unsigned char c[4];
  ser_put_u32(c, tag);
  int printable = 1;
  for (int i = 0; i < 4; i++) printable &= c[i] >= 0x20 && c[i] < 0x7F;
  if (printable) {
    memcpy(buf, c, 4);
    buf[4] = 0;
    /* "END " reads better without its pad */
    if (buf[3] == ' ') buf[3] = 0;
  } else {
    snprintf(buf, 16, "0x%08X", (unsigned)tag);
  }
  return buf;
}

/* Swap n elements of `size` bytes in place: host order <-> little-endian.
 * A no-op on little-endian hosts. */
static void swap_le(void *p, size_t size, size_t n) {
#if SER_BIG_ENDIAN
  unsigned char *b = p;
  for (size_t i = 0; i < n; i++, b += size)
    for (size_t j = 0; j < size / 2; j++) {
      unsigned char t = b[j];
      b[j] = b[size - 1 - j];
      b[size - 1 - j] = t;
    }
#else
  (void)p;
  (void)size;
  (void)n;
#endif
}

/* ---- SerBuf ---- */

void serbuf_init(SerBuf *b) {
  memset(b, 0, sizeof *b);
}

void serbuf_free(SerBuf *b) {
  free(b->data);
  serbuf_init(b);
}

void serbuf_put(SerBuf *b, const void *p, size_t n) {
  if (b->failed) return;
  if (n > b->cap - b->len) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) {
      if (cap > SIZE_MAX / 2) {
        b->failed = 1;
        return;
      }
      cap *= 2;
    }
    unsigned char *d = realloc(b->data, cap);
    if (!d) {
      b->failed = 1;
      return;
    }
    b->data = d;
    b->cap = cap;
  }
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
}

void serbuf_put_u8(SerBuf *b, unsigned v) {
  unsigned char c = (unsigned char)v;
  serbuf_put(b, &c, 1);
}

void serbuf_put_u64(SerBuf *b, uint64_t v) {
  unsigned char c[8];
  ser_put_u64(c, v);
  serbuf_put(b, c, 8);
}

void serbuf_put_i64(SerBuf *b, int64_t v) {
  serbuf_put_u64(b, (uint64_t)v);
}

void serbuf_put_f64(SerBuf *b, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  serbuf_put_u64(b, u);
}

/* ---- writer ---- */

void ser_writer_file(SerWriter *w, FILE *f) {
  memset(w, 0, sizeof *w);
  w->f = f;
}

void ser_writer_mem(SerWriter *w, SerBuf *mem) {
  memset(w, 0, sizeof *w);
  w->mem = mem;
}

/* Raw bytes to the sink (no CRC). */
static credo_status emit(SerWriter *w, const void *p, size_t n) {
  if (w->status != CREDO_OK) return w->status;
  if (w->f) {
    if (n && fwrite(p, 1, n, w->f) != n) w->status = CREDO_EIO;
  } else {
    serbuf_put(w->mem, p, n);
    if (w->mem->failed) w->status = CREDO_ENOMEM;
  }
  return w->status;
}

credo_status ser_write_header(SerWriter *w) {
  unsigned char h[SER_HEADER_LEN];
  memcpy(h, SER_MAGIC, SER_MAGIC_LEN);
  ser_put_u32(h + 8, SER_VERSION);
  ser_put_u32(h + 12, 0);  /* flags: none defined */
  return emit(w, h, sizeof h);
}

credo_status ser_section_begin(SerWriter *w, uint32_t tag, uint64_t length) {
  unsigned char fr[SER_FRAME_LEN];
  ser_put_u32(fr, tag);
  ser_put_u64(fr + 4, length);
  w->crc = ser_crc32(0, fr, sizeof fr);
  w->left = length;
  w->nsections++;
  return emit(w, fr, sizeof fr);
}

credo_status ser_section_write(SerWriter *w, const void *p, size_t n) {
  if (n > w->left) return w->status = CREDO_EINVAL;  /* a caller's bug */
  w->crc = ser_crc32(w->crc, p, n);
  w->left -= n;
  return emit(w, p, n);
}

credo_status ser_section_end(SerWriter *w) {
  if (w->left != 0 && w->status == CREDO_OK) w->status = CREDO_EINVAL;
  unsigned char c[4];
  ser_put_u32(c, w->crc);
  return emit(w, c, 4);
}

/* Element bytes of t in row-major order, gathered through its strides,
 * CHUNK bytes at a time. */
static credo_status write_strided(SerWriter *w, const Tensor *t, int64_t n) {
  size_t es = tensor_dtype_size(t->dtype);
  unsigned char buf[CHUNK];
  size_t per = CHUNK / es, k = 0;
  const unsigned char *base = t->storage->data;
  int64_t idx[TENSOR_MAXDIM] = {0};
  int64_t off = t->offset;
  for (int64_t e = 0; e < n; e++) {
    memcpy(buf + k * es, base + (size_t)off * es, es);
    if (++k == per || e == n - 1) {
      swap_le(buf, es, k);
      if (credo_interrupted) return w->status = CREDO_EINTR;
      if (ser_section_write(w, buf, k * es) != CREDO_OK) return w->status;
      k = 0;
    }
    for (int d = t->ndim - 1; d >= 0; d--) {  /* next index, row-major */
      off += t->stride[d];
      if (++idx[d] < t->shape[d]) break;
      off -= t->stride[d] * t->shape[d];
      idx[d] = 0;
    }
  }
  return w->status;
}

credo_status ser_write_tensor(SerWriter *w, const Tensor *t) {
  int64_t n = tensor_numel(t);
  size_t es = tensor_dtype_size(t->dtype);
  uint64_t nbytes = (uint64_t)n * es;
  unsigned char head[SER_TENSOR_HEAD + 8 * TENSOR_MAXDIM];
  memset(head, 0, sizeof head);
  head[0] = (unsigned char)t->dtype;
  head[1] = (unsigned char)t->ndim;
  for (int d = 0; d < t->ndim; d++)
    ser_put_u64(head + SER_TENSOR_HEAD + 8 * d, (uint64_t)t->shape[d]);
  size_t hl = SER_TENSOR_HEAD + 8 * (size_t)t->ndim;
  ser_section_begin(w, SER_TAG_TENS, hl + nbytes);
  ser_section_write(w, head, hl);
  if (n > 0) {
    if (tensor_is_contiguous(t) && !SER_BIG_ENDIAN) {
      const unsigned char *p = tensor_data(t);
      for (uint64_t done = 0; done < nbytes && w->status == CREDO_OK;) {
        size_t m = nbytes - done < 16 * CHUNK ? (size_t)(nbytes - done)
                                              : 16 * CHUNK;
        if (credo_interrupted) return w->status = CREDO_EINTR;
        ser_section_write(w, p + done, m);
        done += m;
      }
    } else {
      write_strided(w, t, n);
    }
  }
  return ser_section_end(w);
}

credo_status ser_write_end(SerWriter *w) {
  unsigned char c[8];
  ser_put_u64(c, w->nsections);  /* sections before END */
  ser_section_begin(w, SER_TAG_END, 8);
  ser_section_write(w, c, 8);
  return ser_section_end(w);
}

/* ---- reader ---- */

void ser_reader_file(SerReader *r, FILE *f, uint64_t size) {
  memset(r, 0, sizeof *r);
  r->f = f;
  r->size = size;
}

void ser_reader_mem(SerReader *r, const void *data, uint64_t size) {
  memset(r, 0, sizeof *r);
  r->mem = data;
  r->size = size;
}

static credo_status fail(SerReader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static credo_status fail(SerReader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof r->err, fmt, ap);
  va_end(ap);
  return CREDO_EFORMAT;
}

/* " (section TENS #2)" for the open section. */
static const char *where(const SerReader *r, char *buf, size_t n) {
  char tb[16];
  snprintf(buf, n, " (section %s #%llu)", ser_tag_name(r->tag, tb),
           (unsigned long long)r->sec_index);
  return buf;
}

/* n raw bytes (n <= size - pos checked by the caller). */
static credo_status raw(SerReader *r, void *dst, size_t n) {
  if (r->f) {
    if (n && fread(dst, 1, n, r->f) != n) {
      int e = errno;
      return fail(r, "read error at offset %llu: %s",
                  (unsigned long long)r->pos,
                  ferror(r->f) ? strerror(e) : "file shrank while reading");
    }
  } else if (n) {
    memcpy(dst, r->mem + r->pos, n);
  }
  r->pos += n;
  return CREDO_OK;
}

credo_status ser_read_header(SerReader *r) {
  unsigned char h[SER_HEADER_LEN];
  size_t have = r->size < SER_HEADER_LEN ? (size_t)r->size : SER_HEADER_LEN;
  if (raw(r, h, have) != CREDO_OK) return CREDO_EFORMAT;
  if (have < SER_MAGIC_LEN || memcmp(h, SER_MAGIC, SER_MAGIC_LEN))
    return fail(r, "not a credo model file (bad magic at offset 0)");
  if (have < SER_HEADER_LEN)
    return fail(r, "truncated file at offset %zu (header is %d bytes)", have,
                SER_HEADER_LEN);
  r->version = ser_get_u32(h + 8);
  if (r->version > SER_VERSION)
    return fail(r, "model file version %u is newer than this credo (%u)",
                r->version, SER_VERSION);
  if (r->version == 0) return fail(r, "bad format version 0 at offset 8");
  uint32_t flags = ser_get_u32(h + 12);
  if (flags) return fail(r, "unknown header flags 0x%X at offset 12", flags);
  return CREDO_OK;
}

credo_status ser_section_next(SerReader *r, uint32_t *tag, uint64_t *length) {
  if (r->size - r->pos < SER_FRAME_LEN)
    return fail(r, "truncated file at offset %llu (expected a section, "
                   "%llu bytes left)",
                (unsigned long long)r->pos,
                (unsigned long long)(r->size - r->pos));
  unsigned char fr[SER_FRAME_LEN];
  r->sec_offset = r->pos;
  if (raw(r, fr, sizeof fr) != CREDO_OK) return CREDO_EFORMAT;
  r->sec_index = r->nsections++;
  r->tag = *tag = ser_get_u32(fr);
  *length = ser_get_u64(fr + 4);
  r->crc = ser_crc32(0, fr, sizeof fr);
  uint64_t avail = r->size - r->pos;  /* payload + CRC must fit */
  char wb[48];
  if (avail < 4 || *length > avail - 4)
    return fail(r, "truncated file at offset %llu: section length %llu "
                   "exceeds the %llu bytes left%s",
                (unsigned long long)r->sec_offset, (unsigned long long)*length,
                (unsigned long long)(avail < 4 ? 0 : avail - 4),
                where(r, wb, sizeof wb));
  r->left = *length;
  return CREDO_OK;
}

credo_status ser_section_read(SerReader *r, void *dst, uint64_t n) {
  char wb[48];
  if (n > r->left)
    return fail(r, "section payload too short at offset %llu%s",
                (unsigned long long)r->pos, where(r, wb, sizeof wb));
  unsigned char *p = dst;
  for (uint64_t done = 0; done < n;) {
    size_t m = n - done < 16 * CHUNK ? (size_t)(n - done) : 16 * CHUNK;
    if (credo_interrupted) return CREDO_EINTR;
    if (raw(r, p + done, m) != CREDO_OK) return CREDO_EFORMAT;
    r->crc = ser_crc32(r->crc, p + done, m);
    done += m;
  }
  r->left -= n;
  return CREDO_OK;
}

credo_status ser_section_finish(SerReader *r) {
  char wb[48];
  if (r->left != 0)
    return fail(r, "%llu unread payload bytes at offset %llu%s",
                (unsigned long long)r->left, (unsigned long long)r->pos,
                where(r, wb, sizeof wb));
  unsigned char c[4];
  if (raw(r, c, 4) != CREDO_OK) return CREDO_EFORMAT;
  if (ser_get_u32(c) != r->crc)
    return fail(r, "CRC mismatch at offset %llu%s",
                (unsigned long long)r->sec_offset, where(r, wb, sizeof wb));
  return CREDO_OK;
}

credo_status ser_read_tensor_head(SerReader *r, tensor_dtype *dt, int *ndim,
                                  int64_t *shape) {
  char wb[48];
  uint64_t at = r->pos;
  unsigned char h[SER_TENSOR_HEAD];
  if (r->left < SER_TENSOR_HEAD)
    return fail(r, "tensor header too short at offset %llu%s",
                (unsigned long long)at, where(r, wb, sizeof wb));
  credo_status st = ser_section_read(r, h, SER_TENSOR_HEAD);
  if (st != CREDO_OK) return st;
  if (h[0] > TENSOR_I64)
    return fail(r, "bad tensor dtype %u at offset %llu%s", h[0],
                (unsigned long long)at, where(r, wb, sizeof wb));
  if (h[1] > TENSOR_MAXDIM)
    return fail(r, "bad tensor rank %u at offset %llu%s", h[1],
                (unsigned long long)(at + 1), where(r, wb, sizeof wb));
  for (int i = 2; i < SER_TENSOR_HEAD; i++)
    if (h[i])
      return fail(r, "nonzero reserved byte at offset %llu%s",
                  (unsigned long long)(at + (uint64_t)i),
                  where(r, wb, sizeof wb));
  *dt = (tensor_dtype)h[0];
  *ndim = h[1];
  if (r->left < 8 * (uint64_t)*ndim)
    return fail(r, "tensor shape truncated at offset %llu%s",
                (unsigned long long)r->pos, where(r, wb, sizeof wb));
  unsigned char s[8 * TENSOR_MAXDIM];
  st = ser_section_read(r, s, 8 * (uint64_t)*ndim);
  if (st != CREDO_OK) return st;
  /* numel * itemsize must equal what is left, without overflow; and the
   * nonzero sizes alone must multiply within int64 (strides of an empty
   * tensor are still computed from them) */
  uint64_t bytes = tensor_dtype_size(*dt), span = 1;
  for (int d = 0; d < *ndim; d++) {
    uint64_t v = ser_get_u64(s + 8 * d);
    uint64_t vat = at + SER_TENSOR_HEAD + 8 * (uint64_t)d;
    if (v > (uint64_t)INT64_MAX)
      return fail(r, "bad tensor size %llu at offset %llu%s",
                  (unsigned long long)v, (unsigned long long)vat,
                  where(r, wb, sizeof wb));
    shape[d] = (int64_t)v;
    if (v > 1 && span > (uint64_t)INT64_MAX / v)
      return fail(r, "tensor sizes overflow at offset %llu%s",
                  (unsigned long long)vat, where(r, wb, sizeof wb));
    if (v > 0) span *= v;
    if (v != 0 && bytes > r->left / v) bytes = UINT64_MAX;  /* too big */
    else bytes *= v;
  }
  if (bytes != r->left)
    return fail(r, "tensor shape does not match its %llu data bytes at "
                   "offset %llu%s",
                (unsigned long long)r->left, (unsigned long long)at,
                where(r, wb, sizeof wb));
  return CREDO_OK;
}

credo_status ser_read_tensor_data(SerReader *r, Tensor *t) {
  uint64_t n = r->left;
  if (n) {
    credo_status st = ser_section_read(r, tensor_data(t), n);
    if (st != CREDO_OK) return st;
    swap_le(tensor_data(t), tensor_dtype_size(t->dtype),
            (size_t)(n / tensor_dtype_size(t->dtype)));
  }
  return ser_section_finish(r);
}

credo_status ser_read_end(SerReader *r) {
  char wb[48];
  unsigned char c[8];
  if (r->left != 8)
    return fail(r, "END section has %llu bytes, expected 8, at offset %llu",
                (unsigned long long)r->left, (unsigned long long)r->sec_offset);
  credo_status st = ser_section_read(r, c, 8);
  if (st == CREDO_OK) st = ser_section_finish(r);
  if (st != CREDO_OK) return st;
  uint64_t count = ser_get_u64(c);
  if (count != r->sec_index)
    return fail(r, "END counts %llu sections but %llu precede it at offset "
                   "%llu%s",
                (unsigned long long)count, (unsigned long long)r->sec_index,
                (unsigned long long)(r->sec_offset + SER_FRAME_LEN),
                where(r, wb, sizeof wb));
  if (r->pos != r->size)
    return fail(r, "%llu trailing bytes after the END section at offset %llu",
                (unsigned long long)(r->size - r->pos),
                (unsigned long long)r->pos);
  return CREDO_OK;
}

/* ---- cursor ---- */

int ser_cursor_bytes(SerCursor *c, size_t n, const unsigned char **p) {
  if (n > c->len - c->pos) return -1;
  *p = c->p + c->pos;
  c->pos += n;
  return 0;
}

int ser_cursor_u8(SerCursor *c, unsigned *v) {
  const unsigned char *p;
  if (ser_cursor_bytes(c, 1, &p)) return -1;
  *v = p[0];
  return 0;
}

int ser_cursor_u64(SerCursor *c, uint64_t *v) {
  const unsigned char *p;
  if (ser_cursor_bytes(c, 8, &p)) return -1;
  *v = ser_get_u64(p);
  return 0;
}

int ser_cursor_f64(SerCursor *c, double *v) {
  uint64_t u;
  if (ser_cursor_u64(c, &u)) return -1;
  memcpy(v, &u, 8);
  return 0;
}

/* ---- atomic replacement ---- */

credo_status ser_atomic_open(SerAtomic *a, const char *path) {
  memset(a, 0, sizeof *a);
  if (!credo_replaceable_path(path)) return CREDO_EINVAL;
  size_t n = strlen(path);
  a->path = malloc(n + 1);
  a->tmp = malloc(n + 32);
  if (!a->path || !a->tmp) {
    ser_atomic_abort(a);
    errno = ENOMEM;
    return CREDO_ENOMEM;
  }
  memcpy(a->path, path, n + 1);
  snprintf(a->tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
  int fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    int e = errno;
    free(a->tmp);   /* not ours to unlink: it was never created */
    a->tmp = NULL;
    ser_atomic_abort(a);
    errno = e;
    return CREDO_EIO;
  }
  a->f = fdopen(fd, "wb");
  if (!a->f) {
    int e = errno;
    close(fd);
    ser_atomic_abort(a);
    errno = e;
    return CREDO_EIO;
  }
  return CREDO_OK;
}

/* fsync the directory holding path, so the rename itself is durable.
 * Best effort: the rename has happened, so a failure here is not an error
 * of the save (some file systems refuse to fsync a directory). */
static void sync_dir(const char *path) {
  char *copy = strdup(path);
  if (!copy) return;
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(copy);
}

credo_status ser_atomic_commit(SerAtomic *a) {
  int e = 0;
  if (fflush(a->f) != 0 || fsync(fileno(a->f)) != 0) e = errno ? errno : EIO;
  if (fclose(a->f) != 0 && !e) e = errno ? errno : EIO;
  a->f = NULL;
  if (!e && rename(a->tmp, a->path) != 0) e = errno ? errno : EIO;
  if (e) {
    ser_atomic_abort(a);  /* removes the temporary */
    errno = e;
    return CREDO_EIO;
  }
  sync_dir(a->path);
  free(a->tmp);  /* renamed: nothing left to remove */
  a->tmp = NULL;
  ser_atomic_abort(a);
  return CREDO_OK;
}

void ser_atomic_abort(SerAtomic *a) {
  if (a->f) fclose(a->f);
  a->f = NULL;
  if (a->tmp) unlink(a->tmp);
  free(a->tmp);
  free(a->path);
  a->tmp = NULL;
  a->path = NULL;
}
