/* spr_encode.c: tokenization, length-grouped batching and threading around the pure forward pass
 * (see spr_encode.h). */
#include "spr_encode.h"

#include <stdlib.h>
#include <string.h>

#include "spr_blas.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define SPR_ENCODE_BATCH_DOCS 64u

typedef struct spr_enc_entry {
  uint32_t term;
  float weight;
} spr_enc_entry;

/* Per text: its token ids, then its sparse vector. */
typedef struct spr_enc_text {
  int32_t *ids;      /* owned */
  uint32_t len;
  spr_enc_entry *v;  /* owned */
  uint32_t nv;
} spr_enc_text;

static int spr_enc_by_weight(const void *a, const void *b) {
  const spr_enc_entry *x = a, *y = b;
  if (x->weight != y->weight) return x->weight > y->weight ? -1 : 1;
  return x->term < y->term ? -1 : x->term > y->term;
}

static int spr_enc_by_term(const void *a, const void *b) {
  const spr_enc_entry *x = a, *y = b;
  return x->term < y->term ? -1 : x->term > y->term;
}

/* Prune a dense row (or a scratch list) into t->v: weights >= min (and > 0), top_n, by term. */
static int spr_enc_prune(const spr_splade_params *p, const float *dense, uint32_t V, spr_enc_entry *scratch,
                         uint32_t nscratch, spr_enc_text *t) {
  uint32_t k = 0;
  if (dense) {
    for (uint32_t v = 0; v < V; v++)
      if (dense[v] > 0.0f && dense[v] >= p->min_weight) scratch[k++] = (spr_enc_entry){v, dense[v]};
  } else {
    for (uint32_t i = 0; i < nscratch; i++)
      if (scratch[i].weight > 0.0f && scratch[i].weight >= p->min_weight) scratch[k++] = scratch[i];
  }
  if (p->top_n && k > p->top_n) {
    qsort(scratch, k, sizeof *scratch, spr_enc_by_weight);
    k = p->top_n;
    qsort(scratch, k, sizeof *scratch, spr_enc_by_term);
  }
  t->v = malloc((k ? k : 1) * sizeof *t->v);
  if (!t->v) return SPR_FAIL(SPR_ENOMEM, "encode: out of memory");
  memcpy(t->v, scratch, k * sizeof *t->v);
  t->nv = k;
  return SPR_OK;
}

/* Sort keys (UINT32_MAX - length) << 32 | index: longest first, ties in input order. */
static int spr_enc_by_key(const void *a, const void *b) {
  const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

void spr_splade_vectors_free(spr_splade_vectors *v) {
  if (!v) return;
  free(v->off);
  free(v->term);
  free(v->weight);
  memset(v, 0, sizeof *v);
}

/* The state of one spr_splade_encode call, shared by the threads of its region. */
typedef struct spr_enc_run {
  const spr_splade_params *p;    /* borrowed */
  const spr_bert_config *c;      /* borrowed from the model */
  const spr_bert_weights *weights; /* borrowed from the model */
  const spr_wordpiece *wp;       /* borrowed from the model */
  const float *idf;              /* borrowed: inference-free query weights, or NULL */
  uint32_t V, nvocab, maxlen;    /* output rows, vocabulary entries, tokens per text */
  size_t bdocs, btok;            /* at most texts and tokens per forward pass */
  const char *const *texts;      /* borrowed: n texts of lens[i] bytes */
  const size_t *lens;
  size_t n;
  spr_enc_text *tx;              /* owned by the call: n entries, input order */
  uint64_t *order;               /* owned by the call: text indexes, longest first */
  size_t *bstart;                /* owned by the call: batch b is order[bstart[b], bstart[b+1]) */
  size_t nb;                     /* batches */
  int failed;                    /* first failure of any thread (written in critical sections) */
} spr_enc_run;

/* One thread's buffers for the forward passes. */
typedef struct spr_enc_ws {
  void *work;              /* owned: spr_bert workspace of work_size bytes */
  size_t work_size;
  float *dense;            /* owned: bdocs x V output rows */
  int32_t *ids;            /* owned: btok packed token ids */
  uint32_t *off;           /* owned: bdocs + 1 sequence offsets */
  spr_enc_entry *scratch;  /* owned: V + maxlen entries for pruning */
} spr_enc_ws;

/* Inside the region: keep trc as the call's failure unless a thread failed first. */
static void spr_enc_fail(spr_enc_run *r, int trc) {
  if (trc) {
#pragma omp critical(spr_encode_fail)
    if (!r->failed) r->failed = trc;
  }
}

/* Phase 1, on every thread of the region: tokenize a dynamic share of the texts into tx[i].ids and
 * tx[i].len (each thread with its own WordPiece scratch). Failures go to r->failed. */
static void spr_enc_tokenize(spr_enc_run *r) {
  spr_wordpiece_scratch *ws = NULL;
  int trc = spr_wordpiece_scratch_create(&ws);
#pragma omp for schedule(dynamic, 16)
  for (size_t i = 0; i < r->n; i++) {
    if (trc) continue;
    int32_t *ids = malloc(r->maxlen * sizeof *ids);
    int64_t k = ids ? spr_wordpiece_encode(r->wp, ws, r->texts[i], r->lens[i], r->maxlen, ids, NULL)
                    : SPR_FAIL(SPR_ENOMEM, "encode: out of memory");
    if (k < 0) {
      free(ids);
      trc = (int)k;
      continue;
    }
    r->tx[i].ids = ids;
    r->tx[i].len = (uint32_t)k;
  }
  spr_wordpiece_scratch_free(&ws);
  spr_enc_fail(r, trc);
}

/* Phase 2, one thread (cheap): r->order = the texts by token count, longest first (ties in input
 * order), cut into r->nb batches r->bstart of at most bdocs texts and btok tokens. */
static void spr_enc_batches(spr_enc_run *r) {
  const size_t n = r->n;
  uint64_t *order = r->order;
  for (size_t i = 0; i < n; i++) order[i] = ((uint64_t)(UINT32_MAX - r->tx[i].len) << 32) | i;
  qsort(order, n, sizeof *order, spr_enc_by_key);
  for (size_t i = 0; i < n; i++) order[i] &= UINT32_MAX;
  size_t i = 0;
  while (i < n) {
    r->bstart[r->nb++] = i;
    size_t tok = 0, d = 0;
    while (i < n && d < r->bdocs && (d == 0 || tok + r->tx[order[i]].len <= r->btok)) {
      tok += r->tx[order[i]].len;
      d++;
      i++;
    }
  }
  r->bstart[r->nb] = n;
}

/* Inference-free queries of batch [i0, i1): each distinct non-special token weighted by idf, then
 * pruned into tx[].v. */
static int spr_enc_idf_batch(const spr_enc_run *r, size_t i0, size_t i1, spr_enc_entry *scratch) {
  for (size_t i = i0; i < i1; i++) {
    spr_enc_text *t = &r->tx[r->order[i]];
    uint32_t k = 0;
    for (uint32_t j = 0; j < t->len; j++) {
      const int32_t id = t->ids[j];
      if (spr_wordpiece_is_special(r->wp, id)) continue;
      int seen = 0;
      for (uint32_t q = 0; q < k && !seen; q++) seen = scratch[q].term == (uint32_t)id;
      if (!seen) scratch[k++] = (spr_enc_entry){(uint32_t)id, r->idf[id]};
    }
    qsort(scratch, k, sizeof *scratch, spr_enc_by_term);
    const int trc = spr_enc_prune(r->p, NULL, r->V, scratch, k, t);
    if (trc) return trc;
  }
  return SPR_OK;
}

/* One forward pass over batch [i0, i1): the texts' ids packed without padding into w->ids, dense
 * SPLADE rows into w->dense, each row pruned into its text's tx[].v. */
static int spr_enc_bert_batch(const spr_enc_run *r, size_t i0, size_t i1, spr_enc_ws *w) {
  w->off[0] = 0;
  for (size_t i = i0; i < i1; i++) {
    const spr_enc_text *t = &r->tx[r->order[i]];
    memcpy(w->ids + w->off[i - i0], t->ids, t->len * sizeof *w->ids);
    w->off[i - i0 + 1] = w->off[i - i0] + t->len;
  }
  int trc = spr_bert_splade(r->c, r->weights, w->ids, w->off, i1 - i0, w->dense, w->work, w->work_size);
  for (size_t i = i0; i < i1 && !trc; i++)
    trc = spr_enc_prune(r->p, w->dense + (i - i0) * r->V, r->nvocab, w->scratch, 0, &r->tx[r->order[i]]);
  return trc;
}

/* Phase 3, on every thread of the region: the batches, taken dynamically, through the forward pass
 * (or idf weighting) with this thread's own buffers. Failures go to r->failed. */
static void spr_enc_forward(spr_enc_run *r) {
  spr_enc_ws w = {0};
  w.scratch = malloc(((size_t)r->V + r->maxlen) * sizeof *w.scratch);
  int trc = r->failed ? r->failed : w.scratch ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "encode: out of memory");
  if (!trc && !r->idf) {
    w.work_size = spr_bert_workspace_size(r->c, r->btok, r->maxlen);
    w.work = malloc(w.work_size);
    w.dense = malloc(r->bdocs * r->V * sizeof *w.dense);
    w.ids = malloc(r->btok * sizeof *w.ids);
    w.off = malloc((r->bdocs + 1) * sizeof *w.off);
    if (!w.work || !w.dense || !w.ids || !w.off) trc = SPR_FAIL(SPR_ENOMEM, "encode: out of memory (workspace)");
  }
#pragma omp for schedule(dynamic, 1)
  for (size_t b = 0; b < r->nb; b++) {
    if (trc) continue;
    const size_t i0 = r->bstart[b], i1 = r->bstart[b + 1];
    trc = r->idf ? spr_enc_idf_batch(r, i0, i1, w.scratch) : spr_enc_bert_batch(r, i0, i1, &w);
  }
  spr_enc_fail(r, trc);
  free(w.work);
  free(w.dense);
  free(w.ids);
  free(w.off);
  free(w.scratch);
}

/* Phase 4: the n texts' vectors tx[].v, in input order, into out (tokens: their token counts). */
static int spr_enc_assemble(const spr_enc_text *tx, size_t n, spr_splade_vectors *out) {
  uint64_t total = 0, tokens = 0;
  for (size_t i = 0; i < n; i++) {
    total += tx[i].nv;
    tokens += tx[i].len;
  }
  out->off = malloc((n + 1) * sizeof *out->off);
  out->term = malloc((total ? total : 1) * sizeof *out->term);
  out->weight = malloc((total ? total : 1) * sizeof *out->weight);
  if (!out->off || !out->term || !out->weight) {
    spr_splade_vectors_free(out);
    return SPR_FAIL(SPR_ENOMEM, "encode: out of memory");
  }
  out->n = n;
  out->tokens = tokens;
  out->off[0] = 0;
  for (size_t i = 0; i < n; i++) {
    for (uint32_t j = 0; j < tx[i].nv; j++) {
      out->term[out->off[i] + j] = tx[i].v[j].term;
      out->weight[out->off[i] + j] = tx[i].v[j].weight;
    }
    out->off[i + 1] = out->off[i] + tx[i].nv;
  }
  return SPR_OK;
}

int spr_splade_encode(const spr_model *m, const spr_splade_params *p, const char *const *texts,
                      const size_t *lens, size_t n, spr_splade_vectors *out) {
  if (!m || !p || !out || (n && (!texts || !lens))) return SPR_FAIL(SPR_EINVAL, "encode: NULL argument");
  spr_splade_vectors_free(out);
  const spr_bert_config *c = spr_model_config(m);
  spr_enc_run r = {.p = p, .c = c, .weights = p->weights ? p->weights : spr_model_weights(m), .wp = spr_model_vocab(m),
                   .idf = p->query ? spr_model_idf(m) : NULL, .V = c->vocab, .texts = texts, .lens = lens, .n = n};
  r.nvocab = spr_wordpiece_size(r.wp);
  r.maxlen = p->max_length ? p->max_length : 512u;
  if (r.maxlen > c->max_positions) r.maxlen = c->max_positions;
  if (r.maxlen < 2) return SPR_FAIL(SPR_EINVAL, "encode: max_length %u < 2", r.maxlen);
  /* batch_tokens 0: one sequence per forward pass, so that a text's vector never depends on its
   * neighbours (OpenBLAS rounds a row differently depending on M and on the row's place in the
   * matrix; see docs/encode.md). */
  r.bdocs = p->batch_tokens ? SPR_ENCODE_BATCH_DOCS : 1;
  r.btok = p->batch_tokens;
  if (r.btok < r.maxlen) r.btok = r.maxlen;
  int nthreads = p->threads;
#ifdef _OPENMP
  if (nthreads <= 0) nthreads = omp_get_max_threads();
#else
  nthreads = 1;
#endif
  if (n > UINT32_MAX) return SPR_FAIL(SPR_EINVAL, "encode: %zu texts in one call (at most 2^32-1)", n);
  r.tx = calloc(n ? n : 1, sizeof *r.tx);
  r.order = malloc((n ? n : 1) * sizeof *r.order);
  r.bstart = malloc((n + 1) * sizeof *r.bstart);
  int rc = SPR_OK;
  if (!r.tx || !r.order || !r.bstart) {
    rc = SPR_FAIL(SPR_ENOMEM, "encode: out of memory");
    goto done;
  }
  const int blas_prev = spr_blas_serial_begin();
#pragma omp parallel num_threads(nthreads)
  {
    spr_enc_tokenize(&r); /* 1. token ids of every text */
#pragma omp barrier
#pragma omp single
    if (!r.failed) spr_enc_batches(&r); /* 2. batches of similar length */
    spr_enc_forward(&r); /* 3. sparse vectors, threads over batches */
  }
  spr_blas_serial_end(blas_prev);
  rc = r.failed;
  if (rc == SPR_OK) rc = spr_enc_assemble(r.tx, n, out); /* 4. in input order */
done:
  if (r.tx)
    for (size_t i = 0; i < n; i++) {
      free(r.tx[i].ids);
      free(r.tx[i].v);
    }
  free(r.tx);
  free(r.order);
  free(r.bstart);
  return rc;
}
