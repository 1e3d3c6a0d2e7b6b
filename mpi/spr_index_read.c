/* spr_index_read.c: opening, reading and verifying an index file (local: any rank, any count).
 * Everything read from the file is validated before use: a damaged file gives SPR_ECORRUPT
 * naming the dataset and position, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_h5.h"
#include "spr_index.h"
#include "spr_index_datasets.h"
#include "spr_mem.h"
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
static int spr_check_offsets(const char *path, spr_ds d, const uint64_t *off, uint64_t n, uint64_t end) {
  const char *ds = spr_ds_name(d);
  if (off[0] != 0) return SPR_FAIL(SPR_ECORRUPT, "%s: %s[0] = %llu, expected 0", path, ds, (unsigned long long)off[0]);
  for (uint64_t i = 0; i < n; i++)
    if (off[i + 1] < off[i])
      return SPR_FAIL(SPR_ECORRUPT, "%s: %s decreases at %llu", path, ds, (unsigned long long)i + 1);
  if (off[n] != end)
    return SPR_FAIL(SPR_ECORRUPT, "%s: %s ends at %llu, expected %llu", path, ds, (unsigned long long)off[n],
                    (unsigned long long)end);
  return SPR_OK;
}

static int spr_expect_len(spr_index *ix, spr_ds ds, uint64_t n) {
  const int64_t len = spr_ds_len(ix->r, ds);
  if (len < 0) return (int)len;
  if ((uint64_t)len != n)
    return SPR_FAIL(SPR_ECORRUPT, "%s: %s has %lld elements, expected %llu", ix->path, spr_ds_name(ds), (long long)len,
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
  if (in->format_version != SPR_FORMAT_VERSION && in->format_version != SPR_FORMAT_VERSION_OLDEST) {
    rc = SPR_FAIL(SPR_EUNSUPPORTED, "%s: index format version %llu, this spire reads versions %u and %u", path,
                  (unsigned long long)in->format_version, SPR_FORMAT_VERSION_OLDEST, SPR_FORMAT_VERSION);
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
  SPR_TRYG(rc, spr_expect_len(ix, SPR_DS_TERMS_OFFSETS, nt + 1), fail);
  SPR_TRYG(rc, spr_expect_len(ix, SPR_DS_TERMS_POSTING_OFFSETS, nt + 1), fail);
  SPR_TRYG(rc, spr_expect_len(ix, SPR_DS_TERMS_POSTING_BLOCKS, nt + 1), fail);
  const int64_t nbytes = spr_ds_len(ix->r, SPR_DS_TERMS_BYTES);
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
  SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_TERMS_OFFSETS, 0, nt + 1, toff), fail);
  SPR_TRYG(rc, spr_check_offsets(path, SPR_DS_TERMS_OFFSETS, toff, nt, (uint64_t)nbytes), fail);
  SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_TERMS_POSTING_OFFSETS, 0, nt + 1, ix->post_off), fail);
  SPR_TRYG(rc, spr_check_offsets(path, SPR_DS_TERMS_POSTING_OFFSETS, ix->post_off, nt, in->n_postings), fail);
  {
    const int64_t nblk = spr_ds_len(ix->r, SPR_DS_POSTINGS_BLOCK_LAST);
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
    SPR_TRYG(rc, spr_expect_len(ix, SPR_DS_POSTINGS_BLOCK_OFFSETS, ix->n_pblocks + 1), fail);
    SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_TERMS_POSTING_BLOCKS, 0, nt + 1, ix->post_blk), fail);
    SPR_TRYG(rc, spr_check_offsets(path, SPR_DS_TERMS_POSTING_BLOCKS, ix->post_blk, nt, ix->n_pblocks), fail);
    for (uint64_t t = 0; t < nt; t++)
      if (ix->post_blk[t + 1] - ix->post_blk[t] != (ix->post_off[t + 1] - ix->post_off[t] + SPR_POSTINGS_BLOCK - 1) / SPR_POSTINGS_BLOCK) {
        rc = SPR_FAIL(SPR_ECORRUPT, "%s: %s: term %llu has a wrong number of blocks", path,
                      spr_ds_name(SPR_DS_TERMS_POSTING_BLOCKS),
                      (unsigned long long)t);
        goto fail;
      }
  }
  SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_TERMS_BYTES, 0, (uint64_t)nbytes, tbytes), fail);
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
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: %s: NUL inside term %llu", path, spr_ds_name(SPR_DS_TERMS_BYTES),
                    (unsigned long long)t);
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

/* Decodes blocks [j0, j1) of term t's list (j counts the term's codec blocks): their bytes are
 * enc[0 .. rel[j1 - j0]) with rel their offsets relative to enc (not decreasing: checked by the
 * caller; PAD readable bytes after them), last[j - j0] their skip-list entries. Validates every
 * posting decoded (ascending docids < n_docs, impacts > 0, each block ending at its skip-list
 * entry) and keeps those with docid in [lo, hi), as docid - shift, at d/w (room for
 * (j1 - j0) x 128): *n of them. */
static int spr_decode_blocks(spr_index *ix, uint32_t t, const uint8_t *enc, const uint64_t *rel, const uint32_t *last,
                             uint64_t j0, uint64_t j1, uint32_t lo, uint32_t hi, uint32_t shift, uint32_t *d, uint8_t *w,
                             uint64_t *n) {
  const uint64_t df = ix->post_off[t + 1] - ix->post_off[t];
  uint64_t keep = 0, pos = j0 * SPR_POSTINGS_BLOCK;
  uint32_t prev = 0;
  for (uint64_t j = j0; j < j1; j++) {
    const int64_t got = spr_postings_decode_block(enc, rel[j1 - j0], rel, (uint32_t)(df - j0 * SPR_POSTINGS_BLOCK),
                                                  (uint32_t)(j - j0), d + keep, w + keep);
    if (got < 0) {
      char why[256];
      snprintf(why, sizeof why, "%s", spr_last_message());
      return SPR_FAIL(SPR_ECORRUPT, "%s: %s: term '%s', block %llu: %s", ix->path, spr_ds_name(SPR_DS_POSTINGS_ENCODED),
                      spr_strlist_get(&ix->terms, t), (unsigned long long)j, why);
    }
    if (d[keep + (uint64_t)got - 1] != last[j - j0])
      return SPR_FAIL(SPR_ECORRUPT, "%s: %s: term '%s', block %llu: last docid %u, skip list says %u",
                      ix->path, spr_ds_name(SPR_DS_POSTINGS_ENCODED), spr_strlist_get(&ix->terms, t), (unsigned long long)j, d[keep + (uint64_t)got - 1],
                      last[j - j0]);
    const uint64_t k0 = keep;
    for (uint64_t i = k0; i < k0 + (uint64_t)got; i++, pos++) {
      const uint32_t doc = d[i];
      if (doc >= ix->info.n_docs || (pos > j0 * SPR_POSTINGS_BLOCK && doc <= prev) || w[i] == 0)
        return SPR_FAIL(SPR_ECORRUPT, "%s: %s: term '%s' invalid at position %llu", ix->path,
                        spr_ds_name(SPR_DS_POSTINGS_ENCODED),
                        spr_strlist_get(&ix->terms, t), (unsigned long long)pos);
      prev = doc;
      if (doc >= lo && doc < hi) {
        d[keep] = doc - shift;
        w[keep++] = w[i];
      }
    }
  }
  *n = keep;
  return SPR_OK;
}

int spr_index_read_postings(spr_index *ix, uint32_t t, uint32_t lo, uint32_t hi, uint32_t **docs,
                            uint8_t **impacts, uint32_t *n) {
  *docs = NULL;
  *impacts = NULL;
  *n = 0;
  if (t >= ix->info.n_terms) return SPR_FAIL(SPR_EINVAL, "term id %u out of range", t);
  const uint64_t b0 = ix->post_blk[t], nb = ix->post_blk[t + 1] - b0;
  const char *term = spr_strlist_get(&ix->terms, t);
  uint32_t *last = malloc((nb ? nb : 1) * sizeof *last), *d = NULL;
  uint64_t *boff = malloc((nb + 1) * sizeof *boff), m = 0;
  uint8_t *enc = NULL, *w = NULL;
  int rc = SPR_OK;
  if (!last || !boff) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading postings of '%s'", ix->path, term);
    goto done;
  }
  SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_POSTINGS_BLOCK_LAST, b0, nb, last), done);
  /* the skip list: blocks [j0, j1) are the ones that can hold docids in [lo, hi) */
  uint64_t j0, j1;
  spr_postings_skip_range(last, 0, nb, lo, hi, &j0, &j1);
  const uint64_t cap = (j1 - j0) * SPR_POSTINGS_BLOCK;
  d = malloc((cap ? cap : 1) * sizeof *d);
  w = malloc(cap ? cap : 1);
  if (!d || !w) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading postings of '%s'", ix->path, term);
    goto done;
  }
  if (j0 >= j1) goto done;
  SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_POSTINGS_BLOCK_OFFSETS, b0 + j0, j1 - j0 + 1, boff), done);
  const uint64_t base = boff[0], len = boff[j1 - j0] - base;
  for (uint64_t j = 0; j <= j1 - j0; j++) {
    if (boff[j] < base || boff[j] - base > len || (j && boff[j] < boff[j - 1])) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: %s of term '%s' out of order", ix->path,
                    spr_ds_name(SPR_DS_POSTINGS_BLOCK_OFFSETS), term);
      goto done;
    }
    boff[j] -= base;
  }
  enc = calloc(len + SPR_POSTINGS_PAD, 1);
  if (!enc) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading postings of '%s'", ix->path, term);
    goto done;
  }
  SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_POSTINGS_ENCODED, base, len, enc), done);
  rc = spr_decode_blocks(ix, t, enc, boff, last + j0, j0, j1, lo, hi, 0, d, w, &m);
done:
  free(last);
  free(boff);
  free(enc);
  if (rc != SPR_OK) {
    free(d);
    free(w);
    return rc;
  }
  *docs = d;
  *impacts = w;
  *n = (uint32_t)m;
  return SPR_OK;
}

int spr_index_read_docids(spr_index *ix, char **ids, uint64_t **off) {
  *ids = NULL;
  *off = NULL;
  const uint64_t n = ix->info.n_docs;
  const int64_t nb = spr_ds_len(ix->r, SPR_DS_DOCS_IDS);
  if (nb < 0) return (int)nb;
  SPR_TRY(spr_expect_len(ix, SPR_DS_DOCS_ID_OFFSETS, n + 1));
  uint64_t *o = malloc((n + 1) * sizeof *o);
  char *raw = malloc((size_t)nb + 1), *s = malloc((size_t)nb + n + 1);
  int rc = SPR_OK;
  if (!o || !raw || !s) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading document ids", ix->path);
    goto fail;
  }
  SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_DOCS_ID_OFFSETS, 0, n + 1, o), fail);
  SPR_TRYG(rc, spr_check_offsets(ix->path, SPR_DS_DOCS_ID_OFFSETS, o, n, (uint64_t)nb), fail);
  SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_DOCS_IDS, 0, (uint64_t)nb, raw), fail);
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
  SPR_TRY(spr_expect_len(ix, SPR_DS_DOCS_LENGTH, n));
  uint32_t *l = malloc((n ? n : 1) * sizeof *l);
  if (!l) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", ix->path);
  const int rc = spr_ds_read(ix->r, SPR_DS_DOCS_LENGTH, 0, n, l);
  if (rc < 0) {
    free(l);
    return rc;
  }
  *len = l;
  return SPR_OK;
}

/* The BMP structures the postings imply pass the kernel's structural and consistency checks, and
 * the stored k-th impacts equal the ones of the postings (kth: recomputed by the caller from the
 * decoded postings). */
static int spr_verify_bmp(spr_index *ix, const uint8_t *kth) {
  const spr_index_info *in = &ix->info;
  spr_bmp_data bd;
  SPR_TRY(spr_index_load_bmp(ix, 0, in->n_blocks, &bd));
  const spr_bmp_index *v = &bd.view;
  void *ws = malloc(spr_bmp_check_workspace_size(v) + 8);
  int rc = ws ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory", ix->path);
  if (rc == SPR_OK) rc = spr_bmp_index_check_consistency(v, ws);
  for (uint64_t t = 0; rc == SPR_OK && t < in->n_terms; t++)
    if (memcmp(kth + 3 * t, v->kth + 3 * t, 3))
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: %s of term '%s' disagrees with its postings", ix->path,
                    spr_ds_name(SPR_DS_TERMS_KTH_IMPACT),
                    spr_strlist_get(&ix->terms, (uint32_t)t));
  free(ws);
  spr_bmp_data_free(&bd);
  return rc;
}

/* The last entry of an offsets dataset (its length is checked by the caller). */
static int spr_last_u64(spr_index *ix, spr_ds ds, uint64_t n, uint64_t *v) {
  return spr_ds_read(ix->r, ds, n, 1, v);
}

/* Every dataset whose length follows from an offsets dataset has exactly that length (a damaged
 * extent would otherwise make a checksum pass read a huge run of fill values). */
static int spr_verify_lengths(spr_index *ix) {
  const spr_index_info *in = &ix->info;
  uint64_t v = 0;
  SPR_TRY(spr_last_u64(ix, SPR_DS_POSTINGS_BLOCK_OFFSETS, ix->n_pblocks, &v));
  SPR_TRY(spr_expect_len(ix, SPR_DS_POSTINGS_ENCODED, v));
  SPR_TRY(spr_expect_len(ix, SPR_DS_DOCS_LENGTH, in->n_docs));
  SPR_TRY(spr_expect_len(ix, SPR_DS_DOCS_ID_OFFSETS, in->n_docs + 1));
  SPR_TRY(spr_last_u64(ix, SPR_DS_DOCS_ID_OFFSETS, in->n_docs, &v));
  SPR_TRY(spr_expect_len(ix, SPR_DS_DOCS_IDS, v));
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
  SPR_TRY(spr_expect_len(ix, SPR_DS_TERMS_DF, in->n_terms));
  SPR_TRY(spr_expect_len(ix, SPR_DS_TERMS_MAX_IMPACT, in->n_terms));
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
  SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_TERMS_DF, 0, in->n_terms, df), cleanup);
  SPR_TRYG(rc, spr_ds_read(ix->r, SPR_DS_TERMS_MAX_IMPACT, 0, in->n_terms, mx), cleanup);
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
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: %s: empty id for docid %llu", ix->path, spr_ds_name(SPR_DS_DOCS_IDS),
                    (unsigned long long)i);
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

/* The postings of every term with docids in [lo, hi), as CSR by term with docids made relative to
 * lo: term t's are docs/imp[off[t] .. off[t + 1]) (all three malloc'ed, the caller frees them).
 * The skip list picks each term's codec blocks that can hold such docids; /postings/encoded is read
 * in pieces of about piece bytes (a piece covers whole terms' blocks, one term at least), so a rank
 * holds the encoded bytes of one piece and the decoded postings of its range. Everything decoded
 * is validated (spr_decode_blocks). prog (NULL: none) counts terms. */
static int spr_index_read_range(spr_index *ix, uint32_t lo, uint32_t hi, uint64_t piece, spr_progress *prog,
                                uint64_t **off_out, uint32_t **docs_out, uint8_t **imp_out) {
  *off_out = NULL;
  *docs_out = NULL;
  *imp_out = NULL;
  const uint64_t nt = ix->info.n_terms, nblk = ix->n_pblocks;
  const int64_t enc_len = spr_ds_len(ix->r, SPR_DS_POSTINGS_ENCODED);
  if (enc_len < 0) return (int)enc_len;
  uint32_t *last = malloc((nblk ? nblk : 1) * sizeof *last), *docs = NULL;
  uint64_t *boff = malloc((nblk + 1) * sizeof *boff), *j0 = malloc((nt + 1) * sizeof *j0);
  uint64_t *j1 = malloc((nt + 1) * sizeof *j1), *off = malloc((nt + 1) * sizeof *off), *rel = NULL;
  uint8_t *imp = NULL, *buf = NULL;
  int rc = (last && boff && j0 && j1 && off) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory", ix->path);
  if (rc == SPR_OK) rc = spr_ds_read(ix->r, SPR_DS_POSTINGS_BLOCK_LAST, 0, nblk, last);
  if (rc == SPR_OK) rc = spr_ds_read(ix->r, SPR_DS_POSTINGS_BLOCK_OFFSETS, 0, nblk + 1, boff);
  if (rc == SPR_OK) rc = spr_check_offsets(ix->path, SPR_DS_POSTINGS_BLOCK_OFFSETS, boff, nblk, (uint64_t)enc_len);
  uint64_t cap = 0, maxblk = 0;
  for (uint64_t t = 0; rc == SPR_OK && t < nt; t++) {
    const uint64_t b0 = ix->post_blk[t], b1 = ix->post_blk[t + 1], df = ix->post_off[t + 1] - ix->post_off[t];
    spr_postings_skip_range(last, b0, b1, lo, hi, &j0[t], &j1[t]);
    const uint64_t p0 = (j0[t] - b0) * SPR_POSTINGS_BLOCK, p1 = (j1[t] - b0) * SPR_POSTINGS_BLOCK;
    cap += (p1 < df ? p1 : df) - (p0 < df ? p0 : df);
    maxblk = j1[t] - j0[t] > maxblk ? j1[t] - j0[t] : maxblk;
  }
  if (rc == SPR_OK) {
    docs = spr_big_alloc((cap ? cap : 1) * sizeof *docs);
    imp = spr_big_alloc(cap ? cap : 1);
    rel = malloc((maxblk + 1) * sizeof *rel);
    if (!docs || !imp || !rel)
      rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading %llu postings", ix->path, (unsigned long long)cap);
  }
  uint64_t m = 0, buf_cap = 0;
  off[0] = 0;
  for (uint64_t t = 0; rc == SPR_OK && t < nt;) {
    /* the piece: terms [t, te), bytes [plo, phi) */
    const uint64_t plo = boff[j0[t]];
    uint64_t phi = boff[j1[t]], te = t + 1;
    for (; te < nt && (j0[te] == j1[te] || boff[j1[te]] - plo <= piece); te++)
      if (j0[te] < j1[te]) phi = boff[j1[te]];
    if (phi - plo + SPR_POSTINGS_PAD > buf_cap) {
      free(buf);
      buf_cap = (phi - plo > piece ? phi - plo : piece) + SPR_POSTINGS_PAD;
      if (!(buf = malloc(buf_cap))) {
        rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory (%llu bytes of postings)", ix->path, (unsigned long long)buf_cap);
        break;
      }
    }
    if (phi > plo) rc = spr_ds_read(ix->r, SPR_DS_POSTINGS_ENCODED, plo, phi - plo, buf);
    memset(buf + (phi - plo), 0, SPR_POSTINGS_PAD);
    for (; rc == SPR_OK && t < te; t++) {
      uint64_t n = 0;
      for (uint64_t j = j0[t]; j <= j1[t]; j++) rel[j - j0[t]] = boff[j] - boff[j0[t]];
      if (j0[t] < j1[t])
        rc = spr_decode_blocks(ix, (uint32_t)t, buf + (boff[j0[t]] - plo), rel, last + j0[t], j0[t] - ix->post_blk[t],
                               j1[t] - ix->post_blk[t], lo, hi, lo, docs + m, imp + m, &n);
      m += n;
      off[t + 1] = m;
    }
    if (prog) spr_progress_update(prog, t);
  }
  if (rc == SPR_OK && prog) spr_progress_finish(prog, nt);
  free(last);
  free(boff);
  free(j0);
  free(j1);
  free(rel);
  free(buf);
  if (rc != SPR_OK) {
    free(off);
    free(docs);
    free(imp);
    return rc;
  }
  *off_out = off;
  *docs_out = docs;
  *imp_out = imp;
  return SPR_OK;
}

/* What both BMP loaders start with: the range's documents, the k-th impacts, its postings. */
typedef struct spr_bmp_src {
  uint64_t d_lo, d_hi;
  uint64_t *off;
  uint32_t *docs;
  uint8_t *imp, *kth;
} spr_bmp_src;

static void spr_bmp_src_free(spr_bmp_src *s) {
  free(s->off);
  free(s->docs);
  free(s->imp);
  free(s->kth);
  memset(s, 0, sizeof *s);
}

/* Bytes of /postings/encoded read at a time (tests make them small with SPR_TEST_READ_PIECE). */
#define SPR_READ_PIECE_BYTES (32u << 20)
static uint64_t spr_test_limit(uint64_t dflt) {
  const char *tl = getenv("SPR_TEST_READ_PIECE");
  return tl && strtoull(tl, NULL, 10) ? strtoull(tl, NULL, 10) : dflt;
}

static int spr_bmp_src_read(spr_index *ix, uint64_t blk_lo, uint64_t blk_hi, spr_progress *prog, spr_bmp_src *s) {
  memset(s, 0, sizeof *s);
  const uint64_t nt = ix->info.n_terms;
  SPR_TRY(spr_bmp_range_docs(ix, blk_lo, blk_hi, &s->d_lo, &s->d_hi));
  SPR_TRY(spr_expect_len(ix, SPR_DS_TERMS_KTH_IMPACT, 3 * nt));
  if (!(s->kth = malloc(3 * nt + 1))) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory loading blocks", ix->path);
  int rc = spr_ds_read(ix->r, SPR_DS_TERMS_KTH_IMPACT, 0, 3 * nt, s->kth);
  if (rc == SPR_OK)
    rc = spr_index_read_range(ix, (uint32_t)s->d_lo, (uint32_t)s->d_hi, spr_test_limit(SPR_READ_PIECE_BYTES), prog,
                              &s->off, &s->docs, &s->imp);
  if (rc != SPR_OK) spr_bmp_src_free(s);
  return rc;
}

static void spr_bmp_view_init(const spr_index *ix, const spr_bmp_src *s, uint64_t nb, spr_bmp_index *v) {
  memset(v, 0, sizeof *v);
  v->n_docs = (uint32_t)(s->d_hi - s->d_lo);
  v->n_terms = (uint32_t)ix->info.n_terms;
  v->block_size = (uint32_t)ix->info.block_size;
  v->n_blocks = (uint32_t)nb;
  v->kth = s->kth;
}

int spr_index_load_bmp(spr_index *ix, uint64_t blk_lo, uint64_t blk_hi, spr_bmp_data *out) {
  memset(out, 0, sizeof *out);
  spr_bmp_src s;
  SPR_TRY(spr_bmp_src_read(ix, blk_lo, blk_hi, NULL, &s));
  const uint64_t nb = blk_hi - blk_lo, nt = ix->info.n_terms;
  spr_bmp_index *v = &out->view;
  spr_bmp_view_init(ix, &s, nb, v);
  uint64_t ne = 0, np = 0;
  int rc = spr_bmp_sizes(s.off, s.docs, v->n_terms, v->n_docs, v->block_size, &ne, &np);
  uint64_t *fw_off = malloc((nb + 1) * sizeof *fw_off), *fw_post_off = malloc((nb + 1) * sizeof *fw_post_off);
  uint64_t *bm_off = malloc((nt + 1) * sizeof *bm_off);
  uint32_t *fw_term = malloc((ne ? ne : 1) * sizeof *fw_term), *fw_start = malloc((ne ? ne : 1) * sizeof *fw_start);
  uint32_t *bm_block = malloc((ne ? ne : 1) * sizeof *bm_block);
  uint16_t *fw_count = malloc((ne ? ne : 1) * sizeof *fw_count);
  uint8_t *fw_doc = malloc(np ? np : 1), *fw_imp = malloc(np ? np : 1), *bm_max = malloc(ne ? ne : 1);
  void *ws = malloc(spr_bmp_forward_workspace_size((uint32_t)nb));
  void *mem[] = {fw_off, fw_post_off, bm_off, fw_term, fw_start, bm_block, fw_count, fw_doc, fw_imp, bm_max, s.kth};
  if (rc == SPR_OK && !(fw_off && fw_post_off && bm_off && fw_term && fw_start && bm_block && fw_count && fw_doc &&
                        fw_imp && bm_max && ws))
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory loading %llu forward entries", ix->path, (unsigned long long)ne);
  if (rc == SPR_OK)
    rc = spr_bmp_forward_build(s.off, s.docs, s.imp, v->n_terms, v->n_docs, v->block_size, ws, fw_off, fw_term,
                               fw_start, fw_count, fw_post_off, fw_doc, fw_imp);
  if (rc == SPR_OK) rc = spr_bmp_blockmax_build(s.off, s.docs, s.imp, v->n_terms, v->block_size, bm_off, bm_block, bm_max);
  free(ws);
  out->doc_base = (uint32_t)s.d_lo;
  s.kth = NULL; /* now in mem[] */
  spr_bmp_src_free(&s);
  memcpy(out->mem, mem, sizeof mem);
  if (rc != SPR_OK) {
    char why[512];
    snprintf(why, sizeof why, "%s", spr_last_message());
    spr_bmp_data_free(out);
    return SPR_FAIL(rc == SPR_ENOMEM ? SPR_ENOMEM : SPR_ECORRUPT, "%s: blocks [%llu,%llu): %s", ix->path,
                    (unsigned long long)blk_lo, (unsigned long long)blk_hi, why);
  }
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
  if (spr_bmp_index_check(v) < 0) {
    spr_bmp_data_free(out);
    return spr_frame_at(SPR_ECORRUPT, __FILE__, __LINE__, __func__);
  }
  return SPR_OK;
}

/* Integrity on open (docs/reliability.md): every dataset exists with its element type and the
 * length the header implies (catches truncation and damaged extents: metadata and a few single
 * elements), and the datasets whose size grows with the terms, the documents or the postings / 128
 * (not with the postings themselves) match their XXH3-64: the datasets marked "hashed on open" in
 * mpi/spr_index_datasets.h. The encoded postings are left to `spire inspect --verify`; their
 * decoder validates what it reads. (Format 2's forward blocks and block maxima are not read at all:
 * this spire derives both from the postings.) */

/* Dataset d's checksum equals its recorded one (a missing optional dataset passes). on_open: the
 * messages of spr_index_open, which say what the damage may come from. */
static int spr_index_check_dataset(spr_index *ix, spr_ds d, int on_open) {
  const spr_index_dataset *ds = &spr_index_dataset_table[d];
  if (ds->optional) {
    const int e = spr_ds_exists(ix->r, d);
    if (e <= 0) return e;
  }
  uint64_t want = 0, got = 0;
  if (spr_h5_get_attr_u64(ix->r, ds->name, SPR_DS_CHECKSUM_ATTR, &want) < 0)
    return SPR_FAIL(SPR_ECORRUPT, "%s: %s has no " SPR_DS_CHECKSUM_ATTR " checksum attribute%s", ix->path, ds->name,
                    on_open ? " (damaged, or an unfinished build)" : "");
  SPR_TRY(spr_ds_hash(ix->r, d, &got));
  if (got != want)
    return SPR_FAIL(SPR_ECORRUPT, "%s: %s: checksum %016llx, recorded %016llx%s", ix->path, ds->name,
                    (unsigned long long)got, (unsigned long long)want, on_open ? " (damaged file)" : "");
  return SPR_OK;
}

static int spr_index_check_open(spr_index *ix) {
  if (getenv("SPR_INDEX_NO_OPEN_CHECK")) return SPR_OK; /* measuring only (docs/reliability.md) */
  SPR_TRY(spr_verify_lengths(ix));
  SPR_TRY(spr_expect_len(ix, SPR_DS_TERMS_DF, ix->info.n_terms));
  SPR_TRY(spr_expect_len(ix, SPR_DS_TERMS_MAX_IMPACT, ix->info.n_terms));
  SPR_TRY(spr_expect_len(ix, SPR_DS_TERMS_KTH_IMPACT, 3 * ix->info.n_terms));
  const int reordered = spr_ds_exists(ix->r, SPR_DS_DOCS_INPUT_DOCID);
  if (reordered < 0) return reordered;
  if (reordered) SPR_TRY(spr_expect_len(ix, SPR_DS_DOCS_INPUT_DOCID, ix->info.n_docs));
  for (int d = 0; d < SPR_DS_COUNT; d++)
    if (spr_index_dataset_table[d].open_hash) SPR_TRY(spr_index_check_dataset(ix, (spr_ds)d, 1));
  return SPR_OK;
}

int spr_index_verify_checksums(spr_index *ix) {
  SPR_TRY(spr_verify_lengths(ix)); /* bounded work before hashing */
  for (int d = 0; d < SPR_DS_COUNT; d++) SPR_TRY(spr_index_check_dataset(ix, (spr_ds)d, 0));
  return SPR_OK;
}

int spr_index_load_bmp_accel(spr_index *ix, uint64_t blk_lo, uint64_t blk_hi, uint32_t dense_div, spr_bmp_major major,
                             spr_progress *prog, spr_bmp_data *out) {
  memset(out, 0, sizeof *out);
  spr_bmp_src s;
  SPR_TRY(spr_bmp_src_read(ix, blk_lo, blk_hi, prog, &s));
  spr_bmp_index *v = &out->view;
  spr_bmp_view_init(ix, &s, blk_hi - blk_lo, v);
  uint64_t *bm_off = malloc((ix->info.n_terms + 1) * sizeof *bm_off);
  void *accel = NULL;
  int rc = bm_off ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory loading blocks", ix->path);
  if (rc == SPR_OK) rc = spr_bmp_accel_csr(v, s.off, s.docs, s.imp, dense_div, major, bm_off, &accel);
  uint8_t *kth = s.kth;
  const uint64_t d_lo = s.d_lo;
  s.kth = NULL;
  spr_bmp_src_free(&s);
  if (rc != SPR_OK) {
    char why[512];
    snprintf(why, sizeof why, "%s", spr_last_message());
    free(bm_off);
    free(kth);
    memset(out, 0, sizeof *out);
    return SPR_FAIL(rc == SPR_ENOMEM ? SPR_ENOMEM : SPR_ECORRUPT, "%s: blocks [%llu,%llu): %s", ix->path,
                    (unsigned long long)blk_lo, (unsigned long long)blk_hi, why);
  }
  out->doc_base = (uint32_t)d_lo;
  void *mem[] = {bm_off, kth, accel};
  memcpy(out->mem, mem, sizeof mem);
  return SPR_OK;
}
