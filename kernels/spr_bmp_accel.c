/* spr_bmp_accel.c: the search over the in-memory acceleration of BMP (built by spr_bmp_accel_build.c
 * or spr_bmp_accel_csr.c), in its two layouts of the forward postings; spr_bmp.c runs it when the
 * acceleration is there. Why it is shaped this way (docs/bmp.md has the measurements):
 * - Scoring one block at a time from the on-disk forward index costs a scan of the block's entries
 *   (or a gallop per query term) and three cache misses per matched entry. Here blocks are scored
 *   either document-major (each document's postings as (u16 term, u8 impact) scanned in order
 *   against a table of the query's weights: ~1 cycle per posting, best when the scored blocks hold
 *   most query terms, as at small k in small blocks) or term-major (in batches sorted by block id,
 *   one query term at a time: each term walks its own block-max list (galloping) or, for dense
 *   terms, finds the block's entry with a rank index in O(1), and adds its postings, stored
 *   term-major as (doc, impact) u16 pairs, into per-batch accumulators: only the query's postings
 *   are read, best when many scored blocks hold few query terms).
 * - Batches take blocks in descending bound order by buckets of a histogram of the bounds (no heap
 *   over all blocks): the first batch is small, each next one larger, and the threshold after a
 *   batch prunes every block it can before the next one is collected. Scoring a few blocks more
 *   than the one-block-at-a-time order would is cheap; every block whose bound can reach the final
 *   k-th score is scored, so alpha = 1 stays exact (the pruning test is unchanged).
 * - Bounds are computed by L1-resident tiles of blocks: sparse terms scatter their few entries,
 *   then the rows of dense terms (in >= 1/dense_div of the blocks, which hold most block-max
 *   entries of a query) are added with SIMD. */
#include <math.h>
#include <string.h>

#include "spr_bmp_impl.h"
#include "spr_select.h"

#define SPR_BMP_HIST 4096u         /* histogram buckets of the block bounds */
#ifndef SPR_BMP_TILE
#define SPR_BMP_TILE 8192u         /* blocks whose bounds are computed together (32 KiB) */
#endif
_Static_assert(SPR_BMP_TILE % 64u == 0 && 65536u % SPR_BMP_TILE == 0, "tiles: whole 64-block words, within a segment");
#define SPR_BMP_BATCH_DOCS 65536u  /* documents per batch at most (term-major: accumulators, 256 KiB) */
_Static_assert(SPR_BMP_BATCH_DOCS / 8u < 65536u, "batch slots (+1) fit the u16 block -> slot map");
#define SPR_BMP_MATCHES 8192u      /* term-major: (term, block) matches resolved together */
/* Batches: the first holds SPR_BMP_FIRST_BATCH blocks plus SPR_BMP_FIRST_FILL x k / block_size,
 * each next one SPR_BMP_GROWTH x more.
 * Term-major: the first batch holds documents for 6 heaps: most documents of a block whose bound
 * is high still score 0 or little, and a batch that cannot fill the heap leaves the next, 4x larger
 * one to be scored against the seed threshold alone. Measured on the 1M-document splade index at
 * b = 8 (k = 1000, one thread, three interleaved runs each): 1x 2.75-2.92 ms, 4x 2.69-2.84, 6x
 * 2.66-2.81, 10x 2.77-2.86, 16x 2.82-2.85; k = 10 and 100 unchanged.
 * Document-major: a batch costs nothing more than its blocks, so batches start small and double:
 * at k = 10 on the same index, 8 + 2 x k / b and doubling scored 104.7 blocks per query, 16 + 6 x
 * k / b and quadrupling 112.3 (1 + 1 x k / b and doubling: 103.9). */
static const uint32_t SPR_BMP_FIRST_BATCH[2] = {16u, 8u}, SPR_BMP_FIRST_FILL[2] = {6u, 2u},
                      SPR_BMP_GROWTH[2] = {4u, 2u}; /* by spr_bmp_major */

/* ---- SIMD kernels: scalar reference and dispatch ---- */

uint32_t spr_bmp_accel_dense_scalar(const uint32_t *bound, const uint8_t *const *rows, const uint32_t *w,
                                    uint32_t n_rows, uint32_t n, uint32_t avail, uint32_t lo, uint32_t *cid,
                                    uint32_t *cb) {
  (void)avail;
  uint32_t k = 0, a[32];
  for (uint32_t b = 0; b < n; b += 32) {
    memcpy(a, bound + b, sizeof a);
    for (uint32_t i = 0; i < n_rows; i++)
      for (uint32_t j = 0; j < 32; j++) a[j] += w[i] * rows[i][b + j];
    for (uint32_t j = 0; j < 32; j++)
      if (a[j] >= lo) {
        cid[k] = b + j;
        cb[k++] = a[j];
      }
  }
  return k;
}

static spr_bmp_dense_fn spr_bmp_dense_for(const spr_bmp_index *ix) {
#if SPR_BMP_HAVE_AVX2
  if (!ix->dn_scalar && spr_cpu_supports(SPR_CPU_ISA_AVX512)) return spr_bmp_accel_dense_avx512;
  if (!ix->dn_scalar && spr_cpu_supports(SPR_CPU_ISA_AVX2)) return spr_bmp_accel_dense_avx2;
#else
  (void)ix;
#endif
  return spr_bmp_accel_dense_scalar;
}

const char *spr_bmp_accel_isa(void) {
  const spr_cpu_isa isa = spr_cpu_supports(SPR_CPU_ISA_AVX512) ? SPR_CPU_ISA_AVX512
                          : spr_cpu_supports(SPR_CPU_ISA_AVX2) ? SPR_CPU_ISA_AVX2
                                                               : SPR_CPU_ISA_SCALAR;
  return spr_cpu_isa_name(isa);
}

/* ---- search ---- */

/* Sift a[r] down the min-heap a[0..n). */
static void spr_bmp_sift_min(uint64_t *a, uint32_t n, uint32_t r) {
  for (;;) {
    const uint32_t l = 2 * r + 1;
    uint32_t w = r;
    if (l < n && a[l] < a[w]) w = l;
    if (l + 1 < n && a[l + 1] < a[w]) w = l + 1;
    if (w == r) return;
    const uint64_t t = a[r];
    a[r] = a[w];
    a[w] = t;
    r = w;
  }
}

/* Sort a[0..n) descending (heapsort: no allocation, n <= k): a min-heap, its root moved to the end. */
static void spr_bmp_sort_keys(uint64_t *a, uint32_t n) {
  for (uint32_t i = n / 2; i-- > 0;) spr_bmp_sift_min(a, n, i);
  for (uint32_t m = n; m > 1; m--) {
    const uint64_t t = a[0];
    a[0] = a[m - 1];
    a[m - 1] = t;
    spr_bmp_sift_min(a, m - 1, 0);
  }
}

/* A search's own arrays (state: they live from begin to end) and the arrays one batch uses (scratch:
 * any search run by the same thread may use them between its steps). */
typedef struct spr_bmp_fws {
  /* state */
  uint32_t *cid, *cb;   /* n_blocks: live candidates (block id, bound), ascending ids */
  uint32_t *hist;       /* SPR_BMP_HIST */
  const uint8_t **rows; /* max_terms */
  uint32_t *dw;         /* max_terms */
  uint32_t *si;         /* max_terms: the query terms with sparse lists */
  uint64_t *sx;         /* max_terms: each sparse list's next entry */
  uint64_t *hk;         /* spr_bmp_hcap(k): the hits kept so far as keys score << 32 | ~doc */
  /* scratch */
  uint32_t *bound;      /* SPR_BMP_TILE: one tile's bounds */
  uint32_t *bid;        /* bcap: one batch's block ids */
  uint8_t *qw;          /* document-major: n_terms, the query's weight of each term during a step,
                           0 for the others (all 0 between steps) */
  uint32_t *acc;        /* term-major: bcap * block_size, one batch's accumulators */
  void *mt;             /* term-major: SPR_BMP_MATCHES + bcap matches */
  uint16_t *slot;       /* term-major: n_blocks, block -> 1 + its slot in the current batch; never
                           cleared: an entry counts only when the batch's id at that slot is the
                           block (any content is safe) */
  uint64_t *inb;        /* term-major: stride / 64 words, the current batch's blocks as bits (zero
                           between batches) */
} spr_bmp_fws;

/* The hit buffer holds up to SPR_BMP_HBUF_MUL x k + SPR_BMP_BLOCK_MAX keys: documents are appended
 * without ordering (a branch-free store for every document of a scored block) while their score
 * reaches the current threshold, and the buffer is cut back to its k best by a selection when the
 * next block might not fit. A heap push cost ~25 cycles per offered document at k = 1000 on
 * wiki-wp-dev (a third of the query); the selection costs a few cycles per kept key. */
#define SPR_BMP_HBUF_MUL 3u
static size_t spr_bmp_hcap(uint32_t k) { return (size_t)SPR_BMP_HBUF_MUL * k + SPR_BMP_BLOCK_MAX; }

static uint32_t spr_bmp_bcap(const spr_bmp_index *ix) {
  const uint32_t c = SPR_BMP_BATCH_DOCS / ix->block_size;
  return c ? c : 1;
}

/* Lay out the state arrays from base (NULL: sizes only); returns their bytes. */
static size_t spr_bmp_accel_state_carve(const spr_bmp_index *ix, uint32_t k, uint32_t max_terms, void *base, spr_bmp_fws *w) {
  const size_t nb = ix->n_blocks ? ix->n_blocks : 1;
  const size_t sizes[8] = {SPR_ALIGN8(nb * 4), SPR_ALIGN8(nb * 4), SPR_BMP_HIST * 4, (size_t)max_terms * sizeof(void *),
                           SPR_ALIGN8((size_t)max_terms * 4), SPR_ALIGN8((size_t)max_terms * 4), (size_t)max_terms * 8,
                           spr_bmp_hcap(k) * sizeof(uint64_t)};
  void *p[8];
  const size_t off = spr_bmp_carve(base, sizes, 8, p);
  if (w) {
    w->cid = p[0];
    w->cb = p[1];
    w->hist = p[2];
    w->rows = (const uint8_t **)p[3];
    w->dw = p[4];
    w->si = p[5];
    w->sx = p[6];
    w->hk = p[7];
  }
  return off;
}

/* Lay out the scratch arrays from base (NULL: sizes only); returns their bytes. */
static size_t spr_bmp_accel_scratch_carve(const spr_bmp_index *ix, void *base, spr_bmp_fws *w) {
  const size_t nb = ix->n_blocks ? ix->n_blocks : 1, bcap = spr_bmp_bcap(ix), tm = ix->fd_off == NULL;
  const size_t inb = tm ? (ix->dn_stride ? ix->dn_stride : 64) / 8 : 0;
  const size_t sizes[7] = {SPR_BMP_TILE * 4, SPR_ALIGN8(bcap * 4), tm ? 0 : SPR_ALIGN8((size_t)ix->n_terms),
                           tm ? SPR_ALIGN8(bcap * ix->block_size * 4) : 0, tm ? (SPR_BMP_MATCHES + bcap) * 16 : 0,
                           tm ? SPR_ALIGN8(nb * 2) : 0, SPR_ALIGN8(inb)};
  void *p[7];
  const size_t off = spr_bmp_carve(base, sizes, 7, p);
  if (w) {
    w->bound = p[0];
    w->bid = p[1];
    w->qw = p[2];
    w->acc = p[3];
    w->mt = p[4];
    w->slot = p[5];
    w->inb = p[6];
  }
  return off;
}

/* The hit buffer's keys are distinct (the docid is in them). */
SPR_DEFINE_SELECT_DESC(spr_bmp_select, uint64_t)

typedef struct spr_bmp_accel_match {
  uint64_t e;    /* block-max entry; after stage 2, first posting << 9 | count */
  uint32_t j, i; /* batch slot, query term */
} spr_bmp_accel_match;

typedef struct spr_bmp_actx {
  const spr_bmp_index *ix;
  const uint8_t *qw; /* document-major */
  /* term-major: */
  uint16_t *slot;    /* the workspace's block -> slot map */
  uint64_t *inb;     /* the workspace's batch bitmap */
  const spr_qterm *qt;
  uint32_t m;
  uint32_t *acc;
  spr_bmp_accel_match *mt; /* mcap */
  uint32_t mcap;
  uint32_t theta, doc_base;
  /* the hits: keys hk[0..hn) (capacity hcap), all with score >= hthr; once a selection has kept
   * k of them, hthr is the k-th best score (a lower bound of the final one) */
  uint64_t *hk;
  uint32_t hn, hcap, k, hthr;
  spr_bmp_stats st;
} spr_bmp_actx;

/* Cut the hits back to the k best and raise the threshold to the k-th score. */
static void spr_bmp_keep(spr_bmp_actx *c) {
  if (c->hn < c->k) return;
  uint64_t kth = c->hk[c->k - 1];
  if (c->hn > c->k) {
    spr_bmp_select(c->hk, c->hn, c->k);
    c->hn = c->k;
    kth = c->hk[c->k - 1];
  } else {
    for (uint32_t i = 0; i < c->k; i++) kth = c->hk[i] < kth ? c->hk[i] : kth;
  }
  const uint32_t s = (uint32_t)(kth >> 32);
  if (s > c->hthr) c->hthr = s;
}

/* Offer the documents first + [0, nd) with scores sc[0..nd) (nd <= SPR_BMP_BLOCK_MAX): each one whose
 * score reaches the threshold is appended (a document below it cannot be among the k best: k
 * documents already score at least that); 1 when any scored. */
static inline int spr_bmp_offer(spr_bmp_actx *c, uint32_t first, const uint32_t *sc, uint32_t nd) {
  if (c->hn + nd > c->hcap) spr_bmp_keep(c);
  uint32_t any = 0, n = c->hn;
  const uint32_t thr = c->hthr;
  uint64_t *const hk = c->hk;
  const uint32_t d0 = ~(c->doc_base + first);
  for (uint32_t d = 0; d < nd; d++) {
    any |= sc[d];
    hk[n] = (uint64_t)sc[d] << 32 | (d0 - d);
    n += sc[d] >= thr;
  }
  c->hn = n;
  return any != 0;
}

/* The pruning threshold: the seed, or the k-th score of the hits once k are kept (the buffer is cut
 * back first, so the threshold is the one a heap of the k best would give). */
static inline uint32_t spr_bmp_athr(spr_bmp_actx *c) {
  spr_bmp_keep(c);
  return c->hthr > c->theta ? c->hthr : c->theta;
}

/* The smallest bound that is not pruned at threshold thr: bound >= it unless thr > alpha x bound.
 * Above UINT32_MAX when every bound is pruned. */
static uint64_t spr_bmp_keep_min(double alpha, uint32_t thr) {
  if (alpha == 1.0) return thr;
  const double v = ceil((double)thr / alpha);
  if (!(v < 4294967296.0)) return (uint64_t)1 << 33;
  uint64_t x = (uint64_t)v;
  while (x > 0 && !((double)thr > alpha * (double)(x - 1))) x--;
  while ((double)thr > alpha * (double)x) x++;
  return x;
}

/* First index in [lo, n) with a[i] >= key, given a[lo] < key (galloping from lo). */
static inline uint32_t spr_bmp_gallop(const uint16_t *a, uint32_t lo, uint32_t n, uint32_t key) {
  uint32_t step = 1;
  while (lo + step < n && a[lo + step] < key) {
    lo += step;
    step <<= 1;
  }
  uint32_t l = lo + 1, h = lo + step < n ? lo + step : n;
  while (l < h) {
    const uint32_t mid = l + (h - l) / 2;
    if (a[mid] < key)
      l = mid + 1;
    else
      h = mid;
  }
  return l;
}



/* Prefetch block b's postings (its offsets are cached: prefetched one block earlier). */
static inline void spr_bmp_pf_block(const spr_bmp_index *ix, uint32_t b) {
  const uint32_t bs = ix->block_size, first = b * bs, nd = ix->n_docs - first < bs ? ix->n_docs - first : bs;
  const uint64_t p0 = ix->fd_off[first], p1 = ix->fd_off[first + nd];
  const size_t tw = ix->fd_t16 ? 2 : 4;
  const char *t = ix->fd_t16 ? (const char *)ix->fd_t16 : (const char *)ix->fd_t32;
  for (uint64_t x = p0 * tw & ~(uint64_t)63; x < p1 * tw; x += 64) SPR_BMP_PF(t + x);
  for (uint64_t x = p0 & ~(uint64_t)63; x < p1; x += 64) SPR_BMP_PF(ix->fd_imp + x);
}

/* Score of each document of a block: one pass over its postings, weights from the query's table. */
#define SPR_BMP_SCAN(T)                                                                     \
  for (uint32_t d = 0; d < nd; d++) {                                                       \
    uint32_t s0 = 0, s1 = 0;                                                                \
    uint64_t x = fo[d];                                                                     \
    const uint64_t e = fo[d + 1];                                                           \
    for (; x + 4 <= e; x += 4) {                                                            \
      s0 += (uint32_t)qw[T[x]] * im[x] + (uint32_t)qw[T[x + 2]] * im[x + 2];               \
      s1 += (uint32_t)qw[T[x + 1]] * im[x + 1] + (uint32_t)qw[T[x + 3]] * im[x + 3];       \
    }                                                                                       \
    for (; x < e; x++) s0 += (uint32_t)qw[T[x]] * im[x];                                    \
    sc[d] = s0 + s1;                                                                        \
  }

/* Document-major: score the blocks ids[0..n) (ascending) and offer their documents to the hits;
 * the next block's postings are prefetched while one is scanned. */
static void spr_bmp_score_docs(spr_bmp_actx *c, const uint32_t *ids, uint32_t n) {
  const spr_bmp_index *ix = c->ix;
  const uint32_t bs = ix->block_size;
  const uint8_t *qw = c->qw, *im = ix->fd_imp;
  const uint16_t *t16 = ix->fd_t16;
  const uint32_t *t32 = ix->fd_t32;
  uint64_t posts = 0, nonzero = 0;
  if (n) SPR_BMP_PF(ix->fd_off + (size_t)ids[0] * bs);
  if (n > 1) SPR_BMP_PF(ix->fd_off + (size_t)ids[1] * bs);
  if (n) spr_bmp_pf_block(ix, ids[0]);
  for (uint32_t j = 0; j < n; j++) {
    if (j + 2 < n) SPR_BMP_PF(ix->fd_off + (size_t)ids[j + 2] * bs);
    if (j + 1 < n) spr_bmp_pf_block(ix, ids[j + 1]);
    const uint32_t first = ids[j] * bs, nd = ix->n_docs - first < bs ? ix->n_docs - first : bs;
    const uint64_t *fo = ix->fd_off + first;
    uint32_t sc[SPR_BMP_BLOCK_MAX];
    if (t16) {
      SPR_BMP_SCAN(t16)
    } else {
      SPR_BMP_SCAN(t32)
    }
    posts += fo[nd] - fo[0];
    nonzero += (uint64_t)spr_bmp_offer(c, first, sc, nd);
  }
  c->st.postings_scored += posts;
  c->st.blocks_scored += n;
  c->st.blocks_nonzero += nonzero;
}


/* Prefetch what stage 2 reads of entry e: its offset and its checkpoint. */
static inline void spr_bmp_pf_entry(const spr_bmp_index *ix, uint64_t e) {
  SPR_BMP_PF(ix->tp_rel + e);
  SPR_BMP_PF(ix->tp_ck + (e >> SPR_BMP_CK_SHIFT));
}

/* Stages 2 and 3 of spr_bmp_score_terms for the matches mt[0..nm): entry -> posting range (the
 * independent loads of rel overlap, the postings are prefetched), then accumulate. */
static uint64_t spr_bmp_flush(const spr_bmp_actx *c, spr_bmp_accel_match *mt, uint32_t nm) {
  const spr_bmp_index *ix = c->ix;
  for (uint32_t x = 0; x < nm; x++) {
    const uint64_t e = mt[x].e;
    const uint64_t p0 = ix->tp_ck[e >> SPR_BMP_CK_SHIFT] + ix->tp_rel[e];
    const uint64_t p1 = ix->tp_ck[(e + 1) >> SPR_BMP_CK_SHIFT] + ix->tp_rel[e + 1];
    mt[x].e = p0 << 9 | (p1 - p0); /* counts are <= 256 */
    SPR_BMP_PF(ix->tp_pair + p0);
  }
  uint64_t posts = 0;
  const uint32_t bs = ix->block_size;
  for (uint32_t x = 0; x < nm; x++) {
    uint32_t *a = c->acc + (size_t)mt[x].j * bs;
    const uint16_t *p = ix->tp_pair + (mt[x].e >> 9);
    const uint32_t cnt = (uint32_t)(mt[x].e & 511), w = c->qt[mt[x].i].weight;
    for (uint32_t y = 0; y < cnt; y++) a[p[y] & 0xFF] += w * (uint32_t)(p[y] >> 8);
    posts += cnt;
  }
  return posts;
}

/* The (term, block) matches of the batch slots [j0, j1) (their ids share the segment of the u16 list
 * blk[0..ne), whose entry x is block-max entry ebase + x) appended to mt; returns how many. */
static uint32_t spr_bmp_match_seg(const spr_bmp_actx *c, const uint16_t *blk, uint32_t ne, uint64_t ebase,
                                  const uint32_t *ids, uint32_t j0, uint32_t j1, uint32_t i, spr_bmp_accel_match *mt) {
  const spr_bmp_index *ix = c->ix;
  const uint16_t *slot = c->slot;
  const uint32_t hb = ids[j0] & ~0xFFFFu; /* the segment's first block */
  uint32_t nm = 0;
  /* Walking costs a sequential u16 read and an L1 bit test per entry; galloping ~70 cycles per
   * batch block (dependent misses). Walk up to 32 entries per block: 8 was 0.348 / 2.27 ms at
   * k = 10 / 1000 on the 1M-document index, 16-128 were 0.327-0.336 / 2.17-2.23 ms. */
  if (ne <= 32 * (j1 - j0)) { /* walk the list's entries in the slots' range, test the batch bitmap */
    const uint32_t first = ids[j0] & 0xFFFFu, last = ids[j1 - 1] & 0xFFFFu;
    uint32_t e = blk[0] < first ? spr_bmp_gallop(blk, 0, ne, first) : 0;
    for (; e < ne && blk[e] <= last; e++) {
      const uint32_t b = hb | blk[e];
      if (!((c->inb[b >> 6] >> (b & 63)) & 1)) continue; /* an L1-resident bit before the slot map */
      const uint32_t j = (uint32_t)slot[b] - 1u;          /* set for this batch: j0 <= j < j1 */
      spr_bmp_pf_entry(ix, ebase + e);
      mt[nm++] = (spr_bmp_accel_match){ebase + e, j, i};
    }
  } else { /* walk the slots, gallop in the list */
    uint32_t e = 0;
    for (uint32_t j = j0; j < j1 && e < ne; j++) {
      const uint32_t b = ids[j] & 0xFFFFu;
      if (blk[e] < b) e = spr_bmp_gallop(blk, e, ne, b);
      if (e < ne && blk[e] == b) {
        spr_bmp_pf_entry(ix, ebase + e);
        mt[nm++] = (spr_bmp_accel_match){ebase + e, j, i};
        e++;
      }
    }
  }
  return nm;
}

/* Term-major: score the blocks ids[0..n) (ascending) term-at-a-time and offer their documents to the hits.
 * Three stages over all query terms, so that the cache misses of many (term, block) pairs are in
 * flight at once: find each pair's block-max entry (rank index of dense terms, prefetched ahead;
 * galloping in sparse lists), then its posting range, then the postings. */
static void spr_bmp_score_terms(spr_bmp_actx *c, const uint32_t *ids, uint32_t n) {
  const spr_bmp_index *ix = c->ix;
  const uint32_t bs = ix->block_size;
  uint32_t *acc = c->acc;
  uint64_t posts = 0;
  memset(acc, 0, (size_t)n * bs * sizeof *acc);
  spr_bmp_accel_match *mt = c->mt;
  uint32_t nm = 0;
  const size_t W2 = (size_t)ix->dn_stride / 64 * 2;
  uint16_t *slot = c->slot;
  for (uint32_t j = 0; j < n; j++) {
    slot[ids[j]] = (uint16_t)(j + 1);
    c->inb[ids[j] >> 6] |= 1ull << (ids[j] & 63);
  }
  for (uint32_t i = 0; i < c->m; i++) {
    if (nm + n > c->mcap) {
      posts += spr_bmp_flush(c, mt, nm);
      nm = 0;
    }
    const uint32_t t = c->qt[i].term;
    const uint64_t e0 = ix->bm_off[t];
    const uint32_t ne = (uint32_t)(ix->bm_off[t + 1] - e0);
    if (!ne) continue;
    const uint32_t s = ix->dn_slot[t];
    if (s != UINT32_MAX) {
      const uint64_t *rk = ix->dn_rank + s * W2;
      for (uint32_t j = 0; j < n && j < 8; j++) SPR_BMP_PF(rk + 2 * (ids[j] >> 6));
      for (uint32_t j = 0; j < n; j++) {
        if (j + 8 < n) SPR_BMP_PF(rk + 2 * (ids[j + 8] >> 6));
        const uint32_t b = ids[j], sh = b & 63;
        const uint64_t wd = rk[2 * (b >> 6)];
        if (!((wd >> sh) & 1)) continue;
        const uint64_t e = e0 + rk[2 * (b >> 6) + 1] + spr_bmp_popcount(wd & ((1ull << sh) - 1));
        spr_bmp_pf_entry(ix, e);
        mt[nm++] = (spr_bmp_accel_match){e, j, i};
      }
    } else { /* segment by segment: the batch's ids in [h << 16, (h + 1) << 16) against the term's u16 ids there */
      const uint64_t *sg = ix->sp_seg + (size_t)t * ix->sp_nseg, xt = sg[0];
      uint32_t j0 = 0;
      for (uint32_t h = 0; h < ix->sp_nseg && j0 < n; h++) {
        uint32_t j1 = j0;
        while (j1 < n && ids[j1] >> 16 == h) j1++;
        const uint32_t nh = (uint32_t)(sg[h + 1] - sg[h]);
        if (j1 > j0 && nh)
          nm += spr_bmp_match_seg(c, ix->sp_blk + sg[h], nh, e0 + (sg[h] - xt), ids, j0, j1, i, mt + nm);
        j0 = j1;
      }
    }
  }
  posts += spr_bmp_flush(c, mt, nm);
  for (uint32_t j = 0; j < n; j++) c->inb[ids[j] >> 6] = 0; /* back to all zero */
  c->st.postings_scored += posts;
  c->st.blocks_scored += n;
  for (uint32_t j = 0; j < n; j++) {
    const uint32_t first = ids[j] * bs, nd = ix->n_docs - first < bs ? ix->n_docs - first : bs;
    c->st.blocks_nonzero += (uint64_t)spr_bmp_offer(c, first, acc + (size_t)j * bs, nd);
  }
}


/* A search in progress (spr_bmp_accel_begin .. spr_bmp_accel_end): the candidates left, their
 * histogram and the batch to come, and the hits. It lives at the start of the workspace. */
typedef struct spr_bmp_run {
  spr_bmp_fws w;
  spr_bmp_actx c;
  double alpha;
  uint64_t target; /* blocks of the next batch */
  uint32_t n;      /* candidates left in w.cid / w.cb */
  uint32_t sh, hi; /* histogram shift; buckets [hi, ...) are done */
  uint32_t bcap;
  int dm;          /* document-major */
} spr_bmp_run;

static spr_bmp_run *spr_bmp_run_of(void *ws) { return (spr_bmp_run *)ws; }

size_t spr_bmp_accel_state_size(const spr_bmp_index *ix, uint32_t k, uint32_t max_terms) {
  return SPR_ALIGN8(sizeof(spr_bmp_run)) + spr_bmp_accel_state_carve(ix, k, max_terms, NULL, NULL);
}

size_t spr_bmp_accel_scratch_size(const spr_bmp_index *ix) { return spr_bmp_accel_scratch_carve(ix, NULL, NULL); }

/* Point the search's scratch arrays at the scratch of the thread running its step. */
static void spr_bmp_use_scratch(spr_bmp_run *r, void *scratch) {
  spr_bmp_accel_scratch_carve(r->c.ix, scratch, &r->w);
  r->c.qw = r->w.qw;
  r->c.slot = r->w.slot;
  r->c.inb = r->w.inb;
  r->c.acc = r->w.acc;
  r->c.mt = r->w.mt;
}

int spr_bmp_accel_begin(const spr_bmp_index *ix, const spr_qterm *qt, uint32_t m, const spr_qterm *qb, uint32_t mb,
                        double alpha, uint32_t theta, uint32_t doc_base, uint32_t parts, void *ws, void *scratch,
                        uint32_t k_hits) {
  spr_bmp_run *const r = spr_bmp_run_of(ws);
  memset(r, 0, sizeof *r);
  spr_bmp_fws *const w = &r->w;
  spr_bmp_accel_state_carve(ix, k_hits, m, (char *)ws + SPR_ALIGN8(sizeof *r), w);
  spr_bmp_accel_scratch_carve(ix, scratch, w);
  r->c = (spr_bmp_actx){.ix = ix, .k = k_hits, .hk = w->hk, .hcap = (uint32_t)spr_bmp_hcap(k_hits),
                        .theta = theta, .hthr = theta ? theta : 1};
  const uint32_t stride = ix->dn_stride;
  /* the bound terms' dense rows and sparse lists */
  uint32_t nd = 0, ns = 0;
  for (uint32_t i = 0; i < mb; i++) {
    const uint32_t t = qb[i].term, s = ix->dn_slot[t];
    if (s != UINT32_MAX) {
      w->rows[nd] = ix->dn_max + (size_t)s * stride;
      w->dw[nd++] = qb[i].weight;
    } else if (ix->bm_off[t + 1] > ix->bm_off[t]) {
      w->si[ns++] = i;
    }
  }
  /* live candidates (bound not pruned by the seed), ascending ids: tile by tile, the sparse lists
   * are scattered into the tile's bounds (L1-resident), then the dense rows are added and the
   * candidates picked out */
  uint64_t lo = spr_bmp_keep_min(alpha, theta);
  if (lo == 0) lo = 1;
  if (lo > UINT32_MAX) return 0;
  const spr_bmp_dense_fn dense = spr_bmp_dense_for(ix);
  const uint16_t *const sblk = ix->sp_blk;
  const uint8_t *const smax = ix->sp_max;
  uint32_t *const bd = w->bound;
  uint32_t n = 0;
  for (uint32_t t0 = 0; t0 < stride; t0 += SPR_BMP_TILE) {
    const uint32_t tw = stride - t0 < SPR_BMP_TILE ? stride - t0 : SPR_BMP_TILE, h = t0 >> 16;
    const uint32_t first = t0 & 0xFFFFu, limit = first + tw; /* the tile's u16 ids: [first, limit) */
    memset(bd, 0, (size_t)tw * sizeof *bd);
    for (uint32_t q = 0; q < ns; q++) {
      const uint32_t i = w->si[q], wt = qb[i].weight;
      const uint64_t *sg = ix->sp_seg + (size_t)qb[i].term * ix->sp_nseg;
      uint64_t x = first ? w->sx[q] : sg[h];
      const uint64_t end = sg[h + 1];
      for (; x + 4 <= end && sblk[x + 3] < limit; x += 4) { /* ids ascend: all four in the tile */
        bd[sblk[x] - first] += wt * smax[x];
        bd[sblk[x + 1] - first] += wt * smax[x + 1];
        bd[sblk[x + 2] - first] += wt * smax[x + 2];
        bd[sblk[x + 3] - first] += wt * smax[x + 3];
      }
      for (; x < end && sblk[x] < limit; x++) bd[sblk[x] - first] += wt * smax[x];
      w->sx[q] = x;
      for (uint64_t y = x; y < end && y < x + 256; y += 32) { /* this list's next tile */
        SPR_BMP_PF(sblk + y);
        if (!(y & 63)) SPR_BMP_PF(smax + y);
      }
    }
    const uint32_t k = dense(bd, w->rows, w->dw, nd, tw, stride - t0, (uint32_t)lo, w->cid + n, w->cb + n);
    for (uint32_t j = n; j < n + k; j++) w->cid[j] += t0;
    n += k;
    for (uint32_t i = 0; i < nd; i++) w->rows[i] += tw;
  }
  if (!n) return 0;
  uint32_t mx = 0;
  for (uint32_t i = 0; i < n; i++) mx = w->cb[i] > mx ? w->cb[i] : mx;
  uint32_t sh = 0;
  while ((mx >> sh) >= SPR_BMP_HIST) sh++;
  memset(w->hist, 0, SPR_BMP_HIST * sizeof *w->hist);
  for (uint32_t i = 0; i < n; i++) w->hist[w->cb[i] >> sh]++;
  const int dm = ix->fd_off != NULL; /* document-major */
  if (dm) /* each step sets the query's weights and clears them again */
    memset(w->qw, 0, ix->n_terms);
  else
    memset(w->inb, 0, (size_t)stride / 8);
  r->c.qt = qt;
  r->c.m = m;
  r->c.mcap = SPR_BMP_MATCHES + spr_bmp_bcap(ix);
  r->c.doc_base = doc_base;
  r->alpha = alpha;
  r->n = n;
  r->sh = sh;
  r->hi = (mx >> sh) + 1;
  r->bcap = spr_bmp_bcap(ix);
  r->dm = dm;
  /* the first batch; a part of a collection searched in parts starts with its share of it */
  const uint64_t first = SPR_BMP_FIRST_BATCH[dm] + SPR_BMP_FIRST_FILL[dm] * ((k_hits + ix->block_size - 1) / ix->block_size);
  r->target = parts > 1 ? (first + parts - 1) / parts : first;
  return 1;
}

int spr_bmp_accel_step(void *ws, void *scratch, uint32_t floor) {
  spr_bmp_run *const r = spr_bmp_run_of(ws);
  spr_bmp_fws *const w = &r->w;
  spr_bmp_actx *const c = &r->c;
  if (!r->n || !r->hi) return 0;
  spr_bmp_use_scratch(r, scratch);
  /* a floor from elsewhere: documents below it are not wanted, blocks whose bound is below it not scored */
  if (floor > c->theta) c->theta = floor;
  if (floor > c->hthr) c->hthr = floor;
  const uint32_t sh = r->sh, n = r->n;
  uint64_t lo = spr_bmp_keep_min(r->alpha, spr_bmp_athr(c));
  if (lo == 0) lo = 1;
  if (lo >= (uint64_t)r->hi << sh) { /* every remaining bound is < hi << sh */
    r->n = 0;
    return 0;
  }
  void (*const score)(spr_bmp_actx *, const uint32_t *, uint32_t) = r->dm ? spr_bmp_score_docs : spr_bmp_score_terms;
  if (r->dm)
    for (uint32_t i = 0; i < c->m; i++) w->qw[c->qt[i].term] = (uint8_t)c->qt[i].weight;
  /* next batch: the buckets [cut, hi) that hold about `target` candidates */
  const uint32_t lo_b = (uint32_t)(lo >> sh);
  uint32_t cut = r->hi;
  uint64_t cnt = 0;
  while (cut > lo_b && cnt < r->target) cnt += w->hist[--cut];
  uint32_t nn = 0, k = 0;
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t x = w->cb[i];
    if (x < lo) continue;
    if ((x >> sh) < cut) {
      w->cid[nn] = w->cid[i];
      w->cb[nn++] = x;
      continue;
    }
    w->bid[k++] = w->cid[i];
    if (k == r->bcap) {
      score(c, w->bid, k);
      k = 0;
      lo = spr_bmp_keep_min(r->alpha, spr_bmp_athr(c));
      if (lo == 0) lo = 1;
    }
  }
  if (k) score(c, w->bid, k);
  if (r->dm)
    for (uint32_t i = 0; i < c->m; i++) w->qw[c->qt[i].term] = 0;
  r->n = nn;
  r->hi = cut;
  r->target *= SPR_BMP_GROWTH[r->dm];
  return r->n && r->hi;
}

uint32_t spr_bmp_accel_scores(void *ws, uint32_t *sc) {
  spr_bmp_actx *const c = &spr_bmp_run_of(ws)->c;
  if (!c->k) return 0;
  spr_bmp_keep(c);
  const uint32_t n = c->hn < c->k ? c->hn : c->k;
  for (uint32_t i = 0; i < n; i++) sc[i] = (uint32_t)(c->hk[i] >> 32);
  memset(sc + n, 0, (size_t)(c->k - n) * sizeof *sc);
  return n;
}

uint32_t spr_bmp_accel_end(void *ws, spr_hit *out, spr_bmp_stats *st) {
  spr_bmp_run *const r = spr_bmp_run_of(ws);
  spr_bmp_actx *const c = &r->c;
  if (!c->k) return 0;
  /* the k best, best first (a key's order is the hits' order: score descending, docid ascending) */
  spr_bmp_keep(c);
  spr_bmp_sort_keys(c->hk, c->hn);
  for (uint32_t i = 0; i < c->hn; i++) out[i] = (spr_hit){(uint32_t)(c->hk[i] >> 32), ~(uint32_t)c->hk[i]};
  if (st) {
    st->blocks_scored += c->st.blocks_scored;
    st->blocks_nonzero += c->st.blocks_nonzero;
    st->postings_scored += c->st.postings_scored;
  }
  return c->hn;
}
