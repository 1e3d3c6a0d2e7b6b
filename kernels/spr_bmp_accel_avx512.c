/* spr_bmp_accel_avx512.c: AVX-512 (F + BW) variant of the dense bound sum and candidate selection of
 * the accelerated BMP search, checked against spr_bmp_accel_dense_scalar by tests/unit/bmp_test.c
 * (identical output). The AVX2 kernel's scheme at twice the width: 64 blocks per step, two rows
 * added per _mm512_madd_epi16 on interleaved bytes. The pass is not bound by memory bandwidth but by
 * instructions (~130 per 32 blocks for 15 rows with AVX2): half as many steps make it ~2x cheaper on
 * a core with full-width AVX-512 (docs/bmp.md, "Session 13"). A last group of 32 blocks (n is a
 * multiple of 32) is read with 32-byte loads. Compiled with a target attribute, called only after
 * __builtin_cpu_supports("avx512bw"). */
#include "spr_bmp_impl.h"

#if SPR_BMP_HAVE_AVX2
#include <immintrin.h>

__attribute__((target("avx512f,avx512bw"))) uint32_t
spr_bmp_accel_dense_avx512(const uint32_t *bound, const uint8_t *const *rows, const uint32_t *w, uint32_t n_rows,
                            uint32_t n, uint32_t avail, uint32_t lo, uint32_t *cid, uint32_t *cb) {
  const __m512i lov = _mm512_set1_epi32((int)lo), zero = _mm512_setzero_si512();
  uint32_t k = 0;
  for (uint32_t b = 0; b < n; b += 64) {
    const int full = b + 64 <= n; /* else 32 blocks left: 32-byte loads, zero extended */
    /* p[q], 128-bit lane L holds blocks 16L + 4q .. 16L + 4q + 3 (the unpacks work within lanes) */
    __m512i p[4] = {zero, zero, zero, zero};
    for (uint32_t i = 0; i < n_rows; i += 2) {
      const uint32_t j = i + 1 < n_rows ? i + 1 : i; /* an odd last row pairs with itself, weight 0 */
      if (b + 1024 < avail) {
        _mm_prefetch((const char *)(rows[i] + b + 1024), _MM_HINT_T0);
        _mm_prefetch((const char *)(rows[j] + b + 1024), _MM_HINT_T0);
      }
      const __m512i xa = full ? _mm512_loadu_si512((const void *)(rows[i] + b))
                              : _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(rows[i] + b)));
      const __m512i xb = full ? _mm512_loadu_si512((const void *)(rows[j] + b))
                              : _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(rows[j] + b)));
      const __m512i wv = _mm512_set1_epi32((int)(w[i] | (j != i ? w[j] : 0u) << 16));
      const __m512i lo8 = _mm512_unpacklo_epi8(xa, xb), hi8 = _mm512_unpackhi_epi8(xa, xb);
      p[0] = _mm512_add_epi32(p[0], _mm512_madd_epi16(_mm512_unpacklo_epi8(lo8, zero), wv));
      p[1] = _mm512_add_epi32(p[1], _mm512_madd_epi16(_mm512_unpackhi_epi8(lo8, zero), wv));
      p[2] = _mm512_add_epi32(p[2], _mm512_madd_epi16(_mm512_unpacklo_epi8(hi8, zero), wv));
      p[3] = _mm512_add_epi32(p[3], _mm512_madd_epi16(_mm512_unpackhi_epi8(hi8, zero), wv));
    }
    /* a 4 x 4 transpose of 128-bit lanes puts blocks 16L .. 16L + 15 in a[L], then the bounds */
    const __m512i t0 = _mm512_shuffle_i32x4(p[0], p[1], 0x44), t1 = _mm512_shuffle_i32x4(p[0], p[1], 0xEE);
    const __m512i t2 = _mm512_shuffle_i32x4(p[2], p[3], 0x44), t3 = _mm512_shuffle_i32x4(p[2], p[3], 0xEE);
    const __m512i a[4] = {_mm512_shuffle_i32x4(t0, t2, 0x88), _mm512_shuffle_i32x4(t0, t2, 0xDD),
                          _mm512_shuffle_i32x4(t1, t3, 0x88), _mm512_shuffle_i32x4(t1, t3, 0xDD)};
    for (uint32_t q = 0; q < 4 && b + 16 * q < n; q++) {
      const __m512i s = _mm512_add_epi32(a[q], _mm512_loadu_si512((const void *)(bound + b + 16 * q)));
      const uint32_t m = _cvtmask16_u32(_mm512_cmpge_epu32_mask(s, lov));
      if (!m) continue;
      uint32_t v[16];
      _mm512_storeu_si512((void *)v, s);
      k = spr_bmp_emit(m, v, b + 16u * q, cid, cb, k);
    }
  }
  return k;
}
#else
typedef int spr_bmp_accel_avx512_empty; /* ISO C forbids an empty translation unit */
#endif
