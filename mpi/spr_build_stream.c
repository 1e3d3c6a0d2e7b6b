/* spr_build_stream.c: the bounded-memory index build (docs/memory.md). The in-memory build
 * (spr_build.c) holds every posting of a rank several times over; here nothing that grows with the
 * postings is held whole. The reader spilled each rank's (term, weight) pairs to a file in
 * documents' order; from there:
 *   pass 0  local document frequencies -> the distributed dictionary (spr_build.c)
 *   pass 1  scores and document pruning: the global maximum score (the quantizer) and the counts
 *   pass 2  quantized postings leave in rounds of a fixed size: each round is routed to the term
 *           owners (one all-to-all), which sort it by (term, docid) and append it to a run file
 *   merge   each owner merges its runs by (term, docid), one posting list at a time, into the
 *           encoded lists and k-th impacts (a file, plus per-term arrays)
 *   write   the merge's arrays and file are the payload spr_write_index writes, as the in-memory
 *           build's (the encoded lists from the file one round at a time: spr_h5_write_fd).
 * Every rule and tie-break is the in-memory build's, so the file's datasets are the same values
 * (tests/mpi/bounded.sh compares them with h5diff).
 * What stays in memory: per document its id, length and line (and the stream's keep flag), per
 * term its statistics, per posting block 12 bytes, one posting list at a time in the merge. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spr_bm25.h"
#include "spr_bmp.h"
#include "spr_build_stream.h"
#include "spr_build_write.h"
#include "spr_prune.h"
#include "spr_postings.h"
#include "spr_progress.h"

/* ------------------------------------------------------------------ the document spill */

typedef struct spr_doc_stream { /* the spilled documents again, in order, the dropped ones skipped */
  spr_rbuf in;
  const uint8_t *keep;
  uint64_t n_orig, orig;
  uint32_t *tid;
  double *w;
  uint64_t cap;
} spr_doc_stream;

static int spr_doc_stream_open(spr_doc_stream *s, const spr_build_local *l, size_t buf) {
  memset(s, 0, sizeof *s);
  s->keep = l->spill.keep;
  s->n_orig = l->spill.docs;
  return spr_rbuf_open(&s->in, l->spill.fd, 0, l->spill.bytes, buf);
}

/* 1 and the next kept document's n postings in s->tid / s->w; 0 at the end. */
static int spr_doc_stream_next(spr_doc_stream *s, uint32_t *n) {
  while (s->orig < s->n_orig) {
    uint32_t cnt;
    SPR_TRY(spr_rbuf_get(&s->in, &cnt, sizeof cnt));
    uint64_t cap = s->cap;
    SPR_TRY(spr_build_grow((void **)&s->tid, &cap, cnt + 1u, sizeof *s->tid));
    SPR_TRY(spr_build_grow((void **)&s->w, &s->cap, cnt + 1u, sizeof *s->w));
    for (uint32_t i = 0; i < cnt; i++) {
      char rec[12];
      SPR_TRY(spr_rbuf_get(&s->in, rec, sizeof rec));
      memcpy(&s->tid[i], rec, 4);
      memcpy(&s->w[i], rec + 4, 8);
    }
    const uint64_t o = s->orig++;
    if (s->keep && !s->keep[o]) continue;
    *n = cnt;
    return 1;
  }
  return 0;
}

static void spr_doc_stream_close(spr_doc_stream *s) {
  spr_rbuf_close(&s->in);
  free(s->tid);
  free(s->w);
  memset(s, 0, sizeof *s);
}

int spr_stream_local_df(const spr_build_local *l, uint32_t nl, uint32_t **ldf) {
  *ldf = calloc((size_t)nl + 1, sizeof **ldf);
  if (!*ldf) return SPR_FAIL(SPR_ENOMEM, "index build: out of memory");
  spr_doc_stream s;
  int rc = spr_doc_stream_open(&s, l, 1u << 20);
  uint32_t n = 0;
  while (rc == SPR_OK && (rc = spr_doc_stream_next(&s, &n)) == 1) {
    rc = SPR_OK;
    for (uint32_t i = 0; i < n && rc == SPR_OK; i++) {
      if (s.tid[i] >= nl) rc = SPR_FAIL(SPR_EIO, "spill file: term id %u out of range", s.tid[i]);
      else (*ldf)[s.tid[i]]++;
    }
  }
  spr_doc_stream_close(&s);
  return rc < 0 ? rc : SPR_OK;
}

/* ------------------------------------------------------------------ scoring one document */

typedef struct spr_stream {
  const spr_comm *c;
  const spr_build_params *p;
  spr_build_local *l;
  const spr_dict *dict;
  uint32_t nl;                 /* local vocabulary size (dict->lgid's length) */
  uint64_t doc_base, n_docs;
  uint32_t n_terms, bs;
  spr_bm25 bm;
  double smax;
  int identity;
  uint64_t unit;               /* spr_budget_unit(p->memory_budget) */
  /* one document's postings: global term ids, scores, impacts */
  uint32_t *gt;
  double *sc;
  uint8_t *imp;
  spr_prune_rules rules;
  void *prune;
  uint64_t cap;
} spr_stream;

static void spr_stream_free(spr_stream *S) {
  free(S->gt);
  free(S->sc);
  free(S->imp);
  free(S->prune);
}

/* Document d (rank-local index) with n spilled postings (lt: local term ids, w: weights) -> S->gt /
 * S->sc, pruned by the document rules; *m = postings kept. *not_identity set when a vector weight
 * is not an integer in [0, 255]. Exactly the in-memory build's arithmetic. */
static int spr_stream_score(spr_stream *S, uint64_t d, const uint32_t *lt, const double *w, uint32_t n, uint64_t *m,
                            double *not_identity) {
  if (n + 1u > S->cap) {
    const uint64_t nc = (uint64_t)n + 1 > 2 * S->cap ? (uint64_t)n + 1 : 2 * S->cap;
    uint32_t *gt = realloc(S->gt, nc * sizeof *gt);
    if (gt) S->gt = gt;
    double *sc = realloc(S->sc, nc * sizeof *sc);
    if (sc) S->sc = sc;
    uint8_t *imp = realloc(S->imp, nc);
    if (imp) S->imp = imp;
    void *pr = realloc(S->prune, spr_prune_scratch_size(nc));
    if (pr) S->prune = pr;
    if (!gt || !sc || !imp || !pr) return SPR_FAIL(SPR_ENOMEM, "index build: out of memory (document of %u terms)", n);
    S->cap = nc;
  }
  const spr_build_params *p = S->p;
  for (uint32_t i = 0; i < n; i++) {
    if (lt[i] >= S->nl) return SPR_FAIL(SPR_EIO, "spill file: term id %u out of range", lt[i]);
    S->gt[i] = S->dict->lgid[lt[i]];
    S->sc[i] = spr_build_score(p, &S->bm, S->dict->ldf[lt[i]], w[i], S->l->dl[d]);
    if (p->vectors && (w[i] != floor(w[i]) || w[i] > 255)) *not_identity = 1;
  }
  *m = (p->prune_min_weight > 0 || p->prune_top_terms > 0) ? spr_prune_doc(&S->rules, S->gt, S->sc, n, S->prune) : n;
  return SPR_OK;
}

/* Scores -> impacts (after pass 1 fixed the quantizer). */
static void spr_stream_quantize(spr_stream *S, uint64_t m) {
  for (uint64_t i = 0; i < m; i++)
    S->imp[i] = spr_build_impact(S->identity, S->sc[i], S->smax, S->p->bits);
}

/* ------------------------------------------------------------------ the term owners' runs and merge */

typedef struct spr_run {
  uint64_t off, n; /* records of the run file */
} spr_run;

typedef struct spr_owner {
  uint32_t t0, nt;
  const char *dir;
  spr_wbuf runs;
  spr_run *run;
  uint64_t n_runs, run_cap;
  /* merge outputs */
  uint32_t *df;
  uint8_t *maxi, *kth;
  uint64_t *post_off, *tblk;          /* nt + 1 */
  uint64_t *boff;                     /* n_pblocks + 1: byte offsets of the posting blocks */
  uint32_t *blast;
  uint64_t n_pblocks, pb_cap;
  spr_wbuf f_enc;
} spr_owner;

static void spr_owner_free(spr_owner *o) {
  spr_wbuf_close(&o->runs);
  spr_wbuf_close(&o->f_enc);
  free(o->run);
  free(o->df);
  free(o->maxi);
  free(o->kth);
  free(o->post_off);
  free(o->tblk);
  free(o->boff);
  free(o->blast);
}

/* One round's postings received (sources in rank order, each by term then docid): sorted by
 * (term, docid) with a stable counting sort on the term, appended to the run file. */
static int spr_owner_add_run(spr_owner *o, const spr_prec *in, uint64_t n) {
  if (n == 0) return SPR_OK;
  uint64_t *cnt = calloc((size_t)o->nt + 1, sizeof *cnt);
  spr_prec *sorted = malloc(n * sizeof *sorted);
  int rc = (cnt && sorted) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "index build: out of memory (run)");
  if (rc == SPR_OK) {
    for (uint64_t i = 0; i < n; i++) cnt[in[i].term - o->t0 + 1]++;
    for (uint32_t t = 0; t < o->nt; t++) cnt[t + 1] += cnt[t];
    for (uint64_t i = 0; i < n; i++) sorted[cnt[in[i].term - o->t0]++] = in[i];
    rc = spr_build_grow((void **)&o->run, &o->run_cap, o->n_runs + 1, sizeof *o->run);
  }
  if (rc == SPR_OK) {
    o->run[o->n_runs++] = (spr_run){o->runs.size / sizeof(spr_prec), n};
    rc = spr_wbuf_put(&o->runs, sorted, n * sizeof *sorted);
  }
  free(cnt);
  free(sorted);
  return rc;
}

typedef struct spr_cursor {
  spr_rbuf in;
  uint64_t left;
  spr_prec cur;
} spr_cursor;

static int spr_cursor_less(const spr_cursor *a, const spr_cursor *b) {
  return a->cur.term != b->cur.term ? a->cur.term < b->cur.term : a->cur.doc < b->cur.doc;
}

static void spr_heap_down(spr_cursor **h, size_t n, size_t i) {
  for (;;) {
    size_t m = i, l = 2 * i + 1, r = l + 1;
    if (l < n && spr_cursor_less(h[l], h[m])) m = l;
    if (r < n && spr_cursor_less(h[r], h[m])) m = r;
    if (m == i) return;
    spr_cursor *t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

/* Term t (local) is complete: its list docs/imp[0..n) ascending. Statistics and encoded blocks, as
 * the in-memory build computes them. */
static int spr_owner_finish(spr_owner *o, uint32_t t, const uint32_t *docs, const uint8_t *imp, uint32_t n,
                            uint8_t **scratch, uint64_t *scap) {
  uint8_t mx = 0;
  for (uint32_t i = 0; i < n; i++) mx = imp[i] > mx ? imp[i] : mx;
  o->df[t] = n;
  o->maxi[t] = mx;
  o->post_off[t + 1] = o->post_off[t] + n;
  spr_bmp_kth(imp, n, o->kth + 3 * (size_t)t);
  const uint32_t nb = spr_postings_blocks(n);
  o->tblk[t] = o->n_pblocks;
  SPR_TRY(spr_build_grow((void **)scratch, scap, spr_postings_bound(n) + 1, 1));
  uint64_t pc = o->pb_cap;
  SPR_TRY(spr_build_grow((void **)&o->boff, &pc, o->n_pblocks + nb + 2, sizeof *o->boff));
  SPR_TRY(spr_build_grow((void **)&o->blast, &o->pb_cap, o->n_pblocks + nb + 2, sizeof *o->blast));
  const int64_t m =
      spr_encode_list(docs, imp, n, *scratch, *scap, o->f_enc.size, o->boff + o->n_pblocks, o->blast + o->n_pblocks);
  if (m < 0) return (int)m;
  o->n_pblocks += nb;
  return spr_wbuf_put(&o->f_enc, *scratch, (size_t)m);
}

/* Merge the runs by (term, docid) into the outputs of every owned term. */
static int spr_owner_merge(spr_owner *o, uint64_t unit, int progress) {
  const uint32_t nt = o->nt;
  o->df = calloc((size_t)nt + 1, sizeof *o->df);
  o->maxi = calloc((size_t)nt + 1, 1);
  o->kth = calloc(3 * (size_t)nt + 1, 1);
  o->post_off = calloc((size_t)nt + 1, sizeof *o->post_off);
  o->tblk = calloc((size_t)nt + 1, sizeof *o->tblk);
  spr_cursor *cur = calloc(o->n_runs + 1, sizeof *cur);
  spr_cursor **heap = calloc(o->n_runs + 1, sizeof *heap);
  uint32_t *docs = NULL;
  uint8_t *imp = NULL, *scratch = NULL;
  uint64_t lcap = 0, scap = 0;
  int rc = (o->df && o->maxi && o->kth && o->post_off && o->tblk && cur && heap)
               ? SPR_OK
               : SPR_FAIL(SPR_ENOMEM, "index build: out of memory (merge)");
  if (rc == SPR_OK) rc = spr_wbuf_flush(&o->runs);
  if (rc == SPR_OK) rc = spr_wbuf_open(&o->f_enc, o->dir, 1u << 20);
  if (rc == SPR_OK) rc = spr_build_grow((void **)&o->boff, &(uint64_t){o->pb_cap}, 1, sizeof *o->boff);
  if (rc == SPR_OK) rc = spr_build_grow((void **)&o->blast, &o->pb_cap, 1, sizeof *o->blast);
  if (rc == SPR_OK) o->boff[0] = 0;
  /* the read buffers share one unit of the budget (at least 64 KiB each) */
  size_t buf = o->n_runs ? (size_t)(unit / o->n_runs) : 1;
  buf = buf < (64u << 10) ? (64u << 10) : buf > (16u << 20) ? (16u << 20) : buf;
  buf -= buf % sizeof(spr_prec);
  size_t nh = 0;
  uint64_t total = 0;
  for (uint64_t r = 0; rc == SPR_OK && r < o->n_runs; r++) {
    const uint64_t a = o->run[r].off * sizeof(spr_prec);
    rc = spr_rbuf_open(&cur[r].in, o->runs.fd, a, a + o->run[r].n * sizeof(spr_prec), buf);
    cur[r].left = o->run[r].n;
    total += o->run[r].n;
    if (rc == SPR_OK && cur[r].left) {
      rc = spr_rbuf_get(&cur[r].in, &cur[r].cur, sizeof cur[r].cur);
      cur[r].left--;
      heap[nh++] = &cur[r];
    }
  }
  for (size_t i = nh; rc == SPR_OK && i-- > 0;) spr_heap_down(heap, nh, i);
  spr_progress prog;
  spr_progress_start(&prog, "index: merge runs", "postings", total, progress);
  uint64_t done = 0;
  uint32_t t = 0, n = 0; /* the term being gathered (local) and its postings so far */
  while (rc == SPR_OK && nh > 0) {
    spr_cursor *h = heap[0];
    const spr_prec x = h->cur;
    const uint32_t lt = x.term - o->t0;
    while (rc == SPR_OK && t < lt) { /* term t is complete (or empty) */
      rc = spr_owner_finish(o, t, docs, imp, n, &scratch, &scap);
      t++;
      n = 0;
    }
    if (rc != SPR_OK) break;
    uint64_t dc = lcap;
    rc = spr_build_grow((void **)&docs, &dc, (uint64_t)n + 1, sizeof *docs);
    if (rc == SPR_OK) rc = spr_build_grow((void **)&imp, &lcap, (uint64_t)n + 1, 1);
    if (rc != SPR_OK) break;
    docs[n] = x.doc;
    imp[n++] = (uint8_t)x.impact;
    if (h->left) {
      rc = spr_rbuf_get(&h->in, &h->cur, sizeof h->cur);
      h->left--;
    } else {
      heap[0] = heap[--nh];
    }
    if (nh) spr_heap_down(heap, nh, 0);
    if ((++done & 0xfffff) == 0) spr_progress_update(&prog, done);
  }
  while (rc == SPR_OK && t < nt) {
    rc = spr_owner_finish(o, t, docs, imp, n, &scratch, &scap);
    t++;
    n = 0;
  }
  spr_progress_finish(&prog, done);
  if (rc == SPR_OK) rc = spr_wbuf_flush(&o->f_enc);
  for (uint64_t r = 0; r < o->n_runs; r++) spr_rbuf_close(&cur[r].in);
  spr_wbuf_close(&o->runs); /* the runs are merged: their space goes back */
  free(cur);
  free(heap);
  free(docs);
  free(imp);
  free(scratch);
  return rc;
}

/* ------------------------------------------------------------------ the build */

/* Pass 1 over the spilled documents: the global maximum score that fixes the quantizer, whether
 * the weights are kept as impacts (S->smax, S->identity), and the postings kept and pruned (summed
 * over the ranks into *n_kept and st->pruned_doc). Collective. */
static int spr_stream_pass1(spr_stream *S, spr_build_stats *st, uint64_t *n_kept) {
  const spr_comm *c = S->c;
  const spr_build_params *p = S->p;
  spr_build_local *l = S->l;
  int rc = SPR_OK;
  double sumlen = 0;
  for (uint64_t i = 0; i < l->n_docs; i++) sumlen += l->dl[i];
  SPR_TRYG(rc, spr_mpi_sum_f64(c, &sumlen, 1), done);
  const double nd = (double)S->n_docs;
  S->bm = (spr_bm25){.k1 = p->k1, .b = p->b, .n_docs = nd, .avgdl = sumlen / nd};
  double smax = 0, not_identity = 0;
  uint64_t kept = 0, pruned = 0;
  {
    spr_doc_stream ds;
    memset(&ds, 0, sizeof ds);
    rc = spr_doc_stream_open(&ds, l, 1u << 20);
    uint32_t n = 0;
    for (uint64_t d = 0; rc == SPR_OK && (rc = spr_doc_stream_next(&ds, &n)) == 1; d++) {
      uint64_t m = 0;
      rc = spr_stream_score(S, d, ds.tid, ds.w, n, &m, &not_identity);
      for (uint64_t i = 0; rc == SPR_OK && i < m; i++) smax = S->sc[i] > smax ? S->sc[i] : smax;
      kept += m;
      pruned += n - m;
    }
    spr_doc_stream_close(&ds);
    if (rc > 0) rc = SPR_OK;
  }
  SPR_TRYG(rc, spr_mpi_agree(c, rc), done);
  SPR_TRYG(rc, spr_mpi_max_f64(c, &smax, 1), done);
  SPR_TRYG(rc, spr_mpi_max_f64(c, &not_identity, 1), done);
  S->smax = smax;
  S->identity = p->vectors && !not_identity && p->bits == 8;
  st->avgdl = S->bm.avgdl;
  st->score_max = smax;
  st->identity = S->identity;
  uint64_t totals[2] = {kept, pruned};
  SPR_TRYG(rc, spr_mpi_sum_u64(c, totals, 2), done);
  st->n_postings = totals[0];
  st->pruned_doc = totals[1];
  *n_kept = totals[0];
done:
  return rc;
}

/* A round's n postings grouped by their terms' owners (term ranges tb over P ranks) into a new
 * *grouped, stably (docids stay ascending within a term); scount: bytes for each owner; fill:
 * scratch of P + 1. The owner rides along in each posting's spare impact bits meanwhile. */
static int spr_stream_group(spr_prec *send, uint64_t n, const uint32_t *tb, int P, uint64_t *scount, uint64_t *fill,
                            spr_prec **grouped) {
  memset(scount, 0, (size_t)P * sizeof *scount);
  spr_prec *g = malloc((n ? n : 1) * sizeof *g);
  if (!g) return SPR_FAIL(SPR_ENOMEM, "index build: out of memory (round)");
  for (uint64_t i = 0; i < n; i++) { /* the owner of each posting's term (binary search in tb) */
    int lo = 0, hi = P - 1;
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (send[i].term >= tb[mid]) lo = mid;
      else hi = mid - 1;
    }
    send[i].impact |= (uint32_t)lo << 8;
    scount[lo] += sizeof(spr_prec);
  }
  uint64_t at = 0; /* a stable counting sort */
  for (int r = 0; r < P; r++) {
    fill[r] = at;
    at += scount[r] / sizeof(spr_prec);
  }
  for (uint64_t i = 0; i < n; i++) {
    const uint32_t r = send[i].impact >> 8;
    g[fill[r]++] = (spr_prec){send[i].term, send[i].doc, send[i].impact & 0xff};
  }
  *grouped = g;
  return SPR_OK;
}

int spr_build_stream(const spr_comm *c, const spr_build_params *p, spr_build_local *l, uint64_t doc_base,
                     uint64_t n_docs, spr_dict *dict, const char *tmp, spr_build_stats *st) {
  const double t0 = spr_now();
  const int P = c->size;
  spr_stream S;
  memset(&S, 0, sizeof S);
  S.c = c;
  S.p = p;
  S.l = l;
  S.dict = dict;
  S.doc_base = doc_base;
  S.n_docs = n_docs;
  S.n_terms = dict->n_terms;
  S.bs = (uint32_t)p->block_size;
  S.rules = spr_build_prune_rules(p);
  S.unit = spr_budget_unit(p->memory_budget);
  spr_doc_stream ds;
  memset(&ds, 0, sizeof ds);
  spr_owner own;
  memset(&own, 0, sizeof own);
  own.runs.fd = own.f_enc.fd = -1;
  uint32_t *tb = NULL;
  uint64_t *scount = NULL, *rcount = NULL, *fill = NULL;
  spr_prec *send = NULL, *grouped = NULL;
  void *recv = NULL;
  uint64_t n_send = 0, send_cap = 0;
  int rc = SPR_OK;
  S.nl = l->spill.nl; /* dict->lgid has one entry per local term id */

  /* pass 1: the quantizer and the counts */
  uint64_t n_kept = 0;
  SPR_TRYG(rc, spr_stream_pass1(&S, st, &n_kept), cleanup);
  st->t_dict = spr_now() - t0;
  const double t_route = spr_now();

  /* term owners */
  tb = malloc(((size_t)P + 1) * sizeof *tb);
  scount = calloc((size_t)P, sizeof *scount);
  rcount = calloc((size_t)P, sizeof *rcount);
  fill = calloc((size_t)P + 1, sizeof *fill);
  if (!tb || !scount || !rcount || !fill) rc = SPR_FAIL(SPR_ENOMEM, "index build: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  SPR_TRYG(rc, spr_term_ranges_dist(c, dict, n_kept, tb), cleanup);
  own.t0 = tb[c->rank];
  own.nt = tb[c->rank + 1] - own.t0;
  own.dir = l->spill.dir;
  rc = spr_wbuf_open(&own.runs, own.dir, 1u << 20);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);

  /* pass 2: rounds of about `cap` postings per rank */
  const uint64_t cap = S.unit / sizeof(spr_prec) > 1024 ? S.unit / sizeof(spr_prec) : 1024;
  spr_progress prog;
  spr_progress_start(&prog, "index: route (bounded)", "docs", l->n_docs, p->progress && c->rank == 0);
  rc = spr_doc_stream_open(&ds, l, 1u << 20);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  uint64_t d = 0;
  int more = 1, ended = 0, round = 0;
  while (more) {
    n_send = 0;
    /* fill this round from the stream */
    while (rc == SPR_OK && !ended && n_send < cap) {
      uint32_t n = 0;
      const int got = spr_doc_stream_next(&ds, &n);
      if (got < 0) {
        rc = got;
        break;
      }
      if (got == 0) {
        ended = 1;
        break;
      }
      uint64_t m = 0;
      double ni = 0;
      rc = spr_stream_score(&S, d, ds.tid, ds.w, n, &m, &ni);
      if (rc != SPR_OK) break;
      spr_stream_quantize(&S, m);
      const uint32_t g = (uint32_t)(doc_base + d);
      rc = spr_build_grow((void **)&send, &send_cap, n_send + m + 1, sizeof *send);
      for (uint64_t i = 0; rc == SPR_OK && i < m; i++) send[n_send++] = (spr_prec){S.gt[i], g, S.imp[i]};
      d++;
      spr_progress_update(&prog, d);
    }
    /* group by owner (stable: docids stay ascending within a term) and route */
    if (rc == SPR_OK) rc = spr_stream_group(send, n_send, tb, P, scount, fill, &grouped);
    rc = spr_mpi_agree(c, spr_test_fault(c, "index.route", rc));
    if (rc != SPR_OK) break;
    rc = spr_mpi_alltoallv_give(c, grouped, scount, &recv, rcount);
    grouped = NULL;
    if (rc != SPR_OK) break;
    uint64_t nr = 0;
    for (int r = 0; r < P; r++) nr += rcount[r] / sizeof(spr_prec);
    rc = spr_owner_add_run(&own, recv, nr);
    free(recv);
    recv = NULL;
    rc = spr_mpi_agree(c, rc);
    if (rc != SPR_OK) break;
    uint64_t left = !ended;
    rc = spr_mpi_max_u64(c, &left, 1);
    if (rc != SPR_OK) break;
    more = left != 0;
    round++;
  }
  spr_progress_finish(&prog, d);
  spr_doc_stream_close(&ds);
  free(send);
  send = NULL;
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  /* the document spill is read for the last time */
  close(l->spill.fd);
  l->spill.on = 0;

  /* merge the runs */
  rc = spr_owner_merge(&own, S.unit, p->progress && c->rank == 0);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  st->t_route = spr_now() - t_route;
  if (p->progress && c->rank == 0)
    fprintf(stderr, "index: bounded memory: %d rounds of up to %llu postings per rank, %llu runs merged on rank 0\n",
            round, (unsigned long long)cap, (unsigned long long)own.n_runs);

  /* write */
  const double t_write = spr_now();
  own.tblk[own.nt] = own.n_pblocks;
  spr_payload pl = {.nt = own.nt, .df = own.df, .max_impact = own.maxi, .kth = own.kth, .post_off = own.post_off,
                    .tblk = own.tblk, .boff = own.boff, .blast = own.blast, .n_pblocks = own.n_pblocks,
                    .enc_bytes = own.f_enc.size, .enc_fd = own.f_enc.fd};
  rc = spr_write_index(c, p, tmp, l, doc_base, n_docs, dict, tb, (n_docs + S.bs - 1) / S.bs, &pl, st, st);
  st->t_write = spr_now() - t_write;
cleanup:
  spr_doc_stream_close(&ds);
  spr_stream_free(&S);
  spr_owner_free(&own);
  free(tb);
  free(scount);
  free(rcount);
  free(fill);
  free(send);
  free(grouped);
  free(recv);
  return rc;
}
