/* spr_bm25.c: BM25 as Lucene 8 computes it, so that spire's effectiveness is comparable. */
#include "spr_bm25.h"

#include <math.h>

double spr_bm25_idf(const spr_bm25 *p, uint64_t df) {
  const double d = (double)df;
  return log(1.0 + (p->n_docs - d + 0.5) / (d + 0.5));
}

double spr_bm25_score(const spr_bm25 *p, double idf, uint32_t tf, uint32_t dl) {
  const double norm = p->k1 * (1.0 - p->b + p->b * (double)dl / (p->avgdl > 0 ? p->avgdl : 1.0));
  return idf * (double)tf / ((double)tf + norm);
}

uint8_t spr_quantize_linear(double score, double max, int bits) {
  const double levels = (double)((1u << bits) - 2u);
  if (!(max > 0) || !(score > 0) || levels <= 0) return 1;
  double q = 1.0 + nearbyint(score / max * levels);
  if (q > levels + 1.0) q = levels + 1.0;
  if (q < 1.0) q = 1.0;
  return (uint8_t)q;
}
