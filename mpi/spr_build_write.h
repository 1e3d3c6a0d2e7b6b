/* spr_build_write.h: postings in transit, their scores and impacts, and the index build's write
 * (mpi/spr_build_write.c), shared by the in-memory and bounded builds. Not a public interface. */
#ifndef SPR_BUILD_WRITE_H
#define SPR_BUILD_WRITE_H
#include <stddef.h>
#include <stdint.h>

#include "spr_bm25.h"
#include "spr_build_dict.h"
#include "spr_coll.h"
#include "spr_docs.h"
#include "spr_index.h"
#include "spr_status.h"

typedef struct spr_prec { /* one posting in transit: term, docid, impact */
  uint32_t term, doc, impact;
} spr_prec;

/* Encode one posting list (n ascending docids, their impacts) into out (cap bytes) as codec blocks
 * whose byte offsets, counted from `base`, go to boff[0 .. blocks] and last docids to
 * blast[0 .. blocks) (blocks = spr_postings_blocks(n)). Returns the bytes written or an error. */
SPR_NODISCARD int64_t spr_encode_list(const uint32_t *docs, const uint8_t *imp, uint32_t n, uint8_t *out, size_t cap,
                                      uint64_t base, uint64_t *boff, uint32_t *blast);

/* A posting's score: the vector's (or SPLADE's) weight, or BM25 from the term's global df, the tf
 * (w) and the document's length. */
static inline double spr_build_score(const spr_build_params *p, const spr_bm25 *bm, uint32_t df, double w, uint32_t dl) {
  return (p->vectors || p->model) ? w : spr_bm25_score(bm, spr_bm25_idf(bm, df), (uint32_t)w, dl);
}
/* A score's impact: the integer weight itself (identity) or the linear quantizer. */
static inline uint8_t spr_build_impact(int identity, double score, double smax, int bits) {
  return identity ? (uint8_t)score : spr_quantize_linear(score, smax, bits);
}

/* The datasets that depend on how postings were gathered, written by a payload function inside
 * spr_write_index: /terms/df, max_impact, posting_offsets, /postings and
 * /terms/kth_impact. */
typedef struct spr_write_ctx {
  uint32_t n_terms, t0, nt;  /* this rank owns terms [t0, t0 + nt) */
  uint64_t post_before;      /* postings of the terms before t0 */
  int last;                  /* the last rank (writes the closing offsets) */
} spr_write_ctx;
struct spr_h5_writer;
typedef int (*spr_payload_fn)(const spr_comm *c, struct spr_h5_writer *w, const spr_write_ctx *x, void *arg);
/* The posting lists of this rank's terms, held in memory (the in-memory build): docids and impacts
 * in term order; term t0 + j's list is [oterm_off[j], oterm_off[j + 1]) (nt + 1 offsets). All borrowed. */
typedef struct spr_owned_lists {
  const uint32_t *odocs;
  const uint8_t *oimp;
  const uint64_t *oterm_off;
} spr_owned_lists;
/* An spr_payload_fn (arg: a spr_owned_lists): writes the postings datasets (/terms statistics,
 * /postings) from the lists in memory. */
SPR_NODISCARD int spr_owned_lists_write(const spr_comm *c, struct spr_h5_writer *w, const spr_write_ctx *x, void *arg);
/* Collective on c. Write the index to tmp: documents, dictionary, header attributes, and payload's
 * datasets; n_owned = the postings of this rank's terms, n_blocks = BMP blocks in all. */
SPR_NODISCARD int spr_write_index(const spr_comm *c, const spr_build_params *p, const char *tmp,
                                  const spr_build_local *l, uint64_t doc_base, uint64_t n_docs, const spr_dict *dict,
                                  const uint32_t *tb, uint64_t n_owned, uint64_t n_blocks, spr_payload_fn payload,
                                  void *arg, const spr_build_stats *st, spr_build_stats *io);

/* Bounded memory: the unit every buffer that grows with postings is sized from (an eighth of the
 * budget per rank: docs/memory.md). */
static inline uint64_t spr_budget_unit(uint64_t budget) { return budget / 8 ? budget / 8 : 1; }
#endif /* SPR_BUILD_WRITE_H */
