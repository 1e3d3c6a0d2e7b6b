/* spr_build_internal.h: the index build's per-rank document store, shared by the build's stages
 * (mpi/spr_build*.c, mpi/spr_reorder.c). Not a public interface. */
#ifndef SPR_BUILD_INTERNAL_H
#define SPR_BUILD_INTERNAL_H
#include <stdint.h>

#include "spr_coll.h"
#include "spr_index.h"
#include "spr_status.h"
#include "spr_vocab.h"

typedef struct spr_build_local {
  /* documents of this rank, in input order (after reordering: in the new order) */
  uint64_t n_docs;
  char *ids;         /* owned: external ids back to back, no separators */
  uint64_t ids_len, ids_cap;
  uint64_t *id_off;  /* owned: n_docs + 1 */
  uint32_t *dl;      /* owned: n_docs lengths */
  uint64_t *line;    /* owned: n_docs line numbers in the corpus (CIFF: the document record's index) */
  uint64_t line_cap;
  uint64_t dl_cap, id_off_cap, post_off_cap;
  /* per-document (term, weight): tf for text, the given weight for vectors; local term ids until
   * remapped to global ones */
  uint64_t *post_off; /* owned: n_docs + 1 */
  uint32_t *tid;     /* owned */
  double *w;         /* owned */
  uint64_t n_post, tid_cap, w_cap;
  uint32_t *orig;    /* owned: input-order docid of every document once reordered; NULL = identity */
} spr_build_local;

void spr_build_local_free(spr_build_local *l);
/* The most postings any of l's documents has (scratch sizes for per-document work). */
uint64_t spr_build_max_doc_postings(const spr_build_local *l);
/* Grow *p (capacity *cap elements of esz bytes) to hold need elements (doubling). */
SPR_NODISCARD int spr_build_grow(void **p, uint64_t *cap, uint64_t need, size_t esz);

typedef struct spr_pair { /* a document's term and its weight (tf, or a vector's weight) */
  uint32_t term;
  double weight;
} spr_pair;

/* Append one document: its id and its (term, weight) pairs, sorted by term with repeats merged
 * (tokens count up to tf; a vector's repeated key sums). dl = the number of pairs before merging
 * (terms after analysis; entries of a vector); the caller may overwrite l->dl[l->n_docs - 1]
 * afterwards (CIFF document lengths). pairs is reordered. l->id_off[0] must be 0 before the first. */
SPR_NODISCARD int spr_build_add_doc(spr_build_local *l, const char *id, size_t id_len, uint64_t line,
                                    spr_pair *pairs, size_t np);

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
/* Collective on c. Each term owner (terms [tb[r], tb[r+1])) keeps the p->prune_list_max heaviest
 * postings of each of its lists (odocs/oimp/oterm_off, compacted in place; ties: the lower docid
 * stays) and sends the dropped (term, docid) pairs to the documents' owners (docids doc_base + i
 * here), which drop them from l->tid / imp. *removed counts the postings this rank's lists lost. */
SPR_NODISCARD int spr_prune_lists(const spr_comm *c, const spr_build_params *p, const uint32_t *tb, uint64_t doc_base,
                                  uint32_t *odocs, uint8_t *oimp, uint64_t *oterm_off, spr_build_local *l,
                                  uint8_t *imp, uint64_t *removed);
#endif /* SPR_BUILD_INTERNAL_H */
