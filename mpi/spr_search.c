/* spr_search.c: distributed search. Partitioned serving: each rank loads its share of the blocks
 * (BMP: the posting lists' codec blocks that hold its docid range, decoded and turned into the
 * in-memory search layout; exhaustive: the query terms' postings inside its docid range) and scores every query (OpenMP threads over queries; BMP at more
 * than one rank shares thresholds, spr_search_parts.c); replicated serving: each rank loads all of
 * it and scores a share of the queries. Rank 0 merges the per-rank top-k lists and writes the run.
 * Scores are exact integer impact sums and ties are broken by docid, so the merge is independent of
 * the rank count and the serving mode. */
#include "spr_search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "spr_analyzer.h"
#include "spr_bmp.h"
#include "spr_encode.h"
#include "spr_index.h"
#include "spr_progress.h"
#include "spr_search_parts.h"
#include "spr_topk.h"


static int spr_cmp_qterm(const void *a, const void *b) {
  const spr_qterm *x = a, *y = b;
  return (x->term > y->term) - (x->term < y->term);
}
static int spr_cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One term of a query before quantization: its string (borrowed from the loaded queries or from
 * the analyzer's tokens) and its raw weight. */
typedef struct spr_qraw {
  const char *s;
  double w;
} spr_qraw;

static int spr_cmp_qraw(const void *a, const void *b) {
  return strcmp(((const spr_qraw *)a)->s, ((const spr_qraw *)b)->s);
}

/* The u8 weights of one query: the one rule of every query format (docs/queries.md). t: the
 * query's n distinct terms, each with its summed raw weight (a token repeated n times, a text term
 * occurring n times or a JSON key given twice has already been summed); weights are finite.
 * - Every positive weight an integer in [1, 255]: kept exactly.
 * - Otherwise one factor per query, 255 / (largest weight): each weight times the factor, rounded
 *   to the nearest integer (halves to even: nearbyint in the default rounding mode), so the
 *   largest becomes 255 and the ratios hold up to rounding; a positive weight that would round to
 *   0 weighs 1, so a term of the query is never dropped by scaling.
 * The largest weight is taken over all the query's terms, those absent from the index included, so
 * that a query's weights do not depend on the index it searches. Weights <= 0 give 0 (no term). */
static void spr_quantize_query(const spr_qraw *t, size_t n, uint32_t *out) {
  int keep = 1;
  double mx = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(t[i].w > 0)) continue;
    if (t[i].w != floor(t[i].w) || t[i].w > 255) keep = 0;
    mx = t[i].w > mx ? t[i].w : mx;
  }
  for (size_t i = 0; i < n; i++) {
    if (!(t[i].w > 0)) out[i] = 0;
    else if (keep) out[i] = (uint32_t)t[i].w;
    else {
      const double q = nearbyint(t[i].w / mx * 255.0);
      out[i] = q < 1 ? 1 : q > 255 ? 255 : (uint32_t)q;
    }
  }
}

/* SPLADE queries: encode the query texts with the model (or its idf.json: inference-free) into
 * vector queries, so that the rest of the search sees JSON-vector-like queries. */
static int spr_encode_queries(const char *model_dir, spr_queries *q) {
  spr_model *m = NULL;
  SPR_TRY(spr_model_load(model_dir, &m));
  size_t *lens = malloc((q->n + 1) * sizeof *lens);
  spr_splade_vectors v = {0};
  int rc = lens ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
  for (size_t i = 0; rc == SPR_OK && i < q->n; i++) lens[i] = strlen(q->text[i]);
  spr_splade_params sp = {.query = 1};
  if (rc == SPR_OK) rc = spr_splade_encode(m, &sp, (const char *const *)q->text, lens, q->n, &v);
  if (rc == SPR_OK) {
    const uint64_t ne = v.off[q->n];
    q->vec_off = malloc((q->n + 1) * sizeof *q->vec_off);
    q->vec_term = calloc(ne + 1, sizeof *q->vec_term);
    q->vec_weight = malloc((ne + 1) * sizeof *q->vec_weight);
    if (!q->vec_off || !q->vec_term || !q->vec_weight) rc = SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
    for (size_t i = 0; rc == SPR_OK && i <= q->n; i++) q->vec_off[i] = v.off[i];
    const spr_wordpiece *wp = spr_model_vocab(m);
    for (uint64_t j = 0; rc == SPR_OK && j < ne; j++) {
      q->vec_term[j] = strdup(spr_wordpiece_token(wp, v.term[j]));
      q->vec_weight[j] = v.weight[j];
      if (!q->vec_term[j]) rc = SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
    }
    if (rc == SPR_OK) q->vectors = 1;
  }
  spr_splade_vectors_free(&v);
  free(lens);
  spr_model_free(&m);
  return rc;
}

/* Every query as a list of (term id, u8 weight) sorted by term id. Text queries are analyzed with
 * the index's analyzer and a term's raw weight is its number of occurrences (as Lucene's
 * BooleanQuery sums a repeated term); vector queries (token formats included) match index terms
 * exactly and repeated keys sum. Every format then goes through spr_quantize_query. Terms absent
 * from the index are dropped after quantization. */
static int spr_analyze_queries(const spr_index *ix, const spr_queries *q, spr_qterm **terms, uint64_t *off) {
  const spr_index_info *in = spr_index_get_info(ix);
  if (!q->vectors && !strcmp(in->analyzer, "none"))
    return SPR_FAIL(SPR_EINVAL, "the index holds pre-encoded vectors (encoder %s): queries must be JSON vectors "
                    "{\"id\", \"vector\": {...}}, not text", in->encoder);
  spr_analyzer *an = NULL;
  spr_tokens toks = {0};
  spr_qraw *raw = NULL; /* owned: one query's terms, rcap entries */
  uint32_t *qw = NULL;  /* owned: their u8 weights, rcap entries */
  size_t rcap = 0;
  if (!q->vectors) SPR_TRY(spr_analyzer_create(in->analyzer, &an));
  uint64_t cap = 256, n = 0;
  spr_qterm *t = malloc(cap * sizeof *t);
  int rc = SPR_OK;
  if (!t) {
    rc = SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
    goto cleanup;
  }
  off[0] = 0;
  for (size_t i = 0; i < q->n; i++) {
    size_t m = 0;
    if (q->vectors) m = (size_t)(q->vec_off[i + 1] - q->vec_off[i]);
    else {
      spr_tokens_clear(&toks);
      const int64_t nt = spr_analyzer_run(an, q->text[i], strlen(q->text[i]), &toks);
      if (nt < 0) {
        rc = SPR_FAIL((int)nt, "query %s: analysis failed", q->qid[i]);
        goto cleanup;
      }
      m = toks.n;
    }
    if (m > rcap) {
      const size_t nc = m > 2 * rcap ? m : 2 * rcap;
      spr_qraw *r2 = realloc(raw, nc * sizeof *r2);
      if (r2) raw = r2;
      uint32_t *w2 = r2 ? realloc(qw, nc * sizeof *w2) : NULL;
      if (w2) qw = w2;
      if (!w2) {
        rc = SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
        goto cleanup;
      }
      rcap = nc;
    }
    for (size_t j = 0; j < m; j++)
      raw[j] = q->vectors ? (spr_qraw){q->vec_term[q->vec_off[i] + j], q->vec_weight[q->vec_off[i] + j]}
                          : (spr_qraw){spr_tokens_get(&toks, j), 1.0};
    /* repeats summed by string before quantization, so a term's weight is its total (and distinct
     * strings are distinct index terms: no id repeats below) */
    if (m) qsort(raw, m, sizeof *raw, spr_cmp_qraw);
    size_t u = 0;
    for (size_t j = 0; j < m; j++) {
      if (u && !strcmp(raw[u - 1].s, raw[j].s)) raw[u - 1].w += raw[j].w;
      else raw[u++] = raw[j];
    }
    spr_quantize_query(raw, u, qw);
    const uint64_t start = n;
    for (size_t j = 0; j < u; j++) {
      if (!qw[j]) continue;
      const int64_t id = spr_strlist_find(spr_index_terms(ix), raw[j].s);
      if (id < 0) continue;
      if (n == cap) {
        spr_qterm *nt2 = realloc(t, 2 * cap * sizeof *t);
        if (!nt2) {
          rc = SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
          goto cleanup;
        }
        t = nt2;
        cap *= 2;
      }
      t[n++] = (spr_qterm){(uint32_t)id, qw[j]};
    }
    qsort(t + start, n - start, sizeof *t, spr_cmp_qterm);
    off[i + 1] = n;
  }
cleanup:
  free(raw);
  free(qw);
  spr_tokens_free(&toks);
  spr_analyzer_free(&an);
  if (rc < 0) free(t);
  else *terms = t;
  return rc;
}

/* Rank 0: write the run to tmp (the caller renames it once every rank agrees, so that a failure
 * anywhere, a fault injected at search.write included, leaves no output and no tmp). */
static int spr_write_run(const char *tmp, const spr_queries *q, const spr_hit *hits, const uint32_t *nhits,
                         uint32_t k, const char *ids, const uint64_t *id_off, const char *tag) {
  FILE *f = fopen(tmp, "w");
  if (!f) return SPR_FAIL(SPR_EIO, "%s: cannot create: %m", tmp);
  for (size_t i = 0; i < q->n; i++)
    for (uint32_t j = 0; j < nhits[i]; j++) {
      const spr_hit h = hits[i * k + j];
      fprintf(f, "%s Q0 %s %u %u %s\n", q->qid[i], ids + id_off[h.doc], j + 1, h.score, tag);
    }
  int rc = SPR_OK;
  if (ferror(f) | fclose(f)) rc = SPR_FAIL(SPR_EIO, "%s: write failed: %m", tmp);
  if (rc < 0) unlink(tmp);
  return rc;
}

int spr_search_run(const spr_comm *c, const spr_search_params *p, spr_search_stats *st) {
  memset(st, 0, sizeof *st);
  const double t_load = spr_now();
  spr_index *ix = NULL;
  spr_queries q = {0};
  spr_qterm *qt = NULL;
  uint64_t *qoff = NULL;
  uint32_t *uterm = NULL, **pd = NULL, *pn = NULL, *nhits = NULL, *mine_n = NULL;
  uint8_t **pw = NULL;
  spr_hit *hits = NULL;
  double *lat = NULL;
  char *ids = NULL, *tmp = NULL;
  uint64_t *id_off = NULL, n_unique = 0;
  spr_bmp_data bmp;
  memset(&bmp, 0, sizeof bmp);
  uint64_t blocks_scored = 0;
  int rc = SPR_OK;

  const int use_bmp = !strcmp(p->algorithm, "bmp");
  const int replicated = p->replicated;
  if (!use_bmp && strcmp(p->algorithm, "exhaustive"))
    rc = SPR_FAIL(SPR_EINVAL, "unknown search algorithm '%s' (bmp or exhaustive)", p->algorithm);
  if (rc == SPR_OK) rc = spr_index_open(p->index, &ix);
  /* SPR_TEST_FAIL stages (docs/reliability.md): search.open, search.queries, search.analyze,
   * search.load, search.score, search.reduce, search.write */
  rc = spr_test_fault(c, "search.open", rc);
  if (rc == SPR_OK) rc = spr_queries_load_as(p->queries, p->query_format, &q);
  /* TSV queries on an index of pre-encoded vectors are pre-tokenized: a token repeated n times
   * weighs n (Anserini's impact queries) */
  if (rc == SPR_OK && !q.vectors && !strcmp(spr_index_get_info(ix)->analyzer, "none") &&
      strcmp(spr_index_get_info(ix)->encoder, "splade"))
    rc = spr_queries_tokenize(p->queries, &q);
  if (rc == SPR_OK && !q.vectors && !strcmp(spr_index_get_info(ix)->encoder, "splade"))
    rc = spr_encode_queries(p->model ? p->model : spr_index_get_info(ix)->model, &q);
  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "search.queries", rc)), cleanup);
  const spr_index_info *in = spr_index_get_info(ix);
  const uint32_t N = (uint32_t)in->n_docs, k = p->k;
  /* partitioned: this rank's share of the blocks (block-aligned docids); replicated: all of them,
   * and a share of the queries */
  uint64_t blo = 0, bhi = in->n_blocks;
  if (!replicated) spr_index_block_range(ix, c->rank, c->size, &blo, &bhi);
  const uint32_t lo = (uint32_t)(blo * in->block_size);
  const uint32_t hi = (uint32_t)(bhi * in->block_size < N ? bhi * in->block_size : N);

  qoff = malloc((q.n + 1) * sizeof *qoff);
  if (!qoff) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
  if (rc == SPR_OK) rc = spr_analyze_queries(ix, &q, &qt, qoff);
  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "search.analyze", rc)), cleanup);

  /* the union of query terms, each list loaded once (only this rank's docid range) */
  const uint64_t nq_terms = qoff[q.n];
  uterm = malloc((nq_terms ? nq_terms : 1) * sizeof *uterm);
  if (!uterm) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  {
    spr_qterm *sorted = malloc((nq_terms ? nq_terms : 1) * sizeof *sorted);
    if (!sorted) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
    rc = spr_mpi_agree(c, rc);
    if (rc < 0) free(sorted); /* a peer may have failed while this rank allocated */
    SPR_TRYG(rc, rc, cleanup);
    memcpy(sorted, qt, nq_terms * sizeof *sorted);
    qsort(sorted, nq_terms, sizeof *sorted, spr_cmp_qterm);
    for (uint64_t i = 0; i < nq_terms; i++)
      if (!n_unique || uterm[n_unique - 1] != sorted[i].term) uterm[n_unique++] = sorted[i].term;
    free(sorted);
  }
  pd = calloc(n_unique + 1, sizeof *pd);
  pw = calloc(n_unique + 1, sizeof *pw);
  pn = calloc(n_unique + 1, sizeof *pn);
  if (!pd || !pw || !pn) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
  if (use_bmp) {
    /* the acceleration (SIMD bounds of dense terms; postings document-major for small k and blocks,
     * term-major otherwise: docs/bmp.md, "Two layouts"), built straight from the range's postings:
     * its forward blocks and block maxima are never made (docs/bmp.md, "Memory") */
    if (rc == SPR_OK) {
      spr_progress lp; /* rank 0's range stands for all: ranks load equal shares at once */
      spr_progress_start(&lp, "search: loading", "terms", in->n_terms, p->progress && c->rank == 0);
      const spr_bmp_major major = spr_bmp_major_for(k, (uint32_t)in->block_size);
      rc = spr_index_load_bmp_accel(ix, blo, bhi, SPR_BMP_DENSE_DIV_DEFAULT, major, &lp, &bmp);
    }
  } else {
    for (uint64_t i = 0; rc == SPR_OK && i < n_unique; i++)
      rc = spr_index_read_postings(ix, uterm[i], lo, hi, &pd[i], &pw[i], &pn[i]);
  }
  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "search.load", rc)), cleanup);
  uint32_t max_terms = 1;
  for (size_t i = 0; i < q.n; i++)
    if (qoff[i + 1] - qoff[i] > max_terms) max_terms = (uint32_t)(qoff[i + 1] - qoff[i]);

  hits = malloc(((size_t)q.n * k + 1) * sizeof *hits);
  mine_n = calloc(q.n + 1, sizeof *mine_n);
  lat = calloc(q.n + 1, sizeof *lat);
  if (!hits || !mine_n || !lat) rc = SPR_FAIL(SPR_ENOMEM, "out of memory for %zu x %u hits", q.n, k);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  SPR_TRYG(rc, spr_mpi_barrier(c), cleanup);
  st->load_seconds = spr_now() - t_load;

  /* score: one OpenMP region, threads over queries, each with its own accumulator */
  const double t0 = spr_now();
  int trc = SPR_OK;
  spr_progress prog;
  spr_progress_start(&prog, "search", "queries", q.n, p->progress && c->rank == 0);
  /* partitioned BMP at more than one rank: the ranks share their thresholds (spr_search_parts.c);
   * SPR_SEARCH_NO_SHARE=1 turns that off, for measuring what it saves (docs/scaling.md) */
  const char *no_share = getenv("SPR_SEARCH_NO_SHARE");
  if (use_bmp && !replicated && c->size > 1 && !(no_share && !strcmp(no_share, "1"))) {
    const spr_bmp_params bp = {.k = k, .alpha = p->alpha, .beta = p->beta, .parts = (uint32_t)c->size};
    trc = spr_search_parts_run(c, &bmp.view, bmp.doc_base, qt, qoff, q.n, max_terms, &bp, hits, mine_n, lat,
                               &blocks_scored, &prog);
  } else
#pragma omp parallel
  {
    void *ws = malloc((use_bmp ? spr_bmp_workspace_size(&bmp.view, k, max_terms)
                               : spr_exhaustive_workspace_size(hi - lo)) + 16);
    spr_plist *pl = NULL;
    uint64_t plcap = 0;
    if (!ws) {
#pragma omp critical
      trc = SPR_FAIL(SPR_ENOMEM, "out of memory (accumulators)");
    }
#pragma omp for schedule(dynamic, 4)
    for (size_t i = 0; i < q.n; i++) {
      if (!ws || trc < 0) continue;
      if (replicated && (int)(i % (size_t)c->size) != c->rank) continue; /* another rank's query */
      const double tq = spr_now();
      const uint64_t nt = qoff[i + 1] - qoff[i];
      spr_bmp_stats bst = {0, 0, 0};
      int64_t nh;
      if (use_bmp) {
        const spr_bmp_params bp = {.k = k, .alpha = p->alpha, .beta = p->beta, .parts = 1};
        nh = spr_bmp_search(&bmp.view, qt + qoff[i], (uint32_t)nt, &bp, bmp.doc_base, ws, hits + i * (size_t)k,
                            &bst);
      } else {
        if (nt > plcap) {
          free(pl);
          plcap = nt;
          pl = malloc(plcap * sizeof *pl);
        }
        if (nt && !pl) {
#pragma omp critical
          trc = SPR_FAIL(SPR_ENOMEM, "out of memory");
          continue;
        }
        for (uint64_t j = 0; j < nt; j++) {
          const spr_qterm x = qt[qoff[i] + j];
          uint64_t a = 0, b = n_unique;
          while (a < b) {
            const uint64_t m = (a + b) / 2;
            if (uterm[m] < x.term) a = m + 1;
            else b = m;
          }
          pl[j] = (spr_plist){pd[a], pw[a], pn[a], x.weight};
        }
        nh = spr_exhaustive_topk(pl, nt, lo, hi - lo, k, ws, hits + i * (size_t)k);
      }
      if (nh < 0) {
#pragma omp critical
        trc = (int)nh;
        continue;
      }
      mine_n[i] = (uint32_t)nh;
      lat[i] = spr_now() - tq;
      if (use_bmp) { /* no progress line per BMP query: spr_progress_finish reports the total */
#pragma omp atomic
        blocks_scored += bst.blocks_scored;
        continue;
      }
#ifdef _OPENMP
      if (omp_get_thread_num() == 0)
#endif
        spr_progress_update(&prog, i);
    }
    free(pl);
    free(ws);
  }
  spr_progress_finish(&prog, q.n);
  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "search.score", trc)), cleanup);

  /* merge: one reduction with a top-k operator over every query's padded list */
  for (size_t i = 0; i < q.n; i++) spr_topk_pad(hits + i * (size_t)k, mine_n[i], k);
  SPR_TRYG(rc, spr_mpi_topk_reduce(c, hits, q.n, k, 0), cleanup);
  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "search.reduce", SPR_OK)), cleanup);
  SPR_TRYG(rc, spr_mpi_max_f64(c, lat, q.n), cleanup);
  st->seconds = spr_now() - t0;
  SPR_TRYG(rc, spr_mpi_max_f64(c, &st->seconds, 1), cleanup);

  if (c->rank == 0) {
    nhits = calloc(q.n + 1, sizeof *nhits);
    if (!nhits) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SPR_OK && i < q.n; i++) {
      nhits[i] = spr_topk_count(hits + i * (size_t)k, k);
      st->n_results += nhits[i];
    }
    if (rc == SPR_OK) rc = spr_index_read_docids(ix, &ids, &id_off);
    if (rc == SPR_OK) {
      const size_t tl = strlen(p->run) + 8;
      tmp = malloc(tl);
      if (!tmp) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", p->run);
      else snprintf(tmp, tl, "%s.tmp", p->run);
    }
    if (rc == SPR_OK) rc = spr_write_run(tmp, &q, hits, nhits, k, ids, id_off, p->tag);
  }
  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "search.write", rc)), cleanup);
  if (c->rank == 0 && rename(tmp, p->run) != 0)
    rc = SPR_FAIL(SPR_EIO, "%s: cannot rename from %s: %m", p->run, tmp);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  SPR_TRYG(rc, spr_mpi_sum_u64(c, &blocks_scored, 1), cleanup);
  st->blocks_scored = blocks_scored;
  st->n_queries = q.n;
  st->qps = st->seconds > 0 ? (double)q.n / st->seconds : 0;
  if (q.n) {
    double sum = 0;
    for (size_t i = 0; i < q.n; i++) sum += lat[i];
    qsort(lat, q.n, sizeof *lat, spr_cmp_double);
    st->lat_mean = 1e3 * sum / (double)q.n;
    st->lat_p50 = 1e3 * lat[(q.n - 1) / 2];
    st->lat_p99 = 1e3 * lat[(size_t)((double)(q.n - 1) * 0.99)];
  }
cleanup:
  if (tmp && rc < 0) unlink(tmp); /* rank 0 wrote it, or a rename failed: no partial run left */
  free(tmp);
  for (uint64_t i = 0; pd && i < n_unique; i++) {
    free(pd[i]);
    free(pw[i]);
  }
  free(pd);
  free(pw);
  free(pn);
  free(uterm);
  free(qt);
  free(qoff);
  free(hits);
  free(nhits);
  free(mine_n);
  free(lat);
  free(ids);
  free(id_off);
  spr_bmp_data_free(&bmp);
  spr_queries_free(&q);
  spr_index_close(&ix);
  return rc;
}
