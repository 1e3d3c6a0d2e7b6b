/* spr_bert_quant.h: int8 copies of a BERT model's linear maps, for the reduced-precision forward
 * pass (kernels/spr_qgemm.h: weights per output channel, s8 symmetric; activations per row at run
 * time). Local (no MPI, no I/O); allocates; opens its own OpenMP region (call from serial code).
 *
 * The float weights stay where they are (embeddings, LayerNorms, biases and attention's products
 * are always float32); the copy adds about a quarter of the quantized maps' float size. */
#ifndef SPR_BERT_QUANT_H
#define SPR_BERT_QUANT_H
#include "spr_bert.h"
#include "spr_model.h"
#include "spr_status.h"

/* Which maps to quantize. */
#define SPR_BERT_QUANT_ENCODER 1u /* the six maps of every layer (wq, wk, wv, wo, wi, wf) */
#define SPR_BERT_QUANT_HEAD 2u    /* the MLM transform dense (head_w) */
#define SPR_BERT_QUANT_DECODER 4u /* the vocabulary projection (dec_w, [V,H]) */

typedef struct spr_bert_quant spr_bert_quant;

/* Quantize the maps of w named by parts (a non-empty OR of SPR_BERT_QUANT_*) for the qgemm variant
 * isa (AUTO: the best this CPU runs). w is only read during the call. *out owned by the caller
 * (spr_bert_quant_free). Returns 0, SPR_EINVAL (config, parts, a dimension above
 * SPR_QGEMM_MAX_K), SPR_EUNSUPPORTED (isa cannot run here) or SPR_ENOMEM. */
SPR_NODISCARD int spr_bert_quant_create(const spr_bert_config *c, const spr_bert_weights *w, unsigned parts,
                                        spr_qgemm_isa isa, spr_bert_quant **out);
/* Free; NULL and *q == NULL are fine; sets *q = NULL. */
void spr_bert_quant_free(spr_bert_quant **q);
/* The int8 maps, for spr_bert_weights.quant. Borrowed, valid until spr_bert_quant_free. */
const spr_bert_qweights *spr_bert_quant_weights(const spr_bert_quant *q);
/* Bytes allocated by q. */
size_t spr_bert_quant_bytes(const spr_bert_quant *q);

/* The weights of model m at the precision named: "f32" (or NULL: *weights = the model's, *q = NULL)
 * or "int8" (every linear map, vocabulary projection included, in int8 with the best kernels
 * here: *q owned by the caller, *weights = the model's with .quant = its maps; both valid until
 * spr_bert_quant_free). Returns 0; SPR_EINVAL for another name; SPR_EUNSUPPORTED when this CPU has
 * no fast int8 kernels (AVX512-VNNI): *weights is then the model's float32 and the message in
 * spr_last_error() says why, for the caller to print and go on in f32; SPR_ENOMEM. */
SPR_NODISCARD int spr_bert_quant_precision(const spr_model *m, const char *precision, spr_bert_quant **q,
                                           spr_bert_weights *weights);
#endif /* SPR_BERT_QUANT_H */
