/* spr_bmp_stream.c: the acceleration of spr_bmp_accel_build, built straight from forward blocks
 * read in slices (spr_bmp.h, "streaming"). The loader of `spire search` then never holds the
 * range's forward arrays or block maxima, only the acceleration and one slice: the peak while
 * loading drops from ~3x the uncompressed postings to ~1.3x (docs/bmp.md, "Memory").
 * Same arrays, byte for byte, as spr_bmp_accel_build on the same range; every check of
 * spr_bmp_index_check that concerns the forward blocks is made on the slices as they pass. */
#include <string.h>

#include "spr_bmp_impl.h"

enum { SPR_BMP_ST_COUNTS = 1, SPR_BMP_ST_POSTINGS = 2, SPR_BMP_ST_DONE = 3 };

typedef struct spr_bmp_st {
  uint64_t next_block; /* the next slice starts here */
  uint64_t n_postings;
  uint32_t phase, dense_div;
} spr_bmp_st;

static inline uint32_t *spr_bmp_st_cursor(void *scratch) { /* per term: its entries seen so far */
  return (uint32_t *)((char *)scratch + SPR_ALIGN8(sizeof(spr_bmp_st)));
}

size_t spr_bmp_stream_scratch_size(uint32_t n_terms) {
  return SPR_ALIGN8(sizeof(spr_bmp_st)) + SPR_ALIGN8((size_t)n_terms * sizeof(uint32_t));
}

size_t spr_bmp_stream_size(const spr_bmp_index *ix, uint64_t n_postings, uint32_t dense_div, spr_bmp_major major) {
  spr_bmp_layout L;
  spr_bmp_layout_counts(ix->n_docs, ix->n_terms, ix->n_blocks, ix->bm_off, n_postings, dense_div, major, &L);
  return L.total;
}

int spr_bmp_stream_begin(spr_bmp_index *ix, uint64_t n_postings, uint32_t dense_div, spr_bmp_major major, void *buf,
                         size_t cap, void *scratch) {
  const uint32_t nt = ix->n_terms, nb = ix->n_blocks;
  if (ix->block_size < SPR_BMP_BLOCK_MIN || ix->block_size > SPR_BMP_BLOCK_MAX)
    return SPR_FAIL(SPR_ECORRUPT, "bmp: block size %u outside [%u, %u]", ix->block_size, SPR_BMP_BLOCK_MIN,
                    SPR_BMP_BLOCK_MAX);
  if ((uint64_t)nb * ix->block_size < ix->n_docs || (nb && (uint64_t)(nb - 1) * ix->block_size >= ix->n_docs))
    return SPR_FAIL(SPR_ECORRUPT, "bmp: %u blocks of %u for %u documents", nb, ix->block_size, ix->n_docs);
  if (!ix->bm_off || ix->bm_off[0] != 0) return SPR_FAIL(SPR_ECORRUPT, "bmp: term entry offsets do not start at 0");
  for (uint32_t t = 0; t < nt; t++) {
    if (ix->bm_off[t + 1] < ix->bm_off[t] || ix->bm_off[t + 1] - ix->bm_off[t] > nb)
      return SPR_FAIL(SPR_ECORRUPT, "bmp: term %u: %llu forward entries in %u blocks", t,
                      (unsigned long long)(ix->bm_off[t + 1] - ix->bm_off[t]), nb);
    if (ix->kth && (ix->kth[3 * (size_t)t] < ix->kth[3 * (size_t)t + 1] ||
                    ix->kth[3 * (size_t)t + 1] < ix->kth[3 * (size_t)t + 2]))
      return SPR_FAIL(SPR_ECORRUPT, "bmp: term %u: k-th impacts increase", t);
  }
  if (n_postings < ix->bm_off[nt] || n_postings > ix->bm_off[nt] * ix->block_size)
    return SPR_FAIL(SPR_ECORRUPT, "bmp: %llu postings for %llu forward entries", (unsigned long long)n_postings,
                    (unsigned long long)ix->bm_off[nt]);
  spr_bmp_layout L;
  spr_bmp_layout_counts(ix->n_docs, nt, nb, ix->bm_off, n_postings, dense_div, major, &L);
  if (L.total > cap) return SPR_FAIL(SPR_ENOSPACE, "bmp acceleration buffer of %zu bytes < %zu", cap, L.total);
  if ((uintptr_t)buf % 8 || (uintptr_t)scratch % 8) return SPR_FAIL(SPR_EINVAL, "bmp stream buffers not 8-byte aligned");
  char *B = buf;
  uint32_t *slot = (uint32_t *)(B + L.dn_slot);
  uint32_t d = 0;
  for (uint32_t t = 0; t < nt; t++) slot[t] = spr_bmp_is_dense(ix->bm_off[t + 1] - ix->bm_off[t], nb, dense_div) ? d++ : UINT32_MAX;
  memset(B + L.dn_max, 0, L.sp_seg - L.dn_max); /* dense rows and rank bits */
  memset(B + L.sp_seg, 0, L.sp_blk - L.sp_seg);
  spr_bmp_layout_set(ix, &L, buf);
  if (ix->fd_off) ((uint64_t *)(uintptr_t)ix->fd_off)[0] = 0;
  spr_bmp_st *st = scratch;
  *st = (spr_bmp_st){0, n_postings, SPR_BMP_ST_COUNTS, dense_div};
  memset(spr_bmp_st_cursor(scratch), 0, (size_t)nt * sizeof(uint32_t));
  return 0;
}

/* The slice's blocks [b0, b1) must be the next ones, with offsets starting at 0 and not decreasing. */
static int spr_bmp_st_slice(const spr_bmp_index *ix, spr_bmp_st *st, uint32_t phase, uint64_t b0, uint64_t b1,
                            const uint64_t *off) {
  if (st->phase != phase) return SPR_FAIL(SPR_EINVAL, "bmp stream: step out of order");
  if (b0 != st->next_block || b1 < b0 || b1 > ix->n_blocks)
    return SPR_FAIL(SPR_EINVAL, "bmp stream: slice [%llu, %llu) after block %llu of %u", (unsigned long long)b0,
                    (unsigned long long)b1, (unsigned long long)st->next_block, ix->n_blocks);
  if (off[0] != 0) return SPR_FAIL(SPR_EINVAL, "bmp stream: slice offsets start at %llu", (unsigned long long)off[0]);
  for (uint64_t b = b0; b < b1; b++)
    if (off[b - b0 + 1] < off[b - b0])
      return SPR_FAIL(SPR_ECORRUPT, "bmp: forward entry offsets decrease at block %llu", (unsigned long long)b);
  return 0;
}

int spr_bmp_stream_counts(spr_bmp_index *ix, void *scratch, uint64_t b0, uint64_t b1, const uint64_t *off,
                          const uint32_t *term, const uint8_t *cnt_m1) {
  spr_bmp_st *st = scratch;
  SPR_TRY(spr_bmp_st_slice(ix, st, SPR_BMP_ST_COUNTS, b0, b1, off));
  uint32_t *cur = spr_bmp_st_cursor(scratch);
  uint16_t *rel = (uint16_t *)(uintptr_t)ix->tp_rel; /* term-major only */
  uint64_t *seg = (uint64_t *)(uintptr_t)ix->sp_seg;
  const uint32_t nseg = ix->sp_nseg;
  for (uint64_t b = b0; b < b1; b++) {
    uint32_t prev = 0;
    for (uint64_t x = off[b - b0]; x < off[b - b0 + 1]; x++) {
      const uint32_t t = term[x];
      if (t >= ix->n_terms || (x > off[b - b0] && t <= prev))
        return SPR_FAIL(SPR_ECORRUPT, "bmp: block %llu: forward term %u out of order or >= %u", (unsigned long long)b,
                        t, ix->n_terms);
      prev = t;
      const uint64_t e = ix->bm_off[t] + cur[t]++;
      if (e >= ix->bm_off[t + 1])
        return SPR_FAIL(SPR_ECORRUPT, "bmp: term %u has more forward entries than counted", t);
      if ((uint32_t)cnt_m1[x] + 1u > ix->block_size)
        return SPR_FAIL(SPR_ECORRUPT, "bmp: block %llu: %u postings of term %u in a block of %u",
                        (unsigned long long)b, cnt_m1[x] + 1u, t, ix->block_size);
      if (rel) rel[e] = (uint16_t)(cnt_m1[x] + 1u);
      if (ix->dn_slot[t] == UINT32_MAX) seg[(size_t)t * nseg + (b >> 16) + 1]++;
    }
  }
  st->next_block = b1;
  return 0;
}

int spr_bmp_stream_mid(spr_bmp_index *ix, void *scratch) {
  spr_bmp_st *st = scratch;
  if (st->phase != SPR_BMP_ST_COUNTS || st->next_block != ix->n_blocks)
    return SPR_FAIL(SPR_EINVAL, "bmp stream: counts stopped at block %llu of %u", (unsigned long long)st->next_block,
                    ix->n_blocks);
  uint32_t *cur = spr_bmp_st_cursor(scratch);
  const uint32_t nt = ix->n_terms;
  for (uint32_t t = 0; t < nt; t++)
    if (cur[t] != ix->bm_off[t + 1] - ix->bm_off[t])
      return SPR_FAIL(SPR_ECORRUPT, "bmp: term %u has fewer forward entries than counted", t);
  if (ix->tp_rel) {
    const uint64_t g = spr_bmp_offsets_of_counts((uint64_t *)(uintptr_t)ix->tp_ck, (uint16_t *)(uintptr_t)ix->tp_rel,
                                                 ix->bm_off[nt]);
    if (g != st->n_postings)
      return SPR_FAIL(SPR_ECORRUPT, "bmp: forward entries hold %llu postings, not %llu", (unsigned long long)g,
                      (unsigned long long)st->n_postings);
  }
  uint64_t *seg = (uint64_t *)(uintptr_t)ix->sp_seg;
  const size_t ns = (size_t)nt * ix->sp_nseg;
  for (size_t i = 0; i < ns; i++) seg[i + 1] += seg[i];
  memset(cur, 0, (size_t)nt * sizeof *cur);
  st->phase = SPR_BMP_ST_POSTINGS;
  st->next_block = 0;
  return 0;
}

int spr_bmp_stream_postings(spr_bmp_index *ix, void *scratch, uint64_t b0, uint64_t b1, const uint64_t *off,
                            const uint32_t *term, const uint8_t *cnt_m1, const uint64_t *post_off, const uint8_t *doc,
                            const uint8_t *imp) {
  spr_bmp_st *st = scratch;
  SPR_TRY(spr_bmp_st_slice(ix, st, SPR_BMP_ST_POSTINGS, b0, b1, off));
  if (post_off[0] != 0) return SPR_FAIL(SPR_EINVAL, "bmp stream: slice posting offsets start at %llu",
                                        (unsigned long long)post_off[0]);
  uint32_t *cur = spr_bmp_st_cursor(scratch);
  uint8_t *dmax = (uint8_t *)(uintptr_t)ix->dn_max;
  uint16_t *pair = (uint16_t *)(uintptr_t)ix->tp_pair;  /* term-major only */
  uint64_t *drank = (uint64_t *)(uintptr_t)ix->dn_rank; /* term-major only */
  uint16_t *sblk = (uint16_t *)(uintptr_t)ix->sp_blk;
  uint8_t *smax = (uint8_t *)(uintptr_t)ix->sp_max;
  const uint32_t bs = ix->block_size, nseg = ix->sp_nseg, W2 = ix->dn_stride / 64 * 2;
  uint32_t per[SPR_BMP_BLOCK_MAX];
  uint64_t pos[SPR_BMP_BLOCK_MAX];
  for (uint64_t b = b0; b < b1; b++) {
    const uint64_t p0 = post_off[b - b0], p1 = post_off[b - b0 + 1];
    if (p1 < p0) return SPR_FAIL(SPR_ECORRUPT, "bmp: posting offsets decrease at block %llu", (unsigned long long)b);
    const uint64_t docs_here = (uint64_t)ix->n_docs - b * bs < bs ? ix->n_docs - b * bs : bs;
    if (ix->fd_off && ix->fd_off[b * bs] + (p1 - p0) > st->n_postings)
      return SPR_FAIL(SPR_ECORRUPT, "bmp: block %llu: more than %llu postings", (unsigned long long)b,
                      (unsigned long long)st->n_postings);
    /* check the block's entries and postings, and count each document's postings */
    memset(per, 0, sizeof per);
    uint64_t at = p0;
    for (uint64_t x = off[b - b0]; x < off[b - b0 + 1]; x++) {
      const uint32_t t = term[x]; /* checked by spr_bmp_stream_counts on the same data */
      const uint32_t c = (uint32_t)cnt_m1[x] + 1u;
      if (t >= ix->n_terms || ix->bm_off[t] + cur[t] >= ix->bm_off[t + 1])
        return SPR_FAIL(SPR_ECORRUPT, "bmp: block %llu: forward entries changed between passes", (unsigned long long)b);
      if (at + c > p1 || c > bs)
        return SPR_FAIL(SPR_ECORRUPT, "bmp: block %llu: entry counts exceed its postings", (unsigned long long)b);
      const uint64_t e = ix->bm_off[t] + cur[t];
      const uint64_t g0 = pair ? ix->tp_ck[e >> SPR_BMP_CK_SHIFT] + ix->tp_rel[e] : 0;
      if (pair && ix->tp_ck[(e + 1) >> SPR_BMP_CK_SHIFT] + ix->tp_rel[e + 1] - g0 != c)
        return SPR_FAIL(SPR_ECORRUPT, "bmp: block %llu: forward entries changed between passes", (unsigned long long)b);
      uint8_t m = 0;
      for (uint32_t j = 0; j < c; j++) {
        const uint8_t dj = doc[at + j], ij = imp[at + j];
        if (dj >= docs_here || (j && dj <= doc[at + j - 1]) || !ij)
          return SPR_FAIL(SPR_ECORRUPT, "bmp: block %llu, term %u: posting %u (doc %u, impact %u) out of order, "
                          "past the block or zero", (unsigned long long)b, t, j, dj, ij);
        per[dj]++;
        if (pair) pair[g0 + j] = (uint16_t)(dj | (uint32_t)ij << 8);
        m = ij > m ? ij : m;
      }
      at += c;
      const uint32_t s = ix->dn_slot[t];
      if (s != UINT32_MAX) {
        dmax[(size_t)s * ix->dn_stride + b] = m;
        if (drank) drank[(size_t)s * W2 + 2 * (b >> 6)] |= 1ull << (b & 63);
      } else {
        const uint64_t y = ix->sp_seg[(size_t)t * nseg] + cur[t];
        sblk[y] = (uint16_t)(b & 0xFFFFu);
        smax[y] = m;
      }
      cur[t]++;
    }
    if (at != p1)
      return SPR_FAIL(SPR_ECORRUPT, "bmp: block %llu: entry counts sum to %llu, posting offsets say %llu",
                      (unsigned long long)b, (unsigned long long)(at - p0), (unsigned long long)(p1 - p0));
    if (!ix->fd_off) continue;
    /* the postings document-major */
    spr_bmp_fd_docs(ix, b, per, pos);
    at = p0;
    for (uint64_t x = off[b - b0]; x < off[b - b0 + 1]; x++) {
      const uint32_t c = (uint32_t)cnt_m1[x] + 1u;
      spr_bmp_fd_put(ix, pos, term[x], doc + at, imp + at, c);
      at += c;
    }
  }
  st->next_block = b1;
  return 0;
}

int spr_bmp_stream_end(spr_bmp_index *ix, void *scratch) {
  spr_bmp_st *st = scratch;
  if (st->phase != SPR_BMP_ST_POSTINGS || st->next_block != ix->n_blocks)
    return SPR_FAIL(SPR_EINVAL, "bmp stream: postings stopped at block %llu of %u",
                    (unsigned long long)st->next_block, ix->n_blocks);
  const uint32_t *cur = spr_bmp_st_cursor(scratch);
  for (uint32_t t = 0; t < ix->n_terms; t++)
    if (cur[t] != ix->bm_off[t + 1] - ix->bm_off[t])
      return SPR_FAIL(SPR_ECORRUPT, "bmp: term %u: forward entries changed between passes", t);
  if (ix->fd_off && ix->fd_off[ix->n_docs] != st->n_postings)
    return SPR_FAIL(SPR_ECORRUPT, "bmp: forward entries hold %llu postings, not %llu",
                    (unsigned long long)ix->fd_off[ix->n_docs], (unsigned long long)st->n_postings);
  if (ix->dn_rank) {
    uint64_t *drank = (uint64_t *)(uintptr_t)ix->dn_rank;
    const uint32_t W = ix->dn_stride / 64;
    for (uint32_t s = 0; s < ix->n_dense; s++) spr_bmp_rank_sums(drank + (size_t)s * W * 2, W);
  }
  st->phase = SPR_BMP_ST_DONE;
  return 0;
}
