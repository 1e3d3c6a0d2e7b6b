/* spr_bmp_fast_avx2.c: AVX2 variant of the dense bound sum of the accelerated BMP search, checked
 * against spr_bmp_dense_add_scalar by tests/unit/bmp_test.c. 32 blocks per step: the bounds stay in
 * four registers while every dense row is added (u8 -> u16 products, which fit since 255 x 255 <
 * 65536, widened to u32), so each bound is loaded and stored once per query instead of once per
 * row. Compiled with a target attribute, called only after __builtin_cpu_supports("avx2"). */
#include "spr_bmp_impl.h"

#if SPR_BMP_HAVE_AVX2
#include <immintrin.h>

__attribute__((target("avx2"))) void spr_bmp_dense_add_avx2(uint32_t *bound, const uint8_t *const *rows,
                                                             const uint32_t *w, uint32_t n_rows, uint32_t n) {
  for (uint32_t b = 0; b < n; b += 32) {
    __m256i a0 = _mm256_loadu_si256((const __m256i *)(bound + b));
    __m256i a1 = _mm256_loadu_si256((const __m256i *)(bound + b + 8));
    __m256i a2 = _mm256_loadu_si256((const __m256i *)(bound + b + 16));
    __m256i a3 = _mm256_loadu_si256((const __m256i *)(bound + b + 24));
    for (uint32_t i = 0; i < n_rows; i++) {
      const __m256i x = _mm256_loadu_si256((const __m256i *)(rows[i] + b));
      const __m256i wv = _mm256_set1_epi16((short)w[i]);
      const __m256i lo = _mm256_mullo_epi16(_mm256_cvtepu8_epi16(_mm256_castsi256_si128(x)), wv);
      const __m256i hi = _mm256_mullo_epi16(_mm256_cvtepu8_epi16(_mm256_extracti128_si256(x, 1)), wv);
      a0 = _mm256_add_epi32(a0, _mm256_cvtepu16_epi32(_mm256_castsi256_si128(lo)));
      a1 = _mm256_add_epi32(a1, _mm256_cvtepu16_epi32(_mm256_extracti128_si256(lo, 1)));
      a2 = _mm256_add_epi32(a2, _mm256_cvtepu16_epi32(_mm256_castsi256_si128(hi)));
      a3 = _mm256_add_epi32(a3, _mm256_cvtepu16_epi32(_mm256_extracti128_si256(hi, 1)));
    }
    _mm256_storeu_si256((__m256i *)(bound + b), a0);
    _mm256_storeu_si256((__m256i *)(bound + b + 8), a1);
    _mm256_storeu_si256((__m256i *)(bound + b + 16), a2);
    _mm256_storeu_si256((__m256i *)(bound + b + 24), a3);
  }
}
#else
typedef int spr_bmp_fast_avx2_empty; /* ISO C forbids an empty translation unit */
#endif
