/* spr_search_algo.c: the search algorithms' table (spr_search_algo.h): Block-Max Pruning
 * (kernels/spr_bmp*.c) and the exhaustive scorer (kernels/spr_topk.c), the oracle. */
#include "spr_search_algo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bmp: this rank's blocks in BMP's in-memory layout (docs/bmp.md) ---------------------------- */

static int spr_algo_bmp_load(spr_index *ix, const spr_search_load *in, void **state) {
  spr_bmp_data *d = calloc(1, sizeof *d);
  *state = d;
  if (!d) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  /* the acceleration (SIMD bounds of dense terms; postings document-major for small k and blocks,
   * term-major otherwise: docs/bmp.md, "Two layouts"), built straight from the range's postings:
   * its forward blocks and block maxima are never made (docs/bmp.md, "Memory") */
  const spr_index_info *info = spr_index_get_info(ix);
  const spr_bmp_major major = spr_bmp_major_for(in->k, (uint32_t)info->block_size);
  spr_progress lp;
  spr_progress_start(&lp, "search: loading", "terms", info->n_terms, in->progress);
  return spr_index_load_bmp_accel(ix, in->blo, in->bhi, SPR_BMP_DENSE_DIV_DEFAULT, major, &lp, d);
}

static size_t spr_algo_bmp_workspace(const void *state, uint32_t k, uint32_t max_terms) {
  return spr_bmp_workspace_size(&((const spr_bmp_data *)state)->view, k, max_terms);
}

static int64_t spr_algo_bmp_search(const void *state, const spr_qterm *q, uint32_t n_terms, const spr_search_query *sq,
                                   void *ws, spr_hit *out, uint64_t *blocks_scored) {
  const spr_bmp_data *d = state;
  const spr_bmp_params bp = {.k = sq->k, .alpha = sq->alpha, .beta = sq->beta, .parts = 1};
  spr_bmp_stats bst = {0, 0, 0};
  const int64_t nh = spr_bmp_search(&d->view, q, n_terms, &bp, d->doc_base, ws, out, &bst);
  *blocks_scored += bst.blocks_scored;
  return nh;
}

static void spr_algo_bmp_free(void *state) {
  spr_bmp_data_free(state);
  free(state);
}

static const spr_bmp_index *spr_algo_bmp_shared(const void *state, uint32_t *doc_base) {
  const spr_bmp_data *d = state;
  *doc_base = d->doc_base;
  return &d->view;
}

/* ---- exhaustive: the query terms' postings in this rank's docid range -------------------------- */

typedef struct spr_exh {
  uint32_t lo, hi;  /* docids [lo, hi) */
  uint64_t n;       /* distinct query terms */
  uint32_t *term;   /* owned: ascending */
  uint32_t **docs;  /* owned: each term's docids in the range */
  uint8_t **imp;    /* owned */
  uint32_t *len;    /* owned */
} spr_exh;

static int spr_cmp_u32(const void *a, const void *b) {
  const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static void spr_algo_exh_free(void *state) {
  spr_exh *e = state;
  if (!e) return;
  for (uint64_t i = 0; e->docs && i < e->n; i++) {
    free(e->docs[i]);
    free(e->imp[i]);
  }
  free(e->docs);
  free(e->imp);
  free(e->len);
  free(e->term);
  free(e);
}

/* The union of the queries' terms, each list loaded once (only the range's postings). */
static int spr_algo_exh_load(spr_index *ix, const spr_search_load *in, void **state) {
  spr_exh *e = calloc(1, sizeof *e);
  *state = e;
  if (!e) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  e->lo = in->lo;
  e->hi = in->hi;
  const uint64_t nq = in->qoff[in->n_queries];
  e->term = malloc((nq ? nq : 1) * sizeof *e->term);
  if (!e->term) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  for (uint64_t i = 0; i < nq; i++) e->term[i] = in->qt[i].term;
  qsort(e->term, nq, sizeof *e->term, spr_cmp_u32);
  for (uint64_t i = 0; i < nq; i++)
    if (!e->n || e->term[e->n - 1] != e->term[i]) e->term[e->n++] = e->term[i];
  e->docs = calloc(e->n + 1, sizeof *e->docs);
  e->imp = calloc(e->n + 1, sizeof *e->imp);
  e->len = calloc(e->n + 1, sizeof *e->len);
  if (!e->docs || !e->imp || !e->len) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  for (uint64_t i = 0; i < e->n; i++)
    SPR_TRY(spr_index_read_postings(ix, e->term[i], e->lo, e->hi, &e->docs[i], &e->imp[i], &e->len[i]));
  return SPR_OK;
}

/* The accumulators, then room for one query's lists. */
static size_t spr_algo_exh_acc_bytes(const spr_exh *e) {
  return (spr_exhaustive_workspace_size(e->hi - e->lo) + 15) & ~(size_t)15;
}

static size_t spr_algo_exh_workspace(const void *state, uint32_t k, uint32_t max_terms) {
  (void)k;
  return spr_algo_exh_acc_bytes(state) + (size_t)max_terms * sizeof(spr_plist);
}

static int64_t spr_algo_exh_search(const void *state, const spr_qterm *q, uint32_t n_terms, const spr_search_query *sq,
                                   void *ws, spr_hit *out, uint64_t *blocks_scored) {
  (void)blocks_scored;
  const spr_exh *e = state;
  spr_plist *pl = (spr_plist *)((char *)ws + spr_algo_exh_acc_bytes(e));
  for (uint32_t j = 0; j < n_terms; j++) {
    uint64_t a = 0, b = e->n;
    while (a < b) {
      const uint64_t m = (a + b) / 2;
      if (e->term[m] < q[j].term) a = m + 1;
      else b = m;
    }
    pl[j] = (spr_plist){e->docs[a], e->imp[a], e->len[a], q[j].weight};
  }
  return spr_exhaustive_topk(pl, n_terms, e->lo, e->hi - e->lo, sq->k, ws, out);
}

/* ---- the table ----------------------------------------------------------------------------------- */

static const spr_search_algo spr_search_algos[] = {
    {"bmp", spr_algo_bmp_load, spr_algo_bmp_workspace, spr_algo_bmp_search, spr_algo_bmp_free, spr_algo_bmp_shared},
    {"exhaustive", spr_algo_exh_load, spr_algo_exh_workspace, spr_algo_exh_search, spr_algo_exh_free, NULL},
};
#define SPR_N_ALGOS (sizeof spr_search_algos / sizeof spr_search_algos[0])

const spr_search_algo *spr_search_algo_find(const char *name) {
  for (size_t i = 0; name && i < SPR_N_ALGOS; i++)
    if (!strcmp(spr_search_algos[i].name, name)) return &spr_search_algos[i];
  return NULL;
}

const char *spr_search_algo_names(void) {
  static char names[256];
  if (!names[0]) {
    size_t at = 0;
    for (size_t i = 0; i < SPR_N_ALGOS && at < sizeof names; i++)
      at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", i ? ", " : "", spr_search_algos[i].name);
  }
  return names;
}
