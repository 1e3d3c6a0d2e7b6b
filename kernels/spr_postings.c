/* spr_postings.c: the block posting codec's encoder, the scalar reference decoder, the checks every
 * decoder shares and the runtime dispatcher. The SIMD unpack kernels live in spr_postings_avx2.c;
 * everything that validates bytes (header, sizes, trailing bits, order across blocks) lives here so
 * that each variant only has to agree with the reference on unpacking one block's deltas. */
#include "spr_postings.h"

#include <string.h>

#include "spr_postings_impl.h"

enum { HEADER_BYTES = 5 }; /* u8 width + u32 first doc id */

_Static_assert(SPR_POSTINGS_BLOCK_MAX_BYTES ==
                   HEADER_BYTES + (SPR_POSTINGS_BLOCK - 1) * 4 + SPR_POSTINGS_BLOCK,
               "largest block: header, 127 deltas of 32 bits, 128 impacts");
_Static_assert(SPR_POSTINGS_PAD >= 16, "the SIMD kernels load 16 bytes past the packed deltas");

/* ---- dispatcher ------------------------------------------------------------------------------ */

_Static_assert((int)SPR_POSTINGS_ISA_AUTO == (int)SPR_CPU_ISA_AUTO && (int)SPR_POSTINGS_ISA_SCALAR == (int)SPR_CPU_ISA_SCALAR &&
                   (int)SPR_POSTINGS_ISA_AVX2 == (int)SPR_CPU_ISA_AVX2,
               "decoder variants are spr_cpu.h's instruction sets");

int spr_postings_isa_supported(spr_postings_isa isa) {
  return (unsigned)isa <= SPR_POSTINGS_ISA_AVX2 && spr_cpu_supports((spr_cpu_isa)isa);
}

spr_postings_isa spr_postings_isa_best(void) {
  return spr_postings_isa_supported(SPR_POSTINGS_ISA_AVX2) ? SPR_POSTINGS_ISA_AVX2
                                                           : SPR_POSTINGS_ISA_SCALAR;
}

const char *spr_postings_isa_name(spr_postings_isa isa) {
  return (unsigned)isa <= SPR_POSTINGS_ISA_AVX2 ? spr_cpu_isa_name((spr_cpu_isa)isa) : "?";
}

/* The unpack kernel of isa, or NULL if it cannot run here. */
static spr_postings_unpack_fn unpack_for(spr_postings_isa isa) {
  if (isa == SPR_POSTINGS_ISA_AUTO) isa = spr_postings_isa_best();
  if (!spr_postings_isa_supported(isa)) return NULL;
#if SPR_POSTINGS_HAVE_AVX2
  if (isa == SPR_POSTINGS_ISA_AVX2) return spr_postings_unpack_avx2;
#endif
  return spr_postings_unpack_scalar;
}

/* ---- sizes ------------------------------------------------------------------------------------ */

/* Bytes of a block of m postings (1..128) with delta width b (0..32). */
static size_t block_bytes(uint32_t m, unsigned b) {
  return HEADER_BYTES + (((size_t)(m - 1) * b + 7) / 8) + m;
}

size_t spr_postings_bound(uint32_t n) {
  const size_t blocks = spr_postings_blocks(n);
  return HEADER_BYTES * blocks + 4 * ((size_t)n - blocks) + n + SPR_POSTINGS_PAD;
}

/* ---- encoder ---------------------------------------------------------------------------------- */

static unsigned bit_width(uint32_t x) { return x ? 32u - (unsigned)__builtin_clz(x) : 0u; }

/* Encode one block of m postings at dst (room checked by the caller). Returns its size. */
static size_t encode_block(const uint32_t *ids, const uint8_t *w, uint32_t m, uint8_t *dst) {
  uint32_t or_all = 0;
  for (uint32_t i = 1; i < m; i++) or_all |= ids[i] - ids[i - 1] - 1u;
  const unsigned b = bit_width(or_all); /* the smallest width for the largest delta */
  dst[0] = (uint8_t)b;
  const uint32_t first = ids[0];
  for (int i = 0; i < 4; i++) dst[1 + i] = (uint8_t)(first >> (8 * i));
  uint8_t *p = dst + HEADER_BYTES;
  if (b > 0) {
    uint64_t acc = 0; /* pending bits, LSB first; never more than 39 */
    unsigned nacc = 0;
    for (uint32_t i = 1; i < m; i++) {
      acc |= (uint64_t)(ids[i] - ids[i - 1] - 1u) << nacc;
      nacc += b;
      while (nacc >= 8) {
        *p++ = (uint8_t)acc;
        acc >>= 8;
        nacc -= 8;
      }
    }
    if (nacc > 0) *p++ = (uint8_t)acc; /* high bits are zero: the encoding stays canonical */
  }
  memcpy(p, w, m);
  p += m;
  SPR_ASSERT((size_t)(p - dst) == block_bytes(m, b));
  return (size_t)(p - dst);
}

int64_t spr_postings_encode_list(const uint32_t *ids, const uint8_t *w, uint32_t n, uint8_t *dst,
                                 size_t dst_cap, uint64_t *block_offsets_out) {
  if (n == 0) {
    if (block_offsets_out) block_offsets_out[0] = 0;
    return 0;
  }
  if (!ids || !w || !dst)
    return SPR_FAIL(SPR_EINVAL, "postings encode: NULL buffer for %u postings", (unsigned)n);
  for (uint32_t i = 1; i < n; i++)
    if (ids[i] <= ids[i - 1])
      return SPR_FAIL(SPR_EINVAL,
                      "postings encode: doc ids not strictly ascending at %u (%u after %u)",
                      (unsigned)i, (unsigned)ids[i], (unsigned)ids[i - 1]);
  size_t pos = 0;
  uint32_t j = 0;
  for (uint32_t start = 0; start < n; start += SPR_POSTINGS_BLOCK, j++) {
    const uint32_t m = (n - start < SPR_POSTINGS_BLOCK) ? n - start : SPR_POSTINGS_BLOCK;
    if (block_offsets_out) block_offsets_out[j] = pos;
    /* the worst case of this block; exact size only matters when that does not fit */
    if (dst_cap - pos < block_bytes(m, 32)) {
      uint32_t or_all = 0;
      for (uint32_t i = start + 1; i < start + m; i++) or_all |= ids[i] - ids[i - 1] - 1u;
      if (dst_cap - pos < block_bytes(m, bit_width(or_all)))
        return SPR_FAIL(SPR_ENOSPACE,
                        "postings encode: %zu bytes of output are too few for %u postings "
                        "(spr_postings_bound gives %zu)",
                        dst_cap, (unsigned)n, spr_postings_bound(n));
    }
    pos += encode_block(ids + start, w + start, m, dst + pos);
  }
  if (block_offsets_out) block_offsets_out[j] = pos;
  return (int64_t)pos;
}

int64_t spr_postings_encode(const uint32_t *ids, const uint8_t *w, uint32_t n, uint8_t *dst,
                            size_t dst_cap) {
  return spr_postings_encode_list(ids, w, n, dst, dst_cap, NULL);
}

/* ---- decoder ---------------------------------------------------------------------------------- */

int spr_postings_unpack_scalar(const uint8_t *packed, size_t readable, uint32_t k, unsigned b,
                               uint32_t first, uint32_t *ids) {
  SPR_ASSERT(readable >= ((size_t)k * b + 7) / 8 + 8); /* the 8-byte loads of the tail */
  uint64_t sum = 0;
  uint32_t or_all = 0;
  ids[0] = first;
  spr_postings_unpack_tail(packed, 0, k, b, ids, &sum, &or_all);
  return spr_postings_unpack_verdict(first, k, b, sum, or_all);
}

/* Decode one block of m postings (1..128) at src, of which avail bytes belong to the caller's
 * input (PAD more are readable). `at` is src's offset in the caller's input, for messages.
 * Stores the block's size in *used. Returns 0 or SPR_ECORRUPT. */
static int decode_block(spr_postings_unpack_fn unpack, const uint8_t *src, size_t avail,
                        uint32_t m, uint32_t block, size_t at, uint32_t *ids, uint8_t *w,
                        size_t *used) {
  if (avail < HEADER_BYTES)
    return SPR_FAIL(SPR_ECORRUPT, "postings: block %u at byte %zu: truncated header (%zu bytes)",
                    (unsigned)block, at, avail);
  const unsigned b = src[0];
  if (b > 32)
    return SPR_FAIL(SPR_ECORRUPT, "postings: block %u at byte %zu: delta width %u > 32",
                    (unsigned)block, at, b);
  const size_t size = block_bytes(m, b);
  if (avail < size)
    return SPR_FAIL(SPR_ECORRUPT,
                    "postings: block %u at byte %zu: truncated (%zu bytes, %u postings of width "
                    "%u need %zu)",
                    (unsigned)block, at, avail, (unsigned)m, b, size);
  const uint32_t first = (uint32_t)src[1] | (uint32_t)src[2] << 8 | (uint32_t)src[3] << 16 |
                         (uint32_t)src[4] << 24;
  const uint32_t k = m - 1;
  const uint8_t *packed = src + HEADER_BYTES;
  const size_t packed_bytes = ((size_t)k * b + 7) / 8;
  int verdict = SPR_POSTINGS_UNPACK_OK;
  if (b == 0) {
    /* consecutive doc ids */
    if ((uint64_t)first + k > UINT32_MAX) verdict = SPR_POSTINGS_UNPACK_OVERFLOW;
    else
      for (uint32_t i = 0; i < m; i++) ids[i] = first + i;
  } else if (k == 0) {
    verdict = SPR_POSTINGS_UNPACK_WIDE; /* a single posting has no delta: width must be 0 */
  } else {
    const unsigned spare = (unsigned)(packed_bytes * 8 - (size_t)k * b);
    if (spare && (packed[packed_bytes - 1] >> (8 - spare)) != 0)
      return SPR_FAIL(SPR_ECORRUPT,
                      "postings: block %u at byte %zu: non-zero padding bits after the deltas",
                      (unsigned)block, at + HEADER_BYTES + packed_bytes - 1);
    verdict = unpack(packed, avail - HEADER_BYTES + SPR_POSTINGS_PAD, k, b, first, ids);
  }
  if (verdict == SPR_POSTINGS_UNPACK_OVERFLOW)
    return SPR_FAIL(SPR_ECORRUPT, "postings: block %u at byte %zu: doc ids pass 2^32 - 1",
                    (unsigned)block, at);
  if (verdict == SPR_POSTINGS_UNPACK_WIDE)
    return SPR_FAIL(SPR_ECORRUPT,
                    "postings: block %u at byte %zu: delta width %u is wider than its deltas",
                    (unsigned)block, at, b);
  memcpy(w, packed + packed_bytes, m);
  *used = size;
  return 0;
}

int64_t spr_postings_decode_isa(spr_postings_isa isa, const uint8_t *src, size_t src_len,
                                uint32_t n, uint32_t *ids, uint8_t *w) {
  const spr_postings_unpack_fn unpack = unpack_for(isa);
  if (!unpack)
    return SPR_FAIL(SPR_EUNSUPPORTED, "postings: decoder %s does not run on this CPU",
                    spr_postings_isa_name(isa));
  if (n > 0 && (!src || !ids || !w))
    return SPR_FAIL(SPR_EINVAL, "postings decode: NULL buffer for %u postings", (unsigned)n);
  size_t pos = 0;
  uint32_t j = 0;
  for (uint32_t start = 0; start < n; start += SPR_POSTINGS_BLOCK, j++) {
    const uint32_t m = (n - start < SPR_POSTINGS_BLOCK) ? n - start : SPR_POSTINGS_BLOCK;
    size_t used = 0;
    SPR_TRY(decode_block(unpack, src + pos, src_len - pos, m, j, pos, ids + start, w + start,
                         &used));
    if (start > 0 && ids[start] <= ids[start - 1])
      return SPR_FAIL(SPR_ECORRUPT,
                      "postings: block %u at byte %zu: first doc id %u does not follow %u",
                      (unsigned)j, pos, (unsigned)ids[start], (unsigned)ids[start - 1]);
    pos += used;
  }
  if (pos != src_len)
    return SPR_FAIL(SPR_ECORRUPT, "postings: %zu trailing bytes at byte %zu after %u postings",
                    src_len - pos, pos, (unsigned)n);
  return n;
}

int64_t spr_postings_decode(const uint8_t *src, size_t src_len, uint32_t n, uint32_t *ids,
                            uint8_t *w) {
  return spr_postings_decode_isa(SPR_POSTINGS_ISA_AUTO, src, src_len, n, ids, w);
}

int64_t spr_postings_decode_block(const uint8_t *list, size_t list_len,
                                  const uint64_t *block_offsets, uint32_t n, uint32_t block,
                                  uint32_t *ids, uint8_t *w) {
  const uint32_t blocks = spr_postings_blocks(n);
  if (block >= blocks)
    return SPR_FAIL(SPR_EINVAL, "postings: block %u of a list of %u blocks", (unsigned)block,
                    (unsigned)blocks);
  if (!list || !block_offsets || !ids || !w)
    return SPR_FAIL(SPR_EINVAL, "postings decode_block: NULL buffer");
  const uint64_t lo = block_offsets[block], hi = block_offsets[block + 1];
  if (lo > hi || hi > list_len)
    return SPR_FAIL(SPR_ECORRUPT,
                    "postings: block %u: offsets [%llu, %llu) outside the list's %zu bytes",
                    (unsigned)block, (unsigned long long)lo, (unsigned long long)hi, list_len);
  const uint32_t start = block * SPR_POSTINGS_BLOCK;
  const uint32_t m = (n - start < SPR_POSTINGS_BLOCK) ? n - start : SPR_POSTINGS_BLOCK;
  size_t used = 0;
  SPR_TRY(decode_block(unpack_for(SPR_POSTINGS_ISA_AUTO), list + lo, (size_t)(hi - lo), m, block,
                       (size_t)lo, ids, w, &used));
  if (used != hi - lo)
    return SPR_FAIL(SPR_ECORRUPT, "postings: block %u at byte %llu: %llu bytes, %zu used",
                    (unsigned)block, (unsigned long long)lo, (unsigned long long)(hi - lo), used);
  return m;
}

/* The first j in [j, end) with last[j] >= v (end if none). */
static uint64_t spr_postings_skip_to(const uint32_t *last, uint64_t j, uint64_t end, uint32_t v) {
  while (j < end) {
    const uint64_t mid = j + (end - j) / 2;
    if (last[mid] < v) j = mid + 1;
    else end = mid;
  }
  return j;
}

void spr_postings_skip_range(const uint32_t *last, uint64_t b0, uint64_t b1, uint32_t lo, uint32_t hi,
                             uint64_t *j0, uint64_t *j1) {
  *j0 = lo < hi ? spr_postings_skip_to(last, b0, b1, lo) : b1;
  const uint64_t e = spr_postings_skip_to(last, *j0, b1, hi);
  *j1 = *j0 == b1 ? b1 : e < b1 ? e + 1 : b1;
}
