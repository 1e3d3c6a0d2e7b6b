/* spr_encode.h: SPLADE encoding of texts into sparse vectors (term id, float weight), the C API
 * behind `spire encode` and the index builder. Local (no MPI): under MPI each rank calls it on its
 * own documents. Uses OpenMP threads inside (one region per call, opened here) with BLAS pinned to
 * one thread per OpenMP thread.
 *
 * Steps: tokenize every text (threads over texts); sort by token count, longest first, and cut
 * into batches (one text each by default, or packs of similar length up to `batch_tokens`);
 * threads take batches dynamically, each with its own workspace, and run the forward pass of
 * kernels/spr_bert.h (sequences packed without padding); each dense SPLADE row is pruned to a
 * sparse vector at once. With the default one-text batches a text's vector does not depend on
 * the other texts of the call (tested bit for bit), so results are the same for any thread or
 * rank count. */
#ifndef SPR_ENCODE_H
#define SPR_ENCODE_H
#include <stddef.h>
#include <stdint.h>

#include "spr_model.h"

typedef struct spr_splade_params {
  uint32_t max_length;   /* tokens per text incl. [CLS]/[SEP]; 0 = 512; clamped to max_position_embeddings */
  uint32_t top_n;        /* keep the top_n heaviest terms (ties: lower id first); 0 = all */
  float min_weight;      /* drop weights < min_weight (zero weights are always dropped) */
  int query;             /* 1: texts are queries; with the model's idf.json: inference-free */
  uint32_t batch_tokens; /* 0 (default): one text per forward pass, results independent of the
                          * other texts; > 0: pack up to this many tokens (and 64 texts) per pass,
                          * faster for short texts but the last bits of a weight then depend on
                          * the batch (OpenBLAS rounding varies with the matrix shape) */
  int threads;           /* OpenMP threads; 0 = omp_get_max_threads() */
  const spr_bert_weights *weights; /* borrowed: NULL = the model's (float32); a copy of them with
                          * .quant set (shard/spr_bert_quant.h) for the int8 path */
} spr_splade_params;

/* Sparse vectors of n texts: vector i = (term[j], weight[j]) for j in [off[i], off[i+1]),
 * term ids ascending. Initialize with `spr_splade_vectors v = {0};`. */
typedef struct spr_splade_vectors {
  size_t n;       /* texts */
  uint64_t *off;  /* owned, n+1 entries */
  uint32_t *term; /* owned, off[n] entries */
  float *weight;  /* owned, off[n] entries */
  uint64_t tokens; /* tokens encoded (after truncation, [CLS]/[SEP] included) */
} spr_splade_vectors;

/* Encode texts[i][0..lens[i]) (UTF-8, borrowed for the call) into out (previous contents are
 * freed). Inference-free queries (p->query and spr_model_idf(m) != NULL): each distinct non-special
 * token id of the text gets weight idf[id], no forward pass. Returns 0, SPR_ENOMEM or SPR_EINVAL;
 * on failure out is empty. Thread-safe for distinct outputs (call from serial code: it opens its
 * own OpenMP region). */
SPR_NODISCARD int spr_splade_encode(const spr_model *m, const spr_splade_params *p, const char *const *texts,
                                    const size_t *lens, size_t n, spr_splade_vectors *out);
/* Free the arrays and zero the struct. NULL is fine. */
void spr_splade_vectors_free(spr_splade_vectors *v);
#endif /* SPR_ENCODE_H */
