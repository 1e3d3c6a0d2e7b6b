/* spr_search.c: distributed search, the part that talks to the index file and to the other ranks.
 * Every rank opens the index and prepares the queries itself (shard/spr_query.c: read, encode,
 * analyze, quantize against the index's vocabulary). Partitioned serving: each rank loads its share
 * of the blocks the way the chosen algorithm wants it (spr_search_algo.c: BMP's in-memory layout of
 * the range, or the query terms' postings inside the range for the exhaustive scorer) and scores
 * every query (OpenMP threads over queries; BMP at more than one rank shares thresholds,
 * spr_search_parts.c); replicated serving: each rank loads all of it and scores a share of the
 * queries. One reduction merges the per-rank top-k lists on rank 0, which writes the run. Scores are
 * exact integer impact sums and ties are broken by docid, so the merge is independent of the rank
 * count and the serving mode. Ranks agree on the outcome of each phase before the next collective. */
#include "spr_search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "spr_bmp.h"
#include "spr_file.h"
#include "spr_index.h"
#include "spr_progress.h"
#include "spr_query.h"
#include "spr_search_algo.h"
#include "spr_search_parts.h"
#include "spr_topk.h"
#include "spr_trec.h"

static int spr_cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Rank 0: the run's lines into out (PATH.tmp; the caller renames it once every rank agrees, so
 * that a failure anywhere, a fault injected at search.write included, leaves no output and no
 * temporary file). */
static void spr_write_run(spr_out *out, const spr_queries *q, const spr_hit *hits, const uint32_t *nhits, uint32_t k,
                          const char *ids, const uint64_t *id_off, const char *tag) {
  for (size_t i = 0; i < q->n; i++)
    for (uint32_t j = 0; j < nhits[i]; j++) {
      const spr_hit h = hits[i * k + j];
      (void)spr_trec_run_write_line(out->f, q->qid[i], ids + id_off[h.doc], j + 1, h.score, tag);
    }
}

/* Mean, median and 99th percentile of n query latencies (seconds; sorted here) into st, in ms. */
static void spr_search_latency(spr_search_stats *st, double *lat, size_t n) {
  if (!n) return;
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += lat[i];
  qsort(lat, n, sizeof *lat, spr_cmp_double);
  st->lat_mean = 1e3 * sum / (double)n;
  st->lat_p50 = 1e3 * lat[(n - 1) / 2];
  st->lat_p99 = 1e3 * lat[(size_t)((double)(n - 1) * 0.99)];
}

/* Every query (replicated serving: this rank's share of them) on this rank's part, OpenMP
 * threads over queries, each with its own workspace: hits[i * k ..], mine_n[i], lat[i] (seconds).
 * Local; returns the first failure. */
static int spr_search_local(const spr_search_algo *algo, const void *part, const spr_search_params *p, const spr_comm *c,
                            const spr_qterm *qt, const uint64_t *qoff, size_t n_queries, uint32_t max_terms,
                            spr_hit *hits, uint32_t *mine_n, double *lat, uint64_t *blocks_scored, spr_progress *prog) {
  const uint32_t k = p->k;
  const int replicated = p->replicated;
  int trc = SPR_OK;
#pragma omp parallel
  {
    const spr_search_query sq = {.k = k, .alpha = p->alpha, .beta = p->beta};
    void *ws = malloc(algo->workspace_size(part, k, max_terms) + 16);
    uint64_t scored = 0;
    if (!ws) {
#pragma omp critical
      trc = SPR_FAIL(SPR_ENOMEM, "out of memory (accumulators)");
    }
#pragma omp for schedule(dynamic, 4)
    for (size_t i = 0; i < n_queries; i++) {
      if (!ws || trc < 0) continue;
      if (replicated && (int)(i % (size_t)c->size) != c->rank) continue; /* another rank's query */
      const double tq = spr_now();
      const int64_t nh =
          algo->search(part, qt + qoff[i], (uint32_t)(qoff[i + 1] - qoff[i]), &sq, ws, hits + i * (size_t)k, &scored);
      if (nh < 0) {
#pragma omp critical
        trc = (int)nh;
        continue;
      }
      mine_n[i] = (uint32_t)nh;
      lat[i] = spr_now() - tq;
#ifdef _OPENMP
      if (omp_get_thread_num() == 0)
#endif
        spr_progress_update(prog, i);
    }
#pragma omp atomic
    *blocks_scored += scored;
    free(ws);
  }
  return trc;
}

int spr_search_run(const spr_comm *c, const spr_search_params *p, spr_search_stats *st) {
  memset(st, 0, sizeof *st);
  const double t_load = spr_now();
  spr_index *ix = NULL;
  spr_queries q = {0};
  spr_qterm *qt = NULL;
  uint64_t *qoff = NULL;
  uint32_t *nhits = NULL, *mine_n = NULL;
  spr_hit *hits = NULL;
  double *lat = NULL;
  char *ids = NULL;
  spr_out run = {0};
  uint64_t *id_off = NULL;
  void *part = NULL; /* the algorithm's load of this rank's part */
  uint64_t blocks_scored = 0;
  int rc = SPR_OK;

  const spr_search_algo *algo = spr_search_algo_find(p->algorithm);
  const int replicated = p->replicated;
  if (!algo) rc = SPR_FAIL(SPR_EINVAL, "unknown search algorithm '%s' (%s)", p->algorithm, spr_search_algo_names());
  if (rc == SPR_OK) rc = spr_index_open(p->index, &ix);
  /* SPR_TEST_FAIL stages (docs/reliability.md): search.open, search.queries, search.analyze,
   * search.load, search.score, search.reduce, search.write */
  rc = spr_test_fault(c, "search.open", rc);
  /* query preparation is local (shard/spr_query.h): it sees the index through qix */
  spr_query_index qix = {0};
  if (rc == SPR_OK) {
    const spr_index_info *info = spr_index_get_info(ix);
    qix = (spr_query_index){.analyzer = info->analyzer, .encoder = info->encoder,
                            .model = p->model ? p->model : info->model, .terms = spr_index_terms(ix)};
    rc = spr_query_load(p->queries, p->query_format, &qix, &q);
  }
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
  if (rc == SPR_OK) rc = spr_query_terms(&qix, &q, &qt, qoff);
  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "search.analyze", rc)), cleanup);

  /* this rank's part, loaded as the algorithm wants it */
  {
    const spr_search_load ld = {.blo = blo, .bhi = bhi, .lo = lo, .hi = hi, .k = k, .qt = qt, .qoff = qoff,
                                .n_queries = q.n, .progress = p->progress && c->rank == 0};
    rc = algo->load(ix, &ld, &part);
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
  uint32_t part_base = 0;
  const spr_bmp_index *shared = algo->shared_thresholds && !replicated && c->size > 1 &&
                                !(no_share && !strcmp(no_share, "1")) ? algo->shared_thresholds(part, &part_base) : NULL;
  if (shared) {
    const spr_bmp_params bp = {.k = k, .alpha = p->alpha, .beta = p->beta, .parts = (uint32_t)c->size};
    trc = spr_search_parts_run(c, shared, part_base, qt, qoff, q.n, max_terms, &bp, hits, mine_n, lat, &blocks_scored,
                               &prog);
  } else {
    trc = spr_search_local(algo, part, p, c, qt, qoff, q.n, max_terms, hits, mine_n, lat, &blocks_scored, &prog);
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
    if (rc == SPR_OK) rc = spr_out_open(&run, p->run, NULL);
    if (rc == SPR_OK) spr_write_run(&run, &q, hits, nhits, k, ids, id_off, p->tag);
    rc = spr_out_finish(&run, rc); /* complete on disk; renamed once every rank agrees */
  }
  SPR_TRYG(rc, spr_mpi_agree(c, spr_test_fault(c, "search.write", rc)), cleanup);
  if (c->rank == 0) rc = spr_out_commit(&run);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  SPR_TRYG(rc, spr_mpi_sum_u64(c, &blocks_scored, 1), cleanup);
  st->blocks_scored = blocks_scored;
  st->n_queries = q.n;
  st->qps = st->seconds > 0 ? (double)q.n / st->seconds : 0;
  spr_search_latency(st, lat, q.n);
cleanup:
  (void)spr_out_close(&run, rc); /* after a failure: no partial run left */
  if (algo && part) algo->free_state(part);
  free(qt);
  free(qoff);
  free(hits);
  free(nhits);
  free(mine_n);
  free(lat);
  free(ids);
  free(id_off);
  spr_queries_free(&q);
  spr_index_close(&ix);
  return rc;
}
