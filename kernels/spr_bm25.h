/* spr_bm25.h: BM25 term weights and the linear u8 impact quantizer. Pure: no I/O, MPI or allocation. */
#ifndef SPR_BM25_H
#define SPR_BM25_H
#include <stdint.h>

#include "spr_status.h"

typedef struct spr_bm25 {
  double k1, b;   /* Lucene/Anserini defaults for spire: 0.9, 0.4 */
  double n_docs;  /* documents in the collection */
  double avgdl;   /* mean document length in terms (after analysis) */
} spr_bm25;

/* Lucene's idf: ln(1 + (N - df + 0.5) / (df + 0.5)). Always > 0. */
double spr_bm25_idf(const spr_bm25 *p, uint64_t df);
/* Lucene 8's BM25 term score (without the constant (k1+1) factor Lucene 8 dropped):
 * idf * tf / (tf + k1 * (1 - b + b * dl / avgdl)). */
double spr_bm25_score(const spr_bm25 *p, double idf, uint32_t tf, uint32_t dl);

/* Linear quantization of a score in (0, max] to [1, 2^bits - 1]:
 * q = 1 + round(score / max * (2^bits - 2)). Every posting keeps a non-zero impact and the largest
 * score maps to the top level. bits in 1..8; for bits = 1 every impact is 1. */
uint8_t spr_quantize_linear(double score, double max, int bits);
#endif /* SPR_BM25_H */
