/*
 * test_serialize.c: the model file byte layer (natives/serialize/
 * serialize.c): CRC-32 against its standard check value, round trips of
 * sections and tensors (all dtypes, strided views written contiguous),
 * every single-byte corruption and every truncation of a small file
 * rejected without a crash, length bombs refused before allocating, and
 * the atomic file replacement (a failed save leaves the target intact).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../natives/serialize/serialize.h"
#include "ctest.h"

static void test_crc(void) {
  CHECK(ser_crc32(0, "123456789", 9) == 0xCBF43926u);
  CHECK(ser_crc32(0, "", 0) == 0);
  /* "The quick brown fox jumps over the lazy dog": a second known value */
  const char *fox = "The quick brown fox jumps over the lazy dog";
  CHECK(ser_crc32(0, fox, strlen(fox)) == 0x414FA339u);
  /* chaining equals one pass */
  CHECK(ser_crc32(ser_crc32(0, "12345", 5), "6789", 4) == 0xCBF43926u);
}

static void test_scalars(void) {
  unsigned char b[8];
  ser_put_u32(b, 0x01020304u);
  CHECK(b[0] == 4 && b[3] == 1 && ser_get_u32(b) == 0x01020304u);
  ser_put_u64(b, 0x0102030405060708ull);
  CHECK(b[0] == 8 && b[7] == 1 && ser_get_u64(b) == 0x0102030405060708ull);
  char tb[16];
  CHECK(!strcmp(ser_tag_name(SER_TAG_VALU, tb), "VALU"));
  CHECK(!strcmp(ser_tag_name(SER_TAG_END, tb), "END"));
  CHECK(!strcmp(ser_tag_name(0x00000001u, tb), "0x00000001"));
}

static void test_cursor(void) {
  unsigned char b[9] = {7, 1, 0, 0, 0, 0, 0, 0, 0};
  SerCursor c = {b, sizeof b, 0};
  unsigned u8;
  uint64_t u64;
  const unsigned char *p;
  CHECK(ser_cursor_u8(&c, &u8) == 0 && u8 == 7);
  CHECK(ser_cursor_u64(&c, &u64) == 0 && u64 == 1);
  CHECK(ser_cursor_u8(&c, &u8) == -1 && c.pos == 9);
  c.pos = 2;
  CHECK(ser_cursor_u64(&c, &u64) == -1 && c.pos == 2);
  CHECK(ser_cursor_bytes(&c, SIZE_MAX, &p) == -1 && c.pos == 2);
  CHECK(ser_cursor_bytes(&c, 7, &p) == 0 && c.pos == 9);
}

/* A file with a VALU payload and the given tensors. */
static void write_sample(SerWriter *w, const Tensor *ts, int nt) {
  const char payload[] = "\x06\x00\x00\x00\x00\x00\x00\x00hello";
  ser_write_header(w);
  ser_section_begin(w, SER_TAG_VALU, sizeof payload - 1);
  ser_section_write(w, payload, sizeof payload - 1);
  ser_section_end(w);
  for (int i = 0; i < nt; i++) ser_write_tensor(w, &ts[i]);
  ser_write_end(w);
}

/* Read a file of VALU, nt TENS, END; tensors are released.  Returns the
 * first failure. */
static credo_status read_sample(SerReader *r, int nt, Tensor *out) {
  credo_status st;
  uint32_t tag;
  uint64_t len;
  unsigned char buf[64];
  if ((st = ser_read_header(r))) return st;
  if ((st = ser_section_next(r, &tag, &len))) return st;
  if (tag != SER_TAG_VALU || len > sizeof buf) return CREDO_EFORMAT;
  if ((st = ser_section_read(r, buf, len))) return st;
  if ((st = ser_section_finish(r))) return st;
  for (int i = 0; i < nt; i++) {
    tensor_dtype dt;
    int ndim;
    int64_t shape[TENSOR_MAXDIM];
    if ((st = ser_section_next(r, &tag, &len))) return st;
    if (tag != SER_TAG_TENS) return CREDO_EFORMAT;
    if ((st = ser_read_tensor_head(r, &dt, &ndim, shape))) return st;
    Tensor t;
    if ((st = tensor_init(&t, dt, ndim, shape))) return st;
    st = ser_read_tensor_data(r, &t);
    if (out && st == CREDO_OK) out[i] = t;
    else tensor_release(&t);
    if (st) return st;
  }
  if ((st = ser_section_next(r, &tag, &len))) return st;
  if (tag != SER_TAG_END) return CREDO_EFORMAT;
  return ser_read_end(r);
}

typedef struct {
  Tensor t[6];
  int n;
} Sample;

/* float32 [2,3], its transpose (a strided view), float64 [4], int64 [2,2]
 * with extreme values, a 0-d float64, an empty int64 [0,3]. */
static void make_sample(Sample *s) {
  int64_t s23[2] = {2, 3}, s4[1] = {4}, s22[2] = {2, 2}, s03[2] = {0, 3};
  tensor_init(&s->t[0], TENSOR_F32, 2, s23);
  for (int i = 0; i < 6; i++) tensor_f32(&s->t[0])[i] = (float)i + 0.5f;
  tensor_init_view(&s->t[1], &s->t[0]);
  s->t[1].shape[0] = 3;
  s->t[1].shape[1] = 2;
  s->t[1].stride[0] = 1;
  s->t[1].stride[1] = 3;
  tensor_init(&s->t[2], TENSOR_F64, 1, s4);
  double *d = tensor_f64(&s->t[2]);
  d[0] = -0.0;
  d[1] = 1.0 / 0.0;
  d[2] = 0.0 / 0.0;
  d[3] = 1e-310;
  tensor_init(&s->t[3], TENSOR_I64, 2, s22);
  int64_t *l = tensor_i64(&s->t[3]);
  l[0] = INT64_MIN;
  l[1] = INT64_MAX;
  l[2] = -1;
  l[3] = ((int64_t)1 << 53) + 1;  /* not exact as a double */
  tensor_init(&s->t[4], TENSOR_F64, 0, NULL);
  tensor_f64(&s->t[4])[0] = 3.25;
  tensor_init(&s->t[5], TENSOR_I64, 2, s03);
  s->n = 6;
}

static void free_sample(Sample *s) {
  for (int i = 0; i < s->n; i++) tensor_release(&s->t[i]);
}

static int same_tensor(const Tensor *a, const Tensor *b) {
  if (a->dtype != b->dtype || !tensor_same_shape(a, b)) return 0;
  int64_t n = tensor_numel(a);
  size_t es = tensor_dtype_size(a->dtype);
  for (int64_t i = 0; i < n; i++) {
    /* compare bits: NaN and -0.0 must survive exactly */
    int64_t oa = a->offset, ob = b->offset, r = i;
    for (int d = a->ndim - 1; d >= 0; d--) {
      oa += (r % a->shape[d]) * a->stride[d];
      ob += (r % b->shape[d]) * b->stride[d];
      r /= a->shape[d];
    }
    if (memcmp((char *)a->storage->data + oa * (int64_t)es,
               (char *)b->storage->data + ob * (int64_t)es, es))
      return 0;
  }
  return 1;
}

static void test_roundtrip(void) {
  Sample s;
  make_sample(&s);
  SerBuf buf;
  serbuf_init(&buf);
  SerWriter w;
  ser_writer_mem(&w, &buf);
  write_sample(&w, s.t, s.n);
  CHECK(w.status == CREDO_OK && !buf.failed);
  CHECK(memcmp(buf.data, "CREDO\0MF\1\0\0\0\0\0\0\0", 16) == 0);
  printf("  sample file: %zu bytes\n", buf.len);

  SerReader r;
  ser_reader_mem(&r, buf.data, buf.len);
  Tensor back[6];
  CHECK(read_sample(&r, s.n, back) == CREDO_OK);
  int same = 1;
  for (int i = 0; i < s.n; i++) {
    same &= same_tensor(&back[i], &s.t[i]);
    same &= tensor_is_contiguous(&back[i]);
    tensor_release(&back[i]);
  }
  CHECK(same);

  /* the strided view is stored exactly as its contiguous copy would be */
  Tensor cont;
  int64_t s32[2] = {3, 2};
  tensor_init(&cont, TENSOR_F32, 2, s32);
  tensor_copy(&cont, &s.t[1]);
  SerBuf b1, b2;
  serbuf_init(&b1);
  serbuf_init(&b2);
  SerWriter w1, w2;
  ser_writer_mem(&w1, &b1);
  ser_writer_mem(&w2, &b2);
  ser_write_tensor(&w1, &s.t[1]);
  ser_write_tensor(&w2, &cont);
  CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
  tensor_release(&cont);
  serbuf_free(&b1);
  serbuf_free(&b2);

  /* a larger strided tensor crosses the gather chunk */
  int64_t big[2] = {300, 200};
  Tensor m, mt, mc;
  tensor_init(&m, TENSOR_F64, 2, big);
  for (int i = 0; i < 60000; i++) tensor_f64(&m)[i] = i * 0.25;
  tensor_init_view(&mt, &m);
  mt.shape[0] = 200;
  mt.shape[1] = 300;
  mt.stride[0] = 1;
  mt.stride[1] = 200;
  int64_t bigt[2] = {200, 300};
  tensor_init(&mc, TENSOR_F64, 2, bigt);
  tensor_copy(&mc, &mt);
  serbuf_init(&b1);
  serbuf_init(&b2);
  ser_writer_mem(&w1, &b1);
  ser_writer_mem(&w2, &b2);
  ser_write_tensor(&w1, &mt);
  ser_write_tensor(&w2, &mc);
  CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
  serbuf_free(&b1);
  serbuf_free(&b2);
  tensor_release(&m);
  tensor_release(&mt);
  tensor_release(&mc);

  /* corruption: every byte flipped (all bits, then the low bit), every
   * truncation; all must fail cleanly */
  unsigned char *copy = malloc(buf.len);
  int all_fail = 1;
  long cases = 0;
  for (size_t i = 0; i < buf.len; i++) {
    for (int pass = 0; pass < 2; pass++) {
      memcpy(copy, buf.data, buf.len);
      copy[i] ^= pass ? 0x01 : 0xFF;
      ser_reader_mem(&r, copy, buf.len);
      credo_status st = read_sample(&r, s.n, NULL);
      if (st == CREDO_OK) {
        all_fail = 0;
        fprintf(stderr, "  flip at %zu (pass %d) not detected\n", i, pass);
      }
      cases++;
    }
  }
  for (size_t len = 0; len < buf.len; len++) {
    ser_reader_mem(&r, buf.data, len);
    if (read_sample(&r, s.n, NULL) == CREDO_OK) all_fail = 0;
    cases++;
  }
  /* one byte too many */
  unsigned char *longer = malloc(buf.len + 1);
  memcpy(longer, buf.data, buf.len);
  longer[buf.len] = 0;
  ser_reader_mem(&r, longer, buf.len + 1);
  CHECK(read_sample(&r, s.n, NULL) == CREDO_EFORMAT);
  CHECK(strstr(r.err, "trailing") != NULL);
  printf("  corruption cases: %ld, all rejected: %s\n", cases,
         all_fail ? "yes" : "no");
  CHECK(all_fail);
  free(longer);
  free(copy);
  serbuf_free(&buf);
  free_sample(&s);
}

static void test_header_errors(void) {
  unsigned char h[16];
  memcpy(h, SER_MAGIC, 8);
  ser_put_u32(h + 8, 7);
  ser_put_u32(h + 12, 0);
  SerReader r;
  ser_reader_mem(&r, h, 16);
  CHECK(ser_read_header(&r) == CREDO_EFORMAT);
  CHECK(!strcmp(r.err, "model file version 7 is newer than this credo (1)"));
  ser_put_u32(h + 8, 0);
  ser_reader_mem(&r, h, 16);
  CHECK(ser_read_header(&r) == CREDO_EFORMAT && strstr(r.err, "version 0"));
  ser_put_u32(h + 8, 1);
  ser_put_u32(h + 12, 4);
  ser_reader_mem(&r, h, 16);
  CHECK(ser_read_header(&r) == CREDO_EFORMAT && strstr(r.err, "flags"));
  ser_reader_mem(&r, "PK\3\4", 4);
  CHECK(ser_read_header(&r) == CREDO_EFORMAT);
  CHECK(!strcmp(r.err, "not a credo model file (bad magic at offset 0)"));
  ser_reader_mem(&r, h, 12);
  CHECK(ser_read_header(&r) == CREDO_EFORMAT && strstr(r.err, "truncated"));
}

static void test_length_bombs(void) {
  /* a section claiming 2^60 bytes in a 40-byte file */
  unsigned char f[40] = {0};
  memcpy(f, SER_MAGIC, 8);
  ser_put_u32(f + 8, 1);
  ser_put_u32(f + 16, SER_TAG_VALU);
  ser_put_u64(f + 20, (uint64_t)1 << 60);
  SerReader r;
  ser_reader_mem(&r, f, sizeof f);
  uint32_t tag;
  uint64_t len;
  CHECK(ser_read_header(&r) == CREDO_OK);
  CHECK(ser_section_next(&r, &tag, &len) == CREDO_EFORMAT);
  printf("  length bomb: %s\n", r.err);
  CHECK(strstr(r.err, "exceeds") != NULL && strstr(r.err, "VALU #0") != NULL);

  /* a tensor whose shape claims 2^62 elements in a 16-byte payload */
  SerBuf b;
  serbuf_init(&b);
  SerWriter w;
  ser_writer_mem(&w, &b);
  ser_write_header(&w);
  unsigned char th[24] = {0};
  th[0] = TENSOR_F64;
  th[1] = 2;
  ser_put_u64(th + 8, (uint64_t)1 << 31);
  ser_put_u64(th + 16, (uint64_t)1 << 31);
  ser_section_begin(&w, SER_TAG_TENS, sizeof th);
  ser_section_write(&w, th, sizeof th);
  ser_section_end(&w);
  ser_reader_mem(&r, b.data, b.len);
  tensor_dtype dt;
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  CHECK(ser_read_header(&r) == CREDO_OK);
  CHECK(ser_section_next(&r, &tag, &len) == CREDO_OK);
  CHECK(ser_read_tensor_head(&r, &dt, &nd, shape) == CREDO_EFORMAT);
  CHECK(strstr(r.err, "does not match") != NULL);
  serbuf_free(&b);

  /* sizes whose product overflows 64 bits */
  serbuf_init(&b);
  ser_writer_mem(&w, &b);
  ser_write_header(&w);
  th[0] = TENSOR_I64;
  ser_put_u64(th + 8, (uint64_t)INT64_MAX);
  ser_put_u64(th + 16, 4);
  ser_section_begin(&w, SER_TAG_TENS, sizeof th);
  ser_section_write(&w, th, sizeof th);
  ser_section_end(&w);
  ser_reader_mem(&r, b.data, b.len);
  CHECK(ser_read_header(&r) == CREDO_OK);
  CHECK(ser_section_next(&r, &tag, &len) == CREDO_OK);
  CHECK(ser_read_tensor_head(&r, &dt, &nd, shape) == CREDO_EFORMAT);
  serbuf_free(&b);

  /* an empty tensor whose other sizes overflow int64 */
  serbuf_init(&b);
  ser_writer_mem(&w, &b);
  ser_write_header(&w);
  unsigned char th3[32] = {0};
  th3[0] = TENSOR_F32;
  th3[1] = 3;
  ser_put_u64(th3 + 16, (uint64_t)1 << 62);
  ser_put_u64(th3 + 24, (uint64_t)1 << 62);
  ser_section_begin(&w, SER_TAG_TENS, sizeof th3);
  ser_section_write(&w, th3, sizeof th3);
  ser_section_end(&w);
  ser_reader_mem(&r, b.data, b.len);
  CHECK(ser_read_header(&r) == CREDO_OK);
  CHECK(ser_section_next(&r, &tag, &len) == CREDO_OK);
  CHECK(ser_read_tensor_head(&r, &dt, &nd, shape) == CREDO_EFORMAT);
  CHECK(strstr(r.err, "overflow") != NULL);
  serbuf_free(&b);

  /* a bad dtype and a bad rank */
  serbuf_init(&b);
  ser_writer_mem(&w, &b);
  ser_write_header(&w);
  th[0] = 9;
  ser_section_begin(&w, SER_TAG_TENS, 8);
  ser_section_write(&w, th, 8);
  ser_section_end(&w);
  ser_reader_mem(&r, b.data, b.len);
  CHECK(ser_read_header(&r) == CREDO_OK);
  CHECK(ser_section_next(&r, &tag, &len) == CREDO_OK);
  CHECK(ser_read_tensor_head(&r, &dt, &nd, shape) == CREDO_EFORMAT);
  CHECK(strstr(r.err, "dtype 9") != NULL);
  serbuf_free(&b);
}

static int file_equals(const char *path, const char *want) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return n == strlen(want) && memcmp(buf, want, n) == 0;
}

static int exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

static void test_atomic(void) {
  char dir[] = "/tmp/credo_ser_XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0);
    return;
  }
  char path[256], tmp[300];
  snprintf(path, sizeof path, "%s/model.credo", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(path, "wb");
  fputs("old contents", f);
  fclose(f);

  /* abort: the target is untouched and the temporary is gone */
  SerAtomic a;
  CHECK(ser_atomic_open(&a, path) == CREDO_OK);
  CHECK(exists(tmp));
  fputs("half a new file", a.f);
  ser_atomic_abort(&a);
  ser_atomic_abort(&a);  /* twice is fine */
  CHECK(!exists(tmp));
  CHECK(file_equals(path, "old contents"));

  /* commit: a full file through the writer, then read back from disk */
  Sample s;
  make_sample(&s);
  CHECK(ser_atomic_open(&a, path) == CREDO_OK);
  SerWriter w;
  ser_writer_file(&w, a.f);
  write_sample(&w, s.t, s.n);
  CHECK(w.status == CREDO_OK);
  CHECK(ser_atomic_commit(&a) == CREDO_OK);
  CHECK(!exists(tmp));
  f = fopen(path, "rb");
  struct stat sb;
  fstat(fileno(f), &sb);
  SerReader r;
  ser_reader_file(&r, f, (uint64_t)sb.st_size);
  Tensor back[6];
  CHECK(read_sample(&r, s.n, back) == CREDO_OK);
  int same = 1;
  for (int i = 0; i < s.n; i++) {
    same &= same_tensor(&back[i], &s.t[i]);
    tensor_release(&back[i]);
  }
  CHECK(same);
  fclose(f);
  /* a file that shrank after its size was taken */
  f = fopen(path, "rb");
  ser_reader_file(&r, f, (uint64_t)sb.st_size + 100);
  CHECK(read_sample(&r, s.n, NULL) == CREDO_EFORMAT);
  fclose(f);
  free_sample(&s);

  /* a directory that does not exist: EIO, nothing created */
  char bad[300];
  snprintf(bad, sizeof bad, "%s/missing/model.credo", dir);
  CHECK(ser_atomic_open(&a, bad) == CREDO_EIO && errno == ENOENT);
  ser_atomic_abort(&a);

  /* a directory (or device, pipe, socket) at the path is never replaced:
   * refused before a temporary exists */
  char sub[300], subtmp[340];
  snprintf(sub, sizeof sub, "%s/adir", dir);
  snprintf(subtmp, sizeof subtmp, "%s.tmp.%ld", sub, (long)getpid());
  char x[320];
  snprintf(x, sizeof x, "%s/x", sub);
  mkdir(sub, 0755);
  mkdir(x, 0755);
  CHECK(ser_atomic_open(&a, sub) == CREDO_EINVAL);
  CHECK(!exists(subtmp));
  CHECK(exists(x));
  CHECK(ser_atomic_open(&a, "/dev/null") == CREDO_EINVAL);
  /* the path turns into a directory between open and commit: the rename
   * fails and the temporary is removed */
  char late[300], latetmp[340];
  snprintf(late, sizeof late, "%s/late", dir);
  snprintf(latetmp, sizeof latetmp, "%s.tmp.%ld", late, (long)getpid());
  CHECK(ser_atomic_open(&a, late) == CREDO_OK);
  fputs("data", a.f);
  char latex[320];
  snprintf(latex, sizeof latex, "%s/x", late);
  mkdir(late, 0755);
  mkdir(latex, 0755);  /* a non-empty directory cannot be renamed over */
  CHECK(ser_atomic_commit(&a) == CREDO_EIO);
  CHECK(!exists(latetmp));
  CHECK(exists(latex));
  rmdir(latex);
  rmdir(late);
  rmdir(x);
  rmdir(sub);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  test_crc();
  test_scalars();
  test_cursor();
  test_roundtrip();
  test_header_errors();
  test_length_bombs();
  test_atomic();
  return ctest_summary();
}
