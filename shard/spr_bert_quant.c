/* spr_bert_quant.c: int8 copies of a model's linear maps (see spr_bert_quant.h). One allocation
 * per map (packed weights, scales and column sums together, 64-byte aligned); the rows of every
 * map are quantized by all threads in blocks of SPR_QGEMM_NB channels. */
#include "spr_bert_quant.h"

#include <stdlib.h>
#include <string.h>

struct spr_bert_quant {
  spr_bert_qweights view;
  spr_qweight *maps; /* owned: nmaps entries; maps[i].w points into mem[i] */
  void **mem;        /* owned: one block per map */
  size_t nmaps, bytes;
};

void spr_bert_quant_free(spr_bert_quant **pq) {
  if (!pq || !*pq) return;
  spr_bert_quant *q = *pq;
  for (size_t i = 0; q->mem && i < q->nmaps; i++) free(q->mem[i]);
  free(q->mem);
  free(q->maps);
  free(q);
  *pq = NULL;
}

const spr_bert_qweights *spr_bert_quant_weights(const spr_bert_quant *q) { return &q->view; }
size_t spr_bert_quant_bytes(const spr_bert_quant *q) { return q->bytes; }

static size_t spr_bq_round(size_t b) { return (b + 63) / 64 * 64; }

/* Allocate map i ([n, k]) in q and quantize W into it with every thread. */
static int spr_bq_map(spr_bert_quant *q, size_t i, size_t n, size_t k, const float *W) {
  const size_t np = spr_qgemm_npad(n), wb = spr_bq_round(spr_qgemm_packed_size(n, k));
  const size_t total = wb + spr_bq_round(np * sizeof(float)) + np * sizeof(int32_t);
  char *mem = aligned_alloc(64, spr_bq_round(total));
  if (!mem) return SPR_FAIL(SPR_ENOMEM, "int8 weights: out of memory (%zu bytes)", total);
  q->mem[i] = mem;
  q->bytes += total;
  int8_t *w = (int8_t *)mem;
  float *scale = (float *)(void *)(mem + wb);
  int32_t *colsum = (int32_t *)(void *)(mem + wb + spr_bq_round(np * sizeof(float)));
  const long nblocks = (long)(np / SPR_QGEMM_NB);
#pragma omp parallel for schedule(static)
  for (long b = 0; b < nblocks; b++) {
    const size_t n0 = (size_t)b * SPR_QGEMM_NB, n1 = n0 + SPR_QGEMM_NB < n ? n0 + SPR_QGEMM_NB : n;
    if (n0 < n) spr_qgemm_pack(n, k, W, k, n0, n1, w, scale, colsum);
  }
  q->maps[i] = (spr_qweight){w, scale, colsum, (uint32_t)n, (uint32_t)k};
  return SPR_OK;
}

int spr_bert_quant_create(const spr_bert_config *c, const spr_bert_weights *w, unsigned parts, spr_qgemm_isa isa,
                          spr_bert_quant **out) {
  if (!c || !w || !out) return SPR_FAIL(SPR_EINVAL, "int8 weights: NULL argument");
  *out = NULL;
  SPR_TRY(spr_bert_config_check(c));
  if (!parts || parts & ~(SPR_BERT_QUANT_ENCODER | SPR_BERT_QUANT_HEAD | SPR_BERT_QUANT_DECODER))
    return SPR_FAIL(SPR_EINVAL, "int8 weights: parts 0x%x", parts);
  if (isa == SPR_QGEMM_ISA_AUTO) isa = spr_qgemm_isa_best();
  if (!spr_qgemm_isa_supported(isa))
    return SPR_FAIL(SPR_EUNSUPPORTED, "int8 weights: this CPU cannot run the %s kernels", spr_qgemm_isa_name(isa));
  if (c->intermediate > SPR_QGEMM_MAX_K || c->hidden > SPR_QGEMM_MAX_K)
    return SPR_FAIL(SPR_EINVAL, "int8 weights: hidden %u / intermediate %u above %u", c->hidden, c->intermediate,
                    SPR_QGEMM_MAX_K);
  spr_bert_quant *q = calloc(1, sizeof *q);
  const size_t nenc = parts & SPR_BERT_QUANT_ENCODER ? 6 * (size_t)c->layers : 0;
  const size_t nmaps = nenc + 2;
  if (q) {
    q->maps = calloc(nmaps, sizeof *q->maps);
    q->mem = calloc(nmaps, sizeof *q->mem);
    q->nmaps = nmaps;
  }
  if (!q || !q->maps || !q->mem) {
    spr_bert_quant_free(&q);
    return SPR_FAIL(SPR_ENOMEM, "int8 weights: out of memory");
  }
  const size_t H = c->hidden, I = c->intermediate;
  int rc = SPR_OK;
  for (size_t l = 0; l < nenc / 6 && rc == SPR_OK; l++) {
    const spr_bert_layer *L = &w->layer[l];
    const float *m[6] = {L->wq, L->wk, L->wv, L->wo, L->wi, L->wf};
    const size_t n[6] = {H, H, H, H, I, H}, k[6] = {H, H, H, H, H, I};
    for (size_t j = 0; j < 6 && rc == SPR_OK; j++) rc = spr_bq_map(q, 6 * l + j, n[j], k[j], m[j]);
  }
  if (rc == SPR_OK && parts & SPR_BERT_QUANT_HEAD) rc = spr_bq_map(q, nenc, H, H, w->head_w);
  if (rc == SPR_OK && parts & SPR_BERT_QUANT_DECODER) rc = spr_bq_map(q, nenc + 1, c->vocab, H, w->dec_w);
  if (rc != SPR_OK) {
    spr_bert_quant_free(&q);
    return rc;
  }
  q->view = (spr_bert_qweights){nenc ? q->maps : NULL, parts & SPR_BERT_QUANT_HEAD ? &q->maps[nenc] : NULL,
                                parts & SPR_BERT_QUANT_DECODER ? &q->maps[nenc + 1] : NULL, isa};
  *out = q;
  return SPR_OK;
}

int spr_bert_quant_precision(const spr_model *m, const char *precision, spr_bert_quant **q,
                             spr_bert_weights *weights) {
  *q = NULL;
  *weights = *spr_model_weights(m);
  if (!precision || !strcmp(precision, "f32")) return SPR_OK;
  if (strcmp(precision, "int8")) return SPR_FAIL(SPR_EINVAL, "precision \"%s\" (f32 or int8)", precision);
  if (spr_qgemm_isa_best() == SPR_QGEMM_ISA_SCALAR)
    return SPR_FAIL(SPR_EUNSUPPORTED, "precision int8 needs AVX512-VNNI (avx512f, avx512bw, avx512vl, "
                                      "avx512_vnni), which this CPU lacks");
  SPR_TRY(spr_bert_quant_create(spr_model_config(m), weights,
                                SPR_BERT_QUANT_ENCODER | SPR_BERT_QUANT_HEAD | SPR_BERT_QUANT_DECODER,
                                SPR_QGEMM_ISA_AUTO, q));
  weights->quant = spr_bert_quant_weights(*q);
  return SPR_OK;
}
