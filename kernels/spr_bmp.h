/* spr_bmp.h: Block-Max Pruning (Mallia, Suel, Tonellotto, SIGIR 2024) over one docid range: the
 * query kernel, the build helpers that make its structures from postings, an optional in-memory
 * acceleration built at load time, and a validator for structures read from disk.
 * Pure: no I/O, MPI, globals or allocation. Local. Every function is reentrant; many OpenMP threads
 * may search one shared (read-only) index at once, each with its own workspace.
 *
 * Scores are Σ weight × impact over the query terms in 32-bit integers, ties broken by docid, so
 * alpha = beta = 1 returns exactly what spr_exhaustive_topk (spr_topk.h) returns. docs/bmp.md. */
#ifndef SPR_BMP_H
#define SPR_BMP_H
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h"
#include "spr_topk.h"

#define SPR_BMP_BLOCK_MIN 4u
#define SPR_BMP_BLOCK_MAX 256u
#define SPR_BMP_TERMS_MAX 66051u   /* query terms whose 255 x 255 products still sum in 32 bits */

/* One docid range. Every pointer is borrowed and must outlive every search. Local docids are
 * 0..n_docs-1; block b holds docs [b * block_size, (b + 1) * block_size). */
typedef struct spr_bmp_index {
  uint32_t n_docs, n_terms, block_size /* 4..256 */, n_blocks /* ceil(n_docs / block_size) */;
  /* block maxima, sparse per term: entries [bm_off[t], bm_off[t+1]) with ascending local block ids */
  const uint64_t *bm_off; /* n_terms + 1 */
  const uint32_t *bm_block;
  const uint8_t *bm_max; /* > 0 */
  /* forward index: block b's entries [fw_off[b], fw_off[b+1]), ascending term ids; entry e's
   * postings are fw_doc/fw_imp[fw_post_off[b] + fw_start[e] .. + fw_count[e]] */
  const uint64_t *fw_off; /* n_blocks + 1 */
  const uint32_t *fw_term;
  const uint32_t *fw_start; /* relative to the block's first posting */
  const uint16_t *fw_count; /* number of docs, >= 1 */
  const uint64_t *fw_post_off; /* n_blocks + 1 */
  const uint8_t *fw_doc;  /* doc - block * block_size, ascending within an entry */
  const uint8_t *fw_imp;  /* > 0 */
  const uint8_t *kth;     /* NULL or n_terms * 3: the 10th, 100th, 1000th largest impact of term t
                             in this range (0 when fewer postings) -- threshold seeding */
  /* Optional in-memory acceleration, filled by spr_bmp_accel_build (all 0/NULL when absent), in
   * one of two layouts of the forward postings (spr_bmp_major); spr_bmp_search then never reads
   * fw_term/fw_start/fw_count/fw_doc/fw_imp (docs/bmp.md, "Two layouts"):
   * - document-major (fd_off set): local document d's postings are fd_imp[fd_off[d] ..
   *   fd_off[d + 1]) with their term ids in fd_t16 (n_terms <= 65536) or fd_t32 (otherwise; the
   *   other one NULL), ascending term ids. A block is scored by one sequential scan of its
   *   documents' postings against a table of the query's weights: fastest when most scored blocks
   *   hold many query terms, as at small k.
   * - term-major (tp_pair set): tp_pair[G(e) .. G(e + 1)) holds the postings of block-max entry e
   *   (term t, block bm_block[e]) as (local doc in block) | impact << 8, where G(e) = tp_ck[e >> 7]
   *   + tp_rel[e] is the number of postings of all entries before e (entries numbered by bm_off);
   *   a u64 checkpoint per 128 entries and a u16 offset per entry (at most 127 x 256 < 65536).
   *   Blocks are scored in batches term-at-a-time, reading only the query's postings: fastest when
   *   many scored blocks hold few query terms, as at large k. Dense terms also get a rank index
   *   (dn_rank: a presence bit per block, entries before each 64-block word) that finds block b's
   *   entry in O(1).
   * - both: dense terms (dn_slot[t] != UINT32_MAX, those with at least n_blocks / dense_div
   *   block-max entries) get a u8 row of block maxima (dn_max + slot * dn_stride, 0 where absent,
   *   zero padded to dn_stride) summed with SIMD for the block bounds. */
  const uint64_t *fd_off;  /* n_docs + 1 */
  const uint16_t *fd_t16;  /* fd_off[n_docs] */
  const uint32_t *fd_t32;  /* fd_off[n_docs] */
  const uint8_t *fd_imp;   /* fd_off[n_docs] */
  const uint64_t *tp_ck;   /* bm_off[n_terms] / 128 + 1 */
  const uint16_t *tp_rel;  /* bm_off[n_terms] + 1 */
  const uint16_t *tp_pair; /* fw_post_off[n_blocks] */
  uint32_t n_dense, dn_stride /* n_blocks rounded up to 64 */;
  const uint32_t *dn_slot; /* n_terms */
  const uint8_t *dn_max;   /* n_dense * dn_stride */
  const uint64_t *dn_rank; /* term-major: n_dense * dn_stride / 64 pairs (presence bits, entries before) */
  int dn_scalar; /* 1: use the scalar reference of the SIMD kernels (tests); 0: runtime dispatch */
  /* The sparse terms' block maxima, copied so that bm_block / bm_max can be given back: block ids
   * as u16 within segments of 65,536 blocks. Term t's entries in segment h (blocks
   * [h << 16, (h + 1) << 16)) are sp_blk / sp_max[sp_seg[t * sp_nseg + h] .. sp_seg[t * sp_nseg + h + 1]),
   * in the order of its bm entries (none for dense terms): entry x of term t is bm entry
   * bm_off[t] + x - sp_seg[t * sp_nseg]. */
  uint32_t sp_nseg;       /* ceil(n_blocks / 65536), at least 1 */
  const uint64_t *sp_seg; /* n_terms * sp_nseg + 1 */
  const uint16_t *sp_blk;
  const uint8_t *sp_max;
} spr_bmp_index;

typedef struct spr_qterm {
  uint32_t term, weight; /* weight 1..255 (u8 query weights); weight 0 terms are ignored */
} spr_qterm;

typedef struct spr_bmp_params {
  uint32_t k;   /* hits wanted; 0 returns 0 hits */
  double alpha; /* > 0; 1 = exact; < 1 prunes a block when the k-th score > alpha x its bound */
  double beta;  /* (0, 1]; 1 = exact; < 1 makes the block bounds from the ceil(beta x n) heaviest present
                   query terms only (blocks are still scored with all of them: hits keep true scores) */
  uint32_t parts; /* 0 or 1: ix is the whole collection; P > 1: ix is one of P parts searched at once
                     whose hits are merged (spire's partitioned search), and its first batch of blocks
                     is a 1/P share of one index's, so that the parts together score about as many */
} spr_bmp_params;

typedef struct spr_bmp_stats {
  uint64_t blocks_scored, blocks_nonzero, postings_scored; /* added to, never reset */
} spr_bmp_stats;

/* ---- Query ---- */

/* Bytes of workspace (8-byte aligned, any content) for searches with p->k <= k and at most
 * max_terms query terms on ix (call it after spr_bmp_accel_build when the acceleration is used). */
size_t spr_bmp_workspace_size(const spr_bmp_index *ix, uint32_t k, uint32_t max_terms);

/* Top-k of the query over ix. q: n query terms (any order; duplicate term ids are SPR_EINVAL;
 * terms >= n_terms and weight-0 terms are ignored). Writes at most p->k hits to out (capacity
 * p->k), best first (score descending, docid ascending), with docid = doc_base + local docid.
 * Documents scoring 0 are never returned; fewer than k hits when fewer documents match.
 * ix must have passed spr_bmp_index_check. workspace: spr_bmp_workspace_size(ix, >= p->k, >= n).
 * st (NULL ok) accumulates work counters. Returns the number of hits, or SPR_EINVAL (bad params,
 * duplicate terms, more than SPR_BMP_TERMS_MAX terms). */
SPR_NODISCARD int64_t spr_bmp_search(const spr_bmp_index *ix, const spr_qterm *q, uint32_t n,
                                     const spr_bmp_params *p, uint32_t doc_base, void *workspace,
                                     spr_hit *out, spr_bmp_stats *st);

/* The same search in steps, for a caller that learns a lower bound of the k-th score elsewhere
 * while it runs (spire's partitioned search: the other ranks' best scores), and that keeps many
 * searches in flight. A search's state (spr_bmp_state_size bytes, 8-byte aligned) lives from begin to
 * end; the scratch (spr_bmp_scratch_size bytes) is what one step uses, so a thread needs one for all
 * the searches it steps. spr_bmp_search is spr_bmp_begin, spr_bmp_step(state, scratch, 0) while it
 * returns 1, then spr_bmp_end, with state and scratch carved from its workspace.
 * - spr_bmp_begin: arguments as spr_bmp_search's (q need not stay; scratch any content); returns 1
 *   when steps are left, 0 when the search is done, or SPR_EINVAL as above (then only a new begin
 *   may use the state).
 * - spr_bmp_step: scratch: zero-filled, or one that has been through an spr_bmp_begin on ix (with
 *   as many terms or more) since its allocation. Raises the threshold to floor (0: no news), which must be at most
 *   the final k-th score of the whole collection whose hits the caller merges: documents below it
 *   are dropped and blocks whose bound is below it are not scored (alpha applies to it as to the
 *   own threshold); then scores one batch of blocks. Returns 1 while steps are left. The hits
 *   merged over all parts stay exact at alpha = beta = 1 for any floors that obey this.
 * - spr_bmp_scores: the scores of the k best hits so far (k = p->k) into sc[0..k), in any order,
 *   zeros after them; returns how many are not padding.
 * - spr_bmp_end: writes the hits to out (as spr_bmp_search does), adds to st (NULL ok) and returns
 *   how many. A part's hits may include documents below a floor it was given. */
size_t spr_bmp_state_size(const spr_bmp_index *ix, uint32_t k, uint32_t max_terms);
size_t spr_bmp_scratch_size(const spr_bmp_index *ix, uint32_t max_terms);
SPR_NODISCARD int64_t spr_bmp_begin(const spr_bmp_index *ix, const spr_qterm *q, uint32_t n, const spr_bmp_params *p,
                                    uint32_t doc_base, void *state, void *scratch, spr_hit *out);
int spr_bmp_step(void *state, void *scratch, uint32_t floor);
uint32_t spr_bmp_scores(void *state, uint32_t k, uint32_t *sc);
uint32_t spr_bmp_end(void *state, spr_bmp_stats *st);

/* ---- Build helpers (docids local to the range) ---- */

/* One term's n postings (strictly ascending docs, impacts > 0) -> its sparse block maxima:
 * blocks[i] ascending, maxes[i] the largest impact in that block. blocks and maxes hold n entries
 * (the result never exceeds n). Returns the number of entries, or SPR_EINVAL (block_size outside
 * [4, 256], docs not ascending, impact 0). */
SPR_NODISCARD int64_t spr_bmp_blockmax(const uint32_t *docs, const uint8_t *imp, uint32_t n,
                                       uint32_t block_size, uint32_t *blocks, uint8_t *maxes);

/* The 10th, 100th and 1000th largest of n impacts (0 where n is smaller). Never fails. */
void spr_bmp_kth(const uint8_t *imp, uint32_t n, uint8_t out[3]);

/* Sizes of the structures for a range of n_docs documents whose postings are CSR by term:
 * term t's postings docs/imp[off[t] .. off[t+1]), strictly ascending local docids < n_docs.
 * *n_entries = number of (term, block) pairs (the length of bm_block/bm_max and of
 * fw_term/fw_start/fw_count); *n_postings = off[n_terms] (the length of fw_doc/fw_imp).
 * Returns 0 or SPR_EINVAL (bad block_size, offsets decreasing, docs not ascending or >= n_docs). */
SPR_NODISCARD int spr_bmp_sizes(const uint64_t *off, const uint32_t *docs, uint32_t n_terms,
                                uint32_t n_docs, uint32_t block_size, uint64_t *n_entries,
                                uint64_t *n_postings);

/* Block maxima of every term from CSR postings: bm_off[n_terms + 1], bm_block/bm_max[n_entries]
 * (n_entries from spr_bmp_sizes). Returns 0 or SPR_EINVAL (as spr_bmp_sizes, or impact 0). */
SPR_NODISCARD int spr_bmp_blockmax_build(const uint64_t *off, const uint32_t *docs,
                                         const uint8_t *imp, uint32_t n_terms, uint32_t block_size,
                                         uint64_t *bm_off, uint32_t *bm_block, uint8_t *bm_max);

/* Scratch for spr_bmp_forward_build: bytes for n_blocks blocks. */
size_t spr_bmp_forward_workspace_size(uint32_t n_blocks);

/* Forward index from CSR postings (input as spr_bmp_sizes, already checked by it): what
 * spr_index_load_bmp builds for `spire inspect --verify`, and the tests, the bmp fuzz target and
 * tests/bench/bmp_micro.c use. (Search builds its acceleration without it: spr_bmp_accel_csr.) Outputs:
 * fw_off/fw_post_off[n_blocks + 1], fw_term/fw_start/fw_count[n_entries], fw_doc/fw_imp[n_postings],
 * n_blocks = ceil(n_docs / block_size). workspace: spr_bmp_forward_workspace_size(n_blocks).
 * Returns 0 or SPR_EINVAL (a block with more than 65535 postings of one term cannot happen for
 * block_size <= 256; impacts 0). */
SPR_NODISCARD int spr_bmp_forward_build(const uint64_t *off, const uint32_t *docs,
                                        const uint8_t *imp, uint32_t n_terms, uint32_t n_docs,
                                        uint32_t block_size, void *workspace, uint64_t *fw_off,
                                        uint32_t *fw_term, uint32_t *fw_start, uint16_t *fw_count,
                                        uint64_t *fw_post_off, uint8_t *fw_doc, uint8_t *fw_imp);


/* ---- In-memory acceleration (optional; built at load time, not stored on disk) ---- */

#define SPR_BMP_DENSE_DIV_DEFAULT 8u /* dense rows for terms in at least 1/8 of the blocks */

/* The acceleration's layout of the forward postings (see spr_bmp_index). */
typedef enum spr_bmp_major { SPR_BMP_TERM_MAJOR = 0, SPR_BMP_DOC_MAJOR = 1 } spr_bmp_major;

/* The layout for searches of the top k in blocks of block_size documents: document-major up to
 * k = SPR_BMP_DOC_MAJOR_K_MAX in blocks of at most SPR_BMP_DOC_MAJOR_BLOCK_MAX documents,
 * term-major otherwise (docs/bmp.md has the measurements behind the cut: with larger blocks most
 * documents of a scored block hold few query terms, and scanning all their postings loses). */
#define SPR_BMP_DOC_MAJOR_K_MAX 50u
#define SPR_BMP_DOC_MAJOR_BLOCK_MAX 8u
spr_bmp_major spr_bmp_major_for(uint32_t k, uint32_t block_size);

/* Bytes of buf that spr_bmp_accel_build needs for ix (a checked index). dense_div: a term gets a
 * dense row when its block-max entries x dense_div >= n_blocks (0: no dense rows; 1: only terms in
 * every block). O(n_terms). */
size_t spr_bmp_accel_size(const spr_bmp_index *ix, uint32_t dense_div, spr_bmp_major major);

/* Build the acceleration into buf (cap bytes, 8-byte aligned, owned by the caller and borrowed by
 * ix afterwards; any content) and set ix->fd_* or ix->tp_*, and ix->dn_*, ix->sp_*. Reads every
 * forward entry and posting once. Returns 0, SPR_ENOSPACE (cap too small) or SPR_ECORRUPT (block
 * maxima that do not match the forward entries one to one). The search results do not
 * depend on whether, or with which dense_div or layout, the acceleration is built. */
SPR_NODISCARD int spr_bmp_accel_build(spr_bmp_index *ix, uint32_t dense_div, spr_bmp_major major, void *buf,
                                      size_t cap);
/* After a successful build the search no longer reads fw_term, fw_start, fw_count, fw_doc, fw_imp,
 * bm_block and bm_max: the caller may release them and set those fields to NULL
 * (spr_bmp_index_check and spr_bmp_accel_build then no longer apply to ix; the search and
 * spr_bmp_workspace_size do). bm_off stays: it numbers the entries. */

/* ---- The same acceleration, built straight from posting lists ----
 * For a loader that never makes a range's forward blocks or block maxima (kernels/spr_bmp_accel_csr.c;
 * what spire search uses): the range's postings as CSR by term, term t's docs/imp[off[t] ..
 * off[t + 1]) with strictly ascending local docids < ix->n_docs and impacts > 0 (the order an index
 * file keeps them in; mpi/spr_index_read.c decodes a rank's range into it). The caller fills ix:
 * n_docs, n_terms, block_size, n_blocks and kth (or NULL), every other field 0/NULL. bm_off
 * (n_terms + 1, caller-owned) receives each term's block-max entries and is set in ix; *accel the
 * malloc'ed acceleration the view borrows (the caller frees it; NULL on failure). The result is what
 * spr_bmp_accel_build gives on the forward blocks and block maxima of the same postings, with
 * bm_block, bm_max and the fw_* arrays absent (NULL): only the accelerated search applies to ix.
 * Returns 0, SPR_EINVAL (postings not ascending or outside the range, bad sizes), SPR_ECORRUPT
 * (impact 0, k-th impacts increasing) or SPR_ENOMEM. */
SPR_NODISCARD int spr_bmp_accel_csr(spr_bmp_index *ix, const uint64_t *off, const uint32_t *docs, const uint8_t *imp,
                                    uint32_t dense_div, spr_bmp_major major, uint64_t *bm_off, void **accel);

/* Name of the SIMD variant the accelerated search uses here ("avx512", "avx2" or "scalar"). */
const char *spr_bmp_accel_isa(void);

/* ---- Validation ---- */

/* Structural check of data loaded from disk: sizes, offsets monotone and within bounds, block ids
 * ascending and < n_blocks, maxima and impacts > 0, forward terms strictly ascending and
 * < n_terms, counts >= 1 and inside the block's postings, docs < block_size (and < n_docs),
 * strictly ascending within an entry, kth non-increasing. O(entries + postings). Returns 0 or
 * SPR_ECORRUPT naming the first violation. */
SPR_NODISCARD int spr_bmp_index_check(const spr_bmp_index *ix);

/* Bytes of scratch for spr_bmp_index_check_consistency. */
size_t spr_bmp_check_workspace_size(const spr_bmp_index *ix);

/* Deeper check (after spr_bmp_index_check): the block maxima are exactly the maxima of the forward
 * postings, one entry per (term, block) pair present in the forward index, and each kth value is
 * at most the term's largest block max. Returns 0 or SPR_ECORRUPT. */
SPR_NODISCARD int spr_bmp_index_check_consistency(const spr_bmp_index *ix, void *workspace);
#endif /* SPR_BMP_H */
