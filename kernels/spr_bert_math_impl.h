/* spr_bert_math_impl.h: the element functions and row kernels behind spr_bert_math.h, written once
 * and compiled twice: by spr_bert_math.c for the baseline ISA (the scalar reference; the compiler
 * may still use SSE2 on x86-64) and by spr_bert_math_avx2.c inside functions with
 * target("avx2"). Private to kernels/.
 *
 * Everything here is plain C that GCC and Clang vectorize: no calls (fabsf is a builtin), no
 * branches in the loops (both sides of each select are computed), no libm. The two builds give
 * the same bits: the element functions are a fixed sequence of IEEE operations (no FMA: the AVX2
 * target does not enable it and ISO C mode keeps -ffp-contract=off), and reductions accumulate
 * in SPR_BM_LANES explicit lanes combined in a fixed tree, so their order does not depend on the
 * vector width.
 *
 * Polynomial coefficients: weighted minimax fits (Lawson iterations on 4,000-6,000 Chebyshev
 * nodes, float64), rounded to float; the error bounds in docs/encode.md are measured in float
 * against libm's double functions (tests/unit/bert_test.c checks them). */
#ifndef SPR_BERT_MATH_IMPL_H
#define SPR_BERT_MATH_IMPL_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "spr_bert_math.h"

#include "spr_cpu.h"

#define SPR_BERT_MATH_HAVE_AVX2 SPR_CPU_X86 /* x86 variants compiled (spr_cpu.h) */

#if defined(_OPENMP)
#define SPR_BM_SIMD _Pragma("omp simd")
#elif defined(__clang__)
#define SPR_BM_SIMD _Pragma("clang loop vectorize(enable)")
#elif defined(__GNUC__)
#define SPR_BM_SIMD _Pragma("GCC ivdep")
#else
#define SPR_BM_SIMD
#endif

#if defined(__GNUC__)
#define SPR_BM_INLINE static inline __attribute__((always_inline))
#else
#define SPR_BM_INLINE static inline
#endif

enum { SPR_BM_LANES = 16 }; /* reduction lanes: one AVX-512, two AVX2 or four SSE registers */

/* ---- element functions ------------------------------------------------------------------- */

SPR_BM_INLINE float spr_bm_bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

SPR_BM_INLINE uint32_t spr_bm_float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

/* c ? a : b without a branch: a select on a bit mask, which GCC's if-conversion never has to
 * prove safe (a plain `?:` on floats becomes a branch under -ftrapping-math, and jump threading
 * then duplicates the float operations after it, which stops the vectorizer). */
SPR_BM_INLINE float spr_bm_sel(int c, float a, float b) {
  const uint32_t m = (uint32_t)0 - (uint32_t)c;
  return spr_bm_bits_float((spr_bm_float_bits(a) & m) | (spr_bm_float_bits(b) & ~m));
}

/* e^x. x is clamped to [-104, 88.5] (e^-104 is below half the smallest subnormal; e^88.5 is
 * below FLT_MAX), reduced as x = k ln2 + r with |r| <= ln2/2 (k = round(x / ln2) by the 1.5 * 2^23
 * trick, ln2 split in a 9-bit head and a tail so that k * head is exact), e^r = 1 + r + r^2 q(r)
 * with q of degree 4, and scaled by 2^(k/2) * 2^(k - k/2) so that results down to the subnormal
 * range are formed by one final rounding. */
SPR_BM_INLINE float spr_bm_exp(float x) {
  x = spr_bm_sel(x < -104.0f, -104.0f, x);
  x = spr_bm_sel(x > 88.5f, 88.5f, x);
  const float kf = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - kf * 0.693359375f) - kf * -2.12194440e-4f;
  const float q =
      4.999999404e-01f +
      r * (1.666651517e-01f + r * (4.166845605e-02f + r * (8.369418792e-03f + r * 1.381314476e-03f)));
  const float p = 1.0f + (r + (r * r) * q);
  const int32_t k = (int32_t)kf, k1 = k / 2, k2 = k - k1;
  return p * spr_bm_bits_float((uint32_t)(k1 + 127) << 23) * spr_bm_bits_float((uint32_t)(k2 + 127) << 23);
}

/* erf(a) for 0 <= a < 1: a * P(a^2), P of degree 6 (fit error 6.2e-10). */
SPR_BM_INLINE float spr_bm_erf_small(float a) {
  const float s = a * a;
  const float p =
      1.128379107e+00f +
      s * (-3.761260509e-01f +
           s * (1.128341332e-01f +
                s * (-2.684794739e-02f + s * (5.178571213e-03f + s * (-7.932094741e-04f + s * 7.613003982e-05f)))));
  return a * p;
}

/* erfc(a) for a >= 1: e^(-a^2) * Q(t), t = 1 / (1 + a/2), Q of degree 8 (fit relative error 8.1e-9
 * on [1, 12]; the t form keeps Q smooth up to infinity, where e^(-a^2) is 0 anyway). */
SPR_BM_INLINE float spr_bm_erfc_big(float a) {
  const float t = 1.0f / (1.0f + 0.5f * a);
  const float q =
      -1.935617320e-06f +
      t * (2.821471095e-01f +
           t * (2.815231085e-01f +
                t * (2.499788404e-01f +
                     t * (1.681746542e-01f +
                          t * (8.405600488e-02f + t * (5.216663703e-02f + t * (-2.042102516e-01f + t * 8.666735888e-02f)))))));
  return spr_bm_exp(-(a * a)) * q;
}

/* erf(x): the small form below |x| = 1, 1 - erfc beyond (exactly +-1 once erfc < 2^-25). */
SPR_BM_INLINE float spr_bm_erf(float x) {
  const float a = __builtin_fabsf(x);
  const int small = a < 1.0f;
  const float lo = spr_bm_erf_small(spr_bm_sel(small, a, 0.0f));
  const float hi = 1.0f - spr_bm_erfc_big(spr_bm_sel(small, 1.0f, a));
  const float e = spr_bm_sel(small, lo, hi);
  return spr_bm_sel(x < 0.0f, -e, e);
}

/* gelu(x) = x/2 * (1 + erf(x / sqrt 2)). 1 + erf(v) is formed without cancellation on the
 * negative side: erfc(|v|), which for |v| >= 1 is the e^(-a^2) Q form itself. */
SPR_BM_INLINE float spr_bm_gelu(float x) {
  const float v = x * 0.70710678118654752f;
  const float a = __builtin_fabsf(v);
  const int small = a < 1.0f;
  const float lo = spr_bm_erf_small(spr_bm_sel(small, a, 0.0f));
  const float hi = spr_bm_erfc_big(spr_bm_sel(small, 1.0f, a));
  const float pos = spr_bm_sel(small, 1.0f + lo, 2.0f - hi); /* 1 + erf(a) */
  const float neg = spr_bm_sel(small, 1.0f - lo, hi);        /* erfc(a) = 1 + erf(-a) */
  return 0.5f * x * spr_bm_sel(v < 0.0f, neg, pos);
}

/* ---- reductions in fixed lanes ------------------------------------------------------------ */

SPR_BM_INLINE float spr_bm_lanes_sum(float *acc) {
  for (int w = SPR_BM_LANES / 2; w > 0; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  return acc[0];
}

SPR_BM_INLINE double spr_bm_lanes_sumd(double *acc) {
  for (int w = SPR_BM_LANES / 2; w > 0; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  return acc[0];
}

/* ---- row kernels (the spr_bert_math_ops entries) ------------------------------------------- */

SPR_BM_INLINE void spr_bm_exp_n(size_t n, float *y, const float *x) {
  SPR_BM_SIMD
  for (size_t i = 0; i < n; i++) y[i] = spr_bm_exp(x[i]);
}

SPR_BM_INLINE void spr_bm_erf_n(size_t n, float *y, const float *x) {
  SPR_BM_SIMD
  for (size_t i = 0; i < n; i++) y[i] = spr_bm_erf(x[i]);
}

SPR_BM_INLINE void spr_bm_bias_gelu(size_t rows, size_t n, float *x, const float *bias) {
  for (size_t r = 0; r < rows; r++) {
    float *const row = x + r * n;
    SPR_BM_SIMD
    for (size_t i = 0; i < n; i++) row[i] = spr_bm_gelu(row[i] + bias[i]);
  }
}

SPR_BM_INLINE void spr_bm_add_bias(size_t rows, size_t n, float *x, const float *bias) {
  for (size_t r = 0; r < rows; r++) {
    float *const row = x + r * n;
    SPR_BM_SIMD
    for (size_t i = 0; i < n; i++) row[i] += bias[i];
  }
}

SPR_BM_INLINE void spr_bm_softmax(size_t rows, size_t n, float *s) {
  if (n == 0) return;
  for (size_t r = 0; r < rows; r++) {
    float *const row = s + r * n;
    float mx[SPR_BM_LANES];
    for (int j = 0; j < SPR_BM_LANES; j++) mx[j] = row[0];
    size_t i = 0;
    for (; i + SPR_BM_LANES <= n; i += SPR_BM_LANES)
      for (int j = 0; j < SPR_BM_LANES; j++) mx[j] = row[i + j] > mx[j] ? row[i + j] : mx[j];
    for (size_t j = 0; i + j < n; j++) mx[j] = row[i + j] > mx[j] ? row[i + j] : mx[j];
    float m = mx[0];
    for (int j = 1; j < SPR_BM_LANES; j++) m = mx[j] > m ? mx[j] : m; /* max: order-free */
    const float neg = -m;
    SPR_BM_SIMD
    for (size_t k = 0; k < n; k++) row[k] = spr_bm_exp(row[k] + neg);
    float acc[SPR_BM_LANES] = {0};
    for (i = 0; i + SPR_BM_LANES <= n; i += SPR_BM_LANES)
      for (int j = 0; j < SPR_BM_LANES; j++) acc[j] += row[i + j];
    for (size_t j = 0; i + j < n; j++) acc[j] += row[i + j];
    const float inv = 1.0f / spr_bm_lanes_sum(acc);
    SPR_BM_SIMD
    for (size_t k = 0; k < n; k++) row[k] *= inv;
  }
}

/* x[r] = LN(x[r] + bias + res[r]) * g + b, bias and res optional; statistics in double. */
SPR_BM_INLINE void spr_bm_add_ln(size_t rows, size_t n, float *x, const float *res, const float *bias,
                                 const float *g, const float *b, float eps) {
  for (size_t r = 0; r < rows; r++) {
    float *const row = x + r * n;
    if (bias && res) {
      const float *const rr = res + r * n;
      SPR_BM_SIMD
      for (size_t i = 0; i < n; i++) row[i] = row[i] + bias[i] + rr[i];
    } else if (bias) {
      SPR_BM_SIMD
      for (size_t i = 0; i < n; i++) row[i] += bias[i];
    } else if (res) {
      const float *const rr = res + r * n;
      SPR_BM_SIMD
      for (size_t i = 0; i < n; i++) row[i] += rr[i];
    }
    double acc[SPR_BM_LANES] = {0};
    size_t i = 0;
    for (; i + SPR_BM_LANES <= n; i += SPR_BM_LANES)
      for (int j = 0; j < SPR_BM_LANES; j++) acc[j] += (double)row[i + j];
    for (size_t j = 0; i + j < n; j++) acc[j] += (double)row[i + j];
    const float mean = (float)(spr_bm_lanes_sumd(acc) / (double)n);
    double vacc[SPR_BM_LANES] = {0};
    for (i = 0; i + SPR_BM_LANES <= n; i += SPR_BM_LANES)
      for (int j = 0; j < SPR_BM_LANES; j++) {
        const double d = (double)(row[i + j] - mean);
        vacc[j] += d * d;
      }
    for (size_t j = 0; i + j < n; j++) {
      const double d = (double)(row[i + j] - mean);
      vacc[j] += d * d;
    }
    const float inv = (float)(1.0 / __builtin_sqrt(spr_bm_lanes_sumd(vacc) / (double)n + (double)eps));
    SPR_BM_SIMD
    for (size_t k = 0; k < n; k++) row[k] = (row[k] - mean) * inv * g[k] + b[k];
  }
}

/* out[i] = max(out[i], tile[t * stride + i]) for t in [0, rows). */
SPR_BM_INLINE void spr_bm_max_rows(size_t rows, size_t n, float *out, const float *tile, size_t stride) {
  for (size_t t = 0; t < rows; t++) {
    const float *const row = tile + t * stride;
    SPR_BM_SIMD
    for (size_t i = 0; i < n; i++) out[i] = row[i] > out[i] ? row[i] : out[i];
  }
}

/* The kernels of one variant. */
#define SPR_BM_DECLARE(sfx)                                                                              \
  void spr_bert_math_exp_##sfx(size_t n, float *y, const float *x);                                     \
  void spr_bert_math_erf_##sfx(size_t n, float *y, const float *x);                                     \
  void spr_bert_math_bias_gelu_##sfx(size_t rows, size_t n, float *x, const float *bias);               \
  void spr_bert_math_add_bias_##sfx(size_t rows, size_t n, float *x, const float *bias);                \
  void spr_bert_math_softmax_##sfx(size_t rows, size_t n, float *s);                                    \
  void spr_bert_math_add_ln_##sfx(size_t rows, size_t n, float *x, const float *res, const float *bias, \
                                  const float *g, const float *b, float eps);                           \
  void spr_bert_math_max_rows_##sfx(size_t rows, size_t n, float *out, const float *tile, size_t stride);

SPR_BM_DECLARE(scalar)
#if SPR_BERT_MATH_HAVE_AVX2
SPR_BM_DECLARE(avx2)
#endif

/* Definitions of one variant's kernels; attr is the function attribute (target) or nothing. */
#define SPR_BM_DEFINE(sfx, attr)                                                                          \
  attr void spr_bert_math_exp_##sfx(size_t n, float *y, const float *x) { spr_bm_exp_n(n, y, x); }       \
  attr void spr_bert_math_erf_##sfx(size_t n, float *y, const float *x) { spr_bm_erf_n(n, y, x); }       \
  attr void spr_bert_math_bias_gelu_##sfx(size_t rows, size_t n, float *x, const float *bias) {          \
    spr_bm_bias_gelu(rows, n, x, bias);                                                                  \
  }                                                                                                      \
  attr void spr_bert_math_add_bias_##sfx(size_t rows, size_t n, float *x, const float *bias) {           \
    spr_bm_add_bias(rows, n, x, bias);                                                                   \
  }                                                                                                      \
  attr void spr_bert_math_softmax_##sfx(size_t rows, size_t n, float *s) { spr_bm_softmax(rows, n, s); } \
  attr void spr_bert_math_add_ln_##sfx(size_t rows, size_t n, float *x, const float *res,                \
                                       const float *bias, const float *g, const float *b, float eps) {   \
    spr_bm_add_ln(rows, n, x, res, bias, g, b, eps);                                                     \
  }                                                                                                      \
  attr void spr_bert_math_max_rows_##sfx(size_t rows, size_t n, float *out, const float *tile,           \
                                         size_t stride) {                                                \
    spr_bm_max_rows(rows, n, out, tile, stride);                                                         \
  }

#endif /* SPR_BERT_MATH_IMPL_H */
