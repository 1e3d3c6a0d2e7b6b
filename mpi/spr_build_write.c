/* spr_build_write.c: the index build's write of the file (collective; declared in
 * spr_build_write.h): every dataset, each rank its slice, for the in-memory and bounded builds
 * alike (the term owners' part from a spr_payload, which the in-memory build makes here: its
 * posting lists encoded by all threads). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_bmp.h"
#include "spr_build_write.h"
#include "spr_h5.h"
#include "spr_index_datasets.h"
#include "spr_postings.h"
#include "spr_progress.h"
#include <xxhash.h>

int64_t spr_encode_list(const uint32_t *docs, const uint8_t *imp, uint32_t n, uint8_t *out, size_t cap, uint64_t base,
                        uint64_t *boff, uint32_t *blast) {
  const int64_t m = spr_postings_encode_list(docs, imp, n, out, cap, boff);
  if (m < 0) return m;
  const uint32_t nb = spr_postings_blocks(n);
  for (uint32_t j = 0; j <= nb; j++) boff[j] += base;
  for (uint32_t j = 0; j < nb; j++) {
    const uint32_t end = (j + 1) * SPR_POSTINGS_BLOCK < n ? (j + 1) * SPR_POSTINGS_BLOCK : n;
    blast[j] = docs[end - 1];
  }
  return m;
}

#define SPR_ENC_RUNS 256 /* most runs the postings' encoding is cut into (one per OpenMP thread) */
/* The lists of pl->nt terms (odocs/oimp[oterm_off[t] .. oterm_off[t + 1])) encoded into pl->enc, with
 * each codec block's byte offset and last docid and each term's first block (all from 0). */
static int spr_payload_encode(spr_payload *pl, const uint32_t *odocs, const uint8_t *oimp, const uint64_t *oterm_off) {
  const uint32_t nt = pl->nt;
  uint64_t nblk = 0, cap = 0;
  for (uint32_t t = 0; t < nt; t++) {
    const uint32_t n = (uint32_t)(oterm_off[t + 1] - oterm_off[t]);
    nblk += spr_postings_blocks(n);
    cap += spr_postings_bound(n);
  }
  uint8_t *enc = pl->enc = malloc(cap + 1);
  uint64_t *boff = pl->boff = malloc((nblk + 1) * sizeof *boff), *tblk = pl->tblk;
  uint32_t *blast = pl->blast = malloc((nblk ? nblk : 1) * sizeof *blast);
  int rc = (enc && boff && blast) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "index write: out of memory (postings)");
  /* the OpenMP threads encode contiguous runs of terms with about equal postings, thread k from
   * the bound of what comes before its run; then the runs move down to close the gaps, in order
   * (each lands below the next one's start), and their block offsets follow */
  const int nth = oterm_off[nt] > 4096 ? omp_get_max_threads() : 1;
  uint32_t tr[SPR_ENC_RUNS + 1];
  uint64_t at[SPR_ENC_RUNS + 1], got[SPR_ENC_RUNS];
  int trc[SPR_ENC_RUNS];
  const int nr = nth < SPR_ENC_RUNS ? nth : SPR_ENC_RUNS;
  tr[0] = 0;
  for (int k = 1; k < nr; k++) { /* the first term whose postings begin past k/nr of them */
    uint32_t t = tr[k - 1];
    while (t < nt && oterm_off[t] < oterm_off[nt] / (uint64_t)nr * (uint64_t)k) t++;
    tr[k] = t;
  }
  tr[nr] = nt;
  if (rc == SPR_OK) {
    uint64_t b = 0, by = 0; /* each run's first block and bound-based byte start */
    for (int k = 0; k < nr; k++) {
      at[k] = by;
      for (uint32_t t = tr[k]; t < tr[k + 1]; t++) {
        const uint32_t n = (uint32_t)(oterm_off[t + 1] - oterm_off[t]);
        tblk[t] = b;
        b += spr_postings_blocks(n);
        by += spr_postings_bound(n);
      }
    }
    tblk[nt] = b;
#pragma omp parallel for num_threads(nr) schedule(static, 1)
    for (int k = 0; k < nr; k++) {
      uint64_t bytes = at[k];
      trc[k] = SPR_OK;
      for (uint32_t t = tr[k]; t < tr[k + 1]; t++) {
        const uint64_t s0 = oterm_off[t];
        const uint32_t n = (uint32_t)(oterm_off[t + 1] - s0);
        const int64_t m = spr_encode_list(odocs + s0, oimp + s0, n, enc + bytes, cap - bytes, bytes, boff + tblk[t],
                                          blast + tblk[t]);
        if (m < 0) {
          trc[k] = (int)m; /* (SPR_FAIL's message is this thread's: said again below) */
          break;
        }
        bytes += (uint64_t)m;
      }
      got[k] = bytes - at[k];
    }
    for (int k = 0; k < nr && rc == SPR_OK; k++)
      if (trc[k] < 0) rc = SPR_FAIL(trc[k], "index write: encoding the posting lists failed");
  }
  uint64_t bytes = 0;
  for (int k = 0; rc == SPR_OK && k < nr; k++) {
    if (bytes != at[k]) {
      memmove(enc + bytes, enc + at[k], got[k]);
      const uint64_t shift = at[k] - bytes;
      for (uint64_t j = tblk[tr[k]] + 1; j < tblk[tr[k + 1]]; j++) boff[j] -= shift;
    }
    /* a run's first offset is also where the run before it wrote its end: both are set here */
    if (rc == SPR_OK) boff[tblk[tr[k]]] = bytes;
    bytes += got[k];
  }
  if (rc == SPR_OK) boff[nblk] = bytes;
  pl->n_pblocks = nblk;
  pl->enc_bytes = bytes;
  return rc;
}

int spr_payload_from_lists(uint32_t nt, const uint32_t *docs, const uint8_t *imp, const uint64_t *term_off,
                           spr_payload *out) {
  spr_payload *pl = out;
  memset(pl, 0, sizeof *pl);
  pl->nt = nt;
  pl->owned = 1;
  pl->enc_fd = -1;
  pl->df = malloc(((size_t)nt + 1) * sizeof *pl->df);
  pl->max_impact = malloc((size_t)nt + 1);
  pl->kth = malloc(3 * (size_t)nt + 1);
  pl->post_off = malloc(((size_t)nt + 1) * sizeof *pl->post_off);
  pl->tblk = malloc(((size_t)nt + 1) * sizeof *pl->tblk);
  if (!pl->df || !pl->max_impact || !pl->kth || !pl->post_off || !pl->tblk) {
    spr_payload_free(pl);
    return SPR_FAIL(SPR_ENOMEM, "index write: out of memory");
  }
  for (uint32_t t = 0; t < nt; t++) {
    const uint64_t s0 = term_off[t];
    const uint32_t n = (uint32_t)(term_off[t + 1] - s0);
    uint8_t mx = 0;
    for (uint32_t i = 0; i < n; i++) mx = imp[s0 + i] > mx ? imp[s0 + i] : mx;
    pl->df[t] = n;
    pl->max_impact[t] = mx;
    /* the 10th, 100th and 1000th largest impacts, which seed BMP's threshold */
    spr_bmp_kth(imp + s0, n, pl->kth + 3 * (size_t)t);
  }
  for (uint32_t t = 0; t <= nt; t++) pl->post_off[t] = term_off[t];
  /* every owned term's list in 128-posting codec blocks (docs/postings.md), with each block's byte
   * offset and last docid (the skip list a reader uses to decode only a range) */
  const int rc = spr_payload_encode(pl, docs, imp, term_off);
  if (rc != SPR_OK) spr_payload_free(pl);
  return rc;
}

void spr_payload_free(spr_payload *pl) {
  if (pl->owned) {
    free(pl->df);
    free(pl->max_impact);
    free(pl->kth);
    free(pl->post_off);
    free(pl->tblk);
    free(pl->boff);
    free(pl->blast);
    free(pl->enc);
  }
  memset(pl, 0, sizeof *pl);
}

typedef struct spr_write_ctx {
  uint32_t n_terms, t0, nt;  /* this rank owns terms [t0, t0 + nt) */
  uint64_t post_before;      /* postings of the terms before t0 */
  int last;                  /* the last rank (writes the closing offsets) */
} spr_write_ctx;

/* The term owners' datasets, from either build (spr_payload). */
static int spr_write_payload(const spr_comm *c, spr_h5_writer *w, const spr_write_ctx *x, spr_payload *pl) {
  const uint32_t t0 = x->t0, nt = x->nt, NT = x->n_terms;
  const int last = x->last;
  SPR_TRY(spr_ds_write(w, SPR_DS_TERMS_DF, NT, t0, nt, pl->df));
  SPR_TRY(spr_ds_write(w, SPR_DS_TERMS_MAX_IMPACT, NT, t0, nt, pl->max_impact));
  for (uint32_t t = 0; t <= nt; t++) pl->post_off[t] += x->post_before;
  SPR_TRY(spr_ds_write(w, SPR_DS_TERMS_POSTING_OFFSETS, (uint64_t)NT + 1, t0, nt + last, pl->post_off));
  uint64_t by_before = 0, by_total = 0, bl_before = 0, bl_total = 0;
  SPR_TRY(spr_mpi_exscan_u64(c, pl->enc_bytes, &by_before, &by_total));
  SPR_TRY(spr_mpi_exscan_u64(c, pl->n_pblocks, &bl_before, &bl_total));
  for (uint64_t j = 0; j <= pl->n_pblocks; j++) pl->boff[j] += by_before;
  for (uint32_t t = 0; t <= nt; t++) pl->tblk[t] += bl_before;
  if (pl->enc) SPR_TRY(spr_ds_write(w, SPR_DS_POSTINGS_ENCODED, by_total, by_before, pl->enc_bytes, pl->enc));
  else SPR_TRY(spr_ds_write_fd(w, SPR_DS_POSTINGS_ENCODED, by_total, by_before, pl->enc_bytes, pl->enc_fd, 0));
  SPR_TRY(spr_ds_write(w, SPR_DS_POSTINGS_BLOCK_OFFSETS, bl_total + 1, bl_before, pl->n_pblocks + last, pl->boff));
  SPR_TRY(spr_ds_write(w, SPR_DS_POSTINGS_BLOCK_LAST, bl_total, bl_before, pl->n_pblocks, pl->blast));
  SPR_TRY(spr_ds_write(w, SPR_DS_TERMS_POSTING_BLOCKS, (uint64_t)NT + 1, t0, nt + last, pl->tblk));
  SPR_TRY(spr_ds_write(w, SPR_DS_TERMS_KTH_IMPACT, 3 * (uint64_t)NT, 3 * (uint64_t)t0, 3 * (uint64_t)nt, pl->kth));
  return SPR_OK;
}

int spr_write_index(const spr_comm *c, const spr_build_params *p, const char *tmp, const spr_build_local *l,
                    uint64_t doc_base, uint64_t n_docs, const spr_dict *dict, const uint32_t *tb, uint64_t n_blocks,
                    spr_payload *pl, const spr_build_stats *st, spr_build_stats *io) {
  const int last = c->rank == c->size - 1;
  const uint32_t t0 = tb[c->rank], t1 = tb[c->rank + 1], nt = t1 - t0;
  spr_h5_writer *w = NULL;
  uint64_t *u64 = NULL;
  char *tbytes = NULL;
  int rc = SPR_OK;
  uint64_t ids_before = 0, ids_total = 0, post_before = 0, post_total = 0;
  SPR_TRYG(rc, spr_mpi_exscan_u64(c, l->ids_len, &ids_before, &ids_total), cleanup);
  SPR_ASSERT(pl->nt == nt);
  SPR_TRYG(rc, spr_mpi_exscan_u64(c, pl->post_off[nt], &post_before, &post_total), cleanup);
  const uint32_t n_terms = dict->n_terms, nd = dict->own.n; /* nd terms from dict->d0 written here */
  uint64_t nmax = (l->n_docs > nt ? l->n_docs : nt) + 1;
  nmax = nmax > (uint64_t)nd + 1 ? nmax : (uint64_t)nd + 1;
  u64 = malloc(nmax * sizeof *u64);
  const uint64_t tb_bytes = dict->own.len - nd; /* the owned terms without their NULs */
  uint64_t tb_before = 0, tb_total = 0;
  SPR_TRYG(rc, spr_mpi_exscan_u64(c, tb_bytes, &tb_before, &tb_total), cleanup);
  tbytes = malloc(tb_bytes ? tb_bytes : 1);
  if (!u64 || !tbytes) rc = SPR_FAIL(SPR_ENOMEM, "index write: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  SPR_TRYG(rc, spr_h5_writer_create(c, tmp, p->zstd_level, &w), cleanup);
  if (p->memory_budget) spr_h5_writer_set_round_bytes(w, spr_budget_unit(p->memory_budget));

  /* /docs */
  for (uint64_t i = 0; i <= l->n_docs; i++) u64[i] = ids_before + l->id_off[i];
  SPR_TRYG(rc, spr_ds_write(w, SPR_DS_DOCS_ID_OFFSETS, n_docs + 1, doc_base, l->n_docs + last, u64), cleanup);
  SPR_TRYG(rc, spr_ds_write(w, SPR_DS_DOCS_IDS, ids_total, ids_before, l->ids_len, l->ids), cleanup);
  SPR_TRYG(rc, spr_ds_write(w, SPR_DS_DOCS_LENGTH, n_docs, doc_base, l->n_docs, l->dl), cleanup);
  if (p->reorder && !strcmp(p->reorder, "bp")) /* the permutation: each docid's position in the input */
    SPR_TRYG(rc, spr_ds_write(w, SPR_DS_DOCS_INPUT_DOCID, n_docs, doc_base, l->n_docs, l->orig), cleanup);

  spr_test_pause(c, "index.merge"); /* the documents are in the file, the terms not yet */
  /* /terms: the strings by their dictionary owners (offsets into the NUL-free byte string); df,
   * max impact and posting offsets by the postings owners */
  uint64_t k = 0;
  for (uint32_t i = 0; i < nd; i++) {
    const char *s = spr_strlist_get(&dict->own, i);
    const size_t n = strlen(s);
    u64[i] = tb_before + k;
    memcpy(tbytes + k, s, n);
    k += n;
  }
  u64[nd] = tb_before + k;
  SPR_TRYG(rc, spr_ds_write(w, SPR_DS_TERMS_OFFSETS, (uint64_t)n_terms + 1, dict->d0, nd + last, u64), cleanup);
  SPR_TRYG(rc, spr_ds_write(w, SPR_DS_TERMS_BYTES, tb_total, tb_before, tb_bytes, tbytes), cleanup);
  {
    const spr_write_ctx x = {.n_terms = n_terms, .t0 = t0, .nt = nt, .post_before = post_before, .last = last};
    SPR_TRYG(rc, spr_write_payload(c, w, &x, pl), cleanup);
  }

  /* header: nothing that depends on the rank count */
  SPR_TRYG(rc, spr_h5_attr_u64(w, "/", "format_version", SPR_FORMAT_VERSION), cleanup);
  SPR_TRYG(rc, spr_h5_attr_str(w, "/", "format", "spire-index"), cleanup);
  SPR_TRYG(rc, spr_h5_attr_str(w, "/", "spire_version", SPR_VERSION), cleanup);
  SPR_TRYG(rc, spr_h5_attr_u64(w, "/", "n_docs", n_docs), cleanup);
  SPR_TRYG(rc, spr_h5_attr_u64(w, "/", "n_terms", n_terms), cleanup);
  SPR_TRYG(rc, spr_h5_attr_u64(w, "/", "n_postings", post_total), cleanup);
  SPR_TRYG(rc, spr_h5_attr_str(w, "/", "encoder", p->model ? "splade" : p->vectors ? "vectors" : "bm25"), cleanup);
  SPR_TRYG(rc, spr_h5_attr_str(w, "/", "analyzer", (p->vectors || p->model) ? "none" : p->analyzer), cleanup);
  if (p->model) {
    SPR_TRYG(rc, spr_h5_attr_str(w, "/", "model", p->model_dir), cleanup);
    SPR_TRYG(rc, spr_h5_attr_str(w, "/", "model_dtype", spr_model_dtype(p->model)), cleanup);
    SPR_TRYG(rc, spr_h5_attr_u64(w, "/", "max_length", (uint64_t)p->max_length), cleanup);
  }
  SPR_TRYG(rc, spr_h5_attr_f64(w, "/", "bm25_k1", p->k1), cleanup);
  SPR_TRYG(rc, spr_h5_attr_f64(w, "/", "bm25_b", p->b), cleanup);
  SPR_TRYG(rc, spr_h5_attr_f64(w, "/", "avgdl", st->avgdl), cleanup);
  SPR_TRYG(rc, spr_h5_attr_u64(w, "/", "impact_bits", (uint64_t)p->bits), cleanup);
  SPR_TRYG(rc, spr_h5_attr_f64(w, "/", "score_max", st->score_max), cleanup);
  SPR_TRYG(rc, spr_h5_attr_str(w, "/", "quantization",
                               st->identity ? "identity: impacts are the input vectors' integer weights"
                                            : "linear: impact = 1 + round(score / score_max * (2^impact_bits - 2))"),
           cleanup);
  SPR_TRYG(rc, spr_h5_attr_u64(w, "/", "zstd_level", (uint64_t)p->zstd_level), cleanup);
  SPR_TRYG(rc, spr_h5_attr_u64(w, "/", "block_size", (uint64_t)p->block_size), cleanup);
  {
    char sk[256];
    size_t o = (size_t)snprintf(sk, sizeof sk, "on_error=%s", p->policy.skip ? "skip" : "fail");
    for (int r = 0; r < SPR_SKIP_NREASONS && o < sizeof sk; r++)
      o += (size_t)snprintf(sk + o, sizeof sk - o, "; %s: %llu", spr_skip_reason_name(r), (unsigned long long)st->skipped[r]);
    SPR_TRYG(rc, spr_h5_attr_str(w, "/", "skipped_records", sk), cleanup);
  }
  SPR_TRYG(rc, spr_h5_attr_u64(w, "/", "n_blocks", n_blocks), cleanup);
  SPR_TRYG(rc, spr_h5_attr_str(w, "/", "reorder", p->reorder && !strcmp(p->reorder, "bp") ? "bp" : "none"), cleanup);
  {
    char pr[256];
    snprintf(pr, sizeof pr, "top_terms=%u; min_weight=%.17g; list_max=%u; removed by document rules: %llu; "
             "removed by the list cap: %llu", p->prune_top_terms, p->prune_min_weight, p->prune_list_max,
             (unsigned long long)st->pruned_doc, (unsigned long long)st->pruned_list);
    SPR_TRYG(rc, spr_h5_attr_str(w, "/", "pruning", pr), cleanup);
    SPR_TRYG(rc, spr_h5_attr_u64(w, "/", "pruned_postings", st->pruned_doc + st->pruned_list), cleanup);
  }
cleanup:;
  int crc = SPR_OK;
  io->t_io = spr_h5_writer_io_seconds(w);
  const double tc = spr_now();
  if (w) crc = spr_h5_writer_close(&w);
  io->t_io += spr_now() - tc; /* closing flushes the metadata and the last chunks */
  free(u64);
  free(tbytes);
  return rc < 0 ? rc : crc;
}

int spr_write_index_lists(const spr_comm *c, const spr_build_params *p, const char *tmp, const spr_build_local *l,
                          uint64_t doc_base, uint64_t n_docs, const spr_dict *dict, const uint32_t *tb,
                          const uint32_t *odocs, const uint8_t *oimp, const uint64_t *oterm_off, spr_build_stats *st) {
  spr_payload pl;
  int rc = spr_payload_from_lists(tb[c->rank + 1] - tb[c->rank], odocs, oimp, oterm_off, &pl);
  rc = spr_mpi_agree(c, rc);
  if (rc == SPR_OK)
    rc = spr_write_index(c, p, tmp, l, doc_base, n_docs, dict, tb, (n_docs + p->block_size - 1) / p->block_size, &pl,
                         st, st);
  spr_payload_free(&pl);
  return rc;
}
