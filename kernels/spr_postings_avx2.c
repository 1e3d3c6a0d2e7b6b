/* spr_postings_avx2.c: AVX2 unpack kernel of the block posting codec, eight deltas per step.
 *
 * The deltas are packed LSB first with no per-lane layout (so that partial blocks cost no
 * padding), which means 8 consecutive deltas start on a byte boundary: bytes [g*b, g*b + b) hold
 * deltas 8g..8g+7. Delta j of a group starts at bit j*b, that is in byte j*b/8 at shift j*b%8, so
 * a 5-byte window (4 bytes, plus a fifth when shift + b > 32) holds it. One 16-byte load feeds
 * deltas 0-3 and another, from byte 4b/8, deltas 4-7; a byte shuffle per 128-bit lane builds the
 * windows, variable shifts align them, a mask cuts them. Then a prefix sum of (delta + 1) in the
 * register, carried over from the previous group. The shuffle indices depend only on b: a
 * compile-time table.
 *
 * Compiled with a target attribute rather than -mavx2 so that the build never needs -march; only
 * the dispatcher in spr_postings.c calls it, after __builtin_cpu_supports("avx2"). */
#include "spr_postings_impl.h"

#if SPR_POSTINGS_HAVE_AVX2
#include <immintrin.h>

#define SPR_AVX2 __attribute__((target("avx2")))

/* Per-width constants, a compile-time table so that a block costs no setup. For delta j of a group
 * (lanes 0-3 read the 16 bytes at the group's start, lanes 4-7 the 16 at byte 4b/8):
 * o = first byte of its window within its 16-byte half (at most 12), lo = shuffle indices of the
 * 4-byte window, hi = the fifth byte (needed only when shift + b > 32, and then always < 16;
 * 0x80 makes the shuffle write zero), shr = the bit shift. */
#define P_UPPER(b) ((4 * (b)) >> 3)
#define P_O(b, j) ((((j) * (b)) >> 3) - ((j) < 4 ? 0 : P_UPPER(b)))
#define P_LO4(b, j) P_O(b, j), P_O(b, j) + 1, P_O(b, j) + 2, P_O(b, j) + 3
#define P_HI4(b, j) (P_O(b, j) + 4 < 16 ? P_O(b, j) + 4 : 0x80), 0x80, 0x80, 0x80
#define P_ROW(b)                                                                                  \
  {{P_LO4(b, 0), P_LO4(b, 1), P_LO4(b, 2), P_LO4(b, 3), P_LO4(b, 4), P_LO4(b, 5), P_LO4(b, 6),    \
    P_LO4(b, 7)},                                                                                 \
   {P_HI4(b, 0), P_HI4(b, 1), P_HI4(b, 2), P_HI4(b, 3), P_HI4(b, 4), P_HI4(b, 5), P_HI4(b, 6),    \
    P_HI4(b, 7)},                                                                                 \
   {0, (b) & 7, (2 * (b)) & 7, (3 * (b)) & 7, (4 * (b)) & 7, (5 * (b)) & 7, (6 * (b)) & 7,         \
    (7 * (b)) & 7}}

typedef struct unpack_row {
  _Alignas(32) uint8_t lo[32];
  _Alignas(32) uint8_t hi[32];
  _Alignas(32) uint32_t shr[8];
} unpack_row;

static const unpack_row unpack_rows[33] = {
    P_ROW(0),  P_ROW(1),  P_ROW(2),  P_ROW(3),  P_ROW(4),  P_ROW(5),  P_ROW(6),  P_ROW(7),  P_ROW(8),
    P_ROW(9),  P_ROW(10), P_ROW(11), P_ROW(12), P_ROW(13), P_ROW(14), P_ROW(15), P_ROW(16), P_ROW(17),
    P_ROW(18), P_ROW(19), P_ROW(20), P_ROW(21), P_ROW(22), P_ROW(23), P_ROW(24), P_ROW(25), P_ROW(26),
    P_ROW(27), P_ROW(28), P_ROW(29), P_ROW(30), P_ROW(31), P_ROW(32)};

typedef struct unpack_plan {
  __m256i lo_idx, hi_idx, shr, shl, mask;
  size_t upper; /* byte offset of the second 16-byte load: 4b/8 */
} unpack_plan;

/* Eight deltas from group start g. wide: b > 24, so a delta may reach into a fifth byte. */
static inline SPR_AVX2 __m256i unpack8(const unpack_plan *p, const uint8_t *g, int wide) {
  const __m128i a = _mm_loadu_si128((const __m128i *)g);
  const __m128i c = _mm_loadu_si128((const __m128i *)(g + p->upper));
  const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(a), c, 1);
  __m256i x = _mm256_srlv_epi32(_mm256_shuffle_epi8(v, p->lo_idx), p->shr);
  if (wide) x = _mm256_or_si256(x, _mm256_sllv_epi32(_mm256_shuffle_epi8(v, p->hi_idx), p->shl));
  return _mm256_and_si256(x, p->mask);
}

/* Prefix sums of d + 1 over the 8 lanes, without any carry in. */
static inline SPR_AVX2 __m256i prefix8(__m256i d) {
  __m256i x = _mm256_add_epi32(d, _mm256_set1_epi32(1));
  x = _mm256_add_epi32(x, _mm256_slli_si256(x, 4)); /* within each 128-bit lane */
  x = _mm256_add_epi32(x, _mm256_slli_si256(x, 8));
  const __m256i low_total = _mm256_permutevar8x32_epi32(x, _mm256_set1_epi32(3));
  return _mm256_add_epi32(x, _mm256_blend_epi32(_mm256_setzero_si256(), low_total, 0xF0));
}

/* The body, specialized by the compiler on `wide` and `check` (constants at every call).
 * check: accumulate the 64-bit delta sum for the overflow verdict (only when overflow is possible
 * at this width and first id). */
static inline SPR_AVX2 int unpack_body(const uint8_t *packed, size_t readable, uint32_t k,
                                       unsigned b, uint32_t first, uint32_t *ids, int wide,
                                       int check) {
  const unpack_row *row = &unpack_rows[b];
  unpack_plan p;
  p.lo_idx = _mm256_load_si256((const __m256i *)row->lo);
  p.hi_idx = _mm256_load_si256((const __m256i *)row->hi);
  p.shr = _mm256_load_si256((const __m256i *)row->shr);
  p.shl = _mm256_sub_epi32(_mm256_set1_epi32(32), p.shr); /* 32 for shift 0: sllv gives 0 */
  p.mask = _mm256_set1_epi32(b == 32 ? -1 : (int)((1u << b) - 1u));
  p.upper = P_UPPER(b);
  const __m256i last_lane = _mm256_set1_epi32(7);
  __m256i carry = _mm256_set1_epi32((int)first);
  __m256i or_acc = _mm256_setzero_si256();
  __m256i sum_acc = _mm256_setzero_si256(); /* four u64 lanes */
  const uint32_t groups = k / 8, rest = k % 8;
  ids[0] = first;
  for (uint32_t g = 0; g < groups; g++) {
    const __m256i d = unpack8(&p, packed + (size_t)g * b, wide);
    or_acc = _mm256_or_si256(or_acc, d);
    if (check) {
      sum_acc = _mm256_add_epi64(sum_acc, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(d)));
      sum_acc = _mm256_add_epi64(sum_acc, _mm256_cvtepu32_epi64(_mm256_extracti128_si256(d, 1)));
    }
    const __m256i x = prefix8(d);
    _mm256_storeu_si256((__m256i *)(ids + 1 + (size_t)g * 8), _mm256_add_epi32(x, carry));
    /* the carry chain is one add per group: the group total does not depend on the carry */
    carry = _mm256_add_epi32(carry, _mm256_permutevar8x32_epi32(x, last_lane));
  }
  uint32_t done = groups * 8;
  /* the last partial group in SIMD too when its loads stay readable; lanes past k are masked */
  if (rest && (size_t)groups * b + p.upper + 16 <= readable) {
    const __m256i live = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rest),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i d = _mm256_and_si256(unpack8(&p, packed + (size_t)groups * b, wide), live);
    or_acc = _mm256_or_si256(or_acc, d);
    if (check) {
      sum_acc = _mm256_add_epi64(sum_acc, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(d)));
      sum_acc = _mm256_add_epi64(sum_acc, _mm256_cvtepu32_epi64(_mm256_extracti128_si256(d, 1)));
    }
    uint32_t tmp[8];
    _mm256_storeu_si256((__m256i *)tmp, _mm256_add_epi32(prefix8(d), carry));
    memcpy(ids + 1 + done, tmp, rest * sizeof *tmp);
    done = k;
  }
  /* horizontal OR and sum, then the scalar tail when the last group was not done above */
  uint32_t ors[8];
  uint64_t sums[4];
  _mm256_storeu_si256((__m256i *)ors, or_acc);
  _mm256_storeu_si256((__m256i *)sums, sum_acc);
  uint32_t or_all = 0;
  for (int i = 0; i < 8; i++) or_all |= ors[i];
  uint64_t sum = sums[0] + sums[1] + sums[2] + sums[3];
  spr_postings_unpack_tail(packed, done, k, b, ids, &sum, &or_all);
  if (!check) sum = 0; /* overflow is impossible here (see the caller): only the width matters */
  return spr_postings_unpack_verdict(first, k, b, sum, or_all);
}

SPR_AVX2 int spr_postings_unpack_avx2(const uint8_t *packed, size_t readable, uint32_t k,
                                      unsigned b, uint32_t first, uint32_t *ids) {
  /* The largest id this block can reach is first + k * 2^b; when that fits, skip the sums. */
  const int check = b >= 32 || (uint64_t)first + ((uint64_t)k << b) > UINT32_MAX;
  if (b > 24) return check ? unpack_body(packed, readable, k, b, first, ids, 1, 1)
                           : unpack_body(packed, readable, k, b, first, ids, 1, 0);
  return check ? unpack_body(packed, readable, k, b, first, ids, 0, 1)
               : unpack_body(packed, readable, k, b, first, ids, 0, 0);
}
#else
/* Not x86: nothing to compile; the dispatcher never selects AVX2. */
typedef int spr_postings_avx2_unused;
#endif
