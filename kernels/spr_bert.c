/* spr_bert.c: BERT MLM forward + SPLADE pooling (see spr_bert.h). Sequences are packed without
 * padding: row-wise layers see one [T, H] matrix for the whole batch (large, efficient GEMMs) and
 * attention runs per sequence and head on strided views of Q, K and V. */
#include "spr_bert.h"

#include <math.h>
#include <string.h>

#include "spr_bert_math.h"
#include "spr_blas.h"

#define SPR_BERT_ALIGN 64u

int spr_bert_config_check(const spr_bert_config *c) {
  if (!c) return SPR_FAIL(SPR_EINVAL, "bert: NULL config");
  if (!c->vocab || !c->hidden || !c->layers || !c->heads || !c->intermediate || !c->max_positions)
    return SPR_FAIL(SPR_EINVAL, "bert config: zero size (vocab %u, hidden %u, layers %u, heads %u, "
                                "intermediate %u, max_positions %u)",
                    c->vocab, c->hidden, c->layers, c->heads, c->intermediate, c->max_positions);
  if (c->hidden % c->heads)
    return SPR_FAIL(SPR_EINVAL, "bert config: hidden_size %u not divisible by num_attention_heads %u",
                    c->hidden, c->heads);
  if (!(c->ln_eps > 0.0f)) return SPR_FAIL(SPR_EINVAL, "bert config: layer_norm_eps must be > 0");
  return SPR_OK;
}

static size_t spr_bert_round(size_t bytes) { return (bytes + SPR_BERT_ALIGN - 1) / SPR_BERT_ALIGN * SPR_BERT_ALIGN; }

/* Workspace layout (floats, each block 64-byte rounded): h, h1, q, k, v, ctx [T,H]; inter [T,I];
 * scores [L,L]; tile [T,VT]; then for int8 products the quantized rows of one input aq
 * [T, kpad(max(H,I))] bytes with their scales sa [T] and zero points za [T]. */
typedef struct spr_bert_ws {
  float *h, *h1, *q, *k, *v, *ctx, *inter, *scores, *tile;
  uint8_t *aq;
  float *sa;
  int32_t *za;
  spr_qgemm_isa isa;
} spr_bert_ws;

static size_t spr_bert_layout(const spr_bert_config *c, size_t T, size_t L, char *base, spr_bert_ws *ws) {
  const size_t H = c->hidden, I = c->intermediate;
  const size_t vt = c->vocab < SPR_BERT_VOCAB_TILE ? c->vocab : SPR_BERT_VOCAB_TILE;
  const size_t qk = spr_qgemm_kpad(H > I ? H : I) / sizeof(float);
  const size_t sizes[12] = {T * H, T * H, T * H, T * H, T * H, T * H, T * I, L * L, T * vt, T * qk, T, T};
  float *blk[12];
  size_t off = 0;
  for (int i = 0; i < 12; i++) {
    if (sizes[i] > SIZE_MAX / 8) return 0;
    blk[i] = base ? (float *)(void *)(base + off) : NULL;
    off += spr_bert_round(sizes[i] * sizeof(float));
  }
  *ws = (spr_bert_ws){blk[0], blk[1], blk[2], blk[3], blk[4], blk[5], blk[6], blk[7], blk[8],
                      (uint8_t *)blk[9], blk[10], (int32_t *)(void *)blk[11], SPR_QGEMM_ISA_SCALAR};
  return off;
}

size_t spr_bert_workspace_size(const spr_bert_config *c, size_t max_tokens, size_t max_length) {
  spr_bert_ws ws;
  return spr_bert_layout(c, max_tokens, max_length, NULL, &ws) + SPR_BERT_ALIGN;
}

double spr_bert_flops(const spr_bert_config *c, size_t len, double *enc_flops) {
  const double H = c->hidden, I = c->intermediate, V = c->vocab, L = (double)len;
  /* per layer: QKV + O (4 H^2), FFN (2 H I) per token; attention scores and context 2 L H per token. */
  const double layer = 2.0 * L * (4.0 * H * H + 2.0 * H * I) + 2.0 * 2.0 * L * L * H;
  const double enc = layer * c->layers;
  if (enc_flops) *enc_flops = enc;
  return enc + 2.0 * L * H * H + 2.0 * L * H * V;
}

/* The row-wise float work (bias adds, LayerNorm, GELU, softmax, the max-pool) is in
 * spr_bert_math.h: vectorized, with its own exp and erf instead of per-element libm calls. */

/* ---- the forward pass ------------------------------------------------------------------- */

/* C[M, n1-n0] = A[M,K] W[n0..n1, K]^T: sgemm on the float weights W, or with q the int8 product
 * (A's rows quantized into the workspace, then spr_qgemm on q's columns [n0, n1)). */
static void spr_bert_linear(spr_bert_ws *ws, const spr_qweight *q, size_t M, size_t n0, size_t n1, size_t K,
                            const float *A, const float *W, float *C, size_t ldc) {
  if (!q) {
    spr_blas_sgemm_nt(M, n1 - n0, K, 1.0f, A, K, W + n0 * K, K, 0.0f, C, ldc);
    return;
  }
  const size_t ldq = spr_qgemm_kpad(K);
  spr_qgemm_quantize_rows(M, K, A, K, ws->aq, ldq, ws->sa, ws->za);
  spr_qgemm(ws->isa, M, n0, n1, ws->aq, ldq, ws->sa, ws->za, q, C, ldc);
}

/* One layer; ql: its six int8 maps (wq, wk, wv, wo, wi, wf) or NULL. */
static void spr_bert_layer_forward(const spr_bert_config *c, const spr_bert_math_ops *m, const spr_bert_layer *w,
                                   const spr_qweight *ql, const uint32_t *off, size_t n, size_t T, spr_bert_ws *ws) {
  const size_t H = c->hidden, I = c->intermediate, nh = c->heads, d = H / nh;
  const float scale = 1.0f / sqrtf((float)d);
  spr_bert_linear(ws, ql ? &ql[0] : NULL, T, 0, H, H, ws->h, w->wq, ws->q, H);
  spr_bert_linear(ws, ql ? &ql[1] : NULL, T, 0, H, H, ws->h, w->wk, ws->k, H);
  spr_bert_linear(ws, ql ? &ql[2] : NULL, T, 0, H, H, ws->h, w->wv, ws->v, H);
  m->add_bias(T, H, ws->q, w->bq);
  m->add_bias(T, H, ws->k, w->bk);
  m->add_bias(T, H, ws->v, w->bv);
  for (size_t b = 0; b < n; b++) {
    const size_t r0 = off[b], L = off[b + 1] - off[b];
    for (size_t j = 0; j < nh; j++) {
      const float *q = ws->q + r0 * H + j * d, *k = ws->k + r0 * H + j * d, *v = ws->v + r0 * H + j * d;
      spr_blas_sgemm_nt(L, L, d, scale, q, H, k, H, 0.0f, ws->scores, L);
      m->softmax(L, L, ws->scores);
      spr_blas_sgemm_nn(L, d, L, 1.0f, ws->scores, L, v, H, 0.0f, ws->ctx + r0 * H + j * d, H);
    }
  }
  /* h1 = LN(ctx Wo^T + bo + h) */
  spr_bert_linear(ws, ql ? &ql[3] : NULL, T, 0, H, H, ws->ctx, w->wo, ws->h1, H);
  m->add_ln(T, H, ws->h1, ws->h, w->bo, w->ln1_g, w->ln1_b, c->ln_eps);
  /* h = LN(gelu(h1 Wi^T + bi) Wf^T + bf + h1) */
  spr_bert_linear(ws, ql ? &ql[4] : NULL, T, 0, I, H, ws->h1, w->wi, ws->inter, I);
  m->bias_gelu(T, I, ws->inter, w->bi);
  spr_bert_linear(ws, ql ? &ql[5] : NULL, T, 0, H, I, ws->inter, w->wf, ws->h, H);
  m->add_ln(T, H, ws->h, ws->h1, w->bf, w->ln2_g, w->ln2_b, c->ln_eps);
}

int spr_bert_splade(const spr_bert_config *c, const spr_bert_weights *w, const int32_t *ids,
                    const uint32_t *off, size_t n, float *out, void *work, size_t work_size) {
  if (!c || !w || !off || !out || (!work && work_size)) return SPR_FAIL(SPR_EINVAL, "bert: NULL argument");
  if (n == 0) return SPR_OK;
  const size_t H = c->hidden, V = c->vocab;
  size_t Lmax = 0;
  if (off[0] != 0) return SPR_FAIL(SPR_EINVAL, "bert: off[0] = %u, expected 0", off[0]);
  for (size_t b = 0; b < n; b++) {
    if (off[b + 1] <= off[b]) return SPR_FAIL(SPR_EINVAL, "bert: sequence %zu is empty", b);
    const size_t L = off[b + 1] - off[b];
    if (L > c->max_positions)
      return SPR_FAIL(SPR_EINVAL, "bert: sequence %zu has %zu tokens, more than max_position_embeddings %u", b, L,
                      c->max_positions);
    if (L > Lmax) Lmax = L;
  }
  const size_t T = off[n];
  for (size_t t = 0; t < T; t++)
    if (ids[t] < 0 || (uint32_t)ids[t] >= c->vocab)
      return SPR_FAIL(SPR_EINVAL, "bert: token id %d out of range [0, %u)", ids[t], c->vocab);
  const size_t need = spr_bert_workspace_size(c, T, Lmax);
  if (!need || work_size < need)
    return SPR_FAIL(SPR_EINVAL, "bert: workspace of %zu bytes, need %zu", work_size, need);
  char *base = (char *)work;
  base += (SPR_BERT_ALIGN - (uintptr_t)base % SPR_BERT_ALIGN) % SPR_BERT_ALIGN;
  spr_bert_ws ws;
  spr_bert_layout(c, T, Lmax, base, &ws);
  const spr_bert_math_ops *const m = spr_bert_math_ops_get(SPR_BERT_ISA_AUTO); /* never NULL */

  /* Embeddings. */
  for (size_t b = 0; b < n; b++)
    for (size_t t = off[b]; t < off[b + 1]; t++) {
      const float *we = w->word_emb + (size_t)ids[t] * H, *pe = w->pos_emb + (t - off[b]) * H;
      float *row = ws.h + t * H;
      memcpy(row, we, H * sizeof *row);
      m->add_bias(1, H, row, pe);
      if (c->type_vocab) m->add_bias(1, H, row, w->type_emb);
    }
  m->add_ln(T, H, ws.h, NULL, NULL, w->emb_ln_g, w->emb_ln_b, c->ln_eps);
  const spr_bert_qweights *qw = w->quant;
  if (qw) ws.isa = qw->isa;
  for (uint32_t l = 0; l < c->layers; l++)
    spr_bert_layer_forward(c, m, &w->layer[l], qw && qw->layer ? qw->layer + 6 * (size_t)l : NULL, off, n, T, &ws);

  /* MLM transform into q: t = LN(gelu(h Wt^T + bt)). */
  spr_bert_linear(&ws, qw ? qw->head : NULL, T, 0, H, H, ws.h, w->head_w, ws.q, H);
  m->bias_gelu(T, H, ws.q, w->head_b);
  m->add_ln(T, H, ws.q, NULL, NULL, w->head_ln_g, w->head_ln_b, c->ln_eps);

  /* Decoder by tiles, max-pooled per sequence as produced. log1p(relu(.)) is monotone, so the max
   * of raw logits is taken first and the bias and log1p applied once per entry. */
  for (size_t v0 = 0; v0 < V; v0 += SPR_BERT_VOCAB_TILE) {
    const size_t vt = V - v0 < SPR_BERT_VOCAB_TILE ? V - v0 : SPR_BERT_VOCAB_TILE;
    spr_bert_linear(&ws, qw ? qw->dec : NULL, T, v0, v0 + vt, H, ws.q, w->dec_w, ws.tile, vt);
    for (size_t b = 0; b < n; b++) {
      float *o = out + b * V + v0;
      memcpy(o, ws.tile + (size_t)off[b] * vt, vt * sizeof(float));
      m->max_rows(off[b + 1] - off[b] - 1, vt, o, ws.tile + ((size_t)off[b] + 1) * vt, vt);
      for (size_t i = 0; i < vt; i++) {
        const float x = o[i] + w->dec_b[v0 + i];
        o[i] = x > 0.0f ? log1pf(x) : 0.0f;
      }
    }
  }
  return SPR_OK;
}
