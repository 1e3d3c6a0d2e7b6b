/* spr_build.c: the distributed BM25 index build (collective). Phases, each ended by an error
 * agreement so no rank waits in a collective for a peer that already failed:
 *   1. each rank reads the records whose first byte lies in its byte range, analyzes them and
 *      builds a local vocabulary and per-document (term, tf) lists;
 *   2. docids by prefix sum of document counts (input order, whatever the rank count);
 *   3. the global vocabulary: sorted union of the local ones (term id = rank in byte order);
 *   4. document frequencies and lengths summed by reductions; BM25; the global maximum score
 *      fixes the quantizer;
 *   5. postings are sent to the rank that owns their term (term ranges balanced by postings),
 *      concatenated in source-rank order, so every list is sorted by docid;
 *   6. every dataset is written collectively, each rank its contiguous slice, to OUTPUT.tmp,
 *      which rank 0 renames once all ranks agree the write succeeded. */
#define _DEFAULT_SOURCE /* realpath */
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spr_bm25.h"
#include "spr_bmp.h"
#include "spr_mem.h"
#include "spr_bert_quant.h"
#include "spr_encode.h"
#include "spr_h5.h"
#include "spr_postings.h"
#include "spr_index.h"
#include "spr_build_ciff.h"
#include "spr_build_dict.h"
#include "spr_build_stream.h"
#include "spr_build_write.h"
#include "spr_docs.h"
#include "spr_docs_read.h"
#include "spr_reorder.h"
#include "spr_progress.h"
#include <xxhash.h>


static int spr_cmp_pair(const void *a, const void *b) {
  const uint32_t x = ((const spr_pair *)a)->term, y = ((const spr_pair *)b)->term;
  return (x > y) - (x < y);
}

/* Sort every document's postings by term id, their scores alongside. */
static int spr_build_sort_docs(spr_build_local *l, double *score) {
  const uint64_t maxlen = spr_build_max_doc_postings(l);
  spr_pair *tmp = malloc((maxlen ? maxlen : 1) * sizeof *tmp);
  if (!tmp) return SPR_FAIL(SPR_ENOMEM, "index build: out of memory");
  for (uint64_t d = 0; d < l->n_docs; d++) {
    const uint64_t s = l->post_off[d], n = l->post_off[d + 1] - s;
    int sorted = 1;
    for (uint64_t i = 1; i < n && sorted; i++) sorted = l->tid[s + i - 1] < l->tid[s + i];
    if (sorted) continue;
    for (uint64_t i = 0; i < n; i++) tmp[i] = (spr_pair){l->tid[s + i], score[s + i]};
    qsort(tmp, n, sizeof *tmp, spr_cmp_pair);
    for (uint64_t i = 0; i < n; i++) {
      l->tid[s + i] = tmp[i].term;
      score[s + i] = tmp[i].weight;
    }
  }
  free(tmp);
  return SPR_OK;
}

/* A BM25 score out of line: the build's two passes over float weights call the same machine code,
 * so the second computes exactly the double the first took the maximum of. */
static __attribute__((noinline)) double spr_bm25_of(const spr_build_params *p, const spr_bm25 *bm, uint32_t df,
                                                    double tf, uint32_t dl) {
  return spr_build_score(p, bm, df, tf, dl);
}

/* SPLADE documents wait in a batch (their ids and texts copied), then are encoded together:
 * spr_splade_encode runs its own OpenMP region over the batch, and with one text per forward pass
 * a vector does not depend on its batch, so results do not depend on the rank count. */
typedef struct spr_splade_batch {
  char *buf;          /* owned: ids and texts */
  uint64_t len, cap;
  uint64_t *id_at, *text_at, *text_len; /* owned: offsets into buf */
  uint64_t *line;     /* owned: line numbers */
  uint64_t n, ncap;
  uint64_t tokens;    /* encoded so far, for the stats */
} spr_splade_batch;

static void spr_splade_batch_free(spr_splade_batch *b) {
  free(b->buf);
  free(b->id_at);
  free(b->text_at);
  free(b->text_len);
  free(b->line);
  memset(b, 0, sizeof *b);
}

static int spr_splade_batch_add(spr_splade_batch *b, const spr_doc *d) {
  SPR_TRY(spr_build_grow((void **)&b->buf, &b->cap, b->len + d->id_len + d->text_len + 2, 1));
  uint64_t c1 = b->ncap, c2 = b->ncap, c3 = b->ncap;
  SPR_TRY(spr_build_grow((void **)&b->line, &c3, b->n + 1, sizeof *b->line));
  SPR_TRY(spr_build_grow((void **)&b->id_at, &c1, b->n + 1, sizeof *b->id_at));
  SPR_TRY(spr_build_grow((void **)&b->text_at, &c2, b->n + 1, sizeof *b->text_at));
  SPR_TRY(spr_build_grow((void **)&b->text_len, &b->ncap, b->n + 1, sizeof *b->text_len));
  b->line[b->n] = d->line;
  b->id_at[b->n] = b->len;
  memcpy(b->buf + b->len, d->id, d->id_len + 1);
  b->len += d->id_len + 1;
  b->text_at[b->n] = b->len;
  memcpy(b->buf + b->len, d->text, d->text_len);
  b->buf[b->len + d->text_len] = '\0';
  b->text_len[b->n] = d->text_len;
  b->len += d->text_len + 1;
  b->n++;
  return SPR_OK;
}

/* Encode the batch and append its documents; the terms are the model's vocabulary tokens. */
static int spr_splade_batch_flush(spr_splade_batch *b, const spr_build_params *p, spr_vocab *voc,
                                  spr_build_local *l, spr_pair **pairs, uint64_t *pairs_cap) {
  if (b->n == 0) return SPR_OK;
  const char **texts = malloc(b->n * sizeof *texts);
  if (!texts) return SPR_FAIL(SPR_ENOMEM, "index build: out of memory (encoder batch)");
  for (uint64_t i = 0; i < b->n; i++) texts[i] = b->buf + b->text_at[i];
  spr_splade_params sp = {.max_length = (uint32_t)p->max_length, .query = 0, .weights = p->weights};
  spr_splade_vectors v = {0};
  int rc = spr_splade_encode(p->model, &sp, texts, (const size_t *)b->text_len, b->n, &v);
  free(texts);
  const spr_wordpiece *wp = spr_model_vocab(p->model);
  for (uint64_t i = 0; rc == SPR_OK && i < b->n; i++) {
    const uint64_t m = v.off[i + 1] - v.off[i];
    rc = spr_build_grow((void **)pairs, pairs_cap, m + 1, sizeof **pairs);
    for (uint64_t j = 0; rc == SPR_OK && j < m; j++) {
      const char *tok = spr_wordpiece_token(wp, v.term[v.off[i] + j]);
      const int64_t id = spr_vocab_intern(voc, tok, strlen(tok));
      if (id < 0) rc = (int)id;
      else (*pairs)[j] = (spr_pair){(uint32_t)id, (double)v.weight[v.off[i] + j]};
    }
    if (rc == SPR_OK) {
      const char *id = b->buf + b->id_at[i];
      rc = spr_build_add_doc(l, id, strlen(id), b->line[i], *pairs, (size_t)m);
    }
  }
  b->tokens += v.tokens;
  spr_splade_vectors_free(&v);
  b->n = b->len = 0;
  return rc;
}

/* Keep only the documents with keep[d] != 0 (in order). Bounded memory: the postings are on disk
 * and stay there; the document stream skips the dropped ones (l->spill.keep). */
static int spr_build_local_compact(spr_build_local *l, const uint8_t *keep) {
  uint64_t nd = 0, np = 0, nb = 0;
  if (l->spill.on) {
    l->spill.keep = malloc(l->n_docs + 1);
    if (!l->spill.keep) return SPR_FAIL(SPR_ENOMEM, "index build: out of memory");
    memcpy(l->spill.keep, keep, l->n_docs);
    for (uint64_t d = 0; d < l->n_docs; d++) {
      if (!keep[d]) continue;
      const uint64_t ib = l->id_off[d], ie = l->id_off[d + 1];
      memmove(l->ids + nb, l->ids + ib, ie - ib);
      l->dl[nd] = l->dl[d];
      l->line[nd] = l->line[d];
      l->id_off[nd] = nb;
      nb += ie - ib;
      np += l->post_off[d + 1] - l->post_off[d];
      nd++;
    }
    l->id_off[nd] = nb;
    l->n_docs = nd;
    l->n_post = np;
    l->ids_len = nb;
    return SPR_OK;
  }
  for (uint64_t d = 0; d < l->n_docs; d++) {
    if (!keep[d]) continue;
    const uint64_t ib = l->id_off[d], ie = l->id_off[d + 1], pb = l->post_off[d], pe = l->post_off[d + 1];
    memmove(l->ids + nb, l->ids + ib, ie - ib);
    memmove(l->tid + np, l->tid + pb, (pe - pb) * sizeof *l->tid);
    const size_t ws = spr_build_w_size(l);
    memmove((char *)l->w + np * ws, (char *)l->w + pb * ws, (pe - pb) * ws);
    l->dl[nd] = l->dl[d];
    l->line[nd] = l->line[d];
    l->id_off[nd] = nb;
    l->post_off[nd] = np;
    nb += ie - ib;
    np += pe - pb;
    nd++;
  }
  l->id_off[nd] = nb;
  l->post_off[nd] = np;
  l->n_docs = nd;
  l->n_post = np;
  l->ids_len = nb;
  return SPR_OK;
}

typedef struct spr_dedup_rec { /* one document id at its hash owner */
  uint64_t hash, line;
  const char *id; /* borrowed from the receive buffer */
  uint32_t len;
  int src;        /* the rank that read it */
} spr_dedup_rec;

static int spr_cmp_dedup_rec(const void *pa, const void *pb) {
  const spr_dedup_rec *a = pa, *b = pb;
  if (a->hash != b->hash) return a->hash < b->hash ? -1 : 1;
  if (a->len != b->len) return a->len < b->len ? -1 : 1;
  const int m = memcmp(a->id, b->id, a->len);
  if (m) return m;
  return (a->line > b->line) - (a->line < b->line);
}

/* Duplicate document ids, found without gathering the ids: every id goes (hash, line, bytes) to the
 * rank hash mod P, which sorts them and answers which lines repeat an earlier one. Under fail the
 * owner that finds one reports "FILE:LINE: duplicate document id 'X' (first at line L)"; under skip
 * the later copies are dropped and counted. Collective. */
static int spr_build_dedup(const spr_comm *c, const spr_build_params *p, spr_build_local *l, uint64_t *dropped) {
  const int P = c->size;
  uint64_t *scount = calloc((size_t)P, sizeof *scount), *rcount = calloc((size_t)P, sizeof *rcount);
  uint64_t *acount = calloc((size_t)P, sizeof *acount), *arcount = calloc((size_t)P, sizeof *arcount);
  uint64_t *hash = malloc((l->n_docs + 1) * sizeof *hash), *fill = calloc((size_t)P + 1, sizeof *fill);
  char *sbuf = NULL, *rbuf = NULL;
  uint64_t *drop_lines = NULL, *got = NULL;
  uint8_t *keep = NULL;
  spr_dedup_rec *recs = NULL;
  int rc = (scount && rcount && acount && arcount && hash && fill) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  const size_t hdr = 2 * sizeof(uint64_t) + sizeof(uint32_t);
  for (uint64_t d = 0; d < l->n_docs; d++) {
    const uint64_t len = l->id_off[d + 1] - l->id_off[d];
    hash[d] = XXH3_64bits(l->ids + l->id_off[d], len);
    scount[hash[d] % (uint64_t)P] += hdr + len;
  }
  uint64_t tot = 0;
  for (int r = 0; r < P; r++) {
    fill[r] = tot;
    tot += scount[r];
  }
  sbuf = malloc(tot + 1);
  if (!sbuf) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  for (uint64_t d = 0; d < l->n_docs; d++) {
    const uint32_t len = (uint32_t)(l->id_off[d + 1] - l->id_off[d]);
    char *o = sbuf + fill[hash[d] % (uint64_t)P];
    memcpy(o, &hash[d], 8);
    memcpy(o + 8, &l->line[d], 8);
    memcpy(o + 16, &len, 4);
    memcpy(o + hdr, l->ids + l->id_off[d], len);
    fill[hash[d] % (uint64_t)P] += hdr + len;
  }
  SPR_TRYG(rc, spr_mpi_alltoallv(c, sbuf, scount, (void **)&rbuf, rcount), cleanup);
  uint64_t nrec = 0, rtot = 0;
  for (int r = 0; r < P; r++) rtot += rcount[r];
  for (uint64_t o = 0; o < rtot; nrec++) {
    uint32_t len;
    memcpy(&len, rbuf + o + 16, 4);
    o += hdr + len;
  }
  recs = malloc((nrec + 1) * sizeof *recs);
  drop_lines = malloc((nrec + 1) * sizeof *drop_lines);
  if (!recs || !drop_lines) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  {
    uint64_t o = 0, k = 0, seg = 0;
    int src = 0;
    while (o < rtot) {
      while (src < P && o >= seg + rcount[src]) seg += rcount[src++];
      memcpy(&recs[k].hash, rbuf + o, 8);
      memcpy(&recs[k].line, rbuf + o + 8, 8);
      memcpy(&recs[k].len, rbuf + o + 16, 4);
      recs[k].id = rbuf + o + hdr;
      recs[k].src = src;
      o += hdr + recs[k].len;
      k++;
    }
  }
  /* sort by (hash, id, line): copies of one id sit together, the first line first */
  qsort(recs, nrec, sizeof *recs, spr_cmp_dedup_rec);
  for (uint64_t i = 1; i < nrec && rc == SPR_OK; i++) {
    const spr_dedup_rec *a = &recs[i - 1], *b = &recs[i];
    if (a->hash != b->hash || a->len != b->len || memcmp(a->id, b->id, a->len)) continue;
    if (!p->policy.skip)
      rc = SPR_FAIL(SPR_EPARSE, "%s:%llu: duplicate document id '%.*s' (first at line %llu)", p->corpus,
                    (unsigned long long)b->line, (int)(b->len > 200 ? 200 : b->len), b->id,
                    (unsigned long long)recs[i - 1].line);
    else
      recs[i].line |= 1ull << 63; /* mark: a later copy */
  }
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  if (!p->policy.skip) goto cleanup;
  {
    /* answer every source with the lines it must drop (grouped by source) */
    uint64_t k = 0;
    for (int r = 0; r < P; r++)
      for (uint64_t i = 0; i < nrec; i++)
        if (recs[i].src == r && (recs[i].line >> 63)) {
          drop_lines[k++] = recs[i].line & ~(1ull << 63);
          acount[r] += sizeof(uint64_t);
        }
  }
  SPR_TRYG(rc, spr_mpi_alltoallv(c, drop_lines, acount, (void **)&got, arcount), cleanup);
  uint64_t ng = 0;
  for (int r = 0; r < P; r++) ng += arcount[r] / sizeof(uint64_t);
  keep = malloc(l->n_docs + 1);
  if (!keep) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  memset(keep, 1, l->n_docs + 1);
  for (uint64_t i = 0; i < ng; i++) { /* lines ascend with d: binary search */
    uint64_t lo = 0, hi = l->n_docs;
    while (lo < hi) {
      const uint64_t m = (lo + hi) / 2;
      if (l->line[m] < got[i]) lo = m + 1;
      else hi = m;
    }
    if (lo < l->n_docs && l->line[lo] == got[i]) keep[lo] = 0;
  }
  if (ng) rc = spr_build_local_compact(l, keep);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  *dropped += ng;
cleanup:
  free(scount);
  free(rcount);
  free(acount);
  free(arcount);
  free(hash);
  free(fill);
  free(sbuf);
  free(rbuf);
  free(recs);
  free(drop_lines);
  free(got);
  free(keep);
  return rc;
}

/* Phase 1: parse and analyze this rank's records. */
static int spr_build_read(const spr_comm *c, const spr_build_params *p, spr_corpus *corp, spr_vocab *voc,
                          spr_build_local *l, uint64_t *skipped) {
  uint64_t begin = 0, end = 0, lines_before = 0, lines_total = 0;
  spr_corpus_split(corp, c->rank, c->size, &begin, &end);
  SPR_TRY(spr_build_grow((void **)&l->id_off, &l->id_off_cap, 1, sizeof *l->id_off));
  l->id_off[0] = 0;
  const int show = p->progress && c->rank == 0;
  uint64_t my_lines = 0;
  if (!p->model) { /* text and vectors: every thread of the rank parses and analyzes */
    /* the lines are numbered within the range while reading (counting the lines before it would
     * read the whole corpus once more), then shifted by the lines of the ranks before */
    const spr_docs_read_opts o = {.label = p->corpus, .vectors = p->vectors, .analyzer = p->analyzer,
                                  .policy = p->policy, .memory_budget = p->memory_budget};
    int rc = spr_docs_read(&o, corp, begin, end, 0, show, voc, l, skipped, &my_lines);
    SPR_TRY(spr_mpi_agree(c, rc));
    SPR_TRY(spr_mpi_exscan_u64(c, my_lines, &lines_before, &lines_total));
    for (uint64_t i = 0; lines_before && i < l->n_docs; i++) l->line[i] += lines_before;
    return SPR_OK;
  }
#pragma omp parallel reduction(+ : my_lines)
  {
    uint64_t b = 0, e = 0;
    spr_corpus_split_range(corp, begin, end, omp_get_thread_num(), omp_get_num_threads(), &b, &e);
    my_lines += spr_corpus_count_lines(corp, b, e);
  }
  SPR_TRY(spr_mpi_exscan_u64(c, my_lines, &lines_before, &lines_total));

  /* SPLADE: one reader; the encoder runs its own OpenMP region over each batch of texts */
  spr_corpus_cursor *cur = NULL;
  spr_pair *pairs = NULL;
  uint64_t pairs_cap = 0;
  spr_splade_batch batch;
  memset(&batch, 0, sizeof batch);
  int rc = SPR_OK;
  SPR_TRYG(rc, spr_corpus_cursor_create(corp, begin, end, lines_before + 1, &cur), cleanup);
  {
    spr_corpus_policy pol = p->policy;
    if (!pol.max_record_bytes) pol.max_record_bytes = SPR_CORPUS_MAX_RECORD_DEFAULT;
    spr_corpus_cursor_set_policy(cur, &pol);
  }
  spr_progress prog;
  /* rank 0 reports its own share; ranks read equal byte ranges, so it stands for the whole */
  spr_progress_start(&prog, "index: read+analyze", "lines", my_lines, show);
  spr_doc d;
  for (;;) {
    SPR_TRYG(rc, spr_corpus_next(cur, &d), cleanup);
    if (rc == 0) break;
    if (d.vec) {
      rc = SPR_FAIL(SPR_EINVAL, "%s:%llu: a vector record, but the encoder is a model", p->corpus,
                    (unsigned long long)d.line);
      goto cleanup;
    }
    SPR_TRYG(rc, spr_splade_batch_add(&batch, &d), cleanup);
    if (batch.n >= 256) SPR_TRYG(rc, spr_splade_batch_flush(&batch, p, voc, l, &pairs, &pairs_cap), cleanup);
    spr_progress_update(&prog, d.line - lines_before);
  }
  SPR_TRYG(rc, spr_splade_batch_flush(&batch, p, voc, l, &pairs, &pairs_cap), cleanup);
  spr_progress_finish(&prog, my_lines);
  memcpy(skipped, spr_corpus_cursor_skipped(cur), sizeof(uint64_t) * SPR_SKIP_NREASONS);
  rc = SPR_OK;
cleanup:
  spr_splade_batch_free(&batch);
  free(pairs);
  spr_corpus_cursor_free(&cur);
  return rc;
}

/* Collective. After the write (rc its outcome): checksums, then OUTPUT.tmp renamed to OUTPUT. */
static int spr_build_commit(const spr_comm *c, const spr_build_params *p, const char *tmp, int rc, double t_write,
                            spr_build_stats *st) {
  rc = spr_mpi_agree(c, spr_test_fault(c, "index.write", rc));
  st->t_write = spr_now() - t_write;
  if (rc == SPR_OK) rc = spr_index_write_checksums(c, tmp);
  rc = spr_mpi_agree(c, spr_test_fault(c, "index.checksum", rc));
  st->t_checksum = spr_now() - t_write - st->t_write;
  if (rc == SPR_OK && c->rank == 0 && rename(tmp, p->output) != 0)
    rc = SPR_FAIL(SPR_EIO, "%s: cannot rename from %s", p->output, tmp);
  rc = spr_mpi_agree(c, rc);
  if (rc == SPR_OK) {
    struct stat sb;
    if (stat(p->output, &sb) == 0) st->file_bytes = (uint64_t)sb.st_size;
  }
  return rc;
}

/* Bounded memory: the checks and the spill file before reading. */
static int spr_build_spill_open(const spr_build_params *p, int ciff, char **dir_owned, spr_build_local *l) {
  if (ciff)
    return SPR_FAIL(SPR_EUNSUPPORTED, "%s: memory_budget does not apply to CIFF input (its reader holds the lists it "
                    "routes); build without a budget", p->corpus);
  if (p->reorder && !strcmp(p->reorder, "bp"))
    return SPR_FAIL(SPR_EUNSUPPORTED, "memory_budget and reorder = bp cannot be combined yet (BP needs every "
                    "document's postings in memory)");
  if (p->prune_list_max > 0)
    return SPR_FAIL(SPR_EUNSUPPORTED, "memory_budget and prune_list_max cannot be combined yet (the list cap edits "
                    "documents after routing)");
  const char *dir = p->spill_dir;
  if (!dir || !*dir) { /* the output's folder: it has room for the index, about what the spill needs */
    *dir_owned = strdup(p->output);
    if (!*dir_owned) return SPR_FAIL(SPR_ENOMEM, "out of memory");
    char *slash = strrchr(*dir_owned, '/');
    if (!slash) strcpy(*dir_owned, ".");
    else if (slash == *dir_owned) slash[1] = '\0';
    else *slash = '\0';
    dir = *dir_owned;
  }
  l->spill.dir = dir;
  const uint64_t cap = spr_budget_unit(p->memory_budget) / (sizeof(uint32_t) + sizeof(double));
  l->spill.cap = cap > 256 ? cap : 256;
  SPR_TRY(spr_spill_tmpfile(dir, &l->spill.fd));
  l->spill.on = 1;
  return SPR_OK;
}

/* Memory a rank may use: MemAvailable of /proc/meminfo shared by the node's ranks (or
 * SPR_TEST_MEM_AVAILABLE_MB, for the tests); 0 when unknown. */
static uint64_t spr_mem_available(int node_ranks) {
  const char *t = getenv("SPR_TEST_MEM_AVAILABLE_MB");
  uint64_t bytes = 0;
  if (t && *t) {
    bytes = strtoull(t, NULL, 10) << 20;
  } else {
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
      if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) break;
    if (f) fclose(f);
    bytes = (uint64_t)kb << 10;
  }
  return node_ranks > 0 ? bytes / (uint64_t)node_ranks : bytes;
}

/* Peak memory of the in-memory build per byte of input it reads, by input (docs/memory.md: measured
 * 2.1-3.1 B/B for JSON vectors and text with BM25; SPLADE expands ~100-200 tokens into ~200-300
 * postings of 40-50 B each). Rounded up: a bounded build that was not needed costs 0-8% of time, an
 * in-memory one that does not fit is killed. */
#define SPR_MEM_PER_INPUT_BYTE 4u
#define SPR_MEM_PER_INPUT_BYTE_SPLADE 24u

/* No budget given: when the in-memory build would not fit in the memory this node's ranks have,
 * choose bounded memory with half of it per rank (the same budget on every rank) and say so. Collective. */
static int spr_build_auto_budget(const spr_comm *c, spr_build_params *pv, const spr_corpus *corp) {
  int node_ranks = 1;
  SPR_TRY(spr_mpi_node_size(c, &node_ranks));
  const uint64_t avail = spr_mem_available(node_ranks);
  const uint64_t input = spr_corpus_size(corp) / (uint64_t)c->size + 1;
  const uint64_t need = input * (pv->model ? SPR_MEM_PER_INPUT_BYTE_SPLADE : SPR_MEM_PER_INPUT_BYTE);
  uint64_t v[2] = {avail && need > avail / 4 * 3 ? 1u : 0u, need};
  SPR_TRY(spr_mpi_max_u64(c, v, 2));
  uint64_t budget = avail / 2;
  SPR_TRY(spr_mpi_min_u64(c, &budget, 1));
  if (!v[0]) return SPR_OK;
  if (budget < ((uint64_t)256 << 20)) budget = (uint64_t)256 << 20;
  pv->memory_budget = budget;
  if (c->rank == 0)
    fprintf(stderr,
            "[spire] index: building in bounded memory (%llu MiB per rank): held in memory, this input would need "
            "about %llu MiB per rank and the node has %llu MiB available per rank; --memory-budget MB (or "
            "memory_budget_mb) chooses, docs/memory.md\n",
            (unsigned long long)(budget >> 20), (unsigned long long)(v[1] >> 20), (unsigned long long)(avail >> 20));
  return SPR_OK;
}

/* Collective on c. Route the rank's postings (l->tid: global term ids; *limp: their impacts) to the
 * owners of their terms (rank r owns [tb[r], tb[r + 1])), which end with their lists sorted by
 * (term, docid): *odocs and *oimp (*n_recv postings), *oterm_off (nt + 1 offsets). The postings
 * travel as three arrays in term order: docids (4 bytes each), impacts (1 byte), and how many
 * postings of every owned term come from this rank (4 bytes per term). With one rank the arrays
 * sent are the lists themselves; with more, an owner lays each term's runs out rank after rank
 * (docids ascend with ranks). l->tid and *limp are freed once their postings are in the arrays. */
static int spr_route_mem(const spr_comm *c, spr_build_local *l, uint8_t **limp, uint64_t doc_base, uint32_t n_terms,
                         const uint32_t *tb, uint32_t **odocs, uint8_t **oimp, uint64_t **oterm_off,
                         uint64_t *n_recv) {
  const size_t P = (size_t)c->size;
  const uint32_t t0 = tb[c->rank], nt = tb[c->rank + 1] - t0;
  const int nth = l->n_docs > 4096 ? omp_get_max_threads() : 1;
  const size_t stride = (size_t)n_terms + 1;
  uint64_t *cnt6 = calloc(6 * P, sizeof *cnt6); /* bytes sent and received: docids, impacts, counts */
  uint64_t *sc_doc = cnt6, *sc_imp = cnt6 + P, *sc_cnt = cnt6 + 2 * P;
  uint64_t *rc_doc = cnt6 + 3 * P, *rc_imp = cnt6 + 4 * P, *rc_cnt = cnt6 + 5 * P;
  uint32_t *sdoc = spr_big_alloc((l->n_post ? l->n_post : 1) * sizeof *sdoc);
  uint8_t *simp = spr_big_alloc(l->n_post ? l->n_post : 1);
  uint32_t *scnt = malloc(stride * sizeof *scnt);
  uint64_t *pos = calloc((size_t)nth * stride, sizeof *pos), *pre = NULL;
  void *rdoc = NULL, *rimp = NULL, *rcnt = NULL;
  int rc = cnt6 && sdoc && simp && scnt && pos ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "index build: out of memory (route)");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  /* counting sort by term (stable: docids stay ascending), the documents split among the OpenMP
   * threads: thread k's postings of a term go after those of threads < k, so the order is the one
   * a single pass gives. The scatter over all terms misses the cache and the TLB on almost every
   * posting; two threads halve it. */
#pragma omp parallel num_threads(nth)
  {
    const int k = omp_get_thread_num();
    const uint64_t d0 = l->n_docs * (uint64_t)k / (uint64_t)nth, d1 = l->n_docs * (uint64_t)(k + 1) / (uint64_t)nth;
    uint64_t *h = pos + (size_t)k * stride;
    if (d1 > d0) /* (post_off is NULL on a rank without documents) */
      for (uint64_t i = l->post_off[d0]; i < l->post_off[d1]; i++) h[l->tid[i]]++;
#pragma omp barrier
#pragma omp single
    {
      uint64_t run = 0;
      for (uint32_t t = 0; t < n_terms; t++) {
        const uint64_t before = run;
        for (int j = 0; j < nth; j++) {
          const uint64_t n = pos[(size_t)j * stride + t];
          pos[(size_t)j * stride + t] = run;
          run += n;
        }
        scnt[t] = (uint32_t)(run - before); /* < 2^32: one posting per document and term */
      }
    }
    const uint8_t *imp = *limp;
    for (uint64_t d = d0; d < d1; d++)
      for (uint64_t i = l->post_off[d]; i < l->post_off[d + 1]; i++) {
        const uint64_t at = h[l->tid[i]]++;
        sdoc[at] = (uint32_t)(doc_base + d);
        simp[at] = imp[i];
      }
  }
  free(*limp); /* the postings travel in the arrays now; the term lists will be their only copy */
  *limp = NULL;
  free(l->tid);
  l->tid = NULL;
  for (size_t r = 0; r < P; r++) {
    uint64_t n = 0;
    for (uint32_t t = tb[r]; t < tb[r + 1]; t++) n += scnt[t];
    sc_doc[r] = n * sizeof *sdoc;
    sc_imp[r] = n;
    sc_cnt[r] = (uint64_t)(tb[r + 1] - tb[r]) * sizeof *scnt;
  }
  rc = spr_mpi_alltoallv_give(c, sdoc, sc_doc, &rdoc, rc_doc);
  sdoc = NULL;
  SPR_TRYG(rc, rc, cleanup);
  rc = spr_mpi_alltoallv_give(c, simp, sc_imp, &rimp, rc_imp);
  simp = NULL;
  SPR_TRYG(rc, rc, cleanup);
  rc = spr_mpi_alltoallv_give(c, scnt, sc_cnt, &rcnt, rc_cnt);
  scnt = NULL;
  SPR_TRYG(rc, rc, cleanup);
  uint64_t n = 0;
  for (size_t r = 0; r < P; r++) n += rc_imp[r];
  *n_recv = n;
  *oterm_off = calloc((size_t)nt + 1, sizeof **oterm_off);
  pre = malloc(((size_t)nt + 1) * sizeof *pre);
  rc = *oterm_off && pre ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "index build: out of memory (route)");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  uint64_t *off = *oterm_off;
  const uint32_t *cn = rcnt;
  for (size_t r = 0; r < P; r++)
    for (uint32_t t = 0; t < nt; t++) off[t + 1] += cn[r * nt + t];
  for (uint32_t t = 0; t < nt; t++) off[t + 1] += off[t];
  if (P == 1) { /* the arrays sent are the lists */
    *odocs = rdoc;
    *oimp = rimp;
    rdoc = rimp = NULL;
    goto cleanup;
  }
  *odocs = spr_big_alloc((n ? n : 1) * sizeof **odocs);
  *oimp = spr_big_alloc(n ? n : 1);
  rc = *odocs && *oimp ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "index build: out of memory (route)");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  memcpy(pre, off, ((size_t)nt + 1) * sizeof *pre); /* where each term's next run goes */
  {
    const uint32_t *rd = rdoc;
    const uint8_t *ri = rimp;
    uint64_t s0 = 0; /* the source rank's first posting in rdoc/rimp */
    for (size_t r = 0; r < P; r++) {
      const uint32_t *cr = cn + r * nt;
      uint64_t at = s0;
      for (uint32_t t = 0; t < nt; t++) {
        const uint64_t k = cr[t];
        memcpy(*odocs + pre[t], rd + at, k * sizeof *rd);
        memcpy(*oimp + pre[t], ri + at, k);
        pre[t] += k;
        at += k;
      }
      s0 = at;
    }
  }
cleanup:
  free(cnt6);
  free(sdoc);
  free(simp);
  free(scnt);
  free(pos);
  free(pre);
  free(rdoc);
  free(rimp);
  free(rcnt);
  return rc;
}

/* Open the input and settle the encoder: p->vectors (impacts or weights as given), or p->model (a
 * SPLADE model folder, loaded into *model; *model_dir its real path) for text; BM25 otherwise.
 * Local: the caller agrees on the result. */
static int spr_build_open_input(spr_build_params *pv, int ciff, spr_corpus **corp, spr_model **model,
                                char **model_dir) {
  const spr_build_params *p = pv;
  int rc = spr_h5_init();
  if (rc == SPR_OK && !ciff) rc = spr_corpus_open(p->corpus, p->format, corp);
  if (rc != SPR_OK) return rc;
  const char *enc = p->encoder ? p->encoder : "auto";
  if (ciff) { /* CIFF: impacts (encoder auto or vectors) or term frequencies (bm25) */
    if (!strcmp(enc, "auto") || !strcmp(enc, "vectors")) pv->vectors = 1;
    else if (!strcmp(enc, "bm25")) pv->vectors = 0;
    else rc = SPR_FAIL(SPR_EINVAL, "%s: a CIFF index holds no text to encode with %s (encoder auto, vectors or bm25)",
                       p->corpus, enc);
    return rc;
  }
  const int is_vec = spr_corpus_get_format(*corp) == SPR_CORPUS_VECTORS;
  if (!strcmp(enc, "auto")) pv->vectors = is_vec;
  else if (!strcmp(enc, "vectors")) pv->vectors = 1;
  else if (!strcmp(enc, "bm25")) pv->vectors = 0;
  else { /* a Hugging Face model folder: SPLADE */
    pv->vectors = 0;
    rc = spr_model_load(enc, model);
    if (rc == SPR_OK) {
      pv->model = *model;
      *model_dir = realpath(enc, NULL);
      pv->model_dir = *model_dir ? *model_dir : enc;
      if (pv->max_length <= 0) pv->max_length = 512;
    }
  }
  if (rc == SPR_OK && pv->vectors != is_vec)
    rc = SPR_FAIL(SPR_EINVAL, "%s: encoder %s needs a %s corpus", p->corpus, pv->vectors ? "vectors" : "bm25",
                  pv->vectors ? "JSON vectors" : "text");
  return rc;
}

/* The SPLADE model's weights at p->precision into *w (int8 maps in *q, owned by the caller), pv->weights
 * = w. A CPU without int8 kernels falls back to f32 with a line saying so (show: rank 0). Local. */
static int spr_build_precision(spr_build_params *pv, const spr_model *m, spr_bert_quant **q, spr_bert_weights *w,
                               int show) {
  int rc = spr_bert_quant_precision(m, pv->precision, q, w);
  if (rc == SPR_EUNSUPPORTED) {
    if (show) fprintf(stderr, "[spire] index: %s: encoding in f32\n", spr_last_error());
    rc = SPR_OK;
  }
  pv->weights = w;
  return rc;
}

/* Phase 4: every posting's score (BM25 from the global df, or the vector's weight), the global
 * maximum that fixes the quantizer, and the impacts into limp (parallel to l->tid, whose local term
 * ids become global ones); static pruning by document on the way (docs/pruning.md). Collective:
 * every rank takes the same branch. Sets st->identity, avgdl, score_max, pruned_doc (local). */
static int spr_build_scores(const spr_comm *c, const spr_build_params *p, const spr_prune_rules *rules,
                            spr_build_local *l, const spr_dict *dict, uint64_t n_docs, uint8_t *limp,
                            spr_build_stats *st) {
  int rc = SPR_OK;
  double *score = NULL;
  double sumlen = 0;
  for (uint64_t i = 0; i < l->n_docs; i++) sumlen += l->dl[i];
  SPR_TRYG(rc, spr_mpi_sum_f64(c, &sumlen, 1), done);
  spr_bm25 bm = {.k1 = p->k1, .b = p->b, .n_docs = (double)n_docs, .avgdl = sumlen / (double)n_docs};
  /* scores and the quantizer: BM25 scores, or the vectors' weights; integer vector weights in
   * [1, 255] everywhere (Anserini's quantized SPLADE) are kept as they are */
  /* every posting on its own: the rank's threads share the documents (the same values for any
   * thread count; the maxima below are exact) */
  double smax = 0, not_identity = 0;
  const int64_t nd_local = (int64_t)l->n_docs;
  const int doc_prune = p->prune_min_weight > 0 || p->prune_top_terms > 0;
  const int reorder_bp = p->reorder && !strcmp(p->reorder, "bp");
  double any_f64 = l->w_f64; /* every rank takes the same branch: its collectives must match */
  SPR_TRYG(rc, spr_mpi_max_f64(c, &any_f64, 1), done);
  if (!doc_prune && !reorder_bp && !any_f64) {
    /* every posting stays where it is: two passes over the float weights, no score array. The
     * first finds the maximum score, the second computes each score again (the same function on
     * the same values: the same double) into its impact and gives the term its global id. */
#pragma omp parallel for schedule(static) reduction(max : not_identity, smax)
    for (int64_t d = 0; d < nd_local; d++)
      for (uint64_t i = l->post_off[d]; i < l->post_off[d + 1]; i++) {
        const double w = ((const float *)l->w)[i];
        if (p->vectors && (w > 255 || w != (double)(uint32_t)w)) not_identity = 1; /* (w >= 0) */
        const double sc = p->vectors ? w : spr_bm25_of(p, &bm, dict->ldf[l->tid[i]], w, l->dl[d]);
        smax = sc > smax ? sc : smax;
      }
    SPR_TRYG(rc, spr_mpi_max_f64(c, &smax, 1), done);
    SPR_TRYG(rc, spr_mpi_max_f64(c, &not_identity, 1), done);
    const int identity = p->vectors && !not_identity && p->bits == 8;
#pragma omp parallel for schedule(static)
    for (int64_t d = 0; d < nd_local; d++)
      for (uint64_t i = l->post_off[d]; i < l->post_off[d + 1]; i++) {
        const uint32_t lt = l->tid[i];
        const double w = ((const float *)l->w)[i];
        const double sc = p->vectors ? w : spr_bm25_of(p, &bm, dict->ldf[lt], w, l->dl[d]);
        limp[i] = spr_build_impact(identity, sc, smax, p->bits);
        l->tid[i] = dict->lgid[lt]; /* global term ids from here on */
      }
    st->identity = identity;
  } else {
    /* the scores, one double per posting, for reordering and pruning (they move and drop
     * postings): in the weights' place when those are doubles already */
    if (l->w_f64) {
      score = l->w;
    } else {
      score = spr_big_alloc((l->n_post ? l->n_post : 1) * sizeof *score);
      if (!score) rc = SPR_FAIL(SPR_ENOMEM, "index build: out of memory (%llu scores)", (unsigned long long)l->n_post);
      for (uint64_t i = 0; score && i < l->n_post; i++) score[i] = ((const float *)l->w)[i];
      free(l->w);
    }
    l->w = NULL;
    SPR_TRYG(rc, spr_mpi_agree(c, rc), done);
#pragma omp parallel for schedule(static) reduction(max : not_identity, smax)
    for (int64_t d = 0; d < nd_local; d++)
      for (uint64_t i = l->post_off[d]; i < l->post_off[d + 1]; i++) {
        const uint32_t lt = l->tid[i];
        const double w = score[i];
        if (p->vectors && (w > 255 || w != (double)(uint32_t)w)) not_identity = 1; /* (w >= 0) */
        const double sc = spr_build_score(p, &bm, dict->ldf[lt], w, l->dl[d]);
        score[i] = sc;
        smax = sc > smax ? sc : smax;
        l->tid[i] = dict->lgid[lt]; /* global term ids from here on */
      }
    /* a document's postings were sorted by local term id: reordering needs them by global id (the
     * route's counting sort does not care about the order within a document) */
    if (reorder_bp) SPR_TRYG(rc, spr_mpi_agree(c, spr_build_sort_docs(l, score)), done);
    /* 4a. static pruning by document (docs/pruning.md) */
    if (doc_prune) {
      SPR_TRYG(rc, spr_mpi_agree(c, spr_prune_docs(rules, l, score, &st->pruned_doc)), done);
      smax = 0;
      const int64_t np_kept = (int64_t)l->n_post;
#pragma omp parallel for schedule(static) reduction(max : smax)
      for (int64_t i = 0; i < np_kept; i++) smax = score[i] > smax ? score[i] : smax;
    }
    const int64_t np_local = (int64_t)l->n_post;
    SPR_TRYG(rc, spr_mpi_max_f64(c, &smax, 1), done);
    SPR_TRYG(rc, spr_mpi_max_f64(c, &not_identity, 1), done);
    const int identity = p->vectors && !not_identity && p->bits == 8;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < np_local; i++) limp[i] = spr_build_impact(identity, score[i], smax, p->bits);
    /* scores are in the impacts now: 8 bytes per posting back before the exchanges */
    free(score);
    score = NULL;
    st->identity = identity;
  }
  free(l->w);
  l->w = NULL;
  st->avgdl = bm.avgdl;
  st->score_max = smax;

done:
  free(score);
  return rc;
}

/* The slowest rank's phase times and peak memory into st (the others wait for it in the next
 * collective). Collective. */
static void spr_build_phase_times(const spr_comm *c, spr_build_stats *st) {
  struct rusage ru;
  const double rss = getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_maxrss / 1024.0 : 0; /* KiB on Linux */
  double t[8] = {st->t_read, st->t_dict, st->t_route, st->t_write, st->t_checksum, st->t_io, st->t_reorder, rss};
  if (spr_mpi_max_f64(c, t, 8) != SPR_OK) return;
  st->peak_rss_mib = t[7];
  st->t_reorder = t[6];
  st->t_io = t[5];
  st->t_read = t[0];
  st->t_dict = t[1];
  st->t_route = t[2];
  st->t_write = t[3];
  st->t_checksum = t[4];
}

/* Phase 5: the postings to their terms' owners (spr_route_mem), then the list cap of static
 * pruning on the owned lists (5a). Collective. st->pruned_doc and pruned_list become the sums
 * over the ranks. */
static int spr_build_route(const spr_comm *c, const spr_prune_rules *rules, spr_build_local *l, uint8_t **limp,
                           uint64_t doc_base, uint32_t n_terms, const uint32_t *tb, uint32_t **odocs, uint8_t **oimp,
                           uint64_t **oterm_off, uint64_t *n_recv, spr_build_stats *st) {
  SPR_TRY(spr_route_mem(c, l, limp, doc_base, n_terms, tb, odocs, oimp, oterm_off, n_recv));
  const uint32_t nt = tb[c->rank + 1] - tb[c->rank];
  if (rules->list_max > 0) { /* the term owners cut */
    spr_prune_lists(rules, nt, *odocs, *oimp, *oterm_off, &st->pruned_list);
    *n_recv = (*oterm_off)[nt];
  }
  uint64_t pr[2] = {st->pruned_doc, st->pruned_list};
  SPR_TRY(spr_mpi_sum_u64(c, pr, 2));
  st->pruned_doc = pr[0];
  st->pruned_list = pr[1];
  return SPR_OK;
}

int spr_index_build(const spr_comm *c, const spr_build_params *params, spr_build_stats *st) {
  spr_build_params pv = *params;
  const spr_build_params *p = &pv;
  const spr_prune_rules rules = spr_build_prune_rules(p);
  spr_model *model = NULL;
  spr_bert_quant *quant = NULL;
  spr_bert_weights qweights;
  char *model_dir = NULL;
  memset(st, 0, sizeof *st);
  const double t_start = spr_now();
  spr_corpus *corp = NULL;
  spr_vocab *voc = NULL;
  spr_build_local l = {0};
  spr_dict dict;
  memset(&dict, 0, sizeof dict);
  uint64_t *oterm_off = NULL;
  uint32_t *tb = NULL, *odocs = NULL;
  uint8_t *oimp = NULL, *limp = NULL;
  char *tmp = NULL, *spill_dir = NULL;
  uint32_t *ldf = NULL;
  int rc = SPR_OK;
  const size_t P = (size_t)c->size;

  const int ciff = spr_corpus_is_ciff(p->corpus, p->format);
  rc = spr_build_open_input(&pv, ciff, &corp, &model, &model_dir);
  if (rc == SPR_OK && model) rc = spr_build_precision(&pv, model, &quant, &qweights, p->progress && c->rank == 0);
  if (rc == SPR_OK) rc = spr_vocab_create(&voc);
  if (rc == SPR_OK) { /* the file is written as OUTPUT.tmp, renamed when complete */
    const size_t tl = strlen(p->output) + 8;
    tmp = malloc(tl);
    if (!tmp) rc = SPR_FAIL(SPR_ENOMEM, "index build: out of memory");
    else snprintf(tmp, tl, "%s.tmp", p->output);
  }
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  /* no budget given: bounded memory where the in-memory build would not fit (not where a setting
   * needs everything in memory: those are refused with a budget, docs/memory.md) */
  if (!p->memory_budget && !ciff && !(p->reorder && !strcmp(p->reorder, "bp")) && p->prune_list_max <= 0)
    SPR_TRYG(rc, spr_mpi_agree(c, spr_build_auto_budget(c, &pv, corp)), cleanup);
  if (p->memory_budget) rc = spr_build_spill_open(p, ciff, &spill_dir, &l);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);

  /* 1. read + analyze */
  rc = ciff ? spr_build_read_ciff(c, p, voc, &l) : spr_build_read(c, p, corp, voc, &l, st->skipped);
  if (rc == SPR_OK && l.spill.on) { /* the last postings to disk too: from here on they stream */
    rc = spr_spill_flush(&l);
    free(l.tid);
    free(l.w);
    l.tid = NULL;
    l.w = NULL;
    l.tid_cap = l.w_cap = 0;
  }
  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "index.read", rc)), cleanup);
  /* 1b. duplicate document ids: an error, or (on_error = skip) every later copy is dropped */
  SPR_TRYG(rc, spr_build_dedup(c, p, &l, &st->skipped[SPR_SKIP_DUPLICATE]), cleanup);
  SPR_TRYG(rc, spr_mpi_sum_u64(c, st->skipped, SPR_SKIP_NREASONS), cleanup);

  /* 2. docids */
  uint64_t doc_base = 0, n_docs = 0;
  SPR_TRYG(rc, spr_mpi_exscan_u64(c, l.n_docs, &doc_base, &n_docs), cleanup);
  if (n_docs == 0) rc = SPR_FAIL(SPR_EPARSE, "%s: no documents", p->corpus);
  else if (n_docs >= UINT32_MAX) rc = SPR_FAIL(SPR_EUNSUPPORTED, "%s: more than 2^32-1 documents", p->corpus);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);

  st->t_read = spr_now() - t_start;
  /* 3. the term dictionary (distributed), global ids and document frequencies */
  if (l.spill.on) {
    l.spill.nl = spr_vocab_size(voc);
    SPR_TRYG(rc, spr_mpi_agree(c, spr_stream_local_df(&l, l.spill.nl, &ldf)), cleanup);
  }
  SPR_TRYG(rc, spr_build_dict(c, voc, &l, ldf, &dict), cleanup);
  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "index.dict", rc)), cleanup);
  spr_vocab_free(&voc);
  free(ldf);
  ldf = NULL;
  const uint32_t n_terms = dict.n_terms;
  if (l.spill.on) { /* bounded memory: the rest streams through files (mpi/spr_build_stream.c) */
    st->t_read = spr_now() - t_start;
    rc = spr_build_stream(c, p, &l, doc_base, n_docs, &dict, tmp, st);
    rc = spr_build_commit(c, p, tmp, rc, spr_now() - st->t_write, st);
    if (rc == SPR_OK) {
      st->n_docs = n_docs;
      st->n_terms = n_terms;
    }
    goto cleanup;
  }

  /* 4. statistics and impacts */
  tb = malloc((P + 1) * sizeof *tb);
  limp = spr_big_alloc(l.n_post ? l.n_post : 1);
  if (!tb || !limp)
    rc = SPR_FAIL(SPR_ENOMEM, "index build: out of memory (%llu postings)", (unsigned long long)l.n_post);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  SPR_TRYG(rc, spr_build_scores(c, p, &rules, &l, &dict, n_docs, limp, st), cleanup);

  st->t_dict = spr_now() - t_start - st->t_read;
  /* 4b. document reordering: documents move between ranks, docids change */
  if (p->reorder && !strcmp(p->reorder, "bp")) {
    const double t_re = spr_now();
    SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "index.reorder", rc)), cleanup);
    SPR_TRYG(rc, spr_reorder_bp(c, p, n_terms, &l, &limp, &doc_base), cleanup);
    st->t_reorder = spr_now() - t_re;
  }
  uint64_t n_post_total = l.n_post;
  SPR_TRYG(rc, spr_mpi_sum_u64(c, &n_post_total, 1), cleanup);

  /* 5. route postings to term owners, sorted by (term, docid); 5a. the list cap */
  uint64_t n_recv = 0;
  SPR_TRYG(rc, spr_term_ranges_dist(c, &dict, n_post_total, tb), cleanup);
  SPR_TRYG(rc, spr_build_route(c, &rules, &l, &limp, doc_base, n_terms, tb, &odocs, &oimp, &oterm_off, &n_recv, st),
           cleanup);
  n_post_total -= st->pruned_list;

  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "index.route", rc)), cleanup);

  st->t_route = spr_now() - t_start - st->t_read - st->t_dict;
  const double t_write = spr_now();
  /* 6. write OUTPUT.tmp, then commit by rename */
  rc = spr_write_index_lists(c, p, tmp, &l, doc_base, n_docs, &dict, tb, odocs, oimp, oterm_off, st);
  rc = spr_build_commit(c, p, tmp, rc, t_write, st);
  if (rc == SPR_OK) {
    st->n_docs = n_docs;
    st->n_terms = n_terms;
    st->n_postings = n_post_total;
  }
cleanup:
  if (rc < 0 && tmp && c->rank == 0) unlink(tmp);
  st->seconds = spr_now() - t_start;
  if (rc == SPR_OK) spr_build_phase_times(c, st);
  free(tmp);
  free(spill_dir);
  free(ldf);
  free(tb);
  free(oterm_off);
  free(odocs);
  free(oimp);
  free(limp);
  spr_dict_free(&dict);
  spr_build_local_free(&l);
  spr_vocab_free(&voc);
  spr_corpus_close(&corp);
  spr_bert_quant_free(&quant);
  spr_model_free(&model);
  free(model_dir);
  return rc;
}
