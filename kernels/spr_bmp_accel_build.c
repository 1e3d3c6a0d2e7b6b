/* spr_bmp_accel_build.c: the in-memory acceleration of BMP (spr_bmp_index's fd_*, tp_*, dn_* and
 * sp_* arrays; docs/bmp.md, "Two layouts"): where its arrays lie in one buffer (spr_bmp_accel_size),
 * its build from a range's forward blocks and block maxima (spr_bmp_accel_build), and the pieces
 * that spr_bmp_accel_csr.c builds the same arrays with from posting lists. The search that reads
 * them is spr_bmp_accel.c; nothing here calls it. */
#include <string.h>

#include "spr_bmp_impl.h"

int spr_bmp_is_dense(uint64_t ne, uint32_t nb, uint32_t div) {
  return div && ne && ne * div >= nb;
}

spr_bmp_major spr_bmp_major_for(uint32_t k, uint32_t block_size) {
  return k <= SPR_BMP_DOC_MAJOR_K_MAX && block_size <= SPR_BMP_DOC_MAJOR_BLOCK_MAX ? SPR_BMP_DOC_MAJOR
                                                                                    : SPR_BMP_TERM_MAJOR;
}

void spr_bmp_layout_counts(uint32_t nd, uint32_t nt, uint32_t nb, const uint64_t *bm_off, uint64_t np, uint32_t div,
                           spr_bmp_major major, spr_bmp_layout *L) {
  const uint64_t stride = ((uint64_t)nb + 63) & ~(uint64_t)63;
  uint32_t ndense = 0;
  uint64_t nsp = 0; /* sparse terms' entries */
  for (uint32_t t = 0; t < nt; t++) {
    const uint64_t c = bm_off[t + 1] - bm_off[t];
    if (spr_bmp_is_dense(c, nb, div))
      ndense++;
    else
      nsp += c;
  }
  const uint32_t nseg = nb > 65536u ? (uint32_t)(((uint64_t)nb + 65535u) >> 16) : 1u;
  const uint32_t wide = nt > 65536u, dm = major == SPR_BMP_DOC_MAJOR;
  const uint64_t ne = bm_off[nt];
  size_t off = 0;
  L->fd_off = off, off += dm ? ((size_t)nd + 1) * sizeof(uint64_t) : 0;
  L->fd_term = off, off += dm ? SPR_ALIGN8(np * (wide ? sizeof(uint32_t) : sizeof(uint16_t))) : 0;
  L->fd_imp = off, off += dm ? SPR_ALIGN8(np) : 0;
  L->tp_ck = off, off += dm ? 0 : ((size_t)(ne >> SPR_BMP_CK_SHIFT) + 1) * sizeof(uint64_t);
  L->tp_rel = off, off += dm ? 0 : SPR_ALIGN8((ne + 1) * sizeof(uint16_t));
  L->tp_pair = off, off += dm ? 0 : SPR_ALIGN8(np * sizeof(uint16_t));
  L->dn_slot = off, off += SPR_ALIGN8((size_t)nt * sizeof(uint32_t));
  L->dn_max = off, off += (size_t)ndense * stride;
  L->dn_rank = off, off += dm ? 0 : (size_t)ndense * (stride / 64) * 2 * sizeof(uint64_t);
  L->sp_seg = off, off += ((size_t)nt * nseg + 1) * sizeof(uint64_t);
  L->sp_blk = off, off += SPR_ALIGN8(nsp * sizeof(uint16_t));
  L->sp_max = off, off += SPR_ALIGN8(nsp);
  L->total = off;
  L->n_dense = ndense;
  L->nseg = nseg;
  L->stride = (uint32_t)stride;
  L->wide = wide;
  L->major = dm ? SPR_BMP_DOC_MAJOR : SPR_BMP_TERM_MAJOR;
}

void spr_bmp_layout_set(spr_bmp_index *ix, const spr_bmp_layout *L, void *buf) {
  char *B = buf;
  const int dm = L->major == SPR_BMP_DOC_MAJOR;
  ix->fd_off = dm ? (const uint64_t *)(B + L->fd_off) : NULL;
  ix->fd_t16 = dm && !L->wide ? (const uint16_t *)(B + L->fd_term) : NULL;
  ix->fd_t32 = dm && L->wide ? (const uint32_t *)(B + L->fd_term) : NULL;
  ix->fd_imp = dm ? (const uint8_t *)(B + L->fd_imp) : NULL;
  ix->tp_ck = dm ? NULL : (const uint64_t *)(B + L->tp_ck);
  ix->tp_rel = dm ? NULL : (const uint16_t *)(B + L->tp_rel);
  ix->tp_pair = dm ? NULL : (const uint16_t *)(B + L->tp_pair);
  ix->dn_rank = dm ? NULL : (const uint64_t *)(B + L->dn_rank);
  ix->n_dense = L->n_dense;
  ix->dn_stride = L->stride;
  ix->dn_slot = (const uint32_t *)(B + L->dn_slot);
  ix->dn_max = (const uint8_t *)(B + L->dn_max);
  ix->sp_nseg = L->nseg;
  ix->sp_seg = (const uint64_t *)(B + L->sp_seg);
  ix->sp_blk = (const uint16_t *)(B + L->sp_blk);
  ix->sp_max = (const uint8_t *)(B + L->sp_max);
}

void spr_bmp_fd_docs(const spr_bmp_index *ix, uint64_t b, const uint32_t *per, uint64_t *pos) {
  uint64_t *fo = (uint64_t *)(uintptr_t)ix->fd_off;
  const uint32_t bs = ix->block_size, first = (uint32_t)(b * bs), nbd = ix->n_docs - first < bs ? ix->n_docs - first : bs;
  for (uint32_t i = 0; i < nbd; i++) {
    pos[i] = fo[first + i];
    fo[first + i + 1] = fo[first + i] + per[i];
  }
}

void spr_bmp_fd_put(const spr_bmp_index *ix, uint64_t *pos, uint32_t t, const uint8_t *doc, const uint8_t *imp,
                    uint32_t c) {
  uint8_t *fi = (uint8_t *)(uintptr_t)ix->fd_imp;
  if (ix->fd_t32) {
    uint32_t *ft = (uint32_t *)(uintptr_t)ix->fd_t32;
    for (uint32_t j = 0; j < c; j++) {
      const uint64_t x = pos[doc[j]]++;
      ft[x] = t;
      fi[x] = imp[j];
    }
  } else {
    uint16_t *ft = (uint16_t *)(uintptr_t)ix->fd_t16;
    for (uint32_t j = 0; j < c; j++) {
      const uint64_t x = pos[doc[j]]++;
      ft[x] = (uint16_t)t;
      fi[x] = imp[j];
    }
  }
}

_Static_assert(((1u << SPR_BMP_CK_SHIFT) - 1u) * SPR_BMP_BLOCK_MAX < 65536u, "entry offsets fit u16");

uint64_t spr_bmp_offsets_of_counts(uint64_t *ck, uint16_t *rel, uint64_t ne) {
  uint64_t g = 0;
  for (uint64_t e = 0; e <= ne; e++) {
    const uint32_t cnt = e < ne ? rel[e] : 0;
    if (!(e & ((1u << SPR_BMP_CK_SHIFT) - 1))) ck[e >> SPR_BMP_CK_SHIFT] = g;
    rel[e] = (uint16_t)(g - ck[e >> SPR_BMP_CK_SHIFT]);
    g += cnt;
  }
  return g;
}

void spr_bmp_rank_sums(uint64_t *rk, uint32_t words) {
  uint64_t c = 0;
  for (uint32_t w = 0; w < words; w++) {
    rk[2 * w + 1] = c;
    c += spr_bmp_popcount(rk[2 * w]);
  }
}

static void spr_bmp_layout_of(const spr_bmp_index *ix, uint32_t div, spr_bmp_major major, spr_bmp_layout *L) {
  spr_bmp_layout_counts(ix->n_docs, ix->n_terms, ix->n_blocks, ix->bm_off, ix->fw_post_off[ix->n_blocks], div, major,
                        L);
}

size_t spr_bmp_accel_size(const spr_bmp_index *ix, uint32_t dense_div, spr_bmp_major major) {
  spr_bmp_layout L;
  spr_bmp_layout_of(ix, dense_div, major, &L);
  return L.total;
}

/* Term-major postings: pass 1 counts each entry's postings (rel), pass 2 copies them. */
static int spr_bmp_accel_terms(spr_bmp_index *ix) {
  uint64_t *ck = (uint64_t *)(uintptr_t)ix->tp_ck;
  uint16_t *rel = (uint16_t *)(uintptr_t)ix->tp_rel, *pair = (uint16_t *)(uintptr_t)ix->tp_pair;
  uint32_t *slot = (uint32_t *)(uintptr_t)ix->dn_slot; /* per term: its entries seen so far */
  const uint32_t nt = ix->n_terms, nb = ix->n_blocks;
  memset(slot, 0, (size_t)nt * sizeof *slot);
  for (uint32_t b = 0; b < nb; b++)
    for (uint64_t fe = ix->fw_off[b]; fe < ix->fw_off[b + 1]; fe++) {
      const uint32_t t = ix->fw_term[fe];
      rel[ix->bm_off[t] + slot[t]++] = ix->fw_count[fe];
    }
  const uint64_t g = spr_bmp_offsets_of_counts(ck, rel, ix->bm_off[nt]);
  if (g != ix->fw_post_off[nb]) return SPR_FAIL(SPR_ECORRUPT, "bmp: forward entries hold %llu postings, not %llu",
                                                (unsigned long long)g, (unsigned long long)ix->fw_post_off[nb]);
  memset(slot, 0, (size_t)nt * sizeof *slot);
  for (uint32_t b = 0; b < nb; b++) {
    const uint64_t pb = ix->fw_post_off[b];
    for (uint64_t fe = ix->fw_off[b]; fe < ix->fw_off[b + 1]; fe++) {
      const uint32_t t = ix->fw_term[fe];
      const uint64_t e = ix->bm_off[t] + slot[t]++;
      uint16_t *dst = pair + ck[e >> SPR_BMP_CK_SHIFT] + rel[e];
      const uint8_t *d = ix->fw_doc + pb + ix->fw_start[fe], *im = ix->fw_imp + pb + ix->fw_start[fe];
      for (uint32_t j = 0; j < ix->fw_count[fe]; j++) dst[j] = (uint16_t)(d[j] | (uint32_t)im[j] << 8);
    }
  }
  return 0;
}

/* Document-major postings, block by block. */
static void spr_bmp_accel_docs(spr_bmp_index *ix) {
  uint32_t per[SPR_BMP_BLOCK_MAX];
  uint64_t pos[SPR_BMP_BLOCK_MAX];
  ((uint64_t *)(uintptr_t)ix->fd_off)[0] = 0;
  for (uint32_t b = 0; b < ix->n_blocks; b++) {
    const uint64_t pb = ix->fw_post_off[b];
    memset(per, 0, sizeof per);
    for (uint64_t fe = ix->fw_off[b]; fe < ix->fw_off[b + 1]; fe++)
      for (uint32_t j = 0; j < ix->fw_count[fe]; j++) per[ix->fw_doc[pb + ix->fw_start[fe] + j]]++;
    spr_bmp_fd_docs(ix, b, per, pos);
    for (uint64_t fe = ix->fw_off[b]; fe < ix->fw_off[b + 1]; fe++)
      spr_bmp_fd_put(ix, pos, ix->fw_term[fe], ix->fw_doc + pb + ix->fw_start[fe], ix->fw_imp + pb + ix->fw_start[fe],
                     ix->fw_count[fe]);
  }
}

int spr_bmp_accel_build(spr_bmp_index *ix, uint32_t dense_div, spr_bmp_major major, void *buf, size_t cap) {
  spr_bmp_layout L;
  spr_bmp_layout_of(ix, dense_div, major, &L);
  if (L.total > cap) return SPR_FAIL(SPR_ENOSPACE, "bmp acceleration buffer of %zu bytes < %zu", cap, L.total);
  if ((uintptr_t)buf % 8) return SPR_FAIL(SPR_EINVAL, "bmp acceleration buffer not 8-byte aligned");
  char *B = buf;
  uint32_t *slot = (uint32_t *)(B + L.dn_slot);
  const uint32_t nt = ix->n_terms, nb = ix->n_blocks;
  /* the block maxima match the forward entries one to one (slot[] counts each term's entries) */
  memset(slot, 0, (size_t)nt * sizeof *slot);
  for (uint32_t b = 0; b < nb; b++)
    for (uint64_t fe = ix->fw_off[b]; fe < ix->fw_off[b + 1]; fe++) {
      const uint32_t t = ix->fw_term[fe];
      const uint64_t e = ix->bm_off[t] + slot[t]++;
      if (e >= ix->bm_off[t + 1] || ix->bm_block[e] != b)
        return SPR_FAIL(SPR_ECORRUPT, "bmp: term %u has postings in block %u but no block max there", t, b);
    }
  for (uint32_t t = 0; t < nt; t++)
    if (slot[t] != ix->bm_off[t + 1] - ix->bm_off[t])
      return SPR_FAIL(SPR_ECORRUPT, "bmp: term %u: block maxima without forward postings", t);
  spr_bmp_layout_set(ix, &L, buf);
  if (ix->fd_off)
    spr_bmp_accel_docs(ix);
  else
    SPR_TRY(spr_bmp_accel_terms(ix));
  uint32_t d = 0;
  uint64_t x = 0;
  for (uint32_t t = 0; t < nt; t++)
    spr_bmp_put_maxima(ix, &L, B, dense_div, t, ix->bm_block + ix->bm_off[t], ix->bm_max + ix->bm_off[t],
                       ix->bm_off[t + 1] - ix->bm_off[t], &d, &x);
  ((uint64_t *)(B + L.sp_seg))[(size_t)nt * L.nseg] = x;
  return 0;
}

void spr_bmp_put_maxima(spr_bmp_index *ix, const spr_bmp_layout *L, char *B, uint32_t dense_div, uint32_t t,
                        const uint32_t *blk, const uint8_t *mx, uint64_t n, uint32_t *d, uint64_t *x) {
  uint32_t *slot = (uint32_t *)(B + L->dn_slot);
  const int dense = spr_bmp_is_dense(n, ix->n_blocks, dense_div);
  slot[t] = dense ? *d : UINT32_MAX;
  if (dense) { /* a row of every block's maximum (0: absent), and its rank index */
    uint8_t *row = (uint8_t *)(B + L->dn_max) + (size_t)*d * L->stride;
    memset(row, 0, L->stride);
    for (uint64_t e = 0; e < n; e++) row[blk[e]] = mx[e];
    if (ix->dn_rank) {
      uint64_t *rk = (uint64_t *)(uintptr_t)ix->dn_rank + (size_t)*d * (L->stride / 64) * 2;
      memset(rk, 0, (size_t)(L->stride / 64) * 2 * sizeof *rk);
      for (uint64_t e = 0; e < n; e++) rk[2 * (blk[e] >> 6)] |= 1ull << (blk[e] & 63);
      spr_bmp_rank_sums(rk, L->stride / 64);
    }
    (*d)++;
  }
  /* sparse: u16 block ids by segment of 65,536 blocks */
  uint64_t *seg = (uint64_t *)(B + L->sp_seg);
  uint16_t *sblk = (uint16_t *)(B + L->sp_blk);
  uint8_t *smax = (uint8_t *)(B + L->sp_max);
  uint64_t e = 0;
  for (uint32_t h = 0; h < L->nseg; h++) {
    seg[(size_t)t * L->nseg + h] = *x;
    if (dense) continue;
    for (; e < n && blk[e] >> 16 == h; e++, (*x)++) {
      sblk[*x] = (uint16_t)(blk[e] & 0xFFFFu);
      smax[*x] = mx[e];
    }
  }
}
