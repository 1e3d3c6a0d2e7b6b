/* spr_bp.c: recursive graph bisection (see spr_bp.h for the exact algorithm).
 *
 * Parallelism. The top of the recursion has few, large parts: there all threads of the team work
 * on one bisection at a time (gains in an `omp for`, the two sides sorted as two sections). Once
 * there are at least twice as many parts as threads, each part's whole subtree goes to one thread
 * (`omp for schedule(dynamic)`), which recurses depth-first with its own degree arrays. Every step
 * is a deterministic function of the part's contents, so the split between the two phases (which
 * depends on the thread count) never changes the result.
 *
 * Memory: the workspace holds the log2 table (n + 3 doubles), one key (16 bytes), one u32 and one
 * byte per document, and two u32 degree arrays over the vocabulary per thread. Degree arrays are
 * zero between bisections; a bisection clears only the terms of its own documents, so small parts
 * never pay O(vocabulary). */
#include "spr_bp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

void spr_bp_log2_table(double *lg, uint64_t n) {
  if (n) lg[0] = 0;
  for (uint64_t i = 1; i < n; i++) lg[i] = log2((double)i);
}

double spr_bp_move_gain(uint32_t d_from, uint32_t d_to, uint64_t n_from, uint64_t n_to, const double *lg) {
  const double before = (double)d_from * (lg[n_from] - lg[d_from + 1]) + (double)d_to * (lg[n_to] - lg[d_to + 1]);
  const double after =
      (double)(d_from - 1) * (lg[n_from] - lg[d_from]) + (double)(d_to + 1) * (lg[n_to] - lg[d_to + 2]);
  return before - after;
}

double spr_bp_doc_gain(const uint32_t *terms, size_t n, const uint32_t *deg_from, const uint32_t *deg_to,
                       uint64_t n_from, uint64_t n_to, const double *lg) {
  double g = 0;
  for (size_t i = 0; i < n; i++) g += spr_bp_move_gain(deg_from[terms[i]], deg_to[terms[i]], n_from, n_to, lg);
  return g;
}

int spr_bp_key_before(const spr_bp_key *a, const spr_bp_key *b) {
  if (a->gain != b->gain) return a->gain > b->gain;
  return a->pos < b->pos;
}

static int spr_bp_key_cmp(const void *x, const void *y) {
  const spr_bp_key *a = x, *b = y;
  if (a->gain != b->gain) return a->gain > b->gain ? -1 : 1;
  return (a->pos > b->pos) - (a->pos < b->pos);
}

void spr_bp_keys_sort(spr_bp_key *keys, size_t n) {
  if (n > 1) qsort(keys, n, sizeof *keys, spr_bp_key_cmp);
}

uint64_t spr_bp_swap_count(const spr_bp_key *a, uint64_t na, const spr_bp_key *b, uint64_t nb) {
  const uint64_t m = na < nb ? na : nb;
  uint64_t k = 0;
  while (k < m && a[k].gain + b[k].gain > 0) k++;
  return k;
}

#define SPR_BP_ALIGN(x) (((x) + 7u) & ~(size_t)7u)

/* Parts below this size are not worth the team's barriers (on a busy machine a spinning barrier
 * can cost a time slice): they go straight to one thread each. */
#define SPR_BP_TEAM_MIN_DOCS 16384u

/* Levels done by the whole team: until there are 2 parts per thread, while parts stay large. */
static uint32_t spr_bp_team_levels(int nth, uint64_t n, uint32_t team_min) {
  uint32_t L = 0;
  while ((1ull << L) < 2ull * (uint64_t)nth && (n >> L) >= team_min) L++;
  return L;
}

static uint32_t spr_bp_team_levels_max(int nth) { /* bound for the workspace */
  uint32_t L = 0;
  while ((1ull << L) < 2ull * (uint64_t)nth) L++;
  return L;
}

size_t spr_bp_workspace_size(uint64_t n_docs, uint32_t n_terms, int n_threads) {
  const size_t nth = n_threads > 0 ? (size_t)n_threads : 1;
  const size_t parts = (size_t)1 << spr_bp_team_levels_max((int)nth);
  return SPR_BP_ALIGN((n_docs + 3) * sizeof(double)) + SPR_BP_ALIGN(n_docs * sizeof(spr_bp_key)) +
         SPR_BP_ALIGN(n_docs * sizeof(uint32_t)) + SPR_BP_ALIGN(n_docs) +
         SPR_BP_ALIGN(nth * 2 * (size_t)n_terms * sizeof(uint32_t)) + 2 * SPR_BP_ALIGN(parts * 2 * sizeof(uint64_t));
}

typedef struct spr_bp_ctx {
  const spr_bp_params *p;
  const uint64_t *off;
  const uint32_t *terms;
  uint32_t T;
  uint32_t *perm;   /* perm[position] = document */
  uint32_t *tmp;    /* partition scratch */
  spr_bp_key *keys; /* per position: keys[b, b+na) side A's set, keys[b+na, e) side B's */
  uint8_t *side;    /* per position: 0 = A, 1 = B */
  const double *lg;
  uint32_t *deg;    /* per thread: 2 * T, zero between bisections */
  uint64_t k;       /* team phase: the swap count of the current round (shared) */
} spr_bp_ctx;

static void spr_bp_degrees(const spr_bp_ctx *c, uint32_t doc, uint32_t *d, int delta) {
  for (uint64_t i = c->off[doc]; i < c->off[doc + 1]; i++) d[c->terms[i]] += (uint32_t)delta;
}

/* Bisection steps shared by the team and the sequential paths. */
static void spr_bp_init(spr_bp_ctx *c, uint64_t b, uint64_t e, uint32_t *dA, uint32_t *dB) {
  const uint64_t n = e - b, na = spr_bp_left_size(n);
  for (uint64_t j = 0; j < n; j++) {
    c->side[b + j] = j >= na;
    c->keys[b + j].pos = (uint32_t)j;
    c->keys[b + j].reserved = 0;
    spr_bp_degrees(c, c->perm[b + j], j < na ? dA : dB, 1);
  }
}

static void spr_bp_gain(spr_bp_ctx *c, uint64_t b, uint64_t j, uint64_t na, uint64_t nb, const uint32_t *dA,
                        const uint32_t *dB) {
  spr_bp_key *k = &c->keys[b + j];
  const uint32_t doc = c->perm[b + k->pos];
  const uint32_t *t = c->terms + c->off[doc];
  const size_t nt = (size_t)(c->off[doc + 1] - c->off[doc]);
  k->gain = c->side[b + k->pos] == 0 ? spr_bp_doc_gain(t, nt, dA, dB, na, nb, c->lg)
                                     : spr_bp_doc_gain(t, nt, dB, dA, nb, na, c->lg);
}

/* Swap the first k pairs of the sorted sides; sides and degrees follow. */
static void spr_bp_swap(spr_bp_ctx *c, uint64_t b, uint64_t na, uint64_t k, uint32_t *dA, uint32_t *dB) {
  for (uint64_t i = 0; i < k; i++) {
    spr_bp_key *ka = &c->keys[b + i], *kb = &c->keys[b + na + i];
    const uint32_t da = c->perm[b + ka->pos], db = c->perm[b + kb->pos];
    spr_bp_degrees(c, da, dA, -1);
    spr_bp_degrees(c, da, dB, 1);
    spr_bp_degrees(c, db, dB, -1);
    spr_bp_degrees(c, db, dA, 1);
    c->side[b + ka->pos] = 1;
    c->side[b + kb->pos] = 0;
    const spr_bp_key t = *ka;
    *ka = *kb;
    *kb = t;
  }
}

/* Stable partition by side; clear the degrees of the part's terms. */
static void spr_bp_finish(spr_bp_ctx *c, uint64_t b, uint64_t e, uint32_t *dA, uint32_t *dB) {
  uint64_t w = b;
  for (int s = 0; s < 2; s++)
    for (uint64_t j = b; j < e; j++)
      if (c->side[j] == s) c->tmp[w++] = c->perm[j];
  memcpy(c->perm + b, c->tmp + b, (size_t)(e - b) * sizeof *c->perm);
  for (uint64_t j = b; j < e; j++) {
    const uint32_t doc = c->perm[j];
    for (uint64_t i = c->off[doc]; i < c->off[doc + 1]; i++) dA[c->terms[i]] = dB[c->terms[i]] = 0;
  }
}

static int spr_bp_splits(const spr_bp_ctx *c, uint64_t n) { return n >= 2 && n > c->p->min_docs; }

/* One thread: bisect [b, e) and recurse. */
static void spr_bp_seq(spr_bp_ctx *c, uint64_t b, uint64_t e, uint32_t *dA, uint32_t *dB) {
  const uint64_t n = e - b, na = spr_bp_left_size(n), nb = n - na;
  if (!spr_bp_splits(c, n)) return;
  spr_bp_init(c, b, e, dA, dB);
  for (uint32_t it = 0; it < c->p->iterations; it++) {
    for (uint64_t j = 0; j < n; j++) spr_bp_gain(c, b, j, na, nb, dA, dB);
    spr_bp_keys_sort(c->keys + b, na);
    spr_bp_keys_sort(c->keys + b + na, nb);
    const uint64_t k = spr_bp_swap_count(c->keys + b, na, c->keys + b + na, nb);
    if (k == 0) break;
    spr_bp_swap(c, b, na, k, dA, dB);
  }
  spr_bp_finish(c, b, e, dA, dB);
  spr_bp_seq(c, b, b + na, dA, dB);
  spr_bp_seq(c, b + na, e, dA, dB);
}

/* Every thread of the team calls this with the same part: bisect [b, e) (no recursion). */
static void spr_bp_team(spr_bp_ctx *c, uint64_t b, uint64_t e) {
  const uint64_t n = e - b, na = spr_bp_left_size(n), nb = n - na;
  uint32_t *dA = c->deg, *dB = c->deg + c->T; /* thread 0's slot, shared by the team */
#pragma omp single
  spr_bp_init(c, b, e, dA, dB);
  for (uint32_t it = 0; it < c->p->iterations; it++) {
#pragma omp for schedule(static)
    for (uint64_t j = 0; j < n; j++) spr_bp_gain(c, b, j, na, nb, dA, dB);
#pragma omp sections
    {
#pragma omp section
      spr_bp_keys_sort(c->keys + b, na);
#pragma omp section
      spr_bp_keys_sort(c->keys + b + na, nb);
    }
#pragma omp single
    {
      c->k = spr_bp_swap_count(c->keys + b, na, c->keys + b + na, nb);
      spr_bp_swap(c, b, na, c->k, dA, dB);
    }
    if (c->k == 0) break; /* read after the single's barrier, before the next round can write it */
  }
#pragma omp single
  spr_bp_finish(c, b, e, dA, dB);
}

int spr_bp_order(const spr_bp_params *p, uint64_t n_docs, const uint64_t *off, const uint32_t *terms,
                 uint32_t n_terms, uint32_t *perm, void *work, size_t work_size, int n_threads) {
  if (!p || p->iterations < 1 || p->min_docs < 1 || n_threads < 1)
    return SPR_FAIL(SPR_EINVAL, "bp: bad parameters");
  if (n_docs >= UINT32_MAX) return SPR_FAIL(SPR_EINVAL, "bp: %llu documents (at most 2^32-2)", (unsigned long long)n_docs);
  if (work_size < spr_bp_workspace_size(n_docs, n_terms, n_threads) || ((uintptr_t)work & 7u))
    return SPR_FAIL(SPR_EINVAL, "bp: workspace too small or misaligned");
  for (uint64_t d = 0; d < n_docs; d++) {
    if (off[d + 1] < off[d]) return SPR_FAIL(SPR_EINVAL, "bp: document %llu: decreasing offsets", (unsigned long long)d);
    for (uint64_t i = off[d]; i < off[d + 1]; i++)
      if (terms[i] >= n_terms)
        return SPR_FAIL(SPR_EINVAL, "bp: document %llu: term %u >= %u", (unsigned long long)d, terms[i], n_terms);
  }
  for (uint64_t j = 0; j < n_docs; j++) perm[j] = (uint32_t)j;
  if (n_docs < 2) return SPR_OK;

  const int nth = n_threads;
  const size_t nparts = (size_t)1 << spr_bp_team_levels_max(nth);
  char *w = work;
  double *lg = (double *)w;
  w += SPR_BP_ALIGN((n_docs + 3) * sizeof(double));
  spr_bp_key *keys = (spr_bp_key *)w;
  w += SPR_BP_ALIGN(n_docs * sizeof(spr_bp_key));
  uint32_t *tmp = (uint32_t *)w;
  w += SPR_BP_ALIGN(n_docs * sizeof(uint32_t));
  uint8_t *side = (uint8_t *)w;
  w += SPR_BP_ALIGN(n_docs);
  uint32_t *deg = (uint32_t *)w;
  w += SPR_BP_ALIGN((size_t)nth * 2 * (size_t)n_terms * sizeof(uint32_t));
  uint64_t *cur = (uint64_t *)w;
  w += SPR_BP_ALIGN(nparts * 2 * sizeof(uint64_t));
  uint64_t *next = (uint64_t *)w;

  spr_bp_log2_table(lg, n_docs + 3);
  memset(deg, 0, (size_t)nth * 2 * (size_t)n_terms * sizeof *deg);
  spr_bp_ctx c = {.p = p, .off = off, .terms = terms, .T = n_terms, .perm = perm, .tmp = tmp, .keys = keys,
                  .side = side, .lg = lg, .deg = deg};
  size_t ncur = 1;
  cur[0] = 0, cur[1] = n_docs;
  const uint32_t team_min = p->team_min_docs ? p->team_min_docs : SPR_BP_TEAM_MIN_DOCS;
  const uint32_t team_levels = nth > 1 ? spr_bp_team_levels(nth, n_docs, team_min) : 0;
  const int threads = team_levels > 0 ? nth : 1; /* without team levels there is one part */
#pragma omp parallel num_threads(threads)
  {
    /* phase 1: the team on one part at a time, level by level */
    for (uint32_t lev = 0; lev < team_levels; lev++) {
      for (size_t q = 0; q < ncur; q++)
        if (spr_bp_splits(&c, cur[2 * q + 1] - cur[2 * q])) spr_bp_team(&c, cur[2 * q], cur[2 * q + 1]);
#pragma omp barrier /* everyone is done reading cur before it is replaced */
#pragma omp single
      {
        size_t m = 0;
        for (size_t q = 0; q < ncur; q++) {
          const uint64_t b = cur[2 * q], e = cur[2 * q + 1];
          if (spr_bp_splits(&c, e - b)) {
            const uint64_t mid = b + spr_bp_left_size(e - b);
            next[2 * m] = b, next[2 * m + 1] = mid, m++;
            next[2 * m] = mid, next[2 * m + 1] = e, m++;
          } else {
            next[2 * m] = b, next[2 * m + 1] = e, m++;
          }
        }
        memcpy(cur, next, m * 2 * sizeof *cur);
        ncur = m;
      }
    }
    /* phase 2: each part's subtree on one thread */
#ifdef _OPENMP
    const int ith = omp_get_thread_num();
#else
    const int ith = 0;
#endif
    uint32_t *dA = deg + (size_t)ith * 2 * n_terms, *dB = dA + n_terms;
#pragma omp for schedule(dynamic, 1)
    for (size_t q = 0; q < ncur; q++) spr_bp_seq(&c, cur[2 * q], cur[2 * q + 1], dA, dB);
  }
  return SPR_OK;
}
