/* spr_bert.h: BERT (and DistilBERT) masked-LM forward pass and SPLADE max pooling. Pure: no I/O, MPI, logging,
 * allocation or threads of its own. Local.
 *
 * One call encodes a batch of sequences packed back to back (no padding at all): every row-wise
 * layer (embeddings, the six linear maps of a layer, LayerNorms, GELU, the MLM head) runs on all
 * tokens of the batch as one matrix, and only attention works per sequence, so padding positions
 * never exist and need no mask. The vocabulary projection is computed in tiles of
 * SPR_BERT_VOCAB_TILE columns, each max-pooled over every sequence's tokens as soon as it is
 * produced: never more than one tile of logits exists.
 *
 *   h = LN(word[x] + position[t] [+ token_type[0]]);  per layer: post-LN self-attention and
 *   exact-erf GELU feed-forward;  t = LN(gelu(h Wt^T + bt));  logit = t Wdec^T + bdec;
 *   w[v] = max_t log(1 + max(0, logit[t][v])).
 *
 * DistilBERT is the same computation without token types (type_vocab 0) and under other tensor
 * names (shard/spr_model.c maps them); its (q/sqrt(d)) k^T equals q k^T / sqrt(d) here.
 *
 * Matrix products go through spr_blas (CBLAS); call from one thread per workspace, with BLAS
 * pinned serial when several threads encode at once (spr_blas_serial_begin). */
#ifndef SPR_BERT_H
#define SPR_BERT_H
#include <stddef.h>
#include <stdint.h>

#include "spr_qgemm.h"
#include "spr_status.h"

#define SPR_BERT_VOCAB_TILE 2048u /* vocabulary columns per logits tile */

typedef struct spr_bert_config {
  uint32_t vocab;         /* vocab_size */
  uint32_t hidden;        /* hidden_size */
  uint32_t layers;        /* num_hidden_layers */
  uint32_t heads;         /* num_attention_heads; hidden % heads == 0 */
  uint32_t intermediate;  /* intermediate_size */
  uint32_t max_positions; /* max_position_embeddings: the longest sequence */
  uint32_t type_vocab;    /* type_vocab_size (token type 0 is used); 0: no token types (DistilBERT) */
  float ln_eps;           /* layer_norm_eps */
} spr_bert_config;

/* One encoder layer. Every pointer borrowed, row-major float32; linear weights [out, in] as
 * torch.nn.Linear (y = x W^T + b). H = hidden, I = intermediate. */
typedef struct spr_bert_layer {
  const float *wq, *bq, *wk, *bk, *wv, *bv; /* [H,H], [H] */
  const float *wo, *bo;                     /* attention.output.dense [H,H], [H] */
  const float *ln1_g, *ln1_b;               /* attention.output.LayerNorm [H] */
  const float *wi, *bi;                     /* intermediate.dense [I,H], [I] */
  const float *wf, *bf;                     /* output.dense [H,I], [H] */
  const float *ln2_g, *ln2_b;               /* output.LayerNorm [H] */
} spr_bert_layer;

/* Optional int8 copies of the linear maps (kernels/spr_qgemm.h: weights per output channel,
 * activations per row at run time). Every pointer borrowed; NULL keeps that map in float32. */
typedef struct spr_bert_qweights {
  const spr_qweight *layer; /* [layers * 6]: wq, wk, wv, wo, wi, wf of each layer, or NULL */
  const spr_qweight *head;  /* head_w, or NULL */
  const spr_qweight *dec;   /* dec_w ([V,H]), or NULL */
  spr_qgemm_isa isa;        /* a variant this CPU runs (spr_qgemm_isa_supported) */
} spr_bert_qweights;

/* All weights, borrowed (the caller keeps them alive and unchanged during calls). */
typedef struct spr_bert_weights {
  const float *word_emb;           /* [V,H] */
  const float *pos_emb;            /* [max_positions,H] */
  const float *type_emb;           /* [type_vocab,H] (row 0 used); NULL when type_vocab is 0 */
  const float *emb_ln_g, *emb_ln_b; /* [H] */
  const spr_bert_layer *layer;     /* [layers] */
  const float *head_w, *head_b;    /* cls.predictions.transform.dense [H,H], [H] */
  const float *head_ln_g, *head_ln_b; /* cls.predictions.transform.LayerNorm [H] */
  const float *dec_w;              /* decoder [V,H] (the word embeddings when tied) */
  const float *dec_b;              /* cls.predictions.bias [V] */
  const spr_bert_qweights *quant;  /* int8 maps, or NULL: every product in float32 */
} spr_bert_weights;

/* Check a config: positive sizes, hidden divisible by heads, eps > 0. SPR_EINVAL with the field. */
SPR_NODISCARD int spr_bert_config_check(const spr_bert_config *c);

/* Bytes of workspace for batches of at most max_tokens tokens in total whose longest sequence has
 * at most max_length tokens (max_length <= max_tokens). Never fails (0 on overflow). */
size_t spr_bert_workspace_size(const spr_bert_config *c, size_t max_tokens, size_t max_length);

/* Floating-point operations of one forward pass + SPLADE pooling of a sequence of len tokens
 * (2 per multiply-add; matrix products only). enc_flops (may be NULL) receives the part of the
 * encoder layers. */
double spr_bert_flops(const spr_bert_config *c, size_t len, double *enc_flops);

/* SPLADE vectors of n sequences. Sequence b is ids[off[b] .. off[b+1]) (off has n+1 entries,
 * off[0] = 0, each sequence 1..max_positions ids, each id < vocab); out receives n dense rows of
 * `vocab` weights (row b = sequence b; caller-owned, n*vocab floats). work: at least
 * spr_bert_workspace_size(c, off[n], longest) bytes, 64-byte alignment recommended.
 * Returns 0, or SPR_EINVAL (bad id, length or workspace; nothing is written to out then).
 * Reentrant: distinct workspaces may run concurrently on the same weights. */
SPR_NODISCARD int spr_bert_splade(const spr_bert_config *c, const spr_bert_weights *w,
                                  const int32_t *ids, const uint32_t *off, size_t n, float *out,
                                  void *work, size_t work_size);
#endif /* SPR_BERT_H */
