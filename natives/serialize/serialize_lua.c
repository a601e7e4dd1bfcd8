/*
 * serialize_lua.c: Lua binding of credo.serialize: save, load, dumps,
 * loads (the byte layer is serialize.c; the format is docs/serialize.md).
 *
 * Saving walks a Lua value: nil, booleans, integers, floats, strings,
 * tables (keys: strings, numbers, booleans) and tensors.  A table or tensor
 * reached twice is written once and comes back shared; a cycle, a
 * function, a coroutine or any other userdata is an error naming where it
 * was found: `save: cannot save a function at model.layers[2].forward`.
 * Table keys are written in a fixed order (by their encoded bytes), so the
 * same value always gives the same file.
 *
 * Loading parses bytes in C into fresh tables and tensors.  It never runs
 * code, never calls a metamethod, never allocates more than the bytes left
 * in the file, and names the file and the offset of the first bad byte.
 *
 * Memory this file mallocs lives in GC-owned boxes (SaveBox, LoadBox), so a
 * Lua error never leaks it; the temporary file of a save is removed before
 * any error is raised.
 */
#include "../common/credo_lua.h"
#include "serialize.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SAVEBOX "credo.serialize.SaveBox"
#define LOADBOX "credo.serialize.LoadBox"

/* ---- GC-owned boxes ---- */

typedef struct SaveBox {
  SerBuf valu;       /* the VALU payload */
  SerBuf out;        /* dumps: the whole file */
  SerAtomic atomic;  /* save: the temporary file */
} SaveBox;

typedef struct LoadBox {
  FILE *f;
  unsigned char *valu;  /* the VALU payload */
} LoadBox;

/* Close the file and free the payload now rather than at collection. */
static void release_load(LoadBox *b) {
  if (b->f) fclose(b->f);
  free(b->valu);
  b->f = NULL;
  b->valu = NULL;
}

/* Raise a load error after releasing what box holds.  Never returns. */
static int load_error(lua_State *L, LoadBox *box, const char *fmt, ...) {
  va_list ap;
  release_load(box);
  va_start(ap, fmt);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return lua_error(L);
}

static int savebox_gc(lua_State *L) {
  SaveBox *b = (SaveBox *)luaL_checkudata(L, 1, SAVEBOX);
  serbuf_free(&b->valu);
  serbuf_free(&b->out);
  ser_atomic_abort(&b->atomic);
  return 0;
}

static int loadbox_gc(lua_State *L) {
  release_load((LoadBox *)luaL_checkudata(L, 1, LOADBOX));
  return 0;
}

static SaveBox *newsavebox(lua_State *L) {
  SaveBox *b = (SaveBox *)lua_newuserdatauv(L, sizeof(SaveBox), 0);
  memset(b, 0, sizeof *b);
  serbuf_init(&b->valu);
  serbuf_init(&b->out);
  luaL_setmetatable(L, SAVEBOX);
  return b;
}

static LoadBox *newloadbox(lua_State *L) {
  LoadBox *b = (LoadBox *)lua_newuserdatauv(L, sizeof(LoadBox), 0);
  memset(b, 0, sizeof *b);
  luaL_setmetatable(L, LOADBOX);
  return b;
}

/* Argument i, a string (not a number), or "bad argument #i to 'op'". */
static const char *checkstring(lua_State *L, int i, const char *op) {
  if (lua_type(L, i) != LUA_TSTRING)
    luaL_error(L, "bad argument #%d to '%s' (string expected, got %s)", i, op,
               lua_isnone(L, i) ? "no value" : luaL_typename(L, i));
  return lua_tostring(L, i);
}

/* ---- paths for error messages ---- */

static int is_identifier(const char *s, size_t n) {
  if (n == 0 || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') ||
                  (s[0] >= 'A' && s[0] <= 'Z')))
    return 0;
  for (size_t i = 1; i < n; i++)
    if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
          (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
      return 0;
  return 1;
}

/* Replace the key at the stack top by its path segment: ".name", "[2]",
 * "[1.5]", "[true]" or "[\"a b\"]" (long strings cut at 60 bytes). */
static void keysegment(lua_State *L) {
  int k = lua_gettop(L);
  if (lua_type(L, k) == LUA_TSTRING) {
    size_t n;
    const char *s = lua_tolstring(L, k, &n);
    if (is_identifier(s, n)) {
      lua_pushfstring(L, ".%s", s);
    } else {
      luaL_Buffer B;  /* its slot sits above the key until pushresult */
      luaL_buffinit(L, &B);
      luaL_addstring(&B, "[\"");
      for (size_t i = 0; i < n && i < 60; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
          luaL_addchar(&B, '\\');
          luaL_addchar(&B, (char)c);
        } else if (c < 0x20 || c >= 0x7F) {
          char esc[8];
          snprintf(esc, sizeof esc, "\\%u", c);
          luaL_addstring(&B, esc);
        } else {
          luaL_addchar(&B, (char)c);
        }
      }
      if (n > 60) luaL_addstring(&B, "...");
      luaL_addstring(&B, "\"]");
      luaL_pushresult(&B);
    }
  } else {
    luaL_tolstring(L, k, NULL);  /* numbers and booleans */
    lua_pushfstring(L, "[%s]", lua_tostring(L, -1));
    lua_remove(L, -2);
  }
  lua_remove(L, k);
}

/* ---- encoding (save, dumps) ---- */

typedef struct Enc {
  lua_State *L;
  SerBuf *b;
  const char *op;    /* "save" / "dumps": the error prefix */
  const char *root;  /* the name of the root value in paths */
  int seen;          /* table -> id, for every table started */
  int active;        /* table -> depth, for the tables being written */
  int tmap;          /* tensor -> index */
  int tlist;         /* index + 1 -> tensor */
  int path;          /* path[1..depth]: the keys leading here */
  lua_Integer ntables, ntensors;
} Enc;

/* Push the path of depth `depth` as a string. */
static void pushpath(Enc *e, int depth) {
  lua_State *L = e->L;
  luaL_checkstack(L, depth + 4, "path too long");
  lua_pushstring(L, e->root);
  for (int i = 1; i <= depth; i++) {
    lua_rawgeti(L, e->path, i);
    keysegment(L);
  }
  lua_concat(L, depth + 1);
}

static int enc_error(Enc *e, int depth, const char *what) {
  lua_State *L = e->L;
  pushpath(e, depth);
  return luaL_error(L, "%s: %s at %s", e->op, what, lua_tostring(L, -1));
}

static void encode(Enc *e, int idx, int depth);

/* One hash-part entry, sorted by its encoded key bytes. */
typedef struct KeyEntry {
  const char *p;
  size_t n;
  lua_Integer j;  /* index in the keys / keystrs arrays */
} KeyEntry;

static int keyentry_cmp(const void *pa, const void *pb) {
  const KeyEntry *a = pa, *b = pb;
  size_t n = a->n < b->n ? a->n : b->n;
  int c = memcmp(a->p, b->p, n);
  if (c) return c;
  return (a->n > b->n) - (a->n < b->n);
}

/* Push the encoded bytes of the key at the stack top (a string, number or
 * boolean) as a Lua string. */
static void pushkeybytes(lua_State *L) {
  int k = lua_gettop(L);
  unsigned char buf[9];
  switch (lua_type(L, k)) {
  case LUA_TBOOLEAN:
    buf[0] = lua_toboolean(L, k) ? SER_TRUE : SER_FALSE;
    lua_pushlstring(L, (const char *)buf, 1);
    return;
  case LUA_TNUMBER:
    if (lua_isinteger(L, k)) {
      buf[0] = SER_INT;
      ser_put_u64(buf + 1, (uint64_t)lua_tointeger(L, k));
    } else {
      double d = lua_tonumber(L, k);
      uint64_t u;
      memcpy(&u, &d, 8);
      buf[0] = SER_FLOAT;
      ser_put_u64(buf + 1, u);
    }
    lua_pushlstring(L, (const char *)buf, 9);
    return;
  default: {  /* string */
    size_t n;
    const char *s = lua_tolstring(L, k, &n);
    luaL_Buffer B;
    buf[0] = SER_STRING;
    ser_put_u64(buf + 1, (uint64_t)n);
    luaL_buffinit(L, &B);
    luaL_addlstring(&B, (const char *)buf, 9);
    luaL_addlstring(&B, s, n);
    luaL_pushresult(&B);
    return;
  }
  }
}

static void encode_table(Enc *e, int t, int depth) {
  lua_State *L = e->L;
  lua_pushvalue(L, t);
  if (lua_rawget(L, e->seen) != LUA_TNIL) {
    lua_Integer id = lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_pushvalue(L, t);
    if (lua_rawget(L, e->active) != LUA_TNIL) {
      int at = (int)lua_tointeger(L, -1);
      pushpath(e, at);
      const char *back = lua_tostring(L, -1);
      pushpath(e, depth);
      luaL_error(L, "%s: cannot save a cycle at %s (it refers back to %s)",
                 e->op, lua_tostring(L, -1), back);
    }
    lua_pop(L, 1);
    serbuf_put_u8(e->b, SER_REF);
    serbuf_put_u64(e->b, (uint64_t)id);
    return;
  }
  lua_pop(L, 1);
  if (depth >= SER_MAXDEPTH)
    enc_error(e, depth, lua_pushfstring(L, "cannot save tables nested deeper "
                                           "than %d", SER_MAXDEPTH));
  luaL_checkstack(L, 12, "save: value nested too deeply");
  lua_pushvalue(L, t);
  lua_pushinteger(L, e->ntables++);
  lua_rawset(L, e->seen);
  lua_pushvalue(L, t);
  lua_pushinteger(L, depth);
  lua_rawset(L, e->active);

  /* array part: 1..narr, all present */
  lua_Integer narr = 0;
  while (lua_rawgeti(L, t, narr + 1) != LUA_TNIL) {
    lua_pop(L, 1);
    narr++;
  }
  lua_pop(L, 1);

  /* hash part: the other keys, with their encoded bytes */
  lua_newtable(L);
  int keys = lua_gettop(L);
  lua_newtable(L);
  int keystrs = lua_gettop(L);
  lua_Integer nhash = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);  /* the value */
    int kt = lua_type(L, -1);
    if (kt == LUA_TNUMBER && lua_isinteger(L, -1)) {
      lua_Integer i = lua_tointeger(L, -1);
      if (i >= 1 && i <= narr) continue;
    }
    if (kt != LUA_TSTRING && kt != LUA_TNUMBER && kt != LUA_TBOOLEAN) {
      const char *what =
          credo_testtensor(L, -1) ? "a tensor" : luaL_typename(L, -1);
      enc_error(e, depth, lua_pushfstring(L, "cannot save a table key of type "
                                             "%s", what));
    }
    nhash++;
    lua_pushvalue(L, -1);
    lua_rawseti(L, keys, nhash);
    pushkeybytes(L);
    lua_rawseti(L, keystrs, nhash);
  }
  KeyEntry *ke = (KeyEntry *)lua_newuserdatauv(
      L, (size_t)(nhash > 0 ? nhash : 1) * sizeof(KeyEntry), 0);
  for (lua_Integer j = 1; j <= nhash; j++) {
    lua_rawgeti(L, keystrs, j);
    ke[j - 1].p = lua_tolstring(L, -1, &ke[j - 1].n);  /* anchored in keystrs */
    ke[j - 1].j = j;
    lua_pop(L, 1);
  }
  qsort(ke, (size_t)nhash, sizeof *ke, keyentry_cmp);

  serbuf_put_u8(e->b, SER_TABLE);
  serbuf_put_u64(e->b, (uint64_t)narr);
  serbuf_put_u64(e->b, (uint64_t)nhash);
  for (lua_Integer i = 1; i <= narr; i++) {
    lua_pushinteger(L, i);
    lua_rawseti(L, e->path, depth + 1);
    lua_rawgeti(L, t, i);
    encode(e, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
  }
  for (lua_Integer j = 0; j < nhash; j++) {
    serbuf_put(e->b, ke[j].p, ke[j].n);
    lua_rawgeti(L, keys, ke[j].j);
    lua_pushvalue(L, -1);
    lua_rawseti(L, e->path, depth + 1);
    lua_rawget(L, t);
    encode(e, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
  }
  lua_pop(L, 3);  /* keys, keystrs, ke */
  lua_pushvalue(L, t);
  lua_pushnil(L);
  lua_rawset(L, e->active);
}

static void encode(Enc *e, int idx, int depth) {
  lua_State *L = e->L;
  switch (lua_type(L, idx)) {
  case LUA_TNIL:
    serbuf_put_u8(e->b, SER_NIL);
    return;
  case LUA_TBOOLEAN:
    serbuf_put_u8(e->b, lua_toboolean(L, idx) ? SER_TRUE : SER_FALSE);
    return;
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) {
      serbuf_put_u8(e->b, SER_INT);
      serbuf_put_i64(e->b, lua_tointeger(L, idx));
    } else {
      serbuf_put_u8(e->b, SER_FLOAT);
      serbuf_put_f64(e->b, lua_tonumber(L, idx));
    }
    return;
  case LUA_TSTRING: {
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    serbuf_put_u8(e->b, SER_STRING);
    serbuf_put_u64(e->b, (uint64_t)n);
    serbuf_put(e->b, s, n);
    return;
  }
  case LUA_TTABLE:
    encode_table(e, idx, depth);
    return;
  case LUA_TUSERDATA: {
    Tensor *t = credo_testtensor(L, idx);
    if (t) {
      if (!t->storage) enc_error(e, depth, "cannot save a freed tensor");
      lua_pushvalue(L, idx);
      lua_Integer ti;
      if (lua_rawget(L, e->tmap) != LUA_TNIL) {
        ti = lua_tointeger(L, -1);
      } else {
        ti = e->ntensors++;
        lua_pushvalue(L, idx);
        lua_pushinteger(L, ti);
        lua_rawset(L, e->tmap);
        lua_pushvalue(L, idx);
        lua_rawseti(L, e->tlist, ti + 1);
      }
      lua_pop(L, 1);
      serbuf_put_u8(e->b, SER_TENSOR);
      serbuf_put_u64(e->b, (uint64_t)ti);
      return;
    }
    const char *name = NULL;
    if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING)
      name = lua_tostring(L, -1);
    if (name && !strcmp(name, CREDO_GENERATOR))
      enc_error(e, depth, "cannot save a credo.Generator (save its "
                          "get_state() instead)");
    enc_error(e, depth, lua_pushfstring(L, "cannot save a userdata%s%s",
                                        name ? " " : "", name ? name : ""));
    return;
  }
  default:  /* function, thread, light userdata */
    enc_error(e, depth, lua_pushfstring(L, "cannot save a %s",
                                        lua_type(L, idx) == LUA_TTHREAD
                                            ? "coroutine"
                                            : luaL_typename(L, idx)));
  }
}

/* Encode the value at `value` into box->valu: u64 tensor count, then the
 * value.  Leaves the tensor list (index + 1 -> tensor) on the stack. */
static lua_Integer encode_root(lua_State *L, SaveBox *box, int value,
                               const char *op, const char *root) {
  Enc e = {L, &box->valu, op, root, 0, 0, 0, 0, 0, 0, 0};
  lua_newtable(L);
  e.seen = lua_gettop(L);
  lua_newtable(L);
  e.active = lua_gettop(L);
  lua_newtable(L);
  e.tmap = lua_gettop(L);
  lua_newtable(L);
  e.path = lua_gettop(L);
  lua_newtable(L);
  e.tlist = lua_gettop(L);
  serbuf_put_u64(e.b, 0);  /* tensor count, patched below */
  encode(&e, value, 0);
  if (e.b->failed) {
    serbuf_free(e.b);
    luaL_error(L, "%s: not enough memory to encode the value", op);
  }
  ser_put_u64(e.b->data, (uint64_t)e.ntensors);
  lua_replace(L, e.seen);  /* keep only the tensor list */
  lua_settop(L, e.seen);
  return e.ntensors;
}

/* Write the whole file through w: header, VALU, TENS..., END.  The tensor
 * list is at `tlist`.  Raises nothing. */
static credo_status write_file(lua_State *L, SerWriter *w, SaveBox *box,
                               int tlist, lua_Integer ntensors) {
  ser_write_header(w);
  ser_section_begin(w, SER_TAG_VALU, box->valu.len);
  ser_section_write(w, box->valu.data, box->valu.len);
  ser_section_end(w);
  for (lua_Integer i = 1; i <= ntensors && w->status == CREDO_OK; i++) {
    lua_rawgeti(L, tlist, i);
    ser_write_tensor(w, credo_testtensor(L, -1));
    lua_pop(L, 1);
  }
  return ser_write_end(w);
}

/* credo.save(path, value): atomic (temporary file, fsync, rename). */
static int l_save(lua_State *L) {
  const char *path = checkstring(L, 1, "save");
  if (lua_gettop(L) < 2)
    return luaL_error(L, "bad argument #2 to 'save' (value expected)");
  lua_settop(L, 2);
  SaveBox *box = newsavebox(L);                     /* 3 */
  lua_Integer nt = encode_root(L, box, 2, "save", "model");  /* 4: tlist */
  credo_status ost = ser_atomic_open(&box->atomic, path);
  if (ost == CREDO_EINVAL)
    return luaL_error(L, "save: %s: not a regular file (a device, pipe, socket or directory "
                         "is never replaced)", path);
  if (ost != CREDO_OK) return luaL_error(L, "save: %s: %s", path, strerror(errno));
  SerWriter w;
  ser_writer_file(&w, box->atomic.f);
  credo_status st = write_file(L, &w, box, 4, nt);
  int err = errno;
  if (st != CREDO_OK) {
    ser_atomic_abort(&box->atomic);
    if (st == CREDO_EIO)
      return luaL_error(L, "save: %s: %s", path, strerror(err));
    return credo_statuserror(L, "save", st);
  }
  if (ser_atomic_commit(&box->atomic) != CREDO_OK)
    return luaL_error(L, "save: %s: %s", path, strerror(errno));
  serbuf_free(&box->valu);
  return 0;
}

/* credo.serialize.dumps(value): the bytes save would write. */
static int l_dumps(lua_State *L) {
  if (lua_gettop(L) < 1)
    return luaL_error(L, "bad argument #1 to 'dumps' (value expected)");
  lua_settop(L, 1);
  SaveBox *box = newsavebox(L);                        /* 2 */
  lua_Integer nt = encode_root(L, box, 1, "dumps", "value");  /* 3: tlist */
  SerWriter w;
  ser_writer_mem(&w, &box->out);
  credo_status st = write_file(L, &w, box, 3, nt);
  if (st != CREDO_OK) return credo_statuserror(L, "dumps", st);
  lua_pushlstring(L, (const char *)box->out.data, box->out.len);
  serbuf_free(&box->out);
  serbuf_free(&box->valu);
  return 1;
}

/* ---- decoding (load, loads) ---- */

typedef struct Dec {
  lua_State *L;
  SerCursor c;
  const char *op, *name;  /* "load", file name ("" for loads) */
  uint64_t base;          /* file offset of the VALU payload */
  int tables;             /* id + 1 -> table, once complete */
  int tlist;              /* index + 1 -> tensor */
  lua_Integer ntables, ntensors;
} Dec;

static int dec_error(Dec *d, size_t at, const char *what) {
  return luaL_error(d->L, "%s: %s%s%s at offset %I (section VALU #0)", d->op,
                    d->name, *d->name ? ": " : "", what,
                    (lua_Integer)(d->base + at));
}

static void decode(Dec *d, int depth, int as_key);

static void decode_table(Dec *d, int depth, size_t at) {
  lua_State *L = d->L;
  uint64_t narr, nhash;
  if (ser_cursor_u64(&d->c, &narr) || ser_cursor_u64(&d->c, &nhash))
    dec_error(d, at, "truncated table");
  size_t left = d->c.len - d->c.pos;
  if (narr > left || nhash > (left - narr) / 2)  /* >= 1 byte per value */
    dec_error(d, at, "table size exceeds the bytes left");
  if (depth >= SER_MAXDEPTH)
    dec_error(d, at, lua_pushfstring(L, "tables nested deeper than %d",
                                     SER_MAXDEPTH));
  luaL_checkstack(L, 8, "load: value nested too deeply");
  lua_Integer id = d->ntables++;
  lua_createtable(L, narr > INT32_MAX ? INT32_MAX : (int)narr,
                  nhash > INT32_MAX ? INT32_MAX : (int)nhash);
  int t = lua_gettop(L);
  for (uint64_t i = 1; i <= narr; i++) {
    size_t vat = d->c.pos;
    decode(d, depth + 1, 0);
    if (lua_isnil(L, -1)) dec_error(d, vat, "nil in the array part of a table");
    lua_rawseti(L, t, (lua_Integer)i);
  }
  for (uint64_t i = 0; i < nhash; i++) {
    size_t kat = d->c.pos;
    decode(d, depth + 1, 1);
    lua_pushvalue(L, -1);
    if (lua_rawget(L, t) != LUA_TNIL) dec_error(d, kat, "duplicate table key");
    lua_pop(L, 1);
    size_t vat = d->c.pos;
    decode(d, depth + 1, 0);
    if (lua_isnil(L, -1)) dec_error(d, vat, "nil table value");
    lua_rawset(L, t);
  }
  lua_pushvalue(L, t);
  lua_rawseti(L, d->tables, id + 1);  /* complete: REF may now name it */
}

/* Push the next value.  as_key: only strings, numbers and booleans. */
static void decode(Dec *d, int depth, int as_key) {
  lua_State *L = d->L;
  size_t at = d->c.pos;
  unsigned tag;
  uint64_t u;
  double f;
  const unsigned char *p;
  if (ser_cursor_u8(&d->c, &tag)) dec_error(d, at, "truncated value");
  if (as_key && !(tag == SER_FALSE || tag == SER_TRUE || tag == SER_INT ||
                  tag == SER_FLOAT || tag == SER_STRING))
    dec_error(d, at, lua_pushfstring(L, "bad table key type %d", (int)tag));
  switch (tag) {
  case SER_NIL:
    lua_pushnil(L);
    return;
  case SER_FALSE:
  case SER_TRUE:
    lua_pushboolean(L, tag == SER_TRUE);
    return;
  case SER_INT:
    if (ser_cursor_u64(&d->c, &u)) dec_error(d, at, "truncated integer");
    lua_pushinteger(L, (lua_Integer)u);
    return;
  case SER_FLOAT:
    if (ser_cursor_f64(&d->c, &f)) dec_error(d, at, "truncated float");
    if (as_key && isnan(f)) dec_error(d, at, "NaN table key");
    lua_pushnumber(L, f);
    return;
  case SER_STRING:
    if (ser_cursor_u64(&d->c, &u) || u > d->c.len - d->c.pos ||
        ser_cursor_bytes(&d->c, (size_t)u, &p))
      dec_error(d, at, "string length exceeds the bytes left");
    lua_pushlstring(L, (const char *)p, (size_t)u);
    return;
  case SER_TABLE:
    decode_table(d, depth, at);
    return;
  case SER_TENSOR:
    if (ser_cursor_u64(&d->c, &u)) dec_error(d, at, "truncated tensor");
    if (u >= (uint64_t)d->ntensors)
      dec_error(d, at, lua_pushfstring(L, "tensor #%I does not exist (%I in "
                                          "the file)", (lua_Integer)u,
                                       d->ntensors));
    lua_rawgeti(L, d->tlist, (lua_Integer)u + 1);
    return;
  case SER_REF:
    if (ser_cursor_u64(&d->c, &u)) dec_error(d, at, "truncated reference");
    if (u >= (uint64_t)d->ntables ||
        lua_rawgeti(L, d->tables, (lua_Integer)u + 1) == LUA_TNIL)
      dec_error(d, at, lua_pushfstring(L, "reference to table #%I, which is "
                                          "not complete before it",
                                       (lua_Integer)u));
    return;
  default:
    dec_error(d, at, lua_pushfstring(L, "bad value type %d", (int)tag));
  }
}

/* Read a whole file through r: the VALU payload into box->valu, the
 * tensors into a list (pushed), then decode the value (pushed above it;
 * returns 1). */
static int read_file(lua_State *L, SerReader *r, LoadBox *box, const char *op,
                     const char *name) {
  /* "load: m.credo: " or "loads: ", anchored on the stack */
  const char *pre = lua_pushfstring(L, "%s: %s%s", op, name, *name ? ": " : "");
#define RFAIL(st)                                                          \
  do {                                                                     \
    if ((st) == CREDO_EINTR) {                                             \
      release_load(box);                                                   \
      return credo_statuserror(L, op, st);                                 \
    }                                                                      \
    return load_error(L, box, "%s%s", pre, r->err);                        \
  } while (0)
#define WANT(want)                                                         \
  do {                                                                     \
    if ((st = ser_section_next(r, &tag, &len)) != CREDO_OK) RFAIL(st);     \
    if (tag != (want))                                                     \
      return load_error(L, box, "%sexpected section %s at offset %I, "     \
                                "found %s", pre, ser_tag_name(want, tw),   \
                        (lua_Integer)r->sec_offset, ser_tag_name(tag, tb)); \
  } while (0)
  uint32_t tag;
  uint64_t len;
  char tb[16], tw[16];
  credo_status st = ser_read_header(r);
  if (st != CREDO_OK) RFAIL(st);
  WANT(SER_TAG_VALU);
  uint64_t base = r->pos, len_valu = len;
  box->valu = malloc(len > 0 ? (size_t)len : 1);  /* len <= bytes left */
  if (!box->valu) return load_error(L, box, "%snot enough memory", pre);
  if ((st = ser_section_read(r, box->valu, len)) != CREDO_OK) RFAIL(st);
  if ((st = ser_section_finish(r)) != CREDO_OK) RFAIL(st);
  if (len < 8)
    return load_error(L, box, "%sVALU section too short at offset %I", pre,
                      (lua_Integer)base);
  uint64_t nt = ser_get_u64(box->valu);
  /* each TENS section takes at least frame + head + CRC bytes */
  if (nt > (r->size - r->pos) / (SER_FRAME_LEN + SER_TENSOR_HEAD + 4))
    return load_error(L, box, "%sVALU claims %I tensors, more than the file "
                              "can hold, at offset %I", pre,
                      (lua_Integer)nt, (lua_Integer)base);
  lua_createtable(L, nt < INT32_MAX ? (int)nt : 0, 0);
  int tlist = lua_gettop(L);
  for (uint64_t i = 0; i < nt; i++) {
    WANT(SER_TAG_TENS);
    tensor_dtype dt;
    int ndim;
    int64_t shape[TENSOR_MAXDIM];
    st = ser_read_tensor_head(r, &dt, &ndim, shape);
    if (st != CREDO_OK) RFAIL(st);
    Tensor *t = credo_newtensor(L, dt, ndim, shape);
    if ((st = ser_read_tensor_data(r, t)) != CREDO_OK) RFAIL(st);
    lua_rawseti(L, tlist, (lua_Integer)i + 1);
  }
  WANT(SER_TAG_END);
  if ((st = ser_read_end(r)) != CREDO_OK) RFAIL(st);
#undef WANT
#undef RFAIL
  if (box->f) {
    fclose(box->f);
    box->f = NULL;
  }

  Dec d = {L, {box->valu + 8, (size_t)(len_valu - 8), 0}, op, name,
           base + 8, 0, tlist, 0, (lua_Integer)nt};
  lua_newtable(L);
  d.tables = lua_gettop(L);
  decode(&d, 0, 0);
  if (d.c.pos != d.c.len)
    dec_error(&d, d.c.pos, "trailing bytes after the value");
  free(box->valu);
  box->valu = NULL;
  return 1;
}

/* credo.load(path) */
static int l_load(lua_State *L) {
  const char *path = checkstring(L, 1, "load");
  lua_settop(L, 1);
  LoadBox *box = newloadbox(L);
  box->f = fopen(path, "rb");
  if (!box->f) return luaL_error(L, "load: %s: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fileno(box->f), &sb) != 0)
    return load_error(L, box, "load: %s: %s", path, strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return load_error(L, box, "load: %s: not a regular file", path);
  SerReader r;
  ser_reader_file(&r, box->f, (uint64_t)sb.st_size);
  return read_file(L, &r, box, "load", path);
}

/* credo.serialize.loads(s) */
static int l_loads(lua_State *L) {
  size_t n;
  checkstring(L, 1, "loads");
  const char *s = lua_tolstring(L, 1, &n);
  lua_settop(L, 1);
  LoadBox *box = newloadbox(L);
  SerReader r;
  ser_reader_mem(&r, s, n);  /* s stays anchored at index 1 */
  return read_file(L, &r, box, "loads", "");
}

static const luaL_Reg funcs[] = {
  {"save", l_save},
  {"load", l_load},
  {"dumps", l_dumps},
  {"loads", l_loads},
  {NULL, NULL}
};

int luaopen_credo_serialize(lua_State *L) {
  /* loaded tensors need their metatable */
  luaL_requiref(L, "credo.tensor", luaopen_credo_tensor, 0);
  lua_pop(L, 1);
  luaL_newmetatable(L, SAVEBOX);
  lua_pushcfunction(L, savebox_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, savebox_gc);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
  luaL_newmetatable(L, LOADBOX);
  lua_pushcfunction(L, loadbox_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, loadbox_gc);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  lua_pushinteger(L, SER_VERSION);
  lua_setfield(L, -2, "format_version");
  return 1;
}
