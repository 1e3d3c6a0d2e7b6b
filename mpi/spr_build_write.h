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

/* What the term owners write for their terms [t0, t0 + nt) (docs/format.md: /terms statistics,
 * the encoded lists and their codec blocks), the same arrays from either build: the in-memory one
 * makes them from its lists (spr_payload_from_lists), the bounded one while it merges its runs
 * (mpi/spr_build_stream.c). Offsets count from this rank's first term, posting, block and byte;
 * spr_write_index makes post_off, tblk and boff global in place. */
typedef struct spr_payload {
  uint32_t nt;
  uint32_t *df;         /* nt: each term's postings */
  uint8_t *max_impact;  /* nt */
  uint8_t *kth;         /* 3 nt: the 10th, 100th and 1000th largest impacts */
  uint64_t *post_off;   /* nt + 1: the postings before each term */
  uint64_t *tblk;       /* nt + 1: each term's first codec block */
  uint64_t *boff;       /* n_pblocks + 1: each codec block's first byte */
  uint32_t *blast;      /* n_pblocks: each codec block's last docid */
  uint64_t n_pblocks, enc_bytes;
  uint8_t *enc;         /* the encoded lists (enc_bytes), or NULL: they are in file enc_fd from 0 */
  int enc_fd;
  int owned;            /* the arrays are the payload's (spr_payload_free frees them), else borrowed */
} spr_payload;
/* Local. The payload of nt posting lists held in memory: term t's are docs/imp[term_off[t] ..
 * term_off[t + 1]) (borrowed; read only). The lists are encoded by the OpenMP threads. */
SPR_NODISCARD int spr_payload_from_lists(uint32_t nt, const uint32_t *docs, const uint8_t *imp,
                                         const uint64_t *term_off, spr_payload *out);
/* Frees an owned payload's arrays (a borrowed one's stay); zeroes *pl. */
void spr_payload_free(spr_payload *pl);
/* Collective on c. Write the index to tmp: documents, dictionary, header attributes, and the term
 * owners' payload pl (this rank owns terms [tb[rank], tb[rank + 1])); n_blocks = BMP blocks in
 * all. Every dataset is written here, for both builds, each by its entry in spr_index_datasets.h. */
SPR_NODISCARD int spr_write_index(const spr_comm *c, const spr_build_params *p, const char *tmp,
                                  const spr_build_local *l, uint64_t doc_base, uint64_t n_docs, const spr_dict *dict,
                                  const uint32_t *tb, uint64_t n_blocks, spr_payload *pl, const spr_build_stats *st,
                                  spr_build_stats *io);
/* Collective on c. spr_write_index with the payload of the in-memory build's lists (owned terms'
 * odocs/oimp[oterm_off[t] .. oterm_off[t + 1]), borrowed). */
SPR_NODISCARD int spr_write_index_lists(const spr_comm *c, const spr_build_params *p, const char *tmp,
                                        const spr_build_local *l, uint64_t doc_base, uint64_t n_docs,
                                        const spr_dict *dict, const uint32_t *tb, const uint32_t *odocs,
                                        const uint8_t *oimp, const uint64_t *oterm_off, spr_build_stats *st);

/* Bounded memory: the unit every buffer that grows with postings is sized from (an eighth of the
 * budget per rank: docs/memory.md). */
static inline uint64_t spr_budget_unit(uint64_t budget) { return budget / 8 ? budget / 8 : 1; }
#endif /* SPR_BUILD_WRITE_H */
