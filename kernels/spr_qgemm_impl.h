/* spr_qgemm_impl.h: what the variants of spr_qgemm share. kernels/ only. */
#ifndef SPR_QGEMM_IMPL_H
#define SPR_QGEMM_IMPL_H
#include "spr_cpu.h"
#include "spr_qgemm.h"

#if SPR_CPU_X86
#define SPR_QGEMM_HAVE_AVX512VNNI 1
/* The AVX512-VNNI variant of spr_qgemm (spr_qgemm_avx512.c); same contract, same bits. */
void spr_qgemm_avx512vnni(size_t m, size_t n0, size_t n1, const uint8_t *aq, size_t ldq, const float *sa,
                          const int32_t *za, const spr_qweight *W, float *C, size_t ldc);
#else
#define SPR_QGEMM_HAVE_AVX512VNNI 0
#endif

/* Offset of wq[n][k] in the packed weights (see spr_qweight). */
static inline size_t spr_qgemm_at(size_t kpad, size_t n, size_t k) {
  return (n / SPR_QGEMM_NB) * kpad * SPR_QGEMM_NB + (k / SPR_QGEMM_KG) * (SPR_QGEMM_NB * SPR_QGEMM_KG) +
         (n % SPR_QGEMM_NB) * SPR_QGEMM_KG + k % SPR_QGEMM_KG;
}
#endif /* SPR_QGEMM_IMPL_H */
