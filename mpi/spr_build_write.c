/* spr_build_write.c: the index build's write of the file (collective; declared in
 * spr_build_write.h): every dataset, each rank its slice, the posting lists encoded by all
 * threads, the payload of the in-memory build. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_bmp.h"
#include "spr_build_write.h"
#include "spr_h5.h"
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
static int spr_write_postings(const spr_comm *c, spr_h5_writer *w, uint32_t n_terms, uint32_t t0, uint32_t nt,
                              const uint32_t *odocs, const uint8_t *oimp, const uint64_t *oterm_off) {
  const int last = c->rank == c->size - 1;
  uint64_t nblk = 0, cap = 0;
  for (uint32_t t = 0; t < nt; t++) {
    const uint32_t n = (uint32_t)(oterm_off[t + 1] - oterm_off[t]);
    nblk += spr_postings_blocks(n);
    cap += spr_postings_bound(n);
  }
  uint8_t *enc = malloc(cap + 1);
  uint64_t *boff = malloc((nblk + 1) * sizeof *boff), *tblk = malloc(((size_t)nt + 1) * sizeof *tblk);
  uint32_t *blast = malloc((nblk ? nblk : 1) * sizeof *blast);
  int rc = (enc && boff && tblk && blast) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "index write: out of memory (postings)");
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
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  uint64_t by_before = 0, by_total = 0, bl_before = 0, bl_total = 0;
  SPR_TRYG(rc, spr_mpi_exscan_u64(c, bytes, &by_before, &by_total), cleanup);
  SPR_TRYG(rc, spr_mpi_exscan_u64(c, nblk, &bl_before, &bl_total), cleanup);
  for (uint64_t j = 0; j <= nblk; j++) boff[j] += by_before;
  for (uint32_t t = 0; t <= nt; t++) tblk[t] += bl_before;
  SPR_TRYG(rc, spr_h5_write(w, "/postings/encoded", SPR_H5_U8, by_total, by_before, bytes, enc), cleanup);
  SPR_TRYG(rc, spr_h5_write(w, "/postings/block_offsets", SPR_H5_U64, bl_total + 1, bl_before, nblk + last, boff), cleanup);
  SPR_TRYG(rc, spr_h5_write(w, "/postings/block_last", SPR_H5_U32, bl_total, bl_before, nblk, blast), cleanup);
  SPR_TRYG(rc, spr_h5_write(w, "/terms/posting_blocks", SPR_H5_U64, (uint64_t)n_terms + 1, t0, nt + last, tblk), cleanup);
cleanup:
  free(enc);
  free(boff);
  free(tblk);
  free(blast);
  return rc;
}

int spr_owned_lists_write(const spr_comm *c, spr_h5_writer *w, const spr_write_ctx *x, void *arg) {
  const spr_owned_lists *m = arg;
  const uint32_t t0 = x->t0, nt = x->nt;
  uint64_t *u64 = malloc(((size_t)nt + 1) * sizeof *u64);
  uint32_t *u32 = malloc(((size_t)nt + 1) * sizeof *u32);
  uint8_t *u8 = malloc(3 * (size_t)nt + 1);
  int rc = (u64 && u32 && u8) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "index write: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  for (uint32_t t = 0; t < nt; t++) u32[t] = (uint32_t)(m->oterm_off[t + 1] - m->oterm_off[t]);
  SPR_TRYG(rc, spr_h5_write(w, "/terms/df", SPR_H5_U32, x->n_terms, t0, nt, u32), cleanup);
  for (uint32_t t = 0; t < nt; t++) {
    uint8_t mx = 0;
    for (uint64_t i = m->oterm_off[t]; i < m->oterm_off[t + 1]; i++) mx = m->oimp[i] > mx ? m->oimp[i] : mx;
    u8[t] = mx;
  }
  SPR_TRYG(rc, spr_h5_write(w, "/terms/max_impact", SPR_H5_U8, x->n_terms, t0, nt, u8), cleanup);
  for (uint32_t t = 0; t <= nt; t++) u64[t] = x->post_before + m->oterm_off[t];
  SPR_TRYG(rc, spr_h5_write(w, "/terms/posting_offsets", SPR_H5_U64, (uint64_t)x->n_terms + 1, t0, nt + x->last, u64),
           cleanup);
  /* /postings: every owned term's list in 128-posting codec blocks (docs/postings.md), with each
   * block's byte offset and last docid (the skip list a reader uses to decode only a range) */
  SPR_TRYG(rc, spr_write_postings(c, w, x->n_terms, t0, nt, m->odocs, m->oimp, m->oterm_off), cleanup);
  /* the 10th, 100th and 1000th largest impacts, which seed BMP's threshold */
  for (uint32_t t = 0; t < nt; t++)
    spr_bmp_kth(m->oimp + m->oterm_off[t], (uint32_t)(m->oterm_off[t + 1] - m->oterm_off[t]), u8 + 3 * (size_t)t);
  SPR_TRYG(rc, spr_h5_write(w, "/terms/kth_impact", SPR_H5_U8, 3 * (uint64_t)x->n_terms, 3 * (uint64_t)t0,
                            3 * (uint64_t)nt, u8), cleanup);
cleanup:
  free(u64);
  free(u32);
  free(u8);
  return rc;
}

int spr_write_index(const spr_comm *c, const spr_build_params *p, const char *tmp, const spr_build_local *l,
                    uint64_t doc_base, uint64_t n_docs, const spr_dict *dict, const uint32_t *tb, uint64_t n_owned,
                    uint64_t n_blocks, spr_payload_fn payload, void *arg, const spr_build_stats *st,
                    spr_build_stats *io) {
  const int last = c->rank == c->size - 1;
  const uint32_t t0 = tb[c->rank], t1 = tb[c->rank + 1], nt = t1 - t0;
  spr_h5_writer *w = NULL;
  uint64_t *u64 = NULL;
  char *tbytes = NULL;
  int rc = SPR_OK;
  uint64_t ids_before = 0, ids_total = 0, post_before = 0, post_total = 0;
  SPR_TRYG(rc, spr_mpi_exscan_u64(c, l->ids_len, &ids_before, &ids_total), cleanup);
  SPR_TRYG(rc, spr_mpi_exscan_u64(c, n_owned, &post_before, &post_total), cleanup);
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
  SPR_TRYG(rc, spr_h5_write(w, "/docs/id_offsets", SPR_H5_U64, n_docs + 1, doc_base, l->n_docs + last, u64), cleanup);
  SPR_TRYG(rc, spr_h5_write(w, "/docs/ids", SPR_H5_U8, ids_total, ids_before, l->ids_len, l->ids), cleanup);
  SPR_TRYG(rc, spr_h5_write(w, "/docs/length", SPR_H5_U32, n_docs, doc_base, l->n_docs, l->dl), cleanup);
  if (p->reorder && !strcmp(p->reorder, "bp")) /* the permutation: each docid's position in the input */
    SPR_TRYG(rc, spr_h5_write(w, "/docs/input_docid", SPR_H5_U32, n_docs, doc_base, l->n_docs, l->orig), cleanup);

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
  SPR_TRYG(rc, spr_h5_write(w, "/terms/offsets", SPR_H5_U64, (uint64_t)n_terms + 1, dict->d0, nd + last, u64), cleanup);
  SPR_TRYG(rc, spr_h5_write(w, "/terms/bytes", SPR_H5_U8, tb_total, tb_before, tb_bytes, tbytes), cleanup);
  {
    const spr_write_ctx x = {.n_terms = n_terms, .t0 = t0, .nt = nt, .post_before = post_before, .last = last};
    SPR_TRYG(rc, payload(c, w, &x, arg), cleanup);
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
