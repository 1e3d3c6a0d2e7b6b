/* spr_reorder.c: document reordering by recursive graph bisection across ranks (docs/reorder.md).
 *
 * The order is the one kernels/spr_bp.h specifies for the whole collection on one thread; this file
 * computes its top levels with all ranks cooperating and then lets each rank finish whole parts with
 * the kernel:
 * 1. Cooperative levels (SPR_REORDER_LEVELS, or more with many ranks). Documents stay where the
 *    build read them. For each part of the level, in order, every round: each rank counts the
 *    degrees of its own documents of the part, one sum reduction gives the part's integer degrees,
 *    each rank computes its documents' gains with the kernel's own function, and the (gain, pos) keys
 *    of both sides are gathered on every rank, which all sort them the same way and take the same
 *    swap count: the same swaps as one rank makes. Positions after the split are the kernel's stable
 *    partition. Coordination costs 16 bytes per document of the part on every rank; postings never
 *    move during these levels.
 * 2. Redistribution: each part goes whole to one rank (by where its middle falls in the new order),
 *    with its documents' ids, lengths, lines, terms and impacts (one alltoallv).
 * 3. Local levels: spr_bp_order on each part the rank received, in pos order.
 * Because the cooperative steps are the kernel's steps computed from the same integers, the number
 * of cooperative levels (which grows with the rank count) never changes the order. */
#include "spr_reorder.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "spr_bp.h"
#include "spr_progress.h"

#define SPR_REORDER_LEVELS 2u /* cooperative levels at least (more with more ranks) */

typedef struct spr_rpart { /* a part of the current level, identical on every rank */
  uint64_t start;          /* its first position in the final order */
  uint64_t n;
} spr_rpart;

typedef struct spr_rec_hdr { /* a document on its way to the rank that finishes its part */
  uint32_t part, pos, orig, dl;
  uint64_t line;
  uint32_t id_len, nt;
} spr_rec_hdr;
_Static_assert(sizeof(spr_rec_hdr) == 32, "record header");

static size_t spr_rec_size(uint32_t id_len, uint32_t nt) {
  return (sizeof(spr_rec_hdr) + id_len + (size_t)nt * 5 + 7) & ~(size_t)7;
}

/* The shared state of the cooperative levels on one rank. */
typedef struct spr_coop {
  const spr_comm *c;
  const spr_build_local *l;
  uint32_t T;
  const spr_bp_params *bp;
  uint32_t *part, *pos; /* per local document */
  uint8_t *side;
  const double *lg;      /* log2 table, N + 3 entries */
  uint32_t *deg;         /* 2T: A then B */
  uint64_t *deg64;       /* 2T: the reduction buffer */
  uint32_t *tdeg;        /* nth x 2T: per-thread local counts */
  int nth;
  spr_bp_key *keys;      /* per local document of the part */
  spr_bp_key *ka, *kb;   /* this rank's A / B keys */
} spr_coop;

static int spr_gather_keys(const spr_comm *c, const spr_bp_key *mine, size_t n, uint64_t want, spr_bp_key **all) {
  void *out = NULL;
  size_t len = 0;
  SPR_TRY(spr_mpi_allgatherv(c, mine, n * sizeof *mine, &out, &len, NULL));
  if (len != want * sizeof(spr_bp_key)) {
    free(out);
    return SPR_FAIL(SPR_EINVAL, "reorder: gathered %zu keys, expected %" PRIu64, len / sizeof(spr_bp_key), want);
  }
  *all = out;
  return SPR_OK;
}

/* Collective. Bisect part q (nq documents; this rank holds docs[0, m)) and give its documents their
 * side (0 = A) in s->side. */
static int spr_coop_bisect(spr_coop *s, uint64_t nq, const uint64_t *docs, uint64_t m) {
  const spr_build_local *l = s->l;
  const uint64_t na = spr_bp_left_size(nq), nb = nq - na;
  const uint32_t T = s->T;
  for (uint64_t j = 0; j < m; j++) s->side[docs[j]] = s->pos[docs[j]] >= na;
  int rc = SPR_OK;
  for (uint32_t it = 0; it < s->bp->iterations; it++) {
    /* local degrees: each thread counts a share of the documents into its own u32 arrays (s->tdeg),
     * then the shares are summed per term (integers: any split gives the same counts) */
    const size_t T2 = 2 * (size_t)T;
#pragma omp parallel num_threads(s->nth) if (m >= 8192)
    {
#ifdef _OPENMP
      const int ith = omp_get_thread_num(), nth = omp_get_num_threads();
#else
      const int ith = 0, nth = 1;
#endif
      uint32_t *td = s->tdeg + (size_t)ith * T2;
      memset(td, 0, T2 * sizeof *td);
      const uint64_t j0 = m * (uint64_t)ith / (uint64_t)nth, j1 = m * (uint64_t)(ith + 1) / (uint64_t)nth;
      for (uint64_t j = j0; j < j1; j++) {
        const uint64_t d = docs[j];
        uint32_t *dd = td + (s->side[d] ? T : 0);
        for (uint64_t i = l->post_off[d]; i < l->post_off[d + 1]; i++) dd[l->tid[i]]++;
      }
#pragma omp barrier
#pragma omp for schedule(static)
      for (size_t t = 0; t < T2; t++) {
        uint64_t sum = 0;
        for (int h = 0; h < nth; h++) sum += s->tdeg[(size_t)h * T2 + t];
        s->deg64[t] = sum;
      }
    }
    SPR_TRY(spr_mpi_sum_u64(s->c, s->deg64, T2));
    for (size_t t = 0; t < 2 * (size_t)T; t++) s->deg[t] = (uint32_t)s->deg64[t];
    const uint32_t *dA = s->deg, *dB = s->deg + T;
#pragma omp parallel for schedule(static) if (m >= 8192)
    for (uint64_t j = 0; j < m; j++) {
      const uint64_t d = docs[j];
      const uint32_t *t = l->tid + l->post_off[d];
      const size_t nt = (size_t)(l->post_off[d + 1] - l->post_off[d]);
      s->keys[j].pos = s->pos[d];
      s->keys[j].reserved = 0;
      s->keys[j].gain = s->side[d] == 0 ? spr_bp_doc_gain(t, nt, dA, dB, na, nb, s->lg)
                                        : spr_bp_doc_gain(t, nt, dB, dA, nb, na, s->lg);
    }
    size_t ma = 0, mb = 0;
    for (uint64_t j = 0; j < m; j++) {
      if (s->side[docs[j]] == 0) s->ka[ma++] = s->keys[j];
      else s->kb[mb++] = s->keys[j];
    }
    spr_bp_key *all_a = NULL, *all_b = NULL;
    rc = spr_gather_keys(s->c, s->ka, ma, na, &all_a);
    if (rc == SPR_OK) rc = spr_gather_keys(s->c, s->kb, mb, nb, &all_b);
    uint64_t k = 0;
    if (rc == SPR_OK) {
#pragma omp parallel sections num_threads(2) if (nq >= 8192)
      {
#pragma omp section
        spr_bp_keys_sort(all_a, na);
#pragma omp section
        spr_bp_keys_sort(all_b, nb);
      }
      k = spr_bp_swap_count(all_a, na, all_b, nb);
      if (k > 0) { /* the first k of each side: keys up to the k-th in the total order */
        const spr_bp_key ta = all_a[k - 1], tb = all_b[k - 1];
        for (uint64_t j = 0; j < m; j++) {
          const uint64_t d = docs[j];
          const spr_bp_key *limit = s->side[d] == 0 ? &ta : &tb;
          if (!spr_bp_key_before(limit, &s->keys[j])) s->side[d] ^= 1;
        }
      }
    }
    free(all_a);
    free(all_b);
    SPR_TRY(spr_mpi_agree(s->c, rc));
    if (k == 0) break;
  }
  return SPR_OK;
}

/* Collective. After bisecting part q: new positions (the kernel's stable partition by side). */
static int spr_coop_repos(spr_coop *s, uint64_t nq, const uint64_t *docs, uint64_t m, uint32_t child_a) {
  uint32_t *mine = s->deg; /* scratch: at least m entries (see the caller's sizing) */
  size_t ma = 0;
  for (uint64_t j = 0; j < m; j++)
    if (s->side[docs[j]] == 0) mine[ma++] = s->pos[docs[j]];
  void *out = NULL;
  size_t len = 0;
  SPR_TRY(spr_mpi_allgatherv(s->c, mine, ma * sizeof *mine, &out, &len, NULL));
  const uint64_t na = spr_bp_left_size(nq);
  uint32_t *before = calloc(nq + 1, sizeof *before); /* before[p] = A documents at positions < p */
  int rc = len == na * sizeof(uint32_t) ? SPR_OK : SPR_FAIL(SPR_EINVAL, "reorder: side A has %zu documents", len / 4);
  if (!before) rc = SPR_FAIL(SPR_ENOMEM, "reorder: out of memory");
  if (rc == SPR_OK) {
    const uint32_t *a = out;
    for (uint64_t i = 0; i < na; i++) before[a[i] + 1] = 1;
    for (uint64_t p = 0; p < nq; p++) before[p + 1] += before[p];
    for (uint64_t j = 0; j < m; j++) {
      const uint64_t d = docs[j];
      const uint32_t p = s->pos[d];
      if (s->side[d] == 0) s->part[d] = child_a, s->pos[d] = before[p];
      else s->part[d] = child_a + 1, s->pos[d] = p - before[p];
    }
  }
  free(before);
  free(out);
  return spr_mpi_agree(s->c, rc);
}

static int spr_rec_cmp(const void *x, const void *y) {
  const spr_rec_hdr *a = *(const spr_rec_hdr *const *)x, *b = *(const spr_rec_hdr *const *)y;
  if (a->part != b->part) return a->part < b->part ? -1 : 1;
  return (a->pos > b->pos) - (a->pos < b->pos);
}

/* The parts of the cooperative levels (identical on every rank) and this rank's documents by part. */
typedef struct spr_levels {
  spr_rpart *parts, *next; /* owned, max_parts each: this level's parts, the next level's */
  size_t np;               /* parts in this level */
  uint64_t *docs;          /* owned, n: local documents by part (scratch) */
  uint64_t *pstart;        /* owned, max_parts + 1: part q's documents are docs[pstart[q], pstart[q+1]) */
} spr_levels;

/* Phase 1, collective on s->c. The cooperative levels: each level's parts larger than min_docs are
 * bisected by all ranks together (s->part and s->pos of this rank's n documents follow); lv->parts
 * ends as the last level's lv->np parts. */
static int spr_reorder_coop_levels(spr_coop *s, uint64_t n, uint32_t levels, int progress, spr_levels *lv) {
  uint64_t *docs = lv->docs, *pstart = lv->pstart;
  spr_progress prog;
  spr_progress_start(&prog, "reorder: bisect (all ranks)", "levels", levels, progress);
  for (uint32_t lev = 0; lev < levels; lev++) {
    const size_t np = lv->np;
    /* this rank's documents by part (counting sort, stable) */
    memset(pstart, 0, (np + 1) * sizeof *pstart);
    for (uint64_t i = 0; i < n; i++) pstart[s->part[i] + 1]++;
    for (size_t q = 0; q < np; q++) pstart[q + 1] += pstart[q];
    for (uint64_t i = 0; i < n; i++) docs[pstart[s->part[i]]++] = i;
    for (size_t q = np; q > 0; q--) pstart[q] = pstart[q - 1];
    pstart[0] = 0;
    size_t nn = 0;
    for (size_t q = 0; q < np; q++) {
      const uint64_t nq = lv->parts[q].n, m = pstart[q + 1] - pstart[q];
      if (nq < 2 || nq <= s->bp->min_docs) {
        for (uint64_t j = 0; j < m; j++) s->part[docs[pstart[q] + j]] = (uint32_t)nn;
        lv->next[nn++] = lv->parts[q];
        continue;
      }
      SPR_TRY(spr_coop_bisect(s, nq, docs + pstart[q], m));
      SPR_TRY(spr_coop_repos(s, nq, docs + pstart[q], m, (uint32_t)nn));
      const uint64_t na = spr_bp_left_size(nq);
      lv->next[nn++] = (spr_rpart){lv->parts[q].start, na};
      lv->next[nn++] = (spr_rpart){lv->parts[q].start + na, nq - na};
    }
    memcpy(lv->parts, lv->next, nn * sizeof *lv->parts);
    lv->np = nn;
    spr_progress_update(&prog, lev + 1);
  }
  spr_progress_finish(&prog, levels);
  return SPR_OK;
}

/* Phase 2a, local. Part q goes whole to the rank where its middle falls (N documents in all, P
 * ranks): every local document (header, terms, impacts imp, id; spr_rec_size bytes) is packed into
 * *send (owned by the caller) in rank order, scount[r] the bytes for rank r. */
static int spr_reorder_pack(const spr_coop *s, const spr_levels *lv, uint64_t N, size_t P, uint64_t base,
                            const uint8_t *imp, uint64_t *scount, char **send) {
  const spr_build_local *l = s->l;
  const uint64_t n = l->n_docs;
  uint32_t *owner = malloc(lv->np * sizeof *owner);
  uint64_t *cur = calloc(P, sizeof *cur);
  int rc = owner && cur ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "reorder: out of memory");
  if (rc == SPR_OK) {
    for (size_t q = 0; q < lv->np; q++) {
      const uint64_t r = (lv->parts[q].start + lv->parts[q].n / 2) * (uint64_t)P / N;
      owner[q] = (uint32_t)(r < P ? r : P - 1);
    }
    for (uint64_t i = 0; i < n; i++)
      scount[owner[s->part[i]]] += spr_rec_size((uint32_t)(l->id_off[i + 1] - l->id_off[i]),
                                                (uint32_t)(l->post_off[i + 1] - l->post_off[i]));
    uint64_t tot = 0;
    for (size_t r = 0; r < P; r++) cur[r] = tot, tot += scount[r];
    *send = malloc(tot ? tot : 1);
    if (!*send) rc = SPR_FAIL(SPR_ENOMEM, "reorder: out of memory (%" PRIu64 " bytes to send)", tot);
  }
  if (rc == SPR_OK)
    for (uint64_t i = 0; i < n; i++) {
      const uint32_t idl = (uint32_t)(l->id_off[i + 1] - l->id_off[i]);
      const uint32_t nt = (uint32_t)(l->post_off[i + 1] - l->post_off[i]);
      char *d = *send + cur[owner[s->part[i]]];
      const size_t sz = spr_rec_size(idl, nt);
      cur[owner[s->part[i]]] += sz;
      memset(d, 0, sz);
      const spr_rec_hdr h = {s->part[i], s->pos[i], (uint32_t)(base + i), l->dl[i], l->line[i], idl, nt};
      memcpy(d, &h, sizeof h);
      d += sizeof h;
      memcpy(d, l->tid + l->post_off[i], (size_t)nt * 4);
      d += (size_t)nt * 4;
      memcpy(d, imp + l->post_off[i], nt);
      d += nt;
      memcpy(d, l->ids + l->id_off[i], idl);
    }
  free(owner);
  free(cur);
  return rc;
}

/* Phase 2b, local. Once packed, the documents live in the send buffer: free l's and *imp. */
static void spr_reorder_release(spr_build_local *l, uint8_t **imp) {
  free(l->ids), free(l->id_off), free(l->dl), free(l->line), free(l->post_off), free(l->tid), free(*imp);
  l->ids = NULL, l->id_off = NULL, l->dl = NULL, l->line = NULL, l->post_off = NULL, l->tid = NULL, *imp = NULL;
  l->n_docs = l->n_post = l->ids_len = 0;
  l->ids_cap = l->id_off_cap = l->dl_cap = l->line_cap = l->post_off_cap = l->tid_cap = 0;
}

/* Phase 3b, local. Each received part (rec[0, m), sorted by part and pos; their terms by off) through
 * the kernel: perm[j] = the record at position j of the final local order. */
static int spr_reorder_local_order(const spr_bp_params *bp, uint32_t n_terms, int progress, const spr_rec_hdr **rec,
                                   uint64_t m, const uint64_t *off, const uint32_t *terms, uint32_t *perm) {
  uint64_t maxpart = 0;
  for (uint64_t a = 0, b; a < m; a = b) {
    for (b = a + 1; b < m && rec[b]->part == rec[a]->part; b++) continue;
    maxpart = b - a > maxpart ? b - a : maxpart;
  }
#ifdef _OPENMP
  const int nth = omp_get_max_threads();
#else
  const int nth = 1;
#endif
  const size_t ws = spr_bp_workspace_size(maxpart, n_terms, nth);
  void *work = malloc(ws ? ws : 8);
  int rc = work ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "reorder: out of memory (BP workspace of %zu bytes)", ws);
  spr_progress prog;
  spr_progress_start(&prog, "reorder: bisect (local parts)", "docs", m, progress);
  for (uint64_t a = 0, b; a < m && rc == SPR_OK; a = b) {
    for (b = a + 1; b < m && rec[b]->part == rec[a]->part; b++) continue;
    for (uint64_t i = a; i < b && rc == SPR_OK; i++)
      if (rec[i]->pos != i - a) rc = SPR_FAIL(SPR_EINVAL, "reorder: part %u arrived incomplete", rec[a]->part);
    if (rc == SPR_OK) rc = spr_bp_order(bp, b - a, off + a, terms, n_terms, perm + a, work, ws, nth);
    for (uint64_t i = a; i < b && rc == SPR_OK; i++) perm[i] += (uint32_t)a;
    spr_progress_update(&prog, b);
  }
  spr_progress_finish(&prog, m);
  free(work);
  return rc;
}

/* Phase 3, local. The m documents received (recv, rbytes bytes), each part in pos order through the
 * kernel, become l's documents (l->orig: their input docids) and *imp, in the final order. */
static int spr_reorder_local(const spr_bp_params *bp, uint32_t n_terms, int progress, const void *recv,
                             uint64_t rbytes, spr_build_local *l, uint8_t **imp) {
  uint64_t m = 0, npost = 0, idbytes = 0;
  for (uint64_t at = 0; at < rbytes;) {
    const spr_rec_hdr *h = (const spr_rec_hdr *)((const char *)recv + at);
    at += spr_rec_size(h->id_len, h->nt);
    m++, npost += h->nt, idbytes += h->id_len;
  }
  const spr_rec_hdr **rec = malloc((m ? m : 1) * sizeof *rec);
  uint64_t *off = malloc((m + 1) * sizeof *off);
  uint32_t *terms = malloc((npost ? npost : 1) * sizeof *terms), *perm = malloc((m ? m : 1) * sizeof *perm);
  l->ids = malloc(idbytes ? idbytes : 1);
  l->id_off = malloc((m + 1) * sizeof *l->id_off);
  l->dl = malloc((m ? m : 1) * sizeof *l->dl);
  l->line = malloc((m ? m : 1) * sizeof *l->line);
  l->post_off = malloc((m + 1) * sizeof *l->post_off);
  l->tid = malloc((npost ? npost : 1) * sizeof *l->tid);
  l->orig = malloc((m ? m : 1) * sizeof *l->orig);
  *imp = malloc(npost ? npost : 1);
  int rc = SPR_OK;
  if (!rec || !off || !terms || !perm || !l->ids || !l->id_off || !l->dl || !l->line || !l->post_off || !l->tid ||
      !l->orig || !*imp)
    rc = SPR_FAIL(SPR_ENOMEM, "reorder: out of memory (%" PRIu64 " documents received)", m);
  if (rc == SPR_OK) {
    uint64_t j = 0;
    for (uint64_t at = 0; at < rbytes; j++) {
      rec[j] = (const spr_rec_hdr *)((const char *)recv + at);
      at += spr_rec_size(rec[j]->id_len, rec[j]->nt);
    }
    qsort(rec, m, sizeof *rec, spr_rec_cmp);
    off[0] = 0;
    for (j = 0; j < m; j++) {
      memcpy(terms + off[j], rec[j] + 1, (size_t)rec[j]->nt * 4);
      off[j + 1] = off[j] + rec[j]->nt;
    }
    rc = spr_reorder_local_order(bp, n_terms, progress, rec, m, off, terms, perm);
  }
  if (rc == SPR_OK) { /* the documents in the final order */
    uint64_t ip = 0, ib = 0;
    l->id_off[0] = l->post_off[0] = 0;
    for (uint64_t j = 0; j < m; j++) {
      const spr_rec_hdr *h = rec[perm[j]];
      const char *d = (const char *)(h + 1);
      memcpy(l->tid + ip, d, (size_t)h->nt * 4);
      memcpy(*imp + ip, d + (size_t)h->nt * 4, h->nt);
      memcpy(l->ids + ib, d + (size_t)h->nt * 5, h->id_len);
      ip += h->nt, ib += h->id_len;
      l->post_off[j + 1] = ip;
      l->id_off[j + 1] = ib;
      l->dl[j] = h->dl;
      l->line[j] = h->line;
      l->orig[j] = h->orig;
    }
    l->n_docs = m, l->n_post = npost, l->ids_len = idbytes;
    l->ids_cap = idbytes, l->id_off_cap = l->post_off_cap = m + 1, l->dl_cap = l->line_cap = m;
    l->tid_cap = npost;
  }
  free(rec);
  free(off);
  free(terms);
  free(perm);
  return rc;
}

int spr_reorder_bp(const spr_comm *c, const spr_build_params *p, uint32_t n_terms, spr_build_local *l, uint8_t **imp,
                   uint64_t *doc_base) {
  const size_t P = (size_t)c->size;
  spr_bp_params bp = {.iterations = p->bp_iterations > 0 ? (uint32_t)p->bp_iterations : SPR_BP_DEFAULT_ITERATIONS,
                      .min_docs = p->bp_min_docs > 0 ? p->bp_min_docs : (uint32_t)(p->block_size > 0 ? p->block_size : 1)};
  uint64_t N = l->n_docs;
  SPR_TRY(spr_mpi_sum_u64(c, &N, 1));
  const uint64_t n = l->n_docs, base = *doc_base, T = n_terms;
  const int progress = p->progress && c->rank == 0;
  uint32_t levels = SPR_REORDER_LEVELS;
  while ((1ull << (levels - 1)) < P) levels++; /* at least 2 parts per rank */
  const size_t max_parts = (size_t)1 << levels;

  int rc = SPR_OK;
  spr_coop s = {.c = c, .l = l, .T = n_terms, .bp = &bp};
  double *lg = malloc((N + 3) * sizeof *lg);
  s.part = calloc(n ? n : 1, sizeof *s.part);
  s.pos = malloc((n ? n : 1) * sizeof *s.pos);
  s.side = malloc(n ? n : 1);
  const size_t degn = 2 * (size_t)T > n ? 2 * (size_t)T : n; /* deg doubles as repos scratch */
  s.deg = malloc((degn ? degn : 1) * sizeof *s.deg);
  s.deg64 = malloc((2 * (size_t)T + 1) * sizeof *s.deg64);
#ifdef _OPENMP
  s.nth = omp_get_max_threads();
#else
  s.nth = 1;
#endif
  s.tdeg = malloc(((size_t)s.nth * 2 * (size_t)T + 1) * sizeof *s.tdeg);
  s.keys = malloc((n ? n : 1) * sizeof *s.keys);
  s.ka = malloc((n ? n : 1) * sizeof *s.ka);
  s.kb = malloc((n ? n : 1) * sizeof *s.kb);
  spr_levels lv = {.docs = malloc((n ? n : 1) * sizeof *lv.docs), .pstart = calloc(max_parts + 1, sizeof *lv.pstart),
                   .parts = malloc(max_parts * sizeof *lv.parts), .next = malloc(max_parts * sizeof *lv.next)};
  char *send = NULL;
  void *recv = NULL;
  uint64_t *scount = calloc(P, sizeof *scount), *rcount = calloc(P, sizeof *rcount);
  if (!lg || !s.part || !s.pos || !s.side || !s.deg || !s.deg64 || !s.tdeg || !s.keys || !s.ka || !s.kb || !lv.docs ||
      !lv.pstart || !lv.parts || !lv.next || !scount || !rcount)
    rc = SPR_FAIL(SPR_ENOMEM, "reorder: out of memory (%" PRIu64 " documents)", n);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  s.lg = lg;
  spr_bp_log2_table(lg, N + 3);
  for (uint64_t i = 0; i < n; i++) s.pos[i] = (uint32_t)(base + i);
  lv.np = 1;
  lv.parts[0] = (spr_rpart){0, N};

  /* 1. cooperative levels */
  SPR_TRYG(rc, spr_reorder_coop_levels(&s, n, levels, progress, &lv), cleanup);
  free(s.keys), free(s.ka), free(s.kb), free(s.deg), free(s.deg64), free(s.tdeg), free(lg), free(lv.docs);
  s.keys = s.ka = s.kb = NULL, s.deg = s.tdeg = NULL, s.deg64 = NULL, lg = NULL, lv.docs = NULL;

  /* 2. redistribution: part q goes whole to the rank where its middle falls */
  rc = spr_reorder_pack(&s, &lv, N, P, base, *imp, scount, &send);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  spr_reorder_release(l, imp);
  free(s.part), free(s.pos), free(s.side);
  s.part = s.pos = NULL, s.side = NULL;
  rc = spr_mpi_alltoallv_give(c, send, scount, &recv, rcount);
  send = NULL;
  SPR_TRYG(rc, rc, cleanup);

  /* 3. local levels: each received part, in pos order, through the kernel */
  uint64_t rbytes = 0;
  for (size_t r = 0; r < P; r++) rbytes += rcount[r];
  rc = spr_reorder_local(&bp, n_terms, progress, recv, rbytes, l, imp);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  {
    uint64_t before = 0, total = 0;
    SPR_TRYG(rc, spr_mpi_exscan_u64(c, l->n_docs, &before, &total), cleanup);
    *doc_base = before;
  }

cleanup:
  free(lg), free(s.part), free(s.pos), free(s.side), free(s.deg), free(s.deg64), free(s.tdeg), free(s.keys), free(s.ka),
      free(s.kb);
  free(lv.docs), free(lv.pstart), free(lv.parts), free(lv.next), free(send), free(recv), free(scount), free(rcount);
  return rc;
}
