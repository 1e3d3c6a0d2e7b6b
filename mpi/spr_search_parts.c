/* spr_search_parts.c: partitioned BMP search at more than one rank, with thresholds shared across
 * ranks (docs/scaling.md, "Shared thresholds").
 *
 * Each rank searches its own block range. Alone, a rank prunes against its own k-th score, which is
 * lower than the k-th score over all ranks, so the ranks together score more blocks than one index
 * would. Here queries run in groups, and each search runs in steps (spr_bmp_begin / step / end):
 * after the bounds and the first batch of blocks (a 1/P share of one index's first batch), and for
 * small k after the next two batches too, every rank sends its m best scores so far of
 * each query of the group to all (one non-blocking all-gather per group and exchange). The k-th
 * largest of the scores gathered is a lower bound of the final k-th score over all ranks (they are
 * scores of distinct documents): each rank continues with it as a floor, which prunes like the one
 * index's threshold. Runs are byte-identical to np 1 (such floors never drop a document of the
 * final top k, ties included).
 *
 * Queries in flight: two groups of queries alternate, so the exchange of one group overlaps the
 * scoring of the other (rank thread 0 drives it along with MPI_Test between queries). The number
 * of exchanges per query is fixed, so every rank starts the same collectives in the same order
 * whatever its own searches do; a rank that fails keeps taking part (with empty lists) and reports
 * at the end, so no rank waits on a collective another rank left. */
#include "spr_search_parts.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "spr_progress.h"

/* Exchanges per query: document-major searches (small k, batches growing 2x) exchange after each of
 * their first three batches, term-major ones (batches growing 4x) after the first only. On
 * wiki-wp-dev (SPLADE++, block size 4), blocks scored per query at np 2 / np 4 with 1, 2, 3, 4
 * exchanges: k = 10 79.1 / 104.2, 60.1 / 63.1, 54.7 / 57.5, 54.4 / 57.3 (np 1: 53.2); k = 1000
 * 2,428.6 / 2,446.7, 2,418.9 / 2,432.2, then no change (np 1: 2,412.7; np 8 with one: 2,467.6).
 * Each exchange is a point where a rank may wait for the slowest one: at k = 1000, np 2, a second
 * one cost 5-10% of the queries per second in alternating runs and saved 0.4% of the blocks. */
static int spr_parts_exchanges(const spr_bmp_index *ix, uint32_t k) {
  return spr_bmp_major_for(k, ix->block_size) == SPR_BMP_DOC_MAJOR ? 3 : 1;
}
/* Queries per group: in alternating runs at np 2 (wiki-wp-dev, 4,000 queries), 16 gave the most
 * queries per second at k = 10 and 1000; 64 lost 10-30% (each search's state is cold again at its
 * next step), 4 lost ~10% at k = 10 (more, shorter phases). */
#define SPR_PARTS_ALIGN8(x) (((x) + 7u) & ~(size_t)7u)
/* A rank sends its m = min(k, ceil(max(2k, 512) / P)) best scores of each query, of which the k-th
 * largest over all ranks is the floor: about max(2k, 512) scores gathered per query whatever P
 * (all k from every rank would cost P / 2 times the traffic and the selection at large k and P).
 * Passages of one article are neighbours in docid order, so one rank may hold most of a query's
 * top k: at k = 10, np 8, wiki-wp-dev, m = ceil(2k / P) = 3 scored 64.6 blocks per query
 * (SPLADE++) against 60.9 with all 10, hence the 512. */
#define SPR_PARTS_OVERSAMPLE 2u
#define SPR_PARTS_GATHER_MIN 512u
#define SPR_PARTS_INFLIGHT 16u               /* queries per group, at most */
#define SPR_PARTS_WS_BUDGET ((size_t)256 << 20) /* workspace bytes of both groups, at most */

typedef struct spr_parts_group {
  size_t q0, nq;       /* its queries [q0, q0 + nq) */
  int phase;           /* 0 .. exchanges */
  int live;            /* holds a batch */
  uint32_t *mine;      /* nq x m: this rank's m best scores of each query, sent */
  uint32_t *all;       /* P x nq x m: every rank's, received */
  uint8_t *going;      /* nq: the search has steps left */
  char *ws;            /* nq search states */
  spr_mpi_pending pd;
} spr_parts_group;

typedef struct spr_parts_ctx {
  const spr_comm *c;
  const spr_bmp_index *ix;
  uint32_t doc_base;
  const spr_qterm *qt;
  const uint64_t *qoff;
  size_t n_queries, batch;
  spr_bmp_params bp;
  size_t ws_size;      /* one search state */
  char *scratch;       /* one per thread */
  size_t scratch_size;
  uint32_t *tmp;       /* one per thread: tmp_size scores */
  size_t tmp_size;
  uint32_t m;          /* scores a rank sends per query and exchange */
  spr_hit *hits;
  uint32_t *nhits;
  double *lat;
  uint64_t blocks;
  int exchanges;
  int rc;     /* the first local failure; the schedule goes on without work */
  int failed; /* rc < 0, read by the threads */
} spr_parts_ctx;

static void spr_parts_fail(spr_parts_ctx *x, int rc) {
#pragma omp critical(spr_parts_fail)
  if (x->rc == SPR_OK) x->rc = rc;
#pragma omp atomic write
  x->failed = 1;
}

/* One phase of a group's searches (thread-parallel over its queries): phase 0 begins them and scores
 * the first batch, phases 1 .. E - 1 one more batch each (E exchanges), phase E runs them to the end. other: the
 * other group's exchange, moved along by thread 0 between queries. */
static void spr_parts_phase(spr_parts_ctx *x, spr_parts_group *g, spr_mpi_pending *other) {
  const uint32_t k = x->bp.k;
  uint64_t blocks = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : blocks)
  for (size_t j = 0; j < g->nq; j++) {
    int failed;
#pragma omp atomic read
    failed = x->failed;
    if (failed) continue;
    const size_t i = g->q0 + j;
    void *ws = g->ws + j * x->ws_size;
#ifdef _OPENMP
    const size_t th = (size_t)omp_get_thread_num();
#else
    const size_t th = 0;
#endif
    void *scr = x->scratch + th * x->scratch_size;
    uint32_t *tmp = x->tmp + th * x->tmp_size;
    const double t = spr_now();
    /* the floor: the k-th largest of the scores all ranks sent (each rank's m best, of distinct
     * documents), when they are k or more */
    uint32_t floor = 0;
    const uint32_t P = (uint32_t)x->c->size, m = x->m;
    if (g->phase && (size_t)P * m >= k) {
      for (uint32_t r = 0; r < P; r++) memcpy(tmp + (size_t)r * m, g->all + ((size_t)r * g->nq + j) * m, m * sizeof *tmp);
      floor = spr_topk_scores_select(tmp, P * m, k);
    }
    if (g->phase == 0) {
      g->going[j] = 0;
      const int64_t r = spr_bmp_begin(x->ix, x->qt + x->qoff[i], (uint32_t)(x->qoff[i + 1] - x->qoff[i]), &x->bp,
                                      x->doc_base, ws, scr, x->hits + i * (size_t)k);
      if (r < 0) {
        spr_parts_fail(x, (int)r);
        continue;
      }
      g->going[j] = r == 1 && spr_bmp_step(ws, scr, 0);
    } else if (g->phase < x->exchanges) {
      if (g->going[j]) g->going[j] = (uint8_t)spr_bmp_step(ws, scr, floor);
    } else {
      while (g->going[j]) g->going[j] = (uint8_t)spr_bmp_step(ws, scr, floor);
      spr_bmp_stats st = {0, 0, 0};
      x->nhits[i] = spr_bmp_end(ws, &st);
      blocks += st.blocks_scored;
    }
    if (g->phase < x->exchanges) { /* this rank's m best so far */
      spr_bmp_scores(ws, k, tmp);
      if (m < k) spr_topk_scores_select(tmp, k, m);
      memcpy(g->mine + j * m, tmp, m * sizeof *tmp);
    }
    x->lat[i] += spr_now() - t;
    if (th == 0) { /* the main thread (MPI_THREAD_FUNNELED) */
      int done = 0;
      const int rc = spr_mpi_pending_test(other, &done);
      if (rc < 0) spr_parts_fail(x, rc);
    }
  }
  x->blocks += blocks;
}

/* Wait for a group's exchange; its wait is shared by its queries' latencies. */
static void spr_parts_wait(spr_parts_ctx *x, spr_parts_group *g) {
  const double t = spr_now();
  const int rc = spr_mpi_pending_wait(&g->pd);
  if (rc < 0 && x->rc == SPR_OK) x->rc = rc;
  const double share = g->nq ? (spr_now() - t) / (double)g->nq : 0;
  for (size_t j = 0; j < g->nq; j++) x->lat[g->q0 + j] += share;
}

static void spr_parts_take(spr_parts_ctx *x, spr_parts_group *g, size_t q0) {
  g->live = q0 < x->n_queries;
  g->q0 = q0;
  g->nq = g->live ? (x->n_queries - q0 < x->batch ? x->n_queries - q0 : x->batch) : 0;
  g->phase = 0;
}

int spr_search_parts_run(const spr_comm *c, const spr_bmp_index *ix, uint32_t doc_base, const spr_qterm *qt,
                         const uint64_t *qoff, size_t n_queries, uint32_t max_terms, const spr_bmp_params *bp,
                         spr_hit *hits, uint32_t *nhits, double *lat, uint64_t *blocks_scored, spr_progress *prog) {
  spr_parts_ctx x = {.c = c, .ix = ix, .doc_base = doc_base, .qt = qt, .qoff = qoff, .n_queries = n_queries,
                     .bp = *bp, .hits = hits, .nhits = nhits, .lat = lat, .rc = SPR_OK};
  const uint32_t k = bp->k, P = (uint32_t)c->size;
  x.bp.parts = P;
  x.exchanges = spr_parts_exchanges(ix, k);
  uint64_t want = (uint64_t)SPR_PARTS_OVERSAMPLE * k;
  if (want < SPR_PARTS_GATHER_MIN) want = SPR_PARTS_GATHER_MIN;
  const uint64_t mm = (want + P - 1) / P;
  x.m = mm < k ? (uint32_t)mm : k;
  x.ws_size = SPR_PARTS_ALIGN8(spr_bmp_state_size(ix, k, max_terms));
  x.scratch_size = SPR_PARTS_ALIGN8(spr_bmp_scratch_size(ix, max_terms));
  x.tmp_size = (size_t)P * x.m > k ? (size_t)P * x.m : k;
#ifdef _OPENMP
  const size_t threads = (size_t)omp_get_max_threads();
#else
  const size_t threads = 1;
#endif
  /* the same batch size on every rank (the collectives must match): from the largest workspace */
  uint64_t wmax = x.ws_size;
  int rc = spr_mpi_max_u64(c, &wmax, 1);
  if (rc < 0) return rc;
  size_t batch = SPR_PARTS_WS_BUDGET / 2 / (size_t)(wmax ? wmax : 1);
  if (batch > SPR_PARTS_INFLIGHT) batch = SPR_PARTS_INFLIGHT;
  if (batch < 1) batch = 1;
  x.batch = batch;
  /* zero-filled: a thread's scratch may serve a step before that thread ran any begin */
  x.scratch = calloc(threads, x.scratch_size);
  x.tmp = malloc(threads * x.tmp_size * sizeof *x.tmp);
  spr_parts_group g[2];
  memset(g, 0, sizeof g);
  for (int i = 0; i < 2; i++) {
    g[i].mine = malloc(batch * x.m * sizeof *g[i].mine);
    g[i].all = malloc((size_t)P * batch * x.m * sizeof *g[i].all);
    g[i].going = calloc(batch, 1);
    g[i].ws = malloc(batch * x.ws_size);
    g[i].pd = (spr_mpi_pending){MPI_REQUEST_NULL, 0};
  }
  int ok = x.scratch && x.tmp;
  for (int i = 0; i < 2; i++) ok &= g[i].mine && g[i].all && g[i].going && g[i].ws;
  if (!ok) x.rc = SPR_FAIL(SPR_ENOMEM, "out of memory for %zu searches in flight (%zu bytes each)", 2 * batch, x.ws_size);
  rc = spr_mpi_agree(c, x.rc);
  if (rc == SPR_OK) {
    memset(lat, 0, n_queries * sizeof *lat);
    spr_parts_take(&x, &g[0], 0);
    spr_parts_take(&x, &g[1], batch);
    size_t done = 0;
    for (int cur = 0; g[0].live || g[1].live; cur ^= 1) {
      spr_parts_group *const a = &g[cur], *const b = &g[cur ^ 1];
      if (!a->live) continue;
      spr_parts_wait(&x, a);
      if (x.rc == SPR_OK) spr_parts_phase(&x, a, &b->pd);
      if (a->phase < x.exchanges) {
        /* a failed rank still takes part, with no scores */
        if (x.rc < 0) memset(a->mine, 0, a->nq * x.m * sizeof *a->mine);
        rc = spr_mpi_iallgather_u32(c, a->mine, a->nq * x.m, a->all, &a->pd);
        if (rc < 0) { /* an MPI failure: nothing more can be agreed on */
          x.rc = rc;
          break;
        }
        a->phase++;
      } else {
        done += a->nq;
        spr_progress_update(prog, done);
        spr_parts_take(&x, a, a->q0 + 2 * batch);
      }
    }
    rc = x.rc;
  }
  for (int i = 0; i < 2; i++) {
    const int w = spr_mpi_pending_wait(&g[i].pd);
    if (w < 0 && rc == SPR_OK) rc = w;
    free(g[i].mine);
    free(g[i].all);
    free(g[i].going);
    free(g[i].ws);
  }
  free(x.scratch);
  free(x.tmp);
  *blocks_scored += x.blocks;
  return rc;
}
