/* postings_fuzz.c: fuzz target for the block posting decoder (kernels/spr_postings.h).
 * Input: u16 LE posting count n (mod 1025), then the encoded list. Properties checked:
 * - no decoder reads outside src_len + SPR_POSTINGS_PAD (the input sits in a heap buffer of
 *   exactly that size, so ASan reports any over-read), whatever the bytes;
 * - the AVX2 decoder returns what the scalar reference returns (status and values);
 * - a list that decodes re-encodes to the same bytes (the format is canonical), and each of its
 *   blocks decodes alone through spr_postings_decode_block to the same values.
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into
 * postings_replay (fuzz_replay.c), which runs the committed corpus under CTest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "spr_postings.h"


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

static int write_seed(const char *dir, const char *name, uint32_t n, const uint8_t *bytes,
                      size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  const uint8_t hdr[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
  const int ok = fwrite(hdr, 1, 2, f) == 2 && fwrite(bytes, 1, len, f) == len;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* A valid list of n postings whose deltas have width b (deterministic). */
static int64_t seed_list(uint32_t n, unsigned b, uint32_t first, uint8_t *out, size_t cap) {
  uint32_t ids[1024];
  uint8_t w[1024];
  uint64_t x = 0x2545F4914F6CDD1Dull ^ (n * 131u + b);
  uint64_t cur = first;
  for (uint32_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    if (i > 0) {
      const uint64_t maxd = b ? (1ull << (b - 1)) : 0; /* keeps b <= 31 lists inside 32 bits */
      cur += 1 + (b ? maxd / 2 + x % (maxd / 2 + 1) + (i == 1 ? maxd / 2 : 0) : 0);
    }
    ids[i] = (uint32_t)cur;
    w[i] = (uint8_t)(1 + x % 255);
  }
  return spr_postings_encode(ids, w, n, out, cap);
}

/* The hand-made seeds committed in corpus/postings (postings_replay --make-seeds DIR). */
int fuzz_make_seeds(const char *dir) {
  static uint8_t buf[16384];
  struct {
    const char *name;
    uint32_t n;
    unsigned b;
    uint32_t first;
  } const lists[] = {
      {"valid-n1", 1, 0, 0xFFFFFFFFu},   {"valid-n5-b3", 5, 3, 7},
      {"valid-n128-b7", 128, 7, 1000},   {"valid-n129-b13", 129, 13, 0},
      {"valid-n300-b0", 300, 0, 12345},  {"valid-n100-b26", 100, 26, 3},
      {"valid-n3-b31", 3, 31, 1},         {"valid-n1000-b4", 1000, 4, 99},
  };
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
    const int64_t len = seed_list(lists[i].n, lists[i].b, lists[i].first, buf, sizeof buf);
    if (len < 0 || write_seed(dir, lists[i].name, lists[i].n, buf, (size_t)len) != 0) return -1;
  }
  const uint32_t wide_ids[2] = {0, 0xFFFFFFFFu}; /* the largest delta: width 32 */
  const uint8_t wide_w[2] = {1, 255};
  int64_t len = spr_postings_encode(wide_ids, wide_w, 2, buf, sizeof buf);
  if (len < 0 || write_seed(dir, "valid-n2-b32", 2, buf, (size_t)len) != 0) return -1;
  /* corrupt ones: truncated, bad width, overflow past 2^32 - 1, blocks out of order */
  len = seed_list(128, 7, 1000, buf, sizeof buf);
  if (write_seed(dir, "corrupt-truncated", 128, buf, (size_t)len - 1) != 0) return -1;
  buf[0] = 40;
  if (write_seed(dir, "corrupt-width40", 128, buf, (size_t)len) != 0) return -1;
  const uint8_t over[] = {32, 0, 0, 0, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2};
  if (write_seed(dir, "corrupt-overflow", 2, over, sizeof over) != 0) return -1;
  len = seed_list(129, 2, 50, buf, sizeof buf);
  const size_t second = (size_t)len - 6; /* the last block: header + 1 impact */
  buf[second + 1] = 0;
  buf[second + 2] = buf[second + 3] = buf[second + 4] = 0;
  if (write_seed(dir, "corrupt-order", 129, buf, (size_t)len) != 0) return -1;
  return 0;
}
