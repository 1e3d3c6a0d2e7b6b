/* spr_model.h: a Hugging Face BERT or DistilBERT masked-LM checkpoint folder, loaded for the
 * SPLADE forward pass (kernels/spr_bert.h) and the tokenizer (kernels/spr_wordpiece.h). Local (no
 * MPI); does file I/O.
 *
 * The folder holds:
 *   config.json        model_type "bert" (architectures, when given, must include BertForMaskedLM),
 *                      hidden_act "gelu" (exact erf), position_embedding_type "absolute"; the sizes
 *                      vocab_size, hidden_size, num_hidden_layers, num_attention_heads,
 *                      intermediate_size, max_position_embeddings, type_vocab_size, layer_norm_eps;
 *                      or model_type "distilbert" (DistilBertForMaskedLM), activation "gelu",
 *                      sinusoidal_pos_embds false, sizes vocab_size, dim, n_layers, n_heads,
 *                      hidden_dim, max_position_embeddings (no token types, LayerNorm eps 1e-12);
 *                      tie_word_embeddings (absent = true) as Hugging Face reads it;
 *   vocab.txt          WordPiece vocabulary (at most vocab_size lines);
 *   model.safetensors  F32, F16 or BF16 tensors with HF names (bert.embeddings..., bert.encoder.
 *                      layer.<i>..., cls.predictions...; distilbert.embeddings..., distilbert.
 *                      transformer.layer.<i>..., vocab_transform, vocab_layer_norm,
 *                      vocab_projector.bias). BERT's decoder is cls.predictions.decoder.weight when
 *                      present (untied), else the word embeddings (tied). DistilBERT's projector is
 *                      the word embeddings unless tie_word_embeddings is false (then
 *                      vocab_projector.weight is required); a vocab_projector.weight present in a
 *                      tied checkpoint must equal them. Memory-mapped; F32
 *                      tensors are used in place, F16/BF16 ones converted to F32 once at load;
 *   idf.json           optional: {"token": weight, ...} for inference-free queries.
 * A different safetensors file may be named (e.g. model.bf16.safetensors) with spr_model_load_file.
 *
 * Errors name the file and the tensor: SPR_EIO (missing/unreadable file), SPR_EPARSE (bad JSON,
 * vocabulary), SPR_ECORRUPT (safetensors header or offsets inconsistent with the file),
 * SPR_ENOTFOUND (missing tensor), SPR_EINVAL (tensor shape disagrees with config.json),
 * SPR_EUNSUPPORTED (dtype other than F32/F16/BF16, architecture, activation or position type). */
#ifndef SPR_MODEL_H
#define SPR_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include "spr_bert.h"
#include "spr_status.h"
#include "spr_wordpiece.h"

/* A loaded model. Immutable after loading: thread-safe for concurrent encodes. */
typedef struct spr_model spr_model;

/* Load the folder dir with its model.safetensors. *out owned by the caller (spr_model_free). */
SPR_NODISCARD int spr_model_load(const char *dir, spr_model **out);
/* Same with the weights file dir/weights_name (e.g. "model.bf16.safetensors"). */
SPR_NODISCARD int spr_model_load_file(const char *dir, const char *weights_name, spr_model **out);
/* Unmap and free. NULL and *m == NULL are fine; sets *m = NULL. */
void spr_model_free(spr_model **m);

/* Borrowed views, valid until spr_model_free. */
const spr_bert_config *spr_model_config(const spr_model *m);
const spr_bert_weights *spr_model_weights(const spr_model *m);
const spr_wordpiece *spr_model_vocab(const spr_model *m);
/* idf.json weights per token id ([config vocab] floats, 0 for tokens it lacks), or NULL when the
 * folder has no idf.json. */
const float *spr_model_idf(const spr_model *m);
/* Storage dtype of the weights file: "F32", "F16" or "BF16" (the first tensor's). */
const char *spr_model_dtype(const spr_model *m);
/* 1 when the decoder is tied to the word embeddings. */
int spr_model_tied(const spr_model *m);
/* The checkpoint kind: "bert" or "distilbert" (config.json's model_type). */
const char *spr_model_type(const spr_model *m);
#endif /* SPR_MODEL_H */
