/* spr_query.c: query preparation (see spr_query.h): reading, SPLADE encoding, analysis, the one
 * quantization rule of every format, and the lookup in the index's vocabulary. */
#include "spr_query.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spr_analyzer.h"
#include "spr_encode.h"
#include "spr_model.h"

static int spr_cmp_qterm(const void *a, const void *b) {
  const spr_qterm *x = a, *y = b;
  return (x->term > y->term) - (x->term < y->term);
}

static int spr_cmp_qraw(const void *a, const void *b) {
  return strcmp(((const spr_qraw *)a)->s, ((const spr_qraw *)b)->s);
}

/* The rule and its reasons: spr_query.h and docs/queries.md. */
void spr_query_quantize(const spr_qraw *t, size_t n, uint32_t *out) {
  int keep = 1;
  double mx = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(t[i].w > 0)) continue;
    if (t[i].w != floor(t[i].w) || t[i].w > 255) keep = 0;
    mx = t[i].w > mx ? t[i].w : mx;
  }
  for (size_t i = 0; i < n; i++) {
    if (!(t[i].w > 0)) out[i] = 0;
    else if (keep) out[i] = (uint32_t)t[i].w;
    else {
      const double q = nearbyint(t[i].w / mx * 255.0);
      out[i] = q < 1 ? 1 : q > 255 ? 255 : (uint32_t)q;
    }
  }
}

/* SPLADE queries: encode the query texts with the model (or its idf.json: inference-free) into
 * vector queries, so that the rest of the search sees JSON-vector-like queries. */
static int spr_query_encode(const char *model_dir, spr_queries *q) {
  spr_model *m = NULL;
  SPR_TRY(spr_model_load(model_dir, &m));
  size_t *lens = malloc((q->n + 1) * sizeof *lens);
  spr_splade_vectors v = {0};
  int rc = lens ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
  for (size_t i = 0; rc == SPR_OK && i < q->n; i++) lens[i] = strlen(q->text[i]);
  spr_splade_params sp = {.query = 1};
  if (rc == SPR_OK) rc = spr_splade_encode(m, &sp, (const char *const *)q->text, lens, q->n, &v);
  if (rc == SPR_OK) {
    const uint64_t ne = v.off[q->n];
    q->vec_off = malloc((q->n + 1) * sizeof *q->vec_off);
    q->vec_term = calloc(ne + 1, sizeof *q->vec_term);
    q->vec_weight = malloc((ne + 1) * sizeof *q->vec_weight);
    if (!q->vec_off || !q->vec_term || !q->vec_weight) rc = SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
    for (size_t i = 0; rc == SPR_OK && i <= q->n; i++) q->vec_off[i] = v.off[i];
    const spr_wordpiece *wp = spr_model_vocab(m);
    for (uint64_t j = 0; rc == SPR_OK && j < ne; j++) {
      q->vec_term[j] = strdup(spr_wordpiece_token(wp, v.term[j]));
      q->vec_weight[j] = v.weight[j];
      if (!q->vec_term[j]) rc = SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
    }
    if (rc == SPR_OK) q->vectors = 1;
  }
  spr_splade_vectors_free(&v);
  free(lens);
  spr_model_free(&m);
  return rc;
}

int spr_query_load(const char *path, const char *format, const spr_query_index *ix, spr_queries *q) {
  SPR_TRY(spr_queries_load_as(path, format, q));
  /* TSV queries on an index of pre-encoded vectors are pre-tokenized: a token repeated n times
   * weighs n (Anserini's impact queries) */
  if (!q->vectors && !strcmp(ix->analyzer, "none") && strcmp(ix->encoder, "splade"))
    SPR_TRY(spr_queries_tokenize(path, q));
  if (!q->vectors && !strcmp(ix->encoder, "splade")) SPR_TRY(spr_query_encode(ix->model, q));
  return SPR_OK;
}

/* The rules: spr_query.h. */
int spr_query_terms(const spr_query_index *ix, const spr_queries *q, spr_qterm **terms, uint64_t *off) {
  if (!q->vectors && !strcmp(ix->analyzer, "none"))
    return SPR_FAIL(SPR_EINVAL, "the index holds pre-encoded vectors (encoder %s): queries must be JSON vectors "
                    "{\"id\", \"vector\": {...}}, not text", ix->encoder);
  spr_analyzer *an = NULL;
  spr_tokens toks = {0};
  spr_qraw *raw = NULL; /* owned: one query's terms, rcap entries */
  uint32_t *qw = NULL;  /* owned: their u8 weights, rcap entries */
  size_t rcap = 0;
  if (!q->vectors) SPR_TRY(spr_analyzer_create(ix->analyzer, &an));
  uint64_t cap = 256, n = 0;
  spr_qterm *t = malloc(cap * sizeof *t);
  int rc = SPR_OK;
  if (!t) {
    rc = SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
    goto cleanup;
  }
  off[0] = 0;
  for (size_t i = 0; i < q->n; i++) {
    size_t m = 0;
    if (q->vectors) m = (size_t)(q->vec_off[i + 1] - q->vec_off[i]);
    else {
      spr_tokens_clear(&toks);
      const int64_t nt = spr_analyzer_run(an, q->text[i], strlen(q->text[i]), &toks);
      if (nt < 0) {
        rc = SPR_FAIL((int)nt, "query %s: analysis failed", q->qid[i]);
        goto cleanup;
      }
      m = toks.n;
    }
    if (m > rcap) {
      const size_t nc = m > 2 * rcap ? m : 2 * rcap;
      spr_qraw *r2 = realloc(raw, nc * sizeof *r2);
      if (r2) raw = r2;
      uint32_t *w2 = r2 ? realloc(qw, nc * sizeof *w2) : NULL;
      if (w2) qw = w2;
      if (!w2) {
        rc = SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
        goto cleanup;
      }
      rcap = nc;
    }
    for (size_t j = 0; j < m; j++)
      raw[j] = q->vectors ? (spr_qraw){q->vec_term[q->vec_off[i] + j], q->vec_weight[q->vec_off[i] + j]}
                          : (spr_qraw){spr_tokens_get(&toks, j), 1.0};
    /* repeats summed by string before quantization, so a term's weight is its total (and distinct
     * strings are distinct index terms: no id repeats below) */
    if (m) qsort(raw, m, sizeof *raw, spr_cmp_qraw);
    size_t u = 0;
    for (size_t j = 0; j < m; j++) {
      if (u && !strcmp(raw[u - 1].s, raw[j].s)) raw[u - 1].w += raw[j].w;
      else raw[u++] = raw[j];
    }
    spr_query_quantize(raw, u, qw);
    const uint64_t start = n;
    for (size_t j = 0; j < u; j++) {
      if (!qw[j]) continue;
      const int64_t id = spr_strlist_find(ix->terms, raw[j].s);
      if (id < 0) continue;
      if (n == cap) {
        spr_qterm *nt2 = realloc(t, 2 * cap * sizeof *t);
        if (!nt2) {
          rc = SPR_FAIL(SPR_ENOMEM, "queries: out of memory");
          goto cleanup;
        }
        t = nt2;
        cap *= 2;
      }
      t[n++] = (spr_qterm){(uint32_t)id, qw[j]};
    }
    qsort(t + start, n - start, sizeof *t, spr_cmp_qterm);
    off[i + 1] = n;
  }
cleanup:
  free(raw);
  free(qw);
  spr_tokens_free(&toks);
  spr_analyzer_free(&an);
  if (rc < 0) free(t);
  else *terms = t;
  return rc;
}
