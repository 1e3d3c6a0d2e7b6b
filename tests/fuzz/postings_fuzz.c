/* postings_fuzz.c: fuzz target for the block posting decoder (kernels/spr_postings.h).
 * Input: u16 LE posting count n (mod 1025), then the encoded list. Properties checked:
 * - no decoder reads outside src_len + SPR_POSTINGS_PAD (the input sits in a heap buffer of
 *   exactly that size, so ASan reports any over-read), whatever the bytes;
 * - the AVX2 decoder returns what the scalar reference returns (status and values);
 * - a list that decodes re-encodes to the same bytes (the format is canonical), and each of its
 *   blocks decodes alone through spr_postings_decode_block to the same values.
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into
 * postings_replay, which runs the committed corpus under CTest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_postings.h"

#define FUZZ_CHECK(cond)                                                        \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "postings_fuzz: %s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
      abort();                                                                  \
    }                                                                           \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const uint32_t n = (uint32_t)(data[0] | data[1] << 8) % 1025u;
  const size_t len = size - 2;
  uint8_t *src = malloc(len + SPR_POSTINGS_PAD);
  uint32_t *ids = malloc((n + 1) * sizeof *ids), *ids2 = malloc((n + 1) * sizeof *ids2);
  uint8_t *w = malloc(n + 1), *w2 = malloc(n + 1);
  const size_t cap = spr_postings_bound(n);
  uint8_t *again = malloc(cap);
  uint64_t *offs = malloc((spr_postings_blocks(n) + 1) * sizeof *offs);
  FUZZ_CHECK(src && ids && ids2 && w && w2 && again && offs);
  if (len) memcpy(src, data + 2, len);
  memset(src + len, 0xA5, SPR_POSTINGS_PAD); /* the pad's content must not matter */

  const int64_t rs = spr_postings_decode_isa(SPR_POSTINGS_ISA_SCALAR, src, len, n, ids, w);
  FUZZ_CHECK(rs == (int64_t)n || rs == SPR_ECORRUPT);
  if (spr_postings_isa_supported(SPR_POSTINGS_ISA_AVX2)) {
    const int64_t rv = spr_postings_decode_isa(SPR_POSTINGS_ISA_AVX2, src, len, n, ids2, w2);
    FUZZ_CHECK(rv == rs);
    if (rs >= 0) FUZZ_CHECK(!memcmp(ids, ids2, n * sizeof *ids) && !memcmp(w, w2, n));
  }
  if (rs >= 0) {
    const int64_t elen = spr_postings_encode_list(ids, w, n, again, cap, offs);
    FUZZ_CHECK(elen == (int64_t)len);
    FUZZ_CHECK(len == 0 || !memcmp(again, src, len));
    for (uint32_t j = 0; j < spr_postings_blocks(n); j++) {
      const int64_t m = spr_postings_decode_block(src, len, offs, n, j, ids2, w2);
      FUZZ_CHECK(m > 0 && m <= (int64_t)SPR_POSTINGS_BLOCK);
      FUZZ_CHECK(!memcmp(ids + (size_t)j * SPR_POSTINGS_BLOCK, ids2, (size_t)m * sizeof *ids));
      FUZZ_CHECK(!memcmp(w + (size_t)j * SPR_POSTINGS_BLOCK, w2, (size_t)m));
    }
  }
  free(offs);
  free(again);
  free(w2);
  free(w);
  free(ids2);
  free(ids);
  free(src);
  return 0;
}
