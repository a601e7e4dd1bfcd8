/*
 * optim.c: the update kernels of credo.optim (optim.h has the contracts and
 * the formulas): SGD, AdaGrad, RMSprop, Adam/AdamW, and gradient norms for
 * clipping.  Pure C, float32 and float64.
 *
 * Rounding as PyTorch 1.13 on x86-64 (AVX2 build), measured bit for bit
 * against it: `a.add_(b, alpha=s)` is fma(s, b, a); `a.addcmul_(b, c,
 * value=s)` is fma(s * b, c, a); `a.addcdiv_(b, c, value=s)` is
 * a + (s * b) / c; `mul_`, `/`, `sqrt` are single IEEE operations; every
 * Python scalar is computed in double and rounded once to the tensor's
 * type.  So the loops below call fma() exactly where torch fuses and nowhere
 * else (-std=c11 turns GCC's own contraction off).  On x86 each loop is
 * compiled twice, with and without the FMA instruction set, and the CPU
 * picks at run time: the results are identical (fma is exactly rounded
 * either way), only the speed differs.
 *
 * What it is not: argument checking (optim_lua.c), state management (the
 * Lua layer), sparse gradients.  Elementwise: big arrays are cut into fixed
 * chunks over OpenMP threads, so the bits never depend on the thread count.
 */
#include "optim.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Arrays shorter than this run on the calling thread. */
#define OPTIM_PAR_MIN 65536
#define OPTIM_CHUNK 16384

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define OPTIM_FMA_CLONES 1
#else
#define OPTIM_FMA_CLONES 0
#endif

/* -1: ask the CPU; 0 / 1: forced by optim_set_fma (tests). */
static int fma_mode = -1;

void optim_set_fma(int mode) { fma_mode = mode < 0 ? -1 : mode > 0; }

static int use_fma_clone(void) {
#if OPTIM_FMA_CLONES
  static int cpu = -1;
  if (fma_mode >= 0) return fma_mode;
  if (cpu < 0) {
    __builtin_cpu_init();
    cpu = __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx") ? 1 : 0;
  }
  return cpu;
#else
  return 0;
#endif
}

/* Run span(i0, i1) over [0, n): on one thread when n is small, else over
 * fixed chunks of OPTIM_CHUNK elements shared by the OpenMP threads. */
#define RUN_SPANS(n, CALL)                                                   \
  do {                                                                       \
    int64_t n_ = (n);                                                        \
    int nt_ = credo_threads_get();                                           \
    if (n_ < OPTIM_PAR_MIN || nt_ < 2) {                                     \
      int64_t i0 = 0, i1 = n_;                                               \
      CALL;                                                                  \
    } else {                                                                 \
      int64_t nch_ = (n_ + OPTIM_CHUNK - 1) / OPTIM_CHUNK;                   \
      _Pragma("omp parallel for schedule(static) num_threads(nt_)")          \
      for (int64_t c_ = 0; c_ < nch_; c_++) {                                \
        int64_t i0 = c_ * OPTIM_CHUNK;                                       \
        int64_t i1 = i0 + OPTIM_CHUNK < n_ ? i0 + OPTIM_CHUNK : n_;          \
        CALL;                                                                \
      }                                                                      \
    }                                                                        \
  } while (0)

/* ---- loops, shared by the plain and the FMA-compiled spans ----
 * Loop-invariant choices between two values are selects inside the loop;
 * a state array that may be NULL is a separate loop (a constant argument
 * of the macro). */

#define SGD_LOOP(T, FMA, HASBUF)                                             \
  for (int64_t i = i0; i < i1; i++) {                                   \
    T d = g[i];                                                              \
    d = use_wd ? FMA(wd, p[i], d) : d;                  /* add(p, wd) */     \
    if (HASBUF) {                                                            \
      T b = first ? d : FMA(omd, d, buf[i] * mom);  /* mul_, add_(d) */      \
      buf[i] = b;                                                            \
      d = nesterov ? FMA(mom, b, d) : b;                                     \
    }                                                                        \
    p[i] = FMA(nlr, d, p[i]);                           /* add_(d, -lr) */   \
  }
#define SGD_BODY(T, FMA)                                                     \
  if (buf) SGD_LOOP(T, FMA, 1) else SGD_LOOP(T, FMA, 0)

#define ADAGRAD_BODY(T, FMA, SQRT)                                           \
  for (int64_t i = i0; i < i1; i++) {                                   \
    T d = g[i];                                                              \
    d = use_wd ? FMA(wd, p[i], d) : d;                                       \
    T s = FMA(d, d, sum[i]);                            /* addcmul_(d, d) */ \
    sum[i] = s;                                                              \
    T std = SQRT(s) + eps;                                                   \
    p[i] = p[i] + (nclr * d) / std;                     /* addcdiv_ */       \
  }

#define RMSPROP_LOOP(T, FMA, SQRT, CENTERED, HASBUF)                         \
  for (int64_t i = i0; i < i1; i++) {                                   \
    T d = g[i];                                                              \
    d = use_wd ? FMA(wd, p[i], d) : d;                                       \
    T sq = FMA(oma * d, d, sq_avg[i] * alpha);                               \
    sq_avg[i] = sq;                                                          \
    T avg;                                                                   \
    if (CENTERED) {                                                          \
      T ga = FMA(oma, d, g_avg[i] * alpha);                                  \
      g_avg[i] = ga;                                                         \
      avg = SQRT(FMA(-ga, ga, sq));           /* addcmul(ga, ga, -1) */      \
    } else {                                                                 \
      avg = SQRT(sq);                                                        \
    }                                                                        \
    avg = avg + eps;                                                         \
    if (HASBUF) {                                                            \
      T b = buf[i] * mom + d / avg;           /* mul_, addcdiv_(d, avg) */   \
      buf[i] = b;                                                            \
      p[i] = FMA(nlr, b, p[i]);                                              \
    } else {                                                                 \
      p[i] = p[i] + (nlr * d) / avg;                                         \
    }                                                                        \
  }
#define RMSPROP_BODY(T, FMA, SQRT)                                           \
  if (g_avg && buf) RMSPROP_LOOP(T, FMA, SQRT, 1, 1)                         \
  else if (g_avg) RMSPROP_LOOP(T, FMA, SQRT, 1, 0)                           \
  else if (buf) RMSPROP_LOOP(T, FMA, SQRT, 0, 1)                             \
  else RMSPROP_LOOP(T, FMA, SQRT, 0, 0)

#define ADAM_LOOP(T, FMA, SQRT, AMSGRAD)                                     \
  for (int64_t i = i0; i < i1; i++) {                                   \
    T d = g[i];                                                              \
    T pi = p[i];                                                             \
    pi = decoupled ? pi * decay : pi;           /* AdamW: mul_(1-lr*wd) */   \
    d = l2 ? FMA(wd, pi, d) : d;                /* Adam: add(p, wd) */       \
    T mi = FMA(omb1, d, m[i] * b1);                                          \
    T vi = FMA(omb2 * d, d, v[i] * b2);                                      \
    m[i] = mi;                                                               \
    v[i] = vi;                                                               \
    if (AMSGRAD) {                              /* torch.maximum: NaN wins */ \
      T w = vmax[i];                                                         \
      w = (vi > w || vi != vi) ? vi : w;                                     \
      vmax[i] = w;                                                           \
      vi = w;                                                                \
    }                                                                        \
    T den = SQRT(vi) / bc2s + eps;                                           \
    p[i] = pi + (nss * mi) / den;                                            \
  }
#define ADAM_BODY(T, FMA, SQRT)                                              \
  int l2 = use_wd && !decoupled;                                             \
  if (vmax) ADAM_LOOP(T, FMA, SQRT, 1) else ADAM_LOOP(T, FMA, SQRT, 0)

/* The spans: `static void NAME_span_SFX(...)` plain and `..._fma_SFX`
 * compiled for the FMA instruction set (identical results). */
#if OPTIM_FMA_CLONES
#define PLAIN_ATTR
#define FMA_ATTR __attribute__((target("fma")))
#else
#define PLAIN_ATTR
#define FMA_ATTR
#endif
#define SPAN_PAIR(NAME, SFX, PARAMS, BODY)                                   \
  static PLAIN_ATTR void NAME##_span_##SFX PARAMS { BODY }                   \
  static FMA_ATTR void NAME##_span_fma_##SFX PARAMS { BODY }

#define SGD_PARAMS(T)                                                        \
  (T *p, T *buf, const T *g, int64_t i0, int64_t i1, T nlr, T mom, T omd,    \
   T wd, int use_wd, int nesterov, int first)
#define ADAGRAD_PARAMS(T)                                                    \
  (T *p, T *sum, const T *g, int64_t i0, int64_t i1, T nclr, T wd,          \
   int use_wd, T eps)
#define RMSPROP_PARAMS(T)                                                    \
  (T *p, T *sq_avg, T *g_avg, T *buf, const T *g, int64_t i0, int64_t i1,    \
   T nlr, T alpha, T oma, T eps, T wd, int use_wd, T mom)
#define ADAM_PARAMS(T)                                                       \
  (T *p, T *m, T *v, T *vmax, const T *g, int64_t i0, int64_t i1, T nss,     \
   T b1, T omb1, T b2, T omb2, T bc2s, T eps, T wd, int use_wd, T decay,     \
   int decoupled)

SPAN_PAIR(sgd, f32, SGD_PARAMS(float), SGD_BODY(float, fmaf))
SPAN_PAIR(sgd, f64, SGD_PARAMS(double), SGD_BODY(double, fma))
SPAN_PAIR(adagrad, f32, ADAGRAD_PARAMS(float), ADAGRAD_BODY(float, fmaf, sqrtf))
SPAN_PAIR(adagrad, f64, ADAGRAD_PARAMS(double), ADAGRAD_BODY(double, fma, sqrt))
SPAN_PAIR(rmsprop, f32, RMSPROP_PARAMS(float), RMSPROP_BODY(float, fmaf, sqrtf))
SPAN_PAIR(rmsprop, f64, RMSPROP_PARAMS(double), RMSPROP_BODY(double, fma, sqrt))
/* Adam, the optimiser of every network in the recipes, also has an AVX
 * loop in its FMA span: the same operations on 8 (4) lanes with the
 * same rounding (_mm256_fmadd is fma, sqrt and div are IEEE), then the
 * scalar loop finishes the tail.  GCC does not vectorise the scalar loop
 * itself: fma() and sqrt() may set errno under the default -fmath-errno. */
#if OPTIM_FMA_CLONES
#include <immintrin.h>

#define ADAM_VEC(T, SFX, VT, W, LD, ST, SET1, MUL, DIV, ADD, FMADD, SQRTV,   \
                 CMP, OR, BLEND)                                             \
  static __attribute__((target("avx,fma"))) int64_t adam_vec_##SFX(          \
      T *p, T *m, T *v, T *vmax, const T *g, int64_t i0, int64_t i1, T nss,  \
      T b1, T omb1, T b2, T omb2, T bc2s, T eps, T wd, int l2, T decay,      \
      int decoupled) {                                                       \
    VT vnss = SET1(nss), vb1 = SET1(b1), vomb1 = SET1(omb1), vb2 = SET1(b2); \
    VT vomb2 = SET1(omb2), vbc2s = SET1(bc2s), veps = SET1(eps);             \
    VT vwd = SET1(wd), vdecay = SET1(decay);                                 \
    int64_t i = i0;                                                          \
    for (; i + W <= i1; i += W) {                                            \
      VT d = LD(g + i), pi = LD(p + i);                                      \
      if (decoupled) pi = MUL(pi, vdecay);                                   \
      if (l2) d = FMADD(vwd, pi, d);                                         \
      VT mi = FMADD(vomb1, d, MUL(LD(m + i), vb1));                          \
      VT vi = FMADD(MUL(vomb2, d), d, MUL(LD(v + i), vb2));                  \
      ST(m + i, mi);                                                         \
      ST(v + i, vi);                                                         \
      if (vmax) {                                                            \
        VT w = LD(vmax + i);                                                 \
        VT take = OR(CMP(vi, w, _CMP_GT_OQ), CMP(vi, vi, _CMP_UNORD_Q));     \
        w = BLEND(w, vi, take);                                              \
        ST(vmax + i, w);                                                     \
        vi = w;                                                              \
      }                                                                      \
      VT den = ADD(DIV(SQRTV(vi), vbc2s), veps);                             \
      ST(p + i, ADD(pi, DIV(MUL(vnss, mi), den)));                           \
    }                                                                        \
    return i;                                                                \
  }

ADAM_VEC(float, f32, __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps,
         _mm256_set1_ps, _mm256_mul_ps, _mm256_div_ps, _mm256_add_ps,
         _mm256_fmadd_ps, _mm256_sqrt_ps, _mm256_cmp_ps, _mm256_or_ps,
         _mm256_blendv_ps)
ADAM_VEC(double, f64, __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd,
         _mm256_set1_pd, _mm256_mul_pd, _mm256_div_pd, _mm256_add_pd,
         _mm256_fmadd_pd, _mm256_sqrt_pd, _mm256_cmp_pd, _mm256_or_pd,
         _mm256_blendv_pd)
#define ADAM_VEC_PREFIX(SFX)                                                 \
  i0 = adam_vec_##SFX(p, m, v, vmax, g, i0, i1, nss, b1, omb1, b2, omb2,     \
                      bc2s, eps, wd, use_wd && !decoupled, decay, decoupled);
#else
#define ADAM_VEC_PREFIX(SFX)
#endif

static PLAIN_ATTR void adam_span_f32 ADAM_PARAMS(float) {
  ADAM_BODY(float, fmaf, sqrtf)
}
static FMA_ATTR void adam_span_fma_f32 ADAM_PARAMS(float) {
  ADAM_VEC_PREFIX(f32)
  ADAM_BODY(float, fmaf, sqrtf)
}
static PLAIN_ATTR void adam_span_f64 ADAM_PARAMS(double) {
  ADAM_BODY(double, fma, sqrt)
}
static FMA_ATTR void adam_span_fma_f64 ADAM_PARAMS(double) {
  ADAM_VEC_PREFIX(f64)
  ADAM_BODY(double, fma, sqrt)
}

/* ---- the public kernels: scalars as torch computes them, then spans ---- */

#define DEFINE_KERNELS(T, SFX)                                               \
  void optim_sgd_##SFX(T *p, T *buf, const T *g, int64_t n, double lr,       \
                       double momentum, double dampening,                    \
                       double weight_decay, int nesterov, int first) {       \
    T nlr = (T)(-lr), mom = (T)momentum, omd = (T)(1.0 - dampening);         \
    T wd = (T)weight_decay;                                                  \
    int use_wd = weight_decay != 0;                                          \
    if (momentum == 0) buf = NULL;                                           \
    int fm = use_fma_clone();                                                \
    RUN_SPANS(n, (fm ? sgd_span_fma_##SFX : sgd_span_##SFX)(                 \
                     p, buf, g, i0, i1, nlr, mom, omd, wd, use_wd, nesterov, \
                     first));                                                \
  }                                                                          \
                                                                             \
  void optim_adagrad_##SFX(T *p, T *sum, const T *g, int64_t n,              \
                           int64_t step, double lr, double lr_decay,         \
                           double weight_decay, double eps) {                \
    assert(step >= 1);                                                       \
    double clr = lr / (1 + (double)(step - 1) * lr_decay);                   \
    T nclr = (T)(-clr), wd = (T)weight_decay, e = (T)eps;                    \
    int use_wd = weight_decay != 0;                                          \
    int fm = use_fma_clone();                                                \
    RUN_SPANS(n, (fm ? adagrad_span_fma_##SFX : adagrad_span_##SFX)(         \
                     p, sum, g, i0, i1, nclr, wd, use_wd, e));               \
  }                                                                          \
                                                                             \
  void optim_rmsprop_##SFX(T *p, T *square_avg, T *grad_avg, T *buf,         \
                           const T *g, int64_t n, double lr, double alpha,   \
                           double eps, double weight_decay,                  \
                           double momentum) {                                \
    T nlr = (T)(-lr), a = (T)alpha, oma = (T)(1.0 - alpha), e = (T)eps;      \
    T wd = (T)weight_decay, mom = (T)momentum;                               \
    int use_wd = weight_decay != 0;                                          \
    if (!(momentum > 0)) buf = NULL;                                         \
    int fm = use_fma_clone();                                                \
    RUN_SPANS(n, (fm ? rmsprop_span_fma_##SFX : rmsprop_span_##SFX)(         \
                     p, square_avg, grad_avg, buf, g, i0, i1, nlr, a, oma,   \
                     e, wd, use_wd, mom));                                   \
  }                                                                          \
                                                                             \
  void optim_adam_##SFX(T *p, T *m, T *v, T *vmax, const T *g, int64_t n,   \
                        int64_t step, double lr, double beta1, double beta2, \
                        double eps, double weight_decay, int decoupled) {    \
    assert(step >= 1);                                                       \
    double bc1 = 1 - pow(beta1, (double)step);                               \
    double bc2 = 1 - pow(beta2, (double)step);                               \
    double step_size = lr / bc1;                                             \
    T nss = (T)(-step_size), bc2s = (T)sqrt(bc2);                            \
    T b1 = (T)beta1, omb1 = (T)(1.0 - beta1), b2 = (T)beta2;                 \
    T omb2 = (T)(1.0 - beta2), e = (T)eps, wd = (T)weight_decay;             \
    T decay = (T)(1.0 - lr * weight_decay);                                  \
    int use_wd = weight_decay != 0;                                          \
    int fm = use_fma_clone();                                                \
    RUN_SPANS(n, (fm ? adam_span_fma_##SFX : adam_span_##SFX)(               \
                     p, m, v, vmax, g, i0, i1, nss, b1, omb1, b2, omb2,      \
                     bc2s, e, wd, use_wd, decay, decoupled));                \
  }

DEFINE_KERNELS(float, f32)
DEFINE_KERNELS(double, f64)

/* ---- _ref twins: one whole-array pass per torch operation ----
 * tmp arrays stand for torch's temporaries (grad.add(...) returns a new
 * tensor; sqrt() does too). */

#define PASS(i, n) for (int64_t i = 0; i < (n); i++)

#define DEFINE_REFS(T, SFX, FMA, SQRT)                                       \
  /* d = weight_decay != 0 ? g.add(p, alpha=wd) : g, into a fresh array */   \
  static T *grad_with_decay_##SFX(const T *g, const T *p, int64_t n,         \
                                  double weight_decay) {                     \
    T *d = malloc((size_t)(n > 0 ? n : 1) * sizeof(T));                      \
    if (!d) return NULL;                                                     \
    if (n > 0) memcpy(d, g, (size_t)n * sizeof(T));                          \
    if (weight_decay != 0) {                                                 \
      T wd = (T)weight_decay;                                                \
      PASS(i, n) d[i] = FMA(wd, p[i], d[i]);                                 \
    }                                                                        \
    return d;                                                                \
  }                                                                          \
                                                                             \
  credo_status optim_sgd_ref_##SFX(T *p, T *buf, const T *g, int64_t n,      \
                                   double lr, double momentum,               \
                                   double dampening, double weight_decay,    \
                                   int nesterov, int first) {                \
    T *d = grad_with_decay_##SFX(g, p, n, weight_decay);                     \
    if (!d) return CREDO_ENOMEM;                                             \
    if (momentum != 0) {                                                     \
      if (first) {                                                           \
        PASS(i, n) buf[i] = d[i];                       /* clone */          \
      } else {                                                               \
        PASS(i, n) buf[i] = buf[i] * (T)momentum;       /* mul_ */           \
        PASS(i, n) buf[i] = FMA((T)(1.0 - dampening), d[i], buf[i]);         \
      }                                                                      \
      if (nesterov) {                                                        \
        PASS(i, n) d[i] = FMA((T)momentum, buf[i], d[i]);                    \
      } else {                                                               \
        PASS(i, n) d[i] = buf[i];                                            \
      }                                                                      \
    }                                                                        \
    PASS(i, n) p[i] = FMA((T)(-lr), d[i], p[i]);                             \
    free(d);                                                                 \
    return CREDO_OK;                                                         \
  }                                                                          \
                                                                             \
  credo_status optim_adagrad_ref_##SFX(T *p, T *sum, const T *g, int64_t n,  \
                                       int64_t step, double lr,              \
                                       double lr_decay, double weight_decay, \
                                       double eps) {                         \
    T *d = grad_with_decay_##SFX(g, p, n, weight_decay);                     \
    if (!d) return CREDO_ENOMEM;                                             \
    double clr = lr / (1 + (double)(step - 1) * lr_decay);                   \
    PASS(i, n) sum[i] = FMA((T)1 * d[i], d[i], sum[i]); /* addcmul_ */       \
    T *std = malloc((size_t)(n > 0 ? n : 1) * sizeof(T));                    \
    if (!std) { free(d); return CREDO_ENOMEM; }                              \
    PASS(i, n) std[i] = SQRT(sum[i]);                                        \
    PASS(i, n) std[i] = std[i] + (T)eps;                                     \
    PASS(i, n) p[i] = p[i] + ((T)(-clr) * d[i]) / std[i];                    \
    free(std);                                                               \
    free(d);                                                                 \
    return CREDO_OK;                                                         \
  }                                                                          \
                                                                             \
  credo_status optim_rmsprop_ref_##SFX(T *p, T *square_avg, T *grad_avg,     \
                                       T *buf, const T *g, int64_t n,        \
                                       double lr, double alpha, double eps,  \
                                       double weight_decay,                  \
                                       double momentum) {                    \
    T *d = grad_with_decay_##SFX(g, p, n, weight_decay);                     \
    T *avg = malloc((size_t)(n > 0 ? n : 1) * sizeof(T));                    \
    if (!d || !avg) { free(d); free(avg); return CREDO_ENOMEM; }             \
    PASS(i, n) square_avg[i] = square_avg[i] * (T)alpha;                     \
    PASS(i, n) square_avg[i] =                                               \
        FMA((T)(1.0 - alpha) * d[i], d[i], square_avg[i]);                   \
    if (grad_avg) {                                                          \
      PASS(i, n) grad_avg[i] = grad_avg[i] * (T)alpha;                       \
      PASS(i, n) grad_avg[i] = FMA((T)(1.0 - alpha), d[i], grad_avg[i]);     \
      PASS(i, n) avg[i] = FMA((T)-1 * grad_avg[i], grad_avg[i],              \
                              square_avg[i]);                                \
      PASS(i, n) avg[i] = SQRT(avg[i]);                                      \
    } else {                                                                 \
      PASS(i, n) avg[i] = SQRT(square_avg[i]);                               \
    }                                                                        \
    PASS(i, n) avg[i] = avg[i] + (T)eps;                                     \
    if (momentum > 0) {                                                      \
      PASS(i, n) buf[i] = buf[i] * (T)momentum;                              \
      PASS(i, n) buf[i] = buf[i] + ((T)1 * d[i]) / avg[i];                   \
      PASS(i, n) p[i] = FMA((T)(-lr), buf[i], p[i]);                         \
    } else {                                                                 \
      PASS(i, n) p[i] = p[i] + ((T)(-lr) * d[i]) / avg[i];                   \
    }                                                                        \
    free(avg);                                                               \
    free(d);                                                                 \
    return CREDO_OK;                                                         \
  }                                                                          \
                                                                             \
  credo_status optim_adam_ref_##SFX(T *p, T *m, T *v, T *vmax, const T *g,  \
                                    int64_t n, int64_t step, double lr,      \
                                    double beta1, double beta2, double eps,  \
                                    double weight_decay, int decoupled) {    \
    T *d = grad_with_decay_##SFX(g, p, n, decoupled ? 0.0 : weight_decay);   \
    T *den = malloc((size_t)(n > 0 ? n : 1) * sizeof(T));                    \
    if (!d || !den) { free(d); free(den); return CREDO_ENOMEM; }             \
    if (decoupled) PASS(i, n) p[i] = p[i] * (T)(1.0 - lr * weight_decay);    \
    PASS(i, n) m[i] = m[i] * (T)beta1;                                       \
    PASS(i, n) m[i] = FMA((T)(1.0 - beta1), d[i], m[i]);                     \
    PASS(i, n) v[i] = v[i] * (T)beta2;                                       \
    PASS(i, n) v[i] = FMA((T)(1.0 - beta2) * d[i], d[i], v[i]);              \
    double bc1 = 1 - pow(beta1, (double)step);                               \
    double bc2 = 1 - pow(beta2, (double)step);                               \
    double step_size = lr / bc1;                                             \
    const T *vv = v;                                                         \
    if (vmax) {                                                              \
      PASS(i, n) vmax[i] = (v[i] > vmax[i] || v[i] != v[i]) ? v[i] : vmax[i]; \
      vv = vmax;                                                             \
    }                                                                        \
    PASS(i, n) den[i] = SQRT(vv[i]);                                         \
    PASS(i, n) den[i] = den[i] / (T)sqrt(bc2);                               \
    PASS(i, n) den[i] = den[i] + (T)eps;                                     \
    PASS(i, n) p[i] = p[i] + ((T)(-step_size) * m[i]) / den[i];              \
    free(den);                                                               \
    free(d);                                                                 \
    return CREDO_OK;                                                         \
  }

DEFINE_REFS(float, f32, fmaf, sqrtf)
DEFINE_REFS(double, f64, fma, sqrt)

/* ---- norms for gradient clipping ---- */

#define DEFINE_NORMS(T, SFX)                                                 \
  double optim_sumsq_##SFX(const T *x, int64_t n) {                          \
    double a[4] = {0, 0, 0, 0};                                              \
    int64_t i = 0;                                                           \
    for (; i + 4 <= n; i += 4)                                               \
      for (int k = 0; k < 4; k++) a[k] += (double)x[i + k] * x[i + k];       \
    for (int k = 0; i < n; i++, k++) a[k] += (double)x[i] * x[i];            \
    return (a[0] + a[1]) + (a[2] + a[3]);                                    \
  }                                                                          \
  double optim_powsum_##SFX(const T *x, int64_t n, double p) {               \
    double a = 0;                                                            \
    for (int64_t i = 0; i < n; i++) a += pow(fabs((double)x[i]), p);         \
    return a;                                                                \
  }                                                                          \
  double optim_absmax_##SFX(const T *x, int64_t n) {                         \
    double m = 0;                                                            \
    for (int64_t i = 0; i < n; i++) {                                        \
      double a = fabs((double)x[i]);                                         \
      if (a > m || a != a) m = a;                                            \
      if (m != m) break;                                                     \
    }                                                                        \
    return m;                                                                \
  }                                                                          \
  void optim_scale_##SFX(T *x, int64_t n, double c) {                        \
    T s = (T)c;                                                              \
    for (int64_t i = 0; i < n; i++) x[i] = x[i] * s;                         \
  }

DEFINE_NORMS(float, f32)
DEFINE_NORMS(double, f64)
