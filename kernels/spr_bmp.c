/* spr_bmp.c: Block-Max Pruning. Why it is shaped this way (docs/bmp.md has the measurements):
 * - Block bounds are Σ weight × block max, in 32-bit (SPR_BMP_TERMS_MAX keeps the sum in range).
 * - Blocks are visited in descending bound order through a lazily popped binary
 *   max-heap built in O(n): only the blocks actually visited pay a log n pop, no full sort.
 * - A block is skipped only when the threshold is STRICTLY greater than alpha × its bound: a doc
 *   in a block whose bound equals the k-th score could tie it and win on a lower docid.
 * - The threshold is the heap's k-th score when the heap is full, raised by a seed from the kth
 *   table: k docs hold term t with impact >= kth(t), so they score >= weight(t) × kth(t), a lower
 *   bound of the final k-th score. It can only skip blocks that could not enter the top k. */
#include "spr_bmp.h"
#include "spr_bmp_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- workspace ---- */

typedef struct spr_bmp_ws {
  uint32_t *acc;   /* SPR_BMP_BLOCK_MAX: one block's accumulators, kept all-zero between blocks */
  uint32_t *bound; /* n_blocks: block bounds */
  uint64_t *keys;  /* n_blocks: heap of (bound << 32 | ~id) */
  uint8_t *qw;     /* n_terms: dense query weights, zeroed per search */
  void *mt;        /* max_terms: one block's matched entries */
  spr_qterm *qt;   /* max_terms: the query terms, by id */
  spr_qterm *qb;   /* max_terms: the terms whose block maxima make the bounds (beta < 1), by id */
} spr_bmp_ws;

/* A search between spr_bmp_begin and spr_bmp_end, at the start of the workspace. */
typedef struct spr_bmp_state {
  const spr_bmp_index *ix;
  uint32_t max_terms;  /* the terms the scratch was laid out for */
  void *accel;         /* the accelerated search's state while it runs in steps, else NULL */
  spr_hit *out;        /* the caller's hits */
  uint32_t n_hits;     /* without steps: the hits of the finished search */
  spr_bmp_stats st;    /* without steps: its counters */
} spr_bmp_state;

/* The state: this header and the query terms; the accelerated search's state follows. */
static size_t spr_bmp_state_carve(uint32_t max_terms, void *base, spr_bmp_ws *w) {
  const size_t h = SPR_ALIGN8(sizeof(spr_bmp_state)), t = SPR_ALIGN8((size_t)max_terms * sizeof(spr_qterm));
  if (w && base) {
    w->qt = (spr_qterm *)((char *)base + h);
    w->qb = (spr_qterm *)((char *)base + h + t);
  }
  return h + 2 * t;
}

/* The scratch: the per-block path's arrays (none for the accelerated search, whose scratch follows). */
static size_t spr_bmp_scratch_carve(const spr_bmp_index *ix, uint32_t max_terms, void *base, spr_bmp_ws *w) {
  const int accel = ix->fd_off || ix->tp_pair;
  const size_t nb = accel ? 0 : ix->n_blocks ? ix->n_blocks : 1;
  const size_t sizes[5] = {accel ? 0 : SPR_BMP_BLOCK_MAX * sizeof(uint32_t), SPR_ALIGN8(nb * sizeof(uint32_t)),
                           nb * sizeof(uint64_t), accel ? 0 : SPR_ALIGN8(ix->n_terms), accel ? 0 : (size_t)max_terms * 16};
  void *ptrs[5];
  const size_t off = spr_bmp_carve(base, sizes, 5, ptrs);
  if (w) {
    w->acc = ptrs[0];
    w->bound = ptrs[1];
    w->keys = ptrs[2];
    w->qw = ptrs[3];
    w->mt = ptrs[4];
  }
  return off;
}

static int spr_bmp_accelerated(const spr_bmp_index *ix) { return ix->fd_off || ix->tp_pair; }

size_t spr_bmp_state_size(const spr_bmp_index *ix, uint32_t k, uint32_t max_terms) {
  return spr_bmp_state_carve(max_terms, NULL, NULL) +
         (spr_bmp_accelerated(ix) ? spr_bmp_accel_state_size(ix, k ? k : 1, max_terms) : 0);
}

size_t spr_bmp_scratch_size(const spr_bmp_index *ix, uint32_t max_terms) {
  return spr_bmp_scratch_carve(ix, max_terms, NULL, NULL) + (spr_bmp_accelerated(ix) ? spr_bmp_accel_scratch_size(ix) : 0);
}

size_t spr_bmp_workspace_size(const spr_bmp_index *ix, uint32_t k, uint32_t max_terms) {
  return spr_bmp_state_size(ix, k, max_terms) + spr_bmp_scratch_size(ix, max_terms);
}

/* ---- a max-heap of u64 keys ---- */

static void spr_bmp_sift(uint64_t *h, size_t n, size_t i) {
  const uint64_t x = h[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h[c + 1] > h[c]) c++;
    if (h[c] <= x) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}

static void spr_bmp_heapify(uint64_t *h, size_t n) {
  for (size_t i = n / 2; i-- > 0;) spr_bmp_sift(h, n, i);
}

static uint64_t spr_bmp_pop(uint64_t *h, size_t *n) {
  const uint64_t top = h[0];
  h[0] = h[--*n];
  if (*n > 1) spr_bmp_sift(h, *n, 0);
  return top;
}

static inline uint64_t spr_bmp_key(uint32_t bound, uint32_t id) {
  /* equal bounds pop lower ids (lower docids) first */
  return ((uint64_t)bound << 32) | (uint32_t)~id;
}

/* ---- query state ---- */

typedef struct spr_bmp_match {
  uint64_t e; /* entry index; after pass 2, start << 16 | count */
  uint32_t w, pad;
} spr_bmp_match;

typedef struct spr_bmp_query {
  const spr_bmp_index *ix;
  const spr_qterm *qt; /* the query terms, by id */
  uint32_t m;
  const spr_qterm *qb; /* the terms of the bounds (qt, or the heaviest of them when beta < 1), by id */
  uint32_t mb;
  uint32_t theta; /* seeded lower bound of the final k-th score */
  double alpha;
  int exact;      /* alpha == 1 */
  uint32_t doc_base;
  uint32_t *acc;
  uint8_t *qw; /* n_terms: weight of each selected query term, 0 elsewhere */
  spr_bmp_match *mt; /* m: one block's matched entries */
  spr_topk heap;
  spr_bmp_stats st;
} spr_bmp_query;

static inline uint32_t spr_bmp_thr(const spr_bmp_query *qs) {
  if (qs->heap.n == qs->heap.k && qs->heap.h[0].score > qs->theta) return qs->heap.h[0].score;
  return qs->theta;
}

/* 1 if nothing under bound can enter the top k (or, alpha < 1, is deemed unlikely to). */
static inline int spr_bmp_pruned(const spr_bmp_query *qs, uint32_t thr, uint32_t bound) {
  if (qs->exact) return thr > bound;
  return (double)thr > qs->alpha * (double)bound;
}

/* Score block b exactly from its forward entries and offer its documents to the heap. */
static void spr_bmp_score_block(spr_bmp_query *qs, uint32_t b) {
  const spr_bmp_index *ix = qs->ix;
  const uint32_t *terms = ix->fw_term;
  const uint64_t e1 = ix->fw_off[b + 1];
  const uint64_t pbase = ix->fw_post_off[b];
  const uint8_t *pd = ix->fw_doc + pbase, *pi = ix->fw_imp + pbase;
  uint32_t *acc = qs->acc;
  const uint8_t *qw = qs->qw;
  const uint64_t e0 = ix->fw_off[b];
  spr_bmp_match *mt = qs->mt;
  uint32_t nm = 0;
  /* Pass 1: find the block's entries of query terms. */
  if (e1 - e0 <= (uint64_t)qs->m * 48) {
    /* a linear scan against the dense query weights: sequential reads beat galloping's misses */
    for (uint64_t e = e0; e < e1; e++) {
      const uint32_t w = qw[terms[e]];
      if (w) mt[nm++] = (spr_bmp_match){e, w, 0};
    }
  } else {
    uint64_t lo = e0;
    for (uint32_t i = 0; i < qs->m && lo < e1; i++) {
      const uint32_t t = qs->qt[i].term;
      if (terms[lo] < t) {
        /* gallop: terms[lo] < t; find the first entry >= t */
        uint64_t step = 1, hi = lo + 1;
        while (hi < e1 && terms[hi] < t) {
          lo = hi;
          step <<= 1;
          hi = lo + step;
        }
        if (hi > e1) hi = e1;
        lo++;
        while (lo < hi) {
          const uint64_t mid = lo + (hi - lo) / 2;
          if (terms[mid] < t)
            lo = mid + 1;
          else
            hi = mid;
        }
        if (lo >= e1) break;
      }
      if (terms[lo] == t) mt[nm++] = (spr_bmp_match){lo++, qs->qt[i].weight, 0};
    }
  }
  /* Pass 2: the matched entries' (start, count) are independent loads, so their cache misses
   * overlap instead of each waiting for the previous entry's postings (the latency that
   * dominated block scoring before); the posting lines are prefetched for pass 3. */
  for (uint32_t i = 0; i < nm; i++) {
    const uint64_t e = mt[i].e;
    mt[i].e = ((uint64_t)ix->fw_start[e] << 16) | ix->fw_count[e];
    SPR_BMP_PF(pd + (mt[i].e >> 16));
    SPR_BMP_PF(pi + (mt[i].e >> 16));
  }
  /* Pass 3: accumulate. */
  for (uint32_t i = 0; i < nm; i++) {
    const uint32_t w = mt[i].w, st = (uint32_t)(mt[i].e >> 16), c = (uint32_t)(mt[i].e & 0xFFFF);
    for (uint32_t j = st; j < st + c; j++) acc[pd[j]] += w * pi[j];
    qs->st.postings_scored += c;
  }
  qs->st.blocks_scored++;
  const uint32_t first = b * ix->block_size;
  const uint32_t nd = ix->n_docs - first < ix->block_size ? ix->n_docs - first : ix->block_size;
  int any = 0;
  for (uint32_t d = 0; d < nd; d++) {
    const uint32_t s = acc[d];
    if (!s) continue;
    acc[d] = 0;
    any = 1;
    const spr_hit h = {s, qs->doc_base + first + d};
    if (qs->heap.n == qs->heap.k && !spr_hit_before(h, qs->heap.h[0])) continue;
    spr_topk_push(&qs->heap, h);
  }
  qs->st.blocks_nonzero += (uint64_t)any;
}

/* Plain BMP: a dense bound per block, then blocks in descending bound order. */
static void spr_bmp_run_blocks(spr_bmp_query *qs, const spr_bmp_ws *w) {
  const spr_bmp_index *ix = qs->ix;
  uint32_t *bound = w->bound;
  memset(bound, 0, (size_t)ix->n_blocks * sizeof *bound);
  for (uint32_t i = 0; i < qs->mb; i++) {
    const uint32_t t = qs->qb[i].term, wt = qs->qb[i].weight;
    const uint64_t e1 = ix->bm_off[t + 1];
    for (uint64_t e = ix->bm_off[t]; e < e1; e++) bound[ix->bm_block[e]] += wt * ix->bm_max[e];
  }
  size_t nc = 0;
  for (uint32_t b = 0; b < ix->n_blocks; b++)
    if (bound[b] && !spr_bmp_pruned(qs, qs->theta, bound[b])) w->keys[nc++] = spr_bmp_key(bound[b], b);
  spr_bmp_heapify(w->keys, nc);
  while (nc) {
    if (spr_bmp_pruned(qs, spr_bmp_thr(qs), (uint32_t)(w->keys[0] >> 32))) break;
    const uint64_t top = spr_bmp_pop(w->keys, &nc);
    spr_bmp_score_block(qs, ~(uint32_t)top);
  }
}

static int spr_bmp_cmp_term(const void *a, const void *b) {
  const spr_qterm *x = a, *y = b;
  return x->term < y->term ? -1 : x->term > y->term;
}

static int spr_bmp_cmp_heavy(const void *a, const void *b) {
  const spr_qterm *x = a, *y = b;
  if (x->weight != y->weight) return x->weight > y->weight ? -1 : 1;
  return x->term < y->term ? -1 : x->term > y->term;
}

int64_t spr_bmp_begin(const spr_bmp_index *ix, const spr_qterm *q, uint32_t n, const spr_bmp_params *p,
                      uint32_t doc_base, void *state, void *scratch, spr_hit *out) {
  if (!ix || !p || (n && !q) || !state || !scratch)
    return SPR_FAIL(SPR_EINVAL, "spr_bmp_begin: NULL index, params, query, state or scratch");
  if (!(p->alpha > 0) || !isfinite(p->alpha) || !(p->beta > 0) || !(p->beta <= 1))
    return SPR_FAIL(SPR_EINVAL, "alpha %g must be > 0 and beta %g in (0, 1]", p->alpha, p->beta);
  spr_bmp_state *const S = state;
  memset(S, 0, sizeof *S);
  S->out = out;
  S->ix = ix;
  S->max_terms = n;
  if (p->k == 0 || n == 0) return 0;
  spr_bmp_ws w;
  const size_t st_own = spr_bmp_state_carve(n, state, &w), sc_own = spr_bmp_scratch_carve(ix, n, scratch, &w);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (q[i].weight > 255) return SPR_FAIL(SPR_EINVAL, "query term %u: weight %u > 255", q[i].term, q[i].weight);
    if (q[i].term < ix->n_terms && q[i].weight > 0) w.qt[m++] = q[i];
  }
  if (m > SPR_BMP_TERMS_MAX)
    return SPR_FAIL(SPR_EINVAL, "%u query terms: at most %u fit 32-bit scores", m, SPR_BMP_TERMS_MAX);
  qsort(w.qt, m, sizeof *w.qt, spr_bmp_cmp_term);
  for (uint32_t i = 1; i < m; i++)
    if (w.qt[i].term == w.qt[i - 1].term) return SPR_FAIL(SPR_EINVAL, "duplicate query term %u", w.qt[i].term);
  if (m == 0 || ix->n_blocks == 0) return 0;
  /* beta < 1: the bounds come from the ceil(beta x m) heaviest terms only (cheaper, lower, so more
   * blocks are pruned); the blocks visited are still scored with every term */
  const spr_qterm *qb = w.qt;
  uint32_t mb = m;
  if (p->beta < 1) {
    uint32_t keep = (uint32_t)ceil(p->beta * (double)m);
    if (keep < 1) keep = 1;
    if (keep < m) {
      memcpy(w.qb, w.qt, (size_t)m * sizeof *w.qb);
      qsort(w.qb, m, sizeof *w.qb, spr_bmp_cmp_heavy);
      qsort(w.qb, keep, sizeof *w.qb, spr_bmp_cmp_term);
      qb = w.qb;
      mb = keep;
    }
  }

  spr_bmp_query qs = {.ix = ix, .qt = w.qt, .m = m, .qb = qb, .mb = mb, .alpha = p->alpha, .exact = p->alpha == 1.0,
                      .doc_base = doc_base, .acc = w.acc, .qw = w.qw, .mt = w.mt};
  if (!ix->fd_off && !ix->tp_pair) { /* the per-block path's accumulators and dense query weights */
    memset(w.acc, 0, SPR_BMP_BLOCK_MAX * sizeof *w.acc);
    memset(w.qw, 0, ix->n_terms);
    for (uint32_t i = 0; i < m; i++) w.qw[w.qt[i].term] = (uint8_t)w.qt[i].weight;
  }
  spr_topk_init(&qs.heap, out, p->k);
  if (ix->kth && p->k <= 1000) {
    const uint32_t slot = p->k <= 10 ? 0 : p->k <= 100 ? 1 : 2;
    for (uint32_t i = 0; i < m; i++) {
      const uint32_t v = w.qt[i].weight * ix->kth[(size_t)w.qt[i].term * 3 + slot];
      if (v > qs.theta) qs.theta = v;
    }
  }
  if (ix->fd_off || ix->tp_pair) { /* in steps; its hits come sorted: no heap */
    S->accel = (char *)state + st_own;
    return spr_bmp_accel_begin(ix, w.qt, m, qb, mb, p->alpha, qs.theta, doc_base, p->parts, S->accel,
                               (char *)scratch + sc_own, p->k);
  }
  spr_bmp_run_blocks(&qs, &w);
  S->st = qs.st;
  S->n_hits = spr_topk_sort(&qs.heap);
  return 0;
}

int spr_bmp_step(void *state, void *scratch, uint32_t floor) {
  const spr_bmp_state *const S = state;
  if (!S->accel) return 0;
  return spr_bmp_accel_step(S->accel, (char *)scratch + spr_bmp_scratch_carve(S->ix, S->max_terms, NULL, NULL), floor);
}

uint32_t spr_bmp_scores(void *state, uint32_t k, uint32_t *sc) {
  const spr_bmp_state *const S = state;
  if (S->accel) return spr_bmp_accel_scores(S->accel, sc);
  for (uint32_t i = 0; i < k; i++) sc[i] = i < S->n_hits ? S->out[i].score : 0;
  return S->n_hits < k ? S->n_hits : k;
}

uint32_t spr_bmp_end(void *state, spr_bmp_stats *st) {
  spr_bmp_state *const S = state;
  if (S->accel) {
    S->n_hits = spr_bmp_accel_end(S->accel, S->out, st);
    S->accel = NULL;
    return S->n_hits;
  }
  if (st) {
    st->blocks_scored += S->st.blocks_scored;
    st->blocks_nonzero += S->st.blocks_nonzero;
    st->postings_scored += S->st.postings_scored;
  }
  memset(&S->st, 0, sizeof S->st);
  return S->n_hits;
}

int64_t spr_bmp_search(const spr_bmp_index *ix, const spr_qterm *q, uint32_t n, const spr_bmp_params *p,
                       uint32_t doc_base, void *workspace, spr_hit *out, spr_bmp_stats *st) {
  if (!ix || !workspace) return SPR_FAIL(SPR_EINVAL, "spr_bmp_search: NULL index or workspace");
  void *const scratch = (char *)workspace + spr_bmp_state_size(ix, p ? p->k : 1, n);
  const int64_t r = spr_bmp_begin(ix, q, n, p, doc_base, workspace, scratch, out);
  if (r < 0) return r;
  while (r && spr_bmp_step(workspace, scratch, 0)) {
  }
  return spr_bmp_end(workspace, st);
}

/* ---- validation ---- */

#define SPR_BAD(...) SPR_FAIL(SPR_ECORRUPT, __VA_ARGS__)

int spr_bmp_index_check(const spr_bmp_index *ix) {
  if (!ix) return SPR_BAD("bmp: NULL index");
  if (!spr_bmp_bs_ok(ix->block_size)) return SPR_BAD("bmp: block size %u outside [%u, %u]", ix->block_size, SPR_BMP_BLOCK_MIN, SPR_BMP_BLOCK_MAX);
  if ((uint64_t)ix->n_blocks != ((uint64_t)ix->n_docs + ix->block_size - 1) / ix->block_size)
    return SPR_BAD("bmp: %u blocks for %u docs in blocks of %u", ix->n_blocks, ix->n_docs, ix->block_size);
  if (!ix->bm_off || !ix->fw_off || !ix->fw_post_off) return SPR_BAD("bmp: offset array missing");
  if (ix->bm_off[0] != 0) return SPR_BAD("bmp: block-max offsets start at %llu", (unsigned long long)ix->bm_off[0]);
  /* offsets first, whole: the arrays hold bm_off[n_terms] / fw_off[n_blocks] / fw_post_off[n_blocks]
   * entries, so only monotone offsets keep every later access inside them */
  for (uint32_t t = 0; t < ix->n_terms; t++)
    if (ix->bm_off[t + 1] < ix->bm_off[t]) return SPR_BAD("bmp: term %u: block-max offsets decrease", t);
  for (uint32_t b = 0; b < ix->n_blocks; b++)
    if (ix->fw_off[b + 1] < ix->fw_off[b] || ix->fw_post_off[b + 1] < ix->fw_post_off[b])
      return SPR_BAD("bmp: block %u: forward offsets decrease", b);
  if (ix->bm_off[ix->n_terms] && (!ix->bm_block || !ix->bm_max)) return SPR_BAD("bmp: block-max array missing");
  for (uint32_t t = 0; t < ix->n_terms; t++) {
    const uint64_t e0 = ix->bm_off[t], e1 = ix->bm_off[t + 1];
    if (e1 < e0) return SPR_BAD("bmp: term %u: block-max offsets decrease", t);
    if (e1 - e0 > ix->n_blocks) return SPR_BAD("bmp: term %u: %llu block maxima for %u blocks", t, (unsigned long long)(e1 - e0), ix->n_blocks);
    for (uint64_t e = e0; e < e1; e++) {
      if (ix->bm_block[e] >= ix->n_blocks) return SPR_BAD("bmp: term %u: block %u >= %u", t, ix->bm_block[e], ix->n_blocks);
      if (e > e0 && ix->bm_block[e] <= ix->bm_block[e - 1])
        return SPR_BAD("bmp: term %u: block %u after %u", t, ix->bm_block[e], ix->bm_block[e - 1]);
      if (!ix->bm_max[e]) return SPR_BAD("bmp: term %u block %u: max 0", t, ix->bm_block[e]);
    }
    if (ix->kth && (ix->kth[3 * (size_t)t] < ix->kth[3 * (size_t)t + 1] || ix->kth[3 * (size_t)t + 1] < ix->kth[3 * (size_t)t + 2]))
      return SPR_BAD("bmp: term %u: kth impacts increase", t);
  }
  if (ix->fw_off[0] != 0 || ix->fw_post_off[0] != 0) return SPR_BAD("bmp: forward offsets do not start at 0");
  if (ix->fw_off[ix->n_blocks] && (!ix->fw_term || !ix->fw_start || !ix->fw_count)) return SPR_BAD("bmp: forward entry array missing");
  if (ix->fw_post_off[ix->n_blocks] && (!ix->fw_doc || !ix->fw_imp)) return SPR_BAD("bmp: forward posting array missing");
  for (uint32_t b = 0; b < ix->n_blocks; b++) {
    const uint64_t e0 = ix->fw_off[b], e1 = ix->fw_off[b + 1];
    const uint64_t p0 = ix->fw_post_off[b], p1 = ix->fw_post_off[b + 1];
    if (e1 < e0 || p1 < p0) return SPR_BAD("bmp: block %u: forward offsets decrease", b);
    const uint32_t first = b * ix->block_size;
    const uint32_t nd = ix->n_docs - first < ix->block_size ? ix->n_docs - first : ix->block_size;
    if (e1 - e0 > ix->n_terms) return SPR_BAD("bmp: block %u: %llu entries for %u terms", b, (unsigned long long)(e1 - e0), ix->n_terms);
    if (p1 - p0 > (uint64_t)nd * (e1 - e0)) return SPR_BAD("bmp: block %u: %llu postings", b, (unsigned long long)(p1 - p0));
    for (uint64_t e = e0; e < e1; e++) {
      const uint32_t t = ix->fw_term[e];
      if (t >= ix->n_terms) return SPR_BAD("bmp: block %u: term %u >= %u", b, t, ix->n_terms);
      if (e > e0 && t <= ix->fw_term[e - 1]) return SPR_BAD("bmp: block %u: term %u after %u", b, t, ix->fw_term[e - 1]);
      const uint64_t s = ix->fw_start[e], c = ix->fw_count[e];
      if (c == 0) return SPR_BAD("bmp: block %u term %u: count 0", b, t);
      if (s + c > p1 - p0) return SPR_BAD("bmp: block %u term %u: postings [%llu, %llu) beyond %llu", b, t, (unsigned long long)s, (unsigned long long)(s + c), (unsigned long long)(p1 - p0));
      for (uint64_t i = p0 + s; i < p0 + s + c; i++) {
        if (ix->fw_doc[i] >= nd) return SPR_BAD("bmp: block %u term %u: doc %u >= %u", b, t, ix->fw_doc[i], nd);
        if (i > p0 + s && ix->fw_doc[i] <= ix->fw_doc[i - 1]) return SPR_BAD("bmp: block %u term %u: doc %u after %u", b, t, ix->fw_doc[i], ix->fw_doc[i - 1]);
        if (!ix->fw_imp[i]) return SPR_BAD("bmp: block %u term %u doc %u: impact 0", b, t, ix->fw_doc[i]);
      }
    }
  }
  return 0;
}

size_t spr_bmp_check_workspace_size(const spr_bmp_index *ix) { return ((size_t)ix->n_terms + 1) * sizeof(uint64_t); }

int spr_bmp_index_check_consistency(const spr_bmp_index *ix, void *workspace) {
  uint64_t *cur = workspace;
  for (uint32_t t = 0; t < ix->n_terms; t++) cur[t] = ix->bm_off[t];
  for (uint32_t b = 0; b < ix->n_blocks; b++) {
    const uint64_t p0 = ix->fw_post_off[b];
    for (uint64_t e = ix->fw_off[b]; e < ix->fw_off[b + 1]; e++) {
      const uint32_t t = ix->fw_term[e];
      uint8_t mx = 0;
      for (uint64_t i = p0 + ix->fw_start[e]; i < p0 + ix->fw_start[e] + ix->fw_count[e]; i++)
        if (ix->fw_imp[i] > mx) mx = ix->fw_imp[i];
      if (cur[t] >= ix->bm_off[t + 1] || ix->bm_block[cur[t]] != b)
        return SPR_BAD("bmp: term %u has postings in block %u but no block max there", t, b);
      if (ix->bm_max[cur[t]] != mx) return SPR_BAD("bmp: term %u block %u: max %u, postings say %u", t, b, ix->bm_max[cur[t]], mx);
      cur[t]++;
    }
  }
  for (uint32_t t = 0; t < ix->n_terms; t++) {
    if (cur[t] != ix->bm_off[t + 1])
      return SPR_BAD("bmp: term %u: block max for block %u without postings", t, ix->bm_block[cur[t]]);
    if (ix->kth) {
      uint8_t mx = 0;
      for (uint64_t e = ix->bm_off[t]; e < ix->bm_off[t + 1]; e++)
        if (ix->bm_max[e] > mx) mx = ix->bm_max[e];
      if (ix->kth[3 * (size_t)t] > mx) return SPR_BAD("bmp: term %u: 10th impact %u > max %u", t, ix->kth[3 * (size_t)t], mx);
    }
  }
  return 0;
}
