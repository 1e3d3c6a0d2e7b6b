/* spr_qgemm.c: int8 quantization of weights and activations, the scalar reference product and the
 * dispatcher (see spr_qgemm.h). */
#include "spr_qgemm.h"

#include "spr_qgemm_impl.h"

_Static_assert((int)SPR_QGEMM_ISA_AVX512VNNI == (int)SPR_CPU_ISA_AVX512VNNI &&
                   (int)SPR_QGEMM_ISA_SCALAR == (int)SPR_CPU_ISA_SCALAR && (int)SPR_QGEMM_ISA_AUTO == (int)SPR_CPU_ISA_AUTO,
               "spr_qgemm_isa follows spr_cpu_isa");

size_t spr_qgemm_kpad(size_t k) { return (k + SPR_QGEMM_KG - 1) / SPR_QGEMM_KG * SPR_QGEMM_KG; }
size_t spr_qgemm_npad(size_t n) { return (n + SPR_QGEMM_NB - 1) / SPR_QGEMM_NB * SPR_QGEMM_NB; }
size_t spr_qgemm_packed_size(size_t n, size_t k) { return spr_qgemm_npad(n) * spr_qgemm_kpad(k); }

/* Round to nearest, ties to even, for |x| < 2^22: adding and removing 1.5 * 2^23 leaves the
 * integer in the mantissa. A plain float expression (no libm call), so the loops vectorize; the
 * callers keep |x| <= 2^9. */
static inline float spr_qgemm_rint(float x) { return (x + 12582912.0f) - 12582912.0f; }

/* x clamped to [lo, hi]; NaN becomes lo (the comparisons are false). */
static inline float spr_qgemm_clamp(float x, float lo, float hi) {
  x = x > lo ? x : lo;
  return x < hi ? x : hi;
}

void spr_qgemm_pack(size_t n, size_t k, const float *W, size_t ldw, size_t n0, size_t n1, int8_t *w, float *scale,
                    int32_t *colsum) {
  const size_t kp = spr_qgemm_kpad(k);
  for (size_t r = n0; r < n1; r++) {
    const float *row = W + r * ldw;
    float amax = 0.0f;
    for (size_t j = 0; j < k; j++) {
      const float a = row[j] < 0.0f ? -row[j] : row[j];
      amax = a > amax ? a : amax;
    }
    const float s = amax > 0.0f ? amax / 127.0f : 1.0f, inv = 1.0f / s;
    int32_t sum = 0;
    for (size_t j = 0; j < kp; j++) {
      const int8_t q = j < k ? (int8_t)spr_qgemm_clamp(spr_qgemm_rint(row[j] * inv), -127.0f, 127.0f) : 0;
      w[spr_qgemm_at(kp, r, j)] = q;
      sum += q;
    }
    scale[r] = s;
    colsum[r] = sum;
  }
  if (n1 == n) /* padding channels: zero weights */
    for (size_t r = n; r < spr_qgemm_npad(n); r++) {
      for (size_t j = 0; j < kp; j++) w[spr_qgemm_at(kp, r, j)] = 0;
      scale[r] = 1.0f;
      colsum[r] = 0;
    }
}

void spr_qgemm_quantize_rows(size_t m, size_t k, const float *A, size_t lda, uint8_t *aq, size_t ldq, float *sa,
                             int32_t *za) {
  const size_t kp = spr_qgemm_kpad(k);
  for (size_t i = 0; i < m; i++) {
    const float *a = A + i * lda;
    uint8_t *q = aq + i * ldq;
    float lo = 0.0f, hi = 0.0f; /* the range always holds 0, so 0.0 is exact (zero point) */
#pragma omp simd reduction(min : lo) reduction(max : hi)
    for (size_t j = 0; j < k; j++) {
      lo = a[j] < lo ? a[j] : lo;
      hi = a[j] > hi ? a[j] : hi;
    }
    const float s = hi - lo > 0.0f ? (hi - lo) / 255.0f : 1.0f, inv = 1.0f / s;
    const float z = spr_qgemm_clamp(spr_qgemm_rint(-lo * inv), 0.0f, 255.0f);
#pragma omp simd
    for (size_t j = 0; j < k; j++) q[j] = (uint8_t)(int32_t)spr_qgemm_clamp(spr_qgemm_rint(a[j] * inv) + z, 0.0f, 255.0f);
    for (size_t j = k; j < kp; j++) q[j] = 0;
    sa[i] = s;
    za[i] = (int32_t)z;
  }
}

/* The reference: one output at a time, straight from the definition. */
static void spr_qgemm_scalar(size_t m, size_t n0, size_t n1, const uint8_t *aq, size_t ldq, const float *sa,
                             const int32_t *za, const spr_qweight *W, float *C, size_t ldc) {
  const size_t kp = spr_qgemm_kpad(W->k);
  for (size_t i = 0; i < m; i++)
    for (size_t j = n0; j < n1; j++) {
      int32_t acc = 0;
      for (size_t k = 0; k < kp; k++) acc += (int32_t)aq[i * ldq + k] * (int32_t)W->w[spr_qgemm_at(kp, j, k)];
      const float s = sa[i] * W->scale[j];
      C[i * ldc + (j - n0)] = (float)(acc - za[i] * W->colsum[j]) * s;
    }
}

int spr_qgemm_isa_supported(spr_qgemm_isa isa) {
  if (isa == SPR_QGEMM_ISA_AVX512VNNI) return SPR_QGEMM_HAVE_AVX512VNNI && spr_cpu_supports(SPR_CPU_ISA_AVX512VNNI);
  return isa == SPR_QGEMM_ISA_AUTO || isa == SPR_QGEMM_ISA_SCALAR;
}

spr_qgemm_isa spr_qgemm_isa_best(void) {
  return spr_qgemm_isa_supported(SPR_QGEMM_ISA_AVX512VNNI) ? SPR_QGEMM_ISA_AVX512VNNI : SPR_QGEMM_ISA_SCALAR;
}

const char *spr_qgemm_isa_name(spr_qgemm_isa isa) {
  return isa == SPR_QGEMM_ISA_AUTO || isa == SPR_QGEMM_ISA_SCALAR || isa == SPR_QGEMM_ISA_AVX512VNNI
             ? spr_cpu_isa_name((spr_cpu_isa)isa)
             : "?";
}

void spr_qgemm(spr_qgemm_isa isa, size_t m, size_t n0, size_t n1, const uint8_t *aq, size_t ldq, const float *sa,
               const int32_t *za, const spr_qweight *W, float *C, size_t ldc) {
  if (isa == SPR_QGEMM_ISA_AUTO) isa = spr_qgemm_isa_best();
#if SPR_QGEMM_HAVE_AVX512VNNI
  if (isa == SPR_QGEMM_ISA_AVX512VNNI) {
    spr_qgemm_avx512vnni(m, n0, n1, aq, ldq, sa, za, W, C, ldc);
    return;
  }
#endif
  spr_qgemm_scalar(m, n0, n1, aq, ldq, sa, za, W, C, ldc);
}
