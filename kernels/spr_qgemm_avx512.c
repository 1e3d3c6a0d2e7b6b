/* spr_qgemm_avx512.c: the AVX512-VNNI variant of spr_qgemm. Functions with a target attribute (no
 * -march needed); only the dispatcher in spr_qgemm.c calls them, after checking the CPU.
 *
 * Register tile: SPR_QK_MR rows x 64 columns (4 zmm of 16 int32 sums each): per group of 4 inputs,
 * 4 loads of packed weights, one 4-byte broadcast per row and MR x 4 vpdpbusd. Loop order: panels
 * of 64 output columns outside (a panel of packed weights, 64 x K bytes, stays in L2 while every row
 * block of A passes over it; A's row block stays in L1). The int32 sums are exact; the epilogue is
 * the reference's: (float)(acc - za * colsum) * (sa * sw), no FMA, so the bits are the same. */
#include "spr_qgemm_impl.h"

#if SPR_QGEMM_HAVE_AVX512VNNI
#include <immintrin.h>
#include <string.h>

#define SPR_QK_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define SPR_QK_MR 6 /* rows per register tile */
#define SPR_QK_NV 4 /* zmm (16 columns each) per register tile */

/* The register tile of rows [i0, i0 + mr) and column blocks [jb, jb + nv) of 16 columns, columns
 * stored up to n1 (masked). Inlined with constant mr and nv so that the sums live in registers. */
static inline __attribute__((always_inline)) SPR_QK_TARGET void
spr_qk_tile(const int mr, const int nv, size_t kg, const uint8_t *a, size_t ldq, const int8_t *b, size_t bstride,
            size_t jcol, size_t n0, size_t n1, const float *sa, const int32_t *za, const spr_qweight *W, float *C,
            size_t ldc) {
  __m512i acc[SPR_QK_MR][SPR_QK_NV];
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nv; j++) acc[i][j] = _mm512_setzero_si512();
  for (size_t g = 0; g < kg; g++) {
    __m512i bv[SPR_QK_NV];
    for (int j = 0; j < nv; j++) bv[j] = _mm512_loadu_si512((const void *)(b + (size_t)j * bstride + g * 64));
    for (int i = 0; i < mr; i++) {
      int32_t a4;
      memcpy(&a4, a + (size_t)i * ldq + g * 4, 4);
      const __m512i av = _mm512_set1_epi32(a4);
      for (int j = 0; j < nv; j++) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], av, bv[j]);
    }
  }
  for (int j = 0; j < nv; j++) {
    const size_t c0 = jcol + (size_t)j * 16;
    if (c0 >= n1) break;
    const __mmask16 mask = n1 - c0 >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n1 - c0)) - 1u);
    const __m512i cs = _mm512_loadu_si512((const void *)(W->colsum + c0));
    const __m512 sw = _mm512_loadu_ps(W->scale + c0);
    for (int i = 0; i < mr; i++) {
      const __m512i t = _mm512_sub_epi32(acc[i][j], _mm512_mullo_epi32(_mm512_set1_epi32(za[i]), cs));
      const __m512 s = _mm512_mul_ps(_mm512_set1_ps(sa[i]), sw);
      _mm512_mask_storeu_ps(C + (size_t)i * ldc + (c0 - n0), mask, _mm512_mul_ps(_mm512_cvtepi32_ps(t), s));
    }
  }
}

/* One panel of NV column blocks (4, or 1 for the rare last blocks when n1 - n0 is not a multiple of
 * 64) over every row, in row blocks of SPR_QK_MR (the last one shorter). */
#define SPR_QK_CASE(MR, NV)                                                                              \
  case MR:                                                                                               \
    spr_qk_tile(MR, NV, kg, aq + i * ldq, ldq, b, bstride, jcol, n0, n1, sa + i, za + i, W, C + i * ldc, \
                ldc);                                                                                    \
    break
#define SPR_QK_PANEL(NV)                                                                                          \
  SPR_QK_TARGET static void spr_qk_panel##NV(size_t m, size_t kg, const uint8_t *aq, size_t ldq, const int8_t *b, \
                                             size_t bstride, size_t jcol, size_t n0, size_t n1, const float *sa,  \
                                             const int32_t *za, const spr_qweight *W, float *C, size_t ldc) {     \
    for (size_t i = 0; i < m; i += SPR_QK_MR) {                                                                   \
      switch (m - i < SPR_QK_MR ? (int)(m - i) : SPR_QK_MR) {                                                     \
        SPR_QK_CASE(1, NV);                                                                                       \
        SPR_QK_CASE(2, NV);                                                                                       \
        SPR_QK_CASE(3, NV);                                                                                       \
        SPR_QK_CASE(4, NV);                                                                                       \
        SPR_QK_CASE(5, NV);                                                                                       \
        default:                                                                                                  \
          SPR_QK_CASE(6, NV);                                                                                     \
      }                                                                                                           \
    }                                                                                                             \
  }
SPR_QK_PANEL(4)
SPR_QK_PANEL(1)
#undef SPR_QK_PANEL
#undef SPR_QK_CASE

SPR_QK_TARGET void spr_qgemm_avx512vnni(size_t m, size_t n0, size_t n1, const uint8_t *aq, size_t ldq,
                                        const float *sa, const int32_t *za, const spr_qweight *W, float *C,
                                        size_t ldc) {
  const size_t kp = spr_qgemm_kpad(W->k), kg = kp / SPR_QGEMM_KG, bstride = kp * SPR_QGEMM_NB;
  size_t jcol = n0;
  for (; jcol + 4 * SPR_QGEMM_NB <= n1; jcol += 4 * SPR_QGEMM_NB)
    spr_qk_panel4(m, kg, aq, ldq, W->w + (jcol / SPR_QGEMM_NB) * bstride, bstride, jcol, n0, n1, sa, za, W, C, ldc);
  for (; jcol < n1; jcol += SPR_QGEMM_NB)
    spr_qk_panel1(m, kg, aq, ldq, W->w + (jcol / SPR_QGEMM_NB) * bstride, bstride, jcol, n0, n1, sa, za, W, C, ldc);
}
#endif
