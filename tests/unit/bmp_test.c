/* Block-Max Pruning (kernels/spr_bmp.c) against the exhaustive oracle (spr_exhaustive_topk) on many
 * random small collections: heavy queries (40+ terms at weight 255), single-document and empty
 * blocks, k beyond the collection, n_docs not a multiple of the block size, one-term queries,
 * absent terms; with and without kth seeding, plain and with either acceleration layout.
 * alpha = beta = 1 must match exactly; alpha < 1 and beta < 1 must return valid, sorted,
 * duplicate-free hits with their true scores over all query terms, none above the exact i-th. The validator must reject corrupted structures; the build
 * helpers are checked on hand cases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "spr_bmp.h"
#include "spr_bmp_impl.h" /* the dense kernels, compared directly */
#include "spr_topk.h"
#include "spr_test_util.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n) { return (uint32_t)(spr_test_xorshift(&rng) % n); }

#include "spr_check.h"

/* A collection and every structure built from it; all owned. */
typedef struct coll {
  uint32_t n_docs, n_terms, bs;
  uint64_t *off;
  uint32_t *docs;
  uint8_t *imp;
  uint64_t n_entries, n_postings;
  uint64_t *bm_off, *fw_off, *fw_post_off;
  uint32_t *bm_block, *fw_term, *fw_start;
  uint16_t *fw_count;
  uint8_t *bm_max, *fw_doc, *fw_imp, *kth;
  void *ax_buf, *ad_buf;
  spr_bmp_index ix;  /* plain */
  spr_bmp_index ixa; /* with the term-major acceleration (spr_bmp_accel_build) */
  spr_bmp_index ixd; /* with the document-major acceleration */
  uint32_t q_lo;     /* queries draw terms from [q_lo, n_terms + 50) */
} coll;

static void coll_free(coll *c) {
  free(c->off); free(c->docs); free(c->imp); free(c->bm_off); free(c->fw_off); free(c->fw_post_off);
  free(c->bm_block); free(c->fw_term); free(c->fw_start); free(c->fw_count); free(c->bm_max);
  free(c->fw_doc); free(c->fw_imp); free(c->kth); free(c->ax_buf); free(c->ad_buf);
  memset(c, 0, sizeof *c);
}

/* The builder from CSR postings (spr_bmp_accel_csr) gives the arrays spr_bmp_accel_build gave
 * c->ixa (term-major) or c->ixd (document-major), byte for byte, and bm_off; with mutate, a damaged
 * copy of the postings is refused. */
static int check_csr(coll *c, uint32_t dense_div, spr_bmp_major major, int mutate) {
  const uint32_t nb = c->ix.n_blocks, nt = c->n_terms;
  spr_bmp_index v = {.n_docs = c->n_docs, .n_terms = nt, .block_size = c->bs, .n_blocks = nb, .kth = c->kth};
  const uint64_t np = c->n_postings;
  uint64_t *bm_off = malloc(((size_t)nt + 1) * 8);
  uint32_t *docs = malloc((np + 1) * 4);
  uint8_t *imp = malloc(np + 1);
  memcpy(docs, c->docs, np * 4);
  memcpy(imp, c->imp, np);
  int bad = -1;
  if (mutate && np > 1) {
    const uint64_t i = 1 + rnd((uint32_t)(np - 1));
    bad = (int)rnd(3);
    if (bad == 0) imp[i] = 0;                            /* impact 0 */
    if (bad == 1) docs[np - 1] = c->n_docs;              /* past the range (the last list's last posting) */
    if (bad == 2) docs[i] = docs[i - 1];                 /* not ascending */
  }
  void *buf = NULL;
  const int rc = spr_bmp_accel_csr(&v, c->off, docs, imp, dense_div, major, bm_off, &buf);
  int ascending = 1; /* docs[i] = docs[i - 1] breaks the order within a list, maybe not across two */
  for (uint32_t t = 0; t < nt; t++)
    for (uint64_t i = c->off[t] + 1; i < c->off[t + 1]; i++) ascending &= docs[i] > docs[i - 1];
  if (bad == 0 || bad == 1 || !ascending) {
    CHECK(rc < 0 && !buf, "csr accepted damage %d (rc %d)", bad, rc);
  } else if (bad >= 0) { /* damage that left the lists valid (equal docids across two lists) */
    CHECK(rc == 0, "csr: %s", spr_last_error());
  } else {
    CHECK(rc == 0, "csr: %s", spr_last_error());
    CHECK(!memcmp(bm_off, c->bm_off, ((size_t)nt + 1) * 8), "csr: bm_off differs");
    const spr_bmp_index *a = major == SPR_BMP_DOC_MAJOR ? &c->ixd : &c->ixa;
    const uint64_t ns = a->sp_seg[(size_t)nt * a->sp_nseg];
    CHECK(v.n_dense == a->n_dense && v.dn_stride == a->dn_stride && v.sp_nseg == a->sp_nseg, "csr sizes");
    if (major == SPR_BMP_DOC_MAJOR)
      CHECK(v.fd_off && !v.tp_pair && !memcmp(v.fd_off, a->fd_off, ((size_t)c->n_docs + 1) * 8) &&
                !memcmp(v.fd_imp, a->fd_imp, np) && !v.fd_t16 == !a->fd_t16 &&
                (v.fd_t16 ? !memcmp(v.fd_t16, a->fd_t16, np * 2) : !memcmp(v.fd_t32, a->fd_t32, np * 4)),
            "csr: document-major posting arrays differ");
    else
      CHECK(v.tp_pair && !v.fd_off && !memcmp(v.tp_ck, a->tp_ck, ((c->n_entries >> 7) + 1) * 8) &&
                !memcmp(v.tp_rel, a->tp_rel, (c->n_entries + 1) * 2) && !memcmp(v.tp_pair, a->tp_pair, np * 2) &&
                !memcmp(v.dn_rank, a->dn_rank, (size_t)a->n_dense * a->dn_stride / 64 * 16),
            "csr: term-major posting arrays differ");
    CHECK(!memcmp(v.dn_slot, a->dn_slot, (size_t)nt * 4) &&
              !memcmp(v.dn_max, a->dn_max, (size_t)a->n_dense * a->dn_stride), "csr: dense rows differ");
    CHECK(!memcmp(v.sp_seg, a->sp_seg, ((size_t)nt * a->sp_nseg + 1) * 8) && !memcmp(v.sp_blk, a->sp_blk, ns * 2) &&
              !memcmp(v.sp_max, a->sp_max, ns), "csr: sparse maxima differ");
  }
  free(buf); free(bm_off); free(docs); free(imp);
  return 0;
}

/* Build the BMP structures of c's CSR postings; 0 on success. */
static int coll_build(coll *c, uint32_t dense_div, int scalar) {
  CHECK(spr_bmp_sizes(c->off, c->docs, c->n_terms, c->n_docs, c->bs, &c->n_entries, &c->n_postings) == 0,
        "sizes: %s", spr_last_error());
  const uint32_t nb = (c->n_docs + c->bs - 1) / c->bs;
  c->bm_off = malloc((c->n_terms + 1) * sizeof(uint64_t));
  c->bm_block = malloc((c->n_entries + 1) * sizeof(uint32_t));
  c->bm_max = malloc(c->n_entries + 1);
  c->fw_off = malloc((nb + 1) * sizeof(uint64_t));
  c->fw_post_off = malloc((nb + 1) * sizeof(uint64_t));
  c->fw_term = malloc((c->n_entries + 1) * sizeof(uint32_t));
  c->fw_start = malloc((c->n_entries + 1) * sizeof(uint32_t));
  c->fw_count = malloc((c->n_entries + 1) * sizeof(uint16_t));
  c->fw_doc = malloc(c->n_postings + 1);
  c->fw_imp = malloc(c->n_postings + 1);
  c->kth = malloc(3 * (size_t)c->n_terms + 1);
  CHECK(spr_bmp_blockmax_build(c->off, c->docs, c->imp, c->n_terms, c->bs, c->bm_off, c->bm_block, c->bm_max) == 0,
        "blockmax: %s", spr_last_error());
  CHECK(c->bm_off[c->n_terms] == c->n_entries, "bm entries");
  void *ws = malloc(spr_bmp_forward_workspace_size(nb));
  CHECK(spr_bmp_forward_build(c->off, c->docs, c->imp, c->n_terms, c->n_docs, c->bs, ws, c->fw_off, c->fw_term,
                              c->fw_start, c->fw_count, c->fw_post_off, c->fw_doc, c->fw_imp) == 0,
        "forward: %s", spr_last_error());
  free(ws);
  CHECK(c->fw_off[nb] == c->n_entries && c->fw_post_off[nb] == c->n_postings, "forward sizes");
  for (uint32_t t = 0; t < c->n_terms; t++)
    spr_bmp_kth(c->imp + c->off[t], (uint32_t)(c->off[t + 1] - c->off[t]), c->kth + 3 * (size_t)t);
  c->ix = (spr_bmp_index){.n_docs = c->n_docs, .n_terms = c->n_terms, .block_size = c->bs, .n_blocks = nb,
                          .bm_off = c->bm_off, .bm_block = c->bm_block, .bm_max = c->bm_max,
                          .fw_off = c->fw_off, .fw_term = c->fw_term, .fw_start = c->fw_start,
                          .fw_count = c->fw_count, .fw_post_off = c->fw_post_off, .fw_doc = c->fw_doc,
                          .fw_imp = c->fw_imp, .kth = c->kth};
  CHECK(spr_bmp_index_check(&c->ix) == 0, "check: %s", spr_last_error());
  for (int major = 0; major < 2; major++) {
    spr_bmp_index *a = major == SPR_BMP_DOC_MAJOR ? &c->ixd : &c->ixa;
    void **buf = major == SPR_BMP_DOC_MAJOR ? &c->ad_buf : &c->ax_buf;
    *a = c->ix;
    const size_t asz = spr_bmp_accel_size(a, dense_div, (spr_bmp_major)major);
    *buf = malloc(asz + 8);
    CHECK(asz < 8 || spr_bmp_accel_build(a, dense_div, (spr_bmp_major)major, *buf, asz - 8) == SPR_ENOSPACE,
          "accel cap");
    CHECK(spr_bmp_accel_build(a, dense_div, (spr_bmp_major)major, *buf, asz) == 0, "accel: %s", spr_last_error());
    a->dn_scalar = scalar;
    CHECK(spr_bmp_index_check(a) == 0, "check accel: %s", spr_last_error());
    if (check_csr(c, dense_div, (spr_bmp_major)major, 0) || check_csr(c, dense_div, (spr_bmp_major)major, 1))
      return 1;
  }
  /* the accelerated view searches without the block maxima and forward arrays, as spire search
   * does once it has freed them: a stale read is a NULL dereference */
  uint64_t sparse = 0;
  for (uint32_t t = 0; t < c->n_terms; t++)
    if (c->ixa.dn_slot[t] == UINT32_MAX) sparse += c->bm_off[t + 1] - c->bm_off[t];
  CHECK(c->ixa.sp_seg[(size_t)c->n_terms * c->ixa.sp_nseg] == sparse, "sparse copy: %llu entries, %llu sparse",
        (unsigned long long)c->ixa.sp_seg[(size_t)c->n_terms * c->ixa.sp_nseg], (unsigned long long)sparse);
  CHECK(c->ixa.sp_nseg == (nb > 65536 ? (nb + 65535) >> 16 : 1), "segments: %u for %u blocks", c->ixa.sp_nseg, nb);
  c->ixa.bm_block = NULL;
  c->ixa.bm_max = NULL;
  c->ixa.fw_term = c->ixa.fw_start = NULL;
  c->ixa.fw_count = NULL;
  c->ixa.fw_doc = c->ixa.fw_imp = NULL;
  spr_bmp_index *d = &c->ixd; /* the same for the document-major view */
  d->bm_block = NULL;
  d->bm_max = NULL;
  d->fw_term = d->fw_start = NULL;
  d->fw_count = NULL;
  d->fw_doc = d->fw_imp = NULL;
  void *cws = malloc(spr_bmp_check_workspace_size(&c->ix));
  CHECK(spr_bmp_index_check_consistency(&c->ix, cws) == 0, "consistency: %s", spr_last_error());
  free(cws);
  return 0;
}

/* A random collection: docs in "dead" runs have no postings (empty blocks), clustered term
 * densities, impact laws from all-255 to 1..3. */
static void coll_random(coll *c, int trial) {
  static const uint32_t sizes[6] = {4, 8, 16, 32, 64, 256};
  c->bs = sizes[trial % 6];
  c->n_docs = 1 + rnd(trial % 11 == 0 ? 2000 : 700);
  if (trial % 13 == 0) c->n_docs = c->bs * (1 + rnd(6)) + 1; /* a last block of one doc */
  c->n_terms = 1 + rnd(trial % 3 == 0 ? 80 : 30);
  uint8_t *dead = malloc(c->n_docs);
  for (uint32_t d = 0; d < c->n_docs;) {
    const uint32_t run = 1 + rnd(trial % 2 ? 3 * c->bs : 8);
    const uint8_t v = (uint8_t)(rnd(3) == 0);
    for (uint32_t i = 0; i < run && d < c->n_docs; i++) dead[d++] = v;
  }
  if (trial % 17 == 0) /* sparse: single live documents in otherwise empty blocks */
    for (uint32_t d = 0; d < c->n_docs; d++) dead[d] = d % c->bs != rnd(c->bs);
  c->off = malloc((c->n_terms + 1) * sizeof(uint64_t));
  c->docs = malloc((size_t)c->n_terms * c->n_docs * sizeof(uint32_t) + 4);
  c->imp = malloc((size_t)c->n_terms * c->n_docs + 1);
  uint64_t n = 0;
  c->off[0] = 0;
  for (uint32_t t = 0; t < c->n_terms; t++) {
    const uint32_t dens = rnd(5) == 0 ? 0 : 1 + rnd(rnd(2) ? 100 : 10);
    const uint32_t center = rnd(c->n_docs), width = 1 + rnd(c->n_docs);
    for (uint32_t d = 0; d < c->n_docs; d++) {
      if (dead[d]) continue;
      const uint32_t dist = d > center ? d - center : center - d;
      const uint32_t p = trial % 4 == 1 && dist > width ? dens / 8 : dens;
      if (rnd(100) >= p) continue;
      c->docs[n] = d;
      c->imp[n] = (uint8_t)(trial % 7 == 0 ? 255 : 1 + rnd(trial % 3 == 0 ? 3 : 255));
      n++;
    }
    c->off[t + 1] = n;
  }
  free(dead);
}

/* More than 65,536 blocks (sparse block ids in two u16 segments): a few dense terms and sparse
 * terms whose postings cross the segment boundary, some only on one side of it. */
static void coll_segments(coll *c, int trial) {
  c->bs = 8;
  c->n_docs = 8u * 65536u + 8u * (1u + rnd(9000)) + rnd(8);
  c->n_terms = 24;
  c->off = malloc((c->n_terms + 1) * sizeof(uint64_t));
  c->docs = malloc((size_t)c->n_terms * 40000 * sizeof(uint32_t));
  c->imp = malloc((size_t)c->n_terms * 40000);
  uint64_t n = 0;
  c->off[0] = 0;
  for (uint32_t t = 0; t < c->n_terms; t++) {
    const uint32_t lo = t % 5 == 3 ? 8u * 65536u : 0, hi = t % 5 == 4 ? 8u * 65536u : c->n_docs; /* one side only */
    const uint32_t cnt = t < 3 ? 30000 : 200 + rnd(3000), span = hi - lo, gap = span / cnt > 1 ? 2 * (span / cnt) : 2;
    for (uint32_t d = lo + rnd(gap); d < hi && n - c->off[t] < 40000; d += 1 + rnd(gap)) {
      c->docs[n] = d;
      c->imp[n] = (uint8_t)(trial % 2 ? 1 + rnd(255) : 1 + rnd(4));
      n++;
    }
    c->off[t + 1] = n;
  }
}

/* More than 65,536 terms (the document-major layout stores u32 term ids): postings only on the
 * terms from 65,500 up, across the u16 boundary; queries draw from those. */
static void coll_wide(coll *c, int trial) {
  static const uint32_t sizes[3] = {4, 8, 256};
  c->bs = sizes[trial % 3];
  c->n_docs = 1 + rnd(1500);
  c->n_terms = 65560 + rnd(100);
  c->q_lo = 65500;
  c->off = calloc((size_t)c->n_terms + 1, sizeof(uint64_t));
  const uint32_t na = c->n_terms - c->q_lo;
  c->docs = malloc((size_t)na * c->n_docs * sizeof(uint32_t) + 4);
  c->imp = malloc((size_t)na * c->n_docs + 1);
  uint64_t n = 0;
  for (uint32_t t = 0; t < c->n_terms; t++) {
    if (t >= c->q_lo) {
      const uint32_t gap = 1 + rnd(t % 4 == 0 ? 2 : 40);
      for (uint32_t d = rnd(gap); d < c->n_docs; d += 1 + rnd(gap)) {
        c->docs[n] = d;
        c->imp[n] = (uint8_t)(1 + rnd(255));
        n++;
      }
    }
    c->off[t + 1] = n;
  }
}

/* Exhaustive oracle for query q over c (terms >= n_terms ignored). */
static int64_t oracle(const coll *c, const spr_qterm *q, uint32_t n, uint32_t k, uint32_t base, spr_hit *out) {
  spr_plist *pl = malloc((n + 1) * sizeof *pl);
  uint32_t **gd = malloc((n + 1) * sizeof *gd);
  size_t m = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (q[i].term >= c->n_terms || !q[i].weight) continue;
    const uint64_t o = c->off[q[i].term], len = c->off[q[i].term + 1] - o;
    gd[m] = malloc((len + 1) * sizeof(uint32_t));
    for (uint64_t j = 0; j < len; j++) gd[m][j] = base + c->docs[o + j];
    pl[m] = (spr_plist){gd[m], c->imp + o, (uint32_t)len, q[i].weight};
    m++;
  }
  void *ws = malloc(spr_exhaustive_workspace_size(c->n_docs) + 4);
  const int64_t r = spr_exhaustive_topk(pl, m, base, c->n_docs, k, ws, out);
  free(ws);
  for (size_t i = 0; i < m; i++) free(gd[i]);
  free(gd);
  free(pl);
  return r;
}

/* True score of local doc d under q (terms >= n_terms ignored). */
static uint32_t true_score(const coll *c, const spr_qterm *q, uint32_t n, uint32_t d) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (q[i].term >= c->n_terms) continue;
    for (uint64_t j = c->off[q[i].term]; j < c->off[q[i].term + 1]; j++)
      if (c->docs[j] == d) s += q[i].weight * c->imp[j];
  }
  return s;
}


static uint64_t n_compared, n_approx;
static uint32_t k_cap = UINT32_MAX; /* largest k drawn (the big collections keep the oracle's checks short) */

static int run_queries(coll *c, int trial) {
  const uint32_t base = rnd(3) ? 0 : rnd(1u << 20);
  spr_qterm q[128];
  for (int qi = 0; qi < 12; qi++) {
    /* a random set of distinct terms, some absent (>= n_terms) */
    uint32_t n = 0;
    const int shape = rnd(6);
    const uint32_t want = shape == 0 ? 1 : shape == 1 ? 40 + rnd(20) : 1 + rnd(12);
    const uint32_t wmode = rnd(4);
    for (uint32_t tries = 0; n < want && tries < 400; tries++) {
      const uint32_t t = rnd(4) == 0 ? c->n_terms + rnd(50) : c->q_lo + rnd(c->n_terms - c->q_lo + (shape == 1 ? 60 : 0));
      int dup = 0;
      for (uint32_t i = 0; i < n; i++) dup |= q[i].term == t;
      if (dup) continue;
      q[n].term = t;
      q[n].weight = shape == 1 || wmode == 0 ? 255 : wmode == 1 ? 1 + rnd(3) : 1 + rnd(255);
      n++;
    }
    static const uint32_t ks[6] = {1, 10, 100, 1000, 3, 5000};
    uint32_t k = rnd(3) == 0 ? 1 + rnd(c->n_docs + 20) : ks[rnd(6)];
    if (k > k_cap) k = k_cap;
    spr_hit *want_h = malloc((size_t)k * sizeof(spr_hit)), *got = malloc((size_t)k * sizeof(spr_hit));
    const int64_t nw = oracle(c, q, n, k, base, want_h);
    CHECK(nw >= 0, "oracle");
    const size_t wsa = spr_bmp_workspace_size(&c->ix, k, n), wsb = spr_bmp_workspace_size(&c->ixa, k, n);
    const size_t wsd = spr_bmp_workspace_size(&c->ixd, k, n), wsm = wsa > wsb ? (wsa > wsd ? wsa : wsd) : (wsb > wsd ? wsb : wsd);
    void *ws = malloc(wsm);
    memset(ws, 0xA5, wsm); /* workspaces may hold anything */
    for (int mode = 0; mode < 6; mode++) { /* with and without kth seeding; plain, term- and document-major */
      spr_bmp_index ix = mode < 2 ? c->ix : mode < 4 ? c->ixa : c->ixd;
      if (mode & 1) ix.kth = NULL;
      spr_bmp_stats st = {0};
      const spr_bmp_params p = {k, 1.0, 1.0, 1};
      const int64_t ng = spr_bmp_search(&ix, q, n, &p, base, ws, got, &st);
      CHECK(ng == nw, "trial %d q %d mode %d: %lld hits, oracle %lld (bs %u docs %u k %u n %u)", trial, qi, mode,
            (long long)ng, (long long)nw, c->bs, c->n_docs, k, n);
      for (int64_t i = 0; i < ng; i++)
        CHECK(got[i].doc == want_h[i].doc && got[i].score == want_h[i].score,
              "trial %d q %d mode %d hit %lld: (%u,%u) oracle (%u,%u) bs %u k %u kth %d", trial, qi, mode, (long long)i,
              got[i].doc, got[i].score, want_h[i].doc, want_h[i].score, c->bs, k, !(mode & 1));
      n_compared++;
    }
    /* in steps with floors (the partitioned search's shared thresholds): any floor up to the
     * oracle's k-th score, given at any step, and any number of parts, leaves the top k exact;
     * spr_bmp_scores reports the k best scores so far, none above the oracle's */
    for (int mode = 2; mode < 6 && nw > 0; mode++) {
      spr_bmp_index ix = mode < 4 ? c->ixa : c->ixd;
      if (mode & 1) ix.kth = NULL;
      const uint32_t kth = nw == (int64_t)k ? want_h[k - 1].score : 0;
      const uint32_t floor = rnd(3) == 0 ? kth : kth ? rnd(kth + 1) : 0;
      const uint32_t at = rnd(3); /* the step that gets the floor */
      const spr_bmp_params p = {k, 1.0, 1.0, 1 + rnd(8)};
      const size_t sts = spr_bmp_state_size(&ix, k, n);
      void *scratch = (char *)ws + sts;
      int64_t r = spr_bmp_begin(&ix, q, n, &p, base, ws, scratch, got);
      CHECK(r >= 0, "stepped begin");
      uint32_t *sc = malloc((size_t)k * sizeof *sc);
      for (uint32_t step = 0; r == 1; step++) {
        r = spr_bmp_step(ws, scratch, step >= at ? floor : 0);
        const uint32_t ns = spr_bmp_scores(ws, k, sc);
        CHECK(ns <= k, "scores count %u > k %u", ns, k);
        for (uint32_t i = 0; i < k; i++)
          CHECK(i < ns ? sc[i] > 0 && sc[i] <= want_h[0].score : sc[i] == 0, "trial %d q %d: score %u of %u", trial, qi, sc[i], ns);
      }
      free(sc);
      spr_bmp_stats st = {0};
      const uint32_t ng = spr_bmp_end(ws, &st);
      CHECK((int64_t)ng == nw, "stepped: %u hits, oracle %lld", ng, (long long)nw);
      for (int64_t i = 0; i < nw; i++)
        CHECK(got[i].doc == want_h[i].doc && got[i].score == want_h[i].score,
              "trial %d q %d mode %d floor %u (kth %u) at step %u parts %u hit %lld: (%u,%u) oracle (%u,%u)", trial, qi,
              mode, floor, kth, at, p.parts, (long long)i, got[i].doc, got[i].score, want_h[i].doc, want_h[i].score);
      n_compared++;
    }
    /* approximate modes */
    static const double alphas[4] = {0.9, 0.5, 1.0, 0.7}, betas[4] = {1.0, 1.0, 0.5, 0.3};
    for (int a = 0; a < 12; a++) {
      const spr_bmp_params p = {k, alphas[a % 4], betas[a % 4], 1};
      const int64_t ng = spr_bmp_search(a < 4 ? &c->ix : a < 8 ? &c->ixa : &c->ixd, q, n, &p, base, ws, got, NULL);
      CHECK(ng >= 0 && ng <= (int64_t)k, "approx count %lld", (long long)ng);
      /* beta < 1 leaves terms out of the bounds only: every hit has its true score over all terms */
      spr_qterm kept[128];
      uint32_t m = 0;
      for (uint32_t i = 0; i < n; i++)
        if (q[i].term < c->n_terms) kept[m++] = q[i];
      for (int64_t i = 0; i < ng; i++) {
        CHECK(got[i].score > 0, "approx score 0");
        CHECK(got[i].doc >= base && got[i].doc - base < c->n_docs, "approx doc range");
        CHECK(got[i].score == true_score(c, kept, m, got[i].doc - base), "approx score not true: trial %d a %d", trial, a);
        if (i) CHECK(spr_hit_before(got[i - 1], got[i]), "approx order/duplicate");
        CHECK(i < nw && got[i].score <= want_h[i].score, "approx beats exact: trial %d a %d", trial, a);
      }
      n_approx++;
    }
    free(ws);
    free(want_h);
    free(got);
  }
  return 0;
}

/* The dense bound kernel: the SIMD variant returns exactly the scalar reference's candidates and
 * bounds, which are the exact Σ w x row of every block that reaches lo, and only those. */
static int test_dense_kernel(void) {
  enum { N = 256, R = 40 };
  static uint8_t rowbuf[R][N];
  static uint32_t bound[N], cid[2][N], cb[2][N];
  const uint8_t *rows[R];
  uint32_t w[R];
  for (int trial = 0; trial < 300; trial++) {
    const uint32_t nr = (uint32_t)rnd(R + 1), n = 32u * (1u + rnd(N / 32));
    for (uint32_t i = 0; i < nr; i++) {
      w[i] = trial % 5 == 0 ? 255 : 1 + rnd(255);
      for (uint32_t b = 0; b < n; b++) rowbuf[i][b] = (uint8_t)(trial % 7 == 0 ? 255 : rnd(4) ? rnd(256) : 0);
      rows[i] = rowbuf[i];
    }
    for (uint32_t b = 0; b < n; b++) bound[b] = rnd(3) ? rnd(100000) : 0;
    uint64_t mx = 1;
    for (uint32_t b = 0; b < n; b++) {
      uint64_t e = bound[b];
      for (uint32_t i = 0; i < nr; i++) e += (uint64_t)w[i] * rows[i][b];
      mx = e > mx ? e : mx;
    }
    const uint32_t lo = trial % 4 == 0 ? 1 : 1 + (uint32_t)(rnd(1000) * mx / 1000);
    const uint32_t k0 = spr_bmp_accel_dense_scalar(bound, rows, w, nr, n, n, lo, cid[0], cb[0]);
#if SPR_BMP_HAVE_AVX2
    if (__builtin_cpu_supports("avx2")) {
      const uint32_t k1 = spr_bmp_accel_dense_avx2(bound, rows, w, nr, n, n, lo, cid[1], cb[1]);
      CHECK(k1 == k0 && !memcmp(cid[0], cid[1], k0 * 4) && !memcmp(cb[0], cb[1], k0 * 4),
            "dense kernel trial %d: avx2 %u candidates, scalar %u", trial, k1, k0);
    }
    if (__builtin_cpu_supports("avx512bw")) {
      const uint32_t k2 = spr_bmp_accel_dense_avx512(bound, rows, w, nr, n, n, lo, cid[1], cb[1]);
      CHECK(k2 == k0 && !memcmp(cid[0], cid[1], k0 * 4) && !memcmp(cb[0], cb[1], k0 * 4),
            "dense kernel trial %d: avx512 %u candidates, scalar %u", trial, k2, k0);
    }
#endif
    uint32_t j = 0;
    for (uint32_t b = 0; b < n; b++) {
      uint64_t e = bound[b];
      for (uint32_t i = 0; i < nr; i++) e += (uint64_t)w[i] * rows[i][b];
      if (j < k0 && cid[0][j] == b) {
        CHECK(cb[0][j] == e && e >= lo, "dense bound of block %u: %u, exact %llu",
              b, cb[0][j], (unsigned long long)e);
        j++;
      } else {
        CHECK(e < lo, "dense kernel trial %d: block %u (exact bound %llu >= %u) not picked", trial, b,
              (unsigned long long)e, lo);
      }
    }
  }
  return 0;
}

static int test_helpers(void) {
  const uint32_t docs[7] = {0, 3, 7, 8, 20, 40, 41};
  const uint8_t imp[7] = {5, 9, 2, 4, 4, 1, 7};
  uint32_t blocks[7];
  uint8_t maxes[7];
  CHECK(spr_bmp_blockmax(docs, imp, 7, 8, blocks, maxes) == 4, "blockmax count");
  CHECK(blocks[0] == 0 && maxes[0] == 9 && blocks[1] == 1 && maxes[1] == 4 && blocks[2] == 2 && maxes[2] == 4 &&
            blocks[3] == 5 && maxes[3] == 7, "blockmax values");
  CHECK(spr_bmp_blockmax(docs, imp, 7, 16, blocks, maxes) == 3, "blockmax 16");
  CHECK(spr_bmp_blockmax(docs, imp, 7, SPR_BMP_BLOCK_MIN - 1, blocks, maxes) == SPR_EINVAL, "block size below the least");
  CHECK(spr_bmp_blockmax(docs, imp, 7, SPR_BMP_BLOCK_MAX + 1, blocks, maxes) == SPR_EINVAL, "block size above the most");
  const uint32_t bad[3] = {1, 1, 2};
  CHECK(spr_bmp_blockmax(bad, imp, 3, 8, blocks, maxes) == SPR_EINVAL, "not ascending");
  const uint8_t zero[2] = {1, 0};
  CHECK(spr_bmp_blockmax(docs, zero, 2, 8, blocks, maxes) == SPR_EINVAL, "impact 0");
  CHECK(spr_bmp_blockmax(docs, imp, 0, 8, blocks, maxes) == 0, "empty");
  uint8_t v[2000], out[3];
  for (int i = 0; i < 2000; i++) v[i] = (uint8_t)(1 + i % 200); /* 10 of each value 1..200 */
  spr_bmp_kth(v, 2000, out);
  CHECK(out[0] == 200 && out[1] == 191 && out[2] == 101, "kth %u %u %u", out[0], out[1], out[2]);
  spr_bmp_kth(v, 9, out);
  CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0, "kth short");
  spr_bmp_kth(v, 150, out);
  CHECK(out[0] == 141 && out[1] == 51 && out[2] == 0, "kth 150: %u %u", out[0], out[1]);
  return 0;
}

/* Corrupt one field at a time: the validator must say SPR_ECORRUPT; restoring it passes again. */
static int test_validator(void) {
  coll c = {0};
  rng = 12345;
  for (int t = 0;; t++) { /* a collection with some blocks of two or more postings per entry */
    coll_random(&c, 5 * 7 * 3 * 2 + 1 + t * 5 * 3);
    if (c.off[c.n_terms] > 50 && c.n_docs > 40) break;
    coll_free(&c);
  }
  CHECK(coll_build(&c, 8, 0) == 0, "build");
  spr_bmp_index *ix = &c.ix;
  const uint32_t nb = ix->n_blocks;
#define EXPECT_BAD(what, stmt, undo)                                                   \
  do {                                                                                 \
    stmt;                                                                              \
    CHECK(spr_bmp_index_check(ix) == SPR_ECORRUPT, "validator accepted: %s", what);    \
    undo;                                                                              \
    CHECK(spr_bmp_index_check(ix) == 0, "validator after undo: %s", what);             \
  } while (0)
  uint64_t e = 0;
  while (c.bm_off[e + 1] - c.bm_off[e] < 2) e++; /* a term with two block maxima */
  const uint64_t j = c.bm_off[e];
  uint32_t sv = c.bm_block[j];
  EXPECT_BAD("block >= n_blocks", c.bm_block[j] = nb, c.bm_block[j] = sv);
  EXPECT_BAD("blocks not ascending", c.bm_block[j] = c.bm_block[j + 1], c.bm_block[j] = sv);
  uint8_t s8 = c.bm_max[j];
  EXPECT_BAD("max 0", c.bm_max[j] = 0, c.bm_max[j] = s8);
  uint64_t s64 = c.bm_off[e + 1];
  EXPECT_BAD("bm offsets decrease", c.bm_off[e + 1] = c.bm_off[e] - 1, c.bm_off[e + 1] = s64);
  EXPECT_BAD("n_blocks", ix->n_blocks++, ix->n_blocks--);
  EXPECT_BAD("block size", ix->block_size = 300, ix->block_size = c.bs);
  uint32_t b = 0;
  while (c.fw_off[b + 1] - c.fw_off[b] < 2) b++; /* a block with two entries */
  const uint64_t f = c.fw_off[b];
  sv = c.fw_term[f];
  EXPECT_BAD("terms not ascending", c.fw_term[f] = c.fw_term[f + 1], c.fw_term[f] = sv);
  sv = c.fw_term[f + 1];
  EXPECT_BAD("term >= n_terms", c.fw_term[f + 1] = ix->n_terms, c.fw_term[f + 1] = sv);
  uint16_t s16 = c.fw_count[f];
  EXPECT_BAD("count 0", c.fw_count[f] = 0, c.fw_count[f] = s16);
  EXPECT_BAD("count beyond block", c.fw_count[f] = 60000, c.fw_count[f] = s16);
  const uint32_t s32 = c.fw_start[f];
  EXPECT_BAD("start beyond block", c.fw_start[f] = 1u << 30, c.fw_start[f] = s32);
  const uint64_t pp = c.fw_post_off[b] + c.fw_start[f];
  s8 = c.fw_doc[pp];
  EXPECT_BAD("doc >= block size", c.fw_doc[pp] = (uint8_t)(c.bs == 256 ? 255 : c.bs), c.fw_doc[pp] = s8);
  s8 = c.fw_imp[pp];
  EXPECT_BAD("impact 0", c.fw_imp[pp] = 0, c.fw_imp[pp] = s8);
  s64 = c.fw_off[b + 1];
  EXPECT_BAD("fw offsets decrease", c.fw_off[b + 1] = c.fw_off[b] - 1, c.fw_off[b + 1] = s64);
  s64 = c.fw_post_off[0];
  EXPECT_BAD("post offsets start", c.fw_post_off[0] = 1, c.fw_post_off[0] = s64);
  /* an entry with two docs: docs must ascend */
  uint64_t g = 0;
  while (c.fw_count[g] < 2) g++;
  uint32_t gb = 0;
  while (c.fw_off[gb + 1] <= g) gb++;
  const uint64_t gp = c.fw_post_off[gb] + c.fw_start[g];
  s8 = c.fw_doc[gp];
  EXPECT_BAD("docs not ascending", c.fw_doc[gp] = c.fw_doc[gp + 1], c.fw_doc[gp] = s8);
  s8 = c.kth[0];
  const uint8_t s8b = c.kth[1];
  EXPECT_BAD("kth increase", (c.kth[0] = 1, c.kth[1] = 2), (c.kth[0] = s8, c.kth[1] = s8b));
  /* consistency: a wrong block max passes the structural check but not the deep one */
  void *cws = malloc(spr_bmp_check_workspace_size(ix));
  s8 = c.bm_max[j];
  c.bm_max[j] = (uint8_t)(s8 == 255 ? 254 : s8 + 1);
  CHECK(spr_bmp_index_check(ix) == 0, "structural check with wrong max");
  CHECK(spr_bmp_index_check_consistency(ix, cws) == SPR_ECORRUPT, "consistency accepted a wrong max");
  c.bm_max[j] = s8;
  CHECK(spr_bmp_index_check_consistency(ix, cws) == 0, "consistency after undo");
  free(cws);
  /* the acceleration build matches block maxima to forward entries one to one */
  {
    spr_bmp_index ax = *ix;
    const size_t asz = spr_bmp_accel_size(&ax, 8, SPR_BMP_TERM_MAJOR), dsz = spr_bmp_accel_size(&ax, 8, SPR_BMP_DOC_MAJOR);
    void *abuf = malloc((asz > dsz ? asz : dsz) + 8);
    sv = c.bm_block[j];
    c.bm_block[j] = nb;
    CHECK(spr_bmp_accel_build(&ax, 8, SPR_BMP_TERM_MAJOR, abuf, asz) == SPR_ECORRUPT,
          "accel accepted a block max without postings");
    CHECK(spr_bmp_accel_build(&ax, 8, SPR_BMP_DOC_MAJOR, abuf, dsz) == SPR_ECORRUPT,
          "document-major accel accepted a block max without postings");
    c.bm_block[j] = sv;
    CHECK(spr_bmp_accel_build(&ax, 8, SPR_BMP_TERM_MAJOR, abuf, asz) == 0, "accel after undo: %s", spr_last_error());
    CHECK(spr_bmp_accel_build(&ax, 8, SPR_BMP_DOC_MAJOR, abuf, dsz) == 0, "accel after undo: %s", spr_last_error());
    CHECK(strcmp(spr_bmp_accel_isa(), "avx512") == 0 || strcmp(spr_bmp_accel_isa(), "avx2") == 0 ||
              strcmp(spr_bmp_accel_isa(), "scalar") == 0, "isa name");
    free(abuf);
  }
  /* search argument errors */
  spr_hit out[4];
  void *ws = malloc(spr_bmp_workspace_size(ix, 4, 4));
  const spr_qterm dup[2] = {{0, 1}, {0, 2}}, heavy[1] = {{0, 256}};
  const spr_bmp_params ok = {4, 1, 1, 1}, a0 = {4, 0, 1, 1}, b0 = {4, 1, 0, 1}, b2 = {4, 1, 1.5, 1};
  CHECK(spr_bmp_search(ix, dup, 2, &ok, 0, ws, out, NULL) == SPR_EINVAL, "duplicate terms");
  CHECK(spr_bmp_search(ix, heavy, 1, &ok, 0, ws, out, NULL) == SPR_EINVAL, "weight 256");
  CHECK(spr_bmp_search(ix, dup, 1, &a0, 0, ws, out, NULL) == SPR_EINVAL, "alpha 0");
  CHECK(spr_bmp_search(ix, dup, 1, &b0, 0, ws, out, NULL) == SPR_EINVAL, "beta 0");
  CHECK(spr_bmp_search(ix, dup, 1, &b2, 0, ws, out, NULL) == SPR_EINVAL, "beta 1.5");
  const spr_bmp_params k0 = {0, 1, 1, 1};
  CHECK(spr_bmp_search(ix, dup, 1, &k0, 0, ws, out, NULL) == 0, "k 0");
  free(ws);
  coll_free(&c);
  return 0;
}

int main(void) {
  if (test_helpers()) return 1;
  if (test_dense_kernel()) return 1;
  if (test_validator()) return 1;
  for (int trial = 0; trial < 600; trial++) {
    coll c = {0};
    coll_random(&c, trial);
    /* dense rows: none, only for terms in every block, 1/8 of the blocks, every term */
    static const uint32_t divs[4] = {0, 1, 8, 1u << 30};
    if (coll_build(&c, divs[(trial / 3) % 4], (trial / 7) % 2)) return 1;
    if (run_queries(&c, trial)) return 1;
    coll_free(&c);
  }
  k_cap = 1500;
  for (int trial = 0; trial < 4; trial++) {
    coll c = {0};
    coll_segments(&c, trial);
    if (coll_build(&c, trial < 2 ? 8 : 0, trial % 2)) return 1;
    if (run_queries(&c, trial)) return 1;
    coll_free(&c);
  }
  k_cap = UINT32_MAX;
  for (int trial = 0; trial < 6; trial++) {
    coll c = {0};
    coll_wide(&c, trial);
    if (coll_build(&c, trial % 2 ? 8 : 1, trial % 2)) return 1;
    CHECK(c.ixd.fd_t32 && !c.ixd.fd_t16, "document-major term ids: u32 for %u terms", c.n_terms);
    if (run_queries(&c, trial)) return 1;
    coll_free(&c);
  }
  printf("ok: %llu exact comparisons, %llu approximate checks\n", (unsigned long long)n_compared,
         (unsigned long long)n_approx);
  return 0;
}
