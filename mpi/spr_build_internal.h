/* spr_build_internal.h: what the index build's stages share (mpi/spr_build*.c, mpi/spr_prune.c,
 * mpi/spr_reorder.c): the postings in transit, the dictionary, the write and the stages' entry
 * points; the rank's document store is shard/spr_docs.h. Not a public interface. */
#ifndef SPR_BUILD_INTERNAL_H
#define SPR_BUILD_INTERNAL_H
#include <stdint.h>

#include "spr_bm25.h"
#include "spr_coll.h"
#include "spr_corpus.h"
#include "spr_index.h"
#include "spr_status.h"
#include "spr_vocab.h"

#include "spr_docs.h"

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

/* The term dictionary (spr_build_dict): global ids in byte order of the strings. */
typedef struct spr_dict {
  uint32_t n_terms;   /* global */
  uint32_t d0;        /* first global id owned here */
  spr_strlist own;    /* owned: this rank's slice of the sorted vocabulary */
  uint32_t *lgid;     /* owned: global id of every local vocabulary id */
  uint32_t *ldf;      /* owned: global df of every local vocabulary id */
  uint64_t *own_df;   /* owned: df of every owned term */
} spr_dict;
void spr_dict_free(spr_dict *d);
/* Collective on c. The distributed term dictionary of voc's terms; their local document
 * frequencies are ldf (by local id) or, when ldf is NULL, counted from l's postings. */
SPR_NODISCARD int spr_build_dict(const spr_comm *c, const spr_vocab *voc, const spr_build_local *l,
                                 const uint32_t *ldf, spr_dict *dict);
/* Collective on c. Rank r owns the terms [tb[r], tb[r+1]): about equal shares of `total` postings. */
SPR_NODISCARD int spr_term_ranges_dist(const spr_comm *c, const spr_dict *d, uint64_t total, uint32_t *tb);

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
/* The in-memory build's postings datasets (/terms statistics, /postings), written by
 * spr_payload_mem (arg: a spr_mem_payload). */
typedef struct spr_mem_payload {
  const uint32_t *odocs;
  const uint8_t *oimp;
  const uint64_t *oterm_off;
} spr_mem_payload;
SPR_NODISCARD int spr_payload_mem(const spr_comm *c, struct spr_h5_writer *w, const spr_write_ctx *x, void *arg);
/* Collective on c. Write the index to tmp: documents, dictionary, header attributes, and payload's
 * datasets; n_owned = the postings of this rank's terms, n_blocks = BMP blocks in all. */
SPR_NODISCARD int spr_write_index(const spr_comm *c, const spr_build_params *p, const char *tmp,
                                  const spr_build_local *l, uint64_t doc_base, uint64_t n_docs, const spr_dict *dict,
                                  const uint32_t *tb, uint64_t n_owned, uint64_t n_blocks, spr_payload_fn payload,
                                  void *arg, const spr_build_stats *st, spr_build_stats *io);
/* Collective on c. The bounded-memory build after the dictionary (mpi/spr_build_stream.c): scores,
 * quantization, routing in rounds through sorted runs on disk, the BMP structures and the write to
 * tmp. l's postings are in its spill file. */
SPR_NODISCARD int spr_build_stream(const spr_comm *c, const spr_build_params *p, spr_build_local *l, uint64_t doc_base,
                                   uint64_t n_docs, spr_dict *dict, const char *tmp, spr_build_stats *st);

/* Bounded memory: the unit every buffer that grows with postings is sized from (an eighth of the
 * budget per rank: docs/memory.md). */
static inline uint64_t spr_budget_unit(uint64_t budget) { return budget / 8 ? budget / 8 : 1; }
/* Bounded memory: the local document frequency of every local term id (< nl), counted from the
 * spill file (after duplicate removal). *ldf malloc'ed, caller frees. */
SPR_NODISCARD int spr_stream_local_df(const spr_build_local *l, uint32_t nl, uint32_t **ldf);

/* Local. Read the text or vector records of [begin, end) of corp into l with all OpenMP threads,
 * terms interned in voc: the same documents, term ids, skips and first error as one reader front to
 * back (mpi/spr_build_read.c). The range's first line is numbered first_line; 0 = not known: the
 * documents' lines are then numbered from 1 within the range (the caller shifts them), and an error
 * message counts the lines before begin to name the real one. show: print progress (in bytes).
 * skipped: SPR_SKIP_NREASONS counts, set; *n_lines: the lines of the range. */
SPR_NODISCARD int spr_build_read_records(const spr_build_params *p, spr_corpus *corp, uint64_t begin, uint64_t end,
                                         uint64_t first_line, int show, spr_vocab *voc, spr_build_local *l,
                                         uint64_t skipped[SPR_SKIP_NREASONS], uint64_t *n_lines);

/* Collective on c. Read a CIFF file (p->corpus; docs/ciff.md): rank r ends with a contiguous share
 * of the documents in CIFF docid order, each added with spr_build_add_doc (terms interned in voc,
 * weights = the postings' tf values), l->dl set from the document records' lengths, l->line the
 * document's index in the CIFF docid order (1-based). The build takes the weights as impacts
 * (p->vectors = 1: encoder auto or vectors) or as term frequencies for BM25 (encoder bm25). */
SPR_NODISCARD int spr_build_read_ciff(const spr_comm *c, const spr_build_params *p, spr_vocab *voc,
                                      spr_build_local *l);

/* Static pruning (docs/pruning.md). Local: in every document of l drop the postings whose score
 * (parallel to l->tid) is below p->prune_min_weight, then all but the p->prune_top_terms heaviest
 * (ties: the lower term id stays); l->tid, score and l->post_off are compacted, l->dl kept.
 * *removed counts the postings dropped here. */
SPR_NODISCARD int spr_prune_docs(const spr_build_params *p, spr_build_local *l, double *score, uint64_t *removed);
/* One document's postings (term ids, scores; n of them) pruned in place by the document rules of
 * spr_prune_docs; returns how many stay. scratch: spr_prune_scratch_size(n) bytes. */
uint64_t spr_prune_doc(const spr_build_params *p, uint32_t *tid, double *score, uint64_t n, void *scratch);
size_t spr_prune_scratch_size(uint64_t n);
/* Local. A term owner keeps the p->prune_list_max heaviest postings of each of its nt lists
 * (odocs/oimp/oterm_off, compacted in place; ties: the lower docid stays). *removed counts the
 * postings its lists lost. */
void spr_prune_lists(const spr_build_params *p, uint32_t nt, uint32_t *odocs, uint8_t *oimp, uint64_t *oterm_off,
                     uint64_t *removed);
#endif /* SPR_BUILD_INTERNAL_H */
