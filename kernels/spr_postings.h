/* spr_postings.h: block posting codec. Pure: no I/O, MPI or allocation. Local (no MPI).
 *
 * A posting list (ascending u32 doc ids, one u8 impact each) is cut into blocks of
 * SPR_POSTINGS_BLOCK postings, the last one partial. Every block is self-contained: given only its
 * bytes and its posting count it decodes on its own (random access through a skip list). Block
 * layout (docs/postings.md has the details and the reasons):
 *
 *   u8     width b (0..32) of the packed deltas; values above 32 are corrupt
 *   u32 LE the block's first doc id, absolute
 *   bits   m - 1 deltas id[i] - id[i-1] - 1, b bits each, LSB first, ceil((m - 1) * b / 8) bytes,
 *          unused high bits of the last byte zero
 *   u8[m]  the impacts, raw
 *
 * The encoding is canonical: b is the smallest width that holds the block's largest delta, so
 * decode followed by encode gives back the same bytes. Decoders reject every other byte string.
 *
 * Decoding has a scalar reference and SIMD variants chosen at run time (spr_postings_isa_best);
 * every variant returns exactly what the scalar one returns, on valid and on corrupt input. */
#ifndef SPR_POSTINGS_H
#define SPR_POSTINGS_H
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h" /* SPR_E* codes, spr_strerror(), SPR_NODISCARD */

#define SPR_POSTINGS_BLOCK 128u /* doc ids per block */
#define SPR_POSTINGS_PAD 16u    /* readable bytes required after src_len (contents ignored) */
#define SPR_POSTINGS_BLOCK_MAX_BYTES 641u /* 1 + 4 + 127 * 4 + 128: largest encoded block */

/* Decoder implementations. AUTO picks the best one the CPU supports. */
typedef enum spr_postings_isa {
  SPR_POSTINGS_ISA_AUTO = 0,
  SPR_POSTINGS_ISA_SCALAR = 1, /* the reference */
  SPR_POSTINGS_ISA_AVX2 = 2    /* x86-64 with AVX2 (compiled with a target attribute, no -march) */
} spr_postings_isa;

/* The best decoder this CPU runs (never AUTO). Thread-safe, no state. */
spr_postings_isa spr_postings_isa_best(void);
/* 1 if isa can run here (AUTO and SCALAR always can). */
int spr_postings_isa_supported(spr_postings_isa isa);
/* "auto", "scalar", "avx2"; "?" for anything else. */
const char *spr_postings_isa_name(spr_postings_isa isa);

/* Number of blocks of a list of n postings: ceil(n / SPR_POSTINGS_BLOCK). */
static inline uint32_t spr_postings_blocks(uint32_t n) {
  return n / SPR_POSTINGS_BLOCK + (n % SPR_POSTINGS_BLOCK != 0);
}

/* Worst-case encoded size of a list of n postings, padding included: a buffer of this size can
 * hold the encoding and be handed to the decoder as is. Never fails. */
size_t spr_postings_bound(uint32_t n);

/* Delta-encode n ascending doc ids and their impacts into dst as spr_postings_blocks(n)
 * consecutive blocks (n == 0 writes nothing). Caller owns every buffer; dst_cap >=
 * spr_postings_bound(n) always suffices. Only the returned bytes are written.
 * Returns bytes written, or SPR_EINVAL (ids not strictly ascending, or a NULL buffer with n > 0),
 * SPR_ENOSPACE (dst_cap too small). Reentrant; safe to call from any OpenMP thread. */
SPR_NODISCARD int64_t spr_postings_encode(const uint32_t *ids, const uint8_t *w, uint32_t n,
                                          uint8_t *dst, size_t dst_cap);

/* spr_postings_encode, also storing the byte offset of every block: block_offsets_out receives
 * spr_postings_blocks(n) + 1 entries, block j being bytes [off[j], off[j + 1]) of dst and the
 * last entry the total size. Same returns. */
SPR_NODISCARD int64_t spr_postings_encode_list(const uint32_t *ids, const uint8_t *w, uint32_t n,
                                               uint8_t *dst, size_t dst_cap,
                                               uint64_t *block_offsets_out);

/* Inverse of encode: n postings from exactly src_len bytes (trailing bytes are corrupt); each
 * block's first id must follow the previous block's last.
 * src comes from disk and is validated, never trusted; src[src_len .. src_len + PAD) must be
 * readable (any content; the result never depends on it). ids and w hold n entries each.
 * Returns n, or SPR_ECORRUPT with the block and byte offset in spr_last_error() (outputs are then
 * unspecified), SPR_EINVAL for NULL buffers. Reentrant. Uses spr_postings_isa_best(). */
SPR_NODISCARD int64_t spr_postings_decode(const uint8_t *src, size_t src_len, uint32_t n,
                                          uint32_t *ids, uint8_t *w);

/* spr_postings_decode with a chosen implementation; SPR_EUNSUPPORTED if the CPU lacks it. */
SPR_NODISCARD int64_t spr_postings_decode_isa(spr_postings_isa isa, const uint8_t *src,
                                              size_t src_len, uint32_t n, uint32_t *ids,
                                              uint8_t *w);

/* Decode block `block` alone of a list of n postings written by spr_postings_encode_list:
 * list holds list_len bytes (plus PAD readable), block_offsets the spr_postings_blocks(n) + 1
 * offsets (from disk: validated). ids and w receive min(128, n - 128 * block) entries (at most
 * SPR_POSTINGS_BLOCK). Returns that count, or SPR_EINVAL (block out of range, NULL buffers),
 * SPR_ECORRUPT (bad offsets or bytes). Checks the block alone: ascending order across blocks is
 * the caller's skip list's business. Reentrant. */
SPR_NODISCARD int64_t spr_postings_decode_block(const uint8_t *list, size_t list_len,
                                                const uint64_t *block_offsets, uint32_t n,
                                                uint32_t block, uint32_t *ids, uint8_t *w);
/* The skip list: last[j] is the last doc id of block j, ascending over a list's blocks [b0, b1).
 * Sets [*j0, *j1) to the blocks that can hold doc ids in [lo, hi) (the first whose last id is >= lo,
 * through the first whose last id is >= hi), by binary search; empty (*j0 = *j1 = b1) when lo >= hi
 * or every last id is < lo. Never fails: on a list from disk that does not ascend the range is some
 * run of blocks whose decoding then tells. Reentrant. */
void spr_postings_skip_range(const uint32_t *last, uint64_t b0, uint64_t b1, uint32_t lo, uint32_t hi,
                             uint64_t *j0, uint64_t *j1);
#endif /* SPR_POSTINGS_H */
