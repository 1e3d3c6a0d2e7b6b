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

int spr_splade_encode(const spr_model *m, const spr_splade_params *p, const char *const *texts,
                      const size_t *lens, size_t n, spr_splade_vectors *out) {
  if (!m || !p || !out || (n && (!texts || !lens))) return SPR_FAIL(SPR_EINVAL, "encode: NULL argument");
  spr_splade_vectors_free(out);
  const spr_bert_config *c = spr_model_config(m);
  const spr_wordpiece *wp = spr_model_vocab(m);
  const float *idf = p->query ? spr_model_idf(m) : NULL;
  const uint32_t V = c->vocab, nvocab = spr_wordpiece_size(wp);
  uint32_t maxlen = p->max_length ? p->max_length : 512u;
  if (maxlen > c->max_positions) maxlen = c->max_positions;
  if (maxlen < 2) return SPR_FAIL(SPR_EINVAL, "encode: max_length %u < 2", maxlen);
  /* batch_tokens 0: one sequence per forward pass, so that a text's vector never depends on its
   * neighbours (OpenBLAS rounds a row differently depending on M and on the row's place in the
   * matrix; see docs/encode.md). */
  const size_t bdocs = p->batch_tokens ? SPR_ENCODE_BATCH_DOCS : 1;
  size_t btok = p->batch_tokens;
  if (btok < maxlen) btok = maxlen;
  int nthreads = p->threads;
#ifdef _OPENMP
  if (nthreads <= 0) nthreads = omp_get_max_threads();
#else
  nthreads = 1;
#endif
  if (n > UINT32_MAX) return SPR_FAIL(SPR_EINVAL, "encode: %zu texts in one call (at most 2^32-1)", n);
  spr_enc_text *tx = calloc(n ? n : 1, sizeof *tx);
  uint64_t *order = malloc((n ? n : 1) * sizeof *order);
  size_t *bstart = malloc((n + 1) * sizeof *bstart);
  int rc = SPR_OK;
  if (!tx || !order || !bstart) {
    rc = SPR_FAIL(SPR_ENOMEM, "encode: out of memory");
    goto done;
  }
  const int blas_prev = spr_blas_serial_begin();
  int failed = SPR_OK; /* first failure of any thread (written in critical sections) */
  size_t nb = 0;
#pragma omp parallel num_threads(nthreads)
  {
    spr_wordpiece_scratch *ws = NULL;
    int trc = spr_wordpiece_scratch_create(&ws);
    /* 1. Tokenize. */
#pragma omp for schedule(dynamic, 16)
    for (size_t i = 0; i < n; i++) {
      if (trc) continue;
      int32_t *ids = malloc(maxlen * sizeof *ids);
      int64_t k = ids ? spr_wordpiece_encode(wp, ws, texts[i], lens[i], maxlen, ids, NULL)
                      : SPR_FAIL(SPR_ENOMEM, "encode: out of memory");
      if (k < 0) {
        free(ids);
        trc = (int)k;
        continue;
      }
      tx[i].ids = ids;
      tx[i].len = (uint32_t)k;
    }
    spr_wordpiece_scratch_free(&ws);
    if (trc) {
#pragma omp critical(spr_encode_fail)
      if (!failed) failed = trc;
    }
#pragma omp barrier
    /* 2. Batches of similar length (one thread; cheap). */
#pragma omp single
    if (!failed) {
      for (size_t i = 0; i < n; i++) order[i] = ((uint64_t)(UINT32_MAX - tx[i].len) << 32) | i;
      qsort(order, n, sizeof *order, spr_enc_by_key);
      for (size_t i = 0; i < n; i++) order[i] &= UINT32_MAX;
      size_t i = 0;
      while (i < n) {
        bstart[nb++] = i;
        size_t tok = 0, d = 0;
        while (i < n && d < bdocs && (d == 0 || tok + tx[order[i]].len <= btok)) {
          tok += tx[order[i]].len;
          d++;
          i++;
        }
      }
      bstart[nb] = n;
    }
    /* 3. Forward passes (or idf weighting), threads over batches. */
    void *work = NULL;
    size_t work_size = 0;
    float *dense = NULL;
    int32_t *ids = NULL;
    uint32_t *off = NULL;
    spr_enc_entry *scratch = malloc(((size_t)V + maxlen) * sizeof *scratch);
    trc = failed ? failed : scratch ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "encode: out of memory");
    if (!trc && !idf) {
      work_size = spr_bert_workspace_size(c, btok, maxlen);
      work = malloc(work_size);
      dense = malloc(bdocs * V * sizeof *dense);
      ids = malloc(btok * sizeof *ids);
      off = malloc((bdocs + 1) * sizeof *off);
      if (!work || !dense || !ids || !off) trc = SPR_FAIL(SPR_ENOMEM, "encode: out of memory (workspace)");
    }
#pragma omp for schedule(dynamic, 1)
    for (size_t b = 0; b < nb; b++) {
      if (trc) continue;
      const size_t i0 = bstart[b], i1 = bstart[b + 1];
      if (idf) {
        for (size_t i = i0; i < i1 && !trc; i++) {
          spr_enc_text *t = &tx[order[i]];
          uint32_t k = 0;
          for (uint32_t j = 0; j < t->len; j++) {
            const int32_t id = t->ids[j];
            if (spr_wordpiece_is_special(wp, id)) continue;
            int seen = 0;
            for (uint32_t q = 0; q < k && !seen; q++) seen = scratch[q].term == (uint32_t)id;
            if (!seen) scratch[k++] = (spr_enc_entry){(uint32_t)id, idf[id]};
          }
          qsort(scratch, k, sizeof *scratch, spr_enc_by_term);
          trc = spr_enc_prune(p, NULL, V, scratch, k, t);
        }
        continue;
      }
      off[0] = 0;
      for (size_t i = i0; i < i1; i++) {
        const spr_enc_text *t = &tx[order[i]];
        memcpy(ids + off[i - i0], t->ids, t->len * sizeof *ids);
        off[i - i0 + 1] = off[i - i0] + t->len;
      }
      trc = spr_bert_splade(c, spr_model_weights(m), ids, off, i1 - i0, dense, work, work_size);
      for (size_t i = i0; i < i1 && !trc; i++)
        trc = spr_enc_prune(p, dense + (i - i0) * V, nvocab, scratch, 0, &tx[order[i]]);
    }
    if (trc) {
#pragma omp critical(spr_encode_fail)
      if (!failed) failed = trc;
    }
    free(work);
    free(dense);
    free(ids);
    free(off);
    free(scratch);
  }
  spr_blas_serial_end(blas_prev);
  rc = failed;
  if (rc) goto done;
  /* 4. Assemble in input order. */
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
    rc = SPR_FAIL(SPR_ENOMEM, "encode: out of memory");
    goto done;
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
done:
  if (tx)
    for (size_t i = 0; i < n; i++) {
      free(tx[i].ids);
      free(tx[i].v);
    }
  free(tx);
  free(order);
  free(bstart);
  return rc;
}
