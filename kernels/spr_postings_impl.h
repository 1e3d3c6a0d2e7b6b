/* spr_postings_impl.h: the unpack kernels behind spr_postings.h, shared by the scalar reference
 * (spr_postings.c) and the SIMD variants (spr_postings_avx2.c). Private to kernels/. */
#ifndef SPR_POSTINGS_IMPL_H
#define SPR_POSTINGS_IMPL_H
#include <stdint.h>
#include <string.h>

#include "spr_cpu.h"

#define SPR_POSTINGS_HAVE_AVX2 SPR_CPU_X86 /* x86 variants compiled (spr_cpu.h) */

/* Results of an unpack kernel. When both apply, OVERFLOW wins, in every variant. */
enum {
  SPR_POSTINGS_UNPACK_OK = 0,
  SPR_POSTINGS_UNPACK_OVERFLOW = 1, /* a doc id would pass 2^32 - 1 */
  SPR_POSTINGS_UNPACK_WIDE = 2      /* no delta uses bit b - 1: the width is not minimal */
};

/* Unpack k >= 1 deltas of width b (1..32), packed LSB first from packed[0], and write
 * ids[0] = first, ids[i] = ids[i - 1] + delta[i - 1] + 1 for i = 1..k (ids holds k + 1).
 * packed[0 .. readable) may be read, and readable >= ceil(k * b / 8) + 16 (the caller's input
 * plus the PAD); the result never depends on bytes past ceil(k * b / 8). Returns a
 * SPR_POSTINGS_UNPACK_* code; ids are unspecified unless it is OK. */
typedef int (*spr_postings_unpack_fn)(const uint8_t *packed, size_t readable, uint32_t k,
                                      unsigned b, uint32_t first, uint32_t *ids);

int spr_postings_unpack_scalar(const uint8_t *packed, size_t readable, uint32_t k, unsigned b,
                               uint32_t first, uint32_t *ids);
#if SPR_POSTINGS_HAVE_AVX2
int spr_postings_unpack_avx2(const uint8_t *packed, size_t readable, uint32_t k, unsigned b,
                             uint32_t first, uint32_t *ids);
#endif

/* Little-endian 64-bit load from any alignment. */
static inline uint64_t spr_postings_load_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

/* Scalar unpack of deltas [i0, k) continuing from ids[i0] (already written); accumulates the sum
 * of the deltas and their OR. The tail loop of every SIMD variant, and the whole reference. */
static inline void spr_postings_unpack_tail(const uint8_t *packed, uint32_t i0, uint32_t k,
                                            unsigned b, uint32_t *ids, uint64_t *sum,
                                            uint32_t *or_all) {
  const uint64_t mask = (b == 32) ? 0xFFFFFFFFull : ((1ull << b) - 1u);
  uint64_t s = *sum;
  uint32_t o = *or_all;
  uint32_t cur = ids[i0];
  for (uint32_t i = i0; i < k; i++) {
    const uint64_t bit = (uint64_t)i * b;
    const uint32_t d = (uint32_t)((spr_postings_load_le64(packed + (bit >> 3)) >> (bit & 7)) & mask);
    s += d;
    o |= d;
    cur = cur + d + 1u; /* wraps on overflow; the caller checks the 64-bit sum */
    ids[i + 1] = cur;
  }
  *sum = s;
  *or_all = o;
}

/* The final verdict of an unpack from the 64-bit delta sum and the OR of the deltas. */
static inline int spr_postings_unpack_verdict(uint32_t first, uint32_t k, unsigned b, uint64_t sum,
                                              uint32_t or_all) {
  if ((uint64_t)first + k + sum > UINT32_MAX) return SPR_POSTINGS_UNPACK_OVERFLOW;
  if ((or_all >> (b - 1)) == 0) return SPR_POSTINGS_UNPACK_WIDE;
  return SPR_POSTINGS_UNPACK_OK;
}
#endif /* SPR_POSTINGS_IMPL_H */
