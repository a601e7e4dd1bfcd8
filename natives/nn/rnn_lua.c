/*
 * rnn_lua.c: the binding of the recurrent and convolutional kernels
 * (rnn.h, conv.h), opened as `credo.nn_rnn` (credo.core.nn_rnn) by
 * luaopen_credo_nn_rnn.
 *
 * An internal interface for the Lua layers stdlib/credo/nn/lstm.lua,
 * gru.lua, conv1d.lua and maxpool1d.lua, in nn_lua.c's style: every
 * function takes its outputs first, then its inputs, as the kernels do
 * (`lstm_forward(out, hn, cn, cache, x, h0, c0, w_ih, w_hh, b_ih, b_hh)`),
 * optional tensors may be nil, and it returns nothing.  Sizes come from
 * the input's and the weights' shapes; every other tensor is checked for
 * dtype, contiguity and element count, so no call can crash or write out
 * of bounds; the messages users see (naming the layer and the shapes) come
 * from the Lua layers, which check first.  A core status (interrupt) is
 * raised as "<op>: interrupted" after the core has returned; nothing here
 * allocates.
 *
 * What it is not: no layer logic (stacking, dropout between layers,
 * return_sequences, workspaces are the Lua layers').
 */
#include <limits.h>
#include <string.h>

#include "../common/credo_lua.h"
#include "nn_bind.h"
#include "conv.h"
#include "rnn.h"

/* ---- argument helpers (and nn_bind.h) ---- */

/* A contiguous float32/float64 tensor of ndim dimensions. */
static Tensor *floatarg(lua_State *L, int i, int ndim) {
  Tensor *t = floatany(L, i);
  if (t->ndim != ndim)
    luaL_argerror(L, i, lua_pushfstring(L, "expected a %d-d tensor", ndim));
  return t;
}

/* Every product dimension and leading dimension the kernels form stays
 * below 2^31 (BLAS ints) when this does. */
static void blascheck(lua_State *L, int i, int64_t rows, int64_t width) {
  luaL_argcheck(L, rows <= INT_MAX && width <= INT_MAX &&
                       (rows == 0 || width <= INT_MAX / rows),
                i, "too large for BLAS (2^31-1 elements per matrix)");
}

static int64_t posint(lua_State *L, int i, int64_t lo) {
  lua_Integer v = luaL_checkinteger(L, i);
  luaL_argcheck(L, v >= lo && v <= INT_MAX, i, "out of range");
  return (int64_t)v;
}

static void status(lua_State *L, const char *op, credo_status s) {
  if (s != CREDO_OK) credo_statuserror(L, op, s);
}

/* Sizes of a recurrent layer: x (B,T,I), w_ih (G*H, I), w_hh (G*H, H). */
typedef struct {
  int64_t B, T, I, H, G;
} Dims;

static Dims rnn_dims(lua_State *L, int ix, int iwi, int iwh, int gates) {
  Dims d;
  Tensor *x = floatarg(L, ix, 3);
  d.B = x->shape[0], d.T = x->shape[1], d.I = x->shape[2];
  luaL_argcheck(L, d.T >= 1 && d.I >= 1, ix, "empty sequence or feature dim");
  Tensor *wh = arr(L, iwh, x->dtype, -1);
  luaL_argcheck(L, wh->ndim == 2 && wh->shape[1] >= 1 &&
                       wh->shape[0] == gates * wh->shape[1],
                iwh, gates == 4 ? "w_hh must be (4H, H)" : "w_hh must be (3H, H)");
  d.H = wh->shape[1];
  d.G = gates * d.H;
  Tensor *wi = arr(L, iwi, x->dtype, -1);
  luaL_argcheck(L, wi->ndim == 2 && wi->shape[0] == d.G && wi->shape[1] == d.I,
                iwi, "w_ih must be (G*H, I) with I the input's last dim");
  blascheck(L, ix, d.B * d.T, d.G + d.I + d.H);
  blascheck(L, iwh, d.G, d.H + d.I);
  return d;
}

/* ---- LSTM ---- */

/* rnn_numel(kind, B, T, I, H) -> cache, scratch element counts ("lstm" or
 * "gru") */
static int l_rnn_numel(lua_State *L) {
  static const char *const kinds[] = {"lstm", "gru", NULL};
  int k = luaL_checkoption(L, 1, NULL, kinds);
  int64_t B = posint(L, 2, 0), T = posint(L, 3, 1), I = posint(L, 4, 1);
  int64_t H = posint(L, 5, 1);
  lua_pushinteger(L, k == 0 ? lstm_cache_numel(B, T, H)
                            : gru_cache_numel(B, T, H));
  lua_pushinteger(L, k == 0 ? lstm_scratch_numel(B, T, I, H)
                            : gru_scratch_numel(B, T, I, H));
  return 2;
}

/* lstm_forward(out, hn, cn, cache, x, h0|nil, c0|nil, w_ih, w_hh,
 *              b_ih|nil, b_hh|nil) */
static int l_lstm_forward(lua_State *L) {
  Dims d = rnn_dims(L, 5, 8, 9, 4);
  Tensor *x = credo_checktensor(L, 5);
  tensor_dtype dt = x->dtype;
  Tensor *wi = arr(L, 8, dt, -1), *wh = arr(L, 9, dt, -1);
  Tensor *bi = optarr(L, 10, dt, d.G), *bh = optarr(L, 11, dt, d.G);
  Tensor *h0 = optarr(L, 6, dt, d.B * d.H), *c0 = optarr(L, 7, dt, d.B * d.H);
  Tensor *out = arr(L, 1, dt, d.B * d.T * d.H);
  Tensor *hn = arr(L, 2, dt, d.B * d.H), *cn = arr(L, 3, dt, d.B * d.H);
  Tensor *cache = arr(L, 4, dt, lstm_cache_numel(d.B, d.T, d.H));
  credo_status s;
  s = BY_DTYPE(x, lstm_forward, ptr(out), ptr(hn), ptr(cn), ptr(cache), ptr(x), ptr(h0),
               ptr(c0), ptr(wi), ptr(wh), ptr(bi), ptr(bh), d.B, d.T, d.I, d.H);
  status(L, "lstm_forward", s);
  return 0;
}

/* lstm_backward(dx|nil, dh0|nil, dc0|nil, dw_ih|nil, dw_hh|nil, db_ih|nil,
 *               db_hh|nil, scratch, dout|nil, dhn|nil, dcn|nil, x, cache,
 *               w_ih, w_hh) */
static int l_lstm_backward(lua_State *L) {
  Dims d = rnn_dims(L, 12, 14, 15, 4);
  Tensor *x = credo_checktensor(L, 12);
  tensor_dtype dt = x->dtype;
  int64_t nh = d.B * d.H, ns = d.B * d.T * d.H;
  Tensor *dx = optarr(L, 1, dt, d.B * d.T * d.I);
  Tensor *dh0 = optarr(L, 2, dt, nh), *dc0 = optarr(L, 3, dt, nh);
  Tensor *dwi = optarr(L, 4, dt, d.G * d.I), *dwh = optarr(L, 5, dt, d.G * d.H);
  Tensor *dbi = optarr(L, 6, dt, d.G), *dbh = optarr(L, 7, dt, d.G);
  Tensor *scr = arr(L, 8, dt, lstm_scratch_numel(d.B, d.T, d.I, d.H));
  Tensor *dout = optarr(L, 9, dt, ns);
  Tensor *dhn = optarr(L, 10, dt, nh), *dcn = optarr(L, 11, dt, nh);
  Tensor *cache = arr(L, 13, dt, lstm_cache_numel(d.B, d.T, d.H));
  Tensor *wi = arr(L, 14, dt, -1), *wh = arr(L, 15, dt, -1);
  credo_status s;
  s = BY_DTYPE(x, lstm_backward, ptr(dx), ptr(dh0), ptr(dc0), ptr(dwi), ptr(dwh),
               ptr(dbi), ptr(dbh), ptr(scr), ptr(dout), ptr(dhn), ptr(dcn), ptr(x),
               ptr(cache), ptr(wi), ptr(wh), d.B, d.T, d.I, d.H);
  status(L, "lstm_backward", s);
  return 0;
}

/* ---- GRU ---- */

/* gru_forward(out, hn, cache, x, h0|nil, w_ih, w_hh, b_ih|nil, b_hh|nil) */
static int l_gru_forward(lua_State *L) {
  Dims d = rnn_dims(L, 4, 6, 7, 3);
  Tensor *x = credo_checktensor(L, 4);
  tensor_dtype dt = x->dtype;
  Tensor *wi = arr(L, 6, dt, -1), *wh = arr(L, 7, dt, -1);
  Tensor *bi = optarr(L, 8, dt, d.G), *bh = optarr(L, 9, dt, d.G);
  Tensor *h0 = optarr(L, 5, dt, d.B * d.H);
  Tensor *out = arr(L, 1, dt, d.B * d.T * d.H);
  Tensor *hn = arr(L, 2, dt, d.B * d.H);
  Tensor *cache = arr(L, 3, dt, gru_cache_numel(d.B, d.T, d.H));
  credo_status s;
  s = BY_DTYPE(x, gru_forward, ptr(out), ptr(hn), ptr(cache), ptr(x), ptr(h0), ptr(wi),
               ptr(wh), ptr(bi), ptr(bh), d.B, d.T, d.I, d.H);
  status(L, "gru_forward", s);
  return 0;
}

/* gru_backward(dx|nil, dh0|nil, dw_ih|nil, dw_hh|nil, db_ih|nil, db_hh|nil,
 *              scratch, dout|nil, dhn|nil, x, cache, w_ih, w_hh) */
static int l_gru_backward(lua_State *L) {
  Dims d = rnn_dims(L, 10, 12, 13, 3);
  Tensor *x = credo_checktensor(L, 10);
  tensor_dtype dt = x->dtype;
  int64_t nh = d.B * d.H;
  Tensor *dx = optarr(L, 1, dt, d.B * d.T * d.I);
  Tensor *dh0 = optarr(L, 2, dt, nh);
  Tensor *dwi = optarr(L, 3, dt, d.G * d.I), *dwh = optarr(L, 4, dt, d.G * d.H);
  Tensor *dbi = optarr(L, 5, dt, d.G), *dbh = optarr(L, 6, dt, d.G);
  Tensor *scr = arr(L, 7, dt, gru_scratch_numel(d.B, d.T, d.I, d.H));
  Tensor *dout = optarr(L, 8, dt, d.B * d.T * d.H);
  Tensor *dhn = optarr(L, 9, dt, nh);
  Tensor *cache = arr(L, 11, dt, gru_cache_numel(d.B, d.T, d.H));
  Tensor *wi = arr(L, 12, dt, -1), *wh = arr(L, 13, dt, -1);
  credo_status s;
  s = BY_DTYPE(x, gru_backward, ptr(dx), ptr(dh0), ptr(dwi), ptr(dwh), ptr(dbi), ptr(dbh),
               ptr(scr), ptr(dout), ptr(dhn), ptr(x), ptr(cache), ptr(wi), ptr(wh), d.B,
               d.T, d.I, d.H);
  status(L, "gru_backward", s);
  return 0;
}

/* ---- Conv1d ---- */

/* conv1d_numel(B, C, L, OC, K, stride, pad) -> Lout, cache, scratch
 * element counts (Lout <= 0: the kernel does not fit) */
static int l_conv1d_numel(lua_State *L) {
  int64_t B = posint(L, 1, 0), C = posint(L, 2, 1), Ln = posint(L, 3, 1);
  int64_t OC = posint(L, 4, 1), K = posint(L, 5, 1);
  int64_t stride = posint(L, 6, 1), pad = posint(L, 7, 0);
  int64_t Lout = conv1d_out_length(Ln, K, stride, pad);
  lua_pushinteger(L, Lout);
  if (Lout <= 0) return 1;
  lua_pushinteger(L, conv1d_cache_numel(B, C, K, Lout));
  lua_pushinteger(L, conv1d_scratch_numel(B, C, OC, K, Lout));
  return 3;
}

typedef struct {
  int64_t B, C, L, OC, K, stride, pad, Lout;
} CDims;

/* x (B,C,L) at ix, w (OC,C,K) at iw, stride and pad at is, is+1. */
static CDims conv_dims(lua_State *L, int ix, int iw, int is) {
  CDims d;
  Tensor *x = floatarg(L, ix, 3);
  Tensor *w = arr(L, iw, x->dtype, -1);
  d.B = x->shape[0], d.C = x->shape[1], d.L = x->shape[2];
  luaL_argcheck(L, w->ndim == 3 && w->shape[1] == d.C && w->shape[0] >= 1 &&
                       w->shape[2] >= 1,
                iw, "weight must be (OC, C, K) with C the input's channels");
  d.OC = w->shape[0], d.K = w->shape[2];
  d.stride = posint(L, is, 1), d.pad = posint(L, is + 1, 0);
  d.Lout = conv1d_out_length(d.L, d.K, d.stride, d.pad);
  luaL_argcheck(L, d.C >= 1 && d.Lout >= 1, ix,
                "no channels, or the kernel is longer than the padded input");
  blascheck(L, ix, d.B * d.Lout, d.OC + d.C * d.K);
  return d;
}

/* conv1d_forward(out, col, scratch, x, w, b|nil, stride, pad) */
static int l_conv1d_forward(lua_State *L) {
  CDims d = conv_dims(L, 4, 5, 7);
  Tensor *x = credo_checktensor(L, 4);
  tensor_dtype dt = x->dtype;
  Tensor *w = arr(L, 5, dt, -1), *b = optarr(L, 6, dt, d.OC);
  Tensor *out = arr(L, 1, dt, d.B * d.OC * d.Lout);
  Tensor *col = arr(L, 2, dt, conv1d_cache_numel(d.B, d.C, d.K, d.Lout));
  Tensor *scr =
      arr(L, 3, dt, conv1d_scratch_numel(d.B, d.C, d.OC, d.K, d.Lout));
  credo_status s;
  s = BY_DTYPE(x, conv1d_forward, ptr(out), ptr(col), ptr(scr), ptr(x), ptr(w), ptr(b),
               d.B, d.C, d.L, d.OC, d.K, d.stride, d.pad);
  status(L, "conv1d_forward", s);
  return 0;
}

/* conv1d_backward(dx|nil, dw|nil, db|nil, scratch, dout, x, col, w, stride,
 *                 pad): x gives the sizes (its values are not read) */
static int l_conv1d_backward(lua_State *L) {
  CDims d = conv_dims(L, 6, 8, 9);
  Tensor *x = credo_checktensor(L, 6);
  tensor_dtype dt = x->dtype;
  Tensor *dx = optarr(L, 1, dt, d.B * d.C * d.L);
  Tensor *dw = optarr(L, 2, dt, d.OC * d.C * d.K);
  Tensor *db = optarr(L, 3, dt, d.OC);
  Tensor *scr =
      arr(L, 4, dt, conv1d_scratch_numel(d.B, d.C, d.OC, d.K, d.Lout));
  Tensor *dout = arr(L, 5, dt, d.B * d.OC * d.Lout);
  Tensor *col = arr(L, 7, dt, conv1d_cache_numel(d.B, d.C, d.K, d.Lout));
  Tensor *w = arr(L, 8, dt, -1);
  credo_status s;
  s = BY_DTYPE(x, conv1d_backward, ptr(dx), ptr(dw), ptr(db), ptr(scr), ptr(dout),
               ptr(col), ptr(w), d.B, d.C, d.L, d.OC, d.K, d.stride, d.pad);
  status(L, "conv1d_backward", s);
  return 0;
}

/* ---- MaxPool1d ---- */

/* The pooling geometry: x's last dim is L, the others are rows. */
static void pool_dims(lua_State *L, const Tensor *x, int ix, int64_t K,
                      int64_t stride, int64_t pad, int64_t *N, int64_t *Ln,
                      int64_t *Lout) {
  luaL_argcheck(L, x->ndim >= 1, ix, "expected at least 1 dimension");
  *Ln = x->shape[x->ndim - 1];
  *N = *Ln > 0 ? tensor_numel(x) / *Ln : 0;
  luaL_argcheck(L, 2 * pad <= K, ix, "padding must be at most kernel_size/2");
  *Lout = maxpool1d_out_length(*Ln, K, stride, pad);
  luaL_argcheck(L, *Ln >= 1 && *Lout >= 1, ix,
                "the kernel is longer than the padded input");
}

/* maxpool1d_forward(out, idx, x, kernel, stride, pad): idx int64 */
static int l_maxpool1d_forward(lua_State *L) {
  Tensor *x = credo_checktensor(L, 3);
  luaL_argcheck(L, x->dtype == TENSOR_F32 || x->dtype == TENSOR_F64, 3,
                "expected a float32 or float64 tensor");
  luaL_argcheck(L, tensor_is_contiguous(x), 3, "expected a contiguous tensor");
  int64_t K = posint(L, 4, 1), stride = posint(L, 5, 1), pad = posint(L, 6, 0);
  int64_t N, Ln, Lout;
  pool_dims(L, x, 3, K, stride, pad, &N, &Ln, &Lout);
  Tensor *out = arr(L, 1, x->dtype, N * Lout);
  Tensor *idx = arr(L, 2, TENSOR_I64, N * Lout);
  credo_status s;
  s = BY_DTYPE(x, maxpool1d_forward, ptr(out), tensor_i64(idx), ptr(x), N, Ln, K, stride,
               pad);
  status(L, "maxpool1d_forward", s);
  return 0;
}

/* maxpool1d_backward(dx, dout, idx): dx has the input's shape (its last dim
 * is L), dout and idx (N*Lout) from the forward */
static int l_maxpool1d_backward(lua_State *L) {
  Tensor *dx = credo_checktensor(L, 1);
  luaL_argcheck(L, dx->dtype == TENSOR_F32 || dx->dtype == TENSOR_F64, 1,
                "expected a float32 or float64 tensor");
  luaL_argcheck(L, tensor_is_contiguous(dx) && dx->ndim >= 1, 1,
                "expected a contiguous tensor");
  int64_t Ln = dx->shape[dx->ndim - 1];
  luaL_argcheck(L, Ln >= 1, 1, "empty last dimension");
  int64_t N = tensor_numel(dx) / Ln;
  Tensor *dout = arr(L, 2, dx->dtype, -1);
  int64_t Lout = N > 0 ? tensor_numel(dout) / N : 0;
  luaL_argcheck(L, N == 0 || Lout * N == tensor_numel(dout), 2,
                "element count is not a multiple of the rows");
  Tensor *idx = arr(L, 3, TENSOR_I64, tensor_numel(dout));
  const int64_t *ix = tensor_i64(idx);
  uint64_t bad = 0; /* any index outside 0..Ln-1 (a branch-free scan) */
  for (int64_t i = 0; i < N * Lout; i++) bad |= (uint64_t)ix[i] >= (uint64_t)Ln;
  luaL_argcheck(L, !bad, 3, "index out of range");
  BY_DTYPE(dx, maxpool1d_backward, ptr(dx), ptr(dout), ix, N, Ln, Lout);
  return 0;
}

static const luaL_Reg rnn_funcs[] = {
  {"rnn_numel", l_rnn_numel},
  {"lstm_forward", l_lstm_forward},
  {"lstm_backward", l_lstm_backward},
  {"gru_forward", l_gru_forward},
  {"gru_backward", l_gru_backward},
  {"conv1d_numel", l_conv1d_numel},
  {"conv1d_forward", l_conv1d_forward},
  {"conv1d_backward", l_conv1d_backward},
  {"maxpool1d_forward", l_maxpool1d_forward},
  {"maxpool1d_backward", l_maxpool1d_backward},
  {NULL, NULL}
};

int luaopen_credo_nn_rnn(lua_State *L) {
  luaL_newlib(L, rnn_funcs);
  return 1;
}
