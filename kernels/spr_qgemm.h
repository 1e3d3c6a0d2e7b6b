/* spr_qgemm.h: int8 dynamic quantization of linear layers (as PyTorch's quantize_dynamic does):
 * weights quantized once per output channel (s8, symmetric), activations quantized per row at run
 * time (u8, asymmetric: a scale and a zero point per row), products accumulated exactly in int32,
 * then dequantized to float32. Pure: no I/O, MPI, allocation or state. Local.
 *
 *   W[n][k] ~ sw[n] * wq[n][k],        wq in [-127, 127], sw[n] = max_k |W[n][k]| / 127
 *   A[m][k] ~ sa[m] * (aq[m][k] - za[m]), aq in [0, 255], za[m] in [0, 255] (0.0 exactly representable)
 *   C[m][n] = (float)(sum_k aq[m][k] wq[n][k] - za[m] * colsum[n]) * (sa[m] * sw[n])
 *
 * The integer sum is exact (|sum| < 2^31 for K <= SPR_QGEMM_MAX_K), the dequantization is one
 * int->float conversion and two float products in this order with no FMA: every variant gives the
 * same bits as the scalar reference (tests/unit/qgemm_test.c checks it). Bias is not added here.
 *
 * Variants: the scalar reference (portable C) and, on x86, AVX512-VNNI (vpdpbusd, u8 x s8 into s32
 * without saturation), chosen at run time by spr_qgemm_isa_best(). */
#ifndef SPR_QGEMM_H
#define SPR_QGEMM_H
#include <stddef.h>
#include <stdint.h>

#define SPR_QGEMM_NB 16u      /* output columns per packed block */
#define SPR_QGEMM_KG 4u       /* inputs per group (one int32 of a VNNI product) */
#define SPR_QGEMM_MAX_K 65536u /* 255 * 127 * 65536 < 2^31: the int32 sums cannot overflow */

typedef enum spr_qgemm_isa {
  SPR_QGEMM_ISA_AUTO = 0,      /* the best variant this CPU runs */
  SPR_QGEMM_ISA_SCALAR = 1,    /* the reference: always runs, slow */
  SPR_QGEMM_ISA_AVX512VNNI = 4 /* AVX-512 F, BW, VL and VNNI */
} spr_qgemm_isa;

/* A quantized weight matrix [n, k] (torch Linear [out, in]). Every pointer borrowed.
 * w: packed in blocks of SPR_QGEMM_NB output columns, K padded with zeros to spr_qgemm_kpad(k):
 * wq[n][k] is w[(n / 16) * kpad * 16 + (k / 4) * 64 + (n % 16) * 4 + k % 4], columns past n are 0. */
typedef struct spr_qweight {
  const int8_t *w;       /* spr_qgemm_packed_size(n, k) bytes, 64-byte alignment recommended */
  const float *scale;    /* [npad]: sw (1 for all-zero and padding channels) */
  const int32_t *colsum; /* [npad]: sum_k wq[n][k] */
  uint32_t n, k;
} spr_qweight;

/* k rounded up to SPR_QGEMM_KG, n rounded up to SPR_QGEMM_NB. */
size_t spr_qgemm_kpad(size_t k);
size_t spr_qgemm_npad(size_t n);
/* Bytes of the packed weights of an [n, k] matrix. */
size_t spr_qgemm_packed_size(size_t n, size_t k);

/* Quantize rows [n0, n1) of the float weights W[n, k] (row stride ldw) into the packed buffer,
 * scale and colsum of out (sized for n, k; n0 and n1 multiples of SPR_QGEMM_NB or n1 = n; the
 * padding channels are written by the call whose range ends at n). Ranges may run on different
 * threads. k <= SPR_QGEMM_MAX_K. */
void spr_qgemm_pack(size_t n, size_t k, const float *W, size_t ldw, size_t n0, size_t n1, int8_t *w, float *scale,
                    int32_t *colsum);

/* Quantize the m rows of A[m, k] (stride lda) into aq[m, ldq] (ldq >= spr_qgemm_kpad(k); the
 * padding bytes are set to 0), sa[m], za[m]. Non-finite inputs give unspecified (but defined)
 * values. */
void spr_qgemm_quantize_rows(size_t m, size_t k, const float *A, size_t lda, uint8_t *aq, size_t ldq, float *sa,
                             int32_t *za);

/* C[i][j - n0] = the dequantized product above, for i < m and n0 <= j < n1 (n0 a multiple of
 * SPR_QGEMM_NB, n1 <= W->n), ldc >= n1 - n0. aq, sa, za from spr_qgemm_quantize_rows with the same
 * k as W. isa must be supported (spr_qgemm_isa_supported); AUTO picks the best. Reentrant. */
void spr_qgemm(spr_qgemm_isa isa, size_t m, size_t n0, size_t n1, const uint8_t *aq, size_t ldq, const float *sa,
               const int32_t *za, const spr_qweight *W, float *C, size_t ldc);

/* 1 if isa runs on this CPU (AUTO and SCALAR always do). */
int spr_qgemm_isa_supported(spr_qgemm_isa isa);
/* The fastest variant this CPU runs (SCALAR when it has no fast one). */
spr_qgemm_isa spr_qgemm_isa_best(void);
/* "auto", "scalar", "avx512vnni"; "?" otherwise. */
const char *spr_qgemm_isa_name(spr_qgemm_isa isa);
#endif /* SPR_QGEMM_H */
