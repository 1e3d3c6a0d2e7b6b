/* spr_index_read.c: opening, reading and verifying an index file (local: any rank, any count).
 * Everything read from the file is validated before use: a damaged file gives SPR_ECORRUPT
 * naming the dataset and position, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_h5.h"
#include "spr_index.h"
#include "spr_postings.h"
#include "spr_progress.h"

struct spr_index {
  char *path;          /* owned */
  spr_h5_reader *r;    /* owned */
  spr_index_info info;
  spr_strlist terms;   /* owned */
  uint64_t *post_off;  /* owned: n_terms + 1 */
  uint64_t *post_blk;  /* owned: n_terms + 1: first 128-posting codec block of each term */
  uint64_t n_pblocks;
};

const spr_index_info *spr_index_get_info(const spr_index *ix) { return &ix->info; }
const spr_strlist *spr_index_terms(const spr_index *ix) { return &ix->terms; }

void spr_index_close(spr_index **pix) {
  if (!pix || !*pix) return;
  spr_index *ix = *pix;
  spr_h5_reader_close(&ix->r);
  spr_strlist_free(&ix->terms);
  free(ix->post_off);
  free(ix->post_blk);
  free(ix->path);
  free(ix);
  *pix = NULL;
}

static int spr_read_str_attr(spr_index *ix, const char *name, char *dst, size_t cap) {
  char *s = NULL;
  SPR_TRY(spr_h5_get_attr_str(ix->r, "/", name, &s));
  snprintf(dst, cap, "%s", s);
  free(s);
  return SPR_OK;
}

/* Check that an offsets array of n + 1 entries starts at 0, never decreases and ends at end. */
static int spr_check_offsets(const char *path, const char *ds, const uint64_t *off, uint64_t n, uint64_t end) {
  if (off[0] != 0) return SPR_FAIL(SPR_ECORRUPT, "%s: %s[0] = %llu, expected 0", path, ds, (unsigned long long)off[0]);
  for (uint64_t i = 0; i < n; i++)
    if (off[i + 1] < off[i])
      return SPR_FAIL(SPR_ECORRUPT, "%s: %s decreases at %llu", path, ds, (unsigned long long)i + 1);
  if (off[n] != end)
    return SPR_FAIL(SPR_ECORRUPT, "%s: %s ends at %llu, expected %llu", path, ds, (unsigned long long)off[n],
                    (unsigned long long)end);
  return SPR_OK;
}

static int spr_expect_len(spr_index *ix, const char *ds, uint64_t n) {
  const int64_t len = spr_h5_len(ix->r, ds);
  if (len < 0) return (int)len;
  if ((uint64_t)len != n)
    return SPR_FAIL(SPR_ECORRUPT, "%s: %s has %lld elements, expected %llu", ix->path, ds, (long long)len,
                    (unsigned long long)n);
  return SPR_OK;
}

static int spr_index_check_open(spr_index *ix);

int spr_index_open(const char *path, spr_index **out) {
  *out = NULL;
  SPR_TRY(spr_h5_init());
  spr_index *ix = calloc(1, sizeof *ix);
  if (!ix || !(ix->path = strdup(path))) {
    free(ix);
    return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  }
  int rc = SPR_OK;
  uint64_t *toff = NULL;
  char *tbytes = NULL;
  SPR_TRYG(rc, spr_h5_reader_open(path, &ix->r), fail);
  spr_index_info *in = &ix->info;
  if (spr_h5_get_attr_u64(ix->r, "/", "format_version", &in->format_version) < 0) {
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: not a spire index (no format_version attribute)", path);
    goto fail;
  }
  if (in->format_version != SPR_FORMAT_VERSION) {
    rc = SPR_FAIL(SPR_EUNSUPPORTED, "%s: index format version %llu, this spire reads version %u", path,
                  (unsigned long long)in->format_version, SPR_FORMAT_VERSION);
    goto fail;
  }
  SPR_TRYG(rc, spr_h5_get_attr_u64(ix->r, "/", "n_docs", &in->n_docs), fail);
  SPR_TRYG(rc, spr_h5_get_attr_u64(ix->r, "/", "n_terms", &in->n_terms), fail);
  SPR_TRYG(rc, spr_h5_get_attr_u64(ix->r, "/", "n_postings", &in->n_postings), fail);
  SPR_TRYG(rc, spr_h5_get_attr_u64(ix->r, "/", "impact_bits", &in->bits), fail);
  SPR_TRYG(rc, spr_h5_get_attr_f64(ix->r, "/", "bm25_k1", &in->k1), fail);
  SPR_TRYG(rc, spr_h5_get_attr_f64(ix->r, "/", "bm25_b", &in->b), fail);
  SPR_TRYG(rc, spr_h5_get_attr_f64(ix->r, "/", "avgdl", &in->avgdl), fail);
  SPR_TRYG(rc, spr_h5_get_attr_f64(ix->r, "/", "score_max", &in->score_max), fail);
  SPR_TRYG(rc, spr_h5_get_attr_u64(ix->r, "/", "block_size", &in->block_size), fail);
  SPR_TRYG(rc, spr_h5_get_attr_u64(ix->r, "/", "n_blocks", &in->n_blocks), fail);
  if (in->block_size < SPR_BMP_BLOCK_MIN || in->block_size > SPR_BMP_BLOCK_MAX ||
      in->n_blocks != (in->n_docs + in->block_size - 1) / in->block_size) {
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: block_size %llu / n_blocks %llu inconsistent with %llu documents", path,
                  (unsigned long long)in->block_size, (unsigned long long)in->n_blocks, (unsigned long long)in->n_docs);
    goto fail;
  }
  SPR_TRYG(rc, spr_read_str_attr(ix, "encoder", in->encoder, sizeof in->encoder), fail);
  SPR_TRYG(rc, spr_read_str_attr(ix, "analyzer", in->analyzer, sizeof in->analyzer), fail);
  SPR_TRYG(rc, spr_read_str_attr(ix, "quantization", in->quantization, sizeof in->quantization), fail);
  if (!strcmp(in->encoder, "splade")) {
    SPR_TRYG(rc, spr_read_str_attr(ix, "model", in->model, sizeof in->model), fail);
    SPR_TRYG(rc, spr_h5_get_attr_u64(ix->r, "/", "max_length", &in->max_length), fail);
  }
  if (in->n_docs >= UINT32_MAX || in->n_terms >= UINT32_MAX) {
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: implausible header (n_docs %llu, n_terms %llu)", path,
                  (unsigned long long)in->n_docs, (unsigned long long)in->n_terms);
    goto fail;
  }
  const uint64_t nt = in->n_terms;
  SPR_TRYG(rc, spr_expect_len(ix, "/terms/offsets", nt + 1), fail);
  SPR_TRYG(rc, spr_expect_len(ix, "/terms/posting_offsets", nt + 1), fail);
  SPR_TRYG(rc, spr_expect_len(ix, "/terms/posting_blocks", nt + 1), fail);
  const int64_t nbytes = spr_h5_len(ix->r, "/terms/bytes");
  if (nbytes < 0) {
    rc = (int)nbytes;
    goto fail;
  }
  toff = malloc((nt + 1) * sizeof *toff);
  ix->post_off = malloc((nt + 1) * sizeof *ix->post_off);
  tbytes = malloc((size_t)nbytes + 1);
  if (!toff || !ix->post_off || !tbytes) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading %llu terms", path, (unsigned long long)nt);
    goto fail;
  }
  SPR_TRYG(rc, spr_h5_read(ix->r, "/terms/offsets", SPR_H5_U64, 0, nt + 1, toff), fail);
  SPR_TRYG(rc, spr_check_offsets(path, "/terms/offsets", toff, nt, (uint64_t)nbytes), fail);
  SPR_TRYG(rc, spr_h5_read(ix->r, "/terms/posting_offsets", SPR_H5_U64, 0, nt + 1, ix->post_off), fail);
  SPR_TRYG(rc, spr_check_offsets(path, "/terms/posting_offsets", ix->post_off, nt, in->n_postings), fail);
  {
    const int64_t nblk = spr_h5_len(ix->r, "/postings/block_last");
    if (nblk < 0) {
      rc = (int)nblk;
      goto fail;
    }
    ix->n_pblocks = (uint64_t)nblk;
    ix->post_blk = malloc((nt + 1) * sizeof *ix->post_blk);
    if (!ix->post_blk) {
      rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
      goto fail;
    }
    SPR_TRYG(rc, spr_expect_len(ix, "/postings/block_offsets", ix->n_pblocks + 1), fail);
    SPR_TRYG(rc, spr_h5_read(ix->r, "/terms/posting_blocks", SPR_H5_U64, 0, nt + 1, ix->post_blk), fail);
    SPR_TRYG(rc, spr_check_offsets(path, "/terms/posting_blocks", ix->post_blk, nt, ix->n_pblocks), fail);
    for (uint64_t t = 0; t < nt; t++)
      if (ix->post_blk[t + 1] - ix->post_blk[t] != (ix->post_off[t + 1] - ix->post_off[t] + SPR_POSTINGS_BLOCK - 1) / SPR_POSTINGS_BLOCK) {
        rc = SPR_FAIL(SPR_ECORRUPT, "%s: /terms/posting_blocks: term %llu has a wrong number of blocks", path,
                      (unsigned long long)t);
        goto fail;
      }
  }
  SPR_TRYG(rc, spr_h5_read(ix->r, "/terms/bytes", SPR_H5_U8, 0, (uint64_t)nbytes, tbytes), fail);
  /* rebuild the NUL-separated term list */
  spr_strlist *tl = &ix->terms;
  tl->n = (uint32_t)nt;
  tl->len = (size_t)nbytes + nt;
  tl->bytes = malloc(tl->len ? tl->len : 1);
  tl->off = malloc((nt + 1) * sizeof *tl->off);
  if (!tl->bytes || !tl->off) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  for (uint64_t t = 0; t < nt; t++) {
    const uint64_t n = toff[t + 1] - toff[t];
    tl->off[t] = toff[t] + t;
    memcpy(tl->bytes + tl->off[t], tbytes + toff[t], n);
    tl->bytes[tl->off[t] + n] = '\0';
    if (memchr(tbytes + toff[t], '\0', n)) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: /terms/bytes: NUL inside term %llu", path, (unsigned long long)t);
      goto fail;
    }
  }
  tl->off[nt] = tl->len;
  SPR_TRYG(rc, spr_index_check_open(ix), fail);
  free(toff);
  free(tbytes);
  *out = ix;
  return SPR_OK;
fail:
  free(toff);
  free(tbytes);
  spr_index_close(&ix);
  return rc;
}

int spr_index_read_postings(spr_index *ix, uint32_t t, uint32_t lo, uint32_t hi, uint32_t **docs,
                            uint8_t **impacts, uint32_t *n) {
  *docs = NULL;
  *impacts = NULL;
  *n = 0;
  if (t >= ix->info.n_terms) return SPR_FAIL(SPR_EINVAL, "term id %u out of range", t);
  const uint64_t df = ix->post_off[t + 1] - ix->post_off[t];
  const uint64_t b0 = ix->post_blk[t], nb = ix->post_blk[t + 1] - b0;
  const char *term = spr_strlist_get(&ix->terms, t);
  uint32_t *last = malloc((nb ? nb : 1) * sizeof *last), *d = NULL;
  uint64_t *boff = malloc((nb + 1) * sizeof *boff);
  uint8_t *enc = NULL, *w = NULL;
  int rc = SPR_OK;
  if (!last || !boff) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading postings of '%s'", ix->path, term);
    goto fail;
  }
  SPR_TRYG(rc, spr_h5_read(ix->r, "/postings/block_last", SPR_H5_U32, b0, nb, last), fail);
  /* the skip list: blocks [j0, j1) are the ones that can hold docids in [lo, hi) */
  uint64_t j0 = 0, j1 = nb;
  while (j0 < nb && last[j0] < lo) j0++;
  j1 = j0;
  while (j1 < nb && (j1 == j0 || last[j1 - 1] < hi)) j1++;
  if (j0 >= j1) goto empty;
  SPR_TRYG(rc, spr_h5_read(ix->r, "/postings/block_offsets", SPR_H5_U64, b0 + j0, j1 - j0 + 1, boff), fail);
  const uint64_t base = boff[0], len = boff[j1 - j0] - base;
  for (uint64_t j = 0; j <= j1 - j0; j++) {
    if (boff[j] < base || boff[j] - base > len || (j && boff[j] < boff[j - 1])) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: /postings/block_offsets of term '%s' out of order", ix->path, term);
      goto fail;
    }
    boff[j] -= base;
  }
  const uint64_t cap = (j1 - j0) * SPR_POSTINGS_BLOCK;
  enc = calloc(len + SPR_POSTINGS_PAD, 1);
  d = malloc(cap * sizeof *d);
  w = malloc(cap);
  if (!enc || !d || !w) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading postings of '%s'", ix->path, term);
    goto fail;
  }
  SPR_TRYG(rc, spr_h5_read(ix->r, "/postings/encoded", SPR_H5_U8, base, len, enc), fail);
  uint64_t m = 0;
  for (uint64_t j = j0; j < j1; j++) {
    const int64_t got = spr_postings_decode_block(enc, len, boff, (uint32_t)(df - j0 * SPR_POSTINGS_BLOCK),
                                                  (uint32_t)(j - j0), d + m, w + m);
    if (got < 0) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: postings of term '%s', block %llu: %s", ix->path, term,
                    (unsigned long long)j, spr_last_message());
      goto fail;
    }
    if (d[m + (uint64_t)got - 1] != last[j]) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: postings of term '%s', block %llu: last docid %u, skip list says %u", ix->path,
                    term, (unsigned long long)j, d[m + (uint64_t)got - 1], last[j]);
      goto fail;
    }
    m += (uint64_t)got;
  }
  /* validate, then keep [lo, hi) */
  uint64_t s0 = 0, e0 = 0; /* [s0, e0): the postings with lo <= docid < hi */
  for (uint64_t i = 0; i < m; i++) {
    if (d[i] >= ix->info.n_docs || (i && d[i] <= d[i - 1]) || w[i] == 0) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: postings of term '%s' invalid at position %llu", ix->path, term,
                    (unsigned long long)(j0 * SPR_POSTINGS_BLOCK + i));
      goto fail;
    }
    if (d[i] < lo) s0 = i + 1;
    if (d[i] < hi) e0 = i + 1;
  }
  if (e0 < s0) e0 = s0;
  memmove(d, d + s0, (e0 - s0) * sizeof *d);
  memmove(w, w + s0, e0 - s0);
  free(last);
  free(boff);
  free(enc);
  *docs = d;
  *impacts = w;
  *n = (uint32_t)(e0 - s0);
  return SPR_OK;
empty:
  free(last);
  free(boff);
  *docs = malloc(sizeof(uint32_t));
  *impacts = malloc(1);
  if (!*docs || !*impacts) {
    free(*docs);
    free(*impacts);
    *docs = NULL;
    *impacts = NULL;
    return SPR_FAIL(SPR_ENOMEM, "out of memory");
  }
  return SPR_OK;
fail:
  free(last);
  free(boff);
  free(enc);
  free(d);
  free(w);
  return rc;
}

int spr_index_read_docids(spr_index *ix, char **ids, uint64_t **off) {
  *ids = NULL;
  *off = NULL;
  const uint64_t n = ix->info.n_docs;
  const int64_t nb = spr_h5_len(ix->r, "/docs/ids");
  if (nb < 0) return (int)nb;
  SPR_TRY(spr_expect_len(ix, "/docs/id_offsets", n + 1));
  uint64_t *o = malloc((n + 1) * sizeof *o);
  char *raw = malloc((size_t)nb + 1), *s = malloc((size_t)nb + n + 1);
  int rc = SPR_OK;
  if (!o || !raw || !s) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading document ids", ix->path);
    goto fail;
  }
  SPR_TRYG(rc, spr_h5_read(ix->r, "/docs/id_offsets", SPR_H5_U64, 0, n + 1, o), fail);
  SPR_TRYG(rc, spr_check_offsets(ix->path, "/docs/id_offsets", o, n, (uint64_t)nb), fail);
  SPR_TRYG(rc, spr_h5_read(ix->r, "/docs/ids", SPR_H5_U8, 0, (uint64_t)nb, raw), fail);
  for (uint64_t i = 0; i < n; i++) {
    const uint64_t len = o[i + 1] - o[i], at = o[i] + i;
    memcpy(s + at, raw + o[i], len);
    s[at + len] = '\0';
    o[i] = at;
  }
  o[n] = (uint64_t)nb + n;
  free(raw);
  *ids = s;
  *off = o;
  return SPR_OK;
fail:
  free(o);
  free(raw);
  free(s);
  return rc;
}

int spr_index_read_lengths(spr_index *ix, uint32_t **len) {
  *len = NULL;
  const uint64_t n = ix->info.n_docs;
  SPR_TRY(spr_expect_len(ix, "/docs/length", n));
  uint32_t *l = malloc((n ? n : 1) * sizeof *l);
  if (!l) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", ix->path);
  const int rc = spr_h5_read(ix->r, "/docs/length", SPR_H5_U32, 0, n, l);
  if (rc < 0) {
    free(l);
    return rc;
  }
  *len = l;
  return SPR_OK;
}

/* The BMP structures: the forward blocks pass the kernel's structural and consistency checks, the
 * stored /blockmax lists equal the ones the forward blocks imply, and the stored k-th impacts equal
 * the ones of the postings (kth: recomputed by the caller from the decoded postings). */
static int spr_verify_bmp(spr_index *ix, const uint8_t *kth) {
  const spr_index_info *in = &ix->info;
  spr_bmp_data bd;
  SPR_TRY(spr_index_load_bmp(ix, 0, in->n_blocks, &bd));
  const spr_bmp_index *v = &bd.view;
  const uint64_t nt = in->n_terms, ne = v->bm_off[nt];
  uint64_t *off = malloc((nt + 1) * sizeof *off);
  uint32_t *blk = malloc((ne ? ne : 1) * sizeof *blk);
  uint8_t *mx = malloc(ne ? ne : 1);
  void *ws = malloc(spr_bmp_check_workspace_size(v) + 8);
  int rc = (off && blk && mx && ws) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory", ix->path);
  if (rc == SPR_OK) rc = spr_bmp_index_check_consistency(v, ws);
  if (rc == SPR_OK) rc = spr_expect_len(ix, "/blockmax/offsets", nt + 1);
  if (rc == SPR_OK) rc = spr_expect_len(ix, "/blockmax/blocks", ne);
  if (rc == SPR_OK) rc = spr_h5_read(ix->r, "/blockmax/offsets", SPR_H5_U64, 0, nt + 1, off);
  if (rc == SPR_OK) rc = spr_h5_read(ix->r, "/blockmax/blocks", SPR_H5_U32, 0, ne, blk);
  if (rc == SPR_OK) rc = spr_h5_read(ix->r, "/blockmax/max", SPR_H5_U8, 0, ne, mx);
  for (uint64_t t = 0; rc == SPR_OK && t < nt; t++) {
    int bad = off[t + 1] != v->bm_off[t + 1];
    for (uint64_t e = v->bm_off[t]; !bad && e < v->bm_off[t + 1]; e++) bad = blk[e] != v->bm_block[e] || mx[e] != v->bm_max[e];
    if (bad)
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: /blockmax of term '%s' disagrees with its forward blocks", ix->path,
                    spr_strlist_get(&ix->terms, (uint32_t)t));
    else if (memcmp(kth + 3 * t, v->kth + 3 * t, 3))
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: /terms/kth_impact of term '%s' disagrees with its postings", ix->path,
                    spr_strlist_get(&ix->terms, (uint32_t)t));
  }
  free(off);
  free(blk);
  free(mx);
  free(ws);
  spr_bmp_data_free(&bd);
  return rc;
}

/* The last entry of an offsets dataset (its length is checked by the caller). */
static int spr_last_u64(spr_index *ix, const char *ds, uint64_t n, uint64_t *v) {
  return spr_h5_read(ix->r, ds, SPR_H5_U64, n, 1, v);
}

/* Every dataset whose length follows from an offsets dataset has exactly that length (a damaged
 * extent would otherwise make a checksum pass read a huge run of fill values). */
static int spr_verify_lengths(spr_index *ix) {
  const spr_index_info *in = &ix->info;
  uint64_t v = 0;
  SPR_TRY(spr_expect_len(ix, "/forward/block_offsets", in->n_blocks + 1));
  SPR_TRY(spr_expect_len(ix, "/forward/posting_offsets", in->n_blocks + 1));
  SPR_TRY(spr_last_u64(ix, "/forward/block_offsets", in->n_blocks, &v));
  SPR_TRY(spr_expect_len(ix, "/forward/terms", v));
  SPR_TRY(spr_expect_len(ix, "/forward/counts_minus_1", v));
  SPR_TRY(spr_last_u64(ix, "/forward/posting_offsets", in->n_blocks, &v));
  if (v != in->n_postings)
    return SPR_FAIL(SPR_ECORRUPT, "%s: /forward holds %llu postings, the header says %llu", ix->path,
                    (unsigned long long)v, (unsigned long long)in->n_postings);
  SPR_TRY(spr_expect_len(ix, "/forward/docs", v));
  SPR_TRY(spr_expect_len(ix, "/forward/impacts", v));
  SPR_TRY(spr_expect_len(ix, "/blockmax/offsets", in->n_terms + 1));
  SPR_TRY(spr_last_u64(ix, "/blockmax/offsets", in->n_terms, &v));
  SPR_TRY(spr_expect_len(ix, "/blockmax/blocks", v));
  SPR_TRY(spr_expect_len(ix, "/blockmax/max", v));
  SPR_TRY(spr_last_u64(ix, "/postings/block_offsets", ix->n_pblocks, &v));
  SPR_TRY(spr_expect_len(ix, "/postings/encoded", v));
  SPR_TRY(spr_expect_len(ix, "/docs/length", in->n_docs));
  SPR_TRY(spr_expect_len(ix, "/docs/id_offsets", in->n_docs + 1));
  SPR_TRY(spr_last_u64(ix, "/docs/id_offsets", in->n_docs, &v));
  SPR_TRY(spr_expect_len(ix, "/docs/ids", v));
  return SPR_OK;
}

int spr_index_verify(spr_index *ix) {
  const spr_index_info *in = &ix->info;
  SPR_TRY(spr_verify_lengths(ix));
  /* terms strictly increasing (sorted unique) and non-empty */
  for (uint32_t t = 0; t < ix->terms.n; t++) {
    const char *s = spr_strlist_get(&ix->terms, t);
    if (!s[0]) return SPR_FAIL(SPR_ECORRUPT, "%s: /terms: empty term %u", ix->path, t);
    if (t && strcmp(spr_strlist_get(&ix->terms, t - 1), s) >= 0)
      return SPR_FAIL(SPR_ECORRUPT, "%s: /terms not sorted at term %u ('%s')", ix->path, t, s);
  }
  SPR_TRY(spr_expect_len(ix, "/terms/df", in->n_terms));
  SPR_TRY(spr_expect_len(ix, "/terms/max_impact", in->n_terms));
  uint32_t *df = malloc((in->n_terms + 1) * sizeof *df);
  uint8_t *mx = malloc(in->n_terms + 1);
  uint32_t *d = NULL;
  uint8_t *w = NULL;
  char *ids = NULL;
  uint64_t *ioff = NULL;
  uint32_t *len = NULL;
  uint8_t *kth = malloc(3 * in->n_terms + 1);
  int rc = SPR_OK;
  if (!df || !mx || !kth) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", ix->path);
    goto cleanup;
  }
  SPR_TRYG(rc, spr_h5_read(ix->r, "/terms/df", SPR_H5_U32, 0, in->n_terms, df), cleanup);
  SPR_TRYG(rc, spr_h5_read(ix->r, "/terms/max_impact", SPR_H5_U8, 0, in->n_terms, mx), cleanup);
  const unsigned top = (1u << in->bits) - 1u;
  uint64_t pruned = 0; /* static pruning may empty a term's list; the term stays in the dictionary */
  if (spr_h5_get_attr_u64(ix->r, "/", "pruned_postings", &pruned) < 0) pruned = 0;
  for (uint32_t t = 0; t < in->n_terms; t++) {
    uint32_t n = 0;
    SPR_TRYG(rc, spr_index_read_postings(ix, t, 0, (uint32_t)in->n_docs, &d, &w, &n), cleanup);
    uint8_t m = 0;
    for (uint32_t i = 0; i < n; i++) m = w[i] > m ? w[i] : m;
    if (n != df[t] || (n == 0 && !pruned)) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: term '%s': df %u but %u postings", ix->path,
                    spr_strlist_get(&ix->terms, t), df[t], n);
      goto cleanup;
    }
    spr_bmp_kth(w, n, kth + 3 * (size_t)t);
    if (m != mx[t] || m > top) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: term '%s': max_impact %u but postings reach %u (bits %llu)", ix->path,
                    spr_strlist_get(&ix->terms, t), mx[t], m, (unsigned long long)in->bits);
      goto cleanup;
    }
    free(d);
    free(w);
    d = NULL;
    w = NULL;
  }
  SPR_TRYG(rc, spr_index_read_docids(ix, &ids, &ioff), cleanup);
  SPR_TRYG(rc, spr_index_read_lengths(ix, &len), cleanup);
  SPR_TRYG(rc, spr_verify_bmp(ix, kth), cleanup);
  for (uint64_t i = 0; i < in->n_docs; i++)
    if (!ids[ioff[i]]) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: /docs/ids: empty id for docid %llu", ix->path, (unsigned long long)i);
      goto cleanup;
    }
cleanup:
  free(df);
  free(mx);
  free(d);
  free(w);
  free(ids);
  free(ioff);
  free(len);
  free(kth);
  return rc;
}

void spr_index_block_range(const spr_index *ix, int r, int P, uint64_t *blk_lo, uint64_t *blk_hi) {
  const uint64_t nb = ix->info.n_blocks;
  *blk_lo = (uint64_t)((unsigned __int128)nb * (unsigned)r / (unsigned)P);
  *blk_hi = (uint64_t)((unsigned __int128)nb * (unsigned)(r + 1) / (unsigned)P);
}

void spr_bmp_data_free(spr_bmp_data *d) {
  if (!d) return;
  for (size_t i = 0; i < sizeof d->mem / sizeof d->mem[0]; i++) free(d->mem[i]);
  memset(d, 0, sizeof *d);
}

/* Checks that blocks [blk_lo, blk_hi) exist and gives their documents [*d_lo, *d_hi). */
static int spr_bmp_range_docs(const spr_index *ix, uint64_t blk_lo, uint64_t blk_hi, uint64_t *d_lo, uint64_t *d_hi) {
  const spr_index_info *in = &ix->info;
  const uint64_t bs = in->block_size;
  if (blk_lo > blk_hi || blk_hi > in->n_blocks)
    return SPR_FAIL(SPR_EINVAL, "block range [%llu,%llu) outside %llu blocks", (unsigned long long)blk_lo,
                    (unsigned long long)blk_hi, (unsigned long long)in->n_blocks);
  *d_lo = blk_lo * bs;
  *d_hi = blk_hi * bs < in->n_docs ? blk_hi * bs : in->n_docs;
  return SPR_OK;
}

/* The forward offsets of blocks [blk_lo, blk_lo + nb) (nb + 1 each, made relative to the range's
 * first entry e0 / posting p0, which are returned) and the k-th impacts, with the checks both BMP
 * loaders need: dataset lengths, offsets not decreasing, within the datasets, and no block with more
 * postings than its entries can hold. */
static int spr_bmp_range_read(spr_index *ix, uint64_t blk_lo, uint64_t nb, uint64_t *fw_off, uint64_t *fw_post_off,
                              uint8_t *kth, uint64_t *e0, uint64_t *p0) {
  const spr_index_info *in = &ix->info;
  const uint64_t nbt = in->n_blocks, nt = in->n_terms, bs = in->block_size;
  const int64_t e_total = spr_h5_len(ix->r, "/forward/terms"), p_total = spr_h5_len(ix->r, "/forward/docs");
  if (e_total < 0 || p_total < 0) return (int)(e_total < 0 ? e_total : p_total);
  SPR_TRY(spr_expect_len(ix, "/forward/block_offsets", nbt + 1));
  SPR_TRY(spr_expect_len(ix, "/forward/posting_offsets", nbt + 1));
  SPR_TRY(spr_expect_len(ix, "/terms/kth_impact", 3 * nt));
  SPR_TRY(spr_h5_read(ix->r, "/forward/block_offsets", SPR_H5_U64, blk_lo, nb + 1, fw_off));
  SPR_TRY(spr_h5_read(ix->r, "/forward/posting_offsets", SPR_H5_U64, blk_lo, nb + 1, fw_post_off));
  SPR_TRY(spr_h5_read(ix->r, "/terms/kth_impact", SPR_H5_U8, 0, 3 * nt, kth));
  for (uint64_t i = 0; i < nb; i++)
    if (fw_off[i + 1] < fw_off[i] || fw_post_off[i + 1] < fw_post_off[i] ||
        fw_post_off[i + 1] - fw_post_off[i] > (fw_off[i + 1] - fw_off[i]) * bs)
      return SPR_FAIL(SPR_ECORRUPT, "%s: /forward offsets of block %llu inconsistent", ix->path,
                      (unsigned long long)(blk_lo + i));
  if (fw_off[nb] > (uint64_t)e_total || fw_post_off[nb] > (uint64_t)p_total)
    return SPR_FAIL(SPR_ECORRUPT, "%s: /forward offsets of blocks [%llu,%llu) out of range", ix->path,
                    (unsigned long long)blk_lo, (unsigned long long)(blk_lo + nb));
  *e0 = fw_off[0];
  *p0 = fw_post_off[0];
  for (uint64_t i = 0; i <= nb; i++) {
    fw_off[i] -= *e0;
    fw_post_off[i] -= *p0;
  }
  return SPR_OK;
}

int spr_index_load_bmp(spr_index *ix, uint64_t blk_lo, uint64_t blk_hi, spr_bmp_data *out) {
  memset(out, 0, sizeof *out);
  uint64_t d_lo = 0, d_hi = 0;
  SPR_TRY(spr_bmp_range_docs(ix, blk_lo, blk_hi, &d_lo, &d_hi));
  const uint64_t nb = blk_hi - blk_lo, nt = ix->info.n_terms;
  int rc = SPR_OK;
  uint64_t *fw_off = malloc((nb + 1) * sizeof *fw_off), *fw_post_off = malloc((nb + 1) * sizeof *fw_post_off);
  uint64_t *bm_off = calloc(nt + 1, sizeof *bm_off), *fill = NULL;
  uint32_t *fw_term = NULL, *fw_start = NULL, *bm_block = NULL;
  uint16_t *fw_count = NULL;
  uint8_t *fw_doc = NULL, *fw_imp = NULL, *cnt = NULL, *bm_max = NULL, *kth = malloc(3 * nt + 1);
  if (!fw_off || !fw_post_off || !bm_off || !kth) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory loading blocks", ix->path);
    goto fail;
  }
  uint64_t e0 = 0, p0 = 0;
  SPR_TRYG(rc, spr_bmp_range_read(ix, blk_lo, nb, fw_off, fw_post_off, kth, &e0, &p0), fail);
  const uint64_t ne = fw_off[nb], np = fw_post_off[nb];
  fw_term = malloc((ne ? ne : 1) * sizeof *fw_term);
  fw_start = malloc((ne ? ne : 1) * sizeof *fw_start);
  fw_count = malloc((ne ? ne : 1) * sizeof *fw_count);
  cnt = malloc(ne ? ne : 1);
  fw_doc = malloc(np ? np : 1);
  fw_imp = malloc(np ? np : 1);
  bm_block = malloc((ne ? ne : 1) * sizeof *bm_block);
  bm_max = malloc(ne ? ne : 1);
  fill = malloc((nt + 1) * sizeof *fill);
  if (!fw_term || !fw_start || !fw_count || !cnt || !fw_doc || !fw_imp || !bm_block || !bm_max || !fill) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory loading %llu forward entries", ix->path, (unsigned long long)ne);
    goto fail;
  }
  SPR_TRYG(rc, spr_h5_read(ix->r, "/forward/terms", SPR_H5_U32, e0, ne, fw_term), fail);
  SPR_TRYG(rc, spr_h5_read(ix->r, "/forward/counts_minus_1", SPR_H5_U8, e0, ne, cnt), fail);
  SPR_TRYG(rc, spr_h5_read(ix->r, "/forward/docs", SPR_H5_U8, p0, np, fw_doc), fail);
  SPR_TRYG(rc, spr_h5_read(ix->r, "/forward/impacts", SPR_H5_U8, p0, np, fw_imp), fail);
  /* entry starts within their block, and the block maxima (term-major, local block ids) */
  for (uint64_t b = 0; b < nb; b++) { /* offsets checked by spr_bmp_range_read */
    uint32_t start = 0;
    for (uint64_t e = fw_off[b]; e < fw_off[b + 1]; e++) {
      fw_count[e] = (uint16_t)(cnt[e] + 1u);
      fw_start[e] = start;
      start += fw_count[e];
      if (fw_term[e] >= nt) {
        rc = SPR_FAIL(SPR_ECORRUPT, "%s: /forward/terms[%llu] = %u >= %llu terms", ix->path,
                      (unsigned long long)(e0 + e), fw_term[e], (unsigned long long)nt);
        goto fail;
      }
      bm_off[fw_term[e] + 1]++;
    }
    if ((uint64_t)start != fw_post_off[b + 1] - fw_post_off[b]) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: block %llu: counts sum to %u, posting offsets say %llu", ix->path,
                    (unsigned long long)(blk_lo + b), start, (unsigned long long)(fw_post_off[b + 1] - fw_post_off[b]));
      goto fail;
    }
  }
  for (uint64_t t = 0; t < nt; t++) bm_off[t + 1] += bm_off[t];
  memcpy(fill, bm_off, (nt + 1) * sizeof *fill);
  for (uint64_t b = 0; b < nb; b++)
    for (uint64_t e = fw_off[b]; e < fw_off[b + 1]; e++) {
      uint8_t m = 0;
      const uint64_t s0 = fw_post_off[b] + fw_start[e];
      for (uint32_t j = 0; j < fw_count[e]; j++) m = fw_imp[s0 + j] > m ? fw_imp[s0 + j] : m;
      const uint64_t at = fill[fw_term[e]]++;
      bm_block[at] = (uint32_t)b;
      bm_max[at] = m;
    }
  free(fill);
  free(cnt);
  spr_bmp_index *v = &out->view;
  v->n_docs = (uint32_t)(d_hi - d_lo);
  v->n_terms = (uint32_t)nt;
  v->block_size = (uint32_t)ix->info.block_size;
  v->n_blocks = (uint32_t)nb;
  v->bm_off = bm_off;
  v->bm_block = bm_block;
  v->bm_max = bm_max;
  v->fw_off = fw_off;
  v->fw_term = fw_term;
  v->fw_start = fw_start;
  v->fw_count = fw_count;
  v->fw_post_off = fw_post_off;
  v->fw_doc = fw_doc;
  v->fw_imp = fw_imp;
  v->kth = kth;
  out->doc_base = (uint32_t)d_lo;
  void *mem[] = {fw_off, fw_post_off, bm_off, fw_term, fw_start, bm_block, fw_count, fw_doc, fw_imp, bm_max, kth};
  memcpy(out->mem, mem, sizeof mem);
  rc = spr_bmp_index_check(v);
  if (rc < 0) {
    spr_bmp_data_free(out);
    return spr_frame_at(SPR_ECORRUPT, __FILE__, __LINE__, __func__);
  }
  return SPR_OK;
fail:
  free(fw_off);
  free(fw_post_off);
  free(bm_off);
  free(fill);
  free(fw_term);
  free(fw_start);
  free(fw_count);
  free(cnt);
  free(fw_doc);
  free(fw_imp);
  free(bm_block);
  free(bm_max);
  free(kth);
  return rc;
}

static const spr_index_dataset spr_datasets[] = {
    {"/docs/ids", SPR_H5_U8, 0},
    {"/docs/id_offsets", SPR_H5_U64, 0},
    {"/docs/length", SPR_H5_U32, 0},
    {"/terms/bytes", SPR_H5_U8, 0},
    {"/terms/offsets", SPR_H5_U64, 0},
    {"/terms/df", SPR_H5_U32, 0},
    {"/terms/max_impact", SPR_H5_U8, 0},
    {"/terms/kth_impact", SPR_H5_U8, 0},
    {"/terms/posting_offsets", SPR_H5_U64, 0},
    {"/terms/posting_blocks", SPR_H5_U64, 0},
    {"/postings/encoded", SPR_H5_U8, 0},
    {"/postings/block_offsets", SPR_H5_U64, 0},
    {"/postings/block_last", SPR_H5_U32, 0},
    {"/blockmax/offsets", SPR_H5_U64, 0},
    {"/blockmax/blocks", SPR_H5_U32, 0},
    {"/blockmax/max", SPR_H5_U8, 0},
    {"/forward/block_offsets", SPR_H5_U64, 0},
    {"/forward/posting_offsets", SPR_H5_U64, 0},
    {"/forward/terms", SPR_H5_U32, 0},
    {"/forward/counts_minus_1", SPR_H5_U8, 0},
    {"/forward/docs", SPR_H5_U8, 0},
    {"/forward/impacts", SPR_H5_U8, 0},
    {"/docs/input_docid", SPR_H5_U32, 1},
};

const spr_index_dataset *spr_index_datasets(size_t *n) {
  *n = sizeof spr_datasets / sizeof spr_datasets[0];
  return spr_datasets;
}

int spr_index_write_checksums(const spr_comm *c, const char *path) {
  size_t n = 0;
  const spr_index_dataset *ds = spr_index_datasets(&n);
  uint64_t *h = calloc(n, sizeof *h);
  spr_h5_reader *r = NULL;
  int rc = h ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "checksums: out of memory");
  uint8_t *present = h ? malloc(n) : NULL;
  if (rc == SPR_OK && !present) rc = SPR_FAIL(SPR_ENOMEM, "checksums: out of memory");
  if (rc == SPR_OK) rc = spr_h5_reader_open(path, &r);
  for (size_t i = 0; rc == SPR_OK && i < n; i++) {
    const int e = ds[i].optional ? spr_h5_exists(r, ds[i].name) : 1;
    if (e < 0) rc = e;
    present[i] = e > 0;
    if (rc == SPR_OK && present[i] && (int)(i % (size_t)c->size) == c->rank)
      rc = spr_h5_hash(r, ds[i].name, (spr_h5_type)ds[i].type, &h[i]);
  }
  spr_h5_reader_close(&r);
  rc = spr_mpi_agree(c, rc);
  if (rc == SPR_OK) rc = spr_mpi_sum_u64(c, h, n); /* each entry is non-zero on one rank only */
  if (rc == SPR_OK && c->rank == 0) {
    const char **names = malloc(n * sizeof *names), **attrs = malloc(n * sizeof *attrs);
    if (!names || !attrs) rc = SPR_FAIL(SPR_ENOMEM, "checksums: out of memory");
    size_t m = 0;
    for (size_t i = 0; rc == SPR_OK && i < n; i++)
      if (present[i]) {
        names[m] = ds[i].name;
        attrs[m] = "xxh3_64";
        h[m++] = h[i];
      }
    if (rc == SPR_OK) rc = spr_h5_annotate_u64(path, m, names, attrs, h);
    free(names);
    free(attrs);
  }
  free(present);
  free(h);
  return spr_mpi_agree(c, rc);
}

/* Integrity on open (docs/reliability.md): every dataset exists with its element type and the
 * length the header implies (catches truncation and damaged extents: metadata and a few single
 * elements), and the datasets whose size grows with the terms, the documents or the postings / 128
 * (not with the postings themselves) match their XXH3-64. The big per-posting datasets (/postings/
 * encoded, /forward/{terms,counts_minus_1,docs,impacts}, /blockmax/{blocks,max}) are left to
 * `spire inspect --verify`; their decoders validate what they read. */
static const char *const spr_open_hashed[] = {
    "/terms/bytes",      "/terms/offsets",         "/terms/df",               "/terms/max_impact",
    "/terms/kth_impact", "/terms/posting_offsets", "/terms/posting_blocks",   "/blockmax/offsets",
    "/forward/block_offsets", "/forward/posting_offsets", "/postings/block_offsets", "/postings/block_last",
    "/docs/length",      "/docs/id_offsets",       "/docs/ids",               "/docs/input_docid",
};

static int spr_index_check_dataset(spr_index *ix, const spr_index_dataset *d) {
  if (d->optional) {
    const int e = spr_h5_exists(ix->r, d->name);
    if (e <= 0) return e;
  }
  uint64_t want = 0, got = 0;
  if (spr_h5_get_attr_u64(ix->r, d->name, "xxh3_64", &want) < 0)
    return SPR_FAIL(SPR_ECORRUPT, "%s: %s has no xxh3_64 checksum attribute (damaged, or an unfinished build)",
                    ix->path, d->name);
  SPR_TRY(spr_h5_hash(ix->r, d->name, (spr_h5_type)d->type, &got));
  if (got != want)
    return SPR_FAIL(SPR_ECORRUPT, "%s: %s: checksum %016llx, recorded %016llx (damaged file)", ix->path,
                    d->name, (unsigned long long)got, (unsigned long long)want);
  return SPR_OK;
}

static int spr_index_check_open(spr_index *ix) {
  if (getenv("SPR_INDEX_NO_OPEN_CHECK")) return SPR_OK; /* measuring only (docs/reliability.md) */
  SPR_TRY(spr_verify_lengths(ix));
  SPR_TRY(spr_expect_len(ix, "/terms/df", ix->info.n_terms));
  SPR_TRY(spr_expect_len(ix, "/terms/max_impact", ix->info.n_terms));
  SPR_TRY(spr_expect_len(ix, "/terms/kth_impact", 3 * ix->info.n_terms));
  const int reordered = spr_h5_exists(ix->r, "/docs/input_docid");
  if (reordered < 0) return reordered;
  if (reordered) SPR_TRY(spr_expect_len(ix, "/docs/input_docid", ix->info.n_docs));
  size_t n = 0;
  const spr_index_dataset *ds = spr_index_datasets(&n);
  for (size_t j = 0; j < sizeof spr_open_hashed / sizeof spr_open_hashed[0]; j++)
    for (size_t i = 0; i < n; i++)
      if (!strcmp(ds[i].name, spr_open_hashed[j])) SPR_TRY(spr_index_check_dataset(ix, &ds[i]));
  return SPR_OK;
}

int spr_index_verify_checksums(spr_index *ix) {
  SPR_TRY(spr_verify_lengths(ix)); /* bounded work before hashing */
  size_t n = 0;
  const spr_index_dataset *ds = spr_index_datasets(&n);
  for (size_t i = 0; i < n; i++) {
    uint64_t want = 0, got = 0;
    if (ds[i].optional) {
      const int e = spr_h5_exists(ix->r, ds[i].name);
      if (e < 0) return e;
      if (!e) continue;
    }
    if (spr_h5_get_attr_u64(ix->r, ds[i].name, "xxh3_64", &want) < 0)
      return SPR_FAIL(SPR_ECORRUPT, "%s: %s has no xxh3_64 checksum attribute", ix->path, ds[i].name);
    SPR_TRY(spr_h5_hash(ix->r, ds[i].name, (spr_h5_type)ds[i].type, &got));
    if (got != want)
      return SPR_FAIL(SPR_ECORRUPT, "%s: %s: checksum %016llx, recorded %016llx", ix->path, ds[i].name,
                      (unsigned long long)got, (unsigned long long)want);
  }
  return SPR_OK;
}

/* Blocks [b, end) of the slice that starts at block b: at most lim forward entries (at least one
 * block). off: the range's entry offsets, relative to its first block. */
#define SPR_BMP_SLICE_ENTRIES (4u << 20)
static uint64_t spr_bmp_slice_end(const uint64_t *off, uint64_t b, uint64_t nb, uint64_t lim) {
  uint64_t e = b + 1;
  while (e < nb && off[e + 1] - off[b] <= lim) e++;
  return e;
}

int spr_index_load_bmp_stream(spr_index *ix, uint64_t blk_lo, uint64_t blk_hi, uint32_t dense_div, spr_bmp_major major,
                              spr_progress *prog, spr_bmp_data *out) {
  memset(out, 0, sizeof *out);
  uint64_t d_lo = 0, d_hi = 0;
  SPR_TRY(spr_bmp_range_docs(ix, blk_lo, blk_hi, &d_lo, &d_hi));
  const uint64_t nb = blk_hi - blk_lo, nt = ix->info.n_terms;
  int rc = SPR_OK;
  uint64_t *fw_off = malloc((nb + 1) * sizeof *fw_off), *fw_post_off = malloc((nb + 1) * sizeof *fw_post_off);
  uint64_t *bm_off = calloc(nt + 1, sizeof *bm_off), *soff = malloc((nb + 1) * sizeof *soff);
  uint64_t *spoff = malloc((nb + 1) * sizeof *spoff);
  uint8_t *kth = malloc(3 * nt + 1), *cnt = NULL, *doc = NULL, *imp = NULL;
  uint32_t *term = NULL;
  void *accel = NULL, *scratch = malloc(spr_bmp_stream_scratch_size((uint32_t)nt) + 8);
  if (!fw_off || !fw_post_off || !bm_off || !soff || !spoff || !kth || !scratch) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory loading blocks", ix->path);
    goto fail;
  }
  uint64_t e0 = 0, p0 = 0;
  SPR_TRYG(rc, spr_bmp_range_read(ix, blk_lo, nb, fw_off, fw_post_off, kth, &e0, &p0), fail);
  const char *tl = getenv("SPR_TEST_SLICE_ENTRIES"); /* tests force many small slices */
  const uint64_t lim = tl && strtoull(tl, NULL, 10) ? strtoull(tl, NULL, 10) : SPR_BMP_SLICE_ENTRIES;
  /* the largest slice's entries and postings (one block may exceed the slice target) */
  uint64_t emax = 1, pmax = 1;
  for (uint64_t b = 0; b < nb;) {
    const uint64_t end = spr_bmp_slice_end(fw_off, b, nb, lim);
    if (fw_off[end] - fw_off[b] > emax) emax = fw_off[end] - fw_off[b];
    if (fw_post_off[end] - fw_post_off[b] > pmax) pmax = fw_post_off[end] - fw_post_off[b];
    b = end;
  }
  term = malloc(emax * sizeof *term);
  cnt = malloc(emax);
  doc = malloc(pmax);
  imp = malloc(pmax);
  if (!term || !cnt || !doc || !imp) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory loading blocks", ix->path);
    goto fail;
  }
  /* pass 0: forward entries per term (bm_off) */
  for (uint64_t b = 0; b < nb;) {
    const uint64_t end = spr_bmp_slice_end(fw_off, b, nb, lim), n = fw_off[end] - fw_off[b];
    SPR_TRYG(rc, spr_h5_read(ix->r, "/forward/terms", SPR_H5_U32, e0 + fw_off[b], n, term), fail);
    for (uint64_t x = 0; x < n; x++) {
      if (term[x] >= nt) {
        rc = SPR_FAIL(SPR_ECORRUPT, "%s: /forward/terms[%llu] = %u >= %llu terms", ix->path,
                      (unsigned long long)(e0 + fw_off[b] + x), term[x], (unsigned long long)nt);
        goto fail;
      }
      bm_off[term[x] + 1]++;
    }
    b = end;
  }
  for (uint64_t t = 0; t < nt; t++) bm_off[t + 1] += bm_off[t];
  spr_bmp_index *v = &out->view;
  v->n_docs = (uint32_t)(d_hi - d_lo);
  v->n_terms = (uint32_t)nt;
  v->block_size = (uint32_t)ix->info.block_size;
  v->n_blocks = (uint32_t)nb;
  v->bm_off = bm_off;
  v->kth = kth;
  const size_t asz = spr_bmp_stream_size(v, fw_post_off[nb], dense_div, major);
  accel = malloc(asz + 8);
  if (!accel) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory (bmp acceleration, %zu bytes)", ix->path, asz);
    goto fail;
  }
  SPR_TRYG(rc, spr_bmp_stream_begin(v, fw_post_off[nb], dense_div, major, accel, asz + 8, scratch), corrupt);
  /* pass 1: each entry's postings count; pass 2: the postings */
  for (int pass = 1; pass <= 2; pass++) {
    for (uint64_t b = 0; b < nb;) {
      const uint64_t end = spr_bmp_slice_end(fw_off, b, nb, lim), n = fw_off[end] - fw_off[b];
      const uint64_t np = fw_post_off[end] - fw_post_off[b];
      for (uint64_t i = b; i <= end; i++) {
        soff[i - b] = fw_off[i] - fw_off[b];
        spoff[i - b] = fw_post_off[i] - fw_post_off[b];
      }
      SPR_TRYG(rc, spr_h5_read(ix->r, "/forward/terms", SPR_H5_U32, e0 + fw_off[b], n, term), fail);
      SPR_TRYG(rc, spr_h5_read(ix->r, "/forward/counts_minus_1", SPR_H5_U8, e0 + fw_off[b], n, cnt), fail);
      if (pass == 1) {
        SPR_TRYG(rc, spr_bmp_stream_counts(v, scratch, b, end, soff, term, cnt), corrupt);
      } else {
        SPR_TRYG(rc, spr_h5_read(ix->r, "/forward/docs", SPR_H5_U8, p0 + fw_post_off[b], np, doc), fail);
        SPR_TRYG(rc, spr_h5_read(ix->r, "/forward/impacts", SPR_H5_U8, p0 + fw_post_off[b], np, imp), fail);
        SPR_TRYG(rc, spr_bmp_stream_postings(v, scratch, b, end, soff, term, cnt, spoff, doc, imp), corrupt);
      }
      b = end;
      if (prog) spr_progress_update(prog, (uint64_t)(pass - 1) * nb + b);
    }
    if (pass == 1) SPR_TRYG(rc, spr_bmp_stream_mid(v, scratch), corrupt);
  }
  if (prog) spr_progress_finish(prog, 2 * nb);
  SPR_TRYG(rc, spr_bmp_stream_end(v, scratch), corrupt);
  out->doc_base = (uint32_t)d_lo;
  void *mem[] = {bm_off, kth, accel};
  memcpy(out->mem, mem, sizeof mem);
  free(fw_off);
  free(fw_post_off);
  free(soff);
  free(spoff);
  free(cnt);
  free(term);
  free(doc);
  free(imp);
  free(scratch);
  return SPR_OK;
corrupt:
  if (rc == SPR_ECORRUPT) {
    char why[512];
    snprintf(why, sizeof why, "%s", spr_last_error());
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: blocks [%llu,%llu): %s", ix->path, (unsigned long long)blk_lo,
                  (unsigned long long)blk_hi, why);
  }
fail:
  memset(out, 0, sizeof *out);
  free(fw_off);
  free(fw_post_off);
  free(bm_off);
  free(soff);
  free(spoff);
  free(kth);
  free(cnt);
  free(term);
  free(doc);
  free(imp);
  free(accel);
  free(scratch);
  return rc;
}
