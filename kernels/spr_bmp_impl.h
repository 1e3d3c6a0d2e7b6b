/* spr_bmp_impl.h: internals shared by kernels/spr_bmp*.c (elsewhere only tests/unit/bmp_test.c includes it,
 * to compare the SIMD kernels with their scalar reference).
 * The files, each calling only those listed before it (no two call each other):
 *   spr_bmp_blocks.c        forward blocks and block maxima from posting lists (build helpers)
 *   spr_bmp_accel_build.c   the acceleration's layout, and its build from forward blocks
 *   spr_bmp_accel_csr.c     the same acceleration built from posting lists
 *   spr_bmp_accel_avx2.c, spr_bmp_accel_avx512.c   SIMD variants of the dense bound kernel
 *   spr_bmp_accel.c         the accelerated search, and the kernel's scalar reference and dispatch
 *   spr_bmp.c               spr_bmp_search: the per-block path, or the accelerated search; validation */
#ifndef SPR_BMP_IMPL_H
#define SPR_BMP_IMPL_H
#include <stddef.h>
#include <stdint.h>

#include "spr_bmp.h"

#include "spr_cpu.h"

#define SPR_BMP_HAVE_AVX2 SPR_CPU_X86 /* x86 variants compiled (spr_cpu.h) */

#if defined(__GNUC__)
#define SPR_BMP_PF(p) __builtin_prefetch(p)
#else
#define SPR_BMP_PF(p) ((void)(p))
#endif

static inline int spr_bmp_bs_ok(uint32_t bs) { return bs >= SPR_BMP_BLOCK_MIN && bs <= SPR_BMP_BLOCK_MAX; }

/* d / bs for d < 2^32 and bs <= 256 without a division: m = ceil(2^40 / bs) makes the error of
 * d x m / 2^40 below 2^32 / 2^40 = 1/256 <= 1/bs, too little to reach the next integer. */
static inline uint64_t spr_bmp_div_m(uint32_t bs) { return ((1ull << 40) + bs - 1) / bs; }
static inline uint32_t spr_bmp_div(uint32_t d, uint64_t m) { return (uint32_t)(((unsigned __int128)d * m) >> 40); }

/* Without -mpopcnt, __builtin_popcountll is a libgcc call; this is a few ALU operations. */
static inline uint32_t spr_bmp_popcount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

/* The final bound of block b < n is bound[b] + Σ_i w[i] × rows[i][b] (n a multiple of 32; bound and
 * rows padded to n with zeros; avail >= n bytes of each row may be read, for prefetching). Appends every b whose final bound is >= lo (lo >= 1, so padding is
 * never picked) to cid (block) / cb (bound), ascending, and returns how many. */
typedef uint32_t (*spr_bmp_dense_fn)(const uint32_t *bound, const uint8_t *const *rows, const uint32_t *w,
                                     uint32_t n_rows, uint32_t n, uint32_t avail, uint32_t lo, uint32_t *cid, uint32_t *cb);
uint32_t spr_bmp_accel_dense_scalar(const uint32_t *bound, const uint8_t *const *rows, const uint32_t *w,
                                    uint32_t n_rows, uint32_t n, uint32_t avail, uint32_t lo, uint32_t *cid, uint32_t *cb);
#if SPR_BMP_HAVE_AVX2
uint32_t spr_bmp_accel_dense_avx2(const uint32_t *bound, const uint8_t *const *rows, const uint32_t *w,
                                  uint32_t n_rows, uint32_t n, uint32_t avail, uint32_t lo, uint32_t *cid, uint32_t *cb);
uint32_t spr_bmp_accel_dense_avx512(const uint32_t *bound, const uint8_t *const *rows, const uint32_t *w,
                                    uint32_t n_rows, uint32_t n, uint32_t avail, uint32_t lo, uint32_t *cid,
                                    uint32_t *cb);
#endif

/* The SIMD kernels' selection: append block base + j, bound v[j] for each bit j of mask m (j
 * ascending) at cid/cb[k..]; returns the new k. */
static inline uint32_t spr_bmp_emit(uint32_t m, const uint32_t *v, uint32_t base, uint32_t *cid, uint32_t *cb,
                                    uint32_t k) {
  while (m) {
    const uint32_t j = (uint32_t)__builtin_ctz(m);
    cid[k] = base + j;
    cb[k++] = v[j];
    m &= m - 1;
  }
  return k;
}

#define SPR_ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

/* Lay n arrays of sizes[i] bytes out one after another from base into p[i] (NULL each when base is
 * NULL: sizes only); returns their total. The workspaces of the search are carved with it. */
static inline size_t spr_bmp_carve(void *base, const size_t *sizes, int n, void **p) {
  size_t off = 0;
  for (int i = 0; i < n; i++) {
    p[i] = base ? (char *)base + off : NULL;
    off += sizes[i];
  }
  return off;
}

#define SPR_BMP_CK_SHIFT 7u /* term-major: a posting checkpoint every 128 block-max entries */

/* Where each array of the acceleration lives in its buffer (byte offsets; the other layout's
 * arrays are absent), and its sizes. */
typedef struct spr_bmp_layout {
  size_t fd_off, fd_term, fd_imp, tp_ck, tp_rel, tp_pair, dn_slot, dn_max, dn_rank, sp_seg, sp_blk, sp_max, total;
  uint32_t n_dense, stride, nseg, wide /* u32 term ids */;
  spr_bmp_major major;
} spr_bmp_layout;

/* spr_bmp_blockmax without its checks, for postings already checked (ascending docs, impacts > 0,
 * block_size in [4, 256]): one term's block maxima; returns how many (at most n). */
uint32_t spr_bmp_maxima(const uint32_t *docs, const uint8_t *imp, uint32_t n, uint32_t block_size, uint32_t *blocks,
                        uint8_t *maxes);

/* 1 when a term with ne block-max entries out of nb blocks gets a dense row (dense_div div). */
int spr_bmp_is_dense(uint64_t ne, uint32_t nb, uint32_t div);

/* The layout for nd documents in nb blocks, nt terms (entries per term: bm_off) and np postings. */
void spr_bmp_layout_counts(uint32_t nd, uint32_t nt, uint32_t nb, const uint64_t *bm_off, uint64_t np, uint32_t div,
                           spr_bmp_major major, spr_bmp_layout *L);

/* Set ix's acceleration pointers to the arrays of layout L in buf. */
void spr_bmp_layout_set(spr_bmp_index *ix, const spr_bmp_layout *L, void *buf);

/* Term-major: rel[0..ne) holds each block-max entry's posting count (<= 256): turn it into G(e) =
 * ck[e >> 7] + rel[e], the postings of all entries before e, for e in [0, ne] (rel has ne + 1
 * entries, ck ne / 128 + 1). Returns G(ne), the total. */
uint64_t spr_bmp_offsets_of_counts(uint64_t *ck, uint16_t *rel, uint64_t ne);

/* Term-major: a dense row's rank index (words pairs of presence bits, entries before): fill the
 * second half of each pair from the presence bits. */
void spr_bmp_rank_sums(uint64_t *rk, uint32_t words);

/* Document-major postings, block b (blocks in order): per[i] postings of the block's document i
 * set its offsets in ix->fd_off (fd_off[0] = 0 set beforehand) and pos[i], where document i's
 * postings start; then spr_bmp_fd_put for each forward entry of the block in term order (doc[j] its
 * documents within the block, imp[j] their impacts) appends them at pos. */
void spr_bmp_fd_docs(const spr_bmp_index *ix, uint64_t b, const uint32_t *per, uint64_t *pos);
void spr_bmp_fd_put(const spr_bmp_index *ix, uint64_t *pos, uint32_t t, const uint8_t *doc, const uint8_t *imp,
                    uint32_t c);

/* Term t's block maxima (blk ascending, mx; n of them) into the acceleration of layout L in B:
 * dn_slot[t], then its dense row and rank index (slot *d, which advances) when it is dense, else its
 * sparse lists from *x (which advances); its sparse segment offsets either way. Terms in order. */
void spr_bmp_put_maxima(spr_bmp_index *ix, const spr_bmp_layout *L, char *B, uint32_t dense_div, uint32_t t,
                        const uint32_t *blk, const uint8_t *mx, uint64_t n, uint32_t *d, uint64_t *x);

/* Bytes of the accelerated search's state (one per search in flight) and scratch (one per thread),
 * on top of spr_bmp.c's own. */
size_t spr_bmp_accel_state_size(const spr_bmp_index *ix, uint32_t k, uint32_t max_terms);
size_t spr_bmp_accel_scratch_size(const spr_bmp_index *ix);

/* The accelerated search (ix->fd_off or ix->tp_pair set), in steps: qt[0..m) are the query terms
 * sorted by id, qb[0..mb) the terms whose block maxima make the bounds (qt itself, or with beta < 1
 * its heaviest terms, sorted by id); blocks are scored with all of qt. theta is the seeded
 * threshold; parts > 1 shrinks the first batch to its 1/parts share (ix is one of parts ranges
 * searched at once). ws: spr_bmp_accel_state_size(ix, >= k, >= m) bytes, holding the search until
 * spr_bmp_accel_end (qt and qb must stay); scratch: spr_bmp_accel_scratch_size(ix) bytes, any
 * content at begin, which leaves it fit for the steps of any search. begin computes the bounds and
 * returns 1 when blocks are left to score; each step scores one batch and returns 1 while more are
 * left; scores writes the k best scores so far (any order, zeros after them) to sc[0..k); end
 * writes the hits, best first, to out (capacity k >= 1) and returns how many. The contract is
 * spr_bmp_step's. */
int spr_bmp_accel_begin(const spr_bmp_index *ix, const spr_qterm *qt, uint32_t m, const spr_qterm *qb, uint32_t mb,
                        double alpha, uint32_t theta, uint32_t doc_base, uint32_t parts, void *ws, void *scratch,
                        uint32_t k);
int spr_bmp_accel_step(void *ws, void *scratch, uint32_t floor);
uint32_t spr_bmp_accel_scores(void *ws, uint32_t *sc);
uint32_t spr_bmp_accel_end(void *ws, spr_hit *out, spr_bmp_stats *st);
#endif /* SPR_BMP_IMPL_H */
