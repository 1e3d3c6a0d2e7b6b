/* spr_bmp_accel_csr.c: the acceleration of spr_bmp_accel_build, built straight from a range's postings as
 * CSR by term, the order an index file keeps them in (mpi/spr_index_read.c decodes a rank's range
 * into it). The loader of `spire search` then never makes the range's forward blocks or block
 * maxima: each term's block maxima are made in a buffer of one term and go straight to its dense row
 * or sparse lists, and the postings are copied term-major or scattered document-major. Same arrays,
 * byte for byte, as spr_bmp_accel_build on the forward blocks and block maxima of the same postings
 * (tests/unit/bmp_test.c checks it). */
#include <stdlib.h>
#include <string.h>

#include "spr_bmp_impl.h"
#include "spr_mem.h"

/* Documents per slab of the document-major scatter: its cursors and postings stay in cache. */
#define SPR_BMP_SLAB_DOCS 8192u

/* Document-major: each document's postings, terms ascending (terms are visited in order), one slab of
 * documents at a time. */
static int spr_bmp_csr_docs(spr_bmp_index *ix, const uint64_t *off, const uint32_t *docs, const uint8_t *imp) {
  const uint32_t nd = ix->n_docs, nt = ix->n_terms;
  uint64_t *fo = (uint64_t *)(uintptr_t)ix->fd_off, *pos = malloc(((size_t)nd + 1) * sizeof *pos);
  uint64_t *cur = malloc(((size_t)nt + 1) * sizeof *cur);
  if (!pos || !cur) {
    free(pos);
    free(cur);
    return SPR_FAIL(SPR_ENOMEM, "bmp: out of memory (%u document cursors)", nd);
  }
  memset(fo, 0, ((size_t)nd + 1) * sizeof *fo);
  for (uint64_t i = 0; i < off[nt]; i++) fo[docs[i] + 1]++;
  for (uint32_t d = 0; d < nd; d++) fo[d + 1] += fo[d];
  memcpy(pos, fo, (size_t)nd * sizeof *pos);
  memcpy(cur, off, (size_t)nt * sizeof *cur);
  uint8_t *fi = (uint8_t *)(uintptr_t)ix->fd_imp;
  uint16_t *f16 = (uint16_t *)(uintptr_t)ix->fd_t16;
  uint32_t *f32 = (uint32_t *)(uintptr_t)ix->fd_t32;
  for (uint64_t d1 = 0; d1 < nd;) {
    d1 = d1 + SPR_BMP_SLAB_DOCS < nd ? d1 + SPR_BMP_SLAB_DOCS : nd;
    for (uint32_t t = 0; t < nt; t++) {
      uint64_t i = cur[t];
      for (; i < off[t + 1] && docs[i] < d1; i++) {
        const uint64_t x = pos[docs[i]]++;
        if (f32) f32[x] = t;
        else f16[x] = (uint16_t)t;
        fi[x] = imp[i];
      }
      cur[t] = i;
    }
  }
  free(pos);
  free(cur);
  return 0;
}

/* Term-major: each block-max entry's postings as (doc in block) | impact << 8, in CSR order. */
static void spr_bmp_csr_terms(spr_bmp_index *ix, const uint64_t *off, const uint32_t *docs, const uint8_t *imp) {
  const uint32_t nt = ix->n_terms, bs = ix->block_size;
  const uint64_t dm = spr_bmp_div_m(bs);
  uint16_t *rel = (uint16_t *)(uintptr_t)ix->tp_rel, *pair = (uint16_t *)(uintptr_t)ix->tp_pair;
  for (uint32_t t = 0; t < nt; t++) {
    uint64_t e = ix->bm_off[t];
    for (uint64_t i = off[t]; i < off[t + 1]; e++) {
      const uint32_t first = spr_bmp_div(docs[i], dm) * bs, end = first + bs;
      uint64_t j = i;
      for (; j < off[t + 1] && docs[j] < end; j++) pair[j] = (uint16_t)((docs[j] - first) | (uint32_t)imp[j] << 8);
      rel[e] = (uint16_t)(j - i);
      i = j;
    }
  }
  (void)spr_bmp_offsets_of_counts((uint64_t *)(uintptr_t)ix->tp_ck, rel, ix->bm_off[nt]); /* = off[nt] */
}

int spr_bmp_accel_csr(spr_bmp_index *ix, const uint64_t *off, const uint32_t *docs, const uint8_t *imp,
                      uint32_t dense_div, spr_bmp_major major, uint64_t *bm_off, void **accel) {
  *accel = NULL;
  const uint32_t nt = ix->n_terms, nb = ix->n_blocks, bs = ix->block_size, nd = ix->n_docs;
  if (bs < SPR_BMP_BLOCK_MIN || bs > SPR_BMP_BLOCK_MAX || nb != (uint32_t)(((uint64_t)nd + bs - 1) / bs))
    return SPR_FAIL(SPR_EINVAL, "bmp: %u blocks of %u for %u documents", nb, bs, nd);
  for (uint32_t t = 0; ix->kth && t < nt; t++)
    if (ix->kth[3 * (size_t)t] < ix->kth[3 * (size_t)t + 1] || ix->kth[3 * (size_t)t + 1] < ix->kth[3 * (size_t)t + 2])
      return SPR_FAIL(SPR_ECORRUPT, "bmp: term %u: k-th impacts increase", t);
  /* check the postings and count each term's block-max entries */
  const uint64_t dm = spr_bmp_div_m(bs);
  if (off[0] != 0) return SPR_FAIL(SPR_EINVAL, "bmp: posting offsets start at %llu", (unsigned long long)off[0]);
  bm_off[0] = 0;
  for (uint32_t t = 0; t < nt; t++) {
    if (off[t + 1] < off[t]) return SPR_FAIL(SPR_EINVAL, "bmp: term %u: posting offsets decrease", t);
    uint64_t n = 0, end = 0;
    for (uint64_t i = off[t]; i < off[t + 1]; i++) {
      const uint32_t d = docs[i];
      if (d >= nd || (i > off[t] && d <= docs[i - 1]))
        return SPR_FAIL(SPR_EINVAL, "bmp: term %u: posting %llu (doc %u) out of order or >= %u documents", t,
                        (unsigned long long)(i - off[t]), d, nd);
      if (!imp[i]) return SPR_FAIL(SPR_ECORRUPT, "bmp: term %u: posting %llu has impact 0", t, (unsigned long long)(i - off[t]));
      if (d >= end) {
        n++;
        end = (uint64_t)(spr_bmp_div(d, dm) + 1) * bs;
      }
    }
    bm_off[t + 1] = bm_off[t] + n;
  }
  ix->bm_off = bm_off;
  uint32_t *tb = malloc(((size_t)nb + 1) * sizeof *tb); /* one term's block maxima */
  uint8_t *tm = malloc((size_t)nb + 1);
  spr_bmp_layout L;
  spr_bmp_layout_counts(nd, nt, nb, bm_off, off[nt], dense_div, major, &L);
  char *B = spr_big_alloc(L.total + 8);
  int rc = (B && tb && tm) ? 0 : SPR_FAIL(SPR_ENOMEM, "bmp: out of memory (acceleration, %zu bytes)", L.total);
  if (rc == 0) {
    spr_bmp_layout_set(ix, &L, B);
    if (ix->fd_off) rc = spr_bmp_csr_docs(ix, off, docs, imp);
    else spr_bmp_csr_terms(ix, off, docs, imp);
  }
  uint32_t d = 0;
  uint64_t x = 0;
  for (uint32_t t = 0; rc == 0 && t < nt; t++) { /* the postings were checked above */
    const uint32_t m = spr_bmp_maxima(docs + off[t], imp + off[t], (uint32_t)(off[t + 1] - off[t]), bs, tb, tm);
    spr_bmp_put_maxima(ix, &L, B, dense_div, t, tb, tm, m, &d, &x);
  }
  if (rc == 0) ((uint64_t *)(B + L.sp_seg))[(size_t)nt * L.nseg] = x;
  free(tb);
  free(tm);
  if (rc < 0) {
    free(B);
    return rc;
  }
  *accel = B;
  return 0;
}
